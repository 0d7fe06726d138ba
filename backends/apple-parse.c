/* Output parsers of the Apple `container` driver (see apple-parse.h). */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/apple-parse.h"

/* Fails with a message naming the command. */
static int bad(const struct apple_parse *p, struct berth_error **err, const char *fmt, ...)
    BERTH_PRINTF(3, 4);
static int bad(const struct apple_parse *p, struct berth_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = drv_xvasprintf(fmt, ap);
    va_end(ap);
    drv_fail(p->host, err, BERTH_E_PARSE, "%s: %s", p->cmd, msg);
    free(msg);
    return -1;
}

/* Parses a JSON array document (empty output: []). */
static json_t *load_array(const struct apple_parse *p, const char *text, size_t len,
                          struct berth_error **err)
{
    size_t i = 0;
    while (text != NULL && i < len && isspace((unsigned char)text[i]))
        i++;
    if (text == NULL || i == len)
        return json_array();
    json_t *j = drv_json_parse(p->host, p->cmd, text, len, err);
    if (j == NULL)
        return NULL;
    if (!json_is_array(j)) {
        json_decref(j);
        bad(p, err, "expected a JSON array");
        return NULL;
    }
    return j;
}

/* A Swift date: seconds since 2001 (a number) or ISO 8601 text; 0 when absent. */
static int64_t swift_date(const json_t *v)
{
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (d > -1e12 && d < 1e12)
            return (int64_t)d + APPLE_REFERENCE_DATE;
        return 0;
    }
    int64_t t;
    if (json_is_string(v) && drv_parse_time(json_string_value(v), &t) == 0)
        return t;
    return 0;
}

/* "192.168.64.3/24" → "192.168.64.3" in the arena (NULL stays NULL). */
static const char *strip_prefix_len(const struct apple_parse *p, const char *cidr)
{
    if (cidr == NULL || cidr[0] == '\0')
        return NULL;
    const char *slash = strchr(cidr, '/');
    return slash != NULL ? drv_arena_strndup(p->arena, cidr, (size_t)(slash - cidr))
                         : drv_arena_strdup(p->arena, cidr);
}

/* configuration.publishedPorts → bindings (count expands into ports). */
static int container_ports(const struct apple_parse *p, const json_t *ports,
                           struct berth_container_info *c, struct berth_error **err)
{
    if (ports == NULL || json_is_null(ports))
        return 0;
    if (!json_is_array(ports))
        return bad(p, err, "publishedPorts is not an array");
    size_t total = 0, i;
    json_t *e;
    json_array_foreach(ports, i, e)
    {
        int64_t hp, cp, count = 1;
        if (!json_is_object(e) || !drv_jint(e, "hostPort", &hp) ||
            !drv_jint(e, "containerPort", &cp))
            return bad(p, err, "publishedPorts[%zu] is malformed", i);
        if (json_object_get(e, "count") != NULL && !drv_jint(e, "count", &count))
            return bad(p, err, "publishedPorts[%zu] has a bad count", i);
        if (hp <= 0 || cp <= 0 || count < 1 || hp + count - 1 > 65535 || cp + count - 1 > 65535)
            return bad(p, err, "publishedPorts[%zu] is out of range", i);
        total += (size_t)count;
    }
    if (total == 0)
        return 0;
    struct berth_port_binding *pb = drv_arena_alloc(p->arena, total, sizeof(*pb));
    size_t k = 0;
    json_array_foreach(ports, i, e)
    {
        int64_t hp = 0, cp = 0, count = 1;
        drv_jint(e, "hostPort", &hp);
        drv_jint(e, "containerPort", &cp);
        drv_jint(e, "count", &count);
        const char *proto = drv_jstr(e, "proto");
        const char *addr = drv_jstr(e, "hostAddress");
        for (int64_t r = 0; r < count; r++, k++) {
            pb[k].container_port = (uint16_t)(cp + r);
            pb[k].host_port = (uint16_t)(hp + r);
            pb[k].protocol = drv_arena_strdup(p->arena, proto != NULL ? proto : "tcp");
            pb[k].host_ip = drv_arena_strdup(p->arena, addr != NULL ? addr : "0.0.0.0");
        }
    }
    c->ports = pb;
    c->n_ports = k;
    return 0;
}

