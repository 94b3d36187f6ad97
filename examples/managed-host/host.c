/* managed-host: your own host program, driven by the airssys-wasm CLI.
 *
 * It starts a runtime, spawns one actor ("greeter") from the guest named on
 * the command line, and serves an admin socket (include/airssys/admin.h).
 * From then on an operator uses the same commands as against
 * `airssys-wasm up`: ps, request, deploy, upgrade, route, logs -f, ... and
 * `down`, which this host accepts as its signal to shut down.
 *
 *   managed-host hello.wasm /tmp/my.sock &
 *   airssys-wasm request greeter world -s /tmp/my.sock
 *   airssys-wasm down -s /tmp/my.sock
 */
#include <airssys/admin.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int down;

/* `airssys-wasm down`: only ask; main() does the shutting down. */
static void on_down(void *ud)
{
    (void)ud;
    pthread_mutex_lock(&mu);
    down = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: managed-host <guest.wasm> [socket]\n"), 1;
    aw_admin *ad;
    aw_admin_config ac = {.socket_path = argc > 2 ? argv[2] : NULL, .on_down = on_down};
    if (aw_admin_new(&ac, &ad)) return fprintf(stderr, "%s\n", aw_last_error()), 1;

    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.log = aw_admin_log_line;  /* `airssys-wasm logs` sees every line */
    cfg.log_ud = ad;
    cfg.log_level = AW_LOG_INFO;
    cfg.audit_cb = aw_admin_audit_line;
    cfg.audit_ud = ad;
    aw_runtime *rt = NULL;
    aw_component *c = NULL;
    aw_err e = aw_runtime_new(&cfg, &rt);
    if (!e) e = aw_component_load_file(rt, argv[1], &c);
    if (!e) e = aw_spawn(rt, &(aw_actor_spec){.name = "greeter", .component = c});
    if (!e) e = aw_admin_serve(ad, rt, NULL);
    aw_component_release(c);  /* the actor keeps it */
    if (e) {
        fprintf(stderr, "%s: %s\n", aw_err_name(e), aw_last_error());
    } else {
        printf("serving on %s\n", aw_admin_path(ad));
        fflush(stdout);
        pthread_mutex_lock(&mu);
        while (!down) pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
    }
    aw_admin_close(ad);   /* no more commands; then the runtime can go */
    aw_runtime_free(rt);
    aw_admin_free(ad);    /* last: the runtime logged into it */
    return e != AW_OK;
}
