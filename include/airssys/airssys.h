/* airssys.h - public API of airssys-wasm.
 *
 * A runtime (aw_runtime) owns one Wasmtime engine and a fixed pool of worker
 * threads. Components (aw_component) are compiled WebAssembly guests that can
 * be spawned any number of times; each spawn is an actor with a name and a
 * bounded mailbox, and the workers run actors that have mail (M:N).
 *
 * Conventions: every function that can fail returns an aw_err; AW_OK is 0.
 * After a failure, aw_last_error() on the same thread gives a sentence saying
 * what failed, where and why. Handles are opaque; plain structs (specs,
 * configs, replies) are owned by the caller. */
#ifndef AIRSSYS_H
#define AIRSSYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AW_VERSION_MAJOR 0
#define AW_VERSION_MINOR 1
#define AW_VERSION_PATCH 0
#define AW_GUEST_ABI_VERSION 0 /* the core-module guest ABI this host speaks */

/* ---- errors ------------------------------------------------------------ */

#define AW_ERRNO_MAP(X)                                                        \
    X(OK, "success")                                                           \
    X(EINVAL, "invalid argument")                                              \
    X(ENOMEM, "out of memory")                                                 \
    X(EIO, "input/output error")                                               \
    X(ENOENT, "no such file or actor")                                         \
    X(EEXIST, "name already in use")                                           \
    X(EFORMAT, "not a valid WebAssembly binary")                               \
    X(EABI, "guest does not conform to the airssys guest ABI")                 \
    X(ELINK, "guest imports something the host does not provide")             \
    X(ETRAP, "guest trapped")                                                  \
    X(EDEADLINE, "guest exceeded its CPU deadline")                            \
    X(EGUEST, "guest handler returned an error")                               \
    X(ETIMEDOUT, "timed out")                                                  \
    X(EFULL, "mailbox full")                                                   \
    X(ESTOPPED, "actor stopped")                                               \
    X(ETOOBIG, "payload too large")                                            \
    X(ELIMIT, "resource limit reached")                                        \
    X(ENOTSUP, "not supported")                                                \
    X(EENGINE, "engine error")                                                 \
    X(EEXIT, "guest asked to exit")                                            \
    X(EINTENSITY, "restart intensity exceeded")                                \
    X(EDENIED, "not granted by the component's capabilities")

typedef enum aw_err {
#define AW_ERR_ENUM(name, msg) AW_##name,
    AW_ERRNO_MAP(AW_ERR_ENUM)
#undef AW_ERR_ENUM
    AW_ERR_COUNT_
} aw_err;

const char *aw_err_name(aw_err err);  /* "AW_ETRAP" */
const char *aw_strerror(aw_err err);  /* "guest trapped" */
/* Detail of the last failure on this thread (never NULL; "" if none). */
const char *aw_last_error(void);

/* ---- runtime ----------------------------------------------------------- */

typedef struct aw_runtime aw_runtime;

typedef enum aw_log_level {
    AW_LOG_TRACE = 0, AW_LOG_DEBUG, AW_LOG_INFO, AW_LOG_WARN, AW_LOG_ERROR
} aw_log_level;

/* Who wrote a log line: a guest (through its log import) or the runtime
 * (crashes, undelivered mail, failed hooks). */
typedef enum aw_log_source { AW_LOG_GUEST = 0, AW_LOG_RUNTIME } aw_log_source;

/* Log sink. `actor` is the actor concerned, or NULL. Called from workers,
 * the timer thread and spawning threads: must be thread-safe and must not
 * block for long. */
typedef void (*aw_log_fn)(void *ud, aw_log_level level, aw_log_source source,
                          const char *actor, const char *msg, size_t len);

/* Why an actor ended, as told to aw_runtime_config.on_exit. */
typedef enum aw_exit_reason {
    AW_EXIT_NORMAL = 0,  /* aw_stop: on-stop ran */
    AW_EXIT_SHUTDOWN,    /* the runtime shut down */
    AW_EXIT_CRASH,       /* trap, CPU deadline, ABI violation, ... (see error) */
    AW_EXIT_KILLED       /* did not stop within the shutdown grace period */
} aw_exit_reason;

