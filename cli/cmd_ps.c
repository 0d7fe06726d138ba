/* berth ps: list the project's containers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/project.h"
#include "cli/table.h"

struct ps {
    struct project *p;
    bool quiet, services, json, no_trunc;
    struct cli_list *status;
    int rc;
};

/* States docker compose accepts for --status / --filter status=. */
static const char *const states[] = {"paused", "restarting", "removing", "running",
                                     "dead",   "created",    "exited",   NULL};

/* Whether a container passes the --status filters. */
static bool status_ok(const struct ps *s, const struct berth_compose_container *c)
{
    if (s->status->n == 0)
        return true;
    for (size_t i = 0; i < s->status->n; i++)
        if (c->state_name != NULL && strcmp(s->status->v[i], c->state_name) == 0)
            return true;
    return false;
}

/* Prints the containers in the chosen format. */
static void listed(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    struct ps *s = user;
    if (res->error != NULL) {
        project_print_error(res->error);
        project_finish(s->p, CLI_EXIT_FAILURE);
        return;
    }
    const char *project = berth_compose_project_name(c);
    int64_t now = (int64_t)time(NULL);
    static const char *const header[] = {"NAME",    "IMAGE",  "COMMAND", "SERVICE",
                                         "CREATED", "STATUS", "PORTS"};
    struct table *t = table_new(7, header);
    struct cli_list seen = {0};
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_compose_container *ct = &res->containers[i];
        if (!status_ok(s, ct))
            continue;
        if (s->services) {
            bool dup = false;
            for (size_t j = 0; j < seen.n; j++)
                dup = dup || strcmp(seen.v[j], ct->service) == 0;
            if (!dup) {
                cli_list_push(&seen, ct->service);
                printf("%s\n", ct->service);
            }
        } else if (s->quiet) {
            printf("%s\n", ct->id != NULL ? ct->id : "");
        } else if (s->json) {
            json_t *o = format_ps_json(ct, project, now);
            char *text = json_dumps(o, JSON_COMPACT);
            if (text != NULL)
                printf("%s\n", text);
            free(text);
            json_decref(o);
        } else {
            char *cmd = format_command(ct->command, !s->no_trunc, 20);
            char *status = format_status(ct);
            char created[80];
            format_ago(ct->created_at, now, created, sizeof(created));
            const char *row[] = {ct->name,  ct->image, cmd,     ct->service,
                                 created,   status,    ct->ports != NULL ? ct->ports : ""};
            table_add(t, row);
            free(cmd);
            free(status);
        }
    }
    if (!s->services && !s->quiet && !s->json)
        table_print(t, stdout);
    table_free(t);
    free(seen.v);
    fflush(stdout);
    project_finish(s->p, CLI_EXIT_OK);
}

int cmd_ps(struct cli_globals *g, int argc, char **argv)
{
    bool all = false, quiet = false, services_only = false, no_trunc = false, orphans = true;
    const char *format = NULL;
    struct cli_list status = {0}, filter = {0};
    const struct flag flags[] = {
        {"all", 'a', FLAG_BOOL, &all, NULL, "Show all stopped containers (including those created by the run command)"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Only display IDs"},
        {"services", 0, FLAG_BOOL, &services_only, NULL, "Display services"},
        {"status", 0, FLAG_LIST, &status, "STATUS", "Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]"},
        {"filter", 0, FLAG_LIST, &filter, "FILTER", "Filter services by a property (supported filters: status)"},
        {"format", 0, FLAG_STRING, &format, "FORMAT", "Format the output. Values: [table | json]"},
        {"no-trunc", 0, FLAG_BOOL, &no_trunc, NULL, "Don't truncate output"},
        {"orphans", 0, FLAG_BOOL, &orphans, NULL, "Include orphaned services (not declared by project)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"ps", "[OPTIONS] [SERVICE...]", "List containers", flags,
                                   false, 0, -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    for (size_t i = 0; rc == 0 && i < filter.n; i++) {
        if (strncmp(filter.v[i], "status=", 7) != 0)
            rc = cli_usage_error("only status=STATE is supported",
                                 "ps: --filter: invalid filter '%s'", filter.v[i]);
        else
            cli_list_push(&status, filter.v[i] + 7);
    }
    for (size_t i = 0; rc == 0 && i < status.n; i++) {
        bool known = false;
        for (const char *const *st = states; *st != NULL; st++)
            known = known || strcmp(*st, status.v[i]) == 0;
        if (!known)
            rc = cli_usage_error("use paused, restarting, removing, running, dead, created or "
                                 "exited",
                                 "ps: invalid status '%s'", status.v[i]);
    }
    if (rc == 0 && format != NULL && strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
        rc = cli_usage_error("use table or json", "ps: --format: invalid value '%s'", format);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct ps s = {.p = p,
                   .quiet = quiet,
                   .services = services_only,
                   .json = format != NULL && strcmp(format, "json") == 0,
                   .no_trunc = no_trunc,
                   .status = &status};
    /* a status filter other than running needs the stopped containers too */
    bool want_all = all || status.n > 0;
    struct berth_compose_ps_options o = {
        .services = args_or_null(&services), .all = want_all, .orphans = orphans};
    project_signals(p, NULL, NULL);
    struct berth_error *err = NULL;
    /* the op first: err is read only after the call set it */
    struct berth_compose_op *op = berth_compose_ps(project_compose(p), &o, listed, &s, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    free(services.v);
    free(status.v);
    free(filter.v);
    return flags_exit(rc);
}
