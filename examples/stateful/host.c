/* stateful: an actor keeps state between messages, in its own sandbox. The
 * counter guest (build/guests/counter.wasm) starts from its config, counts,
 * and answers; a second counter has its own, separate state; a stopped
 * actor's state is gone, and a new one starts afresh from its config.
 *   example-stateful build/guests/counter.wasm */
#include <airssys/airssys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long ask(aw_runtime *rt, const char *who, const char *what)
{
    aw_reply r;
    char buf[32] = "";
    if (aw_request(rt, who, what, strlen(what), 5000, &r) == AW_OK)
        snprintf(buf, sizeof buf, "%.*s", (int)r.len, (const char *)r.data);
    aw_reply_free(&r);
    return buf[0] ? atoll(buf) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s counter.wasm\n", argv[0]); return 1; }
    aw_runtime *rt;
    aw_component *c;
    if (aw_runtime_new(NULL, &rt) || aw_component_load_file(rt, argv[1], &c)) {
        fprintf(stderr, "%s\n", aw_last_error());
        return 1;
    }
    aw_spawn(rt, &(aw_actor_spec){.name = "a", .component = c, .config = (const uint8_t *)"100", .config_len = 3});
    aw_spawn(rt, &(aw_actor_spec){.name = "b", .component = c});
    for (int i = 0; i < 5; i++) ask(rt, "a", "inc");
    long long a = ask(rt, "a", "add 10"), b = ask(rt, "b", "inc");
    printf("a: %lld (from 100, five incs, add 10)\nb: %lld (its own state)\n", a, b);
    aw_stop(rt, "a");
    aw_spawn(rt, &(aw_actor_spec){.name = "a", .component = c, .config = (const uint8_t *)"100", .config_len = 3});
    long long again = ask(rt, "a", "get");
    printf("a, spawned again: %lld (state lives with the instance)\n", again);
    aw_component_release(c);
    aw_runtime_free(rt);
    return a == 115 && b == 1 && again == 100 ? 0 : 1;
}
