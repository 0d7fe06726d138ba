/*
 * Tests of the plugin host (plugins/): loader paths and refusals, the example
 * plugin built against the installed headers, configuration, and the op
 * lifecycle (deferred completion, copy-free handoff, timeout, cancel,
 * discard, streamed lines, freeing a backend from a callback).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <berth/runtime.h>

/* ------------------------------------------------------- a test driver */

/* What the test driver did, for the assertions. */
static struct {
    int hooks;            /* cancel hooks called */
    bool in_submit;       /* inside the driver's op function */
    struct berth_op *pending; /* an op left hanging without hook */
    int live_lines;       /* lines a follow stream emitted */
    const struct berth_host *host; /* of the last instance created */
} g;

struct tdrv {
    const struct berth_host *host;
};

/* Per-op context of asynchronous test operations. */
struct tctx {
    struct tdrv *d;
    struct berth_op *op;
    struct berth_timer *t;
    berth_op_line_fn on_line;
    void *user;
    int n;
};

static const struct berth_probe_info static_probe = {.available = true, .version = "v-async"};

/* Frees a context and its timer. */
static void tctx_free(struct tctx *c)
{
    c->d->host->timer_free(c->t);
    free(c);
}

/* Cancel hook: counts, stops the op's work and completes the op (result ignored). */
static void t_hook(void *data)
{
    struct tctx *c = data;
    g.hooks++;
    c->d->host->op_complete(c->op, c->d->host->error_new(BERTH_E_CANCELLED, 0, "gone"), NULL);
    tctx_free(c);
}

/* Timer: completes an async probe. */
static void t_async_fire(struct berth_timer *t, void *user)
{
    struct tctx *c = user;
    (void)t;
    struct berth_op_result r = {.probe = &static_probe};
    struct berth_op *op = c->op;
    const struct berth_host *h = c->d->host;
    tctx_free(c);
    h->op_complete(op, NULL, &r);
}

/* Timer: one live line of a follow stream. */
static void t_follow_fire(struct berth_timer *t, void *user)
{
    struct tctx *c = user;
    char line[32];
    int n = snprintf(line, sizeof(line), "live %d", c->n++);
    g.live_lines++;
    c->on_line(c->user, BERTH_STDOUT, line, (size_t)n, true);
    c->d->host->timer_start(t, 5);
}

/* PROBE in the configured mode. */
static void t_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct tdrv *d = state;
    const char *mode = d->host->config(d->host, "mode");
    (void)req;
    g.in_submit = true;
    if (mode != NULL && strcmp(mode, "twice") == 0) {
        /* a driver bug the host can see: the op is still held for delivery */
        struct berth_op_result r = {.probe = &static_probe};
        d->host->op_complete(op, NULL, &r);
        d->host->op_complete(op, NULL, &r);
    } else if (mode == NULL || strcmp(mode, "sync") == 0) {
        char version[16];
        strcpy(version, "v-sync");
        struct berth_probe_info p = {.available = true, .version = version};
        struct berth_op_result r = {.probe = &p};
        d->host->op_complete(op, NULL, &r);
        strcpy(version, "clobbered"); /* the host must have copied it */
    } else if (strcmp(mode, "async") == 0) {
        struct tctx *c = calloc(1, sizeof(*c));
        c->d = d;
        c->op = op;
        c->t = d->host->timer_new(d->host, t_async_fire, c);
        d->host->timer_start(c->t, 10);
    } else if (strcmp(mode, "hang") == 0) {
        struct tctx *c = calloc(1, sizeof(*c));
        c->d = d;
        c->op = op;
        d->host->op_set_cancel(op, t_hook, c);
    } else if (strcmp(mode, "hang-nohook") == 0) {
        g.pending = op;
    }
    g.in_submit = false;
}

/* CONTAINER_LOGS: three stored lines during submit, then live ones with follow. */
static void t_logs(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct tdrv *d = state;
    for (int i = 0; i < 3; i++) {
        char line[16];
        int n = snprintf(line, sizeof(line), "old %d", i);
        req->on_line(req->stream_user, BERTH_STDOUT, line, (size_t)n, true);
    }
    if (!req->follow) {
        struct berth_op_result r = {0};
        d->host->op_complete(op, NULL, &r);
        return;
    }
    struct tctx *c = calloc(1, sizeof(*c));
    c->d = d;
    c->op = op;
    c->on_line = req->on_line;
    c->user = req->stream_user;
    c->t = d->host->timer_new(d->host, t_follow_fire, c);
    d->host->timer_start(c->t, 5);
    d->host->op_set_cancel(op, t_hook, c);
}

/* Creates an instance. */
static int t_create(const struct berth_host *host, const char *flavour, void **state,
                    struct berth_error **err)
{
    (void)flavour;
    (void)err;
    struct tdrv *d = calloc(1, sizeof(*d));
    d->host = host;
    g.host = host;
    *state = d;
    return 0;
}

/* Destroys an instance. */
static void t_destroy(void *state)
{
    free(state);
}

static const enum berth_support t_caps[] = {[BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE};

static const struct berth_backend_driver t_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "tdrv",
    .description = "test driver",
    .caps = t_caps,
    .caps_count = 1 + BERTH_FEAT_EXEC,
    .create = t_create,
    .destroy = t_destroy,
    .ops = {[BERTH_OP_PROBE] = t_probe, [BERTH_OP_CONTAINER_LOGS] = t_logs},
};

