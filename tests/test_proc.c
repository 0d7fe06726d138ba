/*
 * Tests of core/proc.c. Every test runs twice: with pidfd exit detection and
 * with the SIGCHLD fallback (BERTH_NO_PIDFD=1), each on a fresh engine; the
 * tests about the child's setup run a third time with fork() instead of
 * vfork() (BERTH_SPAWN_FORK=1), the path other platforms take.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <event2/event.h>

#include <berth/berth.h>
#include "core/fds.h"
#include "core/pidfd.h"
#include "core/proc-internal.h"
#include "tests/helper_gen.h"

/* How a test's engine watches exits and forks. */
struct mode {
    bool pidfd;
    bool vfork;
};
static const struct mode mode_pidfd = {true, true};
static const struct mode mode_sigchld = {false, true};
static const struct mode mode_fork = {true, false};

static bool have_pidfd;           /* false under valgrind < 3.20, old kernels, macOS */
static char helper[PATH_MAX];     /* tests/helper_child */
static char helper_dir[PATH_MAX]; /* its directory */
static char self[PATH_MAX];       /* this program */

/* ---- fixtures ---- */

/* Sets the environment switches the next engine reads for the test's mode. */
static void set_mode(void **state)
{
    const struct mode *m = *state;
    if (m->pidfd)
        unsetenv("BERTH_NO_PIDFD");
    else
        setenv("BERTH_NO_PIDFD", "1", 1);
    if (m->vfork)
        unsetenv("BERTH_SPAWN_FORK");
    else
        setenv("BERTH_SPAWN_FORK", "1", 1);
}

/* A fresh engine on its own base, in the mode the test runs in. */
static struct berth_engine *engine_for(void **state)
{
    set_mode(state);
    struct berth_error *err = NULL;
    struct berth_engine *eng = berth_engine_new(NULL, &err);
    assert_non_null(eng);
    assert_null(err);
    return eng;
}

/* One line (or piece) received. */
struct line {
    enum berth_stream stream;
    char *data;
    size_t len;
    bool complete;
};

/* What a child did, as seen through its callbacks. */
struct run {
    int done;
    pid_t pid;
    bool exited, timed_out, cancelled;
    int exit_code, signal;
    int error_code;
    char *error_msg;
    char *out, *err;
    size_t out_len, err_len;
    bool out_null, err_null;
    struct line *lines;
    size_t nlines, cap;
};

/* Frees what a run collected. */
static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->nlines; i++)
        free(r->lines[i].data);
    free(r->lines);
    free(r->out);
    free(r->err);
    free(r->error_msg);
    memset(r, 0, sizeof(*r));
}

/* on_line: keeps a copy of every piece. */
static void record_line(struct berth_proc *p, enum berth_stream stream, const char *line,
                        size_t len, bool complete, void *user)
{
    struct run *r = user;
    if (r->nlines == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->lines = realloc(r->lines, r->cap * sizeof(*r->lines));
        assert_non_null(r->lines);
    }
    struct line *l = &r->lines[r->nlines++];
    l->stream = stream;
    l->data = malloc(len + 1);
    assert_non_null(l->data);
    memcpy(l->data, line, len);
    l->data[len] = '\0';
    l->len = len;
    l->complete = complete;
}

/* Copies n bytes (or NULL). */
static char *dup_bytes(const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* on_done: keeps a copy of the result. */
static void record_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct run *r = user;
    r->done++;
    r->pid = res->pid;
    r->exited = res->exited;
    r->exit_code = res->exit_code;
    r->signal = res->signal;
    r->timed_out = res->timed_out;
    r->cancelled = res->cancelled;
    r->error_code = res->error ? berth_error_code(res->error) : 0;
    r->error_msg = res->error ? strdup(berth_error_message(res->error)) : NULL;
    r->out_null = res->out == NULL;
    r->err_null = res->err == NULL;
    r->out = dup_bytes(res->out, res->out_len);
    r->err = dup_bytes(res->err, res->err_len);
    r->out_len = res->out_len;
    r->err_len = res->err_len;
    if (res->out != NULL)
        assert_int_equal(res->out[res->out_len], '\0');
    if (res->err != NULL)
        assert_int_equal(res->err[res->err_len], '\0');
    assert_int_equal(berth_proc_pid(p), res->pid);
    assert_ptr_equal(berth_proc_user(p), user);
}

/* Spawns and checks the exit watch matches the test's mode. */
static struct berth_proc *spawn_ok(void **state, struct berth_engine *eng,
                                   struct berth_proc_options *o)
{
    struct berth_error *err = NULL;
    struct berth_proc *p = berth_proc_spawn(eng, o, &err);
    if (p == NULL)
        fail_msg("spawn %s: %s", o->argv[0], berth_error_message(err));
    assert_null(err);
    const struct mode *m = *state;
    assert_int_equal(proc_uses_pidfd(p), have_pidfd && m->pidfd);
#ifdef __linux__
    assert_int_equal(proc_uses_vfork(eng), m->vfork);
#endif
    return p;
}

/* Options running the helper in mode m (with arg a) into r, lines on both streams. */
static struct berth_proc_options helper_opts(const char *const *argv, struct run *r)
{
    struct berth_proc_options o = {
        .argv = argv,
        .out = BERTH_OUT_LINES,
        .err = BERTH_OUT_LINES,
        .on_line = record_line,
        .on_done = record_done,
        .user = r,
    };
    return o;
}

/* Runs the engine's loop until nothing is left. */
static void run_loop(struct berth_engine *eng)
{
    assert_int_not_equal(berth_engine_run(eng), -1);
}

/* True if pid is no longer a process (not even a zombie) or cannot be seen. */
static bool pid_gone(pid_t pid)
{
    return kill(pid, 0) != 0 && errno == ESRCH;
}

/* ---- exit status ---- */

static void test_true_false(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r1 = {0}, r2 = {0};
    const char *const a1[] = {"true", NULL};
    const char *const a2[] = {"false", NULL};
    struct berth_proc_options o1 = {.argv = a1, .on_done = record_done, .user = &r1};
    struct berth_proc_options o2 = {.argv = a2, .on_done = record_done, .user = &r2};
    spawn_ok(state, eng, &o1);
    spawn_ok(state, eng, &o2);
    assert_int_equal(berth_proc_count(eng), 2);
    run_loop(eng);
    assert_int_equal(berth_proc_count(eng), 0);
    assert_int_equal(r1.done, 1);
    assert_true(r1.exited);
    assert_int_equal(r1.exit_code, 0);
    assert_int_equal(r1.signal, 0);
    assert_true(r1.out_null && r1.err_null); /* DISCARD: nothing captured */
    assert_int_equal(r2.done, 1);
    assert_true(r2.exited);
    assert_int_equal(r2.exit_code, 1);
    assert_null(r2.error_msg);
    run_free(&r1);
    run_free(&r2);
    berth_engine_free(eng);
}

