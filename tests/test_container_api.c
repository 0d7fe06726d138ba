/*
 * The container and image API (include/berth/container.h).
 *
 * Without arguments: every call against the built-in process backend, the
 * selection rules, cancellation and teardown, and the typed records parsed
 * from the docker, podman and nerdctl fixtures (tests/fixtures/backends/,
 * served by a fake runtime program through the real docker-protocol
 * plugin) giving the same meanings on every runtime.
 *
 * With --podman: every call against a real Podman (the environment is set
 * up by tests/test_container_api_podman.sh: CONTAINERS_CONF, a private
 * storage, BERTH_TEST_IMAGE).
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <berth/container.h>

#include "tests/capi_helpers.h"

static struct capi_env env;

/* A fresh engine per test. */
static int setup(void **state)
{
    (void)state;
    capi_env_init(&env);
    return 0;
}

/* Frees the engine. */
static int teardown(void **state)
{
    (void)state;
    capi_env_free(&env);
    return 0;
}

/* Selects the given backend (before first use). */
static void select_only(const char *name)
{
    const char *names[] = {name, NULL};
    struct berth_error *e = NULL;
    if (berth_select_set(env.eng, names, "the test", &e) < 0)
        fail_msg("select: %s", berth_error_message(e));
}

/* Starts a test on the runtime name alone, with an empty capture. */
static void begin_on(const char *name, struct capi_capture *c)
{
    select_only(name);
    capi_capture_init(c);
}

/* Asserts that an op started and completed successfully. */
static void expect_ok(struct berth_container_op *op, struct berth_error *e, struct capi_capture *c,
                      int timeout_s)
{
    if (op == NULL)
        fail_msg("not started: %s", berth_error_message(e));
    assert_false(c->done); /* never from inside the call */
    capi_wait(&env, c, timeout_s);
    if (c->code != 0)
        fail_msg("failed: %s", c->message);
    assert_int_equal(c->calls, 1);
}

/* Inspects name into c (reset first). */
static void inspect(const char *name, struct capi_capture *c)
{
    capi_capture_reset(c);
    struct berth_error *e = NULL;
    struct berth_container_op *op = berth_container_inspect(env.eng, name, capi_done, c, &e);
    assert_non_null(op);
    capi_wait(&env, c, 60);
}

/* Asserts that no container name exists (inspect: BERTH_E_NOT_FOUND); resets c. */
static void expect_gone(const char *name, struct capi_capture *c)
{
    inspect(name, c);
    assert_int_equal(c->code, BERTH_E_NOT_FOUND);
    capi_capture_reset(c);
}

/* Polls logs until want appears (output reaches the log store asynchronously). */
static void expect_log_line(const char *name, const char *want, int tries)
{
    struct capi_capture c;
    capi_capture_init(&c);
    for (int i = 0; i < tries; i++) {
        capi_capture_reset(&c);
        struct berth_container_logs_options lo = {.tail = -1, .on_line = capi_on_line,
                                                  .stream_user = &c};
        struct berth_error *e = NULL;
        expect_ok(berth_container_logs(env.eng, name, &lo, capi_done, &c, &e), e, &c, 60);
        if (capi_has_line(&c, want))
            break;
        capi_spin(&env, 100);
    }
    if (!capi_has_line(&c, want))
        fail_msg("no log line '%s' from %s", want, name);
    capi_capture_reset(&c);
}

/* ------------------------------------------------------------ selection */

static void test_select_rules(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    select_only("process");
    assert_false(berth_select_used(env.eng));
    assert_null(berth_select_current(env.eng));
    /* Names follow one rule everywhere. */
    const char *bad[] = {"Pod man", NULL};
    assert_int_equal(berth_select_set(env.eng, bad, "--backend", &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(e), "--backend"));
    berth_error_clear(&e);
    const char *empty[] = {NULL};
    assert_int_equal(berth_select_set(env.eng, empty, NULL, &e), -1);
    berth_error_clear(&e);

    struct capi_capture c;
    capi_capture_init(&c);
    expect_ok(berth_select_get(env.eng, capi_done, &c, &e), e, &c, 30);
    assert_string_equal(c.backend, "process");
    assert_true(berth_select_used(env.eng));
    assert_non_null(berth_select_current(env.eng));
    assert_string_equal(berth_backend_name(berth_select_current(env.eng)), "process");
    capi_capture_reset(&c);
}

static void test_select_set_after_use_fails(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    select_only("process");
    struct capi_capture c;
    capi_capture_init(&c);
    expect_ok(berth_select_get(env.eng, capi_done, &c, &e), e, &c, 30);
    const char *names[] = {"process", NULL};
    assert_int_equal(berth_select_set(env.eng, names, NULL, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_STATE);
    assert_non_null(berth_error_hint(e));
    berth_error_clear(&e);
    struct berth_backend *b = berth_backend_new(env.eng, "process", &e);
    assert_non_null(b);
    assert_int_equal(berth_select_use(env.eng, b, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_STATE);
    berth_error_clear(&e);
    berth_backend_free(b);
    capi_capture_reset(&c);
}

static void test_select_use_instance(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct berth_backend *b = berth_backend_new(env.eng, "process", &e);
    assert_non_null(b);
    assert_int_equal(berth_select_use(env.eng, b, &e), 0);
    assert_ptr_equal(berth_select_current(env.eng), b);
    struct capi_capture c;
    capi_capture_init(&c);
    expect_ok(berth_select_get(env.eng, capi_done, &c, &e), e, &c, 30);
    assert_string_equal(c.backend, "process");
    capi_capture_reset(&c);
    capi_env_free(&env); /* the engine does not free a borrowed instance twice */
    capi_env_init(&env);
}

static void test_select_failure_is_retried(void **state)
{
    (void)state;
    select_only("no-such-runtime");
    struct capi_capture c;
    capi_capture_init(&c);
    struct berth_error *e = NULL;
    struct berth_container_op *op = berth_select_get(env.eng, capi_done, &c, &e);
    assert_non_null(op);
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(c.message, "no-such-runtime"));
    assert_null(berth_select_current(env.eng));
    /* The next operation tries again (and fails the same way, not from a cache). */
    capi_capture_reset(&c);
    struct berth_container_list_options lo = {.all = true};
    op = berth_container_list(env.eng, &lo, capi_done, &c, &e);
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);
    capi_capture_reset(&c);
}

static void test_platform_priority(void **state)
{
    (void)state;
    const char *const *p = berth_select_platform_priority();
    assert_non_null(p);
    assert_non_null(p[0]);
    bool has_process = false;
    size_t n = 0;
    for (; p[n] != NULL; n++)
        has_process = has_process || strcmp(p[n], "process") == 0;
    assert_true(has_process);
    assert_string_equal(p[n - 1], "process"); /* host processes come last */
}

/* ------------------------------------------------------------ containers */

