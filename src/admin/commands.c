/* commands.c - what each admin command does (aw_admin, `airssys-wasm up`).
 *
 * Every command is one request and one reply (see admin.h), run on the
 * connection's own thread through the public C API, which is thread-safe;
 * the host's mutex only guards the deployment's name tables. Errors come
 * back as the aw_err name and aw_last_error()'s sentence, so the client
 * can print them and pick its exit code. Data comes back as tab-separated
 * rows (names cannot hold tabs or newlines; labels are cleaned). */
#include "admin_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

typedef struct req {
    aw_admin *h;
    int fd;
    const adm_msg *m;
    adm_out o;
} req;

/* Field i (after the protocol tag and the command) as a string; "" if absent. */
static char *arg(req *r, size_t i)
{
    char *s = adm_str(r->m, i + 2);
    return s ? s : strdup("");
}

static size_t nargs(req *r) { return r->m->n > 2 ? r->m->n - 2 : 0; }

/* A failure found here rather than in the library: its sentence, for the
 * reply (aw_last_error() holds the library's). */
static _Thread_local char r_detail[1024];

static void r_error(aw_err rc, const char *fmt, const char *a, const char *b)
{
    (void)rc;
    snprintf(r_detail, sizeof r_detail, fmt, a, b);
}

static void reply_status(req *r, aw_err rc)
{
    adm_puts(&r->o, aw_err_name(rc));
    adm_puts(&r->o, !rc ? "" : *r_detail ? r_detail : aw_last_error());
    *r_detail = 0;
}

static bool send_reply(req *r) { return adm_send(r->fd, &r->o) == 0; }

static void fail(req *r, aw_err rc, const char *fmt, const char *a)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, a);
    adm_puts(&r->o, aw_err_name(rc));
    adm_puts(&r->o, msg);
    send_reply(r);
}

static uint32_t to_ms(const char *s, uint32_t dflt)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end) return dflt;
    return v > ADMIN_MAX_TIMEOUT_MS || v == 0 ? ADMIN_MAX_TIMEOUT_MS : (uint32_t)v;
}

static void progress(req *r, const char *fmt, const char *a, double mb)
{
    adm_puts(&r->o, "progress");
    adm_putf(&r->o, fmt, a, mb);
    send_reply(r);
}

/* ---- ps ---------------------------------------------------------------------- */

