/* test_capabilities.c - grant strings (parsing, errors, listing) and the
 * matching rules behind them: globs over names and paths, topic patterns,
 * subscription coverage, and the rate bucket. */
#include "testlib.h"

#include "security/caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static aw_err parse(const char *grant)
{
    aw_grants *g = NULL;
    aw_err e = aw_grants_parse("c", &grant, 1, 1024, 0, 0, &g);
    aw_grants_free(g);
    return e;
}

static void capab_parsing(void)
{
    CHECK_ERR(parse("messaging(send=worker.*, publish=events.>, subscribe=events.>)"), AW_OK);
    CHECK_ERR(parse("file-read(/data/**)"), AW_OK);
    CHECK_ERR(parse("network-outbound(*.example.com:443)"), AW_OK);
    CHECK_ERR(parse("host(GameAPI.weapons)"), AW_OK);
    CHECK_ERR(parse("telepathy(all)"), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "unknown capability 'telepathy'");
    CHECK_ERR(parse("file-read /data"), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "kind(argument)");
    CHECK_ERR(parse("file-read(data/*.txt)"), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "absolute");
    CHECK_ERR(parse("messaging(steal=x)"), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "unknown messaging key 'steal'");
    CHECK_ERR(parse("messaging(send=)"), AW_EINVAL);
    CHECK_ERR(parse("file-read(/data/a b)"), AW_EINVAL);
    CHECK_ERR(parse("file-read(/data/\xc3\xa9)"), AW_EINVAL);
    CHECK_ERR(parse(""), AW_EINVAL);

    /* at load: a bad grant fails the load; good ones are listed */
    aw_runtime *rt = tl_runtime(1, 4);
    const char *grants[] = {"messaging(send=a.*)", "file-read(/tmp/x/*)"};
    aw_load_options o = {.grants = grants, .n_grants = 2};
    aw_component *c = NULL;
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("echo"), &o, &c), AW_OK);
    const char *const *list;
    CHECK(aw_component_grants(c, &list) == 2);
    CHECK(!strcmp(list[0], "messaging(send=a.*)") && !strcmp(list[1], "file-read(/tmp/x/*)"));
    aw_component_release(c);
    const char *bad[] = {"messaging(send=a.*)", "root()"};
    o.grants = bad;
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("echo"), &o, &c), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "component 'echo'");
    CHECK_ERR(aw_component_load_file(rt, tl_guest_path("echo"), &c), AW_OK);
    CHECK(aw_component_grants(c, &list) == 0);  /* deny by default */
    aw_component_release(c);
    aw_runtime_free(rt);
}

static void capab_globs(void)
{
    /* names: '*' is any run, '?' one character, classes */
    CHECK(aw_glob_match("worker.*", "worker.7", false));
    CHECK(aw_glob_match("worker.*", "worker.", false));
    CHECK(!aw_glob_match("worker.*", "workers.7", false));
    CHECK(aw_glob_match("w?rker", "worker", false));
    CHECK(aw_glob_match("db-[0-9]", "db-3", false) && !aw_glob_match("db-[0-9]", "db-x", false));
    CHECK(aw_glob_match("db-[!0-9]", "db-x", false) && !aw_glob_match("db-[!0-9]", "db-3", false));
    CHECK(aw_glob_match("*", "anything/at all", false));
    /* paths: '*' and '?' stay in a segment, '**' crosses */
    CHECK(aw_glob_match("/data/*.txt", "/data/a.txt", true));
    CHECK(!aw_glob_match("/data/*.txt", "/data/a/b.txt", true));
    CHECK(!aw_glob_match("/data/?", "/data//", true));
    CHECK(aw_glob_match("/data/**", "/data/a/b/c.txt", true));
    CHECK(aw_glob_match("/data/**/c.txt", "/data/c.txt", true));
    CHECK(aw_glob_match("/data/**/c.txt", "/data/a/b/c.txt", true));
    CHECK(!aw_glob_match("/data/**", "/etc/passwd", true));
    CHECK(!aw_glob_match("/data/*", "/data", true));
}

