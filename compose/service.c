/*
 * Services and their replicas: the per-container state machine.
 *
 * The lifecycle is one table, actions[state][event] (s6-supervise style):
 * every input — a backend operation finishing, a health verdict, an exit, a
 * restart-backoff timer, a request from an API operation — is an event, and
 * the action for (state, event) does the work and returns the next state. An
 * empty cell means the event is ignored in that state. Every change of state
 * is emitted to subscribers (engine_state_changed).
 */
#include "config.h"

#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/health.h"
#include "compose/restart.h"
#include "compose/spec-build.h"

/* Context of one dispatch: the event, its error, the message of the transition. */
struct sm_ctx {
    enum berth_service_event ev;
    const struct berth_error *err;
    char *msg;
};

typedef enum berth_service_state (*sm_action)(struct replica *r, struct sm_ctx *x);

static const char *const state_names[BERTH_SVC_STATE_COUNT] = {
    [BERTH_SVC_PENDING] = "pending",       [BERTH_SVC_WAITING] = "waiting",
    [BERTH_SVC_CREATING] = "creating",     [BERTH_SVC_STARTING] = "starting",
    [BERTH_SVC_RUNNING] = "running",       [BERTH_SVC_HEALTHY] = "healthy",
    [BERTH_SVC_UNHEALTHY] = "unhealthy",   [BERTH_SVC_EXITED] = "exited",
    [BERTH_SVC_RESTARTING] = "restarting", [BERTH_SVC_STOPPING] = "stopping",
    [BERTH_SVC_STOPPED] = "stopped",       [BERTH_SVC_REMOVING] = "removing",
    [BERTH_SVC_REMOVED] = "removed",       [BERTH_SVC_FAILED] = "failed",
};

static const char *const event_names[BERTH_SVC_EV_COUNT] = {
    [BERTH_SVC_EV_START] = "start",
    [BERTH_SVC_EV_DEPS_READY] = "deps-ready",
    [BERTH_SVC_EV_DEP_FAILED] = "dep-failed",
    [BERTH_SVC_EV_OP_DONE] = "op-done",
    [BERTH_SVC_EV_OP_FAILED] = "op-failed",
    [BERTH_SVC_EV_HEALTH_PASS] = "health-pass",
    [BERTH_SVC_EV_HEALTH_FAIL] = "health-fail",
    [BERTH_SVC_EV_EXIT] = "exit",
    [BERTH_SVC_EV_TIMER] = "timer",
    [BERTH_SVC_EV_STOP] = "stop-request",
    [BERTH_SVC_EV_KILL] = "kill-request",
    [BERTH_SVC_EV_REMOVE] = "remove-request",
    [BERTH_SVC_EV_RESTART] = "restart-request",
};

const char *berth_service_state_name(enum berth_service_state s)
{
    return (unsigned)s < BERTH_SVC_STATE_COUNT ? state_names[s] : "?";
}

const char *berth_service_event_name(enum berth_service_event e)
{
    return (unsigned)e < BERTH_SVC_EV_COUNT ? event_names[e] : "?";
}

/* ------------------------------------------------------------ operations */

/* Fills the request of the replica's lifecycle operation (r->op_kind). */
static int replica_fill(struct eop *e, struct berth_op_req *req, void *user,
                        struct berth_error **err)
{
    struct replica *r = user;
    req->kind = r->op_kind;
    req->target = r->id ? r->id : r->name;
    switch (r->op_kind) {
    case BERTH_OP_CONTAINER_CREATE: {
        struct spec_build *sb = spec_build_new(r, err);
        if (sb == NULL)
            return -1;
        eop_set_scratch(e, sb, (void (*)(void *))spec_build_free);
        req->spec = spec_build_spec(sb);
        req->target = r->name;
        /* one runtime call (`run -d`) where the driver can: half the processes of create+start */
        req->start = r->goal == GOAL_UP && !r->oneoff;
        break;
    }
    case BERTH_OP_CONTAINER_STOP:
        req->timeout_s = service_stop_timeout(r);
        /* the host's timeout must outlast the grace period */
        req->timeout_ms = (uint64_t)req->timeout_s * 1000u + BERTH_BACKEND_TIMEOUT_DEFAULT_MS;
        if (r->stop_removes) {
            /* the same stop, and the remove that follows it, in one call (`rm -f -t N`) */
            req->kind = BERTH_OP_CONTAINER_REMOVE;
            req->stop_first = true;
            req->force = true;
            req->volumes = r->remove_volumes;
        }
        break;
    case BERTH_OP_CONTAINER_KILL:
        req->signal = SIGKILL;
        break;
    case BERTH_OP_CONTAINER_REMOVE:
        req->force = true;
        req->volumes = r->remove_volumes;
        break;
    default:
        break;
    }
    return 0;
}

