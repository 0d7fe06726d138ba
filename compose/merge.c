/* Compose merge rules on node trees (files, documents, extends). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/merge.h"
#include "core/util.h"

/* How the value at one path merges. */
enum rule {
    R_DEFAULT = 0, /* maps recursively, sequences appended, scalars replaced */
    R_REPLACE,     /* the override replaces the base */
    R_KV,          /* key/value lists or maps, merged by key */
    R_HOSTS,       /* extra_hosts: appended, duplicates dropped */
    R_SEQ,         /* string or list, appended */
    R_DEPENDS,     /* depends_on: list or map, merged by service */
    R_NETWORKS,    /* service networks: list or map, merged by network */
    R_BUILD,       /* build: string (context) or map */
    R_LOGGING,     /* options merged only for the same driver */
};

struct mctx {
    struct diag *d;
    const char **segs;
    size_t depth, cap;
    struct ypath path;
    bool failed;
};

/* Pushes a key onto the rule path and the message path. */
static void push(struct mctx *m, const char *key)
{
    m->segs = xreallocarray_grow(m->segs, &m->cap, m->depth + 1, sizeof(*m->segs));
    m->segs[m->depth++] = key;
    ypath_push_key(&m->path, key);
}

/* Drops the last path segment. */
static void pop(struct mctx *m)
{
    m->depth--;
    ypath_pop(&m->path);
}

/* True when segment i of the path is s. */
static bool seg_is(const struct mctx *m, size_t i, const char *s)
{
    return i < m->depth && strcmp(m->segs[i], s) == 0;
}

/* The merge rule for the current path. */
static enum rule rule_for(const struct mctx *m)
{
    if (m->depth == 3 && seg_is(m, 0, "services")) {
        static const struct {
            const char *key;
            enum rule rule;
        } svc[] = {
            {"environment", R_KV}, {"labels", R_KV},       {"annotations", R_KV},
            {"sysctls", R_KV},     {"extra_hosts", R_HOSTS}, {"command", R_REPLACE},
            {"entrypoint", R_REPLACE}, {"depends_on", R_DEPENDS}, {"networks", R_NETWORKS},
            {"build", R_BUILD},    {"logging", R_LOGGING}, {"dns", R_SEQ},
            {"dns_opt", R_SEQ},    {"dns_search", R_SEQ},  {"tmpfs", R_SEQ},
            {"env_file", R_SEQ},   {"label_file", R_SEQ},
        };
        for (size_t i = 0; i < ARRAY_LEN(svc); i++)
            if (strcmp(m->segs[2], svc[i].key) == 0)
                return svc[i].rule;
        return R_DEFAULT;
    }
    if (m->depth == 4 && seg_is(m, 0, "services")) {
        const char *a = m->segs[2], *b = m->segs[3];
        if (strcmp(a, "build") == 0) {
            if (strcmp(b, "args") == 0 || strcmp(b, "labels") == 0 ||
                strcmp(b, "additional_contexts") == 0)
                return R_KV;
            if (strcmp(b, "extra_hosts") == 0)
                return R_HOSTS;
        }
        if (strcmp(a, "deploy") == 0 && strcmp(b, "labels") == 0)
            return R_KV;
        if (strcmp(a, "healthcheck") == 0 && strcmp(b, "test") == 0)
            return R_REPLACE;
        if (strcmp(a, "ulimits") == 0)
            return R_REPLACE;
    }
    if (m->depth == 3 && (seg_is(m, 0, "networks") || seg_is(m, 0, "volumes")) &&
        seg_is(m, 2, "labels"))
        return R_KV;
    return R_DEFAULT;
}

/* Applies the tags of a first layer: !reset entries go, !override tags are dropped. */
void merge_clean(struct ynode *n)
{
    if (n == NULL)
        return;
    if (ynode_has_tag(n, "!override")) {
        free(n->tag);
        n->tag = NULL;
    }
    if (n->kind == YNODE_MAP) {
        for (size_t i = 0; i < n->n;) {
            if (ynode_has_tag(n->items[i], "!reset")) {
                ynode_free(ynode_map_take(n, i));
                continue;
            }
            merge_clean(n->items[i]);
            i++;
        }
    } else if (n->kind == YNODE_SEQ) {
        for (size_t i = 0; i < n->n;) {
            if (ynode_has_tag(n->items[i], "!reset")) {
                ynode_free(ynode_seq_take(n, i));
                continue;
            }
            merge_clean(n->items[i]);
            i++;
        }
    }
}

/* Frees a container node whose children were moved elsewhere. */
static void free_shell(struct ynode *n)
{
    n->n = 0;
    ynode_free(n);
}

/* A string or list as a list (other shapes unchanged). */
static struct ynode *as_seq(struct ynode *n)
{
    if (n->kind != YNODE_SCALAR || ynode_is_null(n))
        return n;
    struct ynode *s = ynode_new_seq(n->src, n->line, n->col);
    ynode_seq_push(s, n);
    return s;
}

