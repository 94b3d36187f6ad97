/* actor.c - actor lifecycle and the turn a worker runs.
 *
 * Lifecycle: spawn (init + start ran on the spawner's thread) -> RUNNING ->
 * a stop message closes the mailbox; mail accepted before the close is still
 * handled, then the guest's on-stop hook runs -> STOPPED. A guest failure
 * that leaves the instance torn (trap, deadline, engine error) -> CRASHED:
 * the request that caused it gets the failure, queued requests get
 * AW_ESTOPPED with the reason, queued sends are counted in the crash log. */
#include "actor.h"

#include "../runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <time.h>

/* ---- requests --------------------------------------------------------- */

aw_pending *aw_pending_new(aw_actor *waiter)
{
    aw_pending *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    atomic_init(&r->refs, 2);  /* requester + message */
    atomic_init(&r->state, AW_PENDING_WAITING);
    pthread_mutex_init(&r->mu, NULL);
    if (!waiter) {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&r->cv, &ca);
        pthread_condattr_destroy(&ca);
    } else {
        aw_actor_ref(waiter);
        r->waiter = waiter;
    }
    return r;
}

void aw_pending_complete(aw_pending *r, aw_call_result *res)
{
    if (atomic_exchange(&r->claimed, true)) {  /* lost to an earlier completion */
        aw_call_result_clear(res);
        return;
    }
    r->res = *res;
    memset(res, 0, sizeof *res);
    if (r->on_done) {
        atomic_store(&r->state, AW_PENDING_DONE);
        r->on_done(r);
        return;
    }
    if (r->waiter) {
        if (atomic_exchange(&r->state, AW_PENDING_DONE) == AW_PENDING_PARKED)
            aw_sched_push(&r->waiter->rt->sched, r->waiter);
        return;
    }
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->state, AW_PENDING_DONE);
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void aw_pending_fail(aw_pending *r, aw_err err, const char *detail)
{
    aw_call_result res = {.err = err, .detail = detail ? strdup(detail) : NULL};
    aw_pending_complete(r, &res);
}

aw_err aw_pending_wait(aw_pending *r, uint32_t timeout_ms)
{
    /* Replies often arrive within microseconds: spin a little before the
     * far costlier sleep and wake-up. */
    for (int i = 0; i < 1000; i++) {
        if (atomic_load_explicit(&r->state, memory_order_acquire) == AW_PENDING_DONE) return AW_OK;
        aw_cpu_relax();
    }
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) { dl.tv_sec++; dl.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&r->mu);
    int rc = 0;
    while (atomic_load(&r->state) != AW_PENDING_DONE && rc != ETIMEDOUT)
        rc = timeout_ms ? pthread_cond_timedwait(&r->cv, &r->mu, &dl) : pthread_cond_wait(&r->cv, &r->mu);
    bool done = atomic_load(&r->state) == AW_PENDING_DONE;
    pthread_mutex_unlock(&r->mu);
    return done ? AW_OK : AW_ETIMEDOUT;
}

void aw_pending_unref(aw_pending *r)
{
    if (atomic_fetch_sub(&r->refs, 1) != 1) return;
    aw_call_result_clear(&r->res);
    pthread_mutex_destroy(&r->mu);
    if (!r->waiter) pthread_cond_destroy(&r->cv);
    else aw_actor_unref(r->waiter);
    free(r);
}

/* Park an actor whose guest call waits on `p`; false if `p` is already
 * done (then the caller requeues it). */
static bool park(aw_actor *a, aw_pending *p)
{
    atomic_fetch_add(&p->refs, 1);
    atomic_store(&a->parked_on, p);
    int expect = AW_PENDING_WAITING;
    if (atomic_compare_exchange_strong(&p->state, &expect, AW_PENDING_PARKED)) return true;
    if ((p = atomic_exchange(&a->parked_on, NULL))) aw_pending_unref(p);
    return false;
}

void aw_actor_unpark_fail(aw_actor *a, const char *why)
{
    aw_pending *p = atomic_exchange(&a->parked_on, NULL);
    if (!p) return;
    aw_pending_fail(p, AW_ESTOPPED, why);
    aw_pending_unref(p);
}

