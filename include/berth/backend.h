/*
 * The backend plugin ABI.
 *
 * A backend driver is a shared object exporting ONE symbol,
 * BERTH_BACKEND_ENTRY ("berth_backend_entry"), a function returning a const
 * driver table (struct berth_backend_driver). The host (libberth) checks the
 * table's ABI major version before using anything else in it.
 *
 * Drivers never block, never run a loop of their own, never install signal
 * handlers and never exit: everything they do goes through the host services
 * table (struct berth_host) — child processes on the shared event_base,
 * timers, logging, errors.
 *
 * Operations are asynchronous. The host creates a struct berth_op, calls the
 * driver's function for that operation, and the driver completes the op
 * exactly once with host->op_complete() (possibly before returning: the host
 * defers the user's callback to the next loop turn). The host owns timeouts
 * and cancellation: it calls the cancel hook the driver registered with
 * host->op_set_cancel(), reports BERTH_E_TIMEOUT / BERTH_E_CANCELLED to the
 * user, and ignores the driver's later completion of that op.
 *
 * Compatibility: a change that breaks existing drivers bumps
 * BERTH_BACKEND_ABI_MAJOR (the host refuses other majors). Fields and
 * operations appended at the end of a struct bump the minor; a host only
 * reads driver fields that exist in the driver's declared minor.
 */
#ifndef BERTH_BACKEND_H
#define BERTH_BACKEND_H

#include <berth/common.h>
#include <berth/error.h>
#include <berth/proc.h>
#include <berth/spec.h>
#include <berth/timer.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BERTH_BACKEND_ABI_MAJOR 1
#define BERTH_BACKEND_ABI_MINOR 2

/** Name of the single symbol a plugin exports. */
#define BERTH_BACKEND_ENTRY "berth_backend_entry"

/** Default timeout of one backend operation (ms). */
#define BERTH_BACKEND_TIMEOUT_DEFAULT_MS (300u * 1000u)

/** Most bytes of a failed CLI call's stderr kept in an error message. */
#define BERTH_BACKEND_STDERR_MAX 4096

/* ---------------------------------------------------------------- features */

/** Features a driver declares support for (index into its capability table). */
enum berth_feature {
    BERTH_FEAT_HEALTHCHECK = 0,   /* runtime-side health checks */
    BERTH_FEAT_RESTART,           /* runtime-side restart policies */
    BERTH_FEAT_SECCOMP,
    BERTH_FEAT_NO_NEW_PRIVILEGES,
    BERTH_FEAT_PRIVILEGED,
    BERTH_FEAT_NETWORK_ALIASES,
    BERTH_FEAT_INTERNAL_NETWORKS,
    BERTH_FEAT_PORT_PUBLISH,
    BERTH_FEAT_NAMED_VOLUMES,
    BERTH_FEAT_TMPFS,
    BERTH_FEAT_RESOURCE_LIMITS,
    BERTH_FEAT_USERNS,
    BERTH_FEAT_BUILD,
    BERTH_FEAT_EXEC,
    BERTH_FEAT_EVENTS,            /* an event stream (exits learned without polling) */
    BERTH_FEAT_IMAGES,            /* containers run from images (false: host processes) */
    BERTH_FEAT_READ_ONLY_ROOTFS,
    BERTH_FEAT_CAPABILITIES,      /* cap_add / cap_drop */
    BERTH_FEAT_USER,              /* run as another user */
    BERTH_FEAT_STOP_SIGNAL,
    BERTH_FEAT_VM_ISOLATION,      /* each container in its own VM (not shared-kernel) */
    BERTH_FEAT_COUNT
};

/** How a driver supports a feature. */
enum berth_support {
    BERTH_SUPPORT_UNSUPPORTED = 0,
    BERTH_SUPPORT_NATIVE,
    BERTH_SUPPORT_EMULATED, /* berth's engine provides it (e.g. health checks run by berth) */
    BERTH_SUPPORT_PARTIAL,
};

/** The feature's short name ("healthcheck", "seccomp" ...), or NULL when out of range. */
BERTH_API const char *berth_feature_name(enum berth_feature f);

/** The support level's name ("native", "emulated", "partial", "unsupported"). */
BERTH_API const char *berth_support_name(enum berth_support s);

/* ------------------------------------------------------------ result types */

