/* test_pipeline_data.c - pipelines declared as data: stage order, every
 * item accounted for, the three error policies, stage timeouts, the window
 * (backpressure), and a supervised WASM stage that crashes mid-stream and
 * is restarted while the pipeline goes on. */
#include "testlib.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* A native stage appends its letter; an input containing "bad" fails at
 * stage b, one containing "slow" sleeps there. */
static int stage_fn(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    const char *me = aw_ctx_self(ctx);
    char out[512];
    if (len > 400) return 1;
    if (me[0] == 'b' && len >= 3 && memmem(msg, len, "bad", 3)) {
        aw_ctx_reply(ctx, "refused bad input", 17);
        return 1;
    }
    if (me[0] == 'b' && len >= 4 && memmem(msg, len, "slow", 4)) {
        struct timespec ts = {0, 60000000};
        nanosleep(&ts, NULL);
    }
    memcpy(out, msg, len);
    out[len] = me[0];
    return aw_ctx_reply(ctx, out, len + 1) ? 1 : 0;
}

static _Atomic int dead;
static int dlq_fn(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    if (len >= 3 && memmem(msg, len, "bad", 3)) dead++;
    return 0;
}

static aw_native_actor stage_actor = {.on_message = stage_fn};
static aw_native_actor dlq_actor = {.on_message = dlq_fn};

static aw_runtime *setup(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    const char *names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++)
        if (aw_spawn(rt, &(aw_actor_spec){.name = names[i], .native = &stage_actor})) exit(2);
    return rt;
}

static const aw_pipe_stage abc[] = {{"a", 0}, {"b", 0}, {"c", 0}};

static void order_and_accounting(void)
{
    aw_runtime *rt = setup();
    aw_pipeline *pl;
    REQUIRE(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "abc", .stages = abc, .n_stages = 3,
                                                      .max_in_flight = 8}, &pl) == AW_OK);
    aw_reply r;
    CHECK_ERR(aw_pipeline_request(pl, "x", 1, 0, &r), AW_OK);
    CHECK(r.len == 4 && !memcmp(r.data, "xabc", 4));  /* a, then b, then c */
    aw_reply_free(&r);
    for (int i = 0; i < 2000; i++) CHECK_ERR(aw_pipeline_send(pl, "item", 4, 0), AW_OK);
    aw_pipeline_free(pl);  /* waits for every item */
    aw_runtime_free(rt);
}

static void policies(void)
{
    aw_runtime *rt = setup();
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "dlq", .native = &dlq_actor}) == AW_OK);
    REQUIRE(aw_subscribe(rt, "dlq", "dead.items") == AW_OK);
    /* skip: the bad item fails to its caller, the others go on */
    aw_pipeline *pl;
    REQUIRE(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "skip", .stages = abc, .n_stages = 3}, &pl) == AW_OK);
    aw_reply r;
    CHECK_ERR(aw_pipeline_request(pl, "bad one", 7, 0, &r), AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "stage 2 ('b') failed");
    aw_reply_free(&r);
    CHECK_ERR(aw_pipeline_request(pl, "ok", 2, 0, &r), AW_OK);
    aw_reply_free(&r);
    aw_pipeline_counts st;
    aw_pipeline_stats(pl, &st);
    CHECK(st.accepted == 2 && st.completed == 1 && st.failed == 1 && !st.stopped);
    aw_pipeline_free(pl);
    /* dead letter: the failing stage's input is published */
    REQUIRE(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "dl", .stages = abc, .n_stages = 3,
                                                      .on_error = AW_PIPE_DEAD_LETTER,
                                                      .dead_letter_topic = "dead.items"}, &pl) == AW_OK);
    for (int i = 0; i < 10; i++) CHECK_ERR(aw_pipeline_send(pl, i % 5 ? "fine" : "bad", i % 5 ? 4 : 3, 0), AW_OK);
    aw_pipeline_free(pl);
    for (int i = 0; i < 500 && dead < 2; i++) nanosleep(&(struct timespec){0, 2000000}, NULL);
    CHECK(dead == 2);
    /* stop: after a failure it takes no more */
    REQUIRE(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "stop", .stages = abc, .n_stages = 3,
                                                      .on_error = AW_PIPE_STOP}, &pl) == AW_OK);
    CHECK_ERR(aw_pipeline_request(pl, "bad", 3, 0, &r), AW_EGUEST);
    aw_reply_free(&r);
    CHECK_ERR(aw_pipeline_send(pl, "ok", 2, 0), AW_ESTOPPED);
    CHECK_CONTAINS(aw_last_error(), "takes no more items");
    aw_pipeline_free(pl);
    /* bad specs */
    CHECK_ERR(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "x", .stages = abc, .n_stages = 0}, &pl), AW_EINVAL);
    CHECK_ERR(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "x", .stages = abc, .n_stages = 3,
                                                        .on_error = AW_PIPE_DEAD_LETTER}, &pl), AW_EINVAL);
    aw_runtime_free(rt);
}

