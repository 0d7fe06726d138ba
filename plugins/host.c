/*
 * The host services table (struct berth_host) of one driver instance, over
 * core: children, timers, the engine's log (tagged with the instance's
 * name), errors, operations, environment and configuration.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include "core/util.h"
#include "plugins/plugins-internal.h"

/* The instance a host table belongs to. */
static struct berth_backend *host_backend(const struct berth_host *host)
{
    return host->host_private;
}

/* Spawns a child on the engine's loop. */
static struct berth_proc *host_spawn(const struct berth_host *host,
                                     const struct berth_proc_options *opts,
                                     struct berth_error **err)
{
    return berth_proc_spawn(host_backend(host)->eng, opts, err);
}

/* Creates a timer on the engine's loop. */
static struct berth_timer *host_timer_new(const struct berth_host *host, berth_timer_fn fn,
                                          void *user)
{
    return berth_timer_new(host_backend(host)->eng, fn, user);
}

static void host_log(const struct berth_host *host, int level, const char *fmt, ...)
    BERTH_PRINTF(3, 4);

/* Logs through the engine's sink with the instance's name as component. */
static void host_log(const struct berth_host *host, int level, const char *fmt, ...)
{
    struct berth_backend *b = host_backend(host);
    if (level < BERTH_LOG_ERROR)
        level = BERTH_LOG_ERROR;
    if (level > BERTH_LOG_DEBUG)
        level = BERTH_LOG_DEBUG;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    berth_engine_log(b->eng, (enum berth_log_level)level, b->name, "%s", msg);
    free(msg);
}

/* Reads the process environment. */
static const char *host_getenv(const struct berth_host *host, const char *name)
{
    (void)host;
    return name ? getenv(name) : NULL;
}

/* The instance's configuration value for key. */
static const char *host_config(const struct berth_host *host, const char *key)
{
    struct berth_backend *b = host_backend(host);
    return berth_backend_config_get(b->eng, b->name, b->drv->info.name, key);
}

/* Fills b->host with the services of instance b. */
void host_init(struct berth_backend *b)
{
    struct berth_host *h = &b->host;
    h->abi_major = BERTH_BACKEND_ABI_MAJOR;
    h->abi_minor = BERTH_BACKEND_ABI_MINOR;
    h->spawn = host_spawn;
    h->proc_signal = berth_proc_signal;
    h->proc_cancel = berth_proc_cancel;
    h->proc_abandon = berth_proc_abandon;
    h->proc_write = berth_proc_write;
    h->proc_close_stdin = berth_proc_close_stdin;
    h->timer_new = host_timer_new;
    h->timer_start = berth_timer_start;
    h->timer_stop = berth_timer_stop;
    h->timer_free = berth_timer_free;
    h->log = host_log;
    h->error_new = berth_error_new;
    h->error_wrap = berth_error_wrap;
    h->error_set_hint = berth_error_set_hint;
    h->error_free = berth_error_free;
    h->error_message = berth_error_message;
    h->op_set_cancel = op_set_cancel;
    h->op_complete = op_complete;
    h->op_is_cancelled = op_is_cancelled;
    h->getenv = host_getenv;
    h->config = host_config;
    h->host_private = b;
}
