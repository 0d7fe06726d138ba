/*
 * Compose engine tests on an in-test fake driver: the state table and graph,
 * dependency conditions and start order, parallelism and the parallel cap,
 * health-gated starts, restart policies and backoff, rollback, stop order
 * and grace periods, abort / exit-code-from, convergence (hash, scale,
 * orphans), restart: true, interrupt and force-kill. The fake logs every
 * driver call, so order and timing are checked exactly.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compose/graph.h"
#include "compose/hash.h"
#include "compose/restart.h"
#include "tests/engine_harness.h"

static struct harness H;

/* ----------------------------------------------------------- table, graph */

/* Every state handles the requests that must always be possible. */
static void test_table_shape(void **state)
{
    (void)state;
    for (int s = 0; s < BERTH_SVC_STATE_COUNT; s++)
        assert_string_not_equal(berth_service_state_name((enum berth_service_state)s), "?");
    for (int e = 0; e < BERTH_SVC_EV_COUNT; e++)
        assert_string_not_equal(berth_service_event_name((enum berth_service_event)e), "?");
    assert_string_equal(berth_service_state_name(BERTH_SVC_STATE_COUNT), "?");
    /* a container that runs can always be stopped, killed, removed and sees its exit */
    enum berth_service_state up[] = {BERTH_SVC_RUNNING, BERTH_SVC_HEALTHY, BERTH_SVC_UNHEALTHY};
    for (size_t i = 0; i < 3; i++) {
        assert_true(service_table_handles(up[i], BERTH_SVC_EV_STOP));
        assert_true(service_table_handles(up[i], BERTH_SVC_EV_KILL));
        assert_true(service_table_handles(up[i], BERTH_SVC_EV_REMOVE));
        assert_true(service_table_handles(up[i], BERTH_SVC_EV_EXIT));
        assert_true(service_table_handles(up[i], BERTH_SVC_EV_RESTART));
    }
    /* states with an operation in flight wait for it */
    enum berth_service_state busy[] = {BERTH_SVC_CREATING, BERTH_SVC_STARTING, BERTH_SVC_STOPPING,
                                       BERTH_SVC_REMOVING};
    for (size_t i = 0; i < 4; i++) {
        assert_true(service_table_handles(busy[i], BERTH_SVC_EV_OP_DONE));
        assert_true(service_table_handles(busy[i], BERTH_SVC_EV_OP_FAILED));
    }
    /* a waiting container can be called off and fails with its dependency */
    assert_true(service_table_handles(BERTH_SVC_WAITING, BERTH_SVC_EV_DEPS_READY));
    assert_true(service_table_handles(BERTH_SVC_WAITING, BERTH_SVC_EV_DEP_FAILED));
    assert_true(service_table_handles(BERTH_SVC_WAITING, BERTH_SVC_EV_STOP));
    assert_true(service_table_handles(BERTH_SVC_RESTARTING, BERTH_SVC_EV_TIMER));
    /* nothing happens to a removed container but a new start */
    assert_false(service_table_handles(BERTH_SVC_REMOVED, BERTH_SVC_EV_STOP));
    assert_false(service_table_handles(BERTH_SVC_PENDING, BERTH_SVC_EV_EXIT));
}

/* Kahn's algorithm with ties by name, and cycles named. */
static void test_graph_order(void **state)
{
    (void)state;
    const char *names[] = {"web", "db", "cache", "api", "migrate"};
    struct graph *g = graph_new(names, 5);
    graph_add_edge(g, 0, 3); /* web -> api */
    graph_add_edge(g, 3, 1); /* api -> db */
    graph_add_edge(g, 3, 2); /* api -> cache */
    graph_add_edge(g, 4, 1); /* migrate -> db */
    size_t order[5];
    assert_int_equal(graph_order(g, order, NULL), 0);
    const char *want[] = {"cache", "db", "api", "migrate", "web"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(names[order[i]], want[i]);
    assert_true(graph_reaches(g, 0, 1));
    assert_false(graph_reaches(g, 1, 0));
    graph_add_edge(g, 1, 0); /* db -> web: a cycle */
    struct berth_error *err = NULL;
    assert_int_equal(graph_order(g, order, &err), -1);
    assert_non_null(strstr(berth_error_message(err), "cycle"));
    assert_non_null(strstr(berth_error_message(err), "web"));
    assert_null(strstr(berth_error_message(err), "cache"));
    berth_error_free(err);
    graph_free(g);
}

/* on-failure:N, backoff doubling with a 30 s cap, and window resets. */
static void test_restart_policy(void **state)
{
    (void)state;
    json_t *def = json_pack("{s:s}", "restart", "on-failure:2");
    struct restart_policy p;
    assert_int_equal(restart_policy_parse(def, &p, NULL), 0);
    json_decref(def);
    struct restart_state s = {0};
    uint64_t d = 0;
    assert_false(restart_decide(&p, &s, 0, 100, &d)); /* success: no restart */
    assert_true(restart_decide(&p, &s, 1, 100, &d));
    assert_int_equal(d, 100);
    assert_true(restart_decide(&p, &s, 1, 200, &d));
    assert_int_equal(d, 200);
    assert_false(restart_decide(&p, &s, 1, 300, &d)); /* max attempts */

    def = json_pack("{s:{s:{s:s,s:s}}}", "deploy", "restart_policy", "condition", "any", "delay",
                    "10s");
    assert_int_equal(restart_policy_parse(def, &p, NULL), 0);
    json_decref(def);
    memset(&s, 0, sizeof(s));
    uint64_t seen[4];
    for (int i = 0; i < 4; i++) {
        assert_true(restart_decide(&p, &s, 0, 0, &d));
        seen[i] = d;
    }
    assert_int_equal(seen[0], 10000);
    assert_int_equal(seen[1], 20000);
    assert_int_equal(seen[2], 30000); /* capped */
    assert_int_equal(seen[3], 30000);
    /* a long run resets the backoff */
    s.started_ms = 0;
    assert_true(restart_decide(&p, &s, 0, 60000, &d));
    assert_int_equal(d, 10000);

    def = json_pack("{s:s}", "restart", "sometimes");
    struct berth_error *err = NULL;
    assert_int_equal(restart_policy_parse(def, &p, &err), -1);
    assert_non_null(strstr(berth_error_message(err), "sometimes"));
    assert_non_null(berth_error_hint(err));
    berth_error_free(err);
    json_decref(def);
}

/* ------------------------------------------------------------ start order */

#define PROJ "{\"name\":\"p\",\"services\":{"
#define END "}}"

/* Independent services start in parallel (both creates in flight at once). */
static void test_parallel_start(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"a\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"b\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"c\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    fake->op_delay_ms = 100;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    /* the three creates (100 ms each) were in flight at the same time */
    assert_int_equal(fake->max_inflight, 3);
    assert_true(fake_call_index("create p-c-1") < fake_call_index("start p-a-1"));
    assert_int_equal(berth_compose_state(H.c, "a", 1), BERTH_SVC_RUNNING);
    h_close(&H);
}

/* The parallel cap: one backend operation at a time. */
static void test_parallel_limit(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"a\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"b\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    H.c->parallel = 1;
    fake->op_delay_ms = 30;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake->max_inflight, 1);
    h_close(&H);
}

