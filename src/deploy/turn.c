/* turn.c - run a function on an actor's own turn (see deploy.h). The call
 * rides the actor's mailbox like a message, so it is ordered with the mail
 * around it: everything queued before it is handled first. */
#include "deploy.h"

aw_err aw__on_turn(aw_actor *a, void (*fn)(aw_actor *, void *, aw_pending *), void (*drop)(void *),
                   void *arg, const char *what, int32_t *status)
{
    aw_msg_call call = {fn, drop, arg};
    aw_msg *m = aw_msg_new(AW_MSG_CALL, &call, sizeof call);
    aw_pending *p = m ? aw_pending_new(NULL) : NULL;
    if (!p) {
        aw_msg_free(m);
        drop(arg);
        return aw__fail(AW_ENOMEM, "out of memory for %s", what);
    }
    m->req = p;
    aw_err rc = aw_actor_deliver(a, m, true);  /* forced: a full mailbox must not refuse it */
    if (rc) {
        aw_pending_unref(p);
        aw_actor_msg_free(m);  /* runs drop */
        return rc;
    }
    aw_pending_wait(p, 0);  /* fn ran, or the actor stopped and dropped it */
    rc = p->res.err;
    if (status) *status = p->res.status;
    if (rc) aw__fail(rc, "%s: %s", what, p->res.detail ? p->res.detail : aw_strerror(rc));
    aw_pending_unref(p);
    return rc;
}
