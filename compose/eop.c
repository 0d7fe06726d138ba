/*
 * Engine operations: backend operations of the compose engine, behind the
 * parallel gate (COMPOSE_PARALLEL_LIMIT). The completion callback always runs
 * from the loop, after which the engine converges (engine_run).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"

struct eop {
    struct berth_compose *c;
    bool gated;
    bool holds_slot;
    bool queued;
    bool in_done;
    eop_fill_fn fill;
    eop_done_fn done;
    void *user;
    struct berth_op *op;
    struct berth_error *deferred; /* error delivered on the next loop turn */
    struct berth_timer *timer;
    void *scratch;
    void (*scratch_free)(void *);
    void (*user_free)(void *); /* frees user when discarded before completion */
    struct eop *qnext;
    struct eop *prev, *next; /* every live operation of the project */
};

/* Frees e's own memory (and unlinks it). */
static void eop_free(struct eop *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        e->c->eops = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    if (e->scratch_free != NULL && e->scratch != NULL)
        e->scratch_free(e->scratch);
    berth_timer_free(e->timer);
    berth_error_free(e->deferred);
    free(e);
}

static void gate_pump(struct berth_compose *c);

/* Gives back e's gate slot and lets the next queued operation start. */
static void eop_release(struct eop *e)
{
    if (!e->holds_slot)
        return;
    e->holds_slot = false;
    e->c->gate_active--;
    gate_pump(e->c);
}

/* Calls the owner's callback, then converges. */
static void eop_finish(struct eop *e, const struct berth_op_result *res)
{
    struct berth_compose *c = e->c;
    e->in_done = true;
    e->done(e, res, e->user);
    eop_release(e);
    eop_free(e);
    engine_run(c);
}

/* The host's completion. */
static void eop_host_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    struct eop *e = user;
    e->op = NULL;
    eop_finish(e, res);
}

/* Delivers a deferred error from the loop. */
static void eop_deferred_fire(struct berth_timer *t, void *user)
{
    struct eop *e = user;
    struct berth_op_result res = {0};
    res.error = e->deferred;
    res.exit_code = -1;
    eop_finish(e, &res);
}

/* Arranges for done to be called with err on the next loop turn. */
static void eop_defer(struct eop *e, struct berth_error *err)
{
    e->deferred = err;
    if (e->timer == NULL)
        e->timer = berth_timer_new(e->c->eng, eop_deferred_fire, e);
    berth_timer_start(e->timer, 0);
}

/* Fills and submits the request (the gate granted it). */
static void eop_submit(struct eop *e)
{
    struct berth_op_req req;
    memset(&req, 0, sizeof(req));
    req.tail = -1;
    req.timeout_s = -1;
    struct berth_error *err = NULL;
    if (e->fill(e, &req, e->user, &err) < 0) {
        eop_defer(e, err ? err : berth_error_new(BERTH_E_INVALID, 0, "invalid request"));
        return;
    }
    if (req.timeout_ms == 0 && e->c->op_timeout_ms > 0 && req.kind != BERTH_OP_EVENTS &&
        !(req.kind == BERTH_OP_CONTAINER_LOGS && req.follow))
        req.timeout_ms = e->c->op_timeout_ms;
    e->op = berth_backend_submit(e->c->backend, &req, eop_host_done, e, &err);
    if (e->scratch_free != NULL && e->scratch != NULL)
        e->scratch_free(e->scratch);
    e->scratch = NULL;
    if (e->op == NULL)
        eop_defer(e, err ? err : berth_error_new(BERTH_E_BACKEND, 0, "cannot submit %s",
                                                 berth_op_kind_name(req.kind)));
}

