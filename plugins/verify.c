/*
 * Image verification operations (berth/verify.h): per image, match a rule,
 * read the repository digest from the backend (pulling first when asked),
 * consult the cache, run `cosign verify` against repo@sha256:<digest>, and
 * report per the effective mode.
 *
 * One image ("item") goes through these states; every input is an event:
 *
 *            | rule?        | inspect ok     | inspect err      | pull done  | cosign exit
 *  START     | none: NO_RULE| -              | -                | -          | -
 *            | else INSPECT |                |                  |            |
 *  INSPECT   | -            | digest? cached:| NOT_FOUND+pull:  | -          | -
 *            |              |  CACHED; else  |  PULL; else      |            |
 *            |              |  QUEUED; none: |  FAILED          |            |
 *            |              |  NO_DIGEST     |                  |            |
 *  PULL      | -            | -              | -                | INSPECT2 / | -
 *            |              |                |                  |  FAILED    |
 *  QUEUED    | (a cosign slot frees up: COSIGN)                                |
 *  COSIGN    | -            | -              | -                | -          | 0: VERIFIED
 *            |              |                |                  |            |  (cached);
 *            |              |                |                  |            |  else FAILED
 *
 * Cancellation discards every backend op and cosign child of the op. When
 * the engine is freed, live ops are made inert (children killed, backend
 * ops discarded); ops owned by other library modules are freed by their
 * owner's discard, the others right away.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <berth/container.h>
#include <berth/runtime.h>

#include "core/engine-internal.h"
#include "plugins/imgref.h"
#include "plugins/verify-internal.h"
#include "plugins/verify-op.h"

/* cosign runs at most this many at once per operation. */
#define COSIGN_PARALLEL 4

/* cosign's stdout is discarded; its stderr is captured up to this much. */
#define COSIGN_CAPTURE (64 * 1024)

/* Grace between SIGTERM and SIGKILL when cosign times out. */
#define COSIGN_KILL_GRACE_MS 2000

struct berth_verify_op;

/* The engine's verification state (slot ENGINE_SLOT_VERIFY). */
struct verify_state {
    struct berth_engine *eng;
    bool has_mode;
    enum berth_verify_mode mode;
    struct berth_verify_policy *policy; /* the engine's policy, NULL: empty */
    struct verify_cache *cache;
    char *cache_path; /* test override */
    verify_clock_fn clock;
    struct strv warned; /* warn-mode problems already logged */
    struct berth_verify_op *live;
};

enum item_step {
    IT_START = 0,
    IT_INSPECT,
    IT_PULL,
    IT_INSPECT_AFTER,
    IT_QUEUED,
    IT_COSIGN,
    IT_DONE,
};

struct vitem {
    struct berth_verify_op *op;
    char *image;
    int rule;
    char *digest_ref;
    char fp[65];
    enum item_step step;
    enum berth_verify_status status;
    struct berth_error *error;
    struct berth_op *bop;
    struct berth_proc *proc;
};

/* Waits for the engine's backend selection on behalf of an op (outlives it). */
struct select_wait {
    struct berth_verify_op *op;
    struct berth_container_op *cop;
};

struct berth_verify_op {
    struct verify_state *st; /* NULL once the engine is gone (inert) */
    struct berth_engine *eng;
    struct berth_verify_policy *policy;
    enum berth_verify_mode mode;
    bool check;             /* failures are errors (enforce or check_when_off) */
    bool pull_missing;
    bool pull_always;
    bool owned;             /* another module frees it with discard */
    struct berth_backend *backend;
    struct select_wait *wait;
    struct vitem *items;
    size_t n_items;
    size_t pending;
    size_t running;
    bool starting;          /* inside berth_verify_images() */
    bool cancelled;
    bool finished;
    bool in_callback;
    struct berth_error *fatal;
    struct berth_timer *deliver;
    berth_verify_done_fn done;
    void *user;
    struct berth_verify_op *prev, *next;
};

static void item_next(struct vitem *it);
static void op_check(struct berth_verify_op *op);
static void cosign_pump(struct berth_verify_op *op);

/* ---------------------------------------------------------------- state */

/* The real clock: unix ms. */
static uint64_t real_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void op_free(struct berth_verify_op *op);
static void op_stop_work(struct berth_verify_op *op);

