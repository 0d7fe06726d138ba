/* YAML node tree: libyaml events to positioned nodes, aliases, merge keys. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "compose/strmap.h"
#include "compose/yaml.h"
#include "core/util.h"

/* Nodes an alias may expand to in one file before we call it an attack. */
#define ALIAS_BUDGET 1000000u
/* Maps smaller than this are searched linearly. */
#define INDEX_MIN 8

/* ---------------------------------------------------------------- sources */

struct ysrc *ysrc_new(const char *path, const char *name, const char *base_dir)
{
    struct ysrc *s = xcalloc(1, sizeof(*s));
    s->refs = 1;
    s->path = xstrdup(path);
    s->name = xstrdup(name ? name : path);
    s->base_dir = xstrdup(base_dir ? base_dir : ".");
    return s;
}

/* Takes a reference. */
struct ysrc *ysrc_ref(struct ysrc *s)
{
    if (s != NULL)
        s->refs++;
    return s;
}

/* Drops a reference, freeing at zero. */
void ysrc_unref(struct ysrc *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    free(s->path);
    free(s->name);
    free(s->base_dir);
    free(s);
}

/* ---------------------------------------------------------------- nodes */

/* Allocates a node of kind at a position. */
static struct ynode *node_new(enum ynode_kind kind, struct ysrc *src, int line, int col)
{
    struct ynode *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->src = ysrc_ref(src);
    n->line = line;
    n->col = col;
    return n;
}

/* A scalar whose text is stored in the same allocation (one malloc, not two). */
static struct ynode *scalar_new(const char *text, size_t len, struct ysrc *src, int line,
                                int col)
{
    struct ynode *n = xcalloc(1, sizeof(*n) + len + 1);
    n->kind = YNODE_SCALAR;
    n->src = ysrc_ref(src);
    n->line = line;
    n->col = col;
    n->text = (char *)(n + 1);
    memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    n->inline_text = true;
    return n;
}

/* A scalar with the given text and style. */
struct ynode *ynode_new_scalar(const char *text, enum ystyle style, struct ysrc *src, int line,
                               int col)
{
    struct ynode *n = scalar_new(text, strlen(text), src, line, col);
    n->style = style;
    return n;
}

/* An empty mapping. */
struct ynode *ynode_new_map(struct ysrc *src, int line, int col)
{
    return node_new(YNODE_MAP, src, line, col);
}

/* An empty sequence. */
struct ynode *ynode_new_seq(struct ysrc *src, int line, int col)
{
    return node_new(YNODE_SEQ, src, line, col);
}

/* A quoted (string) scalar at the position of another node. */
struct ynode *ynode_new_str_at(const char *text, const struct ynode *at)
{
    return ynode_new_scalar(text, YSTYLE_DOUBLE, at ? at->src : NULL, at ? at->line : 0,
                            at ? at->col : 0);
}

/* Frees a node and its children. */
void ynode_free(struct ynode *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys != NULL)
            ynode_free(n->keys[i]);
        ynode_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->index);
    if (!n->inline_text)
        free(n->text);
    free(n->tag);
    ysrc_unref(n->src);
    free(n);
}

/* Deep copy (positions and tags kept, never anchored). */
struct ynode *ynode_copy(const struct ynode *n)
{
    if (n == NULL)
        return NULL;
    struct ynode *c = n->kind == YNODE_SCALAR ? scalar_new(n->text, n->len, n->src, n->line, n->col)
                                              : node_new(n->kind, n->src, n->line, n->col);
    c->style = n->style;
    c->interpolated = n->interpolated; /* a copy is never anchored */
    c->tag = n->tag ? xstrdup(n->tag) : NULL;
    if (n->n > 0) {
        c->cap = n->n;
        c->n = n->n;
        c->items = xcalloc(c->cap, sizeof(*c->items));
        if (n->kind == YNODE_MAP)
            c->keys = xcalloc(c->cap, sizeof(*c->keys));
        for (size_t i = 0; i < n->n; i++) {
            c->items[i] = ynode_copy(n->items[i]);
            if (c->keys != NULL)
                c->keys[i] = ynode_copy(n->keys[i]);
        }
    }
    return c;
}

