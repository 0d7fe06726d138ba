/*
 * An in-test backend driver for the verification and sandbox tests: images
 * with chosen repository digests (some only "in the registry" until
 * pulled), and containers that are recorded but never run anything. Several
 * driver tables share it, differing in name and capability table.
 */
#ifndef BERTH_TESTS_VERIFY_FAKE_H
#define BERTH_TESTS_VERIFY_FAKE_H

#include <stdbool.h>
#include <stddef.h>

#include <berth/backend.h>
#include <berth/spec.h>

/* An image the fake runtime knows. */
struct vf_image {
    const char *ref;        /* the reference it answers to */
    const char *id;         /* local id */
    const char *digests[4]; /* repo_digests, NULL-terminated */
    bool remote;            /* only present after IMAGE_PULL */
};

/* Capability variants of the driver. */
enum vf_variant {
    VF_FULL = 0,   /* "vfake": every sandbox feature native, shared kernel */
    VF_NO_SECCOMP, /* "vfake-noseccomp": seccomp unsupported */
    VF_VM,         /* "vfake-vm": like full, each container in its own VM */
    VF_NO_IMAGES,  /* "vfake-proc": runs host processes (no images) */
    VF_COUNT
};

/* The driver table of a variant. */
const struct berth_backend_driver *vf_driver(enum vf_variant v);

/* Resets the runtime: the image table (copied pointers, must outlive the test) and counters. */
void vf_reset(const struct vf_image *images, size_t n);

/* Number of calls of an operation kind since the reset. */
int vf_calls(enum berth_op_kind k);

/* Number of containers created since the reset. */
int vf_created(void);

/* A deep-enough copy of the last CONTAINER_CREATE spec's fields the tests read. */
struct vf_spec {
    char image[256];
    char name[128];
    char user[64];
    char network_mode[32];
    char pull_policy[16];
    bool read_only, rm, stdin_open;
    char cap_drop[8][32];
    char security_opt[8][512];
    char labels[8][160]; /* "key=value" */
    char mounts[8][256]; /* "type:source:target:ro:opts" */
    int64_t memory, pids_limit;
    double cpus;
    char command[8][64];
};

/* The last spec created. */
const struct vf_spec *vf_last_spec(void);

/*
 * Puts tests/fake-cosign on PATH as `cosign` (a symlink in dir/bin) and
 * points FAKE_COSIGN_LOG at dir/cosign.log. Returns 0, or -1 on failure.
 */
int vf_cosign_install(const char *dir);

/* Clears the fake cosign's settings (FAKE_COSIGN_*, BERTH_VERIFY, BERTH_COSIGN) and log. */
void vf_cosign_reset(void);

/* Number of cosign calls in the log. */
int vf_cosign_calls(void);

#endif