/* Frees the state: live ops become inert (owned ones wait for their owner's discard). */
static void state_free(void *data)
{
    struct verify_state *st = data;
    struct berth_verify_op *op = st->live;
    while (op != NULL) {
        struct berth_verify_op *next = op->next;
        if (op->wait != NULL) {
            /* the selection op is dropped without callback with the engine */
            free(op->wait);
            op->wait = NULL;
        }
        op_stop_work(op);
        berth_timer_free(op->deliver);
        op->deliver = NULL;
        op->st = NULL;
        op->prev = op->next = NULL;
        if (!op->owned)
            op_free(op);
        op = next;
    }
    berth_verify_policy_free(st->policy);
    verify_cache_free(st->cache);
    free(st->cache_path);
    strv_free(&st->warned);
    free(st);
}

/* The engine's state, created on first use. */
static struct verify_state *state_get(struct berth_engine *eng)
{
    struct verify_state *st = engine_slot(eng, ENGINE_SLOT_VERIFY);
    if (st != NULL)
        return st;
    st = xcalloc(1, sizeof(*st));
    st->eng = eng;
    st->clock = real_clock;
    strv_init(&st->warned);
    engine_set_slot(eng, ENGINE_SLOT_VERIFY, st, state_free);
    return st;
}

/* Replaces the clock. */
void verify_set_clock(struct berth_engine *eng, verify_clock_fn fn)
{
    state_get(eng)->clock = fn != NULL ? fn : real_clock;
}

/* Replaces the cache file (before first use of the cache). */
void verify_set_cache_path(struct berth_engine *eng, const char *path)
{
    struct verify_state *st = state_get(eng);
    free(st->cache_path);
    st->cache_path = path != NULL ? xstrdup(path) : NULL;
    verify_cache_free(st->cache);
    st->cache = NULL;
}

/* The engine's cache. */
struct verify_cache *verify_engine_cache(struct berth_engine *eng)
{
    struct verify_state *st = state_get(eng);
    if (st->cache == NULL) {
        char *path = st->cache_path != NULL ? xstrdup(st->cache_path)
                                            : verify_cache_default_path();
        st->cache = verify_cache_new(path);
        free(path);
    }
    return st->cache;
}

/* Overrides every policy's mode. */
void berth_verify_set_mode(struct berth_engine *eng, enum berth_verify_mode mode)
{
    struct verify_state *st = state_get(eng);
    st->has_mode = true;
    st->mode = mode;
}

/* Sets the engine's policy. */
void berth_verify_set_policy(struct berth_engine *eng, const struct berth_verify_policy *policy)
{
    struct verify_state *st = state_get(eng);
    berth_verify_policy_free(st->policy);
    st->policy = policy != NULL ? berth_verify_policy_copy(policy) : NULL;
}

/* The effective mode. */
int berth_verify_effective_mode(struct berth_engine *eng, const struct berth_verify_policy *p,
                                enum berth_verify_mode *out, struct berth_error **err)
{
    struct verify_state *st = state_get(eng);
    if (st->has_mode) {
        *out = st->mode;
        return 0;
    }
    const char *env = getenv("BERTH_VERIFY");
    if (env != NULL && *env != '\0') {
        if (berth_verify_mode_parse(env, out, err) < 0) {
            berth_error_wrap(err, "BERTH_VERIFY");
            return -1;
        }
        return 0;
    }
    if (p == NULL)
        p = st->policy;
    *out = p != NULL ? berth_verify_policy_mode(p, NULL) : BERTH_VERIFY_OFF;
    return 0;
}

/* Empties the cache. */
int berth_verify_cache_clear(struct berth_engine *eng, bool persisted, struct berth_error **err)
{
    return verify_cache_clear(verify_engine_cache(eng), persisted, err);
}

/* Status names, indexed by enum berth_verify_status. */
static const char *const status_names[] = {"skipped", "verified",  "cached",
                                           "no-rule", "no-digest", "failed"};

/* The status's name. */
const char *berth_verify_status_name(enum berth_verify_status s)
{
    if ((unsigned)s >= ARRAY_LEN(status_names))
        return NULL;
    return status_names[s];
}

/* ---------------------------------------------------------------- digest */

/* True when entry's path (after the registry) equals path. */
static bool same_path(const char *repo, const char *path)
{
    const char *slash = strchr(repo, '/');
    return slash != NULL && strcmp(slash + 1, path) == 0;
}

