/* engine.c - one Wasmtime engine per runtime, its epoch ticker, and the
 * format-neutral entry points (compile, run-to-completion, failure decoding).
 *
 * The engine is configured once: pooling allocator sized by max_instances so
 * that instantiation is a slot hand-out, epoch interruption so a guest can be
 * time-sliced and given a CPU deadline, and the on-disk compilation cache.
 * Wasmtime aborts the process on a bad engine config, so every size is
 * checked here first and a bad one is an AW_EINVAL, never an abort.
 *
 * The epoch ticker is a thread that bumps the epoch every millisecond while
 * at least one guest call is in flight and sleeps otherwise, so an idle
 * runtime costs no CPU. */
#include "engine.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 1000000L  /* one epoch tick = 1 ms */
#define IDLE_LINGER_TICKS 50

struct aw_engine {
    wasm_engine_t *wasm;
    wasmtime_linker_t *linker;
    wasmtime_linker_t *wasi_linker;
    uint64_t max_memory;
    uint64_t fuel;
    uint32_t slice_ticks;

    pthread_t ticker;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_int active;      /* guest calls in flight */
    atomic_bool sleeping;   /* ticker is waiting on `wake` */
    bool stop;

    aw_host_func *hosts;    /* every function guests may import */
    size_t n_hosts;

    /* WIT components: our interfaces, and the same plus WASI preview 2 */
    wasmtime_component_linker_t *wit_linker;
    wasmtime_component_linker_t *wit_wasi_linker;
    aw_wit_func *wits;
    size_t n_wits;
};

const char *aw_call_kind_name(aw_call_kind k)
{
    static const char *const names[] = {"init", "start", "message", "stop", "snapshot", "restore"};
    return (unsigned)k < 6 ? names[k] : "?";
}

