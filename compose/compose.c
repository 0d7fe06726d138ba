/*
 * struct berth_compose: a project opened in the engine. Opening reads the
 * normalised model once (services, dependencies, health checks, restart
 * policies, config hashes, the dependency order); the API operations run as
 * tasks (compose-*.c) on the engine's loop. Also subscriptions and the
 * graceful-stop / force-kill entry points the CLI calls on Ctrl-C.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/graph.h"

/* ---------------------------------------------------------- subscriptions */

struct berth_compose_sub *berth_compose_subscribe(struct berth_compose *c,
                                                  berth_compose_event_fn fn, void *user)
{
    struct berth_compose_sub *s = xcalloc(1, sizeof(*s));
    s->c = c;
    s->fn = fn;
    s->user = user;
    struct berth_compose_sub **pp = &c->subs;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = s;
    return s;
}

void berth_compose_unsubscribe(struct berth_compose_sub *sub)
{
    if (sub == NULL)
        return;
    struct berth_compose *c = sub->c;
    sub->dead = true;
    if (c->emitting > 0) {
        c->subs_dirty = true;
        return;
    }
    struct berth_compose_sub **pp = &c->subs;
    while (*pp != NULL && *pp != sub)
        pp = &(*pp)->next;
    if (*pp == sub)
        *pp = sub->next;
    free(sub);
}

/* ------------------------------------------------------------ lookups */

/* The service called name (defined or orphan), or NULL. */
struct service *compose_service(const struct berth_compose *c, const char *name)
{
    for (size_t i = 0; i < c->n_services; i++)
        if (strcmp(c->services[i]->name, name) == 0)
            return c->services[i];
    return NULL;
}

/* Marks the selected services (and, with deps, everything they depend on). */
int compose_select(struct berth_compose *c, const char *const *names, bool deps, bool *sel,
                   struct berth_error **err)
{
    memset(sel, 0, (c->n_defined ? c->n_defined : 1) * sizeof(*sel));
    if (names == NULL) {
        for (size_t i = 0; i < c->n_defined; i++)
            sel[i] = true;
        return 0;
    }
    for (const char *const *n = names; *n != NULL; n++) {
        struct service *svc = compose_service(c, *n);
        if (svc == NULL || svc->orphan) {
            struct berth_error *e = berth_error_new(BERTH_E_NOT_FOUND, 0,
                                                    "no such service: %s", *n);
            struct strv all;
            strv_init(&all);
            size_t len = 1;
            for (size_t i = 0; i < c->n_defined; i++)
                len += strlen(c->services[i]->name) + 2;
            char *list = xcalloc(1, len);
            for (size_t i = 0; i < c->n_defined; i++) {
                if (i)
                    strcat(list, ", ");
                strcat(list, c->services[i]->name);
            }
            berth_error_set_hint(e, "services of project %s: %s", c->name,
                                 c->n_defined ? list : "(none)");
            free(list);
            strv_free(&all);
            return berth_error_propagate(err, e);
        }
        sel[svc->order] = true;
    }
    if (deps) {
        /* dependency order: a service's dependencies come before it, so walk backwards */
        for (size_t i = c->n_defined; i-- > 0;) {
            if (!sel[i])
                continue;
            struct service *svc = c->services[i];
            for (size_t j = 0; j < svc->n_deps; j++)
                if (svc->deps[j].svc != NULL)
                    sel[svc->deps[j].svc->order] = true;
        }
    }
    return 0;
}

const char *berth_compose_project_name(const struct berth_compose *c)
{
    return c->name;
}

enum berth_service_state berth_compose_state(const struct berth_compose *c, const char *service,
                                             int replica)
{
    const struct service *svc = compose_service(c, service);
    if (svc == NULL)
        return BERTH_SVC_PENDING;
    for (size_t i = 0; i < svc->n_replicas; i++)
        if (svc->replicas[i]->number == (replica > 0 ? replica : 1))
            return svc->replicas[i]->state;
    return BERTH_SVC_PENDING;
}

const char *const *berth_compose_service_order(const struct berth_compose *c)
{
    return c->order_names;
}

/* ------------------------------------------------------------------ open */

