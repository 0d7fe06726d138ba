/*
 * The docker-protocol driver plugin: one driver for every runtime with a
 * docker-like CLI — podman, docker, nerdctl, and the desktop VMs that expose
 * one of them: OrbStack, Colima and Rancher Desktop (docker CLI on their
 * socket) and Lima (`limactl shell <instance> nerdctl ...`).
 *
 * Each operation is a job (drv-job.c) running one or more CLI commands on
 * the host's loop; command lines come from docker-argv.c and outputs are
 * read by docker-parse.c. The runtime never restarts containers (berth
 * supervises restarts) and berth runs compose health checks itself.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <berth/backend.h>

#include "backends/docker-argv.h"
#include "backends/docker-parse.h"
#include "backends/drv-job.h"
#include "backends/drv-util.h"

/* Most bytes a listing or inspect command may print. */
#define DK_CAPTURE_MAX (64u * 1024 * 1024)

/* Default grace of a stop without a timeout (docker's default). */
#define DK_STOP_GRACE_DEFAULT 10

/* How a flavour checks that its VM or engine is up before the CLI probe. */
enum dk_pre {
    DK_PRE_NONE = 0,
    DK_PRE_COLIMA, /* `colima status --profile P` exits 0 */
    DK_PRE_LIMA,   /* `limactl list --json`: the instance is Running */
    DK_PRE_ORB,    /* `orb status` exits 0 */
    DK_PRE_SOCKET, /* the engine's socket exists (Rancher Desktop) */
};

/* One flavour served by this driver. */
struct dk_flavour {
    const char *name;
    enum docker_dialect dialect;
    const char *binary;     /* the CLI run for operations */
    enum dk_pre pre;
    const char *pre_binary; /* colima, limactl, orb */
    const char *socket;     /* docker socket below $HOME ("*": the instance) */
};

static const struct dk_flavour dk_flavours[] = {
    {"docker", DOCKER_DIALECT_DOCKER, "docker", DK_PRE_NONE, NULL, NULL},
    {"podman", DOCKER_DIALECT_PODMAN, "podman", DK_PRE_NONE, NULL, NULL},
    {"nerdctl", DOCKER_DIALECT_NERDCTL, "nerdctl", DK_PRE_NONE, NULL, NULL},
    {"orbstack", DOCKER_DIALECT_DOCKER, "docker", DK_PRE_ORB, "orb", ".orbstack/run/docker.sock"},
    {"colima", DOCKER_DIALECT_DOCKER, "docker", DK_PRE_COLIMA, "colima", ".colima/*/docker.sock"},
    {"rancher-desktop", DOCKER_DIALECT_DOCKER, "docker", DK_PRE_SOCKET, NULL, ".rd/docker.sock"},
    {"lima", DOCKER_DIALECT_NERDCTL, "limactl", DK_PRE_LIMA, NULL, NULL},
};

static const char *const dk_flavour_names[] = {
    "docker", "podman", "nerdctl", "orbstack", "colima", "rancher-desktop", "lima", NULL,
};

/*
 * Capabilities per dialect. Health checks and restarts are emulated by
 * berth's engine everywhere (it passes --restart=no and runs compose health
 * checks itself; podman has no health runner without systemd anyway).
 */
/* docker and podman. */
static const enum berth_support dk_caps_docker[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_HEALTHCHECK] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_RESTART] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_SECCOMP] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_NO_NEW_PRIVILEGES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_PRIVILEGED] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_NETWORK_ALIASES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_INTERNAL_NETWORKS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_PORT_PUBLISH] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_NAMED_VOLUMES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_TMPFS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_RESOURCE_LIMITS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_USERNS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_BUILD] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EVENTS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_IMAGES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_READ_ONLY_ROOTFS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_CAPABILITIES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_USER] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_STOP_SIGNAL] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_VM_ISOLATION] = BERTH_SUPPORT_UNSUPPORTED,
};

/* nerdctl: no network aliases (container names only), no internal networks,
 * no userns mode, events without labels (containerd topics). */
static const enum berth_support dk_caps_nerdctl[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_HEALTHCHECK] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_RESTART] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_SECCOMP] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_NO_NEW_PRIVILEGES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_PRIVILEGED] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_NETWORK_ALIASES] = BERTH_SUPPORT_PARTIAL,
    [BERTH_FEAT_INTERNAL_NETWORKS] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_PORT_PUBLISH] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_NAMED_VOLUMES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_TMPFS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_RESOURCE_LIMITS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_USERNS] = BERTH_SUPPORT_UNSUPPORTED,
    [BERTH_FEAT_BUILD] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EVENTS] = BERTH_SUPPORT_PARTIAL,
    [BERTH_FEAT_IMAGES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_READ_ONLY_ROOTFS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_CAPABILITIES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_USER] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_STOP_SIGNAL] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_VM_ISOLATION] = BERTH_SUPPORT_UNSUPPORTED,
};

/* One driver instance. */
struct dk_state {
    const struct berth_host *host;
    const struct dk_flavour *fl;
    struct docker_cli cli;
    struct drv_argv prefix;
    size_t prefix_len;
    char *pre_binary;
    char *instance;
    char *socket_path; /* filesystem path of the engine socket, or NULL */
    struct drv_job_list jobs;
    char *cid_dir; /* private directory of `run --cidfile` files (made on first use) */
    unsigned cid_seq;
};

