/* Compose variable interpolation ($VAR, ${VAR:-default}, ${VAR:?err}, $$ ...). Internal. */
#ifndef BERTH_COMPOSE_INTERP_H
#define BERTH_COMPOSE_INTERP_H

#include <stdbool.h>
#include <stddef.h>

#include <berth/error.h>

/*
 * Looks a variable up. Returns its value, or NULL when the variable is unset.
 * An empty string means set-but-empty (which matters for ":-" vs "-").
 */
typedef const char *(*interp_lookup_fn)(const char *name, void *user);

/*
 * Expands every reference in `in` (full Compose grammar: $VAR, ${VAR},
 * ${VAR:-def}, ${VAR-def}, ${VAR:?msg}, ${VAR?msg}, ${VAR:+alt}, ${VAR+alt},
 * nested references inside def/alt/msg, $$ -> $). Returns a malloc'd string,
 * or NULL with *err set (BERTH_E_INVALID) for a malformed expression or a
 * required variable that is unset/empty; the message names the variable and
 * the error text from the expression. The caller adds file:line context.
 */
char *interp_expand(const char *in, interp_lookup_fn lookup, void *user,
                    struct berth_error **err);

/*
 * interp_expand over in[0..len) (which may hold NUL bytes); the result's
 * length goes to *out_len when out_len is not NULL. Messages (see the top of
 * interp.c for the exact grammar):
 *   invalid template: "<the template text>"
 *   required variable NAME is missing a value[: <expanded message>]
 */
char *interp_expand_len(const char *in, size_t len, interp_lookup_fn lookup, void *user,
                        size_t *out_len, struct berth_error **err);

/*
 * True if `in` contains anything interp_expand may change or reject: "$$",
 * "$" before a name character, or "${". False means interp_expand would
 * return `in` unchanged (a "$" before anything else is literal).
 */
bool interp_needed(const char *in);

#endif
