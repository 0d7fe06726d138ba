/*
 * berth-embed: a program with its own libevent loop that runs a Compose
 * project with libberth and serves the project's live state as JSON over
 * HTTP (libevent's evhttp) on the same event_base.
 *
 *   berth-embed [-f FILE]... [-p NAME] [--backend NAME] [--listen ADDR] [--port N]
 *
 * It prints "listening on http://ADDR:PORT" once the server is up (port 0
 * picks a free one), brings the project up detached, and keeps a table of
 * every container's state from the engine's BERTH_COMPOSE_EV_STATE events:
 *
 *   GET /state                  {"project", "phase", "services", "containers"}
 *   GET /state?until=running    the same, answered only once every service
 *                               is running (or healthy, or completed), the up
 *                               failed, or 60 s passed: event-driven, no polling
 *   GET /ps                     the engine's `ps`, answered asynchronously
 *
 * SIGINT/SIGTERM (or a failed up) take the project down and end the loop.
 * Only the public API (the berth/ headers) is used, as any embedder would.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include <berth/berth.h>
#include <berth/compose.h>
#include <berth/project.h>
#include <berth/runtime.h>

#define UNTIL_TIMEOUT_S 60

/* What the server knows about one container. */
struct ctr {
    char *name, *service;
    int replica;
    enum berth_service_state state;
    int exit_code;
};

/* A GET /state?until=running waiting for the project to be up. */
struct waiter {
    struct waiter *next;
    struct app *app;
    struct evhttp_request *req;
    struct event *timeout;
};

struct app {
    struct event_base *base;
    struct berth_engine *eng;
    struct berth_project *proj;
    struct berth_backend *backend;
    struct berth_compose *compose;
    struct berth_compose_sub *sub;
    struct evhttp *http;
    struct event *sigint, *sigterm;
    struct ctr *ctrs;
    size_t n, cap;
    const char *phase; /* "starting", "running", "failed", "stopping", "stopped" */
    char *error;
    struct waiter *waiters;
    bool up_running;   /* the up op is in flight */
    bool want_down;    /* a signal asked to stop */
    bool down_started;
    int rc;
};

/* Exits on out-of-memory: an example has no better answer. */
static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL) {
        fputs("berth-embed: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Copies s. */
static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

/* The container record of an event, created on first sight. */
static struct ctr *ctr_for(struct app *a, const struct berth_compose_event *ev)
{
    const char *name = ev->container != NULL ? ev->container : "";
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ctrs[i].name, name) == 0)
            return &a->ctrs[i];
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->ctrs = xrealloc(a->ctrs, a->cap * sizeof(*a->ctrs));
    }
    struct ctr *c = &a->ctrs[a->n++];
    *c = (struct ctr){xstrdup(name), xstrdup(ev->service != NULL ? ev->service : ""),
                      ev->replica, BERTH_SVC_PENDING, -1};
    return c;
}

/* Whether a state counts as "up" for ?until=running. */
static bool is_up(const struct ctr *c)
{
    return c->state == BERTH_SVC_RUNNING || c->state == BERTH_SVC_HEALTHY ||
           (c->state == BERTH_SVC_EXITED && c->exit_code == 0);
}

/* Every service has a container and every container is up (or the up is over badly). */
static bool settled(const struct app *a)
{
    if (strcmp(a->phase, "starting") != 0 && strcmp(a->phase, "running") != 0)
        return true;
    const char *const *order = berth_compose_service_order(a->compose);
    for (const char *const *s = order; *s != NULL; s++) {
        bool seen = false;
        for (size_t i = 0; i < a->n; i++) {
            if (strcmp(a->ctrs[i].service, *s) != 0)
                continue;
            seen = true;
            if (!is_up(&a->ctrs[i]))
                return false;
        }
        if (!seen)
            return false;
    }
    return true;
}

/* The /state document. */
static json_t *state_json(const struct app *a)
{
    json_t *services = json_array();
    for (const char *const *s = berth_compose_service_order(a->compose); *s != NULL; s++)
        json_array_append_new(services, json_string(*s));
    json_t *ctrs = json_array();
    for (size_t i = 0; i < a->n; i++) {
        const struct ctr *c = &a->ctrs[i];
        json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "name", c->name, "service", c->service,
                              "replica", c->replica, "state",
                              berth_service_state_name(c->state));
        if (c->exit_code >= 0)
            json_object_set_new(o, "exit_code", json_integer(c->exit_code));
        json_array_append_new(ctrs, o);
    }
    json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:b}", "project",
                            berth_compose_project_name(a->compose), "phase", a->phase,
                            "services", services, "containers", ctrs, "settled", settled(a));
    if (a->error != NULL)
        json_object_set_new(doc, "error", json_string(a->error));
    return doc;
}

