/* core_guest.c - the core-module guest adapter: compile, instantiate, call.
 *
 * Every guest call is a Wasmtime async call polled by whoever drives it (a
 * worker, or the spawning thread for init/start). A message is two steps,
 * aw_alloc then aw_handle, and each step is one future; the epoch callback
 * makes a long step yield every time slice (poll returns false, the worker
 * moves on) and turns it into an error once the CPU deadline is spent. All
 * state a future points at lives in the aw_guest, never on a stack, so a
 * call may be resumed by a different worker thread. */
#include "core.h"

#include <stdio.h>
#include <string.h>

/* Wasmtime's messages are "{:?}": a context line, an optional backtrace, and
 * "Caused by:" sections. Keep the causes, drop the trace, join on ": ". */
char *aw_error_text(const wasmtime_error_t *err)
{
    wasm_name_t msg;
    wasmtime_error_message(err, &msg);
    char *out = malloc(msg.size + 1), *o = out;
    if (!out) { wasm_byte_vec_delete(&msg); return NULL; }
    const char *p = msg.data, *end = msg.data + msg.size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        while (p < le && (*p == ' ' || *p == '\t')) p++;
        size_t n = (size_t)(le - p);
        const char *colon = n ? memchr(p, ':', n) : NULL;
        bool numbered = colon && colon > p && colon - p <= 3 && p[0] >= '0' && p[0] <= '9';
        if (numbered) {  /* "0: cause" or a backtrace frame "0:  0x1f - f" */
            const char *q = colon + 1;
            while (q < le && *q == ' ') q++;
            if (le - q >= 2 && q[0] == '0' && q[1] == 'x') n = 0;
            else { n = (size_t)(le - q); p = q; }
        }
        bool skip = n == 0 || (n >= 10 && !memcmp(p, "Caused by:", 10)) ||
                    (n >= 3 && !memcmp(p, "at ", 3)) || memmem(p, n, "wasm backtrace", 14) ||
                    (n >= 5 && !memcmp(p, "note:", 5));
        if (!skip) {
            if (o != out) { *o++ = ':'; *o++ = ' '; }
            if ((size_t)(o - out) + n > msg.size) n = msg.size - (size_t)(o - out);
            memcpy(o, p, n);
            o += n;
        }
        p = le + 1;
    }
    *o = 0;
    wasm_byte_vec_delete(&msg);
    return out;
}

aw_err aw__compile_failed(const char *name, const char *what, wasmtime_error_t *err)
{
    char *msg = aw_core_error_text(err);
    aw__fail(AW_EFORMAT, "component '%s': invalid WebAssembly %s: %s", name, what, msg ? msg : "?");
    free(msg);
    return AW_EFORMAT;
}

char *aw_core_error_text(wasmtime_error_t *err)
{
    char *s = aw_error_text(err);
    wasmtime_error_delete(err);
    return s;
}

static void free_impl(void *p)
{
    core_impl *ci = p;
    if (!ci) return;
    if (ci->pre) wasmtime_instance_pre_delete(ci->pre);
    if (ci->module) wasmtime_module_delete(ci->module);
    free(ci);
}

static void index_exports(aw_engine *e, core_impl *ci)
{
    static const char *const names[EX_COUNT] = {"memory", "aw_alloc", "aw_handle", "aw_init",
                                                "aw_on_start", "aw_on_stop", "_initialize",
                                                "aw_inbox", "aw_snapshot", "aw_restore"};
    for (int k = 0; k < EX_COUNT; k++) ci->export_index[k] = -1;
    wasm_exporttype_vec_t ex;
    wasmtime_module_exports(ci->module, &ex);
    for (size_t i = 0; i < ex.size; i++) {
        const wasm_name_t *n = wasm_exporttype_name(ex.data[i]);
        for (int k = 0; k < EX_COUNT; k++)
            if (strlen(names[k]) == n->size && !memcmp(names[k], n->data, n->size))
                ci->export_index[k] = (int)i;
    }
    wasm_exporttype_vec_delete(&ex);
    wasm_importtype_vec_t im;
    wasmtime_module_imports(ci->module, &im);
    for (size_t i = 0; i < im.size; i++) {
        const wasm_name_t *m = wasm_importtype_module(im.data[i]), *n = wasm_importtype_name(im.data[i]);
        const aw_host_func *f = aw_engine_find_host(e, m->data, m->size, n->data, n->size);
        if (f && f->acb) ci->needs_async = true;
    }
    wasm_importtype_vec_delete(&im);
}

