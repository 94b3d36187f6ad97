/* guest_wit.c - host functions for WIT component guests: the interfaces
 * messaging, logging, clock and random of airssys:component@0.1.0 (files
 * and http are in guest_wit_io.c).
 *
 * They do what the core ABI's functions in guest_api.c do, through the same
 * security layer (grants, size limit, rate bucket) and the same delivery
 * paths; only the values differ: arguments arrive lifted by Wasmtime, and
 * results must be built with Wasmtime's allocating constructors, because
 * Wasmtime frees them after the callback. A failure the guest can handle is
 * `err(error { code, detail })`, with the codes of the core ABI in the same
 * order. `request` is async: the actor parks until the reply, a timeout or
 * the target's crash, exactly as for a core guest. */
#include "guest_wit.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define DEFAULT_REQUEST_TIMEOUT_MS 30000u

/* ---- values ---------------------------------------------------------------- */

static aw_actor *wit_self(wasmtime_context_t *cx, aw_guest **g)
{
    *g = aw_wit_guest_of(cx);
    return aw_guest_owner(*g);
}

/* A string argument as a C string (NUL-free, 1..255 bytes) in buf. */
bool aw__wit_name(const wasmtime_component_val_t *v, char *buf, size_t cap)
{
    if (v->kind != WASMTIME_COMPONENT_STRING) return false;
    size_t n = v->of.string.size;
    if (n == 0 || n >= cap || memchr(v->of.string.data, 0, n)) return false;
    memcpy(buf, v->of.string.data, n);
    buf[n] = 0;
    return true;
}

wasmtime_component_val_t aw__wit_string(const char *s, size_t n)
{
    wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_STRING};
    wasm_name_new(&v.of.string, n, s);
    return v;
}

/* A list<u8> built by Wasmtime's allocator (it frees results). */
wasmtime_component_val_t aw__wit_bytes(const uint8_t *b, size_t n)
{
    wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_LIST};
    wasmtime_component_vallist_new_uninit(&v.of.list, n);
    for (size_t i = 0; i < n; i++) {
        v.of.list.data[i].kind = WASMTIME_COMPONENT_U8;
        v.of.list.data[i].of.u8 = b[i];
    }
    return v;
}

void aw__wit_ok(wasmtime_component_val_t *res, wasmtime_component_val_t *payload)
{
    res->kind = WASMTIME_COMPONENT_RESULT;
    res->of.result.is_ok = true;
    res->of.result.val = payload ? wasmtime_component_val_new(payload) : NULL;
}

static const char *const code_names[] = {
    "invalid", "too-big", "again", "no-such-actor", "mailbox-full", "stopped", "timed-out",
    "guest-error", "crashed", "deadlock", "no-memory", "denied", "rate-limited", "io",
};

/* err(error { code, detail }) for an AW_G_* code. */
void aw__wit_err(wasmtime_component_val_t *res, int32_t code, const char *detail)
{
    size_t k = code < 0 && (size_t)-code <= sizeof code_names / sizeof *code_names ? (size_t)-code - 1 : 0;
    if (!detail)  /* the security layer's refusals say which rule said no */
        detail = code == G_EDENIED   ? "not covered by the component's grants (see the audit trail)"
                 : code == G_ERATE   ? "over the component's message rate"
                 : code == G_ETOOBIG ? "over the component's message size limit"
                                     : NULL;
    wasmtime_component_val_t rec = {.kind = WASMTIME_COMPONENT_RECORD};
    wasmtime_component_valrecord_new_uninit(&rec.of.record, 2);
    wasm_name_new(&rec.of.record.data[0].name, 4, "code");
    rec.of.record.data[0].val.kind = WASMTIME_COMPONENT_ENUM;
    wasm_name_new(&rec.of.record.data[0].val.of.enumeration, strlen(code_names[k]), code_names[k]);
    wasm_name_new(&rec.of.record.data[1].name, 6, "detail");
    if (!detail) detail = code_names[k];
    rec.of.record.data[1].val = aw__wit_string(detail, strlen(detail));
    res->kind = WASMTIME_COMPONENT_RESULT;
    res->of.result.is_ok = false;
    res->of.result.val = wasmtime_component_val_new(&rec);
}

