/* sched.h - the worker pool and its run queue.
 *
 * A fixed number of threads take runnable actors from one FIFO and run one
 * turn each. A worker that finds the queue empty may spin briefly (new work
 * usually arrives within microseconds under load, and waking a sleeping
 * thread costs far more than that), then sleeps on a condition variable:
 * an idle runtime uses no CPU. At most one worker spins at a time, so idle
 * workers never crowd out busy ones or host threads on a small machine.
 * Producers wake a sleeper only when no worker is spinning; a spinner that
 * finds work wakes a sleeper if more is queued behind it. */
#ifndef AW_SCHED_H
#define AW_SCHED_H

#include "../actor/actor.h"

typedef struct aw_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic(aw_actor *) head;
    aw_actor *tail;
    atomic_int sleepers;
    atomic_int spinning;
    atomic_bool stop;
    unsigned n;
    pthread_t *threads;
} aw_sched;

aw_err aw_sched_start(aw_sched *s, unsigned workers);
void aw_sched_push(aw_sched *s, aw_actor *a);
void aw_sched_stop(aw_sched *s);
/* No actor is waiting for a worker (a hint: it may change at once). */
static inline bool aw_sched_empty(aw_sched *s)
{
    return !atomic_load_explicit(&s->head, memory_order_relaxed);
}

/* Busy-wait hint for spin loops. */
static inline void aw_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
