/*
 * Single containers on the engine's selected backend (berth/container.h).
 *
 * Most calls are one backend operation (capi_simple). `run` is a job of
 * several: create, start, then (attached) logs --follow and wait side by
 * side, and removal when the spec asks for it.
 *
 * Attached run, states x events:
 *
 *             | op ok                  | op failed          | grace timer   | cancel
 *  CREATING   | start -> STARTING      | fail               | -             | fail (cancelled)
 *  STARTING   | detach: done;          | rm: remove, fail;  | -             | fail (cancelled)
 *             | else logs+wait ->      | else fail          |               |
 *             |  ATTACHED              |                    |               |
 *  ATTACHED   | wait: exit code; logs  | wait: fail;        | cancel logs   | logs and wait
 *             |  still open: grace     | logs: ignored      |               |  cancelled: fail
 *             |  timer; both: finish   |                    |               |
 *  REMOVING   | done (exit code)       | done, warning      | -             | fail (cancelled)
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/capi-internal.h"
#include "plugins/verify-op.h"

/* How long an attached run waits for the log stream to end once the container exited. */
#define RUN_LOG_GRACE_MS 2000

/* Default bytes of exec output kept per stream. */
#define EXEC_CAPTURE_DEFAULT (1024 * 1024)

/* Checks a container name argument. */
static int check_name(const char *fn, const char *name, struct berth_error **err)
{
    if (name == NULL || *name == '\0')
        return berth_error_set(err, BERTH_E_INVALID, 0, "%s: no container name or id given", fn);
    return 0;
}

/* Checks the engine argument. */
static int check_engine(const char *fn, struct berth_engine *eng, struct berth_error **err)
{
    if (eng == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "%s: no engine given", fn);
    return 0;
}

/* ------------------------------------------------------------------ run */

struct run_job {
    struct berth_container_op *op;
    const struct berth_container_spec *spec; /* arena copy (rm cleared when attached) */
    bool detach;
    bool rm;
    bool create_only;               /* berth_container_create: done once created */
    struct berth_verify_op *verify; /* image verification before create (plugins/verify.c) */
    berth_op_line_fn on_line;
    void *stream_user;
    const char *id;
    bool waited;
    bool logs_running;
    int exit_code;
    struct berth_error *start_error; /* kept while removing after a failed start */
    struct berth_op *logs;
    struct berth_timer *grace;
};

/* Frees the run job. */
static void run_free(void *data)
{
    struct run_job *j = data;
    berth_verify_op_discard(j->verify);
    berth_timer_free(j->grace);
    berth_error_free(j->start_error);
    free(j);
}

/* Cancelling stops the grace timer (the backend operations are cancelled by capi). */
static void run_cancel(struct berth_container_op *op, void *data)
{
    (void)op;
    struct run_job *j = data;
    if (j->grace != NULL)
        berth_timer_stop(j->grace);
    berth_verify_op_discard(j->verify);
    j->verify = NULL;
}

/* The result of a finished attached or detached run. */
static struct berth_container_result run_result(const struct run_job *j)
{
    struct berth_container_result r = {.exit_code = -1, .id = j->id};
    if (!j->detach)
        r.exit_code = j->exit_code;
    return r;
}

/* Removal after the run finished (or after a failed start). */
static void run_removed(struct berth_container_op *op, const struct berth_op_result *res,
                        void *data)
{
    struct run_job *j = data;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_NOT_FOUND)
        berth_engine_log(capi_op_engine(op), BERTH_LOG_WARN, "container",
                         "could not remove container %s: %s", j->id,
                         berth_error_message(res->error));
    struct berth_container_result r = run_result(j);
    struct berth_error *e = j->start_error;
    j->start_error = NULL;
    capi_finish(op, &r, e);
}

/* Removes the container (rm), then finishes. */
static void run_remove(struct berth_container_op *op, struct run_job *j)
{
    struct berth_op_req req = {
        .kind = BERTH_OP_CONTAINER_REMOVE, .target = j->id, .force = true, .volumes = true};
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, run_removed, j, &e) == NULL) {
        berth_engine_log(capi_op_engine(op), BERTH_LOG_WARN, "container",
                         "could not remove container %s: %s", j->id, berth_error_message(e));
        berth_error_free(e);
        struct berth_container_result r = run_result(j);
        struct berth_error *se = j->start_error;
        j->start_error = NULL;
        capi_finish(op, &r, se);
    }
}

