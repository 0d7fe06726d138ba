/*
 * The compose engine's loop: a queue of state-machine events, dispatched one
 * at a time (so that no action runs inside another), then convergence —
 * dependency conditions of waiting replicas, stop ordering, restart: true,
 * and the running operations' checks — until nothing changes. Also exit
 * watching (WAIT per container, else the project's EVENTS stream), attached
 * log streams and discovery by label.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compose/engine-internal.h"
#include "compose/health.h"
#include "compose/labels.h"

/* How long a WAIT may run before it is simply re-issued (it is not a poll: once a day). */
#define WAIT_REISSUE_MS (24u * 3600u * 1000u)

struct sm_event {
    struct replica *r;
    enum berth_service_event ev;
    struct berth_error *err;
    struct sm_event *next;
};

/* Queues an event. */
void engine_post(struct replica *r, enum berth_service_event ev, struct berth_error *err)
{
    struct berth_compose *c = r->svc->c;
    struct sm_event *e = xcalloc(1, sizeof(*e));
    e->r = r;
    e->ev = ev;
    e->err = err;
    if (c->q_tail != NULL)
        c->q_tail->next = e;
    else
        c->q_head = e;
    c->q_tail = e;
}

/* Drops queued events (close). */
void engine_queue_clear(struct berth_compose *c)
{
    while (c->q_head != NULL) {
        struct sm_event *e = c->q_head;
        c->q_head = e->next;
        berth_error_free(e->err);
        free(e);
    }
    c->q_tail = NULL;
}

/* Logs with component "compose". */
void engine_log(struct berth_compose *c, enum berth_log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    berth_engine_log(c->eng, lvl, "compose", "%s", msg);
    free(msg);
}

/* Calls every live subscriber; dead ones are purged once no emit runs. */
void engine_emit(struct berth_compose *c, const struct berth_compose_event *ev)
{
    c->emitting++;
    for (struct berth_compose_sub *s = c->subs; s != NULL; s = s->next)
        if (!s->dead)
            s->fn(c, ev, s->user);
    c->emitting--;
    if (c->emitting == 0 && c->subs_dirty) {
        struct berth_compose_sub **pp = &c->subs;
        while (*pp != NULL) {
            if ((*pp)->dead) {
                struct berth_compose_sub *d = *pp;
                *pp = d->next;
                free(d);
            } else {
                pp = &(*pp)->next;
            }
        }
        c->subs_dirty = false;
    }
}

/* A STATE event, then the running operations' hooks. */
void engine_state_changed(struct replica *r, enum berth_service_state from,
                          enum berth_service_event cause, const char *message)
{
    struct berth_compose *c = r->svc->c;
    engine_log(c, BERTH_LOG_DEBUG, "%s: %s -> %s (%s)%s%s", r->name,
               berth_service_state_name(from), berth_service_state_name(r->state),
               berth_service_event_name(cause), message ? ": " : "", message ? message : "");
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_STATE;
    ev.project = c->name;
    ev.service = r->svc->name;
    ev.replica = r->number;
    ev.container = r->name;
    ev.oneoff = r->oneoff;
    ev.from = from;
    ev.to = r->state;
    ev.cause = cause;
    ev.exit_code = (r->state == BERTH_SVC_EXITED || r->state == BERTH_SVC_RESTARTING)
                       ? r->exit_code
                       : -1;
    ev.message = message;
    engine_emit(c, &ev);
    for (struct berth_compose_op *op = c->ops; op != NULL; op = op->next)
        if (!op->finished && op->ops->on_state != NULL)
            op->ops->on_state(op, r, from, cause);
}

/* A WARNING event (also logged). */
void engine_warn(struct berth_compose *c, const char *service, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    engine_log(c, BERTH_LOG_INFO, "%s", msg);
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_WARNING;
    ev.project = c->name;
    ev.service = service;
    ev.exit_code = -1;
    ev.message = msg;
    engine_emit(c, &ev);
    free(msg);
}

