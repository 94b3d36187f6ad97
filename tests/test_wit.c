/* test_wit.c - WIT components: guests in C, JavaScript and Python built from
 * source, world-mismatch errors, capability checks through the WIT host
 * interfaces, traps restarted by a supervisor, deadlines, requests between
 * components. The components are build/guests/NAME.component.wasm. */
#include "testlib.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *comp_path(const char *name)
{
    size_t n = strlen(AW_COMPONENT_DIR) + strlen(name) + 32;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s.component.wasm", AW_COMPONENT_DIR, name);
    return p;
}

static aw_err load(aw_runtime *rt, const char *name, const char *const *grants, size_t n,
                   bool wasi, aw_component **out)
{
    char *p = comp_path(name);
    aw_load_options o = {.grants = grants, .n_grants = n, .wasi = wasi};
    aw_err e = aw_component_load_file_opts(rt, p, &o, out);
    free(p);
    return e;
}

static aw_runtime *runtime(unsigned workers)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = workers;
    cfg.max_instances = 64;
    cfg.max_memory_bytes = 256u << 20;  /* CPython and SpiderMonkey want room */
    aw_runtime *rt = NULL;
    if (aw_runtime_new(&cfg, &rt)) {
        fprintf(stderr, "runtime: %s\n", aw_last_error());
        exit(2);
    }
    return rt;
}

/* Request `text`; the reply as a C string (static buffer), or "" on error. */
static const char *ask(aw_runtime *rt, const char *to, const char *text, aw_err *err)
{
    static char out[4096];
    aw_reply r;
    aw_err e = aw_request(rt, to, text, strlen(text), 10000, &r);
    if (err) *err = e;
    out[0] = 0;
    if (!e) snprintf(out, sizeof out, "%.*s", (int)r.len, r.data ? (const char *)r.data : "");
    aw_reply_free(&r);  /* a failed request may carry the guest's error text too */
    return out;
}

static void languages_load_and_answer(void)
{
    aw_runtime *rt = runtime(2);
    static const struct { const char *comp; bool wasi; const char *want; } cases[] = {
        {"probe", false, "hi there"},
        {"template_c", false, "hello from C: hi there"},
        {"template_js", false, "hello from JS: hi there"},
        {"template_py", true, "hello from Python: hi there"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        aw_component *c = NULL;
        aw_err e = load(rt, cases[i].comp, NULL, 0, cases[i].wasi, &c);
        CHECKF(e == AW_OK, "load %s: %s", cases[i].comp, aw_last_error());
        if (e) continue;
        e = aw_spawn(rt, &(aw_actor_spec){.name = cases[i].comp, .component = c});
        CHECKF(e == AW_OK, "spawn %s: %s", cases[i].comp, aw_last_error());
        aw_err re;
        const char *got = ask(rt, cases[i].comp, "hi there", &re);
        CHECKF(re == AW_OK && !strcmp(got, cases[i].want), "%s answered '%s' (%s)", cases[i].comp,
               got, re ? aw_last_error() : "ok");
        /* a plain send is handled too, and gets no reply */
        CHECK_ERR(aw_send(rt, cases[i].comp, "x", 1), AW_OK);
        CHECK_ERR(aw_stop(rt, cases[i].comp), AW_OK);
        aw_component_release(c);
    }
    aw_runtime_free(rt);
}

static void world_mismatch_is_named(void)
{
    aw_runtime *rt = runtime(1);
    aw_component *c = NULL;
    CHECK_ERR(load(rt, "wrong_types", NULL, 0, false, &c), AW_EABI);
    CHECK_CONTAINS(aw_last_error(), "does not target the world airssys:component/actor-component");
    CHECK_CONTAINS(aw_last_error(), "#handle as func(x: u32) -> u32; expected func(msg: record {");
    CHECK_CONTAINS(aw_last_error(), "#on-stop as func(); expected func(reason: enum { normal, shutdown })");
    CHECK_ERR(load(rt, "foreign_import", NULL, 0, false, &c), AW_ELINK);
    CHECK_CONTAINS(aw_last_error(), "imports acme:evil/thing@1.0.0, which the host does not provide");
    CHECK_CONTAINS(aw_last_error(), "does not export the interface airssys:component/actor@0.1.0");
    /* CPython needs WASI preview 2: without it the load says so */
    CHECK_ERR(load(rt, "template_py", NULL, 0, false, &c), AW_ELINK);
    CHECK_CONTAINS(aw_last_error(), "WASI preview 2 interfaces");
    CHECK_CONTAINS(aw_last_error(), "loaded without WASI");
    /* a core module is not mistaken for a component, nor the reverse */
    char *p = comp_path("probe");
    size_t len = 0;
    uint8_t *bytes = tl_read(p, &len);
    free(p);
    REQUIRE(bytes && len > 8);
    CHECK_ERR(aw_component_load(rt, "cut", bytes, len / 2, &c), AW_EFORMAT);
    CHECK_CONTAINS(aw_last_error(), "invalid WebAssembly component");
    free(bytes);
    aw_runtime_free(rt);
}

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) { fputs(text, f); fclose(f); }
}

