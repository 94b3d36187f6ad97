/* wit_types.c - render Component Model types as WIT-like text.
 *
 * Wasmtime describes a component's types through opaque handles: each query
 * (a record's nth field, an instance's nth export) hands back a fresh owned
 * object. The printers below walk those handles recursively, append to a
 * growable buffer and delete each handle as soon as it has been printed, so
 * nothing outlives the call. An out-of-memory condition is remembered in the
 * buffer instead of being checked at every append; the public functions turn
 * it into NULL at the end. Types can nest arbitrarily deep in a hostile
 * binary, so recursion stops at MAX_DEPTH and prints "..." instead. */
#include "wit_types.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void put_n(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) { b->oom = true; return; }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put(sbuf *b, const char *s) { put_n(b, s, strlen(s)); }

static void put_indent(sbuf *b, int n)
{
    while (n-- > 0) put(b, " ");
}

/* Hands the text to the caller; on any earlier failure frees what was built. */
static char *finish(sbuf *b)
{
    if (!b->oom && !b->p) put(b, "");
    if (b->oom) { free(b->p); return NULL; }
    return b->p;
}

static void put_type(sbuf *b, const wasmtime_component_valtype_t *t, int depth);

/* Prints a valtype the API handed us and releases it. */
static void put_owned(sbuf *b, wasmtime_component_valtype_t *t, int depth)
{
    put_type(b, t, depth);
    wasmtime_component_valtype_delete(t);
}

/* "name: T" pairs separated by ", ", shared by records and parameter lists;
 * the getter signatures differ, so the caller passes a small adapter. */
typedef bool (*field_fn)(const void *ty, size_t i, const char **n, size_t *len,
                         wasmtime_component_valtype_t *t);

static void put_fields(sbuf *b, const void *ty, size_t count, field_fn get, int depth)
{
    for (size_t i = 0; i < count; i++) {
        const char *n;
        size_t len;
        wasmtime_component_valtype_t t;
        if (!get(ty, i, &n, &len, &t)) continue;
        if (i) put(b, ", ");
        put_n(b, n, len);
        put(b, ": ");
        put_owned(b, &t, depth);
    }
}

static bool record_field(const void *ty, size_t i, const char **n, size_t *len,
                         wasmtime_component_valtype_t *t)
{
    return wasmtime_component_record_type_field_nth(ty, i, n, len, t);
}

static bool func_param(const void *ty, size_t i, const char **n, size_t *len,
                       wasmtime_component_valtype_t *t)
{
    return wasmtime_component_func_type_param_nth(ty, i, n, len, t);
}

/* enum and flags print alike, "kw { a, b }", over a list of bare names. */
static void put_names(sbuf *b, const wasmtime_component_valtype_t *t)
{
    bool is_enum = t->kind == WASMTIME_COMPONENT_VALTYPE_ENUM;
    size_t n = is_enum ? wasmtime_component_enum_type_names_count(t->of.enum_)
                       : wasmtime_component_flags_type_names_count(t->of.flags);
    put(b, is_enum ? "enum {" : "flags {");
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        bool ok = is_enum ? wasmtime_component_enum_type_names_nth(t->of.enum_, i, &name, &len)
                          : wasmtime_component_flags_type_names_nth(t->of.flags, i, &name, &len);
        if (!ok) continue;
        put(b, i ? ", " : " ");
        put_n(b, name, len);
    }
    put(b, n ? " }" : "}");
}

static void put_record(sbuf *b, const wasmtime_component_record_type_t *r, int depth)
{
    size_t n = wasmtime_component_record_type_field_count(r);
    put(b, n ? "record { " : "record {");
    put_fields(b, r, n, record_field, depth);
    put(b, n ? " }" : "}");
}

static void put_variant(sbuf *b, const wasmtime_component_variant_type_t *v, int depth)
{
    size_t n = wasmtime_component_variant_type_case_count(v);
    put(b, n ? "variant { " : "variant {");
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        bool has;
        wasmtime_component_valtype_t t;
        if (!wasmtime_component_variant_type_case_nth(v, i, &name, &len, &has, &t)) continue;
        if (i) put(b, ", ");
        put_n(b, name, len);
        if (!has) continue;
        put(b, "(");
        put_owned(b, &t, depth);
        put(b, ")");
    }
    put(b, n ? " }" : "}");
}

static void put_tuple(sbuf *b, const wasmtime_component_tuple_type_t *tu, int depth)
{
    size_t n = wasmtime_component_tuple_type_types_count(tu);
    put(b, "tuple<");
    for (size_t i = 0; i < n; i++) {
        wasmtime_component_valtype_t t;
        if (!wasmtime_component_tuple_type_types_nth(tu, i, &t)) continue;
        if (i) put(b, ", ");
        put_owned(b, &t, depth);
    }
    put(b, ">");
}

