/* Unit and integration tests: topic validation, NATS-style matching, and
 * publish/subscribe across WASM and native actors. */
#include "testlib.h"
#include "registry/pubsub.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static int m(const char *p, const char *t) { return aw_topic_match(p, t, strlen(t)); }

static void matching(void)
{
    CHECK(m("a.b.c", "a.b.c"));
    CHECK(!m("a.b.c", "a.b"));
    CHECK(!m("a.b", "a.b.c"));
    CHECK(!m("a.b.c", "a.b.d"));
    CHECK(m("a.*.c", "a.x.c"));
    CHECK(!m("a.*.c", "a.x.y.c"));
    CHECK(!m("a.*.c", "a.c"));
    CHECK(m("a.>", "a.b"));
    CHECK(m("a.>", "a.b.c.d"));
    CHECK(!m("a.>", "a"));
    CHECK(m(">", "anything.at.all"));
    CHECK(m("*", "one"));
    CHECK(!m("*", "one.two"));
    CHECK(m("*.*", "one.two"));
    CHECK(m("a.*.>", "a.b.c"));
    CHECK(!m("a.*.>", "a.b"));
    CHECK(!m("ab", "a"));
    CHECK(!m("a", "ab"));
    CHECK(m("orders.eu.created", "orders.eu.created"));
}

static void validation(void)
{
    CHECK_ERR(aw_topic_check("a.b", 3, false), AW_OK);
    CHECK_ERR(aw_topic_check("a.*", 3, false), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "wildcard");
    CHECK_ERR(aw_topic_check("a.*", 3, true), AW_OK);
    CHECK_ERR(aw_topic_check("a.>.b", 5, true), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "last token");
    CHECK_ERR(aw_topic_check("a..b", 4, false), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "empty token");
    CHECK_ERR(aw_topic_check(".a", 2, false), AW_EINVAL);
    CHECK_ERR(aw_topic_check("a.", 2, false), AW_EINVAL);
    CHECK_ERR(aw_topic_check("a b", 3, false), AW_EINVAL);
    CHECK_ERR(aw_topic_check("a*.b", 4, true), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "whole tokens");
    CHECK_ERR(aw_topic_check("", 0, false), AW_EINVAL);
}

static int native_got;
static char native_topic[64];
static int on_msg(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    native_got++;
    snprintf(native_topic, sizeof native_topic, "%s", aw_ctx_topic(ctx) ? aw_ctx_topic(ctx) : "");
    return 0;
}

static void end_to_end(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    aw_component *msn = tl_load_granted(rt, "messenger", TL_ALL_MESSAGING);
    const char *names[] = {"s1", "s2", "s3"};
    for (int i = 0; i < 3; i++)
        CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = names[i], .component = msn}), AW_OK);
    aw_native_actor nat = {.on_message = on_msg};
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "nat", .native = &nat}), AW_OK);
    CHECK_ERR(aw_subscribe(rt, "s1", "orders.*.created"), AW_OK);
    CHECK_ERR(aw_subscribe(rt, "s1", "orders.>"), AW_OK);  /* overlapping: still one copy */
    CHECK_ERR(aw_subscribe(rt, "nat", "orders.>"), AW_OK);
    CHECK_ERR(aw_subscribe(rt, "s3", "billing.*"), AW_OK);
    CHECK_ERR(aw_subscribe(rt, "s1", "bad..pattern"), AW_EINVAL);
    CHECK_ERR(aw_subscribe(rt, "ghost", "a"), AW_ENOENT);
    /* s2 subscribes from inside the guest */
    aw_reply r;
    CHECK_ERR(aw_request(rt, "s2", "sub orders.eu.*", 15, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == '0');
    aw_reply_free(&r);

    aw_publish_result pr;
    CHECK_ERR(aw_publish(rt, "orders.eu.created", "o1", 2, &pr), AW_OK);
    CHECK(pr.matched == 3 && pr.delivered == 3);
    CHECK_ERR(aw_publish(rt, "orders.us.paid", "o2", 2, &pr), AW_OK);
    CHECK(pr.matched == 2 && pr.delivered == 2);  /* s1 (orders.>), nat */
    CHECK_ERR(aw_publish(rt, "billing.x", "b1", 2, &pr), AW_OK);
    CHECK(pr.matched == 1);
    CHECK_ERR(aw_publish(rt, "nobody.listens", "z", 1, &pr), AW_OK);
    CHECK(pr.matched == 0 && pr.delivered == 0);
    CHECK_ERR(aw_publish(rt, "orders.*", "z", 1, &pr), AW_EINVAL);

    /* a guest publishes too */
    CHECK_ERR(aw_request(rt, "s3", "pub orders.eu.created o3", 24, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == '3');
    aw_reply_free(&r);

    CHECK_ERR(aw_request(rt, "s1", "log", 3, 5000, &r), AW_OK);
    const char *want1 = "orders.eu.created:o1\norders.us.paid:o2\norders.eu.created:o3\n";
    CHECKF(r.len == strlen(want1) && !memcmp(r.data, want1, r.len), "s1 log: %.*s", (int)r.len,
           r.data);
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "s2", "log", 3, 5000, &r), AW_OK);
    CHECKF(r.len == strlen("orders.eu.created:o1\norders.eu.created:o3\n") &&
           !memcmp(r.data, "orders.eu.created:o1\norders.eu.created:o3\n", r.len), "s2 log: %.*s",
           (int)r.len, r.data);
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "s3", "log", 3, 5000, &r), AW_OK);
    CHECK(r.len == strlen("billing.x:b1\n"));
    aw_reply_free(&r);
    CHECK_ERR(aw_request(rt, "nat", "sync", 4, 5000, &r), AW_OK);  /* FIFO: prior mail handled */
    aw_reply_free(&r);
    CHECK(native_got == 4);  /* o1, o2, o3, sync */
    CHECK(!strcmp(native_topic, ""));  /* sync was a direct message */

    /* unsubscribe, and a dead subscriber is removed */
    CHECK_ERR(aw_unsubscribe(rt, "s1", "orders.>"), AW_OK);
    CHECK_ERR(aw_unsubscribe(rt, "s1", "orders.>"), AW_ENOENT);
    CHECK_ERR(aw_stop(rt, "s2"), AW_OK);
    CHECK_ERR(aw_publish(rt, "orders.eu.created", "o4", 2, &pr), AW_OK);
    CHECK(pr.matched == 2);  /* s1 via orders.*.created, nat */
    CHECK_ERR(aw_publish(rt, "orders.us.paid", "o5", 2, &pr), AW_OK);
    CHECK(pr.matched == 1);  /* nat only */
    aw_component_release(msn);
    aw_runtime_free(rt);
}

