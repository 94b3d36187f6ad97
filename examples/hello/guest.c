/* hello guest: replies "Hello, <message>!". Build:
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
 *         -I sdk/c examples/hello/guest.c sdk/c/airssys_guest.c -o hello.wasm */
#include <airssys_guest.h>
#include <stdio.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    char out[256];
    if (len > 200) return aw_fail("name too long");
    int n = snprintf(out, sizeof out, "Hello, %.*s!", (int)len, (const char *)msg);
    aw_log(AW_INFO, "greeting someone");
    return aw_reply(out, (size_t)n);
}
