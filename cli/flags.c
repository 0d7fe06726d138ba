/* Command flag parsing, docker compose style (see cli/flags.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/flags.h"

/* Finds the flag of a long name (len bytes of name), or NULL. */
static const struct flag *find_long(const struct flag *flags, const char *name, size_t len)
{
    for (const struct flag *f = flags; f != NULL && f->name != NULL; f++)
        if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
            return f;
    return NULL;
}

/* Finds the flag of a short letter, or NULL. */
static const struct flag *find_short(const struct flag *flags, char c)
{
    for (const struct flag *f = flags; f != NULL && f->name != NULL; f++)
        if (f->short_name != 0 && f->short_name == c)
            return f;
    return NULL;
}

bool flags_int(const char *s, int *out)
{
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

/* Spells a flag for messages: "-t, --timeout" or "--wait". */
static void flag_spelling(const struct flag *f, char *buf, size_t size)
{
    if (f->short_name != 0)
        snprintf(buf, size, "-%c, --%s", f->short_name, f->name);
    else
        snprintf(buf, size, "--%s", f->name);
}

/* Stores value into f's destination; CLI_EXIT_USAGE on a bad value. */
static int store(const struct flags_cmd *cmd, const struct flag *f, const char *value)
{
    char spell[96];
    flag_spelling(f, spell, sizeof(spell));
    switch (f->type) {
    case FLAG_BOOL:
        if (value == NULL || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
            *(bool *)f->dest = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
            *(bool *)f->dest = false;
        else
            return cli_usage_error("use true or false",
                                   "%s: invalid value '%s' for %s: not a boolean", cmd->name,
                                   value, spell);
        return 0;
    case FLAG_STRING:
        *(const char **)f->dest = value;
        return 0;
    case FLAG_INT:
        if (!flags_int(value, (int *)f->dest))
            return cli_usage_error("give a whole number, e.g. 10",
                                   "%s: invalid value '%s' for %s: not an integer", cmd->name,
                                   value, spell);
        return 0;
    case FLAG_LIST:
        cli_list_push((struct cli_list *)f->dest, value);
        return 0;
    }
    return 0;
}

/* Reports an unknown flag. */
static int unknown(const struct flags_cmd *cmd, const char *spelled)
{
    char hint[128];
    snprintf(hint, sizeof(hint), "run 'berth %s --help' for its flags", cmd->name);
    return cli_usage_error(hint, "%s: unknown flag: %s", cmd->name, spelled);
}

/* Reports a flag given without its value. */
static int missing_value(const struct flags_cmd *cmd, const struct flag *f)
{
    char spell[96], hint[160];
    flag_spelling(f, spell, sizeof(spell));
    snprintf(hint, sizeof(hint), "write %s %s", spell, f->arg != NULL ? f->arg : "VALUE");
    return cli_usage_error(hint, "%s: flag needs an argument: %s", cmd->name, spell);
}

/* Parses one "--name[=value]" at argv[*i]; advances *i past a separate value. */
static int parse_long(const struct flags_cmd *cmd, int argc, char **argv, int *i, bool *help)
{
    const char *body = argv[*i] + 2;
    const char *eq = strchr(body, '=');
    size_t len = eq != NULL ? (size_t)(eq - body) : strlen(body);
    if (len == 4 && strncmp(body, "help", 4) == 0 && eq == NULL) {
        *help = true;
        return 0;
    }
    const struct flag *f = find_long(cmd->flags, body, len);
    if (f == NULL) {
        char spelled[128];
        snprintf(spelled, sizeof(spelled), "--%.*s", (int)len, body);
        return unknown(cmd, spelled);
    }
    if (f->type == FLAG_BOOL)
        return store(cmd, f, eq != NULL ? eq + 1 : NULL);
    if (eq != NULL)
        return store(cmd, f, eq + 1);
    if (*i + 1 >= argc)
        return missing_value(cmd, f);
    (*i)++;
    return store(cmd, f, argv[*i]);
}

/* Parses a cluster of short flags ("-dt5", "-e", "K=V") at argv[*i]. */
static int parse_short(const struct flags_cmd *cmd, int argc, char **argv, int *i, bool *help)
{
    const char *p = argv[*i] + 1;
    for (; *p != '\0'; p++) {
        if (*p == 'h' && find_short(cmd->flags, 'h') == NULL) {
            *help = true;
            return 0;
        }
        const struct flag *f = find_short(cmd->flags, *p);
        if (f == NULL) {
            char spelled[8] = {'-', *p, '\0'};
            return unknown(cmd, spelled);
        }
        if (f->type == FLAG_BOOL) {
            if (p[1] == '=')
                return store(cmd, f, p + 2);
            int rc = store(cmd, f, NULL);
            if (rc != 0)
                return rc;
            continue;
        }
        if (p[1] != '\0')
            return store(cmd, f, p[1] == '=' ? p + 2 : p + 1);
        if (*i + 1 >= argc)
            return missing_value(cmd, f);
        (*i)++;
        return store(cmd, f, argv[*i]);
    }
    return 0;
}

int flags_parse(const struct flags_cmd *cmd, int argc, char **argv, struct cli_list *args)
{
    bool help = false, flags_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (flags_done || a[0] != '-' || a[1] == '\0') {
            cli_list_push(args, a);
            if (cmd->stop_at_arg)
                flags_done = true;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            flags_done = true;
            continue;
        }
        if (a[1] == '-')
            rc = parse_long(cmd, argc, argv, &i, &help);
        else
            rc = parse_short(cmd, argc, argv, &i, &help);
        if (rc != 0)
            return rc;
        if (help) {
            flags_help(cmd, stdout);
            return FLAGS_HELP;
        }
    }
    char hint[128];
    snprintf(hint, sizeof(hint), "usage: berth %s %s", cmd->name, cmd->usage);
    if ((int)args->n < cmd->min_args)
        return cli_usage_error(hint, "%s: %s", cmd->name,
                               cmd->min_args == 1 ? "requires an argument"
                                                  : "requires more arguments");
    if (cmd->max_args >= 0 && (int)args->n > cmd->max_args) {
        if (cmd->max_args == 0)
            return cli_usage_error(hint, "%s: takes no arguments, got '%s'", cmd->name,
                                   args->v[0]);
        return cli_usage_error(hint, "%s: too many arguments (at most %d), '%s' is extra",
                               cmd->name, cmd->max_args, args->v[cmd->max_args]);
    }
    return FLAGS_OK;
}

int flags_exit(int rc)
{
    return rc == FLAGS_HELP ? CLI_EXIT_OK : rc;
}

void flags_help(const struct flags_cmd *cmd, FILE *out)
{
    fprintf(out, "Usage:  berth %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->flags == NULL || cmd->flags[0].name == NULL)
        return;
    fputs("\nOptions:\n", out);
    for (const struct flag *f = cmd->flags; f->name != NULL; f++) {
        char left[96];
        if (f->short_name != 0)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", f->short_name, f->name,
                     f->arg != NULL ? " " : "", f->arg != NULL ? f->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", f->name, f->arg != NULL ? " " : "",
                     f->arg != NULL ? f->arg : "");
        if (strlen(left) > 30)
            fprintf(out, "  %s\n  %-30s %s\n", left, "", f->help);
        else
            fprintf(out, "  %-30s %s\n", left, f->help);
    }
}
