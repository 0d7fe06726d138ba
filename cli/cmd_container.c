/*
 * berth container: single containers, docker CLI style, on the selected
 * backend (include/berth/container.h). Output (tables, JSON) has the same
 * shape whatever the backend: every column is computed here from the
 * normalised records.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/ccli.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/table.h"

/* docker's exit code when run/create fails before the container runs. */
#define RUN_FAILED 125

/* ------------------------------------------------------------- helpers */

/* Strings made while parsing flags, freed together. */
struct pool {
    char **v;
    size_t n, cap;
};

/* Keeps s (malloc'ed) until pool_free; returns it. */
static char *pool_take(struct pool *p, char *s)
{
    if (s == NULL)
        abort();
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = realloc(p->v, p->cap * sizeof(*p->v));
        if (p->v == NULL)
            abort();
    }
    p->v[p->n++] = s;
    return s;
}

/* A pooled copy of len bytes of s. */
static char *pool_ndup(struct pool *p, const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d == NULL)
        abort();
    memcpy(d, s, len);
    d[len] = '\0';
    return pool_take(p, d);
}

/* Pooled zeroed memory. */
static void *pool_alloc(struct pool *p, size_t n)
{
    char *d = calloc(1, n ? n : 1);
    return pool_take(p, d);
}

/* Frees everything pooled. */
static void pool_free(struct pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

/* Writes a streamed line to stdout or stderr. */
static void print_line(void *user, enum berth_stream stream, const char *line, size_t len,
                       bool complete)
{
    (void)user;
    FILE *f = stream == BERTH_STDERR ? stderr : stdout;
    fwrite(line, 1, len, f);
    if (complete)
        fputc('\n', f);
    fflush(f);
}

/* Parses a whole decimal number into a port (1..65535). */
static bool parse_port(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* True when s[0..len) is a port or a port range "8000-8010". */
static bool port_or_range(const char *s, size_t len)
{
    const char *dash = memchr(s, '-', len);
    uint16_t a, b;
    if (dash == NULL)
        return parse_port(s, len, &a);
    return parse_port(s, (size_t)(dash - s), &a) &&
           parse_port(dash + 1, len - (size_t)(dash - s) - 1, &b) && a <= b;
}

/* -p [[IP:]HOSTPORT:]CONTAINERPORT[/PROTO] ("[::1]:8080:80" for IPv6). */
static int parse_publish(const char *cmd, const char *arg, struct berth_port_spec *out,
                         struct pool *pool)
{
    memset(out, 0, sizeof(*out));
    const char *s = arg;
    const char *slash = strrchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (slash != NULL) {
        const char *proto = slash + 1;
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
            goto bad;
        out->protocol = proto;
    }
    const char *ip = NULL;
    size_t ip_len = 0;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (close == NULL || close[1] != ':')
            goto bad;
        ip = s + 1;
        ip_len = (size_t)(close - s) - 1;
        len -= (size_t)(close - s) + 2;
        s = close + 2;
    }
    /* What is left: [IP:][HOST:]CTR */
    const char *last = NULL;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ':')
            last = s + i;
    const char *ctr = last ? last + 1 : s;
    size_t ctr_len = len - (size_t)(ctr - s);
    if (!parse_port(ctr, ctr_len, &out->target))
        goto bad;
    if (last != NULL) {
        const char *first = memchr(s, ':', len);
        const char *host = s;
        size_t host_len = (size_t)(last - s);
        if (first != last) {
            if (ip != NULL)
                goto bad;
            ip = s;
            ip_len = (size_t)(first - s);
            host = first + 1;
            host_len = (size_t)(last - first) - 1;
        }
        if (host_len > 0) {
            if (!port_or_range(host, host_len))
                goto bad;
            out->published = pool_ndup(pool, host, host_len);
        }
    }
    if (ip != NULL && ip_len > 0)
        out->host_ip = pool_ndup(pool, ip, ip_len);
    return 0;
bad:
    return cli_usage_error("write -p [[IP:]HOSTPORT:]CONTAINERPORT[/tcp|udp], e.g. -p 8080:80",
                           "%s: -p: invalid port mapping '%s'", cmd, arg);
}

/* -v SOURCE:TARGET[:OPTIONS] or -v TARGET (an anonymous volume). */
static int parse_volume(const char *cmd, const char *arg, struct berth_mount_spec *out,
                        struct pool *pool)
{
    memset(out, 0, sizeof(*out));
    const char *c1 = strchr(arg, ':');
    if (c1 == NULL) {
        if (arg[0] != '/')
            goto bad;
        out->type = BERTH_MOUNT_VOLUME;
        out->target = arg;
        return 0;
    }
    const char *c2 = strchr(c1 + 1, ':');
    const char *src = pool_ndup(pool, arg, (size_t)(c1 - arg));
    const char *dst = c2 ? pool_ndup(pool, c1 + 1, (size_t)(c2 - c1) - 1) : c1 + 1;
    if (*src == '\0' || dst[0] != '/')
        goto bad;
    out->source = src;
    out->target = dst;
    bool bind = src[0] == '/' || src[0] == '.' || src[0] == '~';
    out->type = bind ? BERTH_MOUNT_BIND : BERTH_MOUNT_VOLUME;
    if (bind && src[0] != '/') {
        char *abs = realpath(src, NULL);
        if (abs == NULL)
            return cli_usage_error("give an existing path (relative paths start with ./)",
                                   "%s: -v: bind source '%s': %s", cmd, src, strerror(errno));
        out->source = pool_take(pool, abs);
    }
    if (c2 != NULL) {
        char *opts = pool_ndup(pool, c2 + 1, strlen(c2 + 1));
        for (char *save = NULL, *o = strtok_r(opts, ",", &save); o != NULL;
             o = strtok_r(NULL, ",", &save)) {
            if (strcmp(o, "ro") == 0)
                out->read_only = true;
            else if (strcmp(o, "rw") == 0)
                out->read_only = false;
            else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
                out->selinux = strcmp(o, "z") == 0 ? "z" : "Z";
            else if (strcmp(o, "nocopy") == 0)
                out->no_copy = true;
            else if (strstr(o, "private") || strstr(o, "shared") || strstr(o, "slave"))
                out->propagation = o;
            else
                return cli_usage_error("use ro, rw, z, Z, nocopy or a propagation mode",
                                       "%s: -v: unknown option '%s' in '%s'", cmd, o, arg);
        }
    }
    return 0;
bad:
    return cli_usage_error("write -v NAME:/path, -v /host/path:/path[:ro] or -v /path",
                           "%s: -v: invalid volume '%s'", cmd, arg);
}

