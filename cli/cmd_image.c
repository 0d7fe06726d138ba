/*
 * berth image: pull, ls, inspect, rm, build, docker CLI style, on the
 * selected backend (include/berth/container.h). Tables and JSON are built
 * here from the normalised records, so they look the same on every backend.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/ccli.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/table.h"

/* One image command's state. */
struct img_cmd {
    struct ccli c;
    struct berth_container_op *op;
    /* multi-reference commands (inspect, rm) */
    const char *const *refs;
    size_t n, i;
    bool force;
    bool inspect;
    json_t *inspected;
    int rc;
    /* ls */
    bool quiet, no_trunc;
    int json;
    /* pull, build */
    const char *ref;
};

/* Ctrl-C cancels what runs. */
static void img_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    (void)count;
    struct img_cmd *m = user;
    if (m->op != NULL)
        berth_container_op_cancel(m->op);
    else
        ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* Opens the engine and Ctrl-C handling. */
static int img_open(struct img_cmd *m, struct cli_globals *g)
{
    int rc = ccli_open(&m->c, g);
    if (rc == 0)
        ccli_signals(&m->c, img_signal, m);
    return rc;
}

/* Reports a call that could not start. */
static void img_start_failed(struct img_cmd *m, struct berth_error *e)
{
    ccli_print_error(e);
    berth_error_free(e);
    ccli_finish(&m->c, CLI_EXIT_FAILURE);
}

/* The exit code of a failed op (130 after Ctrl-C). */
static int img_fail_rc(const struct img_cmd *m)
{
    return m->c.signals > 0 ? CLI_EXIT_INTERRUPTED : CLI_EXIT_FAILURE;
}

/* Progress and build output go to stderr, so that stdout carries only results. */
static void progress_line(void *user, enum berth_stream stream, const char *line, size_t len,
                          bool complete)
{
    (void)user;
    (void)stream;
    fwrite(line, 1, len, stderr);
    if (complete)
        fputc('\n', stderr);
}

/* The short id ("sha256:" dropped, 12 characters unless no_trunc). */
static void image_short_id(const char *id, bool no_trunc, char *buf, size_t size)
{
    const char *p = id ? id : "";
    if (!no_trunc && strncmp(p, "sha256:", 7) == 0)
        p += 7;
    snprintf(buf, size, "%.*s", no_trunc ? (int)strlen(p) : 12, p);
}

/* Splits "repo:tag" (the tag is after the last ':' following the last '/'). */
static void split_tag(const char *rt, char *repo, size_t rsize, const char **tag)
{
    const char *slash = strrchr(rt, '/');
    const char *colon = strrchr(rt, ':');
    if (colon != NULL && (slash == NULL || colon > slash)) {
        snprintf(repo, rsize, "%.*s", (int)(colon - rt), rt);
        *tag = colon + 1;
    } else {
        snprintf(repo, rsize, "%s", rt);
        *tag = "latest";
    }
}

/* An image as `image inspect` prints it. */
static json_t *image_json(const struct berth_image_info *im)
{
    char t[64];
    json_t *o = json_object();
    json_object_set_new(o, "Id", json_string(im->id ? im->id : ""));
    json_t *tags = json_array(), *digests = json_array();
    for (size_t i = 0; im->repo_tags != NULL && im->repo_tags[i] != NULL; i++)
        json_array_append_new(tags, json_string(im->repo_tags[i]));
    for (size_t i = 0; im->repo_digests != NULL && im->repo_digests[i] != NULL; i++)
        json_array_append_new(digests, json_string(im->repo_digests[i]));
    json_object_set_new(o, "RepoTags", tags);
    json_object_set_new(o, "RepoDigests", digests);
    ccli_rfc3339(im->created_at, t, sizeof(t));
    json_object_set_new(o, "Created", json_string(t));
    json_object_set_new(o, "Size", json_integer(im->size));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "Labels", ccli_labels_json(im->labels, im->n_labels));
    json_object_set_new(o, "Config", cfg);
    return o;
}

/* ------------------------------------------------------------ inspect, rm */

static void img_next(struct img_cmd *m);

/* One reference done. */
static void img_multi_done(const struct berth_container_result *res, void *user)
{
    struct img_cmd *m = user;
    m->op = NULL;
    if (res->error != NULL) {
        ccli_print_error_of(res->error, "image", m->refs[m->i]);
        m->rc = img_fail_rc(m);
    } else if (m->inspect) {
        for (size_t i = 0; i < res->n_images; i++)
            json_array_append_new(m->inspected, image_json(&res->images[i]));
    } else {
        printf("Deleted: %s\n", m->refs[m->i]);
        fflush(stdout);
    }
    m->i++;
    if (m->c.signals > 0) {
        ccli_finish(&m->c, CLI_EXIT_INTERRUPTED);
        return;
    }
    img_next(m);
}

