/* supervisor.c - supervision trees with OTP semantics.
 *
 * A supervisor is an actor whose guest is this file's state machine. It
 * never blocks: children report exits as runtime-internal (SYS) messages,
 * timers (backoff, shutdown kill) arrive the same way, and API calls are SYS
 * commands whose callers wait on a pending reply. So a tree of any depth
 * runs on the worker pool, one supervisor turn at a time, in event order.
 *
 * A child that exits is "down": its instance is gone but its actor (name,
 * address, mailbox) stays, unrunnable, until the supervisor restarts it in
 * place or buries it. Group restarts (one-for-all, rest-for-one) stop the
 * group's running children one at a time in reverse start order (each
 * stop waits for the child's exit or its kill timer), then restart the
 * group in start order. Too many restarts within the period: the supervisor
 * stops every child the same way and exits abnormally, so its own parent
 * decides (or, for a root, the host hears of it through events and
 * on_exit). */
#include "sup.h"

#include <stdio.h>
#include <string.h>

static void continue_phase(aw_sup *s);
static aw_err start_children(aw_sup *s);

/* ---- children records ----------------------------------------------------- */

child *sv_find_id(aw_sup *s, uint32_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->kids[i].id == id) return &s->kids[i];
    return NULL;
}

child *sv_find_name(aw_sup *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->kids[i].name, name)) return &s->kids[i];
    return NULL;
}

static void cancel_timer(aw_sup *s, child *c)
{
    if (c->timer) aw_timers_cancel(&s->rt->timers, c->timer);
    c->timer = 0;
    c->gen++;
}

static void child_clear(aw_sup *s, child *c)
{
    cancel_timer(s, c);
    if (c->actor) aw_actor_unref(c->actor);
    if (c->waiter) {
        aw_pending_fail(c->waiter, AW_ESTOPPED, "the supervisor removed the child");
        aw_pending_unref(c->waiter);
    }
    free(c->name);
    sv_actor_free(&c->spec);
    sv_spec_free(c->sub);
    free(c->last_detail);
}

void sv_remove_child(aw_sup *s, child *c)
{
    child_clear(s, c);
    size_t i = (size_t)(c - s->kids);
    memmove(&s->kids[i], &s->kids[i + 1], (s->n - i - 1) * sizeof *c);
    s->n--;
    if (s->group_from > i) s->group_from--;
}

child *sv_add_child(aw_sup *s, const aw_child_spec *cs)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        child *v = realloc(s->kids, cap * sizeof *v);
        if (!v) return NULL;
        s->kids = v;
        s->cap = cap;
    }
    child *c = &s->kids[s->n];
    memset(c, 0, sizeof *c);
    c->id = ++s->next_id;
    c->restart = cs->restart;
    c->shutdown_ms = cs->shutdown_ms ? cs->shutdown_ms : DEFAULT_SHUTDOWN_MS;
    c->backoff = cs->backoff ? *cs->backoff : s->spec->backoff;
    if (cs->supervisor) {
        c->sub = sv_spec_dup(cs->supervisor);
        c->name = c->sub ? strdup(c->sub->name) : NULL;
        if (!c->sub || !c->name) { sv_spec_free(c->sub); free(c->name); return NULL; }
    } else {
        bool ok = sv_actor_copy(&c->spec, &cs->actor);
        c->name = strdup(cs->actor.name);
        if (!ok || !c->name) { sv_actor_free(&c->spec); free(c->name); return NULL; }
    }
    c->state = C_TERMINATED;
    s->n++;
    return c;
}

/* ---- events --------------------------------------------------------------- */

static void emit(aw_sup *s, aw_sup_event_kind kind, const child *c, uint32_t delay_ms)
{
    aw_sup_event ev = {.kind = kind, .supervisor = s->spec->name,
                       .child = c ? c->name : NULL, .delay_ms = delay_ms};
    if (c) {
        ev.reason = c->last_reason;
        ev.error = c->last_err;
        ev.detail = c->last_detail;
        ev.restarts = c->restarts;
    }
    if (kind == AW_SUP_ESCALATED) {
        ev.error = AW_EINTENSITY;
        ev.detail = s->esc_detail;
    }
    aw__emit(s->rt, &ev);
}

