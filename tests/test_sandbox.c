/*
 * Sandbox runs on the in-test driver (tests/verify_fake.c): names (format,
 * no collisions over 1000 generations), the spec of each tier, option and
 * seccomp-profile errors, capability checks (a setting the backend cannot
 * enforce is an error, untrusted needs VM isolation), runs with captured
 * output and exit codes, the timeout, cancellation, removal afterwards,
 * image verification before creation, and prune.
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
#include <jansson.h>

#include <berth/container.h>
#include <berth/runtime.h>
#include <berth/sandbox.h>
#include <berth/verify.h>

#include "core/util.h"
#include "plugins/sandbox-internal.h"
#include "tests/verify_fake.h"

#define DG "sha256:9999999999999999999999999999999999999999999999999999999999999999"

static char tmp[256];

static const struct vf_image images[] = {
    {.ref = "ghcr.io/acme/tool:1", .id = "sha256:1234", .digests = {"ghcr.io/acme/tool@" DG}},
};

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/berth-sandbox-XXXXXX");
    if (mkdtemp(tmp) == NULL || vf_cosign_install(tmp) < 0)
        return -1;
    /* the source tree's profile, as the installed one would be */
    const char *src = getenv("BERTH_TEST_SRCDIR");
    char *prof;
    if (src != NULL) {
        prof = xasprintf("%s/data/seccomp-sandbox.json", src);
    } else {
        char *dir = xstrdup(__FILE__);
        *strrchr(dir, '/') = '\0';
        prof = xasprintf("%s/../data/seccomp-sandbox.json", dir);
        free(dir);
    }
    setenv("BERTH_SECCOMP_PROFILE", prof, 1);
    free(prof);
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
    vf_reset(images, sizeof(images) / sizeof(images[0]));
    return 0;
}

/* ------------------------------------------------------------ harness */

struct env {
    struct berth_engine *eng;
    struct berth_backend *b;
    bool done;
    int code;
    char msg[4096];
    char name[64];
    int exit_code;
    bool timed_out;
    char out[1024];
    size_t out_len;
    bool out_truncated;
    char err[1024];
    /* prune */
    size_t n_removed;
    char removed[8][64];
};

static void env_open(struct env *e, enum vf_variant v)
{
    memset(e, 0, sizeof(*e));
    e->eng = berth_engine_new(NULL, NULL);
    assert_non_null(e->eng);
    assert_int_equal(berth_plugins_add_driver(e->eng, vf_driver(v), "(test)", NULL), 0);
    e->b = berth_backend_new(e->eng, vf_driver(v)->name, NULL);
    assert_non_null(e->b);
    assert_int_equal(berth_select_use(e->eng, e->b, NULL), 0);
}

/* Frees the engine (and the backend with it). */
static void env_close(struct env *e)
{
    event_base_loop(berth_engine_base(e->eng), EVLOOP_NONBLOCK);
    berth_engine_free(e->eng);
}

/* Runs the loop until done (at most limit_ms). */
static void env_wait(struct env *e, uint64_t limit_ms)
{
    uint64_t t0 = berth_now_ms();
    while (!e->done && berth_now_ms() - t0 < limit_ms)
        event_base_loop(berth_engine_base(e->eng), EVLOOP_ONCE);
    if (!e->done)
        fail_msg("sandbox did not complete within %llu ms", (unsigned long long)limit_ms);
}

static void on_done(const struct berth_sandbox_result *res, void *user)
{
    struct env *e = user;
    e->done = true;
    e->code = res->error ? berth_error_code(res->error) : 0;
    snprintf(e->msg, sizeof(e->msg), "%s", res->error ? berth_error_message(res->error) : "");
    snprintf(e->name, sizeof(e->name), "%s", res->name);
    e->exit_code = res->exit_code;
    e->timed_out = res->timed_out;
    snprintf(e->out, sizeof(e->out), "%s", res->out ? res->out : "");
    e->out_len = res->out_len;
    e->out_truncated = res->out_truncated;
    snprintf(e->err, sizeof(e->err), "%s", res->err ? res->err : "");
}

