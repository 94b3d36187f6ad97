/* test_hostile.c - the hostile-guest suite (guests/hostile/): each attack is
 * contained, its author gets a clear error, and a well-behaved component
 * running beside it keeps answering. */
#include "testlib.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static aw_runtime *rt;
static aw_component *good;

static bool good_answers(void)
{
    aw_reply r;
    if (aw_request(rt, "good", "still here?", 11, 5000, &r) != AW_OK) return false;
    bool ok = r.len == 11 && !memcmp(r.data, "still here?", 11);
    aw_reply_free(&r);
    return ok;
}

static aw_component *load(const char *guest, const char *grant, uint32_t max_msg, uint32_t rate,
                          uint32_t burst)
{
    aw_component *c = NULL;
    aw_load_options o = {.grants = &grant, .n_grants = grant ? 1 : 0,
                         .max_message_bytes = max_msg, .rate_per_s = rate, .rate_burst = burst};
    aw_err e = aw_component_load_file_opts(rt, tl_guest_path(guest), &o, &c);
    CHECKF(e == AW_OK, "load %s: %s", guest, aw_last_error());
    return c;
}

/* Ask `who` with `msg`; expect error `want`; the detail must contain `says`. */
static void attack(const char *who, const char *msg, aw_err want, const char *says)
{
    aw_reply r = {0};
    aw_err e = aw_request(rt, who, msg, strlen(msg), 10000, &r);
    CHECKF(e == want, "%s(%s): %s, want %s: %s", who, msg, aw_err_name(e), aw_err_name(want),
           aw_last_error());
    if (says) CHECK_CONTAINS(aw_last_error(), says);
    aw_reply_free(&r);
    CHECKF(good_answers(), "the good component answers after %s(%s)", who, msg);
}

static char *ask(const char *who, const char *msg)
{
    aw_reply r = {0};
    aw_err e = aw_request(rt, who, msg, strlen(msg), 10000, &r);
    CHECKF(e == AW_OK, "%s(%s): %s", who, msg, aw_last_error());
    char *s = calloc(1, r.len + 1);
    if (r.len) memcpy(s, r.data, r.len);
    aw_reply_free(&r);
    return s;
}

static void spawn(const char *name, aw_component *c)
{
    CHECKF(aw_spawn(rt, &(aw_actor_spec){.name = name, .component = c}) == AW_OK, "spawn %s: %s",
           name, aw_last_error());
}

static int sunk;
static int sink_fn(aw_ctx *ctx, const uint8_t *m, size_t len) { (void)ctx; (void)m; (void)len; sunk++; return 0; }

static void hostile_resource_attacks(void)
{
    aw_component *loop = load("hostile_loop", NULL, 0, 0, 0), *bomb = load("hostile_bomb", NULL, 0, 0, 0),
                 *rec = load("hostile_recurse", NULL, 0, 0, 0);
    spawn("loop", loop);
    spawn("bomb", bomb);
    spawn("recurse", rec);
    attack("loop", "go", AW_EDEADLINE, "CPU deadline");
    attack("bomb", "go", AW_ELIMIT, "cap");
    attack("recurse", "go", AW_ETRAP, "stack overflow");
    aw_component_release(loop);
    aw_component_release(bomb);
    aw_component_release(rec);
}

