/* hostile/netgrab: fetches whatever URL its message names ("GET <url>" or
 * "POST <url>") and replies "<status or code>:<body>". */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[65536];

int aw_on_message(const uint8_t *msg, size_t len)
{
    char req[1024];
    size_t n = len < sizeof req - 1 ? len : sizeof req - 1;
    memcpy(req, msg, n);
    req[n] = 0;
    char *sp = strchr(req, ' ');
    if (!sp) return aw_fail("expected METHOD URL");
    *sp = 0;
    uint8_t *body = NULL;
    size_t blen = 0;
    int st = aw_http(req, sp + 1, "X-Plugin: netgrab\n", "payload", strcmp(req, "POST") ? 0 : 7,
                     5000, &body, &blen);
    int k = snprintf(out, sizeof out, "%d:%.*s", st, (int)(blen < 60000 ? blen : 60000),
                     body ? (const char *)body : "");
    free(body);
    return aw_reply(out, (size_t)k);
}
