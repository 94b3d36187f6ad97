/* wit_guest.c - the WIT component guest adapter: compile, check the world,
 * instantiate, call.
 *
 * A component targets the world `airssys:component/actor-component`: it
 * exports the interface `airssys:component/actor@0.1.0` (init, on-start,
 * handle, on-stop) and may import any of our host interfaces, plus WASI
 * preview 2 when it was loaded with WASI. Load checks all of that by
 * rendering each function's type (wit_types.c) and comparing it with what
 * the host defines, so a mismatch is a clear error at load, not a confusing
 * one at spawn or a wrong value at run time.
 *
 * Calls work as in the core adapter: each is a Wasmtime async call polled
 * by whoever drives it, time-sliced by the shared epoch callback, its state
 * in the guest struct (never on a stack) so any worker may resume it. The
 * guest embeds the core adapter's struct aw_guest as its first member, so
 * everything above (park, resume, log, owner) works on both formats. */
#include "core.h"
#include "wit_types.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PKG "airssys:component/"
#define PKG_VERSION "@0.1.0"
#define ACTOR_IFACE PKG "actor" PKG_VERSION
#define TYPES_IFACE PKG "types" PKG_VERSION
#define STATE_IFACE PKG "state" PKG_VERSION

/* The actor's four exports, then the optional state interface's two. */
enum { WF_INIT, WF_START, WF_HANDLE, WF_STOP, WF_COUNT, WF_SNAPSHOT = WF_COUNT, WF_RESTORE, WF_ALL };

static const char *const fnames[WF_ALL] = {"init", "on-start", "handle", "on-stop", "snapshot",
                                           "restore"};
static const char *const ftypes[WF_ALL] = {
    "func(config: list<u8>) -> result<_, string>",
    "func() -> result<_, string>",
    "func(msg: record { payload: list<u8>, topic: option<string>, is-request: bool }) -> "
    "result<option<list<u8>>, string>",
    "func(reason: enum { normal, shutdown })",
    "func() -> list<u8>",
    "func(state: list<u8>) -> result<_, string>",
};

typedef struct wit_impl {
    wasmtime_component_t *comp;
    wasmtime_component_export_index_t *iface, *state, *idx[WF_ALL];  /* state: NULL if absent */
} wit_impl;

typedef struct wit_guest {
    aw_guest g;  /* first: the part both adapters share */
    wasmtime_component_instance_t inst;
    wasmtime_component_func_t fn[WF_ALL];
    int call;    /* WF_* in flight, -1 none */
    /* arguments of the call in flight (ours: Wasmtime only borrows them) */
    wasmtime_component_val_t arg;
    wasmtime_component_valrecord_entry_t rec[3];
    wasmtime_component_val_t topic;
    wasmtime_component_val_t *bytes;  /* a list<u8> is one value per byte */
    size_t bytes_cap;
    wasmtime_component_val_t res;
} wit_guest;

static void free_impl(void *p)
{
    wit_impl *wi = p;
    if (!wi) return;
    for (int k = 0; k < WF_ALL; k++)
        if (wi->idx[k]) wasmtime_component_export_index_delete(wi->idx[k]);
    if (wi->iface) wasmtime_component_export_index_delete(wi->iface);
    if (wi->state) wasmtime_component_export_index_delete(wi->state);
    if (wi->comp) wasmtime_component_delete(wi->comp);
    free(wi);
}

/* ---- the world check --------------------------------------------------- */

typedef struct problems { char buf[2048]; size_t used; int n; } problems;

