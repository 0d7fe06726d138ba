/*
 * Sandbox runs (berth/sandbox.h) on the engine's selected backend, through
 * the container API: select, check capabilities, create (the image is
 * verified there), start, then follow the output and wait side by side with
 * the timeout armed, and remove. Prune lists sandbox containers by label and
 * removes the leftovers.
 *
 * States x events of a run:
 *
 *            | op ok                | op failed             | timeout / cancel
 *  SELECT    | check caps: CREATE   | fail                  | cancel: fail (cancelled)
 *            |  (or fail)           |                       |
 *  CREATE    | START                | fail                  | cancel the create; then
 *            |                      |                       |  remove if it exists
 *  START     | RUN: arm the timeout,| REMOVE, then fail     | cancel the start; REMOVE
 *            |  logs + wait         |                       |
 *  RUN       | wait: exit code; logs| wait failed: REMOVE   | SIGKILL (wait then ends
 *            |  drained (or a grace |                       |  with 137); a failed kill
 *            |  later): REMOVE      |                       |  or a grace later: REMOVE
 *  REMOVE    | done                 | done (warning)        | -
 *
 * The callback runs once the run is over; the op itself lives on until
 * every container-API call it made has called back (they always do, except
 * when the engine is freed, which frees the op through its slot).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/engine-internal.h"
#include "plugins/sandbox-internal.h"

/* How long the output may still arrive once the command exited. */
#define SANDBOX_LOG_GRACE_MS 2000

/* How long a killed container may take to be reported exited before it is removed by force. */
#define SANDBOX_KILL_GRACE_MS 10000

/* The engine slot of sandbox ops (freed before the container API's state). */
#define SANDBOX_SLOT ENGINE_SLOT_EXTRA1

enum sb_kind { SB_RUN = 0, SB_PRUNE };

enum sb_step { SB_SELECT = 0, SB_CREATE, SB_START, SB_RUNNING, SB_REMOVE, SB_DONE };

/* Captured output of one stream. */
struct capture {
    char *buf;
    size_t len, cap, limit;
    bool truncated;
};

/* One container prune removes. */
struct prune_item {
    struct berth_sandbox_op *op;
    char *name;
};

/* The engine's live sandbox ops (slot SANDBOX_SLOT). */
struct sb_slot {
    struct berth_sandbox_op *live;
};

struct berth_sandbox_op {
    struct sb_slot *slot;
    struct berth_engine *eng;
    enum sb_kind kind;
    enum sb_step step;
    char name[BERTH_SANDBOX_NAME_LEN + 1];
    /* owned copies of the options, and the spec pointing into them */
    struct berth_sandbox_options o;
    struct strv cmd;
    struct berth_kv *env;
    struct berth_sandbox_mount *mounts;
    char *seccomp;
    struct sandbox_spec spec;
    /* progress */
    size_t pending;                 /* container-API calls not yet called back */
    struct berth_container_op *cur; /* select / create / start / remove in flight */
    struct berth_container_op *logs, *wait;
    struct berth_timer *timer;      /* the timeout */
    struct berth_timer *grace;      /* log drain, or a kill that is not followed by an exit */
    bool created, waited, logs_running, killing, removing;
    bool timed_out, cancelled, finished;
    int exit_code;
    struct berth_error *error;
    char *backend;
    struct capture out, err;
    berth_sandbox_done_fn done;
    void *user;
    /* prune */
    bool all;
    struct strv removed;
    struct strv failures;
    struct prune_item *items;
    size_t n_items;
    berth_sandbox_prune_fn prune_done;
    struct berth_sandbox_op *prev, *next;
};

static void sb_remove(struct berth_sandbox_op *op);
static void sb_finish(struct berth_sandbox_op *op);

/* ----------------------------------------------------------------- names */

/* Tier names, indexed by enum berth_sandbox_tier. */
static const char *const tier_names[] = {"hardened", "isolated", "untrusted"};

