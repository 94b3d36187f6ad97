/* test_upgrade.c - hot upgrade in place (aw_upgrade): under a stream of
 * requests every message is handled exactly once, by the old version up to
 * the switch and by the new one after it; a new version that refuses to
 * start leaves the old one serving; core modules and WIT components upgrade
 * into each other; what cannot be upgraded says why; a hostile old version
 * whose snapshot never returns holds no worker and hangs no caller. */
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define N_REQ 100000  /* at most; the asker stops 100 requests after the switch */

typedef struct stream {
    aw_runtime *rt;
    long long got[N_REQ];
    aw_err err[N_REQ];
    _Atomic int done;
    _Atomic int stop_at;  /* set once the upgrade has returned */
} stream;

/* A reply's decimal number (replies are not NUL-terminated). */
static long long num(const aw_reply *r)
{
    char buf[32];
    size_t n = r->len < sizeof buf - 1 ? r->len : sizeof buf - 1;
    memcpy(buf, r->data ? (const char *)r->data : "", n);
    buf[n] = 0;
    return n ? strtoll(buf, NULL, 10) : -1;
}

/* One thread asks "inc" N_REQ times, one request after the other. */
static void *asker(void *arg)
{
    stream *s = arg;
    for (int i = 0; i < N_REQ && i < s->stop_at; i++) {
        aw_reply r;
        s->err[i] = aw_request(s->rt, "ctr", "inc", 3, 10000, &r);
        s->got[i] = s->err[i] ? -1 : num(&r);
        aw_reply_free(&r);
        s->done = i + 1;
    }
    return NULL;
}

static void upgrade_under_load(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    aw_component *v1 = tl_load(rt, "counter"), *v2 = tl_load(rt, "counter");
    REQUIRE(v1 && v2);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "ctr", .component = v1}) == AW_OK);
    static stream s;
    s = (stream){.rt = rt, .stop_at = N_REQ};
    pthread_t t;
    pthread_create(&t, NULL, asker, &s);
    while (s.done < 100) sched_yield();  /* switch mid-stream */
    CHECK_ERR(aw_upgrade(rt, "ctr", v2, &(aw_upgrade_options){.config = (const uint8_t *)"1000", .config_len = 4}), AW_OK);
    s.stop_at = s.done + 100;
    pthread_join(t, NULL);
    int n = s.done;
    /* Old version: 1, 2, ..., j. New version (started at 1000): 1001, 1002, ...
     * No failure, no gap, no repeat: each request was handled exactly once. */
    int j = 0, bad = 0;
    while (j < n && s.got[j] == j + 1) j++;
    for (int i = j; i < n; i++) bad += s.got[i] != 1000 + (i - j) + 1;
    for (int i = 0; i < n; i++) bad += s.err[i] != AW_OK;
    CHECKF(j >= 100 && j < n && bad == 0, "%d requests, switch after %d, %d out of order", n, j, bad);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "ctr", "get", 3, 5000, &r), AW_OK);  /* same name, same mailbox */
    CHECK(num(&r) == 1000 + (n - j));
    aw_reply_free(&r);
    aw_component_release(v1);
    aw_component_release(v2);
    aw_runtime_free(rt);
}

static int ignore(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx; (void)msg; (void)len;
    return 0;
}

