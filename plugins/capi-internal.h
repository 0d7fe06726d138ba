/*
 * The machinery behind include/berth/container.h (never installed).
 *
 * Every public call of the container API is a struct berth_container_op
 * running a "job": the op waits for the engine's backend selection
 * (plugins/select.c), then the job's start function submits backend
 * operations with capi_submit() and finishes the op with capi_finish().
 * The op tracks its backend operations, so that cancelling it cancels them
 * and freeing the engine discards them. compose/cleanup.c runs its jobs
 * through the same machinery.
 *
 * Op states x events:
 *
 *            | selected      | sub done       | finish          | cancel           | engine freed
 *  WAITING   | start->RUNNING| -              | (start failed)  | ->DELIVERING     | freed, silent
 *  RUNNING   | -             | job callback   | ->DELIVERING or | subs cancelled;  | subs discarded,
 *            |               |                |   callback      |   job sees errors|   freed, silent
 *  DELIVERING| -             | -              | ignored         | no effect        | freed, silent
 *  DONE      | -             | -              | ignored         | no effect        | -
 *
 * DELIVERING is used only when the op finished inside the call that
 * started it (the callback then runs on the next loop turn).
 */
#ifndef BERTH_PLUGINS_CAPI_INTERNAL_H
#define BERTH_PLUGINS_CAPI_INTERNAL_H

#include <berth/container.h>

#include "plugins/copy.h"

/* WAIT without a caller deadline: ten years stands for none (the host needs a bound). */
#define CAPI_FOREVER_MS (10ull * 365 * 24 * 3600 * 1000)

struct berth_detect;

/* A job's start: the backend is known; submit the first backend operation. */
typedef void (*capi_start_fn)(struct berth_container_op *op, struct berth_backend *b);

/* A backend operation submitted by a job finished (res valid during the call). */
typedef void (*capi_sub_fn)(struct berth_container_op *op, const struct berth_op_result *res,
                            void *data);

/* Selection phases. */
enum select_phase {
    SELECT_IDLE = 0,  /* nothing selected (never tried, or the last try failed) */
    SELECT_DETECTING, /* detection runs; ops wait */
    SELECT_READY,     /* backend chosen */
};

/* The engine's selection (slot ENGINE_SLOT_BACKEND), shared by capi.c and select.c. */
struct select_state {
    struct berth_engine *eng;
    char **names;  /* berth_select_set() list, or NULL */
    char *origin;  /* its origin for messages */
    bool used;
    enum select_phase phase;
    struct berth_detect *detect;
    struct berth_backend *backend;
    bool own_backend;                  /* freed with the state */
    struct berth_container_op *waiting; /* ops waiting for the selection (FIFO) */
    struct berth_container_op *live;    /* every op not yet freed */
};

/* The engine's selection state, created on first use. */
struct select_state *select_state(struct berth_engine *eng);

/*
 * Starts the selection unless it runs or is done (marks it used). Ops in
 * st->waiting are started (or failed) when it finishes.
 */
void select_begin(struct select_state *st);

/* ----------------------------------------------------------------- ops */

/* A new op (not yet launched). */
struct berth_container_op *capi_op_new(struct berth_engine *eng, berth_container_done_fn done,
                                       void *user);

/*
 * Attaches the job's data: free_fn frees it with the op; cancel_fn (may be
 * NULL) runs when the op is cancelled while running (stop the job's timers).
 */
void capi_op_set_job(struct berth_container_op *op, void *job, void (*free_fn)(void *job),
                     void (*cancel_fn)(struct berth_container_op *op, void *job));

/* The job's data. */
void *capi_op_job(const struct berth_container_op *op);

/* The op's arena (freed with the op): requests copied at launch live here. */
struct copy_arena *capi_op_arena(struct berth_container_op *op);

/* The engine. */
struct berth_engine *capi_op_engine(const struct berth_container_op *op);

/* The backend the job runs on (NULL before start). */
struct berth_backend *capi_op_backend(const struct berth_container_op *op);

/* True once the op was cancelled. */
bool capi_op_cancelled(const struct berth_container_op *op);

/* Backend operations of op still running. */
size_t capi_op_subs(const struct berth_container_op *op);

/*
 * Launches op: start runs once the backend is known — b when not NULL
 * (borrowed), else the engine's selection (waiting for it if needed).
 * Returns op; a failure is reported through the callback (on a later turn).
 */
struct berth_container_op *capi_launch(struct berth_container_op *op, struct berth_backend *b,
                                       capi_start_fn start);

/*
 * Launches op without a backend: start runs at once with b NULL (for jobs
 * that do not use the selection, e.g. survey). Returns op.
 */
struct berth_container_op *capi_launch_unbound(struct berth_container_op *op,
                                               capi_start_fn start);

/*
 * Submits a backend operation for op on its backend; cb runs when it is
 * done. Returns NULL with *err set when it cannot start.
 */
struct berth_op *capi_submit(struct berth_container_op *op, const struct berth_op_req *req,
                             capi_sub_fn cb, void *data, struct berth_error **err);

/*
 * Finishes op with res (its error field is ignored: owned_error, taken over,
 * is the error; NULL = success). res->backend is filled in when NULL.
 * Remaining backend operations are discarded. From inside the call that
 * started op, res must point to memory that lives as long as the op (the
 * op's arena): delivery then happens on the next loop turn.
 */
void capi_finish(struct berth_container_op *op, const struct berth_container_result *res,
                 struct berth_error *owned_error);

/* Finishes op with error e (taken over). */
void capi_fail(struct berth_container_op *op, struct berth_error *e);

/* Finishes op with a copy of e, context added ("container 'x'"). */
void capi_fail_copy(struct berth_container_op *op, const struct berth_error *e, const char *ctx);

/*
 * Called by the selection for an op it took off st->waiting: starts its job
 * on b, or (b NULL) fails it with a copy of e.
 */
void capi_selected(struct berth_container_op *op, struct berth_backend *b,
                   const struct berth_error *e);

/*
 * Runs req (deep-copied: target, spec, build, filters, argv, env ...) as the
 * op's one backend operation on the engine's selection; the result is mapped
 * by kind (id, exit code for WAIT/EXEC, output, records).
 */
struct berth_container_op *capi_simple(struct berth_engine *eng, const struct berth_op_req *req,
                                       berth_container_done_fn done, void *user);

/* Takes the first op off st->waiting, or NULL. */
struct berth_container_op *capi_pop_waiting(struct select_state *st);

/* Frees every op of the state without callbacks (the engine is being freed). */
void capi_drop_all(struct select_state *st);

#endif
