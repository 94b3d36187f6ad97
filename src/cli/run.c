/* run.c - `airssys-wasm run`: one-shot host for a single guest.
 *
 * Loads the guest, spawns it as an actor on a small runtime, sends each
 * message as a request (so a failure comes back to us, not to a log), prints
 * each reply on its own line, then stops the actor gracefully. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char run_usage[] =
    "usage: airssys-wasm run <guest.wasm> [options]\n"
    "  --send MSG        send MSG as a request and print the reply (repeatable);\n"
    "                    without --send, each line of stdin is one request\n"
    "  --config STR      bytes passed to the guest's init hook\n"
    "  --grant CAP       grant a capability (repeatable), e.g. 'file-read(/data/*.txt)',\n"
    "                    'network-outbound(api.example.com)'; none by default\n"
    "  --audit FILE      append the audit trail (JSON lines) to FILE ('-': stderr)\n"
    "  --wasi            give the guest WASI (preview 1 for a core module, preview 2\n"
    "                    for a component), with preopens only where file grants cover\n"
    "                    whole directories; never network\n"
    "  --name NAME       actor name (default: file name without .wasm)\n"
    "  --timeout MS      per-request timeout (default 30000)\n"
    "  --deadline MS     CPU time one message may use (default 10000, 0 = none)\n"
    "  --memory BYTES    linear memory cap (default 64 MiB; k/m/g suffixes)\n"
    "  --workers N       worker threads (default: online CPUs)\n"
    "  --log-level L     trace|debug|info|warn|error (default info)\n"
    "  -v, --verbose     also print runtime log lines (crashes are reported anyway)\n"
    "  -q, --quiet       print replies only\n";

typedef struct run_opts {
    const char *path, *config, *name;
    const char **sends;
    int nsends;
    const char **grants;
    int ngrants;
    const char *audit;
    unsigned long timeout, deadline, workers;
    unsigned long long memory;
    int log_level;
    int quiet, verbose, wasi;
} run_opts;

static int parse_ulong(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) return -1;
    if (*end == 'k' || *end == 'K') { v <<= 10; end++; }
    else if (*end == 'm' || *end == 'M') { v <<= 20; end++; }
    else if (*end == 'g' || *end == 'G') { v <<= 30; end++; }
    if (*end) return -1;
    *out = v;
    return 0;
}

static int parse(int argc, char **argv, run_opts *o)
{
    static const char *const levels[] = {"trace", "debug", "info", "warn", "error"};
    memset(o, 0, sizeof *o);
    o->timeout = 30000;
    o->deadline = 10000;
    o->memory = 64u << 20;
    o->log_level = AW_LOG_INFO;
    o->sends = calloc((size_t)argc, sizeof *o->sends);
    o->grants = calloc((size_t)argc, sizeof *o->grants);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(run_usage, stdout); return 0; }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { o->quiet = 1; continue; }
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) { o->verbose = 1; continue; }
        if (!strcmp(a, "--wasi")) { o->wasi = 1; continue; }
        static const char *const with_value[] = {"--send", "--config", "--name", "--log-level",
                                                 "--timeout", "--deadline", "--memory", "--workers",
                                                 "--grant", "--audit"};
        int takes = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++) takes |= !strcmp(a, with_value[k]);
        if (takes && !v) {
            fprintf(stderr, "airssys-wasm run: %s needs a value\n", a);
            return -1;
        }
        if (!strcmp(a, "--send")) o->sends[o->nsends++] = argv[++i];
        else if (!strcmp(a, "--grant")) o->grants[o->ngrants++] = argv[++i];
        else if (!strcmp(a, "--audit")) o->audit = argv[++i];
        else if (!strcmp(a, "--config")) o->config = argv[++i];
        else if (!strcmp(a, "--name")) o->name = argv[++i];
        else if (!strcmp(a, "--log-level")) {
            int k = -1;
            for (int j = 0; j < 5; j++) if (!strcmp(v, levels[j])) k = j;
            if (k < 0) { fprintf(stderr, "airssys-wasm run: unknown log level '%s'\n", v); return -1; }
            o->log_level = k;
            i++;
        } else if (!strcmp(a, "--timeout") || !strcmp(a, "--deadline") || !strcmp(a, "--memory") ||
                   !strcmp(a, "--workers")) {
            if (parse_ulong(v, &n) != 0) {
                fprintf(stderr, "airssys-wasm run: %s: '%s' is not a number\n", a, v);
                return -1;
            }
            if (!strcmp(a, "--timeout")) o->timeout = (unsigned long)n;
            else if (!strcmp(a, "--deadline")) o->deadline = (unsigned long)n;
            else if (!strcmp(a, "--workers")) o->workers = (unsigned long)n;
            else o->memory = n;
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "airssys-wasm run: unknown option '%s'\n", a);
            return -1;
        } else if (!o->path) o->path = a;
        else {
            fprintf(stderr, "airssys-wasm run: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!o->path) { fputs(run_usage, stderr); return -1; }
    return 1;
}

/* Guest logs go to stderr; runtime lines only with -v, because every failure
 * they describe also comes back to us as a request error. */
