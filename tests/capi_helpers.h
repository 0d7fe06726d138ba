/*
 * Helpers of the container-API tests: an engine on a private event_base,
 * running the loop until an operation completes (with a watchdog), and a
 * capture of a struct berth_container_result that outlives its callback.
 */
#ifndef BERTH_TESTS_CAPI_HELPERS_H
#define BERTH_TESTS_CAPI_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include <berth/container.h>

#include "core/util.h"

struct event_base;

/* An engine on its own base. */
struct capi_env {
    struct event_base *base;
    struct berth_engine *eng;
};

/* Creates the engine (aborts on failure) with warnings on stderr. */
void capi_env_init(struct capi_env *env);
/* Frees engine and base. */
void capi_env_free(struct capi_env *env);

/* What an operation reported. */
struct capi_capture {
    bool done;
    int calls;        /* how many times the callback ran (must be 1) */
    int code;         /* error code, 0 on success */
    char *message;    /* error message, or NULL */
    char *hint;
    char *backend;
    char *id;
    int exit_code;
    bool removed;
    char *out, *err;
    size_t n_containers;
    struct berth_container_info *ctr; /* first container (owned copy) */
    struct strv names;                /* container names of a list */
    size_t n_images;
    struct berth_image_info *img;     /* first image (owned copy) */
    struct strv lines;                /* lines streamed to capi_on_line */
    struct berth_cleanup_report report; /* counts only */
    struct strv report_errors;
    struct strv report_projects;
    bool has_report;
    struct strv verdicts; /* "name:qualifies:available:chosen:feature:reason" */
};

/* Zeroes a capture. */
void capi_capture_init(struct capi_capture *c);
/* Frees what a capture holds and zeroes it. */
void capi_capture_reset(struct capi_capture *c);

/* A berth_container_done_fn storing into the capture (user). */
void capi_done(const struct berth_container_result *res, void *user);

/* A berth_op_line_fn appending "<stream>:<line>" to the capture's lines (stream_user). */
void capi_on_line(void *user, enum berth_stream stream, const char *line, size_t len,
                  bool complete);

/*
 * Runs the loop until c->done, failing the test after timeout_s seconds.
 * Returns true when done.
 */
bool capi_wait(struct capi_env *env, struct capi_capture *c, int timeout_s);

/* Runs the loop for ms milliseconds. */
void capi_spin(struct capi_env *env, int ms);

/* True when a line in c->lines equals s. */
bool capi_has_line(const struct capi_capture *c, const char *s);

/* The value of label key in info, or NULL. */
const char *capi_label(const struct berth_container_info *info, const char *key);

/* Runs a shell command line (test set-up only) and returns its stdout (malloc'ed). */
char *capi_sh(const char *cmd, int *status);

#endif
