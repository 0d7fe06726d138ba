/* Process file descriptors (Linux pidfd_open); ENOSYS elsewhere. */
#ifndef BERTH_CORE_PIDFD_H
#define BERTH_CORE_PIDFD_H

#include <sys/types.h>

/*
 * Opens a pidfd for the child pid (close-on-exec, readable once it exits).
 * Returns the fd, or -1 with errno (ENOSYS where pidfds do not exist).
 */
int pidfd_of(pid_t pid);

#endif
