/* registry.h - actor names to actors.
 *
 * A hash table under a read-write lock: lookups (every send) take the read
 * side and return a counted reference, so an actor that stops while a sender
 * holds it is never freed under the sender. A name is released when its
 * actor stops or crashes; looking it up afterwards is AW_ENOENT. */
#ifndef AW_REGISTRY_H
#define AW_REGISTRY_H

#include "../actor/actor.h"

typedef struct aw_reg_entry aw_reg_entry;

typedef struct aw_registry {
    pthread_rwlock_t lock;
    aw_reg_entry **buckets;
    size_t nbuckets, count;
} aw_registry;

aw_err aw_registry_init(aw_registry *r);
void aw_registry_destroy(aw_registry *r);
aw_err aw_registry_add(aw_registry *r, aw_actor *a);   /* AW_EEXIST if taken */
aw_actor *aw_registry_get(aw_registry *r, const char *name); /* counted ref or NULL */
void aw_registry_remove(aw_registry *r, aw_actor *a);
/* Counted refs to every registered actor; caller frees the array. */
size_t aw_registry_all(aw_registry *r, aw_actor ***out);

#endif
