/* A fake runtime driver whose probes run configurable programs (see fake_probe.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/fake_probe.h"

/* One instance. */
struct fake {
    const struct berth_host *host;
    char *flavour;
};

/* One running probe. */
struct fake_probe {
    struct fake *f;
    struct berth_op *op;
    struct berth_proc *proc;
};

/* Copies s up to its first newline. */
static char *first_line(const char *s)
{
    size_t n = s ? strcspn(s, "\n") : 0;
    char *d = malloc(n + 1);
    if (d == NULL)
        abort();
    if (n > 0)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* The probe program finished. */
static void fake_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct fake_probe *fp = user;
    (void)p;
    char *version = first_line(res->out);
    char *why = first_line(res->err);
    struct berth_probe_info info = {
        .available = res->exited && res->exit_code == 0,
        .version = version,
        .reason = res->exited && res->exit_code == 0 ? NULL : why,
        .flavour = fp->f->flavour,
    };
    struct berth_op_result r = {.probe = &info};
    fp->f->host->op_complete(fp->op, NULL, &r);
    free(version);
    free(why);
    free(fp);
}

/* Cancel hook: kill the program, finish the op. */
static void fake_cancel(void *data)
{
    struct fake_probe *fp = data;
    fp->f->host->proc_abandon(fp->proc);
    fp->f->host->op_complete(fp->op, fp->f->host->error_new(BERTH_E_CANCELLED, 0, "cancelled"),
                             NULL);
    free(fp);
}

/* PROBE: runs the configured program. */
static void fake_probe_op(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake *f = state;
    (void)req;
    const char *bin = f->host->config(f->host, "binary");
    const char *arg = f->host->config(f->host, "arg");
    if (bin == NULL) {
        f->host->op_complete(op, f->host->error_new(BERTH_E_NOT_FOUND, 0, "%s: no binary configured",
                                                    f->flavour), NULL);
        return;
    }
    const char *argv[] = {bin, arg, NULL};
    struct fake_probe *fp = calloc(1, sizeof(*fp));
    if (fp == NULL)
        abort();
    fp->f = f;
    fp->op = op;
    struct berth_proc_options o = {
        .argv = argv,
        .out = BERTH_OUT_CAPTURE,
        .err = BERTH_OUT_CAPTURE,
        .capture_limit = 4096,
        .on_done = fake_done,
        .user = fp,
    };
    struct berth_error *e = NULL;
    fp->proc = f->host->spawn(f->host, &o, &e);
    if (fp->proc == NULL) {
        free(fp);
        f->host->op_complete(op, e, NULL);
        return;
    }
    f->host->op_set_cancel(op, fake_cancel, fp);
}

/* Creates an instance for one flavour. */
static int fake_create(const struct berth_host *host, const char *flavour, void **state,
                       struct berth_error **err)
{
    (void)err;
    struct fake *f = calloc(1, sizeof(*f));
    if (f == NULL)
        abort();
    f->host = host;
    f->flavour = strdup(flavour ? flavour : "fake");
    *state = f;
    return 0;
}

/* Destroys an instance. */
static void fake_destroy(void *state)
{
    struct fake *f = state;
    free(f->flavour);
    free(f);
}

static const char *const fake_flavours[] = {"fake-a", "fake-b", "fake-c", "fake-d",
                                            "fake-e", "fake-f", "fake-g", "fake-h", NULL};

static const struct berth_backend_driver fake_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "fake",
    .description = "fake runtimes answering through configured programs",
    .create = fake_create,
    .destroy = fake_destroy,
    .flavours = fake_flavours,
    .ops = {[BERTH_OP_PROBE] = fake_probe_op},
};

/* The fake driver's table. */
const struct berth_backend_driver *fake_probe_driver(void)
{
    return &fake_driver;
}
