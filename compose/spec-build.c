/*
 * Container specs from the normalised model (docker compose `config --format
 * json` shape). This is the only place that maps service fields onto struct
 * berth_container_spec; labels come from labels.c, the config hash from the
 * loader.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compose/engine-internal.h"
#include "compose/kvlist.h"
#include "compose/labels.h"
#include "compose/spec-build.h"

struct spec_build {
    struct berth_container_spec spec;
    void **keep; /* every allocation the spec points to */
    size_t n_keep, cap_keep;
    struct kvlist env, labels, sysctls, annotations, log_options;
};

/* Registers p to be freed with the spec; returns p. */
static void *sb_keep(struct spec_build *sb, void *p)
{
    sb->keep = xreallocarray_grow(sb->keep, &sb->cap_keep, sb->n_keep + 1, sizeof(*sb->keep));
    sb->keep[sb->n_keep++] = p;
    return p;
}

/* A kept copy of s (NULL stays NULL). */
static const char *sb_str(struct spec_build *sb, const char *s)
{
    return s ? sb_keep(sb, xstrdup(s)) : NULL;
}

/* Keeps a strv's strings and returns it as a NULL-terminated array (NULL when empty). */
static const char *const *sb_strv(struct spec_build *sb, struct strv *sv, bool keep_empty)
{
    if (sv->n == 0 && !keep_empty) {
        strv_free(sv);
        return NULL;
    }
    const char *const *v = strv_argv(sv);
    for (size_t i = 0; i < sv->n; i++)
        sb_keep(sb, sv->v[i]);
    sb_keep(sb, sv->v);
    strv_init(sv);
    return v;
}

/* A model list of strings (or one string) as a kept NULL-terminated array. */
static const char *const *sb_list(struct spec_build *sb, const json_t *v)
{
    struct strv sv;
    strv_init(&sv);
    engine_model_strv(v, &sv);
    return sb_strv(sb, &sv, false);
}

/* Copies a mapping (or "k=v" list) into a kvlist; null values are skipped when skip_null. */
static void map_into(const json_t *m, struct kvlist *out, bool skip_null)
{
    if (json_is_object(m)) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)m, k, v)
        {
            if (json_is_null(v)) {
                if (!skip_null)
                    kvlist_set(out, k, NULL);
            } else if (json_is_string(v)) {
                kvlist_set(out, k, json_string_value(v));
            } else {
                char *s = json_dumps(v, JSON_ENCODE_ANY);
                if (json_is_true(v) || json_is_false(v)) {
                    free(s);
                    s = xstrdup(json_is_true(v) ? "true" : "false");
                }
                kvlist_set_take(out, k, s ? s : xstrdup(""));
            }
        }
    } else if (json_is_array(m)) {
        size_t i;
        const json_t *e;
        json_array_foreach(m, i, e)
        {
            const char *s = json_string_value(e);
            if (s == NULL)
                continue;
            const char *eq = strchr(s, '=');
            char *k = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
            if (eq != NULL || !skip_null)
                kvlist_set(out, k, eq ? eq + 1 : NULL);
            free(k);
        }
    }
}

/* The runtime name of a project network. */
char *spec_build_network_name(const struct berth_compose *c, const char *key)
{
    const json_t *n = engine_model_top(c, "networks", key);
    const char *name = engine_model_str(n, "name");
    if (name != NULL && *name != '\0')
        return xstrdup(name);
    return xasprintf("%s_%s", c->name, key);
}

/* The runtime name of a project volume. */
char *spec_build_volume_name(const struct berth_compose *c, const char *key)
{
    const json_t *v = engine_model_top(c, "volumes", key);
    const char *name = engine_model_str(v, "name");
    if (name != NULL && *name != '\0')
        return xstrdup(name);
    return xasprintf("%s_%s", c->name, key);
}

/* The network keys of a service. */
void spec_build_service_networks(const struct service *svc, struct strv *keys)
{
    const json_t *nets = json_object_get(svc->def, "networks");
    if (engine_model_str(svc->def, "network_mode") != NULL)
        return;
    if (json_is_object(nets) && json_object_size(nets) > 0) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)nets, k, v) strv_push(keys, k);
    } else if (json_is_array(nets) && json_array_size(nets) > 0) {
        engine_model_strv(nets, keys);
    } else {
        strv_push(keys, "default");
    }
}

