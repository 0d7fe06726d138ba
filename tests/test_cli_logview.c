/* Tests of cli/logview.c: padded, coloured "name  | " prefixes like docker compose. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli/logview.h"

struct capture {
    char *buf;
    size_t len;
    FILE *f;
};

/* Opens a memory stream. */
static void cap_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static void test_plain_prefix_width(void **state)
{
    struct capture c;
    cap_open(&c);
    struct logview *lv = logview_new(c.f, false, true);
    logview_register(lv, "db-1");
    logview_register(lv, "service-1");
    assert_int_equal(logview_width(lv), 10);
    logview_line(lv, "service-1", "hello", 5, true);
    logview_line(lv, "db-1", "ready", 5, true);
    logview_status(lv, "db-1", "%s exited with code %d", "db-1", 0);
    logview_free(lv);
    fclose(c.f);
    assert_string_equal(c.buf, "service-1  | hello\n"
                               "db-1       | ready\n"
                               "db-1 exited with code 0\n");
    free(c.buf);
}

static void test_pieces_keep_one_prefix(void **state)
{
    struct capture c;
    cap_open(&c);
    struct logview *lv = logview_new(c.f, false, true);
    logview_line(lv, "a-1", "part1", 5, false);
    logview_line(lv, "a-1", "part2", 5, true);
    logview_line(lv, "a-1", "x", 1, false);
    logview_status(lv, "a-1", "a-1 exited with code 1");
    logview_free(lv);
    fclose(c.f);
    assert_string_equal(c.buf, "a-1  | part1part2\na-1  | x\na-1 exited with code 1\n");
    free(c.buf);
}

static void test_no_prefix(void **state)
{
    struct capture c;
    cap_open(&c);
    struct logview *lv = logview_new(c.f, true, false);
    logview_line(lv, "web-1", "raw", 3, true);
    logview_free(lv);
    fclose(c.f);
    assert_string_equal(c.buf, "raw\n");
    free(c.buf);
}

static void test_colours_rotate(void **state)
{
    struct capture c;
    cap_open(&c);
    struct logview *lv = logview_new(c.f, true, true);
    logview_line(lv, "a-1", "x", 1, true);
    logview_line(lv, "b-1", "y", 1, true);
    logview_line(lv, "a-1", "z", 1, true);
    logview_free(lv);
    fclose(c.f);
    assert_string_equal(c.buf, "\033[36ma-1  |\033[0m x\n"
                               "\033[33mb-1  |\033[0m y\n"
                               "\033[36ma-1  |\033[0m z\n");
    free(c.buf);
}

/* Attached to a loop: the lines of one turn reach the stream in one flush. */
static void test_flush_per_loop_turn(void **state)
{
    struct capture c;
    cap_open(&c);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    struct logview *lv = logview_new(c.f, false, true);
    logview_attach(lv, base);
    logview_line(lv, "a-1", "x", 1, true);
    logview_line(lv, "b-1", "y", 1, true);
    assert_int_equal(c.len, 0); /* still in the FILE's buffer */
    assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
    assert_string_equal(c.buf, "a-1  | x\nb-1  | y\n");
    logview_line(lv, "a-1", "z", 1, true);
    logview_attach(lv, NULL); /* detaching flushes */
    event_base_free(base);
    assert_string_equal(c.buf, "a-1  | x\nb-1  | y\na-1  | z\n");
    logview_line(lv, "b-1", "w", 1, true); /* detached: at once */
    assert_string_equal(c.buf, "a-1  | x\nb-1  | y\na-1  | z\nb-1  | w\n");
    logview_free(lv);
    fclose(c.f);
    free(c.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_prefix_width),
        cmocka_unit_test(test_pieces_keep_one_prefix),
        cmocka_unit_test(test_no_prefix),
        cmocka_unit_test(test_colours_rotate),
        cmocka_unit_test(test_flush_per_loop_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
