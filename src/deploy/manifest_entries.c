/* manifest_entries.c - the manifest's actors, supervisors, routes and
 * pipelines, with their cross checks.
 *
 * Sections are read in start order (actors, supervisors, routes,
 * pipelines), so each reference is checked when it is read, at its own
 * line: an actor's component against `components`; a route's targets and
 * a pipeline's stages against the names declared before. Actors
 * (supervised or not), supervisors and routes share the runtime's name
 * space, so a name may be declared once across all of them (mf_declare).
 * Route names are declared before any target is read, so that a target
 * naming a route is told it is one rather than that it is unknown.
 *
 * Supervisor trees recurse, and YAML aliases can make a node its own
 * descendant or repeat a subtree many times: nesting stops at
 * MF_MAX_DEPTH and the whole manifest at MF_MAX_ENTRIES actors plus
 * supervisors. */
#include "manifest_int.h"
#include "../registry/pubsub.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const restarts[] = {"permanent", "transient", "temporary", NULL};

/* ---- actors ------------------------------------------------------------------- */

#define ACT(f) offsetof(mf_actor, f)
/* The first three are an actor's; a supervised child has the last two too. */
static const mf_field actor_fields[] = {
    {"config", MF_STR, ACT(config), 0, 0, NULL},
    {"mailbox", MF_U32, ACT(mailbox), 1, UINT32_MAX, NULL},
    {"deadline_ms", MF_DEADLINE, ACT(deadline_ms), 0, UINT32_MAX - 1, NULL},
    {"restart", MF_ENUM, ACT(restart), 0, 0, restarts},
    {"shutdown_ms", MF_U32, ACT(shutdown_ms), 0, UINT32_MAX, NULL},
};
static const char *const actor_more[] = {"name", "component", "subscribe", NULL};
static const char *const child_more[] = {"name", "component", "subscribe", "backoff", NULL};

#define BO(f) offsetof(aw_backoff, f)
static const mf_field backoff_fields[] = {
    {"initial_ms", MF_U32, BO(initial_ms), 0, UINT32_MAX, NULL},
    {"max_ms", MF_U32, BO(max_ms), 0, UINT32_MAX, NULL},
    {"factor", MF_REAL, BO(factor), 0, 1000, NULL},
    {"jitter", MF_REAL, BO(jitter), 0, 1, NULL},
    {"reset_after_ms", MF_U32, BO(reset_after_ms), 0, UINT32_MAX, NULL},
};

void mf_actor_free(mf_actor *a)
{
    if (!a) return;
    free(a->name);
    free(a->config);
    for (size_t i = 0; i < a->n_subs; i++) free(a->subs[i]);
    free(a->subs);
    free(a);
}

/* One more actor or supervisor; false past the cap (reported once). */
static bool count_entry(mf_parser *p, yaml_node_t *n)
{
    if (++p->entries == MF_MAX_ENTRIES + 1)
        mf_err(p, n, "more than %d actors and supervisors in one manifest", MF_MAX_ENTRIES);
    return p->entries <= MF_MAX_ENTRIES;
}

static bool check_pattern(mf_parser *p, yaml_node_t *n, const char *s)
{
    if (aw_topic_check(s, strlen(s), true) == AW_OK) return true;
    mf_err(p, n, "%s", aw_last_error());
    return false;
}

static void unknown_component(mf_parser *p, yaml_node_t *n, const char *name)
{
    char list[256] = "", q[128];
    size_t o = 0;
    for (size_t i = 0; i < p->m->n_comps && o < sizeof list; i++)
        if (p->m->comps[i].name)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "",
                                  p->m->comps[i].name);
    mf_err(p, n, "unknown component '%s' (%s%s)", mf_quote(name, q, sizeof q),
           o ? "declared: " : "no components are declared", list);
}

