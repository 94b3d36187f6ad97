/* Integration: guests as actors - request/reply, state, send order, names,
 * lifecycle hooks, mailbox bounds, stop. */
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static aw_runtime *rt;
static aw_component *echo, *counter;

static void spawn(const char *name, aw_component *c, const char *config)
{
    aw_actor_spec s = {.name = name, .component = c, .config = (const uint8_t *)config,
                       .config_len = config ? strlen(config) : 0};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
}

static int ask(const char *to, const char *msg, const char *want)
{
    aw_reply r;
    aw_err e = aw_request(rt, to, msg, strlen(msg), 5000, &r);
    int ok = CHECK_ERR(e, AW_OK) &&
             CHECKF(r.len == strlen(want) && !memcmp(r.data, want, r.len), "reply '%.*s' != '%s'",
                    (int)r.len, r.data ? (char *)r.data : "", want);
    aw_reply_free(&r);
    return ok;
}

static void echo_round_trips(void)
{
    spawn("echo", echo, NULL);
    ask("echo", "hello", "hello");
    ask("echo", "", "");
    size_t sizes[] = {1, 4096, 65536, 1u << 20};
    for (size_t i = 0; i < 4; i++) {
        uint8_t *buf = malloc(sizes[i]);
        for (size_t k = 0; k < sizes[i]; k++) buf[k] = (uint8_t)(k * 31 + i);
        aw_reply r;
        CHECK_ERR(aw_request(rt, "echo", buf, sizes[i], 5000, &r), AW_OK);
        CHECK(r.len == sizes[i] && r.data && !memcmp(r.data, buf, sizes[i]));
        aw_reply_free(&r);
        free(buf);
    }
    uint8_t *huge = calloc(1, (1u << 20) + 1);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "echo", huge, (1u << 20) + 1, 5000, &r), AW_ETOOBIG);
    CHECK_ERR(aw_send(rt, "echo", huge, (1u << 20) + 1), AW_ETOOBIG);
    free(huge);
    ask("echo", "still fine", "still fine");
}

static void state_and_hooks(void)
{
    spawn("c1", counter, "40");
    ask("c1", "inc", "41");
    ask("c1", "inc", "42");
    /* guest-level error: reported to the requester, the actor lives on */
    aw_reply r;
    CHECK_ERR(aw_request(rt, "c1", "bogus", 5, 5000, &r), AW_EGUEST);
    CHECK(r.status == 1);
    CHECKF(r.len && strstr((char *)r.data, "unknown command") != NULL, "%.*s", (int)r.len, r.data);
    CHECK_CONTAINS(aw_last_error(), "unknown command");
    aw_reply_free(&r);
    ask("c1", "get", "42");
    /* independent instances do not share state */
    spawn("c2", counter, NULL);
    ask("c2", "inc", "1");
    ask("c1", "get", "42");
    /* init refusing its config fails the spawn, and nothing is registered */
    aw_actor_spec bad = {.name = "c3", .component = counter, .config = (const uint8_t *)"abc",
                         .config_len = 3};
    CHECK_ERR(aw_spawn(rt, &bad), AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "not a decimal number");
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "c3", &st), AW_ENOENT);
}

static void sends_are_ordered_before_requests(void)
{
    spawn("c4", counter, NULL);
    for (int i = 0; i < 500; i++) CHECK_ERR(aw_send(rt, "c4", "inc", 3), AW_OK);
    ask("c4", "get", "500");
}

static void names(void)
{
    aw_actor_spec s = {.name = "echo", .component = echo};
    CHECK_ERR(aw_spawn(rt, &s), AW_EEXIST);
    CHECK_CONTAINS(aw_last_error(), "already running");
    s.name = "bad name";
    CHECK_ERR(aw_spawn(rt, &s), AW_EINVAL);
    s.name = "";
    CHECK_ERR(aw_spawn(rt, &s), AW_EINVAL);
    CHECK_ERR(aw_send(rt, "ghost", "x", 1), AW_ENOENT);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "ghost", "x", 1, 100, &r), AW_ENOENT);
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "echo", &st), AW_OK);
    CHECK(st == AW_ACTOR_RUNNING);
    /* default name is the component's */
    aw_actor_spec d = {.component = echo};
    CHECK_ERR(aw_spawn(rt, &d), AW_EEXIST);  /* "echo" is taken */
}

static void stop_releases_name(void)
{
    spawn("tmp", counter, "7");
    for (int i = 0; i < 10; i++) CHECK_ERR(aw_send(rt, "tmp", "inc", 3), AW_OK);
    CHECK_ERR(aw_stop(rt, "tmp"), AW_OK);
    CHECK_ERR(aw_send(rt, "tmp", "inc", 3), AW_ENOENT);
    CHECK_ERR(aw_stop(rt, "tmp"), AW_ENOENT);
    spawn("tmp", counter, "1");  /* the name is free again: fresh state */
    ask("tmp", "get", "1");
    CHECK_ERR(aw_stop(rt, "tmp"), AW_OK);
}

