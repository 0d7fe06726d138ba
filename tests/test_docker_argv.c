/*
 * Unit tests of the docker-protocol driver's command lines (docker-argv.c):
 * the full container spec per dialect, network attachment per dialect, and
 * the safety rules (no value ever read as a flag, names validated).
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backends/docker-argv.h"
#include "tests/drv-test-host.h"

static const char *const podman_prefix[] = {"podman", NULL};
static const char *const docker_prefix[] = {"docker", "--host=unix:///run/d.sock", NULL};
static const char *const lima_prefix[] = {"limactl", "shell", "default", "nerdctl", NULL};
static const struct docker_cli podman = {DOCKER_DIALECT_PODMAN, "podman", podman_prefix};
static const struct docker_cli docker = {DOCKER_DIALECT_DOCKER, "docker", docker_prefix};
static const struct docker_cli lima = {DOCKER_DIALECT_NERDCTL, "nerdctl", lima_prefix};

/* Compares an argv with the expected NULL-terminated list, showing both on a mismatch. */
static void check_argv(struct drv_argv *a, const char *const *want)
{
    const char *const *got = drv_argv_get(a);
    size_t i = 0;
    for (; want[i] != NULL && got[i] != NULL; i++)
        if (strcmp(want[i], got[i]) != 0)
            break;
    if (want[i] != NULL || got[i] != NULL) {
        char *g = drv_argv_join(got), *w = drv_argv_join(want);
        fprintf(stderr, "argv differs at %zu\n got: %s\nwant: %s\n", i, g, w);
        free(g);
        free(w);
        fail();
    }
}

/* Asserts an error code and a message fragment, then frees the error. */
static void check_err(struct berth_error **err, int code, const char *fragment)
{
    assert_non_null(*err);
    if (berth_error_code(*err) != code || strstr(berth_error_message(*err), fragment) == NULL)
        fail_msg("got error %d '%s', want %d with '%s'", berth_error_code(*err),
                 berth_error_message(*err), code, fragment);
    berth_error_clear(err);
}

/* A spec using most fields. */
static const char *const cmd[] = {"-f", "--port", "80", NULL};
static const char *const ep[] = {"/bin/httpd", "-v", NULL};
static const struct berth_kv env[] = {{"FOO", "bar baz"}, {"EMPTY", ""}, {"UNSET", NULL}};
static const struct berth_kv labels[] = {{"com.docker.compose.project", "shop"},
                                         {"com.docker.compose.project.config_files", "a,b"}};
static const struct berth_port_spec ports[] = {
    {.target = 80, .published = "8080", .host_ip = "127.0.0.1"},
    {.target = 53, .protocol = "udp"},
    {.target = 443, .published = "9443", .host_ip = "::1"},
    {.target = 81, .published = "8000-8010"},
};
static const struct berth_mount_spec mounts[] = {
    {.type = BERTH_MOUNT_BIND, .source = "/src/app", .target = "/app", .read_only = true,
     .propagation = "rprivate"},
    {.type = BERTH_MOUNT_VOLUME, .source = "shop_data", .target = "/data"},
    {.type = BERTH_MOUNT_VOLUME, .target = "/anon"},
    {.type = BERTH_MOUNT_TMPFS, .target = "/scratch", .tmpfs_size = 1048576, .tmpfs_mode = 01777},
};
static const char *const web_aliases[] = {"web", "www", NULL};
static const char *const back_aliases[] = {"api", NULL};
static const struct berth_network_attach nets[] = {
    {.name = "shop_default", .aliases = web_aliases},
    {.name = "shop_back", .aliases = back_aliases, .ipv4_address = "10.5.0.7"},
};
static const char *const caps_add[] = {"NET_ADMIN", NULL};
static const char *const caps_drop[] = {"ALL", NULL};
static const char *const secopt[] = {"no-new-privileges", NULL};
static const char *const dns[] = {"10.0.0.53", NULL};
static const char *const hosts[] = {"db.local:10.0.0.5", "cache=10.0.0.6", NULL};
static const struct berth_ulimit ulimits[] = {{"nofile", 1024, 2048}};

