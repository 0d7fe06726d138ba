/* Normalisation of a merged project tree into docker compose's model shape. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/dotenv.h"
#include "compose/loader.h"
#include "compose/normalize.h"
#include "compose/paths.h"
#include "compose/syntax.h"
#include "compose/vars.h"
#include "core/util.h"

/* ---------------------------------------------------------------- position index */

void posidx_init(struct posidx *p)
{
    p->nodes = strmap_new();
    p->origins = strmap_new();
}

/* Frees the index maps. */
void posidx_free(struct posidx *p)
{
    strmap_free(p->nodes);
    strmap_free(p->origins);
    p->nodes = p->origins = NULL;
}

const struct ynode *posidx_get(const struct posidx *p, const char *path)
{
    return p && p->nodes ? strmap_get(p->nodes, path, NULL) : NULL;
}

/* The attribute that created an implicit dependency. */
const char *posidx_origin(const struct posidx *p, const char *path)
{
    return p && p->origins ? strmap_get(p->origins, path, NULL) : NULL;
}

/* ---------------------------------------------------------------- context */

struct nz {
    const struct nz_opts *o;
    struct diag *d;
    struct posidx *pos;
    struct ypath path;
};

/* Records the current path as coming from n. */
static void rec(struct nz *z, const struct ynode *n)
{
    if (z->pos != NULL && n != NULL)
        strmap_put(z->pos->nodes, ypath_str(&z->path), (void *)n);
}

/* Records a child key of the current path. */
static void rec_key(struct nz *z, const char *key, const struct ynode *n)
{
    ypath_push_key(&z->path, key);
    rec(z, n);
    ypath_pop(&z->path);
}

/* Records an error at n with the current path. */
static void err(struct nz *z, const struct ynode *n, const char *hint, const char *fmt, ...)
    BERTH_PRINTF(4, 5);
static void err(struct nz *z, const struct ynode *n, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag_add(z->d, n, ypath_str(&z->path), hint, "%s", msg);
    free(msg);
}

/* Pushes a key on the path; returns the node for chaining. */
static void push(struct nz *z, const char *key)
{
    ypath_push_key(&z->path, key);
}

/* Pushes a list index on the path. */
static void pushi(struct nz *z, size_t i)
{
    ypath_push_index(&z->path, i);
}

/* Drops the last path segment. */
static void pop(struct nz *z)
{
    ypath_pop(&z->path);
}

/* ---------------------------------------------------------------- scalars */

json_t *normalize_plain(const struct ynode *n)
{
    if (n == NULL)
        return json_null();
    switch (n->kind) {
    case YNODE_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; i < n->n; i++)
            json_object_set_new(o, n->keys[i]->text, normalize_plain(n->items[i]));
        return o;
    }
    case YNODE_SEQ: {
        json_t *a = json_array();
        for (size_t i = 0; i < n->n; i++)
            json_array_append_new(a, normalize_plain(n->items[i]));
        return a;
    }
    case YNODE_SCALAR:
        break;
    }
    long long iv;
    double dv;
    bool bv;
    switch (ynode_type(n)) {
    case YTYPE_NULL:
        return json_null();
    case YTYPE_BOOL:
        yscalar_bool(n, &bv);
        return json_boolean(bv);
    case YTYPE_INT:
        if (yscalar_int(n, &iv))
            return json_integer(iv);
        break;
    case YTYPE_FLOAT:
        if (yscalar_number(n, &dv))
            return json_real(dv);
        break;
    default:
        break;
    }
    return json_stringn(n->text, n->len);
}

/* The text of a scalar as a JSON string (NULL for null or a non-scalar). */
static json_t *j_text(const struct ynode *n)
{
    if (n == NULL || n->kind != YNODE_SCALAR || ynode_is_null(n))
        return NULL;
    return json_stringn(n->text, n->len);
}

/* True when a value is an un-interpolated template kept as text (--no-interpolate). */
static bool raw_template(const struct nz *z, const struct ynode *n)
{
    return z->o->no_interpolate && n->kind == YNODE_SCALAR && strchr(n->text, '$') != NULL;
}

/* A boolean value, or an error. */
static json_t *j_bool(struct nz *z, const struct ynode *n)
{
    bool v;
    if (yscalar_bool(n, &v))
        return json_boolean(v);
    if (raw_template(z, n))
        return j_text(n);
    err(z, n, "use true or false", "invalid boolean \"%s\"", n->text ? n->text : "");
    return NULL;
}

/* An integer value, or an error. */
static json_t *j_int(struct nz *z, const struct ynode *n)
{
    long long v;
    if (yscalar_int(n, &v))
        return json_integer(v);
    if (raw_template(z, n))
        return j_text(n);
    err(z, n, "use a whole number", "invalid integer \"%s\"", n->text ? n->text : "");
    return NULL;
}

/* A number: an integer when whole, else a real. */
static json_t *j_num(struct nz *z, const struct ynode *n)
{
    double v;
    long long iv;
    if (yscalar_int(n, &iv))
        return json_integer(iv);
    if (yscalar_number(n, &v))
        return json_real(v);
    if (raw_template(z, n))
        return j_text(n);
    err(z, n, "use a number, e.g. 0.5", "invalid number \"%s\"", n->text ? n->text : "");
    return NULL;
}

/* A duration in Go's format, or an error. */
static json_t *j_duration(struct nz *z, const struct ynode *n)
{
    int64_t ns;
    if (n->kind == YNODE_SCALAR && ynode_type(n) != YTYPE_NULL && syntax_duration(n->text, &ns)) {
        char *s = syntax_duration_string(ns);
        json_t *j = json_string(s);
        free(s);
        return j;
    }
    if (raw_template(z, n))
        return j_text(n);
    err(z, n, "use a number with a unit: 10s, 1m30s, 500ms, 2h (units: us ms s m h d w)",
        "invalid duration \"%s\"", n->text ? n->text : "");
    return NULL;
}

/* A byte size, as the decimal string docker compose prints. */
static json_t *j_bytes(struct nz *z, const struct ynode *n)
{
    int64_t v;
    long long iv;
    char buf[32];
    if (yscalar_int(n, &iv)) {
        snprintf(buf, sizeof(buf), "%lld", iv);
        return json_string(buf);
    }
    if (n->kind == YNODE_SCALAR && syntax_bytes(n->text, &v)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)v);
        return json_string(buf);
    }
    if (raw_template(z, n))
        return j_text(n);
    err(z, n, "use a number of bytes or a size with a unit: 512m, 1g, 64k",
        "invalid size \"%s\"", n->text ? n->text : "");
    return NULL;
}

/* Sets key to v when v is not NULL. */
static void put(json_t *o, const char *key, json_t *v)
{
    if (v != NULL)
        json_object_set_new(o, key, v);
}

/* A list of strings from a string or a list (numbers as text), duplicates dropped. */
static json_t *j_strlist(const struct ynode *n, bool unique)
{
    json_t *a = json_array();
    if (n->kind == YNODE_SCALAR) {
        if (!ynode_is_null(n))
            json_array_append_new(a, json_stringn(n->text, n->len));
        return a;
    }
    if (n->kind != YNODE_SEQ)
        return a;
    struct strmap *seen = unique ? strmap_new() : NULL;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *it = n->items[i];
        if (it->kind != YNODE_SCALAR || ynode_is_null(it))
            continue;
        if (seen != NULL) {
            if (strmap_has(seen, it->text))
                continue;
            strmap_put(seen, it->text, NULL);
        }
        json_array_append_new(a, json_stringn(it->text, it->len));
    }
    strmap_free(seen);
    return a;
}

/* A path text written at node at, resolved against the directory it came from. */
static char *resolve_text(const struct nz *z, const struct ynode *at, const char *text)
{
    const char *base = at && at->src ? at->src->base_dir : z->o->workdir;
    return paths_resolve(base, text, z->o->home);
}

/* A path written in the file, resolved against the directory it came from. */
static char *resolve_path(const struct nz *z, const struct ynode *n)
{
    return resolve_text(z, n, n->text);
}

