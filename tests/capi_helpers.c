/* Helpers of the container-API tests (see tests/capi_helpers.h). */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <event2/event.h>

#include "tests/capi_helpers.h"

/* Creates the engine on a private base. */
void capi_env_init(struct capi_env *env)
{
    env->base = event_base_new();
    assert_non_null(env->base);
    struct berth_error *e = NULL;
    env->eng = berth_engine_new(env->base, &e);
    if (env->eng == NULL)
        fail_msg("engine: %s", berth_error_message(e));
}

/* Frees the engine, then the base. */
void capi_env_free(struct capi_env *env)
{
    berth_engine_free(env->eng);
    event_base_free(env->base);
    env->eng = NULL;
    env->base = NULL;
}

/* Zeroes a capture. */
void capi_capture_init(struct capi_capture *c)
{
    memset(c, 0, sizeof(*c));
    c->exit_code = -2;
    strv_init(&c->names);
    strv_init(&c->lines);
    strv_init(&c->report_errors);
    strv_init(&c->report_projects);
    strv_init(&c->verdicts);
}

/* Frees a capture's contents. */
void capi_capture_reset(struct capi_capture *c)
{
    free(c->message);
    free(c->hint);
    free(c->backend);
    free(c->id);
    free(c->out);
    free(c->err);
    berth_container_info_free(c->ctr);
    berth_image_info_free(c->img);
    strv_free(&c->names);
    strv_free(&c->lines);
    strv_free(&c->report_errors);
    strv_free(&c->report_projects);
    strv_free(&c->verdicts);
    capi_capture_init(c);
}

/* Copies an optional string. */
static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

/* Stores a result. */
void capi_done(const struct berth_container_result *res, void *user)
{
    struct capi_capture *c = user;
    c->calls++;
    c->done = true;
    if (res->error != NULL) {
        c->code = berth_error_code(res->error);
        c->message = xstrdup(berth_error_message(res->error));
        c->hint = dup_or_null(berth_error_hint(res->error));
    }
    c->backend = dup_or_null(res->backend);
    c->id = dup_or_null(res->id);
    c->exit_code = res->exit_code;
    c->removed = res->removed;
    c->out = dup_or_null(res->out);
    c->err = dup_or_null(res->err);
    c->n_containers = res->n_containers;
    if (res->n_containers > 0)
        c->ctr = berth_container_info_dup(&res->containers[0]);
    for (size_t i = 0; i < res->n_containers; i++)
        strv_push(&c->names, res->containers[i].name ? res->containers[i].name : "");
    c->n_images = res->n_images;
    if (res->n_images > 0)
        c->img = berth_image_info_dup(&res->images[0]);
    if (res->report != NULL) {
        c->has_report = true;
        c->report.containers_removed = res->report->containers_removed;
        c->report.networks_removed = res->report->networks_removed;
        c->report.volumes_removed = res->report->volumes_removed;
        c->report.n_errors = res->report->n_errors;
        c->report.n_projects = res->report->n_projects;
        for (size_t i = 0; i < res->report->n_errors; i++)
            strv_push(&c->report_errors, res->report->errors[i]);
        for (size_t i = 0; i < res->report->n_projects; i++)
            strv_push(&c->report_projects, res->report->projects[i]);
    }
    for (size_t i = 0; i < res->n_verdicts; i++) {
        const struct berth_select_verdict *v = &res->verdicts[i];
        strv_pushf(&c->verdicts, "%s:%d:%d:%d:%s:%s", v->name, v->qualifies, v->available,
                   v->chosen,
                   v->feature < BERTH_FEAT_COUNT ? berth_feature_name(v->feature) : "-",
                   v->reason ? v->reason : "");
    }
}

/* Appends a streamed line. */
void capi_on_line(void *user, enum berth_stream stream, const char *line, size_t len,
                  bool complete)
{
    struct capi_capture *c = user;
    (void)complete;
    strv_pushf(&c->lines, "%s:%.*s", stream == BERTH_STDERR ? "err" : "out", (int)len, line);
}

/* Watchdog of capi_wait. */
static void watchdog(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    *(bool *)arg = true;
}

/* Runs the loop until done or timeout. */
bool capi_wait(struct capi_env *env, struct capi_capture *c, int timeout_s)
{
    bool expired = false;
    struct event *ev = evtimer_new(env->base, watchdog, &expired);
    struct timeval tv = {.tv_sec = timeout_s, .tv_usec = 0};
    evtimer_add(ev, &tv);
    while (!c->done && !expired)
        event_base_loop(env->base, EVLOOP_ONCE);
    event_free(ev);
    if (!c->done)
        fail_msg("operation did not complete within %d s", timeout_s);
    return c->done;
}

/* Runs the loop for ms. */
void capi_spin(struct capi_env *env, int ms)
{
    bool expired = false;
    struct event *ev = evtimer_new(env->base, watchdog, &expired);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(ev, &tv);
    while (!expired)
        event_base_loop(env->base, EVLOOP_ONCE);
    event_free(ev);
}

/* True when a captured line equals s. */
bool capi_has_line(const struct capi_capture *c, const char *s)
{
    for (size_t i = 0; i < c->lines.n; i++)
        if (strcmp(c->lines.v[i], s) == 0)
            return true;
    return false;
}

/* A label's value. */
const char *capi_label(const struct berth_container_info *info, const char *key)
{
    for (size_t i = 0; info != NULL && i < info->n_labels; i++)
        if (info->labels[i].key != NULL && strcmp(info->labels[i].key, key) == 0)
            return info->labels[i].value ? info->labels[i].value : "";
    return NULL;
}

/* Runs a set-up command through the shell and collects its stdout. */
char *capi_sh(const char *cmd, int *status)
{
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    buf[len] = '\0';
    int st = pclose(f);
    if (status != NULL)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}
