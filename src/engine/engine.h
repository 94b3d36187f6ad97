/* engine.h - the Wasmtime engine, compiled components and guest instances.
 *
 * This is the bottom layer: nothing here knows about actors, mailboxes or
 * names. The runtime above sees a component as something it can instantiate
 * into an aw_guest and then drive with begin/poll calls; whether the guest is
 * a core module speaking our ABI or a WIT component is hidden behind
 * aw_guest_class. */
#ifndef AW_ENGINE_H
#define AW_ENGINE_H

#include "../common/common.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <wasmtime.h>

typedef struct aw_engine aw_engine;
typedef struct aw_guest aw_guest;

typedef struct aw_engine_config {
    uint32_t max_instances;
    uint64_t max_memory_bytes;
    uint32_t time_slice_ms;
    const char *cache_dir;  /* NULL = default */
    bool no_cache;
    uint64_t fuel;          /* per-instance fuel budget; 0 = fuel not metered */
    uint32_t max_wasm_stack; /* bytes; 0 = 512 KiB */
} aw_engine_config;

aw_err aw_engine_new(const aw_engine_config *cfg, aw_engine **out);
void aw_engine_free(aw_engine *e);
wasm_engine_t *aw_engine_wasm(aw_engine *e);
uint64_t aw_engine_max_memory(const aw_engine *e);
const wasmtime_linker_t *aw_engine_linker(const aw_engine *e);
const wasmtime_linker_t *aw_engine_wasi_linker(const aw_engine *e);
uint32_t aw_engine_slice_ticks(const aw_engine *e);
uint64_t aw_engine_fuel(const aw_engine *e);
/* The epoch ticker runs only while guest code may be running. */
void aw_engine_active_inc(aw_engine *e);
void aw_engine_active_dec(aw_engine *e);

/* What a guest call is for. The adapter maps each to its format's exports. */
typedef enum aw_call_kind {
    AW_CALL_INIT,     /* data = config bytes */
    AW_CALL_START,
    AW_CALL_MESSAGE,  /* data = message bytes */
    AW_CALL_STOP,     /* arg = stop reason */
    AW_CALL_SNAPSHOT, /* upgrade: the guest's state comes back as the reply */
    AW_CALL_RESTORE,  /* upgrade: data = the previous version's state */
} aw_call_kind;

const char *aw_call_kind_name(aw_call_kind k);

/* Reasons passed to the guest's stop hook. */
#define AW_STOP_REASON_NORMAL 0
#define AW_STOP_REASON_SHUTDOWN 1

/* Outcome of one guest call. `reply` and `detail` are malloc'd and move to
 * whoever takes the result. */
typedef struct aw_call_result {
    aw_err err;        /* AW_OK, AW_EGUEST, AW_ETRAP, AW_EDEADLINE, ... */
    int32_t status;    /* the guest's own status code */
    uint8_t *reply;
    size_t reply_len;
    char *detail;      /* what went wrong, with component, function, trace */
    bool routed;       /* the message's result was already handed over (airssys.next) */
} aw_call_result;

void aw_call_result_clear(aw_call_result *r);

/* Move a guest's pending reply buffer into a result. */
static inline void aw_call_result_take_reply(aw_call_result *r, uint8_t **reply, size_t *len)
{
    r->reply = *reply;
    r->reply_len = *len;
    *reply = NULL;
    *len = 0;
}
/* A hook or handler returned non-zero: AW_EGUEST, with a detail quoting the
 * reply bytes (its error text). `who` names the guest, `fn` the function. */
char *aw_status_detail(const char *who, const char *fn, int32_t status, const uint8_t *reply,
                       size_t len);

/* Per-instance settings handed down by the runtime. */
typedef struct aw_guest_env {
    const char *actor;           /* name used in logs and errors (borrowed) */
    void *owner;                 /* the runtime's actor (for host functions) */
    uint32_t deadline_ms;        /* CPU time per call, 0 = unlimited */
    uint32_t max_message_bytes;
    aw_log_fn log;
    void *log_ud;
    aw_log_level log_level;
    bool async_hooks;            /* init/start run in the actor's turns (they may yield) */
    /* the message being handled: its topic (NULL unless published) and
     * whether its sender waits for a reply (for WIT guests) */
    void (*msg_info)(void *owner, const char **topic, bool *is_request);
} aw_guest_env;

