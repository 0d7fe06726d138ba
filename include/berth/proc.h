/*
 * Child processes on the engine's event_base: the one spawn function every
 * child berth runs goes through.
 *
 * A child gets its own process group, argv only (no shell), stdin from
 * /dev/null or a pipe, and stdout/stderr through separate close-on-exec
 * pipes. Its output arrives as whole lines (BERTH_OUT_LINES) or is captured
 * into a bounded buffer (BERTH_OUT_CAPTURE). Exec failure is an error with the
 * errno, never exit code 127. The completion callback fires exactly once,
 * after the exit status AND end-of-file on every output were seen; the proc
 * object is freed when that callback returns.
 *
 * Exit detection: a pidfd on Linux; elsewhere (or with BERTH_NO_PIDFD=1 in
 * the environment when the engine spawns its first child) a SIGCHLD event on
 * the base plus waitpid(pid, WNOHANG) on berth's own children, never
 * waitpid(-1): children the host forks itself are left to the host. While
 * SIGCHLD is watched, libevent's handler replaces any SIGCHLD handler the
 * host installed with sigaction(); the host's is restored when the last such
 * child is reaped. With several event_bases in one process, libevent 2.1
 * delivers SIGCHLD to one of them; berth then tells the others (but the
 * bases must stop watching in the reverse order they started, as libevent
 * restores handlers last-in first-out).
 *
 * A child gets its own session (setsid: its pid is its process group id, and
 * no terminal signal reaches it) unless keep_session. Signals berth sends go
 * to that whole group, grandchildren included.
 *
 * Re-entrancy: from on_line and on_done you may spawn, write to, signal,
 * cancel or abandon any proc, the calling one included, and free your own
 * data. A proc is freed only after its on_done returns (or, abandoned, on a
 * later loop pass), never under a running callback. Do not call
 * berth_engine_free() from a berth callback.
 */
#ifndef BERTH_PROC_H
#define BERTH_PROC_H

#include <sys/types.h>
#include <berth/common.h>
#include <berth/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct berth_engine;
struct berth_proc;

/** What happens to a child's stdout or stderr. */
enum berth_out_mode {
    BERTH_OUT_DISCARD = 0, /* sent to /dev/null */
    BERTH_OUT_LINES,       /* delivered line by line to on_line */
    BERTH_OUT_CAPTURE,     /* kept in memory, up to capture_limit bytes */
    BERTH_OUT_INHERIT,     /* the parent's own fd (CLI interactive use) */
};

/** Where a child's stdin comes from. */
enum berth_in_mode {
    BERTH_IN_NULL = 0, /* /dev/null */
    BERTH_IN_PIPE,     /* berth_proc_write() / berth_proc_close_stdin() */
    BERTH_IN_INHERIT,  /* the parent's stdin (CLI interactive use) */
};

/** Stream numbers passed to on_line. */
enum berth_stream { BERTH_STDOUT = 1, BERTH_STDERR = 2 };

/** Longest line delivered in one piece; longer lines arrive in pieces. */
#define BERTH_LINE_MAX (64 * 1024)

/** Default capture limit (bytes, per stream). */
#define BERTH_CAPTURE_DEFAULT (16 * 1024 * 1024)

/** What a child ended with; valid during the completion callback only. */
struct berth_proc_result {
    pid_t pid;
    bool exited;       /* true: exit_code is valid */
    int exit_code;     /* 0..255; 128 + signal when killed by a signal */
    int signal;        /* the signal that killed it, or 0 */
    bool timed_out;    /* the per-child timeout fired */
    bool cancelled;    /* berth_proc_cancel() was called */
    const char *out;   /* captured stdout (NUL-terminated), or NULL */
    size_t out_len;
    const char *err;   /* captured stderr (NUL-terminated), or NULL */
    size_t err_len;
    /*
     * Set when berth itself failed while supervising the child (capture
     * limit exceeded: BERTH_E_TOO_LARGE, the child is then killed and out/err
     * hold the first capture_limit bytes; read error; output still held open
     * by a stray process a grace period after SIGKILL: BERTH_E_TIMEOUT);
     * NULL otherwise. A non-zero exit is NOT an error here: callers decide.
     * Owned by the proc.
     */
    const struct berth_error *error;
};

