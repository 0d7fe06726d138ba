/*
 * The compose engine: runs a loaded Compose project on a backend.
 *
 * A project (struct berth_project, from the loader) is opened in the engine
 * together with a selected backend (struct berth_backend, from the plugin
 * host). Every operation below is asynchronous on the engine's event_base:
 * it returns at once with a handle (struct berth_compose_op) and reports
 * exactly once through its completion callback, on a later loop turn (never
 * from inside the call that started it). Nothing blocks, nothing polls.
 *
 * Per container the engine runs a state machine (enum berth_service_state,
 * driven by enum berth_service_event): dependencies are honoured
 * (service_started / service_healthy / service_completed_successfully,
 * required, restart), health checks run inside berth through the backend's
 * exec, restart policies are supervised by berth, and every transition is
 * emitted to subscribers (berth_compose_subscribe) as a
 * BERTH_COMPOSE_EV_STATE event. Log lines, resource changes and warnings are
 * events too.
 *
 * Containers are found by label only (com.docker.compose.project, .service,
 * .container-number, .oneoff ...), with the labels docker compose uses, so
 * berth and docker compose see each other's containers.
 *
 * Lifetimes: the project and the backend are borrowed and must outlive the
 * struct berth_compose. Strings and arrays passed in options are copied by
 * the call that receives them. Pointers inside results and events are valid
 * during the callback only.
 *
 * Lifecycle operations (up, down, stop, start, restart, kill, rm, run) change
 * containers and run one at a time per struct berth_compose: starting one
 * while another is in flight fails with BERTH_E_STATE. Read operations (ps,
 * logs, exec, pull, wait) may run alongside anything.
 */
#ifndef BERTH_COMPOSE_H
#define BERTH_COMPOSE_H

#include <berth/backend.h>
#include <berth/common.h>
#include <berth/error.h>
#include <berth/proc.h>
#include <berth/spec.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_engine;
struct berth_project; /* berth/project.h (the loader) */
struct berth_backend; /* berth/runtime.h (the plugin host) */

/** A project opened in the engine. */
struct berth_compose;
/** A running compose operation (valid until its completion callback returned). */
struct berth_compose_op;
/** An event subscription. */
struct berth_compose_sub;

/* ------------------------------------------------------------ state machine */

/**
 * States of one container (replica) of a service. The order is stable (ABI).
 */
enum berth_service_state {
    BERTH_SVC_PENDING = 0, /* known, nothing asked of it yet */
    BERTH_SVC_WAITING,     /* waiting for its dependencies' conditions */
    BERTH_SVC_CREATING,    /* image ready; the container is being created */
    BERTH_SVC_STARTING,    /* the start operation is running */
    BERTH_SVC_RUNNING,     /* started; no health verdict (or no health check) */
    BERTH_SVC_HEALTHY,     /* its health check passed */
    BERTH_SVC_UNHEALTHY,   /* its health check failed `retries` times in a row */
    BERTH_SVC_EXITED,      /* its main process ended; see exit_code */
    BERTH_SVC_RESTARTING,  /* the restart policy waits (backoff) before starting it again */
    BERTH_SVC_STOPPING,    /* stop_signal sent; SIGKILL follows after the grace period */
    BERTH_SVC_STOPPED,     /* stopped on request (the container still exists) */
    BERTH_SVC_REMOVING,    /* the container is being removed */
    BERTH_SVC_REMOVED,     /* the container no longer exists */
    BERTH_SVC_FAILED,      /* could not be created/started, or a dependency failed */
    BERTH_SVC_STATE_COUNT
};

/**
 * Inputs of the state machine. Every input, including timeouts, is one of
 * these events; the transition table is state x event.
 */
enum berth_service_event {
    BERTH_SVC_EV_START = 0,    /* the engine wants the container up */
    BERTH_SVC_EV_DEPS_READY,   /* every dependency meets its condition */
    BERTH_SVC_EV_DEP_FAILED,   /* a required dependency can never meet its condition */
    BERTH_SVC_EV_OP_DONE,      /* the backend operation in flight succeeded */
    BERTH_SVC_EV_OP_FAILED,    /* the backend operation in flight failed */
    BERTH_SVC_EV_HEALTH_PASS,  /* a health probe succeeded */
    BERTH_SVC_EV_HEALTH_FAIL,  /* health probes failed `retries` times in a row */
    BERTH_SVC_EV_EXIT,         /* the container's main process exited */
    BERTH_SVC_EV_TIMER,        /* a timer of the state ran out (restart backoff) */
    BERTH_SVC_EV_STOP,         /* stop requested (graceful) */
    BERTH_SVC_EV_KILL,         /* kill requested (SIGKILL now) */
    BERTH_SVC_EV_REMOVE,       /* removal requested (stops first when running) */
    BERTH_SVC_EV_RESTART,      /* restart requested (explicit, or a restart: true dependency) */
    BERTH_SVC_EV_COUNT
};

