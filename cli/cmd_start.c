/* berth start: start existing containers. */
#include "config.h"

#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

int cmd_start(struct cli_globals *g, int argc, char **argv)
{
    const struct flag flags[] = {
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"start", "[SERVICE...]", "Start services", flags, false, 0,
                                   -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct berth_compose_ctl_options o = {.services = args_or_null(&services), .timeout_s = -1};
    project_progress(p, "Running");
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    struct berth_compose_op *op =
        berth_compose_start(project_compose(p), &o, project_op_done, p, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