/* Instance capability tables (ABI minor 1): per flavour. */
static const enum berth_support ic_full[] = {[BERTH_FEAT_NETWORK_ALIASES] = BERTH_SUPPORT_NATIVE};
static const enum berth_support ic_none[] = {[BERTH_FEAT_NETWORK_ALIASES] =
                                                 BERTH_SUPPORT_UNSUPPORTED};

/* Creates an instance whose state is its flavour's name. */
static int ic_create(const struct berth_host *host, const char *flavour, void **state,
                     struct berth_error **err)
{
    (void)host;
    (void)err;
    *state = (void *)(flavour ? flavour : "ic-a");
    return 0;
}

/* Nothing to free. */
static void ic_destroy(void *state)
{
    (void)state;
}

/* The flavour's table. */
static const enum berth_support *ic_caps(void *state, size_t *count)
{
    const char *flavour = state;
    *count = BERTH_FEAT_NETWORK_ALIASES + 1;
    return strcmp(flavour, "ic-a") == 0 ? ic_full : ic_none;
}

/* Must not be called: its driver declares ABI minor 0. */
static const enum berth_support *ic_caps_forbidden(void *state, size_t *count)
{
    (void)state;
    (void)count;
    fail_msg("instance_caps read from a minor-0 driver");
    return NULL;
}

static const char *const ic_flavours[] = {"ic-a", "ic-b", NULL};
static const struct berth_backend_driver ic_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR, .abi_minor = 1, .name = "icaps", .caps = ic_none,
    .caps_count = BERTH_FEAT_NETWORK_ALIASES + 1, .create = ic_create, .destroy = ic_destroy,
    .flavours = ic_flavours, .instance_caps = ic_caps};
static const struct berth_backend_driver ic_old_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR, .abi_minor = 0, .name = "icold", .caps = ic_full,
    .caps_count = BERTH_FEAT_NETWORK_ALIASES + 1, .create = ic_create, .destroy = ic_destroy,
    .instance_caps = ic_caps_forbidden};

/* Detached exec (ABI minor 2): the request each exec driver got. */
static struct {
    int calls;
    bool detach;
} gx;

/* EXEC of the detach drivers: records the request and completes at once. */
static void dx_exec(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    const struct berth_host *host = state;
    gx.calls++;
    gx.detach = req->detach;
    struct berth_op_result r = {.exit_code = 0};
    host->op_complete(op, NULL, &r);
}

/*
 * CONTAINER_CREATE (and REMOVE) that reports `started` however old the driver
 * claims to be: for a minor-1 driver that field lies past the end of its
 * result struct.
 */
static void dx_container_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    const struct berth_host *host = state;
    (void)req;
    struct berth_op_result r = {.id = "c1", .started = true};
    host->op_complete(op, NULL, &r);
}

/* Creates an instance whose state is the host. */
static int dx_create(const struct berth_host *host, const char *flavour, void **state,
                     struct berth_error **err)
{
    (void)flavour;
    (void)err;
    *state = (void *)host;
    return 0;
}

/* A driver built against ABI minor 1 (no req->detach) and one against today's minor. */
static const struct berth_backend_driver dx1_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = 1,
    .name = "dx1",
    .caps = ic_full,
    .caps_count = 1,
    .create = dx_create,
    .destroy = ic_destroy,
    .ops = {[BERTH_OP_CONTAINER_EXEC] = dx_exec,
            [BERTH_OP_CONTAINER_CREATE] = dx_container_create,
            [BERTH_OP_CONTAINER_REMOVE] = dx_container_create}};
static const struct berth_backend_driver dx2_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "dx2",
    .caps = ic_full,
    .caps_count = 1,
    .create = dx_create,
    .destroy = ic_destroy,
    .ops = {[BERTH_OP_CONTAINER_EXEC] = dx_exec,
            [BERTH_OP_CONTAINER_CREATE] = dx_container_create,
            [BERTH_OP_CONTAINER_REMOVE] = dx_container_create}};

/* ----------------------------------------------------------- helpers */

/* What a done callback saw. */
struct seen {
    int calls;
    int code;
    char msg[512];
    char version[64];
    const struct berth_probe_info *probe_ptr;
    bool during_submit;
    bool started;
    struct strv_lines {
        char v[16][32];
        int n;
    } lines;
    struct berth_backend *free_me; /* freed from the callback */
    struct berth_op *cancel_at_line2;
};

/* Records a completion. */
static void on_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    struct seen *s = user;
    (void)op;
    s->calls++;
    s->during_submit = g.in_submit;
    s->code = berth_error_code(res->error);
    snprintf(s->msg, sizeof(s->msg), "%s", res->error ? berth_error_message(res->error) : "");
    s->probe_ptr = res->probe;
    s->started = res->started;
    if (res->probe != NULL && res->probe->version != NULL)
        snprintf(s->version, sizeof(s->version), "%s", res->probe->version);
    if (s->free_me != NULL) {
        berth_backend_free(s->free_me);
        s->free_me = NULL;
    }
}

/* Records a streamed line; cancels at the configured one. */
static void on_line(void *user, enum berth_stream stream, const char *line, size_t len,
                    bool complete)
{
    struct seen *s = user;
    (void)stream;
    (void)complete;
    assert_false(g.in_submit);
    if (s->lines.n < 16)
        snprintf(s->lines.v[s->lines.n++], 32, "%.*s", (int)len, line);
    if (s->cancel_at_line2 != NULL && strncmp(line, "live 1", len) == 0)
        berth_op_cancel(s->cancel_at_line2);
}

