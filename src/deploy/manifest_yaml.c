/* manifest_yaml.c - the manifest parser's tools: the error list, the path
 * of the node at hand, and typed reading of YAML nodes.
 *
 * Every problem is recorded, never returned early: a caller that finds a
 * bad value reports it and goes on with the next key, so one run shows
 * them all. An error is a whole line, `file:line:col: where: what`, where
 * `where` is the dotted path of the node (components.x.limits.memory,
 * actors[0].name). It never contains ": " (keys in it are known keys or
 * valid names, which have no spaces), so tools can split a line on the
 * first ": " after the column. The lines are sorted by position at the end.
 *
 * Fields that are plain values (numbers, sizes, booleans, enums, strings)
 * are read through tables of {key, type, offset}: mf_map() checks the keys
 * of a mapping against the table and a list of keys its caller handles,
 * reports unknown and duplicate keys with the allowed ones, and stores
 * each value at its offset. */
#include "manifest_int.h"
#include "../runtime/runtime.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- errors --------------------------------------------------------------- */

mf_pos mf_pos_of(const yaml_node_t *n)
{
    if (!n) return (mf_pos){1, 1};
    return (mf_pos){(unsigned)n->start_mark.line + 1, (unsigned)n->start_mark.column + 1};
}

static void add_error(mf_parser *p, mf_pos pos, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (p->n_errs == p->cap_errs) {
        size_t cap = p->cap_errs ? p->cap_errs * 2 : 16;
        mf_error *e = realloc(p->errs, cap * sizeof *e);
        if (!e) { p->oom = true; return; }
        p->errs = e;
        p->cap_errs = cap;
    }
    char *text = aw__strfmt("%s:%u:%u: %s: %s", p->file, pos.line, pos.col,
                            p->where_len ? p->where : "manifest", msg);
    if (!text) { p->oom = true; return; }
    p->errs[p->n_errs] = (mf_error){pos, p->n_errs, text};
    p->n_errs++;
}

void mf_err(mf_parser *p, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_error(p, mf_pos_of(n), fmt, ap);
    va_end(ap);
}

void mf_err_pos(mf_parser *p, mf_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_error(p, pos, fmt, ap);
    va_end(ap);
}

const char *mf_quote(const char *s, char *buf, size_t size)
{
    size_t o = 0, i = 0;
    for (; s[i] && o + 8 < size && i < 80; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') o += (size_t)snprintf(buf + o, size - o, "\\n");
        else if (c == '\t') o += (size_t)snprintf(buf + o, size - o, "\\t");
        else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    if (s[i] && o + 4 < size) o += (size_t)snprintf(buf + o, size - o, "...");
    buf[o < size ? o : size - 1] = 0;
    return buf;
}

/* ---- the path --------------------------------------------------------------- */

static size_t push(mf_parser *p, const char *fmt, const char *s, size_t i)
{
    size_t mark = p->where_len;
    int n = s ? snprintf(p->where + mark, sizeof p->where - mark, fmt, s)
              : snprintf(p->where + mark, sizeof p->where - mark, fmt, i);
    if (n > 0) p->where_len = mark + (size_t)n < sizeof p->where ? mark + (size_t)n
                                                                 : sizeof p->where - 1;
    return mark;
}

size_t mf_push_key(mf_parser *p, const char *key)
{
    /* a name that could hold ": " would make the line ambiguous */
    if (!aw__valid_name(key)) key = "?";
    return push(p, p->where_len ? ".%s" : "%s", key, 0);
}

size_t mf_push_index(mf_parser *p, size_t i) { return push(p, "[%zu]", NULL, i); }

void mf_pop(mf_parser *p, size_t mark)
{
    p->where_len = mark;
    p->where[mark] = 0;
}

/* ---- nodes -------------------------------------------------------------------- */

yaml_node_t *mf_node(mf_parser *p, int index) { return yaml_document_get_node(p->doc, index); }

bool mf_is_null(const yaml_node_t *n)
{
    if (!n) return true;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = (const char *)n->data.scalar.value;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static const char *kind_of(const yaml_node_t *n)
{
    if (mf_is_null(n)) return "nothing";
    if (n->type == YAML_MAPPING_NODE) return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE) return "a list";
    return "a scalar";
}

const char *mf_scalar(mf_parser *p, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE || mf_is_null(n)) {
        mf_err(p, n, "expected %s, got %s", what, kind_of(n));
        return NULL;
    }
    const char *s = (const char *)n->data.scalar.value;
    if (strlen(s) != n->data.scalar.length) {
        mf_err(p, n, "a NUL byte is not allowed here");
        return NULL;
    }
    return s;
}

