/* mailbox.c - see mailbox.h. */
#include "mailbox.h"

#include <pthread.h>
#include <string.h>

#define CLOSED (1ull << 63)

/* ---- message blocks -------------------------------------------------------
 * Blocks of BLOCK bytes cycle through a per-thread cache; a thread that
 * frees more than it allocates (a worker) hands its whole cache to a shared
 * stack as one batch, and a thread that allocates more (a host producer)
 * takes a batch from it. Moving a batch is O(1): walking a list of blocks
 * freed on another core would cost one cache miss per block, serialized.
 * Blocks are never returned to malloc: the pool keeps the peak of small
 * messages in flight (bounded by the mailboxes' capacities). */
#define BLOCK 256
#define BATCH 256

typedef struct block {
    struct block *next;
    struct block *next_batch; /* first block of a batch: the batch below it */
    unsigned n;               /* first block of a batch: its length */
} block;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static block *pool_batches;  /* shared stack of batches */
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

typedef struct cache { block *head; unsigned n; } cache;
static _Thread_local cache tl_cache;

static void flush_cache(void *unused)  /* also at thread exit: keep blocks reachable */
{
    (void)unused;
    block *b = tl_cache.head;
    if (!b) return;
    b->n = tl_cache.n;
    pthread_mutex_lock(&pool_mu);
    b->next_batch = pool_batches;
    pool_batches = b;
    pthread_mutex_unlock(&pool_mu);
    tl_cache.head = NULL;
    tl_cache.n = 0;
}

static void make_key(void) { pthread_key_create(&cache_key, flush_cache); }

/* Register this thread's cache so that its exit flushes it to the pool. */
static void adopt(cache *c)
{
    if (c->n) return;
    pthread_once(&cache_once, make_key);
    pthread_setspecific(cache_key, c);
}

static void *block_alloc(void)
{
    cache *c = &tl_cache;
    if (!c->head) {  /* refill: one batch from the shared stack */
        adopt(c);
        pthread_mutex_lock(&pool_mu);
        block *b = pool_batches;
        if (b) pool_batches = b->next_batch;
        pthread_mutex_unlock(&pool_mu);
        if (!b) return malloc(BLOCK);
        c->head = b;
        c->n = b->n;
    }
    block *b = c->head;
    c->head = b->next;
    c->n--;
    if (c->head) __builtin_prefetch(c->head, 1);  /* likely last written on another core */
    return b;
}

static void block_free(void *p)
{
    cache *c = &tl_cache;
    adopt(c);
    block *b = p;
    b->next = c->head;
    c->head = b;
    if (++c->n < BATCH) return;
    flush_cache(NULL);  /* a full batch: share it */
}

/* Under AddressSanitizer every message is its own allocation, so that a use
 * after free is caught rather than hidden by the pool. */
#if defined(__SANITIZE_ADDRESS__)
#define POOLED(total) ((void)(total), false)
#else
#define POOLED(total) ((total) <= BLOCK)
#endif

void aw_msg_free(aw_msg *m)
{
    if (!m) return;
    size_t total = sizeof *m + m->len + (m->topic ? strlen(m->topic) + 1 : 0);
    if (POOLED(total)) block_free(m);
    else free(m);
}

static aw_msg *msg_alloc(size_t total)
{
    return POOLED(total) ? block_alloc() : malloc(total);
}

aw_msg *aw_msg_new(aw_msg_kind kind, const void *data, size_t len)
{
    aw_msg *m = msg_alloc(sizeof *m + len);
    if (!m) return NULL;
    atomic_init(&m->next, NULL);
    m->kind = kind;
    m->req = NULL;
    m->topic = NULL;
    m->len = len;
    if (len && data) memcpy(m->data, data, len);  /* data NULL: the caller fills it */
    return m;
}

aw_msg *aw_msg_new_topic(const void *data, size_t len, const char *topic, size_t topic_len)
{
    aw_msg *m = msg_alloc(sizeof *m + len + topic_len + 1);
    if (!m) return NULL;
    atomic_init(&m->next, NULL);
    m->kind = AW_MSG_USER;
    m->req = NULL;
    m->len = len;
    if (len) memcpy(m->data, data, len);
    char *t = (char *)m->data + len;
    memcpy(t, topic, topic_len);
    t[topic_len] = 0;
    m->topic = t;
    return m;
}

