/*
 * The in-test driver of the verification and sandbox tests (see
 * tests/verify_fake.h). Containers: command ["sleep"] waits until killed
 * (exit 137), anything else exits at once with the code of ["exit", "N"]
 * (0 by default) and prints its command as one log line.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/verify_fake.h"

struct vf_ctr {
    char id[32];
    char name[128];
    char image[256];
    bool sleeping, running, exited;
    int exit_code;
    struct berth_kv labels[8];
    char label_buf[8][2][160];
    size_t n_labels;
    struct berth_op *wait_op; /* a pending WAIT */
    char out[256];
};

static struct {
    const struct vf_image *images;
    size_t n_images;
    bool pulled[32];
    int calls[BERTH_OP_COUNT];
    int created;
    struct vf_spec last;
    struct vf_ctr ctrs[64];
    size_t n_ctrs;
    const struct berth_host *host;
} vf;

void vf_reset(const struct vf_image *images, size_t n)
{
    memset(&vf.pulled, 0, sizeof(vf.pulled));
    memset(&vf.calls, 0, sizeof(vf.calls));
    memset(&vf.last, 0, sizeof(vf.last));
    memset(&vf.ctrs, 0, sizeof(vf.ctrs));
    vf.n_ctrs = 0;
    vf.created = 0;
    vf.images = images;
    vf.n_images = n;
}

int vf_calls(enum berth_op_kind k)
{
    return vf.calls[k];
}

int vf_created(void)
{
    return vf.created;
}

const struct vf_spec *vf_last_spec(void)
{
    return &vf.last;
}

/* Fails op with code. */
static void vf_fail(struct berth_op *op, int code, const char *msg)
{
    vf.host->op_complete(op, vf.host->error_new(code, 0, "%s", msg), NULL);
}

/* Completes op with an empty success. */
static void vf_ok(struct berth_op *op)
{
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    vf.host->op_complete(op, NULL, &r);
}

/* Looks an image up; -1 when absent (or remote and not pulled). */
static int vf_find_image(const char *ref, bool include_remote)
{
    for (size_t i = 0; i < vf.n_images; i++)
        if (strcmp(vf.images[i].ref, ref) == 0 &&
            (include_remote || !vf.images[i].remote || vf.pulled[i]))
            return (int)i;
    return -1;
}

static struct vf_ctr *vf_find_ctr(const char *name)
{
    for (size_t i = 0; i < vf.n_ctrs; i++)
        if (vf.ctrs[i].id[0] != '\0' &&
            (strcmp(vf.ctrs[i].id, name) == 0 || strcmp(vf.ctrs[i].name, name) == 0))
            return &vf.ctrs[i];
    return NULL;
}

static int vf_create_inst(const struct berth_host *host, const char *flavour, void **state,
                          struct berth_error **err)
{
    (void)flavour;
    (void)err;
    vf.host = host;
    *state = &vf;
    return 0;
}

static void vf_destroy(void *state)
{
    (void)state;
}

static void vf_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    (void)state;
    (void)req;
    struct berth_probe_info pi = {.available = true, .version = "1.0", .flavour = "vfake"};
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    r.probe = &pi;
    vf.host->op_complete(op, NULL, &r);
}

static void vf_image(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    (void)state;
    vf.calls[req->kind]++;
    if (req->kind == BERTH_OP_IMAGE_PULL) {
        int i = vf_find_image(req->target, true);
        if (i < 0) {
            vf_fail(op, BERTH_E_NOT_FOUND, "manifest unknown");
            return;
        }
        vf.pulled[i] = true;
        struct berth_op_result r;
        memset(&r, 0, sizeof(r));
        r.id = vf.images[i].id;
        vf.host->op_complete(op, NULL, &r);
        return;
    }
    int i = vf_find_image(req->target, false);
    if (i < 0) {
        vf_fail(op, BERTH_E_NOT_FOUND, "no such image");
        return;
    }
    struct berth_image_info info;
    memset(&info, 0, sizeof(info));
    info.id = vf.images[i].id;
    info.repo_digests = vf.images[i].digests;
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    r.images = &info;
    r.n_images = 1;
    vf.host->op_complete(op, NULL, &r);
}

