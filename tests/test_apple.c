/*
 * Unit tests of the Apple `container` driver: command lines (apple-argv.c)
 * and output parsers (apple-parse.c) against fixtures written from the
 * documented Codable formats of apple/container (tests/fixtures/backends/apple).
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

#include "backends/apple-argv.h"
#include "backends/apple-parse.h"
#include "tests/drv-test-host.h"

static const char *const prefix[] = {"container", NULL};
static const struct apple_cli cli = {prefix};
static struct drv_arena arena;

/* Compares an argv with the expected list. */
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
        fail_msg("got %d '%s', want %d with '%s'", berth_error_code(*err),
                 berth_error_message(*err), code, fragment);
    berth_error_clear(err);
}

/* A parser context. */
static struct apple_parse parser(const char *cmd)
{
    struct apple_parse p = {.host = &test_host, .arena = &arena, .cmd = cmd};
    return p;
}

/* A label's value. */
static const char *label(const struct berth_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    drv_arena_init(&arena);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    drv_arena_free(&arena);
    return 0;
}

/* create with what Apple can express; emulated fields silently left to berth. */
static void test_create(void **state)
{
    (void)state;
    static const char *const cmd[] = {"-g", "daemon off;", NULL};
    static const char *const ep[] = {"nginx", "-c", "/etc/n.conf", NULL};
    static const struct berth_kv env[] = {{"A", "1"}, {"B", NULL}};
    static const struct berth_kv labels[] = {{"com.docker.compose.project", "shop"}};
    static const struct berth_port_spec ports[] = {{.target = 80, .published = "8080",
                                                    .host_ip = "127.0.0.1"},
                                                   {.target = 53, .published = "5353",
                                                    .protocol = "udp"}};
    static const struct berth_mount_spec mounts[] = {
        {.type = BERTH_MOUNT_BIND, .source = "/Users/me/html", .target = "/html", .read_only = true},
        {.type = BERTH_MOUNT_VOLUME, .source = "shop_data", .target = "/data"},
        {.type = BERTH_MOUNT_TMPFS, .target = "/tmp"},
    };
    static const char *const aliases[] = {"web", NULL};
    static const struct berth_network_attach nets[] = {{.name = "shop_default", .aliases = aliases}};
    static const char *const dns[] = {"1.1.1.1", NULL};
    struct berth_container_spec s = {
        .image = "nginx:alpine", .name = "shop-web-1", .command = cmd, .entrypoint = ep,
        .env = env, .n_env = 2, .labels = labels, .n_labels = 1, .ports = ports, .n_ports = 2,
        .mounts = mounts, .n_mounts = 3, .networks = nets, .n_networks = 1, .user = "nobody",
        .workdir = "/srv", .dns = dns, .init = true, .stop_signal = "SIGQUIT",
        .stop_grace_seconds = 3, .resources = {.cpus = 1.5, .memory = 100 * 1000 * 1000},
    };
    struct drv_argv a;
    struct berth_error *err = NULL;
    int logs = test_log_count;
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), 0);
    static const char *const want[] = {
        "container", "create", "--name=shop-web-1", "--label=com.docker.compose.project=shop",
        "--env=A=1", "--publish=127.0.0.1:8080:80/tcp", "--publish=5353:53/udp",
        "--mount=type=bind,source=/Users/me/html,target=/html,readonly",
        "--mount=type=volume,source=shop_data,target=/data", "--tmpfs=/tmp",
        "--network=shop_default", "--user=nobody", "--workdir=/srv", "--dns=1.1.1.1",
        "--cpus=2", "--memory=96M", "--entrypoint=nginx", "--", "nginx:alpine", "-c",
        "/etc/n.conf", "-g", "daemon off;", NULL};
    check_argv(&a, want);
    drv_argv_free(&a);
    assert_int_equal(test_log_count, logs + 1);
    assert_non_null(strstr(test_last_log, "no network aliases"));
}

