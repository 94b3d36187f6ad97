/* guest_files.c - file host functions for core-module guests (module
 * "airssys"): file_read, file_write, file_list, file_stat, file_delete.
 *
 * Each resolves the guest's path to its canonical host path
 * (security/paths.c) and checks it against the component's file-read or
 * file-write grants before touching anything; opens use O_NOFOLLOW, so a
 * symlink swapped in after the check is refused too. Refusals are codes to
 * the guest and audit records; allowed writes and deletes are audited. */
#include "guest.h"

#include "../security/paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static wasm_trap_t *ret(wasmtime_val_t *res, int64_t v, bool wide)
{
    res[0].kind = wide ? WASMTIME_I64 : WASMTIME_I32;
    if (wide) res[0].of.i64 = v;
    else res[0].of.i32 = (int32_t)v;
    return NULL;
}

int32_t aw__file_code(aw_err e)
{
    return e == AW_ENOENT ? G_ENOENT : e == AW_ETOOBIG ? G_ETOOBIG : e == AW_EINVAL ? G_EINVAL
                                                                                    : G_EIO;
}

/* A guest's path (raw bytes), resolved to its canonical host path and
 * checked against the component's grants. 0, or a guest code (audited).
 * Shared with the WIT file functions (guest_wit_io.c). */