/* Limits per component, tighter than the runtime's. */
static void hostile_component_limits(void)
{
    aw_load_options o = {.max_memory_bytes = 2u << 20, .handler_deadline_ms = 50};
    aw_component *bomb = NULL, *loop = NULL;
    REQUIRE(CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_bomb"), &o, &bomb), AW_OK));
    REQUIRE(CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_loop"), &o, &loop), AW_OK));
    spawn("bomb2", bomb);
    spawn("loop2", loop);
    attack("bomb2", "go", AW_ELIMIT, "2097152-byte cap");
    attack("loop2", "go", AW_EDEADLINE, "(50 ms)");
    aw_component *c = NULL;
    o = (aw_load_options){.max_memory_bytes = 1u << 30};
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_bomb"), &o, &c), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "over the runtime's");
    o = (aw_load_options){.fuel = 1000};
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_loop"), &o, &c), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "fuel metering");
    aw_component_release(bomb);
    aw_component_release(loop);

    /* the stack: engine-wide, bounded so Wasmtime cannot abort on it */
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.max_wasm_stack = 16u << 20;
    aw_runtime *r2 = NULL;
    CHECK_ERR(aw_runtime_new(&cfg, &r2), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "max_wasm_stack");
    cfg.max_wasm_stack = 64u << 10;
    cfg.workers = 1;
    cfg.max_instances = 4;
    cfg.log_level = AW_LOG_ERROR + 1;
    REQUIRE(CHECK_ERR(aw_runtime_new(&cfg, &r2), AW_OK));
    aw_runtime *saved = rt;
    rt = r2;
    aw_component *rec = load("hostile_recurse", NULL, 0, 0, 0);
    spawn("recurse-small", rec);
    aw_reply r = {0};
    CHECK_ERR(aw_request(rt, "recurse-small", "go", 2, 5000, &r), AW_ETRAP);
    CHECK_CONTAINS(aw_last_error(), "stack overflow");
    aw_reply_free(&r);
    aw_component_release(rec);
    aw_runtime_free(r2);
    rt = saved;
}

static void hostile_abi_liar(void)
{
    aw_component *liar = load("hostile_liar", NULL, 0, 0, 0);
    spawn("liar", liar);
    attack("liar", "reply", AW_ETRAP, "outside guest memory");
    aw_component_release(liar);  /* it crashed: a fresh one for each lie */
    liar = load("hostile_liar", NULL, 0, 0, 0);
    spawn("liar", liar);
    attack("liar", "wrap", AW_ETRAP, "outside guest memory");
    spawn("liar2", liar);
    attack("liar2", "name", AW_EGUEST, NULL);  /* a refused name: a code, the guest failed it */
    aw_component_release(liar);
}

static atomic_int flood_rate_lines, flood_shed;
static void on_flood_audit(void *ud, const char *line, size_t len)
{
    (void)ud; (void)len;
    if (strstr(line, "over the sender's message rate")) atomic_fetch_add(&flood_rate_lines, 1);
    const char *p = strstr(line, "\"reason\":\"");
    if (strstr(line, "audit-shed") && p) atomic_fetch_add(&flood_shed, atoi(p + 10));
}

static void hostile_messaging(void)
{
    aw_native_actor sink = {.on_message = sink_fn};
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "sink", .native = &sink, .mailbox_capacity = 65536}), AW_OK);
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "victim", .native = &sink}), AW_OK);

    aw_component *nog = load("hostile_nogrant", NULL, 0, 0, 0);
    spawn("nogrant", nog);
    char *s = ask("nogrant", "go");
    CHECKF(!strcmp(s, "send=-12 request=-12 publish=-12 subscribe=-12"), "nogrant: %s", s);
    free(s);
    CHECK(good_answers());

    /* granted only send=sink: still nothing else */
    aw_component *partly = load("hostile_nogrant", "messaging(send=sink)", 0, 0, 0);
    spawn("partly", partly);
    s = ask("partly", "go");
    CHECKF(!strcmp(s, "send=-12 request=-12 publish=-12 subscribe=-12"), "partly: %s", s);
    free(s);

    /* The flood runs in a runtime of its own: its thousands of refusals go
     * to their own audit trail, which may shed (and must say so). */
    aw_runtime *main_rt = rt;
    aw_runtime_config fc;
    aw_runtime_config_init(&fc);
    fc.workers = 2;
    fc.max_instances = 4;
    fc.log_level = AW_LOG_ERROR + 1;
    fc.audit_cb = on_flood_audit;
    REQUIRE(CHECK_ERR(aw_runtime_new(&fc, &rt), AW_OK));
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "sink", .native = &sink, .mailbox_capacity = 65536}), AW_OK);
    aw_component *flood = load("hostile_flood", "messaging(send=sink)", 0, 1000, 100);
    spawn("flood", flood);
    s = ask("flood", "flood:5000");
    int ok = -1, rate = -1, other = -1;
    CHECKF(sscanf(s, "ok=%d rate=%d other=%d", &ok, &rate, &other) == 3, "flood: %s", s);
    CHECKF(ok >= 100 && ok < 1000 && rate > 4000 && other == 0, "flood: %s", s);  /* burst 100 + refill */
    free(s);
    aw_component_release(flood);
    flood = NULL;
    aw_runtime_free(rt);  /* drains its trail */
    rt = main_rt;
    CHECKF((int)(atomic_load(&flood_rate_lines) + atomic_load(&flood_shed)) >= rate,
           "rate refusals audited %d + shed %d, refused %d", atomic_load(&flood_rate_lines),
           atomic_load(&flood_shed), rate);
    CHECK(good_answers());

    aw_component *big = load("hostile_oversize", "messaging(send=sink)", 1024, 0, 0);
    spawn("big", big);
    s = ask("big", "size:4096");
    CHECKF(!strcmp(s, "-2"), "4 KiB over a 1 KiB limit: %s", s);  /* AW_G_ETOOBIG */
    free(s);
    s = ask("big", "size:1024");
    CHECKF(!strcmp(s, "0"), "1 KiB within the limit: %s", s);
    free(s);
    CHECK(good_answers());
    aw_component_release(nog);
    aw_component_release(partly);
    aw_component_release(big);
}

