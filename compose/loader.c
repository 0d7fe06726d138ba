/* Per-file loading stages: read, parse, check, interpolate, merge documents. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/extends.h"
#include "compose/include.h"
#include "compose/loader.h"
#include "compose/merge.h"
#include "compose/paths.h"
#include "compose/vars.h"

/* Largest compose file read (a guard against reading a device or a huge blob). */
#define MAX_FILE (64u * 1024 * 1024)

/* Prepares a loader for one project load. */
void loader_init(struct loader *l, struct diag *d, const json_t *env)
{
    memset(l, 0, sizeof(*l));
    l->d = d;
    l->cwd = paths_cwd();
    if (l->cwd == NULL)
        l->cwd = xstrdup("/");
    const char *home = json_string_value(json_object_get(env, "HOME"));
    l->home = xstrdup(home ? home : "");
    l->warned = strmap_new();
    l->files = strmap_new();
    strv_init(&l->chain);
}

/* Frees the trees and tables of a loader. */
void loader_free(struct loader *l)
{
    for (size_t i = 0; i < l->ntrash; i++)
        ynode_free(l->trash[i]);
    free(l->trash);
    strmap_free(l->warned);
    strmap_free(l->files);
    strv_free(&l->chain);
    free(l->cwd);
    free(l->home);
    memset(l, 0, sizeof(*l));
}

/* Keeps a tree until the loader is freed. */
void loader_keep(struct loader *l, struct ynode *n)
{
    l->trash = xreallocarray_grow(l->trash, &l->trashcap, l->ntrash + 1, sizeof(*l->trash));
    l->trash[l->ntrash++] = n;
}

/* Emits a warning once. */
void loader_warn(struct loader *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (!strmap_has(l->warned, msg)) {
        strmap_put(l->warned, msg, NULL);
        if (l->warn != NULL)
            l->warn(msg, l->warn_user);
    }
    free(msg);
}

/* A path relative to the working directory when inside it. */
char *loader_display_name(const struct loader *l, const char *path)
{
    size_t n = strlen(l->cwd);
    if (strncmp(path, l->cwd, n) == 0 && path[n] == '/')
        return xstrdup(path + n + 1);
    return xstrdup(path);
}

/* Reads a whole file ("-": standard input); NULL with errno set on failure. */
static char *read_all(const char *path, size_t *len)
{
    bool in = strcmp(path, "-") == 0;
    FILE *f = in ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE) {
                free(buf);
                if (!in)
                    fclose(f);
                errno = EFBIG;
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    if (!in)
        fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf = xrealloc(buf, n + 1);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Warns once about a variable used but not set, as docker compose does. */
static void on_unset(const char *name, void *user)
{
    struct loader *l = user;
    loader_warn(l, "The \"%s\" variable is not set. Defaulting to a blank string.", name);
}

/* Reports mapping keys that are not strings (`123:` or `true:`) under path. */
static void check_keys(struct loader *l, const struct ynode *n, const struct ylpath *path)
{
    if (n->kind == YNODE_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            struct ylpath sub = {.up = path, .index = i};
            check_keys(l, n->items[i], &sub);
        }
        return;
    }
    if (n->kind != YNODE_MAP)
        return;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *k = n->keys[i];
        if (ynode_type(k) != YTYPE_STR) {
            char *where = ylpath_str(path);
            diag_add(l->d, k, NULL, "quote the key, e.g. \"123\":", "non-string key %s%s: %s",
                     *where ? "in " : "at top level", where, k->text);
            free(where);
            continue;
        }
        struct ylpath sub = {.up = path, .key = k->text};
        check_keys(l, n->items[i], &sub);
    }
}