/* WIT spells a missing ok type "_" but simply drops a missing err type. */
static void put_result(sbuf *b, const wasmtime_component_result_type_t *r, int depth)
{
    wasmtime_component_valtype_t ok, err;
    bool has_ok = wasmtime_component_result_type_ok(r, &ok);
    bool has_err = wasmtime_component_result_type_err(r, &err);
    put(b, "result");
    if (!has_ok && !has_err) return;
    put(b, "<");
    if (has_ok) put_owned(b, &ok, depth);
    else put(b, "_");
    if (has_err) {
        put(b, ", ");
        put_owned(b, &err, depth);
    }
    put(b, ">");
}

/* "kw<T>", or the bare keyword when a future/stream carries no payload. */
static void put_wrapped(sbuf *b, const char *kw, wasmtime_component_valtype_t *t, bool has, int depth)
{
    put(b, kw);
    if (!has) return;
    put(b, "<");
    put_owned(b, t, depth);
    put(b, ">");
}

static void put_map(sbuf *b, const wasmtime_component_map_type_t *m, int depth)
{
    wasmtime_component_valtype_t k, v;
    wasmtime_component_map_type_key(m, &k);
    wasmtime_component_map_type_value(m, &v);
    put(b, "map<");
    put_owned(b, &k, depth);
    put(b, ", ");
    put_owned(b, &v, depth);
    put(b, ">");
}

/* Indexed by WASMTIME_COMPONENT_VALTYPE_* up to STRING. */
static const char *const prim_names[] = {"bool", "s8",  "s16", "s32", "s64",  "u8",    "u16",
                                         "u32",  "u64", "f32", "f64", "char", "string"};

static void put_type(sbuf *b, const wasmtime_component_valtype_t *t, int depth)
{
    wasmtime_component_valtype_t in;
    if (++depth > MAX_DEPTH) { put(b, "..."); return; }
    if (t->kind <= WASMTIME_COMPONENT_VALTYPE_STRING) { put(b, prim_names[t->kind]); return; }
    switch (t->kind) {
    case WASMTIME_COMPONENT_VALTYPE_LIST:
        wasmtime_component_list_type_element(t->of.list, &in);
        put_wrapped(b, "list", &in, true, depth);
        break;
    case WASMTIME_COMPONENT_VALTYPE_OPTION:
        wasmtime_component_option_type_ty(t->of.option, &in);
        put_wrapped(b, "option", &in, true, depth);
        break;
    case WASMTIME_COMPONENT_VALTYPE_FUTURE:
        put_wrapped(b, "future", &in, wasmtime_component_future_type_ty(t->of.future, &in), depth);
        break;
    case WASMTIME_COMPONENT_VALTYPE_STREAM:
        put_wrapped(b, "stream", &in, wasmtime_component_stream_type_ty(t->of.stream, &in), depth);
        break;
    case WASMTIME_COMPONENT_VALTYPE_RECORD: put_record(b, t->of.record, depth); break;
    case WASMTIME_COMPONENT_VALTYPE_TUPLE: put_tuple(b, t->of.tuple, depth); break;
    case WASMTIME_COMPONENT_VALTYPE_VARIANT: put_variant(b, t->of.variant, depth); break;
    case WASMTIME_COMPONENT_VALTYPE_RESULT: put_result(b, t->of.result, depth); break;
    case WASMTIME_COMPONENT_VALTYPE_MAP: put_map(b, t->of.map, depth); break;
    case WASMTIME_COMPONENT_VALTYPE_ENUM:
    case WASMTIME_COMPONENT_VALTYPE_FLAGS: put_names(b, t); break;
    /* The C API exposes no resource names, only identity. */
    case WASMTIME_COMPONENT_VALTYPE_OWN: put(b, "own<resource>"); break;
    case WASMTIME_COMPONENT_VALTYPE_BORROW: put(b, "borrow<resource>"); break;
    case WASMTIME_COMPONENT_VALTYPE_ERROR_CONTEXT: put(b, "error-context"); break;
    default: put(b, "<unknown>"); break;
    }
}

static void put_func(sbuf *b, const wasmtime_component_func_type_t *f)
{
    wasmtime_component_valtype_t r;
    if (wasmtime_component_func_type_async(f)) put(b, "async ");
    put(b, "func(");
    put_fields(b, f, wasmtime_component_func_type_param_count(f), func_param, 0);
    put(b, ")");
    if (wasmtime_component_func_type_result(f, &r)) {
        put(b, " -> ");
        put_owned(b, &r, 0);
    }
}

