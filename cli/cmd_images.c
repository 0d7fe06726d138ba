/* berth images: list the images used by the project's containers. */
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

/* What the backend knows about one image reference. */
struct img {
    char *ref;
    char *id;     /* NULL when unknown */
    long long size; /* -1 when unknown */
};

struct images {
    struct project *p;
    struct ctrs *list;
    struct img *imgs;
    size_t n;
    size_t pending;
    bool quiet, json;
};

/* docker's HumanSizeWithPrecision(size, 3): "4.26MB", decimal units. */
static void human_size(long long size, char *buf, size_t n)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double s = (double)size;
    size_t u = 0;
    while (s >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        s /= 1000.0;
        u++;
    }
    snprintf(buf, n, "%.3g%s", s, units[u]);
}

/* Splits an image reference into repository and tag ("<none>" for digests). */
static void split_ref(const char *ref, char *repo, size_t rn, char *tag, size_t tn)
{
    const char *at = strchr(ref, '@');
    const char *slash = strrchr(ref, '/');
    const char *colon = strrchr(ref, ':');
    if (at != NULL) {
        snprintf(repo, rn, "%.*s", (int)(at - ref), ref);
        snprintf(tag, tn, "<none>");
    } else if (colon != NULL && (slash == NULL || colon > slash)) {
        snprintf(repo, rn, "%.*s", (int)(colon - ref), ref);
        snprintf(tag, tn, "%s", colon + 1);
    } else {
        snprintf(repo, rn, "%s", ref);
        snprintf(tag, tn, "latest");
    }
}

/* The image of a reference, or NULL. */
static const struct img *find(const struct images *x, const char *ref)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->imgs[i].ref, ref) == 0)
            return &x->imgs[i];
    return NULL;
}

/* Prints the table, JSON array or ids once every inspection answered. */
static void print(struct images *x)
{
    static const char *const header[] = {"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"};
    struct table *t = table_new(5, header);
    json_t *arr = json_array();
    struct cli_list ids = {0};
    for (size_t i = 0; i < x->list->n; i++) {
        const struct ctr *c = &x->list->v[i];
        const struct img *im = find(x, c->image != NULL ? c->image : "");
        char repo[512], tag[256], size[32] = "", id[16] = "";
        split_ref(c->image != NULL ? c->image : "", repo, sizeof(repo), tag, sizeof(tag));
        if (im != NULL && im->size >= 0)
            human_size(im->size, size, sizeof(size));
        const char *full = im != NULL && im->id != NULL ? im->id : "";
        const char *hex = strncmp(full, "sha256:", 7) == 0 ? full + 7 : full;
        snprintf(id, sizeof(id), "%.12s", hex);
        if (x->quiet) {
            bool dup = false;
            for (size_t j = 0; j < ids.n; j++)
                dup = dup || strcmp(ids.v[j], full) == 0;
            if (!dup && full[0] != '\0') {
                cli_list_push(&ids, full);
                printf("%s\n", full);
            }
        } else if (x->json) {
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:s, s:I}", "ID", full, "ContainerName", c->name,
                               "Repository", repo, "Tag", tag, "Size",
                               (json_int_t)(im != NULL && im->size > 0 ? im->size : 0)));
        } else {
            const char *row[] = {c->name, repo, tag, id, size};
            table_add(t, row);
        }
    }
    if (x->json) {
        char *s = json_dumps(arr, JSON_COMPACT);
        if (s != NULL)
            printf("%s\n", s);
        free(s);
    } else if (!x->quiet) {
        table_print(t, stdout);
    }
    fflush(stdout);
    json_decref(arr);
    table_free(t);
    free(ids.v);
    project_finish(x->p, CLI_EXIT_OK);
}

/* One inspection in flight. */
struct inspect {
    struct images *x;
    struct img *im;
};

/* One image inspected (an unknown image keeps empty columns, as docker compose shows). */
static void inspected(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct inspect *in = user;
    struct images *x = in->x;
    if (res->error == NULL && res->n_images > 0) {
        in->im->id = strdup(res->images[0].id != NULL ? res->images[0].id : "");
        in->im->size = res->images[0].size;
    }
    free(in);
    if (--x->pending == 0)
        print(x);
}

/* Containers listed: inspect each distinct image (when the backend has images). */
static void listed(struct ctrs *list, const struct berth_error *err, void *user)
{
    struct images *x = user;
    x->list = list;
    if (err != NULL) {
        project_print_error(err);
        project_finish(x->p, CLI_EXIT_FAILURE);
        return;
    }
    x->imgs = calloc(list->n + 1, sizeof(*x->imgs)); /* fixed size: pointers stay valid */
    if (x->imgs == NULL)
        abort();
    for (size_t i = 0; i < list->n; i++) {
        const char *ref = list->v[i].image != NULL ? list->v[i].image : "";
        if (find(x, ref) != NULL)
            continue;
        struct img *im = &x->imgs[x->n++];
        im->ref = strdup(ref);
        im->size = -1;
    }
    struct berth_backend *b = project_backend(x->p);
    x->pending = 1; /* held until every inspection is submitted */
    if (berth_backend_has_op(b, BERTH_OP_IMAGE_INSPECT)) {
        for (size_t i = 0; i < x->n; i++) {
            struct inspect *in = malloc(sizeof(*in));
            if (in == NULL)
                abort();
            *in = (struct inspect){x, &x->imgs[i]};
            struct berth_op_req req = {.kind = BERTH_OP_IMAGE_INSPECT, .target = x->imgs[i].ref};
            if (berth_backend_submit(b, &req, inspected, in, NULL) == NULL)
                free(in);
            else
                x->pending++;
        }
    }
    if (--x->pending == 0)
        print(x);
}

int cmd_images(struct cli_globals *g, int argc, char **argv)
{
    bool quiet = false;
    const char *format = NULL;
    const struct flag flags[] = {
        {"format", 0, FLAG_STRING, &format, "FORMAT", "Format the output. Values: [table | json]"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Only display IDs"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"images", "[OPTIONS] [SERVICE...]",
                                   "List images used by the created containers", flags, false, 0,
                                   -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc == 0 && format != NULL && strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
        rc = cli_usage_error("use table or json", "images: --format: invalid value '%s'", format);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct images x = {.p = p, .quiet = quiet, .json = format != NULL && !strcmp(format, "json")};
    struct berth_error *err = NULL;
    project_signals(p, NULL, NULL);
    if (ctrs_list(project_backend(p), project_name(p),
                  services.n > 0 ? services.v : NULL, true, listed, &x, &err) < 0)
        rc = cli_report_error(err);
    else
        rc = project_run(p);
    project_close(p);
    for (size_t i = 0; i < x.n; i++) {
        free(x.imgs[i].ref);
        free(x.imgs[i].id);
    }
    free(x.imgs);
    ctrs_free(x.list);
out:
    free(services.v);
    return flags_exit(rc);
}
