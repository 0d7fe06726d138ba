/* Unit tests for compose/dotenv.c: every statement form, quoting, escapes, interpolation and error. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compose/dotenv.h"
#include "core/util.h"

/* The "process environment" of the tests; a NULL value means unset. */
static const char *const proc_env[][2] = {
    {"HOME_DIR", "/home/me"},
    {"EMPTY", ""},
    {"OPTION_A", "5"},
    {"INHERIT_ME", "inherited value"},
    {"SHADOW", "from-process"},
    {"LATIN1", "caf\xe9"},
};

/* Looks names up in proc_env. */
static const char *env_lookup(const char *name, void *user)
{
    (void)user;
    for (size_t i = 0; i < ARRAY_LEN(proc_env); i++)
        if (strcmp(proc_env[i][0], name) == 0)
            return proc_env[i][1];
    return NULL;
}

/* Parses text (with its length) and returns the object, failing the test on an error. */
static json_t *parse_ok_at(const char *text, size_t len, bool raw, const char *file, int line)
{
    json_t *out = json_object();
    struct berth_error *err = NULL;
    if (dotenv_parse(text, len, "test.env", raw, env_lookup, NULL, out, &err) != 0)
        fail_msg("%s:%d: unexpected error: %s", file, line, berth_error_message(err));
    assert_null(err);
    return out;
}
#define parse_ok(text) parse_ok_at((text), strlen(text), false, __FILE__, __LINE__)
#define parse_raw_ok(text) parse_ok_at((text), strlen(text), true, __FILE__, __LINE__)

/* Asserts that key holds the string want. */
static void expect_str_at(json_t *out, const char *key, const char *want, const char *file, int line)
{
    json_t *v = json_object_get(out, key);
    if (!json_is_string(v)) {
        char *dump = json_dumps(out, JSON_ENCODE_ANY);
        fail_msg("%s:%d: %s: expected \"%s\", got %s (all: %s)", file, line, key, want,
                 v ? "a non-string" : "nothing", dump);
    }
    if (strcmp(json_string_value(v), want) != 0)
        fail_msg("%s:%d: %s: expected \"%s\", got \"%s\"", file, line, key, want, json_string_value(v));
}
#define expect_str(out, key, want) expect_str_at((out), (key), (want), __FILE__, __LINE__)

/* Asserts that key is present with a null value. */
#define expect_null(out, key) assert_true(json_is_null(json_object_get((out), (key))))

/* Parses text alone and asserts KEY's value; for one-statement vectors. */
static void one_at(const char *text, const char *key, const char *want, const char *file, int line)
{
    json_t *out = parse_ok_at(text, strlen(text), false, file, line);
    expect_str_at(out, key, want, file, line);
    if (json_object_size(out) != 1) {
        char *dump = json_dumps(out, 0);
        fail_msg("%s:%d: \"%s\" set more than %s: %s", file, line, text, key, dump);
    }
    json_decref(out);
}
#define one(text, key, want) one_at((text), (key), (want), __FILE__, __LINE__)

/* Asserts that parsing fails (BERTH_E_PARSE unless code says otherwise) with want in the message. */
static void parse_err_at(const char *text, size_t len, bool raw, int code, const char *want, const char *file,
                         int line)
{
    json_t *out = json_object();
    struct berth_error *err = NULL;
    int rc = dotenv_parse(text, len, "test.env", raw, env_lookup, NULL, out, &err);
    if (rc == 0)
        fail_msg("%s:%d: expected an error for \"%s\"", file, line, text);
    assert_int_equal(rc, -1);
    assert_non_null(err);
    if (strstr(berth_error_message(err), want) == NULL)
        fail_msg("%s:%d: error \"%s\" lacks \"%s\"", file, line, berth_error_message(err), want);
    assert_int_equal(berth_error_code(err), code);
    berth_error_free(err);
    json_decref(out);
}
#define parse_err(text, want) parse_err_at((text), strlen(text), false, BERTH_E_PARSE, (want), __FILE__, __LINE__)
#define raw_err(text, want) parse_err_at((text), strlen(text), true, BERTH_E_PARSE, (want), __FILE__, __LINE__)