void aw_actor_msg_free(aw_msg *m)
{
    if (m->kind == AW_MSG_SYS) aw__sys_drop(m);
    if (m->kind == AW_MSG_CALL) {
        aw_msg_call *c = (aw_msg_call *)m->data;
        if (c->drop) c->drop(c->arg);
    }
    if (m->req) aw_pending_unref(m->req);
    aw_msg_free(m);
}

/* ---- actor objects ------------------------------------------------------ */

aw_err aw_actor_new(aw_runtime *rt, const char *name, const aw_guest_class *cls, aw_component *c,
                    uint32_t capacity, aw_actor **out)
{
    aw_actor *a = aw_registry_alloc_actor(&rt->reg);
    if (!a) return aw__fail(AW_ENOMEM, "out of memory spawning '%s'", name);
    snprintf(a->name, sizeof a->name, "%s", name);  /* 1..255 bytes, checked by spawn */
    a->rt = rt;
    a->cls = cls;
    a->comp = c;
    if (c) atomic_fetch_add(&c->refs, 1);
    aw_mailbox_init(&a->mb, capacity);
    atomic_store(&a->state, AW_ACTOR_RUNNING);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    /* Not runnable until its spawn completes: mail that reaches it while its
     * start hooks run (a guest may subscribe in them) waits in the mailbox. */
    atomic_store(&a->scheduled, true);
    atomic_store(&a->refs, 1);  /* last: lock-free readers may take refs from now on */
    *out = a;
    return AW_OK;
}

void aw_actor_ref(aw_actor *a) { atomic_fetch_add(&a->refs, 1); }

void aw_actor_unref(aw_actor *a)
{
    if (atomic_fetch_sub(&a->refs, 1) != 1) return;
    for (aw_msg *m; (m = aw_mailbox_pop(&a->mb));) aw_actor_msg_free(m);
    if (a->guest) a->cls->destroy(a->guest);
    aw_component_release(a->comp);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->reply_in);
    free(a->down_detail);
    a->down_detail = NULL;
    free(a->boot_cfg);
    a->boot_cfg = NULL;
    if (a->parent) aw_actor_unref(a->parent);
    a->parent = NULL;
    atomic_store(&a->addr, 0);  /* lock-free readers see the identity change first */
    aw_registry_free_actor(&a->rt->reg, a);  /* type-stable: see registry.h */
}

aw_err aw_actor_deliver(aw_actor *a, aw_msg *m, bool force)
{
    aw_err rc = aw_mailbox_push(&a->mb, m, force);
    if (rc == AW_EFULL)
        return aw__fail(rc, "actor '%s': mailbox full (capacity %u)", a->name, a->mb.capacity);
    if (rc == AW_ESTOPPED)
        return aw__fail(rc, "actor '%s' is stopping and takes no more messages", a->name);
    aw_actor_schedule(a);
    return AW_OK;
}

static void publish_stats(aw_actor *a);

void aw_actor_release_start(aw_actor *a)
{
    publish_stats(a);  /* not run yet: a listing shows its memory from the start */
    atomic_store(&a->scheduled, false);
    if (aw_mailbox_count(&a->mb) > 0) aw_actor_schedule(a);
}

void aw_actor_schedule(aw_actor *a)
{
    if (atomic_load(&a->scheduled)) return;  /* common under load: no write */
    if (!atomic_exchange(&a->scheduled, true)) {
        aw_actor_ref(a);  /* the run queue holds a reference */
        aw_sched_push(&a->rt->sched, a);
    }
}

void aw_actor_wait_dead(aw_actor *a)
{
    pthread_mutex_lock(&a->mu);
    while (!a->dead) pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
}

/* ---- ending ------------------------------------------------------------- */

void aw_actor_discard_mail(aw_actor *a, const char *what, const char *reason)
{
    size_t dropped = 0;
    char why[1200];
    snprintf(why, sizeof why, "actor '%s' %s before handling this message%s%s", a->name, what,
             reason ? ": " : "", reason ? reason : "");
    aw_mailbox_close(&a->mb);
    while (aw_mailbox_count(&a->mb) > 0) {
        aw_msg *m = aw_mailbox_pop(&a->mb);
        if (!m) { sched_yield(); continue; }  /* a producer is mid-push */
        if (m->req) aw_pending_fail(m->req, AW_ESTOPPED, why);
        else if (m->kind == AW_MSG_USER) dropped++;
        aw_actor_msg_free(m);
    }
    if (dropped)
        aw__runtime_log(a->rt, AW_LOG_WARN, a->name,
                        "%zu queued message(s) were not delivered: the actor %s", dropped, what);
}

