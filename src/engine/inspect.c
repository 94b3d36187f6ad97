/* inspect.c - describe a guest binary: format, imports, exports, and whether
 * this host can run it (and if not, every reason why).
 *
 * Unlike loading, inspection never stops at the first problem: a developer
 * wants the whole list. A Component Model binary gets its world as WIT-like
 * text and the same world check as at load. */
#include "engine.h"
#include "wit_types.h"

#include <string.h>

static aw_inspect_item *add_item(aw_inspect_item **v, size_t *n)
{
    aw_inspect_item *nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv) return NULL;
    *v = nv;
    memset(&nv[*n], 0, sizeof **v);
    return &nv[(*n)++];
}

static void inspect_core(aw_engine *e, wasmtime_module_t *m, aw_inspect *r)
{
    wasm_importtype_vec_t im;
    wasmtime_module_imports(m, &im);
    for (size_t i = 0; i < im.size; i++) {
        aw_inspect_item *it = add_item(&r->imports, &r->n_imports);
        if (!it) break;
        const wasm_name_t *mod = wasm_importtype_module(im.data[i]), *n = wasm_importtype_name(im.data[i]);
        it->module = aw__strndup(mod->data, mod->size);
        it->name = aw__strndup(n->data, n->size);
        it->type = aw_externtype_str(wasm_importtype_type(im.data[i]));
    }
    wasm_importtype_vec_delete(&im);
    wasm_exporttype_vec_t ex;
    wasmtime_module_exports(m, &ex);
    for (size_t i = 0; i < ex.size; i++) {
        aw_inspect_item *it = add_item(&r->exports, &r->n_exports);
        if (!it) break;
        const wasm_name_t *n = wasm_exporttype_name(ex.data[i]);
        it->name = aw__strndup(n->data, n->size);
        it->type = aw_externtype_str(wasm_exporttype_type(ex.data[i]));
    }
    wasm_exporttype_vec_delete(&ex);
    char *problems = NULL;
    r->abi_version = aw_core_check_abi(e, m, false, &problems, &r->conforms);
    r->problems = problems ? problems : strdup("");
}

static void inspect_component(aw_engine *e, wasmtime_component_t *c, aw_inspect *r)
{
    wasmtime_component_type_t *ty = wasmtime_component_type(c);
    const wasm_engine_t *we = aw_engine_wasm(e);
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass ? wasmtime_component_type_export_count(ty, we)
                        : wasmtime_component_type_import_count(ty, we);
        for (size_t i = 0; i < n; i++) {
            const char *name;
            size_t len;
            wasmtime_component_item_t item;
            bool ok = pass ? wasmtime_component_type_export_nth(ty, we, i, &name, &len, &item)
                           : wasmtime_component_type_import_nth(ty, we, i, &name, &len, &item);
            if (!ok) continue;
            aw_inspect_item *it = pass ? add_item(&r->exports, &r->n_exports)
                                       : add_item(&r->imports, &r->n_imports);
            if (it) {
                it->name = aw__strndup(name, len);
                it->type = strdup(aw_wit_item_kind_name(item.kind));
            }
            wasmtime_component_item_delete(&item);
        }
    }
    wasmtime_component_type_delete(ty);
    r->abi_version = -1;
    r->wit = aw_wit_world_str(c, we);
    /* Conforms when it targets our world; a component that imports WASI
     * conforms too, but says it must be loaded with WASI. */
    char *why = NULL;
    bool wasi_needed = false;
    int n = aw_wit_check(e, c, true, &why, &wasi_needed);
    r->conforms = n == 0;
    const char *w = why ? why : "";
    while (*w == '\n' || *w == ' ' || *w == '-') w++;  /* one problem per line, no bullets */
    r->problems = n ? aw__strfmt("%s", w) : wasi_needed
                    ? strdup("note: imports WASI preview 2: load it with WASI (run --wasi)")
                    : strdup("");
    if (n && r->problems)  /* "\n  - " between problems -> "\n" */
        for (char *q; (q = strstr(r->problems, "\n  - "));) memmove(q + 1, q + 5, strlen(q + 5) + 1);
    free(why);
}

aw_err aw_engine_inspect(aw_engine *e, const uint8_t *bytes, size_t len, aw_inspect *r)
{
    memset(r, 0, sizeof *r);
    r->size = len;
    r->abi_version = -1;
    r->format = aw_sniff_format(bytes, len);
    wasmtime_error_t *err = NULL;
    if (r->format == AW_FORMAT_CORE_MODULE) {
        wasmtime_module_t *m;
        if (!(err = wasmtime_module_new(aw_engine_wasm(e), bytes, len, &m))) {
            inspect_core(e, m, r);
            wasmtime_module_delete(m);
            return AW_OK;
        }
    } else if (r->format == AW_FORMAT_COMPONENT) {
        wasmtime_component_t *c;
        if (!(err = wasmtime_component_new(aw_engine_wasm(e), bytes, len, &c))) {
            inspect_component(e, c, r);
            wasmtime_component_delete(c);
            return AW_OK;
        }
    } else {
        r->problems = aw__strfmt("not a WebAssembly binary (no \\0asm magic with a known version)");
        return aw__fail(AW_EFORMAT, "not a WebAssembly binary (%zu bytes)", len);
    }
    char *msg = aw_core_error_text(err);
    r->problems = aw__strfmt("invalid %s: %s", aw_format_name(r->format), msg ? msg : "?");
    aw__fail(AW_EFORMAT, "invalid %s: %s", aw_format_name(r->format), msg ? msg : "?");
    free(msg);
    return AW_EFORMAT;
}

void aw_inspect_free(aw_inspect *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_imports; i++) {
        free(r->imports[i].module);
        free(r->imports[i].name);
        free(r->imports[i].type);
    }
    for (size_t i = 0; i < r->n_exports; i++) {
        free(r->exports[i].name);
        free(r->exports[i].type);
    }
    free(r->imports);
    free(r->exports);
    free(r->problems);
    free(r->wit);
    memset(r, 0, sizeof *r);
}
