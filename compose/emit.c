/* JSON and YAML output of a compose model. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "compose/emit.h"
#include "compose/yaml.h"
#include "core/util.h"

/* The order of the top-level keys; the rest follow sorted. */
static const char *const top_order[] = {"name",    "services", "networks", "volumes",
                                        "secrets", "configs",  "models"};

/* s with every '$' doubled (malloc'd). */
static char *escape_dollar(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '$' ? 2 : 1;
    char *out = xmalloc(n + 1), *o = out;
    for (const char *p = s; *p; p++) {
        *o++ = *p;
        if (*p == '$')
            *o++ = '$';
    }
    *o = '\0';
    return out;
}

/* An object member: sorting these keeps each value at hand (no lookup per key). */
struct member {
    const char *key;
    json_t *value;
};

/* qsort comparator for members by key. */
static int cmp_keys(const void *a, const void *b)
{
    return strcmp(((const struct member *)a)->key, ((const struct member *)b)->key);
}

/* The members of an object in output order (top: compose's top-level order first). */
static struct member *keys_in_order(const json_t *v, bool top, size_t *count)
{
    size_t n = json_object_size(v), i = 0;
    struct member *keys = xcalloc(n + 1, sizeof(*keys));
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) keys[i++] = (struct member){k, x};
    qsort(keys, n, sizeof(*keys), cmp_keys);
    if (top) {
        size_t front = 0;
        for (size_t t = 0; t < ARRAY_LEN(top_order); t++) {
            for (size_t j = front; j < n; j++) {
                if (strcmp(keys[j].key, top_order[t]) == 0) {
                    struct member hit = keys[j];
                    memmove(keys + front + 1, keys + front, (j - front) * sizeof(*keys));
                    keys[front++] = hit;
                    break;
                }
            }
        }
    }
    *count = n;
    return keys;
}

static json_t *ordered(const json_t *v, unsigned flags, bool top);

/* A copy of v with output-ordered keys (and '$' escaped when asked). */
static json_t *ordered(const json_t *v, unsigned flags, bool top)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n;
        struct member *keys = keys_in_order(v, top, &n);
        json_t *o = json_object();
        for (size_t i = 0; i < n; i++) {
            json_t *c = ordered(keys[i].value, flags, false);
            if (flags & EMIT_ESCAPE_DOLLAR) {
                char *k = escape_dollar(keys[i].key);
                json_object_set_new(o, k, c);
                free(k);
            } else {
                json_object_set_new(o, keys[i].key, c);
            }
        }
        free(keys);
        return o;
    }
    case JSON_ARRAY: {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach((json_t *)v, i, x) json_array_append_new(a, ordered(x, flags, false));
        return a;
    }
    case JSON_STRING:
        if (flags & EMIT_ESCAPE_DOLLAR) {
            char *s = escape_dollar(json_string_value(v));
            json_t *j = json_string(s);
            free(s);
            return j;
        }
        return json_deep_copy(v);
    default:
        return json_deep_copy(v);
    }
}

/* A deep copy in output order. */
json_t *emit_ordered(const json_t *model, unsigned flags)
{
    return ordered(model, flags, true);
}

struct buf {
    char *data;
    size_t len, cap;
};

/* Makes room for n more bytes and the terminating NUL. */
static void buf_reserve(struct buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
}

/* Appends n bytes. */
static void buf_add(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Appends a NUL-terminated string. */
static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* A JSON string literal ('$' doubled when asked). */
static void json_quote(struct buf *b, const char *s, size_t n, unsigned flags)
{
    buf_add(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != '$') { /* the common case first */
            run++;
            continue;
        }
        const char *esc = NULL;
        char tmp[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\b')
            esc = "\\b";
        else if (c == '\f')
            esc = "\\f";
        else if (c < 0x20) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", c);
            esc = tmp;
        } else if (c == '$' && (flags & EMIT_ESCAPE_DOLLAR))
            esc = "$$";
        if (esc != NULL) {
            buf_add(b, s + i - run, run);
            run = 0;
            buf_str(b, esc);
        } else {
            run++;
        }
    }
    buf_add(b, s + n - run, run);
    buf_add(b, "\"", 1);
}

