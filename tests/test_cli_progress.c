/* Tests of cli/progress.c: engine events to docker compose progress texts and frames. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"

/* A state event of demo-<svc>-1. */
static struct berth_compose_event st_ev(const char *svc, const char *ctr,
                                        enum berth_service_state from,
                                        enum berth_service_state to)
{
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_STATE;
    ev.project = "demo";
    ev.service = svc;
    ev.replica = 1;
    ev.container = ctr;
    ev.from = from;
    ev.to = to;
    ev.exit_code = -1;
    return ev;
}

/* A resource event. */
static struct berth_compose_event resource(const char *kind, const char *name, const char *action)
{
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_RESOURCE;
    ev.project = "demo";
    ev.resource_kind = kind;
    ev.resource_name = name;
    ev.action = action;
    ev.exit_code = -1;
    return ev;
}

static void test_plain_lines(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct progress *p = progress_new(PROGRESS_PLAIN, f, "Running", false);
    struct berth_compose_event evs[] = {
        resource("network", "demo_default", "creating"),
        resource("network", "demo_default", "created"),
        resource("network", "demo_other", "exists"),
        st_ev("web", "demo-web-1", BERTH_SVC_PENDING, BERTH_SVC_CREATING),
        st_ev("web", "demo-web-1", BERTH_SVC_CREATING, BERTH_SVC_STARTING),
        st_ev("web", "demo-web-1", BERTH_SVC_STARTING, BERTH_SVC_RUNNING),
        st_ev("web", "demo-web-1", BERTH_SVC_RUNNING, BERTH_SVC_HEALTHY),
    };
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        progress_event(p, &evs[i], 1000 + i);
    struct berth_compose_event fail = st_ev("api", "demo-api-1", BERTH_SVC_WAITING,
                                            BERTH_SVC_FAILED);
    fail.message = "dependency db failed";
    progress_event(p, &fail, 2000);
    assert_int_equal(progress_count(p), 3);
    assert_false(progress_busy(p));
    progress_free(p);
    fclose(f);
    assert_string_equal(buf, "Network demo_default  Creating\n"
                             "Network demo_default  Created\n"
                             "Container demo-web-1  Creating\n"
                             "Container demo-web-1  Created\n"
                             "Container demo-web-1  Starting\n"
                             "Container demo-web-1  Started\n"
                             "Container demo-web-1  Healthy\n"
                             "Container demo-api-1  Error: dependency db failed\n");
    free(buf);
}

static void test_recreate_and_foreground(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct progress *p = progress_new(PROGRESS_TTY, f, "Running", false);
    progress_set_foreground(p, true); /* a tty view turns plain in the foreground */
    struct berth_compose_event evs[] = {
        resource("container", "demo-web-1", "recreate"),
        st_ev("web", "demo-web-1", BERTH_SVC_RUNNING, BERTH_SVC_CREATING),
        st_ev("web", "demo-web-1", BERTH_SVC_CREATING, BERTH_SVC_STARTING),
        st_ev("web", "demo-web-1", BERTH_SVC_STARTING, BERTH_SVC_RUNNING),
        st_ev("web", "demo-web-1", BERTH_SVC_RUNNING, BERTH_SVC_EXITED),
        st_ev("web", "demo-web-1", BERTH_SVC_EXITED, BERTH_SVC_STOPPING),
        st_ev("web", "demo-web-1", BERTH_SVC_STOPPING, BERTH_SVC_STOPPED),
    };
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        progress_event(p, &evs[i], 1000 + i);
    progress_free(p);
    fclose(f);
    assert_string_equal(buf, "Container demo-web-1  Recreated\n"
                             "Container demo-web-1  Stopped\n");
    free(buf);
}

static void test_quiet_pull_and_json(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct progress *p = progress_new(PROGRESS_JSON, f, "Pulling", false);
    progress_set_quiet_pull(p, true);
    struct berth_compose_event pull = resource("image", "busybox", "pulling");
    progress_event(p, &pull, 10);
    struct berth_compose_event ev = st_ev("db", "demo-db-1", BERTH_SVC_STOPPING,
                                          BERTH_SVC_STOPPED);
    progress_event(p, &ev, 20);
    progress_free(p);
    fclose(f);
    assert_string_equal(buf, "{\"id\":\"Container demo-db-1\",\"text\":\"Stopped\",\"state\":"
                             "\"done\"}\n");
    free(buf);
}

static void test_frame(void **state)
{
    struct progress *p = progress_new(PROGRESS_QUIET, stderr, "Running", false);
    progress_update(p, "Network demo_default", "Created", PROGRESS_DONE, NULL, 0);
    progress_update(p, "Container demo-db-1", "Starting", PROGRESS_WORKING, NULL, 1000);
    progress_update(p, "Container demo-api-1", "Error", PROGRESS_ERROR, "boom", 1000);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    progress_render(p, 3500, 60, f);
    fclose(f);
    /* each line is 59 columns: " icon text", padding, the timer ending before the last column */
    const char *want = "[+] Running 2/3\n"
                       " \xe2\x9c\x94 Network demo_default  Created                       0.0s\n"
                       " \xe2\xa0\xb4 Container demo-db-1   Starting                      2.5s\n"
                       " \xe2\x9c\x98 Container demo-api-1  Error boom                    0.0s\n";
    assert_string_equal(buf, want);
    assert_true(progress_busy(p));
    free(buf);
    progress_free(p);
}

static void test_mode_for(void **state)
{
    assert_int_equal(progress_mode_for("plain", 0), PROGRESS_PLAIN);
    assert_int_equal(progress_mode_for("quiet", 0), PROGRESS_QUIET);
    assert_int_equal(progress_mode_for("json", 0), PROGRESS_JSON);
    assert_int_equal(progress_mode_for("tty", -1), PROGRESS_TTY);
    assert_int_equal(progress_mode_for("auto", -1), PROGRESS_PLAIN); /* not a terminal */
    assert_int_equal(progress_mode_for(NULL, -1), PROGRESS_PLAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_lines),
        cmocka_unit_test(test_recreate_and_foreground),
        cmocka_unit_test(test_quiet_pull_and_json),
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_mode_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
