/* runtime.c - the public API: runtime lifetime, components, actors, messages.
 *
 * Everything here runs on the caller's thread. Spawning instantiates the
 * guest and runs its init and start hooks right here so that a component
 * that refuses to start is an error to the spawner, not a log line; only then
 * is the actor registered and handed to the workers. */
#include "runtime.h"

#include "../host/host.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SHUTDOWN_GRACE_MS 5000

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

static void default_log(void *ud, aw_log_level lvl, aw_log_source src, const char *actor,
                        const char *msg, size_t len)
{
    AW_UNUSED(ud); AW_UNUSED(src);
    fprintf(stderr, "[%s] %s%s%.*s\n", level_names[lvl], actor ? actor : "",
            actor ? ": " : "", (int)len, msg);
}

void aw__runtime_log(aw_runtime *rt, aw_log_level lvl, const char *actor, const char *fmt, ...)
{
    if (lvl < rt->cfg.log_level || !rt->cfg.log) return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    rt->cfg.log(rt->cfg.log_ud, lvl, AW_LOG_RUNTIME, actor, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void aw__runtime_actor_dead(aw_runtime *rt)
{
    pthread_mutex_lock(&rt->mu);
    rt->live--;
    pthread_cond_broadcast(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
}

void aw_runtime_config_init(aw_runtime_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_instances = 1000;
    c->max_memory_bytes = 64u << 20;
    c->mailbox_capacity = 1024;
    c->max_message_bytes = 1u << 20;
    c->handler_deadline_ms = 10000;
    c->time_slice_ms = 10;
    c->batch = 64;
    c->log_level = AW_LOG_INFO;
}

aw_err aw_runtime_new(const aw_runtime_config *cfg_in, aw_runtime **out)
{
    aw__clear_error();
    if (!out) return aw__fail(AW_EINVAL, "aw_runtime_new: out is NULL");
    aw_runtime_config cfg;
    if (cfg_in) cfg = *cfg_in;
    else aw_runtime_config_init(&cfg);
    if (!cfg.workers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg.workers = n > 0 ? (unsigned)n : 1;
    }
    if (cfg.workers > 1024) return aw__fail(AW_EINVAL, "runtime config: workers=%u > 1024", cfg.workers);
    if (!cfg.mailbox_capacity) return aw__fail(AW_EINVAL, "runtime config: mailbox_capacity is 0");
    if (!cfg.max_message_bytes || cfg.max_message_bytes > (256u << 20))
        return aw__fail(AW_EINVAL, "runtime config: max_message_bytes=%u is outside 1..256 MiB",
                        cfg.max_message_bytes);
    if (!cfg.batch) cfg.batch = 64;
    if (!cfg.log) cfg.log = default_log;
    if ((unsigned)cfg.log_level > AW_LOG_ERROR) cfg.log_level = AW_LOG_ERROR;

    aw_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) return aw__fail(AW_ENOMEM, "out of memory creating the runtime");
    rt->cfg = cfg;
    aw_engine_config ec = {cfg.max_instances, cfg.max_memory_bytes, cfg.time_slice_ms,
                           cfg.cache_dir, cfg.no_cache, cfg.fuel, cfg.max_wasm_stack};
    aw_err rc = aw_engine_new(&ec, &rt->engine);
    if (rc) { free(rt); return rc; }
    if ((rc = aw_host_define_wasi_lite(rt->engine)) != AW_OK ||
        (rc = aw__guest_api_define(rt)) != AW_OK || (rc = aw__guest_files_define(rt)) != AW_OK ||
        (rc = aw__guest_wit_define(rt)) != AW_OK) {
        aw_engine_free(rt->engine);
        free(rt);
        return rc;
    }
    if ((rc = aw_registry_init(&rt->reg)) != AW_OK) {
        aw_engine_free(rt->engine);
        free(rt);
        return rc;
    }
    pthread_mutex_init(&rt->mu, NULL);
    pthread_cond_init(&rt->cv, NULL);
    aw__events_init(rt);
    if ((rc = aw_audit_open(&cfg, &rt->audit)) != AW_OK) {
        aw_registry_destroy(&rt->reg);
        aw_engine_free(rt->engine);
        free(rt);
        return rc;
    }
    aw_pubsub_init(&rt->pubsub);
    if ((rc = aw_timers_start(&rt->timers)) != AW_OK) {
        aw_pubsub_destroy(&rt->pubsub);
        aw_registry_destroy(&rt->reg);
        aw_engine_free(rt->engine);
        free(rt);
        return rc;
    }
    if ((rc = aw_sched_start(&rt->sched, cfg.workers)) != AW_OK) {
        aw_timers_stop(&rt->timers);
        aw_pubsub_destroy(&rt->pubsub);
        aw_registry_destroy(&rt->reg);
        aw_engine_free(rt->engine);
        pthread_mutex_destroy(&rt->mu);
        pthread_cond_destroy(&rt->cv);
        free(rt);
        return rc;
    }
    *out = rt;
    return AW_OK;
}

void aw__request_stop(aw_actor *a, int reason)
{
    atomic_store(&a->stop_reason, reason);
    aw_mailbox_close(&a->mb);
    aw_msg *m = aw_msg_new(AW_MSG_STOP, NULL, 0);
    if (m) aw_actor_deliver(a, m, true);
    else {  /* no memory for the stop message: kill it at its next turn */
        atomic_store(&a->kill, true);
        aw_actor_schedule(a);
    }
}

void aw_runtime_free(aw_runtime *rt)
{
    if (!rt) return;
    atomic_store(&rt->shutting_down, true);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += SHUTDOWN_GRACE_MS / 1000;
    aw_actor **all;
    /* Root supervisors first: each stops its tree in reverse start order. */
    size_t n = aw_registry_all(&rt->reg, &all);
    for (size_t i = 0; i < n; i++)
        if (all[i]->on_sys && !all[i]->parent) aw__request_stop(all[i], AW_STOP_REASON_SHUTDOWN);
    for (size_t i = 0; i < n; i++) {
        if (!all[i]->on_sys || all[i]->parent) continue;
        pthread_mutex_lock(&all[i]->mu);
        while (!all[i]->dead && pthread_cond_timedwait(&all[i]->cv, &all[i]->mu, &dl) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&all[i]->mu);
    }
    for (size_t i = 0; i < n; i++) aw_actor_unref(all[i]);
    free(all);
    n = aw_registry_all(&rt->reg, &all);
    for (size_t i = 0; i < n; i++) {
        atomic_store(&all[i]->final, true);
        aw__request_stop(all[i], AW_STOP_REASON_SHUTDOWN);
    }
    pthread_mutex_lock(&rt->mu);
    while (rt->live > 0 && pthread_cond_timedwait(&rt->cv, &rt->mu, &dl) != ETIMEDOUT)
        ;
    bool late = rt->live > 0;
    pthread_mutex_unlock(&rt->mu);
    if (late)  /* still running after the grace period: kill at the next slice */
        for (size_t i = 0; i < n; i++) {
            atomic_store(&all[i]->kill, true);
            aw_actor_unpark_fail(all[i], "the runtime is shutting down");
        }
    pthread_mutex_lock(&rt->mu);
    while (rt->live > 0) pthread_cond_wait(&rt->cv, &rt->mu);
    pthread_mutex_unlock(&rt->mu);
    for (size_t i = 0; i < n; i++) aw_actor_unref(all[i]);
    free(all);
    aw__http_wait(rt);  /* transfers abort once they see shutting_down */
    aw_timers_stop(&rt->timers);
    aw_sched_stop(&rt->sched);
    aw_pubsub_destroy(&rt->pubsub);
    aw_registry_destroy(&rt->reg);
    aw_audit_close(rt->audit);
    aw_engine_free(rt->engine);
    aw__host_ns_free(rt);
    aw__events_free(rt);
    pthread_mutex_destroy(&rt->mu);
    pthread_cond_destroy(&rt->cv);
    free(rt);
}

/* ---- components ------------------------------------------------------- */

static aw_err compile_with(aw_runtime *rt, const char *name, const uint8_t *bytes, size_t len,
                           const aw_load_options *opt, aw_component **out);

/* A directory a file-read grant covers whole (the directory, a slash and a
 * double star, with no wildcard before) is preopened for WASI, read-write
 * if a file-write grant covers it whole too. Anything narrower (a one-star
 * pattern such as *.txt) is not expressible as a preopen and is left out:
 * WASI then cannot reach it at all. */
static bool covers_whole(const char *pat, const char *dir)
{
    size_t n = strlen(pat);
    if (n < 4 || strcmp(pat + n - 3, "/**") || strcspn(pat, "*?[") != n - 2) return false;
    size_t d = n - 3;  /* the directory part */
    return !strncmp(pat, dir, d) && (dir[d] == 0 || dir[d] == '/');
}

static aw_err wasi_preopens(aw_component *c, const aw_grants *g)
{
    for (size_t i = 0; i < g->n[AW_CAP_FILE_READ]; i++) {
        const char *p = g->pat[AW_CAP_FILE_READ][i];
        size_t n = strlen(p);
        if (n < 4 || strcmp(p + n - 3, "/**") || strcspn(p, "*?[") != n - 2) continue;
        char dir[4096], real[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", (int)(n - 3), p);
        struct stat st;
        if (!realpath(dir[0] ? dir : "/", real) || stat(real, &st) || !S_ISDIR(st.st_mode)) continue;
        if (!covers_whole(p, real)) continue;  /* a symlink led out of the grant */
        bool rw = false;
        for (size_t j = 0; j < g->n[AW_CAP_FILE_WRITE]; j++) rw |= covers_whole(g->pat[AW_CAP_FILE_WRITE][j], real);
        char **v = realloc(c->preopens, (c->n_preopens + 1) * sizeof *v);
        if (v) c->preopens = v;
        bool *w = v ? realloc(c->preopen_rw, (c->n_preopens + 1) * sizeof *w) : NULL;
        if (w) c->preopen_rw = w;
        if (!v || !w || !(c->preopens[c->n_preopens] = strdup(real)))
            return aw__fail(AW_ENOMEM, "out of memory preparing WASI for '%s'", c->name);
        c->preopen_rw[c->n_preopens++] = rw;
    }
    return AW_OK;
}

/* A component's last reference is gone (the host released it and its last
 * actor ended). The audit trail outlives every component of its runtime. */
static void audit_unload(void *ud, const char *name)
{
    aw_audit_write(ud, name, NULL, 0, "unload", name, "n/a", "its last reference was released");
}

aw_err aw_component_load(aw_runtime *rt, const char *name, const uint8_t *bytes, size_t len,
                         aw_component **out)
{
    aw__clear_error();
    if (!rt || !out || (!bytes && len))
        return aw__fail(AW_EINVAL, "aw_component_load: runtime, bytes and out are required");
    return compile_with(rt, name && *name ? name : "component", bytes, len, NULL, out);
}

/* Read a whole file; a directory, an empty file or a read error is an error. */
static aw_err read_file(const char *path, uint8_t **data, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return aw__fail(errno == ENOENT ? AW_ENOENT : AW_EIO, "cannot open '%s': %s", path,
                        strerror(errno));
    if (!S_ISREG(st.st_mode)) return aw__fail(AW_EIO, "'%s' is not a regular file", path);
    FILE *f = fopen(path, "rb");
    if (!f) return aw__fail(AW_EIO, "cannot open '%s': %s", path, strerror(errno));
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf) return aw__fail(AW_ENOMEM, "out of memory reading '%s'", path);
    if (bad || got != (size_t)st.st_size) {
        free(buf);
        return aw__fail(AW_EIO, "short read on '%s'", path);
    }
    *data = buf;
    *len = got;
    return AW_OK;
}

aw_err aw_component_load_file(aw_runtime *rt, const char *path, aw_component **out)
{
    return aw_component_load_file_opts(rt, path, NULL, out);
}

/* Grants are parsed before compiling: a bad grant fails fast and cheap. */
static aw_err compile_with(aw_runtime *rt, const char *name, const uint8_t *bytes, size_t len,
                           const aw_load_options *opt, aw_component **out)
{
    aw_grants *g = NULL;
    aw_load_options none = {0};
    if (!opt) opt = &none;
    if (opt->n_grants && !opt->grants)
        return aw__fail(AW_EINVAL, "component '%s': n_grants is %zu but grants is NULL", name,
                        opt->n_grants);
    if (opt->max_memory_bytes && opt->max_memory_bytes > rt->cfg.max_memory_bytes)
        return aw__fail(AW_EINVAL, "component '%s': max_memory_bytes %llu is over the runtime's "
                        "%llu", name, (unsigned long long)opt->max_memory_bytes,
                        (unsigned long long)rt->cfg.max_memory_bytes);
    if (opt->max_table_elements > 10000)
        return aw__fail(AW_EINVAL, "component '%s': max_table_elements %u is over the engine's "
                        "10000", name, opt->max_table_elements);
    if (opt->fuel && !rt->cfg.fuel)
        return aw__fail(AW_EINVAL, "component '%s': a fuel budget needs fuel metering on "
                        "(aw_runtime_config.fuel)", name);
    aw_err rc = aw_grants_parse(name, opt->grants, opt->n_grants,
                                opt->max_message_bytes ? opt->max_message_bytes
                                                       : rt->cfg.max_message_bytes,
                                opt->rate_per_s, opt->rate_burst, &g);
    if (rc) return rc;
    if ((rc = aw__host_ns_check(rt, name, bytes, len, g)) != AW_OK ||
        (rc = aw_engine_compile(rt->engine, name, bytes, len, opt->wasi, out)) != AW_OK) {
        aw_audit_write(rt->audit, name, NULL, 0, "load", name, "denied", aw_last_error());
        aw_grants_free(g);
        return rc;
    }
    aw_audit_write(rt->audit, name, NULL, 0, "load", name, "allowed",
             g->n_text ? "loaded with the grants that follow" : "loaded with no grants");
    for (size_t i = 0; i < g->n_text; i++)
        aw_audit_write(rt->audit, name, NULL, 0, "grant", g->text[i], "allowed", "granted at load");
    (*out)->grants = g;
    (*out)->grants_free = aw_grants_free;
    if (rt->audit) {
        (*out)->on_unload = audit_unload;
        (*out)->on_unload_ud = rt->audit;
    }
    if (opt->wasi && (rc = wasi_preopens(*out, g)) != AW_OK) {
        aw_component_release(*out);
        *out = NULL;
        return rc;
    }
    (*out)->max_memory_bytes = opt->max_memory_bytes;
    (*out)->max_table_elements = opt->max_table_elements;
    (*out)->fuel = opt->fuel;
    (*out)->deadline_ms = opt->handler_deadline_ms;
    if (opt->version && !((*out)->version = strdup(opt->version))) {
        aw_component_release(*out);
        *out = NULL;
        return aw__fail(AW_ENOMEM, "component '%s': out of memory", name);
    }
    return AW_OK;
}

aw_err aw_component_load_opts(aw_runtime *rt, const char *name, const uint8_t *bytes, size_t len,
                              const aw_load_options *opt, aw_component **out)
{
    aw__clear_error();
    if (!rt || !out || (!bytes && len))
        return aw__fail(AW_EINVAL, "aw_component_load: runtime, bytes and out are required");
    return compile_with(rt, name && *name ? name : "component", bytes, len, opt, out);
}

size_t aw_component_grants(const aw_component *c, const char *const **out)
{
    const aw_grants *g = c ? c->grants : NULL;
    if (out) *out = g ? (const char *const *)g->text : NULL;
    return g ? g->n_text : 0;
}

aw_err aw_component_load_file_opts(aw_runtime *rt, const char *path, const aw_load_options *opt,
                                   aw_component **out)
{
    aw__clear_error();
    if (!rt || !path || !out) return aw__fail(AW_EINVAL, "aw_component_load_file: NULL argument");
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err rc = read_file(path, &data, &len);
    if (rc) return rc;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".wasm")) *dot = 0;
    dot = strrchr(name, '.');  /* x.component.wasm: the component is "x" */
    if (dot && dot != name && !strcmp(dot, ".component")) *dot = 0;
    rc = compile_with(rt, name, data, len, opt, out);
    free(data);
    return rc;
}

