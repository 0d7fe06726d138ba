/* Timers on the engine's event_base (see berth/timer.h). */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include <berth/berth.h>
#include "core/util.h"

struct berth_timer {
    struct event *ev;
    berth_timer_fn fn;
    void *user;
};

/* libevent callback: forwards to the user's function. */
static void timer_fire(evutil_socket_t fd, short what, void *arg)
{
    struct berth_timer *t = arg;
    t->fn(t, t->user);
}

struct berth_timer *berth_timer_new(struct berth_engine *eng, berth_timer_fn fn, void *user)
{
    struct berth_timer *t = xcalloc(1, sizeof(*t));
    t->fn = fn;
    t->user = user;
    t->ev = event_new(berth_engine_base(eng), -1, 0, timer_fire, t);
    if (t->ev == NULL)
        abort(); /* event_new fails only on OOM */
    return t;
}

/* Arms ev with the given flags (0 or EV_PERSIST) and period. */
static void timer_arm(struct berth_timer *t, short flags, uint64_t ms)
{
    struct event_base *base = event_get_base(t->ev);
    event_del(t->ev);
    event_assign(t->ev, base, -1, flags, timer_fire, t);
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    event_add(t->ev, &tv);
}

void berth_timer_start(struct berth_timer *t, uint64_t ms)
{
    timer_arm(t, 0, ms);
}

void berth_timer_start_repeating(struct berth_timer *t, uint64_t ms)
{
    timer_arm(t, EV_PERSIST, ms);
}

void berth_timer_stop(struct berth_timer *t)
{
    event_del(t->ev);
}

bool berth_timer_pending(const struct berth_timer *t)
{
    return event_pending(t->ev, EV_TIMEOUT, NULL) != 0;
}

void berth_timer_free(struct berth_timer *t)
{
    if (t == NULL)
        return;
    event_free(t->ev);
    free(t);
}

uint64_t berth_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
