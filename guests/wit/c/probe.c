/* probe.c - a WIT component actor in C (wit-bindgen's C generator) of the
 * world stateful-actor-component, used by the tests and the benchmarks. Its
 * state (for upgrades) is the number of messages it has handled.
 *
 * A plain message or a request whose payload is no command is echoed back
 * (a request gets the payload as its reply; a send gets nothing). A command
 * exercises one host interface and replies with what came back, "ok ..." or
 * "err <code> <detail>", so a test can see exactly what the host said:
 *   send <to> <data>     request <to> <data>   publish <topic> <data>
 *   subscribe <pattern>  read <path>           write <path> <data>
 *   list <dir>           stat <path>           delete <path>
 *   fetch <url>          self                  now
 *   random <n>           log <text>            count
 *   trap                 exit <status>         loop
 *   bomb (allocate until the memory cap)        spam <to> <n> (n sends: "ok <sent> <last error>")
 */
#include "stateful_actor_component.h"

#include <stdlib.h>
#include <string.h>

static unsigned handled;  /* state kept between messages (until a restart) */

/* No stdio: wasi-libc's printf pulls in WASI preview 1 file calls, which a
 * component would then need an adapter for. Joining strings is enough. */
static char *cat(const char *a, const char *b, size_t bn)
{
    size_t an = strlen(a);
    char *s = malloc(an + bn + 1);
    memcpy(s, a, an);
    memcpy(s + an, b, bn);
    s[an + bn] = 0;
    return s;
}

static const char *num(unsigned long long v, char buf[24])
{
    char *p = buf + 23;
    *p = 0;
    do { *--p = (char)('0' + v % 10); v /= 10; } while (v);
    return p;
}

static char *fmt_err(const airssys_component_types_error_t *e)
{
    static const char *const codes[] = {"invalid", "too-big", "again", "no-such-actor",
                                        "mailbox-full", "stopped", "timed-out", "guest-error",
                                        "crashed", "deadlock", "no-memory", "denied",
                                        "rate-limited", "io"};
    char *head = cat("err ", e->code < 14 ? codes[e->code] : "?", strlen(e->code < 14 ? codes[e->code] : "?"));
    char *s = cat(head, " ", 1), *out = cat(s, (const char *)e->detail.ptr, e->detail.len);
    free(head);
    free(s);
    return out;
}

static stateful_actor_component_string_t str(const char *s, size_t n)
{
    return (stateful_actor_component_string_t){(uint8_t *)s, n};
}

static stateful_actor_component_list_u8_t bytes(const char *s, size_t n)
{
    return (stateful_actor_component_list_u8_t){(uint8_t *)s, n};
}

/* Split "cmd arg rest" in place. */
static char *word(char **p)
{
    char *w = *p, *sp = strchr(w, ' ');
    if (sp) { *sp = 0; *p = sp + 1; }
    else *p = w + strlen(w);
    return w;
}

static void reply_text(stateful_actor_component_option_list_u8_t *ret, char *s)
{
    ret->is_some = true;
    ret->val.ptr = (uint8_t *)s;  /* malloc'd: freed after the call returns */
    ret->val.len = strlen(s);
}

static char *ok_bytes(const uint8_t *p, size_t n) { return cat("ok ", (const char *)p, n); }

static char *ok_num(unsigned long long v)
{
    char b[24];
    const char *s = num(v, b);
    return cat("ok ", s, strlen(s));
}

