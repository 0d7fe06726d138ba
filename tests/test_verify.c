/*
 * Image verification: references, policies and their errors, rule matching,
 * the exact `cosign verify` argv, digest choice, and whole verifications
 * against an in-test driver with a FAKE cosign on PATH (tests/fake-cosign):
 * fail-closed enforce, warn, timeouts, bounded stderr, the cache (TTL,
 * failures never cached, persisted file 0600 written atomically), the
 * container API's hook (nothing created on failure) and cancellation.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include <berth/container.h>
#include <berth/runtime.h>
#include <berth/verify.h>

#include "core/util.h"
#include "plugins/imgref.h"
#include "plugins/verify-internal.h"
#include "plugins/verify-op.h"
#include "tests/verify_fake.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static char tmp[256];
static char logpath[300];

static const struct vf_image images[] = {
    {.ref = "ghcr.io/acme/app:1", .id = "sha256:aaaa", .digests = {"ghcr.io/acme/app@" D1}},
    {.ref = "ghcr.io/acme/other:2",
     .id = "sha256:bbbb",
     .digests = {"ghcr.io/acme/other@" D2}},
    {.ref = "alpine", .id = "sha256:cccc", .digests = {"docker.io/library/alpine@" D3}},
    {.ref = "localhost/mine:dev", .id = "sha256:dddd", .digests = {"localhost/mine@" D1}},
    {.ref = "ghcr.io/acme/built:1", .id = "sha256:eeee", .digests = {NULL}},
    {.ref = "ghcr.io/acme/remote:1",
     .id = "sha256:ffff",
     .digests = {"ghcr.io/acme/remote@" D2},
     .remote = true},
};

/* ------------------------------------------------------------ fixtures */

/* Creates the temp dir with `cosign` -> tests/fake-cosign on PATH, and a key file. */
static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "%s/berth-verify-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(tmp) == NULL || vf_cosign_install(tmp) < 0)
        return -1;
    snprintf(logpath, sizeof(logpath), "%s/cosign.log", tmp);
    char *key = xasprintf("%s/cosign.pub", tmp);
    FILE *f = fopen(key, "w");
    fputs("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n", f);
    fclose(f);
    free(key);
    return 0;
}

/* Removes the temp dir. */
static int group_teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmp);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

/* Clears the fake cosign's settings and log before each test. */
static int test_setup(void **state)
{
    (void)state;
    vf_cosign_reset();
    vf_reset(images, ARRAY_LEN(images));
    return 0;
}

/* The calls recorded by the fake cosign: each an argv. */
struct calls {
    struct strv argv[16];
    size_t n;
};

/* Reads the fake cosign's log. */
static void read_calls(struct calls *c)
{
    memset(c, 0, sizeof(*c));
    FILE *f = fopen(logpath, "r");
    if (f == NULL)
        return;
    char line[4096];
    strv_init(&c->argv[0]);
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "--end--") == 0) {
            c->n++;
            if (c->n < 16)
                strv_init(&c->argv[c->n]);
            continue;
        }
        if (c->n < 16)
            strv_push(&c->argv[c->n], line);
    }
    fclose(f);
}

/* Frees the calls. */
static void free_calls(struct calls *c)
{
    for (size_t i = 0; i <= c->n && i < 16; i++)
        strv_free(&c->argv[i]);
}

/* Asserts how many times the fake cosign ran in all (its log). */
static void assert_cosign_runs(size_t want)
{
    struct calls c;
    read_calls(&c);
    assert_int_equal(c.n, want);
    free_calls(&c);
}

/* Asserts that argv equals the NULL-terminated expectation. */
static void assert_argv(const struct strv *got, const char *const *want)
{
    size_t n = 0;
    for (; want[n] != NULL; n++) {
        if (n >= got->n)
            fail_msg("argv has %zu words, expected more (missing '%s')", got->n, want[n]);
        if (strcmp(got->v[n], want[n]) != 0)
            fail_msg("argv[%zu] is '%s', expected '%s'", n, got->v[n], want[n]);
    }
    if (got->n != n)
        fail_msg("argv has %zu words, expected %zu (extra '%s')", got->n, n, got->v[n]);
}

/* An engine with the fake drivers and one "vfake" backend. */
struct env {
    struct berth_engine *eng;
    struct berth_backend *b;
    struct berth_timer *deadline;
    bool expired;
    /* the last result */
    bool done;
    int code;
    char msg[8192];
    char hint[1024];
    enum berth_verify_mode mode;
    size_t n;
    enum berth_verify_status status[8];
    char digest[8][256];
    char rule[8][64];
    /* warnings logged */
    int warnings;
    char last_warning[2048];
};

/* The engine's log sink: counts warnings. */
static void env_log(enum berth_log_level level, const char *component, const char *msg,
                    void *user)
{
    struct env *e = user;
    if (level == BERTH_LOG_WARN && component != NULL && strcmp(component, "verify") == 0) {
        e->warnings++;
        snprintf(e->last_warning, sizeof(e->last_warning), "%s", msg);
    }
}

/* A fixed clock the tests move. */
static uint64_t fake_now = 1700000000000ull;
static uint64_t fake_clock(void)
{
    return fake_now;
}

