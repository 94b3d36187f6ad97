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
 * without them, a failure or a trap in either calls the upgrade off (an old
 * version that trapped in its snapshot is torn, and its next message
 * crashes it like any trap). Those
 * two calls, and the old version's on-stop, run to completion on the
 * actor's worker: an upgrade is rare, and each is bounded by the CPU
 * deadline. */
#include "deploy.h"

#include <stdio.h>
#include <string.h>

typedef struct swap {
    aw_guest *g;               /* the new instance, ready */
    aw_component *comp;        /* its class is comp->cls */
    bool handoff;
    uint8_t *config;           /* a copy, for a supervised child's spec */
    size_t config_len;
} swap;

static void drop_swap(void *arg)
{
    swap *s = arg;
    s->comp->cls->destroy(s->g);  /* releases its component reference */
    free(s->config);
    free(s);
}

/* The state handoff: the old version's snapshot into the new one's
 * restore. On a failure the upgrade is called off: the new instance goes,
 * the old one keeps serving, and the caller gets why. */
static bool hand_over(aw_actor *a, swap *s, aw_pending *req)
{
    aw_call_result snap, res;
    aw_guest_run(a->cls, a->guest, AW_CALL_SNAPSHOT, NULL, 0, 0, &snap);
    if (!snap.err) aw_guest_run(s->comp->cls, s->g, AW_CALL_RESTORE, snap.reply, snap.reply_len, 0, &res);
    aw_call_result *bad = snap.err ? &snap : res.err ? &res : NULL;
    if (bad) {
        char *why = aw__strfmt("state handoff to '%s' failed, the old version keeps serving: %s",
                               s->comp->name, bad->detail ? bad->detail : aw_strerror(bad->err));
        aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "%s", why ? why : "state handoff failed");
        if (req) aw_pending_fail(req, bad->err, why ? why : "state handoff failed");
        free(why);
    } else {
        aw__runtime_log(a->rt, AW_LOG_INFO, a->name, "state handed over (%zu bytes)", snap.reply_len);
    }
    if (!snap.err) aw_call_result_clear(&res);
    aw_call_result_clear(&snap);
    return !bad;
}

static void switch_on_turn(aw_actor *a, void *arg, aw_pending *req)
{
    swap *s = arg;
    uint64_t t0 = aw__now_ns();
    if (s->handoff && !hand_over(a, s, req)) {
        drop_swap(s);
        return;
    }
    aw_call_result res;
    aw_guest_run(a->cls, a->guest, AW_CALL_STOP, NULL, 0, AW_STOP_REASON_NORMAL, &res);
    if (res.err)  /* the old version's hook failed: it is going anyway */
        aw__runtime_log(a->rt, AW_LOG_WARN, a->name, "on-stop of the old version failed: %s",
                        res.detail ? res.detail : aw_strerror(res.err));
    aw_call_result_clear(&res);
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
    free(s->config);
    free(s);
    /* the pause, handed back as the result's status (in µs, clamped) */
    uint64_t us = (aw__now_ns() - t0 + 999) / 1000;
    if (req) aw_pending_complete(req, &(aw_call_result){.status = us > INT32_MAX ? INT32_MAX : (int32_t)us});
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
