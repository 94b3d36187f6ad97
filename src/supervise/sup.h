/* sup.h - the supervisor's state, shared by its files (private):
 * supervisor.c (the state machine), spec.c (spec copies and checks),
 * commands.c (requests to a supervisor and the public API). */
#ifndef AW_SUP_H
#define AW_SUP_H

#include "supervise.h"

#define DEFAULT_SHUTDOWN_MS 5000

/* C_STARTING: instantiated, its init and start hooks running in its own
 * turns; it becomes C_RUNNING when it reports ready. */
enum cstate { C_RUNNING, C_DOWN, C_STOPPING, C_TERMINATED, C_STARTING };
enum intent { I_NONE, I_GROUP, I_TERMINATE };
/* S_GROUP: stopping a group; S_GROUP_UP: starting it again, in order, one
 * child at a time; S_BOOT: a (re)started supervisor starting its children. */
enum phase { S_RUNNING, S_GROUP, S_STOPPING, S_GROUP_UP, S_BOOT };
enum sys_kind { SYS_EXIT, SYS_TIMER, SYS_CMD, SYS_READY, SYS_BOOT, SYS_UPGRADED };
enum timer_kind { T_RESTART, T_GROUP, T_KILL };
enum cmd { CMD_START, CMD_TERMINATE, CMD_RESTART, CMD_DELETE, CMD_LIST };

typedef struct sys_msg {
    int kind;
    aw_actor *child;          /* SYS_EXIT: counted */
    uint32_t id;              /* child id (EXIT, TIMER) */
    bool final;
    aw_exit_reason why;
    aw_err err;
    char *detail;             /* SYS_EXIT: owned */
    int timer;                /* SYS_TIMER */
    uint64_t gen;
    int cmd;                  /* SYS_CMD: the caller waits, so these stay valid */
    const aw_child_spec *spec;
    const char *name;
    aw_child_info **info;
    size_t *ninfo;
    aw_component *comp;       /* SYS_UPGRADED: counted */
    uint8_t *config;          /* SYS_UPGRADED: owned */
    size_t config_len;
} sys_msg;

typedef struct child {
    uint32_t id;
    char *name;
    aw_actor_spec spec;       /* owned deep copy (sv_actor_copy) */
    aw_supervisor_spec *sub;  /* a nested supervisor, deep-copied */
    aw_restart restart;
    uint32_t shutdown_ms;
    aw_backoff backoff;
    aw_actor *actor;          /* counted; NULL once terminated */
    enum cstate state;
    enum intent intent;
    bool pending;             /* exited during a group restart it is not part of */
    uint32_t restarts;
    aw_exit_reason last_reason;
    aw_err last_err;
    char *last_detail;
    uint64_t up_since;
    uint64_t delay_ms;        /* the last backoff delay (0: none yet) */
    uint64_t timer, gen;      /* the armed timer and its generation */
    aw_pending *waiter;       /* a command waiting for its stop, or its start */
    bool fresh;               /* starting for the first time (else a restart) */
} child;

typedef struct aw_sup {
    aw_runtime *rt;
    aw_actor *self;
    aw_supervisor_spec *spec; /* deep copy (children are the initial list) */
    child *kids;
    size_t n, cap;
    uint32_t next_id;
    uint64_t *stamps;         /* restart times inside the current period */
    size_t nstamps;
    enum phase phase;
    size_t group_from;
    uint32_t group_delay_ms;
    bool escalating;          /* stopping everything to exit abnormally */
    aw_err fail_err;          /* why: AW_EINTENSITY, or a child's failed start */
    char *esc_detail;
    size_t boot_i;            /* S_BOOT: the next child to start */
    uint64_t rng;
    aw_msg **deferred;        /* commands that arrived during a group restart */
    size_t ndeferred;
    pthread_mutex_t mu;       /* guards `alive`: exits and timers may still post */
    bool alive;
} aw_sup;

/* supervisor.c */
child *sv_find_id(aw_sup *s, uint32_t id);
child *sv_find_name(aw_sup *s, const char *name);
child *sv_add_child(aw_sup *s, const aw_child_spec *cs);
void sv_remove_child(aw_sup *s, child *c);
aw_err sv_start_child(aw_sup *s, child *c, bool async);
void sv_ask_stop(aw_sup *s, child *c, int how);
void sv_bury(aw_sup *s, child *c, aw_exit_reason why);
/* Deliver a SYS message (or one carrying a request) unless the supervisor
 * has ended; takes `m` either way. */
bool sv_post_msg(aw_actor *sup_actor, aw_msg *m);
bool sv_post(aw_actor *sup_actor, const sys_msg *sm);
void sv_on_sys(aw_actor *a, aw_msg *m);
void sv_set_alive(aw_sup *s, bool on);
aw_err sv_spawn(aw_runtime *rt, const aw_supervisor_spec *spec, aw_actor *parent,
                uint32_t child_id, bool async, aw_actor **out);

/* spec.c */
aw_supervisor_spec *sv_spec_dup(const aw_supervisor_spec *in);
/* Deep copy of an actor spec (name, config, native callbacks, a component
 * reference); false when out of memory (free what was copied either way). */
bool sv_actor_copy(aw_actor_spec *dst, const aw_actor_spec *src);
void sv_actor_free(aw_actor_spec *a);
void sv_spec_free(aw_supervisor_spec *sp);
aw_err sv_check_child(const aw_child_spec *c);
aw_err sv_check_spec(const aw_supervisor_spec *sp);

/* commands.c */
/* Serve a command; true when its reply waits for a child. */
bool sv_command(aw_sup *s, aw_msg *m, const sys_msg *sm);
void sv_run_deferred(aw_sup *s);

#endif
