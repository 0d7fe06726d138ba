/*
 * Command lines of the docker-protocol driver (see docker-argv.h).
 *
 * Flags are always written as one element "--flag=value", so a value that
 * starts with '-' can never be read as another flag; positionals (names,
 * images, commands) follow a "--" or are validated names.
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "backends/docker-argv.h"

/* Name of a dialect's CLI. */
const char *docker_argv_dialect_name(enum docker_dialect d)
{
    switch (d) {
    case DOCKER_DIALECT_PODMAN:
        return "podman";
    case DOCKER_DIALECT_NERDCTL:
        return "nerdctl";
    case DOCKER_DIALECT_DOCKER:
        break;
    }
    return "docker";
}

/* Starts an argv with the CLI prefix and the subcommand words. */
static void begin(const struct docker_cli *cli, struct drv_argv *out, const char *w1,
                  const char *w2)
{
    drv_argv_init(out);
    drv_argv_push_all(out, cli->prefix);
    if (w1 != NULL)
        drv_argv_push(out, w1);
    if (w2 != NULL)
        drv_argv_push(out, w2);
}

/* Appends "--flag=value". */
static void flag(struct drv_argv *out, const char *name, const char *value)
{
    drv_argv_pushf(out, "--%s=%s", name, value);
}

/* Appends "--flag=<integer>". */
static void flag_i64(struct drv_argv *out, const char *name, int64_t v)
{
    drv_argv_pushf(out, "--%s=%lld", name, (long long)v);
}

/* Refuses text with control characters (a value for one flag). */
static int check_text(const struct berth_host *host, const char *what, const char *v,
                      struct berth_error **err)
{
    if (!drv_text_clean(v))
        return drv_fail(host, err, BERTH_E_INVALID, "%s contains control characters", what);
    return 0;
}

/* Checks a key of a label/env/option: non-empty, no '=', no control characters. */
static int check_key(const struct berth_host *host, const char *what, const char *key,
                     struct berth_error **err)
{
    if (key == NULL || key[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "%s with an empty key", what);
    if (strchr(key, '=') != NULL || !drv_text_clean(key))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "%s key '%.*s' must not contain '=' or control characters", what, 200,
                        key);
    return 0;
}

/* Appends --name=k=v for each entry (value NULL: k only when allow_bare). */
static int kv_flags(const struct berth_host *host, struct drv_argv *out, const char *name,
                    const char *what, const struct berth_kv *kv, size_t n, bool allow_bare,
                    struct berth_error **err)
{
    for (size_t i = 0; i < n; i++) {
        if (check_key(host, what, kv[i].key, err) < 0)
            return -1;
        if (kv[i].value == NULL) {
            if (allow_bare)
                flag(out, name, kv[i].key);
            continue;
        }
        drv_argv_pushf(out, "--%s=%s=%s", name, kv[i].key, kv[i].value);
    }
    return 0;
}

/* Appends --name=v for each element of a NULL-terminated list. */
static int list_flags(const struct berth_host *host, struct drv_argv *out, const char *name,
                      const char *const *v, struct berth_error **err)
{
    for (; v != NULL && *v != NULL; v++) {
        if (**v == '\0')
            return drv_fail(host, err, BERTH_E_INVALID, "empty value for --%s", name);
        if (check_text(host, name, *v, err) < 0)
            return -1;
        flag(out, name, *v);
    }
    return 0;
}

/* True when s consists only of the characters in set. */
static bool only_chars(const char *s, const char *set)
{
    for (; *s != '\0'; s++)
        if (strchr(set, *s) == NULL)
            return false;
    return true;
}

/* An IPv4/IPv6/MAC address looks like one (hex digits, '.', ':'). */
static int check_addr(const struct berth_host *host, const char *what, const char *v,
                      struct berth_error **err)
{
    if (v == NULL || v[0] == '\0' || strlen(v) > 64 ||
        !only_chars(v, "0123456789abcdefABCDEF.:"))
        return drv_fail(host, err, BERTH_E_INVALID, "invalid %s '%.*s'", what, 80, v ? v : "");
    return 0;
}

/* The liveness probe command of each dialect. */
void docker_argv_probe(const struct docker_cli *cli, struct drv_argv *out)
{
    switch (cli->dialect) {
    case DOCKER_DIALECT_PODMAN:
        /* not `podman info`: it inspects storage in depth and takes seconds */
        begin(cli, out, "version", "--format=json");
        break;
    case DOCKER_DIALECT_DOCKER:
    case DOCKER_DIALECT_NERDCTL:
        begin(cli, out, "version", "--format={{json .}}");
        break;
    }
}

/* The probe's runtime check: a listing that opens storage and state but matches nothing. */
void docker_argv_probe_runtime(const struct docker_cli *cli, struct drv_argv *out)
{
    begin(cli, out, "ps", "--all");
    drv_argv_push(out, "--quiet");
    drv_argv_push(out, "--filter=label=" DOCKER_PROBE_LABEL);
}

/* ----------------------------------------------------------------- create */

