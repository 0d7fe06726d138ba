/*
 * The backend runtime: plugin loading, driver instances, operations and
 * runtime detection (the host side of berth/backend.h).
 *
 * Drivers come from two places: the built-in process driver (always there)
 * and plugins (*.so files) found in, in order, the directories the caller
 * names, the colon-separated BERTH_PLUGIN_PATH and the installed
 * <pkglibdir>/backends. The first driver of a given name wins; later ones are
 * refused and listed with the reason, like every plugin that cannot be used.
 *
 * A struct berth_backend is one instance of a driver serving one flavour
 * ("podman", "docker", "process" ...). Operations submitted to it complete
 * through a callback that always runs from the event loop, never from inside
 * berth_backend_submit(). Every operation has a timeout (the request's, else
 * the backend's configured default) and can be cancelled.
 *
 * Configuration of a backend (key/value, e.g. "binary", "instance",
 * "timeout") is looked up in this order: berth_backend_config_set() for the
 * flavour, then for the driver, then for every backend (NULL), then the
 * environment variables BERTH_<FLAVOUR>_<KEY> and BERTH_<DRIVER>_<KEY>
 * (upper-cased, every character outside [A-Z0-9] turned into '_').
 */
#ifndef BERTH_RUNTIME_H
#define BERTH_RUNTIME_H

#include <berth/backend.h>
#include <berth/berth.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_backend;
struct berth_detect;

/* ------------------------------------------------------------- plugins */

/** Flags of berth_plugins_load(). */
enum berth_plugins_flags {
    BERTH_PLUGINS_NO_ENV = 1 << 0,       /* ignore BERTH_PLUGIN_PATH */
    BERTH_PLUGINS_NO_INSTALLED = 1 << 1, /* ignore the installed <pkglibdir>/backends */
};

/** A usable driver (built in or loaded from a plugin). Owned by the engine. */
struct berth_driver_info {
    const char *name;        /* the driver's name */
    const char *file;        /* the plugin's path, or "(built-in)" */
    bool builtin;
    uint32_t abi_major;      /* the ABI the driver was built against */
    uint32_t abi_minor;
    const char *description; /* "" when the driver has none */
    const char *const *flavours; /* NULL-terminated, never empty (at least the name) */
    const struct berth_backend_driver *driver;
};

/** A plugin file that was refused. Owned by the engine. */
struct berth_refused_plugin {
    const char *file;
    const char *reason; /* "ABI major 2, this berth supports 1" ... */
};

/**
 * Loads backend plugins into eng: every *.so in each directory of dirs
 * (NULL-terminated, may be NULL), then in BERTH_PLUGIN_PATH, then in the
 * installed backends directory (see flags to skip the last two). Plugins that
 * cannot be used are refused (see berth_plugins_refused()) while the others
 * load. A file already loaded is skipped, so calling this again only adds new
 * plugins. Returns -1 (nothing loaded) only when a directory in dirs cannot
 * be read; missing BERTH_PLUGIN_PATH or installed directories are skipped.
 */
BERTH_API int berth_plugins_load(struct berth_engine *eng, const char *const *dirs, int flags,
                                 struct berth_error **err);

/**
 * Registers a driver table linked into the program (no dlopen). origin is
 * shown as its file ("(built-in)" when NULL); the table must outlive eng.
 * Fails with BERTH_E_ABI or BERTH_E_INVALID when the table is refused and
 * with BERTH_E_EXISTS when a driver of that name is already registered.
 */
BERTH_API int berth_plugins_add_driver(struct berth_engine *eng,
                                       const struct berth_backend_driver *drv, const char *origin,
                                       struct berth_error **err);

/** Number of usable drivers (the built-in process driver included). */
BERTH_API size_t berth_plugins_count(struct berth_engine *eng);

/** The i-th usable driver in load order (built-in first), or NULL when out of range. */
BERTH_API const struct berth_driver_info *berth_plugins_get(struct berth_engine *eng, size_t i);

/**
 * The driver serving name: a driver of that name, else the first driver
 * listing name among its flavours. NULL when none does.
 */
BERTH_API const struct berth_driver_info *berth_plugins_find(struct berth_engine *eng,
                                                             const char *name);

/**
 * How a driver's table supports feature f (an instance of a flavour may
 * support less: see berth_backend_supports()); unsupported when out of range.
 */
BERTH_API enum berth_support berth_driver_supports(const struct berth_driver_info *d,
                                                   enum berth_feature f);

/** Number of refused plugin files. */
BERTH_API size_t berth_plugins_refused_count(struct berth_engine *eng);

/** The i-th refused plugin, or NULL when out of range. */
BERTH_API const struct berth_refused_plugin *berth_plugins_refused(struct berth_engine *eng,
                                                                   size_t i);

/* ------------------------------------------------------- configuration */

