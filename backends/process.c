/*
 * The process driver: each "container" is a host process running the
 * service's entrypoint + command, with no image, no isolation and no
 * network of its own. It is built into libberth and always available.
 *
 * Choices (see docs/backends.md):
 * - Environment: berth's own environment with the service's `environment`
 *   on top (a key without value unsets it). Host processes need PATH, HOME
 *   ... to work, which the image would provide in a container.
 * - working_dir: the process's cwd (berth's own when unset).
 * - user: honoured only when berth runs as root (or it is berth's own
 *   user): the command runs through `setpriv --reuid --regid
 *   --init-groups --` (argv, no shell); setpriv is util-linux, Linux only.
 * - Stop: stop_signal to the process group, SIGKILL to the group after the
 *   grace period (stop_grace_period, default 10 s).
 * - Logs: the process's stdout/stderr lines, the most recent kept in memory
 *   (10000 lines / 4 MiB per container, 8 MiB for all containers) for
 *   `logs`, streamed live to followers. Events (create, start, kill, die, stop, destroy) come from the
 *   driver itself: exits are learned from the child's completion.
 * - Networks and volumes are records only, so that the engine's resource
 *   steps succeed; ports are not published (the process binds host ports
 *   itself); health checks and restarts are run by berth's engine.
 *
 * Container lifecycle (state x event):
 *
 *            | start           | exit           | stop            | kill    | remove
 *  created   | spawn->running  | -              | ok (nothing)    | error   | destroy
 *  running   | ok (nothing)    | ->exited, die  | signal, grace   | signal  | error / force: SIGKILL, die, destroy
 *  exited    | spawn->running  | -              | ok (nothing)    | error   | destroy
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <berth/runtime.h>

#include "backends/process.h"
#include "core/util.h"

#if defined(__APPLE__)
#include <crt_externs.h>
#define process_environ (*_NSGetEnviron())
#else
extern char **environ;
#define process_environ environ
#endif

#define LOG_MAX_LINES 10000
#define LOG_MAX_BYTES (4u << 20)
/* All containers' logs together: each keeps an equal share, at least LOG_MIN_BYTES. */
#define LOG_BUDGET_BYTES (8u << 20)
#define LOG_MIN_BYTES (64u << 10)
#define STOP_GRACE_DEFAULT_S 10

struct pdrv;
struct pctr;

/* An operation waiting on a container (wait, stop, logs --follow) or on events. */
enum pwatch_kind { W_WAIT, W_STOP, W_FOLLOW, W_EVENTS };

struct pwatch {
    struct pwatch *next;
    enum pwatch_kind kind;
    struct pdrv *drv;
    struct pctr *c; /* NULL for W_EVENTS */
    struct berth_op *op;
    berth_op_line_fn on_line;
    berth_op_event_fn on_event;
    void *user;
    bool timestamps;
    struct berth_kv *filters; /* owned */
    size_t n_filters;
    bool dead; /* completed; freed by the next sweep */
};

/* One line of a container's output. */
struct plog {
    int64_t ts_ns; /* wall clock */
    enum berth_stream stream;
    bool complete;
    size_t len;
    char data[];
};

/* A container: a command line and, while running, its process. */
struct pctr {
    struct pctr *next;
    struct pdrv *drv;
    int refs;
    bool removed;
    char *id, *name, *image;
    struct strv argv;   /* user wrapper + entrypoint + command */
    struct strv env;    /* full environment, "K=V" */
    struct strv cmd;    /* entrypoint + command, as inspect shows it */
    struct berth_kv *labels;
    size_t n_labels;
    char *workdir;
    char *user;
    int stop_signal;
    int stop_grace_s;
    bool auto_remove;
    enum berth_cstate state;
    int exit_code;
    int64_t created, started, finished;
    struct berth_proc *proc;
    int pid;
    struct berth_timer *kill_timer;
    bool stopping;
    struct plog **ring;
    size_t ring_start, ring_n, ring_cap, ring_bytes;
    struct pwatch *watchers;
    int delivering;
};

/* A running exec. */
struct pexec {
    struct pexec *next, *prev;
    struct pdrv *drv;
    struct berth_op *op; /* NULL once a detached exec's op completed */
    struct berth_proc *proc;
    berth_op_line_fn on_line;
    void *user;
    char *ctr_id; /* detached: its container's id (it is killed when that container exits) */
};

/* A network or volume record. */
struct precord {
    char *id, *name, *driver;
    bool internal;
    struct berth_kv *labels;
    size_t n_labels;
};

struct pdrv {
    const struct berth_host *host;
    struct pctr *ctrs;
    size_t n_ctrs;
    struct pexec *execs;
    struct precord *nets;
    size_t n_nets, cap_nets;
    struct precord *vols;
    size_t n_vols, cap_vols;
    struct pwatch *subs; /* W_EVENTS */
    int delivering;
};

/* ------------------------------------------------------------- helpers */

/* Wall-clock nanoseconds. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A new error through the host. */
static struct berth_error *perr(struct pdrv *d, int code, const char *fmt, ...) BERTH_PRINTF(3, 4);

/* Builds an error with the host's error constructor. */
static struct berth_error *perr(struct pdrv *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    struct berth_error *e = d->host->error_new(code, 0, "%s", msg);
    free(msg);
    return e;
}

/* Completes op with an error only. */
static void fail(struct pdrv *d, struct berth_op *op, struct berth_error *e)
{
    d->host->op_complete(op, e, NULL);
}

/* Completes op successfully with an empty result. */
static void ok(struct pdrv *d, struct berth_op *op)
{
    struct berth_op_result r = {0};
    d->host->op_complete(op, NULL, &r);
}

/* 64 random hex digits, like docker's ids. */
static char *random_id(void)
{
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        /* libcrypto without entropy: fall back to time and pid, still unique enough here. */
        uint64_t seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
        for (size_t i = 0; i < sizeof(raw); i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            raw[i] = (unsigned char)(seed >> 56);
        }
    }
    char *id = xmalloc(65);
    for (size_t i = 0; i < 32; i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return id;
}

/* Copies n key/value pairs. */
static struct berth_kv *kv_copy(const struct berth_kv *kv, size_t n)
{
    if (n == 0 || kv == NULL)
        return NULL;
    struct berth_kv *d = xcalloc(n, sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i].key = xstrdup(kv[i].key);
        d[i].value = kv[i].value ? xstrdup(kv[i].value) : NULL;
    }
    return d;
}

/* Frees n key/value pairs from kv_copy(). */
static void kv_free(struct berth_kv *kv, size_t n)
{
    for (size_t i = 0; i < n && kv != NULL; i++) {
        free((char *)kv[i].key);
        free((char *)kv[i].value);
    }
    free(kv);
}