/**
 * A piece of output. `complete` is false when the line was longer than
 * BERTH_LINE_MAX and more of it follows (each such piece is exactly
 * BERTH_LINE_MAX bytes); the final line without a newline is delivered
 * (complete) at EOF. line is not NUL-terminated; len excludes '\n'. Every
 * other byte is passed as written, a '\r' before the '\n' included.
 */
typedef void (*berth_proc_line_fn)(struct berth_proc *p, enum berth_stream stream,
                                   const char *line, size_t len, bool complete, void *user);

/** The completion callback. p is freed after it returns. */
typedef void (*berth_proc_done_fn)(struct berth_proc *p, const struct berth_proc_result *res,
                                   void *user);

/** Spawn options. Zero-initialise, then set what you need. */
struct berth_proc_options {
    const char *const *argv; /* required; argv[0] without '/' is searched in PATH */
    const char *const *envp; /* full environment for the child; NULL inherits ours */
    const char *cwd;         /* working directory, or NULL */
    enum berth_in_mode in;
    enum berth_out_mode out;
    enum berth_out_mode err;
    size_t capture_limit;     /* per stream, 0 = BERTH_CAPTURE_DEFAULT */
    uint64_t timeout_ms;      /* 0 = none; on expiry: term_signal, then SIGKILL after grace
                                 (output still open a grace after SIGKILL is no longer read) */
    uint64_t kill_grace_ms;   /* 0 = 10000 */
    int term_signal;          /* 0 = SIGTERM */
    bool keep_session;        /* true: stay in our process group (interactive TTY use) */
    berth_proc_line_fn on_line;
    berth_proc_done_fn on_done;
    void *user;
};

/**
 * Starts a child on eng's event_base. Returns NULL with *err set when it could
 * not be started (fork failed, exec failed: binary missing (BERTH_E_NOT_FOUND)
 * or not executable, bad cwd); on_done is then never called. argv[0] without
 * a '/' is searched in the child's PATH (envp's, else ours; "/usr/bin:/bin"
 * if none), as execvp does but without running scripts that lack '#!'; a
 * relative argv[0] with a '/' is relative to cwd.
 * Waits until the child has exec'ed (that is how exec errors are seen).
 */
BERTH_API struct berth_proc *berth_proc_spawn(struct berth_engine *eng,
                                              const struct berth_proc_options *opts,
                                              struct berth_error **err);

/** The child's pid (also its process group id unless keep_session). */
BERTH_API pid_t berth_proc_pid(const struct berth_proc *p);

/**
 * Sends sig to the child's whole process group (to the child alone with
 * keep_session). Returns -1 if it is gone.
 */
BERTH_API int berth_proc_signal(struct berth_proc *p, int sig, struct berth_error **err);

/**
 * Stops the child: term_signal to its group now, SIGKILL after the grace
 * period. on_done still fires, with cancelled = true.
 */
BERTH_API void berth_proc_cancel(struct berth_proc *p);

/**
 * Forgets the child: SIGKILL to its group; callbacks never fire again; berth
 * still reaps it on the loop. Use when the owner of the callbacks goes away.
 */
BERTH_API void berth_proc_abandon(struct berth_proc *p);

/**
 * Queues bytes for a BERTH_IN_PIPE stdin; they are written as the pipe takes
 * them. Returns -1 if stdin is closed (never opened as a pipe, closed, or the
 * child stopped reading it). SIGPIPE never reaches the host.
 */
BERTH_API int berth_proc_write(struct berth_proc *p, const void *data, size_t len,
                               struct berth_error **err);

/** Closes stdin after queued bytes are written. */
BERTH_API void berth_proc_close_stdin(struct berth_proc *p);

/** The user pointer given in the options. */
BERTH_API void *berth_proc_user(const struct berth_proc *p);

/**
 * Number of children of eng not yet completed, abandoned ones not yet reaped
 * included (for tests and shutdown).
 */
BERTH_API size_t berth_proc_count(const struct berth_engine *eng);

#ifdef __cplusplus
}
#endif
#endif
