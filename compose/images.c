/*
 * Service images: inspected, pulled or built according to the pull policy
 * (missing, always, never, build) before any container is created, in
 * parallel within the gate; removed by down --rmi.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "compose/batch.h"
#include "compose/engine-internal.h"
#include "compose/images.h"
#include "compose/kvlist.h"
#include "compose/labels.h"

/* The images of one run or removal. */
struct ibatch {
    struct batch batch; /* first: freed by the batch as it completes */
    bool ignore_failures;
};

enum istep { I_INSPECT, I_PULL, I_BUILD, I_INSPECT_AFTER, I_REMOVE };

struct ijob {
    struct batch_job job; /* first: the batch's view */
    struct service *svc;
    char *image;
    enum istep step;
    bool may_build;   /* build when the image is missing */
    bool may_pull;    /* pull when the image is missing */
    struct service **also; /* other services of the same image, served by this job */
    size_t n_also;
};
/* the batch frees jobs (and passes them to eop callbacks) by their struct batch_job */
_Static_assert(offsetof(struct ijob, job) == 0, "struct ijob begins with its batch_job");

/* Frees a job's image names and the job. */
static void ijob_free(struct batch_job *bj)
{
    struct ijob *j = (struct ijob *)bj;
    free(j->image);
    free(j->also);
    free(j);
}

/* Ends a job. */
static void ijob_end(struct ijob *j, struct berth_error *err)
{
    struct ibatch *ib = (struct ibatch *)j->job.b;
    if (err != NULL && ib->ignore_failures && berth_error_code(err) != BERTH_E_CANCELLED) {
        engine_warn(ib->batch.c, j->svc->name, "%s", berth_error_message(err));
        berth_error_free(err);
        err = NULL;
    }
    batch_job_end(&j->job, err);
}

/* What an IMAGE_BUILD request points to. */
struct build_scratch {
    struct berth_build_spec spec;
    struct kvlist args, labels;
    const char *tags[2];
    char *context; /* absolute context path */
};

/* Frees a build_scratch. */
static void build_scratch_free(void *p)
{
    struct build_scratch *s = p;
    kvlist_free(&s->args);
    kvlist_free(&s->labels);
    free(s->context);
    free(s);
}

/* Copies a mapping (or k=v list) of strings into a kvlist. */
static void map_copy(const json_t *m, struct kvlist *out)
{
    if (json_is_object(m)) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)m, k, v)
        {
            if (json_is_string(v))
                kvlist_set(out, k, json_string_value(v));
            else if (json_is_null(v))
                continue;
            else {
                char *s = json_dumps(v, JSON_ENCODE_ANY);
                kvlist_set_take(out, k, s ? s : xstrdup(""));
            }
        }
    } else if (json_is_array(m)) {
        size_t i;
        const json_t *e;
        json_array_foreach(m, i, e)
        {
            const char *s = json_string_value(e);
            const char *eq = s ? strchr(s, '=') : NULL;
            if (eq == NULL)
                continue;
            char *k = xstrndup(s, (size_t)(eq - s));
            kvlist_set(out, k, eq + 1);
            free(k);
        }
    }
}

/* Fills the request of the job's step. */
static int ijob_fill(struct eop *e, struct berth_op_req *req, void *user,
                     struct berth_error **err)
{
    struct ijob *j = user;
    struct berth_compose *c = j->job.b->c;
    req->target = j->image;
    switch (j->step) {
    case I_INSPECT:
    case I_INSPECT_AFTER:
        req->kind = BERTH_OP_IMAGE_INSPECT;
        return 0;
    case I_REMOVE:
        req->kind = BERTH_OP_IMAGE_REMOVE;
        return 0;
    case I_PULL:
        req->kind = BERTH_OP_IMAGE_PULL;
        req->platform = engine_model_str(j->svc->def, "platform");
        return 0;
    case I_BUILD:
        break;
    }
    const json_t *b = json_object_get(j->svc->def, "build");
    struct build_scratch *s = xcalloc(1, sizeof(*s));
    eop_set_scratch(e, s, build_scratch_free);
    const char *context = json_is_string(b) ? json_string_value(b) : engine_model_str(b, "context");
    if (context == NULL)
        context = ".";
    if (context[0] != '/' && c->working_dir != NULL)
        s->context = xasprintf("%s/%s", c->working_dir,
                               strncmp(context, "./", 2) == 0 ? context + 2 : context);
    else
        s->context = xstrdup(context);
    map_copy(json_object_get(b, "args"), &s->args);
    map_copy(json_object_get(b, "labels"), &s->labels);
    s->tags[0] = j->image;
    s->spec.context = s->context;
    s->spec.dockerfile = engine_model_str(b, "dockerfile");
    s->spec.args = s->args.v;
    s->spec.n_args = s->args.n;
    s->spec.target = engine_model_str(b, "target");
    s->spec.tags = s->tags;
    s->spec.labels = s->labels.v;
    s->spec.n_labels = s->labels.n;
    s->spec.platform = engine_model_str(j->svc->def, "platform");
    s->spec.no_cache = engine_model_bool(b, "no_cache", false);
    s->spec.pull = engine_model_bool(b, "pull", false);
    req->kind = BERTH_OP_IMAGE_BUILD;
    req->build = &s->spec;
    return 0;
}

