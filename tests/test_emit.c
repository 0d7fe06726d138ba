/* Tests of compose/emit.c: key order, '$' escaping, YAML quoting, round trips. */
#include "config.h"

#include <jansson.h>

#include "compose/emit.h"
#include "compose/normalize.h"
#include "compose/yaml.h"
#include "tests/compose_test.h"

static json_t *model(void)
{
    json_error_t je;
    json_t *m = json_loads(
        "{\"x-ext\": 1, \"volumes\": {\"v\": {\"name\": \"p_v\"}},"
        " \"services\": {\"web\": {\"image\": \"nginx\", \"command\": null, \"entrypoint\": null,"
        "   \"labels\": {\"cost\": \"$5\", \"port\": \"80:80\", \"flag\": \"yes\", \"num\": \"42\","
        "     \"empty\": \"\", \"multi\": \"a\\nb\\n\", \"nul\": \"null\"},"
        "   \"cpus\": 2.0, \"scale\": 2, \"tty\": true, \"networks\": {\"default\": null}},"
        "   \"api\": {\"image\": \"api\"}},"
        " \"name\": \"p\", \"networks\": {\"default\": {\"name\": \"p_default\", \"ipam\": {}}}}",
        0, &je);
    assert_non_null(m);
    return m;
}

static void test_json_order_and_escape(void **state)
{
    (void)state;
    json_t *m = model();
    char *s = emit_json(m, EMIT_COMPACT | EMIT_ESCAPE_DOLLAR);
    assert_non_null(s);
    /* name first, then services (sorted), networks, volumes, extensions */
    const char *name = strstr(s, "\"name\":\"p\""), *svcs = strstr(s, "\"services\"");
    const char *nets = strstr(s, "\"networks\":{\"default\":{"), *vols = strstr(s, "\"volumes\"");
    const char *ext = strstr(s, "\"x-ext\"");
    assert_true(name && svcs && nets && vols && ext);
    assert_true(name < svcs && svcs < nets && nets < vols && vols < ext);
    assert_true(strstr(s, "\"api\"") < strstr(s, "\"web\""));
    ct_assert_contains(s, "\"cost\":\"$$5\"");
    ct_assert_contains(s, "\"cpus\":2.0");
    ct_assert_contains(s, "\"command\":null");
    json_error_t je;
    json_t *back = json_loads(s, 0, &je);
    assert_non_null(back);
    json_decref(back);
    free(s);
    s = emit_json(m, 0);
    ct_assert_contains(s, "\n  \"services\": {\n    \"api\": {\n      \"image\": \"api\"");
    ct_assert_contains(s, "\"cost\": \"$5\"");
    free(s);
    json_decref(m);
}

static void test_yaml_output(void **state)
{
    (void)state;
    json_t *m = model();
    char *y = emit_yaml(m, EMIT_ESCAPE_DOLLAR);
    assert_non_null(y);
    assert_true(strncmp(y, "name: p\nservices:\n", 18) == 0);
    ct_assert_contains(y, "port: \"80:80\"");
    ct_assert_contains(y, "flag: \"yes\"");
    ct_assert_contains(y, "num: \"42\"");
    ct_assert_contains(y, "nul: \"null\"");
    ct_assert_contains(y, "empty: \"\"");
    ct_assert_contains(y, "cost: $$5");
    ct_assert_contains(y, "multi: |");
    ct_assert_contains(y, "default: null");
    assert_null(strstr(y, "command:")); /* null command/entrypoint are left out of YAML */
    /* the YAML reads back to the same values */
    struct ysrc *src = ysrc_new("/o.yaml", "o.yaml", "/");
    struct ydocs docs;
    struct diag d;
    diag_init(&d);
    assert_int_equal(yaml_parse(y, strlen(y), src, &docs, &d), 0);
    ysrc_unref(src);
    json_t *back = normalize_plain(docs.v[0]);
    json_t *labels = json_object_get(json_object_get(json_object_get(json_object_get(back,
                                                                                     "services"),
                                                                     "web"),
                                                     "labels"),
                                     "multi");
    assert_string_equal(json_string_value(labels), "a\nb\n");
    const char *port = json_string_value(json_object_get(
        json_object_get(json_object_get(json_object_get(back, "services"), "web"), "labels"),
        "port"));
    assert_string_equal(port, "80:80");
    json_t *cpus = json_object_get(json_object_get(json_object_get(back, "services"), "web"),
                                   "cpus");
    assert_true(json_is_real(cpus));
    json_decref(back);
    ydocs_free(&docs);
    diag_free(&d);
    free(y);
    json_decref(m);
}

static void test_project_output(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml", "services:\n  s:\n    image: busybox\n    labels: {a: \"a$$b\"}\n");
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load(dir, "compose.yaml", &err);
    assert_non_null(p);
    char *j = berth_project_to_json(p, BERTH_PROJECT_COMPACT | BERTH_PROJECT_ESCAPE_DOLLAR);
    ct_assert_contains(j, "\"a\":\"a$$b\"");
    free(j);
    j = berth_project_to_json(p, BERTH_PROJECT_COMPACT);
    ct_assert_contains(j, "\"a\":\"a$b\"");
    free(j);
    berth_project_free(p);
    /* without interpolation the text is already a template: never escaped again */
    const char *files[] = {"compose.yaml", NULL};
    struct berth_project_options o = {.files = files, .project_name = "t", .no_interpolate = true};
    p = ct_load_opts(dir, &o, NULL, &err);
    assert_non_null(p);
    j = berth_project_to_json(p, BERTH_PROJECT_COMPACT | BERTH_PROJECT_ESCAPE_DOLLAR);
    ct_assert_contains(j, "\"a\":\"a$$b\"");
    free(j);
    berth_project_free(p);
    ct_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_order_and_escape),
        cmocka_unit_test(test_yaml_output),
        cmocka_unit_test(test_project_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
