/*
 * Tests of backends/process.c with real processes: create/start/logs/exec/
 * stop (a child ignoring SIGTERM is killed after the grace period)/kill/
 * wait/inspect/list by label/events/remove, networks and volumes.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include <berth/runtime.h>

static struct berth_engine *eng;
static struct berth_backend *b;
static char tmpdir[256];

/* What one operation returned. */
struct res {
    int calls;
    int code;
    char msg[512];
    char hint[256];
    char id[80];
    int exit_code;
    char out[4096];
    char err[1024];
    size_t n;
    struct berth_container_info c0; /* first container; strings copied below */
    char name0[64], status0[64];
    char names[8][64];
    size_t n_nets, n_vols;
};

/* Stores a result. */
static void on_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    struct res *r = user;
    (void)op;
    r->calls++;
    r->code = berth_error_code(res->error);
    snprintf(r->msg, sizeof(r->msg), "%s", res->error ? berth_error_message(res->error) : "");
    snprintf(r->hint, sizeof(r->hint), "%s",
             res->error && berth_error_hint(res->error) ? berth_error_hint(res->error) : "");
    snprintf(r->id, sizeof(r->id), "%s", res->id ? res->id : "");
    r->exit_code = res->exit_code;
    snprintf(r->out, sizeof(r->out), "%s", res->out ? res->out : "");
    snprintf(r->err, sizeof(r->err), "%s", res->err ? res->err : "");
    r->n = res->n_containers;
    for (size_t i = 0; i < res->n_containers && i < 8; i++)
        snprintf(r->names[i], sizeof(r->names[i]), "%s", res->containers[i].name);
    if (res->n_containers > 0) {
        r->c0 = res->containers[0];
        snprintf(r->name0, sizeof(r->name0), "%s", res->containers[0].name);
        snprintf(r->status0, sizeof(r->status0), "%s", res->containers[0].status);
        r->c0.name = r->name0;
        r->c0.status = r->status0;
        r->c0.id = NULL;
        r->c0.labels = NULL;
        r->c0.command = NULL;
    }
    r->n_nets = res->n_networks;
    r->n_vols = res->n_volumes;
}

/* Test safety net: fails the test when the loop waits too long. */
static void on_deadline(struct berth_timer *t, void *user)
{
    (void)t;
    (void)user;
    fail_msg("timed out waiting for the loop");
}

/* Runs the loop until *flag becomes non-zero (at most 20 s). */
static void run_until(const int *flag)
{
    struct berth_timer *t = berth_timer_new(eng, on_deadline, NULL);
    berth_timer_start(t, 20000);
    while (!*flag)
        event_base_loop(berth_engine_base(eng), EVLOOP_ONCE);
    berth_timer_free(t);
}

/* Submits req and runs until it completes. */
static struct res op(struct berth_op_req req)
{
    struct res r = {0};
    struct berth_error *e = NULL;
    struct berth_op *o = berth_backend_submit(b, &req, on_done, &r, &e);
    if (o == NULL)
        fail_msg("submit failed: %s", berth_error_message(e));
    run_until(&r.calls);
    return r;
}

/* A container spec with a command. */
static struct berth_container_spec spec(const char *name, const char *const *cmd)
{
    static struct berth_kv labels[] = {{"com.docker.compose.project", "demo"},
                                       {"com.docker.compose.service", "web"}};
    return (struct berth_container_spec){.name = name, .command = cmd, .labels = labels,
                                         .n_labels = 2, .stop_grace_seconds = -1};
}

/* Creates a container; returns its id (static buffer per call site not needed: copied). */
static struct res create(const struct berth_container_spec *s)
{
    return op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_CREATE, .spec = s});
}

/* Operation on a target. */
static struct res on(enum berth_op_kind kind, const char *target)
{
    return op((struct berth_op_req){.kind = kind, .target = target, .timeout_s = -1, .tail = -1});
}

