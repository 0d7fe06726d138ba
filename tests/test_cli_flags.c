/* Tests of cli/flags.c: docker compose style flag parsing and its usage errors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/flags.h"

struct opts {
    bool detach, wait;
    const char *pull;
    int timeout;
    struct cli_list env;
};

/* A flag table like `up`'s, pointing into o. */
static void table(struct opts *o, struct flag *f)
{
    f[0] = (struct flag){"detach", 'd', FLAG_BOOL, &o->detach, NULL, "detach"};
    f[1] = (struct flag){"wait", 0, FLAG_BOOL, &o->wait, NULL, "wait"};
    f[2] = (struct flag){"pull", 0, FLAG_STRING, &o->pull, "POLICY", "pull"};
    f[3] = (struct flag){"timeout", 't', FLAG_INT, &o->timeout, "SECONDS", "timeout"};
    f[4] = (struct flag){"env", 'e', FLAG_LIST, &o->env, "KEY=VAL", "env"};
    f[5] = (struct flag){NULL, 0, 0, NULL, NULL, NULL};
}

/* Parses a NULL-terminated argv with stop_at_arg as given. */
static int parse(struct opts *o, struct cli_list *args, bool stop, char **argv)
{
    struct flag f[6];
    table(o, f);
    struct flags_cmd cmd = {"test", "[OPTIONS] [ARG...]", "A test command.", f, stop, 0, -1};
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    return flags_parse(&cmd, argc, argv, args);
}

static void test_long_and_short(void **state)
{
    struct opts o = {.timeout = -1};
    struct cli_list args = {0};
    char *argv[] = {"test", "web", "-d", "--pull=always", "--timeout", "5", "db", "-e", "A=1",
                    "--env=B=2", NULL};
    assert_int_equal(parse(&o, &args, false, argv), FLAGS_OK);
    assert_true(o.detach);
    assert_false(o.wait);
    assert_string_equal(o.pull, "always");
    assert_int_equal(o.timeout, 5);
    assert_int_equal(o.env.n, 2);
    assert_string_equal(o.env.v[0], "A=1");
    assert_string_equal(o.env.v[1], "B=2");
    assert_int_equal(args.n, 2);
    assert_string_equal(args.v[0], "web");
    assert_string_equal(args.v[1], "db");
    assert_null(args.v[2]);
    free(args.v);
    free(o.env.v);
}

static void test_clusters_and_attached_values(void **state)
{
    struct opts o = {.timeout = -1};
    struct cli_list args = {0};
    char *argv[] = {"test", "-dt7", "-eX=1", "--wait=false", "--detach=true", NULL};
    assert_int_equal(parse(&o, &args, false, argv), FLAGS_OK);
    assert_true(o.detach);
    assert_false(o.wait);
    assert_int_equal(o.timeout, 7);
    assert_string_equal(o.env.v[0], "X=1");
    free(o.env.v);
    free(args.v);
}

static void test_stop_at_first_arg(void **state)
{
    struct opts o = {.timeout = -1};
    struct cli_list args = {0};
    char *argv[] = {"test", "-T0", NULL};
    /* -T is unknown here: usage error naming it */
    assert_int_equal(parse(&o, &args, true, argv), CLI_EXIT_USAGE);
    free(args.v);
    args = (struct cli_list){0};
    char *argv2[] = {"test", "-d", "web", "sh", "-c", "exit 3", "--wait", NULL};
    assert_int_equal(parse(&o, &args, true, argv2), FLAGS_OK);
    assert_true(o.detach);
    assert_false(o.wait); /* after the service: part of the command */
    assert_int_equal(args.n, 5);
    assert_string_equal(args.v[1], "sh");
    assert_string_equal(args.v[4], "--wait");
    free(args.v);
}

static void test_double_dash(void **state)
{
    struct opts o = {.timeout = -1};
    struct cli_list args = {0};
    char *argv[] = {"test", "--", "-d", NULL};
    assert_int_equal(parse(&o, &args, false, argv), FLAGS_OK);
    assert_false(o.detach);
    assert_int_equal(args.n, 1);
    assert_string_equal(args.v[0], "-d");
    free(args.v);
}

static void test_errors(void **state)
{
    struct opts o = {.timeout = -1};
    struct cli_list args = {0};
    char *unknown[] = {"test", "--bogus", NULL};
    assert_int_equal(parse(&o, &args, false, unknown), CLI_EXIT_USAGE);
    char *unknown_short[] = {"test", "-dz", NULL};
    assert_int_equal(parse(&o, &args, false, unknown_short), CLI_EXIT_USAGE);
    char *missing[] = {"test", "--pull", NULL};
    assert_int_equal(parse(&o, &args, false, missing), CLI_EXIT_USAGE);
    char *badint[] = {"test", "-t", "ten", NULL};
    assert_int_equal(parse(&o, &args, false, badint), CLI_EXIT_USAGE);
    char *badbool[] = {"test", "--wait=maybe", NULL};
    assert_int_equal(parse(&o, &args, false, badbool), CLI_EXIT_USAGE);
    free(args.v);
    free(o.env.v);
}

static void test_arg_counts_and_help(void **state)
{
    struct opts o = {.timeout = -1};
    struct flag f[6];
    table(&o, f);
    struct cli_list args = {0};
    struct flags_cmd cmd = {"port", "SERVICE PORT", "Port.", f, false, 2, 2};
    char *few[] = {"port", "web", NULL};
    assert_int_equal(flags_parse(&cmd, 2, few, &args), CLI_EXIT_USAGE);
    free(args.v);
    args = (struct cli_list){0};
    char *many[] = {"port", "web", "80", "extra", NULL};
    assert_int_equal(flags_parse(&cmd, 4, many, &args), CLI_EXIT_USAGE);
    free(args.v);
    args = (struct cli_list){0};
    char *help[] = {"port", "--help", NULL};
    assert_int_equal(flags_parse(&cmd, 2, help, &args), FLAGS_HELP);
    assert_int_equal(flags_exit(FLAGS_HELP), 0);
    assert_int_equal(flags_exit(CLI_EXIT_USAGE), 2);
    free(args.v);
}

static void test_help_text(void **state)
{
    struct opts o = {.timeout = -1};
    struct flag f[6];
    table(&o, f);
    struct flags_cmd cmd = {"up", "[OPTIONS] [SERVICE...]", "Create and start containers", f,
                            false, 0, -1};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    flags_help(&cmd, out);
    fclose(out);
    assert_non_null(strstr(buf, "Usage:  berth up [OPTIONS] [SERVICE...]\n"));
    assert_non_null(strstr(buf, "  -d, --detach"));
    assert_non_null(strstr(buf, "      --pull POLICY"));
    assert_non_null(strstr(buf, "  -t, --timeout SECONDS"));
    free(buf);
}

static void test_int(void **state)
{
    int v = 0;
    assert_true(flags_int("-1", &v));
    assert_int_equal(v, -1);
    assert_false(flags_int("", &v));
    assert_false(flags_int("1x", &v));
    assert_false(flags_int("99999999999", &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_and_short),
        cmocka_unit_test(test_clusters_and_attached_values),
        cmocka_unit_test(test_stop_at_first_arg),
        cmocka_unit_test(test_double_dash),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_arg_counts_and_help),
        cmocka_unit_test(test_help_text),
        cmocka_unit_test(test_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
