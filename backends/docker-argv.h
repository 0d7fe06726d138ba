/*
 * Command lines of the docker-protocol driver: one function per operation,
 * turning a request into an argv for podman, docker or nerdctl (optionally
 * behind a prefix such as `limactl shell default`).
 *
 * Every value is its own argv element; positionals that could read as flags
 * are refused (names are validated) or placed after `--`. Nothing here runs
 * a process: the functions are pure, so the unit tests check them directly.
 */
#ifndef BERTH_BACKENDS_DOCKER_ARGV_H
#define BERTH_BACKENDS_DOCKER_ARGV_H

#include <berth/backend.h>

#include "backends/drv-util.h"

/* The CLI dialects the driver speaks. */
enum docker_dialect {
    DOCKER_DIALECT_DOCKER = 0,
    DOCKER_DIALECT_PODMAN,
    DOCKER_DIALECT_NERDCTL,
};

/* One runtime command line: dialect plus the argv before the subcommand. */
struct docker_cli {
    enum docker_dialect dialect;
    const char *name; /* "podman", "docker", "nerdctl": prefixes error messages */
    const char *const *prefix; /* {"podman"}, {"docker", "-H", "unix://..."}, {"limactl", "shell", "default", "nerdctl"} */
};

/* Name of a dialect's CLI ("podman" ...). */
const char *docker_argv_dialect_name(enum docker_dialect d);

/* The liveness probe: podman / docker / nerdctl version, JSON output. */
void docker_argv_probe(const struct docker_cli *cli, struct drv_argv *out);

/* A label no container carries: the runtime check lists nothing. */
#define DOCKER_PROBE_LABEL "io.berth.probe"

/*
 * The probe's second step for a local podman (whose version output has no
 * Server section, so nothing proved the engine works): `ps --all --quiet
 * --filter=label=io.berth.probe`, which initialises storage and the state DB.
 */
void docker_argv_probe_runtime(const struct docker_cli *cli, struct drv_argv *out);

/*
 * `create` with the whole spec. For the docker dialect the networks after
 * the first are returned in *connects (count *n_connects, borrowed from spec,
 * free the array) to be attached with docker_argv_network_connect(); other
 * dialects attach every network at create.
 */
int docker_argv_create(const struct berth_host *host, const struct docker_cli *cli,
                       const struct berth_container_spec *spec, struct drv_argv *out,
                       const struct berth_network_attach ***connects, size_t *n_connects,
                       struct berth_error **err);

/*
 * docker_argv_create() as `run --detach --cidfile=cidfile`: created and
 * started in one call; the runtime writes the id to cidfile once the
 * container exists, so a failed start still names what was created.
 */
int docker_argv_run_detached(const struct berth_host *host, const struct docker_cli *cli,
                             const struct berth_container_spec *spec, const char *cidfile,
                             struct drv_argv *out, const struct berth_network_attach ***connects,
                             size_t *n_connects, struct berth_error **err);

/*
 * `network connect [--alias A]... [--ip X] [--ip6 Y] -- NET`: the caller
 * appends the container's id once `create` has printed it.
 */
int docker_argv_network_connect(const struct berth_host *host, const struct docker_cli *cli,
                                const struct berth_network_attach *net, struct drv_argv *out,
                                struct berth_error **err);

/*
 * Simple container operations on req->target: start, stop (with the
 * container's stop signal; req->signal is ignored here), kill, rm, inspect,
 * wait, port.
 */
int docker_argv_container(const struct berth_host *host, const struct docker_cli *cli,
                          const struct berth_op_req *req, struct drv_argv *out,
                          struct berth_error **err);

/* `kill --signal SIG -- CTR` with an explicit signal (a stop with another signal). */
int docker_argv_kill(const struct berth_host *host, const struct docker_cli *cli,
                     const char *container, int sig, struct drv_argv *out,
                     struct berth_error **err);

/* `ps -a --no-trunc --format ... --filter label=...`. */
int docker_argv_ps(const struct berth_host *host, const struct docker_cli *cli,
                   const struct berth_op_req *req, struct drv_argv *out, struct berth_error **err);

/* `logs [-f] [-t] [--tail N] [--since S] -- CTR`. */
int docker_argv_logs(const struct berth_host *host, const struct docker_cli *cli,
                     const struct berth_op_req *req, struct drv_argv *out,
                     struct berth_error **err);

/* `exec [--detach] [-i] [-t] [-e K=V]... [-u U] [-w W] -- CTR ARGV...`. */
int docker_argv_exec(const struct berth_host *host, const struct docker_cli *cli,
                     const struct berth_op_req *req, struct drv_argv *out,
                     struct berth_error **err);

/* `top CTR pid ppid args` (podman: in-container pids, used to reap timed-out execs). */
int docker_argv_top(const struct berth_host *host, const struct docker_cli *cli,
                    const char *container, struct drv_argv *out, struct berth_error **err);

/* `exec -- CTR kill -KILL PID...` (reaps a timed-out exec's processes). */
void docker_argv_exec_kill(const struct docker_cli *cli, const char *container,
                           const char *const *pids, struct drv_argv *out);

/* Images: pull, inspect, list, remove, build. */
int docker_argv_image(const struct berth_host *host, const struct docker_cli *cli,
                      const struct berth_op_req *req, struct drv_argv *out,
                      struct berth_error **err);

/* `image inspect -- REF` (also used after pull and build to learn the id). */
int docker_argv_image_inspect(const struct berth_host *host, const struct docker_cli *cli,
                              const char *ref, struct drv_argv *out, struct berth_error **err);

/* Networks and volumes: create, inspect, remove, list. */
int docker_argv_network(const struct berth_host *host, const struct docker_cli *cli,
                        const struct berth_op_req *req, struct drv_argv *out,
                        struct berth_error **err);
int docker_argv_volume(const struct berth_host *host, const struct docker_cli *cli,
                       const struct berth_op_req *req, struct drv_argv *out,
                       struct berth_error **err);

/* `events --format ... [--filter label=...]`. */
int docker_argv_events(const struct berth_host *host, const struct docker_cli *cli,
                       const struct berth_op_req *req, struct drv_argv *out,
                       struct berth_error **err);

/* Checks label filters (keys non-empty, no '=' in keys). */
int docker_argv_check_filters(const struct berth_host *host, const struct berth_kv *filters,
                         size_t n_filters, struct berth_error **err);

#endif
