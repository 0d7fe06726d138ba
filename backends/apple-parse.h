/*
 * Output parsers of the Apple `container` driver. Its JSON is Swift Codable
 * output: dates are seconds since 2001-01-01 (JSONEncoder's default) or ISO
 * 8601 text, enums with associated values are one-key objects, and field
 * names changed across releases (an attachment's "address" became
 * "ipv4Address"): both spellings are read. Malformed or mistyped output is a
 * BERTH_E_PARSE error naming the command.
 */
#ifndef BERTH_BACKENDS_APPLE_PARSE_H
#define BERTH_BACKENDS_APPLE_PARSE_H

#include <berth/backend.h>

#include "backends/drv-util.h"

/* What a parser needs: the host (errors), the result arena, the command's name. */
struct apple_parse {
    const struct berth_host *host;
    struct drv_arena *arena;
    const char *cmd;
};

/* Seconds between 1970-01-01 and Apple's reference date 2001-01-01. */
#define APPLE_REFERENCE_DATE 978307200

/*
 * `container list --format json` and `container inspect`: arrays of
 * {status, configuration, networks[, startedDate]}. Entries without every
 * label filter are dropped; with running_only, stopped ones too.
 */
int apple_parse_containers(const struct apple_parse *p, const char *text, size_t len,
                           const struct berth_kv *filters, size_t n_filters, bool running_only,
                           const struct berth_container_info **out, size_t *n_out,
                           struct berth_error **err);

/* `container image inspect` (ImageDetail array). */
int apple_parse_image_inspect(const struct apple_parse *p, const char *text, size_t len,
                              const struct berth_image_info **out, size_t *n_out,
                              struct berth_error **err);

/* `container image list --format json` (ImageDescription array). */
int apple_parse_images(const struct apple_parse *p, const char *text, size_t len,
                       const struct berth_kv *filters, size_t n_filters,
                       const struct berth_image_info **out, size_t *n_out,
                       struct berth_error **err);

/* `container network list --format json` / `network inspect`. */
int apple_parse_networks(const struct apple_parse *p, const char *text, size_t len,
                         const struct berth_kv *filters, size_t n_filters,
                         const struct berth_network_info **out, size_t *n_out,
                         struct berth_error **err);

/* `container volume list --format json` / `volume inspect`. */
int apple_parse_volumes(const struct apple_parse *p, const char *text, size_t len,
                        const struct berth_kv *filters, size_t n_filters,
                        const struct berth_volume_info **out, size_t *n_out,
                        struct berth_error **err);

/* `container --version` ("container CLI version 0.5.0 (build: ...)"). */
int apple_parse_version(const struct apple_parse *p, const char *text, size_t len,
                        const char **version, struct berth_error **err);

/* The name a create printed (its last non-empty line). */
int apple_parse_id(const struct apple_parse *p, const char *text, size_t len, const char **id,
                   struct berth_error **err);

/* Classifies stderr: "notFound", "not found" → NOT_FOUND; "exists" → EXISTS; else BACKEND. */
int apple_parse_error_code(const char *stderr_text);

#endif
