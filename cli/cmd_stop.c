/* berth stop: stop running containers without removing them. */
#include "config.h"

#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

int cmd_stop(struct cli_globals *g, int argc, char **argv)
{
    int timeout = -1;
    const struct flag flags[] = {
        {"timeout", 't', FLAG_INT, &timeout, "SECONDS", "Specify a shutdown timeout in seconds"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"stop", "[OPTIONS] [SERVICE...]", "Stop services", flags,
                                   false, 0, -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct berth_compose_ctl_options o = {.services = args_or_null(&services), .timeout_s = timeout};
    project_progress(p, "Stopping");
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    struct berth_compose_op *op =
        berth_compose_stop(project_compose(p), &o, project_op_done, p, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
