/* Tests of compose/include.c through the project loader. */
#include "config.h"

#include <jansson.h>

#include "compose/project-internal.h"
#include "tests/compose_test.h"

static void test_include_forms(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "include:\n"
             "  - cache/compose.yaml\n"
             "  - path: [db/a.yaml, db/b.yaml]\n"
             "    project_directory: db\n"
             "    env_file: db/vars.env\n"
             "services:\n  web: {image: web, depends_on: [cache, db]}\n");
    ct_write(dir, "cache/compose.yaml",
             "services:\n  cache:\n    image: redis:${REDIS_TAG}\n    volumes: ['./d:/d']\n");
    ct_write(dir, "cache/.env", "REDIS_TAG=7\n");
    ct_write(dir, "db/a.yaml", "services:\n  db: {image: 'pg:${PG}', environment: {X: '1'}}\n");
    ct_write(dir, "db/b.yaml", "services:\n  db: {environment: {Y: '2'}}\nvolumes: {pgdata: {}}\n");
    ct_write(dir, "db/vars.env", "PG=16\n");
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    if (p == NULL)
        fail_msg("%s", berth_error_message(err));
    assert_int_equal(berth_project_service_count(p), 3);
    assert_string_equal(berth_project_service_image(p, "cache"), "redis:7");
    assert_string_equal(berth_project_service_image(p, "db"), "pg:16");
    const json_t *db = project_service(p, "db");
    assert_non_null(json_object_get(json_object_get(db, "environment"), "X"));
    assert_non_null(json_object_get(json_object_get(db, "environment"), "Y"));
    char want[4096];
    snprintf(want, sizeof(want), "%s/cache/d", dir);
    const json_t *vol = json_array_get(json_object_get(project_service(p, "cache"), "volumes"), 0);
    assert_string_equal(json_string_value(json_object_get(vol, "source")), want);
    assert_non_null(json_object_get(json_object_get(project_model(p), "volumes"), "pgdata"));
    berth_project_free(p);
    ct_rmtree(dir);
}

static void test_shell_env_wins(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", "include: [sub/compose.yaml]\n");
    ct_write(dir, "sub/compose.yaml", "services:\n  s: {image: 'x:${T}'}\n");
    ct_write(dir, "sub/.env", "T=from-include-env\n");
    const char *files[] = {"compose.yaml", NULL};
    struct berth_project_options o = {.files = files, .project_name = "t"};
    const char *env[] = {"T=from-shell", NULL};
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load_opts(dir, &o, env, &err);
    assert_non_null(p);
    assert_string_equal(berth_project_service_image(p, "s"), "x:from-shell");
    berth_project_free(p);
    ct_rmtree(dir);
}

static void test_conflicts_and_cycles(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", "include: [other.yaml]\nservices:\n  s: {image: mine}\n");
    ct_write(dir, "other.yaml", "services:\n  s: {image: theirs}\n");
    struct berth_error *err = NULL;
    assert_null(ct_load(dir, "compose.yaml", &err));
    ct_assert_contains(berth_error_message(err),
                       "compose.yaml:3:6: services.s: imported compose file other.yaml defines "
                       "conflicting service s");
    berth_error_free(err);
    err = NULL;
    /* the same definition twice is fine */
    ct_write(dir, "other.yaml", "services:\n  s: {image: mine}\n");
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    assert_non_null(p);
    berth_project_free(p);
    ct_write(dir, "other.yaml", "include: [compose.yaml]\nservices:\n  t: {image: x}\n");
    assert_null(ct_load(dir, "compose.yaml", &err));
    ct_assert_contains(berth_error_message(err), "include cycle detected");
    berth_error_free(err);
    ct_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_include_forms),
        cmocka_unit_test(test_shell_env_wins),
        cmocka_unit_test(test_conflicts_and_cycles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
