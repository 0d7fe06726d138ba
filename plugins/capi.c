/*
 * Container API operations: lifecycle of struct berth_container_op, its
 * backend sub-operations and the delivery of its result (see the state
 * table in plugins/capi-internal.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/util.h"
#include "plugins/capi-internal.h"

enum capi_state {
    CAPI_NEW,        /* created, not launched */
    CAPI_WAITING,    /* waiting for the selection */
    CAPI_RUNNING,    /* the job runs */
    CAPI_DELIVERING, /* finished inside the starting call: callback on the next turn */
    CAPI_DONE,       /* the callback ran (or runs) */
};

/* One backend operation of an op. */
struct capi_sub {
    struct capi_sub *next, *prev;
    struct berth_container_op *op;
    struct berth_op *bop;
    capi_sub_fn cb;
    void *data;
};

struct berth_container_op {
    struct berth_engine *eng;
    struct select_state *st;
    enum capi_state state;
    berth_container_done_fn done;
    void *user;
    struct berth_backend *b;
    capi_start_fn start;
    void *job;
    void (*job_free)(void *job);
    void (*job_cancel)(struct berth_container_op *op, void *job);
    struct copy_arena arena;
    struct capi_sub *subs;
    size_t n_subs;
    bool cancelled;
    bool launching; /* inside the public call that started it */
    int busy;       /* callbacks of this op on the stack */
    struct event *defer;
    struct berth_container_result result; /* a result waiting for the next turn */
    struct berth_error *error;            /* its (owned) error */
    struct berth_container_op *next_live, *prev_live;
    struct berth_container_op *next_wait;
};

/* Creates an op and links it into the engine's live list. */
struct berth_container_op *capi_op_new(struct berth_engine *eng, berth_container_done_fn done,
                                       void *user)
{
    struct select_state *st = select_state(eng);
    struct berth_container_op *op = xcalloc(1, sizeof(*op));
    op->eng = eng;
    op->st = st;
    op->done = done;
    op->user = user;
    op->state = CAPI_NEW;
    op->next_live = st->live;
    if (st->live != NULL)
        st->live->prev_live = op;
    st->live = op;
    return op;
}

/* Attaches the job. */
void capi_op_set_job(struct berth_container_op *op, void *job, void (*free_fn)(void *job),
                     void (*cancel_fn)(struct berth_container_op *op, void *job))
{
    op->job = job;
    op->job_free = free_fn;
    op->job_cancel = cancel_fn;
}

/* The job's data. */
void *capi_op_job(const struct berth_container_op *op)
{
    return op->job;
}

/* The op's arena. */
struct copy_arena *capi_op_arena(struct berth_container_op *op)
{
    return &op->arena;
}

/* The engine. */
struct berth_engine *capi_op_engine(const struct berth_container_op *op)
{
    return op->eng;
}

/* The backend the job runs on. */
struct berth_backend *capi_op_backend(const struct berth_container_op *op)
{
    return op->b;
}

/* True once cancelled. */
bool capi_op_cancelled(const struct berth_container_op *op)
{
    return op->cancelled;
}

/* Running backend operations. */
size_t capi_op_subs(const struct berth_container_op *op)
{
    return op->n_subs;
}

/* Unlinks a sub from its op (the caller frees it). */
static void sub_unlink(struct capi_sub *s)
{
    struct berth_container_op *op = s->op;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        op->subs = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    op->n_subs--;
}

/* Discards every backend operation of op (no callbacks). */
static void op_discard_subs(struct berth_container_op *op)
{
    while (op->subs != NULL) {
        struct capi_sub *s = op->subs;
        sub_unlink(s);
        berth_op_discard(s->bop);
        free(s);
    }
}

/* Removes op from the waiting list, if it is there. */
static void op_unwait(struct berth_container_op *op)
{
    for (struct berth_container_op **pp = &op->st->waiting; *pp != NULL; pp = &(*pp)->next_wait) {
        if (*pp == op) {
            *pp = op->next_wait;
            op->next_wait = NULL;
            return;
        }
    }
}

/* Frees op: subs discarded, job freed, unlinked. */
static void op_free(struct berth_container_op *op)
{
    struct select_state *st = op->st;
    op_discard_subs(op);
    op_unwait(op);
    if (op->job_free != NULL && op->job != NULL)
        op->job_free(op->job);
    if (op->prev_live != NULL)
        op->prev_live->next_live = op->next_live;
    else
        st->live = op->next_live;
    if (op->next_live != NULL)
        op->next_live->prev_live = op->prev_live;
    if (op->defer != NULL)
        event_free(op->defer);
    berth_error_free(op->error);
    copy_arena_free(&op->arena);
    free(op);
}

/* Frees op once it is done and no callback of it is on the stack. */
static void op_maybe_free(struct berth_container_op *op)
{
    if (op->state == CAPI_DONE && op->busy == 0)
        op_free(op);
}

