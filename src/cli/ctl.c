/* ctl.c - admin commands against a running host (`airssys-wasm up`, or any
 * program serving an aw_admin socket).
 *
 * Each command connects to the admin socket, sends one request (src/admin/proto.h)
 * and prints the reply: a readable table or line by default, JSON with
 * --json. Errors print the host's sentence and exit with the code of the
 * error (docs/cli.md); no host on the socket exits with EXIT_NOHOST. */
#include "../admin/proto.h"
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct ctl {
    const char *cmd, *sock, *file, *source, *restart;
    const char *pos[3];        /* positional arguments */
    int npos;
    const char *version, *config, *spawn, *supervisor;
    const char **grants;
    int ngrants;
    const char **rest;         /* route targets */
    int nrest;
    unsigned long timeout, lines;
    int json, pipeline, handoff, wasi, follow;
} ctl;

typedef struct cmd_help { const char *name, *usage; int npos_min, npos_max; } cmd_help;

static const cmd_help cmds[] = {
    {"ps", "ps [--json]\n  every actor: kind, component, version, supervisor, state, restarts,\n"
           "  mailbox depth/capacity, messages handled, memory; then the pipelines\n", 0, 0},
    {"send", "send <actor|route> <message> [--file F] [--pipeline] [--timeout MS]\n"
             "  fire and forget (waits up to --timeout for mailbox room, default 30000);\n"
             "  --file sends F's bytes instead of <message>; --pipeline: <actor> names a pipeline\n",
     1, 2},
    {"request", "request <actor|route> <message> [--file F] [--pipeline] [--timeout MS] [--json]\n"
                "  send and print the reply (default timeout 30000 ms)\n", 1, 2},
    {"publish", "publish <topic> <message> [--file F] [--json]\n"
                "  deliver to every subscriber of the topic; prints how many took it\n", 1, 2},
    {"deploy", "deploy <component-name> <file.wasm> [--version V] [--grant CAP]... [--wasi]\n"
               "       [--spawn ACTOR [--supervisor SUP [--restart permanent|transient|temporary]]]\n"
               "       [--config STR]\n"
               "  load (compile) a component into the running host under a name; with --spawn,\n"
               "  start an actor of it (a child of SUP with --supervisor)\n", 2, 2},
    {"undeploy", "undeploy <component-name> [--json]\n"
                 "  unload a component: stop every actor running it (supervised ones are\n"
                 "  terminated and their specs deleted), then forget it\n", 1, 1},
    {"upgrade", "upgrade <actor> <component-name|file.wasm> [--handoff] [--config STR]\n"
                "        [--version V] [--grant CAP]... [--wasi] [--json]\n"
                "  replace a running actor's code in place (docs/deploy.md); --handoff passes\n"
                "  the old version's state to the new one\n", 2, 2},
    {"route", "route create|set <route> <actor=weight>...\n"
              "       airssys-wasm route remove-version <route> <actor>\n"
              "       airssys-wasm route ls [--json]\n"
              "  blue-green: set /pay v2=1; canary: set /pay v1=90 v2=10; remove-version drains\n"
              "  the actor out of the route, then stops it; ls shows every route's table\n",
     1, 2},
    {"stop", "stop <actor>\n  a supervised child is terminated through its supervisor (not restarted);\n"
             "  a supervisor stops its tree\n", 1, 1},
    {"logs", "logs [-f|--follow] [-n N] [--source guest|runtime|audit|supervision] [--json]\n"
             "  the last N (default 100) guest, runtime, audit and supervision lines;\n"
             "  -f keeps following\n",
     0, 0},
    {"down", "down\n  shut the host down gracefully (on-stop hooks run)\n", 0, 0},
};

static const cmd_help *find_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(cmds[i].name, name)) return &cmds[i];
    return NULL;
}

