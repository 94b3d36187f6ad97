/* route.c - named routes over component versions (aw_route_*).
 *
 * A route is an actor with no guest: its name ("/payment", "orders.v1")
 * is sent to like any actor's, by host code or by guests, and it passes
 * each message on, unchanged (a request keeps its pending, so the reply
 * goes straight to the requester), to one of its targets, picked by smooth
 * weighted round-robin: with weights 90/10 every run of ten messages gives
 * nine to the first target and one to the second.
 *
 * A change of targets or weights is a call message in the route's own
 * mailbox, so it takes effect between two messages: each message is routed
 * by exactly one table, once. A target that is gone or stopping is skipped
 * for the next one with a weight; when none is left, a request fails with
 * that reason and a plain message is logged as undelivered and counted.
 * Forwarding ignores the target's mailbox bound (the route's own mailbox
 * is where senders meet backpressure), so nothing accepted is dropped. */
#include "deploy.h"

#include <stdio.h>
#include <string.h>

typedef struct target {
    char name[256];
    uint32_t weight;
    int64_t current;  /* smooth weighted round-robin state */
    uint64_t addr;    /* cached; re-resolved by name when it goes stale */
} target;

typedef struct route {
    target *t;
    size_t n;
    uint64_t forwarded, undelivered;
} route;

typedef struct table { target *t; size_t n; } table;

static aw_err route_begin(aw_guest *g, aw_call_kind kind, const uint8_t *data, size_t len,
                          int32_t arg)
{
    AW_UNUSED(g); AW_UNUSED(data); AW_UNUSED(len); AW_UNUSED(arg);
    return kind == AW_CALL_MESSAGE ? aw__fail(AW_EINVAL, "a route handles no message itself")
                                   : AW_OK;
}

static bool route_poll(aw_guest *g, aw_call_result *out)
{
    AW_UNUSED(g);
    memset(out, 0, sizeof *out);
    return true;
}

static void route_destroy(aw_guest *g)
{
    route *r = (route *)g;
    free(r->t);
    free(r);
}

static const aw_guest_class route_class = {
    .name = "route", .begin = route_begin, .poll = route_poll, .destroy = route_destroy,
};

/* The next target by weight, skipping `skip` (tried and failed). */
static target *pick(route *r, const bool *skip)
{
    int64_t total = 0;
    target *best = NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->t[i].weight || skip[i]) continue;
        r->t[i].current += r->t[i].weight;
        total += r->t[i].weight;
        if (!best || r->t[i].current > best->current) best = &r->t[i];
    }
    if (best) best->current -= total;
    return best;
}

static aw_actor *resolve(aw_runtime *rt, target *t)
{
    aw_actor *a = t->addr ? aw_registry_resolve(&rt->reg, t->addr) : NULL;
    if (!a && (t->addr = aw_registry_lookup(&rt->reg, t->name)))
        a = aw_registry_resolve(&rt->reg, t->addr);
    return a;
}

static void forward(aw_actor *self, aw_msg *m)
{
    route *r = (route *)self->guest;
    bool skip[64] = {false};
    for (size_t tries = 0; tries < r->n && tries < 64; tries++) {
        target *t = pick(r, skip);
        if (!t) break;
        aw_actor *a = resolve(self->rt, t);
        aw_err e = a ? aw_mailbox_push_unbounded(&a->mb, m) : AW_ENOENT;
        if (e == AW_OK) {
            aw_actor_schedule(a);
            aw_actor_unref(a);
            r->forwarded++;
            return;
        }
        if (a) aw_actor_unref(a);
        skip[t - r->t] = true;  /* gone or stopping: the next one */
    }
    r->undelivered++;
    char why[600];
    snprintf(why, sizeof why, "route '%s': no live target to take the message", self->name);
    if (m->req) aw_pending_fail(m->req, AW_ENOENT, why);
    else aw__runtime_log(self->rt, AW_LOG_WARN, self->name, "%s: a sent message was not delivered", why);
    aw_actor_msg_free(m);
}

/* ---- changes, on the route's turn ---------------------------------------- */

static void swap_table(aw_actor *self, void *arg, aw_pending *req)
{
    route *r = (route *)self->guest;
    table *nt = arg;
    for (size_t i = 0; i < nt->n; i++)  /* a target that stays keeps its place in the rotation */
        for (size_t k = 0; k < r->n; k++)
            if (!strcmp(nt->t[i].name, r->t[k].name)) nt->t[i].current = r->t[k].current;
    free(r->t);
    r->t = nt->t;
    r->n = nt->n;
    free(nt);
    if (req) aw_pending_complete(req, &(aw_call_result){0});
}

