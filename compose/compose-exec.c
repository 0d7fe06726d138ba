/* berth_compose_exec: a command in a running container of a service (through EXEC). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/kvlist.h"

struct exec_data {
    struct berth_compose_exec_options o;
    char *service, *user, *workdir;
    struct strv argv;
    struct kvlist env;
    const struct replica *r;
    struct eop *e;
};

/* Frees the task's data. */
static void exec_free(struct berth_compose_op *op)
{
    struct exec_data *d = op->data;
    if (d == NULL)
        return;
    free(d->service);
    free(d->user);
    free(d->workdir);
    strv_free(&d->argv);
    kvlist_free(&d->env);
    free(d);
    op->data = NULL;
}

/* Fills the EXEC request. */
static int exec_fill(struct eop *e, struct berth_op_req *req, void *user,
                     struct berth_error **err)
{
    struct berth_compose_op *op = user;
    struct exec_data *d = op->data;
    req->kind = BERTH_OP_CONTAINER_EXEC;
    req->target = d->r->id ? d->r->id : d->r->name;
    req->argv = strv_argv(&d->argv);
    req->env = d->env.v;
    req->n_env = d->env.n;
    req->user = d->user;
    req->workdir = d->workdir;
    req->interactive = d->o.interactive;
    req->tty = d->o.tty;
    req->detach = d->o.detach;
    req->on_line = d->o.on_line;
    req->stream_user = d->o.line_user;
    /* an interactive session or a long command must not time out (a detached one only starts) */
    req->timeout_ms = d->o.detach ? 0 : UINT64_C(365) * 24 * 3600 * 1000;
    return 0;
}

/* The command ended: its exit code and output are the result. */
static void exec_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct exec_data *d = op->data;
    d->e = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        if (berth_error_code(err) != BERTH_E_CANCELLED)
            berth_error_wrap(&err, "exec in %s", d->r->name);
        compose_task_finish(op, err);
        return;
    }
    op->exit_code = res->exit_code;
    if (res->out != NULL) {
        op->out = xstrndup(res->out, res->out_len);
        op->out_len = res->out_len;
    }
    if (res->err != NULL) {
        op->err = xstrndup(res->err, res->err_len);
        op->err_len = res->err_len;
    }
    compose_task_finish(op, NULL);
}

/* The listing came back: find the container and run the command. */
static void exec_listed(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct exec_data *d = op->data;
    d->e = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        if (berth_error_code(err) != BERTH_E_CANCELLED)
            berth_error_wrap(&err, "listing the containers of project %s", c->name);
        compose_task_finish(op, err);
        return;
    }
    engine_discover_apply(c, res);
    struct service *svc = compose_service(c, d->service);
    int index = d->o.index > 0 ? d->o.index : 1;
    const struct replica *r = NULL;
    for (size_t i = 0; svc != NULL && i < svc->n_replicas; i++)
        if (svc->replicas[i]->number == index && svc->replicas[i]->exists)
            r = svc->replicas[i];
    if (r == NULL || !r->running) {
        struct berth_error *err = berth_error_new(
            BERTH_E_STATE, 0, "service \"%s\" is not running (container number %d)", d->service,
            index);
        berth_error_set_hint(err, "start it with `berth up -d %s`", d->service);
        compose_task_finish(op, err);
        return;
    }
    d->r = r;
    d->e = eop_start(c, false, exec_fill, exec_done, op);
}

/* Cancel: the command is stopped; its completion finishes the task. */
static void exec_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct exec_data *d = op->data;
    if (cancel && d->e != NULL)
        eop_cancel(d->e);
}

static const struct task_ops exec_ops = {
    .name = "exec",
    .interrupt = exec_interrupt,
    .free = exec_free,
};

struct berth_compose_op *berth_compose_exec(struct berth_compose *c,
                                            const struct berth_compose_exec_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    if (opts == NULL || opts->service == NULL || opts->argv == NULL || opts->argv[0] == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "exec: a service and a command are required");
        return NULL;
    }
    if (opts->detach && (opts->interactive || opts->tty || opts->on_line != NULL)) {
        berth_error_set(err, BERTH_E_INVALID, 0,
                        "exec: a detached command cannot be interactive, have a TTY or stream "
                        "its output");
        if (err != NULL)
            berth_error_set_hint(*err, "drop detach, or clear interactive, tty and on_line");
        return NULL;
    }
    const char *names[] = {opts->service, NULL};
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    int rc = compose_select(c, names, false, sel, err);
    free(sel);
    if (rc < 0)
        return NULL;
    struct berth_compose_op *op = compose_task_new(c, &exec_ops, done, user, err);
    struct exec_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->o = *opts;
    d->service = xstrdup(opts->service);
    d->user = opts->user ? xstrdup(opts->user) : NULL;
    d->workdir = opts->workdir ? xstrdup(opts->workdir) : NULL;
    strv_init(&d->argv);
    for (const char *const *a = opts->argv; *a != NULL; a++)
        strv_push(&d->argv, *a);
    kvlist_init(&d->env);
    for (size_t i = 0; i < opts->n_env; i++)
        kvlist_set(&d->env, opts->env[i].key, opts->env[i].value);
    d->e = engine_discover(c, exec_listed, op);
    return op;
}
