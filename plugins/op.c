/*
 * Operation lifecycle: the host owns every struct berth_op.
 *
 * Guarantees to users: done fires exactly once, from the event loop, never
 * from inside berth_backend_submit() nor from inside another call the user
 * made (cancel, free); a timeout or cancellation stops streamed lines and
 * events at once; results are handed over without copying when the driver
 * completes from its own callback, and copied only when the host must hold
 * them for a later loop turn.
 *
 * Guarantees to drivers: the cancel hook is called at most once, never from
 * inside a call the driver made into the host (it is deferred to the next
 * loop turn then); completing an op after it was cancelled is allowed and
 * ignored, and the op stays valid until the driver completes it or the
 * instance is destroyed.
 *
 * States x events (one function per event below):
 *
 *              | complete        | timeout / cancel | discard        | deferred turn
 *  SUBMITTING  | copy->DELIVERING| -                | -              | -
 *  RUNNING     | callback (or    | abort->DELIVERING| hook->DRAINING | flush lines
 *              |  copy->DELIVER.)|                  |                |
 *  DELIVERING  | ignored         | no effect        | drop->DRAINING | lines, callback
 *  CALLBACK    | ignored         | no effect        | no effect      | -
 *  DRAINING    | ignored, freed  | no effect        | no effect      | pending hook
 *
 * An op is freed in DRAINING once the driver completed it (or the instance
 * is destroyed), no hook call is pending and no delivery is on the stack.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/util.h"
#include "plugins/plugins-internal.h"

enum op_state {
    OP_SUBMITTING, /* inside the driver's operation function */
    OP_RUNNING,    /* the driver works on it; the user waits */
    OP_DELIVERING, /* an outcome waits for the next loop turn */
    OP_CALLBACK,   /* the user's done callback is running */
    OP_DRAINING,   /* the user is finished with it; the driver may not be */
};

/* A line or event held for the next loop turn. */
struct op_item {
    struct op_item *next;
    struct event_copy *event; /* NULL for a line */
    enum berth_stream stream;
    bool complete;
    size_t len;
    char *line;
};

struct berth_op {
    struct berth_backend *b;
    enum berth_op_kind kind;
    enum op_state state;
    bool driver_done;  /* the driver called op_complete */
    bool cancelled;    /* timed out, cancelled or discarded */
    bool hook_pending; /* the cancel hook must run on the next loop turn */
    int busy;          /* deliveries of this op on the stack */
    berth_op_done_fn done;
    void *user;
    berth_op_line_fn on_line;
    berth_op_event_fn on_event;
    void *stream_user;
    void (*cancel_fn)(void *data);
    void *cancel_data;
    struct berth_timer *timer;
    uint64_t timeout_ms;
    struct event *defer;
    struct op_item *q_head, *q_tail;
    struct result_copy *result; /* a result waiting for delivery */
    struct berth_error *error;  /* its error, or the timeout/cancel error */
    struct berth_op *next, *prev;
};

/* libevent callback of the deferred turn. */
static void op_deferred(evutil_socket_t fd, short what, void *arg);

/* Schedules the deferred turn (idempotent). */
static void op_arm(struct berth_op *op)
{
    if (op->defer == NULL) {
        op->defer = event_new(berth_engine_base(op->b->eng), -1, 0, op_deferred, op);
        if (op->defer == NULL)
            abort(); /* event_new fails only on OOM */
    }
    if (!event_pending(op->defer, EV_TIMEOUT, NULL))
        event_active(op->defer, EV_TIMEOUT, 0);
}

/* Drops held lines and events. */
static void op_drop_queue(struct berth_op *op)
{
    while (op->q_head != NULL) {
        struct op_item *it = op->q_head;
        op->q_head = it->next;
        result_event_copy_free(it->event);
        free(it->line);
        free(it);
    }
    op->q_tail = NULL;
}

/* Appends an item to the queue and schedules its delivery. */
static void op_enqueue(struct berth_op *op, struct op_item *it)
{
    if (op->q_tail != NULL)
        op->q_tail->next = it;
    else
        op->q_head = it;
    op->q_tail = it;
    op_arm(op);
}

