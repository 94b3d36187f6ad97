/* upgrade.c - replace a running actor's code in place (aw_upgrade).
 *
 * The new version is instantiated, and its init and start hooks run, on the
 * caller's thread while the old version keeps serving. The switch itself is
 * a call message (AW_MSG_CALL) pushed into the actor's own mailbox: it runs
 * on the actor's turn, between two messages, so nothing is in flight when
 * the guest changes hands. Mailboxes are FIFO, which fixes who handles what:
 * every message queued before the switch message goes to the old version,
 * every later one to the new; none is handled twice or lost. A request the
 * old guest itself has outstanding finishes first (the actor is inside that
 * call, and a call message waits for the call to end). At the switch the
 * old version's on-stop hook runs (reason normal), then its instance goes.
 * Name, address, mailbox and subscriptions stay; the component's grants and
 * limits become the new one's. A supervised child's spec is updated too
 * (from the child's turn, so before any exit of the new version reaches
 * the supervisor): its restarts bring the new version back. If the actor stops before the switch, the
 * new instance is dropped and the caller gets the stop.
 *
 * With handoff, the switch first calls the old version's snapshot and feeds
 * the bytes to the new version's restore (core ABI: aw_snapshot replying
 * the state, aw_restore(ptr, len); WIT: the state interface). A version
 * without them, a failure or a trap in either calls the upgrade off. An
 * old version that trapped or ran out of time in its snapshot is torn: it
 * crashes there and then, like a trap in a message, and its supervisor (if
 * any) restarts it. Those two calls and the old version's
 * on-stop are calls of the runtime's own on the actor's turns
 * (aw_actor_sys_call): like any guest call they yield their worker every
 * time slice, park while they wait for a reply and meet the CPU deadline,
 * and messages wait behind them. If the actor ends during them (killed at
 * shutdown, stopped), the upgrade is abandoned and the caller told. */
#include "deploy.h"

#include <stdio.h>
#include <string.h>

typedef struct swap {
    aw_guest *g;               /* the new instance, ready */
    aw_component *comp;        /* its class is comp->cls */
    bool handoff;
    uint8_t *config;           /* a copy, for a supervised child's spec */
    size_t config_len;
    /* on the actor's turns */
    aw_pending *req;           /* counted: the caller waits on it */
    uint64_t t0;
    aw_call_result snap;       /* the old version's state, read by restore */
    aw_guest *old;             /* set while the new guest is the actor's, for restore */
    const aw_guest_class *old_cls;
} swap;

static void free_swap(swap *s)
{
    if (s->req) aw_pending_unref(s->req);
    aw_call_result_clear(&s->snap);
    free(s->config);
    free(s);
}

/* Dropped unrun (the actor stopped before the switch message came up). */
static void drop_swap(void *arg)
{
    swap *s = arg;
    s->comp->cls->destroy(s->g);  /* releases its component reference */
    free_swap(s);
}

/* Called off: the new instance goes, the old one keeps serving, the caller
 * hears why. */
static void call_off(aw_actor *a, swap *s, aw_err err, const char *why)
{
    aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "%s", why);
    if (s->req) aw_pending_fail(s->req, err, why);
    drop_swap(s);
}

/* The actor ended during the switch: its current instance is gone already;
 * the other one is ours to drop. */
static void abandoned(aw_actor *a, void *ud)
{
    swap *s = ud;
    if (s->old) s->old_cls->destroy(s->old);  /* the new one was the actor's */
    else s->comp->cls->destroy(s->g);
    if (s->req) aw_pending_fail(s->req, AW_ESTOPPED, "the actor stopped during the upgrade");
    aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "upgrade to '%s' abandoned: the actor stopped",
                    s->comp->name);
    free_swap(s);
}

static void handoff_failed(aw_actor *a, swap *s, aw_err err, const char *detail)
{
    char *why = aw__strfmt("state handoff to '%s' failed, the old version keeps serving: %s",
                           s->comp->name, detail ? detail : aw_strerror(err));
    call_off(a, s, err, why ? why : "state handoff failed");
    free(why);
}