/* A mount value that goes into a comma-separated --mount list. */
static int check_mount_field(const struct berth_host *host, const char *what, const char *v,
                             struct berth_error **err)
{
    if (v == NULL || v[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "mount %s is empty", what);
    if (strpbrk(v, ",\"") != NULL || !drv_text_clean(v)) {
        int rc = drv_fail(host, err, BERTH_E_INVALID,
                          "mount %s '%.*s' contains ',', '\"' or control characters", what, 200,
                          v);
        if (err != NULL && *err != NULL)
            host->error_set_hint(*err, "rename the path: container runtimes split mount "
                                       "options at commas");
        return rc;
    }
    return 0;
}

/* A value for the colon-separated -v syntax. */
static int check_volume_field(const struct berth_host *host, const char *what, const char *v,
                              struct berth_error **err)
{
    if (check_mount_field(host, what, v, err) < 0)
        return -1;
    if (strchr(v, ':') != NULL)
        return drv_fail(host, err, BERTH_E_INVALID,
                        "mount %s '%.*s' contains ':' which this mount form cannot carry", what,
                        200, v);
    return 0;
}

/* Bind propagation modes the runtimes know. */
static bool propagation_valid(const char *p)
{
    static const char *const modes[] = {"private", "rprivate", "shared", "rshared", "slave",
                                        "rslave"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(p, modes[i]) == 0)
            return true;
    return false;
}

/* The read-only mount option: podman 4 knows only "ro" for volumes and tmpfs. */
static const char *ro_opt(const struct docker_cli *cli)
{
    return cli->dialect == DOCKER_DIALECT_PODMAN ? ",ro" : ",readonly";
}

/* Appends one mount. */
static int mount_flag(const struct berth_host *host, const struct docker_cli *cli,
                      const struct berth_mount_spec *m, struct drv_argv *out,
                      struct berth_error **err)
{
    struct drv_buf b;
    drv_buf_init(&b);
    int rc = -1;
    if (check_mount_field(host, "target", m->target, err) < 0)
        goto out;
    switch (m->type) {
    case BERTH_MOUNT_BIND:
        if (check_mount_field(host, "source", m->source, err) < 0)
            goto out;
        if (m->selinux != NULL && strcmp(m->selinux, "z") != 0 && strcmp(m->selinux, "Z") != 0) {
            drv_fail(host, err, BERTH_E_INVALID, "bind mount selinux option '%.*s' is not z or Z",
                     20, m->selinux);
            goto out;
        }
        if (m->propagation != NULL && !propagation_valid(m->propagation)) {
            drv_fail(host, err, BERTH_E_INVALID, "invalid bind propagation '%.*s'", 40,
                     m->propagation);
            goto out;
        }
        if (m->selinux != NULL && cli->dialect != DOCKER_DIALECT_PODMAN) {
            /* docker's --mount has no SELinux relabel: use the -v form. */
            if (cli->dialect == DOCKER_DIALECT_NERDCTL) {
                drv_fail(host, err, BERTH_E_UNSUPPORTED,
                         "nerdctl cannot relabel bind mounts for SELinux (mount '%s')",
                         m->target);
                goto out;
            }
            if (check_volume_field(host, "source", m->source, err) < 0 ||
                check_volume_field(host, "target", m->target, err) < 0)
                goto out;
            drv_buf_addf(&b, "--volume=%s:%s:%s%s%s%s", m->source, m->target,
                         m->read_only ? "ro," : "", m->selinux,
                         m->propagation ? "," : "", m->propagation ? m->propagation : "");
            drv_argv_push(out, b.p);
            rc = 0;
            goto out;
        }
        drv_buf_addf(&b, "--mount=type=bind,source=%s,target=%s", m->source, m->target);
        if (m->read_only)
            drv_buf_adds(&b, ro_opt(cli));
        if (m->propagation != NULL)
            drv_buf_addf(&b, ",bind-propagation=%s", m->propagation);
        if (m->selinux != NULL)
            drv_buf_addf(&b, ",relabel=%s", m->selinux[0] == 'z' ? "shared" : "private");
        break;
    case BERTH_MOUNT_VOLUME:
        if (m->source != NULL && drv_check_name(host, "volume", m->source, err) < 0)
            goto out;
        if (m->no_copy && cli->dialect == DOCKER_DIALECT_PODMAN) {
            /* Podman's --mount has no nocopy option; its -v form does. */
            if (check_volume_field(host, "target", m->target, err) < 0)
                goto out;
            if (m->source != NULL)
                drv_buf_addf(&b, "--volume=%s:%s:nocopy%s", m->source, m->target,
                             m->read_only ? ",ro" : "");
            else
                drv_buf_addf(&b, "--volume=%s:nocopy%s", m->target, m->read_only ? ",ro" : "");
            drv_argv_push(out, b.p);
            rc = 0;
            goto out;
        }
        drv_buf_adds(&b, "--mount=type=volume");
        if (m->source != NULL)
            drv_buf_addf(&b, ",source=%s", m->source);
        drv_buf_addf(&b, ",target=%s", m->target);
        if (m->read_only)
            drv_buf_adds(&b, ro_opt(cli));
        if (m->no_copy)
            drv_buf_adds(&b, ",volume-nocopy");
        break;
    case BERTH_MOUNT_TMPFS:
        if (m->tmpfs_options != NULL) {
            /* Extra options (noexec, nosuid ...) only exist in the --tmpfs form. */
            if (check_volume_field(host, "target", m->target, err) < 0 ||
                check_text(host, "tmpfs options", m->tmpfs_options, err) < 0)
                goto out;
            if (strchr(m->tmpfs_options, '"') != NULL) {
                drv_fail(host, err, BERTH_E_INVALID, "tmpfs options contain '\"'");
                goto out;
            }
            drv_buf_addf(&b, "--tmpfs=%s:", m->target);
            const char *sep = "";
            if (m->tmpfs_size > 0) {
                drv_buf_addf(&b, "size=%lld", (long long)m->tmpfs_size);
                sep = ",";
            }
            if (m->tmpfs_mode != 0) {
                drv_buf_addf(&b, "%smode=%o", sep, (unsigned)m->tmpfs_mode);
                sep = ",";
            }
            if (m->read_only) {
                drv_buf_addf(&b, "%sro", sep);
                sep = ",";
            }
            if (m->tmpfs_options[0] != '\0')
                drv_buf_addf(&b, "%s%s", sep, m->tmpfs_options);
            break;
        }
        drv_buf_addf(&b, "--mount=type=tmpfs,target=%s", m->target);
        if (m->tmpfs_size > 0)
            drv_buf_addf(&b, ",tmpfs-size=%lld", (long long)m->tmpfs_size);
        if (m->tmpfs_mode != 0)
            drv_buf_addf(&b, ",tmpfs-mode=%o", (unsigned)m->tmpfs_mode);
        if (m->read_only)
            drv_buf_adds(&b, ro_opt(cli));
        break;
    case BERTH_MOUNT_NPIPE:
    default:
        drv_fail(host, err, BERTH_E_UNSUPPORTED,
                 "%s cannot mount a named pipe (mount '%s'): npipe mounts exist on Windows only",
                 cli->name, m->target);
        goto out;
    }
    drv_argv_push(out, b.p);
    rc = 0;
out:
    drv_buf_free(&b);
    return rc;
}

/* Appends one published port ("[ip:][published:]target[/proto]"). */
static int port_flag(const struct berth_host *host, const struct berth_port_spec *p,
                     struct drv_argv *out, struct berth_error **err)
{
    if (p->target == 0)
        return drv_fail(host, err, BERTH_E_INVALID, "published port with container port 0");
    const char *proto = p->protocol != NULL && p->protocol[0] != '\0' ? p->protocol : "tcp";
    if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
        return drv_fail(host, err, BERTH_E_INVALID,
                        "port %u: protocol '%.*s' is not tcp, udp or sctp", p->target, 20, proto);
    const char *pub = p->published != NULL ? p->published : "";
    if (!only_chars(pub, "0123456789-") || (pub[0] == '-'))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "port %u: published port '%.*s' is not a port or a range", p->target, 40,
                        pub);
    struct drv_buf b;
    drv_buf_init(&b);
    drv_buf_adds(&b, "--publish=");
    if (p->host_ip != NULL && p->host_ip[0] != '\0') {
        if (check_addr(host, "host IP of a published port", p->host_ip, err) < 0) {
            drv_buf_free(&b);
            return -1;
        }
        if (strchr(p->host_ip, ':') != NULL)
            drv_buf_addf(&b, "[%s]:", p->host_ip);
        else
            drv_buf_addf(&b, "%s:", p->host_ip);
        drv_buf_addf(&b, "%s:", pub);
    } else if (pub[0] != '\0') {
        drv_buf_addf(&b, "%s:", pub);
    }
    drv_buf_addf(&b, "%u", p->target);
    if (strcmp(proto, "tcp") != 0)
        drv_buf_addf(&b, "/%s", proto);
    drv_argv_push(out, b.p);
    drv_buf_free(&b);
    return 0;
}

