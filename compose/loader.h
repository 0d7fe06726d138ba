/*
 * The per-file stages of the compose loader, shared by the project loader,
 * `extends` and `include`: read a file, parse it, check its top level,
 * interpolate it and merge its documents; then apply `include` and
 * `extends`. Loading is synchronous file I/O done before any event loop
 * runs (the library never loads a project from inside a callback of its
 * own), which is why it does not go through the engine. Internal.
 */
#ifndef BERTH_COMPOSE_LOADER_H
#define BERTH_COMPOSE_LOADER_H

#include <stdbool.h>

#include <jansson.h>

#include "compose/diag.h"
#include "compose/strmap.h"
#include "compose/yaml.h"
#include "core/util.h"

/* Receives warnings (obsolete `version`, unset variables ...). */
typedef void (*loader_warn_fn)(const char *msg, void *user);

struct loader {
    struct diag *d;
    bool no_interpolate;
    char *cwd;
    char *home;
    loader_warn_fn warn;
    void *warn_user;
    struct strmap *warned;   /* warnings already given */
    struct strmap *files;    /* path -> struct ynode * read for extends (owned) */
    struct strv chain;       /* include chain, outermost first */
    struct ynode **trash;    /* trees owned until the loader ends */
    size_t ntrash, trashcap;
};

/* Initialises l (cwd, HOME from env). */
void loader_init(struct loader *l, struct diag *d, const json_t *env);

/* Frees what l owns. */
void loader_free(struct loader *l);

/* Sends a warning to the callback once per distinct text. */
void loader_warn(struct loader *l, const char *fmt, ...) BERTH_PRINTF(2, 3);

/* The name a file is shown by: relative to the working directory when inside it. */
char *loader_display_name(const struct loader *l, const char *path);

/*
 * Reads and parses one file into its documents, each checked to be a mapping
 * with string keys (nothing interpolated yet). Relative paths in it will
 * resolve against base_dir. `at` (may be NULL) is the node that referenced
 * the file. Returns -1 with errors in l->d.
 */
int loader_parse(struct loader *l, const char *path, const char *base_dir,
                 const struct ynode *at, struct ydocs *out);

/* Interpolates the documents (unless disabled) and merges them in order; consumes docs. */
struct ynode *loader_finish(struct loader *l, struct ydocs *docs, const char *path,
                            const json_t *env);

/*
 * Reads one compose file: parses every document, checks that each is a
 * mapping with string keys, interpolates it with env (unless disabled) and
 * merges the documents in order. Relative paths in it will resolve against
 * base_dir. `at` (may be NULL) is the node that referenced the file, for a
 * "file not found" message. Returns the tree, or NULL with errors in l->d.
 */
struct ynode *loader_read(struct loader *l, const char *path, const char *base_dir,
                          const json_t *env, const struct ynode *at);

/* Applies `include` and then `extends` to a file's tree (path = the file). */
int loader_stages(struct loader *l, struct ynode *root, const char *path, const json_t *env);

/* Keeps a tree alive until loader_free (for trees that others point into). */
void loader_keep(struct loader *l, struct ynode *n);

#endif
