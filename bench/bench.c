/* bench.c - airssys-wasm benchmarks, one JSON object per line:
 *   {"name": "...", "value": <number>, "unit": "...", "n": <samples>}
 *
 * Every framework figure is printed next to a raw-Wasmtime baseline measured
 * in the same process on the same module with the same engine settings, so
 * the framework's own cost is the difference. Run: make bench */
#include "bench.h"
#include "runtime/runtime.h"  /* the security layer's internal entry point */
#include <wasmtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

static void aw_sleep_ns(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t pct(uint64_t *v, size_t n, double q)  /* v must be sorted */
{
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

uint64_t p50(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return pct(v, n, 0.5);
}

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * 4096;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Each figure is measured REPS times (fresh runtime, fresh raw engine) and
 * its median printed: one VM hiccup must not decide a figure. */
#define REPS 3
#define MAX_METRICS 48
typedef struct metric { const char *name, *unit; double v[REPS]; int nv; size_t n; } metric;
static metric metrics[MAX_METRICS];
static int nmetrics;

void emit(const char *name, double value, const char *unit, size_t n)
{
    int i = 0;
    while (i < nmetrics && strcmp(metrics[i].name, name)) i++;
    if (i == nmetrics) {
        if (nmetrics == MAX_METRICS) return;
        metrics[nmetrics++] = (metric){.name = name, .unit = unit};
    }
    if (metrics[i].nv < REPS) metrics[i].v[metrics[i].nv++] = value;
    metrics[i].n += n;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void flush_metrics(void)
{
    for (int i = 0; i < nmetrics; i++) {
        qsort(metrics[i].v, (size_t)metrics[i].nv, sizeof(double), cmp_d);
        printf("{\"name\": \"%s\", \"value\": %.1f, \"unit\": \"%s\", \"n\": %zu}\n",
               metrics[i].name, metrics[i].v[metrics[i].nv / 2], metrics[i].unit, metrics[i].n);
    }
    fflush(stdout);
    nmetrics = 0;
}

void die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, aw_last_error());
    exit(1);
}

uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

#define SPAWNS 500
#define CALLS 20000
#define MSGS 200000

/* ---- framework ---------------------------------------------------------- */

/* Spawn SPAWNS live actors, each followed by one bare Wasmtime
 * instantiation of the same module (raw_instantiate below), so that both
 * figures come from the same seconds of this shared machine and their ratio
 * does not drift with it. The first round warms both pools' slots (as in a
 * host that has been running a while), the second is measured. */
typedef struct raw raw;
static wasmtime_store_t *raw_instantiate(raw *rw);

static void bench_spawn(aw_runtime *rt, aw_component *echo, raw *rw)
{
    static uint64_t t[SPAWNS], tr[SPAWNS];
    static wasmtime_store_t *stores[SPAWNS];
    char name[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < SPAWNS; i++) {
            snprintf(name, sizeof name, "s%d", i);
            aw_actor_spec s = {.name = name, .component = echo};
            uint64_t a = now_ns();
            if (aw_spawn(rt, &s)) die("spawn");
            uint64_t b = now_ns();
            stores[i] = raw_instantiate(rw);
            tr[i] = now_ns() - b;
            t[i] = b - a;
        }
        for (int i = 0; i < SPAWNS; i++) {
            snprintf(name, sizeof name, "s%d", i);
            aw_stop(rt, name);
            wasmtime_store_delete(stores[i]);
        }
    }
    emit("spawn_wasm_actor_ns", (double)p50(t, SPAWNS), "ns", SPAWNS);
    emit("raw_wasmtime_instantiate_ns", (double)p50(tr, SPAWNS), "ns", SPAWNS);
}

static void bench_request(aw_runtime *rt)
{
    static uint64_t t[CALLS];
    const char msg[16] = "0123456789abcdef";
    for (int i = 0; i < CALLS; i++) {
        aw_reply r;
        uint64_t a = now_ns();
        if (aw_request(rt, "echo", msg, sizeof msg, 5000, &r)) die("request");
        t[i] = now_ns() - a;
        aw_reply_free(&r);
    }
    emit("request_response_wasm_p50_ns", (double)p50(t, CALLS), "ns", CALLS);
    emit("request_response_wasm_p99_ns", (double)pct(t, CALLS, 0.99), "ns", CALLS);
}