/* A RESOURCE event. */
void engine_resource(struct berth_compose *c, const char *kind, const char *name,
                     const char *action, const char *message)
{
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_RESOURCE;
    ev.project = c->name;
    ev.exit_code = -1;
    ev.resource_kind = kind;
    ev.resource_name = name;
    ev.action = action;
    ev.message = message;
    engine_emit(c, &ev);
}

/* ------------------------------------------------------------ predicates */

/* The container is (about to be) running: dependents must stop before it. */
bool engine_replica_active(const struct replica *r)
{
    switch (r->state) {
    case BERTH_SVC_CREATING:
    case BERTH_SVC_STARTING:
    case BERTH_SVC_RUNNING:
    case BERTH_SVC_HEALTHY:
    case BERTH_SVC_UNHEALTHY:
    case BERTH_SVC_RESTARTING:
    case BERTH_SVC_STOPPING:
        return true;
    default:
        return false;
    }
}

/* A lifecycle operation is in flight. */
bool engine_replica_busy(const struct replica *r)
{
    return r->op != NULL;
}

/* ------------------------------------------------------------ dependencies */

/* Whether one replica of a dependency meets cond: DEP_OK/WAIT/FAIL, why on FAIL. */
static enum dep_status replica_cond(const struct replica *m, enum dep_cond cond, char **why)
{
    const struct service *d = m->svc;
    bool will_start = m->goal == GOAL_UP;
    enum berth_service_state s = m->state;
    if (s == BERTH_SVC_FAILED) {
        *why = xstrdup(m->fail_reason ? m->fail_reason : "failed");
        return DEP_FAIL;
    }
    switch (cond) {
    case COND_STARTED:
        if (s == BERTH_SVC_RUNNING || s == BERTH_SVC_HEALTHY || s == BERTH_SVC_UNHEALTHY)
            return DEP_OK;
        if ((s == BERTH_SVC_EXITED || s == BERTH_SVC_RESTARTING) &&
            (m->started_once || !will_start))
            return DEP_OK;
        break;
    case COND_HEALTHY:
        if (!d->health.enabled) {
            *why = xasprintf("container %s has no healthcheck configured", m->name);
            return DEP_FAIL;
        }
        if (s == BERTH_SVC_HEALTHY)
            return DEP_OK;
        if (s == BERTH_SVC_UNHEALTHY) {
            *why = xasprintf("container %s is unhealthy", m->name);
            return DEP_FAIL;
        }
        if (s == BERTH_SVC_EXITED && (m->started_once || !will_start)) {
            *why = xasprintf("container %s exited (%d)", m->name, m->exit_code);
            return DEP_FAIL;
        }
        break;
    case COND_COMPLETED:
        if (s == BERTH_SVC_EXITED && (m->started_once || !will_start)) {
            if (m->exit_code == 0)
                return DEP_OK;
            *why = xasprintf("container %s exited with code %d", m->name, m->exit_code);
            return DEP_FAIL;
        }
        break;
    }
    /* nothing is going to start it */
    if (!will_start && !engine_replica_active(m) && s != BERTH_SVC_WAITING) {
        *why = xasprintf("container %s is not running", m->name);
        return DEP_FAIL;
    }
    return DEP_WAIT;
}

/* Whether dependency d is met by all its replicas (why/chain set on DEP_FAIL). */
enum dep_status engine_dep_status(const struct dep *d, char **why, char **chain)
{
    const struct service *ds = d->svc;
    if (ds == NULL)
        return DEP_OK;
    enum dep_status st = DEP_OK;
    size_t members = 0;
    for (size_t i = 0; i < ds->n_replicas; i++) {
        const struct replica *m = ds->replicas[i];
        if (m->goal == GOAL_REMOVED || (m->state == BERTH_SVC_REMOVED && m->goal != GOAL_UP) ||
            (m->state == BERTH_SVC_PENDING && m->goal != GOAL_UP))
            continue;
        members++;
        char *w = NULL;
        enum dep_status s = replica_cond(m, d->cond, &w);
        if (s == DEP_FAIL) {
            *why = w;
            *chain = xstrdup(m->fail_chain && m->state == BERTH_SVC_FAILED ? m->fail_chain
                                                                            : ds->name);
            return DEP_FAIL;
        }
        free(w);
        if (s == DEP_WAIT)
            st = DEP_WAIT;
    }
    if (members == 0 && ds->scale > 0) {
        *why = xasprintf("service \"%s\" has no container", ds->name);
        *chain = xstrdup(ds->name);
        return DEP_FAIL;
    }
    return st;
}

