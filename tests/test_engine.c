/* Tests of core/engine.c: bases, slots, the log sink, version. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <berth/berth.h>
#include "core/engine-internal.h"

static void test_version(void **state)
{
    assert_string_equal(berth_version(), BERTH_VERSION_STRING);
    assert_int_equal(berth_version_number(),
                     BERTH_VERSION_MAJOR * 10000 + BERTH_VERSION_MINOR * 100 + BERTH_VERSION_PATCH);
}

static void test_own_base(void **state)
{
    struct berth_error *err = NULL;
    struct berth_engine *eng = berth_engine_new(NULL, &err);
    assert_non_null(eng);
    assert_null(err);
    assert_non_null(berth_engine_base(eng));
    assert_int_equal(berth_engine_run(eng), 1); /* nothing to do */
    berth_engine_free(eng);                     /* frees the base: leak checkers verify */
    berth_engine_free(NULL);
}

/* Marks that it ran. */
static void set_flag(evutil_socket_t fd, short what, void *arg)
{
    *(int *)arg = 1;
}

static void test_given_base(void **state)
{
    struct event_base *base = event_base_new();
    struct berth_engine *eng = berth_engine_new(base, NULL);
    assert_ptr_equal(berth_engine_base(eng), base);
    berth_engine_free(eng);
    /* the base is still ours and usable */
    int ran = 0;
    struct timeval tv = {0, 1000};
    event_base_once(base, -1, EV_TIMEOUT, set_flag, &ran, &tv);
    event_base_dispatch(base);
    assert_int_equal(ran, 1);
    event_base_free(base);
}

/* Breaks the loop from a callback. */
static void do_break(evutil_socket_t fd, short what, void *arg)
{
    berth_engine_break(arg);
}

static void test_break(void **state)
{
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    struct event *forever = event_new(berth_engine_base(eng), -1, EV_PERSIST, set_flag, NULL);
    struct timeval hour = {3600, 0};
    event_add(forever, &hour);
    struct timeval now = {0, 0};
    event_base_once(berth_engine_base(eng), -1, EV_TIMEOUT, do_break, eng, &now);
    assert_int_equal(berth_engine_run(eng), 0); /* broke out, not drained */
    event_free(forever);
    berth_engine_free(eng);
}

static int free_order[ENGINE_SLOT_COUNT];
static int free_count;

/* Slot free function: records which slot went when. */
static void slot_free(void *data)
{
    free_order[free_count++] = *(int *)data;
    free(data);
}

static void test_slots_reverse_order(void **state)
{
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    free_count = 0;
    const enum engine_slot used[] = {ENGINE_SLOT_PROC, ENGINE_SLOT_BACKEND, ENGINE_SLOT_PROJECT,
                                     ENGINE_SLOT_EXTRA2};
    for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        int *d = malloc(sizeof(int));
        *d = (int)used[i];
        engine_set_slot(eng, used[i], d, slot_free);
        assert_ptr_equal(engine_slot(eng, used[i]), d);
    }
    assert_null(engine_slot(eng, ENGINE_SLOT_PLUGINS));
    berth_engine_free(eng);
    assert_int_equal(free_count, 4);
    assert_int_equal(free_order[0], ENGINE_SLOT_EXTRA2);
    assert_int_equal(free_order[1], ENGINE_SLOT_PROJECT);
    assert_int_equal(free_order[2], ENGINE_SLOT_BACKEND);
    assert_int_equal(free_order[3], ENGINE_SLOT_PROC);
}

struct logged {
    int n;
    enum berth_log_level level[8];
    char msg[8][64];
    char comp[8][16];
};

/* Log sink: keeps what it got. */
static void sink(enum berth_log_level level, const char *component, const char *msg, void *user)
{
    struct logged *l = user;
    assert_true(l->n < 8);
    l->level[l->n] = level;
    snprintf(l->msg[l->n], sizeof(l->msg[0]), "%s", msg);
    snprintf(l->comp[l->n], sizeof(l->comp[0]), "%s", component ? component : "-");
    l->n++;
}

static void test_log_sink(void **state)
{
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    struct logged l = {0};
    berth_engine_set_log(eng, sink, BERTH_LOG_INFO, &l);
    berth_engine_log(eng, BERTH_LOG_ERROR, "proc", "bad %d", 1);
    berth_engine_log(eng, BERTH_LOG_INFO, NULL, "info");
    berth_engine_log(eng, BERTH_LOG_DEBUG, "x", "filtered");
    assert_int_equal(l.n, 2);
    assert_int_equal(l.level[0], BERTH_LOG_ERROR);
    assert_string_equal(l.msg[0], "bad 1");
    assert_string_equal(l.comp[0], "proc");
    assert_int_equal(l.level[1], BERTH_LOG_INFO);
    assert_string_equal(l.comp[1], "-");
    berth_engine_set_log(eng, sink, BERTH_LOG_DEBUG, &l);
    berth_engine_log(eng, BERTH_LOG_DEBUG, "x", "kept");
    assert_int_equal(l.n, 3);
    /* back to the default sink (stderr): must not crash */
    berth_engine_set_log(eng, NULL, BERTH_LOG_ERROR, NULL);
    berth_engine_log(eng, BERTH_LOG_WARN, "x", "filtered too");
    assert_int_equal(l.n, 3);
    berth_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_own_base),
        cmocka_unit_test(test_given_base),
        cmocka_unit_test(test_break),
        cmocka_unit_test(test_slots_reverse_order),
        cmocka_unit_test(test_log_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