char *mf_strdup(mf_parser *p, const char *s)
{
    char *c = s ? strdup(s) : NULL;
    if (s && !c) p->oom = true;
    return c;
}

char *mf_name_of(mf_parser *p, yaml_node_t *n, const char *what)
{
    const char *s = mf_scalar(p, n, what);
    if (!s) return NULL;
    if (!aw__valid_name(s)) {
        char q[128];
        mf_err(p, n, "'%s' is not a valid name: 1..255 printable characters, no spaces",
               mf_quote(s, q, sizeof q));
        return NULL;
    }
    return mf_strdup(p, s);
}

/* ---- numbers ---------------------------------------------------------------- */

/* Decimal digits only: no sign, no spaces, no 0x. *end: where they stop. */
static bool digits(const char *s, uint64_t *out, const char **end, bool *overflow)
{
    uint64_t v = 0;
    const char *q = s;
    *overflow = false;
    for (; isdigit((unsigned char)*q); q++) {
        unsigned d = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - d) / 10) *overflow = true;
        else v = v * 10 + d;
    }
    *out = v;
    *end = q;
    return q != s;
}

bool mf_uint(mf_parser *p, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *s = mf_scalar(p, n, "a non-negative integer");
    if (!s) return false;
    char q[128];
    const char *end;
    bool over;
    if (*s == '-' && digits(s + 1, out, &end, &over) && !*end) {
        mf_err(p, n, "must not be negative, got '%s'", mf_quote(s, q, sizeof q));
        return false;
    }
    if (!digits(s, out, &end, &over) || *end) {
        mf_err(p, n, "expected a non-negative integer, got '%s'", mf_quote(s, q, sizeof q));
        return false;
    }
    if (over || *out > max) {
        mf_err(p, n, "%s is too large (at most %llu)", mf_quote(s, q, sizeof q),
               (unsigned long long)max);
        return false;
    }
    if (*out < min) {
        mf_err(p, n, "%s is too small (at least %llu)", s, (unsigned long long)min);
        return false;
    }
    return true;
}

/* "16MiB", "64 KiB", "65536"; k/m/g, KB/MB/GB and KiB/MiB/GiB are all
 * powers of 1024 (memory is counted in pages of 64 KiB anyway). */