static int64_t fire(void *ud, const char *actor, const int64_t *args, size_t nargs)
{
    (void)ud;
    return nargs == 1 && !strcmp(actor, "gunner") ? args[0] * 10 : -1;
}

static void hostile_ungranted_namespace(void)
{
    aw_component *c = NULL;
    aw_load_options none = {0};
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_ungranted"), &none, &c), AW_ELINK);
    CHECK_CONTAINS(aw_last_error(), "imports GameAPI.weapons.fire but is not granted host(GameAPI.weapons)");
    const char *armor = "host(GameAPI.armor)";  /* a different namespace */
    aw_load_options o = {.grants = &armor, .n_grants = 1};
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_ungranted"), &o, &c), AW_ELINK);
    c = load("hostile_ungranted", "host(GameAPI.*)", 0, 0, 0);
    REQUIRE(c);
    spawn("gunner", c);
    char *s = ask("gunner", "abc");
    CHECKF(!strcmp(s, "30"), "fire: %s", s);  /* the embedder saw power 3 from actor gunner */
    free(s);
    CHECK_ERR(aw_host_register(rt, "GameAPI.weapons", "fire", "i", "i", fire, NULL), AW_EEXIST);
    CHECK_ERR(aw_host_register(rt, "airssys", "steal", "", "", fire, NULL), AW_EINVAL);
    CHECK_ERR(aw_host_register(rt, "GameAPI.x", "f", "ifF", "i", fire, NULL), AW_EINVAL);
    CHECK(good_answers());
    aw_component_release(c);
}

/* ---- files: traversal, symlinks, glob boundaries, bad bytes --------------- */

static char root[128];

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) { fputs(text, f); fclose(f); }
}

/* Ask traverse with "<cmd>:<path>" (path bytes as given, length explicit). */
static char *try_path(const char *cmd, const char *path, size_t plen)
{
    char msg[8192];
    size_t k = (size_t)snprintf(msg, sizeof msg, "%s:", cmd);
    memcpy(msg + k, path, plen);
    aw_reply r = {0};
    aw_err e = aw_request(rt, "traverse", msg, k + plen, 10000, &r);
    CHECKF(e == AW_OK, "traverse %s: %s", cmd, aw_last_error());
    char *s = calloc(1, r.len + 1);
    if (r.len) memcpy(s, r.data, r.len);
    aw_reply_free(&r);
    return s;
}

static void expect(const char *cmd, const char *path, const char *want)
{
    char *s = try_path(cmd, path, strlen(path));
    CHECKF(!strcmp(s, want), "%s %s -> %s, want %s", cmd, path, s, want);
    free(s);
}