/* service_started: the dependent is created only after its dependency started. */
static void test_order_started(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_started\"}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    fake->op_delay_ms = 20;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("start p-db-1") < fake_call_index("create p-web-1"));
    const char *const *order = berth_compose_service_order(H.c);
    assert_string_equal(order[0], "db");
    assert_string_equal(order[1], "web");
    assert_null(order[2]);
    h_close(&H);
}

/* service_healthy: the dependent starts within a loop turn of the passing check. */
static void test_order_healthy(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"250\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"100ms\","
                "\"retries\":5}}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    int healthy = h_index(&H, "p-db-1", BERTH_SVC_HEALTHY);
    int creating = h_index(&H, "p-web-1", BERTH_SVC_CREATING);
    assert_true(healthy >= 0 && creating > healthy);
    /* no polling: the create is the very next driver call after the passing probe */
    int create = fake_call_index("create p-web-1");
    assert_string_equal(fake->calls[create - 1].what, "exec p-db-1 ready?");
    assert_true(fake_call_time("create p-web-1") - h_time(&H, "p-db-1", BERTH_SVC_HEALTHY) < 100);
    /* at least 250 ms of health checks happened before */
    assert_true(fake_call_time("create p-web-1") - fake_call_time("start p-db-1") >= 250);
    assert_true(fake_call_count("exec p-db-1") >= 3);
    h_close(&H);
}

/* service_healthy on a service without a health check fails the dependent. */
static void test_healthy_without_check(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.timeout_s = -1, .no_rollback = true});
    assert_int_equal(H.code, BERTH_E_DEPENDENCY);
    assert_non_null(strstr(H.msg, "no healthcheck"));
    h_close(&H);
}

/* service_completed_successfully: success lets the dependent start after the exit. */
static void test_completed_success(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"migrate\":{\"condition\":\"service_completed_successfully\"}}},"
                "\"migrate\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"100\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("exit p-migrate-1 0") < fake_call_index("create p-web-1"));
    assert_int_equal(berth_compose_state(H.c, "migrate", 1), BERTH_SVC_EXITED);
    h_close(&H);
}

/* service_completed_successfully with a failure: the chain is named, created ones rolled back. */
static void test_completed_failure_chain(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"api\":{\"condition\":\"service_started\"}}},"
                "\"api\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"migrate\":{\"condition\":\"service_completed_successfully\"}}},"
                "\"migrate\":{\"image\":\"i\",\"command\":[\"exit\",\"3\",\"50\"]},"
                "\"other\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, BERTH_E_DEPENDENCY);
    assert_non_null(strstr(H.msg, "web -> api -> migrate"));
    assert_non_null(strstr(H.msg, "exited with code 3"));
    assert_int_equal(fake_call_index("create p-web-1"), -1);
    assert_int_equal(fake_call_index("create p-api-1"), -1);
    assert_int_equal(h_count(&H, "p-web-1", BERTH_SVC_FAILED), 1);
    /* rollback: what this up created is removed, last created first */
    assert_true(fake_call_index("remove p-migrate-1") >= 0);
    assert_true(fake_call_index("remove p-other-1") >= 0);
    assert_int_equal(fake_call_count("remove"), 2);
    h_close(&H);
}

/* required: false — a failed optional dependency is reported and the dependent starts. */
static void test_optional_dependency(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"cache\":{\"condition\":\"service_started\",\"required\":false},"
                "\"ghost\":{\"condition\":\"service_started\",\"required\":false}}},"
                "\"cache\":{\"image\":\"i\",\"command\":[\"fail-start\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.services = (const char *[]){"web", NULL},
                                                .timeout_s = -1});
    /* cache itself failed (the up reports it), but web started anyway */
    assert_int_not_equal(H.code, 0);
    assert_true(fake_call_index("start p-web-1") >= 0);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_WARNING, "optional dependency \"cache\"") >= 0);
    h_close(&H);
}

