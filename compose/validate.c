/* Semantic checks of a normalised compose model. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compose/schema.h"
#include "compose/strmap.h"
#include "compose/validate.h"
#include "core/util.h"

struct vctx {
    const json_t *model;
    const json_t *services;
    const struct posidx *pos;
    const struct ynode *all;
    struct diag *d;
    bool failed;
};

/* Records a problem at the node recorded for path (or the closest parent). */
static void verr(struct vctx *v, const char *path, const char *hint, const char *fmt, ...)
    BERTH_PRINTF(4, 5);
static void verr(struct vctx *v, const char *path, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    const struct ynode *at = NULL;
    char *p = xstrdup(path);
    while (at == NULL && *p) {
        at = posidx_get(v->pos, p);
        if (at != NULL)
            break;
        char *cut = strrchr(p, '.');
        char *br = strrchr(p, '[');
        if (br != NULL && (cut == NULL || br > cut))
            cut = br;
        if (cut == NULL)
            break;
        *cut = '\0';
    }
    free(p);
    diag_add(v->d, at, path, hint, "%s", msg);
    free(msg);
    v->failed = true;
}

/* The service name closest to a misspelt one, as a hint (malloc'd) or NULL. */
static char *service_hint(const struct vctx *v, const char *name, const char *fallback)
{
    const char *best = NULL;
    size_t bd = 3;
    const char *k;
    json_t *s;
    json_object_foreach((json_t *)v->services, k, s) {
        size_t dist = schema_distance(name, k);
        if (dist < bd) {
            bd = dist;
            best = k;
        }
    }
    if (best != NULL)
        return xasprintf("did you mean \"%s\"?", best);
    return fallback ? xstrdup(fallback) : NULL;
}

/* The profiles of a disabled service, as "a, b". */
static char *profiles_of(const struct ynode *svc)
{
    const struct ynode *pr = svc ? ynode_map_get(svc, "profiles") : NULL;
    char *s = xstrdup("");
    for (size_t i = 0; pr && pr->kind == YNODE_SEQ && i < pr->n; i++) {
        char *t = xasprintf("%s%s%s", s, i ? ", " : "", pr->items[i]->text);
        free(s);
        s = t;
    }
    return s;
}

/* Checks the depends_on entries of one service. */
static void check_depends(struct vctx *v, const char *name, const json_t *svc)
{
    const char *dep;
    json_t *cfg;
    json_object_foreach(json_object_get(svc, "depends_on"), dep, cfg) {
        if (json_object_get(v->services, dep) != NULL)
            continue;
        char *path = xasprintf("services.%s.depends_on.%s", name, dep);
        const char *origin = posidx_origin(v->pos, path);
        const struct ynode *disabled = v->all ? ynode_map_get(v->all, dep) : NULL;
        bool required = !json_is_false(json_object_get(cfg, "required"));
        if (disabled != NULL) {
            if (required) {
                char *prof = profiles_of(disabled);
                char *hint = xasprintf("enable its profile (--profile %s), or set required: "
                                       "false on the dependency",
                                       prof);
                verr(v, path, hint,
                     "service \"%s\" depends on service \"%s\", which is disabled by its "
                     "profiles (%s)",
                     name, dep, prof);
                free(hint);
                free(prof);
            }
        } else if (origin != NULL && strcmp(origin, "links") != 0 &&
                   strcmp(origin, "volumes_from") != 0) {
            char *hint = service_hint(v, dep, "name a service of this project after service:");
            char *opath = xasprintf("services.%s.%s", name, origin);
            verr(v, opath, hint, "service \"%s\" not found for %s 'service:%s'", dep, origin,
                 dep);
            free(opath);
            free(hint);
        } else if (origin != NULL) {
            char *hint = service_hint(v, dep, "name a service of this project");
            char *opath = xasprintf("services.%s.%s", name, origin);
            verr(v, opath, hint, "service \"%s\" refers to undefined service \"%s\" in %s", name,
                 dep, origin);
            free(opath);
            free(hint);
        } else {
            char *hint =
                service_hint(v, dep, "define the service, or remove it from depends_on");
            verr(v, path, hint, "service \"%s\" depends on undefined service \"%s\"", name, dep);
            free(hint);
        }
        free(path);
    }
}

/* Checks that the named resource of a section exists (path: FIELD, or FIELD[INDEX] when index >= 0). */
static void check_ref(struct vctx *v, const char *section, const char *kind, const char *svc,
                      const char *ref, const char *field, long index)
{
    if (json_object_get(json_object_get(v->model, section), ref) != NULL)
        return;
    char *path = index >= 0 ? xasprintf("services.%s.%s[%ld]", svc, field, index)
                            : xasprintf("services.%s.%s.%s", svc, field, ref);
    char *hint = xasprintf("declare it under the top-level %s: key", section);
    verr(v, path, hint, "service \"%s\" refers to undefined %s %s", svc, kind, ref);
    free(hint);
    free(path);
}

