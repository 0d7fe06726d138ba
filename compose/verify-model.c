/*
 * x-berth.verify in compose projects, and the compose engine's verification
 * step. The loader keeps x-* blocks in the model as written (interpolated),
 * but not their positions: when the block has a problem, the compose files
 * are parsed again (only then) to point at the offending line.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose/diag.h"
#include "compose/project-internal.h"
#include "compose/verify-model.h"
#include "compose/yaml.h"
#include "plugins/verify-internal.h"
#include "plugins/verify-op.h"

/* Biggest compose file read back for positions. */
#define POS_FILE_MAX (16 * 1024 * 1024)

/* ------------------------------------------------------------ positions */

/* Reads a whole file (NULL on error or when too big). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= POS_FILE_MAX) {
                fclose(f);
                free(buf);
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/*
 * The node at path ("x-berth.verify.rules[1].key") under root, or its key
 * node with at_key; the deepest found when the path goes further than the file.
 */
static const struct ynode *walk(const struct ynode *root, const char *path, bool at_key)
{
    const struct ynode *n = root;
    const char *p = path;
    while (*p != '\0') {
        if (*p == '.')
            p++;
        if (*p == '[') {
            char *end;
            unsigned long i = strtoul(p + 1, &end, 10);
            if (*end != ']' || n->kind != YNODE_SEQ || i >= n->n)
                return n;
            n = n->items[i];
            p = end + 1;
            continue;
        }
        size_t kl = strcspn(p, ".[");
        char *key = xstrndup(p, kl);
        long idx = n->kind == YNODE_MAP ? ynode_map_find(n, key) : -1;
        free(key);
        if (idx < 0)
            return n;
        p += kl;
        if (*p == '\0' && at_key)
            return n->keys[idx];
        n = n->items[idx];
    }
    return n;
}

/* A file name for messages: relative to the working directory when inside it (malloc'd). */
static char *display_name(const char *path)
{
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != NULL) {
        size_t n = strlen(cwd);
        if (strncmp(path, cwd, n) == 0 && path[n] == '/')
            return xstrdup(path + n + 1);
    }
    return xstrdup(path);
}

/* Where to report one problem. */
struct located {
    char *file;
    int line, col;
};

/* The position of path in the last file (and document) defining x-berth.verify. */
static struct located locate(const char *const *files, const char *path, bool at_key)
{
    struct located best = {0};
    for (const char *const *f = files; f != NULL && *f != NULL; f++) {
        size_t len = 0;
        char *data = read_file(*f, &len);
        if (data == NULL)
            continue;
        struct diag d;
        diag_init(&d);
        char *name = display_name(*f);
        struct ysrc *src = ysrc_new(*f, name, NULL);
        struct ydocs docs = {0};
        if (yaml_parse(data, len, src, &docs, &d) == 0) {
            for (size_t i = 0; i < docs.n; i++) {
                const struct ynode *doc = docs.v[i];
                if (doc == NULL || doc->kind != YNODE_MAP ||
                    ynode_map_get(ynode_map_get(doc, "x-berth"), "verify") == NULL)
                    continue;
                const struct ynode *at = walk(doc, path, at_key);
                free(best.file);
                best.file = xstrdup(name);
                best.line = at->line;
                best.col = at->col;
            }
        }
        ydocs_free(&docs);
        ysrc_unref(src);
        diag_free(&d);
        free(name);
        free(data);
    }
    return best;
}

/* Collects problems with their positions. */
struct pcollect {
    struct diag d;
    const char *const *files;
};

/* Records one problem, located in the files. */
static void on_problem(void *user, const char *path, bool at_key, const char *msg,
                       const char *hint)
{
    struct pcollect *pc = user;
    struct located at = locate(pc->files, path, at_key);
    diag_add_pos(&pc->d, at.file, at.line, at.col, path, hint, "%s", msg);
    free(at.file);
}

/* Reads the x-berth.verify block of a model. */
int verify_model_policy(const json_t *model, const char *working_dir, const char *const *files,
                        struct berth_verify_policy **out, struct berth_error **err)
{
    *out = NULL;
    const json_t *xb = json_object_get(model, "x-berth");
    const json_t *block = json_is_object(xb) ? json_object_get(xb, "verify") : NULL;
    if (block == NULL)
        return 0;
    struct pcollect pc = {.files = files};
    diag_init(&pc.d);
    *out = verify_policy_parse(block, working_dir, on_problem, &pc);
    if (*out == NULL) {
        diag_to_error(&pc.d, err);
        diag_free(&pc.d);
        return -1;
    }
    diag_free(&pc.d);
    return 0;
}