static struct berth_engine *eng;
static char tmpdir[256];

/* Per-test setup: a fresh engine with the test driver. */
static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    eng = berth_engine_new(NULL, NULL);
    assert_non_null(eng);
    assert_int_equal(berth_plugins_add_driver(eng, &t_driver, "(test)", NULL), 0);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-plugins.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

/* Removes the temp dir's files and the engine. */
static int teardown(void **state)
{
    (void)state;
    berth_engine_free(eng);
    char *cmd;
    assert_true(asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    unsetenv("BERTH_PLUGIN_PATH");
    unsetenv("BERTH_BACKEND_TIMEOUT");
    return 0;
}

/* A tdrv instance in the given probe mode. */
static struct berth_backend *tdrv_new(const char *mode)
{
    assert_int_equal(berth_backend_config_set(eng, "tdrv", "mode", mode, NULL), 0);
    struct berth_error *e = NULL;
    struct berth_backend *b = berth_backend_new(eng, "tdrv", &e);
    assert_null(e);
    assert_non_null(b);
    return b;
}

/* Submits a probe. */
static struct berth_op *probe(struct berth_backend *b, struct seen *s, uint64_t timeout_ms)
{
    struct berth_op_req req = {.kind = BERTH_OP_PROBE, .timeout_ms = timeout_ms};
    struct berth_error *e = NULL;
    struct berth_op *op = berth_backend_submit(b, &req, on_done, s, &e);
    assert_null(e);
    assert_non_null(op);
    return op;
}

/* Copies a built plugin into dir under a new name. */
static void copy_plugin(const char *name, const char *dir, const char *as)
{
    const char *bd = getenv("BERTH_TEST_BUILDDIR");
    assert_non_null(bd);
    char *cmd;
    assert_true(asprintf(&cmd, "cp '%s/plugins/example/%s' '%s/%s'", bd, name, dir, as) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* ----------------------------------------------------- op lifecycle */

static void test_builtin_process(void **state)
{
    (void)state;
    const struct berth_driver_info *p = berth_plugins_find(eng, "process");
    assert_non_null(p);
    assert_true(p->builtin);
    assert_string_equal(p->file, "(built-in)");
    assert_int_equal(p->abi_major, BERTH_BACKEND_ABI_MAJOR);
    assert_string_equal(p->flavours[0], "process");
    assert_ptr_equal(berth_plugins_get(eng, 0), p); /* built-ins first */
    assert_true(berth_plugins_count(eng) >= 2);
    assert_ptr_equal(berth_plugins_find(eng, "tdrv")->driver, &t_driver);
    assert_null(berth_plugins_find(eng, "nope"));
}

static void test_sync_completion_is_deferred(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("sync");
    struct seen s = {0};
    probe(b, &s, 0);
    assert_int_equal(s.calls, 0); /* never from inside submit */
    assert_int_equal(berth_backend_op_count(b), 1);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_OK);
    assert_string_equal(s.version, "v-sync"); /* copied before the driver clobbered it */
    assert_int_equal(berth_backend_op_count(b), 0);
    berth_backend_free(b);
}

static void test_async_completion_is_copy_free(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("async");
    struct seen s = {0};
    probe(b, &s, 0);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_ptr_equal(s.probe_ptr, &static_probe); /* the driver's own pointer */
    assert_false(s.during_submit);
    berth_backend_free(b);
}

static void test_timeout(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("hang");
    struct seen s = {0};
    uint64_t t0 = berth_now_ms();
    probe(b, &s, 60);
    berth_engine_run(eng);
    uint64_t dt = berth_now_ms() - t0;
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_TIMEOUT);
    assert_non_null(strstr(s.msg, "'tdrv'"));
    assert_non_null(strstr(s.msg, "probe timed out after 60 ms"));
    assert_int_equal(g.hooks, 1);
    assert_true(dt >= 60 && dt < 2000);
    assert_int_equal(berth_backend_op_count(b), 0);
    berth_backend_free(b);
}

static void test_timeout_from_config(void **state)
{
    (void)state;
    berth_backend_config_set(eng, "tdrv", "timeout", "80ms", NULL);
    struct berth_backend *b = tdrv_new("hang");
    assert_int_equal(berth_backend_timeout_ms(b), 80);
    struct seen s = {0};
    probe(b, &s, 0);
    berth_engine_run(eng);
    assert_int_equal(s.code, BERTH_E_TIMEOUT);
    berth_backend_free(b);

    /* the environment is read when there is no configuration */
    berth_backend_config_set(eng, "tdrv", "timeout", NULL, NULL);
    setenv("BERTH_BACKEND_TIMEOUT", "2m", 1);
    b = tdrv_new("sync");
    assert_int_equal(berth_backend_timeout_ms(b), 120000);
    berth_backend_free(b);
    setenv("BERTH_BACKEND_TIMEOUT", "soon", 1);
    struct berth_error *e = NULL;
    assert_null(berth_backend_new(eng, "tdrv", &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(e), "BERTH_BACKEND_TIMEOUT"));
    assert_non_null(strstr(berth_error_message(e), "'soon'"));
    assert_non_null(berth_error_hint(e));
    berth_error_free(e);
}

static void test_cancel(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("hang");
    struct seen s = {0};
    struct berth_op *op = probe(b, &s, 0);
    assert_int_equal(berth_op_get_kind(op), BERTH_OP_PROBE);
    assert_ptr_equal(berth_op_get_backend(op), b);
    berth_op_cancel(op);
    assert_int_equal(g.hooks, 1);
    assert_int_equal(s.calls, 0); /* never from inside berth_op_cancel */
    berth_op_cancel(op);          /* twice is harmless */
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_CANCELLED);
    assert_int_equal(g.hooks, 1);
    assert_int_equal(berth_backend_op_count(b), 0);
    berth_backend_free(b);
}

