/* Test harness of the compose engine: the fake driver and the helpers (see the header). */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "compose/hash.h"
#include "compose/kvlist.h"
#include "tests/engine_harness.h"

struct fake_state *fake;

/* ------------------------------------------------------------ fake driver */

enum fstate { F_CREATED, F_RUNNING, F_EXITED };

struct fake_waiter {
    struct berth_op *op;
    struct fake_ctr *c; /* NULL once detached for completion */
    bool stop;          /* a STOP op (else WAIT) */
    bool cancelled;     /* cancelled while detached: not completed */
    struct fake_waiter *next;
};

struct fake_ctr {
    struct fake_ctr *next;
    char *id, *name, *image;
    struct kvlist labels;
    struct strv cmd;
    enum fstate state;
    int exit_code;
    bool ignore_term;
    uint64_t started_ms, ready_ms;
    struct berth_timer *exit_timer, *kill_timer;
    struct fake_waiter *waiters;
    int busy;     /* fake_exit is delivering: removal frees it afterwards */
    bool removed; /* unlinked; freed when not busy */
};

/* A deferred completion (op_delay_ms). */
struct fake_later {
    struct berth_op *op;
    struct berth_error *err;
    char id[64];
    bool started;
    struct berth_timer *t;
};

/* An EVENTS subscriber. */
struct fake_sub {
    struct berth_op *op;
    berth_op_event_fn fn;
    void *user;
    struct fake_sub *next;
};
static struct fake_sub *fake_subs;

