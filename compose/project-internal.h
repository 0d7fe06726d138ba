/*
 * The loaded model, for the engine (inside libberth only; never installed).
 * The model is a jansson object shaped like `docker compose config --format
 * json` (see compose/normalize.h); it lives as long as the project.
 */
#ifndef BERTH_COMPOSE_PROJECT_INTERNAL_H
#define BERTH_COMPOSE_PROJECT_INTERNAL_H

#include <jansson.h>

#include <berth/project.h>

/* The whole normalised model (borrowed). Not normalised when loaded with no_normalize. */
const json_t *project_model(const struct berth_project *p);

/* The model of one active service (borrowed), or NULL. */
const json_t *project_service(const struct berth_project *p, const char *name);

/*
 * Every service the compose files define, active or not (profiles, targets),
 * NULL-terminated or NULL when none: containers of these are never orphans.
 */
const char *const *project_defined_services(const struct berth_project *p);

/* The project environment as a JSON object of strings (borrowed). */
const json_t *project_environment(const struct berth_project *p);

#endif