/* Starts a sandbox and waits for it. */
static void run(struct env *e, const struct berth_sandbox_options *o)
{
    e->done = false;
    struct berth_error *err = NULL;
    struct berth_sandbox_op *op = berth_sandbox_run(e->eng, o, on_done, e, &err);
    if (op == NULL)
        fail_msg("sandbox: %s", berth_error_message(err));
    assert_true(berth_sandbox_name_valid(berth_sandbox_op_name(op)));
    assert_false(e->done);
    env_wait(e, 10000);
}

/* A container listing's count. */
struct count {
    bool done;
    size_t n;
};

static void on_listed(const struct berth_container_result *res, void *user)
{
    struct count *c = user;
    c->done = true;
    c->n = res->error ? 999 : res->n_containers;
}

/* Number of sandbox containers left in the fake runtime. */
static size_t left(struct env *e)
{
    struct count c = {0};
    assert_non_null(berth_sandbox_list(e->eng, on_listed, &c, NULL));
    while (!c.done)
        event_base_loop(berth_engine_base(e->eng), EVLOOP_ONCE);
    return c.n;
}

/* True when the last spec created has label "k=v". */
static bool has_label(const char *kv)
{
    const struct vf_spec *s = vf_last_spec();
    for (size_t i = 0; i < 8; i++)
        if (strcmp(s->labels[i], kv) == 0)
            return true;
    return false;
}

/* True when the label key is set (any value). */
static bool has_label_key(const char *k)
{
    const struct vf_spec *s = vf_last_spec();
    for (size_t i = 0; i < 8; i++)
        if (strncmp(s->labels[i], k, strlen(k)) == 0 && s->labels[i][strlen(k)] == '=')
            return true;
    return false;
}

/* ------------------------------------------------------------------ names */

static void test_names(void **state)
{
    (void)state;
    char seen[1000][BERTH_SANDBOX_NAME_LEN + 1];
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(berth_sandbox_name("ghcr.io/acme/tool:1", seen[i], NULL), 0);
        assert_int_equal(strlen(seen[i]), BERTH_SANDBOX_NAME_LEN);
        assert_true(berth_sandbox_name_valid(seen[i]));
        /* the prefix is the image's: sha256("ghcr.io/acme/tool:1") starts with it */
        assert_memory_equal(seen[i], seen[0], 9);
        for (int k = 0; k < i; k++)
            if (strcmp(seen[i], seen[k]) == 0)
                fail_msg("name %s generated twice (%d and %d)", seen[i], k, i);
    }
    /* sha256("alpine") = 8f1a... : the first 8 hex digits */
    char n[BERTH_SANDBOX_NAME_LEN + 1];
    assert_int_equal(berth_sandbox_name("alpine", n, NULL), 0);
    FILE *p = popen("printf %s alpine | sha256sum", "r");
    char want[80] = {0};
    assert_non_null(fgets(want, sizeof(want), p));
    pclose(p);
    assert_memory_equal(n, want, 8);
    assert_int_equal(n[8], '-');
    assert_false(berth_sandbox_name_valid("8f1a0b2c-0123456789abcdeg"));
    assert_false(berth_sandbox_name_valid("8f1a0b2c_0123456789abcdef"));
    assert_false(berth_sandbox_name_valid("8f1a0b2c-0123456789abcde"));
    assert_false(berth_sandbox_name_valid(NULL));
    assert_true(berth_sandbox_name_valid("8f1a0b2c-0123456789abcdef"));
}

static void test_tiers(void **state)
{
    (void)state;
    enum berth_sandbox_tier t;
    assert_int_equal(berth_sandbox_tier_parse("untrusted", &t, NULL), 0);
    assert_int_equal(t, BERTH_SANDBOX_UNTRUSTED);
    struct berth_error *err = NULL;
    assert_int_equal(berth_sandbox_tier_parse("paranoid", &t, &err), -1);
    assert_non_null(strstr(berth_error_hint(err), "isolated, hardened or untrusted"));
    berth_error_free(err);
    assert_string_equal(berth_sandbox_tier_name(BERTH_SANDBOX_ISOLATED), "isolated");
}

/* ------------------------------------------------------------------ specs */

