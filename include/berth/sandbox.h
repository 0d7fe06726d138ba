/*
 * Sandbox runs: one-off containers for untrusted work, hardened by default.
 *
 * berth_sandbox_run() creates a container named
 * "<first 8 hex of sha256(image ref)>-<16 random hex>", labelled
 * io.berth.sandbox=1 (with the image, tier, creation and expiry times, so
 * that berth_sandbox_list() / berth_sandbox_prune() find leftovers after a
 * crash), runs the command attached on the engine's selected backend
 * (berth/container.h), streams or captures its output, and removes the
 * container when it ends. The image is verified first like every container
 * the container API creates (berth/verify.h).
 *
 * Tiers (presets):
 *   hardened (default): read-only root, no network (unless allow_network),
 *     every capability dropped, user 65534:65534, no-new-privileges, berth's
 *     seccomp allowlist (or seccomp_profile), a 64m noexec,nosuid tmpfs on
 *     /tmp, 256 pids, 512m memory, 1 CPU, no host mounts but the ones given
 *     (read-only unless read_write), stdin closed, a wall-clock timeout
 *     (default 5 min) after which the container is killed.
 *   isolated: no network (always), stdin closed, the timeout and the given
 *     mounts; otherwise the runtime's defaults.
 *   untrusted: hardened, and refused on shared-kernel backends (every one
 *     but those isolating each container in its own VM) unless
 *     allow_shared_kernel.
 * Every setting is checked against the backend's capability table: one the
 * backend cannot enforce natively is an error, never silently dropped.
 */
#ifndef BERTH_SANDBOX_H
#define BERTH_SANDBOX_H

#include <berth/backend.h>
#include <berth/berth.h>
#include <berth/container.h>
#include <berth/spec.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_engine;

/** The label every sandbox container carries (value "1"). */
#define BERTH_SANDBOX_LABEL "io.berth.sandbox"
/** Label: the image reference it runs. */
#define BERTH_SANDBOX_LABEL_IMAGE "io.berth.sandbox.image"
/** Label: its tier. */
#define BERTH_SANDBOX_LABEL_TIER "io.berth.sandbox.tier"
/** Label: when it was created (RFC 3339, UTC). */
#define BERTH_SANDBOX_LABEL_CREATED "io.berth.sandbox.created"
/** Label: when its timeout ends (RFC 3339, UTC): past it, a running one is a leftover. */
#define BERTH_SANDBOX_LABEL_EXPIRES "io.berth.sandbox.expires"

/** Length of a sandbox name (without the NUL): 8 hex, '-', 16 hex. */
#define BERTH_SANDBOX_NAME_LEN 25

/** Defaults of the hardened profile. */
#define BERTH_SANDBOX_USER_DEFAULT "65534:65534"
#define BERTH_SANDBOX_MEMORY_DEFAULT (512ll * 1024 * 1024)
#define BERTH_SANDBOX_CPUS_DEFAULT 1.0
#define BERTH_SANDBOX_PIDS_DEFAULT 256
#define BERTH_SANDBOX_TMP_SIZE_DEFAULT (64ll * 1024 * 1024)
#define BERTH_SANDBOX_TIMEOUT_DEFAULT_MS (5u * 60u * 1000u)
/** Default bytes of output kept per stream when captured. */
#define BERTH_SANDBOX_CAPTURE_DEFAULT (1024 * 1024)
/** File name of the shipped seccomp profile in the package data directory. */
#define BERTH_SANDBOX_SECCOMP_FILE "seccomp-sandbox.json"

/** Tiers. */
enum berth_sandbox_tier {
    BERTH_SANDBOX_HARDENED = 0,
    BERTH_SANDBOX_ISOLATED,
    BERTH_SANDBOX_UNTRUSTED,
};

/** The tier's name ("hardened", "isolated", "untrusted"), NULL when out of range. */
BERTH_API const char *berth_sandbox_tier_name(enum berth_sandbox_tier t);

/** Parses a tier name. Fails with BERTH_E_INVALID naming the accepted words. */
BERTH_API int berth_sandbox_tier_parse(const char *s, enum berth_sandbox_tier *out,
                                       struct berth_error **err);

/** A host path mounted into the sandbox. */
struct berth_sandbox_mount {
    const char *source; /* absolute host path (must exist) */
    const char *target; /* absolute path in the container */
    bool read_write;    /* default: read-only */
};