static void test_exit_codes_and_signals(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r[3] = {{0}};
    char sig[16];
    snprintf(sig, sizeof(sig), "%d", SIGUSR1);
    const char *const a0[] = {helper, "exit", "42", NULL};
    const char *const a1[] = {helper, "exit", "255", NULL};
    const char *const a2[] = {helper, "signal", sig, NULL};
    const char *const *argvs[] = {a0, a1, a2};
    for (int i = 0; i < 3; i++) {
        struct berth_proc_options o = {.argv = argvs[i], .on_done = record_done, .user = &r[i]};
        spawn_ok(state, eng, &o);
    }
    run_loop(eng);
    assert_true(r[0].exited);
    assert_int_equal(r[0].exit_code, 42);
    assert_true(r[1].exited);
    assert_int_equal(r[1].exit_code, 255);
    assert_false(r[2].exited);
    assert_int_equal(r[2].signal, SIGUSR1);
    assert_int_equal(r[2].exit_code, 128 + SIGUSR1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r[i].done, 1);
        assert_false(r[i].timed_out || r[i].cancelled);
        run_free(&r[i]);
    }
    berth_engine_free(eng);
}

/* on_done for children that must never complete. */
static void done_never(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    fail_msg("on_done called for pid %ld", (long)res->pid);
}

/* on_line for children whose output must never be delivered. */
static void line_never(struct berth_proc *p, enum berth_stream stream, const char *line, size_t len,
                       bool complete, void *user)
{
    fail_msg("on_line called for pid %ld", (long)berth_proc_pid(p));
}

static void test_missing_binary(void **state)
{
    struct berth_engine *eng = engine_for(state);
    int before = fds_count();
    struct berth_error *err = NULL;
    const char *const a1[] = {"/nonexistent/berth-no-such", NULL};
    struct berth_proc_options o = {.argv = a1, .on_done = done_never};
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_NOT_FOUND);
    assert_int_equal(berth_error_errno(err), ENOENT);
    assert_non_null(strstr(berth_error_message(err), "/nonexistent/berth-no-such"));
    berth_error_clear(&err);

    /* PATH search */
    const char *const a2[] = {"berth-no-such-binary", "x", NULL};
    o.argv = a2;
    o.out = BERTH_OUT_CAPTURE;
    o.in = BERTH_IN_PIPE;
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_NOT_FOUND);
    assert_int_equal(berth_error_errno(err), ENOENT);
    assert_non_null(strstr(berth_error_message(err), "PATH"));
    assert_non_null(berth_error_hint(err));
    berth_error_clear(&err);

    /* an empty name */
    const char *const a3[] = {"", NULL};
    o.argv = a3;
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_NOT_FOUND);
    berth_error_clear(&err);

    assert_int_equal(berth_proc_count(eng), 0);
    run_loop(eng);
    assert_int_equal(fds_count(), before);
    /* the failed children were reaped at once */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    berth_engine_free(eng);
}

static void test_not_executable(void **state)
{
    struct berth_engine *eng = engine_for(state);
    char path[] = "/tmp/berth-test-noexec-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
    close(fd);
    assert_int_equal(chmod(path, 0644), 0);

    struct berth_error *err = NULL;
    const char *const a1[] = {path, NULL};
    struct berth_proc_options o = {.argv = a1, .on_done = done_never};
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_errno(err), EACCES);
    assert_int_equal(berth_error_code(err), BERTH_E_SYSTEM);
    assert_non_null(berth_error_hint(err));
    berth_error_clear(&err);

    /* a directory is not executable either */
    const char *const a2[] = {"/tmp", NULL};
    o.argv = a2;
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_errno(err), EACCES);
    berth_error_clear(&err);

    /* found in PATH but not executable: EACCES wins over ENOENT, as execvp */
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    char env_path[PATH_MAX + 32];
    snprintf(env_path, sizeof(env_path), "PATH=/nonexistent:%s", dir);
    const char *const envp[] = {env_path, NULL};
    const char *const a3[] = {slash + 1, NULL};
    o.argv = a3;
    o.envp = envp;
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_errno(err), EACCES);
    berth_error_clear(&err);

    unlink(path);
    assert_int_equal(berth_proc_count(eng), 0);
    berth_engine_free(eng);
}

static void test_bad_cwd(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct berth_error *err = NULL;
    const char *const a[] = {helper, "exit", "0", NULL};
    struct berth_proc_options o = {
        .argv = a, .cwd = "/nonexistent-berth-dir", .on_done = done_never};
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_NOT_FOUND);
    assert_int_equal(berth_error_errno(err), ENOENT);
    assert_non_null(strstr(berth_error_message(err), "/nonexistent-berth-dir"));
    berth_error_clear(&err);
    berth_engine_free(eng);
}