/* What Apple cannot do is refused with the field's name and a hint. */
static void test_create_refused(void **state)
{
    (void)state;
    struct drv_argv a;
    struct berth_error *err = NULL;
    static const char *const caps[] = {"NET_ADMIN", NULL};
    struct berth_container_spec s = {.image = "busybox", .cap_add = caps};
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    assert_non_null(berth_error_hint(err));
    check_err(&err, BERTH_E_UNSUPPORTED, "does not support 'cap_add'");
    s.cap_add = NULL;
    s.read_only = true;
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "'read_only'");
    s.read_only = false;
    struct berth_port_spec p = {.target = 80};
    s.ports = &p;
    s.n_ports = 1;
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "without a host port");
    p.published = "8000-8001";
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "ranges");
    s.n_ports = 0;
    struct berth_mount_spec t = {.type = BERTH_MOUNT_TMPFS, .target = "/t", .tmpfs_size = 10};
    s.mounts = &t;
    s.n_mounts = 1;
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "tmpfs size");
    s.n_mounts = 0;
    s.network_mode = "host";
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "network_mode");
    s.network_mode = NULL;
    s.image = "-it";
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid image reference");
    s.image = "busybox";
    s.name = "--rm";
    assert_int_equal(apple_argv_create(&test_host, &cli, &s, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid container name");
}

/* stop takes the signal (the emulated stop_signal) and the grace time. */
static void test_container_ops(void **state)
{
    (void)state;
    struct drv_argv a;
    struct berth_error *err = NULL;
    struct berth_op_req r = {.kind = BERTH_OP_CONTAINER_STOP, .target = "shop-web-1",
                             .signal = SIGQUIT, .timeout_s = 7};
    assert_int_equal(apple_argv_container(&test_host, &cli, &r, &a, &err), 0);
    static const char *const stop[] = {"container", "stop", "--signal=SIGQUIT", "--time=7",
                                       "shop-web-1", NULL};
    check_argv(&a, stop);
    drv_argv_free(&a);
    r.kind = BERTH_OP_CONTAINER_REMOVE;
    r.force = true;
    assert_int_equal(apple_argv_container(&test_host, &cli, &r, &a, &err), 0);
    static const char *const del[] = {"container", "delete", "--force", "shop-web-1", NULL};
    check_argv(&a, del);
    drv_argv_free(&a);
    r.kind = BERTH_OP_CONTAINER_LOGS;
    r.tail = 20;
    r.follow = true;
    assert_int_equal(apple_argv_logs(&test_host, &cli, &r, &a, &err), 0);
    static const char *const logs[] = {"container", "logs", "--follow", "-n", "20", "shop-web-1",
                                       NULL};
    check_argv(&a, logs);
    drv_argv_free(&a);
    r.timestamps = true;
    assert_int_equal(apple_argv_logs(&test_host, &cli, &r, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "log timestamps");
    static const char *const argv[] = {"--version", NULL};
    struct berth_op_req ex = {.kind = BERTH_OP_CONTAINER_EXEC, .target = "shop-web-1",
                              .argv = argv, .user = "0", .workdir = "/"};
    assert_int_equal(apple_argv_exec(&test_host, &cli, &ex, &a, &err), 0);
    static const char *const exe[] = {"container", "exec", "--user=0", "--workdir=/", "--",
                                      "shop-web-1", "--version", NULL};
    check_argv(&a, exe);
    drv_argv_free(&a);
    ex.detach = true;
    assert_int_equal(apple_argv_exec(&test_host, &cli, &ex, &a, &err), 0);
    static const char *const exd[] = {"container",  "exec",        "--detach",
                                      "--user=0",   "--workdir=/", "--",
                                      "shop-web-1", "--version",   NULL};
    check_argv(&a, exd);
    drv_argv_free(&a);
    ex.interactive = true;
    assert_int_equal(apple_argv_exec(&test_host, &cli, &ex, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "a detached exec cannot be interactive");
    struct berth_op_req bad = {.kind = BERTH_OP_CONTAINER_START, .target = "-a"};
    assert_int_equal(apple_argv_container(&test_host, &cli, &bad, &a, &err), -1);
    check_err(&err, BERTH_E_INVALID, "invalid container name");
}

/* Images, networks, volumes. */
static void test_other_argv(void **state)
{
    (void)state;
    struct drv_argv a;
    struct berth_error *err = NULL;
    struct berth_op_req pull = {.kind = BERTH_OP_IMAGE_PULL, .target = "alpine:3"};
    assert_int_equal(apple_argv_image(&test_host, &cli, &pull, &a, &err), 0);
    static const char *const p[] = {"container", "image", "pull", "--progress=none", "alpine:3",
                                    NULL};
    check_argv(&a, p);
    drv_argv_free(&a);
    static const char *const tags[] = {"shop-web", NULL};
    struct berth_build_spec b = {.context = "/src", .dockerfile = "Dockerfile.dev", .tags = tags,
                                 .no_cache = true};
    struct berth_op_req build = {.kind = BERTH_OP_IMAGE_BUILD, .build = &b};
    assert_int_equal(apple_argv_image(&test_host, &cli, &build, &a, &err), 0);
    static const char *const bd[] = {"container", "build", "--file=/src/Dockerfile.dev",
                                     "--tag=shop-web", "--no-cache", "--", "/src", NULL};
    check_argv(&a, bd);
    drv_argv_free(&a);
    static const struct berth_kv lab[] = {{"com.docker.compose.project", "shop"}};
    struct berth_network_spec n = {.name = "shop_default", .labels = lab, .n_labels = 1};
    struct berth_op_req nc = {.kind = BERTH_OP_NETWORK_CREATE, .network = &n};
    assert_int_equal(apple_argv_network(&test_host, &cli, &nc, &a, &err), 0);
    static const char *const nw[] = {"container", "network", "create",
                                     "--label=com.docker.compose.project=shop", "shop_default",
                                     NULL};
    check_argv(&a, nw);
    drv_argv_free(&a);
    n.internal = true;
    assert_int_equal(apple_argv_network(&test_host, &cli, &nc, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "internal networks");
    struct berth_volume_spec v = {.name = "shop_data", .driver = "nfs"};
    struct berth_op_req vc = {.kind = BERTH_OP_VOLUME_CREATE, .volume = &v};
    assert_int_equal(apple_argv_volume(&test_host, &cli, &vc, &a, &err), -1);
    check_err(&err, BERTH_E_UNSUPPORTED, "volume drivers");
    v.driver = NULL;
    assert_int_equal(apple_argv_volume(&test_host, &cli, &vc, &a, &err), 0);
    static const char *const vo[] = {"container", "volume", "create", "shop_data", NULL};
    check_argv(&a, vo);
    drv_argv_free(&a);
    apple_argv_list(&cli, &a);
    static const char *const ls[] = {"container", "list", "--all", "--format=json", NULL};
    check_argv(&a, ls);
    drv_argv_free(&a);
}

/* list: three containers; running, exited with a code, never started. */
static void test_parse_list(void **state)
{
    (void)state;
    size_t len, n;
    char *text = test_fixture("apple/list.json", &len);
    struct apple_parse p = parser("container list");
    const struct berth_container_info *c;
    struct berth_error *err = NULL;
    assert_int_equal(apple_parse_containers(&p, text, len, NULL, 0, false, &c, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(c[0].id, "shop-web-1");
    assert_string_equal(c[0].name, "shop-web-1");
    assert_string_equal(c[0].image, "docker.io/library/nginx:alpine");
    assert_string_equal(c[0].image_id,
                        "sha256:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
    assert_int_equal(c[0].state, BERTH_CSTATE_RUNNING);
    assert_int_equal(c[0].started_at, 736329073 + APPLE_REFERENCE_DATE);
    assert_int_equal(c[0].created_at, 736329072 + APPLE_REFERENCE_DATE);
    assert_int_equal(c[0].n_networks, 1);
    assert_string_equal(c[0].networks[0].ipv4, "192.168.64.3");
    assert_int_equal(c[0].n_ports, 3); /* count 2 expands */
    assert_int_equal(c[0].ports[2].container_port, 91);
    assert_int_equal(c[0].ports[2].host_port, 9001);
    assert_string_equal(c[0].ports[2].protocol, "udp");
    assert_string_equal(c[0].command[0], "/docker-entrypoint.sh");
    assert_string_equal(c[0].command[3], "daemon off;");
    assert_int_equal(c[1].state, BERTH_CSTATE_EXITED);
    assert_int_equal(c[1].exit_code, 3);
    assert_int_equal(c[2].state, BERTH_CSTATE_CREATED); /* stopped, never started */
    assert_int_equal(c[2].exit_code, -1);               /* not reported */
    assert_string_equal(c[2].networks[0].ipv4, "192.168.64.9"); /* old "address" key */
    static const struct berth_kv f[] = {{"com.docker.compose.project", "shop"}};
    assert_int_equal(apple_parse_containers(&p, text, len, f, 1, false, &c, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(apple_parse_containers(&p, text, len, f, 1, true, &c, &n, &err), 0);
    assert_int_equal(n, 1);
    free(text);
    text = test_fixture("apple/inspect.json", &len);
    assert_int_equal(apple_parse_containers(&p, text, len, NULL, 0, false, &c, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(c->started_at, 1714636273); /* ISO text form */
    assert_int_equal(c->created_at, 1714636272);
    assert_string_equal(label(c->labels, c->n_labels, "com.docker.compose.service"), "web");
    free(text);
}

/* Images, networks, volumes, version, ids, errors. */
static void test_parse_other(void **state)
{
    (void)state;
    size_t len, n;
    struct berth_error *err = NULL;
    struct apple_parse p = parser("container image");
    char *text = test_fixture("apple/image-inspect.json", &len);
    const struct berth_image_info *im;
    assert_int_equal(apple_parse_image_inspect(&p, text, len, &im, &n, &err), 0);
    assert_string_equal(im->id,
                        "sha256:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
    assert_string_equal(im->repo_tags[0], "docker.io/library/nginx:alpine");
    assert_int_equal(im->size, 21495808);
    assert_int_equal(im->created_at, 1713304051);
    assert_non_null(label(im->labels, im->n_labels, "maintainer"));
    free(text);
    text = test_fixture("apple/image-list.json", &len);
    assert_int_equal(apple_parse_images(&p, text, len, NULL, 0, &im, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(im[1].size, 10229);
    static const struct berth_kv f[] = {{"com.docker.compose.project", "shop"}};
    assert_int_equal(apple_parse_images(&p, text, len, f, 1, &im, &n, &err), 0);
    assert_int_equal(n, 0);
    free(text);
    text = test_fixture("apple/network-list.json", &len);
    const struct berth_network_info *nw;
    assert_int_equal(apple_parse_networks(&p, text, len, NULL, 0, &nw, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(apple_parse_networks(&p, text, len, f, 1, &nw, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(nw[0].name, "shop_default");
    assert_false(nw[0].internal);
    assert_true(nw[1].internal); /* hostOnly */
    free(text);
    text = test_fixture("apple/volume-list.json", &len);
    const struct berth_volume_info *vo;
    assert_int_equal(apple_parse_volumes(&p, text, len, NULL, 0, &vo, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(vo[0].driver, "local");
    assert_string_equal(label(vo[0].labels, vo[0].n_labels, "com.docker.compose.volume"), "data");
    free(text);
    text = test_fixture("apple/version.txt", &len);
    const char *v;
    assert_int_equal(apple_parse_version(&p, text, len, &v, &err), 0);
    assert_string_equal(v, "0.5.0");
    free(text);
    assert_int_equal(apple_parse_version(&p, "hello\n", 6, &v, &err), -1);
    check_err(&err, BERTH_E_PARSE, "no version");
    text = test_fixture("apple/create.out", &len);
    const char *id;
    assert_int_equal(apple_parse_id(&p, text, len, &id, &err), 0);
    assert_string_equal(id, "shop-web-1");
    free(text);
    assert_int_equal(apple_parse_id(&p, "two words\n", 10, &id, &err), -1);
    check_err(&err, BERTH_E_PARSE, "expected a name");
    text = test_fixture("apple/err-inspect-missing.txt", &len);
    assert_int_equal(apple_parse_error_code(text), BERTH_E_NOT_FOUND);
    free(text);
    text = test_fixture("apple/err-create-exists.txt", &len);
    assert_int_equal(apple_parse_error_code(text), BERTH_E_EXISTS);
    free(text);
    assert_int_equal(apple_parse_error_code("Error: internalError: boom"), BERTH_E_BACKEND);
}

/* Malformed and truncated output: parse errors naming the command. */
static void test_parse_malformed(void **state)
{
    (void)state;
    size_t len, n;
    struct berth_error *err = NULL;
    struct apple_parse p = parser("container list");
    const struct berth_container_info *c;
    char *text = test_fixture("apple/list.json", &len);
    assert_int_equal(apple_parse_containers(&p, text, len - 10, NULL, 0, false, &c, &n, &err), -1);
    check_err(&err, BERTH_E_PARSE, "container list: malformed JSON");
    free(text);
    static const char *const bad[] = {
        "{}",
        "[1]",
        "[{\"status\":\"running\"}]",
        "[{\"configuration\":{\"id\":\"x\"}}]",
        "[{\"status\":\"running\",\"configuration\":{\"id\":\"x\",\"labels\":[]}}]",
        "[{\"status\":\"running\",\"configuration\":{\"id\":\"x\",\"publishedPorts\":[{\"hostPort\":0,\"containerPort\":1}]}}]",
        "[{\"status\":\"running\",\"configuration\":{\"id\":\"x\"},\"networks\":[{}]}]",
        "[{\"status\":\"running\",\"configuration\":{\"id\":\"x\",\"initProcess\":{\"arguments\":[true]}}}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (apple_parse_containers(&p, bad[i], strlen(bad[i]), NULL, 0, false, &c, &n, &err) != -1)
            fail_msg("case %zu parsed", i);
        check_err(&err, BERTH_E_PARSE, "container list: ");
    }
    const struct berth_image_info *im;
    struct apple_parse pi = parser("container image inspect");
    const char ib[] = "[{\"name\":\"x\"}]";
    assert_int_equal(apple_parse_image_inspect(&pi, ib, sizeof(ib) - 1, &im, &n, &err), -1);
    check_err(&err, BERTH_E_PARSE, "no name or index digest");
    const char ib2[] = "[{\"name\":\"x\",\"index\":{\"digest\":\"d\"},\"variants\":[{\"size\":-1}]}]";
    assert_int_equal(apple_parse_image_inspect(&pi, ib2, sizeof(ib2) - 1, &im, &n, &err), -1);
    check_err(&err, BERTH_E_PARSE, "variant size");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_create_refused),
        cmocka_unit_test(test_container_ops),
        cmocka_unit_test(test_other_argv),
        cmocka_unit_test_setup_teardown(test_parse_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_malformed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
