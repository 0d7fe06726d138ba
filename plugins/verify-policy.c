/*
 * Verification policies: the mode, the rules (pattern -> key or keyless
 * identity), the cosign timeout and the cache settings; reading them from
 * an x-berth.verify block; matching a reference to a rule; the exact argv of
 * `cosign verify` a rule gives; and a rule's cache fingerprint.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <berth/runtime.h>

#include "plugins/imgref.h"
#include "plugins/verify-internal.h"

/* Biggest key file hashed into a fingerprint (a PEM public key is far smaller). */
#define KEY_FILE_MAX (1024 * 1024)

/* Mode names, indexed by enum berth_verify_mode. */
static const char *const mode_names[] = {"off", "warn", "enforce"};

/* The mode's name. */
const char *berth_verify_mode_name(enum berth_verify_mode m)
{
    if ((unsigned)m >= ARRAY_LEN(mode_names))
        return NULL;
    return mode_names[m];
}

/* Parses a mode name. */
int berth_verify_mode_parse(const char *s, enum berth_verify_mode *out, struct berth_error **err)
{
    for (size_t i = 0; s != NULL && i < ARRAY_LEN(mode_names); i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *out = (enum berth_verify_mode)i;
            return 0;
        }
    }
    berth_error_set(err, BERTH_E_INVALID, 0, "invalid verification mode '%s'", s ? s : "");
    if (err != NULL)
        berth_error_set_hint(*err, "use off, warn or enforce");
    return -1;
}

/* ------------------------------------------------------------ lifecycle */

/* A new empty policy. */
struct berth_verify_policy *berth_verify_policy_new(void)
{
    struct berth_verify_policy *p = xcalloc(1, sizeof(*p));
    p->timeout_ms = BERTH_VERIFY_TIMEOUT_DEFAULT_MS;
    p->ttl_ms = BERTH_VERIFY_CACHE_TTL_DEFAULT_MS;
    return p;
}

/* Frees one rule's strings. */
static void rule_clear(struct berth_verify_rule *r)
{
    free((char *)r->image);
    free((char *)r->key);
    free((char *)r->certificate_identity);
    free((char *)r->certificate_identity_regexp);
    free((char *)r->certificate_oidc_issuer);
    free((char *)r->certificate_oidc_issuer_regexp);
    free((char *)r->rekor_url);
}

/* Frees a policy. */
void berth_verify_policy_free(struct berth_verify_policy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_rules; i++)
        rule_clear(&p->rules[i]);
    free(p->rules);
    free(p->base_dir);
    free(p);
}

/* strdup that keeps NULL. */
static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

/* Appends an owned copy of r (already validated). */
static void rule_push(struct berth_verify_policy *p, const struct berth_verify_rule *r)
{
    p->rules = xreallocarray_grow(p->rules, &p->cap_rules, p->n_rules + 1, sizeof(*p->rules));
    struct berth_verify_rule *c = &p->rules[p->n_rules++];
    c->image = xstrdup(r->image);
    c->key = dup_or_null(r->key);
    c->certificate_identity = dup_or_null(r->certificate_identity);
    c->certificate_identity_regexp = dup_or_null(r->certificate_identity_regexp);
    c->certificate_oidc_issuer = dup_or_null(r->certificate_oidc_issuer);
    c->certificate_oidc_issuer_regexp = dup_or_null(r->certificate_oidc_issuer_regexp);
    c->rekor_url = dup_or_null(r->rekor_url);
    c->offline = r->offline;
}

/* A deep copy. */
struct berth_verify_policy *berth_verify_policy_copy(const struct berth_verify_policy *p)
{
    struct berth_verify_policy *c = berth_verify_policy_new();
    if (p == NULL)
        return c;
    c->has_mode = p->has_mode;
    c->mode = p->mode;
    c->base_dir = dup_or_null(p->base_dir);
    c->timeout_ms = p->timeout_ms;
    c->ttl_ms = p->ttl_ms;
    c->persist = p->persist;
    for (size_t i = 0; i < p->n_rules; i++)
        rule_push(c, &p->rules[i]);
    return c;
}

