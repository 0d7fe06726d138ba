/*
 * Networks and named volumes of a project. They are created (with the
 * com.docker.compose.project / .network / .volume labels) before the first
 * service that needs them starts, and found by label when down removes them.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "compose/batch.h"
#include "compose/engine-internal.h"
#include "compose/kvlist.h"
#include "compose/labels.h"
#include "compose/resources.h"
#include "compose/spec-build.h"

enum job_step { STEP_INSPECT, STEP_CREATE, STEP_LIST, STEP_REMOVE };

/* One network or volume being ensured or removed (or the listing of them). */
struct job {
    struct batch_job job; /* first: the batch's view */
    bool network; /* else volume */
    enum job_step step;
    char *key;  /* model key */
    char *name; /* runtime name */
    const json_t *def;
    bool external;
};
/* the batch frees jobs (and passes them to eop callbacks) by their struct batch_job */
_Static_assert(offsetof(struct job, job) == 0, "struct job begins with its batch_job");

/* What a create request points to, freed after submission. */
struct create_scratch {
    struct kvlist labels, opts;
    struct berth_network_spec ns;
    struct berth_volume_spec vs;
    struct berth_kv filter;
};

/* Frees a create_scratch. */
static void scratch_free(void *p)
{
    struct create_scratch *s = p;
    kvlist_free(&s->labels);
    kvlist_free(&s->opts);
    free(s);
}

/* Frees a job's names and the job. */
static void job_free(struct batch_job *bj)
{
    struct job *j = (struct job *)bj;
    free(j->key);
    free(j->name);
    free(j);
}

/* Ends a job (with an error or not). */
static void job_end(struct job *j, struct berth_error *err)
{
    batch_job_end(&j->job, err);
}

/* Fills the request of the job's current step. */
static int job_fill(struct eop *e, struct berth_op_req *req, void *user, struct berth_error **err)
{
    struct job *j = user;
    struct berth_compose *c = j->job.b->c;
    struct create_scratch *s;
    switch (j->step) {
    case STEP_INSPECT:
        req->kind = j->network ? BERTH_OP_NETWORK_INSPECT : BERTH_OP_VOLUME_INSPECT;
        req->target = j->name;
        return 0;
    case STEP_REMOVE:
        req->kind = j->network ? BERTH_OP_NETWORK_REMOVE : BERTH_OP_VOLUME_REMOVE;
        req->target = j->name;
        return 0;
    case STEP_LIST:
        s = xcalloc(1, sizeof(*s));
        eop_set_scratch(e, s, scratch_free);
        s->filter.key = LABEL_PROJECT;
        s->filter.value = c->name;
        req->kind = j->network ? BERTH_OP_NETWORK_LIST : BERTH_OP_VOLUME_LIST;
        req->filters = &s->filter;
        req->n_filters = 1;
        return 0;
    case STEP_CREATE:
        break;
    }
    s = xcalloc(1, sizeof(*s));
    eop_set_scratch(e, s, scratch_free);
    const json_t *dopts = json_object_get(j->def, "driver_opts");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)dopts, k, v)
    {
        if (json_is_string(v))
            kvlist_set(&s->opts, k, json_string_value(v));
        else if (json_is_integer(v))
            kvlist_set_take(&s->opts, k, xasprintf("%lld", (long long)json_integer_value(v)));
    }
    req->target = j->name;
    if (j->network) {
        labels_network(c, j->key, j->def, &s->labels);
        struct berth_network_spec *ns = &s->ns;
        ns->name = j->name;
        ns->driver = engine_model_str(j->def, "driver");
        ns->internal = engine_model_bool(j->def, "internal", false);
        ns->enable_ipv6 = engine_model_bool(j->def, "enable_ipv6", false);
        ns->attachable = engine_model_bool(j->def, "attachable", false);
        ns->options = s->opts.v;
        ns->n_options = s->opts.n;
        ns->labels = s->labels.v;
        ns->n_labels = s->labels.n;
        const json_t *cfg = json_object_get(json_object_get(j->def, "ipam"), "config");
        const json_t *first = json_is_array(cfg) ? json_array_get(cfg, 0) : NULL;
        ns->subnet = engine_model_str(first, "subnet");
        ns->gateway = engine_model_str(first, "gateway");
        req->kind = BERTH_OP_NETWORK_CREATE;
        req->network = ns;
    } else {
        labels_volume(c, j->key, j->def, &s->labels);
        struct berth_volume_spec *vs = &s->vs;
        vs->name = j->name;
        vs->driver = engine_model_str(j->def, "driver");
        vs->options = s->opts.v;
        vs->n_options = s->opts.n;
        vs->labels = s->labels.v;
        vs->n_labels = s->labels.n;
        req->kind = BERTH_OP_VOLUME_CREATE;
        req->volume = vs;
    }
    return 0;
}

