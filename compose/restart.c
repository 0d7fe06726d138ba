/* Restart policies (restart: / deploy.restart_policy) and their backoff, supervised by berth. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/restart.h"

/* First backoff delay when the policy names none (docker's daemon uses the same). */
#define RESTART_BASE_MS 100u
/* The backoff never exceeds this. */
#define RESTART_CAP_MS 30000u
/* A run this long resets the backoff (docker: 10 s). */
#define RESTART_RESET_MS 10000u

/* Parses the short `restart:` syntax (no, always, on-failure[:N], unless-stopped). */
static int parse_restart(const char *s, struct restart_policy *p, struct berth_error **err)
{
    if (strcmp(s, "no") == 0 || strcmp(s, "") == 0) {
        p->mode = RESTART_NO;
    } else if (strcmp(s, "always") == 0) {
        p->mode = RESTART_ALWAYS;
    } else if (strcmp(s, "unless-stopped") == 0) {
        p->mode = RESTART_UNLESS_STOPPED;
    } else if (strncmp(s, "on-failure", 10) == 0 && (s[10] == '\0' || s[10] == ':')) {
        p->mode = RESTART_ON_FAILURE;
        if (s[10] == ':') {
            char *end;
            errno = 0;
            long n = strtol(s + 11, &end, 10);
            if (errno != 0 || end == s + 11 || *end != '\0' || n < 0 || n > 1000000)
                goto bad;
            p->max_attempts = (int)n;
        }
    } else {
        goto bad;
    }
    return 0;
bad: {
    struct berth_error *e = berth_error_new(BERTH_E_INVALID, 0, "invalid restart policy \"%s\"", s);
    berth_error_set_hint(e, "use no, always, on-failure, on-failure:N or unless-stopped");
    return berth_error_propagate(err, e);
}
}

/* Reads restart: (preferred, as docker compose does) or deploy.restart_policy. */
int restart_policy_parse(const json_t *def, struct restart_policy *p, struct berth_error **err)
{
    memset(p, 0, sizeof(*p));
    const char *r = engine_model_str(def, "restart");
    if (r != NULL)
        return parse_restart(r, p, err);
    const json_t *deploy = json_object_get(def, "deploy");
    const json_t *rp = json_is_object(deploy) ? json_object_get(deploy, "restart_policy") : NULL;
    if (!json_is_object(rp))
        return 0;
    const char *cond = engine_model_str(rp, "condition");
    if (cond == NULL || strcmp(cond, "any") == 0 || strcmp(cond, "always") == 0) {
        p->mode = RESTART_ALWAYS;
    } else if (strcmp(cond, "on-failure") == 0) {
        p->mode = RESTART_ON_FAILURE;
    } else if (strcmp(cond, "none") == 0 || strcmp(cond, "no") == 0) {
        p->mode = RESTART_NO;
    } else {
        struct berth_error *e = berth_error_new(
            BERTH_E_INVALID, 0, "deploy.restart_policy.condition: invalid value \"%s\"", cond);
        berth_error_set_hint(e, "use none, on-failure or any");
        return berth_error_propagate(err, e);
    }
    int64_t max = engine_model_int(rp, "max_attempts", 0);
    if (max < 0 || max > 1000000)
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "deploy.restart_policy.max_attempts: %lld is out of range",
                               (long long)max);
    p->max_attempts = (int)max;
    if (engine_model_duration(rp, "delay", 0, &p->delay_ms, err) < 0 ||
        engine_model_duration(rp, "window", 0, &p->window_ms, err) < 0)
        return berth_error_wrap(err, "deploy.restart_policy");
    return 0;
}

/* Records a start (the run length decides backoff resets). */
void restart_note_start(struct restart_state *s, uint64_t now_ms)
{
    s->started_ms = now_ms;
}

/* Forgets attempts and backoff (an explicit start or restart). */
void restart_reset(struct restart_state *s)
{
    s->attempts = 0;
    s->backoff = 0;
}

/*
 * Decides whether an exit is followed by a restart, and after how long.
 * Attempts are counted against max_attempts (reset by a run longer than the
 * window); the delay doubles per restart up to 30 s (reset by a run longer
 * than 10 s or the window).
 */
bool restart_decide(const struct restart_policy *p, struct restart_state *s, int exit_code,
                    uint64_t now_ms, uint64_t *delay_ms)
{
    uint64_t ran = now_ms >= s->started_ms ? now_ms - s->started_ms : 0;
    if (p->window_ms > 0 && ran >= p->window_ms)
        s->attempts = 0;
    uint64_t reset = p->window_ms > RESTART_RESET_MS ? p->window_ms : RESTART_RESET_MS;
    if (ran >= reset)
        s->backoff = 0;
    switch (p->mode) {
    case RESTART_NO:
        return false;
    case RESTART_ON_FAILURE:
        if (exit_code == 0)
            return false;
        break;
    case RESTART_ALWAYS:
    case RESTART_UNLESS_STOPPED:
        break;
    }
    if (p->max_attempts > 0 && s->attempts >= p->max_attempts)
        return false;
    s->attempts++;
    uint64_t d = p->delay_ms > 0 ? p->delay_ms : RESTART_BASE_MS;
    for (int i = 0; i < s->backoff && d < RESTART_CAP_MS; i++)
        d *= 2;
    if (d > RESTART_CAP_MS)
        d = RESTART_CAP_MS;
    s->backoff++;
    *delay_ms = d;
    return true;
}

/* The policy's name as compose writes it ("on-failure:3"). */
char *restart_policy_name(const struct restart_policy *p)
{
    switch (p->mode) {
    case RESTART_ALWAYS: return xstrdup("always");
    case RESTART_UNLESS_STOPPED: return xstrdup("unless-stopped");
    case RESTART_ON_FAILURE:
        return p->max_attempts ? xasprintf("on-failure:%d", p->max_attempts)
                               : xstrdup("on-failure");
    case RESTART_NO: break;
    }
    return xstrdup("no");
}