/* A step the guest refused before it started: nothing ran, nothing is torn. */
static void refused(aw_actor *a, swap *s, aw_err err)
{
    char *d = strdup(aw_last_error());
    handoff_failed(a, s, err, d);
    free(d);
}

/* The last step: the old version's on-stop has run; the new one takes over. */
static void after_stop(aw_actor *a, void *ud, aw_call_result *res)
{
    swap *s = ud;
    if (res->err)  /* the old version's hook failed: it is going anyway */
        aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "on-stop of the old version failed: %s",
                        res->detail ? res->detail : aw_strerror(res->err));
    aw_call_result_clear(res);
    const aw_guest_class *old_cls = a->cls;
    aw_guest *old = a->guest;
    aw_component *old_comp = a->comp;
    atomic_fetch_add(&s->comp->refs, 1);  /* the actor's own reference, as at spawn */
    pthread_mutex_lock(&a->mu);  /* aw_actors() reads comp from other threads */
    a->guest = s->g;
    a->cls = s->comp->cls;
    a->comp = s->comp;
    pthread_mutex_unlock(&a->mu);
    old_cls->destroy(old);
    aw__runtime_log(a->rt, AW_LOG_INFO, a->name, "upgraded from component '%s' to '%s'",
                    old_comp->name, s->comp->name);
    aw_component_release(old_comp);
    aw__audit_actor(a, "upgrade", s->comp->name, "allowed", "switched in place");
    if (a->parent) aw__sup_child_upgraded(a, s->comp, s->config, s->config_len);
    /* the pause, handed back as the result's status (in µs, clamped) */
    uint64_t us = (aw__now_ns() - s->t0 + 999) / 1000;
    if (s->req)
        aw_pending_complete(s->req, &(aw_call_result){.status = us > INT32_MAX ? INT32_MAX : (int32_t)us});
    free_swap(s);
}

static void stop_old(aw_actor *a, swap *s)
{
    aw_err rc = aw_actor_sys_call(a, AW_CALL_STOP, NULL, 0, AW_STOP_REASON_NORMAL, after_stop,
                                  abandoned, s);
    if (rc) {  /* it has no on-stop to run, or cannot: the switch goes on */
        aw_call_result res = {0};
        after_stop(a, s, &res);
    }
}

/* The new version took the state (or refused it: then the old one is put
 * back, untouched). */
static void after_restore(aw_actor *a, void *ud, aw_call_result *res)
{
    swap *s = ud;
    a->guest = s->old;  /* the old version again, for its on-stop or for good */
    a->cls = s->old_cls;
    s->old = NULL;
    if (res->err) {  /* the new instance goes: torn or not, it does not matter */
        handoff_failed(a, s, res->err, res->detail);
        aw_call_result_clear(res);
        return;
    }
    aw__runtime_log(a->rt, AW_LOG_INFO, a->name, "state handed over (%zu bytes)", s->snap.reply_len);
    aw_call_result_clear(res);
    stop_old(a, s);
}

/* The old version's state is in; the new instance becomes the actor's for
 * its restore call, so that it runs (and yields) like any call. */
static void after_snapshot(aw_actor *a, void *ud, aw_call_result *res)
{
    swap *s = ud;
    if (res->err == AW_EGUEST) {  /* it declined: still whole, it keeps serving */
        handoff_failed(a, s, res->err, res->detail);
        aw_call_result_clear(res);
        return;
    }
    if (res->err) {  /* trapped or out of time mid-call: the old instance is torn */
        aw_err err = res->err;
        char *d = res->detail ? strdup(res->detail) : NULL;
        aw_call_result_clear(res);
        aw__runtime_log(a->rt, AW_LOG_ERROR, a->name, "crashed in its state snapshot: %s",
                        d ? d : aw_strerror(err));
        aw__audit_actor(a, "crash", a->name, "n/a", d ? d : aw_strerror(err));
        /* as for any crash, the name is free before the caller hears */
        aw_actor_exit(a, AW_EXIT_CRASH, err, d);  /* a supervisor restarts the old version */
        handoff_failed(a, s, err, d);
        free(d);
        return;
    }
    s->snap = *res;
    s->old = a->guest;
    s->old_cls = a->cls;
    a->guest = s->g;
    a->cls = s->comp->cls;
    aw_err rc = aw_actor_sys_call(a, AW_CALL_RESTORE, s->snap.reply, s->snap.reply_len, 0,
                                  after_restore, abandoned, s);
    if (rc) {
        a->guest = s->old;
        a->cls = s->old_cls;
        s->old = NULL;
        refused(a, s, rc);
    }
}

