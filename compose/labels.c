/* Labels: the interop contract with docker compose (it and berth see each other's objects). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/labels.h"

/* The compose spelling of a condition. */
const char *labels_condition_name(enum dep_cond c)
{
    switch (c) {
    case COND_HEALTHY: return "service_healthy";
    case COND_COMPLETED: return "service_completed_successfully";
    case COND_STARTED: break;
    }
    return "service_started";
}

/* qsort comparator over struct dep by name. */
static int dep_cmp(const void *a, const void *b)
{
    const struct dep *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* "svc:condition:restart,..." as docker compose writes it. */
char *labels_depends_on(const struct service *svc)
{
    const struct dep **v = xcalloc(svc->n_deps ? svc->n_deps : 1, sizeof(*v));
    for (size_t i = 0; i < svc->n_deps; i++)
        v[i] = &svc->deps[i];
    qsort(v, svc->n_deps, sizeof(*v), dep_cmp);
    size_t len = 1;
    for (size_t i = 0; i < svc->n_deps; i++)
        len += strlen(v[i]->name) + 48;
    char *s = xcalloc(1, len);
    for (size_t i = 0; i < svc->n_deps; i++) {
        char part[64];
        snprintf(part, sizeof(part), ":%s:%s", labels_condition_name(v[i]->cond),
                 v[i]->restart ? "true" : "false");
        if (i)
            strcat(s, ",");
        strcat(s, v[i]->name);
        strcat(s, part);
    }
    free(v);
    return s;
}

/* Copies a labels mapping (or "k=v" list) of the model into out. */
static void add_model_labels(const json_t *labels, struct kvlist *out)
{
    if (json_is_object(labels)) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)labels, k, v)
        {
            if (json_is_string(v))
                kvlist_set(out, k, json_string_value(v));
            else if (json_is_null(v))
                kvlist_set(out, k, "");
            else {
                char *s = json_dumps(v, JSON_ENCODE_ANY);
                kvlist_set_take(out, k, s ? s : xstrdup(""));
            }
        }
    } else if (json_is_array(labels)) {
        size_t i;
        const json_t *e;
        json_array_foreach(labels, i, e)
        {
            const char *s = json_string_value(e);
            if (s == NULL)
                continue;
            const char *eq = strchr(s, '=');
            char *k = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
            kvlist_set(out, k, eq ? eq + 1 : "");
            free(k);
        }
    }
}

/* User labels, then the compose labels (which win). */
void labels_container(const struct replica *r, struct kvlist *out)
{
    const struct service *svc = r->svc;
    const struct berth_compose *c = svc->c;
    add_model_labels(json_object_get(svc->def, "labels"), out);
    kvlist_set(out, LABEL_PROJECT, c->name);
    kvlist_set(out, LABEL_SERVICE, svc->name);
    kvlist_set_take(out, LABEL_NUMBER, xasprintf("%d", r->oneoff ? 1 : r->number));
    kvlist_set(out, LABEL_ONEOFF, r->oneoff ? "True" : "False");
    kvlist_set(out, LABEL_HASH, svc->hash ? svc->hash : "");
    kvlist_set_take(out, LABEL_DEPENDS_ON, labels_depends_on(svc));
    kvlist_set(out, LABEL_WORKING_DIR, c->working_dir ? c->working_dir : "");
    kvlist_set(out, LABEL_CONFIG_FILES, c->config_files ? c->config_files : "");
    kvlist_set(out, LABEL_IMAGE, svc->image_id ? svc->image_id : (svc->image ? svc->image : ""));
    kvlist_set(out, LABEL_VERSION, BERTH_VERSION_STRING);
    if (r->oneoff) {
        /* docker compose marks run containers with their random suffix */
        const char *dash = strrchr(r->name, '-');
        kvlist_set(out, LABEL_SLUG, dash ? dash + 1 : r->name);
    }
}

/* Project network labels. */
void labels_network(const struct berth_compose *c, const char *key, const json_t *def,
                    struct kvlist *out)
{
    add_model_labels(json_object_get(def, "labels"), out);
    kvlist_set(out, LABEL_PROJECT, c->name);
    kvlist_set(out, LABEL_NETWORK, key);
    kvlist_set(out, LABEL_VERSION, BERTH_VERSION_STRING);
}

/* Project volume labels. */
void labels_volume(const struct berth_compose *c, const char *key, const json_t *def,
                   struct kvlist *out)
{
    add_model_labels(json_object_get(def, "labels"), out);
    kvlist_set(out, LABEL_PROJECT, c->name);
    kvlist_set(out, LABEL_VOLUME, key);
    kvlist_set(out, LABEL_VERSION, BERTH_VERSION_STRING);
}