/* ok(()) or err for a code (0 = ok). */
static wasmtime_error_t *ret_code(wasmtime_component_val_t *res, int32_t code, const char *detail)
{
    if (code) aw__wit_err(res, code, detail);
    else aw__wit_ok(res, NULL);
    return NULL;
}


wasmtime_error_t *aw__wit_bad_args(const char *fn)
{
    char msg[160];
    snprintf(msg, sizeof msg, "airssys: %s called with arguments of the wrong types", fn);
    return wasmtime_error_new(msg);
}

/* ---- messaging ------------------------------------------------------------ */

/* The (to, payload) of send, request and publish, checked by the security
 * layer. 0, or the code to return. */
static int32_t target_and_payload(aw_actor *self, aw_cap_kind op, const wasmtime_component_val_t *args,
                                  char *name, const wasmtime_component_vallist_t **payload)
{
    if (!aw__wit_name(&args[0], name, 256)) return G_EINVAL;
    if (args[1].kind != WASMTIME_COMPONENT_LIST) return G_EINVAL;
    *payload = &args[1].of.list;
    if ((*payload)->size > UINT32_MAX) return G_ETOOBIG;
    return aw__sec_check(self, op, name, (uint32_t)(*payload)->size);
}

/* A message whose data is the bytes of a list<u8> value, copied once. */
static aw_msg *msg_of(const wasmtime_component_vallist_t *l)
{
    aw_msg *m = aw_msg_new(AW_MSG_USER, NULL, l->size);
    for (size_t i = 0; m && i < l->size; i++) m->data[i] = l->data[i].of.u8;
    return m;
}

static wasmtime_error_t *w_send(void *env, wasmtime_context_t *cx,
                                const wasmtime_component_func_type_t *ty,
                                wasmtime_component_val_t *args, size_t nargs,
                                wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 2 || nres != 1) return aw__wit_bad_args("messaging.send");
    aw_guest *g;
    aw_actor *self = wit_self(cx, &g);
    char to[256];
    const wasmtime_component_vallist_t *payload;
    int32_t code = target_and_payload(self, AW_CAP_SEND, args, to, &payload);
    if (code) return ret_code(res, code, NULL);
    aw_msg *m = msg_of(payload);
    if (!m) return ret_code(res, G_ENOMEM, NULL);
    aw_err e = aw__deliver(self->rt, to, m);
    if (e) aw_msg_free(m);
    return ret_code(res, aw__guest_code(e), e ? aw_last_error() : NULL);
}


static bool wait_poll(void *env)
{
    wit_wait *w = env;
    if (atomic_load(&w->p->state) != AW_PENDING_DONE) return false;
    aw_actor *self = w->self;
    if (self->awaiting == w->p) self->awaiting = NULL;
    aw_guest_resume(w->g);
    aw_timers_cancel(&self->rt->timers, w->p->timer);
    w->done(w, &w->p->res);
    return true;
}

static void wait_free(void *env)
{
    wit_wait *w = env;
    aw_pending_unref(w->p);
    free(w);
}

static bool done_now(void *env) { AW_UNUSED(env); return true; }

void aw__wit_finish_now(wasmtime_async_continuation_t *k)
{
    k->callback = done_now;
    k->env = NULL;
    k->finalizer = NULL;
}

