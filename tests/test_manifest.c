/* test_manifest.c - deployment manifests: every kind of problem reported at
 * its exact line and column, all of them in one pass; a good manifest that
 * starts for real (core and WIT components, actors that answer, a route
 * that splits by weight, a pipeline end to end, a supervised child that
 * crashes, restarts and keeps its subscription); a failed start undone;
 * and a stop that leaves no name registered. */
#include "testlib.h"

#include <airssys/manifest.h>
#include <stdlib.h>
#include <time.h>

static char *problems;  /* the last parse's error lines */

static aw_err parse(const char *text, aw_manifest **m)
{
    free(problems);
    problems = NULL;
    return aw_manifest_parse(text, strlen(text), "bad.yaml", AW_GUEST_DIR, m, &problems);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}

/* The manifest must be refused with exactly these lines (each a
 * substring of one whole line, in order). */
static void expect(const char *text, const char *const *want, size_t n)
{
    aw_manifest *m = NULL;
    CHECK_ERR(parse(text, &m), AW_EINVAL);
    CHECK(m == NULL);
    CHECKF(count_lines(problems) == n, "%zu lines, want %zu:\n%s", count_lines(problems), n,
           problems ? problems : "");
    const char *at = problems ? problems : "";
    for (size_t i = 0; i < n; i++) {
        const char *hit = strstr(at, want[i]);
        CHECKF(hit != NULL, "missing (in order) '%s' in:\n%s", want[i], problems ? problems : "");
        if (hit) at = hit + strlen(want[i]);
    }
}
#define EXPECT(text, ...)                                                   \
    do {                                                                    \
        const char *const w_[] = {__VA_ARGS__};                             \
        expect(text, w_, sizeof w_ / sizeof *w_);                           \
    } while (0)

/* ---- problems, at their lines ---------------------------------------------------- */

static void unknown_keys(void)
{
    EXPECT("airssys: 1\n"
           "components:\n"
           "  echo:\n"
           "    path: echo.wasm\n"
           "    limts: { memory: 1MiB }\n"
           "colour: blue\n",
           "bad.yaml:5:5: components.echo.limts: unknown key 'limts' (allowed: version, wasi, "
           "path, format, grants, limits)\n",
           "bad.yaml:6:1: colour: unknown key 'colour' (allowed: airssys, runtime, components, "
           "actors, supervisors, routes, pipelines)\n");
    EXPECT("airssys: 1\n"
           "components: { echo: { path: echo.wasm } }\n"
           "actors:\n"
           "  - name: a\n"
           "    component: echo\n"
           "    restart: permanent\n",
           "bad.yaml:6:5: actors[0].restart: unknown key 'restart'");
}

static void bad_values(void)
{
    EXPECT("airssys: 1\n"
           "runtime:\n"
           "  workers: -2\n"
           "  max_instances: 99999999999999999999999\n"
           "  log_level: chatty\n"
           "components:\n"
           "  echo:\n"
           "    path: echo.wasm\n"
           "    limits: { memory: lots, table_elements: 2.5, rate_per_s: 0 }\n"
           "    wasi: maybe\n",
           "bad.yaml:3:12: runtime.workers: must not be negative, got '-2'\n",
           "bad.yaml:4:18: runtime.max_instances: 99999999999999999999999 is too large (at most "
           "4294967295)\n",
           "bad.yaml:5:14: runtime.log_level: expected one of trace, debug, info, warn, error, "
           "got 'chatty'\n",
           "bad.yaml:9:23: components.echo.limits.memory: expected a size like 16MiB or 65536, "
           "got 'lots'\n",
           "bad.yaml:9:45: components.echo.limits.table_elements: expected a non-negative "
           "integer, got '2.5'\n",
           "bad.yaml:9:62: components.echo.limits.rate_per_s: 0 is too small (at least 1)\n",
           "bad.yaml:10:11: components.echo.wasi: expected one of false, true, got 'maybe'\n");
    /* sizes against the runtime this manifest configures */
    EXPECT("airssys: 1\n"
           "runtime: { max_memory: 8MiB }\n"
           "components:\n"
           "  echo:\n"
           "    path: echo.wasm\n"
           "    limits: { memory: 16MiB, fuel: 100, message_bytes: 2GiB }\n",
           "bad.yaml:6:23: components.echo.limits.memory: 16777216 bytes is over the runtime's "
           "max_memory (8388608 bytes)\n",
           "bad.yaml:6:36: components.echo.limits.fuel: a fuel budget needs fuel metering: set "
           "runtime.fuel\n",
           "bad.yaml:6:56: components.echo.limits.message_bytes: size '2GiB' is too large (at "
           "most 268435456 bytes)\n");
}