/* Per-op data of a job. */
struct dk_data {
    struct dk_state *st;
    enum berth_op_kind kind;
    char *target;
    struct berth_kv *filters;
    size_t n_filters;
    char *id;                /* created container id; image to inspect after pull/build */
    struct drv_argv *connects; /* docker: `network connect` commands still to run */
    size_t n_connects, i_connect;
    struct berth_error *saved; /* a connect failure, reported after the rollback */
    char *exec_cmdline;      /* exec: argv joined (to find it in `top` after a timeout) */
    char *cidfile;           /* create as `run --detach`: where the runtime writes the id */
    int grace_s;             /* stop with another signal: grace before SIGKILL */
    struct berth_timer *timer;
    struct berth_probe_info probe;
    struct drv_buf probe_reason;
};

/* -------------------------------------------------------------- plumbing */

/* Frees a job's dk_data. */
static void dk_data_free(struct drv_job *job)
{
    struct dk_data *d = job->data;
    if (d == NULL)
        return;
    if (d->timer != NULL)
        job->host->timer_free(d->timer);
    for (size_t i = 0; i < d->n_connects; i++)
        drv_argv_free(&d->connects[i]);
    free(d->connects);
    if (d->saved != NULL)
        job->host->error_free(d->saved);
    drv_kv_free(d->filters, d->n_filters);
    free(d->target);
    free(d->id);
    free(d->exec_cmdline);
    if (d->cidfile != NULL) {
        unlink(d->cidfile);
        free(d->cidfile);
    }
    drv_buf_free(&d->probe_reason);
    free(d);
    job->data = NULL;
}

/* Creates the job of an op with its dk_data (target and filters copied). */
static struct drv_job *dk_job(struct dk_state *st, struct berth_op *op,
                              const struct berth_op_req *req)
{
    struct drv_job *job = drv_job_new(&st->jobs, op, req);
    struct dk_data *d = drv_xcalloc(1, sizeof(*d));
    d->st = st;
    d->kind = req != NULL ? req->kind : BERTH_OP_PROBE;
    drv_buf_init(&d->probe_reason);
    if (req != NULL) {
        d->target = req->target != NULL ? drv_xstrdup(req->target) : NULL;
        d->filters = drv_kv_copy(req->filters, req->n_filters);
        d->n_filters = req->n_filters;
    }
    job->data = d;
    job->on_free = dk_data_free;
    return job;
}

/* Runs argv (consumed) as the job's next command; on a spawn failure the job fails. */
static void dk_run(struct drv_job *job, struct drv_argv *argv, enum drv_run_mode mode,
                   drv_job_step_fn step)
{
    struct dk_data *d = job->data;
    struct drv_run run = {.mode = mode, .capture_limit = DK_CAPTURE_MAX, .step = step};
    free(job->cmd);
    job->cmd = drv_job_cmd_name(d->st->cli.name, drv_argv_get(argv), d->st->prefix_len);
    struct berth_error *err = NULL;
    int rc = drv_job_run(job, drv_argv_get(argv), &run, &err);
    drv_argv_free(argv);
    if (rc < 0) {
        job->host->error_set_hint(err, "is %s installed and in PATH? (or set the backend's "
                                       "'binary' option)",
                                  d->st->prefix.v[0]);
        drv_job_fail(job, err);
    }
}

/* The parser context of the job's current command. */
static struct docker_parse dk_parser(struct drv_job *job)
{
    struct docker_parse p = {.host = job->host, .arena = &job->arena, .cmd = job->cmd};
    return p;
}

/* Step: success on exit 0, the command's error otherwise. */
static void dk_step_simple(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    drv_job_done(job, NULL);
}

/*
 * The label filters listings are checked against in the driver: podman's
 * (its filters cannot carry commas and it may OR several); docker and
 * nerdctl apply them exactly themselves, while their "k=v,k=v" label strings
 * are ambiguous when a value holds ",x=", so they are not re-checked.
 */
static size_t dk_client_filters(const struct dk_data *d, const struct berth_kv **filters)
{
    if (d->st->cli.dialect != DOCKER_DIALECT_PODMAN) {
        *filters = NULL;
        return 0;
    }
    *filters = d->filters;
    return d->n_filters;
}

/* Fails an op before any command ran (validation error). */
static void dk_fail_now(const struct berth_host *host, struct berth_op *op,
                        struct berth_error *err)
{
    struct berth_op_result res;
    memset(&res, 0, sizeof(res));
    res.error = err;
    host->op_complete(op, err, &res);
}

/* ---------------------------------------------------------------- probe */

/* Completes a probe with what it learned (a probe never fails: it reports). */
static void dk_probe_report(struct drv_job *job, bool available, const char *version)
{
    struct dk_data *d = job->data;
    d->probe.available = available;
    d->probe.version = version;
    d->probe.flavour = d->st->fl->name;
    d->probe.reason = d->probe_reason.p;
    struct berth_op_result res;
    memset(&res, 0, sizeof(res));
    res.probe = &d->probe;
    drv_job_done(job, &res);
}

/* Records why the runtime is unavailable from a command's failure. */
static void dk_probe_reason_from(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    struct berth_error *e = drv_job_cmd_error(job, res);
    drv_buf_adds(&d->probe_reason, job->host->error_message(e));
    job->host->error_free(e);
}

/*
 * Runs a probe command, which must not fail the op: a spawn failure reports
 * "not available". cli_name/prefix_len name it in messages.
 */
static void dk_probe_run(struct drv_job *job, struct drv_argv *argv, const char *cli_name,
                         size_t prefix_len, drv_job_step_fn step)
{
    struct dk_data *d = job->data;
    struct drv_run run = {.mode = DRV_RUN_CAPTURE, .capture_limit = DK_CAPTURE_MAX, .step = step};
    free(job->cmd);
    job->cmd = drv_job_cmd_name(cli_name, drv_argv_get(argv), prefix_len);
    struct berth_error *err = NULL;
    int rc = drv_job_run(job, drv_argv_get(argv), &run, &err);
    char *bin = drv_xstrdup(argv->v[0]);
    drv_argv_free(argv);
    if (rc < 0) {
        drv_buf_addf(&d->probe_reason, "%s is not available: %s", bin,
                     job->host->error_message(err));
        job->host->error_free(err);
        free(bin);
        dk_probe_report(job, false, NULL);
        return;
    }
    free(bin);
}

