/* Tests of compose/merge.c: the merge rules on node trees. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compose/merge.h"
#include "compose/normalize.h"
#include "compose/yaml.h"

/* Parses one document. */
static struct ynode *doc(const char *text)
{
    struct ysrc *src = ysrc_new("/p/f.yaml", "f.yaml", "/p");
    struct ydocs docs;
    struct diag d;
    diag_init(&d);
    assert_int_equal(yaml_parse(text, strlen(text), src, &docs, &d), 0);
    ysrc_unref(src);
    assert_int_equal(docs.n, 1);
    struct ynode *r = docs.v[0];
    docs.v[0] = NULL;
    ydocs_free(&docs);
    diag_free(&d);
    return r;
}

/* Merges the documents in order and returns the result as compact sorted JSON. */
static char *merged(const char *base, const char *over, struct diag *d)
{
    struct ynode *tree = NULL;
    assert_int_equal(merge_into(&tree, doc(base), d), 0);
    merge_into(&tree, doc(over), d);
    json_t *j = normalize_plain(tree);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    ynode_free(tree);
    return s;
}

/* Asserts the merged JSON of a path (a JSON pointer-ish list of keys). */
static void expect(const char *base, const char *over, const char *want)
{
    struct diag d;
    diag_init(&d);
    char *got = merged(base, over, &d);
    if (strcmp(got, want) != 0)
        fail_msg("merged:\n  %s\nwanted:\n  %s", got, want);
    assert_int_equal(d.n, 0);
    free(got);
    diag_free(&d);
}

static void test_scalars_maps_sequences(void **state)
{
    (void)state;
    expect("services: {a: {image: x, scale: 1, volumes: [v1:/a]}}",
           "services: {a: {image: y, volumes: [v2:/b]}, b: {image: z}}",
           "{\"services\":{\"a\":{\"image\":\"y\",\"scale\":1,\"volumes\":[\"v1:/a\",\"v2:/b\"]},"
           "\"b\":{\"image\":\"z\"}}}");
    /* an explicit null in the override keeps the base value */
    expect("services: {a: {networks: {n1: {aliases: [x]}}}}",
           "services: {a: {networks: {n1: null}}}",
           "{\"services\":{\"a\":{\"networks\":{\"n1\":{\"aliases\":[\"x\"]}}}}}");
}

static void test_key_value_lists(void **state)
{
    (void)state;
    expect("services: {a: {environment: {FOO: BAR, KEEP: k}}}",
           "services: {a: {environment: [QIX=ZOT, EMPTY=, FOO]}}",
           "{\"services\":{\"a\":{\"environment\":{\"EMPTY\":\"\",\"FOO\":null,\"KEEP\":\"k\","
           "\"QIX\":\"ZOT\"}}}}");
    expect("services: {a: {labels: [a=1], build: {args: [X=1]}}}",
           "services: {a: {labels: {b: 2}, build: {args: {X: 2}}}}",
           "{\"services\":{\"a\":{\"build\":{\"args\":{\"X\":2}},\"labels\":{\"a\":\"1\","
           "\"b\":2}}}}");
}

static void test_replaced_and_unioned(void **state)
{
    (void)state;
    expect("services: {a: {command: [echo, a], entrypoint: sh, healthcheck: {test: [CMD, a], "
           "interval: 1s}}}",
           "services: {a: {command: [echo, b], healthcheck: {test: [CMD, b]}}}",
           "{\"services\":{\"a\":{\"command\":[\"echo\",\"b\"],\"entrypoint\":\"sh\","
           "\"healthcheck\":{\"interval\":\"1s\",\"test\":[\"CMD\",\"b\"]}}}}");
    expect("services: {a: {dns: 8.8.8.8, extra_hosts: [h=1.1.1.1]}}",
           "services: {a: {dns: [9.9.9.9], extra_hosts: {h: 1.1.1.1, g: 2.2.2.2}}}",
           "{\"services\":{\"a\":{\"dns\":[\"8.8.8.8\",\"9.9.9.9\"],\"extra_hosts\":"
           "[\"h=1.1.1.1\",\"g=2.2.2.2\"]}}}");
}