/* True when labels satisfy every filter (key present; value equal when given). */
static bool labels_match(const struct berth_kv *labels, size_t n, const struct berth_kv *filters,
                         size_t nf)
{
    for (size_t i = 0; i < nf; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(labels[j].key, filters[i].key) == 0 &&
                    (filters[i].value == NULL ||
                     strcmp(labels[j].value ? labels[j].value : "", filters[i].value) == 0);
        if (!found)
            return false;
    }
    return true;
}

/* Signal names docker accepts, without the SIG prefix. */
static const struct {
    const char *name;
    int sig;
} signal_names[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},   {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},   {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"SYS", SIGSYS},
};

/* Parses "SIGTERM", "TERM" or "15"; returns 0 when unknown. */
static int parse_signal(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    char *end;
    long n = strtol(s, &end, 10);
    if (*end == '\0')
        return n > 0 && n < 65 ? (int)n : 0;
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < ARRAY_LEN(signal_names); i++)
        if (strcmp(signal_names[i].name, s) == 0)
            return signal_names[i].sig;
    return 0;
}

/* Docker's human duration ("3 minutes", "About an hour"). */
static char *human_duration(int64_t secs)
{
    if (secs < 1)
        return xstrdup("Less than a second");
    if (secs == 1)
        return xstrdup("1 second");
    if (secs < 60)
        return xasprintf("%lld seconds", (long long)secs);
    int64_t mins = secs / 60;
    if (mins == 1)
        return xstrdup("About a minute");
    if (mins < 60)
        return xasprintf("%lld minutes", (long long)mins);
    int64_t hours = (secs + 1800) / 3600;
    if (hours == 1)
        return xstrdup("About an hour");
    if (hours < 48)
        return xasprintf("%lld hours", (long long)hours);
    if (hours < 24 * 7 * 2)
        return xasprintf("%lld days", (long long)(hours / 24));
    if (hours < 24 * 30 * 2)
        return xasprintf("%lld weeks", (long long)(hours / 24 / 7));
    if (hours < 24 * 365 * 2)
        return xasprintf("%lld months", (long long)(hours / 24 / 30));
    return xasprintf("%lld years", (long long)(hours / 24 / 365));
}

/* Formats ns since the epoch as RFC 3339 with nanoseconds, as docker logs -t does. */
static void fmt_rfc3339(int64_t ns, char *buf, size_t size)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%09lldZ", date, (long long)(ns % 1000000000));
}

/* Parses a logs --since value: unix time, RFC 3339 (or a date) or a duration ago. */
static int parse_since(const char *s, int64_t *ns)
{
    char *end;
    long long unix_s = strtoll(s, &end, 10);
    if (end != s && (*end == '\0' || *end == '.') && *s != '-') {
        int64_t frac = 0, scale = 100000000;
        if (*end == '.') /* by hand: strtod would follow the embedder's locale */
            for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
                frac += (*end - '0') * scale;
        if (*end == '\0') {
            /* int64 nanoseconds end in 2262: later times clamp */
            *ns = unix_s >= 9200000000LL ? INT64_MAX : (int64_t)unix_s * 1000000000 + frac;
            return 0;
        }
    }
    int y, mo, dd, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &dd, &used) == 3) {
        const char *p = s + used;
        int64_t frac = 0, offset = 0;
        if (*p == 'T' || *p == ' ') {
            if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &used) != 3)
                return -1;
            p += 1 + used;
            if (*p == '.') {
                int64_t scale = 100000000;
                for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                    frac += (*p - '0') * scale;
            }
            if (*p == '+' || *p == '-') {
                int oh, om;
                if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
                    return -1;
                offset = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
                p += 6;
            } else if (*p == 'Z') {
                p++;
            }
        }
        if (*p != '\0')
            return -1;
        struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = dd,
                        .tm_hour = h, .tm_min = mi, .tm_sec = sec};
        int64_t t = (int64_t)timegm(&tm) - offset;
        *ns = t >= 9200000000 ? INT64_MAX : t <= 0 ? 0 : t * 1000000000 + frac;
        return 0;
    }
    uint64_t ms;
    if (berth_duration_parse(s, &ms, NULL) == 0) {
        *ns = now_ns() - (int64_t)ms * 1000000;
        return 0;
    }
    return -1;
}

/* Sets (value NULL: removes) KEY in a "K=V" environment vector. */
static void env_set(struct strv *env, const char *key, const char *value)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], key, klen) == 0 && env->v[i][klen] == '=') {
            free(env->v[i]);
            if (value != NULL) {
                env->v[i] = xasprintf("%s=%s", key, value);
            } else {
                memmove(&env->v[i], &env->v[i + 1], (env->n - i) * sizeof(char *));
                env->n--;
            }
            return;
        }
    }
    if (value != NULL)
        strv_pushf(env, "%s=%s", key, value);
}

/* Builds berth's environment with the given pairs on top. */
static void env_build(struct strv *env, const struct berth_kv *kv, size_t n)
{
    for (char **e = process_environ; e != NULL && *e != NULL; e++)
        strv_push(env, *e);
    for (size_t i = 0; i < n; i++)
        env_set(env, kv[i].key, kv[i].value);
}

/*
 * Resolves user[:group] and, when it is not berth's own identity, prepends
 * the setpriv wrapper to argv. Fails unless berth runs as root.
 */
static int user_wrap(struct pdrv *d, const char *user, struct strv *argv, struct strv *env,
                     struct berth_error **err)
{
    if (user == NULL || *user == '\0')
        return 0;
    char *name = xstrdup(user);
    char *group = strchr(name, ':');
    if (group != NULL)
        *group++ = '\0';
    char *end;
    struct passwd *pw = NULL;
    uid_t uid;
    unsigned long n = strtoul(name, &end, 10);
    if (*name != '\0' && *end == '\0') {
        uid = (uid_t)n;
        pw = getpwuid(uid);
    } else {
        pw = getpwnam(name);
        if (pw == NULL) {
            *err = perr(d, BERTH_E_NOT_FOUND, "user '%s': no such user on this host", name);
            free(name);
            return -1;
        }
        uid = pw->pw_uid;
    }
    gid_t gid = pw != NULL ? pw->pw_gid : 0;
    if (group != NULL && *group != '\0') {
        n = strtoul(group, &end, 10);
        if (*end == '\0') {
            gid = (gid_t)n;
        } else {
            struct group *gr = getgrnam(group);
            if (gr == NULL) {
                *err = perr(d, BERTH_E_NOT_FOUND, "group '%s': no such group on this host",
                            group);
                free(name);
                return -1;
            }
            gid = gr->gr_gid;
        }
    }
    if (uid == geteuid() && gid == getegid()) {
        free(name);
        return 0;
    }
    if (geteuid() != 0) {
        *err = perr(d, BERTH_E_UNSUPPORTED,
                    "cannot run as user '%s': the process backend switches users only when "
                    "berth runs as root",
                    user);
        d->host->error_set_hint(*err, "remove `user:` from the service or run berth as root");
        free(name);
        return -1;
    }
    struct strv wrapped;
    strv_init(&wrapped);
    strv_push(&wrapped, "setpriv");
    strv_pushf(&wrapped, "--reuid=%lu", (unsigned long)uid);
    strv_pushf(&wrapped, "--regid=%lu", (unsigned long)gid);
    strv_push(&wrapped, pw != NULL ? "--init-groups" : "--clear-groups");
    strv_push(&wrapped, "--");
    for (size_t i = 0; i < argv->n; i++)
        strv_push(&wrapped, argv->v[i]);
    strv_free(argv);
    *argv = wrapped;
    if (pw != NULL && env != NULL) {
        env_set(env, "HOME", pw->pw_dir);
        env_set(env, "USER", pw->pw_name);
        env_set(env, "LOGNAME", pw->pw_name);
    }
    free(name);
    return 0;
}

