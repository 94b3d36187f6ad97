/* manifest.c - deployment manifests: reading the YAML, the `runtime` and
 * `components` sections, and the public aw_manifest_* calls.
 *
 * libyaml's document API (yaml_parser_load) builds the whole node graph
 * first, with the start line and column of every node; the sections are
 * then read in a fixed order whatever their order in the file (runtime,
 * components, actors, supervisors, routes, pipelines), so that a later
 * section can check its references against the earlier ones at once, at
 * the line of the reference. Nothing stops at the first problem: every one
 * is collected (manifest_yaml.c) and, if there was any, the model is
 * dropped and the caller gets them all, sorted by position.
 *
 * Component files are looked at here too, cheaply: they must exist, be
 * regular files and start with a WebAssembly header of the declared
 * format. Compiling them is aw_manifest_check_components()'s job
 * (manifest_deploy.c), which needs a runtime. */
#include "manifest_int.h"
#include "../runtime/runtime.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ERRORS 100  /* shown; the rest are counted */
#define GIB4 (4ull << 30)

/* ---- runtime ---------------------------------------------------------------- */

static const char *const log_levels[] = {"trace", "debug", "info", "warn", "error", NULL};

#define RT(f) offsetof(mf_runtime, f)
/* The bit of a field in mf_runtime.set is its index here. */
static const mf_field runtime_fields[] = {
    {"workers", MF_U32, RT(workers), 0, 1024, NULL},
    {"max_instances", MF_U32, RT(max_instances), 1, UINT32_MAX, NULL},
    {"max_memory", MF_SIZE64, RT(max_memory), 64 << 10, GIB4, NULL},
    {"mailbox_capacity", MF_U32, RT(mailbox_capacity), 1, UINT32_MAX, NULL},
    {"max_message_bytes", MF_SIZE32, RT(max_message_bytes), 1, 256u << 20, NULL},
    {"handler_deadline_ms", MF_DEADLINE, RT(handler_deadline_ms), 0, UINT32_MAX - 1, NULL},
    {"time_slice_ms", MF_U32, RT(time_slice_ms), 1, 60000, NULL},
    {"batch", MF_U32, RT(batch), 1, 1u << 20, NULL},
    {"max_wasm_stack", MF_SIZE32, RT(max_wasm_stack), 64 << 10, 768 << 10, NULL},
    {"fuel", MF_U64, RT(fuel), 0, UINT64_MAX, NULL},
    {"cache_dir", MF_STR, RT(cache_dir), 0, 0, NULL},
    {"no_cache", MF_BOOL, RT(no_cache), 0, 0, NULL},
    {"audit", MF_STR, RT(audit), 0, 0, NULL},
    {"log_level", MF_ENUM, RT(log_level), 0, 0, log_levels},
};
enum {  /* the fields' indices */
    RT_WORKERS, RT_MAX_INSTANCES, RT_MAX_MEMORY, RT_MAILBOX, RT_MAX_MESSAGE, RT_DEADLINE,
    RT_SLICE, RT_BATCH, RT_STACK, RT_FUEL, RT_CACHE, RT_NO_CACHE, RT_AUDIT, RT_LOG, NRT
};
_Static_assert(NRT == sizeof runtime_fields / sizeof *runtime_fields, "runtime_fields");

static bool rt_has(const mf_runtime *r, int field) { return r->set & (1u << field); }

/* `path` relative to the manifest's directory, as a new string. */
static char *resolve(mf_parser *p, const char *path)
{
    if (!path) return NULL;
    char *s = path[0] == '/' ? strdup(path) : aw__strfmt("%s/%s", p->m->base_dir, path);
    if (!s) p->oom = true;
    return s;
}

static void parse_runtime(mf_parser *p, yaml_node_t *n)
{
    mf_runtime *r = &p->m->rt;
    yaml_node_t *vals[NRT];
    if (mf_is_null(n)) return;
    size_t mark = mf_push_key(p, "runtime");
    mf_map(p, n, runtime_fields, NRT, r, &r->set, NULL, vals);
    char **paths[2] = {&r->cache_dir, &r->audit};
    for (int i = 0; i < 2; i++) {
        if (!*paths[i] || !strcmp(*paths[i], "-")) continue;  /* audit "-": stderr */
        char *abs = resolve(p, *paths[i]);
        free(*paths[i]);
        *paths[i] = abs;
    }
    mf_pop(p, mark);
}