/* Collected lines of a logs call. */
struct lines {
    char v[32][128];
    int stream[32];
    int n;
};

/* Collects a line. */
static void on_line(void *user, enum berth_stream stream, const char *line, size_t len,
                    bool complete)
{
    struct lines *l = user;
    (void)complete;
    if (l->n < 32) {
        snprintf(l->v[l->n], sizeof(l->v[0]), "%.*s", (int)len, line);
        l->stream[l->n] = stream;
        l->n++;
    }
}

/* Follows logs until at least n lines arrived, then cancels. */
static void wait_lines(const char *target, int n, struct lines *l)
{
    memset(l, 0, sizeof(*l));
    struct res r = {0};
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_LOGS, .target = target, .follow = true,
                               .tail = -1, .on_line = on_line, .stream_user = l};
    struct berth_op *o = berth_backend_submit(b, &req, on_done, &r, NULL);
    assert_non_null(o);
    struct berth_timer *t = berth_timer_new(eng, on_deadline, NULL);
    berth_timer_start(t, 20000);
    while (l->n < n && r.calls == 0)
        event_base_loop(berth_engine_base(eng), EVLOOP_ONCE);
    berth_timer_free(t);
    if (r.calls == 0) {
        berth_op_cancel(o);
        run_until(&r.calls);
        assert_int_equal(r.code, BERTH_E_CANCELLED);
    }
    assert_true(l->n >= n);
}

/* Non-follow logs with options. */
static void logs(const char *target, int tail, bool ts, const char *since, struct lines *l,
                 struct res *r)
{
    memset(l, 0, sizeof(*l));
    *r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LOGS, .target = target, .tail = tail,
                                  .timestamps = ts, .since = since, .on_line = on_line,
                                  .stream_user = l});
}

/* Fresh engine, process backend and temp dir. */
static int setup(void **state)
{
    (void)state;
    eng = berth_engine_new(NULL, NULL);
    assert_non_null(eng);
    struct berth_error *e = NULL;
    b = berth_backend_new(eng, "process", &e);
    assert_null(e);
    assert_non_null(b);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-process.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

/* Frees everything; children still running are killed. */
static int teardown(void **state)
{
    (void)state;
    berth_backend_free(b);
    berth_engine_free(eng);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void test_caps_and_probe(void **state)
{
    (void)state;
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_HEALTHCHECK), BERTH_SUPPORT_EMULATED);
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_RESTART), BERTH_SUPPORT_EMULATED);
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_EXEC), BERTH_SUPPORT_NATIVE);
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_PORT_PUBLISH), BERTH_SUPPORT_UNSUPPORTED);
    assert_int_equal(berth_backend_supports(b, BERTH_FEAT_IMAGES), BERTH_SUPPORT_UNSUPPORTED);
    assert_false(berth_backend_has_op(b, BERTH_OP_IMAGE_PULL));
    struct res r = op((struct berth_op_req){.kind = BERTH_OP_PROBE});
    assert_int_equal(r.code, BERTH_E_OK);
}