static void refused_upgrade_keeps_old(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    aw_component *v1 = tl_load(rt, "counter");
    REQUIRE(v1);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "ctr", .component = v1}) == AW_OK);
    aw_reply r;
    REQUIRE(aw_request(rt, "ctr", "add 41", 6, 5000, &r) == AW_OK);
    aw_reply_free(&r);
    /* the new version's init refuses its config: the old one never stops */
    CHECK_ERR(aw_upgrade(rt, "ctr", v1, &(aw_upgrade_options){.config = (const uint8_t *)"nope", .config_len = 4}), AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "refused by the new version");
    CHECK_CONTAINS(aw_last_error(), "config is not a decimal number");
    CHECK_ERR(aw_request(rt, "ctr", "inc", 3, 5000, &r), AW_OK);
    CHECK(r.len == 2 && !memcmp(r.data, "42", 2));  /* its state is intact */
    aw_reply_free(&r);
    /* what cannot be upgraded */
    CHECK_ERR(aw_upgrade(rt, "nobody", v1, NULL), AW_ENOENT);
    CHECK_ERR(aw_upgrade(rt, "ctr", NULL, NULL), AW_EINVAL);
    aw_native_actor na = {.on_message = ignore};
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "nat", .native = &na}) == AW_OK);
    CHECK_ERR(aw_upgrade(rt, "nat", v1, NULL), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "native actor");
    aw_child_spec kid = {.actor = {.name = "kid", .component = v1}};
    aw_supervisor_spec sup = {.name = "sup", .max_restarts = 3, .period_ms = 1000, .children = &kid,
                              .n_children = 1};
    REQUIRE(aw_supervisor_start(rt, &sup) == AW_OK);
    CHECK_ERR(aw_upgrade(rt, "sup", v1, NULL), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "is a supervisor");
    aw_supervisor_stop(rt, "sup");
    aw_component_release(v1);
    aw_runtime_free(rt);
}

/* A core module becomes a WIT component and back, under the same name. */
static void across_formats(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    aw_component *core = tl_load(rt, "counter"), *wit = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/probe.component.wasm", AW_COMPONENT_DIR);
    REQUIRE(core && aw_component_load_file(rt, path, &wit) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "x", .component = core}) == AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "x", "inc", 3, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == '1');
    aw_reply_free(&r);
    CHECK_ERR(aw_upgrade(rt, "x", wit, NULL), AW_OK);
    CHECK_ERR(aw_request(rt, "x", "self", 4, 5000, &r), AW_OK);
    CHECK(r.len == 4 && !memcmp(r.data, "ok x", 4));
    aw_reply_free(&r);
    CHECK_ERR(aw_upgrade(rt, "x", core, &(aw_upgrade_options){.config = (const uint8_t *)"7", .config_len = 1}), AW_OK);
    CHECK_ERR(aw_request(rt, "x", "get", 3, 5000, &r), AW_OK);
    CHECK(r.len == 1 && r.data[0] == '7');
    aw_reply_free(&r);
    aw_component_release(core);
    aw_component_release(wit);
    aw_runtime_free(rt);
}

/* The state goes over with the code; a version that cannot or will not
 * take it calls the upgrade off. */
static void state_handoff(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    aw_component *v1 = tl_load(rt, "counter"), *v2 = tl_load(rt, "counter"), *echo = tl_load(rt, "echo");
    REQUIRE(v1 && v2 && echo);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "ctr", .component = v1}) == AW_OK);
    aw_reply r;
    REQUIRE(aw_request(rt, "ctr", "add 41", 6, 5000, &r) == AW_OK);
    aw_reply_free(&r);
    aw_upgrade_options keep = {.handoff = true};
    CHECK_ERR(aw_upgrade(rt, "ctr", v2, &keep), AW_OK);
    CHECK(keep.switch_ns > 0);  /* the pause was measured */
    CHECK_ERR(aw_request(rt, "ctr", "inc", 3, 5000, &r), AW_OK);
    CHECK(num(&r) == 42);  /* the count came along */
    aw_reply_free(&r);
    /* echo has no aw_restore: refused, and the counter keeps counting */
    CHECK_ERR(aw_upgrade(rt, "ctr", echo, &keep), AW_ENOTSUP);
    CHECK_CONTAINS(aw_last_error(), "aw_restore");
    CHECK_CONTAINS(aw_last_error(), "old version keeps serving");
    CHECK_ERR(aw_request(rt, "ctr", "inc", 3, 5000, &r), AW_OK);
    CHECK(num(&r) == 43);
    aw_reply_free(&r);
    /* the new version refuses this state (negative): called off too */
    REQUIRE(aw_request(rt, "ctr", "add -100", 8, 5000, &r) == AW_OK);
    aw_reply_free(&r);
    CHECK_ERR(aw_upgrade(rt, "ctr", v1, &keep), AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "refusing a negative count");
    CHECK_ERR(aw_request(rt, "ctr", "get", 3, 5000, &r), AW_OK);
    CHECK(num(&r) == -57);
    aw_reply_free(&r);
    aw_component_release(v1);
    aw_component_release(v2);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