static void env_open(struct env *e, const char *backend)
{
    memset(e, 0, sizeof(*e));
    e->eng = berth_engine_new(NULL, NULL);
    assert_non_null(e->eng);
    berth_engine_set_log(e->eng, env_log, BERTH_LOG_WARN, e);
    for (int v = 0; v < VF_COUNT; v++)
        assert_int_equal(berth_plugins_add_driver(e->eng, vf_driver((enum vf_variant)v), "(test)",
                                                  NULL),
                         0);
    struct berth_error *err = NULL;
    e->b = berth_backend_new(e->eng, backend, &err);
    assert_non_null(e->b);
    verify_set_clock(e->eng, fake_clock);
    char *cache = xasprintf("%s/cache/berth/verify-cache.json", tmp);
    verify_set_cache_path(e->eng, cache);
    free(cache);
}

/* Frees the engine; the backend goes with it (after operations still running on it). */
static void env_close(struct env *e)
{
    berth_timer_free(e->deadline);
    event_base_loop(berth_engine_base(e->eng), EVLOOP_NONBLOCK);
    berth_engine_free(e->eng);
}

static void deadline_fired(struct berth_timer *t, void *user)
{
    (void)t;
    struct env *e = user;
    e->expired = true;
}

/* Runs the loop until e->done (fails after limit_ms). */
static void env_wait(struct env *e, uint64_t limit_ms)
{
    if (e->deadline == NULL)
        e->deadline = berth_timer_new(e->eng, deadline_fired, e);
    e->expired = false;
    berth_timer_start(e->deadline, limit_ms);
    while (!e->done && !e->expired)
        event_base_loop(berth_engine_base(e->eng), EVLOOP_ONCE);
    berth_timer_stop(e->deadline);
    if (!e->done)
        fail_msg("verification did not complete within %llu ms", (unsigned long long)limit_ms);
}

/* The verification callback: records the result. */
static void on_verified(const struct berth_verify_result *res, void *user)
{
    struct env *e = user;
    e->done = true;
    e->code = res->error ? berth_error_code(res->error) : 0;
    snprintf(e->msg, sizeof(e->msg), "%s", res->error ? berth_error_message(res->error) : "");
    const char *h = res->error ? berth_error_hint(res->error) : NULL;
    snprintf(e->hint, sizeof(e->hint), "%s", h ? h : "");
    e->mode = res->mode;
    e->n = res->n_reports;
    for (size_t i = 0; i < res->n_reports && i < 8; i++) {
        e->status[i] = res->reports[i].status;
        snprintf(e->digest[i], sizeof(e->digest[i]), "%s",
                 res->reports[i].digest_ref ? res->reports[i].digest_ref : "");
        snprintf(e->rule[i], sizeof(e->rule[i]), "%s",
                 res->reports[i].rule ? res->reports[i].rule : "");
    }
}

/* A policy: enforce, a key rule for ghcr.io/acme, a keyless one for docker.io/library. */
static struct berth_verify_policy *policy_std(void)
{
    struct berth_verify_policy *p = berth_verify_policy_new();
    berth_verify_policy_set_mode(p, BERTH_VERIFY_ENFORCE);
    berth_verify_policy_set_base_dir(p, tmp);
    struct berth_verify_rule key = {.image = "ghcr.io/acme/*", .key = "cosign.pub"};
    struct berth_verify_rule keyless = {
        .image = "docker.io/library/*",
        .certificate_identity = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
        .certificate_oidc_issuer = "https://token.actions.githubusercontent.com",
        .rekor_url = "https://rekor.example.org",
        .offline = true};
    assert_int_equal(berth_verify_policy_add_rule(p, &key, NULL), 0);
    assert_int_equal(berth_verify_policy_add_rule(p, &keyless, NULL), 0);
    return p;
}

/* Verifies refs with p on the env's backend and waits. */
static void run_verify(struct env *e, const struct berth_verify_policy *p,
                       const char *const *refs, bool pull)
{
    e->done = false;
    struct berth_verify_options o = {.policy = p, .backend = e->b, .pull_missing = pull};
    struct berth_error *err = NULL;
    struct berth_verify_op *op = berth_verify_images(e->eng, refs, &o, on_verified, e, &err);
    if (op == NULL)
        fail_msg("verify: %s", berth_error_message(err));
    assert_false(e->done); /* never from inside the call */
    env_wait(e, 10000);
}

/* The image of the standard policy's key rule. */
static const char *const app_refs[] = {"ghcr.io/acme/app:1", NULL};

/* Verifies app_refs with p (no pull) and waits. */
static void verify_app(struct env *e, const struct berth_verify_policy *p)
{
    run_verify(e, p, app_refs, false);
}

/* ------------------------------------------------------------ pure parts */

/* Opens the fake engine environment; returns the standard policy, for env_close_std. */
static struct berth_verify_policy *env_open_std(struct env *e)
{
    env_open(e, "vfake");
    return policy_std();
}

/* Frees the policy and closes the environment. */
static void env_close_std(struct env *e, struct berth_verify_policy *p)
{
    berth_verify_policy_free(p);
    env_close(e);
}