/* Blank input, comments and blank lines set nothing. */
static void test_empty(void **state)
{
    (void)state;
    static const char *const nothing[] = {
        "", "\n", "\r\n", "\t\t ", "# comment", "\t # indented comment\n", "#\n#\n\n",
        "\xEF\xBB\xBF", "\xEF\xBB\xBF# bom and comment\n", "\xe3\x80\x80\n", "export\n", "   \n\n  \r\n",
    };
    for (size_t i = 0; i < ARRAY_LEN(nothing); i++) {
        json_t *out = parse_ok(nothing[i]);
        assert_int_equal(json_object_size(out), 0);
        json_decref(out);
    }
    json_t *out = json_object();
    assert_int_equal(dotenv_parse(NULL, 0, NULL, false, NULL, NULL, out, NULL), 0);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);
}

/* KEY=VALUE and KEY: VALUE with blanks around the separator. */
static void test_plain_values(void **state)
{
    (void)state;
    one("FOO=bar", "FOO", "bar");
    one("FOO =bar", "FOO", "bar");
    one("FOO= bar", "FOO", "bar");
    one("FOO = bar", "FOO", "bar");
    one("FOO\t=\tbar", "FOO", "bar");
    one(" KEY =value", "KEY", "value");
    one("   KEY=value", "KEY", "value");
    one("\tKEY=value", "KEY", "value");
    one("FOO=", "FOO", "");
    one("FOO= ", "FOO", "");
    one("FOO=\n", "FOO", "");
    one("FOO=bar ", "FOO", "bar");
    one("FOO=bar\t\t", "FOO", "bar");
    one("FOO=a b  c", "FOO", "a b  c");
    one("FOO=foobar=", "FOO", "foobar=");
    one("FOO==x", "FOO", "=x");
    one("OPTION_A: 1", "OPTION_A", "1");
    one("OPTION_A:1", "OPTION_A", "1");
    one("OPTION_A: Foo=bar", "OPTION_A", "Foo=bar");
    one("OPTION_A=1:B", "OPTION_A", "1:B");
    one("URL=postgres://localhost:5432/db?sslmode=disable", "URL", "postgres://localhost:5432/db?sslmode=disable");
    one("FOO=a\\tb", "FOO", "a\\tb");
    one("FOO=a\\nb\\", "FOO", "a\\nb\\");
    one("FOO=caf\xc3\xa9 \xe2\x82\xac", "FOO", "caf\xc3\xa9 \xe2\x82\xac");
    /* Unicode blanks: NBSP is skipped before a value, any White_Space trimmed after it. */
    one("FOO=\xc2\xa0" "bar\xe3\x80\x80", "FOO", "bar");
}

/* A value holding '=' and '#' (the brief's example). */
static void test_equals_and_hash(void **state)
{
    (void)state;
    one("Q=a=b#c", "Q", "a=b#c");
    one("Q=a=b #c", "Q", "a=b");
    one("Q=\"a=b #c\"", "Q", "a=b #c");
    one("Q='a=b #c' # note", "Q", "a=b #c");
}

/* Inline comments: only " #" in unquoted values. */
static void test_inline_comments(void **state)
{
    (void)state;
    one("FOO=bar # this is foo", "FOO", "bar");
    one("FOO=bar #this is foo", "FOO", "bar");
    one("FOO=bar #", "FOO", "bar");
    one("FOO=bar  # two spaces", "FOO", "bar");
    one("FOO=123#not-a-comment", "FOO", "123#not-a-comment");
    one("FOO=bar\t#tab is not a comment start", "FOO", "bar\t#tab is not a comment start");
    one("FOO= #starts the value", "FOO", "#starts the value");
    one("FOO=#x", "FOO", "#x");
    one("FOO=\"bar#baz\"", "FOO", "bar#baz");
    one("FOO=\"bar#baz\"#", "FOO", "bar#baz");
    one("FOO=\"bar#baz\" # comment", "FOO", "bar#baz");
    one("FOO='bar#baz' # comment", "FOO", "bar#baz");
    one("FOO=\"a#b#c\" # comment", "FOO", "a#b#c");
    one("FOO='ba#r'", "FOO", "ba#r");
    json_t *out = parse_ok("# A=1\nB=2 # C=3\n  # D=4\nE=5");
    assert_int_equal(json_object_size(out), 2);
    expect_str(out, "B", "2");
    expect_str(out, "E", "5");
    json_decref(out);
}

