/*
 * Child processes on the engine's event_base (see berth/proc.h).
 *
 * Spawning: the parent builds everything that needs memory (the exec
 * candidates of a PATH search, pipes) before fork; the child only makes
 * async-signal-safe calls, then execs. A close-on-exec pipe reports a failure
 * in the child (stage + errno); reading zero bytes from it means exec
 * succeeded (the s6 cspawn / tmux job pattern). This read is the one
 * synchronous wait in the module; it lasts until the child execs, which it
 * does without waiting on anything.
 *
 * Watching: the child's exit arrives as EV_READ on a pidfd (Linux), or, when
 * no pidfd can be had, as SIGCHLD on the base followed by waitpid(pid,
 * WNOHANG) on berth's own children only; never waitpid(-1). Its stdout and
 * stderr are non-blocking pipes read with EV_READ events.
 *
 * Each child runs two small state machines, written as tables below: its
 * lifecycle (exit status x end of output x abandon) and its termination
 * (timeout, cancel, grace, capture limit). The completion callback and the
 * freeing of procs only happen in one place, the per-engine sweep event, so
 * that no user callback runs while this module walks a list and no proc is
 * freed under a callback that is still using it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/engine-internal.h"
#include "core/fds.h"
#include "core/linebuf.h"
#include "core/pidfd.h"
#include "core/pipe.h"
#include "core/proc-internal.h"
#include "core/util.h"

#ifdef __APPLE__
/* a macOS dylib cannot reference environ directly */
#include <crt_externs.h>
#define environ (*_NSGetEnviron())
#else
extern char **environ;
#endif

/* Bytes read from a pipe per EV_READ. */
#define PROC_READ_CHUNK (64 * 1024)
/*
 * A LINES stream that has just yielded data is parked: its EV_READ is off
 * and it is read again on the next drain tick, PROC_DRAIN_MS later, while it
 * keeps yielding data. Many chatty children then cost one wake-up per tick
 * instead of one per line; a quiet stream is read as soon as data arrives.
 */
#define PROC_DRAIN_MS 20
/*
 * vfork where its semantics are dependable (Linux: clone(CLONE_VM|CLONE_VFORK),
 * the same as glibc's posix_spawn and Go's os/exec): no page tables are
 * copied and no copy-on-write faults follow in the parent, so a spawn costs
 * the same in a 2 GiB host as in a small one. The child only reads the plan
 * and calls async-signal-safe functions on its own frames below ours, never
 * returns, and runs with every signal blocked until its dispositions are
 * reset, so nothing in the shared memory is touched. fork() elsewhere, or
 * with BERTH_SPAWN_FORK=1.
 */
#if defined(__linux__)
#define PROC_HAVE_VFORK 1
#else
#define PROC_HAVE_VFORK 0
#endif

/* Default grace between term_signal and SIGKILL. */
#define PROC_GRACE_DEFAULT_MS 10000
/* Search path when the child's environment has no PATH (as execvp). */
#define PROC_DEFAULT_PATH "/usr/bin:/bin"

/* Lifecycle states. */
enum proc_life {
    LIFE_RUNNING,   /* alive, output open */
    LIFE_EXITED,    /* exit status known, output still open */
    LIFE_DRAINED,   /* output at EOF (or none), still alive */
    LIFE_READY,     /* both: queued for on_done */
    LIFE_DONE,      /* on_done running; freed when it returns */
    LIFE_ABANDONED, /* forgotten and killed, waiting to be reaped */
    LIFE_GONE,      /* abandoned and reaped: queued to be freed */
    LIFE_COUNT
};

/* Lifecycle events. */
enum proc_lev {
    LEV_EXIT,    /* exit status collected */
    LEV_EOF,     /* the last output stream reached EOF */
    LEV_ABANDON, /* berth_proc_abandon() */
    LEV_SWEEP,   /* the sweep event dequeued the proc */
    LEV_COUNT
};

/* What a lifecycle transition does besides changing state. */
enum proc_lact {
    LACT_NONE,
    LACT_QUEUE,      /* hand to the sweep */
    LACT_KILL_QUEUE, /* SIGKILL the group, hand to the sweep */
    LACT_CLOSE,      /* close pipes and timers (abandoned, not yet reaped) */
    LACT_COMPLETE,   /* run on_done, then free */
    LACT_FREE,       /* free without callbacks */
};

struct proc_ltrans {
    unsigned char next, act;
};

/* Lifecycle table: state x event -> next state, action. */
/* clang-format off */
#define L(state, act) {LIFE_##state, LACT_##act}
static const struct proc_ltrans proc_life_table[LIFE_COUNT][LEV_COUNT] = {
    /*                  EXIT            EOF              ABANDON                  SWEEP */
    [LIFE_RUNNING]   = {L(EXITED,NONE), L(DRAINED,NONE), L(ABANDONED,KILL_QUEUE), L(RUNNING,NONE)},
    [LIFE_EXITED]    = {L(EXITED,NONE), L(READY,QUEUE),  L(GONE,KILL_QUEUE),      L(EXITED,NONE)},
    [LIFE_DRAINED]   = {L(READY,QUEUE), L(DRAINED,NONE), L(ABANDONED,KILL_QUEUE), L(DRAINED,NONE)},
    [LIFE_READY]     = {L(READY,NONE),  L(READY,NONE),   L(GONE,QUEUE),           L(DONE,COMPLETE)},
    [LIFE_DONE]      = {L(DONE,NONE),   L(DONE,NONE),    L(DONE,NONE),            L(DONE,NONE)},
    [LIFE_ABANDONED] = {L(GONE,QUEUE),  L(ABANDONED,NONE), L(ABANDONED,NONE), L(ABANDONED,CLOSE)},
    [LIFE_GONE]      = {L(GONE,NONE),   L(GONE,NONE),    L(GONE,NONE),            L(GONE,FREE)},
};
#undef L
/* clang-format on */

/* Termination states. */
enum proc_term {
    TERM_NONE,     /* not asked to stop */
    TERM_SENT,     /* term_signal sent, grace timer armed */
    TERM_KILLED,   /* SIGKILL sent, detach timer armed */
    TERM_DETACHED, /* stopped reading output still held open by strays */
    TERM_COUNT
};