/* Ports: long syntax objects (the loader expands short syntax and ranges). */
static int build_ports(struct spec_build *sb, const json_t *ports, struct berth_error **err)
{
    if (!json_is_array(ports) || json_array_size(ports) == 0)
        return 0;
    size_t n = json_array_size(ports);
    struct berth_port_spec *p = sb_keep(sb, xcalloc(n, sizeof(*p)));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(ports, i);
        if (!json_is_object(e))
            continue;
        int64_t target = engine_model_int(e, "target", -1);
        if (target <= 0 || target > 65535)
            return berth_error_set(err, BERTH_E_INVALID, 0, "ports[%zu]: invalid target port",
                                   i);
        p[k].target = (uint16_t)target;
        const json_t *pub = json_object_get(e, "published");
        if (json_is_string(pub))
            p[k].published = sb_str(sb, json_string_value(pub));
        else if (json_is_integer(pub))
            p[k].published =
                sb_keep(sb, xasprintf("%lld", (long long)json_integer_value(pub)));
        p[k].host_ip = sb_str(sb, engine_model_str(e, "host_ip"));
        p[k].protocol = sb_str(sb, engine_model_str(e, "protocol"));
        k++;
    }
    sb->spec.ports = p;
    sb->spec.n_ports = k;
    return 0;
}

/* Parses "[ip:]host:container[/proto]" or "container[/proto]" (run --publish). */
static int parse_publish(struct spec_build *sb, const char *s, struct berth_port_spec *p,
                         struct berth_error **err)
{
    char *copy = xstrdup(s);
    char *proto = strchr(copy, '/');
    if (proto != NULL)
        *proto++ = '\0';
    char *parts[3] = {NULL, NULL, NULL};
    int np = 0;
    for (char *tok = copy; tok != NULL && np < 3; np++) {
        parts[np] = tok;
        tok = strchr(tok, ':');
        if (tok != NULL)
            *tok++ = '\0';
    }
    const char *cport = parts[np - 1];
    char *end;
    long t = strtol(cport, &end, 10);
    if (*cport == '\0' || *end != '\0' || t <= 0 || t > 65535) {
        free(copy);
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "--publish \"%s\": invalid container port", s);
    }
    p->target = (uint16_t)t;
    if (np >= 2)
        p->published = sb_str(sb, parts[np - 2]);
    if (np == 3)
        p->host_ip = sb_str(sb, parts[0]);
    p->protocol = sb_str(sb, proto);
    free(copy);
    return 0;
}

/* A relative host path is relative to the project directory. */
static const char *abs_path(struct spec_build *sb, const struct berth_compose *c, const char *p)
{
    if (p == NULL || p[0] == '/' || c->working_dir == NULL)
        return sb_str(sb, p);
    if (strncmp(p, "./", 2) == 0)
        p += 2;
    return sb_keep(sb, xasprintf("%s/%s", c->working_dir, p));
}

/* Mount storage grows here while building. */
struct mounts {
    struct berth_mount_spec *v;
    size_t n, cap;
};

/* Appends a zeroed mount. */
static struct berth_mount_spec *mount_add(struct mounts *m)
{
    m->v = xreallocarray_grow(m->v, &m->cap, m->n + 1, sizeof(*m->v));
    memset(&m->v[m->n], 0, sizeof(m->v[0]));
    return &m->v[m->n++];
}

