/* hostile/netgrab: fetches whatever URL its message names ("GET <url>" or
 * "POST <url>") and replies "<status or code>:<body>"; with "HDR " in front
 * it replies the response's header lines instead of the body. */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[65536];

int aw_on_message(const uint8_t *msg, size_t len)
{
    char buf[1024], *req = buf;
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, msg, n);
    buf[n] = 0;
    int show_headers = !strncmp(buf, "HDR ", 4);  /* reply the response headers instead */
    if (show_headers) req += 4;
    char *sp = strchr(req, ' ');
    if (!sp) return aw_fail("expected METHOD URL");
    *sp = 0;
    uint8_t *body = NULL;
    size_t blen = 0;
    int st = aw_http(req, sp + 1, "X-Plugin: netgrab\n", "payload", strcmp(req, "POST") ? 0 : 7,
                     5000, &body, &blen);
    int k = show_headers
                ? snprintf(out, sizeof out, "%d:%s", st, aw_http_headers())
                : snprintf(out, sizeof out, "%d:%.*s", st, (int)(blen < 60000 ? blen : 60000),
                           body ? (const char *)body : "");
    free(body);
    return aw_reply(out, (size_t)k);
}