static void problem(problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(problems *p, const char *fmt, ...)
{
    p->n++;
    if (p->used + 8 >= sizeof p->buf) return;
    p->used += (size_t)snprintf(p->buf + p->used, sizeof p->buf - p->used, "\n  - ");
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(p->buf + p->used, sizeof p->buf - p->used, fmt, ap);
    va_end(ap);
    if (w > 0) p->used += (size_t)w < sizeof p->buf - p->used ? (size_t)w : sizeof p->buf - p->used - 1;
}

static const aw_wit_func *find_wit(const aw_engine *e, const char *iface, size_t ilen,
                                   const char *name, size_t nlen)
{
    size_t n;
    const aw_wit_func *fs = aw_engine_wit_funcs(e, &n);
    for (size_t i = 0; i < n; i++)
        if (strlen(fs[i].iface) == ilen && !memcmp(fs[i].iface, iface, ilen) &&
            strlen(fs[i].name) == nlen && !memcmp(fs[i].name, name, nlen))
            return &fs[i];
    return NULL;
}

static bool host_has_iface(const aw_engine *e, const char *iface, size_t ilen)
{
    size_t n;
    const aw_wit_func *fs = aw_engine_wit_funcs(e, &n);
    for (size_t i = 0; i < n; i++)
        if (strlen(fs[i].iface) == ilen && !memcmp(fs[i].iface, iface, ilen)) return true;
    return false;
}

/* Each function of an imported instance of ours must be one we define,
 * with the same type. */
static void check_our_import(aw_engine *e, const char *iface, size_t ilen,
                             const wasmtime_component_item_t *item, problems *p)
{
    if (item->kind != WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE) {
        problem(p, "imports %.*s as something other than an interface", (int)ilen, iface);
        return;
    }
    const wasmtime_component_instance_type_t *it = item->of.component_instance;
    wasm_engine_t *we = aw_engine_wasm(e);
    size_t n = wasmtime_component_instance_type_export_count(it, we);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t nlen;
        wasmtime_component_item_t fi;
        if (!wasmtime_component_instance_type_export_nth(it, we, i, &name, &nlen, &fi)) continue;
        if (fi.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC) {
            const aw_wit_func *f = find_wit(e, iface, ilen, name, nlen);
            char *got = aw_wit_functype_str(fi.of.component_func);
            if (!f)
                problem(p, "imports %.*s#%.*s, which the host does not define", (int)ilen, iface,
                        (int)nlen, name);
            else if (got && strcmp(got, f->type))
                problem(p, "imports %.*s#%.*s as %s; the host defines %s", (int)ilen, iface,
                        (int)nlen, name, got, f->type);
            free(got);
        }
        wasmtime_component_item_delete(&fi);
    }
}

static bool check_imports(aw_engine *e, bool wasi, const wasmtime_component_type_t *ty,
                          problems *p)
{
    wasm_engine_t *we = aw_engine_wasm(e);
    size_t n = wasmtime_component_type_import_count(ty, we), n_wasi = 0;
    char first_wasi[256] = "";
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        wasmtime_component_item_t item;
        if (!wasmtime_component_type_import_nth(ty, we, i, &name, &len, &item)) continue;
        bool ours = len > strlen(PKG) && !memcmp(name, PKG, strlen(PKG));
        if (ours && host_has_iface(e, name, len)) check_our_import(e, name, len, &item, p);
        else if (ours && len == strlen(TYPES_IFACE) && !memcmp(name, TYPES_IFACE, len))
            ;  /* the shared types: nothing to link but the (empty) instance */
        else if (ours)
            problem(p, "imports %.*s, which this host does not provide (it implements "
                    "airssys:component" PKG_VERSION ")", (int)len, name);
        else if (len > 5 && !memcmp(name, "wasi:", 5) && !n_wasi++)
            snprintf(first_wasi, sizeof first_wasi, "%.*s", (int)len, name);
        else if (!(len > 5 && !memcmp(name, "wasi:", 5)))
            problem(p, "imports %.*s, which the host does not provide", (int)len, name);
        wasmtime_component_item_delete(&item);
    }
    if (n_wasi && !wasi)
        problem(p, "imports %zu WASI preview 2 interface%s (%s%s), but the component was loaded "
                "without WASI (aw_load_options.wasi, run --wasi)", n_wasi, n_wasi > 1 ? "s" : "",
                first_wasi, n_wasi > 1 ? ", ..." : "");
    return n_wasi > 0;
}

/* The state interface is optional; when exported, both functions must
 * have their types. */
static void check_state(aw_engine *e, wit_impl *wi, problems *p)
{
    bool found = false;
    for (int k = WF_SNAPSHOT; k < WF_ALL; k++) {
        char *got = aw_wit_find_func(wi->comp, aw_engine_wasm(e), false, STATE_IFACE, fnames[k],
                                     &found);
        if (!found) return;
        if (!got || strcmp(got, ftypes[k]))
            problem(p, "exports " STATE_IFACE "#%s as %s; expected %s", fnames[k],
                    got ? got : "nothing", ftypes[k]);
        free(got);
    }
}

static void check_exports(aw_engine *e, wit_impl *wi, problems *p)
{
    check_state(e, wi, p);
    bool found = false;
    for (int k = 0; k < WF_COUNT; k++) {
        char *got = aw_wit_find_func(wi->comp, aw_engine_wasm(e), false, ACTOR_IFACE, fnames[k],
                                     &found);
        if (!found) {
            problem(p, "does not export the interface " ACTOR_IFACE
                    " (build it for the world airssys:component/actor-component)");
            return;
        }
        if (!got) problem(p, "exports no %s in " ACTOR_IFACE " (expected %s)", fnames[k], ftypes[k]);
        else if (strcmp(got, ftypes[k]))
            problem(p, "exports " ACTOR_IFACE "#%s as %s; expected %s", fnames[k], got, ftypes[k]);
        free(got);
    }
}

