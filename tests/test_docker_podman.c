/*
 * Integration tests of the docker-protocol driver plugin against a real
 * Podman, through the real plugin host (berth/runtime.h).
 *
 * Usage: test_docker_podman FLAVOUR   (podman, or docker talking to podman's
 * Docker-compatible socket through DOCKER_HOST). Run by tests/test-podman.sh,
 * which prepares CONTAINERS_CONF and the offline busybox image; exits 77
 * (skip) when the plugin or podman is missing.
 *
 * Every resource carries the labels berth.test=integration and
 * berth.test.owner=<pid of this run>; the run removes its own resources by
 * label at the end, and at the start those of runs that are gone (several
 * test runs may share one podman). Network traffic stays on loopback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <berth/timer.h>

#include <cmocka.h>
#include <jansson.h>

#include <berth/runtime.h>

#define LABEL_KEY "berth.test"
#define LABEL_VAL "integration"

static const char *flavour = "podman";
static const char *image;
static struct berth_engine *eng;
static struct berth_backend *be;
static unsigned seq;

/* ------------------------------------------------------------ op runner */

/* A finished operation, its result converted to JSON for the assertions. */
struct done {
    bool finished;
    int code; /* berth error code, 0 = success */
    char *message;
    json_t *r;
};

/* Converts a kv array into a JSON object. */
static json_t *kv_json(const struct berth_kv *kv, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, kv[i].key, json_string(kv[i].value ? kv[i].value : ""));
    return o;
}

