/* Restart policies supervised by berth. Internal. */
#ifndef BERTH_COMPOSE_RESTART_H
#define BERTH_COMPOSE_RESTART_H

#include "compose/engine-internal.h"

/* Parses restart: or deploy.restart_policy of a service definition. */
int restart_policy_parse(const json_t *def, struct restart_policy *p, struct berth_error **err);
/* Records a start time. */
void restart_note_start(struct restart_state *s, uint64_t now_ms);
/* Forgets attempts and backoff. */
void restart_reset(struct restart_state *s);
/* True (with *delay_ms) when an exit with exit_code is to be followed by a restart. */
bool restart_decide(const struct restart_policy *p, struct restart_state *s, int exit_code,
                    uint64_t now_ms, uint64_t *delay_ms);
/* The policy's compose spelling (malloc'd). */
char *restart_policy_name(const struct restart_policy *p);

#endif