static void test_process_lifecycle(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    const char *cmd[] = {"sh", "-c", "echo hello; echo oops >&2; exec sleep 30", NULL};
    struct berth_kv labels[] = {{"berth.test", "capi"}, {"com.example.k", NULL}};
    struct berth_container_spec spec = {.name = "capi-a", .command = cmd, .labels = labels,
                                        .n_labels = 2, .stop_grace_seconds = -1};
    struct berth_container_run_options ro = {.detach = true};
    expect_ok(berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e), e, &c, 30);
    assert_non_null(c.id);
    assert_string_equal(c.backend, "process");
    assert_int_equal(c.exit_code, -1);
    char *id = xstrdup(c.id);

    inspect("capi-a", &c);
    assert_int_equal(c.code, 0);
    assert_int_equal(c.n_containers, 1);
    assert_string_equal(c.ctr->name, "capi-a");
    assert_string_equal(c.ctr->id, id);
    assert_int_equal(c.ctr->state, BERTH_CSTATE_RUNNING);
    assert_true(c.ctr->started_at > 0);
    assert_int_equal(c.ctr->finished_at, 0);
    assert_true(c.ctr->pid > 0);
    assert_string_equal(capi_label(c.ctr, "berth.test"), "capi");

    /* list: by label, running only unless all */
    capi_capture_reset(&c);
    struct berth_kv f1 = {"berth.test", "capi"};
    struct berth_container_list_options lo = {.filters = &f1, .n_filters = 1};
    expect_ok(berth_container_list(env.eng, &lo, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.names.n, 1);
    assert_string_equal(c.names.v[0], "capi-a");
    capi_capture_reset(&c);
    struct berth_kv f2 = {"berth.test", "other"};
    lo.filters = &f2;
    expect_ok(berth_container_list(env.eng, &lo, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.names.n, 0);
    capi_capture_reset(&c);
    struct berth_kv f3 = {"com.example.k", NULL};
    lo.filters = &f3;
    expect_ok(berth_container_list(env.eng, &lo, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.names.n, 1);

    expect_log_line("capi-a", "out:hello", 50);
    expect_log_line("capi-a", "err:oops", 50);

    /* exec: exit code and both streams, a non-zero exit is no error */
    capi_capture_reset(&c);
    const char *ex[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    struct berth_container_exec_options xo = {.argv = ex};
    expect_ok(berth_container_exec(env.eng, "capi-a", &xo, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.exit_code, 3);
    assert_string_equal(c.out, "out\n");
    assert_string_equal(c.err, "err\n");

    /* exec output is bounded */
    capi_capture_reset(&c);
    const char *big[] = {"sh", "-c", "i=0; while [ $i -lt 200 ]; do echo 0123456789; i=$((i+1)); done",
                         NULL};
    struct berth_container_exec_options bo = {.argv = big, .capture_limit = 64};
    assert_non_null(berth_container_exec(env.eng, "capi-a", &bo, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_TOO_LARGE);

    /* stop with a grace period: SIGTERM ends sleep */
    capi_capture_reset(&c);
    expect_ok(berth_container_stop(env.eng, "capi-a", 5, 0, capi_done, &c, &e), e, &c, 30);
    inspect("capi-a", &c);
    assert_int_equal(c.ctr->state, BERTH_CSTATE_EXITED);
    assert_true(c.ctr->finished_at >= c.ctr->started_at);
    int code = c.ctr->exit_code;
    capi_capture_reset(&c);
    expect_ok(berth_container_wait(env.eng, "capi-a", 0, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.exit_code, code);
    assert_int_equal(c.exit_code, 128 + SIGTERM);

    /* remove, then remove_if_exists reports absence without error */
    capi_capture_reset(&c);
    expect_ok(berth_container_remove(env.eng, "capi-a", false, false, capi_done, &c, &e), e, &c,
              30);
    capi_capture_reset(&c);
    expect_ok(berth_container_remove_if_exists(env.eng, "capi-a", true, false, capi_done, &c, &e),
              e, &c, 30);
    assert_false(c.removed);
    expect_gone("capi-a", &c);
    assert_non_null(berth_container_remove(env.eng, "capi-a", true, false, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);
    capi_capture_reset(&c);
    free(id);
}

static void test_process_remove_if_exists_removes(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    const char *cmd[] = {"sleep", "30", NULL};
    struct berth_container_spec spec = {.name = "capi-rie", .command = cmd,
                                        .stop_grace_seconds = -1};
    expect_ok(berth_container_create(env.eng, &spec, capi_done, &c, &e), e, &c, 30);
    inspect("capi-rie", &c);
    assert_int_equal(c.ctr->state, BERTH_CSTATE_CREATED);
    capi_capture_reset(&c);
    expect_ok(berth_container_start(env.eng, "capi-rie", capi_done, &c, &e), e, &c, 30);
    capi_capture_reset(&c);
    expect_ok(berth_container_remove_if_exists(env.eng, "capi-rie", true, false, capi_done, &c,
                                               &e),
              e, &c, 30);
    assert_true(c.removed);
    expect_gone("capi-rie", &c);
}

static void test_process_kill_and_wait(void **state)
{
    (void)state;
    select_only("process");
    struct berth_error *e = NULL;
    struct capi_capture c, w;
    capi_capture_init(&c);
    capi_capture_init(&w);
    const char *cmd[] = {"sleep", "30", NULL};
    struct berth_container_spec spec = {.name = "capi-k", .command = cmd,
                                        .stop_grace_seconds = -1};
    expect_ok(berth_container_run(env.eng, &spec, NULL, capi_done, &c, &e), e, &c, 30);
    /* wait runs alongside the kill */
    assert_non_null(berth_container_wait(env.eng, "capi-k", 0, capi_done, &w, &e));
    capi_capture_reset(&c);
    expect_ok(berth_container_kill(env.eng, "capi-k", SIGUSR1, capi_done, &c, &e), e, &c, 30);
    capi_wait(&env, &w, 30);
    assert_int_equal(w.code, 0);
    assert_int_equal(w.exit_code, 128 + SIGUSR1);
    capi_capture_reset(&c);
    capi_capture_reset(&w);
}

static void test_process_run_attached(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    const char *cmd[] = {"sh", "-c", "echo one; echo two >&2; exit 7", NULL};
    struct berth_container_spec spec = {.name = "capi-att", .command = cmd, .rm = true,
                                        .stop_grace_seconds = -1};
    struct berth_container_run_options ro = {.detach = false, .on_line = capi_on_line,
                                             .stream_user = &c};
    expect_ok(berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.exit_code, 7);
    assert_true(capi_has_line(&c, "out:one"));
    assert_true(capi_has_line(&c, "err:two"));
    inspect("capi-att", &c); /* rm: removed after the exit code was read */
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);

    /* without rm the container stays, exited with its code */
    capi_capture_reset(&c);
    const char *cmd2[] = {"sh", "-c", "echo kept", NULL};
    struct berth_container_spec spec2 = {.name = "capi-att2", .command = cmd2,
                                         .stop_grace_seconds = -1};
    ro.stream_user = &c;
    expect_ok(berth_container_run(env.eng, &spec2, &ro, capi_done, &c, &e), e, &c, 30);
    assert_int_equal(c.exit_code, 0);
    assert_true(capi_has_line(&c, "out:kept"));
    inspect("capi-att2", &c);
    assert_int_equal(c.ctr->state, BERTH_CSTATE_EXITED);
    assert_int_equal(c.ctr->exit_code, 0);
    capi_capture_reset(&c);
}

static void test_process_create_error(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    struct berth_container_spec spec = {.name = "capi-nocmd", .stop_grace_seconds = -1};
    assert_non_null(berth_container_run(env.eng, &spec, NULL, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_INVALID);
    assert_non_null(strstr(c.message, "no command"));
    capi_capture_reset(&c);
}

static void test_logs_follow_cancel(void **state)
{
    (void)state;
    select_only("process");
    struct berth_error *e = NULL;
    struct capi_capture c, l;
    capi_capture_init(&c);
    capi_capture_init(&l);
    const char *cmd[] = {"sh", "-c", "echo first; exec sleep 30", NULL};
    struct berth_container_spec spec = {.name = "capi-f", .command = cmd,
                                        .stop_grace_seconds = -1};
    expect_ok(berth_container_run(env.eng, &spec, NULL, capi_done, &c, &e), e, &c, 30);
    expect_log_line("capi-f", "out:first", 50);
    struct berth_container_logs_options lo = {.tail = -1, .follow = true,
                                              .on_line = capi_on_line, .stream_user = &l};
    struct berth_container_op *op = berth_container_logs(env.eng, "capi-f", &lo, capi_done, &l,
                                                         &e);
    assert_non_null(op);
    capi_spin(&env, 200);
    assert_false(l.done); /* following */
    assert_true(capi_has_line(&l, "out:first"));
    berth_container_op_cancel(op);
    assert_false(l.done); /* delivered on a later turn */
    capi_wait(&env, &l, 10);
    assert_int_equal(l.code, BERTH_E_CANCELLED);
    assert_int_equal(l.calls, 1);
    capi_capture_reset(&c);
    expect_ok(berth_container_remove(env.eng, "capi-f", true, false, capi_done, &c, &e), e, &c,
              30);
    capi_capture_reset(&c);
    capi_capture_reset(&l);
}

static void test_cancel_while_selecting(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    const char *cmd[] = {"true", NULL};
    struct berth_container_spec spec = {.name = "capi-never", .command = cmd,
                                        .stop_grace_seconds = -1};
    struct berth_container_op *op = berth_container_create(env.eng, &spec, capi_done, &c, &e);
    assert_non_null(op);
    berth_container_op_cancel(op);
    assert_false(c.done);
    capi_wait(&env, &c, 10);
    assert_int_equal(c.code, BERTH_E_CANCELLED);
    assert_int_equal(c.calls, 1);
    capi_spin(&env, 50);
    assert_int_equal(c.calls, 1);
    /* the selection still finished and nothing was created */
    capi_capture_reset(&c);
    expect_gone("capi-never", &c);
}

static void test_requests_are_copied(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    /* The op waits for the selection: everything it needs must be copied. */
    char *name = xstrdup("capi-copy");
    char *arg = xstrdup("echo copied");
    const char *cmd[] = {"sh", "-c", arg, NULL};
    char *lk = xstrdup("berth.copy"), *lv = xstrdup("yes");
    struct berth_kv labels[] = {{lk, lv}};
    struct berth_container_spec *spec = xcalloc(1, sizeof(*spec));
    spec->name = name;
    spec->command = cmd;
    spec->labels = labels;
    spec->n_labels = 1;
    spec->stop_grace_seconds = -1;
    struct berth_container_run_options ro = {.on_line = capi_on_line, .stream_user = &c};
    struct berth_container_op *op = berth_container_run(env.eng, spec, &ro, capi_done, &c, &e);
    assert_non_null(op);
    memset(name, 'x', strlen(name));
    memset(arg, 'x', strlen(arg));
    memset(lk, 'x', strlen(lk));
    free(name);
    free(arg);
    free(lk);
    free(lv);
    free(spec);
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, 0);
    assert_true(capi_has_line(&c, "out:copied"));
    inspect("capi-copy", &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(capi_label(c.ctr, "berth.copy"), "yes");
    capi_capture_reset(&c);
}

static void test_engine_free_with_pending_ops(void **state)
{
    (void)state;
    select_only("process");
    struct berth_error *e = NULL;
    struct capi_capture c, w, q;
    capi_capture_init(&c);
    capi_capture_init(&w);
    capi_capture_init(&q);
    const char *cmd[] = {"sleep", "30", NULL};
    struct berth_container_spec spec = {.name = "capi-free", .command = cmd,
                                        .stop_grace_seconds = -1};
    expect_ok(berth_container_run(env.eng, &spec, NULL, capi_done, &c, &e), e, &c, 30);
    assert_non_null(berth_container_wait(env.eng, "capi-free", 0, capi_done, &w, &e));
    struct berth_container_logs_options lo = {.tail = -1, .follow = true,
                                              .on_line = capi_on_line, .stream_user = &q};
    assert_non_null(berth_container_logs(env.eng, "capi-free", &lo, capi_done, &q, &e));
    capi_spin(&env, 50);
    capi_env_free(&env); /* no callback fires, nothing leaks */
    assert_int_equal(w.calls, 0);
    assert_int_equal(q.calls, 0);
    capi_env_init(&env);
    capi_capture_reset(&c);
    capi_capture_reset(&w);
    capi_capture_reset(&q);
}

static void test_images_unsupported_on_process(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("process", &c);
    assert_non_null(berth_image_list(env.eng, NULL, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(c.message, "process"));
    capi_capture_reset(&c);
    assert_non_null(berth_image_pull(env.eng, "busybox", NULL, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_UNSUPPORTED);
    capi_capture_reset(&c);
}

static void test_invalid_requests(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    assert_null(berth_container_run(env.eng, NULL, NULL, capi_done, NULL, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    berth_error_clear(&e);
    assert_null(berth_container_start(env.eng, "", capi_done, NULL, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    berth_error_clear(&e);
    struct berth_container_exec_options xo = {0};
    assert_null(berth_container_exec(env.eng, "x", &xo, capi_done, NULL, &e));
    berth_error_clear(&e);
    assert_null(berth_container_logs(env.eng, "x", NULL, capi_done, NULL, &e));
    berth_error_clear(&e);
    struct berth_kv f = {NULL, "v"};
    struct berth_container_list_options lo = {.filters = &f, .n_filters = 1};
    assert_null(berth_container_list(env.eng, &lo, capi_done, NULL, &e));
    assert_non_null(strstr(berth_error_message(e), "filter"));
    berth_error_clear(&e);
    assert_null(berth_container_kill(env.eng, "x", 99, capi_done, NULL, &e));
    berth_error_clear(&e);
    assert_null(berth_image_inspect(env.eng, NULL, capi_done, NULL, &e));
    berth_error_clear(&e);
    struct berth_build_spec bs = {0};
    assert_null(berth_image_build(env.eng, &bs, NULL, NULL, 0, capi_done, NULL, &e));
    berth_error_clear(&e);
    /* nothing used the selection */
    assert_false(berth_select_used(env.eng));
}

static void test_info_dup(void **state)
{
    (void)state;
    const char *cmd[] = {"a", "b", NULL};
    const char *al[] = {"web", NULL};
    struct berth_kv labels[] = {{"k", "v"}, {"flag", NULL}};
    struct berth_net_addr nets[] = {{"net1", "10.0.0.2", NULL, al}};
    struct berth_port_binding ports[] = {{80, "tcp", "0.0.0.0", 8080}};
    struct berth_container_info in = {.id = "abc", .name = "n", .image = "img", .image_id = "sha",
                                      .state = BERTH_CSTATE_EXITED, .status = "Exited (2)",
                                      .exit_code = 2, .labels = labels, .n_labels = 2,
                                      .networks = nets, .n_networks = 1, .ports = ports,
                                      .n_ports = 1, .command = cmd};
    struct berth_container_info *d = berth_container_info_dup(&in);
    assert_ptr_not_equal(d->id, in.id);
    assert_string_equal(d->id, "abc");
    assert_int_equal(d->exit_code, 2);
    assert_string_equal(d->labels[0].key, "k");
    assert_null(d->labels[1].value);
    assert_string_equal(d->networks[0].aliases[0], "web");
    assert_null(d->networks[0].aliases[1]);
    assert_int_equal(d->ports[0].host_port, 8080);
    assert_string_equal(d->command[1], "b");
    berth_container_info_free(d);
    berth_container_info_free(NULL);
    const char *tags[] = {"x:1", NULL};
    struct berth_image_info ii = {.id = "sha256:1", .repo_tags = tags, .size = 42};
    struct berth_image_info *di = berth_image_info_dup(&ii);
    assert_string_equal(di->repo_tags[0], "x:1");
    assert_int_equal(di->size, 42);
    berth_image_info_free(di);
}

/* -------------------------------------------------------------- fixtures */

static char fake_dir[256];

/* Writes an executable shell script to path from a printf format. */
static void write_script(const char *path, const char *fmt, ...) BERTH_PRINTF(2, 3);
static void write_script(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    chmod(path, 0755);
}

/* Writes the fake runtime program serving fixture dir for a dialect. */
static char *write_fake(const char *flavour, const char *fixdir)
{
    char *path = xasprintf("%s/fake-%s", fake_dir, flavour);
    write_script(path,
                 "#!/bin/sh\n"
                 "d='%s'\n"
                 "case \"$*\" in\n"
                 "  info*) cat \"$d/info.json\" ;;\n"
                 "  version*) cat \"$d/version.json\" ;;\n"
                 "  'image inspect'*) cat \"$d/image-inspect.json\" ;;\n"
                 "  *inspect*fix-web) cat \"$d/container-inspect-running.json\" ;;\n"
                 "  *inspect*fix-job) cat \"$d/container-inspect-exited.json\" ;;\n"
                 "  *inspect*) echo 'Error: no such container' >&2; exit 125 ;;\n"
                 "  ps*) cat \"$d\"/ps.json* ;;\n"
                 "  images*) cat \"$d\"/images.json* ;;\n"
                 "  *) echo \"fake %s: unexpected: $*\" >&2; exit 1 ;;\n"
                 "esac\n",
                 fixdir, flavour);
    return path;
}

/* An engine whose selection is flavour served by the fake program. */
static void fixture_engine(struct capi_env *fe, const char *flavour, const char *fixsub)
{
    const char *src = getenv("BERTH_TEST_SRCDIR");
    char *fixdir = xasprintf("%s/tests/fixtures/backends/%s", src ? src : ".", fixsub);
    char *prog = write_fake(flavour, fixdir);
    capi_env_init(fe);
    struct berth_error *e = NULL;
    assert_int_equal(berth_backend_config_set(fe->eng, flavour, "binary", prog, &e), 0);
    const char *names[] = {flavour, NULL};
    assert_int_equal(berth_select_set(fe->eng, names, NULL, &e), 0);
    free(prog);
    free(fixdir);
}

/* Inspects name on fe into c. */
static void fixture_inspect(struct capi_env *fe, const char *name, struct capi_capture *c)
{
    struct berth_error *e = NULL;
    capi_capture_init(c);
    assert_non_null(berth_container_inspect(fe->eng, name, capi_done, c, &e));
    capi_wait(fe, c, 30);
    if (c->code != 0)
        fail_msg("inspect %s: %s", name, c->message);
}

/* The docker-protocol plugin must be there for the fixture tests. */
static bool have_docker_plugin(void)
{
    struct capi_env fe;
    capi_env_init(&fe);
    berth_plugins_load(fe.eng, NULL, 0, NULL);
    bool ok = berth_plugins_find(fe.eng, "podman") != NULL;
    capi_env_free(&fe);
    return ok;
}

static void test_fixture_inspect_same_meaning(void **state)
{
    (void)state;
    if (!have_docker_plugin())
        skip();
    struct capi_env dk, pm;
    fixture_engine(&dk, "docker", "docker");
    fixture_engine(&pm, "podman", "podman");
    struct capi_capture a, b;
    /* An exited container: every normalised field means the same. */
    fixture_inspect(&dk, "fix-job", &a);
    fixture_inspect(&pm, "fix-job", &b);
    assert_string_equal(a.backend, "docker");
    assert_string_equal(b.backend, "podman");
    const struct berth_container_info *x = a.ctr, *y = b.ctr;
    assert_string_equal(x->name, "fix-job"); /* docker's "/fix-job" normalised */
    assert_string_equal(y->name, "fix-job");
    assert_string_equal(x->image, y->image);
    assert_int_equal(x->state, BERTH_CSTATE_EXITED);
    assert_int_equal(y->state, BERTH_CSTATE_EXITED);
    assert_int_equal(x->exit_code, 3);
    assert_int_equal(y->exit_code, 3);
    assert_int_equal(x->health, BERTH_HEALTH_NONE);
    assert_int_equal(y->health, BERTH_HEALTH_NONE);
    assert_true(x->started_at > 0 && x->finished_at >= x->started_at);
    assert_true(y->started_at > 0 && y->finished_at >= y->started_at);
    assert_int_equal(x->n_labels, y->n_labels);
    assert_string_equal(capi_label(x, "berth.test"), "fixture");
    assert_string_equal(capi_label(y, "berth.test"), "fixture");
    assert_int_equal(x->n_ports, 0);
    assert_int_equal(y->n_ports, 0);
    assert_int_equal(strlen(x->id), 64);
    assert_int_equal(strlen(y->id), 64);
    capi_capture_reset(&a);
    capi_capture_reset(&b);

    /* A running one: never-finished is 0 everywhere, networks carry addresses. */
    fixture_inspect(&dk, "fix-web", &a);
    fixture_inspect(&pm, "fix-web", &b);
    x = a.ctr;
    y = b.ctr;
    assert_string_equal(x->name, "fix-web");
    assert_string_equal(y->name, "fix-web");
    assert_int_equal(x->state, BERTH_CSTATE_RUNNING);
    assert_int_equal(y->state, BERTH_CSTATE_RUNNING);
    assert_int_equal(x->finished_at, 0);
    assert_int_equal(y->finished_at, 0);
    assert_true(x->pid > 0 && y->pid > 0);
    bool xf = false, yf = false;
    for (size_t i = 0; i < x->n_networks; i++)
        if (strcmp(x->networks[i].network, "fixnet") == 0)
            xf = x->networks[i].ipv4 != NULL && strncmp(x->networks[i].ipv4, "10.89.0.", 8) == 0;
    for (size_t i = 0; i < y->n_networks; i++)
        if (strcmp(y->networks[i].network, "fixnet") == 0)
            yf = y->networks[i].ipv4 != NULL && strncmp(y->networks[i].ipv4, "10.89.0.", 8) == 0;
    assert_true(xf);
    assert_true(yf);
    /* podman's published ports: container port, protocol, host address and port */
    bool p80 = false;
    for (size_t i = 0; i < y->n_ports; i++)
        if (y->ports[i].container_port == 80 && strcmp(y->ports[i].protocol, "tcp") == 0 &&
            y->ports[i].host_port == 18080 && strcmp(y->ports[i].host_ip, "127.0.0.1") == 0)
            p80 = true;
    assert_true(p80);
    capi_capture_reset(&a);
    capi_capture_reset(&b);

    /* A missing container is BERTH_E_NOT_FOUND on both. */
    struct berth_error *e = NULL;
    capi_capture_init(&a);
    assert_non_null(berth_container_inspect(dk.eng, "nope", capi_done, &a, &e));
    capi_wait(&dk, &a, 30);
    assert_int_equal(a.code, BERTH_E_NOT_FOUND);
    capi_capture_reset(&a);
    capi_env_free(&dk);
    capi_env_free(&pm);
}

/* Per-list-entry values compared across runtimes, collected in the callback. */
struct list_view {
    struct strv rows; /* "name|state|exit|labels-sorted" */
    bool done;
};

/* Sorts v's strings in place (byte order). */
static void sort_strv(struct strv *v)
{
    for (size_t i = 0; i + 1 < v->n; i++)
        for (size_t k = i + 1; k < v->n; k++)
            if (strcmp(v->v[i], v->v[k]) > 0) {
                char *t = v->v[i];
                v->v[i] = v->v[k];
                v->v[k] = t;
            }
}

/* Label pairs as one sorted string. */
static char *labels_key(const struct berth_container_info *ci)
{
    struct strv v;
    strv_init(&v);
    for (size_t i = 0; i < ci->n_labels; i++)
        strv_pushf(&v, "%s=%s", ci->labels[i].key, ci->labels[i].value ? ci->labels[i].value : "");
    sort_strv(&v);
    size_t len = 1;
    for (size_t i = 0; i < v.n; i++)
        len += strlen(v.v[i]) + 1;
    char *s = xcalloc(1, len);
    for (size_t i = 0; i < v.n; i++) {
        strcat(s, v.v[i]);
        strcat(s, ",");
    }
    strv_free(&v);
    return s;
}

/* A listing is done: one row of row_of (malloc'ed) per container into the list_view user. */
static void collect_rows(const struct berth_container_result *res, void *user,
                         char *(*row_of)(const struct berth_container_info *ci))
{
    struct list_view *lv = user;
    lv->done = true;
    assert_null(res->error);
    for (size_t i = 0; i < res->n_containers; i++)
        strv_push_take(&lv->rows, row_of(&res->containers[i]));
}

/* "name|state|exit|labels-sorted" of a container. */
static char *list_view_row(const struct berth_container_info *ci)
{
    char *lk = labels_key(ci);
    char *row = xasprintf("%s|%s|%d|%s", ci->name, berth_cstate_name(ci->state),
                          ci->state == BERTH_CSTATE_EXITED ? ci->exit_code : 0, lk);
    free(lk);
    return row;
}

/* Collects list rows, sorted. */
static void list_view_done(const struct berth_container_result *res, void *user)
{
    collect_rows(res, user, list_view_row);
    sort_strv(&((struct list_view *)user)->rows);
}

/* Lists fe's containers into lv through the listing callback done. */
static void list_rows(struct capi_env *fe, struct list_view *lv, berth_container_done_fn done)
{
    struct berth_error *e = NULL;
    strv_init(&lv->rows);
    lv->done = false;
    struct berth_container_list_options lo = {.all = true};
    assert_non_null(berth_container_list(fe->eng, &lo, done, lv, &e));
    for (int i = 0; i < 3000 && !lv->done; i++)
        capi_spin(fe, 10);
    assert_true(lv->done);
}

static void test_fixture_list_same_meaning(void **state)
{
    (void)state;
    if (!have_docker_plugin())
        skip();
    struct capi_env dk, pm, nd;
    fixture_engine(&dk, "docker", "docker");
    fixture_engine(&pm, "podman", "podman");
    fixture_engine(&nd, "nerdctl", "nerdctl");
    struct list_view a, b, n;
    list_rows(&dk, &a, list_view_done);
    list_rows(&pm, &b, list_view_done);
    list_rows(&nd, &n, list_view_done);
    /* docker's one-object-per-line and podman's array describe the same two containers */
    assert_int_equal(a.rows.n, 2);
    assert_int_equal(b.rows.n, a.rows.n);
    for (size_t i = 0; i < a.rows.n; i++)
        assert_string_equal(a.rows.v[i], b.rows.v[i]);
    assert_string_equal(a.rows.v[0], "fix-job|exited|3|berth.test=fixture,");
    /* nerdctl's text states map to the same words and codes */
    assert_int_equal(n.rows.n, 3);
    assert_string_equal(n.rows.v[0], "shop-idle-1|created|0|com.docker.compose.project=other,");
    assert_string_equal(n.rows.v[1], "shop-job-1|exited|3|com.docker.compose.project=shop,"
                                     "com.docker.compose.service=job,");
    assert_non_null(strstr(n.rows.v[2], "shop-web-1|running|0|"));
    strv_free(&a.rows);
    strv_free(&b.rows);
    strv_free(&n.rows);
    capi_env_free(&dk);
    capi_env_free(&pm);
    capi_env_free(&nd);
}

static void test_fixture_image_inspect(void **state)
{
    (void)state;
    if (!have_docker_plugin())
        skip();
    struct capi_env dk, pm;
    fixture_engine(&dk, "docker", "docker");
    fixture_engine(&pm, "podman", "podman");
    struct capi_capture a, b;
    struct berth_error *e = NULL;
    capi_capture_init(&a);
    capi_capture_init(&b);
    assert_non_null(berth_image_inspect(dk.eng, "localhost/berth-test/busybox:latest", capi_done,
                                        &a, &e));
    capi_wait(&dk, &a, 30);
    assert_non_null(berth_image_inspect(pm.eng, "localhost/berth-test/busybox:latest", capi_done,
                                        &b, &e));
    capi_wait(&pm, &b, 30);
    assert_int_equal(a.code, 0);
    assert_int_equal(b.code, 0);
    assert_int_equal(a.n_images, 1);
    assert_int_equal(b.n_images, 1);
    /* the same image seen by both: id with its sha256: prefix, size in bytes */
    assert_true(str_starts_with(a.img->id, "sha256:"));
    assert_true(str_starts_with(b.img->id, "sha256:"));
    assert_true(a.img->size > 1000000 && b.img->size > 1000000);
    assert_non_null(b.img->repo_digests);
    assert_true(strstr(b.img->repo_digests[0], "@sha256:") != NULL);
    capi_capture_reset(&a);
    capi_capture_reset(&b);
    capi_env_free(&dk);
    capi_env_free(&pm);
}

/* Writes the fake `container` program (Apple) serving the apple fixtures. */
static char *write_fake_apple(const char *fixdir)
{
    char *path = xasprintf("%s/fake-apple", fake_dir);
    write_script(path,
                 "#!/bin/sh\n"
                 "d='%s'\n"
                 "case \"$*\" in\n"
                 "  'system status'*) echo 'apiserver is running' ;;\n"
                 "  --version*) cat \"$d/version.txt\" ;;\n"
                 "  'list --all'*) cat \"$d/list.json\" ;;\n"
                 "  'image inspect'*) cat \"$d/image-inspect.json\" ;;\n"
                 "  'image list'*) cat \"$d/image-list.json\" ;;\n"
                 "  inspect*shop-web-1) cat \"$d/inspect.json\" ;;\n"
                 "  inspect*) cat \"$d/err-inspect-missing.txt\" >&2; exit 1 ;;\n"
                 "  *) echo \"fake apple: unexpected: $*\" >&2; exit 1 ;;\n"
                 "esac\n",
                 fixdir);
    return path;
}

/* A list row with the fields both nerdctl and Apple report. */
static char *apple_row(const struct berth_container_info *ci)
{
    const char *proj = capi_label(ci, "com.docker.compose.project");
    const char *svc = capi_label(ci, "com.docker.compose.service");
    char ports[64] = "";
    for (size_t k = 0; k < ci->n_ports; k++)
        if (ci->ports[k].container_port == 80)
            snprintf(ports, sizeof(ports), "%u->%u/%s", (unsigned)ci->ports[k].host_port,
                     (unsigned)ci->ports[k].container_port, ci->ports[k].protocol);
    return xasprintf("%s|%s|%s|%s|%s|%s", ci->name, ci->image, berth_cstate_name(ci->state),
                     proj ? proj : "-", svc ? svc : "-", ports);
}

/* Collects the apple_row of each listed container. */
static void apple_row_done(const struct berth_container_result *res, void *user)
{
    collect_rows(res, user, apple_row);
}

static void test_fixture_apple_matches_nerdctl(void **state)
{
    (void)state;
    struct capi_env ap, nd;
    capi_env_init(&ap);
    berth_plugins_load(ap.eng, NULL, 0, NULL);
    if (berth_plugins_find(ap.eng, "apple") == NULL) {
        capi_env_free(&ap);
        skip(); /* the apple plugin is not built */
    }
    const char *src = getenv("BERTH_TEST_SRCDIR");
    char *fixdir = xasprintf("%s/tests/fixtures/backends/apple", src ? src : ".");
    char *prog = write_fake_apple(fixdir);
    struct berth_error *e = NULL;
    assert_int_equal(berth_backend_config_set(ap.eng, "apple", "binary", prog, &e), 0);
    const char *names[] = {"apple", NULL};
    assert_int_equal(berth_select_set(ap.eng, names, NULL, &e), 0);
    fixture_engine(&nd, "nerdctl", "nerdctl");
    struct list_view a = {0}, n = {0};
    /* one engine at a time: without pidfd (valgrind) only one base can watch SIGCHLD */
    list_rows(&ap, &a, apple_row_done);
    list_rows(&nd, &n, apple_row_done);
    assert_true(a.done && n.done);
    /* the same two compose containers, described alike by both runtimes */
    const char *want[] = {
        "shop-web-1|docker.io/library/nginx:alpine|running|shop|web|8080->80/tcp",
        "shop-job-1|docker.io/library/busybox:latest|exited|shop|job|",
    };
    for (size_t w = 0; w < 2; w++) {
        bool in_a = false, in_n = false;
        for (size_t i = 0; i < a.rows.n; i++)
            in_a = in_a || strcmp(a.rows.v[i], want[w]) == 0;
        for (size_t i = 0; i < n.rows.n; i++)
            in_n = in_n || strcmp(n.rows.v[i], want[w]) == 0;
        if (!in_a || !in_n)
            fail_msg("'%s' apple:%d nerdctl:%d", want[w], in_a, in_n);
    }
    /* inspect on Apple gives the typed record with the same meanings */
    struct capi_capture c;
    capi_capture_init(&c);
    assert_non_null(berth_container_inspect(ap.eng, "shop-web-1", capi_done, &c, &e));
    capi_wait(&ap, &c, 30);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.ctr->name, "shop-web-1");
    assert_int_equal(c.ctr->state, BERTH_CSTATE_RUNNING);
    assert_int_equal(c.ctr->finished_at, 0);
    assert_true(c.ctr->n_networks >= 1);
    assert_non_null(c.ctr->networks[0].ipv4);
    assert_null(strchr(c.ctr->networks[0].ipv4, '/')); /* an address, not a CIDR */
    capi_capture_reset(&c);
    capi_capture_init(&c);
    assert_non_null(berth_container_inspect(ap.eng, "nope", capi_done, &c, &e));
    capi_wait(&ap, &c, 30);
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);
    capi_capture_reset(&c);
    strv_free(&a.rows);
    strv_free(&n.rows);
    free(prog);
    free(fixdir);
    capi_env_free(&ap);
    capi_env_free(&nd);
}

/* ---------------------------------------------------------------- podman */

static const char *test_image(void)
{
    const char *img = getenv("BERTH_TEST_IMAGE");
    return img != NULL ? img : "localhost/berth-test/busybox:latest";
}

/* A name unique to this run. */
static char *uniq(const char *base)
{
    return xasprintf("capi-%s-%ld", base, (long)getpid());
}

static void test_podman_lifecycle(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("podman", &c);
    char *name = uniq("web");
    const char *cmd[] = {"sh", "-c", "echo hello; echo oops >&2; exec httpd -f -p 80 -h /www",
                         NULL};
    struct berth_kv labels[] = {{"berth.test", "capi"}, {"capi.run", name}};
    struct berth_kv envs[] = {{"CAPI_ENV", "v1"}};
    struct berth_port_spec ports[] = {{.target = 80, .host_ip = "127.0.0.1"}};
    struct berth_container_spec spec = {.image = test_image(), .name = name, .command = cmd,
                                        .labels = labels, .n_labels = 2, .env = envs,
                                        .n_env = 1, .ports = ports, .n_ports = 1,
                                        .stop_grace_seconds = -1};
    struct berth_container_run_options ro = {.detach = true};
    expect_ok(berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e), e, &c, 120);
    assert_string_equal(c.backend, "podman");
    assert_true(strlen(c.id) >= 12);
    char *id = xstrdup(c.id);

    inspect(name, &c);
    assert_int_equal(c.code, 0);
    const struct berth_container_info *ci = c.ctr;
    assert_string_equal(ci->id, id);
    assert_string_equal(ci->name, name);
    assert_non_null(strstr(ci->image, "berth-test/busybox"));
    assert_int_equal(ci->state, BERTH_CSTATE_RUNNING);
    assert_true(ci->started_at > 0);
    assert_int_equal(ci->finished_at, 0);
    assert_int_equal(ci->health, BERTH_HEALTH_NONE);
    assert_string_equal(capi_label(ci, "capi.run"), name);
    assert_true(ci->n_networks >= 1);
    assert_non_null(ci->networks[0].ipv4);
    assert_true(*ci->networks[0].ipv4 != '\0');
    assert_true(ci->n_ports >= 1);
    assert_int_equal(ci->ports[0].container_port, 80);
    assert_true(ci->ports[0].host_port > 0);
    assert_string_equal(ci->ports[0].host_ip, "127.0.0.1");

    capi_capture_reset(&c);
    struct berth_kv f = {"capi.run", name};
    struct berth_container_list_options lo = {.filters = &f, .n_filters = 1};
    expect_ok(berth_container_list(env.eng, &lo, capi_done, &c, &e), e, &c, 60);
    assert_int_equal(c.names.n, 1);
    assert_string_equal(c.names.v[0], name);

    expect_log_line(name, "out:hello", 50);
    expect_log_line(name, "err:oops", 50);

    /* logs with tail and timestamps */
    capi_capture_reset(&c);
    struct berth_container_logs_options lgo = {.tail = 1, .timestamps = true,
                                               .on_line = capi_on_line, .stream_user = &c};
    expect_ok(berth_container_logs(env.eng, name, &lgo, capi_done, &c, &e), e, &c, 60);
    assert_int_equal(c.lines.n, 1);
    assert_non_null(strstr(c.lines.v[0], "oops"));
    assert_true(strlen(c.lines.v[0]) > strlen("err:oops") + 10); /* a timestamp prefix */

    /* exec with env, workdir and user */
    capi_capture_reset(&c);
    const char *ex[] = {"sh", "-c", "echo $CAPI_X $(pwd) $(id -u); echo e >&2; exit 4", NULL};
    struct berth_kv xenv[] = {{"CAPI_X", "xv"}};
    struct berth_container_exec_options xo = {.argv = ex, .env = xenv, .n_env = 1,
                                              .workdir = "/tmp", .user = "65534"};
    expect_ok(berth_container_exec(env.eng, name, &xo, capi_done, &c, &e), e, &c, 60);
    assert_int_equal(c.exit_code, 4);
    assert_string_equal(c.out, "xv /tmp 65534\n");
    assert_string_equal(c.err, "e\n");

    /* stop: SIGTERM ends httpd */
    capi_capture_reset(&c);
    expect_ok(berth_container_stop(env.eng, name, 5, 0, capi_done, &c, &e), e, &c, 60);
    inspect(name, &c);
    assert_int_equal(c.ctr->state, BERTH_CSTATE_EXITED);
    assert_true(c.ctr->finished_at >= c.ctr->started_at);
    capi_capture_reset(&c);
    expect_ok(berth_container_wait(env.eng, name, 0, capi_done, &c, &e), e, &c, 60);
    assert_true(c.exit_code >= 0);

    /* start again, kill, wait */
    capi_capture_reset(&c);
    expect_ok(berth_container_start(env.eng, name, capi_done, &c, &e), e, &c, 60);
    capi_capture_reset(&c);
    expect_ok(berth_container_kill(env.eng, name, SIGKILL, capi_done, &c, &e), e, &c, 60);
    capi_capture_reset(&c);
    expect_ok(berth_container_wait(env.eng, name, 0, capi_done, &c, &e), e, &c, 60);
    assert_int_equal(c.exit_code, 137);

    capi_capture_reset(&c);
    expect_ok(berth_container_remove(env.eng, name, false, true, capi_done, &c, &e), e, &c, 60);
    capi_capture_reset(&c);
    expect_ok(berth_container_remove_if_exists(env.eng, name, true, false, capi_done, &c, &e), e,
              &c, 60);
    assert_false(c.removed);
    expect_gone(name, &c);
    char *cmdline = xasprintf("podman ps -a --filter name=^%s$ --format '{{.Names}}'", name);
    char *out = capi_sh(cmdline, NULL);
    assert_string_equal(out, "");
    free(out);
    free(cmdline);
    free(id);
    free(name);
}

static void test_podman_run_attached(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("podman", &c);
    char *name = uniq("att");
    const char *cmd[] = {"sh", "-c", "echo one; echo two >&2; exit 5", NULL};
    struct berth_container_spec spec = {.image = test_image(), .name = name, .command = cmd,
                                        .rm = true, .network_mode = "none",
                                        .stop_grace_seconds = -1};
    struct berth_container_run_options ro = {.detach = false, .on_line = capi_on_line,
                                             .stream_user = &c};
    expect_ok(berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e), e, &c, 120);
    assert_int_equal(c.exit_code, 5);
    assert_true(capi_has_line(&c, "out:one"));
    assert_true(capi_has_line(&c, "err:two"));
    expect_gone(name, &c);
    free(name);
}

static void test_podman_security_spec(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("podman", &c);
    char *name = uniq("sec");
    const char *cmd[] = {"sh", "-c", "id -u; touch /x 2>/dev/null && echo rw || echo ro", NULL};
    const char *drop[] = {"ALL", NULL};
    const char *sec[] = {"no-new-privileges", NULL};
    struct berth_container_spec spec = {.image = test_image(), .name = name, .command = cmd,
                                        .user = "65534", .read_only = true, .cap_drop = drop,
                                        .security_opt = sec, .network_mode = "none",
                                        .stop_grace_seconds = -1};
    struct berth_container_run_options ro = {.on_line = capi_on_line, .stream_user = &c};
    expect_ok(berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e), e, &c, 120);
    assert_int_equal(c.exit_code, 0);
    assert_true(capi_has_line(&c, "out:65534"));
    assert_true(capi_has_line(&c, "out:ro"));
    capi_capture_reset(&c);
    expect_ok(berth_container_remove(env.eng, name, true, false, capi_done, &c, &e), e, &c, 60);
    capi_capture_reset(&c);
    free(name);
}

static void test_podman_images(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("podman", &c);
    expect_ok(berth_image_inspect(env.eng, test_image(), capi_done, &c, &e), e, &c, 60);
    assert_int_equal(c.n_images, 1);
    assert_true(str_starts_with(c.img->id, "sha256:"));
    assert_true(c.img->size > 1000000);
    char *id = xstrdup(c.img->id);

    capi_capture_reset(&c);
    expect_ok(berth_image_list(env.eng, NULL, capi_done, &c, &e), e, &c, 60);
    assert_true(c.n_images >= 1);

    /* build from a context: args, target, tag, labels */
    char ctx[] = "/tmp/capi-build.XXXXXX";
    assert_non_null(mkdtemp(ctx));
    char *df = xasprintf("%s/Containerfile", ctx);
    FILE *f = fopen(df, "w");
    assert_non_null(f);
    fprintf(f, "FROM %s AS base\nARG CAPI_ARG=none\nRUN echo \"$CAPI_ARG\" > /arg\n"
               "LABEL capi.built=yes\nFROM base AS final\nRUN echo final > /final\n",
            test_image());
    fclose(f);
    char *tag = xasprintf("localhost/capi-built:%ld", (long)getpid());
    const char *tags[] = {tag, NULL};
    struct berth_kv args[] = {{"CAPI_ARG", "hello-arg"}};
    struct berth_build_spec bs = {.context = ctx, .dockerfile = "Containerfile", .args = args,
                                  .n_args = 1, .target = "base", .tags = tags};
    capi_capture_reset(&c);
    expect_ok(berth_image_build(env.eng, &bs, capi_on_line, &c, 0, capi_done, &c, &e), e, &c,
              300);
    capi_capture_reset(&c);
    expect_ok(berth_image_inspect(env.eng, tag, capi_done, &c, &e), e, &c, 60);
    bool labelled = false;
    for (size_t i = 0; i < c.img->n_labels; i++)
        labelled = labelled || (strcmp(c.img->labels[i].key, "capi.built") == 0 &&
                                strcmp(c.img->labels[i].value, "yes") == 0);
    assert_true(labelled);
    /* the build argument reached the build and the target stopped at "base" */
    capi_capture_reset(&c);
    char *rn = uniq("built");
    const char *cmd[] = {"sh", "-c", "cat /arg; test -e /final && echo final || echo nofinal",
                         NULL};
    struct berth_container_spec spec = {.image = tag, .name = rn, .command = cmd, .rm = true,
                                        .network_mode = "none", .stop_grace_seconds = -1};
    struct berth_container_run_options ro = {.on_line = capi_on_line, .stream_user = &c};
    expect_ok(berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e), e, &c, 120);
    assert_true(capi_has_line(&c, "out:hello-arg"));
    assert_true(capi_has_line(&c, "out:nofinal"));

    /* remove (force), then inspect says not found */
    capi_capture_reset(&c);
    expect_ok(berth_image_remove(env.eng, tag, true, capi_done, &c, &e), e, &c, 60);
    capi_capture_reset(&c);
    assert_non_null(berth_image_inspect(env.eng, tag, capi_done, &c, &e));
    capi_wait(&env, &c, 60);
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);

    /* pull: no registry is reachable here; the failure must be reported, with progress lines */
    capi_capture_reset(&c);
    struct berth_image_pull_options po = {.on_line = capi_on_line, .stream_user = &c,
                                          .timeout_ms = 60000};
    assert_non_null(berth_image_pull(env.eng, "localhost:1/capi/none:latest", &po, capi_done, &c,
                                     &e));
    capi_wait(&env, &c, 90);
    assert_int_not_equal(c.code, 0);
    assert_int_not_equal(c.code, BERTH_E_TIMEOUT);
    assert_non_null(strstr(c.message, "capi/none"));
    capi_capture_reset(&c);

    char *rmc = xasprintf("rm -rf '%s'", ctx);
    free(capi_sh(rmc, NULL));
    free(rmc);
    free(rn);
    free(df);
    free(tag);
    free(id);
}

static void test_podman_pull_existing(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct capi_capture c;
    begin_on("podman", &c);
    /* a local-only image: `pull` contacts the registry and must fail cleanly (offline) */
    struct berth_image_pull_options po = {.on_line = capi_on_line, .stream_user = &c,
                                          .timeout_ms = 60000};
    assert_non_null(berth_image_pull(env.eng, test_image(), &po, capi_done, &c, &e));
    capi_wait(&env, &c, 90);
    assert_non_null(c.backend); /* the pull ran (the selection did not fail) */
    assert_string_equal(c.backend, "podman");
    assert_int_not_equal(c.code, 0);
    assert_int_not_equal(c.code, BERTH_E_TIMEOUT);
    assert_non_null(strstr(c.message, "berth-test/busybox"));
    capi_capture_reset(&c);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--podman") == 0) {
        const struct CMUnitTest podman[] = {
            cmocka_unit_test_setup_teardown(test_podman_lifecycle, setup, teardown),
            cmocka_unit_test_setup_teardown(test_podman_run_attached, setup, teardown),
            cmocka_unit_test_setup_teardown(test_podman_security_spec, setup, teardown),
            cmocka_unit_test_setup_teardown(test_podman_images, setup, teardown),
            cmocka_unit_test_setup_teardown(test_podman_pull_existing, setup, teardown),
        };
        return cmocka_run_group_tests_name("container api (podman)", podman, NULL, NULL);
    }
    snprintf(fake_dir, sizeof(fake_dir), "%s/capi-fake.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(fake_dir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_select_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_set_after_use_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_use_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_failure_is_retried, setup, teardown),
        cmocka_unit_test(test_platform_priority),
        cmocka_unit_test_setup_teardown(test_process_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_remove_if_exists_removes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_kill_and_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_run_attached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_create_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_follow_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_while_selecting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_are_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine_free_with_pending_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_images_unsupported_on_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_requests, setup, teardown),
        cmocka_unit_test(test_info_dup),
        cmocka_unit_test(test_fixture_inspect_same_meaning),
        cmocka_unit_test(test_fixture_list_same_meaning),
        cmocka_unit_test(test_fixture_image_inspect),
        cmocka_unit_test(test_fixture_apple_matches_nerdctl),
    };
    int rc = cmocka_run_group_tests_name("container api", tests, NULL, NULL);
    char *rm = xasprintf("rm -rf '%s'", fake_dir);
    free(capi_sh(rm, NULL));
    free(rm);
    return rc;
}
