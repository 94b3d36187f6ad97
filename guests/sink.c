/* sink: accepts every message and replies nothing. The throughput benchmark
 * measures the framework's cost per message with a handler that does no work. */
#include <airssys_guest.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    (void)msg;
    (void)len;
    return 0;
}
