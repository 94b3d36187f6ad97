/* validate.c - `airssys-wasm validate`: check a deployment manifest without
 * starting anything.
 *
 * Two passes. aw_manifest_load() reads the YAML and checks every key,
 * value, name and reference, and that each component file exists with the
 * declared format. Then, unless --no-compile, a runtime configured from
 * the manifest's `runtime` section (one worker, no audit trail: nothing
 * runs) compiles each component with its grants and limits through
 * aw_manifest_check_components(); that also fills the compiled-code cache,
 * so a later `up` with the same cache starts without compiling.
 *
 * Problems go to stderr, one per line, `file:line:col: where: what`; with
 * --json the result is one JSON object on stdout instead, each problem
 * split into its fields (the library's lines have no ": " inside `where`,
 * so the split is exact). */
#include "cli.h"

#include "airssys/manifest.h"

#include <string.h>
#include <unistd.h>

static const char validate_usage[] =
    "usage: airssys-wasm validate <manifest.yaml> [--json] [--no-compile]\n"
    "  checks a deployment manifest (docs/manifest.md): the YAML, every key and\n"
    "  value, the names and the references between entries, that component files\n"
    "  exist and have the declared format; then compiles each component with its\n"
    "  grants and limits (through the cache) on a runtime set up from the manifest's\n"
    "  runtime section. Nothing is started. Every problem is listed, one per line:\n"
    "  file:line:column: where: what\n"
    "  --json        print the result as one JSON object on stdout\n"
    "  --no-compile  skip compiling the components\n"
    "  exit: 0 valid, 6 has problems, 2 cannot be read, 5 the runtime could not start\n";

typedef struct validate_opts {
    const char *path;
    int json, no_compile, tty;
} validate_opts;

static void json_str(const char *s, size_t n) { cli_json_str(stdout, s, n, false); }

/* One problem line as a JSON object. The file name is known (the manifest
 * we were given), so it is stripped exactly rather than guessed at. */
static void json_problem(const char *file, const char *line, size_t len)
{
    size_t fl = strlen(file);
    unsigned long ln = 0, col = 0;
    const char *p = line, *end = line + len, *where = NULL, *msg = NULL;
    if (len > fl && !strncmp(line, file, fl) && line[fl] == ':') {
        char *q;
        ln = strtoul(line + fl + 1, &q, 10);
        if (*q == ':') col = strtoul(q + 1, &q, 10);
        if (q < end && *q == ':' && q[1] == ' ') {
            where = q + 2;
            const char *sep = strstr(where, ": ");
            if (sep && sep < end) msg = sep + 2;
        }
    }
    fputs("{\"file\":", stdout);
    json_str(file, fl);
    printf(",\"line\":%lu,\"column\":%lu,\"where\":", ln, col);
    if (msg) json_str(where, (size_t)(msg - 2 - where));
    else fputs("\"manifest\"", stdout);
    fputs(",\"message\":", stdout);
    if (msg) json_str(msg, (size_t)(end - msg));
    else json_str(p, len);
    putchar('}');
}

static void print_problems(const validate_opts *o, const char *errors)
{
    if (!o->json) {
        fputs(errors, stderr);
        return;
    }
    printf("{\"ok\":false,\"file\":");
    json_str(o->path, strlen(o->path));
    fputs(",\"errors\":[", stdout);
    for (const char *s = errors; *s;) {
        size_t n = strcspn(s, "\n");
        if (s != errors) putchar(',');
        json_problem(o->path, s, n);
        s += n + (s[n] == '\n');
    }
    fputs("]}\n", stdout);
}