aw_err aw_inspect_bytes(aw_runtime *rt, const uint8_t *bytes, size_t len, aw_inspect *out)
{
    aw__clear_error();
    if (!rt || !out || (!bytes && len)) return aw__fail(AW_EINVAL, "aw_inspect_bytes: NULL argument");
    return aw_engine_inspect(rt->engine, bytes, len, out);
}

const char *aw_component_name(const aw_component *c) { return c ? c->name : NULL; }
const char *aw_component_version(const aw_component *c) { return c ? c->version : NULL; }
aw_format aw_component_format(const aw_component *c) { return c ? c->format : AW_FORMAT_UNKNOWN; }

/* ---- actors ------------------------------------------------------------ */

const char *aw_actor_state_name(aw_actor_state s)
{
    static const char *const names[] = {"starting", "running", "stopping", "stopped", "crashed",
                                        "restarting"};
    return (unsigned)s < 6 ? names[s] : "?";
}

bool aw__valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255) return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || *s == 0x7f) return false;
    return true;
}

/* Run init then start to completion on this thread. */
aw_err aw__run_hooks(const aw_guest_class *cls, aw_guest *g, const uint8_t *config, size_t len)
{
    aw_call_result res;
    aw_call_kind kinds[2] = {AW_CALL_INIT, AW_CALL_START};
    for (int i = 0; i < 2; i++) {
        aw_guest_run(cls, g, kinds[i], i == 0 ? config : NULL, i == 0 ? len : 0, 0, &res);
        if (res.err) {
            aw_err e = aw__fail(res.err, "%s", res.detail ? res.detail : aw_strerror(res.err));
            aw_call_result_clear(&res);
            return e;
        }
        aw_call_result_clear(&res);
    }
    return AW_OK;
}

