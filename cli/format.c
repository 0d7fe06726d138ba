/* Text formatting for the commands (see cli/format.h). */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/format.h"

/* Allocates or aborts: the CLI cannot go on without memory. */
static void *format_alloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        abort();
    return p;
}

/* Copies s or aborts. */
static char *format_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(format_alloc(n), s, n);
}

/* Follows github.com/docker/go-units HumanDuration, the text docker prints. */
void format_human_duration(int64_t secs, char *buf, size_t size)
{
    if (secs < 1) {
        snprintf(buf, size, "Less than a second");
        return;
    }
    if (secs == 1) {
        snprintf(buf, size, "1 second");
        return;
    }
    if (secs < 60) {
        snprintf(buf, size, "%lld seconds", (long long)secs);
        return;
    }
    int64_t minutes = secs / 60;
    if (minutes == 1) {
        snprintf(buf, size, "About a minute");
        return;
    }
    if (minutes < 60) {
        snprintf(buf, size, "%lld minutes", (long long)minutes);
        return;
    }
    int64_t hours = (secs + 1800) / 3600; /* rounded, as go-units does */
    if (hours == 1) {
        snprintf(buf, size, "About an hour");
        return;
    }
    if (hours < 48) {
        snprintf(buf, size, "%lld hours", (long long)hours);
        return;
    }
    if (hours < 24 * 7 * 2) {
        snprintf(buf, size, "%lld days", (long long)(hours / 24));
        return;
    }
    if (hours < 24 * 30 * 2) {
        snprintf(buf, size, "%lld weeks", (long long)(hours / 24 / 7));
        return;
    }
    if (hours < 24 * 365 * 2) {
        snprintf(buf, size, "%lld months", (long long)(hours / 24 / 30));
        return;
    }
    snprintf(buf, size, "%lld years", (long long)(hours / 24 / 365));
}

/* "<duration> ago", or "" when the time is unknown. */
void format_ago(int64_t when, int64_t now, char *buf, size_t size)
{
    if (when <= 0) {
        snprintf(buf, size, "%s", "");
        return;
    }
    char d[64];
    format_human_duration(now - when, d, sizeof(d));
    snprintf(buf, size, "%s ago", d);
}

/* Local time in docker's CreatedAt layout. */
void format_timestamp(int64_t when, char *buf, size_t size)
{
    if (when <= 0) {
        snprintf(buf, size, "%s", "");
        return;
    }
    time_t t = (time_t)when;
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0 && size > 0)
        buf[0] = '\0';
}

/* Appends s to a growing buffer. */
static void buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 64;
        *buf = realloc(*buf, *cap);
        if (*buf == NULL)
            abort();
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* Truncates to max characters with an ellipsis, then quotes like strconv.Quote. */
char *format_command(const char *s, bool trunc, size_t max)
{
    if (s == NULL)
        s = "";
    size_t chars = 0, cut = strlen(s);
    bool ellipsis = false;
    if (trunc && max > 0) {
        size_t total = 0;
        for (const char *p = s; *p != '\0'; p++)
            if (((unsigned char)*p & 0xC0) != 0x80)
                total++;
        if (total > max) {
            ellipsis = true;
            for (const char *p = s; *p != '\0'; p++) {
                if (((unsigned char)*p & 0xC0) != 0x80) {
                    if (chars == max - 1) {
                        cut = (size_t)(p - s);
                        break;
                    }
                    chars++;
                }
            }
        }
    }
    char *out = NULL;
    size_t len = 0, cap = 0;
    buf_add(&out, &len, &cap, "\"", 1);
    for (size_t i = 0; i < cut; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            buf_add(&out, &len, &cap, esc, 2);
        } else if (ch == '\n') {
            buf_add(&out, &len, &cap, "\\n", 2);
        } else if (ch == '\t') {
            buf_add(&out, &len, &cap, "\\t", 2);
        } else if (ch == '\r') {
            buf_add(&out, &len, &cap, "\\r", 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", ch);
            buf_add(&out, &len, &cap, esc, 4);
        } else {
            buf_add(&out, &len, &cap, (const char *)&s[i], 1);
        }
    }
    if (ellipsis)
        buf_add(&out, &len, &cap, "\xe2\x80\xa6", 3);
    buf_add(&out, &len, &cap, "\"", 1);
    return out;
}

