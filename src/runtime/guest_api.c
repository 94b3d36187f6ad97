/* guest_api.c - messaging host functions for core-module guests (module
 * "airssys"): send, request, read_reply, publish, subscribe, unsubscribe,
 * now, self_name, topic.
 *
 * They live in the runtime layer because they act on actors; the engine only
 * sees their descriptors. Failures a guest can handle come back as negative
 * codes (the SDK names them AW_G_*); ranges outside guest memory are traps.
 * `request` is an async host function: it enqueues the message and returns a
 * continuation, so the guest's call suspends, the actor parks (its worker is
 * free), and the reply - or a timeout, or the target's crash - wakes it. */
#include "guest.h"

#include <stdio.h>
#include <string.h>
#include <time.h>


#define NAME_MAX_ 255
#define DEFAULT_REQUEST_TIMEOUT_MS 30000u

int32_t aw__guest_code(aw_err e)
{
    switch (e) {
    case AW_OK: return 0;
    case AW_ETOOBIG: return G_ETOOBIG;
    case AW_ENOENT: return G_ENOENT;
    case AW_EFULL: return G_EFULL;
    case AW_ESTOPPED: return G_ESTOPPED;
    case AW_ETIMEDOUT: return G_ETIMEDOUT;
    case AW_EGUEST: return G_EGUEST;
    case AW_ENOMEM: return G_ENOMEM;
    case AW_EDENIED: return G_EDENIED;
    case AW_EIO: return G_EIO;
    case AW_ETRAP: case AW_EDEADLINE: case AW_EABI: case AW_ELIMIT: case AW_EENGINE:
        return G_ECRASHED;
    default: return G_EINVAL;
    }
}

/* The messaging security layer, on every guest send, request and publish:
 * authorization against the sender's grants, the component's size limit,
 * then its actor's rate bucket. Each refusal is a code to the guest. */
int32_t aw__sec_deny(aw_actor *self, aw_cap_kind op, const char *target, const char *why)
{
    static const char *const ops[] = {"send", "publish", "subscribe"};
    const char *name = (unsigned)op < 3 ? ops[op] : "?";
    aw__runtime_log(self->rt, AW_LOG_WARN, self->name, "denied: %s to '%s': %s", name, target, why);
    aw__audit_actor(self, name, target, "denied", why);
    return G_EDENIED;
}