static void test_lifecycle(void **state)
{
    (void)state;
    const char *cmd[] = {"sh", "-c", "echo hello; echo oops >&2; exec sleep 30", NULL};
    struct berth_kv env[] = {{"FOO", "bar"}};
    struct berth_container_spec s = spec("demo-web-1", cmd);
    s.env = env;
    s.n_env = 1;
    s.workdir = tmpdir;
    struct res r = create(&s);
    assert_int_equal(r.code, BERTH_E_OK);
    assert_int_equal(strlen(r.id), 64);
    char id[80];
    strcpy(id, r.id);

    r = on(BERTH_OP_CONTAINER_INSPECT, "demo-web-1");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.c0.state, BERTH_CSTATE_CREATED);
    assert_string_equal(r.status0, "Created");

    r = on(BERTH_OP_CONTAINER_START, id);
    assert_int_equal(r.code, BERTH_E_OK);
    r = on(BERTH_OP_CONTAINER_START, id); /* running: nothing to do */
    assert_int_equal(r.code, BERTH_E_OK);

    char prefix[13];
    snprintf(prefix, sizeof(prefix), "%.12s", id);
    r = on(BERTH_OP_CONTAINER_INSPECT, prefix); /* unique id prefix */
    assert_int_equal(r.c0.state, BERTH_CSTATE_RUNNING);
    assert_true(r.c0.pid > 0);
    assert_int_equal(strncmp(r.status0, "Up ", 3), 0);

    struct lines l;
    wait_lines("demo-web-1", 2, &l);
    struct res lr;
    logs("demo-web-1", -1, false, NULL, &l, &lr);
    assert_int_equal(lr.code, BERTH_E_OK);
    assert_int_equal(l.n, 2);
    /* the two streams may interleave either way; both are there */
    bool hello = false, oops = false;
    for (int i = 0; i < 2; i++) {
        hello = hello || (strcmp(l.v[i], "hello") == 0 && l.stream[i] == BERTH_STDOUT);
        oops = oops || (strcmp(l.v[i], "oops") == 0 && l.stream[i] == BERTH_STDERR);
    }
    assert_true(hello && oops);
    logs("demo-web-1", 1, true, NULL, &l, &lr);
    assert_int_equal(l.n, 1);
    assert_int_equal(strncmp(l.v[0], "20", 2), 0);
    assert_int_equal(l.v[0][10], 'T');
    assert_non_null(strstr(l.v[0], "Z "));
    logs("demo-web-1", -1, false, "2999-01-01T00:00:00Z", &l, &lr);
    assert_int_equal(l.n, 0);
    logs("demo-web-1", -1, false, "1h", &l, &lr);
    assert_int_equal(l.n, 2);
    logs("demo-web-1", -1, false, "1700000000.5", &l, &lr); /* unix seconds */
    assert_int_equal(l.n, 2);
    logs("demo-web-1", -1, false, "99999999999", &l, &lr);
    assert_int_equal(l.n, 0);
    logs("demo-web-1", -1, false, "yesterday", &l, &lr);
    assert_int_equal(lr.code, BERTH_E_INVALID);

    /* exec: the service's directory and environment, plus its own */
    const char *ex[] = {"sh", "-c", "pwd; echo $FOO $EXTRA; echo warn >&2; exit 3", NULL};
    struct berth_kv xenv[] = {{"EXTRA", "x"}};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = id, .argv = ex,
                                 .env = xenv, .n_env = 1});
    assert_int_equal(r.code, BERTH_E_OK);
    assert_int_equal(r.exit_code, 3);
    char expect[512];
    char real[300];
    assert_non_null(realpath(tmpdir, real));
    snprintf(expect, sizeof(expect), "%s\nbar x\n", real);
    assert_string_equal(r.out, expect);
    assert_string_equal(r.err, "warn\n");
    const char *missing[] = {"/nonexistent/berth-binary", NULL};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = id, .argv = missing});
    assert_int_not_equal(r.code, BERTH_E_OK);
    assert_non_null(strstr(r.msg, "demo-web-1"));

    /* list by label */
    struct berth_kv f1[] = {{"com.docker.compose.project", "demo"}};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LIST, .filters = f1, .n_filters = 1});
    assert_int_equal(r.n, 1);
    assert_string_equal(r.names[0], "demo-web-1");
    struct berth_kv f2[] = {{"com.docker.compose.project", "other"}};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LIST, .filters = f2, .n_filters = 1});
    assert_int_equal(r.n, 0);
    struct berth_kv f3[] = {{"com.docker.compose.service", NULL}};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LIST, .filters = f3, .n_filters = 1});
    assert_int_equal(r.n, 1);

    /* stop: SIGTERM ends sleep; exit code 128 + 15 */
    r = on(BERTH_OP_CONTAINER_STOP, id);
    assert_int_equal(r.code, BERTH_E_OK);
    r = on(BERTH_OP_CONTAINER_INSPECT, id);
    assert_int_equal(r.c0.state, BERTH_CSTATE_EXITED);
    assert_int_equal(r.c0.exit_code, 143);
    assert_int_equal(strncmp(r.status0, "Exited (143) ", 13), 0);
    r = on(BERTH_OP_CONTAINER_WAIT, id);
    assert_int_equal(r.exit_code, 143);
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LIST});
    assert_int_equal(r.n, 0); /* stopped ones only with all */
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LIST, .all = true});
    assert_int_equal(r.n, 1);
    r = on(BERTH_OP_CONTAINER_STOP, id); /* stopped: nothing to do */
    assert_int_equal(r.code, BERTH_E_OK);
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = id, .argv = ex});
    assert_int_equal(r.code, BERTH_E_STATE);

    /* restart keeps the old lines */
    r = on(BERTH_OP_CONTAINER_START, id);
    assert_int_equal(r.code, BERTH_E_OK);
    wait_lines(id, 4, &l);

    r = on(BERTH_OP_CONTAINER_REMOVE, id);
    assert_int_equal(r.code, BERTH_E_STATE);
    assert_non_null(strstr(r.hint, "force"));
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_REMOVE, .target = id, .force = true});
    assert_int_equal(r.code, BERTH_E_OK);
    r = on(BERTH_OP_CONTAINER_INSPECT, id);
    assert_int_equal(r.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(r.msg, "no such container"));
}

