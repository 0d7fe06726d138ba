/* A string-keyed hash map (open addressing) used by the loader. Internal. */
#ifndef BERTH_COMPOSE_STRMAP_H
#define BERTH_COMPOSE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys are copied; values are opaque pointers owned by the caller. */
struct strmap;

/* Creates an empty map. Aborts on out-of-memory. */
struct strmap *strmap_new(void);

/* Frees the map and its key copies (not the values). NULL is fine. */
void strmap_free(struct strmap *m);

/* Sets key to value (replacing an existing value). */
void strmap_put(struct strmap *m, const char *key, void *value);

/* The value stored for key, or NULL. found (may be NULL) tells a NULL value from a miss. */
void *strmap_get(const struct strmap *m, const char *key, bool *found);

/* True when key is present. */
bool strmap_has(const struct strmap *m, const char *key);

/* Number of keys. */
size_t strmap_count(const struct strmap *m);

/* FNV-1a hash of n bytes (shared with the YAML map index). */
uint32_t strmap_hash(const char *s, size_t n);

#endif
