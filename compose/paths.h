/* Lexical path helpers for the loader (no symlink resolution). Internal. */
#ifndef BERTH_COMPOSE_PATHS_H
#define BERTH_COMPOSE_PATHS_H

#include <stdbool.h>

/* True for an absolute path. */
bool paths_is_abs(const char *p);

/* Cleans a path lexically: collapses "//", "." and "..". Returns malloc'd. */
char *paths_clean(const char *p);

/* base/rel cleaned; rel returned cleaned when absolute. Returns malloc'd. */
char *paths_join(const char *base, const char *rel);

/* The directory part of p ("." when none). Returns malloc'd. */
char *paths_dir(const char *p);

/* The last element of p. Returns malloc'd. */
char *paths_base(const char *p);

/*
 * Resolves a path written in a compose file: "~" and "~/..." against home,
 * relative paths against base. Returns malloc'd.
 */
char *paths_resolve(const char *base, const char *p, const char *home);

/* True when path names a regular file (stat). */
bool paths_is_file(const char *p);

/* True when path names a directory (stat). */
bool paths_is_dir(const char *p);

/* True for a remote build context or URL (git@, http://, ...). */
bool paths_is_remote(const char *p);

/* The current working directory (malloc'd), or NULL. */
char *paths_cwd(void);

#endif