/* Counts the nodes of a subtree. */
size_t ynode_count(const struct ynode *n)
{
    if (n == NULL)
        return 0;
    size_t c = 1;
    for (size_t i = 0; i < n->n; i++)
        c += ynode_count(n->items[i]) + (n->keys ? 1 : 0);
    return c;
}

/* True when the node carries this explicit tag. */
bool ynode_has_tag(const struct ynode *n, const char *tag)
{
    return n != NULL && n->tag != NULL && strcmp(n->tag, tag) == 0;
}

/* Replaces the text of a scalar (its type is resolved again). */
void ynode_set_text(struct ynode *n, const char *text)
{
    n->tcache = 0;
    if (!n->inline_text)
        free(n->text);
    n->inline_text = false;
    n->len = strlen(text);
    n->text = xstrndup(text, n->len);
}

/* ---------------------------------------------------------------- scalar types */

bool yaml_parse_int(const char *s, long long *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (*p == '\0')
        return false;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
        base = 2;
        p += 2;
    } else if (p[0] == '0' && p[1] != '\0') {
        base = 8; /* Go's base-0 parsing, as docker compose: 0440 is octal */
        p += 1;
    }
    if (*p == '\0')
        return false;
    unsigned long long v = 0;
    for (; *p; p++) {
        int dgt;
        if (*p >= '0' && *p <= '9')
            dgt = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            dgt = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            dgt = *p - 'A' + 10;
        else
            return false;
        if (dgt >= base)
            return false;
        if (v > (0x7fffffffffffffffULL - (unsigned)dgt) / (unsigned)base)
            return false;
        v = v * (unsigned)base + (unsigned)dgt;
    }
    if (out != NULL)
        *out = neg ? -(long long)v : (long long)v;
    return true;
}

/* The float syntax of YAML 1.2 core (as yaml.v3 resolves it). */
static bool is_float(const char *s)
{
    static const char *const special[] = {".inf", "+.inf", "-.inf", ".Inf", "+.Inf", "-.Inf",
                                          ".INF", "+.INF", "-.INF", ".nan", ".NaN", ".NAN"};
    for (size_t i = 0; i < ARRAY_LEN(special); i++)
        if (strcmp(s, special[i]) == 0)
            return true;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
        if (digits == 0)
            return false;
    } else {
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
        if (digits == 0)
            return false;
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

enum ytype yaml_resolve_plain(const char *text, size_t len)
{
    /* most strings start with a letter that no other type starts with */
    if (len > 0 && strchr("0123456789+-.~nNtTfF", text[0]) == NULL)
        return YTYPE_STR;
    if (len == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
        strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0)
        return YTYPE_NULL;
    if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0 ||
        strcmp(text, "false") == 0 || strcmp(text, "False") == 0 || strcmp(text, "FALSE") == 0)
        return YTYPE_BOOL;
    if (strlen(text) != len)
        return YTYPE_STR;
    if (yaml_parse_int(text, NULL))
        return YTYPE_INT;
    if (is_float(text))
        return YTYPE_FLOAT;
    return YTYPE_STR;
}

/* The resolved type of a scalar (uncached). */
static enum ytype scalar_type(const struct ynode *n)
{
    if (n->tag != NULL) {
        if (strcmp(n->tag, "tag:yaml.org,2002:str") == 0 || strcmp(n->tag, "!") == 0)
            return YTYPE_STR;
        if (strcmp(n->tag, "tag:yaml.org,2002:null") == 0)
            return YTYPE_NULL;
    }
    if (n->interpolated || n->style != YSTYLE_PLAIN)
        return YTYPE_STR;
    return yaml_resolve_plain(n->text, n->len);
}

