/*
 * The config hash of a service: SHA-256 of its canonical JSON (keys sorted,
 * compact) without the attributes that do not require recreating its
 * containers (build, pull_policy, scale, deploy.replicas, depends_on,
 * profiles, x- extensions). A different hash means "recreate". Internal.
 */
#ifndef BERTH_COMPOSE_HASH_H
#define BERTH_COMPOSE_HASH_H

#include <jansson.h>

#include <berth/error.h>

/* Writes the 64 hex digits (and a NUL) of svc's config hash into out. */
int hash_service(const json_t *svc, char out[65], struct berth_error **err);

#endif
