/* hostile/liar: lies to the host about pointers and lengths. Message
 * "reply" passes a range past the end of its memory to airssys.reply,
 * "name" a 100000-byte name to airssys.send, "wrap" a pointer+length that
 * wraps around 4 GiB. */
#include <airssys_guest.h>
#include <string.h>

__attribute__((import_module("airssys"), import_name("reply")))
int32_t liar_reply(uint32_t ptr, int32_t len);
__attribute__((import_module("airssys"), import_name("send")))
int32_t liar_send(uint32_t to, int32_t to_len, uint32_t msg, int32_t len);

int aw_on_message(const uint8_t *msg, size_t len)
{
    if (len == 5 && !memcmp(msg, "reply", 5)) return liar_reply(0x7ffffff0u, 4096);
    if (len == 4 && !memcmp(msg, "name", 4)) return liar_send(1024, 100000, 0, 1);
    if (len == 4 && !memcmp(msg, "wrap", 4)) return liar_reply(0xfffffff0u, 0x20);
    return aw_fail("unknown lie");
}
