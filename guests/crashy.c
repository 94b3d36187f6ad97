/* crashy: a guest that fails on command, one way per crash source, for the
 * supervision tests. Messages: "ok" (replies "ok"), "count" (replies how
 * many messages this instance has handled: a restart starts again at 1),
 * "trap", "div0", "oob", "stack", "spin", "grow", "exit:<n>", "hostfault".
 * Config "failstart" makes its start hook refuse; "slowstop" makes its stop
 * hook loop forever (a child that must be killed at shutdown); "slowstart"
 * makes its init hook loop until its CPU deadline. (No start hook: a
 * guest without one costs no call at spawn or restart.) */
#include <airssys_guest.h>
#include <stdlib.h>
#include <string.h>

static int handled;
static int slow_stop, slow_start;

int aw_guest_init(const uint8_t *config, size_t len)
{
    if (len == 9 && !memcmp(config, "failstart", 9)) return 1;
    slow_stop = len == 8 && !memcmp(config, "slowstop", 8);
    slow_start = len == 9 && !memcmp(config, "slowstart", 9);
    while (slow_start) __asm__ volatile("");  /* an init hook that never ends */
    return 0;
}

void aw_guest_stop(int reason)
{
    (void)reason;
    while (slow_stop) __asm__ volatile("");
}

/* Deep recursion on the engine's stack (not the shadow stack in linear
 * memory): the asm keeps the compiler from turning it into a loop. */
__attribute__((noinline)) static int recurse(int depth)
{
    int r = depth == -1 ? 0 : recurse(depth + 1);
    __asm__ volatile("" ::: "memory");
    return r ^ depth;
}

__attribute__((import_module("airssys"), import_name("reply")))
int32_t crashy_raw_reply(const void *ptr, int32_t len);

static int is(const uint8_t *m, size_t n, const char *s)
{
    return n == strlen(s) && !memcmp(m, s, n);
}

int aw_on_message(const uint8_t *msg, size_t len)
{
    handled++;
    if (is(msg, len, "ok")) return aw_reply_str("ok");
    if (is(msg, len, "count")) {
        char buf[16];
        int n = 0, v = handled;
        char tmp[16];
        do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
        for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
        return aw_reply(buf, (size_t)n);
    }
    if (is(msg, len, "trap")) __builtin_trap();
    if (is(msg, len, "div0")) {
        volatile int zero = 0, one = 1;  /* both opaque: a real i32.div_s by zero */
        return one / zero;
    }
    if (is(msg, len, "oob")) return *(volatile int *)(uintptr_t)0xfffffff0u;
    if (is(msg, len, "stack")) return recurse(0);
    if (is(msg, len, "spin")) for (;;) __asm__ volatile("");
    if (is(msg, len, "grow")) {  /* grow until the host's memory cap says no */
        while (__builtin_wasm_memory_grow(0, 16) != (size_t)-1)
            ;
        __builtin_trap();  /* out of memory: fail like a language runtime does */
    }
    if (len > 5 && !memcmp(msg, "exit:", 5)) aw_exit(atoi((const char *)msg + 5));
    if (is(msg, len, "hostfault")) return crashy_raw_reply((const void *)0x7ffffff0, 64);
    return aw_fail("unknown command");
}