/* services.x.volumes (long syntax objects). */
static int build_volumes(struct spec_build *sb, const struct berth_compose *c, const json_t *vols,
                         struct mounts *m, struct berth_error **err)
{
    size_t i;
    const json_t *e;
    json_array_foreach(vols, i, e)
    {
        if (!json_is_object(e))
            continue;
        const char *type = engine_model_str(e, "type");
        const char *source = engine_model_str(e, "source");
        const char *target = engine_model_str(e, "target");
        if (target == NULL)
            return berth_error_set(err, BERTH_E_INVALID, 0, "volumes[%zu]: no target", i);
        struct berth_mount_spec *ms = mount_add(m);
        ms->target = sb_str(sb, target);
        ms->read_only = engine_model_bool(e, "read_only", false);
        if (type == NULL || strcmp(type, "volume") == 0) {
            ms->type = BERTH_MOUNT_VOLUME;
            if (source != NULL && *source != '\0') {
                if (engine_model_top(c, "volumes", source) != NULL)
                    ms->source = sb_keep(sb, spec_build_volume_name(c, source));
                else
                    ms->source = sb_str(sb, source);
            }
            ms->no_copy = engine_model_bool(json_object_get(e, "volume"), "nocopy", false);
        } else if (strcmp(type, "bind") == 0) {
            ms->type = BERTH_MOUNT_BIND;
            ms->source = abs_path(sb, c, source);
            const json_t *b = json_object_get(e, "bind");
            ms->create_host_path = engine_model_bool(b, "create_host_path", true);
            ms->propagation = sb_str(sb, engine_model_str(b, "propagation"));
            ms->selinux = sb_str(sb, engine_model_str(b, "selinux"));
        } else if (strcmp(type, "tmpfs") == 0) {
            ms->type = BERTH_MOUNT_TMPFS;
            const json_t *t = json_object_get(e, "tmpfs");
            if (engine_model_bytes(json_object_get(t, "size"), &ms->tmpfs_size, err) < 0)
                return berth_error_wrap(err, "volumes[%zu].tmpfs.size", i);
            ms->tmpfs_mode = (uint32_t)engine_model_int(t, "mode", 0);
        } else if (strcmp(type, "npipe") == 0) {
            ms->type = BERTH_MOUNT_NPIPE;
            ms->source = sb_str(sb, source);
        } else {
            return berth_error_set(err, BERTH_E_INVALID, 0,
                                   "volumes[%zu]: unsupported mount type \"%s\"", i, type);
        }
    }
    return 0;
}

/* services.x.tmpfs: "/path" or "/path:opts". */
static void build_tmpfs(struct spec_build *sb, const json_t *tmpfs, struct mounts *m)
{
    struct strv sv;
    strv_init(&sv);
    engine_model_strv(tmpfs, &sv);
    for (size_t i = 0; i < sv.n; i++) {
        struct berth_mount_spec *ms = mount_add(m);
        ms->type = BERTH_MOUNT_TMPFS;
        char *colon = strchr(sv.v[i], ':');
        if (colon != NULL) {
            ms->tmpfs_options = sb_str(sb, colon + 1);
            *colon = '\0';
        }
        ms->target = sb_str(sb, sv.v[i]);
    }
    strv_free(&sv);
}

/*
 * secrets / configs: the file of the top-level definition, bind-mounted
 * read-only at the target (secrets: /run/secrets/<name>; configs: /<name>).
 */
static int build_files(struct spec_build *sb, const struct berth_compose *c, const char *svcname,
                       const char *section, const json_t *list, struct mounts *m,
                       struct berth_error **err)
{
    bool secret = strcmp(section, "secrets") == 0;
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *source = json_is_string(e) ? json_string_value(e)
                                               : engine_model_str(e, "source");
        const char *target = json_is_object(e) ? engine_model_str(e, "target") : NULL;
        if (source == NULL)
            continue;
        const json_t *top = engine_model_top(c, section, source);
        if (top == NULL) {
            struct berth_error *x = berth_error_new(
                BERTH_E_INVALID, 0, "service \"%s\" refers to undefined %s \"%s\"", svcname,
                secret ? "secret" : "config", source);
            berth_error_set_hint(x, "define it under the top-level %s: section", section);
            return berth_error_propagate(err, x);
        }
        const char *file = engine_model_str(top, "file");
        if (file == NULL) {
            struct berth_error *x =
                berth_error_new(BERTH_E_UNSUPPORTED, 0,
                                "%s \"%s\" of service \"%s\" has no file: berth mounts %s from "
                                "files only",
                                secret ? "secret" : "config", source, svcname, section);
            berth_error_set_hint(x, "use file: ./path in the top-level %s definition", section);
            return berth_error_propagate(err, x);
        }
        struct berth_mount_spec *ms = mount_add(m);
        ms->type = BERTH_MOUNT_BIND;
        ms->source = abs_path(sb, c, file);
        ms->read_only = true;
        if (target != NULL && target[0] == '/')
            ms->target = sb_str(sb, target);
        else if (secret)
            ms->target = sb_keep(sb, xasprintf("/run/secrets/%s", target ? target : source));
        else
            ms->target = sb_keep(sb, xasprintf("/%s", target ? target : source));
    }
    return 0;
}

