/* bench.c - airssys-wasm benchmarks, one JSON object per line:
 *   {"name": "...", "value": <number>, "unit": "...", "n": <samples>}
 *
 * Every framework figure is printed next to a raw-Wasmtime baseline measured
 * in the same process on the same module with the same engine settings, so
 * the framework's own cost is the difference. Run: make bench */
#include <airssys/airssys.h>
#include <wasmtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
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

static uint64_t p50(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return v[n / 2];
}

static void emit(const char *name, double value, const char *unit, size_t n)
{
    printf("{\"name\": \"%s\", \"value\": %.1f, \"unit\": \"%s\", \"n\": %zu}\n", name, value, unit, n);
    fflush(stdout);
}

static void die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, aw_last_error());
    exit(1);
}

static uint8_t *read_all(const char *path, size_t *len)
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

static void bench_spawn(aw_runtime *rt, aw_component *echo)
{
    static uint64_t t[SPAWNS];
    char name[32];
    for (int i = 0; i < SPAWNS; i++) {
        snprintf(name, sizeof name, "s%d", i);
        aw_actor_spec s = {.name = name, .component = echo};
        uint64_t a = now_ns();
        if (aw_spawn(rt, &s)) die("spawn");
        t[i] = now_ns() - a;
    }
    for (int i = 0; i < SPAWNS; i++) {
        snprintf(name, sizeof name, "s%d", i);
        aw_stop(rt, name);
    }
    emit("spawn_wasm_actor_ns", (double)p50(t, SPAWNS), "ns", SPAWNS);
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
}

static void bench_throughput(aw_runtime *rt)
{
    const char msg[16] = "0123456789abcdef";
    uint64_t a = now_ns();
    for (int i = 0; i < MSGS;) {
        aw_err e = aw_send(rt, "sink", msg, sizeof msg);
        if (e == AW_OK) i++;
        else if (e != AW_EFULL) die("send");
    }
    aw_reply r;  /* the mailbox is FIFO: this answer means all sends were handled */
    aw_err e;
    while ((e = aw_request(rt, "sink", "", 0, 60000, &r)) == AW_EFULL)
        ;
    if (e) die("drain");
    aw_reply_free(&r);
    double s = (double)(now_ns() - a) / 1e9;
    emit("msg_throughput_wasm_per_s", MSGS / s, "msg/s", MSGS);
}

/* ---- raw Wasmtime baselines ---------------------------------------------- */

static wasm_trap_t *noop_cb(void *env, wasmtime_caller_t *c, const wasmtime_val_t *a, size_t na,
                            wasmtime_val_t *r, size_t nr)
{
    (void)env; (void)c; (void)a; (void)na;
    for (size_t i = 0; i < nr; i++) { r[i].kind = WASMTIME_I32; r[i].of.i32 = 0; }
    return NULL;
}

static void raw_baselines(const uint8_t *wasm, size_t len)
{
    /* Same engine settings as the runtime's defaults (see src/engine/engine.c). */
    wasm_config_t *cfg = wasm_config_new();
    wasmtime_config_epoch_interruption_set(cfg, true);
    wasmtime_config_memory_reservation_set(cfg, 64u << 20);
    wasmtime_config_memory_guard_size_set(cfg, 65536);
    wasmtime_config_memory_reservation_for_growth_set(cfg, 0);
    wasmtime_pooling_allocation_config_t *pc = wasmtime_pooling_allocation_config_new();
    wasmtime_pooling_allocation_config_total_memories_set(pc, 1000);
    wasmtime_pooling_allocation_config_total_tables_set(pc, 1000);
    wasmtime_pooling_allocation_config_total_core_instances_set(pc, 1000);
    wasmtime_pooling_allocation_config_total_stacks_set(pc, 1000);
    wasmtime_pooling_allocation_config_max_memory_size_set(pc, 64u << 20);
    wasmtime_pooling_allocation_config_table_elements_set(pc, 10000);
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
    wasm_functype_delete(log_t);
    wasm_functype_delete(rep_t);
    wasmtime_instance_pre_t *pre;
    if (wasmtime_linker_instantiate_pre(linker, mod, &pre)) { fprintf(stderr, "raw link failed\n"); exit(1); }

    static uint64_t t[SPAWNS];
    for (int i = 0; i < SPAWNS; i++) {
        uint64_t a = now_ns();
        wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
        wasmtime_context_t *cx = wasmtime_store_context(store);
        wasmtime_context_set_epoch_deadline(cx, 1000000);
        wasmtime_instance_t inst;
        wasm_trap_t *trap = NULL;
        if (wasmtime_instance_pre_instantiate(pre, cx, &inst, &trap) || trap) exit(1);
        t[i] = now_ns() - a;
        wasmtime_store_delete(store);
    }
    emit("raw_wasmtime_instantiate_ns", (double)p50(t, SPAWNS), "ns", SPAWNS);

    /* A bare call of the same handler: aw_alloc + copy + aw_handle, sync. */
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
    wasmtime_instance_pre_delete(pre);
    wasmtime_linker_delete(linker);
    wasmtime_module_delete(mod);
    wasm_engine_delete(engine);
}

int main(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.mailbox_capacity = 4096;
    aw_runtime *rt;
    if (aw_runtime_new(&cfg, &rt)) die("runtime");
    aw_component *echo, *sink;
    if (aw_component_load_file(rt, AW_GUEST_DIR "/echo.wasm", &echo)) die("load echo");
    if (aw_component_load_file(rt, AW_GUEST_DIR "/sink.wasm", &sink)) die("load sink");
    bench_spawn(rt, echo);
    if (aw_spawn(rt, &(aw_actor_spec){.name = "echo", .component = echo})) die("spawn echo");
    if (aw_spawn(rt, &(aw_actor_spec){.name = "sink", .component = sink, .mailbox_capacity = 4096})) die("spawn sink");
    bench_request(rt);
    bench_throughput(rt);
    aw_component_release(echo);
    aw_component_release(sink);
    aw_runtime_free(rt);

    size_t len;
    uint8_t *wasm = read_all(AW_GUEST_DIR "/echo.wasm", &len);
    raw_baselines(wasm, len);
    free(wasm);
    return 0;
}
