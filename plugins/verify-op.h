/*
 * Verification ops started by other library modules (the container API,
 * the compose engine, sandbox runs). Internal.
 */
#ifndef BERTH_PLUGINS_VERIFY_OP_H
#define BERTH_PLUGINS_VERIFY_OP_H

#include <berth/spec.h>
#include <berth/verify.h>

/*
 * berth_verify_images() for a module that owns the op: when the engine is
 * freed first, the op is only made inert, and the owner still frees it with
 * berth_verify_op_discard() (the engine's slots are freed in an order where
 * the owner may go after the verification state). After its callback has
 * run the op is gone: the owner forgets it there.
 */
struct berth_verify_op *verify_op_start(struct berth_engine *eng, const char *const *refs,
                                        const struct berth_verify_options *opts,
                                        berth_verify_done_fn done, void *user, bool owned,
                                        struct berth_error **err);

/*
 * Picks image's "repository@sha256:<digest>" among the backend's
 * repo_digests (the same repository; for a short name, the same path on the
 * registry it resolved to; a digest in the reference must match). NULL with
 * *why set when there is none or it is a localhost/ image. Malloc'd.
 */
char *verify_pick_digest(const char *image, const char *const *repo_digests, const char **why);

/*
 * Verifies spec->image on b before a container is created from it, with the
 * engine's policy in the effective mode (pulling it first as the spec's pull
 * policy allows: "never" does not pull, "always" pulls again). Returns the
 * owned op, or NULL when there is nothing to verify (mode off, no image, a
 * backend without images) — with *err set when the BERTH_VERIFY value is bad.
 */
struct berth_verify_op *verify_spec_image(struct berth_engine *eng, struct berth_backend *b,
                                          const struct berth_container_spec *spec,
                                          berth_verify_done_fn done, void *user,
                                          struct berth_error **err);

#endif