/* ---------------------------------------------------------- containers */

/* Frees a watcher. */
static void watch_free(struct pwatch *w)
{
    kv_free(w->filters, w->n_filters);
    free(w);
}

/* Frees the dead watchers of a list (only when nobody iterates it). */
static void watch_sweep(struct pwatch **list)
{
    while (*list != NULL) {
        struct pwatch *w = *list;
        if (w->dead) {
            *list = w->next;
            watch_free(w);
        } else {
            list = &w->next;
        }
    }
}

/* Frees a container's memory (its process is gone). */
static void ctr_free(struct pctr *c)
{
    for (struct pwatch *w = c->watchers, *next; w != NULL; w = next) {
        next = w->next;
        watch_free(w);
    }
    for (size_t i = 0; i < c->ring_n; i++)
        free(c->ring[(c->ring_start + i) % c->ring_cap]);
    free(c->ring);
    c->drv->host->timer_free(c->kill_timer);
    free(c->id);
    free(c->name);
    free(c->image);
    strv_free(&c->argv);
    strv_free(&c->env);
    strv_free(&c->cmd);
    kv_free(c->labels, c->n_labels);
    free(c->workdir);
    free(c->user);
    free(c);
}

/* Drops a reference; frees the container with the last one. */
static void ctr_unref(struct pctr *c)
{
    if (--c->refs == 0)
        ctr_free(c);
}

/* Finds a container by id, name or unique id prefix. */
static struct pctr *ctr_find(struct pdrv *d, const char *ref)
{
    struct pctr *prefix = NULL;
    size_t n_prefix = 0, len = strlen(ref);
    for (struct pctr *c = d->ctrs; c != NULL; c = c->next) {
        if (strcmp(c->id, ref) == 0 || strcmp(c->name, ref) == 0)
            return c;
        if (len > 0 && strncmp(c->id, ref, len) == 0) {
            prefix = c;
            n_prefix++;
        }
    }
    return n_prefix == 1 ? prefix : NULL;
}

/* Finds a container or completes op with "no such container". */
static struct pctr *ctr_find_or_fail(struct pdrv *d, struct berth_op *op, const char *ref)
{
    struct pctr *c = ctr_find(d, ref);
    if (c == NULL)
        fail(d, op, perr(d, BERTH_E_NOT_FOUND, "no such container: %s", ref));
    return c;
}

/* Sends an event to every matching subscriber. */
static void emit(struct pdrv *d, const char *type, const char *action, const char *id,
                 const char *name, int exit_code, const struct berth_kv *labels, size_t n_labels,
                 const struct berth_kv *extra, size_t n_extra)
{
    if (d->subs == NULL)
        return;
    struct berth_kv *attrs = xcalloc(n_labels + n_extra + 1, sizeof(*attrs));
    for (size_t i = 0; i < n_labels; i++)
        attrs[i] = labels[i];
    for (size_t i = 0; i < n_extra; i++)
        attrs[n_labels + i] = extra[i];
    struct berth_event_info ev = {
        .type = type,
        .action = action,
        .id = id,
        .name = name,
        .exit_code = exit_code,
        .time = now_ns() / 1000000000,
        .labels = attrs,
        .n_labels = n_labels + n_extra,
    };
    d->delivering++;
    for (struct pwatch *w = d->subs; w != NULL; w = w->next)
        if (!w->dead && labels_match(labels, n_labels, w->filters, w->n_filters))
            w->on_event(w->user, &ev);
    d->delivering--;
    if (d->delivering == 0)
        watch_sweep(&d->subs);
    free(attrs);
}

/* Emits a container event with name and image attributes. */
static void emit_ctr(struct pctr *c, const char *action, int exit_code, const char *extra_key,
                     const char *extra_value)
{
    struct berth_kv extra[3] = {{"name", c->name}, {"image", c->image ? c->image : ""}};
    size_t n_extra = 2;
    if (extra_key != NULL)
        extra[n_extra++] = (struct berth_kv){extra_key, extra_value};
    emit(c->drv, "container", action, c->id, c->name, exit_code, c->labels, c->n_labels, extra,
         n_extra);
}

/* Completes one watcher of a container and marks it for the sweep. */
static void watch_finish(struct pwatch *w, struct berth_error *e, int exit_code)
{
    if (w->dead)
        return;
    w->dead = true;
    struct berth_op_result r = {.exit_code = exit_code};
    w->drv->host->op_complete(w->op, e, &r);
}

/* Frees dead watchers of c unless someone iterates them. */
static void ctr_sweep(struct pctr *c)
{
    if (c->delivering == 0)
        watch_sweep(&c->watchers);
}

/* Completes every watcher of c of the given kind (or every kind when all). */
static void ctr_finish_watchers(struct pctr *c, bool all, enum pwatch_kind kind, int exit_code)
{
    c->delivering++;
    for (struct pwatch *w = c->watchers; w != NULL; w = w->next)
        if (!w->dead && (all || w->kind == kind))
            watch_finish(w, NULL, exit_code);
    c->delivering--;
    ctr_sweep(c);
}

/* Memory a stored line takes, as the limits count it. */
static size_t plog_size(const struct plog *l)
{
    return sizeof(*l) + l->len + 1;
}

