/* runtime.h - the runtime object shared by the API, the actors and the
 * scheduler. Private: the public handle is opaque. */
#ifndef AW_RUNTIME_H
#define AW_RUNTIME_H

#include "../registry/pubsub.h"
#include "../security/audit.h"
#include "../security/caps.h"
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
    atomic_bool shutting_down;
    /* supervision event subscribers (supervise/events.c) */
    pthread_mutex_t ev_mu;
    struct aw_ev_sub *ev_subs;
    size_t ev_n;
    uint64_t ev_seq, ev_next_id;
    struct aw_embedder_fn *embedder_fns;  /* host_ns.c */
    aw_audit *audit;         /* NULL: off */
    size_t http_inflight;    /* guest_http.c transfers (under mu) */
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
aw_err aw__guest_files_define(aw_runtime *rt);
aw_err aw__guest_wit_define(aw_runtime *rt);
/* Fail p with AW_ETIMEDOUT ("request timed out") after ms unless it is
 * answered first; the timer holds a reference, and its id is p->timer. */
void aw__pending_timeout(aw_runtime *rt, aw_pending *p, uint32_t ms);
/* A guest for actor `a` from spec (not attached to it), and its init and
 * start hooks run to completion on this thread. */
aw_err aw__make_guest(aw_runtime *rt, aw_actor *a, const aw_actor_spec *spec, bool async,
                      aw_guest **out);
aw_err aw__run_hooks(const aw_guest_class *cls, aw_guest *g, const uint8_t *config, size_t len);
/* Start an outbound HTTP exchange for a guest (guest_http.c); on a refusal
 * *code is set and nothing started, else `p` completes with the response. */
void aw__http_start(aw_actor *self, aw_pending *p, const uint8_t *req, size_t len,
                    uint32_t timeout_ms, int32_t *code);
void aw__http_wait(aw_runtime *rt);
bool aw__valid_name(const char *s);
/* Messaging security layer (guest_api.c): 0 or an AW_G_* refusal. */
int32_t aw__sec_check(aw_actor *self, aw_cap_kind op, const char *target, uint32_t len);
int32_t aw__sec_deny(aw_actor *self, aw_cap_kind op, const char *target, const char *why);
/* Spawn with a parent supervisor (or none); `out` (optional) gets a counted
 * ref. `async`: init and start run later in the actor's own turns (a worker
 * never waits on them); the actor then reports ready to its parent. */
aw_err aw__spawn_as(aw_runtime *rt, const aw_actor_spec *spec, aw_actor *parent,
                    uint32_t child_id, bool async, aw_actor **out);
/* A new guest for a down child: instantiate, then init and start (now, or
 * in its turns when `async`). */
aw_err aw__respawn(aw_runtime *rt, aw_actor *a, const aw_actor_spec *spec, bool async);
/* Count it live and register its name (undone on failure). */
aw_err aw__runtime_register(aw_runtime *rt, aw_actor *a);
void aw__request_stop(aw_actor *a, int reason);
uint64_t aw__clock(aw_runtime *rt);
void aw__events_init(aw_runtime *rt);
void aw__host_ns_free(aw_runtime *rt);
/* An audit record about an actor (its component, name and address). */
void aw__audit_actor(aw_actor *a, const char *op, const char *target, const char *decision,
                     const char *reason);
aw_err aw__host_ns_check(aw_runtime *rt, const char *comp, const uint8_t *bytes, size_t len,
                         const aw_grants *g);
void aw__events_free(aw_runtime *rt);

#endif