static void test_imgref(void **state)
{
    (void)state;
    struct {
        const char *in, *norm, *repo;
    } ok[] = {
        {"alpine", "docker.io/library/alpine:latest", "docker.io/library/alpine"},
        {"alpine:3.19", "docker.io/library/alpine:3.19", "docker.io/library/alpine"},
        {"acme/app", "docker.io/acme/app:latest", "docker.io/acme/app"},
        {"index.docker.io/acme/app:1", "docker.io/acme/app:1", "docker.io/acme/app"},
        {"ghcr.io/acme/app:1", "ghcr.io/acme/app:1", "ghcr.io/acme/app"},
        {"localhost:5000/x/y", "localhost:5000/x/y:latest", "localhost:5000/x/y"},
        {"localhost/mine:dev", "localhost/mine:dev", "localhost/mine"},
        {"ghcr.io/acme/app@" D1, "ghcr.io/acme/app@" D1, "ghcr.io/acme/app"},
        {"ghcr.io/acme/app:1@" D1, "ghcr.io/acme/app:1@" D1, "ghcr.io/acme/app"},
    };
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        struct imgref r;
        if (imgref_parse(ok[i].in, &r) < 0)
            fail_msg("'%s' did not parse", ok[i].in);
        char *n = imgref_normalized(&r), *repo = imgref_repository(&r);
        assert_string_equal(n, ok[i].norm);
        assert_string_equal(repo, ok[i].repo);
        free(n);
        free(repo);
        imgref_free(&r);
    }
    const char *bad[] = {"",        "-x",          "UPPER/case", "a b",      "x@sha256:12",
                         "x:/y",    "ghcr.io/",    "a//b",       "x:t!",     "x@md5:00",
                         "x;rm -rf", "$(id)"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct imgref r;
        if (imgref_parse(bad[i], &r) == 0)
            fail_msg("'%s' parsed", bad[i]);
    }
}

static void test_modes(void **state)
{
    (void)state;
    enum berth_verify_mode m;
    assert_int_equal(berth_verify_mode_parse("enforce", &m, NULL), 0);
    assert_int_equal(m, BERTH_VERIFY_ENFORCE);
    assert_string_equal(berth_verify_mode_name(BERTH_VERIFY_WARN), "warn");
    struct berth_error *err = NULL;
    assert_int_equal(berth_verify_mode_parse("strict", &m, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_hint(err), "off, warn or enforce"));
    berth_error_free(err);
    assert_null(berth_verify_mode_name((enum berth_verify_mode)7));
    assert_string_equal(berth_verify_status_name(BERTH_VERIFY_NO_DIGEST), "no-digest");
}