int aw_wit_check(aw_engine *e, wasmtime_component_t *comp, bool wasi, char **why,
                 bool *wasi_needed)
{
    problems p = {.used = 0};
    wasmtime_component_type_t *ty = wasmtime_component_type(comp);
    *wasi_needed = check_imports(e, wasi, ty, &p);
    wasmtime_component_type_delete(ty);
    wit_impl probe = {.comp = comp};
    check_exports(e, &probe, &p);
    *why = strdup(p.buf);
    return p.n;
}

static bool index_exports(wit_impl *wi)
{
    wi->iface = wasmtime_component_get_export_index(wi->comp, NULL, ACTOR_IFACE,
                                                    strlen(ACTOR_IFACE));
    wi->state = wasmtime_component_get_export_index(wi->comp, NULL, STATE_IFACE,
                                                    strlen(STATE_IFACE));
    for (int k = 0; k < WF_ALL; k++) {
        wasmtime_component_export_index_t *parent = k < WF_COUNT ? wi->iface : wi->state;
        if (parent && !(wi->idx[k] = wasmtime_component_get_export_index(wi->comp, parent, fnames[k],
                                                                         strlen(fnames[k]))))
            return false;
    }
    return wi->iface != NULL;
}

aw_err aw_wit_compile(aw_engine *e, aw_component *c, const uint8_t *bytes, size_t len)
{
    wit_impl *wi = calloc(1, sizeof *wi);
    if (!wi) return aw__fail(AW_ENOMEM, "out of memory compiling '%s'", c->name);
    wasmtime_error_t *err = wasmtime_component_new(aw_engine_wasm(e), bytes, len, &wi->comp);
    if (err) {
        free_impl(wi);
        return aw__compile_failed(c->name, "component", err);
    }
    char *why = NULL;
    bool wasi_needed = false;
    int n = aw_wit_check(e, wi->comp, c->wasi, &why, &wasi_needed);
    if (n || !index_exports(wi)) {
        aw_err kind = why && strstr(why, "imports ") ? AW_ELINK : AW_EABI;
        aw__fail(kind, "component '%s' does not target the world "
                 "airssys:component/actor-component" PKG_VERSION ":%s", c->name,
                 n ? why : "\n  - its actor exports cannot be indexed");
        free(why);
        free_impl(wi);
        return kind;
    }
    free(why);
    c->impl = wi;
    return AW_OK;
}

/* ---- instances ----------------------------------------------------------- */

aw_guest *aw_wit_guest_of(wasmtime_context_t *cx) { return wasmtime_context_get_data(cx); }

static void wit_destroy(aw_guest *g)
{
    if (!g) return;
    wit_guest *w = (wit_guest *)g;
    if (g->fut) wasmtime_call_future_delete(g->fut);
    aw__guest_set_active(g, false);
    if (g->err) wasmtime_error_delete(g->err);
    if (w->res.kind != WASMTIME_COMPONENT_BOOL) wasmtime_component_val_delete(&w->res);
    if (g->store) wasmtime_store_delete(g->store);
    free(w->bytes);
    free(g->reply);
    aw_component_release(g->comp);
    free(w);
}

/* Drive a future to its end on this thread (instantiation). */
static void run_future(aw_guest *g)
{
    for (unsigned n = 0; !wasmtime_call_future_poll(g->fut); n++) aw_poll_backoff(n);
    wasmtime_call_future_delete(g->fut);
    g->fut = NULL;
}

static aw_err wit_instantiate(aw_component *c, const aw_guest_env *env, aw_guest **out)
{
    wit_impl *wi = c->impl;
    wit_guest *w = calloc(1, sizeof *w);
    if (!w) return aw__fail(AW_ENOMEM, "out of memory spawning '%s'", env->actor);
    aw_guest *g = &w->g;
    w->call = -1;
    /* A component is several core instances, memories and tables (a
     * language runtime, adapters): bounded, but not to one each. */
    if (!aw__guest_store_init(g, c, env, 64)) {
        wit_destroy(g);
        return aw__fail(AW_ENOMEM, "actor '%s': cannot set up WASI", env->actor);
    }
    aw__guest_set_active(g, true);
    g->fut = wasmtime_component_linker_instantiate_async(aw_engine_wit_linker(c->engine, c->wasi),
                                                         g->cx, wi->comp, &w->inst, &g->err);
    if (g->fut) run_future(g);
    aw__guest_set_active(g, false);
    for (int k = 0; !g->err && k < WF_ALL; k++)
        if (wi->idx[k] && !wasmtime_component_instance_get_func(&w->inst, g->cx, wi->idx[k], &w->fn[k]))
            g->err = wasmtime_error_new("an actor export is missing from the instance");
    if (g->err) {
        char *detail = NULL;
        aw_err kind = aw_engine_decode_failure(c->name, env->actor, "instantiation", NULL, g->err,
                                               &detail);
        g->err = NULL;
        aw__fail(kind, "%s", detail ? detail : "instantiation failed");
        free(detail);
        wit_destroy(g);
        return kind;
    }
    *out = g;
    return AW_OK;
}