aw_err aw_core_compile(aw_engine *e, aw_component *c, const uint8_t *bytes, size_t len)
{
    core_impl *ci = calloc(1, sizeof *ci);
    if (!ci) return aw__fail(AW_ENOMEM, "out of memory compiling '%s'", c->name);
    wasmtime_error_t *err = wasmtime_module_new(aw_engine_wasm(e), bytes, len, &ci->module);
    if (err) {
        free_impl(ci);
        return aw__compile_failed(c->name, "module", err);
    }
    char *problems = NULL;
    bool conforms;
    aw_core_check_abi(e, ci->module, c->wasi, &problems, &conforms);
    if (!conforms) {
        aw_err kind = problems && strstr(problems, "imports ") ? AW_ELINK : AW_EABI;
        char list[1024] = "";
        size_t used = 0;
        for (char *p = problems; p && *p && used + 8 < sizeof list;) {
            size_t n = strcspn(p, "\n");
            used += (size_t)snprintf(list + used, sizeof list - used, "\n  - %.*s", (int)n, p);
            p += n + (p[n] ? 1 : 0);
        }
        aw__fail(kind, "component '%s' does not conform to guest ABI v%d:%s", c->name,
                 AW_GUEST_ABI_VERSION, list);
        free(problems);
        free_impl(ci);
        return kind;
    }
    free(problems);
    index_exports(e, ci);
    err = wasmtime_linker_instantiate_pre(c->wasi ? aw_engine_wasi_linker(e) : aw_engine_linker(e),
                                          ci->module, &ci->pre);
    if (err) {
        char *msg = aw_core_error_text(err);
        aw__fail(AW_ELINK, "component '%s': cannot link: %s", c->name, msg ? msg : "?");
        free(msg);
        free_impl(ci);
        return AW_ELINK;
    }
    c->impl = ci;
    return AW_OK;
}

wasmtime_error_t *aw__guest_on_epoch(wasmtime_context_t *cx, void *data, uint64_t *delta,
                                  wasmtime_update_deadline_kind_t *kind)
{
    AW_UNUSED(cx);
    aw_guest *g = data;
    *delta = aw_engine_slice_ticks(g->comp->engine);
    if (g->resumed) {  /* the epoch moved while it waited: not its CPU time */
        g->resumed = false;
        *kind = WASMTIME_UPDATE_DEADLINE_CONTINUE;
        return NULL;
    }
    if (g->slices_left > 0 && --g->slices_left == 0) {
        char msg[160];
        snprintf(msg, sizeof msg, AW_DEADLINE_TAG " (%u ms)", g->env.deadline_ms);
        return wasmtime_error_new(msg);
    }
    /* A sync call cannot yield: it just keeps its thread until the deadline. */
    *kind = g->sync ? WASMTIME_UPDATE_DEADLINE_CONTINUE : WASMTIME_UPDATE_DEADLINE_YIELD;
    return NULL;
}

void aw__guest_arm_deadline(aw_guest *g)
{
    uint32_t slice = aw_engine_slice_ticks(g->comp->engine);
    g->slices_left = g->env.deadline_ms ? (int64_t)((g->env.deadline_ms + slice - 1) / slice) : -1;
    if (g->slices_left == 0) g->slices_left = 1;
}

void aw__guest_set_active(aw_guest *g, bool on)
{
    if (on == g->counted_active) return;
    g->counted_active = on;
    if (on) aw_engine_active_inc(g->comp->engine);
    else aw_engine_active_dec(g->comp->engine);
}

