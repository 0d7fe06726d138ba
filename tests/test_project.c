/* Tests of compose/project.c: the public berth_project API. */
#include "config.h"

#include "tests/compose_test.h"

/* Loads dir with options and extra environment; asserts success. */
static struct berth_project *must_load(const char *dir, struct berth_project_options *o,
                                       const char *const *env)
{
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load_opts(dir, o, env, &err);
    if (p == NULL)
        fail_msg("load failed: %s", berth_error_message(err));
    return p;
}

/* Loads and returns the error message (malloc'd); fails if the load succeeds. */
static char *must_fail(const char *dir, struct berth_project_options *o, const char *const *env)
{
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load_opts(dir, o, env, &err);
    if (p != NULL)
        fail_msg("loaded, but should have failed");
    char *m = strdup(berth_error_message(err));
    berth_error_free(err);
    return m;
}

static void test_project_names(void **state)
{
    (void)state;
    char *root = ct_tmpdir();
    ct_write(root, "My App.dir/compose.yaml", "services:\n  s: {image: x}\n");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/My App.dir", root);
    struct berth_project_options o = {0};
    struct berth_project *p = must_load(dir, &o, NULL);
    assert_string_equal(berth_project_name(p), "myappdir"); /* from the directory, normalised */
    assert_string_equal(berth_project_working_dir(p), dir);
    berth_project_free(p);
    p = must_load(dir, &o, (const char *const[]){"COMPOSE_PROJECT_NAME=from-env", NULL});
    assert_string_equal(berth_project_name(p), "from-env");
    berth_project_free(p);
    o.project_name = "flag_1";
    p = must_load(dir, &o, (const char *const[]){"COMPOSE_PROJECT_NAME=from-env", NULL});
    assert_string_equal(berth_project_name(p), "flag_1");
    berth_project_free(p);
    static const char *const bad[] = {"My_Project", "-x", "_x", "a.b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.project_name = bad[i];
        char *m = must_fail(dir, &o, NULL);
        char want[128];
        snprintf(want, sizeof(want), "invalid project name \"%s\"", bad[i]);
        ct_assert_contains(m, want);
        free(m);
    }
    o.project_name = NULL;
    char *m = must_fail(dir, &o, (const char *const[]){"COMPOSE_PROJECT_NAME=UPPER", NULL});
    ct_assert_contains(m, "hint: use \"upper\"");
    free(m);
    /* name: key (interpolated); ${COMPOSE_PROJECT_NAME} is the final name everywhere */
    ct_write(dir, "compose.yaml",
             "name: app-${STAGE}\nservices:\n  s: {image: x, container_name: "
             "'${COMPOSE_PROJECT_NAME}-s'}\n");
    p = must_load(dir, &o, (const char *const[]){"STAGE=dev", NULL});
    assert_string_equal(berth_project_name(p), "app-dev");
    char *j = berth_project_to_json(p, BERTH_PROJECT_COMPACT);
    ct_assert_contains(j, "\"container_name\":\"app-dev-s\"");
    free(j);
    berth_project_free(p);
    ct_write(dir, "compose.yaml", "name: Bad.Name\nservices:\n  s: {image: x}\n");
    m = must_fail(dir, &o, NULL);
    ct_assert_contains(m, "compose.yaml:1:7: invalid project name \"Bad.Name\"");
    free(m);
    ct_rmtree(root);
}

static void test_discovery(void **state)
{
    (void)state;
    char *root = ct_tmpdir();
    ct_write(root, "proj/docker-compose.yml", "services:\n  a: {image: a}\n");
    ct_write(root, "proj/compose.yaml", "services:\n  b: {image: b}\n");
    ct_write(root, "proj/compose.override.yml", "services:\n  b: {image: b2}\n");
    ct_write(root, "proj/.env", "X=from-dotenv\n");
    ct_write(root, "proj/deep/er/.keep", "");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/proj/deep/er", root);
    struct berth_project_options o = {0};
    struct berth_project *p = must_load(dir, &o, NULL);
    assert_string_equal(berth_project_name(p), "proj");
    const char *const *files = berth_project_config_files(p);
    char want[4096];
    snprintf(want, sizeof(want), "%s/proj/compose.yaml", root);
    assert_string_equal(files[0], want);
    snprintf(want, sizeof(want), "%s/proj/compose.override.yml", root);
    assert_string_equal(files[1], want);
    assert_null(files[2]);
    assert_string_equal(berth_project_service_image(p, "b"), "b2");
    assert_null(berth_project_service_image(p, "a"));
    assert_string_equal(berth_project_getenv(p, "X"), "from-dotenv");
    berth_project_free(p);
    /* COMPOSE_FILE wins over discovery */
    snprintf(dir, sizeof(dir), "%s/proj", root);
    p = must_load(dir, &o, (const char *const[]){"COMPOSE_FILE=docker-compose.yml", NULL});
    assert_string_equal(berth_project_services(p)[0], "a");
    assert_int_equal(berth_project_service_count(p), 1);
    berth_project_free(p);
    /* nothing to find */
    char *m = must_fail(root, &o, NULL);
    ct_assert_contains(m, "no configuration file provided");
    free(m);
    ct_rmtree(root);
}

