/* Progress of lifecycle commands, docker compose style (see cli/progress.h). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include <berth/timer.h>

#include "cli/progress.h"
#include "cli/table.h"

#define TICK_MS 100

struct item {
    char *id;
    char *text;
    char *detail;
    enum progress_status st;
    uint64_t start_ms, end_ms;
    bool recreating; /* a "recreate" resource event came first */
    bool shown;      /* foreground: a line was printed for the current text */
};

struct progress {
    enum progress_mode mode;
    FILE *out;
    char *title;
    bool color;
    bool foreground;
    bool quiet_pull;
    struct item *items;
    size_t n, cap;
    int drawn;       /* tty: lines of the last frame on screen */
    bool cursor_hidden;
    struct event *ticker;
    bool finished;
};

static const char *const spinner[] = {"\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb9",
                                      "\xe2\xa0\xb8", "\xe2\xa0\xbc", "\xe2\xa0\xb4",
                                      "\xe2\xa0\xa6", "\xe2\xa0\xa7", "\xe2\xa0\x87",
                                      "\xe2\xa0\x8f"};

/* Copies s (NULL stays NULL) or aborts. */
static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

/* auto: a live view on a real terminal, plain lines elsewhere. */
enum progress_mode progress_mode_for(const char *flag, int fd)
{
    if (flag != NULL && strcmp(flag, "plain") == 0)
        return PROGRESS_PLAIN;
    if (flag != NULL && strcmp(flag, "quiet") == 0)
        return PROGRESS_QUIET;
    if (flag != NULL && strcmp(flag, "json") == 0)
        return PROGRESS_JSON;
    if (flag != NULL && strcmp(flag, "tty") == 0)
        return PROGRESS_TTY;
    const char *term = getenv("TERM");
    if (isatty(fd) && (term == NULL || strcmp(term, "dumb") != 0))
        return PROGRESS_TTY;
    return PROGRESS_PLAIN;
}

/* Creates an empty display. */
struct progress *progress_new(enum progress_mode mode, FILE *out, const char *title, bool color)
{
    struct progress *p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    p->mode = mode;
    p->out = out;
    p->title = dup_or_null(title != NULL ? title : "Running");
    p->color = color;
    return p;
}

/* Switches to the foreground filter (plain, completed steps only). */
void progress_set_foreground(struct progress *p, bool on)
{
    p->foreground = on;
    if (on && p->mode == PROGRESS_TTY)
        p->mode = PROGRESS_PLAIN;
}

/* Hides image pulls. */
void progress_set_quiet_pull(struct progress *p, bool on)
{
    p->quiet_pull = on;
}

/* Finds or adds the item of id. */
static struct item *item_get(struct progress *p, const char *id, uint64_t now_ms)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].id, id) == 0)
            return &p->items[i];
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = realloc(p->items, p->cap * sizeof(*p->items));
        if (p->items == NULL)
            abort();
    }
    struct item *it = &p->items[p->n++];
    *it = (struct item){.id = dup_or_null(id), .start_ms = now_ms};
    return it;
}

/* Texts the foreground view prints (the log view covers starts and exits). */
static bool foreground_shows(const struct item *it)
{
    if (strcmp(it->text, "Exited") == 0)
        return false; /* "web-1 exited with code N" is printed by the log view */
    if (it->st == PROGRESS_ERROR || it->st == PROGRESS_WARNING)
        return true;
    if (it->st != PROGRESS_DONE)
        return false;
    return strcmp(it->text, "Started") != 0 && strcmp(it->text, "Healthy") != 0;
}

/* Prints one plain line for an item. */
static void plain_line(struct progress *p, const struct item *it)
{
    if (it->detail != NULL && it->detail[0] != '\0')
        fprintf(p->out, "%s  %s: %s\n", it->id, it->text, it->detail);
    else
        fprintf(p->out, "%s  %s\n", it->id, it->text);
    fflush(p->out);
}

/* Prints one JSON object for an item. */
static void json_line(struct progress *p, const struct item *it)
{
    static const char *const names[] = {"working", "done", "warning", "error"};
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", it->id, "text", it->text, "state",
                          names[it->st]);
    if (it->detail != NULL && it->detail[0] != '\0')
        json_object_set_new(o, "status", json_string(it->detail));
    char *s = json_dumps(o, JSON_COMPACT);
    if (s != NULL) {
        fprintf(p->out, "%s\n", s);
        free(s);
    }
    json_decref(o);
    fflush(p->out);
}