/* Converts a NULL-terminated vector into a JSON array. */
static json_t *strv_json(const char *const *v)
{
    json_t *a = json_array();
    for (; v != NULL && *v != NULL; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* The parts of a result the tests look at, as JSON. */
static json_t *result_json(const struct berth_op_result *res)
{
    json_t *r = json_object();
    if (res->id)
        json_object_set_new(r, "id", json_string(res->id));
    json_object_set_new(r, "exit_code", json_integer(res->exit_code));
    if (res->out)
        json_object_set_new(r, "out", json_stringn(res->out, res->out_len));
    if (res->err)
        json_object_set_new(r, "err", json_stringn(res->err, res->err_len));
    if (res->probe) {
        json_object_set_new(r, "available", json_boolean(res->probe->available));
        if (res->probe->version)
            json_object_set_new(r, "version", json_string(res->probe->version));
        if (res->probe->reason)
            json_object_set_new(r, "reason", json_string(res->probe->reason));
        if (res->probe->flavour)
            json_object_set_new(r, "flavour", json_string(res->probe->flavour));
    }
    json_t *cs = json_array();
    for (size_t i = 0; i < res->n_containers; i++) {
        const struct berth_container_info *c = &res->containers[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(c->id ? c->id : ""));
        json_object_set_new(o, "name", json_string(c->name ? c->name : ""));
        json_object_set_new(o, "image", json_string(c->image ? c->image : ""));
        json_object_set_new(o, "image_id", json_string(c->image_id ? c->image_id : ""));
        json_object_set_new(o, "state", json_string(berth_cstate_name(c->state)));
        json_object_set_new(o, "exit_code", json_integer(c->exit_code));
        json_object_set_new(o, "pid", json_integer(c->pid));
        json_object_set_new(o, "started_at", json_integer(c->started_at));
        json_object_set_new(o, "finished_at", json_integer(c->finished_at));
        json_object_set_new(o, "created_at", json_integer(c->created_at));
        json_object_set_new(o, "labels", kv_json(c->labels, c->n_labels));
        json_t *nets = json_object();
        for (size_t k = 0; k < c->n_networks; k++) {
            json_t *n = json_object();
            json_object_set_new(n, "ipv4", json_string(c->networks[k].ipv4 ? c->networks[k].ipv4 : ""));
            json_object_set_new(n, "aliases", strv_json(c->networks[k].aliases));
            json_object_set_new(nets, c->networks[k].network, n);
        }
        json_object_set_new(o, "networks", nets);
        json_t *ports = json_array();
        for (size_t k = 0; k < c->n_ports; k++)
            json_array_append_new(ports, json_pack("{s:i,s:s,s:s,s:i}", "container_port",
                                                   c->ports[k].container_port, "protocol",
                                                   c->ports[k].protocol, "host_ip",
                                                   c->ports[k].host_ip, "host_port",
                                                   c->ports[k].host_port));
        json_object_set_new(o, "ports", ports);
        json_array_append_new(cs, o);
    }
    json_object_set_new(r, "containers", cs);
    json_t *ims = json_array();
    for (size_t i = 0; i < res->n_images; i++)
        json_array_append_new(ims, json_pack("{s:s,s:o,s:o,s:I}", "id", res->images[i].id,
                                             "tags", strv_json(res->images[i].repo_tags),
                                             "labels",
                                             kv_json(res->images[i].labels, res->images[i].n_labels),
                                             "size", (json_int_t)res->images[i].size));
    json_object_set_new(r, "images", ims);
    json_t *nws = json_array();
    for (size_t i = 0; i < res->n_networks; i++)
        json_array_append_new(nws, json_pack("{s:s,s:b,s:o}", "name", res->networks[i].name,
                                             "internal", res->networks[i].internal, "labels",
                                             kv_json(res->networks[i].labels,
                                                     res->networks[i].n_labels)));
    json_object_set_new(r, "networks", nws);
    json_t *vols = json_array();
    for (size_t i = 0; i < res->n_volumes; i++)
        json_array_append_new(vols, json_pack("{s:s,s:o}", "name", res->volumes[i].name,
                                              "labels",
                                              kv_json(res->volumes[i].labels,
                                                      res->volumes[i].n_labels)));
    json_object_set_new(r, "volumes", vols);
    json_t *ports = json_array();
    for (size_t k = 0; k < res->n_ports; k++)
        json_array_append_new(ports, json_pack("{s:i,s:s,s:i}", "container_port",
                                               res->ports[k].container_port, "host_ip",
                                               res->ports[k].host_ip, "host_port",
                                               res->ports[k].host_port));
    json_object_set_new(r, "ports", ports);
    return r;
}

/* Op completion: record and stop the loop. */
static void on_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct done *d = user;
    d->finished = true;
    d->code = res->error ? berth_error_code(res->error) : 0;
    d->message = res->error ? strdup(berth_error_message(res->error)) : NULL;
    d->r = result_json(res);
    berth_engine_break(eng);
}

/* Runs req to completion on the loop. */
static struct done run(struct berth_op_req req)
{
    struct done d = {0};
    struct berth_error *err = NULL;
    struct berth_op *op = berth_backend_submit(be, &req, on_done, &d, &err);
    if (op == NULL) {
        d.finished = true;
        d.code = berth_error_code(err);
        d.message = strdup(berth_error_message(err));
        d.r = json_object();
        berth_error_free(err);
        return d;
    }
    while (!d.finished)
        berth_engine_run(eng);
    return d;
}

/* Frees a done record. */
static void done_free(struct done *d)
{
    free(d->message);
    json_decref(d->r);
}

/* Asserts success, printing the error otherwise. */
#define ASSERT_OK(d)                                                                               \
    do {                                                                                           \
        if ((d).code != 0)                                                                         \
            fail_msg("operation failed: %s", (d).message);                                         \
    } while (0)

/* A string member of the result. */
static const char *rstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A unique name for this run. */
static char *uname(const char *what)
{
    char *s;
    if (asprintf(&s, "berth-it-%s-%s-%ld-%u", flavour, what, (long)getpid(), ++seq) < 0)
        abort();
    return s;
}

#define OWNER_KEY "berth.test.owner"
static char owner[32];
static struct berth_kv test_label[2] = {{LABEL_KEY, LABEL_VAL}, {OWNER_KEY, owner}};

/* The filter on this run's resources. */
static struct berth_op_req list_req(enum berth_op_kind k)
{
    return (struct berth_op_req){.kind = k, .all = true, .filters = test_label, .n_filters = 2};
}

/* True when a resource's owner label names this run or a process that is gone. */
static bool ours_or_orphan(const json_t *labels)
{
    const char *o = json_string_value(json_object_get(labels, OWNER_KEY));
    if (o == NULL)
        return false;
    if (strcmp(o, owner) == 0)
        return true;
    long pid = strtol(o, NULL, 10);
    return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Removes the containers, networks and volumes of this run and of dead runs. */
static void cleanup_all(void)
{
    static const struct berth_kv any[] = {{LABEL_KEY, LABEL_VAL}};
    struct berth_op_req req = {.all = true, .filters = any, .n_filters = 1};
    req.kind = BERTH_OP_CONTAINER_LIST;
    struct done d = run(req);
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(d.r, "containers"), i, c)
    {
        if (!ours_or_orphan(json_object_get(c, "labels")))
            continue;
        struct done rm = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_REMOVE,
                                                   .target = rstr(c, "id"), .force = true,
                                                   .volumes = true});
        done_free(&rm);
    }
    done_free(&d);
    req.kind = BERTH_OP_NETWORK_LIST;
    d = run(req);
    json_array_foreach(json_object_get(d.r, "networks"), i, c)
    {
        if (!ours_or_orphan(json_object_get(c, "labels")))
            continue;
        struct done rm = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_REMOVE,
                                                   .target = rstr(c, "name")});
        done_free(&rm);
    }
    done_free(&d);
    req.kind = BERTH_OP_VOLUME_LIST;
    d = run(req);
    json_array_foreach(json_object_get(d.r, "volumes"), i, c)
    {
        if (!ours_or_orphan(json_object_get(c, "labels")))
            continue;
        struct done rm = run((struct berth_op_req){.kind = BERTH_OP_VOLUME_REMOVE,
                                                   .target = rstr(c, "name"), .force = true});
        done_free(&rm);
    }
    done_free(&d);
}