/* Mount targets must be unique across tmpfs and volumes. */
static void check_mounts(struct vctx *v, const char *name, const json_t *svc)
{
    const json_t *tmpfs = json_object_get(svc, "tmpfs"), *vols = json_object_get(svc, "volumes");
    if (json_array_size(vols) == 0 || (json_array_size(tmpfs) + json_array_size(vols)) < 2)
        return;
    /* value: 1 + index, negative for tmpfs entries */
    struct strmap *seen = strmap_new();
    size_t i;
    json_t *t;
    json_array_foreach(tmpfs, i, t) {
        const char *s = json_string_value(t);
        if (s == NULL)
            continue;
        char *target = xstrndup(s, strcspn(s, ":"));
        if (!strmap_has(seen, target))
            strmap_put(seen, target, (void *)(intptr_t)(-(intptr_t)i - 1));
        free(target);
    }
    json_array_foreach(vols, i, t) {
        const char *target = json_string_value(json_object_get(t, "target"));
        if (target == NULL)
            continue;
        intptr_t prev = (intptr_t)strmap_get(seen, target, NULL);
        if (prev == 0) {
            strmap_put(seen, target, (void *)(intptr_t)(i + 1));
            continue;
        }
        char *path = xasprintf("services.%s.volumes[%zu]", name, i);
        char *owner = prev < 0 ? xasprintf("services.%s.tmpfs[%ld]", name, (long)(-prev - 1))
                               : xasprintf("services.%s.volumes[%ld]", name, (long)(prev - 1));
        verr(v, path, "mount each container path once", "target %s already mounted as %s", target,
             owner);
        free(owner);
        free(path);
    }
    strmap_free(seen);
}

/* Checks one service. */
static void check_service(struct vctx *v, const char *name, const json_t *svc)
{
    char *base = xasprintf("services.%s", name);
    if (json_object_get(svc, "image") == NULL && json_object_get(svc, "build") == NULL &&
        json_object_get(svc, "provider") == NULL)
        verr(v, base, "add image: NAME to run an image, or build: DIR to build one",
             "service \"%s\" has neither an image nor a build context specified", name);
    check_depends(v, name, svc);
    const json_t *nets = json_object_get(svc, "networks");
    const char *netmode = json_string_value(json_object_get(svc, "network_mode"));
    if (netmode != NULL && nets != NULL) {
        char *p = xasprintf("%s.network_mode", base);
        verr(v, p, "keep network_mode or networks, not both",
             "service \"%s\" declares mutually exclusive `network_mode` and `networks`", name);
        free(p);
    }
    const char *net;
    json_t *ncfg;
    json_object_foreach((json_t *)nets, net, ncfg) check_ref(v, "networks", "network", name, net,
                                                             "networks", -1);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(svc, "volumes"), i, it) {
        const char *type = json_string_value(json_object_get(it, "type"));
        const char *src = json_string_value(json_object_get(it, "source"));
        if (type != NULL && strcmp(type, "volume") == 0 && src != NULL && *src)
            check_ref(v, "volumes", "volume", name, src, "volumes", (long)i);
    }
    static const char *const refs[][2] = {{"secrets", "secret"}, {"configs", "config"}};
    for (size_t r = 0; r < 2; r++) {
        json_array_foreach(json_object_get(svc, refs[r][0]), i, it) {
            const char *src = json_string_value(json_object_get(it, "source"));
            if (src != NULL)
                check_ref(v, refs[r][0], refs[r][1], name, src, refs[r][0], (long)i);
        }
    }
    json_array_foreach(json_object_get(json_object_get(svc, "build"), "secrets"), i, it) {
        const char *src = json_string_value(json_object_get(it, "source"));
        if (src != NULL)
            check_ref(v, "secrets", "secret", name, src, "build.secrets", (long)i);
    }
    /* scale and replicas */
    json_t *scale = json_object_get(svc, "scale");
    json_t *replicas = json_object_get(json_object_get(svc, "deploy"), "replicas");
    if (json_is_integer(scale) && json_is_integer(replicas) &&
        json_integer_value(scale) != json_integer_value(replicas)) {
        char *p = xasprintf("%s.scale", base);
        verr(v, p, "set only one of them, or the same value",
             "can't set distinct values on 'scale' (%lld) and 'deploy.replicas' (%lld)",
             json_integer_value(scale), json_integer_value(replicas));
        free(p);
    }
    long long n = json_is_integer(scale)      ? json_integer_value(scale)
                  : json_is_integer(replicas) ? json_integer_value(replicas)
                                              : 1;
    if (json_object_get(svc, "container_name") != NULL && n > 1) {
        char *p = xasprintf("%s.container_name", base);
        verr(v, p, "remove container_name (berth names replicas itself) or use a single replica",
             "container_name \"%s\" cannot be used with %lld replicas: container names must be "
             "unique",
             json_string_value(json_object_get(svc, "container_name")), n);
        free(p);
    }
    /* healthcheck test */
    const json_t *test = json_object_get(json_object_get(svc, "healthcheck"), "test");
    const char *first = json_string_value(json_array_get(test, 0));
    if (first != NULL && strcmp(first, "CMD") != 0 && strcmp(first, "CMD-SHELL") != 0 &&
        strcmp(first, "NONE") != 0) {
        char *p = xasprintf("%s.healthcheck.test", base);
        verr(v, p, "write [\"CMD\", \"prog\", \"arg\"], [\"CMD-SHELL\", \"command\"] or a string",
             "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"");
        free(p);
    }
    check_mounts(v, name, svc);
    free(base);
}