static char *run(char *cmd, char *rest)
{
    airssys_component_types_error_t e;
    char *out = NULL, *a = word(&rest);
    if (!strcmp(cmd, "send")) {
        stateful_actor_component_string_t to = str(a, strlen(a));
        stateful_actor_component_list_u8_t d = bytes(rest, strlen(rest));
        out = airssys_component_messaging_send(&to, &d, &e) ? strdup("ok") : fmt_err(&e);
    } else if (!strcmp(cmd, "request")) {
        stateful_actor_component_string_t to = str(a, strlen(a));
        stateful_actor_component_list_u8_t d = bytes(rest, strlen(rest)), r;
        if (airssys_component_messaging_request(&to, &d, 5000, &r, &e)) {
            out = ok_bytes(r.ptr, r.len);
            stateful_actor_component_list_u8_free(&r);
        } else out = fmt_err(&e);
    } else if (!strcmp(cmd, "publish")) {
        stateful_actor_component_string_t t = str(a, strlen(a));
        stateful_actor_component_list_u8_t d = bytes(rest, strlen(rest));
        uint32_t n;
        out = airssys_component_messaging_publish(&t, &d, &n, &e) ? ok_num(n) : fmt_err(&e);
    } else if (!strcmp(cmd, "subscribe")) {
        stateful_actor_component_string_t p = str(a, strlen(a));
        out = airssys_component_messaging_subscribe(&p, &e) ? strdup("ok") : fmt_err(&e);
    } else if (!strcmp(cmd, "read")) {
        stateful_actor_component_string_t p = str(a, strlen(a));
        stateful_actor_component_list_u8_t r;
        if (airssys_component_files_read(&p, &r, &e)) {
            out = ok_bytes(r.ptr, r.len);
            stateful_actor_component_list_u8_free(&r);
        } else out = fmt_err(&e);
    } else if (!strcmp(cmd, "write")) {
        stateful_actor_component_string_t p = str(a, strlen(a));
        stateful_actor_component_list_u8_t d = bytes(rest, strlen(rest));
        out = airssys_component_files_write(&p, &d, false, &e) ? strdup("ok") : fmt_err(&e);
    } else if (!strcmp(cmd, "list")) {
        stateful_actor_component_string_t p = str(a, strlen(a));
        stateful_actor_component_list_string_t r;
        if (airssys_component_files_list_dir(&p, &r, &e)) {
            out = strdup("ok");
            for (size_t i = 0; i < r.len; i++) {
                char *sp = cat(out, " ", 1);
                free(out);
                out = cat(sp, (const char *)r.ptr[i].ptr, r.ptr[i].len);
                free(sp);
            }
            stateful_actor_component_list_string_free(&r);
        } else out = fmt_err(&e);
    } else if (!strcmp(cmd, "stat")) {
        stateful_actor_component_string_t p = str(a, strlen(a));
        airssys_component_files_file_stat_t st;
        if (airssys_component_files_stat(&p, &st, &e)) {
            char *n = ok_num(st.size);
            out = cat(n, st.is_dir ? " dir" : " file", st.is_dir ? 4 : 5);
            free(n);
        } else out = fmt_err(&e);
    } else if (!strcmp(cmd, "delete")) {
        stateful_actor_component_string_t p = str(a, strlen(a));
        out = airssys_component_files_delete(&p, &e) ? strdup("ok") : fmt_err(&e);
    } else if (!strcmp(cmd, "fetch")) {
        airssys_component_http_request_t rq = {0};
        stateful_actor_component_string_set(&rq.method, "GET");
        rq.url = str(a, strlen(a));
        airssys_component_http_response_t rs;
        if (airssys_component_http_fetch(&rq, &rs, &e)) {
            char *n = ok_num(rs.status), *sp = cat(n, " ", 1);
            out = cat(sp, (const char *)rs.body.ptr, rs.body.len);
            free(n);
            free(sp);
            airssys_component_http_response_free(&rs);
        } else out = fmt_err(&e);
    } else if (!strcmp(cmd, "self")) {
        stateful_actor_component_string_t s;
        airssys_component_messaging_self_name(&s);
        out = ok_bytes(s.ptr, s.len);
        stateful_actor_component_string_free(&s);
    } else if (!strcmp(cmd, "now")) {
        out = ok_num(airssys_component_clock_now());
    } else if (!strcmp(cmd, "random")) {
        stateful_actor_component_list_u8_t r;
        airssys_component_random_bytes((uint32_t)atoi(a), &r);
        out = ok_num(r.len);
        stateful_actor_component_list_u8_free(&r);
    } else if (!strcmp(cmd, "log")) {
        stateful_actor_component_string_t m = str(a, strlen(a));
        airssys_component_logging_log(AIRSSYS_COMPONENT_LOGGING_LEVEL_INFO, &m);
        out = strdup("ok");
    } else if (!strcmp(cmd, "count")) {
        out = ok_num(handled);
    } else if (!strcmp(cmd, "bomb")) {
        static void *volatile kept;  /* reachable, so the compiler keeps every malloc */
        for (;;) {  /* until the allocator fails: then trap, as a real guest would */
            char *p = malloc(1 << 20);
            if (!p) __builtin_trap();
            memset(p, 1, 1 << 20);
            *(void **)p = kept;
            kept = p;
        }
    } else if (!strcmp(cmd, "spam")) {
        stateful_actor_component_string_t to = str(a, strlen(a));
        unsigned n = (unsigned)atoi(rest), sent = 0;
        char *last = strdup("none");
        for (unsigned i = 0; i < n; i++) {
            stateful_actor_component_list_u8_t d = bytes("x", 1);
            if (airssys_component_messaging_send(&to, &d, &e)) sent++;
            else { free(last); last = fmt_err(&e); }
        }
        char *head = ok_num(sent), *sp = cat(head, " ", 1);
        out = cat(sp, last, strlen(last));
        free(head); free(sp); free(last);
    } else if (!strcmp(cmd, "trap")) {
        __builtin_trap();
    } else if (!strcmp(cmd, "exit")) {
        airssys_component_messaging_exit(atoi(a));
    } else if (!strcmp(cmd, "loop")) {
        for (volatile unsigned i = 1; i; i |= 1)
            ;
    }
    return out;
}