/* Sets the policy's own mode. */
void berth_verify_policy_set_mode(struct berth_verify_policy *p, enum berth_verify_mode mode)
{
    p->has_mode = true;
    p->mode = mode;
}

/* The policy's own mode. */
enum berth_verify_mode berth_verify_policy_mode(const struct berth_verify_policy *p,
                                                bool *has_mode)
{
    if (has_mode != NULL)
        *has_mode = p->has_mode;
    return p->has_mode ? p->mode : BERTH_VERIFY_OFF;
}

/* Sets the base directory of relative key paths. */
void berth_verify_policy_set_base_dir(struct berth_verify_policy *p, const char *dir)
{
    free(p->base_dir);
    p->base_dir = dup_or_null(dir);
}

/* Sets the cosign timeout. */
void berth_verify_policy_set_timeout(struct berth_verify_policy *p, uint64_t ms)
{
    p->timeout_ms = ms != 0 ? ms : BERTH_VERIFY_TIMEOUT_DEFAULT_MS;
}

/* The cosign timeout. */
uint64_t berth_verify_policy_timeout(const struct berth_verify_policy *p)
{
    return p->timeout_ms;
}

/* Sets the cache TTL and persistence. */
void berth_verify_policy_set_cache(struct berth_verify_policy *p, uint64_t ttl_ms, bool persist)
{
    p->ttl_ms = ttl_ms;
    p->persist = persist;
}

/* The cache TTL and persistence. */
uint64_t berth_verify_policy_cache(const struct berth_verify_policy *p, bool *persist)
{
    if (persist != NULL)
        *persist = p->persist;
    return p->ttl_ms;
}

/* ---------------------------------------------------------------- rules */

/* True for a non-empty string. */
static bool set(const char *s)
{
    return s != NULL && *s != '\0';
}