static void test_stop_escalates_to_sigkill(void **state)
{
    (void)state;
    const char *cmd[] = {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done",
                         NULL};
    struct berth_container_spec s = spec("stubborn", cmd);
    s.stop_grace_seconds = 1;
    assert_int_equal(create(&s).code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "stubborn").code, BERTH_E_OK);
    struct lines l;
    wait_lines("stubborn", 1, &l);
    uint64_t t0 = berth_now_ms();
    struct res r = on(BERTH_OP_CONTAINER_STOP, "stubborn");
    uint64_t dt = berth_now_ms() - t0;
    assert_int_equal(r.code, BERTH_E_OK);
    assert_true(dt >= 1000);
    assert_true(dt < 4000);
    r = on(BERTH_OP_CONTAINER_INSPECT, "stubborn");
    assert_int_equal(r.c0.exit_code, 137);
    assert_int_equal(berth_proc_count(eng), 0);

    /* an explicit timeout and signal: SIGINT is not ignored by sh */
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "stubborn").code, BERTH_E_OK);
    wait_lines("stubborn", 2, &l);
    t0 = berth_now_ms();
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_STOP, .target = "stubborn",
                                 .signal = SIGINT, .timeout_s = 5});
    assert_true(berth_now_ms() - t0 < 3000);
    r = on(BERTH_OP_CONTAINER_INSPECT, "stubborn");
    assert_int_equal(r.c0.exit_code, 128 + SIGINT);
}

/* A wait op whose result lands in r. */
static struct berth_op *wait_async(const char *target, struct res *r)
{
    struct berth_op_req req = {.kind = BERTH_OP_CONTAINER_WAIT, .target = target};
    return berth_backend_submit(b, &req, on_done, r, NULL);
}