/* Unlinks and frees op. */
static void op_free(struct berth_op *op)
{
    struct berth_backend *b = op->b;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        b->ops = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    b->n_ops--;
    op_drop_queue(op);
    result_copy_free(op->result);
    berth_error_free(op->error);
    berth_timer_free(op->timer);
    if (op->defer != NULL)
        event_free(op->defer);
    free(op);
}

/* Frees op if nobody needs it any more. */
static void op_maybe_free(struct berth_op *op)
{
    if (op->state == OP_DRAINING && op->driver_done && !op->hook_pending && op->busy == 0)
        op_free(op);
}

/* Runs the driver's cancel hook (once); completions it makes are deferred. */
static void op_run_hook(struct berth_op *op)
{
    op->hook_pending = false;
    void (*fn)(void *) = op->cancel_fn;
    op->cancel_fn = NULL;
    if (fn == NULL || op->driver_done)
        return;
    op->b->submits++;
    fn(op->cancel_data);
    op->b->submits--;
}

/* Tells the driver to stop: now, or on the next turn when the driver is on the stack. */
static void op_stop_driver(struct berth_op *op)
{
    if (op->driver_done || op->cancel_fn == NULL)
        return;
    if (op->b->upcalls > 0 || op->b->submits > 0) {
        op->hook_pending = true;
        op_arm(op);
        return;
    }
    op->busy++;
    op_run_hook(op);
    op->busy--;
}

/* Ends op early with an error (timeout or cancel): delivered on the next turn. */
static void op_abort(struct berth_op *op, struct berth_error *e)
{
    op->cancelled = true;
    op->state = OP_DELIVERING;
    if (op->timer != NULL)
        berth_timer_stop(op->timer);
    op_drop_queue(op);
    berth_error_free(op->error);
    op->error = e;
    op_arm(op);
    op_stop_driver(op);
}

/* Formats a duration in ms for messages ("300 s", "1.5 s", "250 ms"). */
static char *op_fmt_ms(uint64_t ms)
{
    if (ms < 1000)
        return xasprintf("%llu ms", (unsigned long long)ms);
    if (ms % 1000 == 0)
        return xasprintf("%llu s", (unsigned long long)(ms / 1000));
    return xasprintf("%.1f s", (double)ms / 1000.0);
}

/* Timer callback: the op ran out of time. */
static void op_timeout(struct berth_timer *t, void *arg)
{
    struct berth_op *op = arg;
    (void)t;
    if (op->state != OP_RUNNING)
        return;
    char *d = op_fmt_ms(op->timeout_ms);
    struct berth_error *e =
        berth_error_new(BERTH_E_TIMEOUT, 0, "backend '%s': %s timed out after %s", op->b->name,
                        berth_op_kind_name(op->kind), d);
    berth_error_set_hint(e,
                         "the runtime did not answer in time; raise the limit with "
                         "BERTH_BACKEND_TIMEOUT (e.g. 600s) if it is just slow");
    free(d);
    op_abort(op, e);
}

/* The deferred turn: pending hook, held lines/events, then the outcome. */
static void op_deferred(evutil_socket_t fd, short what, void *arg)
{
    struct berth_op *op = arg;
    struct berth_backend *b = op->b;
    (void)fd;
    (void)what;
    op->busy++;
    if (op->hook_pending)
        op_run_hook(op);
    /* Counted as an upcall so that freeing b from a callback is deferred. */
    b->upcalls++;
    while (op->q_head != NULL &&
           (op->state == OP_RUNNING || (op->state == OP_DELIVERING && !op->cancelled))) {
        struct op_item *it = op->q_head;
        op->q_head = it->next;
        if (op->q_head == NULL)
            op->q_tail = NULL;
        if (it->event != NULL && op->on_event != NULL)
            op->on_event(op->stream_user, result_event_copy_get(it->event));
        else if (it->event == NULL && op->on_line != NULL)
            op->on_line(op->stream_user, it->stream, it->line, it->len, it->complete);
        result_event_copy_free(it->event);
        free(it->line);
        free(it);
    }
    if (op->state == OP_DELIVERING) {
        struct berth_op_result r = {0};
        if (op->result != NULL)
            r = *result_copy_get(op->result);
        r.error = op->error;
        op->state = OP_CALLBACK;
        op->done(op, &r, op->user);
        op->state = OP_DRAINING;
        result_copy_free(op->result);
        op->result = NULL;
        berth_error_free(op->error);
        op->error = NULL;
    }
    b->upcalls--;
    op->busy--;
    op_maybe_free(op);
}

