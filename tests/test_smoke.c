#include "testlib.h"
int main(void)
{
    aw_runtime *rt = tl_runtime(2, 16);
    aw_component *c = tl_load(rt, "echo");
    CHECK_ERR(aw_spawn(rt, &(aw_actor_spec){.name = "e", .component = c}), AW_OK);
    aw_reply r;
    CHECK_ERR(aw_request(rt, "e", "hi", 2, 5000, &r), AW_OK);
    CHECK(r.len == 2 && !memcmp(r.data, "hi", 2));
    aw_reply_free(&r);
    aw_component_release(c);
    aw_runtime_free(rt);
    return tl_finish();
}
