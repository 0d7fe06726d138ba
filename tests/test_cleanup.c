/*
 * Cleanup by compose label (compose/cleanup.c): berth_cleanup_down_project()
 * and berth_cleanup_down_all() report exactly what was removed.
 *
 * Without arguments: on the process backend, and on a fake driver whose
 * removals fail for chosen names (failures are listed, not counted). With
 * --podman: against a real Podman in a private storage (set up by
 * tests/test_cleanup_podman.sh), comparing the report with what
 * `podman ps -a`, `podman network ls` and `podman volume ls` show before
 * and after.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <berth/container.h>

#include "tests/capi_helpers.h"

#define PROJECT_LABEL "com.docker.compose.project"

static struct capi_env env;

static int setup(void **state)
{
    (void)state;
    capi_env_init(&env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capi_env_free(&env);
    return 0;
}

/* Selects name and waits for it; returns the instance. */
static struct berth_backend *select_backend(const char *name)
{
    const char *names[] = {name, NULL};
    struct berth_error *e = NULL;
    if (berth_select_set(env.eng, names, NULL, &e) < 0)
        fail_msg("%s", berth_error_message(e));
    struct capi_capture c;
    capi_capture_init(&c);
    assert_non_null(berth_select_get(env.eng, capi_done, &c, &e));
    capi_wait(&env, &c, 120);
    if (c.code != 0)
        fail_msg("select %s: %s", name, c.message);
    capi_capture_reset(&c);
    return berth_select_current(env.eng);
}

/* A backend op's completion flag. */
static void op_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    if (res->error != NULL)
        fail_msg("backend op: %s", berth_error_message(res->error));
    *(bool *)user = true;
}

/* Runs one backend request to completion. */
static void backend_do(struct berth_backend *b, const struct berth_op_req *req)
{
    bool done = false;
    struct berth_error *e = NULL;
    if (berth_backend_submit(b, req, op_done, &done, &e) == NULL)
        fail_msg("submit: %s", berth_error_message(e));
    for (int i = 0; i < 6000 && !done; i++)
        capi_spin(&env, 10);
    assert_true(done);
}

/* Runs a cleanup and waits for its report. */
static void cleanup(const char *project, bool networks, bool volumes, int stop_s,
                    struct capi_capture *c)
{
    struct berth_cleanup_options o = {.remove_networks = networks, .remove_volumes = volumes,
                                      .stop_timeout_s = stop_s};
    struct berth_error *e = NULL;
    capi_capture_init(c);
    struct berth_container_op *op =
        project != NULL ? berth_cleanup_down_project(env.eng, project, &o, capi_done, c, &e)
                        : berth_cleanup_down_all(env.eng, &o, capi_done, c, &e);
    if (op == NULL)
        fail_msg("cleanup: %s", berth_error_message(e));
    assert_false(c->done);
    capi_wait(&env, c, 300);
    assert_int_equal(c->calls, 1);
    assert_true(c->has_report);
}

/* ------------------------------------------------------------ process */

