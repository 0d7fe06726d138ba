/* Deep copies into an arena (see plugins/copy.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/copy.h"

struct copy_block {
    struct copy_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

/* Returns n zeroed bytes from the arena's current block, or a new one. */
void *copy_alloc(struct copy_arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    if (a->head == NULL || a->head->size - a->head->used < n) {
        size_t size = n > 2048 ? n : 2048;
        struct copy_block *blk = xmalloc(sizeof(*blk) + size);
        blk->next = a->head;
        blk->used = 0;
        blk->size = size;
        a->head = blk;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

/* Frees every block. */
void copy_arena_free(struct copy_arena *a)
{
    while (a->head != NULL) {
        struct copy_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* Copies len bytes plus a NUL. */
const char *copy_mem(struct copy_arena *a, const char *s, size_t len)
{
    if (s == NULL)
        return NULL;
    char *d = copy_alloc(a, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Copies a string. */
const char *copy_str(struct copy_arena *a, const char *s)
{
    return s != NULL ? copy_mem(a, s, strlen(s)) : NULL;
}

/* Copies a NULL-terminated vector (an empty vector stays an empty vector). */
const char *const *copy_strv(struct copy_arena *a, const char *const *v)
{
    if (v == NULL)
        return NULL;
    size_t n = 0;
    while (v[n] != NULL)
        n++;
    const char **d = copy_alloc(a, (n + 1) * sizeof(*d));
    for (size_t i = 0; i < n; i++)
        d[i] = copy_str(a, v[i]);
    return d;
}

/* Copies n pairs. */
const struct berth_kv *copy_kv(struct copy_arena *a, const struct berth_kv *kv, size_t n)
{
    if (kv == NULL || n == 0)
        return NULL;
    struct berth_kv *d = copy_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i].key = copy_str(a, kv[i].key);
        d[i].value = copy_str(a, kv[i].value);
    }
    return d;
}

/* Copies a container spec, every pointer it holds included. */
const struct berth_container_spec *copy_spec(struct copy_arena *a,
                                             const struct berth_container_spec *s)
{
    if (s == NULL)
        return NULL;
    struct berth_container_spec *d = copy_alloc(a, sizeof(*d));
    *d = *s;
    d->image = copy_str(a, s->image);
    d->name = copy_str(a, s->name);
    d->command = copy_strv(a, s->command);
    d->entrypoint = copy_strv(a, s->entrypoint);
    d->env = copy_kv(a, s->env, s->n_env);
    d->n_env = d->env ? s->n_env : 0;
    d->labels = copy_kv(a, s->labels, s->n_labels);
    d->n_labels = d->labels ? s->n_labels : 0;
    if (s->ports != NULL && s->n_ports > 0) {
        struct berth_port_spec *p = copy_alloc(a, s->n_ports * sizeof(*p));
        for (size_t i = 0; i < s->n_ports; i++) {
            p[i] = s->ports[i];
            p[i].published = copy_str(a, s->ports[i].published);
            p[i].host_ip = copy_str(a, s->ports[i].host_ip);
            p[i].protocol = copy_str(a, s->ports[i].protocol);
        }
        d->ports = p;
    } else {
        d->ports = NULL;
        d->n_ports = 0;
    }
    if (s->mounts != NULL && s->n_mounts > 0) {
        struct berth_mount_spec *m = copy_alloc(a, s->n_mounts * sizeof(*m));
        for (size_t i = 0; i < s->n_mounts; i++) {
            m[i] = s->mounts[i];
            m[i].source = copy_str(a, s->mounts[i].source);
            m[i].target = copy_str(a, s->mounts[i].target);
            m[i].propagation = copy_str(a, s->mounts[i].propagation);
            m[i].selinux = copy_str(a, s->mounts[i].selinux);
            m[i].tmpfs_options = copy_str(a, s->mounts[i].tmpfs_options);
        }
        d->mounts = m;
    } else {
        d->mounts = NULL;
        d->n_mounts = 0;
    }
    if (s->networks != NULL && s->n_networks > 0) {
        struct berth_network_attach *n = copy_alloc(a, s->n_networks * sizeof(*n));
        for (size_t i = 0; i < s->n_networks; i++) {
            n[i] = s->networks[i];
            n[i].name = copy_str(a, s->networks[i].name);
            n[i].aliases = copy_strv(a, s->networks[i].aliases);
            n[i].ipv4_address = copy_str(a, s->networks[i].ipv4_address);
            n[i].ipv6_address = copy_str(a, s->networks[i].ipv6_address);
            n[i].mac_address = copy_str(a, s->networks[i].mac_address);
        }
        d->networks = n;
    } else {
        d->networks = NULL;
        d->n_networks = 0;
    }
    d->network_mode = copy_str(a, s->network_mode);
    d->user = copy_str(a, s->user);
    d->workdir = copy_str(a, s->workdir);
    d->hostname = copy_str(a, s->hostname);
    d->domainname = copy_str(a, s->domainname);
    d->cap_add = copy_strv(a, s->cap_add);
    d->cap_drop = copy_strv(a, s->cap_drop);
    d->security_opt = copy_strv(a, s->security_opt);
    d->dns = copy_strv(a, s->dns);
    d->dns_search = copy_strv(a, s->dns_search);
    d->dns_opt = copy_strv(a, s->dns_opt);
    d->extra_hosts = copy_strv(a, s->extra_hosts);
    d->group_add = copy_strv(a, s->group_add);
    d->sysctls = copy_kv(a, s->sysctls, s->n_sysctls);
    d->n_sysctls = d->sysctls ? s->n_sysctls : 0;
    if (s->ulimits != NULL && s->n_ulimits > 0) {
        struct berth_ulimit *u = copy_alloc(a, s->n_ulimits * sizeof(*u));
        for (size_t i = 0; i < s->n_ulimits; i++) {
            u[i] = s->ulimits[i];
            u[i].name = copy_str(a, s->ulimits[i].name);
        }
        d->ulimits = u;
    } else {
        d->ulimits = NULL;
        d->n_ulimits = 0;
    }
    d->resources.cpuset = copy_str(a, s->resources.cpuset);
    d->stop_signal = copy_str(a, s->stop_signal);
    d->platform = copy_str(a, s->platform);
    d->pull_policy = copy_str(a, s->pull_policy);
    d->ipc = copy_str(a, s->ipc);
    d->pid = copy_str(a, s->pid);
    d->uts = copy_str(a, s->uts);
    d->userns_mode = copy_str(a, s->userns_mode);
    d->cgroup_parent = copy_str(a, s->cgroup_parent);
    d->runtime = copy_str(a, s->runtime);
    d->devices = copy_strv(a, s->devices);
    d->annotations = copy_kv(a, s->annotations, s->n_annotations);
    d->n_annotations = d->annotations ? s->n_annotations : 0;
    d->log_driver = copy_str(a, s->log_driver);
    d->log_options = copy_kv(a, s->log_options, s->n_log_options);
    d->n_log_options = d->log_options ? s->n_log_options : 0;
    return d;
}

/* Copies a build spec. */
const struct berth_build_spec *copy_build(struct copy_arena *a, const struct berth_build_spec *b)
{
    if (b == NULL)
        return NULL;
    struct berth_build_spec *d = copy_alloc(a, sizeof(*d));
    *d = *b;
    d->context = copy_str(a, b->context);
    d->dockerfile = copy_str(a, b->dockerfile);
    d->args = copy_kv(a, b->args, b->n_args);
    d->n_args = d->args ? b->n_args : 0;
    d->target = copy_str(a, b->target);
    d->tags = copy_strv(a, b->tags);
    d->labels = copy_kv(a, b->labels, b->n_labels);
    d->n_labels = d->labels ? b->n_labels : 0;
    d->platform = copy_str(a, b->platform);
    return d;
}

/* Copies n container records, networks, ports and labels included. */
void copy_container_infos(struct copy_arena *a, struct berth_container_info *dst,
                          const struct berth_container_info *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct berth_container_info *s = &src[i];
        struct berth_container_info *d = &dst[i];
        *d = *s;
        d->id = copy_str(a, s->id);
        d->name = copy_str(a, s->name);
        d->image = copy_str(a, s->image);
        d->image_id = copy_str(a, s->image_id);
        d->status = copy_str(a, s->status);
        d->labels = copy_kv(a, s->labels, s->n_labels);
        d->n_labels = d->labels ? s->n_labels : 0;
        d->command = copy_strv(a, s->command);
        d->networks = NULL;
        d->n_networks = 0;
        if (s->networks != NULL && s->n_networks > 0) {
            struct berth_net_addr *nets = copy_alloc(a, s->n_networks * sizeof(*nets));
            for (size_t j = 0; j < s->n_networks; j++) {
                nets[j].network = copy_str(a, s->networks[j].network);
                nets[j].ipv4 = copy_str(a, s->networks[j].ipv4);
                nets[j].ipv6 = copy_str(a, s->networks[j].ipv6);
                nets[j].aliases = copy_strv(a, s->networks[j].aliases);
            }
            d->networks = nets;
            d->n_networks = s->n_networks;
        }
        d->ports = NULL;
        d->n_ports = 0;
        if (s->ports != NULL && s->n_ports > 0) {
            struct berth_port_binding *p = copy_alloc(a, s->n_ports * sizeof(*p));
            for (size_t j = 0; j < s->n_ports; j++) {
                p[j] = s->ports[j];
                p[j].protocol = copy_str(a, s->ports[j].protocol);
                p[j].host_ip = copy_str(a, s->ports[j].host_ip);
            }
            d->ports = p;
            d->n_ports = s->n_ports;
        }
    }
}

/* Copies n image records. */
void copy_image_infos(struct copy_arena *a, struct berth_image_info *dst,
                      const struct berth_image_info *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
        dst[i].id = copy_str(a, src[i].id);
        dst[i].repo_tags = copy_strv(a, src[i].repo_tags);
        dst[i].repo_digests = copy_strv(a, src[i].repo_digests);
        dst[i].labels = copy_kv(a, src[i].labels, src[i].n_labels);
        dst[i].n_labels = dst[i].labels ? src[i].n_labels : 0;
    }
}