/* ---------------------------------------------------------------- key/value lists */

enum nullmode {
    NULL_KEEP,     /* null */
    NULL_EMPTY,    /* "" (labels) */
    NULL_ENV,      /* from the environment, else null (environment) */
    NULL_ENV_DROP, /* from the environment, else left out (build args) */
};

/* A list_or_dict as a JSON object of strings. */
static json_t *kv_object(struct nz *z, const struct ynode *n, enum nullmode mode, bool env_checks)
{
    json_t *o = json_object();
    if (n == NULL || (n->kind != YNODE_MAP && n->kind != YNODE_SEQ))
        return o;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *it = n->items[i];
        char *key;
        const char *val = NULL;
        size_t vlen = 0;
        if (n->kind == YNODE_MAP) {
            key = xstrdup(n->keys[i]->text);
            if (it->kind == YNODE_SCALAR && !ynode_is_null(it)) {
                val = it->text;
                vlen = it->len;
            }
        } else {
            if (it->kind != YNODE_SCALAR)
                continue;
            const char *eq = strchr(it->text, '=');
            key = eq ? xstrndup(it->text, (size_t)(eq - it->text)) : xstrdup(it->text);
            if (eq != NULL) {
                val = eq + 1;
                vlen = it->len - (size_t)(eq + 1 - it->text);
            }
        }
        if (env_checks && *key != '\0' && key[strlen(key) - 1] == ' ') {
            pushi(z, i);
            err(z, it, "remove the spaces around '=' (write KEY=value)",
                "environment variable %s is declared with a trailing space", key);
            pop(z);
            free(key);
            continue;
        }
        json_t *v = NULL;
        if (val != NULL) {
            v = json_stringn(val, vlen);
        } else {
            const char *fromenv = NULL;
            switch (mode) {
            case NULL_KEEP:
                v = json_null();
                break;
            case NULL_EMPTY:
                v = json_string("");
                break;
            case NULL_ENV:
                fromenv = vars_lookup(key, (void *)z->o->env);
                v = fromenv ? json_string(fromenv) : json_null();
                break;
            case NULL_ENV_DROP:
                fromenv = vars_lookup(key, (void *)z->o->env);
                v = fromenv ? json_string(fromenv) : NULL;
                break;
            }
        }
        if (v != NULL)
            json_object_set_new(o, key, v);
        else
            json_object_del(o, key);
        free(key);
    }
    return o;
}

/* ---------------------------------------------------------------- commands, hosts */

/* command / entrypoint: a string is split like a shell would; null stays null. */
static json_t *j_command(struct nz *z, const struct ynode *n)
{
    if (n->kind == YNODE_SEQ)
        return j_strlist(n, false);
    if (ynode_is_null(n))
        return json_null();
    struct syntax_err e = {0};
    json_t *a = syntax_shell_split(n->text, &e);
    if (a == NULL) {
        err(z, n, e.hint, "%s", e.msg);
        syntax_err_clear(&e);
    }
    return a;
}

/* qsort comparator for JSON strings in an array copy. */
static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* extra_hosts as sorted "host=ip" strings (':' accepted as separator, brackets dropped). */
static json_t *j_hosts(struct nz *z, const struct ynode *n)
{
    struct strv items;
    strv_init(&items);
    if (n->kind == YNODE_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const struct ynode *v = n->items[i];
            const char *host = n->keys[i]->text;
            if (v->kind == YNODE_SEQ) {
                for (size_t j = 0; j < v->n; j++)
                    strv_pushf(&items, "%s=%s", host, v->items[j]->text);
            } else {
                strv_pushf(&items, "%s=%s", host, ynode_is_null(v) ? "" : v->text);
            }
        }
    } else if (n->kind == YNODE_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const struct ynode *it = n->items[i];
            const char *s = it->text;
            const char *sep = strchr(s, '=');
            if (sep == NULL)
                sep = strchr(s, ':');
            if (sep == NULL || sep == s) {
                pushi(z, i);
                err(z, it, "write HOST=IP, e.g. somehost=162.242.195.82",
                    "invalid additional host, missing IP: %s", s);
                pop(z);
                continue;
            }
            char *host = xstrndup(s, (size_t)(sep - s));
            /* several IPs may be given comma-separated */
            char *ips = xstrdup(sep + 1), *save = NULL;
            for (char *ip = strtok_r(ips, ",", &save); ip; ip = strtok_r(NULL, ",", &save))
                strv_pushf(&items, "%s=%s", host, ip);
            free(ips);
            free(host);
        }
    }
    for (size_t i = 0; i < items.n; i++) {
        char *s = items.v[i];
        char *eq = strchr(s, '=');
        size_t l = strlen(eq + 1);
        if (l > 2 && eq[1] == '[' && eq[l] == ']') {
            memmove(eq + 1, eq + 2, l - 2);
            eq[l - 1] = '\0';
        }
    }
    if (items.n > 1)
        qsort(items.v, items.n, sizeof(*items.v), cmp_cstr);
    json_t *a = json_array();
    for (size_t i = 0; i < items.n; i++)
        if (i == 0 || strcmp(items.v[i], items.v[i - 1]) != 0)
            json_array_append_new(a, json_string(items.v[i]));
    strv_free(&items);
    return a;
}

/* ulimits: NAME: N or {soft, hard}. */
static json_t *j_ulimits(struct nz *z, const struct ynode *n)
{
    json_t *o = json_object();
    for (size_t i = 0; n->kind == YNODE_MAP && i < n->n; i++) {
        const struct ynode *v = n->items[i];
        push(z, n->keys[i]->text);
        if (v->kind == YNODE_MAP) {
            json_t *u = json_object();
            const struct ynode *soft = ynode_map_get(v, "soft"), *hard = ynode_map_get(v, "hard");
            if (soft)
                put(u, "soft", j_int(z, soft));
            if (hard)
                put(u, "hard", j_int(z, hard));
            json_object_set_new(o, n->keys[i]->text, u);
        } else {
            put(o, n->keys[i]->text, j_int(z, v));
        }
        pop(z);
    }
    return o;
}

/* ---------------------------------------------------------------- generic typed objects */

/* Field kinds for typed sub-objects (deploy, healthcheck ...). */
enum fk { FK_STR, FK_BOOL, FK_INT, FK_NUM, FK_DUR, FK_BYTES, FK_KV, FK_STRLIST, FK_PLAIN };

struct field {
    const char *name;
    enum fk kind;
};

/* Converts one value by field kind. */
static json_t *by_kind(struct nz *z, const struct ynode *v, enum fk kind)
{
    switch (kind) {
    case FK_STR:
        return j_text(v);
    case FK_BOOL:
        return j_bool(z, v);
    case FK_INT:
        return j_int(z, v);
    case FK_NUM:
        return j_num(z, v);
    case FK_DUR:
        return j_duration(z, v);
    case FK_BYTES:
        return j_bytes(z, v);
    case FK_KV:
        return kv_object(z, v, NULL_EMPTY, false);
    case FK_STRLIST:
        return j_strlist(v, false);
    case FK_PLAIN:
        return normalize_plain(v);
    }
    return NULL;
}

/* A mapping whose known keys are typed by fields; other keys kept plain. */
static json_t *typed(struct nz *z, const struct ynode *n, const struct field *fields)
{
    json_t *o = json_object();
    if (n == NULL || n->kind != YNODE_MAP)
        return o;
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->text;
        const struct ynode *v = n->items[i];
        push(z, k);
        const struct field *f = NULL;
        for (const struct field *p = fields; p->name; p++)
            if (strcmp(p->name, k) == 0)
                f = p;
        if (ynode_is_null(v) && v->kind == YNODE_SCALAR)
            ; /* an explicit null is the same as leaving the key out */
        else
            put(o, k, by_kind(z, v, f ? f->kind : FK_PLAIN));
        pop(z);
    }
    return o;
}

/* ---------------------------------------------------------------- service parts */