/* The top-level "networks" attachments. */
static int container_networks(const struct apple_parse *p, const json_t *nets,
                              struct berth_container_info *c, struct berth_error **err)
{
    if (nets == NULL || json_is_null(nets))
        return 0;
    if (!json_is_array(nets))
        return bad(p, err, "networks is not an array");
    size_t n = json_array_size(nets);
    if (n == 0)
        return 0;
    struct berth_net_addr *na = drv_arena_alloc(p->arena, n, sizeof(*na));
    size_t i;
    json_t *a;
    json_array_foreach(nets, i, a)
    {
        const char *name = drv_jstr(a, "network");
        if (name == NULL)
            return bad(p, err, "networks[%zu] has no network name", i);
        na[i].network = drv_arena_strdup(p->arena, name);
        const char *v4 = drv_jstr(a, "ipv4Address");
        if (v4 == NULL)
            v4 = drv_jstr(a, "address"); /* before 0.6 */
        na[i].ipv4 = strip_prefix_len(p, v4);
        na[i].ipv6 = strip_prefix_len(p, drv_jstr(a, "ipv6Address"));
    }
    c->networks = na;
    c->n_networks = n;
    return 0;
}

/* One {status, configuration, networks, startedDate} object. */
static int container_from(const struct apple_parse *p, const json_t *o,
                          struct berth_container_info *c, struct berth_error **err)
{
    json_t *cfg = drv_jobj(o, "configuration");
    const char *id = drv_jstr(cfg, "id");
    if (id == NULL || id[0] == '\0')
        return bad(p, err, "container entry has no configuration.id");
    c->id = drv_arena_strdup(p->arena, id);
    c->name = c->id; /* Apple names containers by their id */
    json_t *img = drv_jobj(cfg, "image");
    c->image = drv_arena_strdup(p->arena, drv_jstr(img, "reference"));
    c->image_id = drv_arena_strdup(p->arena, drv_jstr(drv_jobj(img, "descriptor"), "digest"));
    c->status = "";
    c->started_at = swift_date(json_object_get(o, "startedDate"));
    c->created_at = swift_date(json_object_get(drv_jobj(cfg, "metadata"), "createdAt"));
    int64_t code;
    bool has_code = drv_jint(o, "exitCode", &code) && code >= INT_MIN && code <= INT_MAX;
    c->exit_code = has_code ? (int)code : -1; /* older releases do not report it */
    const char *status = drv_jstr(o, "status");
    if (status == NULL) {
        /* Newer releases nest it: {"status": {"state": "running", ...}}. */
        json_t *st = drv_jobj(o, "status");
        status = drv_jstr(st, "state");
        if (c->started_at == 0)
            c->started_at = swift_date(json_object_get(st, "startedDate"));
    }
    if (status == NULL)
        return bad(p, err, "container %.64s has no status", id);
    if (strcmp(status, "running") == 0 || strcmp(status, "stopping") == 0)
        c->state = BERTH_CSTATE_RUNNING;
    else if (strcmp(status, "stopped") == 0)
        c->state = c->started_at != 0 || has_code ? BERTH_CSTATE_EXITED : BERTH_CSTATE_CREATED;
    else
        c->state = BERTH_CSTATE_UNKNOWN;
    if (drv_json_labels(p->host, p->arena, p->cmd, "configuration.labels",
                        json_object_get(cfg, "labels"), &c->labels, &c->n_labels, err) < 0)
        return -1;
    if (container_ports(p, json_object_get(cfg, "publishedPorts"), c, err) < 0 ||
        container_networks(p, json_object_get(o, "networks"), c, err) < 0)
        return -1;
    json_t *proc = drv_jobj(cfg, "initProcess");
    const char *exe = drv_jstr(proc, "executable");
    const char *const *args;
    if (drv_json_strv(p->host, p->arena, p->cmd, "initProcess.arguments",
                      json_object_get(proc, "arguments"), &args, err) < 0)
        return -1;
    if (exe != NULL) {
        size_t n = 0;
        while (args != NULL && args[n] != NULL)
            n++;
        const char **cmd = drv_arena_alloc(p->arena, n + 2, sizeof(char *));
        cmd[0] = drv_arena_strdup(p->arena, exe);
        for (size_t i = 0; i < n; i++)
            cmd[i + 1] = args[i];
        c->command = cmd;
    }
    return 0;
}

/* Containers from list or inspect. */
int apple_parse_containers(const struct apple_parse *p, const char *text, size_t len,
                           const struct berth_kv *filters, size_t n_filters, bool running_only,
                           const struct berth_container_info **out, size_t *n_out,
                           struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    struct berth_container_info *c = drv_arena_alloc(p->arena, n, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) {
            json_decref(arr);
            return bad(p, err, "container entry %zu is not an object", i);
        }
        memset(&c[k], 0, sizeof(c[k]));
        if (container_from(p, o, &c[k], err) < 0) {
            json_decref(arr);
            return -1;
        }
        if (drv_labels_match(c[k].labels, c[k].n_labels, filters, n_filters) &&
            (!running_only || c[k].state == BERTH_CSTATE_RUNNING))
            k++;
    }
    json_decref(arr);
    *out = c;
    *n_out = k;
    return 0;
}

