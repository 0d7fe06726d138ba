/* Health checks run by berth through the backend's exec. Internal. */
#ifndef BERTH_COMPOSE_HEALTH_H
#define BERTH_COMPOSE_HEALTH_H

#include "compose/engine-internal.h"

/* Parses a service's healthcheck section into cfg (disabled when absent/NONE/disable). */
int health_config_parse(const json_t *def, struct health_config *cfg, struct berth_error **err);
/* Frees what cfg holds. */
void health_config_free(struct health_config *cfg);
/* Creates the (stopped) checker of replica r. */
struct health *health_new(struct replica *r);
/* (Re)starts probing: the start period begins now, failures reset. */
void health_start(struct health *h);
/* Stops probing (a probe in flight is discarded). */
void health_stop(struct health *h);
/* True while probing. */
bool health_running(const struct health *h);
/* Consecutive failed probes counted so far. */
int health_failures(const struct health *h);
/* True once a probe failed since the checker started (the early one included). */
bool health_failed_once(const struct health *h);
/* Frees h (NULL is fine). */
void health_free(struct health *h);

#endif