static void clean_label(char *s)
{
    for (; s && *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

static void cmd_ps(req *r)
{
    aw_actor_info *v;
    size_t n;
    aw_err rc = aw_actors(r->h->rt, &v, &n);
    reply_status(r, rc);
    if (rc) { send_reply(r); return; }
    char *text = NULL;
    size_t tl = 0;
    FILE *f = open_memstream(&text, &tl);
    for (size_t i = 0; f && i < n; i++) {
        clean_label(v[i].version);
        fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%u\t%u\t%u\t%llu\t%llu\n", v[i].name,
                aw_actor_kind_name(v[i].kind), v[i].component ? v[i].component : "-",
                v[i].version ? v[i].version : "-", v[i].supervisor ? v[i].supervisor : "-",
                aw_actor_state_name(v[i].state), v[i].restarts, v[i].mailbox_depth,
                v[i].mailbox_capacity, (unsigned long long)v[i].handled,
                (unsigned long long)v[i].memory_bytes);
    }
    if (f) fclose(f);
    aw_actor_info_free(v, n);
    adm_put(&r->o, text ? text : "", text ? tl : 0);
    free(text);
    /* pipelines, with their counts */
    text = NULL;
    f = open_memstream(&text, &tl);
    pthread_mutex_lock(&r->h->mu);
    const char **names;
    size_t np = r->h->dep ? aw_deployment_pipeline_names(r->h->dep, &names) : 0;
    for (size_t i = 0; f && i < np; i++) {
        aw_pipeline_counts c;
        if (aw_pipeline_stats(aw_deployment_pipeline(r->h->dep, names[i]), &c) != AW_OK) continue;
        fprintf(f, "%s\t%llu\t%llu\t%llu\t%llu\t%u\t%s\n", names[i],
                (unsigned long long)c.accepted, (unsigned long long)c.completed,
                (unsigned long long)c.failed, (unsigned long long)c.dead_lettered, c.in_flight,
                c.stopped ? "stopped" : "running");
    }
    pthread_mutex_unlock(&r->h->mu);
    if (f) fclose(f);
    adm_put(&r->o, text ? text : "", text ? tl : 0);
    free(text);
    send_reply(r);
}

/* ---- messages ---------------------------------------------------------------- */

/* args: to, data, timeout_ms, "pipeline" or "" */
static void cmd_send(req *r, bool ask)
{
    char *to = arg(r, 0), *tmo = arg(r, 2), *mode = arg(r, 3);
    const uint8_t *data = r->m->n > 3 ? r->m->f[3] : NULL;
    size_t len = r->m->n > 3 ? r->m->len[3] : 0;
    uint32_t ms = to_ms(tmo, 30000);
    aw_reply rep = {0};
    aw_err rc;
    if (!strcmp(mode, "pipeline")) {
        pthread_mutex_lock(&r->h->mu);
        aw_pipeline *pl = r->h->dep ? aw_deployment_pipeline(r->h->dep, to) : NULL;
        pthread_mutex_unlock(&r->h->mu);
        if (!pl) {
            fail(r, AW_ENOENT, "no pipeline named '%s' in the deployment", to);
            goto out;
        }
        rc = ask ? aw_pipeline_request(pl, data, len, ms, &rep) : aw_pipeline_send(pl, data, len, ms);
    } else {
        rc = ask ? aw_request(r->h->rt, to, data, len, ms, &rep) : aw_send_wait(r->h->rt, to, data, len, ms);
    }
    reply_status(r, rc);
    if (ask && (rc == AW_OK || rc == AW_EGUEST)) {
        adm_putf(&r->o, "%d", rep.status);
        adm_put(&r->o, rep.data, rep.len);
    }
    send_reply(r);
    aw_reply_free(&rep);
out:
    free(to); free(tmo); free(mode);
}

static void cmd_publish(req *r)
{
    char *topic = arg(r, 0);
    aw_publish_result pr = {0};
    aw_err rc = aw_publish(r->h->rt, topic, r->m->n > 3 ? r->m->f[3] : NULL,
                           r->m->n > 3 ? r->m->len[3] : 0, &pr);
    reply_status(r, rc);
    adm_putf(&r->o, "%zu", pr.matched);
    adm_putf(&r->o, "%zu", pr.delivered);
    send_reply(r);
    free(topic);
}

/* ---- code: deploy and upgrade --------------------------------------------------- */

/* The host reads the file itself (the client sent an absolute path); a
 * failure becomes the reply's sentence, not a line on the host's stderr. */
static aw_err read_whole(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = f ? EISDIR : errno;
        if (f) fclose(f);
        r_error(e == ENOENT ? AW_ENOENT : AW_EIO, "cannot open '%s': %s", path, strerror(e));
        return e == ENOENT ? AW_ENOENT : AW_EIO;
    }
    *out = malloc(st.st_size ? (size_t)st.st_size : 1);
    *len = *out ? fread(*out, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!*out || *len != (size_t)st.st_size) {
        free(*out);
        r_error(AW_EIO, "cannot read '%s'", path, "");
        return AW_EIO;
    }
    return AW_OK;
}

/* Load `path` as component `name` and add it to the deployment (progress
 * frames first: a big component takes a while to compile). grants start
 * at field `g0`. */
static aw_err load_into(req *r, const char *name, const char *path, const char *version,
                        bool wasi, size_t g0, aw_component **out)
{
    uint8_t *bytes;
    size_t len;
    aw_err rc = read_whole(path, &bytes, &len);
    if (rc) return rc;
    size_t ng = nargs(r) > g0 ? nargs(r) - g0 : 0;
    char **grants = calloc(ng ? ng : 1, sizeof *grants);
    for (size_t i = 0; grants && i < ng; i++) grants[i] = arg(r, g0 + i);
    progress(r, "compiling %s (%.1f MB)", name, len / 1e6);
    aw_load_options lo = {.grants = (const char *const *)grants, .n_grants = ng, .wasi = wasi,
                          .version = *version ? version : NULL};
    rc = grants ? aw_component_load_opts(r->h->rt, name, bytes, len, &lo, out) : AW_ENOMEM;
    free(bytes);
    for (size_t i = 0; grants && i < ng; i++) free(grants[i]);
    free(grants);
    if (rc) return rc;
    pthread_mutex_lock(&r->h->mu);
    rc = aw_deployment_add_component(r->h->dep, name, *out);
    pthread_mutex_unlock(&r->h->mu);
    return rc;
}

