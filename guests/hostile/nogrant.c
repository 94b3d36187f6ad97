/* hostile/nogrant: tries every messaging operation it may not have been
 * granted and replies the codes: "send=<c> request=<c> publish=<c>
 * subscribe=<c>". */
#include <airssys_guest.h>
#include <stdio.h>
#include <stdlib.h>

int aw_on_message(const uint8_t *msg, size_t len)
{
    (void)msg; (void)len;
    uint8_t *r = NULL;
    size_t rl = 0;
    int s = aw_send("victim", "steal", 5);
    int q = aw_request("victim", "steal", 5, 1000, &r, &rl);
    free(r);
    int p = aw_publish("secret.keys", "x", 1);
    int b = aw_subscribe(">");
    char out[96];
    int k = snprintf(out, sizeof out, "send=%d request=%d publish=%d subscribe=%d", s, q, p, b);
    return aw_reply(out, (size_t)k);
}