/* The export prefix. */
static void test_export(void **state)
{
    (void)state;
    one("export OPTION_A=2", "OPTION_A", "2");
    one("export OPTION_B='\\n'", "OPTION_B", "\\n");
    one("export exportFoo=2", "exportFoo", "2");
    one("exportFOO=2", "exportFOO", "2");
    one("export_FOO =2", "export_FOO", "2");
    one("export.FOO= 2", "export.FOO", "2");
    one("export\tOPTION_A=2", "OPTION_A", "2");
    one("  export OPTION_A=2", "OPTION_A", "2");
    one("\texport OPTION_A=2", "OPTION_A", "2");
    one("export   A=\"export A\"", "A", "export A");
    one("export=1", "export", "1");
    one("export: 1", "export", "1");
    /* "export" then a newline: nothing to export; the next line is its own statement. */
    json_t *out = parse_ok("export\nA=1\n");
    assert_int_equal(json_object_size(out), 1);
    expect_str(out, "A", "1");
    json_decref(out);
}

/* Keys: letters (any script), digits, _ . - [ ]. */
static void test_keys(void **state)
{
    (void)state;
    one("VAR.WITH.DOTS=dots", "VAR.WITH.DOTS", "dots");
    one("VAR-WITH-DASHES=dashes", "VAR-WITH-DASHES", "dashes");
    one("VAR_WITH_UNDERSCORES=u", "VAR_WITH_UNDERSCORES", "u");
    one("a[1]=c", "a[1]", "c");
    one("a.propertyKey=d", "a.propertyKey", "d");
    one("456 = ABC", "456", "ABC");
    one("lower=x", "lower", "x");
    one("\xc3\xa1rv\xc3\xadzt\xc5\xb1r\xc5\x91-T\xc3\x9c" "K\xc3\x96R=\xc3\x81RV\xc3\x8dZ",
        "\xc3\xa1rv\xc3\xadzt\xc5\xb1r\xc5\x91-T\xc3\x9c" "K\xc3\x96R", "\xc3\x81RV\xc3\x8dZ");
    one("\xce\xb1\xce\xb2\xce\xb3=greek", "\xce\xb1\xce\xb2\xce\xb3", "greek");
    one("\xe5\x90\x8d\xe5\x89\x8d=cjk", "\xe5\x90\x8d\xe5\x89\x8d", "cjk");
    one("N\xc2\xb2=superscript", "N\xc2\xb2", "superscript");
    one("KEY\r=crlf-ish", "KEY", "crlf-ish");
}