static void hostile_file_traversal(void)
{
    snprintf(root, sizeof root, "/tmp/aw-files-%d", (int)getpid());
    char cmd[512], p[512], q[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/data/sub %s/data/out", root, root, root);
    REQUIRE(system(cmd) == 0);
    put("data/a.txt", "alpha");
    put("data/sub/b.txt", "beta");
    put("secret.txt", "secret");
    snprintf(p, sizeof p, "%s/secret.txt", root);
    snprintf(q, sizeof q, "%s/data/link.txt", root);
    CHECK(symlink(p, q) == 0);  /* inside the grant, pointing outside */
    snprintf(q, sizeof q, "%s/data/out/evil.txt", root);
    CHECK(symlink(p, q) == 0);

    char rg[256], wg[256];
    snprintf(rg, sizeof rg, "file-read(%s/data/*.txt)", root);
    snprintf(wg, sizeof wg, "file-write(%s/data/out/*)", root);
    const char *grants[] = {rg, wg};
    aw_load_options o = {.grants = grants, .n_grants = 2};
    aw_component *c = NULL;
    REQUIRE(CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("hostile_traverse"), &o, &c), AW_OK));
    spawn("traverse", c);

    snprintf(p, sizeof p, "%s/data/a.txt", root);
    expect("read", p, "5:alpha");                                  /* granted */
    expect("stat", p, "5");
    snprintf(p, sizeof p, "%s/data/sub/b.txt", root);
    expect("read", p, "-12");                                      /* '*' stays in one segment */
    snprintf(p, sizeof p, "%s/data/../secret.txt", root);
    expect("read", p, "-12");                                      /* '..' out of the grant */
    snprintf(p, sizeof p, "%s/data/./sub/../../secret.txt", root);
    expect("read", p, "-12");
    snprintf(p, sizeof p, "%s/data/a.txt/../../secret.txt", root);
    char *s = try_path("read", p, strlen(p));
    CHECKF(s[0] == '-' && !strstr(s, "secret"), "through a file: %s", s);
    free(s);
    snprintf(p, sizeof p, "%s/data/link.txt", root);
    expect("read", p, "-12");                                      /* symlink to outside */
    expect("read", "/etc/passwd", "-12");                          /* absolute, outside */
    expect("read", "data/a.txt", "-1");                            /* relative */
    snprintf(p, sizeof p, "%s/data/a.txt", root);
    char nul[600];
    size_t n = (size_t)snprintf(nul, sizeof nul, "%s", p);
    memcpy(nul + n, "\0.png", 5);
    s = try_path("read", nul, n + 5);                              /* NUL byte */
    CHECKF(!strcmp(s, "-1"), "NUL: %s", s);
    free(s);
    snprintf(p, sizeof p, "%s/data/\xff\xfe.txt", root);
    expect("read", p, "-1");                                       /* not UTF-8 */
    char *longp = malloc(6000);
    memset(longp, 'a', 6000);
    longp[0] = '/';
    s = try_path("read", longp, 6000);                             /* over-long */
    CHECKF(!strcmp(s, "-2"), "long: %s", s);
    free(s);
    free(longp);

    snprintf(p, sizeof p, "%s/data/out/new.txt", root);
    expect("write", p, "0");                                       /* granted */
    size_t len = 0;
    char *text = (char *)tl_read(p, &len);
    CHECK(text && !strcmp(text, "pwned"));
    free(text);
    snprintf(p, sizeof p, "%s/data/a.txt", root);
    expect("write", p, "-12");                                     /* read-only grant */
    snprintf(p, sizeof p, "%s/data/out/../a.txt", root);
    expect("write", p, "-12");
    snprintf(p, sizeof p, "%s/data/out/evil.txt", root);
    expect("write", p, "-12");                                     /* symlink out of the dir */
    text = (char *)tl_read(strcat(strcpy(q, root), "/secret.txt"), &len);
    CHECK(text && !strcmp(text, "secret"));                        /* untouched */
    free(text);
    snprintf(p, sizeof p, "%s/data/out/new.txt", root);
    expect("delete", p, "0");
    CHECK(access(p, F_OK) != 0);
    snprintf(p, sizeof p, "%s/data/a.txt", root);
    expect("delete", p, "-12");
    snprintf(p, sizeof p, "%s/data", root);
    s = try_path("list", p, strlen(p));
    CHECKF(strstr(s, "a.txt\n") && !strstr(s, "sub") && !strstr(s, "out"), "list: %s", s);
    free(s);
    CHECK(good_answers());
    aw_component_release(c);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
}

/* ---- WASI preview 1: only what the file grants cover whole ----------------- */