/* Termination events. */
enum proc_tev {
    TEV_TIMEOUT, /* the per-child timeout expired */
    TEV_CANCEL,  /* berth_proc_cancel() */
    TEV_GRACE,   /* the grace (or detach) timer expired */
    TEV_LIMIT,   /* output over the capture limit */
    TEV_COUNT
};

/* What a termination transition does. */
enum proc_tact {
    TACT_NONE,
    TACT_TERM,   /* term_signal to the group, arm the grace timer */
    TACT_KILL,   /* SIGKILL to the group, arm the detach timer */
    TACT_DETACH, /* close output pipes still open */
};

struct proc_ttrans {
    unsigned char next, act;
};

/* Termination table: state x event -> next state, action. */
/* clang-format off */
#define T(state, act) {TERM_##state, TACT_##act}
static const struct proc_ttrans proc_term_table[TERM_COUNT][TEV_COUNT] = {
    /*                 TIMEOUT            CANCEL             GRACE               LIMIT */
    [TERM_NONE]     = {T(SENT,TERM),     T(SENT,TERM),     T(NONE,NONE),       T(KILLED,KILL)},
    [TERM_SENT]     = {T(SENT,NONE),     T(SENT,NONE),     T(KILLED,KILL),     T(KILLED,KILL)},
    [TERM_KILLED]   = {T(KILLED,NONE),   T(KILLED,NONE),   T(DETACHED,DETACH), T(KILLED,NONE)},
    [TERM_DETACHED] = {T(DETACHED,NONE), T(DETACHED,NONE), T(DETACHED,NONE),   T(DETACHED,NONE)},
};
#undef T
/* clang-format on */

struct proc_state;

/* One output pipe (stdout or stderr) in LINES or CAPTURE mode. */
struct proc_stream {
    struct berth_proc *p;
    enum berth_stream id;
    enum berth_out_mode mode;
    int fd; /* our read end; -1 once closed */
    struct event *ev;
    struct linebuf lb;
    char *cap; /* CAPTURE: the bytes kept, NUL-terminated */
    size_t cap_len, cap_size;
    bool over; /* CAPTURE: the limit was exceeded; the rest is dropped */
    bool parked;                     /* on st's parked or draining list, EV_READ off */
    struct proc_stream *parked_next;
};

struct berth_proc {
    struct proc_state *st;
    struct berth_proc *prev, *next; /* st's list of live procs */
    struct berth_proc *qnext;       /* st's sweep queue */
    bool queued;

    char *name; /* argv[0], for messages */
    pid_t pid;
    enum proc_life life;
    enum proc_term term;

    /* exit watch */
    int pidfd;      /* open until reaped; -1 otherwise */
    bool via_pidfd; /* false: SIGCHLD fallback */
    struct event *ev_exit;
    bool reaped;
    bool status_lost; /* someone else reaped it */
    int status;

    struct proc_stream out, err;
    int open_streams;

    /* stdin (BERTH_IN_PIPE) */
    int in_fd; /* -1 when closed or not a pipe */
    struct event *ev_in;
    struct evbuffer *in_buf;
    bool in_closing;

    struct event *ev_timer; /* timeout, then grace, then detach */
    uint64_t timeout_ms, grace_ms;
    int term_signal;
    size_t capture_limit;
    bool keep_session;
    bool timed_out, cancelled;

    struct berth_error *error;
    berth_proc_line_fn on_line;
    berth_proc_done_fn on_done;
    void *user;
};

/* Per-engine state (slot ENGINE_SLOT_PROC). */
struct proc_state {
    struct berth_engine *eng;
    struct event_base *base;
    struct berth_proc *head, *tail;
    size_t count;
    struct berth_proc *qhead, *qtail;
    struct event *ev_sweep;
    bool use_pidfd;
    char *readbuf;
    struct event *ev_drain;                 /* the drain tick, pending while any stream is parked */
    struct proc_stream *parked, *draining; /* streams read on the tick; the tick's own list */
    /* SIGCHLD fallback */
    struct event *ev_sigchld; /* added while nfallback > 0 */
    struct event *ev_poke;    /* activated by another engine's SIGCHLD */
    size_t nfallback;
    struct proc_state *sig_next;
    bool use_vfork;
};

/*
 * The one static of this module: the engines currently watching SIGCHLD.
 * libevent delivers a signal to only one event_base per process (the one
 * that last added a signal event or entered its loop), so the engine that
 * receives SIGCHLD pokes the others to check their own children. Touched only
 * from the thread running the loops (berth is single-threaded).
 */
static struct proc_state *proc_sigchld_states;

/* Steps of the child between fork and exec, for error reports. */
enum proc_stage {
    STAGE_SETSID = 1,
    STAGE_CHDIR,
    STAGE_DEVNULL,
    STAGE_FDS,
    STAGE_EXEC,
};

/* What a failing child writes to the report pipe. */
struct proc_report {
    int stage;
    int err;
};

/* Source for one of the child's fds 0-2. */
#define CHILD_FD_INHERIT (-1)
#define CHILD_FD_DEVNULL (-2)

/* Everything the child needs, prepared by the parent. */
struct proc_plan {
    char *const *argv;
    char *const *envp;
    char **cands; /* paths to try, in order */
    size_t ncands;
    const char *cwd;
    int src[3];
    int report_fd;
    bool new_session;
    int close_bound;
};

static void proc_life_event(struct berth_proc *p, enum proc_lev ev);
static void proc_term_event(struct berth_proc *p, enum proc_tev ev);
static void proc_stream_close(struct proc_stream *s, bool deliver_tail);

/* ---- per-engine state ---- */

/* Frees the state at berth_engine_free(): kills and reaps every child left. */
static void proc_state_free(void *data);

/* Runs on_done for ready procs and frees finished ones. */
static void proc_sweep_cb(evutil_socket_t fd, short what, void *arg);
/* SIGCHLD: checks this engine's fallback children, pokes the other engines. */
static void proc_sigchld_cb(evutil_socket_t fd, short what, void *arg);
/* Another engine saw SIGCHLD: check ours. */
static void proc_poke_cb(evutil_socket_t fd, short what, void *arg);
/* The drain tick: reads the parked streams. */
static void proc_drain_cb(evutil_socket_t fd, short what, void *arg);

