/*
 * Variables of a compose project: the environment used for interpolation
 * and for value-less `environment:` entries (shell environment over
 * --env-file / .env), and interpolation of a whole node tree. Internal.
 */
#ifndef BERTH_COMPOSE_VARS_H
#define BERTH_COMPOSE_VARS_H

#include <stdbool.h>

#include <jansson.h>

#include "compose/diag.h"
#include "compose/yaml.h"

/* Called with each variable a template uses plainly ($X, ${X}) while it is unset. */
typedef void (*vars_unset_fn)(const char *name, void *user);

/* An interp_lookup_fn over a JSON object of strings (user = the json_t *). */
const char *vars_lookup(const char *name, void *user);

/* A JSON object from a NULL-terminated KEY=VALUE array (NULL: the process environment). */
json_t *vars_from_envp(const char *const *envp);

/*
 * Interpolates every scalar value (never keys) of root with env. Errors go to
 * d with the node position and key path (base_path prefixes the paths, may be
 * NULL). unset (may be NULL) hears about plain references to unset variables.
 * Returns -1 when an error was recorded.
 */
int vars_interpolate(struct ynode *root, const json_t *env, const char *base_path,
                     vars_unset_fn unset, void *unset_user, struct diag *d);

/* Interpolates one string (for `name:` before the project name is known). */
char *vars_expand(const char *text, const json_t *env, struct berth_error **err);

#endif
