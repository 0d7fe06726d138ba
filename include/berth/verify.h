/*
 * Image signature verification with cosign.
 *
 * A policy (struct berth_verify_policy) has a mode — off, warn or enforce —
 * and rules matched by image pattern (fnmatch(3) on the reference as written
 * and on its normalised form, "alpine" -> "docker.io/library/alpine:latest";
 * the first matching rule wins). A rule carries either a public key (a file,
 * relative to the policy's base directory, or a cosign KMS URI) or a keyless
 * identity (certificate identity and OIDC issuer, exact or as regular
 * expressions), plus an optional Rekor URL and offline flag. No identity is
 * built in: in enforce mode an image that no rule matches is refused.
 *
 * Verification runs `cosign verify` (through berth_proc_spawn, argv only)
 * against `repository@sha256:<manifest digest>`: the repository digest the
 * backend reports for the image (IMAGE_INSPECT repo_digests), never the
 * local image id. An image without a repository digest (built or imported
 * locally, or a localhost/ image) cannot be verified: enforce refuses it,
 * warn says so once. Successful verifications are cached by digest and rule
 * for a TTL (default 1 h), in memory and, when the policy asks for it, in
 * $XDG_CACHE_HOME/berth/verify-cache.json (written atomically, mode 0600);
 * failures and timeouts are never cached.
 *
 * The effective mode is, by precedence: berth_verify_set_mode() (the CLI's
 * --verify), the BERTH_VERIFY environment variable, the policy's own mode
 * (x-berth.verify.mode in a compose file), else off. The compose engine
 * verifies the images of the services it brings up (up, run) after pulling
 * and before creating anything, with the project's x-berth.verify policy;
 * berth_container_run() / berth_container_create() and sandbox runs verify
 * the spec's image with the engine's policy (berth_verify_set_policy()).
 *
 * Operations are asynchronous on the engine's event_base; the completion
 * callback runs exactly once, from the loop, never from inside the call that
 * started the operation.
 */
#ifndef BERTH_VERIFY_H
#define BERTH_VERIFY_H

#include <berth/berth.h>
#include <berth/common.h>
#include <berth/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_engine;
struct berth_backend;
struct berth_project;

/** Default time `cosign verify` may take (ms). */
#define BERTH_VERIFY_TIMEOUT_DEFAULT_MS (60u * 1000u)

/** Default lifetime of a cached successful verification (ms). */
#define BERTH_VERIFY_CACHE_TTL_DEFAULT_MS (3600u * 1000u)

/** Most bytes of cosign's stderr kept in an error message. */
#define BERTH_VERIFY_STDERR_MAX 2048

/** Verification modes. */
enum berth_verify_mode {
    BERTH_VERIFY_OFF = 0, /* nothing is checked */
    BERTH_VERIFY_WARN,    /* failures are logged as warnings; the operation goes on */
    BERTH_VERIFY_ENFORCE, /* a failure stops the operation before anything is created */
};

/** The mode's name ("off", "warn", "enforce"), NULL when out of range. */
BERTH_API const char *berth_verify_mode_name(enum berth_verify_mode m);

/**
 * Parses a mode name ("off", "warn", "enforce"). Fails with BERTH_E_INVALID
 * naming the accepted words.
 */
BERTH_API int berth_verify_mode_parse(const char *s, enum berth_verify_mode *out,
                                      struct berth_error **err);

/* ---------------------------------------------------------------- policies */

/**
 * One rule. Exactly one of key and the keyless identity is set; keyless
 * needs one of certificate_identity / certificate_identity_regexp and one of
 * certificate_oidc_issuer / certificate_oidc_issuer_regexp.
 */
struct berth_verify_rule {
    const char *image; /* fnmatch(3) pattern on the reference, e.g. ghcr.io/acme/app* */
    const char *key;   /* public key file (relative: to the base dir) or KMS URI */
    const char *certificate_identity;
    const char *certificate_identity_regexp;
    const char *certificate_oidc_issuer;
    const char *certificate_oidc_issuer_regexp;
    const char *rekor_url; /* NULL = cosign's default */
    bool offline;          /* verify without network lookups (cosign --offline) */
};

/** A verification policy (mode, rules, timeout, cache settings). */
struct berth_verify_policy;

/** A new empty policy: no mode of its own, no rules, default timeout and cache TTL. */
BERTH_API struct berth_verify_policy *berth_verify_policy_new(void);

