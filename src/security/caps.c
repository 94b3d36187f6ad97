/* caps.c - see caps.h. */
#include "caps.h"

#include "../registry/pubsub.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_RATE 1000
#define DEFAULT_BURST 1000
#define MAX_GRANT 1024

static const char *const kind_names[AW_CAP_KINDS] = {
    "messaging send", "messaging publish", "messaging subscribe", "file-read", "file-write",
    "network-outbound", "host"};

void aw_grants_free(void *p)
{
    aw_grants *g = p;
    if (!g) return;
    for (int k = 0; k < AW_CAP_KINDS; k++) {
        for (size_t i = 0; i < g->n[k]; i++) free(g->pat[k][i]);
        free(g->pat[k]);
    }
    for (size_t i = 0; i < g->n_text; i++) free(g->text[i]);
    free(g->text);
    free(g->prefix);
    free(g);
}

static bool push(char ***v, size_t *n, const char *s, size_t len)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return false;
    *v = nv;
    if (!(nv[*n] = strndup(s, len))) return false;
    (*n)++;
    return true;
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) { (*s)++; (*len)--; }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

/* A pattern must be printable ASCII without spaces; file patterns must be
 * absolute. */
static aw_err check_pattern(const char *comp, const char *grant, aw_cap_kind k, const char *p,
                            size_t len)
{
    if (!len)
        return aw__fail(AW_EINVAL, "component '%s': grant '%s': empty %s pattern", comp, grant,
                        kind_names[k]);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
            return aw__fail(AW_EINVAL, "component '%s': grant '%s': %s pattern has a space, "
                            "control or non-ASCII byte at %zu", comp, grant, kind_names[k], i);
    if ((k == AW_CAP_FILE_READ || k == AW_CAP_FILE_WRITE) && p[0] != '/')
        return aw__fail(AW_EINVAL, "component '%s': grant '%s': file patterns are absolute "
                        "paths (start with '/')", comp, grant);
    return AW_OK;
}

static aw_err add(aw_grants *g, const char *comp, const char *grant, aw_cap_kind k,
                  const char *p, size_t len)
{
    trim(&p, &len);
    aw_err rc = check_pattern(comp, grant, k, p, len);
    if (rc) return rc;
    if (!push(&g->pat[k], &g->n[k], p, len))
        return aw__fail(AW_ENOMEM, "out of memory parsing grants of '%s'", comp);
    return AW_OK;
}

/* messaging(send=a, publish=b, subscribe=c): each key may repeat. */
static aw_err parse_messaging(aw_grants *g, const char *comp, const char *grant, const char *arg,
                              size_t len)
{
    while (len) {
        const char *comma = memchr(arg, ',', len);
        size_t part = comma ? (size_t)(comma - arg) : len;
        const char *eq = memchr(arg, '=', part);
        if (!eq)
            return aw__fail(AW_EINVAL, "component '%s': grant '%s': expected send=, publish= or "
                            "subscribe= in messaging(...)", comp, grant);
        const char *key = arg;
        size_t klen = (size_t)(eq - arg);
        trim(&key, &klen);
        aw_cap_kind k = klen == 4 && !memcmp(key, "send", 4)        ? AW_CAP_SEND
                        : klen == 7 && !memcmp(key, "publish", 7)   ? AW_CAP_PUBLISH
                        : klen == 9 && !memcmp(key, "subscribe", 9) ? AW_CAP_SUBSCRIBE
                                                                    : AW_CAP_KINDS;
        if (k == AW_CAP_KINDS)
            return aw__fail(AW_EINVAL, "component '%s': grant '%s': unknown messaging key '%.*s' "
                            "(send, publish, subscribe)", comp, grant, (int)klen, key);
        aw_err rc = add(g, comp, grant, k, eq + 1, part - (size_t)(eq + 1 - arg));
        if (rc) return rc;
        arg += part + (comma ? 1 : 0);
        len -= part + (comma ? 1 : 0);
    }
    return AW_OK;
}

static aw_err parse_one(aw_grants *g, const char *comp, const char *grant)
{
    size_t n = strlen(grant);
    if (!n || n > MAX_GRANT)
        return aw__fail(AW_EINVAL, "component '%s': a grant is empty or longer than %d bytes",
                        comp, MAX_GRANT);
    const char *open = memchr(grant, '(', n);
    if (!open || grant[n - 1] != ')')
        return aw__fail(AW_EINVAL, "component '%s': grant '%s' is not of the form kind(argument)",
                        comp, grant);
    size_t klen = (size_t)(open - grant);
    const char *arg = open + 1;
    size_t alen = n - klen - 2;
    static const struct { const char *name; aw_cap_kind k; } kinds[] = {
        {"file-read", AW_CAP_FILE_READ}, {"file-write", AW_CAP_FILE_WRITE},
        {"network-outbound", AW_CAP_NET}, {"host", AW_CAP_HOST}};
    if (klen == 9 && !memcmp(grant, "messaging", 9)) return parse_messaging(g, comp, grant, arg, alen);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strlen(kinds[i].name) == klen && !memcmp(grant, kinds[i].name, klen))
            return add(g, comp, grant, kinds[i].k, arg, alen);
    return aw__fail(AW_EINVAL, "component '%s': unknown capability '%.*s' in grant '%s' (known: "
                    "messaging, file-read, file-write, network-outbound, host)", comp, (int)klen,
                    grant, grant);
}

/* "prefix*" with no other wildcard: the usual name grant, matched with one
 * compare instead of the backtracking glob. */