/* Picks the repository digest of image among repo_digests. */
char *verify_pick_digest(const char *image, const char *const *repo_digests, const char **why)
{
    *why = NULL;
    struct imgref r;
    if (imgref_parse(image, &r) < 0) {
        *why = "it is not a valid image reference";
        return NULL;
    }
    char *want = imgref_repository(&r);
    /* docker.io/library/x may also be stored as x's path alone on other registries:
       only short names (no registry written) may match by path */
    const char *short_path = !r.explicit_domain && str_starts_with(r.path, "library/")
                                 ? r.path + 8
                                 : r.path;
    char *found = NULL;
    int best = 0; /* 3: same repo and digest, 2: same repo, 1: same path (short name) */
    for (const char *const *e = repo_digests; e != NULL && *e != NULL; e++) {
        char *repo, *digest;
        if (imgref_split_repo_digest(*e, &repo, &digest) < 0)
            continue;
        int score = 0;
        bool digest_ok = r.digest == NULL || strcmp(r.digest, digest) == 0;
        if (strcmp(repo, want) == 0)
            score = r.digest != NULL ? (digest_ok ? 3 : 0) : 2;
        else if (!r.explicit_domain && digest_ok &&
                 (same_path(repo, r.path) || same_path(repo, short_path)))
            score = 1;
        if (score > best) {
            best = score;
            free(found);
            found = xasprintf("%s@%s", repo, digest);
        }
        free(repo);
        free(digest);
    }
    if (found == NULL && r.digest != NULL && strcmp(r.domain, "localhost") != 0)
        found = xasprintf("%s@%s", want, r.digest); /* pinned by digest in the reference */
    free(want);
    imgref_free(&r);
    if (found == NULL) {
        *why = "the runtime reports no repository digest for it (an image built, imported or "
               "tagged locally)";
        return NULL;
    }
    if (str_starts_with(found, "localhost/")) {
        *why = "it is a local image (localhost/): it has no registry digest";
        free(found);
        return NULL;
    }
    return found;
}

/* ------------------------------------------------------------- op basics */

/* Frees op (unlinked, nothing running). */
static void op_free(struct berth_verify_op *op)
{
    for (size_t i = 0; i < op->n_items; i++) {
        free(op->items[i].image);
        free(op->items[i].digest_ref);
        berth_error_free(op->items[i].error);
    }
    free(op->items);
    berth_verify_policy_free(op->policy);
    berth_error_free(op->fatal);
    berth_timer_free(op->deliver);
    free(op);
}

/* Unlinks op from the live list. */
static void op_unlink(struct berth_verify_op *op)
{
    if (op->st == NULL)
        return;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        op->st->live = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    op->prev = op->next = NULL;
}

/* Stops every backend op and child of op; no callback of them fires afterwards. */
static void op_stop_work(struct berth_verify_op *op)
{
    for (size_t i = 0; i < op->n_items; i++) {
        struct vitem *it = &op->items[i];
        if (it->bop != NULL) {
            berth_op_discard(it->bop);
            it->bop = NULL;
        }
        if (it->proc != NULL) {
            berth_proc_abandon(it->proc);
            it->proc = NULL;
            op->running--;
        }
    }
    if (op->wait != NULL) {
        op->wait->op = NULL; /* its callback frees it */
        if (op->wait->cop != NULL)
            berth_container_op_cancel(op->wait->cop);
        op->wait = NULL;
    }
}

/* Logs a warn-mode problem once per engine. */
static void warn_once(struct berth_verify_op *op, const struct vitem *it)
{
    if (op->st == NULL)
        return;
    char *key = xasprintf("%d\t%s\t%s", (int)it->status, it->image,
                          it->digest_ref ? it->digest_ref : "");
    for (size_t i = 0; i < op->st->warned.n; i++) {
        if (strcmp(op->st->warned.v[i], key) == 0) {
            free(key);
            return;
        }
    }
    strv_push_take(&op->st->warned, key);
    berth_engine_log(op->eng, BERTH_LOG_WARN, "verify", "%s (not verified; verify mode is warn)",
                     berth_error_message(it->error));
}

