/* berth: entry point, global options, command dispatch. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* Prints the global usage text. */
static void usage(FILE *out)
{
    fputs("Usage:  berth [OPTIONS] COMMAND\n\n"
          "Define and run multi-container applications, on any runtime.\n\n"
          "Options:\n"
          "  -f, --file FILE             Compose configuration file (repeatable)\n"
          "  -p, --project-name NAME     Project name\n"
          "      --project-directory DIR Alternate working directory (default: the first file's)\n"
          "      --env-file FILE         Alternate environment file (repeatable)\n"
          "      --profile NAME          Enable a profile (repeatable)\n"
          "      --ansi never|always|auto  Control ANSI control characters\n"
          "      --progress auto|tty|plain|quiet|json  Progress output type\n"
          "      --parallel N            Maximum parallel operations (-1 = unlimited)\n"
          "      --backend NAME[,NAME]   Container runtime backend(s) to use\n"
          "      --plugin-dir DIR        Extra directory searched for backend plugins\n"
          "      --verify off|warn|enforce  Image signature verification (cosign)\n"
          "      --dry-run               Show what would be done\n"
          "  -v, --version               Show the berth version and exit\n"
          "  -h, --help                  Show this help\n\n"
          "Commands:\n",
          out);
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fputs("\nRun 'berth COMMAND --help' for more information on a command.\n", out);
}

int cmd_help(struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    if (argc > 1) {
        for (const struct cli_command *c = cli_commands; c->name != NULL; c++) {
            if (strcmp(c->name, argv[1]) == 0) {
                char *sub[] = {argv[1], "--help", NULL};
                return c->run(g, 2, sub);
            }
        }
        return cli_usage_error("run 'berth --help' for the list of commands",
                               "unknown command '%s'", argv[1]);
    }
    usage(stdout);
    return CLI_EXIT_OK;
}

int cmd_version(struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    bool short_form = false, json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--short") == 0)
            short_form = true;
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
                 strcmp(argv[i + 1], "json") == 0) {
            json = true;
            i++;
        } else if (strcmp(argv[i], "--format=json") == 0 || strcmp(argv[i], "-fjson") == 0)
            json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("Usage:  berth version [--short] [--format json]\n\nShow the berth version "
                 "information");
            return CLI_EXIT_OK;
        } else
            return cli_usage_error("run 'berth version --help'", "version: unknown flag '%s'",
                                   argv[i]);
    }
    if (json)
        printf("{\"version\":\"%s\"}\n", berth_version());
    else if (short_form)
        printf("%s\n", berth_version());
    else
        printf("berth version %s\n", berth_version());
    return CLI_EXIT_OK;
}

/* Long options shared by every command (they precede the command name). */
enum {
    OPT_PROJECT_DIRECTORY = 256,
    OPT_ENV_FILE,
    OPT_PROFILE,
    OPT_ANSI,
    OPT_PROGRESS,
    OPT_PARALLEL,
    OPT_BACKEND,
    OPT_PLUGIN_DIR,
    OPT_DRY_RUN,
    OPT_NO_ANSI,
    OPT_VERBOSE,
    OPT_VERIFY,
};

static const struct option global_options[] = {
    {"file", required_argument, NULL, 'f'},
    {"project-name", required_argument, NULL, 'p'},
    {"project-directory", required_argument, NULL, OPT_PROJECT_DIRECTORY},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"ansi", required_argument, NULL, OPT_ANSI},
    {"no-ansi", no_argument, NULL, OPT_NO_ANSI},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"verify", required_argument, NULL, OPT_VERIFY},
    {"version", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Checks that value is one of the NULL-terminated choices. */
static bool one_of(const char *value, const char *const *choices)
{
    for (; *choices != NULL; choices++)
        if (strcmp(value, *choices) == 0)
            return true;
    return false;
}

static int run_main(struct cli_globals *gp, int argc, char **argv);

/* Frees what the global options allocated (the sanitizer run counts leaks at exit). */
static void globals_free(struct cli_globals *g)
{
    free(g->files.v);
    free(g->env_files.v);
    free(g->profiles.v);
}

int main(int argc, char **argv)
{
    struct cli_globals g = {.parallel = 0}; /* 0: not given (COMPOSE_PARALLEL_LIMIT applies) */
    int rc = run_main(&g, argc, argv);
    globals_free(&g);
    return rc;
}

/* Parses the global options into *gp and runs the command. */
static int run_main(struct cli_globals *gp, int argc, char **argv)
{
    static const char *const ansi_choices[] = {"never", "always", "auto", NULL};
    static const char *const progress_choices[] = {"auto", "tty", "plain", "quiet", "json", NULL};
    static const char *const verify_choices[] = {"off", "warn", "enforce", NULL};

    opterr = 0;
    int c;
    /* "+": stop at the command name, as docker compose does. */
    while ((c = getopt_long(argc, argv, "+:f:p:vh", global_options, NULL)) != -1) {
        switch (c) {
        case 'f':
            cli_list_push(&gp->files, optarg);
            break;
        case 'p':
            gp->project_name = optarg;
            break;
        case OPT_PROJECT_DIRECTORY:
            gp->project_directory = optarg;
            break;
        case OPT_ENV_FILE:
            cli_list_push(&gp->env_files, optarg);
            break;
        case OPT_PROFILE:
            cli_list_push(&gp->profiles, optarg);
            break;
        case OPT_ANSI:
            if (!one_of(optarg, ansi_choices))
                return cli_usage_error("use never, always or auto",
                                       "--ansi: invalid value '%s'", optarg);
            gp->ansi = optarg;
            break;
        case OPT_NO_ANSI:
            gp->ansi = "never";
            break;
        case OPT_PROGRESS:
            if (!one_of(optarg, progress_choices))
                return cli_usage_error("use auto, tty, plain, quiet or json",
                                       "--progress: invalid value '%s'", optarg);
            gp->progress = optarg;
            break;
        case OPT_PARALLEL: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n == 0 || n < -1 || n > 1000000)
                return cli_usage_error("use a positive number, or -1 for unlimited",
                                       "--parallel: invalid value '%s'", optarg);
            gp->parallel = (int)n;
            break;
        }
        case OPT_BACKEND:
            gp->backend = optarg;
            break;
        case OPT_PLUGIN_DIR:
            gp->plugin_dir = optarg;
            break;
        case OPT_DRY_RUN:
            gp->dry_run = true;
            break;
        case OPT_VERBOSE:
            gp->verbose = true;
            break;
        case OPT_VERIFY:
            if (!one_of(optarg, verify_choices))
                return cli_usage_error("use off, warn or enforce", "--verify: invalid value '%s'",
                                       optarg);
            gp->verify = optarg;
            break;
        case 'v': {
            char *sub[] = {"version", NULL};
            return cmd_version(gp, 1, sub);
        }
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case ':':
            return cli_usage_error("run 'berth --help'", "flag '%s' needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("run 'berth --help' for the global options",
                                   "unknown flag '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (const struct cli_command *cmd = cli_commands; cmd->name != NULL; cmd++) {
        if (strcmp(cmd->name, name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            /* commands parse their own flags with getopt from a fresh state */
            optind = 0;
#if defined(__APPLE__) || defined(__FreeBSD__)
            optind = 1;
            optreset = 1;
#endif
            return cmd->run(gp, sub_argc, sub_argv);
        }
    }
    return cli_usage_error("run 'berth --help' for the list of commands", "unknown command '%s'",
                           name);
}
