/*
 * Output of a model the way `docker compose config` prints it: `name` first,
 * then services, networks, volumes, secrets, configs, models and extensions,
 * every mapping sorted by key; JSON through jansson, YAML through libyaml's
 * emitter. Internal.
 */
#ifndef BERTH_COMPOSE_EMIT_H
#define BERTH_COMPOSE_EMIT_H

#include <jansson.h>

enum {
    EMIT_ESCAPE_DOLLAR = 1, /* write every '$' as "$$" so the output loads again */
    EMIT_COMPACT = 2,       /* JSON on one line */
};

/* A deep copy with docker compose's key order (and '$' escaped when asked). */
json_t *emit_ordered(const json_t *model, unsigned flags);

/* The model as JSON text (malloc'd, ends with a newline). */
char *emit_json(const json_t *model, unsigned flags);

/* The model as YAML text (malloc'd), or NULL if libyaml fails. */
char *emit_yaml(const json_t *model, unsigned flags);

#endif
