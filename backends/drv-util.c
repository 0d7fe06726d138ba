/* Helpers shared by the container driver plugins (see drv-util.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "backends/drv-util.h"

/* Out of memory is the one condition berth aborts on. */
static void drv_oom(void)
{
    fputs("berth: out of memory\n", stderr);
    abort();
}

/* malloc that aborts on OOM. */
void *drv_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        drv_oom();
    return p;
}

/* calloc that aborts on OOM. */
void *drv_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        drv_oom();
    return p;
}

/* realloc that aborts on OOM. */
void *drv_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL)
        drv_oom();
    return p;
}

/* strdup that aborts on OOM (NULL copies as ""). */
char *drv_xstrdup(const char *s)
{
    return drv_xstrndup(s ? s : "", s ? strlen(s) : 0);
}

/* strndup that aborts on OOM. */
char *drv_xstrndup(const char *s, size_t n)
{
    char *d = drv_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* vasprintf that aborts on OOM. */
char *drv_xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        drv_oom();
    char *s = drv_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* asprintf that aborts on OOM. */
char *drv_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = drv_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* ------------------------------------------------------------------ argv */

/* Empties an argv. */
void drv_argv_init(struct drv_argv *a)
{
    a->v = NULL;
    a->n = 0;
    a->cap = 0;
}

/* Appends an owned string, keeping the NULL terminator. */
static void drv_argv_take(struct drv_argv *a, char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = drv_xrealloc(a->v, a->cap * sizeof(char *));
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

/* Appends a copy of s. */
void drv_argv_push(struct drv_argv *a, const char *s)
{
    drv_argv_take(a, drv_xstrdup(s));
}

/* Appends a formatted string. */
void drv_argv_pushf(struct drv_argv *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    drv_argv_take(a, drv_xvasprintf(fmt, ap));
    va_end(ap);
}

/* Appends a flag and its value as separate elements. */
void drv_argv_push2(struct drv_argv *a, const char *flag, const char *value)
{
    drv_argv_push(a, flag);
    drv_argv_push(a, value);
}

/* Appends every element of a NULL-terminated vector (NULL is fine). */
void drv_argv_push_all(struct drv_argv *a, const char *const *v)
{
    for (; v != NULL && *v != NULL; v++)
        drv_argv_push(a, *v);
}

/* Frees the elements and the vector. */
void drv_argv_free(struct drv_argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    drv_argv_init(a);
}

/* The NULL-terminated vector (an empty one when nothing was pushed). */
const char *const *drv_argv_get(struct drv_argv *a)
{
    if (a->v == NULL) {
        a->cap = 16;
        a->v = drv_xcalloc(a->cap, sizeof(char *));
    }
    return (const char *const *)a->v;
}

/* Joins a vector with single spaces. */
char *drv_argv_join(const char *const *v)
{
    struct drv_buf b;
    drv_buf_init(&b);
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        if (i > 0)
            drv_buf_addc(&b, ' ');
        drv_buf_adds(&b, v[i]);
    }
    return b.p != NULL ? b.p : drv_xstrdup("");
}

/* ---------------------------------------------------------------- buffer */

/* Empties a buffer. */
void drv_buf_init(struct drv_buf *b)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

/* Makes room for n more bytes plus the terminator. */
static void drv_buf_grow(struct drv_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t c = b->cap ? b->cap : 64;
    while (c < b->len + n + 1)
        c *= 2;
    b->p = drv_xrealloc(b->p, c);
    b->cap = c;
}

/* Appends n bytes. */
void drv_buf_add(struct drv_buf *b, const char *s, size_t n)
{
    drv_buf_grow(b, n);
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Appends a C string. */
void drv_buf_adds(struct drv_buf *b, const char *s)
{
    drv_buf_add(b, s, strlen(s));
}

/* Appends one byte. */
void drv_buf_addc(struct drv_buf *b, char c)
{
    drv_buf_add(b, &c, 1);
}

/* Appends formatted text. */
void drv_buf_addf(struct drv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = drv_xvasprintf(fmt, ap);
    va_end(ap);
    drv_buf_adds(b, s);
    free(s);
}

/* Appends, then drops the oldest bytes beyond max. */
void drv_buf_add_tail(struct drv_buf *b, const char *s, size_t n, size_t max)
{
    if (n >= max) {
        b->len = 0;
        drv_buf_add(b, s + (n - max), max);
        return;
    }
    drv_buf_add(b, s, n);
    if (b->len > max) {
        size_t drop = b->len - max;
        memmove(b->p, b->p + drop, b->len - drop);
        b->len -= drop;
        b->p[b->len] = '\0';
    }
}

/* Frees the buffer's memory. */
void drv_buf_free(struct drv_buf *b)
{
    free(b->p);
    drv_buf_init(b);
}

/* ----------------------------------------------------------------- arena */

struct drv_arena_node {
    struct drv_arena_node *next;
    max_align_t data[];
};

/* Empties an arena. */
void drv_arena_init(struct drv_arena *a)
{
    a->head = NULL;
}

/* Allocates zeroed memory owned by the arena. */
void *drv_arena_alloc(struct drv_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > ((size_t)-1 - sizeof(struct drv_arena_node)) / size)
        drv_oom();
    struct drv_arena_node *node = drv_xcalloc(1, sizeof(*node) + n * size);
    node->next = a->head;
    a->head = node;
    return node->data;
}

/* Copies n bytes of s (plus a terminator) into the arena. */
char *drv_arena_strndup(struct drv_arena *a, const char *s, size_t n)
{
    char *d = drv_arena_alloc(a, n + 1, 1);
    memcpy(d, s, n);
    return d;
}

/* Copies a C string into the arena (NULL copies as NULL). */
char *drv_arena_strdup(struct drv_arena *a, const char *s)
{
    return s != NULL ? drv_arena_strndup(a, s, strlen(s)) : NULL;
}

/* Formats into the arena. */
char *drv_arena_printf(struct drv_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = drv_xvasprintf(fmt, ap);
    va_end(ap);
    char *d = drv_arena_strdup(a, s);
    free(s);
    return d;
}

/* Frees everything the arena owns. */
void drv_arena_free(struct drv_arena *a)
{
    struct drv_arena_node *n = a->head;
    while (n != NULL) {
        struct drv_arena_node *next = n->next;
        free(n);
        n = next;
    }
    a->head = NULL;
}

/* ---------------------------------------------------------------- errors */

/* Creates an error through the host with a preformatted message. */
struct berth_error *drv_error(const struct berth_host *host, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = drv_xvasprintf(fmt, ap);
    va_end(ap);
    struct berth_error *e = host->error_new(code, 0, "%s", msg);
    free(msg);
    return e;
}

/* Stores a new error in *err unless one is there already; returns -1. */
int drv_fail(const struct berth_host *host, struct berth_error **err, int code, const char *fmt,
             ...)
{
    if (err == NULL || *err != NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *msg = drv_xvasprintf(fmt, ap);
    va_end(ap);
    *err = host->error_new(code, 0, "%s", msg);
    free(msg);
    return -1;
}

/* ------------------------------------------------------------ validation */

/* Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool drv_name_valid(const char *s)
{
    if (s == NULL || !isalnum((unsigned char)s[0]))
        return false;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c > 127 || !(isalnum(c) || c == '_' || c == '.' || c == '-'))
            return false;
    }
    return n <= 255;
}

/* Refuses a name that is empty, could read as a flag, or breaks the rule. */
int drv_check_name(const struct berth_host *host, const char *what, const char *name,
                   struct berth_error **err)
{
    if (name == NULL || name[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "%s name is empty", what);
    if (!drv_name_valid(name)) {
        int rc = drv_fail(host, err, BERTH_E_INVALID,
                          "invalid %s name '%.*s': must match [a-zA-Z0-9][a-zA-Z0-9_.-]* "
                          "(at most 255 characters)",
                          what, 300, name);
        if (err != NULL && *err != NULL)
            host->error_set_hint(*err, "use letters, digits, '_', '.' and '-' only, "
                                       "starting with a letter or digit");
        return rc;
    }
    return 0;
}

/* True when s has no control characters (tab allowed). */
bool drv_text_clean(const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* Refuses image references that are empty, flag-like or contain blanks. */
int drv_check_image(const struct berth_host *host, const char *ref, struct berth_error **err)
{
    if (ref == NULL || ref[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "image reference is empty");
    size_t n = strlen(ref);
    bool bad = ref[0] == '-' || n > 4096;
    for (size_t i = 0; i < n && !bad; i++) {
        unsigned char c = (unsigned char)ref[i];
        bad = c <= 0x20 || c == 0x7f;
    }
    if (bad)
        return drv_fail(host, err, BERTH_E_INVALID,
                        "invalid image reference '%.*s': it must not start with '-' or "
                        "contain blanks or control characters",
                        200, ref);
    return 0;
}

/* ------------------------------------------------------------------ time */

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static int64_t drv_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n decimal digits. */
static bool drv_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Parses RFC 3339 and Go time.String() timestamps. */
int drv_parse_time(const char *s, int64_t *out)
{
    if (s == NULL)
        return -1;
    const char *p = s;
    int y, mo, d, h, mi, se;
    if (!drv_digits(&p, 4, &y) || *p++ != '-' || !drv_digits(&p, 2, &mo) || *p++ != '-' ||
        !drv_digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (!drv_digits(&p, 2, &h) || *p++ != ':' || !drv_digits(&p, 2, &mi) || *p++ != ':' ||
        !drv_digits(&p, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    int64_t off = 0;
    if (*p == ' ')
        p++;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (!drv_digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (!drv_digits(&p, 2, &om))
            return -1;
        off = sign * (int64_t)(oh * 3600 + om * 60);
    } else {
        return -1;
    }
    /* Go's String() adds the zone name ("UTC", "CET"); nothing else may follow. */
    if (*p == ' ') {
        p++;
        while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '_' || *p == '/')
            p++;
    }
    if (*p != '\0')
        return -1;
    if (y <= 1) {
        *out = 0; /* Go's zero time: "never" */
        return 0;
    }
    *out = drv_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
           off;
    return 0;
}

/* ------------------------------------------------------------------ misc */

/* Creates path and its missing parents (existing directories are fine). */
int drv_mkdir_p(const struct berth_host *host, const char *path, struct berth_error **err)
{
    char *p = drv_xstrdup(path);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        struct stat sb;
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            if (stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
                if (err != NULL && *err == NULL)
                    *err = host->error_new(BERTH_E_SYSTEM, e,
                                           "cannot create bind mount source %s", p);
                rc = -1;
                break;
            }
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* Signal names the runtimes' --signal flags accept. */
const char *drv_signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGABRT, "SIGABRT"},
        {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGPIPE, "SIGPIPE"},
        {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"},
        {SIGTSTP, "SIGTSTP"}, {SIGWINCH, "SIGWINCH"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].sig == sig)
            return names[i].name;
    return NULL;
}

/* Parses a whole-string decimal integer. */
bool drv_parse_int64(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || isspace((unsigned char)*s))
        return false;
    *out = v;
    return true;
}

/* Parses "2.13MB" style sizes (decimal units as docker prints them; KiB etc. binary). */
bool drv_parse_size(const char *s, int64_t *out)
{
    if (s == NULL)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || v < 0 || isspace((unsigned char)*s))
        return false;
    while (*end == ' ')
        end++;
    static const struct {
        const char *unit;
        double mul;
    } units[] = {
        {"", 1},          {"B", 1},        {"kB", 1e3},     {"KB", 1e3},
        {"MB", 1e6},      {"GB", 1e9},     {"TB", 1e12},    {"PB", 1e15},
        {"KiB", 1024.0},  {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
        {"k", 1e3},       {"K", 1e3},      {"M", 1e6},      {"G", 1e9},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double b = v * units[i].mul;
            if (b > 9.2e18)
                return false;
            *out = (int64_t)(b + 0.5);
            return true;
        }
    }
    return false;
}

/* Copies key/values (requests are borrowed; jobs outlive them). */
struct berth_kv *drv_kv_copy(const struct berth_kv *kv, size_t n)
{
    if (n == 0)
        return NULL;
    struct berth_kv *c = drv_xcalloc(n, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        c[i].key = drv_xstrdup(kv[i].key);
        c[i].value = kv[i].value != NULL ? drv_xstrdup(kv[i].value) : NULL;
    }
    return c;
}

/* Frees a drv_kv_copy(). */
void drv_kv_free(struct berth_kv *kv, size_t n)
{
    for (size_t i = 0; kv != NULL && i < n; i++) {
        free((char *)kv[i].key);
        free((char *)kv[i].value);
    }
    free(kv);
}

/* Every filter must be present among the labels (and equal when it has a value). */
bool drv_labels_match(const struct berth_kv *labels, size_t n_labels,
                      const struct berth_kv *filters, size_t n_filters)
{
    for (size_t f = 0; f < n_filters; f++) {
        bool found = false;
        for (size_t i = 0; i < n_labels && !found; i++) {
            if (strcmp(labels[i].key, filters[f].key) != 0)
                continue;
            found = filters[f].value == NULL ||
                    strcmp(labels[i].value ? labels[i].value : "", filters[f].value) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------ JSON */

/* Parses a whole JSON document or fails naming the command. */
json_t *drv_json_parse(const struct berth_host *host, const char *cmd, const char *text,
                       size_t len, struct berth_error **err)
{
    json_error_t je;
    json_t *j = json_loadb(text != NULL ? text : "", text != NULL ? len : 0,
                           0, &je);
    if (j == NULL) {
        drv_fail(host, err, BERTH_E_PARSE,
                 "%s: malformed JSON output: %s (line %d, column %d; %zu bytes of output)", cmd,
                 je.text, je.line, je.column, len);
        return NULL;
    }
    return j;
}

/* A string member, or NULL. */
const char *drv_jstr(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An integral member (integers, or reals without a fraction within range). */
bool drv_jint(const json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9.2e18 && d <= 9.2e18) {
            *out = (int64_t)d;
            return true;
        }
    }
    return false;
}

/* A boolean member; false otherwise. */
bool drv_jbool(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_true(v);
}

/* An object member, or NULL. */
json_t *drv_jobj(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

/* An array member, or NULL. */
json_t *drv_jarr(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

/* Copies a {"k":"v"} object into an arena kv array (null/absent: none). */
int drv_json_labels(const struct berth_host *host, struct drv_arena *arena, const char *cmd,
                    const char *what, const json_t *obj, const struct berth_kv **out,
                    size_t *n_out, struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    if (obj == NULL || json_is_null(obj))
        return 0;
    if (!json_is_object(obj))
        return drv_fail(host, err, BERTH_E_PARSE, "%s: %s is not a JSON object", cmd, what);
    size_t n = json_object_size(obj);
    if (n == 0)
        return 0;
    struct berth_kv *kv = drv_arena_alloc(arena, n, sizeof(*kv));
    const char *key;
    json_t *val;
    size_t i = 0;
    json_object_foreach((json_t *)obj, key, val)
    {
        if (!json_is_string(val))
            return drv_fail(host, err, BERTH_E_PARSE, "%s: %s '%s' is not a string", cmd, what,
                            key);
        kv[i].key = drv_arena_strdup(arena, key);
        kv[i].value = drv_arena_strdup(arena, json_string_value(val));
        i++;
    }
    *out = kv;
    *n_out = i;
    return 0;
}

/* Copies ["a","b"] into a NULL-terminated arena vector. */
int drv_json_strv(const struct berth_host *host, struct drv_arena *arena, const char *cmd,
                  const char *what, const json_t *arr, const char *const **out,
                  struct berth_error **err)
{
    *out = NULL;
    if (arr == NULL || json_is_null(arr))
        return 0;
    if (json_is_string(arr)) {
        /* Podman prints a one-element command as a plain string. */
        const char **v = drv_arena_alloc(arena, 2, sizeof(char *));
        v[0] = drv_arena_strdup(arena, json_string_value(arr));
        *out = v;
        return 0;
    }
    if (!json_is_array(arr))
        return drv_fail(host, err, BERTH_E_PARSE, "%s: %s is not a JSON array", cmd, what);
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    const char **v = drv_arena_alloc(arena, n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s))
            return drv_fail(host, err, BERTH_E_PARSE, "%s: %s[%zu] is not a string", cmd, what,
                            i);
        v[i] = drv_arena_strdup(arena, json_string_value(s));
    }
    *out = v;
    return 0;
}