/* Bad keys are errors naming the file, the line, the character and the line's text. */
static void test_bad_keys(void **state)
{
    (void)state;
    parse_err("lol$wut", "test.env:1: unexpected character \"$\" in variable name \"lol$wut\"");
    parse_err("%!(EXTRA string)=foo", "unexpected character \"%\" in variable name \"%!(EXTRA string)=foo\"");
    parse_err("A=1\nB=2\nFOO#BAR=3\n", "test.env:3: unexpected character \"#\" in variable name");
    parse_err("FOO\"=1", "unexpected character \"\\\"\"");
    parse_err("FOO/BAR=1", "unexpected character \"/\"");
    parse_err("FOO$=1", "unexpected character \"$\"");
    parse_err("FOO\xe2\x82\xac=1", "unexpected character \"\xe2\x82\xac\"");
    parse_err("FOO\xff=1", "unexpected character \"\\xff\"");
    parse_err("F\x01=1", "unexpected character \"\\x01\"");
    parse_err("A\xe2\x80\x83" "B=1", "unexpected character \"\xe2\x80\x83\""); /* EM SPACE is no key blank */
    parse_err_at("A\0B=1", 5, false, BERTH_E_PARSE, "unexpected character \"\\x00\"", __FILE__, __LINE__);
    parse_err("# comment\n\n# some comments\nfoo=\"\n  a\n  multine\n\"\nINVALID LINE\nzot=qix",
              "test.env:8: invalid variable name \"INVALID LINE\" on line 8: key cannot contain a space");
    parse_err("FOO BAR=1", "key cannot contain a space");
    parse_err("FOO BAR", "key cannot contain a space");
    parse_err("A\tB=1", "key cannot contain a space");
    parse_err("A\xc2\xa0" "B=1", "key cannot contain a space");
    parse_err("=value", "test.env:1: missing variable name before '='");
    parse_err(" : value", "missing variable name before ':'");
    parse_err("\"quoted\"=1", "unexpected character");

    struct berth_error *err = NULL;
    json_t *out = json_object();
    assert_int_equal(dotenv_parse("lol$wut", 7, "x/.env", false, NULL, NULL, out, &err), -1);
    assert_non_null(strstr(berth_error_message(err), "x/.env:1:"));
    assert_non_null(berth_error_hint(err));
    berth_error_free(err);
    json_decref(out);
}

/* Single quotes: literal, may span lines, \' is a quote. */
static void test_single_quotes(void **state)
{
    (void)state;
    one("FOO='bar'", "FOO", "bar");
    one("FOO=''", "FOO", "");
    one("FOO='\\n'", "FOO", "\\n");
    one("FOO='quote $HOME_DIR ${X:-y} $$'", "FOO", "quote $HOME_DIR ${X:-y} $$");
    one("FOO='Let\\'s go!'", "FOO", "Let's go!");
    one("FOO='a\\\\b'", "FOO", "a\\\\b");
    one("FOO='say \"hi\"'", "FOO", "say \"hi\"");
    one("FOO = 'first line\nsecond line\nthird'", "FOO", "first line\nsecond line\nthird");
    one("FOO='  padded  '", "FOO", "  padded  ");
    one("FOO='\\0101'", "FOO", "\\0101");
}

/* Double quotes: escapes, interpolation, multiple lines. */
static void test_double_quotes(void **state)
{
    (void)state;
    one("FOO=\"bar\"", "FOO", "bar");
    one("FOO=\"\"", "FOO", "");
    one("FOO=\"escaped\\\"bar\"", "FOO", "escaped\"bar");
    one("FOO=\"\\\"quoted\\\"\"", "FOO", "\"quoted\"");
    one("FOO=\"'d'\"", "FOO", "'d'");
    one("FOO=\"bar\\nbaz\"", "FOO", "bar\nbaz");
    one("FOO=\"a\\tb\"", "FOO", "a\tb");
    one("KEY=\"Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z\"", "KEY", "Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ");
    one("FOO=\"bar\\n\\ b\\az\"", "FOO", "bar\n\\ b\az");
    one("FOO=\"bar\\\\\\n\\ b\\az\"", "FOO", "bar\\\n\\ b\az");
    one("FOO=\"bar\\\\r\\ b\\az\"", "FOO", "bar\\r\\ b\az");
    one("FOO=\"bar\\nbaz\\\\\"", "FOO", "bar\nbaz\\");
    /* Unknown escapes stay as written. */
    one("KEY=\"\\x07\"", "KEY", "\\x07");
    one("KEY=\"\\u12e4\"", "KEY", "\\u12e4");
    one("KEY=\"\\U00101234\"", "KEY", "\\U00101234");
    one("KEY=\"\\c\\q\\'\"", "KEY", "\\c\\q\\'");
    /* \0 with exactly three octal digits, up to \0377. */
    one("KEY=\"\\0123\"", "KEY", "S");
    one("KEY=\"\\0101\\0102\"", "KEY", "AB");
    one("KEY=\"\\01234\"", "KEY", "S4");
    one("KEY=\"\\0377\"", "KEY", "\xc3\xbf");
    one("KEY=\"\\0\"", "KEY", "\\0");
    one("KEY=\"\\01\"", "KEY", "\\01");
    one("KEY=\"\\012\"", "KEY", "\\012");
    one("KEY=\"\\0400\"", "KEY", "\\0400");
    one("KEY=\"\\0189\"", "KEY", "\\0189");
    one("KEY=\"\\0044HOME_DIR\"", "KEY", "/home/me");
    /* Multiple lines, CRLF kept inside quotes. */
    one("URLS=\"tcp://a:3333\ntcp://b:443\"", "URLS", "tcp://a:3333\ntcp://b:443");
    one("M=\"a\r\nb\"\r\n", "M", "a\r\nb");
    one("J=\"{\\\"hello\\\": \\\"json\\\"}\"", "J", "{\"hello\": \"json\"}");
    one("OPTION_I = \"echo 'asd'\" # Inline comment", "OPTION_I", "echo 'asd'");
}

