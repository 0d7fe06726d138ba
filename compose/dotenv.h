/* .env / env_file parser with the Compose Specification's dotenv rules. Internal. */
#ifndef BERTH_COMPOSE_DOTENV_H
#define BERTH_COMPOSE_DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <berth/error.h>
#include "compose/interp.h"

/*
 * Parses dotenv text. Rules: blank lines and '#' comments; optional `export `
 * prefix; KEY=VALUE, KEY: VALUE and bare KEY (a key with no value: stored as
 * JSON null unless `lookup` finds it, then its value); single quotes literal;
 * double quotes with escapes (\n \t \" \\ ...), multi-line quoted values;
 * inline ` #` comments after unquoted values; ${VAR} references in unquoted
 * and double-quoted values resolved first through `lookup` (the process
 * environment) and then through keys defined earlier in this file or already
 * in `out`. raw = true (env_file `format: raw`): no quotes, escapes or
 * interpolation, the value is the rest of the line.
 *
 * Every key found is set in `out` (a JSON object: string or null values),
 * later keys overriding earlier ones. On error returns -1 with *err set naming
 * filename:line and the problem (unterminated quote, invalid key, bad
 * variable reference); `out` may then hold the keys parsed so far.
 *
 * Messages start with "FILENAME:LINE: " and carry a fix hint. Syntax errors
 * are BERTH_E_PARSE ("unexpected character \"$\" in variable name ...",
 * "... key cannot contain a space", "unterminated quoted value for KEY: ...",
 * "missing variable name before '='", a value with a NUL byte or invalid
 * UTF-8); interpolation errors keep interp_expand's BERTH_E_INVALID and read
 * "FILE:LINE: value of KEY: required variable X is missing a value: msg".
 * The exact rules, and the few places where they knowingly differ from
 * compose-go, are listed at the top of dotenv.c. data may hold NUL bytes and
 * need not end with a newline; a leading UTF-8 BOM is skipped.
 */
int dotenv_parse(const char *data, size_t len, const char *filename, bool raw,
                 interp_lookup_fn lookup, void *user, json_t *out, struct berth_error **err);

/*
 * Reads and parses a file (see dotenv_parse; messages name `path`). A missing
 * file is BERTH_E_NOT_FOUND, an unreadable one BERTH_E_SYSTEM, one over 64 MiB
 * BERTH_E_TOO_LARGE.
 */
int dotenv_parse_file(const char *path, bool raw, interp_lookup_fn lookup, void *user,
                      json_t *out, struct berth_error **err);

#endif