/* Image inspect: {name, index: {digest, size}, variants: [{platform, config, size}]}. */
int apple_parse_image_inspect(const struct apple_parse *p, const char *text, size_t len,
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
        json_t *o = json_array_get(arr, i);
        const char *name = drv_jstr(o, "name");
        const char *digest = drv_jstr(drv_jobj(o, "index"), "digest");
        if (name == NULL || digest == NULL) {
            json_decref(arr);
            return bad(p, err, "image entry %zu has no name or index digest", i);
        }
        im[i].id = drv_arena_strdup(p->arena, digest);
        const char **tags = drv_arena_alloc(p->arena, 2, sizeof(char *));
        tags[0] = drv_arena_strdup(p->arena, name);
        im[i].repo_tags = tags;
        json_t *v0 = json_array_get(drv_jarr(o, "variants"), 0);
        int64_t size = 0;
        if (v0 != NULL && json_object_get(v0, "size") != NULL &&
            (!drv_jint(v0, "size", &size) || size < 0)) {
            bad(p, err, "image %.100s: variant size is not a non-negative number", name);
            json_decref(arr);
            return -1;
        }
        im[i].size = size;
        json_t *cfg = drv_jobj(v0, "config");
        int64_t t;
        const char *created = drv_jstr(cfg, "created");
        if (created != NULL && drv_parse_time(created, &t) == 0)
            im[i].created_at = t;
        if (drv_json_labels(p->host, p->arena, p->cmd, "image labels",
                            json_object_get(drv_jobj(cfg, "config"), "Labels"), &im[i].labels,
                            &im[i].n_labels, err) < 0) {
            json_decref(arr);
            return -1;
        }
    }
    json_decref(arr);
    *out = im;
    *n_out = n;
    return 0;
}

/* Image list: [{reference, descriptor: {digest, size, mediaType}}]. */
int apple_parse_images(const struct apple_parse *p, const char *text, size_t len,
                       const struct berth_kv *filters, size_t n_filters,
                       const struct berth_image_info **out, size_t *n_out,
                       struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    struct berth_image_info *im = drv_arena_alloc(p->arena, n, sizeof(*im));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *ref = drv_jstr(o, "reference");
        json_t *d = drv_jobj(o, "descriptor");
        const char *digest = drv_jstr(d, "digest");
        if (ref == NULL || digest == NULL) {
            json_decref(arr);
            return bad(p, err, "image entry %zu has no reference or digest", i);
        }
        int64_t size = 0;
        if (json_object_get(d, "size") != NULL && (!drv_jint(d, "size", &size) || size < 0)) {
            bad(p, err, "image %.100s: size is not a non-negative number", ref);
            json_decref(arr);
            return -1;
        }
        /* The listing carries no labels: any label filter matches nothing. */
        if (!drv_labels_match(NULL, 0, filters, n_filters))
            continue;
        im[k].id = drv_arena_strdup(p->arena, digest);
        const char **tags = drv_arena_alloc(p->arena, 2, sizeof(char *));
        tags[0] = drv_arena_strdup(p->arena, ref);
        im[k].repo_tags = tags;
        im[k].size = size;
        k++;
    }
    json_decref(arr);
    *out = im;
    *n_out = k;
    return 0;
}

/* Networks: [{id, state, config: {id, mode, labels, ...}, status}]. */
int apple_parse_networks(const struct apple_parse *p, const char *text, size_t len,
                         const struct berth_kv *filters, size_t n_filters,
                         const struct berth_network_info **out, size_t *n_out,
                         struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    struct berth_network_info *nw = drv_arena_alloc(p->arena, n, sizeof(*nw));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        json_t *cfg = drv_jobj(o, "config");
        const char *id = drv_jstr(o, "id");
        if (id == NULL)
            id = drv_jstr(cfg, "id");
        if (id == NULL) {
            json_decref(arr);
            return bad(p, err, "network entry %zu has no id", i);
        }
        nw[k].id = drv_arena_strdup(p->arena, id);
        nw[k].name = nw[k].id;
        const char *mode = drv_jstr(cfg, "mode");
        nw[k].driver = drv_arena_strdup(p->arena, mode != NULL ? mode : "nat");
        nw[k].internal = mode != NULL && strcmp(mode, "hostOnly") == 0;
        if (drv_json_labels(p->host, p->arena, p->cmd, "network labels",
                            json_object_get(cfg, "labels"), &nw[k].labels, &nw[k].n_labels,
                            err) < 0) {
            json_decref(arr);
            return -1;
        }
        if (drv_labels_match(nw[k].labels, nw[k].n_labels, filters, n_filters))
            k++;
    }
    json_decref(arr);
    *out = nw;
    *n_out = k;
    return 0;
}