static void replica_submit(struct replica *r, enum berth_op_kind kind);

/* Completion of a lifecycle operation: becomes OP_DONE / OP_FAILED. */
static void replica_op_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct replica *r = user;
    enum berth_op_kind kind = r->op_kind;
    if (r->op == e)
        r->op = NULL;
    if (kind == BERTH_OP_CONTAINER_STOP && r->stop_removes) {
        r->stop_removes = false;
        int code = res->error != NULL ? berth_error_code(res->error) : BERTH_E_OK;
        if (code == BERTH_E_UNSUPPORTED) {
            /* this backend stops and removes in two calls: from now on, for every replica */
            r->svc->c->no_stop_remove = true;
            replica_submit(r, BERTH_OP_CONTAINER_STOP);
            return;
        }
        if (code == BERTH_E_OK || code == BERTH_E_NOT_FOUND) {
            r->removed_by_stop = true;
            r->running = false;
            engine_post(r, BERTH_SVC_EV_OP_DONE, NULL);
            return;
        }
    }
    if (res->error != NULL) {
        int code = berth_error_code(res->error);
        /* stopping or removing what is already gone succeeded */
        bool gone = code == BERTH_E_NOT_FOUND &&
                    (kind == BERTH_OP_CONTAINER_REMOVE || kind == BERTH_OP_CONTAINER_STOP ||
                     kind == BERTH_OP_CONTAINER_KILL);
        /* killing what no longer runs is a stop that already happened */
        bool not_running = code == BERTH_E_STATE && kind == BERTH_OP_CONTAINER_KILL;
        if (gone || not_running) {
            r->exists = kind != BERTH_OP_CONTAINER_REMOVE ? r->exists : false;
            r->running = false;
            engine_post(r, BERTH_SVC_EV_OP_DONE, NULL);
            return;
        }
        if (kind == BERTH_OP_CONTAINER_CREATE && res->id != NULL && *res->id != '\0') {
            /* created, then its start failed: it exists, and is this up's to roll back */
            free(r->id);
            r->id = xstrdup(res->id);
            r->exists = true;
            r->created_here = true;
            r->create_start_failed = true;
        }
        engine_post(r, BERTH_SVC_EV_OP_FAILED, berth_error_copy(res->error));
        return;
    }
    if (kind == BERTH_OP_CONTAINER_CREATE) {
        free(r->id);
        r->id = xstrdup(res->id && *res->id ? res->id : r->name);
        r->exists = true;
        r->create_started = res->started;
    }
    engine_post(r, BERTH_SVC_EV_OP_DONE, NULL);
}

/* Starts the replica's lifecycle operation of the given kind (through the gate). */
static void replica_submit(struct replica *r, enum berth_op_kind kind)
{
    r->op_kind = kind;
    r->op = eop_start(r->svc->c, true, replica_fill, replica_op_done, r);
}

/* Completion of a SIGKILL sent while STOPPING: the stop itself completes the state. */
static void replica_kill_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct replica *r = user;
    if (r->kill_op == e)
        r->kill_op = NULL;
}

/* Fills the SIGKILL request sent while STOPPING. */
static int replica_kill_fill(struct eop *e, struct berth_op_req *req, void *user,
                             struct berth_error **err)
{
    struct replica *r = user;
    req->kind = BERTH_OP_CONTAINER_KILL;
    req->target = r->id ? r->id : r->name;
    req->signal = SIGKILL;
    return 0;
}

/* Restart-backoff timer: a TIMER event. */
static void replica_timer_fire(struct berth_timer *t, void *user)
{
    struct replica *r = user;
    engine_post(r, BERTH_SVC_EV_TIMER, NULL);
    engine_run(r->svc->c);
}

/* Wall-clock milliseconds (log stream resume points). */
static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* True when the stop to submit is followed by REMOVE (down, rm -s, recreate): see act_stopped. */
static bool stop_leads_to_remove(const struct replica *r)
{
    bool leaving = r->goal == GOAL_STOPPED || r->goal == GOAL_REMOVED;
    if (r->restart_after_stop)
        return false;
    return r->goal == GOAL_REMOVED || (!leaving && r->goal != GOAL_NONE && r->recreate);
}

/* Submits STOP; when REMOVE follows, both in one call where the backend can. */
static void submit_stop(struct replica *r)
{
    r->stop_removes = !r->svc->c->no_stop_remove && stop_leads_to_remove(r);
    replica_submit(r, BERTH_OP_CONTAINER_STOP);
}

