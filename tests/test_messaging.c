/* Integration: guests talking to guests - send, request (a blocked guest
 * parks and frees its worker), failures that reach the requester at once,
 * timeouts, self-requests. */
#include "testlib.h"

#include <stdlib.h>
#include <time.h>

static aw_runtime *rt;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* request and compare the reply with a prefix */
static int ask(const char *to, const char *msg, const char *want_prefix)
{
    aw_reply r;
    aw_err e = aw_request(rt, to, msg, strlen(msg), 20000, &r);
    int ok = CHECK_ERR(e, AW_OK) &&
             CHECKF(r.len >= strlen(want_prefix) && !memcmp(r.data, want_prefix, strlen(want_prefix)),
                    "'%s' -> '%.*s', want prefix '%s'", msg, (int)r.len, r.data ? (char *)r.data : "",
                    want_prefix);
    aw_reply_free(&r);
    return ok;
}

static void guest_to_guest(void)
{
    ask("m1", "ask echo hello", "hello");
    ask("m1", "ask c get", "0");
    ask("m1", "send c inc", "0");
    ask("m1", "send c inc", "0");
    ask("m1", "ask c get", "2");  /* FIFO from one sender */
    ask("m1", "ask nobody x", "ERR -4");
    ask("m1", "ask m1 x", "ERR -10");  /* would deadlock */
    ask("m1", "ask c bogus", "ERR -8: unknown command");  /* the guest's error text */
    ask("m1", "send nobody x", "-4");
    ask("m1", "self", "m1");
    ask("m2", "self", "m2");
    aw_reply r;
    CHECK_ERR(aw_request(rt, "m1", "now", 3, 5000, &r), AW_OK);
    char num[32] = "";
    if (r.data && r.len < sizeof num) memcpy(num, r.data, r.len);  /* replies are not NUL-terminated */
    long long ns = atoll(num);
    CHECK(ns > 1600000000LL * 1000000000LL);
    aw_reply_free(&r);
    /* chains: m2 asks m1 to ask echo */
    ask("m2", "ask m1 ask echo deep", "deep");
}

static void failures_reach_the_requester(void)
{
    aw_component *trap = tl_load(rt, "trap");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "t", .component = trap}), AW_OK);
    double t0 = now_s();
    ask("m1", "ask t x", "ERR -9: component 'trap' (actor 't') failed in aw_handle: trap: unreachable");
    CHECK(now_s() - t0 < 5);
    ask("m1", "ask t x", "ERR -4");  /* gone */
    /* a request that times out */
    t0 = now_s();
    ask("m1", "ask1 slow sleep 2000", "ERR -7");
    CHECK(now_s() - t0 < 1.5);
    aw_component_release(trap);
}

/* 200 guests blocked in request on one slow responder, 2 workers: other
 * actors keep running, and every blocked guest eventually gets its reply. */
static void blocked_guests_free_their_workers(void)
{
    aw_component *msn = tl_load_granted(rt, "messenger", TL_ALL_MESSAGING);
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "w%d", i);
        CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = name, .component = msn}), AW_OK);
    }
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "w%d", i);
        CHECK_ERR(aw_send(rt, name, "ask slow sleep 10", 17), AW_OK);
    }
    /* while they wait (~2 s of responder work), others get through quickly */
    int fast = 0;
    double worst = 0;
    for (int i = 0; i < 50; i++) {
        aw_reply r;
        double t0 = now_s();
        if (aw_request(rt, "echo", "ping", 4, 2000, &r) == AW_OK && r.len == 4) fast++;
        double d = now_s() - t0;
        if (d > worst) worst = d;
        aw_reply_free(&r);
    }
    CHECK(fast == 50);
    CHECKF(worst < 0.5, "slowest echo took %.3f s", worst);
    /* each waiter answers "self" only after its ask finished (FIFO) */
    int done = 0;
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "w%d", i);
        aw_reply r;
        if (aw_request(rt, name, "self", 4, 60000, &r) == AW_OK && r.len == strlen(name)) done++;
        aw_reply_free(&r);
    }
    CHECK(done == 200);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "w7", "ask slow sleep 1", 16, 5000, &r), AW_OK);
    CHECK(r.len == 7 && !memcmp(r.data, "slept 1", 7));
    aw_reply_free(&r);
    aw_component_release(msn);
}

int main(void)
{
    rt = tl_runtime(2, 300);
    aw_component *msn = tl_load_granted(rt, "messenger", TL_ALL_MESSAGING), *echo = tl_load(rt, "echo"),
                 *counter = tl_load(rt, "counter"), *spin = tl_load(rt, "spin");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "m1", .component = msn}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "m2", .component = msn}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "echo", .component = echo}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "c", .component = counter}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "slow", .component = spin,
                                            .handler_deadline_ms = AW_NO_DEADLINE}), AW_OK);
    RUN(guest_to_guest);
    RUN(failures_reach_the_requester);
    RUN(blocked_guests_free_their_workers);
    aw_component_release(msn);
    aw_component_release(echo);
    aw_component_release(counter);
    aw_component_release(spin);
    aw_runtime_free(rt);
    return tl_finish();
}
