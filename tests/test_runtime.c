/* Integration: runtime configuration and capacity - bad configs are errors
 * (never an abort inside the engine), the instance pool is a clean limit,
 * and many actors run on few workers. */
#include "testlib.h"

static void bad_configs_are_errors(void)
{
    aw_runtime_config cfg;
    aw_runtime *rt = NULL;
    aw_runtime_config_init(&cfg);
    cfg.max_memory_bytes = 100;
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "max_memory_bytes");
    aw_runtime_config_init(&cfg);
    cfg.max_memory_bytes = 8ull << 30;
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    aw_runtime_config_init(&cfg);
    cfg.max_instances = 1000000;
    cfg.max_memory_bytes = 4ull << 30;  /* ~4 PiB of reservations: refused, not aborted */
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "address space");
    aw_runtime_config_init(&cfg);
    cfg.time_slice_ms = 0;
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    aw_runtime_config_init(&cfg);
    cfg.mailbox_capacity = 0;
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    aw_runtime_config_init(&cfg);
    cfg.cache_dir = "relative/dir";
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "absolute");
    CHECK(rt == NULL);
    CHECK_ERR(aw_runtime_new(NULL, NULL), AW_EINVAL);
}

static void pool_exhaustion_is_a_limit(void)
{
    aw_runtime *rt = tl_runtime(1, 4);
    aw_component *echo = tl_load(rt, "echo");
    char name[16];
    int ok = 0;
    aw_err last = AW_OK;
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "e%d", i);
        aw_actor_spec s = {.name = name, .component = echo};
        last = aw_spawn(rt, &s);
        if (last == AW_OK) ok++;
        else break;
    }
    CHECK(ok == 4);
    CHECK_ERR(last, AW_ELIMIT);
    CHECK_CONTAINS(aw_last_error(), "limit");
    /* stopping one frees a slot */
    CHECK_ERR(aw_stop(rt, "e0"), AW_OK);
    aw_actor_spec s = {.name = "again", .component = echo};
    CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    aw_component_release(echo);
    aw_runtime_free(rt);
}

static void many_actors_few_workers(void)
{
    aw_runtime *rt = tl_runtime(2, 300);
    aw_component *counter = tl_load(rt, "counter");
    char name[16];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "n%d", i);
        char cfgv[16];
        int n = snprintf(cfgv, sizeof cfgv, "%d", i);
        aw_actor_spec s = {.name = name, .component = counter, .config = (uint8_t *)cfgv,
                           .config_len = (size_t)n};
        CHECK_ERR(aw_spawn(rt, &s), AW_OK);
    }
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 200; i++) {
            snprintf(name, sizeof name, "n%d", i);
            CHECK_ERR(aw_send(rt, name, "inc", 3), AW_OK);
        }
    int right = 0;
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "n%d", i);
        aw_reply r;
        char want[16];
        snprintf(want, sizeof want, "%d", i + 3);
        if (aw_request(rt, name, "get", 3, 5000, &r) == AW_OK && r.len == strlen(want) &&
            !memcmp(r.data, want, r.len))
            right++;
        aw_reply_free(&r);
    }
    CHECK(right == 200);
    aw_component_release(counter);
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(bad_configs_are_errors);
    RUN(pool_exhaustion_is_a_limit);
    RUN(many_actors_few_workers);
    return tl_finish();
}