static void test_spec_hardened(void **state)
{
    (void)state;
    struct berth_sandbox_mount m[] = {{.source = tmp, .target = "/in"},
                                      {.source = tmp, .target = "/out", .read_write = true}};
    const char *cmd[] = {"sh", "-c", "echo hi", NULL};
    struct berth_sandbox_options o = {
        .image = "alpine", .command = cmd, .mounts = m, .n_mounts = 2, .timeout_ms = 90000};
    struct sandbox_spec s;
    assert_int_equal(sandbox_spec_build(&s, &o, "abcd", "/p/seccomp.json", 1700000000, NULL), 0);
    const struct berth_container_spec *sp = &s.spec;
    assert_string_equal(sp->image, "alpine");
    assert_string_equal(sp->name, "abcd");
    assert_string_equal(sp->command[2], "echo hi");
    assert_true(sp->read_only);
    assert_false(sp->stdin_open);
    assert_string_equal(sp->network_mode, "none");
    assert_string_equal(sp->user, "65534:65534");
    assert_string_equal(sp->cap_drop[0], "ALL");
    assert_null(sp->cap_drop[1]);
    assert_string_equal(sp->security_opt[0], "no-new-privileges");
    assert_string_equal(sp->security_opt[1], "seccomp=/p/seccomp.json");
    assert_null(sp->security_opt[2]);
    assert_int_equal(sp->resources.memory, 512ll * 1024 * 1024);
    assert_int_equal(sp->resources.pids_limit, 256);
    assert_true(sp->resources.cpus == 1.0);
    assert_int_equal(sp->n_mounts, 3);
    assert_int_equal(sp->mounts[0].type, BERTH_MOUNT_BIND);
    assert_true(sp->mounts[0].read_only);
    assert_false(sp->mounts[1].read_only);
    assert_int_equal(sp->mounts[2].type, BERTH_MOUNT_TMPFS);
    assert_string_equal(sp->mounts[2].target, "/tmp");
    assert_int_equal(sp->mounts[2].tmpfs_size, 64ll * 1024 * 1024);
    assert_string_equal(sp->mounts[2].tmpfs_options, "rw,noexec,nosuid");
    assert_int_equal(sp->n_labels, 5);
    assert_string_equal(sp->labels[0].key, "io.berth.sandbox");
    assert_string_equal(sp->labels[0].value, "1");
    assert_string_equal(sp->labels[1].value, "alpine");
    assert_string_equal(sp->labels[2].value, "hardened");
    assert_string_equal(sp->labels[3].value, "2023-11-14T22:13:20Z");
    assert_string_equal(sp->labels[4].value, "2023-11-14T22:14:50Z");
    int64_t t;
    assert_int_equal(sandbox_parse_rfc3339(sp->labels[4].value, &t), 0);
    assert_int_equal(t, 1700000090);
    /* every feature the profile uses */
    bool used[BERTH_FEAT_COUNT] = {false};
    berth_select_spec_features(sp, used);
    enum berth_feature want[] = {BERTH_FEAT_SECCOMP, BERTH_FEAT_NO_NEW_PRIVILEGES,
                                 BERTH_FEAT_TMPFS, BERTH_FEAT_RESOURCE_LIMITS,
                                 BERTH_FEAT_READ_ONLY_ROOTFS, BERTH_FEAT_CAPABILITIES,
                                 BERTH_FEAT_USER, BERTH_FEAT_IMAGES};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!used[want[i]])
            fail_msg("feature %s not marked used", berth_feature_name(want[i]));
    sandbox_spec_free(&s);

    /* overrides and allow_network */
    o.allow_network = true;
    o.user = "1000:1000";
    o.memory = 1 << 20;
    o.pids_limit = 10;
    o.cpus = 0.5;
    o.tmp_size = 1 << 20;
    assert_int_equal(sandbox_spec_build(&s, &o, "abcd", "/p.json", 0, NULL), 0);
    assert_null(s.spec.network_mode);
    assert_string_equal(s.spec.user, "1000:1000");
    assert_int_equal(s.spec.resources.memory, 1 << 20);
    assert_int_equal(s.spec.resources.pids_limit, 10);
    assert_int_equal(s.spec.mounts[2].tmpfs_size, 1 << 20);
    sandbox_spec_free(&s);
}