/* An actor, or (child) a supervised actor. NULL when not a mapping. */
static mf_actor *parse_actor(mf_parser *p, yaml_node_t *n, bool child)
{
    size_t nf = child ? 5 : 3;
    yaml_node_t *v[9];
    mf_actor *a = calloc(1, sizeof *a);
    if (!a) { p->oom = true; return NULL; }
    a->comp = SIZE_MAX;
    a->pos = mf_pos_of(n);
    if (!mf_map(p, n, actor_fields, nf, a, &a->set, child ? child_more : actor_more, v)) {
        free(a);
        return NULL;
    }
    yaml_node_t *name = v[nf], *comp = v[nf + 1], *subs = v[nf + 2];
    size_t mark = mf_push_key(p, "name");
    if (!name) mf_err(p, n, "missing required key 'name'");
    else if ((a->name = mf_name_of(p, name, "an actor name"))) {
        a->pos = mf_pos_of(name);
        mf_declare(p, a->name, MF_ACTOR, a->pos);
    }
    mf_pop(p, mark);
    mark = mf_push_key(p, "component");
    const char *c = comp ? mf_scalar(p, comp, "a component name") : NULL;
    if (!comp) mf_err(p, n, "missing required key 'component'");
    else if (c && (a->comp = mf_component_index(p->m, c)) == SIZE_MAX) unknown_component(p, comp, c);
    mf_pop(p, mark);
    mark = mf_push_key(p, "subscribe");
    mf_strings(p, subs, "topic patterns", check_pattern, &a->subs, &a->n_subs);
    mf_pop(p, mark);
    if (child && v[nf + 3]) {
        yaml_node_t *unused[5];
        mark = mf_push_key(p, "backoff");
        a->has_backoff = mf_map(p, v[nf + 3], backoff_fields, 5, &a->backoff, NULL, NULL, unused);
        mf_pop(p, mark);
    }
    return a;
}

void mf_parse_actors(mf_parser *p, yaml_node_t *n)
{
    yaml_node_item_t *it;
    size_t k;
    size_t mark = mf_push_key(p, "actors");
    if (mf_seq(p, n, "actors", &it, &k) && k) {
        if (!(p->m->actors = calloc(k, sizeof *p->m->actors))) p->oom = true;
        for (size_t i = 0; i < k && !p->oom; i++) {
            yaml_node_t *e = mf_node(p, it[i]);
            if (!count_entry(p, e)) break;
            size_t m2 = mf_push_index(p, i);
            mf_actor *a = parse_actor(p, e, false);
            if (a) p->m->actors[p->m->n_actors++] = a;
            mf_pop(p, m2);
        }
    }
    mf_pop(p, mark);
}

/* ---- supervisors ------------------------------------------------------------------ */

static const char *const strategies[] = {"one-for-one", "one-for-all", "rest-for-one", NULL};

#define SUP(f) offsetof(mf_sup, f)
static const mf_field sup_fields[] = {
    {"strategy", MF_ENUM, SUP(strategy), 0, 0, strategies},
    {"max_restarts", MF_U32, SUP(max_restarts), 0, UINT32_MAX, NULL},
    {"period_ms", MF_U32, SUP(period_ms), 1, UINT32_MAX, NULL},
    {"jitter_seed", MF_U64, SUP(jitter_seed), 0, UINT64_MAX, NULL},
};
static const char *const sup_more[] = {"name", "children", "backoff", NULL};
/* A nested supervisor is a child item `{supervisor: {...}, restart, shutdown_ms}`. */
static const mf_field nested_fields[] = {
    {"restart", MF_ENUM, SUP(restart), 0, 0, restarts},
    {"shutdown_ms", MF_U32, SUP(shutdown_ms), 0, UINT32_MAX, NULL},
};
static const char *const nested_more[] = {"supervisor", NULL};

void mf_sup_free(mf_sup *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_kids; i++) {
        mf_actor_free(s->kids[i].actor);
        mf_sup_free(s->kids[i].sup);
    }
    free(s->kids);
    free(s->name);
    free(s);
}

static bool has_key(mf_parser *p, yaml_node_t *n, const char *key)
{
    if (!n || n->type != YAML_MAPPING_NODE) return false;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = mf_node(p, pr->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
            return true;
    }
    return false;
}

static mf_sup *parse_sup(mf_parser *p, yaml_node_t *n, int depth);

