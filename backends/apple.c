/*
 * The Apple `container` driver plugin: containers as lightweight VMs on
 * macOS through Apple's `container` CLI.
 *
 * Apple's CLI has no health checks, restart policies, stop-signal flag at
 * create, event stream or `wait`: berth's engine runs health checks and
 * restarts itself, sends the stop signal at stop time (`stop --signal`) and
 * learns of exits by inspecting; the capability table says so. Each
 * operation is a job (drv-job.c); command lines come from apple-argv.c and
 * outputs are read by apple-parse.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <berth/backend.h>

#include "backends/apple-argv.h"
#include "backends/apple-parse.h"
#include "backends/drv-job.h"
#include "backends/drv-util.h"

/* Most bytes a listing or inspect command may print. */
#define AP_CAPTURE_MAX (64u * 1024 * 1024)

static const enum berth_support ap_caps[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_HEALTHCHECK] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_RESTART] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_SECCOMP] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_NO_NEW_PRIVILEGES] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_PRIVILEGED] = BERTH_SUPPORT_UNSUPPORTED,
    /* Containers resolve each other by container name; aliases are not set. */
    [BERTH_FEAT_NETWORK_ALIASES] = BERTH_SUPPORT_PARTIAL,
    [BERTH_FEAT_INTERNAL_NETWORKS] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_PORT_PUBLISH] = BERTH_SUPPORT_PARTIAL, /* explicit host ports, no ranges */
    [BERTH_FEAT_NAMED_VOLUMES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_TMPFS] = BERTH_SUPPORT_PARTIAL, /* no size/mode/options */
    [BERTH_FEAT_RESOURCE_LIMITS] = BERTH_SUPPORT_PARTIAL, /* whole CPUs and memory only */
    [BERTH_FEAT_USERNS] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_BUILD] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EVENTS] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_IMAGES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_READ_ONLY_ROOTFS] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_CAPABILITIES] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_USER] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_STOP_SIGNAL] = BERTH_SUPPORT_EMULATED, /* sent at stop time */
    [BERTH_FEAT_VM_ISOLATION] = BERTH_SUPPORT_NATIVE,
};

/* One driver instance. */
struct ap_state {
    const struct berth_host *host;
    struct drv_argv prefix;
    struct apple_cli cli;
    struct drv_job_list jobs;
};

/* Per-op data. */
struct ap_data {
    struct ap_state *st;
    enum berth_op_kind kind;
    struct berth_kv *filters;
    size_t n_filters;
    bool all;
    char *ref; /* image to inspect after pull/build */
    struct berth_probe_info probe;
    struct drv_buf reason;
};

/* Frees a job's ap_data. */
static void ap_data_free(struct drv_job *job)
{
    struct ap_data *d = job->data;
    drv_kv_free(d->filters, d->n_filters);
    free(d->ref);
    drv_buf_free(&d->reason);
    free(d);
    job->data = NULL;
}

/* A job with its per-op data (filters copied: the request is borrowed). */
static struct drv_job *ap_job(struct ap_state *st, struct berth_op *op,
                              const struct berth_op_req *req)
{
    struct drv_job *job = drv_job_new(&st->jobs, op, req);
    struct ap_data *d = drv_xcalloc(1, sizeof(*d));
    d->st = st;
    d->kind = req->kind;
    d->all = req->all;
    drv_buf_init(&d->reason);
    d->filters = drv_kv_copy(req->filters, req->n_filters);
    d->n_filters = req->n_filters;
    job->data = d;
    job->on_free = ap_data_free;
    return job;
}

/* Runs argv (consumed) as the job's next command; a spawn failure fails the job. */
static void ap_run(struct drv_job *job, struct drv_argv *argv, enum drv_run_mode mode,
                   drv_job_step_fn step)
{
    struct ap_data *d = job->data;
    struct drv_run run = {.mode = mode, .capture_limit = AP_CAPTURE_MAX, .step = step};
    free(job->cmd);
    job->cmd = drv_job_cmd_name("container", drv_argv_get(argv), d->st->prefix.n);
    struct berth_error *err = NULL;
    int rc = drv_job_run(job, drv_argv_get(argv), &run, &err);
    drv_argv_free(argv);
    if (rc < 0) {
        job->host->error_set_hint(err, "is Apple's container CLI installed? (or set the "
                                       "backend's 'binary' option)");
        drv_job_fail(job, err);
    }
}

