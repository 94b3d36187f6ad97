/* Unit and integration tests: the timer heap (order, cancel) and the
 * public send-after / cancel API. */
#include "testlib.h"
#include "runtime/timer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static int order[64], fired;
static atomic_int dropped;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void fire(void *arg)
{
    pthread_mutex_lock(&mu);
    order[fired++] = (int)(intptr_t)arg;
    pthread_mutex_unlock(&mu);
}
static void drop(void *arg) { (void)arg; atomic_fetch_add(&dropped, 1); }

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void heap_order_and_cancel(void)
{
    aw_timers t;
    REQUIRE(aw_timers_start(&t) == AW_OK);
    int delays[] = {50, 10, 40, 20, 30, 60, 5};
    uint64_t ids[7];
    for (int i = 0; i < 7; i++)
        ids[i] = aw_timers_add(&t, (uint64_t)delays[i] * 1000000u, fire, (void *)(intptr_t)delays[i], drop);
    CHECK(aw_timers_cancel(&t, ids[2]));   /* 40 */
    CHECK(!aw_timers_cancel(&t, ids[2]));  /* twice: no */
    CHECK(!aw_timers_cancel(&t, 999999));
    CHECK(aw_timers_pending(&t) == 6);
    sleep_ms(200);
    pthread_mutex_lock(&mu);
    int want[] = {5, 10, 20, 30, 50, 60};
    CHECK(fired == 6);
    for (int i = 0; i < 6 && i < fired; i++) CHECKF(order[i] == want[i], "order[%d]=%d", i, order[i]);
    pthread_mutex_unlock(&mu);
    CHECK(atomic_load(&dropped) == 1);
    /* many timers, random cancels: the heap and its index stay consistent */
    fired = 0;
    uint64_t many[500];
    for (int i = 0; i < 500; i++)
        many[i] = aw_timers_add(&t, (uint64_t)(1000 + (i * 7919) % 500) * 1000000u, fire, NULL, drop);
    int cancelled = 0;
    for (int i = 0; i < 500; i += 3) cancelled += aw_timers_cancel(&t, many[i]);
    CHECK(cancelled == 167);
    CHECK(aw_timers_pending(&t) == 500 - 167);
    aw_timers_stop(&t);  /* the rest are dropped, not fired */
    CHECK(atomic_load(&dropped) == 1 + 167 + (500 - 167));
    CHECK(fired == 0);
}

static atomic_long got;  /* written by a worker, read here */
static int on_msg(aw_ctx *ctx, const uint8_t *msg, size_t len) { atomic_fetch_add(&got, (long)len); return 0; }

static void send_after(void)
{
    aw_runtime *rt = tl_runtime(1, 4);
    aw_native_actor na = {.on_message = on_msg};
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "n", .native = &na}), AW_OK);
    aw_timer_id a, b;
    CHECK_ERR(aw_send_after(rt, "n", "aaaa", 4, 30, &a), AW_OK);
    CHECK_ERR(aw_send_after(rt, "n", "bb", 2, 30, &b), AW_OK);
    CHECK_ERR(aw_timer_cancel(rt, b), AW_OK);
    CHECK_ERR(aw_timer_cancel(rt, b), AW_ENOENT);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "n", "", 0, 1000, &r), AW_OK);
    CHECK(atomic_load(&got) == 0);  /* not yet */
    sleep_ms(150);
    CHECK_ERR(aw_request(rt, "n", "", 0, 1000, &r), AW_OK);
    CHECK(atomic_load(&got) == 4);
    CHECK_ERR(aw_timer_cancel(rt, a), AW_ENOENT);  /* already fired */
    CHECK_ERR(aw_send_after(rt, "nobody", "x", 1, 1, NULL), AW_OK);  /* checked at fire time: logged */
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(heap_order_and_cancel);
    RUN(send_after);
    return tl_finish();
}
