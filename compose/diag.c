/* Loader diagnostics: collect every problem, then report them together. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/diag.h"
#include "compose/yaml.h"
#include "core/util.h"

/* Starts with no entries. */
void diag_init(struct diag *d)
{
    memset(d, 0, sizeof(*d));
}

/* Frees every entry. */
void diag_free(struct diag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].path);
        free(d->v[i].msg);
        free(d->v[i].hint);
    }
    free(d->v);
    memset(d, 0, sizeof(*d));
}

/* Remembers the code of the first problem. */
void diag_set_code(struct diag *d, int code)
{
    if (d->code == 0)
        d->code = code;
}

/* Appends one entry, taking ownership of msg; drops it past the limit. */
static void add_entry(struct diag *d, const char *file, int line, int col, const char *path,
                      const char *hint, char *msg)
{
    size_t limit = d->limit ? d->limit : 200;
    if (d->n >= limit) {
        free(msg);
        return;
    }
    d->v = xreallocarray_grow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
    struct diag_entry *e = &d->v[d->n++];
    e->file = file ? xstrdup(file) : NULL;
    e->line = line;
    e->col = col;
    e->path = path && *path ? xstrdup(path) : NULL;
    e->msg = msg;
    e->hint = hint ? xstrdup(hint) : NULL;
    diag_set_code(d, BERTH_E_INVALID);
}

/* Records a problem at a node position. */
void diag_add(struct diag *d, const struct ynode *at, const char *path, const char *hint,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (at != NULL && at->src != NULL)
        add_entry(d, at->src->name, at->line, at->col, path, hint, msg);
    else
        add_entry(d, NULL, 0, 0, path, hint, msg);
}

/* Records a problem at an explicit position. */
void diag_add_pos(struct diag *d, const char *file, int line, int col, const char *path,
                  const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    add_entry(d, file, line, col, path, hint, msg);
}

/* Formats one entry as file:line:col: path: message; hint: hint. */
char *diag_format(const struct diag_entry *e)
{
    char *pos;
    if (e->file != NULL && e->line > 0)
        pos = xasprintf("%s:%d:%d: ", e->file, e->line, e->col);
    else if (e->file != NULL)
        pos = xasprintf("%s: ", e->file);
    else
        pos = xstrdup("");
    char *s = xasprintf("%s%s%s%s%s%s", pos, e->path ? e->path : "", e->path ? ": " : "", e->msg,
                        e->hint ? "; hint: " : "", e->hint ? e->hint : "");
    free(pos);
    return s;
}

/* Orders entries by file, line and column (entries without a file first). */
static int cmp_entry(const void *a, const void *b)
{
    const struct diag_entry *x = a, *y = b;
    if ((x->file == NULL) != (y->file == NULL))
        return x->file == NULL ? -1 : 1;
    int c = x->file ? strcmp(x->file, y->file) : 0;
    if (c != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x < y ? -1 : x > y; /* stable */
}

/* Turns the entries, in file order, into one berth_error. */
int diag_to_error(struct diag *d, struct berth_error **err)
{
    if (d->n == 0)
        return 0;
    qsort(d->v, d->n, sizeof(*d->v), cmp_entry);
    size_t cap = 256, len = 0;
    char *buf = xmalloc(cap);
    buf[0] = '\0';
    if (d->n > 1)
        len = (size_t)snprintf(buf, cap, "%zu errors in the compose project:", d->n);
    for (size_t i = 0; i < d->n; i++) {
        char *line = diag_format(&d->v[i]);
        size_t ll = strlen(line);
        if (len + ll + 2 > cap) {
            cap = (len + ll + 2) * 2;
            buf = xrealloc(buf, cap);
        }
        if (len > 0)
            buf[len++] = '\n';
        memcpy(buf + len, line, ll + 1);
        len += ll;
        free(line);
    }
    int code = d->code ? d->code : BERTH_E_INVALID;
    berth_error_set(err, code, 0, "%s", buf);
    free(buf);
    diag_free(d);
    return -1;
}
