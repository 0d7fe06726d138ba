/*
 * Health checks, run by berth on the loop through the backend's EXEC op, on
 * every backend: CMD, CMD-SHELL (/bin/sh -c), NONE, disable; interval,
 * timeout, retries, start_period and start_interval as docker defines them.
 * Each verdict becomes a HEALTH_PASS / HEALTH_FAIL event of the replica.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/health.h"

#define HEALTH_INTERVAL_MS 30000u
#define HEALTH_TIMEOUT_MS 30000u
#define HEALTH_START_INTERVAL_MS 5000u
#define HEALTH_RETRIES 3
#define HEALTH_OUTPUT_MAX 4096u

struct health {
    struct replica *r;
    struct berth_timer *timer;
    struct eop *probe;
    int failures;
    uint64_t started_ms;
    bool in_start_period;
    bool early; /* the probe in flight is the one run right at start */
    bool running;
    bool failed_once; /* a probe failed since health_start (counted or not) */
};

/* Builds argv from test: ["CMD", ...], ["CMD-SHELL", cmd], "cmd", ["NONE"]. */
static int parse_test(const json_t *test, struct health_config *cfg, struct berth_error **err)
{
    struct strv sv;
    strv_init(&sv);
    if (json_is_string(test)) {
        strv_push(&sv, "/bin/sh");
        strv_push(&sv, "-c");
        strv_push(&sv, json_string_value(test));
    } else if (json_is_array(test) && json_array_size(test) > 0) {
        const char *kind = json_string_value(json_array_get(test, 0));
        size_t n = json_array_size(test);
        if (kind != NULL && strcmp(kind, "NONE") == 0) {
            cfg->enabled = false;
            return 0;
        } else if (kind != NULL && strcmp(kind, "CMD") == 0 && n >= 2) {
            for (size_t i = 1; i < n; i++) {
                const char *a = json_string_value(json_array_get(test, i));
                strv_push(&sv, a ? a : "");
            }
        } else if (kind != NULL && strcmp(kind, "CMD-SHELL") == 0 && n >= 2) {
            strv_push(&sv, "/bin/sh");
            strv_push(&sv, "-c");
            /* docker joins extra words with spaces */
            size_t len = 1;
            for (size_t i = 1; i < n; i++) {
                const char *a = json_string_value(json_array_get(test, i));
                len += strlen(a ? a : "") + 1;
            }
            char *cmd = xcalloc(1, len);
            for (size_t i = 1; i < n; i++) {
                const char *a = json_string_value(json_array_get(test, i));
                if (i > 1)
                    strcat(cmd, " ");
                strcat(cmd, a ? a : "");
            }
            strv_push_take(&sv, cmd);
        } else {
            struct berth_error *e = berth_error_new(
                BERTH_E_INVALID, 0, "healthcheck.test: expected [\"CMD\", ...], "
                                    "[\"CMD-SHELL\", \"command\"], [\"NONE\"] or a string");
            berth_error_set_hint(e, "e.g. test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]");
            return berth_error_propagate(err, e);
        }
    } else {
        /* no test: the image's own check, which berth cannot read: none */
        cfg->enabled = false;
        return 0;
    }
    cfg->argv = sv.v;
    cfg->enabled = true;
    return 0;
}

/* Parses healthcheck: with docker's defaults. */
int health_config_parse(const json_t *def, struct health_config *cfg, struct berth_error **err)
{
    memset(cfg, 0, sizeof(*cfg));
    const json_t *hc = json_object_get(def, "healthcheck");
    if (!json_is_object(hc) || engine_model_bool(hc, "disable", false))
        return 0;
    if (parse_test(json_object_get(hc, "test"), cfg, err) < 0)
        return -1;
    if (!cfg->enabled)
        return 0;
    if (engine_model_duration(hc, "interval", HEALTH_INTERVAL_MS, &cfg->interval_ms, err) < 0 ||
        engine_model_duration(hc, "timeout", HEALTH_TIMEOUT_MS, &cfg->timeout_ms, err) < 0 ||
        engine_model_duration(hc, "start_period", 0, &cfg->start_period_ms, err) < 0 ||
        engine_model_duration(hc, "start_interval", HEALTH_START_INTERVAL_MS,
                              &cfg->start_interval_ms, err) < 0) {
        health_config_free(cfg);
        return berth_error_wrap(err, "healthcheck");
    }
    int64_t retries = engine_model_int(hc, "retries", HEALTH_RETRIES);
    cfg->retries = retries > 0 && retries < 1000000 ? (int)retries : HEALTH_RETRIES;
    /* docker: 0 means the default */
    if (cfg->interval_ms == 0)
        cfg->interval_ms = HEALTH_INTERVAL_MS;
    if (cfg->timeout_ms == 0)
        cfg->timeout_ms = HEALTH_TIMEOUT_MS;
    if (cfg->start_interval_ms == 0)
        cfg->start_interval_ms = HEALTH_START_INTERVAL_MS;
    return 0;
}

