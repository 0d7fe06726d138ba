/*
 * An example third-party backend driver, built against the installed berth
 * headers only (see plugins/local.mk): it answers PROBE and keeps fake
 * containers in memory. Copy it to start a real driver.
 *
 * Configuration (host->config, i.e. BERTH_EXAMPLE_<KEY> or the API):
 *   "available"  "no" makes the probe report the runtime unavailable.
 *   "version"    the version the probe reports (default "1.0").
 *
 * Build:  cc -shared -fPIC -I<prefix>/include -o example.so example.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <berth/backend.h>

/* A fake container. */
struct ex_ctr {
    struct ex_ctr *next;
    char id[17];
    char *name;
    struct berth_kv *labels;
    size_t n_labels;
    enum berth_cstate state;
};

/* One instance of the driver. */
struct ex_state {
    const struct berth_host *host;
    struct ex_ctr *ctrs;
    unsigned next_id;
};

/* strdup that reports failure instead of aborting. */
static char *ex_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* Frees one container. */
static void ex_ctr_free(struct ex_ctr *c)
{
    for (size_t i = 0; i < c->n_labels; i++) {
        free((char *)c->labels[i].key);
        free((char *)c->labels[i].value);
    }
    free(c->labels);
    free(c->name);
    free(c);
}

/* Finds a container by id or name. */
static struct ex_ctr *ex_find(struct ex_state *s, const char *ref)
{
    for (struct ex_ctr *c = s->ctrs; c != NULL; c = c->next)
        if (strcmp(c->id, ref) == 0 || strcmp(c->name, ref) == 0)
            return c;
    return NULL;
}

/* Completes op with "no such container". */
static void ex_not_found(struct ex_state *s, struct berth_op *op, const char *ref)
{
    s->host->op_complete(op, s->host->error_new(BERTH_E_NOT_FOUND, 0, "no such container: %s", ref),
                         NULL);
}

/* PROBE: reports the configured availability and version. */
static void ex_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ex_state *s = state;
    (void)req;
    const char *avail = s->host->config(s->host, "available");
    const char *version = s->host->config(s->host, "version");
    struct berth_probe_info probe = {
        .available = avail == NULL || strcmp(avail, "no") != 0,
        .version = version ? version : "1.0",
        .reason = avail != NULL && strcmp(avail, "no") == 0 ? "switched off by configuration"
                                                            : NULL,
        .flavour = "example",
    };
    struct berth_op_result res = {.probe = &probe};
    s->host->op_complete(op, NULL, &res);
}

/* CONTAINER_CREATE: records name and labels. */
static void ex_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ex_state *s = state;
    const struct berth_container_spec *spec = req->spec;
    struct ex_ctr *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        s->host->op_complete(op, s->host->error_new(BERTH_E_SYSTEM, 0, "out of memory"), NULL);
        return;
    }
    snprintf(c->id, sizeof(c->id), "%016x", ++s->next_id);
    c->name = ex_strdup(spec->name ? spec->name : c->id);
    c->labels = calloc(spec->n_labels ? spec->n_labels : 1, sizeof(*c->labels));
    for (size_t i = 0; i < spec->n_labels && c->labels != NULL; i++) {
        c->labels[i].key = ex_strdup(spec->labels[i].key);
        c->labels[i].value = ex_strdup(spec->labels[i].value);
        c->n_labels++;
    }
    c->state = BERTH_CSTATE_CREATED;
    c->next = s->ctrs;
    s->ctrs = c;
    s->host->log(s->host, 3, "created %s", c->name);
    struct berth_op_result res = {.id = c->id};
    s->host->op_complete(op, NULL, &res);
}

/* CONTAINER_START / STOP: flips the fake state. */
static void ex_start_stop(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ex_state *s = state;
    struct ex_ctr *c = ex_find(s, req->target);
    if (c == NULL) {
        ex_not_found(s, op, req->target);
        return;
    }
    c->state = req->kind == BERTH_OP_CONTAINER_START ? BERTH_CSTATE_RUNNING : BERTH_CSTATE_EXITED;
    struct berth_op_result res = {0};
    s->host->op_complete(op, NULL, &res);
}

