/* Compose short syntaxes: durations, sizes, ports, volumes, command strings. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/syntax.h"
#include "core/util.h"

/* Frees the message and hint of a syntax error. */
void syntax_err_clear(struct syntax_err *e)
{
    free(e->msg);
    free(e->hint);
    e->msg = e->hint = NULL;
}

/* Fills e (first error wins) and returns false. */
static bool fail(struct syntax_err *e, const char *hint, const char *fmt, ...) BERTH_PRINTF(3, 4);
static bool fail(struct syntax_err *e, const char *hint, const char *fmt, ...)
{
    if (e == NULL || e->msg != NULL)
        return false;
    va_list ap;
    va_start(ap, fmt);
    e->msg = xvasprintf(fmt, ap);
    va_end(ap);
    e->hint = hint ? xstrdup(hint) : NULL;
    return false;
}

/* ---------------------------------------------------------------- durations */

bool syntax_duration(const char *s, int64_t *ns)
{
    static const struct {
        const char *unit;
        long double mult;
    } units[] = {
        {"ns", 1.0L},         {"us", 1e3L},          {"\xc2\xb5s", 1e3L}, {"\xce\xbcs", 1e3L},
        {"ms", 1e6L},         {"s", 1e9L},           {"m", 60e9L},        {"h", 3600e9L},
        {"d", 86400e9L},      {"w", 604800e9L},
    };
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *ns = 0;
        return true;
    }
    if (*p == '\0')
        return false;
    long double total = 0;
    while (*p) {
        const char *start = p;
        size_t digits = 0;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p)) {
                p++;
                digits++;
            }
        }
        if (digits == 0)
            return false;
        char *num = xstrndup(start, (size_t)(p - start));
        long double v = strtold(num, NULL);
        free(num);
        size_t best = 0;
        long double mult = 0;
        for (size_t i = 0; i < ARRAY_LEN(units); i++) {
            size_t ul = strlen(units[i].unit);
            if (ul > best && strncmp(p, units[i].unit, ul) == 0) {
                best = ul;
                mult = units[i].mult;
            }
        }
        if (best == 0)
            return false;
        p += best;
        total += v * mult;
        if (total > 9.2e18L)
            return false;
    }
    *ns = (int64_t)(neg ? -total : total);
    return true;
}

/* Appends v/unit with its fraction trimmed of trailing zeros. */
static void put_frac(char *buf, size_t cap, uint64_t v, uint64_t unit, int digits,
                     const char *suffix)
{
    uint64_t ip = v / unit, fp = v % unit;
    if (fp == 0) {
        snprintf(buf, cap, "%llu%s", (unsigned long long)ip, suffix);
        return;
    }
    char frac[32];
    snprintf(frac, sizeof(frac), "%0*llu", digits, (unsigned long long)fp);
    size_t n = strlen(frac);
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = '\0';
    snprintf(buf, cap, "%llu.%s%s", (unsigned long long)ip, frac, suffix);
}

/* Formats nanoseconds like Go's time.Duration.String. */
char *syntax_duration_string(int64_t ns)
{
    if (ns == 0)
        return xstrdup("0s");
    bool neg = ns < 0;
    uint64_t u = neg ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    char body[96];
    if (u < 1000ULL) {
        snprintf(body, sizeof(body), "%lluns", (unsigned long long)u);
    } else if (u < 1000000ULL) {
        put_frac(body, sizeof(body), u, 1000ULL, 3, "\xc2\xb5s");
    } else if (u < 1000000000ULL) {
        put_frac(body, sizeof(body), u, 1000000ULL, 6, "ms");
    } else {
        uint64_t secs = u / 1000000000ULL, frac = u % 1000000000ULL;
        uint64_t h = secs / 3600, m = (secs % 3600) / 60, s = secs % 60;
        char sec[48];
        put_frac(sec, sizeof(sec), s * 1000000000ULL + frac, 1000000000ULL, 9, "s");
        if (h > 0)
            snprintf(body, sizeof(body), "%lluh%llum%s", (unsigned long long)h,
                     (unsigned long long)m, sec);
        else if (m > 0)
            snprintf(body, sizeof(body), "%llum%s", (unsigned long long)m, sec);
        else
            snprintf(body, sizeof(body), "%s", sec);
    }
    return xasprintf("%s%s", neg ? "-" : "", body);
}

/* ---------------------------------------------------------------- sizes */

bool syntax_bytes(const char *s, int64_t *out)
{
    const char *p = s;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (digits == 0)
        return false;
    while (*p == '.') {
        p++;
        size_t fd = 0;
        while (isdigit((unsigned char)*p)) {
            p++;
            fd++;
        }
        if (fd == 0)
            return false;
    }
    char *num = xstrndup(s, (size_t)(p - s));
    long double v = strtold(num, NULL);
    free(num);
    if (*p == ' ')
        p++;
    long double mult = 1;
    switch (tolower((unsigned char)*p)) {
    case 'k':
        mult = 1024.0L;
        p++;
        break;
    case 'm':
        mult = 1024.0L * 1024;
        p++;
        break;
    case 'g':
        mult = 1024.0L * 1024 * 1024;
        p++;
        break;
    case 't':
        mult = 1024.0L * 1024 * 1024 * 1024;
        p++;
        break;
    case 'p':
        mult = 1024.0L * 1024 * 1024 * 1024 * 1024;
        p++;
        break;
    default:
        break;
    }
    if (*p == 'i' || *p == 'I')
        p++;
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p != '\0')
        return false;
    long double r = v * mult;
    if (r > 9.2e18L)
        return false;
    *out = (int64_t)r;
    return true;
}