static void test_rule_validation(void **state)
{
    (void)state;
    struct berth_verify_policy *p = berth_verify_policy_new();
    struct {
        struct berth_verify_rule r;
        const char *needle;
    } bad[] = {
        {{.key = "k.pub"}, "image pattern"},
        {{.image = "x/*"}, "neither a key nor"},
        {{.image = "x/*", .key = "k.pub", .certificate_identity = "me"}, "both given"},
        {{.image = "x/*", .certificate_identity = "me"}, "certificate_oidc_issuer"},
        {{.image = "x/*", .certificate_oidc_issuer = "https://i"}, "certificate_identity"},
        {{.image = "x/*",
          .certificate_identity = "a",
          .certificate_identity_regexp = "b",
          .certificate_oidc_issuer = "https://i"},
         "both given"},
        {{.image = "x/*", .key = "k.pub", .rekor_url = "ftp://x"}, "http(s) URL"},
        {{.image = "x/*", .key = "-flag"}, "not a usable"},
        {{.image = "x/*", .key = "k\n.pub"}, "not a usable"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct berth_error *err = NULL;
        assert_int_equal(berth_verify_policy_add_rule(p, &bad[i].r, &err), -1);
        if (strstr(berth_error_message(err), bad[i].needle) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, berth_error_message(err), bad[i].needle);
        assert_non_null(berth_error_hint(err));
        berth_error_free(err);
    }
    assert_int_equal(berth_verify_policy_rule_count(p), 0);
    berth_verify_policy_free(p);
}

static void test_match(void **state)
{
    (void)state;
    struct berth_verify_policy *p = berth_verify_policy_new();
    struct berth_verify_rule a = {.image = "ghcr.io/acme/special:*", .key = "a.pub"};
    struct berth_verify_rule b = {.image = "ghcr.io/acme/*", .key = "b.pub"};
    struct berth_verify_rule c = {.image = "docker.io/library/*", .key = "c.pub"};
    assert_int_equal(berth_verify_policy_add_rule(p, &a, NULL), 0);
    assert_int_equal(berth_verify_policy_add_rule(p, &b, NULL), 0);
    assert_int_equal(berth_verify_policy_add_rule(p, &c, NULL), 0);
    assert_int_equal(berth_verify_policy_match(p, "ghcr.io/acme/special:1"), 0);
    assert_int_equal(berth_verify_policy_match(p, "ghcr.io/acme/app:1"), 1);
    assert_int_equal(berth_verify_policy_match(p, "ghcr.io/acme/team/app"), 1);
    assert_int_equal(berth_verify_policy_match(p, "alpine"), 2); /* normalised */
    assert_int_equal(berth_verify_policy_match(p, "redis:7"), 2);
    assert_int_equal(berth_verify_policy_match(p, "quay.io/acme/app"), -1);
    assert_int_equal(berth_verify_policy_match(p, "ghcr.io/other/app"), -1);
    /* a copy matches the same way */
    struct berth_verify_policy *cp = berth_verify_policy_copy(p);
    assert_int_equal(berth_verify_policy_match(cp, "ghcr.io/acme/app:1"), 1);
    assert_string_equal(berth_verify_policy_rule(cp, 2)->key, "c.pub");
    assert_null(berth_verify_policy_rule(cp, 3));
    berth_verify_policy_free(cp);
    berth_verify_policy_free(p);
}

static void test_policy_json(void **state)
{
    (void)state;
    struct berth_error *err = NULL;
    struct berth_verify_policy *p = berth_verify_policy_from_json(
        "{\"mode\":\"warn\",\"timeout\":\"90s\",\"cache\":{\"ttl\":\"10m\",\"persist\":true},"
        "\"rules\":[{\"image\":\"ghcr.io/acme/*\",\"key\":\"keys/cosign.pub\"},"
        "{\"image\":\"docker.io/library/*\",\"certificate_identity_regexp\":\"^https://github.com/acme/\","
        "\"certificate_oidc_issuer\":\"https://token.actions.githubusercontent.com\","
        "\"offline\":\"true\"}]}",
        "/srv/proj", &err);
    if (p == NULL)
        fail_msg("%s", berth_error_message(err));
    bool has;
    assert_int_equal(berth_verify_policy_mode(p, &has), BERTH_VERIFY_WARN);
    assert_true(has);
    assert_int_equal(berth_verify_policy_timeout(p), 90000);
    bool persist;
    assert_int_equal(berth_verify_policy_cache(p, &persist), 600000);
    assert_true(persist);
    assert_int_equal(berth_verify_policy_rule_count(p), 2);
    assert_true(berth_verify_policy_rule(p, 1)->offline);
    char *key = verify_policy_key_path(p, 0);
    assert_string_equal(key, "/srv/proj/keys/cosign.pub");
    free(key);
    berth_verify_policy_free(p);

    /* every problem, each with its path */
    p = berth_verify_policy_from_json(
        "{\"mode\":\"strict\",\"timeout\":\"soon\",\"colour\":1,\"cache\":{\"ttl\":-1},"
        "\"rules\":[{\"image\":\"x/*\"},{\"image\":\"y/*\",\"key\":\"k\",\"offline\":3},"
        "{\"image\":\"z/*\",\"certificate_identity\":\"me\"},\"nope\"]}",
        NULL, &err);
    assert_null(p);
    const char *m = berth_error_message(err);
    const char *want[] = {"x-berth.verify.mode: invalid mode 'strict'",
                          "x-berth.verify.timeout: invalid duration",
                          "x-berth.verify.colour: unknown key 'colour'",
                          "x-berth.verify.cache.ttl: invalid duration",
                          "x-berth.verify.rules[0]: the rule gives neither a key nor",
                          "x-berth.verify.rules[1].offline: must be a boolean",
                          "x-berth.verify.rules[2]: keyless verification needs "
                          "certificate_oidc_issuer",
                          "x-berth.verify.rules[3]: a rule must be a mapping"};
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        if (strstr(m, want[i]) == NULL)
            fail_msg("'%s' missing from:\n%s", want[i], m);
    berth_error_free(err);
    err = NULL;
    assert_null(berth_verify_policy_from_json("{", NULL, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_PARSE);
    berth_error_free(err);
}

static void test_cosign_argv(void **state)
{
    (void)state;
    struct berth_verify_policy *p = policy_std();
    struct berth_verify_rule re = {.image = "quay.io/*",
                                   .certificate_identity_regexp = "^https://github.com/acme/",
                                   .certificate_oidc_issuer_regexp = "^https://token\\..*"};
    struct berth_verify_rule kms = {.image = "gcr.io/*", .key = "gcpkms://projects/p/keys/k"};
    assert_int_equal(berth_verify_policy_add_rule(p, &re, NULL), 0);
    assert_int_equal(berth_verify_policy_add_rule(p, &kms, NULL), 0);
    struct strv a;
    strv_init(&a);
    verify_policy_cosign_argv(p, 0, "cosign", "ghcr.io/acme/app@" D1, &a);
    char *key = xasprintf("%s/cosign.pub", tmp);
    const char *want0[] = {"cosign", "verify", "--key", key, "ghcr.io/acme/app@" D1, NULL};
    assert_argv(&a, want0);
    strv_free(&a);
    strv_init(&a);
    verify_policy_cosign_argv(p, 1, "/opt/cosign", "docker.io/library/alpine@" D3, &a);
    const char *want1[] = {
        "/opt/cosign",
        "verify",
        "--certificate-identity",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--rekor-url",
        "https://rekor.example.org",
        "--offline=true",
        "docker.io/library/alpine@" D3,
        NULL};
    assert_argv(&a, want1);
    strv_free(&a);
    strv_init(&a);
    verify_policy_cosign_argv(p, 2, "cosign", "quay.io/x@" D2, &a);
    const char *want2[] = {"cosign",
                           "verify",
                           "--certificate-identity-regexp",
                           "^https://github.com/acme/",
                           "--certificate-oidc-issuer-regexp",
                           "^https://token\\..*",
                           "quay.io/x@" D2,
                           NULL};
    assert_argv(&a, want2);
    strv_free(&a);
    strv_init(&a);
    verify_policy_cosign_argv(p, 3, "cosign", "gcr.io/x@" D2, &a);
    const char *want3[] = {"cosign", "verify", "--key", "gcpkms://projects/p/keys/k",
                           "gcr.io/x@" D2, NULL};
    assert_argv(&a, want3);
    strv_free(&a);
    free(key);

    /* fingerprints differ by rule and follow the key file's content */
    char f0[65], f1[65], f0b[65];
    verify_policy_fingerprint(p, 0, f0);
    verify_policy_fingerprint(p, 1, f1);
    assert_string_not_equal(f0, f1);
    char *kp = xasprintf("%s/cosign.pub", tmp);
    FILE *f = fopen(kp, "a");
    fputs("\n", f);
    fclose(f);
    verify_policy_fingerprint(p, 0, f0b);
    assert_string_not_equal(f0, f0b);
    free(kp);
    berth_verify_policy_free(p);
}

static void test_pick_digest(void **state)
{
    (void)state;
    const char *why;
    const char *d1[] = {"docker.io/mirror/app@" D2, "ghcr.io/acme/app@" D1, NULL};
    char *got = verify_pick_digest("ghcr.io/acme/app:1", d1, &why);
    assert_string_equal(got, "ghcr.io/acme/app@" D1);
    free(got);
    /* short names: docker.io/library, or the same path where the runtime resolved it */
    const char *d2[] = {"docker.io/library/alpine@" D3, NULL};
    got = verify_pick_digest("alpine:3", d2, &why);
    assert_string_equal(got, "docker.io/library/alpine@" D3);
    free(got);
    const char *d3[] = {"quay.io/acme/tool@" D2, NULL};
    got = verify_pick_digest("acme/tool", d3, &why);
    assert_string_equal(got, "quay.io/acme/tool@" D2);
    free(got);
    /* a registry written in the reference must be the digest's */
    assert_null(verify_pick_digest("ghcr.io/acme/tool", d3, &why));
    assert_non_null(why);
    /* pinned: the reference's digest must match an entry, or is used as written */
    const char *d4[] = {"ghcr.io/acme/app@" D2, NULL};
    got = verify_pick_digest("ghcr.io/acme/app@" D1, d4, &why);
    assert_string_equal(got, "ghcr.io/acme/app@" D1);
    free(got);
    /* local images */
    const char *d5[] = {"localhost/mine@" D1, NULL};
    assert_null(verify_pick_digest("localhost/mine:dev", d5, &why));
    assert_non_null(strstr(why, "local image"));
    assert_null(verify_pick_digest("ghcr.io/acme/built:1", NULL, &why));
    assert_non_null(strstr(why, "no repository digest"));
}

/* --------------------------------------------------------------- flows */

static void test_verify_key_rule(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    const char *refs[] = {"ghcr.io/acme/app:1", "alpine", "ghcr.io/acme/app:1", NULL};
    run_verify(&e, p, refs, false);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.mode, BERTH_VERIFY_ENFORCE);
    assert_int_equal(e.n, 2); /* duplicates checked once */
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_string_equal(e.digest[0], "ghcr.io/acme/app@" D1);
    assert_string_equal(e.rule[0], "ghcr.io/acme/*");
    assert_int_equal(e.status[1], BERTH_VERIFY_VERIFIED);
    assert_string_equal(e.digest[1], "docker.io/library/alpine@" D3);
    struct calls c;
    read_calls(&c);
    assert_int_equal(c.n, 2);
    char *key = xasprintf("%s/cosign.pub", tmp);
    const char *want_key[] = {"cosign", "verify", "--key", key, "ghcr.io/acme/app@" D1, NULL};
    const char *want_keyless[] = {
        "cosign",
        "verify",
        "--certificate-identity",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--rekor-url",
        "https://rekor.example.org",
        "--offline=true",
        "docker.io/library/alpine@" D3,
        NULL};
    /* both run at once: either order */
    bool first_is_key = strcmp(c.argv[0].v[2], "--key") == 0;
    assert_argv(&c.argv[first_is_key ? 0 : 1], want_key);
    assert_argv(&c.argv[first_is_key ? 1 : 0], want_keyless);
    free(key);
    free_calls(&c);
    /* the local image id is never what is verified */
    assert_int_equal(vf_calls(BERTH_OP_IMAGE_INSPECT), 2);
    env_close_std(&e, p);
}

static void test_cache_ttl(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    berth_verify_policy_set_cache(p, 60000, false);
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    fake_now += 59000;
    verify_app(&e, p);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.status[0], BERTH_VERIFY_CACHED);
    assert_cosign_runs(1);
    /* past the TTL: verified again */
    fake_now += 2000;
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_cosign_runs(2);
    /* another rule (another key) is another cache entry */
    struct berth_verify_policy *p2 = berth_verify_policy_new();
    berth_verify_policy_set_mode(p2, BERTH_VERIFY_ENFORCE);
    struct berth_verify_rule r = {.image = "ghcr.io/*", .key = "/nonexistent/other.pub"};
    assert_int_equal(berth_verify_policy_add_rule(p2, &r, NULL), 0);
    verify_app(&e, p2);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_cosign_runs(3);
    /* ttl 0: nothing cached */
    berth_verify_policy_set_cache(p, 0, false);
    verify_app(&e, p);
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_cosign_runs(5);
    berth_verify_policy_free(p2);
    env_close_std(&e, p);
}

