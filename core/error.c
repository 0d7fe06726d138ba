/* Errors with a code, errno, context chain and fix hint (see berth/error.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <berth/error.h>
#include "core/util.h"

struct berth_error {
    int code;
    int sys_errno;
    char *cause;   /* innermost message, with strerror appended */
    char *message; /* context chain + cause, rebuilt on wrap */
    char *hint;
};

/* Builds the innermost message once, appending strerror when errno is set. */
static struct berth_error *error_vnew(int code, int sys_errno, const char *fmt, va_list ap)
    BERTH_PRINTF(3, 0);
static struct berth_error *error_vnew(int code, int sys_errno, const char *fmt, va_list ap)
{
    struct berth_error *e = xcalloc(1, sizeof(*e));
    e->code = code;
    e->sys_errno = sys_errno;
    char *msg = xvasprintf(fmt, ap);
    if (sys_errno != 0) {
        e->cause = xasprintf("%s: %s", msg, strerror(sys_errno));
        free(msg);
    } else {
        e->cause = msg;
    }
    e->message = xstrdup(e->cause);
    return e;
}

struct berth_error *berth_error_new(int code, int sys_errno, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct berth_error *e = error_vnew(code, sys_errno, fmt, ap);
    va_end(ap);
    return e;
}

int berth_error_set(struct berth_error **err, int code, int sys_errno, const char *fmt, ...)
{
    if (err == NULL || *err != NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    *err = error_vnew(code, sys_errno, fmt, ap);
    va_end(ap);
    return -1;
}

int berth_error_wrap(struct berth_error **err, const char *fmt, ...)
{
    if (err == NULL || *err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *ctx = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = xasprintf("%s: %s", ctx, (*err)->message);
    free(ctx);
    free((*err)->message);
    (*err)->message = msg;
    return -1;
}

void berth_error_set_hint(struct berth_error *e, const char *fmt, ...)
{
    if (e == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    free(e->hint);
    e->hint = xvasprintf(fmt, ap);
    va_end(ap);
}

int berth_error_propagate(struct berth_error **dst, struct berth_error *src)
{
    if (dst != NULL && *dst == NULL)
        *dst = src;
    else
        berth_error_free(src);
    return -1;
}

int berth_error_code(const struct berth_error *e)
{
    return e ? e->code : BERTH_E_OK;
}

int berth_error_errno(const struct berth_error *e)
{
    return e ? e->sys_errno : 0;
}

const char *berth_error_message(const struct berth_error *e)
{
    return e ? e->message : "";
}

const char *berth_error_cause(const struct berth_error *e)
{
    return e ? e->cause : "";
}

const char *berth_error_hint(const struct berth_error *e)
{
    return e ? e->hint : NULL;
}

struct berth_error *berth_error_copy(const struct berth_error *e)
{
    if (e == NULL)
        return NULL;
    struct berth_error *c = xcalloc(1, sizeof(*c));
    c->code = e->code;
    c->sys_errno = e->sys_errno;
    c->cause = xstrdup(e->cause);
    c->message = xstrdup(e->message);
    c->hint = e->hint ? xstrdup(e->hint) : NULL;
    return c;
}

void berth_error_free(struct berth_error *e)
{
    if (e == NULL)
        return;
    free(e->cause);
    free(e->message);
    free(e->hint);
    free(e);
}

void berth_error_clear(struct berth_error **e)
{
    if (e != NULL) {
        berth_error_free(*e);
        *e = NULL;
    }
}

const char *berth_errc_name(int code)
{
    static const char *const names[] = {
        [BERTH_E_OK] = "ok",
        [BERTH_E_SYSTEM] = "system",
        [BERTH_E_INVALID] = "invalid",
        [BERTH_E_NOT_FOUND] = "not-found",
        [BERTH_E_TIMEOUT] = "timeout",
        [BERTH_E_CANCELLED] = "cancelled",
        [BERTH_E_TOO_LARGE] = "too-large",
        [BERTH_E_PARSE] = "parse",
        [BERTH_E_UNSUPPORTED] = "unsupported",
        [BERTH_E_BACKEND] = "backend",
        [BERTH_E_EXISTS] = "exists",
        [BERTH_E_DEPENDENCY] = "dependency",
        [BERTH_E_VERIFY] = "verify",
        [BERTH_E_STATE] = "state",
        [BERTH_E_ABI] = "abi",
    };
    if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]) || names[code] == NULL)
        return "unknown";
    return names[code];
}
