/* berth up: create and start the project's containers (docker compose up). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/logview.h"
#include "cli/progress.h"
#include "cli/project.h"
#include "cli/args.h"

struct up_flags {
    bool detach, wait, abort_on_exit, abort_on_failure, attach_dependencies;
    bool force_recreate, no_recreate, no_start, no_deps, build, no_build;
    bool remove_orphans, no_rollback, strict, renew_anon_volumes, timestamps, no_color;
    bool no_log_prefix, quiet_pull;
    int wait_timeout, timeout;
    const char *exit_code_from, *pull;
    struct cli_list attach, no_attach, scale;
};

struct up {
    struct project *p;
    struct berth_compose_sub *sub;
    struct logview *lv;
    struct progress *prog;
    const struct up_flags *f;
    struct cli_list *services;
    bool attach;
    bool stopping; /* a signal or an abort started the stop phase */
    char **attaching; /* short names announced by ATTACH events, not printed yet */
    size_t n_attaching;
};

/* qsort comparator of strings. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints docker compose's "Attaching to a-1, b-1" (sorted) once the attached set is known. */
static void flush_attaching(struct up *u)
{
    if (u->n_attaching == 0)
        return;
    qsort(u->attaching, u->n_attaching, sizeof(*u->attaching), cmp_names);
    fputs("Attaching to ", stdout);
    for (size_t i = 0; i < u->n_attaching; i++) {
        fprintf(stdout, "%s%s", i ? ", " : "", u->attaching[i]);
        free(u->attaching[i]);
    }
    fputc('\n', stdout);
    fflush(stdout);
    free(u->attaching);
    u->attaching = NULL;
    u->n_attaching = 0;
}

/* Whether a service's logs are shown (mirrors the engine's attach selection). */
static bool service_attached(const struct up *u, const char *service)
{
    if (service == NULL)
        return false;
    if (u->f->exit_code_from != NULL && strcmp(u->f->exit_code_from, service) == 0)
        return true;
    for (size_t i = 0; i < u->f->no_attach.n; i++)
        if (strcmp(u->f->no_attach.v[i], service) == 0)
            return false;
    const struct cli_list *sel = u->f->attach.n > 0 ? &u->f->attach : u->services;
    if (sel->n == 0 || (u->f->attach.n == 0 && u->f->attach_dependencies))
        return true;
    for (size_t i = 0; i < sel->n; i++)
        if (strcmp(sel->v[i], service) == 0)
            return true;
    return false;
}

/* Attached mode: log lines, exits and aborts of the containers. */
static void on_event(struct berth_compose *c, const struct berth_compose_event *ev, void *user)
{
    struct up *u = user;
    char *name;
    if (ev->type != BERTH_COMPOSE_EV_ATTACH)
        flush_attaching(u);
    switch (ev->type) {
    case BERTH_COMPOSE_EV_ATTACH:
        name = format_short_name(ev->project, ev->service, ev->replica, ev->container);
        logview_register(u->lv, name);
        u->attaching = realloc(u->attaching, (u->n_attaching + 1) * sizeof(*u->attaching));
        if (u->attaching == NULL)
            abort();
        u->attaching[u->n_attaching++] = name;
        break;
    case BERTH_COMPOSE_EV_LOG:
        name = format_short_name(ev->project, ev->service, ev->replica, ev->container);
        logview_line(u->lv, name, ev->line, ev->len, ev->complete);
        free(name);
        break;
    case BERTH_COMPOSE_EV_STATE:
        if (ev->to == BERTH_SVC_EXITED && service_attached(u, ev->service)) {
            name = format_short_name(ev->project, ev->service, ev->replica, ev->container);
            logview_status(u->lv, name, "%s exited with code %d", name, ev->exit_code);
            free(name);
        } else if (ev->to == BERTH_SVC_CREATING && service_attached(u, ev->service)) {
            name = format_short_name(ev->project, ev->service, ev->replica, ev->container);
            logview_register(u->lv, name);
            free(name);
        }
        break;
    case BERTH_COMPOSE_EV_ABORT:
        if (!u->stopping) {
            u->stopping = true;
            fprintf(stdout, "Aborting on container exit...\n");
            fflush(stdout);
        }
        break;
    case BERTH_COMPOSE_EV_RESOURCE:
    case BERTH_COMPOSE_EV_WARNING:
        break;
    }
    (void)c;
}

/* Foreground Ctrl-C / SIGTERM: graceful stop first, kill on the second Ctrl-C. */
static void on_signal(struct project *p, int signo, int count, void *user)
{
    struct up *u = user;
    struct berth_compose *c = project_compose(p);
    if (count == 1 || (signo == SIGTERM && !u->stopping)) {
        u->stopping = true;
        fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
        berth_compose_interrupt(c, u->f->timeout);
        return;
    }
    if (signo == SIGINT) {
        fprintf(stderr, "Forcing stop...\n");
        berth_compose_force_kill(c);
    }
}