/* Volumes: [{name, driver, format, source, labels, options, ...}]. */
int apple_parse_volumes(const struct apple_parse *p, const char *text, size_t len,
                        const struct berth_kv *filters, size_t n_filters,
                        const struct berth_volume_info **out, size_t *n_out,
                        struct berth_error **err)
{
    *out = NULL;
    *n_out = 0;
    json_t *arr = load_array(p, text, len, err);
    if (arr == NULL)
        return -1;
    size_t n = json_array_size(arr), k = 0;
    struct berth_volume_info *vo = drv_arena_alloc(p->arena, n, sizeof(*vo));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        /* Newer releases wrap the fields in "config". */
        json_t *v = drv_jobj(o, "config") != NULL ? drv_jobj(o, "config") : o;
        const char *name = drv_jstr(v, "name");
        if (name == NULL) {
            json_decref(arr);
            return bad(p, err, "volume entry %zu has no name", i);
        }
        vo[k].name = drv_arena_strdup(p->arena, name);
        vo[k].driver = drv_arena_strdup(p->arena, drv_jstr(v, "driver"));
        vo[k].mountpoint = drv_arena_strdup(p->arena, drv_jstr(v, "source"));
        if (drv_json_labels(p->host, p->arena, p->cmd, "volume labels",
                            json_object_get(v, "labels"), &vo[k].labels, &vo[k].n_labels,
                            err) < 0) {
            json_decref(arr);
            return -1;
        }
        if (drv_labels_match(vo[k].labels, vo[k].n_labels, filters, n_filters))
            k++;
    }
    json_decref(arr);
    *out = vo;
    *n_out = k;
    return 0;
}

/* "container CLI version 0.5.0 (build: release, commit: 1a2b3c4)". */
int apple_parse_version(const struct apple_parse *p, const char *text, size_t len,
                        const char **version, struct berth_error **err)
{
    char *s = drv_xstrndup(text != NULL ? text : "", text != NULL ? len : 0);
    const char *v = strstr(s, "version ");
    if (v == NULL) {
        free(s);
        return bad(p, err, "no version in the output");
    }
    v += 8;
    size_t n = 0;
    while (v[n] != '\0' && (isalnum((unsigned char)v[n]) || v[n] == '.' || v[n] == '-' ||
                            v[n] == '+'))
        n++;
    if (n == 0) {
        free(s);
        return bad(p, err, "no version in the output");
    }
    *version = drv_arena_strndup(p->arena, v, n);
    free(s);
    return 0;
}

/* The last non-empty line. */
int apple_parse_id(const struct apple_parse *p, const char *text, size_t len, const char **id,
                   struct berth_error **err)
{
    const char *s = text != NULL ? text : "";
    size_t n = text != NULL ? len : 0;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    size_t start = n;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    while (start < n && isspace((unsigned char)s[start]))
        start++;
    char *line = drv_xstrndup(s + start, n - start);
    bool ok = drv_name_valid(line);
    if (ok)
        *id = drv_arena_strdup(p->arena, line);
    free(line);
    if (!ok)
        return bad(p, err, "expected a name, got '%.*s'", (int)((n - start) > 80 ? 80 : n - start),
                   s + start);
    return 0;
}

/* Apple's errors: 'Error: notFound: "container with ID x not found"' and similar. */
int apple_parse_error_code(const char *s)
{
    if (s == NULL)
        return BERTH_E_BACKEND;
    static const char *const not_found[] = {"notFound", "not found", "does not exist"};
    static const char *const exists[] = {"exists", "already"};
    for (size_t i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++)
        if (strstr(s, not_found[i]) != NULL)
            return BERTH_E_NOT_FOUND;
    for (size_t i = 0; i < sizeof(exists) / sizeof(exists[0]); i++)
        if (strstr(s, exists[i]) != NULL)
            return BERTH_E_EXISTS;
    return BERTH_E_BACKEND;
}
