/* berth_compose_pull: pull the services' images in parallel (within the parallel limit). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/images.h"

struct pull_data {
    bool *sel;
    struct ibatch *ib;
};

/* Frees the task's data. */
static void pull_free(struct berth_compose_op *op)
{
    struct pull_data *d = op->data;
    if (d == NULL)
        return;
    free(d->sel);
    free(d);
    op->data = NULL;
}

/* Every pull ended. */
static void pull_done(void *user, struct berth_error *err)
{
    struct berth_compose_op *op = user;
    struct pull_data *d = op->data;
    d->ib = NULL;
    compose_task_finish(op, err);
}

/* Cancel: the pulls in flight are cancelled. */
static void pull_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct pull_data *d = op->data;
    if (d->ib != NULL)
        images_cancel(d->ib);
}

static const struct task_ops pull_ops = {
    .name = "pull",
    .interrupt = pull_interrupt,
    .free = pull_free,
};

struct berth_compose_op *berth_compose_pull(struct berth_compose *c,
                                            const struct berth_compose_pull_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    struct berth_compose_pull_options defaults = {0};
    if (opts == NULL)
        opts = &defaults;
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    if (compose_select(c, opts->services, opts->include_deps, sel, err) < 0) {
        free(sel);
        return NULL;
    }
    /* services that only build have nothing to pull */
    for (size_t i = 0; i < c->n_defined; i++)
        if (c->services[i]->has_build && engine_model_str(c->services[i]->def, "image") == NULL)
            sel[i] = false;
    struct berth_compose_op *op = compose_task_new(c, &pull_ops, done, user, err);
    struct pull_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->sel = sel;
    struct images_plan plan = {
        .policy = opts->policy == BERTH_PULL_MISSING ? BERTH_PULL_MISSING : BERTH_PULL_ALWAYS,
        .pull_only = true,
        .no_build = true,
        .ignore_failures = opts->ignore_failures,
    };
    d->ib = images_run(c, sel, &plan, pull_done, op);
    return op;
}