/* Host service: registers (or clears) the driver's cancel hook. */
void op_set_cancel(struct berth_op *op, void (*cancel)(void *data), void *data)
{
    op->cancel_fn = cancel;
    op->cancel_data = data;
    /* Cancelled before the hook existed: the driver still has to be told. */
    if (op->cancelled && cancel != NULL && !op->driver_done) {
        op->hook_pending = true;
        op_arm(op);
    }
}

/* Host service: true once the op was cancelled, timed out or discarded. */
bool op_is_cancelled(const struct berth_op *op)
{
    return op->cancelled;
}

/*
 * The driver's result, read only as far as the ABI minor it was built for
 * defines it: an older driver's struct ends before the newer fields, which
 * stay zero.
 */
static struct berth_op_result op_result_from_driver(const struct berth_backend *b,
                                                    const struct berth_op_result *res)
{
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    if (res == NULL)
        return r;
    size_t n =
        b->drv->info.driver->abi_minor >= 2 ? sizeof(r) : offsetof(struct berth_op_result, started);
    memcpy(&r, res, n);
    return r;
}

/* Host service: the driver's completion. */
void op_complete(struct berth_op *op, struct berth_error *error, const struct berth_op_result *res)
{
    struct berth_backend *b = op->b;
    if (op->driver_done) {
        berth_engine_log(b->eng, BERTH_LOG_ERROR, b->name,
                         "driver bug: %s completed twice (ignored)", berth_op_kind_name(op->kind));
        berth_error_free(error);
        return;
    }
    op->driver_done = true;
    op->cancel_fn = NULL;
    if (op->timer != NULL)
        berth_timer_stop(op->timer);
    switch (op->state) {
    case OP_SUBMITTING:
    case OP_RUNNING:
        if (op->state == OP_RUNNING && b->submits == 0 && b->upcalls == 0 && op->q_head == NULL) {
            /* The driver is on a clean stack: hand its result over without copying. */
            struct berth_op_result r = op_result_from_driver(b, res);
            r.error = error;
            op->state = OP_CALLBACK;
            b->upcalls++;
            op->busy++;
            op->done(op, &r, op->user);
            op->busy--;
            b->upcalls--;
            berth_error_free(error);
            op->state = OP_DRAINING;
            op_maybe_free(op);
            return;
        }
        struct berth_op_result full = op_result_from_driver(b, res);
        op->result = result_copy_new(res != NULL ? &full : NULL);
        op->error = error;
        op->state = OP_DELIVERING;
        op_arm(op);
        return;
    case OP_DELIVERING:
    case OP_CALLBACK:
        berth_error_free(error);
        return;
    case OP_DRAINING:
        berth_error_free(error);
        op_maybe_free(op);
        return;
    }
}

/* The line callback the driver sees: holds, forwards or drops the line. */
static void op_line(void *user, enum berth_stream stream, const char *line, size_t len,
                    bool complete)
{
    struct berth_op *op = user;
    struct berth_backend *b = op->b;
    if (op->driver_done || (op->state != OP_SUBMITTING && op->state != OP_RUNNING))
        return;
    if (b->submits > 0 || op->q_head != NULL || op->state == OP_SUBMITTING) {
        struct op_item *it = xcalloc(1, sizeof(*it));
        it->stream = stream;
        it->complete = complete;
        it->len = len;
        it->line = xstrndup(line, len);
        op_enqueue(op, it);
        return;
    }
    b->upcalls++;
    op->busy++;
    op->on_line(op->stream_user, stream, line, len, complete);
    op->busy--;
    b->upcalls--;
    op_maybe_free(op);
}

/* The event callback the driver sees: holds, forwards or drops the event. */
static void op_event(void *user, const struct berth_event_info *ev)
{
    struct berth_op *op = user;
    struct berth_backend *b = op->b;
    if (op->driver_done || (op->state != OP_SUBMITTING && op->state != OP_RUNNING))
        return;
    if (b->submits > 0 || op->q_head != NULL || op->state == OP_SUBMITTING) {
        struct op_item *it = xcalloc(1, sizeof(*it));
        it->event = result_event_copy_new(ev);
        op_enqueue(op, it);
        return;
    }
    b->upcalls++;
    op->busy++;
    op->on_event(op->stream_user, ev);
    op->busy--;
    b->upcalls--;
    op_maybe_free(op);
}

