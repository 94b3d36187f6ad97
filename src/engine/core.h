/* core.h - private to the core-module guest adapter (core_abi.c, core_guest.c). */
#ifndef AW_CORE_H
#define AW_CORE_H

#include "engine.h"

/* Export positions, found once per module so that each spawn looks its
 * exports up by index rather than by name. -1 = not exported. */
enum { EX_MEMORY, EX_ALLOC, EX_HANDLE, EX_INIT, EX_START, EX_STOP, EX_CTOR, EX_INBOX, EX_COUNT };

typedef struct core_impl {
    wasmtime_module_t *module;
    wasmtime_instance_pre_t *pre;
    int export_index[EX_COUNT];
    bool needs_async;  /* imports a host function that may suspend (request) */
} core_impl;

enum core_step { STEP_NONE, STEP_CTOR, STEP_INBOX, STEP_ALLOC, STEP_INIT, STEP_HANDLE, STEP_START,
                 STEP_STOP, STEP_DONE, STEP_FAILED };

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
    bool has_init, has_start, has_stop, has_ctor, has_inbox, torn;
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


/* The guest's linear memory (looked up on first use). */
const wasmtime_memory_t *aw_core_mem(aw_guest *g);

#endif
