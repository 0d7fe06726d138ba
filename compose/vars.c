/* Project variables and interpolation of node trees (values only, never keys). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compose/interp.h"
#include "compose/vars.h"
#include "core/util.h"

extern char **environ;

/* Looks a variable up in a JSON object of strings. */
const char *vars_lookup(const char *name, void *user)
{
    const json_t *env = user;
    return json_string_value(json_object_get(env, name));
}

/* The environment as a JSON object. */
json_t *vars_from_envp(const char *const *envp)
{
    json_t *o = json_object();
    const char *const *e = envp ? envp : (const char *const *)environ;
    for (; e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL || eq == *e)
            continue;
        char *k = xstrndup(*e, (size_t)(eq - *e));
        json_object_set_new(o, k, json_string(eq + 1));
        free(k);
    }
    return o;
}

/* Reports names used as plain $X / ${X} that env does not define. */
static void scan_unset(const char *s, const json_t *env, vars_unset_fn unset, void *user)
{
    for (const char *p = s; *p; p++) {
        if (*p != '$')
            continue;
        if (p[1] == '$') {
            p++;
            continue;
        }
        const char *q = p + 1;
        bool braced = *q == '{';
        if (braced)
            q++;
        const char *start = q;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        if (q == start || (braced && *q != '}'))
            continue;
        char *name = xstrndup(start, (size_t)(q - start));
        if (json_object_get(env, name) == NULL)
            unset(name, user);
        free(name);
    }
}

struct walk {
    const json_t *env;
    vars_unset_fn unset;
    void *unset_user;
    struct diag *d;
    bool failed;
};

/* Expands one scalar in place. */
static void expand_scalar(struct walk *w, struct ynode *n, const struct ylpath *path)
{
    if (!interp_needed(n->text))
        return;
    struct berth_error *e = NULL;
    char *out = interp_expand(n->text, vars_lookup, (void *)w->env, &e);
    if (out == NULL) {
        const char *msg = berth_error_message(e);
        const char *hint = strstr(msg, "required") != NULL || strstr(msg, "missing") != NULL
                               ? "set the variable in the shell environment or in the .env file"
                               : "close the ${...} expression, or write $$ for a literal $";
        bool required = strstr(msg, "required") != NULL || strstr(msg, "missing") != NULL;
        char *where = ylpath_str(path);
        diag_add(w->d, n, where, hint, "%s%s", required ? "" : "invalid interpolation format: ",
                 msg);
        free(where);
        berth_error_free(e);
        w->failed = true;
        return;
    }
    if (w->unset != NULL)
        scan_unset(n->text, w->env, w->unset, w->unset_user);
    if (strcmp(out, n->text) != 0) {
        ynode_set_text(n, out);
        n->interpolated = true;
        n->tcache = 0;
    }
    free(out);
}

/* Walks the tree, expanding values. */
static void walk_node(struct walk *w, struct ynode *n, const struct ylpath *path)
{
    switch (n->kind) {
    case YNODE_SCALAR:
        expand_scalar(w, n, path);
        break;
    case YNODE_MAP:
        for (size_t i = 0; i < n->n; i++) {
            struct ylpath sub = {.up = path, .key = n->keys[i]->text};
            walk_node(w, n->items[i], &sub);
        }
        break;
    case YNODE_SEQ:
        for (size_t i = 0; i < n->n; i++) {
            struct ylpath sub = {.up = path, .index = i};
            walk_node(w, n->items[i], &sub);
        }
        break;
    }
}

/* Interpolates every value of a tree. */
int vars_interpolate(struct ynode *root, const json_t *env, const char *base_path,
                     vars_unset_fn unset, void *unset_user, struct diag *d)
{
    struct walk w = {.env = env, .unset = unset, .unset_user = unset_user, .d = d};
    struct ylpath top = {.key = base_path};
    walk_node(&w, root, base_path != NULL && *base_path ? &top : NULL);
    return w.failed ? -1 : 0;
}

/* Interpolates one string. */
char *vars_expand(const char *text, const json_t *env, struct berth_error **err)
{
    return interp_expand(text, vars_lookup, (void *)env, err);
}