/** Container states, normalised across runtimes. */
enum berth_cstate {
    BERTH_CSTATE_UNKNOWN = 0,
    BERTH_CSTATE_CREATED,
    BERTH_CSTATE_RUNNING,
    BERTH_CSTATE_PAUSED,
    BERTH_CSTATE_RESTARTING,
    BERTH_CSTATE_EXITED,
    BERTH_CSTATE_REMOVING,
    BERTH_CSTATE_DEAD,
};

/** Runtime-reported health (berth's own checks do not need it). */
enum berth_health {
    BERTH_HEALTH_NONE = 0,
    BERTH_HEALTH_STARTING,
    BERTH_HEALTH_HEALTHY,
    BERTH_HEALTH_UNHEALTHY,
};

/** The state's name as docker prints it ("running", "exited" ...). */
BERTH_API const char *berth_cstate_name(enum berth_cstate s);

/** The health's name ("", "starting", "healthy", "unhealthy"). */
BERTH_API const char *berth_health_name(enum berth_health h);

/** A published port as the runtime reports it. */
struct berth_port_binding {
    uint16_t container_port;
    const char *protocol; /* "tcp" ... */
    const char *host_ip;  /* "" when unpublished */
    uint16_t host_port;   /* 0 when unpublished */
};

/** A container's address on one network. */
struct berth_net_addr {
    const char *network;
    const char *ipv4;
    const char *ipv6;
    const char *const *aliases; /* NULL-terminated or NULL */
};

/** A container as inspect/list report it (identical meanings on every backend). */
struct berth_container_info {
    const char *id;       /* full id */
    const char *name;     /* without docker's leading '/' */
    const char *image;    /* reference it was created from */
    const char *image_id; /* local image id (sha256:...) */
    enum berth_cstate state;
    const char *status;   /* human text ("Up 3 minutes", "Exited (0) ...") or "" */
    int exit_code;        /* valid when exited */
    int64_t created_at;   /* unix seconds, 0 unknown */
    int64_t started_at;   /* unix seconds, 0 unknown */
    int64_t finished_at;  /* unix seconds, 0 unknown */
    enum berth_health health;
    int pid;              /* main process pid on the host, 0 unknown */
    const struct berth_kv *labels;
    size_t n_labels;
    const struct berth_net_addr *networks;
    size_t n_networks;
    const struct berth_port_binding *ports;
    size_t n_ports;
    const char *const *command; /* NULL-terminated or NULL */
};

/** An image. */
struct berth_image_info {
    const char *id;                  /* sha256:... local id */
    const char *const *repo_tags;    /* NULL-terminated or NULL */
    const char *const *repo_digests; /* "repo@sha256:<manifest digest>", NULL-terminated or NULL */
    const struct berth_kv *labels;
    size_t n_labels;
    int64_t size;       /* bytes */
    int64_t created_at; /* unix seconds */
};

/** A network. */
struct berth_network_info {
    const char *id;
    const char *name;
    const char *driver;
    bool internal;
    const struct berth_kv *labels;
    size_t n_labels;
};

/** A volume. */
struct berth_volume_info {
    const char *name;
    const char *driver;
    const char *mountpoint;
    const struct berth_kv *labels;
    size_t n_labels;
};

/** What a probe learned. */
struct berth_probe_info {
    bool available;
    const char *version; /* runtime version, or NULL */
    const char *reason;  /* why not available, or extra detail */
    const char *flavour; /* "podman", "docker", "nerdctl", "lima", ... */
};

/** One runtime event (from the event stream). */
struct berth_event_info {
    const char *type;   /* "container", "network", "volume", "image" */
    const char *action; /* "create", "start", "die", "stop", "destroy", "health_status" ... */
    const char *id;
    const char *name;
    int exit_code;      /* for "die", else -1 */
    int64_t time;       /* unix seconds */
    const struct berth_kv *labels; /* attributes */
    size_t n_labels;
};

/* -------------------------------------------------------------- operations */