/* Step: a local podman listed (no) containers: its storage and state work. */
static void dk_probe_runtime_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        dk_probe_reason_from(job, res);
        dk_probe_report(job, false, NULL);
        return;
    }
    dk_probe_report(job, true, d->probe.version);
}

/* Step: the CLI's version answered. */
static void dk_probe_main_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        dk_probe_reason_from(job, res);
        dk_probe_report(job, false, NULL);
        return;
    }
    struct docker_parse p = dk_parser(job);
    const char *version = NULL;
    bool engine = true;
    struct berth_error *err = NULL;
    if (docker_parse_probe(&p, d->st->cli.dialect, res->out, res->out_len, &version, &engine,
                           &err) < 0) {
        drv_buf_adds(&d->probe_reason, job->host->error_message(err));
        job->host->error_free(err);
        dk_probe_report(job, false, NULL);
        return;
    }
    if (!engine) {
        /* a local podman: the version came from the CLI alone; make it open its runtime */
        d->probe.version = version;
        struct drv_argv argv;
        docker_argv_probe_runtime(&d->st->cli, &argv);
        dk_probe_run(job, &argv, d->st->cli.name, d->st->prefix_len, dk_probe_runtime_done);
        return;
    }
    dk_probe_report(job, true, version);
}

/* Runs the CLI's liveness command (podman/docker/nerdctl version). */
static void dk_probe_main(struct drv_job *job)
{
    struct dk_data *d = job->data;
    struct drv_argv argv;
    docker_argv_probe(&d->st->cli, &argv);
    dk_probe_run(job, &argv, d->st->cli.name, d->st->prefix_len, dk_probe_main_done);
}

/* Step: the flavour's VM check answered. */
static void dk_probe_pre_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    struct dk_state *st = d->st;
    if (!drv_job_ok(res)) {
        dk_probe_reason_from(job, res);
        dk_probe_report(job, false, NULL);
        return;
    }
    if (st->fl->pre == DK_PRE_LIMA) {
        struct docker_parse p = dk_parser(job);
        const char *status = NULL;
        struct berth_error *err = NULL;
        if (docker_parse_lima_status(&p, res->out, res->out_len, st->instance, &status, &err) <
            0) {
            drv_buf_adds(&d->probe_reason, job->host->error_message(err));
            job->host->error_free(err);
            dk_probe_report(job, false, NULL);
            return;
        }
        if (status == NULL || strcmp(status, "Running") != 0) {
            drv_buf_addf(&d->probe_reason, "lima instance '%s' is %s", st->instance,
                         status != NULL ? status : "not created");
            dk_probe_report(job, false, NULL);
            return;
        }
    }
    dk_probe_main(job);
}

/* PROBE: the flavour's VM/engine check, then the CLI's liveness check. */
static void dk_op_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct drv_job *job = dk_job(st, op, req);
    struct dk_data *d = job->data;
    struct drv_argv argv;
    drv_argv_init(&argv);
    switch (st->fl->pre) {
    case DK_PRE_NONE:
        dk_probe_main(job);
        return;
    case DK_PRE_SOCKET: {
        struct stat sb;
        if (stat(st->socket_path, &sb) < 0 || !S_ISSOCK(sb.st_mode)) {
            drv_buf_addf(&d->probe_reason, "%s engine socket %s does not exist (is it running?)",
                         st->fl->name, st->socket_path);
            dk_probe_report(job, false, NULL);
            return;
        }
        dk_probe_main(job);
        return;
    }
    case DK_PRE_COLIMA:
        drv_argv_push(&argv, st->pre_binary);
        drv_argv_push(&argv, "status");
        drv_argv_pushf(&argv, "--profile=%s", st->instance);
        break;
    case DK_PRE_ORB:
        drv_argv_push(&argv, st->pre_binary);
        drv_argv_push(&argv, "status");
        break;
    case DK_PRE_LIMA:
        drv_argv_push(&argv, st->prefix.v[0]);
        drv_argv_push(&argv, "list");
        drv_argv_push(&argv, "--json");
        break;
    }
    dk_probe_run(job, &argv, argv.v[0], 1, dk_probe_pre_done);
}

/* ------------------------------------------------------------ containers */

/* Step: rollback of a half-created container ended; report the saved error. */
static void dk_create_rolled_back(struct drv_job *job, const struct berth_proc_result *res)
{
    (void)res;
    struct dk_data *d = job->data;
    struct berth_error *e = d->saved;
    d->saved = NULL;
    drv_job_fail(job, e);
}

static void dk_create_next_connect(struct drv_job *job);

/* Step: a `network connect` ended. */
static void dk_create_connected(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        /* Never leave a half-attached container behind: remove it, then fail. */
        d->saved = drv_job_cmd_error(job, res);
        job->host->error_wrap(&d->saved, "container created but not attached; removed it");
        struct drv_argv argv;
        struct berth_op_req rm = {.kind = BERTH_OP_CONTAINER_REMOVE, .target = d->id,
                                  .force = true};
        struct berth_error *e = NULL;
        if (docker_argv_container(job->host, &d->st->cli, &rm, &argv, &e) < 0) {
            job->host->error_free(e);
            dk_create_rolled_back(job, NULL);
            return;
        }
        dk_run(job, &argv, DRV_RUN_CAPTURE, dk_create_rolled_back);
        return;
    }
    d->i_connect++;
    dk_create_next_connect(job);
}