/* Whatever follows a closing quote is the next statement. */
static void test_after_quotes(void **state)
{
    (void)state;
    json_t *out = parse_ok("A=\"1\" B=2\nC='3'D=4");
    expect_str(out, "A", "1");
    expect_str(out, "B", "2");
    expect_str(out, "C", "3");
    expect_str(out, "D", "4");
    json_decref(out);
    parse_err("A=\"1\"x\"", "unexpected character \"\\\"\"");
}

/* Unterminated quotes are errors on the line where the value starts. */
static void test_unterminated(void **state)
{
    (void)state;
    parse_err("KEY=\"", "test.env:1: unterminated quoted value for KEY: \"\\\"\"");
    parse_err("KEY=\"value", "unterminated quoted value for KEY: \"\\\"value\"");
    parse_err("KEY=\"value\\\"", "unterminated quoted value");
    parse_err("KEY=\"value'", "unterminated quoted value");
    parse_err("KEY='", "unterminated quoted value");
    parse_err("KEY='value", "unterminated quoted value");
    parse_err("KEY='value\\'", "unterminated quoted value");
    parse_err("KEY='value\"", "unterminated quoted value");
    parse_err("A=1\n\nKEY=\"first\nsecond\nthird", "test.env:3: unterminated quoted value for KEY: \"\\\"first\"");
}

/* Interpolation in unquoted and double-quoted values, and its lookup order. */
static void test_interpolation(void **state)
{
    (void)state;
    json_t *out = parse_ok("FOO=test\nBAR=$FOO\nBAZ=${FOO}bar\nQ=\"quote $FOO\"\nS='quote $FOO'\n"
                           "E1=\"foo\\$BAR\"\nE2=\"foo\\${BAR}\"\nE3=\"foo\\${FOO} ${FOO}\"\nD=$$FOO\n"
                           "U=$UNSET_ANYWHERE\nH=$HOME_DIR/x\nP=${EMPTY:-was empty}\nM=${EMPTY-kept}.\n");
    expect_str(out, "BAR", "test");
    expect_str(out, "BAZ", "testbar");
    expect_str(out, "Q", "quote test");
    expect_str(out, "S", "quote $FOO");
    expect_str(out, "E1", "foo$BAR");
    expect_str(out, "E2", "foo${BAR}");
    expect_str(out, "E3", "foo${FOO} test");
    expect_str(out, "D", "$FOO");
    expect_str(out, "U", "");
    expect_str(out, "H", "/home/me/x");
    expect_str(out, "P", "was empty");
    expect_str(out, "M", ".");
    json_decref(out);

    /* The process environment wins over earlier keys, but does not replace the file's own value. */
    out = parse_ok("OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\n"
                   "OPTION_E=${OPTION_NOT_DEFINED}\n");
    expect_str(out, "OPTION_A", "1");
    expect_str(out, "OPTION_B", "5");
    expect_str(out, "OPTION_C", "5");
    expect_str(out, "OPTION_D", "5_5");
    expect_str(out, "OPTION_E", "");
    json_decref(out);

    /* ${VAR:-default} against an unset and a set process variable. */
    out = parse_ok("X=${X:-1}\nY=${X}\nOPTION_A=${OPTION_A:-1}\n");
    expect_str(out, "X", "1");
    expect_str(out, "Y", "1");
    expect_str(out, "OPTION_A", "5");
    json_decref(out);

    /* Later keys override earlier ones; references see the value at their point. */
    out = parse_ok("A=1\nB=$A\nA=2\nC=$A\n");
    expect_str(out, "A", "2");
    expect_str(out, "B", "1");
    expect_str(out, "C", "2");
    json_decref(out);

    /* A value ending in a lone $ keeps it. */
    out = parse_ok("FOO=test$\nBAR=$FOO");
    expect_str(out, "FOO", "test$");
    expect_str(out, "BAR", "test$");
    json_decref(out);
}

