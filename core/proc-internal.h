/* Internals of core/proc.c that tests look at (never installed). */
#ifndef BERTH_CORE_PROC_INTERNAL_H
#define BERTH_CORE_PROC_INTERNAL_H

#include <stdbool.h>

#include <berth/proc.h>

/*
 * True when the child's exit is watched through a pidfd, false when through
 * SIGCHLD + waitpid(pid, WNOHANG). BERTH_NO_PIDFD=1 in the environment (read
 * when an engine spawns its first child) forces the SIGCHLD path.
 */
bool proc_uses_pidfd(const struct berth_proc *p);

/*
 * True when eng spawns with vfork (Linux), false with fork. BERTH_SPAWN_FORK=1
 * in the environment (read when an engine spawns its first child) forces fork.
 */
bool proc_uses_vfork(const struct berth_engine *eng);

#endif