/* A KEY=VALUE list (or a mapping) as a mapping; bare KEY becomes null. */
static struct ynode *kv_as_map(struct ynode *n)
{
    if (n->kind != YNODE_SEQ)
        return n;
    struct ynode *m = ynode_new_map(n->src, n->line, n->col);
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->items[i];
        if (it->kind != YNODE_SCALAR) {
            ynode_free(m);
            return n; /* not a KEY=VALUE list: leave it for validation */
        }
        const char *eq = strchr(it->text, '=');
        char *key = eq ? xstrndup(it->text, (size_t)(eq - it->text)) : xstrdup(it->text);
        struct ynode *v = eq ? ynode_new_str_at(eq + 1, it)
                             : ynode_new_scalar("", YSTYLE_PLAIN, it->src, it->line, it->col);
        struct ynode *k = ynode_new_scalar(key, YSTYLE_PLAIN, it->src, it->line, it->col);
        ynode_map_set(m, k, v);
        free(key);
    }
    ynode_free(n);
    return m;
}

/* extra_hosts in list form ("host=ip" for mapping entries, sorted like compose). */
static struct ynode *hosts_as_seq(struct ynode *n)
{
    if (n->kind != YNODE_MAP)
        return as_seq(n);
    struct ynode *s = ynode_new_seq(n->src, n->line, n->col);
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *v = n->items[i];
        const char *k = n->keys[i]->text;
        if (v->kind == YNODE_SEQ) {
            for (size_t j = 0; j < v->n; j++) {
                char *e = xasprintf("%s=%s", k, v->items[j]->text ? v->items[j]->text : "");
                ynode_seq_push(s, ynode_new_str_at(e, v->items[j]));
                free(e);
            }
        } else {
            char *e = xasprintf("%s=%s", k, v->text ? v->text : "");
            ynode_seq_push(s, ynode_new_str_at(e, v));
            free(e);
        }
    }
    ynode_free(n);
    return s;
}

/* A list of scalars as a mapping of each item to value_of(item); any other node as it is. */
static struct ynode *scalars_as_map(struct ynode *n,
                                    struct ynode *(*value_of)(const struct ynode *))
{
    if (n->kind != YNODE_SEQ)
        return n;
    struct ynode *m = ynode_new_map(n->src, n->line, n->col);
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->items[i];
        if (it->kind != YNODE_SCALAR) {
            ynode_free(m);
            return n;
        }
        struct ynode *value = value_of(it);
        ynode_map_set(m, ynode_new_scalar(it->text, YSTYLE_PLAIN, it->src, it->line, it->col),
                      value);
    }
    ynode_free(n);
    return m;
}

/* {condition: service_started, required: true}: a depends_on entry of the list form. */
static struct ynode *depends_default(const struct ynode *it)
{
    struct ynode *dep = ynode_new_map(it->src, it->line, it->col);
    ynode_map_set_str(dep, "condition", ynode_new_str_at("service_started", it));
    ynode_map_set_str(dep, "required",
                      ynode_new_scalar("true", YSTYLE_PLAIN, it->src, it->line, it->col));
    return dep;
}

/* The null value of a service network of the list form. */
static struct ynode *network_default(const struct ynode *it)
{
    return ynode_new_scalar("", YSTYLE_PLAIN, it->src, it->line, it->col);
}

/* build: CONTEXT as {context: CONTEXT}. */
static struct ynode *build_as_map(struct ynode *n)
{
    if (n->kind != YNODE_SCALAR || ynode_is_null(n))
        return n;
    struct ynode *m = ynode_new_map(n->src, n->line, n->col);
    ynode_map_set_str(m, "context", n);
    return m;
}

static struct ynode *merge_value(struct mctx *m, struct ynode *b, struct ynode *o);

/* Merges the entries of o into the mapping b (both consumed; returns b). */
static struct ynode *merge_map(struct mctx *m, struct ynode *b, struct ynode *o)
{
    for (size_t i = 0; i < o->n; i++) {
        struct ynode *k = o->keys[i], *v = o->items[i];
        long at = ynode_map_find(b, k->text);
        if (ynode_has_tag(v, "!reset")) {
            if (at >= 0)
                ynode_free(ynode_map_take(b, (size_t)at));
            ynode_free(k);
            ynode_free(v);
            continue;
        }
        if (ynode_has_tag(v, "!override") || at < 0) {
            merge_clean(v);
            ynode_map_set(b, k, v);
            continue;
        }
        push(m, k->text);
        b->items[at] = merge_value(m, b->items[at], v);
        pop(m);
        ynode_free(k);
    }
    free_shell(o);
    return b;
}

/* Key/value maps: a later key replaces (a null value unsets), !reset removes. */
static struct ynode *merge_kv(struct ynode *b, struct ynode *o)
{
    for (size_t i = 0; i < o->n; i++) {
        struct ynode *k = o->keys[i], *v = o->items[i];
        if (ynode_has_tag(v, "!reset")) {
            ynode_map_remove(b, k->text);
            ynode_free(k);
            ynode_free(v);
            continue;
        }
        merge_clean(v);
        ynode_map_set(b, k, v);
    }
    free_shell(o);
    return b;
}

