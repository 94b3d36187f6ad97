/* deploy.h - what the hot-deployment files share (private): running a
 * function on an actor's own turn, between two of its messages. */
#ifndef AW_DEPLOY_H
#define AW_DEPLOY_H

#include "../runtime/runtime.h"

/* Push a call message into a's mailbox (past its capacity) and wait until
 * fn has run on a's turn, or the actor stopped and dropped it. Returns
 * what fn completed its pending with (its status in *status when not
 * NULL); an error's detail is in aw_last_error(). On any failure before the
 * push, drop(arg) has run. `what` names the operation in errors. */
aw_err aw__on_turn(aw_actor *a, void (*fn)(aw_actor *, void *, aw_pending *), void (*drop)(void *),
                   void *arg, const char *what, int32_t *status);

#endif