/** Operation kinds. */
enum berth_op_kind {
    BERTH_OP_PROBE = 0,
    BERTH_OP_IMAGE_PULL,
    BERTH_OP_IMAGE_INSPECT,
    BERTH_OP_IMAGE_LIST,
    BERTH_OP_IMAGE_REMOVE,
    BERTH_OP_IMAGE_BUILD,
    BERTH_OP_CONTAINER_CREATE,
    BERTH_OP_CONTAINER_START,
    BERTH_OP_CONTAINER_STOP,
    BERTH_OP_CONTAINER_KILL,
    BERTH_OP_CONTAINER_REMOVE,
    BERTH_OP_CONTAINER_INSPECT,
    BERTH_OP_CONTAINER_LIST,
    BERTH_OP_CONTAINER_LOGS,
    BERTH_OP_CONTAINER_WAIT,
    BERTH_OP_CONTAINER_EXEC,
    BERTH_OP_CONTAINER_PORT,
    BERTH_OP_NETWORK_CREATE,
    BERTH_OP_NETWORK_INSPECT,
    BERTH_OP_NETWORK_REMOVE,
    BERTH_OP_NETWORK_LIST,
    BERTH_OP_VOLUME_CREATE,
    BERTH_OP_VOLUME_INSPECT,
    BERTH_OP_VOLUME_REMOVE,
    BERTH_OP_VOLUME_LIST,
    BERTH_OP_EVENTS,
    BERTH_OP_COUNT
};

/** The operation's name ("container-create" ...). */
BERTH_API const char *berth_op_kind_name(enum berth_op_kind k);

/** Image build parameters. */
struct berth_build_spec {
    const char *context;    /* directory */
    const char *dockerfile; /* relative to context, NULL = Dockerfile/Containerfile */
    const struct berth_kv *args;
    size_t n_args;
    const char *target;
    const char *const *tags; /* NULL-terminated */
    const struct berth_kv *labels;
    size_t n_labels;
    const char *platform;
    bool pull;
    bool no_cache;
};

/** Network creation parameters. */
struct berth_network_spec {
    const char *name;
    const char *driver; /* NULL = default */
    bool internal;
    bool enable_ipv6;
    bool attachable;
    const struct berth_kv *options;
    size_t n_options;
    const struct berth_kv *labels;
    size_t n_labels;
    const char *subnet;
    const char *gateway;
};

/** Volume creation parameters. */
struct berth_volume_spec {
    const char *name;
    const char *driver;
    const struct berth_kv *options;
    size_t n_options;
    const struct berth_kv *labels;
    size_t n_labels;
};

/** A line of output an operation streams (logs, pull progress, exec, build). */
typedef void (*berth_op_line_fn)(void *user, enum berth_stream stream, const char *line,
                                 size_t len, bool complete);

/** An event from BERTH_OP_EVENTS. */
typedef void (*berth_op_event_fn)(void *user, const struct berth_event_info *ev);

/**
 * An operation request. Only the fields the kind uses are read; zero
 * everything else. Pointers are borrowed for the duration of the driver call
 * (drivers copy what they keep beyond it).
 */
