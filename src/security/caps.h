/* caps.h - capabilities: what a component was granted at load time, and
 * the per-message checks (authorization, size, rate) on guest messaging.
 *
 * Deny by default: a component loaded without grants may log, reply and
 * read its own name, nothing else. Grants are strings, parsed once at load
 * (docs/capabilities.md has the grammar):
 *   messaging(send=<names>, publish=<topics>, subscribe=<topics>)
 *   file-read(<glob>)  file-write(<glob>)  network-outbound(<host>[:<port>])
 *   host(<namespace>)  (host functions an embedder registered)
 * A check runs on the sender's own worker, so its rate bucket needs no
 * atomics. */
#ifndef AW_CAPS_H
#define AW_CAPS_H

#include "../common/common.h"

#include <airssys/airssys.h>

typedef enum aw_cap_kind {
    AW_CAP_SEND = 0, AW_CAP_PUBLISH, AW_CAP_SUBSCRIBE, AW_CAP_FILE_READ, AW_CAP_FILE_WRITE,
    AW_CAP_NET, AW_CAP_HOST, AW_CAP_KINDS
} aw_cap_kind;

typedef struct aw_grants {
    char **pat[AW_CAP_KINDS];    /* patterns per kind */
    size_t n[AW_CAP_KINDS];
    size_t *prefix;              /* per send pattern: its length before a final '*' when
                                  * that is its only wildcard, else SIZE_MAX */
    char **text;                 /* the grants as given (normalized), for inspect */
    size_t n_text;
    uint32_t max_message_bytes;  /* per message this component sends */
    double rate_per_s, burst;    /* token bucket per sending actor */
} aw_grants;

/* Parse grant strings; a bad one is AW_EINVAL naming it and why. */
aw_err aw_grants_parse(const char *component, const char *const *grants, size_t n,
                       uint32_t max_message_bytes, uint32_t rate_per_s, uint32_t burst,
                       aw_grants **out);
void aw_grants_free(void *g);

/* Is `target` (an actor name or topic) within a grant of `kind`? For
 * AW_CAP_SUBSCRIBE, `target` is the pattern asked for, and it must be
 * covered by a granted pattern. */
bool aw_grants_allow(const aw_grants *g, aw_cap_kind kind, const char *target);

/* Glob over names: '*' any run of characters, '?' one, [abc] / [a-z] / [!a]
 * a class. With `slash` set, '*' and '?' stop at '/' and '**' crosses it
 * (file paths). */
bool aw_glob_match(const char *pat, const char *s, bool slash);

typedef struct aw_bucket { double tokens; uint64_t last_ns; bool init; } aw_bucket;

/* Take one token; false when the sender is over its rate. */
bool aw_bucket_take(aw_bucket *b, const aw_grants *g, uint64_t now_ns);

#endif
