/* proto.h - the admin protocol between a host serving an admin socket
 * (aw_admin_*, `airssys-wasm up`) and its clients (the CLI).
 *
 * Transport: a unix stream socket (mode 0600 in a 0700 directory; the
 * server also checks the peer's uid), never TCP. Each message is a frame:
 * a 4-byte big-endian length, then that many bytes holding fields, each a
 * 4-byte big-endian length and its bytes (binary-safe: payloads are sent
 * as they are). A request is ["aw-admin/1", command, args...]. A reply is
 * [error name ("AW_OK", "AW_ENOENT", ...), detail, data fields...]; a
 * command may first send progress frames ["progress", text], and `logs
 * --follow` sends one frame per line until the client goes away.
 * See docs/cli.md. */
#ifndef AW_ADMIN_PROTO_H
#define AW_ADMIN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define ADMIN_PROTO "aw-admin/1"
#define ADMIN_MAX_FRAME (64u << 20)  /* a frame larger than this is refused */
#define ADMIN_MAX_FIELDS 256

typedef struct adm_msg {
    size_t n;
    const uint8_t *f[ADMIN_MAX_FIELDS];  /* into buf */
    uint32_t len[ADMIN_MAX_FIELDS];
    uint8_t *buf;
} adm_msg;

/* A frame being built. */
typedef struct adm_out {
    uint8_t *buf;
    size_t len, cap;
    int oom;
} adm_out;

void adm_out_init(adm_out *o);
void adm_put(adm_out *o, const void *data, size_t len);
void adm_puts(adm_out *o, const char *s);
void adm_putf(adm_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send and reset; -1 on a write error or out of memory. */
int adm_send(int fd, adm_out *o);
void adm_out_free(adm_out *o);

/* Read one frame: 0 ok, 1 clean end of stream, -1 error (errno set; EPROTO
 * for a malformed or oversized frame). Free with adm_msg_free. */
int adm_recv(int fd, adm_msg *m);
void adm_msg_free(adm_msg *m);
/* Field i as a NUL-terminated copy (malloc'd), or NULL past the end. */
char *adm_str(const adm_msg *m, size_t i);
int adm_is(const adm_msg *m, size_t i, const char *s);

/* Now, UTC, as the admin's log lines show it: 2026-12-07T08:51:17.729Z. */
const char *adm_timestamp(char *buf, size_t cap);

/* The default socket path: $AIRSSYS_SOCKET, else
 * $XDG_RUNTIME_DIR/airssys-wasm/admin.sock, else
 * /tmp/airssys-wasm-<uid>/admin.sock. */
const char *adm_default_socket(char *buf, size_t cap);

#endif
