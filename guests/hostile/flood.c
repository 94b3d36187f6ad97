/* hostile/flood: on "flood:<n>", sends n messages to "sink" as fast as it
 * can and replies "ok=<a> rate=<r> other=<o>": how many were accepted,
 * refused by the rate limit, refused otherwise. */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    char buf[32] = "";
    memcpy(buf, msg, len < 31 ? len : 31);
    if (strncmp(buf, "flood:", 6)) return aw_fail("expected flood:<n>");
    int n = atoi(buf + 6), ok = 0, rate = 0, other = 0;
    for (int i = 0; i < n; i++) {
        int rc = aw_send("sink", "x", 1);
        if (rc == 0) ok++;
        else if (rc == AW_G_ERATE) rate++;
        else other++;
    }
    char out[64];
    int k = snprintf(out, sizeof out, "ok=%d rate=%d other=%d", ok, rate, other);
    return aw_reply(out, (size_t)k);
}
