/*
 * Profiles: a service that lists profiles is active only when one of them
 * is enabled (--profile, COMPOSE_PROFILES, or "*" for all), or when it is
 * targeted explicitly (which enables its profiles). Internal.
 */
#ifndef BERTH_COMPOSE_PROFILES_H
#define BERTH_COMPOSE_PROFILES_H

#include "compose/diag.h"
#include "compose/strmap.h"
#include "compose/yaml.h"
#include "core/util.h"

/*
 * The set of active service names (values unused) of a services mapping.
 * enabled holds the enabled profiles; targets the services named on the
 * command line (an unknown one is an error in d). enabled may grow with the
 * profiles of targeted services.
 */
struct strmap *profiles_active(const struct ynode *services, struct strv *enabled,
                               const struct strv *targets, struct diag *d);

/* Appends every profile any service uses, sorted and unique. */
void profiles_all(const struct ynode *services, struct strv *out);

/* Splits a COMPOSE_PROFILES value ("a,b") into out, skipping empty items. */
void profiles_split(const char *value, struct strv *out);

#endif