/* docker's RAMInBytes: 512, 512k, 64m, 1g (binary units). */
static bool parse_bytes(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || v < 0)
        return false;
    int64_t mult = 1;
    if (*end != '\0') {
        switch (tolower((unsigned char)*end)) {
        case 'b':
            break;
        case 'k':
            mult = 1024;
            break;
        case 'm':
            mult = 1024 * 1024;
            break;
        case 'g':
            mult = 1024LL * 1024 * 1024;
            break;
        default:
            return false;
        }
        end++;
        if (*end == 'b' || *end == 'B')
            end++;
        if (*end != '\0')
            return false;
    }
    *out = (int64_t)(v * (double)mult);
    return true;
}

/* A list's vector, or NULL when empty. */
static const char *const *list_or_null(const struct cli_list *l)
{
    return l->n > 0 ? l->v : NULL;
}

/* --filter label=K[=V], name=TEXT, status=STATE. */
struct ls_filter {
    struct berth_kv *labels;
    size_t n_labels;
    struct cli_list names, states;
};

/* Parses the --filter list. */
static int parse_filters(const char *cmd, const struct cli_list *in, struct ls_filter *f,
                         struct pool *pool)
{
    memset(f, 0, sizeof(*f));
    f->labels = pool_alloc(pool, (in->n + 1) * sizeof(*f->labels));
    for (size_t i = 0; i < in->n; i++) {
        const char *s = in->v[i];
        if (strncmp(s, "label=", 6) == 0 && s[6] != '\0' && s[6] != '=') {
            const char *kv = s + 6;
            const char *eq = strchr(kv, '=');
            struct berth_kv *l = &f->labels[f->n_labels++];
            l->key = eq ? pool_ndup(pool, kv, (size_t)(eq - kv)) : kv;
            l->value = eq ? eq + 1 : NULL;
        } else if (strncmp(s, "name=", 5) == 0) {
            cli_list_push(&f->names, s + 5);
        } else if (strncmp(s, "status=", 7) == 0) {
            cli_list_push(&f->states, s + 7);
        } else {
            return cli_usage_error("use label=KEY[=VALUE], name=TEXT or status=STATE",
                                   "%s: --filter: unsupported filter '%s'", cmd, s);
        }
    }
    return 0;
}

/* Frees the filter lists (the labels are pooled). */
static void filters_free(struct ls_filter *f)
{
    free(f->names.v);
    free(f->states.v);
}

/* Whether a listed container passes the client-side filters (name, status). */
static bool filter_keep(const struct ls_filter *f, const struct berth_container_info *ci)
{
    if (f->names.n > 0) {
        bool ok = false;
        for (size_t i = 0; i < f->names.n; i++)
            ok = ok || (ci->name != NULL && strstr(ci->name, f->names.v[i]) != NULL);
        if (!ok)
            return false;
    }
    if (f->states.n > 0) {
        bool ok = false;
        for (size_t i = 0; i < f->states.n; i++)
            ok = ok || strcmp(berth_cstate_name(ci->state), f->states.v[i]) == 0;
        if (!ok)
            return false;
    }
    return true;
}

/* --------------------------------------------------------- run / create */

/* Flags of run and create. */
struct run_flags {
    bool detach, rm, read_only, privileged, init, tty, interactive;
    const char *name, *user, *workdir, *entrypoint, *stop_signal, *hostname, *platform;
    const char *memory, *userns, *select_mode, *cpus_text;
    int stop_timeout, pids_limit;
    struct cli_list env, publish, volume, label, network, alias, cap_add, cap_drop, security_opt,
        tmpfs, dns, add_host;
};

/* The flag table of run (detach) or create. */
static void run_flag_table(struct run_flags *f, bool run, struct flag *t)
{
    size_t i = 0;
    if (run)
        t[i++] = (struct flag){"detach", 'd', FLAG_BOOL, &f->detach, NULL,
                               "Run container in background and print container ID"};
    t[i++] = (struct flag){"name", 0, FLAG_STRING, &f->name, "string", "Assign a name to the container"};
    t[i++] = (struct flag){"env", 'e', FLAG_LIST, &f->env, "list", "Set environment variables"};
    t[i++] = (struct flag){"publish", 'p', FLAG_LIST, &f->publish, "list",
                           "Publish a container's port(s) to the host"};
    t[i++] = (struct flag){"volume", 'v', FLAG_LIST, &f->volume, "list", "Bind mount a volume"};
    t[i++] = (struct flag){"tmpfs", 0, FLAG_LIST, &f->tmpfs, "list", "Mount a tmpfs directory"};
    t[i++] = (struct flag){"label", 'l', FLAG_LIST, &f->label, "list",
                           "Set meta data on a container"};
    t[i++] = (struct flag){"network", 0, FLAG_LIST, &f->network, "network",
                           "Connect a container to a network"};
    t[i++] = (struct flag){"network-alias", 0, FLAG_LIST, &f->alias, "list",
                           "Add network-scoped alias for the container"};
    t[i++] = (struct flag){"user", 'u', FLAG_STRING, &f->user, "string",
                           "Username or UID (format: <name|uid>[:<group|gid>])"};
    t[i++] = (struct flag){"workdir", 'w', FLAG_STRING, &f->workdir, "string",
                           "Working directory inside the container"};
    t[i++] = (struct flag){"entrypoint", 0, FLAG_STRING, &f->entrypoint, "string",
                           "Overwrite the default ENTRYPOINT of the image"};
    t[i++] = (struct flag){"read-only", 0, FLAG_BOOL, &f->read_only, NULL,
                           "Mount the container's root filesystem as read only"};
    t[i++] = (struct flag){"privileged", 0, FLAG_BOOL, &f->privileged, NULL,
                           "Give extended privileges to this container"};
    t[i++] = (struct flag){"init", 0, FLAG_BOOL, &f->init, NULL,
                           "Run an init inside the container"};
    t[i++] = (struct flag){"cap-add", 0, FLAG_LIST, &f->cap_add, "list", "Add Linux capabilities"};
    t[i++] = (struct flag){"cap-drop", 0, FLAG_LIST, &f->cap_drop, "list",
                           "Drop Linux capabilities"};
    t[i++] = (struct flag){"security-opt", 0, FLAG_LIST, &f->security_opt, "list",
                           "Security Options"};
    t[i++] = (struct flag){"rm", 0, FLAG_BOOL, &f->rm, NULL,
                           "Automatically remove the container when it exits"};
    t[i++] = (struct flag){"stop-signal", 0, FLAG_STRING, &f->stop_signal, "string",
                           "Signal to stop the container"};
    t[i++] = (struct flag){"stop-timeout", 0, FLAG_INT, &f->stop_timeout, "int",
                           "Timeout (in seconds) to stop a container"};
    t[i++] = (struct flag){"hostname", 0, FLAG_STRING, &f->hostname, "string",
                           "Container host name"};
    t[i++] = (struct flag){"memory", 'm', FLAG_STRING, &f->memory, "bytes", "Memory limit"};
    t[i++] = (struct flag){"cpus", 0, FLAG_STRING, &f->cpus_text, "decimal", "Number of CPUs"};
    t[i++] = (struct flag){"pids-limit", 0, FLAG_INT, &f->pids_limit, "int",
                           "Tune container pids limit (set -1 for unlimited)"};
    t[i++] = (struct flag){"userns", 0, FLAG_STRING, &f->userns, "string",
                           "User namespace to use"};
    t[i++] = (struct flag){"dns", 0, FLAG_LIST, &f->dns, "list", "Set custom DNS servers"};
    t[i++] = (struct flag){"add-host", 0, FLAG_LIST, &f->add_host, "list",
                           "Add a custom host-to-IP mapping (host:ip)"};
    t[i++] = (struct flag){"platform", 0, FLAG_STRING, &f->platform, "string",
                           "Set platform if server is multi-platform capable"};
    t[i++] = (struct flag){"tty", 't', FLAG_BOOL, &f->tty, NULL, "Allocate a pseudo-TTY"};
    t[i++] = (struct flag){"interactive", 'i', FLAG_BOOL, &f->interactive, NULL,
                           "Keep STDIN open even if not attached"};
    t[i++] = (struct flag){"select-mode", 0, FLAG_STRING, &f->select_mode, "mode",
                           "Choose the backend by the features this container uses: "
                           "strict-native, accept-emulated or accept-partial"};
    t[i++] = (struct flag){NULL, 0, 0, NULL, NULL, NULL};
}

