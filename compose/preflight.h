/*
 * Capability preflight of an up/run/create: what the selected services need
 * against the backend's capability table, before anything is created.
 * Internal.
 */
#ifndef BERTH_COMPOSE_PREFLIGHT_H
#define BERTH_COMPOSE_PREFLIGHT_H

#include <stdbool.h>

#include <berth/error.h>

struct berth_compose;

/*
 * Checks every selected service (sel[i] for c->services[i], i < n_defined).
 * Emulated features are fine (berth's engine provides them). An unsupported
 * or partial feature is one warning per feature and service; with strict, an
 * unsupported one is an error naming every service and feature (-1, *err)
 * and partial ones are errors too.
 */
int preflight_check(struct berth_compose *c, const bool *sel, bool strict,
                    struct berth_error **err);

#endif