static aw_component *load_wasi(const char *g1, const char *g2)
{
    const char *grants[2] = {g1, g2};
    aw_load_options o = {.grants = grants, .n_grants = g2 ? 2 : g1 ? 1 : 0, .wasi = true};
    aw_component *c = NULL;
    aw_err e = aw_component_load_file_opts(rt, tl_guest_path("hostile_wasifs"), &o, &c);
    CHECKF(e == AW_OK, "load wasifs: %s", aw_last_error());
    return c;
}

static void wasi_expect(const char *who, const char *msg, const char *want)
{
    char *s = ask(who, msg);
    CHECKF(!strncmp(s, want, strlen(want)), "%s(%s) -> %s, want %s", who, msg, s, want);
    free(s);
}

static void hostile_wasi(void)
{
    char dir[128], cmd[600], p[300], rg[200], wg[200], tg[200];
    snprintf(dir, sizeof dir, "/tmp/aw-wasi-%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/d && echo inside > %s/d/a.txt && echo outside > %s/secret.txt",
             dir, dir, dir, dir);
    REQUIRE(system(cmd) == 0);
    aw_component *c = NULL;
    CHECK_ERR(aw_component_load_file(rt, tl_guest_path("hostile_wasifs"), &c), AW_ELINK);
    CHECK_CONTAINS(aw_last_error(), "wasi_snapshot_preview1.path_open");  /* no WASI asked for */

    snprintf(rg, sizeof rg, "file-read(%s/d/**)", dir);
    aw_component *ro = load_wasi(rg, NULL);
    REQUIRE(ro);
    spawn("wasi-ro", ro);
    snprintf(p, sizeof p, "%s/d/a.txt", dir);
    wasi_expect("wasi-ro", p, "inside");                        /* a preopened directory */
    snprintf(p, sizeof p, "%s/secret.txt", dir);
    wasi_expect("wasi-ro", p, "ERR");                           /* outside every preopen */
    snprintf(p, sizeof p, "%s/d/../secret.txt", dir);
    wasi_expect("wasi-ro", p, "ERR");
    wasi_expect("wasi-ro", "/etc/passwd", "ERR");
    snprintf(p, sizeof p, "write:%s/d/new.txt", dir);
    wasi_expect("wasi-ro", p, "ERR");                           /* read-only preopen */

    snprintf(wg, sizeof wg, "file-write(%s/d/**)", dir);
    aw_component *rw = load_wasi(rg, wg);
    REQUIRE(rw);
    spawn("wasi-rw", rw);
    snprintf(p, sizeof p, "write:%s/d/new.txt", dir);
    wasi_expect("wasi-rw", p, "OK");
    snprintf(p, sizeof p, "%s/d/new.txt", dir);
    wasi_expect("wasi-rw", p, "written by wasi");

    snprintf(tg, sizeof tg, "file-read(%s/d/*.txt)", dir);      /* not a whole directory */
    aw_component *narrow = load_wasi(tg, NULL);
    REQUIRE(narrow);
    spawn("wasi-narrow", narrow);
    snprintf(p, sizeof p, "%s/d/a.txt", dir);
    wasi_expect("wasi-narrow", p, "ERR");                       /* no preopen at all */
    CHECK(good_answers());
    aw_component_release(ro);
    aw_component_release(rw);
    aw_component_release(narrow);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* ---- network: a local HTTP server on 127.0.0.1 only ------------------------ */

static int srv_fd, srv_port;
static atomic_int srv_hits_hello;
static atomic_bool srv_stop;

static void *http_server(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv_stop)) {
        int c = accept(srv_fd, NULL, NULL);
        if (c < 0) continue;
        char req[8192];
        size_t n = 0;
        ssize_t k;
        while (n < sizeof req - 1 && (k = recv(c, req + n, sizeof req - 1 - n, 0)) > 0) {
            n += (size_t)k;
            req[n] = 0;
            char *end = strstr(req, "\r\n\r\n");
            if (!end) continue;
            char *cl = strcasestr(req, "content-length:");
            size_t want = cl ? (size_t)atoi(cl + 15) : 0;
            if (n >= (size_t)(end + 4 - req) + want) break;
        }
        req[n] = 0;
        char method[16] = "", path[256] = "";
        sscanf(req, "%15s %255s", method, path);
        char *body = strstr(req, "\r\n\r\n");
        body = body ? body + 4 : req + n;
        char head[512], *payload = NULL;
        size_t plen = 0;
        int status = 200;
        char loc[256] = "";
        if (!strcmp(path, "/hello")) { payload = strdup("hi there"); atomic_fetch_add(&srv_hits_hello, 1); }
        else if (!strcmp(path, "/echo")) { payload = malloc(600); snprintf(payload, 600, "%s %s", method, body); }
        else if (!strcmp(path, "/redirect-ok")) { status = 302; snprintf(loc, sizeof loc, "http://127.0.0.1:%d/hello", srv_port); }
        else if (!strcmp(path, "/redirect-evil")) { status = 302; snprintf(loc, sizeof loc, "http://localhost:%d/hello", srv_port); }
        else if (!strcmp(path, "/loop")) { status = 302; snprintf(loc, sizeof loc, "/loop"); }
        else if (!strcmp(path, "/big")) { plen = 2u << 20; payload = malloc(plen); memset(payload, 'x', plen); }
        else { status = 404; payload = strdup("no"); }
        if (payload && !plen) plen = strlen(payload);
        int hl = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nX-Served-By: test\r\n%s%s%sConnection: close\r\n\r\n",
                          status, plen, *loc ? "Location: " : "", loc, *loc ? "\r\n" : "");
        send(c, head, (size_t)hl, MSG_NOSIGNAL);
        for (size_t off = 0; off < plen;) {
            ssize_t w = send(c, payload + off, plen - off, MSG_NOSIGNAL);
            if (w <= 0) break;
            off += (size_t)w;
        }
        free(payload);
        close(c);
    }
    return NULL;
}