/* Builds the spec from the flags and IMAGE [COMMAND...]; 0 or a usage exit code. */
static int build_spec(const char *cmd, struct run_flags *f, const struct cli_list *args,
                      struct berth_container_spec *spec, struct pool *pool,
                      struct berth_kv **env, struct berth_kv **labels)
{
    memset(spec, 0, sizeof(*spec));
    spec->stop_grace_seconds = -1;
    spec->image = args->v[0];
    if (args->n > 1)
        spec->command = args->v + 1; /* NULL-terminated by cli_list */
    spec->name = f->name;
    int rc = args_kv(&f->env, "-e", env);
    if (rc != 0)
        return rc;
    spec->env = *env;
    spec->n_env = f->env.n;
    rc = args_kv(&f->label, "-l", labels);
    if (rc != 0)
        return rc;
    spec->labels = *labels;
    spec->n_labels = f->label.n;
    struct berth_port_spec *ports = pool_alloc(pool, (f->publish.n + 1) * sizeof(*ports));
    for (size_t i = 0; i < f->publish.n; i++)
        if ((rc = parse_publish(cmd, f->publish.v[i], &ports[i], pool)) != 0)
            return rc;
    spec->ports = ports;
    spec->n_ports = f->publish.n;
    size_t nm = f->volume.n + f->tmpfs.n;
    struct berth_mount_spec *mounts = pool_alloc(pool, (nm + 1) * sizeof(*mounts));
    for (size_t i = 0; i < f->volume.n; i++)
        if ((rc = parse_volume(cmd, f->volume.v[i], &mounts[i], pool)) != 0)
            return rc;
    for (size_t i = 0; i < f->tmpfs.n; i++) {
        struct berth_mount_spec *m = &mounts[f->volume.n + i];
        const char *t = f->tmpfs.v[i];
        const char *colon = strchr(t, ':');
        m->type = BERTH_MOUNT_TMPFS;
        m->target = colon ? pool_ndup(pool, t, (size_t)(colon - t)) : t;
        m->tmpfs_options = colon ? colon + 1 : NULL;
        if (m->target[0] != '/')
            return cli_usage_error("write --tmpfs /path[:options]",
                                   "%s: --tmpfs: '%s' is not an absolute path", cmd, t);
    }
    spec->mounts = mounts;
    spec->n_mounts = nm;
    /* networks: "none"/"host"/"container:x" are modes, others are attachments */
    struct berth_network_attach *nets =
        pool_alloc(pool, (f->network.n + 1) * sizeof(*nets));
    size_t nn = 0;
    for (size_t i = 0; i < f->network.n; i++) {
        const char *n = f->network.v[i];
        if (strcmp(n, "none") == 0 || strcmp(n, "host") == 0 ||
            strncmp(n, "container:", 10) == 0) {
            if (f->network.n > 1)
                return cli_usage_error("give one --network with none, host or container:NAME",
                                       "%s: --network %s cannot be combined with other networks",
                                       cmd, n);
            spec->network_mode = n;
            continue;
        }
        nets[nn].name = n;
        nn++;
    }
    if (f->alias.n > 0) {
        if (nn == 0)
            return cli_usage_error("add --network NAME: aliases belong to a user network",
                                   "%s: --network-alias needs a --network", cmd);
        nets[0].aliases = f->alias.v;
    }
    spec->networks = nn ? nets : NULL;
    spec->n_networks = nn;
    spec->user = f->user;
    spec->workdir = f->workdir;
    spec->hostname = f->hostname;
    spec->read_only = f->read_only;
    spec->privileged = f->privileged;
    spec->init = f->init;
    spec->tty = f->tty;
    spec->stdin_open = f->interactive;
    spec->rm = f->rm;
    spec->cap_add = list_or_null(&f->cap_add);
    spec->cap_drop = list_or_null(&f->cap_drop);
    spec->security_opt = list_or_null(&f->security_opt);
    spec->dns = list_or_null(&f->dns);
    spec->extra_hosts = list_or_null(&f->add_host);
    spec->platform = f->platform;
    spec->userns_mode = f->userns;
    if (f->entrypoint != NULL) {
        const char **ep = pool_alloc(pool, 2 * sizeof(*ep));
        ep[0] = *f->entrypoint ? f->entrypoint : NULL; /* "" clears the image's entrypoint */
        spec->entrypoint = ep;
    }
    if (f->stop_signal != NULL) {
        if (format_signal(f->stop_signal) < 0)
            return cli_usage_error("use a signal name such as SIGTERM or a number",
                                   "%s: --stop-signal: unknown signal '%s'", cmd, f->stop_signal);
        spec->stop_signal = f->stop_signal;
    }
    if (f->stop_timeout != INT_MIN)
        spec->stop_grace_seconds = f->stop_timeout;
    if (f->memory != NULL && !parse_bytes(f->memory, &spec->resources.memory))
        return cli_usage_error("write a size such as 512m or 1g", "%s: -m: invalid size '%s'",
                               cmd, f->memory);
    if (f->cpus_text != NULL) {
        char *end;
        spec->resources.cpus = strtod(f->cpus_text, &end);
        if (*f->cpus_text == '\0' || *end != '\0' || spec->resources.cpus < 0)
            return cli_usage_error("write a decimal number such as 1.5",
                                   "%s: --cpus: invalid value '%s'", cmd, f->cpus_text);
    }
    spec->resources.pids_limit = f->pids_limit;
    return 0;
}