static void ijob_done(struct eop *e, const struct berth_op_result *res, void *user);

/* Records the image id (NULL: unknown) on the job's service and the services it serves. */
static void ijob_set_image(struct ijob *j, const char *id)
{
    for (size_t i = 0; i <= j->n_also; i++) {
        struct service *svc = i == 0 ? j->svc : j->also[i - 1];
        free(svc->image_id);
        svc->image_id = id ? xstrdup(id) : NULL;
        svc->image_ready = true;
    }
}

/* Launches the job's current step. */
static void ijob_launch(struct ijob *j)
{
    j->job.e = eop_start(j->job.b->c, j->step != I_INSPECT && j->step != I_INSPECT_AFTER, ijob_fill,
                         ijob_done, j);
    eop_set_user_free(j->job.e, batch_job_discarded);
}

/* Creates a job of batch b for svc and image. */
static struct ijob *ijob_new(struct ibatch *b, struct service *svc, const char *image)
{
    struct ijob *j = xcalloc(1, sizeof(*j));
    j->svc = svc;
    j->image = xstrdup(image);
    batch_add(&b->batch, &j->job);
    return j;
}

/* Goes on to step s. */
static void ijob_go(struct ijob *j, enum istep s)
{
    struct berth_compose *c = j->job.b->c;
    j->step = s;
    if (s == I_PULL)
        engine_resource(c, "image", j->image, "pulling", j->svc->name);
    else if (s == I_BUILD)
        engine_resource(c, "image", j->image, "building", j->svc->name);
    else if (s == I_REMOVE)
        engine_resource(c, "image", j->image, "removing", NULL);
    ijob_launch(j);
}

/* A step finished. */
static void ijob_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct ijob *j = user;
    struct berth_compose *c = j->job.b->c;
    int code = res->error ? berth_error_code(res->error) : BERTH_E_OK;
    struct berth_error *err = NULL;
    j->job.e = NULL;
    if (j->job.b->cancelled) {
        ijob_end(j, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
        return;
    }
    switch (j->step) {
    case I_INSPECT:
        if (res->error == NULL) {
            ijob_set_image(j, res->n_images ? res->images[0].id : NULL);
            ijob_end(j, NULL);
            return;
        }
        if (code != BERTH_E_NOT_FOUND) {
            err = berth_error_copy(res->error);
            berth_error_wrap(&err, "inspecting image %s of service \"%s\"", j->image,
                             j->svc->name);
            ijob_end(j, err);
            return;
        }
        if (j->may_build) {
            ijob_go(j, I_BUILD);
            return;
        }
        if (j->may_pull) {
            ijob_go(j, I_PULL);
            return;
        }
        err = berth_error_new(BERTH_E_NOT_FOUND, 0,
                              "image %s of service \"%s\" is not available locally", j->image,
                              j->svc->name);
        berth_error_set_hint(err, "pull it (berth pull %s), or allow pulling (--pull missing)",
                             j->svc->name);
        ijob_end(j, err);
        return;
    case I_PULL:
    case I_BUILD:
        if (res->error != NULL) {
            err = berth_error_copy(res->error);
            berth_error_wrap(&err, "%s image %s for service \"%s\"",
                             j->step == I_PULL ? "pulling" : "building", j->image, j->svc->name);
            ijob_end(j, err);
            return;
        }
        engine_resource(c, "image", j->image, j->step == I_PULL ? "pulled" : "built",
                        j->svc->name);
        if (res->id != NULL && *res->id != '\0') {
            ijob_set_image(j, res->id);
            ijob_end(j, NULL);
            return;
        }
        ijob_go(j, I_INSPECT_AFTER);
        return;
    case I_INSPECT_AFTER:
        if (res->error == NULL)
            ijob_set_image(j, res->n_images ? res->images[0].id : NULL);
        else
            for (size_t i = 0; i <= j->n_also; i++)
                (i == 0 ? j->svc : j->also[i - 1])->image_ready = true;
        ijob_end(j, NULL);
        return;
    case I_REMOVE:
        if (res->error != NULL && code != BERTH_E_NOT_FOUND) {
            err = berth_error_copy(res->error);
            berth_error_wrap(&err, "removing image %s", j->image);
            ijob_end(j, err);
            return;
        }
        if (res->error == NULL)
            engine_resource(c, "image", j->image, "removed", NULL);
        ijob_end(j, NULL);
        return;
    }
}

