/*
 * Backend selection by capability (plugins/select.c): fake drivers with
 * known capability tables, registered with berth_plugins_add_driver(), in
 * the three modes; the spec-to-feature mapping; the survey behind doctor.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <berth/container.h>

#include "tests/capi_helpers.h"

/* ------------------------------------------------------------ fake drivers */

/* An instance remembers its host (for the probe's answer). */
struct fake_state {
    const struct berth_host *host;
};

static int fake_create(const struct berth_host *host, const char *flavour, void **state,
                       struct berth_error **err)
{
    (void)flavour;
    (void)err;
    struct fake_state *st = calloc(1, sizeof(*st));
    st->host = host;
    *state = st;
    return 0;
}

static void fake_destroy(void *state)
{
    free(state);
}

/* PROBE: available unless the "down" configuration says why not. */
static void fake_probe(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    (void)req;
    struct fake_state *st = state;
    const char *down = st->host->config(st->host, "down");
    struct berth_probe_info pi = {.available = down == NULL,
                                  .version = "1.2.3",
                                  .reason = down};
    struct berth_op_result r = {.probe = &pi};
    st->host->op_complete(op, NULL, &r);
}

#define N BERTH_SUPPORT_NATIVE
#define E BERTH_SUPPORT_EMULATED
#define P BERTH_SUPPORT_PARTIAL
#define U BERTH_SUPPORT_UNSUPPORTED

/* Everything native. */
static const enum berth_support caps_native[BERTH_FEAT_COUNT] = {
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, U};
/* seccomp and tmpfs emulated, the rest native. */
static const enum berth_support caps_emul[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_SECCOMP] = E, [BERTH_FEAT_TMPFS] = E,       [BERTH_FEAT_IMAGES] = N,
    [BERTH_FEAT_PORT_PUBLISH] = N, [BERTH_FEAT_USER] = N,   [BERTH_FEAT_CAPABILITIES] = N,
    [BERTH_FEAT_NETWORK_ALIASES] = N, [BERTH_FEAT_NAMED_VOLUMES] = N,
};
/* seccomp partial, network aliases unsupported. */
static const enum berth_support caps_partial[BERTH_FEAT_COUNT] = {
    [BERTH_FEAT_SECCOMP] = P, [BERTH_FEAT_TMPFS] = P, [BERTH_FEAT_IMAGES] = N,
    [BERTH_FEAT_PORT_PUBLISH] = N, [BERTH_FEAT_USER] = N,
};

#define FAKE_DRIVER(var, nm, table)                                                                \
    static const struct berth_backend_driver var = {                                               \
        .abi_major = BERTH_BACKEND_ABI_MAJOR,                                                      \
        .abi_minor = BERTH_BACKEND_ABI_MINOR,                                                      \
        .name = nm,                                                                                \
        .description = "test driver",                                                              \
        .caps = table,                                                                             \
        .caps_count = BERTH_FEAT_COUNT,                                                            \
        .create = fake_create,                                                                     \
        .destroy = fake_destroy,                                                                   \
        .ops = {[BERTH_OP_PROBE] = fake_probe},                                                    \
    }

FAKE_DRIVER(drv_native, "fk-native", caps_native);
FAKE_DRIVER(drv_native2, "fk-native-down", caps_native);
FAKE_DRIVER(drv_emul, "fk-emul", caps_emul);
FAKE_DRIVER(drv_partial, "fk-partial", caps_partial);

static struct capi_env env;