/* A required dependency on an undefined service is refused at open. */
static void test_missing_required(void **state)
{
    (void)state;
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    assert_int_equal(berth_plugins_add_driver(eng, fake_driver(), "(test)", NULL), 0);
    struct berth_backend *b = berth_backend_new(eng, "fake", NULL);
    json_t *m = json_loads(PROJ "\"web\":{\"image\":\"i\",\"depends_on\":{\"db\":{}}}" END, 0, NULL);
    struct compose_source src = {.model = m};
    struct berth_error *err = NULL;
    assert_null(compose_open_source(eng, &src, b, NULL, &err));
    assert_non_null(strstr(berth_error_message(err), "undefined service \"db\""));
    assert_non_null(berth_error_hint(err));
    berth_error_free(err);
    json_decref(m);
    berth_backend_free(b);
    berth_engine_free(eng);
}

/* ------------------------------------------------------------- restarts */

/* on-failure:2 — two restarts with growing backoff, then the container stays exited. */
static void test_restart_on_failure(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"job\":{\"image\":\"i\",\"command\":[\"exit\",\"1\",\"20\"],"
                "\"restart\":\"on-failure:2\"}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("start p-job-1"), 3);
    assert_int_equal(h_count(&H, "p-job-1", BERTH_SVC_RESTARTING), 2);
    assert_int_equal(h_count(&H, "p-job-1", BERTH_SVC_EXITED), 1);
    /* backoff: 100 ms, then 200 ms between exit and the next start */
    uint64_t starts[3];
    int k = 0;
    for (size_t i = 0; i < fake->n_calls && k < 3; i++)
        if (strcmp(fake->calls[i].what, "start p-job-1") == 0)
            starts[k++] = fake->calls[i].at_ms;
    assert_true(starts[1] - starts[0] >= 100 + 20);
    assert_true(starts[2] - starts[1] >= 200 + 20);
    assert_true(starts[2] - starts[1] < 2000);
    h_close(&H);
}

/* Without WAIT, exits come from the runtime's event stream (one stream for the project). */
static void test_exits_from_events(void **state)
{
    (void)state;
    h_open(&H, "fake-events",
           PROJ "\"job\":{\"image\":\"i\",\"command\":[\"exit\",\"1\",\"30\"],"
                "\"restart\":\"on-failure:1\"},"
                "\"srv\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .abort_on_container_failure = false,
                                                .services = (const char *[]){"job", NULL},
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("events"), 1);
    assert_int_equal(fake_call_count("start p-job-1"), 2);
    assert_int_equal(h_count(&H, "p-job-1", BERTH_SVC_EXITED), 1);
    assert_int_equal(H.ev[h_index(&H, "p-job-1", BERTH_SVC_EXITED)].exit_code, 1);
    h_close(&H);
}

/* restart: true — a dependent is restarted after its dependency came back. */
static void test_restart_dependents(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_started\",\"restart\":true}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"exit\",\"1\",\"150\"],"
                "\"restart\":\"on-failure:1\"}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    h_run_for(&H, 600);
    /* db: exit, restart; web: stopped and started again after db's second start */
    assert_int_equal(fake_call_count("start p-db-1"), 2);
    assert_int_equal(fake_call_count("start p-web-1"), 2);
    int db2 = -1, web2 = -1, n = 0, m = 0;
    for (size_t i = 0; i < fake->n_calls; i++) {
        if (strcmp(fake->calls[i].what, "start p-db-1") == 0 && ++n == 2)
            db2 = (int)i;
        if (strcmp(fake->calls[i].what, "start p-web-1") == 0 && ++m == 2)
            web2 = (int)i;
    }
    assert_true(db2 >= 0 && web2 > db2);
    h_close(&H);
}

/* ------------------------------------------------------------- rollback */

/* A failed create rolls back this up's containers, leaving pre-existing ones alone. */
static void test_rollback(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"a\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"b\":{\"image\":\"i\",\"command\":[\"sleep\"],\"depends_on\":{\"a\":{}}},"
                "\"c\":{\"image\":\"fail-create\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"b\":{}}},"
                "\"old\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    /* "old" runs already with the current config */
    const char *hash = compose_service(H.c, "old")->hash;
    fake_add_container("p-old-1", "old", 1, hash, true, "p");
    h_up(&H, NULL);
    assert_int_equal(H.code, BERTH_E_BACKEND);
    assert_non_null(strstr(H.msg, "creating container p-c-1"));
    /* b removed before a (reverse dependency order); old untouched */
    int rb = fake_call_index("remove p-b-1"), ra = fake_call_index("remove p-a-1");
    assert_true(rb >= 0 && ra > rb);
    assert_true(fake_call_index("stop p-b-1") < fake_call_index("stop p-a-1"));
    assert_int_equal(fake_call_index("remove p-old-1"), -1);
    assert_int_equal(fake_call_index("stop p-old-1"), -1);
    assert_int_equal(fake_call_index("create p-old-1"), -1);
    h_close(&H);
}

/* no_rollback keeps what was created. */
static void test_no_rollback(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"a\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"c\":{\"image\":\"fail-create\",\"depends_on\":{\"a\":{}}}" END);
    h_up(&H, &(struct berth_compose_up_options){.no_rollback = true, .timeout_s = -1});
    assert_int_equal(H.code, BERTH_E_BACKEND);
    assert_int_equal(fake_call_count("remove"), 0);
    assert_int_equal(berth_compose_state(H.c, "a", 1), BERTH_SVC_RUNNING);
    h_close(&H);
}

/* ------------------------------------------------------------- stop, down */