static bool read_size(mf_parser *p, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *s = mf_scalar(p, n, "a size like 16MiB or 65536");
    if (!s) return false;
    static const struct { const char *unit; unsigned shift; } units[] = {
        {"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20}, {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}};
    char q[128];
    const char *end;
    bool over;
    int unit = -1;
    if (digits(s, out, &end, &over)) {
        while (*end == ' ') end++;
        for (size_t i = 0; i < sizeof units / sizeof *units; i++)
            if (!strcasecmp(end, units[i].unit)) unit = (int)i;
    }
    if (*s == '-') {
        mf_err(p, n, "a size must not be negative, got '%s'", mf_quote(s, q, sizeof q));
        return false;
    }
    if (unit < 0) {
        mf_err(p, n, "expected a size like 16MiB or 65536, got '%s'", mf_quote(s, q, sizeof q));
        return false;
    }
    unsigned shift = units[unit].shift;
    if (over || (shift && *out > (UINT64_MAX >> shift)) || (*out << shift) > max) {
        mf_err(p, n, "size '%s' is too large (at most %llu bytes)", mf_quote(s, q, sizeof q),
               (unsigned long long)max);
        return false;
    }
    *out <<= shift;
    if (*out < min) {
        mf_err(p, n, "size '%s' is too small (at least %llu bytes)", s, (unsigned long long)min);
        return false;
    }
    return true;
}

static bool read_real(mf_parser *p, yaml_node_t *n, double max, double *out)
{
    const char *s = mf_scalar(p, n, "a number");
    if (!s) return false;
    char q[128], *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || isspace((unsigned char)*s)) {
        mf_err(p, n, "expected a number, got '%s'", mf_quote(s, q, sizeof q));
        return false;
    }
    if (v < 0 || v > max) {
        mf_err(p, n, "%s is outside 0..%g", mf_quote(s, q, sizeof q), max);
        return false;
    }
    *out = v;
    return true;
}

bool mf_enum(mf_parser *p, yaml_node_t *n, const char *const *names, int *out)
{
    char list[256] = "", q[128];
    size_t o = 0;
    for (int i = 0; names[i]; i++)
        o += (size_t)snprintf(list + o, o < sizeof list ? sizeof list - o : 0, "%s%s",
                              i ? ", " : "", names[i]);
    char what[300];
    snprintf(what, sizeof what, "one of %s", list);
    const char *s = mf_scalar(p, n, what);
    if (!s) return false;
    for (int i = 0; names[i]; i++)
        if (!strcmp(s, names[i])) { *out = i; return true; }
    mf_err(p, n, "expected one of %s, got '%s'", list, mf_quote(s, q, sizeof q));
    return false;
}

/* Read one table field into obj; true when it was valid. */
static bool read_field(mf_parser *p, const mf_field *f, yaml_node_t *n, void *obj)
{
    char *at = (char *)obj + f->off;
    uint64_t v;
    switch (f->type) {
    case MF_U32:
    case MF_U64:
        if (!mf_uint(p, n, f->min, f->max, &v)) return false;
        if (f->type == MF_U32) *(uint32_t *)at = (uint32_t)v;
        else *(uint64_t *)at = v;
        return true;
    case MF_SIZE32:
    case MF_SIZE64:
        if (!read_size(p, n, f->min, f->max, &v)) return false;
        if (f->type == MF_SIZE32) *(uint32_t *)at = (uint32_t)v;
        else *(uint64_t *)at = v;
        return true;
    case MF_DEADLINE:
        if (n && n->type == YAML_SCALAR_NODE && !strcmp((char *)n->data.scalar.value, "none")) {
            *(uint32_t *)at = AW_NO_DEADLINE;
            return true;
        }
        if (!mf_uint(p, n, f->min, f->max, &v)) return false;
        *(uint32_t *)at = (uint32_t)v;
        return true;
    case MF_REAL:
        return read_real(p, n, (double)f->max, (double *)at);
    case MF_ENUM:
        return mf_enum(p, n, f->names, (int *)at);
    case MF_BOOL: {
        static const char *const tf[] = {"false", "true", NULL};
        int b;
        if (!mf_enum(p, n, tf, &b)) return false;
        *(bool *)at = b == 1;
        return true;
    }
    case MF_STR: {
        const char *s = mf_scalar(p, n, "a string");
        if (!s) return false;
        *(char **)at = mf_strdup(p, s);
        return true;
    }
    }
    return false;
}

/* ---- mappings and lists ------------------------------------------------------ */

static void allowed_keys(const mf_field *f, size_t nf, const char *const *more, char *buf,
                         size_t size)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < nf && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", f[i].key);
    for (size_t i = 0; more && more[i] && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", more[i]);
}

bool mf_map(mf_parser *p, yaml_node_t *n, const mf_field *f, size_t nf, void *obj, uint32_t *set,
            const char *const *more, yaml_node_t **vals)
{
    size_t nmore = 0;
    while (more && more[nmore]) nmore++;
    for (size_t i = 0; i < nf + nmore; i++) vals[i] = NULL;
    if (!n || n->type != YAML_MAPPING_NODE) {
        mf_err(p, n, "expected a mapping (key: value lines), got %s", kind_of(n));
        return false;
    }
    unsigned first[64] = {0};  /* line of each key seen, by index (fields, then more) */
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = mf_node(p, pr->key), *v = mf_node(p, pr->value);
        const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
        if (!key) { mf_err(p, k, "a key must be a string, got %s", kind_of(k)); continue; }
        size_t idx = SIZE_MAX;
        for (size_t i = 0; i < nf && idx == SIZE_MAX; i++)
            if (!strcmp(key, f[i].key)) idx = i;
        for (size_t i = 0; i < nmore && idx == SIZE_MAX; i++)
            if (!strcmp(key, more[i])) idx = nf + i;
        char q[128];
        size_t mark = mf_push_key(p, key);
        if (idx == SIZE_MAX) {
            char list[512];
            allowed_keys(f, nf, more, list, sizeof list);
            mf_err(p, k, "unknown key '%s' (allowed: %s)", mf_quote(key, q, sizeof q), list);
        } else if (idx < 64 && first[idx]) {
            mf_err(p, k, "duplicate key '%s' (first at line %u)", key, first[idx]);
        } else {
            if (idx < 64) first[idx] = mf_pos_of(k).line;
            vals[idx] = v;
            if (idx < nf && read_field(p, &f[idx], v, obj) && set) *set |= 1u << idx;
        }
        mf_pop(p, mark);
    }
    return true;
}