enum ytype ynode_type(const struct ynode *n)
{
    if (n == NULL)
        return YTYPE_NULL;
    if (n->kind == YNODE_MAP)
        return YTYPE_MAP;
    if (n->kind == YNODE_SEQ)
        return YTYPE_SEQ;
    if (n->tcache == 0) /* a cache: the node is logically const */
        ((struct ynode *)n)->tcache = (signed char)(scalar_type(n) + 1);
    return (enum ytype)(n->tcache - 1);
}

/* True for a missing node or a null scalar. */
bool ynode_is_null(const struct ynode *n)
{
    return n == NULL || ynode_type(n) == YTYPE_NULL;
}

/* True for a scalar that resolves to a string. */
bool ynode_is_str(const struct ynode *n)
{
    return n != NULL && ynode_type(n) == YTYPE_STR;
}

/* Case-insensitive equality for the short bool words. */
static bool word_is(const char *s, const char *w)
{
    return strcasecmp(s, w) == 0;
}

/* Reads a boolean (true/false, and yes/no/on/off in strings). */
bool yscalar_bool(const struct ynode *n, bool *out)
{
    if (n == NULL || n->kind != YNODE_SCALAR)
        return false;
    enum ytype t = ynode_type(n);
    if (t != YTYPE_BOOL && t != YTYPE_STR)
        return false;
    const char *s = n->text;
    bool v;
    if (word_is(s, "true") || word_is(s, "yes") || word_is(s, "y") || word_is(s, "on"))
        v = true;
    else if (word_is(s, "false") || word_is(s, "no") || word_is(s, "n") || word_is(s, "off"))
        v = false;
    else
        return false;
    if (out != NULL)
        *out = v;
    return true;
}

/* Reads an integer (YAML syntax, or decimal text in strings). */
bool yscalar_int(const struct ynode *n, long long *out)
{
    if (n == NULL || n->kind != YNODE_SCALAR)
        return false;
    enum ytype t = ynode_type(n);
    if (t == YTYPE_INT)
        return yaml_parse_int(n->text, out);
    if (t != YTYPE_STR)
        return false;
    /* a string from interpolation or quotes: decimal only */
    const char *p = n->text;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '\0')
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    errno = 0;
    long long v = strtoll(n->text, NULL, 10);
    if (errno != 0)
        return false;
    if (out != NULL)
        *out = v;
    return true;
}

/* Reads an integer or a float. */
bool yscalar_number(const struct ynode *n, double *out)
{
    if (n == NULL || n->kind != YNODE_SCALAR)
        return false;
    enum ytype t = ynode_type(n);
    long long iv;
    if (t == YTYPE_INT && yaml_parse_int(n->text, &iv)) {
        if (out != NULL)
            *out = (double)iv;
        return true;
    }
    if (t != YTYPE_FLOAT && t != YTYPE_STR)
        return false;
    if (t == YTYPE_STR && !is_float(n->text))
        return false;
    char *end;
    errno = 0;
    double v = strtod(n->text, &end);
    if (end == n->text || *end != '\0' || isnan(v))
        return false;
    if (out != NULL)
        *out = v;
    return true;
}

/* ---------------------------------------------------------------- equality */