/* A waiting replica: post DEPS_READY or DEP_FAILED when its dependencies decide. */
static void converge_waiting(struct replica *r)
{
    struct service *svc = r->svc;
    struct berth_compose *c = svc->c;
    if (r->ignore_deps) {
        engine_post(r, BERTH_SVC_EV_DEPS_READY, NULL);
        return;
    }
    for (size_t i = 0; i < svc->n_deps; i++) {
        struct dep *d = &svc->deps[i];
        char *why = NULL, *chain = NULL;
        enum dep_status st = engine_dep_status(d, &why, &chain);
        if (st == DEP_WAIT)
            return;
        if (st == DEP_FAIL && !d->required) {
            if (!d->warned) {
                d->warned = true;
                engine_warn(c, svc->name,
                            "service \"%s\": optional dependency \"%s\" failed (%s); starting "
                            "without it",
                            svc->name, d->name, why);
            }
            free(why);
            free(chain);
            continue;
        }
        if (st == DEP_FAIL) {
            char *full = xasprintf("%s -> %s", svc->name, chain);
            char *reason = xasprintf("%s (%s needs %s %s)", why, svc->name, d->name,
                                     labels_condition_name(d->cond));
            service_set_failure(r, reason, full);
            free(reason);
            free(full);
            free(why);
            free(chain);
            engine_post(r, BERTH_SVC_EV_DEP_FAILED, NULL);
            return;
        }
    }
    engine_post(r, BERTH_SVC_EV_DEPS_READY, NULL);
}

/* True when a replica of a service depending on r's is still running and being stopped. */
static bool dependents_active(const struct replica *r)
{
    const struct berth_compose *c = r->svc->c;
    if (r->oneoff)
        return false;
    for (size_t i = 0; i < r->svc->n_dependents; i++) {
        const struct service *t = r->svc->dependents[i];
        for (size_t k = 0; k < t->n_replicas; k++) {
            const struct replica *d = t->replicas[k];
            if ((d->goal == GOAL_STOPPED || d->goal == GOAL_REMOVED) && engine_replica_active(d))
                return true;
        }
    }
    for (size_t k = 0; k < c->n_oneoffs; k++) {
        const struct replica *d = c->oneoffs[k];
        for (size_t j = 0; j < d->svc->n_deps; j++)
            if (d->svc->deps[j].svc == r->svc &&
                (d->goal == GOAL_STOPPED || d->goal == GOAL_REMOVED) &&
                engine_replica_active(d))
                return true;
    }
    return false;
}

/* A replica whose goal is stopped/removed: post STOP/KILL/REMOVE when its turn comes. */
static void converge_leaving(struct replica *r)
{
    struct berth_compose *c = r->svc->c;
    switch (r->state) {
    case BERTH_SVC_WAITING:
        engine_post(r, BERTH_SVC_EV_STOP, NULL);
        return;
    case BERTH_SVC_CREATING:
    case BERTH_SVC_STARTING:
    case BERTH_SVC_REMOVING:
        return; /* decided when the operation completes */
    case BERTH_SVC_STOPPING:
        if (c->forced && !r->kill_sent)
            engine_post(r, BERTH_SVC_EV_KILL, NULL);
        return;
    case BERTH_SVC_RUNNING:
    case BERTH_SVC_HEALTHY:
    case BERTH_SVC_UNHEALTHY:
    case BERTH_SVC_RESTARTING:
        if (r->stop_sent)
            return;
        if (c->forced) {
            r->stop_sent = true;
            engine_post(r, BERTH_SVC_EV_KILL, NULL);
            return;
        }
        if (dependents_active(r))
            return;
        r->stop_sent = true;
        engine_post(r, r->goal == GOAL_REMOVED ? BERTH_SVC_EV_REMOVE : BERTH_SVC_EV_STOP, NULL);
        return;
    case BERTH_SVC_PENDING:
    case BERTH_SVC_STOPPED:
    case BERTH_SVC_EXITED:
    case BERTH_SVC_FAILED:
        if (r->goal == GOAL_REMOVED && !r->stop_sent) {
            if (r->running && dependents_active(r))
                return;
            r->stop_sent = true;
            engine_post(r, BERTH_SVC_EV_REMOVE, NULL);
        }
        return;
    case BERTH_SVC_REMOVED:
    case BERTH_SVC_STATE_COUNT:
        return;
    }
}

