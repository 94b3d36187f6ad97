/* wasi_lite.c - the slice of wasi_snapshot_preview1 that a C guest's libc
 * needs for formatting, stdio, clocks and randomness, and nothing more.
 *
 * wasi-libc pulls in fd_write/fd_seek/fd_close as soon as a guest uses
 * snprintf or printf, and asks fd_prestat_get for preopens at start-up. We
 * answer those ourselves instead of linking Wasmtime's WASI: no files, no
 * environment, no arguments, no sockets. stdout and stderr become log lines
 * of the actor (info and warn). Everything else in WASI fails to link with a
 * message saying so. File access goes through airssys.file_* and the
 * grants, or through full WASI preview 1 for a component loaded with it. */
#include "../engine/engine.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WASI_ESUCCESS 0
#define WASI_EBADF 8
#define WASI_EINVAL 28
#define WASI_ENOSYS 52
#define WASI_ESPIPE 70
#define WASI_FILETYPE_CHARACTER_DEVICE 2

#define HOSTFN(name)                                                                              \
    static wasm_trap_t *name(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,   \
                             size_t nargs, wasmtime_val_t *res, size_t nres)

static wasm_trap_t *ret(wasmtime_val_t *res, int32_t code)
{
    res[0].kind = WASMTIME_I32;
    res[0].of.i32 = code;
    return NULL;
}

static uint32_t u32(const wasmtime_val_t *a) { return (uint32_t)a->of.i32; }

HOSTFN(fd_write)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g = aw_caller_guest(caller);
    uint32_t fd = u32(&args[0]), iovs = u32(&args[1]), n = u32(&args[2]), out = u32(&args[3]);
    if (fd != 1 && fd != 2) return ret(res, WASI_EBADF);
    wasm_trap_t *trap = NULL;
    if (n > 1024) return ret(res, WASI_EINVAL);
    uint8_t *vec = aw_guest_mem(g, "wasi fd_write", iovs, n * 8, &trap);
    if (!vec) return trap;
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p, len;
        memcpy(&p, vec + i * 8, 4);
        memcpy(&len, vec + i * 8 + 4, 4);
        const uint8_t *data = aw_guest_mem(g, "wasi fd_write", p, len, &trap);
        if (!data) return trap;
        size_t l = len;
        while (l && data[l - 1] == '\n') l--;  /* the log adds its own line end */
        if (l) aw_guest_log(g, fd == 1 ? AW_LOG_INFO : AW_LOG_WARN, (const char *)data, l);
        total += len;
        vec = aw_guest_mem(g, "wasi fd_write", iovs, n * 8, &trap);  /* logging ran host code */
        if (!vec) return trap;
    }
    uint8_t *o = aw_guest_mem(g, "wasi fd_write", out, 4, &trap);
    if (!o) return trap;
    memcpy(o, &total, 4);
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(fd_fdstat_get)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    uint32_t fd = u32(&args[0]);
    if (fd != 1 && fd != 2) return ret(res, WASI_EBADF);
    wasm_trap_t *trap = NULL;
    uint8_t *p = aw_guest_mem(aw_caller_guest(caller), "wasi fd_fdstat_get", u32(&args[1]), 24, &trap);
    if (!p) return trap;
    memset(p, 0, 24);
    p[0] = WASI_FILETYPE_CHARACTER_DEVICE;  /* line-buffered stdio in the guest */
    uint64_t rights = 1u << 6;              /* fd_write */
    memcpy(p + 8, &rights, 8);
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(fd_badf)  /* fd_close, fd_prestat_get, fd_read: no such descriptors */
{
    AW_UNUSED(env); AW_UNUSED(caller); AW_UNUSED(args); AW_UNUSED(nargs); AW_UNUSED(nres);
    return ret(res, WASI_EBADF);
}

HOSTFN(fd_seek)
{
    AW_UNUSED(env); AW_UNUSED(caller); AW_UNUSED(nargs); AW_UNUSED(nres);
    return ret(res, u32(&args[0]) <= 2 ? WASI_ESPIPE : WASI_EBADF);
}

