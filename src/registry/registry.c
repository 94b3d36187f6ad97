/* registry.c - see registry.h. */
#include "registry.h"

#include <stddef.h>
#include <string.h>

#define CHUNK 4096u
#define EMPTY 0u
#define TOMB 1u

/* A name shorter than INLINE bytes is kept in the entry itself, NUL-padded,
 * so a lookup reads one cache line and compares two words. A longer one is
 * checked against its actor: word 0 then holds the actor, word 1 LONG_NAME
 * (never the last word of a short name, whose last byte is a NUL). */
#define INLINE 16
#define LONG_NAME (~0ull)

typedef struct name_entry {
    _Atomic uint64_t key;   /* hash with bit 1 set, or EMPTY / TOMB */
    _Atomic uint64_t addr;
    _Atomic uint64_t name[2];
} name_entry;

typedef struct packed { uint64_t w[2]; } packed;

static uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The first n < 8 bytes as a little-endian word, without reading past
 * them (two overlapping 4-byte loads when there are at least four). Built
 * in registers: copying into a stack buffer and loading it back stalls
 * store forwarding, which cost more than the rest of a lookup. */
static uint64_t tail_word(const char *s, size_t n)
{
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        return lo | (uint64_t)hi << (8 * (n - 4));
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return w;
}

static packed pack(const char *name, size_t n, aw_actor *a)
{
    if (n < 8) return (packed){{tail_word(name, n), 0}};
    if (n < INLINE) return (packed){{load8(name), tail_word(name + 8, n - 8)}};
    return (packed){{(uint64_t)(uintptr_t)a, LONG_NAME}};
}

struct aw_name_table {
    aw_name_table *older;   /* retired chain */
    size_t cap;             /* power of two */
    name_entry e[];
};

/* A word at a time: names are short, and a byte-wise hash (one dependent
 * multiply per byte) was a third of a lookup. */
static uint64_t key_of(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        h = (h ^ load8(s)) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    h = (h ^ tail_word(s, n)) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return h | 2u;  /* never EMPTY or TOMB */
}

/* First probe position: the key's high bits (Fibonacci hashing), which
 * spread similar names ("w1", "w2", ...) better than the low bits do. */
static size_t home(uint64_t key, size_t mask)
{
    return (size_t)((key * 11400714819323198485ull) >> 40) & mask;
}

static aw_name_table *table_new(size_t cap)
{
    aw_name_table *t = calloc(1, sizeof *t + cap * sizeof(name_entry));
    if (t) t->cap = cap;
    return t;
}

aw_err aw_registry_init(aw_registry *r)
{
    memset(r, 0, sizeof *r);
    aw_name_table *t = table_new(1024);
    if (!t) return aw__fail(AW_ENOMEM, "out of memory for the registry");
    atomic_init(&r->names, t);
    pthread_mutex_init(&r->mu, NULL);
    return AW_OK;
}

void aw_registry_destroy(aw_registry *r)
{
    aw_actor **all;
    size_t n = aw_registry_all(r, &all);
    for (size_t i = 0; i < n; i++) {  /* drop the registry's own references */
        aw_registry_remove(r, all[i]);
        aw_actor_unref(all[i]);
    }
    free(all);
    free(atomic_load(&r->names));
    for (aw_name_table *t = r->retired, *o; t; t = o) {
        o = t->older;
        free(t);
    }
    for (size_t i = 0; i < 1024 && atomic_load(&r->chunks[i]); i++) {
        free(atomic_load(&r->chunks[i]));
        free(r->gens[i]);
    }
    free(r->free_slots);
    for (aw_actor *a = r->pool, *next; a; a = next) {
        next = a->run_next;
        free(a);
    }
    pthread_mutex_destroy(&r->mu);
}

aw_actor *aw_registry_alloc_actor(aw_registry *r)
{
    pthread_mutex_lock(&r->mu);
    aw_actor *a = r->pool;
    if (a) r->pool = a->run_next;
    pthread_mutex_unlock(&r->mu);
    if (!a) {  /* its mailbox keeps producers and consumer on separate lines */
        size_t size = (sizeof *a + 63) & ~(size_t)63;
        if ((a = aligned_alloc(64, size))) memset(a, 0, size);
        return a;
    }
    /* refs is 0 and addr is 0 here and stay so until the new owner sets
     * them, so readers racing with us fail their checks; those two fields
     * and the name are left out of the zeroing (readers may load them). */
    size_t keep = offsetof(aw_actor, name) + sizeof a->name;
    memset((char *)a + keep, 0, sizeof *a - keep);
    return a;
}

