/* Opening project + engine + backend for the commands (see cli/project.h). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include <berth/project.h>

#include "cli/project.h"

struct project {
    struct cli_globals *g;
    struct event_base *base;
    struct berth_engine *eng;
    struct berth_project *proj;
    struct berth_backend *backend;
    struct berth_compose *compose;
    struct berth_compose_sub *progress_sub;
    struct progress *progress;
    struct event *sigint, *sigterm;
    project_signal_fn on_signal;
    void *signal_user;
    struct berth_compose_op *op;
    int signals;
    int first_signal;
    bool finished;
    int rc;
    /* detection */
    struct berth_detect *detect;
    bool detect_done;
};

/* Engine diagnostics: above the progress view when there is one, else on stderr. */
static void log_sink(enum berth_log_level level, const char *component, const char *msg,
                     void *user)
{
    struct project *p = user;
    const char *tag = level == BERTH_LOG_ERROR  ? "error"
                      : level == BERTH_LOG_WARN ? "warning"
                      : level == BERTH_LOG_INFO ? "info"
                                                : "debug";
    if (p->progress != NULL)
        progress_message(p->progress, "berth: %s: %s%s%s", tag, component != NULL ? component : "",
                         component != NULL ? ": " : "", msg);
    else
        fprintf(stderr, "berth: %s: %s%s%s\n", tag, component != NULL ? component : "",
                component != NULL ? ": " : "", msg);
}

/* Loader warnings, printed the way docker compose prints them. */
static void load_warning(const char *msg, void *user)
{
    (void)user;
    fprintf(stderr, "WARN[0000] %s\n", msg);
}

/* Loads the compose project with the global options (and the targeted services). */
static struct berth_project *load(struct cli_globals *g, const char *const *services,
                                  struct berth_error **err)
{
    struct berth_project_options o = {0};
    o.files = g->files.n > 0 ? g->files.v : NULL;
    o.project_name = g->project_name;
    o.project_directory = g->project_directory;
    o.env_files = g->env_files.n > 0 ? g->env_files.v : NULL;
    o.profiles = g->profiles.n > 0 ? g->profiles.v : NULL;
    o.services = services;
    o.warn = load_warning;
    return berth_project_load(&o, err);
}

/*
 * The backends the compose file asks for: top-level `x-berth: {backend:
 * NAME | [NAME...]}` (a comma list is accepted too). NULL when absent.
 */
static char **file_backends(const struct berth_project *proj, struct berth_error **err)
{
    char *text = berth_project_to_json(proj, BERTH_PROJECT_COMPACT);
    if (text == NULL)
        return NULL;
    json_t *model = json_loads(text, 0, NULL);
    free(text);
    json_t *b = json_object_get(json_object_get(model, "x-berth"), "backend");
    char **list = NULL;
    if (json_is_string(b)) {
        list = berth_backend_list_parse(json_string_value(b), err);
    } else if (json_is_array(b) && json_array_size(b) > 0) {
        char *joined = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&joined, &len);
        if (f == NULL)
            abort();
        size_t i;
        json_t *v;
        json_array_foreach(b, i, v) fprintf(f, "%s%s", i > 0 ? "," : "",
                                            json_is_string(v) ? json_string_value(v) : "?");
        fclose(f);
        list = berth_backend_list_parse(joined, err);
        free(joined);
    } else if (b != NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "expected a name or a list of names");
    }
    if (list == NULL && b != NULL) {
        berth_error_wrap(err, "x-berth.backend");
        berth_error_set_hint(*err, "write x-berth: {backend: podman} (or a list in priority "
                                   "order)");
    }
    json_decref(model);
    return list;
}

/* Detection finished: stop the loop that waits for it. */
static void detect_done(struct berth_detect *d, void *user)
{
    (void)d;
    struct project *p = user;
    p->detect_done = true;
    event_base_loopbreak(p->base);
}