/* A fresh engine with the fake drivers. */
static int setup(void **state)
{
    (void)state;
    capi_env_init(&env);
    const struct berth_backend_driver *drvs[] = {&drv_native, &drv_native2, &drv_emul,
                                                 &drv_partial};
    for (size_t i = 0; i < 4; i++) {
        struct berth_error *e = NULL;
        if (berth_plugins_add_driver(env.eng, drvs[i], "(test)", &e) < 0)
            fail_msg("%s", berth_error_message(e));
    }
    struct berth_error *e = NULL;
    assert_int_equal(
        berth_backend_config_set(env.eng, "fk-native-down", "down", "daemon not running", &e), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capi_env_free(&env);
    return 0;
}

/* A spec using seccomp and published ports (and an image). */
static const char *const sec_opts[] = {"seccomp=/etc/profile.json", NULL};
static const struct berth_port_spec one_port[] = {{.target = 80}};
static const struct berth_container_spec spec_seccomp = {
    .image = "busybox", .security_opt = sec_opts, .ports = one_port, .n_ports = 1,
    .stop_grace_seconds = -1};

/* Runs capability selection and waits. */
static void by_cap(const struct berth_container_spec *spec, const char *const *cands,
                   enum berth_select_mode mode, bool apply, struct capi_capture *c)
{
    capi_capture_init(c);
    struct berth_select_options o = {.candidates = cands, .mode = mode, .apply = apply};
    struct berth_error *e = NULL;
    struct berth_container_op *op = berth_select_by_capability(env.eng, spec, &o, capi_done, c, &e);
    if (op == NULL)
        fail_msg("not started: %s", berth_error_message(e));
    assert_false(c->done);
    capi_wait(&env, c, 30);
    assert_int_equal(c->calls, 1);
}

/* The verdict line of a candidate ("name:q:a:c:feature:reason"). */
static const char *verdict(const struct capi_capture *c, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < c->verdicts.n; i++)
        if (strncmp(c->verdicts.v[i], name, n) == 0 && c->verdicts.v[i][n] == ':')
            return c->verdicts.v[i];
    fail_msg("no verdict for %s", name);
    return NULL;
}

/* ---------------------------------------------------------------- mapping */

static void test_spec_features(void **state)
{
    (void)state;
    bool used[BERTH_FEAT_COUNT];
    memset(used, 0, sizeof(used));
    struct berth_container_spec empty = {.stop_grace_seconds = -1};
    assert_int_equal(berth_select_spec_features(&empty, used), 0);

    const char *sec[] = {"no-new-privileges:true", "seccomp:unconfined", "label=disable", NULL};
    const char *al[] = {"db", NULL};
    struct berth_network_attach nets[] = {{.name = "n1"}, {.name = "n2", .aliases = al}};
    struct berth_mount_spec mounts[] = {{.type = BERTH_MOUNT_BIND, .source = "/a", .target = "/b"},
                                        {.type = BERTH_MOUNT_VOLUME, .source = "v", .target = "/v"},
                                        {.type = BERTH_MOUNT_TMPFS, .target = "/t"}};
    const char *caps[] = {"NET_ADMIN", NULL};
    struct berth_container_spec s = {.image = "img", .security_opt = sec, .privileged = true,
                                     .networks = nets, .n_networks = 2, .ports = one_port,
                                     .n_ports = 1, .mounts = mounts, .n_mounts = 3,
                                     .userns_mode = "keep-id", .read_only = true, .cap_add = caps,
                                     .user = "1000", .stop_signal = "SIGINT",
                                     .stop_grace_seconds = -1};
    s.resources.memory = 1 << 20;
    assert_int_equal(berth_select_spec_features(&s, used), 14);
    enum berth_feature want[] = {BERTH_FEAT_SECCOMP,         BERTH_FEAT_NO_NEW_PRIVILEGES,
                                 BERTH_FEAT_PRIVILEGED,      BERTH_FEAT_NETWORK_ALIASES,
                                 BERTH_FEAT_PORT_PUBLISH,    BERTH_FEAT_NAMED_VOLUMES,
                                 BERTH_FEAT_TMPFS,           BERTH_FEAT_RESOURCE_LIMITS,
                                 BERTH_FEAT_USERNS,          BERTH_FEAT_READ_ONLY_ROOTFS,
                                 BERTH_FEAT_CAPABILITIES,    BERTH_FEAT_USER,
                                 BERTH_FEAT_STOP_SIGNAL,     BERTH_FEAT_IMAGES};
    for (size_t i = 0; i < 14; i++)
        assert_true(used[want[i]]);
    assert_false(used[BERTH_FEAT_BUILD]);
    assert_false(used[BERTH_FEAT_VM_ISOLATION]);

    /* Entries already set stay set; "no-new-privileges:false" is not a use. */
    memset(used, 0, sizeof(used));
    used[BERTH_FEAT_HEALTHCHECK] = true;
    const char *nn[] = {"no-new-privileges:false", NULL};
    struct berth_container_spec s2 = {.security_opt = nn, .stop_grace_seconds = -1};
    assert_int_equal(berth_select_spec_features(&s2, used), 0);
    assert_true(used[BERTH_FEAT_HEALTHCHECK]);
    assert_false(used[BERTH_FEAT_NO_NEW_PRIVILEGES]);
    /* Ulimits are resource limits; cap_drop alone is capabilities. */
    struct berth_ulimit ul[] = {{"nofile", 10, 10}};
    const char *drop[] = {"ALL", NULL};
    struct berth_container_spec s3 = {.ulimits = ul, .n_ulimits = 1, .cap_drop = drop,
                                      .stop_grace_seconds = -1};
    memset(used, 0, sizeof(used));
    assert_int_equal(berth_select_spec_features(&s3, used), 2);
    assert_true(used[BERTH_FEAT_RESOURCE_LIMITS]);
    assert_true(used[BERTH_FEAT_CAPABILITIES]);
}

