/*
 * Compose engine internals shared by the engine's modules (never installed).
 *
 * Layout: struct berth_compose (compose.c) holds the services of a project
 * (service.c: one struct service per defined service, one struct replica per
 * container, each replica driven by the state table), the dependency graph
 * (graph.c), backend operations behind a parallel gate (eop.c), the running
 * API operations ("tasks": compose-*.c) and the subscribers. engine.c is the
 * loop: it queues state-machine events, dispatches them, and after each batch
 * converges (dependency conditions, stop ordering, restart: true, task checks).
 */
#ifndef BERTH_COMPOSE_ENGINE_INTERNAL_H
#define BERTH_COMPOSE_ENGINE_INTERNAL_H

#include <jansson.h>

#include <berth/berth.h>
#include <berth/compose.h>
#include <berth/runtime.h>

#include "core/util.h"

struct graph;
struct health;
struct eop;

/* ------------------------------------------------------------------ model */

/* A service's config hash, from the loader (see compose.c). */
typedef char *(*compose_hash_fn)(void *ctx, const char *service, const json_t *def,
                                 struct berth_error **err);

/* Where the normalised model comes from (the loader's project, or a test). */
struct compose_source {
    const json_t *model;         /* `config --format json` shape; borrowed */
    const char *working_dir;     /* com.docker.compose.project.working_dir */
    const char *config_files;    /* comma list for com.docker.compose.project.config_files */
    /* every service the files define, active or not (never orphans), or NULL */
    const char *const *defined;
    /* COMPOSE_PARALLEL_LIMIT of the project environment (NULL: the process's) */
    const char *parallel_env;
    compose_hash_fn hash;
    void *hash_ctx;
};

/* ------------------------------------------------------- dependency model */

enum dep_cond { COND_STARTED = 0, COND_HEALTHY, COND_COMPLETED };

/* One depends_on entry. */
struct dep {
    char *name;
    struct service *svc; /* NULL when the service is not defined (required: false) */
    enum dep_cond cond;
    bool required;
    bool restart;
    bool warned;         /* an optional dependency's failure was reported */
};

/* Health check configuration (health.c). */
struct health_config {
    bool enabled;
    char **argv; /* NULL-terminated; CMD-SHELL becomes /bin/sh -c */
    uint64_t interval_ms, timeout_ms, start_period_ms, start_interval_ms;
    int retries;
};

/* Restart policy (restart.c). */
enum restart_mode { RESTART_NO = 0, RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_UNLESS_STOPPED };

struct restart_policy {
    enum restart_mode mode;
    int max_attempts;   /* 0 = unlimited */
    uint64_t delay_ms;  /* first backoff delay */
    uint64_t window_ms; /* 0 = none */
};

/* Restart bookkeeping of one replica. */
struct restart_state {
    int attempts;          /* restarts counted against max_attempts */
    int backoff;           /* restarts since the backoff was last reset */
    uint64_t started_ms;   /* monotonic time of the last start */
};

/* ---------------------------------------------------------------- replicas */

/* What the current operation wants of a replica. */
enum goal {
    GOAL_NONE = 0, /* leave it as it is */
    GOAL_UP,       /* created and started (once; restarts are the policy's) */
    GOAL_CREATED,  /* created, not started (up --no-start) */
    GOAL_STOPPED,  /* stopped (in reverse dependency order) */
    GOAL_REMOVED,  /* stopped and removed */
};

/* One container of a service (or a one-off `run` container). */
struct replica {
    struct service *svc;
    int number;         /* container number; 0 for one-off containers */
    bool oneoff;
    char *name;         /* container name */
    char *id;           /* runtime id, NULL while none exists */
    bool exists;        /* a container exists in the runtime */
    enum berth_service_state state;
    enum berth_service_state rest_state; /* where WAITING returns to when called off */
    enum goal goal;
    bool running;       /* its main process is believed to run */
    bool fresh;         /* created and never started (its whole log is new) */