/* True when the environment variable is set to something other than "" or "0". */
static bool proc_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* The engine's proc state, created on first use. */
static struct proc_state *proc_state_get(struct berth_engine *eng)
{
    struct proc_state *st = engine_slot(eng, ENGINE_SLOT_PROC);
    if (st != NULL)
        return st;
    st = xcalloc(1, sizeof(*st));
    st->eng = eng;
    st->base = berth_engine_base(eng);
    st->use_pidfd = !proc_env_flag("BERTH_NO_PIDFD");
    st->use_vfork = PROC_HAVE_VFORK && !proc_env_flag("BERTH_SPAWN_FORK");
    st->ev_sweep = event_new(st->base, -1, 0, proc_sweep_cb, st);
    st->ev_sigchld = evsignal_new(st->base, SIGCHLD, proc_sigchld_cb, st);
    st->ev_poke = event_new(st->base, -1, 0, proc_poke_cb, st);
    st->ev_drain = evtimer_new(st->base, proc_drain_cb, st);
    if (st->ev_sweep == NULL || st->ev_sigchld == NULL || st->ev_poke == NULL ||
        st->ev_drain == NULL)
        abort(); /* event_new fails only on OOM */
    engine_set_slot(eng, ENGINE_SLOT_PROC, st, proc_state_free);
    return st;
}

/*
 * Starts watching SIGCHLD for one more fallback child. When the watch starts
 * here, the child may already have exited (its SIGCHLD then went to the
 * default disposition): a poke makes the loop check once.
 */
static void proc_fallback_hold(struct proc_state *st)
{
    if (st->nfallback++ == 0) {
        event_add(st->ev_sigchld, NULL);
        st->sig_next = proc_sigchld_states;
        proc_sigchld_states = st;
        event_active(st->ev_poke, EV_TIMEOUT, 1);
    }
}

/* One fallback child fewer; stops watching SIGCHLD (restoring the host's handler) at zero. */
static void proc_fallback_release(struct proc_state *st)
{
    if (--st->nfallback > 0)
        return;
    event_del(st->ev_sigchld);
    for (struct proc_state **pp = &proc_sigchld_states; *pp != NULL; pp = &(*pp)->sig_next) {
        if (*pp == st) {
            *pp = st->sig_next;
            break;
        }
    }
    st->sig_next = NULL;
}

/* Hands p to the sweep event. */
static void proc_enqueue(struct berth_proc *p)
{
    struct proc_state *st = p->st;
    if (p->queued)
        return;
    p->queued = true;
    p->qnext = NULL;
    if (st->qtail != NULL)
        st->qtail->qnext = p;
    else
        st->qhead = p;
    st->qtail = p;
    event_active(st->ev_sweep, EV_TIMEOUT, 1);
}

/* ---- signalling ---- */

/* Sends sig to the child's group (or the child alone with keep_session). */
static int proc_kill(struct berth_proc *p, int sig)
{
    /*
     * A reaped pid may be reused; a group id is not while the group has
     * members. Once reaped with all output closed the group is presumably
     * empty, and signalling its id could hit an unrelated process group.
     */
    if (p->reaped && (p->keep_session || p->open_streams == 0)) {
        errno = ESRCH;
        return -1;
    }
    return kill(p->keep_session ? p->pid : -p->pid, sig);
}

/* ---- exit watch ---- */

/* Records the exit status (or its loss) and feeds LEV_EXIT. */
static void proc_set_reaped(struct berth_proc *p, int status, bool lost)
{
    p->reaped = true;
    p->status = status;
    p->status_lost = lost;
    if (p->ev_exit != NULL) {
        event_free(p->ev_exit);
        p->ev_exit = NULL;
    }
    if (p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
    if (!p->via_pidfd)
        proc_fallback_release(p->st);
}

/* Collects p's status without blocking. Returns true once p is reaped. */
static bool proc_try_reap(struct berth_proc *p)
{
    int status = 0;
    pid_t r;
    do
        r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    if (r < 0) {
        /* ECHILD: reaped behind our back (waitpid(-1) in the host, or SIGCHLD ignored) */
        int e = errno;
        if (p->error == NULL)
            berth_error_set(&p->error, BERTH_E_SYSTEM, e, "lost the exit status of '%s' (pid %ld)",
                            p->name, (long)p->pid);
        berth_engine_log(p->st->eng, BERTH_LOG_WARN, "proc", "%s", berth_error_message(p->error));
        proc_set_reaped(p, 0, true);
    } else {
        proc_set_reaped(p, status, false);
    }
    proc_life_event(p, LEV_EXIT);
    return true;
}

/* The pidfd became readable: the child exited. */
static void proc_pidfd_cb(evutil_socket_t fd, short what, void *arg)
{
    proc_try_reap(arg);
}

/* Checks every fallback child of st. Only state changes here: callbacks run in the sweep. */
static void proc_reap_fallback(struct proc_state *st)
{
    for (struct berth_proc *p = st->head; p != NULL; p = p->next) {
        if (!p->reaped && p->pidfd < 0)
            proc_try_reap(p);
    }
}

/* SIGCHLD arrived on this base: poke every watching engine, ours included. */
static void proc_sigchld_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)arg;
    /*
     * Reap from the poke events, never from the signal closure: a completion
     * callback may break the loop or free the engine, and libevent's signal
     * closure keeps a pointer to its stack in the event while it runs.
     */
    for (struct proc_state *o = proc_sigchld_states; o != NULL; o = o->sig_next)
        event_active(o->ev_poke, EV_TIMEOUT, 1);
}

/* Poked (another engine got SIGCHLD, or the watch just started): check ours. */
static void proc_poke_cb(evutil_socket_t fd, short what, void *arg)
{
    proc_reap_fallback(arg);
}

/* Starts watching p's exit: pidfd if possible, else SIGCHLD. */
static void proc_watch_exit(struct berth_proc *p)
{
    struct proc_state *st = p->st;
    p->pidfd = st->use_pidfd ? pidfd_of(p->pid) : -1;
    if (p->pidfd >= 0) {
        p->via_pidfd = true;
        p->ev_exit = event_new(st->base, p->pidfd, EV_READ | EV_PERSIST, proc_pidfd_cb, p);
        if (p->ev_exit == NULL)
            abort();
        event_add(p->ev_exit, NULL);
        return;
    }
    proc_fallback_hold(st);
}