/* The state of a run/create command. */
struct run_cmd {
    struct ccli c;
    struct berth_container_spec spec;
    struct berth_select_options sel;
    bool use_sel;
    bool create_only;
    bool detach;
    struct berth_container_op *op;
    const char *name;
    char *id;
};

static void run_done(const struct berth_container_result *res, void *user);

/* Starts the create or run operation. */
static void run_launch(struct run_cmd *r)
{
    struct berth_error *e = NULL;
    if (r->create_only) {
        r->op = berth_container_create(r->c.eng, &r->spec, run_done, r, &e);
    } else {
        struct berth_container_run_options o = {.detach = r->detach, .on_line = print_line};
        r->op = berth_container_run(r->c.eng, &r->spec, &o, run_done, r, &e);
    }
    if (r->op == NULL) {
        ccli_print_error(e);
        berth_error_free(e);
        ccli_finish(&r->c, RUN_FAILED);
    }
}

/* Capability selection finished: run on its choice. */
static void run_selected(const struct berth_container_result *res, void *user)
{
    struct run_cmd *r = user;
    r->op = NULL;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&r->c, RUN_FAILED);
        return;
    }
    if (r->c.g->verbose)
        fprintf(stderr, "berth: backend %s chosen for this container (%s)\n", res->backend,
                berth_select_mode_name(r->sel.mode));
    run_launch(r);
}

/* run/create finished. */
static void run_done(const struct berth_container_result *res, void *user)
{
    struct run_cmd *r = user;
    r->op = NULL;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&r->c, r->c.signals > 0 ? CLI_EXIT_INTERRUPTED : RUN_FAILED);
        return;
    }
    if (r->create_only || r->detach) {
        printf("%s\n", res->id ? res->id : "");
        if (res->backend != NULL && strcmp(res->backend, "process") == 0)
            fprintf(stderr, "berth: warning: the process backend keeps containers only while "
                            "this berth runs: this one ends with it (run it attached, or use "
                            "a container runtime)\n");
        ccli_finish(&r->c, CLI_EXIT_OK);
        return;
    }
    ccli_finish(&r->c, res->exit_code);
}

/* Ctrl-C during an attached run: forwarded to the container once; again: stop waiting. */
static void run_signal(struct ccli *c, int signo, int count, void *user)
{
    struct run_cmd *r = user;
    if (r->op == NULL) {
        ccli_finish(c, CLI_EXIT_INTERRUPTED);
        return;
    }
    bool attached = !r->create_only && !r->detach;
    if (attached && count == 1 && r->name != NULL) {
        struct berth_error *e = NULL;
        if (berth_container_kill(c->eng, r->name, signo, NULL, NULL, &e) == NULL)
            berth_error_free(e);
        return;
    }
    berth_container_op_cancel(r->op);
    if (attached && r->name != NULL)
        fprintf(stderr, "berth: stopped waiting; container %s may still run "
                        "(berth container stop %s)\n",
                r->name, r->name);
}

/* container run / container create. */
static int ctr_run_or_create(struct cli_globals *g, int argc, char **argv, bool run)
{
    struct run_flags f = {0};
    f.stop_timeout = INT_MIN; /* not given */
    struct flag table[40];
    run_flag_table(&f, run, table);
    const struct flags_cmd spec = {run ? "container run" : "container create",
                                   "[OPTIONS] IMAGE [COMMAND] [ARG...]",
                                   run ? "Create and run a new container from an image"
                                       : "Create a new container",
                                   table, true, 1, -1};
    struct cli_list args = {0};
    struct pool pool = {0};
    struct berth_kv *env = NULL, *labels = NULL;
    struct run_cmd r = {0};
    int rc = flags_parse(&spec, argc, argv, &args);
    if (rc == 0 && f.stop_timeout != INT_MIN && f.stop_timeout < 0)
        rc = cli_usage_error("give 0 or more seconds", "%s: --stop-timeout: invalid value %d",
                             spec.name, f.stop_timeout);
    if (rc == 0)
        rc = build_spec(spec.name, &f, &args, &r.spec, &pool, &env, &labels);
    if (rc == 0 && f.tty)
        rc = cli_usage_error("run without -t: berth streams output line by line",
                             "%s: -t/--tty is not supported", spec.name);
    if (rc == 0 && f.detach && f.rm && !run)
        rc = cli_usage_error(NULL, "%s: --rm with --detach", spec.name);
    if (rc == 0 && f.select_mode != NULL) {
        struct berth_error *e = NULL;
        if (berth_select_mode_parse(f.select_mode, &r.sel.mode, &e) < 0) {
            rc = cli_usage_error(berth_error_hint(e), "%s: --select-mode: %s", spec.name,
                                 berth_error_cause(e));
            berth_error_free(e);
        }
        r.use_sel = true;
        r.sel.apply = true;
    }
    if (rc != 0)
        goto out;
    rc = ccli_open(&r.c, g);
    if (rc != 0) {
        rc = RUN_FAILED;
        goto out;
    }
    r.create_only = !run;
    r.detach = f.detach;
    r.name = f.name;
    ccli_signals(&r.c, run_signal, &r);
    if (r.use_sel) {
        struct berth_error *e = NULL;
        r.op = berth_select_by_capability(r.c.eng, &r.spec, &r.sel, run_selected, &r, &e);
        if (r.op == NULL) {
            ccli_print_error(e);
            berth_error_free(e);
            ccli_finish(&r.c, RUN_FAILED);
        }
    } else {
        run_launch(&r);
    }
    rc = ccli_run(&r.c);
    ccli_close(&r.c);
out:
    args_kv_free(env, f.env.n);
    args_kv_free(labels, f.label.n);
    pool_free(&pool);
    free(args.v);
    struct cli_list *lists[] = {&f.env,    &f.publish, &f.volume,       &f.label,
                                &f.network, &f.alias,  &f.cap_add,      &f.cap_drop,
                                &f.security_opt, &f.tmpfs, &f.dns, &f.add_host};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        free(lists[i]->v);
    return flags_exit(rc);
}

/* container run: create and start (attached or -d). */
static int ctr_run(struct cli_globals *g, int argc, char **argv)
{
    return ctr_run_or_create(g, argc, argv, true);
}

/* container create: create only, print the id. */
static int ctr_create(struct cli_globals *g, int argc, char **argv)
{
    return ctr_run_or_create(g, argc, argv, false);
}