/* Network attachments sorted by priority (highest first), then by key. */
static void build_networks(struct spec_build *sb, const struct replica *r)
{
    const struct service *svc = r->svc;
    const struct berth_compose *c = svc->c;
    struct strv keys;
    strv_init(&keys);
    spec_build_service_networks(svc, &keys);
    if (keys.n == 0) {
        strv_free(&keys);
        return;
    }
    const json_t *nets = json_object_get(svc->def, "networks");
    struct berth_network_attach *a = sb_keep(sb, xcalloc(keys.n, sizeof(*a)));
    bool aliases = !r->oneoff || (r->run != NULL && r->run->use_aliases);
    for (size_t i = 0; i < keys.n; i++) {
        const json_t *cfg = json_is_object(nets) ? json_object_get(nets, keys.v[i]) : NULL;
        a[i].name = sb_keep(sb, spec_build_network_name(c, keys.v[i]));
        a[i].ipv4_address = sb_str(sb, engine_model_str(cfg, "ipv4_address"));
        a[i].ipv6_address = sb_str(sb, engine_model_str(cfg, "ipv6_address"));
        a[i].mac_address = sb_str(sb, engine_model_str(cfg, "mac_address"));
        a[i].priority = (int)engine_model_int(cfg, "priority", 0);
        struct strv al;
        strv_init(&al);
        if (aliases) {
            strv_push(&al, svc->name);
            struct strv extra;
            strv_init(&extra);
            engine_model_strv(json_object_get(cfg, "aliases"), &extra);
            for (size_t j = 0; j < extra.n; j++)
                if (strcmp(extra.v[j], svc->name) != 0)
                    strv_push(&al, extra.v[j]);
            strv_free(&extra);
        }
        a[i].aliases = sb_strv(sb, &al, false);
    }
    /* stable insertion sort: priority desc, then name */
    for (size_t i = 1; i < keys.n; i++)
        for (size_t j = i; j > 0; j--) {
            struct berth_network_attach *x = &a[j - 1], *y = &a[j];
            if (x->priority > y->priority ||
                (x->priority == y->priority && strcmp(x->name, y->name) <= 0))
                break;
            struct berth_network_attach t = *x;
            *x = *y;
            *y = t;
        }
    sb->spec.networks = a;
    sb->spec.n_networks = keys.n;
    strv_free(&keys);
}

/* network_mode, with service:<name> turned into container:<its first container>. */
static const char *build_network_mode(struct spec_build *sb, const struct service *svc)
{
    const char *mode = engine_model_str(svc->def, "network_mode");
    if (mode == NULL)
        return NULL;
    if (strncmp(mode, "service:", 8) == 0) {
        const struct service *o = compose_service(svc->c, mode + 8);
        char *cn = o ? service_container_name(o, 1) : xasprintf("%s-%s-1", svc->c->name, mode + 8);
        const char *out = sb_keep(sb, xasprintf("container:%s", cn));
        free(cn);
        return out;
    }
    return sb_str(sb, mode);
}

/* ulimits: {name: n} or {name: {soft, hard}}. */
static void build_ulimits(struct spec_build *sb, const json_t *u)
{
    if (!json_is_object(u) || json_object_size(u) == 0)
        return;
    struct berth_ulimit *v = sb_keep(sb, xcalloc(json_object_size(u), sizeof(*v)));
    size_t n = 0;
    const char *k;
    const json_t *e;
    json_object_foreach((json_t *)u, k, e)
    {
        v[n].name = sb_str(sb, k);
        if (json_is_object(e)) {
            v[n].soft = engine_model_int(e, "soft", -1);
            v[n].hard = engine_model_int(e, "hard", v[n].soft);
        } else {
            v[n].soft = v[n].hard = json_is_integer(e) ? (int64_t)json_integer_value(e)
                                                       : engine_model_int(u, k, -1);
        }
        n++;
    }
    sb->spec.ulimits = v;
    sb->spec.n_ulimits = n;
}