/* ---- posting to a supervisor ---------------------------------------------- */

/* Deliver a SYS message unless the supervisor has ended. Forced past the
 * bound and the closed bit: a stopping supervisor still hears its children. */
bool sv_post_msg(aw_actor *sup_actor, aw_msg *m)
{
    aw_sup *s = (aw_sup *)sup_actor->guest;
    pthread_mutex_lock(&s->mu);
    bool ok = s->alive;
    if (ok) aw_actor_deliver(sup_actor, m, true);
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        if (m->req) aw_pending_unref(m->req);
        aw_msg_free(m);  /* its payload is the caller's to settle */
    }
    return ok;
}

bool sv_post(aw_actor *sup_actor, const sys_msg *sm)
{
    aw_msg *m = aw_msg_new(AW_MSG_SYS, sm, sizeof *sm);
    return m && sv_post_msg(sup_actor, m);
}

void aw__sup_child_exit(aw_actor *a, bool final, aw_exit_reason why, aw_err err,
                        const char *detail)
{
    sys_msg sm = {.kind = SYS_EXIT, .child = a, .id = a->child_id, .final = final, .why = why,
                  .err = err, .detail = detail ? strdup(detail) : NULL};
    aw_actor_ref(a);
    if (sv_post(a->parent, &sm)) return;
    aw_actor_unref(a);
    free(sm.detail);
    if (!final) aw_actor_bury(a, why, err, detail);  /* nobody left to decide */
}

void aw__sup_child_ready(aw_actor *a)
{
    sys_msg sm = {.kind = SYS_READY, .child = a, .id = a->child_id};
    aw_actor_ref(a);
    if (!sv_post(a->parent, &sm)) aw_actor_unref(a);
}

void aw__sup_child_upgraded(aw_actor *a, aw_component *comp, const uint8_t *config,
                            size_t config_len)
{
    sys_msg sm = {.kind = SYS_UPGRADED, .id = a->child_id, .comp = comp,
                  .config = config_len ? malloc(config_len) : NULL, .config_len = config_len};
    if (config_len && !sm.config) sm.config_len = 0;
    if (sm.config) memcpy(sm.config, config, config_len);
    atomic_fetch_add(&comp->refs, 1);
    if (sv_post(a->parent, &sm)) return;
    aw_component_release(comp);
    free(sm.config);
}

/* The child's spec now names the component it was upgraded to. */
static void child_upgraded(aw_sup *s, const sys_msg *sm)
{
    child *c = sv_find_id(s, sm->id);
    if (!c) {  /* deleted meanwhile */
        aw_component_release(sm->comp);
        free(sm->config);
        return;
    }
    aw_component_release(c->spec.component);
    c->spec.component = sm->comp;
    free((uint8_t *)c->spec.config);
    c->spec.config = sm->config;
    c->spec.config_len = sm->config_len;
}

void aw__sys_drop(aw_msg *m)
{
    sys_msg sm;
    memcpy(&sm, m->data, sizeof sm);
    if (sm.kind == SYS_UPGRADED) {
        aw_component_release(sm.comp);
        free(sm.config);
        return;
    }
    if (sm.kind == SYS_READY) aw_actor_unref(sm.child);
    if (sm.kind != SYS_EXIT) return;
    if (!sm.final) aw_actor_bury(sm.child, sm.why, sm.err, sm.detail);  /* its supervisor is gone */
    aw_actor_unref(sm.child);
    free(sm.detail);
}

typedef struct timer_arg { aw_actor *sup; uint32_t id; int kind; uint64_t gen; } timer_arg;

static void timer_drop(void *p)
{
    timer_arg *t = p;
    aw_actor_unref(t->sup);
    free(t);
}

static void timer_fire(void *p)
{
    timer_arg *t = p;
    sys_msg sm = {.kind = SYS_TIMER, .id = t->id, .timer = t->kind, .gen = t->gen};
    sv_post(t->sup, &sm);
    timer_drop(t);
}