typedef struct aw_exit {
    const char *actor;
    uint64_t addr;          /* the aw_addr it had */
    aw_exit_reason reason;
    aw_err error;           /* AW_OK for a stop; the crash's code; AW_ESTOPPED if killed */
    const char *detail;     /* the crash detail, or NULL */
} aw_exit;

/* Called on a worker thread after an actor has ended and released its name. */
typedef void (*aw_exit_fn)(void *ud, const aw_exit *e);

typedef struct aw_runtime_config {
    unsigned workers;            /* worker threads; 0 = online CPUs */
    uint32_t max_instances;      /* pooled instance slots (live actors) */
    uint64_t max_memory_bytes;   /* linear memory cap per actor */
    uint32_t mailbox_capacity;   /* default per actor */
    uint32_t max_message_bytes;  /* message and reply size cap */
    uint32_t handler_deadline_ms;/* CPU time one message may use (0 = none) */
    uint32_t time_slice_ms;      /* guest runs this long before yielding */
    uint32_t batch;              /* messages per actor turn (fairness) */
    uint32_t max_wasm_stack;     /* guest call stack, bytes; 0 = 512 KiB (64..768 KiB).
                                  * Engine-wide: Wasmtime sets it per engine */
    uint64_t fuel;               /* optional: fuel (~wasm instructions) each instance may
                                  * burn in its life; 0 = unmetered. Out of fuel: a crash
                                  * (AW_ELIMIT), so a supervisor restarts it with a new budget */
    const char *cache_dir;       /* compiled-code cache; NULL = default */
    bool no_cache;               /* disable the compiled-code cache */
    aw_log_fn log;               /* NULL = stderr at >= log_level */
    void *log_ud;
    aw_log_level log_level;
    aw_exit_fn on_exit;          /* optional: every actor's end, with its reason */
    void *on_exit_ud;
    /* Audit trail (JSON lines): any of a file (appended), stderr, a callback;
     * none = off. The callback runs on the audit thread. */
    const char *audit_path;
    bool audit_stderr;
    void (*audit_cb)(void *ud, const char *line, size_t len);
    void *audit_ud;
    /* Time source for supervision (restart intensity, backoff reset, event
     * times), in ns; NULL = CLOCK_MONOTONIC. Tests inject a virtual clock. */
    uint64_t (*clock)(void *ud);
    void *clock_ud;
} aw_runtime_config;

void aw_runtime_config_init(aw_runtime_config *cfg);
aw_err aw_runtime_new(const aw_runtime_config *cfg, aw_runtime **out);
/* Stops every actor (running on-stop hooks), fails pending requests with
 * AW_ESTOPPED, joins the workers and frees everything. */
void aw_runtime_free(aw_runtime *rt);

/* ---- components -------------------------------------------------------- */

typedef struct aw_component aw_component;

typedef enum aw_format {
    AW_FORMAT_UNKNOWN = 0, AW_FORMAT_CORE_MODULE, AW_FORMAT_COMPONENT
} aw_format;

const char *aw_format_name(aw_format f);

/* Compile and check a guest. `name` labels it in errors and logs (for a
 * file, its base name is used). Fails with AW_EFORMAT, AW_EABI or AW_ELINK
 * and a detail naming what is wrong. The component is reference counted:
 * actors spawned from it keep it alive. */
aw_err aw_component_load(aw_runtime *rt, const char *name, const uint8_t *bytes,
                         size_t len, aw_component **out);
aw_err aw_component_load_file(aw_runtime *rt, const char *path, aw_component **out);
void aw_component_release(aw_component *c);

/* Capabilities are granted per component at load time; without grants a
 * guest may only log, reply and read its own name (deny by default). Grant
 * strings (docs/capabilities.md):
 *   "messaging(send=worker.*, publish=events.>, subscribe=events.>)"
 *   "file-read(/data/...)" with globs: * one segment, ** any, ? and [a-z]
 *   "network-outbound(*.example.com:443)"  "host(GameAPI.weapons)" */
