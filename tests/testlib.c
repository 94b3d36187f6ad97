/* testlib.c - see testlib.h. */
#include "testlib.h"

#include <stdarg.h>
#include <stdlib.h>

int tl_passed, tl_failed;

int tl_check(int ok, const char *what, const char *file, int line, const char *extra)
{
    if (ok) { tl_passed++; return 1; }
    tl_failed++;
    fprintf(stderr, "FAIL %s:%d: %s%s%s\n", file, line, what, extra ? ": " : "", extra ? extra : "");
    return 0;
}

int tl_checkf(int ok, const char *what, const char *file, int line, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return tl_check(ok, what, file, line, buf);
}

int tl_check_err(aw_err got, aw_err want, const char *what, const char *file, int line)
{
    char buf[1400];
    snprintf(buf, sizeof buf, "got %s, want %s (detail: %s)", aw_err_name(got), aw_err_name(want),
             aw_last_error());
    return tl_check(got == want, what, file, line, buf);
}

int tl_check_contains(const char *hay, const char *needle, const char *file, int line)
{
    char buf[1400];
    snprintf(buf, sizeof buf, "'%s' not found in '%s'", needle, hay ? hay : "(null)");
    return tl_check(hay && strstr(hay, needle), "contains", file, line, buf);
}

int tl_finish(void)
{
    printf("%d passed, %d failed\n", tl_passed, tl_failed);
    return tl_failed ? 1 : 0;
}

static void quiet_log(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                      const char *msg, size_t len)
{
    (void)ud; (void)src;
    if (getenv("AW_TEST_VERBOSE"))
        fprintf(stderr, "  [log %d] %s: %.*s\n", (int)lvl, actor ? actor : "-", (int)len, msg);
}

aw_runtime *tl_runtime(unsigned workers, uint32_t max_instances)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = workers;
    cfg.max_instances = max_instances;
    cfg.log = quiet_log;
    cfg.log_level = AW_LOG_TRACE;
    aw_runtime *rt = NULL;
    aw_err e = aw_runtime_new(&cfg, &rt);
    if (e) {
        fprintf(stderr, "cannot create runtime: %s: %s\n", aw_err_name(e), aw_last_error());
        exit(2);
    }
    return rt;
}

char *tl_guest_path(const char *guest)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", AW_GUEST_DIR, guest);
    return path;
}

aw_component *tl_load(aw_runtime *rt, const char *guest) { return tl_load_granted(rt, guest, NULL); }

aw_component *tl_load_granted(aw_runtime *rt, const char *guest, const char *grant)
{
    aw_component *c = NULL;
    aw_load_options o = {.grants = &grant, .n_grants = grant ? 1 : 0};
    aw_err e = aw_component_load_file_opts(rt, tl_guest_path(guest), &o, &c);
    if (e) {
        fprintf(stderr, "cannot load guest %s: %s: %s\n", guest, aw_err_name(e), aw_last_error());
        exit(2);
    }
    return c;
}

uint8_t *tl_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
    if (buf) buf[*len] = 0;  /* also usable as a string */
    fclose(f);
    return buf;
}
