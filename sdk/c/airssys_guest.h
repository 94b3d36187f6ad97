/* airssys_guest.h - guest SDK for C components (airssys guest ABI v0).
 *
 * A component is a wasm32 core module. Write one handler:
 *
 *     #include <airssys_guest.h>
 *     int aw_on_message(const uint8_t *msg, size_t len) {
 *         return aw_reply(msg, len);          // echo
 *     }
 *
 * and build it with
 *     clang --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
 *           -I sdk/c my.c sdk/c/airssys_guest.c -o my.wasm
 *
 * The SDK exports the ABI glue the host looks for (aw_abi_v0, aw_alloc,
 * aw_handle, aw_inbox, aw_init, aw_on_start, aw_on_stop) and imports the host functions
 * of module "airssys". Lifecycle hooks are optional: define aw_guest_init,
 * aw_guest_start or aw_guest_stop to override the defaults (which do nothing).
 * See docs/guest-abi.md for the wire-level contract. */
#ifndef AIRSSYS_GUEST_H
#define AIRSSYS_GUEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AW_GUEST_ABI_VERSION 0

/* Codes host functions return to the guest (negative = refused). */
#define AW_G_OK        0
#define AW_G_EINVAL   (-1)  /* bad argument (messaging functions) */
#define AW_G_ETOOBIG  (-2)  /* payload over the component's size limit */
#define AW_G_EAGAIN   (-3)  /* already done for this message (e.g. second reply) */
#define AW_G_ENOENT   (-4)  /* no such actor, not subscribed, no reply to read */
#define AW_G_EFULL    (-5)  /* the target's mailbox is full */
#define AW_G_ESTOPPED (-6)  /* the target is stopping or stopped */
#define AW_G_ETIMEDOUT (-7) /* no reply in time */
#define AW_G_EGUEST   (-8)  /* the target's handler failed; the reply is its error text */
#define AW_G_ECRASHED (-9)  /* the target crashed on it; the reply is the crash detail */
#define AW_G_EDEADLK  (-10) /* a request to oneself would never be answered */
#define AW_G_ENOMEM   (-11) /* the host is out of memory */
#define AW_G_EDENIED  (-12) /* not granted: no capability of this component allows it */
#define AW_G_ERATE    (-13) /* over this actor's message rate; try later */
#define AW_G_EIO      (-14) /* the host could not read or write the file */

enum aw_log_level { AW_TRACE = 0, AW_DEBUG = 1, AW_INFO = 2, AW_WARN = 3, AW_ERROR = 4 };

/* Stop reasons passed to aw_guest_stop. */
#define AW_STOP_NORMAL   0
#define AW_STOP_SHUTDOWN 1

/* --- written by the component author ----------------------------------- */

/* Required. Handle one message; the buffer is valid until return. Return 0
 * on success (the reply, if any, was set with aw_reply), or non-zero to
 * fail the message: the reply bytes, if any, are then the error text.
 * aw_fail() does both in one step. */
int aw_on_message(const uint8_t *msg, size_t len);

/* Optional. aw_guest_init has a weak default that returns 0. The start and
 * stop hooks are exported under the ABI names only when you define them, so
 * a guest without them costs the host no call at spawn or stop. */
int  aw_guest_init(const uint8_t *config, size_t len); /* non-zero: refuse to start */
int  aw_guest_start(void) __attribute__((export_name("aw_on_start"))); /* non-zero: refuse */
void aw_guest_stop(int reason) __attribute__((export_name("aw_on_stop")));

/* --- provided by the SDK ------------------------------------------------ */

/* Set the reply (or the error text) for the message being handled. Copied
 * by the host; at most once per message. */
int aw_reply(const void *data, size_t len);
int aw_reply_str(const char *s);

/* Set the error text and return a failure status: `return aw_fail("...");` */
int aw_fail(const char *msg);

/* Files, within the component's file-read / file-write grants (absolute
 * paths; checked on the canonical path). Each returns a negative AW_G_* on
 * failure: AW_G_EDENIED outside the grants, AW_G_ENOENT, AW_G_EINVAL for a
 * bad path (relative, NUL byte, not UTF-8), AW_G_ETOOBIG, AW_G_EIO. */
int aw_file_read(const char *path, void *buf, size_t cap); /* file size; copies min(size, cap) */
int aw_file_write(const char *path, const void *data, size_t len); /* create or replace */
int aw_file_list(const char *dir, char *buf, size_t cap);  /* "name\n" lines; total length */
int aw_file_stat(const char *path, int64_t *size, int *is_dir);
int aw_file_delete(const char *path);

/* Outbound HTTP (http, https) within the component's network-outbound
 * grants, checked on the host name asked for and on every redirect. headers:
 * "Name: value\n" lines or NULL. Returns the HTTP status and the body in
 * *resp (malloc'd; yours to free), or a negative AW_G_*: AW_G_EDENIED (host
 * or redirect not granted), AW_G_ETOOBIG (response over the component's
 * message limit), AW_G_ETIMEDOUT, AW_G_EIO. The actor waits parked. */
int aw_http(const char *method, const char *url, const char *headers, const void *body,
            size_t len, uint32_t timeout_ms, uint8_t **resp, size_t *resp_len);
/* The header lines ("Name: value\n") of the last aw_http response, or "". */
const char *aw_http_headers(void);

/* End this instance now: status 0 is a normal exit, anything else an
 * abnormal one (a supervisor restarts it by its restart type). */
void aw_exit(int status) __attribute__((noreturn));

/* Log through the host, which tags the line with the actor's name. */
void aw_log(int level, const char *msg);
void aw_logf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Messaging. Names and topics are plain strings. Each returns 0 (or a
 * count) on success and a negative AW_G_* code on failure. */
int aw_send(const char *to, const void *msg, size_t len);
/* Wait for the reply (timeout_ms 0 = 30 s): the actor is parked meanwhile and
 * its worker runs others. Whenever *reply is non-NULL it is malloc'd and
 * yours to free: the reply on success, or the error text a failure carried
 * (AW_G_EGUEST, AW_G_ECRASHED, and others when the host had a reason). */
int aw_request(const char *to, const void *msg, size_t len, uint32_t timeout_ms,
               uint8_t **reply, size_t *reply_len);
int aw_publish(const char *topic, const void *msg, size_t len); /* subscribers reached */
int aw_subscribe(const char *pattern);    /* "a.*.c", "a.>" */
int aw_unsubscribe(const char *pattern);
int64_t aw_now_ns(void);                   /* wall clock, ns since the Unix epoch */
/* Copy the actor's name / the current message's topic ("" if it was not a
 * publish) into buf (NUL-terminated, truncated to cap); return its length. */
int aw_self_name(char *buf, size_t cap);
int aw_topic(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
