/* hostile/oversize: sends a message bigger than its component's limit
 * (asked size in bytes after "size:") to "sink" and replies the code. */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    char buf[32] = "";
    memcpy(buf, msg, len < 31 ? len : 31);
    size_t n = (size_t)atol(buf + 5);
    char *big = malloc(n ? n : 1);
    if (!big) return aw_fail("no memory");
    memset(big, 'A', n);
    int rc = aw_send("sink", big, n);
    free(big);
    char out[32];
    int k = snprintf(out, sizeof out, "%d", rc);
    return aw_reply(out, (size_t)k);
}