void aw_call_result_clear(aw_call_result *r)
{
    free(r->reply);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

char *aw_status_detail(const char *who, const char *fn, int32_t status, const uint8_t *reply,
                       size_t len)
{
    return aw__strfmt("%s: %s returned status %d%s%.*s", who, fn, status, len ? ": " : "",
                      (int)(len > 512 ? 512 : len), reply ? (const char *)reply : "");
}

wasm_engine_t *aw_engine_wasm(aw_engine *e) { return e->wasm; }
const wasmtime_linker_t *aw_engine_linker(const aw_engine *e) { return e->linker; }
const wasmtime_linker_t *aw_engine_wasi_linker(const aw_engine *e) { return e->wasi_linker; }
uint64_t aw_engine_max_memory(const aw_engine *e) { return e->max_memory; }
uint32_t aw_engine_slice_ticks(const aw_engine *e) { return e->slice_ticks; }
uint64_t aw_engine_fuel(const aw_engine *e) { return e->fuel; }

static void *ticker_main(void *arg)
{
    aw_engine *e = arg;
    int idle = 0;
    pthread_mutex_lock(&e->lock);
    while (!e->stop) {
        if (atomic_load(&e->active) == 0 && ++idle > IDLE_LINGER_TICKS) {
            atomic_store(&e->sleeping, true);
            while (!e->stop && atomic_load(&e->active) == 0)
                pthread_cond_wait(&e->wake, &e->lock);
            atomic_store(&e->sleeping, false);
            idle = 0;
            continue;
        }
        if (atomic_load(&e->active) > 0) idle = 0;
        pthread_mutex_unlock(&e->lock);
        struct timespec ts = {0, TICK_NS};
        nanosleep(&ts, NULL);
        wasmtime_engine_increment_epoch(e->wasm);
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

void aw_engine_active_inc(aw_engine *e)
{
    if (atomic_fetch_add(&e->active, 1) == 0 && atomic_load(&e->sleeping)) {
        pthread_mutex_lock(&e->lock);
        pthread_cond_signal(&e->wake);
        pthread_mutex_unlock(&e->lock);
    }
}

void aw_engine_active_dec(aw_engine *e) { atomic_fetch_sub(&e->active, 1); }

/* Reject sizes that would make Wasmtime abort in Engine::new. */
static aw_err check_config(const aw_engine_config *c)
{
    if (c->max_instances < 1 || c->max_instances > 1000000)
        return aw__fail(AW_EINVAL, "runtime config: max_instances=%u is outside 1..1000000",
                        c->max_instances);
    if (c->max_memory_bytes < 65536 || c->max_memory_bytes > (4ull << 30))
        return aw__fail(AW_EINVAL,
                        "runtime config: max_memory_bytes=%llu is outside 64 KiB..4 GiB",
                        (unsigned long long)c->max_memory_bytes);
    if (c->max_wasm_stack && (c->max_wasm_stack < (64u << 10) || c->max_wasm_stack > (768u << 10)))
        return aw__fail(AW_EINVAL, "runtime config: max_wasm_stack=%u is outside 64..768 KiB "
                        "(it must stay below the 1 MiB fiber stack)", c->max_wasm_stack);
    if (c->time_slice_ms < 1 || c->time_slice_ms > 10000)
        return aw__fail(AW_EINVAL, "runtime config: time_slice_ms=%u is outside 1..10000",
                        c->time_slice_ms);
    /* Virtual address space the pool reserves up front. */
    unsigned long long slot = ((c->max_memory_bytes + 65535) & ~65535ull) + 65536;
    unsigned long long total = slot * c->max_instances + (unsigned long long)c->max_instances * (2u << 20);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && total > rl.rlim_cur / 2)
        return aw__fail(AW_EINVAL,
                        "runtime config: %u instances x %llu bytes need %llu bytes of address "
                        "space, more than half of RLIMIT_AS (%llu); lower max_instances or "
                        "max_memory_bytes",
                        c->max_instances, (unsigned long long)c->max_memory_bytes, total,
                        (unsigned long long)rl.rlim_cur);
    if (total > (64ull << 40))
        return aw__fail(AW_EINVAL, "runtime config: pool needs %llu bytes of address space "
                        "(limit 64 TiB); lower max_instances or max_memory_bytes", total);
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    unsigned long maps = 0;
    if (f) {
        if (fscanf(f, "%lu", &maps) != 1) maps = 0;
        fclose(f);
    }
    if (maps && (unsigned long)c->max_instances * 3 + 4096 > maps)
        return aw__fail(AW_EINVAL,
                        "runtime config: %u instances need about %lu memory mappings but "
                        "vm.max_map_count is %lu; raise it (sysctl vm.max_map_count=%lu) or "
                        "lower max_instances",
                        c->max_instances, (unsigned long)c->max_instances * 3 + 4096, maps,
                        (unsigned long)c->max_instances * 4 + 65536);
    return AW_OK;
}

static int mkdir_p(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Point Wasmtime's compilation cache at our directory via a generated TOML. */
static aw_err setup_cache(wasm_config_t *wc, const char *dir_in)
{
    char dir[3072], toml[3200];
    if (dir_in) {
        snprintf(dir, sizeof dir, "%s", dir_in);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/airssys-wasm/code", xdg);
        else if (home && *home) snprintf(dir, sizeof dir, "%s/.cache/airssys-wasm/code", home);
        else snprintf(dir, sizeof dir, "/tmp/airssys-wasm-%d/code", (int)getuid());
    }
    if (dir[0] != '/')
        return aw__fail(AW_EINVAL, "cache_dir '%s' must be an absolute path", dir);
    if (strpbrk(dir, "\"\\\n"))
        return aw__fail(AW_EINVAL, "cache_dir '%s' contains a quote, backslash or newline", dir);
    if (mkdir_p(dir) != 0)
        return aw__fail(AW_EIO, "cannot create cache directory '%s': %s", dir, strerror(errno));
    /* Write-then-rename: runtimes starting in parallel never read half a file. */
    char tmp[3300];
    snprintf(toml, sizeof toml, "%s/cache-config.toml", dir);
    snprintf(tmp, sizeof tmp, "%s.%d.%p", toml, (int)getpid(), (void *)wc);
    FILE *f = fopen(tmp, "w");
    if (!f) return aw__fail(AW_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    fprintf(f, "[cache]\ndirectory = \"%s\"\n", dir);
    if (fclose(f) != 0 || rename(tmp, toml) != 0) {
        unlink(tmp);
        return aw__fail(AW_EIO, "cannot write '%s': %s", toml, strerror(errno));
    }
    wasmtime_error_t *err = wasmtime_config_cache_config_load(wc, toml);
    if (err) {
        char *msg = aw_core_error_text(err);
        aw__fail(AW_EIO, "cannot enable the compilation cache in '%s': %s", dir, msg ? msg : "?");
        free(msg);
        return AW_EIO;
    }
    return AW_OK;
}

static wasm_config_t *make_config(const aw_engine_config *c)
{
    wasm_config_t *wc = wasm_config_new();
    uint64_t reserve = (c->max_memory_bytes + 65535) & ~65535ull;
    wasmtime_config_epoch_interruption_set(wc, true);
    /* Fuel metering costs every guest some speed, so only when a budget is set. */
    if (c->fuel) wasmtime_config_consume_fuel_set(wc, true);
    wasmtime_config_memory_reservation_set(wc, reserve);
    wasmtime_config_memory_guard_size_set(wc, reserve >= (4ull << 30) ? (32u << 20) : 65536);
    wasmtime_config_memory_reservation_for_growth_set(wc, 0);
    wasmtime_config_memory_init_cow_set(wc, true);
    wasmtime_config_max_wasm_stack_set(wc, c->max_wasm_stack ? c->max_wasm_stack : 512u << 10);
    wasmtime_config_async_stack_size_set(wc, 1u << 20);
    wasmtime_config_wasm_component_model_set(wc, true);

    wasmtime_pooling_allocation_config_t *pc = wasmtime_pooling_allocation_config_new();
    wasmtime_pooling_allocation_config_total_memories_set(pc, c->max_instances);
    wasmtime_pooling_allocation_config_total_tables_set(pc, c->max_instances);
    wasmtime_pooling_allocation_config_total_core_instances_set(pc, c->max_instances);
    wasmtime_pooling_allocation_config_total_component_instances_set(pc, c->max_instances);
    wasmtime_pooling_allocation_config_total_stacks_set(pc, c->max_instances);
    wasmtime_pooling_allocation_config_max_memory_size_set(pc, reserve);
    wasmtime_pooling_allocation_config_table_elements_set(pc, 10000);
    /* No keep_resident: Wasmtime zeroes that much of EVERY freed slot and
     * keeps it resident, which at 200k actors is 25 GiB for 128 KiB. */
    wasmtime_pooling_allocation_config_max_unused_warm_slots_set(pc, c->max_instances < 1000 ? c->max_instances : 1000);
    wasmtime_pooling_allocation_strategy_set(wc, pc);
    wasmtime_pooling_allocation_config_delete(pc);
    return wc;
}

/* Our package's `types` interface has no functions, but a component that
 * uses its types imports it, and the linker must know the instance. */
static void define_wit_types(wasmtime_component_linker_t *l)
{
    static const char name[] = "airssys:component/types@0.1.0";
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(l), *li = NULL;
    wasmtime_error_t *err = wasmtime_component_linker_instance_add_instance(root, name,
                                                                            sizeof name - 1, &li);
    if (err) wasmtime_error_delete(err);
    if (li) wasmtime_component_linker_instance_delete(li);
    wasmtime_component_linker_instance_delete(root);
}

aw_err aw_engine_new(const aw_engine_config *cfg, aw_engine **out)
{
    aw_err rc = check_config(cfg);
    if (rc) return rc;
    aw_engine *e = calloc(1, sizeof *e);
    if (!e) return aw__fail(AW_ENOMEM, "out of memory creating the engine");
    wasm_config_t *wc = make_config(cfg);
    if (!cfg->no_cache && (rc = setup_cache(wc, cfg->cache_dir)) != AW_OK) {
        wasm_config_delete(wc);
        free(e);
        return rc;
    }
    e->wasm = wasm_engine_new_with_config(wc);
    e->max_memory = cfg->max_memory_bytes;
    e->fuel = cfg->fuel;
    e->slice_ticks = cfg->time_slice_ms;
    e->linker = wasmtime_linker_new(e->wasm);
    /* A second linker for components that opted into WASI preview 1: the
     * real WASI instead of WASI-lite, with the same airssys functions. */
    e->wasi_linker = wasmtime_linker_new(e->wasm);
    wasmtime_error_t *werr = wasmtime_linker_define_wasi(e->wasi_linker);
    if (werr) wasmtime_error_delete(werr);
    if ((rc = aw_core_define_abi(e)) != AW_OK) {
        wasmtime_linker_delete(e->wasi_linker);
        wasmtime_linker_delete(e->linker);
        wasm_engine_delete(e->wasm);
        free(e);
        return rc;
    }
    e->wit_linker = wasmtime_component_linker_new(e->wasm);
    e->wit_wasi_linker = wasmtime_component_linker_new(e->wasm);
    werr = wasmtime_component_linker_add_wasip2(e->wit_wasi_linker);
    if (werr) wasmtime_error_delete(werr);
    define_wit_types(e->wit_linker);
    define_wit_types(e->wit_wasi_linker);
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->wake, NULL);
    if (pthread_create(&e->ticker, NULL, ticker_main, e) != 0) {
        wasmtime_component_linker_delete(e->wit_wasi_linker);
        wasmtime_component_linker_delete(e->wit_linker);
        wasmtime_linker_delete(e->wasi_linker);
        wasmtime_linker_delete(e->linker);
        wasm_engine_delete(e->wasm);
        free(e);
        return aw__fail(AW_ENOMEM, "cannot start the epoch ticker thread");
    }
    *out = e;
    return AW_OK;
}

void aw_engine_free(aw_engine *e)
{
    if (!e) return;
    pthread_mutex_lock(&e->lock);
    e->stop = true;
    pthread_cond_signal(&e->wake);
    pthread_mutex_unlock(&e->lock);
    pthread_join(e->ticker, NULL);
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->wake);
    wasmtime_component_linker_delete(e->wit_wasi_linker);
    wasmtime_component_linker_delete(e->wit_linker);
    wasmtime_linker_delete(e->wasi_linker);
    wasmtime_linker_delete(e->linker);
    wasm_engine_delete(e->wasm);
    free(e->hosts);
    free(e->wits);
    free(e);
}

static wasm_valtype_vec_t valtypes(const char *sig)
{
    wasm_valtype_vec_t v;
    wasm_valtype_vec_new_uninitialized(&v, strlen(sig));
    for (size_t i = 0; sig[i]; i++)
        v.data[i] = wasm_valtype_new(sig[i] == 'I' ? WASM_I64 : sig[i] == 'f' ? WASM_F32
                                     : sig[i] == 'F' ? WASM_F64 : WASM_I32);
    return v;
}

static wasmtime_error_t *define_in(wasmtime_linker_t *l, const aw_host_func *f, wasm_functype_t *ty)
{
    return f->acb ? wasmtime_linker_define_async_func(l, f->module, strlen(f->module), f->name,
                                                      strlen(f->name), ty, f->acb, f->data, NULL)
                  : wasmtime_linker_define_func(l, f->module, strlen(f->module), f->name,
                                                strlen(f->name), ty, f->cb, f->data, NULL);
}

aw_err aw_engine_define(aw_engine *e, const aw_host_func *fns, size_t n)
{
    aw_host_func *nh = realloc(e->hosts, (e->n_hosts + n) * sizeof *nh);
    if (!nh) return aw__fail(AW_ENOMEM, "out of memory defining host functions");
    e->hosts = nh;
    for (size_t i = 0; i < n; i++) {
        const aw_host_func *f = &fns[i];
        wasm_valtype_vec_t p = valtypes(f->params), r = valtypes(f->results);
        wasm_functype_t *ty = wasm_functype_new(&p, &r);
        wasmtime_error_t *err = define_in(e->linker, f, ty);
        /* WASI-lite stays out of the WASI linker, which has the real one */
        if (!err && strcmp(f->module, "wasi_snapshot_preview1")) err = define_in(e->wasi_linker, f, ty);
        wasm_functype_delete(ty);
        if (err) {
            char *msg = aw_core_error_text(err);
            aw__fail(AW_EENGINE, "cannot define host function %s.%s: %s", f->module, f->name,
                     msg ? msg : "?");
            free(msg);
            return AW_EENGINE;
        }
        e->hosts[e->n_hosts++] = *f;
    }
    return AW_OK;
}

const aw_host_func *aw_engine_find_host(const aw_engine *e, const char *module, size_t mlen,
                                        const char *name, size_t nlen)
{
    for (size_t i = 0; i < e->n_hosts; i++) {
        const aw_host_func *f = &e->hosts[i];
        if (strlen(f->module) == mlen && !memcmp(f->module, module, mlen) &&
            strlen(f->name) == nlen && !memcmp(f->name, name, nlen))
            return f;
    }
    return NULL;
}

bool aw_engine_has_host_module(const aw_engine *e, const char *module, size_t mlen)
{
    for (size_t i = 0; i < e->n_hosts; i++)
        if (strlen(e->hosts[i].module) == mlen && !memcmp(e->hosts[i].module, module, mlen))
            return true;
    return false;
}

/* ---- host functions for WIT components ----------------------------------- */

static wasmtime_error_t *define_wit_in(wasmtime_component_linker_t *l, const aw_wit_func *f)
{
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(l), *li = NULL;
    wasmtime_error_t *err = wasmtime_component_linker_instance_add_instance(root, f->iface,
                                                                            strlen(f->iface), &li);
    if (!err)
        err = f->acb ? wasmtime_component_linker_instance_add_func_async(li, f->name, strlen(f->name),
                                                                         f->acb, f->data, NULL)
                     : wasmtime_component_linker_instance_add_func(li, f->name, strlen(f->name),
                                                                   f->cb, f->data, NULL);
    if (li) wasmtime_component_linker_instance_delete(li);
    wasmtime_component_linker_instance_delete(root);
    return err;
}

aw_err aw_engine_define_wit(aw_engine *e, const aw_wit_func *fns, size_t n)
{
    aw_wit_func *nw = realloc(e->wits, (e->n_wits + n) * sizeof *nw);
    if (!nw) return aw__fail(AW_ENOMEM, "out of memory defining WIT host functions");
    e->wits = nw;
    for (size_t i = 0; i < n; i++) {
        const aw_wit_func *f = &fns[i];
        wasmtime_error_t *err = define_wit_in(e->wit_linker, f);
        if (!err) err = define_wit_in(e->wit_wasi_linker, f);
        if (err) {
            char *msg = aw_core_error_text(err);
            aw__fail(AW_EENGINE, "cannot define WIT host function %s#%s: %s", f->iface, f->name,
                     msg ? msg : "?");
            free(msg);
            return AW_EENGINE;
        }
        e->wits[e->n_wits++] = *f;
    }
    return AW_OK;
}

const aw_wit_func *aw_engine_wit_funcs(const aw_engine *e, size_t *n)
{
    *n = e->n_wits;
    return e->wits;
}

const wasmtime_component_linker_t *aw_engine_wit_linker(const aw_engine *e, bool wasi)
{
    return wasi ? e->wit_wasi_linker : e->wit_linker;
}

aw_format aw_sniff_format(const uint8_t *b, size_t n)
{
    static const uint8_t core[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    static const uint8_t comp[8] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0};
    if (n >= 8 && !memcmp(b, core, 8)) return AW_FORMAT_CORE_MODULE;
    if (n >= 8 && !memcmp(b, comp, 8)) return AW_FORMAT_COMPONENT;
    return AW_FORMAT_UNKNOWN;
}

const char *aw_format_name(aw_format f)
{
    switch (f) {
    case AW_FORMAT_CORE_MODULE: return "core module";
    case AW_FORMAT_COMPONENT: return "component";
    default: return "unknown";
    }
}

/* Say what the bytes are when they are not a guest we can load. */
static aw_err not_wasm(const char *name, const uint8_t *b, size_t n)
{
    if (n >= 4 && !memcmp(b, "\0asm", 4)) {
        if (n < 8)
            return aw__fail(AW_EFORMAT, "component '%s': truncated WebAssembly header (%zu bytes)",
                            name, n);
        return aw__fail(AW_EFORMAT,
                        "component '%s': unsupported WebAssembly version/layer "
                        "%02x %02x %02x %02x",
                        name, b[4], b[5], b[6], b[7]);
    }
    if (n >= 4 && !memcmp(b, "\x7f" "ELF", 4))
        return aw__fail(AW_EFORMAT, "component '%s': this is an ELF file (a precompiled "
                        "artifact or native binary), not WebAssembly", name);
    return aw__fail(AW_EFORMAT, "component '%s': not a WebAssembly binary (%zu bytes, no "
                    "\\0asm magic at offset 0)", name, n);
}

aw_err aw_engine_compile(aw_engine *e, const char *name, const uint8_t *bytes, size_t len,
                         bool wasi, aw_component **out)
{
    aw_format f = aw_sniff_format(bytes, len);
    if (f == AW_FORMAT_UNKNOWN) return not_wasm(name, bytes, len);
    aw_component *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return aw__fail(AW_ENOMEM, "out of memory loading '%s'", name);
    }
    atomic_init(&c->refs, 1);
    c->engine = e;
    c->format = f;
    c->cls = f == AW_FORMAT_COMPONENT ? &aw_wit_guest_class : &aw_core_guest_class;
    c->wasi = wasi;
    aw_err rc = f == AW_FORMAT_COMPONENT ? aw_wit_compile(e, c, bytes, len)
                                         : aw_core_compile(e, c, bytes, len);
    if (rc) {
        free(c->name);
        free(c);
        return rc;
    }
    *out = c;
    return AW_OK;
}

aw_component *aw_component_retain(aw_component *c)
{
    if (c) atomic_fetch_add(&c->refs, 1);
    return c;
}

void aw_component_release(aw_component *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    if (c->on_unload) c->on_unload(c->on_unload_ud, c->name);
    c->cls->free_impl(c->impl);
    if (c->grants_free) c->grants_free(c->grants);
    for (size_t i = 0; i < c->n_preopens; i++) free(c->preopens[i]);
    free(c->preopens);
    free(c->preopen_rw);
    free(c->version);
    free(c->name);
    free(c);
}

void aw_guest_run(const aw_guest_class *cls, aw_guest *g, aw_call_kind kind,
                  const uint8_t *data, size_t len, int32_t arg, aw_call_result *out)
{
    memset(out, 0, sizeof *out);
    aw_err rc = cls->begin(g, kind, data, len, arg);
    if (rc) {
        out->err = rc;
        out->detail = strdup(aw_last_error());
        return;
    }
    for (unsigned n = 0; !cls->poll(g, out); n++) aw_poll_backoff(n);
}

void aw_poll_backoff(unsigned n)
{
    if (n < 64) return;  /* yields from time slices: poll again at once */
    if (n < 1024) { sched_yield(); return; }
    struct timespec ts = {0, 100000};  /* waiting on a host call (a request) */
    nanosleep(&ts, NULL);
}
