/*
 * Deep copies of operation results and events.
 *
 * A driver's result pointers are valid only while it calls op_complete().
 * When the host must deliver the result on a later loop turn (the driver
 * answered from inside berth_backend_submit()), it copies the result into
 * one arena that is freed after the user's callback returns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plugins/plugins-internal.h"

/* A bump allocator: blocks freed all at once. */
struct arena_block {
    struct arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

struct arena {
    struct arena_block *head;
};

struct result_copy {
    struct arena arena;
    struct berth_op_result res;
};

struct event_copy {
    struct arena arena;
    struct berth_event_info ev;
};

/* Returns n zeroed bytes from the arena, aligned for any field type. */
static void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    if (a->head == NULL || a->head->size - a->head->used < n) {
        size_t size = n > 4096 ? n : 4096;
        struct arena_block *blk = xmalloc(sizeof(*blk) + size);
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
static void arena_free(struct arena *a)
{
    while (a->head != NULL) {
        struct arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* Copies len bytes plus a terminating NUL; NULL stays NULL. */
static const char *arena_memdup(struct arena *a, const char *s, size_t len)
{
    if (s == NULL)
        return NULL;
    char *d = arena_alloc(a, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Copies a string; NULL stays NULL. */
static const char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_memdup(a, s, strlen(s)) : NULL;
}

/* Copies a NULL-terminated string vector; NULL stays NULL. */
static const char *const *arena_strv(struct arena *a, const char *const *v)
{
    if (v == NULL)
        return NULL;
    size_t n = 0;
    while (v[n] != NULL)
        n++;
    const char **d = arena_alloc(a, (n + 1) * sizeof(*d));
    for (size_t i = 0; i < n; i++)
        d[i] = arena_strdup(a, v[i]);
    return d;
}

/* Copies n key/value pairs. */
static const struct berth_kv *arena_kv(struct arena *a, const struct berth_kv *kv, size_t n)
{
    if (kv == NULL || n == 0)
        return NULL;
    struct berth_kv *d = arena_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i].key = arena_strdup(a, kv[i].key);
        d[i].value = arena_strdup(a, kv[i].value);
    }
    return d;
}

/* Copies n port bindings. */
static const struct berth_port_binding *arena_ports(struct arena *a,
                                                    const struct berth_port_binding *p, size_t n)
{
    if (p == NULL || n == 0)
        return NULL;
    struct berth_port_binding *d = arena_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i] = p[i];
        d[i].protocol = arena_strdup(a, p[i].protocol);
        d[i].host_ip = arena_strdup(a, p[i].host_ip);
    }
    return d;
}

/* Copies n container records. */
static const struct berth_container_info *arena_containers(struct arena *a,
                                                           const struct berth_container_info *c,
                                                           size_t n)
{
    if (c == NULL || n == 0)
        return NULL;
    struct berth_container_info *d = arena_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i] = c[i];
        d[i].id = arena_strdup(a, c[i].id);
        d[i].name = arena_strdup(a, c[i].name);
        d[i].image = arena_strdup(a, c[i].image);
        d[i].image_id = arena_strdup(a, c[i].image_id);
        d[i].status = arena_strdup(a, c[i].status);
        d[i].labels = arena_kv(a, c[i].labels, c[i].n_labels);
        d[i].n_labels = d[i].labels ? c[i].n_labels : 0;
        d[i].ports = arena_ports(a, c[i].ports, c[i].n_ports);
        d[i].n_ports = d[i].ports ? c[i].n_ports : 0;
        d[i].command = arena_strv(a, c[i].command);
        d[i].networks = NULL;
        d[i].n_networks = 0;
        if (c[i].networks != NULL && c[i].n_networks > 0) {
            struct berth_net_addr *nets = arena_alloc(a, c[i].n_networks * sizeof(*nets));
            for (size_t j = 0; j < c[i].n_networks; j++) {
                nets[j].network = arena_strdup(a, c[i].networks[j].network);
                nets[j].ipv4 = arena_strdup(a, c[i].networks[j].ipv4);
                nets[j].ipv6 = arena_strdup(a, c[i].networks[j].ipv6);
                nets[j].aliases = arena_strv(a, c[i].networks[j].aliases);
            }
            d[i].networks = nets;
            d[i].n_networks = c[i].n_networks;
        }
    }
    return d;
}

/* Copies n image records. */
static const struct berth_image_info *arena_images(struct arena *a,
                                                   const struct berth_image_info *im, size_t n)
{
    if (im == NULL || n == 0)
        return NULL;
    struct berth_image_info *d = arena_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i] = im[i];
        d[i].id = arena_strdup(a, im[i].id);
        d[i].repo_tags = arena_strv(a, im[i].repo_tags);
        d[i].repo_digests = arena_strv(a, im[i].repo_digests);
        d[i].labels = arena_kv(a, im[i].labels, im[i].n_labels);
        d[i].n_labels = d[i].labels ? im[i].n_labels : 0;
    }
    return d;
}

