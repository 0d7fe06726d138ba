/* Plumbing of the container-API commands (see cli/ccli.h). */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cli/ccli.h"
#include "cli/format.h"

/* Engine diagnostics go to stderr. */
static void ccli_log(enum berth_log_level level, const char *component, const char *msg,
                     void *user)
{
    (void)user;
    const char *tag = level == BERTH_LOG_ERROR  ? "error"
                      : level == BERTH_LOG_WARN ? "warning"
                      : level == BERTH_LOG_INFO ? "info"
                                                : "debug";
    fprintf(stderr, "berth: %s: %s%s%s\n", tag, component ? component : "",
            component ? ": " : "", msg);
}

/* Opens loop, engine, plugins and the backend setting. */
int ccli_open(struct ccli *c, struct cli_globals *g)
{
    memset(c, 0, sizeof(*c));
    c->g = g;
    c->base = event_base_new();
    if (c->base == NULL) {
        fprintf(stderr, "berth: cannot create the event loop\n");
        return CLI_EXIT_FAILURE;
    }
    struct berth_error *err = NULL;
    c->eng = berth_engine_new(c->base, &err);
    if (c->eng == NULL)
        goto fail;
    berth_engine_set_log(c->eng, ccli_log, g->verbose ? BERTH_LOG_DEBUG : BERTH_LOG_WARN, c);
    const char *dirs[] = {g->plugin_dir, NULL};
    if (berth_plugins_load(c->eng, g->plugin_dir != NULL ? dirs : NULL, 0, &err) < 0) {
        berth_error_wrap(&err, "--plugin-dir");
        goto fail;
    }
    if (g->backend != NULL) {
        char **names = berth_backend_list_parse(g->backend, &err);
        if (names == NULL) {
            berth_error_wrap(&err, "--backend");
            goto fail;
        }
        int rc = berth_select_set(c->eng, (const char *const *)names, "--backend", &err);
        berth_backend_list_free(names);
        if (rc < 0)
            goto fail;
    }
    /* image verification: --verify and the compose file's x-berth.verify (cmd_verify.c) */
    if (cli_verify_setup(g, c->eng, true, &err) < 0)
        goto fail;
    return 0;
fail:
    cli_report_error(err);
    ccli_close(c);
    return CLI_EXIT_FAILURE;
}

/* Frees everything. */
void ccli_close(struct ccli *c)
{
    if (c->sigint != NULL)
        event_free(c->sigint);
    if (c->sigterm != NULL)
        event_free(c->sigterm);
    c->sigint = c->sigterm = NULL;
    berth_engine_free(c->eng);
    c->eng = NULL;
    if (c->base != NULL)
        event_base_free(c->base);
    c->base = NULL;
}

/* libevent signal callback. */
static void ccli_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct ccli *c = arg;
    c->signals++;
    if (c->first_signal == 0)
        c->first_signal = (int)sig;
    if (c->on_signal != NULL)
        c->on_signal(c, (int)sig, c->signals, c->signal_user);
}

/* Handles SIGINT/SIGTERM on the loop. */
void ccli_signals(struct ccli *c, ccli_signal_fn fn, void *user)
{
    c->on_signal = fn;
    c->signal_user = user;
    if (c->sigint == NULL) {
        c->sigint = evsignal_new(c->base, SIGINT, ccli_signal, c);
        c->sigterm = evsignal_new(c->base, SIGTERM, ccli_signal, c);
        if (c->sigint == NULL || c->sigterm == NULL)
            abort();
        event_add(c->sigint, NULL);
        event_add(c->sigterm, NULL);
    }
}

/* Runs the loop until finished. */
int ccli_run(struct ccli *c)
{
    while (!c->finished)
        if (event_base_loop(c->base, EVLOOP_ONCE) < 0)
            break;
    return c->rc;
}

/* Ends the loop. */
void ccli_finish(struct ccli *c, int rc)
{
    if (c->finished)
        return;
    c->finished = true;
    c->rc = rc;
}

/* Prints an error without freeing it. */
void ccli_print_error(const struct berth_error *e)
{
    fprintf(stderr, "berth: %s\n", berth_error_message(e));
    if (berth_error_hint(e) != NULL)
        fprintf(stderr, "hint: %s\n", berth_error_hint(e));
}

/* Names the object in the message unless the runtime's message already does. */
void ccli_print_error_of(const struct berth_error *e, const char *kind, const char *name)
{
    if (strstr(berth_error_message(e), name) == NULL)
        fprintf(stderr, "berth: %s %s: %s\n", kind, name, berth_error_message(e));
    else
        fprintf(stderr, "berth: %s\n", berth_error_message(e));
    if (berth_error_hint(e) != NULL)
        fprintf(stderr, "hint: %s\n", berth_error_hint(e));
}

/* --format json|table. */
int ccli_format_json(const char *cmd, const char *format)
{
    if (format == NULL || strcmp(format, "table") == 0)
        return 0;
    if (strcmp(format, "json") == 0)
        return 1;
    cli_usage_error("use --format json or --format table", "%s: --format: unsupported format '%s'",
                    cmd, format);
    return -1;
}