/* The tier's name. */
const char *berth_sandbox_tier_name(enum berth_sandbox_tier t)
{
    if ((unsigned)t >= ARRAY_LEN(tier_names))
        return NULL;
    return tier_names[t];
}

/* Parses a tier name. */
int berth_sandbox_tier_parse(const char *s, enum berth_sandbox_tier *out,
                             struct berth_error **err)
{
    for (size_t i = 0; s != NULL && i < ARRAY_LEN(tier_names); i++) {
        if (strcmp(s, tier_names[i]) == 0) {
            *out = (enum berth_sandbox_tier)i;
            return 0;
        }
    }
    berth_error_set(err, BERTH_E_INVALID, 0, "invalid sandbox tier '%s'", s ? s : "");
    if (err != NULL)
        berth_error_set_hint(*err, "use isolated, hardened or untrusted");
    return -1;
}

/* Hex digits of bytes into out (2n + 1 bytes). */
static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* A new sandbox name. */
int berth_sandbox_name(const char *image, char out[BERTH_SANDBOX_NAME_LEN + 1],
                       struct berth_error **err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const char *ref = image != NULL ? image : "";
    if (EVP_Digest(ref, strlen(ref), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 4)
        return berth_error_set(err, BERTH_E_SYSTEM, 0, "cannot hash the image reference");
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return berth_error_set(err, BERTH_E_SYSTEM, 0, "no randomness for a sandbox name");
    char h[9], r[17];
    hex(md, 4, h);
    hex(rnd, 8, r);
    snprintf(out, BERTH_SANDBOX_NAME_LEN + 1, "%s-%s", h, r);
    return 0;
}

/* True for "<8 hex>-<16 hex>". */
bool berth_sandbox_name_valid(const char *name)
{
    if (name == NULL || strlen(name) != BERTH_SANDBOX_NAME_LEN || name[8] != '-')
        return false;
    for (size_t i = 0; i < BERTH_SANDBOX_NAME_LEN; i++) {
        if (i == 8)
            continue;
        char c = name[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------- lifecycle */

/* Frees an op (unlinked or not). */
static void sb_free(struct berth_sandbox_op *op)
{
    if (op->slot != NULL) {
        if (op->prev != NULL)
            op->prev->next = op->next;
        else
            op->slot->live = op->next;
        if (op->next != NULL)
            op->next->prev = op->prev;
    }
    berth_timer_free(op->timer);
    berth_timer_free(op->grace);
    sandbox_spec_free(&op->spec);
    strv_free(&op->cmd);
    for (size_t i = 0; i < op->o.n_env; i++) {
        free((char *)op->env[i].key);
        free((char *)op->env[i].value);
    }
    free(op->env);
    for (size_t i = 0; i < op->o.n_mounts; i++) {
        free((char *)op->mounts[i].source);
        free((char *)op->mounts[i].target);
    }
    free(op->mounts);
    free((char *)op->o.image);
    free((char *)op->o.workdir);
    free((char *)op->o.user);
    free(op->seccomp);
    berth_error_free(op->error);
    free(op->backend);
    free(op->out.buf);
    free(op->err.buf);
    strv_free(&op->removed);
    strv_free(&op->failures);
    for (size_t i = 0; i < op->n_items; i++)
        free(op->items[i].name);
    free(op->items);
    free(op);
}

/* Frees every live op without callbacks (the engine is being freed). */
static void slot_free(void *data)
{
    struct sb_slot *slot = data;
    while (slot->live != NULL)
        sb_free(slot->live);
    free(slot);
}

/* A new op linked into the engine's slot. */
static struct berth_sandbox_op *sb_new(struct berth_engine *eng, enum sb_kind kind)
{
    struct sb_slot *slot = engine_slot(eng, SANDBOX_SLOT);
    if (slot == NULL) {
        slot = xcalloc(1, sizeof(*slot));
        engine_set_slot(eng, SANDBOX_SLOT, slot, slot_free);
    }
    struct berth_sandbox_op *op = xcalloc(1, sizeof(*op));
    op->slot = slot;
    op->eng = eng;
    op->kind = kind;
    op->exit_code = -1;
    strv_init(&op->cmd);
    strv_init(&op->removed);
    strv_init(&op->failures);
    op->next = slot->live;
    if (slot->live != NULL)
        slot->live->prev = op;
    slot->live = op;
    return op;
}

/* A container-API call of op called back: true when op is over (the caller returns). */
static bool sb_back(struct berth_sandbox_op *op)
{
    op->pending--;
    if (op->finished) {
        if (op->pending == 0)
            sb_free(op);
        return true;
    }
    return false;
}

/* Records the first error (taken over). */
static void sb_error(struct berth_sandbox_op *op, struct berth_error *e)
{
    if (op->error == NULL)
        op->error = e;
    else
        berth_error_free(e);
}

/* ---------------------------------------------------------------- output */

/* Appends to a capture, up to its limit. */
static void capture_add(struct capture *c, const char *data, size_t len)
{
    if (c->len + len > c->limit) {
        c->truncated = true;
        len = c->limit > c->len ? c->limit - c->len : 0;
    }
    if (len == 0)
        return;
    c->buf = xreallocarray_grow(c->buf, &c->cap, c->len + len + 1, 1);
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    c->buf[c->len] = '\0';
}

/* An output line of the sandbox. */
static void sb_line(void *user, enum berth_stream stream, const char *line, size_t len,
                    bool complete)
{
    struct berth_sandbox_op *op = user;
    if (op->o.on_line != NULL) {
        op->o.on_line(op->o.stream_user, stream, line, len, complete);
        return;
    }
    struct capture *c = stream == BERTH_STDERR ? &op->err : &op->out;
    capture_add(c, line, len);
    if (complete)
        capture_add(c, "\n", 1);
}

/* ------------------------------------------------------------------ run */

/* Delivers the result of a run, then frees op once nothing is pending. */
static void sb_finish(struct berth_sandbox_op *op)
{
    if (op->finished)
        return;
    op->finished = true;
    op->step = SB_DONE;
    if (op->timer != NULL)
        berth_timer_stop(op->timer);
    if (op->grace != NULL)
        berth_timer_stop(op->grace);
    struct berth_error *e = op->error;
    op->error = NULL;
    if (e == NULL && op->cancelled)
        e = berth_error_new(BERTH_E_CANCELLED, 0, "sandbox %s cancelled", op->name);
    if (e == NULL && op->timed_out) {
        uint64_t ms = op->o.timeout_ms;
        e = berth_error_new(BERTH_E_TIMEOUT, 0,
                            "sandbox %s: the command ran longer than %llu.%03llus and was killed",
                            op->name, (unsigned long long)(ms / 1000),
                            (unsigned long long)(ms % 1000));
        berth_error_set_hint(e, "give it more time with --timeout");
    }
    bool captured = op->o.on_line == NULL;
    struct berth_sandbox_result r = {
        .error = e,
        .name = op->name,
        .backend = op->backend,
        .exit_code = op->exit_code,
        .timed_out = op->timed_out,
        .out = captured ? (op->out.buf != NULL ? op->out.buf : "") : NULL,
        .out_len = op->out.len,
        .out_truncated = op->out.truncated,
        .err = captured ? (op->err.buf != NULL ? op->err.buf : "") : NULL,
        .err_len = op->err.len,
        .err_truncated = op->err.truncated,
    };
    op->pending++; /* op stays alive during the callback */
    if (op->done != NULL)
        op->done(&r, op->user);
    berth_error_free(e);
    if (--op->pending == 0)
        sb_free(op);
}

/* Removed (or not): the run is over. */
static void sb_removed(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->cur = NULL;
    if (sb_back(op))
        return;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_NOT_FOUND)
        berth_engine_log(op->eng, BERTH_LOG_WARN, "sandbox",
                         "could not remove sandbox %s: %s (berth sandbox prune removes it)",
                         op->name, berth_error_message(res->error));
    sb_finish(op);
}

/* Removes the container by force (killing it), then finishes. */
static void sb_remove(struct berth_sandbox_op *op)
{
    if (op->removing)
        return;
    op->removing = true;
    op->step = SB_REMOVE;
    if (op->grace != NULL)
        berth_timer_stop(op->grace);
    if (op->logs != NULL)
        berth_container_op_cancel(op->logs);
    struct berth_error *e = NULL;
    op->cur = berth_container_remove_if_exists(op->eng, op->name, true, true, sb_removed, op, &e);
    if (op->cur == NULL) {
        berth_engine_log(op->eng, BERTH_LOG_WARN, "sandbox", "could not remove sandbox %s: %s",
                         op->name, berth_error_message(e));
        berth_error_free(e);
        sb_finish(op);
        return;
    }
    op->pending++;
}

/* The grace period ran out: logs still open after the exit, or a kill without exit. */
static void sb_grace(struct berth_timer *t, void *user)
{
    (void)t;
    sb_remove(user);
}

/* Arms the grace timer. */
static void sb_arm_grace(struct berth_sandbox_op *op, uint64_t ms)
{
    if (op->grace == NULL)
        op->grace = berth_timer_new(op->eng, sb_grace, op);
    berth_timer_start(op->grace, ms);
}

/* Both the wait and the log stream are over (or the drain grace passed). */
static void sb_check_over(struct berth_sandbox_op *op)
{
    if (!op->waited)
        return;
    if (op->logs_running) {
        sb_arm_grace(op, SANDBOX_LOG_GRACE_MS);
        return;
    }
    sb_remove(op);
}

/* The command exited. */
static void sb_waited(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->wait = NULL;
    if (sb_back(op))
        return;
    op->waited = true;
    if (res->error != NULL) {
        if (!op->killing)
            sb_error(op, berth_error_copy(res->error));
        sb_remove(op);
        return;
    }
    op->exit_code = res->exit_code;
    if (op->timer != NULL)
        berth_timer_stop(op->timer);
    sb_check_over(op);
}

/* The log stream ended. */
static void sb_logs_done(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->logs = NULL;
    op->logs_running = false;
    if (sb_back(op))
        return;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_CANCELLED)
        berth_engine_log(op->eng, BERTH_LOG_WARN, "sandbox", "output of sandbox %s: %s",
                         op->name, berth_error_message(res->error));
    if (op->waited && !op->removing)
        sb_remove(op);
}

/* The SIGKILL was delivered (or not). */
static void sb_killed(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    if (sb_back(op))
        return;
    if (res->error != NULL && !op->waited)
        sb_remove(op); /* removal by force stops it too */
}

/* Kills the running container (timeout or cancel); the wait then ends. */
static void sb_kill(struct berth_sandbox_op *op)
{
    if (op->killing || op->removing)
        return;
    op->killing = true;
    struct berth_error *e = NULL;
    if (berth_container_kill(op->eng, op->name, SIGKILL, sb_killed, op, &e) == NULL) {
        berth_error_free(e);
        sb_remove(op);
        return;
    }
    op->pending++;
    sb_arm_grace(op, SANDBOX_KILL_GRACE_MS);
}

/* The timeout ran out. */
static void sb_timeout(struct berth_timer *t, void *user)
{
    (void)t;
    struct berth_sandbox_op *op = user;
    if (op->step != SB_RUNNING || op->waited)
        return;
    op->timed_out = true;
    sb_kill(op);
}

/* Started: follow the output, wait for the exit, arm the timeout. */
static void sb_started(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->cur = NULL;
    if (sb_back(op))
        return;
    if (res->error != NULL || op->cancelled) {
        if (res->error != NULL && !op->cancelled)
            sb_error(op, berth_error_copy(res->error));
        sb_remove(op);
        return;
    }
    op->step = SB_RUNNING;
    op->timer = berth_timer_new(op->eng, sb_timeout, op);
    berth_timer_start(op->timer, op->o.timeout_ms);
    struct berth_error *e = NULL;
    op->wait = berth_container_wait(op->eng, op->name, 0, sb_waited, op, &e);
    if (op->wait == NULL) {
        sb_error(op, e);
        sb_remove(op);
        return;
    }
    op->pending++;
    struct berth_container_logs_options lo = {
        .tail = -1, .follow = true, .on_line = sb_line, .stream_user = op};
    op->logs = berth_container_logs(op->eng, op->name, &lo, sb_logs_done, op, &e);
    if (op->logs == NULL) {
        berth_engine_log(op->eng, BERTH_LOG_WARN, "sandbox", "cannot follow the output of %s: %s",
                         op->name, berth_error_message(e));
        berth_error_free(e);
    } else {
        op->pending++;
        op->logs_running = true;
    }
}

/* Created (the image verified): start it. */
static void sb_created(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->cur = NULL;
    if (sb_back(op))
        return;
    if (op->cancelled) {
        sb_remove(op); /* the create may have gone through before it was cancelled */
        return;
    }
    if (res->error != NULL) {
        struct berth_error *e = berth_error_copy(res->error);
        berth_error_wrap(&e, "sandbox %s", op->name);
        sb_error(op, e);
        sb_finish(op);
        return;
    }
    op->created = true;
    op->step = SB_START;
    struct berth_error *e = NULL;
    op->cur = berth_container_start(op->eng, op->name, sb_started, op, &e);
    if (op->cur == NULL) {
        sb_error(op, e);
        sb_remove(op);
        return;
    }
    op->pending++;
}

/* The backend is selected: check what it enforces, then create. */
static void sb_selected(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->cur = NULL;
    if (sb_back(op))
        return;
    if (res->error != NULL || res->instance == NULL || op->cancelled) {
        if (!op->cancelled)
            sb_error(op, res->error != NULL
                             ? berth_error_copy(res->error)
                             : berth_error_new(BERTH_E_NOT_FOUND, 0, "no backend was selected"));
        sb_finish(op);
        return;
    }
    op->backend = xstrdup(berth_backend_name(res->instance));
    struct berth_error *e = NULL;
    if (sandbox_check_backend(res->instance, &op->spec.spec, op->o.tier,
                              op->o.allow_shared_kernel, &e) < 0) {
        sb_error(op, e);
        sb_finish(op);
        return;
    }
    op->step = SB_CREATE;
    op->cur = berth_container_create(op->eng, &op->spec.spec, sb_created, op, &e);
    if (op->cur == NULL) {
        sb_error(op, e);
        sb_finish(op);
        return;
    }
    op->pending++;
}

/* Copies the options (the caller's are borrowed for the call only). */
static void sb_copy_options(struct berth_sandbox_op *op, const struct berth_sandbox_options *o)
{
    op->o = *o;
    op->o.image = o->image != NULL ? xstrdup(o->image) : NULL;
    op->o.workdir = o->workdir != NULL ? xstrdup(o->workdir) : NULL;
    op->o.user = o->user != NULL ? xstrdup(o->user) : NULL;
    op->o.seccomp_profile = NULL;
    if (o->command != NULL) {
        for (const char *const *c = o->command; *c != NULL; c++)
            strv_push(&op->cmd, *c);
        op->o.command = strv_argv(&op->cmd);
    }
    op->env = xcalloc(o->n_env + 1, sizeof(*op->env));
    for (size_t i = 0; i < o->n_env; i++) {
        op->env[i].key = o->env[i].key != NULL ? xstrdup(o->env[i].key) : NULL;
        op->env[i].value = o->env[i].value != NULL ? xstrdup(o->env[i].value) : NULL;
    }
    op->o.env = op->env;
    op->mounts = xcalloc(o->n_mounts + 1, sizeof(*op->mounts));
    for (size_t i = 0; i < o->n_mounts; i++) {
        op->mounts[i].source = o->mounts[i].source ? xstrdup(o->mounts[i].source) : NULL;
        op->mounts[i].target = o->mounts[i].target ? xstrdup(o->mounts[i].target) : NULL;
        op->mounts[i].read_write = o->mounts[i].read_write;
    }
    op->o.mounts = op->mounts;
    if (op->o.timeout_ms == 0)
        op->o.timeout_ms = BERTH_SANDBOX_TIMEOUT_DEFAULT_MS;
    op->out.limit = op->err.limit =
        o->capture_limit > 0 ? o->capture_limit : BERTH_SANDBOX_CAPTURE_DEFAULT;
}

/* Runs a sandbox. */
struct berth_sandbox_op *berth_sandbox_run(struct berth_engine *eng,
                                           const struct berth_sandbox_options *opts,
                                           berth_sandbox_done_fn done, void *user,
                                           struct berth_error **err)
{
    if (eng == NULL || opts == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_sandbox_run: no %s given",
                        eng == NULL ? "engine" : "options");
        return NULL;
    }
    if (berth_sandbox_tier_name(opts->tier) == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_sandbox_run: unknown tier %d",
                        (int)opts->tier);
        return NULL;
    }
    struct berth_sandbox_op *op = sb_new(eng, SB_RUN);
    sb_copy_options(op, opts);
    op->done = done;
    op->user = user;
    if (opts->tier != BERTH_SANDBOX_ISOLATED) {
        const char *given = opts->seccomp_profile;
        op->seccomp = sandbox_seccomp_check(given != NULL ? given : berth_sandbox_default_seccomp(),
                                            given != NULL ? "--seccomp" : "the default profile",
                                            err);
        if (op->seccomp == NULL)
            goto fail;
    }
    if (berth_sandbox_name(op->o.image, op->name, err) < 0)
        goto fail;
    if (sandbox_spec_build(&op->spec, &op->o, op->name, op->seccomp, (int64_t)time(NULL), err) <
        0)
        goto fail;
    op->cur = berth_select_get(eng, sb_selected, op, err);
    if (op->cur == NULL)
        goto fail;
    op->pending++;
    return op;
fail:
    sb_free(op);
    return NULL;
}

