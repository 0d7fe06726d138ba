/*
 * Loader diagnostics: every problem found in a compose project, each with
 * file:line:col, the key path, the message and a fix hint. The loader keeps
 * going after an error where it can, so that one run reports all of them.
 * Internal.
 */
#ifndef BERTH_COMPOSE_DIAG_H
#define BERTH_COMPOSE_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include <berth/common.h>
#include <berth/error.h>

struct ynode;

struct diag_entry {
    char *file; /* display name, or NULL when the problem has no position */
    int line, col;
    char *path; /* key path such as services.web.ports[0], or NULL */
    char *msg;
    char *hint; /* or NULL */
};

struct diag {
    struct diag_entry *v;
    size_t n, cap;
    size_t limit; /* stop recording after this many (0 = 200) */
    int code;     /* berth_errc of the first error */
};

/* Zero-initialises d. */
void diag_init(struct diag *d);

/* Frees every entry. */
void diag_free(struct diag *d);

/* Records an error at node `at` (may be NULL); path and hint may be NULL. */
void diag_add(struct diag *d, const struct ynode *at, const char *path, const char *hint,
              const char *fmt, ...) BERTH_PRINTF(5, 6);

/* Records an error at an explicit position (file may be NULL). */
void diag_add_pos(struct diag *d, const char *file, int line, int col, const char *path,
                  const char *hint, const char *fmt, ...) BERTH_PRINTF(7, 8);

/* Sets the error code used by diag_to_error (first call wins). */
void diag_set_code(struct diag *d, int code);

/* One entry formatted as "file:line:col: path: message; hint: hint" (malloc'd). */
char *diag_format(const struct diag_entry *e);

/*
 * Moves the recorded errors into *err as one berth_error (one line per
 * problem) and empties d. Returns -1 when there was at least one error, 0
 * otherwise.
 */
int diag_to_error(struct diag *d, struct berth_error **err);

#endif