static void test_spec_isolated_and_errors(void **state)
{
    (void)state;
    struct berth_sandbox_options o = {.image = "alpine", .tier = BERTH_SANDBOX_ISOLATED};
    struct sandbox_spec s;
    assert_int_equal(sandbox_spec_build(&s, &o, "n", NULL, 0, NULL), 0);
    assert_string_equal(s.spec.network_mode, "none");
    assert_false(s.spec.read_only);
    assert_null(s.spec.cap_drop);
    assert_null(s.spec.security_opt);
    assert_null(s.spec.user);
    assert_int_equal(s.spec.n_mounts, 0);
    assert_int_equal(s.spec.resources.memory, 0);
    assert_string_equal(s.spec.labels[2].value, "isolated");
    sandbox_spec_free(&s);

    struct {
        struct berth_sandbox_options o;
        const char *needle;
    } bad[] = {
        {{.image = NULL}, "no image"},
        {{.image = "a", .tier = BERTH_SANDBOX_ISOLATED, .allow_network = true}, "--allow-network"},
        {{.image = "a", .memory = -1}, "negative"},
        {{.image = "a",
          .mounts = (struct berth_sandbox_mount[]){{.source = "rel", .target = "/x"}},
          .n_mounts = 1},
         "not an absolute path"},
        {{.image = "a",
          .mounts = (struct berth_sandbox_mount[]){{.source = "/nonexistent/x", .target = "/x"}},
          .n_mounts = 1},
         "No such file"},
        {{.image = "a",
          .mounts = (struct berth_sandbox_mount[]){{.source = "/", .target = "/"}},
          .n_mounts = 1},
         "below /"},
        {{.image = "a",
          .mounts = (struct berth_sandbox_mount[]){{.source = "/", .target = "/tmp"}},
          .n_mounts = 1},
         "/tmp is taken"},
        {{.image = "a", .env = (struct berth_kv[]){{"A=B", "c"}}, .n_env = 1},
         "environment variable"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct berth_error *err = NULL;
        assert_int_equal(sandbox_spec_build(&s, &bad[i].o, "n", "/p", 0, &err), -1);
        if (strstr(berth_error_message(err), bad[i].needle) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, berth_error_message(err), bad[i].needle);
        assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
        berth_error_free(err);
        sandbox_spec_free(&s);
    }
}

static void test_seccomp_profile(void **state)
{
    (void)state;
    /* the shipped profile: an allowlist, the dangerous calls not in it */
    char *p = sandbox_seccomp_check(berth_sandbox_default_seccomp(), "default", NULL);
    assert_non_null(p);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    json_error_t jerr;
    json_t *root = json_loadf(f, 0, &jerr);
    fclose(f);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "defaultAction")),
                        "SCMP_ACT_ERRNO");
    const char *denied[] = {"mount",      "umount2",       "ptrace",       "kexec_load",
                            "kexec_file_load", "bpf",      "keyctl",       "add_key",
                            "request_key", "unshare",      "setns",        "open_by_handle_at",
                            "init_module", "finit_module", "delete_module", "reboot",
                            "swapon",     "swapoff",       "pivot_root",   "chroot",
                            "perf_event_open", "userfaultfd", "process_vm_writev", "mknod"};
    const char *needed[] = {"execve", "read", "write", "exit_group", "wait4", "fork", "vfork",
                            "futex", "openat", "mmap", "rt_sigaction", "nanosleep", "getrandom"};
    size_t i;
    json_t *rule;
    int allowed_needed = 0;
    json_array_foreach(json_object_get(root, "syscalls"), i, rule)
    {
        bool allow = strcmp(json_string_value(json_object_get(rule, "action")),
                            "SCMP_ACT_ALLOW") == 0;
        size_t k;
        json_t *n;
        json_array_foreach(json_object_get(rule, "names"), k, n)
        {
            for (size_t d = 0; d < sizeof(denied) / sizeof(denied[0]); d++)
                if (allow && strcmp(json_string_value(n), denied[d]) == 0)
                    fail_msg("the profile allows %s", denied[d]);
            for (size_t d = 0; d < sizeof(needed) / sizeof(needed[0]); d++)
                if (allow && strcmp(json_string_value(n), needed[d]) == 0)
                    allowed_needed++;
        }
        /* clone is allowed only without namespace flags */
        if (strcmp(json_string_value(json_array_get(json_object_get(rule, "names"), 0)),
                   "clone") == 0) {
            json_t *arg = json_array_get(json_object_get(rule, "args"), 0);
            assert_non_null(arg);
            assert_int_equal(json_integer_value(json_object_get(arg, "value")), 0x7E020000);
        }
    }
    assert_int_equal(allowed_needed, (int)(sizeof(needed) / sizeof(needed[0])));
    json_decref(root);
    free(p);

    /* errors name the file and the option */
    struct berth_error *err = NULL;
    assert_null(sandbox_seccomp_check("/nonexistent.json", "--seccomp", &err));
    assert_non_null(strstr(berth_error_message(err), "--seccomp: seccomp profile"));
    berth_error_free(err);
    char *bad = xasprintf("%s/bad.json", tmp);
    f = fopen(bad, "w");
    fputs("{\"syscalls\": [", f);
    fclose(f);
    err = NULL;
    assert_null(sandbox_seccomp_check(bad, "--seccomp", &err));
    assert_non_null(strstr(berth_error_message(err), "bad.json:1:"));
    berth_error_free(err);
    f = fopen(bad, "w");
    fputs("{\"syscalls\": []}", f);
    fclose(f);
    err = NULL;
    assert_null(sandbox_seccomp_check(bad, "--seccomp", &err));
    assert_non_null(strstr(berth_error_message(err), "no defaultAction"));
    berth_error_free(err);
    /* berth_sandbox_run refuses at once */
    struct env e;
    env_open(&e, VF_FULL);
    struct berth_sandbox_options o = {.image = "alpine", .seccomp_profile = bad};
    err = NULL;
    assert_null(berth_sandbox_run(e.eng, &o, on_done, &e, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_free(err);
    env_close(&e);
    free(bad);
}

/* ------------------------------------------------------------ capabilities */

static void test_capabilities(void **state)
{
    (void)state;
    struct env e;
    const char *cmd[] = {"exit", "0", NULL};
    struct berth_sandbox_options o = {.image = "ghcr.io/acme/tool:1", .command = cmd};
    /* seccomp cannot be enforced: an error, nothing created */
    env_open(&e, VF_NO_SECCOMP);
    run(&e, &o);
    assert_int_equal(e.code, BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "backend vfake-noseccomp cannot enforce"));
    assert_non_null(strstr(e.msg, "seccomp (unsupported)"));
    assert_int_equal(vf_created(), 0);
    /* the isolated tier does not ask for seccomp: it runs */
    o.tier = BERTH_SANDBOX_ISOLATED;
    run(&e, &o);
    assert_int_equal(e.code, 0);
    assert_int_equal(vf_created(), 1);
    env_close(&e);
    /* host processes: no images, no sandbox */
    vf_reset(images, 1);
    env_open(&e, VF_NO_IMAGES);
    run(&e, &o);
    assert_int_equal(e.code, BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "images (unsupported)"));
    env_close(&e);
    /* untrusted: refused on a shared kernel unless allowed */
    env_open(&e, VF_FULL);
    o.tier = BERTH_SANDBOX_UNTRUSTED;
    run(&e, &o);
    assert_int_equal(e.code, BERTH_E_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "its own VM"));
    assert_int_equal(vf_created(), 0);
    o.allow_shared_kernel = true;
    run(&e, &o);
    assert_int_equal(e.code, 0);
    assert_true(has_label("io.berth.sandbox.tier=untrusted"));
    env_close(&e);
    /* a VM-isolating backend counts as isolated */
    vf_reset(images, 1);
    env_open(&e, VF_VM);
    o.allow_shared_kernel = false;
    run(&e, &o);
    assert_int_equal(e.code, 0);
    assert_int_equal(vf_created(), 1);
    env_close(&e);
}

