/* guest_wit_io.c - the WIT interfaces files and http of
 * airssys:component@0.1.0.
 *
 * Same rules as the core ABI's file and HTTP functions, by the same code:
 * paths go through aw__file_authorize (canonical path, grants, audit) and
 * are opened with O_NOFOLLOW; a fetch is serialized into the request text
 * the HTTP transfer thread takes (guest_http.c), which checks the URL and
 * every redirect against the grants, and its answer is parsed back into
 * the WIT response record. The guest parks while the transfer runs. */
#include "guest_wit.h"

#include "../security/paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>




/* The path argument authorized; 0 or the code already put in res. */
static int32_t path_arg(wasmtime_context_t *cx, const wasmtime_component_val_t *arg,
                        const char *op, aw_cap_kind kind, bool must_exist, char canon[AW_PATH_MAX],
                        aw_actor **self, wasmtime_component_val_t *res)
{
    *self = aw_guest_owner(aw_wit_guest_of(cx));
    int32_t code = arg->kind != WASMTIME_COMPONENT_STRING || memchr(arg->of.string.data, 0, arg->of.string.size)
                       ? G_EINVAL
                       : aw__file_authorize(*self, op, kind, must_exist, arg->of.string.data,
                                            arg->of.string.size, canon);
    if (code) aw__wit_err(res, code, code == G_EDENIED ? "no file grant covers this path" : NULL);
    return code;
}

static int32_t errno_code(int e) { return e == ENOENT ? G_ENOENT : e == ELOOP ? G_EDENIED : G_EIO; }

static wasmtime_error_t *w_read(void *env, wasmtime_context_t *cx,
                                const wasmtime_component_func_type_t *ty,
                                wasmtime_component_val_t *args, size_t nargs,
                                wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 1 || nres != 1) return aw__wit_bad_args("files.read");
    aw_actor *self;
    char canon[AW_PATH_MAX];
    if (path_arg(cx, &args[0], "file-read", AW_CAP_FILE_READ, true, canon, &self, res)) return NULL;
    int fd = open(canon, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : EISDIR;
        if (fd >= 0) close(fd);
        aw__wit_err(res, errno_code(e), strerror(e));
        return NULL;
    }
    const aw_grants *gr = self->comp ? self->comp->grants : NULL;
    size_t cap = gr ? gr->max_message_bytes : self->rt->cfg.max_message_bytes;
    if ((size_t)st.st_size > cap) {  /* a result is a message into the guest: same bound */
        close(fd);
        aw__wit_err(res, G_ETOOBIG, "the file is larger than the component's message limit");
        return NULL;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (!buf) { aw__wit_err(res, G_ENOMEM, NULL); return NULL; }
    wasmtime_component_val_t v = aw__wit_bytes(buf, got);
    free(buf);
    aw__wit_ok(res, &v);
    return NULL;
}

static wasmtime_error_t *w_write(void *env, wasmtime_context_t *cx,
                                 const wasmtime_component_func_type_t *ty,
                                 wasmtime_component_val_t *args, size_t nargs,
                                 wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 3 || nres != 1 || args[1].kind != WASMTIME_COMPONENT_LIST ||
        args[2].kind != WASMTIME_COMPONENT_BOOL)
        return aw__wit_bad_args("files.write");
    aw_actor *self;
    char canon[AW_PATH_MAX];
    if (path_arg(cx, &args[0], "file-write", AW_CAP_FILE_WRITE, false, canon, &self, res)) return NULL;
    int fd = open(canon, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
                             (args[2].of.boolean ? O_APPEND : O_TRUNC), 0644);
    if (fd < 0) {
        int e = errno;
        aw__audit_actor(self, "file-write", canon, "denied", e == ELOOP ? "the file is a symlink" : strerror(e));
        aw__wit_err(res, errno_code(e), strerror(e));
        return NULL;
    }
    const wasmtime_component_vallist_t *l = &args[1].of.list;
    size_t done = 0;
    uint8_t chunk[4096];
    while (done < l->size) {
        size_t n = l->size - done < sizeof chunk ? l->size - done : sizeof chunk;
        for (size_t i = 0; i < n; i++) chunk[i] = l->data[done + i].of.u8;
        ssize_t k = write(fd, chunk, n);
        if (k <= 0) break;
        done += (size_t)k;
    }
    close(fd);
    char what[64];
    snprintf(what, sizeof what, "wrote %zu bytes", done);
    aw__audit_actor(self, "file-write", canon, "allowed", what);
    if (done == l->size) aw__wit_ok(res, NULL);
    else aw__wit_err(res, G_EIO, "short write");
    return NULL;
}

