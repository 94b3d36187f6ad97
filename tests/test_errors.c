/* Unit tests: error names, messages and the per-thread detail. */
#include "testlib.h"

static void names_and_messages(void)
{
    CHECK(!strcmp(aw_err_name(AW_OK), "AW_OK"));
    CHECK(!strcmp(aw_err_name(AW_ETRAP), "AW_ETRAP"));
    CHECK(!strcmp(aw_strerror(AW_EFULL), "mailbox full"));
    for (int e = 0; e < AW_ERR_COUNT_; e++) {
        CHECK(!strncmp(aw_err_name((aw_err)e), "AW_", 3));
        CHECK(strlen(aw_strerror((aw_err)e)) > 3);
    }
    CHECK(!strcmp(aw_err_name((aw_err)9999), "AW_E?"));
    CHECK(!strcmp(aw_strerror((aw_err)-1), "unknown error"));
}

static void detail_is_set_and_cleared(void)
{
    aw_runtime_config cfg;
    aw_runtime_config_init(&cfg);
    cfg.max_instances = 0;
    aw_runtime *rt = NULL;
    CHECK_ERR(aw_runtime_new(&cfg, &rt), AW_EINVAL);
    CHECK(rt == NULL);
    CHECK_CONTAINS(aw_last_error(), "max_instances");
    rt = tl_runtime(1, 4);
    aw_component *c = NULL;
    CHECK_ERR(aw_component_load_file(rt, "/nonexistent/x.wasm", &c), AW_ENOENT);
    CHECK_CONTAINS(aw_last_error(), "/nonexistent/x.wasm");
    CHECK_ERR(aw_send(rt, "nobody", "x", 1), AW_ENOENT);
    CHECK_CONTAINS(aw_last_error(), "nobody");
    c = tl_load(rt, "echo");
    CHECK(!strcmp(aw_last_error(), ""));  /* success clears it */
    aw_component_release(c);
    aw_runtime_free(rt);
}

int main(void)
{
    RUN(names_and_messages);
    RUN(detail_is_set_and_cleared);
    return tl_finish();
}
