/* commands.c - requests to a supervisor: the public API turns each call
 * into a SYS message carrying a pending reply and waits; the supervisor
 * serves it in its own turn, in order with its children's events (a start
 * or a stop answers when the child is ready or gone). */
#include "sup.h"

#include <string.h>

/* ---- commands ------------------------------------------------------------- */

static void reply(aw_msg *m, aw_err err)
{
    if (!m->req) return;
    aw_call_result res = {.err = err, .detail = err ? strdup(aw_last_error()) : NULL};
    aw_pending_complete(m->req, &res);
}

static aw_err list_children(aw_sup *s, aw_child_info **out, size_t *n)
{
    aw_child_info *v = calloc(s->n ? s->n : 1, sizeof *v);
    if (!v) return aw__fail(AW_ENOMEM, "out of memory listing children");
    for (size_t i = 0; i < s->n; i++) {
        child *c = &s->kids[i];
        static const aw_child_state map[] = {AW_CHILD_RUNNING, AW_CHILD_RESTARTING,
                                             AW_CHILD_STOPPING, AW_CHILD_TERMINATED};
        v[i] = (aw_child_info){strdup(c->name), c->sub != NULL, c->restart, map[c->state],
                               c->restarts, c->last_reason, c->last_err,
                               c->last_detail ? strdup(c->last_detail) : NULL};
    }
    *out = v;
    *n = s->n;
    return AW_OK;
}

/* The reply waits for the child's exit or readiness. */
static bool wait_for(child *c, aw_msg *m)
{
    if (!m->req) return false;
    atomic_fetch_add(&m->req->refs, 1);
    c->waiter = m->req;
    return true;
}

/* Returns true when the reply waits for a child. */
bool sv_command(aw_sup *s, aw_msg *m, const sys_msg *sm)
{
    const char *who = s->spec->name;
    aw_err rc = AW_OK;
    child *c = sm->name ? sv_find_name(s, sm->name) : NULL;
    if (sm->cmd == CMD_LIST) {
        rc = list_children(s, sm->info, sm->ninfo);
    } else if (s->phase == S_STOPPING) {
        rc = aw__fail(AW_ESTOPPED, "supervisor '%s' is stopping", who);
    } else if (sm->cmd == CMD_START) {
        const char *name = sm->spec->supervisor ? sm->spec->supervisor->name : sm->spec->actor.name;
        if ((rc = sv_check_child(sm->spec)) != AW_OK) {
        } else if (sv_find_name(s, name)) {
            rc = aw__fail(AW_EEXIST, "supervisor '%s' already has a child named '%s'", who, name);
        } else if (!(c = sv_add_child(s, sm->spec))) {
            rc = aw__fail(AW_ENOMEM, "out of memory adding child '%s'", name);
        } else if ((rc = sv_start_child(s, c, true)) != AW_OK) {
            char *d = strdup(aw_last_error());
            sv_remove_child(s, c);
            rc = aw__fail(rc, "supervisor '%s': child '%s' failed to start: %s", who, name,
                          d ? d : "?");
            free(d);
        } else {
            return wait_for(c, m);  /* answered when it is ready, or failed to start */
        }
    } else if (!c) {
        rc = aw__fail(AW_ENOENT, "supervisor '%s' has no child named '%s'", who, sm->name);
    } else if (sm->cmd == CMD_TERMINATE) {
        if (c->state == C_RUNNING || c->state == C_STARTING) {
            c->intent = I_TERMINATE;
            sv_ask_stop(s, c, AW_SUPSTOP_FINAL);
            return wait_for(c, m);
        }
        if (c->state == C_STOPPING)
            rc = aw__fail(AW_EINVAL, "child '%s' of '%s' is already stopping", sm->name, who);
        else if (c->state == C_DOWN) sv_bury(s, c, AW_EXIT_SHUTDOWN);
    } else if (sm->cmd == CMD_RESTART) {
        if (c->state != C_TERMINATED)
            rc = aw__fail(AW_EEXIST, "child '%s' of '%s' is not terminated (terminate it first)",
                          sm->name, who);
        else if ((rc = sv_start_child(s, c, true)) == AW_OK)
            return wait_for(c, m);
    } else if (sm->cmd == CMD_DELETE) {
        if (c->state != C_TERMINATED)
            rc = aw__fail(AW_EINVAL, "child '%s' of '%s' is running: terminate it before "
                          "deleting it", sm->name, who);
        else sv_remove_child(s, c);
    }
    reply(m, rc);
    return false;
}

