/*
 * Containers found on the backend by their compose labels, copied out of
 * the backend's result so commands keep them after the callback (images,
 * port, top, wait, ls need more than the engine's ps gives).
 */
#ifndef BERTH_CLI_CTRS_H
#define BERTH_CLI_CTRS_H

#include <stdbool.h>
#include <stddef.h>

#include <berth/backend.h>
#include <berth/runtime.h>

/* A published port. */
struct ctr_port {
    int container_port;
    char *protocol;
    char *host_ip;
    int host_port; /* 0: not published */
};

/* One container and its compose labels. */
struct ctr {
    char *id, *name, *image, *status;
    char *project, *service, *config_files, *working_dir;
    int number;       /* com.docker.compose.container-number, 0 unknown */
    bool oneoff;
    enum berth_cstate state;
    int exit_code;
    int pid;
    long long created_at;
    struct ctr_port *ports;
    size_t n_ports;
};

/* Containers sorted by project, service, number. */
struct ctrs {
    struct ctr *v;
    size_t n;
};

/* Called once with the list (owned by the callee, free with ctrs_free) or an error. */
typedef void (*ctrs_done_fn)(struct ctrs *list, const struct berth_error *err, void *user);

/*
 * Lists the containers labelled com.docker.compose.project=project (any
 * project when NULL), of the given services (NULL-terminated, NULL = all),
 * stopped ones too when all. Returns -1 with *err when the list cannot start.
 */
int ctrs_list(struct berth_backend *b, const char *project, const char *const *services,
              bool all, ctrs_done_fn done, void *user, struct berth_error **err);

/* The value of label key, or NULL. */
const char *ctrs_label(const struct berth_kv *labels, size_t n, const char *key);

/* The docker-style "0.0.0.0:8080->80/tcp, 443/tcp" text of c's ports (malloc'ed). */
char *ctrs_ports_text(const struct ctr *c);

/* Frees a list (NULL is fine). */
void ctrs_free(struct ctrs *l);

#endif
