/*
 * Image verification internals shared by plugins/verify*.c and
 * compose/verify-model.c (never installed).
 */
#ifndef BERTH_PLUGINS_VERIFY_INTERNAL_H
#define BERTH_PLUGINS_VERIFY_INTERNAL_H

#include <jansson.h>

#include <berth/verify.h>

#include "core/util.h"

struct berth_verify_policy {
    bool has_mode;
    enum berth_verify_mode mode;
    char *base_dir;       /* NULL: relative keys stay relative (working directory) */
    uint64_t timeout_ms;  /* cosign timeout */
    uint64_t ttl_ms;      /* cache TTL, 0 = no cache */
    bool persist;         /* persisted cache */
    struct berth_verify_rule *rules; /* strings owned */
    size_t n_rules, cap_rules;
};

/* ------------------------------------------------------ verify-policy.c */

/*
 * Receives one problem of a policy block: its key path, whether the key
 * itself is wrong (an unknown key) rather than its value, the message and
 * the hint (may be NULL).
 */
typedef void (*verify_problem_fn)(void *user, const char *path, bool at_key, const char *msg,
                                  const char *hint);

/*
 * Reads an x-berth.verify block (a JSON object). Every problem goes to fn
 * with its path ("x-berth.verify.rules[0].key"); returns NULL when there was
 * at least one.
 */
struct berth_verify_policy *verify_policy_parse(const json_t *block, const char *base_dir,
                                                verify_problem_fn fn, void *user);

/*
 * The rule's key as cosign gets it: a KMS URI or absolute path as written,
 * a relative path joined to the base directory (malloc'd).
 */
char *verify_policy_key_path(const struct berth_verify_policy *p, size_t rule);

/*
 * The argv of `cosign verify` for digest_ref under rule: cosign, "verify",
 * the key or identity flags, --rekor-url, --offline=true, then the
 * reference. Appended to out.
 */
void verify_policy_cosign_argv(const struct berth_verify_policy *p, size_t rule,
                               const char *cosign, const char *digest_ref, struct strv *out);

/*
 * A fingerprint of the rule (SHA-256 hex of its fields and of the key
 * file's content, so that a replaced key invalidates cached results).
 * Writes 65 bytes into out.
 */
void verify_policy_fingerprint(const struct berth_verify_policy *p, size_t rule, char out[65]);

/* ------------------------------------------------------- verify-cache.c */

struct verify_cache;

/* A new empty cache; path is the persisted file (NULL: memory only). */
struct verify_cache *verify_cache_new(const char *path);

/* Frees the cache (NULL is fine). */
void verify_cache_free(struct verify_cache *c);

/* The default persisted file: $XDG_CACHE_HOME/berth/verify-cache.json, else ~/.cache/... (malloc'd, NULL without HOME). */
char *verify_cache_default_path(void);

/* The persisted file's path, or NULL. */
const char *verify_cache_path(const struct verify_cache *c);

/*
 * True when digest_ref was verified under fingerprint less than ttl_ms
 * before now_ms (unix ms). With persist, entries of the file are read in
 * first (once).
 */
bool verify_cache_lookup(struct verify_cache *c, const char *digest_ref, const char *fingerprint,
                         uint64_t ttl_ms, bool persist, uint64_t now_ms);

/*
 * Records a success at now_ms. With persist, the file is rewritten
 * atomically (temp file + rename, mode 0600; entries older than ttl_ms
 * dropped); a write failure is returned (-1, *err) but the memory entry
 * stays.
 */
int verify_cache_store(struct verify_cache *c, const char *digest_ref, const char *fingerprint,
                       uint64_t ttl_ms, bool persist, uint64_t now_ms, struct berth_error **err);

/* Empties the cache; with persisted, removes the file too. */
int verify_cache_clear(struct verify_cache *c, bool persisted, struct berth_error **err);

/* Number of entries in memory (for tests). */
size_t verify_cache_size(const struct verify_cache *c);

/* ------------------------------------------------------------- verify.c */

/* A clock in unix milliseconds (tests replace it). */
typedef uint64_t (*verify_clock_fn)(void);

/* Replaces eng's verification clock (NULL: the real one). For tests. */
void verify_set_clock(struct berth_engine *eng, verify_clock_fn fn);

/* Replaces eng's cache file path (NULL: the default). For tests. */
void verify_set_cache_path(struct berth_engine *eng, const char *path);

/* The engine's cache (created on first use). */
struct verify_cache *verify_engine_cache(struct berth_engine *eng);

#endif
