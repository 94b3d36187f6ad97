/* test_supervision.c - supervision trees: strategies x restart types,
 * intensity and escalation through three levels, backoff values, shutdown
 * order and kill on timeout, every crash source of a real WASM guest, dynamic
 * children, and mail held across a restart.
 *
 * Time inside supervision (intensity windows, backoff resets, event times)
 * comes from a virtual clock the tests move by hand, so the outcomes do not
 * depend on this machine's speed. */
#include "testlib.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- virtual clock and event log ------------------------------------------ */

static _Atomic uint64_t vclock = 1000000000ull;
static uint64_t clock_fn(void *ud) { (void)ud; return atomic_load(&vclock); }
static void advance_ms(uint64_t ms) { atomic_fetch_add(&vclock, ms * 1000000ull); }

typedef struct ev { aw_sup_event_kind kind; char sup[64], child[64]; aw_exit_reason reason;
                    aw_err err; uint32_t delay; uint64_t seq; } ev;
static ev evs[4096];
static atomic_int nev;
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;

static void on_event(void *ud, const aw_sup_event *e)
{
    (void)ud;
    pthread_mutex_lock(&ev_mu);
    int i = atomic_load(&nev);
    if (i < 4096) {
        evs[i] = (ev){e->kind, "", "", e->reason, e->error, e->delay_ms, e->seq};
        snprintf(evs[i].sup, sizeof evs[i].sup, "%s", e->supervisor);
        snprintf(evs[i].child, sizeof evs[i].child, "%s", e->child ? e->child : "");
        atomic_store(&nev, i + 1);
    }
    pthread_mutex_unlock(&ev_mu);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int count_ev(aw_sup_event_kind k, const char *child)
{
    int n = 0;
    pthread_mutex_lock(&ev_mu);
    for (int i = 0; i < atomic_load(&nev); i++)
        if (evs[i].kind == k && (!child || !strcmp(evs[i].child, child))) n++;
    pthread_mutex_unlock(&ev_mu);
    return n;
}

/* Wait (real time, bounded) until `n` events of kind k for child exist. */
static bool wait_ev(aw_sup_event_kind k, const char *child, int n)
{
    for (int i = 0; i < 1000; i++) {
        if (count_ev(k, child) >= n) return true;
        sleep_ms(5);
    }
    return false;
}

static aw_runtime *rt_new(void)
{
    atomic_store(&nev, 0);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 64;
    cfg.max_memory_bytes = 16u << 20;
    cfg.handler_deadline_ms = 300;
    cfg.log_level = AW_LOG_ERROR + 1;  /* crashes are expected here */
    cfg.clock = clock_fn;
    aw_runtime *rt = NULL;
    if (aw_runtime_new(&cfg, &rt) != AW_OK) return NULL;
    aw_events_subscribe(rt, on_event, NULL, NULL);
    return rt;
}

static aw_child_spec wasm_child(aw_component *c, const char *name, aw_restart r)
{
    return (aw_child_spec){.actor = {.name = name, .component = c}, .restart = r};
}

static bool req_ok(aw_runtime *rt, const char *to, const char *msg, const char *want)
{
    aw_reply r;
    if (aw_request(rt, to, msg, strlen(msg), 5000, &r) != AW_OK) return false;
    bool ok = r.len == strlen(want) && !memcmp(r.data, want, r.len);
    aw_reply_free(&r);
    return ok;
}

static aw_err crash(aw_runtime *rt, const char *to, const char *how)
{
    aw_reply r = {0};
    aw_err e = aw_request(rt, to, how, strlen(how), 5000, &r);
    aw_reply_free(&r);
    return e;
}

/* ---- one-for-one x restart types ------------------------------------------- */

static void one_for_one_types(void)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_child_spec kids[] = {wasm_child(c, "perm", AW_PERMANENT), wasm_child(c, "trans", AW_TRANSIENT),
                            wasm_child(c, "temp", AW_TEMPORARY)};
    aw_supervisor_spec sp = {.name = "sup", .strategy = AW_ONE_FOR_ONE, .max_restarts = 10,
                             .period_ms = 1000, .children = kids, .n_children = 3};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    CHECK(count_ev(AW_SUP_CHILD_STARTED, NULL) == 3);
    aw_addr before, after;
    CHECK_ERR(aw_lookup(rt, "perm", &before), AW_OK);
    CHECK(req_ok(rt, "perm", "count", "1"));
    CHECK_ERR(crash(rt, "perm", "trap"), AW_ETRAP);  /* the requester hears the crash */
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "perm", 1));
    CHECK_ERR(aw_lookup(rt, "perm", &after), AW_OK);
    CHECK(before == after);                     /* same name, same address */
    CHECK(req_ok(rt, "perm", "count", "1"));   /* a fresh instance */

    CHECK_ERR(crash(rt, "trans", "exit:0"), AW_EEXIT);  /* normal exit: not restarted */
    CHECK(wait_ev(AW_SUP_CHILD_TERMINATED, "trans", 1));
    aw_addr x;
    CHECK_ERR(aw_lookup(rt, "trans", &x), AW_ENOENT);
    CHECK_ERR(aw_supervisor_restart_child(rt, "sup", "trans"), AW_OK);
    CHECK_ERR(crash(rt, "trans", "exit:3"), AW_EEXIT);  /* abnormal: restarted */
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "trans", 1));
    CHECK(req_ok(rt, "trans", "ok", "ok"));

    CHECK_ERR(crash(rt, "temp", "div0"), AW_ETRAP);     /* temporary: removed */
    CHECK(wait_ev(AW_SUP_CHILD_TERMINATED, "temp", 1));
    aw_child_info *info;
    size_t n;
    REQUIRE(CHECK_ERR(aw_supervisor_children(rt, "sup", &info, &n), AW_OK));
    CHECK(n == 2);
    CHECK(n >= 1 && !strcmp(info[0].name, "perm") && info[0].restarts == 1 &&
          info[0].state == AW_CHILD_RUNNING && info[0].last_error == AW_ETRAP &&
          info[0].last_reason == AW_EXIT_CRASH);
    CHECK(n >= 2 && !strcmp(info[1].name, "trans") && info[1].restarts == 1);
    aw_child_info_free(info, n);
    CHECK(req_ok(rt, "perm", "ok", "ok"));
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* ---- group strategies: order of stops and starts --------------------------- */