static void mailbox_bound_is_an_error(void)
{
    aw_component *spin = tl_load(rt, "spin");
    aw_actor_spec s = {.name = "busy", .component = spin, .mailbox_capacity = 2,
                       .handler_deadline_ms = 1000};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    CHECK_ERR(aw_send(rt, "busy", "loop", 4), AW_OK);  /* occupies the actor */
    struct timespec settle = {0, 50000000};
    nanosleep(&settle, NULL);  /* let it take "loop" off the mailbox and start */
    int full = 0, accepted = 0;
    for (int i = 0; i < 20 && !full; i++) {
        aw_err e = aw_send(rt, "busy", "x", 1);
        if (e == AW_EFULL) full = 1;
        else if (CHECK_ERR(e, AW_OK)) accepted++;
    }
    CHECK(full);
    CHECK_CONTAINS(aw_last_error(), "mailbox full");
    CHECK(accepted <= 3);
    /* backpressure with a timeout: waits, then reports the full mailbox */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(aw_send_wait(rt, "busy", "x", 1, 100), AW_EFULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECKF(waited >= 0.09 && waited < 0.9, "waited %.3f s", waited);
    CHECK_CONTAINS(aw_last_error(), "still full after 100 ms");
    CHECK_ERR(aw_send_wait(rt, "nobody", "x", 1, 100), AW_ENOENT);
    aw_component_release(spin);
}

#define THREADS 4
#define PER_THREAD 300
static void *hammer(void *arg)
{
    long id = (long)arg;
    char name[16];
    int bad = 0;
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(name, sizeof name, "p%d", i % 8);
        char msg[32];
        int n = snprintf(msg, sizeof msg, "%ld-%d", id, i);
        aw_reply r;
        if (aw_request(rt, name, msg, (size_t)n, 10000, &r) != AW_OK || r.len != (size_t)n ||
            memcmp(r.data, msg, (size_t)n))
            bad++;
        aw_reply_free(&r);
    }
    return (void *)(long)bad;
}

static void many_callers_many_actors(void)
{
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        spawn(name, echo, NULL);
    }
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, hammer, (void *)i);
    long bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    CHECK(bad == 0);
}

/* The SDK's receive loop (airssys.next) handles queued messages inside one
 * guest call: every request must still get its own reply or error. */
static void *mixed_requests(void *arg)
{
    long bad = 0;
    for (int i = 0; i < 200; i++) {
        aw_reply r;
        aw_err e = aw_request(rt, "rl", i % 3 ? "inc" : "nope", i % 3 ? 3 : 4, 10000, &r);
        if (i % 3 ? e != AW_OK || r.len == 0 : e != AW_EGUEST || r.status != 1) bad++;
        aw_reply_free(&r);
    }
    (void)arg;
    return (void *)bad;
}

static void receive_loop_keeps_each_result(void)
{
    spawn("rl", counter, NULL);
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, mixed_requests, NULL);
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    CHECK(bad == 0);
    for (int i = 0; i < 3000; i++) CHECK_ERR(aw_send_wait(rt, "rl", "inc", 3, 0), AW_OK);
    char want[16];
    snprintf(want, sizeof want, "%d", 4 * 133 + 3000);  /* 133 incs per thread */
    ask("rl", "get", want);
}

static char shutdown_log[4096];
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static void capture(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                    const char *msg, size_t len)
{
    (void)ud; (void)lvl; (void)src; (void)actor;
    pthread_mutex_lock(&log_mu);
    size_t used = strlen(shutdown_log);
    snprintf(shutdown_log + used, sizeof shutdown_log - used, "%.*s\n", (int)len, msg);
    pthread_mutex_unlock(&log_mu);
}

/* A runaway guest with no deadline cannot hold shutdown hostage: after the
 * grace period it is killed at its next time slice. */
static void shutdown_kills_runaway(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_instances = 8;
    cfg.handler_deadline_ms = 0;  /* no CPU deadline at all */
    cfg.log = capture;
    aw_runtime *rt2;
    REQUIRE(aw_runtime_new(&cfg, &rt2) == AW_OK);
    aw_component *c = tl_load(rt2, "spin");
    aw_actor_spec s = {.name = "runaway", .component = c};
    CHECK_ERR(aw_spawn(rt2, &s), AW_OK);
    CHECK_ERR(aw_send(rt2, "runaway", "loop", 4), AW_OK);
    aw_component_release(c);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    aw_runtime_free(rt2);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(b.tv_sec - a.tv_sec < 30);
    CHECK_CONTAINS(shutdown_log, "killed");
}

int main(void)
{
    rt = tl_runtime(2, 64);
    echo = tl_load(rt, "echo");
    counter = tl_load(rt, "counter");
    RUN(echo_round_trips);
    RUN(state_and_hooks);
    RUN(sends_are_ordered_before_requests);
    RUN(names);
    RUN(stop_releases_name);
    RUN(mailbox_bound_is_an_error);
    RUN(many_callers_many_actors);
    RUN(receive_loop_keeps_each_result);
    RUN(shutdown_kills_runaway);
    aw_component_release(echo);
    aw_component_release(counter);
    aw_runtime_free(rt);
    return tl_finish();
}
