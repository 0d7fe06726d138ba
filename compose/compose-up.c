/*
 * berth_compose_up and berth_compose_run: discover the project's containers
 * by label, make images available, create networks and volumes, plan each
 * service's replicas (keep, recreate, create, remove extra), then let the
 * per-container state machines run: each container starts the moment its
 * dependencies meet their conditions. On failure, what this up created is
 * removed again in reverse dependency order (rollback). Attached mode
 * follows the containers until they all ended, with abort semantics.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "compose/engine-internal.h"
#include "compose/preflight.h"
#include "compose/images.h"
#include "compose/kvlist.h"
#include "compose/resources.h"
#include "compose/verify-model.h"

/* Log streams get this long to drain once every container ended. */
#define UP_LOG_DRAIN_MS 2000u

enum up_phase { UP_DISCOVER = 0, UP_IMAGES, UP_RESOURCES, UP_RUN, UP_ROLLBACK, UP_VERIFY };

/* A replica this up brings up, and what it was before. */
struct up_target {
    struct replica *r;
    bool existed;
    bool was_running;
};

struct up_data {
    struct berth_compose_op *op;
    bool is_run;
    /* options (copied) */
    struct strv services, attach_services, no_attach;
    bool has_services, has_attach_services;
    struct kvlist scale;
    struct berth_compose_up_options o;
    char *exit_code_from;
    bool abort_exit;
    /* state */
    bool *sel;        /* services brought up */
    bool *prep_sel;   /* services whose images/resources are prepared */
    struct up_target *t;
    size_t n_t, cap_t;
    struct replica **orphans;
    size_t n_orphans, cap_orphans;
    struct eop *discover;
    struct ibatch *ib;
    /* discovery and images run side by side; the later of the two goes on */
    bool images_done;
    struct berth_error *images_err;   /* images' verdict, held until discovery is done */
    struct berth_error *discover_err; /* discovery's failure, held until images stopped */
    struct verify_model_run *vr; /* image verification (compose/verify-model.c) */
    struct batch *rb;
    bool failing, aborting, cancelled, rolled_back;
    int abort_code;
    struct berth_error *fail_err;
    struct berth_timer *wait_timer;
    bool wait_expired;
    struct berth_timer *drain_timer;
    bool drain_expired;
    /* run */
    struct berth_compose_run_options ro;
    struct strv run_cmd, run_ep, run_publish, run_volumes;
    struct kvlist run_env, run_labels;
    char *run_service, *run_name, *run_user, *run_workdir;
    struct service *run_svc;
    struct replica *oneoff;
    bool oneoff_removing;
};

/* Copies a NULL-terminated list (NULL stays empty, has = false). */
static void copy_list(struct strv *sv, const char *const *v, bool *has)
{
    strv_init(sv);
    if (has != NULL)
        *has = v != NULL;
    for (; v != NULL && *v != NULL; v++)
        strv_push(sv, *v);
}

/* True when name is in the list. */
static bool in_list(const struct strv *sv, const char *name)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], name) == 0)
            return true;
    return false;
}

/* Frees the task's data. */
static void up_free(struct berth_compose_op *op)
{
    struct up_data *d = op->data;
    if (d == NULL)
        return;
    if (d->oneoff != NULL && d->oneoff->run == &d->ro)
        d->oneoff->run = NULL;
    if (d->o.handoff && !d->o.attach && !d->is_run)
        engine_set_handoff(op->c, false, false);
    if (d->vr != NULL)
        verify_model_discard(d->vr);
    strv_free(&d->services);
    strv_free(&d->attach_services);
    strv_free(&d->no_attach);
    kvlist_free(&d->scale);
    free(d->exit_code_from);
    free(d->sel);
    free(d->prep_sel);
    free(d->t);
    free(d->orphans);
    berth_error_free(d->fail_err);
    berth_error_free(d->images_err);
    berth_error_free(d->discover_err);
    berth_timer_free(d->wait_timer);
    berth_timer_free(d->drain_timer);
    strv_free(&d->run_cmd);
    strv_free(&d->run_ep);
    strv_free(&d->run_publish);
    strv_free(&d->run_volumes);
    kvlist_free(&d->run_env);
    kvlist_free(&d->run_labels);
    free(d->run_service);
    free(d->run_name);
    free(d->run_user);
    free(d->run_workdir);
    free(d);
    op->data = NULL;
}

/* Adds a target. */
static void add_target(struct up_data *d, struct replica *r)
{
    d->t = xreallocarray_grow(d->t, &d->cap_t, d->n_t + 1, sizeof(*d->t));
    d->t[d->n_t].r = r;
    d->t[d->n_t].existed = r->exists;
    d->t[d->n_t].was_running = r->running;
    d->n_t++;
}