static char order[64][32];
static atomic_int norder;

static int rec_start(aw_ctx *ctx, const uint8_t *cfg, size_t len)
{
    (void)cfg; (void)len;
    int i = atomic_fetch_add(&norder, 1);
    if (i < 64) snprintf(order[i], 32, "start:%s", aw_ctx_self(ctx));
    return 0;
}
static void rec_stop(aw_ctx *ctx, int reason)
{
    (void)reason;
    int i = atomic_fetch_add(&norder, 1);
    if (i < 64) snprintf(order[i], 32, "stop:%s", aw_ctx_self(ctx));
}
static int rec_msg(aw_ctx *ctx, const uint8_t *m, size_t len)
{
    if (len == 5 && !memcmp(m, "crash", 5)) return aw_ctx_reply(ctx, "x", 1), -1;
    return 0;
}
static const aw_native_actor rec = {.on_start = rec_start, .on_message = rec_msg, .on_stop = rec_stop};

static aw_child_spec nat_child(const char *name)
{
    return (aw_child_spec){.actor = {.name = name, .native = &rec}, .restart = AW_PERMANENT};
}

static void order_is(const char *const *want, int n)
{
    CHECKF(atomic_load(&norder) == n, "%d events, want %d", atomic_load(&norder), n);
    for (int i = 0; i < n && i < atomic_load(&norder); i++)
        CHECKF(!strcmp(order[i], want[i]), "step %d: %s, want %s", i, order[i], want[i]);
}

static void group(aw_strategy st, const char *const *want, int nwant)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_child_spec kids[] = {nat_child("a"), wasm_child(c, "b", AW_PERMANENT), nat_child("c"),
                            nat_child("d")};
    aw_supervisor_spec sp = {.name = "g", .strategy = st, .max_restarts = 5, .period_ms = 1000,
                             .children = kids, .n_children = 4};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    atomic_store(&norder, 0);
    CHECK_ERR(crash(rt, "b", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "b", 1));
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "d", st == AW_ONE_FOR_ONE ? 0 : 1));
    sleep_ms(20);
    order_is(want, nwant);
    CHECK(req_ok(rt, "b", "count", "1"));
    aw_component_release(c);
    aw_runtime_free(rt);
}

static void one_for_all(void)
{
    static const char *const want[] = {"stop:d", "stop:c", "stop:a", "start:a", "start:c", "start:d"};
    group(AW_ONE_FOR_ALL, want, 6);  /* b (wasm) crashed: the natives stop d,c,a; all start a..d */
}