static json_t *j_healthcheck(struct nz *z, const struct ynode *n)
{
    static const struct field f[] = {{"disable", FK_BOOL},     {"interval", FK_DUR},
                                     {"timeout", FK_DUR},      {"start_period", FK_DUR},
                                     {"start_interval", FK_DUR}, {"retries", FK_INT},
                                     {"test", FK_STRLIST},     {NULL, FK_STR}};
    json_t *h = typed(z, n, f);
    const struct ynode *test = ynode_map_get(n, "test");
    if (test != NULL && test->kind == YNODE_SCALAR && !ynode_is_null(test)) {
        json_t *t = json_array();
        json_array_append_new(t, json_string("CMD-SHELL"));
        json_array_append_new(t, json_stringn(test->text, test->len));
        json_object_set_new(h, "test", t);
    }
    return h;
}

/* logging: {driver, options} with option values as strings. */
static json_t *j_logging(struct nz *z, const struct ynode *n)
{
    json_t *o = json_object();
    for (size_t i = 0; n->kind == YNODE_MAP && i < n->n; i++) {
        const char *k = n->keys[i]->text;
        const struct ynode *v = n->items[i];
        if (strcmp(k, "options") == 0 && v->kind == YNODE_MAP) {
            json_t *opts = json_object();
            for (size_t j = 0; j < v->n; j++)
                if (!ynode_is_null(v->items[j]))
                    json_object_set_new(opts, v->keys[j]->text, j_text(v->items[j]));
            json_object_set_new(o, "options", opts);
        } else if (!ynode_is_null(v)) {
            json_object_set_new(o, k, normalize_plain(v));
        }
    }
    (void)z;
    return o;
}

/* deploy.resources.{limits,reservations} */
static json_t *j_resource(struct nz *z, const struct ynode *n)
{
    static const struct field f[] = {{"cpus", FK_NUM}, {"memory", FK_BYTES}, {"pids", FK_INT},
                                     {NULL, FK_STR}};
    json_t *o = typed(z, n, f);
    const struct ynode *devs = ynode_map_get(n, "devices");
    if (devs != NULL && devs->kind == YNODE_SEQ) {
        json_t *a = json_array();
        push(z, "devices");
        for (size_t i = 0; i < devs->n; i++) {
            const struct ynode *d = devs->items[i];
            pushi(z, i);
            json_t *dj = json_object();
            for (size_t j = 0; d->kind == YNODE_MAP && j < d->n; j++) {
                const char *k = d->keys[j]->text;
                const struct ynode *v = d->items[j];
                if (strcmp(k, "count") == 0) {
                    long long cnt;
                    if (yscalar_int(v, &cnt))
                        json_object_set_new(dj, k, json_integer(cnt));
                    else if (strcmp(v->text, "all") == 0)
                        json_object_set_new(dj, k, json_string("all"));
                    else {
                        push(z, "count");
                        err(z, v, "use a number of devices or all",
                            "invalid value \"%s\", the only value allowed is 'all' or a number",
                            v->text);
                        pop(z);
                    }
                } else if (strcmp(k, "options") == 0) {
                    json_object_set_new(dj, k, kv_object(z, v, NULL_EMPTY, false));
                } else {
                    json_object_set_new(dj, k, normalize_plain(v));
                }
            }
            json_array_append_new(a, dj);
            pop(z);
        }
        pop(z);
        json_object_set_new(o, "devices", a);
    }
    return o;
}

/* deploy with its typed fields. */
static json_t *j_deploy(struct nz *z, const struct ynode *n)
{
    static const struct field top[] = {{"mode", FK_STR}, {"endpoint_mode", FK_STR},
                                       {"replicas", FK_INT}, {"labels", FK_KV}, {NULL, FK_STR}};
    static const struct field upd[] = {{"parallelism", FK_INT}, {"delay", FK_DUR},
                                       {"failure_action", FK_STR}, {"monitor", FK_DUR},
                                       {"max_failure_ratio", FK_NUM}, {"order", FK_STR},
                                       {NULL, FK_STR}};
    static const struct field rp[] = {{"condition", FK_STR}, {"delay", FK_DUR},
                                      {"max_attempts", FK_INT}, {"window", FK_DUR},
                                      {NULL, FK_STR}};
    static const struct field pl[] = {{"constraints", FK_STRLIST},
                                      {"max_replicas_per_node", FK_INT}, {NULL, FK_STR}};
    if (n->kind != YNODE_MAP)
        return json_object();
    json_t *o = typed(z, n, top);
    static const char *const upds[] = {"update_config", "rollback_config"};
    for (size_t i = 0; i < 2; i++) {
        const struct ynode *u = ynode_map_get(n, upds[i]);
        if (u != NULL) {
            push(z, upds[i]);
            json_object_set_new(o, upds[i], typed(z, u, upd));
            pop(z);
        }
    }
    const struct ynode *r = ynode_map_get(n, "restart_policy");
    if (r != NULL) {
        push(z, "restart_policy");
        json_object_set_new(o, "restart_policy", typed(z, r, rp));
        pop(z);
    }
    const struct ynode *p = ynode_map_get(n, "placement");
    if (p != NULL) {
        push(z, "placement");
        json_object_set_new(o, "placement", typed(z, p, pl));
        pop(z);
    }
    const struct ynode *res = ynode_map_get(n, "resources");
    if (res != NULL && res->kind == YNODE_MAP) {
        json_t *rj = json_object();
        push(z, "resources");
        for (size_t i = 0; i < res->n; i++) {
            const char *k = res->keys[i]->text;
            push(z, k);
            if (strcmp(k, "limits") == 0 || strcmp(k, "reservations") == 0)
                json_object_set_new(rj, k, j_resource(z, res->items[i]));
            else
                json_object_set_new(rj, k, normalize_plain(res->items[i]));
            pop(z);
        }
        pop(z);
        json_object_set_new(o, "resources", rj);
    }
    return o;
}

/* secrets / configs of a service: {source, target, uid, gid, mode}. */
static json_t *j_filerefs(struct nz *z, const struct ynode *n)
{
    json_t *a = json_array();
    struct strmap *by_target = strmap_new();
    for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n; i++) {
        const struct ynode *it = n->items[i];
        json_t *r = json_object();
        if (it->kind == YNODE_SCALAR) {
            json_object_set_new(r, "source", json_stringn(it->text, it->len));
        } else {
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->keys[j]->text;
                const struct ynode *v = it->items[j];
                if (ynode_is_null(v))
                    continue;
                if (strcmp(k, "mode") == 0) {
                    long long m = 0;
                    bool ok;
                    if (ynode_type(v) == YTYPE_STR && !v->interpolated) {
                        char *end;
                        m = strtoll(v->text, &end, 8); /* a quoted mode is octal text */
                        ok = *v->text && *end == '\0';
                    } else {
                        ok = yscalar_int(v, &m);
                    }
                    if (!ok) {
                        pushi(z, i);
                        push(z, "mode");
                        err(z, v, "write the mode in octal, e.g. 0440", "invalid file mode \"%s\"",
                            v->text);
                        pop(z);
                        pop(z);
                        continue;
                    }
                    char buf[32];
                    snprintf(buf, sizeof(buf), "0%llo", (unsigned long long)m);
                    json_object_set_new(r, "mode", json_string(buf));
                } else {
                    json_object_set_new(r, k, normalize_plain(v));
                }
            }
        }
        pushi(z, i);
        rec(z, it);
        pop(z);
        const char *tgt = json_string_value(json_object_get(r, "target"));
        const char *src = json_string_value(json_object_get(r, "source"));
        char *key = xstrdup(tgt ? tgt : src ? src : "");
        void *at = strmap_get(by_target, key, NULL);
        if (at != NULL) {
            json_array_set_new(a, (size_t)(uintptr_t)at - 1, r);
        } else {
            json_array_append_new(a, r);
            strmap_put(by_target, key, (void *)(uintptr_t)json_array_size(a));
        }
        free(key);
    }
    strmap_free(by_target);
    return a;
}