/* Creates a labelled container from spec (name and labels filled in); returns its id. */
static char *create(struct berth_container_spec *spec, const char *name)
{
    spec->image = image;
    spec->name = name;
    if (spec->labels == NULL) {
        spec->labels = test_label;
        spec->n_labels = 2;
    }
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_CREATE, .spec = spec});
    ASSERT_OK(d);
    char *id = strdup(rstr(d.r, "id"));
    assert_true(strlen(id) >= 12);
    done_free(&d);
    return id;
}

/* Starts a container. */
static void start(const char *id)
{
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_START, .target = id});
    ASSERT_OK(d);
    done_free(&d);
}

/* Inspects a container (the result's first container object, owned by *d). */
static json_t *inspect(const char *id, struct done *d)
{
    *d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_INSPECT, .target = id});
    ASSERT_OK(*d);
    json_t *c = json_array_get(json_object_get(d->r, "containers"), 0);
    assert_non_null(c);
    return c;
}

/* Runs a command in a container and returns the done record. */
static struct done exec_in(const char *id, const char *const *argv)
{
    return run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = id,
                                     .argv = argv});
}

/* Removes a container. */
static void remove_ctr(const char *id)
{
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_REMOVE, .target = id,
                                              .force = true});
    ASSERT_OK(d);
    done_free(&d);
}

/* Timer: the wait is over. */
static void wait_over(struct berth_timer *t, void *user)
{
    (void)t;
    *(bool *)user = true;
    berth_engine_break(eng);
}

/* Runs the loop until *flag is set or ms milliseconds passed (flag NULL: just wait). */
static void run_until(const bool *flag, unsigned ms)
{
    bool over = false;
    struct berth_timer *t = berth_timer_new(eng, wait_over, &over);
    berth_timer_start(t, ms);
    while (!over && (flag == NULL || !*flag))
        berth_engine_run(eng);
    berth_timer_free(t);
}

/* Waits ms milliseconds with the loop running. */
static void loop_for(unsigned ms)
{
    run_until(NULL, ms);
}

/* ---------------------------------------------------------------- tests */

/* The probe reports the engine and its version. */
static void test_probe(void **state)
{
    (void)state;
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_PROBE});
    ASSERT_OK(d);
    assert_true(json_is_true(json_object_get(d.r, "available")));
    assert_true(strlen(rstr(d.r, "version")) > 0);
    assert_string_equal(rstr(d.r, "flavour"), flavour);
    done_free(&d);
}

/* Lines of a logs op. */
struct lines {
    char out[4096];
    char err[4096];
};

/* Collects log lines per stream. */
static void collect_line(void *user, enum berth_stream stream, const char *line, size_t len,
                         bool complete)
{
    struct lines *l = user;
    char *dst = stream == BERTH_STDERR ? l->err : l->out;
    size_t used = strlen(dst);
    if (used + len + 2 < sizeof(l->out)) {
        memcpy(dst + used, line, len);
        dst[used + len] = complete ? '\n' : '\0';
        dst[used + len + (complete ? 1 : 0)] = '\0';
    }
}

