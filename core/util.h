/* Internal helpers: allocation that aborts on OOM, strings, string vectors. */
#ifndef BERTH_CORE_UTIL_H
#define BERTH_CORE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <berth/common.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of elem-sized items so that it holds at least need items. */
void *xreallocarray_grow(void *p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) BERTH_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) BERTH_PRINTF(1, 0);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

/* NULL-terminated vector of owned strings. */
struct strv {
    char **v;
    size_t n;
    size_t cap;
};
void strv_init(struct strv *sv);
void strv_push(struct strv *sv, const char *s);
void strv_push_take(struct strv *sv, char *s);
void strv_pushf(struct strv *sv, const char *fmt, ...) BERTH_PRINTF(2, 3);
void strv_free(struct strv *sv);
/* The vector as argv (always NULL-terminated, even when empty). */
const char *const *strv_argv(struct strv *sv);

#endif
