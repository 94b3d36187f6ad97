/* timer.c - see timer.h. */
#include "timer.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* ---- id -> heap index map (linear probing, backward-shift delete) ------- */

static size_t slot_of(const aw_timers *t, uint64_t id)
{
    size_t mask = t->map_cap - 1, i = (size_t)(id * 11400714819323198485ull) & mask;
    while (t->keys[i] && t->keys[i] != id) i = (i + 1) & mask;
    return i;
}

static void map_set(aw_timers *t, uint64_t id, size_t idx)
{
    size_t i = slot_of(t, id);
    t->keys[i] = id;
    t->vals[i] = idx;
}

static void map_del(aw_timers *t, uint64_t id)
{
    size_t mask = t->map_cap - 1, i = slot_of(t, id);
    if (!t->keys[i]) return;
    t->keys[i] = 0;
    for (size_t j = (i + 1) & mask; t->keys[j]; j = (j + 1) & mask) {
        uint64_t k = t->keys[j];
        size_t v = t->vals[j];
        t->keys[j] = 0;
        map_set(t, k, v);
    }
}

static bool map_grow(aw_timers *t)
{
    size_t old_cap = t->map_cap, cap = old_cap ? old_cap * 2 : 64;
    uint64_t *ok = t->keys;
    size_t *ov = t->vals;
    t->keys = calloc(cap, sizeof *t->keys);
    t->vals = calloc(cap, sizeof *t->vals);
    if (!t->keys || !t->vals) {
        free(t->keys);
        free(t->vals);
        t->keys = ok;
        t->vals = ov;
        return false;
    }
    t->map_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (ok[i]) map_set(t, ok[i], ov[i]);
    free(ok);
    free(ov);
    return true;
}

/* ---- heap ------------------------------------------------------------- */

static void place(aw_timers *t, size_t i, aw_timer_entry e)
{
    t->heap[i] = e;
    map_set(t, e.id, i);
}

static void sift_up(aw_timers *t, size_t i)
{
    aw_timer_entry e = t->heap[i];
    while (i > 0 && t->heap[(i - 1) / 2].due_ns > e.due_ns) {
        place(t, i, t->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(t, i, e);
}

static void sift_down(aw_timers *t, size_t i)
{
    aw_timer_entry e = t->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->n) break;
        if (c + 1 < t->n && t->heap[c + 1].due_ns < t->heap[c].due_ns) c++;
        if (t->heap[c].due_ns >= e.due_ns) break;
        place(t, i, t->heap[c]);
        i = c;
    }
    place(t, i, e);
}

static aw_timer_entry remove_at(aw_timers *t, size_t i)
{
    aw_timer_entry e = t->heap[i];
    map_del(t, e.id);
    if (--t->n > i) {
        t->heap[i] = t->heap[t->n];
        sift_down(t, i);
        sift_up(t, i);
    }
    return e;
}

static void *timer_main(void *arg)
{
    aw_timers *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        if (t->n == 0) {
            pthread_cond_wait(&t->cv, &t->mu);
            continue;
        }
        uint64_t now = aw__now_ns(), due = t->heap[0].due_ns;
        if (due > now) {
            struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
            pthread_cond_timedwait(&t->cv, &t->mu, &ts);
            continue;
        }
        aw_timer_entry e = remove_at(t, 0);
        pthread_mutex_unlock(&t->mu);
        e.fn(e.arg);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

aw_err aw_timers_start(aw_timers *t)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    t->next_id = 1;
    if (!map_grow(t)) return aw__fail(AW_ENOMEM, "out of memory for timers");
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0)
        return aw__fail(AW_ENOMEM, "cannot start the timer thread");
    return AW_OK;
}

void aw_timers_stop(aw_timers *t)
{
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    for (size_t i = 0; i < t->n; i++)
        if (t->heap[i].drop) t->heap[i].drop(t->heap[i].arg);
    free(t->heap);
    free(t->keys);
    free(t->vals);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
}

uint64_t aw_timers_add(aw_timers *t, uint64_t delay_ns, aw_timer_fn fn, void *arg,
                       void (*drop)(void *arg))
{
    pthread_mutex_lock(&t->mu);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        aw_timer_entry *h = realloc(t->heap, cap * sizeof *h);
        if (!h) { pthread_mutex_unlock(&t->mu); return 0; }
        t->heap = h;
        t->cap = cap;
    }
    if ((t->n + 1) * 2 > t->map_cap && !map_grow(t)) {
        pthread_mutex_unlock(&t->mu);
        return 0;
    }
    uint64_t id = t->next_id++;
    t->heap[t->n] = (aw_timer_entry){id, aw__now_ns() + delay_ns, fn, arg, drop};
    sift_up(t, t->n++);
    if (t->heap[0].id == id) pthread_cond_signal(&t->cv);  /* new earliest */
    pthread_mutex_unlock(&t->mu);
    return id;
}

bool aw_timers_cancel(aw_timers *t, uint64_t id)
{
    if (!id) return false;
    pthread_mutex_lock(&t->mu);
    size_t i = slot_of(t, id);
    bool found = t->keys[i] == id;
    aw_timer_entry e = {0};
    if (found) e = remove_at(t, t->vals[i]);
    pthread_mutex_unlock(&t->mu);
    if (found && e.drop) e.drop(e.arg);
    return found;
}

size_t aw_timers_pending(aw_timers *t)
{
    pthread_mutex_lock(&t->mu);
    size_t n = t->n;
    pthread_mutex_unlock(&t->mu);
    return n;
}