/* Whether the service's logs are streamed in attached mode. */
static bool attach_service(const struct up_data *d, const struct service *svc)
{
    if (!d->o.attach || d->is_run)
        return false;
    /* exit_code_from watches its service, so its logs are attached too (docker compose) */
    if (d->exit_code_from != NULL && strcmp(d->exit_code_from, svc->name) == 0)
        return true;
    if (in_list(&d->no_attach, svc->name))
        return false;
    if (d->has_attach_services)
        return in_list(&d->attach_services, svc->name);
    if (!d->has_services || d->o.attach_dependencies)
        return true;
    return in_list(&d->services, svc->name);
}

/* Prepares r to be brought up by this task. */
static void target_reset(struct up_data *d, struct replica *r, bool recreate)
{
    r->goal = d->o.no_start ? GOAL_CREATED : GOAL_UP;
    r->recreate = recreate;
    r->created_here = false;
    r->stop_sent = false;
    r->kill_sent = false;
    r->restart_pending = false;
    r->ignore_deps = d->o.no_deps;
    r->remove_volumes = d->o.renew_anon_volumes;
    r->stop_timeout_s = d->o.timeout_s;
    r->attach = attach_service(d, r->svc);
}

/* The replica count wanted for svc (a --scale override, else the model's). */
static int wanted_replicas(const struct up_data *d, const struct service *svc)
{
    const char *v = kvlist_get(&d->scale, svc->name, NULL);
    return v ? atoi(v) : svc->scale;
}

/* True when r's container differs from what the model says now. */
static bool diverged(const struct replica *r)
{
    const struct service *svc = r->svc;
    if (svc->hash != NULL && (r->hash_label == NULL || strcmp(r->hash_label, svc->hash) != 0))
        return true;
    if (svc->image_id != NULL && r->image_label != NULL &&
        strcmp(r->image_label, svc->image_id) != 0 &&
        (svc->image == NULL || strcmp(r->image_label, svc->image) != 0))
        return true;
    return false;
}

/* Plans the replicas of one selected service: keep, recreate, create, remove extra. */
static void plan_service(struct up_data *d, struct service *svc)
{
    int want = wanted_replicas(d, svc);
    int kept = 0;
    for (size_t i = 0; i < svc->n_replicas; i++) {
        struct replica *r = svc->replicas[i];
        if (!r->exists)
            continue;
        if (kept >= want) {
            r->goal = GOAL_REMOVED;
            r->stop_sent = false;
            r->stop_timeout_s = d->o.timeout_s;
            continue;
        }
        kept++;
        bool recreate = !d->o.no_recreate && (d->o.force_recreate || diverged(r));
        add_target(d, r);
        target_reset(d, r, recreate);
        if (r->running && !recreate) {
            engine_supervise(r);
            engine_attach_logs(r, false);
        } else if (!(d->o.no_start && !recreate)) {
            engine_post(r, BERTH_SVC_EV_START, NULL);
        }
    }
    for (int n = 1; kept < want; n++) {
        struct replica *r = service_replica(svc, n);
        if (r->exists)
            continue;
        kept++;
        add_target(d, r);
        target_reset(d, r, false);
        engine_post(r, BERTH_SVC_EV_START, NULL);
    }
}

/* 12 random hex digits (one-off container names). */
static void random_hex12(char out[13])
{
    unsigned char b[6];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        uint64_t t = berth_now_ms() ^ (uint64_t)(uintptr_t)out;
        for (size_t i = 0; i < sizeof(b); i++)
            b[i] = (unsigned char)(t >> (8 * i));
    }
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Wait timeout of up --wait. */
static void up_wait_timer(struct berth_timer *t, void *user)
{
    struct berth_compose_op *op = user;
    struct up_data *d = op->data;
    d->wait_expired = true;
    engine_run(op->c);
}

/* Log-drain timeout of attached mode. */
static void up_drain_timer(struct berth_timer *t, void *user)
{
    struct berth_compose_op *op = user;
    struct up_data *d = op->data;
    d->drain_expired = true;
    engine_run(op->c);
}

/* Attached up: one ATTACH event per container whose logs are streamed, before any starts. */
static void up_announce_attached(struct berth_compose_op *op)
{
    struct up_data *d = op->data;
    for (size_t i = 0; i < d->n_t; i++) {
        const struct replica *r = d->t[i].r;
        if (!r->attach)
            continue;
        struct berth_compose_event ev = {0};
        ev.type = BERTH_COMPOSE_EV_ATTACH;
        ev.project = op->c->name;
        ev.service = r->svc->name;
        ev.replica = r->number;
        ev.container = r->name;
        ev.exit_code = -1;
        engine_emit(op->c, &ev);
    }
}

