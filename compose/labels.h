/* The labels docker compose puts on containers, networks and volumes. Internal. */
#ifndef BERTH_COMPOSE_LABELS_H
#define BERTH_COMPOSE_LABELS_H

#include "compose/engine-internal.h"
#include "compose/kvlist.h"

#define LABEL_PROJECT "com.docker.compose.project"
#define LABEL_SERVICE "com.docker.compose.service"
#define LABEL_NUMBER "com.docker.compose.container-number"
#define LABEL_ONEOFF "com.docker.compose.oneoff"
#define LABEL_HASH "com.docker.compose.config-hash"
#define LABEL_DEPENDS_ON "com.docker.compose.depends_on"
#define LABEL_WORKING_DIR "com.docker.compose.project.working_dir"
#define LABEL_CONFIG_FILES "com.docker.compose.project.config_files"
#define LABEL_IMAGE "com.docker.compose.image"
#define LABEL_NETWORK "com.docker.compose.network"
#define LABEL_VOLUME "com.docker.compose.volume"
#define LABEL_VERSION "com.docker.compose.version"
#define LABEL_SLUG "com.docker.compose.slug"

/* The service's user labels, then every compose label of replica r, into out. */
void labels_container(const struct replica *r, struct kvlist *out);
/* "db:service_healthy:false,..." sorted by name (com.docker.compose.depends_on). */
char *labels_depends_on(const struct service *svc);
/* The condition's compose name ("service_healthy"). */
const char *labels_condition_name(enum dep_cond c);
/* Labels of a project network (key = its key in the model). */
void labels_network(const struct berth_compose *c, const char *key, const json_t *def,
                    struct kvlist *out);
/* Labels of a project volume. */
void labels_volume(const struct berth_compose *c, const char *key, const json_t *def,
                   struct kvlist *out);

#endif