/* Logs a call. */
static void flog(const char *fmt, ...) BERTH_PRINTF(1, 2);
static void flog(const char *fmt, ...)
{
    if (fake->n_calls >= sizeof(fake->calls) / sizeof(fake->calls[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake->calls[fake->n_calls].what, sizeof(fake->calls[0].what), fmt, ap);
    va_end(ap);
    fake->calls[fake->n_calls].at_ms = berth_now_ms();
    if (getenv("ENGINE_TEST_VERBOSE"))
        fprintf(stderr, "fake: %s\n", fake->calls[fake->n_calls].what);
    fake->n_calls++;
}

int fake_call_index(const char *what)
{
    for (size_t i = 0; i < fake->n_calls; i++)
        if (strcmp(fake->calls[i].what, what) == 0)
            return (int)i;
    return -1;
}

int fake_call_count(const char *prefix)
{
    int n = 0;
    for (size_t i = 0; i < fake->n_calls; i++)
        if (strncmp(fake->calls[i].what, prefix, strlen(prefix)) == 0)
            n++;
    return n;
}

uint64_t fake_call_time(const char *what)
{
    int i = fake_call_index(what);
    return i < 0 ? 0 : fake->calls[i].at_ms;
}

/* Finds a container by id or name. */
static struct fake_ctr *ffind(const char *ref)
{
    for (struct fake_ctr *c = fake->ctrs; c != NULL; c = c->next)
        if (ref != NULL && (strcmp(c->id, ref) == 0 || strcmp(c->name, ref) == 0))
            return c;
    return NULL;
}

static void fake_free_ctr(struct fake_ctr *c);

/*
 * Completes every waiter of c (the container ended). The host may run the
 * engine's callback inside op_complete, and the engine may remove c from
 * there: the list is detached first and c is not touched afterwards.
 */
static void fake_finish_waiters(struct fake_ctr *c)
{
    struct fake_waiter *list = c->waiters;
    int code = c->exit_code;
    c->waiters = NULL;
    for (struct fake_waiter *w = list; w != NULL; w = w->next)
        w->c = NULL;
    while (list != NULL) {
        struct fake_waiter *w = list;
        list = w->next;
        struct berth_op_result r = {.exit_code = code};
        if (!w->cancelled)
            fake->host->op_complete(w->op, NULL, &r);
        free(w);
    }
}

/* The container's process ended with code. */
static void fake_exit(struct fake_ctr *c, int code)
{
    if (c->state != F_RUNNING)
        return;
    c->state = F_EXITED;
    c->exit_code = code;
    fake->host->timer_stop(c->exit_timer);
    fake->host->timer_stop(c->kill_timer);
    flog("exit %s %d", c->name, code);
    c->busy++;
    struct berth_event_info ev = {.type = "container", .action = "die", .id = c->id,
                                  .name = c->name, .exit_code = code,
                                  .labels = c->labels.v, .n_labels = c->labels.n};
    for (struct fake_sub *sub = fake_subs; sub != NULL; sub = sub->next)
        sub->fn(sub->user, &ev);
    fake_finish_waiters(c);
    if (--c->busy == 0 && c->removed)
        fake_free_ctr(c);
}

/* Timer: a scheduled exit. */
static void fake_exit_fire(struct berth_timer *t, void *user)
{
    struct fake_ctr *c = user;
    int code = 0;
    if (c->cmd.n >= 2 && strcmp(c->cmd.v[0], "exit") == 0)
        code = atoi(c->cmd.v[1]);
    fake_exit(c, code);
}

/* Timer: the grace period of a stop ran out. */
static void fake_kill_fire(struct berth_timer *t, void *user)
{
    struct fake_ctr *c = user;
    flog("sigkill %s", c->name);
    fake_exit(c, 137);
}

/* Completes op now or after op_delay_ms. */
static void fake_later_fire(struct berth_timer *t, void *user)
{
    struct fake_later *l = user;
    struct berth_op_result r = {.id = l->id[0] ? l->id : NULL, .started = l->started};
    fake->inflight--;
    fake->host->op_complete(l->op, l->err, &r);
    fake->host->timer_free(l->t);
    free(l);
}

/* The host cancelled a delayed op. */
static void fake_later_cancel(void *data)
{
    struct fake_later *l = data;
    fake->inflight--;
    fake->host->timer_free(l->t);
    fake->host->error_free(l->err);
    free(l);
}

/* The host cancelled a WAIT or STOP waiting for an exit. */
static void fake_waiter_cancel(void *data)
{
    struct fake_waiter *w = data;
    if (w->c == NULL) {
        w->cancelled = true; /* being completed: the completing loop frees it */
        return;
    }
    struct fake_waiter **pp = &w->c->waiters;
    while (*pp != NULL && *pp != w)
        pp = &(*pp)->next;
    if (*pp == w)
        *pp = w->next;
    free(w);
}

/* Adds a waiter (WAIT or STOP) to c. */
static void fake_add_waiter(struct fake_ctr *c, struct berth_op *op, bool stop)
{
    struct fake_waiter *w = calloc(1, sizeof(*w));
    w->op = op;
    w->c = c;
    w->stop = stop;
    w->next = c->waiters;
    c->waiters = w;
    fake->host->op_set_cancel(op, fake_waiter_cancel, w);
}

/* Completes a create/start (counted in flight while delayed). */
static void fake_complete_delayed(struct berth_op *op, struct berth_error *err, const char *id)
{
    fake->inflight++;
    if (fake->inflight > fake->max_inflight)
        fake->max_inflight = fake->inflight;
    struct fake_later *l = calloc(1, sizeof(*l));
    l->op = op;
    l->err = err;
    snprintf(l->id, sizeof(l->id), "%s", id ? id : "");
    l->started = err == NULL && fake->started_next;
    fake->started_next = false;
    l->t = fake->host->timer_new(fake->host, fake_later_fire, l);
    fake->host->op_set_cancel(op, fake_later_cancel, l);
    fake->host->timer_start(l->t, fake->op_delay_ms);
}

/* Fails op with code and text. */
static void ffail(struct berth_op *op, int code, const char *text)
{
    fake->host->op_complete(op, fake->host->error_new(code, 0, "%s", text), NULL);
}

/* Completes op successfully without data. */
static void fok(struct berth_op *op)
{
    struct berth_op_result r = {0};
    fake->host->op_complete(op, NULL, &r);
}

/* Allocates a container record. */
static struct fake_ctr *fake_new_ctr(const char *name, const char *image)
{
    struct fake_ctr *c = calloc(1, sizeof(*c));
    static int ids;
    char id[32];
    snprintf(id, sizeof(id), "fake%04d", ++ids);
    c->id = strdup(id);
    c->name = strdup(name);
    c->image = strdup(image ? image : "");
    kvlist_init(&c->labels);
    strv_init(&c->cmd);
    c->exit_code = 0;
    c->exit_timer = fake->host->timer_new(fake->host, fake_exit_fire, c);
    c->kill_timer = fake->host->timer_new(fake->host, fake_kill_fire, c);
    c->next = fake->ctrs;
    fake->ctrs = c;
    return c;
}

/* Frees a container record (unlinked by the caller). */
static void fake_free_ctr(struct fake_ctr *c)
{
    fake->host->timer_free(c->exit_timer);
    fake->host->timer_free(c->kill_timer);
    while (c->waiters != NULL) {
        struct fake_waiter *w = c->waiters;
        c->waiters = w->next;
        free(w);
    }
    kvlist_free(&c->labels);
    strv_free(&c->cmd);
    free(c->id);
    free(c->name);
    free(c->image);
    free(c);
}

void fake_add_container(const char *name, const char *service, int number, const char *hash,
                        bool running, const char *project)
{
    struct fake_ctr *c = fake_new_ctr(name, "img");
    char num[16];
    snprintf(num, sizeof(num), "%d", number);
    kvlist_set(&c->labels, "com.docker.compose.project", project);
    kvlist_set(&c->labels, "com.docker.compose.service", service);
    kvlist_set(&c->labels, "com.docker.compose.container-number", num);
    kvlist_set(&c->labels, "com.docker.compose.oneoff", "False");
    kvlist_set(&c->labels, "com.docker.compose.config-hash", hash ? hash : "old");
    strv_push(&c->cmd, "sleep");
    c->state = running ? F_RUNNING : F_EXITED;
}

static int fake_start_ctr(struct fake_ctr *c);

static void op_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    const struct berth_container_spec *s = req->spec;
    flog("create %s", s->name);
    if (s->image != NULL && strcmp(s->image, "fail-create") == 0) {
        fake_complete_delayed(op, fake->host->error_new(BERTH_E_BACKEND, 0, "no such image"),
                              NULL);
        return;
    }
    if (ffind(s->name) != NULL) {
        ffail(op, BERTH_E_EXISTS, "name in use");
        return;
    }
    struct fake_ctr *c = fake_new_ctr(s->name, s->image);
    for (size_t i = 0; i < s->n_labels; i++)
        kvlist_set(&c->labels, s->labels[i].key, s->labels[i].value);
    for (const char *const *p = s->entrypoint; p && *p; p++)
        strv_push(&c->cmd, *p);
    for (const char *const *p = s->command; p && *p; p++)
        strv_push(&c->cmd, *p);
    if (fake->create_starts && req->start) {
        /* `run -d`: a failed start still reports the created container's id */
        flog("run %s", s->name);
        if (fake_start_ctr(c) < 0) {
            fake_complete_delayed(op, fake->host->error_new(BERTH_E_BACKEND, 0, "exec failed"),
                                  c->id);
            return;
        }
        fake->started_next = true;
    }
    fake_complete_delayed(op, NULL, c->id);
}

/* Starts c as its command says; -1 for ["fail-start"]. */
static int fake_start_ctr(struct fake_ctr *c)
{
    if (c->cmd.n >= 1 && strcmp(c->cmd.v[0], "fail-start") == 0)
        return -1;
    c->state = F_RUNNING;
    c->started_ms = berth_now_ms();
    c->ignore_term = c->cmd.n >= 1 && strcmp(c->cmd.v[0], "ignore-term") == 0;
    c->ready_ms = UINT64_MAX;
    if (c->cmd.n >= 2 && strcmp(c->cmd.v[0], "ready-after") == 0)
        c->ready_ms = c->started_ms + (uint64_t)atoi(c->cmd.v[1]);
    if (c->cmd.n >= 3 && strcmp(c->cmd.v[0], "exit") == 0)
        fake->host->timer_start(c->exit_timer, (uint64_t)atoi(c->cmd.v[2]));
    return 0;
}

static void op_start(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL) {
        ffail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    flog("start %s", c->name);
    if (fake_start_ctr(c) < 0) {
        fake_complete_delayed(op, fake->host->error_new(BERTH_E_BACKEND, 0, "exec failed"),
                              NULL);
        return;
    }
    fake_complete_delayed(op, NULL, NULL);
}

static void op_stop(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL) {
        ffail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    flog("stop %s", c->name);
    if (c->state != F_RUNNING) {
        fok(op);
        return;
    }
    fake_add_waiter(c, op, true);
    if (c->ignore_term) {
        fake->host->timer_start(c->kill_timer,
                                (uint64_t)(req->timeout_s >= 0 ? req->timeout_s : 10) * 1000u);
        return;
    }
    fake_exit(c, 143);
}

static void op_kill(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL) {
        ffail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    flog("kill %s %d", c->name, req->signal);
    if (c->state != F_RUNNING) {
        ffail(op, BERTH_E_STATE, "not running");
        return;
    }
    fok(op);
    fake_exit(c, 128 + (req->signal ? req->signal : 9));
}

static void op_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    if (req->stop_first && !fake->stop_removes) {
        ffail(op, BERTH_E_UNSUPPORTED, "stop and remove in one call: not supported");
        return;
    }
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL) {
        ffail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    if (req->stop_first) {
        /* `rm -f -t N`: the stop signal first (a container that ignores it is killed below) */
        flog("stop-remove %s %d", c->name, req->timeout_s);
        if (c->state == F_RUNNING && !c->ignore_term)
            fake_exit(c, 143);
    }
    flog("remove %s", c->name);
    struct fake_ctr **pp = &fake->ctrs;
    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    c->removed = true;
    c->busy++;
    fake_exit(c, 137);
    if (--c->busy == 0)
        fake_free_ctr(c);
    fok(op);
}