/** The state's name ("pending", "waiting", "creating", ...); "?" when out of range. */
BERTH_API const char *berth_service_state_name(enum berth_service_state s);

/** The event's name ("start", "deps-ready", "op-done", ...); "?" when out of range. */
BERTH_API const char *berth_service_event_name(enum berth_service_event e);

/* ------------------------------------------------------------------ events */

/** Kinds of events delivered to subscribers. */
enum berth_compose_event_type {
    BERTH_COMPOSE_EV_STATE = 0, /* a container changed state (from, to, cause, exit_code, message) */
    BERTH_COMPOSE_EV_LOG,       /* a line of a container's output (stream, line, len) */
    BERTH_COMPOSE_EV_RESOURCE,  /* a network / volume / image was created, removed, pulled ... */
    BERTH_COMPOSE_EV_WARNING,   /* something the user should know (skipped optional dependency ...) */
    BERTH_COMPOSE_EV_ABORT,     /* abort_on_container_exit/failure fired: the engine now stops all */
    /* attached up: a container whose logs are streamed (and whose exit is watched); one per
       such container, all emitted together before any of them changes state */
    BERTH_COMPOSE_EV_ATTACH,
};

/**
 * One event. Fields not used by the type are zero/NULL; exit_code is -1 when
 * not meaningful. Valid during the callback only.
 */
struct berth_compose_event {
    enum berth_compose_event_type type;
    const char *project;
    const char *service;   /* NULL for project-level events */
    int replica;           /* container number (com.docker.compose.container-number), 0 none */
    const char *container; /* container name, or NULL */
    bool oneoff;           /* a `run` container */
    /* BERTH_COMPOSE_EV_STATE */
    enum berth_service_state from;
    enum berth_service_state to;
    enum berth_service_event cause;
    int exit_code;         /* STATE to EXITED / RESTARTING, ABORT: the exit code; else -1 */
    /* STATE: detail ("exited with code 1", the error, the dependency chain);
       RESOURCE / WARNING / ABORT: the text */
    const char *message;
    /* BERTH_COMPOSE_EV_LOG */
    enum berth_stream stream;
    const char *line;      /* not NUL-terminated */
    size_t len;
    bool complete;         /* false: a piece of a line longer than BERTH_LINE_MAX */
    /* BERTH_COMPOSE_EV_RESOURCE */
    const char *resource_kind; /* "network", "volume", "image", "container" */
    const char *resource_name;
    const char *action;        /* "creating", "created", "exists", "removing", "removed",
                                  "pulling", "pulled", "building", "built", "recreate",
                                  "orphan-removed" */
};

/** An event callback. c is the project the event belongs to. */
typedef void (*berth_compose_event_fn)(struct berth_compose *c,
                                       const struct berth_compose_event *ev, void *user);

/**
 * Subscribes fn to every event of c (state changes, log lines of attached
 * containers, resources, warnings). Subscribers are called in subscription
 * order. Unsubscribing from inside a callback is allowed.
 */
BERTH_API struct berth_compose_sub *berth_compose_subscribe(struct berth_compose *c,
                                                            berth_compose_event_fn fn,
                                                            void *user);

/** Ends a subscription (NULL is fine). fn is never called again. */
BERTH_API void berth_compose_unsubscribe(struct berth_compose_sub *sub);

/* ------------------------------------------------------------ open / close */

/** Options of berth_compose_open(). Zero-initialise. */
struct berth_compose_options {
    /*
     * Most backend operations (pull, build, create, start, stop, remove) in
     * flight at once. 0: COMPOSE_PARALLEL_LIMIT from the environment, else
     * unlimited; < 0: unlimited. Health probes and log streams do not count.
     */
    int parallel;
    /* Timeout of one backend operation (ms); 0 = the backend's default. */
    uint64_t op_timeout_ms;
};