static void test_cancel_without_hook_keeps_op_for_driver(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("hang-nohook");
    struct seen s = {0};
    struct berth_op *op = probe(b, &s, 0);
    berth_op_cancel(op);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_CANCELLED);
    /* the driver still holds it: the op lives until the driver completes it */
    assert_int_equal(berth_backend_op_count(b), 1);
    assert_ptr_equal(g.pending, op);
    struct berth_op_result r = {.probe = &static_probe};
    g.host->op_complete(g.pending, NULL, &r);
    assert_int_equal(berth_backend_op_count(b), 0);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1); /* the late result went nowhere */

    /* an op the driver never completes is dropped with its instance */
    struct berth_op *op2 = probe(b, &s, 0);
    berth_op_cancel(op2);
    berth_engine_run(eng);
    assert_int_equal(berth_backend_op_count(b), 1);
    berth_backend_free(b);
}

static void test_late_completion_is_ignored(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("async");
    struct seen s = {0};
    struct berth_op *op = probe(b, &s, 0);
    berth_op_cancel(op); /* no hook: the driver completes later (its timer) */
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_CANCELLED);
    assert_int_equal(berth_backend_op_count(b), 0); /* freed at the late completion */
    berth_backend_free(b);
}

static void test_discard(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("hang");
    struct seen s = {0};
    struct berth_op *op = probe(b, &s, 1000);
    berth_op_discard(op);
    assert_int_equal(g.hooks, 1);
    assert_int_equal(berth_backend_op_count(b), 0);
    berth_engine_run(eng); /* the timeout timer is gone too: returns at once */
    assert_int_equal(s.calls, 0);
    berth_backend_free(b);
}

static void test_cancel_after_result_delivers_result(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("sync");
    struct seen s = {0};
    struct berth_op *op = probe(b, &s, 0);
    berth_op_cancel(op);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_OK);
    assert_string_equal(s.version, "v-sync");
    berth_backend_free(b);
}

static void test_unsupported_and_invalid(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("sync");
    struct seen s = {0};
    struct berth_error *e = NULL;
    struct berth_op_req req = {.kind = BERTH_OP_IMAGE_PULL, .target = "alpine"};
    assert_false(berth_backend_has_op(b, BERTH_OP_IMAGE_PULL));
    assert_true(berth_backend_has_op(b, BERTH_OP_PROBE));
    assert_null(berth_backend_submit(b, &req, on_done, &s, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_UNSUPPORTED);
    assert_string_equal(berth_error_message(e), "backend 'tdrv' does not support image-pull");
    assert_non_null(berth_error_hint(e));
    berth_error_clear(&e);

    struct berth_op_req logs = {.kind = BERTH_OP_CONTAINER_LOGS, .on_line = on_line};
    assert_null(berth_backend_submit(b, &logs, on_done, &s, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(e), "without target"));
    berth_error_clear(&e);

    struct berth_op_req bad = {.kind = (enum berth_op_kind)999};
    assert_null(berth_backend_submit(b, &bad, on_done, &s, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    berth_error_clear(&e);
    assert_int_equal(s.calls, 0);

    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_EXEC), BERTH_SUPPORT_NATIVE);
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_VM_ISOLATION),
                     BERTH_SUPPORT_UNSUPPORTED); /* past the driver's table */
    berth_backend_free(b);
}

static void test_lines_deferred_and_ordered(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("sync");
    struct seen s = {0};
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_LOGS, .target = "x",
                               .on_line = on_line, .stream_user = &s};
    struct berth_op *op = berth_backend_submit(b, &req, on_done, &s, NULL);
    assert_non_null(op);
    assert_int_equal(s.lines.n, 0); /* held: not delivered inside submit */
    berth_engine_run(eng);
    assert_int_equal(s.lines.n, 3);
    assert_string_equal(s.lines.v[0], "old 0");
    assert_string_equal(s.lines.v[2], "old 2");
    assert_int_equal(s.calls, 1);
    berth_backend_free(b);
}

static void test_follow_cancel_stops_lines(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("sync");
    struct seen s = {0};
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_LOGS, .target = "x", .follow = true,
                               .on_line = on_line, .stream_user = &s};
    struct berth_op *op = berth_backend_submit(b, &req, on_done, &s, NULL);
    s.cancel_at_line2 = op;
    berth_engine_run(eng);
    /* 3 old lines, then live 0 and live 1 (which cancels): nothing after */
    assert_int_equal(s.lines.n, 5);
    assert_string_equal(s.lines.v[4], "live 1");
    assert_int_equal(g.live_lines, 2);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, BERTH_E_CANCELLED);
    assert_int_equal(g.hooks, 1); /* deferred out of the line callback, called once */
    assert_int_equal(berth_backend_op_count(b), 0);
    berth_backend_free(b);
}

static void test_free_backend_from_callback(void **state)
{
    (void)state;
    struct berth_backend *b = tdrv_new("async");
    struct seen s1 = {0}, s2 = {0};
    probe(b, &s1, 0);
    s1.free_me = b;
    struct berth_op_req req = {.kind = BERTH_OP_PROBE, .timeout_ms = 200};
    berth_backend_config_set(eng, "tdrv", "mode", "hang-nohook", NULL);
    assert_non_null(berth_backend_submit(b, &req, on_done, &s2, NULL));
    berth_engine_run(eng);
    assert_int_equal(s1.calls, 1);
    assert_int_equal(s2.calls, 0); /* its instance went away: no callback, no timeout */
}

