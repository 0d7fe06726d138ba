/*
 * bench/backend-overhead: create + start + remove N containers one at a time
 * through berth's docker-protocol driver (podman flavour), through the real
 * plugin host and event loop, and print the wall time in milliseconds.
 *
 * Usage: backend-overhead PLUGIN_DIR IMAGE N PREFIX RUN_ID
 * The containers are named PREFIX-<i>, labelled berth.bench=RUN_ID and run
 * `sleep 300` with a stop timeout of 0 (so `rm --force` kills at once):
 * the same commands bench/backend-overhead.sh runs from a shell loop.
 * Prints "WALL_MS SELF_CPU_MS": the wall time, and the CPU time berth's own
 * process used (its share of the work, independent of machine load).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <berth/runtime.h>

static struct berth_engine *eng;
static struct berth_backend *be;

struct done {
    bool finished;
    char *error;
};

/* Op completion: remember the error, stop the loop. */
static void on_done(struct berth_op *op, const struct berth_op_result *res, void *user)
{
    (void)op;
    struct done *d = user;
    d->finished = true;
    if (res->error != NULL)
        d->error = strdup(berth_error_message(res->error));
    berth_engine_break(eng);
}

/* Runs one operation to completion; exits on failure. */
static void run(const struct berth_op_req *req)
{
    struct done d = {0};
    struct berth_error *err = NULL;
    if (berth_backend_submit(be, req, on_done, &d, &err) == NULL) {
        fprintf(stderr, "backend-overhead: %s\n", berth_error_message(err));
        exit(1);
    }
    while (!d.finished)
        berth_engine_run(eng);
    if (d.error != NULL) {
        fprintf(stderr, "backend-overhead: %s\n", d.error);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: backend-overhead PLUGIN_DIR IMAGE N PREFIX RUN_ID\n");
        return 2;
    }
    const char *dirs[] = {argv[1], NULL};
    int n = atoi(argv[3]);
    struct berth_error *err = NULL;
    eng = berth_engine_new(NULL, &err);
    if (eng == NULL ||
        berth_plugins_load(eng, dirs, BERTH_PLUGINS_NO_ENV | BERTH_PLUGINS_NO_INSTALLED, &err) <
            0 ||
        (be = berth_backend_new(eng, "podman", &err)) == NULL) {
        fprintf(stderr, "backend-overhead: %s\n", berth_error_message(err));
        return 1;
    }
    static const char *const cmd[] = {"sleep", "300", NULL};
    const struct berth_kv labels[] = {{"berth.bench", argv[5]}};
    uint64_t t0 = berth_now_ms();
    for (int i = 0; i < n; i++) {
        char name[256];
        snprintf(name, sizeof(name), "%s-%d", argv[4], i);
        struct berth_container_spec spec = {.image = argv[2], .name = name, .command = cmd,
                                            .labels = labels, .n_labels = 1,
                                            .stop_grace_seconds = 0};
        struct berth_op_req create = {.kind = BERTH_OP_CONTAINER_CREATE, .spec = &spec};
        run(&create);
        struct berth_op_req start = {.kind = BERTH_OP_CONTAINER_START, .target = name};
        run(&start);
        struct berth_op_req rm = {.kind = BERTH_OP_CONTAINER_REMOVE, .target = name,
                                  .force = true};
        run(&rm);
    }
    uint64_t wall = berth_now_ms() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec * 1000.0 + (double)ru.ru_utime.tv_usec / 1000.0 +
                 (double)ru.ru_stime.tv_sec * 1000.0 + (double)ru.ru_stime.tv_usec / 1000.0;
    printf("%llu %.1f\n", (unsigned long long)wall, cpu);
    berth_backend_free(be);
    berth_engine_free(eng);
    return 0;
}
