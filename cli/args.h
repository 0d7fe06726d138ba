/*
 * Flag values shared by several commands: pull policies, SERVICE=NUM
 * scales, KEY=VALUE environment lists, services given as arguments.
 */
#ifndef BERTH_CLI_ARGS_H
#define BERTH_CLI_ARGS_H

#include <berth/compose.h>

#include "cli/cli.h"

/* Parses --pull (always|missing|never|build; NULL = the services' own policy). */
int args_pull_policy(const char *s, enum berth_pull_policy *out);

/*
 * Parses --scale SERVICE=NUM entries into key/value pairs (both copied;
 * free with args_kv_free). Returns 0 or CLI_EXIT_USAGE after a message.
 */
int args_scale(const struct cli_list *scale, struct berth_kv **out);

/*
 * Parses -e KEY=VALUE / -e KEY (value from our environment) entries, or
 * -l labels, into copied pairs. flag names the flag in messages.
 */
int args_kv(const struct cli_list *list, const char *flag, struct berth_kv **out);

/* Frees pairs from args_scale()/args_kv() (NULL is fine). */
void args_kv_free(struct berth_kv *kv, size_t n);

/* The NULL-terminated list, or NULL when empty (the API's "all"). */
const char *const *args_or_null(const struct cli_list *l);

#endif