/**
 * Sets (value NULL: unsets) a configuration value of a backend. backend is a
 * flavour or driver name, or NULL for every backend. Keys the host reads
 * itself: "timeout" (default operation timeout) and "probe_timeout", both
 * durations ("300", "30s", "500ms", "5m"; a bare number is seconds). Other
 * keys ("binary", "instance" ...) are the driver's. Instances read the value
 * when they need it. Fails with BERTH_E_INVALID on an empty key or name.
 */
BERTH_API int berth_backend_config_set(struct berth_engine *eng, const char *backend,
                                       const char *key, const char *value,
                                       struct berth_error **err);

/**
 * The configuration value of key for the flavour/driver pair (driver may be
 * NULL), looked up in the order given at the top of this header, or NULL.
 * The pointer is valid until the configuration or environment changes.
 */
BERTH_API const char *berth_backend_config_get(struct berth_engine *eng, const char *flavour,
                                               const char *driver, const char *key);

/**
 * Parses a duration: a bare number of seconds or a sum of number+unit parts
 * ("1m30s", "500ms", "2h"; units ms, s, m, h). Returns -1 with
 * BERTH_E_INVALID on anything else, 0 with *ms set on success.
 */
BERTH_API int berth_duration_parse(const char *text, uint64_t *ms, struct berth_error **err);

/* ---------------------------------------------------------- instances */

/**
 * Creates an instance of the backend called name (a driver or one of its
 * flavours; see berth_plugins_find()), loading no plugin itself: call
 * berth_plugins_load() first for anything but the built-in "process".
 * Fails with BERTH_E_NOT_FOUND (no driver serves name), BERTH_E_INVALID
 * (bad "timeout" configuration) or the driver's own creation error.
 */
BERTH_API struct berth_backend *berth_backend_new(struct berth_engine *eng, const char *name,
                                                  struct berth_error **err);

/**
 * Frees an instance: its running operations are cancelled without calling
 * their callbacks, then the driver instance is destroyed. Safe to call from
 * an operation callback of the same instance (the destruction then finishes
 * on the next loop turn, and no callback of it fires any more). Instances
 * still alive when the engine is freed are freed with it.
 */
BERTH_API void berth_backend_free(struct berth_backend *b);

/** The name the instance was created with (its flavour, e.g. "podman"). */
BERTH_API const char *berth_backend_name(const struct berth_backend *b);

/** The driver the instance runs on. */
BERTH_API const struct berth_driver_info *berth_backend_driver(const struct berth_backend *b);

/** How the instance supports feature f (unsupported when out of the driver's table). */
BERTH_API enum berth_support berth_backend_supports(const struct berth_backend *b,
                                                    enum berth_feature f);

/** True when the driver implements operation kind k. */
BERTH_API bool berth_backend_has_op(const struct berth_backend *b, enum berth_op_kind k);

/** The instance's default operation timeout in ms (its "timeout" configuration, else 300 s). */
BERTH_API uint64_t berth_backend_timeout_ms(const struct berth_backend *b);

/* ---------------------------------------------------------- operations */

/**
 * An operation's completion. res is valid during the call only (its strings
 * and arrays belong to the driver or the host); op is freed when it returns.
 * On timeout res->error has code BERTH_E_TIMEOUT, on cancellation
 * BERTH_E_CANCELLED.
 */
typedef void (*berth_op_done_fn)(struct berth_op *op, const struct berth_op_result *res,
                                 void *user);

/**
 * Starts an operation on b. done is called exactly once, always from the
 * event loop and never before this function has returned (a driver that
 * answers at once has its result delivered on the next loop turn; so are
 * lines and events it streamed meanwhile). req and what it points to are
 * only read during this call. The timeout is req->timeout_ms, else the
 * backend's default; EVENTS and LOGS with follow have none unless
 * req->timeout_ms is set. Returns NULL with *err set when the operation
 * cannot start: BERTH_E_UNSUPPORTED when the driver does not implement it
 * (naming the backend and the operation), BERTH_E_INVALID on a bad request,
 * BERTH_E_STATE when b is being freed.
 */
BERTH_API struct berth_op *berth_backend_submit(struct berth_backend *b,
                                                const struct berth_op_req *req,
                                                berth_op_done_fn done, void *user,
                                                struct berth_error **err);

/**
 * Cancels op: the driver is told to stop and done is called (on the next
 * loop turn) with BERTH_E_CANCELLED, unless the result had already arrived,
 * in which case the result is delivered. No effect once done has started.
 * Streamed lines and events stop at once.
 */
BERTH_API void berth_op_cancel(struct berth_op *op);

/**
 * Cancels op and forgets it: done is never called and op is invalid after
 * this call. Use when the owner of the callback goes away. No effect (and op
 * stays valid until done returns) when called from op's own done callback.
 */
BERTH_API void berth_op_discard(struct berth_op *op);

/** The operation's kind. */
BERTH_API enum berth_op_kind berth_op_get_kind(const struct berth_op *op);

/** The instance the operation runs on. */
BERTH_API struct berth_backend *berth_op_get_backend(const struct berth_op *op);

/** Number of operations of b not yet finished (for tests and shutdown). */
BERTH_API size_t berth_backend_op_count(const struct berth_backend *b);

