/* spin: "loop" never returns (a runaway handler); anything else is echoed.
 * Proves the per-message CPU deadline ends the handler, not the host. */
#include <airssys_guest.h>
#include <string.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    if (len == 4 && !memcmp(msg, "loop", 4)) {
        volatile unsigned long n = 0;
        for (;;) n++;
    }
    return aw_reply(msg, len);
}
