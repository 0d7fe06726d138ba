/*
 * Command lines of the Apple `container` driver: one function per operation.
 * Like docker-argv.c, every flag is one "--flag=value" element and
 * positionals that could read as flags are validated names or follow "--".
 *
 * Apple's CLI has no health checks, restart policies, capabilities or
 * seccomp: fields it cannot express are refused (BERTH_E_UNSUPPORTED, naming
 * the field), except those berth's engine emulates (stop signal and grace:
 * sent at stop time) and network aliases (containers resolve each other by
 * name; aliases are logged as not set).
 */
#ifndef BERTH_BACKENDS_APPLE_ARGV_H
#define BERTH_BACKENDS_APPLE_ARGV_H

#include <berth/backend.h>

#include "backends/drv-util.h"

/* The `container` command line (its binary, maybe configured). */
struct apple_cli {
    const char *const *prefix; /* {"container"} */
};

/* `container system status` (exit 0: the apiserver answers). */
void apple_argv_status(const struct apple_cli *cli, struct drv_argv *out);

/* `container --version`. */
void apple_argv_version(const struct apple_cli *cli, struct drv_argv *out);

/* `container create [flags] -- IMAGE [CMD...]`. */
int apple_argv_create(const struct berth_host *host, const struct apple_cli *cli,
                      const struct berth_container_spec *spec, struct drv_argv *out,
                      struct berth_error **err);

/* start, stop (signal and time), kill, delete, inspect (CONTAINER_PORT too) of req->target. */
int apple_argv_container(const struct berth_host *host, const struct apple_cli *cli,
                         const struct berth_op_req *req, struct drv_argv *out,
                         struct berth_error **err);

/* `container list --all --format json`. */
void apple_argv_list(const struct apple_cli *cli, struct drv_argv *out);

/* `container logs [--follow] [-n N] ID` (no timestamps, no since: refused). */
int apple_argv_logs(const struct berth_host *host, const struct apple_cli *cli,
                    const struct berth_op_req *req, struct drv_argv *out,
                    struct berth_error **err);

/* `container exec [--detach] [flags] -- ID ARGV...`. */
int apple_argv_exec(const struct berth_host *host, const struct apple_cli *cli,
                    const struct berth_op_req *req, struct drv_argv *out,
                    struct berth_error **err);

/* Images: pull, inspect, list, delete, build. */
int apple_argv_image(const struct berth_host *host, const struct apple_cli *cli,
                     const struct berth_op_req *req, struct drv_argv *out,
                     struct berth_error **err);

/* `container image inspect REF`. */
int apple_argv_image_inspect(const struct berth_host *host, const struct apple_cli *cli,
                             const char *ref, struct drv_argv *out, struct berth_error **err);

/* Networks and volumes: create, inspect, delete, list. */
int apple_argv_network(const struct berth_host *host, const struct apple_cli *cli,
                       const struct berth_op_req *req, struct drv_argv *out,
                       struct berth_error **err);
int apple_argv_volume(const struct berth_host *host, const struct apple_cli *cli,
                      const struct berth_op_req *req, struct drv_argv *out,
                      struct berth_error **err);

#endif