/* Log sink collecting messages. */
static void collect_log(enum berth_log_level level, const char *component, const char *msg,
                        void *user)
{
    char *buf = user;
    (void)level;
    size_t n = strlen(buf);
    snprintf(buf + n, 2048 - n, "[%s] %s\n", component ? component : "", msg);
}

static void test_double_completion_is_logged(void **state)
{
    (void)state;
    char logbuf[2048] = "";
    berth_engine_set_log(eng, collect_log, BERTH_LOG_DEBUG, logbuf);
    struct berth_backend *b = tdrv_new("twice");
    struct seen s = {0};
    probe(b, &s, 0);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 1);
    assert_non_null(strstr(logbuf, "[tdrv] driver bug: probe completed twice"));
    berth_backend_free(b);
}

/* ---------------------------------------------------------------- loader */

/* Writes a file that is not a shared object. */
static void write_garbage(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not an ELF file\n", f);
    fclose(f);
}

/* The refusal reason of the file ending in name, or NULL. */
static const char *refusal(const char *name)
{
    for (size_t i = 0; i < berth_plugins_refused_count(eng); i++) {
        const struct berth_refused_plugin *r = berth_plugins_refused(eng, i);
        size_t a = strlen(r->file), b = strlen(name);
        if (a >= b && strcmp(r->file + a - b, name) == 0)
            return r->reason;
    }
    return NULL;
}

/* Runs one op on b and returns what the callback saw. */
static void run_op(struct berth_backend *b, const struct berth_op_req *req, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    struct berth_error *e = NULL;
    assert_non_null(berth_backend_submit(b, req, on_done, s, &e));
    assert_null(e);
    berth_engine_run(eng);
    assert_int_equal(s->calls, 1);
}

/* Completion that records a container list. */
static void on_list(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    size_t *n = user;
    (void)op;
    assert_null(res->error);
    *n = res->n_containers;
    for (size_t i = 0; i < res->n_containers; i++)
        assert_string_equal(res->containers[i].name, "web-1");
}

static void test_example_plugin(void **state)
{
    (void)state;
    copy_plugin("example.so", tmpdir, "example.so");
    const char *dirs[] = {tmpdir, NULL};
    struct berth_error *e = NULL;
    assert_int_equal(berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV |
                                                       BERTH_PLUGINS_NO_INSTALLED, &e), 0);
    assert_null(e);
    assert_int_equal(berth_plugins_refused_count(eng), 0);
    const struct berth_driver_info *info = berth_plugins_find(eng, "example");
    assert_non_null(info);
    assert_false(info->builtin);
    assert_non_null(strstr(info->file, "/example.so"));
    assert_int_equal(info->abi_major, BERTH_BACKEND_ABI_MAJOR);
    assert_string_equal(info->flavours[0], "example");
    assert_null(info->flavours[1]);

    struct berth_backend *b = berth_backend_new(eng, "example", &e);
    assert_non_null(b);
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_HEALTHCHECK), BERTH_SUPPORT_EMULATED);
    struct seen s;
    struct berth_op_req pr = {.kind = BERTH_OP_PROBE};
    run_op(b, &pr, &s);
    assert_int_equal(s.code, BERTH_E_OK);
    assert_string_equal(s.version, "1.0");

    struct berth_kv labels[] = {{"com.docker.compose.project", "demo"}};
    struct berth_container_spec spec = {.name = "web-1", .labels = labels, .n_labels = 1};
    struct berth_op_req cr = {.kind = BERTH_OP_CONTAINER_CREATE, .spec = &spec};
    run_op(b, &cr, &s);
    assert_int_equal(s.code, BERTH_E_OK);
    struct berth_op_req st = {.kind = BERTH_OP_CONTAINER_START, .target = "web-1"};
    run_op(b, &st, &s);
    assert_int_equal(s.code, BERTH_E_OK);

    size_t n = 99;
    struct berth_kv filt[] = {{"com.docker.compose.project", "demo"}};
    struct berth_op_req ls = {.kind = BERTH_OP_CONTAINER_LIST, .filters = filt, .n_filters = 1};
    assert_non_null(berth_backend_submit(b, &ls, on_list, &n, NULL));
    berth_engine_run(eng);
    assert_int_equal(n, 1);
    struct berth_kv other[] = {{"com.docker.compose.project", "other"}};
    ls.filters = other;
    assert_non_null(berth_backend_submit(b, &ls, on_list, &n, NULL));
    berth_engine_run(eng);
    assert_int_equal(n, 0);

    struct berth_op_req rm = {.kind = BERTH_OP_CONTAINER_REMOVE, .target = "web-1"};
    run_op(b, &rm, &s);
    assert_int_equal(s.code, BERTH_E_OK);
    run_op(b, &rm, &s);
    assert_int_equal(s.code, BERTH_E_NOT_FOUND);
    berth_backend_free(b);
}

/* Completion recording probe availability. */
static void on_probe_avail(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    int *avail = user;
    (void)op;
    *avail = res->probe != NULL && res->probe->available;
}

