/* Names of the ABI's enumerations (declared in berth/backend.h). */
#include "config.h"

#include <berth/backend.h>

/* The feature's short name, as used in `berth backends` and docs. */
const char *berth_feature_name(enum berth_feature f)
{
    static const char *const names[BERTH_FEAT_COUNT] = {
        [BERTH_FEAT_HEALTHCHECK] = "healthcheck",
        [BERTH_FEAT_RESTART] = "restart",
        [BERTH_FEAT_SECCOMP] = "seccomp",
        [BERTH_FEAT_NO_NEW_PRIVILEGES] = "no-new-privileges",
        [BERTH_FEAT_PRIVILEGED] = "privileged",
        [BERTH_FEAT_NETWORK_ALIASES] = "network-aliases",
        [BERTH_FEAT_INTERNAL_NETWORKS] = "internal-networks",
        [BERTH_FEAT_PORT_PUBLISH] = "port-publish",
        [BERTH_FEAT_NAMED_VOLUMES] = "named-volumes",
        [BERTH_FEAT_TMPFS] = "tmpfs",
        [BERTH_FEAT_RESOURCE_LIMITS] = "resource-limits",
        [BERTH_FEAT_USERNS] = "userns",
        [BERTH_FEAT_BUILD] = "build",
        [BERTH_FEAT_EXEC] = "exec",
        [BERTH_FEAT_EVENTS] = "events",
        [BERTH_FEAT_IMAGES] = "images",
        [BERTH_FEAT_READ_ONLY_ROOTFS] = "read-only-rootfs",
        [BERTH_FEAT_CAPABILITIES] = "capabilities",
        [BERTH_FEAT_USER] = "user",
        [BERTH_FEAT_STOP_SIGNAL] = "stop-signal",
        [BERTH_FEAT_VM_ISOLATION] = "vm-isolation",
    };
    if ((int)f < 0 || f >= BERTH_FEAT_COUNT)
        return NULL;
    return names[f];
}

/* The support level's name. */
const char *berth_support_name(enum berth_support s)
{
    switch (s) {
    case BERTH_SUPPORT_UNSUPPORTED:
        return "unsupported";
    case BERTH_SUPPORT_NATIVE:
        return "native";
    case BERTH_SUPPORT_EMULATED:
        return "emulated";
    case BERTH_SUPPORT_PARTIAL:
        return "partial";
    }
    return "unknown";
}

/* The state's name as docker prints it. */
const char *berth_cstate_name(enum berth_cstate s)
{
    switch (s) {
    case BERTH_CSTATE_UNKNOWN:
        return "unknown";
    case BERTH_CSTATE_CREATED:
        return "created";
    case BERTH_CSTATE_RUNNING:
        return "running";
    case BERTH_CSTATE_PAUSED:
        return "paused";
    case BERTH_CSTATE_RESTARTING:
        return "restarting";
    case BERTH_CSTATE_EXITED:
        return "exited";
    case BERTH_CSTATE_REMOVING:
        return "removing";
    case BERTH_CSTATE_DEAD:
        return "dead";
    }
    return "unknown";
}

/* The health's name as docker prints it ("" for none). */
const char *berth_health_name(enum berth_health h)
{
    switch (h) {
    case BERTH_HEALTH_NONE:
        return "";
    case BERTH_HEALTH_STARTING:
        return "starting";
    case BERTH_HEALTH_HEALTHY:
        return "healthy";
    case BERTH_HEALTH_UNHEALTHY:
        return "unhealthy";
    }
    return "";
}

/* The operation's name, used in errors and logs. */
const char *berth_op_kind_name(enum berth_op_kind k)
{
    static const char *const names[BERTH_OP_COUNT] = {
        [BERTH_OP_PROBE] = "probe",
        [BERTH_OP_IMAGE_PULL] = "image-pull",
        [BERTH_OP_IMAGE_INSPECT] = "image-inspect",
        [BERTH_OP_IMAGE_LIST] = "image-list",
        [BERTH_OP_IMAGE_REMOVE] = "image-remove",
        [BERTH_OP_IMAGE_BUILD] = "image-build",
        [BERTH_OP_CONTAINER_CREATE] = "container-create",
        [BERTH_OP_CONTAINER_START] = "container-start",
        [BERTH_OP_CONTAINER_STOP] = "container-stop",
        [BERTH_OP_CONTAINER_KILL] = "container-kill",
        [BERTH_OP_CONTAINER_REMOVE] = "container-remove",
        [BERTH_OP_CONTAINER_INSPECT] = "container-inspect",
        [BERTH_OP_CONTAINER_LIST] = "container-list",
        [BERTH_OP_CONTAINER_LOGS] = "container-logs",
        [BERTH_OP_CONTAINER_WAIT] = "container-wait",
        [BERTH_OP_CONTAINER_EXEC] = "container-exec",
        [BERTH_OP_CONTAINER_PORT] = "container-port",
        [BERTH_OP_NETWORK_CREATE] = "network-create",
        [BERTH_OP_NETWORK_INSPECT] = "network-inspect",
        [BERTH_OP_NETWORK_REMOVE] = "network-remove",
        [BERTH_OP_NETWORK_LIST] = "network-list",
        [BERTH_OP_VOLUME_CREATE] = "volume-create",
        [BERTH_OP_VOLUME_INSPECT] = "volume-inspect",
        [BERTH_OP_VOLUME_REMOVE] = "volume-remove",
        [BERTH_OP_VOLUME_LIST] = "volume-list",
        [BERTH_OP_EVENTS] = "events",
    };
    if ((int)k < 0 || k >= BERTH_OP_COUNT || names[k] == NULL)
        return "unknown";
    return names[k];
}