/* Appends a line to the ring, evicting the oldest beyond the limits. */
static void ring_push(struct pctr *c, struct plog *l)
{
    if (c->ring_n == c->ring_cap && c->ring_cap < LOG_MAX_LINES) {
        /* grow as lines come (a quiet container keeps a small array), unwrapped */
        size_t cap = c->ring_cap ? c->ring_cap * 2 : 64;
        if (cap > LOG_MAX_LINES)
            cap = LOG_MAX_LINES;
        struct plog **ring = xcalloc(cap, sizeof(*ring));
        for (size_t i = 0; i < c->ring_n; i++)
            ring[i] = c->ring[(c->ring_start + i) % c->ring_cap];
        free(c->ring);
        c->ring = ring;
        c->ring_cap = cap;
        c->ring_start = 0;
    }
    size_t max = LOG_BUDGET_BYTES / (c->drv->n_ctrs ? c->drv->n_ctrs : 1);
    max = max > LOG_MAX_BYTES ? LOG_MAX_BYTES : max < LOG_MIN_BYTES ? LOG_MIN_BYTES : max;
    while (c->ring_n > 0 && (c->ring_n == LOG_MAX_LINES || c->ring_bytes + plog_size(l) > max)) {
        struct plog *old = c->ring[c->ring_start];
        c->ring_bytes -= plog_size(old);
        free(old);
        c->ring_start = (c->ring_start + 1) % c->ring_cap;
        c->ring_n--;
    }
    c->ring[(c->ring_start + c->ring_n) % c->ring_cap] = l;
    c->ring_n++;
    c->ring_bytes += plog_size(l);
}

/* Sends one stored line to a logs caller, with a timestamp when asked. */
static void send_line(berth_op_line_fn fn, void *user, bool timestamps, const struct plog *l)
{
    if (!timestamps) {
        fn(user, l->stream, l->data, l->len, l->complete);
        return;
    }
    char ts[48];
    fmt_rfc3339(l->ts_ns, ts, sizeof(ts));
    size_t tl = strlen(ts);
    char *buf = xmalloc(tl + 1 + l->len);
    memcpy(buf, ts, tl);
    buf[tl] = ' ';
    memcpy(buf + tl + 1, l->data, l->len);
    fn(user, l->stream, buf, tl + 1 + l->len, l->complete);
    free(buf);
}

/* Output of a container's process: into the ring and to followers. */
static void ctr_line(struct berth_proc *p, enum berth_stream stream, const char *line, size_t len,
                     bool complete, void *user)
{
    struct pctr *c = user;
    (void)p;
    struct plog *l = xmalloc(sizeof(*l) + len + 1);
    l->ts_ns = now_ns();
    l->stream = stream;
    l->complete = complete;
    l->len = len;
    memcpy(l->data, line, len);
    l->data[len] = '\0';
    ring_push(c, l);
    if (c->watchers == NULL)
        return;
    c->refs++;
    c->delivering++;
    for (struct pwatch *w = c->watchers; w != NULL; w = w->next)
        if (!w->dead && w->kind == W_FOLLOW)
            send_line(w->on_line, w->user, w->timestamps, l);
    c->delivering--;
    ctr_sweep(c);
    ctr_unref(c);
}

static void exec_kill_detached(struct pdrv *d, const char *ctr_id);

/* Marks c exited and tells everyone waiting (called once per process). */
static void ctr_exited(struct pctr *c, int exit_code)
{
    exec_kill_detached(c->drv, c->id);
    c->proc = NULL;
    c->pid = 0;
    c->state = BERTH_CSTATE_EXITED;
    c->exit_code = exit_code;
    c->finished = now_ns();
    c->drv->host->timer_stop(c->kill_timer);
    bool stopping = c->stopping;
    c->stopping = false;
    emit_ctr(c, "die", exit_code, NULL, NULL);
    if (stopping)
        emit_ctr(c, "stop", -1, NULL, NULL);
    ctr_finish_watchers(c, true, W_WAIT, exit_code);
}

/* Unlinks a container, emits destroy and drops the list's reference. */
static void ctr_remove(struct pctr *c)
{
    struct pdrv *d = c->drv;
    if (c->removed)
        return;
    c->removed = true;
    for (struct pctr **pp = &d->ctrs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            d->n_ctrs--;
            break;
        }
    }
    ctr_finish_watchers(c, true, W_WAIT, c->exit_code);
    emit_ctr(c, "destroy", -1, NULL, NULL);
    ctr_unref(c);
}

/* Completion of a container's process. */
static void ctr_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct pctr *c = user;
    (void)p;
    int code = res->exited ? res->exit_code : 128 + res->signal;
    if (res->error != NULL)
        c->drv->host->log(c->drv->host, BERTH_LOG_WARN, "container %s: %s", c->name,
                          c->drv->host->error_message(res->error));
    ctr_exited(c, code);
    if (c->auto_remove)
        ctr_remove(c);
    ctr_unref(c); /* the process's reference */
}

/* Grace period over: SIGKILL to the group. */
static void ctr_kill_timer(struct berth_timer *t, void *user)
{
    struct pctr *c = user;
    (void)t;
    if (c->proc != NULL)
        c->drv->host->proc_signal(c->proc, SIGKILL, NULL);
}

/* ----------------------------------------------------------- operations */

/* PROBE: always available. */
static void op_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    (void)req;
    struct berth_probe_info probe = {
        .available = true,
        .version = BERTH_VERSION_STRING,
        .reason = NULL,
        .flavour = "process",
    };
    struct berth_op_result r = {.probe = &probe};
    d->host->op_complete(op, NULL, &r);
}

