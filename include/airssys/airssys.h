/** @file airssys.h
 * @brief Public API of airssys-wasm.
 *
 * A runtime (aw_runtime) owns one Wasmtime engine and a fixed pool of worker
 * threads. Components (aw_component) are compiled WebAssembly guests that can
 * be spawned any number of times; each spawn is an actor with a name and a
 * bounded mailbox, and the workers run actors that have mail (M:N).
 *
 * Conventions: every function that can fail returns an aw_err; AW_OK is 0.
 * After a failure, aw_last_error() on the same thread gives a sentence saying
 * what failed, where and why. Handles are opaque; plain structs (specs,
 * configs, replies) are owned by the caller.
 *
 * The declarations are grouped by topic (errors, runtime, components, ...);
 * `make docs` renders this header as an HTML reference in build/docs/html. */
#ifndef AIRSSYS_H
#define AIRSSYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup version Version
 * @brief Version of this library and of the guest ABI it speaks.
 * @{ */
#define AW_VERSION_MAJOR 0 /**< major version of airssys-wasm */
#define AW_VERSION_MINOR 1 /**< minor version */
#define AW_VERSION_PATCH 0 /**< patch version */
#define AW_GUEST_ABI_VERSION 0 /**< the core-module guest ABI this host speaks */
/** @} */

/** @defgroup errors Errors
 * @brief Error codes, their names and messages, and the per-thread failure detail.
 *
 * Every function that can fail returns an aw_err; AW_OK is 0. After a
 * failure, aw_last_error() on the same thread says what failed, where and
 * why.
 * @{ */

/** X-macro listing every error code with its message, in enum order:
 * `X(name, message)` for aw_err's `AW_<name>`. aw_err_name() and aw_strerror()
 * return the two halves. */
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

/** Error code: AW_OK (0) or what kind of failure happened; one value per
 * AW_ERRNO_MAP entry, each documented with its aw_strerror() message. */
typedef enum aw_err {
#define AW_ERR_ENUM(name, msg) AW_##name,
    AW_ERRNO_MAP(AW_ERR_ENUM)
#undef AW_ERR_ENUM
    AW_ERR_COUNT_ /**< the number of codes above (not an error) */
} aw_err;

/** The code's name, e.g. "AW_ETRAP"; "AW_E?" for a value out of range. */
const char *aw_err_name(aw_err err);
/** The code's message, e.g. "guest trapped"; "unknown error" out of range. */
const char *aw_strerror(aw_err err);
/** Detail of the last failure on this thread (never NULL; "" if none). */
const char *aw_last_error(void);

/** @} */

/** @defgroup runtime Runtime
 * @brief The runtime: configuration, logging, actor exits, creation and
 * shutdown.
 * @{ */

/** A runtime (opaque): one Wasmtime engine and a fixed pool of worker
 * threads. */
typedef struct aw_runtime aw_runtime;

/** Severity of a log line, lowest first. */
typedef enum aw_log_level {
    AW_LOG_TRACE = 0, AW_LOG_DEBUG, AW_LOG_INFO, AW_LOG_WARN, AW_LOG_ERROR
} aw_log_level;

/** Who wrote a log line: a guest (through its log import) or the runtime
 * (crashes, undelivered mail, failed hooks). */
typedef enum aw_log_source { AW_LOG_GUEST = 0, AW_LOG_RUNTIME } aw_log_source;

/** Log sink. `actor` is the actor concerned, or NULL. Called from workers,
 * the timer thread and spawning threads: must be thread-safe and must not
 * block for long. `ud` is aw_runtime_config.log_ud; `msg` is `len` bytes. */
typedef void (*aw_log_fn)(void *ud, aw_log_level level, aw_log_source source,
                          const char *actor, const char *msg, size_t len);

/** Why an actor ended, as told to aw_runtime_config.on_exit. */
typedef enum aw_exit_reason {
    AW_EXIT_NORMAL = 0,  /**< aw_stop: on-stop ran */
    AW_EXIT_SHUTDOWN,    /**< the runtime shut down */
    AW_EXIT_CRASH,       /**< trap, CPU deadline, ABI violation, ... (see error) */
    AW_EXIT_KILLED       /**< did not stop within the shutdown grace period */
} aw_exit_reason;

/** An actor's end, as handed to aw_runtime_config.on_exit. */
typedef struct aw_exit {
    const char *actor;      /**< the actor's name */
    uint64_t addr;          /**< the aw_addr it had */
    aw_exit_reason reason;  /**< why it ended */
    aw_err error;           /**< AW_OK for a stop; the crash's code; AW_ESTOPPED if killed */
    const char *detail;     /**< the crash detail, or NULL */
} aw_exit;

/** Called on a worker thread after an actor has ended and released its name.
 * `ud` is aw_runtime_config.on_exit_ud. */
typedef void (*aw_exit_fn)(void *ud, const aw_exit *e);

/** Runtime settings. Start from aw_runtime_config_init() and change what
 * you need; aw_runtime_new() checks them. */
typedef struct aw_runtime_config {
    unsigned workers;            /**< worker threads; 0 = online CPUs */
    uint32_t max_instances;      /**< pooled instance slots (live actors) */
    uint64_t max_memory_bytes;   /**< linear memory cap per actor */
    uint32_t mailbox_capacity;   /**< default per actor */
    uint32_t max_message_bytes;  /**< message and reply size cap */
    uint32_t handler_deadline_ms;/**< CPU time one message may use (0 = none) */
    uint32_t time_slice_ms;      /**< guest runs this long before yielding */
    uint32_t batch;              /**< messages per actor turn (fairness) */
    uint32_t max_wasm_stack;     /**< guest call stack, bytes; 0 = 512 KiB (64..768 KiB).
                                  * Engine-wide: Wasmtime sets it per engine */
    uint64_t fuel;               /**< optional: fuel (~wasm instructions) each instance may
                                  * burn in its life; 0 = unmetered. Out of fuel: a crash
                                  * (AW_ELIMIT), so a supervisor restarts it with a new budget */
    const char *cache_dir;       /**< compiled-code cache; NULL = default */
    bool no_cache;               /**< disable the compiled-code cache */
    aw_log_fn log;               /**< NULL = stderr at >= log_level */
    void *log_ud;                /**< passed to log */
    aw_log_level log_level;      /**< lines below this level are dropped */
    aw_exit_fn on_exit;          /**< optional: every actor's end, with its reason */
    void *on_exit_ud;            /**< passed to on_exit */
    /* Audit trail (JSON lines): any of a file (appended), stderr, a callback;
     * none = off. The callback runs on the audit thread. */
    const char *audit_path;      /**< audit trail (JSON lines) appended to this file; NULL = none */
    bool audit_stderr;           /**< audit trail to stderr */
    void (*audit_cb)(void *ud, const char *line, size_t len);
                                 /**< audit callback, one line a call, on the audit thread;
                                  * NULL = none. None of the three: no audit trail */
    void *audit_ud;              /**< passed to audit_cb */
    uint64_t (*clock)(void *ud); /**< time source for supervision (restart intensity, backoff
                                  * reset, event times), in ns; NULL = CLOCK_MONOTONIC.
                                  * Tests inject a virtual clock */
    void *clock_ud;              /**< passed to clock */
} aw_runtime_config;

/** Fill `cfg` with the defaults: workers 0 (online CPUs), max_instances 1000,
 * max_memory_bytes 64 MiB, mailbox_capacity 1024, max_message_bytes 1 MiB,
 * handler_deadline_ms 10000, time_slice_ms 10, batch 64, log_level
 * AW_LOG_INFO; everything else 0 or NULL. */
void aw_runtime_config_init(aw_runtime_config *cfg);
/** Create a runtime: its engine, host functions, timer thread and workers.
 * @param cfg the settings, or NULL for the defaults of aw_runtime_config_init()
 * @param out the runtime; free it with aw_runtime_free()
 * @return AW_OK; AW_EINVAL for a setting out of range (the detail names it);
 *         AW_ENOMEM; or the engine's error. */
aw_err aw_runtime_new(const aw_runtime_config *cfg, aw_runtime **out);
/** Stops every actor (running on-stop hooks), fails pending requests with
 * AW_ESTOPPED, joins the workers and frees everything. */
void aw_runtime_free(aw_runtime *rt);

/** @} */

/** @defgroup components Components
 * @brief Loading guests, capabilities, embedder host functions.
 * @{ */

/** A compiled, checked guest (opaque, reference counted). */
typedef struct aw_component aw_component;

/** What a guest's bytes are. */
typedef enum aw_format {
    AW_FORMAT_UNKNOWN = 0, AW_FORMAT_CORE_MODULE, AW_FORMAT_COMPONENT
} aw_format;

/** "core module", "component" or "unknown". */
const char *aw_format_name(aw_format f);

/** Compile and check a guest. `name` labels it in errors and logs (for a
 * file, its base name is used). Fails with AW_EFORMAT, AW_EABI or AW_ELINK
 * and a detail naming what is wrong. The component is reference counted:
 * actors spawned from it keep it alive. */
aw_err aw_component_load(aw_runtime *rt, const char *name, const uint8_t *bytes,
                         size_t len, aw_component **out);
/** aw_component_load() from a file; the component is named after the file's
 * base name without ".wasm" (and without ".component" before it). Fails with
 * AW_ENOENT when the file does not exist, AW_EIO when it cannot be read. */
aw_err aw_component_load_file(aw_runtime *rt, const char *path, aw_component **out);
/** Drop the caller's reference; the component is freed when its last actor
 * has gone too. NULL is ignored. */
void aw_component_release(aw_component *c);
/** Take a reference of one's own (released with aw_component_release()), to
 * keep a component borrowed from elsewhere alive. Returns @p c. */
aw_component *aw_component_retain(aw_component *c);

/** Options for aw_component_load_opts() and aw_component_load_file_opts();
 * zero-initialise it, then set what you need.
 *
 * Capabilities are granted per component at load time; without grants a
 * guest may only log, reply and read its own name (deny by default). Grant
 * strings (docs/capabilities.md):
 * @verbatim
   "messaging(send=worker.*, publish=events.>, subscribe=events.>)"
   "file-read(/data/...)" with globs: * one segment, ** any, ? and [a-z]
   "network-outbound(*.example.com:443)"  "host(GameAPI.weapons)"
   @endverbatim */
typedef struct aw_load_options {
    const char *const *grants;   /**< grant strings (copied); NULL when n_grants is 0 */
    size_t n_grants;             /**< how many grants */
    uint32_t max_message_bytes;  /**< largest message its actors may send; 0 = runtime's (1 MiB) */
    uint32_t rate_per_s;         /**< messages per second per actor; 0 = 1000 */
    uint32_t rate_burst;         /**< bucket size; 0 = 1000 */
    /* Resource limits for its instances; 0 = the runtime's. They may only
     * be tighter than the runtime's (the engine reserves for those). */
    uint64_t max_memory_bytes;   /**< linear memory cap; 0 = the runtime's, may only be lower */
    uint32_t max_table_elements; /**< table size cap; 0 = the runtime's, may only be lower */
    uint32_t handler_deadline_ms;/**< CPU time per message (a spawn spec may override);
                                  * 0 = the runtime's */
    uint64_t fuel;               /**< lifetime fuel per instance; needs aw_runtime_config.fuel */
    /** WASI preview 1 in full instead of WASI-lite: its filesystem sees only
     * the directories a file-read grant covers whole ("/data/" then a double star),
     * read-write where a file-write grant covers them too. No args, env,
     * sockets. Stdout/stderr become log lines. */
    bool wasi;
    const char *version;         /**< a label ("1.2.0") shown by listings; copied; NULL = none */
} aw_load_options;

/** aw_component_load() with grants and limits. Fails with AW_EINVAL for a
 * limit above the runtime's or a malformed grant. NULL `opt`: no grants,
 * the runtime's limits. */
aw_err aw_component_load_opts(aw_runtime *rt, const char *name, const uint8_t *bytes,
                              size_t len, const aw_load_options *opt, aw_component **out);
/** aw_component_load_file() with grants and limits; see aw_load_options. */
aw_err aw_component_load_file_opts(aw_runtime *rt, const char *path,
                                   const aw_load_options *opt, aw_component **out);
/** An embedder host function. `ud` is what was registered with it, `actor`
 * the calling actor's name, `args` its `nargs` arguments widened to int64_t;
 * the return value is the result (ignored when it has none). */
typedef int64_t (*aw_host_fn)(void *ud, const char *actor, const int64_t *args, size_t nargs);
/** Embedder host functions under a namespace (the wasm import module), e.g.
 * ("GameAPI.weapons", "fire", "ii", "i"). Types: up to 16 of 'i' (i32) or
 * 'I' (i64) and at most one result. A guest may import them only when its
 * component was granted `host(<namespace pattern>)`; otherwise loading it
 * fails with AW_ELINK naming the import. Register before loading guests.
 * The callback runs on a worker with the calling actor's name.
 * @return AW_OK; AW_EINVAL for a bad namespace, name or type string;
 *         AW_EEXIST when ns.name is already registered; AW_ENOMEM. */
aw_err aw_host_register(aw_runtime *rt, const char *ns, const char *name, const char *params,
                        const char *results, aw_host_fn fn, void *ud);

/** The grants as given at load; the array lives as long as the component.
 * @return how many (0 for none, `*out` then NULL) */
size_t aw_component_grants(const aw_component *c, const char *const **out);
/** The component's name (see aw_component_load()). */
const char *aw_component_name(const aw_component *c);
/** Its version label (aw_load_options.version), or NULL. */
const char *aw_component_version(const aw_component *c);
/** Core module or WIT component. */
aw_format aw_component_format(const aw_component *c);

/** @} */

/** @defgroup inspection Inspection
 * @brief What a WebAssembly binary imports and exports, and whether this host
 * can run it.
 * @{ */

/** One import or export of an inspected binary. */
typedef struct aw_inspect_item {
    char *module;  /**< import module (NULL for exports) */
    char *name;    /**< the item's name */
    char *type;    /**< "func (i32, i32) -> i32", "memory 2..", ... */
} aw_inspect_item;

/** An inspection report, filled by aw_inspect_bytes(); free its contents
 * with aw_inspect_free(). */
typedef struct aw_inspect {
    aw_format format;         /**< what the bytes are */
    size_t size;              /**< their size in bytes */
    aw_inspect_item *imports; /**< the imports */ size_t n_imports; /**< how many */
    aw_inspect_item *exports; /**< the exports */ size_t n_exports; /**< how many */
    int abi_version;          /**< -1 when no `aw_abi_v<N>` marker */
    bool conforms;            /**< loadable by this host as an actor */
    char *problems;           /**< one problem per line; "" when conforms */
    char *wit;                /**< a component's imports and exports as WIT-like text, else NULL */
} aw_inspect;

/** Works on any bytes: a guest that does not conform still gets a report.
 * @return AW_OK with `out` filled (free it with aw_inspect_free()), even
 *         when the bytes do not conform; AW_EINVAL for a NULL argument. */
aw_err aw_inspect_bytes(aw_runtime *rt, const uint8_t *bytes, size_t len, aw_inspect *out);
/** Free what aw_inspect_bytes() put in `r` (not `r` itself). */
void aw_inspect_free(aw_inspect *r);

/** @} */

/** @defgroup native Native actors
 * @brief C callbacks run as actors.
 *
 * A native actor is C code run by the same workers, with the same mailbox,
 * lifecycle and messaging as a guest; it is trusted (no sandbox). Callbacks
 * run on a worker thread, one at a time per actor, and must not block.
 * @{ */

/** The context a native actor's callbacks get (opaque). */
typedef struct aw_ctx aw_ctx;

/** A native actor's callbacks and state; spawn it with aw_actor_spec.native. */
typedef struct aw_native_actor {
    /** Optional. Runs on the spawner's thread; non-zero refuses to start. */
    int (*on_start)(aw_ctx *ctx, const uint8_t *config, size_t len);
    /** Required. Returns 0, or a non-zero status that fails the message (the
     * reply bytes, if any, are then the error text). */
    int (*on_message)(aw_ctx *ctx, const uint8_t *msg, size_t len);
    /** Optional. reason: AW_STOP_NORMAL or AW_STOP_SHUTDOWN. */
    void (*on_stop)(aw_ctx *ctx, int reason);
    void *state;                 /**< handed back through aw_ctx_state() */
} aw_native_actor;

#define AW_STOP_NORMAL 0   /**< on_stop reason: a stop asked for (aw_stop() and the like) */
#define AW_STOP_SHUTDOWN 1 /**< on_stop reason: the runtime is shutting down */

/** aw_native_actor.state. */
void *aw_ctx_state(aw_ctx *ctx);
/** The actor's own name. */
const char *aw_ctx_self(aw_ctx *ctx);
/** The runtime the actor runs in, to send, request or publish from it. */
aw_runtime *aw_ctx_runtime(aw_ctx *ctx);
/** Topic of the message being handled when it came from a publish, else NULL. */
const char *aw_ctx_topic(aw_ctx *ctx);
/** Reply to the message being handled (copied; at most once).
 * @return AW_OK; AW_EINVAL when it already replied; AW_ENOMEM. */
aw_err aw_ctx_reply(aw_ctx *ctx, const void *data, size_t len);

/** @} */

/** @defgroup actors Actors
 * @brief Spawning, addressing, messaging, stopping and listing actors.
 * @{ */

/** What to spawn: a component or native callbacks, under a name. */
typedef struct aw_actor_spec {
    const char *name;           /**< unique; NULL = component name */
    aw_component *component;    /**< a WASM guest, or ... */
    const aw_native_actor *native; /**< ... native callbacks (copied); exactly one */
    const uint8_t *config;      /**< passed to the guest's init export */
    size_t config_len;          /**< config's size in bytes */
    uint32_t mailbox_capacity;  /**< 0 = runtime default */
    uint32_t handler_deadline_ms;/**< 0 = runtime default, AW_NO_DEADLINE = none */
    /** Topic patterns it is subscribed to from the start, before any mail can
     * reach it (copied). A supervisor's restarts keep them: a restarted child
     * keeps its subscriptions, and a child started afresh (its supervisor was
     * restarted) gets them again. A bad pattern fails the spawn. */
    const char *const *subscribe;
    size_t n_subscribe;         /**< entries in subscribe */
} aw_actor_spec;

/** aw_actor_spec.handler_deadline_ms: no CPU deadline. */
#define AW_NO_DEADLINE UINT32_MAX

/** Where an actor is in its life. */
typedef enum aw_actor_state {
    AW_ACTOR_STARTING = 0, AW_ACTOR_RUNNING, AW_ACTOR_STOPPING, AW_ACTOR_STOPPED,
    AW_ACTOR_CRASHED,
    AW_ACTOR_RESTARTING  /**< supervised: between an exit and its replacement */
} aw_actor_state;

/** "starting", "running", "stopping", "stopped", "crashed" or "restarting". */
const char *aw_actor_state_name(aw_actor_state s);

/** Instantiate the component, run its init and on-start hooks, register it
 * under spec->name. On failure nothing is registered.
 * @return AW_OK; AW_EEXIST when the name is in use; AW_EINVAL for a bad
 *         spec; or why the guest failed to start (AW_ETRAP, AW_EGUEST, ...). */
aw_err aw_spawn(aw_runtime *rt, const aw_actor_spec *spec);

/** An actor's address: unique for the runtime's life (a generation and a
 * slot), so an address kept after its actor stopped fails with AW_ENOENT
 * instead of reaching whoever took the slot. Sending by address skips the
 * name lookup. */
typedef uint64_t aw_addr;

/** The address of the actor named `name`; AW_ENOENT when there is none. */
aw_err aw_lookup(aw_runtime *rt, const char *name, aw_addr *out);
/** aw_send() by address; AW_ENOENT when its actor has stopped. */
aw_err aw_send_addr(aw_runtime *rt, aw_addr to, const void *msg, size_t len);

/** Fire and forget. Fails with AW_ENOENT (no such actor), AW_EFULL (mailbox
 * full), AW_ESTOPPED (actor stopping) or AW_ETOOBIG; never drops silently. */
aw_err aw_send(aw_runtime *rt, const char *to, const void *msg, size_t len);

/** A reply to aw_request() or aw_pipeline_request(); free with aw_reply_free(). */
typedef struct aw_reply {
    uint8_t *data;      /**< reply bytes (malloc'd) or NULL */
    size_t len;         /**< their size */
    int32_t status;     /**< guest status: 0 ok, else the guest's error code */
} aw_reply;

/** Send and wait up to timeout_ms (0 = forever) for the reply. On AW_EGUEST
 * the reply holds the guest's error text and status. If handling this
 * request crashes the actor, it fails with the crash's code (AW_ETRAP,
 * AW_EDEADLINE, AW_EABI for a guest that breaks the ABI, AW_ELIMIT for a
 * guest out of memory); requests queued behind a crash or a stop fail at
 * once with AW_ESTOPPED rather than by timeout.
 * @return AW_OK with the reply in `out`; AW_ETIMEDOUT when no reply came in
 *         time; the errors of aw_send(); or one of the above. */
aw_err aw_request(aw_runtime *rt, const char *to, const void *msg, size_t len,
                  uint32_t timeout_ms, aw_reply *out);
/** Free the reply's bytes and zero it (not `r` itself). */
void aw_reply_free(aw_reply *r);

/** Like aw_send, but when the mailbox is full wait up to timeout_ms (0 =
 * forever) for room: backpressure for host producers. Still full after
 * timeout_ms: AW_EFULL. */
aw_err aw_send_wait(aw_runtime *rt, const char *to, const void *msg, size_t len,
                    uint32_t timeout_ms);

/** @} */

/** @defgroup pubsub Publish / subscribe
 * @brief Topics and patterns.
 *
 * Topics are dot-separated tokens ("orders.eu.created"). In a pattern, "*"
 * matches one token and a final ">" one or more ("orders.*.created",
 * "orders.>"). An actor is removed from every topic when it stops.
 * @{ */

/** Subscribe the actor named `actor` to `pattern`. AW_ENOENT: no such actor;
 * AW_EINVAL: a malformed pattern. */
aw_err aw_subscribe(aw_runtime *rt, const char *actor, const char *pattern);
/** Undo aw_subscribe(); AW_ENOENT when it was not subscribed to `pattern`. */
aw_err aw_unsubscribe(aw_runtime *rt, const char *actor, const char *pattern);

/** What aw_publish() reached. */
typedef struct aw_publish_result {
    size_t matched;    /**< subscribers whose pattern matched */
    size_t delivered;  /**< of those, how many accepted the message */
} aw_publish_result;

/** Deliver a copy to every matching subscriber (once per actor). When some
 * could not take it (mailbox full, stopping), returns that error with the
 * names in aw_last_error(); `out` (optional) has the counts whenever the
 * arguments were valid. */
aw_err aw_publish(aw_runtime *rt, const char *topic, const void *msg, size_t len,
                  aw_publish_result *out);

/** @} */

/** @defgroup timers Timers
 * @brief Delayed sends.
 * @{ */

/** Identifies a pending timer, for aw_timer_cancel(). */
typedef uint64_t aw_timer_id;

/** Send `msg` to `to` after delay_ms. If the actor is gone (or full) by then,
 * the failure is logged as a warning; timers still pending when the runtime
 * is freed are dropped with a warning too.
 * @param out the timer's id (optional) */
aw_err aw_send_after(aw_runtime *rt, const char *to, const void *msg, size_t len,
                     uint32_t delay_ms, aw_timer_id *out);
/** Cancel a pending timer. AW_ENOENT when the timer already fired or never
 * existed. */
aw_err aw_timer_cancel(aw_runtime *rt, aw_timer_id id);

/** @} */

/** @addtogroup actors
 * @{ */

/** Graceful stop: the guest's on-stop hook runs after the mail already
 * queued; later sends fail with AW_ESTOPPED. Waits until it has stopped.
 * AW_ENOENT when there is no such actor. */
aw_err aw_stop(aw_runtime *rt, const char *name);

/** State of a live actor. A stopped or crashed actor has released its name,
 * so asking for it fails with AW_ENOENT. */
aw_err aw_actor_state_of(aw_runtime *rt, const char *name, aw_actor_state *out);

/** What an actor is: how its messages are handled. */
typedef enum aw_actor_kind {
    AW_KIND_CORE = 0,    /**< a core-module guest */
    AW_KIND_COMPONENT,   /**< a WIT component guest */
    AW_KIND_NATIVE,      /**< native C callbacks */
    AW_KIND_SUPERVISOR,  /**< a supervisor */
    AW_KIND_ROUTE        /**< a route */
} aw_actor_kind;

/** "core", "component", "native", "supervisor" or "route". */
const char *aw_actor_kind_name(aw_actor_kind k);

/** One live actor, as listed by aw_actors(). The figures are read without
 * stopping the actor, so each is recent rather than exact. */
typedef struct aw_actor_info {
    char *name;              /**< the actor's name */
    aw_actor_kind kind;      /**< what it is */
    char *component;         /**< its component's name (guests), else NULL */
    char *version;           /**< its component's version label, or NULL */
    char *supervisor;        /**< the supervisor it is a child of, or NULL */
    aw_addr addr;            /**< its address */
    aw_actor_state state;    /**< its state */
    uint32_t restarts;       /**< times its supervisor restarted it */
    uint32_t mailbox_depth;  /**< messages waiting */
    uint32_t mailbox_capacity; /**< most messages its mailbox holds */
    uint64_t handled;        /**< messages handled (for a route: passed on) */
    uint64_t memory_bytes;   /**< linear memory of a core guest after its last turn;
                              * 0 where not known (components, native actors) */
} aw_actor_info;

/** Every live actor, sorted by name. Free with aw_actor_info_free(). */
aw_err aw_actors(aw_runtime *rt, aw_actor_info **out, size_t *n);
/** Free the `n` entries aw_actors() returned, and the array. */
void aw_actor_info_free(aw_actor_info *v, size_t n);

/** @} */

/** @defgroup upgrade Hot upgrade
 * @brief Replace a running actor's code without stopping it.
 *
 * Replace the code of a running actor with `comp` (a core module or a WIT
 * component, either way round) without stopping it. The new version is
 * instantiated and its init (with `config`) and start hooks run first; if
 * any of that fails, the old version goes on serving and the error says
 * why. Then the switch happens between two messages: messages queued
 * before this call are handled by the old version, later ones by the new,
 * none twice, none lost; the old version's on-stop hook runs at the switch.
 * Name, address, mailbox and subscriptions stay. A supervised child's spec
 * follows: its later restarts start the new version. Returns once the new
 * version serves. See docs/deploy.md.
 * @{ */

/** Options of aw_upgrade() (in and out). */
typedef struct aw_upgrade_options {
    const uint8_t *config;  /**< for the new version's init hook */
    size_t config_len;      /**< config's size in bytes */
    /** Hand the state over: the old version's snapshot (core: export
     * aw_snapshot, replying the bytes; WIT: state.snapshot) is given to the
     * new version's restore (aw_restore(ptr, len) / state.restore) at the
     * switch. If either is missing, fails or traps, the upgrade is called off
     * and the old version keeps serving. */
    bool handoff;
    /** out: how long the actor served no message for the switch (snapshot,
     * restore, the old version's on-stop and the swap), in ns */
    uint64_t switch_ns;
} aw_upgrade_options;
/** Upgrade the actor `name` to `comp` in place, as described in @ref upgrade.
 * @param opt in and out; may be NULL
 * @return AW_OK once the new version serves; AW_ENOENT: no such actor;
 *         AW_EINVAL: a supervisor or a native actor (no code to upgrade);
 *         else why the new version was refused (the old one still serves). */
aw_err aw_upgrade(aw_runtime *rt, const char *name, aw_component *comp,
                  aw_upgrade_options *opt);  /* in and out; may be NULL */

/** @} */

/** @defgroup routes Routes
 * @brief Weighted names over versions: blue-green and canary switches.
 *
 * A route is a name ("/payment", "orders.v1") that passes each message sent
 * to it on to one of its target actors by weight (smooth round-robin: 90/10
 * gives nine of every ten to the first). Send or request to it like to an
 * actor; a request's reply comes straight from the target. A change of
 * targets is atomic: each message is routed once, by the old table or the
 * new. See docs/deploy.md.
 * @{ */

/** One target of a route. */
typedef struct aw_route_target {
    const char *actor;   /**< an existing actor (a weight of 0 may name one not yet there) */
    uint32_t weight;     /**< its share of the messages */
} aw_route_target;
/** Create the route `route` over the `n` targets `t` (1..64). AW_EEXIST when
 * an actor or route has the name; AW_ENOENT when a weighted target is not
 * there; AW_EINVAL for bad targets or every weight 0. */
aw_err aw_route_create(aw_runtime *rt, const char *route, const aw_route_target *t, size_t n);
/** Replace a route's targets atomically: a blue-green ({new, 1}) or canary
 * ({old, 90}, {new, 10}) switch. AW_ENOENT when there is no such route. */
aw_err aw_route_set(aw_runtime *rt, const char *route, const aw_route_target *t, size_t n);
/** Drain a version: it takes no new message from the route, handles what it
 * has queued, then stops (as aw_stop; a supervised one is terminated by its
 * supervisor, within its shutdown_ms, and its spec deleted so that it is not
 * restarted). Refused for the last weighted one. */
aw_err aw_route_remove_version(aw_runtime *rt, const char *route, const char *actor);

/** A route's table and counts, as aw_route_info_get() read them. */
typedef struct aw_route_info {
    aw_route_target *targets;  /**< in table order; the actor names are malloc'd */
    size_t n_targets;          /**< entries in targets */
    uint64_t forwarded;        /**< messages passed on so far */
    uint64_t undelivered;      /**< messages no live target could take */
} aw_route_info;

/** Read a route's targets, weights and counts. The read runs on the route's
 * own turn, between two messages, so it sees one table, never half a switch.
 * @return AW_OK; AW_ENOENT when there is no such route. Free with
 *         aw_route_info_free(). */
aw_err aw_route_info_get(aw_runtime *rt, const char *route, aw_route_info *out);
/** Free what aw_route_info_get() filled in (the struct itself is the caller's). */
void aw_route_info_free(aw_route_info *info);

/** @} */

/** @defgroup pipelines Pipelines
 * @brief Stages of actors declared as data, with backpressure.
 *
 * Stages declared as data: an item goes to the first stage's actor as a
 * request, each stage's reply is the next one's input, the last reply
 * answers the caller. The runtime drives it (no thread of its own). At most
 * max_in_flight items are inside at once: senders wait for a slot, so they
 * go at the pace of the slowest stage. Every accepted item ends completed
 * or failed, and is counted. See docs/deploy.md.
 * @{ */

/** A running pipeline (opaque). */
typedef struct aw_pipeline aw_pipeline;
/** What a pipeline does when an item fails at a stage. */
typedef enum aw_pipe_policy {
    AW_PIPE_SKIP = 0,     /**< a failed item is counted and its caller told; the rest go on */
    AW_PIPE_STOP,         /**< the same, and the pipeline takes no new item (AW_ESTOPPED) */
    AW_PIPE_DEAD_LETTER   /**< the same as skip, and its input to the failing stage is published */
} aw_pipe_policy;
/** One stage: the actor that handles it. */
typedef struct aw_pipe_stage {
    const char *actor;    /**< by name: a supervised actor may restart underneath */
    uint32_t timeout_ms;  /**< an item not answered by then fails; 0 = none */
} aw_pipe_stage;
/** A pipeline's declaration, for aw_pipeline_create(). */
typedef struct aw_pipeline_spec {
    const char *name;               /**< the pipeline's name (errors, listings) */
    const aw_pipe_stage *stages;    /**< the stages, in order ... */
    size_t n_stages;                /**< ... and how many */
    aw_pipe_policy on_error;        /**< what a failed item does */
    const char *dead_letter_topic;  /**< for AW_PIPE_DEAD_LETTER */
    uint32_t max_in_flight;         /**< 0 = 256 */
} aw_pipeline_spec;
/** A pipeline's counters, from aw_pipeline_stats(). */
typedef struct aw_pipeline_counts {
    uint64_t accepted, completed, failed, dead_lettered;
    uint32_t in_flight, peak_in_flight;
    bool stopped;  /**< AW_PIPE_STOP tripped: it takes no new item */
} aw_pipeline_counts;
/** @var aw_pipeline_counts::accepted
 * items taken in */
/** @var aw_pipeline_counts::completed
 * items answered by the last stage */
/** @var aw_pipeline_counts::failed
 * items that failed at some stage */
/** @var aw_pipeline_counts::dead_lettered
 * failed items whose input was published to the dead-letter topic */
/** @var aw_pipeline_counts::in_flight
 * items inside now */
/** @var aw_pipeline_counts::peak_in_flight
 * the most items inside at once so far */

/** Start a pipeline over existing actors (by name).
 * @return AW_OK; AW_EINVAL for a bad spec; AW_ENOMEM. */
aw_err aw_pipeline_create(aw_runtime *rt, const aw_pipeline_spec *spec, aw_pipeline **out);
/** Put an item in: wait up to timeout_ms (0 = forever) for a slot; AW_EFULL
 * after it. AW_ESTOPPED when the pipeline stopped (AW_PIPE_STOP). */
aw_err aw_pipeline_send(aw_pipeline *pl, const void *data, size_t len, uint32_t timeout_ms);
/** The same, then wait for the last stage's reply (or the failure). */
aw_err aw_pipeline_request(aw_pipeline *pl, const void *data, size_t len, uint32_t timeout_ms,
                           aw_reply *out);
/** The pipeline's counters now. */
aw_err aw_pipeline_stats(aw_pipeline *pl, aw_pipeline_counts *out);
/** Waits until every accepted item has ended, then frees. */
void aw_pipeline_free(aw_pipeline *pl);

/** @} */

/** @defgroup supervision Supervision
 * @brief Supervisor trees: strategies, restart types, backoff, dynamic children.
 *
 * A supervisor is an actor that starts an ordered list of children (actors
 * or other supervisors) and restarts them by policy when they exit. A
 * restarted child keeps its name, address and mailbox: mail sent while it
 * restarts waits there for the new instance (up to the mailbox capacity;
 * beyond it senders get AW_EFULL). The message whose handling crashed the
 * old instance fails to its requester with the crash. See docs/supervision.md.
 * @{ */

/** Which children a supervisor restarts when one exits. */
typedef enum aw_strategy {
    AW_ONE_FOR_ONE = 0, /**< restart the child that exited */
    AW_ONE_FOR_ALL,     /**< stop the others in reverse start order, restart all in order */
    AW_REST_FOR_ONE     /**< same, for the children started after it */
} aw_strategy;

/** When a child is restarted. */
typedef enum aw_restart {
    AW_PERMANENT = 0,   /**< always restarted */
    AW_TRANSIENT,       /**< restarted only after an abnormal exit */
    AW_TEMPORARY        /**< never restarted; removed when it exits */
} aw_restart;

/** Exponential backoff between an exit and the restart. initial_ms = 0: none. */
typedef struct aw_backoff {
    uint32_t initial_ms;      /**< the first delay; 0 = no backoff */
    uint32_t max_ms;          /**< 0 = no cap */
    double factor;            /**< <= 1 means 2 */
    double jitter;            /**< 0..1: the delay is scaled by 1 +- jitter, uniformly */
    uint32_t reset_after_ms;  /**< up this long: the next delay is initial again (0 = never) */
} aw_backoff;

/** A supervisor's declaration (defined below). */
typedef struct aw_supervisor_spec aw_supervisor_spec;

/** One child of a supervisor: an actor or a nested supervisor. */
typedef struct aw_child_spec {
    aw_actor_spec actor;                   /**< an actor (name required), or ... */
    const aw_supervisor_spec *supervisor;  /**< ... a nested supervisor; exactly one */
    aw_restart restart;        /**< when it is restarted */
    uint32_t shutdown_ms;      /**< on-stop budget before the kill; 0 = 5000 */
    const aw_backoff *backoff; /**< NULL = the supervisor's */
} aw_child_spec;

/** A supervisor: its name, strategy, restart intensity and children. */
struct aw_supervisor_spec {
    const char *name;          /**< the supervisor's actor name */
    aw_strategy strategy;      /**< which children restart together */
    uint32_t max_restarts;     /**< restarts allowed within period_ms ... */
    uint32_t period_ms;        /**< ... one more stops the children and fails the supervisor */
    aw_backoff backoff;        /**< the children's default backoff */
    uint64_t jitter_seed;      /**< jitter is reproducible from this seed */
    const aw_child_spec *children; /**< in start order ... */
    size_t n_children;         /**< ... and how many */
};

/** Start a root supervisor and its children in order. If a child fails to
 * start, those already started are stopped in reverse order and the error
 * names the child. A root supervisor that gives up reports
 * AW_SUP_ESCALATED to event subscribers and on_exit (AW_EXIT_CRASH).
 * AW_EEXIST when an actor has its name. */
aw_err aw_supervisor_start(aw_runtime *rt, const aw_supervisor_spec *spec);
/** Stop the children in reverse order, then the supervisor; waits. AW_ENOENT:
 * no such supervisor; AW_EINVAL for a nested one (terminate it as a child). */
aw_err aw_supervisor_stop(aw_runtime *rt, const char *supervisor);

/** Dynamic children (the supervisor `sup` may be nested): add `child` and
 * start it. AW_EEXIST when `sup` has a child of that name; AW_ESTOPPED when
 * `sup` is stopping; else why the child failed to start. */
aw_err aw_supervisor_start_child(aw_runtime *rt, const char *sup, const aw_child_spec *child);
/** Stop it (on-stop, then the kill after its shutdown_ms); the spec stays. */
aw_err aw_supervisor_terminate_child(aw_runtime *rt, const char *sup, const char *child);
/** Start a terminated child again from its spec (AW_EEXIST if it is not
 * terminated). */
aw_err aw_supervisor_restart_child(aw_runtime *rt, const char *sup, const char *child);
/** Forget a terminated child's spec (AW_EINVAL if it is not terminated). */
aw_err aw_supervisor_delete_child(aw_runtime *rt, const char *sup, const char *child);

/** A child's state, as aw_supervisor_children() reports it. */
typedef enum aw_child_state {
    AW_CHILD_RUNNING = 0, AW_CHILD_RESTARTING, AW_CHILD_STOPPING, AW_CHILD_TERMINATED
} aw_child_state;

/** One child of a supervisor, from aw_supervisor_children(). */
typedef struct aw_child_info {
    char *name;                /**< the child's name */
    bool is_supervisor;        /**< a nested supervisor */
    aw_restart restart;        /**< its restart type */
    aw_child_state state;      /**< its state */
    uint32_t restarts;         /**< restarts of this child so far */
    aw_exit_reason last_reason;/**< valid when last_error or restarts are set */
    aw_err last_error;         /**< the code of its last exit */
    char *last_detail;         /**< the detail of its last exit, or NULL */
} aw_child_info;

/** The children of `sup`, in start order; free with aw_child_info_free(). */
aw_err aw_supervisor_children(aw_runtime *rt, const char *sup, aw_child_info **out, size_t *n);
/** Free the `n` entries aw_supervisor_children() returned, and the array. */
void aw_child_info_free(aw_child_info *v, size_t n);

/** @} */

/** @defgroup events Supervision events
 * @brief A runtime-wide, ordered stream of what supervisors do.
 * @{ */

/** What happened. */
typedef enum aw_sup_event_kind {
    AW_SUP_CHILD_STARTED = 0, /**< a child started (first time or after a restart) */
    AW_SUP_CHILD_EXITED,      /**< a child's instance ended: reason, error, detail */
    AW_SUP_CHILD_RESTARTED,   /**< its replacement is ready */
    AW_SUP_BACKOFF,           /**< a restart waits delay_ms */
    AW_SUP_ESCALATED,         /**< restart intensity exceeded: the supervisor gives up */
    AW_SUP_SHUTDOWN,          /**< the supervisor stopped (asked to, or after escalating) */
    AW_SUP_CHILD_TERMINATED   /**< a child stopped for good (terminated, temporary, shutdown) */
} aw_sup_event_kind;

/** One supervision event; the fields after `child` are set for the kinds
 * named. Valid only during the callback. */
typedef struct aw_sup_event {
    uint64_t seq;              /**< 1, 2, ...: runtime-wide order */
    uint64_t time_ns;          /**< from the runtime's clock */
    aw_sup_event_kind kind;    /**< what happened */
    const char *supervisor;    /**< the supervisor's name */
    const char *child;         /**< NULL for ESCALATED and SHUTDOWN */
    aw_exit_reason reason;     /**< EXITED */
    aw_err error;              /**< EXITED, ESCALATED */
    const char *detail;        /**< EXITED, ESCALATED, or NULL */
    uint32_t delay_ms;         /**< BACKOFF */
    uint32_t restarts;         /**< the child's restart count */
} aw_sup_event;

/** Called on the supervisor's worker, in order, one at a time: keep it short. */
typedef void (*aw_sup_event_fn)(void *ud, const aw_sup_event *ev);
/** Call `fn` (with `ud`) for every supervision event from now on.
 * @param id out (optional): for aw_events_unsubscribe() */
aw_err aw_events_subscribe(aw_runtime *rt, aw_sup_event_fn fn, void *ud, uint64_t *id);
/** Stop the subscription `id`; AW_ENOENT when there is none. */
aw_err aw_events_unsubscribe(aw_runtime *rt, uint64_t id);

/** "child-started", "child-exited", "child-restarted", "backoff",
 * "escalated", "shutdown" or "child-terminated". */
const char *aw_sup_event_name(aw_sup_event_kind k);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
