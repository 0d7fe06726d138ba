/*
 * YAML node tree for compose files, built from libyaml events.
 *
 * Every node remembers the file, line and column it came from so that every
 * later stage (interpolation, merging, validation, normalisation) can point
 * at the offending text. Aliases are resolved by deep copy (bounded, against
 * "billion laughs" files), merge keys (`<<`) are applied, duplicate keys are
 * reported with both positions, and the `!reset` / `!override` tags are kept
 * on the nodes for the merge stage. Scalars resolve YAML 1.2-style: `80:80`
 * and `yes` stay strings. Internal.
 */
#ifndef BERTH_COMPOSE_YAML_H
#define BERTH_COMPOSE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compose/diag.h"

/* Where nodes came from. Refcounted: nodes copied between trees share it. */
struct ysrc {
    unsigned refs;
    char *path;     /* absolute path of the file */
    char *name;     /* display name used in messages */
    char *base_dir; /* directory relative paths in this file resolve against */
};

/* Creates a source record (refs = 1). */
struct ysrc *ysrc_new(const char *path, const char *name, const char *base_dir);
/* Adds a reference. */
struct ysrc *ysrc_ref(struct ysrc *s);
/* Drops a reference; frees at zero. NULL is fine. */
void ysrc_unref(struct ysrc *s);

enum ynode_kind { YNODE_SCALAR = 0, YNODE_MAP, YNODE_SEQ };

enum ystyle { YSTYLE_PLAIN = 0, YSTYLE_SINGLE, YSTYLE_DOUBLE, YSTYLE_LITERAL, YSTYLE_FOLDED };

/* The resolved type of a node. */
enum ytype { YTYPE_NULL = 0, YTYPE_BOOL, YTYPE_INT, YTYPE_FLOAT, YTYPE_STR, YTYPE_MAP, YTYPE_SEQ };

/* Fields are narrow and ordered to keep the struct at 80 bytes: a 1000-service
 * file has ~50 000 nodes and their memory (page faults) dominates load time. */
struct ynode {
    uint8_t kind;             /* enum ynode_kind */
    uint8_t style;            /* enum ystyle */
    signed char tcache;       /* resolved type + 1, 0 = not computed (see ynode_type) */
    bool interpolated : 1;    /* the text came out of interpolation: a string */
    bool anchored : 1;        /* an anchor names this node (the parser must not move from it) */
    bool inline_text : 1;     /* text lives in the node's own allocation */
    uint32_t index_cap;       /* slots in index */
    int line, col;            /* 1-based */
    /* maps (keys[i] -> items[i]) and sequences (items) */
    uint32_t n, cap;
    char *tag; /* explicit tag ("!reset", "!override", ...) or NULL */
    struct ysrc *src;
    /* scalars */
    char *text;
    size_t len;
    struct ynode **keys;
    struct ynode **items;
    uint32_t *index; /* map hash index (slot -> i + 1), built lazily */
};

/* The documents of one file. */
struct ydocs {
    struct ynode **v;
    size_t n;
};

/* Parses a YAML stream. Problems go to d; returns -1 if any was found. */
int yaml_parse(const char *data, size_t len, struct ysrc *src, struct ydocs *out,
               struct diag *d);

/* Frees every document. */
void ydocs_free(struct ydocs *docs);

/* Node constructors; the node takes a reference on src (may be NULL). */
struct ynode *ynode_new_scalar(const char *text, enum ystyle style, struct ysrc *src, int line,
                               int col);
struct ynode *ynode_new_map(struct ysrc *src, int line, int col);
struct ynode *ynode_new_seq(struct ysrc *src, int line, int col);
/* A string scalar at the position of `at`. */
struct ynode *ynode_new_str_at(const char *text, const struct ynode *at);
/* Deep copy. */
struct ynode *ynode_copy(const struct ynode *n);
/* Frees n and its children. NULL is fine. */
void ynode_free(struct ynode *n);
/* Deep equality of value and shape (positions and tags ignored). */
bool ynode_equal(const struct ynode *a, const struct ynode *b);
/* Number of nodes in the subtree (for budgets). */
size_t ynode_count(const struct ynode *n);

/* The resolved type (tags and style first, then YAML 1.2 core rules). */
enum ytype ynode_type(const struct ynode *n);
/* Resolution of a plain scalar's text. */
enum ytype yaml_resolve_plain(const char *text, size_t len);
/* True for a null scalar. */
bool ynode_is_null(const struct ynode *n);
/* True for a scalar whose resolved type is a string. */
bool ynode_is_str(const struct ynode *n);
/* The node's tag is `tag` ("!reset" ...). */
bool ynode_has_tag(const struct ynode *n, const char *tag);
/* Replaces a scalar's text. */
void ynode_set_text(struct ynode *n, const char *text);

/* Scalar conversions; return false when the text does not fit the type. */
bool yscalar_bool(const struct ynode *n, bool *out);
bool yscalar_int(const struct ynode *n, long long *out);
bool yscalar_number(const struct ynode *n, double *out);
/* Parses an integer in YAML core syntax (decimal, 0x, 0o, leading-0 octal). */
bool yaml_parse_int(const char *s, long long *out);

/* Maps. */
struct ynode *ynode_map_get(const struct ynode *m, const char *key);
/* Index of key or -1. */
long ynode_map_find(const struct ynode *m, const char *key);
/* The key text of entry i. */
const char *ynode_map_key(const struct ynode *m, size_t i);
/* Appends or replaces key's value; takes ownership of key and value. */
void ynode_map_set(struct ynode *m, struct ynode *key, struct ynode *value);
/* Same with a key made from a string at the value's position. */
void ynode_map_set_str(struct ynode *m, const char *key, struct ynode *value);
/* Removes entry i and returns its value (the key is freed). */
struct ynode *ynode_map_take(struct ynode *m, size_t i);
/* Removes key if present. */
void ynode_map_remove(struct ynode *m, const char *key);

/* Sequences. */
void ynode_seq_push(struct ynode *s, struct ynode *item);
/* Removes item i and returns it. */
struct ynode *ynode_seq_take(struct ynode *s, size_t i);

/* A growable key path for messages, e.g. services.web.ports[0]. */
struct ypath {
    char *buf;
    size_t len, cap;
    size_t *marks;
    size_t depth, mcap;
};
void ypath_init(struct ypath *p);
void ypath_free(struct ypath *p);
void ypath_push_key(struct ypath *p, const char *key);
void ypath_push_index(struct ypath *p, size_t i);
void ypath_pop(struct ypath *p);
const char *ypath_str(const struct ypath *p);

/*
 * A key path kept on the stack while walking a tree, turned into text only
 * when a message needs it: each level points at its parent.
 */
struct ylpath {
    const struct ylpath *up;
    const char *key; /* NULL: an index */
    size_t index;
};

/* The text of a lazy path ("" at the root); malloc'd. */
char *ylpath_str(const struct ylpath *p);

#endif
