/*
 * What every command needs: the project loaded with the global options
 * (-f, -p, --project-directory, --env-file, --profile), an engine on the
 * CLI's event_base, the backend (--backend, BERTH_BACKEND, the project's
 * x-berth backend, else detection; plugins from --plugin-dir and
 * BERTH_PLUGIN_PATH) and the project opened in the compose engine. Also the
 * loop, signal handling (libevent evsignal on the CLI's base: the library
 * installs none) and a progress display fed by the engine's events.
 */
#ifndef BERTH_CLI_PROJECT_H
#define BERTH_CLI_PROJECT_H

#include <stdbool.h>

#include <berth/berth.h>
#include <berth/compose.h>
#include <berth/runtime.h>

#include "cli/cli.h"
#include "cli/progress.h"

struct event_base;
struct project;

/* What a command needs opened. */
enum project_need {
    PROJECT_COMPOSE = 0, /* the project, a backend and the compose engine */
    PROJECT_BACKEND,     /* only a backend (ls): no compose file needed */
};

/*
 * Opens everything the command needs. Detection runs on the loop (probes
 * are asynchronous); returns once a backend is chosen. On failure prints
 * the error and returns NULL with *rc set to the exit code.
 */
struct project *project_open(struct cli_globals *g, enum project_need need, int *rc);

/*
 * project_open() for a command targeting services explicitly (run): they
 * are enabled even when their profiles are not, like docker compose does.
 */
struct project *project_open_for(struct cli_globals *g, enum project_need need,
                                 const char *const *services, int *rc);

/* The CLI's event_base. */
struct event_base *project_base(struct project *p);

/* The engine. */
struct berth_engine *project_engine(struct project *p);

/* The selected backend. */
struct berth_backend *project_backend(struct project *p);

/* The project opened in the engine (NULL with PROJECT_BACKEND). */
struct berth_compose *project_compose(struct project *p);

/* The project's name (NULL with PROJECT_BACKEND). */
const char *project_name(struct project *p);

/* The global options. */
struct cli_globals *project_globals(struct project *p);

/*
 * A progress display for a lifecycle command: mode from --progress and
 * stderr, fed by the engine's state/resource/warning events, engine
 * warnings routed above it. title: "Running", "Pulling" ... Owned by p.
 */
struct progress *project_progress(struct project *p, const char *title);

/* Runs the loop until project_finish(); returns the exit code given to it. */
int project_run(struct project *p);

/* Ends project_run() with exit code rc (the first call wins). */
void project_finish(struct project *p, int rc);

/* Whether project_finish() was called. */
bool project_finished(const struct project *p);

/*
 * Called on SIGINT / SIGTERM with the signal and how many signals arrived
 * so far (1 for the first Ctrl-C).
 */
typedef void (*project_signal_fn)(struct project *p, int signo, int count, void *user);

/*
 * Handles SIGINT and SIGTERM on the CLI's loop with fn until project_close
 * (fn NULL: the first signal cancels op when set and finishes with 130, a
 * second one exits at once).
 */
void project_signals(struct project *p, project_signal_fn fn, void *user);

/* The op the default signal handler cancels (NULL: none). */
void project_set_op(struct project *p, struct berth_compose_op *op);

/*
 * A completion callback for simple lifecycle ops: prints the error (if
 * any) and finishes with 0 or 1 (130 after a signal). user is the project.
 */
void project_op_done(struct berth_compose *c, const struct berth_compose_result *res, void *user);

/*
 * Runs op (just started by the caller) to completion: on NULL prints err
 * and returns 1; else remembers it for the default signal handler and runs
 * the loop.
 */
int project_run_op(struct project *p, struct berth_compose_op *op, struct berth_error *err);

/* Prints a result's error ("berth: ..." plus hint) to stderr. */
void project_print_error(const struct berth_error *e);

/* Number of signals received so far. */
int project_signal_count(const struct project *p);

/* The first signal received (0 none). */
int project_first_signal(const struct project *p);

/* Closes the compose engine, the backend, the engine and the loop (NULL is fine). */
void project_close(struct project *p);

#endif