static void rest_for_one(void)
{
    static const char *const want[] = {"stop:d", "stop:c", "start:c", "start:d"};
    group(AW_REST_FOR_ONE, want, 4);  /* a untouched */
}

static void one_for_one_group(void)
{
    group(AW_ONE_FOR_ONE, NULL, 0);  /* nobody else stops */
}

/* ---- intensity and escalation through three levels ------------------------- */

static atomic_int exits_seen;
static aw_exit root_exit;
static char root_detail[512];
static void on_exit_cb(void *ud, const aw_exit *e)
{
    (void)ud;
    if (strcmp(e->actor, "root")) return;
    root_exit = *e;
    snprintf(root_detail, sizeof root_detail, "%s", e->detail ? e->detail : "");
    atomic_fetch_add(&exits_seen, 1);
}

static void escalation_three_levels(void)
{
    atomic_store(&nev, 0);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 64;
    cfg.log_level = AW_LOG_ERROR + 1;
    cfg.clock = clock_fn;
    cfg.on_exit = on_exit_cb;
    aw_runtime *rt;
    REQUIRE(CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_OK));
    aw_events_subscribe(rt, on_event, NULL, NULL);
    aw_component *c = tl_load(rt, "crashy");
    aw_child_spec leaf[] = {wasm_child(c, "leaf", AW_PERMANENT)};
    aw_supervisor_spec mid = {.name = "mid", .strategy = AW_ONE_FOR_ONE, .max_restarts = 1,
                              .period_ms = 1000, .children = leaf, .n_children = 1};
    aw_child_spec mids[] = {{.supervisor = &mid, .restart = AW_PERMANENT},
                            wasm_child(c, "sibling", AW_PERMANENT)};
    aw_supervisor_spec root = {.name = "root", .strategy = AW_ONE_FOR_ONE, .max_restarts = 1,
                               .period_ms = 1000, .children = mids, .n_children = 2};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &root), AW_OK));

    /* one crash: mid restarts leaf */
    CHECK_ERR(crash(rt, "leaf", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "leaf", 1));
    /* the period passes: the count starts over, so another crash is fine */
    advance_ms(1500);
    CHECK_ERR(crash(rt, "leaf", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "leaf", 2));
    CHECK(count_ev(AW_SUP_ESCALATED, NULL) == 0);
    /* a second crash inside the period: mid gives up, root restarts mid */
    CHECK_ERR(crash(rt, "leaf", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "mid", 1));
    CHECK(count_ev(AW_SUP_ESCALATED, NULL) == 1);
    CHECK(req_ok(rt, "leaf", "count", "1"));     /* mid came back with a fresh leaf */
    CHECK(req_ok(rt, "sibling", "ok", "ok"));    /* the rest of the tree is untouched */
    /* twice more inside one period: mid escalates again, root gives up too */
    CHECK_ERR(crash(rt, "leaf", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "leaf", 3));
    CHECK_ERR(crash(rt, "leaf", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_ESCALATED, NULL, 3));
    for (int i = 0; i < 400 && atomic_load(&exits_seen) == 0; i++) sleep_ms(5);
    CHECK(atomic_load(&exits_seen) == 1);
    CHECK(root_exit.reason == AW_EXIT_CRASH && root_exit.error == AW_EINTENSITY);
    CHECK_CONTAINS(root_detail, "restart intensity exceeded");
    aw_addr x;
    CHECK_ERR(aw_lookup(rt, "root", &x), AW_ENOENT);
    CHECK_ERR(aw_lookup(rt, "sibling", &x), AW_ENOENT);  /* stopped with the tree */
    CHECK_ERR(aw_lookup(rt, "leaf", &x), AW_ENOENT);
    /* events are in order: seq strictly increasing */
    for (int i = 1; i < atomic_load(&nev); i++) CHECK(evs[i].seq == evs[i - 1].seq + 1);
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* ---- backoff --------------------------------------------------------------- */

