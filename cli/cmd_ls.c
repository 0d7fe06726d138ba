/* berth ls: list compose projects found by label on the backend. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/ctrs.h"
#include "cli/flags.h"
#include "cli/project.h"
#include "cli/table.h"

struct ls {
    struct project *p;
    bool all, quiet, json;
    struct cli_list *filters;
};

/* Whether a project name passes --filter name=X. */
static bool name_ok(const struct ls *l, const char *name)
{
    for (size_t i = 0; i < l->filters->n; i++)
        if (strcmp(l->filters->v[i] + 5, name) != 0)
            return false;
    return true;
}

/* Builds "exited(1), running(2)": counts per state, states sorted by name. */
static char *status_text(const struct ctrs *list, size_t from, size_t to)
{
    const char *names[16];
    int counts[16];
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        const char *s = berth_cstate_name(list->v[i].state);
        size_t j = 0;
        while (j < n && strcmp(names[j], s) != 0)
            j++;
        if (j == n && n < 16) {
            names[n] = s;
            counts[n++] = 0;
        }
        if (j < 16)
            counts[j]++;
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (strcmp(names[b], names[a]) < 0) {
                const char *t = names[a];
                names[a] = names[b];
                names[b] = t;
                int c = counts[a];
                counts[a] = counts[b];
                counts[b] = c;
            }
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s(%d)", i > 0 ? ", " : "", names[i], counts[i]);
    fclose(f);
    return out;
}

/* Groups the containers by project and prints one row per project. */
static void listed(struct ctrs *list, const struct berth_error *err, void *user)
{
    struct ls *l = user;
    if (err != NULL) {
        project_print_error(err);
        ctrs_free(list);
        project_finish(l->p, CLI_EXIT_FAILURE);
        return;
    }
    static const char *const header[] = {"NAME", "STATUS", "CONFIG FILES"};
    struct table *t = table_new(3, header);
    json_t *arr = json_array();
    for (size_t i = 0; i < list->n;) {
        size_t j = i;
        bool running = false;
        const char *project = list->v[i].project != NULL ? list->v[i].project : "";
        while (j < list->n && strcmp(list->v[j].project != NULL ? list->v[j].project : "",
                                     project) == 0) {
            running = running || list->v[j].state == BERTH_CSTATE_RUNNING;
            j++;
        }
        if ((l->all || running) && name_ok(l, project)) {
            char *status = status_text(list, i, j);
            const char *files = list->v[i].config_files != NULL ? list->v[i].config_files : "";
            if (l->quiet) {
                printf("%s\n", project);
            } else if (l->json) {
                json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "Name", project,
                                                     "Status", status, "ConfigFiles", files));
            } else {
                const char *row[] = {project, status, files};
                table_add(t, row);
            }
            free(status);
        }
        i = j;
    }
    if (l->json) {
        char *s = json_dumps(arr, JSON_COMPACT);
        if (s != NULL)
            printf("%s\n", s);
        free(s);
    } else if (!l->quiet) {
        table_print(t, stdout);
    }
    fflush(stdout);
    json_decref(arr);
    table_free(t);
    ctrs_free(list);
    project_finish(l->p, CLI_EXIT_OK);
}

int cmd_ls(struct cli_globals *g, int argc, char **argv)
{
    bool all = false, quiet = false;
    const char *format = NULL;
    struct cli_list filters = {0};
    const struct flag flags[] = {
        {"all", 'a', FLAG_BOOL, &all, NULL, "Show all stopped Compose projects"},
        {"filter", 0, FLAG_LIST, &filters, "FILTER", "Filter output based on conditions provided (name=NAME)"},
        {"format", 0, FLAG_STRING, &format, "FORMAT", "Format the output. Values: [table | json]"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Only display project names"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"ls", "[OPTIONS]", "List running compose projects", flags,
                                   false, 0, 0};
    struct cli_list none = {0};
    int rc = flags_parse(&spec, argc, argv, &none);
    for (size_t i = 0; rc == 0 && i < filters.n; i++)
        if (strncmp(filters.v[i], "name=", 5) != 0)
            rc = cli_usage_error("only name=NAME is supported", "ls: --filter: invalid filter '%s'",
                                 filters.v[i]);
    if (rc == 0 && format != NULL && strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
        rc = cli_usage_error("use table or json", "ls: --format: invalid value '%s'", format);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_BACKEND, &rc);
    if (p == NULL)
        goto out;
    struct ls l = {.p = p,
                   .all = all,
                   .quiet = quiet,
                   .json = format != NULL && strcmp(format, "json") == 0,
                   .filters = &filters};
    struct berth_error *err = NULL;
    project_signals(p, NULL, NULL);
    if (ctrs_list(project_backend(p), NULL, NULL, true, listed, &l, &err) < 0)
        rc = cli_report_error(err);
    else
        rc = project_run(p);
    project_close(p);
out:
    free(filters.v);
    free(none.v);
    return flags_exit(rc);
}