bool ynode_equal(const struct ynode *a, const struct ynode *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (a->kind != b->kind)
        return false;
    if (a->kind == YNODE_SCALAR)
        return ynode_type(a) == ynode_type(b) && a->len == b->len &&
               memcmp(a->text, b->text, a->len) == 0;
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (a->kind == YNODE_SEQ) {
            if (!ynode_equal(a->items[i], b->items[i]))
                return false;
        } else {
            struct ynode *o = ynode_map_get(b, a->keys[i]->text);
            if (o == NULL && ynode_map_find(b, a->keys[i]->text) < 0)
                return false;
            if (!ynode_equal(a->items[i], o))
                return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- maps */

/* Rebuilds the hash index of a map for its current size. */
static void index_rebuild(struct ynode *m)
{
    size_t cap = 16;
    while (cap < m->n * 2 + 2)
        cap *= 2;
    free(m->index);
    m->index = xcalloc(cap, sizeof(*m->index));
    m->index_cap = cap;
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->keys[i]->text;
        size_t s = strmap_hash(k, strlen(k)) & (cap - 1);
        while (m->index[s] != 0)
            s = (s + 1) & (cap - 1);
        m->index[s] = (uint32_t)(i + 1);
    }
}

/* Index of a key: linear for small maps, hashed for big ones. */
long ynode_map_find(const struct ynode *m, const char *key)
{
    if (m == NULL || m->kind != YNODE_MAP)
        return -1;
    if (m->n < INDEX_MIN) {
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->keys[i]->text, key) == 0)
                return (long)i;
        return -1;
    }
    if (m->index == NULL) /* built lazily; the tree is logically const */
        index_rebuild((struct ynode *)m);
    size_t mask = m->index_cap - 1;
    size_t s = strmap_hash(key, strlen(key)) & mask;
    while (m->index[s] != 0) {
        size_t i = m->index[s] - 1;
        if (strcmp(m->keys[i]->text, key) == 0)
            return (long)i;
        s = (s + 1) & mask;
    }
    return -1;
}

/* The value of a key, or NULL. */
struct ynode *ynode_map_get(const struct ynode *m, const char *key)
{
    long i = ynode_map_find(m, key);
    return i < 0 ? NULL : m->items[i];
}

/* The key text of entry i. */
const char *ynode_map_key(const struct ynode *m, size_t i)
{
    return m->keys[i]->text;
}

/* Appends an entry whose key is known to be absent. */
static void map_append(struct ynode *m, struct ynode *key, struct ynode *value)
{
    if (m->n + 1 > m->cap) {
        size_t cap = m->cap;
        m->items = xreallocarray_grow(m->items, &cap, m->n + 1, sizeof(*m->items));
        m->keys = xrealloc(m->keys, cap * sizeof(*m->keys));
        m->cap = cap;
    }
    m->keys[m->n] = key;
    m->items[m->n] = value;
    m->n++;
    if (m->index != NULL) {
        if (m->n * 2 + 2 > m->index_cap) {
            index_rebuild(m);
        } else {
            size_t mask = m->index_cap - 1;
            size_t s = strmap_hash(key->text, strlen(key->text)) & mask;
            while (m->index[s] != 0)
                s = (s + 1) & mask;
            m->index[s] = (uint32_t)m->n;
        }
    }
}

/* Replaces the value of an existing key, or appends the entry. */
void ynode_map_set(struct ynode *m, struct ynode *key, struct ynode *value)
{
    long i = ynode_map_find(m, key->text);
    if (i >= 0) {
        ynode_free(m->items[i]);
        m->items[i] = value;
        ynode_free(key);
        return;
    }
    map_append(m, key, value);
}

/* Like ynode_map_set with a key made from a string. */
void ynode_map_set_str(struct ynode *m, const char *key, struct ynode *value)
{
    struct ynode *k = ynode_new_scalar(key, YSTYLE_PLAIN, value ? value->src : m->src,
                                       value ? value->line : m->line,
                                       value ? value->col : m->col);
    ynode_map_set(m, k, value);
}

/* Removes entry i and returns its value. */
struct ynode *ynode_map_take(struct ynode *m, size_t i)
{
    struct ynode *v = m->items[i];
    ynode_free(m->keys[i]);
    memmove(m->keys + i, m->keys + i + 1, (m->n - i - 1) * sizeof(*m->keys));
    memmove(m->items + i, m->items + i + 1, (m->n - i - 1) * sizeof(*m->items));
    m->n--;
    free(m->index); /* rebuilt on the next lookup */
    m->index = NULL;
    m->index_cap = 0;
    return v;
}

/* Removes a key if present. */
void ynode_map_remove(struct ynode *m, const char *key)
{
    long i = ynode_map_find(m, key);
    if (i >= 0)
        ynode_free(ynode_map_take(m, (size_t)i));
}

/* ---------------------------------------------------------------- sequences */

