/* sched.h - the worker pool and its run queue.
 *
 * A fixed number of threads take runnable actors from one FIFO and run one
 * turn each. Idle workers block on a condition variable: an idle runtime
 * uses no CPU. */
#ifndef AW_SCHED_H
#define AW_SCHED_H

#include "../actor/actor.h"

typedef struct aw_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    aw_actor *head, *tail;
    bool stop;
    unsigned n;
    pthread_t *threads;
} aw_sched;

aw_err aw_sched_start(aw_sched *s, unsigned workers);
void aw_sched_push(aw_sched *s, aw_actor *a);
void aw_sched_stop(aw_sched *s);

#endif
