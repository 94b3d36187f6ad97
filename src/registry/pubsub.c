/* pubsub.c - see pubsub.h. */
#include "pubsub.h"

#include <string.h>

#define TOPIC_MAX 255

void aw_pubsub_init(aw_pubsub *ps)
{
    memset(ps, 0, sizeof *ps);
    pthread_rwlock_init(&ps->lock, NULL);
}

void aw_pubsub_destroy(aw_pubsub *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->subs[i].pattern);
        aw_actor_unref(ps->subs[i].actor);
    }
    free(ps->subs);
    pthread_rwlock_destroy(&ps->lock);
}

aw_err aw_topic_check(const char *s, size_t len, bool pattern)
{
    const char *what = pattern ? "pattern" : "topic";
    if (len == 0 || len > TOPIC_MAX)
        return aw__fail(AW_EINVAL, "%s must be 1..%d bytes, got %zu", what, TOPIC_MAX, len);
    size_t tok = 0;  /* start of the current token */
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];
            if (c <= 0x20 || c == 0x7f)
                return aw__fail(AW_EINVAL, "%s '%.*s' has a space or control byte at %zu", what,
                                (int)len, s, i);
            continue;
        }
        size_t n = i - tok;
        if (n == 0)
            return aw__fail(AW_EINVAL, "%s '%.*s' has an empty token at %zu", what, (int)len, s, tok);
        bool star = n == 1 && s[tok] == '*', gt = n == 1 && s[tok] == '>';
        if ((star || gt) && !pattern)
            return aw__fail(AW_EINVAL, "topic '%.*s' has a wildcard; only patterns may", (int)len, s);
        if (gt && i != len)
            return aw__fail(AW_EINVAL, "pattern '%.*s': '>' must be the last token", (int)len, s);
        if (!star && !gt && (memchr(s + tok, '*', n) || memchr(s + tok, '>', n)))
            return aw__fail(AW_EINVAL, "%s '%.*s': wildcards must be whole tokens", what, (int)len, s);
        tok = i + 1;
    }
    return AW_OK;
}

bool aw_topic_match(const char *p, const char *t, size_t tlen)
{
    const char *te = t + tlen;
    for (;;) {
        const char *pe = strchr(p, '.');
        size_t pn = pe ? (size_t)(pe - p) : strlen(p);
        if (pn == 1 && p[0] == '>') return t < te;  /* one or more tokens left */
        if (t >= te) return false;
        const char *tdot = memchr(t, '.', (size_t)(te - t));
        size_t tn = tdot ? (size_t)(tdot - t) : (size_t)(te - t);
        if (!(pn == 1 && p[0] == '*') && (pn != tn || memcmp(p, t, pn))) return false;
        if (!pe) return !tdot;        /* pattern done: topic must be done too */
        if (!tdot) return false;      /* topic done, pattern not */
        p = pe + 1;
        t = tdot + 1;
    }
}

static bool same(const aw_sub *s, const aw_actor *a, const char *p, size_t n)
{
    return s->actor == a && strlen(s->pattern) == n && !memcmp(s->pattern, p, n);
}

aw_err aw_pubsub_subscribe(aw_pubsub *ps, aw_actor *a, const char *p, size_t n)
{
    aw_err rc = aw_topic_check(p, n, true);
    if (rc) return rc;
    char *copy = aw__strndup(p, n);
    if (!copy) return aw__fail(AW_ENOMEM, "out of memory subscribing");
    pthread_rwlock_wrlock(&ps->lock);
    if (aw_mailbox_closed(&a->mb)) {  /* ending: its removal may have run already */
        pthread_rwlock_unlock(&ps->lock);
        free(copy);
        return aw__fail(AW_ESTOPPED, "actor '%s' is stopping", a->name);
    }
    for (size_t i = 0; i < ps->n; i++)
        if (same(&ps->subs[i], a, p, n)) {  /* already subscribed: idempotent */
            pthread_rwlock_unlock(&ps->lock);
            free(copy);
            return AW_OK;
        }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        aw_sub *v = realloc(ps->subs, cap * sizeof *v);
        if (!v) {
            pthread_rwlock_unlock(&ps->lock);
            free(copy);
            return aw__fail(AW_ENOMEM, "out of memory subscribing");
        }
        ps->subs = v;
        ps->cap = cap;
    }
    aw_actor_ref(a);
    ps->subs[ps->n++] = (aw_sub){copy, a};
    pthread_rwlock_unlock(&ps->lock);
    return AW_OK;
}

/* Remove entries matching (a, pattern) or, with p == NULL, all of a's. */
static size_t remove_where(aw_pubsub *ps, aw_actor *a, const char *p, size_t n)
{
    size_t removed = 0, k = 0;
    aw_sub *gone = NULL;
    size_t ngone = 0;
    pthread_rwlock_wrlock(&ps->lock);
    gone = malloc((ps->n ? ps->n : 1) * sizeof *gone);
    for (size_t i = 0; i < ps->n; i++) {
        bool hit = p ? same(&ps->subs[i], a, p, n) : ps->subs[i].actor == a;
        if (hit && gone) { gone[ngone++] = ps->subs[i]; removed++; }
        else ps->subs[k++] = ps->subs[i];
    }
    ps->n = k;
    pthread_rwlock_unlock(&ps->lock);
    for (size_t i = 0; i < ngone; i++) {  /* unref outside the lock */
        free(gone[i].pattern);
        aw_actor_unref(gone[i].actor);
    }
    free(gone);
    return removed;
}

aw_err aw_pubsub_unsubscribe(aw_pubsub *ps, aw_actor *a, const char *p, size_t n)
{
    aw_err rc = aw_topic_check(p, n, true);
    if (rc) return rc;
    if (!remove_where(ps, a, p, n))
        return aw__fail(AW_ENOENT, "actor '%s' is not subscribed to '%.*s'", a->name, (int)n, p);
    return AW_OK;
}

void aw_pubsub_remove_actor(aw_pubsub *ps, aw_actor *a) { remove_where(ps, a, NULL, 0); }

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return x < y ? -1 : x > y;
}

size_t aw_pubsub_match(aw_pubsub *ps, const char *topic, size_t len, aw_actor ***out)
{
    pthread_rwlock_rdlock(&ps->lock);
    aw_actor **v = malloc((ps->n ? ps->n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < ps->n; i++) {
        if (!aw_topic_match(ps->subs[i].pattern, topic, len)) continue;
        aw_actor_ref(ps->subs[i].actor);
        v[k++] = ps->subs[i].actor;
    }
    pthread_rwlock_unlock(&ps->lock);
    /* one delivery per actor, however many of its patterns match */
    if (k > 1) qsort(v, k, sizeof *v, cmp_ptr);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u && v[u - 1] == v[i]) aw_actor_unref(v[i]);
        else v[u++] = v[i];
    }
    *out = v;
    return u;
}
