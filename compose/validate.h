/*
 * Semantic validation of a normalised model: references to undefined or
 * disabled services, networks, volumes, secrets and configs, dependency
 * cycles (named: a -> b -> a), conflicting attributes, mount targets,
 * scale/container_name, healthcheck tests, resource definitions. Every
 * problem is recorded with the position of the value it is about. Internal.
 */
#ifndef BERTH_COMPOSE_VALIDATE_H
#define BERTH_COMPOSE_VALIDATE_H

#include <jansson.h>

#include "compose/diag.h"
#include "compose/normalize.h"
#include "compose/yaml.h"

/*
 * Checks model. all_services is the merged services mapping (active and
 * disabled services, to tell "disabled by a profile" from "undefined").
 * Returns -1 when a problem was recorded.
 */
int validate_model(const json_t *model, const struct posidx *pos,
                   const struct ynode *all_services, struct diag *d);

#endif
