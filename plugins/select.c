/*
 * Backend selection of the container API: the engine's selected backend
 * (set, used, chosen by detection on first use), the survey behind
 * `berth doctor`, and selection by capability.
 *
 * Selection phases x events:
 *
 *             | first use           | detection done        | set / use          | engine freed
 *  IDLE       | detect -> DETECTING | -                     | allowed unless used| -
 *  DETECTING  | wait                | ok: READY, start ops; | BERTH_E_STATE      | detection freed,
 *             |                     | fail: IDLE, fail ops  |                    |  ops dropped
 *  READY      | start at once       | -                     | BERTH_E_STATE when | owned backend
 *             |                     |                       |  used              |  freed
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine-internal.h"
#include "core/util.h"
#include "plugins/capi-internal.h"

#ifndef BERTH_PKGLIBDIR
#define BERTH_PKGLIBDIR "/usr/local/lib/berth"
#endif

/* ------------------------------------------------------------------ state */

/* Frees the state with the engine: ops silently, then detection and backend. */
static void select_state_free(void *data)
{
    struct select_state *st = data;
    capi_drop_all(st);
    berth_detect_free(st->detect);
    if (st->own_backend)
        berth_backend_free(st->backend);
    berth_backend_list_free(st->names);
    free(st->origin);
    free(st);
}

/* The engine's selection state. */
struct select_state *select_state(struct berth_engine *eng)
{
    struct select_state *st = engine_slot(eng, ENGINE_SLOT_BACKEND);
    if (st != NULL)
        return st;
    st = xcalloc(1, sizeof(*st));
    st->eng = eng;
    engine_set_slot(eng, ENGINE_SLOT_BACKEND, st, select_state_free);
    return st;
}

/* Hands the outcome to every waiting op, one at a time (callbacks may queue more). */
static void select_drain(struct select_state *st, struct berth_backend *b,
                         const struct berth_error *e)
{
    struct berth_container_op *op;
    while ((op = capi_pop_waiting(st)) != NULL)
        capi_selected(op, b, e);
}

/* Detection finished: keep the chosen instance, start or fail the waiting ops. */
static void select_detected(struct berth_detect *d, void *user)
{
    struct select_state *st = user;
    struct berth_backend *b = berth_detect_take_backend(d);
    if (b != NULL) {
        st->backend = b;
        st->own_backend = true;
        st->phase = SELECT_READY;
        select_drain(st, b, NULL);
        return;
    }
    st->phase = SELECT_IDLE; /* the next use tries again */
    const struct berth_error *e = berth_detect_error(d);
    struct berth_error *fallback = NULL;
    if (e == NULL)
        e = fallback = berth_error_new(BERTH_E_NOT_FOUND, 0, "no backend was chosen");
    select_drain(st, NULL, e);
    berth_error_free(fallback);
}

/* Starts the selection when needed; marks it used. */
void select_begin(struct select_state *st)
{
    st->used = true;
    if (st->phase == SELECT_READY) {
        select_drain(st, st->backend, NULL);
        return;
    }
    if (st->phase == SELECT_DETECTING)
        return;
    berth_plugins_load(st->eng, NULL, 0, NULL);
    berth_detect_free(st->detect);
    st->detect = NULL;
    struct berth_detect_options o = {0};
    o.candidates = (const char *const *)st->names;
    o.candidates_origin = st->origin;
    struct berth_error *e = NULL;
    st->phase = SELECT_DETECTING;
    st->detect = berth_detect_start(st->eng, &o, select_detected, st, &e);
    if (st->detect == NULL) {
        st->phase = SELECT_IDLE;
        berth_error_wrap(&e, "selecting the backend");
        select_drain(st, NULL, e);
        berth_error_free(e);
    }
}

/* ----------------------------------------------------------- public: set */

/* The platform's priority list. */
const char *const *berth_select_platform_priority(void)
{
    return berth_detect_default_candidates();
}

/* The error for a change after first use. */
static int select_used_error(struct berth_error **err)
{
    berth_error_set(err, BERTH_E_STATE, 0,
                    "the backend was already selected: an operation used it");
    if (err != NULL && *err != NULL)
        berth_error_set_hint(*err, "set the backend before the first container, image or "
                                   "cleanup operation of this engine");
    return -1;
}

