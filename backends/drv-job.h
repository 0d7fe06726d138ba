/*
 * Operation jobs of the CLI-driving plugins: one job per berth_op, running
 * the op's commands one after another through host->spawn, collecting their
 * output, and completing the op exactly once.
 *
 * A job registers the op's cancel hook: on cancel or timeout the host calls
 * it, the job abandons its child, lets the driver clean up (e.g. reap a
 * timed-out exec inside the container), completes the op (the host ignores
 * that result but frees the op on it) and frees itself.
 * Jobs without an op run in the background (cleanups) and belong to their
 * driver instance's job list until they end.
 */
#ifndef BERTH_BACKENDS_DRV_JOB_H
#define BERTH_BACKENDS_DRV_JOB_H

#include <berth/backend.h>

#include "backends/drv-util.h"

struct drv_job;

/* Classifies a failed command's stderr into a berth error code. */
typedef int (*drv_job_classify_fn)(const char *stderr_text);

/* The jobs of one driver instance. */
struct drv_job_list {
    const struct berth_host *host;
    drv_job_classify_fn classify;
    struct drv_job *head;
};

/* Called when the current command ended (exit status and all output seen). */
typedef void (*drv_job_step_fn)(struct drv_job *job, const struct berth_proc_result *res);

/* Called for every complete output line in DRV_RUN_HOOK mode. */
typedef void (*drv_job_line_fn)(struct drv_job *job, enum berth_stream stream, const char *line,
                                size_t len);

/* What happens to a command's output. */
enum drv_run_mode {
    DRV_RUN_CAPTURE = 0, /* stdout and stderr captured (res->out, res->err) */
    DRV_RUN_FORWARD,     /* lines forwarded to the op's on_line; stderr tail kept */
    DRV_RUN_HOOK,        /* lines given to the job's line hook; stderr tail kept */
    DRV_RUN_INHERIT,     /* the caller's own stdin/stdout/stderr (interactive CLI use) */
};

/* Options of one command. */
struct drv_run {
    enum drv_run_mode mode;
    size_t capture_limit; /* CAPTURE: per stream, 0 = BERTH_CAPTURE_DEFAULT */
    bool tty;             /* INHERIT: keep the caller's session (job control) */
    drv_job_step_fn step; /* required */
};

/* A job: public fields are the driver's to read and set. */
struct drv_job {
    struct drv_job_list *list;
    const struct berth_host *host;
    struct berth_op *op;          /* NULL for a background job */
    struct drv_arena arena;       /* the op result's memory */
    char *cmd;                    /* current command's name ("podman create") */
    struct drv_buf err_tail;      /* last BERTH_BACKEND_STDERR_MAX bytes of stderr */
    berth_op_line_fn on_line;     /* FORWARD target */
    berth_op_event_fn on_event;
    void *user;
    drv_job_line_fn line_hook;    /* HOOK target */
    /* Driver hooks: on cancel (before the job is freed), on free (driver data). */
    void (*on_cancel)(struct drv_job *job);
    void (*on_free)(struct drv_job *job);
    void *data;                   /* driver's per-op data */
    /* Internal state. */
    struct berth_proc *proc;
    drv_job_step_fn step;
    struct drv_buf partial[2];    /* per stream: a line longer than BERTH_LINE_MAX, being joined */
    struct drv_job *next, *prev;
};

/* Creates a job for op (NULL: background) and registers its cancel hook. */
struct drv_job *drv_job_new(struct drv_job_list *list, struct berth_op *op,
                            const struct berth_op_req *req);

/*
 * Runs argv as the job's current command. On a spawn failure (binary
 * missing ...) returns -1 with *err set ("podman create: ..."); the job is
 * untouched and the caller decides (usually drv_job_fail()).
 */
int drv_job_run(struct drv_job *job, const char *const *argv, const struct drv_run *run,
                struct berth_error **err);

/* Completes the op with res (error NULL) and frees the job. */
void drv_job_done(struct drv_job *job, const struct berth_op_result *res);

/* Completes the op with err (taken over) and frees the job. */
void drv_job_fail(struct drv_job *job, struct berth_error *err);

/* drv_job_fail() that also hands over res's fields (the id of what was created). */
void drv_job_fail_with(struct drv_job *job, struct berth_error *err,
                       const struct berth_op_result *res);

/*
 * The error of a command that did not succeed: "podman create: exit 125:
 * Error: ..." with the bounded stderr, classified by the list's classifier;
 * also covers signals and the proc's own supervision errors.
 */
struct berth_error *drv_job_cmd_error(struct drv_job *job, const struct berth_proc_result *res);

/* True when res is a clean exit 0. */
bool drv_job_ok(const struct berth_proc_result *res);

/* The command's name for messages: the CLI name plus its subcommand words. */
char *drv_job_cmd_name(const char *cli_name, const char *const *argv, size_t prefix_len);

/* Frees every remaining job (background ones) of a destroyed driver instance. */
void drv_job_list_clear(struct drv_job_list *list);

#endif
