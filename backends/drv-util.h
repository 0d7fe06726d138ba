/*
 * Helpers shared by the container driver plugins (docker-protocol, apple).
 *
 * Plugins are built apart from libberth and reach the host only through
 * struct berth_host, so they carry their own small allocation, argv, buffer,
 * arena, JSON and validation helpers here. Allocation aborts on OOM, like the
 * rest of berth.
 */
#ifndef BERTH_BACKENDS_DRV_UTIL_H
#define BERTH_BACKENDS_DRV_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <berth/backend.h>

/* ------------------------------------------------------------- allocation */

void *drv_xmalloc(size_t n);
void *drv_xcalloc(size_t n, size_t size);
void *drv_xrealloc(void *p, size_t n);
char *drv_xstrdup(const char *s);
char *drv_xstrndup(const char *s, size_t n);
char *drv_xasprintf(const char *fmt, ...) BERTH_PRINTF(1, 2);
char *drv_xvasprintf(const char *fmt, va_list ap) BERTH_PRINTF(1, 0);

/* ------------------------------------------------------------------ argv */

/* A growable, always NULL-terminated vector of owned strings. */
struct drv_argv {
    char **v;
    size_t n;
    size_t cap;
};

void drv_argv_init(struct drv_argv *a);
void drv_argv_push(struct drv_argv *a, const char *s);
void drv_argv_pushf(struct drv_argv *a, const char *fmt, ...) BERTH_PRINTF(2, 3);
/* Pushes a flag and its value as two elements ("--name", value). */
void drv_argv_push2(struct drv_argv *a, const char *flag, const char *value);
void drv_argv_push_all(struct drv_argv *a, const char *const *v);
void drv_argv_free(struct drv_argv *a);
/* The vector as a NULL-terminated argv (valid until the next push). */
const char *const *drv_argv_get(struct drv_argv *a);
/* The elements joined by single spaces (for messages and matching). */
char *drv_argv_join(const char *const *v);

/* ---------------------------------------------------------------- buffer */

/* A growable byte buffer, always NUL-terminated. */
struct drv_buf {
    char *p;
    size_t len;
    size_t cap;
};

void drv_buf_init(struct drv_buf *b);
void drv_buf_add(struct drv_buf *b, const char *s, size_t n);
void drv_buf_adds(struct drv_buf *b, const char *s);
void drv_buf_addf(struct drv_buf *b, const char *fmt, ...) BERTH_PRINTF(2, 3);
void drv_buf_addc(struct drv_buf *b, char c);
void drv_buf_free(struct drv_buf *b);
/* Keeps at most max bytes: the oldest bytes are dropped (a bounded tail). */
void drv_buf_add_tail(struct drv_buf *b, const char *s, size_t n, size_t max);

/* ----------------------------------------------------------------- arena */

/* Owns every allocation of one parsed result; freed in one call. */
struct drv_arena {
    struct drv_arena_node *head;
};

void drv_arena_init(struct drv_arena *a);
/* Zeroed memory for n items of size bytes. */
void *drv_arena_alloc(struct drv_arena *a, size_t n, size_t size);
char *drv_arena_strdup(struct drv_arena *a, const char *s);
char *drv_arena_strndup(struct drv_arena *a, const char *s, size_t n);
char *drv_arena_printf(struct drv_arena *a, const char *fmt, ...) BERTH_PRINTF(2, 3);
void drv_arena_free(struct drv_arena *a);

/* ---------------------------------------------------------------- errors */

/* Creates an error through the host (formats the message). */
struct berth_error *drv_error(const struct berth_host *host, int code, const char *fmt, ...)
    BERTH_PRINTF(3, 4);

/* Stores a new error in *err (if err and !*err) and returns -1. */
int drv_fail(const struct berth_host *host, struct berth_error **err, int code, const char *fmt,
             ...) BERTH_PRINTF(4, 5);

/* ------------------------------------------------------------ validation */