/* create, start, inspect, logs, exec, stop, inspect, remove, inspect (gone). */
static void test_lifecycle(void **state)
{
    (void)state;
    char *name = uname("life");
    static const char *const cmd[] = {"sh", "-c", "echo hello; echo oops >&2; exec sleep 300",
                                      NULL};
    static const struct berth_kv env[] = {{"GREETING", "hi there"}, {"EMPTY", ""}};
    struct berth_container_spec spec = {.command = cmd, .env = env, .n_env = 2,
                                        .stop_grace_seconds = 2, .init = true,
                                        .workdir = "/tmp", .hostname = "lifehost"};
    char *id = create(&spec, name);

    struct done d;
    json_t *c = inspect(id, &d);
    assert_string_equal(rstr(c, "state"), "created");
    assert_string_equal(rstr(c, "name"), name);
    assert_string_equal(rstr(json_object_get(c, "labels"), LABEL_KEY), LABEL_VAL);
    assert_true(strncmp(rstr(c, "image_id"), "sha256:", 7) == 0);
    done_free(&d);

    start(id);
    c = inspect(id, &d);
    assert_string_equal(rstr(c, "state"), "running");
    assert_true(json_integer_value(json_object_get(c, "pid")) > 0);
    assert_true(json_integer_value(json_object_get(c, "started_at")) > 1600000000);
    done_free(&d);

    /* Logs: the container's stdout and stderr arrive on their streams. */
    struct lines l;
    memset(&l, 0, sizeof(l));
    for (int tries = 0; tries < 50 && strstr(l.out, "hello") == NULL; tries++) {
        memset(&l, 0, sizeof(l));
        d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LOGS, .target = id, .tail = -1,
                                      .on_line = collect_line, .stream_user = &l});
        ASSERT_OK(d);
        done_free(&d);
        if (strstr(l.out, "hello") == NULL)
            loop_for(100);
    }
    assert_non_null(strstr(l.out, "hello\n"));
    assert_non_null(strstr(l.err, "oops\n"));
    assert_null(strstr(l.out, "oops"));

    /* exec: argv, env, user, workdir, exit code and captured output. */
    static const char *const ex[] = {"sh", "-c", "echo \"$GREETING|$X\"; id -u; pwd; echo e >&2; exit 7",
                                     NULL};
    static const struct berth_kv xenv[] = {{"X", "--not-a-flag"}};
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = id, .argv = ex,
                                  .env = xenv, .n_env = 1, .user = "65534", .workdir = "/"});
    ASSERT_OK(d);
    assert_int_equal(json_integer_value(json_object_get(d.r, "exit_code")), 7);
    assert_string_equal(rstr(d.r, "out"), "hi there|--not-a-flag\n65534\n/\n");
    assert_string_equal(rstr(d.r, "err"), "e\n");
    done_free(&d);

    /* A command that looks like a flag is passed as the command. */
    static const char *const dash[] = {"--version", NULL};
    d = exec_in(id, dash);
    ASSERT_OK(d);
    assert_int_not_equal(json_integer_value(json_object_get(d.r, "exit_code")), 0);
    done_free(&d);

    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_STOP, .target = id,
                                  .timeout_s = 1});
    ASSERT_OK(d);
    done_free(&d);
    c = inspect(id, &d);
    assert_string_equal(rstr(c, "state"), "exited");
    assert_true(json_integer_value(json_object_get(c, "finished_at")) >=
                json_integer_value(json_object_get(c, "started_at")));
    done_free(&d);

    /* wait on an exited container returns its code at once. */
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_WAIT, .target = id});
    ASSERT_OK(d);
    int code = (int)json_integer_value(json_object_get(d.r, "exit_code"));
    assert_true(code == 143 || code == 137 || code == 0);
    done_free(&d);

    remove_ctr(id);
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_INSPECT, .target = id});
    assert_int_equal(d.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(d.message, "container inspect: exit"));
    done_free(&d);
    free(id);
    free(name);
}

/* Two containers on a user network find each other by alias. */
static void test_network_dns(void **state)
{
    (void)state;
    char *net = uname("net");
    char *net2 = uname("net2");
    struct berth_network_spec ns = {.name = net, .labels = test_label, .n_labels = 2};
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_CREATE, .network = &ns});
    ASSERT_OK(d);
    assert_true(strlen(rstr(d.r, "id")) > 0);
    done_free(&d);
    struct berth_network_spec ns2 = {.name = net2, .internal = true, .labels = test_label,
                                     .n_labels = 2};
    d = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_CREATE, .network = &ns2});
    ASSERT_OK(d);
    done_free(&d);

    d = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_INSPECT, .target = net2});
    ASSERT_OK(d);
    json_t *n = json_array_get(json_object_get(d.r, "networks"), 0);
    assert_string_equal(rstr(n, "name"), net2);
    assert_true(json_is_true(json_object_get(n, "internal")));
    assert_string_equal(rstr(json_object_get(n, "labels"), LABEL_KEY), LABEL_VAL);
    done_free(&d);

    static const char *const sleeper[] = {"sleep", "300", NULL};
    static const char *const db_alias[] = {"db", "database", NULL};
    static const char *const side_alias[] = {"side", NULL};
    struct berth_network_attach a1[] = {{.name = net, .aliases = db_alias},
                                        {.name = net2, .aliases = side_alias}};
    char *n1 = uname("db");
    struct berth_container_spec s1 = {.command = sleeper, .networks = a1, .n_networks = 2,
                                      .stop_grace_seconds = 0};
    char *id1 = create(&s1, n1);
    struct berth_network_attach a2[] = {{.name = net}};
    char *n2 = uname("client");
    struct berth_container_spec s2 = {.command = sleeper, .networks = a2, .n_networks = 1,
                                      .stop_grace_seconds = 0};
    char *id2 = create(&s2, n2);
    start(id1);
    start(id2);

    json_t *c = inspect(id1, &d);
    json_t *nets = json_object_get(c, "networks");
    assert_int_equal(json_object_size(nets), 2);
    json_t *aliases = json_object_get(json_object_get(nets, net), "aliases");
    bool has_db = false, has_side = false;
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a) has_db |= strcmp(json_string_value(a), "db") == 0;
    json_array_foreach(json_object_get(json_object_get(nets, net2), "aliases"), i, a)
        has_side |= strcmp(json_string_value(a), "side") == 0;
    assert_true(has_db);
    assert_true(has_side);
    char *ip1 = strdup(rstr(json_object_get(nets, net), "ipv4"));
    assert_true(strlen(ip1) >= 7);
    done_free(&d);

    /* DNS: the client resolves the alias to db's address (aardvark may need a moment). */
    static const char *const lookup[] = {"nslookup", "database", NULL};
    bool resolved = false;
    for (int tries = 0; tries < 30 && !resolved; tries++) {
        d = exec_in(id2, lookup);
        ASSERT_OK(d);
        resolved = json_integer_value(json_object_get(d.r, "exit_code")) == 0 &&
                   strstr(rstr(d.r, "out"), ip1) != NULL;
        if (!resolved && tries == 29)
            fprintf(stderr, "nslookup: %s %s\n", rstr(d.r, "out"), rstr(d.r, "err"));
        done_free(&d);
        if (!resolved)
            loop_for(200);
    }
    assert_true(resolved);
    static const char *const ping[] = {"ping", "-c", "1", "-W", "2", "db", NULL};
    d = exec_in(id2, ping);
    ASSERT_OK(d);
    assert_int_equal(json_integer_value(json_object_get(d.r, "exit_code")), 0);
    done_free(&d);

    /* The label filter lists exactly what the test made. */
    d = run(list_req(BERTH_OP_NETWORK_LIST));
    ASSERT_OK(d);
    assert_int_equal(json_array_size(json_object_get(d.r, "networks")), 2);
    done_free(&d);

    remove_ctr(id1);
    remove_ctr(id2);
    d = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_REMOVE, .target = net});
    ASSERT_OK(d);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_REMOVE, .target = net2});
    ASSERT_OK(d);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_NETWORK_INSPECT, .target = net});
    assert_int_equal(d.code, BERTH_E_NOT_FOUND);
    done_free(&d);
    free(ip1);
    free(id1);
    free(id2);
    free(n1);
    free(n2);
    free(net);
    free(net2);
}