static aw_err check_spec(aw_runtime *rt, const aw_actor_spec *spec, const char **name)
{
    if (!rt || !spec || !spec->component == !spec->native)
        return aw__fail(AW_EINVAL, "aw_spawn: the spec needs exactly one of component and native");
    *name = spec->name ? spec->name : spec->component ? spec->component->name : NULL;
    if (!*name || !aw__valid_name(*name))
        return aw__fail(AW_EINVAL, "aw_spawn: actor name '%s' must be 1..255 printable "
                        "characters without spaces", *name ? *name : "(none)");
    if (aw_registry_lookup(&rt->reg, *name))  /* early, cheap; registration re-checks */
        return aw__fail(AW_EEXIST, "an actor named '%s' is already running", *name);
    return AW_OK;
}

/* For WIT guests: the message being handled, as the handler sees it. */
static void msg_info(void *owner, const char **topic, bool *is_request)
{
    aw_actor *a = owner;
    *topic = a->current ? a->current->topic : NULL;
    *is_request = a->current && a->current->req;
}

aw_err aw__make_guest(aw_runtime *rt, aw_actor *a, const aw_actor_spec *spec, bool async,
                      aw_guest **out)
{
    if (spec->native) return aw_native_new(a, spec->native, out);
    aw_guest_env env = {
        .actor = a->name,
        .owner = a,
        .deadline_ms = spec->handler_deadline_ms == AW_NO_DEADLINE ? 0
                       : spec->handler_deadline_ms ? spec->handler_deadline_ms
                       : spec->component->deadline_ms ? spec->component->deadline_ms
                                                      : rt->cfg.handler_deadline_ms,
        .max_message_bytes = rt->cfg.max_message_bytes,
        .log = rt->cfg.log, .log_ud = rt->cfg.log_ud, .log_level = rt->cfg.log_level,
        .async_hooks = async,
        .msg_info = msg_info,
    };
    return aw_guest_new(spec->component, &env, out);
}