/* A replica to restart once its dependencies are ready (restart: true, explicit restart). */
static void converge_restart(struct replica *r)
{
    struct service *svc = r->svc;
    if (r->goal == GOAL_STOPPED || r->goal == GOAL_REMOVED || r->state == BERTH_SVC_WAITING ||
        r->state == BERTH_SVC_PENDING || r->state == BERTH_SVC_REMOVED) {
        r->restart_pending = false;
        return;
    }
    if (engine_replica_busy(r))
        return;
    for (size_t i = 0; i < svc->n_deps; i++) {
        const struct dep *d = &svc->deps[i];
        if (d->svc == NULL)
            continue;
        bool followed = false;
        for (size_t k = 0; k < d->svc->n_replicas; k++) {
            const struct replica *m = d->svc->replicas[k];
            if (m->restart_pending || engine_replica_busy(m))
                return;
            followed = followed || m->supervised;
        }
        /*
         * A dependency this engine does not follow (only listed, e.g. by a
         * restart of its dependent) is not being restarted: its condition is
         * not re-checked, there would be no health verdict to wait for.
         */
        if (!followed)
            continue;
        char *why = NULL, *chain = NULL;
        enum dep_status st = engine_dep_status(d, &why, &chain);
        free(why);
        free(chain);
        if (st == DEP_WAIT)
            return;
    }
    r->restart_pending = false;
    engine_post(r, BERTH_SVC_EV_RESTART, NULL);
}

static void handoff_release(struct replica *r);

/* Applies fn-style convergence to one replica. */
static void converge_replica(struct replica *r)
{
    if (r->svc->c->handoff)
        handoff_release(r);
    if (r->goal == GOAL_STOPPED || r->goal == GOAL_REMOVED)
        converge_leaving(r);
    else if (r->state == BERTH_SVC_WAITING)
        converge_waiting(r);
    else if (r->restart_pending)
        converge_restart(r);
}

/* One convergence pass over every replica and running operation. */
static void converge(struct berth_compose *c)
{
    for (size_t i = 0; i < c->n_services; i++) {
        struct service *svc = c->services[i];
        for (size_t k = 0; k < svc->n_replicas; k++)
            converge_replica(svc->replicas[k]);
    }
    for (size_t k = 0; k < c->n_oneoffs; k++)
        converge_replica(c->oneoffs[k]);
    for (struct berth_compose_op *op = c->ops; op != NULL; op = op->next)
        if (!op->finished && op->ops->check != NULL)
            op->ops->check(op);
}

/* Dispatches queued events and converges until quiescent. */
void engine_run(struct berth_compose *c)
{
    if (c->draining || c->closing)
        return;
    c->draining = true;
    for (int rounds = 0;; rounds++) {
        while (c->q_head != NULL) {
            struct sm_event *e = c->q_head;
            c->q_head = e->next;
            if (c->q_head == NULL)
                c->q_tail = NULL;
            service_dispatch(e->r, e->ev, e->err);
            free(e);
        }
        c->converge_again = false;
        converge(c);
        if (c->q_head == NULL && !c->converge_again)
            break;
        if (rounds > 100000) {
            engine_log(c, BERTH_LOG_ERROR, "convergence does not settle; giving up this turn");
            break;
        }
    }
    c->draining = false;
}

/* ------------------------------------------------------------ supervision */