static void test_failure_not_cached(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    setenv("FAKE_COSIGN_EXIT", "1", 1);
    setenv("FAKE_COSIGN_STDERR", "Error: no matching signatures: invalid signature", 1);
    verify_app(&e, p);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_int_equal(e.status[0], BERTH_VERIFY_FAILED);
    assert_non_null(strstr(e.msg, "ghcr.io/acme/app@" D1));
    assert_non_null(strstr(e.msg, "cosign exited with code 1"));
    assert_non_null(strstr(e.msg, "no matching signatures: invalid signature"));
    assert_non_null(strstr(e.msg, "rule \"ghcr.io/acme/*\""));
    assert_true(e.hint[0] != '\0');
    /* again: cosign runs again (a failure is never cached) */
    verify_app(&e, p);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    unsetenv("FAKE_COSIGN_EXIT");
    unsetenv("FAKE_COSIGN_STDERR");
    verify_app(&e, p);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_cosign_runs(3);
    env_close_std(&e, p);
}

static void test_timeout(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    berth_verify_policy_set_timeout(p, 300);
    setenv("FAKE_COSIGN_DELAY", "20", 1);
    uint64_t t0 = berth_now_ms();
    verify_app(&e, p);
    uint64_t took = berth_now_ms() - t0;
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_int_equal(e.status[0], BERTH_VERIFY_FAILED);
    assert_non_null(strstr(e.msg, "did not finish within 0.300s"));
    assert_true(took < 5000);
    assert_int_equal(berth_proc_count(e.eng), 0);
    /* a timeout is not cached either */
    unsetenv("FAKE_COSIGN_DELAY");
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_cosign_runs(2);
    env_close_std(&e, p);
}

