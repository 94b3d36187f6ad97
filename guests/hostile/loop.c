/* hostile/loop: never returns from its handler. */
#include <airssys_guest.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    (void)msg; (void)len;
    for (;;) __asm__ volatile("");
}