/* The terminal's width in columns (80 when unknown). */
static int term_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* tty: moves up over the previous frame and draws the current one. */
static void redraw(struct progress *p)
{
    if (p->mode != PROGRESS_TTY || p->n == 0)
        return;
    char *frame = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&frame, &len);
    if (f == NULL)
        abort();
    progress_render(p, berth_now_ms(), term_width(p->out), f);
    fclose(f);
    if (!p->cursor_hidden) {
        fputs("\033[?25l", p->out);
        p->cursor_hidden = true;
    }
    if (p->drawn > 0)
        fprintf(p->out, "\033[%dA", p->drawn);
    int lines = 0;
    for (char *line = frame, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        fputs("\r\033[2K", p->out);
        fwrite(line, 1, (size_t)(nl - line) + 1, p->out);
        lines++;
    }
    p->drawn = lines;
    fflush(p->out);
    free(frame);
}

/* Starts or stops the spinner ticker depending on whether anything is working. */
static void tick_control(struct progress *p)
{
    if (p->ticker == NULL)
        return;
    bool busy = progress_busy(p) && !p->finished;
    bool pending = event_pending(p->ticker, EV_TIMEOUT, NULL) != 0;
    if (busy && !pending) {
        struct timeval tv = {0, TICK_MS * 1000};
        event_add(p->ticker, &tv);
    } else if (!busy && pending) {
        event_del(p->ticker);
    }
}

/* Sets an item's text and status, then shows the change in the current mode. */
void progress_update(struct progress *p, const char *id, const char *text,
                     enum progress_status st, const char *detail, uint64_t now_ms)
{
    struct item *it = item_get(p, id, now_ms);
    bool changed = it->text == NULL || strcmp(it->text, text) != 0 || it->st != st;
    if (!changed && (detail == NULL) == (it->detail == NULL) &&
        (detail == NULL || strcmp(detail, it->detail) == 0))
        return;
    if (it->st != PROGRESS_WORKING && st == PROGRESS_WORKING)
        it->start_ms = now_ms; /* a new step of the same item (stopped, then started) */
    free(it->text);
    free(it->detail);
    it->text = dup_or_null(text);
    it->detail = dup_or_null(detail);
    it->st = st;
    it->end_ms = st == PROGRESS_WORKING ? 0 : now_ms;
    if (p->finished)
        return;
    switch (p->mode) {
    case PROGRESS_TTY:
        redraw(p);
        tick_control(p);
        break;
    case PROGRESS_PLAIN:
        if (!p->foreground || foreground_shows(it))
            plain_line(p, it);
        break;
    case PROGRESS_JSON:
        json_line(p, it);
        break;
    case PROGRESS_QUIET:
        break;
    }
}

/* "Container demo-web-1" for an event's container. */
static void container_id(const struct berth_compose_event *ev, char *buf, size_t size)
{
    if (ev->container != NULL)
        snprintf(buf, size, "Container %s", ev->container);
    else
        snprintf(buf, size, "Container %s-%s-%d", ev->project != NULL ? ev->project : "",
                 ev->service != NULL ? ev->service : "", ev->replica);
}

