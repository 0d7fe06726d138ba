/*
 * Image verification in the compose engine: the project's x-berth.verify
 * block read from the model (problems located in the compose files), and the
 * hook that verifies the images of the services an up/run brings up, after
 * images are pulled and before anything is created. Internal.
 */
#ifndef BERTH_COMPOSE_VERIFY_MODEL_H
#define BERTH_COMPOSE_VERIFY_MODEL_H

#include <jansson.h>

#include <berth/verify.h>

#include "compose/engine-internal.h"

struct verify_model_run;

/*
 * Reads model["x-berth"]["verify"] (NULL: absent -> NULL policy, no error).
 * Relative key paths resolve against working_dir. Problems are reported
 * together as "file:line:col: x-berth.verify.<path>: problem; hint: fix",
 * positions looked up in files (NULL-terminated, later files win).
 * Returns -1 with *err on a problem, else 0 with *out (NULL when absent).
 */
int verify_model_policy(const json_t *model, const char *working_dir, const char *const *files,
                        struct berth_verify_policy **out, struct berth_error **err);

/* A verification of the compose engine finished: err (taken over) stops the operation. */
typedef void (*verify_model_done_fn)(void *user, struct berth_error *err);

/*
 * Verifies the images of the selected services (sel indexed like
 * c->services) with the project's policy (else the engine's), in the
 * effective mode. done runs once: before this returns (and NULL is
 * returned) when there is nothing to verify (mode off, no images) or the
 * policy is invalid, else from the loop.
 */
struct verify_model_run *verify_model_images(struct berth_compose *c, const bool *sel,
                                             verify_model_done_fn done, void *user);

/* Cancels a running verification: done follows with BERTH_E_CANCELLED. */
void verify_model_cancel(struct verify_model_run *r);

/* Forgets a running verification: done is never called. */
void verify_model_discard(struct verify_model_run *r);

#endif