/* Fills a WAIT on the replica's container. */
static int wait_fill(struct eop *e, struct berth_op_req *req, void *user, struct berth_error **err)
{
    struct replica *r = user;
    req->kind = BERTH_OP_CONTAINER_WAIT;
    req->target = r->id ? r->id : r->name;
    req->timeout_ms = WAIT_REISSUE_MS;
    return 0;
}

static void watch_exit(struct replica *r);

/* WAIT returned: the main process exited (an EXIT event). */
static void wait_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct replica *r = user;
    if (r->wait_op == e)
        r->wait_op = NULL;
    if (res->error != NULL) {
        int code = berth_error_code(res->error);
        if (code == BERTH_E_CANCELLED)
            return;
        if (code == BERTH_E_TIMEOUT) {
            if (r->running)
                watch_exit(r);
            return;
        }
        engine_log(r->svc->c, BERTH_LOG_WARN, "waiting for %s: %s", r->name,
                   berth_error_message(res->error));
        if (!r->running)
            return;
        r->exit_code = -1;
    } else {
        r->exit_code = res->exit_code;
    }
    engine_post(r, BERTH_SVC_EV_EXIT, NULL);
}

/* Follows r's exit: a WAIT of its own, or the project's event stream. */
static void watch_exit(struct replica *r)
{
    struct berth_compose *c = r->svc->c;
    if (!c->use_wait) {
        engine_watch_events(c);
        return;
    }
    if (r->wait_op == NULL)
        r->wait_op = eop_start(c, false, wait_fill, wait_done, r);
}

/*
 * What a handoff up still needs of r. Health: a healthy verdict (its
 * dependents' service_healthy, or --wait) and, until then, once a probe
 * failed, its exit (a crash fails them at once rather than after `retries`
 * failed probes; a service whose first probe passes never needs a WAIT).
 * Exit: its completion (a dependent's service_completed_successfully;
 * one-offs).
 */
enum handoff_need { NEED_NOTHING = 0, NEED_HEALTH = 1, NEED_EXIT = 2 };

/* The handoff needs of r (bits of enum handoff_need). */
static unsigned handoff_need(const struct replica *r)
{
    const struct service *svc = r->svc;
    if (r->oneoff)
        return NEED_EXIT;
    unsigned need = NEED_NOTHING;
    if (svc->c->handoff_wait && svc->health.enabled)
        need |= NEED_HEALTH;
    for (size_t i = 0; i < svc->n_dependents; i++) {
        const struct service *dep = svc->dependents[i];
        for (size_t k = 0; k < dep->n_deps; k++) {
            if (dep->deps[k].svc != svc)
                continue;
            if (dep->deps[k].cond == COND_COMPLETED)
                need |= NEED_EXIT;
            else if (dep->deps[k].cond == COND_HEALTHY && svc->health.enabled)
                need |= NEED_HEALTH;
        }
    }
    return need;
}

/* True when a handoff up needs r's exit followed now. */
static bool handoff_wants_exit(const struct replica *r, unsigned need)
{
    return (need & NEED_EXIT) ||
           ((need & NEED_HEALTH) && r->state != BERTH_SVC_HEALTHY && health_failed_once(r->health));
}

/* Handoff: stops following r once the up needs nothing more of it. */
static void handoff_release(struct replica *r)
{
    if (!r->supervised || !r->running)
        return;
    unsigned need = handoff_need(r);
    if ((need & NEED_HEALTH) && r->state != BERTH_SVC_HEALTHY) {
        if (handoff_wants_exit(r, need))
            watch_exit(r); /* a probe failed: it may be crashing */
        return;
    }
    if (r->health != NULL)
        health_stop(r->health);
    if (!handoff_wants_exit(r, need) && r->wait_op != NULL) {
        eop_discard(r->wait_op);
        r->wait_op = NULL;
    }
}

/* Turns handoff supervision on or off. */
void engine_set_handoff(struct berth_compose *c, bool on, bool wait)
{
    c->handoff = on;
    c->handoff_wait = on && wait;
}

