/* Owned key/value lists (labels, environment) for container specs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/kvlist.h"
#include "core/util.h"

/* Zero-initialises l. */
void kvlist_init(struct kvlist *l)
{
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Sets key to value (owned), replacing an existing entry in place. */
void kvlist_set_take(struct kvlist *l, const char *key, char *value)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].key, key) == 0) {
            free((char *)l->v[i].value);
            l->v[i].value = value;
            return;
        }
    }
    l->v = xreallocarray_grow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n].key = xstrdup(key);
    l->v[l->n].value = value;
    l->n++;
}

/* Sets key to a copy of value. */
void kvlist_set(struct kvlist *l, const char *key, const char *value)
{
    kvlist_set_take(l, key, value ? xstrdup(value) : NULL);
}

/* The value of key, or NULL. */
const char *kvlist_get(const struct kvlist *l, const char *key, bool *found)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].key, key) == 0) {
            if (found)
                *found = true;
            return l->v[i].value;
        }
    }
    if (found)
        *found = false;
    return NULL;
}

/* Frees every entry. */
void kvlist_free(struct kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].key);
        free((char *)l->v[i].value);
    }
    free(l->v);
    kvlist_init(l);
}

/* Looks key up in a borrowed array. */
const char *kvlist_find(const struct berth_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (kv[i].key != NULL && strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}
