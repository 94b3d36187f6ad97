/* mailbox.h - bounded multi-producer single-consumer message queue.
 *
 * Producers are any threads (host callers, other actors' workers); the one
 * consumer is whichever worker is running the actor. The queue is Vyukov's
 * intrusive MPSC list (one atomic exchange per push, no locks). The push count
 * and the "closed" state share one atomic word, so a push either takes a slot
 * in an open mailbox or fails with a reason: nothing is accepted after close.
 *
 * Producers and the consumer write separate cache lines: the consumer counts
 * pops in its own word, and producers compare against a copy of that count
 * they refresh only when the mailbox looks full (the copy is never ahead of
 * the truth, so a stale one can only make the bound stricter, briefly). */
#ifndef AW_MAILBOX_H
#define AW_MAILBOX_H

#include "../common/common.h"

#include <stdatomic.h>
#include <stdbool.h>

typedef struct aw_pending aw_pending;

/* SYS: runtime-internal (supervision events and commands); never from a
 * user sender, so a supervisor cannot be sent a forged event. CALL: run a
 * function on the actor's own turn, between two messages (its data is an
 * aw_msg_call); the runtime uses it to change an actor in place. */
typedef enum aw_msg_kind { AW_MSG_USER, AW_MSG_STOP, AW_MSG_SYS, AW_MSG_CALL } aw_msg_kind;

typedef struct aw_msg {
    _Atomic(struct aw_msg *) next;
    aw_msg_kind kind;
    aw_pending *req;     /* NULL for fire-and-forget */
    const char *topic;   /* set for a publish (points into this block) */
    size_t len;
    uint8_t data[];
} aw_msg;

typedef struct aw_mailbox {
    /* producers' line */
    _Alignas(64) _Atomic(aw_msg *) head;  /* producers swap themselves in here */
    _Atomic uint64_t pushed;      /* pushes so far | CLOSED bit */
    _Atomic uint64_t popped_seen; /* some past value of `popped` */
    uint32_t capacity;
    /* consumer's line */
    _Alignas(64) aw_msg *tail;
    _Atomic uint64_t popped;      /* written by the consumer only */
    aw_msg stub;
} aw_mailbox;

/* Messages come from a small-block pool: a producer thread allocates and
 * the consumer's worker frees, which defeats malloc's per-thread caches.
 * Free with aw_msg_free only. */
/* data NULL: len bytes left for the caller to fill */
aw_msg *aw_msg_new(aw_msg_kind kind, const void *data, size_t len);
void aw_msg_free(aw_msg *m);
aw_msg *aw_msg_new_topic(const void *data, size_t len, const char *topic, size_t topic_len);

void aw_mailbox_init(aw_mailbox *mb, uint32_t capacity);
/* AW_OK, AW_EFULL or AW_ESTOPPED (closed). `force` ignores the bound and the
 * closed bit (used for the stop message). */
aw_err aw_mailbox_push(aw_mailbox *mb, aw_msg *m, bool force);
/* Past the capacity, but never into a closed mailbox (AW_ESTOPPED). */
aw_err aw_mailbox_push_unbounded(aw_mailbox *mb, aw_msg *m);
/* Consumer only. NULL when empty, or while a producer is mid-push. */
aw_msg *aw_mailbox_pop(aw_mailbox *mb);
/* Consumer only: the message pop would return, left in place (or NULL). */
aw_msg *aw_mailbox_peek(aw_mailbox *mb);
uint32_t aw_mailbox_count(aw_mailbox *mb);
void aw_mailbox_close(aw_mailbox *mb);
bool aw_mailbox_closed(aw_mailbox *mb);

#endif