int32_t aw__sec_check(aw_actor *self, aw_cap_kind op, const char *target, uint32_t len)
{
    const aw_grants *gr = self->comp ? self->comp->grants : NULL;
    if (!aw_grants_allow(gr, op, target))
        return aw__sec_deny(self, op, target, op == AW_CAP_SEND ? "no messaging send grant matches it"
                                                              : "no messaging publish grant matches it");
    uint32_t cap = gr ? gr->max_message_bytes : self->rt->cfg.max_message_bytes;
    if (len > cap || len > self->rt->cfg.max_message_bytes) {
        aw__audit_actor(self, op == AW_CAP_SEND ? "send" : "publish", target, "denied",
                        "payload over the component's message size limit");
        return G_ETOOBIG;
    }
    /* A coarse clock (a few ms): plenty for a per-second rate, and a quarter
     * of the cost of the precise one. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (!aw_bucket_take(&self->bucket, gr, now)) {
        aw__audit_actor(self, op == AW_CAP_SEND ? "send" : "publish", target, "denied",
                        "over the sender's message rate");
        return G_ERATE;
    }
    return 0;
}


/* Copy a name out of guest memory into `buf` (NUL-terminated). */
static wasm_trap_t *read_name(aw_guest *g, const char *fn, uint32_t p, uint32_t n, char *buf,
                              bool *ok)
{
    wasm_trap_t *trap = NULL;
    *ok = false;
    if (n == 0 || n > NAME_MAX_) return NULL;
    const uint8_t *s = aw_guest_mem(g, fn, p, n, &trap);
    if (!s) return trap;
    memcpy(buf, s, n);
    buf[n] = 0;
    *ok = memchr(buf, 0, n) == NULL;
    return NULL;
}

/* The (name_ptr, name_len, msg_ptr, msg_len) arguments of send, request and
 * publish, read from the guest: the name copied, the size checked, the
 * message bounds-checked. Returns a trap for a range outside memory and
 * otherwise leaves 0 or an AW_G_* code in `code`. */
typedef struct named_msg {
    char name[NAME_MAX_ + 1];
    const uint8_t *msg;
    uint32_t len;
    int32_t code;
} named_msg;

static wasm_trap_t *name_and_msg(aw_guest *g, aw_actor *self, const char *fn, aw_cap_kind op,
                                 const wasmtime_val_t *args, named_msg *nm)
{
    bool ok;
    wasm_trap_t *trap = read_name(g, fn, u32(&args[0]), u32(&args[1]), nm->name, &ok);
    nm->code = trap ? 0 : !ok ? G_EINVAL : aw__sec_check(self, op, nm->name, u32(&args[3]));
    if (trap || nm->code) return trap;
    nm->len = u32(&args[3]);
    nm->msg = aw_guest_mem(g, fn, u32(&args[2]), nm->len, &trap);
    return trap;
}

/* send(to_ptr, to_len, msg_ptr, msg_len) -> 0 | AW_G_* */
static wasm_trap_t *g_send(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                           size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    named_msg nm;
    wasm_trap_t *trap = name_and_msg(g, self, "airssys.send", AW_CAP_SEND, args, &nm);
    if (trap || nm.code) return trap ? trap : ret_i32(res, nm.code);
    aw_msg *m = aw_msg_new(AW_MSG_USER, nm.msg, nm.len);
    if (!m) return ret_i32(res, G_ENOMEM);
    aw_err e = aw__deliver(self->rt, nm.name, m);
    if (e) aw_msg_free(m);
    return ret_i32(res, aw__guest_code(e));
}

/* ---- request: an async host function ------------------------------------ */

typedef struct req_wait {
    aw_pending *p;
    aw_actor *self;
    aw_guest *g;
    wasmtime_val_t *res;
} req_wait;

static bool done_now(void *env) { AW_UNUSED(env); return true; }

/* Polled by Wasmtime while the guest's request is outstanding. */
static bool req_poll(void *env)
{
    req_wait *w = env;
    if (atomic_load(&w->p->state) != AW_PENDING_DONE) return false;
    aw_call_result *r = &w->p->res;
    aw_actor *self = w->self;
    if (self->awaiting == w->p) self->awaiting = NULL;  /* done before it parked */
    aw_guest_resume(w->g);
    aw_timers_cancel(&self->rt->timers, w->p->timer);
    /* A failed request still carries text: the guest's error or the crash. */
    if (r->err && r->err != AW_EGUEST && !r->reply && r->detail) {
        r->reply = (uint8_t *)r->detail;
        r->reply_len = strlen(r->detail);
        r->detail = NULL;
    }
    self->reply_in = r->reply;
    self->reply_in_len = r->reply_len;
    r->reply = NULL;
    int32_t code = r->err ? aw__guest_code(r->err) : (int32_t)(self->reply_in_len > INT32_MAX ? G_ETOOBIG : (int32_t)self->reply_in_len);
    ret_i32(w->res, code);
    return true;
}

static void req_free(void *env)
{
    req_wait *w = env;
    aw_pending_unref(w->p);
    free(w);
}

static void finish_now(wasmtime_val_t *res, wasmtime_async_continuation_t *k, int32_t code)
{
    ret_i32(res, code);
    k->callback = done_now;
    k->env = NULL;
    k->finalizer = NULL;
}

/* request(to_ptr, to_len, msg_ptr, msg_len, timeout_ms) -> reply length | AW_G_* */
static void g_request(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                      size_t nargs, wasmtime_val_t *res, size_t nres, wasm_trap_t **trap_ret,
                      wasmtime_async_continuation_t *k)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    named_msg nm;
    finish_now(res, k, 0);  /* every early return completes at once */
    free(self->reply_in);   /* read_reply must never see an older request's reply */
    self->reply_in = NULL;
    self->reply_in_len = 0;
    wasm_trap_t *trap = name_and_msg(g, self, "airssys.request", AW_CAP_SEND, args, &nm);
    if (trap) { *trap_ret = trap; return; }
    if (nm.code) { ret_i32(res, nm.code); return; }
    if (!strcmp(nm.name, self->name)) { ret_i32(res, G_EDEADLK); return; }
    aw_msg *m = aw_msg_new(AW_MSG_USER, nm.msg, nm.len);
    aw_pending *p = m ? aw_pending_new(self) : NULL;
    req_wait *w = p ? malloc(sizeof *w) : NULL;
    if (!w) {
        if (p) { aw_pending_unref(p); aw_pending_unref(p); }
        aw_msg_free(m);
        ret_i32(res, G_ENOMEM);
        return;
    }
    m->req = p;
    aw_err e = aw__deliver(self->rt, nm.name, m);
    if (e) {
        aw_pending_unref(p);
        aw_pending_unref(p);
        aw_msg_free(m);
        free(w);
        ret_i32(res, aw__guest_code(e));
        return;
    }
    uint32_t timeout = u32(&args[4]) ? u32(&args[4]) : DEFAULT_REQUEST_TIMEOUT_MS;
    aw__pending_timeout(self->rt, p, timeout);
    *w = (req_wait){p, self, g, res};
    self->awaiting = p;
    aw_guest_park(g);  /* no CPU time, no epoch ticks, until the answer */
    k->callback = req_poll;
    k->env = w;
    k->finalizer = req_free;
}

