/* Operation jobs of the CLI-driving plugins (see drv-job.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/drv-job.h"

/* Unlinks and frees a job; its child must already be gone or abandoned. */
static void job_free(struct drv_job *job)
{
    if (job->on_free != NULL)
        job->on_free(job);
    if (job->prev != NULL)
        job->prev->next = job->next;
    else
        job->list->head = job->next;
    if (job->next != NULL)
        job->next->prev = job->prev;
    drv_arena_free(&job->arena);
    drv_buf_free(&job->err_tail);
    for (size_t i = 0; i < 2; i++)
        drv_buf_free(&job->partial[i]);
    free(job->cmd);
    free(job);
}

/* Completes the op (if any) and frees the job. */
static void job_complete(struct drv_job *job, struct berth_error *err,
                         const struct berth_op_result *res)
{
    if (job->op != NULL)
        job->host->op_complete(job->op, err, res);
    else if (err != NULL)
        job->host->error_free(err);
    job_free(job);
}

/*
 * The op's cancel hook (cancel or timeout; the host never calls it from
 * inside a call into the host). The child is abandoned, the driver may clean
 * up, and the op is completed: the host ignores that result but needs it to
 * free the op.
 */
static void job_cancel(void *data)
{
    struct drv_job *job = data;
    if (job->proc != NULL) {
        job->host->proc_abandon(job->proc);
        job->proc = NULL;
    }
    if (job->on_cancel != NULL)
        job->on_cancel(job);
    struct berth_error *e = job->host->error_new(BERTH_E_CANCELLED, 0, "%s: cancelled",
                                                 job->cmd != NULL ? job->cmd : "operation");
    struct berth_op_result res;
    memset(&res, 0, sizeof(res));
    res.error = e;
    job_complete(job, e, &res);
}

/* Creates a job and hooks it to op. */
struct drv_job *drv_job_new(struct drv_job_list *list, struct berth_op *op,
                            const struct berth_op_req *req)
{
    struct drv_job *job = drv_xcalloc(1, sizeof(*job));
    job->list = list;
    job->host = list->host;
    job->op = op;
    drv_arena_init(&job->arena);
    drv_buf_init(&job->err_tail);
    for (size_t i = 0; i < 2; i++)
        drv_buf_init(&job->partial[i]);
    if (req != NULL) {
        job->on_line = req->on_line;
        job->on_event = req->on_event;
        job->user = req->stream_user;
    }
    job->next = list->head;
    if (list->head != NULL)
        list->head->prev = job;
    list->head = job;
    if (op != NULL)
        list->host->op_set_cancel(op, job_cancel, job);
    return job;
}

/* Delivers one whole line to the job's consumer. */
static void job_deliver(struct drv_job *job, enum berth_stream stream, const char *line,
                        size_t len)
{
    if (job->line_hook != NULL)
        job->line_hook(job, stream, line, len);
    else if (job->on_line != NULL)
        job->on_line(job->user, stream, line, len, true);
}

/* A piece of output from the current child. */
static void job_on_line(struct berth_proc *p, enum berth_stream stream, const char *line,
                        size_t len, bool complete, void *user)
{
    (void)p;
    struct drv_job *job = user;
    if (stream == BERTH_STDERR) {
        drv_buf_add_tail(&job->err_tail, line, len, BERTH_BACKEND_STDERR_MAX);
        if (complete)
            drv_buf_add_tail(&job->err_tail, "\n", 1, BERTH_BACKEND_STDERR_MAX);
    }
    if (job->line_hook == NULL && job->on_line != NULL) {
        /* Forwarded output keeps the proc's pieces (callers accept partial lines). */
        job->on_line(job->user, stream, line, len, complete);
    } else {
        /* Hooks parse whole lines: join pieces, bounded. */
        struct drv_buf *acc = &job->partial[stream == BERTH_STDERR ? 1 : 0];
        if (!complete || acc->len > 0) {
            if (acc->len + len <= 16u * 1024 * 1024)
                drv_buf_add(acc, line, len);
            if (complete) {
                job_deliver(job, stream, acc->p, acc->len);
                acc->len = 0;
            }
        } else {
            job_deliver(job, stream, line, len);
        }
    }
}

/* The current child ended: hand its result to the step. */
static void job_on_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    (void)p;
    struct drv_job *job = user;
    job->proc = NULL;
    drv_job_step_fn step = job->step;
    job->step = NULL;
    /* The step starts the next command, arms a timer, or completes (frees) the job. */
    step(job, res);
}

/* The command's name: CLI name plus the words after the prefix up to the first flag. */
char *drv_job_cmd_name(const char *cli_name, const char *const *argv, size_t prefix_len)
{
    struct drv_buf b;
    drv_buf_init(&b);
    drv_buf_adds(&b, cli_name);
    size_t i = 0;
    while (i < prefix_len && argv[i] != NULL)
        i++;
    for (int words = 0; argv[i] != NULL && words < 2; i++, words++) {
        if (argv[i][0] == '-')
            break;
        drv_buf_addc(&b, ' ');
        drv_buf_adds(&b, argv[i]);
    }
    return b.p;
}