static void test_bad_options(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct berth_error *err = NULL;
    struct berth_proc_options o = {0};
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_clear(&err);
    assert_null(berth_proc_spawn(eng, NULL, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_clear(&err);
    const char *const a[] = {helper, NULL};
    o.argv = a;
    o.out = BERTH_OUT_LINES; /* without on_line */
    assert_null(berth_proc_spawn(eng, &o, &err));
    assert_int_equal(berth_error_code(err), BERTH_E_INVALID);
    berth_error_clear(&err);
    o.out = (enum berth_out_mode)42;
    assert_null(berth_proc_spawn(eng, &o, NULL)); /* err NULL is allowed */
    berth_engine_free(eng);
}

/* ---- output ---- */

/* Checks the 10 MiB stream line by line as it arrives. */
struct big {
    unsigned long next;
    size_t bytes;
    int bad;
    int incomplete;
};

static void big_line(struct berth_proc *p, enum berth_stream stream, const char *line, size_t len,
                     bool complete, void *user)
{
    struct big *b = user;
    char want[GEN_LINE_MAX];
    size_t n = gen_line(b->next++, want);
    if (stream != BERTH_STDOUT || n != len || memcmp(want, line, len) != 0)
        b->bad++;
    if (!complete)
        b->incomplete++;
    b->bytes += len + 1;
}

static void big_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct big *b = user;
    if (!res->exited || res->exit_code != 0 || res->error != NULL)
        b->bad += 1000000;
}

static void test_big_output(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct big b = {0};
    const char *const a[] = {helper, "gen", "10485760", NULL};
    struct berth_proc_options o = {
        .argv = a, .out = BERTH_OUT_LINES, .on_line = big_line, .on_done = big_done, .user = &b};
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(b.bad, 0);
    assert_int_equal(b.incomplete, 0);
    assert_true(b.bytes >= 10485760);
    assert_true(b.next > 50000);
    berth_engine_free(eng);
}

static void test_split_and_final_line(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const char *const a[] = {helper, "split", NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.nlines, 2);
    assert_string_equal(r.lines[0].data, "hello");
    assert_true(r.lines[0].complete);
    assert_string_equal(r.lines[1].data, "world"); /* no newline at the end */
    assert_true(r.lines[1].complete);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_long_line_pieces(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const unsigned long total = 3 * BERTH_LINE_MAX + 3392;
    char arg[32];
    snprintf(arg, sizeof(arg), "%lu", total);
    const char *const a[] = {helper, "longline", arg, NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(r.nlines, 5);
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        struct line *l = &r.lines[i];
        assert_int_equal(l->len, i < 3 ? BERTH_LINE_MAX : 3392);
        assert_int_equal(l->complete, i == 3);
        for (size_t j = 0; j < l->len; j++) {
            if (l->data[j] != (char)('a' + (off + j) % 26))
                fail_msg("piece %d byte %zu", i, j);
        }
        off += l->len;
    }
    assert_int_equal(off, total);
    assert_string_equal(r.lines[4].data, "tail");
    assert_true(r.lines[4].complete);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_line_of_exactly_max(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    char arg[32];
    snprintf(arg, sizeof(arg), "%d", BERTH_LINE_MAX);
    const char *const a[] = {helper, "longline", arg, NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(r.nlines, 2);
    assert_int_equal(r.lines[0].len, BERTH_LINE_MAX);
    assert_true(r.lines[0].complete);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_stdout_stderr_separate(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0}, c = {0};
    const char *const a[] = {helper, "both", NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    spawn_ok(state, eng, &o);
    struct berth_proc_options oc = {.argv = a,
                                    .out = BERTH_OUT_CAPTURE,
                                    .err = BERTH_OUT_CAPTURE,
                                    .on_done = record_done,
                                    .user = &c};
    spawn_ok(state, eng, &oc);
    run_loop(eng);
    int outs = 0, errs = 0;
    for (size_t i = 0; i < r.nlines; i++) {
        char want[16];
        if (r.lines[i].stream == BERTH_STDOUT) {
            snprintf(want, sizeof(want), "out%d", outs++);
        } else {
            assert_int_equal(r.lines[i].stream, BERTH_STDERR);
            snprintf(want, sizeof(want), "err%d", errs++);
        }
        assert_string_equal(r.lines[i].data, want);
    }
    assert_int_equal(outs, 3);
    assert_int_equal(errs, 3);
    assert_true(r.out_null && r.err_null);
    assert_string_equal(c.out, "out0\nout1\nout2\n");
    assert_string_equal(c.err, "err0\nerr1\nerr2\n");
    assert_int_equal(c.out_len, 15);
    run_free(&r);
    run_free(&c);
    berth_engine_free(eng);
}

static void test_capture(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0}, e = {0};
    const char *const a[] = {helper, "gen", "300000", NULL};
    struct berth_proc_options o = {.argv = a,
                                   .out = BERTH_OUT_CAPTURE,
                                   .err = BERTH_OUT_CAPTURE,
                                   .on_done = record_done,
                                   .user = &r};
    spawn_ok(state, eng, &o);
    /* empty output is "" not NULL */
    const char *const t[] = {helper, "exit", "0", NULL};
    struct berth_proc_options oe = {
        .argv = t, .out = BERTH_OUT_CAPTURE, .on_done = record_done, .user = &e};
    spawn_ok(state, eng, &oe);
    run_loop(eng);
    assert_null(r.error_msg);
    size_t off = 0;
    char want[GEN_LINE_MAX];
    for (unsigned long i = 0; off < 300000; i++) {
        size_t n = gen_line(i, want);
        assert_true(off + n + 1 <= r.out_len);
        assert_memory_equal(r.out + off, want, n);
        assert_int_equal(r.out[off + n], '\n');
        off += n + 1;
    }
    assert_int_equal(off, r.out_len);
    assert_int_equal(r.err_len, 0);
    assert_false(r.err_null);
    assert_false(e.out_null);
    assert_int_equal(e.out_len, 0);
    assert_true(e.err_null);
    run_free(&r);
    run_free(&e);
    berth_engine_free(eng);
}

static void test_capture_limit(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const char *const a[] = {helper, "flood", NULL};
    struct berth_proc_options o = {.argv = a,
                                   .out = BERTH_OUT_CAPTURE,
                                   .capture_limit = 4096,
                                   .on_done = record_done,
                                   .user = &r};
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.error_code, BERTH_E_TOO_LARGE);
    assert_non_null(strstr(r.error_msg, "4096"));
    assert_int_equal(r.signal, SIGKILL);
    assert_int_equal(r.out_len, 4096);
    run_free(&r);
    berth_engine_free(eng);
}

/* ---- stdin ---- */

static void test_stdin_roundtrip(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const char *const a[] = {helper, "cat", NULL};
    struct berth_proc_options o = {.argv = a,
                                   .in = BERTH_IN_PIPE,
                                   .out = BERTH_OUT_CAPTURE,
                                   .on_done = record_done,
                                   .user = &r};
    struct berth_proc *p = spawn_ok(state, eng, &o);
    size_t total = 1 << 20;
    char *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < total; i++)
        data[i] = (char)(i * 7 + i / 4096);
    struct berth_error *err = NULL;
    for (size_t off = 0; off < total; off += 100000) {
        size_t n = total - off < 100000 ? total - off : 100000;
        assert_int_equal(berth_proc_write(p, data + off, n, &err), 0);
    }
    berth_proc_close_stdin(p);
    assert_int_equal(berth_proc_write(p, "x", 1, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_STATE);
    berth_error_clear(&err);
    run_loop(eng);
    assert_int_equal(r.done, 1);
    assert_true(r.exited);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.out_len, total);
    assert_memory_equal(r.out, data, total);
    free(data);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_stdin_unread(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0}, n = {0};
    /* the child exits without reading: EPIPE, never SIGPIPE to us */
    const char *const a[] = {helper, "exit", "0", NULL};
    struct berth_proc_options o = {
        .argv = a, .in = BERTH_IN_PIPE, .on_done = record_done, .user = &r};
    struct berth_proc *p = spawn_ok(state, eng, &o);
    static char big[1 << 20];
    assert_int_equal(berth_proc_write(p, big, sizeof(big), NULL), 0);
    run_loop(eng);
    assert_int_equal(r.done, 1);
    assert_true(r.exited);
    assert_null(r.error_msg);

    /* stdin not a pipe: writes are refused */
    struct berth_proc_options on = {.argv = a, .on_done = record_done, .user = &n};
    struct berth_error *err = NULL;
    p = spawn_ok(state, eng, &on);
    assert_int_equal(berth_proc_write(p, "x", 1, &err), -1);
    assert_int_equal(berth_error_code(err), BERTH_E_STATE);
    berth_error_clear(&err);
    berth_proc_close_stdin(p); /* harmless */
    run_loop(eng);
    assert_int_equal(n.done, 1);
    run_free(&r);
    run_free(&n);
    berth_engine_free(eng);
}

/* ---- environment, cwd, fds, signals, sessions ---- */

static void test_env_and_cwd(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r1 = {0}, r2 = {0}, r3 = {0};
    char env_path[PATH_MAX + 8];
    snprintf(env_path, sizeof(env_path), "PATH=%s", helper_dir);
    const char *const envp[] = {"BERTH_X=forty two", env_path, NULL};
    /* no '/' in argv[0]: found through the child's PATH, not ours */
    const char *const a1[] = {"helper_child", "env", "BERTH_X", NULL};
    struct berth_proc_options o1 = helper_opts(a1, &r1);
    o1.envp = envp;
    spawn_ok(state, eng, &o1);

    setenv("BERTH_TEST_INHERITED", "yes", 1);
    const char *const a2[] = {helper, "env", "BERTH_TEST_INHERITED", NULL};
    struct berth_proc_options o2 = helper_opts(a2, &r2);
    spawn_ok(state, eng, &o2);

    char dir[] = "/tmp/berth-test-cwd-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char real[PATH_MAX];
    assert_non_null(realpath(dir, real));
    const char *const a3[] = {helper, "cwd", NULL};
    struct berth_proc_options o3 = helper_opts(a3, &r3);
    o3.cwd = dir;
    spawn_ok(state, eng, &o3);
    run_loop(eng);
    unsetenv("BERTH_TEST_INHERITED");
    rmdir(dir);

    assert_int_equal(r1.nlines, 1);
    assert_string_equal(r1.lines[0].data, "forty two");
    assert_int_equal(r2.nlines, 1);
    assert_string_equal(r2.lines[0].data, "yes");
    assert_int_equal(r3.nlines, 1);
    assert_string_equal(r3.lines[0].data, real);
    run_free(&r1);
    run_free(&r2);
    run_free(&r3);
    berth_engine_free(eng);
}

static void test_child_sees_only_stdio(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run sleeper = {0}, r = {0};
    /* an fd the host leaked without close-on-exec, and another child's pipes */
    int leak = open("/dev/null", O_RDONLY);
    assert_true(leak > 2);
    const char *const s[] = {helper, "sleep", NULL};
    struct berth_proc_options os = helper_opts(s, &sleeper);
    os.in = BERTH_IN_PIPE;
    struct berth_proc *sp = spawn_ok(state, eng, &os);
    const char *const a[] = {helper, "fds", NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    spawn_ok(state, eng, &o);
    while (r.done == 0)
        event_base_loop(berth_engine_base(eng), EVLOOP_ONCE);
    berth_proc_cancel(sp);
    run_loop(eng);
    close(leak);
    assert_int_equal(r.nlines, 1);
    assert_string_equal(r.lines[0].data, "0 1 2");
    assert_int_equal(sleeper.done, 1);
    assert_true(sleeper.cancelled);
    assert_int_equal(sleeper.signal, SIGTERM);
    run_free(&sleeper);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_signals_reset(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_usr1;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGUSR1, &ign, &old_usr1);
    sigset_t block, old_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old_mask);
    const char *const a[] = {helper, "sigs", NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    spawn_ok(state, eng, &o);
    run_loop(eng);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);
    assert_int_equal(r.nlines, 1);
    assert_string_equal(r.lines[0].data, "ignored=0 blocked=0");
    run_free(&r);
    berth_engine_free(eng);
}

static void test_process_group(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r1 = {0}, r2 = {0};
    const char *const a[] = {helper, "pgid", NULL};
    struct berth_proc_options o1 = helper_opts(a, &r1);
    spawn_ok(state, eng, &o1);
    struct berth_proc_options o2 = helper_opts(a, &r2);
    o2.keep_session = true;
    spawn_ok(state, eng, &o2);
    run_loop(eng);
    long pid, pgid, sid;
    assert_int_equal(sscanf(r1.lines[0].data, "%ld %ld %ld", &pid, &pgid, &sid), 3);
    assert_int_equal(pid, r1.pid);
    assert_int_equal(pgid, pid); /* own group and session */
    assert_int_equal(sid, pid);
    assert_int_equal(sscanf(r2.lines[0].data, "%ld %ld %ld", &pid, &pgid, &sid), 3);
    assert_int_equal(pgid, getpgid(0)); /* ours */
    assert_int_equal(sid, getsid(0));
    run_free(&r1);
    run_free(&r2);
    berth_engine_free(eng);
}

/* ---- timeouts, cancel, abandon ---- */

/*
 * Runs argv with a timeout until the child said its first line (it is then
 * ready: SIGTERM ignored, grandchild forked) before the timeout expired. On a
 * loaded machine a short first timeout may hit a child still starting up; the
 * timeout is then raised, so the outcome never depends on the machine's speed.
 * Returns the timeout used; *elapsed_ms is how long the last run took.
 */
static uint64_t run_until_ready(void **state, const char *const *argv, uint64_t grace,
                                struct run *r, uint64_t *elapsed_ms)
{
    for (uint64_t timeout = 300;; timeout *= 4) {
        struct berth_engine *eng = engine_for(state);
        memset(r, 0, sizeof(*r));
        struct berth_proc_options o = helper_opts(argv, r);
        o.timeout_ms = timeout;
        o.kill_grace_ms = grace;
        uint64_t t0 = berth_now_ms();
        spawn_ok(state, eng, &o);
        run_loop(eng);
        *elapsed_ms = berth_now_ms() - t0;
        berth_engine_free(eng);
        if (r->nlines > 0 || timeout >= 20000)
            return timeout;
        run_free(r);
    }
}

static void test_timeout_kills_group(void **state)
{
#ifdef __linux__
    /* orphaned grandchildren come to us, so we can see how they died */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
#endif
    struct run r;
    uint64_t elapsed;
    const char *const a[] = {helper, "ignore-term", NULL};
    uint64_t timeout = run_until_ready(state, a, 100, &r, &elapsed);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.nlines, 1);
    pid_t g = (pid_t)atol(r.lines[0].data);
    assert_true(g > 0);
    if (r.error_msg != NULL) {
        kill(g, SIGKILL);
        fail_msg("unexpected error: %s", r.error_msg);
    }
    assert_true(r.timed_out);
    assert_false(r.cancelled);
    assert_false(r.exited);
    assert_int_equal(r.signal, SIGKILL);        /* it ignored SIGTERM */
    assert_true(elapsed + 20 >= timeout + 100); /* libevent's clock is coarse (a few ms) */
#ifdef __linux__
    int st;
    assert_int_equal(waitpid(g, &st, 0), g);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
#else
    for (int i = 0; i < 500 && !pid_gone(g); i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    assert_true(pid_gone(g));
#endif
    run_free(&r);
}

static void test_timeout_term_enough(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const char *const a[] = {helper, "sleep", NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    o.timeout_ms = 50;
    o.term_signal = SIGINT;
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_true(r.timed_out);
    assert_int_equal(r.signal, SIGINT);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_stray_output_holder(void **state)
{
    struct run r;
    uint64_t elapsed;
    const char *const a[] = {helper, "stray", NULL};
    run_until_ready(state, a, 50, &r, &elapsed);
    assert_int_equal(r.nlines, 1);
    pid_t stray = (pid_t)atol(r.lines[0].data);
    assert_true(stray > 0);
    kill(stray, SIGKILL);
    assert_int_equal(r.done, 1);
    assert_true(r.timed_out);
    assert_int_equal(r.signal, SIGTERM);
    assert_int_equal(r.error_code, BERTH_E_TIMEOUT);
    run_free(&r);
}

/* on_line that cancels the child once it said its first line. */
static void cancel_on_line(struct berth_proc *p, enum berth_stream stream, const char *line,
                           size_t len, bool complete, void *user)
{
    record_line(p, stream, line, len, complete, user);
    berth_proc_cancel(p);
    berth_proc_cancel(p); /* twice is fine */
}

static void test_cancel(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r1 = {0}, r2 = {0};
    const char *const a1[] = {helper, "sleep", NULL};
    struct berth_proc_options o1 = helper_opts(a1, &r1);
    struct berth_proc *p1 = spawn_ok(state, eng, &o1);
    berth_proc_cancel(p1);
    /* ignores SIGTERM: SIGKILL after the grace */
    const char *const a2[] = {helper, "ignore-term", NULL};
    struct berth_proc_options o2 = helper_opts(a2, &r2);
    o2.on_line = cancel_on_line;
    o2.kill_grace_ms = 50;
    spawn_ok(state, eng, &o2);
    run_loop(eng);
    assert_int_equal(r1.done, 1);
    assert_true(r1.cancelled);
    assert_false(r1.timed_out);
    assert_int_equal(r1.signal, SIGTERM);
    assert_int_equal(r2.done, 1);
    assert_true(r2.cancelled);
    assert_int_equal(r2.signal, SIGKILL);
    run_free(&r1);
    run_free(&r2);
    berth_engine_free(eng);
}

static void test_signal(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const char *const a[] = {helper, "sleep", NULL};
    struct berth_proc_options o = helper_opts(a, &r);
    struct berth_proc *p = spawn_ok(state, eng, &o);
    assert_int_equal(berth_proc_signal(p, SIGUSR2, NULL), 0);
    run_loop(eng);
    assert_int_equal(r.signal, SIGUSR2);
    assert_false(r.cancelled);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_abandon(void **state)
{
    struct berth_engine *eng = engine_for(state);
    int before = fds_count();
    const char *const a[] = {helper, "gen", "1000000", NULL};
    struct berth_proc_options o = {
        .argv = a, .out = BERTH_OUT_LINES, .on_line = line_never, .on_done = done_never};
    struct berth_proc *p = spawn_ok(state, eng, &o);
    pid_t pid = berth_proc_pid(p);
    berth_proc_abandon(p);
    berth_proc_abandon(p); /* twice is fine */
    assert_int_equal(berth_proc_count(eng), 1);
    run_loop(eng); /* returns once berth reaped it */
    assert_int_equal(berth_proc_count(eng), 0);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    assert_int_equal(fds_count(), before);
    berth_engine_free(eng);
}

/* User data freed by the callback that abandons its proc. */
struct owner {
    int lines;
    int *seen;
};

static void abandon_on_line(struct berth_proc *p, enum berth_stream stream, const char *line,
                            size_t len, bool complete, void *user)
{
    struct owner *ow = user;
    (*ow->seen)++;
    if (++ow->lines == 3) {
        berth_proc_abandon(p);
        free(ow); /* no callback may touch it again */
    }
}

static void test_abandon_from_callback(void **state)
{
    struct berth_engine *eng = engine_for(state);
    int seen = 0;
    struct owner *ow = calloc(1, sizeof(*ow));
    ow->seen = &seen;
    const char *const a[] = {helper, "gen", "2000000", NULL};
    struct berth_proc_options o = {.argv = a,
                                   .out = BERTH_OUT_LINES,
                                   .err = BERTH_OUT_LINES,
                                   .on_line = abandon_on_line,
                                   .on_done = done_never,
                                   .user = ow};
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(seen, 3);
    assert_int_equal(berth_proc_count(eng), 0);
    berth_engine_free(eng);
}

/* Chatty children: their streams are parked between drain ticks (core/proc.c). */
struct chatty {
    struct run r; /* first: record_done checks the user pointer */
    int idx;
    struct berth_proc **victim; /* abandoned by child 0 at its 10th line */
};

/* on_line: records; child 0 abandons child 1, whose stream is parked or draining then. */
static void chatty_line(struct berth_proc *p, enum berth_stream stream, const char *line,
                        size_t len, bool complete, void *user)
{
    struct chatty *c = user;
    record_line(p, stream, line, len, complete, &c->r);
    if (c->idx == 0 && c->r.nlines == 10 && *c->victim != NULL) {
        berth_proc_abandon(*c->victim);
        *c->victim = NULL;
    }
}

/* on_done: records. */
static void chatty_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    record_done(p, res, &((struct chatty *)user)->r);
}

static void test_chatty_children_parked(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct chatty ch[4];
    struct berth_proc *victim = NULL;
    const char *const a[] = {"sh", "-c",
                             "i=0; while [ $i -lt 30 ]; do echo \"line $i\"; sleep 0.005; "
                             "i=$((i+1)); done",
                             NULL};
    for (int i = 0; i < 4; i++) {
        memset(&ch[i], 0, sizeof(ch[i]));
        ch[i].idx = i;
        ch[i].victim = &victim;
        struct berth_proc_options o = {.argv = a,
                                       .out = BERTH_OUT_LINES,
                                       .err = BERTH_OUT_LINES,
                                       .on_line = chatty_line,
                                       .on_done = chatty_done,
                                       .user = &ch[i]};
        struct berth_proc *p = spawn_ok(state, eng, &o);
        if (i == 1)
            victim = p;
    }
    run_loop(eng);
    assert_int_equal(berth_proc_count(eng), 0);
    assert_null(victim);
    for (int i = 0; i < 4; i++) {
        if (i == 1) {
            assert_int_equal(ch[i].r.done, 0); /* abandoned: no on_done */
            assert_true(ch[i].r.nlines < 30);
        } else {
            assert_int_equal(ch[i].r.done, 1);
            assert_int_equal(ch[i].r.nlines, 30);
        }
        for (size_t j = 0; j < ch[i].r.nlines; j++) {
            char want[32];
            snprintf(want, sizeof(want), "line %zu", j);
            assert_string_equal(ch[i].r.lines[j].data, want);
            assert_true(ch[i].r.lines[j].complete);
        }
        run_free(&ch[i].r);
    }
    berth_engine_free(eng);
}

/* ---- re-entrancy ---- */

struct chain {
    void **state;
    struct berth_engine *eng;
    int left, done;
    struct berth_proc *victim; /* cancelled by the first completion */
    struct run victim_run;
    struct berth_proc *doomed; /* abandoned by the first completion */
};

static void chain_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct chain *c = user;
    c->done++;
    assert_true(res->exited);
    /* calls on itself during on_done are harmless */
    berth_proc_cancel(p);
    berth_proc_abandon(p);
    berth_proc_close_stdin(p);
    assert_int_equal(berth_proc_write(p, "x", 1, NULL), -1);
    struct berth_error *err = NULL;
    assert_int_equal(berth_proc_signal(p, SIGTERM, &err), -1); /* reaped: not signalled */
    assert_int_equal(berth_error_code(err), BERTH_E_STATE);
    berth_error_clear(&err);
    if (c->victim != NULL) {
        berth_proc_cancel(c->victim);
        c->victim = NULL;
    }
    if (c->doomed != NULL) {
        berth_proc_abandon(c->doomed);
        c->doomed = NULL;
    }
    if (c->left-- > 0) {
        const char *const a[] = {"true", NULL};
        struct berth_proc_options o = {.argv = a, .on_done = chain_done, .user = c};
        spawn_ok(c->state, c->eng, &o);
    }
}

static void test_reentrant_spawn(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct chain c = {.state = state, .eng = eng, .left = 30};
    const char *const s[] = {helper, "sleep", NULL};
    struct berth_proc_options ov = helper_opts(s, &c.victim_run);
    c.victim = spawn_ok(state, eng, &ov);
    struct berth_proc_options od = {.argv = s, .on_done = done_never};
    c.doomed = spawn_ok(state, eng, &od);
    const char *const a[] = {"true", NULL};
    struct berth_proc_options o = {.argv = a, .on_done = chain_done, .user = &c};
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_int_equal(c.done, 31);
    assert_int_equal(c.victim_run.done, 1);
    assert_true(c.victim_run.cancelled);
    assert_int_equal(berth_proc_count(eng), 0);
    run_free(&c.victim_run);
    berth_engine_free(eng);
}

/* Many children, at most 64 at a time, each started from a completion. */
struct many {
    void **state;
    struct berth_engine *eng;
    int started, finished, inflight, max_inflight, bad;
};

struct many_child {
    struct many *m;
    int code;
};

static void many_spawn(struct many *m);

/* The children write nothing: any line is a failure. */
static void many_line(struct berth_proc *p, enum berth_stream stream, const char *line, size_t len,
                      bool complete, void *user)
{
    struct many_child *mc = user;
    mc->m->bad++;
}

static void many_done(struct berth_proc *p, const struct berth_proc_result *res, void *user)
{
    struct many_child *mc = user;
    struct many *m = mc->m;
    if (!res->exited || res->exit_code != mc->code || res->out_len != 0)
        m->bad++;
    free(mc);
    m->finished++;
    m->inflight--;
    many_spawn(m);
}

static void many_spawn(struct many *m)
{
    while (m->inflight < 64 && m->started < 500) {
        struct many_child *mc = malloc(sizeof(*mc));
        assert_non_null(mc);
        mc->m = m;
        mc->code = m->started % 7;
        char code[8];
        snprintf(code, sizeof(code), "%d", mc->code);
        const char *const a[] = {helper, "exit", code, NULL};
        struct berth_proc_options o = {.argv = a,
                                       .out =
                                           m->started % 2 ? BERTH_OUT_CAPTURE : BERTH_OUT_DISCARD,
                                       .err = BERTH_OUT_LINES,
                                       .on_line = many_line,
                                       .in = m->started % 3 ? BERTH_IN_NULL : BERTH_IN_PIPE,
                                       .on_done = many_done,
                                       .user = mc};
        spawn_ok(m->state, m->eng, &o);
        m->started++;
        if (++m->inflight > m->max_inflight)
            m->max_inflight = m->inflight;
    }
}

static void test_many_children(void **state)
{
    struct berth_engine *eng = engine_for(state);
    int before = fds_count();
    struct many m = {.state = state, .eng = eng};
    many_spawn(&m);
    run_loop(eng);
    assert_int_equal(m.finished, 500);
    assert_int_equal(m.bad, 0);
    assert_int_equal(m.max_inflight, 64);
    assert_int_equal(berth_proc_count(eng), 0);
    assert_int_equal(fds_count(), before);
    /* no zombies: we have no children left at all */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    berth_engine_free(eng);
}

static void test_host_child_not_reaped(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r[20] = {{0}};
    const char *const a[] = {helper, "exit", "3", NULL};
    for (int i = 0; i < 10; i++) {
        struct berth_proc_options o = {.argv = a, .on_done = record_done, .user = &r[i]};
        spawn_ok(state, eng, &o);
    }
    /* a child of the host, exiting while berth watches its own (exec'ed, so a
       leak checker in the parent does not change its exit status) */
    pid_t host = fork();
    assert_true(host >= 0);
    if (host == 0) {
        execl(helper, helper, "exit", "7", (char *)NULL);
        _exit(99);
    }
    for (int i = 10; i < 20; i++) {
        struct berth_proc_options o = {.argv = a, .on_done = record_done, .user = &r[i]};
        spawn_ok(state, eng, &o);
    }
    run_loop(eng);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(r[i].done, 1);
        assert_int_equal(r[i].exit_code, 3);
        run_free(&r[i]);
    }
    int st;
    assert_int_equal(waitpid(host, &st, 0), host);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 7);
    berth_engine_free(eng);
}

/* Log sink counting warnings. */
static void count_log(enum berth_log_level level, const char *component, const char *msg,
                      void *user)
{
    if (level <= BERTH_LOG_WARN)
        (*(int *)user)++;
}

static void test_status_stolen(void **state)
{
    struct berth_engine *eng = engine_for(state);
    int warnings = 0;
    berth_engine_set_log(eng, count_log, BERTH_LOG_DEBUG, &warnings);
    struct run r = {0};
    const char *const a[] = {helper, "exit", "9", NULL};
    struct berth_proc_options o = {.argv = a, .on_done = record_done, .user = &r};
    struct berth_proc *p = spawn_ok(state, eng, &o);
    /* the host reaps berth's child behind its back */
    int st;
    assert_int_equal(waitpid(berth_proc_pid(p), &st, 0), berth_proc_pid(p));
    run_loop(eng);
    assert_int_equal(r.done, 1);
    assert_false(r.exited);
    assert_int_equal(r.signal, 0);
    assert_int_equal(r.error_code, BERTH_E_SYSTEM);
    assert_non_null(strstr(r.error_msg, "lost the exit status"));
    assert_int_equal(warnings, 1);
    run_free(&r);
    berth_engine_free(eng);
}

static void test_engine_free_running(void **state)
{
    int before = fds_count();
    struct berth_engine *eng = engine_for(state);
    pid_t pids[6];
    const char *const s[] = {helper, "sleep", NULL};
    const char *const t[] = {helper, "ignore-term", NULL};
    for (int i = 0; i < 6; i++) {
        struct berth_proc_options o = {.argv = i == 5 ? t : s,
                                       .in = BERTH_IN_PIPE,
                                       .out = BERTH_OUT_LINES,
                                       .err = BERTH_OUT_CAPTURE,
                                       .on_line = line_never,
                                       .on_done = done_never,
                                       .timeout_ms = 100000};
        struct berth_proc *p = spawn_ok(state, eng, &o);
        pids[i] = berth_proc_pid(p);
        if (i == 0)
            berth_proc_write(p, "queued", 6, NULL);
        if (i == 1)
            berth_proc_cancel(p);
        if (i == 2)
            berth_proc_abandon(p);
    }
    /* with the ignore-term child's grandchild in the group too */
    berth_engine_free(eng);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(waitpid(pids[i], NULL, WNOHANG), -1); /* already reaped */
        assert_true(pid_gone(pids[i]));
    }
    assert_int_equal(fds_count(), before);
    /* the SIGCHLD fallback gave the signal back */
    struct sigaction sa;
    sigaction(SIGCHLD, NULL, &sa);
    assert_true(sa.sa_handler == SIG_DFL);
}