static void components_and_files(void)
{
    EXPECT("airssys: 1\n"
           "components:\n"
           "  gone:\n"
           "    path: no-such-file.wasm\n"
           "  wrong:\n"
           "    path: echo.wasm\n"
           "    format: component\n"
           "  granted:\n"
           "    path: echo.wasm\n"
           "    grants: [\"messaging(send=x)\", \"bogus(1)\"]\n"
           "  nopath: { version: \"1\" }\n",
           "bad.yaml:4:11: components.gone.path: cannot open '" AW_GUEST_DIR
           "/no-such-file.wasm': No such file or directory\n",
           "bad.yaml:7:13: components.wrong.format: '" AW_GUEST_DIR
           "/echo.wasm' is a core module, not a component\n",
           "bad.yaml:10:35: components.granted.grants[1]: unknown capability 'bogus'",
           "bad.yaml:11:11: components.nopath: missing required key 'path'");
}

static void references(void)
{
    EXPECT("airssys: 1\n"
           "components: { echo: { path: echo.wasm } }\n"
           "actors:\n"
           "  - { name: a, component: echo, subscribe: [\"orders.>\", \"or ders\"] }\n"
           "  - { name: a, component: ecko }\n"
           "supervisors:\n"
           "  - name: root\n"
           "    strategy: one-for-most\n"
           "    children:\n"
           "      - { name: w, component: echo }\n"
           "routes:\n"
           "  /pay:\n"
           "    - { actor: ghost, weight: 90 }\n"
           "    - { actor: root, weight: 10 }\n"
           "  /zero: [{ actor: w, weight: 0 }]\n"
           "pipelines:\n"
           "  p:\n"
           "    stages: [a, nobody, /pay]\n"
           "    on_error: dead-letter\n",
           "bad.yaml:4:57: actors[0].subscribe[1]: pattern 'or ders' has a space",
           "bad.yaml:5:13: actors[1].name: the name 'a' is already used by the actor at line 4",
           "bad.yaml:5:27: actors[1].component: unknown component 'ecko' (declared: echo)\n",
           "bad.yaml:8:15: supervisors[0].strategy: expected one of one-for-one, one-for-all, "
           "rest-for-one, got 'one-for-most'\n",
           "bad.yaml:13:16: routes./pay[0]: unknown actor 'ghost' (not declared under actors "
           "or as a supervised child)\n",
           "bad.yaml:14:16: routes./pay[1]: 'root' is a supervisor (line 7)",
           "bad.yaml:15:10: routes./zero: every weight is 0",
           "bad.yaml:18:5: pipelines.p.dead_letter: on_error: dead-letter needs a dead_letter "
           "topic\n",
           "bad.yaml:18:17: pipelines.p.stages[1]: unknown actor 'nobody'");
}