/* The spec shared by the create tests. */
static struct berth_container_spec full_spec(void)
{
    struct berth_container_spec s = {
        .image = "nginx:1.25", .name = "shop-web-1", .command = cmd, .entrypoint = ep,
        .env = env, .n_env = 3, .labels = labels, .n_labels = 2, .ports = ports, .n_ports = 4,
        .mounts = mounts, .n_mounts = 4, .networks = nets, .n_networks = 2, .user = "-1000:0",
        .workdir = "/app", .hostname = "web", .read_only = true, .init = true, .cap_add = caps_add,
        .cap_drop = caps_drop, .security_opt = secopt, .dns = dns, .extra_hosts = hosts,
        .ulimits = ulimits, .n_ulimits = 1, .stop_signal = "SIGINT", .stop_grace_seconds = 5,
        .resources = {.memory = 67108864, .cpus = 0.5, .pids_limit = 100},
    };
    return s;
}

/* Podman: every network at create as name:alias=...; entrypoint as a JSON array. */
static void test_create_podman(void **state)
{
    (void)state;
    struct berth_container_spec s = full_spec();
    struct drv_argv a;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), 0);
    assert_int_equal(n_conn, 0);
    assert_null(conn);
    static const char *const want[] = {
        "podman", "create", "--name=shop-web-1", "--restart=no",
        "--label=com.docker.compose.project=shop",
        "--label=com.docker.compose.project.config_files=a,b", "--env=FOO=bar baz", "--env=EMPTY=",
        "--publish=127.0.0.1:8080:80", "--publish=53/udp", "--publish=[::1]:9443:443",
        "--publish=8000-8010:81",
        "--mount=type=bind,source=/src/app,target=/app,ro,bind-propagation=rprivate",
        "--mount=type=volume,source=shop_data,target=/data", "--mount=type=volume,target=/anon",
        "--mount=type=tmpfs,target=/scratch,tmpfs-size=1048576,tmpfs-mode=1777",
        "--network=shop_default:alias=web,alias=www", "--network=shop_back:alias=api,ip=10.5.0.7",
        "--user=-1000:0", "--workdir=/app", "--hostname=web", "--read-only",
        "--read-only-tmpfs=false", "--init",
        "--cap-add=NET_ADMIN", "--cap-drop=ALL", "--security-opt=no-new-privileges",
        "--dns=10.0.0.53", "--add-host=db.local:10.0.0.5", "--add-host=cache:10.0.0.6",
        "--ulimit=nofile=1024:2048", "--memory=67108864", "--cpus=0.5", "--pids-limit=100",
        "--stop-signal=SIGINT", "--stop-timeout=5", "--entrypoint=[\"/bin/httpd\",\"-v\"]", "--",
        "nginx:1.25", "-f", "--port", "80", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
}

/* Create and start in one call: `run --detach --cidfile=F`, then the very same flags. */
static void test_run_detached_podman(void **state)
{
    (void)state;
    struct berth_container_spec s = full_spec();
    struct drv_argv created, ran;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &created, &conn, &n_conn, &err),
                     0);
    assert_int_equal(docker_argv_run_detached(&test_host, &podman, &s, "/tmp/berth-cid.x/1", &ran,
                                              &conn, &n_conn, &err),
                     0);
    assert_int_equal(n_conn, 0);
    const char *const *c = drv_argv_get(&created), *const *r = drv_argv_get(&ran);
    assert_string_equal(r[0], "podman");
    assert_string_equal(r[1], "run");
    assert_string_equal(r[2], "--detach");
    assert_string_equal(r[3], "--cidfile=/tmp/berth-cid.x/1");
    assert_string_equal(c[1], "create");
    assert_int_equal(ran.n, created.n + 2);
    for (size_t i = 2; i < created.n; i++)
        assert_string_equal(r[i + 2], c[i]);
    drv_argv_free(&created);
    drv_argv_free(&ran);
}

