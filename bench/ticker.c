/*
 * bench/ticker NAME PERIOD_MS [PAYLOAD_BYTES]: the service of bench/supervise.sh.
 * Prints "svc=NAME seq=N pay=NAMENAME..." every PERIOD_MS on absolute
 * deadlines (no drift: a late wake-up catches up), one write(2) per line so a
 * line is never split. On SIGTERM it prints "svc=NAME end=N" (N lines were
 * printed) and exits 0, so the checker knows exactly which lines must exist.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

/* SIGTERM: finish after the current line. */
static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

/* Writes all of buf; 0 on success. */
static int write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s NAME PERIOD_MS [PAYLOAD_BYTES]\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    long period_ms = atol(argv[2]);
    size_t pay = argc > 3 ? (size_t)atol(argv[3]) : 48;
    size_t nl = strlen(name);
    if (period_ms < 0 || nl == 0 || pay > 4000)
        return 2;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    char payload[4096];
    for (size_t i = 0; i < pay; i++)
        payload[i] = name[i % nl];

    char line[4096 + 256];
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    unsigned long seq = 0;
    while (!stop) {
        if (period_ms > 0) {
            int len = snprintf(line, 256, "svc=%s seq=%lu pay=", name, seq);
            memcpy(line + len, payload, pay);
            line[len + (int)pay] = '\n';
            if (write_all(line, (size_t)len + pay + 1) != 0)
                return 1;
            seq++;
            next.tv_nsec += period_ms * 1000000L;
            while (next.tv_nsec >= 1000000000L) {
                next.tv_nsec -= 1000000000L;
                next.tv_sec++;
            }
        } else {
            next.tv_sec += 3600; /* idle: print nothing */
        }
#if defined(__linux__)
        while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
            ;
#else
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec d = {next.tv_sec - now.tv_sec, next.tv_nsec - now.tv_nsec};
        if (d.tv_nsec < 0) {
            d.tv_nsec += 1000000000L;
            d.tv_sec--;
        }
        if (d.tv_sec >= 0)
            nanosleep(&d, NULL);
#endif
    }
    int len = snprintf(line, sizeof(line), "svc=%s end=%lu\n", name, seq);
    return write_all(line, (size_t)len) == 0 ? 0 : 1;
}
