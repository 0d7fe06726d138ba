/* Tests of compose/schema.c and compose/validate.c: the errors users see. */
#include "config.h"

#include "compose/schema.h"
#include "tests/compose_test.h"

/* Loads yaml and asserts that the error message contains each needle. */
static void expect_errors(const char *yaml, const char *const *needles)
{
    char *msg = ct_error_of(yaml);
    if (msg == NULL)
        fail_msg("the project loaded, but it should not have:\n%s", yaml);
    for (const char *const *n = needles; *n; n++)
        ct_assert_contains(msg, *n);
    free(msg);
}

static void test_schema_errors(void **state)
{
    (void)state;
    expect_errors("services:\n  web:\n    image: nginx\n    restrat: always\n",
                  (const char *const[]){"compose.yaml:4:5: services.web additional properties "
                                        "'restrat' not allowed; hint: did you mean 'restart'?",
                                        NULL});
    expect_errors("services:\n  foo:\n    image: [busybox]\n",
                  (const char *const[]){"services.foo.image must be a string", NULL});
    expect_errors("services:\n  e:\n    image: x\n    environment: \"FOO=1\"\n",
                  (const char *const[]){"services.e.environment must be a mapping", NULL});
    expect_errors("services:\n  e:\n    image: x\n    environment:\n      FOO: [1]\n",
                  (const char *const[]){"must be a boolean, null, number or string", NULL});
    expect_errors("services:\n  web app:\n    image: x\n",
                  (const char *const[]){"invalid name 'web app'", NULL});
    expect_errors("volume:\n  data: {}\nservices:\n  a: {image: x}\n",
                  (const char *const[]){"additional properties 'volume' not allowed",
                                        "did you mean 'volumes'?", NULL});
    expect_errors("services:\n  w:\n    image: x\n    depends_on:\n      d: {condition: ready}\n"
                  "  d: {image: y}\n",
                  (const char *const[]){"must be one of the following: service_started", NULL});
    expect_errors("services:\n  w:\n    image: x\n    scale: -1\n",
                  (const char *const[]){"services.w.scale must be greater than or equal to 0",
                                        NULL});
    expect_errors("name: 123\n", (const char *const[]){"name must be a string", NULL});
    expect_errors("services:\n  foo: {image: x}\n  123: {image: y}\n",
                  (const char *const[]){"non-string key in services: 123", NULL});
}

static void test_all_errors_collected(void **state)
{
    (void)state;
    expect_errors("services:\n"
                  "  web:\n"
                  "    image: nginx\n"
                  "    restrat: always\n"
                  "    ports: ['80-81:90-92']\n"
                  "    healthcheck: {test: [CMD, x], interval: 5x}\n"
                  "    depends_on: [dbb]\n"
                  "    volumes: ['cache:/cache']\n"
                  "    networks: [front]\n"
                  "  db:\n"
                  "    image: postgres\n"
                  "    container_name: pg\n"
                  "    scale: 2\n",
                  (const char *const[]){
                      "7 errors in the compose project",
                      "compose.yaml:4:5: services.web additional properties 'restrat'",
                      "compose.yaml:5:13: services.web.ports[0]: invalid port \"80-81:90-92\": "
                      "invalid port range \"80-81:90-92\": host and container ranges differ in "
                      "length; hint: use ranges of the same length, e.g. \"8080-8081:80-81\"",
                      "services.web.healthcheck.interval: invalid duration \"5x\"",
                      "service \"web\" depends on undefined service \"dbb\"; hint: did you mean "
                      "\"db\"?",
                      "refers to undefined volume cache",
                      "refers to undefined network front",
                      "container_name \"pg\" cannot be used with 2 replicas",
                      NULL});
}

