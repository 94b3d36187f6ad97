/* manifest_int.h - what the manifest files share (private): the checked
 * model a YAML manifest turns into, and the parser's helpers.
 *
 * manifest_yaml.c has the error list and typed reading of YAML nodes;
 * manifest.c reads the document (libyaml's document API, so every node
 * keeps its line and column), does the `runtime` and `components` sections
 * and the public load/parse calls; manifest_entries.c does actors,
 * supervisors, routes and pipelines with their cross checks;
 * manifest_deploy.c checks components against a runtime and starts and
 * stops a deployment.
 * The model holds only copies: nothing points into the YAML document once
 * parsing is over. */
#ifndef AW_MANIFEST_INT_H
#define AW_MANIFEST_INT_H

#include "airssys/manifest.h"
#include "../common/common.h"

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

/* 1-based, as printed. */
typedef struct mf_pos { unsigned line, col; } mf_pos;

/* ---- the model ------------------------------------------------------------ */

typedef struct mf_runtime {
    uint32_t workers, max_instances, mailbox_capacity, max_message_bytes, handler_deadline_ms,
        time_slice_ms, batch, max_wasm_stack;
    uint64_t max_memory, fuel;
    bool no_cache;
    int log_level;
    char *cache_dir, *audit;  /* resolved against the manifest's directory */
    uint32_t set;             /* which fields were given (bit = field index) */
} mf_runtime;

typedef struct mf_limits {
    uint64_t memory, fuel;
    uint32_t table_elements, deadline_ms, message_bytes, rate_per_s, rate_burst;
    uint32_t set;
} mf_limits;

typedef struct mf_component {
    char *name;
    mf_pos pos;
    char *path;        /* resolved */
    uint64_t size;     /* bytes, at parse time */
    aw_format format;  /* sniffed */
    char *version;
    char **grants;
    size_t n_grants;
    bool wasi;
    mf_limits lim;
    uint32_t set;      /* of the table fields (version, wasi) */
} mf_component;

typedef struct mf_actor {
    char *name;
    mf_pos pos;
    size_t comp;       /* index into aw_manifest.comps */
    char *config;      /* NULL: none */
    uint32_t mailbox, deadline_ms;
    char **subs;
    size_t n_subs;
    /* as a supervised child */
    int restart;
    uint32_t shutdown_ms;
    bool has_backoff;
    aw_backoff backoff;
    uint32_t set;
} mf_actor;

typedef struct mf_sup mf_sup;

typedef struct mf_child {
    mf_actor *actor;   /* exactly one of these */
    mf_sup *sup;
} mf_child;

struct mf_sup {
    char *name;
    mf_pos pos;
    int strategy;
    uint32_t max_restarts, period_ms;
    aw_backoff backoff;
    uint64_t jitter_seed;
    mf_child *kids;
    size_t n_kids;
    /* as a nested child */
    int restart;
    uint32_t shutdown_ms;
    uint32_t set;
};

typedef struct mf_route {
    char *name;
    mf_pos pos;
    aw_route_target *t;  /* actor names owned here */
    size_t n;
} mf_route;

typedef struct mf_pipeline {
    char *name;
    mf_pos pos;
    aw_pipe_stage *stages;  /* actor names owned here */
    size_t n_stages;
    int on_error;
    char *dead_letter;
    uint32_t max_in_flight;
    uint32_t set;
} mf_pipeline;

struct aw_manifest {
    char *file, *base_dir;
    mf_runtime rt;
    mf_component *comps;
    size_t n_comps;
    mf_actor **actors;  /* unsupervised */
    size_t n_actors;
    mf_sup **sups;      /* roots */
    size_t n_sups;
    mf_route *routes;
    size_t n_routes;
    mf_pipeline *pipes;
    size_t n_pipes;
};

/* ---- the parser ------------------------------------------------------------ */

typedef enum mf_kind { MF_ACTOR, MF_SUPERVISOR, MF_ROUTE } mf_kind;

/* One name in the runtime's name space, for the uniqueness and reference
 * checks. */
typedef struct mf_name {
    const char *name;  /* the model's copy */
    mf_kind kind;
    mf_pos pos;
} mf_name;

typedef struct mf_error {
    mf_pos pos;
    size_t seq;   /* keeps the order of errors at one position */
    char *text;   /* the whole line, without the newline */
} mf_error;