/* Close, release the name, settle every queued message, drop the instance. */
/* Give up the name and subscriptions (once: a crash does it early, before
 * its requester is told, and finalize then has nothing left to do here). */
static void release_name(aw_actor *a)
{
    if (a->released) return;
    a->released = true;
    aw_registry_remove(&a->rt->reg, a);
    aw_pubsub_remove_actor(&a->rt->pubsub, a);
}

static aw_exit_reason exit_reason(aw_actor *a, aw_actor_state final)
{
    if (final == AW_ACTOR_CRASHED) return atomic_load(&a->kill) ? AW_EXIT_KILLED : AW_EXIT_CRASH;
    if (atomic_load(&a->stop_reason) == AW_STOP_REASON_SHUTDOWN || atomic_load(&a->sup_stop))
        return AW_EXIT_SHUTDOWN;
    return AW_EXIT_NORMAL;
}

/* The end, for good: name, mail, instance, then the exit reports. A
 * supervised child tells its parent too (`notify`), unless the parent is
 * the one burying it. */
/* The actor ends with a call of the runtime's own unfinished: tell its
 * owner once the instance is gone (it holds the other half of the work). */
static void abandon_sys_call(aw_actor *a)
{
    void (*drop)(aw_actor *, void *) = a->sys_drop;
    void *ud = a->sys_ud;
    if (!a->sys_done) return;
    a->sys_done = NULL;
    a->sys_drop = NULL;
    a->sys_ud = NULL;
    if (a->guest && !a->on_sys) {
        a->cls->destroy(a->guest);
        a->guest = NULL;
    }
    if (drop) drop(a, ud);
}

static void end_for_good(aw_actor *a, aw_actor_state final, aw_exit_reason why, aw_err cause,
                         const char *reason, bool notify)
{
    abandon_sys_call(a);
    atomic_store(&a->state, final == AW_ACTOR_CRASHED ? AW_ACTOR_CRASHED : AW_ACTOR_STOPPING);
    release_name(a);
    aw_actor_discard_mail(a, final == AW_ACTOR_CRASHED ? "crashed" : "stopped", reason);
    if (a->guest && !a->on_sys) {  /* a supervisor's state lives as long as its actor */
        a->cls->destroy(a->guest);
        a->guest = NULL;
    }
    a->down = false;
    atomic_store(&a->state, final);
    if (notify && a->parent) aw__sup_child_exit(a, true, why, cause, reason);
    if (a->rt->cfg.on_exit) {
        aw_exit ex = {a->name, atomic_load(&a->addr), why, cause, reason};
        a->rt->cfg.on_exit(a->rt->cfg.on_exit_ud, &ex);
    }
    pthread_mutex_lock(&a->mu);
    a->dead = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    aw__runtime_actor_dead(a->rt);
}

static void finalize(aw_actor *a, aw_actor_state final, aw_err cause, const char *reason)
{
    end_for_good(a, final, exit_reason(a, final), cause, reason, true);
}

void aw_actor_bury(aw_actor *a, aw_exit_reason why, aw_err err, const char *detail)
{
    end_for_good(a, why == AW_EXIT_CRASH || why == AW_EXIT_KILLED ? AW_ACTOR_CRASHED
                                                                  : AW_ACTOR_STOPPED,
                 why, err, detail, false);
}

/* A supervised child's instance ended but the child may come back: drop
 * the instance, keep name and mail, stay unrunnable (`scheduled` stays set)
 * and let the parent decide. If the parent can no longer hear it, it ends
 * for good instead. */
static bool held_for_parent(aw_actor *a) { return a->parent && !atomic_load(&a->final); }