static void test_engine_on_given_base(void **state)
{
    struct event_base *base = event_base_new();
    assert_non_null(base);
    set_mode(state);
    struct berth_engine *eng = berth_engine_new(base, NULL);
    struct run r = {0};
    const char *const a[] = {helper, "exit", "5", NULL};
    struct berth_proc_options o = {.argv = a, .on_done = record_done, .user = &r};
    spawn_ok(state, eng, &o);
    assert_int_equal(event_base_dispatch(base), 1); /* nothing left afterwards */
    assert_int_equal(r.exit_code, 5);
    const char *const s[] = {helper, "sleep", NULL};
    o.argv = s;
    spawn_ok(state, eng, &o);
    berth_engine_free(eng);
    /* nothing of berth's is left on the base */
    assert_int_equal(
        event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE), 0);
    event_base_free(base);
    run_free(&r);
}

/* Swallows libevent's warning about signals on two bases. */
static void quiet_log(int severity, const char *msg)
{
}

/* A safety bound: breaks the loop if a child's exit was never noticed. */
static void bound_cb(evutil_socket_t fd, short what, void *arg)
{
    *(bool *)arg = true;
}

/* Runs base until r is done or 30 s passed; false on the latter. */
static bool run_until_done(struct event_base *base, struct run *r)
{
    bool expired = false;
    struct event *bound = evtimer_new(base, bound_cb, &expired);
    struct timeval tv = {30, 0};
    evtimer_add(bound, &tv);
    while (r->done == 0 && !expired)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(bound);
    return !expired;
}