static void test_kill_and_wait(void **state)
{
    (void)state;
    const char *cmd[] = {"sleep", "30", NULL};
    struct berth_container_spec s = spec("sleeper", cmd);
    assert_int_equal(create(&s).code, BERTH_E_OK);
    struct res r = on(BERTH_OP_CONTAINER_KILL, "sleeper");
    assert_int_equal(r.code, BERTH_E_STATE);
    r = on(BERTH_OP_CONTAINER_WAIT, "sleeper"); /* created: not running, returns at once */
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "sleeper").code, BERTH_E_OK);
    struct res w = {0};
    assert_non_null(wait_async("sleeper", &w));
    r = on(BERTH_OP_CONTAINER_KILL, "sleeper");
    assert_int_equal(r.code, BERTH_E_OK);
    run_until(&w.calls);
    assert_int_equal(w.code, BERTH_E_OK);
    assert_int_equal(w.exit_code, 137);

    /* a custom signal */
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "sleeper").code, BERTH_E_OK);
    memset(&w, 0, sizeof(w));
    assert_non_null(wait_async("sleeper", &w));
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_KILL, .target = "sleeper",
                                 .signal = SIGUSR1});
    run_until(&w.calls);
    assert_int_equal(w.exit_code, 128 + SIGUSR1);

    /* force-removing a running container ends its waiters */
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "sleeper").code, BERTH_E_OK);
    memset(&w, 0, sizeof(w));
    assert_non_null(wait_async("sleeper", &w));
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_REMOVE, .target = "sleeper",
                                 .force = true});
    assert_int_equal(r.code, BERTH_E_OK);
    run_until(&w.calls);
    assert_int_equal(w.exit_code, 137);
}

/* Collected events. */
struct events {
    char v[16][96];
    int n;
};

/* Records "action name [exit]". */
static void on_event(void *user, const struct berth_event_info *ev)
{
    struct events *e = user;
    if (e->n < 16) {
        if (strcmp(ev->action, "die") == 0)
            snprintf(e->v[e->n++], 96, "%s %s %s %d", ev->type, ev->action, ev->name,
                     ev->exit_code);
        else
            snprintf(e->v[e->n++], 96, "%s %s %s", ev->type, ev->action, ev->name);
    }
}

static void test_events(void **state)
{
    (void)state;
    struct events evs = {0};
    struct res er = {0};
    struct berth_kv filt[] = {{"com.docker.compose.project", "demo"}};
    struct berth_op_req req = {.kind = BERTH_OP_EVENTS, .on_event = on_event, .stream_user = &evs,
                               .filters = filt, .n_filters = 1};
    struct berth_op *eo = berth_backend_submit(b, &req, on_done, &er, NULL);
    assert_non_null(eo);

    const char *cmd[] = {"sh", "-c", "exit 5", NULL};
    struct berth_container_spec s = spec("quick", cmd);
    assert_int_equal(create(&s).code, BERTH_E_OK);
    struct berth_container_spec other = {.name = "unlabelled", .command = cmd,
                                         .stop_grace_seconds = -1};
    assert_int_equal(create(&other).code, BERTH_E_OK);
    struct res w = {0};
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "quick").code, BERTH_E_OK);
    assert_non_null(wait_async("quick", &w));
    run_until(&w.calls);
    assert_int_equal(w.exit_code, 5);
    assert_int_equal(on(BERTH_OP_CONTAINER_REMOVE, "quick").code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_REMOVE, "unlabelled").code, BERTH_E_OK);
    /* let the held events reach us */
    for (int i = 0; i < 5; i++)
        event_base_loop(berth_engine_base(eng), EVLOOP_NONBLOCK);
    assert_int_equal(evs.n, 4);
    assert_string_equal(evs.v[0], "container create quick");
    assert_string_equal(evs.v[1], "container start quick");
    assert_string_equal(evs.v[2], "container die quick 5");
    assert_string_equal(evs.v[3], "container destroy quick");
    assert_int_equal(er.calls, 0); /* an event stream has no timeout */
    berth_op_cancel(eo);
    run_until(&er.calls);
    assert_int_equal(er.code, BERTH_E_CANCELLED);
}

