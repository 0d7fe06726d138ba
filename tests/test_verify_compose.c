/*
 * Image verification in the compose engine: x-berth.verify read from a
 * loaded project (problems located at file:line:col), and `up` / `run` on
 * the engine's in-test fake driver (tests/test_engine_harness.c) extended
 * with images: enforce refuses before anything (network or container) is
 * created, a verified project comes up, warn goes on, BERTH_VERIFY and the
 * engine's override apply. cosign is the fake one (tests/fake-cosign).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include <berth/project.h>
#include <berth/verify.h>

#include "compose/verify-model.h"
#include "tests/engine_harness.h"
#include "tests/verify_fake.h"

#define DW "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DD "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

static char tmp[256];

/* ------------------------------------------------ the driver, with images */

static enum berth_support img_caps[BERTH_FEAT_COUNT];
static struct berth_backend_driver img_table;
static int inspects;

/* IMAGE_INSPECT / IMAGE_PULL: two images with repository digests, one local. */
static void img_op(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    (void)state;
    static const char *const web[] = {"ghcr.io/acme/web@" DW, NULL};
    static const char *const db[] = {"quay.io/acme/db@" DD, NULL};
    static const char *const local[] = {"localhost/tool@" DD, NULL};
    const char *const *digests = NULL;
    if (strcmp(req->target, "ghcr.io/acme/web:1") == 0)
        digests = web;
    else if (strcmp(req->target, "quay.io/acme/db:2") == 0)
        digests = db;
    else if (strcmp(req->target, "localhost/tool:dev") == 0)
        digests = local;
    if (req->kind == BERTH_OP_IMAGE_INSPECT)
        inspects++;
    struct berth_image_info info;
    memset(&info, 0, sizeof(info));
    info.id = "sha256:0123";
    info.repo_digests = digests;
    struct berth_op_result r;
    memset(&r, 0, sizeof(r));
    r.images = &info;
    r.n_images = 1;
    r.id = "sha256:0123";
    if (digests == NULL) {
        fake->host->op_complete(op, fake->host->error_new(BERTH_E_NOT_FOUND, 0, "no such image"),
                                NULL);
        return;
    }
    fake->host->op_complete(op, NULL, &r);
}

/* The harness's fake driver plus images ("fakeimg"). */
static const struct berth_backend_driver *img_driver(void)
{
    const struct berth_backend_driver *base = fake_driver();
    img_table = *base;
    img_table.name = "fakeimg";
    for (size_t f = 0; f < BERTH_FEAT_COUNT; f++)
        img_caps[f] = f < base->caps_count ? base->caps[f] : BERTH_SUPPORT_UNSUPPORTED;
    img_caps[BERTH_FEAT_IMAGES] = BERTH_SUPPORT_NATIVE;
    img_table.caps = img_caps;
    img_table.caps_count = BERTH_FEAT_COUNT;
    img_table.instance_caps = NULL;
    img_table.ops[BERTH_OP_IMAGE_INSPECT] = img_op;
    img_table.ops[BERTH_OP_IMAGE_PULL] = img_op;
    return &img_table;
}

/* A config hash: the service name will do (nothing is recreated here). */
static char *name_hash(void *ctx, const char *service, const json_t *def, struct berth_error **err)
{
    (void)ctx;
    (void)def;
    (void)err;
    return xasprintf("hash-%s", service);
}

/* Opens model_json on "fakeimg" with the temp dir as project directory. */
static void open_model(struct harness *h, const char *model_json)
{
    memset(h, 0, sizeof(*h));
    h->eng = berth_engine_new(NULL, NULL);
    assert_non_null(h->eng);
    assert_int_equal(berth_plugins_add_driver(h->eng, img_driver(), "(test)", NULL), 0);
    struct berth_error *err = NULL;
    h->backend = berth_backend_new(h->eng, "fakeimg", &err);
    assert_non_null(h->backend);
    json_error_t jerr;
    h->model = json_loads(model_json, 0, &jerr);
    if (h->model == NULL)
        fail_msg("model: %s", jerr.text);
    struct compose_source src = {
        .model = h->model,
        .working_dir = tmp,
        .config_files = "compose.yaml",
        .hash = name_hash,
    };
    h->c = compose_open_source(h->eng, &src, h->backend, NULL, &err);
    if (h->c == NULL)
        fail_msg("open: %s", berth_error_message(err));
    inspects = 0;
}

