/* guest_http.c - outbound HTTP for core-module guests (airssys.http), with
 * libcurl, within the component's network-outbound grants.
 *
 * The request is text: "METHOD URL\n" then "Name: value\n" header lines, an
 * empty line, and the body. The host name (and port) of the URL is checked
 * against the grants before anything is sent, and again for every redirect,
 * which is followed by hand (never by curl) for that reason. Only http and
 * https. The response ("STATUS\n", header lines, an empty line, the body) is capped at the
 * component's message size and read back with airssys.read_reply.
 *
 * A transfer runs on a thread of its own while the guest's call is
 * suspended and its actor parked, exactly like airssys.request: no worker
 * waits on the network. */
#include "guest.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>


#define MAX_REDIRECTS 5
#define MAX_INFLIGHT 256  /* transfers at once, runtime-wide: each holds a thread */
#define DEFAULT_TIMEOUT_MS 30000u

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct xfer {
    aw_pending *p;
    aw_actor *self;          /* counted */
    char *method, *url, *headers, *body;
    size_t body_len, limit;
    uint32_t timeout_ms;
    /* the response being built */
    char *resp;
    size_t resp_len;
    char *hdrs;              /* the final response's header lines, "Name: value\n" */
    size_t hdrs_len;
    bool over;
} xfer;

static void xfer_free(xfer *x)
{
    free(x->method);
    free(x->url);
    free(x->headers);
    free(x->body);
    free(x->resp);
    free(x->hdrs);
    free(x);
}

/* host[:port] of a URL, and whether a grant allows it. Without a port in
 * the grant, only the scheme's default port is allowed. */
static bool url_allowed(const aw_grants *g, const char *url, char *why, size_t cap)
{
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL, *port = NULL;
    bool ok = false;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)) {
        snprintf(why, cap, "not a valid URL");
    } else if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
        snprintf(why, cap, "scheme '%s' is not http or https", scheme);
    } else {
        bool dflt = !strcmp(port, !strcmp(scheme, "https") ? "443" : "80");
        char hp[512];
        snprintf(hp, sizeof hp, "%s:%s", host, port);
        for (size_t i = 0; g && i < g->n[AW_CAP_NET] && !ok; i++) {
            const char *pat = g->pat[AW_CAP_NET][i];
            ok = strchr(pat, ':') ? aw_glob_match(pat, hp, false)
                                  : dflt && aw_glob_match(pat, host, false);
        }
        if (!ok) snprintf(why, cap, "no network-outbound grant matches %s", hp);
    }
    curl_free(host);
    curl_free(scheme);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (x->resp_len + len > x->limit) { x->over = true; return 0; }  /* aborts the transfer */
    char *r = realloc(x->resp, x->resp_len + len + 1);
    if (!r) return 0;
    memcpy(r + x->resp_len, ptr, len);
    x->resp = r;
    x->resp_len += len;
    return len;
}

/* Header lines of the response; a new status line (after a 100 Continue,
 * say) starts them over. CRLF becomes LF. */
static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && !memcmp(ptr, "HTTP/", 5)) { x->hdrs_len = 0; return len; }
    while (len && (ptr[len - 1] == '\n' || ptr[len - 1] == '\r')) len--;
    if (!len) return size * n;
    if (x->hdrs_len + len + 1 > 64 * 1024) return size * n;  /* keep the first 64 KiB */
    char *h = realloc(x->hdrs, x->hdrs_len + len + 2);
    if (!h) return 0;
    memcpy(h + x->hdrs_len, ptr, len);
    h[x->hdrs_len + len] = '\n';
    x->hdrs = h;
    x->hdrs_len += len + 1;
    return size * n;
}

static void fail(xfer *x, aw_err err, const char *why, const char *target)
{
    aw__audit_actor(x->self, "http", target, err == AW_EDENIED ? "denied" : "n/a", why);
    aw_pending_fail(x->p, err, why);
}

/* Abort transfers when the runtime shuts down (it waits for them). */
static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    xfer *x = ud;
    return atomic_load(&x->self->rt->shutting_down) ? 1 : 0;
}

/* One exchange; on a redirect, *next is the new URL (malloc'd). */
static aw_err exchange(xfer *x, const char *url, long *status, char **next, char *why, size_t cap)
{
    CURL *c = curl_easy_init();
    if (!c) { snprintf(why, cap, "out of memory"); return AW_ENOMEM; }
    struct curl_slist *hl = NULL;
    for (char *line = x->headers, *end; line && *line; line = end ? end + 1 : NULL) {
        end = strchr(line, '\n');
        if (end) *end = 0;
        if (*line) hl = curl_slist_append(hl, line);
        if (end) *end = '\n';
    }
    free(x->resp);
    x->resp = NULL;
    x->resp_len = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  /* each hop is checked here */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)x->timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    if (x->body_len || strcmp(x->method, "GET")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body ? x->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)x->body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    aw_err err = AW_OK;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        char *loc = NULL;
        if (*status >= 300 && *status < 400 && !curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) && loc)
            *next = strdup(loc);
    } else if (x->over) {
        snprintf(why, cap, "response larger than the %zu-byte limit", x->limit);
        err = AW_ETOOBIG;
    } else {
        snprintf(why, cap, "%s", curl_easy_strerror(rc));
        err = rc == CURLE_OPERATION_TIMEDOUT ? AW_ETIMEDOUT : AW_EIO;
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return err;
}