/* Everything is ready: plan the replicas and let the state machines go. */
static void up_start_run(struct berth_compose_op *op)
{
    struct berth_compose *c = op->c;
    struct up_data *d = op->data;
    op->phase = UP_RUN;
    for (size_t i = 0; i < c->n_defined; i++)
        if (d->sel[i])
            plan_service(d, c->services[i]);
    up_announce_attached(op);
    if (d->is_run) {
        char *name = d->run_name ? xstrdup(d->run_name) : NULL;
        if (name == NULL) {
            char hex[13];
            random_hex12(hex);
            name = xasprintf("%s-%s-run-%s", c->name, d->run_svc->name, hex);
        }
        struct replica *r = service_oneoff_new(d->run_svc, name);
        free(name);
        r->run = &d->ro;
        r->goal = GOAL_UP;
        r->attach = !d->ro.detach;
        r->ignore_deps = d->ro.no_deps;
        d->oneoff = r;
        free(op->container);
        op->container = xstrdup(r->name);
        engine_post(r, BERTH_SVC_EV_START, NULL);
    }
    if (d->o.wait && d->o.wait_timeout_ms > 0) {
        d->wait_timer = berth_timer_new(c->eng, up_wait_timer, op);
        berth_timer_start(d->wait_timer, d->o.wait_timeout_ms);
    }
    c->converge_again = true;
}

/* Networks and volumes are there (or not). */
static void up_resources_done(void *user, struct berth_error *err)
{
    struct berth_compose_op *op = user;
    struct up_data *d = op->data;
    d->rb = NULL;
    if (err != NULL || d->cancelled || op->c->interrupted) {
        compose_task_finish(op, err ? err : berth_error_new(BERTH_E_CANCELLED, 0, "interrupted"));
        return;
    }
    up_start_run(op);
}

/* Images are verified (or not): create the networks and volumes. */
static void up_verified(void *user, struct berth_error *err)
{
    struct berth_compose_op *op = user;
    struct up_data *d = op->data;
    d->vr = NULL;
    if (err != NULL || d->cancelled || op->c->interrupted) {
        compose_task_finish(op, err ? err : berth_error_new(BERTH_E_CANCELLED, 0, "interrupted"));
        return;
    }
    op->phase = UP_RESOURCES;
    d->rb = resources_ensure(op->c, d->prep_sel, up_resources_done, op);
}

/* Discovery and images are both done: verify the images' signatures before anything is created. */
static void up_prepared(struct berth_compose_op *op, struct berth_error *err)
{
    struct up_data *d = op->data;
    if (err != NULL || d->cancelled || op->c->interrupted) {
        compose_task_finish(op, err ? err : berth_error_new(BERTH_E_CANCELLED, 0, "interrupted"));
        return;
    }
    op->phase = UP_VERIFY;
    struct verify_model_run *vr = verify_model_images(op->c, d->prep_sel, up_verified, op);
    if (vr != NULL)
        d->vr = vr;
}

/* Images are there (or not); goes on once discovery is done too. */
static void up_images_done(void *user, struct berth_error *err)
{
    struct berth_compose_op *op = user;
    struct up_data *d = op->data;
    d->ib = NULL;
    d->images_done = true;
    if (d->discover_err != NULL) {
        /* discovery failed meanwhile: its error is the op's */
        berth_error_free(err);
        struct berth_error *e = d->discover_err;
        d->discover_err = NULL;
        compose_task_finish(op, e);
        return;
    }
    if (d->discover != NULL) {
        d->images_err = err;
        return;
    }
    up_prepared(op, err);
}

/* Starts the images step (inspect, pull, build) beside discovery: it needs no container. */
static void up_start_images(struct berth_compose_op *op)
{
    struct up_data *d = op->data;
    struct images_plan plan = {
        .policy = d->o.pull,
        .build = d->o.build,
        .no_build = d->o.no_build,
    };
    d->ib = images_run(op->c, d->prep_sel, &plan, up_images_done, op);
}

/* Ends the op with err once the images step (if still running) has stopped. */
static void up_fail_discovery(struct berth_compose_op *op, struct berth_error *err)
{
    struct up_data *d = op->data;
    if (d->ib != NULL) {
        d->discover_err = err;
        images_cancel(d->ib);
        return;
    }
    compose_task_finish(op, err);
}

/* Containers of services that are not defined any more: remove or report them. */
static void up_orphans(struct berth_compose_op *op)
{
    struct berth_compose *c = op->c;
    struct up_data *d = op->data;
    struct strv names;
    strv_init(&names);
    for (size_t i = c->n_defined; i < c->n_services; i++) {
        struct service *svc = c->services[i];
        for (size_t k = 0; k < svc->n_replicas; k++) {
            struct replica *r = svc->replicas[k];
            if (!r->exists)
                continue;
            strv_push(&names, r->name);
            if (d->o.remove_orphans) {
                r->goal = GOAL_REMOVED;
                r->stop_sent = false;
                r->stop_timeout_s = d->o.timeout_s;
                d->orphans = xreallocarray_grow(d->orphans, &d->cap_orphans, d->n_orphans + 1,
                                                sizeof(r));
                d->orphans[d->n_orphans++] = r;
                strv_push(&op->orphans, r->name);
            }
        }
    }
    if (names.n > 0 && !d->o.remove_orphans) {
        size_t len = 1;
        for (size_t i = 0; i < names.n; i++)
            len += strlen(names.v[i]) + 1;
        char *list = xcalloc(1, len);
        for (size_t i = 0; i < names.n; i++) {
            if (i)
                strcat(list, " ");
            strcat(list, names.v[i]);
        }
        engine_warn(c, NULL,
                    "Found orphan containers ([%s]) for this project. If you removed or renamed "
                    "this service in your compose file, you can run this command with the "
                    "--remove-orphans flag to clean it up.",
                    list);
        free(list);
    }
    strv_free(&names);
}