char *aw_wit_valtype_str(const wasmtime_component_valtype_t *t)
{
    sbuf b = {0};
    put_type(&b, t, 0);
    return finish(&b);
}

char *aw_wit_functype_str(const wasmtime_component_func_type_t *f)
{
    sbuf b = {0};
    put_func(&b, f);
    return finish(&b);
}

const char *aw_wit_item_kind_name(wasmtime_component_item_kind_t k)
{
    switch (k) {
    case WASMTIME_COMPONENT_ITEM_COMPONENT: return "component";
    case WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE: return "instance";
    case WASMTIME_COMPONENT_ITEM_MODULE: return "module";
    case WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC: return "func";
    case WASMTIME_COMPONENT_ITEM_RESOURCE: return "resource";
    case WASMTIME_COMPONENT_ITEM_CORE_FUNC: return "core func";
    case WASMTIME_COMPONENT_ITEM_TYPE: return "type";
    default: return "unknown";
    }
}

static void put_item(sbuf *b, const wasm_engine_t *e, const char *prefix, const char *name, size_t len,
                     const wasmtime_component_item_t *it, int level);

/* Instance members one per line, a level deeper; nesting is bounded like types. */
static void put_instance(sbuf *b, const wasm_engine_t *e, const wasmtime_component_instance_type_t *in,
                         int level)
{
    size_t n = wasmtime_component_instance_type_export_count(in, e);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        wasmtime_component_item_t it;
        if (!wasmtime_component_instance_type_export_nth(in, e, i, &name, &len, &it)) continue;
        put_item(b, e, "", name, len, &it, level);
        wasmtime_component_item_delete(&it);
    }
}

static void put_item(sbuf *b, const wasm_engine_t *e, const char *prefix, const char *name, size_t len,
                     const wasmtime_component_item_t *it, int level)
{
    put_indent(b, 4 * level);
    put(b, prefix);
    put_n(b, name, len);
    put(b, ": ");
    if (it->kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC) put_func(b, it->of.component_func);
    else put(b, aw_wit_item_kind_name(it->kind));
    put(b, "\n");
    if (it->kind != WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE) return;
    if (level + 1 >= MAX_DEPTH) { put_indent(b, 4 * (level + 1)); put(b, "...\n"); return; }
    put_instance(b, e, it->of.component_instance, level + 1);
}

/* Imports and exports share one listing routine; only the accessors differ. */
static void put_side(sbuf *b, const wasmtime_component_type_t *ct, const wasm_engine_t *e, bool imports)
{
    size_t n = imports ? wasmtime_component_type_import_count(ct, e) : wasmtime_component_type_export_count(ct, e);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        wasmtime_component_item_t it;
        bool ok = imports ? wasmtime_component_type_import_nth(ct, e, i, &name, &len, &it)
                          : wasmtime_component_type_export_nth(ct, e, i, &name, &len, &it);
        if (!ok) continue;
        put_item(b, e, imports ? "import " : "export ", name, len, &it, 0);
        wasmtime_component_item_delete(&it);
    }
}

char *aw_wit_world_str(const wasmtime_component_t *c, const wasm_engine_t *engine)
{
    wasmtime_component_type_t *ct = wasmtime_component_type(c);
    if (!ct) return NULL;
    sbuf b = {0};
    put_side(&b, ct, engine, true);
    put_side(&b, ct, engine, false);
    wasmtime_component_type_delete(ct);
    return finish(&b);
}

char *aw_wit_find_func(const wasmtime_component_t *c, const wasm_engine_t *engine, bool imports,
                       const char *iface, const char *func, bool *found_iface)
{
    wasmtime_component_item_t inst, fn;
    char *out = NULL;
    if (found_iface) *found_iface = false;
    wasmtime_component_type_t *ct = wasmtime_component_type(c);
    if (!ct) return NULL;
    bool ok = imports ? wasmtime_component_type_import_get(ct, engine, iface, strlen(iface), &inst)
                      : wasmtime_component_type_export_get(ct, engine, iface, strlen(iface), &inst);
    wasmtime_component_type_delete(ct);
    if (!ok) return NULL;
    if (inst.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE) {
        if (found_iface) *found_iface = true;
        if (wasmtime_component_instance_type_export_get(inst.of.component_instance, engine, func,
                                                        strlen(func), &fn)) {
            if (fn.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC) out = aw_wit_functype_str(fn.of.component_func);
            wasmtime_component_item_delete(&fn);
        }
    }
    wasmtime_component_item_delete(&inst);
    return out;
}
