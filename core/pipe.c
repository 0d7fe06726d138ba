/*
 * Close-on-exec pipes. pipe2(O_CLOEXEC) sets the flag atomically; the
 * fallback (macOS) sets it right after pipe(), which leaves a window only for
 * a host thread forking in between: berth itself forks from one thread.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/pipe.h"

/* Creates a pipe with FD_CLOEXEC on both ends. */
int pipe_cloexec(int fds[2])
{
#ifdef HAVE_PIPE2
    if (pipe2(fds, O_CLOEXEC) == 0)
        return 0;
    if (errno != ENOSYS)
        return -1;
#endif
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
            int e = errno;
            close(fds[0]);
            close(fds[1]);
            errno = e;
            return -1;
        }
    }
    return 0;
}

/* Sets O_NONBLOCK on fd, keeping its other status flags. */
int pipe_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    if (fl & O_NONBLOCK)
        return 0;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
