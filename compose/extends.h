/*
 * `extends`: a service takes another service's definition (in the same file
 * or, with `file:`, in another one) and overrides it with its own keys, by
 * the merge rules. Chains are followed, cycles are errors. Relative paths of
 * a service taken from another file keep resolving against that file's
 * directory (each node remembers its source). Internal.
 */
#ifndef BERTH_COMPOSE_EXTENDS_H
#define BERTH_COMPOSE_EXTENDS_H

#include <jansson.h>

#include "compose/yaml.h"

struct loader;

/* Resolves every `extends` in root (the tree of file `path`). Returns -1 on errors. */
int extends_apply(struct loader *l, struct ynode *root, const char *path, const json_t *env);

#endif
