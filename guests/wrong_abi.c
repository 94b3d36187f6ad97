/* wrong_abi: a guest built for a future ABI (v7). The host must refuse it
 * with a message that says which version it found and which it speaks. */
#include <stdint.h>
#include <stdlib.h>

__attribute__((export_name("aw_abi_v7"))) void aw_abi_v7(void) {}
__attribute__((export_name("aw_alloc"))) void *aw_alloc(int32_t n) { return malloc((size_t)n); }
__attribute__((export_name("aw_handle"))) int32_t aw_handle(uint8_t *p, int32_t n) { (void)p; return n; }