static void drop_table(void *arg)
{
    table *nt = arg;
    free(nt->t);
    free(nt);
}

static aw_err make_table(aw_runtime *rt, const char *route_name, const aw_route_target *ts, size_t n,
                         table **out)
{
    uint64_t sum = 0;
    if (!ts || !n || n > 64) return aw__fail(AW_EINVAL, "route '%s': 1..64 targets, got %zu", route_name, n);
    for (size_t i = 0; i < n; i++) {
        if (!ts[i].actor || !aw__valid_name(ts[i].actor))
            return aw__fail(AW_EINVAL, "route '%s': target %zu has no valid actor name", route_name, i);
        if (!strcmp(ts[i].actor, route_name))
            return aw__fail(AW_EINVAL, "route '%s' cannot target itself", route_name);
        if (ts[i].weight && !aw_registry_lookup(&rt->reg, ts[i].actor))
            return aw__fail(AW_ENOENT, "route '%s': no actor named '%s'", route_name, ts[i].actor);
        sum += ts[i].weight;
    }
    if (!sum) return aw__fail(AW_EINVAL, "route '%s': every weight is 0", route_name);
    table *t = calloc(1, sizeof *t);
    if (t) t->t = calloc(n, sizeof *t->t);
    if (!t || !t->t) {
        free(t);
        return aw__fail(AW_ENOMEM, "out of memory for route '%s'", route_name);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(t->t[i].name, sizeof t->t[i].name, "%s", ts[i].actor);
        t->t[i].weight = ts[i].weight;
    }
    t->n = n;
    *out = t;
    return AW_OK;
}

/* Run fn on the route's turn and wait for it. */
static aw_err on_route(aw_runtime *rt, const char *name, void (*fn)(aw_actor *, void *, aw_pending *),
                       void (*drop)(void *), void *arg)
{
    aw_actor *a = aw_registry_get(&rt->reg, name);
    if (!a || a->cls != &route_class) {
        if (a) aw_actor_unref(a);
        drop(arg);
        return aw__fail(AW_ENOENT, "no route named '%s'", name);
    }
    char what[300];
    snprintf(what, sizeof what, "route '%s'", name);
    aw_err rc = aw__on_turn(a, fn, drop, arg, what, NULL);
    aw_actor_unref(a);
    return rc;
}

/* ---- API -------------------------------------------------------------------- */

aw_err aw_route_create(aw_runtime *rt, const char *name, const aw_route_target *ts, size_t n)
{
    aw__clear_error();
    if (!rt || !name || !aw__valid_name(name))
        return aw__fail(AW_EINVAL, "aw_route_create: a runtime and a valid route name are required");
    if (aw_registry_lookup(&rt->reg, name))
        return aw__fail(AW_EEXIST, "an actor or route named '%s' already exists", name);
    table *t;
    aw_err rc = make_table(rt, name, ts, n, &t);
    if (rc) return rc;
    route *r = calloc(1, sizeof *r);
    aw_actor *a = NULL;
    if (!r) { drop_table(t); return aw__fail(AW_ENOMEM, "out of memory for route '%s'", name); }
    r->t = t->t;
    r->n = t->n;
    free(t);
    if ((rc = aw_actor_new(rt, name, &route_class, NULL, rt->cfg.mailbox_capacity, &a)) != AW_OK) {
        route_destroy((aw_guest *)r);
        return rc;
    }
    a->guest = (aw_guest *)r;
    a->forward = forward;
    if ((rc = aw__runtime_register(rt, a)) != AW_OK) {
        aw_actor_unref(a);
        return rc == AW_EEXIST ? aw__fail(rc, "an actor or route named '%s' already exists", name) : rc;
    }
    aw_actor_release_start(a);
    aw_actor_unref(a);  /* the registry holds it */
    return AW_OK;
}

aw_err aw_route_set(aw_runtime *rt, const char *name, const aw_route_target *ts, size_t n)
{
    aw__clear_error();
    if (!rt || !name) return aw__fail(AW_EINVAL, "aw_route_set: runtime and route name are required");
    table *t;
    aw_err rc = make_table(rt, name, ts, n, &t);
    return rc ? rc : on_route(rt, name, swap_table, drop_table, t);
}

typedef struct unweight { char name[256]; bool found; } unweight;

static void keep(void *arg) { AW_UNUSED(arg); }