void aw__audit_actor(aw_actor *a, const char *op, const char *target, const char *decision,
                     const char *reason)
{
    if (!a->rt->audit) return;
    aw_audit_write(a->rt->audit, a->comp ? a->comp->name : "(native)", a->name, atomic_load(&a->addr),
             op, target, decision, reason);
}

aw_err aw_spawn(aw_runtime *rt, const aw_actor_spec *spec)
{
    aw__clear_error();
    return aw__spawn_as(rt, spec, NULL, 0, false, NULL);
}

aw_err aw__respawn(aw_runtime *rt, aw_actor *a, const aw_actor_spec *spec, bool async)
{
    aw_err rc = aw__make_guest(rt, a, spec, async, &a->guest);
    if (rc == AW_OK && async) aw_actor_boot(a, spec->config, spec->config_len);
    else if (rc == AW_OK && (rc = aw__run_hooks(a->cls, a->guest, spec->config, spec->config_len)) != AW_OK) {
        aw_pubsub_remove_actor(&rt->pubsub, a);
        a->cls->destroy(a->guest);
        a->guest = NULL;
    }
    return rc;
}

aw_err aw__runtime_register(aw_runtime *rt, aw_actor *a)
{
    pthread_mutex_lock(&rt->mu);
    rt->live++;
    pthread_mutex_unlock(&rt->mu);
    aw_err rc = aw_registry_add(&rt->reg, a);
    if (rc) aw__runtime_actor_dead(rt);
    return rc;
}