    /* convergence */
    bool recreate;      /* replace the container when launched */
    bool created_here;  /* created by the current up (rolled back on failure) */
    bool started_once;  /* reached RUNNING under this engine (since the last START) */
    bool supervised;    /* exits and health are followed by this engine */
    bool attach;        /* stream its logs as events */
    bool restart_pending; /* restart once its dependencies are ready (restart: true) */
    bool restart_after_stop; /* STOPPING is part of a restart */
    bool stop_sent;     /* STOP/REMOVE already posted for the current goal */
    bool kill_sent;
    bool ignore_deps;   /* up --no-deps: do not wait for dependencies */
    bool remove_volumes; /* remove its anonymous volumes with it */
    enum berth_op_kind op_kind; /* kind of `op` */
    bool exit_pending;  /* EXIT arrived while STARTING */
    bool create_started;      /* the CREATE also started it (one runtime call) */
    bool create_start_failed; /* the CREATE made the container, its start failed */
    bool stop_removes;        /* the STOP in flight is a REMOVE with stop_first (one call) */
    bool removed_by_stop;     /* that call removed it too */
    int stop_timeout_s; /* -1 = the service's stop_grace_period */
    int exit_code;      /* last exit code, -1 unknown */
    char *hash_label;   /* com.docker.compose.config-hash of the existing container */
    char *image_label;  /* com.docker.compose.image of the existing container */
    char *fail_reason;  /* root cause when FAILED */
    char *fail_chain;   /* "web -> api -> db" when a dependency failed */
    struct berth_error *op_error; /* error of the last failed op (consumed by the table) */

    struct eop *op;      /* create/start/stop/remove in flight */
    struct eop *kill_op; /* SIGKILL while STOPPING */
    struct eop *wait_op; /* CONTAINER_WAIT following the main process */
    struct eop *log_op;  /* attached log stream */
    struct health *health;
    struct berth_timer *timer; /* restart backoff */
    struct restart_state rs;
    uint64_t log_since_ms; /* wall-clock ms of the last start (log stream resume) */

    /* one-off containers: the run's overrides */
    const struct berth_compose_run_options *run;
    struct berth_compose_op *run_op;
};

/* ---------------------------------------------------------------- services */

struct service {
    struct berth_compose *c;
    char *name;
    const json_t *def; /* NULL for orphans */
    bool orphan;
    size_t order;      /* position in dependency order */
    struct dep *deps;
    size_t n_deps;
    struct service **dependents; /* services with a depends_on entry on this one */
    size_t n_dependents, cap_dependents;
    struct health_config health;
    struct restart_policy restart;
    int scale;         /* replicas wanted by the model */
    int stop_grace_s;  /* stop_grace_period, rounded up to seconds */
    bool has_build;    /* a build: section */
    char *image;       /* image reference (or the build tag) */
    char *image_id;    /* resolved local image id, or NULL */
    bool image_ready;
    char *hash;        /* config hash, computed at open */
    struct replica **replicas; /* sorted by number */
    size_t n_replicas, cap_replicas;
    bool warned_missing_deps;
};

/* --------------------------------------------------------------- tasks */

/* A task kind's behaviour (one per compose-*.c operation). */
struct task_ops {
    const char *name;
    bool lifecycle; /* changes containers: one at a time */
    /* After every batch of state-machine events (and sub-op completions). */
    void (*check)(struct berth_compose_op *op);
    /* A replica changed state (may be NULL). */
    void (*on_state)(struct berth_compose_op *op, struct replica *r, enum berth_service_state from,
                     enum berth_service_event cause);
    /* berth_compose_interrupt() / force_kill() / op_cancel() (may be NULL). */
    void (*interrupt)(struct berth_compose_op *op, bool cancel);
    /* Frees kind-specific data (may be NULL). */
    void (*free)(struct berth_compose_op *op);
};

struct berth_compose_op {
    struct berth_compose *c;
    const struct task_ops *ops;
    berth_compose_done_fn done;
    void *user;
    void *data;              /* kind-specific */
    int phase;
    size_t pending;          /* sub-operations in flight */
    bool finished;           /* completion scheduled */
    bool cancelled;
    struct berth_error *error;
    int exit_code;
    char *container;
    struct strv orphans;
    struct berth_compose_container *containers;
    size_t n_containers;
    void (*free_containers)(struct berth_compose_op *op);
    char *out, *err;
    size_t out_len, err_len;
    struct berth_timer *finish_timer;
    struct berth_compose_op *next;
};

/* ---------------------------------------------------------------- engine */

struct sm_event;

/* An event subscription (compose.c). */
struct berth_compose_sub {
    struct berth_compose *c;
    berth_compose_event_fn fn;
    void *user;
    bool dead;
    struct berth_compose_sub *next;
};

struct berth_compose {
    struct berth_engine *eng;
    struct berth_backend *backend;
    json_t *model;       /* reference held */
    char *name;
    char *working_dir;
    char *config_files;
    char **defined;      /* every service of the files, NULL-terminated (may be NULL) */
    compose_hash_fn hash;
    void *hash_ctx;