/* True for text without control characters (it ends up in cosign's argv and messages). */
static bool clean(const char *s)
{
    for (; s != NULL && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/*
 * Checks a rule; on a problem returns its message and sets *field (the
 * offending key) and *hint. NULL when the rule is fine.
 */
static const char *rule_problem(const struct berth_verify_rule *r, const char **field,
                                const char **hint)
{
    *hint = NULL;
    *field = "image";
    if (!set(r->image)) {
        *hint = "give the image pattern the rule applies to, e.g. image: \"ghcr.io/acme/*\"";
        return "a rule needs an image pattern";
    }
    if (!clean(r->image))
        return "the image pattern contains control characters";
    bool keyless = set(r->certificate_identity) || set(r->certificate_identity_regexp) ||
                   set(r->certificate_oidc_issuer) || set(r->certificate_oidc_issuer_regexp);
    *field = NULL; /* problems of the rule as a whole */
    if (set(r->key) && keyless) {
        *field = "key";
        *hint = "a rule verifies either with a public key (key) or keyless (certificate_identity "
                "and certificate_oidc_issuer): write two rules if you need both";
        return "key and a keyless identity are both given";
    }
    if (!set(r->key) && !keyless) {
        *hint = "add key: cosign.pub, or certificate_identity and certificate_oidc_issuer for "
                "keyless signatures";
        return "the rule gives neither a key nor a keyless identity";
    }
    if (set(r->key)) {
        *field = "key";
        if (!clean(r->key) || r->key[0] == '-') {
            *hint = "give the path of the public key file (relative to the project directory)";
            return "the key is not a usable path or URI";
        }
    } else {
        *field = "certificate_identity";
        if (set(r->certificate_identity) == set(r->certificate_identity_regexp)) {
            *hint = "give exactly one of certificate_identity and certificate_identity_regexp";
            return set(r->certificate_identity)
                       ? "certificate_identity and certificate_identity_regexp are both given"
                       : "keyless verification needs certificate_identity (or "
                         "certificate_identity_regexp)";
        }
        *field = "certificate_oidc_issuer";
        if (set(r->certificate_oidc_issuer) == set(r->certificate_oidc_issuer_regexp)) {
            *hint = "give exactly one of certificate_oidc_issuer and "
                    "certificate_oidc_issuer_regexp (e.g. https://token.actions.githubusercontent.com)";
            return set(r->certificate_oidc_issuer)
                       ? "certificate_oidc_issuer and certificate_oidc_issuer_regexp are both given"
                       : "keyless verification needs certificate_oidc_issuer (or "
                         "certificate_oidc_issuer_regexp)";
        }
        const char *vals[] = {r->certificate_identity, r->certificate_identity_regexp,
                              r->certificate_oidc_issuer, r->certificate_oidc_issuer_regexp};
        for (size_t i = 0; i < ARRAY_LEN(vals); i++)
            if (!clean(vals[i]))
                return "the identity contains control characters";
    }
    if (r->rekor_url != NULL) {
        *field = "rekor_url";
        if (!(str_starts_with(r->rekor_url, "https://") ||
              str_starts_with(r->rekor_url, "http://")) ||
            !clean(r->rekor_url) || strlen(r->rekor_url) <= 8) {
            *hint = "use the transparency log's URL, e.g. https://rekor.sigstore.dev";
            return "rekor_url is not an http(s) URL";
        }
    }
    return NULL;
}

/* Appends a rule after checking it. */
int berth_verify_policy_add_rule(struct berth_verify_policy *p,
                                 const struct berth_verify_rule *rule, struct berth_error **err)
{
    if (rule == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "no rule given");
    const char *field, *hint;
    const char *msg = rule_problem(rule, &field, &hint);
    if (msg != NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "verification rule %s: %s%s%s",
                        set(rule->image) ? rule->image : "(no image)", field ? field : "",
                        field ? ": " : "", msg);
        if (err != NULL && hint != NULL)
            berth_error_set_hint(*err, "%s", hint);
        return -1;
    }
    rule_push(p, rule);
    return 0;
}

/* Number of rules. */
size_t berth_verify_policy_rule_count(const struct berth_verify_policy *p)
{
    return p->n_rules;
}

/* The i-th rule. */
const struct berth_verify_rule *berth_verify_policy_rule(const struct berth_verify_policy *p,
                                                         size_t i)
{
    return i < p->n_rules ? &p->rules[i] : NULL;
}

/* The first rule matching ref as written or normalised. */
int berth_verify_policy_match(const struct berth_verify_policy *p, const char *ref)
{
    if (p == NULL || ref == NULL)
        return -1;
    struct imgref r;
    char *norm = NULL, *repo = NULL;
    if (imgref_parse(ref, &r) == 0) {
        norm = imgref_normalized(&r);
        repo = imgref_repository(&r);
        imgref_free(&r);
    }
    int found = -1;
    for (size_t i = 0; i < p->n_rules && found < 0; i++) {
        const char *pat = p->rules[i].image;
        if (fnmatch(pat, ref, 0) == 0 || (norm != NULL && fnmatch(pat, norm, 0) == 0) ||
            (repo != NULL && fnmatch(pat, repo, 0) == 0))
            found = (int)i;
    }
    free(norm);
    free(repo);
    return found;
}

/* ------------------------------------------------------------ from JSON */

/* Parser state: where problems go. */
struct pstate {
    verify_problem_fn fn;
    void *user;
    size_t problems;
    bool at_key; /* the next problem is about a key, not its value */
};

/* Reports one problem at path. */
static void problem(struct pstate *ps, const char *path, const char *hint, const char *fmt, ...)
    BERTH_PRINTF(4, 5);
static void problem(struct pstate *ps, const char *path, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    ps->problems++;
    if (ps->fn != NULL)
        ps->fn(ps->user, path, ps->at_key, msg, hint);
    ps->at_key = false;
    free(msg);
}

/* True when key is in the NULL-terminated list. */
static bool known(const char *key, const char *const *keys)
{
    for (; *keys != NULL; keys++)
        if (strcmp(key, *keys) == 0)
            return true;
    return false;
}

/* Reports keys of o that are not in keys. */
static void unknown_keys(struct pstate *ps, const json_t *o, const char *path,
                         const char *const *keys, const char *list)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (known(k, keys))
            continue;
        char *at = xasprintf("%s.%s", path, k);
        char *hint = xasprintf("the keys here are %s", list);
        ps->at_key = true;
        problem(ps, at, hint, "unknown key '%s'", k);
        free(hint);
        free(at);
    }
}