static void yaml_syntax(void)
{
    EXPECT("airssys: 1\n"
           "components:\n"
           "  echo: { path: echo.wasm\n"
           "actors: []\n",
           "bad.yaml:4:7: yaml: did not find expected ',' or '}' (while parsing a flow mapping "
           "at line 3, column 9)\n");
    EXPECT("airssys: 1\n"
           "runtime:\n"
           "  workers: 1\n"
           " fuel: 2\n",
           "bad.yaml:4:2: yaml: did not find expected key (while parsing a block mapping at "
           "line 1, column 1)\n");
    EXPECT("", "bad.yaml:1:1: manifest: the manifest is empty");
    EXPECT("airssys: 3\n", "bad.yaml:1:10: airssys: schema version 3 is not supported");
    EXPECT("runtime: {}\n", "bad.yaml:1:1: airssys: missing required key 'airssys'");
    EXPECT("airssys: 1\nruntime: { workers: 1, workers: 2 }\n",
           "bad.yaml:2:24: runtime.workers: duplicate key 'workers' (first at line 2)");
}

/* Many problems in different sections: all of them, sorted by line. */
static void all_at_once(void)
{
    EXPECT("airssys: 1\n"
           "runtime: { workers: lots }\n"
           "components:\n"
           "  echo: { path: echo.wasm, limits: { memory: 1XB } }\n"
           "actors:\n"
           "  - { name: x, component: none }\n"
           "  - { name: x, component: echo, mailbox: -1 }\n"
           "supervisors:\n"
           "  - { name: s, strategy: nope, children: [{ name: c, component: echo, restart: "
           "never }] }\n"
           "routes:\n"
           "  /r: [ghost]\n"
           "pipelines:\n"
           "  p: { stages: [ghost2], on_error: retry }\n",
           "bad.yaml:2:21: runtime.workers:", "bad.yaml:4:46: components.echo.limits.memory:",
           "bad.yaml:6:27: actors[0].component:", "bad.yaml:7:13: actors[1].name:",
           "bad.yaml:7:42: actors[1].mailbox:", "bad.yaml:9:26: supervisors[0].strategy:",
           "bad.yaml:9:80: supervisors[0].children[0].restart:", "bad.yaml:11:8: routes./r[0]:",
           "bad.yaml:13:17: pipelines.p.stages[0]:", "bad.yaml:13:36: pipelines.p.on_error:");
    CHECK_CONTAINS(aw_last_error(), "has 10 problems; the first: bad.yaml:2:21");
}

static void unreadable(void)
{
    aw_manifest *m;
    char *errs = (char *)"x";
    CHECK_ERR(aw_manifest_load("/nonexistent/app.yaml", &m, &errs), AW_ENOENT);
    CHECK(errs == NULL);
    CHECK_CONTAINS(aw_last_error(), "/nonexistent/app.yaml");
}

/* ---- a good manifest ---------------------------------------------------------------- */

static const char good_fmt[] =
    "airssys: 1\n"                                     /* 1 */
    "runtime:\n"
    "  workers: 2\n"
    "  max_memory: 64MiB\n"
    "  handler_deadline_ms: none\n"                    /* 5 */
    "  audit: audit.jsonl\n"
    "components:\n"
    "  echo: { path: echo.wasm, format: core }\n"
    "  crashy: { path: crashy.wasm }\n"
    "  hello: { path: hello.wasm, version: \"1.0.0\" }\n" /* 10 */
    "  probe:\n"
    "    path: %s/probe.component.wasm\n"
    "    format: component\n"
    "    grants: [\"messaging(publish=events.>)\"]\n"
    "    limits: { memory: 16MiB, deadline_ms: 2000 }\n" /* 15 */
    "actors:\n"
    "  - { name: greet, component: hello }\n"
    "  - { name: greet2, component: hello, mailbox: 16 }\n"
    "  - { name: v1, component: crashy }\n"
    "  - { name: v2, component: crashy }\n"            /* 20 */
    "  - { name: wit, component: probe, subscribe: [\"probe.>\"], deadline_ms: 1000 }\n"
    "supervisors:\n"
    "  - name: root\n"
    "    max_restarts: 5\n"
    "    period_ms: 10000\n"                           /* 25 */
    "    children:\n"
    "      - name: worker\n"
    "        component: crashy\n"
    "        subscribe: [\"jobs.>\"]\n"
    "      - supervisor:\n"                            /* 30 */
    "          name: inner\n"
    "          strategy: rest-for-one\n"
    "          children:\n"
    "            - { name: leaf, component: crashy, subscribe: [\"leaf.>\"] }\n"
    "routes:\n"                                        /* 35 */
    "  /pay:\n"
    "    - { actor: v1, weight: 3 }\n"
    "    - { actor: v2, weight: 1 }\n"
    "pipelines:\n"
    "  greetings:\n"                                   /* 40 */
    "    stages: [greet, { actor: greet2, timeout_ms: 5000 }]\n"
    "    max_in_flight: 4\n";