/* ------------------------------------------------------------ detection */

/** Default per-candidate probe timeout (ms). */
#define BERTH_PROBE_TIMEOUT_DEFAULT_MS 2000u

/** Detection parameters. Zero-initialise, then set what you need. */
struct berth_detect_options {
    /** Explicit candidates in priority order (e.g. from --backend), NULL-terminated, or NULL. */
    const char *const *candidates;
    /** Where candidates came from, used in messages ("--backend"); NULL = "the request". */
    const char *candidates_origin;
    /**
     * Candidates from the compose file (x-berth: {backend: ...}), used when
     * candidates is NULL and BERTH_BACKEND is unset. NULL-terminated or NULL.
     */
    const char *const *file_candidates;
    /** Per-candidate probe timeout, 0 = the "probe_timeout" configuration, else 2 s. */
    uint64_t probe_timeout_ms;
    /**
     * Probe every candidate to the end (berth backends). Otherwise detection
     * finishes as soon as the first available candidate in priority order is
     * known, and the probes of lower-priority candidates are cancelled.
     */
    bool probe_all;
    /**
     * When the list (candidates, BERTH_BACKEND or the compose file, not the
     * platform defaults) names exactly one backend, choose it without a
     * probe: there is nothing to choose between, and the caller's first
     * operation reports a runtime that does not answer. Saves the probe's
     * runtime calls (two podman processes, ~0.4 s) on every command.
     * Default: probe.
     */
    bool trust_single;
};

/** What detection learned about one candidate. Owned by the detection. */
struct berth_detect_candidate {
    const char *name;    /* the candidate ("podman") */
    const char *driver;  /* the driver serving it, or NULL when none does */
    const char *file;    /* the driver's file, or NULL */
    bool probed;         /* its probe ran to the end (answer, failure or timeout) */
    bool available;
    bool chosen;
    const char *version; /* the runtime's version, or NULL */
    const char *reason;  /* why it was (not) chosen, always set when detection is done */
    uint64_t elapsed_ms; /* how long its probe took */
};

/** Called once when detection is finished (always from the loop). */
typedef void (*berth_detect_done_fn)(struct berth_detect *d, void *user);

/**
 * Starts detecting the backend to use. The candidates are, by precedence:
 * opts->candidates, BERTH_BACKEND (a comma list), opts->file_candidates,
 * the platform default (berth_detect_default_candidates()). All candidates
 * are probed at once, each with its own timeout, through their driver's
 * PROBE operation; the chosen one is the first available in priority order.
 * done is called on a later loop turn; then read the results with the
 * accessors below. Returns NULL with *err set (BERTH_E_INVALID) when
 * BERTH_BACKEND or the candidate list is malformed.
 */
BERTH_API struct berth_detect *berth_detect_start(struct berth_engine *eng,
                                                  const struct berth_detect_options *opts,
                                                  berth_detect_done_fn done, void *user,
                                                  struct berth_error **err);

/** True once detection is finished. */
BERTH_API bool berth_detect_done(const struct berth_detect *d);

/** Number of candidates. */
BERTH_API size_t berth_detect_count(const struct berth_detect *d);

/** The i-th candidate in priority order, or NULL when out of range. */
BERTH_API const struct berth_detect_candidate *berth_detect_candidate(const struct berth_detect *d,
                                                                      size_t i);

/** The chosen candidate's name, or NULL when none is available (or not finished). */
BERTH_API const char *berth_detect_chosen(const struct berth_detect *d);

/**
 * Why no candidate was chosen (BERTH_E_NOT_FOUND with every candidate's
 * reason and a hint), or NULL when one was.
 */
BERTH_API const struct berth_error *berth_detect_error(const struct berth_detect *d);

/** Where the candidate list came from: the origin given, "BERTH_BACKEND", "compose file" or "default". */
BERTH_API const char *berth_detect_source(const struct berth_detect *d);

/**
 * Takes the chosen candidate's instance (the one that answered the probe):
 * the caller owns it and frees it with berth_backend_free(). NULL when none
 * was chosen or it was already taken.
 */
BERTH_API struct berth_backend *berth_detect_take_backend(struct berth_detect *d);

/** Frees a detection; probes still running are cancelled and done is not called. */
BERTH_API void berth_detect_free(struct berth_detect *d);

/** The platform's default candidates in priority order (NULL-terminated, static). */
BERTH_API const char *const *berth_detect_default_candidates(void);

/**
 * Splits a comma list of backend names ("podman, docker") into a
 * NULL-terminated vector freed with berth_backend_list_free(). Names must
 * match [a-z0-9][a-z0-9._-]*; fails with BERTH_E_INVALID naming the bad
 * entry, or on an empty list.
 */
BERTH_API char **berth_backend_list_parse(const char *list, struct berth_error **err);

/** Frees a vector from berth_backend_list_parse() (NULL is fine). */
BERTH_API void berth_backend_list_free(char **list);

#ifdef __cplusplus
}
#endif
#endif