/* Submits START, remembering where the log of this run begins. */
static enum berth_service_state submit_start(struct replica *r)
{
    if (r->timer != NULL)
        berth_timer_stop(r->timer);
    if (r->wait_op != NULL) {
        /* a WAIT of the previous run must not report this run's exit */
        eop_discard(r->wait_op);
        r->wait_op = NULL;
    }
    if (!r->fresh)
        r->log_since_ms = wall_ms();
    replica_submit(r, BERTH_OP_CONTAINER_START);
    return BERTH_SVC_STARTING;
}

/* Sets the dependents declaring restart: true on r's service to restart once it is ready. */
static void mark_dependents(struct replica *r)
{
    struct berth_compose *c = r->svc->c;
    if (r->oneoff || c->no_dep_restart)
        return;
    for (size_t i = 0; i < r->svc->n_dependents; i++) {
        struct service *t = r->svc->dependents[i];
        for (size_t j = 0; j < t->n_deps; j++) {
            if (t->deps[j].svc != r->svc || !t->deps[j].restart)
                continue;
            for (size_t k = 0; k < t->n_replicas; k++) {
                struct replica *d = t->replicas[k];
                if (engine_replica_active(d) && d->state != BERTH_SVC_WAITING &&
                    d->goal != GOAL_STOPPED && d->goal != GOAL_REMOVED)
                    d->restart_pending = true;
            }
        }
    }
}

/* ---------------------------------------------------------------- actions */

/* START: wait for the dependencies (remembering where to return if called off). */
static enum berth_service_state act_wait(struct replica *r, struct sm_ctx *x)
{
    r->rest_state = r->state;
    r->started_once = false;
    free(r->fail_reason);
    free(r->fail_chain);
    r->fail_reason = r->fail_chain = NULL;
    restart_reset(&r->rs);
    if (r->health != NULL)
        health_stop(r->health);
    return BERTH_SVC_WAITING;
}

/* DEPS_READY: create, replace or start the container. */
static enum berth_service_state act_launch(struct replica *r, struct sm_ctx *x)
{
    if (r->goal != GOAL_UP && r->goal != GOAL_CREATED)
        return r->rest_state;
    if (r->exists && r->recreate) {
        mark_dependents(r);
        x->msg = xstrdup("recreate");
        engine_resource(r->svc->c, "container", r->name, "recreate", NULL);
        if (r->running) {
            submit_stop(r);
            return BERTH_SVC_STOPPING;
        }
        replica_submit(r, BERTH_OP_CONTAINER_REMOVE);
        return BERTH_SVC_REMOVING;
    }
    if (r->exists) {
        if (r->running) {
            engine_supervise(r);
            return r->rest_state == BERTH_SVC_HEALTHY ? BERTH_SVC_HEALTHY : BERTH_SVC_RUNNING;
        }
        if (r->goal == GOAL_CREATED)
            return BERTH_SVC_STOPPED;
        return submit_start(r);
    }
    replica_submit(r, BERTH_OP_CONTAINER_CREATE);
    return BERTH_SVC_CREATING;
}

/* DEP_FAILED: the failure (chain) was recorded by the engine. */
static enum berth_service_state act_dep_failed(struct replica *r, struct sm_ctx *x)
{
    x->msg = xasprintf("%s: %s", r->fail_chain ? r->fail_chain : r->svc->name,
                       r->fail_reason ? r->fail_reason : "dependency failed");
    return BERTH_SVC_FAILED;
}

/* STOP/KILL while WAITING: called off, back to where it was. */
static enum berth_service_state act_unwait(struct replica *r, struct sm_ctx *x)
{
    enum berth_service_state s = r->rest_state;
    bool was_up = s == BERTH_SVC_RUNNING || s == BERTH_SVC_HEALTHY || s == BERTH_SVC_UNHEALTHY;
    if (was_up && !r->running)
        return BERTH_SVC_EXITED;
    if (was_up && r->supervised)
        engine_supervise(r);
    if (s == BERTH_SVC_WAITING || s == BERTH_SVC_FAILED)
        return r->exists ? BERTH_SVC_STOPPED : BERTH_SVC_PENDING;
    return s;
}

/* REMOVE: remove the container (stopping it first when it runs). */
static enum berth_service_state act_remove(struct replica *r, struct sm_ctx *x)
{
    if (r->timer != NULL)
        berth_timer_stop(r->timer);
    if (!r->exists)
        return BERTH_SVC_REMOVED;
    if (r->running) {
        if (r->health != NULL)
            health_stop(r->health);
        submit_stop(r);
        return BERTH_SVC_STOPPING;
    }
    replica_submit(r, BERTH_OP_CONTAINER_REMOVE);
    return BERTH_SVC_REMOVING;
}

