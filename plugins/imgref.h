/*
 * Image references: parsing and docker's normalisation ("alpine" ->
 * "docker.io/library/alpine:latest"), used to match verification rules and
 * to pick an image's repository digest. Internal.
 */
#ifndef BERTH_PLUGINS_IMGREF_H
#define BERTH_PLUGINS_IMGREF_H

#include <stdbool.h>

/* A parsed reference: [domain/]path[:tag][@digest]. */
struct imgref {
    char *domain;         /* "docker.io" when the reference names none */
    char *path;           /* "library/alpine" */
    char *tag;            /* NULL when none */
    char *digest;         /* "sha256:<hex>", NULL when none */
    bool explicit_domain; /* the reference named its registry */
};

/* Parses ref into out; -1 (out zeroed) when it is not a valid reference. */
int imgref_parse(const char *ref, struct imgref *out);

/* Frees what out holds (not out itself). */
void imgref_free(struct imgref *r);

/* "domain/path" (malloc'd). */
char *imgref_repository(const struct imgref *r);

/* "domain/path:tag" ("latest" when untagged and undigested) or "domain/path[:tag]@digest". */
char *imgref_normalized(const struct imgref *r);

/* True for "sha256:" followed by 64 lower-case hex digits. */
bool imgref_digest_valid(const char *d);

/*
 * Splits "repository@digest" (a repo_digests entry): the repository
 * normalised (malloc'd into *repo) and the digest (into *digest). -1 when
 * the entry is not of that form.
 */
int imgref_split_repo_digest(const char *entry, char **repo, char **digest);

#endif