/* Runs the user's callback with the stored result, then frees op when possible. */
static void op_deliver(struct berth_container_op *op)
{
    struct berth_container_result r = op->result;
    r.error = op->error;
    if (r.backend == NULL && op->b != NULL)
        r.backend = berth_backend_name(op->b);
    op->state = CAPI_DONE;
    op_discard_subs(op);
    op->busy++;
    if (op->done != NULL)
        op->done(&r, op->user);
    op->busy--;
    op_maybe_free(op);
}

/* libevent callback: the deferred delivery. */
static void op_deferred(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    op_deliver(arg);
}

/* Schedules delivery on the next loop turn. */
static void op_defer(struct berth_container_op *op)
{
    op->state = CAPI_DELIVERING;
    if (op->defer == NULL) {
        op->defer = event_new(berth_engine_base(op->eng), -1, 0, op_deferred, op);
        if (op->defer == NULL)
            abort(); /* event_new fails only on OOM */
    }
    event_active(op->defer, EV_TIMEOUT, 0);
}

/* Finishes op with res and owned_error. */
void capi_finish(struct berth_container_op *op, const struct berth_container_result *res,
                 struct berth_error *owned_error)
{
    if (op->state == CAPI_DELIVERING || op->state == CAPI_DONE) {
        berth_error_free(owned_error);
        return;
    }
    op_unwait(op);
    if (res != NULL) {
        op->result = *res;
    } else {
        memset(&op->result, 0, sizeof(op->result));
        op->result.exit_code = -1;
    }
    op->result.error = NULL;
    berth_error_free(op->error);
    op->error = owned_error;
    if (op->launching) {
        op_discard_subs(op);
        op_defer(op);
        return;
    }
    op_deliver(op);
}

/* Finishes op with error e. */
void capi_fail(struct berth_container_op *op, struct berth_error *e)
{
    struct berth_container_result r = {.exit_code = -1};
    capi_finish(op, &r, e);
}

/* Finishes op with a copy of e and context. */
void capi_fail_copy(struct berth_container_op *op, const struct berth_error *e, const char *ctx)
{
    struct berth_error *c = berth_error_copy(e);
    if (ctx != NULL)
        berth_error_wrap(&c, "%s", ctx);
    capi_fail(op, c);
}

/* Starts the job on backend b. */
static void op_start_job(struct berth_container_op *op, struct berth_backend *b)
{
    op->b = b;
    op->state = CAPI_RUNNING;
    op->busy++;
    op->start(op, b);
    op->busy--;
}

/* Starts a waiting op on b, or fails it with a copy of e. */
void capi_selected(struct berth_container_op *op, struct berth_backend *b,
                   const struct berth_error *e)
{
    if (op->state != CAPI_WAITING)
        return;
    if (b == NULL) {
        op->state = CAPI_RUNNING;
        capi_fail_copy(op, e, NULL);
        return;
    }
    op_start_job(op, b);
    op_maybe_free(op);
}

/* Launches op on b or on the engine's selection. */
struct berth_container_op *capi_launch(struct berth_container_op *op, struct berth_backend *b,
                                       capi_start_fn start)
{
    op->start = start;
    op->launching = true;
    if (b != NULL) {
        op_start_job(op, b);
    } else {
        struct select_state *st = op->st;
        op->state = CAPI_WAITING;
        struct berth_container_op **pp = &st->waiting;
        while (*pp != NULL)
            pp = &(*pp)->next_wait;
        *pp = op;
        select_begin(st);
    }
    op->launching = false;
    return op;
}

/* Launches op with no backend. */
struct berth_container_op *capi_launch_unbound(struct berth_container_op *op,
                                               capi_start_fn start)
{
    op->start = start;
    op->launching = true;
    op_start_job(op, NULL);
    op->launching = false;
    return op;
}

/* The backend's completion of a sub: unlink it, then hand the result to the job. */
static void sub_done(struct berth_op *bop, const struct berth_op_result *res, void *user)
{
    (void)bop;
    struct capi_sub *s = user;
    struct berth_container_op *op = s->op;
    capi_sub_fn cb = s->cb;
    void *data = s->data;
    sub_unlink(s);
    free(s);
    if (op->state != CAPI_RUNNING)
        return;
    if (op->cancelled) {
        /* The result may have arrived before the cancel reached it: the job stops anyway. */
        op->busy++;
        capi_fail(op, berth_error_new(BERTH_E_CANCELLED, 0, "operation cancelled"));
        op->busy--;
        op_maybe_free(op);
        return;
    }
    op->busy++;
    cb(op, res, data);
    op->busy--;
    op_maybe_free(op);
}

/* Submits a backend operation on op's backend. */
struct berth_op *capi_submit(struct berth_container_op *op, const struct berth_op_req *req,
                             capi_sub_fn cb, void *data, struct berth_error **err)
{
    if (op->b == NULL) {
        berth_error_set(err, BERTH_E_STATE, 0, "no backend for %s", berth_op_kind_name(req->kind));
        return NULL;
    }
    struct capi_sub *s = xcalloc(1, sizeof(*s));
    s->op = op;
    s->cb = cb;
    s->data = data;
    s->bop = berth_backend_submit(op->b, req, sub_done, s, err);
    if (s->bop == NULL) {
        free(s);
        return NULL;
    }
    s->next = op->subs;
    if (op->subs != NULL)
        op->subs->prev = s;
    op->subs = s;
    op->n_subs++;
    return s->bop;
}