/* Writes text to tmp/name. */
static void write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/berth-verify-compose-XXXXXX");
    if (mkdtemp(tmp) == NULL || vf_cosign_install(tmp) < 0)
        return -1;
    write_file("cosign.pub", "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmp);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static int test_setup(void **state)
{
    (void)state;
    vf_cosign_reset();
    return 0;
}

#define SERVICES                                                                                   \
    "\"services\":{\"web\":{\"image\":\"ghcr.io/acme/web:1\",\"command\":[\"sleep\"],"            \
    "\"depends_on\":{\"db\":{\"condition\":\"service_started\",\"required\":true}}},"             \
    "\"db\":{\"image\":\"quay.io/acme/db:2\",\"command\":[\"sleep\"]}},"                          \
    "\"networks\":{\"default\":{\"name\":\"p_default\"}}"

/* ------------------------------------------------------------------ tests */

static void test_enforce_no_rule_creates_nothing(void **state)
{
    (void)state;
    struct harness h;
    open_model(&h, "{\"name\":\"p\"," SERVICES ",\"x-berth\":{\"verify\":{\"mode\":\"enforce\","
                   "\"rules\":[{\"image\":\"ghcr.io/acme/*\",\"key\":\"cosign.pub\"}]}}}");
    h_up(&h, NULL);
    assert_int_equal(h.code, BERTH_E_VERIFY);
    assert_non_null(strstr(h.msg, "image verification (verify mode enforce)"));
    assert_non_null(strstr(h.msg, "image 'quay.io/acme/db:2'"));
    assert_non_null(strstr(h.msg, "no x-berth.verify rule matches it"));
    assert_int_equal(fake_call_count("create"), 0);
    assert_int_equal(fake_call_count("network-create"), 0);
    assert_int_equal(fake_call_count("start"), 0);
    /* web was verified, with the key relative to the project directory */
    assert_int_equal(vf_cosign_calls(), 1);
    h_close(&h);
}

static void test_enforce_cosign_failure(void **state)
{
    (void)state;
    struct harness h;
    open_model(&h, "{\"name\":\"p\"," SERVICES ",\"x-berth\":{\"verify\":{\"mode\":\"enforce\","
                   "\"rules\":[{\"image\":\"*\",\"key\":\"cosign.pub\"}]}}}");
    setenv("FAKE_COSIGN_FAIL_FOR", "acme/web", 1);
    h_up(&h, NULL);
    assert_int_equal(h.code, BERTH_E_VERIFY);
    assert_non_null(strstr(h.msg, "ghcr.io/acme/web@" DW));
    assert_non_null(strstr(h.msg, "no matching signatures"));
    assert_int_equal(fake_call_count("create"), 0);
    assert_int_equal(vf_cosign_calls(), 2);
    /* the compose `run` path verifies too */
    h.done = false;
    struct berth_compose_run_options ro = {.service = "web", .no_deps = true, .detach = true};
    assert_non_null(berth_compose_run(h.c, &ro, h_done, &h, NULL));
    h_wait(&h, 10000);
    assert_int_equal(h.code, BERTH_E_VERIFY);
    assert_int_equal(fake_call_count("create"), 0);
    h_close(&h);
}

static void test_enforce_verified_up(void **state)
{
    (void)state;
    struct harness h;
    open_model(&h, "{\"name\":\"p\"," SERVICES ",\"x-berth\":{\"verify\":{\"mode\":\"enforce\","
                   "\"rules\":[{\"image\":\"ghcr.io/acme/*\",\"key\":\"cosign.pub\"},"
                   "{\"image\":\"quay.io/*\",\"certificate_identity\":\"ci@acme.example\","
                   "\"certificate_oidc_issuer\":\"https://issuer.example\"}]}}}");
    h_up(&h, NULL);
    if (h.code != 0)
        fail_msg("up: %s", h.msg);
    assert_true(fake_call_count("create") >= 2);
    assert_int_equal(vf_cosign_calls(), 2);
    /* a second up uses the cache (same engine) */
    h_down(&h, NULL);
    h_up(&h, NULL);
    assert_int_equal(h.code, 0);
    assert_int_equal(vf_cosign_calls(), 2);
    h_close(&h);
}

static void test_warn_and_override(void **state)
{
    (void)state;
    struct harness h;
    /* warn: no rule, the stack still comes up */
    open_model(&h, "{\"name\":\"p\"," SERVICES ",\"x-berth\":{\"verify\":{\"mode\":\"warn\"}}}");
    h_up(&h, NULL);
    assert_int_equal(h.code, 0);
    assert_true(fake_call_count("create") >= 2);
    assert_int_equal(vf_cosign_calls(), 0);
    h_down(&h, NULL);
    /* BERTH_VERIFY=enforce beats the file's warn */
    setenv("BERTH_VERIFY", "enforce", 1);
    int creates = fake_call_count("create");
    h_up(&h, NULL);
    assert_int_equal(h.code, BERTH_E_VERIFY);
    assert_int_equal(fake_call_count("create"), creates);
    /* the engine's override (--verify off) beats both */
    berth_verify_set_mode(h.eng, BERTH_VERIFY_OFF);
    h_up(&h, NULL);
    assert_int_equal(h.code, 0);
    h_close(&h);
    unsetenv("BERTH_VERIFY");

    /* no x-berth.verify block, no env: off, not even an inspect more than images need */
    open_model(&h, "{\"name\":\"p\"," SERVICES "}");
    h_up(&h, NULL);
    assert_int_equal(h.code, 0);
    assert_int_equal(inspects, 2);
    assert_int_equal(vf_cosign_calls(), 0);
    h_close(&h);
}

static void test_invalid_block_located(void **state)
{
    (void)state;
    /* the engine reads the block when up starts and points into the compose file */
    write_file("compose.yaml", "services:\n"
                               "  web:\n"
                               "    image: ghcr.io/acme/web:1\n"
                               "x-berth:\n"
                               "  verify:\n"
                               "    mode: enforce\n"
                               "    rules:\n"
                               "      - image: \"ghcr.io/*\"\n"
                               "        kee: cosign.pub\n");
    struct harness h;
    open_model(&h, "{\"name\":\"p\",\"services\":{\"web\":{\"image\":\"ghcr.io/acme/web:1\","
                   "\"command\":[\"sleep\"]}},\"x-berth\":{\"verify\":{\"mode\":\"enforce\","
                   "\"rules\":[{\"image\":\"ghcr.io/*\",\"kee\":\"cosign.pub\"}]}}}");
    h_up(&h, NULL);
    assert_int_equal(h.code, BERTH_E_INVALID);
    if (strstr(h.msg, ":9:9: x-berth.verify.rules[0].kee: unknown key 'kee'") == NULL)
        fail_msg("unexpected: %s", h.msg);
    assert_int_equal(fake_call_count("create"), 0);
    h_close(&h);
}

static void test_project_policy(void **state)
{
    (void)state;
    char *dir = xasprintf("%s/proj", tmp);
    mkdir(dir, 0700);
    char *file = xasprintf("%s/compose.yaml", dir);
    FILE *f = fopen(file, "w");
    fputs("services:\n"
          "  web:\n"
          "    image: ghcr.io/acme/web:1\n"
          "x-berth:\n"
          "  verify:\n"
          "    mode: ${VMODE:-enforce}\n"
          "    timeout: 30s\n"
          "    cache: {ttl: 5m, persist: true}\n"
          "    rules:\n"
          "      - image: \"ghcr.io/acme/*\"\n"
          "        key: keys/cosign.pub\n"
          "      - image: \"docker.io/library/*\"\n"
          "        certificate_identity: release@acme.example\n"
          "        certificate_oidc_issuer: https://accounts.google.com\n"
          "        offline: true\n",
          f);
    fclose(f);
    const char *files[] = {file, NULL};
    struct berth_project_options o = {.files = files};
    struct berth_error *err = NULL;
    struct berth_project *p = berth_project_load(&o, &err);
    if (p == NULL)
        fail_msg("load: %s", berth_error_message(err));
    struct berth_verify_policy *pol = berth_verify_policy_from_project(p, &err);
    if (pol == NULL)
        fail_msg("policy: %s", berth_error_message(err));
    assert_int_equal(berth_verify_policy_mode(pol, NULL), BERTH_VERIFY_ENFORCE);
    assert_int_equal(berth_verify_policy_timeout(pol), 30000);
    bool persist;
    assert_int_equal(berth_verify_policy_cache(pol, &persist), 300000);
    assert_true(persist);
    assert_int_equal(berth_verify_policy_rule_count(pol), 2);
    assert_int_equal(berth_verify_policy_match(pol, "nginx:1"), 1);
    berth_verify_policy_free(pol);
    berth_project_free(p);

    /* problems: every one, at its line and column, later files win */
    f = fopen(file, "w");
    fputs("services:\n"
          "  web:\n"
          "    image: ghcr.io/acme/web:1\n"
          "x-berth:\n"
          "  verify:\n"
          "    mode: sometimes\n"
          "    rules:\n"
          "      - image: \"ghcr.io/acme/*\"\n"
          "        key: cosign.pub\n"
          "        certificate_identity: me\n"
          "      - image: \"quay.io/*\"\n"
          "        certificate_identity: me\n"
          "        rekor_url: rekor.example\n",
          f);
    fclose(f);
    p = berth_project_load(&o, &err);
    if (p == NULL)
        fail_msg("load: %s", berth_error_message(err));
    assert_null(berth_verify_policy_from_project(p, &err));
    const char *m = berth_error_message(err);
    const char *want[] = {
        "compose.yaml:6:11: x-berth.verify.mode: invalid mode 'sometimes'; hint: use off, warn or "
        "enforce",
        "compose.yaml:9:14: x-berth.verify.rules[0].key: key and a keyless identity are both given",
        "compose.yaml:11:9: x-berth.verify.rules[1]: keyless verification needs "
        "certificate_oidc_issuer",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(m, want[i]) == NULL)
            fail_msg("'%s' missing from:\n%s", want[i], m);
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_free(err);
    err = NULL;
    berth_project_free(p);

    /* an override file's block is the one pointed at */
    char *over = xasprintf("%s/compose.override.yaml", dir);
    f = fopen(over, "w");
    fputs("x-berth:\n"
          "  verify:\n"
          "    mode: enforce\n"
          "    timeout: never\n",
          f);
    fclose(f);
    f = fopen(file, "w");
    fputs("services:\n  web:\n    image: ghcr.io/acme/web:1\n", f);
    fclose(f);
    const char *files2[] = {file, over, NULL};
    o.files = files2;
    p = berth_project_load(&o, &err);
    if (p == NULL)
        fail_msg("load: %s", berth_error_message(err));
    assert_null(berth_verify_policy_from_project(p, &err));
    if (strstr(berth_error_message(err), "compose.override.yaml:4:14: x-berth.verify.timeout") ==
        NULL)
        fail_msg("unexpected: %s", berth_error_message(err));
    berth_error_free(err);
    berth_project_free(p);
    /* no block: an empty policy */
    const char *files3[] = {file, NULL};
    o.files = files3;
    p = berth_project_load(&o, &err);
    assert_non_null(p);
    pol = berth_verify_policy_from_project(p, &err);
    assert_non_null(pol);
    bool has = true;
    berth_verify_policy_mode(pol, &has);
    assert_false(has);
    assert_int_equal(berth_verify_policy_rule_count(pol), 0);
    berth_verify_policy_free(pol);
    berth_project_free(p);
    free(over);
    free(file);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_enforce_no_rule_creates_nothing, test_setup),
        cmocka_unit_test_setup(test_enforce_cosign_failure, test_setup),
        cmocka_unit_test_setup(test_enforce_verified_up, test_setup),
        cmocka_unit_test_setup(test_warn_and_override, test_setup),
        cmocka_unit_test_setup(test_invalid_block_located, test_setup),
        cmocka_unit_test_setup(test_project_policy, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
