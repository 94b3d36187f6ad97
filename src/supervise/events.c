/* events.c - supervision events to subscribers, in one runtime-wide order.
 *
 * Supervisors run on any worker, so events are numbered and delivered under
 * one mutex: every subscriber sees the same sequence, each event once, with
 * the runtime clock's time. Subscribers are called with the lock held and
 * must be short (the audit and metrics sinks plug in here later). */
#include "supervise.h"

#include <string.h>

struct aw_ev_sub { uint64_t id; aw_sup_event_fn fn; void *ud; };

uint64_t aw__clock(aw_runtime *rt)
{
    return rt->cfg.clock ? rt->cfg.clock(rt->cfg.clock_ud) : aw__now_ns();
}

void aw__events_init(aw_runtime *rt)
{
    pthread_mutex_init(&rt->ev_mu, NULL);
    rt->ev_subs = NULL;
    rt->ev_n = 0;
    rt->ev_seq = 0;
    rt->ev_next_id = 1;
}

void aw__events_free(aw_runtime *rt)
{
    free(rt->ev_subs);
    rt->ev_subs = NULL;
    pthread_mutex_destroy(&rt->ev_mu);
}

const char *aw_sup_event_name(aw_sup_event_kind k)
{
    static const char *const names[] = {"child-started", "child-exited", "child-restarted",
                                        "backoff", "escalated", "shutdown", "child-terminated"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

aw_err aw_events_subscribe(aw_runtime *rt, aw_sup_event_fn fn, void *ud, uint64_t *id)
{
    aw__clear_error();
    if (!rt || !fn) return aw__fail(AW_EINVAL, "aw_events_subscribe: runtime and callback are required");
    pthread_mutex_lock(&rt->ev_mu);
    struct aw_ev_sub *v = realloc(rt->ev_subs, (rt->ev_n + 1) * sizeof *v);
    if (!v) {
        pthread_mutex_unlock(&rt->ev_mu);
        return aw__fail(AW_ENOMEM, "out of memory adding an event subscriber");
    }
    rt->ev_subs = v;
    uint64_t n = rt->ev_next_id++;
    v[rt->ev_n++] = (struct aw_ev_sub){n, fn, ud};
    pthread_mutex_unlock(&rt->ev_mu);
    if (id) *id = n;
    return AW_OK;
}

aw_err aw_events_unsubscribe(aw_runtime *rt, uint64_t id)
{
    aw__clear_error();
    if (!rt) return aw__fail(AW_EINVAL, "aw_events_unsubscribe: runtime is NULL");
    pthread_mutex_lock(&rt->ev_mu);
    for (size_t i = 0; i < rt->ev_n; i++) {
        if (rt->ev_subs[i].id != id) continue;
        memmove(&rt->ev_subs[i], &rt->ev_subs[i + 1], (rt->ev_n - i - 1) * sizeof *rt->ev_subs);
        rt->ev_n--;
        pthread_mutex_unlock(&rt->ev_mu);
        return AW_OK;
    }
    pthread_mutex_unlock(&rt->ev_mu);
    return aw__fail(AW_ENOENT, "no event subscription with id %llu", (unsigned long long)id);
}

void aw__emit(aw_runtime *rt, aw_sup_event *ev)
{
    pthread_mutex_lock(&rt->ev_mu);
    ev->seq = ++rt->ev_seq;
    ev->time_ns = aw__clock(rt);
    for (size_t i = 0; i < rt->ev_n; i++) rt->ev_subs[i].fn(rt->ev_subs[i].ud, ev);
    pthread_mutex_unlock(&rt->ev_mu);
}
