/* test_cache.c - the on-disk compilation cache a redeploy relies on:
 * entries are filed under the engine's exact version and keyed by the
 * engine's settings, and a damaged entry is rejected and rebuilt, never
 * loaded. */
#include "testlib.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[128];

static aw_err load_with(const char *path, uint64_t fuel)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.cache_dir = dir;
    cfg.max_instances = 8;
    cfg.fuel = fuel;  /* fuel metering changes the compiled code */
    aw_runtime *rt;
    if (aw_runtime_new(&cfg, &rt)) return AW_EENGINE;
    aw_component *c;
    aw_err e = aw_component_load_file(rt, path, &c);
    if (!e) {
        e = aw_spawn(rt, &(aw_actor_spec){.name = "x", .component = c});
        aw_reply r;
        if (!e) e = aw_request(rt, "x", "hello", 5, 5000, &r);
        if (!e) aw_reply_free(&r);
        aw_component_release(c);
    }
    aw_runtime_free(rt);
    return e;
}

/* The engine's version directory under modules/ (one, named wasmtime-48.*). */
static bool version_dir(char *out, size_t cap)
{
    char d[256];
    snprintf(d, sizeof d, "%s/modules", dir);
    DIR *dd = opendir(d);
    int n = 0;
    for (struct dirent *e; dd && (e = readdir(dd));)
        if (e->d_name[0] != '.') {
            n++;
            snprintf(out, cap, "%s", e->d_name);
        }
    if (dd) closedir(dd);
    return n == 1 && !strncmp(out, "wasmtime-48.", 12);
}

/* The cache entries (not .stats) under modules/<version>/, paths in out. */
static int entries(const char *version, char out[4][1024])
{
    char d[384];
    snprintf(d, sizeof d, "%s/modules/%s", dir, version);
    DIR *dd = opendir(d);
    int n = 0;
    for (struct dirent *e; dd && (e = readdir(dd));)
        if (e->d_name[0] != '.' && !strstr(e->d_name, ".stats") && n < 4)
            snprintf(out[n++], 1024, "%s/%s", d, e->d_name);
    if (dd) closedir(dd);
    return n;
}

static void cache_entries_are_checked(void)
{
    snprintf(dir, sizeof dir, "/tmp/aw-cache-%d", (int)getpid());
    const char *path = tl_guest_path("echo");  /* static buffer */
    CHECK_ERR(load_with(path, 0), AW_OK);
    char e1[4][1024], e2[4][1024], ver[256] = "";
    /* filed under the engine's exact version: another version never sees it */
    CHECKF(version_dir(ver, sizeof ver), "version directory '%s'", ver);
    int n = entries(ver, e1);
    CHECKF(n == 1, "%d entries after one load", n);
    /* different engine settings: another key, another entry */
    CHECK_ERR(load_with(path, 1000000), AW_OK);
    CHECK(entries(ver, e2) == 2);
    /* a damaged entry is rejected and rebuilt, never loaded */
    FILE *f = fopen(e1[0], "r+b");
    REQUIRE(f);
    for (int i = 0; i < 4096; i++) fputc('X', f);
    fclose(f);
    CHECK_ERR(load_with(path, 0), AW_OK);  /* loads, and the guest answers */
    f = fopen(e1[0], "rb");
    REQUIRE(f);
    char head[16] = "";
    CHECK(fread(head, 1, sizeof head, f) == sizeof head);
    fclose(f);
    CHECK(memcmp(head, "XXXXXXXXXXXXXXXX", 16) != 0);  /* rewritten */

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(cache_entries_are_checked);
    return tl_finish();
}