/* Chooses and creates the backend: --backend, BERTH_BACKEND, x-berth, then the defaults. */
static struct berth_backend *select_backend(struct project *p, struct berth_error **err)
{
    struct cli_globals *g = p->g;
    const char *dirs[] = {g->plugin_dir, NULL};
    if (berth_plugins_load(p->eng, g->plugin_dir != NULL ? dirs : NULL, 0, err) < 0)
        return NULL;
    char **cands = NULL, **from_file = NULL;
    if (p->proj != NULL && g->backend == NULL) {
        struct berth_error *fe = NULL;
        from_file = file_backends(p->proj, &fe);
        if (fe != NULL) {
            berth_error_propagate(err, fe);
            return NULL;
        }
    }
    if (g->backend != NULL) {
        cands = berth_backend_list_parse(g->backend, err);
        if (cands == NULL) {
            berth_error_wrap(err, "--backend");
            return NULL;
        }
    }
    struct berth_detect_options o = {0};
    o.candidates = (const char *const *)cands;
    o.candidates_origin = "--backend";
    o.file_candidates = (const char *const *)from_file;
    o.trust_single = true; /* a backend named alone: its first command tells if it answers */
    p->detect = berth_detect_start(p->eng, &o, detect_done, p, err);
    berth_backend_list_free(cands);
    berth_backend_list_free(from_file);
    if (p->detect == NULL)
        return NULL;
    while (!p->detect_done)
        if (event_base_dispatch(p->base) < 0)
            break;
    if (!p->detect_done) {
        berth_error_set(err, BERTH_E_STATE, 0, "backend detection did not finish");
        return NULL;
    }
    const struct berth_error *de = berth_detect_error(p->detect);
    if (de != NULL) {
        *err = berth_error_copy(de);
        return NULL;
    }
    struct berth_backend *b = berth_detect_take_backend(p->detect);
    if (b == NULL)
        berth_error_set(err, BERTH_E_NOT_FOUND, 0, "no backend was chosen");
    if (g->verbose && b != NULL)
        fprintf(stderr, "berth: backend %s (from %s)\n", berth_backend_name(b),
                berth_detect_source(p->detect));
    return b;
}

/* Opens what the command needs; prints the error and sets *rc on failure. */
struct project *project_open(struct cli_globals *g, enum project_need need, int *rc)
{
    return project_open_for(g, need, NULL, rc);
}

/* project_open() loading only the targeted services (and their dependencies). */
struct project *project_open_for(struct cli_globals *g, enum project_need need,
                                 const char *const *services, int *rc)
{
    struct berth_error *err = NULL;
    if (g->dry_run) {
        *rc = cli_usage_error("run the command without --dry-run; 'berth config' shows the "
                              "resolved project without touching anything",
                              "--dry-run is not supported by this command");
        return NULL;
    }
    struct project *p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    p->g = g;
    *rc = CLI_EXIT_FAILURE;
    p->base = event_base_new();
    if (p->base == NULL) {
        fprintf(stderr, "berth: cannot create the event loop\n");
        free(p);
        return NULL;
    }
    p->eng = berth_engine_new(p->base, &err);
    if (p->eng == NULL)
        goto fail;
    berth_engine_set_log(p->eng, log_sink, g->verbose ? BERTH_LOG_DEBUG : BERTH_LOG_WARN, p);
    /* --verify; the engine reads the project's x-berth.verify itself (cmd_verify.c) */
    if (cli_verify_setup(g, p->eng, false, &err) < 0)
        goto fail;
    if (need == PROJECT_COMPOSE) {
        p->proj = load(g, services, &err);
        if (p->proj == NULL)
            goto fail;
    }
    p->backend = select_backend(p, &err);
    if (p->backend == NULL)
        goto fail;
    if (need == PROJECT_COMPOSE) {
        struct berth_compose_options co = {0};
        co.parallel = g->parallel;
        p->compose = berth_compose_open(p->eng, p->proj, p->backend, &co, &err);
        if (p->compose == NULL)
            goto fail;
    }
    *rc = CLI_EXIT_OK;
    return p;
fail:
    cli_report_error(err);
    project_close(p);
    return NULL;
}

/* Accessors. */
struct event_base *project_base(struct project *p)
{
    return p->base;
}

/* The engine on the CLI's loop. */
struct berth_engine *project_engine(struct project *p)
{
    return p->eng;
}

/* The chosen backend. */
struct berth_backend *project_backend(struct project *p)
{
    return p->backend;
}

/* The compose engine's handle. */
struct berth_compose *project_compose(struct project *p)
{
    return p->compose;
}

/* The project's name, from the compose engine. */
const char *project_name(struct project *p)
{
    return p->compose != NULL ? berth_compose_project_name(p->compose) : NULL;
}

/* The global options the project was opened with. */
struct cli_globals *project_globals(struct project *p)
{
    return p->g;
}

/* Forwards engine events to the progress display. */
static void progress_forward(struct berth_compose *c, const struct berth_compose_event *ev,
                             void *user)
{
    (void)c;
    struct project *p = user;
    if (p->progress != NULL)
        progress_event(p->progress, ev, berth_now_ms());
}

/* Creates the progress display and subscribes it to the engine's events. */
struct progress *project_progress(struct project *p, const char *title)
{
    if (p->progress != NULL)
        return p->progress;
    enum progress_mode mode = progress_mode_for(p->g->progress, STDERR_FILENO);
    p->progress = progress_new(mode, stderr, title, cli_use_color(p->g, STDERR_FILENO));
    progress_attach(p->progress, p->base);
    if (p->compose != NULL)
        p->progress_sub = berth_compose_subscribe(p->compose, progress_forward, p);
    return p->progress;
}