/* A free TCP port on 127.0.0.1. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* GETs / from 127.0.0.1:port; returns the response (malloc'd) or NULL. */
static char *http_get(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return NULL;
    }
    const char req[] = "GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
        close(fd);
        return NULL;
    }
    char *buf = calloc(1, 8192);
    size_t used = 0;
    ssize_t n;
    while (used < 8191 && (n = read(fd, buf + used, 8191 - used)) > 0)
        used += (size_t)n;
    close(fd);
    return buf;
}

/* A published port is reachable over loopback and reported by PORT and inspect. */
static void test_port_publish(void **state)
{
    (void)state;
    int port = free_port();
    char pub[16];
    snprintf(pub, sizeof(pub), "%d", port);
    static const char *const httpd[] = {"httpd", "-f", "-p", "80", "-h", "/www", NULL};
    struct berth_port_spec ps = {.target = 80, .published = pub, .host_ip = "127.0.0.1"};
    char *name = uname("web");
    struct berth_container_spec spec = {.command = httpd, .ports = &ps, .n_ports = 1,
                                        .stop_grace_seconds = 0};
    char *id = create(&spec, name);
    start(id);
    char *body = NULL;
    for (int tries = 0; tries < 50; tries++) {
        body = http_get(port);
        if (body != NULL && strstr(body, "hello from berth") != NULL)
            break;
        free(body);
        body = NULL;
        loop_for(100);
    }
    assert_non_null(body);
    assert_non_null(strstr(body, "200"));
    free(body);

    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_PORT, .target = id});
    ASSERT_OK(d);
    json_t *p = json_array_get(json_object_get(d.r, "ports"), 0);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "container_port")), 80);
    assert_int_equal(json_integer_value(json_object_get(p, "host_port")), port);
    assert_string_equal(rstr(p, "host_ip"), "127.0.0.1");
    done_free(&d);

    json_t *c = inspect(id, &d);
    p = json_array_get(json_object_get(c, "ports"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "host_port")), port);
    done_free(&d);
    remove_ctr(id);
    free(id);
    free(name);
}

