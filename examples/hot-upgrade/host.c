/* hot-upgrade: replace a running actor's code while requests keep coming,
 * with its state handed over. A counter (build/guests/counter.wasm) counts
 * to 500; midway it is upgraded in place, and the count goes on from where
 * it was, through the same name, with no request lost or repeated.
 *   example-hot-upgrade build/guests/counter.wasm */
#include <airssys/airssys.h>
#include <stdio.h>
#include <stdlib.h>

static long long ask(aw_runtime *rt, const char *what)
{
    aw_reply r;
    char buf[32] = "";
    if (aw_request(rt, "counter", what, 3, 5000, &r)) {
        fprintf(stderr, "request: %s\n", aw_last_error());
        exit(1);
    }
    snprintf(buf, sizeof buf, "%.*s", (int)r.len, (const char *)r.data);
    aw_reply_free(&r);
    return atoll(buf);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s counter.wasm\n", argv[0]); return 1; }
    aw_runtime *rt;
    aw_component *v1, *v2;
    if (aw_runtime_new(NULL, &rt) || aw_component_load_file(rt, argv[1], &v1) ||
        aw_component_load_file(rt, argv[1], &v2) ||
        aw_spawn(rt, &(aw_actor_spec){.name = "counter", .component = v1})) {
        fprintf(stderr, "%s\n", aw_last_error());
        return 1;
    }
    long long last = 0;
    for (int i = 1; i <= 500; i++) {
        if (i == 250) {  /* v2 is instantiated and started first; then the switch */
            aw_upgrade_options o = {.handoff = true};
            if (aw_upgrade(rt, "counter", v2, &o)) { fprintf(stderr, "%s\n", aw_last_error()); return 1; }
            printf("upgraded at request %d; the actor served nothing for %llu us\n", i,
                   (unsigned long long)(o.switch_ns / 1000));
        }
        long long n = ask(rt, "inc");
        if (n != last + 1) { fprintf(stderr, "count jumped from %lld to %lld\n", last, n); return 1; }
        last = n;
    }
    printf("count: %lld (500 requests, one upgrade, nothing lost)\n", last);
    aw_component_release(v1);
    aw_component_release(v2);
    aw_runtime_free(rt);
    return last == 500 ? 0 : 1;
}