static void test_stderr_bounded(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    setenv("FAKE_COSIGN_EXIT", "1", 1);
    setenv("FAKE_COSIGN_STDERR_BYTES", "50000", 1);
    verify_app(&e, p);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_true(strlen(e.msg) < BERTH_VERIFY_STDERR_MAX + 400);
    assert_non_null(strstr(e.msg, "...eeee"));
    env_close_std(&e, p);
}

static void test_fail_closed(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    /* no rule */
    const char *r1[] = {"quay.io/acme/x:1", NULL};
    run_verify(&e, p, r1, false);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_int_equal(e.status[0], BERTH_VERIFY_NO_RULE);
    assert_non_null(strstr(e.msg, "image 'quay.io/acme/x:1': no x-berth.verify rule matches it"));
    assert_non_null(strstr(e.hint, "add a rule"));
    assert_int_equal(vf_calls(BERTH_OP_IMAGE_INSPECT), 0);
    /* local images: no repository digest */
    struct berth_verify_rule any = {.image = "*", .key = "cosign.pub"};
    assert_int_equal(berth_verify_policy_add_rule(p, &any, NULL), 0);
    const char *r2[] = {"localhost/mine:dev", "ghcr.io/acme/built:1", NULL};
    run_verify(&e, p, r2, false);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_int_equal(e.status[0], BERTH_VERIFY_NO_DIGEST);
    assert_int_equal(e.status[1], BERTH_VERIFY_NO_DIGEST);
    assert_non_null(strstr(e.msg, "2 images failed verification"));
    assert_non_null(strstr(e.msg, "localhost/mine:dev"));
    /* an image that is not there (without pull) */
    const char *r3[] = {"ghcr.io/acme/remote:1", NULL};
    run_verify(&e, p, r3, false);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_non_null(strstr(e.msg, "cannot read its repository digest"));
    /* with pull: pulled, then verified */
    run_verify(&e, p, r3, true);
    assert_int_equal(e.code, 0);
    assert_int_equal(vf_calls(BERTH_OP_IMAGE_PULL), 1);
    assert_string_equal(e.digest[0], "ghcr.io/acme/remote@" D2);
    /* one failing image among several */
    setenv("FAKE_COSIGN_FAIL_FOR", "acme/other", 1);
    const char *r4[] = {"ghcr.io/acme/app:1", "ghcr.io/acme/other:2", NULL};
    berth_verify_policy_set_cache(p, 0, false);
    run_verify(&e, p, r4, false);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_int_equal(e.status[1], BERTH_VERIFY_FAILED);
    assert_null(strstr(e.msg, "acme/app"));
    assert_non_null(strstr(e.msg, "ghcr.io/acme/other:2"));
    env_close_std(&e, p);
}

static void test_cosign_missing(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    setenv("BERTH_COSIGN", "cosign-not-installed-here", 1);
    verify_app(&e, p);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_non_null(strstr(e.msg, "cosign is not installed"));
    assert_non_null(strstr(e.msg, "not found on PATH"));
    assert_non_null(strstr(e.hint, "install cosign"));
    assert_non_null(strstr(e.hint, "docs/verify.md"));
    env_close_std(&e, p);
}

static void test_warn_and_modes(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    berth_verify_policy_set_mode(p, BERTH_VERIFY_WARN);
    const char *refs[] = {"localhost/mine:dev", NULL};
    run_verify(&e, p, refs, false);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.mode, BERTH_VERIFY_WARN);
    assert_int_equal(e.status[0], BERTH_VERIFY_NO_RULE);
    assert_int_equal(e.warnings, 1);
    /* said once */
    run_verify(&e, p, refs, false);
    assert_int_equal(e.warnings, 1);
    struct berth_verify_rule any = {.image = "*", .key = "cosign.pub"};
    assert_int_equal(berth_verify_policy_add_rule(p, &any, NULL), 0);
    run_verify(&e, p, refs, false);
    assert_int_equal(e.status[0], BERTH_VERIFY_NO_DIGEST);
    assert_int_equal(e.warnings, 2);
    assert_non_null(strstr(e.last_warning, "cannot be verified"));
    run_verify(&e, p, refs, false);
    assert_int_equal(e.warnings, 2);

    /* precedence: BERTH_VERIFY over the policy, set_mode over both */
    setenv("BERTH_VERIFY", "enforce", 1);
    run_verify(&e, p, refs, false);
    assert_int_equal(e.mode, BERTH_VERIFY_ENFORCE);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    berth_verify_set_mode(e.eng, BERTH_VERIFY_OFF);
    run_verify(&e, p, refs, false);
    assert_int_equal(e.mode, BERTH_VERIFY_OFF);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.status[0], BERTH_VERIFY_SKIPPED);
    assert_cosign_runs(0);
    berth_verify_policy_free(p);
    env_close(&e);

    /* a bad BERTH_VERIFY is an error at once */
    env_open(&e, "vfake");
    setenv("BERTH_VERIFY", "sometimes", 1);
    struct berth_error *err = NULL;
    const char *r[] = {"alpine", NULL};
    assert_null(berth_verify_images(e.eng, r, NULL, on_verified, &e, &err));
    assert_non_null(strstr(berth_error_message(err), "BERTH_VERIFY"));
    berth_error_free(err);
    unsetenv("BERTH_VERIFY");
    /* an invalid reference too */
    err = NULL;
    const char *bad[] = {"Not A Ref", NULL};
    assert_null(berth_verify_images(e.eng, bad, NULL, on_verified, &e, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_free(err);
    /* the engine's policy (no mode: off) */
    e.done = false;
    err = NULL;
    struct berth_verify_options o = {.backend = e.b};
    assert_non_null(berth_verify_images(e.eng, r, &o, on_verified, &e, &err));
    env_wait(&e, 5000);
    assert_int_equal(e.status[0], BERTH_VERIFY_SKIPPED);
    /* a backend of host processes has nothing to verify */
    env_close(&e);
    env_open(&e, "vfake-proc");
    p = policy_std();
    run_verify(&e, p, r, false);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.status[0], BERTH_VERIFY_SKIPPED);
    env_close_std(&e, p);
}

