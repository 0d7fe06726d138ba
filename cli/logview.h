/*
 * Log lines of several containers on one stream, docker compose style: a
 * prefix "name  | " padded to the longest name plus one, coloured per
 * container (colours rotate; none when colour is off), lines of one
 * container kept whole even when they arrive in pieces.
 */
#ifndef BERTH_CLI_LOGVIEW_H
#define BERTH_CLI_LOGVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <berth/common.h>

struct logview;

/* A view writing to out; prefix false prints bare lines (--no-log-prefix). */
struct logview *logview_new(FILE *out, bool color, bool prefix);

struct event_base;

/*
 * Batches output on base's loop: lines are flushed once per loop turn, not
 * one write per line. Without it (or after base NULL, which must come before
 * base is freed) every line is flushed at once.
 */
void logview_attach(struct logview *lv, struct event_base *base);

/* Registers a container name (its colour and the prefix width); idempotent. */
void logview_register(struct logview *lv, const char *name);

/*
 * Prints a piece of a line of name's output; complete ends the line. A
 * prefix is printed only at the start of a line.
 */
void logview_line(struct logview *lv, const char *name, const char *line, size_t len,
                  bool complete);

/* Prints a status line about a container in its colour ("web-1 exited with code 0"). */
void logview_status(struct logview *lv, const char *name, const char *fmt, ...)
    BERTH_PRINTF(3, 4);

/* The prefix width (longest name plus one). */
int logview_width(const struct logview *lv);

/* Frees the view (NULL is fine). */
void logview_free(struct logview *lv);

#endif