/* The enforce-mode error of the failed items, or NULL when every image passed. */
static struct berth_error *failure_error(struct berth_verify_op *op)
{
    size_t bad = 0;
    const struct vitem *first = NULL;
    for (size_t i = 0; i < op->n_items; i++) {
        if (op->items[i].error != NULL) {
            bad++;
            if (first == NULL)
                first = &op->items[i];
        }
    }
    if (bad == 0)
        return NULL;
    struct berth_error *e;
    if (bad == 1) {
        e = berth_error_new(BERTH_E_VERIFY, 0, "%s", berth_error_message(first->error));
    } else {
        struct strv lines;
        strv_init(&lines);
        size_t len = 1;
        for (size_t i = 0; i < op->n_items; i++) {
            if (op->items[i].error == NULL)
                continue;
            strv_pushf(&lines, "  %s", berth_error_message(op->items[i].error));
            len += strlen(lines.v[lines.n - 1]) + 1;
        }
        char *text = xcalloc(1, len);
        for (size_t i = 0; i < lines.n; i++) {
            strcat(text, "\n");
            strcat(text, lines.v[i]);
        }
        e = berth_error_new(BERTH_E_VERIFY, 0, "%zu images failed verification:%s", bad, text);
        free(text);
        strv_free(&lines);
    }
    const char *hint = berth_error_hint(first->error);
    if (hint != NULL)
        berth_error_set_hint(e, "%s", hint);
    return e;
}

/* Calls the completion callback, then frees op. */
static void op_deliver(struct berth_verify_op *op)
{
    struct berth_error *err = NULL;
    if (op->fatal != NULL) {
        err = op->fatal;
        op->fatal = NULL;
    } else if (op->check) {
        err = failure_error(op);
    } else if (op->mode == BERTH_VERIFY_WARN) {
        for (size_t i = 0; i < op->n_items; i++)
            if (op->items[i].error != NULL)
                warn_once(op, &op->items[i]);
    }
    struct berth_verify_report *reports = xcalloc(op->n_items + 1, sizeof(*reports));
    for (size_t i = 0; i < op->n_items; i++) {
        const struct vitem *it = &op->items[i];
        reports[i].image = it->image;
        reports[i].digest_ref = it->digest_ref;
        reports[i].rule = it->rule >= 0 ? op->policy->rules[it->rule].image : NULL;
        reports[i].status = it->status;
        reports[i].error = it->error;
    }
    struct berth_verify_result res = {
        .error = err, .mode = op->mode, .reports = reports, .n_reports = op->n_items};
    op_unlink(op);
    op->in_callback = true;
    if (op->done != NULL)
        op->done(&res, op->user);
    free(reports);
    berth_error_free(err);
    /* an owner that discarded op from its callback is done with it too */
    op_free(op);
}

/* The deferred delivery fired. */
static void deliver_timer(struct berth_timer *t, void *user)
{
    (void)t;
    op_deliver(user);
}

/* Finishes op once nothing is pending. */
static void op_check(struct berth_verify_op *op)
{
    if (op->finished || op->st == NULL)
        return;
    if (op->fatal == NULL && (op->pending > 0 || op->wait != NULL))
        return;
    op->finished = true;
    op_stop_work(op);
    if (op->starting) {
        /* never from inside the call that started it */
        op->deliver = berth_timer_new(op->eng, deliver_timer, op);
        berth_timer_start(op->deliver, 0);
        return;
    }
    op_deliver(op);
}

/* Ends an item with status and error (taken over). */
static void item_end(struct vitem *it, enum berth_verify_status status, struct berth_error *e)
{
    it->step = IT_DONE;
    it->status = status;
    berth_error_free(it->error);
    it->error = e;
    it->op->pending--;
}

/* "image 'x'" or "image 'x' (repo@sha256:...)" for messages (malloc'd). */
static char *item_name(const struct vitem *it)
{
    if (it->digest_ref != NULL)
        return xasprintf("image '%s' (%s)", it->image, it->digest_ref);
    return xasprintf("image '%s'", it->image);
}

/* --------------------------------------------------------------- cosign */

/* The last BERTH_VERIFY_STDERR_MAX bytes of cosign's stderr, trimmed (malloc'd). */
static char *stderr_tail(const char *err, size_t len)
{
    if (err == NULL || len == 0)
        return xstrdup("(no output)");
    while (len > 0 && (err[len - 1] == '\n' || err[len - 1] == '\r' || err[len - 1] == ' '))
        len--;
    bool cut = len > BERTH_VERIFY_STDERR_MAX;
    const char *start = cut ? err + len - BERTH_VERIFY_STDERR_MAX : err;
    size_t n = cut ? BERTH_VERIFY_STDERR_MAX : len;
    char *out = xmalloc(n + 4);
    size_t o = 0;
    if (cut) {
        memcpy(out, "...", 3);
        o = 3;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)start[i];
        out[o++] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    out[o] = '\0';
    return out;
}