/* http(req_ptr, req_len, timeout_ms) -> response length (read it with
 * read_reply: "STATUS\n" then the body) | AW_G_*: see guest_http.c */
static void g_http(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                   wasmtime_val_t *res, size_t nres, wasm_trap_t **trap_ret,
                   wasmtime_async_continuation_t *k)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    finish_now(res, k, 0);
    free(self->reply_in);
    self->reply_in = NULL;
    self->reply_in_len = 0;
    wasm_trap_t *trap = NULL;
    const uint8_t *req = aw_guest_mem(g, "airssys.http", u32(&args[0]), u32(&args[1]), &trap);
    if (!req) { *trap_ret = trap; return; }
    aw_pending *p = aw_pending_new(self);
    req_wait *w = p ? malloc(sizeof *w) : NULL;
    if (!w) {
        if (p) { aw_pending_unref(p); aw_pending_unref(p); }
        ret_i32(res, G_ENOMEM);
        return;
    }
    int32_t code = 0;
    aw__http_start(self, p, req, u32(&args[1]), u32(&args[2]), &code);
    aw_pending_unref(p);  /* the message's reference: there is no message */
    if (code) {
        aw_pending_unref(p);
        free(w);
        ret_i32(res, code);
        return;
    }
    *w = (req_wait){p, self, g, res};
    self->awaiting = p;
    aw_guest_park(g);
    k->callback = req_poll;
    k->env = w;
    k->finalizer = req_free;
}

/* read_reply(ptr, cap) -> the reply's full length (copies up to cap bytes)
 * | AW_G_ENOENT when the last request left no reply or text */
static wasm_trap_t *g_read_reply(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                 size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    if (!self->reply_in) return ret_i32(res, G_ENOENT);
    uint32_t n = u32(&args[1]);
    if (n > self->reply_in_len) n = (uint32_t)self->reply_in_len;
    wasm_trap_t *trap = NULL;
    uint8_t *dst = aw_guest_mem(g, "airssys.read_reply", u32(&args[0]), n, &trap);
    if (!dst) return trap;
    memcpy(dst, self->reply_in, n);
    return ret_i32(res, (int32_t)self->reply_in_len);
}

/* publish(topic_ptr, topic_len, msg_ptr, msg_len) -> subscribers reached | AW_G_* */
static wasm_trap_t *g_publish(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                              size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    named_msg nm;
    wasm_trap_t *trap = name_and_msg(g, self, "airssys.publish", AW_CAP_PUBLISH, args, &nm);
    if (trap || nm.code) return trap ? trap : ret_i32(res, nm.code);
    aw_publish_result r;
    aw_err e = aw__publish(self->rt, nm.name, strlen(nm.name), nm.msg, nm.len, &r);
    if (e == AW_EINVAL || e == AW_ETOOBIG) return ret_i32(res, aw__guest_code(e));
    if (e) aw__runtime_log(self->rt, AW_LOG_WARN, self->name, "%s", aw_last_error());
    return ret_i32(res, (int32_t)r.delivered);
}

static wasm_trap_t *sub_common(wasmtime_caller_t *caller, const wasmtime_val_t *args,
                               wasmtime_val_t *res, bool on)
{
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    char pat[NAME_MAX_ + 1];
    bool ok;
    wasm_trap_t *trap = read_name(g, on ? "airssys.subscribe" : "airssys.unsubscribe",
                                  u32(&args[0]), u32(&args[1]), pat, &ok);
    if (trap) return trap;
    if (!ok) return ret_i32(res, G_EINVAL);
    if (on && !aw_grants_allow(self->comp ? self->comp->grants : NULL, AW_CAP_SUBSCRIBE, pat))
        return ret_i32(res, aw__sec_deny(self, AW_CAP_SUBSCRIBE, pat, "no messaging subscribe grant covers it"));
    aw_err e = on ? aw_pubsub_subscribe(&self->rt->pubsub, self, pat, strlen(pat))
                  : aw_pubsub_unsubscribe(&self->rt->pubsub, self, pat, strlen(pat));
    return ret_i32(res, aw__guest_code(e));
}