static bool get_export(aw_guest *g, int which, wasmtime_extern_kind_t kind, wasmtime_extern_t *out)
{
    int idx = ((core_impl *)g->comp->impl)->export_index[which];
    char *name;
    size_t len;
    if (idx < 0 || !wasmtime_instance_export_nth(g->cx, &g->inst, (size_t)idx, &name, &len, out))
        return false;
    if (out->kind == kind) return true;
    wasmtime_extern_delete(out);
    return false;
}

/* The exported memory, looked up on first use (the ABI check guarantees it). */
const wasmtime_memory_t *aw_core_mem(aw_guest *g)
{
    if (!(g->looked_up & (1u << EX_MEMORY))) {
        wasmtime_extern_t ext;
        if (get_export(g, EX_MEMORY, WASMTIME_EXTERN_MEMORY, &ext)) g->mem = ext.of.memory;
        g->looked_up |= 1u << EX_MEMORY;
    }
    return &g->mem;
}

/* An exported function, looked up once per instance on first use. */
static const wasmtime_func_t *func_of(aw_guest *g, int which)
{
    if (!(g->looked_up & (1u << which))) {
        wasmtime_extern_t ext;
        if (get_export(g, which, WASMTIME_EXTERN_FUNC, &ext)) g->funcs[which] = ext.of.func;
        g->looked_up |= 1u << which;
    }
    return &g->funcs[which];
}

static void core_destroy(aw_guest *g)
{
    if (!g) return;
    if (g->fut) wasmtime_call_future_delete(g->fut);
    aw__guest_set_active(g, false);
    if (g->trap) wasm_trap_delete(g->trap);
    if (g->err) wasmtime_error_delete(g->err);
    if (g->store) wasmtime_store_delete(g->store);
    free(g->reply);
    aw_component_release(g->comp);
    free(g);
}

/* WASI preview 1 output becomes log lines, like WASI-lite's. */
static ptrdiff_t wasi_out(void *data, const unsigned char *buf, size_t len)
{
    aw_guest_log(data, AW_LOG_INFO, (const char *)buf, len);
    return (ptrdiff_t)len;
}

static ptrdiff_t wasi_err(void *data, const unsigned char *buf, size_t len)
{
    aw_guest_log(data, AW_LOG_WARN, (const char *)buf, len);
    return (ptrdiff_t)len;
}

/* Only the preopens its file grants fully cover; no args, env or network. */
bool aw__guest_set_wasi(aw_guest *g)
{
    wasi_config_t *wc = wasi_config_new();
    if (!wc) return false;
    wasi_config_set_stdout_custom(wc, wasi_out, g, NULL);
    wasi_config_set_stderr_custom(wc, wasi_err, g, NULL);
    for (size_t i = 0; i < g->comp->n_preopens; i++)
        if (!wasi_config_preopen_dir(wc, g->comp->preopens[i], g->comp->preopens[i],
                                     g->comp->preopen_rw[i])) {
            wasi_config_delete(wc);
            return false;
        }
    wasmtime_error_t *err = wasmtime_context_set_wasi(g->cx, wc);  /* takes wc */
    if (err) { wasmtime_error_delete(err); return false; }
    return true;
}

bool aw__guest_store_init(aw_guest *g, aw_component *c, const aw_guest_env *env, int64_t per_kind)
{
    g->env = *env;
    /* env->actor is the actor's own name: it outlives the guest */
    atomic_fetch_add(&c->refs, 1);
    g->comp = c;
    g->store = wasmtime_store_new(aw_engine_wasm(c->engine), g, NULL);
    g->cx = wasmtime_store_context(g->store);
    /* Memory and table sizes: the component's caps, within the engine's. */
    uint64_t mem = c->max_memory_bytes ? c->max_memory_bytes : aw_engine_max_memory(c->engine);
    wasmtime_store_limiter(g->store, (int64_t)mem,
                           c->max_table_elements ? (int64_t)c->max_table_elements : -1, per_kind,
                           per_kind, per_kind);
    wasmtime_store_epoch_deadline_callback(g->store, aw__guest_on_epoch, g, NULL);
    wasmtime_context_set_epoch_deadline(g->cx, aw_engine_slice_ticks(c->engine));
    if (aw_engine_fuel(c->engine)) {
        wasmtime_error_t *ferr = wasmtime_context_set_fuel(g->cx, c->fuel ? c->fuel : aw_engine_fuel(c->engine));
        if (ferr) wasmtime_error_delete(ferr);  /* only fails when metering is off */
    }
    aw__guest_arm_deadline(g);
    return !c->wasi || aw__guest_set_wasi(g);
}