/* ---------------------------------------------------------------- ports */

bool syntax_is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Parses "N" or "N-M" (0..65535). */
static bool port_range(const char *s, long *start, long *end)
{
    if (*s == '\0')
        return false;
    const char *dash = strchr(s, '-');
    char *a = dash ? xstrndup(s, (size_t)(dash - s)) : xstrdup(s);
    const char *b = dash ? dash + 1 : NULL;
    bool ok = true;
    long v[2] = {0, 0};
    const char *parts[2] = {a, b ? b : a};
    for (int i = 0; i < 2 && ok; i++) {
        const char *q = parts[i];
        if (*q == '\0')
            ok = false;
        for (; *q && ok; q++)
            if (!isdigit((unsigned char)*q))
                ok = false;
        if (ok) {
            errno = 0;
            v[i] = strtol(parts[i], NULL, 10);
            if (errno != 0 || v[i] > 65535)
                ok = false;
        }
    }
    free(a);
    if (!ok || v[1] < v[0])
        return false;
    *start = v[0];
    *end = v[1];
    return true;
}

/* Expands a short port spec into long-syntax entries. */
bool syntax_ports(const char *spec, json_t *out, struct syntax_err *e)
{
    char *raw = xstrdup(spec);
    char *proto = "tcp";
    char *slash = strrchr(raw, '/');
    if (slash != NULL) {
        *slash = '\0';
        proto = slash + 1;
        for (char *q = proto; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
            strcmp(proto, "sctp") != 0) {
            fail(e, "use tcp, udp or sctp after the '/'", "invalid proto: %s", proto);
            free(raw);
            return false;
        }
    }
    /* [ip:][host:]container, where ip may itself contain ':' (IPv6) */
    char *parts[3] = {NULL, NULL, NULL}; /* ip, host, container */
    char *last = strrchr(raw, ':');
    if (last == NULL) {
        parts[2] = raw;
    } else {
        *last = '\0';
        parts[2] = last + 1;
        char *prev = strrchr(raw, ':');
        if (prev == NULL) {
            parts[1] = raw;
        } else {
            *prev = '\0';
            parts[1] = prev + 1;
            parts[0] = raw;
        }
    }
    bool ok = false;
    long cs, ce, hs = 0, he = 0;
    char *ip = parts[0];
    if (ip != NULL) {
        size_t n = strlen(ip);
        if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']') {
            ip[n - 1] = '\0';
            ip++;
        }
        if (*ip != '\0' && !syntax_is_ip(ip)) {
            fail(e, "write a numeric IPv4 or IPv6 address, e.g. 127.0.0.1:8080:80",
                 "invalid ip address: %s", ip);
            goto out;
        }
    }
    if (!port_range(parts[2], &cs, &ce)) {
        fail(e, "write the container port as a number from 1 to 65535, e.g. \"8080:80\"",
             "invalid containerPort: %s", parts[2]);
        goto out;
    }
    bool has_host = parts[1] != NULL && *parts[1] != '\0';
    if (has_host && !port_range(parts[1], &hs, &he)) {
        fail(e, "write the host port as a number or a range, e.g. \"8080:80\"",
             "invalid hostPort: %s", parts[1]);
        goto out;
    }
    if (has_host && ce != cs && he - hs != ce - cs) {
        fail(e, "use ranges of the same length, e.g. \"8080-8081:80-81\"",
             "invalid port range \"%s\": host and container ranges differ in length", spec);
        goto out;
    }
    for (long i = 0; i <= ce - cs; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "mode", json_string("ingress"));
        if (ip != NULL && *ip != '\0')
            json_object_set_new(p, "host_ip", json_string(ip));
        json_object_set_new(p, "target", json_integer(cs + i));
        if (has_host) {
            char pub[32];
            if (ce != cs || he == hs)
                snprintf(pub, sizeof(pub), "%ld", hs + i);
            else
                snprintf(pub, sizeof(pub), "%ld-%ld", hs, he);
            json_object_set_new(p, "published", json_string(pub));
        }
        json_object_set_new(p, "protocol", json_string(proto));
        json_array_append_new(out, p);
    }
    ok = true;
out:
    free(raw);
    return ok;
}

/* ---------------------------------------------------------------- volumes */

/* True for a source that names a host path rather than a volume. */
static bool is_path(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    if (s[0] == '.' || s[0] == '/' || s[0] == '~')
        return true;
    if (s[0] == '\\' && s[1] == '\\')
        return true;
    return isalpha((unsigned char)s[0]) && s[1] == ':';
}