/* True when s matches [a-zA-Z0-9][a-zA-Z0-9_.-]* (docker's name rule), 1..255 bytes. */
bool drv_name_valid(const char *s);

/*
 * Checks a container/network/volume name or id before it goes on a command
 * line; what names the thing in the message ("container", "network" ...).
 */
int drv_check_name(const struct berth_host *host, const char *what, const char *name,
                   struct berth_error **err);

/*
 * Checks an image reference: non-empty, no leading '-', no whitespace or
 * control characters, bounded length.
 */
int drv_check_image(const struct berth_host *host, const char *ref, struct berth_error **err);

/* True when s has no control characters (tab allowed): safe as one argv element in messages. */
bool drv_text_clean(const char *s);

/* ------------------------------------------------------------------ time */

/*
 * Parses a runtime timestamp into unix seconds: RFC 3339 with optional
 * fraction and zone ("2024-01-02T03:04:05.123Z", "...+01:00") or Go's
 * time.String() form ("2024-01-02 03:04:05 +0000 UTC"). The zero time
 * ("0001-01-01T00:00:00Z") yields 0. Returns -1 on malformed text.
 */
int drv_parse_time(const char *s, int64_t *out);

/* ------------------------------------------------------------------ misc */

/*
 * mkdir -p for a bind mount source compose asks to create (create_host_path;
 * the path is on this machine also when the engine runs in a VM).
 */
int drv_mkdir_p(const struct berth_host *host, const char *path, struct berth_error **err);

/* "SIGTERM" for 15 ...; NULL for an unknown number. */
const char *drv_signal_name(int sig);

/* Parses a decimal integer (optional sign) filling the whole string. */
bool drv_parse_int64(const char *s, int64_t *out);

/* Parses a human size ("2.13MB", "12B", "1.5 GiB", "512kB") into bytes. */
bool drv_parse_size(const char *s, int64_t *out);

/* A deep copy of n key/values (NULL when n is 0); free with drv_kv_free(). */
struct berth_kv *drv_kv_copy(const struct berth_kv *kv, size_t n);
void drv_kv_free(struct berth_kv *kv, size_t n);

/* True when labels contain every filter (key present; value equal when non-NULL). */
bool drv_labels_match(const struct berth_kv *labels, size_t n_labels,
                      const struct berth_kv *filters, size_t n_filters);

/* ------------------------------------------------------------------ JSON */

/*
 * Parses text as JSON; a malformed or truncated document is a BERTH_E_PARSE
 * error naming cmd ("podman inspect: malformed JSON output: ... at line 3").
 */
json_t *drv_json_parse(const struct berth_host *host, const char *cmd, const char *text,
                       size_t len, struct berth_error **err);

/* The string member key of obj, or NULL when absent or not a string. */
const char *drv_jstr(const json_t *obj, const char *key);
/* The integer member key (a JSON integer, or a real with an integral value). */
bool drv_jint(const json_t *obj, const char *key, int64_t *out);
/* The boolean member key; false when absent or not a boolean. */
bool drv_jbool(const json_t *obj, const char *key);
/* The object/array member key, or NULL when absent or of another type. */
json_t *drv_jobj(const json_t *obj, const char *key);
json_t *drv_jarr(const json_t *obj, const char *key);

/*
 * Copies a JSON object of string values (labels) into an arena array.
 * Non-string values are an error naming cmd and what.
 */
int drv_json_labels(const struct berth_host *host, struct drv_arena *arena, const char *cmd,
                    const char *what, const json_t *obj, const struct berth_kv **out,
                    size_t *n_out, struct berth_error **err);

/* Copies a JSON array of strings into a NULL-terminated arena vector (NULL when empty). */
int drv_json_strv(const struct berth_host *host, struct drv_arena *arena, const char *cmd,
                  const char *what, const json_t *arr, const char *const **out,
                  struct berth_error **err);

#endif