    struct graph *graph;
    struct service **services; /* defined services in dependency order, then orphans */
    size_t n_services, n_defined, cap_services;
    const char **order_names;  /* NULL-terminated */
    struct replica **oneoffs;
    size_t n_oneoffs, cap_oneoffs;

    struct berth_compose_sub *subs;
    int emitting;
    bool subs_dirty;
    bool attach_timestamps;
    struct berth_compose_op *ops;
    struct berth_compose_op *lifecycle;

    struct sm_event *q_head, *q_tail;
    bool draining;
    bool converge_again;

    /* the parallel gate (eop.c) */
    int parallel; /* < 0 unlimited */
    size_t gate_active;
    struct eop *gate_head, *gate_tail;
    struct eop *eops; /* every live operation */
    uint64_t op_timeout_ms;

    /* exits: CONTAINER_WAIT per container, else one EVENTS stream */
    bool use_wait;
    struct eop *events_op;

    /* a detached up whose caller exits when it completes (handoff option):
       follow each replica only while the up still depends on it */
    bool handoff;
    bool handoff_wait; /* that up waits (--wait) */
    bool no_stop_remove; /* the backend refused REMOVE with stop_first: stop, then remove */

    bool interrupted;
    bool forced;
    bool no_dep_restart; /* restart --no-deps: restart: true dependents stay */
    int interrupt_timeout_s;
    bool closing;
};

/* ------------------------------------------------------------------ eop.c */

/* Fills a backend request when the gate grants the operation; may set scratch. */
typedef int (*eop_fill_fn)(struct eop *e, struct berth_op_req *req, void *user,
                           struct berth_error **err);
/* An engine operation's completion (res->error set on failure/cancel). */
typedef void (*eop_done_fn)(struct eop *e, const struct berth_op_result *res, void *user);

/*
 * Starts a backend operation: at once, or when the parallel gate has room
 * (gated). done is always called from the loop, never from inside eop_start.
 */
struct eop *eop_start(struct berth_compose *c, bool gated, eop_fill_fn fill, eop_done_fn done,
                      void *user);
/* Keeps p (freed with free_fn) until the request has been submitted. */
void eop_set_scratch(struct eop *e, void *p, void (*free_fn)(void *));
/* Registers free_fn(user) for when e is discarded before completing (close). */
void eop_set_user_free(struct eop *e, void (*free_fn)(void *));
/* Cancels: done follows with BERTH_E_CANCELLED (or the result if it already came). */
void eop_cancel(struct eop *e);
/* Forgets: done is never called. */
void eop_discard(struct eop *e);
/* The gate's limit from the option, else env (COMPOSE_PARALLEL_LIMIT); -2 on a bad value. */
int eop_parallel_limit(int option, const char *env, struct berth_error **err);
/* Discards every live operation of c (close). */
void eop_discard_all(struct berth_compose *c);

/* --------------------------------------------------------------- engine.c */

/* Queues an event for replica r; err (taken over) is kept for OP_FAILED. */
void engine_post(struct replica *r, enum berth_service_event ev, struct berth_error *err);
/* Drops queued events (close). */
void engine_queue_clear(struct berth_compose *c);
/* Runs the queue and convergence until quiescent (no-op when already running). */
void engine_run(struct berth_compose *c);
/* Emits an event to subscribers. */
void engine_emit(struct berth_compose *c, const struct berth_compose_event *ev);
/* Emits a STATE event and tells tasks. */
void engine_state_changed(struct replica *r, enum berth_service_state from,
                          enum berth_service_event cause, const char *message);
/* Emits a WARNING (printf-style). */
void engine_warn(struct berth_compose *c, const char *service, const char *fmt, ...)
    BERTH_PRINTF(3, 4);
/* Emits a RESOURCE event. */
void engine_resource(struct berth_compose *c, const char *kind, const char *name,
                     const char *action, const char *message);
/* Logs through the engine's sink with component "compose". */
void engine_log(struct berth_compose *c, enum berth_log_level lvl, const char *fmt, ...)
    BERTH_PRINTF(3, 4);

/* Dependency status of one depends_on entry (why: the failure text, malloc'd). */
enum dep_status { DEP_WAIT = 0, DEP_OK, DEP_FAIL };
enum dep_status engine_dep_status(const struct dep *d, char **why, char **chain);

