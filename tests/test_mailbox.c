/* Unit tests: the MPSC mailbox (order, bound, close, many producers). */
#include "testlib.h"
#include "actor/mailbox.h"

#include <pthread.h>
#include <stdlib.h>

static aw_msg *mk(uint32_t v) { return aw_msg_new(AW_MSG_USER, &v, sizeof v); }
static uint32_t val(aw_msg *m) { uint32_t v; memcpy(&v, m->data, 4); return v; }

static void fifo_and_bound(void)
{
    aw_mailbox mb;
    aw_mailbox_init(&mb, 3);
    CHECK(aw_mailbox_pop(&mb) == NULL);
    for (uint32_t i = 0; i < 3; i++) CHECK_ERR(aw_mailbox_push(&mb, mk(i), false), AW_OK);
    aw_msg *extra = mk(99);
    CHECK_ERR(aw_mailbox_push(&mb, extra, false), AW_EFULL);
    CHECK(aw_mailbox_count(&mb) == 3);
    for (uint32_t i = 0; i < 3; i++) {
        aw_msg *m = aw_mailbox_pop(&mb);
        REQUIRE(m);
        CHECK(val(m) == i);
        free(m);
    }
    CHECK(aw_mailbox_pop(&mb) == NULL);
    CHECK(aw_mailbox_count(&mb) == 0);
    CHECK_ERR(aw_mailbox_push(&mb, extra, false), AW_OK);  /* room again */
    free(aw_mailbox_pop(&mb));
}

static void close_refuses_but_force_passes(void)
{
    aw_mailbox mb;
    aw_mailbox_init(&mb, 2);
    CHECK_ERR(aw_mailbox_push(&mb, mk(1), false), AW_OK);
    aw_mailbox_close(&mb);
    CHECK(aw_mailbox_closed(&mb));
    aw_msg *m = mk(2);
    CHECK_ERR(aw_mailbox_push(&mb, m, false), AW_ESTOPPED);
    CHECK_ERR(aw_mailbox_push(&mb, m, true), AW_OK);  /* the stop message */
    aw_msg *a = aw_mailbox_pop(&mb), *b = aw_mailbox_pop(&mb);
    REQUIRE(a && b);
    CHECK(val(a) == 1 && val(b) == 2);
    free(a);
    free(b);
}

#define PRODUCERS 4
#define PER 50000
static aw_mailbox big;

static void *producer(void *arg)
{
    uint32_t id = (uint32_t)(uintptr_t)arg;
    for (uint32_t i = 0; i < PER;) {
        aw_msg *m = mk(id << 24 | i);
        if (aw_mailbox_push(&big, m, false) == AW_OK) i++;
        else free(m);  /* full: retry */
    }
    return NULL;
}

static void many_producers_keep_per_producer_order(void)
{
    aw_mailbox_init(&big, 1024);
    pthread_t t[PRODUCERS];
    for (uintptr_t i = 0; i < PRODUCERS; i++) pthread_create(&t[i], NULL, producer, (void *)i);
    uint32_t next[PRODUCERS] = {0};
    size_t got = 0, order_errors = 0;
    while (got < (size_t)PRODUCERS * PER) {
        aw_msg *m = aw_mailbox_pop(&big);
        if (!m) continue;
        uint32_t v = val(m), id = v >> 24, seq = v & 0xffffff;
        if (id >= PRODUCERS || seq != next[id]) order_errors++;
        else next[id]++;
        free(m);
        got++;
    }
    for (int i = 0; i < PRODUCERS; i++) pthread_join(t[i], NULL);
    CHECK(order_errors == 0);
    CHECK(got == (size_t)PRODUCERS * PER);
    CHECK(aw_mailbox_pop(&big) == NULL);
}

int main(void)
{
    RUN(fifo_and_bound);
    RUN(close_refuses_but_force_passes);
    RUN(many_producers_keep_per_producer_order);
    return tl_finish();
}
