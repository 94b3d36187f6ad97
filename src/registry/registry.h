/* registry.h - actor names and addresses.
 *
 * Every live actor has an address: a 64-bit value (generation << 32 | slot)
 * that stays unique for the runtime's life, so a stale address is an error
 * (AW_ENOENT), never a pointer to whatever reuses the slot. Names map to
 * addresses through an open-addressing table.
 *
 * Lookups (every send) take no lock. Writers (spawn, stop) serialise on a
 * mutex; readers probe the table and take a counted reference with
 * "increment unless zero". That is safe because actor memory is type-stable:
 * an actor struct is recycled through this registry's pool, never returned
 * to malloc while the runtime lives, so a reader holding a stale pointer
 * reads an actor (maybe another one) and re-checks its identity. Retired
 * name tables are kept until the registry is destroyed for the same reason. */
#ifndef AW_REGISTRY_H
#define AW_REGISTRY_H

#include "../actor/actor.h"

typedef struct aw_name_table aw_name_table;
typedef _Atomic(aw_actor *) aw_slot;

typedef struct aw_registry {
    pthread_mutex_t mu;                  /* writers only */
    _Atomic(aw_name_table *) names;
    aw_name_table *retired;              /* older tables, freed at destroy */
    size_t live, tombstones;
    _Atomic(aw_slot *) chunks[1024];     /* slot -> actor, 4096 per chunk */
    uint32_t *gens[1024];                /* slot -> current generation */
    uint32_t nslots, *free_slots, nfree, free_cap;
    aw_actor *pool;                      /* recycled actor structs */
} aw_registry;

aw_err aw_registry_init(aw_registry *r);
void aw_registry_destroy(aw_registry *r);
/* Type-stable actor memory (zeroed on return). */
aw_actor *aw_registry_alloc_actor(aw_registry *r);
void aw_registry_free_actor(aw_registry *r, aw_actor *a);
/* Give `a` an address and its name; AW_EEXIST if the name is taken. */
aw_err aw_registry_add(aw_registry *r, aw_actor *a);
aw_actor *aw_registry_get(aw_registry *r, const char *name); /* counted ref or NULL */
/* Name -> address without taking a reference (0 when unknown). */
uint64_t aw_registry_lookup(aw_registry *r, const char *name);
aw_actor *aw_registry_resolve(aw_registry *r, uint64_t addr); /* counted ref or NULL */
void aw_registry_remove(aw_registry *r, aw_actor *a);
/* Counted refs to every registered actor; caller frees the array. */
size_t aw_registry_all(aw_registry *r, aw_actor ***out);

#endif