static aw_err core_instantiate(aw_component *c, const aw_guest_env *env, aw_guest **out)
{
    core_impl *ci = c->impl;
    aw_guest *g = calloc(1, sizeof *g);
    if (!g) return aw__fail(AW_ENOMEM, "out of memory spawning '%s'", env->actor);
    /* One instance, table and memory per store: a module needing more does
     * not instantiate. */
    if (!aw__guest_store_init(g, c, env, 1)) {
        core_destroy(g);
        return aw__fail(AW_ENOMEM, "actor '%s': cannot set up WASI", env->actor);
    }

    aw__guest_set_active(g, true);
    if (ci->needs_async) {  /* an async-required store must instantiate async too */
        g->fut = wasmtime_instance_pre_instantiate_async(ci->pre, g->cx, &g->inst, &g->trap, &g->err);
        for (unsigned n = 0; !wasmtime_call_future_poll(g->fut); n++) aw_poll_backoff(n);
        wasmtime_call_future_delete(g->fut);
        g->fut = NULL;
    } else {
        g->sync = true;
        g->err = wasmtime_instance_pre_instantiate(ci->pre, g->cx, &g->inst, &g->trap);
        g->sync = false;
    }
    aw__guest_set_active(g, false);
    if (g->trap || g->err) {
        char *detail = NULL;
        aw_err kind = aw_engine_decode_failure(c->name, env->actor, "instantiation", g->trap,
                                               g->err, &detail);
        g->trap = NULL;
        g->err = NULL;
        aw__fail(kind, "%s", detail ? detail : "instantiation failed");
        free(detail);
        core_destroy(g);
        return kind;
    }
    /* The ABI check at compile time fixed which exports exist and their types. */
    g->has_init = ci->export_index[EX_INIT] >= 0;
    g->has_start = ci->export_index[EX_START] >= 0;
    g->has_stop = ci->export_index[EX_STOP] >= 0;
    g->has_ctor = ci->export_index[EX_CTOR] >= 0;
    g->has_inbox = ci->export_index[EX_INBOX] >= 0;
    g->has_snapshot = ci->export_index[EX_SNAPSHOT] >= 0;
    g->has_restore = ci->export_index[EX_RESTORE] >= 0;
    *out = g;
    return AW_OK;
}

/* The step after `s` for the call in flight. */
static enum core_step next_step(const aw_guest *g, enum core_step s)
{
    switch (g->kind) {
    case AW_CALL_INIT:  /* aw_init only when there is config to give it */
        if (s == STEP_NONE && g->has_ctor) return STEP_CTOR;
        if (s == STEP_NONE || s == STEP_CTOR) return g->has_init && g->len ? STEP_ALLOC : STEP_DONE;
        return s == STEP_ALLOC ? STEP_INIT : STEP_DONE;
    case AW_CALL_MESSAGE:  /* the inbox (asked for once, before the first message) saves aw_alloc */
        if (s == STEP_NONE && g->has_inbox && !g->inbox_known) return STEP_INBOX;
        if (s == STEP_NONE || s == STEP_INBOX)
            return !g->len ? STEP_HANDLE : g->len <= g->inbox_cap ? STEP_HANDLE : STEP_ALLOC;
        return s == STEP_ALLOC ? STEP_HANDLE : STEP_DONE;
    case AW_CALL_START: return s == STEP_NONE && g->has_start ? STEP_START : STEP_DONE;
    case AW_CALL_STOP: return s == STEP_NONE && g->has_stop ? STEP_STOP : STEP_DONE;
    case AW_CALL_SNAPSHOT: return s == STEP_NONE ? STEP_SNAPSHOT : STEP_DONE;
    case AW_CALL_RESTORE:  /* like init: through aw_alloc when there are bytes */
        if (s == STEP_NONE) return g->len ? STEP_ALLOC : STEP_RESTORE;
        return s == STEP_ALLOC ? STEP_RESTORE : STEP_DONE;
    }
    return STEP_DONE;
}

