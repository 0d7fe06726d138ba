/*
 * stop, start, restart, kill and rm on existing containers (found by label):
 * each sets goals on the replicas and lets the state machines and the
 * engine's ordering (reverse dependency order for stops, dependency
 * conditions for starts, restart: true) do the work.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"

enum ctl_kind { CTL_STOP = 0, CTL_START, CTL_RESTART, CTL_KILL, CTL_RM };
enum ctl_phase { CTL_DISCOVER = 0, CTL_RUN };

struct ctl_data {
    enum ctl_kind kind;
    struct berth_compose_ctl_options o;
    bool has_services;
    bool *sel;
    struct replica **t;
    size_t n_t, cap_t;
    struct eop *discover;
    size_t kills;
    bool cancelled;
};

/* Frees the task's data. */
static void ctl_free(struct berth_compose_op *op)
{
    struct ctl_data *d = op->data;
    if (d == NULL)
        return;
    free(d->sel);
    free(d->t);
    free(d);
    op->data = NULL;
}

/* Adds a target. */
static void ctl_target(struct ctl_data *d, struct replica *r)
{
    d->t = xreallocarray_grow(d->t, &d->cap_t, d->n_t + 1, sizeof(*d->t));
    d->t[d->n_t++] = r;
    r->stop_sent = false;
    r->kill_sent = false;
    if (d->o.timeout_s >= 0)
        r->stop_timeout_s = d->o.timeout_s;
}

/* A KILL request of the kill command. */
struct kill_req {
    struct berth_compose_op *op;
    struct replica *r;
};

/* Fills CONTAINER_KILL with the requested signal. */
static int kill_fill(struct eop *e, struct berth_op_req *req, void *user,
                     struct berth_error **err)
{
    struct kill_req *k = user;
    struct ctl_data *d = k->op->data;
    req->kind = BERTH_OP_CONTAINER_KILL;
    req->target = k->r->id ? k->r->id : k->r->name;
    req->signal = d->o.signal > 0 ? d->o.signal : SIGKILL;
    return 0;
}

/* One kill is done. */
static void kill_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct kill_req *k = user;
    struct berth_compose_op *op = k->op;
    struct ctl_data *d = op->data;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        berth_error_wrap(&err, "killing container %s", k->r->name);
        compose_task_error(op, err);
    }
    free(k);
    if (--d->kills == 0)
        compose_task_finish(op, NULL);
}

/* True when r's container is running or about to. */
static bool is_up(const struct replica *r)
{
    return r->running || engine_replica_active(r);
}

/* The listing came back: pick the targets and set their goals. */
static void ctl_discovered(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct ctl_data *d = op->data;
    d->discover = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        berth_error_wrap(&err, "listing the containers of project %s", c->name);
        compose_task_finish(op, err);
        return;
    }
    if (d->cancelled) {
        compose_task_finish(op, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
        return;
    }
    engine_discover_apply(c, res);
    op->phase = CTL_RUN;
    for (size_t i = 0; i < c->n_defined; i++) {
        if (!d->sel[i])
            continue;
        struct service *svc = c->services[i];
        size_t found = 0;
        for (size_t k = 0; k < svc->n_replicas; k++) {
            struct replica *r = svc->replicas[k];
            if (!r->exists)
                continue;
            found++;
            switch (d->kind) {
            case CTL_STOP:
                if (is_up(r) || r->state == BERTH_SVC_WAITING) {
                    ctl_target(d, r);
                    r->goal = GOAL_STOPPED;
                }
                break;
            case CTL_START:
                ctl_target(d, r);
                r->goal = GOAL_UP;
                r->ignore_deps = false;
                if (r->running) {
                    engine_supervise(r);
                } else {
                    engine_post(r, BERTH_SVC_EV_START, NULL);
                }
                break;
            case CTL_RESTART:
                ctl_target(d, r);
                r->goal = GOAL_UP;
                r->started_once = false;
                r->restart_pending = true;
                engine_supervise(r);
                break;
            case CTL_KILL:
                if (r->running) {
                    struct kill_req *kr = xcalloc(1, sizeof(*kr));
                    kr->op = op;
                    kr->r = r;
                    d->kills++;
                    struct eop *ke = eop_start(c, true, kill_fill, kill_done, kr);
                    eop_set_user_free(ke, free);
                }
                break;
            case CTL_RM:
                if (!is_up(r) || d->o.force || d->o.stop_first) {
                    ctl_target(d, r);
                    r->goal = GOAL_REMOVED;
                    r->remove_volumes = d->o.volumes;
                }
                break;
            }
        }
        if (found == 0 && d->kind == CTL_START && d->has_services) {
            struct berth_error *err =
                berth_error_new(BERTH_E_NOT_FOUND, 0, "service \"%s\" has no container to start",
                                svc->name);
            berth_error_set_hint(err, "create it with `berth up %s`", svc->name);
            compose_task_error(op, err);
        }
    }
    if (op->error != NULL) {
        for (size_t i = 0; i < d->n_t; i++)
            if (d->t[i]->state == BERTH_SVC_WAITING)
                engine_post(d->t[i], BERTH_SVC_EV_STOP, NULL);
        for (size_t i = 0; i < d->n_t; i++)
            d->t[i]->goal = GOAL_NONE;
        compose_task_finish(op, NULL);
        return;
    }
    if (d->kind == CTL_KILL && d->kills == 0)
        compose_task_finish(op, NULL);
    c->converge_again = true;
}