/* Through the WIT state interface, and across formats: a component's
 * message count becomes a core counter's count. */
static void state_handoff_wit(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    char path[1024];
    snprintf(path, sizeof path, "%s/probe.component.wasm", AW_COMPONENT_DIR);
    aw_component *p1 = NULL, *p2 = NULL, *core = tl_load(rt, "counter");
    REQUIRE(aw_component_load_file(rt, path, &p1) == AW_OK);
    REQUIRE(aw_component_load_file(rt, path, &p2) == AW_OK);
    REQUIRE(core);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "p", .component = p1}) == AW_OK);
    for (int i = 0; i < 3; i++) CHECK_ERR(aw_send(rt, "p", "x", 1), AW_OK);
    aw_upgrade_options keep = {.handoff = true};
    CHECK_ERR(aw_upgrade(rt, "p", p2, &keep), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "p", "count", 5, 5000, &r), AW_OK);
    CHECK(r.len == 4 && !memcmp(r.data, "ok 4", 4));  /* 3 before the switch, this one after */
    aw_reply_free(&r);
    CHECK_ERR(aw_upgrade(rt, "p", core, &keep), AW_OK);
    CHECK_ERR(aw_request(rt, "p", "get", 3, 5000, &r), AW_OK);
    CHECK(num(&r) == 4);
    aw_reply_free(&r);
    /* and back: the counter's count restores into the component */
    CHECK_ERR(aw_request(rt, "p", "add 96", 6, 5000, &r), AW_OK);
    aw_reply_free(&r);
    CHECK_ERR(aw_upgrade(rt, "p", p1, &keep), AW_OK);
    CHECK_ERR(aw_request(rt, "p", "count", 5, 5000, &r), AW_OK);
    CHECK(r.len == 6 && !memcmp(r.data, "ok 101", 6));
    aw_reply_free(&r);
    aw_component_release(p1);
    aw_component_release(p2);
    aw_component_release(core);
    aw_runtime_free(rt);
}

/* A supervised child keeps its new version across restarts. */
static void supervised_child(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    char path[1024];
    snprintf(path, sizeof path, "%s/probe.component.wasm", AW_COMPONENT_DIR);
    aw_component *core = tl_load(rt, "counter"), *wit = NULL;
    REQUIRE(core && aw_component_load_file(rt, path, &wit) == AW_OK);
    aw_child_spec kid = {.actor = {.name = "kid", .component = core}};
    aw_supervisor_spec sup = {.name = "sup", .max_restarts = 5, .period_ms = 10000,
                              .children = &kid, .n_children = 1};
    REQUIRE(aw_supervisor_start(rt, &sup) == AW_OK);
    CHECK_ERR(aw_upgrade(rt, "kid", wit, NULL), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "kid", "self", 4, 5000, &r), AW_OK);
    CHECK(r.len == 6 && !memcmp(r.data, "ok kid", 6));  /* the component answers */
    aw_reply_free(&r);
    CHECK(aw_request(rt, "kid", "trap", 4, 5000, &r) == AW_ETRAP);  /* crash it */
    aw_reply_free(&r);
    aw_err e = AW_ENOENT;
    for (int i = 0; i < 400 && e; i++) {  /* until the restart is in */
        e = aw_request(rt, "kid", "self", 4, 5000, &r);
        if (e) { aw_reply_free(&r); struct timespec ts = {0, 5000000}; nanosleep(&ts, NULL); }
    }
    CHECK_ERR(e, AW_OK);  /* restarted as the component, not as the old counter */
    CHECK(r.len == 6 && !memcmp(r.data, "ok kid", 6));
    aw_reply_free(&r);
    aw_supervisor_stop(rt, "sup");
    aw_component_release(core);
    aw_component_release(wit);
    aw_runtime_free(rt);
}

/* A hostile old version whose snapshot never returns. With one worker,
 * another actor must still be served while it spins: the upgrade's calls
 * yield like any guest call. Its CPU deadline then calls the upgrade off;
 * without a deadline, a kill (a supervisor's shutdown budget) abandons it. */
typedef struct upgrading {
    aw_runtime *rt;
    aw_component *to;
    aw_err rc;
    char detail[512];
    _Atomic bool done;
} upgrading;

