/* hostile/bomb: allocates and touches memory until the host says no, then
 * keeps asking (a well-behaved allocator would give up). */
#include <airssys_guest.h>
#include <string.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    (void)msg; (void)len;
    for (;;) {
        if (__builtin_wasm_memory_grow(0, 1) == (size_t)-1) __builtin_trap();  /* a page at a time */
    }
}