/* Appends the items of sequence o to sequence b (both consumed; returns b). */
static struct ynode *append_seq(struct ynode *b, struct ynode *o)
{
    merge_clean(o);
    for (size_t i = 0; i < o->n; i++)
        ynode_seq_push(b, o->items[i]);
    free_shell(o);
    return b;
}

/* Appends the items of o that b does not already hold. */
static struct ynode *append_unique(struct ynode *b, struct ynode *o)
{
    merge_clean(o);
    for (size_t i = 0; i < o->n; i++) {
        bool dup = false;
        for (size_t j = 0; j < b->n && !dup; j++)
            dup = ynode_equal(b->items[j], o->items[i]);
        if (dup)
            ynode_free(o->items[i]);
        else
            ynode_seq_push(b, o->items[i]);
    }
    free_shell(o);
    return b;
}

/* The shape name used in messages. */
static const char *shape(const struct ynode *n)
{
    return n->kind == YNODE_MAP ? "a mapping" : n->kind == YNODE_SEQ ? "a list" : "a value";
}

/* Reports a value whose shape cannot merge with the base. */
static struct ynode *mismatch(struct mctx *m, struct ynode *b, struct ynode *o)
{
    diag_add(m->d, o, ypath_str(&m->path),
             "give both files the same shape here, or tag the override with !override",
             "cannot override %s with %s (the base, at %s:%d, is %s)", shape(b), shape(o),
             b->src ? b->src->name : "?", b->line, shape(b));
    m->failed = true;
    ynode_free(o);
    return b;
}

/* Merges the value o over b at the current path (both consumed). */
static struct ynode *merge_value(struct mctx *m, struct ynode *b, struct ynode *o)
{
    if (ynode_has_tag(o, "!override")) {
        ynode_free(b);
        merge_clean(o);
        return o;
    }
    switch (rule_for(m)) {
    case R_REPLACE:
        ynode_free(b);
        merge_clean(o);
        return o;
    case R_KV:
        b = kv_as_map(b);
        o = kv_as_map(o);
        if (b->kind == YNODE_MAP && o->kind == YNODE_MAP)
            return merge_kv(b, o);
        break;
    case R_HOSTS:
        b = hosts_as_seq(b);
        o = hosts_as_seq(o);
        if (b->kind == YNODE_SEQ && o->kind == YNODE_SEQ)
            return append_unique(b, o);
        break;
    case R_SEQ:
        b = as_seq(b);
        o = as_seq(o);
        break;
    case R_DEPENDS:
        b = scalars_as_map(b, depends_default);
        o = scalars_as_map(o, depends_default);
        break;
    case R_NETWORKS:
        b = scalars_as_map(b, network_default);
        o = scalars_as_map(o, network_default);
        break;
    case R_BUILD:
        b = build_as_map(b);
        o = build_as_map(o);
        break;
    case R_LOGGING:
        if (b->kind == YNODE_MAP && o->kind == YNODE_MAP) {
            struct ynode *bd = ynode_map_get(b, "driver"), *od = ynode_map_get(o, "driver");
            if (bd != NULL && od != NULL && !ynode_equal(bd, od)) {
                ynode_free(b);
                merge_clean(o);
                return o;
            }
        }
        break;
    case R_DEFAULT:
        break;
    }
    if (o->kind == YNODE_SCALAR && ynode_is_null(o) && o->tag == NULL) {
        ynode_free(o); /* an explicit null keeps what the base defines */
        return b;
    }
    if (b->kind == YNODE_MAP) {
        if (o->kind != YNODE_MAP)
            return mismatch(m, b, o);
        return merge_map(m, b, o);
    }
    if (b->kind == YNODE_SEQ) {
        if (o->kind != YNODE_SEQ)
            return mismatch(m, b, o);
        return append_seq(b, o);
    }
    ynode_free(b);
    merge_clean(o);
    return o;
}

/* Merges the documents of one file, keeping the tags of the first. */
int merge_docs(struct ynode **base, struct ynode *over, struct diag *d)
{
    if (*base == NULL) {
        *base = over; /* tags stay: they apply when this file meets the files before it */
        return 0;
    }
    return merge_into(base, over, d);
}

/* Merges a file tree over the project tree. */
int merge_into(struct ynode **base, struct ynode *over, struct diag *d)
{
    if (*base == NULL) {
        merge_clean(over);
        *base = over;
        return 0;
    }
    struct mctx m = {.d = d};
    ypath_init(&m.path);
    *base = merge_value(&m, *base, over);
    ypath_free(&m.path);
    free(m.segs);
    return m.failed ? -1 : 0;
}

/* Merges a service over the service it extends. */
struct ynode *merge_service(struct ynode *base, struct ynode *over, const char *name,
                            struct diag *d)
{
    struct mctx m = {.d = d};
    ypath_init(&m.path);
    push(&m, "services");
    push(&m, name);
    struct ynode *r = merge_value(&m, base, over);
    ypath_free(&m.path);
    free(m.segs);
    return r;
}
