/* berth logs: view output from containers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/logview.h"
#include "cli/project.h"

struct logs {
    struct project *p;
    struct logview *lv;
    bool failed;
};

/* Registers every container's name first so the prefixes line up from the first line. */
static void listed(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    struct logs *l = user;
    const char *project = berth_compose_project_name(c);
    if (res->error != NULL) {
        project_print_error(res->error);
        l->failed = true;
    }
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_compose_container *ct = &res->containers[i];
        char *name = format_short_name(project, ct->service, ct->oneoff ? 0 : ct->number,
                                       ct->name);
        logview_register(l->lv, name);
        free(name);
    }
    project_finish(l->p, 0);
}

/* One line of a container's log. */
static void on_log(struct berth_compose *c, const struct berth_compose_event *ev, void *user)
{
    (void)c;
    struct logs *l = user;
    if (ev->type != BERTH_COMPOSE_EV_LOG)
        return;
    char *name = format_short_name(ev->project, ev->service, ev->oneoff ? 0 : ev->replica,
                                   ev->container);
    logview_line(l->lv, name, ev->line, ev->len, ev->complete);
    free(name);
}

/* The streams ended: 0, or 128+signal when Ctrl-C ended a followed stream. */
static void done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct logs *l = user;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_CANCELLED) {
        project_print_error(res->error);
        project_finish(l->p, CLI_EXIT_FAILURE);
        return;
    }
    project_finish(l->p, project_first_signal(l->p) != 0 ? 128 + project_first_signal(l->p)
                                                         : CLI_EXIT_OK);
}

int cmd_logs(struct cli_globals *g, int argc, char **argv)
{
    bool follow = false, timestamps = false, no_prefix = false, no_color = false;
    const char *tail = NULL, *since = NULL, *until = NULL;
    int index = 0;
    const struct flag flags[] = {
        {"follow", 'f', FLAG_BOOL, &follow, NULL, "Follow log output"},
        {"tail", 'n', FLAG_STRING, &tail, "LINES", "Number of lines to show from the end of the logs for each container (default \"all\")"},
        {"timestamps", 't', FLAG_BOOL, &timestamps, NULL, "Show timestamps"},
        {"since", 0, FLAG_STRING, &since, "TIME", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)"},
        {"until", 0, FLAG_STRING, &until, "TIME", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)"},
        {"no-log-prefix", 0, FLAG_BOOL, &no_prefix, NULL, "Don't print prefix in logs"},
        {"no-color", 0, FLAG_BOOL, &no_color, NULL, "Produce monochrome output"},
        {"index", 0, FLAG_INT, &index, "INDEX", "index of the container if service has multiple replicas"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"logs", "[OPTIONS] [SERVICE...]",
                                   "View output from containers", flags, false, 0, -1};
    struct cli_list services = {0};
    int ntail = -1;
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc == 0 && tail != NULL && strcmp(tail, "all") != 0 &&
        (!flags_int(tail, &ntail) || ntail < -1))
        rc = cli_usage_error("give a number of lines or all", "logs: --tail: invalid value '%s'",
                             tail);
    if (rc == 0 && index < 0)
        rc = cli_usage_error(NULL, "logs: --index must be 1 or more");
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct logs l = {.p = p};
    bool color = !no_color && cli_use_color(g, STDOUT_FILENO);
    l.lv = logview_new(stdout, color, !no_prefix);
    logview_attach(l.lv, project_base(p));
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    struct berth_compose_ps_options po = {.services = args_or_null(&services), .all = true};
    /* the op first: err is read only after the call set it */
    struct berth_compose_op *op = berth_compose_ps(project_compose(p), &po, listed, &l, &err);
    rc = project_run_op(p, op, err);
    if (rc == 0 && !project_signal_count(p)) {
        struct berth_compose_logs_options o = {.services = args_or_null(&services),
                                               .follow = follow,
                                               .timestamps = timestamps,
                                               .tail = ntail,
                                               .since = since,
                                               .until = until,
                                               .index = index,
                                               .on_log = on_log,
                                               .log_user = &l};
        op = berth_compose_logs(project_compose(p), &o, done, &l, &err);
        rc = project_run_op(p, op, err);
    }
    if (rc == 0 && l.failed)
        rc = CLI_EXIT_FAILURE;
    logview_attach(l.lv, NULL); /* before the base goes */
    project_close(p);
    logview_free(l.lv);
out:
    free(services.v);
    return flags_exit(rc);
}