/* A policy of a loaded project. */
struct berth_verify_policy *berth_verify_policy_from_project(const struct berth_project *project,
                                                             struct berth_error **err)
{
    if (project == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_verify_policy_from_project: no project");
        return NULL;
    }
    struct berth_verify_policy *p = NULL;
    const char *wd = berth_project_working_dir(project);
    if (verify_model_policy(project_model(project), wd, berth_project_config_files(project), &p,
                            err) < 0)
        return NULL;
    if (p == NULL) {
        p = berth_verify_policy_new();
        berth_verify_policy_set_base_dir(p, wd);
    }
    return p;
}

/* ----------------------------------------------------------------- hook */

struct verify_model_run {
    struct berth_verify_op *op;
    verify_model_done_fn done;
    void *user;
};

/* The verification finished. */
static void run_done(const struct berth_verify_result *res, void *user)
{
    struct verify_model_run *r = user;
    struct berth_error *e = res->error != NULL ? berth_error_copy(res->error) : NULL;
    if (e != NULL && berth_error_code(e) != BERTH_E_CANCELLED)
        berth_error_wrap(&e, "image verification (verify mode %s)",
                         berth_verify_mode_name(res->mode));
    verify_model_done_fn done = r->done;
    void *u = r->user;
    free(r);
    done(u, e);
}

/* Splits the engine's comma list of config files, made absolute against wd. */
static void split_files(const char *list, const char *wd, struct strv *out)
{
    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        char *f = xstrndup(p, n);
        if (f[0] != '/' && wd != NULL)
            strv_push_take(out, xasprintf("%s/%s", wd, f));
        else
            strv_push(out, f);
        free(f);
        p += n + (p[n] == ',' ? 1 : 0);
    }
}

/* Verifies the selected services' images. */
struct verify_model_run *verify_model_images(struct berth_compose *c, const bool *sel,
                                             verify_model_done_fn done, void *user)
{
    struct strv files;
    strv_init(&files);
    split_files(c->config_files, c->working_dir, &files);
    struct berth_verify_policy *policy = NULL;
    struct berth_error *err = NULL;
    int rc = verify_model_policy(c->model, c->working_dir, strv_argv(&files), &policy, &err);
    strv_free(&files);
    if (rc < 0) {
        done(user, err);
        return NULL;
    }
    enum berth_verify_mode mode;
    if (berth_verify_effective_mode(c->eng, policy, &mode, &err) < 0) {
        berth_verify_policy_free(policy);
        done(user, err);
        return NULL;
    }
    struct strv images;
    strv_init(&images);
    if (mode != BERTH_VERIFY_OFF &&
        berth_backend_supports(c->backend, BERTH_FEAT_IMAGES) != BERTH_SUPPORT_UNSUPPORTED) {
        for (size_t i = 0; i < c->n_defined; i++)
            if (sel[i] && c->services[i]->image != NULL)
                strv_push(&images, c->services[i]->image);
    }
    if (images.n == 0) {
        strv_free(&images);
        berth_verify_policy_free(policy);
        done(user, NULL);
        return NULL;
    }
    engine_log(c, BERTH_LOG_INFO, "verifying %zu image%s (verify mode %s)", images.n,
               images.n == 1 ? "" : "s", berth_verify_mode_name(mode));
    struct verify_model_run *r = xcalloc(1, sizeof(*r));
    r->done = done;
    r->user = user;
    struct berth_verify_options o = {.policy = policy, .backend = c->backend};
    r->op = verify_op_start(c->eng, strv_argv(&images), &o, run_done, r, true, &err);
    strv_free(&images);
    berth_verify_policy_free(policy);
    if (r->op == NULL) {
        free(r);
        done(user, err);
        return NULL;
    }
    return r;
}

/* Cancels: done follows with BERTH_E_CANCELLED. */
void verify_model_cancel(struct verify_model_run *r)
{
    berth_verify_op_cancel(r->op);
}

/* Forgets: done never runs. */
void verify_model_discard(struct verify_model_run *r)
{
    berth_verify_op_discard(r->op);
    free(r);
}