static bool prefix_star(const char *p, size_t *plen)
{
    size_t n = strlen(p);
    if (!n || p[n - 1] != '*' || strcspn(p, "*?[") != n - 1) return false;
    *plen = n - 1;
    return true;
}

aw_err aw_grants_parse(const char *comp, const char *const *grants, size_t n,
                       uint32_t max_message_bytes, uint32_t rate_per_s, uint32_t burst,
                       aw_grants **out)
{
    aw_grants *g = calloc(1, sizeof *g);
    if (!g) return aw__fail(AW_ENOMEM, "out of memory parsing grants of '%s'", comp);
    g->max_message_bytes = max_message_bytes;
    g->rate_per_s = rate_per_s ? rate_per_s : DEFAULT_RATE;
    g->burst = burst ? burst : DEFAULT_BURST;
    for (size_t i = 0; i < n; i++) {
        aw_err rc = !grants[i] ? aw__fail(AW_EINVAL, "component '%s': grant %zu is NULL", comp, i)
                               : parse_one(g, comp, grants[i]);
        if (rc == AW_OK && !push(&g->text, &g->n_text, grants[i], strlen(grants[i])))
            rc = aw__fail(AW_ENOMEM, "out of memory parsing grants of '%s'", comp);
        if (rc) {
            aw_grants_free(g);
            return rc;
        }
    }
    if (g->n[AW_CAP_SEND] && !(g->prefix = malloc(g->n[AW_CAP_SEND] * sizeof *g->prefix))) {
        aw_grants_free(g);
        return aw__fail(AW_ENOMEM, "out of memory parsing grants of '%s'", comp);
    }
    for (size_t i = 0; i < g->n[AW_CAP_SEND]; i++)
        if (!prefix_star(g->pat[AW_CAP_SEND][i], &g->prefix[i])) g->prefix[i] = SIZE_MAX;
    *out = g;
    return AW_OK;
}

/* ---- matching ------------------------------------------------------------ */

static bool class_match(const char **pp, char c)
{
    const char *p = *pp + 1;  /* past '[' */
    bool neg = *p == '!' || *p == '^', hit = false;
    if (neg) p++;
    for (bool first = true; *p && (*p != ']' || first); first = false) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            if (c >= p[0] && c <= p[2]) hit = true;
            p += 3;
        } else {
            if (c == *p) hit = true;
            p++;
        }
    }
    *pp = *p == ']' ? p + 1 : p;
    return hit != neg;
}

bool aw_glob_match(const char *p, const char *s, bool slash)
{
    while (*p) {
        if (p[0] == '*' && p[1] == '*' && slash) {  /* any run, across '/' */
            p += 2;
            if (*p == '/') {  /* a double star then a slash may also match no directory at all */
                if (aw_glob_match(p + 1, s, slash)) return true;
            }
            for (;; s++) {
                if (aw_glob_match(p, s, slash)) return true;
                if (!*s) return false;
            }
        }
        if (*p == '*') {
            p++;
            for (;; s++) {
                if (aw_glob_match(p, s, slash)) return true;
                if (!*s || (slash && *s == '/')) return false;
            }
        }
        if (!*s) return false;
        if (*p == '?') {
            if (slash && *s == '/') return false;
            p++;
        } else if (*p == '[') {
            if ((slash && *s == '/') || !class_match(&p, *s)) return false;
        } else {
            if (*p != *s) return false;
            p++;
        }
        s++;
    }
    return !*s;
}

/* Does granted topic pattern `g` cover every topic that `want` matches? */
static bool covers(const char *g, const char *want)
{
    for (;;) {
        size_t gl = strcspn(g, "."), wl = strcspn(want, ".");
        if (gl == 1 && g[0] == '>') return true;
        if (wl == 1 && want[0] == '>') return false;  /* only '>' covers '>' */
        if (!(gl == 1 && g[0] == '*') && (gl != wl || memcmp(g, want, gl) || (wl == 1 && want[0] == '*')))
            return false;
        g += gl;
        want += wl;
        if (!*g || !*want) return !*g && !*want;
        g++;
        want++;
    }
}

bool aw_grants_allow(const aw_grants *g, aw_cap_kind kind, const char *target)
{
    if (!g) return false;
    for (size_t i = 0; i < g->n[kind]; i++) {
        const char *p = g->pat[kind][i];
        if (kind == AW_CAP_SEND && g->prefix[i] != SIZE_MAX) {
            if (!strncmp(p, target, g->prefix[i])) return true;
            continue;
        }
        bool ok = kind == AW_CAP_PUBLISH     ? aw_topic_match(p, target, strlen(target))
                  : kind == AW_CAP_SUBSCRIBE ? covers(p, target)
                  : aw_glob_match(p, target, kind == AW_CAP_FILE_READ || kind == AW_CAP_FILE_WRITE);
        if (ok) return true;
    }
    return false;
}

bool aw_bucket_take(aw_bucket *b, const aw_grants *g, uint64_t now)
{
    double rate = g ? g->rate_per_s : DEFAULT_RATE, burst = g ? g->burst : DEFAULT_BURST;
    if (!b->init) {
        b->init = true;
        b->tokens = burst;
        b->last_ns = now;
    } else if (now > b->last_ns) {
        b->tokens += (double)(now - b->last_ns) * rate / 1e9;
        if (b->tokens > burst) b->tokens = burst;
        b->last_ns = now;
    }
    if (b->tokens < 1) return false;
    b->tokens -= 1;
    return true;
}