/* Docker: the first network with --network-alias, the rest through `network connect`. */
static void test_create_docker(void **state)
{
    (void)state;
    struct berth_container_spec s = full_spec();
    s.n_mounts = 1;
    s.n_ports = 1;
    s.extra_hosts = NULL;
    struct drv_argv a;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), 0);
    static const char *const want[] = {
        "docker", "--host=unix:///run/d.sock", "create", "--name=shop-web-1", "--restart=no",
        "--label=com.docker.compose.project=shop",
        "--label=com.docker.compose.project.config_files=a,b", "--env=FOO=bar baz", "--env=EMPTY=",
        "--publish=127.0.0.1:8080:80",
        "--mount=type=bind,source=/src/app,target=/app,readonly,bind-propagation=rprivate",
        "--network=shop_default", "--network-alias=web", "--network-alias=www", "--user=-1000:0",
        "--workdir=/app", "--hostname=web", "--read-only", "--init", "--cap-add=NET_ADMIN",
        "--cap-drop=ALL", "--security-opt=no-new-privileges", "--dns=10.0.0.53",
        "--ulimit=nofile=1024:2048", "--memory=67108864", "--cpus=0.5", "--pids-limit=100",
        "--stop-signal=SIGINT", "--stop-timeout=5",
        /* the entrypoint's first word; the rest heads the command */
        "--entrypoint=/bin/httpd", "--", "nginx:1.25", "-v", "-f", "--port", "80", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
    assert_int_equal(n_conn, 1);
    assert_ptr_equal(conn[0], &nets[1]);
    assert_int_equal(docker_argv_network_connect(&test_host, &docker, conn[0], &a, &err), 0);
    static const char *const want_conn[] = {"docker", "--host=unix:///run/d.sock", "network",
                                            "connect", "--alias=api", "--ip=10.5.0.7", "--",
                                            "shop_back", NULL};
    check_argv(&a, want_conn);
    drv_argv_free(&a);
    free(conn);
}

/* Lima/nerdctl: the prefix, several --network, aliases not settable (logged). */
static void test_create_lima(void **state)
{
    (void)state;
    struct berth_container_spec s = {.image = "busybox", .networks = nets, .n_networks = 1,
                                     .stop_grace_seconds = -1};
    struct drv_argv a;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    int logs = test_log_count;
    assert_int_equal(docker_argv_create(&test_host, &lima, &s, &a, &conn, &n_conn, &err), 0);
    static const char *const want[] = {"limactl", "shell", "default", "nerdctl", "create",
                                       "--restart=no", "--network=shop_default", "--",
                                       "busybox", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
    assert_int_equal(test_log_count, logs + 1);
    assert_non_null(strstr(test_last_log, "no network aliases"));

    /* Fields nerdctl has no flag for are refused, not dropped. */
    s.domainname = "example.org";
    assert_int_equal(docker_argv_create(&test_host, &lima, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "nerdctl does not support 'domainname'");
}

/* Entrypoint edge cases: empty (reset) and a single word. */
static void test_create_entrypoint(void **state)
{
    (void)state;
    static const char *const empty[] = {NULL};
    static const char *const one[] = {"/entry", NULL};
    struct berth_container_spec s = {.image = "img", .entrypoint = empty, .stop_grace_seconds = -1};
    struct drv_argv a;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), 0);
    static const char *const want1[] = {"docker", "--host=unix:///run/d.sock", "create",
                                        "--restart=no", "--entrypoint=", "--", "img", NULL};
    check_argv(&a, want1);
    drv_argv_free(&a);
    s.entrypoint = one;
    s.command = cmd;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), 0);
    static const char *const want2[] = {"podman", "create", "--restart=no",
                                        "--entrypoint=[\"/entry\"]", "--", "img", "-f", "--port",
                                        "80", NULL};
    check_argv(&a, want2);
    drv_argv_free(&a);
}

/* Mount forms per dialect: SELinux relabel, nocopy, tmpfs options, refused characters. */
static void test_create_mounts(void **state)
{
    (void)state;
    struct berth_mount_spec m = {.type = BERTH_MOUNT_BIND, .source = "/src", .target = "/dst",
                                 .selinux = "Z", .read_only = true};
    struct berth_container_spec s = {.image = "img", .mounts = &m, .n_mounts = 1,
                                     .stop_grace_seconds = -1};
    struct drv_argv a;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), 0);
    assert_string_equal(a.v[3], "--mount=type=bind,source=/src,target=/dst,ro,relabel=private");
    drv_argv_free(&a);
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), 0);
    assert_string_equal(a.v[4], "--volume=/src:/dst:ro,Z");
    drv_argv_free(&a);
    assert_int_equal(docker_argv_create(&test_host, &lima, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "SELinux");

    struct berth_mount_spec v = {.type = BERTH_MOUNT_VOLUME, .source = "vol", .target = "/d",
                                 .no_copy = true};
    s.mounts = &v;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), 0);
    assert_string_equal(a.v[3], "--volume=vol:/d:nocopy");
    drv_argv_free(&a);
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), 0);
    assert_string_equal(a.v[4], "--mount=type=volume,source=vol,target=/d,volume-nocopy");
    drv_argv_free(&a);

    struct berth_mount_spec t = {.type = BERTH_MOUNT_TMPFS, .target = "/run", .tmpfs_size = 4096,
                                 .tmpfs_options = "noexec,nosuid"};
    s.mounts = &t;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), 0);
    assert_string_equal(a.v[3], "--tmpfs=/run:size=4096,noexec,nosuid");
    drv_argv_free(&a);

    /* A comma would split the mount options: refused with a hint. */
    struct berth_mount_spec c = {.type = BERTH_MOUNT_BIND, .source = "/a,b", .target = "/x"};
    s.mounts = &c;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    assert_non_null(berth_error_hint(err));
    check_err(&err, BERTH_E_INVALID, "mount source '/a,b'");
    struct berth_mount_spec np = {.type = BERTH_MOUNT_NPIPE, .source = "x", .target = "y"};
    s.mounts = &np;
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "named pipe");
    struct berth_mount_spec bv = {.type = BERTH_MOUNT_VOLUME, .source = "-v", .target = "/x"};
    s.mounts = &bv;
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid volume name '-v'");
}