/* One item of `children`: an actor, or a nested supervisor. */
static void parse_child(mf_parser *p, mf_sup *s, yaml_node_t *e, int depth)
{
    mf_child *c = &s->kids[s->n_kids];
    if (!has_key(p, e, "supervisor")) {
        if ((c->actor = parse_actor(p, e, true))) s->n_kids++;
        return;
    }
    mf_sup w = {0};
    yaml_node_t *v[3];
    mf_map(p, e, nested_fields, 2, &w, &w.set, nested_more, v);
    size_t mark = mf_push_key(p, "supervisor");
    if ((c->sup = parse_sup(p, v[2], depth + 1))) {
        c->sup->restart = w.restart;
        c->sup->shutdown_ms = w.shutdown_ms;
        s->n_kids++;
    }
    mf_pop(p, mark);
}

static void parse_children(mf_parser *p, mf_sup *s, yaml_node_t *n, int depth)
{
    yaml_node_item_t *it;
    size_t k;
    size_t mark = mf_push_key(p, "children");
    if (mf_seq(p, n, "children", &it, &k) && k) {
        if (!(s->kids = calloc(k, sizeof *s->kids))) p->oom = true;
        for (size_t i = 0; i < k && !p->oom; i++) {
            yaml_node_t *e = mf_node(p, it[i]);
            if (!count_entry(p, e)) break;
            size_t m2 = mf_push_index(p, i);
            parse_child(p, s, e, depth);
            mf_pop(p, m2);
        }
    }
    mf_pop(p, mark);
}

static mf_sup *parse_sup(mf_parser *p, yaml_node_t *n, int depth)
{
    if (depth > MF_MAX_DEPTH) {
        mf_err(p, n, "supervisors nest more than %d levels deep", MF_MAX_DEPTH);
        return NULL;
    }
    for (int i = 1; i < depth; i++)
        if (p->sup_stack[i] == n) {
            mf_err(p, n, "this supervisor contains itself (through a YAML alias)");
            return NULL;
        }
    p->sup_stack[depth] = n;
    mf_sup *s = calloc(1, sizeof *s);
    if (!s) { p->oom = true; return NULL; }
    s->max_restarts = 3;  /* OTP's default is 1 in 5 s; a little more forgiving */
    s->period_ms = 5000;
    s->pos = mf_pos_of(n);
    yaml_node_t *v[7];
    if (!mf_map(p, n, sup_fields, 4, s, &s->set, sup_more, v)) {
        free(s);
        return NULL;
    }
    size_t mark = mf_push_key(p, "name");
    if (!v[4]) mf_err(p, n, "missing required key 'name'");
    else if ((s->name = mf_name_of(p, v[4], "a supervisor name"))) {
        s->pos = mf_pos_of(v[4]);
        mf_declare(p, s->name, MF_SUPERVISOR, s->pos);
    }
    mf_pop(p, mark);
    if (v[6]) {
        yaml_node_t *unused[5];
        mark = mf_push_key(p, "backoff");
        mf_map(p, v[6], backoff_fields, 5, &s->backoff, NULL, NULL, unused);
        mf_pop(p, mark);
    }
    parse_children(p, s, v[5], depth);
    return s;
}

void mf_parse_supervisors(mf_parser *p, yaml_node_t *n)
{
    yaml_node_item_t *it;
    size_t k;
    size_t mark = mf_push_key(p, "supervisors");
    if (mf_seq(p, n, "supervisors", &it, &k) && k) {
        if (!(p->m->sups = calloc(k, sizeof *p->m->sups))) p->oom = true;
        for (size_t i = 0; i < k && !p->oom; i++) {
            yaml_node_t *e = mf_node(p, it[i]);
            if (!count_entry(p, e)) break;
            size_t m2 = mf_push_index(p, i);
            mf_sup *s = parse_sup(p, e, 1);
            if (s) p->m->sups[p->m->n_sups++] = s;
            mf_pop(p, m2);
        }
    }
    mf_pop(p, mark);
}

/* ---- routes ------------------------------------------------------------------------ */

/* A route target or a pipeline stage names something declared that can
 * handle messages: an actor, or (stages only) a route. */