/* ---- timers ---- */

/* The timer: the timeout first, then the grace and detach steps. */
static void proc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct berth_proc *p = arg;
    if (p->term == TERM_NONE) {
        p->timed_out = true;
        proc_term_event(p, TEV_TIMEOUT);
    } else {
        proc_term_event(p, TEV_GRACE);
    }
}

/* Arms the timer for ms milliseconds. */
static void proc_timer_arm(struct berth_proc *p, uint64_t ms)
{
    if (p->ev_timer == NULL) {
        p->ev_timer = evtimer_new(p->st->base, proc_timer_cb, p);
        if (p->ev_timer == NULL)
            abort();
    }
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    evtimer_add(p->ev_timer, &tv);
}

/* Disarms and frees the timer. */
static void proc_timer_free(struct berth_proc *p)
{
    if (p->ev_timer != NULL) {
        event_free(p->ev_timer);
        p->ev_timer = NULL;
    }
}

/* ---- stdin ---- */

/* Closes our end of the child's stdin, dropping unsent bytes. */
static void proc_stdin_close_now(struct berth_proc *p)
{
    if (p->in_fd < 0)
        return;
    event_free(p->ev_in);
    p->ev_in = NULL;
    evbuffer_free(p->in_buf);
    p->in_buf = NULL;
    close(p->in_fd);
    p->in_fd = -1;
    p->in_closing = false;
}

/*
 * Writes queued bytes with SIGPIPE blocked, so a child that closed its stdin
 * yields EPIPE instead of killing the host; a SIGPIPE raised by our write is
 * consumed before the mask is restored. (sigprocmask: berth runs on one thread.)
 */
static int proc_stdin_write(struct berth_proc *p)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    sigprocmask(SIG_BLOCK, &pipe_set, &old);
    int n = evbuffer_write(p->in_buf, p->in_fd);
    int e = errno;
    if (n < 0 && e == EPIPE && !was_pending) {
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) == 1) {
            int sig;
            sigwait(&pipe_set, &sig);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return n;
}

/* Stdin is writable: sends what is queued, closes after the last byte if asked. */
static void proc_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
    struct berth_proc *p = arg;
    if (proc_stdin_write(p) < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        if (errno != EPIPE && p->error == NULL) /* EPIPE: the child stopped reading, its call */
            berth_error_set(&p->error, BERTH_E_SYSTEM, errno, "cannot write to the stdin of '%s'",
                            p->name);
        proc_stdin_close_now(p);
        return;
    }
    if (evbuffer_get_length(p->in_buf) == 0) {
        if (p->in_closing)
            proc_stdin_close_now(p);
        else
            event_del(p->ev_in);
    }
}

/* ---- output ---- */

/* Passes one line (or piece) to on_line; false stops delivery once abandoned. */
static bool proc_stream_emit(void *ctx, const char *line, size_t len, bool complete)
{
    struct proc_stream *s = ctx;
    struct berth_proc *p = s->p;
    if (p->life >= LIFE_DONE)
        return false;
    p->on_line(p, s->id, line, len, complete, p->user);
    return p->life < LIFE_DONE;
}

/* Keeps up to capture_limit bytes; past it, the error and SIGKILL. */
static void proc_stream_capture(struct proc_stream *s, const char *data, size_t n)
{
    struct berth_proc *p = s->p;
    if (s->over)
        return;
    size_t room = p->capture_limit - s->cap_len;
    size_t take = n < room ? n : room;
    if (s->cap_len + take + 1 > s->cap_size) {
        size_t size = s->cap_size ? s->cap_size : 4096;
        while (size < s->cap_len + take + 1)
            size *= 2;
        if (size > p->capture_limit + 1)
            size = p->capture_limit + 1;
        s->cap = xrealloc(s->cap, size);
        s->cap_size = size;
    }
    memcpy(s->cap + s->cap_len, data, take);
    s->cap_len += take;
    s->cap[s->cap_len] = '\0';
    if (take < n) {
        s->over = true;
        if (p->error == NULL) {
            berth_error_set(&p->error, BERTH_E_TOO_LARGE, 0,
                            "%s of '%s' exceeded the capture limit of %zu bytes; the child was "
                            "killed",
                            s->id == BERTH_STDOUT ? "stdout" : "stderr", p->name, p->capture_limit);
            berth_error_set_hint(p->error, "raise capture_limit, or read the output line by line");
        }
        proc_term_event(p, TEV_LIMIT);
    }
}

/* Parks s until the next drain tick (see PROC_DRAIN_MS). */
static void proc_stream_park(struct proc_stream *s)
{
    struct proc_state *st = s->p->st;
    event_del(s->ev);
    s->parked = true;
    s->parked_next = st->parked;
    st->parked = s;
    if (!evtimer_pending(st->ev_drain, NULL)) {
        struct timeval tv = {0, PROC_DRAIN_MS * 1000};
        evtimer_add(st->ev_drain, &tv);
    }
}

/* Takes s off the parked or the draining list. */
static void proc_stream_unpark(struct proc_stream *s)
{
    struct proc_state *st = s->p->st;
    if (!s->parked)
        return;
    s->parked = false;
    struct proc_stream **lists[] = {&st->parked, &st->draining};
    for (size_t i = 0; i < 2; i++)
        for (struct proc_stream **pp = lists[i]; *pp != NULL; pp = &(*pp)->parked_next)
            if (*pp == s) {
                *pp = s->parked_next;
                return;
            }
}