static void job_done(struct eop *e, const struct berth_op_result *res, void *user);

/* Launches the job's current step. */
static void job_launch(struct job *j)
{
    j->job.e = eop_start(j->job.b->c, true, job_fill, job_done, j);
    eop_set_user_free(j->job.e, batch_job_discarded);
}

/* The project label of a listed/inspected resource, or NULL. */
static const char *project_label(const struct berth_kv *labels, size_t n)
{
    return kvlist_find(labels, n, LABEL_PROJECT);
}

/* Creates a job of batch b. */
static struct job *job_new(struct batch *b, bool network, enum job_step step)
{
    struct job *j = xcalloc(1, sizeof(*j));
    j->network = network;
    j->step = step;
    batch_add(b, &j->job);
    return j;
}

/* Starts the removal of one listed resource. */
static void spawn_remove(struct batch *b, bool network, const char *name)
{
    struct job *j = job_new(b, network, STEP_REMOVE);
    j->name = xstrdup(name);
    engine_resource(b->c, network ? "network" : "volume", name, "removing", NULL);
    job_launch(j);
}

/* A step finished: go on to the next or end the job. */
static void job_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct job *j = user;
    struct berth_compose *c = j->job.b->c;
    const char *kind = j->network ? "network" : "volume";
    int code = res->error ? berth_error_code(res->error) : BERTH_E_OK;
    j->job.e = NULL;
    if (j->job.b->cancelled) {
        job_end(j, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
        return;
    }
    switch (j->step) {
    case STEP_INSPECT:
        if (res->error == NULL) {
            const struct berth_kv *l = j->network && res->n_networks ? res->networks[0].labels
                                       : !j->network && res->n_volumes ? res->volumes[0].labels
                                                                       : NULL;
            size_t nl = j->network && res->n_networks ? res->networks[0].n_labels
                        : !j->network && res->n_volumes ? res->volumes[0].n_labels
                                                        : 0;
            const char *p = project_label(l, nl);
            if (!j->external && (p == NULL || strcmp(p, c->name) != 0))
                engine_warn(c, NULL,
                            "a %s named %s exists but was not created for project \"%s\"; set "
                            "`external: true` to use an existing %s",
                            kind, j->name, c->name, kind);
            engine_resource(c, kind, j->name, "exists", NULL);
            job_end(j, NULL);
            return;
        }
        if (code != BERTH_E_NOT_FOUND) {
            struct berth_error *err = berth_error_copy(res->error);
            berth_error_wrap(&err, "inspecting %s %s", kind, j->name);
            job_end(j, err);
            return;
        }
        if (j->external) {
            struct berth_error *err = berth_error_new(
                BERTH_E_NOT_FOUND, 0, "%s %s declared as external, but could not be found", kind,
                j->name);
            berth_error_set_hint(err, "create it first (e.g. `podman %s create %s`)", kind,
                                 j->name);
            job_end(j, err);
            return;
        }
        j->step = STEP_CREATE;
        engine_resource(c, kind, j->name, "creating", NULL);
        job_launch(j);
        return;
    case STEP_CREATE:
        if (res->error != NULL && code != BERTH_E_EXISTS) {
            struct berth_error *err = berth_error_copy(res->error);
            berth_error_wrap(&err, "creating %s %s", kind, j->name);
            job_end(j, err);
            return;
        }
        engine_resource(c, kind, j->name, "created", NULL);
        job_end(j, NULL);
        return;
    case STEP_LIST: {
        struct batch *b = j->job.b;
        if (res->error != NULL) {
            struct berth_error *err = berth_error_copy(res->error);
            berth_error_wrap(&err, "listing the project's %ss", kind);
            job_end(j, err);
            return;
        }
        size_t n = j->network ? res->n_networks : res->n_volumes;
        for (size_t i = 0; i < n; i++) {
            const char *name = j->network ? res->networks[i].name : res->volumes[i].name;
            const struct berth_kv *l =
                j->network ? res->networks[i].labels : res->volumes[i].labels;
            size_t nl = j->network ? res->networks[i].n_labels : res->volumes[i].n_labels;
            const char *p = project_label(l, nl);
            if (name != NULL && p != NULL && strcmp(p, c->name) == 0)
                spawn_remove(b, j->network, name);
        }
        job_end(j, NULL);
        return;
    }
    case STEP_REMOVE:
        if (res->error != NULL && code != BERTH_E_NOT_FOUND) {
            struct berth_error *err = berth_error_copy(res->error);
            berth_error_wrap(&err, "removing %s %s", kind, j->name);
            job_end(j, err);
            return;
        }
        engine_resource(c, kind, j->name, "removed", NULL);
        job_end(j, NULL);
        return;
    }
}

