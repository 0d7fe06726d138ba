/*
 * Runtime detection: every candidate probed at once on the loop, each with
 * its own timeout, through its driver's PROBE operation. The chosen one is
 * the first available candidate in priority order, so detection takes as
 * long as the slowest probe it has to wait for, not the sum of them.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/util.h"
#include "plugins/plugins-internal.h"

struct berth_detect;

/* One candidate and its probe. */
struct detect_cand {
    struct berth_detect_candidate pub;
    struct berth_detect *d;
    char *name;
    char *reason;
    char *version;
    struct berth_backend *b;
    struct berth_op *op;
    uint64_t started_ms;
    uint64_t timeout_ms;
    bool finished; /* availability known */
};

struct berth_detect {
    struct berth_engine *eng;
    struct detect_cand *c;
    size_t n;
    const char *source;
    bool probe_all;
    bool done;
    size_t chosen; /* index, or n when none */
    struct berth_error *error;
    berth_detect_done_fn fn;
    void *user;
    struct event *finish;
};

/* Platform default candidates, in priority order. */
const char *const *berth_detect_default_candidates(void)
{
#if defined(__APPLE__)
    static const char *const list[] = {"apple",  "orbstack", "colima", "rancher-desktop", "lima",
                                       "podman", "nerdctl",  "docker", "process",         NULL};
#else
    static const char *const list[] = {"podman", "nerdctl", "docker", "process", NULL};
#endif
    return list;
}

/* True when s is a valid backend name: [a-z0-9][a-z0-9._-]*. */
static bool detect_valid_name(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  (p != s && (*p == '-' || *p == '_' || *p == '.'));
        if (!ok)
            return false;
    }
    return true;
}

/* Splits "podman, docker" into a NULL-terminated vector. */
char **berth_backend_list_parse(const char *list, struct berth_error **err)
{
    if (list == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "empty backend list");
        return NULL;
    }
    struct strv out;
    strv_init(&out);
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        char *name = xstrndup(p, len);
        if (!detect_valid_name(name)) {
            if (*name == '\0')
                berth_error_set(err, BERTH_E_INVALID, 0, "empty backend name in '%s'", list);
            else
                berth_error_set(err, BERTH_E_INVALID, 0, "invalid backend name '%s' in '%s'",
                                name, list);
            if (err != NULL)
                berth_error_set_hint(*err, "give a comma-separated list of backend names, e.g. "
                                           "'podman,process' (see 'berth backends')");
            free(name);
            strv_free(&out);
            return NULL;
        }
        strv_push_take(&out, name);
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return out.v;
}

/* Frees a vector from berth_backend_list_parse(). */
void berth_backend_list_free(char **list)
{
    if (list == NULL)
        return;
    for (char **p = list; *p != NULL; p++)
        free(*p);
    free(list);
}

/* Replaces a candidate's reason. */
static void cand_set_reason(struct detect_cand *c, char *reason)
{
    free(c->reason);
    c->reason = reason;
    c->pub.reason = reason;
}

/* libevent callback: tells the user detection is finished. */
static void detect_finish(evutil_socket_t fd, short what, void *arg)
{
    struct berth_detect *d = arg;
    (void)fd;
    (void)what;
    if (d->fn != NULL)
        d->fn(d, d->user);
}

/* Writes the final reasons, frees unneeded instances and schedules the callback. */
static void detect_conclude(struct berth_detect *d)
{
    d->done = true;
    const char *chosen = d->chosen < d->n ? d->c[d->chosen].name : NULL;
    for (size_t i = 0; i < d->n; i++) {
        struct detect_cand *c = &d->c[i];
        if (i == d->chosen) {
            c->pub.chosen = true;
            if (i == 0 && strcmp(d->source, "default") != 0)
                cand_set_reason(c, xasprintf("chosen: requested by %s", d->source));
            else if (i == 0)
                cand_set_reason(c, xstrdup("chosen: first in priority order"));
            else
                cand_set_reason(c, xstrdup("chosen: first available in priority order"));
            continue;
        }
        if (c->op != NULL) {
            /* Not needed any more: a higher-priority candidate answered first. */
            berth_op_discard(c->op);
            c->op = NULL;
            cand_set_reason(c, xasprintf("not checked to the end: '%s' comes first", chosen));
        } else if (c->pub.available && chosen != NULL) {
            char *r = xasprintf("available, but '%s' comes first%s%s", chosen,
                                c->reason ? "; " : "", c->reason ? c->reason : "");
            cand_set_reason(c, r);
        }
        if (c->b != NULL) {
            berth_backend_free(c->b);
            c->b = NULL;
        }
    }
    if (chosen == NULL) {
        struct strv lines;
        strv_init(&lines);
        for (size_t i = 0; i < d->n; i++)
            strv_pushf(&lines, "%s%s: %s", i ? "; " : "", d->c[i].name,
                       d->c[i].reason ? d->c[i].reason : "not available");
        size_t len = 0;
        for (size_t i = 0; i < lines.n; i++)
            len += strlen(lines.v[i]);
        char *all = xmalloc(len + 1);
        all[0] = '\0';
        for (size_t i = 0; i < lines.n; i++)
            strcat(all, lines.v[i]);
        d->error = berth_error_new(BERTH_E_NOT_FOUND, 0,
                                   "no usable container runtime among the candidates from %s (%s)",
                                   d->source, all);
        if (strcmp(d->source, "default") == 0)
            berth_error_set_hint(d->error, "install podman or docker, or run services as host "
                                           "processes with --backend process");
        else
            berth_error_set_hint(d->error, "run 'berth backends' to see every backend and why "
                                           "it is (not) available");
        free(all);
        strv_free(&lines);
    }
    d->finish = event_new(berth_engine_base(d->eng), -1, 0, detect_finish, d);
    if (d->finish == NULL)
        abort(); /* event_new fails only on OOM */
    event_active(d->finish, EV_TIMEOUT, 0);
}

