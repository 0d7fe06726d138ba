/*
 * libberth: a Compose engine on a libevent event_base.
 *
 * The library never blocks, never installs process-wide signal handlers and
 * never calls exit(). Everything runs on the event_base the embedder gives
 * berth_engine_new() (or one berth creates when given NULL).
 */
#ifndef BERTH_BERTH_H
#define BERTH_BERTH_H

#include <berth/common.h>
#include <berth/error.h>
#include <berth/proc.h>
#include <berth/timer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct berth_engine;

/** Log levels for the engine's log sink. */
enum berth_log_level {
    BERTH_LOG_ERROR = 0,
    BERTH_LOG_WARN = 1,
    BERTH_LOG_INFO = 2,
    BERTH_LOG_DEBUG = 3,
};

/** A log sink: receives every diagnostic the engine and its plugins emit. */
typedef void (*berth_log_fn)(enum berth_log_level level, const char *component, const char *msg,
                             void *user);

/** The library's version string ("0.1.0"). */
BERTH_API const char *berth_version(void);

/** The library's version as major*10000 + minor*100 + patch. */
BERTH_API int berth_version_number(void);

/**
 * Creates an engine bound to base. With base NULL the engine creates (and
 * later frees) its own event_base; run it with berth_engine_run().
 */
BERTH_API struct berth_engine *berth_engine_new(struct event_base *base, struct berth_error **err);

/**
 * Frees the engine. Children still running are killed (SIGKILL to their
 * process groups) and reaped; no callback fires afterwards.
 */
BERTH_API void berth_engine_free(struct berth_engine *eng);

/** The event_base the engine runs on. */
BERTH_API struct event_base *berth_engine_base(const struct berth_engine *eng);

/** Runs the event_base until no events are left or berth_engine_break() is called. */
BERTH_API int berth_engine_run(struct berth_engine *eng);

/** Makes berth_engine_run() return after the current callbacks. */
BERTH_API void berth_engine_break(struct berth_engine *eng);

/** Sets the log sink (NULL: errors and warnings go to stderr) and the most verbose level kept. */
BERTH_API void berth_engine_set_log(struct berth_engine *eng, berth_log_fn fn,
                                    enum berth_log_level max_level, void *user);

/** Emits a log message through the engine's sink. */
BERTH_API void berth_engine_log(struct berth_engine *eng, enum berth_log_level level,
                                const char *component, const char *fmt, ...) BERTH_PRINTF(4, 5);

#ifdef __cplusplus
}
#endif
#endif