static void test_two_bases(void **state)
{
    event_set_log_callback(quiet_log);
    struct berth_engine *e1 = engine_for(state);
    struct berth_engine *e2 = engine_for(state);
    struct run r1 = {0}, r2 = {0};
    const char *const a1[] = {helper, "exit", "1", NULL};
    const char *const a2[] = {helper, "exit", "2", NULL};
    struct berth_proc_options o1 = {.argv = a1, .on_done = record_done, .user = &r1};
    struct berth_proc_options o2 = {.argv = a2, .on_done = record_done, .user = &r2};
    spawn_ok(state, e1, &o1);
    spawn_ok(state, e2, &o2);
    /* SIGCHLD reaches one base only: the other learns of its child from it */
    assert_true(run_until_done(berth_engine_base(e2), &r2));
    assert_true(run_until_done(berth_engine_base(e1), &r1));
    assert_int_equal(r1.done, 1);
    assert_int_equal(r1.exit_code, 1);
    assert_int_equal(r2.done, 1);
    assert_int_equal(r2.exit_code, 2);
    run_free(&r1);
    run_free(&r2);
    berth_engine_free(e2);
    berth_engine_free(e1);
    struct sigaction sa;
    sigaction(SIGCHLD, NULL, &sa);
    assert_true(sa.sa_handler == SIG_DFL);
    event_set_log_callback(NULL);
}

