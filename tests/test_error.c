/* Tests of core/error.c: codes, errno, context chain, first cause wins, hints, copies. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <berth/error.h>

static void test_new_with_errno(void **state)
{
    struct berth_error *e = berth_error_new(BERTH_E_SYSTEM, ENOENT, "open '%s'", "x.yaml");
    assert_int_equal(berth_error_code(e), BERTH_E_SYSTEM);
    assert_int_equal(berth_error_errno(e), ENOENT);
    char want[256];
    snprintf(want, sizeof(want), "open 'x.yaml': %s", strerror(ENOENT));
    assert_string_equal(berth_error_message(e), want);
    assert_string_equal(berth_error_cause(e), want);
    assert_null(berth_error_hint(e));
    berth_error_free(e);
}

static void test_wrap_chain(void **state)
{
    struct berth_error *e = NULL;
    assert_int_equal(berth_error_set(&e, BERTH_E_PARSE, 0, "bad indent at %d:%d", 3, 4), -1);
    assert_int_equal(berth_error_wrap(&e, "service %s", "web"), -1);
    assert_int_equal(berth_error_wrap(&e, "compose.yaml"), -1);
    assert_string_equal(berth_error_message(e), "compose.yaml: service web: bad indent at 3:4");
    assert_string_equal(berth_error_cause(e), "bad indent at 3:4");
    assert_int_equal(berth_error_code(e), BERTH_E_PARSE);
    berth_error_clear(&e);
    assert_null(e);
    /* wrapping nothing, or into NULL, is a no-op returning -1 */
    assert_int_equal(berth_error_wrap(&e, "ctx"), -1);
    assert_null(e);
    assert_int_equal(berth_error_wrap(NULL, "ctx"), -1);
}

static void test_set_keeps_first_cause(void **state)
{
    struct berth_error *e = NULL;
    berth_error_set(&e, BERTH_E_TIMEOUT, 0, "first");
    berth_error_set(&e, BERTH_E_INVALID, EINVAL, "second");
    assert_int_equal(berth_error_code(e), BERTH_E_TIMEOUT);
    assert_int_equal(berth_error_errno(e), 0);
    assert_string_equal(berth_error_message(e), "first");
    berth_error_free(e);
    /* NULL err discards */
    assert_int_equal(berth_error_set(NULL, BERTH_E_INVALID, 0, "dropped"), -1);
}

static void test_hint(void **state)
{
    struct berth_error *e = berth_error_new(BERTH_E_NOT_FOUND, 0, "podman not found");
    berth_error_set_hint(e, "run '%s'", "apt-get install podman");
    assert_string_equal(berth_error_hint(e), "run 'apt-get install podman'");
    berth_error_set_hint(e, "replaced");
    assert_string_equal(berth_error_hint(e), "replaced");
    berth_error_set_hint(NULL, "ignored");
    berth_error_free(e);
}

static void test_copy_is_deep(void **state)
{
    struct berth_error *e = berth_error_new(BERTH_E_BACKEND, EIO, "pull");
    berth_error_wrap(&e, "service db");
    berth_error_set_hint(e, "check the registry");
    struct berth_error *c = berth_error_copy(e);
    berth_error_free(e);
    assert_int_equal(berth_error_code(c), BERTH_E_BACKEND);
    assert_int_equal(berth_error_errno(c), EIO);
    assert_non_null(strstr(berth_error_message(c), "service db: pull"));
    assert_string_equal(berth_error_hint(c), "check the registry");
    assert_null(berth_error_copy(NULL));
    berth_error_free(c);
}

static void test_propagate(void **state)
{
    struct berth_error *dst = NULL;
    assert_int_equal(berth_error_propagate(&dst, berth_error_new(BERTH_E_STATE, 0, "a")), -1);
    assert_string_equal(berth_error_message(dst), "a");
    /* dst full: src freed, first kept */
    berth_error_propagate(&dst, berth_error_new(BERTH_E_STATE, 0, "b"));
    assert_string_equal(berth_error_message(dst), "a");
    berth_error_propagate(NULL, berth_error_new(BERTH_E_STATE, 0, "c"));
    berth_error_free(dst);
}

static void test_null_accessors_and_names(void **state)
{
    assert_int_equal(berth_error_code(NULL), BERTH_E_OK);
    assert_int_equal(berth_error_errno(NULL), 0);
    assert_string_equal(berth_error_message(NULL), "");
    assert_string_equal(berth_error_cause(NULL), "");
    assert_null(berth_error_hint(NULL));
    berth_error_free(NULL);
    berth_error_clear(NULL);
    assert_string_equal(berth_errc_name(BERTH_E_TIMEOUT), "timeout");
    assert_string_equal(berth_errc_name(BERTH_E_NOT_FOUND), "not-found");
    assert_string_equal(berth_errc_name(BERTH_E_ABI), "abi");
    assert_string_equal(berth_errc_name(-1), "unknown");
    assert_string_equal(berth_errc_name(9999), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_with_errno),
        cmocka_unit_test(test_wrap_chain),
        cmocka_unit_test(test_set_keeps_first_cause),
        cmocka_unit_test(test_hint),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_propagate),
        cmocka_unit_test(test_null_accessors_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
