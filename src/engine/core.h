/* core.h - private to the guest adapters: the core-module one (core_abi.c,
 * core_guest.c) and the WIT one (wit_guest.c), whose guest embeds this
 * struct aw_guest as its first member and shares its time-slice, deadline
 * and WASI helpers. */
#ifndef AW_CORE_H
#define AW_CORE_H

#include "engine.h"

/* Export positions, found once per module so that each spawn looks its
 * exports up by index rather than by name. -1 = not exported. */
enum { EX_MEMORY, EX_ALLOC, EX_HANDLE, EX_INIT, EX_START, EX_STOP, EX_CTOR, EX_INBOX, EX_SNAPSHOT,
       EX_RESTORE, EX_COUNT };

typedef struct core_impl {
    wasmtime_module_t *module;
    wasmtime_instance_pre_t *pre;
    int export_index[EX_COUNT];
    bool needs_async;  /* imports a host function that may suspend (request) */
} core_impl;

enum core_step { STEP_NONE, STEP_CTOR, STEP_INBOX, STEP_ALLOC, STEP_INIT, STEP_HANDLE, STEP_START,
                 STEP_STOP, STEP_SNAPSHOT, STEP_RESTORE, STEP_DONE, STEP_FAILED };

struct aw_guest {
    aw_component *comp;
    aw_guest_env env;
    wasmtime_store_t *store;
    wasmtime_context_t *cx;
    wasmtime_instance_t inst;
    wasmtime_memory_t mem;
    /* Exported functions, looked up on first use: each lookup costs a few
     * hundred ns in Wasmtime, and a spawn needs only three of them. */
    wasmtime_func_t funcs[EX_COUNT];
    unsigned looked_up;      /* bit per EX_* */
    bool has_init, has_start, has_stop, has_ctor, has_inbox, has_snapshot, has_restore, torn;
    uint32_t inbox_ptr, inbox_cap;  /* the guest's reusable message buffer, if any */
    bool inbox_known;               /* aw_inbox has been asked (first message) */
    bool sync;               /* this call runs to completion without yielding */
    bool routed;             /* the last message was closed by airssys.next */
    bool resumed;            /* back from a wait: the next epoch check is free */

    /* the call in flight; everything a future points at lives here */
    aw_call_kind kind;
    enum core_step step;
    const uint8_t *data;
    size_t len;
    uint32_t guest_ptr;
    int32_t arg;
    wasmtime_call_future_t *fut;
    wasmtime_val_t args[2], res[1];
    wasm_trap_t *trap;
    wasmtime_error_t *err;
    int64_t slices_left;     /* -1 = no deadline */
    bool counted_active;

    /* set by the airssys.reply host function */
    uint8_t *reply;
    size_t reply_len;
    bool replied;
};


/* Shared by both adapters. The epoch callback yields a call every time
 * slice and fails it once the CPU deadline is spent; set_active counts the
 * guest for the epoch ticker; set_wasi gives the store a WASI context with
 * only the preopens the component's file grants cover. */
wasmtime_error_t *aw__guest_on_epoch(wasmtime_context_t *cx, void *data, uint64_t *delta,
                                     wasmtime_update_deadline_kind_t *kind);
void aw__guest_arm_deadline(aw_guest *g);
void aw__guest_set_active(aw_guest *g, bool on);
bool aw__guest_set_wasi(aw_guest *g);
/* A fresh store for g (its data is g): limits, at most `per_kind`
 * instances, tables and memories, epoch callback, fuel, deadline, WASI.
 * Takes a reference to c. False when WASI could not be set up. */
bool aw__guest_store_init(aw_guest *g, aw_component *c, const aw_guest_env *env, int64_t per_kind);

/* The start of a call, for both adapters: refused when the guest is torn,
 * busy or the data is over the message limit; then the call's arguments
 * are recorded, the old reply dropped and the CPU deadline armed. */
aw_err aw__guest_can_begin(aw_guest *g, size_t len);
void aw__guest_take_call(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len, int32_t arg);

/* AW_EFORMAT for bytes Wasmtime would not compile ("module"/"component"). */
aw_err aw__compile_failed(const char *name, const char *what, wasmtime_error_t *err);

/* The guest's linear memory (looked up on first use). */
const wasmtime_memory_t *aw_core_mem(aw_guest *g);

#endif
