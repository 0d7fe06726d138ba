/*
 * Test harness of the compose engine: an in-test fake backend driver (for
 * failure injection and exact operation logs) and helpers that open a
 * project from a JSON model, run an operation to completion and record every
 * event.
 */
#ifndef BERTH_TESTS_ENGINE_HARNESS_H
#define BERTH_TESTS_ENGINE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <berth/backend.h>
#include <berth/berth.h>
#include <berth/compose.h>
#include <berth/runtime.h>

#include "compose/engine-internal.h"

/* ---------------------------------------------------------------- fake driver */

/*
 * Fake containers behave by their command:
 *   ["sleep"]               runs until stopped (SIGTERM ends it with 143)
 *   ["exit", "N", "MS"]     exits with code N after MS milliseconds
 *   ["ignore-term"]         ignores the stop signal: only SIGKILL (137) ends it
 *   ["ready-after", "MS"]   runs; `exec ["ready?"]` succeeds MS ms after start
 *   ["fail-start"]          START fails (with create_starts: CREATE fails, giving the id)
 * An image named "fail-create" makes CREATE fail. exec ["true"] / ["false"]
 * return 0 / 1.
 */
struct fake_ctr;

/* One logged driver call ("create web", "start web", "stop db" ...). */
struct fake_call {
    char what[96];
    uint64_t at_ms;
};

struct fake_state {
    const struct berth_host *host;
    struct fake_ctr *ctrs;
    struct fake_call calls[512];
    size_t n_calls;
    int inflight, max_inflight; /* create/start ops in flight (with op_delay_ms) */
    uint64_t op_delay_ms;       /* create/start complete after this long */
    int waits;                  /* CONTAINER_WAIT requests on running containers */
    bool create_starts;         /* CREATE honours req->start (`run -d`), logged "run NAME" */
    bool started_next;          /* internal: the next delayed completion reports started */
    bool stop_removes;          /* REMOVE honours req->stop_first ("stop-remove NAME GRACE") */
};

/* The live fake driver instance (one per test). */
extern struct fake_state *fake;

/* The fake driver table ("fake"). */
const struct berth_backend_driver *fake_driver(void);
/* The same with image operations ("fake-images"; "unreachable" in a name fails a pull). */
const struct berth_backend_driver *fake_images_driver(void);
/* The same without CONTAINER_WAIT, with an EVENTS stream ("fake-events"). */
const struct berth_backend_driver *fake_events_driver(void);

/* Index of the first call equal to what, or -1. */
int fake_call_index(const char *what);
/* Number of calls starting with prefix. */
int fake_call_count(const char *prefix);
/* Time of the first call equal to what (ms, monotonic), or 0. */
uint64_t fake_call_time(const char *what);
/* Creates a container directly in the fake runtime (as if an earlier run made it). */
void fake_add_container(const char *name, const char *service, int number, const char *hash,
                        bool running, const char *project);

/* ------------------------------------------------------------------- harness */

/* One recorded event. */
struct h_event {
    enum berth_compose_event_type type;
    char service[32];
    char container[64];
    int replica;
    enum berth_service_state from, to;
    enum berth_service_event cause;
    int exit_code;
    char text[256]; /* message / log line / resource name */
    char action[24];
    uint64_t at_ms;
};

struct harness {
    struct berth_engine *eng;
    struct berth_backend *backend;
    json_t *model;
    struct berth_compose *c;
    struct berth_compose_sub *sub;
    struct h_event ev[2048];
    size_t n_ev;
    /* the last completed operation */
    bool done;
    int code;          /* berth_errc of the result, 0 success */
    char msg[1024];
    int exit_code;
    size_t n_containers;
    char names[16][64];
    char health[16][16];
    char orphans[8][64];
    size_t n_orphans;
    bool timed_out;
    struct berth_timer *deadline;
    /* call on an event: Ctrl-C style interrupts etc. */
    void (*on_event)(struct harness *h, const struct h_event *e);
};

/* Opens model_json (a `config --format json` model) on backend ("fake", "fake-events", "process"). */
void h_open(struct harness *h, const char *backend, const char *model_json);
/* Closes the project and opens it again on the same runtime (a new CLI invocation). */
void h_reopen(struct harness *h);
/* Closes everything. */
void h_close(struct harness *h);
/* Runs the loop until the current operation completed (fails the test after limit_ms). */
void h_wait(struct harness *h, uint64_t limit_ms);
/* Runs the loop for ms (supervision continues meanwhile). */
void h_run_for(struct harness *h, uint64_t ms);
/* The completion callback all operations use. */
void h_done(struct berth_compose *c, const struct berth_compose_result *res, void *user);
/* up with opts (NULL = defaults), waiting for it. */
void h_up(struct harness *h, const struct berth_compose_up_options *opts);
/* down with opts, waiting for it. */
void h_down(struct harness *h, const struct berth_compose_down_options *opts);
/* Index of the first STATE event of container to state `to`, or -1. */
int h_index(const struct harness *h, const char *container, enum berth_service_state to);
/* Time of that event (ms) or 0. */
uint64_t h_time(const struct harness *h, const char *container, enum berth_service_state to);
/* Number of STATE events of container to state `to`. */
int h_count(const struct harness *h, const char *container, enum berth_service_state to);
/* Index of the first event of type with text containing needle, or -1. */
int h_find(const struct harness *h, enum berth_compose_event_type type, const char *needle);
/* A fresh temporary directory (created), for files the tests use. */
const char *h_tmpdir(void);

#endif