/**
 * Opens project on backend in eng. Reads the normalised model once; the
 * project and backend are borrowed and must outlive the result. Fails with
 * BERTH_E_INVALID for a model the engine cannot run (e.g. a dependency on an
 * undefined service that is required).
 */
BERTH_API struct berth_compose *berth_compose_open(struct berth_engine *eng,
                                                   const struct berth_project *project,
                                                   struct berth_backend *backend,
                                                   const struct berth_compose_options *opts,
                                                   struct berth_error **err);

/**
 * Closes c: cancels every operation in flight (their callbacks do NOT fire),
 * stops health checks, restart timers and log streams. Containers are left as
 * they are (call berth_compose_stop/down first to stop them). NULL is fine.
 * Must not be called from inside one of c's callbacks.
 */
BERTH_API void berth_compose_close(struct berth_compose *c);

/** The project's name. */
BERTH_API const char *berth_compose_project_name(const struct berth_compose *c);

/**
 * The current state of the container `replica` (1-based) of service, as the
 * engine tracks it, or BERTH_SVC_PENDING when the engine does not know it.
 */
BERTH_API enum berth_service_state berth_compose_state(const struct berth_compose *c,
                                                       const char *service, int replica);

/**
 * The service names in dependency order (Kahn's algorithm, ties by name):
 * every service comes after all of its dependencies. NULL-terminated, owned
 * by c.
 */
BERTH_API const char *const *berth_compose_service_order(const struct berth_compose *c);

/* ---------------------------------------------------------------- results */

/** A container as `ps` reports it. */
struct berth_compose_container {
    const char *id;
    const char *name;
    const char *service;
    int number;            /* container number */
    bool oneoff;
    const char *image;
    const char *command;   /* the command, words joined by spaces */
    enum berth_cstate state;
    const char *state_name; /* "running", "exited" ... */
    const char *status;     /* "Up 3 minutes", "Exited (1) 2 seconds ago" ... */
    int exit_code;          /* valid when exited */
    /* "", "starting", "healthy", "unhealthy": berth's own verdict while this
       engine supervises the container, else what the runtime reports */
    const char *health;
    /* published ports, docker ps style ("0.0.0.0:8080->80/tcp, 443/tcp") */
    const char *ports;
    int64_t created_at;     /* unix seconds, 0 unknown */
    enum berth_service_state engine_state; /* BERTH_SVC_PENDING when not supervised here */
};

/** An operation's outcome, valid during the completion callback only. */
struct berth_compose_result {
    /* NULL on success; else the cause, with context (dependency chains name every service) */
    const struct berth_error *error;
    /*
     * up (attached, abort/exit_code_from): the exit code the CLI should return;
     * run: the one-off container's exit code; exec: the command's exit code;
     * wait: 0 when every service reached its target. Else 0.
     */
    int exit_code;
    /* ps: the containers, sorted by service (dependency order) then number */
    const struct berth_compose_container *containers;
    size_t n_containers;
    /* run: the one-off container's name; up (aborted): the container that caused it */
    const char *container;
    /* down/rm/up with remove_orphans: names of containers removed as orphans */
    const char *const *orphans;
    size_t n_orphans;
    /* exec/run without on_line: captured output (NUL-terminated), or NULL */
    const char *out;
    size_t out_len;
    const char *err;
    size_t err_len;
};

/** A completion callback: called exactly once per operation, on a later loop turn. */
typedef void (*berth_compose_done_fn)(struct berth_compose *c,
                                      const struct berth_compose_result *res, void *user);

/**
 * Cancels op: backend work in flight is cancelled, and op's callback fires
 * (on a later loop turn) with BERTH_E_CANCELLED. Containers already changed
 * stay as they are (no rollback). For a following logs op this is the normal
 * way to end it. NULL, or an op that already completed, is not allowed.
 */
BERTH_API void berth_compose_op_cancel(struct berth_compose_op *op);

/* ----------------------------------------------------------------------- up */

/** Image pull policy of `up --pull` / run. */
enum berth_pull_policy {
    BERTH_PULL_DEFAULT = 0, /* each service's pull_policy (missing when unset) */
    BERTH_PULL_MISSING,
    BERTH_PULL_ALWAYS,
    BERTH_PULL_NEVER,
    BERTH_PULL_BUILD,       /* build every service that has a build section */
};

