/* hello host: load a guest, run it as an actor, ask it one question.
 *   build/example-hello build/guests/hello.wasm */
#include <airssys/airssys.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    aw_runtime *rt;
    aw_component *c = NULL;
    aw_reply r;
    if (argc < 2) { fprintf(stderr, "usage: %s hello.wasm\n", argv[0]); return 1; }
    if (aw_runtime_new(NULL, &rt)) { fprintf(stderr, "%s\n", aw_last_error()); return 1; }
    aw_err e = aw_component_load_file(rt, argv[1], &c);
    if (!e) e = aw_spawn(rt, &(aw_actor_spec){.name = "greeter", .component = c});
    if (!e) e = aw_request(rt, "greeter", "airssys", 7, 1000, &r);
    if (e) fprintf(stderr, "%s: %s\n", aw_err_name(e), aw_last_error());
    else printf("reply: %.*s\n", (int)r.len, (char *)r.data), aw_reply_free(&r);
    aw_component_release(c);
    aw_runtime_free(rt);
    return e ? 1 : 0;
}