/* Resource limits from the service and deploy.resources. */
static int build_resources(struct spec_build *sb, const json_t *def, struct berth_error **err)
{
    struct berth_resources *res = &sb->spec.resources;
    const json_t *lim = json_object_get(json_object_get(json_object_get(def, "deploy"),
                                                        "resources"),
                                        "limits");
    const json_t *rsv = json_object_get(json_object_get(json_object_get(def, "deploy"),
                                                        "resources"),
                                        "reservations");
    if (engine_model_bytes(json_object_get(def, "mem_limit"), &res->memory, err) < 0)
        return berth_error_wrap(err, "mem_limit");
    if (res->memory == 0 &&
        engine_model_bytes(json_object_get(lim, "memory"), &res->memory, err) < 0)
        return berth_error_wrap(err, "deploy.resources.limits.memory");
    if (engine_model_bytes(json_object_get(def, "mem_reservation"), &res->memory_reservation,
                           err) < 0)
        return berth_error_wrap(err, "mem_reservation");
    if (res->memory_reservation == 0 &&
        engine_model_bytes(json_object_get(rsv, "memory"), &res->memory_reservation, err) < 0)
        return berth_error_wrap(err, "deploy.resources.reservations.memory");
    const json_t *swap = json_object_get(def, "memswap_limit");
    if (json_is_integer(swap) && json_integer_value(swap) == -1)
        res->memory_swap = -1;
    else if (engine_model_bytes(swap, &res->memory_swap, err) < 0)
        return berth_error_wrap(err, "memswap_limit");
    const json_t *cpus = json_object_get(def, "cpus");
    if (cpus == NULL)
        cpus = json_object_get(lim, "cpus");
    if (json_is_number(cpus))
        res->cpus = json_number_value(cpus);
    else if (json_is_string(cpus))
        res->cpus = strtod(json_string_value(cpus), NULL);
    res->cpu_shares = engine_model_int(def, "cpu_shares", 0);
    res->cpuset = sb_str(sb, engine_model_str(def, "cpuset"));
    res->pids_limit = engine_model_int(def, "pids_limit", engine_model_int(lim, "pids", 0));
    if (engine_model_bytes(json_object_get(def, "shm_size"), &res->shm_size, err) < 0)
        return berth_error_wrap(err, "shm_size");
    return 0;
}

/* extra_hosts: list "host:ip" / "host=ip", or mapping host: ip (list of ips). */
static const char *const *build_extra_hosts(struct spec_build *sb, const json_t *v)
{
    struct strv sv;
    strv_init(&sv);
    if (json_is_object(v)) {
        const char *k;
        const json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            struct strv ips;
            strv_init(&ips);
            engine_model_strv(e, &ips);
            for (size_t i = 0; i < ips.n; i++)
                strv_pushf(&sv, "%s:%s", k, ips.v[i]);
            strv_free(&ips);
        }
    } else {
        engine_model_strv(v, &sv);
        for (size_t i = 0; i < sv.n; i++) {
            char *eq = strchr(sv.v[i], '=');
            if (eq != NULL)
                *eq = ':';
        }
    }
    return sb_strv(sb, &sv, false);
}

/* devices: "src[:dst[:perm]]" strings or {source, target, permissions}. */
static const char *const *build_devices(struct spec_build *sb, const json_t *v)
{
    struct strv sv;
    strv_init(&sv);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e)) {
            strv_push(&sv, json_string_value(e));
        } else if (json_is_object(e)) {
            const char *s = engine_model_str(e, "source");
            const char *t = engine_model_str(e, "target");
            const char *p = engine_model_str(e, "permissions");
            strv_pushf(&sv, "%s:%s%s%s", s ? s : "", t ? t : (s ? s : ""), p ? ":" : "",
                       p ? p : "");
        }
    }
    return sb_strv(sb, &sv, false);
}

/* Builds the whole spec. */
struct spec_build *spec_build_new(const struct replica *r, struct berth_error **err)
{
    const struct service *svc = r->svc;
    const struct berth_compose *c = svc->c;
    const json_t *def = svc->def;
    const struct berth_compose_run_options *run = r->oneoff ? r->run : NULL;
    struct spec_build *sb = xcalloc(1, sizeof(*sb));
    struct berth_container_spec *s = &sb->spec;
    struct mounts m = {0};