/* Starts following a running replica's exit and health. */
void engine_supervise(struct replica *r)
{
    r->supervised = true;
    if (!r->running)
        return;
    if (r->svc->c->handoff) {
        unsigned need = handoff_need(r);
        if (handoff_wants_exit(r, need))
            watch_exit(r);
        if ((need & NEED_HEALTH) && r->state != BERTH_SVC_HEALTHY &&
            !health_running(r->health))
            health_start(r->health);
        return;
    }
    watch_exit(r);
    if (r->svc->health.enabled && !health_running(r->health) &&
        (r->state == BERTH_SVC_RUNNING || r->state == BERTH_SVC_HEALTHY ||
         r->state == BERTH_SVC_UNHEALTHY || r->state == BERTH_SVC_STARTING ||
         r->state == BERTH_SVC_WAITING))
        health_start(r->health);
}

/* Stops following r. */
void engine_unsupervise(struct replica *r)
{
    r->supervised = false;
    health_stop(r->health);
    if (r->wait_op != NULL)
        eop_discard(r->wait_op);
    r->wait_op = NULL;
    if (r->log_op != NULL)
        eop_discard(r->log_op);
    r->log_op = NULL;
}

/* ------------------------------------------------------------ event stream */

/* Finds the replica a runtime event is about. */
static struct replica *find_replica(struct berth_compose *c, const char *id, const char *name)
{
    for (size_t i = 0; i < c->n_services; i++) {
        struct service *svc = c->services[i];
        for (size_t k = 0; k < svc->n_replicas; k++) {
            struct replica *r = svc->replicas[k];
            if ((id && r->id && (strcmp(r->id, id) == 0 || str_starts_with(r->id, id))) ||
                (name && strcmp(r->name, name) == 0))
                return r;
        }
    }
    for (size_t k = 0; k < c->n_oneoffs; k++) {
        struct replica *r = c->oneoffs[k];
        if ((id && r->id && strcmp(r->id, id) == 0) || (name && strcmp(r->name, name) == 0))
            return r;
    }
    return NULL;
}

/* A runtime event: "die" of a running container is its EXIT. */
static void events_on_event(void *user, const struct berth_event_info *ev)
{
    struct berth_compose *c = user;
    if (ev->type == NULL || strcmp(ev->type, "container") != 0 || ev->action == NULL ||
        strcmp(ev->action, "die") != 0)
        return;
    struct replica *r = find_replica(c, ev->id, ev->name);
    if (r == NULL || !r->supervised)
        return;
    r->exit_code = ev->exit_code;
    engine_post(r, BERTH_SVC_EV_EXIT, NULL);
    engine_run(c);
}

/* Fills the project's EVENTS request. */
static int events_fill(struct eop *e, struct berth_op_req *req, void *user,
                       struct berth_error **err)
{
    struct berth_compose *c = user;
    struct berth_kv *filter = xcalloc(1, sizeof(*filter));
    filter->key = LABEL_PROJECT;
    filter->value = c->name;
    eop_set_scratch(e, filter, free);
    req->kind = BERTH_OP_EVENTS;
    req->filters = filter;
    req->n_filters = 1;
    req->on_event = events_on_event;
    req->stream_user = c;
    return 0;
}

/* The event stream ended. */
static void events_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose *c = user;
    if (c->events_op == e)
        c->events_op = NULL;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_CANCELLED)
        engine_log(c, BERTH_LOG_WARN, "the runtime's event stream ended: %s",
                   berth_error_message(res->error));
}

/* Starts the project's EVENTS stream once. */
void engine_watch_events(struct berth_compose *c)
{
    if (c->events_op == NULL)
        c->events_op = eop_start(c, false, events_fill, events_done, c);
}

/* -------------------------------------------------------------- log streams */

/* A line of an attached container: to the run's callback or as a LOG event. */
static void log_on_line(void *user, enum berth_stream stream, const char *line, size_t len,
                        bool complete)
{
    struct replica *r = user;
    if (r->oneoff && r->run != NULL) {
        if (r->run->on_line != NULL)
            r->run->on_line(r->run->line_user, stream, line, len, complete);
        return;
    }
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_LOG;
    ev.project = r->svc->c->name;
    ev.service = r->svc->name;
    ev.replica = r->number;
    ev.container = r->name;
    ev.oneoff = r->oneoff;
    ev.exit_code = -1;
    ev.stream = stream;
    ev.line = line;
    ev.len = len;
    ev.complete = complete;
    engine_emit(r->svc->c, &ev);
}

