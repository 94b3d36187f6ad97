/* examples/pipeline: three WIT components in three languages as one
 * supervised pipeline.
 *
 *   host --items--> validate (JavaScript) --valid--> transform (Python)
 *                                          --doubled--> aggregate (C)
 *
 * Each stage is an actor under one supervisor and passes items on by name,
 * with only the messaging grant it needs. Midway an item marked "poison"
 * makes the Python stage crash on purpose; its supervisor restarts it, the
 * items queued behind it wait in its mailbox, and the pipeline goes on. At
 * the end the host checks the accounting: every valid item but the poison
 * one reached the aggregator, with its value doubled.
 *
 * Usage: example-pipeline [COMPONENT_DIR] [ITEMS]. Exit status 0 when the
 * numbers add up. */
#include <airssys/airssys.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static aw_component *load(aw_runtime *rt, const char *dir, const char *name, const char *grant,
                          bool wasi)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.component.wasm", dir, name);
    aw_load_options o = {.grants = &grant, .n_grants = 1, .wasi = wasi};
    aw_component *c = NULL;
    if (aw_component_load_file_opts(rt, path, &o, &c)) {
        fprintf(stderr, "load %s: %s\n", name, aw_last_error());
        exit(1);
    }
    return c;
}

static atomic_int restarts;
static void on_event(void *ud, const aw_sup_event *ev)
{
    (void)ud;
    if (ev->kind == AW_SUP_CHILD_RESTARTED) {
        restarts++;
        printf("supervisor: restarted %s (restart #%u)\n", ev->child, ev->restarts);
    } else if (ev->kind == AW_SUP_CHILD_EXITED) {
        printf("supervisor: %s exited: %s\n", ev->child, ev->detail ? ev->detail : "?");
    }
}

static void quiet(void *ud, aw_log_level l, aw_log_source s, const char *actor, const char *msg,
                  size_t len)
{
    (void)ud; (void)s;
    if (l >= AW_LOG_ERROR) fprintf(stderr, "[%s] %.*s\n", actor ? actor : "-", (int)len, msg);
}

/* A request's reply as text, "" on failure. */
static void stats(aw_runtime *rt, const char *who, char *out, size_t cap)
{
    aw_reply r;
    out[0] = 0;
    if (aw_request(rt, who, "stats", 5, 5000, &r) == AW_OK)
        snprintf(out, cap, "%.*s", (int)r.len, (const char *)r.data);
    aw_reply_free(&r);  /* a failure may carry text too */
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "build/guests";
    int n = argc > 2 ? atoi(argv[2]) : 300;
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.max_instances = 32;
    cfg.max_memory_bytes = 256u << 20;  /* room for SpiderMonkey and CPython */
    cfg.log = quiet;
    aw_runtime *rt;
    if (aw_runtime_new(&cfg, &rt)) { fprintf(stderr, "%s\n", aw_last_error()); return 1; }
    aw_component *v = load(rt, dir, "pipeline_validate", "messaging(send=transform)", false);
    aw_component *t = load(rt, dir, "pipeline_transform", "messaging(send=aggregate)", true);
    aw_component *a = load(rt, dir, "pipeline_aggregate", "messaging(send=nobody)", false);
    uint64_t sub;
    aw_events_subscribe(rt, on_event, NULL, &sub);
    aw_child_spec kids[] = {  /* started in order: the consumers first */
        {.actor = {.name = "aggregate", .component = a, .mailbox_capacity = 4096}},
        {.actor = {.name = "transform", .component = t, .mailbox_capacity = 4096}},
        {.actor = {.name = "validate", .component = v, .mailbox_capacity = 4096}},
    };
    aw_supervisor_spec sup = {.name = "pipeline", .strategy = AW_ONE_FOR_ONE, .max_restarts = 5,
                              .period_ms = 10000, .children = kids, .n_children = 3};
    if (aw_supervisor_start(rt, &sup)) { fprintf(stderr, "%s\n", aw_last_error()); return 1; }

    long long want_sum = 0;
    int want_valid = 0, want_invalid = 0, want_count = 0, poison = n / 2 + 1;
    char item[128];
    for (int i = 1; i <= n; i++) {
        if (i % 50 == 0) {  /* not a number: the validator drops it */
            snprintf(item, sizeof item, "{\"id\": %d, \"value\": \"x\"}", i);
            want_invalid++;
        } else if (i == poison) {  /* valid, but it crashes the transform stage */
            snprintf(item, sizeof item, "{\"id\": %d, \"value\": %d, \"poison\": true}", i, i);
            want_valid++;
        } else {
            snprintf(item, sizeof item, "{\"id\": %d, \"value\": %d}", i, i);
            want_valid++;
            want_count++;
            want_sum += 2 * i;
        }
        if (aw_send_wait(rt, "validate", item, strlen(item), 10000)) {
            fprintf(stderr, "send item %d: %s\n", i, aw_last_error());
            return 1;
        }
    }
    char vs[128], as[128], want_a[128], want_v[128];
    snprintf(want_a, sizeof want_a, "count=%d sum=%lld", want_count, want_sum);
    snprintf(want_v, sizeof want_v, "valid=%d invalid=%d", want_valid, want_invalid);
    for (int waited = 0; waited < 60000; waited += 20) {  /* until the last item is through */
        stats(rt, "aggregate", as, sizeof as);
        if (!strcmp(as, want_a)) break;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    stats(rt, "validate", vs, sizeof vs);
    printf("validate:  %s (want %s)\n", vs, want_v);
    printf("aggregate: %s (want %s)\n", as, want_a);
    printf("restarts:  %d (want 1)\n", (int)restarts);
    bool ok = !strcmp(vs, want_v) && !strcmp(as, want_a) && restarts == 1;
    aw_supervisor_stop(rt, "pipeline");
    aw_component_release(v);
    aw_component_release(t);
    aw_component_release(a);
    aw_runtime_free(rt);
    printf("%s\n", ok ? "pipeline: every item accounted for" : "pipeline: MISMATCH");
    return ok ? 0 : 1;
}