static void backoff_values(void)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_backoff b = {.initial_ms = 10, .max_ms = 40, .factor = 2, .reset_after_ms = 5000};
    aw_child_spec kids[] = {wasm_child(c, "w", AW_PERMANENT)};
    kids[0].backoff = &b;
    aw_supervisor_spec sp = {.name = "b", .max_restarts = 100, .period_ms = 1000,
                             .children = kids, .n_children = 1};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    uint32_t want[] = {10, 20, 40, 40};
    for (int i = 0; i < 4; i++) {
        CHECK_ERR(crash(rt, "w", "trap"), AW_ETRAP);
        CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "w", i + 1));
    }
    advance_ms(6000);  /* up longer than reset_after: back to the initial delay */
    CHECK_ERR(crash(rt, "w", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "w", 5));
    int k = 0;
    pthread_mutex_lock(&ev_mu);
    uint32_t got[8] = {0};
    for (int i = 0; i < atomic_load(&nev) && k < 8; i++)
        if (evs[i].kind == AW_SUP_BACKOFF) got[k++] = evs[i].delay;
    pthread_mutex_unlock(&ev_mu);
    CHECK(k == 5);
    for (int i = 0; i < 4; i++) CHECKF(got[i] == want[i], "delay %d: %u, want %u", i, got[i], want[i]);
    CHECK(got[4] == 10);
    aw_component_release(c);
    aw_runtime_free(rt);

    /* jitter: reproducible from the seed and within +-jitter */
    uint32_t runs[2][6];
    for (int r = 0; r < 2; r++) {
        rt = rt_new();
        REQUIRE(rt);
        c = tl_load(rt, "crashy");
        aw_backoff bj = {.initial_ms = 20, .max_ms = 20, .factor = 2, .jitter = 0.5};
        aw_child_spec kj[] = {wasm_child(c, "j", AW_PERMANENT)};
        kj[0].backoff = &bj;
        aw_supervisor_spec sj = {.name = "bj", .max_restarts = 100, .period_ms = 1000,
                                 .jitter_seed = 42, .children = kj, .n_children = 1};
        REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sj), AW_OK));
        for (int i = 0; i < 6; i++) {
            CHECK_ERR(crash(rt, "j", "trap"), AW_ETRAP);
            CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "j", i + 1));
        }
        k = 0;
        for (int i = 0; i < atomic_load(&nev) && k < 6; i++)
            if (evs[i].kind == AW_SUP_BACKOFF) runs[r][k++] = evs[i].delay;
        CHECK(k == 6);
        for (int i = 0; i < 6; i++) CHECKF(runs[r][i] >= 10 && runs[r][i] <= 30, "jittered %u", runs[r][i]);
        aw_component_release(c);
        aw_runtime_free(rt);
    }
    CHECK(!memcmp(runs[0], runs[1], sizeof runs[0]));
}

/* ---- shutdown order and kill on timeout ------------------------------------ */

static void shutdown_order_and_kill(void)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_child_spec kids[] = {nat_child("n1"), wasm_child(c, "slow", AW_PERMANENT), nat_child("n2")};
    kids[1].actor.config = (const uint8_t *)"slowstop";
    kids[1].actor.config_len = 8;
    kids[1].shutdown_ms = 100;
    aw_supervisor_spec sp = {.name = "s", .max_restarts = 5, .period_ms = 1000,
                             .children = kids, .n_children = 3};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    atomic_store(&norder, 0);
    CHECK_ERR(aw_stop(rt, "slow"), AW_EINVAL);  /* supervised: not stopped behind its back */
    CHECK_CONTAINS(aw_last_error(), "supervised by 's'");
    CHECK_ERR(aw_supervisor_stop(rt, "s"), AW_OK);
    static const char *const want[] = {"stop:n2", "stop:n1"};
    order_is(want, 2);
    /* slow's on-stop never returns: it was killed after its 100 ms */
    bool killed = false;
    pthread_mutex_lock(&ev_mu);
    for (int i = 0; i < atomic_load(&nev); i++)
        if (evs[i].kind == AW_SUP_CHILD_EXITED && !strcmp(evs[i].child, "slow"))
            killed = evs[i].reason == AW_EXIT_KILLED;
    pthread_mutex_unlock(&ev_mu);
    CHECK(killed);
    CHECK(count_ev(AW_SUP_SHUTDOWN, NULL) == 1);
    aw_addr x;
    CHECK_ERR(aw_lookup(rt, "s", &x), AW_ENOENT);
    CHECK_ERR(aw_lookup(rt, "n1", &x), AW_ENOENT);
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* ---- every crash source, with the rest of the tree unaffected -------------- */