/* Spawns argv as the job's current command. */
int drv_job_run(struct drv_job *job, const char *const *argv, const struct drv_run *run,
                struct berth_error **err)
{
    struct berth_proc_options o;
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.in = BERTH_IN_NULL;
    o.on_line = job_on_line;
    o.on_done = job_on_done;
    o.user = job;
    switch (run->mode) {
    case DRV_RUN_CAPTURE:
        o.out = BERTH_OUT_CAPTURE;
        o.err = BERTH_OUT_CAPTURE;
        o.capture_limit = run->capture_limit;
        break;
    case DRV_RUN_FORWARD:
    case DRV_RUN_HOOK:
        o.out = BERTH_OUT_LINES;
        o.err = BERTH_OUT_LINES;
        break;
    case DRV_RUN_INHERIT:
        o.in = BERTH_IN_INHERIT;
        o.out = BERTH_OUT_INHERIT;
        o.err = BERTH_OUT_INHERIT;
        o.keep_session = run->tty;
        break;
    }
    job->err_tail.len = 0;
    if (job->err_tail.p != NULL)
        job->err_tail.p[0] = '\0';
    struct berth_error *e = NULL;
    struct berth_proc *p = job->host->spawn(job->host, &o, &e);
    if (p == NULL) {
        if (e == NULL)
            e = job->host->error_new(BERTH_E_SYSTEM, 0, "cannot start %s", argv[0]);
        job->host->error_wrap(&e, "%s", job->cmd != NULL ? job->cmd : argv[0]);
        if (err != NULL && *err == NULL)
            *err = e;
        else
            job->host->error_free(e);
        return -1;
    }
    job->proc = p;
    job->step = run->step;
    return 0;
}

/* Success. */
void drv_job_done(struct drv_job *job, const struct berth_op_result *res)
{
    struct berth_op_result empty;
    memset(&empty, 0, sizeof(empty));
    job_complete(job, NULL, res != NULL ? res : &empty);
}

/* Failure. */
void drv_job_fail(struct drv_job *job, struct berth_error *err)
{
    struct berth_op_result empty;
    memset(&empty, 0, sizeof(empty));
    empty.error = err;
    job_complete(job, err, &empty);
}

/* Failure that still reports what was made (res->id of a created container). */
void drv_job_fail_with(struct drv_job *job, struct berth_error *err,
                       const struct berth_op_result *res)
{
    struct berth_op_result r = *res;
    r.error = err;
    job_complete(job, err, &r);
}

/* A clean exit 0 without supervision errors. */
bool drv_job_ok(const struct berth_proc_result *res)
{
    return res->error == NULL && res->exited && res->exit_code == 0 && !res->timed_out &&
           !res->cancelled;
}

/* "cmd: exit N: <stderr>" (stderr bounded, trailing newlines dropped). */
struct berth_error *drv_job_cmd_error(struct drv_job *job, const struct berth_proc_result *res)
{
    const struct berth_host *h = job->host;
    const char *cmd = job->cmd != NULL ? job->cmd : "command";
    if (res->error != NULL) {
        struct berth_error *e = h->error_new(BERTH_E_BACKEND, 0, "%s", h->error_message(res->error));
        h->error_wrap(&e, "%s", cmd);
        return e;
    }
    const char *text = res->err != NULL ? res->err : job->err_tail.p;
    size_t len = res->err != NULL ? res->err_len : job->err_tail.len;
    if (text == NULL)
        text = "";
    if (len > BERTH_BACKEND_STDERR_MAX) {
        text += len - BERTH_BACKEND_STDERR_MAX;
        len = BERTH_BACKEND_STDERR_MAX;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    char *tail = drv_xstrndup(text, len);
    int code = job->list->classify != NULL ? job->list->classify(tail) : BERTH_E_BACKEND;
    struct berth_error *e;
    if (res->timed_out)
        e = h->error_new(BERTH_E_TIMEOUT, 0, "%s: timed out%s%s", cmd, len ? ": " : "", tail);
    else if (res->signal != 0)
        e = h->error_new(BERTH_E_BACKEND, 0, "%s: killed by signal %d%s%s", cmd, res->signal,
                         len ? ": " : "", tail);
    else
        e = h->error_new(code, 0, "%s: exit %d%s%s", cmd, res->exit_code, len ? ": " : "",
                         len ? tail : " (no error output)");
    free(tail);
    return e;
}

/* Frees background jobs left at destroy (their children are abandoned). */
void drv_job_list_clear(struct drv_job_list *list)
{
    while (list->head != NULL) {
        struct drv_job *job = list->head;
        if (job->proc != NULL)
            job->host->proc_abandon(job->proc);
        job->proc = NULL;
        job->op = NULL;
        job_free(job);
    }
}