/* Both the wait and the log stream are over. */
static void run_complete(struct berth_container_op *op, struct run_job *j)
{
    if (j->rm) {
        run_remove(op, j);
        return;
    }
    struct berth_container_result r = run_result(j);
    capi_finish(op, &r, NULL);
}

/* The grace period after exit ran out: the log stream is cut. */
static void run_grace_over(struct berth_timer *t, void *user)
{
    (void)t;
    struct run_job *j = user;
    if (j->logs != NULL)
        berth_op_cancel(j->logs);
}

/* The log stream ended (normally when the container stopped). */
static void run_logs_done(struct berth_container_op *op, const struct berth_op_result *res,
                          void *data)
{
    struct run_job *j = data;
    j->logs_running = false;
    j->logs = NULL;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_CANCELLED)
        berth_engine_log(capi_op_engine(op), BERTH_LOG_WARN, "container",
                         "output of container %s: %s", j->id, berth_error_message(res->error));
    if (j->waited) {
        if (j->grace != NULL)
            berth_timer_stop(j->grace);
        run_complete(op, j);
    }
}

/* The container exited. */
static void run_waited(struct berth_container_op *op, const struct berth_op_result *res,
                       void *data)
{
    struct run_job *j = data;
    if (res->error != NULL) {
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    j->waited = true;
    j->exit_code = res->exit_code;
    if (!j->logs_running) {
        run_complete(op, j);
        return;
    }
    if (j->grace == NULL)
        j->grace = berth_timer_new(capi_op_engine(op), run_grace_over, j);
    berth_timer_start(j->grace, RUN_LOG_GRACE_MS);
}

/* Started: done when detached, else stream and wait. */
static void run_started(struct berth_container_op *op, const struct berth_op_result *res,
                        void *data)
{
    struct run_job *j = data;
    if (res->error != NULL) {
        if (j->rm && !capi_op_cancelled(op)) {
            j->start_error = berth_error_copy(res->error);
            run_remove(op, j);
            return;
        }
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    if (j->detach) {
        struct berth_container_result r = run_result(j);
        capi_finish(op, &r, NULL);
        return;
    }
    struct berth_error *e = NULL;
    struct berth_op_req wreq = {
        .kind = BERTH_OP_CONTAINER_WAIT, .target = j->id, .timeout_ms = CAPI_FOREVER_MS};
    if (capi_submit(op, &wreq, run_waited, j, &e) == NULL) {
        capi_fail(op, e);
        return;
    }
    if (j->on_line != NULL) {
        /* Logs from the start: nothing is lost although the process already runs. */
        struct berth_op_req lreq = {.kind = BERTH_OP_CONTAINER_LOGS,
                                    .target = j->id,
                                    .follow = true,
                                    .tail = -1,
                                    .on_line = j->on_line,
                                    .stream_user = j->stream_user};
        j->logs = capi_submit(op, &lreq, run_logs_done, j, &e);
        if (j->logs == NULL) {
            berth_engine_log(capi_op_engine(op), BERTH_LOG_WARN, "container",
                             "cannot stream the output of %s: %s", j->id,
                             berth_error_message(e));
            berth_error_free(e);
        } else {
            j->logs_running = true;
        }
    }
}

/* Created: start it. */
static void run_created(struct berth_container_op *op, const struct berth_op_result *res,
                        void *data)
{
    struct run_job *j = data;
    if (res->error != NULL) {
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    const char *id = res->id != NULL && *res->id != '\0' ? res->id : j->spec->name;
    if (id == NULL) {
        capi_fail(op, berth_error_new(BERTH_E_BACKEND, 0,
                                      "backend '%s' created a container but gave no id",
                                      berth_backend_name(capi_op_backend(op))));
        return;
    }
    j->id = copy_str(capi_op_arena(op), id);
    if (j->create_only) {
        struct berth_container_result r = {.exit_code = -1, .id = j->id};
        capi_finish(op, &r, NULL);
        return;
    }
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_START, .target = j->id};
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, run_started, j, &e) == NULL)
        capi_fail(op, e);
}

