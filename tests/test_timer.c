/* Tests of core/timer.c: one-shot, repeating, stop, re-arm, free from the callback. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <berth/berth.h>

struct tick {
    int fired;
    int stop_after;
    uint64_t at;
    struct berth_timer *other; /* stopped by this timer's first firing */
};

/* Counts firings; stops itself after stop_after (if set). */
static void on_tick(struct berth_timer *t, void *user)
{
    struct tick *k = user;
    k->fired++;
    k->at = berth_now_ms();
    if (k->other != NULL) {
        berth_timer_stop(k->other);
        k->other = NULL;
    }
    if (k->stop_after > 0 && k->fired == k->stop_after)
        berth_timer_stop(t);
}

static struct berth_engine *new_engine(void)
{
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    assert_non_null(eng);
    return eng;
}

static void test_one_shot(void **state)
{
    struct berth_engine *eng = new_engine();
    struct tick k = {0};
    struct berth_timer *t = berth_timer_new(eng, on_tick, &k);
    assert_false(berth_timer_pending(t));
    uint64_t t0 = berth_now_ms();
    berth_timer_start(t, 20);
    assert_true(berth_timer_pending(t));
    berth_engine_run(eng);
    assert_int_equal(k.fired, 1);
    /* never early, but for libevent's coarse monotonic clock (a few ms) */
    assert_true(k.at - t0 + 10 >= 20);
    assert_false(berth_timer_pending(t));
    /* re-armable after firing */
    berth_timer_start(t, 1);
    berth_engine_run(eng);
    assert_int_equal(k.fired, 2);
    berth_timer_free(t);
    berth_engine_free(eng);
}

static void test_repeating(void **state)
{
    struct berth_engine *eng = new_engine();
    struct tick k = {.stop_after = 5};
    struct berth_timer *t = berth_timer_new(eng, on_tick, &k);
    berth_timer_start_repeating(t, 2);
    berth_engine_run(eng); /* returns once the timer stopped itself */
    assert_int_equal(k.fired, 5);
    assert_false(berth_timer_pending(t));
    berth_timer_free(t);
    berth_engine_free(eng);
}

static void test_stop_before_firing(void **state)
{
    struct berth_engine *eng = new_engine();
    struct tick late = {0}, early = {0};
    struct berth_timer *tl = berth_timer_new(eng, on_tick, &late);
    struct berth_timer *te = berth_timer_new(eng, on_tick, &early);
    early.other = tl;
    berth_timer_start(tl, 5000);
    berth_timer_start(te, 1);
    berth_engine_run(eng);
    assert_int_equal(early.fired, 1);
    assert_int_equal(late.fired, 0);
    assert_false(berth_timer_pending(tl));
    berth_timer_stop(tl); /* stopping a stopped timer is fine */
    berth_timer_free(tl);
    berth_timer_free(te);
    berth_timer_free(NULL);
    berth_engine_free(eng);
}

/* Frees its own timer. */
static void free_self(struct berth_timer *t, void *user)
{
    (*(int *)user)++;
    berth_timer_free(t);
}

static void test_free_from_callback(void **state)
{
    struct berth_engine *eng = new_engine();
    int n = 0, m = 0;
    struct berth_timer *t = berth_timer_new(eng, free_self, &n);
    berth_timer_start(t, 1);
    struct berth_timer *r = berth_timer_new(eng, free_self, &m);
    berth_timer_start_repeating(r, 1);
    berth_engine_run(eng);
    assert_int_equal(n, 1);
    assert_int_equal(m, 1); /* a freed repeating timer fires no more */
    berth_engine_free(eng);
}

static void test_rearm_replaces(void **state)
{
    struct berth_engine *eng = new_engine();
    struct tick k = {0};
    struct berth_timer *t = berth_timer_new(eng, on_tick, &k);
    berth_timer_start_repeating(t, 1);
    berth_timer_start(t, 1); /* now one-shot */
    berth_engine_run(eng);
    assert_int_equal(k.fired, 1);
    berth_timer_free(t);
    berth_engine_free(eng);
}

static void test_now_monotonic(void **state)
{
    uint64_t a = berth_now_ms();
    uint64_t b = berth_now_ms();
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_shot),           cmocka_unit_test(test_repeating),
        cmocka_unit_test(test_stop_before_firing), cmocka_unit_test(test_free_from_callback),
        cmocka_unit_test(test_rearm_replaces),     cmocka_unit_test(test_now_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
