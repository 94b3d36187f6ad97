/* project.c - `airssys-wasm new` and `airssys-wasm build`: start a guest
 * project from a template and build it with its language's toolchain.
 *
 * `new` copies templates/<lang>/ and the WIT package into <name>/, so the
 * project builds on its own; `build` runs the project's build.sh, which
 * drives the toolchains scripts/install-guest-tools.sh installs (pinned, in
 * ~/.cache/airssys-wasm/guest-tools or $AW_GUEST_TOOLS). Templates and WIT
 * come from $AIRSSYS_SHARE, else the install's share/airssys-wasm, else the
 * source tree this binary was built from. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char new_usage[] =
    "usage: airssys-wasm new <name> --lang c|js|py\n"
    "  creates ./<name>/ from the language's template (an actor that answers\n"
    "  requests with a greeting) plus the WIT package; then: airssys-wasm build <name>\n";

static const char build_usage[] =
    "usage: airssys-wasm build [dir]\n"
    "  builds the component of the project in dir (default .) with its build.sh;\n"
    "  prints the path of the .component.wasm it made\n";

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where templates/ and wit/ are: $AIRSSYS_SHARE, <exe>/../share/airssys-wasm,
 * then the source tree. */
static bool share_dir(char out[PATH_MAX + 64], size_t cap)
{
    const char *env = getenv("AIRSSYS_SHARE");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return is_dir(out);
    }
    char exe[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        snprintf(out, cap, "%s/../share/airssys-wasm", exe);
        char t[PATH_MAX + 128];
        snprintf(t, sizeof t, "%s/templates", out);
        if (is_dir(t)) return true;
    }
    snprintf(out, cap, "%s", AW_SOURCE_DIR);
    return is_dir(out);
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    if (!out) {
        fprintf(stderr, "airssys-wasm new: cannot copy '%s' to '%s': %s\n", from, to, strerror(errno));
        if (in) fclose(in);
        return -1;
    }
    char buf[8192];
    for (size_t k; (k = fread(buf, 1, sizeof buf, in)) > 0;) fwrite(buf, 1, k, out);
    struct stat st;
    if (fstat(fileno(in), &st) == 0) fchmod(fileno(out), st.st_mode & 0777);
    fclose(in);
    return fclose(out) == 0 ? 0 : -1;
}

/* Regular files of `from` into `to` (one level: templates are flat). */
static int copy_dir(const char *from, const char *to)
{
    DIR *d = opendir(from);
    if (!d) {
        fprintf(stderr, "airssys-wasm new: cannot read '%s': %s\n", from, strerror(errno));
        return -1;
    }
    if (mkdir(to, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "airssys-wasm new: cannot create '%s': %s\n", to, strerror(errno));
        closedir(d);
        return -1;
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        char a[PATH_MAX], b[PATH_MAX];
        if (e->d_name[0] == '.' || strstr(e->d_name, ".component.wasm")) continue;
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        struct stat st;
        if (stat(a, &st) == 0 && S_ISREG(st.st_mode)) rc = copy_file(a, b);
    }
    closedir(d);
    return rc;
}

int cli_new(int argc, char **argv)
{
    const char *name = NULL, *lang = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(new_usage, stdout); return EXIT_OK; }
        if (!strcmp(argv[i], "--lang") && i + 1 < argc) lang = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "airssys-wasm new: unknown option '%s'\n%s", argv[i], new_usage);
            return EXIT_USAGE;
        } else if (!name) name = argv[i];
        else { fprintf(stderr, "airssys-wasm new: unexpected argument '%s'\n", argv[i]); return EXIT_USAGE; }
    }
    if (!name || !lang) { fputs(new_usage, stderr); return EXIT_USAGE; }
    if (strcmp(lang, "c") && strcmp(lang, "js") && strcmp(lang, "py")) {
        fprintf(stderr, "airssys-wasm new: unknown language '%s' (c, js or py)\n", lang);
        return EXIT_USAGE;
    }
    if (strchr(name, '/') || !*name || name[0] == '.') {
        fprintf(stderr, "airssys-wasm new: '%s' is not a plain directory name\n", name);
        return EXIT_USAGE;
    }
    struct stat st;
    if (stat(name, &st) == 0) {
        fprintf(stderr, "airssys-wasm new: '%s' already exists\n", name);
        return EXIT_USAGE;
    }
    char share[PATH_MAX + 64], from[PATH_MAX + 128], to[PATH_MAX + 128];
    if (!share_dir(share, sizeof share)) {
        fprintf(stderr, "airssys-wasm new: templates not found (set AIRSSYS_SHARE)\n");
        return EXIT_RUNTIME;
    }
    snprintf(from, sizeof from, "%s/templates/%s", share, lang);
    if (copy_dir(from, name) != 0) return EXIT_RUNTIME;
    snprintf(from, sizeof from, "%s/wit", share);
    snprintf(to, sizeof to, "%s/wit", name);
    if (copy_dir(from, to) != 0) return EXIT_RUNTIME;
    printf("created %s/ (%s actor, world airssys:component/actor-component)\n"
           "next: airssys-wasm build %s\n", name, lang, name);
    return EXIT_OK;
}

int cli_build(int argc, char **argv)
{
    const char *dir = ".";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(build_usage, stdout); return EXIT_OK; }
        if (argv[i][0] == '-') { fprintf(stderr, "airssys-wasm build: unknown option '%s'\n", argv[i]); return EXIT_USAGE; }
        dir = argv[i];
    }
    char script[PATH_MAX + 16];
    snprintf(script, sizeof script, "%s/build.sh", dir);
    if (access(script, X_OK) != 0) {
        fprintf(stderr, "airssys-wasm build: no executable build.sh in '%s' (made by airssys-wasm new?)\n", dir);
        return EXIT_USAGE;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);  /* the tools' chatter; stdout is the result */
        execl(script, script, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "airssys-wasm build: %s failed\n", script);
        return EXIT_LOAD;
    }
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".component.wasm")) printf("%s/%s\n", dir, e->d_name);
    if (d) closedir(d);
    return EXIT_OK;
}