/* Keys already in `out` (an earlier file) are visible; null ones count as unset. */
static void test_previous_files(void **state)
{
    (void)state;
    json_t *out = json_object();
    json_object_set_new(out, "EARLIER", json_string("e"));
    json_object_set_new(out, "NOTHING", json_null());
    json_object_set_new(out, "SHADOW", json_string("from-file"));
    const char *text = "A=$EARLIER\nB=${NOTHING-unset}\nC=$SHADOW\nEARLIER=again\n";
    assert_int_equal(dotenv_parse(text, strlen(text), "b.env", false, env_lookup, NULL, out, NULL), 0);
    expect_str(out, "A", "e");
    expect_str(out, "B", "unset");
    expect_str(out, "C", "from-process");
    expect_str(out, "EARLIER", "again");
    json_decref(out);
}

/* Interpolation errors name the file, the line and the variable. */
static void test_interpolation_errors(void **state)
{
    (void)state;
    struct berth_error *err = NULL;
    json_t *out = json_object();
    const char *text = "A=1\nB=${NEED:?set NEED first}\n";
    assert_int_equal(dotenv_parse(text, strlen(text), "app.env", false, env_lookup, NULL, out, &err), -1);
    assert_string_equal(berth_error_message(err),
                        "app.env:2: value of B: required variable NEED is missing a value: set NEED first");
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    /* Keys before the error are kept. */
    expect_str(out, "A", "1");
    berth_error_clear(&err);
    json_decref(out);

    parse_err_at("X=\"a ${\"", strlen("X=\"a ${\""), false, BERTH_E_INVALID, "test.env:1: value of X: invalid template: \"a ${\"",
                 __FILE__, __LINE__);
    parse_err_at("X=${EMPTY:?}", 12, false, BERTH_E_INVALID, "required variable EMPTY is missing a value",
                 __FILE__, __LINE__);
    /* No interpolation in single quotes, so no error either. */
    one("X='${'", "X", "${");
}

/* Bare keys take the lookup's value, or null. */
static void test_inherited(void **state)
{
    (void)state;
    json_t *out = parse_ok("foo=bar\nINHERIT_ME\nbar=baz\nNOT_THERE\n  SPACED_OUT  \nEMPTY\r\nLAST");
    expect_str(out, "foo", "bar");
    expect_str(out, "INHERIT_ME", "inherited value");
    expect_str(out, "bar", "baz");
    expect_null(out, "NOT_THERE");
    expect_null(out, "SPACED_OUT");
    expect_str(out, "EMPTY", "");
    expect_null(out, "LAST");
    assert_int_equal(json_object_size(out), 7);
    json_decref(out);
    out = parse_ok("export INHERIT_ME");
    expect_str(out, "INHERIT_ME", "inherited value");
    json_decref(out);
    /* Without a lookup every bare key is null. */
    out = json_object();
    assert_int_equal(dotenv_parse("INHERIT_ME\n", 11, "x", false, NULL, NULL, out, NULL), 0);
    expect_null(out, "INHERIT_ME");
    json_decref(out);
    /* A process value that is not UTF-8 cannot become a JSON string. */
    parse_err("LATIN1\n", "value of LATIN1 is not valid UTF-8");
}

