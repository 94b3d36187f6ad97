/* supervised: a component that crashes is restarted by its supervisor,
 * keeping its name and mailbox; its sibling never notices. The probe
 * component (build/guests/probe.component.wasm) traps on "trap".
 *   example-supervised build/guests/probe.component.wasm */
#include <airssys/airssys.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void on_event(void *ud, const aw_sup_event *ev)
{
    (void)ud;
    printf("event %llu: %s %s%s%s\n", (unsigned long long)ev->seq, aw_sup_event_name(ev->kind),
           ev->child ? ev->child : "", ev->detail ? ": " : "", ev->detail ? ev->detail : "");
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s probe.component.wasm\n", argv[0]); return 1; }
    aw_runtime *rt;
    aw_component *c;
    if (aw_runtime_new(NULL, &rt) || aw_component_load_file(rt, argv[1], &c)) {
        fprintf(stderr, "%s\n", aw_last_error());
        return 1;
    }
    uint64_t sub;
    aw_events_subscribe(rt, on_event, NULL, &sub);
    aw_child_spec kids[] = {{.actor = {.name = "worker", .component = c}},
                            {.actor = {.name = "sibling", .component = c}}};
    aw_supervisor_spec spec = {.name = "root", .strategy = AW_ONE_FOR_ONE, .max_restarts = 3,
                               .period_ms = 5000, .children = kids, .n_children = 2};
    if (aw_supervisor_start(rt, &spec)) { fprintf(stderr, "%s\n", aw_last_error()); return 1; }
    aw_reply r;
    aw_err e = aw_request(rt, "worker", "trap", 4, 5000, &r);
    printf("request 'trap': %s\n", aw_err_name(e));
    aw_reply_free(&r);
    for (int i = 0; i < 200 && (e = aw_request(rt, "worker", "self", 4, 1000, &r)); i++) {
        aw_reply_free(&r);  /* until the restart is in */
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    if (!e) printf("worker after restart: %.*s\n", (int)r.len, (const char *)r.data), aw_reply_free(&r);
    aw_child_info *info;
    size_t n;
    aw_supervisor_children(rt, "root", &info, &n);
    int ok = !e && n == 2 && info[0].restarts == 1 && info[1].restarts == 0;
    for (size_t i = 0; i < n; i++) printf("%s: %u restart(s)\n", info[i].name, info[i].restarts);
    aw_child_info_free(info, n);
    aw_supervisor_stop(rt, "root");
    aw_events_unsubscribe(rt, sub);
    aw_component_release(c);
    aw_runtime_free(rt);
    return ok ? 0 : 1;
}
