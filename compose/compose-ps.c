/*
 * berth_compose_ps and berth_compose_logs: read operations over the
 * project's containers, found by label (CONTAINER_LIST with the project
 * filter). ps reports berth's own health verdict for containers this engine
 * supervises.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compose/engine-internal.h"
#include "compose/kvlist.h"
#include "compose/labels.h"

/* ------------------------------------------------------------------- ps */

struct ps_data {
    struct berth_compose_ps_options o;
    bool *sel;
    bool has_services;
    struct eop *discover;
    struct strv strs; /* strings the result points to */
};

/* Frees the task's data. */
static void ps_free(struct berth_compose_op *op)
{
    struct ps_data *d = op->data;
    if (d == NULL)
        return;
    free(d->sel);
    strv_free(&d->strs);
    free(d);
    op->data = NULL;
}

/* Frees the containers array (strings are in ps_data). */
static void ps_free_containers(struct berth_compose_op *op)
{
    free(op->containers);
    op->containers = NULL;
}

/* Keeps a copy of s for the result. */
static const char *keep(struct ps_data *d, const char *s)
{
    strv_push(&d->strs, s ? s : "");
    return d->strs.v[d->strs.n - 1];
}

/* Keeps a malloc'd string for the result. */
static const char *keep_take(struct ps_data *d, char *s)
{
    strv_push_take(&d->strs, s);
    return s;
}

/* "0.0.0.0:8080->80/tcp, 443/tcp" */
static char *format_ports(const struct berth_container_info *ci)
{
    struct strv parts;
    strv_init(&parts);
    size_t len = 1;
    for (size_t i = 0; i < ci->n_ports; i++) {
        const struct berth_port_binding *p = &ci->ports[i];
        const char *proto = p->protocol && *p->protocol ? p->protocol : "tcp";
        if (p->host_port != 0)
            strv_pushf(&parts, "%s:%u->%u/%s", p->host_ip && *p->host_ip ? p->host_ip : "0.0.0.0",
                       p->host_port, p->container_port, proto);
        else
            strv_pushf(&parts, "%u/%s", p->container_port, proto);
        len += strlen(parts.v[parts.n - 1]) + 2;
    }
    char *s = xcalloc(1, len);
    for (size_t i = 0; i < parts.n; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, parts.v[i]);
    }
    strv_free(&parts);
    return s;
}

/* The command words joined by spaces. */
static char *join_command(const char *const *cmd)
{
    size_t len = 1;
    for (const char *const *p = cmd; p != NULL && *p != NULL; p++)
        len += strlen(*p) + 1;
    char *s = xcalloc(1, len);
    for (const char *const *p = cmd; p != NULL && *p != NULL; p++) {
        if (p != cmd)
            strcat(s, " ");
        strcat(s, *p);
    }
    return s;
}

/* Finds the engine's replica of a container id. */
static const struct replica *tracked(const struct berth_compose *c, const char *id)
{
    for (size_t i = 0; i < c->n_services; i++)
        for (size_t k = 0; k < c->services[i]->n_replicas; k++) {
            const struct replica *r = c->services[i]->replicas[k];
            if (r->id != NULL && strcmp(r->id, id) == 0)
                return r;
        }
    for (size_t k = 0; k < c->n_oneoffs; k++)
        if (c->oneoffs[k]->id != NULL && strcmp(c->oneoffs[k]->id, id) == 0)
            return c->oneoffs[k];
    return NULL;
}

/* A row with its sort key (the service's position in dependency order). */
struct ps_row {
    size_t order;
    struct berth_compose_container row;
};

/* qsort comparator: service order (orphans last, by name), one-offs after, then number. */
static int ps_cmp(const void *a, const void *b)
{
    const struct ps_row *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    int k = strcmp(x->row.service, y->row.service);
    if (k != 0)
        return k;
    if (x->row.oneoff != y->row.oneoff)
        return x->row.oneoff ? 1 : -1;
    if (x->row.number != y->row.number)
        return x->row.number < y->row.number ? -1 : 1;
    return strcmp(x->row.name, y->row.name);
}