static void usage(FILE *f, const cmd_help *c)
{
    fprintf(f, "usage: airssys-wasm %s"
               "common options: -s, --socket PATH (default: $AIRSSYS_SOCKET, else\n"
               "  $XDG_RUNTIME_DIR/airssys-wasm/admin.sock, else /tmp/airssys-wasm-<uid>/admin.sock)\n",
            c->usage);
}

static int parse(int argc, char **argv, const cmd_help *c, ctl *o)
{
    o->cmd = c->name;
    o->timeout = 30000;
    o->lines = 100;
    o->grants = calloc((size_t)argc, sizeof *o->grants);
    o->rest = calloc((size_t)argc, sizeof *o->rest);
    static const char *const valued[] = {"-s", "--socket", "--file", "--timeout", "--version",
                                         "--config", "--spawn", "--supervisor", "--restart",
                                         "--grant", "-n", "--source"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout, c); return 0; }
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
            if (!strcmp(a, valued[k])) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "airssys-wasm %s: %s needs a value\n", c->name, a);
                    return -1;
                }
                v = argv[++i];
            }
        char *end;
        if (v && (!strcmp(a, "--timeout") || !strcmp(a, "-n"))) {
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end) {
                fprintf(stderr, "airssys-wasm %s: %s: '%s' is not a number\n", c->name, a, v);
                return -1;
            }
            if (a[1] == 'n') o->lines = n; else o->timeout = n;
        } else if (v && (!strcmp(a, "-s") || !strcmp(a, "--socket"))) o->sock = v;
        else if (v && !strcmp(a, "--file")) o->file = v;
        else if (v && !strcmp(a, "--version")) o->version = v;
        else if (v && !strcmp(a, "--config")) o->config = v;
        else if (v && !strcmp(a, "--spawn")) o->spawn = v;
        else if (v && !strcmp(a, "--supervisor")) o->supervisor = v;
        else if (v && !strcmp(a, "--restart")) o->restart = v;
        else if (v && !strcmp(a, "--grant")) o->grants[o->ngrants++] = v;
        else if (v && !strcmp(a, "--source")) o->source = v;
        else if (!strcmp(a, "--json")) o->json = 1;
        else if (!strcmp(a, "--pipeline")) o->pipeline = 1;
        else if (!strcmp(a, "--handoff")) o->handoff = 1;
        else if (!strcmp(a, "--wasi")) o->wasi = 1;
        else if (!strcmp(a, "-f") || !strcmp(a, "--follow")) o->follow = 1;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "airssys-wasm %s: unknown option '%s'\n", c->name, a);
            return -1;
        } else if (o->npos < c->npos_max) o->pos[o->npos++] = a;
        else if (!strcmp(c->name, "route")) o->rest[o->nrest++] = a;
        else {
            fprintf(stderr, "airssys-wasm %s: unexpected argument '%s'\n", c->name, a);
            return -1;
        }
    }
    if (o->source && strcmp(o->source, "guest") && strcmp(o->source, "runtime") &&
        strcmp(o->source, "audit") && strcmp(o->source, "supervision") &&
        strcmp(o->source, "all")) {
        fprintf(stderr, "airssys-wasm %s: unknown --source '%s' (guest, runtime, audit, "
                "supervision or all)\n", c->name, o->source);
        return -1;
    }
    bool payload = !strcmp(c->name, "send") || !strcmp(c->name, "request") ||
                   !strcmp(c->name, "publish");
    if (o->npos < c->npos_min || (payload && o->npos < 2 && !o->file) ||
        (!strcmp(c->name, "route") && strcmp(o->pos[0], "ls") && o->nrest == 0)) {
        usage(stderr, c);
        return -1;
    }
    return 1;
}

static int dial(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) return -1;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static aw_err err_by_name(const adm_msg *m)
{
    for (int e = 0; e < AW_ERR_COUNT_; e++)
        if (adm_is(m, 0, aw_err_name((aw_err)e))) return (aw_err)e;
    return AW_EENGINE;
}