static wasmtime_error_t *w_list_dir(void *env, wasmtime_context_t *cx,
                                    const wasmtime_component_func_type_t *ty,
                                    wasmtime_component_val_t *args, size_t nargs,
                                    wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 1 || nres != 1 || args[0].kind != WASMTIME_COMPONENT_STRING)
        return aw__wit_bad_args("files.list-dir");
    /* As for core guests: the directory needs no grant of its own, only the
     * entries it may read are listed (a grant on dir/ * lists dir). */
    aw_actor *self = aw_guest_owner(aw_wit_guest_of(cx));
    char canon[AW_PATH_MAX];
    const char *why = NULL;
    aw_err re = aw_path_resolve(args[0].of.string.data, args[0].of.string.size, true, canon, &why);
    if (re) { aw__wit_err(res, aw__file_code(re), why); return NULL; }
    DIR *d = opendir(canon);
    if (!d) { aw__wit_err(res, errno_code(errno), strerror(errno)); return NULL; }
    const aw_grants *gr = self->comp ? self->comp->grants : NULL;
    size_t n = 0, cap = 0;
    char **names = NULL;
    for (struct dirent *de; (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char full[AW_PATH_MAX];
        if (snprintf(full, sizeof full, "%s/%s", strcmp(canon, "/") ? canon : "", de->d_name) >= (int)sizeof full) continue;
        if (!aw_grants_allow(gr, AW_CAP_FILE_READ, full)) continue;  /* only what it may read */
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) break;
        n++;
    }
    closedir(d);
    wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_LIST};
    wasmtime_component_vallist_new_uninit(&v.of.list, n);
    for (size_t i = 0; i < n; i++) {
        v.of.list.data[i] = aw__wit_string(names[i], strlen(names[i]));
        free(names[i]);
    }
    free(names);
    aw__wit_ok(res, &v);
    return NULL;
}

static wasmtime_error_t *w_stat(void *env, wasmtime_context_t *cx,
                                const wasmtime_component_func_type_t *ty,
                                wasmtime_component_val_t *args, size_t nargs,
                                wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 1 || nres != 1) return aw__wit_bad_args("files.stat");
    aw_actor *self;
    char canon[AW_PATH_MAX];
    if (path_arg(cx, &args[0], "file-read", AW_CAP_FILE_READ, true, canon, &self, res)) return NULL;
    struct stat st;
    if (stat(canon, &st)) { aw__wit_err(res, errno_code(errno), strerror(errno)); return NULL; }
    wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_RECORD};
    wasmtime_component_valrecord_new_uninit(&v.of.record, 3);
    static const char *const f[3] = {"size", "is-dir", "modified-ns"};
    for (int i = 0; i < 3; i++) wasm_name_new(&v.of.record.data[i].name, strlen(f[i]), f[i]);
    v.of.record.data[0].val = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_U64, .of.u64 = (uint64_t)st.st_size};
    v.of.record.data[1].val = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_BOOL, .of.boolean = S_ISDIR(st.st_mode)};
    v.of.record.data[2].val = (wasmtime_component_val_t){
        .kind = WASMTIME_COMPONENT_U64,
        .of.u64 = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec};
    aw__wit_ok(res, &v);
    return NULL;
}

static wasmtime_error_t *w_delete(void *env, wasmtime_context_t *cx,
                                  const wasmtime_component_func_type_t *ty,
                                  wasmtime_component_val_t *args, size_t nargs,
                                  wasmtime_component_val_t *res, size_t nres)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    if (nargs != 1 || nres != 1) return aw__wit_bad_args("files.delete");
    aw_actor *self;
    char canon[AW_PATH_MAX];
    if (path_arg(cx, &args[0], "file-delete", AW_CAP_FILE_WRITE, true, canon, &self, res)) return NULL;
    if (unlink(canon)) { aw__wit_err(res, errno_code(errno), strerror(errno)); return NULL; }
    aw__audit_actor(self, "file-delete", canon, "allowed", "deleted");
    aw__wit_ok(res, NULL);
    return NULL;
}

