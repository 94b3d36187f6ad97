/* hostile/ungranted: imports an embedder's host function (the host
 * registers GameAPI.weapons.fire) that its component may not have been
 * granted. Loading it without host(GameAPI.weapons) must fail; with the
 * grant, "fire" calls it and replies the result. */
#include <airssys_guest.h>
#include <stdio.h>

__attribute__((import_module("GameAPI.weapons"), import_name("fire")))
int32_t weapons_fire(int32_t power);

int aw_on_message(const uint8_t *msg, size_t len)
{
    (void)msg;
    int32_t r = weapons_fire((int32_t)len);
    char out[16];
    int k = snprintf(out, sizeof out, "%d", r);
    return aw_reply(out, (size_t)k);
}
