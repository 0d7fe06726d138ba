/* berth top: display the running processes of the project's containers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ctrs.h"
#include "cli/flags.h"
#include "cli/project.h"
#include "cli/table.h"

/* One process of the host's process table. */
struct hproc {
    char *fields[7]; /* user pid ppid pcpu etime tty time */
    char *args;
    long pid, ppid;
};

struct top {
    struct project *p;
    struct ctrs *list;
    struct hproc *procs;
    size_t n;
};

/* Parses `ps -A -o user=,pid=,...,args=` output: seven words, then the command line. */
static void parse_ps(struct top *t, const char *out)
{
    size_t cap = 0;
    const char *line = out;
    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        char *copy = strndup(line, len);
        if (copy == NULL)
            abort();
        struct hproc h = {0};
        char *save = NULL, *w = strtok_r(copy, " \t", &save);
        int i = 0;
        for (; w != NULL && i < 7; i++, w = i < 7 ? strtok_r(NULL, " \t", &save) : w)
            h.fields[i] = strdup(w);
        if (i == 7) {
            char *rest = save;
            while (rest != NULL && (*rest == ' ' || *rest == '\t'))
                rest++;
            h.args = strdup(rest != NULL ? rest : "");
            h.pid = atol(h.fields[1]);
            h.ppid = atol(h.fields[2]);
            if (t->n == cap) {
                cap = cap ? cap * 2 : 256;
                t->procs = realloc(t->procs, cap * sizeof(*t->procs));
                if (t->procs == NULL)
                    abort();
            }
            t->procs[t->n++] = h;
        } else {
            for (int j = 0; j < i; j++)
                free(h.fields[j]);
        }
        free(copy);
        line += len + (nl != NULL ? 1 : 0);
    }
}

/* Whether pid is root or one of its descendants. */
static bool in_tree(const struct top *t, long pid, long root)
{
    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        if (pid == root)
            return true;
        long parent = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->procs[i].pid == pid)
                parent = t->procs[i].ppid;
        pid = parent;
    }
    return pid == root;
}

/* Prints each running container's process tree. */
static void print(struct top *t)
{
    static const char *const header[] = {"UID", "PID",  "PPID", "%CPU",
                                         "ELAPSED", "TTY", "TIME", "CMD"};
    bool first = true;
    for (size_t i = 0; i < t->list->n; i++) {
        const struct ctr *c = &t->list->v[i];
        if (c->state != BERTH_CSTATE_RUNNING)
            continue;
        printf("%s%s\n", first ? "" : "\n", c->name);
        first = false;
        if (c->pid <= 0) {
            printf("(the backend reports no process id for this container)\n");
            continue;
        }
        struct table *tb = table_new(8, header);
        for (size_t j = 0; j < t->n; j++) {
            const struct hproc *h = &t->procs[j];
            if (!in_tree(t, h->pid, c->pid))
                continue;
            const char *row[] = {h->fields[0], h->fields[1], h->fields[2], h->fields[3],
                                 h->fields[4], h->fields[5], h->fields[6], h->args};
            table_add(tb, row);
        }
        table_print(tb, stdout);
        table_free(tb);
    }
    fflush(stdout);
}

/* ps finished: parse its table and print. */
static void ps_done(struct berth_proc *proc, const struct berth_proc_result *res, void *user)
{
    (void)proc;
    struct top *t = user;
    if (res->error != NULL || !res->exited || res->exit_code != 0 || res->out == NULL) {
        fprintf(stderr, "berth: top: ps failed%s%s\n", res->err != NULL ? ": " : "",
                res->err != NULL ? res->err : "");
        project_finish(t->p, CLI_EXIT_FAILURE);
        return;
    }
    parse_ps(t, res->out);
    print(t);
    project_finish(t->p, CLI_EXIT_OK);
}

/* Containers listed: read the host's process table once. */
static void listed(struct ctrs *list, const struct berth_error *err, void *user)
{
    struct top *t = user;
    t->list = list;
    if (err != NULL) {
        project_print_error(err);
        project_finish(t->p, CLI_EXIT_FAILURE);
        return;
    }
    static const char *const argv[] = {
        "ps", "-A", "-o", "user=,pid=,ppid=,pcpu=,etime=,tty=,time=,args=", NULL};
    struct berth_proc_options o = {0};
    o.argv = argv;
    o.out = BERTH_OUT_CAPTURE;
    o.err = BERTH_OUT_CAPTURE;
    o.timeout_ms = 10000;
    o.on_done = ps_done;
    o.user = t;
    struct berth_error *e = NULL;
    if (berth_proc_spawn(project_engine(t->p), &o, &e) == NULL) {
        berth_error_wrap(&e, "top: cannot run ps");
        cli_report_error(e);
        project_finish(t->p, CLI_EXIT_FAILURE);
    }
}

int cmd_top(struct cli_globals *g, int argc, char **argv)
{
    const struct flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
    const struct flags_cmd spec = {"top", "[SERVICES...]", "Display the running processes",
                                   flags, false, 0, -1};
    struct cli_list services = {0};
    int rc = flags_parse(&spec, argc, argv, &services);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct top t = {.p = p};
    struct berth_error *err = NULL;
    project_signals(p, NULL, NULL);
    if (ctrs_list(project_backend(p), project_name(p), services.n > 0 ? services.v : NULL, false,
                  listed, &t, &err) < 0)
        rc = cli_report_error(err);
    else
        rc = project_run(p);
    project_close(p);
    for (size_t i = 0; i < t.n; i++) {
        for (int j = 0; j < 7; j++)
            free(t.procs[i].fields[j]);
        free(t.procs[i].args);
    }
    free(t.procs);
    ctrs_free(t.list);
out:
    free(services.v);
    return flags_exit(rc);
}