/* CONTAINER_REMOVE. */
static void ex_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ex_state *s = state;
    for (struct ex_ctr **pp = &s->ctrs; *pp != NULL; pp = &(*pp)->next) {
        if (strcmp((*pp)->id, req->target) == 0 || strcmp((*pp)->name, req->target) == 0) {
            struct ex_ctr *c = *pp;
            *pp = c->next;
            ex_ctr_free(c);
            struct berth_op_result res = {0};
            s->host->op_complete(op, NULL, &res);
            return;
        }
    }
    ex_not_found(s, op, req->target);
}

/* Fills the record of one container. */
static void ex_info(const struct ex_ctr *c, struct berth_container_info *ci)
{
    memset(ci, 0, sizeof(*ci));
    ci->id = c->id;
    ci->name = c->name;
    ci->image = "";
    ci->image_id = "";
    ci->state = c->state;
    ci->status = "";
    ci->labels = c->labels;
    ci->n_labels = c->n_labels;
}

/* True when c carries every filter label. */
static bool ex_match(const struct ex_ctr *c, const struct berth_op_req *req)
{
    for (size_t i = 0; i < req->n_filters; i++) {
        bool found = false;
        for (size_t j = 0; j < c->n_labels && !found; j++)
            found = strcmp(c->labels[j].key, req->filters[i].key) == 0 &&
                    (req->filters[i].value == NULL ||
                     (c->labels[j].value && strcmp(c->labels[j].value, req->filters[i].value) == 0));
        if (!found)
            return false;
    }
    return true;
}

/* CONTAINER_INSPECT / CONTAINER_LIST. */
static void ex_inspect_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ex_state *s = state;
    size_t n = 0;
    for (struct ex_ctr *c = s->ctrs; c != NULL; c = c->next)
        n++;
    struct berth_container_info *cis = calloc(n ? n : 1, sizeof(*cis));
    if (cis == NULL) {
        s->host->op_complete(op, s->host->error_new(BERTH_E_SYSTEM, 0, "out of memory"), NULL);
        return;
    }
    size_t k = 0;
    if (req->kind == BERTH_OP_CONTAINER_INSPECT) {
        struct ex_ctr *c = ex_find(s, req->target);
        if (c == NULL) {
            free(cis);
            ex_not_found(s, op, req->target);
            return;
        }
        ex_info(c, &cis[k++]);
    } else {
        for (struct ex_ctr *c = s->ctrs; c != NULL; c = c->next)
            if ((req->all || c->state == BERTH_CSTATE_RUNNING) && ex_match(c, req))
                ex_info(c, &cis[k++]);
    }
    struct berth_op_result res = {.containers = cis, .n_containers = k};
    s->host->op_complete(op, NULL, &res);
    free(cis);
}

/* Creates an instance. */
static int ex_create_instance(const struct berth_host *host, const char *flavour, void **state,
                              struct berth_error **err)
{
    (void)flavour;
    struct ex_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        if (err != NULL)
            *err = host->error_new(BERTH_E_SYSTEM, 0, "out of memory");
        return -1;
    }
    s->host = host;
    *state = s;
    return 0;
}

/* Destroys an instance. */
static void ex_destroy(void *state)
{
    struct ex_state *s = state;
    while (s->ctrs != NULL) {
        struct ex_ctr *c = s->ctrs;
        s->ctrs = c->next;
        ex_ctr_free(c);
    }
    free(s);
}

static const enum berth_support ex_caps[] = {
    [BERTH_FEAT_HEALTHCHECK] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_RESTART] = BERTH_SUPPORT_EMULATED,
};

static const struct berth_backend_driver ex_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "example",
    .description = "example driver with fake in-memory containers",
    .caps = ex_caps,
    .caps_count = sizeof(ex_caps) / sizeof(ex_caps[0]),
    .create = ex_create_instance,
    .destroy = ex_destroy,
    .ops =
        {
            [BERTH_OP_PROBE] = ex_probe,
            [BERTH_OP_CONTAINER_CREATE] = ex_create,
            [BERTH_OP_CONTAINER_START] = ex_start_stop,
            [BERTH_OP_CONTAINER_STOP] = ex_start_stop,
            [BERTH_OP_CONTAINER_REMOVE] = ex_remove,
            [BERTH_OP_CONTAINER_INSPECT] = ex_inspect_list,
            [BERTH_OP_CONTAINER_LIST] = ex_inspect_list,
        },
};

BERTH_BACKEND_DEFINE(&ex_driver)
