/* manifest_deploy.c - a manifest against a runtime: checking its components
 * (aw_manifest_check_components) and starting and stopping what it
 * declares (aw_deployment_*).
 *
 * Everything goes through the public API, in a fixed order: components
 * are loaded (compiled, or found in the cache), unsupervised actors are
 * spawned (with their subscriptions in their specs, so a restart keeps
 * them), root supervisors are started with their trees, then routes and
 * pipelines are created; each step needs the ones before (a route's
 * targets must exist). The deployment records each thing as it is made, so a failure
 * part way undoes exactly what was made, in reverse, and stopping a
 * deployment is the same undo. A failure names the manifest entry and
 * its line: "app.yaml:14:11: actor 'greeter': ...".
 *
 * The deployment copies every name it needs: the manifest may be freed
 * once the deployment has started. Components are loaded under their
 * manifest names (not their file names), so errors, listings and the
 * audit trail use the names the manifest gave. */
#include "manifest_int.h"
#include "../engine/engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct dep_comp { char *name; aw_component *c; } dep_comp;
typedef struct dep_pipe { char *name; aw_pipeline *pl; } dep_pipe;

struct aw_deployment {
    aw_runtime *rt;
    dep_comp *comps;
    size_t n_comps, cap_comps;
    char **actors;      /* unsupervised, in start order */
    size_t n_actors;
    char **sups;        /* root supervisors */
    size_t n_sups;
    char **routes;
    size_t n_routes;
    dep_pipe *pipes;
    size_t n_pipes;
    const char **names; /* aw_deployment_*_names: rebuilt on each call */
};

/* ---- components --------------------------------------------------------------- */

static aw_err read_all(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        aw_err e = aw__fail(errno == ENOENT ? AW_ENOENT : AW_EIO, "cannot open '%s': %s", path,
                            strerror(errno));
        if (f) fclose(f);
        return e;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n ? n : 1);
    size_t got = b ? fread(b, 1, n, f) : 0;
    fclose(f);
    if (!b) return aw__fail(AW_ENOMEM, "out of memory reading '%s'", path);
    if (got != n) {
        free(b);
        return aw__fail(AW_EIO, "short read on '%s'", path);
    }
    *data = b;
    *len = n;
    return AW_OK;
}

/* Load one component with its grants and limits, under its manifest name. */
static aw_err load_component(aw_runtime *rt, const mf_component *mc, aw_component **out)
{
    aw_load_options o = {
        .grants = (const char *const *)mc->grants, .n_grants = mc->n_grants,
        .max_message_bytes = mc->lim.message_bytes, .rate_per_s = mc->lim.rate_per_s,
        .rate_burst = mc->lim.rate_burst, .max_memory_bytes = mc->lim.memory,
        .max_table_elements = mc->lim.table_elements, .handler_deadline_ms = mc->lim.deadline_ms,
        .fuel = mc->lim.fuel, .wasi = mc->wasi, .version = mc->version,
    };
    uint8_t *bytes = NULL;
    size_t len = 0;
    aw_err rc = read_all(mc->path, &bytes, &len);
    if (rc) return rc;
    rc = aw_component_load_opts(rt, mc->name, bytes, len, &o, out);
    free(bytes);
    return rc;
}

/* The runtime's error, prefixed with the manifest entry and its line. */
static aw_err fail_at(const aw_manifest *m, mf_pos pos, const char *what, const char *name,
                      aw_err rc)
{
    char *why = strdup(aw_last_error());
    rc = aw__fail(rc, "%s:%u:%u: %s '%s': %s", m->file, pos.line, pos.col, what, name,
                  why ? why : aw_strerror(rc));
    free(why);
    return rc;
}

/* A loader's detail may list problems on several lines ("\n  - ..."):
 * joined into one, since each problem of a manifest is one line. */
static void one_line(char *s)
{
    char *o = s;
    for (const char *i = s; *i;) {
        if (*i != '\n') { *o++ = *i++; continue; }
        while (*i == '\n' || *i == ' ' || *i == '\t') i++;
        if (*i && o > s) *o++ = ' ';
    }
    *o = 0;
}