void aw_registry_free_actor(aw_registry *r, aw_actor *a)
{
    pthread_mutex_lock(&r->mu);
    a->run_next = r->pool;
    r->pool = a;
    pthread_mutex_unlock(&r->mu);
}

/* Increment unless zero: a reference to whatever actor lives at `a` now. */
static bool try_ref(aw_actor *a)
{
    int n = atomic_load(&a->refs);
    while (n > 0)
        if (atomic_compare_exchange_weak(&a->refs, &n, n + 1)) return true;
    return false;
}

aw_actor *aw_registry_resolve(aw_registry *r, uint64_t addr)
{
    uint32_t slot = (uint32_t)addr, chunk = slot / CHUNK;
    if (!addr || chunk >= 1024) return NULL;
    aw_slot *c = atomic_load_explicit(&r->chunks[chunk], memory_order_acquire);
    if (!c) return NULL;
    aw_actor *a = atomic_load_explicit(&c[slot % CHUNK], memory_order_acquire);
    if (!a || !try_ref(a)) return NULL;
    if (atomic_load(&a->addr) == addr) return a;
    aw_actor_unref(a);  /* the slot moved on to another actor */
    return NULL;
}

/* The name of an actor that may be recycled under us: a torn read is caught
 * by the caller re-checking the address (a seqlock read), so TSan is told
 * this is intended. */
__attribute__((no_sanitize("thread"))) static bool name_is(const aw_actor *a, const char *name)
{
    return !strncmp(a->name, name, sizeof a->name);
}

/* Does entry `e`, whose key matched, hold `name`? Its words are read between
 * two loads of the key: a change in between means the entry was removed
 * (and maybe reused) while we looked, and it does not count. */
static uint64_t entry_match(const name_entry *e, uint64_t key, const char *name, packed want)
{
    uint64_t addr = atomic_load_explicit(&e->addr, memory_order_relaxed);
    uint64_t w0 = atomic_load_explicit(&e->name[0], memory_order_relaxed);
    uint64_t w1 = atomic_load_explicit(&e->name[1], memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&e->key, memory_order_relaxed) != key) return 0;
    if (want.w[1] != LONG_NAME) return w0 == want.w[0] && w1 == want.w[1] ? addr : 0;
    if (w1 != LONG_NAME) return 0;
    const aw_actor *a = (const aw_actor *)(uintptr_t)w0;  /* type-stable: see registry.h */
    if (atomic_load(&a->addr) != addr) return 0;
    bool same = name_is(a, name);
    return atomic_load(&a->addr) == addr && same ? addr : 0;
}

/* Name -> address with no reference taken and no write: one probe sequence,
 * usually one cache line. */
uint64_t aw_registry_lookup(aw_registry *r, const char *name)
{
    size_t n = strlen(name);
    uint64_t key = key_of(name, n);
    packed want = pack(name, n, NULL);
    aw_name_table *t = atomic_load_explicit(&r->names, memory_order_acquire);
    size_t mask = t->cap - 1;
    for (size_t i = home(key, mask), probes = 0; probes < t->cap; i = (i + 1) & mask, probes++) {
        uint64_t k = atomic_load_explicit(&t->e[i].key, memory_order_acquire);
        if (k == EMPTY) return 0;
        if (k != key) continue;
        uint64_t addr = entry_match(&t->e[i], key, name, want);
        if (addr) return addr;
    }
    return 0;
}

/* The address found is generation-checked by resolve, so the actor it
 * returns is the one that held the name at the lookup. */
aw_actor *aw_registry_get(aw_registry *r, const char *name)
{
    uint64_t addr = aw_registry_lookup(r, name);
    return addr ? aw_registry_resolve(r, addr) : NULL;
}

/* ---- writers (r->mu held) --------------------------------------------- */

/* Insert; returns true when it reused a tombstone. Reuse is safe for a
 * racing reader: it sees either the tombstone or the new key. */
static bool put(aw_name_table *t, uint64_t key, uint64_t addr, packed name)
{
    size_t mask = t->cap - 1, i = home(key, mask);
    while (atomic_load(&t->e[i].key) > TOMB) i = (i + 1) & mask;
    bool tomb = atomic_load(&t->e[i].key) == TOMB;
    atomic_store(&t->e[i].addr, addr);
    atomic_store_explicit(&t->e[i].name[0], name.w[0], memory_order_relaxed);
    atomic_store_explicit(&t->e[i].name[1], name.w[1], memory_order_relaxed);
    atomic_store_explicit(&t->e[i].key, key, memory_order_release);
    return tomb;
}