/* Copies the fields of spec the tests read. */
static void vf_record(const struct berth_container_spec *s)
{
    struct vf_spec *l = &vf.last;
    memset(l, 0, sizeof(*l));
    snprintf(l->image, sizeof(l->image), "%s", s->image ? s->image : "");
    snprintf(l->name, sizeof(l->name), "%s", s->name ? s->name : "");
    snprintf(l->user, sizeof(l->user), "%s", s->user ? s->user : "");
    snprintf(l->network_mode, sizeof(l->network_mode), "%s",
             s->network_mode ? s->network_mode : "");
    snprintf(l->pull_policy, sizeof(l->pull_policy), "%s", s->pull_policy ? s->pull_policy : "");
    l->read_only = s->read_only;
    l->rm = s->rm;
    l->stdin_open = s->stdin_open;
    for (size_t i = 0; s->cap_drop && s->cap_drop[i] && i < 8; i++)
        snprintf(l->cap_drop[i], sizeof(l->cap_drop[i]), "%s", s->cap_drop[i]);
    for (size_t i = 0; s->security_opt && s->security_opt[i] && i < 8; i++)
        snprintf(l->security_opt[i], sizeof(l->security_opt[i]), "%s", s->security_opt[i]);
    for (size_t i = 0; i < s->n_labels && i < 8; i++)
        snprintf(l->labels[i], sizeof(l->labels[i]), "%s=%s", s->labels[i].key,
                 s->labels[i].value ? s->labels[i].value : "");
    for (size_t i = 0; i < s->n_mounts && i < 8; i++) {
        const struct berth_mount_spec *m = &s->mounts[i];
        snprintf(l->mounts[i], sizeof(l->mounts[i]), "%d:%s:%s:%s:%lld:%s", (int)m->type,
                 m->source ? m->source : "", m->target ? m->target : "",
                 m->read_only ? "ro" : "rw", (long long)m->tmpfs_size,
                 m->tmpfs_options ? m->tmpfs_options : "");
    }
    l->memory = s->resources.memory;
    l->pids_limit = s->resources.pids_limit;
    l->cpus = s->resources.cpus;
    for (size_t i = 0; s->command && s->command[i] && i < 8; i++)
        snprintf(l->command[i], sizeof(l->command[i]), "%s", s->command[i]);
}