/* devices: "src[:dst[:perm]]" or {source, target, permissions}. */
static json_t *j_devices(struct nz *z, const struct ynode *n)
{
    json_t *a = json_array();
    for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n; i++) {
        const struct ynode *it = n->items[i];
        pushi(z, i);
        rec(z, it);
        if (it->kind == YNODE_MAP) {
            json_array_append_new(a, normalize_plain(it));
            pop(z);
            continue;
        }
        char *parts[4] = {0};
        size_t np = 0;
        char *copy = xstrdup(it->text), *save = NULL;
        for (char *p = strtok_r(copy, ":", &save); p && np < 4; p = strtok_r(NULL, ":", &save))
            parts[np++] = p;
        if (np == 0 || np > 3) {
            err(z, it, "use the long syntax: {source: ..., target: ..., permissions: rwm}",
                "confusing device mapping, please use long syntax: %s", it->text);
        } else {
            json_t *d = json_object();
            json_object_set_new(d, "source", json_string(parts[0]));
            json_object_set_new(d, "target", json_string(np > 1 ? parts[1] : parts[0]));
            json_object_set_new(d, "permissions", json_string(np > 2 ? parts[2] : "rwm"));
            json_array_append_new(a, d);
        }
        free(copy);
        pop(z);
    }
    return a;
}

/* A dedup key for a long-syntax port. */
static char *port_key(const json_t *p)
{
    const char *ip = json_string_value(json_object_get(p, "host_ip"));
    const char *pub = json_string_value(json_object_get(p, "published"));
    const char *proto = json_string_value(json_object_get(p, "protocol"));
    return xasprintf("%s:%s:%lld/%s", ip ? ip : "", pub ? pub : "",
                     (long long)json_integer_value(json_object_get(p, "target")),
                     proto ? proto : "tcp");
}

/* Adds a port unless an identical one is there (a later one replaces it in place). */
static void port_add(json_t *a, struct strmap *seen, json_t *p)
{
    char *k = port_key(p);
    void *at = strmap_get(seen, k, NULL);
    if (at != NULL) {
        json_array_set_new(a, (size_t)(uintptr_t)at - 1, p);
    } else {
        json_array_append_new(a, p);
        strmap_put(seen, k, (void *)(uintptr_t)json_array_size(a));
    }
    free(k);
}

/* ports in long syntax: ranges expanded, exact duplicates dropped. */
static json_t *j_ports(struct nz *z, const struct ynode *n)
{
    json_t *a = json_array();
    struct strmap *seen = strmap_new();
    for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n; i++) {
        const struct ynode *it = n->items[i];
        pushi(z, i);
        if (it->kind == YNODE_SCALAR) {
            if (raw_template(z, it)) {
                json_array_append_new(a, j_text(it));
                pop(z);
                continue;
            }
            json_t *tmp = json_array();
            struct syntax_err e = {0};
            if (!syntax_ports(it->text, tmp, &e)) {
                err(z, it, e.hint, "invalid port \"%s\": %s", it->text, e.msg);
                syntax_err_clear(&e);
            }
            size_t k;
            json_t *p;
            json_array_foreach(tmp, k, p) port_add(a, seen, json_incref(p));
            json_decref(tmp);
        } else if (it->kind == YNODE_MAP) {
            json_t *p = json_object();
            const struct ynode *t = ynode_map_get(it, "target");
            if (t == NULL) {
                err(z, it, "add target: CONTAINER_PORT", "port is missing its target");
                json_decref(p);
                pop(z);
                continue;
            }
            json_object_set_new(p, "mode", json_string("ingress"));
            json_object_set_new(p, "protocol", json_string("tcp"));
            for (size_t j = 0; j < it->n; j++) {
                const char *key = it->keys[j]->text;
                const struct ynode *v = it->items[j];
                if (ynode_is_null(v))
                    continue;
                push(z, key);
                if (strcmp(key, "target") == 0) {
                    json_t *tv = j_int(z, v);
                    long long tn = json_integer_value(tv);
                    if (tv != NULL && json_is_integer(tv) && (tn < 0 || tn > 65535))
                        err(z, v, "use a port from 1 to 65535", "invalid target port %lld", tn);
                    put(p, key, tv);
                } else if (strcmp(key, "published") == 0) {
                    put(p, key, j_text(v));
                } else if (strcmp(key, "protocol") == 0) {
                    char *pr = xstrdup(v->text);
                    for (char *c = pr; *c; c++)
                        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
                    json_object_set_new(p, key, json_string(pr));
                    free(pr);
                } else {
                    json_object_set_new(p, key, normalize_plain(v));
                }
                pop(z);
            }
            port_add(a, seen, p);
        } else {
            char buf[32];
            long long pn;
            if (yscalar_int(it, &pn)) {
                snprintf(buf, sizeof(buf), "%lld", pn);
                json_t *tmp = json_array();
                struct syntax_err e = {0};
                if (!syntax_ports(buf, tmp, &e)) {
                    err(z, it, e.hint, "invalid port %s: %s", buf, e.msg);
                    syntax_err_clear(&e);
                }
                size_t k;
                json_t *p;
                json_array_foreach(tmp, k, p) port_add(a, seen, json_incref(p));
                json_decref(tmp);
            }
        }
        pop(z);
    }
    strmap_free(seen);
    /* record the final positions of the (possibly expanded) entries */
    return a;
}

/* Resolves a long-syntax volume's source and checks it. */
static void volume_fix(struct nz *z, json_t *v, const struct ynode *at)
{
    const char *type = json_string_value(json_object_get(v, "type"));
    const char *src = json_string_value(json_object_get(v, "source"));
    if (type != NULL && strcmp(type, "bind") == 0) {
        if (src == NULL || *src == '\0') {
            err(z, at, "add source: HOST_PATH, or use type: volume",
                "invalid mount config for type \"bind\": field Source must not be empty");
            return;
        }
        char *abs = resolve_text(z, at, src);
        json_object_set_new(v, "source", json_string(abs));
        free(abs);
    }
    if (json_object_get(v, "target") == NULL &&
        (type == NULL || strcmp(type, "image") != 0))
        err(z, at, "add target: CONTAINER_PATH", "volume is missing its target");
}

/* One long-syntax volume with typed fields. */
static json_t *j_volume_long(struct nz *z, const struct ynode *it)
{
    json_t *v = json_object();
    for (size_t j = 0; j < it->n; j++) {
        const char *key = it->keys[j]->text;
        const struct ynode *val = it->items[j];
        if (ynode_is_null(val) && val->kind == YNODE_SCALAR)
            continue;
        push(z, key);
        if (strcmp(key, "read_only") == 0) {
            put(v, key, j_bool(z, val));
        } else if (strcmp(key, "bind") == 0) {
            static const struct field f[] = {{"create_host_path", FK_BOOL}, {NULL, FK_STR}};
            json_object_set_new(v, key, typed(z, val, f));
        } else if (strcmp(key, "volume") == 0) {
            static const struct field f[] = {{"nocopy", FK_BOOL}, {"labels", FK_KV},
                                             {NULL, FK_STR}};
            json_object_set_new(v, key, typed(z, val, f));
        } else if (strcmp(key, "tmpfs") == 0) {
            static const struct field f[] = {{"size", FK_BYTES}, {"mode", FK_INT},
                                             {NULL, FK_STR}};
            json_object_set_new(v, key, typed(z, val, f));
        } else {
            json_object_set_new(v, key, normalize_plain(val));
        }
        pop(z);
    }
    return v;
}