/* Mode and owner of a file. */
static mode_t file_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return 0;
    return st.st_mode & 07777;
}

static void test_persisted_cache(void **state)
{
    (void)state;
    char *cache = xasprintf("%s/cache/berth/verify-cache.json", tmp);
    char *dir = xasprintf("%s/cache/berth", tmp);
    char *old = xasprintf("%s/old-link", tmp);
    unlink(cache);
    unlink(old);
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    berth_verify_policy_set_cache(p, 3600000, true);
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_int_equal(file_mode(cache), 0600);
    assert_int_equal(file_mode(dir), 0700);
    /* keep a hard link to the file as it is now: an atomic rewrite replaces the
       directory entry and leaves this inode alone */
    assert_int_equal(link(cache, old), 0);
    FILE *f = fopen(old, "r");
    char before[4096] = {0};
    size_t nb = fread(before, 1, sizeof(before) - 1, f);
    fclose(f);
    assert_true(nb > 0);
    assert_non_null(strstr(before, "ghcr.io/acme/app@" D1));
    const char *r2[] = {"alpine", NULL};
    run_verify(&e, p, r2, false);
    f = fopen(old, "r");
    char after[4096] = {0};
    size_t na = fread(after, 1, sizeof(after) - 1, f);
    fclose(f);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb); /* the old inode was not written in place */
    f = fopen(cache, "r");
    char now[4096] = {0};
    assert_true(fread(now, 1, sizeof(now) - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(now, "docker.io/library/alpine@" D3));
    assert_non_null(strstr(now, "ghcr.io/acme/app@" D1));
    assert_int_equal(file_mode(cache), 0600);
    /* no temp file left behind */
    char *cmd = xasprintf("ls '%s' | grep -c tmp", dir);
    FILE *ls = popen(cmd, "r");
    char cnt[16] = {0};
    assert_non_null(fgets(cnt, sizeof(cnt), ls));
    pclose(ls);
    assert_int_equal(atoi(cnt), 0);
    free(cmd);
    env_close(&e);

    /* a new engine (a new berth process) trusts the file within the TTL */
    env_open(&e, "vfake");
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_CACHED);
    assert_cosign_runs(2);
    env_close(&e);

    /* ... but not a file others could have written */
    chmod(cache, 0666);
    env_open(&e, "vfake");
    verify_app(&e, p);
    assert_int_equal(e.status[0], BERTH_VERIFY_VERIFIED);
    assert_int_equal(file_mode(cache), 0600); /* rewritten safely */
    /* failures never reach the file */
    setenv("FAKE_COSIGN_EXIT", "1", 1);
    const char *r3[] = {"ghcr.io/acme/other:2", NULL};
    run_verify(&e, p, r3, false);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    f = fopen(cache, "r");
    memset(now, 0, sizeof(now));
    assert_true(fread(now, 1, sizeof(now) - 1, f) > 0);
    fclose(f);
    assert_null(strstr(now, "acme/other"));
    unsetenv("FAKE_COSIGN_EXIT");
    /* clearing removes the file */
    assert_int_equal(berth_verify_cache_clear(e.eng, true, NULL), 0);
    assert_int_equal(file_mode(cache), 0);
    env_close(&e);
    unlink(old);
    berth_verify_policy_free(p);
    free(old);
    free(dir);
    free(cache);
}

static void test_cancel(void **state)
{
    (void)state;
    struct env e;
    struct berth_verify_policy *p = env_open_std(&e);
    setenv("FAKE_COSIGN_DELAY", "20", 1);
    struct berth_verify_options o = {.policy = p, .backend = e.b};
    e.done = false;
    struct berth_verify_op *op = berth_verify_images(e.eng, app_refs, &o, on_verified, &e, NULL);
    assert_non_null(op);
    /* let cosign start */
    while (berth_proc_count(e.eng) == 0)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    berth_verify_op_cancel(op);
    assert_false(e.done);
    env_wait(&e, 5000);
    assert_int_equal(e.code, BERTH_E_CANCELLED);
    /* discard: no callback, child gone; engine freed with a live op: no leak */
    e.done = false;
    op = berth_verify_images(e.eng, app_refs, &o, on_verified, &e, NULL);
    while (berth_proc_count(e.eng) == 0)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    berth_verify_op_discard(op);
    assert_false(e.done);
    op = berth_verify_images(e.eng, app_refs, &o, on_verified, &e, NULL);
    assert_non_null(op);
    berth_verify_policy_free(p);
    env_close(&e);
    assert_false(e.done);
}

/* ------------------------------------------------------ container API */

struct cres {
    bool done;
    int code;
    char msg[4096];
    char id[64];
};