static void arm(aw_sup *s, child *c, int kind, uint64_t ms)
{
    cancel_timer(s, c);
    timer_arg *t = malloc(sizeof *t);
    if (!t) return;  /* no memory: the fallback below fires at once */
    aw_actor_ref(s->self);
    *t = (timer_arg){s->self, c ? c->id : 0, kind, c ? c->gen : 0};
    uint64_t id = aw_timers_add(&s->rt->timers, ms * 1000000u, timer_fire, t, timer_drop);
    if (c) c->timer = id;
}

/* ---- starting ------------------------------------------------------------- */

aw_err sv_spawn(aw_runtime *rt, const aw_supervisor_spec *spec, aw_actor *parent,
                        uint32_t child_id, bool async, aw_actor **out);

/* Start a child. `async` (inside a supervisor's turn): its hooks run in its
 * own turns and it reports ready later; otherwise (the host's thread, in
 * aw_supervisor_start) they have run when this returns. */
aw_err sv_start_child(aw_sup *s, child *c, bool async)
{
    aw_err rc;
    aw_actor *a = NULL;
    if (c->sub) rc = sv_spawn(s->rt, c->sub, s->self, c->id, async, &a);
    else rc = aw__spawn_as(s->rt, &c->spec, s->self, c->id, async, &a);
    if (rc) return rc;
    c->actor = a;
    c->intent = I_NONE;
    c->fresh = true;
    c->up_since = aw__clock(s->rt);
    c->state = async ? C_STARTING : C_RUNNING;
    if (!async) emit(s, AW_SUP_CHILD_STARTED, c, 0);
    return AW_OK;
}

static aw_err reboot(aw_actor *a);

/* A down child's replacement, in place: same actor, new instance; its
 * hooks run in its own turns, and it is restarted once it reports ready. */
static void child_ready(aw_sup *s, child *c);

static aw_err restart_in_place(aw_sup *s, child *c)
{
    cancel_timer(s, c);
    aw_err rc = c->sub ? reboot(c->actor) : aw__respawn(s->rt, c->actor, &c->spec, true);
    if (rc) return rc;
    c->state = C_STARTING;
    c->fresh = false;
    c->intent = I_NONE;
    c->up_since = aw__clock(s->rt);
    /* Hooks that finish within one time slice finish here (no round trip
     * through the child's turn); longer ones go on in the child's turns. */
    bool ready = false;
    if (!c->sub && (rc = aw_actor_boot_now(c->actor, &ready)) != AW_OK) return rc;
    aw_actor_revive(c->actor);
    if (ready) child_ready(s, c);
    return AW_OK;
}

/* A starting child reported ready. */
static void child_ready(aw_sup *s, child *c)
{
    c->state = C_RUNNING;
    c->up_since = aw__clock(s->rt);
    emit(s, c->fresh ? AW_SUP_CHILD_STARTED : AW_SUP_CHILD_RESTARTED, c, 0);
    if (!c->fresh) aw__audit_actor(c->actor, "restart", c->name, "n/a", c->last_detail);
    if (c->waiter) {  /* start_child / restart_child */
        aw_call_result res = {0};
        aw_pending_complete(c->waiter, &res);
        aw_pending_unref(c->waiter);
        c->waiter = NULL;
    }
}

/* Terminated for good. A down child is buried here; one that `ended` on
 * its own (a final exit) has already done so. */
static void bury_ended(aw_sup *s, child *c, aw_exit_reason why, bool ended)
{
    cancel_timer(s, c);
    if (c->actor) {
        if (!ended) aw_actor_bury(c->actor, why, c->last_err, c->last_detail);
        aw_actor_unref(c->actor);
        c->actor = NULL;
    }
    c->state = C_TERMINATED;
    emit(s, AW_SUP_CHILD_TERMINATED, c, 0);
}

void sv_bury(aw_sup *s, child *c, aw_exit_reason why) { bury_ended(s, c, why, false); }

static void handle_exit(aw_sup *s, child *c, bool final, aw_exit_reason why, aw_err err,
                        const char *detail);

/* A restart failed at instantiation or in a start hook: that is the
 * child exiting again, with the reason. */
static void restart_or_exit(aw_sup *s, child *c)
{
    aw_err rc = restart_in_place(s, c);
    if (rc == AW_OK) return;
    char *d = strdup(aw_last_error());
    c->state = C_STARTING;  /* it failed to start: handled as such */
    c->fresh = false;
    handle_exit(s, c, false, AW_EXIT_CRASH, rc, d);
    free(d);
}