/* Appends an item. */
void ynode_seq_push(struct ynode *s, struct ynode *item)
{
    size_t cap = s->cap;
    s->items = xreallocarray_grow(s->items, &cap, s->n + 1, sizeof(*s->items));
    s->cap = (uint32_t)cap;
    s->items[s->n++] = item;
}

/* Removes item i and returns it. */
struct ynode *ynode_seq_take(struct ynode *s, size_t i)
{
    struct ynode *v = s->items[i];
    memmove(s->items + i, s->items + i + 1, (s->n - i - 1) * sizeof(*s->items));
    s->n--;
    return v;
}

/* ---------------------------------------------------------------- paths */

void ypath_init(struct ypath *p)
{
    memset(p, 0, sizeof(*p));
    p->cap = 64;
    p->buf = xmalloc(p->cap);
    p->buf[0] = '\0';
}

/* Frees the path buffer. */
void ypath_free(struct ypath *p)
{
    free(p->buf);
    free(p->marks);
    memset(p, 0, sizeof(*p));
}

/* Remembers the current length and appends sep + piece (no allocation unless growing). */
static void ypath_append(struct ypath *p, const char *sep, const char *piece)
{
    if (p->depth == p->mcap)
        p->marks = xreallocarray_grow(p->marks, &p->mcap, p->depth + 1, sizeof(*p->marks));
    p->marks[p->depth++] = p->len;
    size_t sl = strlen(sep), n = strlen(piece);
    if (p->len + sl + n + 1 > p->cap) {
        while (p->len + sl + n + 1 > p->cap)
            p->cap *= 2;
        p->buf = xrealloc(p->buf, p->cap);
    }
    memcpy(p->buf + p->len, sep, sl);
    memcpy(p->buf + p->len + sl, piece, n + 1);
    p->len += sl + n;
}

/* Appends ".key" (or "key" at the root). */
void ypath_push_key(struct ypath *p, const char *key)
{
    ypath_append(p, p->len == 0 ? "" : ".", key);
}

/* Appends "[i]". */
void ypath_push_index(struct ypath *p, size_t i)
{
    char s[32], *e = s + sizeof(s);
    *--e = '\0';
    *--e = ']';
    do { /* by hand: snprintf was 1% of `config` at every list item */
        *--e = (char)('0' + i % 10);
        i /= 10;
    } while (i > 0);
    *--e = '[';
    ypath_append(p, "", e);
}

/* Drops the last piece. */
void ypath_pop(struct ypath *p)
{
    if (p->depth == 0)
        return;
    p->len = p->marks[--p->depth];
    p->buf[p->len] = '\0';
}

/* The current path text. */
const char *ypath_str(const struct ypath *p)
{
    return p->buf;
}

/* Appends the text of p to path. */
static void ylpath_fill(const struct ylpath *p, struct ypath *path)
{
    if (p == NULL)
        return;
    ylpath_fill(p->up, path);
    if (p->key != NULL)
        ypath_push_key(path, p->key);
    else
        ypath_push_index(path, p->index);
}

/* Materialises a lazy path. */
char *ylpath_str(const struct ylpath *p)
{
    struct ypath path;
    ypath_init(&path);
    ylpath_fill(p, &path);
    char *s = xstrdup(ypath_str(&path));
    ypath_free(&path);
    return s;
}

/* ---------------------------------------------------------------- parser */

struct frame {
    struct ynode *node;
    struct ynode *key;     /* pending key of a map */
    struct ynode **merges; /* `<<` sources, in order */
    size_t nmerges, mcap;
    char *anchor;
};

struct parser {
    struct ysrc *src;
    struct diag *d;
    const char *data;
    size_t len;
    struct frame *stack;
    size_t depth, cap;
    struct strmap *anchors;
    struct ynode **grave; /* merge sources, freed at the end (anchors may point into them) */
    size_t ngrave, gcap;
    size_t budget;
    bool failed;
    struct ynode *root;
};

