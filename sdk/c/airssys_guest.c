/* airssys_guest.c - ABI v0 glue for C guests.
 *
 * The host owns nothing inside guest memory: it asks aw_alloc for a buffer,
 * writes the message there and calls aw_handle, which hands the bytes to the
 * author's aw_on_message and frees them afterwards. Replies travel the other
 * way by copy, through the imported airssys.reply. */
#include "airssys_guest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AW_IMPORT(name) __attribute__((import_module("airssys"), import_name(name)))
#define AW_EXPORT(name) __attribute__((export_name(name)))

AW_IMPORT("log")   void aw__host_log(int32_t level, const void *ptr, int32_t len);
AW_IMPORT("reply") int32_t aw__host_reply(const void *ptr, int32_t len);
AW_IMPORT("send") int32_t aw__host_send(const void *to, int32_t to_len, const void *m, int32_t len);
AW_IMPORT("request") int32_t aw__host_request(const void *to, int32_t to_len, const void *m,
                                              int32_t len, int32_t timeout_ms);
AW_IMPORT("read_reply") int32_t aw__host_read_reply(void *buf, int32_t len);
AW_IMPORT("publish") int32_t aw__host_publish(const void *t, int32_t t_len, const void *m, int32_t len);
AW_IMPORT("subscribe") int32_t aw__host_subscribe(const void *p, int32_t len);
AW_IMPORT("unsubscribe") int32_t aw__host_unsubscribe(const void *p, int32_t len);
AW_IMPORT("now") int64_t aw__host_now(void);
AW_IMPORT("self_name") int32_t aw__host_self_name(void *buf, int32_t cap);
AW_IMPORT("topic") int32_t aw__host_topic(void *buf, int32_t cap);
AW_IMPORT("next") int32_t aw__host_next(int32_t status);
AW_IMPORT("exit") void aw__host_exit(int32_t status);
AW_IMPORT("file_read") int32_t aw__host_file_read(const void *p, int32_t n, void *buf, int32_t cap);
AW_IMPORT("file_write") int32_t aw__host_file_write(const void *p, int32_t n, const void *d, int32_t len);
AW_IMPORT("file_list") int32_t aw__host_file_list(const void *p, int32_t n, void *buf, int32_t cap);
AW_IMPORT("file_stat") int64_t aw__host_file_stat(const void *p, int32_t n);
AW_IMPORT("file_delete") int32_t aw__host_file_delete(const void *p, int32_t n);
AW_IMPORT("http") int32_t aw__host_http(const void *req, int32_t len, int32_t timeout_ms);

static char *aw__http_hdrs;  /* the last response's header lines */

int aw_http(const char *method, const char *url, const char *headers, const void *body,
            size_t len, uint32_t timeout_ms, uint8_t **resp, size_t *resp_len)
{
    *resp = NULL;
    *resp_len = 0;
    size_t hl = headers ? strlen(headers) : 0, n = strlen(method) + strlen(url) + hl + len + 4;
    char *req = malloc(n);
    if (!req) return AW_G_ENOMEM;
    int k = snprintf(req, n, "%s %s\n%s%s\n", method, url, headers ? headers : "",
                     hl && headers[hl - 1] != '\n' ? "\n" : "");
    if (len) memcpy(req + k, body, len);
    int32_t total = aw__host_http(req, (int32_t)(k + len), (int32_t)timeout_ms);
    free(req);
    if (total < 0) return total;
    char *buf = malloc((size_t)total + 1);
    if (!buf) return AW_G_ENOMEM;
    aw__host_read_reply(buf, total);
    buf[total] = 0;
    /* "STATUS\n" headers "\n" body: keep the headers for aw_http_headers */
    int status = atoi(buf);
    char *h = memchr(buf, '\n', (size_t)total);
    h = h ? h + 1 : buf + total;
    char *end = h;
    while (end < buf + total && !(*end == '\n' && (end == h || end[-1] == '\n'))) end++;
    size_t hn = (size_t)(end - h);
    free(aw__http_hdrs);
    aw__http_hdrs = malloc(hn + 1);
    if (aw__http_hdrs) { memcpy(aw__http_hdrs, h, hn); aw__http_hdrs[hn] = 0; }
    size_t skip = end < buf + total ? (size_t)(end - buf) + 1 : (size_t)total;
    memmove(buf, buf + skip, (size_t)total - skip + 1);
    *resp = (uint8_t *)buf;
    *resp_len = (size_t)total - skip;
    return status;
}

const char *aw_http_headers(void) { return aw__http_hdrs ? aw__http_hdrs : ""; }

int aw_file_read(const char *path, void *buf, size_t cap)
{
    return aw__host_file_read(path, (int32_t)strlen(path), buf, (int32_t)cap);
}

int aw_file_write(const char *path, const void *data, size_t len)
{
    return aw__host_file_write(path, (int32_t)strlen(path), data, (int32_t)len);
}

int aw_file_list(const char *dir, char *buf, size_t cap)
{
    return aw__host_file_list(dir, (int32_t)strlen(dir), buf, (int32_t)cap);
}

