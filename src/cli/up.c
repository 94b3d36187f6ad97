/* up.c - `airssys-wasm up <manifest>`: a long-running host with an admin socket.
 *
 * Start-up: the admin socket is bound first, so a second host on the same
 * path fails before compiling anything (clients that connect meanwhile
 * wait in the backlog). Then the manifest is loaded and checked, the
 * runtime is made from its `runtime` section and the deployment is started
 * (with a progress line per component on a terminal, since a large
 * component takes seconds to compile the first time). Then the socket is
 * served (aw_admin, include/airssys/admin.h) until SIGINT, SIGTERM or
 * `airssys-wasm down`.
 *
 * Shut-down, in order: close the admin socket (no new command, idle
 * clients hung up, commands in flight finished, what `deploy --spawn`
 * started stopped); stop the deployment; free the runtime; free the admin
 * last, since the runtime logs into it until it is gone. */
#include "cli.h"
#include "../admin/proto.h"
#include "airssys/admin.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
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

typedef struct up {
    aw_admin *admin;
    aw_log_level echo_level;
    int wake[2];               /* signals and `down` wake the main thread */
} up;

static up *signal_up;

static void request_quit(void *ud)
{
    up *u = ud;
    char c = 'q';
    ssize_t w = write(u->wake[1], &c, 1);
    (void)w;
}

static void on_signal(int sig)
{
    (void)sig;
    if (signal_up) request_quit(signal_up);
}

static void echo(const up *u, const char *source, aw_log_level lvl, const char *actor,
                 const char *msg, size_t len)
{
    static const char *const lv[] = {"trace", "debug", "info", "warn", "error"};
    if (lvl < u->echo_level) return;
    char when[40];
    adm_timestamp(when, sizeof when);
    fprintf(stderr, "%s %-5s %s %s: %.*s\n", when, lv[lvl], source, actor ? actor : "-", (int)len, msg);
}

/* Kept for `logs`, and echoed on stderr. */
static void on_log(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                   const char *msg, size_t len)
{
    up *u = ud;
    aw_admin_log_line(u->admin, lvl, src, actor, msg, len);
    echo(u, src == AW_LOG_GUEST ? "guest" : "runtime", lvl, actor, msg, len);
}

static void on_audit(void *ud, const char *line, size_t len)
{
    up *u = ud;
    aw_admin_audit_line(u->admin, line, len);
    while (len && line[len - 1] == '\n') len--;
    echo(u, "audit", AW_LOG_INFO, NULL, line, len);
}

static void progress(void *ud, const char *component, size_t bytes, size_t index, size_t total)
{
    (void)ud;
    if (!isatty(2)) return;
    fprintf(stderr, "\rcompiling %s (%.1f MB) %zu/%zu\033[K", component, bytes / 1e6, index, total);
    if (index == total) fputc('\n', stderr);
}

static int parse_args(int argc, char **argv, const char **manifest, const char **sock, up *u)
{
    static const char *const levels[] = {"trace", "debug", "info", "warn", "error"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(up_usage, stdout); return 0; }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { u->echo_level = AW_LOG_ERROR; continue; }
        if (!strcmp(a, "-s") || !strcmp(a, "--socket") || !strcmp(a, "--log-level")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "airssys-wasm up: %s needs a value\n", a);
                return -1;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--log-level")) { *sock = v; continue; }
            int k = -1;
            for (int j = 0; j < 5; j++) if (!strcmp(v, levels[j])) k = j;
            if (k < 0) { fprintf(stderr, "airssys-wasm up: unknown log level '%s'\n", v); return -1; }
            u->echo_level = (aw_log_level)k;
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

#define S(n) ((n) == 1 ? "" : "s")

/* Load, make the runtime, start the deployment, serve. */
static int start(up *u, const char *path, aw_manifest **m, aw_runtime **rt, aw_deployment **dep)
{
    char *errors = NULL;
    aw_err rc = aw_manifest_load(path, m, &errors);
    if (rc) {
        fprintf(stderr, "%s", errors && *errors ? errors : aw_last_error());
        if (!errors || !*errors || errors[strlen(errors) - 1] != '\n') fputc('\n', stderr);
        free(errors);
        return rc == AW_EINVAL ? EXIT_MANIFEST : EXIT_LOAD;
    }
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    aw_manifest_runtime_config(*m, &cfg);
    cfg.log = on_log;
    cfg.log_ud = u;
    cfg.log_level = AW_LOG_DEBUG;  /* the ring keeps what `logs` may ask for */
    cfg.audit_cb = on_audit;
    cfg.audit_ud = u;
    if ((rc = aw_runtime_new(&cfg, rt)) != AW_OK) {
        cli_error(rc, "cannot start the runtime");
        return EXIT_RUNTIME;
    }
    if ((rc = aw_deployment_start(*rt, *m, progress, u, dep)) != AW_OK) {
        cli_error(rc, "cannot start the deployment");
        return cli_exit_for(rc);
    }
    if ((rc = aw_admin_serve(u->admin, *rt, *dep)) != AW_OK) {
        cli_error(rc, "cannot serve the admin socket");
        return EXIT_RUNTIME;
    }
    aw_manifest_counts n;
    aw_manifest_count(*m, &n);
    fprintf(stderr, "airssys-wasm: up: %zu component%s, %zu actor%s, %zu supervisor%s, "
            "%zu route%s, %zu pipeline%s; admin socket %s\n", n.components, S(n.components),
            n.actors, S(n.actors), n.supervisors, S(n.supervisors), n.routes, S(n.routes),
            n.pipelines, S(n.pipelines), aw_admin_path(u->admin));
    return EXIT_OK;
}

static void wait_for_quit(up *u)
{
    struct pollfd p = {.fd = u->wake[0], .events = POLLIN};
    while (poll(&p, 1, -1) < 0) {}
}

int cli_up(int argc, char **argv)
{
    const char *manifest = NULL, *sock = NULL;
    up u = {.echo_level = AW_LOG_INFO, .wake = {-1, -1}};
    int p = parse_args(argc, argv, &manifest, &sock, &u);
    if (p <= 0) return p == 0 ? EXIT_OK : EXIT_USAGE;
    if (pipe2(u.wake, O_CLOEXEC | O_NONBLOCK) != 0) return EXIT_RUNTIME;
    signal(SIGPIPE, SIG_IGN);
    aw_admin_config ac = {.socket_path = sock, .on_down = request_quit, .on_down_ud = &u};
    aw_err rc = aw_admin_new(&ac, &u.admin);
    if (rc) {
        fprintf(stderr, "airssys-wasm up: %s\n", aw_last_error());
        close(u.wake[0]);
        close(u.wake[1]);
        return EXIT_RUNTIME;
    }
    aw_manifest *m = NULL;
    aw_runtime *rt = NULL;
    aw_deployment *dep = NULL;
    int code = start(&u, manifest, &m, &rt, &dep);
    if (code == EXIT_OK) {
        signal_up = &u;
        struct sigaction sa = {.sa_handler = on_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        wait_for_quit(&u);
        fprintf(stderr, "airssys-wasm: shutting down\n");
    }
    aw_admin_close(u.admin);
    aw_deployment_stop(dep);
    aw_runtime_free(rt);
    aw_admin_free(u.admin);
    signal_up = NULL;
    aw_manifest_free(m);
    close(u.wake[0]);
    close(u.wake[1]);
    return code;
}