/* The spec's subscriptions, before the actor is registered: no publish
 * can fall between its start and its subscribing. */
static aw_err spec_subscribe(aw_runtime *rt, aw_actor *a, const aw_actor_spec *spec)
{
    if (spec->n_subscribe && !spec->subscribe)
        return aw__fail(AW_EINVAL, "actor '%s': n_subscribe is %zu but subscribe is NULL", a->name,
                        spec->n_subscribe);
    for (size_t i = 0; i < spec->n_subscribe; i++) {
        const char *p = spec->subscribe[i];
        aw_err rc = p ? aw_pubsub_subscribe(&rt->pubsub, a, p, strlen(p)) : AW_EINVAL;
        if (rc) return aw__fail(rc, "actor '%s': cannot subscribe to '%s': %s", a->name,
                                p ? p : "(null)", p ? aw_last_error() : "a NULL pattern");
    }
    return AW_OK;
}

aw_err aw__spawn_as(aw_runtime *rt, const aw_actor_spec *spec, aw_actor *parent,
                    uint32_t child_id, bool async, aw_actor **out)
{
    const char *name = NULL;
    aw_err rc = check_spec(rt, spec, &name);
    if (rc) return rc;
    aw_actor *a;
    uint32_t cap = spec->mailbox_capacity ? spec->mailbox_capacity : rt->cfg.mailbox_capacity;
    const aw_guest_class *cls = spec->native ? &aw_native_class : spec->component->cls;
    if ((rc = aw_actor_new(rt, name, cls, spec->component, cap, &a)) != AW_OK) return rc;
    if (parent) {
        aw_actor_ref(parent);
        a->parent = parent;
        a->child_id = child_id;
    }
    if ((rc = aw__make_guest(rt, a, spec, async, &a->guest)) == AW_OK && async)
        aw_actor_boot(a, spec->config, spec->config_len);  /* hooks in its first turns */
    else if (rc == AW_OK) rc = aw__run_hooks(a->cls, a->guest, spec->config, spec->config_len);
    if (rc == AW_OK) rc = spec_subscribe(rt, a, spec);
    if (rc != AW_OK) {
        aw_pubsub_remove_actor(&rt->pubsub, a);  /* a start hook may have subscribed */
        aw_actor_discard_mail(a, "failed to start", aw_last_error());
        aw_actor_unref(a);  /* destroys the guest, if any */
        return rc;
    }
    if ((rc = aw__runtime_register(rt, a)) != AW_OK) {
        /* lost a race for the name after start ran: give it its stop hook */
        aw_call_result res;
        aw_guest_run(a->cls, a->guest, AW_CALL_STOP, NULL, 0, AW_STOP_REASON_NORMAL, &res);
        aw_call_result_clear(&res);
        aw_pubsub_remove_actor(&rt->pubsub, a);
        aw_actor_discard_mail(a, "lost its name to another spawn", NULL);
        aw_actor_unref(a);
        return rc == AW_EEXIST ? aw__fail(rc, "an actor named '%s' is already running", name) : rc;
    }
    if (out) {
        aw_actor_ref(a);
        *out = a;
    }
    aw_actor_release_start(a);
    if (a->booting) aw_actor_schedule(a);
    aw_actor_unref(a);  /* the registry holds it now */
    return AW_OK;
}