static void capabilities_through_wit(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/aw-wit-%d", (int)getpid());
    mkdir(tmpdir, 0755);
    char in[128], out[128], grant_r[160], grant_w[160], cmd[400];
    snprintf(in, sizeof in, "%s/in.txt", tmpdir);
    snprintf(out, sizeof out, "%s/out.txt", tmpdir);
    write_file(in, "secret-ish");
    aw_runtime *rt = runtime(2);

    /* no grants: every host interface that needs one refuses */
    aw_component *bare = NULL;
    REQUIRE(load(rt, "probe", NULL, 0, false, &bare) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "bare", .component = bare}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "other", .component = bare}) == AW_OK);
    CHECK_CONTAINS(ask(rt, "bare", "send other hi", NULL), "err denied");
    CHECK_CONTAINS(ask(rt, "bare", "request other hi", NULL), "err denied");
    CHECK_CONTAINS(ask(rt, "bare", "publish news.x hi", NULL), "err denied");
    CHECK_CONTAINS(ask(rt, "bare", "subscribe news.>", NULL), "err denied");
    snprintf(cmd, sizeof cmd, "read %s", in);
    CHECK_CONTAINS(ask(rt, "bare", cmd, NULL), "err denied");
    snprintf(cmd, sizeof cmd, "write %s x", out);
    CHECK_CONTAINS(ask(rt, "bare", cmd, NULL), "err denied");
    CHECK(access(out, F_OK) != 0);
    CHECK_CONTAINS(ask(rt, "bare", "fetch http://127.0.0.1:9/", NULL), "err denied");
    /* what needs no grant works */
    CHECK(!strcmp(ask(rt, "bare", "self", NULL), "ok bare"));
    CHECK(!strcmp(ask(rt, "bare", "random 16", NULL), "ok 16"));
    CHECK_CONTAINS(ask(rt, "bare", "now", NULL), "ok 1");

    /* with grants: exactly what they cover */
    snprintf(grant_r, sizeof grant_r, "file-read(%s/*)", tmpdir);
    snprintf(grant_w, sizeof grant_w, "file-write(%s/out.*)", tmpdir);
    const char *grants[] = {"messaging(send=other, publish=news.>, subscribe=news.>)", grant_r, grant_w};
    aw_component *granted = NULL;
    REQUIRE(load(rt, "probe", grants, 3, false, &granted) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "granted", .component = granted}) == AW_OK);
    CHECK(!strcmp(ask(rt, "granted", "send other hi", NULL), "ok"));
    CHECK(!strcmp(ask(rt, "granted", "request other hello", NULL), "ok hello"));
    CHECK_CONTAINS(ask(rt, "granted", "send bare hi", NULL), "err denied");
    CHECK(!strcmp(ask(rt, "granted", "subscribe news.>", NULL), "ok"));
    CHECK(!strcmp(ask(rt, "granted", "publish news.today hi", NULL), "ok 1"));
    snprintf(cmd, sizeof cmd, "read %s", in);
    CHECK(!strcmp(ask(rt, "granted", cmd, NULL), "ok secret-ish"));
    snprintf(cmd, sizeof cmd, "write %s written", out);
    CHECK(!strcmp(ask(rt, "granted", cmd, NULL), "ok"));
    snprintf(cmd, sizeof cmd, "read %s", out);
    CHECK(!strcmp(ask(rt, "granted", cmd, NULL), "ok written"));
    snprintf(cmd, sizeof cmd, "write %s/in.txt overwritten", tmpdir);
    CHECK_CONTAINS(ask(rt, "granted", cmd, NULL), "err denied");
    snprintf(cmd, sizeof cmd, "read %s/../../etc/passwd", tmpdir);
    CHECK_CONTAINS(ask(rt, "granted", cmd, NULL), "err denied");
    snprintf(cmd, sizeof cmd, "list %s", tmpdir);
    const char *listing = ask(rt, "granted", cmd, NULL);
    CHECK_CONTAINS(listing, "in.txt");
    CHECK_CONTAINS(listing, "out.txt");
    snprintf(cmd, sizeof cmd, "stat %s", in);
    CHECK(!strcmp(ask(rt, "granted", cmd, NULL), "ok 10 file"));
    snprintf(cmd, sizeof cmd, "delete %s", out);
    CHECK(!strcmp(ask(rt, "granted", cmd, NULL), "ok"));
    CHECK(access(out, F_OK) != 0);
    CHECK_CONTAINS(ask(rt, "granted", "fetch http://127.0.0.1:9/", NULL), "err denied");
    aw_component_release(bare);
    aw_component_release(granted);
    aw_runtime_free(rt);
    unlink(in);
    rmdir(tmpdir);
}

