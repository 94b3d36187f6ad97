/* host.h - the long-running host behind `airssys-wasm up`.
 *
 * up.c owns the process: it loads the manifest, starts the runtime and the
 * deployment, keeps a ring of recent log and audit lines, and serves the
 * admin socket with one thread per connection. admin_cmds.c holds what
 * each admin command does. */
#ifndef AW_CLI_HOST_H
#define AW_CLI_HOST_H

#include "admin.h"
#include "cli.h"
#include "airssys/manifest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define HOST_LOG_RING 2048      /* lines kept for `logs` */
#define HOST_MAX_CONNS 32       /* admin connections served at once */
#define HOST_MAX_TIMEOUT_MS 600000

typedef struct host {
    aw_runtime *rt;
    aw_manifest *manifest;
    aw_deployment *dep;
    pthread_mutex_t mu;          /* the deployment and `spawned` */
    char **spawned;              /* actors started by `deploy --spawn` */
    size_t n_spawned;
    atomic_bool quit;
    int wake[2];                 /* self-pipe: signals and `down` wake the accept loop */
    atomic_int conns;
    int conn_fd[HOST_MAX_CONNS];  /* open connections (-1: free), under conn_mu */
    pthread_mutex_t conn_mu;
    /* log ring: "time\tsource\tlevel\tactor\tmessage" lines */
    pthread_mutex_t log_mu;
    pthread_cond_t log_cv;
    char *ring[HOST_LOG_RING];
    uint64_t log_seq;            /* lines ever added; the ring holds the last ones */
    bool echo;                   /* also print log lines on stderr */
    aw_log_level echo_level;
} host;

/* Add a line to the ring (and echo it). `source`: "guest", "runtime", "audit". */
void host_log(host *h, const char *source, aw_log_level lvl, const char *actor, const char *msg,
              size_t len);
/* Serve one request on fd (the reply, or a stream for `logs --follow`). */
void host_handle(host *h, int fd, const adm_msg *req);
/* Ask the host to shut down (async-signal-safe). */
void host_request_quit(host *h);

#endif