static aw_err wit_begin(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len,
                        int32_t arg)
{
    aw_err rc = aw__guest_can_begin(g, len);
    if (rc) return rc;
    if ((kind == AW_CALL_SNAPSHOT || kind == AW_CALL_RESTORE) && !((wit_impl *)g->comp->impl)->state)
        return aw__fail(AW_ENOTSUP, "component '%s' does not export " STATE_IFACE
                        ": it cannot hand its state over", g->comp->name);
    aw__guest_take_call(g, kind, data, len, arg);
    ((wit_guest *)g)->call = -1;
    return AW_OK;
}

/* The bytes as a list<u8>, in a buffer reused from call to call. */
static bool bytes_val(wit_guest *w, wasmtime_component_val_t *v)
{
    size_t n = w->g.len;
    if (n > w->bytes_cap) {
        wasmtime_component_val_t *nb = realloc(w->bytes, n * sizeof *nb);
        if (!nb) return false;
        w->bytes = nb;
        w->bytes_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        w->bytes[i].kind = WASMTIME_COMPONENT_U8;
        w->bytes[i].of.u8 = w->g.data[i];
    }
    v->kind = WASMTIME_COMPONENT_LIST;
    v->of.list.size = n;
    v->of.list.data = n ? w->bytes : NULL;
    return true;
}

static wasm_name_t name_of(const char *s) { return (wasm_name_t){strlen(s), (char *)s}; }

/* Start the export for the call in flight; false when there is none to run
 * (a hook without effect never reaches the guest). */
static bool start_call(wit_guest *w)
{
    aw_guest *g = &w->g;
    size_t nargs = 1, nres = 1;
    switch (g->kind) {
    case AW_CALL_INIT: w->call = WF_INIT; if (!bytes_val(w, &w->arg)) goto oom; break;
    case AW_CALL_START: w->call = WF_START; nargs = 0; break;
    case AW_CALL_STOP:
        w->call = WF_STOP; nres = 0;
        w->arg.kind = WASMTIME_COMPONENT_ENUM;
        w->arg.of.enumeration = name_of(g->arg == AW_STOP_REASON_SHUTDOWN ? "shutdown" : "normal");
        break;
    case AW_CALL_SNAPSHOT: w->call = WF_SNAPSHOT; nargs = 0; break;
    case AW_CALL_RESTORE: w->call = WF_RESTORE; if (!bytes_val(w, &w->arg)) goto oom; break;
    case AW_CALL_MESSAGE: {
        w->call = WF_HANDLE;
        const char *topic = NULL;
        bool is_request = false;
        if (g->env.msg_info) g->env.msg_info(g->env.owner, &topic, &is_request);
        w->rec[0].name = name_of("payload");
        if (!bytes_val(w, &w->rec[0].val)) goto oom;
        w->rec[1].name = name_of("topic");
        w->rec[1].val.kind = WASMTIME_COMPONENT_OPTION;
        w->topic.kind = WASMTIME_COMPONENT_STRING;
        w->topic.of.string = name_of(topic ? topic : "");
        w->rec[1].val.of.option = topic ? &w->topic : NULL;
        w->rec[2].name = name_of("is-request");
        w->rec[2].val.kind = WASMTIME_COMPONENT_BOOL;
        w->rec[2].val.of.boolean = is_request;
        w->arg.kind = WASMTIME_COMPONENT_RECORD;
        w->arg.of.record.size = 3;
        w->arg.of.record.data = w->rec;
        break;
    }
    }
    memset(&w->res, 0, sizeof w->res);
    wasmtime_context_set_epoch_deadline(g->cx, aw_engine_slice_ticks(g->comp->engine));
    g->fut = wasmtime_component_func_call_async(&w->fn[w->call], g->cx, &w->arg, nargs, &w->res,
                                                nres, &g->err);
    return true;
oom:
    g->err = wasmtime_error_new("out of memory for the call's arguments");
    return true;
}