/* Drops a backend chosen (or given) but not yet used. */
static void select_reset(struct select_state *st)
{
    if (st->own_backend)
        berth_backend_free(st->backend);
    st->backend = NULL;
    st->own_backend = false;
    st->phase = SELECT_IDLE;
}

/* Validates and copies a NULL-terminated list of backend names (one naming rule everywhere). */
static char **select_parse_names(const char *const *names, const char *origin,
                                 struct berth_error **err)
{
    if (names[0] == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "%s: empty backend list", origin);
        return NULL;
    }
    size_t len = 1;
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strchr(names[i], ',') != NULL || names[i][0] == '\0') {
            berth_error_set(err, BERTH_E_INVALID, 0, "%s: invalid backend name '%s'", origin,
                            names[i]);
            return NULL;
        }
        len += strlen(names[i]) + 1;
    }
    char *joined = xmalloc(len);
    joined[0] = '\0';
    for (size_t i = 0; names[i] != NULL; i++) {
        if (i > 0)
            strcat(joined, ",");
        strcat(joined, names[i]);
    }
    char **list = berth_backend_list_parse(joined, err);
    free(joined);
    if (list == NULL)
        berth_error_wrap(err, "%s", origin);
    return list;
}

/* Sets the candidate list. */
int berth_select_set(struct berth_engine *eng, const char *const *names, const char *origin,
                     struct berth_error **err)
{
    struct select_state *st = select_state(eng);
    if (st->used)
        return select_used_error(err);
    if (origin == NULL)
        origin = "the backend setting";
    char **list = NULL;
    if (names != NULL) {
        list = select_parse_names(names, origin, err);
        if (list == NULL)
            return -1;
    }
    select_reset(st);
    berth_backend_list_free(st->names);
    free(st->origin);
    st->names = list;
    st->origin = xstrdup(origin);
    return 0;
}

/* Uses a caller-owned instance. */
int berth_select_use(struct berth_engine *eng, struct berth_backend *b, struct berth_error **err)
{
    struct select_state *st = select_state(eng);
    if (b == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "berth_select_use needs a backend");
    if (st->used)
        return select_used_error(err);
    select_reset(st);
    st->backend = b;
    st->own_backend = false;
    st->phase = SELECT_READY;
    return 0;
}

/* True once used. */
bool berth_select_used(struct berth_engine *eng)
{
    return select_state(eng)->used;
}

/* The selected instance, or NULL. */
struct berth_backend *berth_select_current(struct berth_engine *eng)
{
    struct select_state *st = select_state(eng);
    return st->phase == SELECT_READY ? st->backend : NULL;
}

/* The job of berth_select_get(): the backend is known. */
static void get_start(struct berth_container_op *op, struct berth_backend *b)
{
    struct berth_container_result r = {.exit_code = -1, .instance = b};
    capi_finish(op, &r, NULL);
}

/* Selects now (first use) or reports the selection. */
struct berth_container_op *berth_select_get(struct berth_engine *eng,
                                            berth_container_done_fn done, void *user,
                                            struct berth_error **err)
{
    if (eng == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_select_get needs an engine");
        return NULL;
    }
    return capi_launch(capi_op_new(eng, done, user), NULL, get_start);
}

/* ------------------------------------------------------------ modes, specs */

/* The mode's name. */
const char *berth_select_mode_name(enum berth_select_mode m)
{
    switch (m) {
    case BERTH_SELECT_STRICT_NATIVE:
        return "strict-native";
    case BERTH_SELECT_ACCEPT_EMULATED:
        return "accept-emulated";
    case BERTH_SELECT_ACCEPT_PARTIAL:
        return "accept-partial";
    }
    return NULL;
}

/* Parses a mode name. */
int berth_select_mode_parse(const char *s, enum berth_select_mode *out, struct berth_error **err)
{
    for (int m = BERTH_SELECT_STRICT_NATIVE; m <= BERTH_SELECT_ACCEPT_PARTIAL; m++) {
        if (s != NULL && strcmp(s, berth_select_mode_name((enum berth_select_mode)m)) == 0) {
            *out = (enum berth_select_mode)m;
            return 0;
        }
    }
    berth_error_set(err, BERTH_E_INVALID, 0, "unknown selection mode '%s'", s ? s : "");
    if (err != NULL && *err != NULL)
        berth_error_set_hint(*err, "use strict-native, accept-emulated or accept-partial");
    return -1;
}