/* volumes in long syntax, unique by target, sources resolved. */
static json_t *j_volumes(struct nz *z, const struct ynode *n)
{
    json_t *a = json_array();
    struct strmap *by_target = strmap_new();
    const struct ynode **nodes = xcalloc(n->n + 1, sizeof(*nodes));
    for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n; i++) {
        const struct ynode *it = n->items[i];
        pushi(z, i);
        json_t *v = NULL;
        if (it->kind == YNODE_SCALAR) {
            struct syntax_err e = {0};
            v = syntax_volume(it->text, &e);
            if (v == NULL) {
                err(z, it, e.hint, "%s", e.msg);
                syntax_err_clear(&e);
            }
        } else if (it->kind == YNODE_MAP) {
            v = j_volume_long(z, it);
        }
        if (v != NULL) {
            volume_fix(z, v, it);
            const char *t = json_string_value(json_object_get(v, "target"));
            char *key = xstrdup(t ? t : "");
            void *at = strmap_get(by_target, key, NULL);
            if (at != NULL && *key) {
                json_array_set_new(a, (size_t)(uintptr_t)at - 1, v);
                nodes[(size_t)(uintptr_t)at - 1] = it;
            } else {
                nodes[json_array_size(a)] = it;
                json_array_append_new(a, v);
                strmap_put(by_target, key, (void *)(uintptr_t)json_array_size(a));
            }
            free(key);
        }
        pop(z);
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        pushi(z, i);
        rec(z, nodes[i]);
        pop(z);
    }
    free(nodes);
    strmap_free(by_target);
    return a;
}

/* build: {context, dockerfile, args ...} with defaults and paths resolved. */
static json_t *j_build(struct nz *z, const struct ynode *n)
{
    static const struct field f[] = {
        {"context", FK_STR},      {"dockerfile", FK_STR},   {"dockerfile_inline", FK_STR},
        {"target", FK_STR},       {"network", FK_STR},      {"isolation", FK_STR},
        {"no_cache", FK_BOOL},    {"pull", FK_BOOL},        {"privileged", FK_BOOL},
        {"shm_size", FK_BYTES},   {"labels", FK_KV},        {"cache_from", FK_STRLIST},
        {"cache_to", FK_STRLIST}, {"tags", FK_STRLIST},     {"platforms", FK_STRLIST},
        {"entitlements", FK_STRLIST}, {NULL, FK_STR}};
    json_t *b;
    const struct ynode *ctx = NULL;
    if (n->kind == YNODE_SCALAR) {
        b = json_object();
        ctx = n;
    } else {
        b = typed(z, n, f);
        ctx = ynode_map_get(n, "context");
        const struct ynode *args = ynode_map_get(n, "args");
        if (args != NULL) {
            push(z, "args");
            json_object_set_new(b, "args", kv_object(z, args, NULL_ENV_DROP, false));
            pop(z);
        }
        const struct ynode *eh = ynode_map_get(n, "extra_hosts");
        if (eh != NULL) {
            push(z, "extra_hosts");
            json_object_set_new(b, "extra_hosts", j_hosts(z, eh));
            pop(z);
        }
        const struct ynode *ul = ynode_map_get(n, "ulimits");
        if (ul != NULL) {
            push(z, "ulimits");
            json_object_set_new(b, "ulimits", j_ulimits(z, ul));
            pop(z);
        }
        const struct ynode *sec = ynode_map_get(n, "secrets");
        if (sec != NULL) {
            push(z, "secrets");
            json_object_set_new(b, "secrets", j_filerefs(z, sec));
            pop(z);
        }
        const struct ynode *ssh = ynode_map_get(n, "ssh");
        if (ssh != NULL) {
            json_t *list = json_array();
            if (ssh->kind == YNODE_MAP) {
                for (size_t i = 0; i < ssh->n; i++) {
                    if (ynode_is_null(ssh->items[i]))
                        json_array_append_new(list, json_string(ssh->keys[i]->text));
                    else {
                        char *s = xasprintf("%s=%s", ssh->keys[i]->text, ssh->items[i]->text);
                        json_array_append_new(list, json_string(s));
                        free(s);
                    }
                }
            } else {
                json_decref(list);
                list = j_strlist(ssh, false);
            }
            json_object_set_new(b, "ssh", list);
        }
        const struct ynode *ac = ynode_map_get(n, "additional_contexts");
        if (ac != NULL) {
            push(z, "additional_contexts");
            json_t *m = kv_object(z, ac, NULL_EMPTY, false);
            const char *k;
            json_t *v;
            void *tmpit;
            json_object_foreach_safe(m, tmpit, k, v) {
                const char *s = json_string_value(v);
                if (s && *s && !paths_is_remote(s) && !strchr(s, ':')) {
                    char *abs = resolve_text(z, ac, s);
                    json_object_set_new(m, k, json_string(abs));
                    free(abs);
                }
            }
            json_object_set_new(b, "additional_contexts", m);
            pop(z);
        }
    }
    /* context: "." by default, resolved unless it is a URL */
    const char *cs = ctx && !ynode_is_null(ctx) ? ctx->text : ".";
    if (paths_is_remote(cs)) {
        json_object_set_new(b, "context", json_string(cs));
    } else {
        const struct ynode *at = ctx && !ynode_is_null(ctx) ? ctx : n;
        char *abs = resolve_text(z, at, cs);
        json_object_set_new(b, "context", json_string(abs));
        free(abs);
    }
    if (json_object_get(b, "dockerfile") == NULL && json_object_get(b, "dockerfile_inline") == NULL)
        json_object_set_new(b, "dockerfile", json_string("Dockerfile"));
    return b;
}

/* networks of a service as {name: null | {aliases ...}}. */
static json_t *j_service_networks(struct nz *z, const struct ynode *n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YNODE_SEQ) {
            const struct ynode *it = n->items[i];
            if (it->kind == YNODE_SCALAR) {
                json_object_set_new(o, it->text, json_null());
                rec_key(z, it->text, it);
            }
            continue;
        }
        const char *name = n->keys[i]->text;
        const struct ynode *v = n->items[i];
        push(z, name);
        rec(z, n->keys[i]);
        if (v->kind != YNODE_MAP) {
            json_object_set_new(o, name, json_null());
            pop(z);
            continue;
        }
        static const struct field f[] = {{"aliases", FK_STRLIST}, {"link_local_ips", FK_STRLIST},
                                         {"priority", FK_INT},    {"gw_priority", FK_INT},
                                         {"driver_opts", FK_KV},  {NULL, FK_STR}};
        json_t *cfg = typed(z, v, f);
        const struct ynode *al = ynode_map_get(v, "aliases");
        if (al != NULL)
            json_object_set_new(cfg, "aliases", j_strlist(al, true));
        json_object_set_new(o, name, cfg);
        pop(z);
    }
    return o;
}

/* depends_on as {name: {condition, required[, restart]}}. */
static json_t *j_depends(struct nz *z, const struct ynode *n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n->n; i++) {
        json_t *dep = json_object();
        const char *name;
        const struct ynode *at;
        if (n->kind == YNODE_SEQ) {
            at = n->items[i];
            if (at->kind != YNODE_SCALAR) {
                json_decref(dep);
                continue;
            }
            name = at->text;
            json_object_set_new(dep, "condition", json_string("service_started"));
            json_object_set_new(dep, "required", json_true());
        } else {
            name = n->keys[i]->text;
            at = n->keys[i];
            const struct ynode *v = n->items[i];
            push(z, name);
            const struct ynode *c = ynode_map_get(v, "condition");
            const struct ynode *r = ynode_map_get(v, "required");
            const struct ynode *rs = ynode_map_get(v, "restart");
            json_object_set_new(dep, "condition",
                                c && !ynode_is_null(c) ? j_text(c) : json_string("service_started"));
            json_t *req = r && !ynode_is_null(r) ? j_bool(z, r) : json_true();
            json_object_set_new(dep, "required", req ? req : json_true());
            if (rs != NULL && !ynode_is_null(rs)) {
                json_t *rv = j_bool(z, rs);
                if (json_is_true(rv))
                    json_object_set_new(dep, "restart", rv);
                else
                    json_decref(rv);
            }
            for (size_t j = 0; v->kind == YNODE_MAP && j < v->n; j++)
                if (str_starts_with(v->keys[j]->text, "x-"))
                    json_object_set_new(dep, v->keys[j]->text, normalize_plain(v->items[j]));
            pop(z);
        }
        rec_key(z, name, at);
        json_object_set_new(o, name, dep);
    }
    return o;
}