/* Records a parse problem at a node position. */
static void perr(struct parser *p, int line, int col, const char *hint, const char *fmt, ...)
    BERTH_PRINTF(5, 6);
static void perr(struct parser *p, int line, int col, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag_set_code(p->d, BERTH_E_PARSE);
    diag_add_pos(p->d, p->src ? p->src->name : NULL, line, col, NULL, hint, "%s", msg);
    free(msg);
    p->failed = true;
}

/* Keeps a node alive until the parse ends. */
static void bury(struct parser *p, struct ynode *n)
{
    p->grave = xreallocarray_grow(p->grave, &p->gcap, p->ngrave + 1, sizeof(*p->grave));
    p->grave[p->ngrave++] = n;
}

/* True for the `<<` merge key. */
static bool is_merge_key(const struct ynode *k)
{
    if (k->kind != YNODE_SCALAR || strcmp(k->text, "<<") != 0)
        return false;
    if (k->tag != NULL)
        return strcmp(k->tag, "tag:yaml.org,2002:merge") == 0;
    return k->style == YSTYLE_PLAIN;
}

/* Adds a `<<` value to the frame's merge sources after checking its shape. */
static void add_merge(struct parser *p, struct frame *f, const struct ynode *key, struct ynode *v)
{
    bool ok = v->kind == YNODE_MAP;
    if (v->kind == YNODE_SEQ) {
        ok = true;
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->kind != YNODE_MAP)
                ok = false;
    }
    if (!ok) {
        perr(p, key->line, key->col,
             "'<<' merges mappings: point it at an anchored mapping, e.g. <<: *defaults",
             "map merge requires map or sequence of maps as the value");
        bury(p, v);
        return;
    }
    f->merges = xreallocarray_grow(f->merges, &f->mcap, f->nmerges + 1, sizeof(*f->merges));
    f->merges[f->nmerges++] = v;
}

/* Adds the keys of one merge source that the mapping does not have yet. */
static void apply_merge_map(struct ynode *m, struct ynode *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (src->keys[i] == NULL || ynode_map_find(m, src->keys[i]->text) >= 0)
            continue;
        if (src->anchored) { /* others may copy it later: leave it whole */
            map_append(m, ynode_copy(src->keys[i]), ynode_copy(src->items[i]));
        } else { /* a private copy (from an alias): move the entry */
            map_append(m, src->keys[i], src->items[i]);
            src->keys[i] = src->items[i] = NULL; /* the shell is freed with the graveyard */
        }
    }
}

/* Attaches a complete node to its parent (or makes it the document root). */
static void add_value(struct parser *p, struct ynode *n)
{
    if (p->depth == 0) {
        if (p->root != NULL)
            bury(p, p->root);
        p->root = n;
        return;
    }
    struct frame *f = &p->stack[p->depth - 1];
    if (f->node->kind == YNODE_SEQ) {
        ynode_seq_push(f->node, n);
        return;
    }
    if (f->key == NULL) {
        if (n->kind != YNODE_SCALAR) {
            perr(p, n->line, n->col, "use a plain string as the key",
                 "mapping keys must be scalars, not a %s",
                 n->kind == YNODE_MAP ? "mapping" : "sequence");
            bury(p, n);
            f->key = ynode_new_scalar("?", YSTYLE_PLAIN, p->src, 0, 0);
            return;
        }
        f->key = n;
        return;
    }
    struct ynode *key = f->key;
    f->key = NULL;
    if (is_merge_key(key)) {
        add_merge(p, f, key, n);
        ynode_free(key);
        return;
    }
    long prev = ynode_map_find(f->node, key->text);
    if (prev >= 0) {
        const struct ynode *pk = f->node->keys[prev];
        perr(p, key->line, key->col, "remove one of the two entries or merge them",
             "mapping key \"%s\" already defined at line %d, column %d", key->text, pk->line,
             pk->col);
        bury(p, key); /* anchors may point at them */
        bury(p, n);
        return;
    }
    map_append(f->node, key, n);
}

