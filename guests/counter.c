/* counter: keeps state across messages. "inc" adds one, "add N" adds N,
 * "get" replies with the value; anything else is an error. Its config (if
 * any) is the starting value, so init is exercised too. It hands its count
 * over on an upgrade (aw_snapshot / aw_restore), and refuses a negative one. */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long count;
static int started;

int aw_guest_init(const uint8_t *config, size_t len)
{
    char buf[32];
    if (len == 0) return 0;
    if (len >= sizeof buf) return aw_fail("config too long: want a decimal start value");
    memcpy(buf, config, len);
    buf[len] = 0;
    char *end;
    count = strtoll(buf, &end, 10);
    if (*end) return aw_fail("config is not a decimal number");
    return 0;
}

int aw_guest_start(void)
{
    started = 1;
    aw_logf(AW_INFO, "counter starting at %lld", count);
    return 0;
}

int aw_on_message(const uint8_t *msg, size_t len)
{
    char out[32];
    if (!started) return aw_fail("on_start was not called");
    if (len == 3 && !memcmp(msg, "inc", 3)) {
        count++;
    } else if (len > 4 && !memcmp(msg, "add ", 4)) {
        char buf[32];
        if (len - 4 >= sizeof buf) return aw_fail("add: number too long");
        memcpy(buf, msg + 4, len - 4);
        buf[len - 4] = 0;
        count += strtoll(buf, NULL, 10);
    } else if (!(len == 3 && !memcmp(msg, "get", 3))) {
        return aw_fail("unknown command (want inc, add N or get)");
    }
    int n = snprintf(out, sizeof out, "%lld", count);
    return aw_reply(out, (size_t)n);
}

/* Upgrade handoff: the state is the count in decimal. */
__attribute__((export_name("aw_snapshot"))) int32_t aw_snapshot(void)
{
    char out[32];
    int n = snprintf(out, sizeof out, "%lld", count);
    return aw_reply(out, (size_t)n);
}

__attribute__((export_name("aw_restore"))) int32_t aw_restore(uint8_t *ptr, int32_t len)
{
    char buf[32];
    int32_t rc = 0;
    if (len <= 0 || len >= (int32_t)sizeof buf) rc = aw_fail("restore: want a decimal count");
    else {
        memcpy(buf, ptr, (size_t)len);
        buf[len] = 0;
        long long v = strtoll(buf, NULL, 10);
        if (v < 0) rc = aw_fail("restore: refusing a negative count");
        else count = v;
    }
    free(ptr);
    return rc;
}