static aw_manifest *good(void)
{
    char text[4096];
    snprintf(text, sizeof text, good_fmt, AW_COMPONENT_DIR);
    aw_manifest *m = NULL;
    free(problems);
    problems = NULL;
    aw_err e = aw_manifest_parse(text, strlen(text), "good.yaml", AW_GUEST_DIR, &m, &problems);
    CHECKF(e == AW_OK, "%s", problems ? problems : aw_last_error());
    return m;
}

static void good_counts(void)
{
    aw_manifest *m = good();
    REQUIRE(m);
    aw_manifest_counts c;
    aw_manifest_count(m, &c);
    CHECK(c.components == 4);
    CHECK(c.actors == 7);
    CHECK(c.supervisors == 2);
    CHECK(c.subscriptions == 3);
    CHECK(c.routes == 1);
    CHECK(c.pipelines == 1);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    aw_manifest_runtime_config(m, &cfg);
    CHECK(cfg.workers == 2);
    CHECK(cfg.max_memory_bytes == 64u << 20);
    CHECK(cfg.handler_deadline_ms == 0);  /* "none" */
    CHECK(cfg.mailbox_capacity == 1024);  /* not set: the default stays */
    CHECK(cfg.audit_path && !strcmp(cfg.audit_path, AW_GUEST_DIR "/audit.jsonl"));
    aw_manifest_free(m);
}

typedef struct seen { size_t calls, last_index, total, bytes; } seen;

static void on_progress(void *ud, const char *component, size_t bytes, size_t index, size_t total)
{
    seen *s = ud;
    s->calls++;
    s->last_index = index;
    s->total = total;
    s->bytes += bytes;
    (void)component;
}

static char *ask(aw_runtime *rt, const char *to, const char *msg)
{
    static char buf[256];
    aw_reply r = {0};
    aw_err e = aw_request(rt, to, msg, strlen(msg), 10000, &r);
    snprintf(buf, sizeof buf, "%s:%.*s", e ? aw_err_name(e) : "", (int)r.len,
             r.data ? (char *)r.data : "");
    aw_reply_free(&r);
    return buf;
}