/* Frees the argv. */
void health_config_free(struct health_config *cfg)
{
    if (cfg->argv != NULL) {
        for (char **p = cfg->argv; *p; p++)
            free(*p);
        free(cfg->argv);
    }
    cfg->argv = NULL;
    cfg->enabled = false;
}

static void health_schedule(struct health *h);

/* Fills the EXEC request of a probe. */
static int probe_fill(struct eop *e, struct berth_op_req *req, void *user,
                      struct berth_error **err)
{
    struct health *h = user;
    const struct health_config *cfg = &h->r->svc->health;
    req->kind = BERTH_OP_CONTAINER_EXEC;
    req->target = h->r->id ? h->r->id : h->r->name;
    req->argv = (const char *const *)cfg->argv;
    req->timeout_ms = cfg->timeout_ms;
    req->capture_limit = HEALTH_OUTPUT_MAX;
    return 0;
}

/* A probe ended: count it, post the verdict, schedule the next. */
static void probe_done(struct eop *e, const struct berth_op_result *res, void *user)
{
    struct health *h = user;
    h->probe = NULL;
    if (!h->running)
        return;
    struct replica *r = h->r;
    const struct health_config *cfg = &r->svc->health;
    bool pass = res->error == NULL && res->exit_code == 0;
    uint64_t now = berth_now_ms();
    bool early = h->early;
    h->early = false;
    if (h->in_start_period && now - h->started_ms >= cfg->start_period_ms)
        h->in_start_period = false;
    if (pass) {
        h->failures = 0;
        h->in_start_period = false;
        engine_post(r, BERTH_SVC_EV_HEALTH_PASS, NULL);
    } else {
        h->failed_once = true;
        if (res->error != NULL)
            engine_log(r->svc->c, BERTH_LOG_DEBUG, "health probe of %s: %s", r->name,
                       berth_error_message(res->error));
        else
            engine_log(r->svc->c, BERTH_LOG_DEBUG, "health probe of %s exited %d: %.*s", r->name,
                       res->exit_code, (int)(res->out_len > 200 ? 200 : res->out_len),
                       res->out ? res->out : "");
        /* failures during the start period, and of the early probe, do not count */
        if (!h->in_start_period && !early) {
            h->failures++;
            if (h->failures >= cfg->retries)
                engine_post(r, BERTH_SVC_EV_HEALTH_FAIL, NULL);
        }
    }
    health_schedule(h);
}

/* Timer: run one probe. */
static void health_fire(struct berth_timer *t, void *user)
{
    struct health *h = user;
    if (!h->running || h->probe != NULL)
        return;
    h->probe = eop_start(h->r->svc->c, false, probe_fill, probe_done, h);
}

/* Arms the timer for the next probe: start_interval during the start period, else interval. */
static void health_schedule(struct health *h)
{
    const struct health_config *cfg = &h->r->svc->health;
    uint64_t d = h->in_start_period ? cfg->start_interval_ms : cfg->interval_ms;
    berth_timer_start(h->timer, d);
}

/* Creates a stopped checker. */
struct health *health_new(struct replica *r)
{
    struct health *h = xcalloc(1, sizeof(*h));
    h->r = r;
    h->timer = berth_timer_new(r->svc->c->eng, health_fire, h);
    return h;
}

/* Starts probing afresh. */
void health_start(struct health *h)
{
    const struct health_config *cfg = &h->r->svc->health;
    health_stop(h);
    if (!cfg->enabled)
        return;
    h->running = true;
    h->failures = 0;
    h->failed_once = false;
    h->started_ms = berth_now_ms();
    h->in_start_period = cfg->start_period_ms > 0;
    /* One probe right away, beyond docker's schedule: a service that is ready at once is
     * healthy (and its service_healthy dependents start) without waiting a whole interval;
     * its failure does not count, so verdicts come no sooner than docker's. */
    h->early = true;
    berth_timer_start(h->timer, 0);
}

/* Stops probing. */
void health_stop(struct health *h)
{
    h->running = false;
    berth_timer_stop(h->timer);
    if (h->probe != NULL) {
        eop_discard(h->probe);
        h->probe = NULL;
    }
}

/* True while probing. */
bool health_running(const struct health *h)
{
    return h->running;
}

/* True once a probe failed since the checker started (the early one included). */
bool health_failed_once(const struct health *h)
{
    return h != NULL && h->failed_once;
}

/* Consecutive failures. */
int health_failures(const struct health *h)
{
    return h->failures;
}

/* Frees the checker. */
void health_free(struct health *h)
{
    if (h == NULL)
        return;
    health_stop(h);
    berth_timer_free(h->timer);
    free(h);
}