/* post_start / pre_stop hooks. */
static json_t *j_hooks(struct nz *z, const struct ynode *n)
{
    json_t *a = json_array();
    for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n; i++) {
        const struct ynode *h = n->items[i];
        pushi(z, i);
        static const struct field f[] = {{"user", FK_STR}, {"working_dir", FK_STR},
                                         {"privileged", FK_BOOL}, {NULL, FK_STR}};
        json_t *o = typed(z, h, f);
        const struct ynode *cmd = ynode_map_get(h, "command");
        if (cmd != NULL) {
            push(z, "command");
            put(o, "command", j_command(z, cmd));
            pop(z);
        }
        const struct ynode *env = ynode_map_get(h, "environment");
        if (env != NULL) {
            push(z, "environment");
            json_object_set_new(o, "environment", kv_object(z, env, NULL_ENV, true));
            pop(z);
        }
        json_array_append_new(a, o);
        pop(z);
    }
    return a;
}

/* develop.watch with its paths resolved. */
static json_t *j_develop(struct nz *z, const struct ynode *n)
{
    json_t *o = normalize_plain(n);
    const struct ynode *w = n->kind == YNODE_MAP ? ynode_map_get(n, "watch") : NULL;
    json_t *wj = json_object_get(o, "watch");
    for (size_t i = 0; w != NULL && w->kind == YNODE_SEQ && i < w->n; i++) {
        const struct ynode *p = ynode_map_get(w->items[i], "path");
        json_t *item = json_array_get(wj, i);
        if (p != NULL && ynode_is_str(p) && item != NULL) {
            char *abs = resolve_path(z, p);
            json_object_set_new(item, "path", json_string(abs));
            free(abs);
        }
        const struct ynode *ex = ynode_map_get(w->items[i], "exec");
        if (ex != NULL && item != NULL) {
            struct ynode wrap = {.kind = YNODE_SEQ, .n = 1, .items = (struct ynode **)&ex};
            json_t *hooks = j_hooks(z, &wrap);
            json_object_set(item, "exec", json_array_get(hooks, 0));
            json_decref(hooks);
        }
    }
    return o;
}

/* ---------------------------------------------------------------- env_file, label_file */

/* Reads the env_file entries of a service into one object (later files win). */
static json_t *read_env_files(struct nz *z, const struct ynode *n, bool labels)
{
    json_t *vals = json_object();
    const struct ynode *one[1] = {n};
    const struct ynode *const *items = n->kind == YNODE_SEQ ? (const struct ynode *const *)n->items
                                                            : one;
    size_t count = n->kind == YNODE_SEQ ? n->n : 1;
    for (size_t i = 0; i < count; i++) {
        const struct ynode *it = items[i];
        const struct ynode *pn = it;
        bool required = true, raw = false;
        if (it->kind == YNODE_MAP) {
            pn = ynode_map_get(it, "path");
            const struct ynode *req = ynode_map_get(it, "required");
            const struct ynode *fmt = ynode_map_get(it, "format");
            if (req != NULL)
                yscalar_bool(req, &required);
            if (fmt != NULL && fmt->kind == YNODE_SCALAR && strcmp(fmt->text, "raw") == 0)
                raw = true;
        }
        if (pn == NULL || pn->kind != YNODE_SCALAR || ynode_is_null(pn))
            continue;
        if (n->kind == YNODE_SEQ)
            pushi(z, i);
        char *path = resolve_path(z, pn);
        struct berth_error *e = NULL;
        if (!paths_is_file(path)) {
            if (required) {
                char *shown = z->o->loader ? loader_display_name(z->o->loader, path)
                                           : xstrdup(path);
                err(z, pn, "create the file, or mark it optional with required: false",
                    "%s file %s not found", labels ? "label" : "env", shown);
                free(shown);
            }
        } else if (dotenv_parse_file(path, raw, vars_lookup, (void *)z->o->env, vals, &e) != 0) {
            err(z, pn, "fix the line named in the message", "%s", berth_error_message(e));
            berth_error_free(e);
        }
        free(path);
        if (n->kind == YNODE_SEQ)
            pop(z);
    }
    return vals;
}

/* ---------------------------------------------------------------- services */

/* How each service key converts. */
enum skind {
    SK_PLAIN = 0, SK_STR, SK_BOOL, SK_INT, SK_BYTES, SK_LIST, SK_LIST_DUP, SK_NUM, SK_DURATION,
    SK_COMMAND, SK_KV, SK_BUILD, SK_HEALTH, SK_LOGGING, SK_DEPLOY, SK_DEVELOP, SK_DEPENDS,
    SK_NETWORKS, SK_PORTS, SK_VOLUMES, SK_FILEREFS, SK_DEVICES, SK_HOSTS, SK_ULIMITS, SK_HOOKS,
    SK_PULL, SK_ENV, SK_ENV_FILE, SK_LABELS, SK_LABEL_FILE, SK_SKIP,
};

/* Service keys and their conversions, sorted by name (bsearch). */
static const struct skey {
    const char *name;
    enum skind kind;
} service_keys[] = {
    {"annotations", SK_KV},        {"attach", SK_BOOL},          {"build", SK_BUILD},
    {"cap_add", SK_LIST},          {"cap_drop", SK_LIST},        {"cgroup", SK_STR},
    {"cgroup_parent", SK_STR},     {"command", SK_COMMAND},      {"configs", SK_FILEREFS},
    {"container_name", SK_STR},    {"cpu_count", SK_INT},        {"cpu_percent", SK_INT},
    {"cpu_period", SK_INT},        {"cpu_quota", SK_INT},        {"cpu_rt_period", SK_INT},
    {"cpu_rt_runtime", SK_INT},    {"cpu_shares", SK_INT},       {"cpus", SK_NUM},
    {"cpuset", SK_STR},            {"depends_on", SK_DEPENDS},   {"deploy", SK_DEPLOY},
    {"develop", SK_DEVELOP},       {"device_cgroup_rules", SK_LIST}, {"devices", SK_DEVICES},
    {"dns", SK_LIST},              {"dns_opt", SK_LIST},         {"dns_search", SK_LIST},
    {"domainname", SK_STR},        {"entrypoint", SK_COMMAND},   {"env_file", SK_ENV_FILE},
    {"environment", SK_ENV},       {"expose", SK_LIST},          {"extends", SK_SKIP},
    {"external_links", SK_LIST},   {"extra_hosts", SK_HOSTS},    {"group_add", SK_LIST},
    {"healthcheck", SK_HEALTH},    {"hostname", SK_STR},         {"image", SK_STR},
    {"init", SK_BOOL},             {"ipc", SK_STR},              {"isolation", SK_STR},
    {"label_file", SK_LABEL_FILE}, {"labels", SK_LABELS},        {"links", SK_LIST},
    {"logging", SK_LOGGING},       {"mac_address", SK_STR},      {"mem_limit", SK_BYTES},
    {"mem_reservation", SK_BYTES}, {"mem_swappiness", SK_INT},   {"memswap_limit", SK_BYTES},
    {"network_mode", SK_STR},      {"networks", SK_NETWORKS},    {"oom_kill_disable", SK_BOOL},
    {"oom_score_adj", SK_INT},     {"pid", SK_STR},              {"pids_limit", SK_INT},
    {"platform", SK_STR},          {"ports", SK_PORTS},          {"post_start", SK_HOOKS},
    {"pre_stop", SK_HOOKS},        {"privileged", SK_BOOL},      {"profiles", SK_LIST},
    {"pull_policy", SK_PULL},      {"pull_refresh_after", SK_STR}, {"read_only", SK_BOOL},
    {"restart", SK_STR},           {"runtime", SK_STR},          {"scale", SK_INT},
    {"secrets", SK_FILEREFS},      {"security_opt", SK_LIST_DUP}, {"shm_size", SK_BYTES},
    {"stdin_open", SK_BOOL},       {"stop_grace_period", SK_DURATION}, {"stop_signal", SK_STR},
    {"sysctls", SK_KV},            {"tmpfs", SK_LIST},           {"tty", SK_BOOL},
    {"ulimits", SK_ULIMITS},       {"use_api_socket", SK_BOOL},  {"user", SK_STR},
    {"userns_mode", SK_STR},       {"uts", SK_STR},              {"volumes", SK_VOLUMES},
    {"volumes_from", SK_LIST},     {"working_dir", SK_STR},
};