static void test_example_plugin_config(void **state)
{
    (void)state;
    copy_plugin("example.so", tmpdir, "example.so");
    const char *dirs[] = {tmpdir, NULL};
    assert_int_equal(berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV |
                                                       BERTH_PLUGINS_NO_INSTALLED, NULL), 0);
    setenv("BERTH_EXAMPLE_AVAILABLE", "no", 1);
    struct berth_backend *b = berth_backend_new(eng, "example", NULL);
    int avail = -1;
    struct berth_op_req pr = {.kind = BERTH_OP_PROBE};
    berth_backend_submit(b, &pr, on_probe_avail, &avail, NULL);
    berth_engine_run(eng);
    assert_int_equal(avail, 0);
    /* the API value wins over the environment */
    berth_backend_config_set(eng, "example", "available", "yes", NULL);
    berth_backend_submit(b, &pr, on_probe_avail, &avail, NULL);
    berth_engine_run(eng);
    assert_int_equal(avail, 1);
    unsetenv("BERTH_EXAMPLE_AVAILABLE");
    berth_backend_free(b);
}

static void test_refusals(void **state)
{
    (void)state;
    copy_plugin("example.so", tmpdir, "example.so");
    copy_plugin("example.so", tmpdir, "zz-example-copy.so");
    copy_plugin("bad-abi.so", tmpdir, "bad-abi.so");
    copy_plugin("no-entry.so", tmpdir, "no-entry.so");
    copy_plugin("bad-table.so", tmpdir, "bad-table.so");
    write_garbage(tmpdir, "x.so");
    write_garbage(tmpdir, "notes.txt"); /* not *.so: ignored */
    const char *dirs[] = {tmpdir, NULL};
    size_t before = berth_plugins_count(eng);
    assert_int_equal(berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV |
                                                       BERTH_PLUGINS_NO_INSTALLED, NULL), 0);
    assert_int_equal(berth_plugins_count(eng), before + 1);
    assert_non_null(berth_plugins_find(eng, "example"));
    assert_null(berth_plugins_find(eng, "bad-abi"));
    assert_null(berth_plugins_find(eng, "bad-table"));
    assert_int_equal(berth_plugins_refused_count(eng), 5);

    const char *r = refusal("/bad-abi.so");
    assert_non_null(r);
    assert_non_null(strstr(r, "ABI 2.0"));
    assert_non_null(strstr(r, "supports ABI 1"));
    r = refusal("/no-entry.so");
    assert_non_null(r);
    assert_non_null(strstr(r, "no entry symbol 'berth_backend_entry'"));
    r = refusal("/bad-table.so");
    assert_non_null(r);
    assert_non_null(strstr(r, "has no create function"));
    r = refusal("/x.so");
    assert_non_null(r);
    assert_non_null(strstr(r, "cannot load it"));
    r = refusal("/zz-example-copy.so");
    assert_non_null(r);
    assert_non_null(strstr(r, "duplicate driver name 'example'"));
    assert_non_null(strstr(r, "/example.so)"));

    /* loading again adds nothing */
    assert_int_equal(berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV |
                                                       BERTH_PLUGINS_NO_INSTALLED, NULL), 0);
    assert_int_equal(berth_plugins_count(eng), before + 1);
    assert_int_equal(berth_plugins_refused_count(eng), 5);
}

static void test_missing_dir_loads_nothing(void **state)
{
    (void)state;
    copy_plugin("example.so", tmpdir, "example.so");
    const char *dirs[] = {tmpdir, "/nonexistent/berth-plugins", NULL};
    struct berth_error *e = NULL;
    size_t before = berth_plugins_count(eng);
    assert_int_equal(berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_NOT_FOUND);
    assert_non_null(strstr(berth_error_message(e), "'/nonexistent/berth-plugins'"));
    berth_error_free(e);
    assert_int_equal(berth_plugins_count(eng), before);
    assert_null(berth_plugins_find(eng, "example"));
}

static void test_plugin_path_env(void **state)
{
    (void)state;
    copy_plugin("example.so", tmpdir, "example.so");
    char path[600];
    snprintf(path, sizeof(path), "/nonexistent/a::%s", tmpdir);
    setenv("BERTH_PLUGIN_PATH", path, 1);
    assert_int_equal(berth_plugins_load(eng, NULL, BERTH_PLUGINS_NO_INSTALLED, NULL), 0);
    assert_non_null(berth_plugins_find(eng, "example"));
    /* explicit directories come first: a same-named plugin there wins */
    unsetenv("BERTH_PLUGIN_PATH");
}

static void test_plugin_path_env_ignored_with_flag(void **state)
{
    (void)state;
    copy_plugin("example.so", tmpdir, "example.so");
    setenv("BERTH_PLUGIN_PATH", tmpdir, 1);
    assert_int_equal(berth_plugins_load(eng, NULL, BERTH_PLUGINS_NO_ENV |
                                                        BERTH_PLUGINS_NO_INSTALLED, NULL), 0);
    assert_null(berth_plugins_find(eng, "example"));
}

/* A table with a bad ABI for berth_plugins_add_driver. */
static const struct berth_backend_driver t_bad_abi = {
    .abi_major = 99, .name = "bad", .create = t_create, .destroy = t_destroy};

/* A table with an out-of-range support level. */
static const enum berth_support t_bad_caps[] = {(enum berth_support)7};
static const struct berth_backend_driver t_bad_caps_drv = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR, .name = "badcaps", .caps = t_bad_caps, .caps_count = 1,
    .create = t_create, .destroy = t_destroy};