/* down: dependents stop first; a container ignoring SIGTERM is killed after its grace. */
static void test_down_order_grace(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],\"depends_on\":{\"api\":{}}},"
                "\"api\":{\"image\":\"i\",\"command\":[\"ignore-term\"],\"depends_on\":{\"db\":{}},"
                "\"stop_grace_period\":\"1s\"},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"solo\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    size_t before = fake->n_calls;
    uint64_t t0 = berth_now_ms();
    h_down(&H, NULL);
    assert_int_equal(H.code, 0);
    int sweb = fake_call_index("stop p-web-1"), sapi = fake_call_index("stop p-api-1"),
        sdb = fake_call_index("stop p-db-1"), ssolo = fake_call_index("stop p-solo-1");
    assert_true((size_t)sweb >= before && sapi > sweb && sdb > sapi);
    /* independent branch: solo stops without waiting for the chain */
    assert_true(ssolo < sdb);
    assert_true(fake_call_index("sigkill p-api-1") > sapi);
    uint64_t grace = fake_call_time("sigkill p-api-1") - fake_call_time("stop p-api-1");
    /* libevent measures from its cached loop time: allow its slack */
    assert_true(grace >= 900 && grace < 3000);
    assert_true(berth_now_ms() - t0 >= 900);
    assert_int_equal(fake_call_count("remove"), 4);
    assert_true(fake_call_index("network-remove p_default") >= 0);
    h_close(&H);
}

/*
 * A backend that stops and removes in one call: down sends one REMOVE with
 * stop_first and the grace per container (reverse dependency order kept),
 * the events still go STOPPING -> REMOVING -> REMOVED, nothing is stopped
 * separately. A recreate uses it too.
 */
static void test_down_stop_remove_one_call(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ
           "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],\"depends_on\":{\"db\":{}}},"
           "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"],\"stop_grace_period\":\"3s\"}" END);
    fake->stop_removes = true;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    h_down(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("stop "), 0);
    int sweb = fake_call_index("stop-remove p-web-1 10"),
        sdb = fake_call_index("stop-remove p-db-1 3");
    assert_true(sweb >= 0 && sdb > sweb);
    assert_int_equal(fake_call_count("remove"), 2);
    int stopping = h_index(&H, "p-db-1", BERTH_SVC_STOPPING);
    int removing = h_index(&H, "p-db-1", BERTH_SVC_REMOVING);
    int removed = h_index(&H, "p-db-1", BERTH_SVC_REMOVED);
    assert_true(stopping >= 0 && removing > stopping && removed > removing);
    assert_int_equal(h_count(&H, "p-db-1", BERTH_SVC_STOPPED), 0);
    h_close(&H);
}

/* A backend that refuses the one call (the default fake): stop, then remove, as before. */
static void test_down_stop_remove_fallback(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, NULL);
    h_down(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("stop-remove"), 0);
    assert_true(fake_call_index("stop p-web-1") < fake_call_index("remove p-web-1"));
    assert_true(fake_call_index("stop p-db-1") < fake_call_index("remove p-db-1"));
    assert_true(H.c->no_stop_remove); /* asked once, then remembered */
    h_close(&H);
}

/* A timeout override replaces stop_grace_period. */
static void test_stop_timeout_override(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"api\":{\"image\":\"i\",\"command\":[\"ignore-term\"],"
                "\"stop_grace_period\":\"10s\"}" END);
    h_up(&H, NULL);
    struct berth_error *err = NULL;
    H.done = false;
    assert_non_null(berth_compose_stop(
        H.c, &(struct berth_compose_ctl_options){.timeout_s = 0}, h_done, &H, &err));
    h_wait(&H, 3000);
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("sigkill p-api-1") >= 0);
    assert_int_equal(berth_compose_state(H.c, "api", 1), BERTH_SVC_STOPPED);
    h_close(&H);
}

/* ------------------------------------------------------- attached, abort */

/* exit_code_from: the first exit stops everything; the exit code is that service's. */
static void test_exit_code_from(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"test\":{\"image\":\"i\",\"command\":[\"exit\",\"7\",\"100\"],"
                "\"depends_on\":{\"db\":{}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .exit_code_from = "test",
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 7);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-test-1") >= 0);
    assert_true(fake_call_index("stop p-db-1") >= 0);
    /* attached log lines were events */
    assert_true(h_find(&H, BERTH_COMPOSE_EV_LOG, "hello from p-db-1") >= 0);
    h_close(&H);
}

/* abort_on_container_exit does not fire for an init job a dependent waits to complete. */
static void test_abort_skips_init_jobs(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"app\":{\"image\":\"i\",\"command\":[\"exit\",\"3\",\"100\"],"
                "\"depends_on\":{\"init\":{\"condition\":\"service_completed_successfully\"}}},"
                "\"init\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"20\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .abort_on_container_exit = true,
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 3);
    assert_true(fake_call_index("start p-app-1") > fake_call_index("exit p-init-1 0"));
    assert_true(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-app-1") >= 0);
    assert_int_equal(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-init-1"), -1);
    h_close(&H);
}

/* The index of the ATTACH event naming container, -1 when there is none. */
static int attach_index(const char *container)
{
    for (size_t i = 0; i < H.n_ev; i++)
        if (H.ev[i].type == BERTH_COMPOSE_EV_ATTACH && strcmp(H.ev[i].container, container) == 0)
            return (int)i;
    return -1;
}

/* The index of the first STATE event of container, -1 when there is none. */
static int first_state_index(const char *container)
{
    for (size_t i = 0; i < H.n_ev; i++)
        if (H.ev[i].type == BERTH_COMPOSE_EV_STATE && strcmp(H.ev[i].container, container) == 0)
            return (int)i;
    return -1;
}

/* Only attached containers are watched: a dependency up was not asked for never aborts. */
static void test_abort_watches_attached_only(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"app\":{\"image\":\"i\",\"command\":[\"exit\",\"3\",\"150\"],"
                "\"depends_on\":{\"side\":{}}},"
                "\"side\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"20\"]}" END);
    const char *services[] = {"app", NULL};
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .services = services,
                                                .abort_on_container_exit = true,
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 3);
    assert_true(fake_call_index("exit p-side-1 0") < fake_call_index("exit p-app-1 3"));
    assert_true(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-app-1") >= 0);
    assert_int_equal(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-side-1"), -1);
    /* the attached set is announced before anything starts */
    assert_true(attach_index("p-app-1") >= 0);
    assert_int_equal(attach_index("p-side-1"), -1);
    assert_true(attach_index("p-app-1") < first_state_index("p-side-1"));
    assert_true(attach_index("p-app-1") < first_state_index("p-app-1"));
    h_close(&H);
}

/* --no-attach takes a service out of the watch: its failure does not abort. */
static void test_abort_on_failure_no_attach(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"side\":{\"image\":\"i\",\"command\":[\"exit\",\"4\",\"20\"]},"
                "\"bad\":{\"image\":\"i\",\"command\":[\"exit\",\"5\",\"150\"]},"
                "\"srv\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    const char *no_attach[] = {"side", NULL};
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .no_attach = no_attach,
                                                .abort_on_container_failure = true,
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 5);
    assert_int_equal(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-side-1"), -1);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-bad-1") >= 0);
    assert_true(fake_call_index("stop p-srv-1") > fake_call_index("exit p-bad-1 5"));
    h_close(&H);
}

