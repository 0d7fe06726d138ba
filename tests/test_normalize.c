/* Tests of compose/syntax.c and compose/normalize.c: short syntaxes, units, the model. */
#include "config.h"

#include <jansson.h>

#include "compose/syntax.h"
#include "compose/project-internal.h"
#include "tests/compose_test.h"

/* The compact sorted JSON of a value (malloc'd). */
static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
}

static void assert_json(const json_t *j, const char *want)
{
    char *got = dump(j);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("got:\n  %s\nwanted:\n  %s", got ? got : "(null)", want);
    free(got);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } ok[] = {{"10s", "10s"},   {"1m30s", "1m30s"}, {"90s", "1m30s"},    {"500ms", "500ms"},
              {"2h", "2h0m0s"}, {"1.5s", "1.5s"},   {"0", "0s"},         {"1d", "24h0m0s"},
              {"100us", "100\xc2\xb5s"}, {"3ns", "3ns"}, {"1h2m3.5s", "1h2m3.5s"}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t ns;
        assert_true(syntax_duration(ok[i].in, &ns));
        char *s = syntax_duration_string(ns);
        assert_string_equal(s, ok[i].out);
        free(s);
    }
    static const char *const bad[] = {"5x", "", "10", "s", "1.s5", "--1s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ns;
        if (syntax_duration(bad[i], &ns))
            fail_msg("accepted bad duration \"%s\"", bad[i]);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    int64_t v;
    assert_true(syntax_bytes("1024", &v));
    assert_int_equal(v, 1024);
    assert_true(syntax_bytes("512m", &v));
    assert_int_equal(v, 512LL * 1024 * 1024);
    assert_true(syntax_bytes("2gb", &v));
    assert_int_equal(v, 2147483648LL);
    assert_true(syntax_bytes("1.5k", &v));
    assert_int_equal(v, 1536);
    assert_true(syntax_bytes("1 GiB", &v));
    assert_int_equal(v, 1073741824LL);
    assert_false(syntax_bytes("lots", &v));
    assert_false(syntax_bytes("-1", &v));
    assert_false(syntax_bytes("1x", &v));
}

/* Parses a port spec into a JSON array (or NULL with the message in *msg). */
static json_t *ports(const char *spec, char **msg)
{
    json_t *a = json_array();
    struct syntax_err e = {0};
    if (!syntax_ports(spec, a, &e)) {
        json_decref(a);
        *msg = strdup(e.msg);
        syntax_err_clear(&e);
        return NULL;
    }
    return a;
}

