/*
 * Compose projects: loading, validating and normalising compose files the
 * way docker compose reads them.
 *
 * berth_project_load() finds the compose files (-f, COMPOSE_FILE, or
 * compose.yaml ... in the working directory and its parents, plus the
 * override file next to it), reads .env / --env-file, decides the project
 * name, parses every file (anchors, merge keys, !reset, !override,
 * multi-document files), interpolates variables, merges the files, applies
 * include, extends and profiles, validates everything (schema and semantics,
 * all problems at once, each with file:line:col, the key path and a fix hint)
 * and builds the normalised model the engine runs.
 *
 * Loading is synchronous file I/O. It never touches an event loop: load a
 * project before running the loop (or from a callback, accepting that it
 * reads files).
 */
#ifndef BERTH_PROJECT_H
#define BERTH_PROJECT_H

#include <berth/common.h>
#include <berth/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_project;

/** Receives a warning (obsolete `version`, unset variable ...). */
typedef void (*berth_project_warn_fn)(const char *msg, void *user);

/** How to load a project. Zero-initialise, then set what you need. */
struct berth_project_options {
    /* Compose files (-f), NULL-terminated; NULL or empty: COMPOSE_FILE, else discovery. */
    const char *const *files;
    /* Project name (-p), or NULL: COMPOSE_PROJECT_NAME, `name:`, or the directory name. */
    const char *project_name;
    /* Project directory (--project-directory), or NULL: the first file's directory. */
    const char *project_directory;
    /* Environment files (--env-file), NULL-terminated; NULL: the project's .env file. */
    const char *const *env_files;
    /* Enabled profiles (--profile), NULL-terminated; NULL: COMPOSE_PROFILES. "*" enables all. */
    const char *const *profiles;
    /*
     * Services targeted explicitly, NULL-terminated, or NULL for all. A
     * targeted service is enabled even when its profiles are not (its
     * profiles get enabled), and the model keeps only the targeted services
     * and their dependencies.
     */
    const char *const *services;
    /* The environment as KEY=VALUE strings, NULL-terminated; NULL: the process environment. */
    const char *const *environment;
    /* Do not interpolate ${VARIABLES} (values keep their templates). */
    bool no_interpolate;
    /* Keep the merged model as written (no long syntax, defaults or resolved paths). */
    bool no_normalize;
    /* Warnings go here (NULL: dropped). */
    berth_project_warn_fn warn;
    void *warn_user;
};

/** Flags of berth_project_to_json() / berth_project_to_yaml(). */
enum berth_project_output_flags {
    BERTH_PROJECT_COMPACT = 1,       /* JSON on one line */
    BERTH_PROJECT_ESCAPE_DOLLAR = 2, /* write '$' as "$$" (docker compose's config output) */
};

/**
 * Loads, validates and normalises a project. Returns NULL with *err set when
 * anything is wrong; the message then lists every problem found, one per
 * line, as "file:line:col: key.path: problem; hint: fix".
 */
BERTH_API struct berth_project *berth_project_load(const struct berth_project_options *opts,
                                                   struct berth_error **err);

/** Frees a project (NULL is fine). */
BERTH_API void berth_project_free(struct berth_project *p);

/** The project name. */
BERTH_API const char *berth_project_name(const struct berth_project *p);

/** The project directory (absolute). */
BERTH_API const char *berth_project_working_dir(const struct berth_project *p);

/** The compose files loaded, absolute, in order; NULL-terminated. */
BERTH_API const char *const *berth_project_config_files(const struct berth_project *p);

/** The active services, sorted by name; NULL-terminated. */
BERTH_API const char *const *berth_project_services(const struct berth_project *p);

/** Number of active services. */
BERTH_API size_t berth_project_service_count(const struct berth_project *p);

/** Every profile any service declares (active or not), sorted; NULL-terminated. */
BERTH_API const char *const *berth_project_profiles(const struct berth_project *p);

/** The networks of the model (keys), sorted; NULL-terminated. */
BERTH_API const char *const *berth_project_networks(const struct berth_project *p);

/** The volumes of the model (keys), sorted; NULL-terminated. */
BERTH_API const char *const *berth_project_volumes(const struct berth_project *p);

/**
 * The image a service runs: its `image`, or "<project>-<service>" for a
 * service that only builds. NULL for an unknown service.
 */
BERTH_API const char *berth_project_service_image(const struct berth_project *p,
                                                  const char *service);

/** A variable of the project environment (shell over --env-file/.env), or NULL. */
BERTH_API const char *berth_project_getenv(const struct berth_project *p, const char *name);

/**
 * The model as JSON, shaped like `docker compose config --format json`
 * (malloc'd; the caller frees it). flags: enum berth_project_output_flags.
 */
BERTH_API char *berth_project_to_json(const struct berth_project *p, unsigned flags);

/** The model as YAML, like `docker compose config` (malloc'd; the caller frees it). */
BERTH_API char *berth_project_to_yaml(const struct berth_project *p, unsigned flags);

/**
 * The config hash of a service (64 hex digits and a NUL in out): SHA-256 of
 * its canonical JSON without build, pull_policy, scale, deploy.replicas,
 * depends_on, profiles and x- extensions. A changed hash means the containers
 * must be recreated. Fails for an unknown service.
 */
BERTH_API int berth_project_config_hash(const struct berth_project *p, const char *service,
                                        char out[65], struct berth_error **err);

#ifdef __cplusplus
}
#endif
#endif