/* OP_DONE while CREATING: start it, or stay created (no_start). */
static enum berth_service_state act_created(struct replica *r, struct sm_ctx *x)
{
    r->exists = true;
    r->created_here = true;
    r->fresh = true;
    r->running = false;
    /* what its labels say: convergence compares against these */
    free(r->hash_label);
    free(r->image_label);
    r->hash_label = r->svc->hash ? xstrdup(r->svc->hash) : NULL;
    r->image_label = r->svc->image_id   ? xstrdup(r->svc->image_id)
                     : r->svc->image    ? xstrdup(r->svc->image)
                                        : NULL;
    x->msg = xstrdup("created");
    if (r->create_started) {
        /* the start is already done: STARTING completes on the next event, as after a START */
        r->create_started = false;
        engine_post(r, BERTH_SVC_EV_OP_DONE, NULL);
        return BERTH_SVC_STARTING;
    }
    if (r->goal == GOAL_UP)
        return submit_start(r);
    return BERTH_SVC_STOPPED;
}

/* OP_FAILED of create/start/remove/stop: the replica failed; the error is the reason. */
static enum berth_service_state act_op_failed(struct replica *r, struct sm_ctx *x)
{
    const char *verb = r->create_start_failed ? "starting" : "creating";
    r->create_start_failed = false;
    switch (r->state) {
    case BERTH_SVC_STARTING: verb = "starting"; break;
    case BERTH_SVC_STOPPING: verb = "stopping"; break;
    case BERTH_SVC_REMOVING: verb = "removing"; break;
    default: break;
    }
    char *reason = xasprintf("%s container %s: %s", verb, r->name,
                             x->err ? berth_error_message(x->err) : "failed");
    service_set_failure(r, reason, NULL);
    free(reason);
    x->msg = xstrdup(r->fail_reason);
    return BERTH_SVC_FAILED;
}

static enum berth_service_state act_exited(struct replica *r, struct sm_ctx *x);

/* OP_DONE while STARTING: running; follow its exit, health and log. */
static enum berth_service_state act_started(struct replica *r, struct sm_ctx *x)
{
    r->running = true;
    r->started_once = true;
    restart_note_start(&r->rs, berth_now_ms());
    engine_supervise(r);
    engine_attach_logs(r, r->fresh);
    r->fresh = false;
    if (r->exit_pending) {
        r->exit_pending = false;
        return act_exited(r, x);
    }
    x->msg = xstrdup("started");
    return BERTH_SVC_RUNNING;
}

/* EXIT while STARTING (event stream raced the start's reply): handled once started. */
static enum berth_service_state act_early_exit(struct replica *r, struct sm_ctx *x)
{
    r->exit_pending = true;
    return r->state;
}

/* HEALTH_PASS: healthy. */
static enum berth_service_state act_healthy(struct replica *r, struct sm_ctx *x)
{
    x->msg = xstrdup("health check passed");
    return BERTH_SVC_HEALTHY;
}

/* HEALTH_FAIL: unhealthy after `retries` failures. */
static enum berth_service_state act_unhealthy(struct replica *r, struct sm_ctx *x)
{
    x->msg = xasprintf("container %s is unhealthy (%d failed health checks)", r->name,
                       r->health ? health_failures(r->health) : r->svc->health.retries);
    return BERTH_SVC_UNHEALTHY;
}

/* EXIT while up: the restart policy decides between RESTARTING and EXITED. */
static enum berth_service_state act_exited(struct replica *r, struct sm_ctx *x)
{
    struct berth_compose *c = r->svc->c;
    uint64_t delay = 0;
    r->running = false;
    if (r->health != NULL)
        health_stop(r->health);
    free(x->msg);
    x->msg = NULL;
    if (!r->oneoff && r->supervised && r->goal != GOAL_STOPPED && r->goal != GOAL_REMOVED &&
        !c->interrupted &&
        restart_decide(&r->svc->restart, &r->rs, r->exit_code, berth_now_ms(), &delay)) {
        if (r->timer == NULL)
            r->timer = berth_timer_new(c->eng, replica_timer_fire, r);
        berth_timer_start(r->timer, delay);
        mark_dependents(r);
        r->started_once = false;
        if (r->svc->restart.max_attempts > 0)
            x->msg = xasprintf("exited with code %d; restarting in %llu ms (attempt %d of %d)",
                               r->exit_code, (unsigned long long)delay, r->rs.attempts,
                               r->svc->restart.max_attempts);
        else
            x->msg = xasprintf("exited with code %d; restarting in %llu ms (attempt %d)",
                               r->exit_code, (unsigned long long)delay, r->rs.attempts);
        return BERTH_SVC_RESTARTING;
    }
    x->msg = xasprintf("exited with code %d", r->exit_code);
    return BERTH_SVC_EXITED;
}

