/* echo: replies with the message it got. The smallest useful component. */
#include <airssys_guest.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    return aw_reply(msg, len);
}
