/*
 * Single containers and images, backend selection and cleanup: the
 * docker-CLI-like part of libberth, without a compose file.
 *
 * Every operation is asynchronous on the engine's event_base and goes
 * through the engine's SELECTED backend: the first call that needs it (any
 * container, image or cleanup call, or berth_select_get()) starts the
 * selection, which probes the candidates on the loop (berth/runtime.h
 * detection) and keeps the chosen instance for the engine's lifetime. The
 * candidates are, by precedence: the list given to berth_select_set(), the
 * BERTH_BACKEND environment variable, the platform priority list
 * (berth_select_platform_priority()). Selection loads plugins from
 * BERTH_PLUGIN_PATH and the installed directory first (like
 * berth_plugins_load(eng, NULL, 0, ...); plugins loaded before stay). A
 * failed selection fails the operations that waited for it and is tried
 * again by the next operation.
 *
 * Calls return a handle (struct berth_container_op) at once, or NULL with
 * *err set when the request itself is invalid. The completion callback runs
 * exactly once, always from the loop, never from inside the call that
 * started the operation. The handle is valid until the callback returned.
 * Requests (specs, argv, filters ...) are copied by the call: the caller may
 * free them when it returns.
 *
 * Results: pointers in struct berth_container_result are valid during the
 * callback only. To keep a container or image record, copy it with
 * berth_container_info_dup() / berth_image_info_dup() (owned, freed with the
 * matching _free function).
 *
 * Field meanings of struct berth_container_info and struct berth_image_info
 * (berth/backend.h) are the same on every backend: drivers normalise what
 * their runtime prints (names without docker's '/', unix-second times with 0
 * for unknown, docker's state words, exit_code valid when exited).
 */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include <berth/backend.h>
#include <berth/berth.h>
#include <berth/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_engine;
struct berth_backend;

/** A running container, image, selection or cleanup operation. */
struct berth_container_op;
/** What a cleanup removed (defined below). */
struct berth_cleanup_report;

/* ------------------------------------------------------------ selection */

/** How strictly berth_select_by_capability() matches a spec to a backend. */
enum berth_select_mode {
    BERTH_SELECT_STRICT_NATIVE = 0, /* every feature the spec uses must be native */
    BERTH_SELECT_ACCEPT_EMULATED,   /* native, or emulated by berth */
    BERTH_SELECT_ACCEPT_PARTIAL,    /* native, emulated or partial */
};

/** The mode's name ("strict-native", "accept-emulated", "accept-partial"), NULL when out of range. */
BERTH_API const char *berth_select_mode_name(enum berth_select_mode m);

/**
 * Parses a mode name (as berth_select_mode_name() prints it). Fails with
 * BERTH_E_INVALID naming the accepted words.
 */
BERTH_API int berth_select_mode_parse(const char *s, enum berth_select_mode *out,
                                      struct berth_error **err);

/** The platform's backend priority list (NULL-terminated, static): what selection tries by default. */
BERTH_API const char *const *berth_select_platform_priority(void);

/**
 * Sets the backend, or an ordered list of backends tried in that order
 * (NULL-terminated; NULL returns to the default precedence), before first
 * use. origin names where the list came from in messages ("--backend"; NULL:
 * "the backend setting"). Fails with BERTH_E_STATE once an operation used
 * the selection, BERTH_E_INVALID on a malformed name or an empty list.
 */
BERTH_API int berth_select_set(struct berth_engine *eng, const char *const *names,
                               const char *origin, struct berth_error **err);

/**
 * Makes b (an instance the caller created and keeps owning; it must outlive
 * the engine's use of it) the selected backend, before first use. Fails
 * with BERTH_E_STATE once an operation used the selection.
 */
BERTH_API int berth_select_use(struct berth_engine *eng, struct berth_backend *b,
                               struct berth_error **err);

/** True once an operation used the selection (setting it is then an error). */
BERTH_API bool berth_select_used(struct berth_engine *eng);

/** The selected instance, or NULL while no selection has finished successfully. */
BERTH_API struct berth_backend *berth_select_current(struct berth_engine *eng);