void sv_run_deferred(aw_sup *s)
{
    while (s->ndeferred && s->phase == S_RUNNING) {
        aw_msg *m = s->deferred[0];
        memmove(s->deferred, s->deferred + 1, --s->ndeferred * sizeof *s->deferred);
        sys_msg sm;
        memcpy(&sm, m->data, sizeof sm);
        sv_command(s, m, &sm);
        aw_actor_msg_free(m);
    }
}

/* ---- public API ----------------------------------------------------------- */

aw_err aw_supervisor_start(aw_runtime *rt, const aw_supervisor_spec *spec)
{
    aw__clear_error();
    if (!rt) return aw__fail(AW_EINVAL, "aw_supervisor_start: runtime is NULL");
    return sv_spawn(rt, spec, NULL, 0, false, NULL);
}

static aw_err get_sup(aw_runtime *rt, const char *name, aw_actor **out)
{
    if (!rt || !name) return aw__fail(AW_EINVAL, "runtime and supervisor name are required");
    aw_actor *a = aw_registry_get(&rt->reg, name);
    if (!a) return aw__fail(AW_ENOENT, "no supervisor named '%s'", name);
    if (a->on_sys != sv_on_sys) {
        aw_actor_unref(a);
        return aw__fail(AW_EINVAL, "'%s' is an actor, not a supervisor", name);
    }
    *out = a;
    return AW_OK;
}

aw_err aw_supervisor_stop(aw_runtime *rt, const char *name)
{
    aw__clear_error();
    aw_actor *a = NULL;
    aw_err rc = get_sup(rt, name, &a);
    if (rc) return rc;
    if (a->parent) {
        const char *p = a->parent->name;
        aw_actor_unref(a);
        return aw__fail(AW_EINVAL, "supervisor '%s' is a child of '%s': use "
                        "aw_supervisor_terminate_child", name, p);
    }
    aw__request_stop(a, AW_STOP_REASON_NORMAL);
    aw_actor_wait_dead(a);
    aw_actor_unref(a);
    return AW_OK;
}

static aw_err call(aw_runtime *rt, const char *sup, sys_msg *sm)
{
    aw__clear_error();
    aw_actor *a = NULL;
    aw_err rc = get_sup(rt, sup, &a);
    if (rc) return rc;
    aw_pending *p = aw_pending_new(NULL);
    aw_msg *m = p ? aw_msg_new(AW_MSG_SYS, sm, sizeof *sm) : NULL;
    if (!m) {
        if (p) { aw_pending_unref(p); aw_pending_unref(p); }
        aw_actor_unref(a);
        return aw__fail(AW_ENOMEM, "out of memory calling supervisor '%s'", sup);
    }
    m->req = p;
    bool alive = sv_post_msg(a, m);
    aw_actor_unref(a);
    if (!alive) {
        aw_pending_unref(p);
        return aw__fail(AW_ESTOPPED, "supervisor '%s' has stopped", sup);
    }
    aw_pending_wait(p, 0);
    rc = p->res.err;
    if (rc) aw__fail(rc, "%s", p->res.detail ? p->res.detail : aw_strerror(rc));
    aw_pending_unref(p);
    return rc;
}

aw_err aw_supervisor_start_child(aw_runtime *rt, const char *sup, const aw_child_spec *child)
{
    if (!child) return aw__fail(AW_EINVAL, "aw_supervisor_start_child: child spec is NULL");
    sys_msg sm = {.kind = SYS_CMD, .cmd = CMD_START, .spec = child};
    return call(rt, sup, &sm);
}

static aw_err by_name(aw_runtime *rt, const char *sup, const char *child, int cmd)
{
    if (!child) return aw__fail(AW_EINVAL, "child name is NULL");
    sys_msg sm = {.kind = SYS_CMD, .cmd = cmd, .name = child};
    return call(rt, sup, &sm);
}

aw_err aw_supervisor_terminate_child(aw_runtime *rt, const char *sup, const char *child)
{
    return by_name(rt, sup, child, CMD_TERMINATE);
}

aw_err aw_supervisor_restart_child(aw_runtime *rt, const char *sup, const char *child)
{
    return by_name(rt, sup, child, CMD_RESTART);
}

aw_err aw_supervisor_delete_child(aw_runtime *rt, const char *sup, const char *child)
{
    return by_name(rt, sup, child, CMD_DELETE);
}

aw_err aw_supervisor_children(aw_runtime *rt, const char *sup, aw_child_info **out, size_t *n)
{
    if (!out || !n) return aw__fail(AW_EINVAL, "aw_supervisor_children: out and n are required");
    *out = NULL;
    *n = 0;
    sys_msg sm = {.kind = SYS_CMD, .cmd = CMD_LIST, .info = out, .ninfo = n};
    return call(rt, sup, &sm);
}

void aw_child_info_free(aw_child_info *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].last_detail);
    }
    free(v);
}