/* A string field (NULL when absent); a problem when present but not a string. */
static const char *str_field(struct pstate *ps, const json_t *o, const char *path,
                             const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        char *at = xasprintf("%s.%s", path, key);
        problem(ps, at, "write the value as a string", "must be a string");
        free(at);
        return NULL;
    }
    return json_string_value(v);
}

/* A boolean field (true/false, or the strings "true"/"false" left by interpolation). */
static bool bool_field(struct pstate *ps, const json_t *o, const char *path, const char *key,
                       bool def)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v))
        return def;
    if (json_is_boolean(v))
        return json_is_true(v);
    const char *s = json_string_value(v);
    if (s != NULL && strcmp(s, "true") == 0)
        return true;
    if (s != NULL && strcmp(s, "false") == 0)
        return false;
    char *at = xasprintf("%s.%s", path, key);
    problem(ps, at, "write true or false", "must be a boolean");
    free(at);
    return def;
}

/* A duration field (a number of seconds or "1m30s"); false on a problem. */
static bool duration_field(struct pstate *ps, const json_t *o, const char *path, const char *key,
                           uint64_t *ms, bool zero_ok)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v))
        return true;
    char *at = xasprintf("%s.%s", path, key);
    bool ok = false;
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        json_integer_value(v) < (json_int_t)(UINT64_MAX / 1000 / 2)) {
        *ms = (uint64_t)json_integer_value(v) * 1000;
        ok = true;
    } else if (json_is_string(v)) {
        struct berth_error *e = NULL;
        ok = berth_duration_parse(json_string_value(v), ms, &e) == 0;
        berth_error_free(e);
    }
    if (!ok)
        problem(ps, at, "use seconds (60) or a duration with units ms, s, m, h (90s, 1h)",
                "invalid duration");
    else if (*ms == 0 && !zero_ok) {
        problem(ps, at, "use a positive duration such as 60s", "must be more than 0");
        ok = false;
    }
    free(at);
    return ok;
}

/* Reads one rule at path into the policy. */
static void parse_rule(struct pstate *ps, struct berth_verify_policy *p, const json_t *o,
                       const char *path)
{
    static const char *const keys[] = {"image",
                                       "key",
                                       "certificate_identity",
                                       "certificate_identity_regexp",
                                       "certificate_oidc_issuer",
                                       "certificate_oidc_issuer_regexp",
                                       "rekor_url",
                                       "offline",
                                       NULL};
    if (!json_is_object(o)) {
        problem(ps, path,
                "write a mapping such as {image: \"ghcr.io/acme/*\", key: cosign.pub}",
                "a rule must be a mapping");
        return;
    }
    size_t before = ps->problems;
    unknown_keys(ps, o, path, keys,
                 "image, key, certificate_identity, certificate_identity_regexp, "
                 "certificate_oidc_issuer, certificate_oidc_issuer_regexp, rekor_url, offline");
    struct berth_verify_rule r = {
        .image = str_field(ps, o, path, "image"),
        .key = str_field(ps, o, path, "key"),
        .certificate_identity = str_field(ps, o, path, "certificate_identity"),
        .certificate_identity_regexp = str_field(ps, o, path, "certificate_identity_regexp"),
        .certificate_oidc_issuer = str_field(ps, o, path, "certificate_oidc_issuer"),
        .certificate_oidc_issuer_regexp =
            str_field(ps, o, path, "certificate_oidc_issuer_regexp"),
        .rekor_url = str_field(ps, o, path, "rekor_url"),
        .offline = bool_field(ps, o, path, "offline", false),
    };
    if (ps->problems != before)
        return;
    const char *field, *hint;
    const char *msg = rule_problem(&r, &field, &hint);
    if (msg != NULL) {
        /* point at the offending key when the rule has it, else at the rule */
        char *at = field != NULL && json_object_get(o, field) != NULL
                       ? xasprintf("%s.%s", path, field)
                       : xstrdup(path);
        problem(ps, at, hint, "%s", msg);
        free(at);
        return;
    }
    rule_push(p, &r);
}

