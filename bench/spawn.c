/*
 * spawn-bench: children per second through berth_proc_spawn, next to
 * `xargs -P<j> -n1 <cmd>` doing the same work in the same run.
 *
 *   spawn-bench [-n children] [-j parallel] [-r repeats] [-c command]
 *
 * Each repeat runs berth, then xargs; the medians, their ratio and this
 * process's peak RSS are printed. Not a test: figures depend on the machine.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <berth/berth.h>

struct batch {
    struct berth_engine *eng;
    const char *cmd;
    int total, started, finished, inflight, parallel, failed;
};

static void batch_fill(struct batch *b);

/* A child finished: count it, start the next. */
static void batch_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct batch *b = user;
    if (!res->exited || res->exit_code != 0)
        b->failed++;
    b->finished++;
    b->inflight--;
    batch_fill(b);
}

/* Keeps `parallel` children running until `total` were started. */
static void batch_fill(struct batch *b)
{
    const char *const argv[] = {b->cmd, "x", NULL};
    struct berth_proc_options o = {.argv = argv, .on_done = batch_done, .user = b};
    while (b->inflight < b->parallel && b->started < b->total) {
        struct berth_error *err = NULL;
        if (berth_proc_spawn(b->eng, &o, &err) == NULL) {
            fprintf(stderr, "spawn-bench: %s\n", berth_error_message(err));
            exit(1);
        }
        b->started++;
        b->inflight++;
    }
}

/* Runs total children through berth; returns seconds. */
static double run_berth(const char *cmd, int total, int parallel)
{
    struct batch b = {.cmd = cmd, .total = total, .parallel = parallel};
    b.eng = berth_engine_new(NULL, NULL);
    uint64_t t0 = berth_now_ms();
    batch_fill(&b);
    berth_engine_run(b.eng);
    uint64_t t1 = berth_now_ms();
    berth_engine_free(b.eng);
    if (b.failed != 0 || b.finished != total) {
        fprintf(stderr, "spawn-bench: %d of %d children failed\n", b.failed, total);
        exit(1);
    }
    return (double)(t1 - t0) / 1000.0;
}

/* xargs finished. */
static void xargs_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    *(int *)user = res->exited ? res->exit_code : 128 + res->signal;
}

/* Runs `xargs -P<parallel> -n1 cmd` on total lines; returns seconds. */
static double run_xargs(const char *cmd, int total, int parallel)
{
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    char pflag[32];
    snprintf(pflag, sizeof(pflag), "-P%d", parallel);
    const char *const argv[] = {"xargs", pflag, "-n1", cmd, NULL};
    int status = -1;
    struct berth_proc_options o = {
        .argv = argv, .in = BERTH_IN_PIPE, .on_done = xargs_done, .user = &status};
    size_t len = (size_t)total * 2;
    char *lines = malloc(len);
    for (int i = 0; i < total; i++)
        memcpy(lines + 2 * i, "x\n", 2);
    struct berth_error *err = NULL;
    uint64_t t0 = berth_now_ms();
    struct berth_proc *p = berth_proc_spawn(eng, &o, &err);
    if (p == NULL) {
        fprintf(stderr, "spawn-bench: %s\n", berth_error_message(err));
        exit(1);
    }
    berth_proc_write(p, lines, len, NULL);
    berth_proc_close_stdin(p);
    berth_engine_run(eng);
    uint64_t t1 = berth_now_ms();
    berth_engine_free(eng);
    free(lines);
    if (status != 0) {
        fprintf(stderr, "spawn-bench: xargs failed (%d)\n", status);
        exit(1);
    }
    return (double)(t1 - t0) / 1000.0;
}

/* Ascending order for qsort. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values (sorts them). */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Parses a positive int option value. */
static int positive(const char *s, const char *flag)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v <= 0 || v > 1000000) {
        fprintf(stderr, "spawn-bench: %s: expected a positive number, got '%s'\n", flag, s);
        exit(2);
    }
    return (int)v;
}

/* Parses the options, runs berth and xargs in turn, prints medians and peak RSS. */
int main(int argc, char **argv)
{
    int total = 2000, parallel = 64, repeats = 5;
    const char *cmd = "/bin/true";
    int c;
    while ((c = getopt(argc, argv, "n:j:r:c:h")) != -1) {
        switch (c) {
        case 'n':
            total = positive(optarg, "-n");
            break;
        case 'j':
            parallel = positive(optarg, "-j");
            break;
        case 'r':
            repeats = positive(optarg, "-r");
            break;
        case 'c':
            cmd = optarg;
            break;
        default:
            fprintf(stderr, "usage: spawn-bench [-n children] [-j parallel] [-r repeats] "
                            "[-c command]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (repeats > 100)
        repeats = 100;
    double tb[100], tx[100];
    for (int r = 0; r < repeats; r++) {
        tb[r] = run_berth(cmd, total, parallel);
        tx[r] = run_xargs(cmd, total, parallel);
        printf("run %d: berth %.0f/s  xargs %.0f/s\n", r + 1, total / tb[r], total / tx[r]);
    }
    double mb = total / median(tb, repeats), mx = total / median(tx, repeats);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
#ifdef __APPLE__
    long rss_kib = ru.ru_maxrss / 1024; /* bytes there */
#else
    long rss_kib = ru.ru_maxrss;
#endif
    printf("children: %d of %s, at most %d at once, median of %d runs\n", total, cmd, parallel,
           repeats);
    printf("berth:        %8.0f children/s\n", mb);
    printf("xargs -P%-4d  %8.0f children/s\n", parallel, mx);
    printf("ratio:        %8.2f (berth / xargs)\n", mb / mx);
    printf("peak RSS:     %8ld KiB (berth process)\n", rss_kib);
    return 0;
}
