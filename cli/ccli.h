/*
 * Plumbing of the container, image, doctor and cleanup commands: an engine
 * on the CLI's event_base with the global --plugin-dir and --backend
 * applied to the container API's selection (include/berth/container.h),
 * running the loop until an operation completes, Ctrl-C handling, and the
 * value formats those commands share (docker's sizes, times, ports).
 */
#ifndef BERTH_CLI_CCLI_H
#define BERTH_CLI_CCLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <berth/container.h>

#include "cli/cli.h"

struct event_base;
struct event;
struct ccli;

/* Called on SIGINT/SIGTERM with how many arrived so far (1 for the first). */
typedef void (*ccli_signal_fn)(struct ccli *c, int signo, int count, void *user);

/* The engine and loop of one command. */
struct ccli {
    struct cli_globals *g;
    struct event_base *base;
    struct berth_engine *eng;
    struct event *sigint, *sigterm;
    ccli_signal_fn on_signal;
    void *signal_user;
    int signals;
    int first_signal;
    bool finished;
    int rc;
};

/*
 * Creates the loop and engine, loads plugins (--plugin-dir, then
 * BERTH_PLUGIN_PATH and the installed directory) and passes --backend to
 * the selection. Prints the error and returns its exit code (else 0).
 */
int ccli_open(struct ccli *c, struct cli_globals *g);

/* Frees the engine and the loop. */
void ccli_close(struct ccli *c);

/* Handles SIGINT/SIGTERM with fn on the loop until ccli_close(). */
void ccli_signals(struct ccli *c, ccli_signal_fn fn, void *user);

/* Runs the loop until ccli_finish(); returns the exit code given. */
int ccli_run(struct ccli *c);

/* Ends ccli_run() with rc (the first call wins). */
void ccli_finish(struct ccli *c, int rc);

/* Prints "berth: <message>" and the hint of a result's error to stderr. */
void ccli_print_error(const struct berth_error *e);

/* As ccli_print_error, the message prefixed "<kind> <name>: " unless it names name already. */
void ccli_print_error_of(const struct berth_error *e, const char *kind, const char *name);

/* Whether --format names JSON ("json"); false for NULL/"table"; -1 after a usage error. */
int ccli_format_json(const char *cmd, const char *format);

/* "2006-01-02T15:04:05Z" (UTC); docker's zero time for 0. Into buf. */
void ccli_rfc3339(int64_t when, char *buf, size_t size);

/* docker's HumanSize: 3 significant digits, decimal units ("2.13MB", "512B"). */
void ccli_human_size(int64_t bytes, char *buf, size_t size);

/* "127.0.0.1:8080->80/tcp, 81/udp" for a container's ports (malloc'ed). */
char *ccli_ports_text(const struct berth_container_info *ci);

/* "Up 3 minutes", "Exited (1) 2 seconds ago", "Created" ... from state and times (malloc'ed). */
char *ccli_status_text(const struct berth_container_info *ci, int64_t now);

/* The command words joined by spaces (malloc'ed, "" when none). */
char *ccli_join(const char *const *words);

/* A JSON object of labels. */
json_t *ccli_labels_json(const struct berth_kv *labels, size_t n);

/* Prints one JSON value on its own line (compact) to stdout. */
void ccli_print_json_line(json_t *v);

/* Prints a JSON value indented (docker inspect style) to stdout. */
void ccli_print_json_pretty(json_t *v);

/* The current unix time. */
int64_t ccli_now(void);

/* One subcommand of a command group (berth container run, berth image ls). */
struct ccli_sub {
    const char *name;
    const char *alias; /* another name, or NULL */
    const char *summary;
    int (*run)(struct cli_globals *g, int argc, char **argv);
};

/* A command group: its word, what its usage says it does, its subcommands. */
struct ccli_group {
    const char *name;
    const char *about;
    const struct ccli_sub *subs;
    size_t n_subs;
};

/* Runs the subcommand argv[1] names with argv + 1; prints the usage without one or for --help. */
int ccli_dispatch(const struct ccli_group *grp, struct cli_globals *g, int argc, char **argv);

#endif
