/*
 * Container specs built from the normalised model (compose/spec-build.c),
 * the labels docker compose expects (compose/labels.c), health check
 * configuration (compose/health.c), model durations and sizes, and
 * resources (networks/volumes with project labels, a missing external one).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compose/health.h"
#include "compose/kvlist.h"
#include "compose/spec-build.h"
#include "tests/engine_harness.h"

static struct harness H;

static const char *const model_json =
    "{\"name\":\"p\",\"services\":{"
    "\"web\":{\"image\":\"nginx\",\"command\":[\"a\",\"b c\"],\"entrypoint\":[\"/ep\"],"
    "\"environment\":{\"A\":\"1\",\"B\":null},\"labels\":{\"x\":\"y\"},"
    "\"ports\":[{\"target\":80,\"published\":\"8080\",\"protocol\":\"tcp\",\"host_ip\":\"\"}],"
    "\"volumes\":[{\"type\":\"volume\",\"source\":\"data\",\"target\":\"/data\"},"
    "{\"type\":\"bind\",\"source\":\"./src\",\"target\":\"/src\",\"read_only\":true},"
    "{\"type\":\"tmpfs\",\"target\":\"/t\",\"tmpfs\":{\"size\":\"1m\"}}],"
    "\"tmpfs\":[\"/run:noexec\"],"
    "\"secrets\":[{\"source\":\"tok\"}],\"configs\":[{\"source\":\"cfg\",\"target\":\"/etc/cfg\"}],"
    "\"networks\":{\"back\":null,\"front\":{\"aliases\":[\"www\"],\"priority\":10}},"
    "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\",\"required\":true,"
    "\"restart\":true},\"cache\":{\"condition\":\"service_started\",\"required\":false}},"
    "\"stop_signal\":\"SIGINT\",\"stop_grace_period\":\"1m30s\",\"mem_limit\":\"64m\","
    "\"cpus\":0.5,\"ulimits\":{\"nofile\":{\"soft\":100,\"hard\":200},\"nproc\":50},"
    "\"extra_hosts\":[\"h=1.2.3.4\"],"
    "\"healthcheck\":{\"test\":\"curl -f x\",\"interval\":\"5s\",\"start_period\":\"2s\"}},"
    "\"db\":{\"image\":\"pg\",\"network_mode\":\"service:web\",\"container_name\":\"thedb\","
    "\"healthcheck\":{\"test\":[\"CMD\",\"pg_isready\",\"-q\"],\"retries\":0}},"
    "\"cache\":{\"image\":\"redis\",\"healthcheck\":{\"test\":[\"NONE\"]}},"
    "\"off\":{\"image\":\"x\",\"healthcheck\":{\"test\":[\"CMD\",\"true\"],\"disable\":true}}},"
    "\"networks\":{\"front\":{\"name\":\"p_front\"},\"back\":{\"name\":\"p_back\","
    "\"internal\":true},\"gone\":{\"name\":\"outside\",\"external\":true}},"
    "\"volumes\":{\"data\":{\"name\":\"p_data\"}},"
    "\"secrets\":{\"tok\":{\"file\":\"./tok.txt\"}},\"configs\":{\"cfg\":{\"file\":\"/abs/cfg\"}}}";

/* The value of a label. */
static const char *label(const struct berth_container_spec *s, const char *key)
{
    return kvlist_find(s->labels, s->n_labels, key);
}

/* The mount with that target, or NULL. */
static const struct berth_mount_spec *mount(const struct berth_container_spec *s, const char *t)
{
    for (size_t i = 0; i < s->n_mounts; i++)
        if (strcmp(s->mounts[i].target, t) == 0)
            return &s->mounts[i];
    return NULL;
}

