/* The container spec of a replica, built from the normalised model in one place. Internal. */
#ifndef BERTH_COMPOSE_SPEC_BUILD_H
#define BERTH_COMPOSE_SPEC_BUILD_H

#include "compose/engine-internal.h"

struct spec_build;

/*
 * Builds the spec of replica r (one-off overrides included). Returns NULL
 * with *err naming the service and the field for a model the backend cannot
 * be given (e.g. an undefined secret).
 */
struct spec_build *spec_build_new(const struct replica *r, struct berth_error **err);
/* The spec; valid until spec_build_free(). */
const struct berth_container_spec *spec_build_spec(const struct spec_build *sb);
/* Frees the spec and everything it points to. NULL is fine. */
void spec_build_free(struct spec_build *sb);
/* The runtime name of the project network `key` (its name:, else <project>_<key>). */
char *spec_build_network_name(const struct berth_compose *c, const char *key);
/* The runtime name of the project volume `key`. */
char *spec_build_volume_name(const struct berth_compose *c, const char *key);
/* The network keys a service uses (default when it names none and has no network_mode). */
void spec_build_service_networks(const struct service *svc, struct strv *keys);

#endif
