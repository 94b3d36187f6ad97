/* inspect.c - `airssys-wasm inspect`: what a guest is and whether it can run. */
#include "cli.h"

#include <string.h>

static const char inspect_usage[] =
    "usage: airssys-wasm inspect <guest.wasm> [--json]\n"
    "  prints the format (core module / component), imports, exports and whether the\n"
    "  guest conforms to guest ABI v0, listing every problem when it does not, and\n"
    "  which capability grants its imports can use (it gets none unless granted).\n"
    "  exit: 0 conforms, 4 does not conform, 2 unreadable or not WebAssembly\n";

static void json_str(const char *s) { cli_json_str(stdout, s, s ? strlen(s) : 0, false); }

static void json_items(const aw_inspect_item *v, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",{" : "{", stdout);
        if (v[i].module) { fputs("\"module\":", stdout); json_str(v[i].module); putchar(','); }
        fputs("\"name\":", stdout); json_str(v[i].name);
        fputs(",\"type\":", stdout); json_str(v[i].type);
        putchar('}');
    }
    putchar(']');
}

static void print_json(const char *path, const aw_inspect *r)
{
    fputs("{\"file\":", stdout); json_str(path);
    printf(",\"size\":%zu,\"format\":", r->size); json_str(aw_format_name(r->format));
    printf(",\"abi_version\":%d,\"conforms\":%s,\"problems\":[", r->abi_version,
           r->conforms ? "true" : "false");
    const char *p = r->problems ? r->problems : "";
    for (int first = 1; *p; first = 0) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        if (!first) putchar(',');
        json_str(line);
        free(line);
        p += n + (nl ? 1 : 0);
    }
    fputs("],\"imports\":", stdout); json_items(r->imports, r->n_imports);
    fputs(",\"exports\":", stdout); json_items(r->exports, r->n_exports);
    if (r->wit) { fputs(",\"wit\":", stdout); json_str(r->wit); }
    puts("}");
}

/* The capabilities a guest's imports can use (deny by default: each needs
 * a grant at load, see docs/capabilities.md). Up to 16, deduplicated. */
static size_t needed_caps(const aw_inspect *r, const char *out[16], char hosts[8][128])
{
    size_t n = 0, nh = 0;
    for (size_t i = 0; i < r->n_imports && n < 16; i++) {
        const char *m = r->imports[i].module ? r->imports[i].module : "", *f = r->imports[i].name;
        const char *cap = NULL;
        if (!strcmp(m, "airssys")) {
            if (!strcmp(f, "send") || !strcmp(f, "request")) cap = "messaging(send=...)";
            else if (!strcmp(f, "publish")) cap = "messaging(publish=...)";
            else if (!strcmp(f, "subscribe")) cap = "messaging(subscribe=...)";
            else if (!strcmp(f, "file_read") || !strcmp(f, "file_stat") || !strcmp(f, "file_list"))
                cap = "file-read(...)";
            else if (!strcmp(f, "file_write") || !strcmp(f, "file_delete")) cap = "file-write(...)";
            else if (!strcmp(f, "http")) cap = "network-outbound(...)";
        } else if (!*m && !strncmp(f, "airssys:component/", 18)) {  /* a WIT interface */
            const char *ifc = f + 18;
            if (!strncmp(ifc, "messaging@", 10)) cap = "messaging(send=..., publish=..., subscribe=...)";
            else if (!strncmp(ifc, "files@", 6)) cap = "file-read(...) / file-write(...)";
            else if (!strncmp(ifc, "http@", 5)) cap = "network-outbound(...)";
        } else if (!*m && !strncmp(f, "wasi:filesystem/", 16)) {
            cap = "wasi (run --wasi) + file-read(<dir>/**)";
        } else if (!strcmp(m, "wasi_snapshot_preview1") && (!strcmp(f, "path_open") || !strcmp(f, "fd_prestat_get"))) {
            cap = "wasi (aw_load_options.wasi) + file-read(<dir>/**)";
        } else if (*m && strcmp(m, "wasi_snapshot_preview1") && nh < 8 && r->format != AW_FORMAT_COMPONENT) {
            snprintf(hosts[nh], sizeof hosts[nh], "host(%s)", m);
            cap = hosts[nh++];
        }
        bool dup = !cap;
        for (size_t k = 0; k < n && !dup; k++) dup = !strcmp(out[k], cap);
        if (!dup) out[n++] = cap;
    }
    return n;
}

