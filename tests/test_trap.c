/* Integration: a crashing guest is contained. Every trap kind is reported
 * with component, function and kind; the host and other actors carry on;
 * requests queued behind the crash fail at once, not by timeout. */
#include "testlib.h"

#include <pthread.h>
#include <time.h>

static aw_runtime *rt;
static aw_component *trap, *echo;

static void expect_trap(const char *msg, const char *kind, const char *frame)
{
    aw_actor_spec s = {.name = "t", .component = trap};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "t", msg, strlen(msg), 10000, &r), AW_ETRAP);
    CHECK_CONTAINS(aw_last_error(), kind);
    CHECK_CONTAINS(aw_last_error(), "component 'trap'");
    CHECK_CONTAINS(aw_last_error(), "aw_handle");
    CHECK_CONTAINS(aw_last_error(), "wasm backtrace");
    CHECK_CONTAINS(aw_last_error(), frame);  /* names from the guest's name section */
    aw_reply_free(&r);
    /* the crashed actor released its name; the others still serve */
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "t", &st), AW_ENOENT);
    CHECK_ERR(aw_request(rt, "e", "alive?", 6, 5000, &r), AW_OK);
    CHECK(r.len == 6);
    aw_reply_free(&r);
}

static void each_trap_kind(void)
{
    expect_trap("x", "unreachable", "crash_unreachable");
    expect_trap("oob", "out-of-bounds memory access", "aw_on_message");
    expect_trap("div0", "integer divide by zero", "aw_on_message");
    expect_trap("deep", "stack overflow", "recurse");
}

static void healthy_until_it_crashes(void)
{
    aw_actor_spec s = {.name = "t2", .component = trap};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    aw_reply r;
    for (int i = 0; i < 5; i++) {
        CHECK_ERR(aw_request(rt, "t2", "ok", 2, 5000, &r), AW_OK);
        CHECK(r.len == 11 && !memcmp(r.data, "still alive", 11));
        aw_reply_free(&r);
    }
    CHECK_ERR(aw_request(rt, "t2", "x", 1, 5000, &r), AW_ETRAP);
    aw_reply_free(&r);
}

/* Requests queued behind the crashing message fail immediately. */
static void *late_request(void *arg)
{
    aw_reply r;
    aw_err *out = arg;
    *out = aw_request(rt, "slowcrash", "ok", 2, 60000, &r);
    aw_reply_free(&r);
    return NULL;
}

static void queued_requests_fail_fast(void)
{
    aw_component *spin = tl_load(rt, "spin");
    /* spin "loop" hits a 300 ms deadline (a crash); requests behind it wait */
    aw_actor_spec s = {.name = "slowcrash", .component = spin, .handler_deadline_ms = 300};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    CHECK_ERR(aw_send(rt, "slowcrash", "loop", 4), AW_OK);
    pthread_t t[3];
    aw_err res[3];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, late_request, &res[i]);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int stopped = 0;
    for (int i = 0; i < 3; i++) {
        CHECKF(res[i] == AW_ESTOPPED || res[i] == AW_ENOENT, "got %s", aw_err_name(res[i]));
        stopped += res[i] == AW_ESTOPPED;
    }
    CHECK(stopped > 0);  /* at least one was queued behind the crash */
    CHECK(b.tv_sec - a.tv_sec < 30);  /* far below the 60 s request timeout */
    aw_component_release(spin);
}

/* A trap in the middle of a receive loop fails that message only; requests
 * queued behind it fail at once (or find the name gone, if the crash won the
 * race with the enqueue; at least one run must show the first case). */
