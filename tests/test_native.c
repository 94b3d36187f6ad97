/* Integration: native C actors share the lifecycle, mailbox and messaging of
 * WASM actors, and talk to them both ways. */
#include "testlib.h"

#include <stdlib.h>

typedef struct counter_state {
    long total;
    int started, stopped, stop_reason;
} counter_state;

static int c_start(aw_ctx *ctx, const uint8_t *cfg, size_t len)
{
    counter_state *s = aw_ctx_state(ctx);
    if (len == 6 && !memcmp(cfg, "refuse", 6)) {
        aw_ctx_reply(ctx, "config says no", 14);
        return 7;
    }
    s->started++;
    return 0;
}

static int c_msg(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    counter_state *s = aw_ctx_state(ctx);
    if (len == 3 && !memcmp(msg, "get", 3)) {
        char out[32];
        int n = snprintf(out, sizeof out, "%ld", s->total);
        return aw_ctx_reply(ctx, out, (size_t)n) == AW_OK ? 0 : 1;
    }
    if (len == 4 && !memcmp(msg, "fail", 4)) {
        aw_ctx_reply(ctx, "asked to fail", 13);
        return 42;
    }
    if (len == 5 && !memcmp(msg, "twice", 5)) {
        aw_ctx_reply(ctx, "a", 1);
        return aw_ctx_reply(ctx, "b", 1) == AW_EINVAL ? 0 : 1;
    }
    if (len == 4 && !memcmp(msg, "self", 4)) {
        const char *me = aw_ctx_self(ctx);
        return aw_ctx_reply(ctx, me, strlen(me));
    }
    if (len > 4 && !memcmp(msg, "ask ", 4)) {  /* natives may send, not block */
        return aw_send(aw_ctx_runtime(ctx), "echo", msg + 4, len - 4) == AW_OK ? 0 : 1;
    }
    s->total += (long)len;
    return 0;
}

static void c_stop(aw_ctx *ctx, int reason)
{
    counter_state *s = aw_ctx_state(ctx);
    s->stopped++;
    s->stop_reason = reason;
}

static void lifecycle_and_replies(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    counter_state st = {0};
    aw_native_actor na = {.on_start = c_start, .on_message = c_msg, .on_stop = c_stop, .state = &st};
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "n", .native = &na}), AW_OK);
    CHECK(st.started == 1);
    for (int i = 0; i < 1000; i++) CHECK_ERR(aw_send(rt, "n", "xx", 2), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "n", "get", 3, 5000, &r), AW_OK);
    CHECK(r.len == 4 && !memcmp(r.data, "2000", 4));
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "n", "fail", 4, 5000, &r), AW_EGUEST);
    CHECK(r.status == 42 && r.len == 13);
    CHECK_CONTAINS(aw_last_error(), "asked to fail");
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "n", "twice", 5, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == 'a');
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "n", "self", 4, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == 'n');
    aw_reply_free(&r);
    CHECK_ERR(aw_stop(rt, "n"), AW_OK);
    CHECK(st.stopped == 1 && st.stop_reason == AW_STOP_NORMAL);

    /* refusing to start: an error to the spawner, nothing registered */
    counter_state st2 = {0};
    aw_native_actor nb = na;
    nb.state = &st2;
    aw_actor_spec bad = {.name = "r", .native = &nb, .config = (const uint8_t *)"refuse", .config_len = 6};
    CHECK_ERR(aw_spawn(rt, &bad), AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "config says no");
    aw_actor_state s;
    CHECK_ERR(aw_actor_state_of(rt, "r", &s), AW_ENOENT);

    /* spec errors */
    aw_native_actor empty = {0};
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "e", .native = &empty}), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "on_message");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "e"}), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "exactly one");

    /* shutdown reason reaches on_stop */
    counter_state st3 = {0};
    aw_native_actor nc = na;
    nc.state = &st3;
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "last", .native = &nc}), AW_OK);
    aw_runtime_free(rt);
    CHECK(st3.stopped == 1 && st3.stop_reason == AW_STOP_SHUTDOWN);
}

static void natives_and_guests_talk(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    counter_state st = {0};
    aw_native_actor na = {.on_message = c_msg, .state = &st};
    aw_component *msn = tl_load_granted(rt, "messenger", TL_ALL_MESSAGING), *echo = tl_load(rt, "echo");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "nat", .native = &na}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "g", .component = msn}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "echo", .component = echo}), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "g", "ask nat get", 11, 5000, &r), AW_OK);  /* guest -> native */
    CHECK(r.len == 1 && r.data[0] == '0');
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "g", "send nat abc", 12, 5000, &r), AW_OK);
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "nat", "get", 3, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == '3');
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "nat", "ask hi", 6, 5000, &r), AW_OK);  /* native -> guest */
    aw_reply_free(&r);
    aw_component_release(msn);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

static char exits[1024];
static void on_exit_cb(void *ud, const aw_exit *e)
{
    size_t used = strlen(exits);
    snprintf(exits + used, sizeof exits - used, "%s:%d:%s;", e->actor, (int)e->reason,
             aw_err_name(e->error));
    (void)ud;
}

/* Every end of an actor reaches the host with its reason. */
static void exit_reasons(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_instances = 8;
    cfg.on_exit = on_exit_cb;
    cfg.log_level = AW_LOG_ERROR + 1;
    aw_runtime *rt;
    REQUIRE(aw_runtime_new(&cfg, &rt) == AW_OK);
    counter_state st = {0};
    aw_native_actor na = {.on_message = c_msg, .state = &st};
    aw_component *trap = tl_load(rt, "trap");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "a", .native = &na}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "b", .native = &na}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "t", .component = trap}), AW_OK);
    CHECK_ERR(aw_stop(rt, "a"), AW_OK);
    CHECK(!strcmp(exits, "a:0:AW_OK;"));
    aw_reply r;
    CHECK_ERR(aw_request(rt, "t", "x", 1, 5000, &r), AW_ETRAP);
    aw_reply_free(&r);
    aw_component_release(trap);
    aw_runtime_free(rt);
    CHECK_CONTAINS(exits, "t:2:AW_ETRAP;");
    CHECK_CONTAINS(exits, "b:1:AW_OK;");
}

int main(void)
{
    RUN(lifecycle_and_replies);
    RUN(natives_and_guests_talk);
    RUN(exit_reasons);
    return tl_finish();
}