/* True when a level satisfies the mode. */
static bool mode_accepts(enum berth_select_mode m, enum berth_support s)
{
    switch (m) {
    case BERTH_SELECT_STRICT_NATIVE:
        return s == BERTH_SUPPORT_NATIVE;
    case BERTH_SELECT_ACCEPT_EMULATED:
        return s == BERTH_SUPPORT_NATIVE || s == BERTH_SUPPORT_EMULATED;
    case BERTH_SELECT_ACCEPT_PARTIAL:
        return s != BERTH_SUPPORT_UNSUPPORTED;
    }
    return false;
}

/* What the mode needs, for messages. */
static const char *mode_needs(enum berth_select_mode m)
{
    switch (m) {
    case BERTH_SELECT_STRICT_NATIVE:
        return "strict-native needs native";
    case BERTH_SELECT_ACCEPT_EMULATED:
        return "accept-emulated needs native or emulated";
    case BERTH_SELECT_ACCEPT_PARTIAL:
        return "accept-partial needs native, emulated or partial";
    }
    return "";
}

/* True when s is set and not empty. */
static bool set(const char *s)
{
    return s != NULL && *s != '\0';
}

/* True when v has at least one element. */
static bool nonempty(const char *const *v)
{
    return v != NULL && v[0] != NULL;
}

/* Marks the features spec uses. */
size_t berth_select_spec_features(const struct berth_container_spec *spec,
                                  bool used[BERTH_FEAT_COUNT])
{
    bool u[BERTH_FEAT_COUNT] = {false};
    if (spec == NULL)
        return 0;
    for (size_t i = 0; spec->security_opt != NULL && spec->security_opt[i] != NULL; i++) {
        const char *o = spec->security_opt[i];
        if (str_starts_with(o, "seccomp"))
            u[BERTH_FEAT_SECCOMP] = true;
        else if (strcmp(o, "no-new-privileges") == 0 ||
                 strcmp(o, "no-new-privileges:true") == 0 ||
                 strcmp(o, "no-new-privileges=true") == 0)
            u[BERTH_FEAT_NO_NEW_PRIVILEGES] = true;
    }
    if (spec->privileged)
        u[BERTH_FEAT_PRIVILEGED] = true;
    for (size_t i = 0; spec->networks != NULL && i < spec->n_networks; i++)
        if (nonempty(spec->networks[i].aliases))
            u[BERTH_FEAT_NETWORK_ALIASES] = true;
    if (spec->ports != NULL && spec->n_ports > 0)
        u[BERTH_FEAT_PORT_PUBLISH] = true;
    for (size_t i = 0; spec->mounts != NULL && i < spec->n_mounts; i++) {
        if (spec->mounts[i].type == BERTH_MOUNT_VOLUME)
            u[BERTH_FEAT_NAMED_VOLUMES] = true;
        else if (spec->mounts[i].type == BERTH_MOUNT_TMPFS)
            u[BERTH_FEAT_TMPFS] = true;
    }
    const struct berth_resources *r = &spec->resources;
    if (r->memory != 0 || r->memory_reservation != 0 || r->memory_swap != 0 || r->cpus != 0.0 ||
        r->cpu_shares != 0 || set(r->cpuset) || r->pids_limit != 0 || r->shm_size != 0 ||
        (spec->ulimits != NULL && spec->n_ulimits > 0))
        u[BERTH_FEAT_RESOURCE_LIMITS] = true;
    if (set(spec->userns_mode))
        u[BERTH_FEAT_USERNS] = true;
    if (spec->read_only)
        u[BERTH_FEAT_READ_ONLY_ROOTFS] = true;
    if (nonempty(spec->cap_add) || nonempty(spec->cap_drop))
        u[BERTH_FEAT_CAPABILITIES] = true;
    if (set(spec->user))
        u[BERTH_FEAT_USER] = true;
    if (set(spec->stop_signal))
        u[BERTH_FEAT_STOP_SIGNAL] = true;
    if (set(spec->image))
        u[BERTH_FEAT_IMAGES] = true;
    size_t n = 0;
    for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
        if (u[f]) {
            used[f] = true;
            n++;
        }
    }
    return n;
}