typedef struct aw_load_options {
    const char *const *grants;
    size_t n_grants;
    uint32_t max_message_bytes;  /* largest message its actors may send; 0 = runtime's (1 MiB) */
    uint32_t rate_per_s;         /* messages per second per actor; 0 = 1000 */
    uint32_t rate_burst;         /* bucket size; 0 = 1000 */
    /* Resource limits for its instances; 0 = the runtime's. They may only
     * be tighter than the runtime's (the engine reserves for those). */
    uint64_t max_memory_bytes;   /* linear memory cap */
    uint32_t max_table_elements; /* table size cap */
    uint32_t handler_deadline_ms;/* CPU time per message (a spawn spec may override) */
    uint64_t fuel;               /* lifetime fuel per instance; needs aw_runtime_config.fuel */
    /* WASI preview 1 in full instead of WASI-lite: its filesystem sees only
     * the directories a file-read grant covers whole ("/data/" then a double star),
     * read-write where a file-write grant covers them too. No args, env,
     * sockets. Stdout/stderr become log lines. */
    bool wasi;
} aw_load_options;

aw_err aw_component_load_opts(aw_runtime *rt, const char *name, const uint8_t *bytes,
                              size_t len, const aw_load_options *opt, aw_component **out);
aw_err aw_component_load_file_opts(aw_runtime *rt, const char *path,
                                   const aw_load_options *opt, aw_component **out);
/* Embedder host functions under a namespace (the wasm import module), e.g.
 * ("GameAPI.weapons", "fire", "ii", "i"). Types: up to 16 of 'i' (i32) or
 * 'I' (i64) and at most one result. A guest may import them only when its
 * component was granted host(<namespace pattern>); otherwise loading it
 * fails with AW_ELINK naming the import. Register before loading guests.
 * The callback runs on a worker with the calling actor's name. */
typedef int64_t (*aw_host_fn)(void *ud, const char *actor, const int64_t *args, size_t nargs);
aw_err aw_host_register(aw_runtime *rt, const char *ns, const char *name, const char *params,
                        const char *results, aw_host_fn fn, void *ud);

/* The grants as given at load; the array lives as long as the component. */
size_t aw_component_grants(const aw_component *c, const char *const **out);
const char *aw_component_name(const aw_component *c);
aw_format aw_component_format(const aw_component *c);

/* ---- inspection -------------------------------------------------------- */

typedef struct aw_inspect_item {
    char *module;  /* import module (NULL for exports) */
    char *name;
    char *type;    /* "func (i32, i32) -> i32", "memory 2..", ... */
} aw_inspect_item;

typedef struct aw_inspect {
    aw_format format;
    size_t size;
    aw_inspect_item *imports; size_t n_imports;
    aw_inspect_item *exports; size_t n_exports;
    int abi_version;          /* -1 when no aw_abi_v<N> marker */
    bool conforms;            /* loadable by this host as an actor */
    char *problems;           /* one problem per line; "" when conforms */
    char *wit;                /* a component's imports and exports as WIT-like text, else NULL */
} aw_inspect;

/* Works on any bytes: a guest that does not conform still gets a report. */
aw_err aw_inspect_bytes(aw_runtime *rt, const uint8_t *bytes, size_t len, aw_inspect *out);
void aw_inspect_free(aw_inspect *r);

/* ---- native actors ------------------------------------------------------ */

/* A native actor is C code run by the same workers, with the same mailbox,
 * lifecycle and messaging as a guest; it is trusted (no sandbox). Callbacks
 * run on a worker thread, one at a time per actor, and must not block. */
typedef struct aw_ctx aw_ctx;

typedef struct aw_native_actor {
    /* Optional. Runs on the spawner's thread; non-zero refuses to start. */
    int (*on_start)(aw_ctx *ctx, const uint8_t *config, size_t len);
    /* Required. Returns 0, or a non-zero status that fails the message (the
     * reply bytes, if any, are then the error text). */
    int (*on_message)(aw_ctx *ctx, const uint8_t *msg, size_t len);
    /* Optional. reason: AW_STOP_NORMAL or AW_STOP_SHUTDOWN. */
    void (*on_stop)(aw_ctx *ctx, int reason);
    void *state;                 /* handed back through aw_ctx_state() */
} aw_native_actor;

#define AW_STOP_NORMAL 0
#define AW_STOP_SHUTDOWN 1