/* Adds an ensure job for one network/volume key unless already in the batch. */
static void add_ensure(struct batch *b, struct strv *done_keys, bool network, const char *key)
{
    struct berth_compose *c = b->c;
    for (size_t i = 0; i < done_keys->n; i++)
        if (strcmp(done_keys->v[i], key) == 0)
            return;
    strv_push(done_keys, key);
    const json_t *def = engine_model_top(c, network ? "networks" : "volumes", key);
    struct job *j = job_new(b, network, STEP_INSPECT);
    j->key = xstrdup(key);
    j->name = network ? spec_build_network_name(c, key) : spec_build_volume_name(c, key);
    j->def = def;
    const json_t *ext = json_object_get(def, "external");
    j->external = json_is_true(ext) || (json_is_object(ext) && !json_is_false(ext));
    job_launch(j);
}

/* Cancels a running batch: done follows with BERTH_E_CANCELLED. */
void resources_cancel(struct batch *b)
{
    batch_cancel(b);
}

/* Ensures the networks and volumes of the selected services. */
struct batch *resources_ensure(struct berth_compose *c, const bool *sel, resources_done_fn done,
                               void *user)
{
    struct batch *b = batch_new(sizeof(*b), c, job_free, done, user);
    bool nets = berth_backend_has_op(c->backend, BERTH_OP_NETWORK_INSPECT) &&
                berth_backend_has_op(c->backend, BERTH_OP_NETWORK_CREATE);
    bool vols = berth_backend_has_op(c->backend, BERTH_OP_VOLUME_INSPECT) &&
                berth_backend_has_op(c->backend, BERTH_OP_VOLUME_CREATE);
    struct strv seen_n, seen_v;
    strv_init(&seen_n);
    strv_init(&seen_v);
    for (size_t i = 0; i < c->n_defined; i++) {
        if (!sel[i])
            continue;
        struct service *svc = c->services[i];
        if (nets) {
            struct strv keys;
            strv_init(&keys);
            spec_build_service_networks(svc, &keys);
            for (size_t k = 0; k < keys.n; k++)
                add_ensure(b, &seen_n, true, keys.v[k]);
            strv_free(&keys);
        }
        const json_t *vlist = json_object_get(svc->def, "volumes");
        size_t k;
        const json_t *v;
        json_array_foreach(vlist, k, v)
        {
            const char *type = engine_model_str(v, "type");
            const char *src = engine_model_str(v, "source");
            if ((type == NULL || strcmp(type, "volume") == 0) && src != NULL &&
                engine_model_top(c, "volumes", src) != NULL) {
                if (vols)
                    add_ensure(b, &seen_v, false, src);
            }
        }
    }
    strv_free(&seen_n);
    strv_free(&seen_v);
    return batch_start(b);
}

/* Removes the project's networks and (optionally) volumes, found by label. */
struct batch *resources_remove(struct berth_compose *c, bool volumes, resources_done_fn done,
                               void *user)
{
    struct batch *b = batch_new(sizeof(*b), c, job_free, done, user);
    for (int pass = 0; pass < 2; pass++) {
        bool network = pass == 0;
        if (!network && !volumes)
            continue;
        if (!berth_backend_has_op(c->backend,
                                  network ? BERTH_OP_NETWORK_LIST : BERTH_OP_VOLUME_LIST))
            continue;
        job_launch(job_new(b, network, STEP_LIST));
    }
    return batch_start(b);
}
