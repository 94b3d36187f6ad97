/* Pipeline stage 3 (C): aggregate. Sums the "value" of every item it gets
 * and counts them; a request "stats" answers "count=<n> sum=<s>". */
#include "actor_component.h"

#include <stdlib.h>
#include <string.h>

static unsigned long long count;
static long long sum;

/* The integer after "value": in a JSON object (no stdio, no JSON library). */
static bool value_of(const uint8_t *p, size_t n, long long *out)
{
    static const char key[] = "\"value\":";
    for (size_t i = 0; i + sizeof key - 1 <= n; i++) {
        if (memcmp(p + i, key, sizeof key - 1)) continue;
        size_t j = i + sizeof key - 1;
        while (j < n && p[j] == ' ') j++;
        bool neg = j < n && p[j] == '-';
        if (neg) j++;
        if (j >= n || p[j] < '0' || p[j] > '9') return false;
        long long v = 0;
        while (j < n && p[j] >= '0' && p[j] <= '9') v = v * 10 + (p[j++] - '0');
        *out = neg ? -v : v;
        return true;
    }
    return false;
}

static size_t put_num(char *dst, long long v)
{
    char tmp[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    size_t k = 0;
    if (v < 0) dst[k++] = '-';
    while (n) dst[k++] = tmp[--n];
    return k;
}

bool exports_airssys_component_actor_init(actor_component_list_u8_t *config,
                                          actor_component_string_t *err)
{
    (void)err;
    actor_component_list_u8_free(config);
    return true;
}

bool exports_airssys_component_actor_on_start(actor_component_string_t *err)
{
    (void)err;
    return true;
}

bool exports_airssys_component_actor_handle(exports_airssys_component_actor_message_t *msg,
                                            actor_component_option_list_u8_t *ret,
                                            actor_component_string_t *err)
{
    ret->is_some = false;
    bool ok = true;
    const actor_component_list_u8_t *p = &msg->payload;
    long long v;
    if (p->len == 5 && !memcmp(p->ptr, "stats", 5)) {
        char *out = malloc(64);
        size_t k = 0;
        memcpy(out, "count=", 6), k = 6;
        k += put_num(out + k, (long long)count);
        memcpy(out + k, " sum=", 5), k += 5;
        k += put_num(out + k, sum);
        ret->is_some = true;
        ret->val.ptr = (uint8_t *)out;
        ret->val.len = k;
    } else if (value_of(p->ptr, p->len, &v)) {
        count++;
        sum += v;
    } else {
        actor_component_string_dup(err, "item without an integer \"value\"");
        ok = false;
    }
    exports_airssys_component_actor_message_free(msg);
    return ok;
}

void exports_airssys_component_actor_on_stop(exports_airssys_component_actor_stop_reason_t reason)
{
    (void)reason;
}