static void go_down(aw_actor *a, aw_exit_reason why, aw_err err, const char *detail)
{
    abandon_sys_call(a);
    if (a->guest && !a->on_sys) {
        a->cls->destroy(a->guest);
        a->guest = NULL;
    }
    a->down = true;
    a->stopping = false;
    a->booting = false;
    atomic_store(&a->state, AW_ACTOR_RESTARTING);
    /* told at the very end of the turn: the parent may revive it at once */
    a->down_why = why;
    a->down_err = err;
    free(a->down_detail);
    a->down_detail = detail ? strdup(detail) : NULL;
}

/* The turn is over and touches the actor no more: the parent may act. */
static void tell_parent_down(aw_actor *a)
{
    char *detail = a->down_detail;
    a->down_detail = NULL;
    aw__sup_child_exit(a, false, a->down_why, a->down_err, detail);  /* may bury it */
    free(detail);
}

void aw_actor_revive(aw_actor *a)
{
    atomic_fetch_add_explicit(&a->restarts, 1, memory_order_relaxed);
    a->down = false;
    a->exit_asked = false;
    a->sup_stopping = false;
    atomic_store(&a->sup_stop, AW_SUPSTOP_NONE);
    atomic_store(&a->kill, false);
    atomic_store(&a->stop_reason, AW_STOP_REASON_NORMAL);
    atomic_store(&a->state, AW_ACTOR_RUNNING);
    aw_actor_release_start(a);
    if (a->booting) aw_actor_schedule(a);  /* its hooks need a turn, mail or not */
}

void aw_actor_exit(aw_actor *a, aw_exit_reason why, aw_err err, const char *detail)
{
    if (held_for_parent(a)) go_down(a, why, err, detail);
    else end_for_good(a, why == AW_EXIT_CRASH || why == AW_EXIT_KILLED ? AW_ACTOR_CRASHED
                                                                       : AW_ACTOR_STOPPED,
                      why, err, detail, true);
}

void aw_actor_sup_stop(aw_actor *a, int how)
{
    if (how == AW_SUPSTOP_FINAL) atomic_store(&a->final, true);
    atomic_store(&a->sup_stop, how);
    aw_actor_schedule(a);
}

static bool is_crash(aw_err e) { return e != AW_OK && e != AW_EGUEST; }

/* A guest's exit(0) is a normal exit; every other crash is abnormal. */
static aw_exit_reason exit_of(const aw_actor *a, aw_err cause)
{
    return cause == AW_EEXIT && a->exit_asked && a->exit_status == 0 ? AW_EXIT_NORMAL
                                                                       : AW_EXIT_CRASH;
}
static void route(aw_actor *a, aw_msg *m, aw_call_result *res);

/* A guest call finished: route the result, crash on a torn instance. */
static void complete(aw_actor *a, aw_call_result *res)
{
    a->in_call = false;
    if (a->sys_done) {  /* a call of the runtime's own: its owner takes the result */
        void (*done)(aw_actor *, void *, aw_call_result *) = a->sys_done;
        void *ud = a->sys_ud;
        a->sys_done = NULL;
        a->sys_drop = NULL;
        a->sys_ud = NULL;
        done(a, ud, res);
        return;
    }
    aw_msg *m = a->current;
    a->current = NULL;
    if (a->call_kind == AW_CALL_INIT || a->call_kind == AW_CALL_START) {  /* booting */
        if (res->err) {  /* a failed start is an exit like a crash: the parent decides */
            char *d = res->detail ? strdup(res->detail) : NULL;
            aw_err e = res->err;
            aw_call_result_clear(res);
            go_down(a, AW_EXIT_CRASH, e, d);
            free(d);
            return;
        }
        aw_call_result_clear(res);
        return;
    }
    if (a->call_kind == AW_CALL_STOP) {
        if (res->err) aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "on-stop failed: %s",
                                      res->detail ? res->detail : aw_strerror(res->err));
        aw_call_result_clear(res);
        if (held_for_parent(a)) go_down(a, AW_EXIT_SHUTDOWN, AW_OK, NULL);
        else finalize(a, AW_ACTOR_STOPPED, AW_OK, NULL);
        return;
    }
    if (res->routed) {  /* the guest's receive loop already answered it */
        aw_call_result_clear(res);
        return;
    }
    bool crash = is_crash(res->err);
    aw_err cause = res->err;
    char *reason = crash && res->detail ? strdup(res->detail) : NULL;
    if (crash) aw__audit_actor(a, "crash", a->name, "n/a", reason ? reason : aw_strerror(cause));
    if (crash && held_for_parent(a)) {  /* the mailbox and name wait for the restart */
        aw__runtime_log(a->rt, AW_LOG_ERROR, a->name, "crashed: %s",
                        reason ? reason : aw_strerror(res->err));
        a->cls->destroy(a->guest);  /* its slot is free before the requester hears */
        a->guest = NULL;
        route(a, m, res);
        go_down(a, exit_of(a, cause), cause, reason);
        free(reason);
        return;
    }
    if (crash) {  /* free the slot and the name before the requester hears of it */
        atomic_store(&a->state, AW_ACTOR_CRASHED);
        aw_mailbox_close(&a->mb);
        a->cls->destroy(a->guest);
        a->guest = NULL;
        release_name(a);
    }
    if (crash) aw__runtime_log(a->rt, AW_LOG_ERROR, a->name, "crashed: %s",
                               reason ? reason : aw_strerror(res->err));
    route(a, m, res);
    if (crash) finalize(a, AW_ACTOR_CRASHED, cause, reason);
    free(reason);
}