static void test_logs_follow_ends_at_exit(void **state)
{
    (void)state;
    const char *cmd[] = {"sh", "-c", "echo a; sleep 0.2; echo b", NULL};
    struct berth_container_spec s = spec("short", cmd);
    assert_int_equal(create(&s).code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "short").code, BERTH_E_OK);
    struct lines l = {0};
    struct res r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LOGS, .target = "short",
                                            .follow = true, .tail = -1, .on_line = on_line,
                                            .stream_user = &l});
    assert_int_equal(r.code, BERTH_E_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0], "a");
    assert_string_equal(l.v[1], "b");
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *cmd[] = {"true", NULL};
    struct berth_container_spec s = spec("one", cmd);
    assert_int_equal(create(&s).code, BERTH_E_OK);
    struct res r = create(&s);
    assert_int_equal(r.code, BERTH_E_EXISTS);
    assert_non_null(strstr(r.msg, "'one' is already in use"));

    struct berth_container_spec none = spec("none", NULL);
    none.image = "nginx";
    r = create(&none);
    assert_int_equal(r.code, BERTH_E_INVALID);
    assert_non_null(strstr(r.msg, "no command"));
    assert_non_null(strstr(r.hint, "command"));

    struct berth_container_spec sig = spec("sig", cmd);
    sig.stop_signal = "SIGFOO";
    r = create(&sig);
    assert_int_equal(r.code, BERTH_E_INVALID);
    assert_non_null(strstr(r.msg, "SIGFOO"));
    sig.stop_signal = "SIGINT";
    assert_int_equal(create(&sig).code, BERTH_E_OK);

    const char *nocmd[] = {"/nonexistent/berth-no-such-binary", NULL};
    struct berth_container_spec nb = spec("nobin", nocmd);
    assert_int_equal(create(&nb).code, BERTH_E_OK);
    r = on(BERTH_OP_CONTAINER_START, "nobin");
    assert_int_not_equal(r.code, BERTH_E_OK);
    assert_non_null(strstr(r.msg, "cannot start"));
    r = on(BERTH_OP_CONTAINER_INSPECT, "nobin");
    assert_int_equal(r.c0.state, BERTH_CSTATE_CREATED);

    r = on(BERTH_OP_CONTAINER_START, "ghost");
    assert_int_equal(r.code, BERTH_E_NOT_FOUND);
}

static void test_auto_remove_and_env(void **state)
{
    (void)state;
    setenv("BERTH_TEST_HOSTVAR", "host", 1);
    setenv("BERTH_TEST_GONE", "x", 1);
    const char *cmd[] = {"sh", "-c", "echo ${BERTH_TEST_HOSTVAR-unset} ${BERTH_TEST_GONE-unset} $SPEC",
                         NULL};
    struct berth_kv env[] = {{"SPEC", "1"}, {"BERTH_TEST_GONE", NULL}};
    struct berth_container_spec s = spec("temp", cmd);
    s.env = env;
    s.n_env = 2;
    s.rm = true;
    assert_int_equal(create(&s).code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "temp").code, BERTH_E_OK);
    struct lines l = {0};
    struct res r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LOGS, .target = "temp",
                                            .follow = true, .tail = -1, .on_line = on_line,
                                            .stream_user = &l});
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "host unset 1");
    r = on(BERTH_OP_CONTAINER_INSPECT, "temp");
    assert_int_equal(r.code, BERTH_E_NOT_FOUND); /* removed when it exited */
    unsetenv("BERTH_TEST_HOSTVAR");
    unsetenv("BERTH_TEST_GONE");
}

static void test_user(void **state)
{
    (void)state;
    const char *cmd[] = {"sh", "-c", "id -u; exec sleep 30", NULL};
    struct berth_container_spec s = spec("as-nobody", cmd);
    s.user = "nobody";
    struct res r = create(&s);
    if (geteuid() != 0) {
        assert_int_equal(r.code, BERTH_E_UNSUPPORTED);
        assert_non_null(strstr(r.msg, "root"));
        return;
    }
    if (access("/usr/bin/setpriv", X_OK) != 0 && access("/bin/setpriv", X_OK) != 0)
        skip();
    assert_int_equal(r.code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "as-nobody").code, BERTH_E_OK);
    struct lines l;
    wait_lines("as-nobody", 1, &l);
    char uid[16];
    snprintf(uid, sizeof(uid), "%d", 65534);
    assert_string_equal(l.v[0], uid);
    const char *ex[] = {"id", "-u", NULL};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = "as-nobody",
                                 .argv = ex});
    assert_string_equal(r.out, "65534\n");
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = "as-nobody",
                                 .argv = ex, .user = "0"});
    assert_string_equal(r.out, "0\n");

    s.name = "ghost-user";
    s.user = "berth-no-such-user";
    r = create(&s);
    assert_int_equal(r.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(r.msg, "berth-no-such-user"));
}