/* Every field of the web service lands in the spec. */
static void test_spec_web(void **state)
{
    (void)state;
    h_open(&H, "fake", model_json);
    struct replica *r = service_replica(compose_service(H.c, "web"), 1);
    struct berth_error *err = NULL;
    struct spec_build *sb = spec_build_new(r, &err);
    assert_non_null(sb);
    const struct berth_container_spec *s = spec_build_spec(sb);
    assert_string_equal(s->name, "p-web-1");
    assert_string_equal(s->image, "nginx");
    assert_string_equal(s->command[1], "b c");
    assert_null(s->command[2]);
    assert_string_equal(s->entrypoint[0], "/ep");
    assert_int_equal(s->n_env, 1); /* B has no value: left out */
    assert_string_equal(s->env[0].key, "A");
    /* labels: user labels and docker compose's */
    assert_string_equal(label(s, "x"), "y");
    assert_string_equal(label(s, "com.docker.compose.project"), "p");
    assert_string_equal(label(s, "com.docker.compose.service"), "web");
    assert_string_equal(label(s, "com.docker.compose.container-number"), "1");
    assert_string_equal(label(s, "com.docker.compose.oneoff"), "False");
    assert_int_equal(strlen(label(s, "com.docker.compose.config-hash")), 64);
    assert_string_equal(label(s, "com.docker.compose.depends_on"),
                        "cache:service_started:false,db:service_healthy:true");
    assert_string_equal(label(s, "com.docker.compose.project.working_dir"), h_tmpdir());
    assert_string_equal(label(s, "com.docker.compose.project.config_files"), "compose.yaml");
    assert_string_equal(label(s, "com.docker.compose.image"), "nginx");
    /* ports */
    assert_int_equal(s->n_ports, 1);
    assert_int_equal(s->ports[0].target, 80);
    assert_string_equal(s->ports[0].published, "8080");
    /* mounts: named volume (project-scoped), bind (absolute), tmpfs, secret, config */
    assert_string_equal(mount(s, "/data")->source, "p_data");
    assert_int_equal(mount(s, "/data")->type, BERTH_MOUNT_VOLUME);
    char src[256];
    snprintf(src, sizeof(src), "%s/src", h_tmpdir());
    assert_string_equal(mount(s, "/src")->source, src);
    assert_true(mount(s, "/src")->read_only);
    assert_int_equal(mount(s, "/t")->tmpfs_size, 1024 * 1024);
    assert_string_equal(mount(s, "/run")->tmpfs_options, "noexec");
    assert_int_equal(mount(s, "/run/secrets/tok")->type, BERTH_MOUNT_BIND);
    assert_true(mount(s, "/run/secrets/tok")->read_only);
    snprintf(src, sizeof(src), "%s/tok.txt", h_tmpdir());
    assert_string_equal(mount(s, "/run/secrets/tok")->source, src);
    assert_string_equal(mount(s, "/etc/cfg")->source, "/abs/cfg");
    assert_true(mount(s, "/etc/cfg")->read_only);
    /* networks: highest priority first, aliases include the service name */
    assert_int_equal(s->n_networks, 2);
    assert_string_equal(s->networks[0].name, "p_front");
    assert_string_equal(s->networks[0].aliases[0], "web");
    assert_string_equal(s->networks[0].aliases[1], "www");
    assert_string_equal(s->networks[1].name, "p_back");
    assert_string_equal(s->networks[1].aliases[0], "web");
    assert_null(s->networks[1].aliases[1]);
    /* the rest */
    assert_string_equal(s->stop_signal, "SIGINT");
    assert_int_equal(s->stop_grace_seconds, 90);
    assert_int_equal(s->resources.memory, 64 * 1024 * 1024);
    assert_true(s->resources.cpus > 0.49 && s->resources.cpus < 0.51);
    assert_int_equal(s->n_ulimits, 2);
    assert_string_equal(s->extra_hosts[0], "h:1.2.3.4");
    spec_build_free(sb);
    h_close(&H);
}