/* Validates a network attachment's name, aliases and addresses. */
static int check_attach(const struct berth_host *host, const struct berth_network_attach *n,
                        struct berth_error **err)
{
    if (drv_check_name(host, "network", n->name, err) < 0)
        return -1;
    for (const char *const *a = n->aliases; a != NULL && *a != NULL; a++)
        if (drv_check_name(host, "network alias", *a, err) < 0)
            return -1;
    if (n->ipv4_address != NULL && check_addr(host, "IPv4 address", n->ipv4_address, err) < 0)
        return -1;
    if (n->ipv6_address != NULL && check_addr(host, "IPv6 address", n->ipv6_address, err) < 0)
        return -1;
    if (n->mac_address != NULL && check_addr(host, "MAC address", n->mac_address, err) < 0)
        return -1;
    return 0;
}

/* Appends the network flags; returns the docker dialect's later connects. */
static int network_flags(const struct berth_host *host, const struct docker_cli *cli,
                         const struct berth_container_spec *spec, struct drv_argv *out,
                         const struct berth_network_attach ***connects, size_t *n_connects,
                         struct berth_error **err)
{
    if (spec->network_mode != NULL && spec->network_mode[0] != '\0') {
        const char *m = spec->network_mode;
        if (spec->n_networks > 0)
            return drv_fail(host, err, BERTH_E_INVALID,
                            "network_mode '%.*s' cannot be combined with networks", 100, m);
        if (strncmp(m, "container:", 10) == 0) {
            if (drv_check_name(host, "container", m + 10, err) < 0)
                return -1;
        } else if (strcmp(m, "none") != 0 && strcmp(m, "host") != 0 &&
                   strcmp(m, "bridge") != 0 && strcmp(m, "default") != 0 &&
                   !(cli->dialect == DOCKER_DIALECT_PODMAN &&
                     (strncmp(m, "slirp4netns", 11) == 0 || strncmp(m, "pasta", 5) == 0 ||
                      strcmp(m, "private") == 0 || strncmp(m, "ns:", 3) == 0))) {
            return drv_fail(host, err, BERTH_E_INVALID,
                            "network_mode '%.*s' is not none, host, bridge or container:<name>",
                            100, m);
        }
        if (check_text(host, "network_mode", m, err) < 0)
            return -1;
        flag(out, "network", m);
        return 0;
    }
    for (size_t i = 0; i < spec->n_networks; i++)
        if (check_attach(host, &spec->networks[i], err) < 0)
            return -1;
    if (spec->n_networks == 0)
        return 0;

    if (cli->dialect == DOCKER_DIALECT_PODMAN) {
        /* Podman attaches every network at create: name:alias=a,ip=x,... */
        for (size_t i = 0; i < spec->n_networks; i++) {
            const struct berth_network_attach *n = &spec->networks[i];
            struct drv_buf b;
            drv_buf_init(&b);
            drv_buf_addf(&b, "--network=%s", n->name);
            char sep = ':';
            for (const char *const *a = n->aliases; a != NULL && *a != NULL; a++, sep = ',')
                drv_buf_addf(&b, "%calias=%s", sep, *a);
            if (n->ipv4_address != NULL) {
                drv_buf_addf(&b, "%cip=%s", sep, n->ipv4_address);
                sep = ',';
            }
            if (n->ipv6_address != NULL) {
                drv_buf_addf(&b, "%cip6=%s", sep, n->ipv6_address);
                sep = ',';
            }
            if (n->mac_address != NULL)
                drv_buf_addf(&b, "%cmac=%s", sep, n->mac_address);
            drv_argv_push(out, b.p);
            drv_buf_free(&b);
        }
        return 0;
    }

    if (cli->dialect == DOCKER_DIALECT_NERDCTL) {
        /* nerdctl takes several --network flags but has no aliases. */
        for (size_t i = 0; i < spec->n_networks; i++) {
            const struct berth_network_attach *n = &spec->networks[i];
            if (n->aliases != NULL && n->aliases[0] != NULL)
                host->log(host, 1,
                          "nerdctl has no network aliases: '%s' on network '%s' is not set "
                          "(containers resolve each other by container name only)",
                          n->aliases[0], n->name);
            flag(out, "network", n->name);
        }
        const struct berth_network_attach *n0 = &spec->networks[0];
        if (spec->n_networks == 1) {
            if (n0->ipv4_address != NULL)
                flag(out, "ip", n0->ipv4_address);
            if (n0->ipv6_address != NULL)
                flag(out, "ip6", n0->ipv6_address);
            if (n0->mac_address != NULL)
                flag(out, "mac-address", n0->mac_address);
        } else {
            for (size_t i = 0; i < spec->n_networks; i++)
                if (spec->networks[i].ipv4_address || spec->networks[i].ipv6_address ||
                    spec->networks[i].mac_address)
                    return drv_fail(host, err, BERTH_E_UNSUPPORTED,
                                    "nerdctl cannot set static addresses on a container "
                                    "attached to several networks");
        }
        return 0;
    }