/* Sorts the rows (each service looked up once). */
static void ps_sort(const struct berth_compose *c, struct berth_compose_container *v, size_t n)
{
    struct ps_row *rows = xcalloc(n + 1, sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        const struct service *svc = compose_service(c, v[i].service);
        rows[i].order = svc != NULL && !svc->orphan ? svc->order : (size_t)-1;
        rows[i].row = v[i];
    }
    qsort(rows, n, sizeof(*rows), ps_cmp);
    for (size_t i = 0; i < n; i++)
        v[i] = rows[i].row;
    free(rows);
}

/* The listing came back: build the rows. */
static void ps_listed(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct ps_data *d = op->data;
    d->discover = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        berth_error_wrap(&err, "listing the containers of project %s", c->name);
        compose_task_finish(op, err);
        return;
    }
    op->containers = xcalloc(res->n_containers + 1, sizeof(*op->containers));
    op->free_containers = ps_free_containers;
    size_t n = 0;
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_container_info *ci = &res->containers[i];
        const char *service = kvlist_find(ci->labels, ci->n_labels, LABEL_SERVICE);
        const char *number = kvlist_find(ci->labels, ci->n_labels, LABEL_NUMBER);
        const char *oneoff = kvlist_find(ci->labels, ci->n_labels, LABEL_ONEOFF);
        if (service == NULL)
            continue;
        const struct service *svc = compose_service(c, service);
        bool defined = svc != NULL && !svc->orphan;
        if (!defined && !d->o.orphans)
            continue;
        if (d->has_services && (!defined || !d->sel[svc->order]))
            continue;
        bool running = ci->state == BERTH_CSTATE_RUNNING || ci->state == BERTH_CSTATE_PAUSED ||
                       ci->state == BERTH_CSTATE_RESTARTING;
        if (!d->o.all && !running)
            continue;
        struct berth_compose_container *row = &op->containers[n++];
        row->id = keep(d, ci->id);
        row->name = keep(d, ci->name);
        row->service = keep(d, service);
        row->number = number ? atoi(number) : 0;
        row->oneoff = oneoff != NULL && strcasecmp(oneoff, "True") == 0;
        row->image = keep(d, ci->image);
        row->command = keep_take(d, join_command(ci->command));
        row->state = ci->state;
        row->state_name = berth_cstate_name(ci->state);
        row->status = keep(d, ci->status);
        row->exit_code = ci->exit_code;
        row->ports = keep_take(d, format_ports(ci));
        row->created_at = ci->created_at;
        row->health = berth_health_name(ci->health);
        row->engine_state = BERTH_SVC_PENDING;
        const struct replica *r = tracked(c, ci->id);
        if (r != NULL && r->supervised) {
            row->engine_state = r->state;
            if (r->svc->health.enabled && running) {
                row->health = r->state == BERTH_SVC_HEALTHY     ? "healthy"
                              : r->state == BERTH_SVC_UNHEALTHY ? "unhealthy"
                                                                : "starting";
            }
        }
    }
    op->n_containers = n;
    ps_sort(c, op->containers, n);
    compose_task_finish(op, NULL);
}

/* Cancel: the listing is cancelled; its completion finishes the task. */
static void ps_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct ps_data *d = op->data;
    if (cancel && d->discover != NULL)
        eop_cancel(d->discover);
}

static const struct task_ops ps_ops = {
    .name = "ps",
    .interrupt = ps_interrupt,
    .free = ps_free,
};

