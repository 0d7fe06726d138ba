/* Containers of compose projects found by label on the backend (see cli/ctrs.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctrs.h"

struct listing {
    char **services; /* NULL-terminated copy, or NULL */
    ctrs_done_fn done;
    void *user;
};

/* Copies s (NULL stays NULL) or aborts. */
static char *dup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

/* Linear label lookup. */
const char *ctrs_label(const struct berth_kv *labels, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i].key != NULL && strcmp(labels[i].key, key) == 0)
            return labels[i].value;
    return NULL;
}

/* Orders containers by project, service, then number. */
static int ctr_cmp(const void *a, const void *b)
{
    const struct ctr *x = a, *y = b;
    int r = strcmp(x->project != NULL ? x->project : "", y->project != NULL ? y->project : "");
    if (r == 0)
        r = strcmp(x->service != NULL ? x->service : "", y->service != NULL ? y->service : "");
    if (r == 0)
        r = x->number - y->number;
    if (r == 0)
        r = strcmp(x->name != NULL ? x->name : "", y->name != NULL ? y->name : "");
    return r;
}

/* Whether service is one of the wanted ones. */
static bool wanted(char **services, const char *service)
{
    if (services == NULL)
        return true;
    for (char **s = services; *s != NULL; s++)
        if (service != NULL && strcmp(*s, service) == 0)
            return true;
    return false;
}

/* Copies what the commands need out of one container info. */
static void copy_ctr(struct ctr *c, const struct berth_container_info *ci)
{
    const char *v;
    *c = (struct ctr){0};
    c->id = dup(ci->id);
    c->name = dup(ci->name);
    c->image = dup(ci->image);
    c->status = dup(ci->status);
    c->project = dup(ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.project"));
    c->service = dup(ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.service"));
    c->config_files =
        dup(ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.project.config_files"));
    c->working_dir =
        dup(ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.project.working_dir"));
    v = ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.container-number");
    c->number = v != NULL ? atoi(v) : 0;
    v = ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.oneoff");
    c->oneoff = v != NULL && strcmp(v, "True") == 0;
    c->state = ci->state;
    c->exit_code = ci->exit_code;
    c->pid = ci->pid;
    c->created_at = ci->created_at;
    if (ci->n_ports > 0) {
        c->ports = calloc(ci->n_ports, sizeof(*c->ports));
        if (c->ports == NULL)
            abort();
        for (size_t i = 0; i < ci->n_ports; i++) {
            c->ports[i].container_port = ci->ports[i].container_port;
            c->ports[i].protocol = dup(ci->ports[i].protocol != NULL ? ci->ports[i].protocol
                                                                     : "tcp");
            c->ports[i].host_ip = dup(ci->ports[i].host_ip != NULL ? ci->ports[i].host_ip : "");
            c->ports[i].host_port = ci->ports[i].host_port;
        }
        c->n_ports = ci->n_ports;
    }
}

/* The backend's answer: copy, filter, sort, hand over. */
static void listed(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct listing *l = user;
    struct ctrs *list = calloc(1, sizeof(*list));
    if (list == NULL)
        abort();
    if (res->error == NULL && res->n_containers > 0) {
        list->v = calloc(res->n_containers, sizeof(*list->v));
        if (list->v == NULL)
            abort();
        for (size_t i = 0; i < res->n_containers; i++) {
            const struct berth_container_info *ci = &res->containers[i];
            const char *svc = ctrs_label(ci->labels, ci->n_labels, "com.docker.compose.service");
            if (wanted(l->services, svc))
                copy_ctr(&list->v[list->n++], ci);
        }
        qsort(list->v, list->n, sizeof(*list->v), ctr_cmp);
    }
    l->done(list, res->error, l->user);
    if (l->services != NULL) {
        for (char **s = l->services; *s != NULL; s++)
            free(*s);
        free(l->services);
    }
    free(l);
}

/* Submits the label-filtered list. */
int ctrs_list(struct berth_backend *b, const char *project, const char *const *services,
              bool all, ctrs_done_fn done, void *user, struct berth_error **err)
{
    struct listing *l = calloc(1, sizeof(*l));
    if (l == NULL)
        abort();
    l->done = done;
    l->user = user;
    if (services != NULL) {
        size_t n = 0;
        while (services[n] != NULL)
            n++;
        l->services = calloc(n + 1, sizeof(*l->services));
        if (l->services == NULL)
            abort();
        for (size_t i = 0; i < n; i++)
            l->services[i] = dup(services[i]);
    }
    struct berth_kv filter = {"com.docker.compose.project", project};
    struct berth_op_req req = {0};
    req.kind = BERTH_OP_CONTAINER_LIST;
    req.filters = &filter;
    req.n_filters = 1;
    req.all = all;
    if (berth_backend_submit(b, &req, listed, l, err) == NULL) {
        if (l->services != NULL) {
            for (char **s = l->services; *s != NULL; s++)
                free(*s);
            free(l->services);
        }
        free(l);
        return -1;
    }
    return 0;
}

/* Joins the ports docker-style. */
char *ctrs_ports_text(const struct ctr *c)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        abort();
    for (size_t i = 0; i < c->n_ports; i++) {
        const struct ctr_port *pt = &c->ports[i];
        if (i > 0)
            fputs(", ", f);
        if (pt->host_port != 0)
            fprintf(f, "%s:%d->%d/%s", pt->host_ip[0] != '\0' ? pt->host_ip : "0.0.0.0",
                    pt->host_port, pt->container_port, pt->protocol);
        else
            fprintf(f, "%d/%s", pt->container_port, pt->protocol);
    }
    fclose(f);
    return out;
}

/* Frees every copied field. */
void ctrs_free(struct ctrs *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct ctr *c = &l->v[i];
        free(c->id);
        free(c->name);
        free(c->image);
        free(c->status);
        free(c->project);
        free(c->service);
        free(c->config_files);
        free(c->working_dir);
        for (size_t j = 0; j < c->n_ports; j++) {
            free(c->ports[j].protocol);
            free(c->ports[j].host_ip);
        }
        free(c->ports);
    }
    free(l->v);
    free(l);
}