/* Starts following r's exits and health (running containers). */
void engine_supervise(struct replica *r);
/* Stops following r (health, wait, log stream). */
void engine_unsupervise(struct replica *r);
/* Turns handoff supervision on (for an up that waits when wait) or off. */
void engine_set_handoff(struct berth_compose *c, bool on, bool wait);
/* Starts the attached log stream of r if it should have one. */
void engine_attach_logs(struct replica *r, bool from_start);
/* True while r's container is (or may be) running. */
bool engine_replica_active(const struct replica *r);
/* True when r has a backend operation in flight. */
bool engine_replica_busy(const struct replica *r);
/* Ensures the project's EVENTS stream runs when WAIT is unavailable. */
void engine_watch_events(struct berth_compose *c);

/* Discovery: applies a CONTAINER_LIST result to the replica tables. */
void engine_discover_apply(struct berth_compose *c, const struct berth_op_result *res);
/* Starts a CONTAINER_LIST of the project (all containers, project label filter). */
struct eop *engine_discover(struct berth_compose *c, eop_done_fn done, void *user);

/* ---------------------------------------------------------------- compose.c */

/* Creates a task; returns NULL with BERTH_E_STATE when a lifecycle op runs. */
struct berth_compose_op *compose_task_new(struct berth_compose *c, const struct task_ops *ops,
                                          berth_compose_done_fn done, void *user,
                                          struct berth_error **err);
/* Completes op (on the next loop turn); err is taken over (NULL = success). */
void compose_task_finish(struct berth_compose_op *op, struct berth_error *err);
/* Records the first error of op (taken over). */
void compose_task_error(struct berth_compose_op *op, struct berth_error *err);
/* Opens a project from a model source (the public open and tests). */
struct berth_compose *compose_open_source(struct berth_engine *eng,
                                          const struct compose_source *src,
                                          struct berth_backend *backend,
                                          const struct berth_compose_options *opts,
                                          struct berth_error **err);
/* The service called name (defined or orphan), or NULL. */
struct service *compose_service(const struct berth_compose *c, const char *name);
/* Expands a service list (NULL = every defined service) into flags on services;
   with deps, dependencies are included. Fails naming an unknown service. */
int compose_select(struct berth_compose *c, const char *const *names, bool deps, bool *sel,
                   struct berth_error **err);

/* --------------------------------------------------------------- service.c */

/* Creates (or returns) the replica `number` of svc. */
struct replica *service_replica(struct service *svc, int number);
/* Creates a one-off replica of svc. */
struct replica *service_oneoff_new(struct service *svc, const char *name);
/* Frees a replica (its ops discarded). */
void service_replica_free(struct replica *r);
/* Dispatches one event through the state table. */
void service_dispatch(struct replica *r, enum berth_service_event ev, struct berth_error *err);
/* True when the state table has an action for (state, event). */
bool service_table_handles(enum berth_service_state s, enum berth_service_event ev);
/* Sets r's failure reason (and chain; NULL = the service itself). */
void service_set_failure(struct replica *r, const char *reason, const char *chain);
/* The container name of replica `number` of svc. */
char *service_container_name(const struct service *svc, int number);
/* Parses the service's depends_on, health and restart sections. */
int service_configure(struct service *svc, struct berth_error **err);
/* Frees a service and its replicas. */
void service_free(struct service *svc);
/* The grace period (s) to stop r with. */
int service_stop_timeout(const struct replica *r);

/* --------------------------------------------------------- engine-model.c */

const char *engine_model_str(const json_t *o, const char *key);
bool engine_model_bool(const json_t *o, const char *key, bool def);
/* An integer (number or decimal string) or def. */
int64_t engine_model_int(const json_t *o, const char *key, int64_t def);
/* A duration ("1m30s", "500ms", a number of seconds) into *ms; def when absent. */
int engine_model_duration(const json_t *o, const char *key, uint64_t def, uint64_t *ms,
                          struct berth_error **err);
/* Parses a Go-style duration string into ms. */
int engine_model_parse_duration(const char *s, uint64_t *ms, struct berth_error **err);
/* A byte size (number, or "512m", "1.5g" ...) into *out; 0 when absent. */
int engine_model_bytes(const json_t *v, int64_t *out, struct berth_error **err);
/* A list of strings (a string value becomes a one-element list) into sv. */
void engine_model_strv(const json_t *v, struct strv *sv);
/* The project-level object section[key] (networks, volumes, secrets, configs) or NULL. */
const json_t *engine_model_top(const struct berth_compose *c, const char *section,
                               const char *key);

#endif
