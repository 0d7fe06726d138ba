/*
 * Command flags parsed the way docker compose (cobra) parses them: long
 * flags as `--name value` or `--name=value`, short flags clustered (`-dt 5`,
 * `-t5`), booleans accepting `=true|false`, `--` ending the flags, flags
 * and arguments interspersed unless the command stops at its first argument
 * (exec, run: what follows SERVICE is the command). An unknown flag or a bad
 * value is a usage error (exit 2) naming the flag.
 */
#ifndef BERTH_CLI_FLAGS_H
#define BERTH_CLI_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"

/* What a flag stores. */
enum flag_type {
    FLAG_BOOL = 0, /* bool *: set true (or the =value) */
    FLAG_STRING,   /* const char **: the value (argv memory) */
    FLAG_INT,      /* int *: a decimal integer */
    FLAG_LIST,     /* struct cli_list *: every value of a repeated flag */
};

/* One flag of a command. */
struct flag {
    const char *name; /* long name without "--"; NULL ends a table */
    char short_name;  /* 0 when the flag has none */
    enum flag_type type;
    void *dest;
    const char *arg;  /* placeholder in the help ("SERVICE"), NULL for booleans */
    const char *help;
};

/* A command's flag table and help text. */
struct flags_cmd {
    const char *name;    /* "up" */
    const char *usage;   /* "[OPTIONS] [SERVICE...]" */
    const char *summary; /* one sentence */
    const struct flag *flags;
    bool stop_at_arg;    /* the first argument ends the flags */
    int min_args;        /* fewer arguments: usage error */
    int max_args;        /* more arguments: usage error; -1 = no limit */
};

/* flags_parse() result besides a usage error (CLI_EXIT_USAGE). */
enum { FLAGS_OK = 0, FLAGS_HELP = -1 };

/*
 * Parses argv[1..argc-1] (argv[0] is the command) into the flag
 * destinations; arguments go to args. Returns FLAGS_OK, FLAGS_HELP after
 * printing the help to stdout (-h/--help), or CLI_EXIT_USAGE after printing
 * the problem and a hint to stderr.
 */
int flags_parse(const struct flags_cmd *cmd, int argc, char **argv, struct cli_list *args);

/* The exit code for a flags_parse() result other than FLAGS_OK. */
int flags_exit(int rc);

/* Prints the command's help. */
void flags_help(const struct flags_cmd *cmd, FILE *out);

/* Parses a whole decimal int; false on anything else (empty, junk, overflow). */
bool flags_int(const char *s, int *out);

#endif