/* Pushes a collection frame. */
static void push_frame(struct parser *p, struct ynode *n, const yaml_char_t *anchor)
{
    p->stack = xreallocarray_grow(p->stack, &p->cap, p->depth + 1, sizeof(*p->stack));
    struct frame *f = &p->stack[p->depth++];
    memset(f, 0, sizeof(*f));
    f->node = n;
    f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
}

/* Pops a finished collection: applies merges, registers its anchor. */
static void pop_frame(struct parser *p)
{
    struct frame *f = &p->stack[--p->depth];
    struct ynode *n = f->node;
    if (f->key != NULL) { /* a key without value cannot happen with libyaml, but be safe */
        ynode_free(f->key);
        f->key = NULL;
    }
    for (size_t i = 0; i < f->nmerges; i++) {
        struct ynode *src = f->merges[i];
        if (src->kind == YNODE_MAP)
            apply_merge_map(n, src);
        else
            for (size_t j = 0; j < src->n; j++)
                apply_merge_map(n, src->items[j]);
        bury(p, src);
    }
    free(f->merges);
    if (f->anchor != NULL) {
        n->anchored = true;
        strmap_put(p->anchors, f->anchor, n);
        free(f->anchor);
    }
    add_value(p, n);
}

/* Tag text of an event, NULL when implicit. */
static char *tag_of(const yaml_char_t *tag)
{
    return tag ? xstrdup((const char *)tag) : NULL;
}

/* Turns a libyaml error into a message a user understands. */
static void report_libyaml(struct parser *p, const yaml_parser_t *yp)
{
    int line = (int)yp->problem_mark.line + 1;
    int col = (int)yp->problem_mark.column + 1;
    const char *problem = yp->problem ? yp->problem : "syntax error";
    size_t off = yp->problem_mark.index;
    if (yp->error == YAML_READER_ERROR) {
        perr(p, 0, 0, "save the file as UTF-8", "cannot read the file as YAML: %s", problem);
        return;
    }
    if (off < p->len && p->data[off] == '\t') {
        perr(p, line, col, "YAML indentation must use spaces; replace the tab with spaces",
             "found a tab character that violates indentation");
        return;
    }
    if (strstr(problem, "mapping values are not allowed") != NULL) {
        perr(p, line, col,
             "check the indentation of this line, or quote a value that contains ': '",
             "mapping values are not allowed in this context (a ':' where no key can start)");
        return;
    }
    if (strstr(problem, "did not find expected key") != NULL ||
        strstr(problem, "did not find expected '-' indicator") != NULL) {
        perr(p, line, col, "align this line with the other entries of the same block",
             "%s: the indentation of this line does not match its block", problem);
        return;
    }
    if (strstr(problem, "could not find expected ':'") != NULL) {
        perr(p, line, col, "add ': ' after the key, or quote the whole value",
             "could not find the expected ':' after a key");
        return;
    }
    if (strstr(problem, "found unexpected end of stream") != NULL ||
        strstr(problem, "found unknown escape character") != NULL) {
        perr(p, line, col, "close the quoted string, or escape the character",
             "%s%s%s", yp->context ? yp->context : "", yp->context ? ": " : "", problem);
        return;
    }
    if (strstr(problem, "found character that cannot start any token") != NULL) {
        char c = off < p->len ? p->data[off] : '?';
        perr(p, line, col, "quote the value if it starts with '@' or '`'",
             "found character '%c' that cannot start any YAML token", c);
        return;
    }
    perr(p, line, col, NULL, "%s%s%s", problem, yp->context ? " " : "",
         yp->context ? yp->context : "");
}