/* The listing came back: adopt what exists, then images. */
static void up_discovered(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct up_data *d = op->data;
    struct berth_compose *c = op->c;
    d->discover = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        if (berth_error_code(err) != BERTH_E_CANCELLED)
            berth_error_wrap(&err, "listing the containers of project %s", c->name);
        up_fail_discovery(op, err);
        return;
    }
    if (d->cancelled || c->interrupted) {
        up_fail_discovery(op, berth_error_new(BERTH_E_CANCELLED, 0, "interrupted"));
        return;
    }
    engine_discover_apply(c, res);
    if (!d->is_run)
        up_orphans(op);
    op->phase = UP_IMAGES;
    if (!d->images_done)
        return; /* up_images_done goes on */
    struct berth_error *err = d->images_err;
    d->images_err = NULL;
    up_prepared(op, err);
}

/* The error of a failed target: the dependency chain and the root cause. */
static struct berth_error *target_error(const struct replica *r)
{
    const char *chain = r->fail_chain ? r->fail_chain : r->svc->name;
    const char *reason = r->fail_reason ? r->fail_reason : "failed";
    if (strstr(chain, " -> ") != NULL) {
        struct berth_error *e = berth_error_new(BERTH_E_DEPENDENCY, 0,
                                                "dependency failed to start: %s: %s", chain,
                                                reason);
        berth_error_set_hint(e, "see the failing service's logs: berth logs %s",
                             strrchr(chain, ' ') + 1);
        return e;
    }
    return berth_error_new(BERTH_E_BACKEND, 0, "service \"%s\": %s", r->svc->name, reason);
}

/* Calls off targets that have not started yet. */
static void call_off_waiting(struct up_data *d)
{
    for (size_t i = 0; i < d->n_t; i++) {
        struct replica *r = d->t[i].r;
        if (r->state == BERTH_SVC_WAITING || r->state == BERTH_SVC_PENDING) {
            r->goal = GOAL_NONE;
            if (r->state == BERTH_SVC_WAITING)
                engine_post(r, BERTH_SVC_EV_STOP, NULL);
        }
    }
    if (d->oneoff != NULL && d->oneoff->state == BERTH_SVC_WAITING) {
        d->oneoff->goal = GOAL_NONE;
        engine_post(d->oneoff, BERTH_SVC_EV_STOP, NULL);
    }
}

/* True while r has work in flight or is between states. */
static bool unsettled(const struct replica *r)
{
    switch (r->state) {
    case BERTH_SVC_WAITING:
    case BERTH_SVC_CREATING:
    case BERTH_SVC_STARTING:
    case BERTH_SVC_STOPPING:
    case BERTH_SVC_REMOVING:
        return true;
    default:
        return engine_replica_busy(r);
    }
}

/* True when r will not run again without a new request. */
static bool terminal(const struct replica *r)
{
    switch (r->state) {
    case BERTH_SVC_EXITED:
    case BERTH_SVC_STOPPED:
    case BERTH_SVC_FAILED:
    case BERTH_SVC_REMOVED:
    case BERTH_SVC_PENDING:
        return !engine_replica_busy(r);
    default:
        return false;
    }
}

/* Detached up: has r got where this up takes it? */
static enum dep_status target_reached(const struct up_data *d, const struct replica *r,
                                      char **why)
{
    enum berth_service_state s = r->state;
    if (r->goal == GOAL_CREATED)
        return (s == BERTH_SVC_STOPPED || s == BERTH_SVC_RUNNING || s == BERTH_SVC_HEALTHY ||
                s == BERTH_SVC_UNHEALTHY || s == BERTH_SVC_EXITED) &&
                       !engine_replica_busy(r)
                   ? DEP_OK
                   : DEP_WAIT;
    bool up = s == BERTH_SVC_RUNNING || s == BERTH_SVC_HEALTHY || s == BERTH_SVC_UNHEALTHY;
    bool ended = (s == BERTH_SVC_EXITED || s == BERTH_SVC_RESTARTING) && r->started_once;
    if (!d->o.wait)
        return up || ended ? DEP_OK : DEP_WAIT;
    /* --wait: healthy where a check exists, running otherwise, one-shots exited 0 */
    if (s == BERTH_SVC_UNHEALTHY) {
        *why = xasprintf("container %s is unhealthy", r->name);
        return DEP_FAIL;
    }
    if (s == BERTH_SVC_EXITED && r->started_once) {
        if (r->exit_code == 0)
            return DEP_OK;
        *why = xasprintf("container %s exited with code %d", r->name, r->exit_code);
        return DEP_FAIL;
    }
    if (r->svc->health.enabled)
        return s == BERTH_SVC_HEALTHY ? DEP_OK : DEP_WAIT;
    return up ? DEP_OK : DEP_WAIT;
}