/* bsearch comparator for service_keys. */
static int cmp_skey(const void *key, const void *elem)
{
    return strcmp(key, ((const struct skey *)elem)->name);
}

/* The conversion of a service key (SK_PLAIN for extensions and unknown keys). */
static enum skind skind_of(const char *key)
{
    const struct skey *k = bsearch(key, service_keys, ARRAY_LEN(service_keys),
                                   sizeof(*service_keys), cmp_skey);
    return k ? k->kind : SK_PLAIN;
}

/* Adds an implicit dependency unless the service declares one on that service. */
static void implicit_dep(struct nz *z, json_t *svc, const char *svcname, const char *target,
                         bool restart, const char *origin, const struct ynode *at)
{
    json_t *deps = json_object_get(svc, "depends_on");
    if (deps == NULL) {
        deps = json_object();
        json_object_set_new(svc, "depends_on", deps);
    }
    if (json_object_get(deps, target) != NULL)
        return;
    json_t *d = json_object();
    json_object_set_new(d, "condition", json_string("service_started"));
    json_object_set_new(d, "required", json_true());
    if (restart)
        json_object_set_new(d, "restart", json_true());
    json_object_set_new(deps, target, d);
    if (z->pos != NULL) {
        char *p = xasprintf("services.%s.depends_on.%s", svcname, target);
        strmap_put(z->pos->nodes, p, (void *)at);
        strmap_put(z->pos->origins, p, (void *)origin);
        free(p);
    }
}

/* Adds the dependencies links, volumes_from and service:X namespaces imply. */
static void implicit_deps(struct nz *z, json_t *svc, const char *name, const struct ynode *n)
{
    static const char *const ns[] = {"network_mode", "ipc", "pid", "uts", "cgroup"};
    for (size_t i = 0; i < ARRAY_LEN(ns); i++) {
        const struct ynode *v = ynode_map_get(n, ns[i]);
        if (v != NULL && v->kind == YNODE_SCALAR && str_starts_with(v->text, "service:"))
            implicit_dep(z, svc, name, v->text + 8, true, ns[i], v);
    }
    const struct ynode *vf = ynode_map_get(n, "volumes_from");
    for (size_t i = 0; vf != NULL && vf->kind == YNODE_SEQ && i < vf->n; i++) {
        const char *s = vf->items[i]->text;
        if (s == NULL || str_starts_with(s, "container:"))
            continue;
        char *svcname = xstrndup(s, strcspn(s, ":"));
        implicit_dep(z, svc, name, svcname, false, "volumes_from", vf->items[i]);
        free(svcname);
    }
    const struct ynode *links = ynode_map_get(n, "links");
    for (size_t i = 0; links != NULL && links->kind == YNODE_SEQ && i < links->n; i++) {
        const char *s = links->items[i]->text;
        if (s == NULL)
            continue;
        char *svcname = xstrndup(s, strcspn(s, ":"));
        implicit_dep(z, svc, name, svcname, true, "links", links->items[i]);
        free(svcname);
    }
}

/* Normalises one service definition. */
static json_t *nz_service(struct nz *z, const char *name, const struct ynode *n)
{
    json_t *svc = json_object();
    const struct ynode *env = NULL, *env_file = NULL, *labels = NULL, *label_file = NULL;
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->text;
        const struct ynode *v = n->items[i];
        enum skind kind = skind_of(k);
        bool null = v->kind == YNODE_SCALAR && ynode_is_null(v);
        push(z, k);
        rec(z, v);
        switch (kind) {
        case SK_ENV:
            env = v;
            break;
        case SK_ENV_FILE:
            env_file = v;
            break;
        case SK_LABELS:
            labels = v;
            break;
        case SK_LABEL_FILE:
            label_file = v;
            break;
        case SK_SKIP: /* extends: resolved already */
            break;
        case SK_COMMAND:
            put(svc, k, j_command(z, v));
            break;
        default:
            if (null) /* an explicit null means "not set" */
                break;
            switch (kind) {
            case SK_STR:
                put(svc, k, j_text(v));
                break;
            case SK_BOOL:
                put(svc, k, j_bool(z, v));
                break;
            case SK_INT:
                put(svc, k, j_int(z, v));
                break;
            case SK_BYTES:
                put(svc, k, j_bytes(z, v));
                break;
            case SK_LIST:
            case SK_LIST_DUP:
                json_object_set_new(svc, k, j_strlist(v, kind == SK_LIST));
                break;
            case SK_NUM:
                put(svc, k, j_num(z, v));
                break;
            case SK_DURATION:
                put(svc, k, j_duration(z, v));
                break;
            case SK_KV:
                json_object_set_new(svc, k, kv_object(z, v, NULL_EMPTY, false));
                break;
            case SK_BUILD:
                json_object_set_new(svc, k, j_build(z, v));
                break;
            case SK_HEALTH:
                json_object_set_new(svc, k, j_healthcheck(z, v));
                break;
            case SK_LOGGING:
                json_object_set_new(svc, k, j_logging(z, v));
                break;
            case SK_DEPLOY:
                json_object_set_new(svc, k, j_deploy(z, v));
                break;
            case SK_DEVELOP:
                json_object_set_new(svc, k, j_develop(z, v));
                break;
            case SK_DEPENDS:
                json_object_set_new(svc, k, j_depends(z, v));
                break;
            case SK_NETWORKS:
                json_object_set_new(svc, k, j_service_networks(z, v));
                break;
            case SK_PORTS:
                json_object_set_new(svc, k, j_ports(z, v));
                break;
            case SK_VOLUMES:
                json_object_set_new(svc, k, j_volumes(z, v));
                break;
            case SK_FILEREFS:
                json_object_set_new(svc, k, j_filerefs(z, v));
                break;
            case SK_DEVICES:
                json_object_set_new(svc, k, j_devices(z, v));
                break;
            case SK_HOSTS:
                json_object_set_new(svc, k, j_hosts(z, v));
                break;
            case SK_ULIMITS:
                json_object_set_new(svc, k, j_ulimits(z, v));
                break;
            case SK_HOOKS:
                json_object_set_new(svc, k, j_hooks(z, v));
                break;
            case SK_PULL:
                json_object_set_new(
                    svc, k,
                    json_string(strcmp(v->text, "if_not_present") == 0 ? "missing" : v->text));
                break;
            default:
                json_object_set_new(svc, k, normalize_plain(v));
                break;
            }
        }
        pop(z);
    }
    /* environment: env_file values first, then environment entries */
    json_t *envj = NULL;
    if (env_file != NULL) {
        push(z, "env_file");
        envj = read_env_files(z, env_file, false);
        pop(z);
    }
    if (env != NULL) {
        push(z, "environment");
        json_t *e = kv_object(z, env, NULL_ENV, true);
        pop(z);
        if (envj == NULL)
            envj = e;
        else {
            json_object_update(envj, e);
            json_decref(e);
        }
    }
    if (envj != NULL)
        json_object_set_new(svc, "environment", envj);
    json_t *lab = NULL;
    if (label_file != NULL) {
        push(z, "label_file");
        lab = read_env_files(z, label_file, true);
        pop(z);
        const char *k;
        json_t *v;
        json_object_foreach(lab, k, v) {
            if (json_is_null(v))
                json_object_set_new(lab, k, json_string(""));
        }
    }
    if (labels != NULL) {
        push(z, "labels");
        json_t *l = kv_object(z, labels, NULL_EMPTY, false);
        pop(z);
        if (lab == NULL)
            lab = l;
        else {
            json_object_update(lab, l);
            json_decref(l);
        }
    }
    if (lab != NULL)
        json_object_set_new(svc, "labels", lab);
    /* defaults docker compose shows */
    if (json_object_get(svc, "command") == NULL)
        json_object_set_new(svc, "command", json_null());
    if (json_object_get(svc, "entrypoint") == NULL)
        json_object_set_new(svc, "entrypoint", json_null());
    if (json_object_get(svc, "networks") == NULL && json_object_get(svc, "network_mode") == NULL) {
        json_t *nets = json_object();
        json_object_set_new(nets, "default", json_null());
        json_object_set_new(svc, "networks", nets);
    }
    implicit_deps(z, svc, name, n);
    return svc;
}

