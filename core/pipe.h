/* Pipes whose fds are close-on-exec from birth (pipe2 or a pipe+fcntl fallback). */
#ifndef BERTH_CORE_PIPE_H
#define BERTH_CORE_PIPE_H

/* Creates a pipe with FD_CLOEXEC on both ends. Returns 0, or -1 with errno. */
int pipe_cloexec(int fds[2]);

/* Makes fd non-blocking. Returns 0, or -1 with errno. */
int pipe_set_nonblock(int fd);

#endif