/* The parser context of the current command. */
static struct apple_parse ap_parser(struct drv_job *job)
{
    struct apple_parse p = {.host = job->host, .arena = &job->arena, .cmd = job->cmd};
    return p;
}

/* Fails an op before any command ran. */
static void ap_fail_now(const struct berth_host *host, struct berth_op *op,
                        struct berth_error *err)
{
    struct berth_op_result res;
    memset(&res, 0, sizeof(res));
    res.error = err;
    host->op_complete(op, err, &res);
}

/* Step: success on exit 0. */
static void ap_step_simple(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    drv_job_done(job, NULL);
}

/* ---------------------------------------------------------------- probe */

/* Completes the probe. */
static void ap_probe_report(struct drv_job *job, bool available, const char *version)
{
    struct ap_data *d = job->data;
    d->probe.available = available;
    d->probe.version = version;
    d->probe.flavour = "apple";
    d->probe.reason = d->reason.p;
    struct berth_op_result res;
    memset(&res, 0, sizeof(res));
    res.probe = &d->probe;
    drv_job_done(job, &res);
}

/* Runs a probe command; a spawn failure reports "not available". */
static void ap_probe_run(struct drv_job *job, struct drv_argv *argv, drv_job_step_fn step)
{
    struct ap_data *d = job->data;
    struct drv_run run = {.mode = DRV_RUN_CAPTURE, .capture_limit = AP_CAPTURE_MAX, .step = step};
    free(job->cmd);
    job->cmd = drv_job_cmd_name("container", drv_argv_get(argv), d->st->prefix.n);
    struct berth_error *err = NULL;
    int rc = drv_job_run(job, drv_argv_get(argv), &run, &err);
    drv_argv_free(argv);
    if (rc < 0) {
        drv_buf_addf(&d->reason, "Apple's container CLI is not available: %s",
                     job->host->error_message(err));
        job->host->error_free(err);
        ap_probe_report(job, false, NULL);
    }
}

/* Step: `container --version`. */
static void ap_probe_version(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    struct apple_parse p = ap_parser(job);
    const char *version = NULL;
    struct berth_error *err = NULL;
    if (!drv_job_ok(res) || apple_parse_version(&p, res->out, res->out_len, &version, &err) < 0) {
        /* The apiserver answered: available, version unknown. */
        if (err != NULL) {
            drv_buf_adds(&d->reason, job->host->error_message(err));
            job->host->error_free(err);
        }
        ap_probe_report(job, true, NULL);
        return;
    }
    ap_probe_report(job, true, version);
}

/* Step: `container system status` answered. */
static void ap_probe_status(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        struct berth_error *e = drv_job_cmd_error(job, res);
        drv_buf_addf(&d->reason, "%s (start it with 'container system start')",
                     job->host->error_message(e));
        job->host->error_free(e);
        ap_probe_report(job, false, NULL);
        return;
    }
    struct drv_argv argv;
    apple_argv_version(&d->st->cli, &argv);
    ap_probe_run(job, &argv, ap_probe_version);
}

/* PROBE: the apiserver's status, then the CLI's version. */
static void ap_op_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct drv_job *job = ap_job(st, op, req);
    struct drv_argv argv;
    apple_argv_status(&st->cli, &argv);
    ap_probe_run(job, &argv, ap_probe_status);
}

/* ------------------------------------------------------------ containers */

