/* berth events: stream the project's container events (one line or JSON object each). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/ctrs.h"
#include "cli/flags.h"
#include "cli/project.h"

struct events {
    struct project *p;
    struct cli_list *services;
    bool json;
    struct berth_op *op; /* the stream, NULL once it ended */
};

/* Attribute pairs sorted by key, as docker compose prints them. */
static int kv_cmp(const void *a, const void *b)
{
    const struct berth_kv *x = a, *y = b;
    return strcmp(x->key, y->key);
}

/* Prints one container event. */
static void on_event(void *user, const struct berth_event_info *ev)
{
    struct events *e = user;
    if (ev->type == NULL || strcmp(ev->type, "container") != 0)
        return;
    const char *service = ctrs_label(ev->labels, ev->n_labels, "com.docker.compose.service");
    if (e->services->n > 0) {
        bool ok = false;
        for (size_t i = 0; i < e->services->n; i++)
            ok = ok || (service != NULL && strcmp(service, e->services->v[i]) == 0);
        if (!ok)
            return;
    }
    struct berth_kv *attrs = NULL;
    if (ev->n_labels > 0) {
        attrs = malloc(ev->n_labels * sizeof(*attrs));
        if (attrs == NULL)
            abort();
        memcpy(attrs, ev->labels, ev->n_labels * sizeof(*attrs));
        qsort(attrs, ev->n_labels, sizeof(*attrs), kv_cmp);
    }
    time_t t = (time_t)ev->time;
    struct tm tm;
    char when[64];
    if (e->json) {
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_t *a = json_object();
        for (size_t i = 0; i < ev->n_labels; i++)
            json_object_set_new(a, attrs[i].key, json_string(attrs[i].value != NULL
                                                                 ? attrs[i].value
                                                                 : ""));
        if (ev->name != NULL)
            json_object_set_new(a, "name", json_string(ev->name));
        if (ev->exit_code >= 0 && strcmp(ev->action != NULL ? ev->action : "", "die") == 0)
            json_object_set_new(a, "exitCode", json_integer(ev->exit_code));
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "time", when, "type",
                              "container", "service", service != NULL ? service : "", "id",
                              ev->id != NULL ? ev->id : "", "action",
                              ev->action != NULL ? ev->action : "", "attributes", a);
        char *s = json_dumps(o, JSON_COMPACT);
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        localtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        printf("%s.000000 container %s %s", when, ev->action != NULL ? ev->action : "",
               ev->id != NULL ? ev->id : "");
        if (ev->n_labels > 0 || ev->name != NULL) {
            fputs(" (", stdout);
            const char *sep = "";
            if (ev->name != NULL) {
                printf("name=%s", ev->name);
                sep = ", ";
            }
            for (size_t i = 0; i < ev->n_labels; i++) {
                printf("%s%s=%s", sep, attrs[i].key, attrs[i].value != NULL ? attrs[i].value : "");
                sep = ", ";
            }
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
    fflush(stdout);
    free(attrs);
}

/* The stream ended (cancelled by Ctrl-C, or the runtime closed it). */
static void done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct events *e = user;
    e->op = NULL;
    int sig = project_first_signal(e->p);
    if (res->error != NULL && !(sig != 0 && berth_error_code(res->error) == BERTH_E_CANCELLED)) {
        project_print_error(res->error);
        project_finish(e->p, CLI_EXIT_FAILURE);
        return;
    }
    project_finish(e->p, sig != 0 ? 128 + sig : CLI_EXIT_OK);
}

/* Ctrl-C ends the stream. */
static void on_signal(struct project *p, int signo, int count, void *user)
{
    (void)signo;
    struct events *e = user;
    if (count == 1 && e->op != NULL)
        berth_op_cancel(e->op);
    else
        project_finish(p, 128 + signo);
}

int cmd_events(struct cli_globals *g, int argc, char **argv)
{
    bool json = false;
    const struct flag flags[] = {
        {"json", 0, FLAG_BOOL, &json, NULL, "Output events as a stream of json objects"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"events", "[OPTIONS] [SERVICE...]",
                                   "Receive real time events from containers", flags, false, 0,
                                   -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct events e = {.p = p, .services = &services, .json = json};
    struct berth_kv filter = {"com.docker.compose.project", project_name(p)};
    struct berth_op_req req = {0};
    req.kind = BERTH_OP_EVENTS;
    req.filters = &filter;
    req.n_filters = 1;
    req.on_event = on_event;
    req.stream_user = &e;
    struct berth_error *err = NULL;
    e.op = berth_backend_submit(project_backend(p), &req, done, &e, &err);
    if (e.op == NULL) {
        rc = cli_report_error(err);
    } else {
        project_signals(p, on_signal, &e);
        rc = project_run(p);
    }
    project_close(p);
out:
    free(services.v);
    return flags_exit(rc);
}