/* Rebuild without tombstones, doubling when more than a quarter is live. */
static bool rebuild(aw_registry *r)
{
    aw_name_table *old = atomic_load(&r->names);
    size_t cap = old->cap;
    while ((r->live + 1) * 4 > cap) cap *= 2;
    aw_name_table *t = table_new(cap);
    if (!t) return false;
    for (size_t i = 0; i < old->cap; i++) {
        uint64_t k = atomic_load(&old->e[i].key);
        if (k > TOMB)
            put(t, k, atomic_load(&old->e[i].addr),
                (packed){{atomic_load(&old->e[i].name[0]), atomic_load(&old->e[i].name[1])}});
    }
    old->older = r->retired;
    r->retired = old;
    r->tombstones = 0;
    atomic_store_explicit(&r->names, t, memory_order_release);
    return true;
}

static bool take_slot(aw_registry *r, uint32_t *slot)
{
    if (r->nfree) {
        *slot = r->free_slots[--r->nfree];
        return true;
    }
    uint32_t s = r->nslots, chunk = s / CHUNK;
    if (chunk >= 1024) return false;
    if (!atomic_load(&r->chunks[chunk])) {
        aw_slot *c = calloc(CHUNK, sizeof *c);
        uint32_t *g = calloc(CHUNK, sizeof *g);
        if (!c || !g) { free(c); free(g); return false; }
        r->gens[chunk] = g;
        atomic_store_explicit(&r->chunks[chunk], c, memory_order_release);
    }
    r->nslots++;
    *slot = s;
    return true;
}

aw_err aw_registry_add(aw_registry *r, aw_actor *a)
{
    pthread_mutex_lock(&r->mu);
    if (aw_registry_lookup(r, a->name)) {
        pthread_mutex_unlock(&r->mu);
        return aw__fail(AW_EEXIST, "an actor named '%s' is already running", a->name);
    }
    aw_name_table *t = atomic_load(&r->names);
    uint32_t slot;
    if (((r->live + r->tombstones + 1) * 2 > t->cap && !rebuild(r)) || !take_slot(r, &slot)) {
        pthread_mutex_unlock(&r->mu);
        return aw__fail(AW_ENOMEM, "out of memory registering '%s'", a->name);
    }
    uint32_t gen = ++r->gens[slot / CHUNK][slot % CHUNK];
    uint64_t addr = (uint64_t)gen << 32 | slot;
    atomic_store(&a->addr, addr);
    aw_actor_ref(a);  /* the registry's reference */
    atomic_store_explicit(&atomic_load(&r->chunks[slot / CHUNK])[slot % CHUNK], a, memory_order_release);
    size_t n = strlen(a->name);
    if (put(atomic_load(&r->names), key_of(a->name, n), addr, pack(a->name, n, a))) r->tombstones--;
    r->live++;
    pthread_mutex_unlock(&r->mu);
    return AW_OK;
}

void aw_registry_remove(aw_registry *r, aw_actor *a)
{
    uint64_t addr = atomic_load(&a->addr), key = key_of(a->name, strlen(a->name));
    bool found = false;
    pthread_mutex_lock(&r->mu);
    aw_name_table *t = atomic_load(&r->names);
    size_t mask = t->cap - 1;
    for (size_t i = home(key, mask), n = 0; n < t->cap; i = (i + 1) & mask, n++) {
        uint64_t k = atomic_load(&t->e[i].key);
        if (k == EMPTY) break;
        if (k == key && atomic_load(&t->e[i].addr) == addr) {
            atomic_store(&t->e[i].key, TOMB);
            found = true;
            break;
        }
    }
    if (found) {
        uint32_t slot = (uint32_t)addr;
        atomic_store(&atomic_load(&r->chunks[slot / CHUNK])[slot % CHUNK], NULL);
        if (r->nfree == r->free_cap) {
            uint32_t cap = r->free_cap ? r->free_cap * 2 : 256;
            uint32_t *v = realloc(r->free_slots, cap * sizeof *v);
            if (v) { r->free_slots = v; r->free_cap = cap; }
        }
        if (r->nfree < r->free_cap) r->free_slots[r->nfree++] = slot;  /* else: leak the slot */
        r->live--;
        r->tombstones++;
    }
    pthread_mutex_unlock(&r->mu);
    if (found) aw_actor_unref(a);
}

size_t aw_registry_all(aw_registry *r, aw_actor ***out)
{
    pthread_mutex_lock(&r->mu);
    aw_actor **v = malloc((r->live ? r->live : 1) * sizeof *v);
    size_t n = 0;
    for (uint32_t s = 0; v && s < r->nslots && n < r->live; s++) {
        aw_actor *a = atomic_load(&atomic_load(&r->chunks[s / CHUNK])[s % CHUNK]);
        if (a && try_ref(a)) v[n++] = a;
    }
    pthread_mutex_unlock(&r->mu);
    *out = v;
    return n;
}
