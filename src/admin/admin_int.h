/* admin_int.h - the state behind an aw_admin (include/airssys/admin.h).
 *
 * server.c owns the socket, the accept thread, one thread per connection
 * and the ring of recent log lines; commands.c holds what each admin
 * command does. Commands reach the runtime only through the public API,
 * which is thread-safe; `mu` guards the deployment pointer and the list of
 * actors that `deploy --spawn` started. */
#ifndef AW_ADMIN_INT_H
#define AW_ADMIN_INT_H

#include "airssys/admin.h"
#include "proto.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define ADMIN_MAX_TIMEOUT_MS 600000u

struct aw_admin {
    aw_runtime *rt;
    aw_deployment *dep;          /* NULL once closed */
    aw_deployment *own_dep;      /* made by serve when none was given */
    pthread_mutex_t mu;          /* dep, spawned */
    char **spawned;              /* actors started by `deploy --spawn` */
    size_t n_spawned;
    void (*on_down)(void *ud);
    void *on_down_ud;
    /* the socket */
    char *path;
    int lfd;
    int wake[2];                 /* wakes the accept thread to close */
    pthread_t acceptor;
    bool serving, closed;
    uint64_t events_id;          /* its supervision-event subscription (0: none) */
    atomic_bool quit;
    /* connections */
    uint32_t max_conns;
    atomic_int conns;
    int *conn_fd;                /* open connections (-1: free), under conn_mu */
    pthread_mutex_t conn_mu;
    /* log ring: "time\tsource\tlevel\tactor\tmessage" lines */
    pthread_mutex_t log_mu;
    pthread_cond_t log_cv;
    char **ring;
    uint32_t ring_cap;
    uint64_t log_seq;            /* lines ever added; the ring holds the last ones */
};

/* Add a line to the ring. `source`: "guest", "runtime", "audit". */
void aw__admin_log(aw_admin *ad, const char *source, aw_log_level lvl, const char *actor,
                   const char *msg, size_t len);
/* Serve one request on fd (the reply, or a stream for `logs --follow`). */
void aw__admin_handle(aw_admin *ad, int fd, const adm_msg *req);

#endif