static void expect_url(const char *req, const char *want)
{
    char *s = ask("netgrab", req);
    CHECKF(!strncmp(s, want, strlen(want)), "%s -> %.80s, want %s", req, s, want);
    free(s);
}

static void hostile_network(void)
{
    srv_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    int one = 1;
    setsockopt(srv_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    REQUIRE(bind(srv_fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(srv_fd, 16) == 0);
    getsockname(srv_fd, (struct sockaddr *)&a, &al);
    srv_port = ntohs(a.sin_port);
    struct timeval tv = {0, 200000};
    setsockopt(srv_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);  /* accept wakes to see stop */
    pthread_t th;
    pthread_create(&th, NULL, http_server, NULL);

    char grant[128], u[256];
    snprintf(grant, sizeof grant, "network-outbound(127.0.0.1:%d)", srv_port);
    aw_component *c = load("hostile_netgrab", grant, 0, 0, 0);
    REQUIRE(c);
    spawn("netgrab", c);
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/hello", srv_port);
    expect_url(u, "200:hi there");
    snprintf(u, sizeof u, "POST http://127.0.0.1:%d/echo", srv_port);
    expect_url(u, "200:POST payload");
    snprintf(u, sizeof u, "HDR GET http://127.0.0.1:%d/hello", srv_port);
    char *hs = ask("netgrab", u);
    CHECKF(strstr(hs, "X-Served-By: test\n") && strstr(hs, "Content-Length: 8\n"), "headers: %s", hs);
    free(hs);
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/redirect-ok", srv_port);
    expect_url(u, "200:hi there");                        /* a granted redirect is followed */
    int hits = atomic_load(&srv_hits_hello);
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/redirect-evil", srv_port);
    expect_url(u, "-12:");                                /* redirect to an ungranted name */
    CHECK(atomic_load(&srv_hits_hello) == hits);          /* ... and never fetched */
    snprintf(u, sizeof u, "GET http://localhost:%d/hello", srv_port);
    expect_url(u, "-12:");                                /* same machine, ungranted name */
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/hello", srv_port + 1);
    expect_url(u, "-12:");                                /* ungranted port */
    expect_url("GET file:///etc/passwd", "-12:");         /* not http */
    expect_url("GET http://example.com/", "-12:");        /* ungranted host */
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/big", srv_port);
    expect_url(u, "-2:");                                 /* over the 1 MiB response limit */
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/loop", srv_port);
    expect_url(u, "-14:");                                /* redirect loop */
    CHECK(good_answers());
    aw_component *nog = load("hostile_netgrab", NULL, 0, 0, 0);
    spawn("netgrab0", nog);
    snprintf(u, sizeof u, "GET http://127.0.0.1:%d/hello", srv_port);
    char *s = ask("netgrab0", u);
    CHECKF(!strncmp(s, "-12:", 4), "no grant: %s", s);
    free(s);
    atomic_store(&srv_stop, true);
    pthread_join(th, NULL);
    close(srv_fd);
    aw_component_release(c);
    aw_component_release(nog);
}

/* ---- the audit trail ------------------------------------------------------ */

static pthread_mutex_t audit_mu = PTHREAD_MUTEX_INITIALIZER;
static char **lines;
static size_t nlines;

static void on_audit(void *ud, const char *line, size_t len)
{
    (void)ud;
    pthread_mutex_lock(&audit_mu);
    char **v = realloc(lines, (nlines + 1) * sizeof *v);
    if (v) {
        lines = v;
        lines[nlines++] = strndup(line, len);
    }
    pthread_mutex_unlock(&audit_mu);
}

static size_t count_lines(const char *a, const char *b, const char *c)
{
    size_t n = 0;
    for (size_t i = 0; i < nlines; i++)
        n += strstr(lines[i], a) && (!b || strstr(lines[i], b)) && (!c || strstr(lines[i], c));
    return n;
}

/* Checked after the runtime is freed: closing the trail writes what was queued. */
static void hostile_audit_trail(void)
{
    CHECK(count_lines("\"op\":\"grant\"", "messaging(send=sink)", "\"decision\":\"allowed\"") == 2);
    CHECK(count_lines("\"op\":\"load\"", "hostile_ungranted", "\"decision\":\"denied\"") == 2);
    CHECK(count_lines("\"op\":\"send\"", "\"target\":\"victim\"", "\"decision\":\"denied\"") >= 2);
    CHECK(count_lines("\"op\":\"subscribe\"", "\"target\":\">\"", "\"decision\":\"denied\"") >= 2);
    CHECK(count_lines("\"op\":\"crash\"", "\"actor\":\"loop\"", "CPU deadline") == 1);
    CHECK(count_lines("\"op\":\"crash\"", "\"actor\":\"bomb\"", NULL) == 1);
    CHECK(count_lines("\"op\":\"send\"", "\"actor\":\"big\"", "size limit") == 1);
    CHECK(count_lines("\"op\":\"file-read\"", "/etc/passwd", "\"decision\":\"denied\"") == 1);
    CHECK(count_lines("\"op\":\"file-write\"", "new.txt", "\"decision\":\"allowed\"") == 1);
    CHECK(count_lines("\"op\":\"file-read\"", "NUL byte", NULL) == 1);
    CHECK(count_lines("\"op\":\"http\"", "/hello", "\"decision\":\"allowed\"") >= 2);
    CHECK(count_lines("\"op\":\"http\"", "localhost", "\"decision\":\"denied\"") >= 2);
    CHECK(count_lines("audit-shed", NULL, NULL) == 0);  /* nothing lost from this trail */
    for (size_t i = 0; i < nlines; i++) {  /* well-formed lines */
        CHECK(lines[i][0] == '{' && lines[i][strlen(lines[i]) - 1] == '}' && strstr(lines[i], "\"ts\":\"20"));
        free(lines[i]);
    }
    free(lines);
}

int main(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_instances = 32;
    cfg.max_memory_bytes = 16u << 20;
    cfg.handler_deadline_ms = 300;
    cfg.log_level = AW_LOG_ERROR + 1;
    cfg.audit_cb = on_audit;
    if (aw_runtime_new(&cfg, &rt)) return 1;
    if (aw_host_register(rt, "GameAPI.weapons", "fire", "i", "i", fire, NULL)) return 1;
    good = tl_load(rt, "echo");
    spawn("good", good);
    RUN(hostile_resource_attacks);
    RUN(hostile_component_limits);
    RUN(hostile_abi_liar);
    RUN(hostile_messaging);
    RUN(hostile_ungranted_namespace);
    RUN(hostile_file_traversal);
    RUN(hostile_network);
    RUN(hostile_wasi);
    aw_component_release(good);
    aw_runtime_free(rt);
    RUN(hostile_audit_trail);
    return tl_finish();
}