void *aw_ctx_state(aw_ctx *ctx);
const char *aw_ctx_self(aw_ctx *ctx);
aw_runtime *aw_ctx_runtime(aw_ctx *ctx);
/* Topic of the message being handled when it came from a publish, else NULL. */
const char *aw_ctx_topic(aw_ctx *ctx);
/* Reply to the message being handled (copied; at most once). */
aw_err aw_ctx_reply(aw_ctx *ctx, const void *data, size_t len);

/* ---- actors ------------------------------------------------------------ */

typedef struct aw_actor_spec {
    const char *name;           /* unique; NULL = component name */
    aw_component *component;    /* a WASM guest, or ... */
    const aw_native_actor *native; /* ... native callbacks (copied); exactly one */
    const uint8_t *config;      /* passed to the guest's init export */
    size_t config_len;
    uint32_t mailbox_capacity;  /* 0 = runtime default */
    uint32_t handler_deadline_ms;/* 0 = runtime default, AW_NO_DEADLINE = none */
} aw_actor_spec;

#define AW_NO_DEADLINE UINT32_MAX

typedef enum aw_actor_state {
    AW_ACTOR_STARTING = 0, AW_ACTOR_RUNNING, AW_ACTOR_STOPPING, AW_ACTOR_STOPPED,
    AW_ACTOR_CRASHED,
    AW_ACTOR_RESTARTING  /* supervised: between an exit and its replacement */
} aw_actor_state;

const char *aw_actor_state_name(aw_actor_state s);

/* Instantiate the component, run its init and on-start hooks, register it
 * under spec->name. On failure nothing is registered. */
aw_err aw_spawn(aw_runtime *rt, const aw_actor_spec *spec);

/* An actor's address: unique for the runtime's life (a generation and a
 * slot), so an address kept after its actor stopped fails with AW_ENOENT
 * instead of reaching whoever took the slot. Sending by address skips the
 * name lookup. */
typedef uint64_t aw_addr;

aw_err aw_lookup(aw_runtime *rt, const char *name, aw_addr *out);
aw_err aw_send_addr(aw_runtime *rt, aw_addr to, const void *msg, size_t len);

/* Fire and forget. Fails with AW_ENOENT (no such actor), AW_EFULL (mailbox
 * full), AW_ESTOPPED (actor stopping) or AW_ETOOBIG; never drops silently. */
aw_err aw_send(aw_runtime *rt, const char *to, const void *msg, size_t len);

typedef struct aw_reply {
    uint8_t *data;      /* reply bytes (malloc'd) or NULL */
    size_t len;
    int32_t status;     /* guest status: 0 ok, else the guest's error code */
} aw_reply;

/* Send and wait up to timeout_ms (0 = forever) for the reply. On AW_EGUEST
 * the reply holds the guest's error text and status. If handling this
 * request crashes the actor, it fails with the crash's code (AW_ETRAP,
 * AW_EDEADLINE, AW_EABI for a guest that breaks the ABI, AW_ELIMIT for a
 * guest out of memory); requests queued behind a crash or a stop fail at
 * once with AW_ESTOPPED rather than by timeout. */
aw_err aw_request(aw_runtime *rt, const char *to, const void *msg, size_t len,
                  uint32_t timeout_ms, aw_reply *out);
void aw_reply_free(aw_reply *r);

/* Like aw_send, but when the mailbox is full wait up to timeout_ms (0 =
 * forever) for room: backpressure for host producers. */
aw_err aw_send_wait(aw_runtime *rt, const char *to, const void *msg, size_t len,
                    uint32_t timeout_ms);

/* ---- publish / subscribe ------------------------------------------------
 * Topics are dot-separated tokens ("orders.eu.created"). In a pattern, "*"
 * matches one token and a final ">" one or more ("orders.*.created",
 * "orders.>"). An actor is removed from every topic when it stops. */
aw_err aw_subscribe(aw_runtime *rt, const char *actor, const char *pattern);
aw_err aw_unsubscribe(aw_runtime *rt, const char *actor, const char *pattern);

typedef struct aw_publish_result {
    size_t matched;    /* subscribers whose pattern matched */
    size_t delivered;  /* of those, how many accepted the message */
} aw_publish_result;