/* Whether b can run spec in mode. */
bool berth_select_check(const struct berth_backend *b, const struct berth_container_spec *spec,
                        enum berth_select_mode mode, enum berth_feature *bad)
{
    bool used[BERTH_FEAT_COUNT] = {false};
    berth_select_spec_features(spec, used);
    for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
        if (used[f] && !mode_accepts(mode, berth_backend_supports(b, (enum berth_feature)f))) {
            if (bad != NULL)
                *bad = (enum berth_feature)f;
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- survey */

/* The program a backend drives, as looked for on PATH. */
static const char *select_binary_default(const char *name)
{
    static const struct {
        const char *name, *binary;
    } table[] = {
        {"podman", "podman"},   {"docker", "docker"},   {"nerdctl", "nerdctl"},
        {"orbstack", "orb"},    {"colima", "colima"},   {"rancher-desktop", "rdctl"},
        {"lima", "limactl"},    {"apple", "container"},
    };
    for (size_t i = 0; i < ARRAY_LEN(table); i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].binary;
    return NULL;
}

/* Finds an executable on PATH (or checks a path with '/'); a malloc'ed path or NULL. */
static char *select_which(const char *prog)
{
    struct stat sb;
    if (strchr(prog, '/') != NULL)
        return stat(prog, &sb) == 0 && S_ISREG(sb.st_mode) && access(prog, X_OK) == 0
                   ? xstrdup(prog)
                   : NULL;
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/bin:/bin";
    char *copy = xstrdup(path), *save = NULL;
    char *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL && found == NULL;
         dir = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/%s", *dir ? dir : ".", prog);
        if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) && access(cand, X_OK) == 0)
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

/* A survey in progress. */
struct survey_job {
    struct berth_detect *detect;
    struct berth_container_op *op;
};

/* Frees the survey job. */
static void survey_free(void *data)
{
    struct survey_job *j = data;
    berth_detect_free(j->detect);
    free(j);
}

/* Cancelling a survey stops its probes. */
static void survey_cancel(struct berth_container_op *op, void *data)
{
    struct survey_job *j = data;
    berth_detect_free(j->detect);
    j->detect = NULL;
    capi_fail(op, berth_error_new(BERTH_E_CANCELLED, 0, "backend survey cancelled"));
}

/* The plugin search path (BERTH_PLUGIN_PATH entries, then the installed directory). */
static const char *const *survey_plugin_dirs(struct copy_arena *a)
{
    struct strv v;
    strv_init(&v);
    const char *path = getenv("BERTH_PLUGIN_PATH");
    if (path != NULL) {
        char *copy = xstrdup(path), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save))
            strv_push(&v, dir);
        free(copy);
    }
    strv_push(&v, BERTH_PKGLIBDIR "/backends");
    const char *const *out = copy_strv(a, strv_argv(&v));
    strv_free(&v);
    return out;
}