/* EXIT while WAITING or STOPPING: just note that it no longer runs. */
static enum berth_service_state act_note_exit(struct replica *r, struct sm_ctx *x)
{
    r->running = false;
    return r->state;
}

/* STOP (or REMOVE) while up: stop_signal, then SIGKILL after the grace period. */
static enum berth_service_state act_stop(struct replica *r, struct sm_ctx *x)
{
    if (r->health != NULL)
        health_stop(r->health);
    if (r->timer != NULL)
        berth_timer_stop(r->timer);
    if (!r->exists)
        return BERTH_SVC_STOPPED;
    submit_stop(r);
    return BERTH_SVC_STOPPING;
}

/* KILL while up: SIGKILL at once. */
static enum berth_service_state act_kill(struct replica *r, struct sm_ctx *x)
{
    if (r->health != NULL)
        health_stop(r->health);
    if (!r->exists)
        return BERTH_SVC_STOPPED;
    r->kill_sent = true;
    replica_submit(r, BERTH_OP_CONTAINER_KILL);
    return BERTH_SVC_STOPPING;
}

/* KILL while STOPPING: cut the grace period short. */
static enum berth_service_state act_kill_stopping(struct replica *r, struct sm_ctx *x)
{
    if (r->kill_op == NULL && !r->kill_sent) {
        r->kill_sent = true;
        r->kill_op = eop_start(r->svc->c, false, replica_kill_fill, replica_kill_done, r);
    }
    return r->state;
}

/* RESTART while up: stop, then start again (dependents with restart: true follow). */
static enum berth_service_state act_restart(struct replica *r, struct sm_ctx *x)
{
    r->restart_after_stop = true;
    r->started_once = false;
    restart_reset(&r->rs);
    mark_dependents(r);
    return act_stop(r, x);
}

/* TIMER while RESTARTING, or RESTART of a stopped container: start it now. */
static enum berth_service_state act_start_now(struct replica *r, struct sm_ctx *x)
{
    if (!r->exists)
        return r->state;
    if (x->ev == BERTH_SVC_EV_RESTART) {
        restart_reset(&r->rs);
        r->started_once = false;
        mark_dependents(r);
    }
    return submit_start(r);
}

/* STOP/KILL while RESTARTING: the restart is called off. */
static enum berth_service_state act_cancel_restart(struct replica *r, struct sm_ctx *x)
{
    if (r->timer != NULL)
        berth_timer_stop(r->timer);
    x->msg = xstrdup("restart called off");
    return BERTH_SVC_STOPPED;
}

/* OP_DONE while STOPPING: stopped; then start (restart), remove (down/recreate) or rest. */
static enum berth_service_state act_stopped(struct replica *r, struct sm_ctx *x)
{
    r->running = false;
    r->kill_sent = false;
    if (r->removed_by_stop) {
        /* stopped and removed in one call: REMOVING completes on the next event */
        r->removed_by_stop = false;
        x->msg = xstrdup("stopped");
        engine_post(r, BERTH_SVC_EV_OP_DONE, NULL);
        return BERTH_SVC_REMOVING;
    }
    bool leaving = r->goal == GOAL_STOPPED || r->goal == GOAL_REMOVED;
    if (r->restart_after_stop) {
        r->restart_after_stop = false;
        if (!leaving)
            return submit_start(r);
    }
    if (r->goal == GOAL_REMOVED || (!leaving && r->goal != GOAL_NONE && r->recreate)) {
        x->msg = xstrdup("stopped");
        replica_submit(r, BERTH_OP_CONTAINER_REMOVE);
        return BERTH_SVC_REMOVING;
    }
    x->msg = xstrdup("stopped");
    return BERTH_SVC_STOPPED;
}

/* OP_DONE while REMOVING: gone; a recreate goes on to create the replacement. */
static enum berth_service_state act_removed(struct replica *r, struct sm_ctx *x)
{
    r->exists = false;
    r->running = false;
    free(r->id);
    free(r->hash_label);
    free(r->image_label);
    r->id = r->hash_label = r->image_label = NULL;
    if ((r->goal == GOAL_UP || r->goal == GOAL_CREATED) && r->recreate) {
        r->recreate = false;
        replica_submit(r, BERTH_OP_CONTAINER_CREATE);
        return BERTH_SVC_CREATING;
    }
    x->msg = xstrdup("removed");
    if (r->svc->orphan)
        engine_resource(r->svc->c, "container", r->name, "orphan-removed", NULL);
    return BERTH_SVC_REMOVED;
}