/* cosign ended. */
static void cosign_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    (void)p;
    struct vitem *it = user;
    struct berth_verify_op *op = it->op;
    it->proc = NULL;
    op->running--;
    const struct berth_verify_rule *rule = &op->policy->rules[it->rule];
    char *name = item_name(it);
    if (res->timed_out) {
        uint64_t ms = op->policy->timeout_ms;
        struct berth_error *e = berth_error_new(
            BERTH_E_TIMEOUT, 0, "%s: cosign verify did not finish within %llu.%03llus (rule \"%s\")",
            name, (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000), rule->image);
        berth_error_set_hint(e, "raise x-berth.verify.timeout, check that the registry and "
                                "transparency log are reachable, or verify offline (offline: true)");
        item_end(it, BERTH_VERIFY_FAILED, e);
    } else if (res->error != NULL) {
        struct berth_error *e = berth_error_copy(res->error);
        berth_error_wrap(&e, "%s: running cosign verify (rule \"%s\")", name, rule->image);
        item_end(it, BERTH_VERIFY_FAILED, e);
    } else if (res->exited && res->exit_code == 0) {
        item_end(it, BERTH_VERIFY_VERIFIED, NULL);
        struct berth_error *e = NULL;
        if (op->st != NULL &&
            verify_cache_store(verify_engine_cache(op->eng), it->digest_ref, it->fp,
                               op->policy->ttl_ms, op->policy->persist, op->st->clock(),
                               &e) < 0) {
            berth_engine_log(op->eng, BERTH_LOG_WARN, "verify", "%s", berth_error_message(e));
            berth_error_free(e);
        }
    } else {
        char *tail = stderr_tail(res->err, res->err_len);
        struct berth_error *e;
        if (res->exited)
            e = berth_error_new(BERTH_E_VERIFY, 0,
                                "%s: signature verification failed (rule \"%s\"): cosign exited "
                                "with code %d: %s",
                                name, rule->image, res->exit_code, tail);
        else
            e = berth_error_new(BERTH_E_VERIFY, 0,
                                "%s: signature verification failed (rule \"%s\"): cosign was "
                                "killed by signal %d: %s",
                                name, rule->image, res->signal, tail);
        berth_error_set_hint(e, "check that the image is signed for this rule's %s, or fix the "
                                "rule in x-berth.verify",
                             rule->key != NULL ? "key" : "identity and issuer");
        free(tail);
        item_end(it, BERTH_VERIFY_FAILED, e);
    }
    free(name);
    cosign_pump(op);
    op_check(op);
}

/* Starts cosign for one item. */
static void cosign_start(struct vitem *it)
{
    struct berth_verify_op *op = it->op;
    const char *cosign = getenv("BERTH_COSIGN");
    if (cosign == NULL || *cosign == '\0')
        cosign = "cosign";
    struct strv argv;
    strv_init(&argv);
    verify_policy_cosign_argv(op->policy, (size_t)it->rule, cosign, it->digest_ref, &argv);
    struct berth_proc_options o = {
        .argv = strv_argv(&argv),
        .in = BERTH_IN_NULL,
        .out = BERTH_OUT_DISCARD,
        .err = BERTH_OUT_CAPTURE,
        .capture_limit = COSIGN_CAPTURE,
        .timeout_ms = op->policy->timeout_ms,
        .kill_grace_ms = COSIGN_KILL_GRACE_MS,
        .on_done = cosign_done,
        .user = it,
    };
    struct berth_error *e = NULL;
    it->step = IT_COSIGN;
    it->proc = berth_proc_spawn(op->eng, &o, &e);
    strv_free(&argv);
    if (it->proc != NULL) {
        op->running++;
        return;
    }
    char *name = item_name(it);
    if (berth_error_code(e) == BERTH_E_NOT_FOUND) {
        struct berth_error *ne = berth_error_new(
            BERTH_E_NOT_FOUND, 0, "%s: cannot verify: cosign is not installed ('%s' not found%s)",
            name, cosign, strchr(cosign, '/') != NULL ? "" : " on PATH");
        berth_error_set_hint(ne, "install cosign (see docs/verify.md, or "
                                 "https://docs.sigstore.dev/cosign/system_config/installation/), "
                                 "or set BERTH_COSIGN to its path");
        berth_error_free(e);
        e = ne;
    } else {
        berth_error_wrap(&e, "%s: cannot run cosign", name);
    }
    free(name);
    item_end(it, BERTH_VERIFY_FAILED, e);
}