static void trap_inside_receive_loop(void)
{
    int stopped = 0;
    for (int round = 0; round < 20 && !stopped; round++) {
        aw_actor_spec s = {.name = "tl", .component = trap, .mailbox_capacity = 64};
        CHECK_ERR(aw_spawn(rt, &s), AW_OK);
        for (int i = 0; i < 5; i++) CHECK_ERR(aw_send(rt, "tl", "ok", 2), AW_OK);
        CHECK_ERR(aw_send(rt, "tl", "x", 1), AW_OK);
        aw_reply r;
        aw_err e = aw_request(rt, "tl", "ok", 2, 5000, &r);
        CHECKF(e == AW_ESTOPPED || e == AW_ENOENT, "got %s", aw_err_name(e));
        if (e == AW_ESTOPPED) {
            stopped = 1;
            CHECK_CONTAINS(aw_last_error(), "crashed before handling this message");
        }
        aw_reply_free(&r);
        aw_actor_state st;
        for (int i = 0; i < 100 && aw_actor_state_of(rt, "tl", &st) == AW_OK; i++) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    CHECK(stopped);
}

static void hostile_pointers(void)
{
    aw_component *liar = tl_load(rt, "liar");
    aw_actor_spec s = {.name = "liar", .component = liar};
    aw_reply r;
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    CHECK_ERR(aw_request(rt, "liar", "fine", 4, 5000, &r), AW_OK);
    CHECK(r.len == 2 && !memcmp(r.data, "ok", 2));
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "liar", "r", 1, 5000, &r), AW_ETRAP);
    CHECK_CONTAINS(aw_last_error(), "airssys.reply");
    CHECK_CONTAINS(aw_last_error(), "outside guest memory");
    aw_reply_free(&r);
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    CHECK_ERR(aw_request(rt, "liar", "l", 1, 5000, &r), AW_ETRAP);
    CHECK_CONTAINS(aw_last_error(), "airssys.log");
    aw_reply_free(&r);
    aw_component_release(liar);

    /* next() from aw_alloc is refused and the message survives for aw_handle */
    aw_component *nia = tl_load(rt, "next_in_alloc");
    aw_actor_spec ns = {.name = "nia", .component = nia};
    CHECK_ERR(aw_spawn(rt, &ns), AW_OK);
    CHECK_ERR(aw_request(rt, "nia", "Zed", 3, 5000, &r), AW_OK);
    int32_t code = 0, first = 0;
    if (CHECK(r.len == 8)) { memcpy(&code, r.data, 4); memcpy(&first, r.data + 4, 4); }
    CHECK(code == -1);
    CHECK(first == 'Z');
    aw_reply_free(&r);
    aw_component_release(nia);

    aw_component *bad = tl_load(rt, "bad_alloc");
    aw_actor_spec b = {.name = "badalloc", .component = bad};
    CHECK_ERR(aw_spawn(rt, &b), AW_OK);
    CHECK_ERR(aw_request(rt, "badalloc", "hello", 5, 5000, &r), AW_EABI);
    CHECK_CONTAINS(aw_last_error(), "aw_alloc");
    CHECK_CONTAINS(aw_last_error(), "out-of-bounds pointer");
    aw_reply_free(&r);
    aw_component_release(bad);
}

static void memory_and_start_limits(void)
{
    aw_component *bomb = tl_load(rt, "grow_bomb");
    aw_actor_spec s = {.name = "bomb", .component = bomb};
    aw_reply r;
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    CHECK_ERR(aw_request(rt, "bomb", "go", 2, 10000, &r), AW_OK);
    uint32_t pages = 0;
    if (CHECK(r.len == 4)) memcpy(&pages, r.data, 4);
    CHECKF(pages > 1 && pages <= (8u << 20) / 65536, "pages=%u", pages);  /* 8 MiB cap */
    aw_reply_free(&r);
    aw_component_release(bomb);

    aw_component *sl = tl_load(rt, "start_loop");
    aw_actor_spec t = {.name = "sl", .component = sl, .handler_deadline_ms = 200};
    CHECK_ERR(aw_spawn(rt, &t), AW_EDEADLINE);
    CHECK_CONTAINS(aw_last_error(), "instantiation");
    aw_component_release(sl);
}

int main(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 32;
    cfg.max_memory_bytes = 8u << 20;
    cfg.log_level = AW_LOG_ERROR + 1;  /* clamp: effectively only errors, quiet */
    if (aw_runtime_new(&cfg, &rt)) { fprintf(stderr, "%s\n", aw_last_error()); return 2; }
    trap = tl_load(rt, "trap");
    echo = tl_load(rt, "echo");
    aw_actor_spec s = {.name = "e", .component = echo};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    RUN(each_trap_kind);
    RUN(healthy_until_it_crashes);
    RUN(queued_requests_fail_fast);
    RUN(trap_inside_receive_loop);
    RUN(hostile_pointers);
    RUN(memory_and_start_limits);
    aw_component_release(trap);
    aw_component_release(echo);
    aw_runtime_free(rt);
    return tl_finish();
}