static void test_mode_names(void **state)
{
    (void)state;
    enum berth_select_mode m;
    assert_int_equal(berth_select_mode_parse("accept-emulated", &m, NULL), 0);
    assert_int_equal(m, BERTH_SELECT_ACCEPT_EMULATED);
    assert_string_equal(berth_select_mode_name(BERTH_SELECT_STRICT_NATIVE), "strict-native");
    assert_string_equal(berth_select_mode_name(BERTH_SELECT_ACCEPT_PARTIAL), "accept-partial");
    assert_null(berth_select_mode_name((enum berth_select_mode)7));
    struct berth_error *e = NULL;
    assert_int_equal(berth_select_mode_parse("strict", &m, &e), -1);
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    assert_non_null(strstr(berth_error_hint(e), "strict-native"));
    berth_error_free(e);
}

static void test_check_per_mode(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    struct berth_backend *nat = berth_backend_new(env.eng, "fk-native", &e);
    struct berth_backend *emu = berth_backend_new(env.eng, "fk-emul", &e);
    struct berth_backend *par = berth_backend_new(env.eng, "fk-partial", &e);
    assert_non_null(nat);
    assert_non_null(emu);
    assert_non_null(par);
    enum berth_feature bad = BERTH_FEAT_COUNT;
    assert_true(berth_select_check(nat, &spec_seccomp, BERTH_SELECT_STRICT_NATIVE, &bad));
    assert_false(berth_select_check(emu, &spec_seccomp, BERTH_SELECT_STRICT_NATIVE, &bad));
    assert_int_equal(bad, BERTH_FEAT_SECCOMP);
    assert_true(berth_select_check(emu, &spec_seccomp, BERTH_SELECT_ACCEPT_EMULATED, NULL));
    assert_false(berth_select_check(par, &spec_seccomp, BERTH_SELECT_ACCEPT_EMULATED, &bad));
    assert_int_equal(bad, BERTH_FEAT_SECCOMP);
    assert_true(berth_select_check(par, &spec_seccomp, BERTH_SELECT_ACCEPT_PARTIAL, NULL));
    /* unsupported never qualifies */
    const char *al[] = {"x", NULL};
    struct berth_network_attach net = {.name = "n", .aliases = al};
    struct berth_container_spec s = {.image = "i", .networks = &net, .n_networks = 1,
                                     .stop_grace_seconds = -1};
    assert_false(berth_select_check(par, &s, BERTH_SELECT_ACCEPT_PARTIAL, &bad));
    assert_int_equal(bad, BERTH_FEAT_NETWORK_ALIASES);
    berth_backend_free(nat);
    berth_backend_free(emu);
    berth_backend_free(par);
}

/* ------------------------------------------------------------------ modes */

static const char *const order_emul_first[] = {"fk-partial", "fk-emul", "fk-native", NULL};