static int native_sink(aw_ctx *ctx, const uint8_t *msg, size_t len) { return 0; }

static void bench_native_throughput(aw_runtime *rt)
{
    aw_native_actor na = {.on_message = native_sink};
    if (aw_spawn(rt, &(aw_actor_spec){.name = "nsink", .native = &na, .mailbox_capacity = 65536}))
        die("spawn native");
    const char msg[16] = "0123456789abcdef";
    const int n = 2000000;
    uint64_t a = now_ns();
    for (int i = 0; i < n; i++)
        if (aw_send_wait(rt, "nsink", msg, sizeof msg, 0)) die("send native");
    aw_reply r;
    aw_err e;
    while ((e = aw_request(rt, "nsink", "", 0, 60000, &r)) == AW_EFULL)
        ;
    if (e) die("drain native");
    emit("msg_throughput_host_per_s", n / ((double)(now_ns() - a) / 1e9), "msg/s", (size_t)n);
    aw_stop(rt, "nsink");
}

static void bench_registry(aw_runtime *rt)
{
    /* name -> actor lookups among 1000 registered names */
    aw_native_actor na = {.on_message = native_sink};
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "reg-%d", i);
        if (aw_spawn(rt, &(aw_actor_spec){.name = name, .native = &na})) die("spawn reg");
    }
    static char names[1000][16];
    for (int i = 0; i < 1000; i++) snprintf(names[i], sizeof names[i], "reg-%d", i);
    /* 20 batches of 100k lookups; the median batch, so that a preempted
     * batch (this is a shared VM) does not decide the figure. */
    enum { BATCHES = 20, PER = 100000 };
    uint64_t per[BATCHES];
    aw_addr addr, sum = 0;
    for (int b = 0; b < BATCHES; b++) {
        uint64_t a = now_ns();
        for (int i = 0; i < PER; i++) {
            if (aw_lookup(rt, names[(i * 7) % 1000], &addr)) die("lookup");
            sum += addr;
        }
        per[b] = now_ns() - a;
    }
    emit("registry_lookup_ns", (double)p50(per, BATCHES) / PER, "ns", (size_t)BATCHES * PER);
    if (!sum) die("lookup returned no addresses");
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "reg-%d", i);
        aw_stop(rt, name);
    }
}

static long fanout_got;  /* reset per repetition */
static int fanout_sink(aw_ctx *ctx, const uint8_t *msg, size_t len)
{
    __atomic_fetch_add(&fanout_got, 1, __ATOMIC_RELAXED);
    return 0;
}

static void bench_pubsub(aw_runtime *rt)
{
    aw_native_actor na = {.on_message = fanout_sink};
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "sub-%d", i);
        if (aw_spawn(rt, &(aw_actor_spec){.name = name, .native = &na})) die("spawn sub");
        if (aw_subscribe(rt, name, i % 2 ? "bench.*.tick" : "bench.>")) die("subscribe");
    }
    const int pubs = 2000;
    __atomic_store_n(&fanout_got, 0, __ATOMIC_RELAXED);
    uint64_t a = now_ns();
    for (int i = 0; i < pubs; i++) {
        aw_publish_result pr;
        while (aw_publish(rt, "bench.x.tick", "t", 1, &pr) == AW_EFULL)
            ;  /* a full subscriber: retry (counts stay exact below) */
    }
    while (__atomic_load_n(&fanout_got, __ATOMIC_RELAXED) < (long)pubs * 1000)
        ;
    double s = (double)(now_ns() - a) / 1e9;
    emit("pubsub_fanout_1000_per_s", (double)pubs * 1000 / s, "deliveries/s", (size_t)pubs);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "sub-%d", i);
        aw_stop(rt, name);
    }
}