/* Starts the next reference's operation, or finishes. */
static void img_next(struct img_cmd *m)
{
    while (m->i < m->n) {
        struct berth_error *e = NULL;
        m->op = m->inspect
                    ? berth_image_inspect(m->c.eng, m->refs[m->i], img_multi_done, m, &e)
                    : berth_image_remove(m->c.eng, m->refs[m->i], m->force, img_multi_done, m, &e);
        if (m->op != NULL)
            return;
        ccli_print_error(e);
        berth_error_free(e);
        m->rc = CLI_EXIT_FAILURE;
        m->i++;
    }
    ccli_finish(&m->c, m->rc);
}

/* image inspect / image rm over each reference in turn. */
static int img_inspect_or_rm(struct cli_globals *g, int argc, char **argv, bool inspect)
{
    bool force = false;
    const char *format = NULL;
    const struct flag inspect_flags[] = {
        {"format", 'f', FLAG_STRING, &format, "string", "Output format: json (the default)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flag rm_flags[] = {
        {"force", 'f', FLAG_BOOL, &force, NULL, "Force removal of the image"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {
        inspect ? "image inspect" : "image rm", "[OPTIONS] IMAGE [IMAGE...]",
        inspect ? "Display detailed information on one or more images"
                : "Remove one or more images",
        inspect ? inspect_flags : rm_flags, false, 1, -1};
    struct cli_list refs = {0};
    int rc = flags_parse(&spec, argc, argv, &refs);
    if (rc == 0 && format != NULL && strcmp(format, "json") != 0)
        rc = cli_usage_error("use --format json", "%s: --format: unsupported format '%s'",
                             spec.name, format);
    struct img_cmd m = {0};
    if (rc == 0)
        rc = img_open(&m, g);
    if (rc == 0) {
        m.refs = refs.v;
        m.n = refs.n;
        m.force = force;
        m.inspect = inspect;
        m.inspected = json_array();
        img_next(&m);
        rc = ccli_run(&m.c);
        ccli_close(&m.c);
        if (inspect)
            ccli_print_json_pretty(m.inspected);
        json_decref(m.inspected);
    }
    free(refs.v);
    return flags_exit(rc);
}

/* image inspect REF...: one JSON array. */
static int img_inspect(struct cli_globals *g, int argc, char **argv)
{
    return img_inspect_or_rm(g, argc, argv, true);
}

/* image rm [-f] REF... */
static int img_rm(struct cli_globals *g, int argc, char **argv)
{
    return img_inspect_or_rm(g, argc, argv, false);
}

/* ------------------------------------------------------------------ ls */

/* Adds one table row or JSON line for (image, repo tag). */
static void ls_row(struct img_cmd *m, struct table *t, const struct berth_image_info *im,
                   const char *repo_tag, int64_t now)
{
    char id[96], repo[512], ago[64], created[64], size[32];
    const char *tag = "<none>";
    if (repo_tag != NULL)
        split_tag(repo_tag, repo, sizeof(repo), &tag);
    else
        snprintf(repo, sizeof(repo), "<none>");
    image_short_id(im->id, m->no_trunc, id, sizeof(id));
    if (m->quiet) {
        printf("%s\n", id);
        return;
    }
    format_ago(im->created_at, now, ago, sizeof(ago));
    ccli_human_size(im->size, size, sizeof(size));
    if (m->json) {
        const char *digest = "<none>";
        if (im->repo_digests != NULL && im->repo_digests[0] != NULL) {
            const char *at = strchr(im->repo_digests[0], '@');
            if (at != NULL)
                digest = at + 1;
        }
        format_timestamp(im->created_at, created, sizeof(created));
        json_t *o = json_object();
        json_object_set_new(o, "ID", json_string(id));
        json_object_set_new(o, "Repository", json_string(repo));
        json_object_set_new(o, "Tag", json_string(tag));
        json_object_set_new(o, "Digest", json_string(digest));
        json_object_set_new(o, "CreatedAt", json_string(created));
        json_object_set_new(o, "CreatedSince", json_string(ago));
        json_object_set_new(o, "Size", json_string(size));
        json_object_set_new(o, "Labels", ccli_labels_json(im->labels, im->n_labels));
        ccli_print_json_line(o);
        json_decref(o);
        return;
    }
    const char *row[] = {repo, tag, id, ago, size};
    table_add(t, row);
}

/* The list arrived. */
static void ls_done(const struct berth_container_result *res, void *user)
{
    struct img_cmd *m = user;
    m->op = NULL;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&m->c, img_fail_rc(m));
        return;
    }
    static const char *const header[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
    struct table *t = table_new(5, header);
    int64_t now = ccli_now();
    for (size_t i = 0; i < res->n_images; i++) {
        const struct berth_image_info *im = &res->images[i];
        if (im->repo_tags == NULL || im->repo_tags[0] == NULL)
            ls_row(m, t, im, NULL, now);
        for (size_t k = 0; im->repo_tags != NULL && im->repo_tags[k] != NULL; k++) {
            ls_row(m, t, im, im->repo_tags[k], now);
            if (m->quiet)
                break; /* one id per image */
        }
    }
    if (!m->quiet && !m->json)
        table_print(t, stdout);
    table_free(t);
    ccli_finish(&m->c, CLI_EXIT_OK);
}

/* image ls [-a] [--filter label=..] [-q] [--format json]. */
static int img_ls(struct cli_globals *g, int argc, char **argv)
{
    bool all = false, quiet = false, no_trunc = false;
    const char *format = NULL;
    struct cli_list filters = {0};
    const struct flag flags[] = {
        {"all", 'a', FLAG_BOOL, &all, NULL, "Show all images (default hides intermediate images)"},
        {"filter", 0, FLAG_LIST, &filters, "filter", "Filter output: label=KEY[=VALUE]"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Only show image IDs"},
        {"no-trunc", 0, FLAG_BOOL, &no_trunc, NULL, "Don't truncate output"},
        {"format", 0, FLAG_STRING, &format, "string", "Format output: table or json"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"image ls", "[OPTIONS]", "List images", flags, false, 0, 0};
    struct cli_list none = {0};
    int rc = flags_parse(&spec, argc, argv, &none);
    struct berth_kv *kv = NULL;
    size_t nkv = 0;
    if (rc == 0 && filters.n > 0) {
        kv = calloc(filters.n, sizeof(*kv));
        if (kv == NULL)
            abort();
        for (size_t i = 0; i < filters.n && rc == 0; i++) {
            const char *s = filters.v[i];
            if (strncmp(s, "label=", 6) != 0 || s[6] == '\0' || s[6] == '=') {
                rc = cli_usage_error("use label=KEY[=VALUE]",
                                     "%s: --filter: unsupported filter '%s'", spec.name, s);
                break;
            }
            char *k = strdup(s + 6);
            if (k == NULL)
                abort();
            char *eq = strchr(k, '=');
            if (eq != NULL)
                *eq = '\0';
            kv[nkv].key = k;
            kv[nkv].value = eq ? eq + 1 : NULL;
            nkv++;
        }
    }
    int json = rc == 0 ? ccli_format_json(spec.name, format) : 0;
    if (json < 0)
        rc = CLI_EXIT_USAGE;
    struct img_cmd m = {0};
    if (rc == 0)
        rc = img_open(&m, g);
    if (rc == 0) {
        m.quiet = quiet;
        m.no_trunc = no_trunc;
        m.json = json;
        struct berth_image_list_options o = {.all = all, .filters = kv, .n_filters = nkv};
        struct berth_error *e = NULL;
        m.op = berth_image_list(m.c.eng, &o, ls_done, &m, &e);
        if (m.op == NULL)
            img_start_failed(&m, e);
        rc = ccli_run(&m.c);
        ccli_close(&m.c);
    }
    for (size_t i = 0; i < nkv; i++)
        free((char *)kv[i].key);
    free(kv);
    free(filters.v);
    free(none.v);
    return flags_exit(rc);
}

/* ---------------------------------------------------------- pull, build */

/* pull or build finished. */
static void made_done(const struct berth_container_result *res, void *user)
{
    struct img_cmd *m = user;
    m->op = NULL;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&m->c, img_fail_rc(m));
        return;
    }
    if (m->ref != NULL)
        printf("%s\n", m->ref);
    else if (res->id != NULL)
        printf("%s\n", res->id);
    ccli_finish(&m->c, CLI_EXIT_OK);
}

/* image pull [--platform] [-q] REF: progress on stderr, the reference on stdout. */
static int img_pull(struct cli_globals *g, int argc, char **argv)
{
    const char *platform = NULL;
    bool quiet = false;
    const struct flag flags[] = {
        {"platform", 0, FLAG_STRING, &platform, "string",
         "Set platform if server is multi-platform capable"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Suppress verbose output"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"image pull", "[OPTIONS] NAME[:TAG|@DIGEST]",
                                   "Download an image from a registry", flags, false, 1, 1};
    struct cli_list refs = {0};
    int rc = flags_parse(&spec, argc, argv, &refs);
    struct img_cmd m = {0};
    if (rc == 0)
        rc = img_open(&m, g);
    if (rc == 0) {
        m.ref = refs.v[0];
        struct berth_image_pull_options o = {.platform = platform,
                                             .on_line = quiet ? NULL : progress_line};
        struct berth_error *e = NULL;
        m.op = berth_image_pull(m.c.eng, refs.v[0], &o, made_done, &m, &e);
        if (m.op == NULL)
            img_start_failed(&m, e);
        rc = ccli_run(&m.c);
        ccli_close(&m.c);
    }
    free(refs.v);
    return flags_exit(rc);
}

/* image build [-t] [-f] [--build-arg] [--target] PATH: output on stderr, the id on stdout. */
static int img_build(struct cli_globals *g, int argc, char **argv)
{
    struct cli_list tags = {0}, build_args = {0}, labels = {0};
    const char *file = NULL, *target = NULL, *platform = NULL;
    bool pull = false, no_cache = false, quiet = false;
    const struct flag flags[] = {
        {"tag", 't', FLAG_LIST, &tags, "list", "Name and optionally a tag (format: name:tag)"},
        {"file", 'f', FLAG_STRING, &file, "string",
         "Name of the Dockerfile/Containerfile (relative to the context)"},
        {"build-arg", 0, FLAG_LIST, &build_args, "list", "Set build-time variables"},
        {"target", 0, FLAG_STRING, &target, "string", "Set the target build stage to build"},
        {"label", 0, FLAG_LIST, &labels, "list", "Set metadata for an image"},
        {"pull", 0, FLAG_BOOL, &pull, NULL, "Always attempt to pull a newer version of the image"},
        {"no-cache", 0, FLAG_BOOL, &no_cache, NULL, "Do not use cache when building the image"},
        {"platform", 0, FLAG_STRING, &platform, "string", "Set target platform for build"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Suppress the build output and print image ID"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"image build", "[OPTIONS] PATH",
                                   "Build an image from a Dockerfile or Containerfile", flags,
                                   false, 1, 1};
    struct cli_list ctx = {0};
    struct berth_kv *args = NULL, *lbl = NULL;
    int rc = flags_parse(&spec, argc, argv, &ctx);
    if (rc == 0)
        rc = args_kv(&build_args, "--build-arg", &args);
    if (rc == 0)
        rc = args_kv(&labels, "--label", &lbl);
    struct img_cmd m = {0};
    if (rc == 0)
        rc = img_open(&m, g);
    if (rc == 0) {
        struct berth_build_spec b = {.context = ctx.v[0],
                                     .dockerfile = file,
                                     .args = args,
                                     .n_args = build_args.n,
                                     .target = target,
                                     .tags = tags.n > 0 ? tags.v : NULL,
                                     .labels = lbl,
                                     .n_labels = labels.n,
                                     .platform = platform,
                                     .pull = pull,
                                     .no_cache = no_cache};
        struct berth_error *e = NULL;
        m.op = berth_image_build(m.c.eng, &b, quiet ? NULL : progress_line, &m, 0, made_done, &m,
                                 &e);
        if (m.op == NULL)
            img_start_failed(&m, e);
        rc = ccli_run(&m.c);
        ccli_close(&m.c);
    }
    args_kv_free(args, build_args.n);
    args_kv_free(lbl, labels.n);
    free(tags.v);
    free(build_args.v);
    free(labels.v);
    free(ctx.v);
    return flags_exit(rc);
}

/* ------------------------------------------------------------ dispatch */

static const struct ccli_sub subs[] = {
    {"pull", NULL, "Download an image from a registry", img_pull},
    {"ls", "list", "List images", img_ls},
    {"inspect", NULL, "Display detailed information on one or more images", img_inspect},
    {"rm", "remove", "Remove one or more images", img_rm},
    {"build", NULL, "Build an image from a Dockerfile or Containerfile", img_build},
};

/* The subcommands of berth image and what its usage says. */
static const struct ccli_group group = {"image", "Manage images on the selected backend", subs,
                                        sizeof(subs) / sizeof(subs[0])};

/* berth image SUBCOMMAND: dispatch. */
int cmd_image(struct cli_globals *g, int argc, char **argv)
{
    return ccli_dispatch(&group, g, argc, argv);
}
