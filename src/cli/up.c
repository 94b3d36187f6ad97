/* up.c - `airssys-wasm up <manifest>`: a long-running host with an admin socket.
 *
 * Start-up: the manifest is loaded and checked, the runtime is made from
 * its `runtime` section, and the deployment is started (with a progress
 * line per component on a terminal, since a large component takes seconds
 * to compile the first time). Then the admin socket is opened and served
 * until SIGINT, SIGTERM or `airssys-wasm down`.
 *
 * The admin socket is a unix socket only: created with umask 077 (mode
 * 0600), in a directory of ours with mode 0700 when it is the default path,
 * and every connection's peer uid is checked (SO_PEERCRED) against ours.
 * A stale socket file left by a dead host is replaced; a live one is not.
 *
 * Shut-down, in order: stop accepting; stop what `deploy` spawned and the
 * deployment (so waiting requests fail fast with AW_ESTOPPED); wait for
 * the connection threads to finish; free the runtime; remove the socket. */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char up_usage[] =
    "usage: airssys-wasm up <manifest.yaml> [options]\n"
    "  -s, --socket PATH   admin socket (default: $AIRSSYS_SOCKET, else\n"
    "                      $XDG_RUNTIME_DIR/airssys-wasm/admin.sock, else\n"
    "                      /tmp/airssys-wasm-<uid>/admin.sock)\n"
    "  --log-level L       echo log lines at or above L on stderr: trace|debug|info|warn|error\n"
    "                      (default info)\n"
    "  -q, --quiet         echo nothing but errors; `airssys-wasm logs` still has every line\n"
    "runs until SIGINT, SIGTERM or `airssys-wasm down`; see docs/cli.md\n";

static host *signal_host;

void host_request_quit(host *h)
{
    atomic_store(&h->quit, true);
    char c = 'q';
    ssize_t w = write(h->wake[1], &c, 1);
    (void)w;
}

static void on_signal(int sig)
{
    (void)sig;
    if (signal_host) host_request_quit(signal_host);
}

/* ---- the log ring ------------------------------------------------------- */

static void clean(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

void host_log(host *h, const char *source, aw_log_level lvl, const char *actor, const char *msg,
              size_t len)
{
    static const char *const lv[] = {"trace", "debug", "info", "warn", "error"};
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%03ldZ", ts.tv_nsec / 1000000);
    char *text = malloc(len + 1);
    if (!text) return;
    memcpy(text, msg, len);
    text[len] = 0;
    clean(text);
    char *line = NULL;
    if (asprintf(&line, "%s\t%s\t%s\t%s\t%s", when, source, lv[lvl], actor ? actor : "-", text) < 0)
        line = NULL;
    if (h->echo && lvl >= h->echo_level)
        fprintf(stderr, "%s %-5s %s %s: %s\n", when, lv[lvl], source, actor ? actor : "-", text);
    free(text);
    if (!line) return;
    pthread_mutex_lock(&h->log_mu);
    char **slot = &h->ring[h->log_seq % HOST_LOG_RING];
    free(*slot);
    *slot = line;
    h->log_seq++;
    pthread_cond_broadcast(&h->log_cv);
    pthread_mutex_unlock(&h->log_mu);
}

static void on_log(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                   const char *msg, size_t len)
{
    host_log(ud, src == AW_LOG_GUEST ? "guest" : "runtime", lvl, actor, msg, len);
}

static void on_audit(void *ud, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\n')) len--;
    host_log(ud, "audit", AW_LOG_INFO, NULL, line, len);
}

/* ---- the socket ------------------------------------------------------------ */

/* The default directory must be ours and closed to others, or someone
 * could have put it there to catch our clients. */
static int own_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "airssys-wasm up: cannot create '%s': %s\n", dir, strerror(errno));
        return -1;
    }
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
        (st.st_mode & 077)) {
        fprintf(stderr, "airssys-wasm up: '%s' must be a directory owned by this user with mode "
                "0700 (it is not); remove it or pass --socket\n", dir);
        return -1;
    }
    return 0;
}