/* Idle cost: RSS per idle WASM actor at 10k actors, and CPU while idle. */
static void bench_idle(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 10100;
    cfg.max_memory_bytes = 1u << 20;
    cfg.log_level = AW_LOG_ERROR;
    aw_runtime *rt;
    if (aw_runtime_new(&cfg, &rt)) die("idle runtime");
    aw_component *echo;
    if (aw_component_load_file(rt, AW_GUEST_DIR "/echo.wasm", &echo)) die("load echo");
    char name[32];
    long before = rss_bytes();
    const int n = 10000;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "idle-%d", i);
        if (aw_spawn(rt, &(aw_actor_spec){.name = name, .component = echo})) die("spawn idle");
    }
    for (int i = 0; i < n; i += 97) {  /* make some of them handle a message */
        snprintf(name, sizeof name, "idle-%d", i);
        aw_reply r;
        if (aw_request(rt, name, "x", 1, 5000, &r)) die("idle request");
        aw_reply_free(&r);
    }
    emit("idle_wasm_actor_rss_bytes", (double)(rss_bytes() - before) / n, "bytes", (size_t)n);
    struct timespec pause = {0, 200000000};
    nanosleep(&pause, NULL);  /* let workers and the ticker settle */
    double c0 = cpu_seconds();
    uint64_t w0 = now_ns();
    struct timespec idle = {1, 0};
    nanosleep(&idle, NULL);
    double cpu = cpu_seconds() - c0, wall = (double)(now_ns() - w0) / 1e9;
    emit("idle_runtime_cpu_percent", 100.0 * cpu / wall, "%", (size_t)n);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

/* How many echo actors can live at once (capped at 200k). Needs a high
 * vm.max_map_count; `make bench` raises it when it can. */
