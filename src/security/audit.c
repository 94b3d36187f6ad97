/* audit.c - the audit trail: JSON lines of what components were allowed and
 * denied, and of their crashes and restarts.
 *
 * Callers (workers, loaders, supervisors) only copy a record into a bounded
 * ring under a short lock and go on; a writer thread formats the lines and
 * feeds the sinks (a file, stderr, a callback). When the ring is full the
 * record is shed and counted, and the writer reports the count in the trail
 * itself, so a flood of denials cannot block a worker or hide that records
 * were lost. */
#include "audit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RING 4096
#define FIELD 256
#define REASON 512

typedef struct record {
    uint64_t ns;             /* wall clock */
    uint64_t instance;       /* the actor's address, 0 if none */
    char component[FIELD], actor[FIELD], op[32], target[FIELD], decision[16];
    char reason[REASON];
} record;

struct aw_audit {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    record *ring;
    size_t head, count;
    uint64_t shed;           /* dropped since the last report */
    bool stop;
    FILE *file;
    bool to_stderr;
    aw_audit_fn cb;
    void *ud;
};

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* JSON string body: quotes, backslashes and control bytes escaped. */
static size_t esc(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; }
        else if (c < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        else out[n++] = (char)c;
    }
    out[n] = 0;
    return n;
}

static void emit_line(aw_audit *a, const record *r)
{
    char line[4096], e[6][REASON * 2];
    esc(e[0], sizeof e[0], r->component);
    esc(e[1], sizeof e[1], r->actor);
    esc(e[2], sizeof e[2], r->op);
    esc(e[3], sizeof e[3], r->target);
    esc(e[4], sizeof e[4], r->reason);
    esc(e[5], sizeof e[5], r->decision);
    time_t secs = (time_t)(r->ns / 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[64];
    size_t k = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + k, sizeof ts - k, ".%06uZ", (unsigned)(r->ns % 1000000000u / 1000u));
    int n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s\",\"component\":\"%s\",\"actor\":\"%s\",\"instance\":%llu,"
                     "\"op\":\"%s\",\"target\":\"%s\",\"decision\":\"%s\",\"reason\":\"%s\"}",
                     ts, e[0], e[1], (unsigned long long)r->instance, e[2], e[3], e[5], e[4]);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (a->file) { fwrite(line, 1, len, a->file); fputc('\n', a->file); fflush(a->file); }
    if (a->to_stderr) fprintf(stderr, "%s\n", line);
    if (a->cb) a->cb(a->ud, line, len);
}

static void *writer(void *arg)
{
    aw_audit *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->count && !a->shed && !a->stop) pthread_cond_wait(&a->cv, &a->mu);
        if (!a->count && !a->shed && a->stop) break;
        record r;
        bool have = a->count > 0;
        if (have) {
            r = a->ring[a->head];
            a->head = (a->head + 1) % RING;
            a->count--;
        }
        uint64_t shed = a->shed;
        a->shed = 0;
        pthread_mutex_unlock(&a->mu);
        if (shed) {
            record s = {.ns = 0};
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            s.ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
            copy(s.op, sizeof s.op, "audit-shed");
            copy(s.decision, sizeof s.decision, "n/a");
            snprintf(s.reason, sizeof s.reason, "%llu audit records were dropped: the audit "
                     "queue was full", (unsigned long long)shed);
            emit_line(a, &s);
        }
        if (have) emit_line(a, &r);
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

aw_err aw_audit_open(const aw_runtime_config *cfg, aw_audit **out)
{
    *out = NULL;
    if (!cfg->audit_path && !cfg->audit_stderr && !cfg->audit_cb) return AW_OK;  /* off */
    aw_audit *a = calloc(1, sizeof *a);
    if (!a || !(a->ring = calloc(RING, sizeof *a->ring))) {
        free(a);
        return aw__fail(AW_ENOMEM, "out of memory for the audit log");
    }
    if (cfg->audit_path && !(a->file = fopen(cfg->audit_path, "a"))) {
        free(a->ring);
        free(a);
        return aw__fail(AW_EIO, "cannot open audit log '%s' for appending", cfg->audit_path);
    }
    a->to_stderr = cfg->audit_stderr;
    a->cb = cfg->audit_cb;
    a->ud = cfg->audit_ud;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->thread, NULL, writer, a) != 0) {
        if (a->file) fclose(a->file);
        free(a->ring);
        free(a);
        return aw__fail(AW_ENOMEM, "cannot start the audit writer thread");
    }
    *out = a;
    return AW_OK;
}

void aw_audit_close(aw_audit *a)
{
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);  /* it drains the ring first */
    if (a->file) fclose(a->file);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->ring);
    free(a);
}

void aw_audit_write(aw_audit *a, const char *component, const char *actor, uint64_t instance,
              const char *op, const char *target, const char *decision, const char *reason)
{
    if (!a) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_mutex_lock(&a->mu);
    if (a->count == RING || a->stop) {
        a->shed++;
    } else {
        record *r = &a->ring[(a->head + a->count) % RING];
        r->ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        r->instance = instance;
        copy(r->component, sizeof r->component, component);
        copy(r->actor, sizeof r->actor, actor);
        copy(r->op, sizeof r->op, op);
        copy(r->target, sizeof r->target, target);
        copy(r->decision, sizeof r->decision, decision);
        copy(r->reason, sizeof r->reason, reason);
        a->count++;
    }
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}
