/*
 * A child for tests/test_proc.c: one behaviour per mode (first argument).
 * Uses libc only, so it runs the same under valgrind and sanitizers.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "tests/helper_gen.h"

/* Writes all of buf to fd, in one or more write() calls. */
static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            exit(3);
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Sleeps ms milliseconds (only to make separate reads likely; nothing depends on it). */
static void nap(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Waits for a signal "forever": 2 minutes, so a failed test leaves no process behind for long. */
static void sleep_forever(void)
{
    alarm(120);
    for (;;)
        pause();
}

/* gen N: at least N bytes of gen_line() lines, written in odd-sized chunks. */
static int mode_gen(unsigned long want)
{
    char *buf = malloc(want + GEN_LINE_MAX + 2);
    if (buf == NULL)
        return 4;
    size_t len = 0;
    for (unsigned long i = 0; len < want; i++) {
        len += gen_line(i, buf + len);
        buf[len++] = '\n';
    }
    static const size_t chunks[] = {1, 3, 7, 4093, 8191, 65521, 131071, 17, 100003, 509};
    size_t off = 0;
    for (size_t c = 0; off < len; c++) {
        size_t n = chunks[c % (sizeof(chunks) / sizeof(chunks[0]))];
        if (n > len - off)
            n = len - off;
        write_all(1, buf + off, n);
        off += n;
    }
    free(buf);
    return 0;
}

/* longline N: one N-byte line (in 1000-byte writes), then "tail" without a newline. */
static int mode_longline(unsigned long n)
{
    char chunk[1000];
    for (unsigned long done = 0; done < n;) {
        size_t k = n - done < sizeof(chunk) ? (size_t)(n - done) : sizeof(chunk);
        for (size_t j = 0; j < k; j++)
            chunk[j] = (char)('a' + (done + j) % 26);
        write_all(1, chunk, k);
        done += k;
    }
    write_all(1, "\ntail", 5);
    return 0;
}

/* fds: the open fds, space separated; fds-ok: exit 0 iff they are exactly 0 1 2. */
static int mode_fds(bool check)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        d = opendir("/dev/fd");
    if (d == NULL)
        return 4;
    int self = dirfd(d);
    int seen[1024] = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        int fd = atoi(de->d_name);
        if (fd != self && fd < 1024)
            seen[fd] = 1;
    }
    closedir(d);
    if (check) {
        for (int fd = 0; fd < 1024; fd++) {
            if (seen[fd] != (fd < 3))
                return 1;
        }
        return 0;
    }
    const char *sep = "";
    for (int fd = 0; fd < 1024; fd++) {
        if (seen[fd]) {
            printf("%s%d", sep, fd);
            sep = " ";
        }
    }
    printf("\n");
    return 0;
}

/* sigs: how many signals are ignored or blocked. */
static int mode_sigs(void)
{
    int ignored = 0, blocked = 0;
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            ignored++;
        if (sigismember(&mask, sig) == 1)
            blocked++;
    }
    printf("ignored=%d blocked=%d\n", ignored, blocked);
    return 0;
}

/* cat: stdin to stdout. */
static int mode_cat(void)
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(0, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? 3 : 0;
        write_all(1, buf, (size_t)n);
    }
}

/* Dispatches on the mode. */
int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *arg = argc > 2 ? argv[2] : "0";
    if (strcmp(mode, "exit") == 0)
        return atoi(arg);
    if (strcmp(mode, "signal") == 0) {
        signal(atoi(arg), SIG_DFL);
        raise(atoi(arg));
        return 99;
    }
    if (strcmp(mode, "gen") == 0)
        return mode_gen(strtoul(arg, NULL, 10));
    if (strcmp(mode, "longline") == 0)
        return mode_longline(strtoul(arg, NULL, 10));
    if (strcmp(mode, "split") == 0) {
        write_all(1, "hel", 3);
        nap(20);
        write_all(1, "lo\nwor", 6);
        nap(20);
        write_all(1, "ld", 2);
        return 0;
    }
    if (strcmp(mode, "both") == 0) {
        for (int i = 0; i < 3; i++) {
            dprintf(1, "out%d\n", i);
            dprintf(2, "err%d\n", i);
        }
        return 0;
    }
    if (strcmp(mode, "flood") == 0) {
        static char buf[65536];
        memset(buf, 'x', sizeof(buf));
        for (;;)
            write_all(1, buf, sizeof(buf));
    }
    if (strcmp(mode, "sleep") == 0)
        sleep_forever();
    if (strcmp(mode, "ignore-term") == 0) {
        /* child and grandchild ignore SIGTERM; the grandchild's pid goes to stdout */
        signal(SIGTERM, SIG_IGN);
        pid_t g = fork();
        if (g < 0)
            return 4;
        if (g == 0)
            sleep_forever();
        printf("%ld\n", (long)g);
        fflush(stdout);
        sleep_forever();
    }
    if (strcmp(mode, "stray") == 0) {
        /* a grandchild in its own session keeps stdout open after the group is killed */
        pid_t g = fork();
        if (g < 0)
            return 4;
        if (g == 0) {
            setsid();
            sleep_forever();
        }
        printf("%ld\n", (long)g);
        fflush(stdout);
        sleep_forever();
    }
    if (strcmp(mode, "env") == 0) {
        const char *v = getenv(arg);
        printf("%s\n", v ? v : "(unset)");
        return 0;
    }
    if (strcmp(mode, "cwd") == 0) {
        char buf[4096];
        if (getcwd(buf, sizeof(buf)) == NULL)
            return 4;
        printf("%s\n", buf);
        return 0;
    }
    if (strcmp(mode, "pgid") == 0) {
        printf("%ld %ld %ld\n", (long)getpid(), (long)getpgid(0), (long)getsid(0));
        return 0;
    }
    if (strcmp(mode, "fds") == 0 || strcmp(mode, "fds-ok") == 0)
        return mode_fds(strcmp(mode, "fds-ok") == 0);
    if (strcmp(mode, "sigs") == 0)
        return mode_sigs();
    if (strcmp(mode, "cat") == 0)
        return mode_cat();
    fprintf(stderr, "helper_child: unknown mode '%s'\n", mode);
    return 2;
}
