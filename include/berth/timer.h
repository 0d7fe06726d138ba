/* One-shot and repeating timers on the engine's event_base. */
#ifndef BERTH_TIMER_H
#define BERTH_TIMER_H

#include <berth/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_engine;
struct berth_timer;

/** Called when a timer fires. */
typedef void (*berth_timer_fn)(struct berth_timer *t, void *user);

/** Creates a stopped timer. Aborts on out-of-memory. */
BERTH_API struct berth_timer *berth_timer_new(struct berth_engine *eng, berth_timer_fn fn,
                                              void *user);

/** (Re)arms the timer to fire once after ms milliseconds. */
BERTH_API void berth_timer_start(struct berth_timer *t, uint64_t ms);

/** (Re)arms the timer to fire every ms milliseconds until stopped. */
BERTH_API void berth_timer_start_repeating(struct berth_timer *t, uint64_t ms);

/** Disarms the timer; safe when not armed. */
BERTH_API void berth_timer_stop(struct berth_timer *t);

/** True while armed. */
BERTH_API bool berth_timer_pending(const struct berth_timer *t);

/** Disarms and frees (NULL is fine). Safe to call from the timer's own callback. */
BERTH_API void berth_timer_free(struct berth_timer *t);

/** Milliseconds on a monotonic clock (for measuring durations). */
BERTH_API uint64_t berth_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
