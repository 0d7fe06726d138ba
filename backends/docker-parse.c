/*
 * Output parsers of the docker-protocol driver (see docker-parse.h).
 *
 * Quirks handled here: podman's `ps --format json` is one JSON array while
 * docker and nerdctl print one object per line; `Names` is an array (podman)
 * or a comma-separated string; `Labels` is a map or a "k=v,k=v" string;
 * docker's inspect `Name` has a leading '/'; `State` is a word or missing
 * (nerdctl: derive it from `Status`); podman's image ids lack "sha256:";
 * dates come as RFC 3339, Go's time.String() or unix seconds.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/docker-parse.h"

/* Maps runtime state words onto berth's states. */
enum berth_cstate docker_parse_state(const char *s)
{
    static const struct {
        const char *word;
        enum berth_cstate state;
    } map[] = {
        {"created", BERTH_CSTATE_CREATED},       {"configured", BERTH_CSTATE_CREATED},
        {"initialized", BERTH_CSTATE_CREATED},   {"running", BERTH_CSTATE_RUNNING},
        {"up", BERTH_CSTATE_RUNNING},            {"stopping", BERTH_CSTATE_RUNNING},
        {"paused", BERTH_CSTATE_PAUSED},         {"pausing", BERTH_CSTATE_PAUSED},
        {"restarting", BERTH_CSTATE_RESTARTING}, {"exited", BERTH_CSTATE_EXITED},
        {"stopped", BERTH_CSTATE_EXITED},        {"removing", BERTH_CSTATE_REMOVING},
        {"dead", BERTH_CSTATE_DEAD},
    };
    for (size_t i = 0; s != NULL && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(s, map[i].word) == 0)
            return map[i].state;
    return BERTH_CSTATE_UNKNOWN;
}

/* Maps runtime health words. */
enum berth_health docker_parse_health(const char *s)
{
    if (s == NULL)
        return BERTH_HEALTH_NONE;
    if (strcasecmp(s, "starting") == 0)
        return BERTH_HEALTH_STARTING;
    if (strcasecmp(s, "healthy") == 0)
        return BERTH_HEALTH_HEALTHY;
    if (strcasecmp(s, "unhealthy") == 0)
        return BERTH_HEALTH_UNHEALTHY;
    return BERTH_HEALTH_NONE;
}

/* Case-insensitive substring search. */
static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

/* Classifies stderr of a failed command. */
int docker_parse_error_code(const char *s)
{
    if (s == NULL)
        return BERTH_E_BACKEND;
    static const char *const not_found[] = {"no such container", "no such image",
                                            "no such volume",    "no such network",
                                            "no such object",    "image not known",
                                            "network not found", "not found: manifest unknown",
                                            "unable to find network", "no container with name",
                                            "no volume with name"};
    static const char *const exists[] = {"already exists", "already in use", "already used",
                                         "is already in use"};
    for (size_t i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++)
        if (contains_ci(s, not_found[i]))
            return BERTH_E_NOT_FOUND;
    for (size_t i = 0; i < sizeof(exists) / sizeof(exists[0]); i++)
        if (contains_ci(s, exists[i]))
            return BERTH_E_EXISTS;
    return BERTH_E_BACKEND;
}

/* ------------------------------------------------------------- documents */

/* Fails with a message naming the command. */
static int bad(const struct docker_parse *p, struct berth_error **err, const char *fmt, ...)
    BERTH_PRINTF(3, 4);
static int bad(const struct docker_parse *p, struct berth_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = drv_xvasprintf(fmt, ap);
    va_end(ap);
    drv_fail(p->host, err, BERTH_E_PARSE, "%s: %s", p->cmd, msg);
    free(msg);
    return -1;
}

/* True when text holds nothing but blanks. */
static bool blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i]))
            return false;
    return true;
}

/* Parses a whole JSON array (empty output counts as []). */
static json_t *load_array(const struct docker_parse *p, const char *text, size_t len,
                          struct berth_error **err)
{
    if (text == NULL || blank(text, len))
        return json_array();
    json_t *j = drv_json_parse(p->host, p->cmd, text, len, err);
    if (j == NULL)
        return NULL;
    if (json_is_null(j)) {
        json_decref(j);
        return json_array();
    }
    if (!json_is_array(j)) {
        bad(p, err, "expected a JSON array, got %s",
            json_is_object(j) ? "an object" : "another JSON value");
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Parses one JSON object per line into an array. */
static json_t *load_lines(const struct docker_parse *p, const char *text, size_t len,
                          struct berth_error **err)
{
    json_t *arr = json_array();
    size_t i = 0, lineno = 0;
    while (text != NULL && i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        if (!blank(text + i, j - i)) {
            json_error_t je;
            json_t *o = json_loadb(text + i, j - i, 0, &je);
            if (o == NULL || !json_is_object(o)) {
                json_decref(o);
                json_decref(arr);
                bad(p, err, "line %zu is not a JSON object%s%s", lineno, o == NULL ? ": " : "",
                    o == NULL ? je.text : "");
                return NULL;
            }
            json_array_append_new(arr, o);
        }
        i = j + 1;
    }
    return arr;
}

/* The document of a list command in the dialect's shape. */
static json_t *load_list(const struct docker_parse *p, enum docker_dialect d, const char *text,
                         size_t len, struct berth_error **err)
{
    return d == DOCKER_DIALECT_PODMAN ? load_array(p, text, len, err)
                                      : load_lines(p, text, len, err);
}

/* Member key or its lower-case form (podman's network JSON is lower-case). */
static json_t *member(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL) {
        char low[64];
        size_t n = strlen(key);
        if (n >= sizeof(low))
            return NULL;
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)tolower((unsigned char)key[i]);
        v = json_object_get(o, low);
    }
    return v;
}

