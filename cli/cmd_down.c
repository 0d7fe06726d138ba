/* berth down: stop and remove containers, networks (and volumes, images). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

int cmd_down(struct cli_globals *g, int argc, char **argv)
{
    bool volumes = false, remove_orphans = false;
    const char *rmi = NULL;
    int timeout = -1;
    bool all_projects = false;   /* container API cleanup: cli/cleanup-report.c */
    const char *format = NULL;
    const struct flag flags[] = {
        {"volumes", 'v', FLAG_BOOL, &volumes, NULL, "Remove named volumes declared in the \"volumes\" section of the Compose file and anonymous volumes attached to containers"},
        {"rmi", 0, FLAG_STRING, &rmi, "TYPE", "Remove images used by services. \"local\" remove only images that don't have a custom tag (\"local\"|\"all\")"},
        {"remove-orphans", 0, FLAG_BOOL, &remove_orphans, NULL, "Remove containers for services not defined in the Compose file"},
        {"timeout", 't', FLAG_INT, &timeout, "SECONDS", "Specify a shutdown timeout in seconds"},
        {"all-projects", 0, FLAG_BOOL, &all_projects, NULL, "Stop and remove every compose project found on the backend (no compose file needed) and report what was removed"},
        {"format", 0, FLAG_STRING, &format, "string", "With --all-projects: report as table or json"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"down", "[OPTIONS] [SERVICES]",
                                   "Stop and remove containers, networks", flags, false, 0, -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc == 0 && rmi != NULL && strcmp(rmi, "local") != 0 && strcmp(rmi, "all") != 0)
        rc = cli_usage_error("use local or all", "down: --rmi: invalid value '%s'", rmi);
    if (rc == 0 && all_projects && (services.n > 0 || rmi != NULL || remove_orphans))
        rc = cli_usage_error("give --all-projects alone (with -v, -t or --format)",
                             "down: --all-projects takes no services, --rmi or --remove-orphans");
    if (rc == 0 && format != NULL && !all_projects)
        rc = cli_usage_error("add --all-projects", "down: --format needs --all-projects");
    if (rc == 0 && all_projects)
        rc = cli_down_all_projects(g, volumes, timeout, format);
    if (rc != 0 || all_projects)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct berth_compose_down_options o = {0};
    o.remove_volumes = volumes;
    o.rmi = rmi;
    o.remove_orphans = remove_orphans;
    o.timeout_s = timeout;
    o.services = args_or_null(&services);
    project_progress(p, "Running");
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    struct berth_compose_op *op =
        berth_compose_down(project_compose(p), &o, project_op_done, p, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