static const char *step_func(enum core_step s)
{
    switch (s) {
    case STEP_CTOR: return "_initialize";
    case STEP_INBOX: return "aw_inbox";
    case STEP_ALLOC: return "aw_alloc";
    case STEP_INIT: return "aw_init";
    case STEP_HANDLE: return "aw_handle";
    case STEP_START: return "aw_on_start";
    case STEP_STOP: return "aw_on_stop";
    case STEP_SNAPSHOT: return "aw_snapshot";
    case STEP_RESTORE: return "aw_restore";
    default: return "?";
    }
}

static void place_in_inbox(aw_guest *g);

static void start_step(aw_guest *g, enum core_step s)
{
    const wasmtime_func_t *f = NULL;
    size_t nargs = 0, nres = 1;
    g->step = s;
    switch (s) {
    case STEP_CTOR: f = func_of(g, EX_CTOR); nres = 0; break;
    case STEP_INBOX: f = func_of(g, EX_INBOX); break;
    case STEP_ALLOC:
        f = func_of(g, EX_ALLOC); nargs = 1;
        g->args[0].kind = WASMTIME_I32; g->args[0].of.i32 = (int32_t)g->len;
        break;
    case STEP_INIT: case STEP_HANDLE: case STEP_RESTORE:
        if (s == STEP_HANDLE && g->len && !g->guest_ptr) place_in_inbox(g);  /* not via aw_alloc */
        f = func_of(g, s == STEP_INIT ? EX_INIT : s == STEP_RESTORE ? EX_RESTORE : EX_HANDLE); nargs = 2;
        g->args[0].kind = WASMTIME_I32; g->args[0].of.i32 = (int32_t)g->guest_ptr;
        g->args[1].kind = WASMTIME_I32; g->args[1].of.i32 = g->len ? (int32_t)g->len : 0;
        break;
    case STEP_START: f = func_of(g, EX_START); break;
    case STEP_SNAPSHOT: f = func_of(g, EX_SNAPSHOT); break;
    case STEP_STOP:
        f = func_of(g, EX_STOP); nargs = 1; nres = 0;
        g->args[0].kind = WASMTIME_I32; g->args[0].of.i32 = g->arg;
        break;
    default: return;
    }
    wasmtime_context_set_epoch_deadline(g->cx, aw_engine_slice_ticks(g->comp->engine));
    if (g->sync)
        g->err = wasmtime_func_call(g->cx, f, g->args, nargs, g->res, nres, &g->trap);
    else
        g->fut = wasmtime_func_call_async(g->cx, f, g->args, nargs, g->res, nres, &g->trap, &g->err);
}

aw_err aw__guest_can_begin(aw_guest *g, size_t len)
{
    if (g->torn)
        return aw__fail(AW_ESTOPPED, "component '%s' (actor '%s') is torn after a failure",
                        g->comp->name, g->env.actor);
    if (g->fut)
        return aw__fail(AW_EINVAL, "actor '%s': a call is already in flight", g->env.actor);
    if (len > INT32_MAX || len > g->env.max_message_bytes)
        return aw__fail(AW_ETOOBIG, "actor '%s': %zu bytes exceed the %u-byte message limit",
                        g->env.actor, len, g->env.max_message_bytes);
    return AW_OK;
}

void aw__guest_take_call(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len, int32_t arg)
{
    g->data = data;  /* borrowed: the caller keeps it alive until poll says done */
    g->len = len;
    g->kind = kind;
    g->arg = arg;
    free(g->reply);
    g->reply = NULL;
    g->reply_len = 0;
    aw__guest_arm_deadline(g);
}

