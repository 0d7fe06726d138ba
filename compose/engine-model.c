/* Typed reads of the normalised model (jansson) for the engine. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose/engine-internal.h"

/* o[key] as a string, or NULL when absent or not a string. */
const char *engine_model_str(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* o[key] as a boolean ("true"/"false" strings accepted), or def. */
bool engine_model_bool(const json_t *o, const char *key, bool def)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0)
            return true;
        if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0)
            return false;
    }
    return def;
}

/* o[key] as an integer (number or decimal string), or def. */
int64_t engine_model_int(const json_t *o, const char *key, int64_t def)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v)) {
        char *end;
        errno = 0;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (errno == 0 && end != json_string_value(v) && *end == '\0')
            return n;
    }
    return def;
}

/* Parses a Go duration ("1m30s", "500ms", "1.5s", "2h", "10" = seconds) into ms. */
int engine_model_parse_duration(const char *s, uint64_t *ms, struct berth_error **err)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
                 {"s", 1000},  {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    const char *p = s;
    double total = 0;
    bool any = false;
    while (*p == ' ')
        p++;
    if (*p == '\0')
        goto bad;
    while (*p != '\0') {
        char *end;
        double n = strtod(p, &end);
        if (end == p || n < 0 || !isfinite(n))
            goto bad;
        p = end;
        if (*p == '\0') {
            if (any)
                goto bad; /* "1m30" */
            total += n * 1000; /* a bare number is seconds */
            any = true;
            break;
        }
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < ARRAY_LEN(units); i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, l) == 0 && l > best_len) {
                best = i;
                best_len = l;
            }
        }
        if (best_len == 0)
            goto bad;
        total += n * units[best].ms;
        p += best_len;
        any = true;
    }
    *ms = (uint64_t)(total + 0.5);
    return 0;
bad:
    return berth_error_set(err, BERTH_E_INVALID, 0,
                           "invalid duration \"%s\" (expected e.g. \"1m30s\", \"500ms\", \"10s\")",
                           s);
}

/*
 * o[key] as a duration in ms, def when absent. Strings are Go durations;
 * numbers are seconds, except large integers which the loader may emit as
 * nanoseconds (docker compose's time.Duration).
 */
int engine_model_duration(const json_t *o, const char *key, uint64_t def, uint64_t *ms,
                          struct berth_error **err)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (v == NULL || json_is_null(v)) {
        *ms = def;
        return 0;
    }
    if (json_is_string(v)) {
        if (engine_model_parse_duration(json_string_value(v), ms, err) < 0)
            return berth_error_wrap(err, "%s", key);
        return 0;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        json_int_t n = json_integer_value(v);
        *ms = n >= 1000000 ? (uint64_t)n / 1000000u : (uint64_t)n * 1000u;
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 0) {
        *ms = (uint64_t)(json_real_value(v) * 1000.0 + 0.5);
        return 0;
    }
    return berth_error_set(err, BERTH_E_INVALID, 0, "%s: expected a duration such as \"10s\"", key);
}

/* A byte size: a number, or a string with an optional b/k/m/g/t suffix (and optional "b"). */
int engine_model_bytes(const json_t *v, int64_t *out, struct berth_error **err)
{
    *out = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        *out = (int64_t)json_real_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return berth_error_set(err, BERTH_E_INVALID, 0, "expected a byte size such as \"512m\"");
    const char *s = json_string_value(v);
    char *end;
    double n = strtod(s, &end);
    if (end == s || n < 0)
        goto bad;
    double mul = 1;
    switch (tolower((unsigned char)*end)) {
    case '\0': break;
    case 'b': mul = 1; end++; break;
    case 'k': mul = 1024.0; end++; break;
    case 'm': mul = 1024.0 * 1024; end++; break;
    case 'g': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: goto bad;
    }
    if (mul > 1 && (*end == 'b' || *end == 'B'))
        end++;
    if (*end != '\0')
        goto bad;
    *out = (int64_t)(n * mul);
    return 0;
bad:
    return berth_error_set(err, BERTH_E_INVALID, 0,
                           "invalid byte size \"%s\" (expected e.g. \"512m\", \"1g\")", s);
}

/* Appends the strings of v (an array of strings, or one string) to sv. */
void engine_model_strv(const json_t *v, struct strv *sv)
{
    if (json_is_string(v)) {
        strv_push(sv, json_string_value(v));
        return;
    }
    if (!json_is_array(v))
        return;
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e))
            strv_push(sv, json_string_value(e));
        else if (json_is_integer(e))
            strv_pushf(sv, "%lld", (long long)json_integer_value(e));
    }
}

/* model[section][key], or NULL. */
const json_t *engine_model_top(const struct berth_compose *c, const char *section,
                               const char *key)
{
    const json_t *s = json_object_get(c->model, section);
    const json_t *v = json_is_object(s) ? json_object_get(s, key) : NULL;
    return json_is_object(v) ? v : NULL;
}