static bool check_target(mf_parser *p, yaml_node_t *n, const char *name, bool route_ok,
                         const char *what)
{
    char q[128];
    const mf_name *d = mf_find(p, name);
    if (!d) {
        mf_err(p, n, "unknown actor '%s' (not declared under actors or as a supervised child%s)",
               mf_quote(name, q, sizeof q), route_ok ? ", nor a route" : "");
        return false;
    }
    if (d->kind == MF_SUPERVISOR) {
        mf_err(p, n, "'%s' is a supervisor (line %u): %s must be an actor that handles messages",
               name, d->pos.line, what);
        return false;
    }
    if (d->kind == MF_ROUTE && !route_ok) {
        mf_err(p, n, "'%s' is a route (line %u): %s must be an actor (routes do not chain)", name,
               d->pos.line, what);
        return false;
    }
    return true;
}

/* A target or stage: a string (the actor) or {actor: ..., <field>: n}. */
static const char *read_ref(mf_parser *p, yaml_node_t *e, const mf_field *f, void *obj,
                            yaml_node_t **at)
{
    static const char *const more[] = {"actor", NULL};
    *at = e;
    if (e && e->type == YAML_SCALAR_NODE) return mf_scalar(p, e, "an actor name");
    yaml_node_t *v[2];
    if (!mf_map(p, e, f, 1, obj, NULL, more, v)) return NULL;
    size_t mark = mf_push_key(p, "actor");
    const char *s = v[1] ? mf_scalar(p, v[1], "an actor name") : NULL;
    if (!v[1]) mf_err(p, e, "missing required key 'actor'");
    else *at = v[1];
    mf_pop(p, mark);
    return s;
}

static const mf_field weight_field[] = {
    {"weight", MF_U32, offsetof(aw_route_target, weight), 0, 1000000, NULL}};

static void parse_route(mf_parser *p, mf_route *r, yaml_node_t *n)
{
    yaml_node_item_t *it;
    size_t k;
    if (!mf_seq(p, n, "targets", &it, &k)) return;
    if (k == 0 || k > 64) {
        mf_err(p, n, "a route needs 1..64 targets, got %zu", k);
        if (!k) return;
    }
    if (!(r->t = calloc(k, sizeof *r->t))) { p->oom = true; return; }
    uint64_t sum = 0;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *e = mf_node(p, it[i]), *at;
        size_t mark = mf_push_index(p, i);
        aw_route_target t = {NULL, 1};
        const char *name = read_ref(p, e, weight_field, &t, &at);
        bool dup = false;
        for (size_t j = 0; name && j < r->n && !dup; j++) dup = !strcmp(r->t[j].actor, name);
        if (dup) mf_err(p, at, "'%s' is named twice in this route", name);
        else if (name && check_target(p, at, name, false, "a route's target")) {
            r->t[r->n++] = (aw_route_target){mf_strdup(p, name), t.weight};
            sum += t.weight;
        }
        mf_pop(p, mark);
    }
    if (r->n == k && !sum) mf_err(p, n, "every weight is 0: at least one target needs a weight above 0");
}

void mf_parse_routes(mf_parser *p, yaml_node_t *n)
{
    if (mf_is_null(n)) return;
    size_t mark = mf_push_key(p, "routes");
    if (n->type != YAML_MAPPING_NODE) {
        mf_err(p, n, "expected a mapping of route names to their targets");
        mf_pop(p, mark);
        return;
    }
    size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    aw_manifest *m = p->m;
    if (k && !(m->routes = calloc(k, sizeof *m->routes))) p->oom = true;
    for (size_t i = 0; i < k && !p->oom; i++) {  /* names first: targets may name a route */
        yaml_node_t *key = mf_node(p, n->data.mapping.pairs.start[i].key);
        mf_route *r = &m->routes[m->n_routes++];
        r->pos = mf_pos_of(key);
        if ((r->name = mf_name_of(p, key, "a route name"))) mf_declare(p, r->name, MF_ROUTE, r->pos);
    }
    for (size_t i = 0; i < m->n_routes; i++) {
        size_t m2 = mf_push_key(p, m->routes[i].name ? m->routes[i].name : "?");
        parse_route(p, &m->routes[i], mf_node(p, n->data.mapping.pairs.start[i].value));
        mf_pop(p, m2);
    }
    mf_pop(p, mark);
}

/* ---- pipelines ---------------------------------------------------------------------- */

static const char *const policies[] = {"skip", "stop", "dead-letter", NULL};