static void json_str(FILE *f, const uint8_t *s, size_t n) { cli_json_str(f, s, n, true); }

static void json_cstr(FILE *f, const char *s) { json_str(f, (const uint8_t *)s, strlen(s)); }

/* ---- output ---------------------------------------------------------------- */

/* Split `text` (rows of tab-separated cells) into a table; returns rows. */
static size_t split_rows(char *text, char ***cells, size_t ncol)
{
    size_t rows = 0;
    for (char *p = text; *p; p++) rows += *p == '\n';
    char **v = calloc(rows * ncol + 1, sizeof *v);
    size_t r = 0;
    for (char *line = strtok(text, "\n"); v && line && r < rows; line = strtok(NULL, "\n"), r++) {
        char *cell = line;
        for (size_t c = 0; c < ncol; c++) {
            v[r * ncol + c] = cell ? cell : "";
            char *tab = cell ? strchr(cell, '\t') : NULL;
            if (tab) *tab = 0;
            cell = tab ? tab + 1 : NULL;
        }
    }
    *cells = v;
    return v ? r : 0;
}

static void human_bytes(char *buf, size_t cap, const char *s)
{
    double b = strtod(s, NULL);
    if (b == 0) snprintf(buf, cap, "-");
    else if (b < 1 << 20) snprintf(buf, cap, "%.0f KiB", b / 1024);
    else snprintf(buf, cap, "%.1f MiB", b / (1 << 20));
}

static void print_table(const char *const *head, char **cells, size_t rows, size_t ncol)
{
    size_t w[16] = {0};
    for (size_t c = 0; c < ncol; c++) w[c] = strlen(head[c]);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < ncol; c++)
            if (strlen(cells[r * ncol + c]) > w[c]) w[c] = strlen(cells[r * ncol + c]);
    for (size_t r = 0; r <= rows; r++)  /* the head, then the rows; no padding at the end */
        for (size_t c = 0; c < ncol; c++) {
            const char *v = r ? cells[(r - 1) * ncol + c] : head[c];
            if (c + 1 < ncol) printf("%-*s  ", (int)w[c], v);
            else printf("%s\n", v);
        }
}

static void show_ps(const ctl *o, const adm_msg *m)
{
    static const char *const keys[] = {"name", "kind", "component", "version", "supervisor",
                                       "state", "restarts", "mailbox_depth", "mailbox_capacity",
                                       "handled", "memory_bytes"};
    static const char *const pkeys[] = {"name", "accepted", "completed", "failed",
                                        "dead_lettered", "in_flight", "state"};
    char *a = adm_str(m, 2), *p = adm_str(m, 3), **cells = NULL, **pc = NULL;
    size_t n = a ? split_rows(a, &cells, 11) : 0, np = p ? split_rows(p, &pc, 7) : 0;
    if (o->json) {
        printf("{\"actors\":[");
        for (size_t r = 0; r < n; r++) {
            printf("%s{", r ? "," : "");
            for (size_t c = 0; c < 11; c++) {
                const char *v = cells[r * 11 + c];
                printf("%s\"%s\":", c ? "," : "", keys[c]);
                if (c >= 6 && c <= 10) printf("%s", v);
                else if (!strcmp(v, "-") && c != 1) printf("null");
                else json_cstr(stdout, v);
            }
            printf("}");
        }
        printf("],\"pipelines\":[");
        for (size_t r = 0; r < np; r++) {
            printf("%s{", r ? "," : "");
            for (size_t c = 0; c < 7; c++) {
                printf("%s\"%s\":", c ? "," : "", pkeys[c]);
                if (c == 0 || c == 6) json_cstr(stdout, pc[r * 7 + c]);
                else printf("%s", pc[r * 7 + c]);
            }
            printf("}");
        }
        printf("]}\n");
    } else {
        static const char *const head[] = {"NAME", "KIND", "COMPONENT", "VERSION", "SUPERVISOR",
                                           "STATE", "RESTARTS", "MAILBOX", "HANDLED", "MEMORY"};
        char (*box)[48] = calloc(n ? n : 1, sizeof *box), (*mem)[32] = calloc(n ? n : 1, sizeof *mem);
        char **t = calloc(n * 10 + 1, sizeof *t);
        for (size_t r = 0; t && box && mem && r < n; r++) {
            char **c = &cells[r * 11];
            snprintf(box[r], sizeof box[r], "%s/%s", c[7], c[8]);
            human_bytes(mem[r], sizeof mem[r], c[10]);
            const char *row[10] = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], box[r], c[9], mem[r]};
            memcpy(&t[r * 10], row, sizeof row);
        }
        if (t && box && mem) print_table(head, t, n, 10);
        free(t); free(box); free(mem);
        if (np) {
            static const char *const ph[] = {"PIPELINE", "ACCEPTED", "COMPLETED", "FAILED",
                                             "DEAD-LETTERED", "IN-FLIGHT", "STATE"};
            printf("\n");
            print_table(ph, pc, np, 7);
        }
    }
    free(cells);
    free(pc);
    free(a);
    free(p);
}