static void bench_max_live(void)
{
    const uint32_t cap = 200000;
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = cap;
    cfg.max_memory_bytes = 1u << 20;
    cfg.log_level = AW_LOG_ERROR;
    aw_runtime *rt;
    uint32_t try_cap = cap;
    while (aw_runtime_new(&cfg, &rt) != AW_OK) {  /* fall back to what the kernel allows */
        fprintf(stderr, "bench: max_live: %s\n", aw_last_error());
        if ((try_cap /= 2) < 1000) { emit("max_live_wasm_actors", 0, "actors", 0); return; }
        cfg.max_instances = try_cap;
    }
    aw_component *echo;
    if (aw_component_load_file(rt, AW_GUEST_DIR "/echo.wasm", &echo)) die("load echo");
    char name[32];
    uint32_t live = 0;
    long limit = 16L << 30;
    for (; live < cfg.max_instances; live++) {
        snprintf(name, sizeof name, "live-%u", live);
        if (aw_spawn(rt, &(aw_actor_spec){.name = name, .component = echo})) {
            fprintf(stderr, "bench: max_live stopped at %u: %s\n", live, aw_last_error());
            break;
        }
        if (live % 10000 == 0 && rss_bytes() > limit) break;
    }
    aw_reply r;  /* the last one still answers */
    snprintf(name, sizeof name, "live-%u", live ? live - 1 : 0);
    if (live && aw_request(rt, name, "ok", 2, 10000, &r) == AW_OK) aw_reply_free(&r);
    else live = 0;
    emit("max_live_wasm_actors", live, "actors", live);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

static void bench_throughput(aw_runtime *rt)
{
    const char msg[16] = "0123456789abcdef";
    uint64_t a = now_ns();
    for (int i = 0; i < MSGS; i++)
        if (aw_send_wait(rt, "sink", msg, sizeof msg, 0)) die("send");
    aw_reply r;  /* the mailbox is FIFO: this answer means all sends were handled */
    aw_err e;
    while ((e = aw_request(rt, "sink", "", 0, 60000, &r)) == AW_EFULL)
        ;
    if (e) die("drain");
    aw_reply_free(&r);
    double s = (double)(now_ns() - a) / 1e9;
    emit("msg_throughput_wasm_per_s", MSGS / s, "msg/s", MSGS);
}

/* Restart latency of a supervised WASM child, no backoff: from the
 * supervisor taking the child's exit (the EXITED event) to its replacement
 * being instantiated, started and runnable again (the RESTARTED event), both
 * stamped by the runtime's monotonic clock. The child crashes on a trap. */
static _Atomic uint64_t ev_exit_ns, ev_restart_ns;
static atomic_int ev_restarts;
static void restart_events(void *ud, const aw_sup_event *e)
{
    (void)ud;
    if (e->kind == AW_SUP_CHILD_EXITED) atomic_store(&ev_exit_ns, e->time_ns);
    if (e->kind == AW_SUP_CHILD_RESTARTED) {
        atomic_store(&ev_restart_ns, e->time_ns);
        atomic_fetch_add(&ev_restarts, 1);
    }
}

static void bench_log(void *ud, aw_log_level l, aw_log_source src, const char *actor,
                      const char *msg, size_t len)
{
    (void)ud; (void)src;
    if (actor && !strcmp(actor, "victim")) return;  /* its crashes are the point */
    if (l >= AW_LOG_ERROR) fprintf(stderr, "[%s] %.*s\n", actor ? actor : "runtime", (int)len, msg);
}

static void bench_restart(aw_runtime *rt, aw_component *crashy)
{
    enum { N = 300 };
    static uint64_t t[N];
    uint64_t sub;
    if (aw_events_subscribe(rt, restart_events, NULL, &sub)) die("subscribe");
    aw_child_spec kid = {.actor = {.name = "victim", .component = crashy}, .restart = AW_PERMANENT};
    aw_supervisor_spec sp = {.name = "bench-sup", .strategy = AW_ONE_FOR_ONE,
                             .max_restarts = 1000000, .period_ms = 1, .children = &kid,
                             .n_children = 1};
    if (aw_supervisor_start(rt, &sp)) die("supervisor");
    atomic_store(&ev_restarts, 0);
    for (int i = 0; i < N; i++) {
        aw_reply r = {0};
        if (aw_request(rt, "victim", "trap", 4, 5000, &r) != AW_ETRAP) die("crash");
        aw_reply_free(&r);
        while (atomic_load(&ev_restarts) <= i) aw_sleep_ns(1000);
        t[i] = atomic_load(&ev_restart_ns) - atomic_load(&ev_exit_ns);
    }
    emit("restart_wasm_child_ns", (double)p50(t, N), "ns", N);
    aw_supervisor_stop(rt, "bench-sup");
    aw_events_unsubscribe(rt, sub);
}

/* The messaging security layer's whole per-message path, as a guest send
 * runs it: authorization against the component's grants (three patterns,
 * the match on the last), the size limit and the sender's rate bucket. */
static void bench_security(aw_runtime *rt)
{
    const char *grants[] = {"messaging(send=audit.*, send=cache-[0-9], send=worker.*, publish=events.>)"};
    aw_load_options o = {.grants = grants, .n_grants = 1, .rate_per_s = 4000000000u,
                         .rate_burst = 4000000000u};
    aw_component *c;
    if (aw_component_load_file_opts(rt, AW_GUEST_DIR "/echo.wasm", &o, &c)) die("load granted");
    aw_actor *self = calloc(1, sizeof *self);
    self->rt = rt;
    self->comp = c;
    snprintf(self->name, sizeof self->name, "bench-sender");
    enum { N = 1000000 };
    static const char *const targets[4] = {"worker.1", "worker.22", "worker.333", "worker.4444"};
    int32_t bad = 0;
    uint64_t a = now_ns();
    for (int i = 0; i < N; i++) bad |= aw__sec_check(self, AW_CAP_SEND, targets[i & 3], 64);
    double per = (double)(now_ns() - a) / N;
    if (bad) die("security check refused a granted send");
    emit("security_check_ns", per, "ns", N);
    free(self);
    aw_component_release(c);
}

/* ---- raw Wasmtime baselines ---------------------------------------------- */

static wasm_trap_t *noop_cb(void *env, wasmtime_caller_t *c, const wasmtime_val_t *a, size_t na,
                            wasmtime_val_t *r, size_t nr)
{
    (void)env; (void)c; (void)a; (void)na;
    for (size_t i = 0; i < nr; i++) { r[i].kind = WASMTIME_I32; r[i].of.i32 = 0; }
    return NULL;
}

static wasm_trap_t *none_cb(void *env, wasmtime_caller_t *c, const wasmtime_val_t *a, size_t na,
                            wasmtime_val_t *r, size_t nr)
{
    (void)env; (void)c; (void)a; (void)na; (void)nr;
    r[0].kind = WASMTIME_I32;
    r[0].of.i32 = -4;  /* AW_G_ENOENT: no further message */
    return NULL;
}

struct raw {
    wasm_engine_t *engine;
    wasmtime_module_t *mod;
    wasmtime_linker_t *linker;
    wasmtime_instance_pre_t *pre;
};

static void raw_setup(raw *rw, const uint8_t *wasm, size_t len)
{
    /* Same engine settings as the runtime's defaults (see src/engine/engine.c). */
    wasm_config_t *cfg = wasm_config_new();
    wasmtime_config_epoch_interruption_set(cfg, true);
    wasmtime_config_memory_reservation_set(cfg, 64u << 20);
    wasmtime_config_memory_guard_size_set(cfg, 65536);
    wasmtime_config_memory_reservation_for_growth_set(cfg, 0);
    wasmtime_config_memory_init_cow_set(cfg, true);
    wasmtime_pooling_allocation_config_t *pc = wasmtime_pooling_allocation_config_new();
    wasmtime_pooling_allocation_config_total_memories_set(pc, 1000);
    wasmtime_pooling_allocation_config_total_tables_set(pc, 1000);
    wasmtime_pooling_allocation_config_total_core_instances_set(pc, 1000);
    wasmtime_pooling_allocation_config_total_stacks_set(pc, 1000);
    wasmtime_pooling_allocation_config_max_memory_size_set(pc, 64u << 20);
    wasmtime_pooling_allocation_config_table_elements_set(pc, 10000);
    wasmtime_pooling_allocation_config_max_unused_warm_slots_set(pc, 1000);
    wasmtime_pooling_allocation_strategy_set(cfg, pc);
    wasmtime_pooling_allocation_config_delete(pc);
    wasm_engine_t *engine = wasm_engine_new_with_config(cfg);
    wasmtime_module_t *mod;
    if (wasmtime_module_new(engine, wasm, len, &mod)) { fprintf(stderr, "raw compile failed\n"); exit(1); }
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    wasm_functype_t *log_t = wasm_functype_new_3_0(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
    wasm_functype_t *rep_t = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
    wasmtime_linker_define_func(linker, "airssys", 7, "log", 3, log_t, noop_cb, NULL, NULL);
    wasmtime_linker_define_func(linker, "airssys", 7, "reply", 5, rep_t, noop_cb, NULL, NULL);
    /* the SDK's receive loop asks for a next message once per call: none here */
    wasm_functype_t *next_t = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
    wasmtime_linker_define_func(linker, "airssys", 7, "next", 4, next_t, none_cb, NULL, NULL);
    wasm_functype_delete(next_t);
    wasm_functype_delete(log_t);
    wasm_functype_delete(rep_t);
    wasmtime_instance_pre_t *pre;
    if (wasmtime_linker_instantiate_pre(linker, mod, &pre)) { fprintf(stderr, "raw link failed\n"); exit(1); }
    *rw = (raw){engine, mod, linker, pre};
}

/* One bare instantiation as spawn would need it: a store, an epoch
 * deadline, an instance from the same InstancePre-style pre-link. */
static wasmtime_store_t *raw_instantiate(raw *rw)
{
    wasmtime_store_t *store = wasmtime_store_new(rw->engine, NULL, NULL);
    wasmtime_context_t *cx = wasmtime_store_context(store);
    wasmtime_context_set_epoch_deadline(cx, 1000000);
    wasmtime_instance_t inst;
    wasm_trap_t *trap = NULL;
    if (wasmtime_instance_pre_instantiate(rw->pre, cx, &inst, &trap) || trap) exit(1);
    return store;
}

/* A bare call of the same handler: aw_alloc + copy + aw_handle, sync. */
static void raw_call(raw *rw)
{
    wasm_engine_t *engine = rw->engine;
    wasmtime_instance_pre_t *pre = rw->pre;
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *cx = wasmtime_store_context(store);
    wasmtime_context_set_epoch_deadline(cx, 1000000000);
    wasmtime_instance_t inst;
    wasm_trap_t *trap = NULL;
    if (wasmtime_instance_pre_instantiate(pre, cx, &inst, &trap) || trap) exit(1);
    wasmtime_extern_t e_alloc, e_handle, e_mem;
    wasmtime_instance_export_get(cx, &inst, "aw_alloc", 8, &e_alloc);
    wasmtime_instance_export_get(cx, &inst, "aw_handle", 9, &e_handle);
    wasmtime_instance_export_get(cx, &inst, "memory", 6, &e_mem);
    const char msg[16] = "0123456789abcdef";
    static uint64_t c[CALLS];
    for (int i = 0; i < CALLS; i++) {
        uint64_t a = now_ns();
        wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 16}, res;
        wasmtime_func_call(cx, &e_alloc.of.func, &arg, 1, &res, 1, &trap);
        memcpy(wasmtime_memory_data(cx, &e_mem.of.memory) + res.of.i32, msg, 16);
        wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = res.of.i32}, {.kind = WASMTIME_I32, .of.i32 = 16}};
        wasmtime_func_call(cx, &e_handle.of.func, args, 2, &res, 1, &trap);
        c[i] = now_ns() - a;
    }
    emit("raw_wasmtime_call_ns", (double)p50(c, CALLS), "ns", CALLS);
    wasmtime_store_delete(store);
}