/**
 * Marks which features a spec uses: used[f] is set true for every feature
 * f the spec needs (security_opt seccomp= → seccomp, no-new-privileges,
 * privileged, network aliases, ports → port-publish, volume mounts →
 * named-volumes, tmpfs mounts, resources and ulimits → resource-limits,
 * userns_mode → userns, read_only → read-only-rootfs, cap_add/cap_drop →
 * capabilities, user, stop_signal, image → images); other entries are left
 * as they are. Returns how many features are used.
 */
BERTH_API size_t berth_select_spec_features(const struct berth_container_spec *spec,
                                            bool used[BERTH_FEAT_COUNT]);

/**
 * Whether b can run spec in mode: true when every feature the spec uses is
 * supported at a level the mode accepts. Otherwise false, with *bad (when
 * not NULL) set to the first disqualifying feature in enum order.
 */
BERTH_API bool berth_select_check(const struct berth_backend *b,
                                  const struct berth_container_spec *spec,
                                  enum berth_select_mode mode, enum berth_feature *bad);

/** Options of berth_select_by_capability(). Zero-initialise. */
struct berth_select_options {
    /* Candidates in priority order (NULL-terminated); NULL: the selection's
       precedence (berth_select_set() list, BERTH_BACKEND, platform list). */
    const char *const *candidates;
    enum berth_select_mode mode;
    /* Make the chosen backend the engine's selection (fails with
       BERTH_E_STATE at once when the selection was already used). */
    bool apply;
    /* Per-candidate probe timeout, 0 = detection's default. */
    uint64_t probe_timeout_ms;
};

/** What capability selection concluded about one candidate. */
struct berth_select_verdict {
    const char *name;
    bool qualifies;             /* its capabilities cover the spec in the mode */
    bool probed;                /* its availability was checked (only qualifying ones are) */
    bool available;
    bool chosen;
    enum berth_feature feature; /* the first disqualifying feature; BERTH_FEAT_COUNT: none
                                   (it qualifies, or no driver serves it) */
    enum berth_support support; /* that feature's support level */
    const char *reason;         /* why it was (not) chosen, always set */
};

/** One backend as berth_select_survey() reports it. */
struct berth_backend_status {
    const char *name;        /* the candidate ("podman") */
    const char *driver;      /* the driver serving it, or NULL when none does */
    const char *file;        /* the driver's file ("(built-in)" or a plugin path), or NULL */
    const char *binary;      /* the program it drives ("podman"), NULL when it runs none */
    const char *binary_path; /* where that program is on PATH, NULL when not found */
    bool probed;             /* the liveness probe ran to the end */
    bool available;          /* the probe answered: usable */
    bool chosen;             /* selection would choose it */
    bool container_runtime;  /* runs containers from images (false for host processes) */
    const char *version;     /* the runtime's version, or NULL */
    const char *reason;      /* why it is (not) available / (not) chosen */
    uint64_t elapsed_ms;     /* how long its probe took */
    /* its capability table, indexed by enum berth_feature (BERTH_FEAT_COUNT
       entries), NULL when no driver serves it */
    const enum berth_support *caps;
};

/** The machine as berth_select_survey() saw it. */
struct berth_backend_survey {
    const struct berth_backend_status *backends; /* in priority order */
    size_t n_backends;
    const char *source;  /* where the list came from ("default", "BERTH_BACKEND", origin ...) */
    const char *chosen;  /* the backend selection would choose, or NULL */
    const struct berth_error *error; /* why none would be chosen, or NULL */
    const char *const *plugin_dirs;  /* plugin search path: BERTH_PLUGIN_PATH dirs, installed dir */
    const struct berth_refused_plugin *refused; /* refused plugin files */
    size_t n_refused;
};

/* -------------------------------------------------------------- results */

/** An operation's outcome, valid during the completion callback only. */
struct berth_container_result {
    const struct berth_error *error; /* NULL on success */
    const char *backend;  /* the backend that ran it (NULL when none was selected) */
    const char *id;       /* run/create: the container id; image pull/build: the image id */
    int exit_code;        /* wait, exec, attached run: the exit code; else -1 */
    bool removed;         /* remove_if_exists: true when it existed and was removed */
    const char *out;      /* exec: captured stdout (NUL-terminated), or NULL */
    size_t out_len;
    const char *err;      /* exec: captured stderr (NUL-terminated), or NULL */
    size_t err_len;
    const struct berth_container_info *containers; /* list; inspect: exactly 1 */
    size_t n_containers;
    const struct berth_image_info *images;         /* image list; image inspect: exactly 1 */
    size_t n_images;
    struct berth_backend *instance;                /* select_get: the selected instance */
    const struct berth_backend_survey *survey;     /* select_survey */
    const struct berth_select_verdict *verdicts;   /* select_by_capability, in priority order */
    size_t n_verdicts;
    const struct berth_cleanup_report *report;     /* cleanup */
};