/* ----------------------------------------------- start, stop, kill, rm, wait */

enum multi_kind { M_START, M_STOP, M_KILL, M_RM, M_WAIT, M_INSPECT };

static json_t *container_json(const struct berth_container_info *ci);

/* One operation per named container, one after the other (output in argument order). */
struct multi {
    struct ccli c;
    enum multi_kind kind;
    const char *const *names;
    size_t n, i;
    int timeout, signal;
    bool force, volumes;
    int rc;
    struct berth_container_op *op;
    json_t *inspected;
};

static void multi_next(struct multi *m);

/* One container is done. */
static void multi_done(const struct berth_container_result *res, void *user)
{
    struct multi *m = user;
    m->op = NULL;
    const char *name = m->names[m->i];
    if (res->error != NULL) {
        ccli_print_error_of(res->error, "container", name);
        m->rc = res->error != NULL && berth_error_code(res->error) == BERTH_E_CANCELLED
                    ? CLI_EXIT_INTERRUPTED
                    : CLI_EXIT_FAILURE;
    } else if (m->kind == M_WAIT) {
        printf("%d\n", res->exit_code);
    } else if (m->kind == M_INSPECT) {
        for (size_t i = 0; i < res->n_containers; i++)
            json_array_append_new(m->inspected, container_json(&res->containers[i]));
    } else {
        printf("%s\n", name);
    }
    fflush(stdout);
    m->i++;
    if (m->c.signals > 0) {
        ccli_finish(&m->c, CLI_EXIT_INTERRUPTED);
        return;
    }
    multi_next(m);
}

/* Starts the operation of the next name, or finishes. */
static void multi_next(struct multi *m)
{
    while (m->i < m->n) {
        const char *name = m->names[m->i];
        struct berth_error *e = NULL;
        switch (m->kind) {
        case M_START:
            m->op = berth_container_start(m->c.eng, name, multi_done, m, &e);
            break;
        case M_STOP:
            m->op = berth_container_stop(m->c.eng, name, m->timeout, m->signal, multi_done, m, &e);
            break;
        case M_KILL:
            m->op = berth_container_kill(m->c.eng, name, m->signal, multi_done, m, &e);
            break;
        case M_RM:
            m->op = berth_container_remove(m->c.eng, name, m->force, m->volumes, multi_done, m,
                                           &e);
            break;
        case M_WAIT:
            m->op = berth_container_wait(m->c.eng, name, 0, multi_done, m, &e);
            break;
        case M_INSPECT:
            m->op = berth_container_inspect(m->c.eng, name, multi_done, m, &e);
            break;
        }
        if (m->op != NULL)
            return;
        ccli_print_error(e);
        berth_error_free(e);
        m->rc = CLI_EXIT_FAILURE;
        m->i++;
    }
    ccli_finish(&m->c, m->rc);
}

/* Ctrl-C: cancel the current operation; the rest is skipped. */
static void multi_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    (void)count;
    struct multi *m = user;
    if (m->op != NULL)
        berth_container_op_cancel(m->op);
    else
        ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* Runs a multi command over names. */
static int multi_run(struct cli_globals *g, struct multi *m, const struct cli_list *names)
{
    int rc = ccli_open(&m->c, g);
    if (rc != 0)
        return rc;
    m->names = names->v;
    m->n = names->n;
    ccli_signals(&m->c, multi_signal, m);
    multi_next(m);
    rc = ccli_run(&m->c);
    ccli_close(&m->c);
    return rc;
}

/* container start NAME... */
static int ctr_start(struct cli_globals *g, int argc, char **argv)
{
    const struct flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
    const struct flags_cmd spec = {"container start", "CONTAINER [CONTAINER...]",
                                   "Start one or more stopped containers", flags, false, 1, -1};
    struct cli_list names = {0};
    int rc = flags_parse(&spec, argc, argv, &names);
    if (rc == 0) {
        struct multi m = {.kind = M_START};
        rc = multi_run(g, &m, &names);
    }
    free(names.v);
    return flags_exit(rc);
}

/* Parses --signal into *sig (0 when not given). */
static int parse_signal_flag(const char *cmd, const char *text, int *sig)
{
    *sig = 0;
    if (text == NULL)
        return 0;
    *sig = format_signal(text);
    if (*sig < 0)
        return cli_usage_error("use a signal name such as SIGTERM, or its number",
                               "%s: --signal: unknown signal '%s'", cmd, text);
    return 0;
}

