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

/* qsort comparator for key strings. */
static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *ordered(const json_t *v, unsigned flags, bool top);

/* Adds key -> ordered(value) to o, escaping the key when asked. */
static void add(json_t *o, const char *key, const json_t *v, unsigned flags)
{
    if (flags & EMIT_ESCAPE_DOLLAR) {
        char *k = escape_dollar(key);
        json_object_set_new(o, k, ordered(v, flags, false));
        free(k);
    } else {
        json_object_set_new(o, key, ordered(v, flags, false));
    }
}

/* A copy of v with sorted keys (top: compose's top-level order first). */
static json_t *ordered(const json_t *v, unsigned flags, bool top)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = xcalloc(n + 1, sizeof(*keys));
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) keys[i++] = k;
        qsort(keys, n, sizeof(*keys), cmp_keys);
        json_t *o = json_object();
        if (top)
            for (size_t t = 0; t < ARRAY_LEN(top_order); t++)
                if (json_object_get(v, top_order[t]) != NULL)
                    add(o, top_order[t], json_object_get(v, top_order[t]), flags);
        for (i = 0; i < n; i++)
            if (json_object_get(o, keys[i]) == NULL)
                add(o, keys[i], json_object_get(v, keys[i]), flags);
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

json_t *emit_ordered(const json_t *model, unsigned flags)
{
    return ordered(model, flags, true);
}

char *emit_json(const json_t *model, unsigned flags)
{
    json_t *o = emit_ordered(model, flags);
    size_t jf = JSON_REAL_PRECISION(15) | ((flags & EMIT_COMPACT) ? JSON_COMPACT : JSON_INDENT(2));
    char *s = json_dumps(o, jf);
    json_decref(o);
    if (s == NULL)
        return NULL;
    char *out = xasprintf("%s\n", s);
    free(s);
    return out;
}

/* ---------------------------------------------------------------- YAML */

struct buf {
    char *data;
    size_t len, cap;
};

/* libyaml output callback: appends to the buffer. */
static int write_cb(void *user, unsigned char *data, size_t size)
{
    struct buf *b = user;
    b->data = xreallocarray_grow(b->data, &b->cap, b->len + size + 1, 1);
    memcpy(b->data + b->len, data, size);
    b->len += size;
    b->data[b->len] = '\0';
    return 1;
}

/* True when a plain scalar s would be read back as something other than this string. */
static bool needs_quotes(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "on", "off"};
    size_t n = strlen(s);
    if (n == 0 || yaml_resolve_plain(s, n) != YTYPE_STR)
        return true;
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
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
static int emit_string(yaml_emitter_t *em, const char *s)
{
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (strchr(s, '\n') != NULL)
        style = YAML_LITERAL_SCALAR_STYLE;
    else if (needs_quotes(s))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return emit_scalar(em, s, style);
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

static int emit_value(yaml_emitter_t *em, const json_t *v, int depth);

/* True for service-level keys docker compose leaves out of YAML when null. */
static bool skip_null(const char *key, const json_t *v, int depth)
{
    return depth == 3 && json_is_null(v) &&
           (strcmp(key, "command") == 0 || strcmp(key, "entrypoint") == 0);
}

static int emit_value(yaml_emitter_t *em, const json_t *v, int depth)
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
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            if (skip_null(k, x, depth + 1))
                continue;
            if (!emit_string(em, k) || !emit_value(em, x, depth + 1))
                return 0;
        }
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
            if (!emit_value(em, x, depth + 1))
                return 0;
        }
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    }
    case JSON_STRING:
        return emit_string(em, json_string_value(v));
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

char *emit_yaml(const json_t *model, unsigned flags)
{
    json_t *o = emit_ordered(model, flags & ~(unsigned)EMIT_COMPACT);
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
             yaml_emitter_emit(&em, &ev) && emit_value(&em, o, 0) &&
             yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
             yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
    yaml_emitter_delete(&em);
    json_decref(o);
    if (!ok) {
        free(b.data);
        return NULL;
    }
    return b.data ? b.data : xstrdup("");
}
