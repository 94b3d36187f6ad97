/* core_abi.c - guest ABI v0 for core modules: conformance checks and the
 * host functions of import module "airssys".
 *
 * The contract (docs/guest-abi.md): a guest exports `memory`, the version
 * marker `aw_abi_v0`, `aw_alloc(i32)->i32` and `aw_handle(i32,i32)->i32`,
 * optionally `_initialize`, `aw_init`, `aw_on_start`, `aw_on_stop`; it may
 * import only functions the engine has descriptors for (aw_engine_define). The same check serves loading
 * (which refuses) and `inspect` (which reports). Host functions treat every
 * guest pointer as an untrusted offset: a range outside linear memory is a
 * trap that names the function, never a host read or write out of bounds. */
#include "core.h"

#include <stdio.h>
#include <string.h>

typedef struct abi_func {
    const char *name;
    const char *params;  /* one char per value: i = i32 */
    const char *results;
    bool required;
    const char *role;
} abi_func;

static const abi_func abi_exports[] = {
    {"aw_alloc", "i", "i", true, "allocator the host writes messages through"},
    {"aw_handle", "ii", "i", true, "the message handler"},
    {"aw_init", "ii", "i", false, "init hook (config bytes)"},
    {"aw_on_start", "", "i", false, "start hook"},
    {"aw_on_stop", "i", "", false, "stop hook"},
    {"_initialize", "", "", false, "WASI reactor constructor"},
    {"aw_inbox", "", "I", false, "reusable message buffer (ptr | capacity << 32)"},
    {"aw_snapshot", "", "i", false, "upgrade: reply with the state"},
    {"aw_restore", "ii", "i", false, "upgrade: take the previous version's state"},
};

static char valkind_char(wasm_valkind_t k)
{
    switch (k) {
    case WASM_I32: return 'i';
    case WASM_I64: return 'I';
    case WASM_F32: return 'f';
    case WASM_F64: return 'F';
    default: return 'r';
    }
}

static const char *valkind_name(wasm_valkind_t k)
{
    switch (k) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASMTIME_V128: return "v128";
    default: return "ref";
    }
}

static void sig_chars(const wasm_valtype_vec_t *v, char *out, size_t cap)
{
    size_t i = 0;
    for (; i < v->size && i + 1 < cap; i++) out[i] = valkind_char(wasm_valtype_kind(v->data[i]));
    out[i] = 0;
}

static void sig_list(const wasm_valtype_vec_t *v, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < v->size && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
                                 valkind_name(wasm_valtype_kind(v->data[i])));
}

char *aw_externtype_str(const wasm_externtype_t *t)
{
    char p[256], r[256];
    switch (wasm_externtype_kind(t)) {
    case WASM_EXTERN_FUNC: {
        const wasm_functype_t *ft = wasm_externtype_as_functype_const(t);
        sig_list(wasm_functype_params(ft), p, sizeof p);
        sig_list(wasm_functype_results(ft), r, sizeof r);
        return aw__strfmt("func (%s) -> (%s)", p, r);
    }
    case WASM_EXTERN_MEMORY: {
        const wasm_memorytype_t *mt = wasm_externtype_as_memorytype_const(t);
        uint64_t max;
        bool has_max = wasmtime_memorytype_maximum(mt, &max);
        if (has_max)
            return aw__strfmt("memory %llu..%llu pages", (unsigned long long)wasmtime_memorytype_minimum(mt),
                              (unsigned long long)max);
        return aw__strfmt("memory %llu.. pages", (unsigned long long)wasmtime_memorytype_minimum(mt));
    }
    case WASM_EXTERN_TABLE: return strdup("table");
    case WASM_EXTERN_GLOBAL: return strdup("global");
    default: return strdup("?");
    }
}

static bool sig_matches(const wasm_externtype_t *t, const char *params, const char *results)
{
    char p[32], r[32];
    if (wasm_externtype_kind(t) != WASM_EXTERN_FUNC) return false;
    const wasm_functype_t *ft = wasm_externtype_as_functype_const(t);
    sig_chars(wasm_functype_params(ft), p, sizeof p);
    sig_chars(wasm_functype_results(ft), r, sizeof r);
    return !strcmp(p, params) && !strcmp(r, results);
}