/* Deliver a copy to every matching subscriber (once per actor). When some
 * could not take it (mailbox full, stopping), returns that error with the
 * names in aw_last_error(); `out` (optional) has the counts whenever the
 * arguments were valid. */
aw_err aw_publish(aw_runtime *rt, const char *topic, const void *msg, size_t len,
                  aw_publish_result *out);

/* ---- timers ------------------------------------------------------------- */

typedef uint64_t aw_timer_id;

/* Send `msg` to `to` after delay_ms. If the actor is gone (or full) by then,
 * the failure is logged as a warning; timers still pending when the runtime
 * is freed are dropped with a warning too. */
aw_err aw_send_after(aw_runtime *rt, const char *to, const void *msg, size_t len,
                     uint32_t delay_ms, aw_timer_id *out);
/* AW_ENOENT when the timer already fired or never existed. */
aw_err aw_timer_cancel(aw_runtime *rt, aw_timer_id id);

/* Graceful stop: the guest's on-stop hook runs after the mail already
 * queued; later sends fail with AW_ESTOPPED. Waits until it has stopped. */
aw_err aw_stop(aw_runtime *rt, const char *name);

/* State of a live actor. A stopped or crashed actor has released its name,
 * so asking for it fails with AW_ENOENT. */
aw_err aw_actor_state_of(aw_runtime *rt, const char *name, aw_actor_state *out);

/* ---- hot upgrade ------------------------------------------------------------
 * Replace the code of a running actor with `comp` (a core module or a WIT
 * component, either way round) without stopping it. The new version is
 * instantiated and its init (with `config`) and start hooks run first; if
 * any of that fails, the old version goes on serving and the error says
 * why. Then the switch happens between two messages: messages queued
 * before this call are handled by the old version, later ones by the new,
 * none twice, none lost; the old version's on-stop hook runs at the switch.
 * Name, address, mailbox and subscriptions stay. A supervised child's spec
 * follows: its later restarts start the new version. Returns once the new
 * version serves. */
typedef struct aw_upgrade_options {
    const uint8_t *config;  /* for the new version's init hook */
    size_t config_len;
    /* Hand the state over: the old version's snapshot (core: export
     * aw_snapshot, replying the bytes; WIT: state.snapshot) is given to the
     * new version's restore (aw_restore(ptr, len) / state.restore) at the
     * switch. If either is missing, fails or traps, the upgrade is called off
     * and the old version keeps serving. */
    bool handoff;
    /* out: how long the actor served no message for the switch (snapshot,
     * restore, the old version's on-stop and the swap), in ns */
    uint64_t switch_ns;
} aw_upgrade_options;
aw_err aw_upgrade(aw_runtime *rt, const char *name, aw_component *comp,
                  aw_upgrade_options *opt);  /* in and out; may be NULL */

/* ---- routes ------------------------------------------------------------------
 * A route is a name ("/payment", "orders.v1") that passes each message sent
 * to it on to one of its target actors by weight (smooth round-robin: 90/10
 * gives nine of every ten to the first). Send or request to it like to an
 * actor; a request's reply comes straight from the target. A change of
 * targets is atomic: each message is routed once, by the old table or the
 * new. See docs/deploy.md. */
typedef struct aw_route_target {
    const char *actor;   /* an existing actor (a weight of 0 may name one not yet there) */
    uint32_t weight;
} aw_route_target;
aw_err aw_route_create(aw_runtime *rt, const char *route, const aw_route_target *t, size_t n);
/* Blue-green ({new, 1}) or canary ({old, 90}, {new, 10}) switch. */
aw_err aw_route_set(aw_runtime *rt, const char *route, const aw_route_target *t, size_t n);
/* Drain a version: it takes no new message from the route, handles what it
 * has queued, then stops (as aw_stop). Refused for the last weighted one. */
aw_err aw_route_remove_version(aw_runtime *rt, const char *route, const char *actor);