static void test_environment_precedence(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", "services:\n  s:\n    image: x\n    labels: {a: $A, b: $B, c: $C}\n");
    ct_write(dir, ".env", "A=dotenv\nB=dotenv\nC=dotenv\n");
    ct_write(dir, "one.env", "A=one\nB=one\n");
    ct_write(dir, "two.env", "B=two-${A}\n");
    const char *files[] = {"compose.yaml", NULL};
    struct berth_project_options o = {.files = files, .project_name = "t"};
    struct berth_project *p = must_load(dir, &o, (const char *const[]){"C=shell", NULL});
    char *j = berth_project_to_json(p, BERTH_PROJECT_COMPACT);
    ct_assert_contains(j, "\"labels\":{\"a\":\"dotenv\",\"b\":\"dotenv\",\"c\":\"shell\"}");
    free(j);
    berth_project_free(p);
    /* --env-file replaces .env; later files win; references see earlier files; the shell wins */
    const char *envs[] = {"one.env", "two.env", NULL};
    o.env_files = envs;
    p = must_load(dir, &o, (const char *const[]){"C=shell", NULL});
    j = berth_project_to_json(p, BERTH_PROJECT_COMPACT);
    ct_assert_contains(j, "\"labels\":{\"a\":\"one\",\"b\":\"two-one\",\"c\":\"shell\"}");
    free(j);
    berth_project_free(p);
    const char *missing[] = {"nope.env", NULL};
    o.env_files = missing;
    char *m = must_fail(dir, &o, NULL);
    ct_assert_contains(m, "couldn't find env file");
    free(m);
    ct_rmtree(dir);
}

/* Collects warnings. */
static void warn_cb(const char *msg, void *user)
{
    char **all = user;
    size_t n = strlen(*all) + strlen(msg) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s%s\n", *all, msg);
    free(*all);
    *all = s;
}

static void test_warnings_and_lists(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "version: '3.8'\nservices:\n  web: {image: 'nginx:${TAG}', build: .}\n"
             "  job: {build: ./job}\nvolumes: {b: {}, a: {}}\nnetworks: {n: {}}\n");
    char *warnings = strdup("");
    const char *files[] = {"compose.yaml", NULL};
    struct berth_project_options o = {.files = files, .project_name = "t", .warn = warn_cb,
                                      .warn_user = &warnings};
    struct berth_project *p = must_load(dir, &o, NULL);
    ct_assert_contains(warnings, "compose.yaml: the attribute `version` is obsolete");
    ct_assert_contains(warnings, "The \"TAG\" variable is not set. Defaulting to a blank string.");
    assert_string_equal(berth_project_service_image(p, "web"), "nginx:");
    assert_string_equal(berth_project_service_image(p, "job"), "t-job");
    const char *const *v = berth_project_volumes(p);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "b");
    assert_null(v[2]);
    assert_string_equal(berth_project_networks(p)[0], "default"); /* used by both services */
    assert_string_equal(berth_project_networks(p)[1], "n");
    berth_project_free(p);
    free(warnings);
    ct_rmtree(dir);
}

static void test_config_hash(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "services:\n  web: {image: nginx, environment: {A: '1'}, scale: 1}\n");
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    char h1[65], h2[65];
    assert_int_equal(berth_project_config_hash(p, "web", h1, &err), 0);
    assert_int_equal(strlen(h1), 64);
    assert_int_equal(berth_project_config_hash(p, "nope", h2, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_NOT_FOUND);
    berth_error_clear(&err);
    berth_project_free(p);
    /* scale, depends_on, profiles, pull_policy, build do not change the hash */
    ct_write(dir, "compose.yaml",
             "services:\n  web: {image: nginx, environment: {A: '1'}, scale: 3, pull_policy: "
             "always, profiles: [x], depends_on: [db], build: .}\n  db: {image: db, profiles: [x]}\n");
    const char *files[] = {"compose.yaml", NULL};
    const char *prof[] = {"x", NULL};
    struct berth_project_options o = {.files = files, .project_name = "test", .profiles = prof};
    p = ct_load_opts(dir, &o, NULL, &err);
    assert_non_null(p);
    assert_int_equal(berth_project_config_hash(p, "web", h2, &err), 0);
    assert_string_equal(h1, h2);
    berth_project_free(p);
    /* the environment does */
    ct_write(dir, "compose.yaml", "services:\n  web: {image: nginx, environment: {A: '2'}}\n");
    p = ct_load(dir, "compose.yaml", &err);
    assert_int_equal(berth_project_config_hash(p, "web", h2, &err), 0);
    assert_string_not_equal(h1, h2);
    berth_project_free(p);
    ct_rmtree(dir);
}

static void test_no_normalize(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", "services:\n  s: {image: x, ports: ['80:80'], profiles: [p]}\n"
                                  "  t: {image: y}\n");
    const char *files[] = {"compose.yaml", NULL};
    struct berth_project_options o = {.files = files, .project_name = "t", .no_normalize = true};
    struct berth_project *p = must_load(dir, &o, NULL);
    char *j = berth_project_to_json(p, BERTH_PROJECT_COMPACT);
    assert_string_equal(j, "{\"name\":\"t\",\"services\":{\"t\":{\"image\":\"y\"}}}\n");
    free(j);
    berth_project_free(p);
    ct_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_names),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_environment_precedence),
        cmocka_unit_test(test_warnings_and_lists),
        cmocka_unit_test(test_config_hash),
        cmocka_unit_test(test_no_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
