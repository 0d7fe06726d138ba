/* berth pull: pull service images. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

int cmd_pull(struct cli_globals *g, int argc, char **argv)
{
    bool ignore_failures = false, include_deps = false, quiet = false;
    const char *policy = NULL;
    const struct flag flags[] = {
        {"ignore-pull-failures", 0, FLAG_BOOL, &ignore_failures, NULL, "Pull what it can and ignores images with pull failures"},
        {"include-deps", 0, FLAG_BOOL, &include_deps, NULL, "Also pull services declared as dependencies"},
        {"policy", 0, FLAG_STRING, &policy, "POLICY", "Apply pull policy (\"missing\"|\"always\")"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Pull without printing progress information"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"pull", "[OPTIONS] [SERVICE...]", "Pull service images",
                                   flags, false, 0, -1};
    struct cli_list services = {0};
    enum berth_pull_policy pp = BERTH_PULL_DEFAULT;
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc == 0 && policy != NULL) {
        if (strcmp(policy, "missing") == 0)
            pp = BERTH_PULL_MISSING;
        else if (strcmp(policy, "always") == 0)
            pp = BERTH_PULL_ALWAYS;
        else
            rc = cli_usage_error("use missing or always", "pull: --policy: invalid value '%s'",
                                 policy);
    }
    if (rc != 0)
        goto out;
    if (quiet)
        g->progress = "quiet";
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct berth_compose_pull_options o = {.services = args_or_null(&services),
                                           .ignore_failures = ignore_failures,
                                           .include_deps = include_deps,
                                           .policy = pp};
    project_progress(p, "Pulling");
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    rc = project_run_op(p, berth_compose_pull(project_compose(p), &o, project_op_done, p, &err),
                        err);
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