static int slow_msg(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);  /* deliberately slow so its mailbox fills */
    return 0;
}

static void full_subscriber_is_reported(void)
{
    aw_runtime *rt = tl_runtime(1, 8);
    aw_native_actor slow = {.on_message = slow_msg}, fast = {.on_message = on_msg};
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "slow", .native = &slow, .mailbox_capacity = 2}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "fast", .native = &fast}), AW_OK);
    CHECK_ERR(aw_subscribe(rt, "slow", "t"), AW_OK);
    CHECK_ERR(aw_subscribe(rt, "fast", "t"), AW_OK);
    aw_err last = AW_OK;
    aw_publish_result pr = {0, 0};
    for (int i = 0; i < 10 && last == AW_OK; i++) last = aw_publish(rt, "t", "x", 1, &pr);
    CHECK_ERR(last, AW_EFULL);
    CHECK(pr.matched == 2 && pr.delivered == 1);
    CHECK_CONTAINS(aw_last_error(), "slow (AW_EFULL)");
    aw_runtime_free(rt);
}

static aw_runtime *hook_rt;
static atomic_bool hook_stop;
static void *publisher(void *arg)
{
    (void)arg;
    while (!atomic_load(&hook_stop)) aw_publish(hook_rt, "hook.x", "p", 1, NULL);
    return NULL;
}

/* A guest that subscribes in its start hook gets mail only once it runs,
 * and a spawn that fails after subscribing leaves no subscription behind. */
static void subscribe_in_start_hook(void)
{
    hook_rt = tl_runtime(2, 16);
    aw_component *msn = tl_load_granted(hook_rt, "messenger", TL_ALL_MESSAGING);
    pthread_t t;
    pthread_create(&t, NULL, publisher, NULL);
    for (int i = 0; i < 20; i++) {
        aw_actor_spec s = {.name = "h", .component = msn, .config = (const uint8_t *)"sub hook.>",
                           .config_len = 10, .mailbox_capacity = 100000};
        CHECK_ERR(aw_spawn(hook_rt, &s), AW_OK);
        aw_reply r;
        CHECK_ERR(aw_request(hook_rt, "h", "self", 4, 5000, &r), AW_OK);
        aw_reply_free(&r);
        CHECK_ERR(aw_stop(hook_rt, "h"), AW_OK);
        aw_actor_spec f = {.name = "f", .component = msn,
                           .config = (const uint8_t *)"subfail hook.>", .config_len = 14};
        CHECK_ERR(aw_spawn(hook_rt, &f), AW_EGUEST);
        CHECK_CONTAINS(aw_last_error(), "refused to start");
    }
    atomic_store(&hook_stop, true);
    pthread_join(t, NULL);
    aw_publish_result pr;
    CHECK_ERR(aw_publish(hook_rt, "hook.x", "p", 1, &pr), AW_OK);
    CHECK(pr.matched == 0);  /* nothing left subscribed */
    CHECK_ERR(aw_unsubscribe(hook_rt, "nobody", "bad..p"), AW_ENOENT);
    aw_component_release(msn);
    aw_runtime_free(hook_rt);
}

int main(void)
{
    RUN(subscribe_in_start_hook);
    RUN(matching);
    RUN(validation);
    RUN(end_to_end);
    RUN(full_subscriber_is_reported);
    return tl_finish();
}
