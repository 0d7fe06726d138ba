/*
 * The cache of successful image verifications: digest reference + rule
 * fingerprint -> when it was verified. Only successes are ever stored; an
 * entry is trusted for the policy's TTL. Optionally persisted as JSON in
 * $XDG_CACHE_HOME/berth/verify-cache.json, rewritten atomically (a temp
 * file in the same directory, fsync, rename) with mode 0600; a file that is
 * not ours or that others can write is ignored (it could vouch for anything).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/verify-internal.h"

/* Biggest cache file read (entries beyond are simply not trusted). */
#define CACHE_FILE_MAX (4 * 1024 * 1024)

/* Most entries kept (oldest dropped first). */
#define CACHE_MAX_ENTRIES 4096

struct centry {
    char *digest_ref;
    char fingerprint[65];
    uint64_t at_ms;
};

struct verify_cache {
    char *path;
    bool loaded;
    struct centry *v;
    size_t n, cap;
};

/* A new cache. */
struct verify_cache *verify_cache_new(const char *path)
{
    struct verify_cache *c = xcalloc(1, sizeof(*c));
    c->path = path != NULL ? xstrdup(path) : NULL;
    return c;
}

/* Frees every entry. */
static void entries_clear(struct verify_cache *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].digest_ref);
    c->n = 0;
}

/* Frees the cache. */
void verify_cache_free(struct verify_cache *c)
{
    if (c == NULL)
        return;
    entries_clear(c);
    free(c->v);
    free(c->path);
    free(c);
}

/* The default file. */
char *verify_cache_default_path(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg != NULL && xdg[0] == '/')
        return xasprintf("%s/berth/verify-cache.json", xdg);
    const char *home = getenv("HOME");
    if (home != NULL && home[0] == '/')
        return xasprintf("%s/.cache/berth/verify-cache.json", home);
    return NULL;
}

/* The file's path. */
const char *verify_cache_path(const struct verify_cache *c)
{
    return c->path;
}

/* Number of entries. */
size_t verify_cache_size(const struct verify_cache *c)
{
    return c->n;
}

/* The entry for the pair, or NULL. */
static struct centry *find(struct verify_cache *c, const char *digest_ref, const char *fp)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].digest_ref, digest_ref) == 0 && strcmp(c->v[i].fingerprint, fp) == 0)
            return &c->v[i];
    return NULL;
}

/* Removes entry i. */
static void remove_at(struct verify_cache *c, size_t i)
{
    free(c->v[i].digest_ref);
    memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
    c->n--;
}

/* Records (or refreshes, keeping the newer time) an entry. */
static void put(struct verify_cache *c, const char *digest_ref, const char *fp, uint64_t at_ms)
{
    struct centry *e = find(c, digest_ref, fp);
    if (e != NULL) {
        if (at_ms > e->at_ms)
            e->at_ms = at_ms;
        return;
    }
    if (c->n >= CACHE_MAX_ENTRIES) {
        size_t oldest = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->v[i].at_ms < c->v[oldest].at_ms)
                oldest = i;
        remove_at(c, oldest);
    }
    c->v = xreallocarray_grow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
    e = &c->v[c->n++];
    e->digest_ref = xstrdup(digest_ref);
    snprintf(e->fingerprint, sizeof(e->fingerprint), "%s", fp);
    e->at_ms = at_ms;
}

/* Reads the persisted entries into memory (a missing or untrusted file adds none). */
static void load_file(struct verify_cache *c)
{
    if (c->path == NULL)
        return;
    int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022) != 0 || st.st_size > CACHE_FILE_MAX) {
        close(fd);
        return;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    json_t *root = json_loadb(buf, got, 0, NULL);
    free(buf);
    json_t *entries = json_object_get(root, "entries");
    if (json_integer_value(json_object_get(root, "version")) == 1 && json_is_array(entries)) {
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e)
        {
            const char *img = json_string_value(json_object_get(e, "image"));
            const char *fp = json_string_value(json_object_get(e, "rule"));
            json_t *at = json_object_get(e, "verified_at_ms");
            if (img == NULL || fp == NULL || strlen(fp) != 64 || !json_is_integer(at) ||
                json_integer_value(at) < 0)
                continue;
            put(c, img, fp, (uint64_t)json_integer_value(at));
        }
    }
    json_decref(root);
}