    /* docker: the first network at create, the others with `network connect`. */
    const struct berth_network_attach *n0 = &spec->networks[0];
    flag(out, "network", n0->name);
    for (const char *const *a = n0->aliases; a != NULL && *a != NULL; a++)
        flag(out, "network-alias", *a);
    if (n0->ipv4_address != NULL)
        flag(out, "ip", n0->ipv4_address);
    if (n0->ipv6_address != NULL)
        flag(out, "ip6", n0->ipv6_address);
    if (n0->mac_address != NULL)
        flag(out, "mac-address", n0->mac_address);
    if (spec->n_networks > 1) {
        *n_connects = spec->n_networks - 1;
        *connects = drv_xcalloc(*n_connects, sizeof(**connects));
        for (size_t i = 1; i < spec->n_networks; i++)
            (*connects)[i - 1] = &spec->networks[i];
    }
    return 0;
}

/* Appends resource limits. */
static int resource_flags(const struct berth_host *host, const struct berth_resources *r,
                          struct drv_argv *out, struct berth_error **err)
{
    if (r->memory < 0 || r->memory_reservation < 0 || r->memory_swap < -1 || r->cpus < 0 ||
        r->cpu_shares < 0 || r->shm_size < 0 || r->pids_limit < -1)
        return drv_fail(host, err, BERTH_E_INVALID, "negative resource limit");
    if (r->memory > 0)
        flag_i64(out, "memory", r->memory);
    if (r->memory_reservation > 0)
        flag_i64(out, "memory-reservation", r->memory_reservation);
    if (r->memory_swap != 0)
        flag_i64(out, "memory-swap", r->memory_swap);
    if (r->cpus > 0)
        drv_argv_pushf(out, "--cpus=%g", r->cpus);
    if (r->cpu_shares > 0)
        flag_i64(out, "cpu-shares", r->cpu_shares);
    if (r->cpuset != NULL) {
        if (r->cpuset[0] == '\0' || !only_chars(r->cpuset, "0123456789,-"))
            return drv_fail(host, err, BERTH_E_INVALID, "invalid cpuset '%.*s'", 60, r->cpuset);
        flag(out, "cpuset-cpus", r->cpuset);
    }
    if (r->pids_limit != 0)
        flag_i64(out, "pids-limit", r->pids_limit);
    if (r->shm_size > 0)
        flag_i64(out, "shm-size", r->shm_size);
    return 0;
}

