/*
 * `include`: other compose projects (path, project_directory, env_file)
 * loaded on their own and imported into the including file. A resource an
 * included project defines differently from the including file is an error.
 * Internal.
 */
#ifndef BERTH_COMPOSE_INCLUDE_H
#define BERTH_COMPOSE_INCLUDE_H

#include <jansson.h>

#include "compose/yaml.h"

struct loader;

/* Applies and removes the `include` key of root (file `path`). Returns -1 on errors. */
int include_apply(struct loader *l, struct ynode *root, const char *path, const json_t *env);

#endif