/* Reads an x-berth.verify block. */
struct berth_verify_policy *verify_policy_parse(const json_t *block, const char *base_dir,
                                                verify_problem_fn fn, void *user)
{
    static const char *const keys[] = {"mode", "timeout", "cache", "rules", NULL};
    static const char *const cache_keys[] = {"ttl", "persist", NULL};
    const char *root = "x-berth.verify";
    struct pstate ps = {.fn = fn, .user = user};
    struct berth_verify_policy *p = berth_verify_policy_new();
    berth_verify_policy_set_base_dir(p, base_dir);
    if (block == NULL || json_is_null(block))
        return p;
    if (!json_is_object(block)) {
        problem(&ps, root, "write a mapping: verify: {mode: enforce, rules: [...]}",
                "must be a mapping");
        berth_verify_policy_free(p);
        return NULL;
    }
    unknown_keys(&ps, block, root, keys, "mode, timeout, cache, rules");
    const char *mode = str_field(&ps, block, root, "mode");
    if (mode != NULL) {
        enum berth_verify_mode m;
        if (berth_verify_mode_parse(mode, &m, NULL) == 0)
            berth_verify_policy_set_mode(p, m);
        else
            problem(&ps, "x-berth.verify.mode", "use off, warn or enforce",
                    "invalid mode '%s'", mode);
    }
    duration_field(&ps, block, root, "timeout", &p->timeout_ms, false);
    const json_t *cache = json_object_get(block, "cache");
    if (cache != NULL && !json_is_null(cache)) {
        if (!json_is_object(cache)) {
            problem(&ps, "x-berth.verify.cache", "write cache: {ttl: 1h, persist: true}",
                    "must be a mapping");
        } else {
            unknown_keys(&ps, cache, "x-berth.verify.cache", cache_keys, "ttl, persist");
            duration_field(&ps, cache, "x-berth.verify.cache", "ttl", &p->ttl_ms, true);
            p->persist = bool_field(&ps, cache, "x-berth.verify.cache", "persist", false);
        }
    }
    const json_t *rules = json_object_get(block, "rules");
    if (rules != NULL && !json_is_null(rules)) {
        if (!json_is_array(rules)) {
            problem(&ps, "x-berth.verify.rules",
                    "write a list: rules: [{image: \"ghcr.io/acme/*\", key: cosign.pub}]",
                    "must be a list");
        } else {
            size_t i;
            json_t *r;
            json_array_foreach(rules, i, r)
            {
                char *path = xasprintf("x-berth.verify.rules[%zu]", i);
                parse_rule(&ps, p, r, path);
                free(path);
            }
        }
    }
    if (ps.problems > 0) {
        berth_verify_policy_free(p);
        return NULL;
    }
    return p;
}

/* Collects problems as lines of one error. */
struct collect {
    struct strv lines;
};

/* Adds "path: msg; hint: hint" to the list. */
static void collect_problem(void *user, const char *path, bool at_key, const char *msg,
                            const char *hint)
{
    (void)at_key;
    struct collect *c = user;
    if (hint != NULL)
        strv_pushf(&c->lines, "%s: %s; hint: %s", path, msg, hint);
    else
        strv_pushf(&c->lines, "%s: %s", path, msg);
}

