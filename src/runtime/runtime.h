/* runtime.h - the runtime object shared by the API, the actors and the
 * scheduler. Private: the public handle is opaque. */
#ifndef AW_RUNTIME_H
#define AW_RUNTIME_H

#include "../registry/registry.h"
#include "sched.h"

struct aw_runtime {
    aw_runtime_config cfg;
    aw_engine *engine;
    aw_sched sched;
    aw_registry reg;
    pthread_mutex_t mu;      /* guards `live` */
    pthread_cond_t cv;
    size_t live;             /* actors not yet dead */
};

void aw__runtime_log(aw_runtime *rt, aw_log_level lvl, const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void aw__runtime_actor_dead(aw_runtime *rt);

#endif