/* Park the calling guest on `p` until it completes; `done` fills the result. */
void aw__wit_park(aw_actor *self, aw_guest *g, aw_pending *p, uint32_t timeout_ms,
                  wasmtime_component_val_t *res, void (*done)(wit_wait *, aw_call_result *),
                  wasmtime_async_continuation_t *k)
{
    wit_wait *w = malloc(sizeof *w);
    if (!w) {  /* the pending's owner still completes it; we just do not wait */
        aw_pending_unref(p);
        aw__wit_err(res, G_ENOMEM, NULL);
        aw__wit_finish_now(k);
        return;
    }
    if (timeout_ms) aw__pending_timeout(self->rt, p, timeout_ms);
    *w = (wit_wait){p, self, g, res, done};
    self->awaiting = p;
    aw_guest_park(g);
    k->callback = wait_poll;
    k->env = w;
    k->finalizer = wait_free;
}

static void request_done(wit_wait *w, aw_call_result *r)
{
    if (!r->err) {
        wasmtime_component_val_t v = aw__wit_bytes(r->reply, r->reply_len);
        aw__wit_ok(w->res, &v);
        return;
    }
    /* A failed request carries text: the guest's error or the crash. */
    char *text = r->detail ? r->detail : r->reply ? aw__strfmt("%.*s", (int)r->reply_len, r->reply) : NULL;
    if (r->err == AW_EGUEST && r->reply)  /* the target's own error text first */
        text = aw__strfmt("%.*s", (int)r->reply_len, r->reply);
    aw__wit_err(w->res, aw__guest_code(r->err), text);
    if (text != r->detail) free(text);
}

static void w_request(void *env, wasmtime_context_t *cx, const wasmtime_component_func_type_t *ty,
                      wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *res,
                      size_t nres, wasmtime_error_t **error_ret, wasmtime_async_continuation_t *k)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    aw__wit_finish_now(k);  /* every early return completes at once */
    if (nargs != 3 || nres != 1 || args[2].kind != WASMTIME_COMPONENT_U32) {
        *error_ret = aw__wit_bad_args("messaging.request");
        return;
    }
    aw_guest *g;
    aw_actor *self = wit_self(cx, &g);
    char to[256];
    const wasmtime_component_vallist_t *payload;
    int32_t code = target_and_payload(self, AW_CAP_SEND, args, to, &payload);
    if (!code && !strcmp(to, self->name)) code = G_EDEADLK;
    if (code) { ret_code(res, code, code == G_EDEADLK ? "a request to itself would never be answered" : NULL); return; }
    aw_msg *m = msg_of(payload);
    aw_pending *p = m ? aw_pending_new(self) : NULL;
    if (!p) { aw_msg_free(m); ret_code(res, G_ENOMEM, NULL); return; }
    m->req = p;
    aw_err e = aw__deliver(self->rt, to, m);
    if (e) {
        ret_code(res, aw__guest_code(e), aw_last_error());
        aw_pending_unref(p);
        aw_pending_unref(p);
        aw_msg_free(m);
        return;
    }
    uint32_t timeout = args[2].of.u32 ? args[2].of.u32 : DEFAULT_REQUEST_TIMEOUT_MS;
    aw__wit_park(self, g, p, timeout, res, request_done, k);
}

static wasmtime_error_t *w_publish(void *env, wasmtime_context_t *cx,
                                   const wasmtime_component_func_type_t *ty,
                                   wasmtime_component_val_t *args, size_t nargs,
                                   wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 2 || nres != 1) return aw__wit_bad_args("messaging.publish");
    aw_guest *g;
    aw_actor *self = wit_self(cx, &g);
    char topic[256];
    const wasmtime_component_vallist_t *payload;
    int32_t code = target_and_payload(self, AW_CAP_PUBLISH, args, topic, &payload);
    if (code) return ret_code(res, code, NULL);
    uint8_t *tmp = payload->size ? malloc(payload->size) : NULL;
    if (payload->size && !tmp) return ret_code(res, G_ENOMEM, NULL);
    for (size_t i = 0; i < payload->size; i++) tmp[i] = payload->data[i].of.u8;
    aw_publish_result r;
    aw_err e = aw__publish(self->rt, topic, strlen(topic), tmp, payload->size, &r);
    free(tmp);
    if (e == AW_EINVAL || e == AW_ETOOBIG) return ret_code(res, aw__guest_code(e), aw_last_error());
    if (e) aw__runtime_log(self->rt, AW_LOG_WARN, self->name, "%s", aw_last_error());
    wasmtime_component_val_t n = {.kind = WASMTIME_COMPONENT_U32, .of.u32 = (uint32_t)r.delivered};
    aw__wit_ok(res, &n);
    return NULL;
}

