/* native.c - native C actors as a guest class.
 *
 * A native actor plugs into the runtime exactly where a WASM guest does: it
 * is an aw_guest_class whose calls complete in one poll. So scheduling,
 * mailboxes, stop and crash handling are shared code, and nothing above the
 * adapter knows which kind of actor it runs. */
#include "actor.h"

#include <stdio.h>
#include <string.h>

struct aw_ctx {
    aw_native_actor cb;
    aw_actor *actor;
    const char *topic;
    uint8_t *reply;
    size_t reply_len;
    bool replied;
    /* the call in flight */
    aw_call_kind kind;
    const uint8_t *data;
    size_t len;
    int32_t arg;
};

void *aw_ctx_state(aw_ctx *ctx) { return ctx->cb.state; }
const char *aw_ctx_self(aw_ctx *ctx) { return ctx->actor->name; }
aw_runtime *aw_ctx_runtime(aw_ctx *ctx) { return ctx->actor->rt; }
const char *aw_ctx_topic(aw_ctx *ctx) { return ctx->topic; }

aw_err aw_ctx_reply(aw_ctx *ctx, const void *data, size_t len)
{
    if (ctx->replied) return aw__fail(AW_EINVAL, "actor '%s' already replied", ctx->actor->name);
    if (!data && len) return aw__fail(AW_EINVAL, "aw_ctx_reply: NULL data");
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return aw__fail(AW_ENOMEM, "out of memory for a %zu-byte reply", len);
    if (len) memcpy(copy, data, len);
    ctx->reply = copy;
    ctx->reply_len = len;
    ctx->replied = true;
    return AW_OK;
}

static aw_err native_begin(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len,
                           int32_t arg)
{
    aw_ctx *c = (aw_ctx *)g;
    if (kind == AW_CALL_SNAPSHOT || kind == AW_CALL_RESTORE)
        return aw__fail(AW_ENOTSUP, "native actor '%s' has no state to hand over", c->actor->name);
    c->kind = kind;
    c->data = data;
    c->len = len;
    c->arg = arg;
    free(c->reply);
    c->reply = NULL;
    c->reply_len = 0;
    c->replied = false;
    return AW_OK;
}

static bool native_poll(aw_guest *g, aw_call_result *out)
{
    aw_ctx *c = (aw_ctx *)g;
    int status = 0;
    c->topic = c->actor->current ? c->actor->current->topic : NULL;
    switch (c->kind) {
    case AW_CALL_INIT:
        if (c->cb.on_start) status = c->cb.on_start(c, c->data, c->len);
        break;
    case AW_CALL_MESSAGE: status = c->cb.on_message(c, c->data, c->len); break;
    case AW_CALL_STOP:
        if (c->cb.on_stop) c->cb.on_stop(c, c->arg);
        break;
    case AW_CALL_START: case AW_CALL_SNAPSHOT: case AW_CALL_RESTORE: break;  /* refused at begin */
    }
    c->topic = NULL;
    out->status = status;
    aw_call_result_take_reply(out, &c->reply, &c->reply_len);
    if (status) {
        char who[300];
        snprintf(who, sizeof who, "native actor '%s'", c->actor->name);
        out->err = AW_EGUEST;
        out->detail = aw_status_detail(who, c->kind == AW_CALL_INIT ? "on_start" : "on_message",
                                       status, out->reply, out->reply_len);
    }
    return true;
}

static void native_destroy(aw_guest *g)
{
    aw_ctx *c = (aw_ctx *)g;
    free(c->reply);
    free(c);
}

static void no_impl(void *p) { AW_UNUSED(p); }

const aw_guest_class aw_native_class = {
    .name = "native",
    .begin = native_begin,
    .poll = native_poll,
    .destroy = native_destroy,
    .free_impl = no_impl,
};

aw_err aw_native_new(aw_actor *a, const aw_native_actor *cb, aw_guest **out)
{
    if (!cb->on_message)
        return aw__fail(AW_EINVAL, "native actor '%s': on_message is required", a->name);
    aw_ctx *c = calloc(1, sizeof *c);
    if (!c) return aw__fail(AW_ENOMEM, "out of memory spawning '%s'", a->name);
    c->cb = *cb;
    c->actor = a;
    *out = (aw_guest *)c;
    return AW_OK;
}
