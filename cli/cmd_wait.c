/* berth wait: block until the project's containers stop; their exit code becomes berth's. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ctrs.h"
#include "cli/flags.h"
#include "cli/project.h"

struct waiter;

struct wait {
    struct project *p;
    struct ctrs *list;
    struct waiter *w; /* one per container */
    size_t pending;
    int code;         /* the last exit code seen */
    bool failed;
    bool down_project;
    bool downing;
};

struct waiter {
    struct wait *x;
    const struct ctr *c;
    struct berth_op *op; /* NULL once answered */
};

/* The project is down (--down-project): finish with the container's exit code. */
static void down_done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct wait *x = user;
    if (res->error != NULL) {
        project_print_error(res->error);
        x->failed = true;
    }
    project_finish(x->p, x->failed ? CLI_EXIT_FAILURE : x->code);
}

/* Takes the project down after the first container stopped. */
static void start_down(struct wait *x)
{
    x->downing = true;
    for (size_t i = 0; i < x->list->n; i++)
        if (x->w[i].op != NULL) {
            berth_op_discard(x->w[i].op);
            x->w[i].op = NULL;
        }
    struct berth_compose_down_options o = {.timeout_s = -1};
    struct berth_error *err = NULL;
    struct berth_compose_op *op = berth_compose_down(project_compose(x->p), &o, down_done, x, &err);
    if (op == NULL) {
        cli_report_error(err);
        project_finish(x->p, CLI_EXIT_FAILURE);
    }
}

/* One container stopped. */
static void waited(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct waiter *w = user;
    struct wait *x = w->x;
    w->op = NULL;
    if (res->error != NULL) {
        fprintf(stderr, "berth: waiting for %s: %s\n", w->c->name,
                berth_error_message(res->error));
        x->failed = true;
    } else {
        printf("container \"%s\" exited with status code %d\n", w->c->name, res->exit_code);
        fflush(stdout);
        x->code = res->exit_code;
    }
    x->pending--;
    if (x->down_project && !x->downing) {
        start_down(x);
        return;
    }
    if (x->pending == 0 && !x->downing)
        project_finish(x->p, x->failed ? CLI_EXIT_FAILURE : x->code);
}

/* Containers listed: wait on each. */
static void listed(struct ctrs *list, const struct berth_error *err, void *user)
{
    struct wait *x = user;
    x->list = list;
    if (err != NULL) {
        project_print_error(err);
        project_finish(x->p, CLI_EXIT_FAILURE);
        return;
    }
    x->w = calloc(list->n + 1, sizeof(*x->w));
    if (x->w == NULL)
        abort();
    x->pending = 1;
    for (size_t i = 0; i < list->n; i++) {
        x->w[i] = (struct waiter){x, &list->v[i], NULL};
        struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_WAIT, .target = list->v[i].id};
        struct berth_error *e = NULL;
        x->w[i].op = berth_backend_submit(project_backend(x->p), &req, waited, &x->w[i], &e);
        if (x->w[i].op == NULL) {
            berth_error_wrap(&e, "waiting for %s", list->v[i].name);
            cli_report_error(e);
            x->failed = true;
        } else {
            x->pending++;
        }
    }
    if (--x->pending == 0)
        project_finish(x->p, x->failed ? CLI_EXIT_FAILURE : x->code);
}

int cmd_wait(struct cli_globals *g, int argc, char **argv)
{
    bool down_project = false;
    const struct flag flags[] = {
        {"down-project", 0, FLAG_BOOL, &down_project, NULL, "Drops project when the first container stops"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"wait", "SERVICE [SERVICE...] [OPTIONS]",
                                   "Block until containers of all (or specified) services stop.",
                                   flags, false, 0, -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct wait x = {.p = p, .down_project = down_project};
    struct berth_error *err = NULL;
    project_signals(p, NULL, NULL);
    if (ctrs_list(project_backend(p), project_name(p), services.n > 0 ? services.v : NULL, false,
                  listed, &x, &err) < 0)
        rc = cli_report_error(err);
    else
        rc = project_run(p);
    project_close(p);
    free(x.w);
    ctrs_free(x.list);
out:
    free(services.v);
    return flags_exit(rc);
}
