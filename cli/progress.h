/*
 * Progress of a lifecycle command, docker compose style. Items ("Container
 * demo-web-1", "Network demo_default") move through texts (Creating, Created,
 * Starting, Started, Healthy ...) driven by the engine's state and resource
 * events. Modes:
 *   tty    a live view redrawn in place ("[+] Running 2/3", a spinner or a
 *          check mark per item, its elapsed time on the right);
 *   plain  one line per change ("Container demo-web-1  Started");
 *   json   one JSON object per change ({"id", "text", "status"});
 *   quiet  nothing.
 * Everything goes to one stream (stderr in the CLI). Rendering is a pure
 * function of the items and the time so it can be tested.
 */
#ifndef BERTH_CLI_PROGRESS_H
#define BERTH_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <berth/compose.h>

struct event_base;
struct progress;

enum progress_mode { PROGRESS_TTY = 0, PROGRESS_PLAIN, PROGRESS_JSON, PROGRESS_QUIET };

/* Where an item is. */
enum progress_status { PROGRESS_WORKING = 0, PROGRESS_DONE, PROGRESS_WARNING, PROGRESS_ERROR };

/*
 * The mode for --progress (NULL/"auto": tty when fd is a terminal other
 * than TERM=dumb, else plain).
 */
enum progress_mode progress_mode_for(const char *flag, int fd);

/*
 * A progress display on out. title is the header verb ("Running",
 * "Pulling"). color enables ANSI colours in tty mode.
 */
struct progress *progress_new(enum progress_mode mode, FILE *out, const char *title, bool color);

/*
 * Foreground `up`: the view stays plain (logs are printed meanwhile) and
 * shows only completed steps (Created, Recreated, Stopped, Removed ...),
 * errors and resources; starts and exits are left to the log view.
 */
void progress_set_foreground(struct progress *p, bool on);

/* --quiet-pull: image pulls are not shown. */
void progress_set_quiet_pull(struct progress *p, bool on);

/* Sets item id (created on first use) to text with a status and an optional detail. */
void progress_update(struct progress *p, const char *id, const char *text,
                     enum progress_status st, const char *detail, uint64_t now_ms);

/* Translates an engine event (state, resource, warning) into item updates. */
void progress_event(struct progress *p, const struct berth_compose_event *ev, uint64_t now_ms);

/* Prints a message line (a warning ...) above the live view. */
void progress_message(struct progress *p, const char *fmt, ...) BERTH_PRINTF(2, 3);

/* Writes the tty frame (header and one line per item) for terminal width columns. */
void progress_render(const struct progress *p, uint64_t now_ms, int width, FILE *out);

/* True while an item is still working. */
bool progress_busy(const struct progress *p);

/* Number of items. */
size_t progress_count(const struct progress *p);

/* tty mode: redraws the spinner every 100 ms on base while items are working. */
void progress_attach(struct progress *p, struct event_base *base);

/* Draws the final frame (tty) and stops the ticker; the cursor is shown again. */
void progress_finish(struct progress *p);

/* Frees the display (finishing it first; NULL is fine). */
void progress_free(struct progress *p);

#endif