static void op_wait(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL) {
        ffail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    if (c->state != F_RUNNING) {
        struct berth_op_result r = {.exit_code = c->exit_code};
        fake->host->op_complete(op, NULL, &r);
        return;
    }
    if (getenv("ENGINE_TEST_VERBOSE"))
        fprintf(stderr, "fake: wait %s\n", c->name);
    fake->waits++;
    fake_add_waiter(c, op, false);
}

static void op_exec(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL || c->state != F_RUNNING) {
        ffail(op, BERTH_E_STATE, "not running");
        return;
    }
    int code = 1;
    if (strcmp(req->argv[0], "true") == 0)
        code = 0;
    else if (strcmp(req->argv[0], "ready?") == 0)
        code = berth_now_ms() >= c->ready_ms ? 0 : 1;
    flog("exec %s %s", c->name, req->argv[0]);
    struct berth_op_result r = {.exit_code = code, .out = "", .err = ""};
    fake->host->op_complete(op, NULL, &r);
}

static void op_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    size_t n = 0;
    for (struct fake_ctr *c = fake->ctrs; c != NULL; c = c->next)
        n++;
    struct berth_container_info *v = calloc(n + 1, sizeof(*v));
    size_t k = 0;
    for (struct fake_ctr *c = fake->ctrs; c != NULL; c = c->next) {
        bool match = true;
        for (size_t i = 0; i < req->n_filters; i++) {
            const char *val = kvlist_find(c->labels.v, c->labels.n, req->filters[i].key);
            if (val == NULL || (req->filters[i].value && strcmp(val, req->filters[i].value)))
                match = false;
        }
        if (!match || (!req->all && c->state != F_RUNNING))
            continue;
        v[k].id = c->id;
        v[k].name = c->name;
        v[k].image = c->image;
        v[k].state = c->state == F_RUNNING   ? BERTH_CSTATE_RUNNING
                     : c->state == F_CREATED ? BERTH_CSTATE_CREATED
                                             : BERTH_CSTATE_EXITED;
        v[k].status = c->state == F_RUNNING ? "Up" : "Exited";
        v[k].exit_code = c->exit_code;
        v[k].labels = c->labels.v;
        v[k].n_labels = c->labels.n;
        k++;
    }
    struct berth_op_result r = {.containers = v, .n_containers = k};
    fake->host->op_complete(op, NULL, &r);
    free(v);
}

