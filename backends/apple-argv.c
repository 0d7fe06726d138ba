/* Command lines of the Apple `container` driver (see apple-argv.h). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "backends/apple-argv.h"

/* Starts an argv with the prefix and up to two subcommand words. */
static void begin(const struct apple_cli *cli, struct drv_argv *out, const char *w1,
                  const char *w2)
{
    drv_argv_init(out);
    drv_argv_push_all(out, cli->prefix);
    if (w1 != NULL)
        drv_argv_push(out, w1);
    if (w2 != NULL)
        drv_argv_push(out, w2);
}

/* Appends "--name=value". */
static void flag(struct drv_argv *out, const char *name, const char *value)
{
    drv_argv_pushf(out, "--%s=%s", name, value);
}

/* Refuses a field Apple's CLI cannot express. */
static int unsupported(const struct berth_host *host, const char *field, const char *why,
                       struct berth_error **err)
{
    int rc = drv_fail(host, err, BERTH_E_UNSUPPORTED,
                      "Apple container does not support '%s'%s%s", field, why ? ": " : "",
                      why ? why : "");
    if (err != NULL && *err != NULL)
        host->error_set_hint(*err, "remove '%s' from the service, or use another backend "
                                   "(e.g. --backend podman)",
                             field);
    return rc;
}