/* Starts the rollback: remove what this up created, stop what it started. */
static void up_rollback(struct berth_compose_op *op)
{
    struct up_data *d = op->data;
    op->phase = UP_ROLLBACK;
    d->rolled_back = true;
    for (size_t i = 0; i < d->n_t; i++) {
        struct up_target *t = &d->t[i];
        struct replica *r = t->r;
        if (r->created_here && r->exists) {
            r->goal = GOAL_REMOVED;
            r->stop_sent = false;
        } else if (t->existed && !t->was_running && r->running) {
            r->goal = GOAL_STOPPED;
            r->stop_sent = false;
        } else {
            r->goal = GOAL_NONE;
        }
    }
    op->c->converge_again = true;
}

/* The exit code of attached mode. */
static int attached_exit_code(const struct up_data *d)
{
    if (d->exit_code_from != NULL) {
        for (size_t i = 0; i < d->n_t; i++) {
            const struct replica *r = d->t[i].r;
            if (strcmp(r->svc->name, d->exit_code_from) == 0 && r->exit_code >= 0)
                return r->exit_code;
        }
        return 0;
    }
    return d->aborting ? d->abort_code : 0;
}

/* True when every attached log stream ended (or the drain time is over). */
static bool logs_drained(struct up_data *d, struct berth_compose *c)
{
    bool open = false;
    for (size_t i = 0; i < d->n_t; i++)
        if (d->t[i].r->log_op != NULL)
            open = true;
    if (d->oneoff != NULL && d->oneoff->log_op != NULL)
        open = true;
    if (!open)
        return true;
    if (d->drain_expired) {
        for (size_t i = 0; i < d->n_t; i++)
            if (d->t[i].r->log_op != NULL) {
                eop_discard(d->t[i].r->log_op);
                d->t[i].r->log_op = NULL;
            }
        if (d->oneoff != NULL && d->oneoff->log_op != NULL) {
            eop_discard(d->oneoff->log_op);
            d->oneoff->log_op = NULL;
        }
        return true;
    }
    if (d->drain_timer == NULL) {
        d->drain_timer = berth_timer_new(c->eng, up_drain_timer, d->op);
        berth_timer_start(d->drain_timer, UP_LOG_DRAIN_MS);
    }
    return false;
}

/* The one-off container of a run: finish when it ended (and, with rm, is removed). */
static void run_check(struct berth_compose_op *op)
{
    struct up_data *d = op->data;
    struct replica *r = d->oneoff;
    if (d->ro.detach) {
        if (r->started_once || r->state == BERTH_SVC_RUNNING || r->state == BERTH_SVC_HEALTHY) {
            compose_task_finish(op, NULL);
            return;
        }
    }
    if (r->state == BERTH_SVC_FAILED && !d->failing) {
        d->failing = true;
        d->fail_err = target_error(r);
    }
    bool ended = r->state == BERTH_SVC_EXITED || r->state == BERTH_SVC_STOPPED ||
                 r->state == BERTH_SVC_FAILED || r->state == BERTH_SVC_REMOVED ||
                 (r->state == BERTH_SVC_PENDING && r->goal == GOAL_NONE);
    if (!ended || engine_replica_busy(r) || !logs_drained(d, op->c))
        return;
    if (d->ro.rm && r->exists && !d->oneoff_removing) {
        d->oneoff_removing = true;
        r->goal = GOAL_REMOVED;
        r->stop_sent = false;
        op->c->converge_again = true;
        return;
    }
    if (d->ro.rm && r->exists)
        return;
    if (d->failing) {
        compose_task_finish(op, d->fail_err);
        d->fail_err = NULL;
        return;
    }
    if (op->c->interrupted && r->exit_code < 0) {
        compose_task_finish(op, berth_error_new(BERTH_E_CANCELLED, 0, "interrupted"));
        return;
    }
    op->exit_code = r->exit_code < 0 ? 0 : r->exit_code;
    compose_task_finish(op, NULL);
}

