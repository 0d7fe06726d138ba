/* Images of services: inspect, pull, build (per pull policy), remove. Internal. */
#ifndef BERTH_COMPOSE_IMAGES_H
#define BERTH_COMPOSE_IMAGES_H

#include "compose/engine-internal.h"

struct ibatch;

/* A batch finished: err (taken over) is the first failure, NULL on success. */
typedef void (*images_done_fn)(void *user, struct berth_error *err);

/* How images_run treats each selected service. */
struct images_plan {
    enum berth_pull_policy policy; /* DEFAULT: each service's pull_policy */
    bool build;          /* build services that have build: */
    bool no_build;       /* never build */
    bool pull_only;      /* the pull command: pull, never build */
    bool ignore_failures; /* failures become warnings */
};

/*
 * Makes the images of the selected services available (sets each service's
 * image_id) following plan. Backends without images (host processes) have
 * nothing to do. done runs once: before this returns (and NULL is returned)
 * when there was nothing to do, else from the loop (the batch is returned,
 * valid until done).
 */
struct ibatch *images_run(struct berth_compose *c, const bool *sel, const struct images_plan *plan,
                images_done_fn done, void *user);
/* Cancels a running batch: done follows with BERTH_E_CANCELLED. */
void images_cancel(struct ibatch *b);
/* Removes service images for down --rmi ("local": built ones without a custom tag; "all"). */
void images_remove(struct berth_compose *c, const char *rmi, images_done_fn done, void *user);

#endif