/* Decides when enough is known: the first available candidate in order, or all done. */
static void detect_evaluate(struct berth_detect *d)
{
    if (d->done)
        return;
    size_t first = d->n;
    bool waiting = false;
    for (size_t i = 0; i < d->n; i++) {
        if (!d->c[i].finished) {
            waiting = true;
            if (first == d->n && !d->probe_all)
                return; /* a higher-priority candidate may still answer */
            continue;
        }
        if (d->c[i].pub.available && first == d->n) {
            first = i;
            if (!d->probe_all)
                break;
        }
    }
    if (d->probe_all && waiting)
        return;
    d->chosen = first;
    detect_conclude(d);
}

/* Marks a candidate's availability known. */
static void cand_finish(struct detect_cand *c, bool available, char *reason)
{
    c->finished = true;
    c->pub.probed = true;
    c->pub.available = available;
    c->pub.elapsed_ms = berth_now_ms() - c->started_ms;
    cand_set_reason(c, reason);
    if (!available && c->b != NULL) {
        berth_backend_free(c->b);
        c->b = NULL;
    }
}

/* Completion of one probe. */
static void detect_probe_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    struct detect_cand *c = user;
    (void)op;
    c->op = NULL;
    bool available;
    char *reason = NULL;
    if (res->error != NULL && berth_error_code(res->error) == BERTH_E_TIMEOUT) {
        available = false;
        reason = xasprintf("no answer within %llu ms (probe timed out)",
                           (unsigned long long)c->timeout_ms);
    } else if (res->error != NULL) {
        available = false;
        reason = xstrdup(berth_error_message(res->error));
    } else {
        available = res->probe == NULL || res->probe->available;
        if (res->probe != NULL && res->probe->reason != NULL && *res->probe->reason != '\0')
            reason = xstrdup(res->probe->reason);
        else if (!available)
            reason = xstrdup("not available (the driver gave no reason)");
        if (res->probe != NULL && res->probe->version != NULL) {
            c->version = xstrdup(res->probe->version);
            c->pub.version = c->version;
        }
    }
    cand_finish(c, available, reason);
    detect_evaluate(c->d);
}

/* The probe timeout of a candidate (option, "probe_timeout", BERTH_PROBE_TIMEOUT, 2 s). */
static uint64_t detect_probe_timeout(struct berth_detect *d, struct detect_cand *c,
                                     const struct berth_detect_options *opts)
{
    if (opts != NULL && opts->probe_timeout_ms > 0)
        return opts->probe_timeout_ms;
    const char *v = berth_backend_config_get(d->eng, c->name, c->pub.driver, "probe_timeout");
    if (v == NULL)
        v = getenv("BERTH_PROBE_TIMEOUT");
    uint64_t ms;
    if (v != NULL && berth_duration_parse(v, &ms, NULL) == 0 && ms > 0)
        return ms;
    if (v != NULL)
        berth_engine_log(d->eng, BERTH_LOG_WARN, "detect",
                         "ignoring invalid probe timeout '%s' for %s", v, c->name);
    return BERTH_PROBE_TIMEOUT_DEFAULT_MS;
}

/* Creates the candidate's instance and submits its probe. */
static void detect_start_one(struct berth_detect *d, struct detect_cand *c,
                             const struct berth_detect_options *opts)
{
    c->started_ms = berth_now_ms();
    const struct berth_driver_info *info = berth_plugins_find(d->eng, c->name);
    if (info == NULL) {
        cand_finish(c, false, xstrdup("no driver provides it (no plugin found for it)"));
        return;
    }
    c->pub.driver = info->name;
    c->pub.file = info->file;
    struct berth_error *e = NULL;
    c->b = berth_backend_new(d->eng, c->name, &e);
    if (c->b == NULL) {
        cand_finish(c, false, xstrdup(berth_error_message(e)));
        berth_error_free(e);
        return;
    }
    if (!berth_backend_has_op(c->b, BERTH_OP_PROBE)) {
        cand_finish(c, true, xstrdup("the driver has no probe: assumed available"));
        return;
    }
    if (opts != NULL && opts->trust_single && d->n == 1 && strcmp(d->source, "default") != 0) {
        cand_finish(c, true, xasprintf("named alone by %s: chosen without a probe", d->source));
        c->pub.probed = false;
        return;
    }
    c->timeout_ms = detect_probe_timeout(d, c, opts);
    struct berth_op_req req = {.kind = BERTH_OP_PROBE, .timeout_ms = c->timeout_ms};
    c->op = berth_backend_submit(c->b, &req, detect_probe_done, c, &e);
    if (c->op == NULL) {
        cand_finish(c, false, xstrdup(berth_error_message(e)));
        berth_error_free(e);
    }
}