static void op_logs(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_ctr *c = ffind(req->target);
    if (c == NULL) {
        ffail(op, BERTH_E_NOT_FOUND, "no such container");
        return;
    }
    char line[96];
    int n = snprintf(line, sizeof(line), "hello from %s", c->name);
    req->on_line(req->stream_user, BERTH_STDOUT, line, (size_t)n, true);
    fok(op);
}

/* Images: names pulled or built (records). */
static struct strv fake_images;

static void op_image_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    flog("image-inspect %s", req->target);
    for (size_t i = 0; i < fake_images.n; i++) {
        if (strcmp(fake_images.v[i], req->target) == 0) {
            char id[96];
            snprintf(id, sizeof(id), "sha256:%s", req->target);
            struct berth_image_info ii = {.id = id};
            struct berth_op_result r = {.images = &ii, .n_images = 1};
            fake->host->op_complete(op, NULL, &r);
            return;
        }
    }
    ffail(op, BERTH_E_NOT_FOUND, "no such image");
}

static void op_image_pull(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    flog("image-pull %s", req->target);
    if (strstr(req->target, "unreachable") != NULL) {
        ffail(op, BERTH_E_BACKEND, "registry unreachable");
        return;
    }
    strv_push(&fake_images, req->target);
    fok(op);
}

