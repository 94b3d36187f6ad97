/* guest.h - what the host-function files for core-module guests share
 * (guest_api.c, guest_files.c, guest_http.c): the codes a guest gets back
 * (the C SDK names them AW_G_*) and the small argument helpers. Private. */
#ifndef AW_GUEST_H
#define AW_GUEST_H

#include "runtime.h"

enum {
    G_EINVAL = -1, G_ETOOBIG = -2, G_EAGAIN = -3, G_ENOENT = -4, G_EFULL = -5, G_ESTOPPED = -6,
    G_ETIMEDOUT = -7, G_EGUEST = -8, G_ECRASHED = -9, G_EDEADLK = -10, G_ENOMEM = -11,
    G_EDENIED = -12, G_ERATE = -13, G_EIO = -14,
};

/* The code a guest gets for a runtime error. */
int32_t aw__guest_code(aw_err e);

/* The calling guest and the actor it runs as. */
static inline aw_actor *self_of(wasmtime_caller_t *caller, aw_guest **g)
{
    *g = aw_caller_guest(caller);
    return aw_guest_owner(*g);
}

static inline wasm_trap_t *ret_i32(wasmtime_val_t *res, int32_t v)
{
    res[0].kind = WASMTIME_I32;
    res[0].of.i32 = v;
    return NULL;
}

static inline uint32_t u32(const wasmtime_val_t *v) { return (uint32_t)v->of.i32; }

#endif