/* A string member in either case, or NULL. */
static const char *mstr(const json_t *o, const char *key)
{
    json_t *v = member(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Copies a string member (either case) into the arena, or NULL. */
static const char *adup(const struct docker_parse *p, const json_t *o, const char *key)
{
    return drv_arena_strdup(p->arena, mstr(o, key));
}

/* Labels from a map, a "k=v,..." string or null. */
static int labels_any(const struct docker_parse *p, const json_t *v, const char *what,
                      const struct berth_kv **out, size_t *n, struct berth_error **err)
{
    if (json_is_string(v))
        return docker_parse_label_string(p, json_string_value(v), out, n);
    return drv_json_labels(p->host, p->arena, p->cmd, what, v, out, n, err);
}

/* A timestamp member: RFC 3339 / Go string, or unix seconds. */
static int64_t time_member(const json_t *o, const char *key)
{
    json_t *v = member(o, key);
    int64_t t = 0;
    if (json_is_string(v)) {
        if (drv_parse_time(json_string_value(v), &t) < 0)
            t = 0;
    } else if (json_is_integer(v)) {
        t = (int64_t)json_integer_value(v);
    }
    /* Go's zero time as unix seconds (-62135596800) also means "never". */
    return t < 0 ? 0 : t;
}

/* A local image id with its "sha256:" prefix (podman prints bare hex). */
static const char *image_id(const struct docker_parse *p, const char *id)
{
    if (id == NULL)
        return NULL;
    size_t n = strlen(id);
    bool hex = n == 64;
    for (size_t i = 0; hex && i < n; i++)
        hex = isxdigit((unsigned char)id[i]) != 0;
    return hex ? drv_arena_printf(p->arena, "sha256:%s", id) : drv_arena_strdup(p->arena, id);
}

/* Reads "Exited (3) 2 minutes ago" style status text. */
static void status_text(const char *s, enum berth_cstate *state, int *exit_code)
{
    if (s == NULL)
        return;
    if (strncasecmp(s, "Up", 2) == 0) {
        *state = contains_ci(s, "(Paused)") ? BERTH_CSTATE_PAUSED : BERTH_CSTATE_RUNNING;
    } else if (strncasecmp(s, "Exited", 6) == 0) {
        *state = BERTH_CSTATE_EXITED;
        const char *q = strchr(s, '(');
        if (q != NULL) {
            long v = strtol(q + 1, NULL, 10);
            if (v >= INT_MIN && v <= INT_MAX)
                *exit_code = (int)v;
        }
    } else if (strncasecmp(s, "Created", 7) == 0) {
        *state = BERTH_CSTATE_CREATED;
    } else if (strncasecmp(s, "Restarting", 10) == 0) {
        *state = BERTH_CSTATE_RESTARTING;
    } else if (strncasecmp(s, "Removal", 7) == 0) {
        *state = BERTH_CSTATE_REMOVING;
    } else if (strncasecmp(s, "Dead", 4) == 0) {
        *state = BERTH_CSTATE_DEAD;
    } else if (strncasecmp(s, "Paused", 6) == 0) {
        *state = BERTH_CSTATE_PAUSED;
    }
}

/* An int member that must fit an int; absent: dflt. */
static int int_member(const json_t *o, const char *key, int dflt)
{
    int64_t v;
    if (drv_jint(o, key, &v) && v >= INT_MIN && v <= INT_MAX)
        return (int)v;
    return dflt;
}

/* ------------------------------------------------------------ containers */

/* Parses "80/tcp" into port and protocol. */
static bool port_proto(const struct docker_parse *p, const char *s, uint16_t *port,
                       const char **proto)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || v <= 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    *proto = *end == '/' ? drv_arena_strdup(p->arena, end + 1) : "tcp";
    return *end == '/' || *end == '\0';
}

/* NetworkSettings.Ports: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}] | null}. */
static int inspect_ports(const struct docker_parse *p, const json_t *ports,
                         struct berth_container_info *c, struct berth_error **err)
{
    if (ports == NULL || json_is_null(ports))
        return 0;
    if (!json_is_object(ports))
        return bad(p, err, "NetworkSettings.Ports is not an object");
    size_t n = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)ports, key, val)
    {
        n += json_is_array(val) && json_array_size(val) > 0 ? json_array_size(val) : 1;
    }
    if (n == 0)
        return 0;
    struct berth_port_binding *pb = drv_arena_alloc(p->arena, n, sizeof(*pb));
    size_t k = 0;
    json_object_foreach((json_t *)ports, key, val)
    {
        uint16_t cport;
        const char *proto;
        if (!port_proto(p, key, &cport, &proto))
            return bad(p, err, "port key '%.40s' is not <port>/<protocol>", key);
        if (!json_is_array(val) || json_array_size(val) == 0) {
            if (val != NULL && !json_is_null(val) && !json_is_array(val))
                return bad(p, err, "port '%.40s' bindings are not an array", key);
            pb[k].container_port = cport;
            pb[k].protocol = proto;
            pb[k].host_ip = "";
            k++;
            continue;
        }
        size_t i;
        json_t *b;
        json_array_foreach(val, i, b)
        {
            const char *hp = drv_jstr(b, "HostPort");
            int64_t hport = 0;
            if (!json_is_object(b) || hp == NULL ||
                (hp[0] != '\0' && (!drv_parse_int64(hp, &hport) || hport < 0 || hport > 65535)))
                return bad(p, err, "port '%.40s' has a malformed binding", key);
            const char *ip = drv_jstr(b, "HostIp");
            pb[k].container_port = cport;
            pb[k].protocol = proto;
            pb[k].host_port = (uint16_t)hport;
            /* Podman reports "" for all addresses; docker "0.0.0.0". */
            pb[k].host_ip = drv_arena_strdup(p->arena, ip != NULL && ip[0] != '\0' ? ip
                                                       : hport != 0                ? "0.0.0.0"
                                                                                   : "");
            k++;
        }
    }
    c->ports = pb;
    c->n_ports = k;
    return 0;
}

/* NetworkSettings.Networks: {"name": {"IPAddress": ..., "Aliases": [...]}}. */
static int inspect_networks(const struct docker_parse *p, const json_t *nets,
                            struct berth_container_info *c, struct berth_error **err)
{
    if (nets == NULL || json_is_null(nets))
        return 0;
    if (!json_is_object(nets))
        return bad(p, err, "NetworkSettings.Networks is not an object");
    size_t n = json_object_size(nets);
    if (n == 0)
        return 0;
    struct berth_net_addr *na = drv_arena_alloc(p->arena, n, sizeof(*na));
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)nets, key, val)
    {
        if (!json_is_object(val))
            return bad(p, err, "network '%.60s' is not an object", key);
        na[k].network = drv_arena_strdup(p->arena, key);
        const char *v4 = drv_jstr(val, "IPAddress");
        const char *v6 = drv_jstr(val, "GlobalIPv6Address");
        na[k].ipv4 = v4 != NULL && v4[0] != '\0' ? drv_arena_strdup(p->arena, v4) : NULL;
        na[k].ipv6 = v6 != NULL && v6[0] != '\0' ? drv_arena_strdup(p->arena, v6) : NULL;
        const char *const *al;
        if (drv_json_strv(p->host, p->arena, p->cmd, "network aliases",
                          json_object_get(val, "Aliases"), &al, err) < 0)
            return -1;
        na[k].aliases = al;
        k++;
    }
    c->networks = na;
    c->n_networks = k;
    return 0;
}

/* A name without docker's leading '/'. */
static const char *strip_slash(const struct docker_parse *p, const char *name)
{
    if (name == NULL)
        return NULL;
    return drv_arena_strdup(p->arena, name[0] == '/' ? name + 1 : name);
}

