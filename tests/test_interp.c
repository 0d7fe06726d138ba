/* Unit tests for compose/interp.c: the Compose interpolation grammar, its errors and edge cases. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compose/interp.h"
#include "core/util.h"

/* The variables every test sees; a NULL value means unset. */
static const char *const test_env[][2] = {
    {"FOO", "first"},
    {"BAR", ""},
    {"JSON", "{\"json\":2}"},
    {"DOLLAR", "$HOME ${X}"},
    {"SPACED", "a b"},
    {"_", "underscore"},
    {"F1", "f-one"},
    {"lower", "small"},
};

static char last_name[256];
static int lookups;

/* Looks names up in test_env and records the last name asked for. */
static const char *test_lookup(const char *name, void *user)
{
    (void)user;
    lookups++;
    snprintf(last_name, sizeof(last_name), "%s", name);
    for (size_t i = 0; i < ARRAY_LEN(test_env); i++)
        if (strcmp(test_env[i][0], name) == 0)
            return test_env[i][1];
    return NULL;
}

/* Asserts that tpl expands to want. */
static void check_ok_at(const char *tpl, const char *want, const char *file, int line)
{
    struct berth_error *err = NULL;
    char *got = interp_expand(tpl, test_lookup, NULL, &err);
    if (got == NULL || strcmp(got, want) != 0) {
        fail_msg("%s:%d: template \"%s\": expected \"%s\", got %s%s%s (%s)", file, line, tpl, want,
                 got ? "\"" : "", got ? got : "an error", got ? "\"" : "", berth_error_message(err));
    }
    assert_null(err);
    free(got);
}
#define check_ok(tpl, want) check_ok_at((tpl), (want), __FILE__, __LINE__)

/* Asserts that tpl fails with a message containing want (and BERTH_E_INVALID). */
static void check_err_at(const char *tpl, const char *want, const char *file, int line)
{
    struct berth_error *err = NULL;
    char *got = interp_expand(tpl, test_lookup, NULL, &err);
    if (got != NULL)
        fail_msg("%s:%d: template \"%s\": expected an error, got \"%s\"", file, line, tpl, got);
    if (err == NULL)
        fail_msg("%s:%d: template \"%s\": NULL without an error", file, line, tpl);
    if (strstr(berth_error_message(err), want) == NULL)
        fail_msg("%s:%d: template \"%s\": error \"%s\" lacks \"%s\"", file, line, tpl,
                 berth_error_message(err), want);
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    assert_non_null(berth_error_hint(err));
    berth_error_free(err);
}
#define check_err(tpl, want) check_err_at((tpl), (want), __FILE__, __LINE__)

/* Text without references passes through unchanged. */
static void test_plain(void **state)
{
    (void)state;
    check_ok("", "");
    check_ok("foo", "foo");
    check_ok("a b\tc\nd", "a b\tc\nd");
    check_ok("{}:-?+", "{}:-?+");
    check_ok("100%", "100%");
    check_ok("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9");
}

/* $$ is a literal $, and so is a $ that starts no reference. */
static void test_dollar(void **state)
{
    (void)state;
    check_ok("$$", "$");
    check_ok("$${foo}", "${foo}");
    check_ok("$$FOO", "$FOO");
    check_ok("$$$FOO", "$first");
    check_ok("$$$$", "$$");
    check_ok("a$$b", "a$b");
    check_ok("a $ string", "a $ string");
    check_ok("^REGEX$", "^REGEX$");
    check_ok("$}", "$}");
    check_ok("$", "$");
    check_ok("$1", "$1");
    check_ok("$1FOO", "$1FOO");
    check_ok("$-", "$-");
    check_ok("$.FOO", "$.FOO");
    check_ok("$ FOO", "$ FOO");
    check_ok("cost: 5$", "cost: 5$");
    check_ok("$\n", "$\n");
    check_ok("$\xc3\xa9", "$\xc3\xa9");
}