int aw_file_stat(const char *path, int64_t *size, int *is_dir)
{
    int64_t v = aw__host_file_stat(path, (int32_t)strlen(path));
    if (v < 0) return (int)v;
    if (size) *size = v & ((1ll << 62) - 1);
    if (is_dir) *is_dir = (int)((v >> 62) & 1);
    return 0;
}

int aw_file_delete(const char *path) { return aw__host_file_delete(path, (int32_t)strlen(path)); }

void aw_exit(int status)
{
    aw__host_exit(status);
    __builtin_unreachable();  /* the host unwinds the instance */
}

/* ABI version marker: its presence is the contract, it is never called. */
AW_EXPORT("aw_abi_v0") void aw_abi_v0(void) {}

AW_EXPORT("aw_alloc") void *aw_alloc(int32_t size)
{
    return size < 0 ? NULL : malloc(size ? (size_t)size : 1);
}

/* Messages that fit are written here by the host, which saves it a call to
 * aw_alloc per message; larger ones still come through aw_alloc. */
#define AW_INBOX_SIZE 16384
static _Alignas(16) uint8_t aw__inbox[AW_INBOX_SIZE];

AW_EXPORT("aw_inbox") uint64_t aw_inbox(void)
{
    return (uint64_t)(uintptr_t)aw__inbox | ((uint64_t)AW_INBOX_SIZE << 32);
}

/* Handle the message, then keep taking queued ones in the same call while
 * the host has more that fit the inbox (airssys.next closes each one). */
AW_EXPORT("aw_handle") int32_t aw_handle(uint8_t *ptr, int32_t len)
{
    for (;;) {
        int32_t rc = aw_on_message(ptr, (size_t)len);
        if (ptr != aw__inbox) free(ptr);
        len = aw__host_next(rc);
        if (len < 0) return 0;  /* this message was closed by next() */
        ptr = aw__inbox;
    }
}

AW_EXPORT("aw_init") int32_t aw_init(uint8_t *ptr, int32_t len)
{
    int32_t rc = aw_guest_init(ptr, (size_t)len);
    free(ptr);
    return rc;
}

__attribute__((weak)) int aw_guest_init(const uint8_t *config, size_t len)
{
    (void)config; (void)len;
    return 0;
}

int aw_reply(const void *data, size_t len)
{
    if (len > INT32_MAX) return AW_G_ETOOBIG;
    return aw__host_reply(data, (int32_t)len);
}

int aw_reply_str(const char *s) { return aw_reply(s, strlen(s)); }

int aw_fail(const char *msg)
{
    aw_reply_str(msg);
    return 1;
}

void aw_log(int level, const char *msg) { aw__host_log(level, msg, (int32_t)strlen(msg)); }

void aw_logf(int level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    aw__host_log(level, buf, n < (int)sizeof buf ? n : (int)sizeof buf - 1);
}

int aw_send(const char *to, const void *msg, size_t len)
{
    if (len > INT32_MAX) return AW_G_ETOOBIG;
    return aw__host_send(to, (int32_t)strlen(to), msg, (int32_t)len);
}

int aw_request(const char *to, const void *msg, size_t len, uint32_t timeout_ms,
               uint8_t **reply, size_t *reply_len)
{
    *reply = NULL;
    *reply_len = 0;
    if (len > INT32_MAX) return AW_G_ETOOBIG;
    int32_t n = aw__host_request(to, (int32_t)strlen(to), msg, (int32_t)len, (int32_t)timeout_ms);
    /* n >= 0 is the reply's length; a failure may carry text (error, crash) */
    int32_t total = n >= 0 ? n : aw__host_read_reply(NULL, 0);
    if (total < 0) return n;
    uint8_t *buf = malloc((size_t)total + 1);
    if (!buf) return AW_G_ENOMEM;
    aw__host_read_reply(buf, total);
    buf[total] = 0;  /* handy for text replies */
    *reply = buf;
    *reply_len = (size_t)total;
    return n < 0 ? n : 0;
}

int aw_publish(const char *topic, const void *msg, size_t len)
{
    if (len > INT32_MAX) return AW_G_ETOOBIG;
    return aw__host_publish(topic, (int32_t)strlen(topic), msg, (int32_t)len);
}

int aw_subscribe(const char *p) { return aw__host_subscribe(p, (int32_t)strlen(p)); }
int aw_unsubscribe(const char *p) { return aw__host_unsubscribe(p, (int32_t)strlen(p)); }
int64_t aw_now_ns(void) { return aw__host_now(); }

static int give(int32_t n, char *buf, size_t cap)
{
    if (cap) buf[(size_t)n < cap ? (size_t)n : cap - 1] = 0;
    return n;
}

int aw_self_name(char *buf, size_t cap)
{
    return give(aw__host_self_name(buf, cap ? (int32_t)cap - 1 : 0), buf, cap);
}

int aw_topic(char *buf, size_t cap)
{
    return give(aw__host_topic(buf, cap ? (int32_t)cap - 1 : 0), buf, cap);
}