static void remember(aw_admin *h, const char *name)
{
    pthread_mutex_lock(&h->mu);
    char **v = realloc(h->spawned, (h->n_spawned + 1) * sizeof *v);
    if (v) {
        h->spawned = v;
        if ((v[h->n_spawned] = strdup(name))) h->n_spawned++;
    }
    pthread_mutex_unlock(&h->mu);
}

/* args: name, path, version, wasi, spawn-as, supervisor, config, restart, grants... */
static void cmd_deploy(req *r)
{
    char *a[8];
    for (int i = 0; i < 8; i++) a[i] = arg(r, (size_t)i);
    char *name = a[0], *path = a[1], *spawn = a[4], *sup = a[5], *config = a[6];
    aw_component *c = NULL;
    aw_err rc = load_into(r, name, path, a[2], !strcmp(a[3], "1"), 8, &c);
    if (rc == AW_OK && *spawn) {
        aw_actor_spec spec = {.name = spawn, .component = c, .config = (const uint8_t *)config,
                              .config_len = strlen(config)};
        if (*sup) {
            aw_restart how = !strcmp(a[7], "transient") ? AW_TRANSIENT
                             : !strcmp(a[7], "temporary") ? AW_TEMPORARY : AW_PERMANENT;
            aw_child_spec ch = {.actor = spec, .restart = how};
            rc = aw_supervisor_start_child(r->h->rt, sup, &ch);
        } else if ((rc = aw_spawn(r->h->rt, &spec)) == AW_OK) {
            remember(r->h, spawn);
        }
    }
    reply_status(r, rc);
    if (rc == AW_OK) {
        adm_puts(&r->o, aw_format_name(aw_component_format(c)));
        adm_puts(&r->o, spawn);
    }
    send_reply(r);
    aw_component_release(c);
    for (int i = 0; i < 8; i++) free(a[i]);
}

/* args: actor, component name or path, handoff, config, version, wasi, grants... */
static void cmd_upgrade(req *r)
{
    char *a[6];
    for (int i = 0; i < 6; i++) a[i] = arg(r, (size_t)i);
    aw_component *c = NULL;
    aw_err rc = AW_OK;
    aw_upgrade_options uo = {.config = (const uint8_t *)a[3], .config_len = strlen(a[3]),
                             .handoff = !strcmp(a[2], "1")};
    /* a component of the deployment: a reference of our own, so that a
     * concurrent deploy cannot free it under the upgrade (which may take
     * long: the lock is not held meanwhile, `ps` must not wait for it) */
    pthread_mutex_lock(&r->h->mu);
    aw_component *known = r->h->dep ? aw_component_retain(aw_deployment_component(r->h->dep, a[1]))
                                    : NULL;
    pthread_mutex_unlock(&r->h->mu);
    if (known) {
        rc = aw_upgrade(r->h->rt, a[0], known, &uo);
        aw_component_release(known);
    } else {
        /* a file: the component takes its name from it, without ".wasm" */
        char *base = strrchr(a[1], '/') ? strrchr(a[1], '/') + 1 : a[1];
        char *name = strdup(base);
        char *dot = name ? strstr(name, ".wasm") : NULL;
        if (dot && !dot[5]) *dot = 0;
        rc = name ? load_into(r, name, a[1], a[4], !strcmp(a[5], "1"), 6, &c) : AW_ENOMEM;
        free(name);
        if (rc == AW_OK) rc = aw_upgrade(r->h->rt, a[0], c, &uo);
    }
    reply_status(r, rc);
    if (rc == AW_OK) adm_putf(&r->o, "%llu", (unsigned long long)uo.switch_ns);
    send_reply(r);
    aw_component_release(c);
    for (int i = 0; i < 6; i++) free(a[i]);
}

/* Unload a component: stop every actor running it (a supervised one
 * through its supervisor, and its spec is deleted, or it would come back),
 * then forget it. Replies how many actors were stopped. */
