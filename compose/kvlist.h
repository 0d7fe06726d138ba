/* A growable list of owned key/value pairs viewable as struct berth_kv[]. Internal. */
#ifndef BERTH_COMPOSE_KVLIST_H
#define BERTH_COMPOSE_KVLIST_H

#include <berth/spec.h>

struct kvlist {
    struct berth_kv *v;
    size_t n, cap;
};

/* Zero-initialises l. */
void kvlist_init(struct kvlist *l);
/* Sets key (replacing an existing entry); value NULL = key without value. */
void kvlist_set(struct kvlist *l, const char *key, const char *value);
/* Sets key, taking ownership of value. */
void kvlist_set_take(struct kvlist *l, const char *key, char *value);
/* The value of key, or NULL (found tells a NULL value from a miss). */
const char *kvlist_get(const struct kvlist *l, const char *key, bool *found);
/* Frees every entry. */
void kvlist_free(struct kvlist *l);
/* Looks key up in a borrowed array (NULL when absent). */
const char *kvlist_find(const struct berth_kv *kv, size_t n, const char *key);

#endif