static void capab_topics(void)
{
    const char *grant = "messaging(publish=events.*.created, subscribe=events.>, subscribe=a.*)";
    aw_grants *g = NULL;
    REQUIRE(CHECK_ERR(aw_grants_parse("c", &grant, 1, 1024, 0, 0, &g), AW_OK));
    CHECK(aw_grants_allow(g, AW_CAP_PUBLISH, "events.eu.created"));
    CHECK(!aw_grants_allow(g, AW_CAP_PUBLISH, "events.eu.deleted"));
    CHECK(!aw_grants_allow(g, AW_CAP_SEND, "anyone"));       /* no send grant at all */
    CHECK(aw_grants_allow(g, AW_CAP_SUBSCRIBE, "events.a"));
    CHECK(aw_grants_allow(g, AW_CAP_SUBSCRIBE, "events.*.x"));
    CHECK(aw_grants_allow(g, AW_CAP_SUBSCRIBE, "events.>"));
    CHECK(!aw_grants_allow(g, AW_CAP_SUBSCRIBE, ">"));       /* wider than the grant */
    CHECK(!aw_grants_allow(g, AW_CAP_SUBSCRIBE, "events"));
    CHECK(aw_grants_allow(g, AW_CAP_SUBSCRIBE, "a.b"));
    CHECK(aw_grants_allow(g, AW_CAP_SUBSCRIBE, "a.*"));
    CHECK(!aw_grants_allow(g, AW_CAP_SUBSCRIBE, "a.>"));     /* '*' does not cover '>' */
    CHECK(!aw_grants_allow(g, AW_CAP_SUBSCRIBE, "a.b.c"));
    CHECK(!aw_grants_allow(NULL, AW_CAP_SEND, "x"));         /* no grants: nothing */
    aw_grants_free(g);
}

static void capab_rate_bucket(void)
{
    const char *grant = "messaging(send=*)";
    aw_grants *g = NULL;
    REQUIRE(CHECK_ERR(aw_grants_parse("c", &grant, 1, 1024, 100, 10, &g), AW_OK));
    aw_bucket b = {0};
    uint64_t t = 1000000000ull;
    int taken = 0;
    for (int i = 0; i < 50; i++) taken += aw_bucket_take(&b, g, t);
    CHECK(taken == 10);                       /* the burst */
    t += 100000000ull;                        /* 100 ms at 100/s: 10 more */
    taken = 0;
    for (int i = 0; i < 50; i++) taken += aw_bucket_take(&b, g, t);
    CHECK(taken == 10);
    t += 10000000000ull;                      /* a long pause refills only up to the burst */
    taken = 0;
    for (int i = 0; i < 50; i++) taken += aw_bucket_take(&b, g, t);
    CHECK(taken == 10);
    aw_grants_free(g);
}

static void capab_audit_file(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/aw-audit-%d.jsonl", (int)getpid());
    unlink(path);
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_instances = 4;
    cfg.audit_path = path;
    aw_runtime *rt;
    REQUIRE(CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_OK));
    const char *g = "messaging(send=a\"b)";  /* a quote: the line must stay valid JSON */
    aw_load_options o = {.grants = &g, .n_grants = 1};
    aw_component *c = NULL;
    CHECK_ERR(aw_component_load_file_opts(rt, tl_guest_path("echo"), &o, &c), AW_OK);
    aw_component_release(c);
    aw_runtime_free(rt);  /* writes what is queued */
    size_t len = 0;
    char *text = (char *)tl_read(path, &len);
    REQUIRE(CHECK(text != NULL));
    CHECK_CONTAINS(text, "\"op\":\"load\",\"target\":\"echo\",\"decision\":\"allowed\"");
    CHECK_CONTAINS(text, "\"op\":\"grant\",\"target\":\"messaging(send=a\\\"b)\"");
    CHECK_CONTAINS(text, "\"op\":\"unload\",\"target\":\"echo\"");
    free(text);
    unlink(path);
    cfg.audit_path = "/nonexistent-dir/audit.jsonl";
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EIO);
    CHECK_CONTAINS(aw_last_error(), "cannot open audit log");
}

int main(void)
{
    RUN(capab_parsing);
    RUN(capab_globs);
    RUN(capab_topics);
    RUN(capab_rate_bucket);
    RUN(capab_audit_file);
    return tl_finish();
}
