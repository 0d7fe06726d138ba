/*
 * Cleanup reports for the CLI: `berth down --all-projects` removes every
 * compose project found on the selected backend (berth_cleanup_down_all)
 * and prints what was really removed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/ccli.h"
#include "cli/cli.h"

/* Prints a cleanup report as text or as one JSON object. */
void cli_print_cleanup_report(const struct berth_cleanup_report *r, bool json, FILE *out)
{
    if (json) {
        json_t *o = json_object();
        json_t *projects = json_array(), *errors = json_array();
        for (size_t i = 0; i < r->n_projects; i++)
            json_array_append_new(projects, json_string(r->projects[i]));
        for (size_t i = 0; i < r->n_errors; i++)
            json_array_append_new(errors, json_string(r->errors[i]));
        json_object_set_new(o, "projects", projects);
        json_object_set_new(o, "containers_removed", json_integer((json_int_t)r->containers_removed));
        json_object_set_new(o, "networks_removed", json_integer((json_int_t)r->networks_removed));
        json_object_set_new(o, "volumes_removed", json_integer((json_int_t)r->volumes_removed));
        json_object_set_new(o, "errors", errors);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s != NULL)
            fprintf(out, "%s\n", s);
        free(s);
        json_decref(o);
        return;
    }
    fprintf(out, "Projects: ");
    if (r->n_projects == 0)
        fprintf(out, "none found");
    for (size_t i = 0; i < r->n_projects; i++)
        fprintf(out, "%s%s", i ? ", " : "", r->projects[i]);
    fprintf(out, "\nRemoved: %zu container%s, %zu network%s, %zu volume%s\n",
            r->containers_removed, r->containers_removed == 1 ? "" : "s", r->networks_removed,
            r->networks_removed == 1 ? "" : "s", r->volumes_removed,
            r->volumes_removed == 1 ? "" : "s");
    if (r->n_errors > 0) {
        fprintf(out, "Errors:\n");
        for (size_t i = 0; i < r->n_errors; i++)
            fprintf(out, "  %s\n", r->errors[i]);
    }
}

/* The state of `down --all-projects`. */
struct down_all {
    struct ccli c;
    bool json;
    struct berth_container_op *op;
};

/* The cleanup finished: print the report (even a partial one). */
static void down_all_done(const struct berth_container_result *res, void *user)
{
    struct down_all *d = user;
    d->op = NULL;
    if (res->report != NULL)
        cli_print_cleanup_report(res->report, d->json, stdout);
    if (res->error != NULL) {
        if (res->report == NULL || !d->json)
            ccli_print_error(res->error);
        ccli_finish(&d->c, d->c.signals > 0 ? CLI_EXIT_INTERRUPTED : CLI_EXIT_FAILURE);
        return;
    }
    ccli_finish(&d->c, CLI_EXIT_OK);
}

/* Ctrl-C stops the cleanup where it is. */
static void down_all_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    (void)count;
    struct down_all *d = user;
    if (d->op != NULL)
        berth_container_op_cancel(d->op);
    else
        ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* berth down --all-projects [-v] [-t N] [--format json]. */
int cli_down_all_projects(struct cli_globals *g, bool volumes, int timeout_s, const char *format)
{
    int json = ccli_format_json("down", format);
    if (json < 0)
        return CLI_EXIT_USAGE;
    struct down_all d = {.json = json == 1};
    int rc = ccli_open(&d.c, g);
    if (rc != 0)
        return rc;
    ccli_signals(&d.c, down_all_signal, &d);
    /* like docker compose down: stop gracefully (10 s unless -t), networks go, volumes on -v */
    struct berth_cleanup_options o = {.remove_networks = true,
                                      .remove_volumes = volumes,
                                      .stop_timeout_s = timeout_s >= 0 ? timeout_s : 10};
    struct berth_error *e = NULL;
    d.op = berth_cleanup_down_all(d.c.eng, &o, down_all_done, &d, &e);
    if (d.op == NULL) {
        ccli_print_error(e);
        berth_error_free(e);
        ccli_finish(&d.c, CLI_EXIT_FAILURE);
    }
    rc = ccli_run(&d.c);
    ccli_close(&d.c);
    return rc;
}