/* Every probe finished: describe each candidate. */
static void survey_detected(struct berth_detect *d, void *user)
{
    struct survey_job *j = user;
    struct berth_container_op *op = j->op;
    struct berth_engine *eng = capi_op_engine(op);
    struct copy_arena *a = capi_op_arena(op);
    size_t n = berth_detect_count(d);
    struct berth_backend_status *bs = copy_alloc(a, (n ? n : 1) * sizeof(*bs));
    for (size_t i = 0; i < n; i++) {
        const struct berth_detect_candidate *c = berth_detect_candidate(d, i);
        struct berth_backend_status *s = &bs[i];
        s->name = copy_str(a, c->name);
        s->driver = copy_str(a, c->driver);
        s->file = copy_str(a, c->file);
        s->probed = c->probed;
        s->available = c->available;
        s->chosen = c->chosen;
        s->version = copy_str(a, c->version);
        s->reason = copy_str(a, c->reason);
        s->elapsed_ms = c->elapsed_ms;
        const char *bin = berth_backend_config_get(eng, c->name, c->driver, "binary");
        s->binary = copy_str(a, bin ? bin : select_binary_default(c->name));
        if (s->binary != NULL) {
            char *where = select_which(s->binary);
            s->binary_path = copy_str(a, where);
            free(where);
        }
        if (c->driver != NULL) {
            struct berth_backend *b = berth_backend_new(eng, c->name, NULL);
            if (b != NULL) {
                enum berth_support *caps = copy_alloc(a, BERTH_FEAT_COUNT * sizeof(*caps));
                for (int f = 0; f < BERTH_FEAT_COUNT; f++)
                    caps[f] = berth_backend_supports(b, (enum berth_feature)f);
                s->caps = caps;
                s->container_runtime = caps[BERTH_FEAT_IMAGES] != BERTH_SUPPORT_UNSUPPORTED;
                berth_backend_free(b);
            }
        }
    }
    struct berth_backend_survey *sv = copy_alloc(a, sizeof(*sv));
    sv->backends = bs;
    sv->n_backends = n;
    sv->source = copy_str(a, berth_detect_source(d));
    sv->chosen = copy_str(a, berth_detect_chosen(d));
    sv->error = berth_detect_error(d); /* lives with the detection, freed with the op */
    sv->plugin_dirs = survey_plugin_dirs(a);
    size_t nr = berth_plugins_refused_count(eng);
    struct berth_refused_plugin *rp = copy_alloc(a, (nr ? nr : 1) * sizeof(*rp));
    for (size_t i = 0; i < nr; i++) {
        const struct berth_refused_plugin *r = berth_plugins_refused(eng, i);
        rp[i].file = copy_str(a, r->file);
        rp[i].reason = copy_str(a, r->reason);
    }
    sv->refused = rp;
    sv->n_refused = nr;
    struct berth_container_result r = {.exit_code = -1, .survey = sv};
    capi_finish(op, &r, NULL);
}

/* The survey's start: load plugins, probe every candidate to the end. */
static void survey_start(struct berth_container_op *op, struct berth_backend *unused)
{
    (void)unused;
    struct survey_job *j = capi_op_job(op);
    struct berth_engine *eng = capi_op_engine(op);
    struct select_state *st = select_state(eng);
    berth_plugins_load(eng, NULL, 0, NULL);
    struct berth_detect_options o = {0};
    o.candidates = (const char *const *)st->names;
    o.candidates_origin = st->origin;
    o.probe_all = true;
    struct berth_error *e = NULL;
    j->detect = berth_detect_start(eng, &o, survey_detected, j, &e);
    if (j->detect == NULL)
        capi_fail(op, e);
}

/* Probes every candidate and reports them. */
struct berth_container_op *berth_select_survey(struct berth_engine *eng,
                                               berth_container_done_fn done, void *user,
                                               struct berth_error **err)
{
    if (eng == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "berth_select_survey needs an engine");
        return NULL;
    }
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct survey_job *j = xcalloc(1, sizeof(*j));
    j->op = op;
    capi_op_set_job(op, j, survey_free, survey_cancel);
    return capi_launch_unbound(op, survey_start);
}

/* ------------------------------------------------------ by capability */

/* A capability selection in progress. */
struct bycap_job {
    struct berth_container_op *op;
    struct berth_detect *detect;
    struct berth_select_verdict *v; /* in the op's arena */
    size_t n;
    const char *const *qualifying;  /* candidates whose tables qualify, in order */
    enum berth_select_mode mode;
    bool apply;
    uint64_t probe_timeout_ms;
};

/* Frees the job. */
static void bycap_free(void *data)
{
    struct bycap_job *j = data;
    berth_detect_free(j->detect);
    free(j);
}

/* Cancelling stops the probes. */
static void bycap_cancel(struct berth_container_op *op, void *data)
{
    struct bycap_job *j = data;
    berth_detect_free(j->detect);
    j->detect = NULL;
    capi_fail(op, berth_error_new(BERTH_E_CANCELLED, 0, "capability selection cancelled"));
}

/* "a: why; b: why" over every verdict. */
static char *bycap_reasons(const struct bycap_job *j)
{
    struct strv parts;
    strv_init(&parts);
    size_t len = 1;
    for (size_t i = 0; i < j->n; i++) {
        strv_pushf(&parts, "%s%s: %s", i ? "; " : "", j->v[i].name, j->v[i].reason);
        len += strlen(parts.v[i]);
    }
    char *all = xmalloc(len);
    all[0] = '\0';
    for (size_t i = 0; i < parts.n; i++)
        strcat(all, parts.v[i]);
    strv_free(&parts);
    return all;
}

