/* Tests of compose/yaml.c: node tree, scalar types, anchors, merge keys, errors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compose/yaml.h"
#include "core/util.h"

/* Parses text; returns the first document (the caller frees docs). */
static struct ynode *parse(const char *text, struct ydocs *docs, struct diag *d)
{
    struct ysrc *src = ysrc_new("/p/compose.yaml", "compose.yaml", "/p");
    diag_init(d);
    int rc = yaml_parse(text, strlen(text), src, docs, d);
    ysrc_unref(src);
    return rc == 0 && docs->n > 0 ? docs->v[0] : NULL;
}

/* The formatted first diagnostic (malloc'd). */
static char *first_error(struct diag *d)
{
    assert_true(d->n > 0);
    return diag_format(&d->v[0]);
}

static void test_scalar_types(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    struct ynode *r = parse("a: 80:80\nb: yes\nc: on\nd: true\ne: 42\nf: 4.5\ng: ~\nh:\n"
                            "i: null\nj: \"42\"\nk: 'true'\nl: 0x1f\nm: 0440\nn: 1e3\no: .inf\n"
                            "p: 08\nq: nginx\n",
                            &docs, &d);
    assert_non_null(r);
    struct {
        const char *key;
        enum ytype type;
    } want[] = {{"a", YTYPE_STR},   {"b", YTYPE_STR},   {"c", YTYPE_STR},  {"d", YTYPE_BOOL},
                {"e", YTYPE_INT},   {"f", YTYPE_FLOAT}, {"g", YTYPE_NULL}, {"h", YTYPE_NULL},
                {"i", YTYPE_NULL},  {"j", YTYPE_STR},   {"k", YTYPE_STR},  {"l", YTYPE_INT},
                {"m", YTYPE_INT},   {"n", YTYPE_FLOAT}, {"o", YTYPE_FLOAT}, {"p", YTYPE_FLOAT},
                {"q", YTYPE_STR}};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct ynode *n = ynode_map_get(r, want[i].key);
        assert_non_null(n);
        if (ynode_type(n) != want[i].type)
            fail_msg("%s: type %d, want %d", want[i].key, ynode_type(n), want[i].type);
    }
    long long v;
    assert_true(yscalar_int(ynode_map_get(r, "m"), &v));
    assert_int_equal(v, 0440); /* octal, as docker compose reads it */
    assert_true(yscalar_int(ynode_map_get(r, "l"), &v));
    assert_int_equal(v, 31);
    bool b;
    assert_true(yscalar_bool(ynode_map_get(r, "b"), &b)); /* "yes" converts in bool fields */
    assert_true(b);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_positions_and_styles(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    struct ynode *r = parse("services:\n  web:\n    command: |\n      echo hi\n"
                            "    image: 'nginx'\n",
                            &docs, &d);
    assert_non_null(r);
    const struct ynode *web = ynode_map_get(ynode_map_get(r, "services"), "web");
    assert_int_equal(web->line, 3);
    assert_int_equal(web->col, 5);
    const struct ynode *cmd = ynode_map_get(web, "command");
    assert_int_equal(cmd->style, YSTYLE_LITERAL);
    assert_string_equal(cmd->text, "echo hi\n");
    const struct ynode *img = ynode_map_get(web, "image");
    assert_int_equal(img->style, YSTYLE_SINGLE);
    assert_int_equal(img->line, 5);
    assert_int_equal(img->col, 12);
    assert_string_equal(img->src->name, "compose.yaml");
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_anchors_and_merge_keys(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    struct ynode *r = parse("x-a: &a {restart: always, image: a}\n"
                            "x-b: &b {image: b, user: bob, tty: true}\n"
                            "s1:\n  <<: *a\n  image: mine\n"
                            "s2:\n  image: first\n  <<: [*b, *a]\n"
                            "s3: *a\n",
                            &docs, &d);
    assert_non_null(r);
    const struct ynode *s1 = ynode_map_get(r, "s1");
    assert_string_equal(ynode_map_get(s1, "image")->text, "mine"); /* explicit key wins */
    assert_string_equal(ynode_map_get(s1, "restart")->text, "always");
    const struct ynode *s2 = ynode_map_get(r, "s2");
    assert_string_equal(ynode_map_get(s2, "image")->text, "first");
    assert_string_equal(ynode_map_get(s2, "user")->text, "bob");
    assert_string_equal(ynode_map_get(s2, "restart")->text, "always");
    assert_null(ynode_map_get(s2, "<<"));
    /* an alias is a copy: changing it leaves the anchor alone */
    struct ynode *s3 = ynode_map_get(r, "s3");
    ynode_set_text(ynode_map_get(s3, "image"), "changed");
    assert_string_equal(ynode_map_get(ynode_map_get(r, "x-a"), "image")->text, "a");
    /* the anchored mapping itself is untouched by the merges */
    assert_int_equal(ynode_map_get(r, "x-a")->n, 2);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_merge_key_errors(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    assert_null(parse("x: &s \"scalar\"\ny:\n  <<: *s\n", &docs, &d));
    char *e = first_error(&d);
    assert_non_null(strstr(e, "compose.yaml:3:3: map merge requires map"));
    free(e);
    ydocs_free(&docs);
    diag_free(&d);
    assert_null(parse("y: *nowhere\n", &docs, &d));
    e = first_error(&d);
    assert_non_null(strstr(e, "unknown anchor \"nowhere\""));
    free(e);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    assert_null(parse("\nservices:\n  foo:\n    command: a\n    command: !reset b\n"
                      "  foo:\n    image: x\n",
                      &docs, &d));
    assert_int_equal(d.n, 2);
    char *e = diag_format(&d.v[0]);
    assert_non_null(strstr(e, "compose.yaml:5:5: mapping key \"command\" already defined at "
                              "line 4, column 5"));
    free(e);
    e = diag_format(&d.v[1]);
    assert_non_null(strstr(e, "mapping key \"foo\" already defined at line 3"));
    free(e);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    assert_null(parse("services:\n  web:\n    image: x\n\tbuild: .\n", &docs, &d));
    char *e = first_error(&d);
    assert_non_null(strstr(e, "compose.yaml:4:1: found a tab character that violates indentation"));
    assert_non_null(strstr(e, "hint:"));
    free(e);
    ydocs_free(&docs);
    diag_free(&d);
    assert_null(parse("a: \"unterminated\n", &docs, &d));
    assert_int_equal(d.n, 1);
    assert_int_equal(d.code, BERTH_E_PARSE);
    ydocs_free(&docs);
    diag_free(&d);
    assert_null(parse("a: b: c\n", &docs, &d));
    e = first_error(&d);
    assert_non_null(strstr(e, "mapping values are not allowed"));
    free(e);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_billion_laughs(void **state)
{
    (void)state;
    char buf[4096] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'j'; c++, prev++) {
        char line[256];
        snprintf(line, sizeof(line), "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
                 c, c, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev);
        strcat(buf, line);
    }
    struct ydocs docs;
    struct diag d;
    assert_null(parse(buf, &docs, &d));
    char *e = first_error(&d);
    assert_non_null(strstr(e, "too many alias expansions"));
    free(e);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_tags_and_documents(void **state)
{
    (void)state;
    struct ydocs docs;
    struct diag d;
    struct ynode *r = parse("a: !reset []\nb: !override {x: 1}\nc: !!str 12\n---\nd: 2\n---\n",
                            &docs, &d);
    assert_non_null(r);
    assert_int_equal(docs.n, 3); /* an empty trailing document is a null scalar */
    assert_true(ynode_is_null(docs.v[2]));
    assert_true(ynode_has_tag(ynode_map_get(r, "a"), "!reset"));
    assert_true(ynode_has_tag(ynode_map_get(r, "b"), "!override"));
    assert_int_equal(ynode_type(ynode_map_get(r, "c")), YTYPE_STR);
    assert_int_equal(ynode_type(ynode_map_get(docs.v[1], "d")), YTYPE_INT);
    ydocs_free(&docs);
    diag_free(&d);
}

static void test_big_maps_and_equality(void **state)
{
    (void)state;
    struct ynode *m = ynode_new_map(NULL, 1, 1);
    char key[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        ynode_map_set_str(m, key, ynode_new_scalar(key, YSTYLE_PLAIN, NULL, i, 1));
    }
    assert_int_equal(m->n, 2000);
    assert_string_equal(ynode_map_get(m, "k1234")->text, "k1234");
    assert_int_equal(ynode_map_find(m, "nope"), -1);
    ynode_map_remove(m, "k10");
    assert_null(ynode_map_get(m, "k10"));
    assert_string_equal(ynode_map_get(m, "k1999")->text, "k1999"); /* index rebuilt */
    ynode_map_set_str(m, "k5", ynode_new_scalar("new", YSTYLE_PLAIN, NULL, 1, 1));
    assert_int_equal(m->n, 1999);
    struct ynode *c = ynode_copy(m);
    assert_true(ynode_equal(m, c));
    ynode_set_text(ynode_map_get(c, "k7"), "other");
    assert_false(ynode_equal(m, c));
    ynode_free(c);
    ynode_free(m);
}

static void test_paths(void **state)
{
    (void)state;
    struct ypath p;
    ypath_init(&p);
    ypath_push_key(&p, "services");
    ypath_push_key(&p, "web");
    ypath_push_key(&p, "ports");
    ypath_push_index(&p, 3);
    assert_string_equal(ypath_str(&p), "services.web.ports[3]");
    ypath_pop(&p);
    ypath_pop(&p);
    assert_string_equal(ypath_str(&p), "services.web");
    ypath_free(&p);
    struct ylpath a = {.key = "services"}, b = {.up = &a, .key = "db"}, c = {.up = &b, .index = 0};
    char *s = ylpath_str(&c);
    assert_string_equal(s, "services.db[0]");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_types),
        cmocka_unit_test(test_positions_and_styles),
        cmocka_unit_test(test_anchors_and_merge_keys),
        cmocka_unit_test(test_merge_key_errors),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_tags_and_documents),
        cmocka_unit_test(test_big_maps_and_equality),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