/* One read, delivered; EOF closes the stream. drained: from the drain tick, EV_READ off. */
static void proc_stream_read(struct proc_stream *s, bool drained)
{
    struct berth_proc *p = s->p;
    struct proc_state *st = p->st;
    if (st->readbuf == NULL)
        st->readbuf = xmalloc(PROC_READ_CHUNK);
    ssize_t n = read(s->fd, st->readbuf, PROC_READ_CHUNK);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (drained)
                event_add(s->ev, NULL); /* quiet again: back to EV_READ */
            return;
        }
        berth_error_set(&p->error, BERTH_E_SYSTEM, errno, "cannot read the %s of '%s'",
                        s->id == BERTH_STDOUT ? "stdout" : "stderr", p->name);
        proc_stream_close(s, true);
        return;
    }
    if (n == 0) {
        proc_stream_close(s, true);
        return;
    }
    /* a full chunk means more is waiting: keep reading at once */
    if (s->mode == BERTH_OUT_LINES && n < PROC_READ_CHUNK && p->life < LIFE_DONE)
        proc_stream_park(s);
    else if (drained)
        event_add(s->ev, NULL);
    if (p->life >= LIFE_DONE)
        return; /* abandoned: drained until the sweep closes the pipe */
    if (s->mode == BERTH_OUT_CAPTURE)
        proc_stream_capture(s, st->readbuf, (size_t)n);
    else
        linebuf_feed(&s->lb, st->readbuf, (size_t)n, proc_stream_emit, s);
}

/* EV_READ on an output pipe. */
static void proc_stream_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    proc_stream_read(arg, false);
}

/* The drain tick: one read of each parked stream. */
static void proc_drain_cb(evutil_socket_t fd, short what, void *arg)
{
    struct proc_state *st = arg;
    (void)fd;
    (void)what;
    /* on_line may close or park streams: each is taken off the list before it is read */
    st->draining = st->parked;
    st->parked = NULL;
    while (st->draining != NULL) {
        struct proc_stream *s = st->draining;
        st->draining = s->parked_next;
        s->parked = false;
        proc_stream_read(s, true);
    }
}

/* Opens the stream on our read end of its pipe. */
static void proc_stream_open(struct berth_proc *p, struct proc_stream *s, enum berth_stream id,
                             enum berth_out_mode mode, int fd)
{
    s->p = p;
    s->id = id;
    s->mode = mode;
    s->fd = fd;
    linebuf_init(&s->lb, BERTH_LINE_MAX);
    if (fd < 0)
        return;
    s->ev = event_new(p->st->base, fd, EV_READ | EV_PERSIST, proc_stream_cb, s);
    if (s->ev == NULL)
        abort();
    event_add(s->ev, NULL);
    p->open_streams++;
}

/*
 * Closes the stream; with deliver_tail, the unfinished last line goes to
 * on_line first. The last stream closed feeds LEV_EOF.
 */
static void proc_stream_close(struct proc_stream *s, bool deliver_tail)
{
    struct berth_proc *p = s->p;
    if (s->fd < 0)
        return;
    proc_stream_unpark(s);
    event_free(s->ev);
    s->ev = NULL;
    close(s->fd);
    s->fd = -1;
    if (deliver_tail && s->mode == BERTH_OUT_LINES && p->life < LIFE_DONE)
        linebuf_finish(&s->lb, proc_stream_emit, s);
    linebuf_free(&s->lb);
    if (--p->open_streams == 0)
        proc_life_event(p, LEV_EOF);
}

/* ---- state machines ---- */

/* Frees p's pipes, timer and events (not the exit watch). No callbacks. */
static void proc_teardown(struct berth_proc *p)
{
    proc_timer_free(p);
    proc_stdin_close_now(p);
    /* LIFE_ABANDONED/GONE: proc_stream_close delivers nothing and its LEV_EOF is ignored */
    proc_stream_close(&p->out, false);
    proc_stream_close(&p->err, false);
}

/* Unlinks and frees p. */
static void proc_free(struct berth_proc *p)
{
    struct proc_state *st = p->st;
    proc_teardown(p);
    if (p->ev_exit != NULL)
        event_free(p->ev_exit);
    if (p->pidfd >= 0)
        close(p->pidfd);
    if (!p->via_pidfd && !p->reaped)
        proc_fallback_release(st);
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        st->head = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else
        st->tail = p->prev;
    st->count--;
    free(p->out.cap);
    free(p->err.cap);
    berth_error_free(p->error);
    free(p->name);
    free(p);
}

/* Runs on_done with the result, then frees p. */
static void proc_complete(struct berth_proc *p)
{
    proc_timer_free(p);
    proc_stdin_close_now(p);
    struct berth_proc_result res = {
        .pid = p->pid,
        .timed_out = p->timed_out,
        .cancelled = p->cancelled,
        .error = p->error,
    };
    if (!p->status_lost) {
        if (WIFEXITED(p->status)) {
            res.exited = true;
            res.exit_code = WEXITSTATUS(p->status);
        } else if (WIFSIGNALED(p->status)) {
            res.signal = WTERMSIG(p->status);
            res.exit_code = 128 + res.signal;
        }
    }
    if (p->out.mode == BERTH_OUT_CAPTURE) {
        res.out = p->out.cap ? p->out.cap : "";
        res.out_len = p->out.cap_len;
    }
    if (p->err.mode == BERTH_OUT_CAPTURE) {
        res.err = p->err.cap ? p->err.cap : "";
        res.err_len = p->err.cap_len;
    }
    if (p->on_done != NULL)
        p->on_done(p, &res, p->user);
    proc_free(p);
}

/* Feeds a lifecycle event through the table. */
static void proc_life_event(struct berth_proc *p, enum proc_lev ev)
{
    const struct proc_ltrans *t = &proc_life_table[p->life][ev];
    p->life = (enum proc_life)t->next;
    if (p->life == LIFE_READY || p->life >= LIFE_ABANDONED)
        proc_timer_free(p); /* nothing left to time out */
    switch ((enum proc_lact)t->act) {
    case LACT_NONE:
        break;
    case LACT_KILL_QUEUE:
        proc_kill(p, SIGKILL);
        proc_enqueue(p);
        break;
    case LACT_QUEUE:
        proc_enqueue(p);
        break;
    case LACT_CLOSE:
        proc_teardown(p);
        break;
    case LACT_COMPLETE:
        proc_complete(p);
        break;
    case LACT_FREE:
        proc_free(p);
        break;
    }
}