static void on_container(const struct berth_container_result *res, void *user)
{
    struct cres *r = user;
    r->done = true;
    r->code = res->error ? berth_error_code(res->error) : 0;
    snprintf(r->msg, sizeof(r->msg), "%s", res->error ? berth_error_message(res->error) : "");
    snprintf(r->id, sizeof(r->id), "%s", res->id ? res->id : "");
}

static void wait_cres(struct env *e, struct cres *r)
{
    uint64_t t0 = berth_now_ms();
    while (!r->done && berth_now_ms() - t0 < 10000)
        event_base_loop(berth_engine_base(e->eng), EVLOOP_ONCE);
    assert_true(r->done);
}

static void test_container_api_hook(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, "vfake");
    assert_int_equal(berth_select_use(e.eng, e.b, NULL), 0);
    struct berth_verify_policy *p = policy_std();
    berth_verify_set_policy(e.eng, p);
    berth_verify_policy_free(p);
    /* enforce, failing signature: nothing is created */
    setenv("FAKE_COSIGN_EXIT", "1", 1);
    struct berth_container_spec spec = {.image = "ghcr.io/acme/app:1", .name = "c1"};
    struct cres r = {0};
    struct berth_container_run_options ro = {.detach = true};
    assert_non_null(berth_container_run(e.eng, &spec, &ro, on_container, &r, NULL));
    wait_cres(&e, &r);
    assert_int_equal(r.code, BERTH_E_VERIFY);
    assert_non_null(strstr(r.msg, "image verification"));
    assert_int_equal(vf_created(), 0);
    assert_int_equal(vf_calls(BERTH_OP_CONTAINER_CREATE), 0);
    memset(&r, 0, sizeof(r));
    assert_non_null(berth_container_create(e.eng, &spec, on_container, &r, NULL));
    wait_cres(&e, &r);
    assert_int_equal(r.code, BERTH_E_VERIFY);
    assert_int_equal(vf_calls(BERTH_OP_CONTAINER_CREATE), 0);
    /* no rule: refused too */
    unsetenv("FAKE_COSIGN_EXIT");
    struct berth_container_spec other = {.image = "quay.io/x/y:1"};
    memset(&r, 0, sizeof(r));
    assert_non_null(berth_container_create(e.eng, &other, on_container, &r, NULL));
    wait_cres(&e, &r);
    assert_int_equal(r.code, BERTH_E_VERIFY);
    assert_non_null(strstr(r.msg, "no x-berth.verify rule"));
    assert_int_equal(vf_calls(BERTH_OP_CONTAINER_CREATE), 0);
    /* verified: created, and the runtime may not fetch another image meanwhile */
    memset(&r, 0, sizeof(r));
    assert_non_null(berth_container_create(e.eng, &spec, on_container, &r, NULL));
    wait_cres(&e, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(r.id, "ctr1");
    assert_int_equal(vf_created(), 1);
    assert_string_equal(vf_last_spec()->pull_policy, "never");
    /* a missing image is pulled first, then verified, then run */
    struct berth_container_spec rem = {.image = "ghcr.io/acme/remote:1", .name = "c2"};
    memset(&r, 0, sizeof(r));
    assert_non_null(berth_container_run(e.eng, &rem, &ro, on_container, &r, NULL));
    wait_cres(&e, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(vf_calls(BERTH_OP_IMAGE_PULL), 1);
    assert_int_equal(vf_created(), 2);
    /* mode off: no verification at all */
    berth_verify_set_mode(e.eng, BERTH_VERIFY_OFF);
    int inspects = vf_calls(BERTH_OP_IMAGE_INSPECT);
    memset(&r, 0, sizeof(r));
    assert_non_null(berth_container_create(e.eng, &other, on_container, &r, NULL));
    wait_cres(&e, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(vf_calls(BERTH_OP_IMAGE_INSPECT), inspects);
    assert_string_equal(vf_last_spec()->pull_policy, "");
    /* cancelled while verifying: nothing created; the engine freed mid-verification */
    berth_verify_set_mode(e.eng, BERTH_VERIFY_ENFORCE);
    berth_verify_cache_clear(e.eng, false, NULL);
    setenv("FAKE_COSIGN_DELAY", "20", 1);
    memset(&r, 0, sizeof(r));
    struct berth_container_op *cop = berth_container_create(e.eng, &spec, on_container, &r, NULL);
    while (berth_proc_count(e.eng) == 0)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    berth_container_op_cancel(cop);
    wait_cres(&e, &r);
    assert_int_equal(r.code, BERTH_E_CANCELLED);
    assert_int_equal(vf_created(), 3);
    memset(&r, 0, sizeof(r));
    assert_non_null(berth_container_run(e.eng, &spec, &ro, on_container, &r, NULL));
    while (berth_proc_count(e.eng) == 0)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    env_close(&e);
    assert_false(r.done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imgref),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_rule_validation),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_policy_json),
        cmocka_unit_test(test_cosign_argv),
        cmocka_unit_test(test_pick_digest),
        cmocka_unit_test_setup(test_verify_key_rule, test_setup),
        cmocka_unit_test_setup(test_cache_ttl, test_setup),
        cmocka_unit_test_setup(test_failure_not_cached, test_setup),
        cmocka_unit_test_setup(test_timeout, test_setup),
        cmocka_unit_test_setup(test_stderr_bounded, test_setup),
        cmocka_unit_test_setup(test_fail_closed, test_setup),
        cmocka_unit_test_setup(test_cosign_missing, test_setup),
        cmocka_unit_test_setup(test_warn_and_modes, test_setup),
        cmocka_unit_test_setup(test_persisted_cache, test_setup),
        cmocka_unit_test_setup(test_cancel, test_setup),
        cmocka_unit_test_setup(test_container_api_hook, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