struct berth_compose_op *berth_compose_ps(struct berth_compose *c,
                                          const struct berth_compose_ps_options *opts,
                                          berth_compose_done_fn done, void *user,
                                          struct berth_error **err)
{
    struct berth_compose_ps_options defaults = {0};
    if (opts == NULL)
        opts = &defaults;
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    if (compose_select(c, opts->services, false, sel, err) < 0) {
        free(sel);
        return NULL;
    }
    struct berth_compose_op *op = compose_task_new(c, &ps_ops, done, user, err);
    struct ps_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->o = *opts;
    d->o.services = NULL;
    d->has_services = opts->services != NULL;
    d->sel = sel;
    strv_init(&d->strs);
    d->discover = engine_discover(c, ps_listed, op);
    return op;
}

/* ----------------------------------------------------------------- logs */

struct logs_data;

/* One container's log stream. */
struct log_stream {
    struct logs_data *d;
    struct berth_compose_op *op;
    char *id, *name, *service;
    int number;
    bool oneoff;
    struct eop *e;
    bool mid_line, dropping; /* until: inside a line split in pieces, and its verdict */
};

struct logs_data {
    struct berth_compose_logs_options o;
    char *since;
    bool has_until;
    int64_t until_ns; /* until: the last moment shown, ns since the epoch */
    bool *sel;
    bool has_services;
    struct eop *discover;
    struct log_stream **streams;
    size_t n_streams, cap_streams;
    size_t open;
};

/* Frees a stream record. */
static void stream_free(struct log_stream *s)
{
    free(s->id);
    free(s->name);
    free(s->service);
    free(s);
}

/* Frees the task's data. */
static void logs_free(struct berth_compose_op *op)
{
    struct logs_data *d = op->data;
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n_streams; i++)
        stream_free(d->streams[i]);
    free(d->streams);
    free(d->since);
    free(d->sel);
    free(d);
    op->data = NULL;
}

