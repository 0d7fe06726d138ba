/* Prefixed, coloured log lines of several containers (see cli/logview.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli/logview.h"

/* docker compose's rainbow: cyan, yellow, green, magenta, blue, then their intense forms. */
static const char *const rainbow[] = {"36", "33", "32", "35", "34",
                                      "36;1", "33;1", "32;1", "35;1", "34;1"};
#define RAINBOW_N (sizeof(rainbow) / sizeof(rainbow[0]))

struct presenter {
    char *name;
    const char *color;
    bool mid_line; /* the last piece printed did not end its line */
};

struct logview {
    FILE *out;
    bool color, prefix;
    struct presenter *p;
    size_t n, cap;
    size_t next_color;
    int width;
    struct event *flush_ev; /* with a base: one flush per loop turn */
    bool flush_pending;
};

/* Creates an empty view. */
struct logview *logview_new(FILE *out, bool color, bool prefix)
{
    struct logview *lv = calloc(1, sizeof(*lv));
    if (lv == NULL)
        abort();
    lv->out = out;
    lv->color = color;
    lv->prefix = prefix;
    return lv;
}

/* Flushes the lines of this loop turn in one write. */
static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    struct logview *lv = arg;
    (void)fd;
    (void)what;
    lv->flush_pending = false;
    fflush(lv->out);
}

/* Flushes now, or once the loop turn's other events have run. */
static void flush(struct logview *lv)
{
    if (lv->flush_ev == NULL) {
        fflush(lv->out);
    } else if (!lv->flush_pending) {
        lv->flush_pending = true;
        event_active(lv->flush_ev, EV_TIMEOUT, 0);
    }
}

/* Flushes on base's loop from now on; NULL: at once again. */
void logview_attach(struct logview *lv, struct event_base *base)
{
    fflush(lv->out);
    if (lv->flush_ev != NULL)
        event_free(lv->flush_ev);
    lv->flush_ev = NULL;
    lv->flush_pending = false;
    if (base == NULL)
        return;
    lv->flush_ev = event_new(base, -1, 0, flush_cb, lv);
    if (lv->flush_ev == NULL)
        abort();
}

/* Finds or adds the presenter of name. */
static struct presenter *presenter(struct logview *lv, const char *name)
{
    for (size_t i = 0; i < lv->n; i++)
        if (strcmp(lv->p[i].name, name) == 0)
            return &lv->p[i];
    if (lv->n == lv->cap) {
        lv->cap = lv->cap ? lv->cap * 2 : 8;
        lv->p = realloc(lv->p, lv->cap * sizeof(*lv->p));
        if (lv->p == NULL)
            abort();
    }
    struct presenter *p = &lv->p[lv->n++];
    p->name = strdup(name);
    if (p->name == NULL)
        abort();
    p->color = rainbow[lv->next_color++ % RAINBOW_N];
    p->mid_line = false;
    int w = (int)strlen(name) + 1;
    if (w > lv->width)
        lv->width = w;
    return p;
}

/* Registers name now so the prefix width is known before lines arrive. */
void logview_register(struct logview *lv, const char *name)
{
    presenter(lv, name);
}

/* The width names are padded to. */
int logview_width(const struct logview *lv)
{
    return lv->width;
}

/* Prints "name<pad> | " in the presenter's colour. */
static void print_prefix(struct logview *lv, const struct presenter *p)
{
    if (lv->color)
        fprintf(lv->out, "\033[%sm%-*s |\033[0m ", p->color, lv->width, p->name);
    else
        fprintf(lv->out, "%-*s | ", lv->width, p->name);
}

/* Prints a piece of a line, the prefix first when it starts a line. */
void logview_line(struct logview *lv, const char *name, const char *line, size_t len,
                  bool complete)
{
    struct presenter *p = presenter(lv, name);
    if (!p->mid_line && lv->prefix)
        print_prefix(lv, p);
    fwrite(line, 1, len, lv->out);
    if (complete)
        fputc('\n', lv->out);
    p->mid_line = !complete;
    flush(lv);
}

/* Prints a coloured status line, ending a pending partial line first. */
void logview_status(struct logview *lv, const char *name, const char *fmt, ...)
{
    struct presenter *p = presenter(lv, name);
    if (p->mid_line) {
        fputc('\n', lv->out);
        p->mid_line = false;
    }
    if (lv->color)
        fprintf(lv->out, "\033[%sm", p->color);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(lv->out, fmt, ap);
    va_end(ap);
    if (lv->color)
        fputs("\033[0m", lv->out);
    fputc('\n', lv->out);
    flush(lv);
}

/* Frees the presenters and the view. */
void logview_free(struct logview *lv)
{
    if (lv == NULL)
        return;
    logview_attach(lv, NULL);
    for (size_t i = 0; i < lv->n; i++)
        free(lv->p[i].name);
    free(lv->p);
    free(lv);
}
