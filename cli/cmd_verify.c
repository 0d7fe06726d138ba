/*
 * berth verify IMAGE...: checks image signatures with cosign (the policy of
 * the compose file in reach, x-berth.verify) without running anything; and
 * the --verify / x-berth.verify set-up every container-creating command
 * shares (cli_verify_setup).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <berth/project.h>
#include <berth/verify.h>

#include "cli/ccli.h"
#include "cli/cli.h"
#include "cli/flags.h"

/*
 * True when a compose file would be found: -f or COMPOSE_FILE given, or a
 * compose.yaml (and the other default names) in dir or one of its parents,
 * as the loader looks for it.
 */
static bool compose_file_in_reach(const struct cli_globals *g)
{
    static const char *const names[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
                                        "docker-compose.yml"};
    const char *cf = getenv("COMPOSE_FILE");
    if (g->files.n > 0 || (cf != NULL && *cf != '\0'))
        return true;
    char dir[PATH_MAX];
    if (g->project_directory != NULL) {
        if (realpath(g->project_directory, dir) == NULL)
            return true; /* let the loader report it */
    } else if (getcwd(dir, sizeof(dir)) == NULL) {
        return true;
    }
    for (;;) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            char path[PATH_MAX + 32];
            snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, names[i]);
            if (access(path, F_OK) == 0)
                return true;
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || strcmp(dir, "/") == 0)
            return false;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

/* Applies --verify and, with project_policy, the compose file's x-berth.verify to eng. */
int cli_verify_setup(struct cli_globals *g, struct berth_engine *eng, bool project_policy,
                     struct berth_error **err)
{
    if (g->verify != NULL) {
        enum berth_verify_mode m;
        if (berth_verify_mode_parse(g->verify, &m, err) < 0) {
            berth_error_wrap(err, "--verify");
            return -1;
        }
        berth_verify_set_mode(eng, m);
    }
    if (!project_policy || !compose_file_in_reach(g))
        return 0; /* no compose file: the engine's empty policy (no rules) */
    struct berth_project_options o = {0};
    o.files = g->files.n > 0 ? g->files.v : NULL;
    o.project_name = g->project_name;
    o.project_directory = g->project_directory;
    o.env_files = g->env_files.n > 0 ? g->env_files.v : NULL;
    o.profiles = g->profiles.n > 0 ? g->profiles.v : NULL;
    struct berth_error *le = NULL;
    struct berth_project *p = berth_project_load(&o, &le);
    if (p == NULL) {
        berth_error_wrap(&le, "reading the verification policy (x-berth.verify)");
        return berth_error_propagate(err, le);
    }
    struct berth_verify_policy *pol = berth_verify_policy_from_project(p, err);
    berth_project_free(p);
    if (pol == NULL)
        return -1;
    berth_verify_set_policy(eng, pol);
    berth_verify_policy_free(pol);
    return 0;
}

/* The command's state. */
struct verify_cmd {
    struct ccli c;
    bool json, quiet;
    int rc;
};

/* Prints the reports and sets the exit code: 1 when any image is not verified. */
static void verified(const struct berth_verify_result *res, void *user)
{
    struct verify_cmd *v = user;
    int rc = 0;
    json_t *arr = v->json ? json_array() : NULL;
    if (!v->json && !v->quiet && res->n_reports > 0)
        printf("%-40s %-10s %-8s %s\n", "IMAGE", "STATUS", "MODE", "DIGEST");
    for (size_t i = 0; i < res->n_reports; i++) {
        const struct berth_verify_report *r = &res->reports[i];
        bool ok = r->status == BERTH_VERIFY_VERIFIED || r->status == BERTH_VERIFY_CACHED;
        if (!ok)
            rc = 1;
        if (v->json) {
            json_t *o = json_object();
            json_object_set_new(o, "Image", json_string(r->image));
            json_object_set_new(o, "Status", json_string(berth_verify_status_name(r->status)));
            json_object_set_new(o, "Digest", r->digest_ref ? json_string(r->digest_ref)
                                                           : json_null());
            json_object_set_new(o, "Rule", r->rule ? json_string(r->rule) : json_null());
            json_object_set_new(o, "Error", r->error ? json_string(berth_error_message(r->error))
                                                     : json_null());
            json_array_append_new(arr, o);
        } else if (!v->quiet) {
            printf("%-40s %-10s %-8s %s\n", r->image, berth_verify_status_name(r->status),
                   berth_verify_mode_name(res->mode), r->digest_ref ? r->digest_ref : "-");
        }
    }
    if (v->json) {
        ccli_print_json_pretty(arr);
        json_decref(arr);
    }
    /* why: every failure with its hint (the op's error in enforce, else per image) */
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_VERIFY) {
        ccli_print_error(res->error);
        rc = 1;
    } else {
        for (size_t i = 0; i < res->n_reports; i++)
            if (res->reports[i].error != NULL)
                ccli_print_error(res->reports[i].error);
    }
    ccli_finish(&v->c, rc);
}

/* Ctrl-C: cancel (the verification then completes as cancelled). */
static void verify_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)c;
    (void)signo;
    (void)count;
    (void)user;
    ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

int cmd_verify(struct cli_globals *g, int argc, char **argv)
{
    bool no_pull = false, quiet = false;
    const char *format = NULL;
    const struct flag table[] = {
        {"no-pull", 0, FLAG_BOOL, &no_pull, NULL,
         "Do not pull images that are not present (they then fail)"},
        {"format", 0, FLAG_STRING, &format, "table|json", "Output format"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Print nothing but errors; only the exit code"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {
        "verify", "[OPTIONS] IMAGE [IMAGE...]",
        "Verify image signatures with cosign (x-berth.verify rules), without running them",
        table, false, 1, -1};
    struct cli_list args = {0};
    int rc = flags_parse(&spec, argc, argv, &args);
    int json = 0;
    if (rc == 0) {
        json = ccli_format_json("verify", format);
        if (json < 0)
            rc = CLI_EXIT_USAGE;
    }
    if (rc != 0) {
        free(args.v);
        return flags_exit(rc);
    }
    struct verify_cmd v = {.json = json == 1, .quiet = quiet};
    rc = ccli_open(&v.c, g);
    if (rc != 0) {
        free(args.v);
        return rc;
    }
    struct berth_error *err = NULL;
    /* ccli_open() applied --verify and the policy; an explicit check is never "off" */
    struct berth_verify_options o = {.pull_missing = !no_pull, .check_when_off = true};
    ccli_signals(&v.c, verify_signal, &v);
    if (berth_verify_images(v.c.eng, args.v, &o, verified, &v, &err) == NULL) {
        cli_report_error(err);
        ccli_close(&v.c);
        free(args.v);
        return CLI_EXIT_FAILURE;
    }
    rc = ccli_run(&v.c);
    ccli_close(&v.c);
    free(args.v);
    return rc;
}