/* container stop [-t N] [-s SIG] NAME... */
static int ctr_stop(struct cli_globals *g, int argc, char **argv)
{
    int timeout = -1;
    const char *signal = NULL;
    const struct flag flags[] = {
        {"time", 't', FLAG_INT, &timeout, "int", "Seconds to wait before killing the container"},
        {"timeout", 0, FLAG_INT, &timeout, "int", "Seconds to wait before killing the container"},
        {"signal", 's', FLAG_STRING, &signal, "string", "Signal to send to the container"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container stop", "[OPTIONS] CONTAINER [CONTAINER...]",
                                   "Stop one or more running containers", flags, false, 1, -1};
    struct cli_list names = {0};
    int sig = 0;
    int rc = flags_parse(&spec, argc, argv, &names);
    if (rc == 0)
        rc = parse_signal_flag(spec.name, signal, &sig);
    if (rc == 0 && timeout < -1)
        rc = cli_usage_error("give 0 or more seconds", "%s: --time: invalid value %d", spec.name,
                             timeout);
    if (rc == 0) {
        struct multi m = {.kind = M_STOP, .timeout = timeout, .signal = sig};
        rc = multi_run(g, &m, &names);
    }
    free(names.v);
    return flags_exit(rc);
}

/* container kill [-s SIG] NAME... */
static int ctr_kill(struct cli_globals *g, int argc, char **argv)
{
    const char *signal = NULL;
    const struct flag flags[] = {
        {"signal", 's', FLAG_STRING, &signal, "string", "Signal to send to the container"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container kill", "[OPTIONS] CONTAINER [CONTAINER...]",
                                   "Kill one or more running containers", flags, false, 1, -1};
    struct cli_list names = {0};
    int sig = 0;
    int rc = flags_parse(&spec, argc, argv, &names);
    if (rc == 0)
        rc = parse_signal_flag(spec.name, signal, &sig);
    if (rc == 0) {
        struct multi m = {.kind = M_KILL, .signal = sig};
        rc = multi_run(g, &m, &names);
    }
    free(names.v);
    return flags_exit(rc);
}

/* container rm [-f] [-v] NAME... */
static int ctr_rm(struct cli_globals *g, int argc, char **argv)
{
    bool force = false, volumes = false;
    const struct flag flags[] = {
        {"force", 'f', FLAG_BOOL, &force, NULL, "Force the removal of a running container"},
        {"volumes", 'v', FLAG_BOOL, &volumes, NULL,
         "Remove anonymous volumes associated with the container"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container rm", "[OPTIONS] CONTAINER [CONTAINER...]",
                                   "Remove one or more containers", flags, false, 1, -1};
    struct cli_list names = {0};
    int rc = flags_parse(&spec, argc, argv, &names);
    if (rc == 0) {
        struct multi m = {.kind = M_RM, .force = force, .volumes = volumes};
        rc = multi_run(g, &m, &names);
    }
    free(names.v);
    return flags_exit(rc);
}

/* container wait NAME...: prints each exit code. */
static int ctr_wait(struct cli_globals *g, int argc, char **argv)
{
    const struct flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
    const struct flags_cmd spec = {"container wait", "CONTAINER [CONTAINER...]",
                                   "Block until one or more containers stop, then print their "
                                   "exit codes",
                                   flags, false, 1, -1};
    struct cli_list names = {0};
    int rc = flags_parse(&spec, argc, argv, &names);
    if (rc == 0) {
        struct multi m = {.kind = M_WAIT};
        rc = multi_run(g, &m, &names);
    }
    free(names.v);
    return flags_exit(rc);
}

/* ------------------------------------------------------------- inspect */

/* A container as `container inspect` prints it (docker's layout, normalised values). */
static json_t *container_json(const struct berth_container_info *ci)
{
    char t[64];
    json_t *o = json_object();
    json_object_set_new(o, "Id", json_string(ci->id ? ci->id : ""));
    ccli_rfc3339(ci->created_at, t, sizeof(t));
    json_object_set_new(o, "Created", json_string(t));
    json_object_set_new(o, "Name", json_string(ci->name ? ci->name : ""));
    json_object_set_new(o, "Image", json_string(ci->image ? ci->image : ""));
    json_object_set_new(o, "ImageID", json_string(ci->image_id ? ci->image_id : ""));
    json_t *st = json_object();
    json_object_set_new(st, "Status", json_string(berth_cstate_name(ci->state)));
    json_object_set_new(st, "Running", json_boolean(ci->state == BERTH_CSTATE_RUNNING ||
                                                    ci->state == BERTH_CSTATE_PAUSED));
    json_object_set_new(st, "Paused", json_boolean(ci->state == BERTH_CSTATE_PAUSED));
    json_object_set_new(st, "Restarting", json_boolean(ci->state == BERTH_CSTATE_RESTARTING));
    json_object_set_new(st, "Dead", json_boolean(ci->state == BERTH_CSTATE_DEAD));
    json_object_set_new(st, "Pid", json_integer(ci->pid));
    json_object_set_new(st, "ExitCode", json_integer(ci->exit_code));
    ccli_rfc3339(ci->started_at, t, sizeof(t));
    json_object_set_new(st, "StartedAt", json_string(t));
    ccli_rfc3339(ci->finished_at, t, sizeof(t));
    json_object_set_new(st, "FinishedAt", json_string(t));
    json_t *health = json_object();
    json_object_set_new(health, "Status", json_string(berth_health_name(ci->health)));
    json_object_set_new(st, "Health", health);
    json_object_set_new(o, "State", st);
    json_t *cfg = json_object();
    json_t *cmd = json_array();
    for (size_t i = 0; ci->command != NULL && ci->command[i] != NULL; i++)
        json_array_append_new(cmd, json_string(ci->command[i]));
    json_object_set_new(cfg, "Cmd", cmd);
    json_object_set_new(cfg, "Labels", ccli_labels_json(ci->labels, ci->n_labels));
    json_object_set_new(o, "Config", cfg);
    json_t *ns = json_object();
    json_t *nets = json_object();
    for (size_t i = 0; i < ci->n_networks; i++) {
        const struct berth_net_addr *a = &ci->networks[i];
        json_t *n = json_object();
        json_object_set_new(n, "IPAddress", json_string(a->ipv4 ? a->ipv4 : ""));
        json_object_set_new(n, "GlobalIPv6Address", json_string(a->ipv6 ? a->ipv6 : ""));
        json_t *al = json_array();
        for (size_t k = 0; a->aliases != NULL && a->aliases[k] != NULL; k++)
            json_array_append_new(al, json_string(a->aliases[k]));
        json_object_set_new(n, "Aliases", al);
        json_object_set_new(nets, a->network ? a->network : "", n);
    }
    json_object_set_new(ns, "Networks", nets);
    json_t *ports = json_object();
    for (size_t i = 0; i < ci->n_ports; i++) {
        const struct berth_port_binding *p = &ci->ports[i];
        char key[32];
        snprintf(key, sizeof(key), "%u/%s", (unsigned)p->container_port,
                 p->protocol && *p->protocol ? p->protocol : "tcp");
        json_t *arr = json_object_get(ports, key);
        if (arr == NULL) {
            arr = json_array();
            json_object_set_new(ports, key, arr);
        }
        if (p->host_port != 0) {
            json_t *b = json_object();
            char hp[8];
            snprintf(hp, sizeof(hp), "%u", (unsigned)p->host_port);
            json_object_set_new(b, "HostIp", json_string(p->host_ip ? p->host_ip : ""));
            json_object_set_new(b, "HostPort", json_string(hp));
            json_array_append_new(arr, b);
        }
    }
    json_object_set_new(ns, "Ports", ports);
    json_object_set_new(o, "NetworkSettings", ns);
    return o;
}

/* container inspect NAME...: one JSON array. */
static int ctr_inspect(struct cli_globals *g, int argc, char **argv)
{
    const char *format = NULL;
    const struct flag flags[] = {
        {"format", 'f', FLAG_STRING, &format, "string", "Output format: json (the default)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container inspect", "[OPTIONS] CONTAINER [CONTAINER...]",
                                   "Display detailed information on one or more containers",
                                   flags, false, 1, -1};
    struct cli_list names = {0};
    int rc = flags_parse(&spec, argc, argv, &names);
    if (rc == 0 && format != NULL && strcmp(format, "json") != 0)
        rc = cli_usage_error("use --format json", "%s: --format: unsupported format '%s'",
                             spec.name, format);
    if (rc == 0) {
        struct multi m = {.kind = M_INSPECT, .inspected = json_array()};
        rc = multi_run(g, &m, &names);
        if (rc != CLI_EXIT_USAGE)
            ccli_print_json_pretty(m.inspected);
        json_decref(m.inspected);
    }
    free(names.v);
    return flags_exit(rc);
}

/* ------------------------------------------------------------------- ls */

struct ls_cmd {
    struct ccli c;
    bool quiet, no_trunc;
    int json;
    const struct ls_filter *filter;
};

/* Labels as docker's "k=v,k=v" text. */
static char *labels_text(const struct berth_container_info *ci)
{
    size_t len = 1;
    for (size_t i = 0; i < ci->n_labels; i++)
        len += strlen(ci->labels[i].key) + (ci->labels[i].value ? strlen(ci->labels[i].value) : 0) + 2;
    char *s = calloc(1, len);
    if (s == NULL)
        abort();
    for (size_t i = 0; i < ci->n_labels; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, ci->labels[i].key);
        strcat(s, "=");
        if (ci->labels[i].value)
            strcat(s, ci->labels[i].value);
    }
    return s;
}

/* The container's short id. */
static void short_id(const char *id, bool no_trunc, char *buf, size_t size)
{
    const char *p = id ? id : "";
    if (strncmp(p, "sha256:", 7) == 0)
        p += 7;
    snprintf(buf, size, "%.*s", no_trunc ? (int)strlen(p) : 12, p);
}

/* The list arrived. */
static void ls_done(const struct berth_container_result *res, void *user)
{
    struct ls_cmd *l = user;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&l->c, CLI_EXIT_FAILURE);
        return;
    }
    int64_t now = ccli_now();
    static const char *const header[] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                         "STATUS",       "PORTS", "NAMES"};
    struct table *t = table_new(7, header);
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_container_info *ci = &res->containers[i];
        if (!filter_keep(l->filter, ci))
            continue;
        char id[80], ago[64], created[64];
        short_id(ci->id, l->no_trunc, id, sizeof(id));
        if (l->quiet) {
            printf("%s\n", id);
            continue;
        }
        char *joined = ccli_join(ci->command);
        char *command = format_command(joined, !l->no_trunc, 20);
        char *status = ccli_status_text(ci, now);
        char *ports = ccli_ports_text(ci);
        format_ago(ci->created_at, now, ago, sizeof(ago));
        if (l->json) {
            json_t *o = json_object();
            char *lt = labels_text(ci);
            char *nets = NULL;
            {
                const char **names = calloc(ci->n_networks + 1, sizeof(*names));
                if (names == NULL)
                    abort();
                for (size_t k = 0; k < ci->n_networks; k++)
                    names[k] = ci->networks[k].network;
                nets = ccli_join(names);
                for (char *p = nets; *p; p++)
                    if (*p == ' ')
                        *p = ',';
                free(names);
            }
            format_timestamp(ci->created_at, created, sizeof(created));
            json_object_set_new(o, "ID", json_string(id));
            json_object_set_new(o, "Names", json_string(ci->name ? ci->name : ""));
            json_object_set_new(o, "Image", json_string(ci->image ? ci->image : ""));
            char *quoted = format_command(joined, false, 0);
            json_object_set_new(o, "Command", json_string(quoted));
            free(quoted);
            json_object_set_new(o, "CreatedAt", json_string(created));
            json_object_set_new(o, "RunningFor", json_string(ago));
            json_object_set_new(o, "State", json_string(berth_cstate_name(ci->state)));
            json_object_set_new(o, "Status", json_string(status));
            json_object_set_new(o, "ExitCode", json_integer(ci->exit_code));
            json_object_set_new(o, "Ports", json_string(ports));
            json_object_set_new(o, "Labels", json_string(lt));
            json_object_set_new(o, "Networks", json_string(nets));
            ccli_print_json_line(o);
            json_decref(o);
            free(lt);
            free(nets);
        } else {
            const char *row[] = {id, ci->image ? ci->image : "", command, ago, status, ports,
                                 ci->name ? ci->name : ""};
            table_add(t, row);
        }
        free(joined);
        free(command);
        free(status);
        free(ports);
    }
    if (!l->quiet && !l->json)
        table_print(t, stdout);
    table_free(t);
    ccli_finish(&l->c, CLI_EXIT_OK);
}