/* ---- components --------------------------------------------------------------- */

#define LIM(f) offsetof(mf_limits, f)
static const mf_field limit_fields[] = {
    {"memory", MF_SIZE64, LIM(memory), 64 << 10, GIB4, NULL},
    {"table_elements", MF_U32, LIM(table_elements), 0, 10000, NULL},
    {"deadline_ms", MF_U32, LIM(deadline_ms), 0, UINT32_MAX - 1, NULL},
    {"fuel", MF_U64, LIM(fuel), 0, UINT64_MAX, NULL},
    {"message_bytes", MF_SIZE32, LIM(message_bytes), 1, 256u << 20, NULL},
    {"rate_per_s", MF_U32, LIM(rate_per_s), 1, UINT32_MAX, NULL},
    {"rate_burst", MF_U32, LIM(rate_burst), 1, UINT32_MAX, NULL},
};
enum { NLIM = sizeof limit_fields / sizeof *limit_fields };
enum { LIM_MEMORY = 0, LIM_FUEL = 3, LIM_MESSAGE = 4 };

#define COMP(f) offsetof(mf_component, f)
static const mf_field comp_fields[] = {
    {"version", MF_STR, COMP(version), 0, 0, NULL},
    {"wasi", MF_BOOL, COMP(wasi), 0, 0, NULL},
};
static const char *const comp_more[] = {"path", "format", "grants", "limits", NULL};
enum { C_PATH = 2, C_FORMAT, C_GRANTS, C_LIMITS, NCOMP };

/* The component's limits must fit the runtime this manifest configures:
 * the runtime would refuse them at load. */
static void parse_limits(mf_parser *p, mf_component *c, yaml_node_t *n)
{
    if (!n) return;
    const mf_runtime *r = &p->m->rt;
    yaml_node_t *vals[NLIM];
    size_t mark = mf_push_key(p, "limits");
    mf_map(p, n, limit_fields, NLIM, &c->lim, &c->lim.set, NULL, vals);
    uint64_t rt_mem = rt_has(r, RT_MAX_MEMORY) ? r->max_memory : 64u << 20;
    uint32_t rt_msg = rt_has(r, RT_MAX_MESSAGE) ? r->max_message_bytes : 1u << 20;
    size_t m2 = mf_push_key(p, "memory");
    if (c->lim.set & (1u << LIM_MEMORY) && c->lim.memory > rt_mem)
        mf_err(p, vals[LIM_MEMORY], "%llu bytes is over the runtime's max_memory (%llu bytes)",
               (unsigned long long)c->lim.memory, (unsigned long long)rt_mem);
    mf_pop(p, m2);
    m2 = mf_push_key(p, "message_bytes");
    if (c->lim.set & (1u << LIM_MESSAGE) && c->lim.message_bytes > rt_msg)
        mf_err(p, vals[LIM_MESSAGE], "%u bytes is over the runtime's max_message_bytes (%u)",
               c->lim.message_bytes, rt_msg);
    mf_pop(p, m2);
    m2 = mf_push_key(p, "fuel");
    if (c->lim.set & (1u << LIM_FUEL) && c->lim.fuel && !(rt_has(r, RT_FUEL) && r->fuel))
        mf_err(p, vals[LIM_FUEL], "a fuel budget needs fuel metering: set runtime.fuel");
    mf_pop(p, m2);
    mf_pop(p, mark);
}

/* Each grant through the runtime's own parser, so a bad one is reported at
 * its line with the parser's reason. */
static bool check_grant(mf_parser *p, yaml_node_t *n, const char *s)
{
    aw_grants *g = NULL;
    const char *one[1] = {s};
    if (aw_grants_parse("x", one, 1, 0, 0, 0, &g) == AW_OK) {
        aw_grants_free(g);
        return true;
    }
    const char *why = aw_last_error();
    if (!strncmp(why, "component 'x': ", 15)) why += 15;
    mf_err(p, n, "%s", why);
    return false;
}