/* Picks the candidate list by precedence; sets d->source. Returns an owned vector. */
static char **detect_candidates(struct berth_detect *d, const struct berth_detect_options *opts,
                                struct berth_error **err)
{
    const char *const *src = NULL;
    if (opts != NULL && opts->candidates != NULL) {
        src = opts->candidates;
        d->source = opts->candidates_origin ? opts->candidates_origin : "the request";
    } else if (getenv("BERTH_BACKEND") != NULL && *getenv("BERTH_BACKEND") != '\0') {
        char **v = berth_backend_list_parse(getenv("BERTH_BACKEND"), err);
        if (v == NULL) {
            berth_error_wrap(err, "BERTH_BACKEND");
            return NULL;
        }
        d->source = "BERTH_BACKEND";
        return v;
    } else if (opts != NULL && opts->file_candidates != NULL) {
        src = opts->file_candidates;
        d->source = "compose file";
    } else {
        src = berth_detect_default_candidates();
        d->source = "default";
    }
    struct strv v;
    strv_init(&v);
    for (size_t i = 0; src[i] != NULL; i++) {
        if (!detect_valid_name(src[i])) {
            berth_error_set(err, BERTH_E_INVALID, 0, "%s: invalid backend name '%s'", d->source,
                            src[i]);
            strv_free(&v);
            return NULL;
        }
        strv_push(&v, src[i]);
    }
    if (v.n == 0) {
        berth_error_set(err, BERTH_E_INVALID, 0, "%s: empty backend list", d->source);
        return NULL;
    }
    return v.v;
}

/* Starts detection. */
struct berth_detect *berth_detect_start(struct berth_engine *eng,
                                        const struct berth_detect_options *opts,
                                        berth_detect_done_fn done, void *user,
                                        struct berth_error **err)
{
    struct berth_detect *d = xcalloc(1, sizeof(*d));
    d->eng = eng;
    d->fn = done;
    d->user = user;
    d->probe_all = opts != NULL && opts->probe_all;
    char **names = detect_candidates(d, opts, err);
    if (names == NULL) {
        free(d);
        return NULL;
    }
    size_t n = 0;
    while (names[n] != NULL)
        n++;
    d->c = xcalloc(n, sizeof(*d->c));
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < d->n; j++)
            dup = dup || strcmp(d->c[j].name, names[i]) == 0;
        if (dup)
            continue;
        struct detect_cand *c = &d->c[d->n++];
        c->d = d;
        c->name = xstrdup(names[i]);
        c->pub.name = c->name;
    }
    berth_backend_list_free(names);
    d->chosen = d->n;
    /* Probe results arrive on later loop turns, so every probe starts before any decides. */
    for (size_t i = 0; i < d->n; i++)
        detect_start_one(d, &d->c[i], opts);
    detect_evaluate(d);
    return d;
}

/* True once finished. */
bool berth_detect_done(const struct berth_detect *d)
{
    return d->done;
}

/* Number of candidates. */
size_t berth_detect_count(const struct berth_detect *d)
{
    return d->n;
}

/* The i-th candidate. */
const struct berth_detect_candidate *berth_detect_candidate(const struct berth_detect *d,
                                                            size_t i)
{
    return i < d->n ? &d->c[i].pub : NULL;
}

/* The chosen candidate's name. */
const char *berth_detect_chosen(const struct berth_detect *d)
{
    return d->done && d->chosen < d->n ? d->c[d->chosen].name : NULL;
}

/* Why none was chosen. */
const struct berth_error *berth_detect_error(const struct berth_detect *d)
{
    return d->error;
}

/* Where the list came from. */
const char *berth_detect_source(const struct berth_detect *d)
{
    return d->source;
}

/* Hands the chosen instance to the caller. */
struct berth_backend *berth_detect_take_backend(struct berth_detect *d)
{
    if (!d->done || d->chosen >= d->n)
        return NULL;
    struct berth_backend *b = d->c[d->chosen].b;
    d->c[d->chosen].b = NULL;
    return b;
}

/* Frees a detection, cancelling probes still running. */
void berth_detect_free(struct berth_detect *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++) {
        struct detect_cand *c = &d->c[i];
        if (c->op != NULL)
            berth_op_discard(c->op);
        if (c->b != NULL)
            berth_backend_free(c->b);
        free(c->name);
        free(c->reason);
        free(c->version);
    }
    free(d->c);
    berth_error_free(d->error);
    if (d->finish != NULL)
        event_free(d->finish);
    free(d);
}
