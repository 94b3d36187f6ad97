/* spin: "loop" never returns (a runaway handler); "sleep N" computes for N
 * milliseconds of wall time and replies "slept N" (a slow responder);
 * anything else is echoed. Proves the per-message CPU deadline ends the
 * handler, not the host, and that a busy guest shares its worker. */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    if (len == 4 && !memcmp(msg, "loop", 4)) {
        volatile unsigned long n = 0;
        for (;;) n++;
    }
    if (len > 6 && len < 20 && !memcmp(msg, "sleep ", 6)) {
        char num[16];
        memcpy(num, msg + 6, len - 6);
        num[len - 6] = 0;
        int64_t until = aw_now_ns() + strtoll(num, NULL, 10) * 1000000;
        while (aw_now_ns() < until)
            ;
        char out[32];
        int n = snprintf(out, sizeof out, "slept %s", num);
        return aw_reply(out, (size_t)n);
    }
    return aw_reply(msg, len);
}
