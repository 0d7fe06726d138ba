/* `extends`: service inheritance within a file and across files. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/extends.h"
#include "compose/loader.h"
#include "compose/merge.h"
#include "compose/paths.h"

struct ext {
    struct loader *l;
    const json_t *env;
    struct strv stack;   /* "path\nservice" being resolved, outermost first */
    struct strmap *memo; /* "path\nservice" -> resolved service (owned) */
    struct ynode **owned;
    size_t nowned, capowned;
};

/* Remembers a resolved service (a private copy). */
static void memo_put(struct ext *x, const char *key, const struct ynode *n)
{
    struct ynode *c = ynode_copy(n);
    x->owned = xreallocarray_grow(x->owned, &x->capowned, x->nowned + 1, sizeof(*x->owned));
    x->owned[x->nowned++] = c;
    strmap_put(x->memo, key, c);
}

/* The service-name part of a stack entry. */
static const char *entry_service(const char *e)
{
    const char *nl = strchr(e, '\n');
    return nl ? nl + 1 : e;
}

/* Reports an extends cycle, naming the chain. */
static void report_cycle(struct ext *x, const char *key, const struct ynode *at)
{
    size_t first = 0;
    for (size_t i = 0; i < x->stack.n; i++)
        if (strcmp(x->stack.v[i], key) == 0) {
            first = i;
            break;
        }
    size_t cap = 64, len = 0;
    char *chain = xmalloc(cap);
    chain[0] = '\0';
    for (size_t i = first; i <= x->stack.n; i++) {
        const char *name = entry_service(i < x->stack.n ? x->stack.v[i] : key);
        size_t need = len + strlen(name) + 5;
        if (need > cap) {
            cap = need * 2;
            chain = xrealloc(chain, cap);
        }
        len += (size_t)snprintf(chain + len, cap - len, "%s%s", i > first ? " -> " : "", name);
    }
    diag_add(x->l->d, at, NULL, "break the cycle: a service cannot extend itself, even indirectly",
             "circular reference with extends: %s", chain);
    free(chain);
}

/* Resolves a service of a file, following its extends chain. */
static struct ynode *resolve(struct ext *x, struct ynode *root, const char *path,
                             const char *name, const struct ynode *at);

/* The tree of another file named by extends.file (read once). */
static struct ynode *other_file(struct ext *x, const char *fpath, const struct ynode *at)
{
    struct ynode *t = strmap_get(x->l->files, fpath, NULL);
    if (t != NULL)
        return t;
    char *dir = paths_dir(fpath);
    t = loader_read(x->l, fpath, dir, x->env, at);
    free(dir);
    if (t == NULL)
        return NULL;
    loader_keep(x->l, t);
    strmap_put(x->l->files, fpath, t);
    return t;
}

/* Resolves the base named by a service's `extends` value. */
static struct ynode *resolve_base(struct ext *x, struct ynode *root, const char *path,
                                  const char *name, const struct ynode *ext)
{
    const struct ynode *svcname = ext, *file = NULL;
    if (ext->kind == YNODE_MAP) {
        svcname = ynode_map_get(ext, "service");
        file = ynode_map_get(ext, "file");
    }
    if (svcname == NULL || !ynode_is_str(svcname) || (file != NULL && !ynode_is_str(file))) {
        char *p = xasprintf("services.%s.extends", name);
        diag_add(x->l->d, ext, p, "write extends: NAME or extends: {service: NAME, file: PATH}",
                 "extends must name a service");
        free(p);
        return NULL;
    }
    if (file == NULL)
        return resolve(x, root, path, svcname->text, svcname);
    char *dir = paths_dir(path);
    char *fpath = paths_resolve(dir, file->text, x->l->home);
    free(dir);
    struct ynode *other = other_file(x, fpath, file);
    struct ynode *base = other ? resolve(x, other, fpath, svcname->text, svcname) : NULL;
    free(fpath);
    return base;
}

/* Returns a resolved copy of service `name` of the file `path` (tree root). */
static struct ynode *resolve(struct ext *x, struct ynode *root, const char *path,
                             const char *name, const struct ynode *at)
{
    struct ynode *services = ynode_map_get(root, "services");
    struct ynode *svc = services && services->kind == YNODE_MAP ? ynode_map_get(services, name)
                                                                  : NULL;
    if (svc == NULL || svc->kind != YNODE_MAP) {
        char *shown = loader_display_name(x->l, path);
        diag_add(x->l->d, at, NULL, "check the service name, or add file: to name another file",
                 "cannot extend service \"%s\": %s does not define it", name, shown);
        free(shown);
        return NULL;
    }
    char *key = xasprintf("%s\n%s", path, name);
    struct ynode *done = strmap_get(x->memo, key, NULL);
    if (done != NULL) {
        free(key);
        return ynode_copy(done);
    }
    for (size_t i = 0; i < x->stack.n; i++) {
        if (strcmp(x->stack.v[i], key) == 0) {
            report_cycle(x, key, at);
            free(key);
            return NULL;
        }
    }
    struct ynode *ext = ynode_map_get(svc, "extends");
    if (ext == NULL) {
        struct ynode *r = ynode_copy(svc);
        memo_put(x, key, r);
        free(key);
        return r;
    }
    strv_push(&x->stack, key);
    struct ynode *base = resolve_base(x, root, path, name, ext);
    free(x->stack.v[--x->stack.n]);
    x->stack.v[x->stack.n] = NULL;
    if (base == NULL) {
        free(key);
        return NULL;
    }
    struct ynode *over = ynode_copy(svc);
    ynode_map_remove(over, "extends");
    struct ynode *r = merge_service(base, over, name, x->l->d);
    memo_put(x, key, r);
    free(key);
    return r;
}

/* Replaces every extending service of a file by its resolved definition. */
int extends_apply(struct loader *l, struct ynode *root, const char *path, const json_t *env)
{
    struct ynode *services = ynode_map_get(root, "services");
    if (services == NULL || services->kind != YNODE_MAP)
        return 0;
    struct ext x = {.l = l, .env = env, .memo = strmap_new()};
    strv_init(&x.stack);
    size_t before = l->d->n;
    for (size_t i = 0; i < services->n; i++) {
        struct ynode *svc = services->items[i];
        if (svc->kind != YNODE_MAP || ynode_map_get(svc, "extends") == NULL)
            continue;
        struct ynode *r = resolve(&x, root, path, services->keys[i]->text, svc);
        if (r != NULL) {
            ynode_free(services->items[i]);
            services->items[i] = r;
        }
    }
    for (size_t i = 0; i < x.nowned; i++)
        ynode_free(x.owned[i]);
    free(x.owned);
    strmap_free(x.memo);
    strv_free(&x.stack);
    return l->d->n != before ? -1 : 0;
}