/* exit_code_from attaches (and so watches) its service even outside attach_services. */
static void test_exit_code_from_attaches(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"test\":{\"image\":\"i\",\"command\":[\"exit\",\"7\",\"100\"]},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    const char *attach[] = {"db", NULL};
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .attach_services = attach,
                                                .exit_code_from = "test", .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 7);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_ABORT, "p-test-1") >= 0);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_LOG, "hello from p-test-1") >= 0);
    assert_true(fake_call_index("stop p-db-1") > fake_call_index("exit p-test-1 7"));
    assert_true(attach_index("p-test-1") >= 0 && attach_index("p-db-1") >= 0);
    h_close(&H);
}

/* abort_on_container_failure ignores successful exits and aborts on the failing one. */
static void test_abort_on_failure(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"ok\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"30\"]},"
                "\"bad\":{\"image\":\"i\",\"command\":[\"exit\",\"5\",\"200\"]},"
                "\"srv\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .abort_on_container_failure = true,
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 5);
    assert_true(fake_call_index("exit p-ok-1 0") < fake_call_index("exit p-bad-1 5"));
    assert_true(fake_call_index("stop p-srv-1") > fake_call_index("exit p-bad-1 5"));
    h_close(&H);
}

/* Attached mode without abort ends when every container ended on its own. */
static void test_attached_all_exit(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"a\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"50\"]},"
                "\"b\":{\"image\":\"i\",\"command\":[\"exit\",\"2\",\"80\"]}" END);
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.exit_code, 0);
    assert_int_equal(berth_compose_state(H.c, "b", 1), BERTH_SVC_EXITED);
    h_close(&H);
}

/* First Ctrl-C stops in order; the attached up completes. */
static void interrupt_on_running(struct harness *h, const struct h_event *e)
{
    if (e->type == BERTH_COMPOSE_EV_STATE && strcmp(e->container, "p-web-1") == 0 &&
        e->to == BERTH_SVC_RUNNING)
        berth_compose_interrupt(h->c, -1);
}

static void test_interrupt(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],\"depends_on\":{\"db\":{}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"],\"restart\":\"always\"}" END);
    H.on_event = interrupt_on_running;
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("stop p-web-1") < fake_call_index("stop p-db-1"));
    /* no restart of db although restart: always */
    assert_int_equal(fake_call_count("start p-db-1"), 1);
    assert_int_equal(berth_compose_state(H.c, "db", 1), BERTH_SVC_STOPPED);
    h_close(&H);
}

/* Second Ctrl-C: SIGKILL now instead of waiting out the grace period. */
static void force_on_stopping(struct harness *h, const struct h_event *e)
{
    if (e->type == BERTH_COMPOSE_EV_STATE && e->to == BERTH_SVC_RUNNING)
        berth_compose_interrupt(h->c, -1);
    if (e->type == BERTH_COMPOSE_EV_STATE && e->to == BERTH_SVC_STOPPING)
        berth_compose_force_kill(h->c);
}