static wasmtime_error_t *sub_common(wasmtime_context_t *cx, wasmtime_component_val_t *args,
                                    size_t nargs, wasmtime_component_val_t *res, size_t nres, bool on)
{
    if (nargs != 1 || nres != 1) return aw__wit_bad_args(on ? "messaging.subscribe" : "messaging.unsubscribe");
    aw_guest *g;
    aw_actor *self = wit_self(cx, &g);
    char pat[256];
    if (!aw__wit_name(&args[0], pat, sizeof pat)) return ret_code(res, G_EINVAL, "bad pattern");
    if (on && !aw_grants_allow(self->comp ? self->comp->grants : NULL, AW_CAP_SUBSCRIBE, pat))
        return ret_code(res, aw__sec_deny(self, AW_CAP_SUBSCRIBE, pat,
                                          "no messaging subscribe grant covers it"),
                        "no messaging subscribe grant covers it");
    aw_err e = on ? aw_pubsub_subscribe(&self->rt->pubsub, self, pat, strlen(pat))
                  : aw_pubsub_unsubscribe(&self->rt->pubsub, self, pat, strlen(pat));
    return ret_code(res, aw__guest_code(e), e ? aw_last_error() : NULL);
}

static wasmtime_error_t *w_subscribe(void *env, wasmtime_context_t *cx,
                                     const wasmtime_component_func_type_t *ty,
                                     wasmtime_component_val_t *args, size_t nargs,
                                     wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    return sub_common(cx, args, nargs, res, nres, true);
}

static wasmtime_error_t *w_unsubscribe(void *env, wasmtime_context_t *cx,
                                       const wasmtime_component_func_type_t *ty,
                                       wasmtime_component_val_t *args, size_t nargs,
                                       wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    return sub_common(cx, args, nargs, res, nres, false);
}

static wasmtime_error_t *w_self_name(void *env, wasmtime_context_t *cx,
                                     const wasmtime_component_func_type_t *ty,
                                     wasmtime_component_val_t *args, size_t nargs,
                                     wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty); AW_UNUSED(args);
    if (nargs || nres != 1) return aw__wit_bad_args("messaging.self-name");
    aw_guest *g;
    aw_actor *self = wit_self(cx, &g);
    res[0] = aw__wit_string(self->name, strlen(self->name));
    return NULL;
}

static wasmtime_error_t *w_exit(void *env, wasmtime_context_t *cx,
                                const wasmtime_component_func_type_t *ty,
                                wasmtime_component_val_t *args, size_t nargs,
                                wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty); AW_UNUSED(res); AW_UNUSED(nres);
    if (nargs != 1 || args[0].kind != WASMTIME_COMPONENT_S32) return aw__wit_bad_args("messaging.exit");
    aw_guest *g;
    aw_actor *self = wit_self(cx, &g);
    self->exit_asked = true;
    self->exit_status = args[0].of.s32;
    char msg[96];
    snprintf(msg, sizeof msg, AW_EXIT_TAG "(%d)", args[0].of.s32);
    return wasmtime_error_new(msg);
}

/* ---- logging, clock, random ------------------------------------------------ */