/* The effective policy of a service. */
static enum berth_pull_policy service_policy(const struct service *svc,
                                             enum berth_pull_policy opt)
{
    if (opt != BERTH_PULL_DEFAULT)
        return opt;
    const char *p = engine_model_str(svc->def, "pull_policy");
    if (p == NULL)
        return BERTH_PULL_MISSING;
    if (strcmp(p, "always") == 0 || strcmp(p, "daily") == 0 || strcmp(p, "weekly") == 0 ||
        strncmp(p, "every_", 6) == 0)
        return BERTH_PULL_ALWAYS;
    if (strcmp(p, "never") == 0)
        return BERTH_PULL_NEVER;
    if (strcmp(p, "build") == 0)
        return BERTH_PULL_BUILD;
    return BERTH_PULL_MISSING;
}

/* Cancels every step in flight; done follows with BERTH_E_CANCELLED. */
void images_cancel(struct ibatch *b)
{
    batch_cancel(&b->batch);
}

/* Ensures the images of the selected services. */
struct ibatch *images_run(struct berth_compose *c, const bool *sel, const struct images_plan *plan,
                images_done_fn done, void *user)
{
    struct ibatch *b = batch_new(sizeof(*b), c, ijob_free, done, user);
    b->ignore_failures = plan->ignore_failures;
    bool images = berth_backend_supports(c->backend, BERTH_FEAT_IMAGES) !=
                      BERTH_SUPPORT_UNSUPPORTED &&
                  berth_backend_has_op(c->backend, BERTH_OP_IMAGE_INSPECT);
    for (size_t i = 0; i < c->n_defined; i++) {
        struct service *svc = c->services[i];
        if (!sel[i])
            continue;
        if (!images || svc->image == NULL) {
            svc->image_ready = true;
            continue;
        }
        enum berth_pull_policy pol = service_policy(svc, plan->policy);
        bool can_build = svc->has_build && !plan->no_build && !plan->pull_only &&
                         berth_backend_has_op(c->backend, BERTH_OP_IMAGE_BUILD);
        bool can_pull = berth_backend_has_op(c->backend, BERTH_OP_IMAGE_PULL);
        /* a service with build: and no image: of its own is never pulled */
        bool own_image = engine_model_str(svc->def, "image") != NULL;
        bool may_pull = can_pull && pol != BERTH_PULL_NEVER && (own_image || !svc->has_build);
        bool build_now = can_build && (plan->build || pol == BERTH_PULL_BUILD);
        bool pull_now = may_pull && (pol == BERTH_PULL_ALWAYS || plan->pull_only);
        /* services sharing an image that is only inspected (and pulled when missing) share
         * one job: one `image inspect` per image, not per service */
        if (!can_build && !pull_now) {
            struct ijob *same = NULL;
            for (struct batch_job *bj = b->batch.jobs; bj != NULL && same == NULL; bj = bj->next) {
                struct ijob *o = (struct ijob *)bj;
                if (o->step == I_INSPECT && !o->may_build && o->may_pull == may_pull &&
                    strcmp(o->image, svc->image) == 0)
                    same = o;
            }
            if (same != NULL) {
                same->also = xrealloc(same->also, (same->n_also + 1) * sizeof(*same->also));
                same->also[same->n_also++] = svc;
                continue;
            }
        }
        struct ijob *j = ijob_new(b, svc, svc->image);
        j->may_build = can_build;
        j->may_pull = may_pull;
        if (build_now)
            ijob_go(j, I_BUILD);
        else if (pull_now)
            ijob_go(j, I_PULL);
        else
            ijob_go(j, I_INSPECT);
    }
    return batch_start(&b->batch) != NULL ? b : NULL;
}

/* Removes images for down --rmi. */
void images_remove(struct berth_compose *c, const char *rmi, images_done_fn done, void *user)
{
    struct ibatch *b = batch_new(sizeof(*b), c, ijob_free, done, user);
    bool all = rmi != NULL && strcmp(rmi, "all") == 0;
    struct strv seen;
    strv_init(&seen);
    if (berth_backend_has_op(c->backend, BERTH_OP_IMAGE_REMOVE)) {
        for (size_t i = 0; i < c->n_defined; i++) {
            struct service *svc = c->services[i];
            if (svc->image == NULL)
                continue;
            bool custom = engine_model_str(svc->def, "image") != NULL;
            if (!all && custom)
                continue;
            bool dup = false;
            for (size_t k = 0; k < seen.n && !dup; k++)
                dup = strcmp(seen.v[k], svc->image) == 0;
            if (dup)
                continue;
            strv_push(&seen, svc->image);
            ijob_go(ijob_new(b, svc, svc->image), I_REMOVE);
        }
    }
    strv_free(&seen);
    batch_start(&b->batch);
}