aw_err aw_manifest_check_components(aw_runtime *rt, const aw_manifest *m,
                                    aw_manifest_progress_fn progress, void *ud, char **errors)
{
    aw__clear_error();
    if (errors) *errors = NULL;
    if (!rt || !m) return aw__fail(AW_EINVAL, "aw_manifest_check_components: rt and m are required");
    char *all = NULL;
    size_t len = 0, bad = 0;
    aw_err first = AW_OK;
    for (size_t i = 0; i < m->n_comps; i++) {
        const mf_component *mc = &m->comps[i];
        aw_component *c = NULL;
        if (progress) progress(ud, mc->name, (size_t)mc->size, i + 1, m->n_comps);
        aw_err rc = load_component(rt, mc, &c);
        aw_component_release(c);
        if (!rc) continue;
        char *line = aw__strfmt("%s:%u:%u: components.%s: %s", m->file, mc->pos.line,
                                mc->pos.col, mc->name, aw_last_error());
        if (line) {
            one_line(line);
            char *nl = aw__strfmt("%s\n", line);
            free(line);
            line = nl;
        }
        char *grown = line ? realloc(all, len + strlen(line) + 1) : NULL;
        if (grown) {
            memcpy(grown + len, line, strlen(line) + 1);
            len += strlen(line);
            all = grown;
        }
        free(line);
        if (!first) first = rc;
        bad++;
    }
    if (!bad) return AW_OK;
    aw_err rc = aw__fail(first, "%zu of %zu components of '%s' cannot be loaded; the first: %.*s",
                         bad, m->n_comps, m->file, all ? (int)strcspn(all, "\n") : 0,
                         all ? all : "");
    if (errors) *errors = all;
    else free(all);
    return rc;
}

/* ---- starting ----------------------------------------------------------------- */

static aw_actor_spec actor_spec(aw_deployment *d, const mf_actor *a)
{
    return (aw_actor_spec){
        .name = a->name, .component = d->comps[a->comp].c, .config = (const uint8_t *)a->config,
        .config_len = a->config ? strlen(a->config) : 0, .mailbox_capacity = a->mailbox,
        .handler_deadline_ms = a->deadline_ms, .subscribe = (const char *const *)a->subs,
        .n_subscribe = a->n_subs,
    };
}

static void free_sup_spec(aw_supervisor_spec *sp)
{
    for (size_t i = 0; i < sp->n_children; i++) {
        aw_supervisor_spec *sub = (aw_supervisor_spec *)sp->children[i].supervisor;
        if (sub) free_sup_spec(sub);
        free(sub);
    }
    free((aw_child_spec *)sp->children);
}

/* The runtime's spec for a manifest supervisor (it copies what it keeps). */
static bool build_sup(aw_deployment *d, const mf_sup *s, aw_supervisor_spec *sp)
{
    *sp = (aw_supervisor_spec){
        .name = s->name, .strategy = (aw_strategy)s->strategy, .max_restarts = s->max_restarts,
        .period_ms = s->period_ms, .backoff = s->backoff, .jitter_seed = s->jitter_seed,
    };
    aw_child_spec *kids = s->n_kids ? calloc(s->n_kids, sizeof *kids) : NULL;
    if (s->n_kids && !kids) return false;
    sp->children = kids;
    for (size_t i = 0; i < s->n_kids; i++, sp->n_children++) {
        const mf_child *c = &s->kids[i];
        if (c->actor) {
            kids[i].actor = actor_spec(d, c->actor);
            kids[i].restart = (aw_restart)c->actor->restart;
            kids[i].shutdown_ms = c->actor->shutdown_ms;
            kids[i].backoff = c->actor->has_backoff ? &c->actor->backoff : NULL;
            continue;
        }
        aw_supervisor_spec *sub = malloc(sizeof *sub);
        if (!sub || !build_sup(d, c->sup, sub)) {
            if (sub) free_sup_spec(sub);
            free(sub);
            return false;
        }
        kids[i].supervisor = sub;
        kids[i].restart = (aw_restart)c->sup->restart;
        kids[i].shutdown_ms = c->sup->shutdown_ms;
    }
    return true;
}

static aw_err load_all(aw_deployment *d, const aw_manifest *m, aw_manifest_progress_fn progress,
                       void *ud)
{
    for (size_t i = 0; i < m->n_comps; i++) {
        const mf_component *mc = &m->comps[i];
        dep_comp *dc = &d->comps[d->n_comps];
        if (progress) progress(ud, mc->name, (size_t)mc->size, i + 1, m->n_comps);
        if (!(dc->name = strdup(mc->name))) return aw__fail(AW_ENOMEM, "out of memory");
        aw_err rc = load_component(d->rt, mc, &dc->c);
        if (rc) {
            free(dc->name);
            return fail_at(m, mc->pos, "component", mc->name, rc);
        }
        d->n_comps++;
    }
    return AW_OK;
}

/* The outcome of making one entry: recorded for the undo under its name
 * (copied before it was made, so that nothing made goes unrecorded), or
 * the failure, naming the entry and its line. */
static aw_err record(const aw_manifest *m, mf_pos pos, const char *what, const char *name,
                     aw_err rc, char *copy, char **list, size_t *n)
{
    if (rc) {
        free(copy);
        return fail_at(m, pos, what, name, rc);
    }
    list[(*n)++] = copy;
    return AW_OK;
}

