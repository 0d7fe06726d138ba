/* berth run: run a one-off command on a service; its exit code is berth's. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/project.h"

struct run {
    struct project *p;
    bool detach;
};

/* The container's output, passed through to our stdout/stderr. */
static void on_line(void *user, enum berth_stream stream, const char *line, size_t len,
                    bool complete)
{
    (void)user;
    FILE *out = stream == BERTH_STDERR ? stderr : stdout;
    fwrite(line, 1, len, out);
    if (complete)
        fputc('\n', out);
    fflush(out);
}

/* The one-off container ended (or started, detached). */
static void done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct run *r = user;
    int sig = project_first_signal(r->p);
    if (res->error != NULL) {
        if (sig != 0 && berth_error_code(res->error) == BERTH_E_CANCELLED) {
            project_finish(r->p, 128 + sig);
            return;
        }
        project_print_error(res->error);
        project_finish(r->p, CLI_EXIT_FAILURE);
        return;
    }
    if (r->detach) {
        printf("%s\n", res->container != NULL ? res->container : "");
        fflush(stdout);
        project_finish(r->p, CLI_EXIT_OK);
        return;
    }
    project_finish(r->p, sig != 0 ? 128 + sig : res->exit_code);
}

/* Ctrl-C: stop the one-off container gracefully, kill it on the second. */
static void on_signal(struct project *p, int signo, int count, void *user)
{
    (void)signo;
    (void)user;
    if (count == 1)
        berth_compose_interrupt(project_compose(p), -1);
    else
        berth_compose_force_kill(project_compose(p));
}

int cmd_run(struct cli_globals *g, int argc, char **argv)
{
    bool detach = false, rm = false, no_deps = false, no_tty = false, service_ports = false;
    bool strict = false;
    bool use_aliases = false, build = false, interactive = true, quiet_pull = false;
    const char *entrypoint = NULL, *workdir = NULL, *user = NULL, *name = NULL, *pull = NULL;
    struct cli_list env = {0}, publish = {0}, volumes = {0}, labels = {0};
    const struct flag flags[] = {
        {"build", 0, FLAG_BOOL, &build, NULL, "Build image before starting container"},
        {"detach", 'd', FLAG_BOOL, &detach, NULL, "Run container in background and print container ID"},
        {"entrypoint", 0, FLAG_STRING, &entrypoint, "CMD", "Override the entrypoint of the image"},
        {"env", 'e', FLAG_LIST, &env, "KEY=VAL", "Set environment variables"},
        {"interactive", 'i', FLAG_BOOL, &interactive, NULL, "Keep STDIN open even if not attached (default true)"},
        {"label", 'l', FLAG_LIST, &labels, "KEY=VAL", "Add or override a label"},
        {"name", 0, FLAG_STRING, &name, "NAME", "Assign a name to the container"},
        {"no-TTY", 'T', FLAG_BOOL, &no_tty, NULL, "Disable pseudo-TTY allocation (default: auto-detected)"},
        {"no-deps", 0, FLAG_BOOL, &no_deps, NULL, "Don't start linked services"},
        {"strict", 0, FLAG_BOOL, &strict, NULL, "Fail before creating anything when the backend cannot apply a feature the service uses (berth)"},
        {"publish", 'p', FLAG_LIST, &publish, "PORT", "Publish a container's port(s) to the host"},
        {"pull", 0, FLAG_STRING, &pull, "POLICY", "Pull image before running (\"always\"|\"missing\"|\"never\")"},
        {"quiet-pull", 0, FLAG_BOOL, &quiet_pull, NULL, "Pull without printing progress information"},
        {"rm", 0, FLAG_BOOL, &rm, NULL, "Automatically remove the container when it exits"},
        {"service-ports", 'P', FLAG_BOOL, &service_ports, NULL, "Run command with all service's ports enabled and mapped to the host"},
        {"use-aliases", 0, FLAG_BOOL, &use_aliases, NULL, "Use the service's network useAliases in the network(s) the container connects to"},
        {"user", 'u', FLAG_STRING, &user, "USER", "Run as specified username or uid"},
        {"volume", 'v', FLAG_LIST, &volumes, "SRC:DST[:ro]", "Bind mount a volume"},
        {"workdir", 'w', FLAG_STRING, &workdir, "DIR", "Working directory inside the container"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"run", "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
                                   "Run a one-off command on a service", flags, true, 1, -1};
    struct cli_list args = {0};
    struct berth_kv *env_kv = NULL, *label_kv = NULL;
    char **ep = NULL;
    enum berth_pull_policy policy = BERTH_PULL_DEFAULT;
    int rc = flags_parse(&spec, argc, argv, &args);
    if (rc == 0)
        rc = args_kv(&env, "run: -e", &env_kv);
    if (rc == 0)
        rc = args_kv(&labels, "run: -l", &label_kv);
    if (rc == 0)
        rc = args_pull_policy(pull, &policy);
    if (rc == 0 && entrypoint != NULL && (ep = format_split_words(entrypoint)) == NULL)
        rc = cli_usage_error("close the quote", "run: --entrypoint: unterminated quote in '%s'",
                             entrypoint);
    if (rc != 0)
        goto out;
    const char *const target[] = {args.v[0], NULL};
    struct project *p = project_open_for(g, PROJECT_COMPOSE, target, &rc);
    if (p == NULL)
        goto out;
    struct run r = {.p = p, .detach = detach};
    struct berth_compose_run_options o = {0};
    o.service = args.v[0];
    o.command = args.n > 1 ? args.v + 1 : NULL;
    o.entrypoint = (const char *const *)ep;
    o.env = env_kv;
    o.n_env = env.n;
    o.labels = label_kv;
    o.n_labels = labels.n;
    o.name = name;
    o.user = user;
    o.workdir = workdir;
    o.service_ports = service_ports;
    o.publish = args_or_null(&publish);
    o.volumes = args_or_null(&volumes);
    o.rm = rm;
    o.no_deps = no_deps;
    o.strict = strict;
    o.detach = detach;
    o.interactive = interactive && !detach;
    o.tty = o.interactive && !no_tty && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    o.pull = policy;
    o.build = build;
    o.use_aliases = use_aliases;
    o.on_line = on_line;
    o.line_user = &r;
    struct progress *prog = project_progress(p, "Running");
    progress_set_quiet_pull(prog, quiet_pull);
    if (!detach)
        progress_set_foreground(prog, true);
    project_signals(p, detach ? NULL : on_signal, NULL);
    struct berth_error *err = NULL;
    /* the op first: err is read only after the call set it */
    struct berth_compose_op *op = berth_compose_run(project_compose(p), &o, done, &r, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    format_strv_free(ep);
    args_kv_free(env_kv, env.n);
    args_kv_free(label_kv, labels.n);
    free(env.v);
    free(publish.v);
    free(volumes.v);
    free(labels.v);
    free(args.v);
    return flags_exit(rc);
}