/* Scratch of a LOGS request: the since text. */
static int logs_fill(struct eop *e, struct berth_op_req *req, void *user,
                     struct berth_error **err)
{
    struct replica *r = user;
    req->kind = BERTH_OP_CONTAINER_LOGS;
    req->target = r->id ? r->id : r->name;
    req->follow = true;
    req->timestamps = r->svc->c->attach_timestamps;
    req->on_line = log_on_line;
    req->stream_user = r;
    req->tail = -1;
    if (r->log_since_ms > 0) {
        time_t secs = (time_t)(r->log_since_ms / 1000u);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char buf[64];
        size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, sizeof(buf) - n, ".%03uZ", (unsigned)(r->log_since_ms % 1000u));
        char *since = xstrdup(buf);
        eop_set_scratch(e, since, free);
        req->since = since;
    } else if (r->log_since_ms == 0 && !r->fresh && !r->started_once) {
        req->tail = 0; /* adopted: only what comes from now on */
    }
    return 0;
}

/* The log stream ended (the container stopped). */
static void logs_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct replica *r = user;
    if (r->log_op == e)
        r->log_op = NULL;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_CANCELLED)
        engine_log(r->svc->c, BERTH_LOG_DEBUG, "log stream of %s: %s", r->name,
                   berth_error_message(res->error));
}

/* Streams r's log while attached (from its first line when from_start). */
void engine_attach_logs(struct replica *r, bool from_start)
{
    if (!r->attach || r->log_op != NULL || !r->exists)
        return;
    if (from_start)
        r->log_since_ms = 0;
    r->log_op = eop_start(r->svc->c, false, logs_fill, logs_done, r);
}

/* ------------------------------------------------------------- discovery */

/* Fills CONTAINER_LIST of every container of the project. */
static int discover_fill(struct eop *e, struct berth_op_req *req, void *user,
                         struct berth_error **err)
{
    struct berth_compose *c = *(struct berth_compose **)user;
    struct berth_kv *f = xcalloc(1, sizeof(*f));
    f->key = LABEL_PROJECT;
    f->value = c->name;
    eop_set_scratch(e, f, free);
    req->kind = BERTH_OP_CONTAINER_LIST;
    req->all = true;
    req->filters = f;
    req->n_filters = 1;
    return 0;
}

struct discover_ctx {
    struct berth_compose *c; /* first: discover_fill reads it */
    eop_done_fn done;
    void *user;
};

/* Forwards the list's completion. */
static void discover_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct discover_ctx *d = user;
    d->done(e, res, d->user);
    free(d);
}

/* Lists the project's containers by label. */
struct eop *engine_discover(struct berth_compose *c, eop_done_fn done, void *user)
{
    struct discover_ctx *d = xcalloc(1, sizeof(*d));
    d->c = c;
    d->done = done;
    d->user = user;
    struct eop *e = eop_start(c, false, discover_fill, discover_done, d);
    eop_set_user_free(e, free);
    return e;
}

/* The orphan pseudo-service called name (created on first use). */
static struct service *orphan_service(struct berth_compose *c, const char *name)
{
    struct service *svc = compose_service(c, name);
    if (svc != NULL)
        return svc;
    svc = xcalloc(1, sizeof(*svc));
    svc->c = c;
    svc->name = xstrdup(name);
    svc->orphan = true;
    svc->stop_grace_s = 10;
    svc->order = c->n_services;
    c->services =
        xreallocarray_grow(c->services, &c->cap_services, c->n_services + 1, sizeof(svc));
    c->services[c->n_services++] = svc;
    return svc;
}