static void op_image_build(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    flog("image-build %s %s", req->build->tags[0], req->build->context);
    strv_push(&fake_images, req->build->tags[0]);
    fok(op);
}

static void op_image_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    flog("image-remove %s", req->target);
    fok(op);
}

/* The host cancelled an EVENTS stream. */
static void fake_sub_cancel(void *data)
{
    struct fake_sub *sub = data;
    struct fake_sub **pp = &fake_subs;
    while (*pp != NULL && *pp != sub)
        pp = &(*pp)->next;
    if (*pp == sub)
        *pp = sub->next;
    free(sub);
}

static void op_events(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct fake_sub *sub = calloc(1, sizeof(*sub));
    sub->op = op;
    sub->fn = req->on_event;
    sub->user = req->stream_user;
    sub->next = fake_subs;
    fake_subs = sub;
    flog("events");
    fake->host->op_set_cancel(op, fake_sub_cancel, sub);
}

/* Networks and volumes: records by name, so that inspect finds what create made. */
static struct strv fake_nets, fake_vols;

static void op_rec_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    bool net = req->kind == BERTH_OP_NETWORK_INSPECT;
    struct strv *sv = net ? &fake_nets : &fake_vols;
    for (size_t i = 0; i < sv->n; i++) {
        if (strcmp(sv->v[i], req->target) == 0) {
            struct berth_network_info ni = {.name = req->target, .id = req->target};
            struct berth_volume_info vi = {.name = req->target};
            struct berth_op_result r = {0};
            if (net) {
                r.networks = &ni;
                r.n_networks = 1;
            } else {
                r.volumes = &vi;
                r.n_volumes = 1;
            }
            fake->host->op_complete(op, NULL, &r);
            return;
        }
    }
    ffail(op, BERTH_E_NOT_FOUND, "no such object");
}

static void op_rec_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    bool net = req->kind == BERTH_OP_NETWORK_CREATE;
    strv_push(net ? &fake_nets : &fake_vols, req->target);
    flog("%s-create %s", net ? "network" : "volume", req->target);
    fok(op);
}

static void op_rec_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    bool net = req->kind == BERTH_OP_NETWORK_LIST;
    struct strv *sv = net ? &fake_nets : &fake_vols;
    struct berth_network_info *ni = calloc(sv->n + 1, sizeof(*ni));
    struct berth_volume_info *vi = calloc(sv->n + 1, sizeof(*vi));
    struct berth_kv lbl = {"com.docker.compose.project", req->filters ? req->filters[0].value : ""};
    for (size_t i = 0; i < sv->n; i++) {
        ni[i].name = vi[i].name = sv->v[i];
        ni[i].labels = vi[i].labels = &lbl;
        ni[i].n_labels = vi[i].n_labels = 1;
    }
    struct berth_op_result r = {0};
    if (net) {
        r.networks = ni;
        r.n_networks = sv->n;
    } else {
        r.volumes = vi;
        r.n_volumes = sv->n;
    }
    fake->host->op_complete(op, NULL, &r);
    free(ni);
    free(vi);
}

static void op_rec_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    bool net = req->kind == BERTH_OP_NETWORK_REMOVE;
    struct strv *sv = net ? &fake_nets : &fake_vols;
    for (size_t i = 0; i < sv->n; i++) {
        if (strcmp(sv->v[i], req->target) == 0) {
            free(sv->v[i]);
            memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i) * sizeof(char *));
            sv->n--;
            flog("%s-remove %s", net ? "network" : "volume", req->target);
            fok(op);
            return;
        }
    }
    ffail(op, BERTH_E_NOT_FOUND, "no such object");
}

static int fake_create(const struct berth_host *host, const char *flavour, void **state,
                       struct berth_error **err)
{
    fake = calloc(1, sizeof(*fake));
    fake->host = host;
    strv_init(&fake_nets);
    strv_init(&fake_vols);
    strv_init(&fake_images);
    *state = fake;
    return 0;
}

static void fake_destroy(void *state)
{
    while (fake->ctrs != NULL) {
        struct fake_ctr *c = fake->ctrs;
        fake->ctrs = c->next;
        fake_free_ctr(c);
    }
    strv_free(&fake_nets);
    strv_free(&fake_vols);
    strv_free(&fake_images);
    while (fake_subs != NULL) {
        struct fake_sub *sub = fake_subs;
        fake_subs = sub->next;
        free(sub);
    }
    free(fake);
    fake = NULL;
}