static void test_semantic_errors(void **state)
{
    (void)state;
    expect_errors("services:\n  s1: {image: x, depends_on: [s2]}\n  s2: {image: x, depends_on: "
                  "[s3]}\n  s3: {image: x, depends_on: [s1]}\n",
                  (const char *const[]){"dependency cycle detected: s1 -> s2 -> s3 -> s1", NULL});
    expect_errors("services:\n  s1: {image: x, depends_on: [s1]}\n",
                  (const char *const[]){"dependency cycle detected: s1 -> s1", NULL});
    expect_errors("services:\n  a: {image: x}\n  b: {image: x, network_mode: 'service:c'}\n",
                  (const char *const[]){"not found for network_mode 'service:c'", NULL});
    expect_errors("services:\n  a: {image: x, network_mode: bridge, networks: [n]}\n"
                  "networks: {n: {}}\n",
                  (const char *const[]){"mutually exclusive `network_mode` and `networks`",
                                        NULL});
    expect_errors("services:\n  a: {image: x, secrets: [s], configs: [c]}\n",
                  (const char *const[]){"refers to undefined secret s",
                                        "refers to undefined config c", NULL});
    expect_errors("services:\n  a: {image: x}\nsecrets:\n  s: {}\nconfigs:\n  c: {}\n",
                  (const char *const[]){"secret \"s\" must declare either `file` or "
                                        "`environment`",
                                        "config \"c\" must declare", NULL});
    expect_errors("services:\n  a:\n    image: x\n    tmpfs: [/t, '/c:size=1m']\n    volumes:\n"
                  "      - {type: bind, source: ., target: /c}\n",
                  (const char *const[]){"target /c already mounted as services.a.tmpfs[1]",
                                        NULL});
    expect_errors("services:\n  a:\n    environment: {A: b}\n",
                  (const char *const[]){"has neither an image nor a build context", NULL});
    expect_errors("services:\n  a: {image: x, healthcheck: {test: [echo, hi]}}\n",
                  (const char *const[]){"must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
                                        NULL});
    expect_errors("services:\n  a:\n    image: x\n    volumes: [{type: bind, target: /x}]\n",
                  (const char *const[]){"field Source must not be empty", NULL});
    expect_errors("services:\n  a: {image: x}\nvolumes:\n  v: {external: true, driver: foo}\n",
                  (const char *const[]){"conflicting parameters \"external\" and \"driver\"",
                                        NULL});
    expect_errors("services:\n  a: {image: x}\nvolumes:\n  v: {name: a, external: {name: b}}\n",
                  (const char *const[]){"name and external.name conflict", NULL});
    expect_errors("services:\n  a:\n    image: x\n    environment: ['DEBUG = 1']\n",
                  (const char *const[]){"environment variable DEBUG  is declared with a "
                                        "trailing space",
                                        NULL});
    expect_errors("services:\n  a:\n    image: x\n    deploy:\n      resources:\n        "
                  "reservations:\n          devices: [{capabilities: [gpu], count: lots}]\n",
                  (const char *const[]){"only value allowed is 'all' or a number", NULL});
    expect_errors("services:\n  a: {image: x, env_file: missing.env}\n",
                  (const char *const[]){"env file missing.env not found", NULL});
    expect_errors("services:\n  a: {image: x, command: 'echo \"unterminated'}\n",
                  (const char *const[]){"invalid command line string", NULL});
}

static void test_interpolation_errors(void **state)
{
    (void)state;
    expect_errors("services:\n  web:\n    image: \"nginx:${TAG:?TAG must be set}\"\n",
                  (const char *const[]){"compose.yaml:3:12: services.web.image: ",
                                        "TAG must be set", NULL});
    expect_errors("services:\n  web:\n    image: \"nginx:${TAG\"\n",
                  (const char *const[]){"services.web.image: invalid interpolation format",
                                        NULL});
}

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(schema_distance("restrat", "restart"), 2);
    assert_int_equal(schema_distance("volume", "volumes"), 1);
    assert_int_equal(schema_distance("", "abc"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_all_errors_collected),
        cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_interpolation_errors),
        cmocka_unit_test(test_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