static bool finish(aw_guest *g, aw_call_result *out, aw_err err, char *detail)
{
    wit_guest *w = (wit_guest *)g;
    aw__guest_set_active(g, false);
    w->call = -1;
    out->err = err;
    out->detail = detail;
    aw_call_result_take_reply(out, &g->reply, &g->reply_len);
    return true;
}

/* Copy a list<u8> value out; false if it is not one. */
static bool take_bytes(const wasmtime_component_val_t *v, uint8_t **out, size_t *len)
{
    if (v->kind != WASMTIME_COMPONENT_LIST) return false;
    *len = v->of.list.size;
    *out = malloc(*len ? *len : 1);
    if (!*out) return false;
    for (size_t i = 0; i < *len; i++) (*out)[i] = v->of.list.data[i].of.u8;
    return true;
}

/* What the export returned: result<_, string>, or result<option<list<u8>>,
 * string> for handle. An `err` is the guest's own failure (AW_EGUEST, with
 * its text as the reply, as a core guest's non-zero status). */
static bool read_result(wit_guest *w, aw_call_result *out)
{
    aw_guest *g = &w->g;
    int call = w->call;
    if (call == WF_STOP) return finish(g, out, AW_OK, NULL);
    const wasmtime_component_val_t *r = &w->res;
    if (call == WF_SNAPSHOT) {  /* list<u8>: the state, as the reply */
        aw_err err = take_bytes(r, &g->reply, &g->reply_len) ? AW_OK : AW_ENOMEM;
        wasmtime_component_val_delete(&w->res);
        memset(&w->res, 0, sizeof w->res);
        return finish(g, out, err, err ? aw__strfmt("out of memory for the state of '%s'", g->env.actor) : NULL);
    }
    aw_err err = AW_OK;
    char *detail = NULL;
    if (r->kind != WASMTIME_COMPONENT_RESULT) {
        err = AW_EABI;
        detail = aw__strfmt("component '%s' (actor '%s'): %s returned no result value",
                            g->comp->name, g->env.actor, fnames[call]);
    } else if (r->of.result.is_ok) {
        const wasmtime_component_val_t *opt = r->of.result.val;
        if (call == WF_HANDLE && opt && opt->kind == WASMTIME_COMPONENT_OPTION && opt->of.option &&
            !take_bytes(opt->of.option, &g->reply, &g->reply_len)) {
            err = AW_ENOMEM;
            detail = aw__strfmt("out of memory for the reply of actor '%s'", g->env.actor);
        }
    } else {
        const wasmtime_component_val_t *s = r->of.result.val;
        size_t n = s && s->kind == WASMTIME_COMPONENT_STRING ? s->of.string.size : 0;
        g->reply = malloc(n + 1);
        if (g->reply) {
            if (n) memcpy(g->reply, s->of.string.data, n);
            g->reply[n] = 0;
            g->reply_len = n;
        }
        char who[600];
        snprintf(who, sizeof who, "component '%s' (actor '%s')", g->comp->name, g->env.actor);
        err = AW_EGUEST;
        out->status = -1;
        detail = aw__strfmt("%s: %s returned an error%s%.*s", who, fnames[call], n ? ": " : "",
                            (int)(n > 512 ? 512 : n), g->reply ? (const char *)g->reply : "");
    }
    wasmtime_component_val_delete(&w->res);
    memset(&w->res, 0, sizeof w->res);
    return finish(g, out, err, detail);
}

static bool wit_poll(aw_guest *g, aw_call_result *out)
{
    wit_guest *w = (wit_guest *)g;
    if (w->call < 0) {
        aw__guest_set_active(g, true);
        start_call(w);
    }
    if (g->fut) {
        if (!wasmtime_call_future_poll(g->fut)) return false;
        wasmtime_call_future_delete(g->fut);
        g->fut = NULL;
    }
    if (g->err) {
        char *detail = NULL;
        aw_err kind = aw_engine_decode_failure(g->comp->name, g->env.actor, fnames[w->call], NULL,
                                               g->err, &detail);
        g->err = NULL;
        g->torn = true;
        if (w->res.kind != WASMTIME_COMPONENT_BOOL) wasmtime_component_val_delete(&w->res);
        memset(&w->res, 0, sizeof w->res);
        return finish(g, out, kind, detail);
    }
    return read_result(w, out);
}

const aw_guest_class aw_wit_guest_class = {
    .name = "component",
    .instantiate = wit_instantiate,
    .begin = wit_begin,
    .poll = wit_poll,
    .destroy = wit_destroy,
    .free_impl = free_impl,
};