/* A named volume keeps its data after the container using it is removed. */
static void test_volume(void **state)
{
    (void)state;
    char *vol = uname("vol");
    struct berth_volume_spec vs = {.name = vol, .labels = test_label, .n_labels = 2};
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_VOLUME_CREATE, .volume = &vs});
    ASSERT_OK(d);
    done_free(&d);
    struct berth_mount_spec m = {.type = BERTH_MOUNT_VOLUME, .source = vol, .target = "/data"};
    static const char *const writer[] = {"sh", "-c", "echo persisted > /data/f", NULL};
    char *n1 = uname("writer");
    struct berth_container_spec s1 = {.command = writer, .mounts = &m, .n_mounts = 1};
    char *id1 = create(&s1, n1);
    start(id1);
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_WAIT, .target = id1});
    ASSERT_OK(d);
    assert_int_equal(json_integer_value(json_object_get(d.r, "exit_code")), 0);
    done_free(&d);
    remove_ctr(id1);

    static const char *const reader[] = {"cat", "/data/f", NULL};
    struct berth_mount_spec ro = m;
    ro.read_only = true;
    char *n2 = uname("reader");
    struct berth_container_spec s2 = {.command = reader, .mounts = &ro, .n_mounts = 1};
    char *id2 = create(&s2, n2);
    start(id2);
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_WAIT, .target = id2});
    ASSERT_OK(d);
    assert_int_equal(json_integer_value(json_object_get(d.r, "exit_code")), 0);
    done_free(&d);
    struct lines l;
    memset(&l, 0, sizeof(l));
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LOGS, .target = id2, .tail = -1,
                                  .on_line = collect_line, .stream_user = &l});
    ASSERT_OK(d);
    done_free(&d);
    assert_string_equal(l.out, "persisted\n");
    remove_ctr(id2);

    d = run((struct berth_op_req){.kind = BERTH_OP_VOLUME_INSPECT, .target = vol});
    ASSERT_OK(d);
    json_t *v = json_array_get(json_object_get(d.r, "volumes"), 0);
    assert_string_equal(rstr(v, "name"), vol);
    assert_string_equal(rstr(json_object_get(v, "labels"), LABEL_KEY), LABEL_VAL);
    done_free(&d);
    d = run(list_req(BERTH_OP_VOLUME_LIST));
    ASSERT_OK(d);
    assert_int_equal(json_array_size(json_object_get(d.r, "volumes")), 1);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_VOLUME_REMOVE, .target = vol});
    ASSERT_OK(d);
    done_free(&d);
    free(id1);
    free(id2);
    free(n1);
    free(n2);
    free(vol);
}

/* Events seen by the stream. */
struct events {
    char id[128];
    bool died;
    int exit_code;
    int seen;
};

/* Records the die event of the watched container. */
static void on_event(void *user, const struct berth_event_info *ev)
{
    struct events *e = user;
    e->seen++;
    if (strcmp(ev->type, "container") == 0 && strcmp(ev->action, "die") == 0 && ev->id &&
        strcmp(ev->id, e->id) == 0) {
        e->died = true;
        e->exit_code = ev->exit_code;
        berth_engine_break(eng);
    }
}

/* Completion of the events op (after cancel). */
static void on_events_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct done *d = user;
    d->finished = true;
    d->code = res->error ? berth_error_code(res->error) : 0;
    berth_engine_break(eng);
}

/* The event stream reports a container's exit with its code, without polling. */
static void test_events(void **state)
{
    (void)state;
    struct berth_kv filt[] = {{"berth.test.events", owner}};
    struct events ev;
    memset(&ev, 0, sizeof(ev));
    struct done d = {0};
    struct berth_error *err = NULL;
    struct berth_op_req req = {.kind = BERTH_OP_EVENTS, .filters = filt, .n_filters = 1,
                               .on_event = on_event, .stream_user = &ev};
    struct berth_op *op = berth_backend_submit(be, &req, on_events_done, &d, &err);
    assert_non_null(op);
    /* Let the stream connect before the container runs. */
    loop_for(700);
    struct berth_kv evlabels[] = {{LABEL_KEY, LABEL_VAL}, {OWNER_KEY, owner},
                                  {"berth.test.events", owner}};
    static const char *const quit[] = {"sh", "-c", "sleep 1; exit 5", NULL};
    char *name = uname("ev");
    struct berth_container_spec spec = {.command = quit, .labels = evlabels, .n_labels = 3};
    char *id = create(&spec, name);
    snprintf(ev.id, sizeof(ev.id), "%s", id);
    start(id);
    run_until(&ev.died, 20000);
    assert_true(ev.died);
    assert_int_equal(ev.exit_code, 5);
    berth_op_cancel(op);
    while (!d.finished)
        berth_engine_run(eng);
    assert_int_equal(d.code, BERTH_E_CANCELLED);
    remove_ctr(id);
    free(id);
    free(name);
}

/* A hung exec times out: BERTH_E_TIMEOUT, and its process is gone afterwards. */
static void test_exec_timeout(void **state)
{
    (void)state;
    static const char *const sleeper[] = {"sleep", "300", NULL};
    char *name = uname("hang");
    struct berth_container_spec spec = {.command = sleeper, .stop_grace_seconds = 0};
    char *id = create(&spec, name);
    start(id);
    static const char *const hang[] = {"sleep", "100", NULL};
    time_t t0 = time(NULL);
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_EXEC, .target = id,
                                              .argv = hang, .timeout_ms = 1000});
    assert_int_equal(d.code, BERTH_E_TIMEOUT);
    assert_true(time(NULL) - t0 <= 5);
    done_free(&d);

    /* The CLI child is gone, and (podman) so is the command inside the container. */
    static const char *const ps[] = {"ps", "-o", "pid,args", NULL};
    bool gone = false;
    for (int tries = 0; tries < 50 && !gone; tries++) {
        d = exec_in(id, ps);
        ASSERT_OK(d);
        gone = strstr(rstr(d.r, "out"), "sleep 100") == NULL;
        done_free(&d);
        if (!gone)
            loop_for(100);
    }
    if (strcmp(flavour, "podman") == 0)
        assert_true(gone);
    remove_ctr(id);
    free(id);
    free(name);
}