/* Status text plus the health verdict when the runtime's text lacks it. */
char *format_status(const struct berth_compose_container *c)
{
    const char *status = c->status != NULL ? c->status : "";
    char *out;
    if (status[0] == '\0')
        status = c->state_name != NULL ? c->state_name : "";
    if (c->health != NULL && c->health[0] != '\0' && strchr(status, '(') == NULL &&
        c->state == BERTH_CSTATE_RUNNING) {
        size_t n = strlen(status) + strlen(c->health) + 4;
        out = format_alloc(n);
        snprintf(out, n, "%s (%s)", status, c->health);
        return out;
    }
    return format_strdup(status);
}

/* "<service>-<n>" for replicas, the name without the project prefix otherwise. */
char *format_short_name(const char *project, const char *service, int replica,
                        const char *container)
{
    char *out;
    if (service != NULL && replica > 0) {
        size_t n = strlen(service) + 16;
        out = format_alloc(n);
        snprintf(out, n, "%s-%d", service, replica);
        return out;
    }
    if (container != NULL) {
        size_t pl = project != NULL ? strlen(project) : 0;
        if (pl > 0 && strncmp(container, project, pl) == 0 &&
            (container[pl] == '-' || container[pl] == '_') && container[pl + 1] != '\0')
            return format_strdup(container + pl + 1);
        return format_strdup(container);
    }
    return format_strdup(service != NULL ? service : "?");
}

/* Parses one "[ip:]published->target/proto" or "target/proto" entry into a JSON object. */
static json_t *publisher(const char *s, size_t len)
{
    char *e = format_alloc(len + 1);
    memcpy(e, s, len);
    e[len] = '\0';
    const char *url = "";
    long published = 0, target = 0;
    const char *proto = "tcp";
    char *slash = strrchr(e, '/');
    if (slash != NULL) {
        *slash = '\0';
        proto = slash + 1;
    }
    char *arrow = strstr(e, "->");
    if (arrow != NULL) {
        *arrow = '\0';
        target = strtol(arrow + 2, NULL, 10);
        char *colon = strrchr(e, ':');
        if (colon != NULL) {
            *colon = '\0';
            url = e;
            published = strtol(colon + 1, NULL, 10);
        } else {
            published = strtol(e, NULL, 10);
        }
    } else {
        target = strtol(e, NULL, 10);
    }
    json_t *o = json_pack("{s:s, s:i, s:i, s:s}", "URL", url, "TargetPort", (json_int_t)target,
                          "PublishedPort", (json_int_t)published, "Protocol", proto);
    free(e);
    return o;
}

/* Splits the ports text on ", " into publisher objects. */
json_t *format_publishers(const char *ports)
{
    json_t *a = json_array();
    if (ports == NULL)
        return a;
    const char *p = ports;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            len--;
        json_array_append_new(a, publisher(p, len));
        p += end != NULL ? (size_t)(end - p) : strlen(p);
    }
    return a;
}