/* The file exists, is a regular file and starts like the format it claims. */
static void check_file(mf_parser *p, mf_component *c, yaml_node_t *map, yaml_node_t *pathn,
                       yaml_node_t *fmtn)
{
    static const char *const formats[] = {"core", "component", NULL};
    int want = -1;
    size_t mark = mf_push_key(p, "format");
    if (fmtn && !mf_enum(p, fmtn, formats, &want)) want = -1;
    mf_pop(p, mark);
    if (!pathn) {
        mf_err(p, map, "missing required key 'path' (the component's .wasm file)");
        return;
    }
    mark = mf_push_key(p, "path");
    const char *given = mf_scalar(p, pathn, "a file path");
    char q[128];
    struct stat st;
    uint8_t head[8];
    if (given && (c->path = resolve(p, given))) {
        FILE *f = NULL;
        size_t got = 0;
        if (stat(c->path, &st) != 0)
            mf_err(p, pathn, "cannot open '%s': %s", mf_quote(c->path, q, sizeof q), strerror(errno));
        else if (!S_ISREG(st.st_mode))
            mf_err(p, pathn, "'%s' is not a regular file", mf_quote(c->path, q, sizeof q));
        else if (!(f = fopen(c->path, "rb")))
            mf_err(p, pathn, "cannot open '%s': %s", mf_quote(c->path, q, sizeof q), strerror(errno));
        if (f) {
            got = fread(head, 1, sizeof head, f);
            fclose(f);
            c->size = (uint64_t)st.st_size;
            c->format = aw_sniff_format(head, got);
            if (c->format == AW_FORMAT_UNKNOWN)
                mf_err(p, pathn, "'%s' is not a WebAssembly binary (no \\0asm header)",
                       mf_quote(c->path, q, sizeof q));
        }
    }
    mf_pop(p, mark);
    aw_format wanted = want == 0 ? AW_FORMAT_CORE_MODULE : AW_FORMAT_COMPONENT;
    if (want >= 0 && c->format != AW_FORMAT_UNKNOWN && c->format != wanted) {
        mark = mf_push_key(p, "format");
        mf_err(p, fmtn, "'%s' is a %s, not a %s", mf_quote(c->path, q, sizeof q),
               aw_format_name(c->format), aw_format_name(wanted));
        mf_pop(p, mark);
    }
}

static void parse_component(mf_parser *p, yaml_node_t *key, yaml_node_t *val)
{
    aw_manifest *m = p->m;
    mf_component *c = &m->comps[m->n_comps++];
    c->pos = mf_pos_of(key);
    c->name = mf_name_of(p, key, "a component name");
    size_t first = c->name ? mf_component_index(m, c->name) : SIZE_MAX;
    if (first < m->n_comps - 1) {
        mf_err(p, key, "duplicate component '%s' (first at line %u)", c->name, m->comps[first].pos.line);
        free(c->name);
        c->name = NULL;
    }
    size_t mark = mf_push_key(p, c->name ? c->name : "?");
    yaml_node_t *vals[NCOMP];
    if (mf_map(p, val, comp_fields, 2, c, &c->set, comp_more, vals)) {
        check_file(p, c, val, vals[C_PATH], vals[C_FORMAT]);
        size_t m2 = mf_push_key(p, "grants");
        mf_strings(p, vals[C_GRANTS], "grant strings", check_grant, &c->grants, &c->n_grants);
        mf_pop(p, m2);
        parse_limits(p, c, vals[C_LIMITS]);
    }
    mf_pop(p, mark);
}

static void parse_components(mf_parser *p, yaml_node_t *n)
{
    if (mf_is_null(n)) return;
    size_t mark = mf_push_key(p, "components");
    if (n->type != YAML_MAPPING_NODE) {
        mf_err(p, n, "expected a mapping of component names to their settings");
    } else {
        size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        if (k && !(p->m->comps = calloc(k, sizeof *p->m->comps))) p->oom = true;
        for (size_t i = 0; i < k && !p->oom; i++) {
            yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
            parse_component(p, mf_node(p, pr->key), mf_node(p, pr->value));
        }
    }
    mf_pop(p, mark);
}

/* ---- the document -------------------------------------------------------------- */

static const char *const top_keys[] = {"airssys", "runtime", "components", "actors",
                                       "supervisors", "routes", "pipelines", NULL};
