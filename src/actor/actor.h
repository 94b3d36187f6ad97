/* actor.h - an actor: a guest instance, a mailbox, and a turn function.
 *
 * Workers call aw_actor_turn() for an actor that has mail. A turn handles up
 * to `batch` messages; a guest call that yields (time slice spent) is kept as
 * the actor's current call and the actor goes to the back of the run queue,
 * so one busy guest never holds a worker. At most one worker runs a given
 * actor at a time: the `scheduled` flag is set by whoever enqueues it and
 * cleared only by the worker that finds it idle. */
#ifndef AW_ACTOR_H
#define AW_ACTOR_H

#include "../engine/engine.h"
#include "../security/caps.h"
#include "mailbox.h"

#include <pthread.h>

typedef struct aw_runtime aw_runtime;

/* A pending request. The responder (or a timeout, or a crash) completes it;
 * the first completion wins. A host thread waits on the condition variable;
 * an actor that asked from inside a guest call parks instead, and the
 * completion puts it back on the run queue. */
enum { AW_PENDING_WAITING, AW_PENDING_PARKED, AW_PENDING_DONE };

struct aw_pending {
    atomic_int refs;
    atomic_int state;
    atomic_bool claimed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct aw_actor *waiter;  /* counted; NULL for a host thread */
    _Atomic uint64_t timer;   /* its timeout timer, if any (set and read on different threads) */
    aw_call_result res;
    /* instead of a waiter: called once, on the completing thread, with the
     * result in res (the callee must not free r: the caller holds a ref) */
    void (*on_done)(struct aw_pending *r);
    void *ud;
};

aw_pending *aw_pending_new(struct aw_actor *waiter);
void aw_pending_complete(aw_pending *r, aw_call_result *res); /* moves res */
void aw_pending_fail(aw_pending *r, aw_err err, const char *detail);
/* AW_OK when completed, AW_ETIMEDOUT otherwise. */
aw_err aw_pending_wait(aw_pending *r, uint32_t timeout_ms);
void aw_pending_unref(aw_pending *r);

typedef struct aw_actor {
    /* First three: kept (not zeroed) when the registry's pool recycles the
     * struct, because lock-free readers may look at them at any time. */
    atomic_int refs;
    _Atomic uint64_t addr;   /* generation << 32 | slot; 0 while not registered */
    char name[256];          /* inline: type-stable like the struct */
    aw_runtime *rt;
    const aw_guest_class *cls;
    aw_component *comp;      /* NULL for a native actor */
    aw_guest *guest;
    aw_mailbox mb;
    /* read by every sender: kept off the lines the consumer writes per
     * message, or each send would miss in the cache */
    _Alignas(64) atomic_bool scheduled;
    atomic_int state;        /* aw_actor_state */
    atomic_bool kill;        /* abort the current call at the next poll */
    atomic_int stop_reason;  /* AW_STOP_REASON_* for the on-stop hook */
    struct aw_actor *run_next;

    _Atomic(aw_pending *) parked_on;  /* counted while parked */

    /* consumer-side only (the worker running the turn) */
    _Alignas(64) aw_pending *awaiting;    /* set by a host function whose call is blocked */
    uint32_t inline_left;    /* more messages the current call may take (next) */
    uint32_t inline_taken;   /* taken by it so far, counted against the turn */
    uint8_t *reply_in;       /* last reply to a request this actor made */
    size_t reply_in_len;
    bool stopping;
    bool released;           /* name and subscriptions given up */
    bool in_call;
    aw_call_kind call_kind;
    aw_msg *current;

    pthread_mutex_t mu;      /* guards `dead` for aw_actor_wait_dead */
    pthread_cond_t cv;
    bool dead;

    /* supervision: a supervised child reports its exits to `parent` and,
     * unless told to stop for good, goes `down` (instance dropped, name and
     * mailbox kept, not runnable) until the parent restarts or buries it. */
    struct aw_actor *parent;  /* counted, or NULL */
    uint32_t child_id;        /* its record in the parent */
    atomic_int sup_stop;      /* AW_SUPSTOP_*: a stop asked by the parent */
    atomic_bool final;        /* the next exit is for good */
    bool down;
    bool sup_stopping;        /* consumer side: the parent's stop has begun */
    aw_exit_reason down_why;  /* why it went down, told at the end of the turn */
    aw_err down_err;
    char *down_detail;
    /* started by a supervisor: init and start run as calls in its own turns
     * (they may yield like any call), then it tells the parent it is ready */
    bool booting;
    uint8_t boot_step;
    uint8_t *boot_cfg;
    size_t boot_cfg_len;
    aw_bucket bucket;         /* consumer side: its guest's messaging rate */
    bool exit_asked;          /* its guest called airssys.exit, with exit_status */
    int32_t exit_status;
    /* supervisors only: runtime messages (m NULL: a stop was requested) */
    void (*on_sys)(struct aw_actor *a, aw_msg *m);
    /* routes only: takes every user message (passes it on, or settles it) */
    void (*forward)(struct aw_actor *a, aw_msg *m);
    /* a call of the runtime's own in flight on this actor's turns (an
     * upgrade's snapshot, restore, on-stop): its result goes to sys_done
     * instead of to a message; sys_drop if the actor ends first */
    void (*sys_done)(struct aw_actor *a, void *ud, aw_call_result *res);
    void (*sys_drop)(struct aw_actor *a, void *ud);
    void *sys_ud;
    /* listings (aw_actors): counted by the consumer, published at the end
     * of each turn so that readers on other threads never touch the store */
    uint64_t handled;
    _Atomic uint64_t handled_pub, memory_pub;
    _Atomic uint32_t restarts;
} aw_actor;