/* One `container inspect` object. */
static int container_from_inspect(const struct docker_parse *p, const json_t *o,
                                  struct berth_container_info *c, struct berth_error **err)
{
    if (!json_is_object(o))
        return bad(p, err, "inspect entry is not an object");
    const char *id = drv_jstr(o, "Id");
    if (id == NULL || id[0] == '\0')
        return bad(p, err, "inspect entry has no Id");
    c->id = drv_arena_strdup(p->arena, id);
    c->name = strip_slash(p, drv_jstr(o, "Name"));
    json_t *cfg = drv_jobj(o, "Config");
    const char *img = drv_jstr(cfg, "Image");
    if (img == NULL)
        img = drv_jstr(o, "ImageName");
    c->image = drv_arena_strdup(p->arena, img);
    c->image_id = image_id(p, drv_jstr(o, "Image"));
    c->created_at = time_member(o, "Created");
    c->status = "";
    json_t *st = json_object_get(o, "State");
    if (json_is_object(st)) {
        c->state = docker_parse_state(drv_jstr(st, "Status"));
        c->exit_code = int_member(st, "ExitCode", 0);
        c->started_at = time_member(st, "StartedAt");
        c->finished_at = time_member(st, "FinishedAt");
        c->pid = int_member(st, "Pid", 0);
        json_t *h = drv_jobj(st, "Health");
        if (h == NULL)
            h = drv_jobj(st, "Healthcheck");
        c->health = docker_parse_health(drv_jstr(h, "Status"));
        if (c->state == BERTH_CSTATE_UNKNOWN) {
            /* Very old engines: booleans only. */
            c->state = drv_jbool(st, "Running")   ? BERTH_CSTATE_RUNNING
                       : drv_jbool(st, "Paused")  ? BERTH_CSTATE_PAUSED
                       : drv_jbool(st, "Dead")    ? BERTH_CSTATE_DEAD
                       : c->finished_at != 0      ? BERTH_CSTATE_EXITED
                                                  : BERTH_CSTATE_UNKNOWN;
        }
    } else if (st != NULL && !json_is_null(st)) {
        return bad(p, err, "State of container %.64s is not an object", id);
    }
    if (drv_json_labels(p->host, p->arena, p->cmd, "Config.Labels", json_object_get(cfg, "Labels"),
                        &c->labels, &c->n_labels, err) < 0)
        return -1;
    json_t *ns = drv_jobj(o, "NetworkSettings");
    if (inspect_ports(p, json_object_get(ns, "Ports"), c, err) < 0 ||
        inspect_networks(p, json_object_get(ns, "Networks"), c, err) < 0)
        return -1;
    /* The process that runs: Path + Args. */
    const char *path = drv_jstr(o, "Path");
    const char *const *args;
    if (drv_json_strv(p->host, p->arena, p->cmd, "Args", json_object_get(o, "Args"), &args, err) <
        0)
        return -1;
    if (path != NULL && path[0] != '\0') {
        size_t n = 0;
        while (args != NULL && args[n] != NULL)
            n++;
        const char **cmd = drv_arena_alloc(p->arena, n + 2, sizeof(char *));
        cmd[0] = drv_arena_strdup(p->arena, path);
        for (size_t i = 0; i < n; i++)
            cmd[i + 1] = args[i];
        c->command = cmd;
    }
    return 0;
}

/* `container inspect`. */
int docker_parse_container_inspect(const struct docker_parse *p, const char *text, size_t len,
                                   const struct berth_container_info **out, size_t *n_out,
                                   struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr);
    if (n == 0) {
        json_decref(arr);
        return bad(p, err, "no container in the output");
    }
    struct berth_container_info *c = drv_arena_alloc(p->arena, n, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        if (container_from_inspect(p, json_array_get(arr, i), &c[i], err) < 0) {
            json_decref(arr);
            return -1;
        }
    }
    json_decref(arr);
    *out = c;
    *n_out = n;
    return 0;
}

/* Podman's ps "Ports": [{"host_ip", "container_port", "host_port", "range", "protocol"}]. */
static int podman_ps_ports(const struct docker_parse *p, const json_t *ports,
                           struct berth_container_info *c, struct berth_error **err)
{
    if (ports == NULL || json_is_null(ports))
        return 0;
    if (!json_is_array(ports))
        return bad(p, err, "Ports is not an array");
    size_t total = 0, i;
    json_t *e;
    json_array_foreach(ports, i, e)
    {
        int64_t range = 1;
        if (!json_is_object(e))
            return bad(p, err, "Ports[%zu] is not an object", i);
        drv_jint(e, "range", &range);
        if (range < 1 || range > 65536)
            return bad(p, err, "Ports[%zu] has a bad range", i);
        total += (size_t)range;
    }
    if (total == 0)
        return 0;
    struct berth_port_binding *pb = drv_arena_alloc(p->arena, total, sizeof(*pb));
    size_t k = 0;
    json_array_foreach(ports, i, e)
    {
        int64_t cp, hp = 0, range = 1;
        drv_jint(e, "range", &range);
        if (!drv_jint(e, "container_port", &cp) || cp <= 0 || cp > 65535 ||
            (drv_jint(e, "host_port", &hp) && (hp < 0 || hp > 65535)) ||
            cp + range - 1 > 65535 || (hp != 0 && hp + range - 1 > 65535))
            return bad(p, err, "Ports[%zu] has a bad port number", i);
        const char *ip = drv_jstr(e, "host_ip");
        const char *proto = drv_jstr(e, "protocol");
        for (int64_t r = 0; r < range; r++) {
            pb[k].container_port = (uint16_t)(cp + r);
            pb[k].host_port = hp != 0 ? (uint16_t)(hp + r) : 0;
            pb[k].protocol = drv_arena_strdup(p->arena, proto != NULL ? proto : "tcp");
            pb[k].host_ip = drv_arena_strdup(p->arena, ip != NULL && ip[0] != '\0' ? ip
                                                       : hp != 0                   ? "0.0.0.0"
                                                                                   : "");
            k++;
        }
    }
    c->ports = pb;
    c->n_ports = k;
    return 0;
}

/* Network names only (ps output carries no addresses). */
static void network_names(const struct docker_parse *p, const char *const *names,
                          struct berth_container_info *c)
{
    size_t n = 0;
    while (names != NULL && names[n] != NULL)
        n++;
    if (n == 0)
        return;
    struct berth_net_addr *na = drv_arena_alloc(p->arena, n, sizeof(*na));
    for (size_t i = 0; i < n; i++)
        na[i].network = names[i];
    c->networks = na;
    c->n_networks = n;
}

/* Splits "a,b,c" into an arena vector (NULL when empty). */
static const char *const *split_commas(const struct docker_parse *p, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return NULL;
    size_t n = 1;
    for (const char *q = s; *q != '\0'; q++)
        n += *q == ',';
    const char **v = drv_arena_alloc(p->arena, n + 1, sizeof(char *));
    size_t k = 0;
    const char *start = s;
    for (const char *q = s;; q++) {
        if (*q == ',' || *q == '\0') {
            while (start < q && *start == ' ')
                start++;
            if (q > start)
                v[k++] = drv_arena_strndup(p->arena, start, (size_t)(q - start));
            if (*q == '\0')
                break;
            start = q + 1;
        }
    }
    return k > 0 ? v : NULL;
}