static void crash_sources(void)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_child_spec kids[] = {wasm_child(c, "victim", AW_PERMANENT),
                            wasm_child(c, "bystander", AW_PERMANENT)};
    aw_supervisor_spec sp = {.name = "cs", .max_restarts = 100, .period_ms = 1000,
                             .children = kids, .n_children = 2};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    struct { const char *cmd; aw_err want; } src[] = {
        {"trap", AW_ETRAP}, {"div0", AW_ETRAP}, {"oob", AW_ETRAP}, {"stack", AW_ETRAP},
        {"spin", AW_EDEADLINE}, {"grow", AW_ELIMIT}, {"exit:7", AW_EEXIT}, {"hostfault", AW_ETRAP},
    };
    for (int i = 0; i < 8; i++) {
        aw_err e = crash(rt, "victim", src[i].cmd);
        CHECKF(e == src[i].want, "%s: %s, want %s (%s)", src[i].cmd, aw_err_name(e),
               aw_err_name(src[i].want), aw_last_error());
        if (!strcmp(src[i].cmd, "hostfault")) CHECK_CONTAINS(aw_last_error(), "outside guest memory");
        CHECKF(wait_ev(AW_SUP_CHILD_RESTARTED, "victim", i + 1), "%s: restarted", src[i].cmd);
        CHECKF(req_ok(rt, "victim", "count", "1"), "%s: a fresh instance answers", src[i].cmd);
        CHECK(req_ok(rt, "bystander", "ok", "ok"));
    }
    CHECK(req_ok(rt, "bystander", "count", "9"));  /* never restarted: 8 oks + this */
    aw_component_release(c);
    aw_runtime_free(rt);

    /* out of fuel: a runtime that meters fuel; the restart gets a new budget */
    atomic_store(&nev, 0);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 8;
    cfg.fuel = 50u * 1000 * 1000;
    cfg.log_level = AW_LOG_ERROR + 1;
    REQUIRE(CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_OK));
    aw_events_subscribe(rt, on_event, NULL, NULL);
    c = tl_load(rt, "crashy");
    kids[0].actor.component = kids[1].actor.component = c;  /* the old one was released */
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    CHECK_ERR(crash(rt, "victim", "spin"), AW_ELIMIT);
    CHECK_CONTAINS(aw_last_error(), "out of fuel");
    CHECK(wait_ev(AW_SUP_CHILD_RESTARTED, "victim", 1));
    CHECK(req_ok(rt, "victim", "count", "1"));
    CHECK(req_ok(rt, "bystander", "ok", "ok"));
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* ---- dynamic children and failed starts ------------------------------------ */

static void dynamic_children(void)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_supervisor_spec sp = {.name = "dyn", .max_restarts = 5, .period_ms = 1000};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    aw_child_spec k = wasm_child(c, "k1", AW_PERMANENT);
    CHECK_ERR(aw_supervisor_start_child(rt, "dyn", &k), AW_OK);
    CHECK_ERR(aw_supervisor_start_child(rt, "dyn", &k), AW_EEXIST);
    CHECK(req_ok(rt, "k1", "ok", "ok"));
    aw_child_spec bad = wasm_child(c, "k2", AW_PERMANENT);
    bad.actor.config = (const uint8_t *)"failstart";
    bad.actor.config_len = 9;
    CHECK_ERR(aw_supervisor_start_child(rt, "dyn", &bad), AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "child 'k2' failed to start");
    CHECK_ERR(aw_supervisor_terminate_child(rt, "dyn", "k1"), AW_OK);
    aw_addr x;
    CHECK_ERR(aw_lookup(rt, "k1", &x), AW_ENOENT);
    aw_child_info *info;
    size_t n;
    REQUIRE(CHECK_ERR(aw_supervisor_children(rt, "dyn", &info, &n), AW_OK));
    CHECK(n == 1 && info[0].state == AW_CHILD_TERMINATED);
    aw_child_info_free(info, n);
    CHECK_ERR(aw_supervisor_delete_child(rt, "dyn", "nope"), AW_ENOENT);
    CHECK_ERR(aw_supervisor_restart_child(rt, "dyn", "k1"), AW_OK);
    CHECK(req_ok(rt, "k1", "ok", "ok"));
    CHECK_ERR(aw_supervisor_delete_child(rt, "dyn", "k1"), AW_EINVAL);  /* running */
    CHECK_ERR(aw_supervisor_terminate_child(rt, "dyn", "k1"), AW_OK);
    CHECK_ERR(aw_supervisor_delete_child(rt, "dyn", "k1"), AW_OK);
    REQUIRE(CHECK_ERR(aw_supervisor_children(rt, "dyn", &info, &n), AW_OK));
    CHECK(n == 0);
    aw_child_info_free(info, n);
    CHECK_ERR(aw_supervisor_children(rt, "k9", &info, &n), AW_ENOENT);
    CHECK_ERR(aw_send(rt, "dyn", "hi", 2), AW_OK);  /* accepted, then refused: see below */
    aw_reply r;
    CHECK_ERR(aw_request(rt, "dyn", "hi", 2, 2000, &r), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "is a supervisor");
    aw_supervisor_spec bad_sp = sp;
    bad_sp.name = "dyn2";
    aw_child_spec twins[] = {wasm_child(c, "t", AW_PERMANENT), wasm_child(c, "t", AW_PERMANENT)};
    bad_sp.children = twins;
    bad_sp.n_children = 2;
    CHECK_ERR(aw_supervisor_start(rt, &bad_sp), AW_EEXIST);
    aw_child_spec startbad[] = {nat_child("ok1"), bad};
    bad_sp.children = startbad;
    CHECK_ERR(aw_supervisor_start(rt, &bad_sp), AW_EGUEST);  /* ok1 was stopped again */
    CHECK_ERR(aw_lookup(rt, "ok1", &x), AW_ENOENT);
    CHECK_ERR(aw_lookup(rt, "dyn2", &x), AW_ENOENT);
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* ---- mail sent during a restart waits for the new instance ------------------ */