static void test_logging(void **state)
{
    (void)state;
    expect("services: {a: {logging: {driver: syslog, options: {x: 1}}}}",
           "services: {a: {logging: {driver: syslog, options: {y: 2}}}}",
           "{\"services\":{\"a\":{\"logging\":{\"driver\":\"syslog\",\"options\":{\"x\":1,"
           "\"y\":2}}}}}");
    expect("services: {a: {logging: {driver: local, options: {x: 1}}}}",
           "services: {a: {logging: {driver: syslog, options: {y: 2}}}}",
           "{\"services\":{\"a\":{\"logging\":{\"driver\":\"syslog\",\"options\":{\"y\":2}}}}}");
}

static void test_depends_on_and_networks(void **state)
{
    (void)state;
    expect("services: {a: {depends_on: [db], networks: [front]}}",
           "services: {a: {depends_on: {db: {required: false}, cache: {condition: "
           "service_healthy}}, networks: {back: {aliases: [x]}}}}",
           "{\"services\":{\"a\":{\"depends_on\":{\"cache\":{\"condition\":\"service_healthy\"},"
           "\"db\":{\"condition\":\"service_started\",\"required\":false}},\"networks\":"
           "{\"back\":{\"aliases\":[\"x\"]},\"front\":null}}}}");
    expect("services: {a: {build: .}}", "services: {a: {build: {dockerfile: D}}}",
           "{\"services\":{\"a\":{\"build\":{\"context\":\".\",\"dockerfile\":\"D\"}}}}");
}

static void test_reset_and_override(void **state)
{
    (void)state;
    expect("services: {a: {image: x, ports: ['80:80'], environment: {FOO: 1, BAR: 2}}}",
           "services: {a: {ports: !reset [], environment: {FOO: !reset null}}}",
           "{\"services\":{\"a\":{\"environment\":{\"BAR\":2},\"image\":\"x\"}}}");
    expect("services: {a: {ports: ['80:80']}}\nnetworks: {n: {external: true}}",
           "services: {a: {ports: !override ['443:443']}}\nnetworks: {n: !override {}}",
           "{\"networks\":{\"n\":{}},\"services\":{\"a\":{\"ports\":[\"443:443\"]}}}");
    /* a !reset in the first file removes nothing but itself */
    struct ynode *tree = NULL;
    struct diag d;
    diag_init(&d);
    merge_into(&tree, doc("a: !reset 1\nb: {c: !override [1]}\n"), &d);
    assert_null(ynode_map_get(tree, "a"));
    assert_null(ynode_map_get(tree, "b")->items[0]->tag);
    ynode_free(tree);
    diag_free(&d);
}

static void test_shape_mismatch(void **state)
{
    (void)state;
    struct diag d;
    diag_init(&d);
    char *got = merged("services: {a: {deploy: {replicas: 1}}}",
                       "services: {a: {deploy: [1]}}", &d);
    free(got);
    assert_int_equal(d.n, 1);
    char *e = diag_format(&d.v[0]);
    assert_non_null(strstr(e, "services.a.deploy: cannot override a mapping with a list"));
    free(e);
    diag_free(&d);
}

static void test_extends_merge(void **state)
{
    (void)state;
    struct diag d;
    diag_init(&d);
    struct ynode *base = doc("image: x\ncommand: [a]\nvolumes: [v:/v]\nenvironment: [A=1]\n");
    struct ynode *over = doc("command: [b]\nvolumes: !reset []\nenvironment: {B: 2}\n");
    struct ynode *r = merge_service(base, over, "svc", &d);
    json_t *j = normalize_plain(r);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(s, "{\"command\":[\"b\"],\"environment\":{\"A\":\"1\",\"B\":2},"
                           "\"image\":\"x\"}");
    free(s);
    json_decref(j);
    ynode_free(r);
    assert_int_equal(d.n, 0);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_maps_sequences),
        cmocka_unit_test(test_key_value_lists),
        cmocka_unit_test(test_replaced_and_unioned),
        cmocka_unit_test(test_logging),
        cmocka_unit_test(test_depends_on_and_networks),
        cmocka_unit_test(test_reset_and_override),
        cmocka_unit_test(test_shape_mismatch),
        cmocka_unit_test(test_extends_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