/* Step: a create printed the new container's, network's or volume's name. */
static void ap_created(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_id(&p, res->out, res->out_len, &r.id, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* CONTAINER_CREATE. */
static void ap_op_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    const struct berth_container_spec *spec = req->spec;
    if (spec == NULL) {
        ap_fail_now(st->host, op, drv_error(st->host, BERTH_E_INVALID,
                                            "container create without a spec"));
        return;
    }
    struct drv_argv argv;
    if (apple_argv_create(st->host, &st->cli, spec, &argv, &err) < 0) {
        st->host->error_wrap(&err, "container create");
        ap_fail_now(st->host, op, err);
        return;
    }
    for (size_t i = 0; i < spec->n_mounts; i++) {
        const struct berth_mount_spec *m = &spec->mounts[i];
        if (m->type == BERTH_MOUNT_BIND && m->create_host_path && m->source != NULL &&
            m->source[0] == '/' && drv_mkdir_p(st->host, m->source, &err) < 0) {
            drv_argv_free(&argv);
            ap_fail_now(st->host, op, err);
            return;
        }
    }
    struct drv_job *job = ap_job(st, op, req);
    ap_run(job, &argv, DRV_RUN_CAPTURE, ap_created);
}

/* START, STOP, KILL, REMOVE. */
static void ap_op_simple(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_container(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    ap_run(job, &argv, DRV_RUN_CAPTURE, ap_step_simple);
}

/* Step: inspect output (CONTAINER_INSPECT, or its ports for CONTAINER_PORT). */
static void ap_inspected(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_containers(&p, res->out, res->out_len, NULL, 0, false, &r.containers,
                               &r.n_containers, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    if (r.n_containers == 0) {
        drv_job_fail(job, drv_error(job->host, BERTH_E_NOT_FOUND, "%s: no such container",
                                    job->cmd));
        return;
    }
    r.n_containers = 1;
    if (d->kind == BERTH_OP_CONTAINER_PORT) {
        r.ports = r.containers[0].ports;
        r.n_ports = r.containers[0].n_ports;
        r.containers = NULL;
        r.n_containers = 0;
    }
    drv_job_done(job, &r);
}

/* CONTAINER_INSPECT and CONTAINER_PORT. */
static void ap_op_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_container(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    ap_run(job, &argv, DRV_RUN_CAPTURE, ap_inspected);
}

/* Step: the container list. */
static void ap_listed(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_containers(&p, res->out, res->out_len, d->filters, d->n_filters, !d->all,
                               &r.containers, &r.n_containers, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* CONTAINER_LIST: Apple has no filters; the parser applies the label filters. */
static void ap_op_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct drv_argv argv;
    apple_argv_list(&st->cli, &argv);
    struct drv_job *job = ap_job(st, op, req);
    ap_run(job, &argv, DRV_RUN_CAPTURE, ap_listed);
}

/* CONTAINER_LOGS: stdout and stderr come merged as stdout lines. */
static void ap_op_logs(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_logs(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    ap_run(job, &argv, DRV_RUN_FORWARD, ap_step_simple);
}

/* Step: the exec'd command ended; the CLI's own failures print "Error: ...". */
static void ap_exec_done(struct drv_job *job, const struct berth_proc_result *res)
{
    const char *e = res->err != NULL ? res->err : job->err_tail.p;
    if (res->error != NULL || !res->exited ||
        (res->exit_code != 0 && e != NULL && strncmp(e, "Error: ", 7) == 0)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    r.exit_code = res->exit_code;
    r.out = res->out != NULL ? res->out : "";
    r.out_len = res->out != NULL ? res->out_len : 0;
    r.err = res->err != NULL ? res->err : "";
    r.err_len = res->err != NULL ? res->err_len : 0;
    drv_job_done(job, &r);
}

/* Step: a detached exec's CLI returned: the process started (or could not). */
static void ap_exec_started(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct berth_op_result r;
    memset(&r, 0, sizeof(r)); /* exit 0, no output: whatever the CLI printed is not the command's */
    drv_job_done(job, &r);
}

/* CONTAINER_EXEC: captured, streamed, interactive or detached. */
static void ap_op_exec(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_exec(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    struct drv_run run = {.step = ap_exec_done};
    if (req->detach) {
        run.mode = DRV_RUN_CAPTURE;
        run.step = ap_exec_started;
    } else if (req->interactive) {
        run.mode = DRV_RUN_INHERIT;
        run.tty = req->tty;
    } else if (req->on_line != NULL) {
        run.mode = DRV_RUN_FORWARD;
    } else {
        run.mode = DRV_RUN_CAPTURE;
        run.capture_limit = req->capture_limit;
    }
    free(job->cmd);
    job->cmd = drv_job_cmd_name("container", drv_argv_get(&argv), st->prefix.n);
    int rc = drv_job_run(job, drv_argv_get(&argv), &run, &err);
    drv_argv_free(&argv);
    if (rc < 0)
        drv_job_fail(job, err);
}

/* ---------------------------------------------------------------- images */

/* Step: image inspect (IMAGE_INSPECT, or the id after pull/build). */
static void ap_image_inspected(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_image_inspect(&p, res->out, res->out_len, &r.images, &r.n_images, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    r.n_images = 1;
    if (d->kind != BERTH_OP_IMAGE_INSPECT) {
        r.id = r.images[0].id;
        r.images = NULL;
        r.n_images = 0;
    }
    drv_job_done(job, &r);
}

/* Step: pull/build ended: learn the image id. */
static void ap_image_made(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct drv_argv argv;
    struct berth_error *err = NULL;
    if (apple_argv_image_inspect(job->host, &d->st->cli, d->ref, &argv, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    ap_run(job, &argv, DRV_RUN_CAPTURE, ap_image_inspected);
}

/* Step: the image list. */
static void ap_images_listed(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_images(&p, res->out, res->out_len, d->filters, d->n_filters, &r.images,
                           &r.n_images, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* Image operations. */
static void ap_op_image(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_image(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    struct ap_data *d = job->data;
    switch (req->kind) {
    case BERTH_OP_IMAGE_PULL:
        d->ref = drv_xstrdup(req->target);
        ap_run(job, &argv, DRV_RUN_FORWARD, ap_image_made);
        break;
    case BERTH_OP_IMAGE_BUILD:
        d->ref = drv_xstrdup(req->build->tags[0]);
        ap_run(job, &argv, DRV_RUN_FORWARD, ap_image_made);
        break;
    case BERTH_OP_IMAGE_INSPECT:
        ap_run(job, &argv, DRV_RUN_CAPTURE, ap_image_inspected);
        break;
    case BERTH_OP_IMAGE_LIST:
        ap_run(job, &argv, DRV_RUN_CAPTURE, ap_images_listed);
        break;
    default:
        ap_run(job, &argv, DRV_RUN_CAPTURE, ap_step_simple);
        break;
    }
}

/* ------------------------------------------------------ networks, volumes */

/* Step: network inspect/list. */
static void ap_networks(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_networks(&p, res->out, res->out_len, d->filters, d->n_filters, &r.networks,
                             &r.n_networks, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    if (d->kind == BERTH_OP_NETWORK_INSPECT) {
        if (r.n_networks == 0) {
            drv_job_fail(job, drv_error(job->host, BERTH_E_NOT_FOUND, "%s: no such network",
                                        job->cmd));
            return;
        }
        r.n_networks = 1;
    }
    drv_job_done(job, &r);
}

/* Network operations. */
static void ap_op_network(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_network(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    drv_job_step_fn step = req->kind == BERTH_OP_NETWORK_CREATE   ? ap_created
                           : req->kind == BERTH_OP_NETWORK_REMOVE ? ap_step_simple
                                                                  : ap_networks;
    ap_run(job, &argv, DRV_RUN_CAPTURE, step);
}

/* Step: volume inspect/list. */
static void ap_volumes(struct drv_job *job, const struct berth_proc_result *res)
{
    struct ap_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct apple_parse p = ap_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (apple_parse_volumes(&p, res->out, res->out_len, d->filters, d->n_filters, &r.volumes,
                            &r.n_volumes, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    if (d->kind == BERTH_OP_VOLUME_INSPECT) {
        if (r.n_volumes == 0) {
            drv_job_fail(job, drv_error(job->host, BERTH_E_NOT_FOUND, "%s: no such volume",
                                        job->cmd));
            return;
        }
        r.n_volumes = 1;
    }
    drv_job_done(job, &r);
}

/* Volume operations. */
static void ap_op_volume(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ap_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (apple_argv_volume(st->host, &st->cli, req, &argv, &err) < 0) {
        ap_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = ap_job(st, op, req);
    drv_job_step_fn step = req->kind == BERTH_OP_VOLUME_CREATE   ? ap_created
                           : req->kind == BERTH_OP_VOLUME_REMOVE ? ap_step_simple
                                                                 : ap_volumes;
    ap_run(job, &argv, DRV_RUN_CAPTURE, step);
}

/* ------------------------------------------------------------- instances */

/* Frees an instance. */
static void ap_destroy(void *state)
{
    struct ap_state *st = state;
    if (st == NULL)
        return;
    drv_job_list_clear(&st->jobs);
    drv_argv_free(&st->prefix);
    free(st);
}

/* Creates an instance: the CLI binary ("binary" option, else `container` in PATH). */
static int ap_create(const struct berth_host *host, const char *flavour, void **state,
                     struct berth_error **err)
{
    if (flavour != NULL && strcmp(flavour, "apple") != 0)
        return drv_fail(host, err, BERTH_E_INVALID, "the apple driver has no flavour '%.60s'",
                        flavour);
    const char *binary = host->config != NULL ? host->config(host, "binary") : NULL;
    if (binary != NULL && (binary[0] == '\0' || !drv_text_clean(binary)))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "backend option 'binary' must be non-empty text without control "
                        "characters");
    struct ap_state *st = drv_xcalloc(1, sizeof(*st));
    st->host = host;
    st->jobs.host = host;
    st->jobs.classify = apple_parse_error_code;
    drv_argv_init(&st->prefix);
    drv_argv_push(&st->prefix, binary != NULL ? binary : "container");
    st->cli.prefix = drv_argv_get(&st->prefix);
    *state = st;
    return 0;
}

static const char *const ap_flavours[] = {"apple", NULL};

static const struct berth_backend_driver ap_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "apple",
    .description = "Apple's container CLI (macOS): each container in its own lightweight VM",
    .caps = ap_caps,
    .caps_count = BERTH_FEAT_COUNT,
    .create = ap_create,
    .destroy = ap_destroy,
    .flavours = ap_flavours,
    .ops =
        {
            [BERTH_OP_PROBE] = ap_op_probe,
            [BERTH_OP_IMAGE_PULL] = ap_op_image,
            [BERTH_OP_IMAGE_INSPECT] = ap_op_image,
            [BERTH_OP_IMAGE_LIST] = ap_op_image,
            [BERTH_OP_IMAGE_REMOVE] = ap_op_image,
            [BERTH_OP_IMAGE_BUILD] = ap_op_image,
            [BERTH_OP_CONTAINER_CREATE] = ap_op_create,
            [BERTH_OP_CONTAINER_START] = ap_op_simple,
            [BERTH_OP_CONTAINER_STOP] = ap_op_simple,
            [BERTH_OP_CONTAINER_KILL] = ap_op_simple,
            [BERTH_OP_CONTAINER_REMOVE] = ap_op_simple,
            [BERTH_OP_CONTAINER_INSPECT] = ap_op_inspect,
            [BERTH_OP_CONTAINER_LIST] = ap_op_list,
            [BERTH_OP_CONTAINER_LOGS] = ap_op_logs,
            [BERTH_OP_CONTAINER_EXEC] = ap_op_exec,
            [BERTH_OP_CONTAINER_PORT] = ap_op_inspect,
            [BERTH_OP_NETWORK_CREATE] = ap_op_network,
            [BERTH_OP_NETWORK_INSPECT] = ap_op_network,
            [BERTH_OP_NETWORK_REMOVE] = ap_op_network,
            [BERTH_OP_NETWORK_LIST] = ap_op_network,
            [BERTH_OP_VOLUME_CREATE] = ap_op_volume,
            [BERTH_OP_VOLUME_INSPECT] = ap_op_volume,
            [BERTH_OP_VOLUME_REMOVE] = ap_op_volume,
            [BERTH_OP_VOLUME_LIST] = ap_op_volume,
            /* No `wait` and no event stream: berth learns of exits by inspecting. */
        },
    .instance_caps = NULL,
};

BERTH_BACKEND_DEFINE(&ap_driver)
