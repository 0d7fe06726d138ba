/* Flag values shared by several commands (see cli/args.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/flags.h"
#include "cli/format.h"

/* Maps the --pull words to the engine's policies. */
int args_pull_policy(const char *s, enum berth_pull_policy *out)
{
    if (s == NULL)
        *out = BERTH_PULL_DEFAULT;
    else if (strcmp(s, "always") == 0)
        *out = BERTH_PULL_ALWAYS;
    else if (strcmp(s, "missing") == 0)
        *out = BERTH_PULL_MISSING;
    else if (strcmp(s, "never") == 0)
        *out = BERTH_PULL_NEVER;
    else if (strcmp(s, "build") == 0)
        *out = BERTH_PULL_BUILD;
    else
        return cli_usage_error("use always, missing, never or build",
                               "--pull: invalid value '%s'", s);
    return 0;
}

/* Copies s or aborts. */
static char *copy(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* SERVICE=NUM with NUM a whole number >= 0. */
int args_scale(const struct cli_list *scale, struct berth_kv **out)
{
    *out = NULL;
    if (scale->n == 0)
        return 0;
    struct berth_kv *kv = calloc(scale->n, sizeof(*kv));
    if (kv == NULL)
        abort();
    for (size_t i = 0; i < scale->n; i++) {
        const char *s = scale->v[i];
        const char *eq = strchr(s, '=');
        int n;
        if (eq == NULL || eq == s || !flags_int(eq + 1, &n) || n < 0) {
            args_kv_free(kv, i);
            return cli_usage_error("write --scale SERVICE=NUM, e.g. --scale web=3",
                                   "--scale: invalid value '%s'", s);
        }
        kv[i].key = copy(s, (size_t)(eq - s));
        kv[i].value = copy(eq + 1, strlen(eq + 1));
    }
    *out = kv;
    return 0;
}

/* KEY=VALUE or KEY (from the environment). */
int args_kv(const struct cli_list *list, const char *flag, struct berth_kv **out)
{
    *out = NULL;
    if (list->n == 0)
        return 0;
    struct berth_kv *kv = calloc(list->n, sizeof(*kv));
    if (kv == NULL)
        abort();
    for (size_t i = 0; i < list->n; i++) {
        char *k, *v;
        if (!format_kv(list->v[i], &k, &v)) {
            args_kv_free(kv, i);
            return cli_usage_error("write KEY=VALUE", "%s: invalid value '%s': empty key", flag,
                                   list->v[i]);
        }
        kv[i].key = k;
        kv[i].value = v;
    }
    *out = kv;
    return 0;
}

/* Frees the copied keys and values, then the array. */
void args_kv_free(struct berth_kv *kv, size_t n)
{
    if (kv == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free((char *)kv[i].key);
        free((char *)kv[i].value);
    }
    free(kv);
}

/* NULL for an empty list (the API reads NULL as every service). */
const char *const *args_or_null(const struct cli_list *l)
{
    return l->n > 0 ? l->v : NULL;
}