typedef struct aw_guest_class {
    const char *name;
    aw_err (*instantiate)(aw_component *c, const aw_guest_env *env, aw_guest **out);
    /* Start a call. `data` is borrowed: it must stay valid until poll
     * returns true. Then poll until it does. */
    aw_err (*begin)(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len, int32_t arg);
    bool (*poll)(aw_guest *g, aw_call_result *out);
    void (*destroy)(aw_guest *g);
    void (*free_impl)(void *impl);
    /* Optional: its linear memory in bytes, between calls (for listings). */
    uint64_t (*memory)(aw_guest *g);
} aw_guest_class;

/* A compiled guest, shared by every actor spawned from it. */
struct aw_component {
    atomic_int refs;
    aw_engine *engine;
    char *name;
    char *version;                /* label from aw_load_options, or NULL */
    aw_format format;
    const aw_guest_class *cls;
    void *impl;
    void *grants;                 /* capabilities (security/caps.h); NULL: none */
    void (*on_unload)(void *ud, const char *name);  /* the audit's, when it is freed */
    void *on_unload_ud;
    /* per-component limits (0 = the runtime's) */
    uint64_t max_memory_bytes;
    uint32_t max_table_elements;
    uint64_t fuel;
    uint32_t deadline_ms;
    /* WASI preview 1 (instead of WASI-lite), with these preopened dirs */
    bool wasi;
    char **preopens;
    bool *preopen_rw;
    size_t n_preopens;
    void (*grants_free)(void *);
};

/* Sniff the format, compile, check the ABI, link. */
aw_err aw_engine_compile(aw_engine *e, const char *name, const uint8_t *bytes, size_t len,
                         bool wasi, aw_component **out);
aw_format aw_sniff_format(const uint8_t *bytes, size_t len);

static inline aw_err aw_guest_new(aw_component *c, const aw_guest_env *env, aw_guest **out)
{
    return c->cls->instantiate(c, env, out);
}

/* Begin a call and poll it to the end on this thread (used before an actor
 * is on the workers: init, start, and stop at teardown). */
void aw_guest_run(const aw_guest_class *cls, aw_guest *g, aw_call_kind kind,
                  const uint8_t *data, size_t len, int32_t arg, aw_call_result *out);
/* Between polls of a call driven to completion on one thread: poll again at
 * once at first, then yield, then sleep, so a start hook that waits on a
 * request does not burn the spawner's CPU. */
void aw_poll_backoff(unsigned n);

/* Turn a Wasmtime trap or error from `func` into an aw_err plus a detail
 * naming the component, the function, the trap kind and the wasm backtrace.
 * Takes ownership of trap and error. */
aw_err aw_engine_decode_failure(const char *component, const char *actor, const char *func,
                                wasm_trap_t *trap, wasmtime_error_t *error, char **detail);
/* Marker an epoch callback puts in its error so it decodes as AW_EDEADLINE. */
#define AW_DEADLINE_TAG "airssys: CPU deadline exceeded"
#define AW_EXIT_TAG "airssys: guest called exit"

/* ---- host functions for core-module guests -------------------------------
 * Every function a guest may import is described once here: the linker is
 * built from these descriptors and the ABI check reads the same list, so
 * what `inspect` says is provided is exactly what links. Define them before
 * compiling any component. */
typedef struct aw_host_func {
    const char *module, *name;
    const char *params, *results;  /* one char per value: i=i32 I=i64 f=f32 F=f64 */
    wasmtime_func_callback_t cb;
    wasmtime_func_async_callback_t acb;  /* instead of cb, for calls that wait */
    void *data;                          /* passed as `env` to the callback */
} aw_host_func;

aw_err aw_engine_define(aw_engine *e, const aw_host_func *fns, size_t n);
const aw_host_func *aw_engine_find_host(const aw_engine *e, const char *module, size_t mlen,
                                        const char *name, size_t nlen);
bool aw_engine_has_host_module(const aw_engine *e, const char *module, size_t mlen);