/* Docker's ps "Ports": "0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp". */
static int docker_ps_ports(const struct docker_parse *p, const char *s,
                           struct berth_container_info *c, struct berth_error **err)
{
    const char *const *items = split_commas(p, s);
    if (items == NULL)
        return 0;
    size_t total = 0;
    struct berth_port_binding *pb = NULL;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (size_t i = 0; items[i] != NULL; i++) {
            const char *it = items[i];
            const char *arrow = strstr(it, "->");
            const char *cpart = arrow != NULL ? arrow + 2 : it;
            long c0, c1, h0 = 0;
            char *end;
            c0 = strtol(cpart, &end, 10);
            c1 = c0;
            if (*end == '-')
                c1 = strtol(end + 1, &end, 10);
            if (end == cpart || c0 <= 0 || c1 < c0 || c1 > 65535 || (*end != '/' && *end != '\0'))
                return bad(p, err, "cannot read port '%.60s'", it);
            const char *proto = *end == '/' ? end + 1 : "tcp";
            const char *hip = "";
            size_t hip_len = 0;
            if (arrow != NULL) {
                const char *colon = NULL;
                for (const char *q = it; q < arrow; q++)
                    if (*q == ':')
                        colon = q;
                const char *hstart = colon != NULL ? colon + 1 : it;
                h0 = strtol(hstart, &end, 10);
                if (end == hstart || h0 <= 0 || h0 > 65535 || h0 + (c1 - c0) > 65535)
                    return bad(p, err, "cannot read host port in '%.60s'", it);
                if (colon != NULL) {
                    hip = it;
                    hip_len = (size_t)(colon - it);
                    /* "[::1]:9000" and ":::8080" ("::" + ":8080") both split at the last ':'. */
                    if (hip_len >= 2 && hip[0] == '[' && hip[hip_len - 1] == ']') {
                        hip++;
                        hip_len -= 2;
                    }
                }
            }
            for (long port = c0; port <= c1; port++, k++) {
                if (pass == 0)
                    continue;
                pb[k].container_port = (uint16_t)port;
                pb[k].protocol = drv_arena_strdup(p->arena, proto);
                pb[k].host_port = h0 != 0 ? (uint16_t)(h0 + (port - c0)) : 0;
                pb[k].host_ip = drv_arena_strndup(p->arena, hip, hip_len);
            }
        }
        if (pass == 0) {
            total = k;
            pb = drv_arena_alloc(p->arena, total, sizeof(*pb));
        }
    }
    c->ports = pb;
    c->n_ports = total;
    return 0;
}

/* One entry of podman's `ps --format json` array. */
static int container_from_podman_ps(const struct docker_parse *p, const json_t *o,
                                    struct berth_container_info *c, struct berth_error **err)
{
    const char *id = drv_jstr(o, "Id");
    if (id == NULL || id[0] == '\0')
        return bad(p, err, "ps entry has no Id");
    c->id = drv_arena_strdup(p->arena, id);
    json_t *names = json_object_get(o, "Names");
    if (json_is_array(names) && json_is_string(json_array_get(names, 0)))
        c->name = strip_slash(p, json_string_value(json_array_get(names, 0)));
    else if (json_is_string(names))
        c->name = strip_slash(p, json_string_value(names));
    c->image = adup(p, o, "Image");
    c->image_id = image_id(p, drv_jstr(o, "ImageID"));
    json_t *state = json_object_get(o, "State");
    c->state = json_is_string(state) ? docker_parse_state(json_string_value(state))
                                     : BERTH_CSTATE_UNKNOWN;
    c->status = drv_arena_strdup(p->arena, drv_jstr(o, "Status") ? drv_jstr(o, "Status") : "");
    c->exit_code = int_member(o, "ExitCode", 0);
    if (c->state == BERTH_CSTATE_UNKNOWN)
        status_text(c->status, &c->state, &c->exit_code);
    c->created_at = time_member(o, "Created");
    c->started_at = time_member(o, "StartedAt");
    c->finished_at = drv_jbool(o, "Exited") ? time_member(o, "ExitedAt") : 0;
    c->pid = int_member(o, "Pid", 0);
    if (labels_any(p, json_object_get(o, "Labels"), "Labels", &c->labels, &c->n_labels, err) < 0)
        return -1;
    const char *const *nets;
    if (drv_json_strv(p->host, p->arena, p->cmd, "Networks", json_object_get(o, "Networks"),
                      &nets, err) < 0)
        return -1;
    network_names(p, nets, c);
    if (podman_ps_ports(p, json_object_get(o, "Ports"), c, err) < 0)
        return -1;
    return drv_json_strv(p->host, p->arena, p->cmd, "Command", json_object_get(o, "Command"),
                         &c->command, err);
}

/* One line of docker's or nerdctl's `ps --format '{{json .}}'`. */
static int container_from_ps_line(const struct docker_parse *p, const json_t *o,
                                  struct berth_container_info *c, struct berth_error **err)
{
    const char *id = drv_jstr(o, "ID");
    if (id == NULL || id[0] == '\0')
        return bad(p, err, "ps line has no ID");
    c->id = drv_arena_strdup(p->arena, id);
    const char *const *names = split_commas(p, drv_jstr(o, "Names"));
    c->name = names != NULL ? strip_slash(p, names[0]) : NULL;
    c->image = adup(p, o, "Image");
    const char *status = drv_jstr(o, "Status");
    c->status = drv_arena_strdup(p->arena, status != NULL ? status : "");
    c->state = docker_parse_state(drv_jstr(o, "State"));
    int code = 0;
    enum berth_cstate from_status = BERTH_CSTATE_UNKNOWN;
    status_text(status, &from_status, &code);
    c->exit_code = code;
    if (c->state == BERTH_CSTATE_UNKNOWN) /* nerdctl prints no State */
        c->state = from_status;
    int64_t t = 0;
    const char *created = drv_jstr(o, "CreatedAt");
    if (created != NULL && drv_parse_time(created, &t) == 0)
        c->created_at = t;
    if (labels_any(p, json_object_get(o, "Labels"), "Labels", &c->labels, &c->n_labels, err) < 0)
        return -1;
    network_names(p, split_commas(p, drv_jstr(o, "Networks")), c);
    return docker_ps_ports(p, drv_jstr(o, "Ports"), c, err);
}

/* `ps` in either shape, filtered by labels. */
int docker_parse_ps(const struct docker_parse *p, enum docker_dialect d, const char *text,
                    size_t len, const struct berth_kv *filters, size_t n_filters,
                    const struct berth_container_info **out, size_t *n_out,
                    struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_list(p, d, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    struct berth_container_info *c = drv_arena_alloc(p->arena, n, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) {
            json_decref(arr);
            return bad(p, err, "ps entry %zu is not an object", i);
        }
        memset(&c[k], 0, sizeof(c[k]));
        int rc = d == DOCKER_DIALECT_PODMAN ? container_from_podman_ps(p, o, &c[k], err)
                                            : container_from_ps_line(p, o, &c[k], err);
        if (rc < 0) {
            json_decref(arr);
            return -1;
        }
        if (drv_labels_match(c[k].labels, c[k].n_labels, filters, n_filters))
            k++;
    }
    json_decref(arr);
    *out = c;
    *n_out = k;
    return 0;
}

/* ---------------------------------------------------------------- images */

