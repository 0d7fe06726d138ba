/*
 * detect-bench: runtime detection with every candidate at once versus the
 * slowest single probe, measured in the same run.
 *
 *   detect-bench [-n candidates] [-s slowest_ms] [-r repeats]
 *
 * Candidates are fake runtimes (tests/fake_probe.c) whose probes run
 * `sleep`: the slowest takes slowest_ms, the others proportionally less.
 * Each repeat times the slowest candidate alone, then all of them; the
 * medians and their ratio are printed. Exits 1 when the ratio is above 1.1
 * (detection must cost about the slowest probe, not the sum).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <berth/runtime.h>

#include "tests/fake_probe.h"

/* Detection finished: leave the loop. */
static void done(struct berth_detect *d, void *user)
{
    (void)d;
    berth_engine_break(user);
}

/* Time spent inside berth_detect_start() (spawning the probes) of the last run. */
static uint64_t start_ms;

/* Times one detection over cands (all probed to the end), in ms. */
static uint64_t time_detect(struct berth_engine *eng, const char *const *cands)
{
    struct berth_detect_options o = {.candidates = cands, .probe_timeout_ms = 60000,
                                     .probe_all = true};
    uint64_t t0 = berth_now_ms();
    struct berth_error *err = NULL;
    struct berth_detect *d = berth_detect_start(eng, &o, done, eng, &err);
    start_ms = berth_now_ms() - t0;
    if (d == NULL) {
        fprintf(stderr, "detect-bench: %s\n", berth_error_message(err));
        exit(2);
    }
    berth_engine_run(eng);
    uint64_t dt = berth_now_ms() - t0;
    for (size_t i = 0; i < berth_detect_count(d); i++) {
        if (!berth_detect_candidate(d, i)->available) {
            fprintf(stderr, "detect-bench: %s: %s\n", berth_detect_candidate(d, i)->name,
                    berth_detect_candidate(d, i)->reason);
            exit(2);
        }
    }
    berth_detect_free(d);
    return dt;
}

/* Orders durations for the median. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int n = 8, slowest = 1000, repeats = 3, c;
    while ((c = getopt(argc, argv, "n:s:r:")) != -1) {
        switch (c) {
        case 'n':
            n = atoi(optarg);
            break;
        case 's':
            slowest = atoi(optarg);
            break;
        case 'r':
            repeats = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: detect-bench [-n candidates (1-8)] [-s slowest_ms] "
                            "[-r repeats]\n");
            return 2;
        }
    }
    if (n < 1 || n > 8 || slowest < 10 || repeats < 1 || repeats > 50) {
        fprintf(stderr, "detect-bench: -n 1..8, -s >= 10, -r 1..50\n");
        return 2;
    }
    struct berth_engine *eng = berth_engine_new(NULL, NULL);
    if (eng == NULL || berth_plugins_add_driver(eng, fake_probe_driver(), "(bench)", NULL) < 0)
        return 2;
    static const char *const names[] = {"fake-a", "fake-b", "fake-c", "fake-d",
                                        "fake-e", "fake-f", "fake-g", "fake-h"};
    const char *cands[9] = {0};
    char arg[8][32];
    for (int i = 0; i < n; i++) {
        /* the last is the slowest; the others spread below it */
        double s = (double)slowest * (i + 1) / n / 1000.0;
        snprintf(arg[i], sizeof(arg[i]), "%.3f", s);
        berth_backend_config_set(eng, names[i], "binary", "sleep", NULL);
        berth_backend_config_set(eng, names[i], "arg", arg[i], NULL);
        cands[i] = names[i];
    }
    const char *alone[] = {names[n - 1], NULL};
    uint64_t *single = calloc((size_t)repeats, sizeof(*single));
    uint64_t *all = calloc((size_t)repeats, sizeof(*all));
    uint64_t *starts = calloc((size_t)repeats, sizeof(*starts));
    if (single == NULL || all == NULL || starts == NULL)
        return 2;
    for (int r = 0; r < repeats; r++) {
        single[r] = time_detect(eng, alone);
        all[r] = time_detect(eng, cands);
        starts[r] = start_ms;
    }
    qsort(starts, (size_t)repeats, sizeof(*starts), cmp_u64);
    qsort(single, (size_t)repeats, sizeof(*single), cmp_u64);
    qsort(all, (size_t)repeats, sizeof(*all), cmp_u64);
    uint64_t ms1 = single[repeats / 2], msn = all[repeats / 2];
    double ratio = ms1 ? (double)msn / (double)ms1 : 0;
    printf("detect: %d candidates, slowest single probe %llu ms, all at once %llu ms, "
           "ratio %.3f (target <= 1.10; the sum would be %.2f)\n",
           n, (unsigned long long)ms1, (unsigned long long)msn, ratio, (n + 1) / 2.0);
    /* Spawning is synchronous up to exec (exec errors are reported at once): its cost adds up. */
    printf("detect: starting the %d probes took %llu ms (fork+exec handshakes)\n", n,
           (unsigned long long)starts[repeats / 2]);
    free(starts);
    free(single);
    free(all);
    berth_engine_free(eng);
    return ratio <= 1.10 ? 0 : 1;
}
