/* hostile/traverse: tries to reach files through whatever path its message
 * names. "read:<path>", "write:<path>", "delete:<path>", "stat:<path>",
 * "list:<dir>"; the path is the rest of the message byte for byte (so it
 * may hold '..', symlinks, NUL bytes or bytes that are not UTF-8). Replies
 * "<code>" and, for a read or list that worked, ":<what it got>". */
#include <airssys_guest.h>
#include <stdio.h>
#include <string.h>

#define HOST(n) __attribute__((import_module("airssys"), import_name(n)))
HOST("file_read") int32_t t_read(const void *p, int32_t n, void *buf, int32_t cap);
HOST("file_write") int32_t t_write(const void *p, int32_t n, const void *d, int32_t len);
HOST("file_list") int32_t t_list(const void *p, int32_t n, void *buf, int32_t cap);
HOST("file_stat") int64_t t_stat(const void *p, int32_t n);
HOST("file_delete") int32_t t_delete(const void *p, int32_t n);

static char out[4096];

static int starts(const uint8_t *m, size_t n, const char *p, const uint8_t **rest, int32_t *rn)
{
    size_t k = strlen(p);
    if (n < k || memcmp(m, p, k)) return 0;
    *rest = m + k;
    *rn = (int32_t)(n - k);
    return 1;
}

int aw_on_message(const uint8_t *msg, size_t len)
{
    const uint8_t *p;
    int32_t n;
    char data[1024];
    int k;
    if (starts(msg, len, "read:", &p, &n)) {
        int32_t r = t_read(p, n, data, sizeof data - 1);
        k = r >= 0 ? snprintf(out, sizeof out, "%d:%.*s", r, r < 1023 ? r : 1023, data)
                   : snprintf(out, sizeof out, "%d", r);
    } else if (starts(msg, len, "write:", &p, &n)) {
        k = snprintf(out, sizeof out, "%d", t_write(p, n, "pwned", 5));
    } else if (starts(msg, len, "delete:", &p, &n)) {
        k = snprintf(out, sizeof out, "%d", t_delete(p, n));
    } else if (starts(msg, len, "stat:", &p, &n)) {
        k = snprintf(out, sizeof out, "%lld", (long long)t_stat(p, n));
    } else if (starts(msg, len, "list:", &p, &n)) {
        int32_t r = t_list(p, n, data, sizeof data - 1);
        k = r >= 0 ? snprintf(out, sizeof out, "%d:%.*s", r, r < 1023 ? r : 1023, data)
                   : snprintf(out, sizeof out, "%d", r);
    } else {
        return aw_fail("unknown command");
    }
    return aw_reply(out, (size_t)k);
}
