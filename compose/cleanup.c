/*
 * Cleanup by compose label (berth/container.h): everything of one project,
 * or of every project, found through the backend's LIST operations with a
 * com.docker.compose.project label filter and removed one by one. The
 * report counts only removals the backend confirmed.
 *
 * It lives in compose/ because it knows compose's labels; it runs as a
 * container-API job (plugins/capi-internal.h) on the selected backend.
 *
 * Phases x events (each phase: list, then remove what was listed, at most
 * CLEANUP_PARALLEL removals at once):
 *
 *              | list ok            | list failed          | removal done        | cancel
 *  CONTAINERS  | remove each (stop  | error noted; next    | count or note error;| fail
 *              |  first if asked)   |  phase               |  all done: next     |  (cancelled)
 *  NETWORKS    | remove each        | error noted; next    | same                | fail
 *  VOLUMES     | remove each        | error noted; report  | same; done: report  | fail
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/capi-internal.h"

/* The label docker compose puts on everything of a project (compose/labels.h has the rest). */
#define CLEANUP_LABEL_PROJECT "com.docker.compose.project"

/* Most removals in flight at once. */
#define CLEANUP_PARALLEL 4

enum cleanup_phase { PH_CONTAINERS = 0, PH_NETWORKS, PH_VOLUMES, PH_DONE };

/* One thing to remove. */
struct cleanup_item {
    const char *name;
    bool running;
};

struct cleanup_job {
    struct berth_container_op *op;
    struct berth_kv filter;   /* project=<name>, or the key alone for every project */
    struct berth_cleanup_options o;
    enum cleanup_phase phase;
    struct cleanup_item *items; /* of the current phase, in the op's arena */
    size_t n_items, next, in_flight;
    size_t removed[3];
    struct strv errors;
    struct strv projects;
};

/* Frees the job. */
static void cleanup_free(void *data)
{
    struct cleanup_job *j = data;
    strv_free(&j->errors);
    strv_free(&j->projects);
    free(j);
}

/* Adds a project name to the report (once). */
static void cleanup_note_project(struct cleanup_job *j, const struct berth_kv *labels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (labels[i].key == NULL || strcmp(labels[i].key, CLEANUP_LABEL_PROJECT) != 0 ||
            labels[i].value == NULL)
            continue;
        for (size_t k = 0; k < j->projects.n; k++)
            if (strcmp(j->projects.v[k], labels[i].value) == 0)
                return;
        strv_push(&j->projects, labels[i].value);
        return;
    }
}

/* The kind of thing the phase removes, for messages. */
static const char *cleanup_what(enum cleanup_phase p)
{
    return p == PH_CONTAINERS ? "container" : p == PH_NETWORKS ? "network" : "volume";
}

/* Orders project names. */
static int cleanup_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Finishes with the report. */
static void cleanup_report(struct berth_container_op *op, struct cleanup_job *j)
{
    struct copy_arena *a = capi_op_arena(op);
    struct berth_cleanup_report *rep = copy_alloc(a, sizeof(*rep));
    rep->containers_removed = j->removed[PH_CONTAINERS];
    rep->networks_removed = j->removed[PH_NETWORKS];
    rep->volumes_removed = j->removed[PH_VOLUMES];
    if (j->projects.n > 1)
        qsort(j->projects.v, j->projects.n, sizeof(char *), cleanup_cmp);
    rep->projects = copy_strv(a, strv_argv(&j->projects));
    rep->n_projects = j->projects.n;
    rep->errors = copy_strv(a, strv_argv(&j->errors));
    rep->n_errors = j->errors.n;
    struct berth_container_result r = {.exit_code = -1, .report = rep};
    struct berth_error *e = NULL;
    if (j->errors.n > 0) {
        e = berth_error_new(BERTH_E_BACKEND, 0, "cleanup: %zu operation%s failed (first: %s)",
                            j->errors.n, j->errors.n == 1 ? "" : "s", j->errors.v[0]);
        berth_error_set_hint(e, "the report lists every failure; what was removed is counted");
    }
    capi_finish(op, &r, e);
}

static void cleanup_phase_start(struct berth_container_op *op, struct cleanup_job *j);
static void cleanup_pump(struct berth_container_op *op, struct cleanup_job *j);