typedef struct mf_parser {
    yaml_document_t *doc;
    const char *file;
    aw_manifest *m;
    mf_error *errs;
    size_t n_errs, cap_errs;
    bool oom;
    char where[1024];  /* the path of the node at hand: components.x.limits.memory */
    size_t where_len;
    mf_name *names;
    size_t n_names, cap_names;
    size_t entries;    /* actors and supervisors so far (an alias bomb stops at a cap) */
    const yaml_node_t *sup_stack[33];  /* the supervisors being read, outermost first */
} mf_parser;

/* Field types of the table-driven parsing. */
typedef enum mf_type {
    MF_U32, MF_U64, MF_SIZE32, MF_SIZE64, MF_BOOL, MF_STR, MF_DEADLINE, MF_REAL, MF_ENUM
} mf_type;

typedef struct mf_field {
    const char *key;
    mf_type type;
    size_t off;                /* into the object */
    uint64_t min, max;         /* integers and sizes; reals: max is the upper bound */
    const char *const *names;  /* MF_ENUM: the values, NULL-terminated */
} mf_field;

#define MF_MAX_ENTRIES 10000  /* actors plus supervisors in one manifest */
#define MF_MAX_DEPTH 32       /* supervisor nesting (sup_stack's size - 1) */

/* Report a problem at node n (or at pos) under the current path. */
void mf_err(mf_parser *p, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mf_err_pos(mf_parser *p, mf_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
mf_pos mf_pos_of(const yaml_node_t *n);

/* Path bookkeeping: push ".key" or "[i]", pop back to a mark. */
size_t mf_push_key(mf_parser *p, const char *key);
size_t mf_push_index(mf_parser *p, size_t i);
void mf_pop(mf_parser *p, size_t mark);

yaml_node_t *mf_node(mf_parser *p, int index);
bool mf_is_null(const yaml_node_t *n);
/* The scalar's text, or NULL (reported as `expected a <what>`). */
const char *mf_scalar(mf_parser *p, yaml_node_t *n, const char *what);
char *mf_strdup(mf_parser *p, const char *s);
/* Typed scalars, reported when bad: decimal integers in min..max; one of
 * a NULL-terminated list (its index in *out). */
bool mf_uint(mf_parser *p, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out);
bool mf_enum(mf_parser *p, yaml_node_t *n, const char *const *names, int *out);
/* A copy of a name that must be valid in the runtime's name space. */
char *mf_name_of(mf_parser *p, yaml_node_t *n, const char *what);

/* A mapping: keys of the field table are read into obj (their bits set in
 * *set); keys in `more` (NULL-terminated) are left to the caller. vals
 * (nf + the number of `more` keys) gets each key's value node, fields
 * first, NULL when absent. Unknown and duplicate keys are reported. False
 * when n is not a mapping (reported). */
bool mf_map(mf_parser *p, yaml_node_t *n, const mf_field *f, size_t nf, void *obj, uint32_t *set,
            const char *const *more, yaml_node_t **vals);
/* Each item of a sequence (NULL or an empty node: none). False when n is
 * not a sequence (reported). */
bool mf_seq(mf_parser *p, yaml_node_t *n, const char *what, yaml_node_item_t **items,
            size_t *count);
/* A list of strings, each checked by `check` (may be NULL); copies. */
bool mf_strings(mf_parser *p, yaml_node_t *n, const char *what,
                bool (*check)(mf_parser *, yaml_node_t *, const char *), char ***out,
                size_t *count);

/* Names: register (reports a duplicate) and find. */
void mf_declare(mf_parser *p, const char *name, mf_kind kind, mf_pos pos);
const mf_name *mf_find(mf_parser *p, const char *name);
/* Index of a component, or SIZE_MAX. */
size_t mf_component_index(const aw_manifest *m, const char *name);

/* manifest_entries.c: the sections after `components`. */
void mf_parse_actors(mf_parser *p, yaml_node_t *n);
void mf_parse_supervisors(mf_parser *p, yaml_node_t *n);
void mf_parse_routes(mf_parser *p, yaml_node_t *n);
void mf_parse_pipelines(mf_parser *p, yaml_node_t *n);
void mf_actor_free(mf_actor *a);
void mf_sup_free(mf_sup *s);

/* Format helpers shared by the errors: a value quoted for a message,
 * control bytes escaped, long ones cut. */
const char *mf_quote(const char *s, char *buf, size_t size);

#endif
