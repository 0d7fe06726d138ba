/*
 * The Compose Specification's JSON schema, as C tables, checked against a
 * merged node tree: types, allowed and required properties, name patterns,
 * enums and bounds. Every problem is recorded (not only the first) with its
 * position, key path and a hint (the closest known key for a typo).
 * Internal.
 */
#ifndef BERTH_COMPOSE_SCHEMA_H
#define BERTH_COMPOSE_SCHEMA_H

#include "compose/diag.h"
#include "compose/yaml.h"

/*
 * Checks a whole project tree. Values of the wrong type and unknown keys are
 * removed from the tree after being reported, so that later stages can go on
 * checking the rest without tripping over them. Returns -1 when a problem
 * was recorded.
 */
int schema_check_project(struct ynode *root, struct diag *d);

/* Edit distance of two short strings (for "did you mean" hints). */
size_t schema_distance(const char *a, const char *b);

#endif