/* Probes done: the first available qualifying candidate wins. */
static void bycap_detected(struct berth_detect *d, void *user)
{
    struct bycap_job *j = user;
    struct berth_container_op *op = j->op;
    struct copy_arena *a = capi_op_arena(op);
    for (size_t i = 0; i < berth_detect_count(d); i++) {
        const struct berth_detect_candidate *c = berth_detect_candidate(d, i);
        for (size_t k = 0; k < j->n; k++) {
            if (!j->v[k].qualifies || strcmp(j->v[k].name, c->name) != 0)
                continue;
            j->v[k].probed = c->probed;
            j->v[k].available = c->available;
            j->v[k].chosen = c->chosen;
            if (c->reason != NULL)
                j->v[k].reason = copy_str(a, c->reason);
        }
    }
    const char *chosen = berth_detect_chosen(d);
    struct berth_container_result r = {.exit_code = -1, .verdicts = j->v, .n_verdicts = j->n};
    if (chosen == NULL) {
        char *why = bycap_reasons(j);
        struct berth_error *e = berth_error_new(
            BERTH_E_NOT_FOUND, 0, "no available backend can run this container in %s mode (%s)",
            berth_select_mode_name(j->mode), why);
        berth_error_set_hint(e, "start or install a runtime listed above, or accept emulated or "
                                "partial features (run 'berth doctor' to see every backend)");
        free(why);
        capi_finish(op, &r, e);
        return;
    }
    r.backend = copy_str(a, chosen);
    if (j->apply) {
        struct select_state *st = select_state(capi_op_engine(op));
        struct berth_error *e = NULL;
        if (st->used) {
            select_used_error(&e);
            capi_finish(op, &r, e);
            return;
        }
        select_reset(st);
        st->backend = berth_detect_take_backend(d);
        st->own_backend = true;
        st->phase = SELECT_READY;
    }
    capi_finish(op, &r, NULL);
}

/* Describes why backend b does not qualify (NULL when it does). */
static char *bycap_check(const struct berth_backend *b, const bool used[BERTH_FEAT_COUNT],
                         enum berth_select_mode mode, struct berth_select_verdict *v)
{
    struct strv bad;
    strv_init(&bad);
    for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
        if (!used[f])
            continue;
        enum berth_support s = berth_backend_supports(b, (enum berth_feature)f);
        if (mode_accepts(mode, s))
            continue;
        if (bad.n == 0) {
            v->feature = (enum berth_feature)f;
            v->support = s;
        }
        strv_pushf(&bad, "%s is %s", berth_feature_name((enum berth_feature)f),
                   berth_support_name(s));
    }
    if (bad.n == 0) {
        strv_free(&bad);
        return NULL;
    }
    size_t len = strlen(mode_needs(mode)) + 4;
    for (size_t i = 0; i < bad.n; i++)
        len += strlen(bad.v[i]) + 2;
    char *out = xmalloc(len);
    out[0] = '\0';
    for (size_t i = 0; i < bad.n; i++) {
        if (i > 0)
            strcat(out, ", ");
        strcat(out, bad.v[i]);
    }
    strcat(out, " (");
    strcat(out, mode_needs(mode));
    strcat(out, ")");
    strv_free(&bad);
    return out;
}

/* The capability selection's start: probe the qualifying candidates (checked at the call). */
static void bycap_start(struct berth_container_op *op, struct berth_backend *unused)
{
    (void)unused;
    struct bycap_job *j = capi_op_job(op);
    struct berth_container_result r = {.exit_code = -1, .verdicts = j->v, .n_verdicts = j->n};
    if (j->qualifying == NULL || j->qualifying[0] == NULL) {
        char *why = bycap_reasons(j);
        struct berth_error *e = berth_error_new(
            BERTH_E_UNSUPPORTED, 0, "no backend can run this container in %s mode (%s)",
            berth_select_mode_name(j->mode), why);
        berth_error_set_hint(e, j->mode == BERTH_SELECT_ACCEPT_PARTIAL
                                    ? "drop the features no backend supports from the spec"
                                    : "accept emulated or partial features, or drop the "
                                      "features named above from the spec");
        free(why);
        capi_finish(op, &r, e);
        return;
    }
    struct berth_detect_options o = {0};
    o.candidates = j->qualifying;
    o.candidates_origin = "capability selection";
    o.probe_timeout_ms = j->probe_timeout_ms;
    struct berth_error *e = NULL;
    j->detect = berth_detect_start(capi_op_engine(op), &o, bycap_detected, j, &e);
    if (j->detect == NULL)
        capi_finish(op, &r, e);
}