static void vf_container(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    (void)state;
    vf.calls[req->kind]++;
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    if (req->kind == BERTH_OP_CONTAINER_CREATE) {
        const struct berth_container_spec *s = req->spec;
        if (vf_find_image(s->image, false) < 0 &&
            !(s->pull_policy == NULL || strcmp(s->pull_policy, "never") != 0)) {
            vf_fail(op, BERTH_E_NOT_FOUND, "no such image (pull never)");
            return;
        }
        if (vf.n_ctrs >= 64) {
            vf_fail(op, BERTH_E_SYSTEM, "too many containers");
            return;
        }
        vf_record(s);
        vf.created++;
        struct vf_ctr *c = &vf.ctrs[vf.n_ctrs++];
        snprintf(c->id, sizeof(c->id), "ctr%zu", vf.n_ctrs);
        snprintf(c->name, sizeof(c->name), "%s", s->name ? s->name : c->id);
        snprintf(c->image, sizeof(c->image), "%s", s->image);
        c->sleeping = s->command != NULL && s->command[0] != NULL &&
                      strcmp(s->command[0], "sleep") == 0;
        if (s->command != NULL && s->command[0] != NULL && strcmp(s->command[0], "exit") == 0 &&
            s->command[1] != NULL)
            c->exit_code = atoi(s->command[1]);
        snprintf(c->out, sizeof(c->out), "ran %s", s->command && s->command[0] ? s->command[0] : "");
        for (size_t i = 0; i < s->n_labels && i < 8; i++) {
            snprintf(c->label_buf[i][0], 160, "%s", s->labels[i].key);
            snprintf(c->label_buf[i][1], 160, "%s", s->labels[i].value ? s->labels[i].value : "");
            c->labels[i].key = c->label_buf[i][0];
            c->labels[i].value = c->label_buf[i][1];
        }
        c->n_labels = s->n_labels < 8 ? s->n_labels : 8;
        r.id = c->id;
        vf.host->op_complete(op, NULL, &r);
        return;
    }
    if (req->kind == BERTH_OP_CONTAINER_LIST) {
        struct berth_container_info infos[64];
        size_t n = 0;
        for (size_t i = 0; i < vf.n_ctrs; i++) {
            struct vf_ctr *c = &vf.ctrs[i];
            if (c->id[0] == '\0')
                continue;
            bool match = true;
            for (size_t f = 0; f < req->n_filters; f++) {
                bool has = false;
                for (size_t k = 0; k < c->n_labels; k++)
                    if (strcmp(c->labels[k].key, req->filters[f].key) == 0 &&
                        (req->filters[f].value == NULL ||
                         strcmp(c->labels[k].value, req->filters[f].value) == 0))
                        has = true;
                match = match && has;
            }
            if (!match || (!req->all && !c->running))
                continue;
            memset(&infos[n], 0, sizeof(infos[n]));
            infos[n].id = c->id;
            infos[n].name = c->name;
            infos[n].image = c->image;
            infos[n].state = c->running ? BERTH_CSTATE_RUNNING : BERTH_CSTATE_EXITED;
            infos[n].labels = c->labels;
            infos[n].n_labels = c->n_labels;
            n++;
        }
        r.containers = infos;
        r.n_containers = n;
        vf.host->op_complete(op, NULL, &r);
        return;
    }
    struct vf_ctr *c = vf_find_ctr(req->target);
    if (c == NULL) {
        vf_fail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    switch (req->kind) {
    case BERTH_OP_CONTAINER_START:
        c->running = true;
        if (!c->sleeping) {
            c->running = false;
            c->exited = true;
        }
        vf_ok(op);
        return;
    case BERTH_OP_CONTAINER_KILL:
    case BERTH_OP_CONTAINER_STOP:
        if (c->running) {
            c->running = false;
            c->exited = true;
            c->exit_code = 137;
            if (c->wait_op != NULL) {
                struct berth_op *w = c->wait_op;
                c->wait_op = NULL;
                struct berth_op_result wr;
                memset(&wr, 0, sizeof(wr));
                wr.exit_code = 137;
                vf.host->op_complete(w, NULL, &wr);
            }
        }
        vf_ok(op);
        return;
    case BERTH_OP_CONTAINER_WAIT:
        if (c->running) {
            c->wait_op = op;
            return;
        }
        r.exit_code = c->exit_code;
        vf.host->op_complete(op, NULL, &r);
        return;
    case BERTH_OP_CONTAINER_LOGS:
        if (req->on_line != NULL)
            req->on_line(req->stream_user, BERTH_STDOUT, c->out, strlen(c->out), true);
        vf_ok(op);
        return;
    case BERTH_OP_CONTAINER_REMOVE:
        if (c->running && !req->force) {
            vf_fail(op, BERTH_E_STATE, "container is running");
            return;
        }
        if (c->wait_op != NULL) {
            struct berth_op *w = c->wait_op;
            c->wait_op = NULL;
            struct berth_op_result wr;
            memset(&wr, 0, sizeof(wr));
            wr.exit_code = 137;
            vf.host->op_complete(w, NULL, &wr);
        }
        memset(c, 0, sizeof(*c));
        vf_ok(op);
        return;
    case BERTH_OP_CONTAINER_INSPECT: {
        struct berth_container_info info;
        memset(&info, 0, sizeof(info));
        info.id = c->id;
        info.name = c->name;
        info.image = c->image;
        info.state = c->running ? BERTH_CSTATE_RUNNING : BERTH_CSTATE_EXITED;
        info.labels = c->labels;
        info.n_labels = c->n_labels;
        r.containers = &info;
        r.n_containers = 1;
        vf.host->op_complete(op, NULL, &r);
        return;
    }
    default:
        vf_fail(op, BERTH_E_UNSUPPORTED, "unsupported");
        return;
    }
}

/* Capability tables per variant. */
static enum berth_support vf_caps[VF_COUNT][BERTH_FEAT_COUNT];

static struct berth_backend_driver vf_drivers[VF_COUNT];

static const char *const vf_names[VF_COUNT] = {"vfake", "vfake-noseccomp", "vfake-vm",
                                               "vfake-proc"};

const struct berth_backend_driver *vf_driver(enum vf_variant v)
{
    struct berth_backend_driver *d = &vf_drivers[v];
    if (d->name != NULL)
        return d;
    for (int f = 0; f < BERTH_FEAT_COUNT; f++)
        vf_caps[v][f] = BERTH_SUPPORT_NATIVE;
    vf_caps[v][BERTH_FEAT_VM_ISOLATION] = BERTH_SUPPORT_UNSUPPORTED;
    vf_caps[v][BERTH_FEAT_HEALTHCHECK] = BERTH_SUPPORT_EMULATED;
    if (v == VF_NO_SECCOMP)
        vf_caps[v][BERTH_FEAT_SECCOMP] = BERTH_SUPPORT_UNSUPPORTED;
    if (v == VF_VM)
        vf_caps[v][BERTH_FEAT_VM_ISOLATION] = BERTH_SUPPORT_NATIVE;
    if (v == VF_NO_IMAGES)
        vf_caps[v][BERTH_FEAT_IMAGES] = BERTH_SUPPORT_UNSUPPORTED;
    d->abi_major = BERTH_BACKEND_ABI_MAJOR;
    d->abi_minor = BERTH_BACKEND_ABI_MINOR;
    d->name = vf_names[v];
    d->description = "verification/sandbox test driver";
    d->caps = vf_caps[v];
    d->caps_count = BERTH_FEAT_COUNT;
    d->create = vf_create_inst;
    d->destroy = vf_destroy;
    d->ops[BERTH_OP_PROBE] = vf_probe;
    d->ops[BERTH_OP_IMAGE_INSPECT] = vf_image;
    d->ops[BERTH_OP_IMAGE_PULL] = vf_image;
    d->ops[BERTH_OP_CONTAINER_CREATE] = vf_container;
    d->ops[BERTH_OP_CONTAINER_START] = vf_container;
    d->ops[BERTH_OP_CONTAINER_KILL] = vf_container;
    d->ops[BERTH_OP_CONTAINER_STOP] = vf_container;
    d->ops[BERTH_OP_CONTAINER_WAIT] = vf_container;
    d->ops[BERTH_OP_CONTAINER_LOGS] = vf_container;
    d->ops[BERTH_OP_CONTAINER_REMOVE] = vf_container;
    d->ops[BERTH_OP_CONTAINER_INSPECT] = vf_container;
    d->ops[BERTH_OP_CONTAINER_LIST] = vf_container;
    return d;
}

/* ------------------------------------------------------------ fake cosign */

static char vf_log[512];

int vf_cosign_install(const char *dir)
{
    char script[512], bin[512], link[600], path[4096];
    const char *src = getenv("BERTH_TEST_SRCDIR");
    if (src != NULL) {
        snprintf(script, sizeof(script), "%s/tests/fake-cosign", src);
    } else {
        snprintf(script, sizeof(script), "%s", __FILE__);
        *strrchr(script, '/') = '\0';
        strncat(script, "/fake-cosign", sizeof(script) - strlen(script) - 1);
    }
    snprintf(bin, sizeof(bin), "%s/bin", dir);
    mkdir(bin, 0700);
    snprintf(link, sizeof(link), "%s/cosign", bin);
    unlink(link);
    if (symlink(script, link) < 0)
        return -1;
    const char *old = getenv("PATH");
    snprintf(path, sizeof(path), "%s:%s", bin, old != NULL ? old : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    snprintf(vf_log, sizeof(vf_log), "%s/cosign.log", dir);
    setenv("FAKE_COSIGN_LOG", vf_log, 1);
    return 0;
}

void vf_cosign_reset(void)
{
    unlink(vf_log);
    const char *vars[] = {"FAKE_COSIGN_EXIT",   "FAKE_COSIGN_DELAY",    "FAKE_COSIGN_STDERR",
                          "FAKE_COSIGN_STDOUT", "FAKE_COSIGN_STDERR_BYTES",
                          "FAKE_COSIGN_FAIL_FOR", "BERTH_VERIFY",       "BERTH_COSIGN"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

int vf_cosign_calls(void)
{
    FILE *f = fopen(vf_log, "r");
    if (f == NULL)
        return 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strcmp(line, "--end--\n") == 0)
            n++;
    fclose(f);
    return n;
}