/* Sends a JSON document as the reply. */
static void reply_json(struct evhttp_request *req, int code, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add_printf(buf, "%s\n", text != NULL ? text : "{}");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "application/json");
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", buf);
    evbuffer_free(buf);
    free(text);
    json_decref(doc);
}

/* Answers and frees one waiter. */
static void waiter_answer(struct waiter *w)
{
    struct app *a = w->app;
    struct waiter **pp = &a->waiters;
    while (*pp != w)
        pp = &(*pp)->next;
    *pp = w->next;
    reply_json(w->req, 200, state_json(a));
    event_free(w->timeout);
    free(w);
}

/* Answers every waiter once the project settled. */
static void wake_waiters(struct app *a, bool force)
{
    if (!force && !settled(a))
        return;
    while (a->waiters != NULL)
        waiter_answer(a->waiters);
}

/* A waiter's time is up: answer with the state as it is. */
static void waiter_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    waiter_answer(arg);
}

/* Engine events: keep the table current, wake waiters. */
static void on_event(struct berth_compose *c, const struct berth_compose_event *ev, void *user)
{
    (void)c;
    struct app *a = user;
    if (ev->type == BERTH_COMPOSE_EV_STATE && ev->container != NULL && !ev->oneoff) {
        struct ctr *ct = ctr_for(a, ev);
        ct->state = ev->to;
        if (ev->exit_code >= 0)
            ct->exit_code = ev->exit_code;
        wake_waiters(a, false);
    } else if (ev->type == BERTH_COMPOSE_EV_WARNING && ev->message != NULL) {
        fprintf(stderr, "berth-embed: warning: %s\n", ev->message);
    }
}

/* The project is down: stop serving and end the loop. */
static void down_done(struct berth_compose *c, const struct berth_compose_result *res,
                      void *user)
{
    (void)c;
    struct app *a = user;
    if (res->error != NULL) {
        fprintf(stderr, "berth-embed: down: %s\n", berth_error_message(res->error));
        a->rc = 1;
    }
    a->phase = "stopped";
    wake_waiters(a, true);
    event_base_loopexit(a->base, NULL);
}

/* Takes the project down: after the up (interrupted) when one runs, once. */
static void shutdown_app(struct app *a)
{
    a->want_down = true;
    if (a->down_started)
        return;
    a->phase = "stopping";
    wake_waiters(a, true);
    if (a->up_running) {
        berth_compose_interrupt(a->compose, -1); /* up_done comes back here */
        return;
    }
    a->down_started = true;
    struct berth_compose_down_options o = {.timeout_s = -1};
    struct berth_error *err = NULL;
    if (berth_compose_down(a->compose, &o, down_done, a, &err) == NULL) {
        fprintf(stderr, "berth-embed: down: %s\n", berth_error_message(err));
        berth_error_free(err);
        a->rc = 1;
        event_base_loopexit(a->base, NULL);
    }
}

/* The detached up finished. */
static void up_done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct app *a = user;
    a->up_running = false;
    if (res->error != NULL && !a->want_down) {
        a->error = xstrdup(berth_error_message(res->error));
        fprintf(stderr, "berth-embed: up: %s\n", a->error);
        a->rc = 1;
        a->phase = "failed";
    } else if (!a->want_down) {
        a->phase = "running";
        printf("project %s is up\n", berth_compose_project_name(a->compose));
        fflush(stdout);
    }
    wake_waiters(a, res->error != NULL);
    if (a->want_down)
        shutdown_app(a);
}

/* SIGINT / SIGTERM: take the project down. */
static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    shutdown_app(arg);
}

/* GET /state[?until=running]. */
static void handle_state(struct evhttp_request *req, void *arg)
{
    struct app *a = arg;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        evhttp_send_error(req, 405, "only GET");
        return;
    }
    struct evkeyvalq q;
    const char *until = NULL;
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    if (query != NULL && evhttp_parse_query_str(query, &q) == 0) {
        until = evhttp_find_header(&q, "until");
        bool wait = until != NULL && strcmp(until, "running") == 0;
        evhttp_clear_headers(&q);
        if (wait && !settled(a)) {
            struct waiter *w = xrealloc(NULL, sizeof(*w));
            w->app = a;
            w->req = req;
            w->timeout = evtimer_new(a->base, waiter_timeout, w);
            struct timeval tv = {UNTIL_TIMEOUT_S, 0};
            evtimer_add(w->timeout, &tv);
            w->next = a->waiters;
            a->waiters = w;
            return;
        }
    }
    reply_json(req, 200, state_json(a));
}

