/* Unit/integration tests: names and generation-checked addresses, table
 * growth, and lock-free lookups racing with spawn and stop. */
#include "testlib.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static int sink(aw_ctx *ctx, const uint8_t *msg, size_t len) { return 0; }
static const aw_native_actor nat = {.on_message = sink};

static void addresses(void)
{
    aw_runtime *rt = tl_runtime(1, 8);
    aw_addr a1, a2, a3;
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "x", .native = &nat}), AW_OK);
    CHECK_ERR(aw_lookup(rt, "x", &a1), AW_OK);
    CHECK(a1 != 0);
    CHECK_ERR(aw_send_addr(rt, a1, "hi", 2), AW_OK);
    CHECK_ERR(aw_lookup(rt, "y", &a2), AW_ENOENT);
    CHECK_ERR(aw_stop(rt, "x"), AW_OK);
    CHECK_ERR(aw_send_addr(rt, a1, "hi", 2), AW_ENOENT);  /* stale: not a dangling pointer */
    CHECK_CONTAINS(aw_last_error(), "no actor at address");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "x", .native = &nat}), AW_OK);
    CHECK_ERR(aw_lookup(rt, "x", &a3), AW_OK);
    CHECK(a3 != a1);                     /* same name, same slot maybe, new generation */
    CHECK((uint32_t)a3 == (uint32_t)a1); /* the slot was reused */
    CHECK_ERR(aw_send_addr(rt, a1, "hi", 2), AW_ENOENT);
    CHECK_ERR(aw_send_addr(rt, a3, "hi", 2), AW_OK);
    CHECK_ERR(aw_send_addr(rt, 0, "hi", 2), AW_ENOENT);
    CHECK_ERR(aw_send_addr(rt, ~0ull, "hi", 2), AW_ENOENT);
    aw_runtime_free(rt);
}

static void growth(void)
{
    aw_runtime *rt = tl_runtime(1, 8);
    char name[32];
    const int n = 3000;  /* several table rebuilds and slot chunks */
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "n%d", i);
        if (!CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = name, .native = &nat}), AW_OK)) break;
    }
    int found = 0;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "n%d", i);
        aw_addr a;
        found += aw_lookup(rt, name, &a) == AW_OK;
    }
    CHECK(found == n);
    for (int i = 0; i < n; i += 2) {
        snprintf(name, sizeof name, "n%d", i);
        CHECK_ERR(aw_stop(rt, name), AW_OK);
    }
    int left = 0;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "n%d", i);
        aw_addr a;
        aw_err e = aw_lookup(rt, name, &a);
        CHECK(e == (i % 2 ? AW_OK : AW_ENOENT));
        left += e == AW_OK;
    }
    CHECK(left == n / 2);
    aw_runtime_free(rt);
}

static aw_runtime *shared_rt;
static atomic_bool churn_done;

static void *reader(void *arg)
{
    long bad = 0, hits = 0;
    char name[32];
    for (unsigned i = 0; !atomic_load(&churn_done); i++) {
        snprintf(name, sizeof name, "c%u", i % 64);
        aw_addr a;
        aw_err e = aw_lookup(shared_rt, name, &a);
        if (e == AW_OK) {
            hits++;
            e = aw_send_addr(shared_rt, a, "x", 1);
            if (e != AW_OK && e != AW_ENOENT && e != AW_ESTOPPED && e != AW_EFULL) bad++;
        } else if (e != AW_ENOENT) bad++;
    }
    return (void *)(bad ? -1L : hits);
}

static void lookups_race_with_churn(void)
{
    shared_rt = tl_runtime(2, 8);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, reader, NULL);
    char name[32];
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < 64; i++) {
            snprintf(name, sizeof name, "c%d", i);
            CHECK_ERR(aw_spawn(shared_rt, &(aw_actor_spec){.name = name, .native = &nat}), AW_OK);
        }
        for (int i = 0; i < 64; i++) {
            snprintf(name, sizeof name, "c%d", i);
            CHECK_ERR(aw_stop(shared_rt, name), AW_OK);
        }
    }
    atomic_store(&churn_done, true);
    long total = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK((long)r >= 0);
        total += (long)r > 0 ? (long)r : 0;
    }
    CHECK(total > 0);  /* the readers did find live actors */
    aw_runtime_free(shared_rt);
}

/* Names of every length the table stores differently (inline words of 1..15
 * bytes, checked against the actor from 16 on), including names that differ
 * only in their last byte or are prefixes of one another. */
static void name_lengths(void)
{
    aw_runtime *rt = tl_runtime(1, 8);
    char name[300], other[300];
    aw_addr seen[256] = {0};
    for (int n = 1; n <= 255; n++) {
        memset(name, 'a' + n % 26, (size_t)n);
        name[n] = 0;
        name[n - 1] = 'Z';
        if (!CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = name, .native = &nat}), AW_OK)) break;
        CHECK_ERR(aw_lookup(rt, name, &seen[n]), AW_OK);
    }
    for (int n = 1; n <= 255; n++) {
        memset(name, 'a' + n % 26, (size_t)n);
        name[n] = 0;
        name[n - 1] = 'Z';
        aw_addr a = 0;
        CHECKF(aw_lookup(rt, name, &a) == AW_OK && a == seen[n], "length %d", n);
        memcpy(other, name, (size_t)n + 1);
        other[n - 1] = 'Y';  /* same length, last byte differs */
        CHECKF(aw_lookup(rt, other, &a) == AW_ENOENT, "length %d, last byte changed", n);
        if (n > 1) {
            other[n - 1] = 0;  /* a prefix */
            CHECKF(aw_lookup(rt, other, &a) == AW_ENOENT, "prefix of length %d", n - 1);
        }
        CHECKF(aw_send(rt, name, "x", 1) == AW_OK, "send to length %d", n);
    }
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(addresses);
    RUN(name_lengths);
    RUN(growth);
    RUN(lookups_race_with_churn);
    return tl_finish();
}