static aw_err spawn_all(aw_deployment *d, const aw_manifest *m)
{
    aw_err rc = AW_OK;
    for (size_t i = 0; i < m->n_actors && !rc; i++) {
        const mf_actor *a = m->actors[i];
        aw_actor_spec spec = actor_spec(d, a);
        char *name = strdup(a->name);
        rc = name ? aw_spawn(d->rt, &spec) : aw__fail(AW_ENOMEM, "out of memory");
        rc = record(m, a->pos, "actor", a->name, rc, name, d->actors, &d->n_actors);
    }
    return rc;
}

static aw_err start_sups(aw_deployment *d, const aw_manifest *m)
{
    aw_err rc = AW_OK;
    for (size_t i = 0; i < m->n_sups && !rc; i++) {
        const mf_sup *s = m->sups[i];
        aw_supervisor_spec sp;
        char *name = strdup(s->name);
        rc = name && build_sup(d, s, &sp) ? aw_supervisor_start(d->rt, &sp)
                                          : aw__fail(AW_ENOMEM, "out of memory");
        if (name) free_sup_spec(&sp);
        rc = record(m, s->pos, "supervisor", s->name, rc, name, d->sups, &d->n_sups);
    }
    return rc;
}

static aw_err route_all(aw_deployment *d, const aw_manifest *m)
{
    aw_err rc = AW_OK;
    for (size_t i = 0; i < m->n_routes && !rc; i++) {
        const mf_route *r = &m->routes[i];
        char *name = strdup(r->name);
        rc = name ? aw_route_create(d->rt, r->name, r->t, r->n) : aw__fail(AW_ENOMEM, "out of memory");
        rc = record(m, r->pos, "route", r->name, rc, name, d->routes, &d->n_routes);
    }
    return rc;
}

static aw_err pipe_all(aw_deployment *d, const aw_manifest *m)
{
    for (size_t i = 0; i < m->n_pipes; i++) {
        const mf_pipeline *p = &m->pipes[i];
        aw_pipeline_spec spec = {
            .name = p->name, .stages = p->stages, .n_stages = p->n_stages,
            .on_error = (aw_pipe_policy)p->on_error, .dead_letter_topic = p->dead_letter,
            .max_in_flight = p->max_in_flight,
        };
        dep_pipe *dp = &d->pipes[d->n_pipes];
        aw_err rc = (dp->name = strdup(p->name)) ? aw_pipeline_create(d->rt, &spec, &dp->pl)
                                                 : aw__fail(AW_ENOMEM, "out of memory");
        if (rc) {
            free(dp->name);
            return fail_at(m, p->pos, "pipeline", p->name, rc);
        }
        d->n_pipes++;
    }
    return AW_OK;
}

static aw_deployment *deployment_new(aw_runtime *rt, const aw_manifest *m)
{
    aw_deployment *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->rt = rt;
    d->cap_comps = m->n_comps;
    d->comps = calloc(m->n_comps + 1, sizeof *d->comps);
    d->actors = calloc(m->n_actors + 1, sizeof *d->actors);
    d->sups = calloc(m->n_sups + 1, sizeof *d->sups);
    d->routes = calloc(m->n_routes + 1, sizeof *d->routes);
    d->pipes = calloc(m->n_pipes + 1, sizeof *d->pipes);
    if (!d->comps || !d->actors || !d->sups || !d->routes || !d->pipes) {
        aw_deployment_stop(d);
        return NULL;
    }
    return d;
}

aw_err aw_deployment_start(aw_runtime *rt, const aw_manifest *m, aw_manifest_progress_fn progress,
                           void *ud, aw_deployment **out)
{
    aw__clear_error();
    if (!rt || !m || !out) return aw__fail(AW_EINVAL, "aw_deployment_start: rt, m and out are required");
    *out = NULL;
    aw_deployment *d = deployment_new(rt, m);
    if (!d) return aw__fail(AW_ENOMEM, "out of memory starting '%s'", m->file);
    aw_err rc = load_all(d, m, progress, ud);
    if (!rc) rc = spawn_all(d, m);
    if (!rc) rc = start_sups(d, m);
    if (!rc) rc = route_all(d, m);
    if (!rc) rc = pipe_all(d, m);
    if (rc) {
        char *why = strdup(aw_last_error());  /* the undo may set its own */
        aw_deployment_stop(d);
        aw__fail(rc, "%s", why ? why : aw_strerror(rc));
        free(why);
        return rc;
    }
    *out = d;
    return AW_OK;
}

aw_err aw_deployment_new(aw_runtime *rt, aw_deployment **out)
{
    static const aw_manifest none;  /* nothing declared: room for what comes later */
    aw__clear_error();
    if (!rt || !out) return aw__fail(AW_EINVAL, "aw_deployment_new: rt and out are required");
    *out = deployment_new(rt, &none);
    return *out ? AW_OK : aw__fail(AW_ENOMEM, "out of memory for a deployment");
}

