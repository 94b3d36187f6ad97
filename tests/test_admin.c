/* test_admin.c - the admin socket as a library (aw_admin_*): a socket of
 * mode 0600 that answers the protocol; one host per path (a live socket is
 * refused, a stale one replaced); a default directory open to others is
 * refused; `down` only when the host allows it; the ring behind `logs`;
 * closing removes the socket and hangs up idle clients; a deployment of
 * its own takes `deploy`. Driven with the protocol's own framing. */
#include "testlib.h"
#include "../src/admin/proto.h"
#include <airssys/admin.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[48];

static int dial(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One request; the reply's fields in *m (free with adm_msg_free). */
static int ask(const char *path, adm_msg *m, const char *const *fields, size_t n)
{
    int fd = dial(path);
    if (fd < 0) return -1;
    adm_out q;
    adm_out_init(&q);
    adm_puts(&q, ADMIN_PROTO);
    for (size_t i = 0; i < n; i++) adm_puts(&q, fields[i]);
    int rc = adm_send(fd, &q);
    adm_out_free(&q);
    do {
        if (rc == 0) rc = adm_recv(fd, m);
        if (rc == 0 && adm_is(m, 0, "progress")) { adm_msg_free(m); continue; }
        break;
    } while (1);
    close(fd);
    return rc;
}

static _Atomic int downs;
static void count_down(void *ud) { (void)ud; downs++; }

static void serves_and_refuses(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/a.sock", dir);
    aw_admin *ad, *second;
    REQUIRE(aw_admin_new(&(aw_admin_config){.socket_path = path}, &ad) == AW_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(!strcmp(aw_admin_path(ad), path));
    /* bound but not served yet: a second host on the path is refused */
    CHECK_ERR(aw_admin_new(&(aw_admin_config){.socket_path = path}, &second), AW_EEXIST);
    CHECK_CONTAINS(aw_last_error(), "already serving");

    aw_runtime *rt = tl_runtime(2, 8);
    aw_component *echo = tl_load(rt, "echo");
    REQUIRE(echo && aw_spawn(rt, &(aw_actor_spec){.name = "e", .component = echo}) == AW_OK);
    REQUIRE(aw_admin_serve(ad, rt, NULL) == AW_OK);
    adm_msg m;
    const char *req[] = {"request", "e", "hi", "5000", ""};
    REQUIRE(ask(path, &m, req, 5) == 0);
    CHECK(adm_is(&m, 0, "AW_OK") && adm_is(&m, 3, "hi"));
    adm_msg_free(&m);
    const char *ps[] = {"ps"};
    REQUIRE(ask(path, &m, ps, 1) == 0);
    char *rows = adm_str(&m, 2);
    CHECK_CONTAINS(rows, "e\tcore\techo\t");
    free(rows);
    adm_msg_free(&m);
    /* no on_down: refused, and the host goes on */
    const char *down[] = {"down"};
    REQUIRE(ask(path, &m, down, 1) == 0);
    CHECK(adm_is(&m, 0, "AW_ENOTSUP"));
    adm_msg_free(&m);
    /* deploy into the admin's own deployment, then upgrade by that name */
    char *echo_path = tl_guest_path("echo");
    const char *dep[] = {"deploy", "echo2", echo_path, "2.0", "0", "e2", "", "", ""};
    REQUIRE(ask(path, &m, dep, 9) == 0);
    CHECK(adm_is(&m, 0, "AW_OK"));
    adm_msg_free(&m);
    const char *up[] = {"upgrade", "e", "echo2", "0", "", "", "0"};
    REQUIRE(ask(path, &m, up, 7) == 0);
    CHECK(adm_is(&m, 0, "AW_OK"));
    adm_msg_free(&m);
    aw_actor_info *v;
    size_t n;
    REQUIRE(aw_actors(rt, &v, &n) == AW_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, "e")) CHECK(v[i].version && !strcmp(v[i].version, "2.0"));
    CHECK(n == 2);  /* e, and e2 spawned by deploy */
    aw_actor_info_free(v, n);
    /* an idle client does not hold the close up; the socket file goes */
    int idle = dial(path);
    CHECK(idle >= 0);
    aw_admin_close(ad);
    CHECK(access(path, F_OK) != 0);
    char b;
    CHECK(idle < 0 || read(idle, &b, 1) <= 0);  /* hung up (EOF, or reset if never accepted) */
    if (idle >= 0) close(idle);
    aw_addr a;
    CHECK_ERR(aw_lookup(rt, "e2", &a), AW_ENOENT);  /* what deploy spawned is stopped */
    aw_component_release(echo);
    aw_runtime_free(rt);
    aw_admin_free(ad);
}

static void stale_socket_and_down(void)
{
    char path[100];
    snprintf(path, sizeof path, "%s/b.sock", dir);
    /* a socket file whose host died: replaced */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    REQUIRE(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    close(fd);
    aw_admin *ad;
    REQUIRE(aw_admin_new(&(aw_admin_config){.socket_path = path, .on_down = count_down,
                                            .log_lines = 4}, &ad) == AW_OK);
    aw_runtime *rt = tl_runtime(1, 4);
    REQUIRE(aw_admin_serve(ad, rt, NULL) == AW_OK);
    /* the ring keeps the last 4 lines */
    for (int i = 0; i < 6; i++) {
        char msg[16];
        int len = snprintf(msg, sizeof msg, "line-%d", i);
        aw_admin_log_line(ad, AW_LOG_INFO, AW_LOG_GUEST, "x", msg, (size_t)len);
    }
    int c = dial(path);
    REQUIRE(c >= 0);
    adm_out q;
    adm_out_init(&q);
    const char *logs[] = {ADMIN_PROTO, "logs", "100", "0", "guest"};
    for (int i = 0; i < 5; i++) adm_puts(&q, logs[i]);
    CHECK(adm_send(c, &q) == 0);
    adm_out_free(&q);
    adm_msg m;
    int lines = 0;
    bool first_kept = false;
    while (adm_recv(c, &m) == 0) {
        bool end = adm_is(&m, 0, "end");
        if (adm_is(&m, 0, "line")) {
            lines++;
            char *l = adm_str(&m, 1);
            if (lines == 1) first_kept = l && strstr(l, "\tguest\tinfo\tx\tline-2");
            free(l);
        }
        adm_msg_free(&m);
        if (end) break;
    }
    close(c);
    CHECK(lines == 4);
    CHECK(first_kept);
    const char *down[] = {"down"};
    REQUIRE(ask(path, &m, down, 1) == 0);
    CHECK(adm_is(&m, 0, "AW_OK"));
    adm_msg_free(&m);
    for (int i = 0; i < 500 && downs == 0; i++) usleep(10000);  /* called after the reply */
    CHECK(downs == 1);
    aw_admin_close(ad);
    aw_runtime_free(rt);
    aw_admin_free(ad);
}

static void private_default_dir(void)
{
    char open_dir[128];
    snprintf(open_dir, sizeof open_dir, "%s/xdg", dir);
    REQUIRE(mkdir(open_dir, 0755) == 0);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/airssys-wasm", open_dir);
    REQUIRE(mkdir(sub, 0777) == 0);
    chmod(sub, 0777);  /* open to others: someone could have planted it */
    setenv("XDG_RUNTIME_DIR", open_dir, 1);
    unsetenv("AIRSSYS_SOCKET");
    aw_admin *ad;
    CHECK_ERR(aw_admin_new(NULL, &ad), AW_EINVAL);
    CHECK_CONTAINS(aw_last_error(), "mode 0700");
    chmod(sub, 0700);
    CHECK_ERR(aw_admin_new(NULL, &ad), AW_OK);
    char want[200];
    snprintf(want, sizeof want, "%s/admin.sock", sub);
    CHECK(ad && !strcmp(aw_admin_path(ad), want));
    aw_admin_free(ad);  /* never served: no runtime needed */
    CHECK(access(want, F_OK) != 0);
    rmdir(sub);
    rmdir(open_dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/aw-admin-XXXXXX");
    if (!mkdtemp(dir)) return 2;
    RUN(serves_and_refuses);
    RUN(stale_socket_and_down);
    RUN(private_default_dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return tl_finish();
}