/** Options of berth_compose_up(). Zero-initialise, then set what you need. */
struct berth_compose_up_options {
    /* Services to bring up (NULL-terminated), NULL = every enabled service.
       Their dependencies come too unless no_deps. */
    const char *const *services;
    bool no_deps;
    bool force_recreate;  /* recreate even unchanged containers */
    bool no_recreate;     /* never recreate an existing container */
    bool no_start;        /* create only */
    bool build;           /* build images before starting (services with build:) */
    bool no_build;        /* never build; a missing image is an error */
    enum berth_pull_policy pull;
    bool remove_orphans;  /* remove containers of services no longer defined */
    bool no_rollback;     /* on failure keep what this up created */
    bool renew_anon_volumes;
    /* Replica counts overriding scale / deploy.replicas: key = service,
       value = decimal count ("0" stops and removes all of its containers). */
    const struct berth_kv *scale;
    size_t n_scale;
    /*
     * Attached (foreground) mode: the op completes only when every container
     * of the selected services has exited for good (restart policies are
     * followed), when berth_compose_interrupt() stopped them, or on abort.
     * Log lines of the attached services arrive as BERTH_COMPOSE_EV_LOG.
     * Detached (false): the op completes once every container was started (or
     * is healthy / completed with `wait`).
     */
    bool attach;
    /* attach mode: services whose logs are streamed (NULL = the selected ones,
       plus their dependencies when attach_dependencies); services in no_attach
       are left out */
    const char *const *attach_services;
    const char *const *no_attach;
    bool attach_dependencies;
    bool timestamps;               /* attach mode: ask the backend for timestamps */
    /* attach mode: the first container that exits (any code / a non-zero code)
       stops everything; the op completes with that container's exit code */
    bool abort_on_container_exit;
    bool abort_on_container_failure;
    /* attach mode: the op's exit_code is this service's container exit code
       (implies abort_on_container_exit) */
    const char *exit_code_from;
    /* detached: also wait until services are running / healthy / completed */
    bool wait;
    uint64_t wait_timeout_ms; /* 0 = no limit */
    /* grace period (s) used when stopping containers for recreation or abort;
       -1 = each service's stop_grace_period */
    int timeout_s;
    /* fail before anything is created when a service uses a feature the
       backend does not support (or supports in part); otherwise each such
       feature is one WARNING per service and is left out */
    bool strict;
    /*
     * Detached only: the caller lets go of the containers once the op
     * completes (the CLI's `up -d` exits then; the runtime's own restart
     * policy takes over). A container is followed only while this up still
     * needs it: its exit while a dependent waits for it to complete, its
     * health checks until the healthy verdict a dependent or `wait` needs
     * (and, once a probe failed, its exit meanwhile). Nothing else is
     * watched, which saves one runtime process per container. Default
     * (false): every started container is supervised (exits, restart
     * policies, health) while c lives.
     */
    bool handoff;
};

/**
 * Brings the project (or the selected services) up: discovers existing
 * containers by label, pulls/builds images, creates networks and volumes,
 * then runs the per-container state machines: each container is created and
 * started the moment its dependencies meet their conditions (independent
 * branches in parallel, at most `parallel` operations at once). Running
 * containers whose config hash and image are unchanged are left alone;
 * changed ones are recreated (and dependents with restart: true restarted
 * after); replica counts are converged. On failure the containers this up
 * created are stopped and removed in reverse dependency order (unless
 * no_rollback) and the result carries the cause. Only one lifecycle op runs
 * at a time (BERTH_E_STATE otherwise); returns NULL with *err then.
 */
BERTH_API struct berth_compose_op *berth_compose_up(struct berth_compose *c,
                                                    const struct berth_compose_up_options *opts,
                                                    berth_compose_done_fn done, void *user,
                                                    struct berth_error **err);

/**
 * First Ctrl-C: stops every container supervised by c gracefully (reverse
 * dependency order, stop_signal, then SIGKILL after stop_grace_period or
 * timeout_s when >= 0). A running up/run op then completes: an attached
 * up successfully (exit code 0, or exit_code_from's), a detached up with
 * BERTH_E_CANCELLED, a run with its container's exit code (BERTH_E_CANCELLED
 * when it never ran). Restart policies stop. Idempotent.
 */
BERTH_API void berth_compose_interrupt(struct berth_compose *c, int timeout_s);

/**
 * Second Ctrl-C: SIGKILLs every container supervised by c at once and
 * cancels pending stop grace periods. A running lifecycle op completes
 * promptly afterwards.
 */