/* True when the files define name (inactive by profiles or targets: never an orphan). */
static bool is_defined(const struct berth_compose *c, const char *name)
{
    for (char **p = c->defined; p != NULL && *p != NULL; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

/* Updates a replica the engine is not driving from what the runtime reports. */
static void adopt(struct replica *r, const struct berth_container_info *ci)
{
    const char *hash = kvlist_find(ci->labels, ci->n_labels, LABEL_HASH);
    const char *image = kvlist_find(ci->labels, ci->n_labels, LABEL_IMAGE);
    free(r->id);
    free(r->hash_label);
    free(r->image_label);
    r->id = xstrdup(ci->id);
    r->hash_label = hash ? xstrdup(hash) : NULL;
    r->image_label = image ? xstrdup(image) : NULL;
    r->exists = true;
    r->fresh = false;
    if (ci->name != NULL && strcmp(ci->name, r->name) != 0) {
        free(r->name);
        r->name = xstrdup(ci->name);
    }
    switch (ci->state) {
    case BERTH_CSTATE_RUNNING:
    case BERTH_CSTATE_PAUSED:
    case BERTH_CSTATE_RESTARTING:
        r->running = true;
        if (r->state != BERTH_SVC_HEALTHY && r->state != BERTH_SVC_UNHEALTHY)
            r->state = BERTH_SVC_RUNNING;
        break;
    case BERTH_CSTATE_CREATED:
        r->running = false;
        r->state = BERTH_SVC_STOPPED;
        break;
    default:
        r->running = false;
        r->exit_code = ci->exit_code;
        r->state = BERTH_SVC_EXITED;
        break;
    }
}

/* True when the engine drives r right now (its own knowledge wins over a listing). */
static bool driven(const struct replica *r)
{
    return engine_replica_busy(r) || r->state == BERTH_SVC_WAITING ||
           r->state == BERTH_SVC_RESTARTING || (r->supervised && r->running);
}

/* Applies a CONTAINER_LIST result: adopts unknown containers, refreshes idle ones. */
void engine_discover_apply(struct berth_compose *c, const struct berth_op_result *res)
{
    struct strv seen;
    strv_init(&seen);
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_container_info *ci = &res->containers[i];
        const char *project = kvlist_find(ci->labels, ci->n_labels, LABEL_PROJECT);
        const char *service = kvlist_find(ci->labels, ci->n_labels, LABEL_SERVICE);
        const char *number = kvlist_find(ci->labels, ci->n_labels, LABEL_NUMBER);
        const char *oneoff = kvlist_find(ci->labels, ci->n_labels, LABEL_ONEOFF);
        if (project == NULL || strcmp(project, c->name) != 0 || service == NULL ||
            ci->id == NULL)
            continue;
        strv_push(&seen, ci->id);
        struct service *svc = compose_service(c, service);
        if (svc == NULL && is_defined(c, service))
            continue; /* not part of this run, but not an orphan */
        if (svc == NULL)
            svc = orphan_service(c, service);
        struct replica *r = NULL;
        if (oneoff != NULL && strcasecmp(oneoff, "True") == 0) {
            r = find_replica(c, ci->id, NULL);
            if (r == NULL || !r->oneoff)
                r = service_oneoff_new(svc, ci->name ? ci->name : ci->id);
        } else {
            long n = number ? strtol(number, NULL, 10) : 0;
            if (n <= 0 || n > 100000)
                continue;
            r = service_replica(svc, (int)n);
            if (r->id != NULL && r->exists && strcmp(r->id, ci->id) != 0) {
                engine_log(c, BERTH_LOG_WARN,
                           "two containers claim %s number %ld (%s and %s); ignoring %s",
                           service, n, r->id, ci->id, ci->id);
                continue;
            }
        }
        if (!driven(r))
            adopt(r, ci);
    }
    /* replicas whose container vanished behind our back */
    for (size_t i = 0; i < c->n_services; i++) {
        struct service *svc = c->services[i];
        for (size_t k = 0; k < svc->n_replicas; k++) {
            struct replica *r = svc->replicas[k];
            if (!r->exists || r->id == NULL || driven(r))
                continue;
            bool found = false;
            for (size_t j = 0; j < seen.n && !found; j++)
                found = strcmp(seen.v[j], r->id) == 0;
            if (!found) {
                r->exists = false;
                r->running = false;
                r->state = BERTH_SVC_REMOVED;
            }
        }
    }
    strv_free(&seen);
}
