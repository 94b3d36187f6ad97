/* pipeline.c - pipelines declared as data (aw_pipeline_*).
 *
 * A pipeline is a list of stages, each an actor by name. An item goes to
 * the first stage as a request; each stage's reply becomes the next
 * stage's input; the last reply answers the caller. Nothing of this runs on
 * a thread of its own: each hop's pending carries a completion callback,
 * so the worker that finishes stage i is the one that hands the result to
 * stage i+1 (or to the caller). A stage that is a supervised actor may
 * crash: the item it was handling fails (and the error policy decides what
 * follows), the items queued behind it wait in its mailbox for the
 * restarted instance.
 *
 * Backpressure is a window: at most max_in_flight items are inside the
 * pipeline at once, and a sender waits for a slot, so producers slow to
 * the pace of the slowest stage. Passing an item from one stage to the next
 * ignores the stage's mailbox bound (the window bounds the total), so no
 * accepted item is dropped: each one ends completed or failed, and counted.
 *
 * Error policy for an item a stage fails (an error, a crash, the stage's
 * timeout, a stage that is gone): SKIP (count it, fail its caller), STOP
 * (the same, and the pipeline refuses new items) or DEAD_LETTER (the same,
 * and the item's input to the failing stage is published on a topic). */
#include "deploy.h"

#include <stdio.h>
#include <string.h>

typedef struct stage { char actor[256]; uint32_t timeout_ms; } stage;

struct aw_pipeline {
    aw_runtime *rt;
    char name[256];
    stage *stages;
    size_t n;
    aw_pipe_policy policy;
    char dead_letter[256];
    uint32_t window;
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* a slot came free, or the last item ended */
    uint32_t in_flight, peak;
    uint64_t accepted, completed, failed, dead_lettered;
    char *stopped;            /* STOP tripped: why */
};

typedef struct item {
    aw_pipeline *pl;
    size_t stage;
    aw_pending *caller;       /* counted, or NULL for a plain send */
    uint8_t *input;           /* this stage's input (for the dead-letter topic) */
    size_t len;
} item;

static void hop(item *it);

/* Count the item's end, then answer its caller (res: moved), then free it.
 * Counted first, so a caller that looks at the stats once answered sees
 * its item; nothing touches the pipeline after the count (it may be freed). */
static void end_item(item *it, bool ok, aw_call_result *res)
{
    aw_pipeline *pl = it->pl;
    pthread_mutex_lock(&pl->mu);
    pl->in_flight--;
    if (ok) pl->completed++;
    else pl->failed++;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    if (it->caller) {
        aw_pending_complete(it->caller, res);
        aw_pending_unref(it->caller);
    } else {
        aw_call_result_clear(res);
    }
    free(it->input);
    free(it);
}

static void fail_item(item *it, aw_err err, const char *detail)
{
    aw_pipeline *pl = it->pl;
    char why[1400];
    snprintf(why, sizeof why, "pipeline '%s': stage %zu ('%s') failed: %s", pl->name, it->stage + 1,
             pl->stages[it->stage].actor, detail ? detail : aw_strerror(err));
    if (pl->policy == AW_PIPE_DEAD_LETTER) {
        aw_publish_result r;
        if (aw__publish(pl->rt, pl->dead_letter, strlen(pl->dead_letter), it->input, it->len, &r) == AW_OK) {
            pthread_mutex_lock(&pl->mu);
            pl->dead_lettered++;
            pthread_mutex_unlock(&pl->mu);
        }
    }
    if (pl->policy == AW_PIPE_STOP) {
        pthread_mutex_lock(&pl->mu);
        if (!pl->stopped) pl->stopped = strdup(why);
        pthread_mutex_unlock(&pl->mu);
    }
    aw__runtime_log(pl->rt, AW_LOG_WARN, pl->name, "%s", why);
    aw_call_result res = {.err = err, .detail = strdup(why)};
    end_item(it, false, &res);
}

