/*
 * berth backends: every backend berth knows of (built in, loaded from
 * plugins, or a platform default without a driver), probed at once, with
 * why each is or is not available and which one would be chosen; and the
 * plugin files that were refused, with the reason.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include <berth/runtime.h>

#include "cli/cli.h"

/* Columns of the table output. */
enum { COLS = 6 };

/* Rows of cells printed with columns padded like docker's tables. */
struct rows {
    char *(*owned)[COLS];
    size_t n, cap;
};

/* Appends a row (cells copied). */
static void rows_add(struct rows *r, const char *const *cells)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->owned = realloc(r->owned, r->cap * sizeof(*r->owned));
        if (r->owned == NULL)
            abort();
    }
    for (int i = 0; i < COLS; i++) {
        r->owned[r->n][i] = strdup(cells[i] ? cells[i] : "");
        if (r->owned[r->n][i] == NULL)
            abort();
    }
    r->n++;
}

/* Prints the rows, every column but the last padded to its widest cell + 3. */
static void rows_print(struct rows *r, FILE *out)
{
    size_t w[COLS] = {0};
    for (size_t i = 0; i < r->n; i++)
        for (int c = 0; c < COLS; c++)
            if (strlen(r->owned[i][c]) > w[c])
                w[c] = strlen(r->owned[i][c]);
    for (size_t i = 0; i < r->n; i++) {
        for (int c = 0; c < COLS - 1; c++)
            fprintf(out, "%-*s", (int)(w[c] + 3), r->owned[i][c]);
        fprintf(out, "%s\n", r->owned[i][COLS - 1]);
    }
}

/* Frees the rows. */
static void rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        for (int c = 0; c < COLS; c++)
            free(r->owned[i][c]);
    free(r->owned);
}

/* Detection finished: leave the loop. */
static void backends_detected(struct berth_detect *d, void *user)
{
    (void)d;
    berth_engine_break(user);
}

/* Appends name to v (NULL-terminated, capacity cap) unless already there. */
static void add_unique(const char **v, size_t *n, size_t cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(v[i], name) == 0)
            return;
    if (*n + 1 < cap) {
        v[(*n)++] = name;
        v[*n] = NULL;
    }
}

/* "1.0" for a driver's ABI. */
static void abi_text(const struct berth_driver_info *info, char *buf, size_t size)
{
    if (info == NULL)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%u.%u", info->abi_major, info->abi_minor);
}

/* Prints the candidates and refused plugins as a table. */
static void print_table(struct berth_engine *eng, struct berth_detect *d)
{
    static const char *const header[] = {"NAME", "FILE", "ABI", "AVAILABLE", "VERSION", "REASON"};
    struct rows t = {0};
    rows_add(&t, header);
    for (size_t i = 0; i < berth_detect_count(d); i++) {
        const struct berth_detect_candidate *c = berth_detect_candidate(d, i);
        char abi[32];
        abi_text(berth_plugins_find(eng, c->name), abi, sizeof(abi));
        const char *avail = c->chosen ? "yes (chosen)" : c->available ? "yes" : "no";
        const char *cells[] = {c->name, c->file ? c->file : "-", abi, avail,
                               c->version ? c->version : "-", c->reason ? c->reason : ""};
        rows_add(&t, cells);
    }
    for (size_t i = 0; i < berth_plugins_refused_count(eng); i++) {
        const struct berth_refused_plugin *r = berth_plugins_refused(eng, i);
        const char *cells[] = {"-", r->file, "-", "refused", "-", r->reason};
        rows_add(&t, cells);
    }
    rows_print(&t, stdout);
    rows_free(&t);
}

/* Prints the candidates and refused plugins as one JSON array. */
static void print_json(struct berth_engine *eng, struct berth_detect *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < berth_detect_count(d); i++) {
        const struct berth_detect_candidate *c = berth_detect_candidate(d, i);
        const struct berth_driver_info *info = berth_plugins_find(eng, c->name);
        char abi[32];
        abi_text(info, abi, sizeof(abi));
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(c->name));
        json_object_set_new(o, "driver", c->driver ? json_string(c->driver) : json_null());
        json_object_set_new(o, "file", c->file ? json_string(c->file) : json_null());
        json_object_set_new(o, "abi", info ? json_string(abi) : json_null());
        json_object_set_new(o, "available", json_boolean(c->available));
        json_object_set_new(o, "chosen", json_boolean(c->chosen));
        json_object_set_new(o, "version", c->version ? json_string(c->version) : json_null());
        json_object_set_new(o, "reason", json_string(c->reason ? c->reason : ""));
        json_object_set_new(o, "probe_ms", json_integer((json_int_t)c->elapsed_ms));
        json_object_set_new(o, "refused", json_false());
        if (info != NULL) {
            json_t *feats = json_object();
            for (int f = 0; f < BERTH_FEAT_COUNT; f++)
                json_object_set_new(feats, berth_feature_name((enum berth_feature)f),
                                    json_string(berth_support_name(
                                        berth_driver_supports(info, (enum berth_feature)f))));
            json_object_set_new(o, "features", feats);
        }
        json_array_append_new(arr, o);
    }
    for (size_t i = 0; i < berth_plugins_refused_count(eng); i++) {
        const struct berth_refused_plugin *r = berth_plugins_refused(eng, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_null());
        json_object_set_new(o, "file", json_string(r->file));
        json_object_set_new(o, "available", json_false());
        json_object_set_new(o, "refused", json_true());
        json_object_set_new(o, "reason", json_string(r->reason));
        json_array_append_new(arr, o);
    }
    char *s = json_dumps(arr, JSON_COMPACT);
    if (s != NULL)
        printf("%s\n", s);
    free(s);
    json_decref(arr);
}