enum { AW_SUPSTOP_NONE = 0, AW_SUPSTOP_RESTART, AW_SUPSTOP_FINAL };

/* A new, unregistered actor with no guest yet (a->guest is set by spawn). */
aw_err aw_actor_new(aw_runtime *rt, const char *name, const aw_guest_class *cls, aw_component *c,
                    uint32_t capacity, aw_actor **out);
void aw_actor_ref(aw_actor *a);
void aw_actor_unref(aw_actor *a);
/* Enqueue and schedule. Takes `m` on success. */
aw_err aw_actor_deliver(aw_actor *a, aw_msg *m, bool force);
/* Put it on the run queue unless it is already there (after a push). */
void aw_actor_schedule(aw_actor *a);
/* A guest's receive loop, inside a message call: route the result of the
 * message in flight, then take the next queued plain message if `fits` says
 * the guest can take it in place (bounded per call for fairness). */
aw_msg *aw_actor_next_inline(aw_actor *a, aw_call_result *res, bool (*fits)(void *, size_t),
                             void *ctx);
/* End of spawn: make the actor runnable, running it now if mail is waiting. */
void aw_actor_release_start(aw_actor *a);
void aw_actor_turn(aw_actor *a);
void aw_actor_wait_dead(aw_actor *a);
/* Close the mailbox and settle what is queued: requests fail with
 * AW_ESTOPPED, sends are counted in a warning. `what`: "crashed", ... */
void aw_actor_discard_mail(aw_actor *a, const char *what, const char *reason);
/* Shutdown: fail the request a parked actor waits on, so it wakes to die. */
void aw_actor_unpark_fail(aw_actor *a, const char *why);

/* Supervision hooks (supervise/). A child's instance ended: tell its parent
 * (`final`: it is dead for good). Frees nothing the caller owns. */
void aw__sup_child_exit(aw_actor *child, bool final, aw_exit_reason why, aw_err err,
                        const char *detail);
/* A booting child's init and start hooks succeeded. */
void aw__sup_child_ready(aw_actor *child);
/* A child now runs `comp` (an upgrade in place): its restarts must too.
 * Sent from the child's own turn, so it reaches the parent before any
 * later exit of the new version. Takes a reference to comp and copies config. */
void aw__sup_child_upgraded(aw_actor *child, aw_component *comp, const uint8_t *config,
                            size_t config_len);
/* Release what a SYS message holds when it is freed unhandled. */
void aw__sys_drop(aw_msg *m);
/* Ask a supervised child to stop (AW_SUPSTOP_*): it runs its on-stop hook
 * after the message in hand, then exits; its queued mail stays. */
void aw_actor_sup_stop(aw_actor *a, int how);
/* A down child that will not come back: give up its name, settle its mail,
 * report its exit, mark it dead. Its parent calls this; no worker runs it. */
void aw_actor_bury(aw_actor *a, aw_exit_reason why, aw_err err, const char *detail);
/* Make its next turns run init (with this config, copied) and start before
 * any mail; then it reports ready to its parent. */
void aw_actor_boot(aw_actor *a, const uint8_t *cfg, size_t len);
/* A down child (not runnable, so no worker races us): run its boot hooks
 * here while they finish within a time slice each. *ready: all done. A
 * hook that yields stays in flight and goes on in its own turns after
 * aw_actor_revive. A failure drops the instance and is returned. */
aw_err aw_actor_boot_now(aw_actor *a, bool *ready);
/* A down child whose new guest is in place: runnable again. */
void aw_actor_revive(aw_actor *a);
/* From inside its own turn: end (or, for a held child, go down). */
void aw_actor_exit(aw_actor *a, aw_exit_reason why, aw_err err, const char *detail);
/* From the actor's own turn, with no call in flight: start `kind` on its
 * current guest as a call of the runtime's own. It yields, parks and meets
 * its deadline like any call (so it never holds a worker); its result goes
 * to done(a, ud, res), which takes res and may start the next such call.
 * If the actor ends first (killed, stopped), drop(a, ud) runs after its
 * instance is gone. A call the guest refuses before it starts (no such
 * export, torn) is returned here, and neither callback runs. */
aw_err aw_actor_sys_call(aw_actor *a, aw_call_kind kind, const uint8_t *data, size_t len,
                       int32_t arg, void (*done)(aw_actor *, void *, aw_call_result *),
                       void (*drop)(aw_actor *, void *), void *ud);

/* Free a message taken off a mailbox (settles what it holds). */
void aw_actor_msg_free(aw_msg *m);

/* The data of an AW_MSG_CALL message. `fn` runs on the actor's turn when
 * the message comes up (req: the message's pending, or NULL); `drop` when
 * the message is discarded unrun (the actor stopped first). */
typedef struct aw_msg_call {
    void (*fn)(struct aw_actor *a, void *arg, aw_pending *req);
    void (*drop)(void *arg);
    void *arg;
} aw_msg_call;

/* Native actors (native.c). */
extern const aw_guest_class aw_native_class;
aw_err aw_native_new(aw_actor *a, const aw_native_actor *cb, aw_guest **out);

#endif
