/*
 * berth sandbox run|ls|prune: one-off hardened containers for untrusted
 * work (include/berth/sandbox.h), and the leftovers a crash may leave.
 * `sandbox run` streams the command's output and exits with its exit code
 * (124 when the timeout killed it, 125 when berth could not run it).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <berth/runtime.h>
#include <berth/sandbox.h>

#include "cli/args.h"
#include "cli/ccli.h"
#include "cli/cli.h"
#include "cli/flags.h"

/* Exit codes of sandbox run besides the command's own. */
enum {
    SANDBOX_TIMED_OUT = 124, /* like timeout(1) */
    SANDBOX_FAILED = 125,    /* berth could not run it (like docker run) */
};

/* Parses "512m", "1g", "65536", "64k" (binary units, like docker). */
static bool parse_bytes(const char *s, int64_t *out)
{
    if (s == NULL || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    unsigned long long mult = 1;
    char u = (char)tolower((unsigned char)*end);
    if (u == 'b' || u == '\0')
        mult = 1;
    else if (u == 'k')
        mult = 1ull << 10;
    else if (u == 'm')
        mult = 1ull << 20;
    else if (u == 'g')
        mult = 1ull << 30;
    else
        return false;
    if (*end != '\0') {
        end++;
        if (tolower((unsigned char)*end) == 'b' && u != 'b')
            end++;
    }
    if (*end != '\0' || n == 0 || n > (unsigned long long)INT64_MAX / mult)
        return false;
    *out = (int64_t)(n * mult);
    return true;
}

/* The sandbox run command's state. */
struct sb_cmd {
    struct ccli c;
    struct berth_sandbox_op *op;
    const char *name;
};

/* A line of the sandbox's output: to our stdout / stderr. */
static void sb_line(void *user, enum berth_stream stream, const char *line, size_t len,
                    bool complete)
{
    (void)user;
    FILE *f = stream == BERTH_STDERR ? stderr : stdout;
    fwrite(line, 1, len, f);
    if (complete)
        fputc('\n', f);
    fflush(f);
}

/* The sandbox ended. */
static void sb_done(const struct berth_sandbox_result *res, void *user)
{
    struct sb_cmd *s = user;
    s->op = NULL;
    if (res->error == NULL) {
        ccli_finish(&s->c, res->exit_code >= 0 ? res->exit_code : SANDBOX_FAILED);
        return;
    }
    int code = berth_error_code(res->error);
    ccli_print_error(res->error);
    if (code == BERTH_E_TIMEOUT && res->timed_out)
        ccli_finish(&s->c, SANDBOX_TIMED_OUT);
    else if (code == BERTH_E_CANCELLED)
        ccli_finish(&s->c, CLI_EXIT_INTERRUPTED);
    else
        ccli_finish(&s->c, SANDBOX_FAILED);
}

/* Ctrl-C: stop the sandbox (killed and removed); a second one leaves at once. */
static void sb_signal(struct ccli *c, int signo, int count, void *user)
{
    (void)signo;
    struct sb_cmd *s = user;
    if (count == 1 && s->op != NULL) {
        fprintf(stderr, "berth: stopping sandbox %s\n", berth_sandbox_op_name(s->op));
        berth_sandbox_op_cancel(s->op);
        return;
    }
    ccli_finish(c, CLI_EXIT_INTERRUPTED);
}

/* Parses --mount SRC:DST[:ro|rw] into m (source made absolute; strings in pool). */
static int parse_mount(const char *text, struct berth_sandbox_mount *m, struct cli_list *pool)
{
    const char *hint = "write --mount /host/path:/container/path (read-only) or "
                       "/host/path:/container/path:rw";
    char *copy = strdup(text);
    if (copy == NULL)
        abort();
    cli_list_push(pool, copy);
    char *src = copy, *dst = strchr(copy, ':');
    if (dst == NULL || dst == src)
        return cli_usage_error(hint, "sandbox run: --mount: '%s' is not SRC:DST[:rw]", text);
    *dst++ = '\0';
    char *mode = strchr(dst, ':');
    if (mode != NULL) {
        *mode++ = '\0';
        if (strcmp(mode, "rw") == 0)
            m->read_write = true;
        else if (strcmp(mode, "ro") != 0)
            return cli_usage_error(hint, "sandbox run: --mount: unknown mode '%s' in '%s'", mode,
                                   text);
    }
    char *abs = realpath(src, NULL);
    if (abs == NULL)
        return cli_usage_error("mount an existing file or directory",
                               "sandbox run: --mount: %s: %s", src, strerror(errno));
    cli_list_push(pool, abs);
    m->source = abs;
    m->target = dst;
    return 0;
}

/* berth sandbox run. */
static int sandbox_run(struct cli_globals *g, int argc, char **argv)
{
    const char *tier = NULL, *seccomp = NULL, *workdir = NULL, *user = NULL, *memory = NULL,
               *cpus = NULL, *tmp_size = NULL, *timeout = NULL;
    bool allow_network = false, allow_shared = false, interactive = false;
    int pids = 0;
    struct cli_list mounts = {0}, env = {0}, pool = {0}, args = {0};
    const struct flag table[] = {
        {"tier", 0, FLAG_STRING, &tier, "tier",
         "isolated, hardened (default) or untrusted (needs a VM-isolating backend)"},
        {"allow-network", 0, FLAG_BOOL, &allow_network, NULL,
         "Give it the runtime's default network (default: none)"},
        {"allow-shared-kernel", 0, FLAG_BOOL, &allow_shared, NULL,
         "Accept the untrusted tier on a backend that shares the host's kernel"},
        {"seccomp", 0, FLAG_STRING, &seccomp, "file", "seccomp profile replacing berth's"},
        {"mount", 0, FLAG_LIST, &mounts, "src:dst[:rw]",
         "Bind mount a host path (read-only unless :rw); repeatable"},
        {"env", 'e', FLAG_LIST, &env, "list", "Set environment variables"},
        {"workdir", 'w', FLAG_STRING, &workdir, "string", "Working directory inside"},
        {"user", 'u', FLAG_STRING, &user, "string", "User (default 65534:65534)"},
        {"memory", 'm', FLAG_STRING, &memory, "bytes", "Memory limit (default 512m)"},
        {"cpus", 0, FLAG_STRING, &cpus, "decimal", "Number of CPUs (default 1)"},
        {"pids-limit", 0, FLAG_INT, &pids, "int", "Most processes (default 256)"},
        {"tmp-size", 0, FLAG_STRING, &tmp_size, "bytes", "Size of the /tmp tmpfs (default 64m)"},
        {"timeout", 0, FLAG_STRING, &timeout, "duration",
         "Kill it after this long (default 5m)"},
        {"interactive", 'i', FLAG_BOOL, &interactive, NULL, "Attach stdin (not supported yet)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {
        "sandbox run", "[OPTIONS] IMAGE [--] [COMMAND] [ARG...]",
        "Run a command in a hardened one-off container (removed when it ends)", table, true, 1,
        -1};
    struct berth_sandbox_options o = {0};
    struct berth_sandbox_mount *mv = NULL;
    struct berth_kv *ev = NULL;
    struct sb_cmd s = {0};
    int rc = flags_parse(&spec, argc, argv, &args);
    if (rc != 0)
        goto out;
    if (interactive) {
        rc = cli_usage_error("pipe input through a mounted file (--mount FILE:/in) instead",
                             "sandbox run: -i/--interactive is not supported: the backends "
                             "cannot attach stdin to a created container yet, and the sandbox "
                             "keeps stdin closed");
        goto out;
    }
    o.image = args.v[0];
    o.command = args.n > 1 ? args.v + 1 : NULL;
    if (o.command != NULL && strcmp(o.command[0], "--") == 0)
        o.command = o.command[1] != NULL ? o.command + 1 : NULL;
    o.allow_network = allow_network;
    o.allow_shared_kernel = allow_shared;
    o.seccomp_profile = seccomp;
    o.workdir = workdir;
    o.user = user;
    struct berth_error *e = NULL;
    if (tier != NULL && berth_sandbox_tier_parse(tier, &o.tier, &e) < 0) {
        rc = cli_usage_error(berth_error_hint(e), "sandbox run: --tier: %s", berth_error_cause(e));
        berth_error_free(e);
        goto out;
    }
    if (memory != NULL && !parse_bytes(memory, &o.memory)) {
        rc = cli_usage_error("use a size such as 512m or 1g", "sandbox run: --memory: invalid "
                                                              "value '%s'",
                             memory);
        goto out;
    }
    if (tmp_size != NULL && !parse_bytes(tmp_size, &o.tmp_size)) {
        rc = cli_usage_error("use a size such as 64m", "sandbox run: --tmp-size: invalid value "
                                                       "'%s'",
                             tmp_size);
        goto out;
    }
    if (cpus != NULL) {
        char *end;
        o.cpus = strtod(cpus, &end);
        if (*cpus == '\0' || *end != '\0' || !(o.cpus > 0) || o.cpus > 1024) {
            rc = cli_usage_error("use a number of CPUs such as 0.5 or 2",
                                 "sandbox run: --cpus: invalid value '%s'", cpus);
            goto out;
        }
    }
    if (pids < 0) {
        rc = cli_usage_error("use a positive number", "sandbox run: --pids-limit: invalid value "
                                                      "%d",
                             pids);
        goto out;
    }
    o.pids_limit = pids;
    if (timeout != NULL) {
        if (berth_duration_parse(timeout, &o.timeout_ms, &e) < 0 || o.timeout_ms == 0) {
            rc = cli_usage_error("use a duration such as 30s, 5m or 1h",
                                 "sandbox run: --timeout: invalid value '%s'", timeout);
            berth_error_free(e);
            goto out;
        }
    }
    mv = calloc(mounts.n + 1, sizeof(*mv));
    if (mv == NULL)
        abort();
    for (size_t i = 0; i < mounts.n; i++)
        if ((rc = parse_mount(mounts.v[i], &mv[i], &pool)) != 0)
            goto out;
    o.mounts = mv;
    o.n_mounts = mounts.n;
    if ((rc = args_kv(&env, "-e", &ev)) != 0)
        goto out;
    o.env = ev;
    o.n_env = env.n;
    o.on_line = sb_line;
    rc = ccli_open(&s.c, g);
    if (rc != 0) {
        rc = SANDBOX_FAILED;
        goto out;
    }
    ccli_signals(&s.c, sb_signal, &s);
    s.op = berth_sandbox_run(s.c.eng, &o, sb_done, &s, &e);
    if (s.op == NULL) {
        cli_report_error(e);
        ccli_close(&s.c);
        rc = SANDBOX_FAILED;
        goto out;
    }
    if (g->verbose)
        fprintf(stderr, "berth: sandbox %s\n", berth_sandbox_op_name(s.op));
    rc = ccli_run(&s.c);
    ccli_close(&s.c);
out:
    args_kv_free(ev, env.n);
    free(mv);
    for (size_t i = 0; i < pool.n; i++)
        free((char *)pool.v[i]);
    free(pool.v);
    free(mounts.v);
    free(env.v);
    free(args.v);
    return flags_exit(rc);
}

/* ------------------------------------------------------------ ls, prune */

/* The label value of key in a container record, or "". */
static const char *label(const struct berth_container_info *ci, const char *key)
{
    for (size_t i = 0; i < ci->n_labels; i++)
        if (strcmp(ci->labels[i].key, key) == 0)
            return ci->labels[i].value != NULL ? ci->labels[i].value : "";
    return "";
}

/* ls output options. */
struct ls_cmd {
    struct ccli c;
    bool json, quiet;
};

/* The listing arrived. */
static void listed(const struct berth_container_result *res, void *user)
{
    struct ls_cmd *l = user;
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(&l->c, CLI_EXIT_FAILURE);
        return;
    }
    json_t *arr = l->json ? json_array() : NULL;
    if (!l->json && !l->quiet)
        printf("%-26s %-32s %-10s %-10s %-21s %s\n", "NAME", "IMAGE", "TIER", "STATE",
               "CREATED", "EXPIRES");
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_container_info *ci = &res->containers[i];
        if (l->quiet) {
            printf("%s\n", ci->name);
        } else if (l->json) {
            json_t *o = json_object();
            json_object_set_new(o, "Name", json_string(ci->name));
            json_object_set_new(o, "ID", json_string(ci->id ? ci->id : ""));
            json_object_set_new(o, "Image", json_string(label(ci, BERTH_SANDBOX_LABEL_IMAGE)));
            json_object_set_new(o, "Tier", json_string(label(ci, BERTH_SANDBOX_LABEL_TIER)));
            json_object_set_new(o, "State", json_string(berth_cstate_name(ci->state)));
            json_object_set_new(o, "Created",
                                json_string(label(ci, BERTH_SANDBOX_LABEL_CREATED)));
            json_object_set_new(o, "Expires",
                                json_string(label(ci, BERTH_SANDBOX_LABEL_EXPIRES)));
            json_array_append_new(arr, o);
        } else {
            printf("%-26s %-32s %-10s %-10s %-21s %s\n", ci->name,
                   label(ci, BERTH_SANDBOX_LABEL_IMAGE), label(ci, BERTH_SANDBOX_LABEL_TIER),
                   berth_cstate_name(ci->state), label(ci, BERTH_SANDBOX_LABEL_CREATED),
                   label(ci, BERTH_SANDBOX_LABEL_EXPIRES));
        }
    }
    if (l->json) {
        ccli_print_json_pretty(arr);
        json_decref(arr);
    }
    ccli_finish(&l->c, CLI_EXIT_OK);
}

