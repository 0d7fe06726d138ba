/* Deterministic line content shared by tests/helper_child.c and the tests that check it. */
#ifndef BERTH_TESTS_HELPER_GEN_H
#define BERTH_TESTS_HELPER_GEN_H

#include <stdio.h>

/* Longest line gen_line() produces. */
#define GEN_LINE_MAX 400

/* Writes line i (without '\n') into buf; some lines end in '\r' (kept as is). */
static inline size_t gen_line(unsigned long i, char *buf)
{
    int n = snprintf(buf, GEN_LINE_MAX, "%lu:", i);
    size_t len = (size_t)n + (i * 37u) % 301u;
    for (size_t k = (size_t)n; k < len; k++)
        buf[k] = (char)('a' + (i + k) % 26);
    if (i % 101 == 0)
        buf[len++] = '\r';
    return len;
}

#endif
