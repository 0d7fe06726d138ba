/*
 * A minimal struct berth_host for unit tests of the driver plugins' pure
 * code (argv builders, parsers): errors come from libberth's own error type,
 * log lines are kept for assertions, fixtures are read from the source tree.
 */
#ifndef BERTH_TESTS_DRV_TEST_HOST_H
#define BERTH_TESTS_DRV_TEST_HOST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <berth/backend.h>
#include <berth/error.h>

/* The last log line the code under test emitted. */
static char test_last_log[1024];
static int test_log_count;

/* Keeps the log line. */
static inline void test_host_log(const struct berth_host *host, int level, const char *fmt, ...)
{
    (void)host;
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(test_last_log, sizeof(test_last_log), fmt, ap);
    va_end(ap);
    test_log_count++;
}

/* The environment as is. */
static inline const char *test_host_getenv(const struct berth_host *host, const char *name)
{
    (void)host;
    return getenv(name);
}

/* No configuration. */
static inline const char *test_host_config(const struct berth_host *host, const char *key)
{
    (void)host;
    (void)key;
    return NULL;
}

static const struct berth_host test_host = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .log = test_host_log,
    .error_new = berth_error_new,
    .error_wrap = berth_error_wrap,
    .error_set_hint = berth_error_set_hint,
    .error_free = berth_error_free,
    .error_message = berth_error_message,
    .getenv = test_host_getenv,
    .config = test_host_config,
};

/* Reads tests/fixtures/backends/<rel> (fails the test when missing). */
static inline char *test_fixture(const char *rel, size_t *len)
{
    const char *src = getenv("BERTH_TEST_SRCDIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/fixtures/backends/%s", src ? src : ".", rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        abort();
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

#endif