/* Stops a sandbox. */
void berth_sandbox_op_cancel(struct berth_sandbox_op *op)
{
    if (op == NULL || op->finished || op->cancelled)
        return;
    op->cancelled = true;
    if (op->kind == SB_PRUNE)
        return; /* removals in flight finish; the result says cancelled */
    switch (op->step) {
    case SB_SELECT:
    case SB_CREATE:
    case SB_START:
        if (op->cur != NULL)
            berth_container_op_cancel(op->cur);
        break;
    case SB_RUNNING:
        sb_kill(op);
        break;
    case SB_REMOVE:
    case SB_DONE:
        break;
    }
}

/* The container name. */
const char *berth_sandbox_op_name(const struct berth_sandbox_op *op)
{
    return op->name;
}

/* ------------------------------------------------------------ ls, prune */

/* The label filter of sandbox containers. */
static const struct berth_kv sandbox_filter[] = {{BERTH_SANDBOX_LABEL, "1"}};

/* Lists sandbox containers. */
struct berth_container_op *berth_sandbox_list(struct berth_engine *eng,
                                              berth_container_done_fn done, void *user,
                                              struct berth_error **err)
{
    struct berth_container_list_options lo = {
        .all = true, .filters = sandbox_filter, .n_filters = 1};
    return berth_container_list(eng, &lo, done, user, err);
}