/* ------------------------------------------------------------------- runs */

static void test_run_captured(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, VF_FULL);
    const char *cmd[] = {"exit", "3", NULL};
    struct berth_sandbox_options o = {.image = "ghcr.io/acme/tool:1", .command = cmd};
    run(&e, &o);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.exit_code, 3);
    assert_false(e.timed_out);
    assert_string_equal(e.out, "ran exit\n");
    assert_true(berth_sandbox_name_valid(e.name));
    /* what the backend was asked for */
    const struct vf_spec *s = vf_last_spec();
    assert_string_equal(s->name, e.name);
    assert_true(s->read_only);
    assert_false(s->rm);
    assert_false(s->stdin_open);
    assert_string_equal(s->user, "65534:65534");
    assert_string_equal(s->network_mode, "none");
    assert_string_equal(s->cap_drop[0], "ALL");
    assert_string_equal(s->security_opt[0], "no-new-privileges");
    assert_true(str_starts_with(s->security_opt[1], "seccomp=/"));
    assert_true(str_ends_with(s->security_opt[1], "/seccomp-sandbox.json"));
    assert_int_equal(s->pids_limit, 256);
    assert_int_equal(s->memory, 512ll << 20);
    assert_true(has_label("io.berth.sandbox=1"));
    assert_true(has_label("io.berth.sandbox.image=ghcr.io/acme/tool:1"));
    assert_true(has_label_key("io.berth.sandbox.created"));
    assert_true(has_label_key("io.berth.sandbox.expires"));
    /* removed afterwards */
    assert_int_equal(vf_calls(BERTH_OP_CONTAINER_REMOVE), 1);
    assert_int_equal(left(&e), 0);
    /* bounded capture */
    o.capture_limit = 4;
    run(&e, &o);
    assert_string_equal(e.out, "ran ");
    assert_true(e.out_truncated);
    env_close(&e);
}