/* One `image inspect` object. */
static int image_from_inspect(const struct docker_parse *p, const json_t *o,
                              struct berth_image_info *im, struct berth_error **err)
{
    if (!json_is_object(o))
        return bad(p, err, "image entry is not an object");
    const char *id = drv_jstr(o, "Id");
    if (id == NULL || id[0] == '\0')
        return bad(p, err, "image entry has no Id");
    im->id = image_id(p, id);
    if (drv_json_strv(p->host, p->arena, p->cmd, "RepoTags", json_object_get(o, "RepoTags"),
                      &im->repo_tags, err) < 0 ||
        drv_json_strv(p->host, p->arena, p->cmd, "RepoDigests", json_object_get(o, "RepoDigests"),
                      &im->repo_digests, err) < 0)
        return -1;
    int64_t size = 0;
    if (json_object_get(o, "Size") != NULL && (!drv_jint(o, "Size", &size) || size < 0))
        return bad(p, err, "image %.64s: Size is not a non-negative number", id);
    im->size = size;
    im->created_at = time_member(o, "Created");
    json_t *labels = json_object_get(drv_jobj(o, "Config"), "Labels");
    if (labels == NULL || json_is_null(labels))
        labels = json_object_get(o, "Labels");
    return drv_json_labels(p->host, p->arena, p->cmd, "image labels", labels, &im->labels,
                           &im->n_labels, err);
}

/* `image inspect`. */
int docker_parse_image_inspect(const struct docker_parse *p, const char *text, size_t len,
                               const struct berth_image_info **out, size_t *n_out,
                               struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr);
    if (n == 0) {
        json_decref(arr);
        return bad(p, err, "no image in the output");
    }
    struct berth_image_info *im = drv_arena_alloc(p->arena, n, sizeof(*im));
    for (size_t i = 0; i < n; i++) {
        if (image_from_inspect(p, json_array_get(arr, i), &im[i], err) < 0) {
            json_decref(arr);
            return -1;
        }
    }
    json_decref(arr);
    *out = im;
    *n_out = n;
    return 0;
}

/* One entry of podman's `images --format json`. */
static int image_from_podman(const struct docker_parse *p, const json_t *o,
                             struct berth_image_info *im, struct berth_error **err)
{
    const char *id = drv_jstr(o, "Id");
    if (id == NULL || id[0] == '\0')
        return bad(p, err, "images entry has no Id");
    im->id = image_id(p, id);
    /* Podman leaves RepoTags null and lists the tags as Names. */
    json_t *tags = json_object_get(o, "RepoTags");
    if (tags == NULL || json_is_null(tags))
        tags = json_object_get(o, "Names");
    if (drv_json_strv(p->host, p->arena, p->cmd, "Names", tags, &im->repo_tags, err) < 0 ||
        drv_json_strv(p->host, p->arena, p->cmd, "RepoDigests", json_object_get(o, "RepoDigests"),
                      &im->repo_digests, err) < 0)
        return -1;
    int64_t size = 0;
    if (json_object_get(o, "Size") != NULL && (!drv_jint(o, "Size", &size) || size < 0))
        return bad(p, err, "image %.64s: Size is not a non-negative number", id);
    im->size = size;
    im->created_at = time_member(o, "Created");
    return labels_any(p, json_object_get(o, "Labels"), "Labels", &im->labels, &im->n_labels, err);
}

/* Appends s to a NULL-terminated arena vector (copying the old entries). */
static const char *const *strv_add(const struct docker_parse *p, const char *const *v,
                                   const char *s)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL) {
        if (strcmp(v[n], s) == 0)
            return v;
        n++;
    }
    const char **nv = drv_arena_alloc(p->arena, n + 2, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        nv[i] = v[i];
    nv[n] = drv_arena_strdup(p->arena, s);
    return nv;
}

/* One line of docker's `images --format '{{json .}}'` merged into im. */
static int image_from_line(const struct docker_parse *p, const json_t *o,
                           struct berth_image_info *im, struct berth_error **err)
{
    const char *repo = drv_jstr(o, "Repository");
    const char *tag = drv_jstr(o, "Tag");
    const char *digest = drv_jstr(o, "Digest");
    if (repo != NULL && strcmp(repo, "<none>") != 0) {
        if (tag != NULL && strcmp(tag, "<none>") != 0) {
            char *t = drv_xasprintf("%s:%s", repo, tag);
            im->repo_tags = strv_add(p, im->repo_tags, t);
            free(t);
        }
        if (digest != NULL && strncmp(digest, "sha256:", 7) == 0) {
            char *d = drv_xasprintf("%s@%s", repo, digest);
            im->repo_digests = strv_add(p, im->repo_digests, d);
            free(d);
        }
    }
    const char *size = drv_jstr(o, "Size");
    int64_t bytes;
    if (size != NULL && drv_parse_size(size, &bytes))
        im->size = bytes;
    int64_t t;
    const char *created = drv_jstr(o, "CreatedAt");
    if (created != NULL && drv_parse_time(created, &t) == 0)
        im->created_at = t;
    if (im->n_labels == 0 &&
        labels_any(p, json_object_get(o, "Labels"), "Labels", &im->labels, &im->n_labels, err) < 0)
        return -1;
    return 0;
}

/* `images` in either shape, filtered by labels. */
int docker_parse_images(const struct docker_parse *p, enum docker_dialect d, const char *text,
                        size_t len, const struct berth_kv *filters, size_t n_filters,
                        const struct berth_image_info **out, size_t *n_out,
                        struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_list(p, d, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    struct berth_image_info *im = drv_arena_alloc(p->arena, n, sizeof(*im));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) {
            json_decref(arr);
            return bad(p, err, "images entry %zu is not an object", i);
        }
        if (d == DOCKER_DIALECT_PODMAN) {
            if (image_from_podman(p, o, &im[k], err) < 0) {
                json_decref(arr);
                return -1;
            }
            k++;
            continue;
        }
        const char *id = drv_jstr(o, "ID");
        if (id == NULL || id[0] == '\0') {
            json_decref(arr);
            return bad(p, err, "images line %zu has no ID", i + 1);
        }
        const char *full = image_id(p, id);
        size_t j = 0;
        while (j < k && strcmp(im[j].id, full) != 0)
            j++;
        if (j == k)
            im[k++].id = full;
        if (image_from_line(p, o, &im[j], err) < 0) {
            json_decref(arr);
            return -1;
        }
    }
    json_decref(arr);
    size_t kept = 0;
    for (size_t i = 0; i < k; i++)
        if (drv_labels_match(im[i].labels, im[i].n_labels, filters, n_filters))
            im[kept++] = im[i];
    *out = im;
    *n_out = kept;
    return 0;
}

/* --------------------------------------------------------------- networks */

/* A boolean that may be JSON true/false or the strings "true"/"false". */
static bool loose_bool(const json_t *o, const char *key)
{
    json_t *v = member(o, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    return json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0;
}

/* `network inspect` and `network ls`. */
int docker_parse_networks(const struct docker_parse *p, enum docker_dialect d, bool list,
                          const char *text, size_t len, const struct berth_kv *filters,
                          size_t n_filters, const struct berth_network_info **out,
                          size_t *n_out, struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = list ? load_list(p, d, text, len, err) : load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    if (!list && n == 0) {
        json_decref(arr);
        return bad(p, err, "no network in the output");
    }
    struct berth_network_info *nw = drv_arena_alloc(p->arena, n, sizeof(*nw));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *name = json_is_object(o) ? mstr(o, "Name") : NULL;
        if (name == NULL || name[0] == '\0') {
            json_decref(arr);
            return bad(p, err, "network entry %zu has no name", i);
        }
        struct berth_network_info *w = &nw[k];
        w->name = drv_arena_strdup(p->arena, name);
        w->id = mstr(o, "Id") != NULL ? adup(p, o, "Id") : adup(p, o, "ID");
        w->driver = adup(p, o, "Driver");
        w->internal = loose_bool(o, "Internal");
        if (labels_any(p, member(o, "Labels"), "network labels", &w->labels, &w->n_labels, err) <
            0) {
            json_decref(arr);
            return -1;
        }
        if (drv_labels_match(w->labels, w->n_labels, filters, n_filters))
            k++;
    }
    json_decref(arr);
    *out = nw;
    *n_out = k;
    return 0;
}