static const enum berth_support fake_caps[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE,
};

static const struct berth_backend_driver fake_table = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "fake",
    .description = "in-test fake runtime",
    .caps = fake_caps,
    .caps_count = BERTH_FEAT_COUNT,
    .create = fake_create,
    .destroy = fake_destroy,
    .ops =
        {
            [BERTH_OP_CONTAINER_CREATE] = op_create,
            [BERTH_OP_CONTAINER_START] = op_start,
            [BERTH_OP_CONTAINER_STOP] = op_stop,
            [BERTH_OP_CONTAINER_KILL] = op_kill,
            [BERTH_OP_CONTAINER_REMOVE] = op_remove,
            [BERTH_OP_CONTAINER_LIST] = op_list,
            [BERTH_OP_CONTAINER_WAIT] = op_wait,
            [BERTH_OP_CONTAINER_EXEC] = op_exec,
            [BERTH_OP_CONTAINER_LOGS] = op_logs,
            [BERTH_OP_NETWORK_CREATE] = op_rec_create,
            [BERTH_OP_NETWORK_INSPECT] = op_rec_inspect,
            [BERTH_OP_NETWORK_LIST] = op_rec_list,
            [BERTH_OP_NETWORK_REMOVE] = op_rec_remove,
            [BERTH_OP_VOLUME_CREATE] = op_rec_create,
            [BERTH_OP_VOLUME_INSPECT] = op_rec_inspect,
            [BERTH_OP_VOLUME_LIST] = op_rec_list,
            [BERTH_OP_VOLUME_REMOVE] = op_rec_remove,
        },
};

/* The same runtime without CONTAINER_WAIT: exits come from its EVENTS stream. */
static const struct berth_backend_driver fake_events_table = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "fake-events",
    .description = "in-test fake runtime with an event stream and no wait",
    .caps = fake_caps,
    .caps_count = BERTH_FEAT_COUNT,
    .create = fake_create,
    .destroy = fake_destroy,
    .ops =
        {
            [BERTH_OP_CONTAINER_CREATE] = op_create,
            [BERTH_OP_CONTAINER_START] = op_start,
            [BERTH_OP_CONTAINER_STOP] = op_stop,
            [BERTH_OP_CONTAINER_KILL] = op_kill,
            [BERTH_OP_CONTAINER_REMOVE] = op_remove,
            [BERTH_OP_CONTAINER_LIST] = op_list,
            [BERTH_OP_CONTAINER_EXEC] = op_exec,
            [BERTH_OP_CONTAINER_LOGS] = op_logs,
            [BERTH_OP_EVENTS] = op_events,
        },
};

static const enum berth_support fake_images_caps[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_IMAGES] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_BUILD] = BERTH_SUPPORT_NATIVE,
};

/* The same runtime with images (inspect, pull, build, remove). */
static const struct berth_backend_driver fake_images_table = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "fake-images",
    .description = "in-test fake runtime with images",
    .caps = fake_images_caps,
    .caps_count = BERTH_FEAT_COUNT,
    .create = fake_create,
    .destroy = fake_destroy,
    .ops =
        {
            [BERTH_OP_CONTAINER_CREATE] = op_create,
            [BERTH_OP_CONTAINER_START] = op_start,
            [BERTH_OP_CONTAINER_STOP] = op_stop,
            [BERTH_OP_CONTAINER_KILL] = op_kill,
            [BERTH_OP_CONTAINER_REMOVE] = op_remove,
            [BERTH_OP_CONTAINER_LIST] = op_list,
            [BERTH_OP_CONTAINER_WAIT] = op_wait,
            [BERTH_OP_CONTAINER_EXEC] = op_exec,
            [BERTH_OP_IMAGE_INSPECT] = op_image_inspect,
            [BERTH_OP_IMAGE_PULL] = op_image_pull,
            [BERTH_OP_IMAGE_BUILD] = op_image_build,
            [BERTH_OP_IMAGE_REMOVE] = op_image_remove,
        },
};

const struct berth_backend_driver *fake_images_driver(void)
{
    return &fake_images_table;
}

const struct berth_backend_driver *fake_driver(void)
{
    return &fake_table;
}

const struct berth_backend_driver *fake_events_driver(void)
{
    return &fake_events_table;
}

/* ---------------------------------------------------------------- harness */

