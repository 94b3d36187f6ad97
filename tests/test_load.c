/* Integration: loading real guests, and refusing bad ones with clear errors. */
#include "testlib.h"

#include <stdlib.h>
#include <sys/stat.h>

static aw_runtime *rt;

static aw_err load_bytes(const char *name, const void *b, size_t n)
{
    aw_component *c = NULL;
    aw_err e = aw_component_load(rt, name, b, n, &c);
    aw_component_release(c);
    return e;
}

static void good_guests_load(void)
{
    const char *names[] = {"echo", "counter", "trap", "spin", "hello", "liar", "grow_bomb"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        aw_component *c = NULL;
        CHECK_ERR(aw_component_load_file(rt, tl_guest_path(names[i]), &c), AW_OK);
        if (!c) continue;
        CHECK(!strcmp(aw_component_name(c), names[i]));
        CHECK(aw_component_format(c) == AW_FORMAT_CORE_MODULE);
        aw_component_release(c);
    }
}

static void not_wasm(void)
{
    CHECK_ERR(load_bytes("junk", "not wasm at all", 15), AW_EFORMAT);
    CHECK_CONTAINS(aw_last_error(), "not a WebAssembly binary");
    CHECK_CONTAINS(aw_last_error(), "junk");
    CHECK_ERR(load_bytes("empty", "", 0), AW_EFORMAT);
    CHECK_ERR(load_bytes("elf", "\x7f" "ELF\2\1\1\0", 8), AW_EFORMAT);
    CHECK_CONTAINS(aw_last_error(), "ELF");
    CHECK_ERR(load_bytes("hdr", "\0asm\1\0", 6), AW_EFORMAT);
    CHECK_CONTAINS(aw_last_error(), "truncated");
    CHECK_ERR(load_bytes("v2", "\0asm\2\0\0\0", 8), AW_EFORMAT);
    CHECK_CONTAINS(aw_last_error(), "version");
}

static void truncated_wasm(void)
{
    size_t n;
    uint8_t *b = tl_read(tl_guest_path("echo"), &n);
    REQUIRE(b && n > 100);
    size_t cuts[] = {9, 20, n / 2, n - 1};
    for (size_t i = 0; i < 4; i++) {
        CHECK_ERR(load_bytes("cut", b, cuts[i]), AW_EFORMAT);
        CHECK_CONTAINS(aw_last_error(), "invalid WebAssembly module");
    }
    /* flip bytes in the code section: must be refused or load, never crash */
    for (size_t i = n / 4; i < n / 4 + 64; i++) {
        uint8_t *copy = malloc(n);
        memcpy(copy, b, n);
        copy[i] ^= 0xff;
        aw_err e = load_bytes("flip", copy, n);
        CHECK(e == AW_OK || e == AW_EFORMAT || e == AW_EABI || e == AW_ELINK);
        free(copy);
    }
    free(b);
}

static void abi_problems(void)
{
    aw_component *c = NULL;
    CHECK_ERR(aw_component_load_file(rt, tl_guest_path("no_handler"), &c), AW_EABI);
    CHECK_CONTAINS(aw_last_error(), "missing export aw_handle");
    CHECK_CONTAINS(aw_last_error(), "no_handler");
    CHECK_ERR(aw_component_load_file(rt, tl_guest_path("wrong_abi"), &c), AW_EABI);
    CHECK_CONTAINS(aw_last_error(), "built for guest ABI v7");
    CHECK_CONTAINS(aw_last_error(), "speaks v0");
    CHECK_ERR(aw_component_load_file(rt, tl_guest_path("bad_import"), &c), AW_ELINK);
    CHECK_CONTAINS(aw_last_error(), "env.secret");
    CHECK(c == NULL);
}

static void files_and_formats(void)
{
    aw_component *c = NULL;
    CHECK_ERR(aw_component_load_file(rt, "/definitely/missing.wasm", &c), AW_ENOENT);
    CHECK_ERR(aw_component_load_file(rt, "/tmp", &c), AW_EIO);
    CHECK_CONTAINS(aw_last_error(), "not a regular file");
    /* an empty component: valid Component Model, but not our world */
    CHECK_ERR(load_bytes("cm", "\0asm\x0d\0\1\0", 8), AW_EABI);
    CHECK_CONTAINS(aw_last_error(), "does not export the interface airssys:component/actor@0.1.0");
    CHECK_ERR(aw_component_load(rt, "x", NULL, 5, &c), AW_EINVAL);
}

static void inspect_reports_everything(void)
{
    size_t n;
    uint8_t *b = tl_read(tl_guest_path("echo"), &n);
    aw_inspect r;
    CHECK_ERR(aw_inspect_bytes(rt, b, n, &r), AW_OK);
    CHECK(r.format == AW_FORMAT_CORE_MODULE && r.conforms && r.abi_version == 0);
    int has_handle = 0, has_reply = 0;
    for (size_t i = 0; i < r.n_exports; i++) has_handle |= !strcmp(r.exports[i].name, "aw_handle");
    for (size_t i = 0; i < r.n_imports; i++)
        has_reply |= !strcmp(r.imports[i].module, "airssys") && !strcmp(r.imports[i].name, "reply");
    CHECK(has_handle && has_reply);
    aw_inspect_free(&r);
    free(b);

    b = tl_read(tl_guest_path("bad_import"), &n);
    CHECK_ERR(aw_inspect_bytes(rt, b, n, &r), AW_OK);
    CHECK(!r.conforms);
    CHECK_CONTAINS(r.problems, "env.secret");
    aw_inspect_free(&r);
    free(b);
    CHECK_ERR(aw_inspect_bytes(rt, (const uint8_t *)"nope", 4, &r), AW_EFORMAT);
    aw_inspect_free(&r);
}

int main(void)
{
    rt = tl_runtime(1, 8);
    RUN(good_guests_load);
    RUN(not_wasm);
    RUN(truncated_wasm);
    RUN(abi_problems);
    RUN(files_and_formats);
    RUN(inspect_reports_everything);
    aw_runtime_free(rt);
    return tl_finish();
}