    s->image = sb_str(sb, svc->image);
    s->name = sb_str(sb, r->name);

    /* command / entrypoint (a run may override them) */
    struct strv sv;
    strv_init(&sv);
    if (run != NULL && run->command != NULL) {
        for (const char *const *p = run->command; *p; p++)
            strv_push(&sv, *p);
        s->command = sb_strv(sb, &sv, true);
    } else if (json_object_get(def, "command") != NULL &&
               !json_is_null(json_object_get(def, "command"))) {
        engine_model_strv(json_object_get(def, "command"), &sv);
        s->command = sb_strv(sb, &sv, true);
    }
    if (run != NULL && run->entrypoint != NULL) {
        for (const char *const *p = run->entrypoint; *p; p++)
            strv_push(&sv, *p);
        s->entrypoint = sb_strv(sb, &sv, true);
    } else if (json_object_get(def, "entrypoint") != NULL &&
               !json_is_null(json_object_get(def, "entrypoint"))) {
        engine_model_strv(json_object_get(def, "entrypoint"), &sv);
        s->entrypoint = sb_strv(sb, &sv, true);
    }

    /* environment (null values: unresolved variables, left out) */
    map_into(json_object_get(def, "environment"), &sb->env, true);
    if (run != NULL)
        for (size_t i = 0; i < run->n_env; i++)
            kvlist_set(&sb->env, run->env[i].key, run->env[i].value);
    s->env = sb->env.v;
    s->n_env = sb->env.n;

    labels_container(r, &sb->labels);
    if (run != NULL)
        for (size_t i = 0; i < run->n_labels; i++)
            kvlist_set(&sb->labels, run->labels[i].key,
                       run->labels[i].value ? run->labels[i].value : "");
    s->labels = sb->labels.v;
    s->n_labels = sb->labels.n;

    /* ports: a run publishes none unless asked */
    if (run == NULL || run->service_ports) {
        if (build_ports(sb, json_object_get(def, "ports"), err) < 0)
            goto fail;
    }
    if (run != NULL && run->publish != NULL) {
        size_t extra = 0;
        while (run->publish[extra])
            extra++;
        struct berth_port_spec *p = sb_keep(sb, xcalloc(s->n_ports + extra + 1, sizeof(*p)));
        if (s->n_ports)
            memcpy(p, s->ports, s->n_ports * sizeof(*p));
        for (size_t i = 0; i < extra; i++)
            if (parse_publish(sb, run->publish[i], &p[s->n_ports + i], err) < 0)
                goto fail;
        s->ports = p;
        s->n_ports += extra;
    }

    /* mounts */
    if (build_volumes(sb, c, json_object_get(def, "volumes"), &m, err) < 0)
        goto fail;
    if (run != NULL && run->volumes != NULL) {
        for (const char *const *v = run->volumes; *v; v++) {
            char *spec = xstrdup(*v);
            char *dst = strchr(spec, ':');
            if (dst == NULL) {
                free(spec);
                berth_error_set(err, BERTH_E_INVALID, 0,
                                "--volume \"%s\": expected SOURCE:TARGET[:ro]", *v);
                goto fail;
            }
            *dst++ = '\0';
            char *opt = strchr(dst, ':');
            if (opt != NULL)
                *opt++ = '\0';
            struct berth_mount_spec *ms = mount_add(&m);
            bool path = spec[0] == '/' || spec[0] == '.' || spec[0] == '~';
            ms->type = path ? BERTH_MOUNT_BIND : BERTH_MOUNT_VOLUME;
            ms->source = path ? abs_path(sb, c, spec)
                              : (engine_model_top(c, "volumes", spec)
                                     ? sb_keep(sb, spec_build_volume_name(c, spec))
                                     : sb_str(sb, spec));
            ms->target = sb_str(sb, dst);
            ms->read_only = opt != NULL && strstr(opt, "ro") != NULL;
            ms->create_host_path = path;
            free(spec);
        }
    }
    build_tmpfs(sb, json_object_get(def, "tmpfs"), &m);
    if (build_files(sb, c, svc->name, "secrets", json_object_get(def, "secrets"), &m, err) < 0 ||
        build_files(sb, c, svc->name, "configs", json_object_get(def, "configs"), &m, err) < 0)
        goto fail;
    if (m.n > 0) {
        s->mounts = sb_keep(sb, m.v);
        s->n_mounts = m.n;
        m.v = NULL;
    }