/* ---- http ------------------------------------------------------------------ */

static const wasmtime_component_val_t *field(const wasmtime_component_val_t *rec, const char *name)
{
    if (rec->kind != WASMTIME_COMPONENT_RECORD) return NULL;
    for (size_t i = 0; i < rec->of.record.size; i++)
        if (rec->of.record.data[i].name.size == strlen(name) &&
            !memcmp(rec->of.record.data[i].name.data, name, strlen(name)))
            return &rec->of.record.data[i].val;
    return NULL;
}

/* The request record as "METHOD URL\nName: value\n...\n\nbody", the text the
 * transfer thread parses (and validates: method letters, no CR, no NUL). */
static uint8_t *serialize(const wasmtime_component_val_t *req, size_t *len)
{
    const wasmtime_component_val_t *m = field(req, "method"), *u = field(req, "url"),
                                   *h = field(req, "headers"), *b = field(req, "body");
    if (!m || !u || !h || !b || m->kind != WASMTIME_COMPONENT_STRING ||
        u->kind != WASMTIME_COMPONENT_STRING || h->kind != WASMTIME_COMPONENT_LIST ||
        b->kind != WASMTIME_COMPONENT_LIST)
        return NULL;
    size_t total = m->of.string.size + u->of.string.size + 3 + b->of.list.size;
    for (size_t i = 0; i < h->of.list.size; i++) {
        const wasmtime_component_val_t *t = &h->of.list.data[i];
        if (t->kind != WASMTIME_COMPONENT_TUPLE || t->of.tuple.size != 2) return NULL;
        total += t->of.tuple.data[0].of.string.size + t->of.tuple.data[1].of.string.size + 3;
    }
    uint8_t *out = malloc(total + 1), *o = out;
    if (!out) return NULL;
    memcpy(o, m->of.string.data, m->of.string.size); o += m->of.string.size;
    *o++ = ' ';
    memcpy(o, u->of.string.data, u->of.string.size); o += u->of.string.size;
    *o++ = '\n';
    for (size_t i = 0; i < h->of.list.size; i++) {
        const wasm_name_t *k = &h->of.list.data[i].of.tuple.data[0].of.string,
                          *v = &h->of.list.data[i].of.tuple.data[1].of.string;
        if (memchr(k->data, '\n', k->size) || memchr(v->data, '\n', v->size)) { free(out); return NULL; }
        memcpy(o, k->data, k->size); o += k->size;
        *o++ = ':'; *o++ = ' ';
        memcpy(o, v->data, v->size); o += v->size;
        *o++ = '\n';
    }
    *o++ = '\n';
    for (size_t i = 0; i < b->of.list.size; i++) *o++ = b->of.list.data[i].of.u8;
    *len = (size_t)(o - out);
    return out;
}