static void cli_log(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                    const char *msg, size_t len)
{
    static const char *const names[] = {"trace", "debug", "info", "warn", "error"};
    const run_opts *o = ud;
    if (src == AW_LOG_RUNTIME && !o->verbose) return;
    fprintf(stderr, "[%s] %s%s: %.*s\n", names[lvl], src == AW_LOG_RUNTIME ? "runtime: " : "",
            actor ? actor : "-", (int)len, msg);
}

static void print_reply(const aw_reply *r)
{
    fwrite(r->data ? (const char *)r->data : "", 1, r->len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* One request; returns an aw_err and reports failures on stderr. */
static aw_err one(aw_runtime *rt, const char *actor, const char *msg, size_t len, unsigned long timeout)
{
    aw_reply r;
    aw_err rc = aw_request(rt, actor, msg, len, (uint32_t)timeout, &r);
    if (rc == AW_OK) print_reply(&r);
    else {
        char what[300];
        snprintf(what, sizeof what, "request to '%s' failed", actor);
        cli_error(rc, what);  /* the detail already carries a guest's error text */
    }
    aw_reply_free(&r);
    return rc;
}

int cli_run(int argc, char **argv)
{
    run_opts o;
    int p = parse(argc, argv, &o);
    if (p <= 0) {
        free(o.sends);
        free(o.grants);
        return p == 0 ? EXIT_OK : EXIT_USAGE;
    }

    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.max_instances = 16;
    cfg.max_memory_bytes = o.memory;
    cfg.handler_deadline_ms = (uint32_t)o.deadline;
    cfg.workers = (unsigned)o.workers;
    cfg.log_level = (aw_log_level)(o.quiet ? AW_LOG_ERROR : o.log_level);
    cfg.log = cli_log;
    cfg.log_ud = &o;
    if (o.audit && !strcmp(o.audit, "-")) cfg.audit_stderr = true;
    else cfg.audit_path = o.audit;
    aw_runtime *rt;
    aw_err rc = aw_runtime_new(&cfg, &rt);
    if (rc) {
        cli_error(rc, "cannot start the runtime");
        free(o.sends);
        free(o.grants);
        return EXIT_RUNTIME;
    }
    int code = EXIT_OK;

    aw_component *c = NULL;
    aw_load_options lo = {.grants = o.grants, .n_grants = (size_t)o.ngrants, .wasi = o.wasi};
    struct stat st;
    bool tell = isatty(2) && !o.quiet && stat(o.path, &st) == 0 && st.st_size > (1 << 20);
    if (tell)  /* a big component takes seconds to compile the first time */
        fprintf(stderr, "compiling %s (%.1f MB)...", o.path, st.st_size / 1e6);
    rc = aw_component_load_file_opts(rt, o.path, &lo, &c);
    if (tell) fprintf(stderr, " %s\n", rc ? "failed" : "done");
    if (rc) {
        char what[4200];
        snprintf(what, sizeof what, "cannot load '%s'", o.path);
        cli_error(rc, what);
        code = rc == AW_ENOMEM ? EXIT_RUNTIME : EXIT_LOAD;
        goto out;
    }
    aw_actor_spec spec = {.name = o.name, .component = c,
                          .config = (const uint8_t *)o.config,
                          .config_len = o.config ? strlen(o.config) : 0};
    if ((rc = aw_spawn(rt, &spec)) != AW_OK) {
        cli_error(rc, "cannot start the actor");
        code = cli_exit_for(rc);
        goto out;
    }
    const char *actor = o.name ? o.name : aw_component_name(c);
    if (o.nsends) {
        for (int i = 0; i < o.nsends && rc == AW_OK; i++)
            rc = one(rt, actor, o.sends[i], strlen(o.sends[i]), o.timeout);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while (rc == AW_OK && (n = getline(&line, &cap, stdin)) >= 0) {
            if (n && line[n - 1] == '\n') line[--n] = 0;
            rc = one(rt, actor, line, (size_t)n, o.timeout);
        }
        free(line);
    }
    if (rc != AW_OK) code = EXIT_GUEST;  /* whatever the code, the guest failed a message */
    else if ((rc = aw_stop(rt, actor)) != AW_OK) {
        cli_error(rc, "stopping the actor");
        code = EXIT_GUEST;
    }
out:
    aw_component_release(c);
    aw_runtime_free(rt);
    free(o.sends);
    free(o.grants);
    return code;
}