static aw_err lookup(aw_runtime *rt, const char *to, aw_actor **out)
{
    if (!rt || !to) return aw__fail(AW_EINVAL, "runtime and actor name are required");
    *out = aw_registry_get(&rt->reg, to);
    if (!*out) return aw__fail(AW_ENOENT, "no actor named '%s'", to);
    return AW_OK;
}

aw_err aw__deliver(aw_runtime *rt, const char *to, aw_msg *m)
{
    aw_actor *a;
    aw_err rc = lookup(rt, to, &a);
    if (rc) return rc;
    rc = aw_actor_deliver(a, m, false);
    aw_actor_unref(a);
    return rc;
}

static aw_err make_msg(aw_runtime *rt, const char *to, const void *msg, size_t len, aw_msg **out)
{
    if (!rt || !to) return aw__fail(AW_EINVAL, "runtime and actor name are required");
    if (!msg && len) return aw__fail(AW_EINVAL, "message to '%s': NULL data with length %zu", to, len);
    if (len > rt->cfg.max_message_bytes)
        return aw__fail(AW_ETOOBIG, "message to '%s': %zu bytes exceed the %u-byte limit", to,
                        len, rt->cfg.max_message_bytes);
    *out = aw_msg_new(AW_MSG_USER, msg, len);
    if (!*out) return aw__fail(AW_ENOMEM, "out of memory for a %zu-byte message", len);
    return AW_OK;
}

aw_err aw_lookup(aw_runtime *rt, const char *name, aw_addr *out)
{
    aw__clear_error();
    if (!rt || !name || !out) return aw__fail(AW_EINVAL, "aw_lookup: NULL argument");
    *out = aw_registry_lookup(&rt->reg, name);
    return *out ? AW_OK : aw__fail(AW_ENOENT, "no actor named '%s'", name);
}

aw_err aw_send_addr(aw_runtime *rt, aw_addr to, const void *msg, size_t len)
{
    aw__clear_error();
    if (!rt) return aw__fail(AW_EINVAL, "aw_send_addr: runtime is NULL");
    aw_actor *a = aw_registry_resolve(&rt->reg, to);
    if (!a) return aw__fail(AW_ENOENT, "no actor at address %#llx (stopped, or never existed)",
                            (unsigned long long)to);
    aw_msg *m = NULL;
    aw_err rc = make_msg(rt, a->name, msg, len, &m);
    if (rc == AW_OK && (rc = aw_actor_deliver(a, m, false)) != AW_OK) aw_msg_free(m);
    aw_actor_unref(a);
    return rc;
}

aw_err aw_send(aw_runtime *rt, const char *to, const void *msg, size_t len)
{
    aw__clear_error();
    aw_actor *a;
    aw_msg *m = NULL;
    aw_err rc = lookup(rt, to, &a);  /* first: a send to nobody costs no copy */
    if (rc) return rc;
    if ((rc = make_msg(rt, to, msg, len, &m)) == AW_OK && (rc = aw_actor_deliver(a, m, false)))
        aw_msg_free(m);
    aw_actor_unref(a);
    return rc;
}