static aw_err core_begin(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len,
                         int32_t arg)
{
    aw_err rc = aw__guest_can_begin(g, len);
    if (rc) return rc;
    if ((kind == AW_CALL_SNAPSHOT && !g->has_snapshot) || (kind == AW_CALL_RESTORE && !g->has_restore))
        return aw__fail(AW_ENOTSUP, "component '%s' exports no %s: it cannot hand its state over",
                        g->comp->name, kind == AW_CALL_SNAPSHOT ? "aw_snapshot" : "aw_restore");
    aw__guest_take_call(g, kind, data, len, arg);
    g->guest_ptr = 0;
    g->replied = false;
    g->step = STEP_NONE;
    /* Start-up hooks run on the spawner's thread: no need to yield there. */
    g->sync = !((core_impl *)g->comp->impl)->needs_async && !g->env.async_hooks &&
              (kind == AW_CALL_INIT || kind == AW_CALL_START);
    return AW_OK;
}

static bool finish(aw_guest *g, aw_call_result *out, aw_err err, char *detail)
{
    aw__guest_set_active(g, false);
    g->step = STEP_NONE;
    out->routed = g->routed && err == AW_OK;
    g->routed = false;
    out->err = err;
    out->detail = detail;
    aw_call_result_take_reply(out, &g->reply, &g->reply_len);
    return true;
}

/* After aw_alloc returned: check its pointer and copy the payload in. */
static bool place_payload(aw_guest *g, aw_call_result *out)
{
    uint32_t ptr = (uint32_t)g->res[0].of.i32;
    size_t size = wasmtime_memory_data_size(g->cx, aw_core_mem(g));
    if (ptr == 0 || (uint64_t)ptr + g->len > size) {
        g->torn = true;
        finish(g, out, ptr ? AW_EABI : AW_ELIMIT,
               aw__strfmt("component '%s' (actor '%s'): aw_alloc(%zu) returned %s%u (memory is "
                          "%zu bytes)", g->comp->name, g->env.actor, g->len,
                          ptr ? "out-of-bounds pointer " : "no memory: ", ptr, size));
        return false;
    }
    memcpy(wasmtime_memory_data(g->cx, aw_core_mem(g)) + ptr, g->data, g->len);
    g->guest_ptr = ptr;
    return true;
}

void aw_guest_end_message(aw_guest *g, int32_t status, aw_call_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = status;
    aw_call_result_take_reply(out, &g->reply, &g->reply_len);
    g->replied = false;
    g->routed = true;
    if (status) {
        char who[600];
        snprintf(who, sizeof who, "component '%s' (actor '%s')", g->comp->name, g->env.actor);
        out->err = AW_EGUEST;
        out->detail = aw_status_detail(who, "aw_handle", status, out->reply, out->reply_len);
    }
}

bool aw_guest_inbox_fits(aw_guest *g, size_t len) { return len && len <= g->inbox_cap; }
bool aw_guest_in_handler(aw_guest *g) { return g->step == STEP_HANDLE; }

void aw_guest_park(aw_guest *g) { aw__guest_set_active(g, false); }

void aw_guest_resume(aw_guest *g)
{
    aw__guest_set_active(g, true);
    g->resumed = true;
}

void aw_guest_next_message(aw_guest *g, const uint8_t *data, size_t len)
{
    g->data = data;
    g->len = len;
    g->routed = false;
    aw__guest_arm_deadline(g);
    place_in_inbox(g);
}

/* After aw_inbox returned: adopt the buffer if it lies inside memory. */
static bool take_inbox(aw_guest *g, aw_call_result *out)
{
    uint64_t v = (uint64_t)g->res[0].of.i64;
    uint32_t ptr = (uint32_t)v, cap = (uint32_t)(v >> 32);
    size_t size = wasmtime_memory_data_size(g->cx, aw_core_mem(g));
    if (ptr == 0 || (uint64_t)ptr + cap > size) {
        g->torn = true;
        finish(g, out, AW_EABI,
               aw__strfmt("component '%s' (actor '%s'): aw_inbox returned [%u, +%u), outside "
                          "memory (%zu bytes)", g->comp->name, g->env.actor, ptr, cap, size));
        return false;
    }
    g->inbox_ptr = ptr;
    g->inbox_cap = cap;
    g->inbox_known = true;
    return true;
}