/* ---------------------------------------------------------------- resources */

/* True when the resource is external (external: true / {name: ...}). */
static bool is_external(const struct ynode *ext, const char **ext_name)
{
    *ext_name = NULL;
    if (ext == NULL)
        return false;
    if (ext->kind == YNODE_MAP) {
        const struct ynode *nm = ynode_map_get(ext, "name");
        if (nm != NULL && !ynode_is_null(nm))
            *ext_name = nm->text;
        return true;
    }
    bool b = false;
    return yscalar_bool(ext, &b) && b;
}

/* Normalises one top-level network / volume / secret / config. */
static json_t *nz_resource(struct nz *z, const char *section, const char *key,
                           const struct ynode *n)
{
    json_t *o = json_object();
    const struct ynode *nm = NULL, *ext = NULL;
    for (size_t i = 0; n != NULL && n->kind == YNODE_MAP && i < n->n; i++) {
        const char *k = n->keys[i]->text;
        const struct ynode *v = n->items[i];
        push(z, k);
        rec(z, v);
        if (ynode_is_null(v) && v->kind == YNODE_SCALAR)
            ;
        else if (strcmp(k, "name") == 0)
            nm = v;
        else if (strcmp(k, "external") == 0)
            ext = v;
        else if (strcmp(k, "labels") == 0)
            json_object_set_new(o, k, kv_object(z, v, NULL_EMPTY, false));
        else if (strcmp(k, "driver_opts") == 0)
            json_object_set_new(o, k, kv_object(z, v, NULL_EMPTY, false));
        else if (strcmp(k, "internal") == 0 || strcmp(k, "attachable") == 0 ||
                 strcmp(k, "enable_ipv4") == 0 || strcmp(k, "enable_ipv6") == 0) {
            json_t *b = j_bool(z, v);
            if (json_is_true(b) || strncmp(k, "enable", 6) == 0)
                put(o, k, b);
            else
                json_decref(b);
        } else if (strcmp(k, "file") == 0 && v->kind == YNODE_SCALAR) {
            char *abs = resolve_path(z, v);
            json_object_set_new(o, k, json_string(abs));
            free(abs);
        } else
            json_object_set_new(o, k, normalize_plain(v));
        pop(z);
    }
    const char *ext_name = NULL;
    bool external = is_external(ext, &ext_name);
    if (ext_name != NULL && nm != NULL && strcmp(nm->text, ext_name) != 0) {
        push(z, "external");
        err(z, ext, "keep only name: (external.name is deprecated)",
            "%s %s: name and external.name conflict; only use name", section, key);
        pop(z);
    }
    if (external) {
        static const char *const forbidden[] = {"driver", "driver_opts", "labels", "ipam"};
        for (size_t i = 0; i < ARRAY_LEN(forbidden); i++) {
            if ((strcmp(section, "volumes") == 0 || strcmp(section, "networks") == 0) &&
                json_object_get(o, forbidden[i]) != NULL &&
                (strcmp(forbidden[i], "ipam") != 0 || strcmp(section, "networks") == 0)) {
                push(z, forbidden[i]);
                err(z, ynode_map_get(n, forbidden[i]),
                    "an external resource is created outside compose: remove external or the "
                    "attribute",
                    "conflicting parameters \"external\" and \"%s\" specified for %.*s \"%s\"",
                    forbidden[i], (int)strlen(section) - 1, section, key);
                pop(z);
            }
        }
        json_object_set_new(o, "external", json_true());
    }
    const char *name = nm ? nm->text : ext_name;
    if (name != NULL) {
        json_object_set_new(o, "name", json_string(name));
    } else if (external) {
        json_object_set_new(o, "name", json_string(key));
    } else {
        char *full = xasprintf("%s_%s", z->o->project, key);
        json_object_set_new(o, "name", json_string(full));
        free(full);
    }
    if (strcmp(section, "networks") == 0 && json_object_get(o, "ipam") == NULL)
        json_object_set_new(o, "ipam", json_object());
    if (strcmp(section, "volumes") == 0) {
        /* a local volume bound to a host directory: resolve the device path */
        const char *drv = json_string_value(json_object_get(o, "driver"));
        json_t *opts = json_object_get(o, "driver_opts");
        const char *optv = json_string_value(json_object_get(opts, "o"));
        const char *dev = json_string_value(json_object_get(opts, "device"));
        if (drv && strcmp(drv, "local") == 0 && optv && strstr(optv, "bind") && dev &&
            !paths_is_abs(dev)) {
            char *abs = resolve_text(z, n, dev);
            json_object_set_new(opts, "device", json_string(abs));
            free(abs);
        }
    }
    return o;
}

/* Normalises one resource section. */
static json_t *nz_section(struct nz *z, const char *section, const struct ynode *n)
{
    json_t *o = json_object();
    for (size_t i = 0; n->kind == YNODE_MAP && i < n->n; i++) {
        push(z, n->keys[i]->text);
        rec(z, n->keys[i]);
        json_object_set_new(o, n->keys[i]->text, nz_resource(z, section, n->keys[i]->text,
                                                             n->items[i]));
        pop(z);
    }
    return o;
}

/* Builds the docker compose shaped model of a project tree. */
json_t *normalize_project(const struct ynode *root, const struct nz_opts *o, struct posidx *pos,
                          struct diag *d)
{
    if (root == NULL || root->kind != YNODE_MAP)
        return NULL;
    struct nz z = {.o = o, .d = d, .pos = pos};
    ypath_init(&z.path);
    json_t *model = json_object();
    json_object_set_new(model, "name", json_string(o->project));
    json_t *services = json_object();
    json_object_set_new(model, "services", services);
    bool uses_default = false;
    for (size_t i = 0; i < root->n; i++) {
        const char *k = root->keys[i]->text;
        const struct ynode *v = root->items[i];
        push(&z, k);
        rec(&z, v);
        if (strcmp(k, "services") == 0 && v->kind == YNODE_MAP) {
            for (size_t j = 0; j < v->n; j++) {
                const char *name = v->keys[j]->text;
                if (o->active != NULL && !strmap_has(o->active, name))
                    continue;
                push(&z, name);
                rec(&z, v->items[j]);
                if (v->items[j]->kind == YNODE_MAP) {
                    json_t *svc = nz_service(&z, name, v->items[j]);
                    if (json_object_get(json_object_get(svc, "networks"), "default") != NULL)
                        uses_default = true;
                    json_object_set_new(services, name, svc);
                }
                pop(&z);
            }
        } else if (strcmp(k, "networks") == 0 || strcmp(k, "volumes") == 0 ||
                   strcmp(k, "secrets") == 0 || strcmp(k, "configs") == 0) {
            json_object_set_new(model, k, nz_section(&z, k, v));
        } else if (strcmp(k, "name") == 0 || strcmp(k, "version") == 0 ||
                   strcmp(k, "include") == 0) {
            /* name: decided by the project loader; the others are consumed */
        } else {
            json_object_set_new(model, k, normalize_plain(v));
        }
        pop(&z);
    }
    if (uses_default) {
        json_t *nets = json_object_get(model, "networks");
        if (nets == NULL) {
            nets = json_object();
            json_object_set_new(model, "networks", nets);
        }
        if (json_object_get(nets, "default") == NULL) {
            json_t *def = json_object();
            char *full = xasprintf("%s_default", o->project);
            json_object_set_new(def, "name", json_string(full));
            free(full);
            json_object_set_new(def, "ipam", json_object());
            json_object_set_new(nets, "default", def);
        }
    }
    ypath_free(&z.path);
    return model;
}