/** Frees a policy (NULL is fine). */
BERTH_API void berth_verify_policy_free(struct berth_verify_policy *p);

/** A deep copy of p. */
BERTH_API struct berth_verify_policy *berth_verify_policy_copy(const struct berth_verify_policy *p);

/** Sets the policy's own mode (what x-berth.verify.mode says). */
BERTH_API void berth_verify_policy_set_mode(struct berth_verify_policy *p,
                                            enum berth_verify_mode mode);

/** The policy's own mode, and (has_mode) whether it set one. */
BERTH_API enum berth_verify_mode berth_verify_policy_mode(const struct berth_verify_policy *p,
                                                          bool *has_mode);

/** Sets the directory relative key paths resolve against (NULL: the working directory). */
BERTH_API void berth_verify_policy_set_base_dir(struct berth_verify_policy *p, const char *dir);

/** Sets how long one `cosign verify` may run (ms, 0 = the default 60 s). */
BERTH_API void berth_verify_policy_set_timeout(struct berth_verify_policy *p, uint64_t ms);

/** The cosign timeout in ms. */
BERTH_API uint64_t berth_verify_policy_timeout(const struct berth_verify_policy *p);

/**
 * Sets the cache: ttl_ms how long a success is trusted (0: nothing is
 * cached), persist whether successes are also kept on disk in
 * $XDG_CACHE_HOME/berth (else ~/.cache/berth).
 */
BERTH_API void berth_verify_policy_set_cache(struct berth_verify_policy *p, uint64_t ttl_ms,
                                             bool persist);

/** The cache TTL (ms) and (persist, may be NULL) whether it is persisted. */
BERTH_API uint64_t berth_verify_policy_cache(const struct berth_verify_policy *p, bool *persist);

/**
 * Appends a rule (copied). Fails with BERTH_E_INVALID (the policy unchanged)
 * when the pattern is empty, when both or neither of key and identity are
 * given, when a keyless rule lacks its identity or issuer (or gives both the
 * exact and the regexp form), or when rekor_url is not an http(s) URL.
 */
BERTH_API int berth_verify_policy_add_rule(struct berth_verify_policy *p,
                                           const struct berth_verify_rule *rule,
                                           struct berth_error **err);

/** Number of rules. */
BERTH_API size_t berth_verify_policy_rule_count(const struct berth_verify_policy *p);

/** The i-th rule (owned by the policy), or NULL when out of range. */
BERTH_API const struct berth_verify_rule *
berth_verify_policy_rule(const struct berth_verify_policy *p, size_t i);

/**
 * Index of the first rule whose pattern matches ref (as written or
 * normalised), or -1 when none does.
 */
BERTH_API int berth_verify_policy_match(const struct berth_verify_policy *p, const char *ref);

/**
 * Reads a policy from the JSON text of an x-berth.verify block:
 * {"mode": ..., "timeout": "60s", "cache": {"ttl": "1h", "persist": true},
 * "rules": [{"image": ..., "key": ...}, ...]} (docs/verify.md). Relative key
 * paths resolve against base_dir. Fails with BERTH_E_INVALID listing every
 * problem, one per line, as "x-berth.verify.<path>: problem; hint: fix".
 */
BERTH_API struct berth_verify_policy *berth_verify_policy_from_json(const char *json,
                                                                    const char *base_dir,
                                                                    struct berth_error **err);

/**
 * Reads the x-berth.verify block of a loaded project (relative key paths
 * resolve against the project directory). Returns an empty policy when the
 * block is absent. Fails with BERTH_E_INVALID listing every problem as
 * "file:line:col: x-berth.verify.<path>: problem; hint: fix" (the position
 * when it can be found in the compose files).
 */
BERTH_API struct berth_verify_policy *
berth_verify_policy_from_project(const struct berth_project *project, struct berth_error **err);

/* --------------------------------------------------- engine-wide settings */

/**
 * Overrides the mode of every policy used on eng (the CLI's --verify); it
 * takes precedence over BERTH_VERIFY and the policies' own modes.
 */
BERTH_API void berth_verify_set_mode(struct berth_engine *eng, enum berth_verify_mode mode);

/**
 * Sets the policy used where no project gives one (container API, sandbox
 * runs, and projects without an x-berth.verify block). Copied; NULL resets
 * it to an empty policy.
 */
BERTH_API void berth_verify_set_policy(struct berth_engine *eng,
                                       const struct berth_verify_policy *policy);

