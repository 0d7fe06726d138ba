/*
 * Output parsers of the docker-protocol driver: podman, docker and nerdctl
 * output (JSON arrays, one JSON object per line, plain text) into berth's
 * normalised result types.
 *
 * Results live in an arena the caller frees. Nothing from the runtime is
 * trusted: a malformed or truncated document, a missing required field or a
 * value of the wrong type is a BERTH_E_PARSE error naming the command.
 */
#ifndef BERTH_BACKENDS_DOCKER_PARSE_H
#define BERTH_BACKENDS_DOCKER_PARSE_H

#include <berth/backend.h>

#include "backends/docker-argv.h"
#include "backends/drv-util.h"

/* What a parser needs: the host (errors), the result arena and the command's name. */
struct docker_parse {
    const struct berth_host *host;
    struct drv_arena *arena;
    const char *cmd; /* "podman container inspect": prefixes error messages */
};

/* Maps a runtime state word ("running", "exited", podman's "configured" ...). */
enum berth_cstate docker_parse_state(const char *s);

/* Maps a runtime health word ("healthy" ...); "" and unknown words give NONE. */
enum berth_health docker_parse_health(const char *s);

/*
 * Classifies a failed command's stderr: "no such container", "not found" ...
 * → BERTH_E_NOT_FOUND; "already exists", "already in use" → BERTH_E_EXISTS;
 * anything else → BERTH_E_BACKEND.
 */
int docker_parse_error_code(const char *stderr_text);

/* `container inspect` (a JSON array of objects). */
int docker_parse_container_inspect(const struct docker_parse *p, const char *text, size_t len,
                                   const struct berth_container_info **out, size_t *n_out,
                                   struct berth_error **err);

/*
 * `ps`: podman's JSON array or one JSON object per line (docker, nerdctl).
 * Entries not carrying every label filter are dropped (the driver passes the
 * filters a runtime could not apply exactly itself).
 */
int docker_parse_ps(const struct docker_parse *p, enum docker_dialect d, const char *text,
                    size_t len, const struct berth_kv *filters, size_t n_filters,
                    const struct berth_container_info **out, size_t *n_out,
                    struct berth_error **err);

/* `image inspect` (a JSON array). */
int docker_parse_image_inspect(const struct docker_parse *p, const char *text, size_t len,
                               const struct berth_image_info **out, size_t *n_out,
                               struct berth_error **err);

/* `images`: podman's array or docker's lines (one per tag: merged by id). */
int docker_parse_images(const struct docker_parse *p, enum docker_dialect d, const char *text,
                        size_t len, const struct berth_kv *filters, size_t n_filters,
                        const struct berth_image_info **out, size_t *n_out,
                        struct berth_error **err);

/* `network inspect` / `network ls` (podman's lower-case keys or docker's). */
int docker_parse_networks(const struct docker_parse *p, enum docker_dialect d, bool list,
                          const char *text, size_t len, const struct berth_kv *filters,
                          size_t n_filters, const struct berth_network_info **out,
                          size_t *n_out, struct berth_error **err);

/* `volume inspect` / `volume ls`. */
int docker_parse_volumes(const struct docker_parse *p, enum docker_dialect d, bool list,
                         const char *text, size_t len, const struct berth_kv *filters,
                         size_t n_filters, const struct berth_volume_info **out, size_t *n_out,
                         struct berth_error **err);

/*
 * The runtime version from the probe's JSON (podman/docker/nerdctl version).
 * *engine is true when the output proves an engine answered (docker, nerdctl,
 * a remote podman's Server section); false for a local podman, whose CLI is
 * the engine: the caller still checks its runtime (docker_argv_probe_runtime).
 */
int docker_parse_probe(const struct docker_parse *p, enum docker_dialect d, const char *text,
                       size_t len, const char **version, bool *engine, struct berth_error **err);

/*
 * One line of `events`. Returns 1 with *ev filled, 0 for a line to skip
 * (blank, or an event kind berth has no use for), -1 on malformed input.
 */
int docker_parse_event(const struct docker_parse *p, const char *line, size_t len,
                       struct berth_event_info *ev, struct berth_error **err);

/* `port` output ("80/tcp -> 0.0.0.0:8080" per line). */
int docker_parse_ports(const struct docker_parse *p, const char *text, size_t len,
                       const struct berth_port_binding **out, size_t *n_out,
                       struct berth_error **err);

/* `wait` output: the exit code. */
int docker_parse_wait(const struct docker_parse *p, const char *text, size_t len, int *code,
                      struct berth_error **err);

/* The id or name a create command prints (its last non-empty line). */
int docker_parse_id(const struct docker_parse *p, const char *text, size_t len, const char **id,
                    struct berth_error **err);

/*
 * `top CTR pid ppid args`: the pids of exec sessions' root processes (ppid 0,
 * pid not 1) whose command line is cmdline. *pids is a NULL-terminated arena
 * vector (NULL when none).
 */
int docker_parse_top(const struct docker_parse *p, const char *text, size_t len,
                     const char *cmdline, const char *const **pids, struct berth_error **err);

/*
 * `limactl list --json` (one object per line, or an array): the status of
 * instance ("Running", "Stopped" ...), NULL when there is no such instance.
 */
int docker_parse_lima_status(const struct docker_parse *p, const char *text, size_t len,
                             const char *instance, const char **status,
                             struct berth_error **err);

/*
 * Docker's "k=v,k=v" label strings (ps, network/volume ls). A segment
 * without '=' belongs to the previous value (values may contain commas).
 */
int docker_parse_label_string(const struct docker_parse *p, const char *s,
                              const struct berth_kv **out, size_t *n_out);

#endif