/* Hand a message's result to its requester (or log a failed send). */
static void route(aw_actor *a, aw_msg *m, aw_call_result *res)
{
    if (!is_crash(res->err) && res->err && !(m && m->req))
        aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "message failed: %s",
                        res->detail ? res->detail : aw_strerror(res->err));
    if (m && m->req) aw_pending_complete(m->req, res);
    aw_call_result_clear(res);
    if (m) aw_actor_msg_free(m);
}

aw_msg *aw_actor_next_inline(aw_actor *a, aw_call_result *res, bool (*fits)(void *, size_t),
                             void *ctx)
{
    route(a, a->current, res);
    a->current = NULL;
    if (a->inline_left == 0) return NULL;
    aw_msg *m = aw_mailbox_peek(&a->mb);
    if (!m || m->kind != AW_MSG_USER || !fits(ctx, m->len) || aw_mailbox_pop(&a->mb) != m)
        return NULL;
    a->inline_left--;
    a->inline_taken++;
    a->current = m;
    return m;
}

aw_err aw_actor_sys_call(aw_actor *a, aw_call_kind kind, const uint8_t *data, size_t len,
                         int32_t arg, void (*done)(aw_actor *, void *, aw_call_result *),
                         void (*drop)(aw_actor *, void *), void *ud)
{
    a->current = NULL;
    a->call_kind = kind;
    aw_err rc = a->cls->begin(a->guest, kind, data, len, arg);
    if (rc) return rc;
    a->in_call = true;
    a->sys_done = done;
    a->sys_drop = drop;
    a->sys_ud = ud;
    return AW_OK;
}

static void begin_call(aw_actor *a, aw_call_kind kind, aw_msg *m)
{
    a->current = m;
    a->call_kind = kind;
    a->in_call = true;
    aw_err rc = a->cls->begin(a->guest, kind, m ? m->data : NULL, m ? m->len : 0,
                                    atomic_load(&a->stop_reason));
    if (rc) {  /* refused before reaching the guest: answer, do not crash */
        aw_call_result res = {.err = rc, .detail = strdup(aw_last_error())};
        a->in_call = false;
        a->current = NULL;
        if (m && m->req) aw_pending_complete(m->req, &res);
        aw_call_result_clear(&res);
        if (m) aw_actor_msg_free(m);
    }
}

/* Kill requested (shutdown timeout): drop the call and the instance. */
static void kill_now(aw_actor *a)
{
    aw_msg *m = a->current;
    char reason[256];
    snprintf(reason, sizeof reason, "killed: it did not stop in time");
    a->current = NULL;
    a->in_call = false;
    if (m) {
        if (m->req) aw_pending_fail(m->req, AW_ESTOPPED, reason);
        aw_actor_msg_free(m);
    }
    aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "%s", reason);
    if (held_for_parent(a)) go_down(a, AW_EXIT_KILLED, AW_ESTOPPED, reason);
    else finalize(a, AW_ACTOR_CRASHED, AW_ESTOPPED, reason);
}

/* The start-up failed before the actor ran: drop the instance, keep it
 * down, and leave the reason for the caller. */