/* A real number the way jansson writes it (15 significant digits, always a float). */
static void real_text(double d, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.15g", d);
    if (strpbrk(buf, ".eEin") == NULL)
        strncat(buf, ".0", cap - strlen(buf) - 1);
}

/* Newline and indentation. */
static void json_indent(struct buf *b, unsigned flags, int depth)
{
    if (flags & EMIT_COMPACT)
        return;
    size_t n = 1 + 2 * (size_t)depth; /* one write, not one per level */
    buf_reserve(b, n);
    b->data[b->len] = '\n';
    memset(b->data + b->len + 1, ' ', n - 1);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Writes v as JSON with output-ordered keys. */
static void json_write(struct buf *b, const json_t *v, unsigned flags, int depth, bool top)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n;
        struct member *keys = keys_in_order(v, top, &n);
        if (n == 0) {
            buf_str(b, "{}");
            free(keys);
            return;
        }
        buf_add(b, "{", 1);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                buf_add(b, ",", 1);
            json_indent(b, flags, depth + 1);
            json_quote(b, keys[i].key, strlen(keys[i].key), flags);
            buf_str(b, (flags & EMIT_COMPACT) ? ":" : ": ");
            json_write(b, keys[i].value, flags, depth + 1, false);
        }
        json_indent(b, flags, depth);
        buf_add(b, "}", 1);
        free(keys);
        return;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (n == 0) {
            buf_str(b, "[]");
            return;
        }
        buf_add(b, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                buf_add(b, ",", 1);
            json_indent(b, flags, depth + 1);
            json_write(b, json_array_get(v, i), flags, depth + 1, false);
        }
        json_indent(b, flags, depth);
        buf_add(b, "]", 1);
        return;
    }
    case JSON_STRING:
        json_quote(b, json_string_value(v), json_string_length(v), flags);
        return;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        buf_str(b, num);
        return;
    case JSON_REAL:
        real_text(json_real_value(v), num, sizeof(num));
        buf_str(b, num);
        return;
    case JSON_TRUE:
        buf_str(b, "true");
        return;
    case JSON_FALSE:
        buf_str(b, "false");
        return;
    case JSON_NULL:
        buf_str(b, "null");
        return;
    }
}

/* Writes the model as JSON in output order. */
char *emit_json(const json_t *model, unsigned flags)
{
    struct buf b = {0};
    json_write(&b, model, flags, 0, true);
    buf_add(&b, "\n", 1);
    return b.data;
}

/* ---------------------------------------------------------------- YAML */

/* libyaml output callback: appends to the buffer. */
static int write_cb(void *user, unsigned char *data, size_t size)
{
    buf_add(user, (const char *)data, size);
    return 1;
}

/* True when a plain scalar s would be read back as something other than this string. */
static bool needs_quotes(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "on", "off"};
    size_t n = strlen(s);
    if (n == 0 || yaml_resolve_plain(s, n) != YTYPE_STR)
        return true;
    for (size_t i = 0; n <= 3 && i < ARRAY_LEN(words); i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    /* base-60 looking values (YAML 1.1 readers): digits and colons only */
    bool sexa = isdigit((unsigned char)s[0]);
    for (const char *p = s; *p && sexa; p++)
        sexa = isdigit((unsigned char)*p) || *p == ':' || *p == '.' || *p == '_';
    if (sexa && strchr(s, ':') != NULL)
        return true;
    return isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]);
}

/* Emits one scalar with a chosen style. */
static int emit_scalar(yaml_emitter_t *em, const char *text, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1,
                                      1, style))
        return 0;
    return yaml_emitter_emit(em, &ev);
}