/* Creates the container. */
static void run_create(struct berth_container_op *op, struct run_job *j)
{
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_CREATE, .spec = j->spec};
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, run_created, j, &e) == NULL)
        capi_fail(op, e);
}

/* The image was verified (or verification failed): create, or fail before creating. */
static void run_verified(const struct berth_verify_result *res, void *user)
{
    struct berth_container_op *op = user;
    struct run_job *j = capi_op_job(op);
    j->verify = NULL;
    if (res->error != NULL) {
        capi_fail_copy(op, res->error, "image verification");
        return;
    }
    if (res->n_reports > 0 && (res->reports[0].status == BERTH_VERIFY_VERIFIED ||
                               res->reports[0].status == BERTH_VERIFY_CACHED))
        /* what was verified is what runs: the runtime must not fetch the tag again */
        ((struct berth_container_spec *)j->spec)->pull_policy = "never";
    run_create(op, j);
}

/* The run's start: verify the image (berth/verify.h), then create. */
static void run_start(struct berth_container_op *op, struct berth_backend *b)
{
    struct run_job *j = capi_op_job(op);
    struct berth_error *e = NULL;
    j->verify = verify_spec_image(capi_op_engine(op), b, j->spec, run_verified, op, &e);
    if (j->verify != NULL)
        return;
    if (e != NULL) {
        capi_fail(op, e);
        return;
    }
    run_create(op, j);
}

/* Creates and starts a container. */
struct berth_container_op *berth_container_run(struct berth_engine *eng,
                                               const struct berth_container_spec *spec,
                                               const struct berth_container_run_options *opts,
                                               berth_container_done_fn done, void *user,
                                               struct berth_error **err)
{
    if (check_engine("berth_container_run", eng, err) < 0)
        return NULL;
    if (spec == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_container_run: no spec given");
        return NULL;
    }
    struct berth_container_run_options dflt = {.detach = true};
    if (opts == NULL)
        opts = &dflt;
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct run_job *j = xcalloc(1, sizeof(*j));
    j->op = op;
    j->detach = opts->detach;
    j->on_line = opts->on_line;
    j->stream_user = opts->stream_user;
    j->exit_code = -1;
    const struct berth_container_spec *copy = copy_spec(capi_op_arena(op), spec);
    if (!opts->detach && spec->rm) {
        /* Attached: berth removes it after reading the exit code and the last lines. */
        j->rm = true;
        ((struct berth_container_spec *)copy)->rm = false;
    }
    j->spec = copy;
    capi_op_set_job(op, j, run_free, run_cancel);
    return capi_launch(op, NULL, run_start);
}

/* ------------------------------------------------------- simple operations */

/* Creates a container. */
struct berth_container_op *berth_container_create(struct berth_engine *eng,
                                                  const struct berth_container_spec *spec,
                                                  berth_container_done_fn done, void *user,
                                                  struct berth_error **err)
{
    if (check_engine("berth_container_create", eng, err) < 0)
        return NULL;
    if (spec == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_container_create: no spec given");
        return NULL;
    }
    /* a run job that stops once created: it verifies the image first */
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct run_job *j = xcalloc(1, sizeof(*j));
    j->op = op;
    j->detach = true;
    j->create_only = true;
    j->exit_code = -1;
    j->spec = copy_spec(capi_op_arena(op), spec);
    capi_op_set_job(op, j, run_free, run_cancel);
    return capi_launch(op, NULL, run_start);
}

/* Starts a container. */
struct berth_container_op *berth_container_start(struct berth_engine *eng, const char *name,
                                                 berth_container_done_fn done, void *user,
                                                 struct berth_error **err)
{
    if (check_engine("berth_container_start", eng, err) < 0 ||
        check_name("berth_container_start", name, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_START, .target = name};
    return capi_simple(eng, &req, done, user);
}

/* Stops a container. */
struct berth_container_op *berth_container_stop(struct berth_engine *eng, const char *name,
                                                int timeout_s, int signal,
                                                berth_container_done_fn done, void *user,
                                                struct berth_error **err)
{
    if (check_engine("berth_container_stop", eng, err) < 0 ||
        check_name("berth_container_stop", name, err) < 0)
        return NULL;
    if (signal < 0 || signal >= 65) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_container_stop: invalid signal %d",
                        signal);
        return NULL;
    }
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_STOP,
                               .target = name,
                               .timeout_s = timeout_s < 0 ? -1 : timeout_s,
                               .signal = signal};
    /* The host's timeout must outlast the grace period. */
    if (timeout_s > 0)
        req.timeout_ms = (uint64_t)timeout_s * 1000u + BERTH_BACKEND_TIMEOUT_DEFAULT_MS;
    return capi_simple(eng, &req, done, user);
}