/* environ_sizes_get / args_sizes_get: zero entries, zero bytes. */
HOSTFN(sizes_zero)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    aw_guest *g = aw_caller_guest(caller);
    wasm_trap_t *trap = NULL;
    uint8_t *a = aw_guest_mem(g, "wasi sizes_get", u32(&args[0]), 4, &trap);
    if (!a) return trap;
    memset(a, 0, 4);
    uint8_t *b = aw_guest_mem(g, "wasi sizes_get", u32(&args[1]), 4, &trap);
    if (!b) return trap;
    memset(b, 0, 4);
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(list_empty)  /* environ_get / args_get with nothing to copy */
{
    AW_UNUSED(env); AW_UNUSED(caller); AW_UNUSED(args); AW_UNUSED(nargs); AW_UNUSED(nres);
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(clock_time_get)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    uint32_t id = u32(&args[0]);
    struct timespec ts;
    clockid_t cid = id == 0 ? CLOCK_REALTIME : id == 1 ? CLOCK_MONOTONIC : (clockid_t)-1;
    if (cid == (clockid_t)-1 || clock_gettime(cid, &ts) != 0) return ret(res, WASI_EINVAL);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    wasm_trap_t *trap = NULL;
    uint8_t *p = aw_guest_mem(aw_caller_guest(caller), "wasi clock_time_get", u32(&args[2]), 8, &trap);
    if (!p) return trap;
    memcpy(p, &ns, 8);
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(random_get)
{
    AW_UNUSED(env); AW_UNUSED(nargs); AW_UNUSED(nres);
    uint32_t len = u32(&args[1]);
    wasm_trap_t *trap = NULL;
    uint8_t *p = aw_guest_mem(aw_caller_guest(caller), "wasi random_get", u32(&args[0]), len, &trap);
    if (!p) return trap;
    for (uint32_t done = 0; done < len;) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n <= 0) return ret(res, WASI_ENOSYS);
        done += (uint32_t)n;
    }
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(sched_yield_)
{
    AW_UNUSED(env); AW_UNUSED(caller); AW_UNUSED(args); AW_UNUSED(nargs); AW_UNUSED(nres);
    return ret(res, WASI_ESUCCESS);
}

HOSTFN(proc_exit)
{
    AW_UNUSED(env); AW_UNUSED(caller); AW_UNUSED(nargs); AW_UNUSED(res); AW_UNUSED(nres);
    char msg[96];
    int n = snprintf(msg, sizeof msg, "airssys: guest called exit(%d)", args[0].of.i32);
    return wasmtime_trap_new(msg, (size_t)n);
}

aw_err aw_host_define_wasi_lite(aw_engine *e)
{
    static const char W[] = "wasi_snapshot_preview1";
    static const aw_host_func fns[] = {
        {W, "fd_write", "iiii", "i", fd_write},
        {W, "fd_fdstat_get", "ii", "i", fd_fdstat_get},
        {W, "fd_close", "i", "i", fd_badf},
        {W, "fd_prestat_get", "ii", "i", fd_badf},
        {W, "fd_prestat_dir_name", "iii", "i", fd_badf},
        {W, "fd_read", "iiii", "i", fd_badf},
        {W, "fd_seek", "iIii", "i", fd_seek},
        {W, "environ_sizes_get", "ii", "i", sizes_zero},
        {W, "environ_get", "ii", "i", list_empty},
        {W, "args_sizes_get", "ii", "i", sizes_zero},
        {W, "args_get", "ii", "i", list_empty},
        {W, "clock_time_get", "iIi", "i", clock_time_get},
        {W, "random_get", "ii", "i", random_get},
        {W, "sched_yield", "", "i", sched_yield_},
        {W, "proc_exit", "i", "", proc_exit},
    };
    return aw_engine_define(e, fns, sizeof fns / sizeof *fns);
}
