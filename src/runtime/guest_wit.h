/* guest_wit.h - what the WIT host-function files share (guest_wit.c,
 * guest_wit_io.c): value helpers that build results with Wasmtime's own
 * allocator, and parking a guest on a pending answer. Private. */
#ifndef AW_GUEST_WIT_H
#define AW_GUEST_WIT_H

#include "guest.h"

/* A string argument copied into buf as a C string: 1..cap-1 bytes, no NUL. */
bool aw__wit_name(const wasmtime_component_val_t *v, char *buf, size_t cap);
wasmtime_component_val_t aw__wit_string(const char *s, size_t n);
wasmtime_component_val_t aw__wit_bytes(const uint8_t *b, size_t n);
/* ok(payload) (payload NULL: ok(())); payload's contents move into res. */
void aw__wit_ok(wasmtime_component_val_t *res, wasmtime_component_val_t *payload);
/* err(error { code, detail }) for an AW_G_* code; detail NULL: the code's name. */
void aw__wit_err(wasmtime_component_val_t *res, int32_t code, const char *detail);

typedef struct wit_wait wit_wait;
struct wit_wait {
    aw_pending *p;
    aw_actor *self;
    aw_guest *g;
    wasmtime_component_val_t *res;
    void (*done)(wit_wait *w, aw_call_result *r);  /* fills res from the answer */
};
/* Park the calling guest on `p` (its reference moves here) until it
 * completes or `timeout_ms` passes (0: no timer of ours). */
void aw__wit_park(aw_actor *self, aw_guest *g, aw_pending *p, uint32_t timeout_ms,
                  wasmtime_component_val_t *res, void (*done)(wit_wait *, aw_call_result *),
                  wasmtime_async_continuation_t *k);

/* The trap for a call whose values do not have the types of our WIT (the
 * world check at load makes it unreachable for a component that passed). */
wasmtime_error_t *aw__wit_bad_args(const char *fn);
/* Make an async host call complete at once (its result already set). */
void aw__wit_finish_now(wasmtime_async_continuation_t *k);

#define AW_WIT_IFACE(n) "airssys:component/" n "@0.1.0"
/* types.error as wit_types.c renders it, for the functions' type strings */
#define AW_WIT_T_ERROR                                                                      \
    "record { code: enum { invalid, too-big, again, no-such-actor, mailbox-full, stopped, " \
    "timed-out, guest-error, crashed, deadlock, no-memory, denied, rate-limited, io }, "    \
    "detail: string }"

int32_t aw__file_authorize(aw_actor *self, const char *op, aw_cap_kind kind, bool must_exist,
                           const char *raw, size_t n, char *canon);

int32_t aw__file_code(aw_err e);

aw_err aw__guest_wit_io_define(aw_runtime *rt);

#endif
