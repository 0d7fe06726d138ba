/*
 * berth_compose_down: stop and remove the project's containers in reverse
 * dependency order (independent ones in parallel), then its networks, named
 * volumes (remove_volumes) and images (rmi). Everything is found by label.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/images.h"
#include "compose/resources.h"

enum down_phase { DOWN_DISCOVER = 0, DOWN_CONTAINERS, DOWN_RESOURCES, DOWN_IMAGES };

struct down_data {
    struct berth_compose_down_options o;
    char *rmi;
    struct strv services;
    bool has_services;
    bool *sel;
    struct replica **t;
    size_t n_t, cap_t;
    struct eop *discover;
    struct batch *rb;
    bool cancelled;
};

/* Frees the task's data. */
static void down_free(struct berth_compose_op *op)
{
    struct down_data *d = op->data;
    if (d == NULL)
        return;
    free(d->rmi);
    strv_free(&d->services);
    free(d->sel);
    free(d->t);
    free(d);
    op->data = NULL;
}

/* Sets r to be removed by this down. */
static void down_target(struct down_data *d, struct replica *r)
{
    r->goal = GOAL_REMOVED;
    r->stop_sent = false;
    r->restart_pending = false;
    r->stop_timeout_s = d->o.timeout_s;
    r->remove_volumes = d->o.remove_volumes;
    d->t = xreallocarray_grow(d->t, &d->cap_t, d->n_t + 1, sizeof(*d->t));
    d->t[d->n_t++] = r;
}

/* Images removed (rmi): done. */
static void down_images_done(void *user, struct berth_error *err)
{
    struct berth_compose_op *op = user;
    compose_task_finish(op, err);
}

/* Networks and volumes removed: images next (rmi), else done. */
static void down_resources_done(void *user, struct berth_error *err)
{
    struct berth_compose_op *op = user;
    struct down_data *d = op->data;
    d->rb = NULL;
    compose_task_error(op, err);
    if (d->rmi != NULL && !d->cancelled) {
        op->phase = DOWN_IMAGES;
        images_remove(op->c, d->rmi, down_images_done, op);
        return;
    }
    compose_task_finish(op, NULL);
}

/* The listing came back: every container of the selection is to be removed. */
static void down_discovered(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct down_data *d = op->data;
    d->discover = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        berth_error_wrap(&err, "listing the containers of project %s", c->name);
        compose_task_finish(op, err);
        return;
    }
    engine_discover_apply(c, res);
    struct strv orphans;
    strv_init(&orphans);
    for (size_t i = 0; i < c->n_services; i++) {
        struct service *svc = c->services[i];
        bool orphan = svc->orphan;
        if (!orphan && !d->sel[i])
            continue;
        for (size_t k = 0; k < svc->n_replicas; k++) {
            struct replica *r = svc->replicas[k];
            if (!r->exists)
                continue;
            if (orphan && !d->o.remove_orphans) {
                strv_push(&orphans, r->name);
                continue;
            }
            if (orphan)
                strv_push(&op->orphans, r->name);
            down_target(d, r);
        }
    }
    for (size_t k = 0; k < c->n_oneoffs; k++) {
        struct replica *r = c->oneoffs[k];
        if (r->exists && (r->svc->orphan ? d->o.remove_orphans : d->sel[r->svc->order]))
            down_target(d, r);
    }
    if (orphans.n > 0) {
        size_t len = 1;
        for (size_t i = 0; i < orphans.n; i++)
            len += strlen(orphans.v[i]) + 1;
        char *list = xcalloc(1, len);
        for (size_t i = 0; i < orphans.n; i++) {
            if (i)
                strcat(list, " ");
            strcat(list, orphans.v[i]);
        }
        engine_warn(c, NULL,
                    "Found orphan containers ([%s]) for this project. If you removed or renamed "
                    "this service in your compose file, you can run this command with the "
                    "--remove-orphans flag to clean it up.",
                    list);
        free(list);
    }
    strv_free(&orphans);
    op->phase = DOWN_CONTAINERS;
    c->converge_again = true;
}

/* Containers phase: done when every target is removed (or failed). */
static void down_check(struct berth_compose_op *op)
{
    struct down_data *d = op->data;
    if (op->phase != DOWN_CONTAINERS)
        return;
    for (size_t i = 0; i < d->n_t; i++) {
        struct replica *r = d->t[i];
        if (engine_replica_busy(r))
            return;
        if (r->state != BERTH_SVC_REMOVED && r->state != BERTH_SVC_FAILED && r->exists &&
            !(d->cancelled && !engine_replica_active(r)))
            return;
    }
    for (size_t i = 0; i < d->n_t; i++)
        if (d->t[i]->state == BERTH_SVC_FAILED && d->t[i]->exists)
            compose_task_error(op, berth_error_new(BERTH_E_BACKEND, 0, "%s",
                                                   d->t[i]->fail_reason
                                                       ? d->t[i]->fail_reason
                                                       : "cannot remove container"));
    if (d->cancelled) {
        compose_task_finish(op, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
        return;
    }
    if (d->has_services) {
        /* a partial down keeps the project's networks and volumes */
        compose_task_finish(op, NULL);
        return;
    }
    op->phase = DOWN_RESOURCES;
    d->rb = resources_remove(op->c, d->o.remove_volumes, down_resources_done, op);
}

/* Ctrl-C / cancel: stop where we are once the operations in flight settle. */
static void down_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct down_data *d = op->data;
    d->cancelled = true;
    if (op->phase == DOWN_DISCOVER && d->discover != NULL)
        eop_cancel(d->discover);
    else if (op->phase == DOWN_RESOURCES && d->rb != NULL)
        resources_cancel(d->rb);
    else if (op->phase == DOWN_CONTAINERS)
        for (size_t i = 0; i < d->n_t; i++)
            if (!engine_replica_active(d->t[i]) && d->t[i]->state != BERTH_SVC_REMOVING)
                d->t[i]->goal = GOAL_NONE;
}

static const struct task_ops down_ops = {
    .name = "down",
    .lifecycle = true,
    .check = down_check,
    .interrupt = down_interrupt,
    .free = down_free,
};

struct berth_compose_op *berth_compose_down(struct berth_compose *c,
                                            const struct berth_compose_down_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    struct berth_compose_down_options defaults = {.timeout_s = -1};
    if (opts == NULL)
        opts = &defaults;
    if (opts->rmi != NULL && strcmp(opts->rmi, "local") != 0 && strcmp(opts->rmi, "all") != 0) {
        struct berth_error *e =
            berth_error_new(BERTH_E_INVALID, 0, "--rmi: invalid value \"%s\"", opts->rmi);
        berth_error_set_hint(e, "use --rmi local or --rmi all");
        berth_error_propagate(err, e);
        return NULL;
    }
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    if (compose_select(c, opts->services, false, sel, err) < 0) {
        free(sel);
        return NULL;
    }
    struct berth_compose_op *op = compose_task_new(c, &down_ops, done, user, err);
    if (op == NULL) {
        free(sel);
        return NULL;
    }
    struct down_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->o = *opts;
    d->o.services = NULL;
    d->o.rmi = NULL;
    d->rmi = opts->rmi ? xstrdup(opts->rmi) : NULL;
    strv_init(&d->services);
    d->has_services = opts->services != NULL;
    for (const char *const *s = opts->services; s != NULL && *s != NULL; s++)
        strv_push(&d->services, *s);
    d->sel = sel;
    d->discover = engine_discover(c, down_discovered, op);
    return op;
}