/* Completion of an attached up: the exit code of exit-code-from / abort, 130 after Ctrl-C. */
static void attached_done(struct berth_compose *c, const struct berth_compose_result *res,
                          void *user)
{
    struct up *u = user;
    (void)c;
    project_set_op(u->p, NULL);
    int sig = project_first_signal(u->p);
    if (res->error != NULL) {
        if (sig != 0 && berth_error_code(res->error) == BERTH_E_CANCELLED) {
            project_finish(u->p, 128 + sig);
            return;
        }
        project_print_error(res->error);
        project_finish(u->p, CLI_EXIT_FAILURE);
        return;
    }
    if (sig != 0 && u->f->exit_code_from == NULL)
        project_finish(u->p, 128 + sig);
    else
        project_finish(u->p, res->exit_code);
}

/* Completion of a detached up (with or without --wait). */
static void detached_done(struct berth_compose *c, const struct berth_compose_result *res,
                          void *user)
{
    struct up *u = user;
    project_op_done(c, res, u->p);
}

/* Validates flag combinations the way docker compose does. */
static int check_flags(struct up_flags *f)
{
    if (f->exit_code_from != NULL && !f->abort_on_failure)
        f->abort_on_exit = true;
    if (f->abort_on_exit && f->abort_on_failure)
        return cli_usage_error(NULL, "up: --abort-on-container-failure cannot be combined with "
                                     "--abort-on-container-exit");
    if (f->wait) {
        if (f->attach_dependencies || f->abort_on_exit || f->attach.n > 0)
            return cli_usage_error(NULL, "up: --wait cannot be combined with "
                                         "--abort-on-container-exit, --attach or "
                                         "--attach-dependencies");
        f->detach = true;
    }
    if (f->detach && (f->attach_dependencies || f->abort_on_exit || f->abort_on_failure ||
                      f->attach.n > 0))
        return cli_usage_error("drop -d to follow the logs in the foreground",
                               "up: --detach cannot be combined with --abort-on-container-exit, "
                               "--abort-on-container-failure, --attach or --attach-dependencies");
    if (f->no_start && (f->abort_on_exit || f->abort_on_failure || f->detach || f->wait))
        return cli_usage_error(NULL, "up: --no-start cannot be combined with --detach, --wait, "
                                     "--abort-on-container-exit, --abort-on-container-failure "
                                     "or --exit-code-from");
    if (f->force_recreate && f->no_recreate)
        return cli_usage_error(NULL, "up: --force-recreate and --no-recreate are incompatible");
    if (f->build && f->no_build)
        return cli_usage_error(NULL, "up: --build and --no-build are incompatible");
    if (f->wait_timeout < 0)
        return cli_usage_error("give seconds, e.g. --wait-timeout 60",
                               "up: --wait-timeout must not be negative");
    return 0;
}