/* $NAME takes the longest run of name characters. */
static void test_named(void **state)
{
    (void)state;
    check_ok("$FOO", "first");
    check_ok("$FOO-bar", "first-bar");
    check_ok("$FOO.bar", "first.bar");
    check_ok("$FOO/bar", "first/bar");
    check_ok("$FOObar", "");
    check_ok("$FOO_", "");
    check_ok("$F1", "f-one");
    check_ok("$F1x", "");
    check_ok("$_", "underscore");
    check_ok("$lower", "small");
    check_ok("$LOWER", "");
    check_ok("x$FOO$FOO", "xfirstfirst");
    check_ok("This $FOO var", "This first var");
    check_ok("This $missing var", "This  var");
    check_ok("$BAR", "");
    check_ok("$FOO{x}", "first{x}");
    lookups = 0;
    check_ok("$FOO_BAR1_", "");
    assert_string_equal(last_name, "FOO_BAR1_");
    assert_int_equal(lookups, 1);
}

/* ${NAME} without an operator. */
static void test_braced(void **state)
{
    (void)state;
    check_ok("${FOO}", "first");
    check_ok("${FOO}bar", "firstbar");
    check_ok("This ${FOO} var", "This first var");
    check_ok("This ${missing} var", "This  var");
    check_ok("This ${BAR} var", "This  var");
    check_ok("${FOO}${FOO}", "firstfirst");
    check_ok("${_}", "underscore");
    check_ok("${F1}", "f-one");
    check_ok("${FOO}}", "first}");
    check_ok("{${FOO}}", "{first}");
    /* Values are inserted as they are, never expanded again. */
    check_ok("$DOLLAR", "$HOME ${X}");
    check_ok("${DOLLAR}", "$HOME ${X}");
    check_ok("${SPACED}", "a b");
    lookups = 0;
    check_ok("${lower}", "small");
    assert_string_equal(last_name, "lower");
}

/* :- and - defaults. */
static void test_defaults(void **state)
{
    (void)state;
    check_ok("ok ${missing:-def}", "ok def");
    check_ok("ok ${missing-def}", "ok def");
    check_ok("ok ${BAR:-def}", "ok def");
    check_ok("ok ${BAR-def}", "ok ");
    check_ok("ok ${FOO:-def}", "ok first");
    check_ok("ok ${FOO-def}", "ok first");
    check_ok("${missing:-}", "");
    check_ok("${missing-}", "");
    check_ok("${missing:-a b  c}", "a b  c");
    check_ok("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric");
    check_ok("${missing:-$$}", "$");
    check_ok("${missing:-a=b#c}", "a=b#c");
    check_ok("${missing-:-}", ":-");
    /* The first operator after the name decides. */
    check_ok("${missing-myerror?msg}", "myerror?msg");
    check_ok("${missing-a:?b}", "a:?b");
    check_ok("${missing:-a?b}", "a?b");
    check_ok("${missing:-x-y}", "x-y");
}

/* :+ and + alternatives. */
static void test_alternatives(void **state)
{
    (void)state;
    check_ok("ok ${missing:+presence}", "ok ");
    check_ok("ok ${missing+presence}", "ok ");
    check_ok("ok ${FOO:+presence}", "ok presence");
    check_ok("ok ${FOO+presence}", "ok presence");
    check_ok("ok ${BAR+presence}", "ok presence");
    check_ok("ok ${BAR:+presence}", "ok ");
    check_ok("${FOO:+a-b}", "a-b");
    check_ok("${FOO+va:+lue}", "va:+lue");
    check_ok("${FOO:+}", "");
}