static const char *sig_name(char c)
{
    return c == 'I' ? "i64" : c == 'f' ? "f32" : c == 'F' ? "f64" : "i32";
}

static void sig_text(const char *params, const char *results, char *out, size_t cap)
{
    size_t used = (size_t)snprintf(out, cap, "func (");
    for (const char *c = params; *c && used < cap; c++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", c == params ? "" : ", ", sig_name(*c));
    used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, ") -> (");
    for (const char *c = results; *c && used < cap; c++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", c == results ? "" : ", ", sig_name(*c));
    if (used < cap) snprintf(out + used, cap - used, ")");
}

/* Append one line to a malloc'd problem list. */
static void problem(char **list, bool *conforms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(char **list, bool *conforms, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    *conforms = false;
    if (!list) return;
    char *joined = aw__strfmt("%s%s%s", *list ? *list : "", *list && **list ? "\n" : "", line);
    if (joined) {
        free(*list);
        *list = joined;
    }
}

static int check_exports(wasmtime_module_t *m, char **problems, bool *conforms)
{
    wasm_exporttype_vec_t ex;
    wasmtime_module_exports(m, &ex);
    int version = -1;
    bool seen[sizeof abi_exports / sizeof *abi_exports] = {0}, memory = false;
    for (size_t i = 0; i < ex.size; i++) {
        const wasm_name_t *n = wasm_exporttype_name(ex.data[i]);
        const wasm_externtype_t *t = wasm_exporttype_type(ex.data[i]);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)n->size, n->data);
        int v;
        char tail;
        if (sscanf(name, "aw_abi_v%d%c", &v, &tail) == 1 && v >= 0) version = v;
        if (!strcmp(name, "memory")) memory = wasm_externtype_kind(t) == WASM_EXTERN_MEMORY;
        for (size_t k = 0; k < sizeof abi_exports / sizeof *abi_exports; k++) {
            if (strcmp(name, abi_exports[k].name)) continue;
            seen[k] = true;
            if (!sig_matches(t, abi_exports[k].params, abi_exports[k].results)) {
                char want[128], *got = aw_externtype_str(t);
                sig_text(abi_exports[k].params, abi_exports[k].results, want, sizeof want);
                problem(problems, conforms, "export %s (%s) has type %s, want %s", name,
                        abi_exports[k].role, got ? got : "?", want);
                free(got);
            }
        }
    }
    wasm_exporttype_vec_delete(&ex);
    if (version < 0)
        problem(problems, conforms, "missing export aw_abi_v%d: the ABI version marker (was it "
                "built with the airssys guest SDK?)", AW_GUEST_ABI_VERSION);
    else if (version != AW_GUEST_ABI_VERSION)
        problem(problems, conforms, "built for guest ABI v%d (exports aw_abi_v%d); this host "
                "speaks v%d", version, version, AW_GUEST_ABI_VERSION);
    if (!memory) problem(problems, conforms, "missing export 'memory' (linear memory)");
    for (size_t k = 0; k < sizeof abi_exports / sizeof *abi_exports; k++) {
        if (!abi_exports[k].required || seen[k]) continue;
        char want[128];
        sig_text(abi_exports[k].params, abi_exports[k].results, want, sizeof want);
        problem(problems, conforms, "missing export %s: %s, want %s", abi_exports[k].name,
                abi_exports[k].role, want);
    }
    return version;
}

static void check_imports(const aw_engine *e, wasmtime_module_t *m, bool wasi, char **problems,
                          bool *conforms)
{
    wasm_importtype_vec_t im;
    wasmtime_module_imports(m, &im);
    for (size_t i = 0; i < im.size; i++) {
        const wasm_name_t *mod = wasm_importtype_module(im.data[i]);
        const wasm_name_t *n = wasm_importtype_name(im.data[i]);
        const wasm_externtype_t *t = wasm_importtype_type(im.data[i]);
        if (wasi && mod->size == 22 && !memcmp(mod->data, "wasi_snapshot_preview1", 22)) continue;
        const aw_host_func *known = aw_engine_find_host(e, mod->data, mod->size, n->data, n->size);
        if (known && sig_matches(t, known->params, known->results)) continue;
        char *got = aw_externtype_str(t), want[160];
        if (known) {
            sig_text(known->params, known->results, want, sizeof want);
            problem(problems, conforms, "imports %s.%s with type %s, want %s", known->module,
                    known->name, got ? got : "?", want);
        } else {
            const char *why = aw_engine_has_host_module(e, mod->data, mod->size)
                                  ? "this host has no such function in that module"
                                  : "this host provides no module of that name";
            problem(problems, conforms, "imports %.*s.%.*s (%s): %s", (int)mod->size, mod->data,
                    (int)n->size, n->data, got ? got : "?", why);
        }
        free(got);
    }
    wasm_importtype_vec_delete(&im);
}