enum { T_VERSION, T_RUNTIME, T_COMPONENTS, T_ACTORS, T_SUPERVISORS, T_ROUTES, T_PIPELINES, NTOP };

static void parse_top(mf_parser *p, yaml_node_t *root)
{
    yaml_node_t *v[NTOP];
    if (!root) {
        mf_err_pos(p, (mf_pos){1, 1}, "the manifest is empty: it needs at least `airssys: 1`");
        return;
    }
    if (!mf_map(p, root, NULL, 0, NULL, NULL, top_keys, v)) return;
    size_t mark = mf_push_key(p, "airssys");
    uint64_t version;
    if (!v[T_VERSION])
        mf_err(p, root, "missing required key 'airssys' (the schema version: `airssys: 1`)");
    else if (mf_uint(p, v[T_VERSION], 0, UINT32_MAX, &version) && version != 1)
        mf_err(p, v[T_VERSION], "schema version %llu is not supported (this build reads 1)",
               (unsigned long long)version);
    mf_pop(p, mark);
    parse_runtime(p, v[T_RUNTIME]);
    parse_components(p, v[T_COMPONENTS]);
    mf_parse_actors(p, v[T_ACTORS]);
    mf_parse_supervisors(p, v[T_SUPERVISORS]);
    mf_parse_routes(p, v[T_ROUTES]);
    mf_parse_pipelines(p, v[T_PIPELINES]);
}

/* A syntax error, at its line and column (a reader error, e.g. bad UTF-8,
 * has only a byte offset: counted into a line here). */
static void syntax_error(mf_parser *p, yaml_parser_t *yp, const char *text, size_t len)
{
    if (yp->error == YAML_MEMORY_ERROR) { p->oom = true; return; }
    size_t mark = mf_push_key(p, "yaml");
    mf_pos pos = {(unsigned)yp->problem_mark.line + 1, (unsigned)yp->problem_mark.column + 1};
    const char *problem = yp->problem ? yp->problem : "syntax error";
    if (yp->error == YAML_READER_ERROR) {
        pos = (mf_pos){1, 1};
        for (size_t i = 0; i < yp->problem_offset && i < len; i++) {
            if (text[i] == '\n') pos = (mf_pos){pos.line + 1, 1};
            else pos.col++;
        }
        mf_err_pos(p, pos, "%s (byte %zu)", problem, yp->problem_offset);
    } else if (yp->context) {
        mf_err_pos(p, pos, "%s (%s at line %u, column %u)", problem, yp->context,
                   (unsigned)yp->context_mark.line + 1, (unsigned)yp->context_mark.column + 1);
    } else {
        mf_err_pos(p, pos, "%s", problem);
    }
    mf_pop(p, mark);
}

/* A manifest is one document: a second one is an error, not ignored. */
static void no_second_document(mf_parser *p, yaml_parser_t *yp, const char *text, size_t len)
{
    yaml_document_t doc;
    if (!yaml_parser_load(yp, &doc)) { syntax_error(p, yp, text, len); return; }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root) mf_err(p, root, "a manifest is one YAML document; a second one starts here");
    yaml_document_delete(&doc);
}