/* True for a bind propagation mode. */
static bool is_propagation(const char *o)
{
    static const char *const modes[] = {"rprivate", "private", "rshared",
                                        "shared",   "rslave",  "slave"};
    for (size_t i = 0; i < ARRAY_LEN(modes); i++)
        if (strcmp(o, modes[i]) == 0)
            return true;
    return false;
}

/* The sub-object key of v, created on demand. */
static json_t *sub(json_t *v, const char *key)
{
    json_t *o = json_object_get(v, key);
    if (o == NULL) {
        o = json_object();
        json_object_set_new(v, key, o);
    }
    return o;
}

/* Parses a short volume spec into the long syntax. */
json_t *syntax_volume(const char *spec, struct syntax_err *e)
{
    size_t n = strlen(spec);
    if (n == 0) {
        fail(e, "write SOURCE:TARGET or just TARGET", "invalid empty volume spec");
        return NULL;
    }
    /* split on ':' except after a Windows drive letter (C:\...) */
    char *fields[3] = {NULL, NULL, NULL};
    size_t nf = 0;
    const char *s = spec;
    while (1) {
        const char *c = s;
        while (*c && *c != ':')
            c++;
        /* "C:" followed by \ or / at the start of a field is a drive letter */
        if (*c == ':' && c - s == 1 && isalpha((unsigned char)s[0]) && c[1] == '\\') {
            c++;
            while (*c && *c != ':')
                c++;
        }
        if (c == s) {
            fail(e, "remove the empty part between the colons", "invalid spec: %s: empty section between colons", spec);
            goto bad;
        }
        if (nf == 3) {
            fail(e, "write SOURCE:TARGET[:OPTIONS]", "invalid spec: %s: too many colons", spec);
            goto bad;
        }
        fields[nf++] = xstrndup(s, (size_t)(c - s));
        if (*c == '\0')
            break;
        s = c + 1;
    }
    json_t *v = json_object();
    if (nf == 1) {
        json_object_set_new(v, "type", json_string("volume"));
        json_object_set_new(v, "target", json_string(fields[0]));
        json_object_set_new(v, "volume", json_object());
    } else {
        bool bind = is_path(fields[0]);
        json_object_set_new(v, "type", json_string(bind ? "bind" : "volume"));
        json_object_set_new(v, "source", json_string(fields[0]));
        json_object_set_new(v, "target", json_string(fields[1]));
        if (bind)
            json_object_set_new(sub(v, "bind"), "create_host_path", json_true());
        else
            sub(v, "volume");
        if (nf == 3) {
            char *opts = xstrdup(fields[2]), *save = NULL;
            for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                if (strcmp(o, "ro") == 0)
                    json_object_set_new(v, "read_only", json_true());
                else if (strcmp(o, "rw") == 0)
                    json_object_del(v, "read_only");
                else if (strcmp(o, "nocopy") == 0)
                    json_object_set_new(sub(v, "volume"), "nocopy", json_true());
                else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
                    json_object_set_new(sub(v, "bind"), "selinux", json_string(o));
                else if (is_propagation(o))
                    json_object_set_new(sub(v, "bind"), "propagation", json_string(o));
                else if (strcmp(o, "cached") == 0 || strcmp(o, "delegated") == 0 ||
                         strcmp(o, "consistent") == 0)
                    json_object_set_new(v, "consistency", json_string(o));
            }
            free(opts);
        }
    }
    for (size_t i = 0; i < nf; i++)
        free(fields[i]);
    return v;
bad:
    for (size_t i = 0; i < nf; i++)
        free(fields[i]);
    return NULL;
}

/* ---------------------------------------------------------------- shell words */

json_t *syntax_shell_split(const char *s, struct syntax_err *e)
{
    json_t *out = json_array();
    size_t cap = strlen(s) + 1, len = 0;
    char *buf = xmalloc(cap);
    bool sq = false, dq = false, esc = false, got = false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (esc) {
            buf[len++] = c;
            esc = false;
            got = true;
            continue;
        }
        if (c == '\\' && !sq) {
            esc = true;
            continue;
        }
        if (c == '\\' && sq) {
            buf[len++] = c;
            continue;
        }
        if (isspace((unsigned char)c) && !sq && !dq) {
            if (got) {
                buf[len] = '\0';
                json_array_append_new(out, json_string(buf));
                len = 0;
                got = false;
            }
            continue;
        }
        if (c == '"' && !sq) {
            dq = !dq;
            got = true;
            continue;
        }
        if (c == '\'' && !dq) {
            sq = !sq;
            got = true;
            continue;
        }
        buf[len++] = c;
        got = true;
    }
    if (sq || dq || esc) {
        free(buf);
        json_decref(out);
        fail(e, "close the quote, or write the command as a list: [\"prog\", \"arg\"]",
             "invalid command line string: unterminated %s",
             esc ? "escape" : sq ? "single quote" : "double quote");
        return NULL;
    }
    if (got) {
        buf[len] = '\0';
        json_array_append_new(out, json_string(buf));
    }
    free(buf);
    return out;
}
