/*
 * Sandbox internals: the container spec a sandbox run uses, and the checks
 * of a backend's capabilities against it (never installed).
 */
#ifndef BERTH_PLUGINS_SANDBOX_INTERNAL_H
#define BERTH_PLUGINS_SANDBOX_INTERNAL_H

#include <berth/runtime.h>
#include <berth/sandbox.h>

#include "core/util.h"

/* Labels a sandbox carries. */
#define SANDBOX_N_LABELS 5

/* A sandbox's container spec and the storage it points into. */
struct sandbox_spec {
    struct berth_container_spec spec;
    struct berth_kv labels[SANDBOX_N_LABELS];
    char *created, *expires;
    struct berth_mount_spec *mounts;
    size_t n_mounts;
    struct strv command;
    const char *cap_drop[2];
    const char *security_opt[3];
    char *seccomp_opt;
};

/*
 * Builds the spec of a sandbox named name from o (tier, defaults, mounts
 * read-only unless read_write, /tmp tmpfs, labels with now_s and the
 * timeout). seccomp_path is the profile to use (hardened, untrusted).
 * Fails with BERTH_E_INVALID on a bad option (naming it).
 */
int sandbox_spec_build(struct sandbox_spec *s, const struct berth_sandbox_options *o,
                       const char *name, const char *seccomp_path, int64_t now_s,
                       struct berth_error **err);

/* Frees what sandbox_spec_build() allocated. */
void sandbox_spec_free(struct sandbox_spec *s);

/*
 * Checks that b enforces every setting spec uses natively (each that is not
 * named in the error), and the tier's isolation: untrusted needs VM
 * isolation unless allow_shared_kernel. BERTH_E_UNSUPPORTED otherwise.
 */
int sandbox_check_backend(const struct berth_backend *b, const struct berth_container_spec *spec,
                          enum berth_sandbox_tier tier, bool allow_shared_kernel,
                          struct berth_error **err);

/*
 * Checks a seccomp profile file: readable, a JSON object with a
 * defaultAction. Returns its absolute path (malloc'd) or NULL with *err.
 */
char *sandbox_seccomp_check(const char *path, const char *origin, struct berth_error **err);

/* RFC 3339 UTC text of a unix time into buf. */
void sandbox_rfc3339(int64_t t, char *buf, size_t size);

/* Parses sandbox_rfc3339() text back; -1 when it is not of that form. */
int sandbox_parse_rfc3339(const char *s, int64_t *out);

#endif