/* Runs the next `network connect`, or completes with the container id. */
static void dk_create_next_connect(struct drv_job *job)
{
    struct dk_data *d = job->data;
    if (d->i_connect < d->n_connects) {
        struct drv_argv argv = d->connects[d->i_connect];
        drv_argv_init(&d->connects[d->i_connect]);
        drv_argv_push(&argv, d->id);
        dk_run(job, &argv, DRV_RUN_CAPTURE, dk_create_connected);
        return;
    }
    struct berth_op_result res;
    memset(&res, 0, sizeof(res));
    res.id = d->id;
    res.started = d->cidfile != NULL;
    drv_job_done(job, &res);
}

/* The id the runtime wrote to the cidfile, or NULL (nothing was created). */
static char *dk_read_cidfile(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    char buf[160];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, " \t\r\n")] = '\0';
    return buf[0] != '\0' ? drv_xstrdup(buf) : NULL;
}

/* Step: `create` ended: read the id, then attach further networks. */
static void dk_create_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        struct berth_op_result r;
        memset(&r, 0, sizeof(r));
        char *made = d->cidfile != NULL ? dk_read_cidfile(d->cidfile) : NULL;
        r.id = made; /* `run` created it and the start failed: it exists */
        drv_job_fail_with(job, drv_job_cmd_error(job, res), &r);
        free(made);
        return;
    }
    struct docker_parse p = dk_parser(job);
    const char *id;
    struct berth_error *err = NULL;
    if (docker_parse_id(&p, res->out, res->out_len, &id, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    d->id = drv_xstrdup(id);
    dk_create_next_connect(job);
}

/*
 * A fresh cidfile path for `run --detach` (podman, docker), or NULL where the
 * create stays a create (nerdctl, or no private directory could be made).
 */
static char *dk_cidfile_path(struct dk_state *st)
{
    if (st->cli.dialect == DOCKER_DIALECT_NERDCTL)
        return NULL;
    if (st->cid_dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        char *tmpl = drv_xasprintf("%s/berth-cid.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
        if (mkdtemp(tmpl) == NULL) {
            free(tmpl);
            return NULL;
        }
        st->cid_dir = tmpl;
    }
    return drv_xasprintf("%s/%u", st->cid_dir, ++st->cid_seq);
}

/* CONTAINER_CREATE with the whole spec (and its start, as `run --detach`, when asked). */
static void dk_op_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    const struct berth_host *host = st->host;
    struct berth_error *err = NULL;
    const struct berth_container_spec *spec = req->spec;
    if (spec == NULL) {
        dk_fail_now(host, op, drv_error(host, BERTH_E_INVALID, "container create without a spec"));
        return;
    }
    const struct berth_network_attach **connects = NULL;
    size_t n_connects = 0;
    struct drv_argv argv;
    char *cidfile = req->start ? dk_cidfile_path(st) : NULL;
    int rc = cidfile != NULL
                 ? docker_argv_run_detached(host, &st->cli, spec, cidfile, &argv, &connects,
                                            &n_connects, &err)
                 : docker_argv_create(host, &st->cli, spec, &argv, &connects, &n_connects, &err);
    if (rc == 0 && n_connects > 0 && cidfile != NULL) {
        /* further networks are connected before the start: create, connect, then START */
        free(cidfile);
        cidfile = NULL;
        free(connects);
        drv_argv_free(&argv);
        rc = docker_argv_create(host, &st->cli, spec, &argv, &connects, &n_connects, &err);
    }
    if (rc < 0) {
        free(cidfile);
        host->error_wrap(&err, "%s create", st->cli.name);
        dk_fail_now(host, op, err);
        return;
    }
    /* The further networks' commands are built now: the spec is borrowed. */
    struct drv_argv *cmds = n_connects ? drv_xcalloc(n_connects, sizeof(*cmds)) : NULL;
    for (size_t i = 0; i < n_connects; i++) {
        if (docker_argv_network_connect(host, &st->cli, connects[i], &cmds[i], &err) < 0) {
            for (size_t j = 0; j < i; j++)
                drv_argv_free(&cmds[j]);
            free(cmds);
            free(connects);
            drv_argv_free(&argv);
            dk_fail_now(host, op, err);
            return;
        }
    }
    free(connects);
    for (size_t i = 0; i < spec->n_mounts; i++) {
        const struct berth_mount_spec *m = &spec->mounts[i];
        if (m->type == BERTH_MOUNT_BIND && m->create_host_path && m->source != NULL &&
            m->source[0] == '/' && drv_mkdir_p(host, m->source, &err) < 0) {
            for (size_t j = 0; j < n_connects; j++)
                drv_argv_free(&cmds[j]);
            free(cmds);
            free(cidfile);
            drv_argv_free(&argv);
            dk_fail_now(host, op, err);
            return;
        }
    }
    struct drv_job *job = dk_job(st, op, req);
    struct dk_data *d = job->data;
    d->connects = cmds;
    d->n_connects = n_connects;
    d->cidfile = cidfile;
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_create_done);
}

/* START, KILL, REMOVE, and STOP where the CLI does it all. */
static void dk_op_container_simple(void *state, struct berth_op *op,
                                   const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_container(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_step_simple);
}

/* True when a failure says the container is not running / gone (stop is then done). */
static bool dk_not_running(const struct drv_job *job, const struct berth_proc_result *res)
{
    const char *e = res->err != NULL ? res->err : job->err_tail.p;
    return e != NULL && (strstr(e, "not running") != NULL || strstr(e, "is not running") != NULL ||
                         strstr(e, "container state improper") != NULL);
}