/*
 * Run as `test_proc --closed-stdio`: with fds 0-2 closed, berth's own pipes
 * land on 0-2 and every child must still get exactly its stdin, stdout and
 * stderr, nothing else. Exits 0 when all is well (no stdio for messages).
 */
static int closed_stdio_main(void)
{
    struct berth_engine *eng = berth_engine_new(NULL, NULL); /* its fds stay above 2 */
    close(0);
    close(1);
    close(2);
    static const struct {
        enum berth_in_mode in;
        enum berth_out_mode out, err;
    } cfg[] = {
        {BERTH_IN_PIPE, BERTH_OUT_CAPTURE, BERTH_OUT_CAPTURE},
        {BERTH_IN_NULL, BERTH_OUT_CAPTURE, BERTH_OUT_CAPTURE},
        {BERTH_IN_NULL, BERTH_OUT_CAPTURE, BERTH_OUT_DISCARD},
        {BERTH_IN_PIPE, BERTH_OUT_CAPTURE, BERTH_OUT_DISCARD},
        {BERTH_IN_NULL, BERTH_OUT_DISCARD, BERTH_OUT_CAPTURE},
        {BERTH_IN_NULL, BERTH_OUT_DISCARD, BERTH_OUT_DISCARD},
        {BERTH_IN_PIPE, BERTH_OUT_DISCARD, BERTH_OUT_DISCARD},
    };
    const char *const ok[] = {helper, "fds-ok", NULL};
    const char *const both[] = {helper, "both", NULL};
    const char *const missing[] = {"/nonexistent/berth-no-such", NULL};
    for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
        struct run r = {0}, b = {0};
        struct berth_proc_options o = {.argv = ok,
                                       .in = cfg[i].in,
                                       .out = cfg[i].out,
                                       .err = cfg[i].err,
                                       .on_done = record_done,
                                       .user = &r};
        struct berth_proc *p = berth_proc_spawn(eng, &o, NULL);
        if (p == NULL)
            return 10 + (int)i;
        berth_proc_close_stdin(p);
        berth_engine_run(eng);
        if (r.done != 1 || !r.exited || r.exit_code != 0)
            return 20 + (int)i;
        /* each stream ends up where it belongs */
        o.argv = both;
        o.user = &b;
        if ((p = berth_proc_spawn(eng, &o, NULL)) == NULL)
            return 30 + (int)i;
        berth_proc_close_stdin(p);
        berth_engine_run(eng);
        if (b.exit_code != 0 ||
            (cfg[i].out == BERTH_OUT_CAPTURE && strcmp(b.out, "out0\nout1\nout2\n") != 0))
            return 40 + (int)i;
        if (cfg[i].err == BERTH_OUT_CAPTURE && strcmp(b.err, "err0\nerr1\nerr2\n") != 0)
            return 50 + (int)i;
        /* and exec errors are still reported */
        struct berth_error *err = NULL;
        o.argv = missing;
        if (berth_proc_spawn(eng, &o, &err) != NULL || berth_error_errno(err) != ENOENT)
            return 60 + (int)i;
        berth_error_free(err);
        run_free(&r);
        run_free(&b);
    }
    /* data still flows the right way */
    struct run r = {0};
    const char *const cat[] = {helper, "cat", NULL};
    struct berth_proc_options o = {.argv = cat,
                                   .in = BERTH_IN_PIPE,
                                   .out = BERTH_OUT_CAPTURE,
                                   .err = BERTH_OUT_CAPTURE,
                                   .on_done = record_done,
                                   .user = &r};
    struct berth_proc *p = berth_proc_spawn(eng, &o, NULL);
    if (p == NULL)
        return 30;
    berth_proc_write(p, "ping\n", 5, NULL);
    berth_proc_close_stdin(p);
    berth_engine_run(eng);
    if (r.done != 1 || r.exit_code != 0 || strcmp(r.out, "ping\n") != 0 || r.err_len != 0)
        return 31;
    run_free(&r);
    berth_engine_free(eng);
    return 0;
}