/* Loads the file once. */
static void ensure_loaded(struct verify_cache *c, bool persist)
{
    if (!persist || c->loaded)
        return;
    c->loaded = true;
    load_file(c);
}

/* Looks up a success within the TTL. */
bool verify_cache_lookup(struct verify_cache *c, const char *digest_ref, const char *fingerprint,
                         uint64_t ttl_ms, bool persist, uint64_t now_ms)
{
    if (ttl_ms == 0)
        return false;
    ensure_loaded(c, persist);
    struct centry *e = find(c, digest_ref, fingerprint);
    /* a time in the future (clock set back) is not trusted either */
    return e != NULL && e->at_ms <= now_ms && now_ms - e->at_ms < ttl_ms;
}

/* Creates the parent directories of path (mode 0700). */
static int make_parents(const char *path, struct berth_error **err)
{
    char *dir = xstrdup(path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            berth_error_set(err, BERTH_E_SYSTEM, e, "cannot create directory %s", dir);
            free(dir);
            return -1;
        }
        *p = '/';
    }
    free(dir);
    return 0;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Rewrites the file atomically with the entries younger than ttl_ms. */
static int save_file(struct verify_cache *c, uint64_t ttl_ms, uint64_t now_ms,
                     struct berth_error **err)
{
    if (make_parents(c->path, err) < 0)
        return -1;
    json_t *entries = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const struct centry *e = &c->v[i];
        if (e->at_ms > now_ms || now_ms - e->at_ms >= ttl_ms)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "image", json_string(e->digest_ref));
        json_object_set_new(o, "rule", json_string(e->fingerprint));
        json_object_set_new(o, "verified_at_ms", json_integer((json_int_t)e->at_ms));
        json_array_append_new(entries, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "entries", entries);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    if (text == NULL)
        abort();
    char *tmp = xasprintf("%s.tmp.XXXXXX", c->path);
    int fd = mkstemp(tmp); /* created 0600, O_EXCL */
    int rc = -1;
    if (fd < 0) {
        berth_error_set(err, BERTH_E_SYSTEM, errno, "cannot create %s", tmp);
        goto out;
    }
    if (fchmod(fd, 0600) < 0 || write_all(fd, text, strlen(text)) < 0 ||
        write_all(fd, "\n", 1) < 0 || fsync(fd) < 0) {
        berth_error_set(err, BERTH_E_SYSTEM, errno, "cannot write %s", tmp);
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) < 0) {
        berth_error_set(err, BERTH_E_SYSTEM, errno, "cannot write %s", tmp);
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, c->path) < 0) {
        berth_error_set(err, BERTH_E_SYSTEM, errno, "cannot replace %s", c->path);
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(text);
    return rc;
}

/* Records a success. */
int verify_cache_store(struct verify_cache *c, const char *digest_ref, const char *fingerprint,
                       uint64_t ttl_ms, bool persist, uint64_t now_ms, struct berth_error **err)
{
    if (ttl_ms == 0)
        return 0;
    put(c, digest_ref, fingerprint, now_ms);
    if (!persist || c->path == NULL)
        return 0;
    /* merge what other berth processes wrote meanwhile, then replace the file */
    load_file(c);
    c->loaded = true;
    if (save_file(c, ttl_ms, now_ms, err) < 0) {
        berth_error_wrap(err, "saving the verification cache");
        return -1;
    }
    return 0;
}

/* Empties the cache. */
int verify_cache_clear(struct verify_cache *c, bool persisted, struct berth_error **err)
{
    entries_clear(c);
    c->loaded = false;
    if (persisted && c->path != NULL && unlink(c->path) < 0 && errno != ENOENT)
        return berth_error_set(err, BERTH_E_SYSTEM, errno, "cannot remove %s", c->path);
    if (persisted)
        c->loaded = true;
    return 0;
}