/* network_mode service:x, container_name, and one-off containers. */
static void test_spec_db_and_oneoff(void **state)
{
    (void)state;
    h_open(&H, "fake", model_json);
    struct berth_error *err = NULL;
    struct replica *db = service_replica(compose_service(H.c, "db"), 1);
    assert_string_equal(db->name, "thedb");
    struct spec_build *sb = spec_build_new(db, &err);
    assert_non_null(sb);
    assert_string_equal(spec_build_spec(sb)->network_mode, "container:p-web-1");
    assert_int_equal(spec_build_spec(sb)->n_networks, 0);
    spec_build_free(sb);

    struct berth_compose_run_options ro = {
        .service = "web",
        .command = (const char *[]){"sh", NULL},
        .publish = (const char *[]){"127.0.0.1:9000:90/udp", NULL},
        .volumes = (const char *[]){"./x:/x:ro", "data:/d", NULL},
        .env = (struct berth_kv[]){{"C", "3"}},
        .n_env = 1,
    };
    struct replica *o = service_oneoff_new(compose_service(H.c, "web"), "p-web-run-0123456789ab");
    o->run = &ro;
    sb = spec_build_new(o, &err);
    assert_non_null(sb);
    const struct berth_container_spec *s = spec_build_spec(sb);
    assert_string_equal(s->command[0], "sh");
    assert_null(s->command[1]);
    assert_string_equal(label(s, "com.docker.compose.oneoff"), "True");
    assert_string_equal(label(s, "com.docker.compose.slug"), "0123456789ab");
    /* a run publishes only what it was asked to */
    assert_int_equal(s->n_ports, 1);
    assert_int_equal(s->ports[0].target, 90);
    assert_string_equal(s->ports[0].published, "9000");
    assert_string_equal(s->ports[0].host_ip, "127.0.0.1");
    assert_string_equal(s->ports[0].protocol, "udp");
    assert_true(mount(s, "/x")->read_only);
    assert_string_equal(mount(s, "/d")->source, "p_data");
    assert_string_equal(s->env[s->n_env - 1].key, "C");
    /* no service aliases for a run unless asked */
    assert_null(s->networks[0].aliases);
    spec_build_free(sb);
    o->run = NULL;
    h_close(&H);
}

/* An undefined secret is a clear error naming the service. */
static void test_spec_bad_secret(void **state)
{
    (void)state;
    h_open(&H, "fake",
           "{\"name\":\"p\",\"services\":{\"a\":{\"image\":\"i\",\"secrets\":[\"nope\"]}}}");
    struct berth_error *err = NULL;
    assert_null(spec_build_new(service_replica(compose_service(H.c, "a"), 1), &err));
    assert_non_null(strstr(berth_error_message(err), "undefined secret \"nope\""));
    assert_non_null(strstr(berth_error_message(err), "service \"a\""));
    assert_non_null(berth_error_hint(err));
    berth_error_free(err);
    h_close(&H);
}

/* Health checks: string = CMD-SHELL, CMD, NONE, disable, docker's defaults. */
static void test_health_config(void **state)
{
    (void)state;
    h_open(&H, "fake", model_json);
    const struct health_config *w = &compose_service(H.c, "web")->health;
    assert_true(w->enabled);
    assert_string_equal(w->argv[0], "/bin/sh");
    assert_string_equal(w->argv[1], "-c");
    assert_string_equal(w->argv[2], "curl -f x");
    assert_int_equal(w->interval_ms, 5000);
    assert_int_equal(w->timeout_ms, 30000);
    assert_int_equal(w->start_period_ms, 2000);
    assert_int_equal(w->start_interval_ms, 5000);
    assert_int_equal(w->retries, 3);
    const struct health_config *d = &compose_service(H.c, "db")->health;
    assert_true(d->enabled);
    assert_string_equal(d->argv[0], "pg_isready");
    assert_int_equal(d->retries, 3); /* 0 means the default */
    assert_false(compose_service(H.c, "cache")->health.enabled);
    assert_false(compose_service(H.c, "off")->health.enabled);
    h_close(&H);
    json_t *bad = json_loads("{\"healthcheck\":{\"test\":[\"WHAT\",\"x\"]}}", 0, NULL);
    struct health_config cfg;
    struct berth_error *err = NULL;
    assert_int_equal(health_config_parse(bad, &cfg, &err), -1);
    assert_non_null(strstr(berth_error_message(err), "CMD-SHELL"));
    berth_error_free(err);
    json_decref(bad);
}