static int by_position(const void *a, const void *b)
{
    const mf_error *x = a, *y = b;
    if (x->pos.line != y->pos.line) return x->pos.line < y->pos.line ? -1 : 1;
    if (x->pos.col != y->pos.col) return x->pos.col < y->pos.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted, one per line; past MAX_ERRORS a last line counts the rest. */
static char *join_errors(mf_parser *p)
{
    qsort(p->errs, p->n_errs, sizeof *p->errs, by_position);
    size_t shown = p->n_errs < MAX_ERRORS ? p->n_errs : MAX_ERRORS, total = 1;
    for (size_t i = 0; i < shown; i++) total += strlen(p->errs[i].text) + 1;
    char *more = NULL;
    if (shown < p->n_errs) {
        mf_pos at = p->errs[shown].pos;
        more = aw__strfmt("%s:%u:%u: manifest: %zu more problems not shown", p->file, at.line,
                          at.col, p->n_errs - shown);
        total += more ? strlen(more) + 1 : 0;
    }
    char *s = malloc(total), *o = s;
    for (size_t i = 0; s && i < shown; i++) o += sprintf(o, "%s\n", p->errs[i].text);
    if (s && more) o += sprintf(o, "%s\n", more);
    if (s) *o = 0;
    free(more);
    return s;
}

static aw_err finish(mf_parser *p, aw_manifest *m, aw_manifest **out, char **errors)
{
    aw_err rc = AW_OK;
    if (p->oom) {
        rc = aw__fail(AW_ENOMEM, "out of memory reading manifest '%s'", p->file);
    } else if (p->n_errs) {
        char *all = join_errors(p);
        rc = aw__fail(AW_EINVAL, "manifest '%s' has %zu problem%s; the first: %s", p->file,
                      p->n_errs, p->n_errs == 1 ? "" : "s", p->errs[0].text);
        if (errors) *errors = all;
        else free(all);
    }
    for (size_t i = 0; i < p->n_errs; i++) free(p->errs[i].text);
    free(p->errs);
    free(p->names);
    if (rc) aw_manifest_free(m);
    else *out = m;
    return rc;
}

/* ---- API ------------------------------------------------------------------------- */

aw_err aw_manifest_parse(const char *text, size_t len, const char *name, const char *base_dir,
                         aw_manifest **out, char **errors)
{
    aw__clear_error();
    if (errors) *errors = NULL;
    if (!out || (!text && len)) return aw__fail(AW_EINVAL, "aw_manifest_parse: text and out are required");
    *out = NULL;
    aw_manifest *m = calloc(1, sizeof *m);
    if (m) {
        m->file = strdup(name && *name ? name : "manifest");
        m->base_dir = strdup(base_dir && *base_dir ? base_dir : ".");
    }
    if (!m || !m->file || !m->base_dir) {
        aw_manifest_free(m);
        return aw__fail(AW_ENOMEM, "out of memory reading a manifest");
    }
    mf_parser p = {.file = m->file, .m = m};
    yaml_parser_t yp;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&yp)) {
        p.oom = true;
        return finish(&p, m, out, errors);
    }
    yaml_parser_set_input_string(&yp, (const unsigned char *)(text ? text : ""), len);
    if (!yaml_parser_load(&yp, &doc)) {
        syntax_error(&p, &yp, text, len);
    } else {
        p.doc = &doc;
        parse_top(&p, yaml_document_get_root_node(&doc));
        no_second_document(&p, &yp, text, len);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&yp);
    return finish(&p, m, out, errors);
}

/* The manifest's directory, absolute when it can be (a deployment may be
 * started after the process changed its directory). */
static char *dir_of(const char *path)
{
    char *copy = strdup(path), *abs = NULL;
    if (!copy) return NULL;
    const char *dir = dirname(copy);
    abs = realpath(dir, NULL);
    if (!abs) abs = strdup(dir);
    free(copy);
    return abs;
}