static void cmd_undeploy(req *r)
{
    char *name = arg(r, 0);
    aw_actor_info *v;
    size_t n, stopped = 0;
    aw_err rc = aw_actors(r->h->rt, &v, &n);
    bool listed = rc == AW_OK;
    for (size_t i = 0; rc == AW_OK && i < n; i++) {
        if (!v[i].component || strcmp(v[i].component, name) || v[i].kind == AW_KIND_ROUTE) continue;
        if (v[i].supervisor) {
            rc = aw_supervisor_terminate_child(r->h->rt, v[i].supervisor, v[i].name);
            if (rc == AW_OK) rc = aw_supervisor_delete_child(r->h->rt, v[i].supervisor, v[i].name);
        } else {
            rc = aw_stop(r->h->rt, v[i].name);
        }
        if (rc == AW_ENOENT) rc = AW_OK;  /* it ended meanwhile */
        stopped += rc == AW_OK;
    }
    if (listed) aw_actor_info_free(v, n);
    if (rc == AW_OK) {
        pthread_mutex_lock(&r->h->mu);
        rc = r->h->dep ? aw_deployment_remove_component(r->h->dep, name) : AW_ENOENT;
        pthread_mutex_unlock(&r->h->mu);
    }
    reply_status(r, rc);
    adm_putf(&r->o, "%zu", stopped);
    send_reply(r);
    free(name);
}

/* ---- routes and stops ------------------------------------------------------------ */

/* Every route: name, targets (actor=weight,...), forwarded, undelivered. */
static void route_list(req *r)
{
    aw_actor_info *v;
    size_t n;
    aw_err rc = aw_actors(r->h->rt, &v, &n);
    char *text = NULL;
    size_t tl = 0;
    FILE *f = rc ? NULL : open_memstream(&text, &tl);
    for (size_t i = 0; f && i < n; i++) {
        aw_route_info ri;
        if (v[i].kind != AW_KIND_ROUTE || aw_route_info_get(r->h->rt, v[i].name, &ri) != AW_OK)
            continue;  /* gone since the listing */
        fprintf(f, "%s\t", v[i].name);
        for (size_t k = 0; k < ri.n_targets; k++)
            fprintf(f, "%s%s=%u", k ? "," : "", ri.targets[k].actor, ri.targets[k].weight);
        fprintf(f, "\t%llu\t%llu\n", (unsigned long long)ri.forwarded,
                (unsigned long long)ri.undelivered);
        aw_route_info_free(&ri);
    }
    if (f) fclose(f);
    if (!rc) aw_actor_info_free(v, n);
    reply_status(r, rc);
    adm_put(&r->o, text ? text : "", text ? tl : 0);
    send_reply(r);
    free(text);
}

/* args: create|set|remove-version, route, then actor=weight... or an actor */
static void cmd_route(req *r)
{
    if (adm_is(r->m, 2, "ls")) { route_list(r); return; }
    char *sub = arg(r, 0), *route = arg(r, 1);
    size_t n = nargs(r) > 2 ? nargs(r) - 2 : 0;
    aw_route_target *t = calloc(n ? n : 1, sizeof *t);
    char **names = calloc(n ? n : 1, sizeof *names);
    aw_err rc = t && names ? AW_OK : AW_ENOMEM;
    for (size_t i = 0; rc == AW_OK && i < n; i++) {
        names[i] = arg(r, 2 + i);
        char *eq = strrchr(names[i], '=');
        t[i].actor = names[i];
        t[i].weight = 1;
        if (eq) {
            char *end;
            *eq = 0;
            unsigned long w = strtoul(eq + 1, &end, 10);
            if (!eq[1] || *end || w > UINT32_MAX) {
                fail(r, AW_EINVAL, "bad weight in '%s': expected actor=weight", names[i]);
                goto out;
            }
            t[i].weight = (uint32_t)w;
        }
    }
    if (rc == AW_OK) {
        if (!strcmp(sub, "create")) rc = aw_route_create(r->h->rt, route, t, n);
        else if (!strcmp(sub, "set")) rc = aw_route_set(r->h->rt, route, t, n);
        else if (!strcmp(sub, "remove-version") && n == 1)
            rc = aw_route_remove_version(r->h->rt, route, t[0].actor);
        else {
            fail(r, AW_EINVAL, "unknown route command '%s' (create, set, remove-version ACTOR)", sub);
            goto out;
        }
    }
    reply_status(r, rc);
    send_reply(r);
out:
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(names);
    free(t);
    free(sub);
    free(route);
}

/* A supervised child is terminated through its supervisor (or it would be
 * restarted), a supervisor stops its tree, anything else stops. */