/* Starts queued cosign runs while slots are free. */
static void cosign_pump(struct berth_verify_op *op)
{
    if (op->cancelled || op->st == NULL)
        return;
    for (size_t i = 0; i < op->n_items && op->running < COSIGN_PARALLEL; i++)
        if (op->items[i].step == IT_QUEUED)
            cosign_start(&op->items[i]);
}

/* ------------------------------------------------------------- backend */

static void item_backend_done(struct berth_op *bop, const struct berth_op_result *res,
                              void *user);

/* Submits the item's backend step. */
static void item_submit(struct vitem *it, enum item_step step)
{
    struct berth_verify_op *op = it->op;
    it->step = step;
    struct berth_op_req req = {
        .kind = step == IT_PULL ? BERTH_OP_IMAGE_PULL : BERTH_OP_IMAGE_INSPECT,
        .target = it->image,
    };
    struct berth_error *e = NULL;
    it->bop = berth_backend_submit(op->backend, &req, item_backend_done, it, &e);
    if (it->bop == NULL) {
        char *name = item_name(it);
        berth_error_wrap(&e, "%s: cannot read its digest from backend %s", name,
                         berth_backend_name(op->backend));
        free(name);
        item_end(it, BERTH_VERIFY_FAILED, e);
    }
}

/* The image's record arrived: pick the digest, then the cache or cosign. */
static void item_inspected(struct vitem *it, const struct berth_image_info *img)
{
    struct berth_verify_op *op = it->op;
    const char *why = NULL;
    it->digest_ref = verify_pick_digest(it->image, img->repo_digests, &why);
    if (it->digest_ref == NULL) {
        struct berth_error *e = berth_error_new(BERTH_E_VERIFY, 0,
                                                "image '%s' cannot be verified: %s", it->image,
                                                why);
        berth_error_set_hint(e, "push the image to a registry and use it from there, or run "
                                "with --verify warn (or off) for local images");
        item_end(it, BERTH_VERIFY_NO_DIGEST, e);
        return;
    }
    verify_policy_fingerprint(op->policy, (size_t)it->rule, it->fp);
    if (verify_cache_lookup(verify_engine_cache(op->eng), it->digest_ref, it->fp,
                            op->policy->ttl_ms, op->policy->persist, op->st->clock())) {
        item_end(it, BERTH_VERIFY_CACHED, NULL);
        return;
    }
    it->step = IT_QUEUED;
}

/* A backend step finished. */
static void item_backend_done(struct berth_op *bop, const struct berth_op_result *res,
                              void *user)
{
    (void)bop;
    struct vitem *it = user;
    struct berth_verify_op *op = it->op;
    it->bop = NULL;
    int code = res->error != NULL ? berth_error_code(res->error) : BERTH_E_OK;
    if (it->step == IT_PULL) {
        if (res->error != NULL) {
            struct berth_error *e = berth_error_copy(res->error);
            berth_error_wrap(&e, "image '%s': pulling it to read its digest", it->image);
            item_end(it, BERTH_VERIFY_FAILED, e);
        } else {
            item_submit(it, IT_INSPECT_AFTER);
        }
    } else if (res->error == NULL && res->n_images > 0) {
        item_inspected(it, &res->images[0]);
    } else if (code == BERTH_E_NOT_FOUND && it->step == IT_INSPECT && op->pull_missing &&
               berth_backend_has_op(op->backend, BERTH_OP_IMAGE_PULL)) {
        item_submit(it, IT_PULL);
    } else {
        struct berth_error *e = res->error != NULL
                                    ? berth_error_copy(res->error)
                                    : berth_error_new(BERTH_E_BACKEND, 0, "no image record");
        berth_error_wrap(&e, "image '%s': cannot read its repository digest", it->image);
        if (code == BERTH_E_NOT_FOUND)
            berth_error_set_hint(e, "pull the image first (berth pull / podman pull)");
        item_end(it, BERTH_VERIFY_FAILED, e);
    }
    cosign_pump(op);
    op_check(op);
}