/* Lines streamed to the caller. */
static char streamed[256];
static void on_stream(void *user, enum berth_stream stream, const char *line, size_t len,
                      bool complete)
{
    (void)user;
    (void)complete;
    size_t n = strlen(streamed);
    snprintf(streamed + n, sizeof(streamed) - n, "%d:%.*s|", (int)stream, (int)len, line);
}

static void test_run_streamed_timeout_cancel(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, VF_FULL);
    const char *cmd[] = {"exit", "0", NULL};
    struct berth_sandbox_options o = {
        .image = "ghcr.io/acme/tool:1", .command = cmd, .on_line = on_stream};
    streamed[0] = '\0';
    run(&e, &o);
    assert_int_equal(e.code, 0);
    assert_string_equal(streamed, "1:ran exit|");
    assert_string_equal(e.out, "");
    /* the timeout kills it, then it is removed */
    const char *sleepc[] = {"sleep", NULL};
    struct berth_sandbox_options t = {
        .image = "ghcr.io/acme/tool:1", .command = sleepc, .timeout_ms = 200};
    uint64_t t0 = berth_now_ms();
    run(&e, &t);
    assert_true(berth_now_ms() - t0 >= 200);
    assert_int_equal(e.code, BERTH_E_TIMEOUT);
    assert_true(e.timed_out);
    assert_int_equal(e.exit_code, 137);
    assert_non_null(strstr(e.msg, "ran longer than 0.200s and was killed"));
    assert_int_equal(vf_calls(BERTH_OP_CONTAINER_KILL), 1);
    assert_int_equal(left(&e), 0);
    /* cancelled while running */
    t.timeout_ms = 60000;
    e.done = false;
    struct berth_sandbox_op *op = berth_sandbox_run(e.eng, &t, on_done, &e, NULL);
    assert_non_null(op);
    while (vf_calls(BERTH_OP_CONTAINER_WAIT) < 2)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    berth_sandbox_op_cancel(op);
    env_wait(&e, 5000);
    assert_int_equal(e.code, BERTH_E_CANCELLED);
    assert_false(e.timed_out);
    assert_int_equal(left(&e), 0);
    /* cancelled before it was created */
    e.done = false;
    int creates = vf_created();
    op = berth_sandbox_run(e.eng, &t, on_done, &e, NULL);
    berth_sandbox_op_cancel(op);
    env_wait(&e, 5000);
    assert_int_equal(e.code, BERTH_E_CANCELLED);
    assert_int_equal(vf_created(), creates);
    /* the engine freed while a sandbox runs: no leak, no callback */
    e.done = false;
    op = berth_sandbox_run(e.eng, &t, on_done, &e, NULL);
    while (vf_calls(BERTH_OP_CONTAINER_WAIT) < 3)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    env_close(&e);
    assert_false(e.done);
}