/* Write a message into the inbox (checked against memory when adopted;
 * linear memory never shrinks). */
static void place_in_inbox(aw_guest *g)
{
    memcpy(wasmtime_memory_data(g->cx, aw_core_mem(g)) + g->inbox_ptr, g->data, g->len);
    g->guest_ptr = g->inbox_ptr;
}

/* A guest that trapped with its memory at (or within 1/16 of) the cap
 * almost surely died of the cap (its allocator got no more and it gave
 * up): say so, as a limit. */
static aw_err blame_memory_cap(aw_guest *g, char **detail)
{
    if (!(g->looked_up & (1u << EX_MEMORY)) && ((core_impl *)g->comp->impl)->export_index[EX_MEMORY] < 0)
        return AW_ETRAP;
    size_t size = wasmtime_memory_data_size(g->cx, aw_core_mem(g));
    uint64_t cap = g->comp->max_memory_bytes ? g->comp->max_memory_bytes
                                             : aw_engine_max_memory(g->comp->engine);
    uint64_t near = cap / 16 > 65536 ? cap / 16 : 65536;  /* allocators grow in chunks */
    if (size + near <= cap) return AW_ETRAP;
    char *d = aw__strfmt("%s\n  (its memory was at the %llu-byte cap)", *detail ? *detail : "trap",
                         (unsigned long long)cap);
    if (d) { free(*detail); *detail = d; }
    return AW_ELIMIT;
}

static bool core_poll(aw_guest *g, aw_call_result *out)
{
    if (g->step == STEP_NONE) {
        aw__guest_set_active(g, true);
        enum core_step s = next_step(g, STEP_NONE);
        if (s == STEP_DONE) return finish(g, out, AW_OK, NULL);
        start_step(g, s);
    }
    for (;;) {
        if (g->fut) {  /* a sync step has already run to completion */
            if (!wasmtime_call_future_poll(g->fut)) return false;
            wasmtime_call_future_delete(g->fut);
            g->fut = NULL;
        }
        if (g->trap || g->err) {
            char *detail = NULL;
            aw_err kind = aw_engine_decode_failure(g->comp->name, g->env.actor,
                                                   step_func(g->step), g->trap, g->err, &detail);
            g->trap = NULL;
            g->err = NULL;
            g->torn = true;
            if (kind == AW_ETRAP) kind = blame_memory_cap(g, &detail);
            return finish(g, out, kind, detail);
        }
        enum core_step done = g->step;
        if (done == STEP_ALLOC && !place_payload(g, out)) return true;
        if (done == STEP_INBOX && !take_inbox(g, out)) return true;
        enum core_step s = next_step(g, done);
        if (s != STEP_DONE) { start_step(g, s); continue; }
        int32_t status = (done == STEP_HANDLE || done == STEP_INIT || done == STEP_START ||
                          done == STEP_SNAPSHOT || done == STEP_RESTORE)
                             ? g->res[0].of.i32 : 0;
        if (done == STEP_HANDLE && g->routed) status = 0;  /* already closed by next() */
        out->status = status;
        if (status == 0) return finish(g, out, AW_OK, NULL);
        char who[600];
        snprintf(who, sizeof who, "component '%s' (actor '%s')", g->comp->name, g->env.actor);
        return finish(g, out, AW_EGUEST,
                      aw_status_detail(who, step_func(done), status, g->reply, g->reply_len));
    }
}

static uint64_t core_memory(aw_guest *g)
{
    return wasmtime_memory_data_size(g->cx, aw_core_mem(g));
}

const aw_guest_class aw_core_guest_class = {
    .name = "core-module",
    .instantiate = core_instantiate,
    .begin = core_begin,
    .poll = core_poll,
    .destroy = core_destroy,
    .free_impl = free_impl,
    .memory = core_memory,
};
