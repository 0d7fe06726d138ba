/*
 * The container spec of a sandbox run (tiers and defaults), the checks of
 * its options, of the seccomp profile, and of a backend's capabilities.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include <berth/container.h>

#include "plugins/sandbox-internal.h"

/* Biggest seccomp profile read. */
#define SECCOMP_FILE_MAX (1024 * 1024)

/* RFC 3339 UTC. */
void sandbox_rfc3339(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Parses "YYYY-MM-DDTHH:MM:SSZ". */
int sandbox_parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se;
    char z;
    if (s == NULL || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z' ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* A problem with an option. */
static int bad(struct berth_error **err, const char *hint, const char *fmt, ...)
    BERTH_PRINTF(3, 4);
static int bad(struct berth_error **err, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    berth_error_set(err, BERTH_E_INVALID, 0, "sandbox: %s", msg);
    if (err != NULL && hint != NULL)
        berth_error_set_hint(*err, "%s", hint);
    free(msg);
    return -1;
}

/* A path usable in the driver's --mount: absolute, without ',' or control characters. */
static bool path_ok(const char *p)
{
    if (p == NULL || p[0] != '/')
        return false;
    for (; *p; p++)
        if (*p == ',' || (unsigned char)*p < 0x20)
            return false;
    return true;
}

/* Checks the seccomp profile file. */
char *sandbox_seccomp_check(const char *path, const char *origin, struct berth_error **err)
{
    const char *hint = "give a seccomp profile in Docker's JSON format (--seccomp FILE), or "
                       "reinstall berth (it ships " BERTH_SANDBOX_SECCOMP_FILE ")";
    if (path == NULL || *path == '\0') {
        bad(err, hint, "no seccomp profile");
        return NULL;
    }
    char *abs = realpath(path, NULL);
    if (abs == NULL) {
        bad(err, hint, "%s: seccomp profile %s: %s", origin, path, strerror(errno));
        return NULL;
    }
    FILE *f = fopen(abs, "r");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size > SECCOMP_FILE_MAX) {
        int e = f == NULL ? errno : EINVAL;
        if (f != NULL)
            fclose(f);
        bad(err, hint, "%s: seccomp profile %s: %s", origin, abs,
            e == EINVAL ? "not a regular file of at most 1 MiB" : strerror(e));
        free(abs);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadf(f, 0, &jerr);
    fclose(f);
    const char *def = json_string_value(json_object_get(root, "defaultAction"));
    if (root == NULL || def == NULL || strncmp(def, "SCMP_ACT_", 9) != 0) {
        if (root == NULL)
            bad(err, hint, "%s: seccomp profile %s:%d:%d: %s", origin, abs, jerr.line, jerr.column,
                jerr.text);
        else
            bad(err, hint, "%s: seccomp profile %s has no defaultAction", origin, abs);
        json_decref(root);
        free(abs);
        return NULL;
    }
    json_decref(root);
    return abs;
}

/* The default profile. */
const char *berth_sandbox_default_seccomp(void)
{
    const char *env = getenv("BERTH_SECCOMP_PROFILE");
    if (env != NULL && *env != '\0')
        return env;
    return BERTH_PKGDATADIR "/" BERTH_SANDBOX_SECCOMP_FILE;
}

/* Builds the spec. */
int sandbox_spec_build(struct sandbox_spec *s, const struct berth_sandbox_options *o,
                       const char *name, const char *seccomp_path, int64_t now_s,
                       struct berth_error **err)
{
    memset(s, 0, sizeof(*s));
    strv_init(&s->command);
    if (o->image == NULL || *o->image == '\0')
        return bad(err, "give the image to run", "no image given");
    bool hardened = o->tier != BERTH_SANDBOX_ISOLATED;
    if (o->tier == BERTH_SANDBOX_ISOLATED && o->allow_network)
        return bad(err, "use --tier hardened with --allow-network",
                   "the isolated tier has no network: --allow-network contradicts it");
    if (o->memory < 0 || o->cpus < 0 || o->pids_limit < 0 || o->tmp_size < 0)
        return bad(err, "use positive limits", "negative resource limit");
    for (size_t i = 0; i < o->n_env; i++) {
        const char *k = o->env[i].key;
        if (k == NULL || *k == '\0' || strchr(k, '=') != NULL)
            return bad(err, "write -e NAME=VALUE", "invalid environment variable name '%s'",
                       k ? k : "");
    }
    struct berth_container_spec *sp = &s->spec;
    sp->image = o->image;
    sp->name = name;
    if (o->command != NULL) {
        for (const char *const *c = o->command; *c != NULL; c++)
            strv_push(&s->command, *c);
        sp->command = strv_argv(&s->command);
    }
    sp->env = o->env;
    sp->n_env = o->n_env;
    sp->workdir = o->workdir;
    sp->stdin_open = false;
    sp->tty = false;
    sp->rm = false; /* berth removes it once its exit code and output are read */
    sp->stop_grace_seconds = -1;
    sp->network_mode = hardened && o->allow_network ? NULL : "none";
    /* mounts: the given binds (read-only unless asked), then /tmp */
    s->mounts = xcalloc(o->n_mounts + 1, sizeof(*s->mounts));
    for (size_t i = 0; i < o->n_mounts; i++) {
        const struct berth_sandbox_mount *m = &o->mounts[i];
        if (!path_ok(m->source))
            return bad(err, "write --mount /abs/host/path:/container/path[:rw]",
                       "mount source '%s' is not an absolute path (or contains ',')",
                       m->source ? m->source : "");
        if (!path_ok(m->target) || strcmp(m->target, "/") == 0)
            return bad(err, "write --mount /abs/host/path:/container/path[:rw]",
                       "mount target '%s' is not an absolute path below /",
                       m->target ? m->target : "");
        struct stat st;
        if (stat(m->source, &st) < 0)
            return bad(err, "mount an existing file or directory", "mount source %s: %s",
                       m->source, strerror(errno));
        if (hardened && strcmp(m->target, "/tmp") == 0)
            return bad(err, "mount it elsewhere (/tmp is the sandbox's own tmpfs)",
                       "mount target /tmp is taken by the sandbox's tmpfs");
        struct berth_mount_spec *ms = &s->mounts[s->n_mounts++];
        ms->type = BERTH_MOUNT_BIND;
        ms->source = m->source;
        ms->target = m->target;
        ms->read_only = !m->read_write;
    }
    if (hardened) {
        struct berth_mount_spec *t = &s->mounts[s->n_mounts++];
        t->type = BERTH_MOUNT_TMPFS;
        t->target = "/tmp";
        t->tmpfs_size = o->tmp_size > 0 ? o->tmp_size : BERTH_SANDBOX_TMP_SIZE_DEFAULT;
        t->tmpfs_mode = 01777;
        t->tmpfs_options = "rw,noexec,nosuid";
    }
    sp->mounts = s->mounts;
    sp->n_mounts = s->n_mounts;
    if (hardened) {
        sp->read_only = true;
        sp->user = o->user != NULL ? o->user : BERTH_SANDBOX_USER_DEFAULT;
        s->cap_drop[0] = "ALL";
        sp->cap_drop = s->cap_drop;
        s->seccomp_opt = xasprintf("seccomp=%s", seccomp_path);
        s->security_opt[0] = "no-new-privileges";
        s->security_opt[1] = s->seccomp_opt;
        sp->security_opt = s->security_opt;
        sp->resources.memory = o->memory > 0 ? o->memory : BERTH_SANDBOX_MEMORY_DEFAULT;
        sp->resources.cpus = o->cpus > 0 ? o->cpus : BERTH_SANDBOX_CPUS_DEFAULT;
        sp->resources.pids_limit = o->pids_limit > 0 ? o->pids_limit : BERTH_SANDBOX_PIDS_DEFAULT;
    } else {
        sp->user = o->user;
        sp->resources.memory = o->memory;
        sp->resources.cpus = o->cpus;
        sp->resources.pids_limit = o->pids_limit;
    }
    uint64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : BERTH_SANDBOX_TIMEOUT_DEFAULT_MS;
    char buf[32];
    sandbox_rfc3339(now_s, buf, sizeof(buf));
    s->created = xstrdup(buf);
    sandbox_rfc3339(now_s + (int64_t)((timeout + 999) / 1000), buf, sizeof(buf));
    s->expires = xstrdup(buf);
    s->labels[0] = (struct berth_kv){BERTH_SANDBOX_LABEL, "1"};
    s->labels[1] = (struct berth_kv){BERTH_SANDBOX_LABEL_IMAGE, o->image};
    s->labels[2] = (struct berth_kv){BERTH_SANDBOX_LABEL_TIER, berth_sandbox_tier_name(o->tier)};
    s->labels[3] = (struct berth_kv){BERTH_SANDBOX_LABEL_CREATED, s->created};
    s->labels[4] = (struct berth_kv){BERTH_SANDBOX_LABEL_EXPIRES, s->expires};
    sp->labels = s->labels;
    sp->n_labels = SANDBOX_N_LABELS;
    return 0;
}

/* Frees the spec's storage. */
void sandbox_spec_free(struct sandbox_spec *s)
{
    free(s->mounts);
    free(s->created);
    free(s->expires);
    free(s->seccomp_opt);
    strv_free(&s->command);
    memset(s, 0, sizeof(*s));
}

/* Checks the backend's capabilities. */
int sandbox_check_backend(const struct berth_backend *b, const struct berth_container_spec *spec,
                          enum berth_sandbox_tier tier, bool allow_shared_kernel,
                          struct berth_error **err)
{
    bool used[BERTH_FEAT_COUNT] = {false};
    berth_select_spec_features(spec, used);
    used[BERTH_FEAT_IMAGES] = true;
    struct strv bad_list;
    strv_init(&bad_list);
    for (int f = 0; f < BERTH_FEAT_COUNT; f++) {
        if (!used[f])
            continue;
        enum berth_support s = berth_backend_supports(b, (enum berth_feature)f);
        if (s != BERTH_SUPPORT_NATIVE)
            strv_pushf(&bad_list, "%s (%s)", berth_feature_name((enum berth_feature)f),
                       berth_support_name(s));
    }
    if (bad_list.n > 0) {
        size_t len = 1;
        for (size_t i = 0; i < bad_list.n; i++)
            len += strlen(bad_list.v[i]) + 2;
        char *list = xcalloc(1, len);
        for (size_t i = 0; i < bad_list.n; i++) {
            if (i > 0)
                strcat(list, ", ");
            strcat(list, bad_list.v[i]);
        }
        berth_error_set(err, BERTH_E_UNSUPPORTED, 0,
                        "sandbox: backend %s cannot enforce what the %s tier asks for: %s",
                        berth_backend_name(b), berth_sandbox_tier_name(tier), list);
        if (err != NULL)
            berth_error_set_hint(*err, "run it on a backend that supports these natively "
                                       "(--backend podman), or choose a lighter tier (--tier "
                                       "isolated) knowing it enforces less");
        free(list);
        strv_free(&bad_list);
        return -1;
    }
    strv_free(&bad_list);
    if (tier == BERTH_SANDBOX_UNTRUSTED && !allow_shared_kernel &&
        berth_backend_supports(b, BERTH_FEAT_VM_ISOLATION) != BERTH_SUPPORT_NATIVE) {
        berth_error_set(err, BERTH_E_UNSUPPORTED, 0,
                        "sandbox: the untrusted tier needs a backend that runs each container in "
                        "its own VM; %s shares the host's kernel",
                        berth_backend_name(b));
        if (err != NULL)
            berth_error_set_hint(*err, "use a VM-isolating backend (Apple container: --backend "
                                       "apple), or pass --allow-shared-kernel to accept a "
                                       "shared kernel");
        return -1;
    }
    return 0;
}
