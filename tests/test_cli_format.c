/* Tests of cli/format.c and cli/table.c: docker-compatible texts, JSON and tables. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"
#include "cli/table.h"

static void test_human_duration(void **state)
{
    static const struct {
        int64_t secs;
        const char *want;
    } cases[] = {
        {0, "Less than a second"}, {1, "1 second"},        {59, "59 seconds"},
        {60, "About a minute"},    {119, "About a minute"}, {120, "2 minutes"},
        {3599, "59 minutes"},      {3600, "About an hour"}, {5400, "2 hours"},
        {47 * 3600, "47 hours"},   {48 * 3600, "2 days"},   {15 * 86400, "2 weeks"},
        {61 * 86400, "2 months"},  {800 * 86400, "2 years"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        format_human_duration(cases[i].secs, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
    format_ago(1000, 1120, buf, sizeof(buf));
    assert_string_equal(buf, "2 minutes ago");
    format_ago(0, 1120, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

static void test_command(void **state)
{
    char *s = format_command("python3 -m http.server 8080", true, 20);
    assert_string_equal(s, "\"python3 -m http.ser\xe2\x80\xa6\"");
    free(s);
    s = format_command("python3 -m http.server 8080", false, 20);
    assert_string_equal(s, "\"python3 -m http.server 8080\"");
    free(s);
    s = format_command("sh -c \"echo a\\b\"", false, 0);
    assert_string_equal(s, "\"sh -c \\\"echo a\\\\b\\\"\"");
    free(s);
    s = format_command("exactly twenty chars", true, 20);
    assert_string_equal(s, "\"exactly twenty chars\"");
    free(s);
    s = format_command(NULL, true, 20);
    assert_string_equal(s, "\"\"");
    free(s);
}

static void test_status_and_names(void **state)
{
    struct berth_compose_container c = {0};
    c.state = BERTH_CSTATE_RUNNING;
    c.state_name = "running";
    c.status = "Up 3 minutes";
    c.health = "healthy";
    char *s = format_status(&c);
    assert_string_equal(s, "Up 3 minutes (healthy)");
    free(s);
    c.status = "Up 3 minutes (unhealthy)";
    s = format_status(&c);
    assert_string_equal(s, "Up 3 minutes (unhealthy)");
    free(s);
    c.state = BERTH_CSTATE_EXITED;
    c.status = "";
    c.state_name = "exited";
    s = format_status(&c);
    assert_string_equal(s, "exited");
    free(s);

    s = format_short_name("demo", "web", 2, "demo-web-2");
    assert_string_equal(s, "web-2");
    free(s);
    s = format_short_name("demo", "web", 0, "demo-web-run-0123456789ab");
    assert_string_equal(s, "web-run-0123456789ab");
    free(s);
    s = format_short_name("demo", NULL, 0, "other");
    assert_string_equal(s, "other");
    free(s);
}

static void test_ps_json(void **state)
{
    struct berth_compose_container c = {0};
    c.id = "abc";
    c.name = "demo-web-1";
    c.service = "web";
    c.number = 1;
    c.image = "busybox";
    c.command = "httpd -f";
    c.state = BERTH_CSTATE_RUNNING;
    c.state_name = "running";
    c.status = "Up 2 seconds";
    c.health = "";
    c.ports = "127.0.0.1:8080->80/tcp, 443/udp";
    c.created_at = 100;
    c.engine_state = BERTH_SVC_RUNNING;
    json_t *o = format_ps_json(&c, "demo", 220);
    assert_string_equal(json_string_value(json_object_get(o, "Name")), "demo-web-1");
    assert_string_equal(json_string_value(json_object_get(o, "Project")), "demo");
    assert_string_equal(json_string_value(json_object_get(o, "Service")), "web");
    assert_string_equal(json_string_value(json_object_get(o, "State")), "running");
    assert_string_equal(json_string_value(json_object_get(o, "RunningFor")), "2 minutes ago");
    assert_int_equal(json_integer_value(json_object_get(o, "ExitCode")), 0);
    json_t *pubs = json_object_get(o, "Publishers");
    assert_int_equal(json_array_size(pubs), 2);
    json_t *p0 = json_array_get(pubs, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "URL")), "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(p0, "PublishedPort")), 8080);
    assert_int_equal(json_integer_value(json_object_get(p0, "TargetPort")), 80);
    assert_string_equal(json_string_value(json_object_get(p0, "Protocol")), "tcp");
    json_t *p1 = json_array_get(pubs, 1);
    assert_int_equal(json_integer_value(json_object_get(p1, "PublishedPort")), 0);
    assert_int_equal(json_integer_value(json_object_get(p1, "TargetPort")), 443);
    assert_string_equal(json_string_value(json_object_get(p1, "Protocol")), "udp");
    json_decref(o);
}

static void test_signal(void **state)
{
    assert_int_equal(format_signal("SIGTERM"), SIGTERM);
    assert_int_equal(format_signal("term"), SIGTERM);
    assert_int_equal(format_signal("KILL"), SIGKILL);
    assert_int_equal(format_signal("9"), 9);
    assert_int_equal(format_signal("SIGNOPE"), -1);
    assert_int_equal(format_signal("0"), -1);
    assert_int_equal(format_signal(""), -1);
}

static void test_kv(void **state)
{
    char *k, *v;
    assert_true(format_kv("A=b=c", &k, &v));
    assert_string_equal(k, "A");
    assert_string_equal(v, "b=c");
    free(k);
    free(v);
    setenv("BERTH_TEST_KV", "from-env", 1);
    assert_true(format_kv("BERTH_TEST_KV", &k, &v));
    assert_string_equal(v, "from-env");
    free(k);
    free(v);
    unsetenv("BERTH_TEST_KV_UNSET");
    assert_true(format_kv("BERTH_TEST_KV_UNSET", &k, &v));
    assert_null(v);
    free(k);
    assert_false(format_kv("=x", &k, &v));
}

static void test_split_words(void **state)
{
    char **w = format_split_words("  sh -c 'echo \"hi there\"'  x\\ y \"a\\\"b\" ''");
    assert_non_null(w);
    assert_string_equal(w[0], "sh");
    assert_string_equal(w[1], "-c");
    assert_string_equal(w[2], "echo \"hi there\"");
    assert_string_equal(w[3], "x y");
    assert_string_equal(w[4], "a\"b");
    assert_string_equal(w[5], "");
    assert_null(w[6]);
    format_strv_free(w);
    w = format_split_words("");
    assert_non_null(w);
    assert_null(w[0]);
    format_strv_free(w);
    assert_null(format_split_words("echo 'unclosed"));
    assert_null(format_split_words("echo \"unclosed"));
}

static void test_table(void **state)
{
    static const char *const header[] = {"NAME", "IMAGE", "STATUS"};
    struct table *t = table_new(3, header);
    const char *r1[] = {"demo-web-1", "busybox", "Up 2 seconds"};
    const char *r2[] = {"demo-database-1", "b\xc3\xbc", NULL};
    table_add(t, r1);
    table_add(t, r2);
    assert_int_equal(table_rows(t), 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    table_print(t, out);
    fclose(out);
    /* widest NAME is 15 + 3 padding; IMAGE is at least 10 wide; the last column unpadded */
    assert_string_equal(buf, "NAME              IMAGE     STATUS\n"
                             "demo-web-1        busybox   Up 2 seconds\n"
                             "demo-database-1   b\xc3\xbc        \n");
    free(buf);
    table_free(t);
    assert_int_equal(table_width("b\xc3\xbc"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_duration), cmocka_unit_test(test_command),
        cmocka_unit_test(test_status_and_names), cmocka_unit_test(test_ps_json),
        cmocka_unit_test(test_signal),           cmocka_unit_test(test_kv),
        cmocka_unit_test(test_split_words),      cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
