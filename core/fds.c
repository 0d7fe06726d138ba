/*
 * Open file descriptors. Counting reads /proc/self/fd (Linux) or /dev/fd
 * (macOS, BSD), else probes every fd up to the limit. Closing in a forked
 * child uses closefrom() or close_range() when present; otherwise the
 * parent computes the highest open fd before fork (directory reads are not
 * async-signal-safe) and the child closes up to it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/fds.h"

/* Largest fd the probing fallback looks at: OPEN_MAX may be huge (1M). */
#define FDS_PROBE_CAP 65536

/* Counts the entries of the fd directory (minus its own fd) and finds the highest; -1 if
 * unreadable. */
static int fds_scan(int *count, int *highest)
{
    static const char *const dirs[] = {
#ifdef HAVE_PROC_SELF_FD
        "/proc/self/fd",
#endif
        "/dev/fd",
    };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        DIR *d = opendir(dirs[i]);
        if (d == NULL)
            continue;
        int self = dirfd(d), n = 0, hi = -1;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] < '0' || de->d_name[0] > '9')
                continue;
            int fd = atoi(de->d_name);
            if (fd == self)
                continue;
            n++;
            if (fd > hi)
                hi = fd;
        }
        closedir(d);
        /* /dev/fd on some systems lists only 0-2 (no fdescfs): distrust a short answer */
        if (hi <= 2 && i + 1 == sizeof(dirs) / sizeof(dirs[0]) && n <= 3)
            break;
        *count = n;
        *highest = hi;
        return 0;
    }
    return -1;
}

/* Probes fds one by one: the POSIX fallback. */
static void fds_probe(int *count, int *highest)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > FDS_PROBE_CAP)
        max = FDS_PROBE_CAP;
    int n = 0, hi = -1;
    for (int fd = 0; fd < (int)max; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            n++;
            hi = fd;
        }
    }
    *count = n;
    *highest = hi;
}

/* Counts open fds. */
int fds_count(void)
{
    int n, hi;
    if (fds_scan(&n, &hi) != 0)
        fds_probe(&n, &hi);
    return n;
}

/* The highest open fd. */
int fds_highest(void)
{
    int n, hi;
    if (fds_scan(&n, &hi) != 0)
        fds_probe(&n, &hi);
    return hi;
}

/* Whether the child needs a bound computed by the parent. */
bool fds_close_needs_bound(void)
{
#ifdef HAVE_CLOSEFROM
    return false;
#else
    return true;
#endif
}

/* The bound for fds_close_from(): the highest open fd, or the fd limit. */
int fds_close_bound(void)
{
    int hi = fds_highest();
    if (hi >= 0)
        return hi;
    long max = sysconf(_SC_OPEN_MAX);
    return max > 0 && max < 0x7fffffff ? (int)max - 1 : FDS_PROBE_CAP;
}

/* Closes every fd >= lowfd; async-signal-safe. */
void fds_close_from(int lowfd, int bound)
{
#ifdef HAVE_CLOSEFROM
    (void)bound;
    closefrom(lowfd);
#else
#ifdef HAVE_CLOSE_RANGE
    if (close_range((unsigned)lowfd, ~0U, 0) == 0)
        return;
#endif
    for (int fd = lowfd; fd <= bound; fd++)
        close(fd);
#endif
}
