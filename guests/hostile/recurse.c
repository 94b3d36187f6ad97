/* hostile/recurse: unbounded recursion on the engine's stack. */
#include <airssys_guest.h>

__attribute__((noinline)) static int down(int d)
{
    int r = d == -1 ? 0 : down(d + 1);
    __asm__ volatile("" ::: "memory");
    return r ^ d;
}

int aw_on_message(const uint8_t *msg, size_t len)
{
    (void)msg; (void)len;
    return down(0);
}