/* Line endings, the byte-order mark, no final newline. */
static void test_line_endings(void **state)
{
    (void)state;
    json_t *out = parse_ok("A=1\r\nB='2'\r\nC=\"3\"\r\n# c\r\nD=4 # x\r\nE: 5\r\n");
    expect_str(out, "A", "1");
    expect_str(out, "B", "2");
    expect_str(out, "C", "3");
    expect_str(out, "D", "4");
    expect_str(out, "E", "5");
    assert_int_equal(json_object_size(out), 5);
    json_decref(out);
    out = parse_ok("\xEF\xBB\xBFOPTION_A=1\nOPTION_B=2");
    expect_str(out, "OPTION_A", "1");
    expect_str(out, "OPTION_B", "2");
    json_decref(out);
    out = parse_ok("ONE=1\nTWO='2'\nTHREE = \"3\"");
    expect_str(out, "ONE", "1");
    expect_str(out, "TWO", "2");
    expect_str(out, "THREE", "3");
    assert_int_equal(json_object_size(out), 3);
    json_decref(out);
}

/* Values of any length. */
static void test_long_values(void **state)
{
    (void)state;
    size_t n = 200000;
    char *text = xmalloc(n + 32);
    memcpy(text, "BIG=\"", 5);
    for (size_t i = 0; i < n; i++)
        text[5 + i] = (char)('a' + i % 26);
    memcpy(text + 5 + n, "\"\nAFTER=1", 10);
    json_t *out = parse_ok(text);
    assert_int_equal(json_string_length(json_object_get(out, "BIG")), n);
    assert_memory_equal(json_string_value(json_object_get(out, "BIG")), text + 5, n);
    expect_str(out, "AFTER", "1");
    json_decref(out);
    /* Many lines. */
    struct strv sv;
    strv_init(&sv);
    size_t total = 0;
    for (int i = 0; i < 5000; i++) {
        strv_pushf(&sv, "K%d=v%d ${K%d:-$HOME_DIR} # c\n", i, i, i + 1);
        total += strlen(sv.v[sv.n - 1]);
    }
    char *many = xmalloc(total + 1);
    size_t o = 0;
    for (size_t i = 0; i < sv.n; i++) {
        size_t l = strlen(sv.v[i]);
        memcpy(many + o, sv.v[i], l);
        o += l;
    }
    many[o] = '\0';
    out = parse_ok(many);
    assert_int_equal(json_object_size(out), 5000);
    expect_str(out, "K0", "v0 /home/me");
    expect_str(out, "K4999", "v4999 /home/me");
    json_decref(out);
    free(many);
    strv_free(&sv);
    free(text);
}

/* NUL bytes and invalid UTF-8 in values are errors, not silently cut strings. */
static void test_binary_values(void **state)
{
    (void)state;
    parse_err_at("A=x\0y", 5, false, BERTH_E_PARSE, "test.env:1: value of A contains a NUL character", __FILE__,
                 __LINE__);
    parse_err("A=\"\\0000\"", "value of A contains a NUL character");
    parse_err("A=caf\xe9", "value of A is not valid UTF-8");
    parse_err("A='\xff'", "value of A is not valid UTF-8");
    parse_err("A=$LATIN1", "value of A is not valid UTF-8");
}