/* `volume inspect` and `volume ls`. */
int docker_parse_volumes(const struct docker_parse *p, enum docker_dialect d, bool list,
                         const char *text, size_t len, const struct berth_kv *filters,
                         size_t n_filters, const struct berth_volume_info **out, size_t *n_out,
                         struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = list ? load_list(p, d, text, len, err) : load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    if (!list && n == 0) {
        json_decref(arr);
        return bad(p, err, "no volume in the output");
    }
    struct berth_volume_info *vo = drv_arena_alloc(p->arena, n, sizeof(*vo));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *name = json_is_object(o) ? mstr(o, "Name") : NULL;
        if (name == NULL || name[0] == '\0') {
            json_decref(arr);
            return bad(p, err, "volume entry %zu has no name", i);
        }
        struct berth_volume_info *v = &vo[k];
        v->name = drv_arena_strdup(p->arena, name);
        v->driver = adup(p, o, "Driver");
        v->mountpoint = adup(p, o, "Mountpoint");
        if (labels_any(p, member(o, "Labels"), "volume labels", &v->labels, &v->n_labels, err) <
            0) {
            json_decref(arr);
            return -1;
        }
        if (drv_labels_match(v->labels, v->n_labels, filters, n_filters))
            k++;
    }
    json_decref(arr);
    *out = vo;
    *n_out = k;
    return 0;
}

/* ------------------------------------------------------------------ probe */

/* The engine version: podman .Server.Version (remote) else .Client.Version (local),
 * docker .Server.Version, nerdctl .Server.Components[containerd].Version (else
 * .Client.Version). */
int docker_parse_probe(const struct docker_parse *p, enum docker_dialect d, const char *text,
                       size_t len, const char **version, bool *engine, struct berth_error **err)
{
    *version = NULL;
    *engine = true;
    json_t *j = drv_json_parse(p->host, p->cmd, text, len, err);
    if (j == NULL)
        return -1;
    if (!json_is_object(j)) {
        json_decref(j);
        return bad(p, err, "expected a JSON object");
    }
    const char *v = NULL;
    if (d == DOCKER_DIALECT_PODMAN) {
        /* podman --remote / podman machine: the Server section is the engine's answer */
        v = drv_jstr(drv_jobj(j, "Server"), "Version");
        if (v == NULL) {
            v = drv_jstr(drv_jobj(j, "Client"), "Version");
            *engine = false;
        }
    } else {
        json_t *server = drv_jobj(j, "Server");
        v = drv_jstr(server, "Version");
        size_t i;
        json_t *comp;
        json_array_foreach(drv_jarr(server, "Components"), i, comp)
        {
            const char *name = drv_jstr(comp, "Name");
            if (v == NULL && name != NULL &&
                (strcasecmp(name, "containerd") == 0 || strcasecmp(name, "Engine") == 0))
                v = drv_jstr(comp, "Version");
        }
        if (v == NULL && d == DOCKER_DIALECT_NERDCTL)
            v = drv_jstr(drv_jobj(j, "Client"), "Version");
    }
    if (v == NULL) {
        json_decref(j);
        return bad(p, err, "no server version in the output (is the engine running?)");
    }
    *version = drv_arena_strdup(p->arena, v);
    json_decref(j);
    return 0;
}

/* ----------------------------------------------------------------- events */

/* Docker's action names for podman's event statuses. */
static const char *podman_action(const char *type, const char *status)
{
    if (strcmp(status, "died") == 0)
        return "die";
    if (strcmp(status, "exec_died") == 0)
        return "exec_die";
    if (strcmp(status, "remove") == 0 && strcmp(type, "image") != 0)
        return "destroy";
    return status;
}

/* Copies a JSON object of scalars into attributes (numbers as text), leaving extra slots. */
static void attributes(const struct docker_parse *p, const json_t *obj, struct berth_kv **kv,
                       size_t *n, size_t extra)
{
    size_t cap = (json_is_object(obj) ? json_object_size(obj) : 0) + extra;
    *kv = drv_arena_alloc(p->arena, cap ? cap : 1, sizeof(**kv));
    *n = 0;
    const char *key;
    json_t *val;
    if (!json_is_object(obj))
        return;
    json_object_foreach((json_t *)obj, key, val)
    {
        const char *s = NULL;
        if (json_is_string(val))
            s = drv_arena_strdup(p->arena, json_string_value(val));
        else if (json_is_integer(val))
            s = drv_arena_printf(p->arena, "%lld", (long long)json_integer_value(val));
        else if (json_is_boolean(val))
            s = json_is_true(val) ? "true" : "false";
        if (s == NULL)
            continue;
        (*kv)[*n].key = drv_arena_strdup(p->arena, key);
        (*kv)[*n].value = s;
        (*n)++;
    }
}

/* A podman `events --format json` line. */
static int podman_event(const struct docker_parse *p, const json_t *o,
                        struct berth_event_info *ev, struct berth_error **err)
{
    const char *type = drv_jstr(o, "Type");
    const char *status = drv_jstr(o, "Status");
    if (type == NULL || status == NULL)
        return bad(p, err, "event without Type or Status");
    ev->type = drv_arena_strdup(p->arena, type);
    ev->action = drv_arena_strdup(p->arena, podman_action(type, status));
    ev->id = adup(p, o, "ID");
    ev->name = adup(p, o, "Name");
    int64_t code;
    ev->exit_code = drv_jint(o, "ContainerExitCode", &code) && code >= INT_MIN && code <= INT_MAX
                        ? (int)code
                        : -1;
    if (strcmp(ev->action, "die") == 0 && ev->exit_code < 0)
        ev->exit_code = 0; /* podman omits a zero exit code */
    ev->time = time_member(o, "Time");
    struct berth_kv *kv;
    size_t n;
    attributes(p, drv_jobj(o, "Attributes"), &kv, &n, 2);
    const char *health = drv_jstr(o, "HealthStatus");
    if (health != NULL && health[0] != '\0') {
        kv[n].key = "health_status";
        kv[n++].value = drv_arena_strdup(p->arena, health);
    }
    const char *image = drv_jstr(o, "Image");
    if (image != NULL) {
        kv[n].key = "image";
        kv[n++].value = drv_arena_strdup(p->arena, image);
    }
    ev->labels = kv;
    ev->n_labels = n;
    return 1;
}