/* A stop with an explicit signal (podman: emulated by kill + wait). */
static void test_stop_signal(void **state)
{
    (void)state;
    static const char *const trapper[] = {
        "sh", "-c", "trap 'exit 3' USR1; echo ready; while :; do sleep 0.1; done", NULL};
    char *name = uname("sig");
    struct berth_container_spec spec = {.command = trapper};
    char *id = create(&spec, name);
    start(id);
    struct lines l;
    memset(&l, 0, sizeof(l));
    for (int tries = 0; tries < 50 && strstr(l.out, "ready") == NULL; tries++) {
        memset(&l, 0, sizeof(l));
        struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LOGS,
                                                  .target = id, .tail = -1,
                                                  .on_line = collect_line, .stream_user = &l});
        done_free(&d);
        if (strstr(l.out, "ready") == NULL)
            loop_for(100);
    }
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_STOP, .target = id,
                                              .signal = SIGUSR1, .timeout_s = 10});
    ASSERT_OK(d);
    done_free(&d);
    json_t *c = inspect(id, &d);
    assert_string_equal(rstr(c, "state"), "exited");
    assert_int_equal(json_integer_value(json_object_get(c, "exit_code")), 3);
    done_free(&d);
    remove_ctr(id);
    free(id);
    free(name);
}

/* Errors name the command and carry the runtime's message; codes are classified. */
static void test_errors(void **state)
{
    (void)state;
    static const char *const sleeper[] = {"sleep", "300", NULL};
    char *name = uname("dup");
    struct berth_container_spec spec = {.command = sleeper};
    char *id = create(&spec, name);
    struct berth_container_spec again = {.command = sleeper, .image = image, .name = name,
                                         .labels = test_label, .n_labels = 2};
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_CREATE, .spec = &again});
    assert_int_equal(d.code, BERTH_E_EXISTS);
    assert_non_null(strstr(d.message, " create: exit "));
    done_free(&d);
    remove_ctr(id);

    /* Bad names never reach the runtime. */
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_START, .target = "-rf"});
    assert_int_equal(d.code, BERTH_E_INVALID);
    done_free(&d);
    struct berth_container_spec bad = {.image = "--privileged", .labels = test_label,
                                       .n_labels = 2};
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_CREATE, .spec = &bad});
    assert_int_equal(d.code, BERTH_E_INVALID);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_VOLUME_INSPECT, .target = "berth-it-none"});
    assert_int_equal(d.code, BERTH_E_NOT_FOUND);
    done_free(&d);
    free(id);
    free(name);
}

/* Image inspect and list of the local test image; a failing pull names the command. */
static void test_images(void **state)
{
    (void)state;
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_IMAGE_INSPECT, .target = image});
    ASSERT_OK(d);
    json_t *im = json_array_get(json_object_get(d.r, "images"), 0);
    assert_true(strncmp(rstr(im, "id"), "sha256:", 7) == 0);
    assert_true(json_integer_value(json_object_get(im, "size")) > 100000);
    char *img_id = strdup(rstr(im, "id"));
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_IMAGE_LIST});
    ASSERT_OK(d);
    bool found = false;
    size_t i;
    json_array_foreach(json_object_get(d.r, "images"), i, im) found |=
        strcmp(rstr(im, "id"), img_id) == 0;
    assert_true(found);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_IMAGE_PULL,
                                  .target = "127.0.0.1:1/berth/nothing:latest"});
    assert_int_not_equal(d.code, 0);
    assert_non_null(strstr(d.message, " pull: exit "));
    done_free(&d);
    free(img_id);
}

