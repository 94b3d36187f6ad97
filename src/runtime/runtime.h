/* runtime.h - the runtime object shared by the API, the actors and the
 * scheduler. Private: the public handle is opaque. */
#ifndef AW_RUNTIME_H
#define AW_RUNTIME_H

#include "../registry/pubsub.h"
#include "../registry/registry.h"
#include "sched.h"
#include "timer.h"

struct aw_runtime {
    aw_runtime_config cfg;
    aw_engine *engine;
    aw_sched sched;
    aw_registry reg;
    aw_pubsub pubsub;
    aw_timers timers;
    pthread_mutex_t mu;      /* guards `live` */
    pthread_cond_t cv;
    size_t live;             /* actors not yet dead */
};

void aw__runtime_log(aw_runtime *rt, aw_log_level lvl, const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void aw__runtime_actor_dead(aw_runtime *rt);
/* Shared by the host API and the guest host functions. */
/* Look up `to` and enqueue `m` (taken on success). */
aw_err aw__deliver(aw_runtime *rt, const char *to, aw_msg *m);
aw_err aw__publish(aw_runtime *rt, const char *topic, size_t topic_len, const void *msg,
                   size_t len, aw_publish_result *out);
aw_err aw__guest_api_define(aw_runtime *rt);

#endif
