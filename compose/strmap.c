/* String-keyed hash map with open addressing and linear probing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/strmap.h"
#include "core/util.h"

struct slot {
    char *key; /* NULL: empty */
    uint32_t hash;
    void *value;
};

struct strmap {
    struct slot *slots;
    size_t cap; /* power of two */
    size_t count;
};

/* FNV-1a: fast and good enough for identifiers and paths. */
uint32_t strmap_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Creates an empty map with a small table. */
struct strmap *strmap_new(void)
{
    struct strmap *m = xcalloc(1, sizeof(*m));
    m->cap = 16;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    return m;
}

/* Frees the table and the key copies. */
void strmap_free(struct strmap *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t find_slot(const struct strmap *m, const char *key, uint32_t h)
{
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    while (m->slots[i].key != NULL) {
        if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

/* Doubles the table when it is more than half full. */
static void grow(struct strmap *m)
{
    struct slot *old = m->slots;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key == NULL)
            continue;
        size_t j = find_slot(m, old[i].key, old[i].hash);
        m->slots[j] = old[i];
    }
    free(old);
}

/* Inserts or replaces, growing the table first when needed. */
void strmap_put(struct strmap *m, const char *key, void *value)
{
    if ((m->count + 1) * 2 > m->cap)
        grow(m);
    uint32_t h = strmap_hash(key, strlen(key));
    size_t i = find_slot(m, key, h);
    if (m->slots[i].key == NULL) {
        m->slots[i].key = xstrdup(key);
        m->slots[i].hash = h;
        m->count++;
    }
    m->slots[i].value = value;
}

/* Looks a key up. */
void *strmap_get(const struct strmap *m, const char *key, bool *found)
{
    size_t i = find_slot(m, key, strmap_hash(key, strlen(key)));
    if (found != NULL)
        *found = m->slots[i].key != NULL;
    return m->slots[i].key != NULL ? m->slots[i].value : NULL;
}

/* True when the key is present. */
bool strmap_has(const struct strmap *m, const char *key)
{
    bool found;
    strmap_get(m, key, &found);
    return found;
}

/* Number of keys. */
size_t strmap_count(const struct strmap *m)
{
    return m->count;
}