    s->network_mode = build_network_mode(sb, svc);
    if (s->network_mode == NULL)
        build_networks(sb, r);

    s->user = sb_str(sb, run && run->user ? run->user : engine_model_str(def, "user"));
    s->workdir =
        sb_str(sb, run && run->workdir ? run->workdir : engine_model_str(def, "working_dir"));
    s->hostname = sb_str(sb, engine_model_str(def, "hostname"));
    s->domainname = sb_str(sb, engine_model_str(def, "domainname"));
    s->read_only = engine_model_bool(def, "read_only", false);
    s->privileged = engine_model_bool(def, "privileged", false);
    s->init = engine_model_bool(def, "init", false);
    s->tty = run ? run->tty : engine_model_bool(def, "tty", false);
    s->stdin_open = run ? run->interactive : engine_model_bool(def, "stdin_open", false);
    s->cap_add = sb_list(sb, json_object_get(def, "cap_add"));
    s->cap_drop = sb_list(sb, json_object_get(def, "cap_drop"));
    s->security_opt = sb_list(sb, json_object_get(def, "security_opt"));
    s->dns = sb_list(sb, json_object_get(def, "dns"));
    s->dns_search = sb_list(sb, json_object_get(def, "dns_search"));
    s->dns_opt = sb_list(sb, json_object_get(def, "dns_opt"));
    s->extra_hosts = build_extra_hosts(sb, json_object_get(def, "extra_hosts"));
    s->group_add = sb_list(sb, json_object_get(def, "group_add"));
    map_into(json_object_get(def, "sysctls"), &sb->sysctls, true);
    s->sysctls = sb->sysctls.v;
    s->n_sysctls = sb->sysctls.n;
    build_ulimits(sb, json_object_get(def, "ulimits"));
    if (build_resources(sb, def, err) < 0)
        goto fail;
    s->stop_signal = sb_str(sb, engine_model_str(def, "stop_signal"));
    s->stop_grace_seconds = svc->stop_grace_s;
    s->platform = sb_str(sb, engine_model_str(def, "platform"));
    s->pull_policy = sb_str(sb, engine_model_str(def, "pull_policy"));
    s->ipc = sb_str(sb, engine_model_str(def, "ipc"));
    s->pid = sb_str(sb, engine_model_str(def, "pid"));
    s->uts = sb_str(sb, engine_model_str(def, "uts"));
    s->userns_mode = sb_str(sb, engine_model_str(def, "userns_mode"));
    s->cgroup_parent = sb_str(sb, engine_model_str(def, "cgroup_parent"));
    s->runtime = sb_str(sb, engine_model_str(def, "runtime"));
    s->devices = build_devices(sb, json_object_get(def, "devices"));
    map_into(json_object_get(def, "annotations"), &sb->annotations, true);
    s->annotations = sb->annotations.v;
    s->n_annotations = sb->annotations.n;
    const json_t *logging = json_object_get(def, "logging");
    s->log_driver = sb_str(sb, engine_model_str(logging, "driver"));
    map_into(json_object_get(logging, "options"), &sb->log_options, true);
    s->log_options = sb->log_options.v;
    s->n_log_options = sb->log_options.n;
    return sb;

fail:
    free(m.v);
    berth_error_wrap(err, "service \"%s\"", svc->name);
    spec_build_free(sb);
    return NULL;
}

/* The spec. */
const struct berth_container_spec *spec_build_spec(const struct spec_build *sb)
{
    return &sb->spec;
}

/* Frees everything. */
void spec_build_free(struct spec_build *sb)
{
    if (sb == NULL)
        return;
    for (size_t i = 0; i < sb->n_keep; i++)
        free(sb->keep[i]);
    free(sb->keep);
    kvlist_free(&sb->env);
    kvlist_free(&sb->labels);
    kvlist_free(&sb->sysctls);
    kvlist_free(&sb->annotations);
    kvlist_free(&sb->log_options);
    free(sb);
}