/* CONTAINER_CREATE: records the command line, environment and settings. */
static void op_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    const struct berth_container_spec *s = req->spec;
    struct berth_error *e = NULL;
    struct pctr *other = NULL;
    for (struct pctr *o = d->ctrs; o != NULL && s->name != NULL; o = o->next)
        if (strcmp(o->name, s->name) == 0)
            other = o;
    if (other != NULL) {
        e = perr(d, BERTH_E_EXISTS, "the container name '%s' is already in use by container %s",
                 s->name, other->id);
        d->host->error_set_hint(e, "remove that container first, or choose another name");
        fail(d, op, e);
        return;
    }
    int sig = SIGTERM;
    if (s->stop_signal != NULL && (sig = parse_signal(s->stop_signal)) == 0) {
        e = perr(d, BERTH_E_INVALID, "stop_signal: unknown signal '%s'", s->stop_signal);
        d->host->error_set_hint(e, "use a signal name such as SIGTERM, SIGINT or SIGQUIT");
        fail(d, op, e);
        return;
    }
    struct pctr *c = xcalloc(1, sizeof(*c));
    c->drv = d;
    c->refs = 1;
    strv_init(&c->argv);
    strv_init(&c->env);
    strv_init(&c->cmd);
    if (s->entrypoint != NULL)
        for (size_t i = 0; s->entrypoint[i] != NULL; i++)
            strv_push(&c->cmd, s->entrypoint[i]);
    if (s->command != NULL)
        for (size_t i = 0; s->command[i] != NULL; i++)
            strv_push(&c->cmd, s->command[i]);
    if (c->cmd.n == 0) {
        e = perr(d, BERTH_E_INVALID, "container '%s': no command to run",
                 s->name ? s->name : "(unnamed)");
        d->host->error_set_hint(e, "the process backend runs the service's `command` (or "
                                   "`entrypoint`) on the host; set one");
        ctr_free(c);
        fail(d, op, e);
        return;
    }
    for (size_t i = 0; i < c->cmd.n; i++)
        strv_push(&c->argv, c->cmd.v[i]);
    env_build(&c->env, s->env, s->n_env);
    if (user_wrap(d, s->user, &c->argv, &c->env, &e) < 0) {
        d->host->error_wrap(&e, "container '%s'", s->name ? s->name : "(unnamed)");
        ctr_free(c);
        fail(d, op, e);
        return;
    }
    c->id = random_id();
    c->name = s->name ? xstrdup(s->name) : xstrndup(c->id, 12);
    c->image = s->image ? xstrdup(s->image) : NULL;
    c->labels = kv_copy(s->labels, s->n_labels);
    c->n_labels = c->labels ? s->n_labels : 0;
    c->workdir = s->workdir ? xstrdup(s->workdir) : NULL;
    c->user = s->user ? xstrdup(s->user) : NULL;
    c->stop_signal = sig;
    c->stop_grace_s = s->stop_grace_seconds >= 0 ? s->stop_grace_seconds : STOP_GRACE_DEFAULT_S;
    c->auto_remove = s->rm;
    c->state = BERTH_CSTATE_CREATED;
    c->created = now_ns();
    c->kill_timer = d->host->timer_new(d->host, ctr_kill_timer, c);
    if (s->n_ports > 0 || s->n_mounts > 0)
        d->host->log(d->host, BERTH_LOG_INFO,
                     "container %s: ports and volumes are not applied to host processes",
                     c->name);
    c->next = d->ctrs;
    d->ctrs = c;
    d->n_ctrs++;
    emit_ctr(c, "create", -1, NULL, NULL);
    struct berth_op_result r = {.id = c->id};
    d->host->op_complete(op, NULL, &r);
}

/* CONTAINER_START: spawns the process (nothing to do when it runs). */
static void op_start(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    if (c->state == BERTH_CSTATE_RUNNING) {
        ok(d, op);
        return;
    }
    struct berth_proc_options o = {
        .argv = strv_argv(&c->argv),
        .envp = strv_argv(&c->env),
        .cwd = c->workdir,
        .in = BERTH_IN_NULL,
        .out = BERTH_OUT_LINES,
        .err = BERTH_OUT_LINES,
        .on_line = ctr_line,
        .on_done = ctr_done,
        .user = c,
    };
    struct berth_error *e = NULL;
    struct berth_proc *p = d->host->spawn(d->host, &o, &e);
    if (p == NULL) {
        d->host->error_wrap(&e, "container '%s': cannot start '%s'", c->name, c->cmd.v[0]);
        if (c->user != NULL && strcmp(c->argv.v[0], "setpriv") == 0)
            d->host->error_set_hint(e, "running as `user:` needs setpriv (util-linux)");
        fail(d, op, e);
        return;
    }
    c->proc = p;
    c->pid = (int)berth_proc_pid(p);
    c->refs++; /* held by the process until ctr_done */
    c->state = BERTH_CSTATE_RUNNING;
    c->started = now_ns();
    c->finished = 0;
    c->exit_code = 0;
    c->stopping = false;
    emit_ctr(c, "start", -1, NULL, NULL);
    ok(d, op);
}

/* Cancel hook of a watcher: unhook it and finish its op. */
static void watch_cancel(void *data)
{
    struct pwatch *w = data;
    struct pdrv *d = w->drv;
    watch_finish(w, d->host->error_new(BERTH_E_CANCELLED, 0, "cancelled"), 0);
    if (w->c != NULL)
        ctr_sweep(w->c);
    else if (d->delivering == 0)
        watch_sweep(&d->subs);
}

/* Adds a watcher to c (at the head: a running iteration does not see it). */
static struct pwatch *watch_add(struct pdrv *d, struct pctr *c, enum pwatch_kind kind,
                                struct berth_op *op)
{
    struct pwatch *w = xcalloc(1, sizeof(*w));
    w->kind = kind;
    w->drv = d;
    w->c = c;
    w->op = op;
    if (c != NULL) {
        w->next = c->watchers;
        c->watchers = w;
    } else {
        w->next = d->subs;
        d->subs = w;
    }
    d->host->op_set_cancel(op, watch_cancel, w);
    return w;
}

/* CONTAINER_STOP: stop signal, then SIGKILL after the grace period; done at exit. */
static void op_stop(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    if (c->state != BERTH_CSTATE_RUNNING) {
        ok(d, op);
        return;
    }
    watch_add(d, c, W_STOP, op);
    if (c->stopping)
        return; /* joins the stop in progress */
    c->stopping = true;
    int sig = req->signal > 0 ? req->signal : c->stop_signal;
    int grace = req->timeout_s >= 0 ? req->timeout_s : c->stop_grace_s;
    char num[16];
    snprintf(num, sizeof(num), "%d", sig);
    emit_ctr(c, "kill", -1, "signal", num);
    if (c->proc != NULL)
        d->host->proc_signal(c->proc, sig, NULL);
    if (c->proc != NULL)
        d->host->timer_start(c->kill_timer, (uint64_t)grace * 1000u);
}

/* CONTAINER_KILL: one signal (SIGKILL by default) to the group. */
static void op_kill(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    if (c->state != BERTH_CSTATE_RUNNING || c->proc == NULL) {
        fail(d, op, perr(d, BERTH_E_STATE, "cannot kill container %s: it is not running",
                         c->name));
        return;
    }
    int sig = req->signal > 0 ? req->signal : SIGKILL;
    char num[16];
    snprintf(num, sizeof(num), "%d", sig);
    emit_ctr(c, "kill", -1, "signal", num);
    struct berth_error *e = NULL;
    if (c->proc != NULL && d->host->proc_signal(c->proc, sig, &e) < 0) {
        fail(d, op, e);
        return;
    }
    ok(d, op);
}

/* CONTAINER_REMOVE: forgets a stopped container (force: kills a running one first). */
static void op_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    if (req->stop_first) {
        /* the engine then stops (stop signal, grace) and removes in two steps */
        fail(d, op, perr(d, BERTH_E_UNSUPPORTED, "stop-and-remove in one call is not supported"));
        return;
    }
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    if (c->state == BERTH_CSTATE_RUNNING && !req->force) {
        struct berth_error *e =
            perr(d, BERTH_E_STATE, "cannot remove container %s: it is running", c->name);
        d->host->error_set_hint(e, "stop it first, or remove it with force");
        fail(d, op, e);
        return;
    }
    c->refs++;
    if (c->proc != NULL) {
        d->host->proc_abandon(c->proc);
        emit_ctr(c, "kill", -1, "signal", "9");
        ctr_exited(c, 128 + SIGKILL);
        ctr_unref(c); /* the abandoned process's reference */
    }
    ctr_remove(c);
    ctr_unref(c);
    ok(d, op);
}

