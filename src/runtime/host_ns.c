/* host_ns.c - embedder-defined host functions, by namespace.
 *
 * A host program adds its own functions for guests (the seed's
 * GameAPI("weapons")): a namespace is the wasm import module name, and a
 * guest may import from it only when its component was granted
 * host(<namespace pattern>). The check is made at load, so an ungranted
 * guest never links. Values are plain integers: the embedder sees i32 and
 * i64 arguments as int64_t and returns one integer (or nothing). */
#include "runtime.h"

#include <string.h>

struct aw_embedder_fn {
    struct aw_embedder_fn *next;
    char *ns, *name, *params, *results;
    aw_host_fn fn;
    void *ud;
};

static wasm_trap_t *embedder_cb(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *res, size_t nres)
{
    struct aw_embedder_fn *f = env;
    aw_actor *self = aw_guest_owner(aw_caller_guest(caller));
    int64_t a[16];
    for (size_t i = 0; i < nargs && i < 16; i++)
        a[i] = args[i].kind == WASMTIME_I64 ? args[i].of.i64 : args[i].of.i32;
    int64_t r = f->fn(f->ud, self->name, a, nargs);
    if (nres) {
        res[0].kind = f->results[0] == 'I' ? WASMTIME_I64 : WASMTIME_I32;
        if (res[0].kind == WASMTIME_I64) res[0].of.i64 = r;
        else res[0].of.i32 = (int32_t)r;
    }
    return NULL;
}

static bool reserved(const char *ns)
{
    return !strcmp(ns, "airssys") || !strncmp(ns, "wasi", 4) || !strcmp(ns, "env");
}

aw_err aw_host_register(aw_runtime *rt, const char *ns, const char *name, const char *params,
                        const char *results, aw_host_fn fn, void *ud)
{
    aw__clear_error();
    if (!rt || !ns || !name || !fn)
        return aw__fail(AW_EINVAL, "aw_host_register: runtime, namespace, name and fn are required");
    params = params ? params : "";
    results = results ? results : "";
    if (!*ns || !aw__valid_name(ns) || reserved(ns))
        return aw__fail(AW_EINVAL, "aw_host_register: namespace '%s' is empty, has spaces or is "
                        "reserved (airssys, wasi*, env)", ns);
    if (!*name || !aw__valid_name(name))
        return aw__fail(AW_EINVAL, "aw_host_register: function name '%s' is invalid", name);
    if (strlen(params) > 16 || strspn(params, "iI") != strlen(params) || strlen(results) > 1 ||
        strspn(results, "iI") != strlen(results))
        return aw__fail(AW_EINVAL, "aw_host_register: %s.%s: types '%s' -> '%s' must be up to 16 "
                        "of i (i32) / I (i64), and at most one result", ns, name, params, results);
    if (aw_engine_find_host(rt->engine, ns, strlen(ns), name, strlen(name)))
        return aw__fail(AW_EEXIST, "host function %s.%s is already registered", ns, name);
    struct aw_embedder_fn *f = calloc(1, sizeof *f);
    if (!f || !(f->ns = strdup(ns)) || !(f->name = strdup(name)) || !(f->params = strdup(params)) ||
        !(f->results = strdup(results))) {
        if (f) { free(f->ns); free(f->name); free(f->params); free(f); }
        return aw__fail(AW_ENOMEM, "out of memory registering %s.%s", ns, name);
    }
    f->fn = fn;
    f->ud = ud;
    aw_host_func d = {f->ns, f->name, f->params, f->results, embedder_cb, NULL, f};
    aw_err rc = aw_engine_define(rt->engine, &d, 1);
    if (rc) {
        free(f->ns); free(f->name); free(f->params); free(f->results); free(f);
        return rc;
    }
    f->next = rt->embedder_fns;
    rt->embedder_fns = f;
    return AW_OK;
}

void aw__host_ns_free(aw_runtime *rt)
{
    for (struct aw_embedder_fn *f = rt->embedder_fns, *n; f; f = n) {
        n = f->next;
        free(f->ns); free(f->name); free(f->params); free(f->results); free(f);
    }
    rt->embedder_fns = NULL;
}

/* Load-time check: every import from an embedder namespace needs a
 * host(<pattern>) grant matching the namespace. */
aw_err aw__host_ns_check(aw_runtime *rt, const char *comp, const uint8_t *bytes, size_t len,
                         const aw_grants *g)
{
    if (!rt->embedder_fns) return AW_OK;
    aw_inspect in;
    aw_err rc = aw_engine_inspect(rt->engine, bytes, len, &in);
    if (rc) return rc;
    for (size_t i = 0; i < in.n_imports && rc == AW_OK; i++) {
        const char *m = in.imports[i].module;
        bool embedder = false;
        for (struct aw_embedder_fn *f = rt->embedder_fns; f && !embedder; f = f->next)
            embedder = !strcmp(f->ns, m);
        if (embedder && !aw_grants_allow(g, AW_CAP_HOST, m))
            rc = aw__fail(AW_ELINK, "component '%s' imports %s.%s but is not granted host(%s)",
                          comp, m, in.imports[i].name, m);
    }
    aw_inspect_free(&in);
    return rc;
}