static void show_log_line(const ctl *o, const adm_msg *m)
{
    static const char *const keys[] = {"time", "source", "level", "actor", "message"};
    char *line = adm_str(m, 1), **cells;
    if (!line) return;
    size_t len = strlen(line);
    char *copy = malloc(len + 2);
    if (!copy) { free(line); return; }
    memcpy(copy, line, len);
    memcpy(copy + len, "\n", 2);
    if (split_rows(copy, &cells, 5) == 1) {
        if (o->json) {
            printf("{");
            for (int c = 0; c < 5; c++) {
                printf("%s\"%s\":", c ? "," : "", keys[c]);
                json_cstr(stdout, cells[c]);
            }
            printf("}\n");
        } else {
            printf("%s %-5s %-11s %s: %s\n", cells[0], cells[2], cells[1], cells[3], cells[4]);
        }
        fflush(stdout);
    }
    free(cells);
    free(copy);
    free(line);
}

static void show_routes(const ctl *o, const adm_msg *m)
{
    char *text = adm_str(m, 2), **cells = NULL;
    size_t n = text ? split_rows(text, &cells, 4) : 0;
    if (o->json) {
        printf("[");
        for (size_t r = 0; r < n; r++) {
            char **c = &cells[r * 4];
            printf("%s{\"route\":", r ? "," : "");
            json_cstr(stdout, c[0]);
            printf(",\"targets\":[");
            int k = 0;
            for (char *t = strtok(c[1], ","); t; t = strtok(NULL, ","), k++) {
                char *eq = strrchr(t, '=');
                if (eq) *eq = 0;
                printf("%s{\"actor\":", k ? "," : "");
                json_cstr(stdout, t);
                printf(",\"weight\":%s}", eq ? eq + 1 : "0");
            }
            printf("],\"forwarded\":%s,\"undelivered\":%s}", c[2], c[3]);
        }
        printf("]\n");
    } else {
        static const char *const head[] = {"ROUTE", "TARGETS", "FORWARDED", "UNDELIVERED"};
        print_table(head, cells, n, 4);
    }
    free(cells);
    free(text);
}