/* Reads and parses one file into checked documents. */
int loader_parse(struct loader *l, const char *path, const char *base_dir,
                 const struct ynode *at, struct ydocs *out)
{
    memset(out, 0, sizeof(*out));
    size_t len = 0;
    char *data = read_all(path, &len);
    char *name = loader_display_name(l, path);
    if (data == NULL) {
        int e = errno;
        const char *hint = e != ENOENT ? NULL
                           : at != NULL ? "check the path (it is relative to the directory of the "
                                          "file that names it)"
                                        : "check the path given with -f or COMPOSE_FILE";
        diag_add(l->d, at, NULL, hint, "cannot read %s: %s", name, strerror(e));
        diag_set_code(l->d, e == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_SYSTEM);
        free(name);
        return -1;
    }
    struct ysrc *src = ysrc_new(path, name, base_dir);
    free(name);
    struct ydocs docs;
    int rc = yaml_parse(data, len, src, &docs, l->d);
    free(data);
    ysrc_unref(src);
    if (rc != 0) {
        ydocs_free(&docs);
        return -1;
    }
    for (size_t i = 0; i < docs.n; i++) {
        struct ynode *doc = docs.v[i];
        docs.v[i] = NULL;
        if (doc->kind == YNODE_SCALAR && ynode_is_null(doc)) {
            ynode_free(doc); /* an empty document (only "---") */
            continue;
        }
        if (doc->kind != YNODE_MAP) {
            diag_add(l->d, doc, NULL, "a compose file is a mapping with services: at the top",
                     "top-level object must be a mapping, not %s",
                     doc->kind == YNODE_SEQ ? "a list" : "a scalar");
            ynode_free(doc);
            rc = -1;
            continue;
        }
        size_t before = l->d->n;
        check_keys(l, doc, NULL);
        if (l->d->n != before) {
            ynode_free(doc);
            rc = -1;
            continue;
        }
        out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
        out->v[out->n++] = doc;
    }
    ydocs_free(&docs);
    if (rc != 0)
        ydocs_free(out);
    return rc;
}

/* Interpolates and merges the documents of a file. */
struct ynode *loader_finish(struct loader *l, struct ydocs *docs, const char *path,
                            const json_t *env)
{
    struct ynode *root = NULL;
    int rc = 0;
    for (size_t i = 0; i < docs->n; i++) {
        struct ynode *doc = docs->v[i];
        docs->v[i] = NULL;
        if (!l->no_interpolate && vars_interpolate(doc, env, NULL, on_unset, l, l->d) != 0)
            rc = -1;
        if (rc != 0) {
            ynode_free(doc);
            continue;
        }
        if (merge_docs(&root, doc, l->d) != 0)
            rc = -1;
    }
    ydocs_free(docs);
    if (rc != 0) {
        ynode_free(root);
        return NULL;
    }
    if (root == NULL) {
        char *name = loader_display_name(l, path);
        struct ysrc *src = ysrc_new(path, name, NULL);
        root = ynode_new_map(src, 1, 1); /* an empty file: empty mapping */
        ysrc_unref(src);
        free(name);
    }
    long vi = ynode_map_find(root, "version");
    if (vi >= 0) {
        char *shown = loader_display_name(l, path);
        loader_warn(l,
                    "%s: the attribute `version` is obsolete, it will be ignored, please remove "
                    "it to avoid potential confusion",
                    shown);
        free(shown);
        ynode_free(ynode_map_take(root, (size_t)vi));
    }
    return root;
}

/* Parses and finishes one file. */
struct ynode *loader_read(struct loader *l, const char *path, const char *base_dir,
                          const json_t *env, const struct ynode *at)
{
    struct ydocs docs;
    if (loader_parse(l, path, base_dir, at, &docs) != 0)
        return NULL;
    return loader_finish(l, &docs, path, env);
}

/* Runs include and extends on a file tree. */
int loader_stages(struct loader *l, struct ynode *root, const char *path, const json_t *env)
{
    int rc = 0;
    if (include_apply(l, root, path, env) != 0)
        rc = -1;
    if (extends_apply(l, root, path, env) != 0)
        rc = -1;
    return rc;
}