/* The first qualifying, available candidate in priority order. */
struct berth_container_op *
berth_select_by_capability(struct berth_engine *eng, const struct berth_container_spec *spec,
                           const struct berth_select_options *opts, berth_container_done_fn done,
                           void *user, struct berth_error **err)
{
    struct berth_select_options dflt = {0};
    if (opts == NULL)
        opts = &dflt;
    if (eng == NULL || spec == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0,
                        "berth_select_by_capability needs an engine and a spec");
        return NULL;
    }
    if (berth_select_mode_name(opts->mode) == NULL) {
        berth_error_set(err, BERTH_E_INVALID, 0, "unknown selection mode %d", (int)opts->mode);
        return NULL;
    }
    struct select_state *st = select_state(eng);
    if (opts->apply && st->used) {
        select_used_error(err);
        return NULL;
    }
    char **owned = NULL;
    const char *const *cands = NULL;
    if (opts->candidates != NULL) {
        owned = select_parse_names(opts->candidates, "the candidate list", err);
        if (owned == NULL)
            return NULL;
        cands = (const char *const *)owned;
    } else if (st->names != NULL) {
        cands = (const char *const *)st->names;
    } else if (getenv("BERTH_BACKEND") != NULL && *getenv("BERTH_BACKEND") != '\0') {
        owned = berth_backend_list_parse(getenv("BERTH_BACKEND"), err);
        if (owned == NULL) {
            berth_error_wrap(err, "BERTH_BACKEND");
            return NULL;
        }
        cands = (const char *const *)owned;
    } else {
        cands = berth_select_platform_priority();
    }
    berth_plugins_load(eng, NULL, 0, NULL);
    struct berth_container_op *op = capi_op_new(eng, done, user);
    struct copy_arena *a = capi_op_arena(op);
    struct bycap_job *j = xcalloc(1, sizeof(*j));
    j->op = op;
    j->mode = opts->mode;
    j->apply = opts->apply;
    j->probe_timeout_ms = opts->probe_timeout_ms;
    capi_op_set_job(op, j, bycap_free, bycap_cancel);
    size_t n = 0;
    while (cands[n] != NULL)
        n++;
    j->v = copy_alloc(a, (n ? n : 1) * sizeof(*j->v));
    const char **q = copy_alloc(a, (n + 1) * sizeof(*q));
    size_t nq = 0;
    bool used[BERTH_FEAT_COUNT] = {false};
    berth_select_spec_features(spec, used);
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t k = 0; k < j->n; k++)
            dup = dup || strcmp(j->v[k].name, cands[i]) == 0;
        if (dup)
            continue;
        struct berth_select_verdict *v = &j->v[j->n++];
        v->name = copy_str(a, cands[i]);
        v->feature = BERTH_FEAT_COUNT;
        if (berth_plugins_find(eng, cands[i]) == NULL) {
            v->reason = "no driver provides it (no plugin found for it)";
            continue;
        }
        struct berth_error *e = NULL;
        struct berth_backend *b = berth_backend_new(eng, cands[i], &e);
        if (b == NULL) {
            v->reason = copy_str(a, berth_error_message(e));
            berth_error_free(e);
            continue;
        }
        char *why = bycap_check(b, used, opts->mode, v);
        berth_backend_free(b);
        if (why != NULL) {
            v->reason = copy_str(a, why);
            free(why);
            continue;
        }
        v->qualifies = true;
        v->reason = "qualifies; not probed";
        q[nq++] = v->name;
    }
    j->qualifying = q;
    berth_backend_list_free(owned);
    return capi_launch_unbound(op, bycap_start);
}