bool exports_airssys_component_actor_init(stateful_actor_component_list_u8_t *config,
                                          stateful_actor_component_string_t *err)
{
    bool ok = !(config->len == 4 && !memcmp(config->ptr, "fail", 4));
    if (!ok) stateful_actor_component_string_dup(err, "init refused: config said fail");
    stateful_actor_component_list_u8_free(config);
    return ok;
}

bool exports_airssys_component_actor_on_start(stateful_actor_component_string_t *err)
{
    (void)err;
    return true;
}

bool exports_airssys_component_actor_handle(exports_airssys_component_actor_message_t *msg,
                                            stateful_actor_component_option_list_u8_t *ret,
                                            stateful_actor_component_string_t *err)
{
    handled++;
    ret->is_some = false;
    stateful_actor_component_list_u8_t *p = &msg->payload;
    char *out = NULL;
    if (p->len && p->len < 4096 && p->ptr[0] >= 'a' && p->ptr[0] <= 'z') {
        char buf[4096];
        memcpy(buf, p->ptr, p->len);
        buf[p->len] = 0;
        char *rest = buf, *cmd = word(&rest);
        out = run(cmd, rest);
    }
    bool ok = true;
    if (out) reply_text(ret, out);
    else if (p->len >= 4 && !memcmp(p->ptr, "fail", 4)) {
        stateful_actor_component_string_dup(err, "asked to fail");
        ok = false;
    } else if (msg->is_request) {  /* echo: hand the payload itself back */
        ret->is_some = true;
        ret->val = *p;
        p->ptr = NULL;
        p->len = 0;
    }
    exports_airssys_component_actor_message_free(msg);
    return ok;
}

void exports_airssys_component_actor_on_stop(exports_airssys_component_actor_stop_reason_t reason)
{
    (void)reason;
}

/* Upgrade handoff: the state is the message count, in decimal. */
void exports_airssys_component_state_snapshot(stateful_actor_component_list_u8_t *ret)
{
    char b[24];
    const char *s = num(handled, b);
    size_t n = strlen(s);
    ret->ptr = malloc(n);
    memcpy(ret->ptr, s, n);
    ret->len = n;
}

bool exports_airssys_component_state_restore(stateful_actor_component_list_u8_t *state,
                                             stateful_actor_component_string_t *err)
{
    unsigned long v = 0;
    bool ok = state->len > 0 && state->len < 12;
    for (size_t i = 0; ok && i < state->len; i++) {
        ok = state->ptr[i] >= '0' && state->ptr[i] <= '9';
        v = v * 10 + (unsigned long)(state->ptr[i] - '0');
    }
    if (ok) handled = (unsigned)v;
    else stateful_actor_component_string_dup(err, "restore: want a decimal message count");
    stateful_actor_component_list_u8_free(state);
    return ok;
}
