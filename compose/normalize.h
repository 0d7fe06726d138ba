/*
 * Normalisation: the merged node tree of a project becomes the model, a
 * jansson object in exactly the shape `docker compose config --format json`
 * prints: long syntax everywhere (ports, volumes, depends_on, networks,
 * secrets, configs), environment resolved (env_file merged in, value-less
 * entries from the project environment), durations in Go's format, sizes in
 * bytes, relative paths resolved against the directory each value came from,
 * implicit dependencies (links, volumes_from, service:X namespaces), default
 * network, `<project>_<key>` resource names and build defaults. Problems
 * found on the way (bad port spec, bad duration ...) go to the diagnostics
 * with their position. Internal.
 */
#ifndef BERTH_COMPOSE_NORMALIZE_H
#define BERTH_COMPOSE_NORMALIZE_H

#include <stdbool.h>

#include <jansson.h>

#include "compose/diag.h"
#include "compose/strmap.h"
#include "compose/yaml.h"

struct loader;

/*
 * Where each model value came from: "services.web.ports[0]" -> node. The
 * origins map names, for implicit dependencies ("services.a.depends_on.b"),
 * the attribute that created them ("network_mode", "links" ...).
 */
struct posidx {
    struct strmap *nodes;
    struct strmap *origins;
};

/* Creates an empty index. */
void posidx_init(struct posidx *p);
/* Frees the index (not the nodes). */
void posidx_free(struct posidx *p);
/* The node recorded for path, or NULL. */
const struct ynode *posidx_get(const struct posidx *p, const char *path);
/* The origin attribute of an implicit dependency path, or NULL. */
const char *posidx_origin(const struct posidx *p, const char *path);

struct nz_opts {
    const char *project;      /* project name */
    const char *workdir;      /* project directory (absolute) */
    const char *home;         /* for "~" */
    const json_t *env;        /* project environment */
    bool no_interpolate;      /* values may still hold ${...}: keep them as text */
    const struct strmap *active; /* services to normalise (NULL: all) */
    struct loader *loader;    /* for warnings (may be NULL) */
};

/* Builds the model of root. Returns NULL only when root is unusable. */
json_t *normalize_project(const struct ynode *root, const struct nz_opts *o, struct posidx *pos,
                          struct diag *d);

/* A plain JSON value of a node (types resolved, no normalisation). */
json_t *normalize_plain(const struct ynode *n);

#endif