/* Delivers the prune result once every removal called back. */
static void prune_check(struct berth_sandbox_op *op)
{
    if (op->pending > 0 || op->finished)
        return;
    op->finished = true;
    struct berth_error *e = op->error;
    op->error = NULL;
    if (e == NULL && op->failures.n > 0) {
        size_t len = 1;
        for (size_t i = 0; i < op->failures.n; i++)
            len += strlen(op->failures.v[i]) + 3;
        char *text = xcalloc(1, len);
        for (size_t i = 0; i < op->failures.n; i++) {
            strcat(text, "\n  ");
            strcat(text, op->failures.v[i]);
        }
        e = berth_error_new(BERTH_E_BACKEND, 0, "%zu sandbox%s could not be removed:%s",
                            op->failures.n, op->failures.n == 1 ? "" : "es", text);
        free(text);
    }
    if (e == NULL && op->cancelled)
        e = berth_error_new(BERTH_E_CANCELLED, 0, "sandbox prune cancelled");
    struct berth_sandbox_prune_result r = {
        .error = e, .removed = strv_argv(&op->removed), .n_removed = op->removed.n};
    if (op->prune_done != NULL)
        op->prune_done(&r, op->user);
    berth_error_free(e);
    sb_free(op);
}

/* A removal of prune called back (user: its item). */
static void prune_removed(const struct berth_container_result *res, void *user)
{
    struct prune_item *it = user;
    struct berth_sandbox_op *op = it->op;
    op->pending--;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_NOT_FOUND)
        strv_pushf(&op->failures, "%s: %s", it->name, berth_error_message(res->error));
    else if (res->removed)
        strv_push(&op->removed, it->name);
    prune_check(op);
}