/* berth sandbox ls. */
static int sandbox_ls(struct cli_globals *g, int argc, char **argv)
{
    bool quiet = false;
    const char *format = NULL;
    const struct flag table[] = {
        {"quiet", 'q', FLAG_BOOL, &quiet, NULL, "Only display names"},
        {"format", 0, FLAG_STRING, &format, "table|json", "Output format"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"sandbox ls", "[OPTIONS]",
                                   "List sandbox containers, leftovers of crashed runs included",
                                   table, false, 0, 0};
    struct cli_list args = {0};
    int rc = flags_parse(&spec, argc, argv, &args);
    free(args.v);
    if (rc != 0)
        return flags_exit(rc);
    int json = ccli_format_json("sandbox ls", format);
    if (json < 0)
        return CLI_EXIT_USAGE;
    struct ls_cmd l = {.json = json == 1, .quiet = quiet};
    if ((rc = ccli_open(&l.c, g)) != 0)
        return rc;
    struct berth_error *e = NULL;
    if (berth_sandbox_list(l.c.eng, listed, &l, &e) == NULL) {
        cli_report_error(e);
        ccli_close(&l.c);
        return CLI_EXIT_FAILURE;
    }
    rc = ccli_run(&l.c);
    ccli_close(&l.c);
    return rc;
}

/* Prune finished. */
static void pruned(const struct berth_sandbox_prune_result *res, void *user)
{
    struct ccli *c = user;
    for (size_t i = 0; i < res->n_removed; i++)
        printf("%s\n", res->removed[i]);
    if (res->error != NULL) {
        ccli_print_error(res->error);
        ccli_finish(c, CLI_EXIT_FAILURE);
        return;
    }
    ccli_finish(c, CLI_EXIT_OK);
}

/* berth sandbox prune. */
static int sandbox_prune(struct cli_globals *g, int argc, char **argv)
{
    bool all = false;
    const struct flag table[] = {
        {"all", 'a', FLAG_BOOL, &all, NULL,
         "Also remove running sandboxes whose time is not up (kills them)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {
        "sandbox prune", "[OPTIONS]",
        "Remove leftover sandboxes: stopped ones, and running ones past their timeout", table,
        false, 0, 0};
    struct cli_list args = {0};
    int rc = flags_parse(&spec, argc, argv, &args);
    free(args.v);
    if (rc != 0)
        return flags_exit(rc);
    struct ccli c;
    if ((rc = ccli_open(&c, g)) != 0)
        return rc;
    struct berth_error *e = NULL;
    if (berth_sandbox_prune(c.eng, all, pruned, &c, &e) == NULL) {
        cli_report_error(e);
        ccli_close(&c);
        return CLI_EXIT_FAILURE;
    }
    rc = ccli_run(&c);
    ccli_close(&c);
    return rc;
}

/* Prints the group's help. */
static void sandbox_help(FILE *out)
{
    fputs("Usage:  berth sandbox COMMAND\n\n"
          "Run untrusted work in hardened one-off containers\n\n"
          "Commands:\n"
          "  run     Run a command in a hardened one-off container\n"
          "  ls      List sandbox containers (leftovers included)\n"
          "  prune   Remove leftover sandbox containers\n\n"
          "Run 'berth sandbox COMMAND --help' for more information on a command.\n",
          out);
}

int cmd_sandbox(struct cli_globals *g, int argc, char **argv)
{
    if (argc < 2) {
        sandbox_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        sandbox_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "run") == 0)
        return sandbox_run(g, argc - 1, argv + 1);
    if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
        return sandbox_ls(g, argc - 1, argv + 1);
    if (strcmp(sub, "prune") == 0)
        return sandbox_prune(g, argc - 1, argv + 1);
    return cli_usage_error("run 'berth sandbox --help'", "sandbox: unknown command '%s'", sub);
}
