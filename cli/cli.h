/* The berth CLI: global options and the command table. */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <berth/berth.h>

/* Exit codes (docs/exit-codes.md). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1, /* the operation failed */
    CLI_EXIT_USAGE = 2,   /* unknown command or flag, bad flag value */
    CLI_EXIT_INTERRUPTED = 130,
};

/* A growable list of strings given by repeated flags. */
struct cli_list {
    const char **v;
    size_t n;
    size_t cap;
};

void cli_list_push(struct cli_list *l, const char *s);

/* Prepares the heap for a short command that builds a large model (cli/heap.c). */
void cli_heap_for_batch(void);

/* Global options, parsed the way docker compose parses them. */
struct cli_globals {
    struct cli_list files;    /* -f/--file, repeatable */
    const char *project_name; /* -p/--project-name */
    const char *project_directory;
    struct cli_list env_files; /* --env-file, repeatable */
    struct cli_list profiles;  /* --profile, repeatable */
    const char *ansi;          /* never|always|auto */
    const char *progress;      /* auto|tty|plain|quiet|json */
    const char *plugin_dir;    /* --plugin-dir */
    const char *backend;       /* --backend NAME[,NAME...] */
    int parallel;              /* --parallel N, -1 = unlimited, 0 = not given */
    bool dry_run;
    bool verbose;
    const char *verify;        /* --verify off|warn|enforce (NULL: BERTH_VERIFY, x-berth.verify) */
};

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(struct cli_globals *g, int argc, char **argv); /* argv[0] is the command */
};

/* The command table (cli/commands.c), NULL-terminated by name. */
extern const struct cli_command cli_commands[];

/* Prints "berth: <flag/command>: <problem>" and an optional hint; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *hint, const char *fmt, ...) BERTH_PRINTF(2, 3);

/* Prints a berth_error (message and hint) to stderr and frees it; returns CLI_EXIT_FAILURE. */
int cli_report_error(struct berth_error *err);

/* Whether stdout should get ANSI colours (--ansi, NO_COLOR, isatty). */
bool cli_use_color(const struct cli_globals *g, int fd);

int cmd_version(struct cli_globals *g, int argc, char **argv);
int cmd_help(struct cli_globals *g, int argc, char **argv);
int cmd_backends(struct cli_globals *g, int argc, char **argv);
int cmd_verify(struct cli_globals *g, int argc, char **argv);
int cmd_sandbox(struct cli_globals *g, int argc, char **argv);

/*
 * Applies --verify to eng and, with project_policy, the x-berth.verify
 * block of the compose file in reach (none found: no rules) as the engine's
 * image verification policy (cli/cmd_verify.c). -1 with *err on a bad
 * --verify value or policy.
 */
int cli_verify_setup(struct cli_globals *g, struct berth_engine *eng, bool project_policy,
                     struct berth_error **err);
int cmd_config(struct cli_globals *g, int argc, char **argv);

int cmd_up(struct cli_globals *g, int argc, char **argv);
int cmd_down(struct cli_globals *g, int argc, char **argv);
int cmd_ps(struct cli_globals *g, int argc, char **argv);
int cmd_logs(struct cli_globals *g, int argc, char **argv);
int cmd_start(struct cli_globals *g, int argc, char **argv);
int cmd_stop(struct cli_globals *g, int argc, char **argv);
int cmd_restart(struct cli_globals *g, int argc, char **argv);
int cmd_kill(struct cli_globals *g, int argc, char **argv);
int cmd_rm(struct cli_globals *g, int argc, char **argv);
int cmd_exec(struct cli_globals *g, int argc, char **argv);
int cmd_run(struct cli_globals *g, int argc, char **argv);
int cmd_pull(struct cli_globals *g, int argc, char **argv);
int cmd_images(struct cli_globals *g, int argc, char **argv);
int cmd_port(struct cli_globals *g, int argc, char **argv);
int cmd_top(struct cli_globals *g, int argc, char **argv);
int cmd_events(struct cli_globals *g, int argc, char **argv);
int cmd_wait(struct cli_globals *g, int argc, char **argv);
int cmd_ls(struct cli_globals *g, int argc, char **argv);

/* Single containers, images, the machine's runtimes (cli/cmd_container.c, cmd_image.c, cmd_doctor.c). */
int cmd_container(struct cli_globals *g, int argc, char **argv);
int cmd_image(struct cli_globals *g, int argc, char **argv);
int cmd_doctor(struct cli_globals *g, int argc, char **argv);

struct berth_cleanup_report;
/* Prints a cleanup report as text or one JSON object (cli/cleanup-report.c). */
void cli_print_cleanup_report(const struct berth_cleanup_report *r, bool json, FILE *out);
/* `down --all-projects`: removes every compose project on the backend, prints the report. */
int cli_down_all_projects(struct cli_globals *g, bool volumes, int timeout_s, const char *format);

#endif
