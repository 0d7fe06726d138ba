/*
 * pidfd_open(2) through syscall(2): glibc gained a wrapper only in 2.36 and
 * the kernel may be older than 5.3; both cases report ENOSYS and proc.c then
 * watches that child through SIGCHLD instead.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#if defined(__linux__) && defined(HAVE_SYS_PIDFD_OPEN)
#include <sys/syscall.h>
#endif

#include "core/pidfd.h"

/* Opens a pidfd for pid; the kernel sets close-on-exec on it. */
int pidfd_of(pid_t pid)
{
#if defined(__linux__) && defined(HAVE_SYS_PIDFD_OPEN)
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -1 : (int)fd;
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}