/* Cancels op (see the header). */
void berth_container_op_cancel(struct berth_container_op *op)
{
    if (op == NULL || op->cancelled)
        return;
    switch (op->state) {
    case CAPI_NEW:
    case CAPI_DELIVERING:
    case CAPI_DONE:
        return;
    case CAPI_WAITING:
        op->cancelled = true;
        op_unwait(op);
        op->state = CAPI_RUNNING;
        op->launching = true; /* we are inside the user's call: deliver on the next turn */
        capi_fail(op, berth_error_new(BERTH_E_CANCELLED, 0, "operation cancelled"));
        op->launching = false;
        return;
    case CAPI_RUNNING:
        break;
    }
    op->cancelled = true;
    op->busy++;
    op->launching = true;
    if (op->job_cancel != NULL)
        op->job_cancel(op, op->job);
    for (struct capi_sub *s = op->subs; s != NULL; s = s->next)
        berth_op_cancel(s->bop);
    if (op->state == CAPI_RUNNING && op->n_subs == 0)
        capi_fail(op, berth_error_new(BERTH_E_CANCELLED, 0, "operation cancelled"));
    op->launching = false;
    op->busy--;
    op_maybe_free(op);
}

/* Takes the first waiting op off the list. */
struct berth_container_op *capi_pop_waiting(struct select_state *st)
{
    struct berth_container_op *op = st->waiting;
    if (op != NULL) {
        st->waiting = op->next_wait;
        op->next_wait = NULL;
    }
    return op;
}

/* Frees every op silently (engine teardown). */
void capi_drop_all(struct select_state *st)
{
    st->waiting = NULL;
    while (st->live != NULL) {
        struct berth_container_op *op = st->live;
        op->state = CAPI_DONE;
        op->busy = 0;
        op_free(op);
    }
}

/* -------------------------------------------------------- simple jobs */

/* A job of one backend operation. */
struct simple_job {
    struct berth_op_req req; /* pointers into the op's arena */
};

/* The backend operation finished: map its result. */
static void simple_done(struct berth_container_op *op, const struct berth_op_result *res,
                        void *data)
{
    struct simple_job *j = data;
    struct berth_container_result r = {.exit_code = -1};
    if (res->error != NULL) {
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    r.id = res->id;
    if (j->req.kind == BERTH_OP_CONTAINER_WAIT || j->req.kind == BERTH_OP_CONTAINER_EXEC)
        r.exit_code = res->exit_code;
    r.out = res->out;
    r.out_len = res->out_len;
    r.err = res->err;
    r.err_len = res->err_len;
    r.containers = res->containers;
    r.n_containers = res->n_containers;
    r.images = res->images;
    r.n_images = res->n_images;
    if ((j->req.kind == BERTH_OP_CONTAINER_INSPECT || j->req.kind == BERTH_OP_IMAGE_INSPECT) &&
        res->n_containers + res->n_images == 0) {
        capi_fail(op, berth_error_new(BERTH_E_NOT_FOUND, 0, "no such %s: %s",
                                      j->req.kind == BERTH_OP_IMAGE_INSPECT ? "image"
                                                                            : "container",
                                      j->req.target));
        return;
    }
    capi_finish(op, &r, NULL);
}

/* Starts the one backend operation. */
static void simple_start(struct berth_container_op *op, struct berth_backend *b)
{
    (void)b;
    struct simple_job *j = op->job;
    struct berth_error *e = NULL;
    if (capi_submit(op, &j->req, simple_done, j, &e) == NULL)
        capi_fail(op, e);
}

/* Runs req (copied) as a one-operation job on the engine's selection. */
struct berth_container_op *capi_simple(struct berth_engine *eng, const struct berth_op_req *req,
                                       berth_container_done_fn done, void *user)
{
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct copy_arena *a = &op->arena;
    struct simple_job *j = copy_alloc(a, sizeof(*j));
    struct berth_op_req *r = &j->req;
    *r = *req;
    r->target = copy_str(a, req->target);
    r->spec = copy_spec(a, req->spec);
    r->build = copy_build(a, req->build);
    r->network = NULL;
    r->volume = NULL;
    r->filters = copy_kv(a, req->filters, req->n_filters);
    r->n_filters = r->filters ? req->n_filters : 0;
    r->since = copy_str(a, req->since);
    r->argv = copy_strv(a, req->argv);
    r->env = copy_kv(a, req->env, req->n_env);
    r->n_env = r->env ? req->n_env : 0;
    r->user = copy_str(a, req->user);
    r->workdir = copy_str(a, req->workdir);
    r->platform = copy_str(a, req->platform);
    capi_op_set_job(op, j, NULL, NULL);
    return capi_launch(op, NULL, simple_start);
}