#define PL(f) offsetof(mf_pipeline, f)
static const mf_field pipe_fields[] = {
    {"on_error", MF_ENUM, PL(on_error), 0, 0, policies},
    {"dead_letter", MF_STR, PL(dead_letter), 0, 0, NULL},
    {"max_in_flight", MF_U32, PL(max_in_flight), 1, 1u << 20, NULL},
};
static const char *const pipe_more[] = {"stages", NULL};
static const mf_field timeout_field[] = {
    {"timeout_ms", MF_U32, offsetof(aw_pipe_stage, timeout_ms), 0, UINT32_MAX, NULL}};

static void parse_stages(mf_parser *p, mf_pipeline *pl, yaml_node_t *map, yaml_node_t *n)
{
    yaml_node_item_t *it = NULL;
    size_t k = 0;
    size_t mark = mf_push_key(p, "stages");
    if (!n) mf_err(p, map, "missing required key 'stages'");
    else if (mf_seq(p, n, "stages", &it, &k) && (k == 0 || k > 64))
        mf_err(p, n, "a pipeline needs 1..64 stages, got %zu", k);
    if (n && n->type == YAML_SEQUENCE_NODE && k && !(pl->stages = calloc(k, sizeof *pl->stages)))
        p->oom = true;
    for (size_t i = 0; pl->stages && i < k; i++) {
        yaml_node_t *e = mf_node(p, it[i]), *at;
        size_t m2 = mf_push_index(p, i);
        aw_pipe_stage st = {NULL, 0};
        const char *name = read_ref(p, e, timeout_field, &st, &at);
        if (name && check_target(p, at, name, true, "a stage"))
            pl->stages[pl->n_stages++] = (aw_pipe_stage){mf_strdup(p, name), st.timeout_ms};
        mf_pop(p, m2);
    }
    mf_pop(p, mark);
}

static void parse_pipeline(mf_parser *p, mf_pipeline *pl, yaml_node_t *key, yaml_node_t *n)
{
    aw_manifest *m = p->m;
    pl->pos = mf_pos_of(key);
    if ((pl->name = mf_name_of(p, key, "a pipeline name"))) {
        for (size_t j = 0; j + 1 < m->n_pipes; j++)
            if (m->pipes[j].name && !strcmp(m->pipes[j].name, pl->name)) {
                mf_err(p, key, "duplicate pipeline '%s' (first at line %u)", pl->name,
                       m->pipes[j].pos.line);
                break;
            }
    }
    size_t mark = mf_push_key(p, pl->name ? pl->name : "?");
    yaml_node_t *v[4];
    if (mf_map(p, n, pipe_fields, 3, pl, &pl->set, pipe_more, v)) {
        parse_stages(p, pl, n, v[3]);
        size_t m2 = mf_push_key(p, "dead_letter");
        if (pl->on_error == AW_PIPE_DEAD_LETTER && !v[1])
            mf_err(p, n, "on_error: dead-letter needs a dead_letter topic");
        else if (v[1] && pl->on_error != AW_PIPE_DEAD_LETTER)
            mf_err(p, v[1], "a dead_letter topic is only used with on_error: dead-letter");
        else if (pl->dead_letter && aw_topic_check(pl->dead_letter, strlen(pl->dead_letter), false))
            mf_err(p, v[1], "%s", aw_last_error());
        mf_pop(p, m2);
    }
    mf_pop(p, mark);
}

void mf_parse_pipelines(mf_parser *p, yaml_node_t *n)
{
    if (mf_is_null(n)) return;
    size_t mark = mf_push_key(p, "pipelines");
    if (n->type != YAML_MAPPING_NODE) {
        mf_err(p, n, "expected a mapping of pipeline names to their settings");
    } else {
        size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        aw_manifest *m = p->m;
        if (k && !(m->pipes = calloc(k, sizeof *m->pipes))) p->oom = true;
        for (size_t i = 0; i < k && !p->oom; i++) {
            yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
            mf_pipeline *pl = &m->pipes[m->n_pipes++];
            parse_pipeline(p, pl, mf_node(p, pr->key), mf_node(p, pr->value));
        }
    }
    mf_pop(p, mark);
}