/* ---- decisions ------------------------------------------------------------ */

static uint64_t next_rand(aw_sup *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

/* The backoff delay for this restart: initial, then times factor up to the
 * cap; reset when the child had been up long enough; jitter on top. */
static uint32_t backoff_ms(aw_sup *s, child *c, uint64_t now)
{
    const aw_backoff *b = &c->backoff;
    if (!b->initial_ms) return 0;
    double factor = b->factor > 1 ? b->factor : 2;
    bool reset = !c->delay_ms ||
                 (b->reset_after_ms && now - c->up_since >= (uint64_t)b->reset_after_ms * 1000000u);
    double d = reset ? b->initial_ms : (double)c->delay_ms * factor;
    if (b->max_ms && d > b->max_ms) d = b->max_ms;
    c->delay_ms = (uint64_t)d;
    if (b->jitter > 0) {
        double u = (double)(next_rand(s) >> 11) / (double)(1ull << 53);  /* [0,1) */
        d *= 1 + b->jitter * (2 * u - 1);
    }
    return (uint32_t)(d + 0.5);
}

/* Record a restart; false when it is one too many for the period. */
static bool within_intensity(aw_sup *s, uint64_t now)
{
    uint64_t period = (uint64_t)s->spec->period_ms * 1000000u;
    size_t k = 0;
    for (size_t i = 0; i < s->nstamps; i++)
        if (now - s->stamps[i] < period || !period) s->stamps[k++] = s->stamps[i];
    s->nstamps = k;
    if (s->nstamps >= s->spec->max_restarts) return false;
    uint64_t *v = realloc(s->stamps, (s->nstamps + 1) * sizeof *v);
    if (v) { s->stamps = v; s->stamps[s->nstamps++] = now; }
    return true;
}

static void stop_all(aw_sup *s, bool escalate)
{
    s->phase = S_STOPPING;
    s->escalating = escalate;
    continue_phase(s);
}

static void escalate(aw_sup *s, const child *c)
{
    free(s->esc_detail);
    s->esc_detail = aw__strfmt("supervisor '%s': restart intensity exceeded (more than %u "
                               "restarts in %u ms; last: child '%s')", s->spec->name,
                               s->spec->max_restarts, s->spec->period_ms, c->name);
    s->fail_err = AW_EINTENSITY;
    emit(s, AW_SUP_ESCALATED, NULL, 0);
    stop_all(s, true);
}

/* A (re)started supervisor whose child failed to start fails itself, after
 * stopping the children it had started (OTP: init fails). */
static void boot_failed(aw_sup *s, const child *c, aw_err err, const char *detail)
{
    free(s->esc_detail);
    s->esc_detail = aw__strfmt("supervisor '%s': child '%s' failed to start: %s", s->spec->name,
                               c->name, detail ? detail : aw_strerror(err));
    s->fail_err = err;
    stop_all(s, true);
}

static void decide(aw_sup *s, child *c, aw_exit_reason why)
{
    bool abnormal = why == AW_EXIT_CRASH || why == AW_EXIT_KILLED;
    if (c->restart == AW_TEMPORARY || (c->restart == AW_TRANSIENT && !abnormal)) {
        bool temporary = c->restart == AW_TEMPORARY;
        sv_bury(s, c, why);
        if (temporary) sv_remove_child(s, c);
        return;
    }
    uint64_t now = aw__clock(s->rt);
    if (!within_intensity(s, now)) {
        c->state = C_DOWN;
        escalate(s, c);
        return;
    }
    c->restarts++;
    uint32_t delay = backoff_ms(s, c, now);
    c->state = C_DOWN;
    if (s->spec->strategy == AW_ONE_FOR_ONE) {
        if (!delay) { restart_or_exit(s, c); return; }
        emit(s, AW_SUP_BACKOFF, c, delay);
        arm(s, c, T_RESTART, delay);
        return;
    }
    s->phase = S_GROUP;
    s->group_from = s->spec->strategy == AW_ONE_FOR_ALL ? 0 : (size_t)(c - s->kids);
    s->group_delay_ms = delay;
    if (delay) emit(s, AW_SUP_BACKOFF, c, delay);
    continue_phase(s);
}

/* A child that was starting exited instead (its init or start hook failed,
 * or it crashed in them). */
static void start_failed(aw_sup *s, child *c, aw_exit_reason why)
{
    if (c->waiter) {  /* start_child / restart_child: tell the caller, keep nothing running */
        aw_call_result res = {.err = c->last_err ? c->last_err : AW_ESTOPPED};
        res.detail = aw__strfmt("supervisor '%s': child '%s' failed to start: %s", s->spec->name,
                                c->name, c->last_detail ? c->last_detail : aw_strerror(res.err));
        aw_pending_complete(c->waiter, &res);
        aw_pending_unref(c->waiter);
        c->waiter = NULL;
        bool drop = c->fresh;  /* a new child's spec goes; a restarted one's stays */
        sv_bury(s, c, why);
        if (drop) sv_remove_child(s, c);
        return;
    }
    if (s->phase == S_BOOT) {
        c->state = C_DOWN;
        boot_failed(s, c, c->last_err, c->last_detail);
        return;
    }
    if (s->phase == S_GROUP_UP) {  /* counts as another restart of it */
        c->state = C_DOWN;
        if (!within_intensity(s, aw__clock(s->rt))) { escalate(s, c); return; }
        c->restarts++;
        continue_phase(s);
        return;
    }
    decide(s, c, why);
}

static void handle_exit(aw_sup *s, child *c, bool final, aw_exit_reason why, aw_err err,
                        const char *detail)
{
    c->last_reason = why;
    c->last_err = err;
    free(c->last_detail);
    c->last_detail = detail ? strdup(detail) : NULL;
    emit(s, AW_SUP_CHILD_EXITED, c, 0);
    cancel_timer(s, c);  /* a kill timer, if the stop was ours */
    if (final || c->intent == I_TERMINATE || s->phase == S_STOPPING) {
        bool temporary = c->restart == AW_TEMPORARY && c->intent != I_TERMINATE;
        bury_ended(s, c, why, final);
        if (c->waiter) {
            aw_call_result res = {0};
            aw_pending_complete(c->waiter, &res);
            aw_pending_unref(c->waiter);
            c->waiter = NULL;
        }
        if (temporary) sv_remove_child(s, c);
        continue_phase(s);
        return;
    }
    if (c->state == C_STARTING) { start_failed(s, c, why); return; }
    if (s->phase == S_GROUP || s->phase == S_GROUP_UP || s->phase == S_BOOT) {
        bool member = s->phase == S_GROUP && (size_t)(c - s->kids) >= s->group_from;
        c->state = C_DOWN;
        if (!member) c->pending = true;  /* decided once the group is back */
        continue_phase(s);
        return;
    }
    decide(s, c, why);
}

void sv_ask_stop(aw_sup *s, child *c, int how)
{
    c->state = C_STOPPING;
    aw_actor_sup_stop(c->actor, how);
    arm(s, c, T_KILL, c->shutdown_ms);
}

static void exit_self(aw_sup *s);
void sv_run_deferred(aw_sup *s);
static void back_to_running(aw_sup *s);

/* Start the next stopped child of the group, in order; false when none is
 * left (or a start is under way). */
static bool group_next(aw_sup *s)
{
    for (size_t i = s->group_from; i < s->n; i++) {
        child *c = &s->kids[i];
        if (c->state == C_STARTING) return true;  /* wait for it to be ready */
        if (c->state != C_DOWN || c->pending) continue;
        if (c->restart == AW_TEMPORARY) {  /* stopped by the group: not restarted */
            sv_bury(s, c, AW_EXIT_SHUTDOWN);
            sv_remove_child(s, c);
            i--;
            continue;
        }
        restart_or_exit(s, c);  /* a failure re-enters continue_phase itself */
        if (s->phase == S_GROUP_UP && c->state == C_RUNNING) continue;  /* ready at once */
        return true;
    }
    return false;
}

/* Drive the current phase one step: stop the next child in reverse order,
 * or, when the group is down, start it again in order. */
static void continue_phase(aw_sup *s)
{
    if (s->phase == S_RUNNING) return;
    if (s->phase == S_GROUP_UP) {
        if (!group_next(s) && s->phase == S_GROUP_UP) back_to_running(s);
        return;
    }
    if (s->phase == S_BOOT) return;  /* driven by SYS_BOOT and readiness */
    size_t from = s->phase == S_GROUP ? s->group_from : 0;
    for (size_t i = s->n; i-- > from;) {
        child *c = &s->kids[i];
        if (c->state == C_STOPPING) return;  /* wait for its exit (or its kill) */
        if (c->state == C_RUNNING || c->state == C_STARTING) {
            c->intent = s->phase == S_GROUP ? I_GROUP : I_TERMINATE;
            sv_ask_stop(s, c, s->phase == S_GROUP ? AW_SUPSTOP_RESTART : AW_SUPSTOP_FINAL);
            return;
        }
    }
    if (s->phase == S_STOPPING) {
        for (size_t i = s->n; i-- > 0;)
            if (s->kids[i].state == C_DOWN) sv_bury(s, &s->kids[i], AW_EXIT_SHUTDOWN);
        exit_self(s);
        return;
    }
    if (s->group_delay_ms) {  /* the group is down; restart it after the backoff */
        uint32_t d = s->group_delay_ms;
        s->group_delay_ms = 0;
        arm(s, NULL, T_GROUP, d);
        return;
    }
    s->phase = S_GROUP_UP;
    continue_phase(s);
}

static void back_to_running(aw_sup *s)
{
    s->phase = S_RUNNING;
    for (size_t i = 0; i < s->n && s->phase == S_RUNNING; i++)
        if (s->kids[i].pending) {
            s->kids[i].pending = false;
            decide(s, &s->kids[i], s->kids[i].last_reason);
        }
    if (s->phase == S_RUNNING) sv_run_deferred(s);
}

/* S_BOOT: start the children one at a time, each once the previous one is
 * ready; then this supervisor is ready itself. */
static void boot_next(aw_sup *s)
{
    while (s->phase == S_BOOT && s->boot_i < s->n) {
        child *c = &s->kids[s->boot_i];
        if (c->state == C_STARTING) return;
        if (c->state == C_RUNNING) { s->boot_i++; continue; }
        aw_err rc = sv_start_child(s, c, true);
        if (rc) {
            char *d = strdup(aw_last_error());
            c->last_err = rc;
            boot_failed(s, c, rc, d);
            free(d);
            return;
        }
        return;
    }
    if (s->phase != S_BOOT) return;
    back_to_running(s);
    if (s->self->parent) aw__sup_child_ready(s->self);
}

static void exit_self(aw_sup *s)
{
    s->phase = S_RUNNING;
    bool esc = s->escalating;
    s->escalating = false;
    if (!esc) emit(s, AW_SUP_SHUTDOWN, NULL, 0);
    bool for_good = !s->self->parent || atomic_load(&s->self->final);
    if (for_good) sv_set_alive(s, false);  /* nothing may post to it any more */
    aw_actor_exit(s->self, esc ? AW_EXIT_CRASH : AW_EXIT_SHUTDOWN, esc ? s->fail_err : AW_OK,
                  esc ? s->esc_detail : NULL);
}

/* ---- the supervisor actor --------------------------------------------------- */

void sv_on_sys(aw_actor *a, aw_msg *m)
{
    aw_sup *s = (aw_sup *)a->guest;
    if (!m) {  /* asked to stop: children first, in reverse order */
        if (s->phase != S_STOPPING) stop_all(s, false);
        return;
    }
    sys_msg sm;
    memcpy(&sm, m->data, sizeof sm);
    if (sm.kind == SYS_EXIT) {
        child *c = sv_find_id(s, sm.id);
        if (c && c->actor == sm.child) handle_exit(s, c, sm.final, sm.why, sm.err, sm.detail);
        else if (!sm.final)
            aw_actor_bury(sm.child, sm.why, sm.err, sm.detail);  /* no longer ours */
        aw_actor_unref(sm.child);  /* handled: the drop hook is for unhandled ones */
        free(sm.detail);
        aw_msg_free(m);
        return;
    } else if (sm.kind == SYS_READY) {
        child *c = sv_find_id(s, sm.id);
        if (c && c->actor == sm.child && c->state == C_STARTING) {
            child_ready(s, c);
            if (s->phase == S_BOOT) boot_next(s);
            else continue_phase(s);
        }
        aw_actor_unref(sm.child);
        aw_msg_free(m);
        return;
    } else if (sm.kind == SYS_UPGRADED) {
        child_upgraded(s, &sm);
        aw_msg_free(m);  /* its payload moved into the child's spec */
        return;
    } else if (sm.kind == SYS_BOOT) {
        if (s->phase == S_BOOT) boot_next(s);
    } else if (sm.kind == SYS_TIMER) {
        child *c = sm.id ? sv_find_id(s, sm.id) : NULL;
        if (sm.timer == T_GROUP && !sm.id && s->phase == S_GROUP) {
            continue_phase(s);
        } else if (c && c->gen == sm.gen) {
            c->timer = 0;
            if (sm.timer == T_RESTART && c->state == C_DOWN && s->phase == S_RUNNING)
                restart_or_exit(s, c);
            else if (sm.timer == T_KILL && c->state == C_STOPPING && c->actor) {
                atomic_store(&c->actor->kill, true);  /* its instance is dropped at once */
                aw_actor_unpark_fail(c->actor, "killed: it did not stop within its shutdown time");
                aw_actor_schedule(c->actor);
            }
        }
    } else if (sm.kind == SYS_CMD) {
        bool busy = s->phase == S_GROUP || s->phase == S_GROUP_UP || s->phase == S_BOOT;
        if (busy && sm.cmd != CMD_LIST) {  /* served once the group (or boot) is done */
            aw_msg **v = realloc(s->deferred, (s->ndeferred + 1) * sizeof *v);
            if (v) {
                s->deferred = v;
                s->deferred[s->ndeferred++] = m;
                return;
            }
        }
        sv_command(s, m, &sm);
    }
    aw_actor_msg_free(m);
}

static aw_err sup_begin(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len,
                        int32_t arg)
{
    AW_UNUSED(data); AW_UNUSED(len); AW_UNUSED(arg);
    aw_sup *s = (aw_sup *)g;
    if (kind == AW_CALL_MESSAGE)
        return aw__fail(AW_EINVAL, "'%s' is a supervisor: it takes no messages", s->spec->name);
    return AW_OK;
}

static bool sup_poll(aw_guest *g, aw_call_result *out)
{
    AW_UNUSED(g);
    memset(out, 0, sizeof *out);
    return true;
}

static void sup_destroy(aw_guest *g)
{
    aw_sup *s = (aw_sup *)g;
    for (size_t i = 0; i < s->n; i++) child_clear(s, &s->kids[i]);
    for (size_t i = 0; i < s->ndeferred; i++) {
        if (s->deferred[i]->req) aw_pending_fail(s->deferred[i]->req, AW_ESTOPPED, "supervisor ended");
        aw_actor_msg_free(s->deferred[i]);
    }
    free(s->deferred);
    free(s->kids);
    free(s->stamps);
    free(s->esc_detail);
    sv_spec_free(s->spec);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const aw_guest_class sup_class = {
    .name = "supervisor", .begin = sup_begin, .poll = sup_poll, .destroy = sup_destroy,
};

/* Start the children in order; on a failure stop those started, in
 * reverse order, and report which child failed. Runs before the supervisor
 * is runnable (spawn) or inside its own turn (reboot). */
static aw_err start_children(aw_sup *s)
{
    for (size_t i = 0; i < s->n; i++) {
        child *c = &s->kids[i];
        aw_err rc = sv_start_child(s, c, false);
        if (rc == AW_OK) continue;
        char *d = strdup(aw_last_error());
        sv_set_alive(s, false);  /* their exits need no decision: nothing may queue here */
        for (size_t j = i; j-- > 0;) {
            child *k = &s->kids[j];
            if (!k->actor) continue;
            atomic_store(&k->actor->final, true);
            if (k->sub) aw__request_stop(k->actor, AW_STOP_REASON_SHUTDOWN);
            else aw_actor_sup_stop(k->actor, AW_SUPSTOP_FINAL);
            aw_actor_wait_dead(k->actor);
            aw_actor_unref(k->actor);
            k->actor = NULL;
            k->state = C_TERMINATED;
        }
        sv_set_alive(s, true);
        rc = aw__fail(rc, "supervisor '%s': child '%s' failed to start: %s", s->spec->name,
                      c->name, d ? d : "?");
        free(d);
        return rc;
    }
    return AW_OK;
}

void sv_set_alive(aw_sup *s, bool on)
{
    pthread_mutex_lock(&s->mu);
    s->alive = on;
    pthread_mutex_unlock(&s->mu);
}

static aw_err load_children(aw_sup *s)
{
    for (size_t i = 0; i < s->spec->n_children; i++)
        if (!sv_add_child(s, &s->spec->children[i]))
            return aw__fail(AW_ENOMEM, "out of memory for supervisor '%s'", s->spec->name);
    return AW_OK;
}

/* A nested supervisor restarted by its parent: fresh children from its spec. */
/* Its children start in its own turns, one at a time (S_BOOT). */
static void begin_boot(aw_sup *s)
{
    s->phase = S_BOOT;
    s->boot_i = 0;
    sys_msg sm = {.kind = SYS_BOOT};
    sv_post(s->self, &sm);
}

static aw_err reboot(aw_actor *a)
{
    aw_sup *s = (aw_sup *)a->guest;
    for (size_t i = 0; i < s->n; i++) child_clear(s, &s->kids[i]);
    s->n = 0;
    s->nstamps = 0;
    sv_set_alive(s, true);
    aw_err rc = load_children(s);
    if (rc) return rc;
    begin_boot(s);
    return AW_OK;
}

aw_err sv_spawn(aw_runtime *rt, const aw_supervisor_spec *spec, aw_actor *parent,
                        uint32_t child_id, bool async, aw_actor **out)
{
    aw_err rc = sv_check_spec(spec);
    if (rc) return rc;
    if (aw_registry_lookup(&rt->reg, spec->name))
        return aw__fail(AW_EEXIST, "an actor named '%s' is already running", spec->name);
    aw_sup *s = calloc(1, sizeof *s);
    if (!s || !(s->spec = sv_spec_dup(spec))) {
        free(s);
        return aw__fail(AW_ENOMEM, "out of memory starting supervisor '%s'", spec->name);
    }
    s->rt = rt;
    s->rng = spec->jitter_seed ? spec->jitter_seed : 0x9e3779b97f4a7c15ull;
    s->alive = true;
    pthread_mutex_init(&s->mu, NULL);
    aw_actor *a;
    if ((rc = aw_actor_new(rt, spec->name, &sup_class, NULL, rt->cfg.mailbox_capacity, &a))) {
        sup_destroy((aw_guest *)s);
        return rc;
    }
    a->guest = (aw_guest *)s;
    a->on_sys = sv_on_sys;
    s->self = a;
    if (parent) {
        aw_actor_ref(parent);
        a->parent = parent;
        a->child_id = child_id;
    }
    if ((rc = load_children(s)) != AW_OK || (!async && (rc = start_children(s)) != AW_OK) ||
        (rc = aw__runtime_register(rt, a)) != AW_OK) {
        char *d = strdup(aw_last_error());
        sv_set_alive(s, false);
        for (size_t i = s->n; i-- > 0;)  /* started, then lost the name: stop them */
            if (s->kids[i].actor) {
                atomic_store(&s->kids[i].actor->final, true);
                aw_actor_sup_stop(s->kids[i].actor, AW_SUPSTOP_FINAL);
                aw_actor_wait_dead(s->kids[i].actor);
                aw_actor_unref(s->kids[i].actor);  /* so that they release `a` */
                s->kids[i].actor = NULL;
            }
        aw_actor_unref(a);
        rc = aw__fail(rc, "%s", d ? d : "supervisor failed to start");
        free(d);
        return rc;
    }
    if (out) {
        aw_actor_ref(a);
        *out = a;
    }
    if (async) begin_boot(s);
    aw_actor_release_start(a);
    aw_actor_unref(a);  /* the registry holds it */
    return AW_OK;
}