/* ---- pipelines ---------------------------------------------------------------
 * Stages declared as data: an item goes to the first stage's actor as a
 * request, each stage's reply is the next one's input, the last reply
 * answers the caller. The runtime drives it (no thread of its own). At most
 * max_in_flight items are inside at once: senders wait for a slot, so they
 * go at the pace of the slowest stage. Every accepted item ends completed
 * or failed, and is counted. See docs/deploy.md. */
typedef struct aw_pipeline aw_pipeline;
typedef enum aw_pipe_policy {
    AW_PIPE_SKIP = 0,     /* a failed item is counted and its caller told; the rest go on */
    AW_PIPE_STOP,         /* the same, and the pipeline takes no new item (AW_ESTOPPED) */
    AW_PIPE_DEAD_LETTER   /* the same as skip, and its input to the failing stage is published */
} aw_pipe_policy;
typedef struct aw_pipe_stage {
    const char *actor;    /* by name: a supervised actor may restart underneath */
    uint32_t timeout_ms;  /* an item not answered by then fails; 0 = none */
} aw_pipe_stage;
typedef struct aw_pipeline_spec {
    const char *name;
    const aw_pipe_stage *stages;
    size_t n_stages;
    aw_pipe_policy on_error;
    const char *dead_letter_topic;  /* for AW_PIPE_DEAD_LETTER */
    uint32_t max_in_flight;         /* 0 = 256 */
} aw_pipeline_spec;
typedef struct aw_pipeline_counts {
    uint64_t accepted, completed, failed, dead_lettered;
    uint32_t in_flight, peak_in_flight;
    bool stopped;
} aw_pipeline_counts;
aw_err aw_pipeline_create(aw_runtime *rt, const aw_pipeline_spec *spec, aw_pipeline **out);
/* Wait up to timeout_ms (0 = forever) for a slot; AW_EFULL after it. */
aw_err aw_pipeline_send(aw_pipeline *pl, const void *data, size_t len, uint32_t timeout_ms);
/* The same, then wait for the last stage's reply (or the failure). */
aw_err aw_pipeline_request(aw_pipeline *pl, const void *data, size_t len, uint32_t timeout_ms,
                           aw_reply *out);
aw_err aw_pipeline_stats(aw_pipeline *pl, aw_pipeline_counts *out);
/* Waits until every accepted item has ended, then frees. */
void aw_pipeline_free(aw_pipeline *pl);

/* ---- supervision ----------------------------------------------------------
 * A supervisor is an actor that starts an ordered list of children (actors
 * or other supervisors) and restarts them by policy when they exit. A
 * restarted child keeps its name, address and mailbox: mail sent while it
 * restarts waits there for the new instance (up to the mailbox capacity;
 * beyond it senders get AW_EFULL). The message whose handling crashed the
 * old instance fails to its requester with the crash. See docs/supervision.md. */

typedef enum aw_strategy {
    AW_ONE_FOR_ONE = 0, /* restart the child that exited */
    AW_ONE_FOR_ALL,     /* stop the others in reverse start order, restart all in order */
    AW_REST_FOR_ONE     /* same, for the children started after it */
} aw_strategy;

typedef enum aw_restart {
    AW_PERMANENT = 0,   /* always restarted */
    AW_TRANSIENT,       /* restarted only after an abnormal exit */
    AW_TEMPORARY        /* never restarted; removed when it exits */
} aw_restart;

/* Exponential backoff between an exit and the restart. initial_ms = 0: none. */
typedef struct aw_backoff {
    uint32_t initial_ms;
    uint32_t max_ms;          /* 0 = no cap */
    double factor;            /* <= 1 means 2 */
    double jitter;            /* 0..1: the delay is scaled by 1 +- jitter, uniformly */
    uint32_t reset_after_ms;  /* up this long: the next delay is initial again (0 = never) */
} aw_backoff;

typedef struct aw_supervisor_spec aw_supervisor_spec;

typedef struct aw_child_spec {
    aw_actor_spec actor;                   /* an actor (name required), or ... */
    const aw_supervisor_spec *supervisor;  /* ... a nested supervisor; exactly one */
    aw_restart restart;
    uint32_t shutdown_ms;      /* on-stop budget before the kill; 0 = 5000 */
    const aw_backoff *backoff; /* NULL = the supervisor's */
} aw_child_spec;