/* :? and ? requirements, their messages and errors. */
static void test_required(void **state)
{
    (void)state;
    check_ok("ok ${FOO:?err}", "ok first");
    check_ok("ok ${FOO?err}", "ok first");
    check_ok("ok ${BAR?err}", "ok ");
    check_ok("ok ${FOO:?}", "ok first");
    check_err("not ok ${missing:?Mandatory Variable Unset}",
              "required variable missing is missing a value: Mandatory Variable Unset");
    check_err("not ok ${BAR:?Mandatory Variable Empty}",
              "required variable BAR is missing a value: Mandatory Variable Empty");
    check_err("not ok ${missing?Mandatory Variable Unset}",
              "required variable missing is missing a value: Mandatory Variable Unset");
    check_err("${missing?bar-baz}", "required variable missing is missing a value: bar-baz");
    check_ok("${FOO?bar-baz}", "first");

    /* Without a message the text stops after "value". */
    struct berth_error *err = NULL;
    assert_null(interp_expand("not ok ${missing:?}", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "required variable missing is missing a value");
    berth_error_clear(&err);
    assert_null(interp_expand("${missing?}", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "required variable missing is missing a value");
    assert_non_null(strstr(berth_error_hint(err), "missing"));
    berth_error_clear(&err);

    /* The message is expanded. */
    check_err("not ok ${missing:?Mandatory Variable ${FOO}}",
              "required variable missing is missing a value: Mandatory Variable first");
    check_err("not ok ${missing?Mandatory Variable $FOO}",
              "required variable missing is missing a value: Mandatory Variable first");
    check_err("${missing:?a $$ b}", "required variable missing is missing a value: a $ b");
    /* The first error wins, left to right. */
    check_err("${missing:?one} ${other:?two}", "required variable missing is missing a value: one");
    check_err("${FOO:?one} ${other:?two}", "required variable other is missing a value: two");
}

/* Words holding references, nested to any (reasonable) depth. */
static void test_nested(void **state)
{
    (void)state;
    check_ok("ok ${missing-$FOO}", "ok first");
    check_ok("ok ${missing-${FOO}}", "ok first");
    check_ok("ok ${missing-${FOO} ${FOO}}", "ok first first");
    check_ok("ok ${BAR:-$FOO}", "ok first");
    check_ok("ok ${BAR:-${FOO}}", "ok first");
    check_ok("ok ${BAR:-${FOO} ${FOO}}", "ok first first");
    check_ok("ok ${BAR+$FOO}", "ok first");
    check_ok("ok ${BAR+$FOO ${FOO:+second}}", "ok first second");
    check_ok("${a:-${b:-${c:-${FOO}}}}", "first");
    check_ok("${a:-${b:-${c:-deep}}}", "deep");
    check_ok("${FOO:-${b:-${c:-deep}}}", "first");
    check_ok("${a:-x${FOO}y}z", "xfirstyz");
    check_ok("${missing:-$$FOO}", "$FOO");
    check_ok("${missing:-${BAR-inner}}", "");
    check_ok("+ok ${UNSET:-${BAR-defaultValue}}", "+ok ");
}

/* Operator characters outside the reference change nothing. */
static void test_outer_text(void **state)
{
    (void)state;
    check_ok("-ok ${BAR:-defaultValue}", "-ok defaultValue");
    check_ok("-ok ${FOO:-defaultValue}", "-ok first");
    check_ok(":-ok ${UNSET-defaultValue}", ":-ok defaultValue");
    check_ok(":-ok ${BAR-defaultValue}", ":-ok ");
    check_ok(":?ok ${BAR-defaultValue}", ":?ok ");
    check_ok(":?ok ${BAR:-defaultValue}", ":?ok defaultValue");
    check_ok(":+ok ${BAR:-defaultValue}", ":+ok defaultValue");
    check_ok("+ok ${BAR-defaultValue}", "+ok ");
    check_ok("?ok ${BAR:-defaultValue}", "?ok defaultValue");
    check_ok("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first");
    check_ok("${A:-x} ${B:-y}", "x y");
    check_ok("${A:-x}-${B-y}+${FOO:+z}", "x-y+z");
}

/* Where a reference ends: braces inside the word, and compose-go's brace counting. */
static void test_braces_in_words(void **state)
{
    (void)state;
    check_ok("ok ${missing:-{\"json\":1}}", "ok {\"json\":1}");
    check_ok("ok ${missing-{\"json\":1}}", "ok {\"json\":1}");
    check_ok("ok ${JSON:-{\"json\":1}}", "ok {\"json\":2}");
    check_ok("ok ${JSON-{\"json\":1}}", "ok {\"json\":2}");
    check_ok("${FOO:-x}}", "first}");
    check_ok("${A:-}}", "}");
    check_ok("${A:-a}b}", "ab}");
    check_ok("${A:-{a}}", "{a}");
    check_ok("${FOO:-{a}}", "first");
    /* The character after each '{' is not counted, so "{}" opens without closing. */
    check_ok("${A:-{}}}", "{}}");
    check_ok("${FOO:-{}}}", "first");
    check_ok("${A:-{{x}}}", "{{x}}");
    check_ok("${FOO:-{{x}}}", "first}");
    /* A reference never reaches past the end of its line. */
    check_ok("${FOO:-a}\n${BAR:-b}", "first\nb");
    check_ok("${A:-x}}\n}", "x}\n}");
    check_ok("x\n$FOO\n${FOO}", "x\nfirst\nfirst");
}

/* Malformed references, and which text the error quotes. */
static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "${",       "${}",       "${ }",    "${ foo}",   "${foo }",  "${foo!}",   "${FOO:x}",
        "${FOO:}",  "${1}",      "${1A}",   "${FOO",     "${FOO:-x", "${FOO-",    "${-x}",
        "${:-x}",   "${FOO::-x}", "${FOO.x}", "ok ${",   "${FOO}${", "${FOO:-a\n}", "${FOO:-\n}",
        "${$FOO}",  "${${FOO}}", "${FOO[x]}", "a ${FOO:-x",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        check_err(bad[i], "invalid template: ");

    struct berth_error *err = NULL;
    assert_null(interp_expand("a\t${", test_lookup, NULL, &err));
    assert_string_equal(berth_error_cause(err), "invalid template: \"a\\t${\": \"${\" is not a valid reference");
    berth_error_clear(&err);
    /* An error inside a word quotes the word ... */
    assert_null(interp_expand("${A:-${ }}", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "invalid template: \"${ }\"");
    berth_error_clear(&err);
    /* ... one after a cut reference quotes what follows the cut ... */
    assert_null(interp_expand("${A:-x}${ }", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "invalid template: \"${ }\"");
    berth_error_clear(&err);
    /* ... and one past the reference's reach quotes the whole template. */
    assert_null(interp_expand("${A:-x}${", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "invalid template: \"${A:-x}${\": \"${\" is not a valid reference");
    berth_error_clear(&err);
    assert_null(interp_expand("${A:-x}${B}z ${", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "invalid template: \"${A:-x}${B}z ${\": \"${\" is not a valid reference");
    berth_error_clear(&err);
    /* More '${' than '}': the word keeps the unclosed one. */
    assert_null(interp_expand("${A:-${B:-x}", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "invalid template: \"${B:-x\"");
    berth_error_clear(&err);
    /* The reference is shown up to its '}' (or the end of its line), the template is cut when long. */
    assert_null(interp_expand("path: ${foo bar} and more\nnext", test_lookup, NULL, &err));
    assert_string_equal(berth_error_message(err), "invalid template: \"path: ${foo bar} and more\\nnext\": "
                                                  "\"${foo bar}\" is not a valid reference");
    berth_error_clear(&err);
    char *long_tpl = xmalloc(1001);
    memset(long_tpl, 'x', 1000);
    memcpy(long_tpl + 500, "${:-}", 5);
    long_tpl[1000] = '\0';
    assert_null(interp_expand(long_tpl, test_lookup, NULL, &err));
    assert_true(strlen(berth_error_message(err)) < 300);
    assert_non_null(strstr(berth_error_message(err), "xxx\"...: \"${:-}\" is not a valid reference"));
    berth_error_clear(&err);
    free(long_tpl);
    /* An error in a required message wins over the requirement. */
    check_err("${missing:?${ }}", "invalid template: \"${ }\"");
    /* err may be NULL. */
    assert_null(interp_expand("${", test_lookup, NULL, NULL));
    assert_null(interp_expand("${missing:?x}", test_lookup, NULL, NULL));
}

/* Unused words are not expanded, so errors in them do not count. */
static void test_lazy_words(void **state)
{
    (void)state;
    check_ok("${FOO:-${NOPE:?boom}}", "first");
    check_ok("${FOO-${ }}", "first");
    check_ok("${missing:+${NOPE:?boom}}", "");
    check_ok("${FOO:?${ }}", "first");
    check_err("${BAR:-${NOPE:?boom}}", "required variable NOPE is missing a value: boom");
    check_err("${FOO:+${NOPE:?boom}}", "required variable NOPE is missing a value: boom");
    lookups = 0;
    check_ok("${FOO:-$a$b$c}", "first");
    assert_int_equal(lookups, 1);
}

/* Builds a template of depth nested defaults around "core". */
static char *nested_template(int depth)
{
    char *s = xstrdup("core");
    for (int i = 0; i < depth; i++) {
        char *t = xasprintf("${V%d:-%s}", i, s);
        free(s);
        s = t;
    }
    return s;
}

/* Nesting is bounded, so hostile input cannot exhaust the stack. */
static void test_depth_limit(void **state)
{
    (void)state;
    char *ok = nested_template(60);
    check_ok(ok, "core");
    free(ok);
    char *deep = nested_template(200);
    check_err(deep, "nested more than 64 levels");
    free(deep);
}

/* Long inputs expand in linear time and do not lose bytes. */
static void test_long_input(void **state)
{
    (void)state;
    const char *unit = "${FOO:-x}${missing:-y}$$";
    size_t reps = 50000;
    size_t ul = strlen(unit);
    char *in = xmalloc(ul * reps + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(in + i * ul, unit, ul);
    in[ul * reps] = '\0';
    char *got = interp_expand(in, test_lookup, NULL, NULL);
    assert_non_null(got);
    assert_int_equal(strlen(got), strlen("firsty$") * reps);
    assert_memory_equal(got, "firsty$firsty$", 14);
    free(got);
    free(in);

    /* A 1 MiB value passes through untouched. */
    char *big = xmalloc(1 << 20);
    memset(big, 'v', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    got = interp_expand(big, test_lookup, NULL, NULL);
    assert_string_equal(got, big);
    free(got);
    free(big);
}

/* interp_expand_len handles embedded NUL bytes and reports the length. */
static void test_expand_len(void **state)
{
    (void)state;
    size_t len = 0;
    char *got = interp_expand_len("a\0$FOO", 6, test_lookup, NULL, &len, NULL);
    assert_non_null(got);
    assert_int_equal(len, 7);
    assert_memory_equal(got, "a\0first", 7);
    free(got);
    got = interp_expand_len("$FOO tail", 4, test_lookup, NULL, &len, NULL);
    assert_int_equal(len, 5);
    assert_string_equal(got, "first");
    free(got);
    got = interp_expand_len(NULL, 0, test_lookup, NULL, &len, NULL);
    assert_string_equal(got, "");
    assert_int_equal(len, 0);
    free(got);
    /* The cut of a reference cannot run past len. */
    assert_null(interp_expand_len("${A:-x}}", 6, test_lookup, NULL, NULL, NULL));
}

/* Without a lookup every variable is unset. */
static void test_null_lookup(void **state)
{
    (void)state;
    char *got = interp_expand("[$FOO][${FOO:-d}][${FOO+a}]", NULL, NULL, NULL);
    assert_string_equal(got, "[][d][]");
    free(got);
    got = interp_expand(NULL, NULL, NULL, NULL);
    assert_string_equal(got, "");
    free(got);
}

/* The lookup's user pointer is passed through. */
static const char *user_lookup(const char *name, void *user)
{
    return strcmp(name, "U") == 0 ? (const char *)user : NULL;
}

/* user data reaches the lookup. */
static void test_user_data(void **state)
{
    (void)state;
    char value[] = "from-user";
    char *got = interp_expand("${U}/$U/${U:-x}", user_lookup, value, NULL);
    assert_string_equal(got, "from-user/from-user/from-user");
    free(got);
}

/* interp_needed is true exactly when expansion may change the text. */
static void test_needed(void **state)
{
    (void)state;
    assert_false(interp_needed(NULL));
    assert_false(interp_needed(""));
    assert_false(interp_needed("plain"));
    assert_false(interp_needed("$"));
    assert_false(interp_needed("a $ b"));
    assert_false(interp_needed("$1 $- $} $."));
    assert_true(interp_needed("$$"));
    assert_true(interp_needed("x$A"));
    assert_true(interp_needed("$_"));
    assert_true(interp_needed("${"));
    assert_true(interp_needed("$1 ${X}"));
    /* Consistency with interp_expand on a few samples. */
    static const char *const samples[] = {"abc", "$1", "$$", "$FOO", "${FOO}", "a$", "$ $"};
    for (size_t i = 0; i < ARRAY_LEN(samples); i++) {
        char *got = interp_expand(samples[i], test_lookup, NULL, NULL);
        assert_int_equal(interp_needed(samples[i]), strcmp(got, samples[i]) != 0);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_dollar),
        cmocka_unit_test(test_named),
        cmocka_unit_test(test_braced),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_alternatives),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_outer_text),
        cmocka_unit_test(test_braces_in_words),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_lazy_words),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_expand_len),
        cmocka_unit_test(test_null_lookup),
        cmocka_unit_test(test_user_data),
        cmocka_unit_test(test_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
