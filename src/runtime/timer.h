/* timer.h - one timer thread for the runtime: send-after, request timeouts,
 * and supervision backoff.
 *
 * Timers live in a binary min-heap ordered by due time, with an id -> slot
 * index so that cancelling is O(log n) and a cancelled timer never lingers.
 * The thread sleeps on a condition variable until the earliest due time (or
 * forever when there is none), so idle timers cost no CPU. Callbacks run on
 * the timer thread, outside the lock, and must be short. */
#ifndef AW_TIMER_H
#define AW_TIMER_H

#include "../common/common.h"

#include <pthread.h>
#include <stdbool.h>

typedef void (*aw_timer_fn)(void *arg);

typedef struct aw_timer_entry {
    uint64_t id, due_ns;
    aw_timer_fn fn;
    void *arg;
    void (*drop)(void *arg);  /* runs instead of fn when cancelled or discarded */
} aw_timer_entry;

typedef struct aw_timers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    aw_timer_entry *heap;
    size_t n, cap;
    uint64_t next_id;
    bool stop;
    /* id -> heap index, open addressing (ids are never 0) */
    uint64_t *keys;
    size_t *vals;
    size_t map_cap;
} aw_timers;

aw_err aw_timers_start(aw_timers *t);
/* Stop the thread; pending timers are dropped (their `drop` runs). */
void aw_timers_stop(aw_timers *t);
/* Returns the timer id (never 0), or 0 when out of memory. */
uint64_t aw_timers_add(aw_timers *t, uint64_t delay_ns, aw_timer_fn fn, void *arg,
                       void (*drop)(void *arg));
/* True if the timer was pending and is now cancelled (its drop ran). */
bool aw_timers_cancel(aw_timers *t, uint64_t id);
size_t aw_timers_pending(aw_timers *t);

#endif