/* Moves to the next phase the options ask for. */
static void cleanup_next_phase(struct berth_container_op *op, struct cleanup_job *j)
{
    j->items = NULL;
    j->n_items = j->next = j->in_flight = 0;
    for (;;) {
        j->phase++;
        if (j->phase == PH_NETWORKS && !j->o.remove_networks)
            continue;
        if (j->phase == PH_VOLUMES && !j->o.remove_volumes)
            continue;
        break;
    }
    if (j->phase >= PH_DONE) {
        cleanup_report(op, j);
        return;
    }
    cleanup_phase_start(op, j);
}

/* One removal finished. */
static void cleanup_removed(struct berth_container_op *op, const struct berth_op_result *res,
                            void *data)
{
    struct cleanup_job *j = capi_op_job(op);
    struct cleanup_item *it = data;
    j->in_flight--;
    if (res->error == NULL)
        j->removed[j->phase]++;
    else if (berth_error_code(res->error) == BERTH_E_CANCELLED) {
        capi_fail_copy(op, res->error, NULL);
        return;
    } else if (berth_error_code(res->error) != BERTH_E_NOT_FOUND) /* gone meanwhile: not ours */
        strv_pushf(&j->errors, "%s %s: %s", cleanup_what(j->phase), it->name,
                   berth_error_message(res->error));
    cleanup_pump(op, j);
}

/* Submits the removal of one item. */
static void cleanup_remove(struct berth_container_op *op, struct cleanup_job *j,
                           struct cleanup_item *it)
{
    static const enum berth_op_kind kinds[] = {
        BERTH_OP_CONTAINER_REMOVE, BERTH_OP_NETWORK_REMOVE, BERTH_OP_VOLUME_REMOVE};
    struct berth_op_req req = {.kind = kinds[j->phase], .target = it->name};
    if (j->phase == PH_CONTAINERS) {
        req.force = true;
        req.volumes = j->o.remove_volumes;
    }
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, cleanup_removed, it, &e) == NULL) {
        strv_pushf(&j->errors, "%s %s: %s", cleanup_what(j->phase), it->name,
                   berth_error_message(e));
        berth_error_free(e);
        return;
    }
    j->in_flight++;
}

/* A graceful stop before removal finished (its failure is not fatal: removal forces). */
static void cleanup_stopped(struct berth_container_op *op, const struct berth_op_result *res,
                            void *data)
{
    struct cleanup_job *j = capi_op_job(op);
    j->in_flight--;
    if (res->error != NULL && berth_error_code(res->error) == BERTH_E_CANCELLED) {
        capi_fail_copy(op, res->error, NULL);
        return;
    }
    cleanup_remove(op, j, data);
    cleanup_pump(op, j);
}

/* Keeps up to CLEANUP_PARALLEL removals running; moves on when all are done. */
static void cleanup_pump(struct berth_container_op *op, struct cleanup_job *j)
{
    while (j->in_flight < CLEANUP_PARALLEL && j->next < j->n_items) {
        struct cleanup_item *it = &j->items[j->next++];
        if (j->phase == PH_CONTAINERS && it->running && j->o.stop_timeout_s >= 0) {
            struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_STOP,
                                       .target = it->name,
                                       .timeout_s = j->o.stop_timeout_s,
                                       .timeout_ms = (uint64_t)j->o.stop_timeout_s * 1000u +
                                                     BERTH_BACKEND_TIMEOUT_DEFAULT_MS};
            struct berth_error *e = NULL;
            if (capi_submit(op, &req, cleanup_stopped, it, &e) != NULL) {
                j->in_flight++;
                continue;
            }
            berth_error_free(e); /* cannot stop gracefully: removal kills it */
        }
        cleanup_remove(op, j, it);
    }
    if (j->in_flight == 0 && j->next >= j->n_items)
        cleanup_next_phase(op, j);
}