static void cmd_stop(req *r)
{
    char *name = arg(r, 0);
    aw_actor_info *v;
    size_t n;
    aw_err rc = aw_actors(r->h->rt, &v, &n);
    if (rc) { reply_status(r, rc); send_reply(r); free(name); return; }
    const aw_actor_info *me = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name)) me = &v[i];
    if (!me) fail(r, AW_ENOENT, "no actor named '%s'", name);
    else {
        if (me->supervisor) rc = aw_supervisor_terminate_child(r->h->rt, me->supervisor, name);
        else if (me->kind == AW_KIND_SUPERVISOR) rc = aw_supervisor_stop(r->h->rt, name);
        else rc = aw_stop(r->h->rt, name);
        reply_status(r, rc);
        send_reply(r);
    }
    aw_actor_info_free(v, n);
    free(name);
}

/* ---- logs ------------------------------------------------------------------------ */

static bool wanted(const char *line, const char *source)
{
    if (!*source || !strcmp(source, "all")) return true;
    const char *tab = strchr(line, '\t');
    size_t n = strlen(source);
    return tab && !strncmp(tab + 1, source, n) && tab[1 + n] == '\t';
}

static bool client_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;  /* a client sends nothing more: readable means closed */
}

/* args: last-n, follow (1/0), source (all|guest|runtime|audit) */
static void cmd_logs(req *r)
{
    char *ns = arg(r, 0), *follow = arg(r, 1), *source = arg(r, 2);
    aw_admin *h = r->h;
    uint64_t want = strtoull(ns, NULL, 10);
    reply_status(r, AW_OK);
    bool ok2 = send_reply(r);
    pthread_mutex_lock(&h->log_mu);
    uint64_t held = h->log_seq < h->ring_cap ? h->log_seq : h->ring_cap;
    uint64_t next = h->log_seq - held;
    /* the last `want` matching lines: walk back to find where they start */
    uint64_t start = h->log_seq, found = 0;
    while (start > next && found < want)
        if (wanted(h->ring[--start % h->ring_cap], source)) found++;
    next = start;
    for (;;) {
        while (ok2 && next < h->log_seq) {
            if (next + h->ring_cap < h->log_seq) next = h->log_seq - h->ring_cap;  /* fell behind */
            char *line = strdup(h->ring[next++ % h->ring_cap]);
            if (!line || !wanted(line, source)) { free(line); continue; }
            pthread_mutex_unlock(&h->log_mu);
            adm_puts(&r->o, "line");
            adm_puts(&r->o, line);
            ok2 = adm_send(r->fd, &r->o) == 0;
            free(line);
            pthread_mutex_lock(&h->log_mu);
        }
        if (!ok2 || strcmp(follow, "1") || atomic_load(&h->quit) || client_gone(r->fd)) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&h->log_cv, &h->log_mu, &ts);
    }
    pthread_mutex_unlock(&h->log_mu);
    adm_puts(&r->o, "end");
    if (ok2) send_reply(r);
    free(ns); free(follow); free(source);
}

/* ---- dispatch -------------------------------------------------------------------- */

void aw__admin_handle(aw_admin *h, int fd, const adm_msg *m)
{
    req r = {.h = h, .fd = fd, .m = m};
    *r_detail = 0;
    adm_out_init(&r.o);
    if (!adm_is(m, 0, ADMIN_PROTO)) {
        fail(&r, AW_ENOTSUP, "this host speaks %s only", ADMIN_PROTO);
    } else if (adm_is(m, 1, "ps")) cmd_ps(&r);
    else if (adm_is(m, 1, "send")) cmd_send(&r, false);
    else if (adm_is(m, 1, "request")) cmd_send(&r, true);
    else if (adm_is(m, 1, "publish")) cmd_publish(&r);
    else if (adm_is(m, 1, "deploy")) cmd_deploy(&r);
    else if (adm_is(m, 1, "upgrade")) cmd_upgrade(&r);
    else if (adm_is(m, 1, "undeploy")) cmd_undeploy(&r);
    else if (adm_is(m, 1, "route")) cmd_route(&r);
    else if (adm_is(m, 1, "stop")) cmd_stop(&r);
    else if (adm_is(m, 1, "logs")) cmd_logs(&r);
    else if (adm_is(m, 1, "down") && !h->on_down) {
        fail(&r, AW_ENOTSUP, "this host does not take 'down' over its admin socket%s", "");
    } else if (adm_is(m, 1, "down")) {
        reply_status(&r, AW_OK);
        send_reply(&r);
        h->on_down(h->on_down_ud);
    } else {
        char *c = adm_str(m, 1);
        fail(&r, AW_ENOTSUP, "unknown admin command '%s'", c ? c : "");
        free(c);
    }
    adm_out_free(&r.o);
}