/* Nothing from the spec can become a flag or an option of the runtime. */
static void test_create_safety(void **state)
{
    (void)state;
    struct drv_argv a;
    const struct berth_network_attach **conn;
    size_t n_conn;
    struct berth_error *err = NULL;
    struct berth_container_spec s = {.image = "--privileged", .stop_grace_seconds = -1};
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid image reference '--privileged'");
    s.image = "img name";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "blanks");
    s.image = "img";
    s.name = "-x";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid container name '-x'");
    s.name = "a/b";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "must match");
    s.name = NULL;
    static const struct berth_kv badlabel[] = {{"a=b", "c"}};
    s.labels = badlabel;
    s.n_labels = 1;
    assert_int_equal(docker_argv_create(&test_host, &docker, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "label key 'a=b'");
    s.labels = NULL;
    s.n_labels = 0;
    static const char *const bad_alias[] = {"x,alias=evil", NULL};
    struct berth_network_attach n = {.name = "net", .aliases = bad_alias};
    s.networks = &n;
    s.n_networks = 1;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "network alias");
    n.aliases = NULL;
    n.ipv4_address = "10.0.0.1,mac=x";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid IPv4 address");
    s.networks = NULL;
    s.n_networks = 0;
    s.network_mode = "container:--x";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid container name");
    s.network_mode = "host";
    struct berth_port_spec p = {.target = 80, .published = "80:81"};
    s.ports = &p;
    s.n_ports = 1;
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "not a port or a range");
    s.ports = NULL;
    s.n_ports = 0;
    s.pull_policy = "build";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "pull policy");
    s.pull_policy = NULL;
    s.user = "root\nX";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), -1);
    check_err(&err, BERTH_E_INVALID, "control characters");
    /* A value starting with '-' stays inside its own flag element. */
    s.user = "--privileged";
    s.workdir = "-w";
    assert_int_equal(docker_argv_create(&test_host, &podman, &s, &a, &conn, &n_conn, &err), 0);
    static const char *const want[] = {"podman",  "create", "--restart=no",
                                       "--network=host", "--user=--privileged", "--workdir=-w",
                                       "--",      "img",    NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
}

