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

/* ABI version marker: its presence is the contract, it is never called. */
AW_EXPORT("aw_abi_v0") void aw_abi_v0(void) {}

AW_EXPORT("aw_alloc") void *aw_alloc(int32_t size)
{
    return size < 0 ? NULL : malloc(size ? (size_t)size : 1);
}

AW_EXPORT("aw_handle") int32_t aw_handle(uint8_t *ptr, int32_t len)
{
    int32_t rc = aw_on_message(ptr, (size_t)len);
    free(ptr);
    return rc;
}

AW_EXPORT("aw_init") int32_t aw_init(uint8_t *ptr, int32_t len)
{
    int32_t rc = aw_guest_init(ptr, (size_t)len);
    free(ptr);
    return rc;
}

AW_EXPORT("aw_on_start") int32_t aw_on_start(void) { return aw_guest_start(); }
AW_EXPORT("aw_on_stop") void aw_on_stop(int32_t reason) { aw_guest_stop(reason); }

__attribute__((weak)) int aw_guest_init(const uint8_t *config, size_t len)
{
    (void)config; (void)len;
    return 0;
}
__attribute__((weak)) int aw_guest_start(void) { return 0; }
__attribute__((weak)) void aw_guest_stop(int reason) { (void)reason; }

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
