/*
 * berth exec: run a command in a running container; its exit code is berth's
 * (-d: started in the background, nothing printed, exit 0).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/project.h"

struct exec {
    struct project *p;
};

/* Non-interactive output, passed through to our stdout/stderr. */
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

/* The command ended: its exit code becomes ours. */
static void done(struct berth_compose *c, const struct berth_compose_result *res, void *user)
{
    (void)c;
    struct exec *x = user;
    if (res->error != NULL) {
        project_print_error(res->error);
        project_finish(x->p, CLI_EXIT_FAILURE);
        return;
    }
    if (res->out != NULL)
        fwrite(res->out, 1, res->out_len, stdout);
    if (res->err != NULL)
        fwrite(res->err, 1, res->err_len, stderr);
    fflush(stdout);
    project_finish(x->p, res->exit_code);
}

/* exec on a TTY: the terminal's Ctrl-C reaches the command itself; berth waits for it. */
static void on_signal(struct project *p, int signo, int count, void *user)
{
    (void)p;
    (void)signo;
    (void)count;
    (void)user;
}

int cmd_exec(struct cli_globals *g, int argc, char **argv)
{
    bool no_tty = false, interactive = true, detach = false;
    const char *user = NULL, *workdir = NULL;
    int index = 0;
    struct cli_list env = {0};
    const struct flag flags[] = {
        {"detach", 'd', FLAG_BOOL, &detach, NULL, "Detached mode: Run command in the background"},
        {"env", 'e', FLAG_LIST, &env, "KEY=VAL", "Set environment variables"},
        {"index", 0, FLAG_INT, &index, "INDEX",
         "Index of the container if service has multiple replicas"},
        {"interactive", 'i', FLAG_BOOL, &interactive, NULL,
         "Keep STDIN open even if not attached (default true)"},
        {"no-TTY", 'T', FLAG_BOOL, &no_tty, NULL,
         "Disable pseudo-TTY allocation. By default a TTY is allocated when stdin is a terminal"},
        {"user", 'u', FLAG_STRING, &user, "USER", "Run the command as this user"},
        {"workdir", 'w', FLAG_STRING, &workdir, "DIR",
         "Path to workdir directory for this command"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    const struct flags_cmd spec = {"exec", "[OPTIONS] SERVICE COMMAND [ARGS...]",
                                   "Execute a command in a running container", flags, true, 2,
                                   -1};
    struct cli_list args = {0};
    struct berth_kv *kv = NULL;
    int rc = flags_parse(&spec, argc, argv, &args);
    if (rc == 0 && index < 0)
        rc = cli_usage_error(NULL, "exec: --index must be 1 or more");
    if (rc == 0)
        rc = args_kv(&env, "exec: -e", &kv);
    if (rc != 0)
        goto out;
    struct project *p = project_open(g, PROJECT_COMPOSE, &rc);
    if (p == NULL)
        goto out;
    struct exec x = {.p = p};
    struct berth_compose_exec_options o = {0};
    o.service = args.v[0];
    o.index = index;
    o.argv = args.v + 1;
    o.env = kv;
    o.n_env = env.n;
    o.user = user;
    o.workdir = workdir;
    /* -d: no stdin, no TTY, no output (docker compose) */
    o.detach = detach;
    o.interactive = interactive && !detach;
    o.tty = o.interactive && !no_tty && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (!o.interactive && !detach) {
        o.on_line = on_line;
        o.line_user = &x;
    }
    project_signals(p, o.tty ? on_signal : NULL, NULL);
    struct berth_error *err = NULL;
    /* the op first: err is read only after the call set it */
    struct berth_compose_op *op = berth_compose_exec(project_compose(p), &o, done, &x, &err);
    rc = project_run_op(p, op, err);
    project_close(p);
out:
    args_kv_free(kv, env.n);
    free(env.v);
    free(args.v);
    return flags_exit(rc);
}
