/* Lexical path helpers (POSIX paths). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose/paths.h"
#include "core/util.h"

/* True for a path starting with "/". */
bool paths_is_abs(const char *p)
{
    return p != NULL && p[0] == '/';
}

/* Collapses ".", ".." and repeated slashes. */
char *paths_clean(const char *p)
{
    if (p == NULL || *p == '\0')
        return xstrdup(".");
    bool abs = p[0] == '/';
    size_t n = strlen(p);
    /* split into elements, resolving . and .. on the fly */
    char **el = xcalloc(n + 1, sizeof(*el));
    size_t ne = 0;
    const char *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 1 && s[0] == '.') {
            /* skip */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (ne > 0 && strcmp(el[ne - 1], "..") != 0) {
                free(el[--ne]);
            } else if (!abs) {
                el[ne++] = xstrdup("..");
            }
        } else {
            el[ne++] = xstrndup(s, len);
        }
        s += len;
    }
    size_t total = 2;
    for (size_t i = 0; i < ne; i++)
        total += strlen(el[i]) + 1;
    char *out = xmalloc(total);
    size_t o = 0;
    if (abs)
        out[o++] = '/';
    for (size_t i = 0; i < ne; i++) {
        if (i > 0)
            out[o++] = '/';
        size_t l = strlen(el[i]);
        memcpy(out + o, el[i], l);
        o += l;
        free(el[i]);
    }
    if (o == 0)
        out[o++] = abs ? '/' : '.';
    out[o] = '\0';
    free(el);
    return out;
}

/* Joins and cleans, keeping absolute rel as is. */
char *paths_join(const char *base, const char *rel)
{
    if (paths_is_abs(rel) || base == NULL || *base == '\0')
        return paths_clean(rel);
    char *j = xasprintf("%s/%s", base, rel);
    char *c = paths_clean(j);
    free(j);
    return c;
}

/* The directory part of a path. */
char *paths_dir(const char *p)
{
    const char *slash = strrchr(p, '/');
    if (slash == NULL)
        return xstrdup(".");
    if (slash == p)
        return xstrdup("/");
    return xstrndup(p, (size_t)(slash - p));
}

/* The last element of a path. */
char *paths_base(const char *p)
{
    char *c = paths_clean(p);
    const char *slash = strrchr(c, '/');
    char *b = xstrdup(slash && slash[1] ? slash + 1 : c);
    free(c);
    return b;
}

/* Resolves "~" and relative paths. */
char *paths_resolve(const char *base, const char *p, const char *home)
{
    if (p[0] == '~' && (p[1] == '\0' || p[1] == '/') && home != NULL && *home)
        return paths_join(home, p[1] ? p + 2 : ".");
    return paths_join(base, p);
}

/* True for an existing regular file. */
bool paths_is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* True for an existing directory. */
bool paths_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* True for URLs and remote build contexts. */
bool paths_is_remote(const char *p)
{
    static const char *const prefixes[] = {"http://", "https://", "git://", "git@",
                                           "github.com/", "ssh://", "docker-image://",
                                           "oci-layout://", "service:", "target:"};
    for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
        if (str_starts_with(p, prefixes[i]))
            return true;
    return strstr(p, "://") != NULL;
}

/* The working directory, whatever its length. */
char *paths_cwd(void)
{
    size_t cap = 256;
    for (;;) {
        char *buf = xmalloc(cap);
        if (getcwd(buf, cap) != NULL)
            return buf;
        free(buf);
        if (errno != ERANGE)
            return NULL;
        cap *= 2;
    }
}