aw_err aw_send_wait(aw_runtime *rt, const char *to, const void *msg, size_t len,
                    uint32_t timeout_ms)
{
    aw__clear_error();
    aw_msg *m = NULL;
    aw_err rc = make_msg(rt, to, msg, len, &m);
    if (rc) return rc;
    aw_actor *a;
    if ((rc = lookup(rt, to, &a)) != AW_OK) { aw_msg_free(m); return rc; }
    uint64_t deadline = 0;  /* read the clock only once the mailbox was full */
    /* A full mailbox drains at its consumer's pace: spin, then yield the CPU
     * (on a small machine the consumer may need it), then sleep up to 1 ms. */
    for (unsigned tries = 0; (rc = aw_mailbox_push(&a->mb, m, false)) == AW_EFULL; tries++) {
        if (timeout_ms && !deadline) deadline = aw__now_ns() + (uint64_t)timeout_ms * 1000000u;
        else if (timeout_ms && aw__now_ns() >= deadline) break;
        if (tries < 256) aw_cpu_relax();
        else if (tries < 20000) sched_yield();
        else {
            struct timespec ts = {0, tries < 30000 ? 50000L : 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (rc == AW_OK) aw_actor_schedule(a);
    else if (rc == AW_EFULL) aw__fail(rc, "actor '%s': mailbox still full after %u ms", to, timeout_ms);
    else aw__fail(rc, "actor '%s' is stopping and takes no more messages", to);
    aw_actor_unref(a);
    if (rc) aw_msg_free(m);
    return rc;
}

static void pending_timeout(void *arg)
{
    aw_pending *p = arg;
    aw_pending_fail(p, AW_ETIMEDOUT, "request timed out");  /* a no-op if it completed */
    aw_pending_unref(p);
}

static void pending_timer_drop(void *arg) { aw_pending_unref(arg); }

void aw__pending_timeout(aw_runtime *rt, aw_pending *p, uint32_t ms)
{
    atomic_fetch_add(&p->refs, 1);  /* the timer's */
    p->timer = aw_timers_add(&rt->timers, (uint64_t)ms * 1000000u, pending_timeout, p,
                             pending_timer_drop);
    if (!p->timer) aw_pending_unref(p);  /* no timer: it waits for its answer */
}

aw_err aw_request(aw_runtime *rt, const char *to, const void *msg, size_t len,
                  uint32_t timeout_ms, aw_reply *out)
{
    aw__clear_error();
    if (!out) return aw__fail(AW_EINVAL, "aw_request: out is NULL");
    memset(out, 0, sizeof *out);
    aw_msg *m = NULL;
    aw_err rc = make_msg(rt, to, msg, len, &m);
    if (rc) return rc;
    aw_pending *req = aw_pending_new(NULL);
    if (!req) {
        aw_msg_free(m);
        return aw__fail(AW_ENOMEM, "out of memory for a request");
    }
    m->req = req;
    if ((rc = aw__deliver(rt, to, m)) != AW_OK) {
        aw_pending_unref(req);
        aw_pending_unref(req);
        aw_msg_free(m);
        return rc;
    }
    if (aw_pending_wait(req, timeout_ms) != AW_OK) {
        aw_pending_unref(req);
        return aw__fail(AW_ETIMEDOUT, "request to '%s': no reply within %u ms", to, timeout_ms);
    }
    aw_call_result *res = &req->res;
    out->data = res->reply;
    out->len = res->reply_len;
    out->status = res->status;
    res->reply = NULL;
    rc = res->err;
    if (rc) aw__set_error_text(res->detail ? res->detail : aw_strerror(rc));
    aw_pending_unref(req);
    return rc;
}

/* ---- publish / subscribe -------------------------------------------------- */

static aw_err sub_op(aw_runtime *rt, const char *actor, const char *pattern, bool on)
{
    aw__clear_error();
    if (!pattern) return aw__fail(AW_EINVAL, "pattern is required");
    aw_actor *a;
    aw_err rc = lookup(rt, actor, &a);
    if (rc) return rc;
    rc = on ? aw_pubsub_subscribe(&rt->pubsub, a, pattern, strlen(pattern))
            : aw_pubsub_unsubscribe(&rt->pubsub, a, pattern, strlen(pattern));
    aw_actor_unref(a);
    return rc;
}

aw_err aw_subscribe(aw_runtime *rt, const char *actor, const char *pattern)
{
    return sub_op(rt, actor, pattern, true);
}

aw_err aw_unsubscribe(aw_runtime *rt, const char *actor, const char *pattern)
{
    return sub_op(rt, actor, pattern, false);
}

aw_err aw__publish(aw_runtime *rt, const char *topic, size_t tlen, const void *msg, size_t len,
                   aw_publish_result *out)
{
    aw_publish_result r = {0, 0};
    aw_err rc = aw_topic_check(topic, tlen, false);
    if (!rc && len > rt->cfg.max_message_bytes)
        rc = aw__fail(AW_ETOOBIG, "publish to '%.*s': %zu bytes exceed the %u-byte limit",
                      (int)tlen, topic, len, rt->cfg.max_message_bytes);
    if (rc) { if (out) *out = r; return rc; }
    aw_actor **subs;
    r.matched = aw_pubsub_match(&rt->pubsub, topic, tlen, &subs);
    aw_err first = AW_OK;
    char failed[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < r.matched; i++) {
        aw_msg *m = aw_msg_new_topic(msg, len, topic, tlen);
        aw_err e = m ? aw_actor_deliver(subs[i], m, false) : AW_ENOMEM;
        if (e == AW_OK) r.delivered++;
        else {
            aw_msg_free(m);
            if (!first) first = e;
            if (used < sizeof failed)
                used += (size_t)snprintf(failed + used, sizeof failed - used, "%s%s (%s)",
                                         used ? ", " : "", subs[i]->name, aw_err_name(e));
        }
        aw_actor_unref(subs[i]);
    }
    free(subs);
    if (out) *out = r;
    if (first)
        return aw__fail(first, "publish to '%.*s': delivered to %zu of %zu subscribers; not to %s",
                        (int)tlen, topic, r.delivered, r.matched, failed);
    return AW_OK;
}

aw_err aw_publish(aw_runtime *rt, const char *topic, const void *msg, size_t len,
                  aw_publish_result *out)
{
    aw__clear_error();
    if (!rt || !topic || (!msg && len)) return aw__fail(AW_EINVAL, "aw_publish: NULL argument");
    return aw__publish(rt, topic, strlen(topic), msg, len, out);
}

/* ---- timers --------------------------------------------------------------- */

typedef struct send_later {
    aw_runtime *rt;
    aw_msg *m;
    char to[];
} send_later;

static void send_later_free(send_later *s)
{
    aw_msg_free(s->m);
    free(s);
}

static void send_later_drop(void *arg)  /* cancelled, or pending at shutdown */
{
    send_later *s = arg;
    if (s->rt->timers.stop)  /* set before aw_timers_stop drops what is left */
        aw__runtime_log(s->rt, AW_LOG_WARN, s->to, "timed send dropped: the runtime shut down first");
    send_later_free(s);
}

static void send_later_fire(void *arg)
{
    send_later *s = arg;
    if (aw__deliver(s->rt, s->to, s->m) == AW_OK) s->m = NULL;
    else aw__runtime_log(s->rt, AW_LOG_WARN, s->to, "timed send was not delivered: %s",
                         aw_last_error());
    send_later_free(s);
}

aw_err aw_send_after(aw_runtime *rt, const char *to, const void *msg, size_t len,
                     uint32_t delay_ms, aw_timer_id *out)
{
    aw__clear_error();
    aw_msg *m = NULL;
    aw_err rc = make_msg(rt, to, msg, len, &m);
    if (rc) return rc;
    size_t tn = strlen(to);
    send_later *s = malloc(sizeof *s + tn + 1);
    if (!s) { aw_msg_free(m); return aw__fail(AW_ENOMEM, "out of memory for a timer"); }
    s->rt = rt;
    s->m = m;
    memcpy(s->to, to, tn + 1);
    uint64_t id = aw_timers_add(&rt->timers, (uint64_t)delay_ms * 1000000u, send_later_fire, s,
                                send_later_drop);
    if (!id) { send_later_free(s); return aw__fail(AW_ENOMEM, "out of memory for a timer"); }
    if (out) *out = id;
    return AW_OK;
}

aw_err aw_timer_cancel(aw_runtime *rt, aw_timer_id id)
{
    aw__clear_error();
    if (!rt) return aw__fail(AW_EINVAL, "aw_timer_cancel: runtime is NULL");
    if (!aw_timers_cancel(&rt->timers, id))
        return aw__fail(AW_ENOENT, "timer %llu already fired or does not exist", (unsigned long long)id);
    return AW_OK;
}

void aw_reply_free(aw_reply *r)
{
    if (!r) return;
    free(r->data);
    memset(r, 0, sizeof *r);
}

aw_err aw_stop(aw_runtime *rt, const char *name)
{
    aw__clear_error();
    aw_actor *a;
    aw_err rc = lookup(rt, name, &a);
    if (rc) return rc;
    if (a->parent || a->on_sys) {
        bool sup = a->on_sys != NULL;
        const char *parent = a->parent ? a->parent->name : NULL;
        aw_actor_unref(a);
        if (parent)
            return aw__fail(AW_EINVAL, "actor '%s' is supervised by '%s': use "
                            "aw_supervisor_terminate_child to stop it", name, parent);
        if (sup)
            return aw__fail(AW_EINVAL, "'%s' is a supervisor: use aw_supervisor_stop", name);
    }
    aw__request_stop(a, AW_STOP_REASON_NORMAL);
    aw_actor_wait_dead(a);
    aw_actor_unref(a);
    return AW_OK;
}

aw_err aw_actor_state_of(aw_runtime *rt, const char *name, aw_actor_state *out)
{
    aw__clear_error();
    aw_actor *a;
    aw_err rc = lookup(rt, name, &a);
    if (rc) return rc;
    *out = (aw_actor_state)atomic_load(&a->state);
    aw_actor_unref(a);
    return AW_OK;
}
