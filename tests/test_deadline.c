/* Integration: a guest that never returns neither pins a worker nor harms
 * the host. With ONE worker, other actors keep answering while it spins
 * (epoch time slices make it yield), and its CPU deadline turns it into a
 * crash of that actor only. */
#include "testlib.h"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    aw_runtime *rt = tl_runtime(1, 16);
    aw_component *spin = tl_load(rt, "spin"), *echo = tl_load(rt, "echo");
    aw_actor_spec a = {.name = "spinner", .component = spin, .handler_deadline_ms = 3000};
    aw_actor_spec b = {.name = "echo", .component = echo};
    aw_actor_spec c = {.name = "quick", .component = spin, .handler_deadline_ms = 200};
    CHECK_ERR(aw_spawn(rt, &a), AW_OK);
    CHECK_ERR(aw_spawn(rt, &b), AW_OK);
    CHECK_ERR(aw_spawn(rt, &c), AW_OK);

    double t0 = now_s();
    CHECK_ERR(aw_send(rt, "spinner", "loop", 4), AW_OK);
    int answered = 0;
    for (int i = 0; i < 20; i++) {
        aw_reply r;
        if (aw_request(rt, "echo", "ping", 4, 1000, &r) == AW_OK && r.len == 4) answered++;
        aw_reply_free(&r);
    }
    double spent = now_s() - t0;
    CHECK(answered == 20);
    CHECKF(spent < 2.5, "echo answers took %.2fs: the spinner held the only worker", spent);
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "spinner", &st), AW_OK);  /* still running its loop */

    aw_reply r;
    t0 = now_s();
    CHECK_ERR(aw_request(rt, "quick", "loop", 4, 10000, &r), AW_EDEADLINE);
    CHECK_CONTAINS(aw_last_error(), "CPU deadline");
    CHECK_CONTAINS(aw_last_error(), "component 'spin' (actor 'quick')");
    CHECK(now_s() - t0 < 5.0);
    aw_reply_free(&r);

    /* the 3 s spinner ends the same way; the runtime is still healthy */
    for (int i = 0; i < 100 && aw_actor_state_of(rt, "spinner", &st) == AW_OK; i++) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    CHECK_ERR(aw_actor_state_of(rt, "spinner", &st), AW_ENOENT);
    CHECK_ERR(aw_request(rt, "echo", "pong", 4, 1000, &r), AW_OK);
    aw_reply_free(&r);

    aw_component_release(spin);
    aw_component_release(echo);
    aw_runtime_free(rt);
    return tl_finish();
}