/* The raw format: one KEY=VALUE per line, taken literally. */
static void test_raw(void **state)
{
    (void)state;
    json_t *out = parse_raw_ok("\xEF\xBB\xBF" "A=\"quoted\" # not a comment \n  B=$HOME_DIR ${X:-y}\r\n# comment\n\n"
                               "C=\\n\\t\nD=a=b\nINHERIT_ME\nNOT_THERE\nE=\nexport.F=1\n   \t\nG='x");
    expect_str(out, "A", "\"quoted\" # not a comment ");
    expect_str(out, "B", "$HOME_DIR ${X:-y}");
    expect_str(out, "C", "\\n\\t");
    expect_str(out, "D", "a=b");
    expect_str(out, "INHERIT_ME", "inherited value");
    expect_null(out, "NOT_THERE");
    expect_str(out, "E", "");
    expect_str(out, "export.F", "1");
    expect_str(out, "G", "'x");
    assert_int_equal(json_object_size(out), 9);
    json_decref(out);
    out = parse_raw_ok("K$=odd but allowed\nM=a\rb\r\r\n");
    expect_str(out, "K$", "odd but allowed");
    expect_str(out, "M", "a\rb\r");
    json_decref(out);
    raw_err("A=1\nexport B=2\n", "test.env:2: variable \"export B\" contains whitespaces");
    raw_err("A B=1", "contains whitespaces");
    raw_err("A\t=1", "contains whitespaces");
    raw_err("=1", "test.env:1: no variable name on line \"=1\"");
    raw_err("A=1\nB=\xff\n", "test.env:2: invalid UTF-8 on line 2");
    parse_err_at("A=1\0", 4, true, BERTH_E_PARSE, "NUL character on line 1", __FILE__, __LINE__);
    raw_err("LATIN1", "value of LATIN1 is not valid UTF-8");
}

/* dotenv_parse_file reads a file; a missing one is BERTH_E_NOT_FOUND. */
static void test_files(void **state)
{
    (void)state;
    char path[] = "/tmp/berth-test-dotenv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *body = "A=1\nB=\"two\nlines\"\nC=${A}${B:+!}\nD=oops\"\nE=\"never closed\n";
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    json_t *out = json_object();
    struct berth_error *err = NULL;
    assert_int_equal(dotenv_parse_file(path, false, env_lookup, NULL, out, &err), -1);
    char *want = xasprintf("%s:6: unterminated quoted value for E", path);
    assert_non_null(strstr(berth_error_message(err), want));
    free(want);
    expect_str(out, "A", "1");
    expect_str(out, "B", "two\nlines");
    expect_str(out, "C", "1!");
    expect_str(out, "D", "oops\"");
    berth_error_clear(&err);
    json_decref(out);

    out = json_object();
    assert_int_equal(dotenv_parse_file(path, true, env_lookup, NULL, out, &err), 0);
    expect_str(out, "B", "\"two");
    expect_null(out, "lines\"");
    json_decref(out);
    unlink(path);

    out = json_object();
    assert_int_equal(dotenv_parse_file(path, false, env_lookup, NULL, out, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_NOT_FOUND);
    assert_non_null(strstr(berth_error_message(err), path));
    berth_error_clear(&err);
    assert_int_equal(dotenv_parse_file("/tmp", false, env_lookup, NULL, out, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_SYSTEM);
    berth_error_clear(&err);
    json_decref(out);
}

/* Misuse is reported, not crashed on. */
static void test_bad_out(void **state)
{
    (void)state;
    struct berth_error *err = NULL;
    json_t *arr = json_array();
    assert_int_equal(dotenv_parse("A=1", 3, "x", false, NULL, NULL, arr, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_free(err);
    assert_int_equal(dotenv_parse("A=1", 3, "x", false, NULL, NULL, NULL, NULL), -1);
    json_decref(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_plain_values),
        cmocka_unit_test(test_equals_and_hash),
        cmocka_unit_test(test_inline_comments),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_single_quotes),
        cmocka_unit_test(test_double_quotes),
        cmocka_unit_test(test_after_quotes),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_interpolation),
        cmocka_unit_test(test_previous_files),
        cmocka_unit_test(test_interpolation_errors),
        cmocka_unit_test(test_inherited),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_binary_values),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_bad_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
