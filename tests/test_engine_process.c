/*
 * Compose engine tests with the process backend: real host processes.
 * Parallel start, a dependent starting right after its dependency turns
 * healthy (a health check through exec of `test -f`), completion conditions
 * with success and failure, restart policies with backoff and max attempts,
 * stop order and grace periods with a process that ignores SIGTERM,
 * exit-code-from, one-off run, exec and logs.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/engine_harness.h"

static struct harness H;
static char model[8192];

/* Formats the model into `model`. */
static const char *fmt_model(const char *fmt, ...) BERTH_PRINTF(1, 2);
static const char *fmt_model(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(model, sizeof(model), fmt, ap);
    va_end(ap);
    return model;
}

#define PROJ "{\"name\":\"ep\",\"services\":{"
#define END "}}"
#define SLEEP "\"command\":[\"sleep\",\"30\"]"

/* Independent services are launched together; down stops them all quickly. */
static void test_process_parallel(void **state)
{
    (void)state;
    h_open(&H, "process", PROJ "\"a\":{" SLEEP "},\"b\":{" SLEEP "},\"c\":{" SLEEP "}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    /* every create was requested before the first container ran */
    int first_running = h_index(&H, "ep-a-1", BERTH_SVC_RUNNING);
    assert_true(h_index(&H, "ep-b-1", BERTH_SVC_CREATING) < first_running);
    assert_true(h_index(&H, "ep-c-1", BERTH_SVC_CREATING) < first_running);
    assert_int_equal(berth_compose_state(H.c, "c", 1), BERTH_SVC_RUNNING);
    uint64_t t0 = berth_now_ms();
    h_down(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(berth_now_ms() - t0 < 3000);
    assert_int_equal(berth_compose_state(H.c, "a", 1), BERTH_SVC_REMOVED);
    h_close(&H);
}

/* Creates the ready file a while after the test started. */
static void make_ready(struct berth_timer *t, void *user)
{
    const char *path = user;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

/* A dependent starts right after its dependency's health check (test -f) passes. */
static void test_process_healthy(void **state)
{
    (void)state;
    char ready[128];
    snprintf(ready, sizeof(ready), "%s/ready", h_tmpdir());
    unlink(ready);
    h_open(&H, "process",
           fmt_model(PROJ "\"web\":{" SLEEP ",\"depends_on\":{\"db\":{\"condition\":"
                          "\"service_healthy\"}}},"
                          "\"db\":{" SLEEP ",\"healthcheck\":{\"test\":[\"CMD\",\"test\",\"-f\","
                          "\"%s\"],\"interval\":\"100ms\",\"timeout\":\"1s\",\"retries\":20}}" END,
                     ready));
    struct berth_timer *t = berth_timer_new(H.eng, make_ready, ready);
    uint64_t t0 = berth_now_ms();
    berth_timer_start(t, 400);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    uint64_t healthy = h_time(&H, "ep-db-1", BERTH_SVC_HEALTHY);
    uint64_t creating = h_time(&H, "ep-web-1", BERTH_SVC_CREATING);
    assert_true(healthy - t0 >= 400);
    assert_true(healthy - t0 < 400 + 100 + 300); /* the next probe after the file appeared */
    assert_true(creating >= healthy);
    assert_true(creating - healthy < 50); /* the same loop turn, no polling */
    assert_int_equal(h_index(&H, "ep-web-1", BERTH_SVC_CREATING),
                     h_index(&H, "ep-db-1", BERTH_SVC_HEALTHY) + 1);
    berth_timer_free(t);
    h_down(&H, NULL);
    unlink(ready);
    h_close(&H);
}

/* service_completed_successfully: a zero exit lets the dependent start. */
static void test_process_completed_ok(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"web\":{" SLEEP ",\"depends_on\":{\"migrate\":{\"condition\":"
                "\"service_completed_successfully\"}}},"
                "\"migrate\":{\"command\":[\"sh\",\"-c\",\"sleep 0.2; exit 0\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(h_index(&H, "ep-migrate-1", BERTH_SVC_EXITED) <
                h_index(&H, "ep-web-1", BERTH_SVC_CREATING));
    h_down(&H, NULL);
    h_close(&H);
}

/* service_completed_successfully: a failing job fails its dependents, naming the chain. */
static void test_process_completed_fail(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"web\":{" SLEEP ",\"depends_on\":{\"migrate\":{\"condition\":"
                "\"service_completed_successfully\"}}},"
                "\"migrate\":{\"command\":[\"sh\",\"-c\",\"exit 3\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, BERTH_E_DEPENDENCY);
    assert_non_null(strstr(H.msg, "web -> migrate"));
    assert_non_null(strstr(H.msg, "exited with code 3"));
    assert_int_equal(h_index(&H, "ep-web-1", BERTH_SVC_CREATING), -1);
    /* rolled back */
    assert_int_equal(berth_compose_state(H.c, "migrate", 1), BERTH_SVC_REMOVED);
    h_close(&H);
}

/* on-failure:2 with real exits: three runs, growing backoff, then exited. */
static void test_process_restart(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"job\":{\"command\":[\"sh\",\"-c\",\"echo run-line; exit 1\"],"
                "\"restart\":\"on-failure:2\"}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(h_count(&H, "ep-job-1", BERTH_SVC_STARTING), 3);
    assert_int_equal(h_count(&H, "ep-job-1", BERTH_SVC_RESTARTING), 2);
    assert_int_equal(h_count(&H, "ep-job-1", BERTH_SVC_EXITED), 1);
    /* restart n waited 100 ms * 2^(n-1) */
    uint64_t t[4];
    int k = 0;
    for (size_t i = 0; i < H.n_ev && k < 4; i++)
        if (H.ev[i].type == BERTH_COMPOSE_EV_STATE && strcmp(H.ev[i].container, "ep-job-1") == 0 &&
            (H.ev[i].to == BERTH_SVC_RESTARTING || H.ev[i].from == BERTH_SVC_RESTARTING))
            t[k++] = H.ev[i].at_ms;
    assert_int_equal(k, 4);
    assert_true(t[1] - t[0] >= 90);
    assert_true(t[3] - t[2] >= 190);
    assert_int_equal(H.ev[h_index(&H, "ep-job-1", BERTH_SVC_EXITED)].exit_code, 1);
    /* attached: the log follows the restarts, each run's line exactly once */
    int lines = 0;
    for (size_t i = 0; i < H.n_ev; i++)
        if (H.ev[i].type == BERTH_COMPOSE_EV_LOG && strcmp(H.ev[i].text, "run-line") == 0)
            lines++;
    assert_int_equal(lines, 3);
    h_down(&H, NULL);
    h_close(&H);
}

/* down: dependents first; a process ignoring SIGTERM is killed after stop_grace_period. */
static void test_process_stop_grace(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"web\":{" SLEEP ",\"depends_on\":{\"api\":{}}},"
                "\"api\":{\"command\":[\"sh\",\"-c\",\"trap '' TERM; sleep 30\"],"
                "\"stop_grace_period\":\"1s\"}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    /* the shell must have installed its trap before it is asked to stop */
    h_run_for(&H, 300);
    size_t before = H.n_ev;
    h_down(&H, NULL);
    assert_int_equal(H.code, 0);
    int web_stopping = -1, api_stopping = -1, web_removed = -1;
    for (size_t i = before; i < H.n_ev; i++) {
        const struct h_event *e = &H.ev[i];
        if (e->type != BERTH_COMPOSE_EV_STATE)
            continue;
        if (strcmp(e->container, "ep-web-1") == 0 && e->to == BERTH_SVC_STOPPING && web_stopping < 0)
            web_stopping = (int)i;
        if (strcmp(e->container, "ep-web-1") == 0 && e->to == BERTH_SVC_REMOVING && web_removed < 0)
            web_removed = (int)i;
        if (strcmp(e->container, "ep-api-1") == 0 && e->to == BERTH_SVC_STOPPING && api_stopping < 0)
            api_stopping = (int)i;
    }
    assert_true(web_stopping >= 0 && api_stopping > web_removed);
    uint64_t api_stop = H.ev[api_stopping].at_ms;
    uint64_t api_gone = h_time(&H, "ep-api-1", BERTH_SVC_REMOVING);
    assert_true(api_gone - api_stop >= 900);
    assert_true(api_gone - api_stop < 3000);
    h_close(&H);
}

/* exit_code_from in attached mode: the test's exit code, the rest stopped, logs as events. */
static void test_process_exit_code_from(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"test\":{\"command\":[\"sh\",\"-c\",\"echo hello-from-test; sleep 0.2; exit 4\"],"
                "\"depends_on\":{\"db\":{}}},"
                "\"db\":{" SLEEP "}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .exit_code_from = "test",
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 4);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_LOG, "hello-from-test") >= 0);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_ABORT, "ep-test-1") >= 0);
    assert_int_equal(berth_compose_state(H.c, "db", 1), BERTH_SVC_STOPPED);
    h_down(&H, NULL);
    h_close(&H);
}