static void test_strict_native(void **state)
{
    (void)state;
    struct capi_capture c;
    by_cap(&spec_seccomp, order_emul_first, BERTH_SELECT_STRICT_NATIVE, false, &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.backend, "fk-native");
    assert_int_equal(c.verdicts.n, 3);
    assert_true(str_starts_with(verdict(&c, "fk-partial"),
                                "fk-partial:0:0:0:seccomp:seccomp is partial"));
    assert_true(str_starts_with(verdict(&c, "fk-emul"),
                                "fk-emul:0:0:0:seccomp:seccomp is emulated (strict-native needs "
                                "native)"));
    assert_true(str_starts_with(verdict(&c, "fk-native"), "fk-native:1:1:1:-:chosen"));
    /* the selection itself was not touched */
    assert_false(berth_select_used(env.eng));
    assert_null(berth_select_current(env.eng));
    capi_capture_reset(&c);
}

static void test_accept_emulated(void **state)
{
    (void)state;
    struct capi_capture c;
    by_cap(&spec_seccomp, order_emul_first, BERTH_SELECT_ACCEPT_EMULATED, false, &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.backend, "fk-emul");
    assert_non_null(strstr(verdict(&c, "fk-partial"),
                           "seccomp is partial (accept-emulated needs native or emulated)"));
    assert_true(str_starts_with(verdict(&c, "fk-emul"), "fk-emul:1:1:1:-:"));
    /* lower-priority qualifying candidates are not the answer */
    assert_true(str_starts_with(verdict(&c, "fk-native"), "fk-native:1:"));
    assert_null(strstr(verdict(&c, "fk-native"), ":1:1:1:"));
    capi_capture_reset(&c);
}

static void test_accept_partial(void **state)
{
    (void)state;
    struct capi_capture c;
    by_cap(&spec_seccomp, order_emul_first, BERTH_SELECT_ACCEPT_PARTIAL, false, &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.backend, "fk-partial");
    capi_capture_reset(&c);
    /* a feature unsupported by fk-partial sends even accept-partial further down */
    const char *al[] = {"x", NULL};
    struct berth_network_attach net = {.name = "n", .aliases = al};
    struct berth_container_spec s = spec_seccomp;
    s.networks = &net;
    s.n_networks = 1;
    by_cap(&s, order_emul_first, BERTH_SELECT_ACCEPT_PARTIAL, false, &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.backend, "fk-emul");
    assert_non_null(strstr(verdict(&c, "fk-partial"), "network-aliases is unsupported"));
    capi_capture_reset(&c);
}

static void test_none_qualifies(void **state)
{
    (void)state;
    struct capi_capture c;
    const char *cands[] = {"fk-partial", "fk-emul", "nowhere", NULL};
    by_cap(&spec_seccomp, cands, BERTH_SELECT_STRICT_NATIVE, false, &c);
    assert_int_equal(c.code, BERTH_E_UNSUPPORTED);
    /* the message names every candidate and what disqualified it */
    assert_non_null(strstr(c.message, "strict-native"));
    assert_non_null(strstr(c.message, "fk-partial: seccomp is partial"));
    assert_non_null(strstr(c.message, "fk-emul: seccomp is emulated"));
    assert_non_null(strstr(c.message, "nowhere: no driver provides it"));
    assert_non_null(c.hint);
    assert_int_equal(c.verdicts.n, 3);
    assert_true(str_starts_with(verdict(&c, "nowhere"), "nowhere:0:0:0:-:"));
    capi_capture_reset(&c);
}

static void test_qualifying_but_unavailable(void **state)
{
    (void)state;
    struct capi_capture c;
    const char *cands[] = {"fk-native-down", "fk-emul", NULL};
    by_cap(&spec_seccomp, cands, BERTH_SELECT_STRICT_NATIVE, false, &c);
    assert_int_equal(c.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(c.message, "fk-native-down: daemon not running"));
    assert_non_null(strstr(c.message, "fk-emul: seccomp is emulated"));
    assert_true(str_starts_with(verdict(&c, "fk-native-down"),
                                "fk-native-down:1:0:0:-:daemon not running"));
    capi_capture_reset(&c);
    by_cap(&spec_seccomp, cands, BERTH_SELECT_ACCEPT_EMULATED, false, &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.backend, "fk-emul");
    capi_capture_reset(&c);
}