/* Copies n network records. */
static const struct berth_network_info *arena_networks(struct arena *a,
                                                       const struct berth_network_info *nw,
                                                       size_t n)
{
    if (nw == NULL || n == 0)
        return NULL;
    struct berth_network_info *d = arena_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i] = nw[i];
        d[i].id = arena_strdup(a, nw[i].id);
        d[i].name = arena_strdup(a, nw[i].name);
        d[i].driver = arena_strdup(a, nw[i].driver);
        d[i].labels = arena_kv(a, nw[i].labels, nw[i].n_labels);
        d[i].n_labels = d[i].labels ? nw[i].n_labels : 0;
    }
    return d;
}

/* Copies n volume records. */
static const struct berth_volume_info *arena_volumes(struct arena *a,
                                                     const struct berth_volume_info *v, size_t n)
{
    if (v == NULL || n == 0)
        return NULL;
    struct berth_volume_info *d = arena_alloc(a, n * sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        d[i].name = arena_strdup(a, v[i].name);
        d[i].driver = arena_strdup(a, v[i].driver);
        d[i].mountpoint = arena_strdup(a, v[i].mountpoint);
        d[i].labels = arena_kv(a, v[i].labels, v[i].n_labels);
        d[i].n_labels = d[i].labels ? v[i].n_labels : 0;
    }
    return d;
}

/* Copies everything of res except its error (the host owns that separately). */
struct result_copy *result_copy_new(const struct berth_op_result *res)
{
    struct result_copy *rc = xcalloc(1, sizeof(*rc));
    if (res == NULL)
        return rc;
    struct arena *a = &rc->arena;
    struct berth_op_result *d = &rc->res;
    d->id = arena_strdup(a, res->id);
    d->exit_code = res->exit_code;
    d->started = res->started;
    d->out = arena_memdup(a, res->out, res->out_len);
    d->out_len = d->out ? res->out_len : 0;
    d->err = arena_memdup(a, res->err, res->err_len);
    d->err_len = d->err ? res->err_len : 0;
    if (res->probe != NULL) {
        struct berth_probe_info *p = arena_alloc(a, sizeof(*p));
        p->available = res->probe->available;
        p->version = arena_strdup(a, res->probe->version);
        p->reason = arena_strdup(a, res->probe->reason);
        p->flavour = arena_strdup(a, res->probe->flavour);
        d->probe = p;
    }
    d->containers = arena_containers(a, res->containers, res->n_containers);
    d->n_containers = d->containers ? res->n_containers : 0;
    d->images = arena_images(a, res->images, res->n_images);
    d->n_images = d->images ? res->n_images : 0;
    d->networks = arena_networks(a, res->networks, res->n_networks);
    d->n_networks = d->networks ? res->n_networks : 0;
    d->volumes = arena_volumes(a, res->volumes, res->n_volumes);
    d->n_volumes = d->volumes ? res->n_volumes : 0;
    d->ports = arena_ports(a, res->ports, res->n_ports);
    d->n_ports = d->ports ? res->n_ports : 0;
    return rc;
}

/* The copied result (its error is NULL). */
const struct berth_op_result *result_copy_get(const struct result_copy *rc)
{
    return &rc->res;
}

/* Frees a result copy (NULL is fine). */
void result_copy_free(struct result_copy *rc)
{
    if (rc == NULL)
        return;
    arena_free(&rc->arena);
    free(rc);
}

/* Copies an event. */
struct event_copy *result_event_copy_new(const struct berth_event_info *ev)
{
    struct event_copy *ec = xcalloc(1, sizeof(*ec));
    struct arena *a = &ec->arena;
    ec->ev.type = arena_strdup(a, ev->type);
    ec->ev.action = arena_strdup(a, ev->action);
    ec->ev.id = arena_strdup(a, ev->id);
    ec->ev.name = arena_strdup(a, ev->name);
    ec->ev.exit_code = ev->exit_code;
    ec->ev.time = ev->time;
    ec->ev.labels = arena_kv(a, ev->labels, ev->n_labels);
    ec->ev.n_labels = ec->ev.labels ? ev->n_labels : 0;
    return ec;
}

/* The copied event. */
const struct berth_event_info *result_event_copy_get(const struct event_copy *ec)
{
    return &ec->ev;
}

/* Frees an event copy (NULL is fine). */
void result_event_copy_free(struct event_copy *ec)
{
    if (ec == NULL)
        return;
    arena_free(&ec->arena);
    free(ec);
}