/* STOP while FAILED: stop it if it still runs (a failed stop). */
static enum berth_service_state act_failed_stop(struct replica *r, struct sm_ctx *x)
{
    if (r->running && r->exists)
        return act_stop(r, x);
    return r->state;
}

/* The transition table: actions[state][event]; NULL = ignored. */
static const sm_action actions[BERTH_SVC_STATE_COUNT][BERTH_SVC_EV_COUNT] = {
    [BERTH_SVC_PENDING] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_REMOVE] = act_remove,
    },
    [BERTH_SVC_WAITING] = {
        [BERTH_SVC_EV_DEPS_READY] = act_launch,
        [BERTH_SVC_EV_DEP_FAILED] = act_dep_failed,
        [BERTH_SVC_EV_EXIT] = act_note_exit,
        [BERTH_SVC_EV_STOP] = act_unwait,
        [BERTH_SVC_EV_KILL] = act_unwait,
        [BERTH_SVC_EV_REMOVE] = act_remove,
    },
    [BERTH_SVC_CREATING] = {
        [BERTH_SVC_EV_OP_DONE] = act_created,
        [BERTH_SVC_EV_OP_FAILED] = act_op_failed,
    },
    [BERTH_SVC_STARTING] = {
        [BERTH_SVC_EV_OP_DONE] = act_started,
        [BERTH_SVC_EV_OP_FAILED] = act_op_failed,
        [BERTH_SVC_EV_EXIT] = act_early_exit,
    },
    [BERTH_SVC_RUNNING] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_HEALTH_PASS] = act_healthy,
        [BERTH_SVC_EV_HEALTH_FAIL] = act_unhealthy,
        [BERTH_SVC_EV_EXIT] = act_exited,
        [BERTH_SVC_EV_STOP] = act_stop,
        [BERTH_SVC_EV_KILL] = act_kill,
        [BERTH_SVC_EV_REMOVE] = act_stop,
        [BERTH_SVC_EV_RESTART] = act_restart,
    },
    [BERTH_SVC_HEALTHY] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_HEALTH_FAIL] = act_unhealthy,
        [BERTH_SVC_EV_EXIT] = act_exited,
        [BERTH_SVC_EV_STOP] = act_stop,
        [BERTH_SVC_EV_KILL] = act_kill,
        [BERTH_SVC_EV_REMOVE] = act_stop,
        [BERTH_SVC_EV_RESTART] = act_restart,
    },
    [BERTH_SVC_UNHEALTHY] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_HEALTH_PASS] = act_healthy,
        [BERTH_SVC_EV_EXIT] = act_exited,
        [BERTH_SVC_EV_STOP] = act_stop,
        [BERTH_SVC_EV_KILL] = act_kill,
        [BERTH_SVC_EV_REMOVE] = act_stop,
        [BERTH_SVC_EV_RESTART] = act_restart,
    },
    [BERTH_SVC_EXITED] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_REMOVE] = act_remove,
        [BERTH_SVC_EV_RESTART] = act_start_now,
    },
    [BERTH_SVC_RESTARTING] = {
        [BERTH_SVC_EV_TIMER] = act_start_now,
        [BERTH_SVC_EV_STOP] = act_cancel_restart,
        [BERTH_SVC_EV_KILL] = act_cancel_restart,
        [BERTH_SVC_EV_REMOVE] = act_remove,
        [BERTH_SVC_EV_RESTART] = act_start_now,
    },
    [BERTH_SVC_STOPPING] = {
        [BERTH_SVC_EV_OP_DONE] = act_stopped,
        [BERTH_SVC_EV_OP_FAILED] = act_op_failed,
        [BERTH_SVC_EV_EXIT] = act_note_exit,
        [BERTH_SVC_EV_KILL] = act_kill_stopping,
    },
    [BERTH_SVC_STOPPED] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_REMOVE] = act_remove,
        [BERTH_SVC_EV_RESTART] = act_start_now,
    },
    [BERTH_SVC_REMOVING] = {
        [BERTH_SVC_EV_OP_DONE] = act_removed,
        [BERTH_SVC_EV_OP_FAILED] = act_op_failed,
    },
    [BERTH_SVC_REMOVED] = {
        [BERTH_SVC_EV_START] = act_wait,
    },
    [BERTH_SVC_FAILED] = {
        [BERTH_SVC_EV_START] = act_wait,
        [BERTH_SVC_EV_STOP] = act_failed_stop,
        [BERTH_SVC_EV_KILL] = act_failed_stop,
        [BERTH_SVC_EV_REMOVE] = act_remove,
        [BERTH_SVC_EV_RESTART] = act_start_now,
    },
};