static void test_ports(void **state)
{
    (void)state;
    char *msg = NULL;
    json_t *p = ports("127.0.0.1:8080-8081:80-81/udp", &msg);
    assert_json(p, "[{\"host_ip\":\"127.0.0.1\",\"mode\":\"ingress\",\"protocol\":\"udp\","
                   "\"published\":\"8080\",\"target\":80},{\"host_ip\":\"127.0.0.1\",\"mode\":"
                   "\"ingress\",\"protocol\":\"udp\",\"published\":\"8081\",\"target\":81}]");
    json_decref(p);
    p = ports("80-82:8080", &msg);
    assert_json(p, "[{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"published\":\"80-82\","
                   "\"target\":8080}]");
    json_decref(p);
    p = ports("[::1]:53:53/udp", &msg);
    assert_json(p, "[{\"host_ip\":\"::1\",\"mode\":\"ingress\",\"protocol\":\"udp\","
                   "\"published\":\"53\",\"target\":53}]");
    json_decref(p);
    p = ports("5000", &msg);
    assert_json(p, "[{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"target\":5000}]");
    json_decref(p);
    static const struct {
        const char *spec;
        const char *msg;
    } bad[] = {{"80/xyz", "invalid proto: xyz"},
               {"9999999", "invalid containerPort: 9999999"},
               {"tcp", "invalid containerPort: tcp"},
               {"127.0.1:8080:80", "invalid ip address: 127.0.1"},
               {"80-81:90-92", "host and container ranges differ in length"},
               {"x:80", "invalid hostPort: x"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        msg = NULL;
        assert_null(ports(bad[i].spec, &msg));
        ct_assert_contains(msg, bad[i].msg);
        free(msg);
    }
}

static void test_volumes(void **state)
{
    (void)state;
    struct syntax_err e = {0};
    json_t *v = syntax_volume("./data:/data:ro,z", &e);
    assert_json(v, "{\"bind\":{\"create_host_path\":true,\"selinux\":\"z\"},\"read_only\":true,"
                   "\"source\":\"./data\",\"target\":\"/data\",\"type\":\"bind\"}");
    json_decref(v);
    v = syntax_volume("db:/var/lib/db:nocopy", &e);
    assert_json(v, "{\"source\":\"db\",\"target\":\"/var/lib/db\",\"type\":\"volume\","
                   "\"volume\":{\"nocopy\":true}}");
    json_decref(v);
    v = syntax_volume("/cache", &e);
    assert_json(v, "{\"target\":\"/cache\",\"type\":\"volume\",\"volume\":{}}");
    json_decref(v);
    v = syntax_volume("C:\\data:/data", &e);
    assert_json(v, "{\"bind\":{\"create_host_path\":true},\"source\":\"C:\\\\data\","
                   "\"target\":\"/data\",\"type\":\"bind\"}");
    json_decref(v);
    assert_null(syntax_volume("a:b:c:d", &e));
    ct_assert_contains(e.msg, "too many colons");
    syntax_err_clear(&e);
    assert_null(syntax_volume("a::b", &e));
    ct_assert_contains(e.msg, "empty section");
    syntax_err_clear(&e);
}

static void test_shell_split(void **state)
{
    (void)state;
    struct syntax_err e = {0};
    json_t *a = syntax_shell_split("/bin/sh -c \"echo 'hi there'\" x\\ y ''", &e);
    assert_json(a, "[\"/bin/sh\",\"-c\",\"echo 'hi there'\",\"x y\",\"\"]");
    json_decref(a);
    assert_null(syntax_shell_split("echo \"open", &e));
    ct_assert_contains(e.msg, "unterminated double quote");
    syntax_err_clear(&e);
}

/* Loads yaml (one file) and returns the model of service svc as JSON text. */
static char *service_json(const char *yaml, const char *svc, const char *const *env)
{
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", yaml);
    ct_write(dir, "app.env", "FROM_FILE=1\nSHARED=file\nBARE\n");
    const char *files[] = {"compose.yaml", NULL};
    struct berth_project_options o = {.files = files, .project_name = "test"};
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load_opts(dir, &o, env, &err);
    if (p == NULL)
        fail_msg("load failed: %s", berth_error_message(err));
    char *s = dump(project_service(p, svc));
    /* make paths independent of the temporary directory */
    size_t dl = strlen(dir);
    for (char *at; (at = strstr(s, dir)) != NULL;) {
        at[0] = '@';
        memmove(at + 1, at + dl, strlen(at + dl) + 1);
    }
    berth_project_free(p);
    ct_rmtree(dir);
    return s;
}

static void test_service_model(void **state)
{
    (void)state;
    const char *env[] = {"SHELL_VAR=shell", "BARE=from-shell", NULL};
    char *s = service_json("services:\n"
                           "  web:\n"
                           "    build: ./app\n"
                           "    env_file: [app.env]\n"
                           "    environment: [SHARED=inline, SHELL_VAR, UNSET_VAR, EMPTY=]\n"
                           "    ports: ['8080:80', 8080:80]\n"
                           "    volumes: ['./a:/a', '~/b:/b', 'named:/c']\n"
                           "    healthcheck: {test: curl -f x, interval: 90s, retries: 3}\n"
                           "    stop_grace_period: 1m\n"
                           "    shm_size: 64m\n"
                           "    extra_hosts: {db: '10.0.0.1', v6: '[::1]'}\n"
                           "    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\n"
                           "    links: ['db:database']\n"
                           "    secrets: [s1, {source: s2, mode: 0440}]\n"
                           "  db:\n    image: postgres\n"
                           "volumes: {named: {}}\n"
                           "secrets: {s1: {file: ./s1.txt}, s2: {environment: SHELL_VAR}}\n",
                           "web", env);
    assert_string_equal(
        s, "{\"build\":{\"context\":\"@/app\",\"dockerfile\":\"Dockerfile\"},\"command\":null,"
           "\"depends_on\":{\"db\":{\"condition\":\"service_started\",\"required\":true,"
           "\"restart\":true}},\"entrypoint\":null,\"environment\":{\"BARE\":\"from-shell\","
           "\"EMPTY\":\"\",\"FROM_FILE\":\"1\",\"SHARED\":\"inline\",\"SHELL_VAR\":\"shell\","
           "\"UNSET_VAR\":null},\"extra_hosts\":[\"db=10.0.0.1\",\"v6=::1\"],\"healthcheck\":"
           "{\"interval\":\"1m30s\",\"retries\":3,\"test\":[\"CMD-SHELL\",\"curl -f x\"]},"
           "\"links\":[\"db:database\"],\"networks\":{\"default\":null},\"ports\":[{\"mode\":"
           "\"ingress\",\"protocol\":\"tcp\",\"published\":\"8080\",\"target\":80}],"
           "\"secrets\":[{\"source\":\"s1\"},{\"mode\":\"0440\",\"source\":\"s2\"}],"
           "\"shm_size\":\"67108864\",\"stop_grace_period\":\"1m0s\",\"ulimits\":{\"nofile\":"
           "{\"hard\":2,\"soft\":1},\"nproc\":5},\"volumes\":[{\"bind\":{\"create_host_path\":"
           "true},\"source\":\"@/a\",\"target\":\"/a\",\"type\":\"bind\"},{\"bind\":"
           "{\"create_host_path\":true},\"source\":\"@/b\",\"target\":\"/b\",\"type\":\"bind\"},"
           "{\"source\":\"named\",\"target\":\"/c\",\"type\":\"volume\",\"volume\":{}}]}");
    free(s);
}

static void test_project_model(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "services:\n  a: {image: a, networks: [front]}\n  b: {image: b}\n"
             "  c: {image: c, network_mode: 'service:a', volumes_from: [b, 'container:x']}\n"
             "networks:\n  front: {}\n  ext: {external: true}\n  old: {external: {name: real}}\n"
             "  named: {name: fixed}\n"
             "volumes:\n  v: {}\n  e: {external: true}\n"
             "secrets:\n  s: {file: ./s}\n  x: {external: true}\n");
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    assert_non_null(p);
    const json_t *m = project_model(p);
    assert_json(json_object_get(m, "networks"),
                "{\"default\":{\"ipam\":{},\"name\":\"test_default\"},\"ext\":{\"external\":true,"
                "\"ipam\":{},\"name\":\"ext\"},\"front\":{\"ipam\":{},\"name\":\"test_front\"},"
                "\"named\":{\"ipam\":{},\"name\":\"fixed\"},\"old\":{\"external\":true,\"ipam\":{},"
                "\"name\":\"real\"}}");
    assert_json(json_object_get(m, "volumes"),
                "{\"e\":{\"external\":true,\"name\":\"e\"},\"v\":{\"name\":\"test_v\"}}");
    assert_json(json_object_get(json_object_get(m, "secrets"), "x"),
                "{\"external\":true,\"name\":\"x\"}");
    const json_t *c = project_service(p, "c");
    assert_json(json_object_get(c, "depends_on"),
                "{\"a\":{\"condition\":\"service_started\",\"required\":true,\"restart\":true},"
                "\"b\":{\"condition\":\"service_started\",\"required\":true}}");
    assert_null(json_object_get(c, "networks")); /* network_mode: no default network */
    berth_project_free(p);
    ct_rmtree(dir);
}

static void test_interpolation_casts(void **state)
{
    (void)state;
    const char *env[] = {"N=3", "B=true", "D=15s", "P=8081", NULL};
    char *s = service_json("services:\n  s:\n    image: x\n    scale: ${N}\n    tty: $B\n"
                           "    stop_grace_period: $D\n    ports: ['${P}:80']\n"
                           "    labels: {n: $N}\n",
                           "s", env);
    assert_string_equal(s, "{\"command\":null,\"entrypoint\":null,\"image\":\"x\",\"labels\":"
                           "{\"n\":\"3\"},\"networks\":{\"default\":null},\"ports\":[{\"mode\":"
                           "\"ingress\",\"protocol\":\"tcp\",\"published\":\"8081\",\"target\":"
                           "80}],\"scale\":3,\"stop_grace_period\":\"15s\",\"tty\":true}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),       cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_ports),           cmocka_unit_test(test_volumes),
        cmocka_unit_test(test_shell_split),     cmocka_unit_test(test_service_model),
        cmocka_unit_test(test_project_model),   cmocka_unit_test(test_interpolation_casts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