bool mf_seq(mf_parser *p, yaml_node_t *n, const char *what, yaml_node_item_t **items, size_t *count)
{
    *items = NULL;
    *count = 0;
    if (mf_is_null(n)) return true;
    if (n->type != YAML_SEQUENCE_NODE) {
        mf_err(p, n, "expected a list of %s, got %s", what, kind_of(n));
        return false;
    }
    *items = n->data.sequence.items.start;
    *count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    return true;
}

bool mf_strings(mf_parser *p, yaml_node_t *n, const char *what,
                bool (*check)(mf_parser *, yaml_node_t *, const char *), char ***out, size_t *count)
{
    yaml_node_item_t *it;
    size_t k;
    *out = NULL;
    *count = 0;
    if (!mf_seq(p, n, what, &it, &k) || !k) return k == 0;
    char **v = calloc(k, sizeof *v);
    if (!v) { p->oom = true; return false; }
    size_t got = 0;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *e = mf_node(p, it[i]);
        size_t mark = mf_push_index(p, i);
        const char *s = mf_scalar(p, e, what);
        if (s && (!check || check(p, e, s))) v[got++] = mf_strdup(p, s);
        mf_pop(p, mark);
    }
    *out = v;
    *count = got;
    return got == k;
}

/* ---- the name space ------------------------------------------------------------ */

static const char *kind_name(mf_kind k)
{
    return k == MF_ACTOR ? "actor" : k == MF_SUPERVISOR ? "supervisor" : "route";
}

const mf_name *mf_find(mf_parser *p, const char *name)
{
    for (size_t i = 0; i < p->n_names; i++)
        if (!strcmp(p->names[i].name, name)) return &p->names[i];
    return NULL;
}

void mf_declare(mf_parser *p, const char *name, mf_kind kind, mf_pos pos)
{
    if (!name) return;
    const mf_name *old = mf_find(p, name);
    if (old) {
        mf_err_pos(p, pos, "the name '%s' is already used by the %s at line %u (actors, "
                   "supervisors and routes share one name space)", name, kind_name(old->kind),
                   old->pos.line);
        return;
    }
    if (p->n_names == p->cap_names) {
        size_t cap = p->cap_names ? p->cap_names * 2 : 16;
        mf_name *v = realloc(p->names, cap * sizeof *v);
        if (!v) { p->oom = true; return; }
        p->names = v;
        p->cap_names = cap;
    }
    p->names[p->n_names++] = (mf_name){name, kind, pos};
}

size_t mf_component_index(const aw_manifest *m, const char *name)
{
    for (size_t i = 0; i < m->n_comps; i++)
        if (m->comps[i].name && !strcmp(m->comps[i].name, name)) return i;
    return SIZE_MAX;
}