/* True when a listed sandbox is a leftover to remove. */
static bool prune_wanted(const struct berth_container_info *ci, bool all, int64_t now)
{
    bool running = ci->state == BERTH_CSTATE_RUNNING || ci->state == BERTH_CSTATE_PAUSED ||
                   ci->state == BERTH_CSTATE_RESTARTING || ci->state == BERTH_CSTATE_CREATED;
    if (!running || all)
        return true;
    for (size_t i = 0; i < ci->n_labels; i++) {
        int64_t expires;
        if (strcmp(ci->labels[i].key, BERTH_SANDBOX_LABEL_EXPIRES) == 0 &&
            sandbox_parse_rfc3339(ci->labels[i].value, &expires) == 0)
            return expires < now; /* its berth would have killed it by now */
    }
    return false;
}

/* The sandboxes are listed: remove the leftovers. */
static void prune_listed(const struct berth_container_result *res, void *user)
{
    struct berth_sandbox_op *op = user;
    op->cur = NULL;
    op->pending--;
    if (res->error != NULL) {
        sb_error(op, berth_error_copy(res->error));
        prune_check(op);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    op->items = xcalloc(res->n_containers + 1, sizeof(*op->items));
    for (size_t i = 0; i < res->n_containers && !op->cancelled; i++) {
        const struct berth_container_info *ci = &res->containers[i];
        if (!prune_wanted(ci, op->all, now))
            continue;
        struct prune_item *it = &op->items[op->n_items++];
        it->op = op;
        it->name = xstrdup(ci->name != NULL && *ci->name ? ci->name : ci->id);
        struct berth_error *e = NULL;
        if (berth_container_remove_if_exists(op->eng, it->name, true, true, prune_removed, it,
                                             &e) == NULL) {
            strv_pushf(&op->failures, "%s: %s", it->name, berth_error_message(e));
            berth_error_free(e);
            continue;
        }
        op->pending++;
    }
    prune_check(op);
}

/* Removes leftover sandboxes. */
struct berth_sandbox_op *berth_sandbox_prune(struct berth_engine *eng, bool all,
                                             berth_sandbox_prune_fn done, void *user,
                                             struct berth_error **err)
{
    if (eng == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_sandbox_prune: no engine given");
        return NULL;
    }
    struct berth_sandbox_op *op = sb_new(eng, SB_PRUNE);
    op->all = all;
    op->prune_done = done;
    op->user = user;
    op->cur = berth_sandbox_list(eng, prune_listed, op, err);
    if (op->cur == NULL) {
        sb_free(op);
        return NULL;
    }
    op->pending++;
    return op;
}
