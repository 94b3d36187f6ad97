/* test_route.c - routes: 100k messages across 50 switches (blue-green and
 * canary), each delivered exactly once; exact weighted splits; requests
 * answered by the target; draining a version; a route with no live target;
 * bad route definitions. The targets are native counting actors. */
#include "testlib.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define TOTAL 100000
#define SWITCHES 50

static _Atomic uint8_t seen[TOTAL];  /* deliveries of each message number */

typedef struct counter { _Atomic uint64_t n; } counter;

static int count_msg(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    counter *c = aw_ctx_state(ctx);
    c->n++;
    if (len == 4) {
        uint32_t i;
        memcpy(&i, msg, 4);
        if (i < TOTAL) seen[i]++;
    }
    const char *me = aw_ctx_self(ctx);
    return aw_ctx_reply(ctx, me, strlen(me)) ? 1 : 0;
}

static counter ca, cb;
static aw_native_actor na = {.on_message = count_msg, .state = &ca};
static aw_native_actor nb = {.on_message = count_msg, .state = &cb};

static void spawn_pair(aw_runtime *rt)
{
    ca.n = cb.n = 0;
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "v1", .native = &na}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "v2", .native = &nb}) == AW_OK);
}

static void wait_total(uint64_t want)
{
    for (int i = 0; i < 3000 && ca.n + cb.n < want; i++) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

static void exactly_once_across_switches(void)
{
    aw_runtime *rt = tl_runtime(2, 8);
    spawn_pair(rt);
    memset((void *)seen, 0, sizeof seen);
    aw_route_target blue[] = {{"v1", 1}}, green[] = {{"v2", 1}}, canary[] = {{"v1", 90}, {"v2", 10}};
    REQUIRE(aw_route_create(rt, "/pay", blue, 1) == AW_OK);
    int switches = 0;
    for (uint32_t i = 0; i < TOTAL; i++) {
        if (i && i % (TOTAL / SWITCHES) == 0) {
            const aw_route_target *t = switches % 3 == 0 ? green : switches % 3 == 1 ? canary : blue;
            size_t n = t == canary ? 2 : 1;
            CHECK_ERR(aw_route_set(rt, "/pay", t, n), AW_OK);
            switches++;
        }
        aw_err e = aw_send_wait(rt, "/pay", &i, 4, 10000);
        if (e) { CHECKF(0, "send %u: %s", i, aw_last_error()); break; }
    }
    wait_total(TOTAL);
    int missing = 0, twice = 0;
    for (int i = 0; i < TOTAL; i++) {
        missing += seen[i] == 0;
        twice += seen[i] > 1;
    }
    CHECKF(missing == 0 && twice == 0 && ca.n + cb.n == TOTAL,
           "%d switches: %d missing, %d twice, %llu delivered", switches, missing, twice,
           (unsigned long long)(ca.n + cb.n));
    CHECK(switches == SWITCHES - 1);
    CHECK(ca.n > 0 && cb.n > 0);
    aw_runtime_free(rt);
}

static void weights_and_requests(void)
{
    aw_runtime *rt = tl_runtime(2, 8);
    spawn_pair(rt);
    aw_route_target canary[] = {{"v1", 90}, {"v2", 10}};
    REQUIRE(aw_route_create(rt, "orders.v1", canary, 2) == AW_OK);
    int from_v2 = 0;
    for (int i = 0; i < 1000; i++) {  /* requests: the target itself answers */
        aw_reply r;
        REQUIRE(aw_request(rt, "orders.v1", "x", 1, 5000, &r) == AW_OK);
        from_v2 += r.len == 2 && !memcmp(r.data, "v2", 2);
        aw_reply_free(&r);
    }
    CHECK(from_v2 == 100);  /* smooth round-robin: exact */
    CHECK(ca.n == 900 && cb.n == 100);

    /* drain v2: it takes nothing new, handles what it had, then stops */
    aw_route_target both[] = {{"v1", 1}, {"v2", 1}};
    CHECK_ERR(aw_route_set(rt, "orders.v1", both, 2), AW_OK);
    for (int i = 0; i < 200; i++) CHECK_ERR(aw_send(rt, "orders.v1", "y", 1), AW_OK);
    CHECK_ERR(aw_route_remove_version(rt, "orders.v1", "v2"), AW_OK);
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "v2", &st), AW_ENOENT);
    for (int i = 0; i < 100; i++) CHECK_ERR(aw_send(rt, "orders.v1", "z", 1), AW_OK);
    wait_total(1300);
    CHECK(ca.n + cb.n == 1300);
    CHECK(cb.n == 200);  /* its 100 of the 200, before it stopped */
    CHECK_ERR(aw_route_remove_version(rt, "orders.v1", "v1"), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "only target");

    /* the last live target gone: a request fails at once, naming the route */
    CHECK_ERR(aw_stop(rt, "v1"), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "orders.v1", "x", 1, 5000, &r), AW_ENOENT);
    CHECK_CONTAINS(aw_last_error(), "no live target");
    aw_reply_free(&r);
    CHECK_ERR(aw_send(rt, "orders.v1", "x", 1), AW_OK);  /* accepted, then logged undelivered */
    CHECK_ERR(aw_stop(rt, "orders.v1"), AW_OK);           /* a route stops like an actor */
    CHECK_ERR(aw_send(rt, "orders.v1", "x", 1), AW_ENOENT);
    aw_runtime_free(rt);
}

