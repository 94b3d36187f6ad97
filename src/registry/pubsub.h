/* pubsub.h - topic subscriptions with NATS-style wildcards.
 *
 * Topics are dot-separated tokens ("orders.eu.created"). A pattern token "*"
 * matches exactly one token; a final ">" matches one or more remaining
 * tokens. Subscriptions are (pattern, actor) pairs in an array under a
 * read-write lock: publishing takes the read side and scans, which is cheap
 * for the thousands of subscriptions a host has, and keeps matching exact.
 * A subscriber that stops or crashes is removed with all its patterns. */
#ifndef AW_PUBSUB_H
#define AW_PUBSUB_H

#include "../actor/actor.h"

typedef struct aw_sub {
    char *pattern;
    aw_actor *actor;   /* counted reference */
} aw_sub;

typedef struct aw_pubsub {
    pthread_rwlock_t lock;
    aw_sub *subs;
    size_t n, cap;
} aw_pubsub;

void aw_pubsub_init(aw_pubsub *ps);
void aw_pubsub_destroy(aw_pubsub *ps);
/* Validate a topic (no wildcards) or a pattern; sets the error detail. */
aw_err aw_topic_check(const char *s, size_t len, bool pattern);
bool aw_topic_match(const char *pattern, const char *topic, size_t topic_len);
aw_err aw_pubsub_subscribe(aw_pubsub *ps, aw_actor *a, const char *pattern, size_t len);
aw_err aw_pubsub_unsubscribe(aw_pubsub *ps, aw_actor *a, const char *pattern, size_t len);
void aw_pubsub_remove_actor(aw_pubsub *ps, aw_actor *a);
/* Counted refs to each distinct actor subscribed to `topic`; caller frees. */
size_t aw_pubsub_match(aw_pubsub *ps, const char *topic, size_t len, aw_actor ***out);

#endif