/* Feeds a termination event through the table (only while the child is supervised). */
static void proc_term_event(struct berth_proc *p, enum proc_tev ev)
{
    if (p->life != LIFE_RUNNING && p->life != LIFE_EXITED && p->life != LIFE_DRAINED)
        return;
    const struct proc_ttrans *t = &proc_term_table[p->term][ev];
    p->term = (enum proc_term)t->next;
    switch ((enum proc_tact)t->act) {
    case TACT_NONE:
        break;
    case TACT_TERM:
        proc_kill(p, p->term_signal);
        proc_timer_arm(p, p->grace_ms);
        break;
    case TACT_KILL:
        proc_kill(p, SIGKILL);
        proc_timer_arm(p, p->grace_ms);
        break;
    case TACT_DETACH:
        /* killed a grace period ago, yet output is still open: held outside the group */
        if (p->open_streams > 0) {
            berth_error_set(&p->error, BERTH_E_TIMEOUT, 0,
                            "output of '%s' still open after SIGKILL: a process outside its "
                            "process group holds it; stopped reading",
                            p->name);
            proc_stream_close(&p->out, true);
            proc_stream_close(&p->err, true);
        }
        break;
    }
}

/* The sweep: completes and frees procs handed over by the events above. */
static void proc_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
    struct proc_state *st = arg;
    struct berth_proc *p;
    while ((p = st->qhead) != NULL) {
        st->qhead = p->qnext;
        if (st->qhead == NULL)
            st->qtail = NULL;
        p->queued = false;
        proc_life_event(p, LEV_SWEEP);
    }
}

/*
 * At engine free: SIGKILL to each remaining group, then a blocking
 * waitpid(pid) on that one child. SIGKILL cannot be caught, so the wait is
 * bounded; reaping later is impossible once the engine (and perhaps its
 * event_base) is gone, and leaving zombies would leak them into the host.
 */
static void proc_state_free(void *data)
{
    struct proc_state *st = data;
    while (st->head != NULL) {
        struct berth_proc *p = st->head;
        p->life = LIFE_GONE;   /* no callbacks from here on */
        proc_kill(p, SIGKILL); /* also when reaped: strays of its group may hold output */
        if (!p->reaped) {
            int status = 0;
            pid_t r;
            do
                r = waitpid(p->pid, &status, 0);
            while (r < 0 && errno == EINTR);
            proc_set_reaped(p, status, r < 0);
        }
        proc_free(p);
    }
    while (st->nfallback > 0)
        proc_fallback_release(st);
    event_free(st->ev_sweep);
    event_free(st->ev_sigchld);
    event_free(st->ev_poke);
    event_free(st->ev_drain);
    free(st->readbuf);
    free(st);
}

/* ---- spawning ---- */

/* Reports a failed step to the parent and exits; async-signal-safe. */
static _Noreturn void proc_child_fail(int fd, int stage, int err)
{
    struct proc_report r = {.stage = stage, .err = err};
    ssize_t n;
    do
        n = write(fd, &r, sizeof(r));
    while (n < 0 && errno == EINTR);
    _exit(127);
}

/* True for exec errors after which the next PATH entry is tried (as execvp). */
static bool proc_exec_try_next(int e)
{
    return e == ENOENT || e == ENOTDIR || e == ESTALE || e == ENODEV || e == ETIMEDOUT ||
           e == EACCES;
}

/*
 * The child between fork and exec: only async-signal-safe calls. Signals are
 * blocked on entry (the parent blocked them around fork), so no handler of
 * the host runs here.
 */