static void raw_teardown(raw *rw)
{
    wasmtime_instance_pre_delete(rw->pre);
    wasmtime_linker_delete(rw->linker);
    wasmtime_module_delete(rw->mod);
    wasm_engine_delete(rw->engine);
}


int main(void)
{
    size_t len;
    uint8_t *wasm = read_all(AW_GUEST_DIR "/echo.wasm", &len);
    for (int rep = 0; rep < REPS; rep++) {
        aw_runtime_config cfg;
        aw_runtime_config_init(&cfg);
        cfg.workers = 2;
        cfg.mailbox_capacity = 4096;
        cfg.max_instances = 2000;
        cfg.log_level = AW_LOG_ERROR;
        cfg.log = bench_log;
        aw_runtime *rt;
        if (aw_runtime_new(&cfg, &rt)) die("runtime");
        aw_component *echo, *sink, *crashy;
        if (aw_component_load_file(rt, AW_GUEST_DIR "/echo.wasm", &echo)) die("load echo");
        if (aw_component_load_file(rt, AW_GUEST_DIR "/crashy.wasm", &crashy)) die("load crashy");
        if (aw_component_load_file(rt, AW_GUEST_DIR "/sink.wasm", &sink)) die("load sink");
        raw rw;
        raw_setup(&rw, wasm, len);
        bench_spawn(rt, echo, &rw);
        if (aw_spawn(rt, &(aw_actor_spec){.name = "echo", .component = echo})) die("spawn echo");
        if (aw_spawn(rt, &(aw_actor_spec){.name = "sink", .component = sink, .mailbox_capacity = 4096}))
            die("spawn sink");
        bench_request(rt);
        bench_throughput(rt);
        bench_native_throughput(rt);
        bench_registry(rt);
        bench_pubsub(rt);
        bench_restart(rt, crashy);
        bench_security(rt);
        bench_deploy(rt);
        aw_component_release(crashy);
        aw_component_release(echo);
        aw_component_release(sink);
        aw_runtime_free(rt);
        raw_call(&rw);
        raw_teardown(&rw);
        bench_wit(AW_COMPONENT_DIR "/probe.component.wasm");
    }
    free(wasm);
    flush_metrics();
    bench_idle();
    if (!getenv("AW_BENCH_QUICK")) bench_max_live();
    flush_metrics();
    return 0;
}