static void test_process_backend_verdicts(void **state)
{
    (void)state;
    struct capi_capture c;
    const char *cands[] = {"process", NULL};
    /* an image needs a container runtime: never the process backend */
    by_cap(&spec_seccomp, cands, BERTH_SELECT_ACCEPT_PARTIAL, false, &c);
    assert_int_equal(c.code, BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(c.message, "images is unsupported"));
    capi_capture_reset(&c);
    /* a host command run as another user: partial support */
    const char *cmd[] = {"true", NULL};
    struct berth_container_spec s = {.command = cmd, .user = "nobody", .stop_grace_seconds = -1};
    by_cap(&s, cands, BERTH_SELECT_ACCEPT_EMULATED, false, &c);
    assert_int_equal(c.code, BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(c.message, "user is partial"));
    capi_capture_reset(&c);
    by_cap(&s, cands, BERTH_SELECT_ACCEPT_PARTIAL, false, &c);
    assert_int_equal(c.code, 0);
    assert_string_equal(c.backend, "process");
    capi_capture_reset(&c);
}

static void test_candidates_from_selection_list(void **state)
{
    (void)state;
    const char *names[] = {"fk-emul", "fk-native", NULL};
    struct berth_error *e = NULL;
    assert_int_equal(berth_select_set(env.eng, names, NULL, &e), 0);
    struct capi_capture c;
    by_cap(&spec_seccomp, NULL, BERTH_SELECT_ACCEPT_EMULATED, false, &c);
    assert_string_equal(c.backend, "fk-emul");
    assert_int_equal(c.verdicts.n, 2);
    capi_capture_reset(&c);
    by_cap(&spec_seccomp, NULL, BERTH_SELECT_STRICT_NATIVE, false, &c);
    assert_string_equal(c.backend, "fk-native");
    capi_capture_reset(&c);
    /* invalid explicit candidates are refused at the call */
    const char *bad[] = {"Bad Name", NULL};
    struct berth_select_options o = {.candidates = bad};
    assert_null(berth_select_by_capability(env.eng, &spec_seccomp, &o, capi_done, &c, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    berth_error_clear(&e);
    o.candidates = NULL;
    o.mode = (enum berth_select_mode)9;
    assert_null(berth_select_by_capability(env.eng, &spec_seccomp, &o, capi_done, &c, &e));
    berth_error_clear(&e);
    assert_null(berth_select_by_capability(env.eng, NULL, NULL, capi_done, &c, &e));
    berth_error_clear(&e);
}

static void test_apply(void **state)
{
    (void)state;
    struct capi_capture c;
    by_cap(&spec_seccomp, order_emul_first, BERTH_SELECT_STRICT_NATIVE, true, &c);
    assert_int_equal(c.code, 0);
    assert_non_null(berth_select_current(env.eng));
    assert_string_equal(berth_backend_name(berth_select_current(env.eng)), "fk-native");
    capi_capture_reset(&c);
    /* the applied backend is what operations use */
    struct berth_error *e = NULL;
    capi_capture_init(&c);
    assert_non_null(berth_select_get(env.eng, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_string_equal(c.backend, "fk-native");
    capi_capture_reset(&c);
    /* once used, applying again is refused at the call */
    struct berth_select_options o = {.candidates = order_emul_first, .apply = true};
    assert_null(berth_select_by_capability(env.eng, &spec_seccomp, &o, capi_done, &c, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_STATE);
    berth_error_clear(&e);
    /* without apply it still answers */
    by_cap(&spec_seccomp, order_emul_first, BERTH_SELECT_ACCEPT_PARTIAL, false, &c);
    assert_string_equal(c.backend, "fk-partial");
    assert_string_equal(berth_backend_name(berth_select_current(env.eng)), "fk-native");
    capi_capture_reset(&c);
}

static void test_cancel(void **state)
{
    (void)state;
    struct capi_capture c;
    capi_capture_init(&c);
    struct berth_select_options o = {.candidates = order_emul_first};
    struct berth_error *e = NULL;
    struct berth_container_op *op =
        berth_select_by_capability(env.eng, &spec_seccomp, &o, capi_done, &c, &e);
    assert_non_null(op);
    berth_container_op_cancel(op);
    assert_false(c.done);
    capi_wait(&env, &c, 10);
    assert_int_equal(c.code, BERTH_E_CANCELLED);
    capi_spin(&env, 30);
    assert_int_equal(c.calls, 1);
    capi_capture_reset(&c);
}

/* ----------------------------------------------------------------- survey */

/* Survey rows captured in the callback. */
struct survey_view {
    bool done;
    int code;
    struct strv rows; /* "name|driver|binary|found|avail|chosen|runtime|seccomp-level|reason" */
    char *chosen;
    char *source;
    size_t n_dirs;
    bool last_dir_installed;
};

static void survey_done(const struct berth_container_result *res, void *user)
{
    struct survey_view *v = user;
    v->done = true;
    v->code = res->error ? berth_error_code(res->error) : 0;
    if (res->survey == NULL)
        return;
    const struct berth_backend_survey *s = res->survey;
    for (size_t i = 0; i < s->n_backends; i++) {
        const struct berth_backend_status *b = &s->backends[i];
        strv_pushf(&v->rows, "%s|%s|%s|%d|%d|%d|%d|%s|%s", b->name, b->driver ? b->driver : "-",
                   b->binary ? b->binary : "-", b->binary_path != NULL, b->available, b->chosen,
                   b->container_runtime,
                   b->caps ? berth_support_name(b->caps[BERTH_FEAT_SECCOMP]) : "-",
                   b->reason ? b->reason : "");
    }
    v->chosen = s->chosen ? xstrdup(s->chosen) : NULL;
    v->source = xstrdup(s->source);
    for (v->n_dirs = 0; s->plugin_dirs[v->n_dirs] != NULL; v->n_dirs++)
        ;
    v->last_dir_installed = v->n_dirs > 0 && strstr(s->plugin_dirs[v->n_dirs - 1], "backends");
}

static void test_survey(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    const char *names[] = {"fk-native-down", "fk-emul", "fk-partial", "nowhere", "process", NULL};
    assert_int_equal(berth_select_set(env.eng, names, "the test", &e), 0);
    assert_int_equal(berth_backend_config_set(env.eng, "fk-emul", "binary", "sh", &e), 0);
    assert_int_equal(
        berth_backend_config_set(env.eng, "fk-partial", "binary", "/nonexistent/capi-rt", &e), 0);
    struct survey_view v = {0};
    strv_init(&v.rows);
    assert_non_null(berth_select_survey(env.eng, survey_done, &v, &e));
    assert_false(v.done);
    for (int i = 0; i < 3000 && !v.done; i++)
        capi_spin(&env, 10);
    assert_true(v.done);
    assert_int_equal(v.code, 0);
    assert_int_equal(v.rows.n, 5);
    assert_true(str_starts_with(v.rows.v[0], "fk-native-down|fk-native-down|-|0|0|0|1|native|"
                                             "daemon not running"));
    /* probed to the end: lower priorities are available too, the first available is chosen */
    assert_true(str_starts_with(v.rows.v[1], "fk-emul|fk-emul|sh|1|1|1|1|emulated|chosen"));
    assert_true(str_starts_with(v.rows.v[2], "fk-partial|fk-partial|/nonexistent/capi-rt|0|1|0|1|"
                                             "partial|available, but 'fk-emul' comes first"));
    assert_true(str_starts_with(v.rows.v[3], "nowhere|-|-|0|0|0|0|-|no driver"));
    assert_true(str_starts_with(v.rows.v[4], "process|process|-|0|1|0|0|unsupported|"));
    assert_string_equal(v.chosen, "fk-emul");
    assert_string_equal(v.source, "the test");
    assert_true(v.n_dirs >= 1);
    assert_true(v.last_dir_installed);
    /* a survey is not a use */
    assert_false(berth_select_used(env.eng));
    strv_free(&v.rows);
    free(v.chosen);
    free(v.source);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_features),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test_setup_teardown(test_check_per_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict_native, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_emulated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_none_qualifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qualifying_but_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_backend_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_candidates_from_selection_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_survey, setup, teardown),
    };
    return cmocka_run_group_tests_name("select", tests, NULL, NULL);
}