/* Starts an item: match its rule, then read its digest. */
static void item_next(struct vitem *it)
{
    struct berth_verify_op *op = it->op;
    it->rule = berth_verify_policy_match(op->policy, it->image);
    if (it->rule < 0) {
        struct imgref r;
        char *norm = NULL, *pattern = NULL;
        if (imgref_parse(it->image, &r) == 0) {
            norm = imgref_normalized(&r);
            char *repo = imgref_repository(&r);
            char *slash = strrchr(repo, '/');
            *slash = '\0';
            pattern = xasprintf("%s/*", repo); /* the repository's namespace */
            free(repo);
            imgref_free(&r);
        }
        bool differs = norm != NULL && strcmp(norm, it->image) != 0;
        struct berth_error *e = berth_error_new(
            BERTH_E_VERIFY, 0, "image '%s'%s%s%s: no x-berth.verify rule matches it", it->image,
            differs ? " (" : "", differs ? norm : "", differs ? ")" : "");
        berth_error_set_hint(e, "add a rule for it to x-berth.verify.rules, e.g. {image: \"%s\", "
                                "key: cosign.pub} or a keyless one with certificate_identity and "
                                "certificate_oidc_issuer; --verify warn only reports",
                             pattern != NULL ? pattern : it->image);
        free(norm);
        free(pattern);
        item_end(it, BERTH_VERIFY_NO_RULE, e);
        return;
    }
    bool pull = op->pull_always && berth_backend_has_op(op->backend, BERTH_OP_IMAGE_PULL);
    item_submit(it, pull ? IT_PULL : IT_INSPECT);
}

/* The backend is known: start every item. */
static void op_begin(struct berth_verify_op *op)
{
    if (berth_backend_supports(op->backend, BERTH_FEAT_IMAGES) == BERTH_SUPPORT_UNSUPPORTED) {
        /* host processes: there is no image to verify */
        berth_engine_log(op->eng, BERTH_LOG_DEBUG, "verify",
                         "backend %s runs no images: nothing to verify",
                         berth_backend_name(op->backend));
        for (size_t i = 0; i < op->n_items; i++)
            item_end(&op->items[i], BERTH_VERIFY_SKIPPED, NULL);
        op_check(op);
        return;
    }
    for (size_t i = 0; i < op->n_items && !op->cancelled; i++)
        item_next(&op->items[i]);
    cosign_pump(op);
    op_check(op);
}

/* The engine's selection finished. */
static void selected(const struct berth_container_result *res, void *user)
{
    struct select_wait *w = user;
    struct berth_verify_op *op = w->op;
    free(w);
    if (op == NULL)
        return; /* op was cancelled or discarded meanwhile */
    op->wait = NULL;
    if (res->error != NULL || res->instance == NULL) {
        op->fatal = res->error != NULL
                        ? berth_error_copy(res->error)
                        : berth_error_new(BERTH_E_NOT_FOUND, 0, "no backend was selected");
        berth_error_wrap(&op->fatal, "image verification");
        op_check(op);
        return;
    }
    op->backend = res->instance;
    op_begin(op);
}

/* ------------------------------------------------------------ public */