/* On the thread that completed stage it->stage (or timed it out). */
static void hop_done(aw_pending *p)
{
    item *it = p->ud;
    aw_pipeline *pl = it->pl;
    if (p->timer) aw_timers_cancel(&pl->rt->timers, p->timer);
    aw_call_result *r = &p->res;
    if (r->err) {
        fail_item(it, r->err, r->detail ? r->detail : NULL);
    } else if (it->stage + 1 == pl->n) {  /* the last reply answers the caller */
        aw_call_result out = {.reply = r->reply, .reply_len = r->reply_len};
        r->reply = NULL;
        r->reply_len = 0;
        end_item(it, true, &out);
    } else {
        free(it->input);
        it->input = r->reply;  /* this reply is the next stage's input */
        it->len = r->reply_len;
        r->reply = NULL;
        r->reply_len = 0;
        it->stage++;
        hop(it);
    }
    aw_pending_unref(p);  /* the hop's own reference */
}

/* Send the item's input to its stage as a request. */
static void hop(item *it)
{
    aw_pipeline *pl = it->pl;
    const stage *st = &pl->stages[it->stage];
    aw_msg *m = aw_msg_new(AW_MSG_USER, it->input, it->len);
    aw_pending *p = m ? aw_pending_new(NULL) : NULL;
    if (!p) {
        aw_msg_free(m);
        fail_item(it, AW_ENOMEM, "out of memory");
        return;
    }
    p->on_done = hop_done;
    p->ud = it;
    m->req = p;
    aw_actor *a = aw_registry_get(&pl->rt->reg, st->actor);
    if (a && st->timeout_ms)  /* armed before the push: after it, `it` may be gone */
        aw__pending_timeout(pl->rt, p, st->timeout_ms);
    aw_err e = a ? aw_mailbox_push_unbounded(&a->mb, m) : AW_ENOENT;
    if (e) {  /* not sent: settle it here */
        if (a) aw_actor_unref(a);
        aw_timers_cancel(&pl->rt->timers, p->timer);  /* drops the timer's reference */
        p->timer = 0;
        m->req = NULL;
        aw_msg_free(m);
        p->on_done = NULL;
        aw_pending_unref(p);
        aw_pending_unref(p);
        fail_item(it, e, e == AW_ENOENT ? "no actor by that name" : "it is stopping");
        return;
    }
    /* From here on nothing touches `it` or the pipeline: the item may
     * already have ended on another thread. */
    aw_actor_schedule(a);
    aw_actor_unref(a);
}

/* ---- API -------------------------------------------------------------------- */

aw_err aw_pipeline_create(aw_runtime *rt, const aw_pipeline_spec *spec, aw_pipeline **out)
{
    aw__clear_error();
    if (!rt || !spec || !out || !spec->name)
        return aw__fail(AW_EINVAL, "aw_pipeline_create: runtime, spec (with a name) and out are required");
    if (!spec->stages || !spec->n_stages || spec->n_stages > 64)
        return aw__fail(AW_EINVAL, "pipeline '%s': 1..64 stages, got %zu", spec->name, spec->n_stages);
    if (spec->on_error == AW_PIPE_DEAD_LETTER &&
        (!spec->dead_letter_topic || !*spec->dead_letter_topic || strpbrk(spec->dead_letter_topic, "*> ")))
        return aw__fail(AW_EINVAL, "pipeline '%s': the dead-letter policy needs a topic without wildcards", spec->name);
    for (size_t i = 0; i < spec->n_stages; i++)
        if (!spec->stages[i].actor || !aw__valid_name(spec->stages[i].actor))
            return aw__fail(AW_EINVAL, "pipeline '%s': stage %zu has no valid actor name", spec->name, i + 1);
    aw_pipeline *pl = calloc(1, sizeof *pl);
    if (pl) pl->stages = calloc(spec->n_stages, sizeof *pl->stages);
    if (!pl || !pl->stages) {
        free(pl);
        return aw__fail(AW_ENOMEM, "out of memory for pipeline '%s'", spec->name);
    }
    pl->rt = rt;
    snprintf(pl->name, sizeof pl->name, "%s", spec->name);
    for (size_t i = 0; i < spec->n_stages; i++) {
        snprintf(pl->stages[i].actor, sizeof pl->stages[i].actor, "%s", spec->stages[i].actor);
        pl->stages[i].timeout_ms = spec->stages[i].timeout_ms;
    }
    pl->n = spec->n_stages;
    pl->policy = spec->on_error;
    if (spec->dead_letter_topic) snprintf(pl->dead_letter, sizeof pl->dead_letter, "%s", spec->dead_letter_topic);
    pl->window = spec->max_in_flight ? spec->max_in_flight : 256;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    *out = pl;
    return AW_OK;
}