/* Runs one event through the table and emits the transition. */
void service_dispatch(struct replica *r, enum berth_service_event ev, struct berth_error *err)
{
    enum berth_service_state from = r->state;
    sm_action fn = actions[from][ev];
    if (fn == NULL) {
        engine_log(r->svc->c, BERTH_LOG_DEBUG, "%s: %s ignored while %s", r->name,
                   event_names[ev], state_names[from]);
        berth_error_free(err);
        return;
    }
    struct sm_ctx x = {.ev = ev, .err = err, .msg = NULL};
    enum berth_service_state to = fn(r, &x);
    if (to != from) {
        r->state = to;
        engine_state_changed(r, from, ev, x.msg);
    }
    free(x.msg);
    berth_error_free(err);
}

/* True when (state, event) has an action (tests check the table's shape). */
bool service_table_handles(enum berth_service_state s, enum berth_service_event ev)
{
    return (unsigned)s < BERTH_SVC_STATE_COUNT && (unsigned)ev < BERTH_SVC_EV_COUNT &&
           actions[s][ev] != NULL;
}

/* ------------------------------------------------------------- replicas */

/* Records why r failed (chain NULL: the service itself). */
void service_set_failure(struct replica *r, const char *reason, const char *chain)
{
    char *rs = xstrdup(reason);
    char *ch = xstrdup(chain ? chain : r->svc->name);
    free(r->fail_reason);
    free(r->fail_chain);
    r->fail_reason = rs;
    r->fail_chain = ch;
}

/* <project>-<service>-<n>, or container_name for the first replica. */
char *service_container_name(const struct service *svc, int number)
{
    const char *cn = engine_model_str(svc->def, "container_name");
    if (cn != NULL && *cn != '\0' && number == 1)
        return xstrdup(cn);
    return xasprintf("%s-%s-%d", svc->c->name, svc->name, number);
}

/* Allocates a replica in PENDING. */
static struct replica *replica_alloc(struct service *svc)
{
    struct replica *r = xcalloc(1, sizeof(*r));
    r->svc = svc;
    r->state = BERTH_SVC_PENDING;
    r->rest_state = BERTH_SVC_PENDING;
    r->exit_code = -1;
    r->stop_timeout_s = -1;
    r->health = health_new(r);
    return r;
}

/* The replica `number` of svc, created (PENDING, no container) when missing. */
struct replica *service_replica(struct service *svc, int number)
{
    size_t pos = 0;
    while (pos < svc->n_replicas && svc->replicas[pos]->number < number)
        pos++;
    if (pos < svc->n_replicas && svc->replicas[pos]->number == number)
        return svc->replicas[pos];
    struct replica *r = replica_alloc(svc);
    r->number = number;
    r->name = service_container_name(svc, number);
    svc->replicas =
        xreallocarray_grow(svc->replicas, &svc->cap_replicas, svc->n_replicas + 1, sizeof(r));
    memmove(&svc->replicas[pos + 1], &svc->replicas[pos],
            (svc->n_replicas - pos) * sizeof(r));
    svc->replicas[pos] = r;
    svc->n_replicas++;
    return r;
}

/* A one-off replica (run), registered with the project. */
struct replica *service_oneoff_new(struct service *svc, const char *name)
{
    struct berth_compose *c = svc->c;
    struct replica *r = replica_alloc(svc);
    r->oneoff = true;
    r->name = xstrdup(name);
    c->oneoffs = xreallocarray_grow(c->oneoffs, &c->cap_oneoffs, c->n_oneoffs + 1, sizeof(r));
    c->oneoffs[c->n_oneoffs++] = r;
    return r;
}

/* Frees r (operations discarded, timers freed). */
void service_replica_free(struct replica *r)
{
    if (r == NULL)
        return;
    struct eop **ops[] = {&r->op, &r->kill_op, &r->wait_op, &r->log_op};
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        if (*ops[i] != NULL)
            eop_discard(*ops[i]);
        *ops[i] = NULL;
    }
    health_free(r->health);
    berth_timer_free(r->timer);
    berth_error_free(r->op_error);
    free(r->name);
    free(r->id);
    free(r->hash_label);
    free(r->image_label);
    free(r->fail_reason);
    free(r->fail_chain);
    free(r);
}