/* Reads up to max digits; -1 when there are none. */
static int64_t logs_digits(const char **p, const char *end, int max)
{
    int64_t v = 0;
    int n = 0;
    while (*p < end && n < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? v : -1;
}

/*
 * Parses an RFC 3339 time (a date alone is midnight UTC) at the start of
 * text into ns since the epoch; *used gets its length. -1 when it is none.
 */
static int logs_rfc3339(const char *text, size_t len, int64_t *ns, size_t *used)
{
    const char *p = text, *end = text + len;
    int64_t y = logs_digits(&p, end, 4);
    if (y < 0 || p >= end || *p++ != '-')
        return -1;
    int64_t mo = logs_digits(&p, end, 2);
    if (mo < 1 || mo > 12 || p >= end || *p++ != '-')
        return -1;
    int64_t dd = logs_digits(&p, end, 2), h = 0, mi = 0, sec = 0, frac = 0, offset = 0;
    if (dd < 1 || dd > 31)
        return -1;
    if (p < end && (*p == 'T' || *p == 't')) {
        p++;
        h = logs_digits(&p, end, 2);
        if (h < 0 || p >= end || *p++ != ':')
            return -1;
        mi = logs_digits(&p, end, 2);
        if (mi < 0 || p >= end || *p++ != ':')
            return -1;
        sec = logs_digits(&p, end, 2);
        if (sec < 0)
            return -1;
        if (p < end && *p == '.') {
            int64_t scale = 100000000;
            for (p++; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10)
                frac += (*p - '0') * scale;
        }
        if (p < end && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p < end && (*p == '+' || *p == '-')) {
            int sign = *p++ == '-' ? -1 : 1;
            int64_t oh = logs_digits(&p, end, 2), om = 0;
            if (oh < 0)
                return -1;
            if (p < end && *p == ':')
                p++;
            om = logs_digits(&p, end, 2);
            offset = sign * (oh * 3600 + (om < 0 ? 0 : om) * 60);
        }
    }
    /* days from the civil date (proleptic Gregorian), no timegm needed */
    int64_t yy = y - (mo <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - offset;
    /* int64 nanoseconds end in 2262: later times clamp */
    *ns = t >= 9200000000LL ? INT64_MAX : t * 1000000000 + frac;
    *used = (size_t)(p - text);
    return 0;
}

/* Parses a logs --since/--until value: unix time, RFC 3339 (or a date), or a duration ago. */
static int logs_time(const char *v, int64_t *ns)
{
    size_t used = 0;
    size_t len = strlen(v);
    if (logs_rfc3339(v, len, ns, &used) == 0 && used == len)
        return 0;
    const char *p = v;
    int64_t secs = logs_digits(&p, v + len, 12);
    if (secs >= 0 && (*p == '\0' || *p == '.')) {
        int64_t frac = 0, scale = 100000000;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                frac += (*p - '0') * scale;
        if (*p == '\0') {
            *ns = secs >= 9200000000LL ? INT64_MAX : secs * 1000000000 + frac;
            return 0;
        }
    }
    uint64_t ms;
    if (berth_duration_parse(v, &ms, NULL) == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        *ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)ms * 1000000;
        return 0;
    }
    return -1;
}

/* until: whether a line (or its first piece) is shown; strips the timestamp berth asked for. */
static bool logs_until_keep(struct log_stream *s, const char **line, size_t *len, bool complete)
{
    struct logs_data *d = s->d;
    if (!s->mid_line) {
        int64_t ns;
        size_t used;
        s->dropping = false;
        if (logs_rfc3339(*line, *len, &ns, &used) == 0 && used < *len && (*line)[used] == ' ') {
            s->dropping = ns > d->until_ns;
            if (!d->o.timestamps) {
                *line += used + 1;
                *len -= used + 1;
            }
        }
    }
    s->mid_line = !complete;
    return !s->dropping;
}

/* A line: a LOG event to the caller's callback. */
static void logs_line(void *user, enum berth_stream stream, const char *line, size_t len,
                      bool complete)
{
    struct log_stream *s = user;
    struct logs_data *d = s->d;
    if (d->o.on_log == NULL)
        return;
    if (d->has_until && !logs_until_keep(s, &line, &len, complete))
        return;
    struct berth_compose_event ev = {0};
    ev.type = BERTH_COMPOSE_EV_LOG;
    ev.project = s->op->c->name;
    ev.service = s->service;
    ev.replica = s->number;
    ev.container = s->name;
    ev.oneoff = s->oneoff;
    ev.exit_code = -1;
    ev.stream = stream;
    ev.line = line;
    ev.len = len;
    ev.complete = complete;
    d->o.on_log(s->op->c, &ev, d->o.log_user);
}

/* Fills one LOGS request. */
static int logs_fill(struct eop *e, struct berth_op_req *req, void *user,
                     struct berth_error **err)
{
    struct log_stream *s = user;
    struct logs_data *d = s->d;
    req->kind = BERTH_OP_CONTAINER_LOGS;
    req->target = s->id;
    req->follow = d->o.follow;
    req->timestamps = d->o.timestamps || d->has_until;
    req->tail = d->o.tail;
    req->since = d->since;
    req->on_line = logs_line;
    req->stream_user = s;
    return 0;
}

/* One stream ended. */
static void logs_stream_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct log_stream *s = user;
    struct berth_compose_op *op = s->op;
    struct logs_data *d = s->d;
    s->e = NULL;
    if (res->error != NULL && berth_error_code(res->error) != BERTH_E_CANCELLED) {
        struct berth_error *err = berth_error_copy(res->error);
        berth_error_wrap(&err, "logs of %s", s->name);
        compose_task_error(op, err);
    }
    if (--d->open == 0)
        compose_task_finish(op, op->cancelled ? berth_error_new(BERTH_E_CANCELLED, 0,
                                                                "cancelled")
                                              : NULL);
}

