/* Tests of core/linebuf.c with small limits, and against a byte-at-a-time reference. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/linebuf.h"

struct got {
    char text[4096]; /* pieces as "data|" (complete) or "data+" (incomplete) */
    size_t len;
    int n;
    int stop_at; /* return false on this emission (1-based), 0 = never */
};

/* Records each piece into a readable transcript. */
static bool record(void *ctx, const char *line, size_t len, bool complete)
{
    struct got *g = ctx;
    assert_true(g->len + len + 1 < sizeof(g->text));
    memcpy(g->text + g->len, line, len);
    g->len += len;
    g->text[g->len++] = complete ? '|' : '+';
    g->text[g->len] = '\0';
    g->n++;
    return g->stop_at == 0 || g->n != g->stop_at;
}

/* Feeds s in chunks of the given size. */
static void feed_chunks(struct linebuf *lb, const char *s, size_t chunk, struct got *g)
{
    size_t n = strlen(s);
    for (size_t off = 0; off < n; off += chunk)
        linebuf_feed(lb, s + off, n - off < chunk ? n - off : chunk, record, g);
}

static void test_simple_lines(void **state)
{
    struct linebuf lb;
    struct got g = {0};
    linebuf_init(&lb, 16);
    assert_true(linebuf_feed(&lb, "a\nbb\n\nccc\n", 10, record, &g));
    assert_string_equal(g.text, "a|bb||ccc|");
    assert_int_equal(linebuf_pending(&lb), 0);
    assert_null(lb.buf); /* whole lines are passed without copying */
    linebuf_finish(&lb, record, &g);
    assert_string_equal(g.text, "a|bb||ccc|");
    linebuf_free(&lb);
}

static void test_split_across_feeds(void **state)
{
    for (size_t chunk = 1; chunk <= 7; chunk++) {
        struct linebuf lb;
        struct got g = {0};
        linebuf_init(&lb, 64);
        feed_chunks(&lb, "hello\nworld\r\nend", chunk, &g);
        linebuf_finish(&lb, record, &g);
        assert_string_equal(g.text, "hello|world\r|end|"); /* '\r' kept */
        linebuf_free(&lb);
    }
}

static void test_long_line_pieces(void **state)
{
    struct linebuf lb;
    struct got g = {0};
    linebuf_init(&lb, 4);
    /* 10 bytes: 4+ 4+ 2| ; exactly 4 bytes: whole ; 8 bytes: 4+ 4| */
    feed_chunks(&lb, "abcdefghij\nklmn\nopqrstuv\n", 3, &g);
    assert_string_equal(g.text, "abcd+efgh+ij|klmn|opqr+stuv|");
    assert_true(lb.cap <= 4); /* never more than max held */
    linebuf_free(&lb);

    /* the same in one feed (pieces straight from the input) */
    struct got h = {0};
    linebuf_init(&lb, 4);
    const char *s = "abcdefghij\nklmn\nopqrstuv\n";
    linebuf_feed(&lb, s, strlen(s), record, &h);
    assert_string_equal(h.text, g.text);
    linebuf_free(&lb);
}

static void test_final_line_at_finish(void **state)
{
    struct linebuf lb;
    struct got g = {0};
    linebuf_init(&lb, 4);
    feed_chunks(&lb, "xy\nabcdefgh", 2, &g);
    assert_string_equal(g.text, "xy|abcd+");
    assert_int_equal(linebuf_pending(&lb), 4);
    linebuf_finish(&lb, record, &g);
    assert_string_equal(g.text, "xy|abcd+efgh|"); /* no dangling incomplete piece */
    linebuf_finish(&lb, record, &g);              /* nothing more */
    assert_int_equal(g.n, 3);
    linebuf_free(&lb);
}

static void test_stop(void **state)
{
    struct linebuf lb;
    struct got g = {.stop_at = 2};
    linebuf_init(&lb, 8);
    assert_false(linebuf_feed(&lb, "a\nb\nc\n", 6, record, &g));
    assert_string_equal(g.text, "a|b|");
    linebuf_free(&lb);
}

/* Reference splitter: one byte at a time, the documented rules. */
static void reference(const char *s, size_t n, size_t max, struct got *g)
{
    char cur[64];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            record(g, cur, len, true);
            len = 0;
            continue;
        }
        if (len == max) {
            record(g, cur, len, false);
            len = 0;
        }
        cur[len++] = s[i];
    }
    if (len > 0)
        record(g, cur, len, true);
}

static void test_random_against_reference(void **state)
{
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        char s[600];
        size_t n = (size_t)(rand_r(&seed) % 500);
        for (size_t i = 0; i < n; i++)
            s[i] = rand_r(&seed) % 5 == 0 ? '\n' : (char)('a' + rand_r(&seed) % 26);
        size_t max = 1 + (size_t)(rand_r(&seed) % 20);
        struct got want = {0}, got = {0};
        reference(s, n, max, &want);
        struct linebuf lb;
        linebuf_init(&lb, max);
        for (size_t off = 0; off < n;) {
            size_t c = 1 + (size_t)(rand_r(&seed) % 40);
            if (c > n - off)
                c = n - off;
            linebuf_feed(&lb, s + off, c, record, &got);
            off += c;
        }
        linebuf_finish(&lb, record, &got);
        linebuf_free(&lb);
        assert_string_equal(got.text, want.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_lines),
        cmocka_unit_test(test_split_across_feeds),
        cmocka_unit_test(test_long_line_pieces),
        cmocka_unit_test(test_final_line_at_finish),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