/* Start/stop/kill/rm/inspect/wait/port: target after "--", names checked. */
static void test_container_ops(void **state)
{
    (void)state;
    struct drv_argv a;
    struct berth_error *err = NULL;
    struct berth_op_req r = {.kind = BERTH_OP_CONTAINER_STOP, .target = "web", .timeout_s = 3,
                             .signal = SIGUSR1};
    assert_int_equal(docker_argv_container(&test_host, &podman, &r, &a, &err), 0);
    static const char *const stop[] = {"podman", "stop", "--time=3", "--", "web", NULL};
    check_argv(&a, stop);
    drv_argv_free(&a);
    r.timeout_s = -1;
    assert_int_equal(docker_argv_container(&test_host, &podman, &r, &a, &err), 0);
    static const char *const stop2[] = {"podman", "stop", "--", "web", NULL};
    check_argv(&a, stop2);
    drv_argv_free(&a);
    assert_int_equal(docker_argv_kill(&test_host, &podman, "web", SIGUSR1, &a, &err), 0);
    static const char *const kill1[] = {"podman", "kill", "--signal=SIGUSR1", "--", "web", NULL};
    check_argv(&a, kill1);
    drv_argv_free(&a);
    assert_int_equal(docker_argv_kill(&test_host, &podman, "web", 99, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "unknown signal 99");
    struct berth_op_req rm = {.kind = BERTH_OP_CONTAINER_REMOVE, .target = "web", .force = true,
                              .volumes = true};
    assert_int_equal(docker_argv_container(&test_host, &docker, &rm, &a, &err), 0);
    static const char *const rmv[] = {"docker", "--host=unix:///run/d.sock", "rm", "--force",
                                      "--volumes", "--", "web", NULL};
    check_argv(&a, rmv);
    drv_argv_free(&a);
    /* stop and remove in one call: podman's rm stops with the stop signal and --time first */
    struct berth_op_req rms = {.kind = BERTH_OP_CONTAINER_REMOVE,
                               .target = "web",
                               .stop_first = true,
                               .timeout_s = 7,
                               .volumes = true};
    assert_int_equal(docker_argv_container(&test_host, &podman, &rms, &a, &err), 0);
    static const char *const rmstop[] = {"podman",    "rm", "--force", "--time=7",
                                         "--volumes", "--", "web",     NULL};
    check_argv(&a, rmstop);
    drv_argv_free(&a);
    /* docker's rm --force kills at once: refused, the engine stops first */
    assert_int_equal(docker_argv_container(&test_host, &docker, &rms, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "cannot stop and remove a container in one call");
    struct berth_op_req in = {.kind = BERTH_OP_CONTAINER_INSPECT, .target = "0123abcd"};
    assert_int_equal(docker_argv_container(&test_host, &lima, &in, &a, &err), 0);
    static const char *const insp[] = {"limactl", "shell", "default", "nerdctl", "container",
                                       "inspect", "--", "0123abcd", NULL};
    check_argv(&a, insp);
    drv_argv_free(&a);
    struct berth_op_req bad = {.kind = BERTH_OP_CONTAINER_START, .target = "--all"};
    assert_int_equal(docker_argv_container(&test_host, &podman, &bad, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid container name '--all'");
    bad.target = NULL;
    assert_int_equal(docker_argv_container(&test_host, &podman, &bad, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "container name is empty");
}

/* exec: flags before "--", the command verbatim after the container. */
static void test_exec(void **state)
{
    (void)state;
    static const char *const argv[] = {"--help", "-c", "x", NULL};
    static const struct berth_kv xenv[] = {{"A", "-1"}};
    struct berth_op_req r = {.kind = BERTH_OP_CONTAINER_EXEC, .target = "web", .argv = argv,
                             .env = xenv, .n_env = 1, .user = "nobody", .workdir = "/tmp",
                             .interactive = true, .tty = true};
    struct drv_argv a;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_exec(&test_host, &podman, &r, &a, &err), 0);
    static const char *const want[] = {"podman", "exec", "--interactive", "--tty", "--env=A=-1",
                                       "--user=nobody", "--workdir=/tmp", "--", "web", "--help",
                                       "-c", "x", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
    /* detached: --detach, never -i/-t */
    r.interactive = false;
    r.tty = false;
    r.detach = true;
    assert_int_equal(docker_argv_exec(&test_host, &podman, &r, &a, &err), 0);
    static const char *const want_d[] = {
        "podman", "exec", "--detach", "--env=A=-1", "--user=nobody", "--workdir=/tmp", "--", "web",
        "--help", "-c",   "x",        NULL};
    check_argv(&a, want_d);
    drv_argv_free(&a);
    r.tty = true;
    assert_int_equal(docker_argv_exec(&test_host, &podman, &r, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "a detached exec cannot be interactive");
    r.tty = false;
    r.argv = NULL;
    assert_int_equal(docker_argv_exec(&test_host, &podman, &r, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "exec needs a command");
}

/* logs flags and --since validation. */
static void test_logs(void **state)
{
    (void)state;
    struct berth_op_req r = {.kind = BERTH_OP_CONTAINER_LOGS, .target = "web", .follow = true,
                             .timestamps = true, .tail = 10, .since = "2024-01-02T03:04:05Z"};
    struct drv_argv a;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_logs(&test_host, &podman, &r, &a, &err), 0);
    static const char *const want[] = {"podman", "logs", "--follow", "--timestamps", "--tail=10",
                                       "--since=2024-01-02T03:04:05Z", "--", "web", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
    r.since = "10m; rm -rf /";
    assert_int_equal(docker_argv_logs(&test_host, &podman, &r, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid logs --since");
}

/* Listing formats per dialect; podman never gets a filter with a comma. */
static void test_lists(void **state)
{
    (void)state;
    static const struct berth_kv f[] = {{"com.docker.compose.project", "shop"},
                                        {"present", NULL},
                                        {"odd", "a,b"}};
    struct berth_op_req r = {.kind = BERTH_OP_CONTAINER_LIST, .all = true, .filters = f,
                             .n_filters = 3};
    struct drv_argv a;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_ps(&test_host, &podman, &r, &a, &err), 0);
    static const char *const ps_p[] = {"podman", "ps", "--all", "--no-trunc", "--format=json",
                                       "--filter=label=com.docker.compose.project=shop",
                                       "--filter=label=present", NULL};
    check_argv(&a, ps_p);
    drv_argv_free(&a);
    assert_int_equal(docker_argv_ps(&test_host, &docker, &r, &a, &err), 0);
    static const char *const ps_d[] = {
        "docker", "--host=unix:///run/d.sock", "ps", "--all", "--no-trunc",
        "--format={{json .}}", "--filter=label=com.docker.compose.project=shop",
        "--filter=label=present", "--filter=label=odd=a,b", NULL};
    check_argv(&a, ps_d);
    drv_argv_free(&a);
    r.kind = BERTH_OP_EVENTS;
    assert_int_equal(docker_argv_events(&test_host, &lima, &r, &a, &err), 0);
    static const char *const ev_l[] = {"limactl", "shell", "default", "nerdctl", "events",
                                       "--format={{json .}}", NULL};
    check_argv(&a, ev_l);
    drv_argv_free(&a);
    r.n_filters = 1;
    assert_int_equal(docker_argv_events(&test_host, &podman, &r, &a, &err), 0);
    static const char *const ev_p[] = {"podman", "events", "--format=json",
                                       "--filter=label=com.docker.compose.project=shop", NULL};
    check_argv(&a, ev_p);
    drv_argv_free(&a);
    r.kind = BERTH_OP_NETWORK_LIST;
    assert_int_equal(docker_argv_network(&test_host, &docker, &r, &a, &err), 0);
    static const char *const nl[] = {"docker", "--host=unix:///run/d.sock", "network", "ls",
                                     "--no-trunc", "--format={{json .}}",
                                     "--filter=label=com.docker.compose.project=shop", NULL};
    check_argv(&a, nl);
    drv_argv_free(&a);
    r.kind = BERTH_OP_VOLUME_LIST;
    assert_int_equal(docker_argv_volume(&test_host, &podman, &r, &a, &err), 0);
    static const char *const vl[] = {"podman", "volume", "ls", "--format=json",
                                     "--filter=label=com.docker.compose.project=shop", NULL};
    check_argv(&a, vl);
    drv_argv_free(&a);
    r.kind = BERTH_OP_IMAGE_LIST;
    r.n_filters = 0;
    assert_int_equal(docker_argv_image(&test_host, &docker, &r, &a, &err), 0);
    static const char *const il[] = {"docker", "--host=unix:///run/d.sock", "images", "--all",
                                     "--no-trunc", "--format={{json .}}", NULL};
    check_argv(&a, il);
    drv_argv_free(&a);
    static const struct berth_kv badf[] = {{"", "x"}};
    r.filters = badf;
    r.n_filters = 1;
    assert_int_equal(docker_argv_image(&test_host, &docker, &r, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "empty key");
}

/* Images: pull, build (dockerfile relative to the context, a tag required), remove. */
static void test_images(void **state)
{
    (void)state;
    struct drv_argv a;
    struct berth_error *err = NULL;
    struct berth_op_req pull = {.kind = BERTH_OP_IMAGE_PULL, .target = "alpine:3",
                                .platform = "linux/arm64"};
    assert_int_equal(docker_argv_image(&test_host, &podman, &pull, &a, &err), 0);
    static const char *const want_pull[] = {"podman", "pull", "--platform=linux/arm64", "--",
                                            "alpine:3", NULL};
    check_argv(&a, want_pull);
    drv_argv_free(&a);
    static const char *const tags[] = {"shop-web", "shop-web:1", NULL};
    static const struct berth_kv args[] = {{"V", "1"}, {"FROM_ENV", NULL}};
    struct berth_build_spec b = {.context = "/src/shop", .dockerfile = "docker/Dockerfile",
                                 .args = args, .n_args = 2, .target = "prod", .tags = tags,
                                 .no_cache = true, .pull = true};
    struct berth_op_req build = {.kind = BERTH_OP_IMAGE_BUILD, .build = &b};
    assert_int_equal(docker_argv_image(&test_host, &podman, &build, &a, &err), 0);
    static const char *const want_build[] = {
        "podman", "build", "--file=/src/shop/docker/Dockerfile", "--build-arg=V=1",
        "--build-arg=FROM_ENV", "--target=prod", "--tag=shop-web", "--tag=shop-web:1", "--pull",
        "--no-cache", "--", "/src/shop", NULL};
    check_argv(&a, want_build);
    drv_argv_free(&a);
    b.tags = NULL;
    assert_int_equal(docker_argv_image(&test_host, &podman, &build, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "at least one tag");
    struct berth_op_req rm = {.kind = BERTH_OP_IMAGE_REMOVE, .target = "-f", .force = true};
    assert_int_equal(docker_argv_image(&test_host, &podman, &rm, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid image reference");
}

/* Network and volume create with their options; nerdctl refuses internal networks. */
static void test_network_volume_create(void **state)
{
    (void)state;
    static const struct berth_kv opts[] = {{"com.docker.network.bridge.name", "br-shop"}};
    static const struct berth_kv lab[] = {{"com.docker.compose.network", "default"}};
    struct berth_network_spec n = {.name = "shop_default", .driver = "bridge", .internal = true,
                                   .enable_ipv6 = true, .attachable = true, .options = opts,
                                   .n_options = 1, .labels = lab, .n_labels = 1,
                                   .subnet = "10.9.0.0/24", .gateway = "10.9.0.1"};
    struct berth_op_req r = {.kind = BERTH_OP_NETWORK_CREATE, .network = &n};
    struct drv_argv a;
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_network(&test_host, &docker, &r, &a, &err), 0);
    static const char *const want[] = {
        "docker", "--host=unix:///run/d.sock", "network", "create", "--driver=bridge",
        "--internal", "--ipv6", "--attachable", "--opt=com.docker.network.bridge.name=br-shop",
        "--label=com.docker.compose.network=default", "--subnet=10.9.0.0/24",
        "--gateway=10.9.0.1", "--", "shop_default", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
    assert_int_equal(docker_argv_network(&test_host, &lima, &r, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "internal networks");
    n.internal = false;
    n.subnet = "10.9.0.0/24 --x";
    assert_int_equal(docker_argv_network(&test_host, &podman, &r, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid subnet");
    struct berth_volume_spec v = {.name = "shop_data", .driver = "local", .labels = lab,
                                  .n_labels = 1};
    struct berth_op_req vr = {.kind = BERTH_OP_VOLUME_CREATE, .volume = &v};
    assert_int_equal(docker_argv_volume(&test_host, &podman, &vr, &a, &err), 0);
    static const char *const wantv[] = {"podman", "volume", "create", "--driver=local",
                                        "--label=com.docker.compose.network=default", "--",
                                        "shop_data", NULL};
    check_argv(&a, wantv);
    drv_argv_free(&a);
    struct berth_op_req rmv = {.kind = BERTH_OP_VOLUME_REMOVE, .target = "shop_data",
                               .force = true};
    assert_int_equal(docker_argv_volume(&test_host, &podman, &rmv, &a, &err), 0);
    static const char *const wantr[] = {"podman", "volume", "rm", "--force", "--", "shop_data",
                                        NULL};
    check_argv(&a, wantr);
    drv_argv_free(&a);
}

/* Probe commands; top and the in-container kill of the exec reaper. */
static void test_probe_and_reaper(void **state)
{
    (void)state;
    struct drv_argv a;
    docker_argv_probe(&podman, &a);
    static const char *const pp[] = {"podman", "version", "--format=json", NULL};
    check_argv(&a, pp);
    drv_argv_free(&a);
    /* a local podman's runtime check: opens storage and the state DB, lists nothing */
    docker_argv_probe_runtime(&podman, &a);
    static const char *const pr[] = {"podman", "ps", "--all", "--quiet",
                                     "--filter=label=io.berth.probe", NULL};
    check_argv(&a, pr);
    drv_argv_free(&a);
    docker_argv_probe(&lima, &a);
    static const char *const pl[] = {"limactl", "shell",   "default", "nerdctl",
                                     "version", "--format={{json .}}", NULL};
    check_argv(&a, pl);
    drv_argv_free(&a);
    struct berth_error *err = NULL;
    assert_int_equal(docker_argv_top(&test_host, &podman, "web", &a, &err), 0);
    static const char *const top[] = {"podman", "top", "--", "web", "pid", "ppid", "args", NULL};
    check_argv(&a, top);
    drv_argv_free(&a);
    static const char *const pids[] = {"6", "9", NULL};
    docker_argv_exec_kill(&podman, "web", pids, &a);
    static const char *const k[] = {"podman", "exec", "--", "web", "kill", "-KILL", "6", "9",
                                    NULL};
    check_argv(&a, k);
    drv_argv_free(&a);
}

/* drv-util: names, times, sizes, label matching. */
static void test_util(void **state)
{
    (void)state;
    assert_true(drv_name_valid("a"));
    assert_true(drv_name_valid("shop-web_1.x"));
    assert_false(drv_name_valid("-a"));
    assert_false(drv_name_valid("_a"));
    assert_false(drv_name_valid("a b"));
    assert_false(drv_name_valid("a:b"));
    assert_false(drv_name_valid(""));
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[299] = '\0';
    assert_false(drv_name_valid(longname));
    int64_t t;
    assert_int_equal(drv_parse_time("2026-11-28T13:53:15.658427011Z", &t), 0);
    assert_int_equal(t, 1795873995);
    assert_int_equal(drv_parse_time("2026-11-28 13:53:51 +0000 UTC", &t), 0);
    assert_int_equal(t, 1795874031);
    assert_int_equal(drv_parse_time("2024-05-02 10:11:12 +0200 CEST", &t), 0);
    assert_int_equal(t, 1714637472);
    assert_int_equal(drv_parse_time("2024-05-02T10:11:12+02:00", &t), 0);
    assert_int_equal(t, 1714637472);
    assert_int_equal(drv_parse_time("0001-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(drv_parse_time("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(drv_parse_time("2000-02-29T00:00:00Z", &t), 0);
    assert_int_equal(t, 951782400);
    assert_int_equal(drv_parse_time("2024-13-01T00:00:00Z", &t), -1);
    assert_int_equal(drv_parse_time("2024-01-01T00:00:00", &t), -1);
    assert_int_equal(drv_parse_time("2024-01-01T00:00:00Zjunk", &t), -1);
    assert_int_equal(drv_parse_time("yesterday", &t), -1);
    assert_int_equal(drv_parse_time("", &t), -1);
    int64_t sz;
    assert_true(drv_parse_size("2.13MB", &sz));
    assert_int_equal(sz, 2130000);
    assert_true(drv_parse_size("12B", &sz));
    assert_int_equal(sz, 12);
    assert_true(drv_parse_size("1.5 GiB", &sz));
    assert_int_equal(sz, 1610612736);
    assert_false(drv_parse_size("12XB", &sz));
    assert_false(drv_parse_size("-1B", &sz));
    static const struct berth_kv l[] = {{"a", "1"}, {"b", ""}};
    static const struct berth_kv f1[] = {{"a", "1"}, {"b", NULL}};
    static const struct berth_kv f2[] = {{"a", "2"}};
    static const struct berth_kv f3[] = {{"c", NULL}};
    assert_true(drv_labels_match(l, 2, f1, 2));
    assert_false(drv_labels_match(l, 2, f2, 1));
    assert_false(drv_labels_match(l, 2, f3, 1));
    assert_true(drv_labels_match(NULL, 0, NULL, 0));
    struct drv_buf b;
    drv_buf_init(&b);
    drv_buf_add_tail(&b, "abcdef", 6, 4);
    assert_string_equal(b.p, "cdef");
    drv_buf_add_tail(&b, "gh", 2, 4);
    assert_string_equal(b.p, "efgh");
    drv_buf_free(&b);
    assert_string_equal(drv_signal_name(SIGTERM), "SIGTERM");
    assert_null(drv_signal_name(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_podman),
        cmocka_unit_test(test_run_detached_podman),
        cmocka_unit_test(test_create_docker),
        cmocka_unit_test(test_create_lima),
        cmocka_unit_test(test_create_entrypoint),
        cmocka_unit_test(test_create_mounts),
        cmocka_unit_test(test_create_safety),
        cmocka_unit_test(test_container_ops),
        cmocka_unit_test(test_exec),
        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_network_volume_create),
        cmocka_unit_test(test_probe_and_reaper),
        cmocka_unit_test(test_util),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