/* RFC 3339 in UTC. */
void ccli_rfc3339(int64_t when, char *buf, size_t size)
{
    if (when <= 0) {
        snprintf(buf, size, "0001-01-01T00:00:00Z");
        return;
    }
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* docker's units.HumanSize (decimal, %.4g, no space). */
void ccli_human_size(int64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    size_t i = 0;
    while (v >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000.0;
        i++;
    }
    snprintf(buf, size, "%.4g%s", v, units[i]);
}

/* Appends printf text to a malloc'ed string. */
static void cat_printf(char **s, const char *fmt, ...) BERTH_PRINTF(2, 3);
static void cat_printf(char **s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t old = *s ? strlen(*s) : 0;
    char *d = realloc(*s, old + (size_t)n + 1);
    if (d == NULL)
        abort();
    va_start(ap, fmt);
    vsnprintf(d + old, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *s = d;
}

/* The PORTS column. */
char *ccli_ports_text(const struct berth_container_info *ci)
{
    char *s = NULL;
    cat_printf(&s, "%s", "");
    for (size_t i = 0; i < ci->n_ports; i++) {
        const struct berth_port_binding *p = &ci->ports[i];
        const char *proto = p->protocol && *p->protocol ? p->protocol : "tcp";
        if (i > 0)
            cat_printf(&s, ", ");
        if (p->host_port != 0) {
            const char *ip = p->host_ip && *p->host_ip ? p->host_ip : "0.0.0.0";
            bool v6 = strchr(ip, ':') != NULL;
            cat_printf(&s, "%s%s%s:%u->%u/%s", v6 ? "[" : "", ip, v6 ? "]" : "",
                       (unsigned)p->host_port, (unsigned)p->container_port, proto);
        } else {
            cat_printf(&s, "%u/%s", (unsigned)p->container_port, proto);
        }
    }
    return s;
}

/* The STATUS column, computed the same way for every backend. */
char *ccli_status_text(const struct berth_container_info *ci, int64_t now)
{
    char d[64];
    char *s = NULL;
    switch (ci->state) {
    case BERTH_CSTATE_RUNNING:
    case BERTH_CSTATE_PAUSED:
    case BERTH_CSTATE_RESTARTING:
        if (ci->state == BERTH_CSTATE_RESTARTING) {
            format_human_duration(ci->finished_at > 0 ? now - ci->finished_at : 0, d, sizeof(d));
            cat_printf(&s, "Restarting (%d) %s ago", ci->exit_code, d);
            break;
        }
        format_human_duration(ci->started_at > 0 ? now - ci->started_at : 0, d, sizeof(d));
        cat_printf(&s, "Up %s%s", d, ci->state == BERTH_CSTATE_PAUSED ? " (Paused)" : "");
        if (ci->health != BERTH_HEALTH_NONE)
            cat_printf(&s, " (%s)", berth_health_name(ci->health));
        break;
    case BERTH_CSTATE_EXITED:
        format_human_duration(ci->finished_at > 0 ? now - ci->finished_at : 0, d, sizeof(d));
        cat_printf(&s, "Exited (%d) %s ago", ci->exit_code, d);
        break;
    case BERTH_CSTATE_CREATED:
        cat_printf(&s, "Created");
        break;
    case BERTH_CSTATE_REMOVING:
        cat_printf(&s, "Removal In Progress");
        break;
    case BERTH_CSTATE_DEAD:
        cat_printf(&s, "Dead");
        break;
    case BERTH_CSTATE_UNKNOWN:
        cat_printf(&s, "%s", ci->status && *ci->status ? ci->status : "Unknown");
        break;
    }
    return s;
}

/* Joins words with spaces. */
char *ccli_join(const char *const *words)
{
    char *s = NULL;
    cat_printf(&s, "%s", "");
    for (size_t i = 0; words != NULL && words[i] != NULL; i++)
        cat_printf(&s, "%s%s", i ? " " : "", words[i]);
    return s;
}

/* Labels as a JSON object. */
json_t *ccli_labels_json(const struct berth_kv *labels, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        if (labels[i].key != NULL)
            json_object_set_new(o, labels[i].key, json_string(labels[i].value ? labels[i].value
                                                                                : ""));
    return o;
}

/* One compact JSON line. */
void ccli_print_json_line(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        puts(s);
        free(s);
    }
}

/* Indented JSON. */
void ccli_print_json_pretty(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        puts(s);
        free(s);
    }
}

/* Unix time now. */
int64_t ccli_now(void)
{
    return (int64_t)time(NULL);
}

/* Prints a group's usage: what it does and its subcommands. */
static void group_usage(const struct ccli_group *grp, FILE *out)
{
    fprintf(out, "Usage:  berth %s COMMAND\n\n%s\n\nCommands:\n", grp->name, grp->about);
    for (size_t i = 0; i < grp->n_subs; i++)
        fprintf(out, "  %-9s %s\n", grp->subs[i].name, grp->subs[i].summary);
    fprintf(out, "\nRun 'berth %s COMMAND --help' for more information on a command.\n", grp->name);
}

/* berth GROUP SUBCOMMAND: dispatch. */
int ccli_dispatch(const struct ccli_group *grp, struct cli_globals *g, int argc, char **argv)
{
    if (argc < 2) {
        group_usage(grp, stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        group_usage(grp, stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < grp->n_subs; i++)
        if (strcmp(argv[1], grp->subs[i].name) == 0 ||
            (grp->subs[i].alias != NULL && strcmp(argv[1], grp->subs[i].alias) == 0))
            return grp->subs[i].run(g, argc - 1, argv + 1);
    char hint[128];
    snprintf(hint, sizeof(hint), "run 'berth %s --help' for the commands", grp->name);
    return cli_usage_error(hint, "%s: unknown command '%s'", grp->name, argv[1]);
}