BERTH_API void berth_compose_force_kill(struct berth_compose *c);

/* ---------------------------------------------------------- stop and down */

/** Options of berth_compose_down(). */
struct berth_compose_down_options {
    bool remove_volumes;    /* named project volumes (not external) and anonymous ones */
    const char *rmi;        /* NULL, "local" (images without a custom tag) or "all" */
    bool remove_orphans;
    int timeout_s;          /* -1 = each service's stop_grace_period */
    const char *const *services; /* NULL = all; a subset keeps networks/volumes */
};

/**
 * Stops and removes the project's containers in reverse dependency order
 * (independent services in parallel), then its networks (not external ones),
 * then named volumes (remove_volumes) and images (rmi). Containers are found
 * by the project label, including one-off `run` containers.
 */
BERTH_API struct berth_compose_op *
berth_compose_down(struct berth_compose *c, const struct berth_compose_down_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

/** Options of stop / start / restart / kill / rm. */
struct berth_compose_ctl_options {
    const char *const *services; /* NULL-terminated; NULL = every service */
    int timeout_s;               /* stop, restart: -1 = each service's stop_grace_period */
    int signal;                  /* kill: 0 = SIGKILL */
    bool force;                  /* rm: remove running containers too (stopping them) */
    bool stop_first;             /* rm: stop running containers first (-s) */
    bool volumes;                /* rm: remove the containers' anonymous volumes */
    bool no_deps;                /* restart: do not restart dependents with restart: true */
};

/** Stops running containers in reverse dependency order, honouring stop_signal and grace. */
BERTH_API struct berth_compose_op *
berth_compose_stop(struct berth_compose *c, const struct berth_compose_ctl_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

/**
 * Starts existing (stopped) containers in dependency order, waiting for each
 * dependency's condition, like up without creating anything. A service with no
 * container is an error naming it.
 */
BERTH_API struct berth_compose_op *
berth_compose_start(struct berth_compose *c, const struct berth_compose_ctl_options *opts,
                    berth_compose_done_fn done, void *user, struct berth_error **err);

/**
 * Restarts containers (stop, then start, in dependency order); dependents
 * that declare restart: true are restarted after their dependency is ready
 * again (unless no_deps).
 */
BERTH_API struct berth_compose_op *
berth_compose_restart(struct berth_compose *c, const struct berth_compose_ctl_options *opts,
                      berth_compose_done_fn done, void *user, struct berth_error **err);

/** Sends signal (default SIGKILL) to the running containers of the services. */
BERTH_API struct berth_compose_op *
berth_compose_kill(struct berth_compose *c, const struct berth_compose_ctl_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

/** Removes stopped containers (running ones too with force or stop_first). */
BERTH_API struct berth_compose_op *
berth_compose_rm(struct berth_compose *c, const struct berth_compose_ctl_options *opts,
                 berth_compose_done_fn done, void *user, struct berth_error **err);

/* ------------------------------------------------------- exec, run, logs, ps */

/** A line of output of exec / run / logs (not NUL-terminated; len excludes '\n'). */
typedef void (*berth_compose_line_fn)(void *user, enum berth_stream stream, const char *line,
                                      size_t len, bool complete);

/** Options of berth_compose_exec(). */
struct berth_compose_exec_options {
    const char *service;      /* required */
    int index;                /* container number; 0 = 1 */
    const char *const *argv;  /* required, NULL-terminated */
    const struct berth_kv *env;
    size_t n_env;
    const char *user;
    const char *workdir;
    bool interactive;         /* attach the caller's stdin/stdout/stderr (CLI) */
    bool tty;
    berth_compose_line_fn on_line; /* non-interactive: stream output; NULL = capture */
    void *line_user;
    /*
     * Start the command in the background and complete once it started
     * (exit_code 0, no output). Not with interactive, tty or on_line. Needs
     * a driver of ABI minor 2 (BERTH_E_UNSUPPORTED otherwise).
     */
    bool detach;
};

/** Runs a command in a running container of a service; res->exit_code is its exit code. */
BERTH_API struct berth_compose_op *
berth_compose_exec(struct berth_compose *c, const struct berth_compose_exec_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

/** Options of berth_compose_run(). */
struct berth_compose_run_options {
    const char *service;          /* required */
    const char *const *command;   /* NULL = the service's command */
    const char *const *entrypoint; /* NULL = the service's entrypoint */
    const struct berth_kv *env;   /* added to the service's environment */
    size_t n_env;
    const struct berth_kv *labels;
    size_t n_labels;
    const char *name;             /* NULL = <project>-<service>-run-<12 hex> */
    const char *user;
    const char *workdir;
    bool service_ports;           /* publish the service's ports (default: none) */
    const char *const *publish;   /* extra "host:container[/proto]" ports */
    const char *const *volumes;   /* extra "src:dst[:ro]" binds */
    bool rm;                      /* remove the container when it ends */
    bool no_deps;                 /* do not start dependencies */
    bool detach;                  /* complete once started; res->container names it */
    bool tty;
    bool interactive;
    enum berth_pull_policy pull;
    bool build;
    bool use_aliases;             /* keep the service's network aliases */
    bool strict;                  /* as berth_compose_up_options.strict */
    berth_compose_line_fn on_line; /* the container's output (attached run) */
    void *line_user;
};

/**
 * Runs a one-off container of a service: starts its dependencies like up
 * (unless no_deps), creates `<project>-<service>-run-<12 hex>` labelled
 * oneoff=True, starts it, streams its output to on_line and completes with
 * its exit code (detach: once started). berth_compose_interrupt() stops it.
 */
BERTH_API struct berth_compose_op *
berth_compose_run(struct berth_compose *c, const struct berth_compose_run_options *opts,
                  berth_compose_done_fn done, void *user, struct berth_error **err);

/** Options of berth_compose_logs(). */
struct berth_compose_logs_options {
    const char *const *services; /* NULL = all */
    bool follow;
    bool timestamps;
    int tail;                    /* lines from the end of each container, -1 = all */
    const char *since;           /* RFC 3339 or relative ("10m"), NULL = all */
    int index;                   /* container number, 0 = every replica */
    /* each line arrives as a BERTH_COMPOSE_EV_LOG event (service, replica,
       container, stream, line) */
    berth_compose_event_fn on_log;
    void *log_user;
    /* like since: lines stamped later are not shown (the engine asks the backend
       for timestamps and filters; they are stripped again unless timestamps) */
    const char *until;
};

/**
 * Streams the logs of the project's containers (found by label). Completes
 * when every stream ended; with follow, when cancelled
 * (berth_compose_op_cancel: completes with BERTH_E_CANCELLED) or every
 * container stopped.
 */
BERTH_API struct berth_compose_op *
berth_compose_logs(struct berth_compose *c, const struct berth_compose_logs_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

/** Options of berth_compose_ps(). */
struct berth_compose_ps_options {
    const char *const *services; /* NULL = all */
    bool all;                    /* include stopped containers */
    bool orphans;                /* include containers of services not defined any more */
};

/** Lists the project's containers (by label) with state, health and ports. */
BERTH_API struct berth_compose_op *
berth_compose_ps(struct berth_compose *c, const struct berth_compose_ps_options *opts,
                 berth_compose_done_fn done, void *user, struct berth_error **err);

/* ------------------------------------------------------------- pull, wait */

/** Options of berth_compose_pull(). */
struct berth_compose_pull_options {
    const char *const *services; /* NULL = all with an image */
    bool ignore_failures;        /* report failures as warnings */
    bool include_deps;
    enum berth_pull_policy policy; /* DEFAULT/ALWAYS = pull; MISSING = only absent images */
};

/** Pulls the images of the services (in parallel, within the parallel limit). */
BERTH_API struct berth_compose_op *
berth_compose_pull(struct berth_compose *c, const struct berth_compose_pull_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

/** Options of berth_compose_wait(). */
struct berth_compose_wait_options {
    const char *const *services; /* NULL = all */
    uint64_t timeout_ms;          /* 0 = no limit */
};

/**
 * `up --wait` semantics: completes successfully once every container of the
 * services is running — healthy where a health check exists, exited 0 for
 * one-shot services (restart: no with a dependent waiting for
 * service_completed_successfully, or already exited 0) — and fails as soon as
 * one cannot get there (unhealthy, exited non-zero, failed) or at timeout
 * (BERTH_E_TIMEOUT). Health checks of containers started elsewhere are run
 * by berth while waiting.
 */
BERTH_API struct berth_compose_op *
berth_compose_wait(struct berth_compose *c, const struct berth_compose_wait_options *opts,
                   berth_compose_done_fn done, void *user, struct berth_error **err);

#ifdef __cplusplus
}
#endif
#endif
