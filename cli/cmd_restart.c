/* berth restart: restart service containers. */
#include "config.h"

#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

int cmd_restart(struct cli_globals *g, int argc, char **argv)
{
    int timeout = -1;
    bool no_deps = false;
    const struct flag flags[] = {
        {"timeout", 't', FLAG_INT, &timeout, "SECONDS", "Specify a shutdown timeout in seconds"},
        {"no-deps", 0, FLAG_BOOL, &no_deps, NULL, "Don't restart dependent services"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"restart", "[OPTIONS] [SERVICE...]",
                                   "Restart service containers", flags, false, 0, -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct berth_compose_ctl_options o = {
        .services = args_or_null(&services), .timeout_s = timeout, .no_deps = no_deps};
    project_progress(p, "Restarting");
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    struct berth_compose_op *op =
        berth_compose_restart(project_compose(p), &o, project_op_done, p, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