int aw_core_check_abi(const aw_engine *e, wasmtime_module_t *m, bool wasi, char **problems,
                      bool *conforms)
{
    *conforms = true;
    int v = check_exports(m, problems, conforms);
    check_imports(e, m, wasi, problems, conforms);
    return v;
}

/* ---- host functions ------------------------------------------------------ */

aw_guest *aw_caller_guest(wasmtime_caller_t *caller)
{
    return wasmtime_context_get_data(wasmtime_caller_context(caller));
}

uint8_t *aw_guest_mem(aw_guest *g, const char *fn, uint32_t ptr, uint32_t len, wasm_trap_t **trap)
{
    size_t size = wasmtime_memory_data_size(g->cx, aw_core_mem(g));
    if ((uint64_t)ptr + len > size) {
        char msg[256];
        int n = snprintf(msg, sizeof msg, "%s: range [%u, %llu) is outside guest memory "
                         "(%zu bytes)", fn, ptr, (unsigned long long)ptr + len, size);
        *trap = wasmtime_trap_new(msg, (size_t)n);
        return NULL;
    }
    return wasmtime_memory_data(g->cx, aw_core_mem(g)) + ptr;
}

#define LOG_MAX 4096

void aw_guest_log(aw_guest *g, aw_log_level level, const char *msg, size_t len)
{
    if (level >= g->env.log_level && g->env.log)
        g->env.log(g->env.log_ud, level, AW_LOG_GUEST, g->env.actor, msg,
                   len > LOG_MAX ? LOG_MAX : len);
}

void *aw_guest_owner(aw_guest *g) { return g->env.owner; }

static wasm_trap_t *host_log(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                             size_t nargs, wasmtime_val_t *results, size_t nresults)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(results); AW_UNUSED(nresults);
    aw_guest *g = aw_caller_guest(caller);
    int32_t level = args[0].of.i32;
    wasm_trap_t *trap = NULL;
    const uint8_t *p = aw_guest_mem(g, "airssys.log", (uint32_t)args[1].of.i32,
                                    (uint32_t)args[2].of.i32, &trap);
    if (!p) return trap;
    if (level < AW_LOG_TRACE) level = AW_LOG_TRACE;
    if (level > AW_LOG_ERROR) level = AW_LOG_ERROR;
    aw_guest_log(g, (aw_log_level)level, (const char *)p, (uint32_t)args[2].of.i32);
    return NULL;
}

static wasm_trap_t *host_reply(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                               size_t nargs, wasmtime_val_t *results, size_t nresults)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nresults);
    aw_guest *g = aw_caller_guest(caller);
    uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
    results[0].kind = WASMTIME_I32;
    if (g->replied) { results[0].of.i32 = -3; return NULL; }
    if (len > g->env.max_message_bytes) { results[0].of.i32 = -2; return NULL; }
    wasm_trap_t *trap = NULL;
    const uint8_t *p = aw_guest_mem(g, "airssys.reply", ptr, len, &trap);
    if (!p) return trap;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return wasmtime_trap_new("airssys.reply: host out of memory", 33);
    memcpy(copy, p, len);
    g->reply = copy;
    g->reply_len = len;
    g->replied = true;
    results[0].of.i32 = 0;
    return NULL;
}

aw_err aw_core_define_abi(aw_engine *e)
{
    static const aw_host_func fns[] = {
        {"airssys", "log", "iii", "", host_log},
        {"airssys", "reply", "ii", "i", host_reply},
    };
    return aw_engine_define(e, fns, sizeof fns / sizeof *fns);
}