static void test_networks_and_volumes(void **state)
{
    (void)state;
    struct berth_kv labels[] = {{"com.docker.compose.project", "demo"}};
    struct berth_network_spec ns = {.name = "demo_default", .labels = labels, .n_labels = 1};
    struct res r = op((struct berth_op_req){.kind = BERTH_OP_NETWORK_CREATE, .network = &ns});
    assert_int_equal(r.code, BERTH_E_OK);
    assert_int_equal(strlen(r.id), 64);
    r = op((struct berth_op_req){.kind = BERTH_OP_NETWORK_CREATE, .network = &ns});
    assert_int_equal(r.code, BERTH_E_EXISTS);
    r = op((struct berth_op_req){.kind = BERTH_OP_NETWORK_LIST, .filters = labels, .n_filters = 1});
    assert_int_equal(r.n_nets, 1);
    r = on(BERTH_OP_NETWORK_INSPECT, "demo_default");
    assert_int_equal(r.n_nets, 1);
    assert_int_equal(on(BERTH_OP_NETWORK_REMOVE, "demo_default").code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_NETWORK_REMOVE, "demo_default").code, BERTH_E_NOT_FOUND);

    struct berth_volume_spec vs = {.name = "demo_data", .labels = labels, .n_labels = 1};
    r = op((struct berth_op_req){.kind = BERTH_OP_VOLUME_CREATE, .volume = &vs});
    assert_string_equal(r.id, "demo_data");
    r = op((struct berth_op_req){.kind = BERTH_OP_VOLUME_CREATE, .volume = &vs});
    assert_int_equal(r.code, BERTH_E_OK); /* existing: returned, as docker does */
    r = op((struct berth_op_req){.kind = BERTH_OP_VOLUME_LIST});
    assert_int_equal(r.n_vols, 1);
    r = on(BERTH_OP_VOLUME_INSPECT, "demo_data");
    assert_int_equal(r.n_vols, 1);
    assert_int_equal(on(BERTH_OP_VOLUME_REMOVE, "demo_data").code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_VOLUME_INSPECT, "demo_data").code, BERTH_E_NOT_FOUND);
}

/* Poll tick of wait_file: sets *flag once the file exists. */
struct file_wait {
    const char *path;
    int found;
    struct berth_timer *t;
};

/* Checks for the file; re-arms itself until it exists. */
static void file_tick(struct berth_timer *t, void *user)
{
    struct file_wait *w = user;
    if (access(w->path, F_OK) == 0)
        w->found = 1;
    else
        berth_timer_start(t, 20);
}

/* Runs the loop until path exists (at most 20 s). */
static void wait_file(const char *path)
{
    struct file_wait w = {.path = path};
    w.t = berth_timer_new(eng, file_tick, &w);
    berth_timer_start(w.t, 0);
    run_until(&w.found);
    berth_timer_free(w.t);
}

