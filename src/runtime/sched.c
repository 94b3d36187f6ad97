/* sched.c - see sched.h. */
#include "sched.h"

#include <sched.h>
#include <string.h>

#define SPIN_ROUNDS 300  /* ~10 us of pause instructions before sleeping */

static aw_actor *take(aw_sched *s)
{
    aw_actor *a = atomic_load(&s->head);
    if (!a) return NULL;
    s->head = a->run_next;
    if (!s->head) s->tail = NULL;
    return a;
}

static void *worker_main(void *arg)
{
    aw_sched *s = arg;
    for (;;) {
        int expect = 0;
        bool spinner = !atomic_load_explicit(&s->head, memory_order_relaxed) &&
                       atomic_compare_exchange_strong(&s->spinning, &expect, 1);
        /* Yield while spinning so that a spinner never takes the CPU from a
         * runnable thread (a busy worker, a host producer). */
        for (int i = 0; spinner && i < SPIN_ROUNDS &&
                        !atomic_load_explicit(&s->head, memory_order_relaxed) &&
                        !atomic_load_explicit(&s->stop, memory_order_relaxed);
             i++) {
            if (i % 8 == 7) sched_yield();
            else aw_cpu_relax();
        }
        if (spinner) atomic_store(&s->spinning, 0);
        pthread_mutex_lock(&s->mu);
        aw_actor *a;
        while (!(a = take(s)) && !atomic_load(&s->stop)) {
            atomic_fetch_add(&s->sleepers, 1);
            pthread_cond_wait(&s->cv, &s->mu);
            atomic_fetch_sub(&s->sleepers, 1);
        }
        if (a && s->head && atomic_load(&s->sleepers) > 0) pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (!a) return NULL;  /* stopping and nothing left */
        aw_actor_turn(a);
    }
}

aw_err aw_sched_start(aw_sched *s, unsigned workers)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->threads = calloc(workers, sizeof *s->threads);
    if (!s->threads) return aw__fail(AW_ENOMEM, "out of memory starting %u workers", workers);
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0) {
            aw_sched_stop(s);
            return aw__fail(AW_ENOMEM, "cannot start worker thread %u of %u", i + 1, workers);
        }
        s->n++;
    }
    return AW_OK;
}

void aw_sched_push(aw_sched *s, aw_actor *a)
{
    a->run_next = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->run_next = a;
    else atomic_store(&s->head, a);
    s->tail = a;
    if (atomic_load(&s->sleepers) > 0 && !atomic_load(&s->spinning)) pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void aw_sched_stop(aw_sched *s)
{
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->stop, true);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->n; i++) pthread_join(s->threads[i], NULL);
    free(s->threads);
    s->threads = NULL;
    s->n = 0;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}