int32_t aw__file_authorize(aw_actor *self, const char *op, aw_cap_kind kind, bool must_exist,
                           const char *raw, size_t n, char canon[AW_PATH_MAX])
{
    if (n >= AW_PATH_MAX) {
        aw__audit_actor(self, op, "(over-long path)", "denied", "path longer than 4095 bytes");
        return G_ETOOBIG;
    }
    char shown[256];
    snprintf(shown, sizeof shown, "%.*s", (int)(n < 200 ? n : 200), raw);
    for (char *c = shown; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?';
    const char *why = NULL;
    aw_err e = aw_path_resolve(raw, n, must_exist, canon, &why);
    if (e) {
        aw__audit_actor(self, op, shown, "denied", why);
        return aw__file_code(e);
    }
    if (!aw_grants_allow(self->comp ? self->comp->grants : NULL, kind, canon)) {
        char reason[AW_PATH_MAX + 64];
        snprintf(reason, sizeof reason, "no %s grant matches %s", kind == AW_CAP_FILE_READ ? "file-read" : "file-write", canon);
        aw__audit_actor(self, op, shown, "denied", reason);
        aw__runtime_log(self->rt, AW_LOG_WARN, self->name, "denied: %s %s: %s", op, shown, reason);
        return G_EDENIED;
    }
    return 0;
}

/* The path argument of a core guest, authorized; a trap when its range is
 * outside guest memory. */
static wasm_trap_t *authorize(aw_guest *g, aw_actor *self, const char *fn, const char *op,
                              aw_cap_kind kind, bool must_exist, uint32_t p, uint32_t n,
                              char canon[AW_PATH_MAX], int32_t *code)
{
    wasm_trap_t *trap = NULL;
    *code = 0;
    if (n >= AW_PATH_MAX) {
        *code = aw__file_authorize(self, op, kind, must_exist, "", n, canon);
        return NULL;
    }
    const char *raw = (const char *)aw_guest_mem(g, fn, p, n, &trap);
    if (!raw) return trap;
    *code = aw__file_authorize(self, op, kind, must_exist, raw, n, canon);
    return NULL;
}

/* The common start of a path-taking call: the caller, its path resolved
 * and authorized. False when the call is over; *done is what it returns. */
typedef struct fcall {
    aw_guest *g;
    aw_actor *self;
    char canon[AW_PATH_MAX];
} fcall;

static bool fcall_begin(fcall *f, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                        wasmtime_val_t *res, const char *fn, const char *op, aw_cap_kind kind,
                        bool must_exist, bool wide, wasm_trap_t **done)
{
    f->self = self_of(caller, &f->g);
    int32_t code;
    *done = authorize(f->g, f->self, fn, op, kind, must_exist, u32(&args[0]), u32(&args[1]),
                      f->canon, &code);
    if (!*done && code) *done = ret(res, code, wide);
    return !*done && !code;
}

/* file_read(path, path_len, buf, cap) -> file size (bytes copied: min(size, cap)) | code */
static wasm_trap_t *g_file_read(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    fcall f;
    wasm_trap_t *trap;
    if (!fcall_begin(&f, caller, args, res, "airssys.file_read", "file-read", AW_CAP_FILE_READ, true, false,
                     &trap))
        return trap;
    aw_guest *g = f.g;
    const char *canon = f.canon;
    uint8_t *dst = aw_guest_mem(g, "airssys.file_read", u32(&args[2]), u32(&args[3]), &trap);
    if (!dst && u32(&args[3])) return trap;
    int fd = open(canon, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return ret(res, fd < 0 && errno == ENOENT ? G_ENOENT : G_EIO, false);
    }
    size_t want = (size_t)st.st_size < u32(&args[3]) ? (size_t)st.st_size : u32(&args[3]), got = 0;
    while (got < want) {
        ssize_t k = read(fd, dst + got, want - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    return ret(res, st.st_size > INT32_MAX ? G_ETOOBIG : (int32_t)st.st_size, false);
}

/* file_write(path, path_len, data, len) -> 0 | code (creates or replaces) */
static wasm_trap_t *g_file_write(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                 size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    fcall f;
    wasm_trap_t *trap;
    if (!fcall_begin(&f, caller, args, res, "airssys.file_write", "file-write", AW_CAP_FILE_WRITE, false, false,
                     &trap))
        return trap;
    aw_guest *g = f.g;
    aw_actor *self = f.self;
    const char *canon = f.canon;
    const uint8_t *data = aw_guest_mem(g, "airssys.file_write", u32(&args[2]), u32(&args[3]), &trap);
    if (!data && u32(&args[3])) return trap;
    int fd = open(canon, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        aw__audit_actor(self, "file-write", canon, "denied",
                        errno == ELOOP ? "the file is a symlink" : strerror(errno));
        return ret(res, errno == ELOOP ? G_EDENIED : G_EIO, false);
    }
    size_t done = 0, len = u32(&args[3]);
    while (done < len) {
        ssize_t k = write(fd, data + done, len - done);
        if (k <= 0) break;
        done += (size_t)k;
    }
    close(fd);
    char what[64];
    snprintf(what, sizeof what, "wrote %zu bytes", done);
    aw__audit_actor(self, "file-write", canon, "allowed", what);
    return ret(res, done == len ? 0 : G_EIO, false);
}

/* file_list(dir, dir_len, buf, cap) -> bytes of "name\n" lines (all of them;
 * copied up to cap) | code. Only entries the component may read are listed. */
static wasm_trap_t *g_file_list(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g;
    aw_actor *self = self_of(caller, &g);
    char canon[AW_PATH_MAX];
    const char *why = NULL;
    wasm_trap_t *trap = NULL;
    const char *raw = (const char *)aw_guest_mem(g, "airssys.file_list", u32(&args[0]), u32(&args[1]), &trap);
    if (!raw) return trap;
    aw_err e = aw_path_resolve(raw, u32(&args[1]), true, canon, &why);
    if (e) return ret(res, aw__file_code(e), false);
    uint8_t *dst = aw_guest_mem(g, "airssys.file_list", u32(&args[2]), u32(&args[3]), &trap);
    if (!dst && u32(&args[3])) return trap;
    DIR *d = opendir(canon);
    if (!d) return ret(res, errno == ENOENT ? G_ENOENT : G_EIO, false);
    size_t total = 0, cap = u32(&args[3]);
    const aw_grants *gr = self->comp ? self->comp->grants : NULL;
    for (struct dirent *de; (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char full[AW_PATH_MAX];
        if (snprintf(full, sizeof full, "%s/%s", strcmp(canon, "/") ? canon : "", de->d_name) >= (int)sizeof full) continue;
        if (!aw_grants_allow(gr, AW_CAP_FILE_READ, full)) continue;
        size_t n = strlen(de->d_name);
        if (total + n + 1 <= cap) {
            memcpy(dst + total, de->d_name, n);
            dst[total + n] = '\n';
        }
        total += n + 1;
    }
    closedir(d);
    return ret(res, total > INT32_MAX ? G_ETOOBIG : (int32_t)total, false);
}

/* file_stat(path, path_len) -> i64: the size, with bit 62 set for a
 * directory | code */
static wasm_trap_t *g_file_stat(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    fcall f;
    wasm_trap_t *trap;
    if (!fcall_begin(&f, caller, args, res, "airssys.file_stat", "file-stat", AW_CAP_FILE_READ, true, true,
                     &trap))
        return trap;
    const char *canon = f.canon;
    struct stat st;
    if (stat(canon, &st)) return ret(res, errno == ENOENT ? G_ENOENT : G_EIO, true);
    int64_t v = (int64_t)st.st_size & ((1ll << 62) - 1);
    return ret(res, S_ISDIR(st.st_mode) ? v | (1ll << 62) : v, true);
}

/* file_delete(path, path_len) -> 0 | code */
static wasm_trap_t *g_file_delete(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                                  size_t nargs, wasmtime_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    fcall f;
    wasm_trap_t *trap;
    if (!fcall_begin(&f, caller, args, res, "airssys.file_delete", "file-delete", AW_CAP_FILE_WRITE, true, false,
                     &trap))
        return trap;
    aw_actor *self = f.self;
    const char *canon = f.canon;
    if (unlink(canon)) return ret(res, errno == ENOENT ? G_ENOENT : G_EIO, false);
    aw__audit_actor(self, "file-delete", canon, "allowed", "deleted");
    return ret(res, 0, false);
}

aw_err aw__guest_files_define(aw_runtime *rt)
{
    static const aw_host_func fns[] = {
        {"airssys", "file_read", "iiii", "i", g_file_read, NULL, NULL},
        {"airssys", "file_write", "iiii", "i", g_file_write, NULL, NULL},
        {"airssys", "file_list", "iiii", "i", g_file_list, NULL, NULL},
        {"airssys", "file_stat", "ii", "I", g_file_stat, NULL, NULL},
        {"airssys", "file_delete", "ii", "i", g_file_delete, NULL, NULL},
    };
    return aw_engine_define(rt->engine, fns, sizeof fns / sizeof *fns);
}