/* GET /ps answered when the engine's ps completes. */
static void ps_done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct evhttp_request *req = user;
    if (res->error != NULL) {
        reply_json(req, 500, json_pack("{s:s}", "error", berth_error_message(res->error)));
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_compose_container *ct = &res->containers[i];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "name",
                                             ct->name, "service", ct->service, "number",
                                             ct->number, "state", ct->state_name, "status",
                                             ct->status != NULL ? ct->status : "", "health",
                                             ct->health != NULL ? ct->health : ""));
    }
    reply_json(req, 200, arr);
}

/* GET /ps. */
static void handle_ps(struct evhttp_request *req, void *arg)
{
    struct app *a = arg;
    struct berth_compose_ps_options o = {.all = true};
    struct berth_error *err = NULL;
    if (berth_compose_ps(a->compose, &o, ps_done, req, &err) == NULL) {
        reply_json(req, 500, json_pack("{s:s}", "error", berth_error_message(err)));
        berth_error_free(err);
    }
}

/* Prints the usage. */
static void usage(FILE *out)
{
    fputs("usage: berth-embed [-f FILE]... [-p NAME] [--backend NAME] [--listen ADDR] "
          "[--port N]\n",
          out);
}

int main(int argc, char **argv)
{
    const char *files[16] = {NULL};
    size_t nfiles = 0;
    const char *name = NULL, *backend = "process", *listen = "127.0.0.1";
    int port = 0;
    for (int i = 1; i < argc; i++) {
        bool has = i + 1 < argc;
        if (strcmp(argv[i], "-f") == 0 && has && nfiles + 1 < 16)
            files[nfiles++] = argv[++i];
        else if (strcmp(argv[i], "-p") == 0 && has)
            name = argv[++i];
        else if (strcmp(argv[i], "--backend") == 0 && has)
            backend = argv[++i];
        else if (strcmp(argv[i], "--listen") == 0 && has)
            listen = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && has)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "berth-embed: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    struct app a = {.phase = "starting"};
    struct berth_error *err = NULL;
    a.base = event_base_new();
    if (a.base == NULL)
        return 1;
    a.eng = berth_engine_new(a.base, &err);
    struct berth_project_options po = {.files = nfiles > 0 ? files : NULL, .project_name = name};
    if (a.eng != NULL)
        a.proj = berth_project_load(&po, &err);
    if (a.proj != NULL && berth_plugins_load(a.eng, NULL, 0, &err) == 0)
        a.backend = berth_backend_new(a.eng, backend, &err);
    if (a.backend != NULL)
        a.compose = berth_compose_open(a.eng, a.proj, a.backend, NULL, &err);
    if (a.compose == NULL) {
        fprintf(stderr, "berth-embed: %s\n", berth_error_message(err));
        if (berth_error_hint(err) != NULL)
            fprintf(stderr, "hint: %s\n", berth_error_hint(err));
        berth_error_free(err);
        a.rc = 1;
        goto out;
    }
    a.sub = berth_compose_subscribe(a.compose, on_event, &a);

    a.http = evhttp_new(a.base);
    evhttp_set_cb(a.http, "/state", handle_state, &a);
    evhttp_set_cb(a.http, "/ps", handle_ps, &a);
    struct evhttp_bound_socket *sock = evhttp_bind_socket_with_handle(a.http, listen,
                                                                      (uint16_t)port);
    if (sock == NULL) {
        fprintf(stderr, "berth-embed: cannot listen on %s:%d\n", listen, port);
        a.rc = 1;
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len);
    int bound = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    printf("listening on http://%s:%d\n", listen, bound);
    fflush(stdout);

    a.sigint = evsignal_new(a.base, SIGINT, on_signal, &a);
    a.sigterm = evsignal_new(a.base, SIGTERM, on_signal, &a);
    event_add(a.sigint, NULL);
    event_add(a.sigterm, NULL);

    struct berth_compose_up_options uo = {.timeout_s = -1};
    a.up_running = true;
    if (berth_compose_up(a.compose, &uo, up_done, &a, &err) == NULL) {
        fprintf(stderr, "berth-embed: up: %s\n", berth_error_message(err));
        berth_error_free(err);
        a.rc = 1;
        goto out;
    }
    event_base_dispatch(a.base);

out:
    while (a.waiters != NULL)
        waiter_answer(a.waiters);
    if (a.sigint != NULL)
        event_free(a.sigint);
    if (a.sigterm != NULL)
        event_free(a.sigterm);
    if (a.http != NULL)
        evhttp_free(a.http);
    berth_compose_unsubscribe(a.sub);
    berth_compose_close(a.compose);
    if (a.backend != NULL)
        berth_backend_free(a.backend);
    berth_engine_free(a.eng);
    berth_project_free(a.proj);
    event_base_free(a.base);
    for (size_t i = 0; i < a.n; i++) {
        free(a.ctrs[i].name);
        free(a.ctrs[i].service);
    }
    free(a.ctrs);
    free(a.error);
    return a.rc;
}