/** A completion callback: called exactly once per operation, from the loop. */
typedef void (*berth_container_done_fn)(const struct berth_container_result *res, void *user);

/**
 * Cancels op: backend work in flight is cancelled and the callback fires on
 * a later loop turn with BERTH_E_CANCELLED (or the result, if it was already
 * known). Containers already changed stay as they are. No effect from op's
 * own callback.
 */
BERTH_API void berth_container_op_cancel(struct berth_container_op *op);

/**
 * Selects the backend now (first use) or returns the one selected:
 * result.instance (owned by the engine) and result.backend.
 */
BERTH_API struct berth_container_op *berth_select_get(struct berth_engine *eng,
                                                      berth_container_done_fn done, void *user,
                                                      struct berth_error **err);

/**
 * Lists the backends and what they are: every candidate of the selection's
 * precedence is probed to the end (not only up to the first available one),
 * with its driver, program on PATH, version, reason and capability table;
 * plus the plugin search path and refused plugins. Does not use (nor change)
 * the selection. Result in result.survey.
 */
BERTH_API struct berth_container_op *berth_select_survey(struct berth_engine *eng,
                                                         berth_container_done_fn done,
                                                         void *user, struct berth_error **err);

/**
 * Returns, in result.backend, the first candidate in priority order whose
 * capabilities cover what spec uses in opts->mode and that is available
 * (only qualifying candidates are probed). result.verdicts says, per
 * candidate, why it was (not) chosen. When none qualifies the error is
 * BERTH_E_UNSUPPORTED, when none of those qualifying is available
 * BERTH_E_NOT_FOUND; either message names every candidate and what
 * disqualified it ("podman: seccomp is emulated, strict-native needs native").
 */
BERTH_API struct berth_container_op *
berth_select_by_capability(struct berth_engine *eng, const struct berth_container_spec *spec,
                           const struct berth_select_options *opts, berth_container_done_fn done,
                           void *user, struct berth_error **err);

/* ------------------------------------------------------------ containers */

/** Options of berth_container_run(). Zero-initialise. */
struct berth_container_run_options {
    /* true: complete once started (result.id). false (attached): stream the
       container's output to on_line, wait for it to exit, complete with its
       exit code; with spec->rm the container is then removed. */
    bool detach;
    berth_op_line_fn on_line; /* attached: output lines (may be NULL: output dropped) */
    void *stream_user;        /* passed to on_line */
};

/**
 * Creates and starts a container from spec. Cancelling an attached run stops
 * streaming and waiting; the container keeps running (stop or kill it).
 */
BERTH_API struct berth_container_op *
berth_container_run(struct berth_engine *eng, const struct berth_container_spec *spec,
                    const struct berth_container_run_options *opts, berth_container_done_fn done,
                    void *user, struct berth_error **err);

/** Creates a container from spec (not started); result.id. */
BERTH_API struct berth_container_op *berth_container_create(struct berth_engine *eng,
                                                            const struct berth_container_spec *spec,
                                                            berth_container_done_fn done,
                                                            void *user, struct berth_error **err);

/** Starts a created or exited container (name or id). */
BERTH_API struct berth_container_op *berth_container_start(struct berth_engine *eng,
                                                           const char *name,
                                                           berth_container_done_fn done,
                                                           void *user, struct berth_error **err);

/**
 * Stops a container: signal (0 = its stop signal), then SIGKILL after
 * timeout_s seconds (-1 = its stop grace period, else 10 s).
 */
BERTH_API struct berth_container_op *berth_container_stop(struct berth_engine *eng,
                                                          const char *name, int timeout_s,
                                                          int signal,
                                                          berth_container_done_fn done, void *user,
                                                          struct berth_error **err);

/** Sends signal (0 = SIGKILL) to a running container. */
BERTH_API struct berth_container_op *berth_container_kill(struct berth_engine *eng,
                                                          const char *name, int signal,
                                                          berth_container_done_fn done, void *user,
                                                          struct berth_error **err);