/* container ls [-a] [--filter] [-q] [--format json]. */
static int ctr_ls(struct cli_globals *g, int argc, char **argv)
{
    bool all = false, quiet = false, no_trunc = false;
    const char *format = NULL;
    struct cli_list filters = {0};
    const struct flag flags[] = {
        {"all", 'a', FLAG_BOOL, &all, NULL, "Show all containers (default shows just running)"},
        {"filter", 0, FLAG_LIST, &filters, "filter",
         "Filter output: label=KEY[=VALUE], name=TEXT, status=STATE"},
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Only display container IDs"},
        {"no-trunc", 0, FLAG_BOOL, &no_trunc, NULL, "Don't truncate output"},
        {"format", 0, FLAG_STRING, &format, "string", "Format output: table or json"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container ls", "[OPTIONS]", "List containers", flags, false,
                                   0, 0};
    struct cli_list none = {0};
    struct pool pool = {0};
    struct ls_filter f = {0};
    struct ls_cmd l = {.quiet = quiet};
    int rc = flags_parse(&spec, argc, argv, &none);
    if (rc == 0)
        rc = parse_filters(spec.name, &filters, &f, &pool);
    int json = rc == 0 ? ccli_format_json(spec.name, format) : 0;
    if (json < 0)
        rc = CLI_EXIT_USAGE;
    if (rc == 0)
        rc = ccli_open(&l.c, g);
    if (rc == 0) {
        l.quiet = quiet;
        l.no_trunc = no_trunc;
        l.json = json;
        l.filter = &f;
        struct berth_container_list_options o = {.all = all, .filters = f.labels,
                                                 .n_filters = f.n_labels};
        struct berth_error *e = NULL;
        if (berth_container_list(l.c.eng, &o, ls_done, &l, &e) == NULL) {
            ccli_print_error(e);
            berth_error_free(e);
            ccli_finish(&l.c, CLI_EXIT_FAILURE);
        }
        rc = ccli_run(&l.c);
        ccli_close(&l.c);
    }
    filters_free(&f);
    pool_free(&pool);
    free(filters.v);
    free(none.v);
    return flags_exit(rc);
}

/* ----------------------------------------------------------------- logs */

struct logs_cmd {
    struct ccli c;
    struct berth_container_op *op;
};

/* logs ended. */
static void logs_done(const struct berth_container_result *res, void *user)
{
    struct logs_cmd *l = user;
    l->op = NULL;
    if (res->error != NULL && berth_error_code(res->error) == BERTH_E_CANCELLED &&
        l->c.signals > 0) {
        ccli_finish(&l->c, CLI_EXIT_INTERRUPTED);
        return;
    }
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&l->c, CLI_EXIT_FAILURE);
        return;
    }
    ccli_finish(&l->c, CLI_EXIT_OK);
}