/* ---- while it runs -------------------------------------------------------------- */

aw_component *aw_deployment_component(aw_deployment *d, const char *name)
{
    for (size_t i = 0; d && name && i < d->n_comps; i++)
        if (!strcmp(d->comps[i].name, name)) return d->comps[i].c;
    return NULL;
}

aw_err aw_deployment_add_component(aw_deployment *d, const char *name, aw_component *c)
{
    aw__clear_error();
    if (!d || !name || !*name || !c)
        return aw__fail(AW_EINVAL, "aw_deployment_add_component: d, a name and c are required");
    atomic_fetch_add(&c->refs, 1);  /* the deployment's own reference */
    for (size_t i = 0; i < d->n_comps; i++)
        if (!strcmp(d->comps[i].name, name)) {
            aw_component_release(d->comps[i].c);
            d->comps[i].c = c;
            return AW_OK;
        }
    if (d->n_comps == d->cap_comps) {
        size_t cap = d->cap_comps ? d->cap_comps * 2 : 4;
        dep_comp *v = realloc(d->comps, cap * sizeof *v);
        if (!v) {
            aw_component_release(c);
            return aw__fail(AW_ENOMEM, "out of memory adding component '%s'", name);
        }
        d->comps = v;
        d->cap_comps = cap;
    }
    char *copy = strdup(name);
    if (!copy) {
        aw_component_release(c);
        return aw__fail(AW_ENOMEM, "out of memory adding component '%s'", name);
    }
    d->comps[d->n_comps++] = (dep_comp){copy, c};
    return AW_OK;
}

aw_err aw_deployment_remove_component(aw_deployment *d, const char *name)
{
    aw__clear_error();
    if (!d || !name) return aw__fail(AW_EINVAL, "aw_deployment_remove_component: NULL argument");
    for (size_t i = 0; i < d->n_comps; i++)
        if (!strcmp(d->comps[i].name, name)) {
            aw_component_release(d->comps[i].c);
            free(d->comps[i].name);
            memmove(&d->comps[i], &d->comps[i + 1], (d->n_comps - i - 1) * sizeof *d->comps);
            d->n_comps--;
            return AW_OK;
        }
    return aw__fail(AW_ENOENT, "no component named '%s' in the deployment", name);
}

aw_pipeline *aw_deployment_pipeline(aw_deployment *d, const char *name)
{
    for (size_t i = 0; d && name && i < d->n_pipes; i++)
        if (!strcmp(d->pipes[i].name, name)) return d->pipes[i].pl;
    return NULL;
}

/* The names array is shared by both listings: each call rebuilds it. */
static size_t list_names(aw_deployment *d, size_t n, size_t stride, const char *base,
                         const char ***out)
{
    const char **v = realloc(d->names, (n + 1) * sizeof *v);
    if (!v) { *out = NULL; return 0; }
    d->names = v;
    for (size_t i = 0; i < n; i++) v[i] = *(char *const *)(base + i * stride);
    v[n] = NULL;
    *out = v;
    return n;
}

size_t aw_deployment_component_names(aw_deployment *d, const char ***out)
{
    if (!d || !out) return 0;
    return list_names(d, d->n_comps, sizeof *d->comps, (const char *)d->comps, out);
}

size_t aw_deployment_pipeline_names(aw_deployment *d, const char ***out)
{
    if (!d || !out) return 0;
    return list_names(d, d->n_pipes, sizeof *d->pipes, (const char *)d->pipes, out);
}

/* ---- stopping ----------------------------------------------------------------- */

/* Exactly the reverse of the start. Each step tolerates a thing already
 * gone (an actor stopped by hand, a supervisor that gave up). */
void aw_deployment_stop(aw_deployment *d)
{
    if (!d) return;
    for (size_t i = d->n_pipes; i-- > 0;) {
        aw_pipeline_free(d->pipes[i].pl);
        free(d->pipes[i].name);
    }
    for (size_t i = d->n_routes; i-- > 0;) {
        aw_stop(d->rt, d->routes[i]);
        free(d->routes[i]);
    }
    for (size_t i = d->n_sups; i-- > 0;) {
        aw_supervisor_stop(d->rt, d->sups[i]);
        free(d->sups[i]);
    }
    for (size_t i = d->n_actors; i-- > 0;) {
        aw_stop(d->rt, d->actors[i]);
        free(d->actors[i]);
    }
    for (size_t i = d->n_comps; i-- > 0;) {
        aw_component_release(d->comps[i].c);
        free(d->comps[i].name);
    }
    free(d->pipes);
    free(d->routes);
    free(d->sups);
    free(d->actors);
    free(d->comps);
    free(d->names);
    free(d);
}
