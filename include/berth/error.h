/*
 * Errors: a code, the errno that caused it (if any), a message, a chain of
 * context added as the error travels up, and an optional fix hint.
 *
 * Every fallible berth function takes `struct berth_error **err` last and
 * returns -1 or NULL on failure. Passing NULL for err is allowed: the error is
 * then discarded.
 */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <berth/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error categories. Stable: part of the ABI. */
enum berth_errc {
    BERTH_E_OK = 0,
    BERTH_E_SYSTEM = 1,      /* a system call failed; see berth_error_errno() */
    BERTH_E_INVALID = 2,     /* bad argument or bad input */
    BERTH_E_NOT_FOUND = 3,   /* file, binary, container, service ... absent */
    BERTH_E_TIMEOUT = 4,     /* an operation ran out of time */
    BERTH_E_CANCELLED = 5,   /* cancelled by the caller */
    BERTH_E_TOO_LARGE = 6,   /* output or input over its limit */
    BERTH_E_PARSE = 7,       /* malformed YAML, JSON, dotenv ... */
    BERTH_E_UNSUPPORTED = 8, /* the backend or platform cannot do this */
    BERTH_E_BACKEND = 9,     /* a runtime command failed */
    BERTH_E_EXISTS = 10,     /* already exists */
    BERTH_E_DEPENDENCY = 11, /* a dependency failed */
    BERTH_E_VERIFY = 12,     /* image verification failed */
    BERTH_E_STATE = 13,      /* not allowed in the current state */
    BERTH_E_ABI = 14,        /* plugin ABI mismatch */
};

struct berth_error;

/** Creates an error. sys_errno may be 0. Aborts on out-of-memory. */
BERTH_API struct berth_error *berth_error_new(int code, int sys_errno, const char *fmt, ...)
    BERTH_PRINTF(3, 4);

/**
 * Stores a new error in *err (if err is not NULL and *err is NULL; an error
 * already there is kept, the first cause wins) and returns -1, so that a
 * failing function can `return berth_error_set(err, ...);`.
 */
BERTH_API int berth_error_set(struct berth_error **err, int code, int sys_errno, const char *fmt,
                              ...) BERTH_PRINTF(4, 5);

/**
 * Adds a line of context in front of the message of *err (if any) and returns
 * -1. berth_error_message() then reads "context: inner message".
 */
BERTH_API int berth_error_wrap(struct berth_error **err, const char *fmt, ...) BERTH_PRINTF(2, 3);

/** Sets (replaces) the fix hint shown after the message, e.g. "run 'apt-get install podman'". */
BERTH_API void berth_error_set_hint(struct berth_error *e, const char *fmt, ...) BERTH_PRINTF(2, 3);

/** Moves src into *dst (if dst is not NULL and *dst is empty), else frees src. Returns -1. */
BERTH_API int berth_error_propagate(struct berth_error **dst, struct berth_error *src);

/** The category (enum berth_errc). */
BERTH_API int berth_error_code(const struct berth_error *e);

/** The errno that caused the error, or 0. */
BERTH_API int berth_error_errno(const struct berth_error *e);

/** The full message: context chain, outermost first, then the cause (and strerror). */
BERTH_API const char *berth_error_message(const struct berth_error *e);

/** The innermost message only, without context. */
BERTH_API const char *berth_error_cause(const struct berth_error *e);

/** The fix hint, or NULL. */
BERTH_API const char *berth_error_hint(const struct berth_error *e);

/** A copy of e (deep). */
BERTH_API struct berth_error *berth_error_copy(const struct berth_error *e);

/** Frees e (NULL is fine). */
BERTH_API void berth_error_free(struct berth_error *e);

/** Frees *e and sets it to NULL. */
BERTH_API void berth_error_clear(struct berth_error **e);

/** A short name of a code ("timeout", "not-found" ...). */
BERTH_API const char *berth_errc_name(int code);

#ifdef __cplusplus
}
#endif
#endif