/* A failure with no line to point at (unreadable file, runtime refused). */
static void fail(const validate_opts *o, aw_err e, const char *where, const char *what)
{
    if (!o->json) {
        cli_error(e, what);
        return;
    }
    const char *detail = aw_last_error();
    printf("{\"ok\":false,\"file\":");
    json_str(o->path, strlen(o->path));
    fputs(",\"errors\":[{\"file\":", stdout);
    json_str(o->path, strlen(o->path));
    printf(",\"line\":0,\"column\":0,\"where\":\"%s\",\"message\":", where);
    json_str(detail, strlen(detail));
    fputs("}]}\n", stdout);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_ok(const validate_opts *o, const aw_manifest_counts *c)
{
    if (o->json) {
        printf("{\"ok\":true,\"file\":");
        json_str(o->path, strlen(o->path));
        printf(",\"compiled\":%s,\"counts\":{\"components\":%zu,\"actors\":%zu,"
               "\"supervisors\":%zu,\"subscriptions\":%zu,\"routes\":%zu,\"pipelines\":%zu}}\n",
               o->no_compile ? "false" : "true", c->components, c->actors, c->supervisors,
               c->subscriptions, c->routes, c->pipelines);
        return;
    }
    printf("ok: %s: %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s%s\n", o->path, c->components,
           plural(c->components, "component", "components"), c->actors,
           plural(c->actors, "actor", "actors"), c->supervisors,
           plural(c->supervisors, "supervisor", "supervisors"), c->subscriptions,
           plural(c->subscriptions, "subscription", "subscriptions"), c->routes,
           plural(c->routes, "route", "routes"), c->pipelines,
           plural(c->pipelines, "pipeline", "pipelines"),
           o->no_compile ? " (components not compiled)" : "");
}

/* "compiling validate (12.3 MiB) 1/3", rewritten in place on a terminal. */
static void progress(void *ud, const char *component, size_t bytes, size_t index, size_t total)
{
    (void)ud;
    double mib = (double)bytes / (1024.0 * 1024.0);
    if (mib >= 1) fprintf(stderr, "\r\033[Kcompiling %s (%.1f MiB) %zu/%zu", component, mib, index, total);
    else fprintf(stderr, "\r\033[Kcompiling %s (%zu KiB) %zu/%zu", component, (bytes + 1023) / 1024,
                 index, total);
    fflush(stderr);
}

static int parse_args(int argc, char **argv, validate_opts *o)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) o->json = 1;
        else if (!strcmp(argv[i], "--no-compile")) o->no_compile = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(validate_usage, stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "airssys-wasm validate: unknown option '%s'\n%s", argv[i], validate_usage);
            return EXIT_USAGE;
        } else if (o->path) {
            fprintf(stderr, "airssys-wasm validate: one manifest at a time ('%s', then '%s')\n",
                    o->path, argv[i]);
            return EXIT_USAGE;
        } else {
            o->path = argv[i];
        }
    }
    if (!o->path) {
        fputs(validate_usage, stderr);
        return EXIT_USAGE;
    }
    return -1;
}

/* The components, compiled on a runtime shaped by the manifest. */
static int compile_all(const validate_opts *o, const aw_manifest *m)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    aw_manifest_runtime_config(m, &cfg);
    cfg.workers = 1;          /* nothing runs */
    cfg.audit_path = NULL;    /* and nothing is audited */
    cfg.audit_stderr = false;
    cfg.log_level = AW_LOG_ERROR;
    aw_runtime *rt;
    aw_err e = aw_runtime_new(&cfg, &rt);
    if (e) {
        fail(o, e, "runtime", "cannot start a runtime from the manifest's runtime section");
        return EXIT_RUNTIME;
    }
    char *errors = NULL;
    e = aw_manifest_check_components(rt, m, o->tty ? progress : NULL, NULL, &errors);
    if (o->tty) fputs("\r\033[K", stderr);
    aw_runtime_free(rt);
    if (e && errors) print_problems(o, errors);
    else if (e) fail(o, e, "components", "checking the components");
    free(errors);
    return e ? EXIT_MANIFEST : EXIT_OK;
}

int cli_validate(int argc, char **argv)
{
    validate_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    o.tty = !o.json && isatty(STDERR_FILENO);
    aw_manifest *m;
    char *errors = NULL;
    aw_err e = aw_manifest_load(o.path, &m, &errors);
    if (e && errors) {
        print_problems(&o, errors);
        free(errors);
        return EXIT_MANIFEST;
    }
    if (e) {  /* unreadable: no line to point at */
        fail(&o, e, "manifest", "cannot read the manifest");
        return e == AW_ENOENT || e == AW_EIO ? EXIT_LOAD : EXIT_RUNTIME;
    }
    rc = o.no_compile ? EXIT_OK : compile_all(&o, m);
    if (rc == EXIT_OK) {
        aw_manifest_counts c;
        aw_manifest_count(m, &c);
        print_ok(&o, &c);
    }
    aw_manifest_free(m);
    return rc;
}