struct berth_op_req {
    enum berth_op_kind kind;
    const char *target; /* container/image/network/volume name or id */
    const struct berth_container_spec *spec;     /* CONTAINER_CREATE */
    const struct berth_build_spec *build;        /* IMAGE_BUILD */
    const struct berth_network_spec *network;    /* NETWORK_CREATE */
    const struct berth_volume_spec *volume;      /* VOLUME_CREATE */
    const struct berth_kv *filters;              /* *_LIST, EVENTS: label filters (value NULL: key present) */
    size_t n_filters;
    bool all;        /* CONTAINER_LIST: include stopped; IMAGE_LIST: include intermediate */
    bool force;      /* *_REMOVE */
    bool volumes;    /* CONTAINER_REMOVE: remove anonymous volumes */
    int signal;      /* STOP / KILL: 0 = default (stop: the container's stop signal) */
    int timeout_s;   /* STOP: grace period before SIGKILL, -1 = runtime default */
    bool follow;     /* LOGS */
    bool timestamps; /* LOGS */
    int tail;        /* LOGS: lines from the end, -1 = all */
    const char *since; /* LOGS: RFC 3339 or relative ("10m") */
    const char *const *argv; /* EXEC: command, NULL-terminated */
    const struct berth_kv *env; /* EXEC */
    size_t n_env;
    const char *user;    /* EXEC */
    const char *workdir; /* EXEC */
    bool interactive;    /* EXEC: attach our stdin/stdout/stderr (CLI only; BERTH_OUT_INHERIT) */
    bool tty;            /* EXEC: allocate a TTY (with interactive) */
    size_t capture_limit; /* EXEC: bytes per stream, 0 = default */
    const char *platform; /* IMAGE_PULL */
    uint64_t timeout_ms;  /* 0 = the backend's configured default; EVENTS/LOGS-follow: none */
    berth_op_line_fn on_line;   /* LOGS, IMAGE_PULL, IMAGE_BUILD, EXEC (streamed) */
    berth_op_event_fn on_event; /* EVENTS */
    void *stream_user;          /* passed to on_line / on_event (not `user`: that is EXEC's) */
    /* ---- ABI minor 2 ---- */
    /*
     * CONTAINER_EXEC only: start the command in the background and complete
     * once it started (exit_code 0, no output), leaving it running. Read only
     * by drivers with abi_minor >= 2: the host refuses a detached exec for
     * older drivers rather than run it attached.
     */
    bool detach;
    /*
     * CONTAINER_CREATE only: the container may also be started in the same
     * runtime call (`run -d`). A driver that does so sets result.started; one
     * that does not just creates it, and the host starts it with START. When
     * the create succeeded and the start failed, the driver completes with
     * the error AND result.id, so the container is known (and removed on
     * rollback). Read only by drivers with abi_minor >= 2.
     */
    bool start;
    /*
     * CONTAINER_REMOVE of a container that may run: stop it first as
     * CONTAINER_STOP would (its stop signal, SIGKILL after timeout_s), then
     * remove it, in one call. A driver that cannot fails with
     * BERTH_E_UNSUPPORTED at once (the host does so for drivers of
     * abi_minor < 2), and the caller stops and removes in two operations.
     */
    bool stop_first;
};

/**
 * An operation's result, valid during the completion callback only.
 * error == NULL means success.
 */
struct berth_op_result {
    const struct berth_error *error;
    const char *id;  /* created container/network/volume id, pulled/built image id */
    int exit_code;   /* WAIT, EXEC */
    const char *out; /* EXEC captured stdout (NUL-terminated) */
    size_t out_len;
    const char *err; /* EXEC captured stderr (NUL-terminated) */
    size_t err_len;
    const struct berth_probe_info *probe;           /* PROBE */
    const struct berth_container_info *containers;  /* CONTAINER_INSPECT (1), CONTAINER_LIST */
    size_t n_containers;
    const struct berth_image_info *images;          /* IMAGE_INSPECT (1), IMAGE_LIST */
    size_t n_images;
    const struct berth_network_info *networks;      /* NETWORK_INSPECT (1), NETWORK_LIST */
    size_t n_networks;
    const struct berth_volume_info *volumes;        /* VOLUME_INSPECT (1), VOLUME_LIST */
    size_t n_volumes;
    const struct berth_port_binding *ports;         /* CONTAINER_PORT */
    size_t n_ports;
    /* ---- ABI minor 2 ---- */
    bool started; /* CONTAINER_CREATE with req.start: the container was started too */
};

struct berth_op;

/* ------------------------------------------------------------ host services */

