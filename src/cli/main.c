/* main.c - airssys-wasm: command dispatch, help, version, exit-code policy. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: airssys-wasm <command> [options]\n"
    "\n"
    "commands:\n"
    "  run <guest.wasm> [--send MSG]...   start the guest as an actor, send each MSG as a\n"
    "                                     request and print the replies (stdin lines if no --send)\n"
    "  inspect <guest.wasm> [--json]      format, imports, exports and guest-ABI conformance\n"
    "  new <name> --lang c|js|py          a WIT component project from a template\n"
    "  build [dir]                        build a project's component (its build.sh)\n"
    "  validate <manifest.yaml> [--json]  check a manifest; every problem with its line\n"
    "  up <manifest.yaml>                 run a host from a manifest, with an admin socket\n"
    "\n"
    "against a running host (admin socket; see `airssys-wasm help <command>`):\n"
    "  ps                                 actors: state, restarts, mailbox, memory; pipelines\n"
    "  send | request <actor> <message>   send (or ask and print the reply)\n"
    "  publish <topic> <message>          deliver to the topic's subscribers\n"
    "  deploy <name> <file.wasm>          load a component (and --spawn an actor of it)\n"
    "  undeploy <name>                    stop a component's actors and unload it\n"
    "  upgrade <actor> <component|file>   replace an actor's code in place\n"
    "  route create|set|remove-version|ls weighted routes: blue-green, canary, drain\n"
    "  stop <actor>                       stop an actor (or terminate a supervised child)\n"
    "  logs [-f]                          guest, runtime and audit lines\n"
    "  down                               shut the host down\n"
    "  version                            print versions\n"
    "  help [command]                     this text, or a command's options\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 load error, 3 guest failed, 4 does not conform, 5 runtime,\n"
    "            6 manifest invalid, 7 no host on the admin socket\n";

int cli_exit_for(aw_err e)
{
    switch (e) {
    case AW_OK: return EXIT_OK;
    case AW_EINVAL: return EXIT_USAGE;
    case AW_ENOENT: case AW_EIO: case AW_EFORMAT: case AW_EABI: case AW_ELINK: case AW_ENOTSUP:
        return EXIT_LOAD;
    case AW_ETRAP: case AW_EDEADLINE: case AW_EGUEST: case AW_ETIMEDOUT: case AW_ESTOPPED:
    case AW_ETOOBIG: case AW_EFULL: case AW_ELIMIT:
        return EXIT_GUEST;
    default: return EXIT_RUNTIME;
    }
}

void cli_error(aw_err e, const char *what)
{
    const char *detail = aw_last_error();
    fprintf(stderr, "airssys-wasm: %s: %s (%s)%s%s\n", what, aw_strerror(e), aw_err_name(e),
            *detail ? "\n  " : "", detail);
}

void cli_json_str(FILE *f, const void *s, size_t n, bool bytes)
{
    const unsigned char *p = s;
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20 || (bytes && c >= 0x7f)) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

aw_err cli_read_file(const char *path, uint8_t **data, size_t *len)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "airssys-wasm: cannot open '%s': %s\n", path, strerror(errno));
        return errno == ENOENT ? AW_ENOENT : AW_EIO;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "airssys-wasm: '%s' is not a regular file\n", path);
        fclose(f);
        return AW_EIO;
    }
    *data = malloc(st.st_size ? (size_t)st.st_size : 1);
    *len = *data ? fread(*data, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!*data || *len != (size_t)st.st_size) {
        fprintf(stderr, "airssys-wasm: cannot read '%s'\n", path);
        free(*data);
        return AW_EIO;
    }
    return AW_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc >= 3 && !strcmp(argv[1], "help")) {
            char *sub[] = {argv[2], "--help", NULL};
            if (!strcmp(argv[2], "run")) return cli_run(2, sub);
            if (!strcmp(argv[2], "inspect")) return cli_inspect(2, sub);
            if (!strcmp(argv[2], "new")) return cli_new(2, sub);
            if (!strcmp(argv[2], "build")) return cli_build(2, sub);
            if (!strcmp(argv[2], "up")) return cli_up(2, sub);
            if (!strcmp(argv[2], "validate")) return cli_validate(2, sub);
            int code = cli_ctl(2, sub);
            if (code >= 0) return code;
        }
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "run")) return cli_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect")) return cli_inspect(argc - 1, argv + 1);
    if (!strcmp(argv[1], "new")) return cli_new(argc - 1, argv + 1);
    if (!strcmp(argv[1], "build")) return cli_build(argc - 1, argv + 1);
    if (!strcmp(argv[1], "up")) return cli_up(argc - 1, argv + 1);
    if (!strcmp(argv[1], "validate")) return cli_validate(argc - 1, argv + 1);
    int code = cli_ctl(argc - 1, argv + 1);
    if (code >= 0) return code;
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("airssys-wasm %d.%d.%d (guest ABI v%d, wasmtime 48)\n", AW_VERSION_MAJOR,
               AW_VERSION_MINOR, AW_VERSION_PATCH, AW_GUEST_ABI_VERSION);
        return EXIT_OK;
    }
    fprintf(stderr, "airssys-wasm: unknown command '%s'\n\n%s", argv[1], usage);
    return EXIT_USAGE;
}