static char run_out[256];

/* Collects a run's output. */
static void run_line(void *user, enum berth_stream stream, const char *line, size_t len,
                     bool complete)
{
    strncat(run_out, line, len < 64 ? len : 64);
    strcat(run_out, "|");
}

/* One-off run: dependencies first, the command's output and exit code, removal with rm. */
static void test_process_run(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"tool\":{" SLEEP ",\"depends_on\":{\"db\":{}}},\"db\":{" SLEEP "}" END);
    run_out[0] = '\0';
    struct berth_compose_run_options ro = {
        .service = "tool",
        .command = (const char *[]){"sh", "-c", "echo one-off; exit 2", NULL},
        .rm = true,
        .on_line = run_line,
    };
    struct berth_error *err = NULL;
    H.done = false;
    assert_non_null(berth_compose_run(H.c, &ro, h_done, &H, &err));
    h_wait(&H, 10000);
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 2);
    assert_non_null(strstr(run_out, "one-off|"));
    assert_int_equal(berth_compose_state(H.c, "db", 1), BERTH_SVC_RUNNING);
    /* the service itself was not started, only its dependency */
    assert_int_equal(h_index(&H, "ep-tool-1", BERTH_SVC_CREATING), -1);
    int removed = -1;
    for (size_t i = 0; i < H.n_ev; i++)
        if (H.ev[i].type == BERTH_COMPOSE_EV_STATE && strstr(H.ev[i].container, "ep-tool-run-") &&
            H.ev[i].to == BERTH_SVC_REMOVED)
            removed = (int)i;
    assert_true(removed >= 0);
    assert_int_equal(strlen(H.ev[removed].container), strlen("ep-tool-run-") + 12);
    h_down(&H, NULL);
    h_close(&H);
}

