/* admin_proto.c - framing of the admin protocol (see admin.h).
 *
 * Length-prefixed fields keep payloads binary-safe and make parsing a
 * matter of bounds checks: every length is checked against what is left
 * of the frame, and a frame's size is capped before anything is read. */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void reserve(adm_out *o, size_t more);

void adm_out_init(adm_out *o)
{
    memset(o, 0, sizeof *o);
    reserve(o, 4);  /* room for the frame length */
    o->len = 4;
}

static void reserve(adm_out *o, size_t more)
{
    if (o->oom || o->len + more <= o->cap) return;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + more) cap *= 2;
    uint8_t *b = realloc(o->buf, cap);
    if (!b) { o->oom = 1; return; }
    o->buf = b;
    o->cap = cap;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void adm_put(adm_out *o, const void *data, size_t len)
{
    if (len > ADMIN_MAX_FRAME) { o->oom = 1; return; }
    reserve(o, 4 + len);
    if (o->oom) return;
    be32(o->buf + o->len, (uint32_t)len);
    if (len) memcpy(o->buf + o->len + 4, data, len);
    o->len += 4 + len;
}

void adm_puts(adm_out *o, const char *s) { adm_put(o, s ? s : "", s ? strlen(s) : 0); }

void adm_putf(adm_out *o, const char *fmt, ...)
{
    char small[512], *p = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) { o->oom = 1; return; }
    if ((size_t)n >= sizeof small) {
        if (!(p = malloc((size_t)n + 1))) { o->oom = 1; return; }
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    adm_put(o, p, (size_t)n);
    if (p != small) free(p);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int adm_send(int fd, adm_out *o)
{
    int rc = -1;
    if (!o->oom && o->buf && o->len - 4 <= ADMIN_MAX_FRAME) {
        be32(o->buf, (uint32_t)(o->len - 4));
        rc = write_all(fd, o->buf, o->len);
    } else errno = ENOMEM;
    o->len = 4;
    o->oom = 0;
    return rc;
}

void adm_out_free(adm_out *o) { free(o->buf); memset(o, 0, sizeof *o); }

/* 1: end of stream before any byte; 0: filled; -1: error or short. */
static int read_all(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 && got == 0) return 1;
        if (r <= 0) { if (r == 0) errno = EPROTO; return -1; }
        got += (size_t)r;
    }
    return 0;
}

int adm_recv(int fd, adm_msg *m)
{
    uint8_t h[4];
    memset(m, 0, sizeof *m);
    int rc = read_all(fd, h, 4);
    if (rc) return rc;
    uint32_t len = rd32(h);
    if (len > ADMIN_MAX_FRAME) { errno = EPROTO; return -1; }
    if (!(m->buf = malloc(len ? len : 1))) { errno = ENOMEM; return -1; }
    if (len && read_all(fd, m->buf, len) != 0) {
        if (errno == 0) errno = EPROTO;
        adm_msg_free(m);
        return -1;
    }
    for (size_t off = 0; off < len;) {
        if (len - off < 4 || m->n == ADMIN_MAX_FIELDS) { adm_msg_free(m); errno = EPROTO; return -1; }
        uint32_t fl = rd32(m->buf + off);
        off += 4;
        if (fl > len - off) { adm_msg_free(m); errno = EPROTO; return -1; }
        m->f[m->n] = m->buf + off;
        m->len[m->n++] = fl;
        off += fl;
    }
    return 0;
}

void adm_msg_free(adm_msg *m)
{
    free(m->buf);
    m->buf = NULL;
    m->n = 0;
}

char *adm_str(const adm_msg *m, size_t i)
{
    if (i >= m->n) return NULL;
    char *s = malloc(m->len[i] + 1);
    if (!s) return NULL;
    memcpy(s, m->f[i], m->len[i]);
    s[m->len[i]] = 0;
    return s;
}

int adm_is(const adm_msg *m, size_t i, const char *s)
{
    return i < m->n && strlen(s) == m->len[i] && !memcmp(m->f[i], s, m->len[i]);
}

const char *adm_timestamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t w = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + w, cap - w, ".%03ldZ", ts.tv_nsec / 1000000);
    return buf;
}

const char *adm_default_socket(char *buf, size_t cap)
{
    const char *env = getenv("AIRSSYS_SOCKET"), *xdg = getenv("XDG_RUNTIME_DIR");
    if (env && *env) snprintf(buf, cap, "%s", env);
    else if (xdg && *xdg) snprintf(buf, cap, "%s/airssys-wasm/admin.sock", xdg);
    else snprintf(buf, cap, "/tmp/airssys-wasm-%u/admin.sock", (unsigned)getuid());
    return buf;
}