/* Appends a plain string option when set. */
static int opt_flag(const struct berth_host *host, struct drv_argv *out, const char *name,
                    const char *v, struct berth_error **err)
{
    if (v == NULL)
        return 0;
    if (v[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "empty value for --%s", name);
    if (check_text(host, name, v, err) < 0)
        return -1;
    flag(out, name, v);
    return 0;
}

/* Refuses a spec field the dialect has no flag for. */
static int unsupported(const struct berth_host *host, const struct docker_cli *cli,
                       const char *field, struct berth_error **err)
{
    return drv_fail(host, err, BERTH_E_UNSUPPORTED, "%s does not support '%s'", cli->name,
                    field);
}

static int argv_container_new(const struct berth_host *host, const struct docker_cli *cli,
                              const struct berth_container_spec *spec, const char *cidfile,
                              struct drv_argv *out, const struct berth_network_attach ***connects,
                              size_t *n_connects, struct berth_error **err);

/* `create` with every field of the spec. */
int docker_argv_create(const struct berth_host *host, const struct docker_cli *cli,
                       const struct berth_container_spec *spec, struct drv_argv *out,
                       const struct berth_network_attach ***connects, size_t *n_connects,
                       struct berth_error **err)
{
    return argv_container_new(host, cli, spec, NULL, out, connects, n_connects, err);
}

/* `run --detach --cidfile=F` with every field of the spec: create and start in one call. */
int docker_argv_run_detached(const struct berth_host *host, const struct docker_cli *cli,
                             const struct berth_container_spec *spec, const char *cidfile,
                             struct drv_argv *out, const struct berth_network_attach ***connects,
                             size_t *n_connects, struct berth_error **err)
{
    return argv_container_new(host, cli, spec, cidfile, out, connects, n_connects, err);
}

/* `create` (cidfile NULL) or `run --detach --cidfile=cidfile` with every field of the spec. */
static int argv_container_new(const struct berth_host *host, const struct docker_cli *cli,
                              const struct berth_container_spec *spec, const char *cidfile,
                              struct drv_argv *out, const struct berth_network_attach ***connects,
                              size_t *n_connects, struct berth_error **err)
{
    *connects = NULL;
    *n_connects = 0;
    begin(cli, out, cidfile != NULL ? "run" : "create", NULL);
    if (cidfile != NULL) {
        drv_argv_push(out, "--detach");
        flag(out, "cidfile", cidfile);
    }
    if (drv_check_image(host, spec->image, err) < 0)
        goto fail;
    if (spec->name != NULL) {
        if (drv_check_name(host, "container", spec->name, err) < 0)
            goto fail;
        flag(out, "name", spec->name);
    }
    /* berth supervises restarts itself; the runtime must never restart. */
    flag(out, "restart", "no");
    if (kv_flags(host, out, "label", "label", spec->labels, spec->n_labels, false, err) < 0)
        goto fail;
    /* A variable without value is left unset (the compose loader resolved it). */
    if (kv_flags(host, out, "env", "environment variable", spec->env, spec->n_env, false, err) <
        0)
        goto fail;
    for (size_t i = 0; i < spec->n_ports; i++)
        if (port_flag(host, &spec->ports[i], out, err) < 0)
            goto fail;
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (mount_flag(host, cli, &spec->mounts[i], out, err) < 0)
            goto fail;
    if (network_flags(host, cli, spec, out, connects, n_connects, err) < 0)
        goto fail;
    if (opt_flag(host, out, "user", spec->user, err) < 0 ||
        opt_flag(host, out, "workdir", spec->workdir, err) < 0 ||
        opt_flag(host, out, "hostname", spec->hostname, err) < 0)
        goto fail;
    if (spec->domainname != NULL) {
        if (cli->dialect == DOCKER_DIALECT_NERDCTL) {
            unsupported(host, cli, "domainname", err);
            goto fail;
        }
        if (opt_flag(host, out, "domainname", spec->domainname, err) < 0)
            goto fail;
    }
    if (spec->read_only) {
        drv_argv_push(out, "--read-only");
        /* podman would add writable, executable tmpfs on /run and /var/tmp; docker adds none */
        if (cli->dialect == DOCKER_DIALECT_PODMAN)
            drv_argv_push(out, "--read-only-tmpfs=false");
    }
    if (spec->privileged)
        drv_argv_push(out, "--privileged");
    if (spec->init)
        drv_argv_push(out, "--init");
    if (spec->tty)
        drv_argv_push(out, "--tty");
    if (spec->stdin_open)
        drv_argv_push(out, "--interactive");
    if (spec->rm)
        drv_argv_push(out, "--rm");
    if (list_flags(host, out, "cap-add", spec->cap_add, err) < 0 ||
        list_flags(host, out, "cap-drop", spec->cap_drop, err) < 0 ||
        list_flags(host, out, "security-opt", spec->security_opt, err) < 0 ||
        list_flags(host, out, "dns", spec->dns, err) < 0 ||
        list_flags(host, out, "dns-search", spec->dns_search, err) < 0 ||
        list_flags(host, out, "dns-option", spec->dns_opt, err) < 0 ||
        list_flags(host, out, "group-add", spec->group_add, err) < 0 ||
        list_flags(host, out, "device", spec->devices, err) < 0)
        goto fail;
    for (const char *const *h = spec->extra_hosts; h != NULL && *h != NULL; h++) {
        /* Compose allows host=ip and host:ip; every CLI reads host:ip. */
        const char *eq = strchr(*h, '=');
        const char *colon = strchr(*h, ':');
        size_t hl = eq != NULL && (colon == NULL || eq < colon) ? (size_t)(eq - *h)
                    : colon != NULL                             ? (size_t)(colon - *h)
                                                                : 0;
        if (hl == 0 || !drv_text_clean(*h) || (*h)[0] == '-') {
            drv_fail(host, err, BERTH_E_INVALID, "extra host '%.*s' is not host:ip or host=ip",
                     200, *h);
            goto fail;
        }
        drv_argv_pushf(out, "--add-host=%.*s:%s", (int)hl, *h, *h + hl + 1);
    }
    if (kv_flags(host, out, "sysctl", "sysctl", spec->sysctls, spec->n_sysctls, false, err) < 0)
        goto fail;
    for (size_t i = 0; i < spec->n_ulimits; i++) {
        const struct berth_ulimit *u = &spec->ulimits[i];
        if (u->name == NULL || u->name[0] == '\0' ||
            !only_chars(u->name, "abcdefghijklmnopqrstuvwxyz_")) {
            drv_fail(host, err, BERTH_E_INVALID, "invalid ulimit name '%.*s'", 40,
                     u->name ? u->name : "");
            goto fail;
        }
        drv_argv_pushf(out, "--ulimit=%s=%lld:%lld", u->name, (long long)u->soft,
                       (long long)u->hard);
    }
    if (resource_flags(host, &spec->resources, out, err) < 0)
        goto fail;
    if (spec->stop_signal != NULL) {
        if (spec->stop_signal[0] == '\0' || !only_chars(spec->stop_signal,
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-")) {
            drv_fail(host, err, BERTH_E_INVALID, "invalid stop signal '%.*s'", 40,
                     spec->stop_signal);
            goto fail;
        }
        flag(out, "stop-signal", spec->stop_signal);
    }
    if (spec->stop_grace_seconds >= 0)
        flag_i64(out, "stop-timeout", spec->stop_grace_seconds);
    if (opt_flag(host, out, "platform", spec->platform, err) < 0)
        goto fail;
    if (spec->pull_policy != NULL) {
        const char *pp = spec->pull_policy;
        if (strcmp(pp, "missing") != 0 && strcmp(pp, "always") != 0 && strcmp(pp, "never") != 0 &&
            !(cli->dialect == DOCKER_DIALECT_PODMAN && strcmp(pp, "newer") == 0)) {
            drv_fail(host, err, BERTH_E_INVALID,
                     "pull policy '%.*s' is not missing, always or never", 40, pp);
            goto fail;
        }
        flag(out, "pull", pp);
    }
    if (opt_flag(host, out, "ipc", spec->ipc, err) < 0 ||
        opt_flag(host, out, "pid", spec->pid, err) < 0 ||
        opt_flag(host, out, "uts", spec->uts, err) < 0 ||
        opt_flag(host, out, "cgroup-parent", spec->cgroup_parent, err) < 0 ||
        opt_flag(host, out, "runtime", spec->runtime, err) < 0 ||
        opt_flag(host, out, "log-driver", spec->log_driver, err) < 0)
        goto fail;
    if (spec->userns_mode != NULL) {
        if (cli->dialect == DOCKER_DIALECT_NERDCTL) {
            unsupported(host, cli, "userns_mode", err);
            goto fail;
        }
        if (opt_flag(host, out, "userns", spec->userns_mode, err) < 0)
            goto fail;
    }
    if (spec->n_annotations > 0 && cli->dialect == DOCKER_DIALECT_NERDCTL) {
        unsupported(host, cli, "annotations", err);
        goto fail;
    }
    if (kv_flags(host, out, "annotation", "annotation", spec->annotations, spec->n_annotations,
                 false, err) < 0 ||
        kv_flags(host, out, "log-opt", "log option", spec->log_options, spec->n_log_options,
                 false, err) < 0)
        goto fail;

    /* Entrypoint: podman takes a JSON array; docker/nerdctl take one word, the rest
     * becomes the start of the command (docker then drops the image's CMD). */
    const char *const *cmd_head = NULL;
    if (spec->entrypoint != NULL) {
        if (spec->entrypoint[0] == NULL) {
            flag(out, "entrypoint", "");
        } else if (cli->dialect == DOCKER_DIALECT_PODMAN) {
            json_t *arr = json_array();
            for (const char *const *e = spec->entrypoint; *e != NULL; e++)
                json_array_append_new(arr, json_string(*e));
            char *js = json_dumps(arr, JSON_COMPACT);
            json_decref(arr);
            if (js == NULL) {
                drv_fail(host, err, BERTH_E_INVALID, "entrypoint is not valid UTF-8");
                goto fail;
            }
            flag(out, "entrypoint", js);
            free(js);
        } else {
            flag(out, "entrypoint", spec->entrypoint[0]);
            cmd_head = spec->entrypoint + 1;
        }
    }
    drv_argv_push(out, "--");
    drv_argv_push(out, spec->image);
    drv_argv_push_all(out, cmd_head);
    drv_argv_push_all(out, spec->command);
    return 0;
fail:
    drv_argv_free(out);
    free(*connects);
    *connects = NULL;
    *n_connects = 0;
    return -1;
}

/* `network connect` for a further network (docker dialect), without the container. */
int docker_argv_network_connect(const struct berth_host *host, const struct docker_cli *cli,
                                const struct berth_network_attach *net, struct drv_argv *out,
                                struct berth_error **err)
{
    if (check_attach(host, net, err) < 0)
        return -1;
    begin(cli, out, "network", "connect");
    for (const char *const *a = net->aliases; a != NULL && *a != NULL; a++)
        flag(out, "alias", *a);
    if (net->ipv4_address != NULL)
        flag(out, "ip", net->ipv4_address);
    if (net->ipv6_address != NULL)
        flag(out, "ip6", net->ipv6_address);
    drv_argv_push(out, "--");
    drv_argv_push(out, net->name);
    return 0;
}

/* ------------------------------------------------------ container ops */

/* A signal number as the CLIs spell it. */
static int signal_arg(const struct berth_host *host, int sig, const char **name,
                      struct berth_error **err)
{
    *name = drv_signal_name(sig);
    if (*name == NULL)
        return drv_fail(host, err, BERTH_E_INVALID, "unknown signal %d", sig);
    return 0;
}

/* Start, stop, kill, rm, inspect, wait, port. */
int docker_argv_container(const struct berth_host *host, const struct docker_cli *cli,
                          const struct berth_op_req *req, struct drv_argv *out,
                          struct berth_error **err)
{
    if (drv_check_name(host, "container", req->target, err) < 0)
        return -1;
    const char *sig = NULL;
    switch (req->kind) {
    case BERTH_OP_CONTAINER_START:
        begin(cli, out, "start", NULL);
        break;
    case BERTH_OP_CONTAINER_STOP:
        /* The container's own stop signal; another one is sent with kill (see docker.c). */
        begin(cli, out, "stop", NULL);
        if (req->timeout_s >= 0)
            flag_i64(out, "time", req->timeout_s);
        break;
    case BERTH_OP_CONTAINER_KILL:
        if (req->signal != 0 && signal_arg(host, req->signal, &sig, err) < 0)
            return -1;
        begin(cli, out, "kill", NULL);
        if (sig != NULL)
            flag(out, "signal", sig);
        break;
    case BERTH_OP_CONTAINER_REMOVE:
        /* podman's rm stops with the container's stop signal and --time first; docker's kills */
        if (req->stop_first && cli->dialect != DOCKER_DIALECT_PODMAN)
            return drv_fail(host, err, BERTH_E_UNSUPPORTED,
                            "%s cannot stop and remove a container in one call", cli->name);
        begin(cli, out, "rm", NULL);
        if (req->force || req->stop_first)
            drv_argv_push(out, "--force");
        if (req->stop_first && req->timeout_s >= 0)
            flag_i64(out, "time", req->timeout_s);
        if (req->volumes)
            drv_argv_push(out, "--volumes");
        break;
    case BERTH_OP_CONTAINER_INSPECT:
        begin(cli, out, "container", "inspect");
        break;
    case BERTH_OP_CONTAINER_WAIT:
        begin(cli, out, "wait", NULL);
        break;
    case BERTH_OP_CONTAINER_PORT:
        begin(cli, out, "port", NULL);
        break;
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not a simple container operation");
    }
    drv_argv_push(out, "--");
    drv_argv_push(out, req->target);
    return 0;
}

/* `kill --signal=SIG -- CTR`. */
int docker_argv_kill(const struct berth_host *host, const struct docker_cli *cli,
                     const char *container, int sig, struct drv_argv *out,
                     struct berth_error **err)
{
    const char *name;
    if (drv_check_name(host, "container", container, err) < 0 ||
        signal_arg(host, sig, &name, err) < 0)
        return -1;
    begin(cli, out, "kill", NULL);
    flag(out, "signal", name);
    drv_argv_push(out, "--");
    drv_argv_push(out, container);
    return 0;
}

/* Label filters: keys non-empty without '=' or control characters. */
int docker_argv_check_filters(const struct berth_host *host, const struct berth_kv *filters,
                              size_t n_filters, struct berth_error **err)
{
    for (size_t i = 0; i < n_filters; i++) {
        if (check_key(host, "label filter", filters[i].key, err) < 0)
            return -1;
        if (filters[i].value != NULL && check_text(host, "label filter", filters[i].value, err) < 0)
            return -1;
    }
    return 0;
}

/*
 * Appends --filter=label=k[=v] for each filter. Podman splits filter values
 * at commas, so such filters stay out of its command line: the parsers
 * filter every listing (and the driver every event) by label anyway.
 */
static void label_filters(const struct docker_cli *cli, struct drv_argv *out,
                          const struct berth_op_req *req)
{
    for (size_t i = 0; i < req->n_filters; i++) {
        if (cli->dialect == DOCKER_DIALECT_PODMAN &&
            (strchr(req->filters[i].key, ',') != NULL ||
             (req->filters[i].value != NULL && strchr(req->filters[i].value, ',') != NULL)))
            continue;
        if (req->filters[i].value != NULL)
            drv_argv_pushf(out, "--filter=label=%s=%s", req->filters[i].key,
                           req->filters[i].value);
        else
            drv_argv_pushf(out, "--filter=label=%s", req->filters[i].key);
    }
}

/* The JSON --format of list commands: podman prints one array, the others a line each. */
static const char *list_format(const struct docker_cli *cli)
{
    return cli->dialect == DOCKER_DIALECT_PODMAN ? "--format=json" : "--format={{json .}}";
}

/* `ps`. */
int docker_argv_ps(const struct berth_host *host, const struct docker_cli *cli,
                   const struct berth_op_req *req, struct drv_argv *out, struct berth_error **err)
{
    if (docker_argv_check_filters(host, req->filters, req->n_filters, err) < 0)
        return -1;
    begin(cli, out, "ps", NULL);
    if (req->all)
        drv_argv_push(out, "--all");
    drv_argv_push(out, "--no-trunc");
    drv_argv_push(out, list_format(cli));
    label_filters(cli, out, req);
    return 0;
}

/* `logs`. */
int docker_argv_logs(const struct berth_host *host, const struct docker_cli *cli,
                     const struct berth_op_req *req, struct drv_argv *out,
                     struct berth_error **err)
{
    if (drv_check_name(host, "container", req->target, err) < 0)
        return -1;
    if (req->since != NULL &&
        (req->since[0] == '\0' || !only_chars(req->since, "0123456789-:.TZtzsmhd+")))
        return drv_fail(host, err, BERTH_E_INVALID,
                        "invalid logs --since '%.*s': use RFC 3339 or a duration like 10m", 60,
                        req->since);
    begin(cli, out, "logs", NULL);
    if (req->follow)
        drv_argv_push(out, "--follow");
    if (req->timestamps)
        drv_argv_push(out, "--timestamps");
    if (req->tail >= 0)
        flag_i64(out, "tail", req->tail);
    if (req->since != NULL)
        flag(out, "since", req->since);
    drv_argv_push(out, "--");
    drv_argv_push(out, req->target);
    return 0;
}

/* `exec`. */
int docker_argv_exec(const struct berth_host *host, const struct docker_cli *cli,
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
    /* podman, docker and nerdctl all return once a --detach exec started */
    if (req->detach)
        drv_argv_push(out, "--detach");
    if (req->interactive)
        drv_argv_push(out, "--interactive");
    if (req->tty)
        drv_argv_push(out, "--tty");
    if (kv_flags(host, out, "env", "environment variable", req->env, req->n_env, false, err) < 0 ||
        opt_flag(host, out, "user", req->user, err) < 0 ||
        opt_flag(host, out, "workdir", req->workdir, err) < 0) {
        drv_argv_free(out);
        return -1;
    }
    drv_argv_push(out, "--");
    drv_argv_push(out, req->target);
    drv_argv_push_all(out, req->argv);
    return 0;
}

/* `top CTR pid ppid args`. */
int docker_argv_top(const struct berth_host *host, const struct docker_cli *cli,
                    const char *container, struct drv_argv *out, struct berth_error **err)
{
    if (drv_check_name(host, "container", container, err) < 0)
        return -1;
    begin(cli, out, "top", NULL);
    drv_argv_push(out, "--");
    drv_argv_push(out, container);
    drv_argv_push(out, "pid");
    drv_argv_push(out, "ppid");
    drv_argv_push(out, "args");
    return 0;
}

/* `exec -- CTR kill -KILL PID...`. */
void docker_argv_exec_kill(const struct docker_cli *cli, const char *container,
                           const char *const *pids, struct drv_argv *out)
{
    begin(cli, out, "exec", NULL);
    drv_argv_push(out, "--");
    drv_argv_push(out, container);
    drv_argv_push(out, "kill");
    drv_argv_push(out, "-KILL");
    drv_argv_push_all(out, pids);
}

/* ----------------------------------------------------------------- images */

/* `image inspect -- REF`. */
int docker_argv_image_inspect(const struct berth_host *host, const struct docker_cli *cli,
                              const char *ref, struct drv_argv *out, struct berth_error **err)
{
    if (drv_check_image(host, ref, err) < 0)
        return -1;
    begin(cli, out, "image", "inspect");
    drv_argv_push(out, "--");
    drv_argv_push(out, ref);
    return 0;
}

/* A build context directory or Dockerfile path: non-empty, not flag-like. */
static int check_path(const struct berth_host *host, const char *what, const char *p,
                      struct berth_error **err)
{
    if (p == NULL || p[0] == '\0')
        return drv_fail(host, err, BERTH_E_INVALID, "%s is empty", what);
    if (!drv_text_clean(p))
        return drv_fail(host, err, BERTH_E_INVALID, "%s contains control characters", what);
    return 0;
}

/* Pull, inspect, list, remove, build. */
int docker_argv_image(const struct berth_host *host, const struct docker_cli *cli,
                      const struct berth_op_req *req, struct drv_argv *out,
                      struct berth_error **err)
{
    switch (req->kind) {
    case BERTH_OP_IMAGE_PULL:
        if (drv_check_image(host, req->target, err) < 0)
            return -1;
        begin(cli, out, "pull", NULL);
        if (req->platform != NULL) {
            if (check_text(host, "platform", req->platform, err) < 0) {
                drv_argv_free(out);
                return -1;
            }
            flag(out, "platform", req->platform);
        }
        drv_argv_push(out, "--");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_IMAGE_INSPECT:
        return docker_argv_image_inspect(host, cli, req->target, out, err);
    case BERTH_OP_IMAGE_REMOVE:
        if (drv_check_image(host, req->target, err) < 0)
            return -1;
        begin(cli, out, "image", "rm");
        if (req->force)
            drv_argv_push(out, "--force");
        drv_argv_push(out, "--");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_IMAGE_LIST:
        if (docker_argv_check_filters(host, req->filters, req->n_filters, err) < 0)
            return -1;
        begin(cli, out, "images", NULL);
        if (req->all)
            drv_argv_push(out, "--all");
        if (cli->dialect != DOCKER_DIALECT_PODMAN)
            drv_argv_push(out, "--no-trunc");
        drv_argv_push(out, list_format(cli));
        label_filters(cli, out, req);
        return 0;
    case BERTH_OP_IMAGE_BUILD: {
        const struct berth_build_spec *b = req->build;
        if (b == NULL)
            return drv_fail(host, err, BERTH_E_INVALID, "image build without a build spec");
        if (check_path(host, "build context", b->context, err) < 0)
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
            if (check_path(host, "dockerfile", b->dockerfile, err) < 0)
                goto fail;
            /* Relative to the context, as compose means it (the CLIs read it from cwd). */
            if (b->dockerfile[0] == '/')
                flag(out, "file", b->dockerfile);
            else
                drv_argv_pushf(out, "--file=%s/%s", b->context, b->dockerfile);
        }
        if (kv_flags(host, out, "build-arg", "build arg", b->args, b->n_args, true, err) < 0 ||
            kv_flags(host, out, "label", "label", b->labels, b->n_labels, false, err) < 0 ||
            opt_flag(host, out, "target", b->target, err) < 0 ||
            opt_flag(host, out, "platform", b->platform, err) < 0)
            goto fail;
        for (const char *const *t = b->tags; *t != NULL; t++)
            flag(out, "tag", *t);
        if (b->pull)
            drv_argv_push(out, cli->dialect == DOCKER_DIALECT_NERDCTL ? "--pull=true" : "--pull");
        if (b->no_cache)
            drv_argv_push(out, "--no-cache");
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

/* --------------------------------------------------------- networks, volumes */

/* Network create, inspect, remove, list. */
int docker_argv_network(const struct berth_host *host, const struct docker_cli *cli,
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
        begin(cli, out, "network", "create");
        if (opt_flag(host, out, "driver", n->driver, err) < 0)
            goto fail;
        if (n->internal) {
            if (cli->dialect == DOCKER_DIALECT_NERDCTL) {
                unsupported(host, cli, "internal networks", err);
                goto fail;
            }
            drv_argv_push(out, "--internal");
        }
        if (n->enable_ipv6)
            drv_argv_push(out, "--ipv6");
        if (n->attachable && cli->dialect == DOCKER_DIALECT_DOCKER)
            drv_argv_push(out, "--attachable");
        if (kv_flags(host, out, "opt", "network option", n->options, n->n_options, false, err) <
                0 ||
            kv_flags(host, out, "label", "label", n->labels, n->n_labels, false, err) < 0)
            goto fail;
        if (n->subnet != NULL) {
            if (!only_chars(n->subnet, "0123456789abcdefABCDEF.:/") || n->subnet[0] == '\0') {
                drv_fail(host, err, BERTH_E_INVALID, "invalid subnet '%.*s'", 60, n->subnet);
                goto fail;
            }
            flag(out, "subnet", n->subnet);
        }
        if (n->gateway != NULL) {
            if (check_addr(host, "gateway", n->gateway, err) < 0)
                goto fail;
            flag(out, "gateway", n->gateway);
        }
        drv_argv_push(out, "--");
        drv_argv_push(out, n->name);
        return 0;
    fail:
        drv_argv_free(out);
        return -1;
    }
    case BERTH_OP_NETWORK_INSPECT:
    case BERTH_OP_NETWORK_REMOVE:
        if (drv_check_name(host, "network", req->target, err) < 0)
            return -1;
        begin(cli, out, "network", req->kind == BERTH_OP_NETWORK_INSPECT ? "inspect" : "rm");
        drv_argv_push(out, "--");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_NETWORK_LIST:
        if (docker_argv_check_filters(host, req->filters, req->n_filters, err) < 0)
            return -1;
        begin(cli, out, "network", "ls");
        if (cli->dialect == DOCKER_DIALECT_DOCKER)
            drv_argv_push(out, "--no-trunc");
        drv_argv_push(out, list_format(cli));
        label_filters(cli, out, req);
        return 0;
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not a network operation");
    }
}

/* Volume create, inspect, remove, list. */
int docker_argv_volume(const struct berth_host *host, const struct docker_cli *cli,
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
        begin(cli, out, "volume", "create");
        if (opt_flag(host, out, "driver", v->driver, err) < 0 ||
            kv_flags(host, out, "opt", "volume option", v->options, v->n_options, false, err) <
                0 ||
            kv_flags(host, out, "label", "label", v->labels, v->n_labels, false, err) < 0) {
            drv_argv_free(out);
            return -1;
        }
        drv_argv_push(out, "--");
        drv_argv_push(out, v->name);
        return 0;
    }
    case BERTH_OP_VOLUME_INSPECT:
    case BERTH_OP_VOLUME_REMOVE:
        if (drv_check_name(host, "volume", req->target, err) < 0)
            return -1;
        begin(cli, out, "volume", req->kind == BERTH_OP_VOLUME_INSPECT ? "inspect" : "rm");
        if (req->kind == BERTH_OP_VOLUME_REMOVE && req->force)
            drv_argv_push(out, "--force");
        drv_argv_push(out, "--");
        drv_argv_push(out, req->target);
        return 0;
    case BERTH_OP_VOLUME_LIST:
        if (docker_argv_check_filters(host, req->filters, req->n_filters, err) < 0)
            return -1;
        begin(cli, out, "volume", "ls");
        drv_argv_push(out, list_format(cli));
        label_filters(cli, out, req);
        return 0;
    default:
        return drv_fail(host, err, BERTH_E_INVALID, "not a volume operation");
    }
}

/* `events` as one JSON object per line. */
int docker_argv_events(const struct berth_host *host, const struct docker_cli *cli,
                       const struct berth_op_req *req, struct drv_argv *out,
                       struct berth_error **err)
{
    if (docker_argv_check_filters(host, req->filters, req->n_filters, err) < 0)
        return -1;
    begin(cli, out, "events", NULL);
    drv_argv_push(out, cli->dialect == DOCKER_DIALECT_PODMAN ? "--format=json"
                                                             : "--format={{json .}}");
    /* nerdctl's events know no label filter: the driver filters what it can. */
    if (cli->dialect != DOCKER_DIALECT_NERDCTL)
        label_filters(cli, out, req);
    return 0;
}