/* Maps a state change to the text docker compose shows for it. */
static void state_event(struct progress *p, const struct berth_compose_event *ev, uint64_t now)
{
    char id[512];
    container_id(ev, id, sizeof(id));
    struct item *it = item_get(p, id, now);
    bool rec = it->recreating;
    char detail[64];
    switch (ev->to) {
    case BERTH_SVC_PENDING:
        return;
    case BERTH_SVC_WAITING:
        progress_update(p, id, "Waiting", PROGRESS_WORKING, NULL, now);
        return;
    case BERTH_SVC_CREATING:
        progress_update(p, id, rec ? "Recreate" : "Creating", PROGRESS_WORKING, NULL, now);
        return;
    case BERTH_SVC_STARTING:
        if (ev->from == BERTH_SVC_CREATING) {
            progress_update(p, id, rec ? "Recreated" : "Created", PROGRESS_DONE, NULL, now);
            it = item_get(p, id, now);
            it->recreating = false;
        }
        progress_update(p, id, "Starting", PROGRESS_WORKING, NULL, now);
        return;
    case BERTH_SVC_RUNNING:
        progress_update(p, id, "Started", PROGRESS_DONE, NULL, now);
        return;
    case BERTH_SVC_HEALTHY:
        progress_update(p, id, "Healthy", PROGRESS_DONE, NULL, now);
        return;
    case BERTH_SVC_UNHEALTHY:
        progress_update(p, id, "Unhealthy", PROGRESS_ERROR, ev->message, now);
        return;
    case BERTH_SVC_EXITED:
        if (ev->exit_code > 0) {
            snprintf(detail, sizeof(detail), "exit code %d", ev->exit_code);
            progress_update(p, id, "Exited", PROGRESS_WARNING, detail, now);
        } else {
            progress_update(p, id, "Exited", PROGRESS_DONE, NULL, now);
        }
        return;
    case BERTH_SVC_RESTARTING:
        progress_update(p, id, "Restarting", PROGRESS_WORKING, NULL, now);
        return;
    case BERTH_SVC_STOPPING:
        progress_update(p, id, "Stopping", PROGRESS_WORKING, NULL, now);
        return;
    case BERTH_SVC_STOPPED:
        if (ev->from == BERTH_SVC_CREATING) {
            progress_update(p, id, rec ? "Recreated" : "Created", PROGRESS_DONE, NULL, now);
            item_get(p, id, now)->recreating = false;
        } else {
            progress_update(p, id, "Stopped", PROGRESS_DONE, NULL, now);
        }
        return;
    case BERTH_SVC_REMOVING:
        progress_update(p, id, "Removing", PROGRESS_WORKING, NULL, now);
        return;
    case BERTH_SVC_REMOVED:
        progress_update(p, id, "Removed", PROGRESS_DONE, NULL, now);
        return;
    case BERTH_SVC_FAILED:
        progress_update(p, id, "Error", PROGRESS_ERROR, ev->message, now);
        return;
    case BERTH_SVC_STATE_COUNT:
        return;
    }
}

/* Maps a resource event (network, volume, image, container) to an item. */
static void resource_event(struct progress *p, const struct berth_compose_event *ev, uint64_t now)
{
    if (ev->resource_kind == NULL || ev->action == NULL)
        return;
    if (p->quiet_pull && strcmp(ev->resource_kind, "image") == 0 &&
        (strcmp(ev->action, "pulling") == 0 || strcmp(ev->action, "pulled") == 0))
        return;
    char id[512];
    snprintf(id, sizeof(id), "%c%s %s", toupper((unsigned char)ev->resource_kind[0]),
             ev->resource_kind + 1, ev->resource_name != NULL ? ev->resource_name : "");
    static const struct {
        const char *action, *text;
        enum progress_status st;
    } map[] = {
        {"creating", "Creating", PROGRESS_WORKING}, {"created", "Created", PROGRESS_DONE},
        {"removing", "Removing", PROGRESS_WORKING}, {"removed", "Removed", PROGRESS_DONE},
        {"pulling", "Pulling", PROGRESS_WORKING},   {"pulled", "Pulled", PROGRESS_DONE},
        {"building", "Building", PROGRESS_WORKING}, {"built", "Built", PROGRESS_DONE},
        {"orphan-removed", "Removed", PROGRESS_DONE},
    };
    if (strcmp(ev->action, "recreate") == 0) {
        struct item *it = item_get(p, id, now);
        it->recreating = true;
        progress_update(p, id, "Recreate", PROGRESS_WORKING, NULL, now);
        return;
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(ev->action, map[i].action) == 0) {
            progress_update(p, id, map[i].text, map[i].st, ev->message, now);
            return;
        }
    }
    /* "exists" and unknown actions: docker compose shows nothing for them */
}

/* Dispatches an engine event by type. */
void progress_event(struct progress *p, const struct berth_compose_event *ev, uint64_t now_ms)
{
    switch (ev->type) {
    case BERTH_COMPOSE_EV_STATE:
        state_event(p, ev, now_ms);
        break;
    case BERTH_COMPOSE_EV_RESOURCE:
        resource_event(p, ev, now_ms);
        break;
    case BERTH_COMPOSE_EV_WARNING:
        if (ev->message != NULL)
            progress_message(p, "WARN[0000] %s", ev->message);
        break;
    case BERTH_COMPOSE_EV_LOG:
    case BERTH_COMPOSE_EV_ABORT:
    case BERTH_COMPOSE_EV_ATTACH:
        break;
    }
}

