/* berth rm: remove stopped service containers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

struct rm {
    struct project *p;
    bool stop_first;
    struct cli_list names; /* containers that would be removed (malloc'ed) */
    bool failed;
};

/* Collects what rm would remove: stopped containers, running ones too with -s. */
static void listed(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct rm *r = user;
    if (res->error != NULL) {
        project_print_error(res->error);
        r->failed = true;
    }
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_compose_container *ct = &res->containers[i];
        if (ct->state == BERTH_CSTATE_RUNNING && !r->stop_first)
            continue;
        char *n = strdup(ct->name != NULL ? ct->name : "");
        if (n == NULL)
            abort();
        cli_list_push(&r->names, n);
    }
    project_finish(r->p, 0);
}

/* Asks "Are you sure? [yN]" on the terminal; true on y/yes. */
static bool confirm(const struct cli_list *names)
{
    fputs("Going to remove ", stdout);
    for (size_t i = 0; i < names->n; i++)
        fprintf(stdout, "%s%s", i > 0 ? ", " : "", names->v[i]);
    fputs("\n? Are you sure? [yN] ", stdout);
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof(line), stdin) == NULL)
        return false;
    return strcmp(line, "y\n") == 0 || strcmp(line, "Y\n") == 0 || strcmp(line, "yes\n") == 0 ||
           strcmp(line, "y") == 0;
}

int cmd_rm(struct cli_globals *g, int argc, char **argv)
{
    bool force = false, stop = false, volumes = false;
    const struct flag flags[] = {
        {"force", 'f', FLAG_BOOL, &force, NULL, "Don't ask to confirm removal"},
        {"stop", 's', FLAG_BOOL, &stop, NULL, "Stop the containers, if required, before removing"},
        {"volumes", 'v', FLAG_BOOL, &volumes, NULL, "Remove any anonymous volumes attached to containers"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"rm", "[OPTIONS] [SERVICE...]",
                                   "Removes stopped service containers", flags, false, 0, -1};
    struct cli_list services = {0};
    struct rm r = {.stop_first = stop};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    r.p = p;
    r.stop_first = stop;
    struct berth_error *err = NULL;
    project_signals(p, NULL, NULL);
    struct berth_compose_ps_options po = {.services = args_or_null(&services), .all = true};
    /* the op first: err is read only after the call set it */
    struct berth_compose_op *op = berth_compose_ps(project_compose(p), &po, listed, &r, &err);
    rc = project_run_op(p, op, err);
    if (rc == 0 && r.failed)
        rc = CLI_EXIT_FAILURE;
    if (rc == 0 && r.names.n == 0) {
        fprintf(stderr, "No stopped containers\n");
    } else if (rc == 0 && !force && !confirm(&r.names)) {
        rc = CLI_EXIT_OK;
    } else if (rc == 0) {
        struct berth_compose_ctl_options o = {.services = args_or_null(&services),
                                              .timeout_s = -1,
                                              .force = true,
                                              .stop_first = stop,
                                              .volumes = volumes};
        project_progress(p, "Removing");
        rc = project_run_op(p, berth_compose_rm(project_compose(p), &o, project_op_done, p, &err),
                            err);
    }
    project_close(p);
out:
    for (size_t i = 0; i < r.names.n; i++)
        free((char *)r.names.v[i]);
    free(r.names.v);
    free(services.v);
    return flags_exit(rc);
}