/* Parses `backends` flags: --format table|json (also --format=json), -h/--help. */
static int backends_flags(int argc, char **argv, const char **format)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            puts("Usage:  berth backends [OPTIONS]\n\n"
                 "List the container runtime backends berth can use, the plugins found and\n"
                 "refused, and which backend would be chosen (every candidate is probed).\n\n"
                 "Options:\n"
                 "      --format string   Format the output: table or json (default \"table\")");
            return -1;
        }
        if (strcmp(a, "--format") == 0 && i + 1 < argc)
            *format = argv[++i];
        else if (strncmp(a, "--format=", 9) == 0)
            *format = a + 9;
        else if (strcmp(a, "--format") == 0)
            return cli_usage_error("run 'berth backends --help'", "flag '--format' needs a value");
        else if (a[0] == '-')
            return cli_usage_error("run 'berth backends --help'", "backends: unknown flag '%s'",
                                   a);
        else
            return cli_usage_error("run 'berth backends --help'",
                                   "backends: unexpected argument '%s'", a);
    }
    if (strcmp(*format, "table") != 0 && strcmp(*format, "json") != 0)
        return cli_usage_error("use --format table or --format json",
                               "backends: --format: invalid value '%s'", *format);
    return 0;
}

/* berth backends [--format table|json] */
int cmd_backends(struct cli_globals *g, int argc, char **argv)
{
    const char *format = "table";
    int rc = backends_flags(argc, argv, &format);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;

    struct berth_error *err = NULL;
    struct berth_engine *eng = berth_engine_new(NULL, &err);
    if (eng == NULL)
        return cli_report_error(err);
    /* Refusals are listed below; the load-time warnings would repeat them. */
    berth_engine_set_log(eng, NULL, BERTH_LOG_ERROR, NULL);
    const char *dirs[] = {g->plugin_dir, NULL};
    if (berth_plugins_load(eng, g->plugin_dir ? dirs : NULL, 0, &err) < 0) {
        berth_error_wrap(&err, "--plugin-dir");
        berth_engine_free(eng);
        return cli_report_error(err);
    }

    /* Candidates: the requested list, else every default and every driver's flavours. */
    char **requested = NULL;
    if (g->backend != NULL) {
        requested = berth_backend_list_parse(g->backend, &err);
        if (requested == NULL) {
            berth_error_wrap(&err, "--backend");
            berth_engine_free(eng);
            return cli_report_error(err);
        }
    }
    size_t cap = 256, n = 0;
    const char **all = calloc(cap, sizeof(*all));
    if (all == NULL)
        abort();
    const char *env = getenv("BERTH_BACKEND");
    if (requested == NULL && (env == NULL || *env == '\0')) {
        for (const char *const *p = berth_detect_default_candidates(); *p != NULL; p++)
            add_unique(all, &n, cap, *p);
        for (size_t i = 0; i < berth_plugins_count(eng); i++)
            for (const char *const *f = berth_plugins_get(eng, i)->flavours; *f != NULL; f++)
                add_unique(all, &n, cap, *f);
    }
    struct berth_detect_options o = {
        .candidates = requested ? (const char *const *)requested : n > 0 ? all : NULL,
        .candidates_origin = requested ? "--backend" : "default",
        .probe_all = true,
    };
    struct berth_detect *d = berth_detect_start(eng, &o, backends_detected, eng, &err);
    berth_backend_list_free(requested);
    free(all);
    if (d == NULL) {
        berth_engine_free(eng);
        return cli_report_error(err);
    }
    berth_engine_run(eng);
    if (strcmp(format, "json") == 0)
        print_json(eng, d);
    else
        print_table(eng, d);
    berth_detect_free(d);
    berth_engine_free(eng);
    return CLI_EXIT_OK;
}