/* Prints a line above the view: the frame is erased, the line printed, the frame redrawn. */
void progress_message(struct progress *p, const char *fmt, ...)
{
    if (p->mode == PROGRESS_TTY && p->drawn > 0 && !p->finished) {
        fprintf(p->out, "\033[%dA\r\033[J", p->drawn);
        p->drawn = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    if (p->mode == PROGRESS_TTY && !p->finished)
        redraw(p);
    fflush(p->out);
}

/* Appends text cut to at most max characters (UTF-8). */
static void put_cut(FILE *out, const char *s, int max)
{
    int n = 0;
    for (const char *c = s; *c != '\0'; c++) {
        if (((unsigned char)*c & 0xC0) != 0x80 && n++ >= max)
            return;
        fputc(*c, out);
    }
}

/* The frame: "[+] <title> done/total", then " <icon> <id>  <text> <detail>   <time>s". */
void progress_render(const struct progress *p, uint64_t now_ms, int width, FILE *out)
{
    size_t done = 0, idw = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->items[i].st != PROGRESS_WORKING)
            done++;
        size_t w = table_width(p->items[i].id);
        if (w > idw)
            idw = w;
    }
    if (p->color)
        fprintf(out, "\033[34m[+]\033[0m %s %zu/%zu\n", p->title, done, p->n);
    else
        fprintf(out, "[+] %s %zu/%zu\n", p->title, done, p->n);
    for (size_t i = 0; i < p->n; i++) {
        const struct item *it = &p->items[i];
        const char *icon, *color;
        switch (it->st) {
        case PROGRESS_DONE:
            icon = "\xe2\x9c\x94"; /* check mark */
            color = "32";
            break;
        case PROGRESS_ERROR:
            icon = "\xe2\x9c\x98"; /* ballot x */
            color = "31";
            break;
        case PROGRESS_WARNING:
            icon = "!";
            color = "33";
            break;
        default:
            icon = spinner[(now_ms / TICK_MS) % 10];
            color = NULL;
            break;
        }
        uint64_t end = it->st == PROGRESS_WORKING ? now_ms : it->end_ms;
        uint64_t el = end > it->start_ms ? end - it->start_ms : 0;
        char timer[32];
        snprintf(timer, sizeof(timer), "%llu.%llus", (unsigned long long)(el / 1000),
                 (unsigned long long)(el % 1000 / 100));
        char *text = NULL;
        size_t tlen = 0;
        FILE *t = open_memstream(&text, &tlen);
        if (t == NULL)
            abort();
        fprintf(t, "%s%*s  %s", it->id, (int)(idw - table_width(it->id)), "", it->text);
        if (it->detail != NULL && it->detail[0] != '\0')
            fprintf(t, " %s", it->detail);
        fclose(t);
        /* " X " + text + pad + timer must fit in width - 1 columns (no wrapping) */
        int room = width - 1 - 3 - (int)strlen(timer) - 1;
        if (room < 10)
            room = 10;
        int tw = (int)table_width(text);
        if (color != NULL && p->color)
            fprintf(out, " \033[%sm%s\033[0m ", color, icon);
        else
            fprintf(out, " %s ", icon);
        put_cut(out, text, room);
        int pad = room - (tw < room ? tw : room);
        fprintf(out, "%*s %s\n", pad, "", timer);
        free(text);
    }
}

/* Whether some item is still in progress. */
bool progress_busy(const struct progress *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].st == PROGRESS_WORKING)
            return true;
    return false;
}

/* Number of items. */
size_t progress_count(const struct progress *p)
{
    return p->n;
}

/* The ticker: redraws the spinner, stops itself when nothing works any more. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct progress *p = arg;
    redraw(p);
    tick_control(p);
}

/* Creates the ticker on base (tty mode only). */
void progress_attach(struct progress *p, struct event_base *base)
{
    if (p->mode != PROGRESS_TTY || p->ticker != NULL)
        return;
    p->ticker = evtimer_new(base, on_tick, p);
    if (p->ticker == NULL)
        abort();
    tick_control(p);
}

/* Final frame; nothing is drawn afterwards. */
void progress_finish(struct progress *p)
{
    if (p->finished)
        return;
    if (p->mode == PROGRESS_TTY) {
        redraw(p);
        if (p->cursor_hidden)
            fputs("\033[?25h", p->out);
        fflush(p->out);
    }
    p->finished = true;
    if (p->ticker != NULL) {
        event_free(p->ticker);
        p->ticker = NULL;
    }
}

/* Finishes, then frees the items and the display. */
void progress_free(struct progress *p)
{
    if (p == NULL)
        return;
    progress_finish(p);
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].id);
        free(p->items[i].text);
        free(p->items[i].detail);
    }
    free(p->items);
    free(p->title);
    free(p);
}
