/* server.c - the admin socket of a host (aw_admin_*, include/airssys/admin.h).
 *
 * The socket is a unix socket only: created with umask 077 (mode 0600), in
 * a directory of the user's with mode 0700 when it is the default path, and
 * every connection's peer uid is checked (SO_PEERCRED) against ours. A
 * stale socket file left by a dead host is replaced; a live one is not.
 *
 * One accept thread; one detached thread per connection, each serving one
 * request (commands.c). Open connections are tracked so that closing can
 * hang up those idling in a read instead of waiting out their timeout.
 * Recent log and audit lines are kept in a ring for `logs`; followers wait
 * on a condition variable. */
#include "admin_int.h"
#include "../common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- the log ring ----------------------------------------------------------- */

static void clean(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

void aw__admin_log(aw_admin *ad, const char *source, aw_log_level lvl, const char *actor,
                   const char *msg, size_t len)
{
    static const char *const lv[] = {"trace", "debug", "info", "warn", "error"};
    char when[40];
    adm_timestamp(when, sizeof when);
    char *text = aw__strndup(msg, len);
    char *line = NULL;
    if (text) clean(text);
    if (text && asprintf(&line, "%s\t%s\t%s\t%s\t%s", when, source, lv[(unsigned)lvl % 5],
                         actor ? actor : "-", text) < 0)
        line = NULL;
    free(text);
    if (!line) return;
    pthread_mutex_lock(&ad->log_mu);
    char **slot = &ad->ring[ad->log_seq % ad->ring_cap];
    free(*slot);
    *slot = line;
    ad->log_seq++;
    pthread_cond_broadcast(&ad->log_cv);
    pthread_mutex_unlock(&ad->log_mu);
}

void aw_admin_log_line(void *admin, aw_log_level lvl, aw_log_source src, const char *actor,
                       const char *msg, size_t len)
{
    if (admin) aw__admin_log(admin, src == AW_LOG_GUEST ? "guest" : "runtime", lvl, actor, msg, len);
}

void aw_admin_audit_line(void *admin, const char *line, size_t len)
{
    while (len && line[len - 1] == '\n') len--;
    if (admin) aw__admin_log(admin, "audit", AW_LOG_INFO, NULL, line, len);
}

/* Supervision events become log lines of source "supervision", so that
 * `logs -f` shows exits, restarts, backoffs and escalations as they come. */
static void on_event(void *ud, const aw_sup_event *ev)
{
    static const char *const why[] = {"normal", "shutdown", "crash", "killed"};
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s%s%s", aw_sup_event_name(ev->kind),
                     ev->child ? " " : "", ev->child ? ev->child : "");
    if (ev->kind == AW_SUP_CHILD_EXITED && n > 0 && (size_t)n < sizeof msg)
        n += snprintf(msg + n, sizeof msg - (size_t)n, ": %s",
                      (unsigned)ev->reason < 4 ? why[ev->reason] : "?");
    if ((ev->kind == AW_SUP_CHILD_EXITED || ev->kind == AW_SUP_ESCALATED) && ev->error &&
        n > 0 && (size_t)n < sizeof msg)
        n += snprintf(msg + n, sizeof msg - (size_t)n, " (%s%s%s)", aw_err_name(ev->error),
                      ev->detail ? ": " : "", ev->detail ? ev->detail : "");
    if (ev->kind == AW_SUP_BACKOFF && n > 0 && (size_t)n < sizeof msg)
        n += snprintf(msg + n, sizeof msg - (size_t)n, " in %u ms", ev->delay_ms);
    if (ev->child && ev->restarts && n > 0 && (size_t)n < sizeof msg)
        n += snprintf(msg + n, sizeof msg - (size_t)n, ", restarts %u", ev->restarts);
    if (n < 0) return;
    bool bad = ev->kind == AW_SUP_ESCALATED ||
               (ev->kind == AW_SUP_CHILD_EXITED && ev->reason >= AW_EXIT_CRASH);
    aw__admin_log(ud, "supervision", bad ? AW_LOG_WARN : AW_LOG_INFO, ev->supervisor, msg,
                  (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

/* ---- the socket ------------------------------------------------------------------ */

static const char *default_path(char *buf, size_t cap)
{
    return adm_default_socket(buf, cap);
}

/* The default directory must be ours and closed to others, or someone
 * could have put it there to catch our clients. */
static aw_err own_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return aw__fail(AW_EIO, "admin socket: cannot create '%s': %s", dir, strerror(errno));
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
        return aw__fail(AW_EINVAL, "admin socket: '%s' must be a directory owned by this user with "
                        "mode 0700 (it is not); remove it or choose another socket path", dir);
    return AW_OK;
}

static aw_err listen_on(aw_admin *ad, bool is_default)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = ad->path;
    if (strlen(path) >= sizeof sa.sun_path)
        return aw__fail(AW_EINVAL, "admin socket: path '%s' is longer than %zu bytes", path,
                        sizeof sa.sun_path - 1);
    if (is_default) {
        char *d = strdup(path);
        aw_err rc = d ? own_dir(dirname(d)) : AW_ENOMEM;
        free(d);
        if (rc) return rc;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return aw__fail(AW_EEXIST, "admin socket: '%s' exists and is not a socket", path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (probe >= 0) close(probe);
        if (live) return aw__fail(AW_EEXIST, "a host is already serving on '%s'", path);
        unlink(path);  /* stale: its host is gone */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask(077);
    int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc == 0) rc = chmod(path, 0600);
    if (rc == 0) rc = listen(fd, 16);
    if (rc != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return aw__fail(AW_EIO, "admin socket: cannot listen on '%s': %s", path, strerror(e));
    }
    ad->lfd = fd;
    return AW_OK;
}

/* ---- connections ------------------------------------------------------------------- */

static void track(aw_admin *ad, int fd, bool on)
{
    pthread_mutex_lock(&ad->conn_mu);
    for (uint32_t i = 0; i < ad->max_conns; i++)
        if (ad->conn_fd[i] == (on ? -1 : fd)) {
            ad->conn_fd[i] = on ? fd : -1;
            break;
        }
    pthread_mutex_unlock(&ad->conn_mu);
}

typedef struct conn { aw_admin *ad; int fd; } conn;

static void *serve_conn(void *arg)
{
    conn *c = arg;
    struct timeval tv = {30, 0};  /* a client that says nothing is dropped */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    adm_msg req;
    if (adm_recv(c->fd, &req) == 0) {
        aw__admin_handle(c->ad, c->fd, &req);
        adm_msg_free(&req);
    }
    track(c->ad, c->fd, false);
    close(c->fd);
    atomic_fetch_sub(&c->ad->conns, 1);
    free(c);
    return NULL;
}

static void refuse(int fd, const char *why)
{
    adm_out o;
    adm_out_init(&o);
    adm_puts(&o, "AW_EDENIED");
    adm_puts(&o, why);
    adm_send(fd, &o);
    adm_out_free(&o);
    close(fd);
}

static void accept_one(aw_admin *ad)
{
    int fd = accept4(ad->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
        (cr.uid != getuid() && cr.uid != 0)) {
        refuse(fd, "the admin socket serves only the user running the host");
        return;
    }
    if ((uint32_t)atomic_fetch_add(&ad->conns, 1) >= ad->max_conns) {
        atomic_fetch_sub(&ad->conns, 1);
        refuse(fd, "too many admin connections at once");
        return;
    }
    conn *c = malloc(sizeof *c);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (c) {
        *c = (conn){ad, fd};
        track(ad, fd, true);
    }
    if (!c || pthread_create(&t, &at, serve_conn, c) != 0) {
        if (c) track(ad, fd, false);
        free(c);
        atomic_fetch_sub(&ad->conns, 1);
        close(fd);
    }
    pthread_attr_destroy(&at);
}

static void *accept_loop(void *arg)
{
    aw_admin *ad = arg;
    while (!atomic_load(&ad->quit)) {
        struct pollfd p[2] = {{.fd = ad->lfd, .events = POLLIN}, {.fd = ad->wake[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (!atomic_load(&ad->quit) && (p[0].revents & POLLIN)) accept_one(ad);
    }
    return NULL;
}

/* ---- API ---------------------------------------------------------------------------- */

aw_err aw_admin_new(const aw_admin_config *cfg, aw_admin **out)
{
    aw__clear_error();
    aw_admin_config none = {0};
    if (!out) return aw__fail(AW_EINVAL, "aw_admin_new: out is required");
    if (!cfg) cfg = &none;
    *out = NULL;
    char defpath[512];
    aw_admin *ad = calloc(1, sizeof *ad);
    if (!ad) return aw__fail(AW_ENOMEM, "out of memory for the admin socket");
    ad->lfd = ad->wake[0] = ad->wake[1] = -1;
    ad->ring_cap = cfg->log_lines ? cfg->log_lines : 2048;
    ad->max_conns = cfg->max_connections ? cfg->max_connections : 32;
    ad->on_down = cfg->on_down;
    ad->on_down_ud = cfg->on_down_ud;
    ad->ring = calloc(ad->ring_cap, sizeof *ad->ring);
    ad->conn_fd = malloc(ad->max_conns * sizeof *ad->conn_fd);
    ad->path = strdup(cfg->socket_path ? cfg->socket_path : default_path(defpath, sizeof defpath));
    pthread_mutex_init(&ad->mu, NULL);
    pthread_mutex_init(&ad->conn_mu, NULL);
    pthread_mutex_init(&ad->log_mu, NULL);
    pthread_cond_init(&ad->log_cv, NULL);
    aw_err rc = ad->ring && ad->conn_fd && ad->path ? AW_OK
                                                    : aw__fail(AW_ENOMEM, "out of memory for the admin socket");
    for (uint32_t i = 0; !rc && i < ad->max_conns; i++) ad->conn_fd[i] = -1;
    if (!rc && pipe2(ad->wake, O_CLOEXEC | O_NONBLOCK) != 0)
        rc = aw__fail(AW_EIO, "admin socket: pipe: %s", strerror(errno));
    if (!rc) rc = listen_on(ad, !cfg->socket_path);
    if (rc) {
        ad->closed = true;  /* nothing to unlink: the path is not ours */
        if (ad->lfd >= 0) close(ad->lfd);
        ad->lfd = -1;
        aw_admin_free(ad);
        return rc;
    }
    *out = ad;
    return AW_OK;
}

const char *aw_admin_path(const aw_admin *ad) { return ad ? ad->path : NULL; }

aw_err aw_admin_serve(aw_admin *ad, aw_runtime *rt, aw_deployment *dep)
{
    aw__clear_error();
    if (!ad || !rt) return aw__fail(AW_EINVAL, "aw_admin_serve: admin and runtime are required");
    if (ad->serving || ad->closed) return aw__fail(AW_EINVAL, "aw_admin_serve: already serving or closed");
    if (!dep) {
        aw_err rc = aw_deployment_new(rt, &ad->own_dep);
        if (rc) return rc;
        dep = ad->own_dep;
    }
    ad->rt = rt;
    ad->dep = dep;
    aw_err rc = aw_events_subscribe(rt, on_event, ad, &ad->events_id);
    if (rc) return rc;
    if (pthread_create(&ad->acceptor, NULL, accept_loop, ad) != 0)
        return aw__fail(AW_ENOMEM, "admin socket: cannot start its thread");
    ad->serving = true;
    return AW_OK;
}

void aw_admin_close(aw_admin *ad)
{
    if (!ad || ad->closed) return;
    ad->closed = true;
    atomic_store(&ad->quit, true);
    char c = 'q';
    ssize_t w = write(ad->wake[1], &c, 1);
    (void)w;
    if (ad->serving) pthread_join(ad->acceptor, NULL);
    if (ad->lfd >= 0) close(ad->lfd);
    ad->lfd = -1;
    unlink(ad->path);
    pthread_mutex_lock(&ad->mu);
    ad->dep = NULL;  /* commands still running see no deployment */
    pthread_mutex_unlock(&ad->mu);
    pthread_mutex_lock(&ad->conn_mu);  /* idle readers and followers end now */
    for (uint32_t i = 0; i < ad->max_conns; i++)
        if (ad->conn_fd[i] >= 0) shutdown(ad->conn_fd[i], SHUT_RDWR);
    pthread_mutex_unlock(&ad->conn_mu);
    while (atomic_load(&ad->conns) > 0) {  /* commands in flight end with their API call */
        pthread_mutex_lock(&ad->log_mu);
        pthread_cond_broadcast(&ad->log_cv);  /* followers notice `quit` at once */
        pthread_mutex_unlock(&ad->log_mu);
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    }
    for (size_t i = ad->n_spawned; i-- > 0;) {
        if (ad->rt) aw_stop(ad->rt, ad->spawned[i]);  /* already gone is fine */
        free(ad->spawned[i]);
    }
    free(ad->spawned);
    ad->spawned = NULL;
    ad->n_spawned = 0;
    aw_deployment_stop(ad->own_dep);
    ad->own_dep = NULL;
    if (ad->events_id) aw_events_unsubscribe(ad->rt, ad->events_id);
    ad->events_id = 0;
    ad->rt = NULL;
}

void aw_admin_free(aw_admin *ad)
{
    if (!ad) return;
    aw_admin_close(ad);
    for (uint32_t i = 0; ad->ring && i < ad->ring_cap; i++) free(ad->ring[i]);
    free(ad->ring);
    free(ad->conn_fd);
    free(ad->path);
    if (ad->wake[0] >= 0) close(ad->wake[0]);
    if (ad->wake[1] >= 0) close(ad->wake[1]);
    pthread_mutex_destroy(&ad->mu);
    pthread_mutex_destroy(&ad->conn_mu);
    pthread_mutex_destroy(&ad->log_mu);
    pthread_cond_destroy(&ad->log_cv);
    free(ad);
}