/**
 * Removes a container; force removes a running one (killing it); volumes
 * removes its anonymous volumes. A missing container is BERTH_E_NOT_FOUND,
 * except that with force some runtimes (podman) report success: use
 * berth_container_remove_if_exists() to learn whether one was removed.
 */
BERTH_API struct berth_container_op *berth_container_remove(struct berth_engine *eng,
                                                            const char *name, bool force,
                                                            bool volumes,
                                                            berth_container_done_fn done,
                                                            void *user, struct berth_error **err);

/**
 * Like berth_container_remove(), but a missing container is not an error:
 * result.removed tells whether there was one and it was removed (the
 * container is inspected first, so the answer is the same on every runtime).
 */
BERTH_API struct berth_container_op *
berth_container_remove_if_exists(struct berth_engine *eng, const char *name, bool force,
                                 bool volumes, berth_container_done_fn done, void *user,
                                 struct berth_error **err);

/** Options of berth_container_list(). Zero-initialise. */
struct berth_container_list_options {
    bool all; /* include stopped containers */
    /* label filters: key=value (value NULL: the key is present); all must match */
    const struct berth_kv *filters;
    size_t n_filters;
};

/** Lists containers (result.containers), running ones only unless opts->all. */
BERTH_API struct berth_container_op *
berth_container_list(struct berth_engine *eng, const struct berth_container_list_options *opts,
                     berth_container_done_fn done, void *user, struct berth_error **err);

/** Inspects a container (result.containers[0]); a missing one is BERTH_E_NOT_FOUND. */
BERTH_API struct berth_container_op *berth_container_inspect(struct berth_engine *eng,
                                                             const char *name,
                                                             berth_container_done_fn done,
                                                             void *user, struct berth_error **err);

/** Options of berth_container_logs(). Zero-initialise, then set tail (-1 = all). */
struct berth_container_logs_options {
    int tail;          /* lines from the end, -1 = all (0 = none) */
    bool follow;       /* keep streaming until the container stops (or cancel) */
    bool timestamps;   /* prefix each line with its RFC 3339 timestamp */
    const char *since; /* RFC 3339 or relative ("10m"), or NULL */
    berth_op_line_fn on_line; /* required */
    void *stream_user;
};

/** Streams a container's output lines to opts->on_line; completes at the end. */
BERTH_API struct berth_container_op *
berth_container_logs(struct berth_engine *eng, const char *name,
                     const struct berth_container_logs_options *opts,
                     berth_container_done_fn done, void *user, struct berth_error **err);

/** Options of berth_container_exec(). Zero-initialise. */
struct berth_container_exec_options {
    const char *const *argv; /* required, NULL-terminated */
    const struct berth_kv *env;
    size_t n_env;
    const char *workdir;
    const char *user;
    /* bytes kept per stream, 0 = 1 MiB; more output fails the op with
       BERTH_E_TOO_LARGE (the command is killed) */
    size_t capture_limit;
    uint64_t timeout_ms; /* 0 = the backend's default operation timeout */
};

/**
 * Runs a command in a running container; result.exit_code and the captured
 * result.out / result.err. A non-zero exit is not an error.
 */
BERTH_API struct berth_container_op *
berth_container_exec(struct berth_engine *eng, const char *name,
                     const struct berth_container_exec_options *opts,
                     berth_container_done_fn done, void *user, struct berth_error **err);

/**
 * Waits until a container is not running and gives its exit code
 * (result.exit_code). timeout_ms 0: no limit.
 */
BERTH_API struct berth_container_op *berth_container_wait(struct berth_engine *eng,
                                                          const char *name, uint64_t timeout_ms,
                                                          berth_container_done_fn done, void *user,
                                                          struct berth_error **err);

/** An owned deep copy of a container record (free with berth_container_info_free()). */
BERTH_API struct berth_container_info *
berth_container_info_dup(const struct berth_container_info *info);

/** Frees a copy from berth_container_info_dup() (NULL is fine). */
BERTH_API void berth_container_info_free(struct berth_container_info *info);

/* ---------------------------------------------------------------- images */

