/*
 * Text formatting shared by the commands, as pure functions: docker's human
 * durations, quoted and truncated commands, `ps` status, ps/ls JSON objects,
 * signal names, KEY=VALUE and shell-like word splitting.
 */
#ifndef BERTH_CLI_FORMAT_H
#define BERTH_CLI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <berth/compose.h>

/* docker's units.HumanDuration: "Less than a second", "About a minute", "3 hours" ... */
void format_human_duration(int64_t secs, char *buf, size_t size);

/* "2 minutes ago" for a creation time (unix seconds) seen at now; "" when unknown. */
void format_ago(int64_t when, int64_t now, char *buf, size_t size);

/* "2006-01-02 15:04:05 +0000 UTC" style local time (docker's CreatedAt). */
void format_timestamp(int64_t when, char *buf, size_t size);

/*
 * s truncated to max characters (the last one replaced by "…") when trunc,
 * then quoted like Go's strconv.Quote. Returns a malloc'ed string.
 */
char *format_command(const char *s, bool trunc, size_t max);

/* The STATUS column: the runtime's status, plus " (health)" when berth knows it. Malloc'ed. */
char *format_status(const struct berth_compose_container *c);

/* The name shown for a container in logs: "<service>-<n>", or the name without "<project>-". */
char *format_short_name(const char *project, const char *service, int replica,
                        const char *container);

/*
 * Publishers of a docker-style ports text ("0.0.0.0:8080->80/tcp, 443/tcp")
 * as docker compose's ps JSON shows them: [{URL, TargetPort, PublishedPort,
 * Protocol}].
 */
json_t *format_publishers(const char *ports);

/* One container as `ps --format json` prints it (one object per line, like docker compose). */
json_t *format_ps_json(const struct berth_compose_container *c, const char *project, int64_t now);

/* A signal from its name ("SIGTERM", "TERM", "term") or number; -1 when unknown. */
int format_signal(const char *s);

/*
 * Splits "KEY=VALUE"; a bare "KEY" takes its value from the environment (or
 * stays without value). Fills key and value with malloc'ed strings (the value may
 * be NULL). Returns false for an empty key.
 */
bool format_kv(const char *s, char **key, char **value);

/*
 * Splits a command line into words like a POSIX shell would, quotes and
 * backslashes only (no expansion). Returns a NULL-terminated malloc'ed
 * vector, or NULL when a quote is not closed.
 */
char **format_split_words(const char *s);

/* Frees a vector from format_split_words() (NULL is fine). */
void format_strv_free(char **v);

#endif