int cmd_up(struct cli_globals *g, int argc, char **argv)
{
    struct up_flags f = {.timeout = -1};
    const struct flag flags[] = {
        {"detach", 'd', FLAG_BOOL, &f.detach, NULL, "Detached mode: run containers in the background"},
        {"wait", 0, FLAG_BOOL, &f.wait, NULL, "Wait for services to be running|healthy. Implies detached mode"},
        {"wait-timeout", 0, FLAG_INT, &f.wait_timeout, "SECONDS", "Maximum duration to wait for the project to be running|healthy"},
        {"abort-on-container-exit", 0, FLAG_BOOL, &f.abort_on_exit, NULL, "Stops all containers if any container was stopped"},
        {"abort-on-container-failure", 0, FLAG_BOOL, &f.abort_on_failure, NULL, "Stops all containers if any container exited with failure"},
        {"exit-code-from", 0, FLAG_STRING, &f.exit_code_from, "SERVICE", "Return the exit code of the selected service container. Implies --abort-on-container-exit"},
        {"attach", 0, FLAG_LIST, &f.attach, "SERVICE", "Restrict attaching to the specified services"},
        {"no-attach", 0, FLAG_LIST, &f.no_attach, "SERVICE", "Do not attach (stream logs) to the specified services"},
        {"attach-dependencies", 0, FLAG_BOOL, &f.attach_dependencies, NULL, "Automatically attach to log output of dependent services"},
        {"force-recreate", 0, FLAG_BOOL, &f.force_recreate, NULL, "Recreate containers even if their configuration and image haven't changed"},
        {"no-recreate", 0, FLAG_BOOL, &f.no_recreate, NULL, "If containers already exist, don't recreate them"},
        {"no-start", 0, FLAG_BOOL, &f.no_start, NULL, "Don't start the services after creating them"},
        {"no-deps", 0, FLAG_BOOL, &f.no_deps, NULL, "Don't start linked services"},
        {"pull", 0, FLAG_STRING, &f.pull, "POLICY", "Pull image before running (\"always\"|\"missing\"|\"never\"|\"build\")"},
        {"build", 0, FLAG_BOOL, &f.build, NULL, "Build images before starting containers"},
        {"no-build", 0, FLAG_BOOL, &f.no_build, NULL, "Don't build an image, even if it's policy"},
        {"remove-orphans", 0, FLAG_BOOL, &f.remove_orphans, NULL, "Remove containers for services not defined in the Compose file"},
        {"no-rollback", 0, FLAG_BOOL, &f.no_rollback, NULL, "On failure keep what this up created (berth)"},
        {"strict", 0, FLAG_BOOL, &f.strict, NULL, "Fail before creating anything when the backend cannot apply a feature a service uses (berth)"},
        {"renew-anon-volumes", 'V', FLAG_BOOL, &f.renew_anon_volumes, NULL, "Recreate anonymous volumes instead of retrieving data from the previous containers"},
        {"scale", 0, FLAG_LIST, &f.scale, "SERVICE=NUM", "Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present"},
        {"timeout", 't', FLAG_INT, &f.timeout, "SECONDS", "Use this timeout in seconds for container shutdown when attached or when containers are already running"},
        {"timestamps", 0, FLAG_BOOL, &f.timestamps, NULL, "Show timestamps"},
        {"no-color", 0, FLAG_BOOL, &f.no_color, NULL, "Produce monochrome output"},
        {"no-log-prefix", 0, FLAG_BOOL, &f.no_log_prefix, NULL, "Don't print prefix in logs"},
        {"quiet-pull", 0, FLAG_BOOL, &f.quiet_pull, NULL, "Pull without printing progress information"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"up", "[OPTIONS] [SERVICE...]", "Create and start containers",
                                   flags, false, 0, -1};
    struct cli_list services = {0};
    struct berth_kv *scale = NULL;
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc == 0)
        rc = check_flags(&f);
    enum berth_pull_policy pull = BERTH_PULL_DEFAULT;
    if (rc == 0)
        rc = args_pull_policy(f.pull, &pull);
    if (rc == 0)
        rc = args_scale(&f.scale, &scale);
    if (rc != 0)
        goto out;

    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct up u = {.p = p, .f = &f, .services = &services, .attach = !f.detach && !f.no_start};
    struct berth_compose *c = project_compose(p);

    struct berth_compose_up_options o = {0};
    o.services = services.n > 0 ? services.v : NULL;
    o.no_deps = f.no_deps;
    o.strict = f.strict;
    o.force_recreate = f.force_recreate;
    o.no_recreate = f.no_recreate;
    o.no_start = f.no_start;
    o.build = f.build;
    o.no_build = f.no_build;
    o.pull = pull;
    o.remove_orphans = f.remove_orphans;
    o.no_rollback = f.no_rollback;
    o.renew_anon_volumes = f.renew_anon_volumes;
    o.scale = scale;
    o.n_scale = f.scale.n;
    o.attach = u.attach;
    o.attach_services = f.attach.n > 0 ? f.attach.v : NULL;
    o.no_attach = f.no_attach.n > 0 ? f.no_attach.v : NULL;
    o.attach_dependencies = f.attach_dependencies;
    o.timestamps = f.timestamps;
    o.abort_on_container_exit = f.abort_on_exit;
    o.abort_on_container_failure = f.abort_on_failure;
    o.exit_code_from = f.exit_code_from;
    o.wait = f.wait;
    o.wait_timeout_ms = (uint64_t)f.wait_timeout * 1000u;
    o.timeout_s = f.timeout;
    o.handoff = !u.attach; /* berth exits once a detached up completes */

    u.prog = project_progress(p, "Running");
    progress_set_quiet_pull(u.prog, f.quiet_pull);
    struct berth_error *err = NULL;
    struct berth_compose_op *op;
    if (u.attach) {
        bool color = !f.no_color && cli_use_color(g, STDOUT_FILENO);
        u.lv = logview_new(stdout, color, !f.no_log_prefix);
        logview_attach(u.lv, project_base(p));
        progress_set_foreground(u.prog, true);
        u.sub = berth_compose_subscribe(c, on_event, &u);
        project_signals(p, on_signal, &u);
        op = berth_compose_up(c, &o, attached_done, &u, &err);
    } else {
        const struct berth_driver_info *drv = berth_backend_driver(project_backend(p));
        if (f.detach && drv != NULL && strcmp(drv->name, "process") == 0)
            progress_message(u.prog, "WARN[0000] the process backend runs services as children "
                                     "of berth: they stop when this command exits; run 'berth "
                                     "up' in the foreground, or use a container backend");
        project_signals(p, NULL, NULL);
        op = berth_compose_up(c, &o, detached_done, &u, &err);
    }
    if (op == NULL) {
        rc = cli_report_error(err);
    } else {
        project_set_op(p, op);
        rc = project_run(p);
    }
    berth_compose_unsubscribe(u.sub);
    for (size_t i = 0; i < u.n_attaching; i++)
        free(u.attaching[i]);
    free(u.attaching);
    if (u.lv != NULL)
        logview_attach(u.lv, NULL); /* before the base goes */
    project_close(p);
    logview_free(u.lv);
out:
    args_kv_free(scale, f.scale.n);
    free(services.v);
    free(f.attach.v);
    free(f.no_attach.v);
    free(f.scale.v);
    return flags_exit(rc);
}