/** Options of berth_image_pull(). Zero-initialise. */
struct berth_image_pull_options {
    const char *platform;     /* "linux/amd64" or NULL */
    berth_op_line_fn on_line; /* progress lines, or NULL */
    void *stream_user;
    uint64_t timeout_ms;      /* 0 = the backend's default operation timeout */
};

/** Pulls an image (result.id: its local id when the backend reports it). */
BERTH_API struct berth_container_op *berth_image_pull(struct berth_engine *eng, const char *ref,
                                                      const struct berth_image_pull_options *opts,
                                                      berth_container_done_fn done, void *user,
                                                      struct berth_error **err);

/** Options of berth_image_list(). Zero-initialise. */
struct berth_image_list_options {
    bool all; /* include intermediate images */
    const struct berth_kv *filters; /* label filters, as for containers */
    size_t n_filters;
};

/** Lists images (result.images). */
BERTH_API struct berth_container_op *berth_image_list(struct berth_engine *eng,
                                                      const struct berth_image_list_options *opts,
                                                      berth_container_done_fn done, void *user,
                                                      struct berth_error **err);

/** Inspects an image (result.images[0]); a missing one is BERTH_E_NOT_FOUND. */
BERTH_API struct berth_container_op *berth_image_inspect(struct berth_engine *eng, const char *ref,
                                                         berth_container_done_fn done, void *user,
                                                         struct berth_error **err);

/** Removes an image (force: even when tagged several times or used by stopped containers). */
BERTH_API struct berth_container_op *berth_image_remove(struct berth_engine *eng, const char *ref,
                                                        bool force, berth_container_done_fn done,
                                                        void *user, struct berth_error **err);

/**
 * Builds an image from build->context (dockerfile/containerfile, args,
 * target, tags ...); build output lines go to on_line (may be NULL).
 * result.id: the built image's id. timeout_ms 0: the backend's default.
 */
BERTH_API struct berth_container_op *
berth_image_build(struct berth_engine *eng, const struct berth_build_spec *build,
                  berth_op_line_fn on_line, void *stream_user, uint64_t timeout_ms,
                  berth_container_done_fn done, void *user, struct berth_error **err);

/** An owned deep copy of an image record (free with berth_image_info_free()). */
BERTH_API struct berth_image_info *berth_image_info_dup(const struct berth_image_info *info);

/** Frees a copy from berth_image_info_dup() (NULL is fine). */
BERTH_API void berth_image_info_free(struct berth_image_info *info);

/* --------------------------------------------------------------- cleanup */

/** What a cleanup really removed (counts of successful removals only). */
struct berth_cleanup_report {
    size_t containers_removed;
    size_t networks_removed;
    size_t volumes_removed;
    const char *const *projects; /* the projects cleaned, NULL-terminated (sorted) */
    size_t n_projects;
    const char *const *errors;   /* one message per failed removal or listing, NULL-terminated */
    size_t n_errors;
};

/** Options of the cleanup calls. Zero-initialise, then set stop_timeout_s (-1 = no stop). */
struct berth_cleanup_options {
    bool remove_networks; /* networks labelled with the project */
    bool remove_volumes;  /* volumes labelled with the project, and anonymous ones */
    /* >= 0: stop each running container with this grace period (s) before
       removing it; -1: remove by force at once (SIGKILL) */
    int stop_timeout_s;
    /* the backend to clean (borrowed), NULL = the engine's selection */
    struct berth_backend *backend;
};

/**
 * Removes every container (running or not) labelled
 * com.docker.compose.project=project, then (by option) the project's
 * networks and volumes: found by label filters through the backend's LIST
 * operations, removed one by one. Completes with result.report; removals
 * that failed are listed in report->errors and make result.error a
 * BERTH_E_BACKEND summary (the counts stay exact).
 */
BERTH_API struct berth_container_op *
berth_cleanup_down_project(struct berth_engine *eng, const char *project,
                           const struct berth_cleanup_options *opts, berth_container_done_fn done,
                           void *user, struct berth_error **err);

/**
 * berth_cleanup_down_project() for every project found on the backend: every
 * container, network and volume carrying a com.docker.compose.project label.
 */
BERTH_API struct berth_container_op *
berth_cleanup_down_all(struct berth_engine *eng, const struct berth_cleanup_options *opts,
                       berth_container_done_fn done, void *user, struct berth_error **err);

#ifdef __cplusplus
}
#endif
#endif
