/*
 * Image references, parsed and normalised the way docker's reference
 * package does: the first path component is a registry when it contains a
 * '.' or a ':' or is "localhost"; otherwise the registry is docker.io, and a
 * single-component path there lives under library/.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/imgref.h"

/* Longest reference accepted (docker's limit on names is 255 for the path). */
#define IMGREF_MAX 1024

/* True when every byte of s[0..n) is allowed in a reference. */
static bool chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-' || c == '/' || c == ':' || c == '@';
        if (!ok)
            return false;
    }
    return true;
}

/* A path component: [a-z0-9] separated by ., _, __ or -; never empty. */
static bool component_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (alnum)
            continue;
        if ((c == '.' || c == '_' || c == '-') && i > 0 && i + 1 < n)
            continue;
        return false;
    }
    return true;
}

/* A tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool tag_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* True for "sha256:" and 64 lower-case hex digits. */
bool imgref_digest_valid(const char *d)
{
    if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* A registry: host[:port], letters, digits, '.', '-' and one ':' before a port. */
static bool domain_ok(const char *s, size_t n)
{
    if (n == 0 || s[0] == '-' || s[0] == '.')
        return false;
    const char *colon = memchr(s, ':', n);
    size_t host = colon != NULL ? (size_t)(colon - s) : n;
    if (host == 0)
        return false;
    for (size_t i = 0; i < host; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            return false;
    }
    if (colon != NULL) {
        if (host + 1 >= n)
            return false;
        for (size_t i = host + 1; i < n; i++)
            if (s[i] < '0' || s[i] > '9')
                return false;
    }
    return true;
}

/* Parses a reference. */
int imgref_parse(const char *ref, struct imgref *out)
{
    memset(out, 0, sizeof(*out));
    if (ref == NULL)
        return -1;
    size_t len = strlen(ref);
    if (len == 0 || len > IMGREF_MAX || ref[0] == '-' || !chars_ok(ref, len))
        return -1;
    const char *at = strchr(ref, '@');
    size_t name_end = at != NULL ? (size_t)(at - ref) : len;
    if (at != NULL && !imgref_digest_valid(at + 1))
        return -1;
    /* the tag is after the last ':' that follows the last '/' */
    const char *slash = NULL;
    for (size_t i = 0; i < name_end; i++)
        if (ref[i] == '/')
            slash = ref + i;
    const char *colon = NULL;
    for (const char *p = slash != NULL ? slash : ref; p < ref + name_end; p++)
        if (*p == ':')
            colon = p;
    size_t repo_end = colon != NULL ? (size_t)(colon - ref) : name_end;
    char *tag = colon != NULL ? xstrndup(colon + 1, name_end - repo_end - 1) : NULL;
    if (tag != NULL && !tag_ok(tag)) {
        free(tag);
        return -1;
    }
    /* domain: the first component when it looks like a host */
    const char *first_slash = memchr(ref, '/', repo_end);
    size_t path_start = 0;
    char *domain = NULL;
    if (first_slash != NULL) {
        size_t dl = (size_t)(first_slash - ref);
        bool host = memchr(ref, '.', dl) != NULL || memchr(ref, ':', dl) != NULL ||
                    (dl == 9 && strncmp(ref, "localhost", 9) == 0);
        if (host) {
            if (!domain_ok(ref, dl)) {
                free(tag);
                return -1;
            }
            domain = xstrndup(ref, dl);
            path_start = dl + 1;
            out->explicit_domain = true;
        }
    }
    /* path components */
    const char *p = ref + path_start;
    const char *end = ref + repo_end;
    if (p >= end) {
        free(tag);
        free(domain);
        return -1;
    }
    while (p < end) {
        const char *s = memchr(p, '/', (size_t)(end - p));
        size_t n = s != NULL ? (size_t)(s - p) : (size_t)(end - p);
        if (!component_ok(p, n)) {
            free(tag);
            free(domain);
            return -1;
        }
        p += n + (s != NULL ? 1 : 0);
        if (s != NULL && p >= end) { /* trailing '/' */
            free(tag);
            free(domain);
            return -1;
        }
    }
    char *path = xstrndup(ref + path_start, repo_end - path_start);
    if (domain == NULL || strcmp(domain, "index.docker.io") == 0) {
        free(domain);
        domain = xstrdup("docker.io");
    }
    if (strcmp(domain, "docker.io") == 0 && strchr(path, '/') == NULL) {
        char *full = xasprintf("library/%s", path);
        free(path);
        path = full;
    }
    out->domain = domain;
    out->path = path;
    out->tag = tag;
    out->digest = at != NULL ? xstrdup(at + 1) : NULL;
    return 0;
}

/* Frees the parts. */
void imgref_free(struct imgref *r)
{
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

/* domain/path */
char *imgref_repository(const struct imgref *r)
{
    return xasprintf("%s/%s", r->domain, r->path);
}

/* The normalised reference. */
char *imgref_normalized(const struct imgref *r)
{
    if (r->digest != NULL)
        return xasprintf("%s/%s%s%s@%s", r->domain, r->path, r->tag ? ":" : "",
                         r->tag ? r->tag : "", r->digest);
    return xasprintf("%s/%s:%s", r->domain, r->path, r->tag ? r->tag : "latest");
}

/* Splits a repo_digests entry. */
int imgref_split_repo_digest(const char *entry, char **repo, char **digest)
{
    *repo = NULL;
    *digest = NULL;
    struct imgref r;
    if (imgref_parse(entry, &r) < 0)
        return -1;
    if (r.digest == NULL) {
        imgref_free(&r);
        return -1;
    }
    *repo = imgref_repository(&r);
    *digest = xstrdup(r.digest);
    imgref_free(&r);
    return 0;
}