/* Checks a text value (no control characters, not empty). */
static int check_value(const struct berth_host *host, const char *what, const char *v,
                       struct berth_error **err)
{
    if (v == NULL || v[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "empty value for %s", what);
    if (!drv_text_clean(v))
        return drv_fail(host, err, BERTH_E_INVALID, "%s contains control characters", what);
    return 0;
}

/* Appends --name=k=v entries after checking the keys. */
static int kv_flags(const struct berth_host *host, struct drv_argv *out, const char *name,
                    const char *what, const struct berth_kv *kv, size_t n,
                    struct berth_error **err)
{
    for (size_t i = 0; i < n; i++) {
        const char *k = kv[i].key;
        if (k == NULL || k[0] == '\0' || strchr(k, '=') != NULL || !drv_text_clean(k))
            return drv_fail(host, err, BERTH_E_INVALID,
                            "%s key '%.100s' is empty or contains '=' or control characters",
                            what, k ? k : "");
        if (kv[i].value != NULL)
            drv_argv_pushf(out, "--%s=%s=%s", name, k, kv[i].value);
    }
    return 0;
}

/* Appends --name=v for each element. */
static int list_flags(const struct berth_host *host, struct drv_argv *out, const char *name,
                      const char *const *v, struct berth_error **err)
{
    for (; v != NULL && *v != NULL; v++) {
        if (check_value(host, name, *v, err) < 0)
            return -1;
        flag(out, name, *v);
    }
    return 0;
}

/* A mount field for the comma-separated --mount form. */
static int check_mount_field(const struct berth_host *host, const char *what, const char *v,
                             struct berth_error **err)
{
    if (v == NULL || v[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "mount %s is empty", what);
    if (strpbrk(v, ",\"") != NULL || !drv_text_clean(v))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "mount %s '%.200s' contains ',', '\"' or control characters", what, v);
    return 0;
}

/* Appends one mount. */
static int mount_flag(const struct berth_host *host, const struct berth_mount_spec *m,
                      struct drv_argv *out, struct berth_error **err)
{
    if (check_mount_field(host, "target", m->target, err) < 0)
        return -1;
    if (m->propagation != NULL)
        return unsupported(host, "bind propagation", NULL, err);
    if (m->selinux != NULL)
        return unsupported(host, "SELinux relabelling", NULL, err);
    if (m->no_copy)
        return unsupported(host, "volume nocopy", NULL, err);
    switch (m->type) {
    case BERTH_MOUNT_BIND:
        if (check_mount_field(host, "source", m->source, err) < 0)
            return -1;
        drv_argv_pushf(out, "--mount=type=bind,source=%s,target=%s%s", m->source, m->target,
                       m->read_only ? ",readonly" : "");
        return 0;
    case BERTH_MOUNT_VOLUME:
        if (m->source != NULL) {
            if (drv_check_name(host, "volume", m->source, err) < 0)
                return -1;
            drv_argv_pushf(out, "--mount=type=volume,source=%s,target=%s%s", m->source,
                           m->target, m->read_only ? ",readonly" : "");
        } else {
            drv_argv_pushf(out, "--mount=type=volume,target=%s%s", m->target,
                           m->read_only ? ",readonly" : "");
        }
        return 0;
    case BERTH_MOUNT_TMPFS:
        if (m->tmpfs_size != 0 || m->tmpfs_mode != 0 || m->tmpfs_options != NULL || m->read_only)
            return unsupported(host, "tmpfs size, mode or options", NULL, err);
        flag(out, "tmpfs", m->target);
        return 0;
    case BERTH_MOUNT_NPIPE:
    default:
        return unsupported(host, "npipe mounts", NULL, err);
    }
}

/* Appends one published port: Apple needs an explicit host port. */
static int port_flag(const struct berth_host *host, const struct berth_port_spec *p,
                     struct drv_argv *out, struct berth_error **err)
{
    const char *proto = p->protocol != NULL && p->protocol[0] != '\0' ? p->protocol : "tcp";
    if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
        return unsupported(host, "sctp ports", NULL, err);
    if (p->target == 0)
        return drv_fail(host, err, BERTH_E_INVALID, "published port with container port 0");
    const char *pub = p->published;
    if (pub == NULL || pub[0] == '\0')
        return unsupported(host, "ports without a host port",
                           "give the published port explicitly", err);
    int64_t hp;
    if (!drv_parse_int64(pub, &hp) || hp <= 0 || hp > 65535)
        return strchr(pub, '-') != NULL
                   ? unsupported(host, "published port ranges", NULL, err)
                   : drv_fail(host, err, BERTH_E_INVALID, "port %u: invalid host port '%.40s'",
                              p->target, pub);
    const char *ip = p->host_ip;
    if (ip != NULL && ip[0] != '\0') {
        if (strspn(ip, "0123456789abcdefABCDEF.:") != strlen(ip) || strlen(ip) > 64)
            return drv_fail(host, err, BERTH_E_INVALID, "invalid host IP '%.80s'", ip);
        if (strchr(ip, ':') != NULL)
            drv_argv_pushf(out, "--publish=[%s]:%lld:%u/%s", ip, (long long)hp, p->target, proto);
        else
            drv_argv_pushf(out, "--publish=%s:%lld:%u/%s", ip, (long long)hp, p->target, proto);
    } else {
        drv_argv_pushf(out, "--publish=%lld:%u/%s", (long long)hp, p->target, proto);
    }
    return 0;
}

/* The liveness check. */
void apple_argv_status(const struct apple_cli *cli, struct drv_argv *out)
{
    begin(cli, out, "system", "status");
}

/* The CLI's version. */
void apple_argv_version(const struct apple_cli *cli, struct drv_argv *out)
{
    begin(cli, out, "--version", NULL);
}

/* `create`: the spec's fields Apple can express; the rest refused (or emulated). */
int apple_argv_create(const struct berth_host *host, const struct apple_cli *cli,
                      const struct berth_container_spec *spec, struct drv_argv *out,
                      struct berth_error **err)
{
    const struct berth_resources *r = &spec->resources;
    static const char *const no_cap = "containers run in their own VM without Linux "
                                      "capability, seccomp or namespace controls";
    /* What Apple's CLI cannot express at all. */
    struct {
        bool set;
        const char *field;
        const char *why;
    } refused[] = {
        {spec->hostname != NULL, "hostname", "the hostname is the container name"},
        {spec->domainname != NULL, "domainname", NULL},
        {spec->read_only, "read_only", NULL},
        {spec->privileged, "privileged", no_cap},
        {spec->cap_add != NULL && spec->cap_add[0] != NULL, "cap_add", no_cap},
        {spec->cap_drop != NULL && spec->cap_drop[0] != NULL, "cap_drop", no_cap},
        {spec->security_opt != NULL && spec->security_opt[0] != NULL, "security_opt", no_cap},
        {spec->extra_hosts != NULL && spec->extra_hosts[0] != NULL, "extra_hosts", NULL},
        {spec->group_add != NULL && spec->group_add[0] != NULL, "group_add", NULL},
        {spec->n_sysctls > 0, "sysctls", NULL},
        {spec->n_ulimits > 0, "ulimits", NULL},
        {spec->ipc != NULL, "ipc", no_cap},
        {spec->pid != NULL, "pid", no_cap},
        {spec->uts != NULL, "uts", no_cap},
        {spec->userns_mode != NULL, "userns_mode", no_cap},
        {spec->cgroup_parent != NULL, "cgroup_parent", NULL},
        {spec->runtime != NULL, "runtime", NULL},
        {spec->devices != NULL && spec->devices[0] != NULL, "devices", NULL},
        {spec->n_annotations > 0, "annotations", NULL},
        {spec->log_driver != NULL, "logging.driver", NULL},
        {spec->n_log_options > 0, "logging.options", NULL},
        {r->memory_reservation != 0, "mem_reservation", NULL},
        {r->memory_swap != 0, "memswap_limit", NULL},
        {r->cpu_shares != 0, "cpu_shares", NULL},
        {r->cpuset != NULL, "cpuset", NULL},
        {r->pids_limit != 0, "pids_limit", NULL},
        {r->shm_size != 0, "shm_size", NULL},
        {spec->network_mode != NULL, "network_mode", NULL},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (refused[i].set)
            return unsupported(host, refused[i].field, refused[i].why, err);

    begin(cli, out, "create", NULL);
    if (drv_check_image(host, spec->image, err) < 0)
        goto fail;
    if (spec->name != NULL) {
        if (drv_check_name(host, "container", spec->name, err) < 0)
            goto fail;
        flag(out, "name", spec->name);
    }
    if (kv_flags(host, out, "label", "label", spec->labels, spec->n_labels, err) < 0 ||
        kv_flags(host, out, "env", "environment variable", spec->env, spec->n_env, err) < 0)
        goto fail;
    for (size_t i = 0; i < spec->n_ports; i++)
        if (port_flag(host, &spec->ports[i], out, err) < 0)
            goto fail;
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (mount_flag(host, &spec->mounts[i], out, err) < 0)
            goto fail;
    for (size_t i = 0; i < spec->n_networks; i++) {
        const struct berth_network_attach *n = &spec->networks[i];
        if (drv_check_name(host, "network", n->name, err) < 0)
            goto fail;
        if (n->ipv4_address != NULL || n->ipv6_address != NULL) {
            unsupported(host, "static network addresses", NULL, err);
            goto fail;
        }
        if (n->aliases != NULL && n->aliases[0] != NULL)
            host->log(host, 3,
                      "Apple container has no network aliases: '%s' on network '%s' is not set "
                      "(containers resolve each other by container name)",
                      n->aliases[0], n->name);
        if (n->mac_address != NULL) {
            if (strspn(n->mac_address, "0123456789abcdefABCDEF:") != strlen(n->mac_address)) {
                drv_fail(host, err, BERTH_E_INVALID, "invalid MAC address '%.40s'",
                         n->mac_address);
                goto fail;
            }
            drv_argv_pushf(out, "--network=%s,mac=%s", n->name, n->mac_address);
        } else {
            flag(out, "network", n->name);
        }
    }
    if ((spec->user != NULL && check_value(host, "user", spec->user, err) < 0) ||
        (spec->workdir != NULL && check_value(host, "workdir", spec->workdir, err) < 0))
        goto fail;
    if (spec->user != NULL)
        flag(out, "user", spec->user);
    if (spec->workdir != NULL)
        flag(out, "workdir", spec->workdir);
    if (spec->tty)
        drv_argv_push(out, "--tty");
    if (spec->stdin_open)
        drv_argv_push(out, "--interactive");
    if (spec->rm)
        drv_argv_push(out, "--rm");
    if (list_flags(host, out, "dns", spec->dns, err) < 0 ||
        list_flags(host, out, "dns-search", spec->dns_search, err) < 0 ||
        list_flags(host, out, "dns-option", spec->dns_opt, err) < 0)
        goto fail;
    if (r->cpus < 0 || r->memory < 0) {
        drv_fail(host, err, BERTH_E_INVALID, "negative resource limit");
        goto fail;
    }
    /* Whole CPUs and MiB granularity: round up so the limit is never tighter. */
    if (r->cpus > 0) {
        long long cpus = (long long)r->cpus;
        if ((double)cpus < r->cpus)
            cpus++;
        drv_argv_pushf(out, "--cpus=%lld", cpus);
    }
    if (r->memory > 0)
        drv_argv_pushf(out, "--memory=%lldM", (long long)((r->memory + 1048575) / 1048576));
    if (spec->platform != NULL) {
        if (check_value(host, "platform", spec->platform, err) < 0)
            goto fail;
        flag(out, "platform", spec->platform);
    }
    /* init: the VM's own init reaps; stop_signal/stop_grace_seconds: berth sends them at
     * stop time (stop --signal --time); pull_policy: berth pulls before create. */
    const char *const *cmd_head = NULL;
    if (spec->entrypoint != NULL) {
        flag(out, "entrypoint", spec->entrypoint[0] != NULL ? spec->entrypoint[0] : "");
        if (spec->entrypoint[0] != NULL)
            cmd_head = spec->entrypoint + 1;
    }
    drv_argv_push(out, "--");
    drv_argv_push(out, spec->image);
    drv_argv_push_all(out, cmd_head);
    drv_argv_push_all(out, spec->command);
    return 0;
fail:
    drv_argv_free(out);
    return -1;
}

/* start, stop, kill, delete, inspect. */
int apple_argv_container(const struct berth_host *host, const struct apple_cli *cli,
                         const struct berth_op_req *req, struct drv_argv *out,
                         struct berth_error **err)
{
    if (drv_check_name(host, "container", req->target, err) < 0)
        return -1;
    const char *sig = NULL;
    if (req->signal != 0) {
        sig = drv_signal_name(req->signal);
        if (sig == NULL)
            return drv_fail(host, err, BERTH_E_INVALID, "unknown signal %d", req->signal);
    }
    switch (req->kind) {
    case BERTH_OP_CONTAINER_START:
        begin(cli, out, "start", NULL);
        break;
    case BERTH_OP_CONTAINER_STOP:
        begin(cli, out, "stop", NULL);
        if (sig != NULL)
            flag(out, "signal", sig);
        if (req->timeout_s >= 0)
            drv_argv_pushf(out, "--time=%d", req->timeout_s);
        break;
    case BERTH_OP_CONTAINER_KILL:
        begin(cli, out, "kill", NULL);
        if (sig != NULL)
            flag(out, "signal", sig);
        break;
    case BERTH_OP_CONTAINER_REMOVE:
        if (req->stop_first) /* its --force kills at once */
            return drv_fail(host, err, BERTH_E_UNSUPPORTED,
                            "container cannot stop and remove a container in one call");
        begin(cli, out, "delete", NULL);
        if (req->force)
            drv_argv_push(out, "--force");
        break;
    case BERTH_OP_CONTAINER_INSPECT:
    case BERTH_OP_CONTAINER_PORT:
        begin(cli, out, "inspect", NULL);
        break;
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not a simple container operation");
    }
    drv_argv_push(out, req->target);
    return 0;
}

/* Every container, as JSON. */
void apple_argv_list(const struct apple_cli *cli, struct drv_argv *out)
{
    begin(cli, out, "list", "--all");
    drv_argv_push(out, "--format=json");
}

/* `logs`: stdout and stderr arrive merged; no timestamps, no since. */
int apple_argv_logs(const struct berth_host *host, const struct apple_cli *cli,
                    const struct berth_op_req *req, struct drv_argv *out,
                    struct berth_error **err)
{
    if (drv_check_name(host, "container", req->target, err) < 0)
        return -1;
    if (req->timestamps)
        return unsupported(host, "log timestamps", NULL, err);
    if (req->since != NULL)
        return unsupported(host, "logs since", NULL, err);
    begin(cli, out, "logs", NULL);
    if (req->follow)
        drv_argv_push(out, "--follow");
    if (req->tail >= 0) {
        drv_argv_push(out, "-n");
        drv_argv_pushf(out, "%d", req->tail);
    }
    drv_argv_push(out, req->target);
    return 0;
}

/* `exec`. */
int apple_argv_exec(const struct berth_host *host, const struct apple_cli *cli,
                    const struct berth_op_req *req, struct drv_argv *out,
                    struct berth_error **err)
{
    if (drv_check_name(host, "container", req->target, err) < 0)
        return -1;
    if (req->argv == NULL || req->argv[0] == NULL || req->argv[0][0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "exec needs a command");
    if (req->detach && (req->interactive || req->tty))
        return drv_fail(host, err, BERTH_E_INVALID, "a detached exec cannot be interactive");
    begin(cli, out, "exec", NULL);
    /* `container exec --detach` (container 0.7+) returns once the process started */
    if (req->detach)
        drv_argv_push(out, "--detach");
    if (req->interactive)
        drv_argv_push(out, "--interactive");
    if (req->tty)
        drv_argv_push(out, "--tty");
    if (kv_flags(host, out, "env", "environment variable", req->env, req->n_env, err) < 0 ||
        (req->user != NULL && check_value(host, "user", req->user, err) < 0) ||
        (req->workdir != NULL && check_value(host, "workdir", req->workdir, err) < 0)) {
        drv_argv_free(out);
        return -1;
    }
    if (req->user != NULL)
        flag(out, "user", req->user);
    if (req->workdir != NULL)
        flag(out, "workdir", req->workdir);
    drv_argv_push(out, "--");
    drv_argv_push(out, req->target);
    drv_argv_push_all(out, req->argv);
    return 0;
}

/* `image inspect REF`. */
int apple_argv_image_inspect(const struct berth_host *host, const struct apple_cli *cli,
                             const char *ref, struct drv_argv *out, struct berth_error **err)
{
    if (drv_check_image(host, ref, err) < 0)
        return -1;
    begin(cli, out, "image", "inspect");
    drv_argv_push(out, ref);
    return 0;
}

/* Images. */
int apple_argv_image(const struct berth_host *host, const struct apple_cli *cli,
                     const struct berth_op_req *req, struct drv_argv *out,
                     struct berth_error **err)
{
    switch (req->kind) {
    case BERTH_OP_IMAGE_PULL:
        if (drv_check_image(host, req->target, err) < 0 ||
            (req->platform != NULL && check_value(host, "platform", req->platform, err) < 0))
            return -1;
        begin(cli, out, "image", "pull");
        drv_argv_push(out, "--progress=none");
        if (req->platform != NULL)
            flag(out, "platform", req->platform);
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_IMAGE_INSPECT:
        return apple_argv_image_inspect(host, cli, req->target, out, err);
    case BERTH_OP_IMAGE_REMOVE:
        if (drv_check_image(host, req->target, err) < 0)
            return -1;
        begin(cli, out, "image", "delete");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_IMAGE_LIST:
        begin(cli, out, "image", "list");
        drv_argv_push(out, "--format=json");
        return 0;
    case BERTH_OP_IMAGE_BUILD: {
        const struct berth_build_spec *b = req->build;
        if (b == NULL)
            return drv_fail(host, err, BERTH_E_INVALID, "image build without a build spec");
        if (check_value(host, "build context", b->context, err) < 0)
            return -1;
        if (b->tags == NULL || b->tags[0] == NULL)
            return drv_fail(host, err, BERTH_E_INVALID,
                            "image build needs at least one tag (berth finds the built image "
                            "by its tag)");
        for (const char *const *t = b->tags; *t != NULL; t++)
            if (drv_check_image(host, *t, err) < 0)
                return -1;
        begin(cli, out, "build", NULL);
        if (b->dockerfile != NULL) {
            if (check_value(host, "dockerfile", b->dockerfile, err) < 0)
                goto fail;
            if (b->dockerfile[0] == '/')
                flag(out, "file", b->dockerfile);
            else
                drv_argv_pushf(out, "--file=%s/%s", b->context, b->dockerfile);
        }
        for (size_t i = 0; i < b->n_args; i++) {
            const char *k = b->args[i].key;
            if (k == NULL || k[0] == '\0' || strchr(k, '=') != NULL || !drv_text_clean(k)) {
                drv_fail(host, err, BERTH_E_INVALID, "invalid build arg name '%.100s'",
                         k ? k : "");
                goto fail;
            }
            if (b->args[i].value != NULL)
                drv_argv_pushf(out, "--build-arg=%s=%s", k, b->args[i].value);
            else
                drv_argv_pushf(out, "--build-arg=%s", k);
        }
        if (kv_flags(host, out, "label", "label", b->labels, b->n_labels, err) < 0)
            goto fail;
        if (b->target != NULL) {
            if (check_value(host, "target", b->target, err) < 0)
                goto fail;
            flag(out, "target", b->target);
        }
        if (b->platform != NULL) {
            if (check_value(host, "platform", b->platform, err) < 0)
                goto fail;
            flag(out, "platform", b->platform);
        }
        for (const char *const *t = b->tags; *t != NULL; t++)
            flag(out, "tag", *t);
        if (b->no_cache)
            drv_argv_push(out, "--no-cache");
        /* Apple's build always resolves the base image; pull needs no flag. */
        drv_argv_push(out, "--");
        drv_argv_push(out, b->context);
        return 0;
    fail:
        drv_argv_free(out);
        return -1;
    }
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not an image operation");
    }
}

/* Networks. */
int apple_argv_network(const struct berth_host *host, const struct apple_cli *cli,
                       const struct berth_op_req *req, struct drv_argv *out,
                       struct berth_error **err)
{
    switch (req->kind) {
    case BERTH_OP_NETWORK_CREATE: {
        const struct berth_network_spec *n = req->network;
        if (n == NULL)
            return drv_fail(host, err, BERTH_E_INVALID, "network create without a spec");
        if (drv_check_name(host, "network", n->name, err) < 0)
            return -1;
        if (n->driver != NULL && strcmp(n->driver, "bridge") != 0 && strcmp(n->driver, "nat") != 0)
            return unsupported(host, "network drivers other than bridge", NULL, err);
        if (n->internal)
            return unsupported(host, "internal networks", NULL, err);
        if (n->enable_ipv6)
            return unsupported(host, "enable_ipv6", NULL, err);
        if (n->subnet != NULL || n->gateway != NULL)
            return unsupported(host, "network ipam", NULL, err);
        if (n->n_options > 0)
            return unsupported(host, "network driver_opts", NULL, err);
        begin(cli, out, "network", "create");
        if (kv_flags(host, out, "label", "label", n->labels, n->n_labels, err) < 0) {
            drv_argv_free(out);
            return -1;
        }
        drv_argv_push(out, n->name);
        return 0;
    }
    case BERTH_OP_NETWORK_INSPECT:
    case BERTH_OP_NETWORK_REMOVE:
        if (drv_check_name(host, "network", req->target, err) < 0)
            return -1;
        begin(cli, out, "network", req->kind == BERTH_OP_NETWORK_INSPECT ? "inspect" : "delete");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_NETWORK_LIST:
        begin(cli, out, "network", "list");
        drv_argv_push(out, "--format=json");
        return 0;
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not a network operation");
    }
}

/* Volumes. */
int apple_argv_volume(const struct berth_host *host, const struct apple_cli *cli,
                      const struct berth_op_req *req, struct drv_argv *out,
                      struct berth_error **err)
{
    switch (req->kind) {
    case BERTH_OP_VOLUME_CREATE: {
        const struct berth_volume_spec *v = req->volume;
        if (v == NULL)
            return drv_fail(host, err, BERTH_E_INVALID, "volume create without a spec");
        if (drv_check_name(host, "volume", v->name, err) < 0)
            return -1;
        if (v->driver != NULL && strcmp(v->driver, "local") != 0)
            return unsupported(host, "volume drivers other than local", NULL, err);
        begin(cli, out, "volume", "create");
        if (kv_flags(host, out, "label", "label", v->labels, v->n_labels, err) < 0 ||
            kv_flags(host, out, "opt", "volume option", v->options, v->n_options, err) < 0) {
            drv_argv_free(out);
            return -1;
        }
        drv_argv_push(out, v->name);
        return 0;
    }
    case BERTH_OP_VOLUME_INSPECT:
    case BERTH_OP_VOLUME_REMOVE:
        if (drv_check_name(host, "volume", req->target, err) < 0)
            return -1;
        begin(cli, out, "volume", req->kind == BERTH_OP_VOLUME_INSPECT ? "inspect" : "delete");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_VOLUME_LIST:
        begin(cli, out, "volume", "list");
        drv_argv_push(out, "--format=json");
        return 0;
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not a volume operation");
    }
}
