/* inspect.c - `airssys-wasm inspect`: what a guest is and whether it can run. */
#include "cli.h"

#include <string.h>

static const char inspect_usage[] =
    "usage: airssys-wasm inspect <guest.wasm> [--json]\n"
    "  prints the format (core module / component), imports, exports and whether the\n"
    "  guest conforms to guest ABI v0, listing every problem when it does not.\n"
    "  exit: 0 conforms, 4 does not conform, 2 unreadable or not WebAssembly\n";

static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

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
    puts("}");
}

static void print_text(const char *path, const aw_inspect *r)
{
    printf("file:     %s (%zu bytes)\n", path, r->size);
    printf("format:   %s\n", aw_format_name(r->format));
    if (r->abi_version >= 0) printf("abi:      v%d (host speaks v%d)\n", r->abi_version, AW_GUEST_ABI_VERSION);
    else printf("abi:      no aw_abi_v<N> marker\n");
    printf("conforms: %s\n", r->conforms ? "yes, loadable as an actor" : "NO");
    if (!r->conforms && r->problems) {
        const char *p = r->problems;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            printf("  - %.*s\n", n, p);
            p += n + (nl ? 1 : 0);
        }
    }
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