static wasmtime_error_t *w_log(void *env, wasmtime_context_t *cx,
                               const wasmtime_component_func_type_t *ty,
                               wasmtime_component_val_t *args, size_t nargs,
                               wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty); AW_UNUSED(res); AW_UNUSED(nres);
    static const char *const levels[] = {"trace", "debug", "info", "warn", "error"};
    if (nargs != 2 || args[0].kind != WASMTIME_COMPONENT_ENUM ||
        args[1].kind != WASMTIME_COMPONENT_STRING)
        return aw__wit_bad_args("logging.log");
    aw_log_level lv = AW_LOG_INFO;
    for (int i = 0; i < 5; i++)
        if (args[0].of.enumeration.size == strlen(levels[i]) &&
            !memcmp(args[0].of.enumeration.data, levels[i], strlen(levels[i])))
            lv = (aw_log_level)i;
    aw_guest_log(aw_wit_guest_of(cx), lv, args[1].of.string.data, args[1].of.string.size);
    return NULL;
}

/* clock.now and clock.monotonic: which clock is the function's data. */
static wasmtime_error_t *w_clock(void *env, wasmtime_context_t *cx,
                                 const wasmtime_component_func_type_t *ty,
                                 wasmtime_component_val_t *args, size_t nargs,
                                 wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(cx); AW_UNUSED(ty); AW_UNUSED(args); AW_UNUSED(nargs);
    if (nres != 1) return aw__wit_bad_args("clock");
    struct timespec ts;
    clock_gettime(env ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
    res[0] = (wasmtime_component_val_t){
        .kind = WASMTIME_COMPONENT_U64,
        .of.u64 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec};
    return NULL;
}

static wasmtime_error_t *w_random(void *env, wasmtime_context_t *cx,
                                  const wasmtime_component_func_type_t *ty,
                                  wasmtime_component_val_t *args, size_t nargs,
                                  wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(cx); AW_UNUSED(ty);
    if (nargs != 1 || nres != 1 || args[0].kind != WASMTIME_COMPONENT_U32) return aw__wit_bad_args("random.bytes");
    uint32_t n = args[0].of.u32 > 65536 ? 65536 : args[0].of.u32;
    uint8_t buf[65536];
    for (size_t got = 0; got < n;) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r <= 0) return wasmtime_error_new("airssys: the system's random generator failed");
        got += (size_t)r;
    }
    res[0] = aw__wit_bytes(buf, n);
    return NULL;
}

/* ---- the table --------------------------------------------------------------- */


aw_err aw__guest_wit_define(aw_runtime *rt)
{
    static const aw_wit_func fns[] = {
        {AW_WIT_IFACE("messaging"), "send", "func(to: string, payload: list<u8>) -> result<_, " AW_WIT_T_ERROR ">", w_send, NULL},
        {AW_WIT_IFACE("messaging"), "request", "func(to: string, payload: list<u8>, timeout-ms: u32) -> result<list<u8>, " AW_WIT_T_ERROR ">", NULL, w_request},
        {AW_WIT_IFACE("messaging"), "publish", "func(topic: string, payload: list<u8>) -> result<u32, " AW_WIT_T_ERROR ">", w_publish, NULL},
        {AW_WIT_IFACE("messaging"), "subscribe", "func(pattern: string) -> result<_, " AW_WIT_T_ERROR ">", w_subscribe, NULL},
        {AW_WIT_IFACE("messaging"), "unsubscribe", "func(pattern: string) -> result<_, " AW_WIT_T_ERROR ">", w_unsubscribe, NULL},
        {AW_WIT_IFACE("messaging"), "self-name", "func() -> string", w_self_name, NULL},
        {AW_WIT_IFACE("messaging"), "exit", "func(status: s32)", w_exit, NULL},
        {AW_WIT_IFACE("logging"), "log", "func(level: enum { trace, debug, info, warn, error }, message: string)", w_log, NULL},
        {AW_WIT_IFACE("clock"), "now", "func() -> u64", w_clock, NULL, NULL},
        {AW_WIT_IFACE("clock"), "monotonic", "func() -> u64", w_clock, NULL, (void *)1},
        {AW_WIT_IFACE("random"), "bytes", "func(len: u32) -> list<u8>", w_random, NULL},
    };
    aw_err rc = aw_engine_define_wit(rt->engine, fns, sizeof fns / sizeof *fns);
    return rc ? rc : aw__guest_wit_io_define(rt);
}
