/* request-response: requests between actors, with replies, timeouts and
 * errors. The host asks a WIT component (probe), which itself asks a core
 * module (echo) and passes the answer back; a request to nobody fails at
 * once; a request whose target crashes fails at once with the crash, not by
 * timeout; a guest waiting for a reply holds no worker.
 *   example-request-response build/guests/probe.component.wasm build/guests/echo.wasm */
#include <airssys/airssys.h>
#include <stdio.h>
#include <string.h>

static aw_err ask(aw_runtime *rt, const char *who, const char *what, char *out, size_t cap)
{
    aw_reply r;
    aw_err e = aw_request(rt, who, what, strlen(what), 2000, &r);
    snprintf(out, cap, "%.*s", e ? 0 : (int)r.len, e ? "" : (const char *)r.data);
    aw_reply_free(&r);
    return e;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: %s probe.component.wasm echo.wasm\n", argv[0]); return 1; }
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 1;  /* one worker: the waiting guest must not hold it */
    aw_runtime *rt;
    aw_component *probe, *echo;
    const char *grant = "messaging(send=echo)";
    aw_load_options o = {.grants = &grant, .n_grants = 1};
    if (aw_runtime_new(&cfg, &rt) || aw_component_load_file_opts(rt, argv[1], &o, &probe) ||
        aw_component_load_file(rt, argv[2], &echo) ||
        aw_spawn(rt, &(aw_actor_spec){.name = "asker", .component = probe}) ||
        aw_spawn(rt, &(aw_actor_spec){.name = "echo", .component = echo})) {
        fprintf(stderr, "%s\n", aw_last_error());
        return 1;
    }
    char out[256];
    int ok = 1;
    aw_err e = ask(rt, "asker", "request echo ping", out, sizeof out);
    printf("host -> asker -> echo: %s (%s)\n", out, aw_err_name(e));
    ok &= e == AW_OK && !strcmp(out, "ok ping");
    e = ask(rt, "nobody", "hi", out, sizeof out);
    printf("to nobody: %s: %s\n", aw_err_name(e), aw_last_error());
    ok &= e == AW_ENOENT;
    e = ask(rt, "asker", "trap", out, sizeof out);
    printf("to a guest that traps: %s (at once, not after the timeout)\n", aw_err_name(e));
    ok &= e == AW_ETRAP;
    aw_component_release(probe);
    aw_component_release(echo);
    aw_runtime_free(rt);
    return ok ? 0 : 1;
}