static void test_run_verified_first(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, VF_FULL);
    berth_verify_set_mode(e.eng, BERTH_VERIFY_ENFORCE);
    const char *cmd[] = {"exit", "0", NULL};
    struct berth_sandbox_options o = {.image = "ghcr.io/acme/tool:1", .command = cmd};
    /* enforce without a rule: refused, nothing created */
    run(&e, &o);
    assert_int_equal(e.code, BERTH_E_VERIFY);
    assert_non_null(strstr(e.msg, "no x-berth.verify rule matches"));
    assert_int_equal(vf_created(), 0);
    /* with a rule: cosign verifies the digest, then it runs */
    struct berth_verify_policy *p = berth_verify_policy_new();
    struct berth_verify_rule r = {.image = "ghcr.io/acme/*", .key = "/k/cosign.pub"};
    assert_int_equal(berth_verify_policy_add_rule(p, &r, NULL), 0);
    berth_verify_set_policy(e.eng, p);
    berth_verify_policy_free(p);
    run(&e, &o);
    assert_int_equal(e.code, 0);
    assert_int_equal(vf_cosign_calls(), 1);
    assert_int_equal(vf_created(), 1);
    assert_string_equal(vf_last_spec()->pull_policy, "never");
    env_close(&e);
}

/* ------------------------------------------------------------------- prune */

static void on_pruned(const struct berth_sandbox_prune_result *res, void *user)
{
    struct env *e = user;
    e->done = true;
    e->code = res->error ? berth_error_code(res->error) : 0;
    e->n_removed = res->n_removed;
    for (size_t i = 0; i < res->n_removed && i < 8; i++)
        snprintf(e->removed[i], sizeof(e->removed[i]), "%s", res->removed[i]);
}

static void on_created(const struct berth_container_result *res, void *user)
{
    bool *done = user;
    assert_null(res->error);
    *done = true;
}

/* Creates a labelled container directly (a leftover), started when running. */
static void leftover(struct env *e, const char *name, bool running, const char *expires)
{
    struct berth_kv labels[] = {{"io.berth.sandbox", "1"},
                                {"io.berth.sandbox.expires", expires}};
    const char *cmd[] = {"sleep", NULL};
    struct berth_container_spec s = {
        .image = "ghcr.io/acme/tool:1", .name = name, .command = running ? cmd : NULL,
        .labels = labels, .n_labels = 2};
    bool done = false;
    struct berth_container_run_options ro = {.detach = true};
    assert_non_null(berth_container_run(e->eng, &s, &ro, on_created, &done, NULL));
    while (!done)
        event_base_loop(berth_engine_base(e->eng), EVLOOP_ONCE);
}

static void test_prune(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, VF_FULL);
    leftover(&e, "aaaaaaaa-0000000000000001", false, "2999-01-01T00:00:00Z");
    leftover(&e, "aaaaaaaa-0000000000000002", true, "2999-01-01T00:00:00Z");
    leftover(&e, "aaaaaaaa-0000000000000003", true, "2001-01-01T00:00:00Z");
    /* a container that is not a sandbox is never touched */
    struct berth_container_spec other = {.image = "ghcr.io/acme/tool:1", .name = "mine"};
    bool done = false;
    assert_non_null(berth_container_create(e.eng, &other, on_created, &done, NULL));
    while (!done)
        event_base_loop(berth_engine_base(e.eng), EVLOOP_ONCE);
    assert_int_equal(left(&e), 3);
    e.done = false;
    assert_non_null(berth_sandbox_prune(e.eng, false, on_pruned, &e, NULL));
    env_wait(&e, 5000);
    assert_int_equal(e.code, 0);
    assert_int_equal(e.n_removed, 2); /* the stopped one and the expired one */
    bool r1 = false, r3 = false;
    for (size_t i = 0; i < e.n_removed; i++) {
        r1 |= strcmp(e.removed[i], "aaaaaaaa-0000000000000001") == 0;
        r3 |= strcmp(e.removed[i], "aaaaaaaa-0000000000000003") == 0;
    }
    assert_true(r1 && r3);
    assert_int_equal(left(&e), 1);
    e.done = false;
    assert_non_null(berth_sandbox_prune(e.eng, true, on_pruned, &e, NULL));
    env_wait(&e, 5000);
    assert_int_equal(e.n_removed, 1);
    assert_int_equal(left(&e), 0);
    assert_int_equal(vf_created(), 4); /* "mine" is still there */
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_spec_hardened),
        cmocka_unit_test(test_spec_isolated_and_errors),
        cmocka_unit_test_setup(test_seccomp_profile, test_setup),
        cmocka_unit_test_setup(test_capabilities, test_setup),
        cmocka_unit_test_setup(test_run_captured, test_setup),
        cmocka_unit_test_setup(test_run_streamed_timeout_cancel, test_setup),
        cmocka_unit_test_setup(test_run_verified_first, test_setup),
        cmocka_unit_test_setup(test_prune, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