/* Fills a container record; status must hold at least 96 bytes. */
static void ctr_info(const struct pctr *c, struct berth_container_info *ci, char *status,
                     size_t size)
{
    int64_t now = now_ns();
    char *ago = NULL;
    switch (c->state) {
    case BERTH_CSTATE_RUNNING:
        ago = human_duration((now - c->started) / 1000000000);
        snprintf(status, size, "Up %s", ago);
        break;
    case BERTH_CSTATE_EXITED:
        ago = human_duration((now - c->finished) / 1000000000);
        snprintf(status, size, "Exited (%d) %s ago", c->exit_code, ago);
        break;
    default:
        snprintf(status, size, "Created");
        break;
    }
    free(ago);
    *ci = (struct berth_container_info){
        .id = c->id,
        .name = c->name,
        .image = c->image ? c->image : "",
        .image_id = "",
        .state = c->state,
        .status = status,
        .exit_code = c->exit_code,
        .created_at = c->created / 1000000000,
        .started_at = c->started / 1000000000,
        .finished_at = c->finished / 1000000000,
        .health = BERTH_HEALTH_NONE,
        .pid = c->pid,
        .labels = c->labels,
        .n_labels = c->n_labels,
        .command = (const char *const *)c->cmd.v,
    };
}

/* CONTAINER_INSPECT. */
static void op_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    struct berth_container_info ci;
    char status[96];
    ctr_info(c, &ci, status, sizeof(status));
    struct berth_op_result r = {.containers = &ci, .n_containers = 1};
    d->host->op_complete(op, NULL, &r);
}

/* CONTAINER_LIST: running ones (all: every one) matching the label filters. */
static void op_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    size_t n = 0;
    for (struct pctr *c = d->ctrs; c != NULL; c = c->next)
        n++;
    struct berth_container_info *cis = xcalloc(n ? n : 1, sizeof(*cis));
    char(*status)[96] = xcalloc(n ? n : 1, sizeof(*status));
    size_t k = 0;
    for (struct pctr *c = d->ctrs; c != NULL; c = c->next) {
        if (!req->all && c->state != BERTH_CSTATE_RUNNING)
            continue;
        if (!labels_match(c->labels, c->n_labels, req->filters, req->n_filters))
            continue;
        ctr_info(c, &cis[k], status[k], sizeof(status[k]));
        k++;
    }
    struct berth_op_result r = {.containers = cis, .n_containers = k};
    d->host->op_complete(op, NULL, &r);
    free(cis);
    free(status);
}

/* CONTAINER_LOGS: stored lines (since, tail, timestamps), then live ones with follow. */
static void op_logs(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    int64_t since = 0;
    if (req->since != NULL && *req->since != '\0' && parse_since(req->since, &since) < 0) {
        struct berth_error *e = perr(d, BERTH_E_INVALID, "logs: invalid --since '%s'", req->since);
        d->host->error_set_hint(e, "use a duration (10m, 1h30m), RFC 3339 time "
                                   "(2024-01-02T15:04:05Z) or unix seconds");
        fail(d, op, e);
        return;
    }
    size_t first = 0;
    while (first < c->ring_n && c->ring[(c->ring_start + first) % c->ring_cap]->ts_ns < since)
        first++;
    if (req->tail >= 0 && c->ring_n - first > (size_t)req->tail)
        first = c->ring_n - (size_t)req->tail;
    for (size_t i = first; i < c->ring_n; i++)
        send_line(req->on_line, req->stream_user, req->timestamps,
                  c->ring[(c->ring_start + i) % c->ring_cap]);
    if (req->follow && c->state == BERTH_CSTATE_RUNNING) {
        struct pwatch *w = watch_add(d, c, W_FOLLOW, op);
        w->on_line = req->on_line;
        w->user = req->stream_user;
        w->timestamps = req->timestamps;
        return;
    }
    ok(d, op);
}

/* CONTAINER_WAIT: completes with the exit code once the container is not running. */
static void op_wait(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    if (c->state != BERTH_CSTATE_RUNNING) {
        struct berth_op_result r = {.exit_code = c->exit_code};
        d->host->op_complete(op, NULL, &r);
        return;
    }
    watch_add(d, c, W_WAIT, op);
}

/* Unlinks and frees an exec record. */
static void exec_free(struct pexec *x)
{
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        x->drv->execs = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    free(x->ctr_id);
    free(x);
}

/*
 * The container of detached execs exited: stop them as a runtime does
 * (term, then kill after the grace); their completion frees them.
 */
static void exec_kill_detached(struct pdrv *d, const char *ctr_id)
{
    for (struct pexec *x = d->execs; x != NULL; x = x->next)
        if (x->ctr_id != NULL && strcmp(x->ctr_id, ctr_id) == 0)
            d->host->proc_cancel(x->proc);
}

/* An exec's streamed output. */
static void exec_line(struct berth_proc *p, enum berth_stream stream, const char *line,
                      size_t len, bool complete, void *user)
{
    struct pexec *x = user;
    (void)p;
    x->on_line(x->user, stream, line, len, complete);
}

/* An exec's completion: exit code and captured output. */
static void exec_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct pexec *x = user;
    (void)p;
    if (x->op == NULL) { /* detached: its op completed when it started */
        exec_free(x);
        return;
    }
    struct berth_op_result r = {
        .exit_code = res->exited ? res->exit_code : 128 + res->signal,
        .out = res->out,
        .out_len = res->out_len,
        .err = res->err,
        .err_len = res->err_len,
    };
    struct berth_error *e = NULL;
    if (res->error != NULL)
        e = x->drv->host->error_new(BERTH_E_TOO_LARGE, 0, "exec: %s",
                                    x->drv->host->error_message(res->error));
    struct pdrv *d = x->drv;
    struct berth_op *op = x->op;
    exec_free(x);
    d->host->op_complete(op, e, &r);
}

/* Cancel hook of an exec: kill it and forget it. */
static void exec_cancel(void *data)
{
    struct pexec *x = data;
    struct pdrv *d = x->drv;
    struct berth_op *op = x->op;
    d->host->proc_abandon(x->proc);
    exec_free(x);
    fail(d, op, d->host->error_new(BERTH_E_CANCELLED, 0, "exec cancelled"));
}