static aw_err boot_abandon(aw_actor *a, aw_err err, const char *detail)
{
    a->booting = false;
    a->in_call = false;
    free(a->boot_cfg);
    a->boot_cfg = NULL;
    if (a->guest) a->cls->destroy(a->guest);
    a->guest = NULL;
    return aw__fail(err, "%s", detail ? detail : aw_strerror(err));
}

void aw_actor_boot(aw_actor *a, const uint8_t *cfg, size_t len)
{
    free(a->boot_cfg);
    a->boot_cfg = NULL;
    a->boot_cfg_len = 0;
    if (len && (a->boot_cfg = malloc(len))) {
        memcpy(a->boot_cfg, cfg, len);
        a->boot_cfg_len = len;
    }
    a->booting = true;
    a->boot_step = 0;
}

/* Next start-up call of a booting child: init (which also runs the
 * module's constructor), then start, then ready. */
/* Start the next start-up call; false once both have run (booted). */
static bool boot_next_call(aw_actor *a, aw_err *rc)
{
    *rc = AW_OK;
    if (a->boot_step == 2) {
        a->booting = false;
        free(a->boot_cfg);
        a->boot_cfg = NULL;
        return false;
    }
    aw_call_kind kind = a->boot_step++ == 0 ? AW_CALL_INIT : AW_CALL_START;
    a->current = NULL;
    a->call_kind = kind;
    *rc = a->cls->begin(a->guest, kind, kind == AW_CALL_INIT ? a->boot_cfg : NULL,
                        kind == AW_CALL_INIT ? a->boot_cfg_len : 0, 0);
    a->in_call = *rc == AW_OK;
    return true;
}

static void boot_step(aw_actor *a)
{
    aw_err rc;
    if (!boot_next_call(a, &rc)) {
        aw__sup_child_ready(a);
        return;
    }
    if (rc) {
        char *d = strdup(aw_last_error());
        go_down(a, AW_EXIT_CRASH, rc, d);
        free(d);
    }
}

aw_err aw_actor_boot_now(aw_actor *a, bool *ready)
{
    *ready = false;
    while (a->booting) {
        aw_err rc = AW_OK;
        if (!a->in_call && !boot_next_call(a, &rc)) {
            *ready = true;
            return AW_OK;
        }
        if (rc) return boot_abandon(a, rc, aw_last_error());
        aw_call_result res = {0};
        if (!a->cls->poll(a->guest, &res)) return AW_OK;  /* yielded: its turns go on */
        a->in_call = false;
        if (res.err) {
            aw_err e = res.err;
            char *d = res.detail ? strdup(res.detail) : NULL;
            aw_call_result_clear(&res);
            boot_abandon(a, e, d);
            free(d);
            return e;
        }
        aw_call_result_clear(&res);
    }
    return AW_OK;
}

/* A stop asked by the supervisor: on-stop after the message in hand; the
 * mail queued behind stays for the next instance (or is settled at burial). */
static void begin_sup_stop(aw_actor *a)
{
    a->sup_stopping = true;
    atomic_store(&a->stop_reason, AW_STOP_REASON_SHUTDOWN);
    atomic_store(&a->state, AW_ACTOR_STOPPING);
    if (a->on_sys) {  /* a nested supervisor stops its own children first */
        a->on_sys(a, NULL);
        return;
    }
    begin_call(a, AW_CALL_STOP, NULL);
}

/* Out of mail, and no other actor waits for a worker: watch the mailbox a
 * moment (about a microsecond) before letting the actor go. A sender
 * streaming to it then needs no run-queue push and no wake-up, which cost
 * far more than the wait; an idle runtime is unaffected, since only a turn
 * that just ran lingers, once. */
#define LINGER_SPINS 64

static bool linger(aw_actor *a)
{
    for (int i = 0; i < LINGER_SPINS; i++) {
        if (aw_mailbox_peek(&a->mb)) return true;  /* reads the consumer's line, not the senders' */
        if (!aw_sched_empty(&a->rt->sched) || atomic_load_explicit(&a->kill, memory_order_relaxed))
            return false;
        aw_cpu_relax();
    }
    return false;
}

