/* mailbox.c - see mailbox.h. */
#include "mailbox.h"

#include <string.h>

#define CLOSED (1ull << 63)

aw_msg *aw_msg_new(aw_msg_kind kind, const void *data, size_t len)
{
    aw_msg *m = malloc(sizeof *m + len);
    if (!m) return NULL;
    atomic_init(&m->next, NULL);
    m->kind = kind;
    m->req = NULL;
    m->topic = NULL;
    m->len = len;
    if (len) memcpy(m->data, data, len);
    return m;
}

aw_msg *aw_msg_new_topic(const void *data, size_t len, const char *topic, size_t topic_len)
{
    aw_msg *m = malloc(sizeof *m + len + topic_len + 1);
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
    atomic_init(&mb->state, 0);
    mb->capacity = capacity;
}

static void link(aw_mailbox *mb, aw_msg *m)
{
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    aw_msg *prev = atomic_exchange_explicit(&mb->head, m, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, m, memory_order_release);
}

aw_err aw_mailbox_push(aw_mailbox *mb, aw_msg *m, bool force)
{
    uint64_t s = atomic_load_explicit(&mb->state, memory_order_relaxed);
    if (force) {
        atomic_fetch_add(&mb->state, 1);
    } else {
        do {
            if (s & CLOSED) return AW_ESTOPPED;
            if ((s & ~CLOSED) >= mb->capacity) return AW_EFULL;
        } while (!atomic_compare_exchange_weak(&mb->state, &s, s + 1));
    }
    link(mb, m);
    return AW_OK;
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
        atomic_fetch_sub(&mb->state, 1);
        return tail;
    }
    if (tail != atomic_load_explicit(&mb->head, memory_order_acquire)) return NULL; /* mid-push */
    link(mb, &mb->stub);
    next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (!next) return NULL;
    mb->tail = next;
    atomic_fetch_sub(&mb->state, 1);
    return tail;
}

aw_msg *aw_mailbox_peek(aw_mailbox *mb)
{
    aw_msg *tail = mb->tail;
    if (tail != &mb->stub) return tail;
    return atomic_load_explicit(&tail->next, memory_order_acquire);
}

uint32_t aw_mailbox_count(aw_mailbox *mb)
{
    return (uint32_t)(atomic_load(&mb->state) & ~CLOSED);
}

void aw_mailbox_close(aw_mailbox *mb) { atomic_fetch_or(&mb->state, CLOSED); }
bool aw_mailbox_closed(aw_mailbox *mb) { return atomic_load(&mb->state) & CLOSED; }