/* Builds an image from a local Containerfile and learns its id. */
static void test_build(void **state)
{
    (void)state;
    char dir[] = "/tmp/berth-it-build-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof(path), "%s/Containerfile.berth", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "FROM %s\nARG MSG\nRUN echo \"$MSG\" > /built\n", image);
    fclose(f);
    char *tag = uname("img");
    char tagref[256];
    snprintf(tagref, sizeof(tagref), "localhost/%s:t", tag);
    const char *tags[] = {tagref, NULL};
    static const struct berth_kv args[] = {{"MSG", "built by berth"}};
    static const struct berth_kv labels[] = {{LABEL_KEY, LABEL_VAL}};
    struct berth_build_spec b = {.context = dir, .dockerfile = "Containerfile.berth",
                                 .args = args, .n_args = 1, .tags = tags, .labels = labels,
                                 .n_labels = 1};
    struct lines l;
    memset(&l, 0, sizeof(l));
    struct done d = run((struct berth_op_req){.kind = BERTH_OP_IMAGE_BUILD, .build = &b,
                                              .on_line = collect_line, .stream_user = &l});
    ASSERT_OK(d);
    assert_true(strncmp(rstr(d.r, "id"), "sha256:", 7) == 0);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_IMAGE_INSPECT, .target = tagref});
    ASSERT_OK(d);
    json_t *im = json_array_get(json_object_get(d.r, "images"), 0);
    assert_string_equal(rstr(json_object_get(im, "labels"), LABEL_KEY), LABEL_VAL);
    done_free(&d);
    d = run((struct berth_op_req){.kind = BERTH_OP_IMAGE_REMOVE, .target = tagref,
                                  .force = true});
    ASSERT_OK(d);
    done_free(&d);
    unlink(path);
    rmdir(dir);
    free(tag);
}

/* Label-filtered listing returns exactly the labelled containers, with states. */
static void test_list(void **state)
{
    (void)state;
    static const char *const sleeper[] = {"sleep", "300", NULL};
    char *n1 = uname("la"), *n2 = uname("lb");
    struct berth_kv l2[] = {{LABEL_KEY, LABEL_VAL}, {OWNER_KEY, owner}, {"berth.role", "b,c=d"}};
    struct berth_container_spec s1 = {.command = sleeper};
    struct berth_container_spec s2 = {.command = sleeper, .labels = l2, .n_labels = 3};
    char *id1 = create(&s1, n1);
    char *id2 = create(&s2, n2);
    start(id2);
    struct done d = run(list_req(BERTH_OP_CONTAINER_LIST));
    ASSERT_OK(d);
    json_t *cs = json_object_get(d.r, "containers");
    assert_int_equal(json_array_size(cs), 2);
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        if (strcmp(rstr(c, "id"), id2) == 0) {
            assert_string_equal(rstr(c, "state"), "running");
            assert_string_equal(rstr(c, "name"), n2);
        } else {
            assert_string_equal(rstr(c, "id"), id1);
            assert_string_equal(rstr(c, "state"), "created");
        }
    }
    done_free(&d);
    struct berth_kv two[] = {{OWNER_KEY, owner}, {"berth.role", "b,c=d"}};
    d = run((struct berth_op_req){.kind = BERTH_OP_CONTAINER_LIST, .all = true, .filters = two,
                                  .n_filters = 2});
    ASSERT_OK(d);
    assert_int_equal(json_array_size(json_object_get(d.r, "containers")), 1);
    done_free(&d);
    remove_ctr(id1);
    remove_ctr(id2);
    free(id1);
    free(id2);
    free(n1);
    free(n2);
}

/* --------------------------------------------------------------- main */

static int group_setup(void **state)
{
    (void)state;
    cleanup_all();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    cleanup_all();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        flavour = argv[1];
    image = getenv("BERTH_TEST_IMAGE");
    const char *plugdir = getenv("BERTH_TEST_PLUGIN_DIR");
    if (image == NULL || plugdir == NULL) {
        fprintf(stderr, "SKIP: run through tests/test-podman.sh (BERTH_TEST_IMAGE and "
                        "BERTH_TEST_PLUGIN_DIR unset)\n");
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(owner, sizeof(owner), "%ld", (long)getpid());
    struct berth_error *err = NULL;
    eng = berth_engine_new(NULL, &err);
    const char *dirs[] = {plugdir, NULL};
    if (eng == NULL ||
        berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV | BERTH_PLUGINS_NO_INSTALLED, &err) <
            0) {
        fprintf(stderr, "FAIL: %s\n", berth_error_message(err));
        return 1;
    }
    be = berth_backend_new(eng, flavour, &err);
    if (be == NULL) {
        fprintf(stderr, "FAIL: backend %s: %s\n", flavour, berth_error_message(err));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe),        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_network_dns),  cmocka_unit_test(test_port_publish),
        cmocka_unit_test(test_volume),       cmocka_unit_test(test_events),
        cmocka_unit_test(test_exec_timeout), cmocka_unit_test(test_stop_signal),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_images),
        cmocka_unit_test(test_build),        cmocka_unit_test(test_list),
    };
    char group[64];
    snprintf(group, sizeof(group), "docker driver (%s flavour)", flavour);
    int rc = _cmocka_run_group_tests(group, tests, sizeof(tests) / sizeof(tests[0]), group_setup,
                                     group_teardown);
    berth_backend_free(be);
    berth_engine_free(eng);
    return rc;
}