/* Emits a string, quoted when it would not read back as a string. */
static int emit_string(yaml_emitter_t *em, const char *s, unsigned flags)
{
    char *esc = NULL;
    if ((flags & EMIT_ESCAPE_DOLLAR) && strchr(s, '$') != NULL)
        s = esc = escape_dollar(s);
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (strchr(s, '\n') != NULL)
        style = YAML_LITERAL_SCALAR_STYLE;
    else if (needs_quotes(s))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    int ok = emit_scalar(em, s, style);
    free(esc);
    return ok;
}

/* A real number written so that it reads back as a float. */
static void format_real(double d, char *buf, size_t cap)
{
    if (isinf(d)) {
        snprintf(buf, cap, d < 0 ? "-.inf" : ".inf");
        return;
    }
    if (isnan(d)) {
        snprintf(buf, cap, ".nan");
        return;
    }
    snprintf(buf, cap, "%.15g", d);
    if (strpbrk(buf, ".eE") == NULL)
        strncat(buf, ".0", cap - strlen(buf) - 1);
}

static int emit_value(yaml_emitter_t *em, const json_t *v, unsigned flags, int depth);

/* True for service-level keys docker compose leaves out of YAML when null. */
static bool skip_null(const char *key, const json_t *v, int depth)
{
    return depth == 3 && json_is_null(v) &&
           (strcmp(key, "command") == 0 || strcmp(key, "entrypoint") == 0);
}

/* Emits one JSON value as YAML events. */
static int emit_value(yaml_emitter_t *em, const json_t *v, unsigned flags, int depth)
{
    yaml_event_t ev;
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        bool empty = json_object_size(v) == 0;
        if (!yaml_mapping_start_event_initialize(
                &ev, NULL, NULL, 1, empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE) ||
            !yaml_emitter_emit(em, &ev))
            return 0;
        size_t n;
        struct member *keys = keys_in_order(v, depth == 0, &n);
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++) {
            const json_t *x = keys[i].value;
            if (skip_null(keys[i].key, x, depth + 1))
                continue;
            ok = emit_string(em, keys[i].key, flags) && emit_value(em, x, flags, depth + 1);
        }
        free(keys);
        if (!ok)
            return 0;
        yaml_mapping_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    }
    case JSON_ARRAY: {
        bool empty = json_array_size(v) == 0;
        if (!yaml_sequence_start_event_initialize(
                &ev, NULL, NULL, 1,
                empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(em, &ev))
            return 0;
        size_t i;
        json_t *x;
        json_array_foreach((json_t *)v, i, x) {
            if (!emit_value(em, x, flags, depth + 1))
                return 0;
        }
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    }
    case JSON_STRING:
        return emit_string(em, json_string_value(v), flags);
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        return emit_scalar(em, buf, YAML_PLAIN_SCALAR_STYLE);
    case JSON_REAL:
        format_real(json_real_value(v), buf, sizeof(buf));
        return emit_scalar(em, buf, YAML_PLAIN_SCALAR_STYLE);
    case JSON_TRUE:
        return emit_scalar(em, "true", YAML_PLAIN_SCALAR_STYLE);
    case JSON_FALSE:
        return emit_scalar(em, "false", YAML_PLAIN_SCALAR_STYLE);
    case JSON_NULL:
        return emit_scalar(em, "null", YAML_PLAIN_SCALAR_STYLE);
    }
    return 0;
}

/* Writes the model as YAML through the libyaml emitter. */
char *emit_yaml(const json_t *model, unsigned flags)
{
    struct buf b = {0};
    yaml_emitter_t em;
    yaml_emitter_initialize(&em);
    yaml_emitter_set_output(&em, write_cb, &b);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_indent(&em, 2);
    yaml_emitter_set_width(&em, -1);
    yaml_event_t ev;
    int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
             yaml_emitter_emit(&em, &ev) &&
             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
             yaml_emitter_emit(&em, &ev) && emit_value(&em, model, flags, 0) &&
             yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
             yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
    yaml_emitter_delete(&em);
    if (!ok) {
        free(b.data);
        return NULL;
    }
    return b.data ? b.data : xstrdup("");
}