/* Take a window slot (waiting up to timeout_ms; 0 = forever). */
static aw_err admit(aw_pipeline *pl, uint32_t timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) { dl.tv_sec++; dl.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&pl->mu);
    int rc = 0;
    while (!pl->stopped && pl->in_flight >= pl->window && rc == 0)
        rc = timeout_ms ? pthread_cond_timedwait(&pl->cv, &pl->mu, &dl) : pthread_cond_wait(&pl->cv, &pl->mu);
    aw_err e = AW_OK;
    if (pl->stopped) e = aw__fail(AW_ESTOPPED, "%s; it takes no more items", pl->stopped);
    else if (pl->in_flight >= pl->window)
        e = aw__fail(AW_EFULL, "pipeline '%s': %u items in flight after %u ms", pl->name, pl->in_flight, timeout_ms);
    else {
        pl->in_flight++;
        pl->accepted++;
        if (pl->in_flight > pl->peak) pl->peak = pl->in_flight;
    }
    pthread_mutex_unlock(&pl->mu);
    return e;
}

static aw_err start_item(aw_pipeline *pl, const void *data, size_t len, aw_pending *caller)
{
    item *it = calloc(1, sizeof *it);
    if (it && len && !(it->input = malloc(len))) { free(it); it = NULL; }
    if (!it) {
        pthread_mutex_lock(&pl->mu);
        pl->in_flight--;
        pl->accepted--;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        return aw__fail(AW_ENOMEM, "out of memory for a pipeline item");
    }
    if (len) memcpy(it->input, data, len);
    it->len = len;
    it->pl = pl;
    it->caller = caller;
    hop(it);
    return AW_OK;
}

aw_err aw_pipeline_send(aw_pipeline *pl, const void *data, size_t len, uint32_t timeout_ms)
{
    aw__clear_error();
    if (!pl || (!data && len)) return aw__fail(AW_EINVAL, "aw_pipeline_send: NULL argument");
    aw_err e = admit(pl, timeout_ms);
    return e ? e : start_item(pl, data, len, NULL);
}

aw_err aw_pipeline_request(aw_pipeline *pl, const void *data, size_t len, uint32_t timeout_ms,
                           aw_reply *out)
{
    aw__clear_error();
    if (!pl || !out || (!data && len)) return aw__fail(AW_EINVAL, "aw_pipeline_request: NULL argument");
    memset(out, 0, sizeof *out);
    aw_err e = admit(pl, timeout_ms);
    if (e) return e;
    aw_pending *p = aw_pending_new(NULL);  /* refs: ours + the item's */
    if (!p) {
        pthread_mutex_lock(&pl->mu);
        pl->in_flight--;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        return aw__fail(AW_ENOMEM, "out of memory for a pipeline request");
    }
    if ((e = start_item(pl, data, len, p)) != AW_OK) {
        aw_pending_unref(p);
        aw_pending_unref(p);
        return e;
    }
    aw_pending_wait(p, 0);  /* every item ends: completed or failed (stage timeouts bound it) */
    out->data = p->res.reply;
    out->len = p->res.reply_len;
    p->res.reply = NULL;
    e = p->res.err;
    if (e) aw__set_error_text(p->res.detail ? p->res.detail : aw_strerror(e));
    aw_pending_unref(p);
    return e;
}

aw_err aw_pipeline_stats(aw_pipeline *pl, aw_pipeline_counts *out)
{
    if (!pl || !out) return aw__fail(AW_EINVAL, "aw_pipeline_stats: NULL argument");
    pthread_mutex_lock(&pl->mu);
    *out = (aw_pipeline_counts){pl->accepted, pl->completed, pl->failed, pl->dead_lettered,
                               pl->in_flight, pl->peak, pl->stopped != NULL};
    pthread_mutex_unlock(&pl->mu);
    return AW_OK;
}

void aw_pipeline_free(aw_pipeline *pl)
{
    if (!pl) return;
    pthread_mutex_lock(&pl->mu);  /* every accepted item ends, completed or failed */
    while (pl->in_flight) pthread_cond_wait(&pl->cv, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->cv);
    free(pl->stopped);
    free(pl->stages);
    free(pl);
}