/* A supervised target is drained too: what the route gave it is handled,
 * then its supervisor terminates it and forgets it (no restart). */
static void drain_supervised(void)
{
    aw_runtime *rt = tl_runtime(2, 8);
    ca.n = cb.n = 0;
    aw_child_spec kids[] = {{.actor = {.name = "s1", .native = &na}},
                            {.actor = {.name = "s2", .native = &nb}}};
    REQUIRE(aw_supervisor_start(rt, &(aw_supervisor_spec){.name = "sup", .max_restarts = 3,
                                                          .period_ms = 5000, .children = kids,
                                                          .n_children = 2}) == AW_OK);
    aw_route_target both[] = {{"s1", 1}, {"s2", 1}};
    REQUIRE(aw_route_create(rt, "/r", both, 2) == AW_OK);
    for (int i = 0; i < 2000; i++) CHECK_ERR(aw_send_wait(rt, "/r", "y", 1, 10000), AW_OK);
    CHECK_ERR(aw_route_remove_version(rt, "/r", "s2"), AW_OK);
    CHECK(cb.n == 1000);  /* every message it was given, handled before it stopped */
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "s2", &st), AW_ENOENT);
    aw_child_info *info;
    size_t n;
    REQUIRE(aw_supervisor_children(rt, "sup", &info, &n) == AW_OK);
    CHECK(n == 1 && !strcmp(info[0].name, "s1"));  /* forgotten: no restart */
    aw_child_info_free(info, n);
    for (int i = 0; i < 10; i++) CHECK_ERR(aw_send(rt, "/r", "z", 1), AW_OK);
    wait_total(2010);
    CHECK(ca.n == 1010 && cb.n == 1000);
    aw_runtime_free(rt);
}

static void bad_definitions(void)
{
    aw_runtime *rt = tl_runtime(1, 8);
    spawn_pair(rt);
    aw_route_target ghost[] = {{"nobody", 1}}, zero[] = {{"v1", 0}}, self[] = {{"/r", 1}};
    CHECK_ERR(aw_route_create(rt, "/r", ghost, 1), AW_ENOENT);
    CHECK_CONTAINS(aw_last_error(), "no actor named 'nobody'");
    CHECK_ERR(aw_route_create(rt, "/r", zero, 1), AW_EINVAL);
    CHECK_ERR(aw_route_create(rt, "/r", self, 1), AW_EINVAL);
    CHECK_ERR(aw_route_create(rt, "/r", NULL, 0), AW_EINVAL);
    CHECK_ERR(aw_route_create(rt, "v1", (aw_route_target[]){{"v2", 1}}, 1), AW_EEXIST);
    CHECK_ERR(aw_route_set(rt, "/none", (aw_route_target[]){{"v2", 1}}, 1), AW_ENOENT);
    CHECK_ERR(aw_route_set(rt, "v1", (aw_route_target[]){{"v2", 1}}, 1), AW_ENOENT);  /* an actor, not a route */
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(exactly_once_across_switches);
    RUN(weights_and_requests);
    RUN(drain_supervised);
    RUN(bad_definitions);
    return tl_finish();
}
