/* messenger: drives every guest messaging function from text commands, so
 * tests can exercise them end to end:
 *   "ask <to> <msg>"      request <to>, reply with its answer ("ERR <code>: <text>" on failure)
 *   "ask1 <to> <msg>"     the same with a 200 ms timeout
 *   "send <to> <msg>"     fire and forget, reply with the code
 *   "pub <topic> <msg>"   publish, reply with the number of subscribers reached
 *   "sub <pattern>" / "unsub <pattern>"   reply with the code
 *   "self"                reply with its own name
 *   "now"                 reply with the wall clock in ns
 *   anything else         remember it; "log" replies with all remembered lines,
 *                         each prefixed by its topic when it came from a publish
 * Config "sub <pattern>" subscribes during init; "subfail <pattern>"
 * subscribes and then refuses to start. */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char journal[8192];
static size_t used;

static int word(const uint8_t *msg, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len > n && !memcmp(msg, w, n) && msg[n] == ' ';
}

/* split "<a> <rest>" after a command word into a NUL-terminated a and rest */
static int split(const uint8_t *msg, size_t len, size_t skip, char *a, size_t acap,
                 const uint8_t **rest, size_t *rlen)
{
    const uint8_t *p = msg + skip, *end = msg + len;
    const uint8_t *sp = memchr(p, ' ', (size_t)(end - p));
    size_t an = sp ? (size_t)(sp - p) : (size_t)(end - p);
    if (an == 0 || an >= acap) return -1;
    memcpy(a, p, an);
    a[an] = 0;
    *rest = sp ? sp + 1 : end;
    *rlen = (size_t)(end - *rest);
    return 0;
}

int aw_guest_init(const uint8_t *cfg, size_t len)
{
    char pat[128];
    int fail = len > 8 && !memcmp(cfg, "subfail ", 8);
    size_t skip = fail ? 8 : 4;
    if (!fail && !(len > 4 && !memcmp(cfg, "sub ", 4))) return 0;
    if (len - skip >= sizeof pat) return aw_fail("pattern too long");
    memcpy(pat, cfg + skip, len - skip);
    pat[len - skip] = 0;
    if (aw_subscribe(pat) != 0) return aw_fail("subscribe failed");
    return fail ? aw_fail("subscribed, then refused to start") : 0;
}

static int reply_code(int rc)
{
    char out[32];
    int n = snprintf(out, sizeof out, "%d", rc);
    return aw_reply(out, (size_t)n);
}

int aw_on_message(const uint8_t *msg, size_t len)
{
    char a[256], out[64];
    const uint8_t *rest;
    size_t rlen;
    int quick = word(msg, len, "ask1");
    if ((quick || word(msg, len, "ask")) &&
        !split(msg, len, quick ? 5 : 4, a, sizeof a, &rest, &rlen)) {
        uint8_t *r;
        size_t rn;
        int rc = aw_request(a, rest, rlen, quick ? 200 : 0, &r, &rn);
        if (rc == 0) {
            aw_reply(r, rn);
        } else {
            char err[512];
            int n = snprintf(err, sizeof err, "ERR %d: %.*s", rc, r ? (int)rn : 0, r ? (char *)r : "");
            aw_reply(err, (size_t)(n < (int)sizeof err ? n : (int)sizeof err - 1));
        }
        free(r);
        return 0;
    }
    if (word(msg, len, "send") && !split(msg, len, 5, a, sizeof a, &rest, &rlen))
        return reply_code(aw_send(a, rest, rlen));
    if (word(msg, len, "pub") && !split(msg, len, 4, a, sizeof a, &rest, &rlen))
        return reply_code(aw_publish(a, rest, rlen));
    if (word(msg, len, "sub") && !split(msg, len, 4, a, sizeof a, &rest, &rlen))
        return reply_code(aw_subscribe(a));
    if (word(msg, len, "unsub") && !split(msg, len, 6, a, sizeof a, &rest, &rlen))
        return reply_code(aw_unsubscribe(a));
    if (len == 4 && !memcmp(msg, "self", 4)) {
        int n = aw_self_name(a, sizeof a);
        return aw_reply(a, (size_t)n);
    }
    if (len == 3 && !memcmp(msg, "now", 3)) {
        int n = snprintf(out, sizeof out, "%lld", (long long)aw_now_ns());
        return aw_reply(out, (size_t)n);
    }
    if (len == 3 && !memcmp(msg, "log", 3)) return aw_reply(journal, used);
    char topic[256];
    int tn = aw_topic(topic, sizeof topic);
    int n = snprintf(journal + used, sizeof journal - used, "%s%s%.*s\n", tn ? topic : "",
                     tn ? ":" : "", (int)len, (const char *)msg);
    if (n > 0 && used + (size_t)n < sizeof journal) used += (size_t)n;
    return 0;
}