static void print_text(const char *path, const aw_inspect *r)
{
    printf("file:     %s (%zu bytes)\n", path, r->size);
    printf("format:   %s\n", aw_format_name(r->format));
    if (r->format == AW_FORMAT_COMPONENT) printf("world:    airssys:component/actor-component@0.1.0 (WIT)\n");
    else if (r->abi_version >= 0) printf("abi:      v%d (host speaks v%d)\n", r->abi_version, AW_GUEST_ABI_VERSION);
    else printf("abi:      no aw_abi_v<N> marker\n");
    printf("conforms: %s\n", r->conforms ? "yes, loadable as an actor" : "NO");
    if (r->problems && *r->problems && (!r->conforms || r->format == AW_FORMAT_COMPONENT)) {
        const char *p = r->problems;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            printf("  - %.*s\n", n, p);
            p += n + (nl ? 1 : 0);
        }
    }
    const char *caps[16];
    char hosts[8][128];
    size_t nc = needed_caps(r, caps, hosts);
    printf("grants it can use: %s", nc ? "" : "none (it only logs, replies and computes)");
    for (size_t i = 0; i < nc; i++) printf("%s%s", i ? ", " : "", caps[i]);
    putchar('\n');
    printf("imports (%zu):\n", r->n_imports);
    for (size_t i = 0; i < r->n_imports; i++)
    {
        char full[512];
        snprintf(full, sizeof full, "%s%s%s", r->imports[i].module ? r->imports[i].module : "",
                 r->imports[i].module ? "." : "", r->imports[i].name);
        printf("  %-36s %s\n", full, r->imports[i].type);
    }
    printf("exports (%zu):\n", r->n_exports);
    for (size_t i = 0; i < r->n_exports; i++)
        printf("  %-36s %s\n", r->exports[i].name, r->exports[i].type);
    if (r->wit) printf("world (WIT):\n%s", r->wit);
}

int cli_inspect(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(inspect_usage, stdout); return EXIT_OK; }
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-') { fprintf(stderr, "airssys-wasm inspect: unknown option '%s'\n", argv[i]); return EXIT_USAGE; }
        else if (!path) path = argv[i];
        else { fprintf(stderr, "airssys-wasm inspect: unexpected argument '%s'\n", argv[i]); return EXIT_USAGE; }
    }
    if (!path) { fputs(inspect_usage, stderr); return EXIT_USAGE; }
    uint8_t *data;
    size_t len;
    aw_err rc = cli_read_file(path, &data, &len);
    if (rc) return EXIT_LOAD;
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.max_instances = 4;
    cfg.workers = 1;
    aw_runtime *rt;
    if ((rc = aw_runtime_new(&cfg, &rt)) != AW_OK) {
        free(data);
        cli_error(rc, "cannot start the runtime");
        return EXIT_RUNTIME;
    }
    aw_inspect r;
    rc = aw_inspect_bytes(rt, data, len, &r);
    int code;
    if (rc == AW_OK) {
        if (json) print_json(path, &r);
        else print_text(path, &r);
        code = r.conforms ? EXIT_OK : EXIT_NONCONFORM;
    } else {
        if (json) print_json(path, &r);
        char what[4200];
        snprintf(what, sizeof what, "cannot inspect '%s'", path);
        cli_error(rc, what);
        code = EXIT_LOAD;
    }
    aw_inspect_free(&r);
    aw_runtime_free(rt);
    free(data);
    return code;
}