static wasm_trap_t *g_subscribe(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    return sub_common(caller, args, res, true);
}

static wasm_trap_t *g_unsubscribe(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                  size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    return sub_common(caller, args, res, false);
}

static bool inbox_fits(void *g, size_t len) { return aw_guest_inbox_fits(g, len); }

/* next(status) -> length of the next message, now in the inbox | AW_G_ENOENT
 * Closes the message being handled with `status` (its reply goes out now)
 * and, when another plain message that fits the inbox is queued, hands it
 * over in the same call: a receive loop that saves a guest call per message. */
static wasm_trap_t *g_next(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                           size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    if (self->call_kind != AW_CALL_MESSAGE || !self->current || !aw_guest_in_handler(g))
        return ret_i32(res, G_EINVAL);  /* only from aw_handle, never from aw_alloc */
    aw_call_result r;
    aw_guest_end_message(g, args[0].of.i32, &r);
    aw_msg *m = aw_actor_next_inline(self, &r, inbox_fits, g);
    if (!m) return ret_i32(res, G_ENOENT);
    aw_guest_next_message(g, m->data, m->len);
    return ret_i32(res, (int32_t)m->len);
}

/* exit(status): end this instance now. 0 is a normal exit (a transient
 * child is then not restarted), anything else an abnormal one. The guest is
 * unwound by a trap that the failure decoder reads as AW_EEXIT. */
static wasm_trap_t *g_exit(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                           size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(res); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    self->exit_asked = true;  /* the actor reads the status, not the trap's text */
    self->exit_status = args[0].of.i32;
    char msg[96];
    int n = snprintf(msg, sizeof msg, AW_EXIT_TAG "(%d)", args[0].of.i32);
    return wasmtime_trap_new(msg, (size_t)n);
}

/* now() -> i64 nanoseconds since the Unix epoch */
static wasm_trap_t *g_now(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                          size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(caller); AW_UNUSED(args); AW_UNUSED(nargs); AW_UNUSED(nres);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    res[0].kind = WASMTIME_I64;
    res[0].of.i64 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    return NULL;
}

/* Copy a host string into guest memory; returns its full length. */
static wasm_trap_t *give_string(aw_guest *g, const char *fn, const char *s,
                                const wasmtime_val_t *args, wasmtime_val_t *res)
{
    size_t n = s ? strlen(s) : 0;
    uint32_t cap = u32(&args[1]), k = n < cap ? (uint32_t)n : cap;
    wasm_trap_t *trap = NULL;
    uint8_t *dst = aw_guest_mem(g, fn, u32(&args[0]), k, &trap);
    if (!dst) return trap;
    memcpy(dst, s, k);
    return ret_i32(res, (int32_t)n);
}

/* self_name(buf, cap) -> name length (copies up to cap bytes) */
static wasm_trap_t *g_self_name(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    return give_string(g, "airssys.self_name", self->name, args, res);
}

/* topic(buf, cap) -> topic length of the message being handled, 0 if not a publish */
static wasm_trap_t *g_topic(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                            size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    return give_string(g, "airssys.topic", self->current ? self->current->topic : NULL, args, res);
}

aw_err aw__guest_api_define(aw_runtime *rt)
{
    static const aw_host_func fns[] = {
        {"airssys", "send", "iiii", "i", g_send, NULL, NULL},
        {"airssys", "request", "iiiii", "i", NULL, g_request, NULL},
        {"airssys", "read_reply", "ii", "i", g_read_reply, NULL, NULL},
        {"airssys", "publish", "iiii", "i", g_publish, NULL, NULL},
        {"airssys", "subscribe", "ii", "i", g_subscribe, NULL, NULL},
        {"airssys", "unsubscribe", "ii", "i", g_unsubscribe, NULL, NULL},
        {"airssys", "now", "", "I", g_now, NULL, NULL},
        {"airssys", "self_name", "ii", "i", g_self_name, NULL, NULL},
        {"airssys", "topic", "ii", "i", g_topic, NULL, NULL},
        {"airssys", "next", "i", "i", g_next, NULL, NULL},
        {"airssys", "exit", "i", "", g_exit, NULL, NULL},
        {"airssys", "http", "iii", "i", NULL, g_http, NULL},
    };
    return aw_engine_define(rt->engine, fns, sizeof fns / sizeof *fns);
}