/* Signals a container. */
struct berth_container_op *berth_container_kill(struct berth_engine *eng, const char *name,
                                                int signal, berth_container_done_fn done,
                                                void *user, struct berth_error **err)
{
    if (check_engine("berth_container_kill", eng, err) < 0 ||
        check_name("berth_container_kill", name, err) < 0)
        return NULL;
    if (signal < 0 || signal >= 65) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_container_kill: invalid signal %d",
                        signal);
        return NULL;
    }
    struct berth_op_req req = {
        .kind = BERTH_OP_CONTAINER_KILL, .target = name, .signal = signal ? signal : SIGKILL};
    return capi_simple(eng, &req, done, user);
}

/* Removes a container. */
struct berth_container_op *berth_container_remove(struct berth_engine *eng, const char *name,
                                                  bool force, bool volumes,
                                                  berth_container_done_fn done, void *user,
                                                  struct berth_error **err)
{
    if (check_engine("berth_container_remove", eng, err) < 0 ||
        check_name("berth_container_remove", name, err) < 0)
        return NULL;
    struct berth_op_req req = {
        .kind = BERTH_OP_CONTAINER_REMOVE, .target = name, .force = force, .volumes = volumes};
    return capi_simple(eng, &req, done, user);
}

/* remove_if_exists: inspect first, because some runtimes (podman rm --force) report
 * success for a container that does not exist. */
struct rie_job {
    const char *target;
    bool force, volumes;
};

/* The removal finished: absent (a race) is not an error. */
static void rie_removed(struct berth_container_op *op, const struct berth_op_result *res,
                        void *data)
{
    (void)data;
    struct berth_container_result r = {.exit_code = -1};
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_NOT_FOUND) {
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    r.removed = res->error == NULL;
    capi_finish(op, &r, NULL);
}

/* The inspection answered: remove what exists. */
static void rie_inspected(struct berth_container_op *op, const struct berth_op_result *res,
                          void *data)
{
    struct rie_job *j = data;
    struct berth_container_result r = {.exit_code = -1};
    if (res->error != NULL && berth_error_code(res->error) == BERTH_E_NOT_FOUND) {
        capi_finish(op, &r, NULL);
        return;
    }
    if (res->error != NULL) {
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    if (res->n_containers == 0) {
        capi_finish(op, &r, NULL);
        return;
    }
    const char *id = res->containers[0].id;
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_REMOVE,
                               .target = id != NULL && *id != '\0' ? id : j->target,
                               .force = j->force,
                               .volumes = j->volumes};
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, rie_removed, j, &e) == NULL)
        capi_fail(op, e);
}

/* The job's start. */
static void rie_start(struct berth_container_op *op, struct berth_backend *b)
{
    (void)b;
    struct rie_job *j = capi_op_job(op);
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_INSPECT, .target = j->target};
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, rie_inspected, j, &e) == NULL)
        capi_fail(op, e);
}

/* Removes a container if there is one. */
struct berth_container_op *berth_container_remove_if_exists(struct berth_engine *eng,
                                                            const char *name, bool force,
                                                            bool volumes,
                                                            berth_container_done_fn done,
                                                            void *user, struct berth_error **err)
{
    if (check_engine("berth_container_remove_if_exists", eng, err) < 0 ||
        check_name("berth_container_remove_if_exists", name, err) < 0)
        return NULL;
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct rie_job *j = copy_alloc(capi_op_arena(op), sizeof(*j));
    j->target = copy_str(capi_op_arena(op), name);
    j->force = force;
    j->volumes = volumes;
    capi_op_set_job(op, j, NULL, NULL);
    return capi_launch(op, NULL, rie_start);
}

