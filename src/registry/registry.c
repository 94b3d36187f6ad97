/* registry.c - see registry.h. */
#include "registry.h"

#include <string.h>

struct aw_reg_entry {
    aw_reg_entry *next;
    aw_actor *actor;
};

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

aw_err aw_registry_init(aw_registry *r)
{
    memset(r, 0, sizeof *r);
    r->nbuckets = 1024;
    r->buckets = calloc(r->nbuckets, sizeof *r->buckets);
    if (!r->buckets) return aw__fail(AW_ENOMEM, "out of memory for the registry");
    pthread_rwlock_init(&r->lock, NULL);
    return AW_OK;
}

void aw_registry_destroy(aw_registry *r)
{
    for (size_t i = 0; i < r->nbuckets; i++)
        for (aw_reg_entry *e = r->buckets[i], *n; e; e = n) {
            n = e->next;
            aw_actor_unref(e->actor);
            free(e);
        }
    free(r->buckets);
    pthread_rwlock_destroy(&r->lock);
}

static void grow(aw_registry *r)
{
    size_t n = r->nbuckets * 2;
    aw_reg_entry **b = calloc(n, sizeof *b);
    if (!b) return;  /* keep the old table: slower, still correct */
    for (size_t i = 0; i < r->nbuckets; i++)
        for (aw_reg_entry *e = r->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t k = hash(e->actor->name) & (n - 1);
            e->next = b[k];
            b[k] = e;
        }
    free(r->buckets);
    r->buckets = b;
    r->nbuckets = n;
}

aw_err aw_registry_add(aw_registry *r, aw_actor *a)
{
    aw_reg_entry *ne = malloc(sizeof *ne);
    if (!ne) return aw__fail(AW_ENOMEM, "out of memory registering '%s'", a->name);
    pthread_rwlock_wrlock(&r->lock);
    size_t k = hash(a->name) & (r->nbuckets - 1);
    for (aw_reg_entry *e = r->buckets[k]; e; e = e->next)
        if (!strcmp(e->actor->name, a->name)) {
            pthread_rwlock_unlock(&r->lock);
            free(ne);
            return aw__fail(AW_EEXIST, "an actor named '%s' is already running", a->name);
        }
    aw_actor_ref(a);
    ne->actor = a;
    ne->next = r->buckets[k];
    r->buckets[k] = ne;
    if (++r->count > r->nbuckets) grow(r);
    pthread_rwlock_unlock(&r->lock);
    return AW_OK;
}

aw_actor *aw_registry_get(aw_registry *r, const char *name)
{
    aw_actor *found = NULL;
    pthread_rwlock_rdlock(&r->lock);
    for (aw_reg_entry *e = r->buckets[hash(name) & (r->nbuckets - 1)]; e; e = e->next)
        if (!strcmp(e->actor->name, name)) {
            found = e->actor;
            aw_actor_ref(found);
            break;
        }
    pthread_rwlock_unlock(&r->lock);
    return found;
}

void aw_registry_remove(aw_registry *r, aw_actor *a)
{
    aw_reg_entry *gone = NULL;
    pthread_rwlock_wrlock(&r->lock);
    for (aw_reg_entry **p = &r->buckets[hash(a->name) & (r->nbuckets - 1)]; *p; p = &(*p)->next)
        if ((*p)->actor == a) {
            gone = *p;
            *p = gone->next;
            r->count--;
            break;
        }
    pthread_rwlock_unlock(&r->lock);
    if (gone) {
        aw_actor_unref(gone->actor);
        free(gone);
    }
}

size_t aw_registry_all(aw_registry *r, aw_actor ***out)
{
    pthread_rwlock_rdlock(&r->lock);
    aw_actor **v = malloc((r->count ? r->count : 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < r->nbuckets; i++)
        for (aw_reg_entry *e = r->buckets[i]; e; e = e->next) {
            aw_actor_ref(e->actor);
            v[n++] = e->actor;
        }
    pthread_rwlock_unlock(&r->lock);
    *out = v;
    return n;
}
