/* sched.c - see sched.h. */
#include "sched.h"

#include <string.h>

static void *worker_main(void *arg)
{
    aw_sched *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->head && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
        aw_actor *a = s->head;
        if (!a) {  /* stopping and nothing left */
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        s->head = a->run_next;
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        a->run_next = NULL;
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
    else s->head = a;
    s->tail = a;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void aw_sched_stop(aw_sched *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->n; i++) pthread_join(s->threads[i], NULL);
    free(s->threads);
    s->threads = NULL;
    s->n = 0;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}
