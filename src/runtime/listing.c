/* listing.c - aw_actors(): what is running, for `ps` and for embedders.
 *
 * A listing must never wait for an actor: a busy or stuck guest is exactly
 * what an operator wants to see. So it reads only what other threads may
 * read: the registry's counted references, atomics the actor publishes at
 * the end of each turn (messages handled, a core guest's memory), the
 * mailbox counters, and the component pointer, which an upgrade swaps
 * under the actor's mutex. */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

const char *aw_actor_kind_name(aw_actor_kind k)
{
    static const char *const names[] = {"core", "component", "native", "supervisor", "route"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static aw_actor_kind kind_of(aw_actor *a, aw_component *c)
{
    if (a->on_sys) return AW_KIND_SUPERVISOR;
    if (a->forward) return AW_KIND_ROUTE;
    if (!c) return AW_KIND_NATIVE;
    return c->format == AW_FORMAT_COMPONENT ? AW_KIND_COMPONENT : AW_KIND_CORE;
}

static bool fill(aw_actor *a, aw_actor_info *i)
{
    memset(i, 0, sizeof *i);
    pthread_mutex_lock(&a->mu);
    aw_component *c = a->comp;
    i->kind = kind_of(a, c);
    if (c && i->kind != AW_KIND_ROUTE) {
        i->component = dup_or_null(c->name);
        i->version = dup_or_null(c->version);
    }
    pthread_mutex_unlock(&a->mu);
    i->name = strdup(a->name);
    i->supervisor = a->parent ? strdup(a->parent->name) : NULL;
    i->addr = atomic_load(&a->addr);
    i->state = (aw_actor_state)atomic_load(&a->state);
    i->restarts = atomic_load_explicit(&a->restarts, memory_order_relaxed);
    i->mailbox_depth = aw_mailbox_count(&a->mb);
    i->mailbox_capacity = a->mb.capacity;
    i->handled = atomic_load_explicit(&a->handled_pub, memory_order_relaxed);
    i->memory_bytes = atomic_load_explicit(&a->memory_pub, memory_order_relaxed);
    return i->name && (!a->parent || i->supervisor);
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const aw_actor_info *)x)->name, ((const aw_actor_info *)y)->name);
}

aw_err aw_actors(aw_runtime *rt, aw_actor_info **out, size_t *n)
{
    aw__clear_error();
    if (!rt || !out || !n) return aw__fail(AW_EINVAL, "aw_actors: runtime, out and n are required");
    aw_actor **all;
    size_t count = aw_registry_all(&rt->reg, &all);
    if (!all) return aw__fail(AW_ENOMEM, "out of memory listing actors");
    aw_actor_info *v = calloc(count ? count : 1, sizeof *v);
    bool ok = v != NULL;
    for (size_t k = 0; k < count; k++) {
        if (ok) ok = fill(all[k], &v[k]);
        aw_actor_unref(all[k]);
    }
    free(all);
    if (!ok) {
        aw_actor_info_free(v, count);
        return aw__fail(AW_ENOMEM, "out of memory listing actors");
    }
    qsort(v, count, sizeof *v, by_name);
    *out = v;
    *n = count;
    return AW_OK;
}

void aw_actor_info_free(aw_actor_info *v, size_t n)
{
    if (!v) return;
    for (size_t k = 0; k < n; k++) {
        free(v[k].name);
        free(v[k].component);
        free(v[k].version);
        free(v[k].supervisor);
    }
    free(v);
}