/* The listing came back: one stream per container, in service order. */
static void logs_listed(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct berth_compose_op *op = user;
    struct berth_compose *c = op->c;
    struct logs_data *d = op->data;
    d->discover = NULL;
    if (res->error != NULL) {
        struct berth_error *err = berth_error_copy(res->error);
        berth_error_wrap(&err, "listing the containers of project %s", c->name);
        compose_task_finish(op, err);
        return;
    }
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_container_info *ci = &res->containers[i];
        const char *service = kvlist_find(ci->labels, ci->n_labels, LABEL_SERVICE);
        const char *number = kvlist_find(ci->labels, ci->n_labels, LABEL_NUMBER);
        const char *oneoff = kvlist_find(ci->labels, ci->n_labels, LABEL_ONEOFF);
        const struct service *svc = service ? compose_service(c, service) : NULL;
        if (svc == NULL || svc->orphan || !d->sel[svc->order] || ci->id == NULL)
            continue;
        bool is_oneoff = oneoff != NULL && strcasecmp(oneoff, "True") == 0;
        int num = number ? atoi(number) : 0;
        if (is_oneoff || (d->o.index > 0 && num != d->o.index))
            continue;
        struct log_stream *s = xcalloc(1, sizeof(*s));
        s->d = d;
        s->op = op;
        s->id = xstrdup(ci->id);
        s->name = xstrdup(ci->name ? ci->name : ci->id);
        s->service = xstrdup(service);
        s->number = num;
        d->streams =
            xreallocarray_grow(d->streams, &d->cap_streams, d->n_streams + 1, sizeof(s));
        d->streams[d->n_streams++] = s;
    }
    if (d->n_streams == 0) {
        compose_task_finish(op, NULL);
        return;
    }
    d->open = d->n_streams;
    for (size_t i = 0; i < d->n_streams; i++)
        d->streams[i]->e = eop_start(c, false, logs_fill, logs_stream_done, d->streams[i]);
}

/* Cancel: every stream ends; the last one finishes the task. */
static void logs_interrupt(struct berth_compose_op *op, bool cancel)
{
    struct logs_data *d = op->data;
    op->cancelled = true;
    if (d->discover != NULL) {
        eop_cancel(d->discover);
        return;
    }
    for (size_t i = 0; i < d->n_streams; i++)
        if (d->streams[i]->e != NULL)
            eop_cancel(d->streams[i]->e);
}

static const struct task_ops logs_ops = {
    .name = "logs",
    .interrupt = logs_interrupt,
    .free = logs_free,
};

struct berth_compose_op *berth_compose_logs(struct berth_compose *c,
                                            const struct berth_compose_logs_options *opts,
                                            berth_compose_done_fn done, void *user,
                                            struct berth_error **err)
{
    struct berth_compose_logs_options defaults = {.tail = -1};
    if (opts == NULL)
        opts = &defaults;
    bool *sel = xcalloc(c->n_defined + 1, sizeof(*sel));
    if (compose_select(c, opts->services, false, sel, err) < 0) {
        free(sel);
        return NULL;
    }
    int64_t until_ns = 0;
    if (opts->until != NULL && logs_time(opts->until, &until_ns) < 0) {
        berth_error_set(err, BERTH_E_INVALID, 0, "logs: invalid --until '%s'", opts->until);
        if (err != NULL && *err != NULL)
            berth_error_set_hint(*err, "use RFC 3339 (2013-01-02T13:23:37Z), unix seconds or "
                                       "a duration ago (42m)");
        free(sel);
        return NULL;
    }
    struct berth_compose_op *op = compose_task_new(c, &logs_ops, done, user, err);
    struct logs_data *d = xcalloc(1, sizeof(*d));
    op->data = d;
    d->o = *opts;
    d->o.services = NULL;
    d->o.until = NULL;
    d->has_until = opts->until != NULL;
    d->until_ns = until_ns;
    d->since = opts->since ? xstrdup(opts->since) : NULL;
    d->o.since = NULL;
    d->has_services = opts->services != NULL;
    d->sel = sel;
    d->discover = engine_discover(c, logs_listed, op);
    return op;
}
