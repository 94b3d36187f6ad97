/* test_hostile.c - the hostile-guest suite (guests/hostile/): each attack is
 * contained, its author gets a clear error, and a well-behaved component
 * running beside it keeps answering. */
#include "testlib.h"

#include <pthread.h>
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

    aw_component *flood = load("hostile_flood", "messaging(send=sink)", 0, 1000, 100);
    spawn("flood", flood);
    s = ask("flood", "flood:5000");
    int ok = -1, rate = -1, other = -1;
    CHECKF(sscanf(s, "ok=%d rate=%d other=%d", &ok, &rate, &other) == 3, "flood: %s", s);
    CHECKF(ok >= 100 && ok < 1000 && rate > 4000 && other == 0, "flood: %s", s);  /* burst 100 + refill */
    free(s);
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
    aw_component_release(flood);
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
    CHECK(count_lines("\"op\":\"grant\"", "messaging(send=sink)", "\"decision\":\"allowed\"") >= 3);
    CHECK(count_lines("\"op\":\"load\"", "hostile_ungranted", "\"decision\":\"denied\"") == 2);
    CHECK(count_lines("\"op\":\"send\"", "\"target\":\"victim\"", "\"decision\":\"denied\"") >= 2);
    CHECK(count_lines("\"op\":\"subscribe\"", "\"target\":\">\"", "\"decision\":\"denied\"") >= 2);
    CHECK(count_lines("\"op\":\"crash\"", "\"actor\":\"loop\"", "CPU deadline") == 1);
    CHECK(count_lines("\"op\":\"crash\"", "\"actor\":\"bomb\"", NULL) == 1);
    CHECK(count_lines("\"op\":\"send\"", "\"actor\":\"big\"", "size limit") == 1);
    /* every rate refusal of the flood is in the trail, or counted as shed */
    size_t rate = count_lines("\"actor\":\"flood\"", "over the sender's message rate", NULL), shed = 0;
    for (size_t i = 0; i < nlines; i++) {
        const char *p = strstr(lines[i], "\"reason\":\"");
        if (strstr(lines[i], "audit-shed") && p) shed += strtoull(p + 10, NULL, 10);
    }
    CHECKF(rate + shed >= 4000, "rate refusals audited %zu + shed %zu", rate, shed);
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
    RUN(hostile_abi_liar);
    RUN(hostile_messaging);
    RUN(hostile_ungranted_namespace);
    aw_component_release(good);
    aw_runtime_free(rt);
    RUN(hostile_audit_trail);
    return tl_finish();
}