/* Creates a process "container" labelled with project (NULL: unlabelled). */
static void proc_container(const char *name, const char *project, bool start)
{
    struct berth_kv labels[] = {{PROJECT_LABEL, project}, {"com.docker.compose.service", "s"}};
    const char *cmd[] = {"sleep", "60", NULL};
    struct berth_container_spec spec = {.name = name, .command = cmd, .labels = labels,
                                        .n_labels = project ? 2 : 0, .stop_grace_seconds = -1};
    struct capi_capture c;
    capi_capture_init(&c);
    struct berth_error *e = NULL;
    struct berth_container_run_options ro = {.detach = true};
    assert_non_null(start ? berth_container_run(env.eng, &spec, &ro, capi_done, &c, &e)
                          : berth_container_create(env.eng, &spec, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    if (c.code != 0)
        fail_msg("%s: %s", name, c.message);
    capi_capture_reset(&c);
}

/* Creates a labelled network and volume of project on b. */
static void proc_resources(struct berth_backend *b, const char *project)
{
    char *net = xasprintf("%s_default", project);
    char *vol = xasprintf("%s_data", project);
    struct berth_kv labels[] = {{PROJECT_LABEL, project}};
    struct berth_network_spec ns = {.name = net, .labels = labels, .n_labels = 1};
    struct berth_op_req nr = {.kind = BERTH_OP_NETWORK_CREATE, .network = &ns};
    backend_do(b, &nr);
    struct berth_volume_spec vs = {.name = vol, .labels = labels, .n_labels = 1};
    struct berth_op_req vr = {.kind = BERTH_OP_VOLUME_CREATE, .volume = &vs};
    backend_do(b, &vr);
    free(net);
    free(vol);
}

/* Names of every container (all), sorted, comma-joined. */
static char *proc_names(void)
{
    struct capi_capture c;
    capi_capture_init(&c);
    struct berth_error *e = NULL;
    struct berth_container_list_options lo = {.all = true};
    assert_non_null(berth_container_list(env.eng, &lo, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    for (size_t i = 0; i + 1 < c.names.n; i++)
        for (size_t k = i + 1; k < c.names.n; k++)
            if (strcmp(c.names.v[i], c.names.v[k]) > 0) {
                char *t = c.names.v[i];
                c.names.v[i] = c.names.v[k];
                c.names.v[k] = t;
            }
    size_t len = 1;
    for (size_t i = 0; i < c.names.n; i++)
        len += strlen(c.names.v[i]) + 1;
    char *s = xcalloc(1, len);
    for (size_t i = 0; i < c.names.n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, c.names.v[i]);
    }
    capi_capture_reset(&c);
    return s;
}

/* Counts list results. */
struct count_ctx {
    bool done;
    size_t n;
};

/* Stores how many records a LIST returned. */
static void count_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct count_ctx *ctx = user;
    if (res->error != NULL)
        fail_msg("list: %s", berth_error_message(res->error));
    ctx->n = res->n_containers + res->n_networks + res->n_volumes;
    ctx->done = true;
}

/* How many records of kind b lists with project's label (NULL: the key alone). */
static size_t count_labelled(struct berth_backend *b, enum berth_op_kind kind,
                             const char *project)
{
    struct count_ctx ctx = {0};
    struct berth_kv f = {PROJECT_LABEL, project};
    struct berth_op_req req = {.kind = kind, .filters = &f, .n_filters = 1, .all = true};
    struct berth_error *e = NULL;
    if (berth_backend_submit(b, &req, count_done, &ctx, &e) == NULL)
        fail_msg("submit: %s", berth_error_message(e));
    for (int i = 0; i < 6000 && !ctx.done; i++)
        capi_spin(&env, 10);
    assert_true(ctx.done);
    return ctx.n;
}

static void test_process_down_project_then_all(void **state)
{
    (void)state;
    struct berth_backend *b = select_backend("process");
    proc_container("capa-web-1", "capa", true);
    proc_container("capa-db-1", "capa", false);
    proc_container("capb-web-1", "capb", true);
    proc_container("loose", NULL, true);
    proc_resources(b, "capa");
    proc_resources(b, "capb");
    char *before = proc_names();
    assert_string_equal(before, "capa-db-1,capa-web-1,capb-web-1,loose");
    free(before);

    /* networks but not volumes */
    struct capi_capture c;
    cleanup("capa", true, false, -1, &c);
    assert_int_equal(c.code, 0);
    assert_int_equal(c.report.containers_removed, 2);
    assert_int_equal(c.report.networks_removed, 1);
    assert_int_equal(c.report.volumes_removed, 0);
    assert_int_equal(c.report_errors.n, 0);
    assert_int_equal(c.report_projects.n, 1);
    assert_string_equal(c.report_projects.v[0], "capa");
    char *after = proc_names();
    assert_string_equal(after, "capb-web-1,loose");
    free(after);
    assert_int_equal(count_labelled(b, BERTH_OP_NETWORK_LIST, "capa"), 0);
    assert_int_equal(count_labelled(b, BERTH_OP_VOLUME_LIST, "capa"), 1);
    capi_capture_reset(&c);

    /* again: nothing left to remove but the volume, when asked */
    cleanup("capa", true, true, -1, &c);
    assert_int_equal(c.code, 0);
    assert_int_equal(c.report.containers_removed, 0);
    assert_int_equal(c.report.networks_removed, 0);
    assert_int_equal(c.report.volumes_removed, 1);
    capi_capture_reset(&c);

    /* every project: capb's container, network and volume; the unlabelled one stays */
    cleanup(NULL, true, true, 2, &c);
    assert_int_equal(c.code, 0);
    assert_int_equal(c.report.containers_removed, 1);
    assert_int_equal(c.report.networks_removed, 1);
    assert_int_equal(c.report.volumes_removed, 1);
    assert_int_equal(c.report_projects.n, 1);
    assert_string_equal(c.report_projects.v[0], "capb");
    after = proc_names();
    assert_string_equal(after, "loose");
    free(after);
    assert_int_equal(count_labelled(b, BERTH_OP_NETWORK_LIST, NULL), 0);
    assert_int_equal(count_labelled(b, BERTH_OP_VOLUME_LIST, NULL), 0);
    capi_capture_reset(&c);

    /* nothing at all: an empty report, no error */
    cleanup(NULL, true, true, -1, &c);
    assert_int_equal(c.code, 0);
    assert_int_equal(c.report.containers_removed + c.report.networks_removed +
                         c.report.volumes_removed,
                     0);
    assert_int_equal(c.report_projects.n, 0);
    capi_capture_reset(&c);
}

static void test_invalid_and_cancel(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    assert_null(berth_cleanup_down_project(env.eng, "", NULL, capi_done, NULL, &e));
    assert_int_equal(berth_error_code(e), BERTH_E_INVALID);
    berth_error_clear(&e);
    assert_null(berth_cleanup_down_all(NULL, NULL, capi_done, NULL, &e));
    berth_error_clear(&e);
    select_backend("process");
    proc_container("capc-web-1", "capc", true);
    struct capi_capture c;
    capi_capture_init(&c);
    struct berth_container_op *op = berth_cleanup_down_project(env.eng, "capc", NULL, capi_done,
                                                               &c, &e);
    assert_non_null(op);
    berth_container_op_cancel(op);
    assert_false(c.done);
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_CANCELLED);
    capi_spin(&env, 30);
    assert_int_equal(c.calls, 1);
    capi_capture_reset(&c);
}

/* ------------------------------------------------------- failing driver */

/* A driver listing fixed records and refusing to remove those named "bad*". */
struct ff_state {
    const struct berth_host *host;
};

static int ff_create(const struct berth_host *host, const char *flavour, void **state,
                     struct berth_error **err)
{
    (void)flavour;
    (void)err;
    struct ff_state *st = calloc(1, sizeof(*st));
    st->host = host;
    *state = st;
    return 0;
}

static void ff_destroy(void *state)
{
    free(state);
}

static void ff_list(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ff_state *st = state;
    static const struct berth_kv la[] = {{PROJECT_LABEL, "ffa"}};
    static const struct berth_kv lb[] = {{PROJECT_LABEL, "ffb"}};
    /* the filter is the driver's to apply: only the key form (every project) is used here */
    assert_int_equal(req->n_filters, 1);
    assert_string_equal(req->filters[0].key, PROJECT_LABEL);
    assert_null(req->filters[0].value);
    struct berth_op_result r = {0};
    struct berth_container_info cs[] = {
        {.id = "good1", .name = "good1", .state = BERTH_CSTATE_RUNNING, .labels = la,
         .n_labels = 1},
        {.id = "bad1", .name = "bad1", .state = BERTH_CSTATE_EXITED, .labels = lb,
         .n_labels = 1},
        {.id = "good2", .name = "good2", .state = BERTH_CSTATE_EXITED, .labels = lb,
         .n_labels = 1},
        {.id = "gone1", .name = "gone1", .state = BERTH_CSTATE_EXITED, .labels = lb,
         .n_labels = 1}};
    struct berth_network_info ns[] = {{.name = "badnet", .labels = la, .n_labels = 1},
                                      {.name = "goodnet", .labels = la, .n_labels = 1}};
    struct berth_volume_info vs[] = {{.name = "goodvol", .labels = lb, .n_labels = 1}};
    if (req->kind == BERTH_OP_CONTAINER_LIST) {
        r.containers = cs;
        r.n_containers = 4;
    } else if (req->kind == BERTH_OP_NETWORK_LIST) {
        r.networks = ns;
        r.n_networks = 2;
    } else {
        r.volumes = vs;
        r.n_volumes = 1;
    }
    st->host->op_complete(op, NULL, &r);
}

static void ff_remove(void *state, struct berth_op *op, const struct berth_op_req *req)
{
    struct ff_state *st = state;
    struct berth_error *e = NULL;
    if (strncmp(req->target, "bad", 3) == 0)
        e = st->host->error_new(BERTH_E_BACKEND, 0, "%s is busy", req->target);
    else if (strncmp(req->target, "gone", 4) == 0)
        e = st->host->error_new(BERTH_E_NOT_FOUND, 0, "no such container: %s", req->target);
    st->host->op_complete(op, e, NULL);
}

static const enum berth_support ff_caps[BERTH_FEAT_COUNT] = {[BERTH_FEAT_IMAGES] =
                                                                 BERTH_SUPPORT_NATIVE};
static const struct berth_backend_driver ff_driver = {
    .abi_major = BERTH_BACKEND_ABI_MAJOR,
    .abi_minor = BERTH_BACKEND_ABI_MINOR,
    .name = "ff",
    .caps = ff_caps,
    .caps_count = BERTH_FEAT_COUNT,
    .create = ff_create,
    .destroy = ff_destroy,
    .ops = {[BERTH_OP_CONTAINER_LIST] = ff_list, [BERTH_OP_NETWORK_LIST] = ff_list,
            [BERTH_OP_VOLUME_LIST] = ff_list, [BERTH_OP_CONTAINER_REMOVE] = ff_remove,
            [BERTH_OP_NETWORK_REMOVE] = ff_remove, [BERTH_OP_VOLUME_REMOVE] = ff_remove},
};

static void test_failures_are_listed_not_counted(void **state)
{
    (void)state;
    struct berth_error *e = NULL;
    assert_int_equal(berth_plugins_add_driver(env.eng, &ff_driver, "(test)", &e), 0);
    /* an explicit backend, without the engine's selection */
    struct berth_backend *b = berth_backend_new(env.eng, "ff", &e);
    assert_non_null(b);
    struct berth_cleanup_options o = {.remove_networks = true, .remove_volumes = true,
                                      .stop_timeout_s = -1, .backend = b};
    struct capi_capture c;
    capi_capture_init(&c);
    assert_non_null(berth_cleanup_down_all(env.eng, &o, capi_done, &c, &e));
    capi_wait(&env, &c, 30);
    assert_int_equal(c.code, BERTH_E_BACKEND);
    assert_non_null(strstr(c.message, "2 operations failed"));
    assert_int_equal(c.report.containers_removed, 2); /* good1, good2; gone1 was not ours */
    assert_int_equal(c.report.networks_removed, 1);
    assert_int_equal(c.report.volumes_removed, 1);
    assert_int_equal(c.report_errors.n, 2);
    assert_string_equal(c.report_errors.v[0], "container bad1: bad1 is busy");
    assert_string_equal(c.report_errors.v[1], "network badnet: badnet is busy");
    assert_int_equal(c.report_projects.n, 2);
    assert_string_equal(c.report_projects.v[0], "ffa");
    assert_string_equal(c.report_projects.v[1], "ffb");
    assert_false(berth_select_used(env.eng));
    capi_capture_reset(&c);
    berth_backend_free(b);
}

/* ---------------------------------------------------------------- podman */

static const char *image(void)
{
    const char *img = getenv("BERTH_TEST_IMAGE");
    return img ? img : "localhost/berth-test/busybox:latest";
}

/* Runs a podman command line; fails the test on a non-zero exit. */
static char *podman(const char *fmt, ...) BERTH_PRINTF(1, 2);
static char *podman(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *args = xvasprintf(fmt, ap);
    va_end(ap);
    char *cmd = xasprintf("podman %s 2>&1", args);
    int st = 0;
    char *out = capi_sh(cmd, &st);
    if (st != 0)
        fail_msg("%s: exit %d: %s", cmd, st, out);
    free(cmd);
    free(args);
    return out;
}

/* How many lines of out contain word. */
static size_t count_lines_with(const char *out, const char *word)
{
    size_t n = 0;
    for (const char *p = out; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, len);
        if (strstr(line, word) != NULL)
            n++;
        free(line);
        p += len + (nl ? 1 : 0);
    }
    return n;
}