/* After every batch of events: failure, abort, interruption, completion. */
static void up_check(struct berth_compose_op *op)
{
    struct berth_compose *c = op->c;
    struct up_data *d = op->data;
    if (op->phase == UP_ROLLBACK) {
        for (size_t i = 0; i < d->n_t; i++)
            if (unsettled(d->t[i].r) ||
                (d->t[i].r->goal == GOAL_REMOVED && d->t[i].r->state != BERTH_SVC_REMOVED &&
                 d->t[i].r->state != BERTH_SVC_FAILED))
                return;
        compose_task_finish(op, d->fail_err);
        d->fail_err = NULL;
        return;
    }
    if (op->phase != UP_RUN)
        return;
    /*
     * A target that failed fails the up. Decided only once the events settled,
     * so that its dependents failed with it: the error names the longest chain.
     */
    if (!d->failing && !d->aborting && !c->interrupted && !d->cancelled && c->q_head == NULL) {
        const struct replica *worst = NULL;
        size_t worst_len = 0;
        for (size_t i = 0; i < d->n_t; i++) {
            const struct replica *r = d->t[i].r;
            if (r->state != BERTH_SVC_FAILED)
                continue;
            size_t len = r->fail_chain ? strlen(r->fail_chain) : 0;
            if (worst == NULL || len > worst_len) {
                worst = r;
                worst_len = len;
            }
        }
        if (worst != NULL) {
            d->failing = true;
            d->fail_err = target_error(worst);
            call_off_waiting(d);
            c->converge_again = true;
        }
    }
    for (size_t i = 0; i < d->n_orphans; i++)
        if (unsettled(d->orphans[i]) || d->orphans[i]->state == BERTH_SVC_RUNNING)
            return;
    if (d->failing) {
        for (size_t i = 0; i < d->n_t; i++)
            if (unsettled(d->t[i].r))
                return;
        if (d->oneoff != NULL && unsettled(d->oneoff))
            return;
        if (!d->o.no_rollback && !d->is_run) {
            up_rollback(op);
            return;
        }
        if (d->is_run) {
            run_check(op);
            return;
        }
        compose_task_finish(op, d->fail_err);
        d->fail_err = NULL;
        return;
    }
    if (d->is_run && d->oneoff != NULL) {
        run_check(op);
        return;
    }
    if (c->interrupted || d->aborting || d->cancelled) {
        for (size_t i = 0; i < d->n_t; i++) {
            struct replica *r = d->t[i].r;
            if (unsettled(r) || (engine_replica_active(r) && r->goal == GOAL_STOPPED))
                return;
        }
        if (!logs_drained(d, c))
            return;
        if (d->cancelled) {
            compose_task_finish(op, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
        } else if (d->o.attach) {
            op->exit_code = attached_exit_code(d);
            compose_task_finish(op, NULL);
        } else {
            compose_task_finish(op, berth_error_new(BERTH_E_CANCELLED, 0, "interrupted"));
        }
        return;
    }
    if (d->o.attach) {
        for (size_t i = 0; i < d->n_t; i++)
            if (!terminal(d->t[i].r))
                return;
        if (!logs_drained(d, c))
            return;
        op->exit_code = attached_exit_code(d);
        compose_task_finish(op, NULL);
        return;
    }
    struct berth_error *werr = NULL;
    for (size_t i = 0; i < d->n_t; i++) {
        char *why = NULL;
        enum dep_status st = target_reached(d, d->t[i].r, &why);
        if (st == DEP_FAIL) {
            werr = berth_error_new(BERTH_E_STATE, 0, "service \"%s\": %s",
                                   d->t[i].r->svc->name, why);
            free(why);
            break;
        }
        if (st == DEP_WAIT) {
            if (d->wait_expired) {
                werr = berth_error_new(BERTH_E_TIMEOUT, 0,
                                       "timed out waiting for container %s (%s)",
                                       d->t[i].r->name,
                                       berth_service_state_name(d->t[i].r->state));
                break;
            }
            return;
        }
    }
    compose_task_finish(op, werr);
}

/* Attached mode: the first container that ends (or fails) may stop everything. */
static void up_on_state(struct berth_compose_op *op, struct replica *r,
                        enum berth_service_state from, enum berth_service_event cause)
{
    struct berth_compose *c = op->c;
    struct up_data *d = op->data;
    if (op->phase != UP_RUN || !d->o.attach || d->aborting || d->failing || c->interrupted ||
        r->state != BERTH_SVC_EXITED)
        return;
    /* only attached containers are watched: a dependency whose logs are not shown never aborts */
    bool target = false;
    for (size_t i = 0; i < d->n_t && !target; i++)
        target = d->t[i].r == r;
    if (!target || !r->attach)
        return;
    if (!d->abort_exit && !(d->o.abort_on_container_failure && r->exit_code != 0))
        return;
    /* an init job that completed for a service_completed_successfully dependent is not an end */
    if (r->exit_code == 0) {
        for (size_t i = 0; i < r->svc->n_dependents; i++) {
            const struct service *t = r->svc->dependents[i];
            for (size_t j = 0; j < t->n_deps; j++)
                if (t->deps[j].svc == r->svc && t->deps[j].cond == COND_COMPLETED)
                    return;
        }
    }
    d->aborting = true;
    d->abort_code = r->exit_code < 0 ? 0 : r->exit_code;
    free(op->container);
    op->container = xstrdup(r->name);
    char *msg = xasprintf("container %s exited with code %d; stopping every container",
                          r->name, r->exit_code);
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_ABORT;
    ev.project = c->name;
    ev.service = r->svc->name;
    ev.replica = r->number;
    ev.container = r->name;
    ev.exit_code = r->exit_code;
    ev.message = msg;
    engine_emit(c, &ev);
    free(msg);
    for (size_t i = 0; i < d->n_t; i++) {
        struct replica *t = d->t[i].r;
        t->restart_pending = false;
        if (t->state == BERTH_SVC_PENDING || t->state == BERTH_SVC_REMOVED) {
            t->goal = GOAL_NONE;
            continue;
        }
        t->goal = GOAL_STOPPED;
        t->stop_sent = false;
        t->stop_timeout_s = d->o.timeout_s;
    }
    /* no restarts while stopping */
    c->interrupted = true;
    c->converge_again = true;
}

/* Ctrl-C or cancel. */
static void up_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct up_data *d = op->data;
    if (cancel)
        d->cancelled = true;
    switch (op->phase) {
    case UP_DISCOVER:
        if (d->discover != NULL)
            eop_cancel(d->discover);
        if (d->ib != NULL)
            images_cancel(d->ib);
        break;
    case UP_IMAGES:
        if (d->ib != NULL)
            images_cancel(d->ib);
        break;
    case UP_VERIFY:
        if (d->vr != NULL)
            verify_model_cancel(d->vr);
        break;
    case UP_RESOURCES:
        if (d->rb != NULL)
            resources_cancel(d->rb);
        break;
    case UP_RUN:
        if (cancel)
            call_off_waiting(d);
        break;
    default:
        break;
    }
}