typedef struct { aw_runtime *rt; aw_err e; bool ok; } req_arg;
static void *late_request(void *p)
{
    req_arg *a = p;
    aw_reply r;
    a->e = aw_request(a->rt, "held", "count", 5, 10000, &r);
    a->ok = a->e == AW_OK && r.len == 1 && r.data[0] == '2';
    if (a->e == AW_OK) aw_reply_free(&r);
    return NULL;
}

static void mail_held_during_restart(void)
{
    aw_runtime *rt = rt_new();
    REQUIRE(rt);
    aw_component *c = tl_load(rt, "crashy");
    aw_backoff b = {.initial_ms = 300, .factor = 2};
    aw_child_spec kids[] = {wasm_child(c, "held", AW_PERMANENT)};
    kids[0].backoff = &b;
    aw_supervisor_spec sp = {.name = "h", .max_restarts = 5, .period_ms = 1000,
                             .children = kids, .n_children = 1};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    CHECK_ERR(crash(rt, "held", "trap"), AW_ETRAP);
    CHECK(wait_ev(AW_SUP_BACKOFF, "held", 1));
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "held", &st), AW_OK);
    CHECK(st == AW_ACTOR_RESTARTING);
    CHECK_ERR(aw_send(rt, "held", "ok", 2), AW_OK);  /* waits in the mailbox */
    req_arg ra = {rt, AW_OK, false};
    pthread_t th;
    pthread_create(&th, NULL, late_request, &ra);
    pthread_join(th, NULL);
    CHECKF(ra.ok, "request during restart: %s", aw_err_name(ra.e));  /* after the held send */
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* Every strategy x restart type x (crash, normal exit): is the child
 * restarted or gone, and did its siblings restart as the strategy says? */