/* The grace period to stop r with: an override, else stop_grace_period. */
int service_stop_timeout(const struct replica *r)
{
    if (r->stop_timeout_s >= 0)
        return r->stop_timeout_s;
    return r->svc->stop_grace_s;
}

/* Parses one depends_on entry's condition. */
static int parse_condition(const char *s, enum dep_cond *out)
{
    if (s == NULL || strcmp(s, "service_started") == 0)
        *out = COND_STARTED;
    else if (strcmp(s, "service_healthy") == 0)
        *out = COND_HEALTHY;
    else if (strcmp(s, "service_completed_successfully") == 0)
        *out = COND_COMPLETED;
    else
        return -1;
    return 0;
}

/* Appends a dependency entry. */
static struct dep *add_dep(struct service *svc, const char *name, size_t *cap)
{
    svc->deps = xreallocarray_grow(svc->deps, cap, svc->n_deps + 1, sizeof(*svc->deps));
    struct dep *d = &svc->deps[svc->n_deps++];
    memset(d, 0, sizeof(*d));
    d->name = xstrdup(name);
    d->required = true;
    return d;
}

/* Reads depends_on, healthcheck, restart, scale, image and stop_grace_period. */
int service_configure(struct service *svc, struct berth_error **err)
{
    const json_t *def = svc->def;
    size_t cap = 0;
    const json_t *dep = json_object_get(def, "depends_on");
    if (json_is_object(dep)) {
        /* sorted by name: deterministic order everywhere */
        const char **keys = xcalloc(json_object_size(dep) + 1, sizeof(*keys));
        size_t nk = 0;
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)dep, k, v) keys[nk++] = k;
        for (size_t i = 1; i < nk; i++)
            for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
                const char *t = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = t;
            }
        for (size_t i = 0; i < nk; i++) {
            v = json_object_get(dep, keys[i]);
            struct dep *d = add_dep(svc, keys[i], &cap);
            const char *cond = engine_model_str(v, "condition");
            if (parse_condition(cond, &d->cond) < 0) {
                struct berth_error *e = berth_error_new(
                    BERTH_E_INVALID, 0, "service \"%s\": depends_on.%s.condition: unknown condition \"%s\"",
                    svc->name, keys[i], cond);
                berth_error_set_hint(e, "use service_started, service_healthy or "
                                        "service_completed_successfully");
                free(keys);
                return berth_error_propagate(err, e);
            }
            d->required = engine_model_bool(v, "required", true);
            d->restart = engine_model_bool(v, "restart", false);
        }
        free(keys);
    } else if (json_is_array(dep)) {
        size_t i;
        const json_t *v;
        json_array_foreach(dep, i, v)
        {
            if (json_is_string(v))
                add_dep(svc, json_string_value(v), &cap);
        }
    }
    if (health_config_parse(def, &svc->health, err) < 0 ||
        restart_policy_parse(def, &svc->restart, err) < 0)
        return berth_error_wrap(err, "service \"%s\"", svc->name);
    int64_t scale = 1;
    const json_t *deploy = json_object_get(def, "deploy");
    if (json_object_get(def, "scale") != NULL)
        scale = engine_model_int(def, "scale", 1);
    else if (json_is_object(deploy) && json_object_get(deploy, "replicas") != NULL)
        scale = engine_model_int(deploy, "replicas", 1);
    if (scale < 0 || scale > 10000)
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "service \"%s\": scale %lld is out of range", svc->name,
                               (long long)scale);
    svc->scale = (int)scale;
    svc->has_build = json_object_get(def, "build") != NULL;
    const char *image = engine_model_str(def, "image");
    if (image != NULL)
        svc->image = xstrdup(image);
    else if (svc->has_build)
        svc->image = xasprintf("%s-%s", svc->c->name, svc->name);
    uint64_t grace = 10000;
    if (engine_model_duration(def, "stop_grace_period", 10000, &grace, err) < 0)
        return berth_error_wrap(err, "service \"%s\"", svc->name);
    svc->stop_grace_s = (int)((grace + 999) / 1000);
    return 0;
}

/* Frees the service and its replicas. */
void service_free(struct service *svc)
{
    if (svc == NULL)
        return;
    for (size_t i = 0; i < svc->n_replicas; i++)
        service_replica_free(svc->replicas[i]);
    free(svc->replicas);
    for (size_t i = 0; i < svc->n_deps; i++)
        free(svc->deps[i].name);
    free(svc->deps);
    free(svc->dependents);
    health_config_free(&svc->health);
    free(svc->name);
    free(svc->image);
    free(svc->image_id);
    free(svc->hash);
    free(svc);
}