/* CONTAINER_EXEC: a host process in the service's directory and environment. */
static void op_exec(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pctr *c = ctr_find_or_fail(d, op, req->target);
    if (c == NULL)
        return;
    if (c->state != BERTH_CSTATE_RUNNING) {
        fail(d, op, perr(d, BERTH_E_STATE, "container %s is not running", c->name));
        return;
    }
    struct strv argv, env;
    strv_init(&argv);
    strv_init(&env);
    for (size_t i = 0; req->argv[i] != NULL; i++)
        strv_push(&argv, req->argv[i]);
    for (size_t i = 0; i < c->env.n; i++)
        strv_push(&env, c->env.v[i]);
    for (size_t i = 0; i < req->n_env; i++)
        env_set(&env, req->env[i].key, req->env[i].value);
    struct berth_error *e = NULL;
    const char *user = req->user ? req->user : c->user;
    if (user_wrap(d, user, &argv, &env, &e) < 0) {
        strv_free(&argv);
        strv_free(&env);
        fail(d, op, e);
        return;
    }
    struct pexec *x = xcalloc(1, sizeof(*x));
    x->drv = d;
    x->op = op;
    x->on_line = req->on_line;
    x->user = req->stream_user;
    enum berth_out_mode mode = req->detach        ? BERTH_OUT_DISCARD
                               : req->interactive ? BERTH_OUT_INHERIT
                               : req->on_line     ? BERTH_OUT_LINES
                                                  : BERTH_OUT_CAPTURE;
    struct berth_proc_options o = {
        .argv = strv_argv(&argv),
        .envp = strv_argv(&env),
        .cwd = req->workdir ? req->workdir : c->workdir,
        .in = req->interactive ? BERTH_IN_INHERIT : BERTH_IN_NULL,
        .out = mode,
        .err = mode,
        .capture_limit = req->capture_limit,
        .keep_session = req->interactive && req->tty,
        .on_line = req->on_line ? exec_line : NULL,
        .on_done = exec_done,
        .user = x,
    };
    x->proc = d->host->spawn(d->host, &o, &e);
    strv_free(&argv);
    strv_free(&env);
    if (x->proc == NULL) {
        free(x);
        d->host->error_wrap(&e, "exec in container %s", c->name);
        fail(d, op, e);
        return;
    }
    x->next = d->execs;
    if (d->execs != NULL)
        d->execs->prev = x;
    d->execs = x;
    if (req->detach) {
        /* started: the op is done; the record stays until the child is reaped */
        x->op = NULL;
        x->ctr_id = xstrdup(c->id);
        struct berth_op_result r = {.exit_code = 0};
        d->host->op_complete(op, NULL, &r);
        return;
    }
    d->host->op_set_cancel(op, exec_cancel, x);
}

/* EVENTS: streams the driver's own events until cancelled. */
static void op_events(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct pwatch *w = watch_add(d, NULL, W_EVENTS, op);
    w->on_event = req->on_event;
    w->user = req->stream_user;
    w->filters = kv_copy(req->filters, req->n_filters);
    w->n_filters = w->filters ? req->n_filters : 0;
}

/* ------------------------------------------------- networks and volumes */

/* Index of the record named (or with id) ref, or n. */
static size_t rec_find(const struct precord *r, size_t n, const char *ref)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].name, ref) == 0 || (r[i].id != NULL && strcmp(r[i].id, ref) == 0))
            return i;
    return n;
}

/* Frees a record's strings. */
static void rec_clear(struct precord *r)
{
    free(r->id);
    free(r->name);
    free(r->driver);
    kv_free(r->labels, r->n_labels);
}

/* Network record as a result entry. */
static struct berth_network_info net_info(const struct precord *r)
{
    return (struct berth_network_info){.id = r->id, .name = r->name, .driver = r->driver,
                                       .internal = r->internal, .labels = r->labels,
                                       .n_labels = r->n_labels};
}

/* Volume record as a result entry. */
static struct berth_volume_info vol_info(const struct precord *r)
{
    return (struct berth_volume_info){.name = r->name, .driver = r->driver, .mountpoint = "",
                                      .labels = r->labels, .n_labels = r->n_labels};
}

/* NETWORK_CREATE: a record (processes share the host network). */
static void op_net_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    const struct berth_network_spec *s = req->network;
    if (s->name == NULL || *s->name == '\0') {
        fail(d, op, perr(d, BERTH_E_INVALID, "network-create: no network name"));
        return;
    }
    if (rec_find(d->nets, d->n_nets, s->name) < d->n_nets) {
        fail(d, op, perr(d, BERTH_E_EXISTS, "network with name %s already exists", s->name));
        return;
    }
    d->nets = xreallocarray_grow(d->nets, &d->cap_nets, d->n_nets + 1, sizeof(*d->nets));
    struct precord *r = &d->nets[d->n_nets++];
    *r = (struct precord){.id = random_id(), .name = xstrdup(s->name),
                          .driver = xstrdup(s->driver ? s->driver : "host"),
                          .internal = s->internal,
                          .labels = kv_copy(s->labels, s->n_labels)};
    r->n_labels = r->labels ? s->n_labels : 0;
    emit(d, "network", "create", r->id, r->name, -1, r->labels, r->n_labels, NULL, 0);
    struct berth_op_result res = {.id = r->id};
    d->host->op_complete(op, NULL, &res);
}

/* NETWORK_INSPECT. */
static void op_net_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    size_t i = rec_find(d->nets, d->n_nets, req->target);
    if (i == d->n_nets) {
        fail(d, op, perr(d, BERTH_E_NOT_FOUND, "network %s not found", req->target));
        return;
    }
    struct berth_network_info ni = net_info(&d->nets[i]);
    struct berth_op_result r = {.networks = &ni, .n_networks = 1};
    d->host->op_complete(op, NULL, &r);
}

/* NETWORK_LIST with label filters. */
static void op_net_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct berth_network_info *ni = xcalloc(d->n_nets ? d->n_nets : 1, sizeof(*ni));
    size_t k = 0;
    for (size_t i = 0; i < d->n_nets; i++)
        if (labels_match(d->nets[i].labels, d->nets[i].n_labels, req->filters, req->n_filters))
            ni[k++] = net_info(&d->nets[i]);
    struct berth_op_result r = {.networks = ni, .n_networks = k};
    d->host->op_complete(op, NULL, &r);
    free(ni);
}

/* NETWORK_REMOVE. */
static void op_net_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    size_t i = rec_find(d->nets, d->n_nets, req->target);
    if (i == d->n_nets) {
        fail(d, op, perr(d, BERTH_E_NOT_FOUND, "network %s not found", req->target));
        return;
    }
    struct precord r = d->nets[i];
    d->nets[i] = d->nets[--d->n_nets];
    emit(d, "network", "destroy", r.id, r.name, -1, r.labels, r.n_labels, NULL, 0);
    rec_clear(&r);
    ok(d, op);
}