static void test_force_kill(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"api\":{\"image\":\"i\",\"command\":[\"ignore-term\"],"
                "\"stop_grace_period\":\"10s\"}" END);
    H.on_event = force_on_stopping;
    uint64_t t0 = berth_now_ms();
    h_up(&H, &(struct berth_compose_up_options){.attach = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(berth_now_ms() - t0 < 2000);
    assert_true(fake_call_index("kill p-api-1 9") >= 0);
    h_close(&H);
}

/* ---------------------------------------------------------- convergence */

/* Unchanged containers are left alone; a changed config recreates; scale adds and removes. */
static void test_convergence(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"restart\":true}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, NULL);
    assert_int_equal(fake_call_count("create"), 2);
    /* same model again: nothing to do */
    size_t before = fake->n_calls;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    for (size_t i = before; i < fake->n_calls; i++) {
        assert_null(strstr(fake->calls[i].what, "create"));
        assert_null(strstr(fake->calls[i].what, "stop"));
    }
    /* db's config changes: db recreated; web (restart: true) restarted after db is back */
    json_object_set_new(json_object_get(json_object_get(H.model, "services"), "db"), "command",
                        json_pack("[ss]", "sleep", "longer"));
    char out[65];
    free(compose_service(H.c, "db")->hash);
    hash_service(compose_service(H.c, "db")->def, out, NULL);
    compose_service(H.c, "db")->hash = strdup(out);
    before = fake->n_calls;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("create p-db-1"), 2);
    assert_int_equal(fake_call_count("create p-web-1"), 1);
    int rec = h_find(&H, BERTH_COMPOSE_EV_RESOURCE, "p-db-1");
    assert_true(rec >= 0);
    assert_string_equal(H.ev[rec].action, "recreate");
    h_run_for(&H, 100);
    int rdb = -1, sweb = -1;
    for (size_t i = before; i < fake->n_calls; i++) {
        if (strcmp(fake->calls[i].what, "start p-db-1") == 0)
            rdb = (int)i;
        if (strcmp(fake->calls[i].what, "stop p-web-1") == 0 && sweb < 0)
            sweb = (int)i;
    }
    assert_true(rdb >= 0);
    assert_true(sweb > rdb);
    /* scale web to 3, then back to 1 */
    struct berth_kv scale3 = {"web", "3"};
    h_up(&H, &(struct berth_compose_up_options){.scale = &scale3, .n_scale = 1, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("create p-web-3") >= 0);
    struct berth_kv scale1 = {"web", "1"};
    h_up(&H, &(struct berth_compose_up_options){.scale = &scale1, .n_scale = 1, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("remove p-web-3") >= 0);
    assert_true(fake_call_index("remove p-web-2") >= 0);
    assert_int_equal(fake_call_index("remove p-web-1"), -1);
    h_close(&H);
}

/* Orphans: reported by up, removed by down --remove-orphans only. */
static void test_orphans(void **state)
{
    (void)state;
    h_open(&H, "fake", PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    fake_add_container("p-gone-1", "gone", 1, "x", true, "p");
    fake_add_container("q-other-1", "other", 1, "x", true, "q");
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_WARNING, "p-gone-1") >= 0);
    assert_int_equal(fake_call_index("stop p-gone-1"), -1);
    h_down(&H, &(struct berth_compose_down_options){.remove_orphans = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(H.n_orphans, 1);
    assert_string_equal(H.orphans[0], "p-gone-1");
    assert_true(fake_call_index("remove p-gone-1") >= 0);
    int ev = h_find(&H, BERTH_COMPOSE_EV_RESOURCE, "p-gone-1");
    assert_true(ev >= 0);
    assert_string_equal(H.ev[ev].action, "orphan-removed");
    /* another project's container is never touched */
    assert_int_equal(fake_call_index("remove q-other-1"), -1);
    h_close(&H);
}

/* ps lists by label, with berth's own health verdict. */
static void test_ps(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],\"depends_on\":{\"db\":{}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"0\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\"}}" END);
    h_up(&H, &(struct berth_compose_up_options){.wait = true, .wait_timeout_ms = 5000,
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    H.done = false;
    assert_non_null(berth_compose_ps(H.c, NULL, h_done, &H, NULL));
    h_wait(&H, 2000);
    assert_int_equal(H.n_containers, 2);
    assert_string_equal(H.names[0], "p-db-1");
    assert_string_equal(H.health[0], "healthy");
    assert_string_equal(H.names[1], "p-web-1");
    assert_string_equal(H.health[1], "");
    h_close(&H);
}

/* Runs a control operation and waits for it. */
static void ctl(struct berth_compose_op *(*fn)(struct berth_compose *,
                                               const struct berth_compose_ctl_options *,
                                               berth_compose_done_fn, void *,
                                               struct berth_error **),
                const struct berth_compose_ctl_options *o)
{
    struct berth_error *err = NULL;
    H.done = false;
    if (fn(H.c, o, h_done, &H, &err) == NULL)
        fail_msg("%s", berth_error_message(err));
    h_wait(&H, 10000);
}

/* stop (reverse order), start (dependency order), kill, rm. */
static void test_stop_start_kill_rm(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],\"depends_on\":{\"db\":{}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    h_up(&H, NULL);
    size_t mark = fake->n_calls;
    ctl(berth_compose_stop, NULL);
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("stop p-web-1") >= (int)mark);
    assert_true(fake_call_index("stop p-web-1") < fake_call_index("stop p-db-1"));
    assert_int_equal(berth_compose_state(H.c, "db", 1), BERTH_SVC_STOPPED);
    /* start web: its dependency comes first */
    mark = fake->n_calls;
    ctl(berth_compose_start, &(struct berth_compose_ctl_options){
                                 .services = (const char *[]){"web", NULL}, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    int sdb = -1, sweb = -1;
    for (size_t i = mark; i < fake->n_calls; i++) {
        if (strcmp(fake->calls[i].what, "start p-db-1") == 0)
            sdb = (int)i;
        if (strcmp(fake->calls[i].what, "start p-web-1") == 0)
            sweb = (int)i;
    }
    assert_true(sdb >= 0 && sweb > sdb);
    /* rm refuses running containers without force/stop_first */
    ctl(berth_compose_rm, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("remove"), 0);
    /* kill with a signal */
    ctl(berth_compose_kill, &(struct berth_compose_ctl_options){
                                .services = (const char *[]){"web", NULL}, .signal = 15,
                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("kill p-web-1 15") >= 0);
    h_run_for(&H, 50);
    assert_int_equal(berth_compose_state(H.c, "web", 1), BERTH_SVC_EXITED);
    ctl(berth_compose_rm, &(struct berth_compose_ctl_options){.stop_first = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("remove p-web-1") >= 0);
    assert_true(fake_call_index("remove p-db-1") > fake_call_index("stop p-db-1"));
    /* start with no container is an error naming the service */
    ctl(berth_compose_start, &(struct berth_compose_ctl_options){
                                 .services = (const char *[]){"db", NULL}, .timeout_s = -1});
    assert_int_equal(H.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(H.msg, "\"db\" has no container"));
    h_close(&H);
}

/* restart: in dependency order, restart: true dependents follow. */
static void test_restart_op(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"restart\":true}}},"
                "\"api\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"}}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"0\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\"}}" END);
    h_up(&H, NULL);
    size_t mark = fake->n_calls;
    ctl(berth_compose_restart, &(struct berth_compose_ctl_options){
                                   .services = (const char *[]){"db", NULL}, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    h_run_for(&H, 50);
    int db = -1, web = -1;
    for (size_t i = mark; i < fake->n_calls; i++) {
        if (strcmp(fake->calls[i].what, "start p-db-1") == 0)
            db = (int)i;
        if (strcmp(fake->calls[i].what, "start p-web-1") == 0)
            web = (int)i;
    }
    assert_true(db >= 0 && web > db);
    /* another invocation: the dependency is only listed, not followed; no wait on its health */
    h_reopen(&H);
    mark = fake->n_calls;
    ctl(berth_compose_restart, &(struct berth_compose_ctl_options){
                                   .services = (const char *[]){"api", NULL}, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("start p-api-1"), 2);
    /* --no-deps: the dependent stays */
    mark = fake->n_calls;
    ctl(berth_compose_restart, &(struct berth_compose_ctl_options){
                                   .services = (const char *[]){"db", NULL}, .no_deps = true,
                                   .timeout_s = -1});
    assert_int_equal(H.code, 0);
    h_run_for(&H, 50);
    for (size_t i = mark; i < fake->n_calls; i++)
        assert_string_not_equal(fake->calls[i].what, "stop p-web-1");
    h_close(&H);
}

/* wait: healthy / running / exited 0 succeed; an exit code fails; a timeout fails. */
static void test_wait_op(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"200\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\","
                "\"retries\":10}},"
                "\"job\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"10\"]},"
                "\"bad\":{\"image\":\"i\",\"command\":[\"exit\",\"4\",\"10\"]}" END);
    h_up(&H, NULL);
    struct berth_error *err = NULL;
    H.done = false;
    assert_non_null(berth_compose_wait(
        H.c, &(struct berth_compose_wait_options){.services = (const char *[]){"db", "job", NULL}},
        h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, 0);
    assert_int_equal(berth_compose_state(H.c, "db", 1), BERTH_SVC_HEALTHY);
    H.done = false;
    assert_non_null(berth_compose_wait(H.c, NULL, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, BERTH_E_STATE);
    assert_non_null(strstr(H.msg, "exited with code 4"));
    h_close(&H);
}

/* up --wait times out while a health check keeps failing. */
static void test_up_wait_timeout(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\","
                "\"retries\":1000}}" END);
    h_up(&H, &(struct berth_compose_up_options){.wait = true, .wait_timeout_ms = 300,
                                                .timeout_s = -1});
    assert_int_equal(H.code, BERTH_E_TIMEOUT);
    assert_non_null(strstr(H.msg, "p-db-1"));
    h_close(&H);
}

/* The handoff project of the two tests below. */
#define HANDOFF_PROJ                                                                               \
    PROJ "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"100\"],"                          \
         "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\",\"retries\":10}},"  \
         "\"cache\":{\"image\":\"i\",\"command\":[\"ready-after\",\"0\"],"                         \
         "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\",\"retries\":10}},"  \
         "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"                                       \
         "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"},"                             \
         "\"cache\":{\"condition\":\"service_healthy\"}}},"                                        \
         "\"job\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"50\"]},"                          \
         "\"after\":{\"image\":\"i\",\"command\":[\"sleep\"],"                                     \
         "\"depends_on\":{\"job\":{\"condition\":\"service_completed_successfully\"}}},"           \
         "\"plain\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END

/*
 * handoff: only what the up still needs is followed: db's health until
 * healthy (web waits on it) and, as its first probe failed, its exit; job's
 * exit (after waits on its completion); cache passes its first probe, so its
 * exit is never watched; web, after and plain are not watched, and no probe
 * runs once db and cache are healthy.
 */
static void test_handoff_follows_only_needs(void **state)
{
    (void)state;
    h_open(&H, "fake", HANDOFF_PROJ);
    h_up(&H, &(struct berth_compose_up_options){.handoff = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(h_index(&H, "p-web-1", BERTH_SVC_CREATING) > h_index(&H, "p-db-1", BERTH_SVC_HEALTHY));
    assert_true(fake_call_index("exit p-job-1 0") < fake_call_index("create p-after-1"));
    assert_int_equal(fake->waits, 2);
    assert_int_equal(fake_call_count("exec p-cache-1"), 1);
    assert_false(H.c->handoff); /* over with the op */
    int probes = fake_call_count("exec p-db-1");
    h_run_for(&H, 300);
    assert_int_equal(fake_call_count("exec p-db-1"), probes);
    assert_int_equal(fake_call_count("exec p-cache-1"), 1);
    h_close(&H);

    /* without handoff every container is followed and db is probed on */
    h_open(&H, "fake", HANDOFF_PROJ);
    h_up(&H, &(struct berth_compose_up_options){.timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(fake->waits, 6);
    probes = fake_call_count("exec p-db-1");
    h_run_for(&H, 300);
    assert_true(fake_call_count("exec p-db-1") > probes);
    h_close(&H);
}

/* handoff with wait: a service that crashes before it is healthy fails the up at once. */
static void test_handoff_wait_sees_crash(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"db\":{\"image\":\"i\",\"command\":[\"exit\",\"2\",\"50\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"1s\","
                "\"retries\":30}}" END);
    uint64_t t0 = berth_now_ms();
    h_up(&H, &(struct berth_compose_up_options){.handoff = true, .wait = true,
                                                .no_rollback = true, .timeout_s = -1});
    assert_int_not_equal(H.code, 0);
    assert_non_null(strstr(H.msg, "p-db-1"));
    /* the exit, not 30 failed probes a second apart */
    assert_true(berth_now_ms() - t0 < 5000);
    assert_int_equal(fake->waits, 1);
    h_close(&H);
}

/*
 * A driver that starts on create (`run -d`): no START is sent, the states
 * still go CREATING -> STARTING -> RUNNING, health gating and completion work.
 */
static void test_create_starts(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"100\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\","
                "\"retries\":10}},"
                "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"},"
                "\"job\":{\"condition\":\"service_completed_successfully\"}}},"
                "\"job\":{\"image\":\"i\",\"command\":[\"exit\",\"0\",\"50\"]}" END);
    fake->create_starts = true;
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("start "), 0);
    assert_int_equal(fake_call_count("run "), 3);
    int creating = h_index(&H, "p-web-1", BERTH_SVC_CREATING);
    int starting = h_index(&H, "p-web-1", BERTH_SVC_STARTING);
    int running = h_index(&H, "p-web-1", BERTH_SVC_RUNNING);
    assert_true(creating >= 0 && starting > creating && running > starting);
    assert_true(creating > h_index(&H, "p-db-1", BERTH_SVC_HEALTHY));
    assert_true(fake_call_index("exit p-job-1 0") < fake_call_index("create p-web-1"));
    assert_int_equal(berth_compose_state(H.c, "web", 1), BERTH_SVC_RUNNING);
    h_close(&H);
}

/* `run -d` created the container and its start failed: named as a start failure, rolled back. */
static void test_create_start_failure_rolls_back(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"ok\":{\"image\":\"i\",\"command\":[\"sleep\"]},"
                "\"bad\":{\"image\":\"i\",\"command\":[\"fail-start\"],"
                "\"depends_on\":{\"ok\":{}}}" END);
    fake->create_starts = true;
    h_up(&H, NULL);
    assert_int_equal(H.code, BERTH_E_BACKEND);
    assert_non_null(strstr(H.msg, "starting container p-bad-1"));
    int rbad = fake_call_index("remove p-bad-1"), rok = fake_call_index("remove p-ok-1");
    assert_true(rbad >= 0 && rok > rbad);
    h_close(&H);
}

/* Only one lifecycle operation at a time. */
static void test_lifecycle_exclusive(void **state)
{
    (void)state;
    h_open(&H, "fake", PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"]}" END);
    struct berth_error *err = NULL;
    H.done = false;
    assert_non_null(berth_compose_up(H.c, NULL, h_done, &H, &err));
    assert_null(berth_compose_down(H.c, NULL, h_done, &H, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_STATE);
    berth_error_free(err);
    h_wait(&H, 2000);
    assert_int_equal(H.code, 0);
    h_close(&H);
}

/* restart in a fresh engine of a service with a health check between two health-gated links
   (the Podman test's stack): the container is stopped and started again. */
static void test_restart_health_chain(void **state)
{
    (void)state;
    h_open(&H, "fake",
           PROJ "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
                "\"depends_on\":{\"api\":{\"condition\":\"service_healthy\"}}},"
                "\"api\":{\"image\":\"i\",\"command\":[\"ready-after\",\"0\"],"
                "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"}},"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\"}},"
                "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"0\"],"
                "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"50ms\"}}" END);
    h_up(&H, &(struct berth_compose_up_options){.wait = true, .wait_timeout_ms = 5000,
                                                .timeout_s = -1});
    assert_int_equal(H.code, 0);
    h_reopen(&H);
    ctl(berth_compose_restart, &(struct berth_compose_ctl_options){
                                   .services = (const char *[]){"api", NULL}, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("stop p-api-1") >= 0);
    assert_int_equal(fake_call_count("start p-api-1"), 2);
    assert_true(fake_call_index("start p-api-1") < fake_call_index("stop p-api-1"));
    /* done only once the container runs again (it used to finish as the restart was queued) */
    enum berth_service_state s = berth_compose_state(H.c, "api", 1);
    assert_true(s == BERTH_SVC_RUNNING || s == BERTH_SVC_HEALTHY);
    h_close(&H);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),
        cmocka_unit_test(test_graph_order),
        cmocka_unit_test(test_restart_policy),
        cmocka_unit_test(test_parallel_start),
        cmocka_unit_test(test_parallel_limit),
        cmocka_unit_test(test_order_started),
        cmocka_unit_test(test_order_healthy),
        cmocka_unit_test(test_healthy_without_check),
        cmocka_unit_test(test_completed_success),
        cmocka_unit_test(test_completed_failure_chain),
        cmocka_unit_test(test_optional_dependency),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_restart_on_failure),
        cmocka_unit_test(test_restart_dependents),
        cmocka_unit_test(test_exits_from_events),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_no_rollback),
        cmocka_unit_test(test_down_order_grace),
        cmocka_unit_test(test_stop_timeout_override),
        cmocka_unit_test(test_exit_code_from),
        cmocka_unit_test(test_abort_on_failure),
        cmocka_unit_test(test_abort_skips_init_jobs),
        cmocka_unit_test(test_abort_watches_attached_only),
        cmocka_unit_test(test_restart_health_chain),
        cmocka_unit_test(test_abort_on_failure_no_attach),
        cmocka_unit_test(test_exit_code_from_attaches),
        cmocka_unit_test(test_attached_all_exit),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_force_kill),
        cmocka_unit_test(test_convergence),
        cmocka_unit_test(test_orphans),
        cmocka_unit_test(test_ps),
        cmocka_unit_test(test_lifecycle_exclusive),
        cmocka_unit_test(test_stop_start_kill_rm),
        cmocka_unit_test(test_restart_op),
        cmocka_unit_test(test_wait_op),
        cmocka_unit_test(test_up_wait_timeout),
        cmocka_unit_test(test_handoff_follows_only_needs),
        cmocka_unit_test(test_handoff_wait_sees_crash),
        cmocka_unit_test(test_create_starts),
        cmocka_unit_test(test_create_start_failure_rolls_back),
        cmocka_unit_test(test_down_stop_remove_one_call),
        cmocka_unit_test(test_down_stop_remove_fallback),
    };
    if (getenv("ENGINE_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("ENGINE_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
