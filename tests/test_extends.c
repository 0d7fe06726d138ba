/* Tests of compose/extends.c through the project loader. */
#include "config.h"

#include <jansson.h>

#include "compose/project-internal.h"
#include "tests/compose_test.h"

/* The string at key of service svc. */
static const char *svc_str(const struct berth_project *p, const char *svc, const char *key)
{
    return json_string_value(json_object_get(project_service(p, svc), key));
}

static void test_same_file_chain(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "services:\n"
             "  base: {image: base, environment: {A: '1'}, command: [a], ports: ['80']}\n"
             "  mid: {extends: base, environment: {B: '2'}, command: [b]}\n"
             "  top:\n    extends: {service: mid}\n    image: top\n    ports: !reset []\n");
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    assert_non_null(p);
    assert_string_equal(svc_str(p, "top", "image"), "top");
    const json_t *top = project_service(p, "top");
    const json_t *env = json_object_get(top, "environment");
    assert_string_equal(json_string_value(json_object_get(env, "A")), "1");
    assert_string_equal(json_string_value(json_object_get(env, "B")), "2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(top, "command"), 0)), "b");
    assert_null(json_object_get(top, "ports"));
    assert_null(json_object_get(top, "extends"));
    assert_string_equal(svc_str(p, "mid", "image"), "base");
    berth_project_free(p);
    ct_rmtree(dir);
}

static void test_other_file_paths(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "services:\n  app:\n    extends: {file: common/base.yaml, service: web}\n"
             "    volumes: ['./local:/local']\n");
    ct_write(dir, "common/base.yaml",
             "services:\n  web:\n    extends: {file: ../shared/root.yaml, service: root}\n"
             "    build: ./ctx\n    env_file: web.env\n    volumes: ['./data:/data']\n");
    ct_write(dir, "common/web.env", "FROM_ENV_FILE=yes\n");
    ct_write(dir, "shared/root.yaml", "services:\n  root: {labels: {tier: root}}\n");
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    if (p == NULL)
        fail_msg("%s", berth_error_message(err));
    const json_t *app = project_service(p, "app");
    char want[4096];
    snprintf(want, sizeof(want), "%s/common/ctx", dir);
    assert_string_equal(json_string_value(json_object_get(json_object_get(app, "build"),
                                                          "context")),
                        want);
    const json_t *vols = json_object_get(app, "volumes");
    assert_int_equal(json_array_size(vols), 2);
    snprintf(want, sizeof(want), "%s/common/data", dir);
    assert_string_equal(json_string_value(json_object_get(json_array_get(vols, 0), "source")), want);
    snprintf(want, sizeof(want), "%s/local", dir);
    assert_string_equal(json_string_value(json_object_get(json_array_get(vols, 1), "source")), want);
    assert_string_equal(json_string_value(json_object_get(json_object_get(app, "environment"),
                                                          "FROM_ENV_FILE")),
                        "yes");
    assert_string_equal(json_string_value(json_object_get(json_object_get(app, "labels"),
                                                          "tier")),
                        "root");
    berth_project_free(p);
    ct_rmtree(dir);
}

static void test_errors(void **state)
{
    (void)state;
    char *msg = ct_error_of("services:\n  a: {image: x, extends: b}\n  b: {extends: c}\n"
                            "  c: {extends: a}\n");
    ct_assert_contains(msg, "circular reference with extends: a -> b -> c -> a");
    free(msg);
    msg = ct_error_of("services:\n  a: {image: x, extends: nope}\n");
    ct_assert_contains(msg, "cannot extend service \"nope\": compose.yaml does not define it");
    free(msg);
    msg = ct_error_of("services:\n  a: {image: x, extends: {file: missing.yaml, service: b}}\n");
    ct_assert_contains(msg, "compose.yaml:2:33: cannot read missing.yaml");
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_file_chain),
        cmocka_unit_test(test_other_file_paths),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