/* Depth-first search for dependency cycles. */
struct dfs {
    struct vctx *v;
    struct strmap *color; /* name -> 1 (on stack) / 2 (done) */
    struct strv stack;
};

/* Visits the dependencies of a service, reporting back edges as cycles. */
static void visit(struct dfs *s, const char *name)
{
    strmap_put(s->color, name, (void *)(uintptr_t)1);
    strv_push(&s->stack, name);
    const json_t *svc = json_object_get(s->v->services, name);
    const char *dep;
    json_t *cfg;
    json_object_foreach(json_object_get(svc, "depends_on"), dep, cfg) {
        if (json_object_get(s->v->services, dep) == NULL)
            continue;
        uintptr_t c = (uintptr_t)strmap_get(s->color, dep, NULL);
        if (c == 1) {
            size_t from = 0;
            for (size_t i = 0; i < s->stack.n; i++)
                if (strcmp(s->stack.v[i], dep) == 0)
                    from = i;
            char *chain = xstrdup("");
            for (size_t i = from; i < s->stack.n; i++) {
                char *t = xasprintf("%s%s -> ", chain, s->stack.v[i]);
                free(chain);
                chain = t;
            }
            char *path = xasprintf("services.%s.depends_on.%s", name, dep);
            verr(s->v, path, "remove one of the dependencies to break the cycle",
                 "dependency cycle detected: %s%s", chain, dep);
            free(path);
            free(chain);
        } else if (c == 0) {
            visit(s, dep);
        }
    }
    free(s->stack.v[--s->stack.n]);
    s->stack.v[s->stack.n] = NULL;
    strmap_put(s->color, name, (void *)(uintptr_t)2);
}

/* Secrets and configs need a source. */
static void check_file_objects(struct vctx *v)
{
    const char *k;
    json_t *o;
    json_object_foreach(json_object_get(v->model, "secrets"), k, o) {
        if (json_is_true(json_object_get(o, "external")) || json_object_get(o, "file") ||
            json_object_get(o, "environment"))
            continue;
        char *p = xasprintf("secrets.%s", k);
        verr(v, p, "add file: PATH or environment: VARIABLE (or external: true)",
             "secret \"%s\" must declare either `file` or `environment`", k);
        free(p);
    }
    json_object_foreach(json_object_get(v->model, "configs"), k, o) {
        if (json_is_true(json_object_get(o, "external")) || json_object_get(o, "file") ||
            json_object_get(o, "environment") || json_object_get(o, "content"))
            continue;
        char *p = xasprintf("configs.%s", k);
        verr(v, p, "add file: PATH, environment: VARIABLE or content: TEXT (or external: true)",
             "config \"%s\" must declare either `file`, `environment` or `content`", k);
        free(p);
    }
}

/* Runs every semantic check on a model. */
int validate_model(const json_t *model, const struct posidx *pos,
                   const struct ynode *all_services, struct diag *d)
{
    struct vctx v = {.model = model,
                     .services = json_object_get(model, "services"),
                     .pos = pos,
                     .all = all_services,
                     .d = d};
    const char *name;
    json_t *svc;
    json_object_foreach((json_t *)v.services, name, svc) check_service(&v, name, svc);
    struct dfs s = {.v = &v, .color = strmap_new()};
    strv_init(&s.stack);
    json_object_foreach((json_t *)v.services, name, svc) {
        if (strmap_get(s.color, name, NULL) == NULL)
            visit(&s, name);
    }
    strv_free(&s.stack);
    strmap_free(s.color);
    check_file_objects(&v);
    return v.failed ? -1 : 0;
}