/* VOLUME_CREATE: a record; creating an existing volume returns it, as docker does. */
static void op_vol_create(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    const struct berth_volume_spec *s = req->volume;
    struct berth_op_result res = {0};
    if (s->name == NULL || *s->name == '\0') {
        fail(d, op, perr(d, BERTH_E_INVALID, "volume-create: no volume name"));
        return;
    }
    size_t i = rec_find(d->vols, d->n_vols, s->name);
    if (i == d->n_vols) {
        d->vols = xreallocarray_grow(d->vols, &d->cap_vols, d->n_vols + 1, sizeof(*d->vols));
        struct precord *r = &d->vols[d->n_vols++];
        *r = (struct precord){.name = xstrdup(s->name),
                              .driver = xstrdup(s->driver ? s->driver : "local"),
                              .labels = kv_copy(s->labels, s->n_labels)};
        r->n_labels = r->labels ? s->n_labels : 0;
        emit(d, "volume", "create", r->name, r->name, -1, r->labels, r->n_labels, NULL, 0);
    }
    res.id = d->vols[i < d->n_vols ? i : d->n_vols - 1].name;
    d->host->op_complete(op, NULL, &res);
}

/* VOLUME_INSPECT. */
static void op_vol_inspect(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    size_t i = rec_find(d->vols, d->n_vols, req->target);
    if (i == d->n_vols) {
        fail(d, op, perr(d, BERTH_E_NOT_FOUND, "no such volume: %s", req->target));
        return;
    }
    struct berth_volume_info vi = vol_info(&d->vols[i]);
    struct berth_op_result r = {.volumes = &vi, .n_volumes = 1};
    d->host->op_complete(op, NULL, &r);
}

/* VOLUME_LIST with label filters. */
static void op_vol_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    struct berth_volume_info *vi = xcalloc(d->n_vols ? d->n_vols : 1, sizeof(*vi));
    size_t k = 0;
    for (size_t i = 0; i < d->n_vols; i++)
        if (labels_match(d->vols[i].labels, d->vols[i].n_labels, req->filters, req->n_filters))
            vi[k++] = vol_info(&d->vols[i]);
    struct berth_op_result r = {.volumes = vi, .n_volumes = k};
    d->host->op_complete(op, NULL, &r);
    free(vi);
}

/* VOLUME_REMOVE. */
static void op_vol_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct pdrv *d = state;
    size_t i = rec_find(d->vols, d->n_vols, req->target);
    if (i == d->n_vols) {
        fail(d, op, perr(d, BERTH_E_NOT_FOUND, "no such volume: %s", req->target));
        return;
    }
    struct precord r = d->vols[i];
    d->vols[i] = d->vols[--d->n_vols];
    emit(d, "volume", "destroy", r.name, r.name, -1, r.labels, r.n_labels, NULL, 0);
    rec_clear(&r);
    ok(d, op);
}

/* ------------------------------------------------------------ the table */

/* Creates the driver instance (one flavour: "process"). */
static int process_create(const struct berth_host *host, const char *flavour, void **state,
                          struct berth_error **err)
{
    if (flavour != NULL && strcmp(flavour, "process") != 0) {
        if (err != NULL && *err == NULL)
            *err = host->error_new(BERTH_E_INVALID, 0, "the process driver has no flavour '%s'",
                                   flavour);
        return -1;
    }
    struct pdrv *d = xcalloc(1, sizeof(*d));
    d->host = host;
    *state = d;
    return 0;
}

/* Destroys the instance: running processes are killed (SIGKILL to their groups). */
static void process_destroy(void *state)
{
    struct pdrv *d = state;
    while (d->execs != NULL) {
        d->host->proc_abandon(d->execs->proc);
        exec_free(d->execs);
    }
    while (d->ctrs != NULL) {
        struct pctr *c = d->ctrs;
        d->ctrs = c->next;
        if (c->proc != NULL) {
            d->host->proc_abandon(c->proc);
            c->proc = NULL;
            c->refs--;
        }
        ctr_free(c);
    }
    for (struct pwatch *w = d->subs, *next; w != NULL; w = next) {
        next = w->next;
        watch_free(w);
    }
    for (size_t i = 0; i < d->n_nets; i++)
        rec_clear(&d->nets[i]);
    free(d->nets);
    for (size_t i = 0; i < d->n_vols; i++)
        rec_clear(&d->vols[i]);
    free(d->vols);
    free(d);
}

static const enum berth_support process_caps[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_HEALTHCHECK] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_RESTART] = BERTH_SUPPORT_EMULATED,
    [BERTH_FEAT_EXEC] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_EVENTS] = BERTH_SUPPORT_NATIVE,
    [BERTH_FEAT_USER] = BERTH_SUPPORT_PARTIAL,
    [BERTH_FEAT_STOP_SIGNAL] = BERTH_SUPPORT_NATIVE,
    /* Everything else needs isolation a host process does not have. */
};

static const char *const process_flavours[] = {"process", NULL};

static const struct berth_backend_driver process_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "process",
    .description = "services as host processes (no image, no isolation)",
    .caps = process_caps,
    .caps_count = BERTH_FEAT_COUNT,
    .create = process_create,
    .destroy = process_destroy,
    .flavours = process_flavours,
    .ops =
        {
            [BERTH_OP_PROBE] = op_probe,
            [BERTH_OP_CONTAINER_CREATE] = op_create,
            [BERTH_OP_CONTAINER_START] = op_start,
            [BERTH_OP_CONTAINER_STOP] = op_stop,
            [BERTH_OP_CONTAINER_KILL] = op_kill,
            [BERTH_OP_CONTAINER_REMOVE] = op_remove,
            [BERTH_OP_CONTAINER_INSPECT] = op_inspect,
            [BERTH_OP_CONTAINER_LIST] = op_list,
            [BERTH_OP_CONTAINER_LOGS] = op_logs,
            [BERTH_OP_CONTAINER_WAIT] = op_wait,
            [BERTH_OP_CONTAINER_EXEC] = op_exec,
            [BERTH_OP_NETWORK_CREATE] = op_net_create,
            [BERTH_OP_NETWORK_INSPECT] = op_net_inspect,
            [BERTH_OP_NETWORK_REMOVE] = op_net_remove,
            [BERTH_OP_NETWORK_LIST] = op_net_list,
            [BERTH_OP_VOLUME_CREATE] = op_vol_create,
            [BERTH_OP_VOLUME_INSPECT] = op_vol_inspect,
            [BERTH_OP_VOLUME_REMOVE] = op_vol_remove,
            [BERTH_OP_VOLUME_LIST] = op_vol_list,
            [BERTH_OP_EVENTS] = op_events,
        },
};

/* The process driver's table (registered by the plugin host as a built-in). */
const struct berth_backend_driver *process_backend_driver(void)
{
    return &process_driver;
}