static void timeouts_and_window(void)
{
    aw_runtime *rt = setup();
    aw_pipe_stage timed[] = {{"a", 0}, {"b", 20}, {"c", 0}};
    aw_pipeline *pl;
    REQUIRE(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "t", .stages = timed, .n_stages = 3,
                                                      .max_in_flight = 2}, &pl) == AW_OK);
    aw_reply r;
    CHECK_ERR(aw_pipeline_request(pl, "slow", 4, 0, &r), AW_ETIMEDOUT);
    CHECK_CONTAINS(aw_last_error(), "stage 2 ('b')");
    aw_reply_free(&r);
    /* the window: two in flight at most, a third sender waits, then times out */
    CHECK_ERR(aw_pipeline_send(pl, "slow", 4, 0), AW_OK);
    CHECK_ERR(aw_pipeline_send(pl, "slow", 4, 0), AW_OK);
    CHECK_ERR(aw_pipeline_send(pl, "x", 1, 5), AW_EFULL);
    aw_pipeline_free(pl);
    aw_runtime_free(rt);
}

/* A WIT stage under a supervisor traps on one item; that item fails, the
 * stage restarts, and every other item completes. */
static void crash_mid_stream(void)
{
    aw_runtime *rt = setup();
    char path[1024];
    snprintf(path, sizeof path, "%s/probe.component.wasm", AW_COMPONENT_DIR);
    aw_component *probe = NULL;
    REQUIRE(aw_component_load_file(rt, path, &probe) == AW_OK);
    aw_child_spec kid = {.actor = {.name = "w", .component = probe}};
    aw_supervisor_spec sup = {.name = "sup", .max_restarts = 5, .period_ms = 10000, .children = &kid,
                              .n_children = 1};
    REQUIRE(aw_supervisor_start(rt, &sup) == AW_OK);
    aw_pipe_stage st[] = {{"w", 5000}, {"a", 0}};
    aw_pipeline *pl;
    REQUIRE(aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "p", .stages = st, .n_stages = 2,
                                                      .max_in_flight = 16}, &pl) == AW_OK);
    for (int i = 0; i < 200; i++) {  /* probe echoes items; "trap" makes it crash */
        const char *item = i == 100 ? "trap" : "ITEM";
        CHECK_ERR(aw_pipeline_send(pl, item, 4, 0), AW_OK);
    }
    aw_pipeline_counts c;
    for (int i = 0; i < 2000; i++) {  /* until all 200 have ended */
        aw_pipeline_stats(pl, &c);
        if (!c.in_flight) break;
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    CHECKF(c.accepted == 200 && c.completed == 199 && c.failed == 1 && c.peak_in_flight <= 16,
           "accepted %llu completed %llu failed %llu peak %u", (unsigned long long)c.accepted,
           (unsigned long long)c.completed, (unsigned long long)c.failed, c.peak_in_flight);
    aw_pipeline_free(pl);
    aw_child_info *info;
    size_t n;
    REQUIRE(aw_supervisor_children(rt, "sup", &info, &n) == AW_OK);
    CHECK(n == 1 && info[0].restarts == 1);
    aw_child_info_free(info, n);
    aw_supervisor_stop(rt, "sup");
    aw_component_release(probe);
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(order_and_accounting);
    RUN(policies);
    RUN(timeouts_and_window);
    RUN(crash_mid_stream);
    return tl_finish();
}