/* Records every event. */
static void h_sub(struct berth_compose *c, const struct berth_compose_event *ev, void *user)
{
    struct harness *h = user;
    if (h->n_ev >= sizeof(h->ev) / sizeof(h->ev[0]))
        return;
    struct h_event *e = &h->ev[h->n_ev++];
    memset(e, 0, sizeof(*e));
    e->type = ev->type;
    snprintf(e->service, sizeof(e->service), "%s", ev->service ? ev->service : "");
    snprintf(e->container, sizeof(e->container), "%s", ev->container ? ev->container : "");
    e->replica = ev->replica;
    e->from = ev->from;
    e->to = ev->to;
    e->cause = ev->cause;
    e->exit_code = ev->exit_code;
    e->at_ms = berth_now_ms();
    if (ev->type == BERTH_COMPOSE_EV_LOG)
        snprintf(e->text, sizeof(e->text), "%.*s", (int)ev->len, ev->line);
    else if (ev->type == BERTH_COMPOSE_EV_RESOURCE)
        snprintf(e->text, sizeof(e->text), "%s", ev->resource_name ? ev->resource_name : "");
    else
        snprintf(e->text, sizeof(e->text), "%s", ev->message ? ev->message : "");
    snprintf(e->action, sizeof(e->action), "%s", ev->action ? ev->action : "");
    if (getenv("ENGINE_TEST_VERBOSE") && ev->type == BERTH_COMPOSE_EV_STATE)
        fprintf(stderr, "[%llu] %s: %s -> %s (%s) %s\n", (unsigned long long)e->at_ms,
                e->container, berth_service_state_name(ev->from),
                berth_service_state_name(ev->to), berth_service_event_name(ev->cause), e->text);
    if (h->on_event != NULL)
        h->on_event(h, e);
}

/* The project's config hash: the loader's function. */
static char *h_hash(void *ctx, const char *service, const json_t *def, struct berth_error **err)
{
    char out[65];
    if (hash_service(def, out, err) < 0)
        return NULL;
    return strdup(out);
}

const char *h_tmpdir(void)
{
    static char dir[64];
    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/berth-engine-test.XXXXXX");
        assert_non_null(mkdtemp(dir));
    }
    return dir;
}

void h_open(struct harness *h, const char *backend, const char *model_json)
{
    memset(h, 0, sizeof(*h));
    struct berth_error *err = NULL;
    h->eng = berth_engine_new(NULL, &err);
    assert_non_null(h->eng);
    if (getenv("ENGINE_TEST_VERBOSE"))
        berth_engine_set_log(h->eng, NULL, BERTH_LOG_DEBUG, NULL);
    if (strcmp(backend, "fake") == 0)
        assert_int_equal(berth_plugins_add_driver(h->eng, fake_driver(), "(test)", NULL), 0);
    if (strcmp(backend, "fake-images") == 0)
        assert_int_equal(berth_plugins_add_driver(h->eng, fake_images_driver(), "(test)", NULL),
                         0);
    if (strcmp(backend, "fake-events") == 0)
        assert_int_equal(berth_plugins_add_driver(h->eng, fake_events_driver(), "(test)", NULL),
                         0);
    h->backend = berth_backend_new(h->eng, backend, &err);
    if (h->backend == NULL)
        fail_msg("backend: %s", berth_error_message(err));
    json_error_t jerr;
    h->model = json_loads(model_json, 0, &jerr);
    if (h->model == NULL)
        fail_msg("model: %s", jerr.text);
    struct compose_source src = {
        .model = h->model,
        .working_dir = h_tmpdir(),
        .config_files = "compose.yaml",
        .hash = h_hash,
    };
    h->c = compose_open_source(h->eng, &src, h->backend, NULL, &err);
    if (h->c == NULL)
        fail_msg("open: %s", berth_error_message(err));
    h->sub = berth_compose_subscribe(h->c, h_sub, h);
}

void h_reopen(struct harness *h)
{
    berth_compose_close(h->c);
    struct compose_source src = {
        .model = h->model,
        .working_dir = h_tmpdir(),
        .config_files = "compose.yaml",
        .hash = h_hash,
    };
    struct berth_error *err = NULL;
    h->c = compose_open_source(h->eng, &src, h->backend, NULL, &err);
    if (h->c == NULL)
        fail_msg("reopen: %s", berth_error_message(err));
    h->sub = berth_compose_subscribe(h->c, h_sub, h);
}