/**
 * The mode a verification with policy p (NULL: the engine's policy) would
 * run in: berth_verify_set_mode(), else BERTH_VERIFY, else p's mode, else
 * off. Fails with BERTH_E_INVALID when BERTH_VERIFY holds another word.
 */
BERTH_API int berth_verify_effective_mode(struct berth_engine *eng,
                                          const struct berth_verify_policy *p,
                                          enum berth_verify_mode *out, struct berth_error **err);

/* ------------------------------------------------------------- operations */

/** What happened to one image. */
enum berth_verify_status {
    BERTH_VERIFY_SKIPPED = 0, /* mode off (or the backend runs no images) */
    BERTH_VERIFY_VERIFIED,    /* cosign verified it now */
    BERTH_VERIFY_CACHED,      /* verified earlier, within the cache TTL */
    BERTH_VERIFY_NO_RULE,     /* no rule matches the image */
    BERTH_VERIFY_NO_DIGEST,   /* no repository digest: a local image */
    BERTH_VERIFY_FAILED,      /* cosign rejected it, timed out, or could not run */
};

/** The status's name ("skipped", "verified", "cached", "no-rule", "no-digest", "failed"). */
BERTH_API const char *berth_verify_status_name(enum berth_verify_status s);

/** The outcome for one image, valid during the completion callback only. */
struct berth_verify_report {
    const char *image;       /* the reference as given */
    const char *digest_ref;  /* "repository@sha256:<digest>" checked, or NULL */
    const char *rule;        /* the matching rule's image pattern, or NULL */
    enum berth_verify_status status;
    const struct berth_error *error; /* why it is not verified (NULL when verified) */
};

/** An operation's outcome, valid during the completion callback only. */
struct berth_verify_result {
    /* enforce: BERTH_E_VERIFY naming every image that failed (and why);
       BERTH_E_CANCELLED, or a policy/backend error; NULL on success (always
       in warn and off modes, where failures are only reported) */
    const struct berth_error *error;
    enum berth_verify_mode mode; /* the effective mode */
    const struct berth_verify_report *reports; /* one per distinct image, in order */
    size_t n_reports;
};

/** A running verification. */
struct berth_verify_op;

/** The completion callback (called exactly once, from the loop). */
typedef void (*berth_verify_done_fn)(const struct berth_verify_result *res, void *user);

/** Options of berth_verify_images(). Zero-initialise. */
struct berth_verify_options {
    /* the policy (copied), NULL: the engine's (berth_verify_set_policy()) */
    const struct berth_verify_policy *policy;
    /* the backend to ask for digests (borrowed; must outlive the op), NULL:
       the engine's selected backend (berth/container.h) */
    struct berth_backend *backend;
    /* pull an image that is not present locally before reading its digest */
    bool pull_missing;
    /* pull every image before reading its digest (pull policy "always") */
    bool pull_always;
    /* treat mode off as enforce (the `berth verify` command: an explicit check) */
    bool check_when_off;
};

/**
 * Verifies the images refs (NULL-terminated; duplicates are checked once) as
 * the effective mode says. In off mode nothing runs (every report
 * SKIPPED). Otherwise each image's rule is matched, its repository digest
 * read from the backend (pulled first with pull_missing when absent), the
 * cache consulted and `cosign verify` run (a few at a time). In warn mode
 * each problem is logged once per engine and the result has no error. Returns
 * NULL with *err set (BERTH_E_INVALID) on a bad argument or BERTH_VERIFY
 * value.
 */
BERTH_API struct berth_verify_op *berth_verify_images(struct berth_engine *eng,
                                                      const char *const *refs,
                                                      const struct berth_verify_options *opts,
                                                      berth_verify_done_fn done, void *user,
                                                      struct berth_error **err);

/**
 * Cancels op: digest lookups and cosign runs stop, and the callback fires on
 * a later loop turn with BERTH_E_CANCELLED. No effect from op's own callback.
 */
BERTH_API void berth_verify_op_cancel(struct berth_verify_op *op);

/**
 * Cancels op and forgets it: the callback never fires and op is invalid
 * after the call. No effect from op's own callback.
 */
BERTH_API void berth_verify_op_discard(struct berth_verify_op *op);

/**
 * Empties the in-memory cache of eng and, with persisted true, removes the
 * persisted cache file. Returns -1 with *err when the file exists but cannot
 * be removed.
 */
BERTH_API int berth_verify_cache_clear(struct berth_engine *eng, bool persisted,
                                       struct berth_error **err);

#ifdef __cplusplus
}
#endif
#endif