/* A docker `events --format '{{json .}}'` line. */
static int docker_event(const struct docker_parse *p, const json_t *o,
                        struct berth_event_info *ev, struct berth_error **err)
{
    const char *type = drv_jstr(o, "Type");
    const char *action = drv_jstr(o, "Action");
    if (action == NULL)
        action = drv_jstr(o, "status");
    if (type == NULL || action == NULL)
        return bad(p, err, "event without Type or Action");
    json_t *actor = drv_jobj(o, "Actor");
    json_t *attrs = drv_jobj(actor, "Attributes");
    struct berth_kv *kv;
    size_t n;
    attributes(p, attrs, &kv, &n, 1);
    /* "health_status: healthy" → action health_status, attribute health_status. */
    const char *colon = strstr(action, ": ");
    if (colon != NULL) {
        kv[n].key = "health_status";
        kv[n++].value = drv_arena_strdup(p->arena, colon + 2);
        ev->action = drv_arena_strndup(p->arena, action, (size_t)(colon - action));
    } else {
        ev->action = drv_arena_strdup(p->arena, action);
    }
    ev->type = drv_arena_strdup(p->arena, type);
    const char *id = drv_jstr(actor, "ID");
    ev->id = drv_arena_strdup(p->arena, id != NULL ? id : drv_jstr(o, "id"));
    ev->name = drv_arena_strdup(p->arena, drv_jstr(attrs, "name"));
    ev->exit_code = -1;
    const char *code = drv_jstr(attrs, "exitCode");
    int64_t c;
    if (code != NULL && drv_parse_int64(code, &c) && c >= INT_MIN && c <= INT_MAX)
        ev->exit_code = (int)c;
    int64_t t;
    ev->time = drv_jint(o, "time", &t) && t > 0 ? t : 0;
    ev->labels = kv;
    ev->n_labels = n;
    return 1;
}

/* A nerdctl event: containerd topics mapped onto docker's actions. */
static int nerdctl_event(const struct docker_parse *p, const json_t *o,
                         struct berth_event_info *ev, struct berth_error **err)
{
    static const struct {
        const char *topic, *type, *action;
    } map[] = {
        {"/containers/create", "container", "create"},
        {"/containers/delete", "container", "destroy"},
        {"/tasks/start", "container", "start"},
        {"/tasks/exit", "container", "die"},
        {"/tasks/oom", "container", "oom"},
        {"/tasks/paused", "container", "pause"},
        {"/tasks/resumed", "container", "unpause"},
        {"/images/create", "image", "pull"},
        {"/images/delete", "image", "delete"},
    };
    const char *topic = drv_jstr(o, "Topic");
    if (topic == NULL)
        return bad(p, err, "event without Topic");
    size_t i = 0;
    while (i < sizeof(map) / sizeof(map[0]) && strcmp(map[i].topic, topic) != 0)
        i++;
    if (i == sizeof(map) / sizeof(map[0]))
        return 0; /* snapshots, content ... */
    ev->type = map[i].type;
    ev->action = map[i].action;
    ev->id = adup(p, o, "ID");
    ev->exit_code = -1;
    ev->time = time_member(o, "Timestamp");
    const char *inner = drv_jstr(o, "Event");
    if (inner != NULL && inner[0] != '\0') {
        json_t *e = json_loads(inner, 0, NULL);
        if (!json_is_object(e)) {
            json_decref(e);
            return bad(p, err, "event payload is not a JSON object");
        }
        int64_t code;
        if (drv_jint(e, "exit_status", &code) && code >= 0 && code <= INT_MAX)
            ev->exit_code = (int)code;
        const char *cid = drv_jstr(e, "container_id");
        const char *pid = drv_jstr(e, "id");
        if (ev->id == NULL || ev->id[0] == '\0')
            ev->id = drv_arena_strdup(p->arena, cid);
        /* An exec's exit carries the exec id next to the container id. */
        if (strcmp(topic, "/tasks/exit") == 0 && cid != NULL && pid != NULL && strcmp(cid, pid) != 0)
            ev->action = "exec_die";
        if (strcmp(ev->type, "image") == 0)
            ev->name = drv_arena_strdup(p->arena, drv_jstr(e, "name"));
        json_decref(e);
    }
    /* containerd omits a zero exit_status. */
    if (strcmp(topic, "/tasks/exit") == 0 && ev->exit_code < 0)
        ev->exit_code = 0;
    return 1;
}

/* One `events` line in any dialect's shape. */
int docker_parse_event(const struct docker_parse *p, const char *line, size_t len,
                       struct berth_event_info *ev, struct berth_error **err)
{
    memset(ev, 0, sizeof(*ev));
    ev->exit_code = -1;
    if (blank(line, len))
        return 0;
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    if (o == NULL || !json_is_object(o)) {
        json_decref(o);
        return bad(p, err, "event line is not a JSON object%s%s", o == NULL ? ": " : "",
                   o == NULL ? je.text : "");
    }
    int rc;
    if (json_object_get(o, "Topic") != NULL)
        rc = nerdctl_event(p, o, ev, err);
    else if (json_object_get(o, "Actor") != NULL || json_object_get(o, "Action") != NULL)
        rc = docker_event(p, o, ev, err);
    else
        rc = podman_event(p, o, ev, err);
    json_decref(o);
    return rc;
}

/* ------------------------------------------------------------------- text */

/* Calls fn for each line (without '\n' and trailing '\r'). */
static int each_line(const char *text, size_t len,
                     int (*fn)(const char *line, size_t n, void *user), void *user)
{
    size_t i = 0;
    while (text != NULL && i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t n = j - i;
        if (n > 0 && text[i + n - 1] == '\r')
            n--;
        int rc = fn(text + i, n, user);
        if (rc != 0)
            return rc;
        i = j + 1;
    }
    return 0;
}

struct port_ctx {
    const struct docker_parse *p;
    struct berth_port_binding *pb;
    size_t n;
    bool count_only;
    const char *bad_line;
    size_t bad_len;
};

/* One "80/tcp -> 0.0.0.0:8080" line. */
static int port_line(const char *line, size_t n, void *user)
{
    struct port_ctx *c = user;
    if (blank(line, n))
        return 0;
    char *s = drv_xstrndup(line, n);
    char *arrow = strstr(s, " -> ");
    int rc = 0;
    long cport = 0, hport = 0;
    char *end;
    if (arrow == NULL)
        goto fail;
    *arrow = '\0';
    cport = strtol(s, &end, 10);
    if (end == s || cport <= 0 || cport > 65535 || (*end != '/' && *end != '\0'))
        goto fail;
    const char *proto = *end == '/' ? end + 1 : "tcp";
    char *hostpart = arrow + 4;
    char *colon = strrchr(hostpart, ':');
    if (colon == NULL)
        goto fail;
    hport = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || hport <= 0 || hport > 65535)
        goto fail;
    *colon = '\0';
    if (hostpart[0] == '[' && colon > hostpart + 1 && colon[-1] == ']') {
        colon[-1] = '\0';
        hostpart++;
    }
    if (!c->count_only) {
        c->pb[c->n].container_port = (uint16_t)cport;
        c->pb[c->n].protocol = drv_arena_strdup(c->p->arena, proto);
        c->pb[c->n].host_ip = drv_arena_strdup(c->p->arena, hostpart);
        c->pb[c->n].host_port = (uint16_t)hport;
    }
    c->n++;
    free(s);
    return 0;