static const struct task_ops up_ops = {
    .name = "up",
    .lifecycle = true,
    .check = up_check,
    .on_state = up_on_state,
    .interrupt = up_interrupt,
    .free = up_free,
};

static const struct task_ops run_ops = {
    .name = "run",
    .lifecycle = true,
    .check = up_check,
    .interrupt = up_interrupt,
    .free = up_free,
};

/* Creates the task and validates/copies the options shared by up and run. */
static struct berth_compose_op *up_new(struct berth_compose *c, const struct task_ops *ops,
                                       const struct berth_compose_up_options *o,
                                       berth_compose_done_fn done, void *user,
                                       struct berth_error **err)
{
    struct berth_compose_op *op = compose_task_new(c, ops, done, user, err);
    if (op == NULL)
        return NULL;
    struct up_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->op = op;
    d->o = *o;
    copy_list(&d->services, o->services, &d->has_services);
    copy_list(&d->attach_services, o->attach_services, &d->has_attach_services);
    copy_list(&d->no_attach, o->no_attach, NULL);
    d->o.services = d->o.attach_services = d->o.no_attach = NULL;
    d->o.scale = NULL;
    d->o.n_scale = 0;
    d->exit_code_from = o->exit_code_from ? xstrdup(o->exit_code_from) : NULL;
    d->o.exit_code_from = NULL;
    d->abort_exit = o->abort_on_container_exit || o->exit_code_from != NULL;
    kvlist_init(&d->scale);
    d->sel = xcalloc(c->n_defined + 1, sizeof(*d->sel));
    d->prep_sel = xcalloc(c->n_defined + 1, sizeof(*d->prep_sel));
    for (size_t i = 0; i < o->n_scale; i++) {
        const char *k = o->scale[i].key, *v = o->scale[i].value;
        char *end = NULL;
        long n = v ? strtol(v, &end, 10) : -1;
        if (compose_service(c, k) == NULL || compose_service(c, k)->orphan) {
            berth_error_set(err, BERTH_E_NOT_FOUND, 0, "--scale %s: no such service", k);
            goto fail;
        }
        if (v == NULL || *end != '\0' || n < 0 || n > 10000) {
            berth_error_set(err, BERTH_E_INVALID, 0,
                            "--scale %s=%s: expected a number of replicas", k, v ? v : "");
            goto fail;
        }
        kvlist_set(&d->scale, k, v);
    }
    if (d->exit_code_from != NULL) {
        struct service *s = compose_service(c, d->exit_code_from);
        if (s == NULL || s->orphan) {
            berth_error_set(err, BERTH_E_NOT_FOUND, 0, "--exit-code-from %s: no such service",
                            d->exit_code_from);
            goto fail;
        }
    }
    if (o->timeout_s < -1)
        d->o.timeout_s = -1;
    return op;
fail:
    /* never reported: the caller gets NULL */
    op->done = NULL;
    compose_task_finish(op, NULL);
    return NULL;
}