static _Noreturn void proc_child(const struct proc_plan *c)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL); /* EINVAL for libc-reserved signals: fine */
    }
    int rfd = c->report_fd;
    if (c->new_session && setsid() < 0)
        proc_child_fail(rfd, STAGE_SETSID, errno);
    if (c->cwd != NULL && chdir(c->cwd) != 0)
        proc_child_fail(rfd, STAGE_CHDIR, errno);

    int src[3];
    int null_fd = -1;
    for (int i = 0; i < 3; i++) {
        src[i] = c->src[i];
        if (src[i] == CHILD_FD_DEVNULL) {
            if (null_fd < 0) {
                null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null_fd < 0)
                    proc_child_fail(rfd, STAGE_DEVNULL, errno);
            }
            src[i] = null_fd;
        }
    }
    /* move sources out of 0-2 unless already in place, so no dup2 clobbers another */
    if (rfd < 3 && (rfd = fcntl(rfd, F_DUPFD_CLOEXEC, 3)) < 0)
        proc_child_fail(c->report_fd, STAGE_FDS, errno);
    for (int i = 0; i < 3; i++) {
        if (src[i] >= 0 && src[i] < 3 && src[i] != i &&
            (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
            proc_child_fail(rfd, STAGE_FDS, errno);
    }
    for (int i = 0; i < 3; i++) {
        if (src[i] < 0)
            continue;
        int r;
        if (src[i] == i)
            r = fcntl(i, F_SETFD, 0);
        else
            do
                r = dup2(src[i], i);
            while (r < 0 && (errno == EINTR || errno == EBUSY));
        if (r < 0)
            proc_child_fail(rfd, STAGE_FDS, errno);
    }
    /* the report pipe goes to fd 3 (close-on-exec), everything above is closed */
    if (rfd != 3) {
        if (dup2(rfd, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
            proc_child_fail(rfd, STAGE_FDS, errno);
        rfd = 3;
    }
    fds_close_from(4, c->close_bound);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int e = ENOENT;
    bool eacces = false;
    for (size_t i = 0; i < c->ncands; i++) {
        execve(c->cands[i], c->argv, c->envp);
        e = errno;
        if (e == EACCES)
            eacces = true;
        if (!proc_exec_try_next(e))
            break;
    }
    if (proc_exec_try_next(e) && eacces)
        e = EACCES;
    proc_child_fail(rfd, STAGE_EXEC, e);
}

#if defined(__GNUC__)
#define PROC_NOINLINE __attribute__((noinline))
#else
#define PROC_NOINLINE
#endif

/*
 * Forks (vfork when use_vfork) and runs the child. A frame of its own, so
 * that nothing of the caller's is live across vfork. Returns the pid, or -1
 * with errno, in the parent only.
 */
static PROC_NOINLINE pid_t proc_fork_exec(const struct proc_plan *plan, bool use_vfork)
{
    pid_t pid;
#if PROC_HAVE_VFORK
    if (use_vfork)
        pid = vfork();
    else
#endif
        pid = fork();
    if (pid == 0)
        proc_child(plan);
    return pid;
}

/* The PATH the child's argv[0] is searched in: the child's own if envp is given. */
static const char *proc_search_path(const char *const *envp)
{
    const char *path = NULL;
    if (envp == NULL) {
        path = getenv("PATH");
    } else {
        for (const char *const *e = envp; *e != NULL; e++) {
            if (strncmp(*e, "PATH=", 5) == 0) {
                path = *e + 5;
                break;
            }
        }
    }
    return path != NULL ? path : PROC_DEFAULT_PATH;
}

/* Builds the paths execve tries, as execvp would: argv0 itself if it has a '/'. */
static void proc_candidates(struct strv *out, const char *argv0, const char *path)
{
    if (strchr(argv0, '/') != NULL) {
        strv_push(out, argv0);
        return;
    }
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0)
            strv_pushf(out, "./%s", argv0); /* empty entry: current directory */
        else
            strv_pushf(out, "%.*s/%s", (int)n, p, argv0);
        if (end == NULL)
            break;
        p = end + 1;
    }
}

/* Turns a child's failure report into an error. */
static void proc_report_error(struct berth_error **err, const struct proc_report *r,
                              const char *argv0, const char *cwd, const char *path)
{
    int e = r->err;
    int code = (e == ENOENT || e == ENOTDIR) ? BERTH_E_NOT_FOUND : BERTH_E_SYSTEM;
    switch (r->stage) {
    case STAGE_SETSID:
        berth_error_set(err, BERTH_E_SYSTEM, e, "cannot run '%s': setsid failed", argv0);
        break;
    case STAGE_CHDIR:
        berth_error_set(err, code, e, "cannot run '%s' in directory '%s'", argv0, cwd);
        if (err != NULL)
            berth_error_set_hint(*err, "check the working directory exists and is accessible");
        break;
    case STAGE_DEVNULL:
        berth_error_set(err, BERTH_E_SYSTEM, e, "cannot run '%s': cannot open /dev/null", argv0);
        break;
    case STAGE_FDS:
        berth_error_set(err, BERTH_E_SYSTEM, e, "cannot run '%s': cannot set up its stdio", argv0);
        break;
    default:
        if (strchr(argv0, '/') == NULL && (e == ENOENT || e == ENOTDIR)) {
            berth_error_set(err, BERTH_E_NOT_FOUND, e, "cannot run '%s': not found in PATH (%s)",
                            argv0, path);
            if (err != NULL)
                berth_error_set_hint(*err, "install '%s' or give its full path", argv0);
        } else {
            berth_error_set(err, code, e, "cannot run '%s'", argv0);
            if (err != NULL && e == EACCES)
                berth_error_set_hint(*err, "check that '%s' is an executable file (chmod +x)",
                                     argv0);
            else if (err != NULL && e == ENOEXEC)
                berth_error_set_hint(*err, "a script needs a '#!' first line");
        }
        break;
    }
}

/* Checks the options; fills in defaults. */
static int proc_check_options(const struct berth_proc_options *o, struct berth_error **err)
{
    if (o == NULL || o->argv == NULL || o->argv[0] == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0, "spawn: argv is empty");
    if (o->argv[0][0] == '\0')
        return berth_error_set(err, BERTH_E_NOT_FOUND, ENOENT, "cannot run '': empty program name");
    if ((unsigned)o->in > BERTH_IN_INHERIT || (unsigned)o->out > BERTH_OUT_INHERIT ||
        (unsigned)o->err > BERTH_OUT_INHERIT)
        return berth_error_set(err, BERTH_E_INVALID, 0, "spawn '%s': bad stdin/stdout/stderr mode",
                               o->argv[0]);
    if ((o->out == BERTH_OUT_LINES || o->err == BERTH_OUT_LINES) && o->on_line == NULL)
        return berth_error_set(err, BERTH_E_INVALID, 0,
                               "spawn '%s': BERTH_OUT_LINES needs an on_line callback", o->argv[0]);
    if (o->term_signal < 0 || o->term_signal >= NSIG)
        return berth_error_set(err, BERTH_E_INVALID, 0, "spawn '%s': bad term_signal %d",
                               o->argv[0], o->term_signal);
    return 0;
}

/* True when mode reads the stream through a pipe. */
static bool proc_out_piped(enum berth_out_mode mode)
{
    return mode == BERTH_OUT_LINES || mode == BERTH_OUT_CAPTURE;
}

/* Closes every fd in fds[n] that is >= 0. */
static void proc_close_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

/* The one spawn path: plan, pipes, fork/vfork + exec, wait for the exec report, watch. */
struct berth_proc *berth_proc_spawn(struct berth_engine *eng, const struct berth_proc_options *o,
                                    struct berth_error **err)
{
    if (proc_check_options(o, err) < 0)
        return NULL;
    struct proc_state *st = proc_state_get(eng);
    const char *argv0 = o->argv[0];
    const char *path = proc_search_path(o->envp);

    /* pipes: [0] stdin, [1] stdout, [2] stderr, [3] report; each {read, write} */
    int fds[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
    bool want[4] = {o->in == BERTH_IN_PIPE, proc_out_piped(o->out), proc_out_piped(o->err), true};
    for (int i = 0; i < 4; i++) {
        if (want[i] && pipe_cloexec(fds[i]) != 0) {
            int e = errno;
            for (int j = 0; j < i; j++)
                proc_close_fds(fds[j], 2);
            berth_error_set(err, BERTH_E_SYSTEM, e, "cannot run '%s': cannot create a pipe", argv0);
            return NULL;
        }
    }

    struct strv cands;
    strv_init(&cands);
    proc_candidates(&cands, argv0, path);
    struct proc_plan plan = {
        .argv = (char *const *)o->argv,
        .envp = o->envp ? (char *const *)o->envp : environ,
        .cands = cands.v,
        .ncands = cands.n,
        .cwd = o->cwd,
        .report_fd = fds[3][1],
        .new_session = !o->keep_session,
        .close_bound = fds_close_needs_bound() ? fds_close_bound() : -1,
    };
    plan.src[0] = o->in == BERTH_IN_PIPE   ? fds[0][0]
                  : o->in == BERTH_IN_NULL ? CHILD_FD_DEVNULL
                                           : CHILD_FD_INHERIT;
    plan.src[1] = want[1]                       ? fds[1][1]
                  : o->out == BERTH_OUT_DISCARD ? CHILD_FD_DEVNULL
                                                : CHILD_FD_INHERIT;
    plan.src[2] = want[2]                       ? fds[2][1]
                  : o->err == BERTH_OUT_DISCARD ? CHILD_FD_DEVNULL
                                                : CHILD_FD_INHERIT;

    /* no handler of the host may run in the child before its dispositions are reset */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = proc_fork_exec(&plan, st->use_vfork);
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* the child's ends */
    int child_ends[4] = {fds[0][0], fds[1][1], fds[2][1], fds[3][1]};
    proc_close_fds(child_ends, 4);
    int ours[3] = {fds[0][1], fds[1][0], fds[2][0]};
    int report_fd = fds[3][0];
    strv_free(&cands);

    if (pid < 0) {
        close(report_fd);
        proc_close_fds(ours, 3);
        berth_error_set(err, BERTH_E_SYSTEM, fork_errno, "cannot run '%s': fork failed", argv0);
        return NULL;
    }

    struct proc_report rep;
    ssize_t n;
    do
        n = read(report_fd, &rep, sizeof(rep));
    while (n < 0 && errno == EINTR);
    int read_errno = errno;
    close(report_fd);
    if (n != 0) {
        /* exec failed (or the report is unreadable: then make sure the child is gone) */
        if (n != (ssize_t)sizeof(rep)) {
            kill(pid, SIGKILL);
            rep.stage = STAGE_FDS;
            rep.err = n < 0 ? read_errno : EIO;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        proc_close_fds(ours, 3);
        proc_report_error(err, &rep, argv0, o->cwd, path);
        return NULL;
    }

    struct berth_proc *p = xcalloc(1, sizeof(*p));
    p->st = st;
    p->name = xstrdup(argv0);
    p->pid = pid;
    p->life = LIFE_RUNNING;
    p->term = TERM_NONE;
    p->pidfd = -1;
    p->in_fd = -1;
    p->timeout_ms = o->timeout_ms;
    p->grace_ms = o->kill_grace_ms ? o->kill_grace_ms : PROC_GRACE_DEFAULT_MS;
    p->term_signal = o->term_signal ? o->term_signal : SIGTERM;
    p->capture_limit = o->capture_limit ? o->capture_limit : BERTH_CAPTURE_DEFAULT;
    if (p->capture_limit > SIZE_MAX / 4)
        p->capture_limit = SIZE_MAX / 4; /* no overflow in the buffer arithmetic */
    p->keep_session = o->keep_session;
    p->on_line = o->on_line;
    p->on_done = o->on_done;
    p->user = o->user;
    p->prev = st->tail;
    if (st->tail != NULL)
        st->tail->next = p;
    else
        st->head = p;
    st->tail = p;
    st->count++;

    if (ours[0] >= 0) {
        p->in_fd = ours[0];
        pipe_set_nonblock(p->in_fd);
        p->in_buf = evbuffer_new();
        p->ev_in = event_new(st->base, p->in_fd, EV_WRITE | EV_PERSIST, proc_stdin_cb, p);
        if (p->in_buf == NULL || p->ev_in == NULL)
            abort();
    }
    for (int i = 1; i <= 2; i++) {
        if (ours[i] >= 0)
            pipe_set_nonblock(ours[i]);
    }
    proc_stream_open(p, &p->out, BERTH_STDOUT, o->out, ours[1]);
    proc_stream_open(p, &p->err, BERTH_STDERR, o->err, ours[2]);
    proc_watch_exit(p);
    if (p->timeout_ms > 0)
        proc_timer_arm(p, p->timeout_ms);
    if (p->open_streams == 0)
        proc_life_event(p, LEV_EOF);
    return p;
}

/* The child's pid. */
pid_t berth_proc_pid(const struct berth_proc *p)
{
    return p->pid;
}

/* Signals the group; ESRCH (gone) is BERTH_E_STATE. */
int berth_proc_signal(struct berth_proc *p, int sig, struct berth_error **err)
{
    if (proc_kill(p, sig) != 0)
        return berth_error_set(err, errno == ESRCH ? BERTH_E_STATE : BERTH_E_SYSTEM, errno,
                               "cannot signal '%s' (pid %ld)", p->name, (long)p->pid);
    return 0;
}

/* Feeds TEV_CANCEL while the child is still supervised. */
void berth_proc_cancel(struct berth_proc *p)
{
    if (p->life != LIFE_RUNNING && p->life != LIFE_EXITED && p->life != LIFE_DRAINED)
        return;
    p->cancelled = true;
    proc_term_event(p, TEV_CANCEL);
}

/* Feeds LEV_ABANDON: SIGKILL now, teardown and reaping later on the loop. */
void berth_proc_abandon(struct berth_proc *p)
{
    proc_life_event(p, LEV_ABANDON);
}

/* Queues bytes; the EV_WRITE event sends them. */
int berth_proc_write(struct berth_proc *p, const void *data, size_t len, struct berth_error **err)
{
    if (p->in_fd < 0 || p->in_closing)
        return berth_error_set(err, BERTH_E_STATE, 0, "the stdin of '%s' is closed", p->name);
    if (len == 0)
        return 0;
    evbuffer_add(p->in_buf, data, len);
    event_add(p->ev_in, NULL);
    return 0;
}

/* Closes stdin now, or after the queue drains. */
void berth_proc_close_stdin(struct berth_proc *p)
{
    if (p->in_fd < 0)
        return;
    if (evbuffer_get_length(p->in_buf) == 0)
        proc_stdin_close_now(p);
    else
        p->in_closing = true;
}

/* The user pointer of the options. */
void *berth_proc_user(const struct berth_proc *p)
{
    return p->user;
}

/* Live procs of the engine, abandoned ones included. */
size_t berth_proc_count(const struct berth_engine *eng)
{
    const struct proc_state *st = engine_slot(eng, ENGINE_SLOT_PROC);
    return st != NULL ? st->count : 0;
}

/* Whether p's exit is watched through a pidfd. */
bool proc_uses_pidfd(const struct berth_proc *p)
{
    return p->via_pidfd;
}

/* Whether eng spawns with vfork. */
bool proc_uses_vfork(const struct berth_engine *eng)
{
    const struct proc_state *st = engine_slot(eng, ENGINE_SLOT_PROC);
    return st != NULL && st->use_vfork;
}