fail:
    free(s);
    c->bad_line = line;
    c->bad_len = n;
    rc = -1;
    return rc;
}

/* `port` output. */
int docker_parse_ports(const struct docker_parse *p, const char *text, size_t len,
                       const struct berth_port_binding **out, size_t *n_out,
                       struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    struct port_ctx c = {.p = p, .count_only = true};
    if (each_line(text, len, port_line, &c) != 0)
        return bad(p, err, "cannot read port line '%.*s'", (int)(c.bad_len > 80 ? 80 : c.bad_len),
                   c.bad_line);
    if (c.n == 0)
        return 0;
    c.pb = drv_arena_alloc(p->arena, c.n, sizeof(*c.pb));
    c.n = 0;
    c.count_only = false;
    each_line(text, len, port_line, &c);
    *out = c.pb;
    *n_out = c.n;
    return 0;
}

/* Trims blanks from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* `wait`: one integer. */
int docker_parse_wait(const struct docker_parse *p, const char *text, size_t len, int *code,
                      struct berth_error **err)
{
    const char *s = text != NULL ? text : "";
    size_t n = text != NULL ? len : 0;
    trim(&s, &n);
    char buf[32];
    int64_t v;
    if (n == 0 || n >= sizeof(buf))
        return bad(p, err, "expected an exit code, got %zu bytes", n);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!drv_parse_int64(buf, &v) || v < INT_MIN || v > INT_MAX)
        return bad(p, err, "expected an exit code, got '%s'", buf);
    *code = (int)v;
    return 0;
}

/* The last non-empty line (an id or a name). */
int docker_parse_id(const struct docker_parse *p, const char *text, size_t len, const char **id,
                    struct berth_error **err)
{
    const char *s = text != NULL ? text : "";
    size_t n = text != NULL ? len : 0;
    trim(&s, &n);
    const char *nl = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            nl = s + i;
    if (nl != NULL) {
        n -= (size_t)(nl + 1 - s);
        s = nl + 1;
        trim(&s, &n);
    }
    bool ok = n > 0 && n <= 255;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-' ||
             s[i] == ':';
    if (!ok)
        return bad(p, err, "expected an id, got '%.*s'", (int)(n > 80 ? 80 : n), s);
    *id = drv_arena_strndup(p->arena, s, n);
    return 0;
}

struct top_ctx {
    const struct docker_parse *p;
    const char *cmdline;
    const char **pids;
    size_t n, cap;
    bool header;
};

/* One `top` row: "PID PPID COMMAND..." columns. */
static int top_line(const char *line, size_t n, void *user)
{
    struct top_ctx *c = user;
    const char *s = line;
    trim(&s, &n);
    if (n == 0)
        return 0;
    if (!c->header) {
        c->header = true; /* the column titles */
        return 0;
    }
    const char *q = s, *e = s + n;
    const char *pid = q;
    while (q < e && !isspace((unsigned char)*q))
        q++;
    size_t pid_len = (size_t)(q - pid);
    while (q < e && isspace((unsigned char)*q))
        q++;
    const char *ppid = q;
    while (q < e && !isspace((unsigned char)*q))
        q++;
    size_t ppid_len = (size_t)(q - ppid);
    while (q < e && isspace((unsigned char)*q))
        q++;
    size_t args_len = (size_t)(e - q);
    if (pid_len == 0 || ppid_len == 0)
        return -1;
    for (size_t i = 0; i < pid_len; i++)
        if (!isdigit((unsigned char)pid[i]))
            return -1;
    bool root = ppid_len == 1 && ppid[0] == '0' && !(pid_len == 1 && pid[0] == '1');
    if (root && strlen(c->cmdline) == args_len && memcmp(c->cmdline, q, args_len) == 0) {
        if (c->n + 2 > c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 8;
            const char **nv = drv_arena_alloc(c->p->arena, ncap, sizeof(char *));
            for (size_t i = 0; i < c->n; i++)
                nv[i] = c->pids[i];
            c->pids = nv;
            c->cap = ncap;
        }
        c->pids[c->n++] = drv_arena_strndup(c->p->arena, pid, pid_len);
    }
    return 0;
}

/* `top CTR pid ppid args`: exec roots running cmdline. */
int docker_parse_top(const struct docker_parse *p, const char *text, size_t len,
                     const char *cmdline, const char *const **pids, struct berth_error **err)
{
    struct top_ctx c = {.p = p, .cmdline = cmdline};
    *pids = NULL;
    if (each_line(text, len, top_line, &c) != 0)
        return bad(p, err, "cannot read the process list");
    *pids = c.n > 0 ? c.pids : NULL;
    return 0;
}

/* "k=v,k=v" with commas inside values folded back. */
int docker_parse_label_string(const struct docker_parse *p, const char *s,
                              const struct berth_kv **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (s == NULL || s[0] == '\0')
        return 0;
    size_t cap = 1;
    for (const char *q = s; *q != '\0'; q++)
        cap += *q == ',';
    struct berth_kv *kv = drv_arena_alloc(p->arena, cap, sizeof(*kv));
    size_t n = 0;
    const char *seg = s;
    for (;;) {
        const char *end = strchr(seg, ',');
        size_t len = end != NULL ? (size_t)(end - seg) : strlen(seg);
        const char *eq = memchr(seg, '=', len);
        if (eq != NULL && eq != seg) {
            kv[n].key = drv_arena_strndup(p->arena, seg, (size_t)(eq - seg));
            kv[n].value = drv_arena_strndup(p->arena, eq + 1, len - (size_t)(eq - seg) - 1);
            n++;
        } else if (n > 0) {
            /* No '=': the previous value contained a comma. */
            kv[n - 1].value = drv_arena_printf(p->arena, "%s,%.*s", kv[n - 1].value, (int)len, seg);
        } else if (len > 0) {
            kv[n].key = drv_arena_strndup(p->arena, seg, len);
            kv[n].value = "";
            n++;
        }
        if (end == NULL)
            break;
        seg = end + 1;
    }
    *out = kv;
    *n_out = n;
    return 0;
}

/* The status of one lima instance. */
int docker_parse_lima_status(const struct docker_parse *p, const char *text, size_t len,
                             const char *instance, const char **status,
                             struct berth_error **err)
{
    *status = NULL;
    size_t i = 0;
    while (text != NULL && i < len && isspace((unsigned char)text[i]))
        i++;
    json_t *arr = text != NULL && i < len && text[i] == '['
                      ? load_array(p, text, len, err)
                      : load_lines(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t k;
    json_t *o;
    json_array_foreach(arr, k, o)
    {
        const char *name = drv_jstr(o, "name");
        if (name != NULL && strcmp(name, instance) == 0) {
            const char *st = drv_jstr(o, "status");
            *status = drv_arena_strdup(p->arena, st != NULL ? st : "Unknown");
            break;
        }
    }
    json_decref(arr);
    return 0;
}
