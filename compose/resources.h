/* Project networks and volumes: created before the services that need them, removed by down. Internal. */
#ifndef BERTH_COMPOSE_RESOURCES_H
#define BERTH_COMPOSE_RESOURCES_H

#include "compose/engine-internal.h"

struct batch;

/* A batch finished: err (taken over) is the first failure, NULL on success. */
typedef void (*resources_done_fn)(void *user, struct berth_error *err);

/*
 * Ensures every network and named volume the selected services use exists
 * (inspect; create with project labels unless external; an external one
 * that is missing is an error). done runs once: before this returns (and
 * NULL is returned) when there is nothing to do, else from the loop (the
 * batch is returned, valid until done).
 */
struct batch *resources_ensure(struct berth_compose *c, const bool *sel,
                               resources_done_fn done, void *user);
/* Removes the project's networks (and volumes), found by the project label; done as above. */
struct batch *resources_remove(struct berth_compose *c, bool volumes, resources_done_fn done,
                               void *user);
/* Cancels a running batch: done follows with BERTH_E_CANCELLED. */
void resources_cancel(struct batch *b);

#endif
