/* The engine object: an event_base, a log sink and per-module slots. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "core/engine-internal.h"
#include "core/util.h"

struct berth_engine {
    struct event_base *base;
    bool owns_base;
    berth_log_fn log_fn;
    void *log_user;
    enum berth_log_level log_max;
    void *slots[ENGINE_SLOT_COUNT];
    engine_slot_free_fn slot_free[ENGINE_SLOT_COUNT];
};

const char *berth_version(void)
{
    return BERTH_VERSION_STRING;
}

int berth_version_number(void)
{
    return BERTH_VERSION_MAJOR * 10000 + BERTH_VERSION_MINOR * 100 + BERTH_VERSION_PATCH;
}

struct berth_engine *berth_engine_new(struct event_base *base, struct berth_error **err)
{
    struct berth_engine *eng = xcalloc(1, sizeof(*eng));
    if (base == NULL) {
        /* precise timers: a coarse monotonic clock can fire timeouts a few ms early */
        struct event_config *cfg = event_config_new();
        if (cfg != NULL) {
            event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
            base = event_base_new_with_config(cfg);
            event_config_free(cfg);
        }
        if (base == NULL) {
            free(eng);
            berth_error_set(err, BERTH_E_SYSTEM, 0, "cannot create an event_base");
            return NULL;
        }
        eng->owns_base = true;
    }
    eng->base = base;
    eng->log_max = BERTH_LOG_WARN;
    return eng;
}

void berth_engine_free(struct berth_engine *eng)
{
    if (eng == NULL)
        return;
    for (int i = ENGINE_SLOT_COUNT - 1; i >= 0; i--) {
        if (eng->slots[i] != NULL && eng->slot_free[i] != NULL)
            eng->slot_free[i](eng->slots[i]);
        eng->slots[i] = NULL;
    }
    if (eng->owns_base)
        event_base_free(eng->base);
    free(eng);
}

struct event_base *berth_engine_base(const struct berth_engine *eng)
{
    return eng->base;
}

int berth_engine_run(struct berth_engine *eng)
{
    return event_base_dispatch(eng->base);
}

void berth_engine_break(struct berth_engine *eng)
{
    event_base_loopbreak(eng->base);
}

void berth_engine_set_log(struct berth_engine *eng, berth_log_fn fn,
                          enum berth_log_level max_level, void *user)
{
    eng->log_fn = fn;
    eng->log_user = user;
    eng->log_max = max_level;
}

void berth_engine_log(struct berth_engine *eng, enum berth_log_level level, const char *component,
                      const char *fmt, ...)
{
    if (level > eng->log_max)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (eng->log_fn != NULL) {
        eng->log_fn(level, component, msg, eng->log_user);
    } else {
        static const char *const names[] = {"error", "warning", "info", "debug"};
        fprintf(stderr, "berth: %s: %s%s%s\n", names[level], component ? component : "",
                component ? ": " : "", msg);
    }
    free(msg);
}

void *engine_slot(const struct berth_engine *eng, enum engine_slot slot)
{
    return eng->slots[slot];
}

void engine_set_slot(struct berth_engine *eng, enum engine_slot slot, void *data,
                     engine_slot_free_fn free_fn)
{
    eng->slots[slot] = data;
    eng->slot_free[slot] = free_fn;
}
