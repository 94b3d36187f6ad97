/* pubsub: broadcasting to WIT component subscribers. Three probe
 * components (build/guests/probe.component.wasm) subscribe to "news.>";
 * the host publishes five headlines on news.world and news.tech, and every
 * subscriber gets all five. A component's subscription needs a grant.
 *   example-pubsub build/guests/probe.component.wasm */
#include <airssys/airssys.h>
#include <stdio.h>
#include <string.h>

static int ask(aw_runtime *rt, const char *who, const char *what, char *out, size_t cap)
{
    aw_reply r;
    aw_err e = aw_request(rt, who, what, strlen(what), 5000, &r);
    snprintf(out, cap, "%.*s", e ? 0 : (int)r.len, e ? "" : (const char *)r.data);
    aw_reply_free(&r);
    return e;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s probe.component.wasm\n", argv[0]); return 1; }
    aw_runtime *rt;
    aw_component *c;
    const char *grant = "messaging(subscribe=news.>)";
    aw_load_options o = {.grants = &grant, .n_grants = 1};
    if (aw_runtime_new(NULL, &rt) || aw_component_load_file_opts(rt, argv[1], &o, &c)) {
        fprintf(stderr, "%s\n", aw_last_error());
        return 1;
    }
    const char *subs[] = {"reader-a", "reader-b", "reader-c"};
    char out[256];
    for (int i = 0; i < 3; i++)
        if (aw_spawn(rt, &(aw_actor_spec){.name = subs[i], .component = c}) ||
            ask(rt, subs[i], "subscribe news.>", out, sizeof out) || strcmp(out, "ok")) {
            fprintf(stderr, "%s: %s %s\n", subs[i], out, aw_last_error());
            return 1;
        }
    const char *topics[] = {"news.world", "news.tech", "news.world", "news.tech", "news.world"};
    for (int i = 0; i < 5; i++) {
        aw_publish_result pr;
        if (aw_publish(rt, topics[i], "headline", 8, &pr)) { fprintf(stderr, "%s\n", aw_last_error()); return 1; }
        printf("published on %s to %zu subscribers\n", topics[i], (size_t)pr.delivered);
    }
    int ok = 1;
    for (int i = 0; i < 3; i++) {  /* each has handled 1 subscribe + 5 news; this is the 7th */
        ask(rt, subs[i], "count", out, sizeof out);
        printf("%s: %s messages handled\n", subs[i], out + 3);
        ok &= !strcmp(out, "ok 7");
    }
    aw_component_release(c);
    aw_runtime_free(rt);
    return ok ? 0 : 1;
}
