/* `include`: load other compose projects and import their resources. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/dotenv.h"
#include "compose/include.h"
#include "compose/loader.h"
#include "compose/merge.h"
#include "compose/paths.h"
#include "compose/vars.h"

/* The resource sections an included project contributes. */
static const char *const sections[] = {"services", "networks", "volumes",
                                       "secrets",  "configs",  "models"};

/* Appends the string(s) of a string-or-list node, resolved against base. */
static bool collect_paths(struct loader *l, const struct ynode *n, const char *base,
                          const char *what, struct strv *out)
{
    if (n == NULL)
        return true;
    if (n->kind == YNODE_SCALAR && ynode_is_str(n)) {
        strv_push_take(out, paths_resolve(base, n->text, l->home));
        return true;
    }
    if (n->kind == YNODE_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            if (!ynode_is_str(n->items[i])) {
                diag_add(l->d, n->items[i], NULL, "write a path as a string",
                         "include %s must be strings", what);
                return false;
            }
            strv_push_take(out, paths_resolve(base, n->items[i]->text, l->home));
        }
        return true;
    }
    diag_add(l->d, n, NULL, "write a path or a list of paths", "include %s must be a string or a list",
             what);
    return false;
}

/* The environment of an included project: ours, plus its env files' new keys. */
static json_t *included_env(struct loader *l, const json_t *env, struct strv *env_files,
                            const struct ynode *at)
{
    json_t *out = json_deep_copy(env);
    json_t *vals = json_object();
    for (size_t i = 0; i < env_files->n; i++) {
        struct berth_error *e = NULL;
        if (dotenv_parse_file(env_files->v[i], false, vars_lookup, (void *)env, vals, &e) != 0) {
            diag_add(l->d, at, NULL, "check the env_file of this include", "%s",
                     berth_error_message(e));
            berth_error_free(e);
        }
    }
    const char *k;
    json_t *v;
    json_object_foreach(vals, k, v) {
        if (json_object_get(out, k) == NULL && json_is_string(v))
            json_object_set(out, k, v);
    }
    json_decref(vals);
    return out;
}

/* Loads the files of one include entry as one project tree. */
static struct ynode *load_included(struct loader *l, struct strv *paths, const char *pd,
                                   const json_t *env, const struct ynode *at)
{
    struct ynode *tree = NULL;
    for (size_t i = 0; i < paths->n; i++) {
        const char *p = paths->v[i];
        for (size_t c = 0; c < l->chain.n; c++) {
            if (strcmp(l->chain.v[c], p) == 0) {
                char *shown = loader_display_name(l, p);
                diag_add(l->d, at, NULL, "remove the include that leads back to this file",
                         "include cycle detected: %s is already being included", shown);
                free(shown);
                ynode_free(tree);
                return NULL;
            }
        }
        struct ynode *t = loader_read(l, p, pd, env, at);
        if (t == NULL) {
            ynode_free(tree);
            return NULL;
        }
        strv_push(&l->chain, p);
        int rc = loader_stages(l, t, p, env);
        free(l->chain.v[--l->chain.n]);
        l->chain.v[l->chain.n] = NULL;
        if (rc != 0) {
            ynode_free(t);
            ynode_free(tree);
            return NULL;
        }
        if (merge_into(&tree, t, l->d) != 0) { /* t is consumed either way */
            ynode_free(tree);
            return NULL;
        }
    }
    return tree;
}

/* Copies the resources of an included tree into root; conflicting ones are errors. */
static void import(struct loader *l, struct ynode *root, struct ynode *inc, const char *incpath)
{
    for (size_t s = 0; s < ARRAY_LEN(sections); s++) {
        struct ynode *from = ynode_map_get(inc, sections[s]);
        if (from == NULL || from->kind != YNODE_MAP)
            continue;
        struct ynode *to = ynode_map_get(root, sections[s]);
        if (to == NULL || to->kind != YNODE_MAP) {
            if (to != NULL)
                ynode_map_remove(root, sections[s]);
            to = ynode_new_map(from->src, from->line, from->col);
            ynode_map_set_str(root, sections[s], to);
        }
        for (size_t i = 0; i < from->n; i++) {
            const char *name = from->keys[i]->text;
            struct ynode *have = ynode_map_get(to, name);
            if (have != NULL) {
                if (!ynode_equal(have, from->items[i])) {
                    char *shown = loader_display_name(l, incpath);
                    char *p = xasprintf("%s.%s", sections[s], name);
                    diag_add(l->d, have, p,
                             "rename one of them, or remove it from the including file",
                             "imported compose file %s defines conflicting %.*s %s", shown,
                             (int)strlen(sections[s]) - 1, sections[s], name);
                    free(p);
                    free(shown);
                }
                continue;
            }
            ynode_map_set(to, ynode_copy(from->keys[i]), ynode_copy(from->items[i]));
        }
    }
}

/* Processes one entry of the include list. */
static void include_one(struct loader *l, struct ynode *root, const struct ynode *entry,
                        const char *base, const json_t *env)
{
    struct strv paths, env_files;
    char *pd = NULL;
    strv_init(&paths);
    strv_init(&env_files);
    const struct ynode *pathn = entry, *pdn = NULL, *envn = NULL;
    if (entry->kind == YNODE_MAP) {
        pathn = ynode_map_get(entry, "path");
        pdn = ynode_map_get(entry, "project_directory");
        envn = ynode_map_get(entry, "env_file");
        if (pathn == NULL) {
            diag_add(l->d, entry, "include", "add path: FILE", "include entry has no path");
            goto out;
        }
    }
    if (!collect_paths(l, pathn, base, "path", &paths) ||
        !collect_paths(l, envn, base, "env_file", &env_files) || paths.n == 0)
        goto out;
    pd = pdn && ynode_is_str(pdn) ? paths_resolve(base, pdn->text, l->home)
                                        : paths_dir(paths.v[0]);
    if (envn == NULL) {
        char *dot = paths_join(pd, ".env");
        if (paths_is_file(dot))
            strv_push(&env_files, dot);
        free(dot);
    }
    json_t *ienv = included_env(l, env, &env_files, entry);
    struct ynode *tree = load_included(l, &paths, pd, ienv, entry);
    if (tree != NULL) {
        import(l, root, tree, paths.v[0]);
        ynode_free(tree);
    }
    json_decref(ienv);
out:
    free(pd);
    strv_free(&paths);
    strv_free(&env_files);
}

/* Loads and imports the projects named by `include`. */
int include_apply(struct loader *l, struct ynode *root, const char *path, const json_t *env)
{
    long at = ynode_map_find(root, "include");
    if (at < 0)
        return 0;
    struct ynode *inc = ynode_map_take(root, (size_t)at);
    size_t before = l->d->n;
    if (inc->kind != YNODE_SEQ) {
        diag_add(l->d, inc, "include", "write include: as a list of paths or entries",
                 "include must be a list");
    } else {
        const char *base = inc->src ? inc->src->base_dir : ".";
        strv_push(&l->chain, path);
        for (size_t i = 0; i < inc->n; i++)
            include_one(l, root, inc->items[i], base, env);
        free(l->chain.v[--l->chain.n]);
        l->chain.v[l->chain.n] = NULL;
    }
    ynode_free(inc);
    return l->d->n != before ? -1 : 0;
}