/* Done when every target got where the command takes it. */
static void ctl_check(struct berth_compose_op *op)
{
    struct ctl_data *d = op->data;
    if (op->phase != CTL_RUN || d->kind == CTL_KILL)
        return;
    /*
     * Convergence may just have queued a target's restart/stop/start: its state
     * says nothing yet. (A restart looked done the moment it was queued, and the
     * CLI exited while `podman stop` ran.)
     */
    if (op->c->q_head != NULL)
        return;
    for (size_t i = 0; i < d->n_t; i++) {
        struct replica *r = d->t[i];
        if (engine_replica_busy(r) || r->state == BERTH_SVC_WAITING)
            return;
        enum berth_service_state s = r->state;
        bool up = s == BERTH_SVC_RUNNING || s == BERTH_SVC_HEALTHY || s == BERTH_SVC_UNHEALTHY;
        switch (d->kind) {
        case CTL_STOP:
            if (engine_replica_active(r) && !d->cancelled)
                return;
            break;
        case CTL_START:
        case CTL_RESTART:
            if (s == BERTH_SVC_FAILED)
                break;
            if (d->cancelled)
                break;
            if (r->restart_pending)
                return;
            if (!(up || ((s == BERTH_SVC_EXITED || s == BERTH_SVC_RESTARTING) &&
                         r->started_once)))
                return;
            break;
        case CTL_RM:
            if (s != BERTH_SVC_REMOVED && s != BERTH_SVC_FAILED && !d->cancelled)
                return;
            break;
        case CTL_KILL:
            break;
        }
    }
    struct berth_error *err = NULL;
    for (size_t i = 0; i < d->n_t && err == NULL; i++) {
        struct replica *r = d->t[i];
        if (r->state == BERTH_SVC_FAILED) {
            const char *chain = r->fail_chain ? r->fail_chain : r->svc->name;
            err = strstr(chain, " -> ")
                      ? berth_error_new(BERTH_E_DEPENDENCY, 0,
                                        "dependency failed to start: %s: %s", chain,
                                        r->fail_reason ? r->fail_reason : "failed")
                      : berth_error_new(BERTH_E_BACKEND, 0, "service \"%s\": %s",
                                        r->svc->name,
                                        r->fail_reason ? r->fail_reason : "failed");
        }
    }
    if (err == NULL && d->cancelled)
        err = berth_error_new(BERTH_E_CANCELLED, 0, "cancelled");
    compose_task_finish(op, err);
}

/* Ctrl-C / cancel. */
static void ctl_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct ctl_data *d = op->data;
    d->cancelled = true;
    if (op->phase == CTL_DISCOVER && d->discover != NULL)
        eop_cancel(d->discover);
    for (size_t i = 0; i < d->n_t; i++)
        d->t[i]->restart_pending = false;
}

static const struct task_ops ctl_ops[] = {
    [CTL_STOP] = {.name = "stop", .lifecycle = true, .check = ctl_check,
                  .interrupt = ctl_interrupt, .free = ctl_free},
    [CTL_START] = {.name = "start", .lifecycle = true, .check = ctl_check,
                   .interrupt = ctl_interrupt, .free = ctl_free},
    [CTL_RESTART] = {.name = "restart", .lifecycle = true, .check = ctl_check,
                     .interrupt = ctl_interrupt, .free = ctl_free},
    [CTL_KILL] = {.name = "kill", .lifecycle = true, .check = ctl_check,
                  .interrupt = ctl_interrupt, .free = ctl_free},
    [CTL_RM] = {.name = "rm", .lifecycle = true, .check = ctl_check,
                .interrupt = ctl_interrupt, .free = ctl_free},
};

/* Starts a control task of the given kind. */
static struct berth_compose_op *ctl_start(struct berth_compose *c, enum ctl_kind kind,
                                          const struct berth_compose_ctl_options *opts,
                                          berth_compose_done_fn done, void *user,
                                          struct berth_error **err)
{
    struct berth_compose_ctl_options defaults = {.timeout_s = -1};
    if (opts == NULL)
        opts = &defaults;
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    if (compose_select(c, opts->services, kind == CTL_START, sel, err) < 0) {
        free(sel);
        return NULL;
    }
    struct berth_compose_op *op = compose_task_new(c, &ctl_ops[kind], done, user, err);
    if (op == NULL) {
        free(sel);
        return NULL;
    }
    struct ctl_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->kind = kind;
    d->o = *opts;
    d->o.services = NULL;
    d->has_services = opts->services != NULL;
    d->sel = sel;
    c->no_dep_restart = kind == CTL_RESTART && opts->no_deps;
    d->discover = engine_discover(c, ctl_discovered, op);
    return op;
}

struct berth_compose_op *berth_compose_stop(struct berth_compose *c,
                                            const struct berth_compose_ctl_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    return ctl_start(c, CTL_STOP, opts, done, user, err);
}

struct berth_compose_op *berth_compose_start(struct berth_compose *c,
                                             const struct berth_compose_ctl_options *opts,
                                             berth_compose_done_fn done, void *user,
                                             struct berth_error **err)
{
    return ctl_start(c, CTL_START, opts, done, user, err);
}

struct berth_compose_op *berth_compose_restart(struct berth_compose *c,
                                               const struct berth_compose_ctl_options *opts,
                                               berth_compose_done_fn done, void *user,
                                               struct berth_error **err)
{
    return ctl_start(c, CTL_RESTART, opts, done, user, err);
}

struct berth_compose_op *berth_compose_kill(struct berth_compose *c,
                                            const struct berth_compose_ctl_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    return ctl_start(c, CTL_KILL, opts, done, user, err);
}

struct berth_compose_op *berth_compose_rm(struct berth_compose *c,
                                          const struct berth_compose_ctl_options *opts,
                                          berth_compose_done_fn done, void *user,
                                          struct berth_error **err)
{
    return ctl_start(c, CTL_RM, opts, done, user, err);
}