/* The phase's listing arrived: collect what to remove. */
static void cleanup_listed(struct berth_container_op *op, const struct berth_op_result *res,
                           void *data)
{
    (void)data;
    struct cleanup_job *j = capi_op_job(op);
    struct copy_arena *a = capi_op_arena(op);
    if (res->error != NULL) {
        if (berth_error_code(res->error) == BERTH_E_CANCELLED) {
            capi_fail_copy(op, res->error, NULL);
            return;
        }
        strv_pushf(&j->errors, "listing %ss: %s", cleanup_what(j->phase),
                   berth_error_message(res->error));
        cleanup_next_phase(op, j);
        return;
    }
    size_t n = j->phase == PH_CONTAINERS ? res->n_containers
               : j->phase == PH_NETWORKS ? res->n_networks
                                         : res->n_volumes;
    j->items = copy_alloc(a, (n ? n : 1) * sizeof(*j->items));
    j->n_items = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        const struct berth_kv *labels = NULL;
        size_t n_labels = 0;
        bool running = false;
        if (j->phase == PH_CONTAINERS) {
            const struct berth_container_info *c = &res->containers[i];
            name = c->id != NULL && *c->id ? c->id : c->name;
            labels = c->labels;
            n_labels = c->n_labels;
            running = c->state == BERTH_CSTATE_RUNNING || c->state == BERTH_CSTATE_RESTARTING ||
                      c->state == BERTH_CSTATE_PAUSED;
        } else if (j->phase == PH_NETWORKS) {
            name = res->networks[i].name;
            labels = res->networks[i].labels;
            n_labels = res->networks[i].n_labels;
        } else {
            name = res->volumes[i].name;
            labels = res->volumes[i].labels;
            n_labels = res->volumes[i].n_labels;
        }
        if (name == NULL || *name == '\0')
            continue;
        cleanup_note_project(j, labels, n_labels);
        j->items[j->n_items].name = copy_str(a, name);
        j->items[j->n_items].running = running;
        j->n_items++;
    }
    cleanup_pump(op, j);
}

/* Lists what the current phase removes. */
static void cleanup_phase_start(struct berth_container_op *op, struct cleanup_job *j)
{
    static const enum berth_op_kind kinds[] = {
        BERTH_OP_CONTAINER_LIST, BERTH_OP_NETWORK_LIST, BERTH_OP_VOLUME_LIST};
    struct berth_op_req req = {
        .kind = kinds[j->phase], .all = true, .filters = &j->filter, .n_filters = 1};
    struct berth_error *e = NULL;
    if (capi_submit(op, &req, cleanup_listed, NULL, &e) == NULL) {
        strv_pushf(&j->errors, "listing %ss: %s", cleanup_what(j->phase),
                   berth_error_message(e));
        berth_error_free(e);
        cleanup_next_phase(op, j);
    }
}

/* The job's start: the backend is known. */
static void cleanup_start(struct berth_container_op *op, struct berth_backend *b)
{
    (void)b;
    struct cleanup_job *j = capi_op_job(op);
    j->phase = PH_CONTAINERS;
    cleanup_phase_start(op, j);
}

/* Creates and launches a cleanup job for filter value project (NULL: every project). */
static struct berth_container_op *cleanup_launch(struct berth_engine *eng, const char *project,
                                                 const struct berth_cleanup_options *opts,
                                                 berth_container_done_fn done, void *user)
{
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct cleanup_job *j = xcalloc(1, sizeof(*j));
    j->op = op;
    if (opts != NULL) {
        j->o = *opts;
    } else {
        j->o.stop_timeout_s = -1;
        j->o.remove_networks = true;
    }
    j->filter.key = CLEANUP_LABEL_PROJECT;
    j->filter.value = project != NULL ? copy_str(capi_op_arena(op), project) : NULL;
    strv_init(&j->errors);
    strv_init(&j->projects);
    capi_op_set_job(op, j, cleanup_free, NULL);
    return capi_launch(op, j->o.backend, cleanup_start);
}

/* Removes one project's containers, networks and volumes. */
struct berth_container_op *berth_cleanup_down_project(struct berth_engine *eng,
                                                      const char *project,
                                                      const struct berth_cleanup_options *opts,
                                                      berth_container_done_fn done, void *user,
                                                      struct berth_error **err)
{
    if (eng == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_cleanup_down_project: no engine given");
        return NULL;
    }
    if (project == NULL || *project == '\0') {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_cleanup_down_project: no project name");
        return NULL;
    }
    return cleanup_launch(eng, project, opts, done, user);
}

/* Removes everything of every compose project. */
struct berth_container_op *berth_cleanup_down_all(struct berth_engine *eng,
                                                  const struct berth_cleanup_options *opts,
                                                  berth_container_done_fn done, void *user,
                                                  struct berth_error **err)
{
    if (eng == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_cleanup_down_all: no engine given");
        return NULL;
    }
    return cleanup_launch(eng, NULL, opts, done, user);
}