static void test_closed_stdio(void **state)
{
    struct berth_engine *eng = engine_for(state);
    struct run r = {0};
    const char *const a[] = {self, "--closed-stdio", NULL};
    struct berth_proc_options o = {.argv = a, .on_done = record_done, .user = &r};
    spawn_ok(state, eng, &o);
    run_loop(eng);
    assert_true(r.exited);
    assert_int_equal(r.exit_code, 0);
    run_free(&r);
    berth_engine_free(eng);
}

/* Finds tests/helper_child next to this program or in BERTH_TEST_BUILDDIR. */
static void find_helper(const char *argv0)
{
    const char *b = getenv("BERTH_TEST_BUILDDIR");
    if (b != NULL) {
        snprintf(helper_dir, sizeof(helper_dir), "%s/tests", b);
    } else {
        snprintf(helper_dir, sizeof(helper_dir), "%s", argv0);
        char *slash = strrchr(helper_dir, '/');
        if (slash != NULL)
            *slash = '\0';
        else
            snprintf(helper_dir, sizeof(helper_dir), ".");
        size_t n = strlen(helper_dir);
        if (n >= 6 && strcmp(helper_dir + n - 6, "/.libs") == 0)
            helper_dir[n - 6] = '\0';
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s/helper_child", helper_dir);
    if (realpath(tmp, helper) == NULL) {
        fprintf(stderr, "test_proc: cannot find %s\n", tmp);
        exit(1);
    }
    snprintf(helper_dir, sizeof(helper_dir), "%s", helper);
    *strrchr(helper_dir, '/') = '\0';
}

#define BOTH(f)                                                                                    \
    cmocka_unit_test_prestate(f, (void *)&mode_pidfd),                                             \
        cmocka_unit_test_prestate(f, (void *)&mode_sigchld)
#define ALL3(f) BOTH(f), cmocka_unit_test_prestate(f, (void *)&mode_fork)

int main(int argc, char **argv)
{
    find_helper(argv[0]);
    if (realpath(argv[0], self) == NULL)
        snprintf(self, sizeof(self), "%s", argv[0]);
    if (argc > 1 && strcmp(argv[1], "--closed-stdio") == 0)
        return closed_stdio_main();
    int fd = pidfd_of(getpid());
    have_pidfd = fd >= 0;
    if (have_pidfd)
        close(fd);
    else
        fprintf(stderr, "test_proc: no pidfd here (%s): both runs use SIGCHLD\n", strerror(errno));
    const struct CMUnitTest tests[] = {
        ALL3(test_true_false),
        ALL3(test_exit_codes_and_signals),
        ALL3(test_missing_binary),
        ALL3(test_not_executable),
        ALL3(test_bad_cwd),
        BOTH(test_bad_options),
        ALL3(test_big_output),
        BOTH(test_split_and_final_line),
        BOTH(test_long_line_pieces),
        BOTH(test_line_of_exactly_max),
        BOTH(test_stdout_stderr_separate),
        BOTH(test_capture),
        BOTH(test_capture_limit),
        ALL3(test_stdin_roundtrip),
        BOTH(test_stdin_unread),
        ALL3(test_env_and_cwd),
        ALL3(test_child_sees_only_stdio),
        ALL3(test_closed_stdio),
        ALL3(test_signals_reset),
        ALL3(test_process_group),
        BOTH(test_timeout_kills_group),
        BOTH(test_timeout_term_enough),
        BOTH(test_stray_output_holder),
        BOTH(test_cancel),
        BOTH(test_signal),
        BOTH(test_abandon),
        BOTH(test_abandon_from_callback),
        BOTH(test_chatty_children_parked),
        BOTH(test_reentrant_spawn),
        ALL3(test_host_child_not_reaped),
        BOTH(test_status_stolen),
        ALL3(test_engine_free_running),
        BOTH(test_engine_on_given_base),
        BOTH(test_two_bases),
        BOTH(test_many_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
