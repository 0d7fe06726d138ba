/* Plugin host internals shared by the files of plugins/ (never installed). */
#ifndef BERTH_PLUGINS_INTERNAL_H
#define BERTH_PLUGINS_INTERNAL_H

#include <berth/runtime.h>

struct event;

#ifndef BERTH_PKGLIBDIR /* set by Makefile.am */
#define BERTH_PKGLIBDIR "/usr/local/lib/berth"
#endif

/* One usable driver; heap-allocated so that info pointers stay stable. */
struct plugin_driver {
    struct berth_driver_info info;
    void *dl;         /* dlopen handle, NULL for built-in drivers */
    char *file;       /* owned copy of info.file */
    char *realpath;   /* for skipping a file loaded twice, NULL for built-ins */
    char **flavours;  /* owned NULL-terminated copy, info.flavours points here */
};

/* A configuration value (backend NULL: every backend). */
struct plugin_config {
    char *backend;
    char *key;
    char *value;
};

/* The per-engine registry (engine slot ENGINE_SLOT_PLUGINS). */
struct plugin_registry {
    struct berth_engine *eng;
    struct plugin_driver **drivers;
    size_t n_drivers, cap_drivers;
    struct berth_refused_plugin *refused; /* file and reason owned */
    size_t n_refused, cap_refused;
    struct plugin_config *config;
    size_t n_config, cap_config;
    struct berth_backend *instances; /* live instances, freed with the registry */
};

/* The engine's registry, created on first use with the built-in drivers. */
struct plugin_registry *plugins_registry(struct berth_engine *eng);

/* A driver instance. */
struct berth_backend {
    struct plugin_registry *reg;
    struct berth_engine *eng;
    const struct plugin_driver *drv;
    char *name;
    struct berth_host host;
    void *state;
    const enum berth_support *caps; /* the instance's table (ABI minor 1) or the driver's */
    size_t n_caps;
    uint64_t timeout_ms;
    struct berth_op *ops; /* unfinished operations */
    size_t n_ops;
    int upcalls;   /* user callbacks running from inside a driver call */
    int submits;   /* berth_backend_submit() calls in progress */
    bool dying;    /* berth_backend_free() was called during an upcall */
    bool destroyed;
    struct event *reap; /* finishes a deferred free */
    struct berth_backend *next, *prev;
};

/* Fills b->host with the host services of instance b. */
void host_init(struct berth_backend *b);

/* Host services of operations (the op_* entries of struct berth_host). */
void op_set_cancel(struct berth_op *op, void (*cancel)(void *data), void *data);
void op_complete(struct berth_op *op, struct berth_error *error,
                 const struct berth_op_result *res);
bool op_is_cancelled(const struct berth_op *op);

/* Starts an operation (berth_backend_submit() after its checks). */
struct berth_op *op_start(struct berth_backend *b, const struct berth_op_req *req,
                          berth_op_done_fn done, void *user);

/*
 * Drops every operation of b without callbacks: cancel hooks that are due run
 * now, then the ops are freed. Used when b is destroyed.
 */
void op_drop_all(struct berth_backend *b);

/* Marks every operation of b discarded (callbacks never fire); hooks run later. */
void op_discard_all(struct berth_backend *b);

/* Destroys b now (driver instance, ops, memory). */
void backend_destroy(struct berth_backend *b);

/* Deep copies of results and events, for delivery on a later loop turn. */
struct result_copy;
struct result_copy *result_copy_new(const struct berth_op_result *res);
const struct berth_op_result *result_copy_get(const struct result_copy *rc);
void result_copy_free(struct result_copy *rc);

struct event_copy;
struct event_copy *result_event_copy_new(const struct berth_event_info *ev);
const struct berth_event_info *result_event_copy_get(const struct event_copy *ec);
void result_event_copy_free(struct event_copy *ec);

#endif