struct aw_supervisor_spec {
    const char *name;          /* the supervisor's actor name */
    aw_strategy strategy;
    uint32_t max_restarts;     /* restarts allowed within period_ms ... */
    uint32_t period_ms;        /* ... one more stops the children and fails the supervisor */
    aw_backoff backoff;
    uint64_t jitter_seed;      /* jitter is reproducible from this seed */
    const aw_child_spec *children;
    size_t n_children;
};

/* Start a root supervisor and its children in order. If a child fails to
 * start, those already started are stopped in reverse order and the error
 * names the child. A root supervisor that gives up reports
 * AW_SUP_ESCALATED to event subscribers and on_exit (AW_EXIT_CRASH). */
aw_err aw_supervisor_start(aw_runtime *rt, const aw_supervisor_spec *spec);
/* Stop the children in reverse order, then the supervisor; waits. */
aw_err aw_supervisor_stop(aw_runtime *rt, const char *supervisor);

/* Dynamic children (the supervisor `sup` may be nested). */
aw_err aw_supervisor_start_child(aw_runtime *rt, const char *sup, const aw_child_spec *child);
/* Stop it (on-stop, then the kill after its shutdown_ms); the spec stays. */
aw_err aw_supervisor_terminate_child(aw_runtime *rt, const char *sup, const char *child);
/* Start a terminated child again from its spec. */
aw_err aw_supervisor_restart_child(aw_runtime *rt, const char *sup, const char *child);
/* Forget a terminated child's spec. */
aw_err aw_supervisor_delete_child(aw_runtime *rt, const char *sup, const char *child);

typedef enum aw_child_state {
    AW_CHILD_RUNNING = 0, AW_CHILD_RESTARTING, AW_CHILD_STOPPING, AW_CHILD_TERMINATED
} aw_child_state;

typedef struct aw_child_info {
    char *name;
    bool is_supervisor;
    aw_restart restart;
    aw_child_state state;
    uint32_t restarts;         /* restarts of this child so far */
    aw_exit_reason last_reason;/* valid when last_error or restarts are set */
    aw_err last_error;
    char *last_detail;         /* or NULL */
} aw_child_info;

aw_err aw_supervisor_children(aw_runtime *rt, const char *sup, aw_child_info **out, size_t *n);
void aw_child_info_free(aw_child_info *v, size_t n);

typedef enum aw_sup_event_kind {
    AW_SUP_CHILD_STARTED = 0, /* a child started (first time or after a restart) */
    AW_SUP_CHILD_EXITED,      /* a child's instance ended: reason, error, detail */
    AW_SUP_CHILD_RESTARTED,   /* its replacement is ready */
    AW_SUP_BACKOFF,           /* a restart waits delay_ms */
    AW_SUP_ESCALATED,         /* restart intensity exceeded: the supervisor gives up */
    AW_SUP_SHUTDOWN,          /* the supervisor stopped (asked to, or after escalating) */
    AW_SUP_CHILD_TERMINATED   /* a child stopped for good (terminated, temporary, shutdown) */
} aw_sup_event_kind;

typedef struct aw_sup_event {
    uint64_t seq;              /* 1, 2, ...: runtime-wide order */
    uint64_t time_ns;          /* from the runtime's clock */
    aw_sup_event_kind kind;
    const char *supervisor;
    const char *child;         /* NULL for ESCALATED and SHUTDOWN */
    aw_exit_reason reason;     /* EXITED */
    aw_err error;              /* EXITED, ESCALATED */
    const char *detail;        /* EXITED, ESCALATED, or NULL */
    uint32_t delay_ms;         /* BACKOFF */
    uint32_t restarts;         /* the child's restart count */
} aw_sup_event;

/* Called on the supervisor's worker, in order, one at a time: keep it short. */
typedef void (*aw_sup_event_fn)(void *ud, const aw_sup_event *ev);
aw_err aw_events_subscribe(aw_runtime *rt, aw_sup_event_fn fn, void *ud, uint64_t *id);
aw_err aw_events_unsubscribe(aw_runtime *rt, uint64_t id);

const char *aw_sup_event_name(aw_sup_event_kind k);

#ifdef __cplusplus
}
#endif
#endif
