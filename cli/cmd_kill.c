/* berth kill: force stop service containers (send a signal). */
#include "config.h"

#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/project.h"

int cmd_kill(struct cli_globals *g, int argc, char **argv)
{
    const char *signal_name = NULL;
    const struct flag flags[] = {
        {"signal", 's', FLAG_STRING, &signal_name, "SIGNAL", "SIGNAL to send to the container (default \"SIGKILL\")"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"kill", "[OPTIONS] [SERVICE...]",
                                   "Force stop service containers", flags, false, 0, -1};
    struct cli_list services = {0};
    int signo = 0;
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc == 0 && signal_name != NULL && (signo = format_signal(signal_name)) < 0)
        rc = cli_usage_error("use a signal name (SIGTERM, HUP ...) or number",
                             "kill: invalid signal '%s'", signal_name);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct berth_compose_ctl_options o = {
        .services = args_or_null(&services), .timeout_s = -1, .signal = signo};
    project_progress(p, "Killing");
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    struct berth_compose_op *op =
        berth_compose_kill(project_compose(p), &o, project_op_done, p, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