static void strategy_by_type(void)
{
    const aw_strategy sts[] = {AW_ONE_FOR_ONE, AW_ONE_FOR_ALL, AW_REST_FOR_ONE};
    const aw_restart types[] = {AW_PERMANENT, AW_TRANSIENT, AW_TEMPORARY};
    const char *how[] = {"trap", "exit:0"};
    for (int si = 0; si < 3; si++)
        for (int ti = 0; ti < 3; ti++)
            for (int hi = 0; hi < 2; hi++) {
                aw_runtime *rt = rt_new();
                REQUIRE(rt);
                aw_component *c = tl_load(rt, "crashy");
                aw_child_spec kids[] = {nat_child("a"), wasm_child(c, "b", types[ti]), nat_child("c")};
                aw_supervisor_spec sp = {.name = "m", .strategy = sts[si], .max_restarts = 5,
                                         .period_ms = 1000, .children = kids, .n_children = 3};
                REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
                crash(rt, "b", how[hi]);
                bool crashed = hi == 0;
                bool restart = types[ti] == AW_PERMANENT || (types[ti] == AW_TRANSIENT && crashed);
                if (restart) CHECKF(wait_ev(AW_SUP_CHILD_RESTARTED, "b", 1), "s%d t%d h%d", si, ti, hi);
                else CHECKF(wait_ev(AW_SUP_CHILD_TERMINATED, "b", 1), "s%d t%d h%d", si, ti, hi);
                sleep_ms(20);
                bool group = restart && sts[si] != AW_ONE_FOR_ONE;
                CHECKF(count_ev(AW_SUP_CHILD_RESTARTED, "c") == (group ? 1 : 0), "c: s%d t%d h%d", si, ti, hi);
                CHECKF(count_ev(AW_SUP_CHILD_RESTARTED, "a") == (group && sts[si] == AW_ONE_FOR_ALL ? 1 : 0),
                       "a: s%d t%d h%d", si, ti, hi);
                aw_child_info *info;
                size_t n;
                if (CHECK_ERR(aw_supervisor_children(rt, "m", &info, &n), AW_OK)) {
                    CHECKF(n == (types[ti] == AW_TEMPORARY ? 2u : 3u), "children s%d t%d h%d", si, ti, hi);
                    aw_child_info_free(info, n);
                }
                aw_addr x;
                CHECKF(aw_lookup(rt, "b", &x) == (restart ? AW_OK : AW_ENOENT), "b: s%d t%d h%d", si, ti, hi);
                aw_component_release(c);
                aw_runtime_free(rt);
            }
}

/* A start-up hook (crashy's init with "slowstart") that loops until its CPU
 * deadline runs in the child's own turns and yields every time slice: with
 * ONE worker, another actor keeps answering while it spins, and the start
 * fails with the deadline. */
typedef struct { aw_runtime *rt; aw_err e; char why[512]; atomic_bool done; } start_arg;
static void *start_looper(void *p)
{
    start_arg *a = p;
    aw_child_spec k = {.actor = {.name = "looper", .component = NULL}, .restart = AW_PERMANENT};
    k.actor.component = tl_load(a->rt, "crashy");
    k.actor.config = (const uint8_t *)"slowstart";
    k.actor.config_len = 9;
    a->e = aw_supervisor_start_child(a->rt, "ls", &k);
    snprintf(a->why, sizeof a->why, "%s", aw_last_error());  /* thread-local */
    aw_component_release(k.actor.component);
    atomic_store(&a->done, true);
    return NULL;
}

static void start_hook_does_not_pin(void)
{
    atomic_store(&nev, 0);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_instances = 16;
    cfg.handler_deadline_ms = 400;
    cfg.log_level = AW_LOG_ERROR + 1;
    aw_runtime *rt;
    REQUIRE(CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_OK));
    aw_component *echo = tl_load(rt, "echo");
    REQUIRE(CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "srv", .component = echo}), AW_OK));
    aw_supervisor_spec sp = {.name = "ls", .max_restarts = 5, .period_ms = 1000};
    REQUIRE(CHECK_ERR(aw_supervisor_start(rt, &sp), AW_OK));
    start_arg a = {rt, AW_OK, "", false};
    pthread_t th;
    pthread_create(&th, NULL, start_looper, &a);
    sleep_ms(50);  /* the looper is spinning in its start hook by now */
    int answered_meanwhile = 0;
    while (!atomic_load(&a.done)) {
        if (req_ok(rt, "srv", "hi", "hi") && !atomic_load(&a.done)) answered_meanwhile++;
        sleep_ms(10);
    }
    pthread_join(th, NULL);
    CHECKF(answered_meanwhile >= 5, "srv answered %d times while the start hook spun", answered_meanwhile);
    CHECK_ERR(a.e, AW_EDEADLINE);
    CHECK_CONTAINS(a.why, "child 'looper' failed to start");
    CHECK_CONTAINS(a.why, "CPU deadline");
    aw_addr x;
    CHECK_ERR(aw_lookup(rt, "looper", &x), AW_ENOENT);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(start_hook_does_not_pin);
    RUN(one_for_one_types);
    RUN(strategy_by_type);
    RUN(one_for_one_group);
    RUN(one_for_all);
    RUN(rest_for_one);
    RUN(escalation_three_levels);
    RUN(backoff_values);
    RUN(shutdown_order_and_kill);
    RUN(crash_sources);
    RUN(dynamic_children);
    RUN(mail_held_during_restart);
    return tl_finish();
}