/* Resolves an alias to a copy of its anchored node. */
static void handle_alias(struct parser *p, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    struct ynode *target = strmap_get(p->anchors, name, NULL);
    if (target == NULL) {
        perr(p, line, col, "define the anchor (&name) before using the alias, outside the node itself",
             "unknown anchor \"%s\" referenced", name);
        add_value(p, ynode_new_scalar("", YSTYLE_PLAIN, p->src, line, col));
        return;
    }
    size_t cnt = ynode_count(target);
    p->budget += cnt;
    if (p->budget > ALIAS_BUDGET) {
        perr(p, line, col, "the file expands aliases exponentially; simplify its anchors",
             "too many alias expansions (more than %u nodes)", ALIAS_BUDGET);
        add_value(p, ynode_new_scalar("", YSTYLE_PLAIN, p->src, line, col));
        return;
    }
    add_value(p, ynode_copy(target));
}

/* Frees whatever is left on the stack after an error. */
static void unwind(struct parser *p)
{
    while (p->depth > 0) {
        struct frame *f = &p->stack[--p->depth];
        ynode_free(f->node);
        ynode_free(f->key);
        for (size_t i = 0; i < f->nmerges; i++)
            ynode_free(f->merges[i]);
        free(f->merges);
        free(f->anchor);
    }
}

/* Builds the documents of a YAML stream from libyaml events. */
int yaml_parse(const char *data, size_t len, struct ysrc *src, struct ydocs *out,
               struct diag *d)
{
    struct parser p = {.src = src, .d = d, .data = data, .len = len};
    p.anchors = strmap_new();
    memset(out, 0, sizeof(*out));
    yaml_parser_t yp;
    yaml_parser_initialize(&yp);
    yaml_parser_set_input_string(&yp, (const unsigned char *)data, len);
    bool done = false;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&yp, &ev)) {
            report_libyaml(&p, &yp);
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            strmap_free(p.anchors);
            p.anchors = strmap_new();
            p.root = NULL;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (p.root != NULL) {
                out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
                out->v[out->n++] = p.root;
                p.root = NULL;
            }
            break;
        case YAML_SCALAR_EVENT: {
            struct ynode *n = scalar_new((const char *)ev.data.scalar.value,
                                         ev.data.scalar.length, src, line, col);
            switch (ev.data.scalar.style) {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE:
                n->style = YSTYLE_SINGLE;
                break;
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
                n->style = YSTYLE_DOUBLE;
                break;
            case YAML_LITERAL_SCALAR_STYLE:
                n->style = YSTYLE_LITERAL;
                break;
            case YAML_FOLDED_SCALAR_STYLE:
                n->style = YSTYLE_FOLDED;
                break;
            default:
                n->style = YSTYLE_PLAIN;
            }
            n->tag = tag_of(ev.data.scalar.tag);
            if (ev.data.scalar.anchor != NULL) {
                n->anchored = true;
                strmap_put(p.anchors, (const char *)ev.data.scalar.anchor, n);
            }
            add_value(&p, n);
            break;
        }
        case YAML_ALIAS_EVENT:
            handle_alias(&p, &ev);
            break;
        case YAML_MAPPING_START_EVENT: {
            struct ynode *n = node_new(YNODE_MAP, src, line, col);
            n->tag = tag_of(ev.data.mapping_start.tag);
            push_frame(&p, n, ev.data.mapping_start.anchor);
            break;
        }
        case YAML_SEQUENCE_START_EVENT: {
            struct ynode *n = node_new(YNODE_SEQ, src, line, col);
            n->tag = tag_of(ev.data.sequence_start.tag);
            push_frame(&p, n, ev.data.sequence_start.anchor);
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (p.depth > 0)
                pop_frame(&p);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (p.budget > ALIAS_BUDGET)
            break;
    }
    yaml_parser_delete(&yp);
    unwind(&p);
    ynode_free(p.root);
    for (size_t i = 0; i < p.ngrave; i++)
        ynode_free(p.grave[i]);
    free(p.grave);
    free(p.stack);
    strmap_free(p.anchors);
    return p.failed ? -1 : 0;
}

/* Frees every document. */
void ydocs_free(struct ydocs *docs)
{
    for (size_t i = 0; i < docs->n; i++)
        ynode_free(docs->v[i]);
    free(docs->v);
    docs->v = NULL;
    docs->n = 0;
}