/* Creates op, arms its timeout and calls the driver (checks done by the caller). */
struct berth_op *op_start(struct berth_backend *b, const struct berth_op_req *req,
                          berth_op_done_fn done, void *user)
{
    struct berth_op *op = xcalloc(1, sizeof(*op));
    op->b = b;
    op->kind = req->kind;
    op->state = OP_SUBMITTING;
    op->done = done;
    op->user = user;
    op->on_line = req->on_line;
    op->on_event = req->on_event;
    op->stream_user = req->stream_user;
    op->next = b->ops;
    if (b->ops != NULL)
        b->ops->prev = op;
    b->ops = op;
    b->n_ops++;

    bool streaming = req->kind == BERTH_OP_EVENTS || (req->kind == BERTH_OP_CONTAINER_LOGS &&
                                                      req->follow);
    op->timeout_ms = req->timeout_ms ? req->timeout_ms : streaming ? 0 : b->timeout_ms;
    if (op->timeout_ms > 0) {
        op->timer = berth_timer_new(b->eng, op_timeout, op);
        berth_timer_start(op->timer, op->timeout_ms);
    }

    struct berth_op_req r = *req;
    r.on_line = req->on_line ? op_line : NULL;
    r.on_event = req->on_event ? op_event : NULL;
    r.stream_user = op;
    b->submits++;
    op->busy++;
    b->drv->info.driver->ops[req->kind](b->state, op, &r);
    op->busy--;
    b->submits--;
    if (op->state == OP_SUBMITTING)
        op->state = OP_RUNNING;
    return op;
}

/* Cancels op; done fires on the next turn with BERTH_E_CANCELLED. */
void berth_op_cancel(struct berth_op *op)
{
    if (op == NULL || op->state != OP_RUNNING)
        return;
    op_abort(op, berth_error_new(BERTH_E_CANCELLED, 0, "backend '%s': %s cancelled",
                                 op->b->name, berth_op_kind_name(op->kind)));
}

/* Cancels op and forgets it: done never fires. */
void berth_op_discard(struct berth_op *op)
{
    if (op == NULL)
        return;
    switch (op->state) {
    case OP_SUBMITTING:
    case OP_CALLBACK:
    case OP_DRAINING:
        return;
    case OP_RUNNING:
    case OP_DELIVERING:
        break;
    }
    op->cancelled = true;
    op->state = OP_DRAINING;
    if (op->timer != NULL)
        berth_timer_stop(op->timer);
    op_drop_queue(op);
    result_copy_free(op->result);
    op->result = NULL;
    berth_error_free(op->error);
    op->error = NULL;
    if (op->defer != NULL && !op->hook_pending)
        event_del(op->defer);
    op_stop_driver(op);
    op_maybe_free(op);
}

/* The op's kind. */
enum berth_op_kind berth_op_get_kind(const struct berth_op *op)
{
    return op->kind;
}

/* The instance the op runs on. */
struct berth_backend *berth_op_get_backend(const struct berth_op *op)
{
    return op->b;
}

/* Marks every op of b discarded; due hooks run on the next turn. */
void op_discard_all(struct berth_backend *b)
{
    for (struct berth_op *op = b->ops, *next; op != NULL; op = next) {
        next = op->next;
        berth_op_discard(op);
    }
}

/* Drops every op of b without callbacks (the instance is being destroyed). */
void op_drop_all(struct berth_backend *b)
{
    /* First silence them all, so that a hook completing another op delivers nothing. */
    for (struct berth_op *op = b->ops; op != NULL; op = op->next) {
        if (op->state != OP_DRAINING && op->state != OP_CALLBACK)
            op->state = OP_DRAINING;
        op->cancelled = true;
        op->busy++; /* a hook completing an op must not free it under this loop */
        if (op->timer != NULL)
            berth_timer_stop(op->timer);
        if (op->defer != NULL)
            event_del(op->defer);
        op_drop_queue(op);
    }
    for (struct berth_op *op = b->ops; op != NULL; op = op->next)
        if (!op->driver_done && op->cancel_fn != NULL)
            op_run_hook(op);
    while (b->ops != NULL)
        op_free(b->ops);
}