static void *run(void *arg)
{
    xfer *x = arg;
    const aw_grants *g = x->self->comp ? x->self->comp->grants : NULL;
    char why[600], *url = strdup(x->url);
    long status = 0;
    for (int hop = 0; url; hop++) {
        if (!url_allowed(g, url, why, sizeof why)) {
            fail(x, AW_EDENIED, why, url);
            break;
        }
        if (hop > MAX_REDIRECTS) {
            fail(x, AW_EIO, "more than 5 redirects", url);
            break;
        }
        aw__audit_actor(x->self, "http", url, "allowed", x->method);
        char *next = NULL;
        aw_err e = exchange(x, url, &status, &next, why, sizeof why);
        free(url);
        url = NULL;
        if (e) { fail(x, e, why, x->url); break; }
        if (next) { url = next; continue; }
        /* "STATUS\n", the header lines, an empty line, the body */
        char head[16];
        int k = snprintf(head, sizeof head, "%ld\n", status);
        size_t total = (size_t)k + x->hdrs_len + 1 + x->resp_len;
        uint8_t *out = malloc(total + 1);
        if (!out) { fail(x, AW_ENOMEM, "out of memory", x->url); break; }
        memcpy(out, head, (size_t)k);
        if (x->hdrs_len) memcpy(out + k, x->hdrs, x->hdrs_len);
        out[(size_t)k + x->hdrs_len] = '\n';
        if (x->resp_len) memcpy(out + k + x->hdrs_len + 1, x->resp, x->resp_len);
        aw_call_result res = {.reply = out, .reply_len = total};
        aw_pending_complete(x->p, &res);
    }
    free(url);
    aw_runtime *rt = x->self->rt;
    aw_pending_unref(x->p);
    aw_actor_unref(x->self);
    xfer_free(x);
    pthread_mutex_lock(&rt->mu);  /* last: the runtime may be waiting to be freed */
    rt->http_inflight--;
    pthread_cond_broadcast(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
    return NULL;
}

void aw__http_wait(aw_runtime *rt)
{
    pthread_mutex_lock(&rt->mu);
    while (rt->http_inflight) pthread_cond_wait(&rt->cv, &rt->mu);
    pthread_mutex_unlock(&rt->mu);
}

/* Split "METHOD URL\nheaders\n\nbody". */
static bool parse(const uint8_t *req, size_t len, xfer *x)
{
    const uint8_t *nl = memchr(req, '\n', len);
    if (!nl) return false;
    const uint8_t *sp = memchr(req, ' ', (size_t)(nl - req));
    if (!sp || sp == req || sp + 1 >= nl) return false;
    x->method = strndup((const char *)req, (size_t)(sp - req));
    x->url = strndup((const char *)sp + 1, (size_t)(nl - sp - 1));
    const uint8_t *h = nl + 1, *end = req + len, *blank = NULL;
    for (const uint8_t *p = h; p + 1 < end + 1; p++)
        if (*p == '\n' && (p == h || p[-1] == '\n')) { blank = p; break; }
    if (!blank) blank = end;
    x->headers = strndup((const char *)h, (size_t)(blank - h));
    const uint8_t *body = blank < end ? blank + 1 : end;
    x->body_len = (size_t)(end - body);
    x->body = x->body_len ? malloc(x->body_len) : NULL;
    if (x->body) memcpy(x->body, body, x->body_len);
    for (const char *m = x->method; m && *m; m++)
        if (*m < 'A' || *m > 'Z') return false;
    return x->method && x->url && x->headers && (!x->body_len || x->body) &&
           !memchr(x->url, 0, strlen(x->url)) && !strchr(x->headers, '\r');
}

void aw__http_start(aw_actor *self, aw_pending *p, const uint8_t *req, size_t len,
                    uint32_t timeout_ms, int32_t *code)
{
    pthread_once(&curl_once, curl_init);
    xfer *x = calloc(1, sizeof *x);
    if (!x) { *code = G_ENOMEM; return; }
    if (!parse(req, len, x)) {
        xfer_free(x);
        aw__audit_actor(self, "http", "(malformed request)", "denied", "expected METHOD URL\\n...");
        *code = G_EINVAL;
        return;
    }
    const aw_grants *g = self->comp ? self->comp->grants : NULL;
    x->limit = g ? g->max_message_bytes : self->rt->cfg.max_message_bytes;
    x->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
    char why[600];
    if (!url_allowed(g, x->url, why, sizeof why)) {  /* refused before a thread exists */
        aw__audit_actor(self, "http", x->url, "denied", why);
        aw__runtime_log(self->rt, AW_LOG_WARN, self->name, "denied: http %s: %s", x->url, why);
        xfer_free(x);
        *code = G_EDENIED;
        return;
    }
    pthread_mutex_lock(&self->rt->mu);
    bool busy = self->rt->http_inflight >= MAX_INFLIGHT;
    if (!busy) self->rt->http_inflight++;
    pthread_mutex_unlock(&self->rt->mu);
    if (busy) {  /* a bounded number of threads, whatever the guests ask */
        aw__audit_actor(self, "http", x->url, "denied", "too many transfers in flight; try later");
        xfer_free(x);
        *code = G_EAGAIN;
        return;
    }
    aw_actor_ref(self);
    atomic_fetch_add(&p->refs, 1);  /* the transfer's */
    x->self = self;
    x->p = p;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &at, run, x) != 0) {
        pthread_mutex_lock(&self->rt->mu);
        self->rt->http_inflight--;
        pthread_mutex_unlock(&self->rt->mu);
        aw_pending_unref(p);
        aw_actor_unref(self);
        xfer_free(x);
        *code = G_ENOMEM;
    }
    pthread_attr_destroy(&at);
}
