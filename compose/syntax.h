/*
 * Compose short syntaxes and units: durations, byte sizes, port specs,
 * volume specs, shell-style command strings. Pure functions. Internal.
 */
#ifndef BERTH_COMPOSE_SYNTAX_H
#define BERTH_COMPOSE_SYNTAX_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* A problem found by a parser: the message and a fix hint (both malloc'd or NULL). */
struct syntax_err {
    char *msg;
    char *hint;
};

/* Frees the strings of e and zeroes it. */
void syntax_err_clear(struct syntax_err *e);

/* Parses a duration such as "1m30s", "500ms", "2h", "1.5d" into nanoseconds. */
bool syntax_duration(const char *s, int64_t *ns);

/* Formats nanoseconds the way Go's time.Duration prints them ("1m30s"). */
char *syntax_duration_string(int64_t ns);

/* Parses a byte size such as "512m", "1g", "2gb", "1.5k", "1024" (binary units). */
bool syntax_bytes(const char *s, int64_t *out);

/*
 * Parses a short port spec "[ip:][host[-end]:]container[-end][/proto]" and
 * appends one long-syntax object per container port to out. Returns false
 * with e filled on bad syntax.
 */
bool syntax_ports(const char *spec, json_t *out, struct syntax_err *e);

/*
 * Parses a short volume spec "[source:]target[:options]" into a long-syntax
 * object (type, source, target, read_only, bind, volume); source paths are
 * left as written. Returns NULL with e filled on bad syntax.
 */
json_t *syntax_volume(const char *spec, struct syntax_err *e);

/* Splits a command string into words like a POSIX shell (quotes, backslashes). */
json_t *syntax_shell_split(const char *s, struct syntax_err *e);

/* True for a valid IPv4 or IPv6 address (brackets not allowed). */
bool syntax_is_ip(const char *s);

#endif