static void zero_weight(aw_actor *self, void *arg, aw_pending *req)
{
    route *r = (route *)self->guest;
    unweight *u = arg;
    uint32_t others = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->t[i].name, u->name)) others += r->t[i].weight;
    aw_call_result res = {0};
    for (size_t i = 0; i < r->n && others; i++)
        if (!strcmp(r->t[i].name, u->name)) { r->t[i].weight = 0; u->found = true; }
    if (!others) {
        res.err = AW_EINVAL;
        res.detail = aw__strfmt("'%s' is the route's only target with a weight: route elsewhere first", u->name);
    } else if (!u->found) {
        res.err = AW_ENOENT;
        res.detail = aw__strfmt("'%s' is not one of its targets", u->name);
    }
    if (req) aw_pending_complete(req, &res);
}

static void drained(aw_actor *self, void *arg, aw_pending *req)
{
    AW_UNUSED(self); AW_UNUSED(arg);
    if (req) aw_pending_complete(req, &(aw_call_result){0});
}

/* An unsupervised target stops as aw_stop does: its queued mail first, then
 * its on-stop. A supervised one would lose its queue to a terminate (that
 * mail waits for a next instance), so a marker goes through its mailbox
 * first: once it comes up, everything the route gave it has been handled.
 * Then its supervisor terminates it (on-stop, the kill after its
 * shutdown_ms) and forgets its spec, so it does not come back. */
static aw_err drain_and_stop(aw_runtime *rt, const char *actor)
{
    aw_actor *t = aw_registry_get(&rt->reg, actor);
    if (!t) return AW_OK;  /* gone already */
    if (!t->parent) {
        aw_actor_unref(t);
        return aw_stop(rt, actor);
    }
    char parent[256], what[300];
    snprintf(parent, sizeof parent, "%s", t->parent->name);
    snprintf(what, sizeof what, "draining '%s'", actor);
    aw__on_turn(t, drained, keep, NULL, what, NULL);  /* failed: it ended meanwhile */
    aw_actor_unref(t);
    aw_err rc = aw_supervisor_terminate_child(rt, parent, actor);
    if (rc == AW_OK) rc = aw_supervisor_delete_child(rt, parent, actor);
    return rc == AW_ENOENT ? AW_OK : rc;  /* a temporary child's spec goes with it */
}

aw_err aw_route_remove_version(aw_runtime *rt, const char *name, const char *actor)
{
    aw__clear_error();
    if (!rt || !name || !actor) return aw__fail(AW_EINVAL, "aw_route_remove_version: NULL argument");
    unweight *u = calloc(1, sizeof *u);
    if (!u) return aw__fail(AW_ENOMEM, "out of memory");
    snprintf(u->name, sizeof u->name, "%s", actor);
    /* u is freed here, after the wait, never by the call */
    aw_err rc = on_route(rt, name, zero_weight, keep, u);
    free(u);
    if (rc) return rc;
    /* No new message reaches it now; it handles what it has, then stops. */
    return drain_and_stop(rt, actor);
}

/* ---- reading a route ---------------------------------------------------------- */

/* On the route's turn the table is still: copy it out. */
static void copy_table(aw_actor *self, void *arg, aw_pending *req)
{
    route *r = (route *)self->guest;
    aw_route_info *out = arg;
    aw_call_result res = {0};
    out->targets = calloc(r->n ? r->n : 1, sizeof *out->targets);
    for (size_t i = 0; out->targets && i < r->n; i++) {
        out->targets[i].weight = r->t[i].weight;
        if (!(out->targets[i].actor = strdup(r->t[i].name))) break;
        out->n_targets = i + 1;
    }
    if (out->n_targets != r->n) res.err = AW_ENOMEM;
    out->forwarded = r->forwarded;
    out->undelivered = r->undelivered;
    if (req) aw_pending_complete(req, &res);
}

aw_err aw_route_info_get(aw_runtime *rt, const char *name, aw_route_info *out)
{
    aw__clear_error();
    if (!rt || !name || !out) return aw__fail(AW_EINVAL, "aw_route_info_get: NULL argument");
    memset(out, 0, sizeof *out);
    aw_err rc = on_route(rt, name, copy_table, keep, out);
    if (rc) aw_route_info_free(out);
    return rc;
}

void aw_route_info_free(aw_route_info *info)
{
    if (!info) return;
    for (size_t i = 0; i < info->n_targets; i++) free((char *)info->targets[i].actor);
    free(info->targets);
    memset(info, 0, sizeof *info);
}
