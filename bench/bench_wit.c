/* bench_wit.c - the Component Model path, next to the core-module figures:
 * spawn, request latency and throughput of a WIT component actor (the C
 * probe component, whose handle echoes a request and ignores a send: the
 * same handler as the core benches' echo and sink), each beside the bare
 * Wasmtime component API on the same component in the same process.
 *
 * Payloads cross as list<u8>. The C API has no bulk form for it: each byte
 * is one 32-byte wasmtime_component_val_t each way, which is what the 64 KiB
 * figures measure (the cheapest the C API allows: one reused value array
 * per actor, no allocation per byte). */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime.h>

#define WSPAWNS 300
#define WCALLS 20000
#define WMSGS 100000
#define WBIG 2000
#define BIG (64u << 10)

/* ---- the bare Wasmtime baseline ------------------------------------------ */

typedef struct wraw {
    wasm_engine_t *engine;
    wasmtime_component_t *comp;
    wasmtime_component_linker_t *linker;
} wraw;

static void wraw_setup(wraw *w, const uint8_t *bytes, size_t len)
{
    wasm_config_t *cfg = wasm_config_new();  /* as the runtime's engine */
    wasmtime_config_epoch_interruption_set(cfg, true);
    wasmtime_config_memory_reservation_set(cfg, 64u << 20);
    wasmtime_config_memory_guard_size_set(cfg, 65536);
    wasmtime_config_memory_reservation_for_growth_set(cfg, 0);
    wasmtime_config_memory_init_cow_set(cfg, true);
    wasmtime_config_wasm_component_model_set(cfg, true);
    wasmtime_pooling_allocation_config_t *pc = wasmtime_pooling_allocation_config_new();
    wasmtime_pooling_allocation_config_total_memories_set(pc, 2000);
    wasmtime_pooling_allocation_config_total_tables_set(pc, 2000);
    wasmtime_pooling_allocation_config_total_core_instances_set(pc, 2000);
    wasmtime_pooling_allocation_config_total_component_instances_set(pc, 2000);
    wasmtime_pooling_allocation_config_total_stacks_set(pc, 2000);
    wasmtime_pooling_allocation_config_max_memory_size_set(pc, 64u << 20);
    wasmtime_pooling_allocation_config_table_elements_set(pc, 10000);
    wasmtime_pooling_allocation_config_max_unused_warm_slots_set(pc, 1000);
    wasmtime_pooling_allocation_strategy_set(cfg, pc);
    wasmtime_pooling_allocation_config_delete(pc);
    w->engine = wasm_engine_new_with_config(cfg);
    if (wasmtime_component_new(w->engine, bytes, len, &w->comp)) die("raw component compile");
    w->linker = wasmtime_component_linker_new(w->engine);
    /* the probe's imports are never called by handle's echo path */
    wasmtime_error_t *err = wasmtime_component_linker_define_unknown_imports_as_traps(w->linker, w->comp);
    if (err) die("raw component link");
}

static wasmtime_store_t *wraw_instantiate(wraw *w, wasmtime_component_instance_t *inst)
{
    wasmtime_store_t *s = wasmtime_store_new(w->engine, NULL, NULL);
    wasmtime_context_t *cx = wasmtime_store_context(s);
    wasmtime_context_set_epoch_deadline(cx, 1000000000);
    if (wasmtime_component_linker_instantiate(w->linker, cx, w->comp, inst)) die("raw instantiate");
    return s;
}

static void wraw_teardown(wraw *w)
{
    wasmtime_component_linker_delete(w->linker);
    wasmtime_component_delete(w->comp);
    wasm_engine_delete(w->engine);
}

/* The handle(message) argument: a record of a list<u8> of `len` bytes. */
typedef struct msgarg {
    wasmtime_component_val_t arg, *bytes;
    wasmtime_component_valrecord_entry_t rec[3];
} msgarg;

static void msgarg_init(msgarg *m, const uint8_t *data, size_t len)
{
    m->bytes = malloc(len * sizeof *m->bytes);
    for (size_t i = 0; i < len; i++) {
        m->bytes[i].kind = WASMTIME_COMPONENT_U8;
        m->bytes[i].of.u8 = data[i];
    }
    m->rec[0] = (wasmtime_component_valrecord_entry_t){{7, "payload"}, {.kind = WASMTIME_COMPONENT_LIST}};
    m->rec[0].val.of.list.size = len;
    m->rec[0].val.of.list.data = m->bytes;
    m->rec[1] = (wasmtime_component_valrecord_entry_t){{5, "topic"}, {.kind = WASMTIME_COMPONENT_OPTION}};
    m->rec[2] = (wasmtime_component_valrecord_entry_t){{10, "is-request"}, {.kind = WASMTIME_COMPONENT_BOOL}};
    m->rec[2].val.of.boolean = true;
    m->arg.kind = WASMTIME_COMPONENT_RECORD;
    m->arg.of.record.size = 3;
    m->arg.of.record.data = m->rec;
}

/* Bare handle() calls: fill the argument (as the adapter does per message),
 * call, take the reply bytes out, drop the result. */
