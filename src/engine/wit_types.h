/* wit_types.h - render Component Model types as WIT-like text.
 *
 * Used to show a developer what a component imports and exports, and to
 * compare one function's signature against the one the host expects. Every
 * function returns malloc'd text the caller frees; NULL means out of memory
 * (or, for aw_wit_find_func, that the function is absent). */
#ifndef AW_WIT_TYPES_H
#define AW_WIT_TYPES_H

#include <stdbool.h>
#include <wasmtime.h>

/* One value type, e.g. "result<option<list<u8>>, string>". Resources have
 * no name in the type, so they print as own<resource> / borrow<resource>. */
char *aw_wit_valtype_str(const wasmtime_component_valtype_t *t);

/* "func(name: T, other: U) -> R"; no arrow without a result; prefixed
 * "async " for async functions. */
char *aw_wit_functype_str(const wasmtime_component_func_type_t *f);

/* Every import and export of the component, one per line:
 *   import wasi:cli/stdout@0.2.9: instance
 *       get-stdout: func() -> own<resource>
 * Instance members are indented by 4 spaces; items other than functions and
 * instances print their kind (module, component, resource, type, core func). */
char *aw_wit_world_str(const wasmtime_component_t *c, const wasm_engine_t *engine);

/* The type of function `func` in instance `iface` among the imports
 * (imports=true) or exports, rendered as aw_wit_functype_str does; NULL when
 * absent. *found_iface (may be NULL) tells whether the instance exists. */
char *aw_wit_find_func(const wasmtime_component_t *c, const wasm_engine_t *engine, bool imports,
                       const char *iface, const char *func, bool *found_iface);

/* "instance", "func", "resource", ... for an item kind. */
const char *aw_wit_item_kind_name(wasmtime_component_item_kind_t k);

#endif