static void wait_restarted(aw_runtime *rt, const char *sup, const char *child)
{
    for (int i = 0; i < 500; i++) {
        aw_child_info *info;
        size_t n;
        bool up = false;
        if (aw_supervisor_children(rt, sup, &info, &n) == AW_OK) {
            for (size_t j = 0; j < n; j++)
                up |= !strcmp(info[j].name, child) && info[j].restarts >= 1 &&
                      info[j].state == AW_CHILD_RUNNING;
            aw_child_info_free(info, n);
        }
        if (up) return;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    CHECKF(0, "%s was not restarted", child);
}

static void deployment_runs(aw_runtime *rt, aw_deployment *d)
{
    CHECK(!strcmp(ask(rt, "greet", "bob"), ":Hello, bob!"));
    CHECK(!strcmp(ask(rt, "wit", "hi"), ":hi"));  /* the WIT component echoes */
    CHECK(aw_component_format(aw_deployment_component(d, "probe")) == AW_FORMAT_COMPONENT);
    const char *v = aw_component_version(aw_deployment_component(d, "hello"));
    CHECK(v && !strcmp(v, "1.0.0"));
    CHECK(!strcmp(aw_component_name(aw_deployment_component(d, "echo")), "echo"));
    /* the route: 3:1, by smooth round-robin, so exactly 6 and 2 of 8 */
    for (int i = 0; i < 8; i++) CHECK(!strcmp(ask(rt, "/pay", "ok"), ":ok"));
    CHECK(!strcmp(ask(rt, "v1", "count"), ":7"));  /* 6 routed, then this one */
    CHECK(!strcmp(ask(rt, "v2", "count"), ":3"));
    /* the pipeline, end to end */
    aw_pipeline *pl = aw_deployment_pipeline(d, "greetings");
    REQUIRE(pl);
    aw_reply r = {0};
    CHECK_ERR(aw_pipeline_request(pl, "x", 1, 10000, &r), AW_OK);
    CHECKF(r.len == 17 && !memcmp(r.data, "Hello, Hello, x!!", 17), "%.*s", (int)r.len,
           r.data ? (char *)r.data : "");
    aw_reply_free(&r);
    /* the supervised child crashes, comes back, and keeps its subscription */
    CHECK(!strncmp(ask(rt, "worker", "trap"), "AW_ETRAP:", 9));
    wait_restarted(rt, "root", "worker");
    aw_publish_result pr = {0};
    CHECK_ERR(aw_publish(rt, "jobs.x", "ok", 2, &pr), AW_OK);
    CHECK(pr.matched == 1 && pr.delivered == 1);
    CHECK(!strcmp(ask(rt, "worker", "count"), ":2"));  /* the published one, then this */
    /* a nested supervisor that gives up is restarted by its parent, which
     * starts its children afresh: they are subscribed again from the spec */
    for (int i = 0; i < 4; i++) {  /* inner allows 3 restarts: the 4th crash escalates */
        const char *got = ask(rt, "leaf", "trap");
        CHECKF(!strncmp(got, "AW_ETRAP:", 9) || !strncmp(got, "AW_ENOENT", 9) ||
               !strncmp(got, "AW_ESTOPPED", 11), "%s", got);
        for (int k = 0; k < 500 && aw_lookup(rt, "leaf", &(aw_addr){0}) != AW_OK; k++)
            nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    wait_restarted(rt, "root", "inner");
    for (int k = 0; k < 500 && aw_lookup(rt, "leaf", &(aw_addr){0}) != AW_OK; k++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    pr = (aw_publish_result){0};
    CHECK_ERR(aw_publish(rt, "leaf.x", "ok", 2, &pr), AW_OK);
    CHECKF(pr.matched == 1 && pr.delivered == 1, "matched %zu delivered %zu", pr.matched,
           pr.delivered);
    CHECK(!strcmp(ask(rt, "leaf", "count"), ":2"));  /* a fresh instance: the published one, this */
}

static void good_starts_and_stops(void)
{
    aw_manifest *m = good();
    REQUIRE(m);
    aw_runtime *rt = tl_runtime(2, 32);
    seen s = {0};
    CHECK_ERR(aw_manifest_check_components(rt, m, on_progress, &s, NULL), AW_OK);
    CHECK(s.calls == 4 && s.last_index == 4 && s.total == 4 && s.bytes > 0);
    aw_deployment *d = NULL;
    s = (seen){0};
    aw_err e = aw_deployment_start(rt, m, on_progress, &s, &d);
    aw_manifest_free(m);  /* the deployment keeps what it needs */
    if (!CHECK_ERR(e, AW_OK)) { aw_runtime_free(rt); return; }
    CHECK(s.calls == 4);
    deployment_runs(rt, d);
    /* components: listed, added, replaced */
    const char **names;
    CHECK(aw_deployment_component_names(d, &names) == 4);
    CHECK(!strcmp(names[0], "echo") && !strcmp(names[3], "probe"));
    aw_component *extra = tl_load(rt, "echo");
    CHECK_ERR(aw_deployment_add_component(d, "extra", extra), AW_OK);
    CHECK_ERR(aw_deployment_add_component(d, "extra", extra), AW_OK);  /* replaces itself */
    aw_component_release(extra);
    CHECK(aw_deployment_component(d, "extra") == extra);
    CHECK(aw_deployment_component_names(d, &names) == 5);
    CHECK(aw_deployment_pipeline_names(d, &names) == 1 && !strcmp(names[0], "greetings"));
    aw_deployment_stop(d);
    const char *all[] = {"greet", "greet2", "v1", "v2", "wit", "root", "worker", "inner",
                         "leaf", "/pay"};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        aw_addr a;
        CHECKF(aw_lookup(rt, all[i], &a) == AW_ENOENT, "'%s' is still registered", all[i]);
    }
    aw_runtime_free(rt);
}

/* The second actor refuses to start: the first is stopped again, and the
 * error names the entry and its line. */
static void failed_start_is_undone(void)
{
    const char *text = "airssys: 1\n"
                       "components:\n"
                       "  crashy: { path: crashy.wasm }\n"
                       "actors:\n"
                       "  - { name: first, component: crashy }\n"
                       "  - { name: second, component: crashy, config: failstart }\n"
                       "routes:\n"
                       "  /r: [first]\n";
    aw_manifest *m;
    REQUIRE(CHECK_ERR(parse(text, &m), AW_OK));
    aw_runtime *rt = tl_runtime(1, 8);
    aw_deployment *d = (aw_deployment *)1;
    CHECK(aw_deployment_start(rt, m, NULL, NULL, &d) != AW_OK);
    CHECK(d == NULL);
    CHECK_CONTAINS(aw_last_error(), "bad.yaml:6:13: actor 'second': ");
    aw_addr a;
    CHECK_ERR(aw_lookup(rt, "first", &a), AW_ENOENT);
    CHECK_ERR(aw_lookup(rt, "/r", &a), AW_ENOENT);
    aw_manifest_free(m);
    aw_runtime_free(rt);
}

/* A component that parses fine but cannot be loaded: reported at its line
 * by the deeper check, with the loader's reason. */
static void components_checked_by_the_runtime(void)
{
    const char *text = "airssys: 1\n"
                       "components:\n"
                       "  fine: { path: echo.wasm }\n"
                       "  broken: { path: no_handler.wasm }\n"
                       "  abi7: { path: wrong_abi.wasm }\n";
    aw_manifest *m;
    REQUIRE(CHECK_ERR(parse(text, &m), AW_OK));
    aw_runtime *rt = tl_runtime(1, 8);
    char *errs = NULL;
    CHECK(aw_manifest_check_components(rt, m, NULL, NULL, &errs) != AW_OK);
    CHECKF(count_lines(errs) == 2, "%s", errs ? errs : "");
    CHECK_CONTAINS(errs, "bad.yaml:4:3: components.broken: ");
    CHECK_CONTAINS(errs, "aw_handle");
    CHECK_CONTAINS(errs, "bad.yaml:5:3: components.abi7: ");
    free(errs);
    aw_deployment *d;
    CHECK(aw_deployment_start(rt, m, NULL, NULL, &d) != AW_OK);
    CHECK_CONTAINS(aw_last_error(), "bad.yaml:4:3: component 'broken': ");
    aw_manifest_free(m);
    aw_runtime_free(rt);
}

/* Every line a parse failure gives is "bad.yaml:LINE:COL: ...". */
static bool well_formed(const char *errs)
{
    if (!errs || !*errs) return false;
    for (const char *l = errs; *l;) {
        unsigned line, col;
        int used = 0;
        if (sscanf(l, "bad.yaml:%u:%u: %n", &line, &col, &used) != 2 || !used || !line || !col)
            return false;
        const char *nl = strchr(l, '\n');
        if (!nl) return true;
        l = nl + 1;
    }
    return true;
}

/* Hostile text: the good manifest mutated thousands of ways (bytes
 * flipped, cut, doubled; YAML's sharp edges spliced in: anchors, aliases,
 * tags, flow brackets, tabs, NULs, deep nesting). Each parse must end in a
 * manifest or in well-formed error lines: no crash (ASan runs this too), no
 * silent success with garbage, no bare failure without a line. */
static void mutated_manifests(void)
{
    static const char *const splice[] = {
        "{", "}", "[", "]", ":", ": ", "- ", "&a ", "*a", "*zz", "!!binary ", "!!map ", "\t",
        "'", "\"", "#", "|\n", ">\n", "? ", "---\n", "...\n", "%YAML 1.1\n", "<<: *a\n",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "99999999999999999999999", "-1", "0.5",
        "1e400", "\xff\xfe", "\xc3\x28", "~", "null", "true"};
    char base[4096];
    snprintf(base, sizeof base, good_fmt, AW_COMPONENT_DIR);
    size_t blen = strlen(base);
    aw_manifest *whole = NULL;
    REQUIRE(CHECK_ERR(aw_manifest_parse(base, blen, "bad.yaml", AW_GUEST_DIR, &whole, &problems),
                      AW_OK));
    aw_manifest_free(whole);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int ok = 0, refused = 0, bad = 0;
    for (int it = 0; it < 4000; it++) {
        char text[8192];
        memcpy(text, base, blen);
        size_t len = blen;
        for (int k = 1 + (int)(seed % 3); k > 0; k--) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(seed >> 33) % len;
            int op = (int)((seed >> 20) % 4);
            if (op == 0) text[at] = (char)(seed >> 8 & 7 ? 0x20 + (seed >> 8) % 95 : seed >> 8);
            else if (op == 1) {                                               /* cut */
                size_t n = (size_t)(seed >> 12) % 16;
                if (at + n > len) n = len - at;
                memmove(text + at, text + at + n, len - at - n);
                len -= n;
            } else {                                                          /* splice */
                const char *sp = op == 2 ? splice[(seed >> 40) % (sizeof splice / sizeof *splice)]
                                         : text + ((seed >> 44) % len);
                size_t n = op == 2 ? strlen(sp) : 24;
                if (op == 3 && sp + n > text + len) n = (size_t)(text + len - sp);
                if (len + n >= sizeof text) continue;
                char tmp[64];
                memcpy(tmp, sp, n < sizeof tmp ? n : sizeof tmp);
                n = n < sizeof tmp ? n : sizeof tmp;
                memmove(text + at + n, text + at, len - at);
                memcpy(text + at, tmp, n);
                len += n;
            }
        }
        aw_manifest *m = NULL;
        free(problems);
        problems = NULL;
        aw_err rc = aw_manifest_parse(text, len, "bad.yaml", AW_GUEST_DIR, &m, &problems);
        if (rc == AW_OK && m) ok++;
        else if (rc == AW_EINVAL && !m && well_formed(problems)) refused++;
        else if (bad++ < 3)
            CHECKF(0, "iteration %d: %s, m=%p, errors:\n%s", it, aw_err_name(rc), (void *)m,
                   problems ? problems : "(none)");
        aw_manifest_free(m);
    }
    CHECKF(bad == 0, "%d of 4000 mutations ended badly", bad);
    printf("   %d accepted, %d refused with well-formed lines\n", ok, refused);
    CHECKF(refused > 1000 && ok > 20, "%d refused, %d accepted: the mix is off", refused, ok);
}

int main(void)
{
    RUN(unknown_keys);
    RUN(bad_values);
    RUN(components_and_files);
    RUN(references);
    RUN(yaml_syntax);
    RUN(all_at_once);
    RUN(unreadable);
    RUN(good_counts);
    RUN(good_starts_and_stops);
    RUN(failed_start_is_undone);
    RUN(components_checked_by_the_runtime);
    RUN(mutated_manifests);
    free(problems);
    return tl_finish();
}
