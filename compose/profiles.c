/* Profiles: which services are active. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/profiles.h"

/* True when profile p is enabled (directly or by "*"). */
static bool enabled_has(const struct strmap *set, const char *p)
{
    return strmap_has(set, "*") || strmap_has(set, p);
}

/* True when a service with these profiles is active under the enabled set. */
static bool service_active(const struct ynode *svc, const struct strmap *set)
{
    const struct ynode *pr = svc->kind == YNODE_MAP ? ynode_map_get(svc, "profiles") : NULL;
    if (pr == NULL || pr->kind != YNODE_SEQ || pr->n == 0)
        return true;
    for (size_t i = 0; i < pr->n; i++)
        if (pr->items[i]->kind == YNODE_SCALAR && enabled_has(set, pr->items[i]->text))
            return true;
    return false;
}

/* The services active under the enabled profiles and targets. */
struct strmap *profiles_active(const struct ynode *services, struct strv *enabled,
                               const struct strv *targets, struct diag *d)
{
    struct strmap *set = strmap_new();
    for (size_t i = 0; i < enabled->n; i++)
        strmap_put(set, enabled->v[i], NULL);
    /* a targeted service enables its own profiles */
    for (size_t t = 0; targets != NULL && t < targets->n; t++) {
        const struct ynode *svc = services ? ynode_map_get(services, targets->v[t]) : NULL;
        if (svc == NULL) {
            diag_add(d, NULL, NULL, "run 'berth config --services' to list the services",
                     "no such service: %s", targets->v[t]);
            continue;
        }
        if (service_active(svc, set))
            continue;
        const struct ynode *pr = ynode_map_get(svc, "profiles");
        for (size_t i = 0; pr != NULL && i < pr->n; i++) {
            if (pr->items[i]->kind == YNODE_SCALAR && !strmap_has(set, pr->items[i]->text)) {
                strmap_put(set, pr->items[i]->text, NULL);
                strv_push(enabled, pr->items[i]->text);
            }
        }
    }
    struct strmap *active = strmap_new();
    for (size_t i = 0; services != NULL && i < services->n; i++)
        if (service_active(services->items[i], set))
            strmap_put(active, services->keys[i]->text, NULL);
    strmap_free(set);
    return active;
}

/* qsort comparator for strings. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every profile named by any service, sorted. */
void profiles_all(const struct ynode *services, struct strv *out)
{
    struct strmap *seen = strmap_new();
    size_t start = out->n;
    for (size_t i = 0; services != NULL && i < services->n; i++) {
        const struct ynode *svc = services->items[i];
        const struct ynode *pr = svc->kind == YNODE_MAP ? ynode_map_get(svc, "profiles") : NULL;
        for (size_t j = 0; pr != NULL && pr->kind == YNODE_SEQ && j < pr->n; j++) {
            const char *p = pr->items[j]->text;
            if (p != NULL && !strmap_has(seen, p)) {
                strmap_put(seen, p, NULL);
                strv_push(out, p);
            }
        }
    }
    if (out->n > start)
        qsort(out->v + start, out->n - start, sizeof(*out->v), cmp_str);
    strmap_free(seen);
}

/* Splits a comma-separated profile list. */
void profiles_split(const char *value, struct strv *out)
{
    if (value == NULL)
        return;
    const char *s = value;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n > 0)
            strv_push_take(out, xstrndup(s, n));
        if (e == NULL)
            break;
        s = e + 1;
    }
}