/* For aw_actors(): relaxed stores, once per turn, off the per-message path. */
static void publish_stats(aw_actor *a)
{
    atomic_store_explicit(&a->handled_pub, a->handled, memory_order_relaxed);
    if (a->guest && !a->in_call && !a->dead && a->cls->memory)
        atomic_store_explicit(&a->memory_pub, a->cls->memory(a->guest), memory_order_relaxed);
}

void aw_actor_turn(aw_actor *a)
{
    const aw_guest_class *cls = a->cls;
    uint32_t batch = a->rt->cfg.batch;
    aw_pending *was = atomic_load(&a->parked_on) ? atomic_exchange(&a->parked_on, NULL) : NULL;
    if (was) aw_pending_unref(was);  /* woken up: drop the parked reference */
again:
    for (uint32_t done = 0; done < batch && !a->dead && !a->down;) {
        if (atomic_load(&a->kill)) { kill_now(a); break; }
        if (!a->in_call && !a->sup_stopping && atomic_load(&a->sup_stop)) {
            begin_sup_stop(a);
            continue;
        }
        if (a->booting && !a->in_call) {  /* its hooks before any mail */
            boot_step(a);
            continue;
        }
        if (a->in_call) {
            aw_call_result res = {0};
            if (!cls->poll(a->guest, &res)) {
                aw_pending *p = a->awaiting;  /* blocked in a host call? */
                a->awaiting = NULL;
                if (p && park(a, p)) return;  /* the completion requeues it */
                aw_sched_push(&a->rt->sched, a);  /* yielded: others go first */
                return;
            }
            complete(a, &res);
            cls = a->cls;  /* a call of the runtime's own may have switched guests */
            a->handled += 1 + a->inline_taken;
            done += 1 + a->inline_taken;  /* the receive loop's share of the turn */
            a->inline_taken = 0;
            continue;
        }
        if (a->stopping && !a->on_sys && aw_mailbox_count(&a->mb) == 0) {
            atomic_store(&a->state, AW_ACTOR_STOPPING);
            begin_call(a, AW_CALL_STOP, NULL);
            if (!a->in_call) finalize(a, AW_ACTOR_STOPPED, AW_OK, NULL);
            continue;
        }
        aw_msg *m = aw_mailbox_pop(&a->mb);
        if (!m) break;
        if (m->kind == AW_MSG_STOP) {
            a->stopping = true;
            aw_actor_msg_free(m);
            if (a->on_sys) a->on_sys(a, NULL);
            continue;
        }
        if (m->kind == AW_MSG_SYS) {
            if (a->on_sys) a->on_sys(a, m);  /* takes it */
            else aw_actor_msg_free(m);
            done++;
            continue;
        }
        if (m->kind == AW_MSG_CALL) {  /* between messages: no guest call in flight */
            aw_msg_call *c = (aw_msg_call *)m->data;
            c->fn(a, c->arg, m->req);
            c->drop = NULL;  /* fn took the argument */
            cls = a->cls;    /* it may have changed the guest's class (an upgrade) */
            aw_actor_msg_free(m);
            done++;
            continue;
        }
        if (a->forward) {  /* a route: no guest, the message goes on as it is */
            a->forward(a, m);
            a->handled++;
            done++;
            continue;
        }
        a->inline_left = batch - done - 1;  /* one turn = `batch` messages in all */
        begin_call(a, AW_CALL_MESSAGE, m);
    }
    publish_stats(a);
    if (a->down) {  /* `scheduled` stays set while it is down */
        tell_parent_down(a);
        aw_actor_unref(a);
        return;
    }
    if (a->dead) { aw_actor_unref(a); return; }
    if (a->in_call || a->booting || aw_mailbox_count(&a->mb) > 0 || (a->stopping && !a->on_sys)) {
        /* Nobody else is waiting for a worker: take another turn here rather
         * than requeue it, which could wake an idle worker for nothing. */
        if (!a->in_call && aw_sched_empty(&a->rt->sched)) goto again;
        aw_sched_push(&a->rt->sched, a);
        return;
    }
    if (linger(a)) goto again;
    atomic_store(&a->scheduled, false);
    if (aw_mailbox_count(&a->mb) > 0 && !atomic_exchange(&a->scheduled, true)) {
        aw_sched_push(&a->rt->sched, a);
        return;
    }
    aw_actor_unref(a);
}