/** Options of berth_sandbox_run(). Zero-initialise, then set what you need. */
struct berth_sandbox_options {
    const char *image;          /* required */
    const char *const *command; /* NULL-terminated; NULL = the image's command */
    enum berth_sandbox_tier tier;
    bool allow_network;         /* hardened/untrusted: the runtime's default network */
    bool allow_shared_kernel;   /* untrusted on a shared-kernel backend */
    const char *seccomp_profile; /* a profile file replacing berth's, NULL = berth's */
    const struct berth_sandbox_mount *mounts;
    size_t n_mounts;
    const struct berth_kv *env;
    size_t n_env;
    const char *workdir;
    const char *user;       /* NULL = 65534:65534 (hardened, untrusted) */
    int64_t memory;         /* bytes, 0 = 512m */
    double cpus;            /* 0 = 1 */
    int64_t pids_limit;     /* 0 = 256 */
    int64_t tmp_size;       /* bytes of the /tmp tmpfs, 0 = 64m */
    uint64_t timeout_ms;    /* wall clock from the container's start, 0 = 5 min */
    /* output lines as they come (NULL: captured, up to capture_limit per stream) */
    berth_op_line_fn on_line;
    void *stream_user;
    size_t capture_limit;   /* 0 = 1 MiB */
};

/** The outcome of a sandbox run, valid during the completion callback only. */
struct berth_sandbox_result {
    /* NULL when the command ran to its end (whatever its exit code);
       BERTH_E_TIMEOUT when the timeout killed it, BERTH_E_CANCELLED, or why
       it could not run (capabilities, verification, the backend ...) */
    const struct berth_error *error;
    const char *name;     /* the container's name */
    const char *backend;  /* the backend it ran on, or NULL */
    int exit_code;        /* the command's exit code; 137 when killed; -1 unknown */
    bool timed_out;
    const char *out;      /* captured stdout (NUL-terminated), NULL when streamed */
    size_t out_len;
    bool out_truncated;   /* more than capture_limit bytes were written */
    const char *err;      /* captured stderr, likewise */
    size_t err_len;
    bool err_truncated;
};

/** A running sandbox. */
struct berth_sandbox_op;

/** The completion callback (exactly once, from the loop). */
typedef void (*berth_sandbox_done_fn)(const struct berth_sandbox_result *res, void *user);

/**
 * Writes a new sandbox name for image into out: the first 8 hex digits of
 * SHA-256 of the reference, '-', 16 hex digits of fresh randomness. Fails
 * (BERTH_E_SYSTEM) only when no randomness can be had.
 */
BERTH_API int berth_sandbox_name(const char *image, char out[BERTH_SANDBOX_NAME_LEN + 1],
                                 struct berth_error **err);

/** True when name has the form of a sandbox name. */
BERTH_API bool berth_sandbox_name_valid(const char *name);

/**
 * The seccomp profile used by default: $BERTH_SECCOMP_PROFILE when set
 * (tests point it at the source tree), else the installed
 * <pkgdatadir>/seccomp-sandbox.json.
 */
BERTH_API const char *berth_sandbox_default_seccomp(void);

/**
 * Runs a sandbox (see the top of this header). Returns NULL with *err set
 * (BERTH_E_INVALID) when the options are wrong: no image, a relative or
 * missing mount source, a relative target, an unreadable or malformed
 * seccomp profile, allow_network with the isolated tier. Capability and
 * isolation checks happen once the backend is selected and fail the op
 * (BERTH_E_UNSUPPORTED) before anything is created.
 */
BERTH_API struct berth_sandbox_op *berth_sandbox_run(struct berth_engine *eng,
                                                     const struct berth_sandbox_options *opts,
                                                     berth_sandbox_done_fn done, void *user,
                                                     struct berth_error **err);

/**
 * Stops a sandbox: its container is killed and removed, and the callback
 * fires (on a later loop turn) with BERTH_E_CANCELLED. No effect once the
 * callback has run, or from it.
 */
BERTH_API void berth_sandbox_op_cancel(struct berth_sandbox_op *op);

/** The container name of a running sandbox. */
BERTH_API const char *berth_sandbox_op_name(const struct berth_sandbox_op *op);

/**
 * Lists every sandbox container on the engine's backend, running or not
 * (result.containers; labels carry the image, tier and times).
 */
BERTH_API struct berth_container_op *berth_sandbox_list(struct berth_engine *eng,
                                                        berth_container_done_fn done, void *user,
                                                        struct berth_error **err);

/** What berth_sandbox_prune() removed. */
struct berth_sandbox_prune_result {
    const struct berth_error *error;   /* a listing failure, or a summary of failed removals */
    const char *const *removed;        /* names removed, NULL-terminated */
    size_t n_removed;
};

/** The prune callback. */
typedef void (*berth_sandbox_prune_fn)(const struct berth_sandbox_prune_result *res, void *user);

/**
 * Removes leftover sandboxes: every stopped one, and running ones whose
 * expiry label has passed (their berth is gone); with all, running ones
 * too (killed).
 */
BERTH_API struct berth_sandbox_op *berth_sandbox_prune(struct berth_engine *eng, bool all,
                                                       berth_sandbox_prune_fn done, void *user,
                                                       struct berth_error **err);

#ifdef __cplusplus
}
#endif
#endif