/* Starts queued operations while the gate has room. */
static void gate_pump(struct berth_compose *c)
{
    while (c->gate_head != NULL && (c->parallel < 0 || c->gate_active < (size_t)c->parallel)) {
        struct eop *e = c->gate_head;
        c->gate_head = e->qnext;
        if (c->gate_head == NULL)
            c->gate_tail = NULL;
        e->qnext = NULL;
        e->queued = false;
        e->holds_slot = true;
        c->gate_active++;
        eop_submit(e);
    }
}

/* Starts an operation (through the gate when gated). */
struct eop *eop_start(struct berth_compose *c, bool gated, eop_fill_fn fill, eop_done_fn done,
                      void *user)
{
    struct eop *e = xcalloc(1, sizeof(*e));
    e->c = c;
    e->gated = gated;
    e->fill = fill;
    e->done = done;
    e->user = user;
    e->next = c->eops;
    if (c->eops != NULL)
        c->eops->prev = e;
    c->eops = e;
    if (!gated) {
        eop_submit(e);
        return e;
    }
    e->queued = true;
    if (c->gate_tail != NULL)
        c->gate_tail->qnext = e;
    else
        c->gate_head = e;
    c->gate_tail = e;
    gate_pump(c);
    return e;
}

/* Keeps p until submission. */
void eop_set_scratch(struct eop *e, void *p, void (*free_fn)(void *))
{
    e->scratch = p;
    e->scratch_free = free_fn;
}

/* Registers the function freeing user if e is discarded before completing. */
void eop_set_user_free(struct eop *e, void (*free_fn)(void *))
{
    e->user_free = free_fn;
}

/* Removes e from the gate queue. */
static void gate_unqueue(struct eop *e)
{
    struct berth_compose *c = e->c;
    struct eop **pp = &c->gate_head;
    struct eop *prev = NULL;
    while (*pp != NULL && *pp != e) {
        prev = *pp;
        pp = &(*pp)->qnext;
    }
    if (*pp == e) {
        *pp = e->qnext;
        if (c->gate_tail == e)
            c->gate_tail = prev;
    }
    e->queued = false;
    e->qnext = NULL;
}

/* Cancels e; done still follows. */
void eop_cancel(struct eop *e)
{
    if (e->queued) {
        gate_unqueue(e);
        eop_defer(e, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
    } else if (e->op != NULL) {
        berth_op_cancel(e->op);
    }
}

/* Forgets e; done is never called. */
void eop_discard(struct eop *e)
{
    if (e->in_done)
        return; /* freed when its callback returns */
    if (e->queued)
        gate_unqueue(e);
    if (e->op != NULL)
        berth_op_discard(e->op);
    e->op = NULL;
    if (e->user_free != NULL)
        e->user_free(e->user);
    bool pump = e->holds_slot;
    if (e->holds_slot) {
        e->holds_slot = false;
        e->c->gate_active--;
    }
    struct berth_compose *c = e->c;
    eop_free(e);
    if (pump && !c->closing)
        gate_pump(c);
}

/* Discards every live operation of c (close): no callback fires any more. */
void eop_discard_all(struct berth_compose *c)
{
    struct eop *e = c->eops;
    while (e != NULL) {
        struct eop *next = e->next;
        eop_discard(e);
        e = next;
    }
}

/* The gate's limit: the option, else COMPOSE_PARALLEL_LIMIT (env), else unlimited (-1). */
int eop_parallel_limit(int option, const char *env, struct berth_error **err)
{
    if (option > 0)
        return option;
    if (option < 0)
        return -1;
    if (env == NULL || *env == '\0')
        return -1;
    char *end;
    errno = 0;
    long n = strtol(env, &end, 10);
    if (errno != 0 || *end != '\0' || n < 1 || n > 1000000) {
        struct berth_error *e = berth_error_new(
            BERTH_E_INVALID, 0, "COMPOSE_PARALLEL_LIMIT: \"%s\" is not a positive number", env);
        berth_error_set_hint(e, "set it to the number of operations to run at once, e.g. 4");
        berth_error_propagate(err, e);
        return -2;
    }
    return (int)n;
}