/* On the actor's turn, between two messages. Each step is a call of the
 * runtime's own on the actor (aw_actor_sys_call): it yields its worker
 * like any guest call, and the next step starts from its result. */
static void switch_on_turn(aw_actor *a, void *arg, aw_pending *req)
{
    swap *s = arg;
    s->t0 = aw__now_ns();
    aw__runtime_log(a->rt, AW_LOG_INFO, a->name, "switching to component '%s'%s", s->comp->name,
                    s->handoff ? ", with its state" : "");
    if (req) {
        atomic_fetch_add(&req->refs, 1);  /* completed after this message is freed */
        s->req = req;
    }
    if (!s->handoff) {
        stop_old(a, s);
        return;
    }
    aw_err rc = aw_actor_sys_call(a, AW_CALL_SNAPSHOT, NULL, 0, 0, after_snapshot, abandoned, s);
    if (rc) refused(a, s, rc);
}

aw_err aw_upgrade(aw_runtime *rt, const char *name, aw_component *comp, aw_upgrade_options *opt)
{
    aw_upgrade_options none = {0};
    if (!opt) opt = &none;
    const uint8_t *config = opt->config;
    size_t config_len = opt->config_len;
    aw__clear_error();
    if (!rt || !name || !comp) return aw__fail(AW_EINVAL, "aw_upgrade: runtime, name and component are required");
    aw_actor *a = aw_registry_get(&rt->reg, name);
    if (!a) return aw__fail(AW_ENOENT, "no actor named '%s'", name);
    aw_err rc = AW_OK;
    if (a->on_sys) rc = aw__fail(AW_EINVAL, "'%s' is a supervisor: upgrade its children", name);
    else if (!a->comp)
        rc = aw__fail(AW_EINVAL, "actor '%s' is a native actor: there is no code to upgrade", name);
    swap *s = rc ? NULL : calloc(1, sizeof *s);
    if (!rc && !s) rc = aw__fail(AW_ENOMEM, "out of memory upgrading '%s'", name);
    if (rc) { aw_actor_unref(a); free(s); return rc; }
    aw_actor_spec spec = {.name = name, .component = comp, .config = config, .config_len = config_len};
    s->comp = comp;
    s->handoff = opt->handoff;
    s->config_len = config_len;
    if (config_len && !(s->config = malloc(config_len))) s->config_len = 0;
    else if (config_len) memcpy(s->config, config, config_len);
    if ((rc = aw__make_guest(rt, a, &spec, false, &s->g)) != AW_OK) {
        free(s);
        aw_actor_unref(a);
        return rc;  /* the old version never stopped serving */
    }
    if ((rc = aw__run_hooks(comp->cls, s->g, config, config_len)) != AW_OK) {
        aw_err e = aw__fail(rc, "upgrade of '%s' to '%s' refused by the new version: %s", name,
                            comp->name, aw_last_error());
        drop_swap(s);
        aw_actor_unref(a);
        return e;
    }
    char what[300];
    snprintf(what, sizeof what, "upgrade of '%s'", name);
    int32_t us = 0;
    rc = aw__on_turn(a, switch_on_turn, drop_swap, s, what, &us);
    aw_actor_unref(a);
    if (!rc) opt->switch_ns = (uint64_t)us * 1000u;
    return rc;
}