/* Helpers for host-function callbacks. */
aw_guest *aw_caller_guest(wasmtime_caller_t *caller);
/* Guest range [ptr, ptr+len) as a host pointer, or NULL with *trap set to a
 * trap naming `fn` when the range is outside linear memory. */
uint8_t *aw_guest_mem(aw_guest *g, const char *fn, uint32_t ptr, uint32_t len, wasm_trap_t **trap);
void aw_guest_log(aw_guest *g, aw_log_level level, const char *msg, size_t len);
void *aw_guest_owner(aw_guest *g);
/* The guest's receive loop (airssys.next): close the message in flight with
 * `status` into *out, then, when `data` fits the inbox, make it the message
 * in flight (fresh reply, fresh CPU deadline) and return true. */
void aw_guest_end_message(aw_guest *g, int32_t status, aw_call_result *out);
bool aw_guest_inbox_fits(aw_guest *g, size_t len);
/* True while the guest runs its message handler (aw_handle). */
bool aw_guest_in_handler(aw_guest *g);
/* A host call of the guest is waiting (parked): the call uses no CPU until
 * aw_guest_resume, which also forgives the slice that elapsed meanwhile. */
void aw_guest_park(aw_guest *g);
void aw_guest_resume(aw_guest *g);
void aw_guest_next_message(aw_guest *g, const uint8_t *data, size_t len);

/* ---- host functions for WIT components ------------------------------------
 * The same idea for the Component Model: each function of our WIT package
 * is described once, with its type as wit_types.c renders it, so the world
 * check at load compares a component's imports against exactly what links.
 * Callbacks find their actor through the store's data (the aw_guest). */
typedef struct aw_wit_func {
    const char *iface;  /* "airssys:component/messaging@0.1.0" */
    const char *name;   /* "send" */
    const char *type;   /* "func(to: string, ...) -> ..." */
    wasmtime_component_func_callback_t cb;
    wasmtime_component_func_async_callback_t acb;  /* instead of cb, for calls that wait */
    void *data;                                    /* passed as `env` to the callback */
} aw_wit_func;

aw_err aw_engine_define_wit(aw_engine *e, const aw_wit_func *fns, size_t n);
const aw_wit_func *aw_engine_wit_funcs(const aw_engine *e, size_t *n);
const wasmtime_component_linker_t *aw_engine_wit_linker(const aw_engine *e, bool wasi);
/* The guest of a WIT host callback (the store's data). */
aw_guest *aw_wit_guest_of(wasmtime_context_t *cx);

/* WIT component guests (wit_guest.c). */
extern const aw_guest_class aw_wit_guest_class;
aw_err aw_wit_compile(aw_engine *e, aw_component *c, const uint8_t *bytes, size_t len);
/* The world check: the number of problems, listed in *why (malloc'd, one
 * "\n  - ..." per problem); *wasi_needed when it imports WASI preview 2. */
int aw_wit_check(aw_engine *e, wasmtime_component_t *comp, bool wasi, char **why,
                 bool *wasi_needed);

/* Core-module guests (core_guest.c, core_abi.c). */
extern const aw_guest_class aw_core_guest_class;
aw_err aw_core_compile(aw_engine *e, aw_component *c, const uint8_t *bytes, size_t len);
aw_err aw_core_define_abi(aw_engine *e);
/* ABI conformance of a compiled module; appends problems (one per line) to
 * `problems` when not NULL. Returns the ABI version found or -1. */
/* `wasi`: imports of wasi_snapshot_preview1 are left to the WASI linker. */
int aw_core_check_abi(const aw_engine *e, wasmtime_module_t *m, bool wasi, char **problems,
                      bool *conforms);

/* Flatten a Wasmtime error chain to one line ("a: b: c"); frees `err`. */
char *aw_core_error_text(wasmtime_error_t *err);
char *aw_error_text(const wasmtime_error_t *err);  /* same, keeps `err` */

aw_err aw_engine_inspect(aw_engine *e, const uint8_t *bytes, size_t len, aw_inspect *r);

/* Build a readable type string for an extern type (for errors and inspect). */
char *aw_externtype_str(const wasm_externtype_t *t);

#endif