void h_close(struct harness *h)
{
    berth_compose_close(h->c);
    berth_backend_free(h->backend);
    /* let deferred frees (backend teardown, reaping) run */
    event_base_loop(berth_engine_base(h->eng), EVLOOP_NONBLOCK);
    berth_timer_free(h->deadline);
    berth_engine_free(h->eng);
    json_decref(h->model);
}

void h_done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    struct harness *h = user;
    h->done = true;
    h->code = res->error ? berth_error_code(res->error) : 0;
    snprintf(h->msg, sizeof(h->msg), "%s", res->error ? berth_error_message(res->error) : "");
    h->exit_code = res->exit_code;
    h->n_containers = res->n_containers;
    for (size_t i = 0; i < res->n_containers && i < 16; i++) {
        snprintf(h->names[i], sizeof(h->names[i]), "%s", res->containers[i].name);
        snprintf(h->health[i], sizeof(h->health[i]), "%s", res->containers[i].health);
    }
    h->n_orphans = res->n_orphans;
    for (size_t i = 0; i < res->n_orphans && i < 8; i++)
        snprintf(h->orphans[i], sizeof(h->orphans[i]), "%s", res->orphans[i]);
    if (getenv("ENGINE_TEST_VERBOSE"))
        fprintf(stderr, "done: code %d exit %d %s\n", h->code, h->exit_code, h->msg);
    berth_engine_break(h->eng);
}

/* The deadline of h_wait. */
static void h_deadline(struct berth_timer *t, void *user)
{
    struct harness *h = user;
    h->timed_out = true;
    berth_engine_break(h->eng);
}

void h_wait(struct harness *h, uint64_t limit_ms)
{
    if (h->deadline == NULL)
        h->deadline = berth_timer_new(h->eng, h_deadline, h);
    berth_timer_start(h->deadline, limit_ms);
    while (!h->done && !h->timed_out)
        event_base_loop(berth_engine_base(h->eng), EVLOOP_ONCE);
    berth_timer_stop(h->deadline);
    if (h->timed_out)
        fail_msg("operation did not complete within %llu ms", (unsigned long long)limit_ms);
}

void h_run_for(struct harness *h, uint64_t ms)
{
    if (h->deadline == NULL)
        h->deadline = berth_timer_new(h->eng, h_deadline, h);
    h->timed_out = false;
    berth_timer_start(h->deadline, ms);
    while (!h->timed_out)
        event_base_loop(berth_engine_base(h->eng), EVLOOP_ONCE);
    h->timed_out = false;
}

void h_up(struct harness *h, const struct berth_compose_up_options *opts)
{
    struct berth_error *err = NULL;
    h->done = false;
    struct berth_compose_op *op = berth_compose_up(h->c, opts, h_done, h, &err);
    if (op == NULL)
        fail_msg("up: %s", berth_error_message(err));
    h_wait(h, 20000);
}

void h_down(struct harness *h, const struct berth_compose_down_options *opts)
{
    struct berth_error *err = NULL;
    h->done = false;
    struct berth_compose_op *op = berth_compose_down(h->c, opts, h_done, h, &err);
    if (op == NULL)
        fail_msg("down: %s", berth_error_message(err));
    h_wait(h, 20000);
}

int h_index(const struct harness *h, const char *container, enum berth_service_state to)
{
    for (size_t i = 0; i < h->n_ev; i++)
        if (h->ev[i].type == BERTH_COMPOSE_EV_STATE && strcmp(h->ev[i].container, container) == 0 &&
            h->ev[i].to == to)
            return (int)i;
    return -1;
}

uint64_t h_time(const struct harness *h, const char *container, enum berth_service_state to)
{
    int i = h_index(h, container, to);
    return i < 0 ? 0 : h->ev[i].at_ms;
}

int h_count(const struct harness *h, const char *container, enum berth_service_state to)
{
    int n = 0;
    for (size_t i = 0; i < h->n_ev; i++)
        if (h->ev[i].type == BERTH_COMPOSE_EV_STATE && strcmp(h->ev[i].container, container) == 0 &&
            h->ev[i].to == to)
            n++;
    return n;
}

int h_find(const struct harness *h, enum berth_compose_event_type type, const char *needle)
{
    for (size_t i = 0; i < h->n_ev; i++)
        if (h->ev[i].type == type && strstr(h->ev[i].text, needle) != NULL)
            return (int)i;
    return -1;
}