static void show_result(const ctl *o, const adm_msg *m)
{
    const char *cmd = o->cmd;
    if (!strcmp(cmd, "route") && !strcmp(o->pos[0], "ls")) {
        show_routes(o, m);
    } else if (!strcmp(cmd, "request")) {
        char *status = adm_str(m, 2);
        const uint8_t *data = m->n > 3 ? m->f[3] : (const uint8_t *)"";
        size_t len = m->n > 3 ? m->len[3] : 0;
        if (o->json) {
            printf("{\"status\":%s,\"reply\":", status ? status : "0");
            json_str(stdout, data, len);
            printf("}\n");
        } else {
            fwrite(data, 1, len, stdout);
            fputc('\n', stdout);
        }
        free(status);
    } else if (!strcmp(cmd, "publish")) {
        char *mt = adm_str(m, 2), *dl = adm_str(m, 3);
        if (o->json) printf("{\"matched\":%s,\"delivered\":%s}\n", mt, dl);
        else printf("delivered to %s of %s subscriber%s\n", dl, mt, mt && !strcmp(mt, "1") ? "" : "s");
        free(mt); free(dl);
    } else if (!strcmp(cmd, "upgrade")) {
        char *ns = adm_str(m, 2);
        double us = ns ? strtod(ns, NULL) / 1000 : 0;
        if (o->json) printf("{\"actor\":\"%s\",\"switch_ns\":%s}\n", o->pos[0], ns ? ns : "0");
        else printf("upgraded %s (switch: %.1f µs without serving)\n", o->pos[0], us);
        free(ns);
    } else if (!strcmp(cmd, "deploy")) {
        char *fmt = adm_str(m, 2);
        if (o->json) printf("{\"component\":\"%s\",\"format\":\"%s\"}\n", o->pos[0], fmt);
        else printf("deployed %s (%s)%s%s\n", o->pos[0], fmt, o->spawn ? ", started " : "",
                    o->spawn ? o->spawn : "");
        free(fmt);
    } else if (!strcmp(cmd, "undeploy")) {
        char *k = adm_str(m, 2);
        if (o->json) printf("{\"component\":\"%s\",\"stopped\":%s}\n", o->pos[0], k ? k : "0");
        else printf("undeployed %s (%s actor%s stopped)\n", o->pos[0], k ? k : "0",
                    k && !strcmp(k, "1") ? "" : "s");
        free(k);
    } else if (o->json) {
        printf("{\"ok\":true}\n");
    }
}

/* ---- requests ------------------------------------------------------------------ */

static void put_ul(adm_out *q, unsigned long v) { adm_putf(q, "%lu", v); }

/* The message: the positional argument, or --file's bytes. */
static aw_err put_payload(adm_out *q, const ctl *o)
{
    if (!o->file) { adm_puts(q, o->npos > 1 ? o->pos[1] : ""); return AW_OK; }
    uint8_t *d;
    size_t n;
    aw_err rc = cli_read_file(o->file, &d, &n);
    if (rc == AW_OK) adm_put(q, d, n);
    if (rc == AW_OK) free(d);
    return rc;
}

/* Paths go to the host as absolute ones: its working directory is not ours. */
static void put_path(adm_out *q, const char *path)
{
    char abs[PATH_MAX];
    adm_puts(q, realpath(path, abs) ? abs : path);
}

static void put_grants(adm_out *q, const ctl *o)
{
    for (int i = 0; i < o->ngrants; i++) adm_puts(q, o->grants[i]);
}

static aw_err build(adm_out *q, const ctl *o)
{
    adm_puts(q, ADMIN_PROTO);
    adm_puts(q, o->cmd);
    const char *c = o->cmd;
    if (!strcmp(c, "send") || !strcmp(c, "request")) {
        adm_puts(q, o->pos[0]);
        aw_err rc = put_payload(q, o);
        put_ul(q, o->timeout);
        adm_puts(q, o->pipeline ? "pipeline" : "");
        return rc;
    }
    if (!strcmp(c, "publish")) { adm_puts(q, o->pos[0]); return put_payload(q, o); }
    if (!strcmp(c, "deploy")) {
        const char *f[8] = {o->pos[0], NULL, o->version, o->wasi ? "1" : "0", o->spawn,
                            o->supervisor, o->config, o->restart};
        for (int i = 0; i < 8; i++) {
            if (i == 1) put_path(q, o->pos[1]);
            else adm_puts(q, f[i]);
        }
        put_grants(q, o);
    } else if (!strcmp(c, "upgrade")) {
        adm_puts(q, o->pos[0]);
        if (strchr(o->pos[1], '/') || strstr(o->pos[1], ".wasm")) put_path(q, o->pos[1]);
        else adm_puts(q, o->pos[1]);
        const char *f[4] = {o->handoff ? "1" : "0", o->config, o->version, o->wasi ? "1" : "0"};
        for (int i = 0; i < 4; i++) adm_puts(q, f[i]);
        put_grants(q, o);
    } else if (!strcmp(c, "route")) {
        adm_puts(q, o->pos[0]);
        if (o->npos > 1) adm_puts(q, o->pos[1]);
        for (int i = 0; i < o->nrest; i++) adm_puts(q, o->rest[i]);
    } else if (!strcmp(c, "stop") || !strcmp(c, "undeploy")) {
        adm_puts(q, o->pos[0]);
    } else if (!strcmp(c, "logs")) {
        put_ul(q, o->lines);
        adm_puts(q, o->follow ? "1" : "0");
        adm_puts(q, o->source ? o->source : "all");
    }
    return AW_OK;
}

