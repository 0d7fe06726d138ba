/* Helpers shared by every command: lists, usage errors, error reports, colour. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* Appends s to l, keeping the vector NULL-terminated. */
void cli_list_push(struct cli_list *l, const char *s)
{
    if (l->n + 1 >= l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

/* Prints a usage problem and its hint to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("berth: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (hint != NULL)
        fprintf(stderr, "hint: %s\n", hint);
    return CLI_EXIT_USAGE;
}

/* Prints an error (message, then hint) to stderr and frees it. */
int cli_report_error(struct berth_error *err)
{
    fprintf(stderr, "berth: %s\n", berth_error_message(err));
    if (berth_error_hint(err) != NULL)
        fprintf(stderr, "hint: %s\n", berth_error_hint(err));
    berth_error_free(err);
    return CLI_EXIT_FAILURE;
}

/* Whether fd should get colours: --ansi, then NO_COLOR, then whether it is a terminal. */
bool cli_use_color(const struct cli_globals *g, int fd)
{
    if (g->ansi != NULL && strcmp(g->ansi, "always") == 0)
        return true;
    if (g->ansi != NULL && strcmp(g->ansi, "never") == 0)
        return false;
    const char *nc = getenv("NO_COLOR");
    if (nc != NULL && nc[0] != '\0')
        return false;
    const char *term = getenv("TERM");
    if (term != NULL && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fd) != 0;
}