static void test_add_driver_checks(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    assert_int_equal(berth_plugins_add_driver(eng, &t_bad_abi, NULL, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_ABI);
    berth_error_clear(&e);
    assert_int_equal(berth_plugins_add_driver(eng, &t_driver, NULL, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_EXISTS);
    berth_error_clear(&e);
    assert_int_equal(berth_plugins_add_driver(eng, &t_bad_caps_drv, NULL, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(e), "'healthcheck'"));
    berth_error_clear(&e);
    assert_null(berth_backend_new(eng, "nosuch", &e));
    assert_int_equal(berth_error_code(e), BERTH_E_NOT_FOUND);
    assert_non_null(berth_error_hint(e));
    berth_error_clear(&e);
}

/* Instances of the minor-1 driver (old: it still loads) and of the current one. */
static void dx_backends(struct berth_backend **old, struct berth_backend **cur)
{
    assert_int_equal(berth_plugins_add_driver(eng, &dx1_driver, NULL, NULL), 0);
    assert_int_equal(berth_plugins_add_driver(eng, &dx2_driver, NULL, NULL), 0);
    *old = berth_backend_new(eng, "dx1", NULL);
    *cur = berth_backend_new(eng, "dx2", NULL);
    assert_non_null(*old);
    assert_non_null(*cur);
}

/* A detached exec reaches a minor-2 driver; a minor-1 driver is refused, not run attached. */
static void test_detach_needs_minor_2(void **state)
{
    (void)state;
    assert_int_equal(BERTH_BACKEND_ABI_MINOR, 2);
    memset(&gx, 0, sizeof(gx));
    struct berth_backend *old, *cur;
    dx_backends(&old, &cur);
    static const char *const argv[] = {"true", NULL};
    struct berth_op_req req = {
        .kind = BERTH_OP_CONTAINER_EXEC, .target = "web", .argv = argv, .detach = true};
    struct seen s = {0};
    struct berth_error *e = NULL;
    assert_null(berth_backend_submit(old, &req, on_done, &s, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(berth_error_message(e), "backend 'dx1' does not support detached "
                                                   "exec (driver 'dx1' is built for ABI 1.1"));
    assert_non_null(berth_error_hint(e));
    berth_error_clear(&e);
    assert_int_equal(gx.calls, 0);
    /* attached exec on the old driver works as before */
    req.detach = false;
    assert_non_null(berth_backend_submit(old, &req, on_done, &s, NULL));
    assert_int_equal(gx.calls, 1);
    assert_false(gx.detach);
    /* the current driver sees the flag */
    req.detach = true;
    assert_non_null(berth_backend_submit(cur, &req, on_done, &s, NULL));
    assert_int_equal(gx.calls, 2);
    assert_true(gx.detach);
    /* detach with attached I/O is a caller error */
    req.tty = true;
    assert_null(berth_backend_submit(cur, &req, on_done, &s, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(e), "detached exec cannot be interactive"));
    berth_error_clear(&e);
    assert_int_equal(gx.calls, 2);
    berth_engine_run(eng);
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.code, BERTH_E_OK);
    berth_backend_free(old);
    berth_backend_free(cur);
}

/* result.started is read only from minor >= 2 drivers; req.stop_first goes only to them. */
static void test_started_needs_minor_2(void **state)
{
    (void)state;
    struct berth_backend *old, *cur;
    dx_backends(&old, &cur);
    static const struct berth_container_spec spec = {.image = "i", .name = "c"};
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_CREATE, .spec = &spec, .start = true};
    struct seen s_old = {0}, s_cur = {0};
    assert_non_null(berth_backend_submit(old, &req, on_done, &s_old, NULL));
    assert_non_null(berth_backend_submit(cur, &req, on_done, &s_cur, NULL));
    berth_engine_run(eng);
    assert_int_equal(s_old.calls, 1);
    assert_int_equal(s_cur.calls, 1);
    assert_false(s_old.started);
    assert_true(s_cur.started);
    /* stop-and-remove in one call: refused for the minor-1 driver (it would kill at once) */
    struct berth_op_req rm = {
        .kind = BERTH_OP_CONTAINER_REMOVE, .target = "c", .stop_first = true, .timeout_s = 5};
    struct berth_error *e = NULL;
    assert_null(berth_backend_submit(old, &rm, on_done, &s_old, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(berth_error_message(e), "cannot stop and remove in one call"));
    berth_error_clear(&e);
    assert_non_null(berth_backend_submit(cur, &rm, on_done, &s_cur, NULL));
    berth_engine_run(eng);
    assert_int_equal(s_cur.calls, 2);
    berth_backend_free(old);
    berth_backend_free(cur);
}

static void test_instance_caps(void **state)
{
    (void)state;
    assert_int_equal(berth_plugins_add_driver(eng, &ic_driver, NULL, NULL), 0);
    assert_int_equal(berth_plugins_add_driver(eng, &ic_old_driver, NULL, NULL), 0);
    struct berth_backend *a = berth_backend_new(eng, "ic-a", NULL);
    struct berth_backend *bb = berth_backend_new(eng, "ic-b", NULL);
    struct berth_backend *old = berth_backend_new(eng, "icold", NULL);
    assert_non_null(a);
    assert_non_null(bb);
    assert_non_null(old);
    assert_string_equal(berth_backend_driver(bb)->name, "icaps");
    assert_string_equal(berth_backend_name(bb), "ic-b");
    assert_int_equal(berth_backend_supports(a, BERTH_FEAT_NETWORK_ALIASES), BERTH_SUPPORT_NATIVE);
    assert_int_equal(berth_backend_supports(bb, BERTH_FEAT_NETWORK_ALIASES),
                     BERTH_SUPPORT_UNSUPPORTED);
    assert_int_equal(berth_backend_supports(old, BERTH_FEAT_NETWORK_ALIASES),
                     BERTH_SUPPORT_NATIVE);
    const struct berth_driver_info *info = berth_plugins_find(eng, "ic-b");
    assert_int_equal(berth_driver_supports(info, BERTH_FEAT_NETWORK_ALIASES),
                     BERTH_SUPPORT_UNSUPPORTED);
    info = berth_plugins_find(eng, "process");
    assert_int_equal(berth_driver_supports(info, BERTH_FEAT_HEALTHCHECK), BERTH_SUPPORT_EMULATED);
    assert_int_equal(berth_driver_supports(info, BERTH_FEAT_COUNT), BERTH_SUPPORT_UNSUPPORTED);
    berth_backend_free(a);
    berth_backend_free(bb);
    berth_backend_free(old);
}

/* ----------------------------------------------------- configuration */

static void test_config_order(void **state)
{
    (void)state;
    unsetenv("BERTH_FL_KEY");
    unsetenv("BERTH_DRV_KEY");
    assert_null(berth_backend_config_get(eng, "fl", "drv", "key"));
    setenv("BERTH_DRV_KEY", "env-drv", 1);
    assert_string_equal(berth_backend_config_get(eng, "fl", "drv", "key"), "env-drv");
    setenv("BERTH_FL_KEY", "env-fl", 1);
    assert_string_equal(berth_backend_config_get(eng, "fl", "drv", "key"), "env-fl");
    berth_backend_config_set(eng, NULL, "key", "all", NULL);
    assert_string_equal(berth_backend_config_get(eng, "fl", "drv", "key"), "all");
    berth_backend_config_set(eng, "drv", "key", "api-drv", NULL);
    assert_string_equal(berth_backend_config_get(eng, "fl", "drv", "key"), "api-drv");
    berth_backend_config_set(eng, "fl", "key", "api-fl", NULL);
    assert_string_equal(berth_backend_config_get(eng, "fl", "drv", "key"), "api-fl");
    berth_backend_config_set(eng, "fl", "key", NULL, NULL);
    assert_string_equal(berth_backend_config_get(eng, "fl", "drv", "key"), "api-drv");
    /* names are upper-cased and sanitised for the environment */
    setenv("BERTH_RANCHER_DESKTOP_PROBE_TIMEOUT", "5s", 1);
    assert_string_equal(berth_backend_config_get(eng, "rancher-desktop", NULL, "probe_timeout"),
                        "5s");
    unsetenv("BERTH_RANCHER_DESKTOP_PROBE_TIMEOUT");
    unsetenv("BERTH_FL_KEY");
    unsetenv("BERTH_DRV_KEY");
    struct berth_error *e = NULL;
    assert_int_equal(berth_backend_config_set(eng, "x", "", "v", &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    berth_error_free(e);
}

static void test_duration_parse(void **state)
{
    (void)state;
    struct {
        const char *text;
        uint64_t ms;
    } good[] = {{"300", 300000}, {"30s", 30000},  {"500ms", 500}, {"1m30s", 90000},
                {"2h", 7200000}, {"1.5s", 1500}, {"0", 0}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t ms = 1;
        assert_int_equal(berth_duration_parse(good[i].text, &ms, NULL), 0);
        assert_int_equal(ms, good[i].ms);
    }
    const char *bad[] = {"", "abc", "10x", "-1", "5 s", "s", "1m30"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t ms;
        struct berth_error *e = NULL;
        assert_int_equal(berth_duration_parse(bad[i], &ms, &e), -1);
        assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
        assert_non_null(berth_error_hint(e));
        berth_error_free(e);
    }
}

static void test_names(void **state)
{
    (void)state;
    for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
        const char *n = berth_feature_name((enum berth_feature)f);
        assert_non_null(n);
        for (int g2 = 0; g2 < f; g2++)
            assert_string_not_equal(n, berth_feature_name((enum berth_feature)g2));
    }
    assert_null(berth_feature_name(BERTH_FEAT_COUNT));
    assert_string_equal(berth_feature_name(BERTH_FEAT_NO_NEW_PRIVILEGES), "no-new-privileges");
    for (int k = 0; k < BERTH_OP_COUNT; k++)
        assert_string_not_equal(berth_op_kind_name((enum berth_op_kind)k), "unknown");
    assert_string_equal(berth_op_kind_name(BERTH_OP_CONTAINER_EXEC), "container-exec");
    assert_string_equal(berth_op_kind_name(BERTH_OP_COUNT), "unknown");
    assert_string_equal(berth_support_name(BERTH_SUPPORT_EMULATED), "emulated");
    assert_string_equal(berth_cstate_name(BERTH_CSTATE_EXITED), "exited");
    assert_string_equal(berth_health_name(BERTH_HEALTH_NONE), "");
    assert_string_equal(berth_health_name(BERTH_HEALTH_UNHEALTHY), "unhealthy");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_completion_is_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_completion_is_copy_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_from_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_without_hook_keeps_op_for_driver, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_late_completion_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_after_result_delivers_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_and_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lines_deferred_and_ordered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_cancel_stops_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_backend_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_double_completion_is_logged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_example_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_example_plugin_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir_loads_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_path_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_path_env_ignored_with_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_driver_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instance_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detach_needs_minor_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_started_needs_minor_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duration_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