/* Durations and byte sizes as the model writes them. */
static void test_model_values(void **state)
{
    (void)state;
    uint64_t ms;
    assert_int_equal(engine_model_parse_duration("1m30s", &ms, NULL), 0);
    assert_int_equal(ms, 90000);
    assert_int_equal(engine_model_parse_duration("500ms", &ms, NULL), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(engine_model_parse_duration("1.5s", &ms, NULL), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(engine_model_parse_duration("2h", &ms, NULL), 0);
    assert_int_equal(ms, 7200000);
    assert_int_equal(engine_model_parse_duration("10", &ms, NULL), 0);
    assert_int_equal(ms, 10000);
    struct berth_error *err = NULL;
    assert_int_equal(engine_model_parse_duration("10 parsecs", &ms, &err), -1);
    assert_non_null(strstr(berth_error_message(err), "10 parsecs"));
    berth_error_clear(&err);
    json_t *o = json_loads("{\"a\":90000000000,\"b\":3,\"c\":\"1g\",\"d\":\"12kb\",\"e\":\"x\"}",
                           0, NULL);
    assert_int_equal(engine_model_duration(o, "a", 0, &ms, NULL), 0);
    assert_int_equal(ms, 90000); /* nanoseconds */
    assert_int_equal(engine_model_duration(o, "b", 0, &ms, NULL), 0);
    assert_int_equal(ms, 3000); /* seconds */
    assert_int_equal(engine_model_duration(o, "missing", 42, &ms, NULL), 0);
    assert_int_equal(ms, 42);
    int64_t n;
    assert_int_equal(engine_model_bytes(json_object_get(o, "c"), &n, NULL), 0);
    assert_int_equal(n, 1024LL * 1024 * 1024);
    assert_int_equal(engine_model_bytes(json_object_get(o, "d"), &n, NULL), 0);
    assert_int_equal(n, 12 * 1024);
    assert_int_equal(engine_model_bytes(json_object_get(o, "e"), &n, &err), -1);
    berth_error_free(err);
    json_decref(o);
}

/* Networks and volumes are created with project labels; a missing external network fails. */
static void test_resources(void **state)
{
    (void)state;
    h_open(&H, "fake",
           "{\"name\":\"p\",\"services\":{\"a\":{\"image\":\"i\",\"command\":[\"sleep\"],"
           "\"networks\":{\"n1\":null},\"volumes\":[{\"type\":\"volume\",\"source\":\"v\","
           "\"target\":\"/v\"}]}},\"networks\":{\"n1\":{\"name\":\"p_n1\"}},"
           "\"volumes\":{\"v\":{\"name\":\"p_v\"}}}");
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("network-create p_n1") < fake_call_index("create p-a-1"));
    assert_true(fake_call_index("volume-create p_v") < fake_call_index("create p-a-1"));
    assert_true(h_find(&H, BERTH_COMPOSE_EV_RESOURCE, "p_n1") >= 0);
    /* down keeps volumes unless asked */
    h_down(&H, NULL);
    assert_true(fake_call_index("network-remove p_n1") >= 0);
    assert_int_equal(fake_call_index("volume-remove p_v"), -1);
    h_up(&H, NULL);
    h_down(&H, &(struct berth_compose_down_options){.remove_volumes = true, .timeout_s = -1});
    assert_true(fake_call_index("volume-remove p_v") >= 0);
    h_close(&H);

    h_open(&H, "fake",
           "{\"name\":\"p\",\"services\":{\"a\":{\"image\":\"i\",\"networks\":{\"ext\":null}}},"
           "\"networks\":{\"ext\":{\"name\":\"outside\",\"external\":true}}}");
    h_up(&H, NULL);
    assert_int_equal(H.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(H.msg, "outside declared as external"));
    assert_int_equal(fake_call_count("create"), 0);
    assert_int_equal(fake_call_count("network-create"), 0);
    h_close(&H);
}

/* up options: no_start creates only; no_recreate keeps a changed container; force recreates. */
static void test_up_options(void **state)
{
    (void)state;
    h_open(&H, "fake", "{\"name\":\"p\",\"services\":{\"a\":{\"image\":\"i\",\"command\":[\"sleep\"]}}}");
    h_up(&H, &(struct berth_compose_up_options){.no_start = true, .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("create p-a-1"), 1);
    assert_int_equal(fake_call_count("start"), 0);
    assert_int_equal(berth_compose_state(H.c, "a", 1), BERTH_SVC_STOPPED);
    h_up(&H, NULL);
    assert_int_equal(fake_call_count("create p-a-1"), 1);
    assert_int_equal(fake_call_count("start p-a-1"), 1);
    free(compose_service(H.c, "a")->hash);
    compose_service(H.c, "a")->hash = strdup("changed");
    h_up(&H, &(struct berth_compose_up_options){.no_recreate = true, .timeout_s = -1});
    assert_int_equal(fake_call_count("create p-a-1"), 1);
    h_up(&H, &(struct berth_compose_up_options){.force_recreate = true, .timeout_s = -1});
    assert_int_equal(fake_call_count("create p-a-1"), 2);
    assert_true(fake_call_index("stop p-a-1") < fake_call_index("remove p-a-1"));
    h_close(&H);
}

/* Images: pulled when missing, built for build-only services, never pulled twice; rmi. */
static void test_images(void **state)
{
    (void)state;
    h_open(&H, "fake-images",
           "{\"name\":\"p\",\"services\":{"
           "\"web\":{\"image\":\"nginx\",\"command\":[\"sleep\"]},"
           "\"app\":{\"build\":{\"context\":\"./app\"},\"command\":[\"sleep\"]}}}");
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("image-pull nginx") >= 0);
    char built[256];
    snprintf(built, sizeof(built), "image-build p-app %s/app", h_tmpdir());
    assert_true(fake_call_index(built) >= 0);
    assert_true(fake_call_index("image-pull nginx") < fake_call_index("create p-web-1"));
    assert_true(h_find(&H, BERTH_COMPOSE_EV_RESOURCE, "nginx") >= 0);
    /* the image id is what the container is labelled with */
    assert_string_equal(compose_service(H.c, "web")->image_id, "sha256:nginx");
    /* present now: the next up only inspects */
    h_up(&H, NULL);
    assert_int_equal(fake_call_count("image-pull"), 1);
    assert_int_equal(fake_call_count("image-build"), 1);
    /* pull always */
    h_up(&H, &(struct berth_compose_up_options){.pull = BERTH_PULL_ALWAYS, .timeout_s = -1});
    assert_int_equal(fake_call_count("image-pull nginx"), 2);
    /* down --rmi local removes only the built image */
    h_down(&H, &(struct berth_compose_down_options){.rmi = "local", .timeout_s = -1});
    assert_int_equal(H.code, 0);
    assert_true(fake_call_index("image-remove p-app") >= 0);
    assert_int_equal(fake_call_index("image-remove nginx"), -1);
    h_down(&H, &(struct berth_compose_down_options){.rmi = "all", .timeout_s = -1});
    assert_true(fake_call_index("image-remove nginx") >= 0);
    /* a bad --rmi value is refused */
    struct berth_error *err = NULL;
    assert_null(berth_compose_down(H.c, &(struct berth_compose_down_options){.rmi = "some"},
                                   h_done, &H, &err));
    assert_non_null(berth_error_hint(err));
    berth_error_free(err);
    h_close(&H);

    /* a failed pull fails the up before anything is created; pull_policy never */
    h_open(&H, "fake-images",
           "{\"name\":\"p\",\"services\":{"
           "\"a\":{\"image\":\"unreachable/x\",\"command\":[\"sleep\"]},"
           "\"b\":{\"image\":\"local-only\",\"pull_policy\":\"never\"}}}");
    h_up(&H, &(struct berth_compose_up_options){.services = (const char *[]){"a", NULL},
                                                .timeout_s = -1});
    assert_int_equal(H.code, BERTH_E_BACKEND);
    assert_non_null(strstr(H.msg, "pulling image unreachable/x for service \"a\""));
    assert_int_equal(fake_call_count("create"), 0);
    h_up(&H, &(struct berth_compose_up_options){.services = (const char *[]){"b", NULL},
                                                .timeout_s = -1});
    assert_int_equal(H.code, BERTH_E_NOT_FOUND);
    assert_non_null(strstr(H.msg, "not available locally"));
    assert_int_equal(fake_call_count("image-pull local-only"), 0);
    /* the pull command */
    H.done = false;
    assert_non_null(berth_compose_pull(
        H.c, &(struct berth_compose_pull_options){.ignore_failures = true}, h_done, &H, &err));
    h_wait(&H, 5000);
    assert_int_equal(H.code, 0);
    assert_true(h_find(&H, BERTH_COMPOSE_EV_WARNING, "unreachable/x") >= 0);
    assert_true(fake_call_index("image-pull local-only") >= 0);
    h_close(&H);
}

/* Services sharing an image: one inspect, one pull when missing; each gets the image id. */
static void test_images_shared(void **state)
{
    (void)state;
    h_open(&H, "fake-images",
           "{\"name\":\"p\",\"services\":{"
           "\"a\":{\"image\":\"redis\",\"command\":[\"sleep\"]},"
           "\"b\":{\"image\":\"redis\",\"command\":[\"sleep\"]},"
           "\"c\":{\"image\":\"redis\",\"command\":[\"sleep\"]},"
           "\"d\":{\"image\":\"nginx\",\"command\":[\"sleep\"]}}}");
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    /* inspect, pull, inspect after the pull */
    assert_int_equal(fake_call_count("image-inspect redis"), 2);
    assert_int_equal(fake_call_count("image-pull redis"), 1);
    assert_int_equal(fake_call_count("image-pull nginx"), 1);
    assert_int_equal(fake_call_count("create p-"), 4);
    assert_string_equal(compose_service(H.c, "a")->image_id, "sha256:redis");
    assert_string_equal(compose_service(H.c, "b")->image_id, "sha256:redis");
    assert_string_equal(compose_service(H.c, "c")->image_id, "sha256:redis");
    assert_string_equal(compose_service(H.c, "d")->image_id, "sha256:nginx");
    h_up(&H, NULL);
    assert_int_equal(fake_call_count("image-inspect redis"), 3);
    assert_int_equal(fake_call_count("image-pull"), 2);
    h_close(&H);
}

/* Health: one probe right at start (a ready service is healthy without waiting an
 * interval); its failure does not count towards retries. */
static void test_health_early_probe(void **state)
{
    (void)state;
    h_open(&H, "fake",
           "{\"name\":\"p\",\"services\":{"
           "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
           "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"}}},"
           "\"db\":{\"image\":\"i\",\"command\":[\"sleep\"],"
           "\"healthcheck\":{\"test\":[\"CMD\",\"true\"],\"interval\":\"30s\"}}}}");
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("exec p-db-1"), 1);
    assert_true(fake_call_time("create p-web-1") - fake_call_time("start p-db-1") < 5000);
    h_close(&H);

    /* not ready at the early probe, retries 1: still healthy at the first counted probe */
    h_open(&H, "fake",
           "{\"name\":\"p\",\"services\":{"
           "\"web\":{\"image\":\"i\",\"command\":[\"sleep\"],"
           "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\"}}},"
           "\"db\":{\"image\":\"i\",\"command\":[\"ready-after\",\"100\"],"
           "\"healthcheck\":{\"test\":[\"CMD\",\"ready?\"],\"interval\":\"300ms\","
           "\"retries\":1}}}}");
    h_up(&H, NULL);
    assert_int_equal(H.code, 0);
    assert_int_equal(fake_call_count("exec p-db-1"), 2);
    assert_true(h_index(&H, "p-db-1", BERTH_SVC_UNHEALTHY) < 0);
    assert_true(fake_call_time("create p-web-1") - fake_call_time("start p-db-1") >= 300);
    h_close(&H);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_web),
        cmocka_unit_test(test_spec_db_and_oneoff),
        cmocka_unit_test(test_spec_bad_secret),
        cmocka_unit_test(test_health_config),
        cmocka_unit_test(test_model_values),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_up_options),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_images_shared),
        cmocka_unit_test(test_health_early_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