/* qsort comparator over service names. */
static int svc_name_cmp(const void *a, const void *b)
{
    const struct service *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* Resolves dependencies, builds the graph and puts services in dependency order. */
static int order_services(struct berth_compose *c, struct berth_error **err)
{
    size_t n = c->n_defined;
    const char **names = xcalloc(n + 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = c->services[i]->name;
    for (size_t i = 0; i < n; i++) {
        struct service *svc = c->services[i];
        for (size_t j = 0; j < svc->n_deps; j++) {
            struct dep *d = &svc->deps[j];
            struct service *ds = compose_service(c, d->name);
            if (ds == NULL) {
                if (d->required) {
                    struct berth_error *e = berth_error_new(
                        BERTH_E_INVALID, 0, "service \"%s\" depends on undefined service \"%s\"",
                        svc->name, d->name);
                    berth_error_set_hint(e, "define \"%s\" (or enable its profile), or mark the "
                                            "dependency `required: false`",
                                         d->name);
                    free(names);
                    return berth_error_propagate(err, e);
                }
                engine_log(c, BERTH_LOG_INFO,
                           "service \"%s\": optional dependency \"%s\" is not defined; ignored",
                           svc->name, d->name);
                continue;
            }
            if (ds == svc) {
                free(names);
                return berth_error_set(err, BERTH_E_INVALID, 0,
                                       "service \"%s\" depends on itself", svc->name);
            }
            d->svc = ds;
            ds->dependents = xreallocarray_grow(ds->dependents, &ds->cap_dependents,
                                                ds->n_dependents + 1, sizeof(svc));
            ds->dependents[ds->n_dependents++] = svc;
        }
    }
    /* the services array is sorted by name here: node i is services[i] */
    struct graph *g = graph_new(names, n);
    for (size_t i = 0; i < n; i++) {
        struct service *svc = c->services[i];
        for (size_t j = 0; j < svc->n_deps; j++) {
            if (svc->deps[j].svc == NULL)
                continue;
            for (size_t k = 0; k < n; k++)
                if (c->services[k] == svc->deps[j].svc)
                    graph_add_edge(g, i, k);
        }
    }
    size_t *order = xcalloc(n ? n : 1, sizeof(*order));
    int rc = graph_order(g, order, err);
    if (rc == 0) {
        struct service **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
        for (size_t i = 0; i < n; i++)
            sorted[i] = c->services[order[i]];
        for (size_t i = 0; i < n; i++) {
            c->services[i] = sorted[i];
            c->services[i]->order = i;
        }
        free(sorted);
        c->order_names = xcalloc(n + 1, sizeof(*c->order_names));
        for (size_t i = 0; i < n; i++)
            c->order_names[i] = c->services[i]->name;
    }
    free(order);
    graph_free(g);
    free(names);
    return rc;
}

/* Opens a project from a model source. */
struct berth_compose *compose_open_source(struct berth_engine *eng,
                                          const struct compose_source *src,
                                          struct berth_backend *backend,
                                          const struct berth_compose_options *opts,
                                          struct berth_error **err)
{
    const json_t *model = src->model;
    const char *name = engine_model_str(model, "name");
    if (name == NULL || *name == '\0') {
        berth_error_set(err, BERTH_E_INVALID, 0, "the project has no name");
        return NULL;
    }
    struct berth_compose_options defaults = {0};
    if (opts == NULL)
        opts = &defaults;
    int parallel = eop_parallel_limit(
        opts->parallel, src->parallel_env ? src->parallel_env : getenv("COMPOSE_PARALLEL_LIMIT"),
        err);
    if (parallel == -2)
        return NULL;

    struct berth_compose *c = xcalloc(1, sizeof(*c));
    c->eng = eng;
    c->backend = backend;
    c->model = json_incref((json_t *)model);
    c->name = xstrdup(name);
    c->working_dir = src->working_dir ? xstrdup(src->working_dir) : NULL;
    c->config_files = src->config_files ? xstrdup(src->config_files) : NULL;
    c->hash = src->hash;
    c->hash_ctx = src->hash_ctx;
    c->parallel = parallel;
    c->op_timeout_ms = opts->op_timeout_ms;
    c->use_wait = berth_backend_has_op(backend, BERTH_OP_CONTAINER_WAIT);
    c->interrupt_timeout_s = -1;
    if (src->defined != NULL) {
        size_t n = 0;
        while (src->defined[n])
            n++;
        c->defined = xcalloc(n + 1, sizeof(*c->defined));
        for (size_t i = 0; i < n; i++)
            c->defined[i] = xstrdup(src->defined[i]);
    }

    const json_t *services = json_object_get(model, "services");
    if (services != NULL && !json_is_object(services)) {
        berth_error_set(err, BERTH_E_INVALID, 0, "services: expected a mapping");
        goto fail;
    }
    const char *key;
    const json_t *def;
    json_object_foreach((json_t *)services, key, def)
    {
        struct service *svc = xcalloc(1, sizeof(*svc));
        svc->c = c;
        svc->name = xstrdup(key);
        svc->def = def;
        c->services =
            xreallocarray_grow(c->services, &c->cap_services, c->n_services + 1, sizeof(svc));
        c->services[c->n_services++] = svc;
    }
    c->n_defined = c->n_services;
    qsort(c->services, c->n_services, sizeof(*c->services), svc_name_cmp);
    for (size_t i = 0; i < c->n_defined; i++) {
        struct service *svc = c->services[i];
        if (!json_is_object(svc->def)) {
            berth_error_set(err, BERTH_E_INVALID, 0, "service \"%s\": expected a mapping",
                            svc->name);
            goto fail;
        }
        if (service_configure(svc, err) < 0)
            goto fail;
        if (c->hash != NULL) {
            svc->hash = c->hash(c->hash_ctx, svc->name, svc->def, err);
            if (svc->hash == NULL) {
                berth_error_wrap(err, "config hash of service \"%s\"", svc->name);
                goto fail;
            }
        }
    }
    if (order_services(c, err) < 0)
        goto fail;
    if (c->order_names == NULL)
        c->order_names = xcalloc(1, sizeof(*c->order_names));
    return c;
fail:
    berth_compose_close(c);
    return NULL;
}

/* Frees a task's memory (its callback has run or never will). */
static void task_free(struct berth_compose_op *op)
{
    if (op->ops->free != NULL)
        op->ops->free(op);
    if (op->free_containers != NULL)
        op->free_containers(op);
    berth_timer_free(op->finish_timer);
    berth_error_free(op->error);
    free(op->container);
    strv_free(&op->orphans);
    free(op->out);
    free(op->err);
    free(op);
}

void berth_compose_close(struct berth_compose *c)
{
    if (c == NULL)
        return;
    c->closing = true;
    while (c->ops != NULL) {
        struct berth_compose_op *op = c->ops;
        c->ops = op->next;
        op->finished = true;
        task_free(op);
    }
    for (size_t i = 0; i < c->n_services; i++)
        service_free(c->services[i]);
    for (size_t i = 0; i < c->n_oneoffs; i++)
        service_replica_free(c->oneoffs[i]);
    if (c->events_op != NULL)
        eop_discard(c->events_op);
    c->events_op = NULL;
    eop_discard_all(c);
    engine_queue_clear(c);
    struct berth_compose_sub *s = c->subs;
    while (s != NULL) {
        struct berth_compose_sub *next = s->next;
        free(s);
        s = next;
    }
    free(c->services);
    free(c->oneoffs);
    free(c->order_names);
    for (char **p = c->defined; p != NULL && *p != NULL; p++)
        free(*p);
    free(c->defined);
    json_decref(c->model);
    free(c->name);
    free(c->working_dir);
    free(c->config_files);
    free(c);
}

/* ------------------------------------------------------------------ tasks */

/* Creates a task (one lifecycle task at a time). */
struct berth_compose_op *compose_task_new(struct berth_compose *c, const struct task_ops *ops,
                                          berth_compose_done_fn done, void *user,
                                          struct berth_error **err)
{
    if (ops->lifecycle && c->lifecycle != NULL) {
        struct berth_error *e =
            berth_error_new(BERTH_E_STATE, 0, "cannot %s project %s: %s is still running",
                            ops->name, c->name, c->lifecycle->ops->name);
        berth_error_set_hint(e, "wait for it to complete, or cancel it first");
        berth_error_propagate(err, e);
        return NULL;
    }
    struct berth_compose_op *op = xcalloc(1, sizeof(*op));
    op->c = c;
    op->ops = ops;
    op->done = done;
    op->user = user;
    strv_init(&op->orphans);
    struct berth_compose_op **pp = &c->ops;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = op;
    if (ops->lifecycle) {
        c->lifecycle = op;
        c->interrupted = false;
        c->forced = false;
        c->no_dep_restart = false;
        c->interrupt_timeout_s = -1;
    }
    return op;
}

/* Records the first error of op. */
void compose_task_error(struct berth_compose_op *op, struct berth_error *err)
{
    if (err == NULL)
        return;
    if (op->error == NULL)
        op->error = err;
    else
        berth_error_free(err);
}

/* Delivers the result from the loop, then frees the task. */
static void task_finish_fire(struct berth_timer *t, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct berth_compose_op **pp = &c->ops;
    while (*pp != NULL && *pp != op)
        pp = &(*pp)->next;
    if (*pp == op)
        *pp = op->next;
    struct berth_compose_result res = {0};
    res.error = op->error;
    res.exit_code = op->exit_code;
    res.containers = op->containers;
    res.n_containers = op->n_containers;
    res.container = op->container;
    res.orphans = (const char *const *)op->orphans.v;
    res.n_orphans = op->orphans.n;
    res.out = op->out;
    res.out_len = op->out_len;
    res.err = op->err;
    res.err_len = op->err_len;
    if (op->done != NULL)
        op->done(c, &res, op->user);
    task_free(op);
}

/* Completes op on the next loop turn (err taken over; NULL = success). */
void compose_task_finish(struct berth_compose_op *op, struct berth_error *err)
{
    if (op->finished) {
        berth_error_free(err);
        return;
    }
    compose_task_error(op, err);
    op->finished = true;
    if (op->c->lifecycle == op)
        op->c->lifecycle = NULL;
    op->finish_timer = berth_timer_new(op->c->eng, task_finish_fire, op);
    berth_timer_start(op->finish_timer, 0);
}

void berth_compose_op_cancel(struct berth_compose_op *op)
{
    if (op == NULL || op->finished)
        return;
    struct berth_compose *c = op->c;
    op->cancelled = true;
    if (op->ops->interrupt != NULL)
        op->ops->interrupt(op, true);
    else
        compose_task_finish(op, berth_error_new(BERTH_E_CANCELLED, 0, "cancelled"));
    engine_run(c);
}

/* ------------------------------------------------------------ Ctrl-C */

/* Sets a replica that runs (or is about to) to be stopped. */
static void interrupt_replica(struct replica *r, int timeout_s)
{
    bool involved = r->goal == GOAL_UP || r->goal == GOAL_CREATED || r->supervised ||
                    r->state == BERTH_SVC_WAITING;
    if (!involved)
        return;
    if (r->state == BERTH_SVC_PENDING || r->state == BERTH_SVC_REMOVED) {
        if (r->goal == GOAL_UP || r->goal == GOAL_CREATED)
            r->goal = GOAL_NONE;
        return;
    }
    if (r->goal != GOAL_REMOVED)
        r->goal = GOAL_STOPPED;
    r->restart_pending = false;
    if (timeout_s >= 0)
        r->stop_timeout_s = timeout_s;
}

void berth_compose_interrupt(struct berth_compose *c, int timeout_s)
{
    c->interrupted = true;
    if (timeout_s >= 0)
        c->interrupt_timeout_s = timeout_s;
    for (size_t i = 0; i < c->n_services; i++)
        for (size_t k = 0; k < c->services[i]->n_replicas; k++)
            interrupt_replica(c->services[i]->replicas[k], c->interrupt_timeout_s);
    for (size_t k = 0; k < c->n_oneoffs; k++)
        interrupt_replica(c->oneoffs[k], c->interrupt_timeout_s);
    for (struct berth_compose_op *op = c->ops; op != NULL; op = op->next)
        if (!op->finished && op->ops->interrupt != NULL)
            op->ops->interrupt(op, false);
    engine_run(c);
}

void berth_compose_force_kill(struct berth_compose *c)
{
    if (!c->interrupted)
        berth_compose_interrupt(c, 0);
    c->forced = true;
    engine_run(c);
}
