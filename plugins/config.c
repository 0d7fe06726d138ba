/*
 * Backend configuration: values set through the API, then environment
 * variables BERTH_<FLAVOUR>_<KEY> / BERTH_<DRIVER>_<KEY>; and durations.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/plugins-internal.h"

/* True when a and b are both NULL or equal strings. */
static bool same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Sets or unsets one configuration value. */
int berth_backend_config_set(struct berth_engine *eng, const char *backend, const char *key,
                             const char *value, struct berth_error **err)
{
    if (key == NULL || *key == '\0')
        return berth_error_set(err, BERTH_E_INVALID, 0, "backend configuration: empty key");
    if (backend != NULL && *backend == '\0')
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "backend configuration '%s': empty backend name", key);
    struct plugin_registry *reg = plugins_registry(eng);
    for (size_t i = 0; i < reg->n_config; i++) {
        struct plugin_config *c = &reg->config[i];
        if (same(c->backend, backend) && strcmp(c->key, key) == 0) {
            free(c->value);
            if (value != NULL) {
                c->value = xstrdup(value);
            } else {
                free(c->backend);
                free(c->key);
                reg->config[i] = reg->config[--reg->n_config];
            }
            return 0;
        }
    }
    if (value == NULL)
        return 0;
    reg->config = xreallocarray_grow(reg->config, &reg->cap_config, reg->n_config + 1,
                                     sizeof(*reg->config));
    reg->config[reg->n_config].backend = backend ? xstrdup(backend) : NULL;
    reg->config[reg->n_config].key = xstrdup(key);
    reg->config[reg->n_config].value = xstrdup(value);
    reg->n_config++;
    return 0;
}

/* The API-set value for (backend, key), or NULL. */
static const char *config_find(struct plugin_registry *reg, const char *backend, const char *key)
{
    for (size_t i = 0; i < reg->n_config; i++)
        if (same(reg->config[i].backend, backend) && strcmp(reg->config[i].key, key) == 0)
            return reg->config[i].value;
    return NULL;
}

/* getenv("BERTH_<NAME>_<KEY>") with the name and key upper-cased and sanitised. */
static const char *config_env(const char *name, const char *key)
{
    char *var = xasprintf("BERTH_%s_%s", name, key);
    for (char *p = var; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        *p = isalnum(ch) ? (char)toupper(ch) : '_';
    }
    const char *v = getenv(var);
    free(var);
    return v;
}

/* Looks a key up for a flavour/driver pair (see berth/runtime.h for the order). */
const char *berth_backend_config_get(struct berth_engine *eng, const char *flavour,
                                     const char *driver, const char *key)
{
    if (key == NULL)
        return NULL;
    struct plugin_registry *reg = plugins_registry(eng);
    const char *v = NULL;
    if (flavour != NULL && (v = config_find(reg, flavour, key)) != NULL)
        return v;
    if (driver != NULL && !same(driver, flavour) && (v = config_find(reg, driver, key)) != NULL)
        return v;
    if ((v = config_find(reg, NULL, key)) != NULL)
        return v;
    if (flavour != NULL && (v = config_env(flavour, key)) != NULL)
        return v;
    if (driver != NULL && !same(driver, flavour) && (v = config_env(driver, key)) != NULL)
        return v;
    return NULL;
}

/* Parses "300", "30s", "1m30s", "500ms", "2h" into milliseconds. */
int berth_duration_parse(const char *text, uint64_t *ms, struct berth_error **err)
{
    const char *hint = "use seconds (300) or numbers with units ms, s, m, h (500ms, 1m30s)";
    if (text == NULL || *text == '\0')
        goto bad;
    const char *p = text;
    uint64_t total = 0;
    bool bare = true;
    while (*p != '\0') {
        if (!isdigit((unsigned char)*p))
            goto bad;
        char *end;
        unsigned long long n = strtoull(p, &end, 10);
        double frac = 0, scale = 0.1;
        if (*end == '.') { /* by hand: strtod would follow the embedder's locale */
            for (end++; isdigit((unsigned char)*end); end++, scale /= 10)
                frac += (*end - '0') * scale;
        }
        uint64_t unit;
        if (strncmp(end, "ms", 2) == 0) {
            unit = 1;
            end += 2;
        } else if (*end == 's') {
            unit = 1000;
            end++;
        } else if (*end == 'm') {
            unit = 60000;
            end++;
        } else if (*end == 'h') {
            unit = 3600000;
            end++;
        } else if (*end == '\0' && bare && p == text) {
            unit = 1000; /* a bare number is seconds */
        } else {
            goto bad;
        }
        bare = false;
        if (n > UINT64_MAX / unit / 2)
            goto bad;
        total += (uint64_t)n * unit + (uint64_t)(frac * (double)unit);
        p = end;
    }
    *ms = total;
    return 0;
bad:
    berth_error_set(err, BERTH_E_INVALID, 0, "invalid duration '%s'", text ? text : "");
    if (err != NULL)
        berth_error_set_hint(*err, "%s", hint);
    return -1;
}