struct berth_compose_op *berth_compose_up(struct berth_compose *c,
                                          const struct berth_compose_up_options *opts,
                                          berth_compose_done_fn done, void *user,
                                          struct berth_error **err)
{
    struct berth_compose_up_options defaults = {.timeout_s = -1};
    if (opts == NULL)
        opts = &defaults;
    struct berth_compose_op *op = up_new(c, &up_ops, opts, done, user, err);
    if (op == NULL)
        return NULL;
    struct up_data *d = op->data;
    if (compose_select(c, d->has_services ? (const char *const *)d->services.v : NULL,
                       !d->o.no_deps, d->sel, err) < 0) {
        op->done = NULL;
        compose_task_finish(op, NULL);
        return NULL;
    }
    memcpy(d->prep_sel, d->sel, c->n_defined * sizeof(*d->sel));
    if (preflight_check(c, d->prep_sel, d->o.strict, err) < 0) {
        op->done = NULL;
        compose_task_finish(op, NULL);
        return NULL;
    }
    c->attach_timestamps = d->o.timestamps;
    if (d->o.handoff && !d->o.attach)
        engine_set_handoff(c, true, d->o.wait);
    d->discover = engine_discover(c, up_discovered, op);
    up_start_images(op);
    return op;
}

/* Copies the run options into d (the one-off replica points at d->ro). */
static void run_copy(struct up_data *d, const struct berth_compose_run_options *o)
{
    d->ro = *o;
    d->run_service = xstrdup(o->service);
    d->ro.service = d->run_service;
    d->run_name = o->name ? xstrdup(o->name) : NULL;
    d->ro.name = d->run_name;
    d->run_user = o->user ? xstrdup(o->user) : NULL;
    d->ro.user = d->run_user;
    d->run_workdir = o->workdir ? xstrdup(o->workdir) : NULL;
    d->ro.workdir = d->run_workdir;
    copy_list(&d->run_cmd, o->command, NULL);
    d->ro.command = o->command ? strv_argv(&d->run_cmd) : NULL;
    copy_list(&d->run_ep, o->entrypoint, NULL);
    d->ro.entrypoint = o->entrypoint ? strv_argv(&d->run_ep) : NULL;
    copy_list(&d->run_publish, o->publish, NULL);
    d->ro.publish = o->publish ? strv_argv(&d->run_publish) : NULL;
    copy_list(&d->run_volumes, o->volumes, NULL);
    d->ro.volumes = o->volumes ? strv_argv(&d->run_volumes) : NULL;
    kvlist_init(&d->run_env);
    for (size_t i = 0; i < o->n_env; i++)
        kvlist_set(&d->run_env, o->env[i].key, o->env[i].value);
    d->ro.env = d->run_env.v;
    d->ro.n_env = d->run_env.n;
    kvlist_init(&d->run_labels);
    for (size_t i = 0; i < o->n_labels; i++)
        kvlist_set(&d->run_labels, o->labels[i].key, o->labels[i].value);
    d->ro.labels = d->run_labels.v;
    d->ro.n_labels = d->run_labels.n;
}

struct berth_compose_op *berth_compose_run(struct berth_compose *c,
                                           const struct berth_compose_run_options *opts,
                                           berth_compose_done_fn done, void *user,
                                           struct berth_error **err)
{
    if (opts == NULL || opts->service == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "run: no service given");
        return NULL;
    }
    struct service *svc = compose_service(c, opts->service);
    if (svc == NULL || svc->orphan) {
        const char *names[] = {opts->service, NULL};
        bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
        compose_select(c, names, false, sel, err);
        free(sel);
        return NULL;
    }
    struct berth_compose_up_options uo = {
        .no_deps = opts->no_deps,
        .pull = opts->pull,
        .build = opts->build,
        .timeout_s = -1,
        .no_rollback = true,
        .strict = opts->strict,
    };
    struct berth_compose_op *op = up_new(c, &run_ops, &uo, done, user, err);
    if (op == NULL)
        return NULL;
    struct up_data *d = op->data;
    d->is_run = true;
    d->run_svc = svc;
    run_copy(d, opts);
    if (!opts->no_deps) {
        const char *names[] = {svc->name, NULL};
        compose_select(c, names, true, d->sel, NULL);
        d->sel[svc->order] = false;
    }
    memcpy(d->prep_sel, d->sel, c->n_defined * sizeof(*d->sel));
    d->prep_sel[svc->order] = true;
    if (preflight_check(c, d->prep_sel, opts->strict, err) < 0) {
        op->done = NULL;
        compose_task_finish(op, NULL);
        return NULL;
    }
    d->discover = engine_discover(c, up_discovered, op);
    up_start_images(op);
    return op;
}