/* "STATUS\n", header lines, an empty line, the body -> response record. */
static void fetch_done(wit_wait *w, aw_call_result *r)
{
    if (r->err) {
        aw__wit_err(w->res, aw__guest_code(r->err), r->detail);
        return;
    }
    const char *p = (const char *)r->reply, *end = p + r->reply_len;
    long status = strtol(p, NULL, 10);
    const char *line = memchr(p, '\n', r->reply_len);
    line = line ? line + 1 : end;
    size_t nh = 0;
    for (const char *q = line; q < end && *q != '\n';) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        nh++;
        q = nl ? nl + 1 : end;
    }
    wasmtime_component_val_t hdrs = {.kind = WASMTIME_COMPONENT_LIST};
    wasmtime_component_vallist_new_uninit(&hdrs.of.list, nh);
    const char *q = line;
    for (size_t i = 0; i < nh; i++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) nl = end;
        const char *colon = memchr(q, ':', (size_t)(nl - q));
        const char *vs = colon ? colon + 1 : nl;
        while (vs < nl && *vs == ' ') vs++;
        wasmtime_component_val_t *t = &hdrs.of.list.data[i];
        t->kind = WASMTIME_COMPONENT_TUPLE;
        wasmtime_component_valtuple_new_uninit(&t->of.tuple, 2);
        t->of.tuple.data[0] = aw__wit_string(q, (size_t)((colon ? colon : nl) - q));
        t->of.tuple.data[1] = aw__wit_string(vs, (size_t)(nl - vs));
        q = nl + 1;
    }
    const char *body = q < end ? q + 1 : end;
    wasmtime_component_val_t rec = {.kind = WASMTIME_COMPONENT_RECORD};
    wasmtime_component_valrecord_new_uninit(&rec.of.record, 3);
    wasm_name_new(&rec.of.record.data[0].name, 6, "status");
    rec.of.record.data[0].val = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_U16, .of.u16 = (uint16_t)status};
    wasm_name_new(&rec.of.record.data[1].name, 7, "headers");
    rec.of.record.data[1].val = hdrs;
    wasm_name_new(&rec.of.record.data[2].name, 4, "body");
    rec.of.record.data[2].val = aw__wit_bytes((const uint8_t *)body, (size_t)(end - body));
    aw__wit_ok(w->res, &rec);
}

static void w_fetch(void *env, wasmtime_context_t *cx, const wasmtime_component_func_type_t *ty,
                    wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *res,
                    size_t nres, wasmtime_error_t **error_ret, wasmtime_async_continuation_t *k)
{
    AW_UNUSED(env); AW_UNUSED(ty);
    aw__wit_finish_now(k);
    if (nargs != 1 || nres != 1) { *error_ret = aw__wit_bad_args("http.fetch"); return; }
    aw_guest *g = aw_wit_guest_of(cx);
    aw_actor *self = aw_guest_owner(g);
    size_t len = 0;
    uint8_t *req = serialize(&args[0], &len);
    if (!req) { aw__wit_err(res, G_EINVAL, "malformed request (a newline in a header?)"); return; }
    const wasmtime_component_val_t *t = field(&args[0], "timeout-ms");
    uint32_t timeout = t && t->kind == WASMTIME_COMPONENT_U32 ? t->of.u32 : 0;
    aw_pending *p = aw_pending_new(self);
    if (!p) { free(req); aw__wit_err(res, G_ENOMEM, NULL); return; }
    int32_t code = 0;
    aw__http_start(self, p, req, len, timeout, &code);
    free(req);
    aw_pending_unref(p);  /* the message's reference: there is no message */
    if (code) {
        aw_pending_unref(p);
        aw__wit_err(res, code, code == G_EDENIED ? "no network-outbound grant covers this host" : NULL);
        return;
    }
    aw__wit_park(self, g, p, 0, res, fetch_done, k);  /* the transfer has its own timeout */
}


aw_err aw__guest_wit_io_define(aw_runtime *rt)
{
    static const aw_wit_func fns[] = {
        {AW_WIT_IFACE("files"), "read", "func(path: string) -> result<list<u8>, " AW_WIT_T_ERROR ">", w_read, NULL},
        {AW_WIT_IFACE("files"), "write", "func(path: string, data: list<u8>, append: bool) -> result<_, " AW_WIT_T_ERROR ">", w_write, NULL},
        {AW_WIT_IFACE("files"), "list-dir", "func(path: string) -> result<list<string>, " AW_WIT_T_ERROR ">", w_list_dir, NULL},
        {AW_WIT_IFACE("files"), "stat", "func(path: string) -> result<record { size: u64, is-dir: bool, modified-ns: u64 }, " AW_WIT_T_ERROR ">", w_stat, NULL},
        {AW_WIT_IFACE("files"), "delete", "func(path: string) -> result<_, " AW_WIT_T_ERROR ">", w_delete, NULL},
        {AW_WIT_IFACE("http"), "fetch", "func(req: record { method: string, url: string, headers: list<tuple<string, string>>, body: list<u8>, timeout-ms: u32 }) -> result<record { status: u16, headers: list<tuple<string, string>>, body: list<u8> }, " AW_WIT_T_ERROR ">", NULL, w_fetch},
    };
    return aw_engine_define_wit(rt->engine, fns, sizeof fns / sizeof *fns);
}
