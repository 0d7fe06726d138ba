/*
 * Tests of plugins/detect.c with fake runtimes: programs in a temp dir that
 * answer, answer slowly, fail or hang. Every candidate is probed at once,
 * each within its own timeout; the first available in priority order wins.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <berth/runtime.h>

#include "tests/fake_probe.h"

static struct berth_engine *eng;
static char tmpdir[256];

/* Writes an executable script into tmpdir and configures flavour to run it. */
static void fake(const char *flavour, const char *body)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.sh", tmpdir, flavour);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    assert_int_equal(berth_backend_config_set(eng, flavour, "binary", path, NULL), 0);
}

#define OK_BODY "echo 1.2.3"
#define SLOW_BODY "sleep 0.3; echo 2.0"
#define FAIL_BODY "echo 'daemon not running' >&2; exit 1"
#define HANG_BODY "exec sleep 30"

/* Fresh engine with the fake driver. */
static int setup(void **state)
{
    (void)state;
    unsetenv("BERTH_BACKEND");
    unsetenv("BERTH_PROBE_TIMEOUT");
    eng = berth_engine_new(NULL, NULL);
    assert_non_null(eng);
    assert_int_equal(berth_plugins_add_driver(eng, fake_probe_driver(), "(test)", NULL), 0);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-detect.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

/* Frees the engine and the temp dir. */
static int teardown(void **state)
{
    (void)state;
    berth_engine_free(eng);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    unsetenv("BERTH_BACKEND");
    return 0;
}

struct done {
    int calls;
    bool inside_start;
};

static bool starting;

/* Detection finished. */
static void on_detect(struct berth_detect *d, void *user)
{
    struct done *dn = user;
    dn->calls++;
    dn->inside_start = starting;
    assert_true(berth_detect_done(d));
}

/* Runs a detection to the end; returns it (caller frees). */
static struct berth_detect *detect(const char *const *cands, uint64_t timeout_ms, bool all,
                                   uint64_t *elapsed)
{
    struct berth_detect_options o = {.candidates = cands, .candidates_origin = "--backend",
                                     .probe_timeout_ms = timeout_ms, .probe_all = all};
    struct done dn = {0};
    uint64_t t0 = berth_now_ms();
    starting = true;
    struct berth_error *e = NULL;
    struct berth_detect *d = berth_detect_start(eng, &o, on_detect, &dn, &e);
    starting = false;
    assert_null(e);
    assert_non_null(d);
    berth_engine_run(eng);
    if (elapsed != NULL)
        *elapsed = berth_now_ms() - t0;
    assert_int_equal(dn.calls, 1);
    assert_false(dn.inside_start);
    return d;
}

/* The candidate named name. */
static const struct berth_detect_candidate *cand(struct berth_detect *d, const char *name)
{
    for (size_t i = 0; i < berth_detect_count(d); i++)
        if (strcmp(berth_detect_candidate(d, i)->name, name) == 0)
            return berth_detect_candidate(d, i);
    fail_msg("no candidate %s", name);
    return NULL;
}

static void test_hanging_probes_run_in_parallel(void **state)
{
    (void)state;
    fake("fake-a", HANG_BODY);
    fake("fake-b", HANG_BODY);
    fake("fake-c", HANG_BODY);
    const char *cands[] = {"fake-a", "fake-b", "fake-c", "process", NULL};
    uint64_t dt;
    struct berth_detect *d = detect(cands, 1000, false, &dt);
    /* three 1 s timeouts at once: about 1 s, not 3 s */
    /* lower bounds allow for an embedder's coarse clock; upper bounds for a loaded machine */
    assert_true(dt + 20 >= 1000);
    assert_true(dt < 2800);
    assert_string_equal(berth_detect_chosen(d), "process");
    assert_null(berth_detect_error(d));
    for (int i = 0; i < 3; i++) {
        const struct berth_detect_candidate *c = berth_detect_candidate(d, (size_t)i);
        assert_true(c->probed);
        assert_false(c->available);
        assert_false(c->chosen);
        assert_string_equal(c->driver, "fake");
        assert_string_equal(c->file, "(test)");
        assert_non_null(strstr(c->reason, "no answer within 1000 ms"));
        if (!(c->elapsed_ms >= 900 && c->elapsed_ms < 2800))
            fail_msg("%s: elapsed %llu ms", c->name, (unsigned long long)c->elapsed_ms);
    }
    const struct berth_detect_candidate *p = cand(d, "process");
    assert_true(p->available);
    assert_true(p->chosen);
    assert_string_equal(p->version, BERTH_VERSION_STRING);
    assert_non_null(strstr(p->reason, "chosen"));
    berth_detect_free(d);
}

static void test_priority_beats_speed(void **state)
{
    (void)state;
    fake("fake-a", SLOW_BODY);
    fake("fake-b", OK_BODY);
    const char *cands[] = {"fake-a", "fake-b", NULL};
    uint64_t dt;
    struct berth_detect *d = detect(cands, 2000, false, &dt);
    assert_true(dt >= 300);
    assert_string_equal(berth_detect_chosen(d), "fake-a");
    assert_string_equal(cand(d, "fake-a")->version, "2.0");
    assert_string_equal(cand(d, "fake-a")->reason, "chosen: requested by --backend");
    assert_true(cand(d, "fake-b")->available);
    assert_string_equal(cand(d, "fake-b")->version, "1.2.3");
    assert_string_equal(cand(d, "fake-b")->reason, "available, but 'fake-a' comes first");
    berth_detect_free(d);
}

static void test_first_available_stops_early(void **state)
{
    (void)state;
    fake("fake-a", OK_BODY);
    fake("fake-b", HANG_BODY);
    const char *cands[] = {"fake-a", "fake-b", NULL};
    uint64_t dt;
    struct berth_detect *d = detect(cands, 6000, false, &dt);
    assert_true(dt < 4000); /* did not wait for fake-b's timeout */
    assert_string_equal(berth_detect_chosen(d), "fake-a");
    assert_false(cand(d, "fake-b")->probed);
    assert_non_null(strstr(cand(d, "fake-b")->reason, "not checked to the end"));
    berth_detect_free(d);

    /* probe_all waits for everyone */
    d = detect(cands, 400, true, &dt);
    assert_true(dt + 20 >= 400);
    assert_string_equal(berth_detect_chosen(d), "fake-a");
    assert_true(cand(d, "fake-b")->probed);
    assert_non_null(strstr(cand(d, "fake-b")->reason, "timed out"));
    berth_detect_free(d);
}

static void test_failures_explained(void **state)
{
    (void)state;
    fake("fake-a", FAIL_BODY);
    const char *cands[] = {"fake-a", "nosuch", "process", NULL};
    struct berth_detect *d = detect(cands, 2000, false, NULL);
    assert_string_equal(berth_detect_chosen(d), "process");
    assert_false(cand(d, "fake-a")->available);
    assert_string_equal(cand(d, "fake-a")->reason, "daemon not running");
    assert_null(cand(d, "nosuch")->driver);
    assert_non_null(strstr(cand(d, "nosuch")->reason, "no driver provides it"));
    assert_string_equal(cand(d, "process")->reason, "chosen: first available in priority order");
    berth_detect_free(d);
}

/* trust_single: a backend named alone is chosen without a probe; two names are still probed. */
static void test_trust_single(void **state)
{
    (void)state;
    fake("fake-a", FAIL_BODY); /* its probe would say "unavailable" */
    const char *one[] = {"fake-a", NULL};
    struct berth_detect_options o = {.candidates = one,
                                     .candidates_origin = "--backend",
                                     .probe_timeout_ms = 2000,
                                     .trust_single = true};
    struct done dn = {0};
    struct berth_detect *d = berth_detect_start(eng, &o, on_detect, &dn, NULL);
    assert_non_null(d);
    berth_engine_run(eng);
    assert_int_equal(dn.calls, 1);
    assert_string_equal(berth_detect_chosen(d), "fake-a");
    assert_false(cand(d, "fake-a")->probed);
    struct berth_backend *b = berth_detect_take_backend(d);
    assert_non_null(b);
    berth_backend_free(b);
    berth_detect_free(d);

    const char *two[] = {"fake-a", "process", NULL};
    o.candidates = two;
    dn.calls = 0;
    d = berth_detect_start(eng, &o, on_detect, &dn, NULL);
    assert_non_null(d);
    berth_engine_run(eng);
    assert_string_equal(berth_detect_chosen(d), "process");
    assert_true(cand(d, "fake-a")->probed);
    assert_false(cand(d, "fake-a")->available);
    berth_detect_free(d);
}

static void test_none_available(void **state)
{
    (void)state;
    fake("fake-a", FAIL_BODY);
    const char *cands[] = {"fake-a", "nosuch", NULL};
    struct berth_detect *d = detect(cands, 2000, false, NULL);
    assert_null(berth_detect_chosen(d));
    assert_null(berth_detect_take_backend(d));
    const struct berth_error *e = berth_detect_error(d);
    assert_int_equal(berth_error_code(e), BERTH_E_NOT_FOUND);
    assert_non_null(strstr(berth_error_message(e), "--backend"));
    assert_non_null(strstr(berth_error_message(e), "fake-a: daemon not running"));
    assert_non_null(strstr(berth_error_message(e), "nosuch: no driver provides it"));
    assert_non_null(berth_error_hint(e));
    berth_detect_free(d);
}

static void test_default_without_runtimes_is_process(void **state)
{
    (void)state;
    const char *const *def = berth_detect_default_candidates();
#if defined(__APPLE__)
    assert_string_equal(def[0], "apple");
#else
    assert_string_equal(def[0], "podman");
    assert_string_equal(def[1], "nerdctl");
    assert_string_equal(def[2], "docker");
    assert_string_equal(def[3], "process");
    assert_null(def[4]);
#endif
    /* no plugins loaded: only the built-in process driver can answer */
    struct done dn = {0};
    struct berth_detect *d = berth_detect_start(eng, NULL, on_detect, &dn, NULL);
    assert_non_null(d);
    assert_string_equal(berth_detect_source(d), "default");
    berth_engine_run(eng);
    assert_string_equal(berth_detect_chosen(d), "process");
    struct berth_backend *b = berth_detect_take_backend(d);
    assert_non_null(b);
    assert_string_equal(berth_backend_name(b), "process");
    assert_null(berth_detect_take_backend(d));
    berth_detect_free(d);
    berth_backend_free(b);
}

static void test_env_and_file_precedence(void **state)
{
    (void)state;
    fake("fake-a", OK_BODY);
    const char *file[] = {"fake-a", NULL};
    struct berth_detect_options o = {.file_candidates = file};
    struct done dn = {0};

    struct berth_detect *d = berth_detect_start(eng, &o, on_detect, &dn, NULL);
    assert_string_equal(berth_detect_source(d), "compose file");
    berth_engine_run(eng);
    assert_string_equal(berth_detect_chosen(d), "fake-a");
    berth_detect_free(d);

    setenv("BERTH_BACKEND", " process , fake-a", 1);
    d = berth_detect_start(eng, &o, on_detect, &dn, NULL);
    assert_string_equal(berth_detect_source(d), "BERTH_BACKEND");
    assert_int_equal(berth_detect_count(d), 2);
    berth_engine_run(eng);
    assert_string_equal(berth_detect_chosen(d), "process");
    berth_detect_free(d);

    const char *flag[] = {"fake-a", NULL};
    o.candidates = flag;
    o.candidates_origin = "--backend";
    d = berth_detect_start(eng, &o, on_detect, &dn, NULL);
    assert_string_equal(berth_detect_source(d), "--backend");
    berth_engine_run(eng);
    assert_string_equal(berth_detect_chosen(d), "fake-a");
    berth_detect_free(d);

    o.candidates = NULL;
    setenv("BERTH_BACKEND", "podman,,docker", 1);
    struct berth_error *e = NULL;
    assert_null(berth_detect_start(eng, &o, on_detect, &dn, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_message(e), "BERTH_BACKEND"));
    assert_non_null(strstr(berth_error_message(e), "empty backend name"));
    berth_error_free(e);
}

static void test_probe_timeout_config(void **state)
{
    (void)state;
    fake("fake-a", HANG_BODY);
    berth_backend_config_set(eng, "fake-a", "probe_timeout", "300ms", NULL);
    const char *cands[] = {"fake-a", "process", NULL};
    uint64_t dt;
    struct berth_detect *d = detect(cands, 0, false, &dt);
    assert_true(dt + 20 >= 300 && dt < 2800);
    assert_non_null(strstr(cand(d, "fake-a")->reason, "no answer within 300 ms"));
    berth_detect_free(d);
}

static void test_free_while_running(void **state)
{
    (void)state;
    fake("fake-a", HANG_BODY);
    fake("fake-b", HANG_BODY);
    const char *cands[] = {"fake-a", "fake-b", NULL};
    struct berth_detect_options o = {.candidates = cands, .probe_timeout_ms = 5000};
    struct done dn = {0};
    struct berth_detect *d = berth_detect_start(eng, &o, on_detect, &dn, NULL);
    assert_non_null(d);
    assert_false(berth_detect_done(d));
    assert_null(berth_detect_chosen(d));
    uint64_t t0 = berth_now_ms();
    berth_detect_free(d);
    berth_engine_run(eng); /* nothing left: the probes were killed, no callback */
    assert_true(berth_now_ms() - t0 < 2000);
    assert_int_equal(dn.calls, 0);
    assert_int_equal(berth_proc_count(eng), 0);
}

static void test_list_parse(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    char **v = berth_backend_list_parse("podman, docker ,process", &e);
    assert_non_null(v);
    assert_string_equal(v[0], "podman");
    assert_string_equal(v[1], "docker");
    assert_string_equal(v[2], "process");
    assert_null(v[3]);
    berth_backend_list_free(v);
    const char *bad[] = {"", "a,,b", "Podman", "a b", "-x", "podman,"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(berth_backend_list_parse(bad[i], &e));
        assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
        assert_non_null(berth_error_hint(e));
        berth_error_clear(&e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hanging_probes_run_in_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_beats_speed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_available_stops_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_explained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_none_available, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trust_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_without_runtimes_is_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_and_file_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_timeout_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_parse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