static void guest_errors_and_hooks(void)
{
    aw_runtime *rt = runtime(2);
    aw_component *c = NULL;
    REQUIRE(load(rt, "probe", NULL, 0, false, &c) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "p", .component = c}) == AW_OK);
    /* handle's err(...) fails the request with the text, the actor lives on */
    aw_err e;
    ask(rt, "p", "fail please", &e);
    CHECK_ERR(e, AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "asked to fail");
    CHECK(!strcmp(ask(rt, "p", "count", NULL), "ok 2"));
    /* init's err(...) refuses the spawn, with the guest's text */
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "q", .component = c,
                                            .config = (const uint8_t *)"fail", .config_len = 4}),
              AW_EGUEST);
    CHECK_CONTAINS(aw_last_error(), "init refused: config said fail");
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "q", &st), AW_ENOENT);
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* Supervision events, counted. */
static _Atomic int restarts;
static void on_event(void *ud, const aw_sup_event *ev)
{
    (void)ud;
    if (ev->kind == AW_SUP_CHILD_RESTARTED) restarts++;
}

static void wait_restarts(int n)
{
    for (int i = 0; i < 2000 && restarts < n; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
}

static void traps_restart_under_supervision(void)
{
    aw_runtime *rt = runtime(2);
    aw_component *c = NULL;
    REQUIRE(load(rt, "probe", NULL, 0, false, &c) == AW_OK);
    uint64_t sub;
    restarts = 0;
    REQUIRE(aw_events_subscribe(rt, on_event, NULL, &sub) == AW_OK);
    aw_child_spec kids[] = {
        {.actor = {.name = "crashy", .component = c, .handler_deadline_ms = 200}},
        {.actor = {.name = "steady", .component = c}},
    };
    aw_supervisor_spec sup = {.name = "sup", .strategy = AW_ONE_FOR_ONE, .max_restarts = 10,
                              .period_ms = 10000, .children = kids, .n_children = 2};
    REQUIRE(aw_supervisor_start(rt, &sup) == AW_OK);
    ask(rt, "crashy", "x", NULL);
    CHECK(!strcmp(ask(rt, "crashy", "count", NULL), "ok 2"));
    /* a trap: the requester gets the crash, the supervisor a fresh instance */
    aw_err e;
    ask(rt, "crashy", "trap", &e);
    CHECK_ERR(e, AW_ETRAP);
    wait_restarts(1);
    CHECK(restarts == 1);
    CHECK(!strcmp(ask(rt, "crashy", "count", NULL), "ok 1"));  /* state is the new instance's */
    /* a runaway handler: the deadline turns it into a crash of that actor only */
    ask(rt, "crashy", "loop", &e);
    CHECK_ERR(e, AW_EDEADLINE);
    CHECK(!strcmp(ask(rt, "steady", "self", NULL), "ok steady"));
    wait_restarts(2);
    CHECK(restarts == 2);
    /* exit(7) through the WIT messaging interface: an abnormal exit */
    ask(rt, "crashy", "exit 7", &e);
    CHECK(e != AW_OK);
    wait_restarts(3);
    CHECK(restarts == 3);
    CHECK(!strcmp(ask(rt, "crashy", "self", NULL), "ok crashy"));
    aw_child_info *info = NULL;
    size_t n = 0;
    REQUIRE(aw_supervisor_children(rt, "sup", &info, &n) == AW_OK);
    CHECK(n == 2 && info[0].restarts == 3 && info[1].restarts == 0);
    aw_child_info_free(info, n);
    CHECK_ERR(aw_supervisor_stop(rt, "sup"), AW_OK);
    aw_events_unsubscribe(rt, sub);
    aw_component_release(c);
    aw_runtime_free(rt);
}

/* WASI preview 2 for a component: preopens only where a file grant covers
 * a whole directory, and no network. */
static void wasi_p2_is_confined(void)
{
    char dir[64], other[64], in[128], cmd[300];
    snprintf(dir, sizeof dir, "/tmp/aw-wasi2-%d", (int)getpid());
    snprintf(other, sizeof other, "/tmp/aw-wasi2-other-%d", (int)getpid());
    mkdir(dir, 0755);
    mkdir(other, 0755);
    snprintf(in, sizeof in, "%s/a.txt", dir);
    write_file(in, "granted");
    char secret[128];
    snprintf(secret, sizeof secret, "%s/b.txt", other);
    write_file(secret, "not granted");
    aw_runtime *rt = runtime(2);
    char grant[128];
    snprintf(grant, sizeof grant, "file-read(%s/**)", dir);
    const char *grants[] = {grant};
    aw_component *c = NULL;
    aw_err e = load(rt, "wasifs_py", grants, 1, true, &c);
    CHECKF(e == AW_OK, "load wasifs_py: %s", aw_last_error());
    if (!e && aw_spawn(rt, &(aw_actor_spec){.name = "fs", .component = c}) == AW_OK) {
        snprintf(cmd, sizeof cmd, "read %s", in);
        CHECK(!strcmp(ask(rt, "fs", cmd, NULL), "ok granted"));
        snprintf(cmd, sizeof cmd, "read %s", secret);
        CHECK_CONTAINS(ask(rt, "fs", cmd, NULL), "err ");
        CHECK_CONTAINS(ask(rt, "fs", "read /etc/passwd", NULL), "err ");
        CHECK_CONTAINS(ask(rt, "fs", "connect 127.0.0.1 9", NULL), "err ");
    }
    aw_component_release(c);
    aw_runtime_free(rt);
    unlink(in);
    unlink(secret);
    rmdir(dir);
    rmdir(other);
}

/* Hostile components: a memory bomb dies at its cap, a flood meets the rate
 * bucket; the host and a neighbour carry on. */
static void hostile_components_are_contained(void)
{
    aw_runtime *rt = runtime(2);
    aw_component *bomb = NULL, *flood = NULL;
    char *p = comp_path("probe");
    aw_load_options capped = {.max_memory_bytes = 8u << 20};
    REQUIRE(aw_component_load_file_opts(rt, p, &capped, &bomb) == AW_OK);
    const char *g[] = {"messaging(send=sink)"};
    aw_load_options limited = {.grants = g, .n_grants = 1, .rate_per_s = 10, .rate_burst = 5};
    REQUIRE(aw_component_load_file_opts(rt, p, &limited, &flood) == AW_OK);
    free(p);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "bomb", .component = bomb}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "flood", .component = flood}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "sink", .component = bomb}) == AW_OK);
    aw_err e;
    ask(rt, "bomb", "bomb", &e);
    CHECKF(e == AW_ETRAP || e == AW_ELIMIT, "bomb ended with %s: %s", aw_err_name(e), aw_last_error());
    aw_actor_state st;
    CHECK_ERR(aw_actor_state_of(rt, "bomb", &st), AW_ENOENT);  /* unsupervised: gone */
    const char *r = ask(rt, "flood", "spam sink 50", &e);
    CHECKF(e == AW_OK && !strncmp(r, "ok 5 err rate-limited", 21), "flood: '%s'", r);
    CHECK(!strcmp(ask(rt, "sink", "self", NULL), "ok sink"));
    aw_component_release(bomb);
    aw_component_release(flood);
    aw_runtime_free(rt);
}

/* A guest waiting in request() frees its worker: with one worker, a chain
 * a -> b (which itself asks c) completes. */
static void requests_between_components(void)
{
    aw_runtime *rt = runtime(1);
    aw_component *c = NULL;
    const char *g[] = {"messaging(send=*)"};
    REQUIRE(load(rt, "probe", g, 1, false, &c) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "a", .component = c}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "b", .component = c}) == AW_OK);
    REQUIRE(aw_spawn(rt, &(aw_actor_spec){.name = "c", .component = c}) == AW_OK);
    CHECK(!strcmp(ask(rt, "a", "request b request c deep", NULL), "ok ok deep"));
    CHECK_CONTAINS(ask(rt, "a", "request nobody hi", NULL), "err no-such-actor");
    CHECK_CONTAINS(ask(rt, "a", "request a hi", NULL), "err deadlock");
    aw_component_release(c);
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(languages_load_and_answer);
    RUN(world_mismatch_is_named);
    RUN(capabilities_through_wit);
    RUN(guest_errors_and_hooks);
    RUN(traps_restart_under_supervision);
    RUN(requests_between_components);
    RUN(wasi_p2_is_confined);
    RUN(hostile_components_are_contained);
    return tl_finish();
}
