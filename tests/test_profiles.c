/* Tests of compose/profiles.c and of profiles through the project loader. */
#include "config.h"

#include "compose/profiles.h"
#include "compose/yaml.h"
#include "tests/compose_test.h"

/* The services mapping of a document (the caller frees *root). */
static struct ynode *services_of(const char *text, struct ynode **root)
{
    struct ysrc *src = ysrc_new("/f", "f", "/");
    struct ydocs docs;
    struct diag d;
    diag_init(&d);
    assert_int_equal(yaml_parse(text, strlen(text), src, &docs, &d), 0);
    ysrc_unref(src);
    *root = docs.v[0];
    docs.v[0] = NULL;
    ydocs_free(&docs);
    diag_free(&d);
    return ynode_map_get(*root, "services");
}

static const char *const doc_text = "services:\n"
                                    "  web: {image: x}\n"
                                    "  debug: {image: x, profiles: [debug]}\n"
                                    "  tools: {image: x, profiles: [debug, tools]}\n"
                                    "  ops: {image: x, profiles: [ops]}\n";

static void test_active_sets(void **state)
{
    (void)state;
    struct ynode *root;
    struct ynode *svcs = services_of(doc_text, &root);
    struct diag d;
    diag_init(&d);
    struct strv enabled, targets;
    strv_init(&enabled);
    strv_init(&targets);
    struct strmap *a = profiles_active(svcs, &enabled, &targets, &d);
    assert_int_equal(strmap_count(a), 1);
    assert_true(strmap_has(a, "web"));
    strmap_free(a);
    strv_push(&enabled, "tools");
    a = profiles_active(svcs, &enabled, &targets, &d);
    assert_int_equal(strmap_count(a), 2);
    assert_true(strmap_has(a, "tools"));
    strmap_free(a);
    strv_free(&enabled);
    strv_init(&enabled);
    strv_push(&enabled, "*");
    a = profiles_active(svcs, &enabled, &targets, &d);
    assert_int_equal(strmap_count(a), 4);
    strmap_free(a);
    strv_free(&enabled);
    /* targeting a disabled service enables its profiles (and their services) */
    strv_init(&enabled);
    strv_push(&targets, "debug");
    a = profiles_active(svcs, &enabled, &targets, &d);
    assert_true(strmap_has(a, "debug"));
    assert_true(strmap_has(a, "tools"));
    assert_false(strmap_has(a, "ops"));
    assert_int_equal(enabled.n, 1);
    assert_string_equal(enabled.v[0], "debug");
    strmap_free(a);
    strv_push(&targets, "nope");
    a = profiles_active(svcs, &enabled, &targets, &d);
    strmap_free(a);
    assert_int_equal(d.n, 1);
    char *e = diag_format(&d.v[0]);
    ct_assert_contains(e, "no such service: nope");
    free(e);
    diag_free(&d);
    strv_free(&enabled);
    strv_free(&targets);
    ynode_free(root);
}

static void test_lists(void **state)
{
    (void)state;
    struct ynode *root;
    struct ynode *svcs = services_of(doc_text, &root);
    struct strv all;
    strv_init(&all);
    profiles_all(svcs, &all);
    assert_int_equal(all.n, 3);
    assert_string_equal(all.v[0], "debug");
    assert_string_equal(all.v[1], "ops");
    assert_string_equal(all.v[2], "tools");
    strv_free(&all);
    strv_init(&all);
    profiles_split(" a, b ,,c", &all);
    assert_int_equal(all.n, 3);
    assert_string_equal(all.v[1], "b");
    strv_free(&all);
    ynode_free(root);
}

static void test_project_profiles(void **state)
{
    (void)state;
    char *dir = ct_tmpdir();
    ct_write(dir, "compose.yaml",
             "services:\n  web: {image: x}\n  db: {image: x, profiles: [data]}\n"
             "  adm: {image: x, profiles: [admin], depends_on: [db]}\n");
    ct_write(dir, ".env", "COMPOSE_PROFILES=data\n");
    struct berth_project_options o = {0};
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load_opts(dir, &o, NULL, &err);
    assert_non_null(p);
    assert_int_equal(berth_project_service_count(p), 2); /* web, db (COMPOSE_PROFILES in .env) */
    const char *const *prof = berth_project_profiles(p);
    assert_string_equal(prof[0], "admin");
    assert_string_equal(prof[1], "data");
    assert_null(prof[2]);
    berth_project_free(p);
    /* --profile replaces COMPOSE_PROFILES: adm's dependency db is then disabled */
    const char *profiles[] = {"admin", NULL};
    o.profiles = profiles;
    p = ct_load_opts(dir, &o, NULL, &err);
    assert_null(p);
    ct_assert_contains(berth_error_message(err),
                       "service \"adm\" depends on service \"db\", which is disabled by its "
                       "profiles (data)");
    berth_error_free(err);
    err = NULL;
    const char *both[] = {"admin", "data", NULL};
    o.profiles = both;
    p = ct_load_opts(dir, &o, NULL, &err);
    assert_non_null(p);
    assert_int_equal(berth_project_service_count(p), 3);
    berth_project_free(p);
    /* a targeted service: only it and its dependencies are kept */
    const char *targets[] = {"db", NULL};
    o.profiles = NULL;
    o.services = targets;
    p = ct_load_opts(dir, &o, NULL, &err);
    assert_non_null(p);
    assert_int_equal(berth_project_service_count(p), 1);
    assert_string_equal(berth_project_services(p)[0], "db");
    berth_project_free(p);
    ct_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_sets),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_project_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
