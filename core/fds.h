/* Open file descriptors: counting them, and closing all above a bound in a forked child. */
#ifndef BERTH_CORE_FDS_H
#define BERTH_CORE_FDS_H

#include <stdbool.h>

/* Number of open fds of this process (tests use it to find leaks); -1 if unknown. */
int fds_count(void);

/* The highest open fd, or -1 if none or unknown. */
int fds_highest(void);

/*
 * True when fds_close_from() needs a bound from fds_close_bound(), i.e. the
 * platform has no closefrom(): then call fds_close_bound() before fork.
 */
bool fds_close_needs_bound(void);

/* Highest fd fds_close_from() may have to close: computed in the parent before fork. */
int fds_close_bound(void);

/*
 * Closes every fd >= lowfd. Async-signal-safe: called between fork and exec.
 * bound is fds_close_bound() from the parent; ignored where closefrom() or
 * close_range() does the work.
 */
void fds_close_from(int lowfd, int bound);

#endif