/* Step: the final SIGKILL of an emulated stop. */
static void dk_stop_killed(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res) && !dk_not_running(job, res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    drv_job_done(job, NULL);
}

/* The grace period of an emulated stop ran out: SIGKILL. */
static void dk_stop_grace_over(struct berth_timer *t, void *user)
{
    (void)t;
    struct drv_job *job = user;
    struct dk_data *d = job->data;
    if (job->proc != NULL) {
        job->host->proc_abandon(job->proc); /* the `wait` */
        job->proc = NULL;
    }
    struct drv_argv argv;
    struct berth_error *err = NULL;
    if (docker_argv_kill(job->host, &d->st->cli, d->target, SIGKILL, &argv, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_stop_killed);
}

/* Step: the container exited within the grace period. */
static void dk_stop_waited(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    job->host->timer_stop(d->timer);
    if (!drv_job_ok(res) && !dk_not_running(job, res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    drv_job_done(job, NULL);
}

/* Step: the stop signal was sent: wait for the exit, SIGKILL after the grace. */
static void dk_stop_signalled(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        if (dk_not_running(job, res))
            drv_job_done(job, NULL); /* already stopped: like docker stop */
        else
            drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct berth_op_req w = {.kind = BERTH_OP_CONTAINER_WAIT, .target = d->target};
    struct drv_argv argv;
    struct berth_error *err = NULL;
    if (docker_argv_container(job->host, &d->st->cli, &w, &argv, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    d->timer = job->host->timer_new(job->host, dk_stop_grace_over, job);
    job->host->timer_start(d->timer, (uint64_t)d->grace_s * 1000u);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_stop_waited);
}

/*
 * CONTAINER_STOP: the CLI's stop with the container's stop signal; another
 * signal is sent with kill, then wait, then SIGKILL after the grace period
 * (podman 4 and nerdctl have no `stop --signal`, and docker's needs API 1.42).
 */
static void dk_op_stop(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    if (req->signal == 0) {
        dk_op_container_simple(state, op, req);
        return;
    }
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_kill(st->host, &st->cli, req->target, req->signal, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    struct dk_data *d = job->data;
    d->grace_s = req->timeout_s >= 0 ? req->timeout_s : DK_STOP_GRACE_DEFAULT;
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_stop_signalled);
}

/* Step: `container inspect` output. */
static void dk_inspect_done(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (docker_parse_container_inspect(&p, res->out, res->out_len, &r.containers,
                                       &r.n_containers, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    r.n_containers = 1;
    drv_job_done(job, &r);
}

/* CONTAINER_INSPECT. */
static void dk_op_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_container(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_inspect_done);
}

/* Step: `ps` output. */
static void dk_list_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    const struct berth_kv *f;
    size_t nf = dk_client_filters(d, &f);
    if (docker_parse_ps(&p, d->st->cli.dialect, res->out, res->out_len, f, nf, &r.containers,
                        &r.n_containers, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* CONTAINER_LIST by label filters. */
static void dk_op_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_ps(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_list_done);
}

/* CONTAINER_LOGS as line streams (stdout and stderr as the container wrote them). */
static void dk_op_logs(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_logs(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    dk_run(job, &argv, DRV_RUN_FORWARD, dk_step_simple);
}

/* Step: `wait` printed the exit code. */
static void dk_wait_done(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (docker_parse_wait(&p, res->out, res->out_len, &r.exit_code, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* CONTAINER_WAIT. */
static void dk_op_wait(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_container(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_wait_done);
}

/* Step: `port` output. */
static void dk_port_done(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (docker_parse_ports(&p, res->out, res->out_len, &r.ports, &r.n_ports, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* CONTAINER_PORT. */
static void dk_op_port(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_container(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_port_done);
}

/* ------------------------------------------------------------------ exec */

/*
 * True when a non-zero exec exit is the runtime's own failure (container not
 * running, no such container) rather than the command's exit code.
 */
static bool dk_exec_runtime_failed(const struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    const char *e = res->err != NULL ? res->err : job->err_tail.p;
    if (e == NULL || !res->exited || res->exit_code == 0)
        return false;
    switch (d->st->cli.dialect) {
    case DOCKER_DIALECT_PODMAN:
        return res->exit_code == 125 && strstr(e, "Error: ") != NULL;
    case DOCKER_DIALECT_DOCKER:
        return strncmp(e, "Error response from daemon:", 27) == 0 ||
               strncmp(e, "Error: No such container", 24) == 0;
    case DOCKER_DIALECT_NERDCTL:
        return strstr(e, "level=fatal") != NULL;
    }
    return false;
}

/* Step: the exec'd command ended. */
static void dk_exec_done(struct drv_job *job, const struct berth_proc_result *res)
{
    if (res->error != NULL || !res->exited || dk_exec_runtime_failed(job, res)) {
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

/* Step: a detached exec's CLI returned: the command started (or could not). */
static void dk_exec_started(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct berth_op_result r;
    memset(&r, 0, sizeof(r)); /* exit 0, no output: the CLI's session id is not the command's */
    drv_job_done(job, &r);
}

/* Step of the reaper: the processes were killed (or could not be). */
static void dk_reap_killed(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res))
        job->host->log(job->host, 1,
                       "%s: could not kill the timed-out exec's processes in the container "
                       "(exit %d)",
                       job->cmd, res->exit_code);
    drv_job_done(job, NULL);
}

/* Step of the reaper: `top` listed the container's processes. */
static void dk_reap_listed(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_done(job, NULL); /* container gone: nothing left to reap */
        return;
    }
    struct docker_parse p = dk_parser(job);
    const char *const *pids;
    struct berth_error *err = NULL;
    if (docker_parse_top(&p, res->out, res->out_len, d->exec_cmdline, &pids, &err) < 0) {
        job->host->log(job->host, 1, "%s", job->host->error_message(err));
        job->host->error_free(err);
        drv_job_done(job, NULL);
        return;
    }
    if (pids == NULL) {
        drv_job_done(job, NULL);
        return;
    }
    struct drv_argv argv;
    docker_argv_exec_kill(&d->st->cli, d->target, pids, &argv);
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_reap_killed);
}

/*
 * An exec was cancelled or timed out: killing the CLI leaves the command
 * running inside the container, so find its processes (`top`: exec roots
 * have parent pid 0) and kill them. Runs in the background.
 */
static void dk_exec_cancelled(struct drv_job *job)
{
    struct dk_data *d = job->data;
    if (d->st->cli.dialect != DOCKER_DIALECT_PODMAN || d->exec_cmdline == NULL)
        return; /* docker's top prints host pids: nothing reliable to kill with */
    struct drv_job *reaper = dk_job(d->st, NULL, NULL);
    struct dk_data *rd = reaper->data;
    rd->target = drv_xstrdup(d->target);
    rd->exec_cmdline = drv_xstrdup(d->exec_cmdline);
    struct drv_argv argv;
    struct berth_error *err = NULL;
    if (docker_argv_top(job->host, &d->st->cli, d->target, &argv, &err) < 0) {
        job->host->error_free(err);
        drv_job_done(reaper, NULL);
        return;
    }
    dk_run(reaper, &argv, DRV_RUN_CAPTURE, dk_reap_listed);
}

/* CONTAINER_EXEC: captured, streamed (on_line), interactive or detached. */
static void dk_op_exec(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_exec(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    struct dk_data *d = job->data;
    d->exec_cmdline = drv_argv_join(req->argv);
    job->on_cancel = dk_exec_cancelled;
    struct drv_run run = {.step = dk_exec_done};
    if (req->detach) {
        run.mode = DRV_RUN_CAPTURE;
        run.step = dk_exec_started;
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
    job->cmd = drv_job_cmd_name(st->cli.name, drv_argv_get(&argv), st->prefix_len);
    int rc = drv_job_run(job, drv_argv_get(&argv), &run, &err);
    drv_argv_free(&argv);
    if (rc < 0) {
        job->on_cancel = NULL;
        drv_job_fail(job, err);
    }
}

/* ---------------------------------------------------------------- images */

/* Step: `image inspect` output (IMAGE_INSPECT, or the id after pull/build). */
static void dk_image_inspected(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (docker_parse_image_inspect(&p, res->out, res->out_len, &r.images, &r.n_images, &err) <
        0) {
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
static void dk_image_made(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct drv_argv argv;
    struct berth_error *err = NULL;
    if (docker_argv_image_inspect(job->host, &d->st->cli, d->id, &argv, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    dk_run(job, &argv, DRV_RUN_CAPTURE, dk_image_inspected);
}

/* Step: `images` output. */
static void dk_images_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    const struct berth_kv *f;
    size_t nf = dk_client_filters(d, &f);
    if (docker_parse_images(&p, d->st->cli.dialect, res->out, res->out_len, f, nf, &r.images,
                            &r.n_images, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* IMAGE_PULL, IMAGE_INSPECT, IMAGE_LIST, IMAGE_REMOVE, IMAGE_BUILD. */
static void dk_op_image(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_image(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    struct dk_data *d = job->data;
    switch (req->kind) {
    case BERTH_OP_IMAGE_PULL:
        d->id = drv_xstrdup(req->target);
        dk_run(job, &argv, DRV_RUN_FORWARD, dk_image_made);
        break;
    case BERTH_OP_IMAGE_BUILD:
        d->id = drv_xstrdup(req->build->tags[0]);
        dk_run(job, &argv, DRV_RUN_FORWARD, dk_image_made);
        break;
    case BERTH_OP_IMAGE_INSPECT:
        dk_run(job, &argv, DRV_RUN_CAPTURE, dk_image_inspected);
        break;
    case BERTH_OP_IMAGE_LIST:
        dk_run(job, &argv, DRV_RUN_CAPTURE, dk_images_done);
        break;
    default:
        dk_run(job, &argv, DRV_RUN_CAPTURE, dk_step_simple);
        break;
    }
}

/* ------------------------------------------------------ networks, volumes */

/* Step: a create printed the new object's id (docker) or name (podman). */
static void dk_created_id(struct drv_job *job, const struct berth_proc_result *res)
{
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    if (docker_parse_id(&p, res->out, res->out_len, &r.id, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    drv_job_done(job, &r);
}

/* Step: network inspect/ls output. */
static void dk_networks_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    bool list = d->kind == BERTH_OP_NETWORK_LIST;
    const struct berth_kv *f;
    size_t nf = dk_client_filters(d, &f);
    if (docker_parse_networks(&p, d->st->cli.dialect, list, res->out, res->out_len, f, nf,
                              &r.networks, &r.n_networks, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    if (!list)
        r.n_networks = 1;
    drv_job_done(job, &r);
}

/* NETWORK_CREATE, NETWORK_INSPECT, NETWORK_REMOVE, NETWORK_LIST. */
static void dk_op_network(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_network(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    drv_job_step_fn step = req->kind == BERTH_OP_NETWORK_CREATE   ? dk_created_id
                           : req->kind == BERTH_OP_NETWORK_REMOVE ? dk_step_simple
                                                                  : dk_networks_done;
    dk_run(job, &argv, DRV_RUN_CAPTURE, step);
}

/* Step: volume inspect/ls output. */
static void dk_volumes_done(struct drv_job *job, const struct berth_proc_result *res)
{
    struct dk_data *d = job->data;
    if (!drv_job_ok(res)) {
        drv_job_fail(job, drv_job_cmd_error(job, res));
        return;
    }
    struct docker_parse p = dk_parser(job);
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    struct berth_error *err = NULL;
    bool list = d->kind == BERTH_OP_VOLUME_LIST;
    const struct berth_kv *f;
    size_t nf = dk_client_filters(d, &f);
    if (docker_parse_volumes(&p, d->st->cli.dialect, list, res->out, res->out_len, f, nf,
                             &r.volumes, &r.n_volumes, &err) < 0) {
        drv_job_fail(job, err);
        return;
    }
    if (!list)
        r.n_volumes = 1;
    drv_job_done(job, &r);
}

/* VOLUME_CREATE, VOLUME_INSPECT, VOLUME_REMOVE, VOLUME_LIST. */
static void dk_op_volume(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_volume(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    drv_job_step_fn step = req->kind == BERTH_OP_VOLUME_CREATE   ? dk_created_id
                           : req->kind == BERTH_OP_VOLUME_REMOVE ? dk_step_simple
                                                                 : dk_volumes_done;
    dk_run(job, &argv, DRV_RUN_CAPTURE, step);
}

/* ---------------------------------------------------------------- events */

/* One line of the event stream. */
static void dk_event_line(struct drv_job *job, enum berth_stream stream, const char *line,
                          size_t len)
{
    struct dk_data *d = job->data;
    if (stream != BERTH_STDOUT || job->on_event == NULL)
        return;
    struct drv_arena arena;
    drv_arena_init(&arena);
    struct docker_parse p = {.host = job->host, .arena = &arena, .cmd = job->cmd};
    struct berth_event_info ev;
    struct berth_error *err = NULL;
    int rc = docker_parse_event(&p, line, len, &ev, &err);
    if (rc < 0) {
        job->host->log(job->host, 1, "%s", job->host->error_message(err));
        job->host->error_free(err);
    } else if (rc > 0) {
        /* Podman ORs several label filters and cannot take values with commas:
         * its events carry the labels, so check them all here. Docker applies
         * the filters itself; nerdctl events carry no labels and pass unfiltered. */
        bool keep = d->st->cli.dialect != DOCKER_DIALECT_PODMAN ||
                    drv_labels_match(ev.labels, ev.n_labels, d->filters, d->n_filters);
        if (keep)
            job->on_event(job->user, &ev);
    }
    drv_arena_free(&arena);
}

/* Step: the event stream ended, which it should not until cancelled. */
static void dk_events_ended(struct drv_job *job, const struct berth_proc_result *res)
{
    struct berth_error *e = drv_job_cmd_error(job, res);
    job->host->error_wrap(&e, "event stream ended");
    drv_job_fail(job, e);
}

/* EVENTS: a long-running stream, one JSON object per line, until cancelled. */
static void dk_op_events(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct dk_state *st = state;
    struct berth_error *err = NULL;
    struct drv_argv argv;
    if (docker_argv_events(st->host, &st->cli, req, &argv, &err) < 0) {
        dk_fail_now(st->host, op, err);
        return;
    }
    struct drv_job *job = dk_job(st, op, req);
    job->line_hook = dk_event_line;
    dk_run(job, &argv, DRV_RUN_HOOK, dk_events_ended);
}

/* ------------------------------------------------------------- instances */

/* The flavour named name (NULL: docker). */
static const struct dk_flavour *dk_find_flavour(const char *name)
{
    if (name == NULL)
        return &dk_flavours[0];
    for (size_t i = 0; i < sizeof(dk_flavours) / sizeof(dk_flavours[0]); i++)
        if (strcmp(dk_flavours[i].name, name) == 0)
            return &dk_flavours[i];
    return NULL;
}

/* Frees an instance. */
static void dk_destroy(void *state)
{
    struct dk_state *st = state;
    if (st == NULL)
        return;
    drv_job_list_clear(&st->jobs);
    drv_argv_free(&st->prefix);
    free(st->pre_binary);
    free(st->instance);
    free(st->socket_path);
    if (st->cid_dir != NULL)
        rmdir(st->cid_dir);
    free(st->cid_dir);
    free(st);
}

/* A config value that becomes part of a command line: no control characters. */
static int dk_config(const struct berth_host *host, const char *key, const char **out,
                     struct berth_error **err)
{
    *out = host->config != NULL ? host->config(host, key) : NULL;
    if (*out != NULL && ((*out)[0] == '\0' || !drv_text_clean(*out)))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "backend option '%s' must be non-empty text without control characters",
                        key);
    return 0;
}

/* Creates an instance for a flavour: binary, engine address and command prefix. */
static int dk_create(const struct berth_host *host, const char *flavour, void **state,
                     struct berth_error **err)
{
    const struct dk_flavour *fl = dk_find_flavour(flavour);
    if (fl == NULL) {
        int rc = drv_fail(host, err, BERTH_E_INVALID, "unknown docker-protocol flavour '%.60s'",
                          flavour);
        if (err != NULL && *err != NULL)
            host->error_set_hint(*err, "use one of docker, podman, nerdctl, orbstack, colima, "
                                       "rancher-desktop, lima");
        return rc;
    }
    const char *binary, *instance, *address, *pre;
    if (dk_config(host, "binary", &binary, err) < 0 ||
        dk_config(host, "instance", &instance, err) < 0 ||
        dk_config(host, "host", &address, err) < 0 ||
        dk_config(host, "pre_binary", &pre, err) < 0)
        return -1;
    if (instance == NULL)
        instance = "default";
    if (!drv_name_valid(instance))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "backend option 'instance' ('%.60s') is not a valid instance name",
                        instance);
    struct dk_state *st = drv_xcalloc(1, sizeof(*st));
    st->host = host;
    st->fl = fl;
    st->instance = drv_xstrdup(instance);
    st->pre_binary = drv_xstrdup(pre != NULL ? pre : fl->pre_binary ? fl->pre_binary : "");
    st->jobs.host = host;
    st->jobs.classify = docker_parse_error_code;
    st->cli.dialect = fl->dialect;
    st->cli.name = docker_argv_dialect_name(fl->dialect);
    drv_argv_init(&st->prefix);
    drv_argv_push(&st->prefix, binary != NULL ? binary : fl->binary);
    if (fl->pre == DK_PRE_LIMA) {
        drv_argv_push(&st->prefix, "shell");
        drv_argv_push(&st->prefix, st->instance);
        drv_argv_push(&st->prefix, "nerdctl");
    }
    if (fl->socket != NULL && address == NULL) {
        const char *home = host->getenv(host, "HOME");
        if (home == NULL || home[0] != '/') {
            dk_destroy(st);
            return drv_fail(host, err, BERTH_E_INVALID,
                            "%s: HOME is not set, so the engine socket cannot be found (set the "
                            "backend's 'host' option)",
                            fl->name);
        }
        const char *star = strchr(fl->socket, '*');
        if (star != NULL)
            st->socket_path = drv_xasprintf("%s/%.*s%s%s", home, (int)(star - fl->socket),
                                            fl->socket, st->instance, star + 1);
        else
            st->socket_path = drv_xasprintf("%s/%s", home, fl->socket);
        drv_argv_pushf(&st->prefix, "--host=unix://%s", st->socket_path);
    } else if (address != NULL) {
        switch (fl->dialect) {
        case DOCKER_DIALECT_DOCKER:
            drv_argv_pushf(&st->prefix, "--host=%s", address);
            break;
        case DOCKER_DIALECT_PODMAN:
            drv_argv_pushf(&st->prefix, "--url=%s", address);
            break;
        case DOCKER_DIALECT_NERDCTL:
            drv_argv_pushf(&st->prefix, "--address=%s", address);
            break;
        }
        if (fl->socket != NULL && strncmp(address, "unix://", 7) == 0)
            st->socket_path = drv_xstrdup(address + 7);
    }
    st->prefix_len = st->prefix.n;
    st->cli.prefix = drv_argv_get(&st->prefix);
    *state = st;
    return 0;
}

/* The instance's capability table: nerdctl's lacks what docker and podman have. */
static const enum berth_support *dk_instance_caps(void *state, size_t *count)
{
    struct dk_state *st = state;
    *count = BERTH_FEAT_COUNT;
    return st->cli.dialect == DOCKER_DIALECT_NERDCTL ? dk_caps_nerdctl : dk_caps_docker;
}

static const struct berth_backend_driver dk_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "docker",
    .description = "docker-protocol CLIs: docker, podman, nerdctl, OrbStack, Colima, "
                   "Rancher Desktop, Lima",
    .caps = dk_caps_docker,
    .caps_count = BERTH_FEAT_COUNT,
    .create = dk_create,
    .destroy = dk_destroy,
    .flavours = dk_flavour_names,
    .ops =
        {
            [BERTH_OP_PROBE] = dk_op_probe,
            [BERTH_OP_IMAGE_PULL] = dk_op_image,
            [BERTH_OP_IMAGE_INSPECT] = dk_op_image,
            [BERTH_OP_IMAGE_LIST] = dk_op_image,
            [BERTH_OP_IMAGE_REMOVE] = dk_op_image,
            [BERTH_OP_IMAGE_BUILD] = dk_op_image,
            [BERTH_OP_CONTAINER_CREATE] = dk_op_create,
            [BERTH_OP_CONTAINER_START] = dk_op_container_simple,
            [BERTH_OP_CONTAINER_STOP] = dk_op_stop,
            [BERTH_OP_CONTAINER_KILL] = dk_op_container_simple,
            [BERTH_OP_CONTAINER_REMOVE] = dk_op_container_simple,
            [BERTH_OP_CONTAINER_INSPECT] = dk_op_inspect,
            [BERTH_OP_CONTAINER_LIST] = dk_op_list,
            [BERTH_OP_CONTAINER_LOGS] = dk_op_logs,
            [BERTH_OP_CONTAINER_WAIT] = dk_op_wait,
            [BERTH_OP_CONTAINER_EXEC] = dk_op_exec,
            [BERTH_OP_CONTAINER_PORT] = dk_op_port,
            [BERTH_OP_NETWORK_CREATE] = dk_op_network,
            [BERTH_OP_NETWORK_INSPECT] = dk_op_network,
            [BERTH_OP_NETWORK_REMOVE] = dk_op_network,
            [BERTH_OP_NETWORK_LIST] = dk_op_network,
            [BERTH_OP_VOLUME_CREATE] = dk_op_volume,
            [BERTH_OP_VOLUME_INSPECT] = dk_op_volume,
            [BERTH_OP_VOLUME_REMOVE] = dk_op_volume,
            [BERTH_OP_VOLUME_LIST] = dk_op_volume,
            [BERTH_OP_EVENTS] = dk_op_events,
        },
    .instance_caps = dk_instance_caps,
};

BERTH_BACKEND_DEFINE(&dk_driver)