/* Runs the loop until a command finishes. */
int project_run(struct project *p)
{
    while (!p->finished) {
        int r = event_base_dispatch(p->base);
        if (r != 0 && !p->finished) {
            /* nothing left to wait for, yet nobody finished: a bug, not a hang */
            fprintf(stderr, "berth: internal error: the event loop ran dry\n");
            return CLI_EXIT_FAILURE;
        }
    }
    if (p->progress != NULL)
        progress_finish(p->progress);
    return p->rc;
}

/* Records the exit code and stops the loop. */
void project_finish(struct project *p, int rc)
{
    if (p->finished)
        return;
    p->finished = true;
    p->rc = rc;
    p->op = NULL; /* finishing means its op completed (or is abandoned) */
    event_base_loopbreak(p->base);
}

/* Whether the command finished. */
bool project_finished(const struct project *p)
{
    return p->finished;
}

/* The default reaction: cancel the op (or finish) on the first signal, exit on the second. */
static void default_signal(struct project *p, int signo, int count, void *user)
{
    (void)user;
    if (count > 1) {
        /* the command returns and project_close() kills what is left */
        project_finish(p, 128 + signo);
        return;
    }
    if (p->op != NULL)
        berth_compose_op_cancel(p->op);
    else
        project_finish(p, 128 + signo);
}

/* evsignal callback: counts and dispatches. */
static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct project *p = arg;
    int signo = (int)fd;
    p->signals++;
    if (p->first_signal == 0)
        p->first_signal = signo;
    if (p->on_signal != NULL)
        p->on_signal(p, signo, p->signals, p->signal_user);
    else
        default_signal(p, signo, p->signals, NULL);
}

/* Installs SIGINT/SIGTERM events on the CLI's loop. */
void project_signals(struct project *p, project_signal_fn fn, void *user)
{
    p->on_signal = fn;
    p->signal_user = user;
    if (p->sigint == NULL) {
        p->sigint = evsignal_new(p->base, SIGINT, on_signal, p);
        p->sigterm = evsignal_new(p->base, SIGTERM, on_signal, p);
        if (p->sigint == NULL || p->sigterm == NULL)
            abort();
        event_add(p->sigint, NULL);
        event_add(p->sigterm, NULL);
    }
}

/* The op to cancel on the first signal. */
void project_set_op(struct project *p, struct berth_compose_op *op)
{
    p->op = op;
}

/* Signals received so far. */
int project_signal_count(const struct project *p)
{
    return p->signals;
}

/* The first signal received, 0 when none. */
int project_first_signal(const struct project *p)
{
    return p->first_signal;
}

/* Starts the loop for an op the caller just started. */
int project_run_op(struct project *p, struct berth_compose_op *op, struct berth_error *err)
{
    if (op == NULL)
        return cli_report_error(err);
    p->op = op;
    p->finished = false; /* a command may run several ops one after the other */
    p->rc = 0;
    return project_run(p);
}

/* Prints an error the way cli_report_error does, without taking it. */
void project_print_error(const struct berth_error *e)
{
    fprintf(stderr, "berth: %s\n", berth_error_message(e));
    if (berth_error_hint(e) != NULL)
        fprintf(stderr, "hint: %s\n", berth_error_hint(e));
}

/* Generic completion: 0, 1 with the error printed, or 128+signal when interrupted. */
void project_op_done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct project *p = user;
    p->op = NULL;
    if (p->progress != NULL)
        progress_finish(p->progress);
    if (res->error != NULL) {
        if (p->first_signal != 0 && berth_error_code(res->error) == BERTH_E_CANCELLED) {
            project_finish(p, 128 + p->first_signal);
            return;
        }
        project_print_error(res->error);
        project_finish(p, CLI_EXIT_FAILURE);
        return;
    }
    project_finish(p, p->first_signal != 0 ? 128 + p->first_signal : CLI_EXIT_OK);
}

/* Frees everything, innermost first. */
void project_close(struct project *p)
{
    if (p == NULL)
        return;
    if (p->progress_sub != NULL)
        berth_compose_unsubscribe(p->progress_sub);
    berth_compose_close(p->compose);
    p->compose = NULL;
    if (p->backend != NULL)
        berth_backend_free(p->backend);
    p->backend = NULL;
    berth_detect_free(p->detect);
    p->detect = NULL;
    progress_free(p->progress);
    p->progress = NULL;
    if (p->sigint != NULL)
        event_free(p->sigint);
    if (p->sigterm != NULL)
        event_free(p->sigterm);
    p->sigint = p->sigterm = NULL;
    berth_engine_free(p->eng);
    p->eng = NULL;
    if (p->proj != NULL)
        berth_project_free(p->proj);
    if (p->base != NULL)
        event_base_free(p->base);
    free(p);
}
