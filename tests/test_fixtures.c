/*
 * Fixture-driven tests of the whole loader: every folder of
 * tests/fixtures/compose/ is a project. options.json (optional) gives files,
 * project_name, profiles, env_files and env; expected.json is the exact
 * `berth config --format json` model ("@DIR@" stands for the folder), or
 * expected-error.txt lists lines the error message must contain.
 * BERTH_FIXTURES_UPDATE=1 rewrites expected.json from the current output
 * (review the diff before committing it).
 */
#include "config.h"

#include <dirent.h>
#include <jansson.h>

#include "tests/compose_test.h"

/* The fixtures folder: from the test environment, else next to this file. */
static char *fixtures_dir(void)
{
    const char *src = getenv("BERTH_TEST_SRCDIR");
    char buf[4096];
    if (src != NULL && *src) {
        snprintf(buf, sizeof(buf), "%s/tests/fixtures/compose", src);
    } else {
        snprintf(buf, sizeof(buf), "%s", __FILE__);
        char *slash = strrchr(buf, '/');
        if (slash != NULL)
            *slash = '\0';
        else
            snprintf(buf, sizeof(buf), ".");
        strncat(buf, "/fixtures/compose", sizeof(buf) - strlen(buf) - 1);
    }
    return strdup(buf);
}

/* Reads a whole file (NULL if missing). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    size_t r = fread(s, 1, (size_t)n, f);
    s[r] = '\0';
    fclose(f);
    return s;
}

/* Replaces every occurrence of from in s by to (malloc'd result; frees s). */
static char *replace_all(char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), count = 0;
    for (const char *p = s; (p = strstr(p, from)) != NULL; p += fl)
        count++;
    char *out = malloc(strlen(s) + count * (tl + 1) + 1), *o = out;
    assert_non_null(out);
    const char *p = s;
    for (const char *q; (q = strstr(p, from)) != NULL; p = q + fl) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
    }
    strcpy(o, p);
    free(s);
    return out;
}

/* A NULL-terminated string array from a JSON array of strings (pointers into it). */
static const char **strings(const json_t *a)
{
    if (!json_is_array(a))
        return NULL;
    const char **v = calloc(json_array_size(a) + 1, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < json_array_size(a); i++)
        v[i] = json_string_value(json_array_get(a, i));
    return v;
}

/* Runs one fixture folder; returns false (after printing why) when it fails. */
static bool run_case(const char *dir, const char *name)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/options.json", dir);
    json_t *opt = NULL;
    char *text = slurp(path);
    if (text != NULL) {
        json_error_t je;
        opt = json_loads(text, 0, &je);
        free(text);
        if (opt == NULL) {
            fprintf(stderr, "%s: options.json: %s\n", name, je.text);
            return false;
        }
    }
    const char **files = strings(json_object_get(opt, "files"));
    const char *deffiles[] = {"compose.yaml", NULL};
    const char **profiles = strings(json_object_get(opt, "profiles"));
    const char **env_files = strings(json_object_get(opt, "env_files"));
    const char **services = strings(json_object_get(opt, "services"));
    struct berth_project_options o = {
        .files = files ? files : deffiles,
        .project_name = json_is_null(json_object_get(opt, "project_name")) &&
                                json_object_get(opt, "project_name") != NULL
                            ? NULL
                            : json_string_value(json_object_get(opt, "project_name"))
                                  ? json_string_value(json_object_get(opt, "project_name"))
                                  : "fixture",
        .profiles = profiles,
        .env_files = env_files,
        .services = services,
    };
    const char *env[24] = {0};
    char *owned[24] = {0};
    size_t ne = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(opt, "env"), k, v) {
        if (ne + 1 >= sizeof(env) / sizeof(env[0]))
            break;
        size_t n = strlen(k) + strlen(json_string_value(v)) + 2;
        owned[ne] = malloc(n);
        snprintf(owned[ne], n, "%s=%s", k, json_string_value(v));
        env[ne] = owned[ne];
        ne++;
    }
    struct berth_error *err = NULL;
    struct berth_project *p = ct_load_opts(dir, &o, env, &err);
    bool ok = true;
    snprintf(path, sizeof(path), "%s/expected-error.txt", dir);
    char *want_err = slurp(path);
    if (want_err != NULL) {
        if (p != NULL) {
            fprintf(stderr, "%s: loaded, but expected-error.txt says it must fail\n", name);
            ok = false;
        } else {
            const char *msg = berth_error_message(err);
            for (char *line = strtok(want_err, "\n"); line; line = strtok(NULL, "\n")) {
                if (*line && strstr(msg, line) == NULL) {
                    fprintf(stderr, "%s: the error lacks:\n  %s\nerror:\n%s\n", name, line, msg);
                    ok = false;
                }
            }
        }
        free(want_err);
    } else if (p == NULL) {
        fprintf(stderr, "%s: load failed: %s\n", name, berth_error_message(err));
        ok = false;
    } else {
        char *got = berth_project_to_json(p, BERTH_PROJECT_ESCAPE_DOLLAR);
        got = replace_all(got, dir, "@DIR@");
        snprintf(path, sizeof(path), "%s/expected.json", dir);
        const char *update = getenv("BERTH_FIXTURES_UPDATE");
        if (update != NULL && strcmp(update, "1") == 0) {
            FILE *f = fopen(path, "w");
            assert_non_null(f);
            fputs(got, f);
            fclose(f);
        }
        char *want = slurp(path);
        json_error_t je;
        json_t *gj = json_loads(got, 0, &je), *wj = want ? json_loads(want, 0, &je) : NULL;
        if (wj == NULL) {
            fprintf(stderr, "%s: expected.json missing or invalid (%s); output:\n%s\n", name,
                    je.text, got);
            ok = false;
        } else if (!json_equal(gj, wj)) {
            fprintf(stderr, "%s: output differs from expected.json; output:\n%s\n", name, got);
            ok = false;
        }
        json_decref(gj);
        json_decref(wj);
        free(want);
        free(got);
    }
    berth_error_free(err);
    berth_project_free(p);
    for (size_t i = 0; i < ne; i++)
        free(owned[i]);
    free(files);
    free(profiles);
    free(env_files);
    free(services);
    json_decref(opt);
    return ok;
}

/* qsort comparator for names. */
static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_fixtures(void **state)
{
    (void)state;
    char *base = fixtures_dir();
    DIR *d = opendir(base);
    if (d == NULL)
        fail_msg("cannot open %s", base);
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 256;)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_name);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%s", base, names[i]);
        bool ok = run_case(dir, names[i]);
        fprintf(stderr, "%s %s\n", ok ? "ok  " : "FAIL", names[i]);
        failed += !ok;
        free(names[i]);
    }
    free(base);
    assert_true(n >= 10);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