/* Containers, networks and volumes whose names contain word. */
struct pm_counts {
    size_t ctrs, nets, vols;
};

static struct pm_counts pm_count(const char *word)
{
    char *c = podman("ps -a --format '{{.Names}}'");
    char *n = podman("network ls --format '{{.Name}}'");
    char *v = podman("volume ls --format '{{.Name}}'");
    struct pm_counts r = {count_lines_with(c, word), count_lines_with(n, word),
                          count_lines_with(v, word)};
    free(c);
    free(n);
    free(v);
    return r;
}

static void test_podman_down_project_and_all(void **state)
{
    (void)state;
    select_backend("podman");
    long pid = (long)getpid();
    char *pa = xasprintf("capcl%lda", pid), *pb = xasprintf("capcl%ldb", pid);
    char *loose = xasprintf("capcl%ldloose", pid);
    const char *img = image();
    /* project a: a running and an exited container, a network, a volume */
    free(podman("run -d --name %s-web-1 --network none --label %s=%s %s sleep 300", pa,
                PROJECT_LABEL, pa, img));
    free(podman("run --name %s-job-1 --network none --label %s=%s %s true", pa, PROJECT_LABEL,
                pa, img));
    free(podman("network create --label %s=%s %s_default", PROJECT_LABEL, pa, pa));
    free(podman("volume create --label %s=%s %s_data", PROJECT_LABEL, pa, pa));
    /* project b: a running container (PID 1 ignores SIGTERM) with a volume */
    free(podman("volume create --label %s=%s %s_data", PROJECT_LABEL, pb, pb));
    free(podman("run -d --name %s-web-1 --network none --label %s=%s -v %s_data:/data %s "
                "sleep 300",
                pb, PROJECT_LABEL, pb, pb, img));
    /* unlabelled: never touched */
    free(podman("run -d --name %s --network none %s sleep 300", loose, img));

    struct pm_counts a0 = pm_count(pa), b0 = pm_count(pb);
    assert_int_equal(a0.ctrs, 2);
    assert_int_equal(a0.nets, 1);
    assert_int_equal(a0.vols, 1);
    assert_int_equal(b0.ctrs, 1);
    assert_int_equal(b0.vols, 1);

    /* project a, with networks and volumes: the report matches what disappeared */
    struct capi_capture c;
    cleanup(pa, true, true, -1, &c);
    if (c.code != 0)
        fail_msg("%s", c.message);
    struct pm_counts a1 = pm_count(pa), b1 = pm_count(pb);
    assert_int_equal(c.report.containers_removed, a0.ctrs - a1.ctrs);
    assert_int_equal(c.report.networks_removed, a0.nets - a1.nets);
    assert_int_equal(c.report.volumes_removed, a0.vols - a1.vols);
    assert_int_equal(a1.ctrs + a1.nets + a1.vols, 0);
    assert_int_equal(b1.ctrs, b0.ctrs);
    assert_int_equal(b1.vols, b0.vols);
    char *ps0 = podman("ps -a --format '{{.Names}}'");
    assert_int_equal(count_lines_with(ps0, loose), 1);
    free(ps0);
    capi_capture_reset(&c);

    /* every project (only b is left here: the storage is private), graceful stop of 1 s */
    cleanup(NULL, true, true, 1, &c);
    if (c.code != 0)
        fail_msg("%s", c.message);
    struct pm_counts b2 = pm_count(pb);
    assert_int_equal(c.report.containers_removed, b1.ctrs - b2.ctrs);
    assert_int_equal(c.report.volumes_removed, b1.vols - b2.vols);
    assert_int_equal(b2.ctrs + b2.vols, 0);
    assert_int_equal(c.report_projects.n, 1);
    assert_string_equal(c.report_projects.v[0], pb);
    char *ps = podman("ps -a --format '{{.Names}}'");
    assert_int_equal(count_lines_with(ps, loose), 1);
    free(ps);
    capi_capture_reset(&c);

    free(podman("rm -f %s", loose));
    free(pa);
    free(pb);
    free(loose);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--podman") == 0) {
        const struct CMUnitTest podman_tests[] = {
            cmocka_unit_test_setup_teardown(test_podman_down_project_and_all, setup, teardown),
        };
        return cmocka_run_group_tests_name("cleanup (podman)", podman_tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_process_down_project_then_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_are_listed_not_counted, setup, teardown),
    };
    return cmocka_run_group_tests_name("cleanup", tests, NULL, NULL);
}