/* Detached exec: completes once started (exit 0, no output); the command goes on. */
static void test_exec_detach(void **state)
{
    (void)state;
    const char *cmd[] = {"sleep", "30", NULL};
    struct berth_kv env[] = {{"FOO", "bar"}};
    struct berth_container_spec s = spec("demo-web-1", cmd);
    s.env = env;
    s.n_env = 1;
    s.workdir = "/";
    assert_int_equal(create(&s).code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "demo-web-1").code, BERTH_E_OK);

    /* the service's environment plus -e, -w honoured; output discarded */
    const char *ex[] = {"sh", "-c",
                        "echo noise; sleep 1; echo $FOO $EXTRA $(pwd) > done.tmp; "
                        "mv done.tmp done",
                        NULL};
    struct berth_kv xenv[] = {{"EXTRA", "x"}};
    struct res r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC,
                                            .target = "demo-web-1",
                                            .argv = ex,
                                            .env = xenv,
                                            .n_env = 1,
                                            .workdir = tmpdir,
                                            .detach = true});
    assert_int_equal(r.code, BERTH_E_OK);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    char done[512];
    snprintf(done, sizeof(done), "%s/done", tmpdir);
    assert_int_equal(access(done, F_OK), -1); /* completed before the command ended */
    wait_file(done);
    FILE *f = fopen(done, "r");
    assert_non_null(f);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    char real[300], expect[600];
    assert_non_null(realpath(tmpdir, real));
    snprintf(expect, sizeof(expect), "bar x %s\n", real);
    assert_string_equal(line, expect);

    /* a detached command still running when its container stops is stopped with it */
    const char *longer[] = {"sh", "-c", "echo $$ > pid.tmp; mv pid.tmp pid; exec sleep 30", NULL};
    r = op((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC,
                                 .target = "demo-web-1",
                                 .argv = longer,
                                 .workdir = tmpdir,
                                 .detach = true});
    assert_int_equal(r.code, BERTH_E_OK);
    char pidfile[512];
    snprintf(pidfile, sizeof(pidfile), "%s/pid", tmpdir);
    wait_file(pidfile);
    f = fopen(pidfile, "r");
    assert_non_null(f);
    int pid = 0;
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    assert_true(pid > 0);
    assert_int_equal(kill(pid, 0), 0);
    assert_int_equal(on(BERTH_OP_CONTAINER_STOP, "demo-web-1").code, BERTH_E_OK);
    uint64_t t0 = berth_now_ms();
    while (berth_proc_count(eng) > 0 && berth_now_ms() - t0 < 15000)
        event_base_loop(berth_engine_base(eng), EVLOOP_ONCE);
    assert_int_equal(berth_proc_count(eng), 0); /* reaped, nothing left behind */
    assert_int_equal(kill(pid, 0), -1);

    /* not running: refused like an attached exec */
    r = op((struct berth_op_req){
        .kind = BERTH_OP_CONTAINER_EXEC, .target = "demo-web-1", .argv = ex, .detach = true});
    assert_int_equal(r.code, BERTH_E_STATE);
}

static void test_free_kills_processes(void **state)
{
    (void)state;
    const char *cmd[] = {"sleep", "30", NULL};
    struct berth_container_spec s = spec("left-running", cmd);
    assert_int_equal(create(&s).code, BERTH_E_OK);
    assert_int_equal(on(BERTH_OP_CONTAINER_START, "left-running").code, BERTH_E_OK);
    struct res r = on(BERTH_OP_CONTAINER_INSPECT, "left-running");
    pid_t pid = r.c0.pid;
    assert_true(pid > 0);
    struct res ex = {0};
    const char *argv[] = {"sleep", "30", NULL};
    struct berth_op_req xr = {.kind = BERTH_OP_CONTAINER_EXEC, .target = "left-running",
                              .argv = argv};
    assert_non_null(berth_backend_submit(b, &xr, on_done, &ex, NULL));
    berth_backend_free(b);
    b = NULL;
    uint64_t t0 = berth_now_ms();
    while (berth_proc_count(eng) > 0 && berth_now_ms() - t0 < 5000)
        event_base_loop(berth_engine_base(eng), EVLOOP_ONCE);
    assert_int_equal(berth_proc_count(eng), 0);
    assert_int_equal(kill(pid, 0), -1); /* killed and reaped */
    assert_int_equal(ex.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_caps_and_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_escalates_to_sigkill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_and_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_follow_ends_at_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_remove_and_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_networks_and_volumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_kills_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_detach, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