/* Ctrl-C ends a follow. */
static void logs_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    (void)count;
    struct logs_cmd *l = user;
    if (l->op != NULL)
        berth_container_op_cancel(l->op);
    else
        ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* container logs [-f] [--tail N] [-t] [--since] NAME. */
static int ctr_logs(struct cli_globals *g, int argc, char **argv)
{
    bool follow = false, timestamps = false;
    const char *tail = "all", *since = NULL;
    const struct flag flags[] = {
        {"follow", 'f', FLAG_BOOL, &follow, NULL, "Follow log output"},
        {"tail", 'n', FLAG_STRING, &tail, "string",
         "Number of lines to show from the end of the logs (or \"all\")"},
        {"timestamps", 't', FLAG_BOOL, &timestamps, NULL, "Show timestamps"},
        {"since", 0, FLAG_STRING, &since, "string",
         "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container logs", "[OPTIONS] CONTAINER",
                                   "Fetch the logs of a container", flags, false, 1, 1};
    struct cli_list names = {0};
    int rc = flags_parse(&spec, argc, argv, &names);
    int n = -1;
    if (rc == 0 && strcmp(tail, "all") != 0 && (!flags_int(tail, &n) || n < 0))
        rc = cli_usage_error("give a number of lines or \"all\"",
                             "%s: --tail: invalid value '%s'", spec.name, tail);
    struct logs_cmd l = {0};
    if (rc == 0)
        rc = ccli_open(&l.c, g);
    if (rc == 0) {
        struct berth_container_logs_options o = {.tail = n, .follow = follow,
                                                 .timestamps = timestamps, .since = since,
                                                 .on_line = print_line};
        struct berth_error *e = NULL;
        ccli_signals(&l.c, logs_signal, &l);
        l.op = berth_container_logs(l.c.eng, names.v[0], &o, logs_done, &l, &e);
        if (l.op == NULL) {
            ccli_print_error(e);
            berth_error_free(e);
            ccli_finish(&l.c, CLI_EXIT_FAILURE);
        }
        rc = ccli_run(&l.c);
        ccli_close(&l.c);
    }
    free(names.v);
    return flags_exit(rc);
}

/* ----------------------------------------------------------------- exec */

struct exec_cmd {
    struct ccli c;
    struct berth_container_op *op;
};

/* exec finished: print what it wrote, exit with its code. */
static void exec_done(const struct berth_container_result *res, void *user)
{
    struct exec_cmd *x = user;
    x->op = NULL;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&x->c, x->c.signals > 0 ? CLI_EXIT_INTERRUPTED : CLI_EXIT_FAILURE);
        return;
    }
    if (res->out != NULL)
        fwrite(res->out, 1, res->out_len, stdout);
    if (res->err != NULL)
        fwrite(res->err, 1, res->err_len, stderr);
    fflush(stdout);
    ccli_finish(&x->c, res->exit_code);
}

/* Ctrl-C cancels the exec. */
static void exec_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    (void)count;
    struct exec_cmd *x = user;
    if (x->op != NULL)
        berth_container_op_cancel(x->op);
    else
        ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* container exec [-e] [-w] [-u] NAME CMD...: its output, then its exit code. */
static int ctr_exec(struct cli_globals *g, int argc, char **argv)
{
    struct cli_list envl = {0};
    const char *workdir = NULL, *user = NULL;
    bool no_tty = false, interactive = false, tty = false;
    const struct flag flags[] = {
        {"env", 'e', FLAG_LIST, &envl, "list", "Set environment variables"},
        {"workdir", 'w', FLAG_STRING, &workdir, "string",
         "Working directory inside the container"},
        {"user", 'u', FLAG_STRING, &user, "string",
         "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
        {"no-TTY", 'T', FLAG_BOOL, &no_tty, NULL,
         "Disable pseudo-TTY allocation (the output is always captured)"},
        {"interactive", 'i', FLAG_BOOL, &interactive, NULL, "Keep STDIN open (not supported)"},
        {"tty", 't', FLAG_BOOL, &tty, NULL, "Allocate a pseudo-TTY (not supported)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"container exec", "[OPTIONS] CONTAINER COMMAND [ARG...]",
                                   "Execute a command in a running container", flags, true, 2,
                                   -1};
    struct cli_list args = {0};
    struct berth_kv *env = NULL;
    int rc = flags_parse(&spec, argc, argv, &args);
    if (rc == 0 && (tty || interactive))
        rc = cli_usage_error("run the command without -i/-t: its output is captured",
                             "%s: -i/-t are not supported", spec.name);
    if (rc == 0)
        rc = args_kv(&envl, "-e", &env);
    struct exec_cmd x = {0};
    if (rc == 0)
        rc = ccli_open(&x.c, g);
    if (rc == 0) {
        struct berth_container_exec_options o = {.argv = args.v + 1, .env = env,
                                                 .n_env = envl.n, .workdir = workdir,
                                                 .user = user};
        struct berth_error *e = NULL;
        ccli_signals(&x.c, exec_signal, &x);
        x.op = berth_container_exec(x.c.eng, args.v[0], &o, exec_done, &x, &e);
        if (x.op == NULL) {
            ccli_print_error(e);
            berth_error_free(e);
            ccli_finish(&x.c, CLI_EXIT_FAILURE);
        }
        rc = ccli_run(&x.c);
        ccli_close(&x.c);
    }
    args_kv_free(env, envl.n);
    free(envl.v);
    free(args.v);
    return flags_exit(rc);
}

/* ------------------------------------------------------------- dispatch */

static const struct ccli_sub subs[] = {
    {"run", NULL, "Create and run a new container from an image", ctr_run},
    {"create", NULL, "Create a new container", ctr_create},
    {"start", NULL, "Start one or more stopped containers", ctr_start},
    {"stop", NULL, "Stop one or more running containers", ctr_stop},
    {"kill", NULL, "Kill one or more running containers", ctr_kill},
    {"rm", "remove", "Remove one or more containers", ctr_rm},
    {"ls", "ps", "List containers", ctr_ls},
    {"inspect", NULL, "Display detailed information on one or more containers", ctr_inspect},
    {"logs", NULL, "Fetch the logs of a container", ctr_logs},
    {"exec", NULL, "Execute a command in a running container", ctr_exec},
    {"wait", NULL, "Block until one or more containers stop, then print their exit codes",
     ctr_wait},
};

/* The subcommands of berth container and what its usage says. */
static const struct ccli_group group = {
    "container",
    "Manage single containers on the selected backend (--backend, BERTH_BACKEND, else the "
    "first available runtime)",
    subs, sizeof(subs) / sizeof(subs[0])};

/* berth container SUBCOMMAND: dispatch. */
int cmd_container(struct cli_globals *g, int argc, char **argv)
{
    return ccli_dispatch(&group, g, argc, argv);
}