static void wraw_calls(wraw *w, const uint8_t *data, size_t len, int n, const char *name)
{
    wasmtime_component_instance_t inst;
    wasmtime_store_t *s = wraw_instantiate(w, &inst);
    wasmtime_context_t *cx = wasmtime_store_context(s);
    wasmtime_component_export_index_t *ifc = wasmtime_component_get_export_index(
        w->comp, NULL, "airssys:component/actor@0.1.0", 29);
    wasmtime_component_export_index_t *hi = wasmtime_component_get_export_index(w->comp, ifc, "handle", 6);
    wasmtime_component_func_t f;
    if (!hi || !wasmtime_component_instance_get_func(&inst, cx, hi, &f)) die("raw handle export");
    uint64_t *t = malloc((size_t)n * sizeof *t);
    uint8_t *out = malloc(len);
    for (int i = 0; i < n; i++) {
        uint64_t a = now_ns();
        msgarg m;
        msgarg_init(&m, data, len);
        wasmtime_component_val_t res = {0};
        if (wasmtime_component_func_call(&f, cx, &m.arg, 1, &res, 1)) die("raw handle call");
        const wasmtime_component_val_t *o = res.of.result.val->of.option;
        for (size_t k = 0; k < o->of.list.size; k++) out[k] = o->of.list.data[k].of.u8;
        wasmtime_component_val_delete(&res);
        free(m.bytes);
        t[i] = now_ns() - a;
    }
    emit(name, (double)p50(t, (size_t)n), "ns", (size_t)n);
    free(t);
    free(out);
    wasmtime_component_export_index_delete(hi);
    wasmtime_component_export_index_delete(ifc);
    wasmtime_store_delete(s);
}

/* ---- the framework --------------------------------------------------------- */

static void spawn_pairs(aw_runtime *rt, aw_component *c, wraw *w)
{
    static uint64_t t[WSPAWNS], tr[WSPAWNS];
    static wasmtime_store_t *stores[WSPAWNS];
    char name[32];
    for (int round = 0; round < 2; round++) {  /* the first warms both pools */
        for (int i = 0; i < WSPAWNS; i++) {
            snprintf(name, sizeof name, "w%d", i);
            uint64_t a = now_ns();
            if (aw_spawn(rt, &(aw_actor_spec){.name = name, .component = c})) die("spawn wit");
            uint64_t b = now_ns();
            wasmtime_component_instance_t inst;
            stores[i] = wraw_instantiate(w, &inst);
            tr[i] = now_ns() - b;
            t[i] = b - a;
        }
        for (int i = 0; i < WSPAWNS; i++) {
            snprintf(name, sizeof name, "w%d", i);
            aw_stop(rt, name);
            wasmtime_store_delete(stores[i]);
        }
    }
    emit("spawn_wit_actor_ns", (double)p50(t, WSPAWNS), "ns", WSPAWNS);
    emit("raw_wasmtime_component_instantiate_ns", (double)p50(tr, WSPAWNS), "ns", WSPAWNS);
}

static void requests(aw_runtime *rt)
{
    static uint64_t t[WCALLS];
    const char msg[16] = "0123456789ABCDEF";  /* no command: echoed */
    for (int i = 0; i < WCALLS; i++) {
        aw_reply r;
        uint64_t a = now_ns();
        if (aw_request(rt, "wecho", msg, sizeof msg, 5000, &r)) die("wit request");
        t[i] = now_ns() - a;
        if (r.len != sizeof msg) die("wit echo length");
        aw_reply_free(&r);
    }
    emit("request_response_wit_p50_ns", (double)p50(t, WCALLS), "ns", WCALLS);
    emit("request_response_wit_p99_ns", (double)pct(t, WCALLS, 0.99), "ns", WCALLS);
}

static void throughput(aw_runtime *rt, const void *msg, size_t len, int n, const char *name)
{
    uint64_t a = now_ns();
    for (int i = 0; i < n; i++)
        if (aw_send_wait(rt, "wsink", msg, len, 0)) die("wit send");
    aw_reply r;  /* FIFO: the answer to this request means all sends were handled */
    aw_err e;
    while ((e = aw_request(rt, "wsink", "X", 1, 60000, &r)) == AW_EFULL)
        ;
    if (e) die("wit drain");
    aw_reply_free(&r);
    emit(name, n / ((double)(now_ns() - a) / 1e9), "msg/s", (size_t)n);
}

void bench_wit(const char *path)
{
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 2000;
    cfg.log_level = AW_LOG_ERROR;
    aw_runtime *rt;
    if (aw_runtime_new(&cfg, &rt)) die("runtime");
    aw_component *c;
    if (aw_component_load(rt, "probe", bytes, len, &c)) die("load probe component");
    wraw w;
    wraw_setup(&w, bytes, len);
    spawn_pairs(rt, c, &w);
    if (aw_spawn(rt, &(aw_actor_spec){.name = "wecho", .component = c})) die("spawn wecho");
    if (aw_spawn(rt, &(aw_actor_spec){.name = "wsink", .component = c, .mailbox_capacity = 4096}))
        die("spawn wsink");
    requests(rt);
    const char small[16] = "0123456789ABCDEF";
    throughput(rt, small, sizeof small, WMSGS, "msg_throughput_wit_per_s");
    uint8_t *big = malloc(BIG);
    memset(big, 'A', BIG);
    throughput(rt, big, BIG, WBIG, "msg_throughput_wit_64k_per_s");
    wraw_calls(&w, (const uint8_t *)small, sizeof small, WCALLS, "raw_wasmtime_component_call_ns");
    wraw_calls(&w, big, BIG, WBIG / 4, "raw_wasmtime_component_call_64k_ns");
    free(big);
    aw_component_release(c);
    aw_runtime_free(rt);
    wraw_teardown(&w);
    free(bytes);
}