void aw_mailbox_init(aw_mailbox *mb, uint32_t capacity)
{
    atomic_init(&mb->stub.next, NULL);
    atomic_init(&mb->head, &mb->stub);
    mb->tail = &mb->stub;
    atomic_init(&mb->pushed, 0);
    atomic_init(&mb->popped, 0);
    atomic_init(&mb->popped_seen, 0);
    mb->capacity = capacity;
}

static void link(aw_mailbox *mb, aw_msg *m)
{
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    aw_msg *prev = atomic_exchange_explicit(&mb->head, m, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, m, memory_order_release);
}

/* Room for one more? Reads the consumer's line only when the cached count
 * says the mailbox is full. */
static bool has_room(aw_mailbox *mb, uint64_t pushed)
{
    uint64_t seen = atomic_load_explicit(&mb->popped_seen, memory_order_relaxed);
    if (pushed - seen < mb->capacity) return true;
    seen = atomic_load_explicit(&mb->popped, memory_order_acquire);
    atomic_store_explicit(&mb->popped_seen, seen, memory_order_relaxed);
    return pushed - seen < mb->capacity;
}

aw_err aw_mailbox_push(aw_mailbox *mb, aw_msg *m, bool force)
{
    uint64_t s = atomic_load_explicit(&mb->pushed, memory_order_relaxed);
    if (force) {
        atomic_fetch_add(&mb->pushed, 1);
    } else {
        do {
            if (s & CLOSED) return AW_ESTOPPED;
            if (!has_room(mb, s)) return AW_EFULL;
        } while (!atomic_compare_exchange_weak(&mb->pushed, &s, s + 1));
    }
    link(mb, m);
    return AW_OK;
}

aw_err aw_mailbox_push_unbounded(aw_mailbox *mb, aw_msg *m)
{
    uint64_t s = atomic_load_explicit(&mb->pushed, memory_order_relaxed);
    do {
        if (s & CLOSED) return AW_ESTOPPED;
    } while (!atomic_compare_exchange_weak(&mb->pushed, &s, s + 1));
    link(mb, m);
    return AW_OK;
}

static aw_msg *took(aw_mailbox *mb, aw_msg *m)
{
    uint64_t n = atomic_load_explicit(&mb->popped, memory_order_relaxed);
    atomic_store_explicit(&mb->popped, n + 1, memory_order_release);
    return m;
}

aw_msg *aw_mailbox_pop(aw_mailbox *mb)
{
    aw_msg *tail = mb->tail;
    aw_msg *next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (tail == &mb->stub) {
        if (!next) return NULL;
        mb->tail = tail = next;
        next = atomic_load_explicit(&tail->next, memory_order_acquire);
    }
    if (next) {
        mb->tail = next;
        __builtin_prefetch(next);  /* the next pop reads it: overlap that miss with this message */
        return took(mb, tail);
    }
    if (tail != atomic_load_explicit(&mb->head, memory_order_acquire)) return NULL; /* mid-push */
    link(mb, &mb->stub);
    next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (!next) return NULL;
    mb->tail = next;
    return took(mb, tail);
}

aw_msg *aw_mailbox_peek(aw_mailbox *mb)
{
    aw_msg *tail = mb->tail;
    if (tail != &mb->stub) return tail;
    return atomic_load_explicit(&tail->next, memory_order_acquire);
}

/* Popped first: every pop follows its push, so the difference never goes
 * below zero. */
uint32_t aw_mailbox_count(aw_mailbox *mb)
{
    uint64_t popped = atomic_load(&mb->popped);
    return (uint32_t)((atomic_load(&mb->pushed) & ~CLOSED) - popped);
}

void aw_mailbox_close(aw_mailbox *mb) { atomic_fetch_or(&mb->pushed, CLOSED); }
bool aw_mailbox_closed(aw_mailbox *mb) { return atomic_load(&mb->pushed) & CLOSED; }