/* Lists containers. */
struct berth_container_op *berth_container_list(struct berth_engine *eng,
                                                const struct berth_container_list_options *opts,
                                                berth_container_done_fn done, void *user,
                                                struct berth_error **err)
{
    if (check_engine("berth_container_list", eng, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_LIST};
    if (opts != NULL) {
        for (size_t i = 0; i < opts->n_filters; i++) {
            if (opts->filters == NULL || opts->filters[i].key == NULL ||
                *opts->filters[i].key == '\0') {
                berth_error_set(err, BERTH_E_INVALID, 0,
                                "berth_container_list: label filter %zu has no key", i + 1);
                return NULL;
            }
        }
        req.all = opts->all;
        req.filters = opts->filters;
        req.n_filters = opts->n_filters;
    }
    return capi_simple(eng, &req, done, user);
}

/* Inspects a container. */
struct berth_container_op *berth_container_inspect(struct berth_engine *eng, const char *name,
                                                   berth_container_done_fn done, void *user,
                                                   struct berth_error **err)
{
    if (check_engine("berth_container_inspect", eng, err) < 0 ||
        check_name("berth_container_inspect", name, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_INSPECT, .target = name};
    return capi_simple(eng, &req, done, user);
}

/* Streams a container's output. */
struct berth_container_op *berth_container_logs(struct berth_engine *eng, const char *name,
                                                const struct berth_container_logs_options *opts,
                                                berth_container_done_fn done, void *user,
                                                struct berth_error **err)
{
    if (check_engine("berth_container_logs", eng, err) < 0 ||
        check_name("berth_container_logs", name, err) < 0)
        return NULL;
    if (opts == NULL || opts->on_line == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_container_logs: no line callback given");
        return NULL;
    }
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_LOGS,
                               .target = name,
                               .tail = opts->tail < 0 ? -1 : opts->tail,
                               .follow = opts->follow,
                               .timestamps = opts->timestamps,
                               .since = opts->since,
                               .on_line = opts->on_line,
                               .stream_user = opts->stream_user};
    return capi_simple(eng, &req, done, user);
}

/* Runs a command in a container. */
struct berth_container_op *berth_container_exec(struct berth_engine *eng, const char *name,
                                                const struct berth_container_exec_options *opts,
                                                berth_container_done_fn done, void *user,
                                                struct berth_error **err)
{
    if (check_engine("berth_container_exec", eng, err) < 0 ||
        check_name("berth_container_exec", name, err) < 0)
        return NULL;
    if (opts == NULL || opts->argv == NULL || opts->argv[0] == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_container_exec: no command given");
        return NULL;
    }
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_EXEC,
                               .target = name,
                               .argv = opts->argv,
                               .env = opts->env,
                               .n_env = opts->n_env,
                               .workdir = opts->workdir,
                               .user = opts->user,
                               .capture_limit = opts->capture_limit ? opts->capture_limit
                                                                    : EXEC_CAPTURE_DEFAULT,
                               .timeout_ms = opts->timeout_ms};
    return capi_simple(eng, &req, done, user);
}

/* Waits for a container to exit. */
struct berth_container_op *berth_container_wait(struct berth_engine *eng, const char *name,
                                                uint64_t timeout_ms, berth_container_done_fn done,
                                                void *user, struct berth_error **err)
{
    if (check_engine("berth_container_wait", eng, err) < 0 ||
        check_name("berth_container_wait", name, err) < 0)
        return NULL;
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_WAIT,
                               .target = name,
                               .timeout_ms = timeout_ms ? timeout_ms : CAPI_FOREVER_MS};
    return capi_simple(eng, &req, done, user);
}

/* ----------------------------------------------------------- owned copies */

/* A record and the arena holding its strings, freed together. */
struct owned_container {
    struct copy_arena arena;
    struct berth_container_info info;
};

/* Deep-copies a container record. */
struct berth_container_info *berth_container_info_dup(const struct berth_container_info *info)
{
    if (info == NULL)
        return NULL;
    struct owned_container *o = xcalloc(1, sizeof(*o));
    copy_container_infos(&o->arena, &o->info, info, 1);
    return &o->info;
}

/* Frees a copy. */
void berth_container_info_free(struct berth_container_info *info)
{
    if (info == NULL)
        return;
    struct owned_container *o =
        (struct owned_container *)((char *)info - offsetof(struct owned_container, info));
    copy_arena_free(&o->arena);
    free(o);
}