/** Services the host gives every driver. All calls are non-blocking. */
struct berth_host {
    uint32_t abi_major;
    uint32_t abi_minor;
    /** Spawns a child on the shared loop (see berth/proc.h). */
    struct berth_proc *(*spawn)(const struct berth_host *host,
                                const struct berth_proc_options *opts, struct berth_error **err);
    /** Signals a child's process group. */
    int (*proc_signal)(struct berth_proc *p, int sig, struct berth_error **err);
    /** Term-then-kill a child; its on_done still fires (cancelled). */
    void (*proc_cancel)(struct berth_proc *p);
    /** Kills a child and forgets it: no callback fires again. */
    void (*proc_abandon)(struct berth_proc *p);
    /** Writes to a child's stdin pipe. */
    int (*proc_write)(struct berth_proc *p, const void *data, size_t len, struct berth_error **err);
    /** Closes a child's stdin pipe after queued data. */
    void (*proc_close_stdin)(struct berth_proc *p);
    /** Creates a timer on the shared loop. */
    struct berth_timer *(*timer_new)(const struct berth_host *host, berth_timer_fn fn, void *user);
    void (*timer_start)(struct berth_timer *t, uint64_t ms);
    void (*timer_stop)(struct berth_timer *t);
    void (*timer_free)(struct berth_timer *t);
    /** Logs through the engine's sink, tagged with the driver's name. */
    void (*log)(const struct berth_host *host, int level, const char *fmt, ...) BERTH_PRINTF(3, 4);
    /** Errors (see berth/error.h). */
    struct berth_error *(*error_new)(int code, int sys_errno, const char *fmt, ...)
        BERTH_PRINTF(3, 4);
    int (*error_wrap)(struct berth_error **err, const char *fmt, ...) BERTH_PRINTF(2, 3);
    void (*error_set_hint)(struct berth_error *e, const char *fmt, ...) BERTH_PRINTF(2, 3);
    void (*error_free)(struct berth_error *e);
    const char *(*error_message)(const struct berth_error *e);
    /**
     * Registers the driver's cancel hook for op (called at most once, on
     * cancel or timeout; it must stop the op's children, e.g. proc_abandon).
     */
    void (*op_set_cancel)(struct berth_op *op, void (*cancel)(void *data), void *data);
    /**
     * Completes op exactly once. Pointers in res need only be valid during the
     * call: the host copies or consumes them before returning. If error is
     * set it is taken over by the host (freed by it).
     */
    void (*op_complete)(struct berth_op *op, struct berth_error *error,
                        const struct berth_op_result *res);
    /** True once the host cancelled or timed out op (the driver may stop early). */
    bool (*op_is_cancelled)(const struct berth_op *op);
    /** Reads an environment variable of the host's configured environment. */
    const char *(*getenv)(const struct berth_host *host, const char *name);
    /** The driver instance's configuration value for key (e.g. "binary", "instance"), or NULL. */
    const char *(*config)(const struct berth_host *host, const char *key);
    /** Opaque to drivers. */
    void *host_private;
};

/* ---------------------------------------------------------------- drivers */

/** A driver operation: start op described by req; complete it via host->op_complete(). */
typedef void (*berth_backend_op_fn)(void *state, struct berth_op *op,
                                    const struct berth_op_req *req);

/**
 * A driver table. Plugins return a pointer to a `static const` instance from
 * their entry symbol; fill it with designated initializers.
 */
struct berth_backend_driver {
    uint32_t abi_major; /* BERTH_BACKEND_ABI_MAJOR at build time */
    uint32_t abi_minor; /* BERTH_BACKEND_ABI_MINOR at build time */
    const char *name;   /* unique driver name: "podman", "docker", "process" ... */
    const char *description;
    /** Support per enum berth_feature; entries past caps_count are unsupported. */
    const enum berth_support *caps;
    size_t caps_count;
    /**
     * Creates one driver instance. A driver may serve several flavours
     * (docker-protocol: podman, docker, nerdctl, lima ...): `flavour` names
     * the one wanted (NULL = the driver's default). host stays valid until
     * destroy.
     */
    int (*create)(const struct berth_host *host, const char *flavour, void **state,
                  struct berth_error **err);
    /** Frees an instance; no op of it is running any more. */
    void (*destroy)(void *state);
    /** Flavours this driver can serve, NULL-terminated (NULL = just `name`). */
    const char *const *flavours;
    /** Operations, indexed by enum berth_op_kind; NULL = unsupported. */
    berth_backend_op_fn ops[BERTH_OP_COUNT];
    /* ---- ABI minor 1 ---- */
    /**
     * The capability table of one instance (its flavour's: nerdctl lacks
     * network aliases that podman has), *count entries, valid until destroy;
     * NULL (or a NULL function) = `caps`. Read only when abi_minor >= 1.
     */
    const enum berth_support *(*instance_caps)(void *state, size_t *count);
};

/** The entry symbol's type. */
typedef const struct berth_backend_driver *(*berth_backend_entry_fn)(void);

/** Declares the entry symbol in a plugin: BERTH_BACKEND_DEFINE(&my_driver). */
#define BERTH_BACKEND_DEFINE(driver_ptr)                                                          \
    __attribute__((visibility("default"))) const struct berth_backend_driver *                    \
    berth_backend_entry(void);                                                                     \
    const struct berth_backend_driver *berth_backend_entry(void)                                   \
    {                                                                                              \
        return (driver_ptr);                                                                       \
    }

#ifdef __cplusplus
}
#endif
#endif