static int listen_on(const char *path, bool is_default)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "airssys-wasm up: socket path '%s' is longer than %zu bytes\n", path,
                sizeof sa.sun_path - 1);
        return -1;
    }
    if (is_default) {
        char *d = strdup(path);
        int rc = d ? own_dir(dirname(d)) : -1;
        free(d);
        if (rc) return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, "airssys-wasm up: '%s' exists and is not a socket\n", path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (probe >= 0) close(probe);
        if (live) {
            fprintf(stderr, "airssys-wasm up: a host is already serving on '%s'\n", path);
            return -1;
        }
        unlink(path);  /* stale: its host is gone */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask(077);
    int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc == 0) rc = chmod(path, 0600);
    if (rc == 0) rc = listen(fd, 16);
    if (rc != 0) {
        fprintf(stderr, "airssys-wasm up: cannot listen on '%s': %s\n", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

typedef struct conn { host *h; int fd; } conn;

/* Open connections are known, so that shutting down can end those that
 * idle in a read (up to 30 s) instead of waiting for them. */
static void track(host *h, int fd, bool on)
{
    pthread_mutex_lock(&h->conn_mu);
    for (int i = 0; i < HOST_MAX_CONNS; i++)
        if (h->conn_fd[i] == (on ? -1 : fd)) {
            h->conn_fd[i] = on ? fd : -1;
            break;
        }
    pthread_mutex_unlock(&h->conn_mu);
}

static void hang_up_all(host *h)
{
    pthread_mutex_lock(&h->conn_mu);
    for (int i = 0; i < HOST_MAX_CONNS; i++)
        if (h->conn_fd[i] >= 0) shutdown(h->conn_fd[i], SHUT_RDWR);
    pthread_mutex_unlock(&h->conn_mu);
}

static void *serve(void *arg)
{
    conn *c = arg;
    track(c->h, c->fd, true);
    struct timeval tv = {30, 0};  /* a client that says nothing is dropped */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    adm_msg req;
    if (adm_recv(c->fd, &req) == 0) {
        host_handle(c->h, c->fd, &req);
        adm_msg_free(&req);
    }
    track(c->h, c->fd, false);
    close(c->fd);
    atomic_fetch_sub(&c->h->conns, 1);
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

static void accept_one(host *h, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
        (cr.uid != getuid() && cr.uid != 0)) {
        refuse(fd, "the admin socket serves only the user running the host");
        return;
    }
    if (atomic_fetch_add(&h->conns, 1) >= HOST_MAX_CONNS) {
        atomic_fetch_sub(&h->conns, 1);
        refuse(fd, "too many admin connections at once");
        return;
    }
    conn *c = malloc(sizeof *c);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (!c || (c->h = h, c->fd = fd, pthread_create(&t, &at, serve, c)) != 0) {
        free(c);
        atomic_fetch_sub(&h->conns, 1);
        close(fd);
    }
    pthread_attr_destroy(&at);
}

static void serve_until_quit(host *h, int lfd)
{
    while (!atomic_load(&h->quit)) {
        struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = h->wake[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (p[0].revents & POLLIN) accept_one(h, lfd);
    }
}

/* ---- start and stop ---------------------------------------------------------- */

static void progress(void *ud, const char *component, size_t bytes, size_t index, size_t total)
{
    (void)ud;
    if (!isatty(2)) return;
    fprintf(stderr, "\rcompiling %s (%.1f MB) %zu/%zu\033[K", component, bytes / 1e6, index, total);
    if (index == total) fputc('\n', stderr);
}

static void shut_down(host *h)
{
    pthread_mutex_lock(&h->mu);
    for (size_t i = h->n_spawned; i-- > 0;) {
        aw_stop(h->rt, h->spawned[i]);  /* already gone is fine */
        free(h->spawned[i]);
    }
    free(h->spawned);
    h->spawned = NULL;
    h->n_spawned = 0;
    aw_deployment_stop(h->dep);
    h->dep = NULL;
    pthread_mutex_unlock(&h->mu);
    hang_up_all(h);  /* idle readers and followers end now */
    while (atomic_load(&h->conns) > 0) {  /* followers notice `quit` within 200 ms */
        pthread_mutex_lock(&h->log_mu);
        pthread_cond_broadcast(&h->log_cv);
        pthread_mutex_unlock(&h->log_mu);
        usleep(20000);
    }
    aw_runtime_free(h->rt);
    h->rt = NULL;
}

static int parse_args(int argc, char **argv, const char **manifest, const char **sock,
                      host *h)
{
    static const char *const levels[] = {"trace", "debug", "info", "warn", "error"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(up_usage, stdout); return 0; }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { h->echo_level = AW_LOG_ERROR; continue; }
        if (!strcmp(a, "-s") || !strcmp(a, "--socket") || !strcmp(a, "--log-level")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "airssys-wasm up: %s needs a value\n", a);
                return -1;
            }
            const char *v = argv[++i];
            if (a[1] == 's' || a[2] == 's') { *sock = v; continue; }
            int k = -1;
            for (int j = 0; j < 5; j++) if (!strcmp(v, levels[j])) k = j;
            if (k < 0) { fprintf(stderr, "airssys-wasm up: unknown log level '%s'\n", v); return -1; }
            h->echo_level = (aw_log_level)k;
        } else if (a[0] == '-') {
            fprintf(stderr, "airssys-wasm up: unknown option '%s'\n%s", a, up_usage);
            return -1;
        } else if (!*manifest) *manifest = a;
        else {
            fprintf(stderr, "airssys-wasm up: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!*manifest) { fputs(up_usage, stderr); return -1; }
    return 1;
}

static int start(host *h, const char *path)
{
    char *errors = NULL;
    aw_err rc = aw_manifest_load(path, &h->manifest, &errors);
    if (rc) {
        fprintf(stderr, "%s", errors && *errors ? errors : aw_last_error());
        if (errors && *errors && errors[strlen(errors) - 1] != '\n') fputc('\n', stderr);
        free(errors);
        return rc == AW_EINVAL ? EXIT_MANIFEST : EXIT_LOAD;
    }
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    aw_manifest_runtime_config(h->manifest, &cfg);
    cfg.log = on_log;
    cfg.log_ud = h;
    cfg.log_level = AW_LOG_DEBUG;  /* the ring keeps what `logs` may ask for */
    cfg.audit_cb = on_audit;
    cfg.audit_ud = h;
    if ((rc = aw_runtime_new(&cfg, &h->rt)) != AW_OK) {
        cli_error(rc, "cannot start the runtime");
        return EXIT_RUNTIME;
    }
    if ((rc = aw_deployment_start(h->rt, h->manifest, progress, h, &h->dep)) != AW_OK) {
        cli_error(rc, "cannot start the deployment");
        return cli_exit_for(rc);
    }
    return EXIT_OK;
}

#define S(n) ((n) == 1 ? "" : "s")

int cli_up(int argc, char **argv)
{
    const char *manifest = NULL, *sock = NULL;
    char defsock[512];
    host h = {.echo = true, .echo_level = AW_LOG_INFO, .wake = {-1, -1}};
    int p = parse_args(argc, argv, &manifest, &sock, &h);
    if (p <= 0) return p == 0 ? EXIT_OK : EXIT_USAGE;
    bool is_default = !sock;
    if (!sock) sock = adm_default_socket(defsock, sizeof defsock);
    pthread_mutex_init(&h.mu, NULL);
    pthread_mutex_init(&h.conn_mu, NULL);
    for (int i = 0; i < HOST_MAX_CONNS; i++) h.conn_fd[i] = -1;
    pthread_mutex_init(&h.log_mu, NULL);
    pthread_cond_init(&h.log_cv, NULL);
    if (pipe2(h.wake, O_CLOEXEC | O_NONBLOCK) != 0) return EXIT_RUNTIME;
    signal(SIGPIPE, SIG_IGN);
    /* the socket first: a second host on it fails before compiling anything
     * (clients that connect meanwhile wait in the backlog) */
    int lfd = listen_on(sock, is_default);
    int code = lfd < 0 ? EXIT_RUNTIME : start(&h, manifest);
    if (code == EXIT_OK) {
        aw_manifest_counts n;
        aw_manifest_count(h.manifest, &n);
        fprintf(stderr, "airssys-wasm: up: %zu component%s, %zu actor%s, %zu supervisor%s, "
                "%zu route%s, %zu pipeline%s; admin socket %s\n", n.components, S(n.components),
                n.actors, S(n.actors), n.supervisors, S(n.supervisors), n.routes, S(n.routes),
                n.pipelines, S(n.pipelines), sock);
        signal_host = &h;
        struct sigaction sa = {.sa_handler = on_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        serve_until_quit(&h, lfd);
        fprintf(stderr, "airssys-wasm: shutting down\n");
    }
    if (lfd >= 0) close(lfd);
    if (h.rt) shut_down(&h);
    if (lfd >= 0) unlink(sock);
    signal_host = NULL;
    aw_manifest_free(h.manifest);
    for (size_t i = 0; i < HOST_LOG_RING; i++) free(h.ring[i]);
    close(h.wake[0]);
    close(h.wake[1]);
    return code;
}