/* exec runs a command in the service's running container; logs reads its output. */
static void on_log(struct berth_compose *c, const struct berth_compose_event *ev, void *user)
{
    strncat(run_out, ev->line, ev->len < 64 ? ev->len : 64);
    strcat(run_out, "|");
}

static void test_process_exec_logs(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"svc\":{\"command\":[\"sh\",\"-c\",\"echo started-up; exec sleep 30\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    struct berth_compose_exec_options eo = {
        .service = "svc",
        .argv = (const char *[]){"sh", "-c", "echo exec-out; exit 6", NULL},
    };
    struct berth_error *err = NULL;
    H.done = false;
    assert_non_null(berth_compose_exec(H.c, &eo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 6);
    h_run_for(&H, 100);
    run_out[0] = '\0';
    H.done = false;
    struct berth_compose_logs_options lo = {.tail = -1, .on_log = on_log};
    assert_non_null(berth_compose_logs(H.c, &lo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, 0);
    assert_non_null(strstr(run_out, "started-up|"));
    /* a stopped service cannot be exec'd into */
    h_down(&H, NULL);
    H.done = false;
    assert_non_null(berth_compose_exec(H.c, &eo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, BERTH_E_STATE);
    assert_non_null(strstr(H.msg, "not running"));
    h_close(&H);
}

/* exec detach: completes once started with exit 0 and no output; the command goes on. */
static void test_process_exec_detach(void **state)
{
    (void)state;
    char dir[] = "/tmp/berth-exec-detach.XXXXXX";
    assert_non_null(mkdtemp(dir));
    h_open(&H, "process", PROJ "\"svc\":{\"command\":[\"sleep\",\"30\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    struct berth_kv env[] = {{"WHO", "detached"}};
    struct berth_compose_exec_options eo = {
        .service = "svc",
        .argv = (const char *[]){"sh", "-c", "echo noise; sleep 1; echo $WHO > out", NULL},
        .env = env,
        .n_env = 1,
        .workdir = dir,
        .detach = true,
    };
    struct berth_error *err = NULL;
    H.done = false;
    assert_non_null(berth_compose_exec(H.c, &eo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 0);
    char out[300];
    snprintf(out, sizeof(out), "%s/out", dir);
    assert_int_equal(access(out, F_OK), -1); /* done before the command ended */
    for (int i = 0; i < 200 && access(out, F_OK) != 0; i++)
        h_run_for(&H, 50);
    h_run_for(&H, 50);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char line[64] = "";
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_string_equal(line, "detached\n");
    /* detach with a TTY or streamed output is refused up front */
    eo.tty = true;
    assert_null(berth_compose_exec(H.c, &eo, h_done, &H, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(err), "detached command cannot be interactive"));
    berth_error_clear(&err);
    h_down(&H, NULL);
    h_close(&H);
    assert_int_equal(unlink(out), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* logs until: lines stamped later are left out; berth's own timestamps are stripped again. */
static void test_process_logs_until(void **state)
{
    (void)state;
    h_open(&H, "process",
           PROJ "\"svc\":{\"command\":[\"sh\",\"-c\","
                "\"echo early; sleep 2; echo late; exec sleep 30\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    h_run_for(&H, 3000);
    struct berth_error *err = NULL;
    /* 2 s ago: after "early", before "late" */
    struct berth_compose_logs_options lo = {.tail = -1, .on_log = on_log, .until = "2000ms"};
    run_out[0] = '\0';
    H.done = false;
    assert_non_null(berth_compose_logs(H.c, &lo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, 0);
    assert_string_equal(run_out, "early|");
    /* with timestamps the stamp stays */
    lo.timestamps = true;
    run_out[0] = '\0';
    H.done = false;
    assert_non_null(berth_compose_logs(H.c, &lo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_true(strncmp(run_out, "20", 2) == 0 && strstr(run_out, "Z early|") != NULL);
    assert_null(strstr(run_out, "late"));
    /* a time far ahead shows everything */
    lo.timestamps = false;
    lo.until = "2999-01-01T00:00:00Z";
    run_out[0] = '\0';
    H.done = false;
    assert_non_null(berth_compose_logs(H.c, &lo, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_string_equal(run_out, "early|late|");
    /* a bad value is refused up front */
    lo.until = "yesterday";
    assert_null(berth_compose_logs(H.c, &lo, h_done, &H, &err));
    assert_non_null(strstr(berth_error_message(err), "invalid --until 'yesterday'"));
    berth_error_free(err);
    h_down(&H, NULL);
    h_close(&H);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_process_parallel),
        cmocka_unit_test(test_process_healthy),
        cmocka_unit_test(test_process_completed_ok),
        cmocka_unit_test(test_process_completed_fail),
        cmocka_unit_test(test_process_restart),
        cmocka_unit_test(test_process_stop_grace),
        cmocka_unit_test(test_process_exit_code_from),
        cmocka_unit_test(test_process_run),
        cmocka_unit_test(test_process_exec_logs),
        cmocka_unit_test(test_process_exec_detach),
        cmocka_unit_test(test_process_logs_until),
    };
    if (getenv("ENGINE_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("ENGINE_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