/* Starts a verification (owned: freed by the owner's discard once the engine is gone). */
struct berth_verify_op *verify_op_start(struct berth_engine *eng, const char *const *refs,
                                        const struct berth_verify_options *opts,
                                        berth_verify_done_fn done, void *user, bool owned,
                                        struct berth_error **err)
{
    if (eng == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_verify_images: no engine given");
        return NULL;
    }
    struct berth_verify_options dflt = {0};
    if (opts == NULL)
        opts = &dflt;
    for (const char *const *r = refs; r != NULL && *r != NULL; r++) {
        struct imgref ir;
        if (imgref_parse(*r, &ir) < 0) {
            berth_error_set(err, BERTH_E_INVALID, 0, "'%s' is not a valid image reference",
                            *r);
            if (err != NULL)
                berth_error_set_hint(*err, "write [registry/]repository[:tag][@sha256:digest]");
            return NULL;
        }
        imgref_free(&ir);
    }
    struct verify_state *st = state_get(eng);
    const struct berth_verify_policy *policy = opts->policy != NULL ? opts->policy : st->policy;
    enum berth_verify_mode mode;
    if (berth_verify_effective_mode(eng, policy, &mode, err) < 0)
        return NULL;
    struct berth_verify_op *op = xcalloc(1, sizeof(*op));
    op->st = st;
    op->eng = eng;
    op->policy = berth_verify_policy_copy(policy);
    op->mode = mode;
    op->check = mode == BERTH_VERIFY_ENFORCE || (mode == BERTH_VERIFY_OFF && opts->check_when_off);
    op->pull_missing = opts->pull_missing;
    op->pull_always = opts->pull_always;
    op->owned = owned;
    op->backend = opts->backend;
    op->done = done;
    op->user = user;
    size_t n = 0;
    for (const char *const *r = refs; r != NULL && *r != NULL; r++)
        n++;
    op->items = xcalloc(n + 1, sizeof(*op->items));
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t k = 0; k < op->n_items && !dup; k++)
            dup = strcmp(op->items[k].image, refs[i]) == 0;
        if (dup)
            continue;
        struct vitem *it = &op->items[op->n_items++];
        it->op = op;
        it->image = xstrdup(refs[i]);
        it->rule = -1;
        it->status = BERTH_VERIFY_SKIPPED;
    }
    op->pending = op->n_items;
    op->next = st->live;
    if (st->live != NULL)
        st->live->prev = op;
    st->live = op;
    op->starting = true;
    if (mode == BERTH_VERIFY_OFF && !opts->check_when_off) {
        for (size_t i = 0; i < op->n_items; i++)
            item_end(&op->items[i], BERTH_VERIFY_SKIPPED, NULL);
        op_check(op);
    } else if (op->n_items == 0) {
        op_check(op);
    } else if (op->backend != NULL) {
        op_begin(op);
    } else {
        struct select_wait *w = xcalloc(1, sizeof(*w));
        w->op = op;
        op->wait = w;
        struct berth_error *e = NULL;
        w->cop = berth_select_get(eng, selected, w, &e);
        if (w->cop == NULL) {
            free(w);
            op->wait = NULL;
            op->fatal = e;
            op_check(op);
        }
    }
    op->starting = false;
    return op;
}

/* Verifies images. */
struct berth_verify_op *berth_verify_images(struct berth_engine *eng, const char *const *refs,
                                            const struct berth_verify_options *opts,
                                            berth_verify_done_fn done, void *user,
                                            struct berth_error **err)
{
    return verify_op_start(eng, refs, opts, done, user, false, err);
}

/* Cancels op. */
void berth_verify_op_cancel(struct berth_verify_op *op)
{
    if (op == NULL || op->in_callback || op->cancelled || op->finished)
        return;
    op->cancelled = true;
    op_stop_work(op);
    berth_error_free(op->fatal);
    op->fatal = berth_error_new(BERTH_E_CANCELLED, 0, "image verification cancelled");
    if (op->st == NULL)
        return;
    op->finished = true;
    op->deliver = berth_timer_new(op->eng, deliver_timer, op);
    berth_timer_start(op->deliver, 0);
}

/* Cancels and forgets op. */
void berth_verify_op_discard(struct berth_verify_op *op)
{
    if (op == NULL || op->in_callback)
        return;
    op_stop_work(op);
    op_unlink(op);
    op_free(op);
}

/* Verifies the image of a container spec before it is created (container API, sandbox). */
struct berth_verify_op *verify_spec_image(struct berth_engine *eng, struct berth_backend *b,
                                          const struct berth_container_spec *spec,
                                          berth_verify_done_fn done, void *user,
                                          struct berth_error **err)
{
    enum berth_verify_mode mode;
    if (berth_verify_effective_mode(eng, NULL, &mode, err) < 0)
        return NULL;
    if (mode == BERTH_VERIFY_OFF || spec->image == NULL ||
        berth_backend_supports(b, BERTH_FEAT_IMAGES) == BERTH_SUPPORT_UNSUPPORTED)
        return NULL;
    const char *pp = spec->pull_policy;
    struct berth_verify_options o = {
        .backend = b,
        .pull_missing = pp == NULL || strcmp(pp, "never") != 0,
        .pull_always = pp != NULL && strcmp(pp, "always") == 0,
    };
    const char *refs[] = {spec->image, NULL};
    return verify_op_start(eng, refs, &o, done, user, true, err);
}