/* Reads a policy from JSON text. */
struct berth_verify_policy *berth_verify_policy_from_json(const char *json, const char *base_dir,
                                                          struct berth_error **err)
{
    if (json == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "no policy text given");
        return NULL;
    }
    json_error_t jerr;
    json_t *block = json_loads(json, JSON_DECODE_ANY, &jerr);
    if (block == NULL) {
        berth_error_set(err, BERTH_E_PARSE, 0, "x-berth.verify: invalid JSON at %d:%d: %s",
                        jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    struct collect c;
    strv_init(&c.lines);
    struct berth_verify_policy *p = verify_policy_parse(block, base_dir, collect_problem, &c);
    json_decref(block);
    if (p == NULL) {
        size_t len = 1;
        for (size_t i = 0; i < c.lines.n; i++)
            len += strlen(c.lines.v[i]) + 1;
        char *text = xcalloc(1, len);
        for (size_t i = 0; i < c.lines.n; i++) {
            if (i > 0)
                strcat(text, "\n");
            strcat(text, c.lines.v[i]);
        }
        berth_error_set(err, BERTH_E_INVALID, 0, "%s", text);
        free(text);
    }
    strv_free(&c.lines);
    return p;
}

/* --------------------------------------------------------------- cosign */

/* The key as cosign gets it. */
char *verify_policy_key_path(const struct berth_verify_policy *p, size_t rule)
{
    const char *key = p->rules[rule].key;
    if (key == NULL)
        return NULL;
    if (strstr(key, "://") != NULL || key[0] == '/' || p->base_dir == NULL)
        return xstrdup(key);
    const char *k = str_starts_with(key, "./") ? key + 2 : key;
    return xasprintf("%s%s%s", p->base_dir, str_ends_with(p->base_dir, "/") ? "" : "/", k);
}

/* The argv of `cosign verify`. */
void verify_policy_cosign_argv(const struct berth_verify_policy *p, size_t rule,
                               const char *cosign, const char *digest_ref, struct strv *out)
{
    const struct berth_verify_rule *r = &p->rules[rule];
    strv_push(out, cosign);
    strv_push(out, "verify");
    if (r->key != NULL) {
        strv_push(out, "--key");
        strv_push_take(out, verify_policy_key_path(p, rule));
    } else {
        if (r->certificate_identity != NULL) {
            strv_push(out, "--certificate-identity");
            strv_push(out, r->certificate_identity);
        } else {
            strv_push(out, "--certificate-identity-regexp");
            strv_push(out, r->certificate_identity_regexp);
        }
        if (r->certificate_oidc_issuer != NULL) {
            strv_push(out, "--certificate-oidc-issuer");
            strv_push(out, r->certificate_oidc_issuer);
        } else {
            strv_push(out, "--certificate-oidc-issuer-regexp");
            strv_push(out, r->certificate_oidc_issuer_regexp);
        }
    }
    if (r->rekor_url != NULL) {
        strv_push(out, "--rekor-url");
        strv_push(out, r->rekor_url);
    }
    if (r->offline)
        strv_push(out, "--offline=true");
    strv_push(out, digest_ref);
}

/* Adds "name=value\n" to the digest (NULL values are written as "-"). */
static void fp_field(EVP_MD_CTX *ctx, const char *name, const char *value)
{
    EVP_DigestUpdate(ctx, name, strlen(name));
    EVP_DigestUpdate(ctx, "=", 1);
    if (value != NULL) {
        EVP_DigestUpdate(ctx, "+", 1);
        EVP_DigestUpdate(ctx, value, strlen(value));
    } else {
        EVP_DigestUpdate(ctx, "-", 1);
    }
    EVP_DigestUpdate(ctx, "\n", 1);
}

/* Adds the key file's content (or that it could not be read). */
static void fp_key_file(EVP_MD_CTX *ctx, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fp_field(ctx, "keyfile", NULL);
        return;
    }
    EVP_DigestUpdate(ctx, "keyfile=", 8);
    char buf[4096];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || total > KEY_FILE_MAX)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += (size_t)n;
    }
    close(fd);
    EVP_DigestUpdate(ctx, "\n", 1);
}

/* A fingerprint of the rule. */
void verify_policy_fingerprint(const struct berth_verify_policy *p, size_t rule, char out[65])
{
    const struct berth_verify_rule *r = &p->rules[rule];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    fp_field(ctx, "v", "1");
    char *key = verify_policy_key_path(p, rule);
    fp_field(ctx, "key", key);
    if (key != NULL && strstr(key, "://") == NULL)
        fp_key_file(ctx, key);
    free(key);
    fp_field(ctx, "identity", r->certificate_identity);
    fp_field(ctx, "identity_regexp", r->certificate_identity_regexp);
    fp_field(ctx, "issuer", r->certificate_oidc_issuer);
    fp_field(ctx, "issuer_regexp", r->certificate_oidc_issuer_regexp);
    fp_field(ctx, "rekor", r->rekor_url);
    fp_field(ctx, "offline", r->offline ? "true" : "false");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32 && i < len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
