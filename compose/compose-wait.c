/*
 * berth_compose_wait: `up --wait` semantics on existing containers. Running
 * containers are supervised (berth's own health checks, exit watching) until
 * each is running, healthy where it has a check, or exited 0 — or one of
 * them can never get there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"

struct wait_data {
    bool *sel;
    struct replica **t;
    size_t n_t, cap_t;
    struct eop *discover;
    struct berth_timer *timer;
    uint64_t timeout_ms;
    bool expired;
};

/* Frees the task's data. */
static void wait_free(struct berth_compose_op *op)
{
    struct wait_data *d = op->data;
    if (d == NULL)
        return;
    free(d->sel);
    free(d->t);
    berth_timer_free(d->timer);
    free(d);
    op->data = NULL;
}

/* The timeout. */
static void wait_timer(struct berth_timer *t, void *user)
{
    struct berth_compose_op *op = user;
    struct wait_data *d = op->data;
    d->expired = true;
    engine_run(op->c);
}

/* The listing came back: supervise the targets. */
static void wait_listed(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct wait_data *d = op->data;
    d->discover = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        if (berth_error_code(err) != BERTH_E_CANCELLED)
            berth_error_wrap(&err, "listing the containers of project %s", c->name);
        compose_task_finish(op, err);
        return;
    }
    engine_discover_apply(c, res);
    for (size_t i = 0; i < c->n_defined; i++) {
        if (!d->sel[i])
            continue;
        struct service *svc = c->services[i];
        size_t found = 0;
        for (size_t k = 0; k < svc->n_replicas; k++) {
            struct replica *r = svc->replicas[k];
            if (!r->exists && r->goal != GOAL_UP)
                continue;
            found++;
            d->t = xreallocarray_grow(d->t, &d->cap_t, d->n_t + 1, sizeof(r));
            d->t[d->n_t++] = r;
            engine_supervise(r);
        }
        if (found == 0 && svc->scale > 0) {
            struct berth_error *err = berth_error_new(
                BERTH_E_NOT_FOUND, 0, "service \"%s\" has no container", svc->name);
            berth_error_set_hint(err, "create it with `berth up -d %s`", svc->name);
            compose_task_finish(op, err);
            return;
        }
    }
    op->phase = 1;
    if (d->timeout_ms > 0) {
        d->timer = berth_timer_new(c->eng, wait_timer, op);
        berth_timer_start(d->timer, d->timeout_ms);
    }
    c->converge_again = true;
}

/* Whether r is where --wait wants it (DEP_OK), never will be (DEP_FAIL) or not yet. */
static enum dep_status wait_status(const struct replica *r, char **why)
{
    switch (r->state) {
    case BERTH_SVC_HEALTHY:
        return DEP_OK;
    case BERTH_SVC_RUNNING:
        return r->svc->health.enabled ? DEP_WAIT : DEP_OK;
    case BERTH_SVC_UNHEALTHY:
        *why = xasprintf("container %s is unhealthy", r->name);
        return DEP_FAIL;
    case BERTH_SVC_EXITED:
        if (r->exit_code == 0)
            return DEP_OK;
        *why = xasprintf("container %s exited with code %d", r->name, r->exit_code);
        return DEP_FAIL;
    case BERTH_SVC_STOPPED:
    case BERTH_SVC_REMOVED:
        if (r->goal == GOAL_UP)
            return DEP_WAIT;
        *why = xasprintf("container %s is not running", r->name);
        return DEP_FAIL;
    case BERTH_SVC_FAILED:
        *why = xstrdup(r->fail_reason ? r->fail_reason : "failed");
        return DEP_FAIL;
    default:
        return DEP_WAIT;
    }
}

/* Finishes when every target is ready, one failed, or the time is up. */
static void wait_check(struct berth_compose_op *op)
{
    struct wait_data *d = op->data;
    if (op->phase != 1)
        return;
    for (size_t i = 0; i < d->n_t; i++) {
        char *why = NULL;
        enum dep_status st = wait_status(d->t[i], &why);
        if (st == DEP_FAIL) {
            struct berth_error *err = berth_error_new(BERTH_E_STATE, 0, "service \"%s\": %s",
                                                      d->t[i]->svc->name, why);
            free(why);
            op->exit_code = 1;
            compose_task_finish(op, err);
            return;
        }
        if (st == DEP_WAIT) {
            if (d->expired || op->cancelled) {
                op->exit_code = 1;
                compose_task_finish(
                    op, op->cancelled
                            ? berth_error_new(BERTH_E_CANCELLED, 0, "cancelled")
                            : berth_error_new(BERTH_E_TIMEOUT, 0,
                                              "timed out waiting for container %s (%s)",
                                              d->t[i]->name,
                                              berth_service_state_name(d->t[i]->state)));
            }
            return;
        }
    }
    compose_task_finish(op, NULL);
}

/* Cancel / Ctrl-C. */
static void wait_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct wait_data *d = op->data;
    op->cancelled = true;
    if (d->discover != NULL)
        eop_cancel(d->discover);
}

static const struct task_ops wait_ops = {
    .name = "wait",
    .check = wait_check,
    .interrupt = wait_interrupt,
    .free = wait_free,
};

struct berth_compose_op *berth_compose_wait(struct berth_compose *c,
                                            const struct berth_compose_wait_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    struct berth_compose_wait_options defaults = {0};
    if (opts == NULL)
        opts = &defaults;
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    if (compose_select(c, opts->services, false, sel, err) < 0) {
        free(sel);
        return NULL;
    }
    struct berth_compose_op *op = compose_task_new(c, &wait_ops, done, user, err);
    struct wait_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->sel = sel;
    d->timeout_ms = opts->timeout_ms;
    d->discover = engine_discover(c, wait_listed, op);
    return op;
}
