/*
 * The container spec: one definition shared by the compose engine, the
 * single-container API and every backend driver.
 *
 * All pointers are borrowed: the spec's owner keeps them alive for the
 * duration of the call that receives the spec; drivers copy what they keep.
 * Counts go with arrays; a NULL array with count 0 is "none".
 */
#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include <berth/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A key and an optional value (value NULL: a key without value). */
struct berth_kv {
    const char *key;
    const char *value;
};

/** A published port (one per container port; ranges are expanded by the loader). */
struct berth_port_spec {
    uint16_t target;       /* container port */
    const char *published; /* host port or host range "8000-8010"; NULL/"" = any free port */
    const char *host_ip;   /* NULL/"" = all addresses */
    const char *protocol;  /* "tcp" (NULL) | "udp" | "sctp" */
};

/** Mount kinds. */
enum berth_mount_type {
    BERTH_MOUNT_BIND = 0,
    BERTH_MOUNT_VOLUME,
    BERTH_MOUNT_TMPFS,
    BERTH_MOUNT_NPIPE,
};

/** A mount. For volumes, source is the runtime volume name (already project-scoped). */
struct berth_mount_spec {
    enum berth_mount_type type;
    const char *source; /* host path (bind), volume name (volume; NULL = anonymous) */
    const char *target; /* path in the container */
    bool read_only;
    bool create_host_path; /* bind: create the source directory if missing */
    bool no_copy;          /* volume: nocopy */
    const char *propagation; /* bind: rprivate, shared ... or NULL */
    const char *selinux;     /* bind: "z" | "Z" | NULL */
    int64_t tmpfs_size;      /* bytes, 0 = default */
    uint32_t tmpfs_mode;     /* 0 = default */
    const char *tmpfs_options; /* extra comma list for --tmpfs (e.g. "noexec,nosuid"), or NULL */
};

/** A network attachment. */
struct berth_network_attach {
    const char *name; /* runtime network name (project-scoped), or "none"/"host"/"bridge" */
    const char *const *aliases; /* NULL-terminated, may be NULL */
    const char *ipv4_address;
    const char *ipv6_address;
    const char *mac_address;
    int priority;
};

/** A ulimit (soft/hard; -1 = unlimited). */
struct berth_ulimit {
    const char *name;
    int64_t soft;
    int64_t hard;
};

/** Resource limits; 0 = unset. */
struct berth_resources {
    int64_t memory;             /* bytes */
    int64_t memory_reservation; /* bytes */
    int64_t memory_swap;        /* bytes, -1 = unlimited */
    double cpus;
    int64_t cpu_shares;
    const char *cpuset;
    int64_t pids_limit; /* 0 = unset, -1 = unlimited */
    int64_t shm_size;   /* bytes */
};

/** Everything needed to create one container (or one host process). */
struct berth_container_spec {
    const char *image;
    const char *name;
    const char *const *command;    /* NULL-terminated, NULL = image default */
    const char *const *entrypoint; /* NULL-terminated, NULL = image default; {NULL} = empty */
    const struct berth_kv *env;
    size_t n_env;
    const struct berth_kv *labels;
    size_t n_labels;
    const struct berth_port_spec *ports;
    size_t n_ports;
    const struct berth_mount_spec *mounts;
    size_t n_mounts;
    const struct berth_network_attach *networks; /* first = primary */
    size_t n_networks;
    const char *network_mode; /* "none", "host", "container:<id>", NULL = networks[] */
    const char *user;
    const char *workdir;
    const char *hostname;
    const char *domainname;
    bool read_only;
    bool privileged;
    bool init;
    bool tty;
    bool stdin_open;
    bool rm; /* remove when it exits */
    const char *const *cap_add;      /* NULL-terminated */
    const char *const *cap_drop;     /* NULL-terminated */
    const char *const *security_opt; /* "no-new-privileges", "seccomp=/path", ... */
    const char *const *dns;
    const char *const *dns_search;
    const char *const *dns_opt;
    const char *const *extra_hosts; /* "host:ip" */
    const char *const *group_add;
    const struct berth_kv *sysctls;
    size_t n_sysctls;
    const struct berth_ulimit *ulimits;
    size_t n_ulimits;
    struct berth_resources resources;
    const char *stop_signal;   /* "SIGTERM" (NULL) */
    int stop_grace_seconds;    /* -1 = runtime default */
    const char *platform;
    const char *pull_policy;   /* NULL = missing */
    const char *ipc;
    const char *pid;
    const char *uts;
    const char *userns_mode;
    const char *cgroup_parent;
    const char *runtime;
    const char *const *devices;
    const struct berth_kv *annotations;
    size_t n_annotations;
    const char *log_driver;
    const struct berth_kv *log_options;
    size_t n_log_options;
};

#ifdef __cplusplus
}
#endif
#endif