/* Builds the ps JSON object with docker compose's field names. */
json_t *format_ps_json(const struct berth_compose_container *c, const char *project, int64_t now)
{
    char created_at[64], running_for[80];
    format_timestamp(c->created_at, created_at, sizeof(created_at));
    format_ago(c->created_at, now, running_for, sizeof(running_for));
    char *status = format_status(c);
    json_t *o = json_object();
    json_object_set_new(o, "ID", json_string(c->id != NULL ? c->id : ""));
    json_object_set_new(o, "Name", json_string(c->name != NULL ? c->name : ""));
    json_object_set_new(o, "Names", json_string(c->name != NULL ? c->name : ""));
    json_object_set_new(o, "Image", json_string(c->image != NULL ? c->image : ""));
    json_object_set_new(o, "Command", json_string(c->command != NULL ? c->command : ""));
    json_object_set_new(o, "Project", json_string(project != NULL ? project : ""));
    json_object_set_new(o, "Service", json_string(c->service != NULL ? c->service : ""));
    json_object_set_new(o, "Number", json_integer(c->number));
    json_object_set_new(o, "OneOff", json_boolean(c->oneoff));
    json_object_set_new(o, "Created", json_integer(c->created_at));
    json_object_set_new(o, "CreatedAt", json_string(created_at));
    json_object_set_new(o, "RunningFor", json_string(running_for));
    json_object_set_new(o, "State", json_string(c->state_name != NULL ? c->state_name : ""));
    json_object_set_new(o, "Health", json_string(c->health != NULL ? c->health : ""));
    json_object_set_new(o, "ExitCode",
                        json_integer(c->state == BERTH_CSTATE_EXITED ? c->exit_code : 0));
    json_object_set_new(o, "Status", json_string(status));
    json_object_set_new(o, "Ports", json_string(c->ports != NULL ? c->ports : ""));
    json_object_set_new(o, "Publishers", format_publishers(c->ports));
    json_object_set_new(o, "EngineState",
                        json_string(c->engine_state == BERTH_SVC_PENDING
                                        ? ""
                                        : berth_service_state_name(c->engine_state)));
    free(status);
    return o;
}

/* Signals accepted by name (the portable set). */
static const struct {
    const char *name;
    int num;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"SYS", SIGSYS},
};

/* Name (with or without SIG, any case) or number of a signal. */
int format_signal(const char *s)
{
    if (s == NULL || *s == '\0')
        return -1;
    if (isdigit((unsigned char)s[0])) {
        char *end;
        long n = strtol(s, &end, 10);
        return (*end == '\0' && n > 0 && n < 65) ? (int)n : -1;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        if (strcasecmp(s, signals[i].name) == 0)
            return signals[i].num;
    return -1;
}

/* KEY=VALUE, or KEY taking its value from our environment. */
bool format_kv(const char *s, char **key, char **value)
{
    const char *eq = strchr(s, '=');
    size_t kl = eq != NULL ? (size_t)(eq - s) : strlen(s);
    if (kl == 0)
        return false;
    *key = format_alloc(kl + 1);
    memcpy(*key, s, kl);
    (*key)[kl] = '\0';
    if (eq != NULL) {
        *value = format_strdup(eq + 1);
    } else {
        const char *env = getenv(*key);
        *value = env != NULL ? format_strdup(env) : NULL;
    }
    return true;
}

/* Appends a word to a NULL-terminated vector. */
static void strv_push(char ***v, size_t *n, char *w)
{
    *v = realloc(*v, (*n + 2) * sizeof(**v));
    if (*v == NULL)
        abort();
    (*v)[(*n)++] = w;
    (*v)[*n] = NULL;
}

/* Shell-like splitting: blanks separate words, '...' and "..." group, \ escapes. */
char **format_split_words(const char *s)
{
    char **v = NULL;
    size_t n = 0;
    strv_push(&v, &n, NULL);
    n = 0;
    char *word = NULL;
    size_t len = 0, cap = 0;
    bool in_word = false;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n') {
            if (in_word) {
                strv_push(&v, &n, word != NULL ? word : format_strdup(""));
                word = NULL;
                len = cap = 0;
                in_word = false;
            }
            continue;
        }
        in_word = true;
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (end == NULL)
                goto unclosed;
            buf_add(&word, &len, &cap, p + 1, (size_t)(end - p - 1));
            p = end;
        } else if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (*p == '\0')
                    goto unclosed;
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`'))
                    p++;
                buf_add(&word, &len, &cap, p, 1);
            }
        } else if (*p == '\\' && p[1] != '\0') {
            p++;
            buf_add(&word, &len, &cap, p, 1);
        } else {
            buf_add(&word, &len, &cap, p, 1);
        }
        if (word == NULL)
            buf_add(&word, &len, &cap, "", 0);
    }
    if (in_word)
        strv_push(&v, &n, word != NULL ? word : format_strdup(""));
    return v;
unclosed:
    free(word);
    format_strv_free(v);
    return NULL;
}

/* Frees each word, then the vector. */
void format_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p != NULL; p++)
        free(*p);
    free(v);
}