aw_err aw_manifest_load(const char *path, aw_manifest **out, char **errors)
{
    aw__clear_error();
    if (errors) *errors = NULL;
    if (!path || !out) return aw__fail(AW_EINVAL, "aw_manifest_load: path and out are required");
    FILE *f = fopen(path, "rb");
    if (!f)
        return aw__fail(errno == ENOENT ? AW_ENOENT : AW_EIO, "cannot open manifest '%s': %s",
                        path, strerror(errno));
    size_t cap = 1 << 14, len = 0, got;
    char *text = malloc(cap);
    while (text && (got = fread(text + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap && len < (16u << 20)) {
            char *t = realloc(text, cap *= 2);
            if (!t) { free(text); text = NULL; }
            else text = t;
        } else if (len == cap) {
            break;
        }
    }
    bool bad = ferror(f), big = text && len == cap;
    fclose(f);
    aw_err rc;
    char *dir = text ? dir_of(path) : NULL;
    if (!text || !dir) rc = aw__fail(AW_ENOMEM, "out of memory reading manifest '%s'", path);
    else if (bad) rc = aw__fail(AW_EIO, "cannot read manifest '%s'", path);
    else if (big) rc = aw__fail(AW_EIO, "manifest '%s' is over 16 MiB", path);
    else rc = aw_manifest_parse(text, len, path, dir, out, errors);
    free(text);
    free(dir);
    return rc;
}

void aw_manifest_free(aw_manifest *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_comps; i++) {
        mf_component *c = &m->comps[i];
        free(c->name);
        free(c->path);
        free(c->version);
        for (size_t j = 0; j < c->n_grants; j++) free(c->grants[j]);
        free(c->grants);
    }
    free(m->comps);
    for (size_t i = 0; i < m->n_actors; i++) mf_actor_free(m->actors[i]);
    free(m->actors);
    for (size_t i = 0; i < m->n_sups; i++) mf_sup_free(m->sups[i]);
    free(m->sups);
    for (size_t i = 0; i < m->n_routes; i++) {
        for (size_t j = 0; j < m->routes[i].n; j++) free((char *)m->routes[i].t[j].actor);
        free(m->routes[i].t);
        free(m->routes[i].name);
    }
    free(m->routes);
    for (size_t i = 0; i < m->n_pipes; i++) {
        mf_pipeline *pl = &m->pipes[i];
        for (size_t j = 0; j < pl->n_stages; j++) free((char *)pl->stages[j].actor);
        free(pl->stages);
        free(pl->name);
        free(pl->dead_letter);
    }
    free(m->pipes);
    free(m->rt.cache_dir);
    free(m->rt.audit);
    free(m->file);
    free(m->base_dir);
    free(m);
}

static void count_actor(const mf_actor *a, aw_manifest_counts *c)
{
    c->actors++;
    c->subscriptions += a->n_subs;
}

static void count_sup(const mf_sup *s, aw_manifest_counts *c)
{
    c->supervisors++;
    for (size_t i = 0; i < s->n_kids; i++) {
        if (s->kids[i].sup) count_sup(s->kids[i].sup, c);
        else if (s->kids[i].actor) count_actor(s->kids[i].actor, c);
    }
}

void aw_manifest_count(const aw_manifest *m, aw_manifest_counts *out)
{
    memset(out, 0, sizeof *out);
    if (!m) return;
    out->components = m->n_comps;
    for (size_t i = 0; i < m->n_actors; i++) count_actor(m->actors[i], out);
    for (size_t i = 0; i < m->n_sups; i++) count_sup(m->sups[i], out);
    out->routes = m->n_routes;
    out->pipelines = m->n_pipes;
}

void aw_manifest_runtime_config(const aw_manifest *m, aw_runtime_config *cfg)
{
    if (!m || !cfg) return;
    const mf_runtime *r = &m->rt;
    if (rt_has(r, RT_WORKERS)) cfg->workers = r->workers;
    if (rt_has(r, RT_MAX_INSTANCES)) cfg->max_instances = r->max_instances;
    if (rt_has(r, RT_MAX_MEMORY)) cfg->max_memory_bytes = r->max_memory;
    if (rt_has(r, RT_MAILBOX)) cfg->mailbox_capacity = r->mailbox_capacity;
    if (rt_has(r, RT_MAX_MESSAGE)) cfg->max_message_bytes = r->max_message_bytes;
    if (rt_has(r, RT_DEADLINE))  /* the runtime's "none" is 0 */
        cfg->handler_deadline_ms = r->handler_deadline_ms == AW_NO_DEADLINE ? 0 : r->handler_deadline_ms;
    if (rt_has(r, RT_SLICE)) cfg->time_slice_ms = r->time_slice_ms;
    if (rt_has(r, RT_BATCH)) cfg->batch = r->batch;
    if (rt_has(r, RT_STACK)) cfg->max_wasm_stack = r->max_wasm_stack;
    if (rt_has(r, RT_FUEL)) cfg->fuel = r->fuel;
    if (rt_has(r, RT_CACHE)) cfg->cache_dir = r->cache_dir;
    if (rt_has(r, RT_NO_CACHE)) cfg->no_cache = r->no_cache;
    if (rt_has(r, RT_AUDIT) && !strcmp(r->audit, "-")) cfg->audit_stderr = true;
    else if (rt_has(r, RT_AUDIT)) cfg->audit_path = r->audit;
    if (rt_has(r, RT_LOG)) cfg->log_level = (aw_log_level)r->log_level;
}