/* Read frames until the reply: progress on stderr (on a terminal), log
 * lines as they come. */
static int converse(int fd, const ctl *o)
{
    adm_msg m;
    int code = EXIT_OK;
    bool logs = !strcmp(o->cmd, "logs"), first = true;
    for (;;) {
        int rc = adm_recv(fd, &m);
        if (rc != 0) {
            if (logs && !first) return code;  /* the host went away while following */
            fprintf(stderr, "airssys-wasm %s: the host closed the connection%s%s\n", o->cmd,
                    rc < 0 ? ": " : "", rc < 0 ? strerror(errno) : "");
            return EXIT_NOHOST;
        }
        if (adm_is(&m, 0, "progress")) {
            char *t = adm_str(&m, 1);
            if (isatty(2) && t) fprintf(stderr, "%s...\n", t);
            free(t);
        } else if (logs && !first && adm_is(&m, 0, "line")) {
            show_log_line(o, &m);
        } else if (logs && !first && adm_is(&m, 0, "end")) {
            adm_msg_free(&m);
            return code;
        } else {
            aw_err e = err_by_name(&m);
            if (e != AW_OK) {
                char *d = adm_str(&m, 1);
                fprintf(stderr, "airssys-wasm %s: %s (%s)%s%s\n", o->cmd, aw_strerror(e),
                        aw_err_name(e), d && *d ? "\n  " : "", d ? d : "");
                free(d);
                adm_msg_free(&m);
                return cli_exit_for(e);
            }
            if (!strcmp(o->cmd, "ps")) show_ps(o, &m);
            else if (!logs) show_result(o, &m);
            first = false;
            if (!logs) { adm_msg_free(&m); return code; }
        }
        adm_msg_free(&m);
    }
}

int cli_ctl(int argc, char **argv)
{
    const cmd_help *c = find_cmd(argv[0]);
    if (!c) return -1;
    ctl o = {0};
    int p = parse(argc, argv, c, &o), code = p == 0 ? EXIT_OK : EXIT_USAGE;
    char defsock[512];
    adm_out q;
    adm_out_init(&q);
    if (p > 0) {
        const char *sock = o.sock ? o.sock : adm_default_socket(defsock, sizeof defsock);
        aw_err rc = build(&q, &o);
        int fd = rc ? -1 : dial(sock);
        if (rc) code = cli_exit_for(rc);
        else if (fd < 0) {
            fprintf(stderr, "airssys-wasm %s: no host answers on '%s' (start one with `airssys-wasm "
                    "up <manifest>`, or pass --socket)\n", c->name, sock);
            code = EXIT_NOHOST;
        } else {
            code = adm_send(fd, &q) == 0 ? converse(fd, &o) : EXIT_NOHOST;
            close(fd);
        }
    }
    adm_out_free(&q);
    free(o.grants);
    free(o.rest);
    return code;
}
