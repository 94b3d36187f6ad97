/* no_handler: claims ABI v0 and exports the allocator but not aw_handle.
 * Written without the SDK on purpose: loading it must fail with a message
 * naming the missing export. */
#include <stdint.h>
#include <stdlib.h>

__attribute__((export_name("aw_abi_v0"))) void aw_abi_v0(void) {}
__attribute__((export_name("aw_alloc"))) void *aw_alloc(int32_t n) { return malloc((size_t)n); }