static void *upgrade_thread(void *p)
{
    upgrading *u = p;
    u->rc = aw_upgrade(u->rt, "loopy", u->to, &(aw_upgrade_options){.handoff = true});
    snprintf(u->detail, sizeof u->detail, "%s", aw_last_error());
    u->done = true;
    return NULL;
}

static _Atomic int switching;  /* "switching to ..." log lines seen */

static void watch_log(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                      const char *msg, size_t len)
{
    (void)ud; (void)lvl; (void)src; (void)actor;
    if (len >= 12 && !memcmp(msg, "switching to", 12)) switching++;
}

/* Once the switch has begun (and the snapshot spins), the echo actor still
 * answers on the only worker. */
static void served_meanwhile(upgrading *u, int nth)
{
    for (int i = 0; i < 1000 && switching < nth; i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    CHECK(switching == nth);
    for (int i = 0; i < 20; i++) {
        aw_reply r;
        CHECK_ERR(aw_request(u->rt, "echo", "hi", 2, 60000, &r), AW_OK);
        aw_reply_free(&r);
    }
    CHECK(!u->done);  /* answered while the snapshot still spun */
}

static void hostile_snapshot(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_instances = 16;
    cfg.log = watch_log;
    cfg.log_level = AW_LOG_INFO;
    aw_runtime *rt;
    REQUIRE(aw_runtime_new(&cfg, &rt) == AW_OK);
    aw_component *loop = NULL, *ctr = tl_load(rt, "counter"), *echo = tl_load(rt, "echo");
    aw_load_options lo = {.handler_deadline_ms = 2000};
    REQUIRE(aw_component_load_file_opts(rt, AW_GUEST_DIR "/snapshot_loop.wasm", &lo, &loop) == AW_OK);
    REQUIRE(ctr && echo);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "echo", .component = echo}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "loopy", .component = loop}) == AW_OK);
    upgrading u = {.rt = rt, .to = ctr};
    pthread_t th;
    pthread_create(&th, NULL, upgrade_thread, &u);
    served_meanwhile(&u, 1);
    pthread_join(th, NULL);
    CHECK_ERR(u.rc, AW_EDEADLINE);
    CHECK_CONTAINS(u.detail, "old version keeps serving");
    /* the old version was torn mid-call: it crashed there (unsupervised: gone) */
    aw_reply r;
    aw_addr gone;
    CHECK_ERR(aw_lookup(rt, "loopy", &gone), AW_ENOENT);
    CHECK_ERR(aw_request(rt, "echo", "still", 5, 5000, &r), AW_OK);
    aw_reply_free(&r);

    /* no deadline at all: the supervisor's kill abandons the upgrade */
    aw_child_spec kid = {.actor = {.name = "loopy", .component = loop,
                                   .handler_deadline_ms = AW_NO_DEADLINE},
                         .restart = AW_TEMPORARY, .shutdown_ms = 200};
    aw_err started = aw_supervisor_start(rt, &(aw_supervisor_spec){.name = "sup", .max_restarts = 3,
                                                          .period_ms = 5000, .children = &kid,
                                                          .n_children = 1});
    CHECKF(started == AW_OK, "%s", aw_last_error());
    if (started) return;
    upgrading v = {.rt = rt, .to = ctr};
    pthread_create(&th, NULL, upgrade_thread, &v);
    served_meanwhile(&v, 2);
    CHECK_ERR(aw_supervisor_terminate_child(rt, "sup", "loopy"), AW_OK);
    pthread_join(th, NULL);
    CHECK_ERR(v.rc, AW_ESTOPPED);
    CHECK_CONTAINS(v.detail, "stopped during the upgrade");
    CHECK_ERR(aw_request(rt, "echo", "after", 5, 5000, &r), AW_OK);
    aw_reply_free(&r);
    aw_supervisor_stop(rt, "sup");
    aw_component_release(loop);
    aw_component_release(ctr);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(upgrade_under_load);
    RUN(refused_upgrade_keeps_old);
    RUN(across_formats);
    RUN(state_handoff);
    RUN(state_handoff_wit);
    RUN(supervised_child);
    RUN(hostile_snapshot);
    return tl_finish();
}
