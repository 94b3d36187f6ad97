/* trap: a misbehaving component. "oob" writes far outside linear memory,
 * "div0" divides by zero, "deep" recurses until the stack overflows, and
 * anything else reaches `unreachable`. Used to prove a crash stays inside
 * its actor. */
#include <airssys_guest.h>
#include <string.h>

static volatile int zero = 0;
static volatile int depth;

/* Uses only the wasm value stack (no C shadow stack), so it overflows the
 * engine's stack rather than running off the bottom of linear memory. */
#pragma clang diagnostic ignored "-Winfinite-recursion"  /* the point of this guest */
__attribute__((noinline)) static int recurse(int n)
{
    depth = n;
    int r = recurse(n + 1);
    depth = r;
    return r + 1;
}

__attribute__((noinline)) static void crash_unreachable(void) { __builtin_trap(); }

int aw_on_message(const uint8_t *msg, size_t len)
{
    if (len == 3 && !memcmp(msg, "oob", 3)) {
        *(volatile int *)(uintptr_t)0xfffffff0u = 1;
    } else if (len == 4 && !memcmp(msg, "div0", 4)) {
        return 10 / zero;
    } else if (len == 4 && !memcmp(msg, "deep", 4)) {
        return recurse(0);
    } else if (len == 2 && !memcmp(msg, "ok", 2)) {
        return aw_reply_str("still alive");
    }
    crash_unreachable();
    return 0;
}
