/* bench_deploy.c - hot deployment: how long an actor serves nothing while
 * it is upgraded in place (the switch, with the state handoff), and how
 * long deploying a known component takes when its compilation comes from
 * the on-disk cache; and how many items a four-stage pipeline passes. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

#define UPGRADES 200
#define DEPLOYS 20

static void upgrade_switch(aw_runtime *rt)
{
    aw_component *a, *b;
    if (aw_component_load_file(rt, AW_GUEST_DIR "/counter.wasm", &a) ||
        aw_component_load_file(rt, AW_GUEST_DIR "/counter.wasm", &b))
        die("load counter");
    if (aw_spawn(rt, &(aw_actor_spec){.name = "up", .component = a})) die("spawn counter");
    static uint64_t t[UPGRADES];
    for (int i = 0; i < UPGRADES; i++) {
        aw_upgrade_options o = {.handoff = true};
        if (aw_upgrade(rt, "up", i % 2 ? a : b, &o)) die("upgrade");
        t[i] = o.switch_ns;
    }
    emit("upgrade_switch_ns", (double)p50(t, UPGRADES), "ns", UPGRADES);
    aw_stop(rt, "up");
    aw_component_release(a);
    aw_component_release(b);
}

/* A fresh runtime each time (as a new host process would be), the
 * component's compiled code from the cache the first load left. */
static void deploy_cached(const char *path, const char *name)
{
    static uint64_t t[DEPLOYS];
    for (int i = -1; i < DEPLOYS; i++) {  /* -1: fills the cache if it is cold */
        aw_runtime_config cfg;
        aw_runtime_config_init(&cfg);
        cfg.workers = 1;
        cfg.max_instances = 16;
        cfg.max_memory_bytes = 256u << 20;
        cfg.log_level = AW_LOG_ERROR;
        aw_runtime *rt;
        if (aw_runtime_new(&cfg, &rt)) die("runtime");
        aw_component *c;
        uint64_t a = now_ns();
        if (aw_component_load_file(rt, path, &c)) die("load for deploy");
        if (i >= 0) t[i] = now_ns() - a;
        aw_component_release(c);
        aw_runtime_free(rt);
    }
    emit(name, (double)p50(t, DEPLOYS) / 1e6, "ms", DEPLOYS);
}

/* Items through four WASM echo stages, 256 in flight. */
static void pipeline_4stage(aw_runtime *rt)
{
    aw_component *echo;
    if (aw_component_load_file(rt, AW_GUEST_DIR "/echo.wasm", &echo)) die("load echo");
    const char *names[4] = {"p1", "p2", "p3", "p4"};
    aw_pipe_stage st[4];
    for (int i = 0; i < 4; i++) {
        if (aw_spawn(rt, &(aw_actor_spec){.name = names[i], .component = echo})) die("spawn stage");
        st[i] = (aw_pipe_stage){names[i], 0};
    }
    aw_pipeline *pl;
    if (aw_pipeline_create(rt, &(aw_pipeline_spec){.name = "bench", .stages = st, .n_stages = 4,
                                                   .max_in_flight = 256}, &pl))
        die("pipeline");
    const int n = 100000;
    uint64_t a = now_ns();
    for (int i = 0; i < n; i++)
        if (aw_pipeline_send(pl, "0123456789abcdef", 16, 0)) die("pipeline send");
    aw_pipeline_free(pl);  /* waits for the last item */
    emit("pipeline_4stage_per_s", n / ((double)(now_ns() - a) / 1e9), "items/s", (size_t)n);
    for (int i = 0; i < 4; i++) aw_stop(rt, names[i]);
    aw_component_release(echo);
}

void bench_deploy(aw_runtime *rt)
{
    upgrade_switch(rt);
    pipeline_4stage(rt);
    deploy_cached(AW_COMPONENT_DIR "/pipeline_validate.component.wasm", "deploy_cached_ms");
}
