/* SPDX-License-Identifier: MIT */
/* Child processes: aio_process_spawn, AIO_PROCESS_WAIT, AIO_COMMUNICATE,
 * AIO_PROCESS_STOP, with real children (/bin/sh, sleep, cat).
 *
 * Where time decides the outcome the loop runs on the virtual clock: a child
 * that does not end lets virtual time jump to the next deadline, so a
 * timeout, a grace period that runs out (the child ignores SIGTERM) and a
 * cancellation land at exact times. A wait with no deadline blocks in the
 * system's wait until the child ends, whatever the clock. What a SIGTERM
 * does takes real time (the child has to run to die), so the tests where a
 * child ends by it run on the real clock with a grace period far longer than
 * it takes. After every test: no child left (waitpid(-1) finds none) and no
 * descriptor left open (on Linux, /proc/self/fd counted). */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && (defined(__unix__) || defined(__APPLE__))
#define _POSIX_C_SOURCE 200809L
#endif
#include "test.h"
#include <stdlib.h>

#if defined(AIO_NO_STDLIB) || defined(AIO_NO_IO) || defined(AIO_NO_PROCESSES) || \
    (defined(_WIN32) && defined(AIO_NO_THREADS)) || !(defined(__unix__) || defined(__APPLE__) || defined(_WIN32))
/* Without child processes every call says so, and nothing is started. */
static struct {
    aio_task main;
    aio_status rc;
    aio_process p;
} N;

static aio_status wait_absent_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, N.rc, &N.p, AIO_SEC(1));
    AIO_END(t);
}

static void test_processes_absent(void) {
    static const char *const argv[] = {"true", NULL};
    aio_loop loop;
    test_loop(&loop);
    memset(&N, 0, sizeof N);
    CHECK_EQ(aio_process_spawn(&N.p, argv, NULL), AIO_EINVAL);
    CHECK_DEBUG("child processes are not in this build");
    CHECK_EQ(aio_process_kill(&N.p), AIO_EINVAL);
    CHECK_EQ(aio_process_terminate(&N.p), AIO_EINVAL);
    CHECK_EQ(aio_process_set_grace(&N.p, AIO_SEC(1)), AIO_EINVAL);
    CHECK_EQ(aio_process_end_input(&N.p), AIO_EINVAL);
    CHECK_EQ(aio_process_returncode(&N.p), AIO_EINPROGRESS);
    CHECK_EQ(aio_process_close(&N.p), AIO_OK);
    CHECK_EQ(test_run(&loop, &N.main, wait_absent_main), AIO_OK);
    CHECK_EQ(N.rc, AIO_EINVAL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_processes_absent),
};
#elif defined(_WIN32)
#include <errno.h>
#include <signal.h>
#include <winsock2.h>
#include <windows.h>
/* Windows: the same section over CreateProcess, with cmd.exe, find.exe and
 * ping.exe as the children (every Windows has them, and so does wine). A
 * child's pipes reach the loop as sockets; a stop ends the child's job, its
 * own children with it; the exit the library caused reads as -signal. After
 * every test: the next handle the process gets is the one it got before
 * (a handle left open would hold that number). */
static uintptr_t next_handle(void) {
    HANDLE h = CreateEventW(NULL, TRUE, FALSE, NULL);
    (void)CloseHandle(h);
    return (uintptr_t)h;
}

static struct {
    aio_task main, other, t[20];
    aio_process p, ps[20];
    aio_communicate io;
    aio_stream stream;
    aio_timeout block;
    char buf[256];
    char out[256], err[64];
    aio_status rc, rcs[20];
    int pid;
} P;

static void on_virtual_clock(aio_task_fn main_fn) {
    aio_loop loop;
    uintptr_t handle = next_handle();
    memset(&P, 0, sizeof P);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, main_fn), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(next_handle(), handle);
}

static const char *const hangs[] = {"ping", "-n", "60", "127.0.0.1", NULL};

/* A spawn that must succeed; if it fails, what the system said is printed
 * beside the check (GetLastError() is the reason CreateProcess gave). */
#define SPAWN_OK(p, argv, opts)                                                                       \
    do {                                                                                              \
        aio_status spawned_ = aio_process_spawn((p), (argv), (opts));                                 \
        if (spawned_ != AIO_OK)                                                                       \
            printf("    spawn of %s: %d, errno %d, GetLastError() %lu\n", (argv)[0], (int)spawned_, errno, \
                   (unsigned long)GetLastError());                                                    \
        CHECK_EQ(spawned_, AIO_OK);                                                                   \
    } while (0)

/* exit codes; terminate and kill; what Windows cannot send */
static aio_status win_exits_main(aio_task *t) {
    static const char *const seven[] = {"cmd", "/c", "exit 7", NULL};
    AIO_BEGIN(t);
    SPAWN_OK(&P.p, seven, NULL);
    CHECK(P.p.pid > 0);
    CHECK_EQ((int)P.p.out, -1);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 7);
    CHECK_EQ(aio_process_returncode(&P.p), 7);
    CHECK_EQ(aio_process_terminate(&P.p), AIO_EINVAL);
    CHECK_DEBUG("the process has ended");
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK); /* (again: nothing left to do) */
    SPAWN_OK(&P.p, hangs, NULL);
    CHECK_EQ(aio_process_signal(&P.p, 2), AIO_EINVAL);
    CHECK_DEBUG("Windows can only end a process");
    CHECK_EQ(aio_process_terminate(&P.p), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    SPAWN_OK(&P.p, hangs, NULL);
    CHECK_EQ(aio_process_kill(&P.p), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(aio_process_returncode(&P.p), -9);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
static void test_processes_win_exit_status(void) { on_virtual_clock(win_exits_main); }

static void test_processes_win_cannot_start(void) {
    static const char *const nope[] = {"no-such-program-for-aio", NULL};
    static const char *const text[] = {"C:\\windows\\win.ini", NULL};
    static const char *const cmd[] = {"cmd", "/c", "exit 0", NULL};
    static const char *const not_utf8[] = {"cmd", "/c", "echo \xff", NULL};
    static const char *const bad_env[] = {"A=\xff", NULL};
    aio_process_options bad_cwd = {NULL, "C:\\no\\such\\dir", AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_PIPE};
    aio_process_options env = {bad_env, NULL, 0, 0, 0};
    aio_loop loop;
    uintptr_t handle = next_handle();
    memset(&P, 0, sizeof P);
    test_loop(&loop);
    CHECK_EQ(aio_process_spawn(&P.p, nope, NULL), AIO_ENOTFOUND);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(aio_process_spawn(&P.p, text, NULL), AIO_ENOEXEC);
    CHECK_EQ(aio_process_spawn(&P.p, cmd, &bad_cwd), AIO_ENOTFOUND);
    CHECK_DEBUG("the working directory cannot be entered");
    CHECK_EQ(aio_process_spawn(&P.p, not_utf8, NULL), AIO_EINVAL);
    CHECK_DEBUG("an argument is not UTF-8");
    CHECK_EQ(aio_process_spawn(&P.p, cmd, &env), AIO_EINVAL);
    CHECK_DEBUG("an environment string is not UTF-8");
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(next_handle(), handle);
}

/* An await's own deadline leaves the child running; a stop ends its job at
 * once (no SIGTERM to ask first), its grandchild too: the pipe they shared
 * ends. The virtual clock: exact times. */
static aio_status win_timeout_main(aio_task *t) {
    static const char *const chain[] = {"cmd", "/c", "echo started& ping -n 60 127.0.0.1 >nul& echo never", NULL};
    static const aio_process_options out = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_PIPE, AIO_STDIO_DEVNULL};
    AIO_BEGIN(t);
    SPAWN_OK(&P.p, chain, &out);
    aio_stream_init(&P.stream, P.p.out, P.buf, sizeof P.buf);
    AIO_READ_LINE(t, P.rc, &P.stream, AIO_NEVER);
    CHECK_EQ(P.rc, 9);
    CHECK(memcmp(aio_stream_data(&P.stream), "started\r\n", 9) == 0);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(2));
    CHECK_EQ(P.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 2000);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS);
    AIO_PROCESS_STOP(t, P.rc, &P.p, AIO_SEC(5));
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    CHECK(T_MS() < 7000); /* (ended at once: no grace used) */
    AIO_READ_LINE(t, P.rc, &P.stream, AIO_NEVER); /* ping, cmd's child, ended with it: the end */
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}
static void test_processes_win_timeout_then_stop(void) { on_virtual_clock(win_timeout_main); }

/* A cancellation stops the child, and the await waits for its end. */
static aio_status win_cancelled_task(aio_task *t) {
    AIO_BEGIN(t);
    SPAWN_OK(&P.p, hangs, NULL);
    AIO_FINALLY(t);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    AIO_END(t);
}
static aio_status win_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&P.other, win_cancelled_task), AIO_OK);
    AIO_SLEEP(t, AIO_SEC(1));
    CHECK(aio_cancel(&P.other));
    AIO_AWAIT(t, P.rc, &P.other);
    CHECK_EQ(P.rc, AIO_ECANCELED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}
static void test_processes_win_cancel_stops(void) { on_virtual_clock(win_cancel_main); }

/* AIO_COMMUNICATE: input in, output and error out; an environment and a
 * working directory of its own. */
static aio_status win_communicate_main(aio_task *t) {
    static const char *const find[] = {"find", "o", NULL};
    static const char *const env_cmd[] = {"cmd", "/c", "echo %AIO_TEST%& cd& echo oops 1>&2& exit 4", NULL};
    static const char *const env[] = {"AIO_TEST=hi there", NULL};
    static const aio_process_options pipes = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_PIPE};
    static const aio_process_options env_opts = {env, "C:\\windows", AIO_STDIO_DEVNULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE};
    AIO_BEGIN(t);
    SPAWN_OK(&P.p, find, &pipes);
    P.io.input = "one\ntwo\nthree\n";
    P.io.input_len = 14;
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.input_done, 14);
    CHECK_EQ(P.io.out_len, 10);
    CHECK(memcmp(P.out, "one\r\ntwo\r\n", 10) == 0);
    CHECK_EQ((int)P.p.in, -1); /* (closed once fed) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    SPAWN_OK(&P.p, env_cmd, &env_opts);
    memset(&P.io, 0, sizeof P.io);
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    P.io.err = P.err;
    P.io.err_size = sizeof P.err;
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 4);
    CHECK_EQ(P.io.out_len, 22);
    CHECK(memcmp(P.out, "hi there\r\nC:\\windows\r\n", 22) == 0);
    CHECK(P.io.err_len >= 4 && memcmp(P.err, "oops", 4) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}
static void test_processes_win_communicate(void) { on_virtual_clock(win_communicate_main); }

/* Twenty children at once, each awaited by its own task. (wine's
 * CreateProcess now and then fails with ERROR_INTERNAL_ERROR while many
 * start at once, on a loaded machine: only that error is met by trying the
 * spawn again, after 20 ms of real time, up to ten times.) */
static aio_status spawn_under_load(aio_process *p, const char *const argv[]) {
    aio_status rc = AIO_EIO;
    int tries;
    for (tries = 0; tries < 10; tries++) {
        rc = aio_process_spawn(p, argv, NULL);
        if (rc == AIO_OK || GetLastError() != ERROR_INTERNAL_ERROR) break;
        Sleep(20);
    }
    return rc;
}
static aio_status win_one_child(aio_task *t) {
    static const char *const argv[] = {"cmd", "/c", "exit 5", NULL};
    AIO_BEGIN(t);
    AIO_CHECK(t, spawn_under_load(&P.ps[t - P.t], argv));
    AIO_PROCESS_WAIT(t, P.rcs[t - P.t], &P.ps[t - P.t], AIO_NEVER);
    AIO_FINALLY(t);
    (void)aio_process_close(&P.ps[t - P.t]);
    AIO_END(t);
}
static aio_status win_many_main(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    for (i = 0; i < 20; i++) CHECK_EQ(aio_spawn(&P.t[i], win_one_child), AIO_OK);
    for (i = 0; i < 20; i++) {
        AIO_AWAIT(t, P.rc, &P.t[i]);
        CHECK_EQ(P.rc, AIO_OK);
        CHECK_EQ(P.rcs[i], 5);
    }
    AIO_END(t);
}
static void test_processes_win_many(void) { on_virtual_clock(win_many_main); }

/* The loop destroyed with a child alive and its pipes open: ended, closed. */
static void test_processes_win_loop_destroyed(void) {
    static const aio_process_options pipes = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_PIPE};
    aio_loop loop;
    uintptr_t handle = next_handle();
    memset(&P, 0, sizeof P);
    test_loop(&loop);
    SPAWN_OK(&P.p, hangs, &pipes);
    CHECK((int)P.p.out >= 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ((int)P.p.out, -1);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK); /* (closed by the loop: nothing to do) */
    CHECK_EQ(next_handle(), handle);
}

/* A child gets its three standard handles and nothing else of the
 * program's, as asyncio's do: a connection the program made with plain
 * socket() calls (inheritable, as Windows makes them) is not held by the
 * child, so once the program closes one end the other reads the end at
 * once, while the child still runs. */
static SOCKET own_pair[2];

static int own_connection(void) {
    struct sockaddr_in a;
    int sl = sizeof a;
    SOCKET l = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    own_pair[0] = own_pair[1] = INVALID_SOCKET;
    if (l != INVALID_SOCKET && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 &&
        getsockname(l, (struct sockaddr *)&a, &sl) == 0) {
        own_pair[1] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(own_pair[1], (struct sockaddr *)&a, sizeof a) == 0) own_pair[0] = accept(l, NULL, NULL);
    }
    if (l != INVALID_SOCKET) (void)closesocket(l);
    return own_pair[0] != INVALID_SOCKET && own_pair[1] != INVALID_SOCKET;
}

static aio_status win_only_stdio_main(aio_task *t) {
    static const aio_process_options quiet = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_DEVNULL,
                                              AIO_STDIO_DEVNULL};
    static WSADATA data;
    AIO_BEGIN(t);
    CHECK_EQ(WSAStartup(MAKEWORD(2, 2), &data), 0);
    CHECK(own_connection());
    SPAWN_OK(&P.p, hangs, &quiet);
    CHECK_EQ(closesocket(own_pair[1]), 0);
    AIO_RECV(t, P.rc, (aio_socket)own_pair[0], P.buf, sizeof P.buf, AIO_SEC(5));
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS); /* (still running) */
    CHECK_EQ(aio_close((aio_socket)own_pair[0]), AIO_OK);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    (void)WSACleanup();
    AIO_END(t);
}
static void test_processes_win_only_standard_handles(void) { on_virtual_clock(win_only_stdio_main); }

#define PROCESS_ENTRY(name) TEST_ENTRY (name)
static const test_case cases[] = {
    PROCESS_ENTRY(test_processes_win_exit_status),
    PROCESS_ENTRY(test_processes_win_cannot_start),
    PROCESS_ENTRY(test_processes_win_timeout_then_stop),
    PROCESS_ENTRY(test_processes_win_cancel_stops),
    PROCESS_ENTRY(test_processes_win_communicate),
    PROCESS_ENTRY(test_processes_win_many),
    PROCESS_ENTRY(test_processes_win_loop_destroyed),
    PROCESS_ENTRY(test_processes_win_only_standard_handles),
};
#else
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <dirent.h>
#endif

static int open_fds(void) {
#ifdef __linux__
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    (void)closedir(d);
    return n - 1; /* (the directory's own) */
#else
    return 0;
#endif
}

/* No child left and no descriptor beyond those open before. */
static void check_clean(int fds_before) {
    int status;
    errno = 0;
    CHECK_EQ(waitpid(-1, &status, WNOHANG), -1);
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(open_fds(), fds_before);
}

static struct {
    aio_task main, other, t[100];
    aio_process p, ps[100];
    aio_communicate io;
    aio_stream stream;
    aio_timeout block;
    aio_event ev;
    char buf[256];
    char out[64], err[64];
    char *big, *big_out;
    aio_status rc, rc2, rcs[100];
    long long at;
    aio_time start;
} P;

static const aio_process_options pipes = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_PIPE};
static const aio_process_options out_pipe = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_PIPE, AIO_STDIO_DEVNULL};

static void reset(void) {
    memset(&P, 0, sizeof P);
}

static long long real_ms(aio_loop *L) {
    return (long long)((aio_loop_now(L) - P.start) * 1000u / AIO_TICKS_PER_SEC);
}

/* A real-clock loop (the tests where a child has to run to end). */
static void real_loop(aio_loop *loop) {
    static aio_timer timers[32];
    aio_loop_init(loop, timers, 32);
    P.start = aio_loop_now(loop);
}

/* Run main_fn as the main task of a loop on the virtual clock, then check
 * that nothing is left behind. */
static void on_virtual_clock(aio_task_fn main_fn) {
    aio_loop loop;
    int fds = open_fds();
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, main_fn), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* ------------------------------------------------------------ exit statuses */

static aio_status exits_main(aio_task *t) {
    static const char *const seven[] = {"sh", "-c", "exit 7", NULL};
    static const char *const term[] = {"sh", "-c", "kill -TERM $$; sleep 5", NULL};
    static const char *const yes[] = {"true", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, seven, NULL), AIO_OK);
    CHECK(P.p.pid > 0);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS);
    CHECK_EQ((int)P.p.in, -1);
    CHECK_EQ((int)P.p.out, -1);
    CHECK_EQ((int)P.p.err, -1);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 7);
    CHECK_EQ(aio_process_returncode(&P.p), 7);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(1)); /* again: the same, at once */
    CHECK_EQ(P.rc, 7);
    CHECK_EQ(aio_process_kill(&P.p), AIO_EINVAL); /* (ended) */
    CHECK_DEBUG("the process has ended");
    CHECK_EQ(aio_process_spawn(&P.p, seven, NULL), AIO_EBUSY); /* (ended, not closed) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_returncode(&P.p), 7);
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_OK); /* (closed: spawned again) */
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, term, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(T_MS(), 0);
    CHECK_STR(aio_strerror(AIO_ENOEXEC), "program cannot be run");
    CHECK_STR(aio_strerror(AIO_ESIGNALED), "ended by a signal");
    AIO_END(t);
}

static void test_processes_exit_status(void) { on_virtual_clock(exits_main); }

/* -------------------------------------------------- what cannot be started */

static void test_processes_cannot_start(void) {
    static const char *const nope[] = {"no-such-program-for-aio", NULL};
    static const char *const nope_path[] = {"/no/such/dir/program", NULL};
    static const char *const not_exec[] = {"/dev/null", NULL};
    static const char *const dir[] = {"/", NULL};
    static const char *const sh[] = {"sh", "-c", "exit 0", NULL};
    static const char *const empty_path_env[] = {"PATH=/no/such/dir", NULL};
    static const char *const not_dir[] = {"/dev/null/program", NULL};
    aio_process_options bad_cwd = {NULL, "/no/such/dir", 0, 0, 0};
    aio_process_options no_path = {empty_path_env, NULL, 0, 0, 0};
    aio_process_options all_pipes = pipes;
    aio_loop loop;
    int fds = open_fds();
    reset();
    test_loop(&loop);
    all_pipes.cwd = "/no/such/dir";
    CHECK_EQ(aio_process_spawn(&P.p, nope, NULL), AIO_ENOTFOUND);
    CHECK_EQ(aio_process_spawn(&P.p, nope_path, &pipes), AIO_ENOTFOUND);
    CHECK_EQ(aio_process_spawn(&P.p, not_exec, NULL), AIO_ENOEXEC);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(aio_process_spawn(&P.p, dir, NULL), AIO_ENOEXEC);
    CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_cwd), AIO_ENOTFOUND);
    CHECK_DEBUG("the working directory cannot be entered");
    CHECK_EQ(aio_process_spawn(&P.p, sh, &all_pipes), AIO_ENOTFOUND);
    CHECK_EQ(aio_process_spawn(&P.p, sh, &no_path), AIO_ENOTFOUND); /* (the child's PATH is searched) */
    CHECK_EQ(aio_process_spawn(&P.p, not_dir, NULL), AIO_ENOTFOUND);
    CHECK_EQ(errno, ENOTDIR);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK); /* (never started: nothing to close) */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* ---------------------------------------------------- deadlines, stopping */

/* Ready once its SIGTERM is ignored (a line on its output says so). */
static const char *const deaf_argv[] = {"sh", "-c", "trap '' TERM; echo ready; exec sleep 30", NULL};

static aio_status deaf_ready(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&P.stream, P.p.out, P.buf, sizeof P.buf), AIO_OK);
    AIO_READ_LINE(t, P.rc, &P.stream, AIO_NEVER);
    CHECK_EQ(P.rc, 6);
    AIO_END(t);
}

static aio_status timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, deaf_argv, &out_pipe), AIO_OK);
    CHECK_EQ(aio_spawn(&P.other, deaf_ready), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.other);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_MS(100)); /* its own deadline: it runs on */
    CHECK_EQ(P.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS);
    CHECK_EQ(kill(P.p.pid, 0), 0);
    AIO_PROCESS_STOP(t, P.rc, &P.p, AIO_MS(200)); /* SIGTERM ignored: SIGKILL after 200 ms */
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(T_MS(), 300);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_timeout_then_stop(void) { on_virtual_clock(timeout_main); }

/* A block's deadline stops the child: SIGTERM, and it ends by it (real
 * clock: a 10 s grace it never needs). */
static aio_status block_main(aio_task *t) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_OK);
    CHECK_EQ(aio_process_set_grace(&P.p, AIO_SEC(10)), AIO_OK);
    AIO_TIMEOUT(t, &P.block, AIO_MS(50)) {
        AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
        CHECK(0); /* (not reached: the block's deadline unwinds) */
    }
    CHECK_EQ(aio_timeout_status(&P.block), AIO_ETIMEDOUT);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    P.at = real_ms(t->loop);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_block_deadline_stops(void) {
    aio_loop loop;
    int fds = open_fds();
    reset();
    real_loop(&loop);
    CHECK_EQ(aio_run(&loop, &P.main, block_main), AIO_OK);
    CHECK(P.at >= 50 && P.at < 5000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* A cancelled task's child is stopped before the cancellation unwinds it;
 * a new cancellation during the grace period kills it at once. */
static aio_status awaiting_child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc2, &P.p, AIO_NEVER);
    CHECK(0); /* (cancelled) */
    AIO_FINALLY(t);
    P.at = T_MS();
    AIO_END(t);
}

static aio_status grace_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, deaf_argv, &out_pipe), AIO_OK);
    CHECK_EQ(aio_process_set_grace(&P.p, AIO_SEC(1)), AIO_OK);
    CHECK_EQ(aio_spawn(&P.other, deaf_ready), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.other);
    CHECK_EQ(aio_spawn(&P.t[0], awaiting_child), AIO_OK);
    AIO_SLEEP(t, AIO_MS(50));
    aio_cancel(&P.t[0]); /* SIGTERM (ignored), SIGKILL due at 1050 ms */
    AIO_SLEEP(t, AIO_MS(250));
    CHECK(aio_task_alive(&P.t[0]));
    CHECK_EQ(kill(P.p.pid, 0), 0);
    aio_cancel(&P.t[0]); /* a new cancellation: SIGKILL now */
    AIO_AWAIT(t, P.rc, &P.t[0]);
    CHECK_EQ(P.rc, AIO_ECANCELED);
    CHECK_EQ(P.at, 300);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_cancel_during_grace(void) { on_virtual_clock(grace_main); }

/* The same without a new cancellation: the grace runs out (virtual clock,
 * exact), and a child that ends by SIGTERM (real clock) is not killed. */
static aio_status grace_out_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, deaf_argv, &out_pipe), AIO_OK);
    CHECK_EQ(aio_process_set_grace(&P.p, AIO_MS(400)), AIO_OK);
    CHECK_EQ(aio_spawn(&P.other, deaf_ready), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.other);
    CHECK_EQ(aio_spawn(&P.t[0], awaiting_child), AIO_OK);
    AIO_SLEEP(t, AIO_MS(50));
    aio_cancel(&P.t[0]);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    CHECK_EQ(P.rc, AIO_ECANCELED);
    CHECK_EQ(P.at, 450);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static aio_status cancel_real_main(aio_task *t) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_OK);
    CHECK_EQ(aio_process_set_grace(&P.p, AIO_SEC(10)), AIO_OK);
    CHECK_EQ(aio_spawn(&P.t[0], awaiting_child), AIO_OK);
    AIO_SLEEP(t, AIO_MS(20));
    aio_cancel(&P.t[0]);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    CHECK_EQ(P.rc, AIO_ECANCELED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    CHECK(real_ms(t->loop) < 5000);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_cancel_stops(void) {
    aio_loop loop;
    int fds = open_fds();
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, grace_out_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    reset();
    real_loop(&loop);
    CHECK_EQ(aio_run(&loop, &P.main, cancel_real_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* AIO_PROCESS_STOP in a cleanup section is not cut short by the
 * cancellation that brought the task there. */
static aio_status cleanup_stop_task(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    AIO_PROCESS_STOP(t, P.rc2, &P.p, AIO_MS(100));
    P.at = T_MS();
    AIO_END(t);
}

static aio_status cleanup_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, deaf_argv, &out_pipe), AIO_OK);
    CHECK_EQ(aio_spawn(&P.other, deaf_ready), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.other);
    CHECK_EQ(aio_spawn(&P.t[0], cleanup_stop_task), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    aio_cancel(&P.t[0]);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    CHECK_EQ(P.rc, AIO_ECANCELED);
    CHECK_EQ(P.rc2, AIO_ESIGNALED);
    CHECK_EQ(P.at, 110);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_stop_in_cleanup(void) { on_virtual_clock(cleanup_main); }

/* --------------------------------------------------------- communicating */

static aio_status communicate_main(aio_task *t) {
    static const char *const cat[] = {"cat", NULL};
    static const char *const both[] = {"sh", "-c", "echo out; echo err >&2; exit 2", NULL};
    static const char *const chatty[] = {"sh", "-c", "i=0; while [ $i -lt 20 ]; do echo 0123456789; i=$((i+1)); done", NULL};
    static const char *const closes_input[] = {"sh", "-c", "exec 0<&-; echo done", NULL};
    AIO_BEGIN(t);
    /* input in, output back */
    CHECK_EQ(aio_process_spawn(&P.p, cat, &pipes), AIO_OK);
    P.io.input = "hello, child\n";
    P.io.input_len = 13;
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 13);
    CHECK(memcmp(P.out, "hello, child\n", 13) == 0);
    CHECK_EQ(P.io.err_len, 0);
    CHECK_EQ((int)P.p.in, -1); /* (every pipe closed at its end) */
    CHECK_EQ((int)P.p.out, -1);
    CHECK_EQ((int)P.p.err, -1);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* output and error apart */
    memset(&P.io, 0, sizeof P.io);
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    P.io.err = P.err;
    P.io.err_size = sizeof P.err;
    CHECK_EQ(aio_process_spawn(&P.p, both, &pipes), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 2);
    CHECK_EQ(P.io.out_len, 4);
    CHECK(memcmp(P.out, "out\n", 4) == 0);
    CHECK_EQ(P.io.err_len, 4);
    CHECK(memcmp(P.err, "err\n", 4) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* more output than the buffer: counted, the rest dropped */
    memset(&P.io, 0, sizeof P.io);
    P.io.out = P.out;
    P.io.out_size = 15;
    CHECK_EQ(aio_process_spawn(&P.p, chatty, &out_pipe), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 220);
    CHECK(memcmp(P.out, "0123456789\n0123", 15) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* a child that closes its input before reading it: the rest is dropped */
    memset(&P.io, 0, sizeof P.io);
    P.io.input = P.big;
    P.io.input_len = 1 << 20;
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    CHECK_EQ(aio_process_spawn(&P.p, closes_input, &pipes), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 5);
    CHECK_EQ(P.io.input_done, P.io.input_len);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* 1 MB through cat and back: neither side's pipe may fill for good */
    memset(&P.io, 0, sizeof P.io);
    P.io.input = P.big;
    P.io.input_len = 1 << 20;
    P.io.out = P.big_out;
    P.io.out_size = 1 << 20;
    CHECK_EQ(aio_process_spawn(&P.p, cat, &pipes), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 1 << 20);
    CHECK(memcmp(P.big, P.big_out, 1 << 20) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}

static void test_processes_communicate(void) {
    aio_loop loop;
    int fds = open_fds();
    size_t i;
    reset();
    P.big = (char *)malloc(1 << 20);
    P.big_out = (char *)malloc(1 << 20);
    CHECK(P.big && P.big_out);
    for (i = 0; i < (1u << 20); i++) P.big[i] = (char)('a' + i % 26);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, communicate_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(P.big);
    free(P.big_out);
    check_clean(fds);
}

/* A communicate that times out (real clock, wide margins: the child's first
 * line is there well before the deadline) keeps what it collected, and
 * goes on where it was when repeated. */
static aio_status communicate_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    CHECK_EQ(aio_process_spawn(&P.p, deaf_argv, &out_pipe), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_SEC(1));
    CHECK_EQ(P.rc, AIO_ETIMEDOUT);
    CHECK(real_ms(t->loop) >= 1000);
    CHECK_EQ(P.io.out_len, 6); /* "ready\n" */
    CHECK_EQ(aio_process_kill(&P.p), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER); /* again: on to its end */
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(P.io.out_len, 6);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

/* No input given: the child's input is closed at once (its `read` ends). */
static aio_status communicate_no_input_main(aio_task *t) {
    static const char *const reads[] = {"sh", "-c", "echo first; read x; echo second $x", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, reads, &pipes), AIO_OK);
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 13);
    CHECK(memcmp(P.out, "first\nsecond\n", 13) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_communicate_timeout(void) {
    aio_loop loop;
    int fds = open_fds();
    reset();
    real_loop(&loop);
    CHECK_EQ(aio_run(&loop, &P.main, communicate_timeout_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, communicate_no_input_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* ------------------------------------------------------- pipes as streams */

static aio_status streams_main(aio_task *t) {
    static const char *const lines[] = {"sh", "-c", "echo one; echo two; exec 1>&-; sleep 0; exit 4", NULL};
    static const char *const cat[] = {"cat", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, lines, &out_pipe), AIO_OK);
    CHECK_EQ(aio_stream_init(&P.stream, P.p.out, P.buf, sizeof P.buf), AIO_OK);
    AIO_READ_LINE(t, P.rc, &P.stream, AIO_NEVER);
    CHECK_EQ(P.rc, 4);
    CHECK(memcmp(aio_stream_data(&P.stream), "one\n", 4) == 0);
    AIO_READ_LINE(t, P.rc, &P.stream, AIO_NEVER);
    CHECK_EQ(P.rc, 4);
    CHECK(memcmp(aio_stream_data(&P.stream), "two\n", 4) == 0);
    AIO_READ_LINE(t, P.rc, &P.stream, AIO_NEVER); /* it closed its output early: the end */
    CHECK_EQ(P.rc, 0);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 4);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* written with AIO_SEND_ALL, read back with AIO_RECV */
    CHECK_EQ(aio_process_spawn(&P.p, cat, &pipes), AIO_OK);
    AIO_SEND_ALL(t, P.rc, P.p.in, "ping\n", 5, AIO_NEVER);
    CHECK_EQ(P.rc, AIO_OK);
    AIO_RECV(t, P.rc, P.p.out, P.buf, sizeof P.buf, AIO_NEVER);
    CHECK_EQ(P.rc, 5);
    CHECK(memcmp(P.buf, "ping\n", 5) == 0);
    CHECK_EQ(aio_process_end_input(&P.p), AIO_OK); /* cat sees the end and ends */
    CHECK_EQ((int)P.p.in, -1);
    CHECK_EQ(aio_process_end_input(&P.p), AIO_OK); /* (again: nothing left to close) */
    AIO_RECV(t, P.rc, P.p.out, P.buf, sizeof P.buf, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_pipes_as_streams(void) { on_virtual_clock(streams_main); }

static aio_status broken_pipe_main(aio_task *t) {
    static const char *const gone[] = {"true", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, gone, &pipes), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    AIO_SEND_ALL(t, P.rc, P.p.in, "x", 1, AIO_NEVER); /* its reader is gone */
    CHECK_EQ(P.rc, AIO_ECONNRESET);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_broken_pipe(void) { on_virtual_clock(broken_pipe_main); }

/* ------------------------------------------------------- many at once */

static aio_status one_of_many(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rcs[t - P.t], &P.ps[t - P.t], AIO_NEVER);
    AIO_END(t);
}

static aio_status many_main(aio_task *t) {
    static int i;
    static char codes[100][24];
    static const char *argv[100][4];
    AIO_BEGIN(t);
    for (i = 0; i < 100; i++) {
        (void)snprintf(codes[i], sizeof codes[i], "exit %d", i);
        argv[i][0] = "sh";
        argv[i][1] = "-c";
        argv[i][2] = codes[i];
        argv[i][3] = NULL;
        CHECK_EQ(aio_process_spawn(&P.ps[i], argv[i], NULL), AIO_OK);
        CHECK_EQ(aio_spawn(&P.t[i], one_of_many), AIO_OK);
    }
    for (i = 0; i < 100; i++) AIO_AWAIT(t, P.rc, &P.t[i]);
    for (i = 0; i < 100; i++) {
        CHECK_EQ(P.rcs[i], i);
        CHECK_EQ(aio_process_close(&P.ps[i]), AIO_OK);
    }
    AIO_END(t);
}

static void test_processes_hundred_at_once(void) { on_virtual_clock(many_main); }

/* ------------------------------------------- what is left when the loop goes */

static aio_status leave_behind_main(aio_task *t) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, &pipes), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.ps[0], sleeper, NULL), AIO_OK);
    AIO_END(t);
}

static void test_processes_loop_destroyed(void) {
    aio_loop loop;
    int fds = open_fds();
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, leave_behind_main), AIO_OK);
    CHECK_EQ(kill(P.p.pid, 0), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK); /* killed, reaped, pipes closed */
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(aio_process_returncode(&P.ps[0]), -SIGKILL);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK); /* (closed already) */
    check_clean(fds);
}

/* ------------------------------------------------------------ bad input */

static aio_status second_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc2, &P.p, AIO_NEVER);
    AIO_END(t);
}

/* Bad arguments to an await raise AIO_EINVAL (the task ends with it). */
static aio_process never_spawned;
static aio_status wait_never_spawned(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc, &never_spawned, AIO_SEC(1));
    AIO_END(t);
}
static aio_status wait_bad_loop(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(1));
    AIO_END(t);
}
static aio_status wait_null(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc, NULL, AIO_SEC(1));
    AIO_END(t);
}
static aio_status wait_bad_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER / 2 + 1); /* (beyond half the clock range) */
    AIO_END(t);
}
static aio_status stop_never(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_STOP(t, P.rc, &P.p, AIO_NEVER);
    AIO_END(t);
}
static aio_status stop_bad_grace(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_STOP(t, P.rc, &P.p, -5);
    AIO_END(t);
}
/* A wait is a checkpoint: cancelled before it, it raises and waits for nothing. */
static aio_status wait_cancelled(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_cancel(t), 1);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(1));
    CHECK(0); /* (never reached) */
    AIO_END(t);
}
static aio_status communicate_no_buffer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_SEC(1));
    AIO_END(t);
}

/* Two awaits of one child: the second is refused (lv, no raise). */
static aio_status bad_input_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&P.other, second_waiter), AIO_OK);
    AIO_YIELD(t);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(1));
    CHECK_EQ(P.rc, AIO_EBUSY);
    CHECK_DEBUG("another task awaits the process");
    CHECK_EQ(aio_process_close(&P.p), AIO_EBUSY);
    CHECK_EQ(aio_process_terminate(&P.p), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.other);
    CHECK_EQ(P.rc2, AIO_ESIGNALED);
    AIO_END(t);
}

/* A spawn out of descriptors: room for no pipe, for one of the three, for
 * two, for the three and not the one that reports a failed start, or for
 * no /dev/null. Each
 * is AIO_EIO with errno EMFILE, what it made closed again (the same
 * descriptors free as before) and no child left; with room again, the same
 * spawn runs. */
#include <sys/resource.h>
static int first_free_fd(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) (void)close(fd);
    return fd;
}
static aio_status wait_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    AIO_END(t);
}
static aio_status stop_main_grace(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_STOP(t, P.rc, &P.p, AIO_SEC(5));
    AIO_END(t);
}
static aio_status wait_main_deadline(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(1));
    AIO_END(t);
}
static void test_processes_out_of_descriptors(void) {
    static const char *const truth[] = {"true", NULL};
    static const int room[4] = {0, 2, 4, 6};
    static int fill[64];
    struct rlimit old, low;
    aio_loop loop;
    int nfill = 0;
    int fds = open_fds();
    int k, i, before;
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) {
        /* valgrind keeps a limit of its own below the system's, and its
         * own errno for a call beyond it */
        printf("    (under valgrind: the descriptor limit is valgrind's, skipped)\n");
        fflush(stdout);
        return;
    }
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_process_spawn(&P.p, truth, &pipes), AIO_OK); /* (the loop's wait for children made) */
    CHECK_EQ(test_run(&loop, &P.main, wait_main), AIO_OK);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)first_free_fd() + 40;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    while (nfill < 64 && (fill[nfill] = open("/dev/null", O_RDONLY)) >= 0) nfill++;
    CHECK(nfill >= 8 && nfill < 64); /* (the descriptors ran out) */
    for (k = 0; k < 4; k++) {
        for (i = 0; i < room[k]; i++) (void)close(fill[--nfill]);
        before = first_free_fd();
        errno = 0;
        CHECK_EQ(aio_process_spawn(&P.p, truth, &pipes), AIO_EIO);
        CHECK_EQ(errno, EMFILE);
        CHECK_EQ(first_free_fd(), before); /* (what it made: closed again) */
        for (i = 0; i < room[k]; i++) fill[nfill++] = open("/dev/null", O_RDONLY);
        CHECK(fill[nfill - 1] >= 0);
    }
    errno = 0; /* (and no room for /dev/null either) */
    CHECK_EQ(aio_process_spawn(&P.p, truth, &out_pipe), AIO_EIO);
    CHECK_EQ(errno, EMFILE);
    while (nfill) (void)close(fill[--nfill]);
    /* room again under the low limit: the child's closing stops at it */
    CHECK_EQ(aio_process_spawn(&P.p, truth, &pipes), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, wait_main), AIO_OK);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
    CHECK_EQ(aio_process_spawn(&P.p, truth, &pipes), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, wait_main), AIO_OK);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* A wait with a deadline on a loop with no timer slot to give it: it
 * raises AIO_ENOSPC (as every await does), and the child is left as it
 * was, still running; a stop there has no slot for its grace period
 * either: it is killed at once (AIO_ESIGNALED). */
static void test_processes_no_timer_slot(void) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    aio_loop loop;
    int fds = open_fds();
    reset();
    aio_loop_init(&loop, NULL, 0); /* (no slot, and no way to grow) */
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_OK);
    CHECK_EQ(aio_run(&loop, &P.main, wait_main_deadline), AIO_ENOSPC);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS);
    memset(&P.main, 0, sizeof P.main);
    P.start = aio_loop_now(&loop);
    CHECK_EQ(aio_run(&loop, &P.main, stop_main_grace), AIO_OK); /* (no slot for its grace: killed at once) */
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK(aio_process_returncode(&P.p) == -9 || aio_process_returncode(&P.p) == -15); /* (SIGTERM went first) */
    CHECK(aio_loop_now(&loop) - P.start < AIO_SEC(2)); /* (the real clock: no 5 s grace waited for) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

static void test_processes_bad_input(void) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    static const char *const empty[] = {"", NULL};
    static const char *const sh[] = {"sh", NULL};
    aio_process_options bad_mode = {NULL, NULL, AIO_STDIO_STDOUT, 0, 0};
    aio_process_options bad_err = {NULL, NULL, 0, 0, 9};
    static const aio_process_options bad_modes[4] = {
        {NULL, NULL, -1, 0, 0}, {NULL, NULL, 0, -1, 0}, {NULL, NULL, 0, AIO_STDIO_STDOUT, 0}, {NULL, NULL, 0, 0, -1}};
    aio_loop loop, other;
    int fds = open_fds();
    int i;
    reset();
    CHECK_EQ(aio_process_close(NULL), AIO_OK);
    CHECK_EQ(aio_process_returncode(NULL), AIO_EINPROGRESS);
    test_loop(&loop);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, sh, NULL), AIO_EINVAL); /* (no loop: the last one was destroyed) */
    CHECK_DEBUG("aio_process_spawn: no loop is running or initialised");
    test_loop(&loop);
    for (i = 0; i < 4; i++) CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_modes[i]), AIO_EINVAL);
    CHECK_DEBUG("a standard stream's mode");
    test_last_debug[0] = '\0';
    CHECK_EQ(aio_process_spawn(NULL, sh, NULL), AIO_EINVAL);
    CHECK_EQ(aio_process_spawn(&P.p, NULL, NULL), AIO_EINVAL);
    CHECK_EQ(aio_process_spawn(&P.p, empty, NULL), AIO_EINVAL);
    CHECK_DEBUG("argv or argv[0] is NULL or empty");
    CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_mode), AIO_EINVAL);
    CHECK_DEBUG("a standard stream's mode");
    CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_err), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &P.main, wait_never_spawned), AIO_EINVAL);
    CHECK_DEBUG("not a process spawned on this loop");
    CHECK_EQ(test_run(&loop, &P.main, wait_null), AIO_EINVAL);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_EBUSY);
    CHECK_DEBUG("the process is open");
    test_loop(&other); /* (a loop of its own: it cannot wait for the first one's child) */
    CHECK_EQ(test_run(&other, &P.main, wait_bad_loop), AIO_EINVAL);
    CHECK_DEBUG("a process's await: not a process spawned on this loop");
    CHECK_EQ(aio_loop_destroy(&other), AIO_OK);
    test_last_debug[0] = '\0';
    CHECK_EQ(test_run(&loop, &P.main, wait_bad_timeout), AIO_EINVAL);
    CHECK_DEBUG("the timeout is NaN, negative");
    CHECK_EQ(test_run(&loop, &P.main, stop_never), AIO_EINVAL);
    CHECK_DEBUG("AIO_PROCESS_STOP: the grace period");
    CHECK_EQ(test_run(&loop, &P.main, stop_bad_grace), AIO_EINVAL);
    CHECK_DEBUG("AIO_PROCESS_STOP: the grace period is NaN, negative or beyond half the clock range");
    CHECK_EQ(test_run(&loop, &P.main, wait_cancelled), AIO_ECANCELED);
    CHECK(P.p.waiter == NULL); /* (no wait began) */
    test_last_debug[0] = '\0';
    CHECK_EQ(aio_process_set_grace(&P.p, AIO_NEVER), AIO_EINVAL);
    CHECK_EQ(aio_process_signal(&P.p, 0), AIO_EINVAL);
    CHECK_EQ(aio_process_signal(&P.p, -3), AIO_EINVAL);
    CHECK_DEBUG("aio_process_signal: not a signal number");
    memset(&P.io, 0, sizeof P.io);
    P.io.out_size = 10; /* and no buffer */
    test_last_debug[0] = '\0';
    CHECK_EQ(test_run(&loop, &P.main, communicate_no_buffer), AIO_EINVAL);
    CHECK_DEBUG("AIO_COMMUNICATE: a buffer is NULL with a size");
    test_last_debug[0] = '\0';
    CHECK_EQ(test_run(&loop, &P.main, bad_input_main), AIO_OK);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_end_input(&P.p), AIO_EINVAL);
    CHECK_EQ(aio_process_set_grace(&P.p, 0), AIO_EINVAL);
    CHECK_EQ(aio_process_kill(&P.p), AIO_EINVAL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* More of what the calls refuse, and the corners of starting one. */
static aio_status cancelled_first(aio_task *t) {
    AIO_BEGIN(t);
    AIO_PROCESS_WAIT(t, P.rc2, &P.p, AIO_NEVER); /* (a cancellation already there) */
    CHECK(0);
    AIO_END(t);
}

static aio_status reads_out(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, P.rc2, &P.stream, AIO_NEVER);
    AIO_END(t);
}

static aio_status corners_main(aio_task *t) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    static const char *const sh[] = {"sh", "-c", "exit 5", NULL};
    static const char *const zeros[] = {"head", "-c", "1048576", "/dev/zero", NULL};
    static const char *const no_path_env[] = {"HOME=/", NULL};
    static aio_process_options no_path = {no_path_env, NULL, 0, 0, 0};
    AIO_BEGIN(t);
    /* a cancellation already there: the await raises it, the child is not touched */
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_OK);
    CHECK_EQ(aio_spawn(&P.t[0], cancelled_first), AIO_OK);
    aio_cancel(&P.t[0]);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    CHECK_EQ(P.rc, AIO_ECANCELED);
    CHECK_EQ(kill(P.p.pid, 0), 0);
    /* a stop with no grace: SIGKILL at once */
    AIO_PROCESS_STOP(t, P.rc, &P.p, 0);
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGKILL);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* a pipe another task waits on: AIO_COMMUNICATE is refused */
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, &pipes), AIO_OK);
    CHECK_EQ(aio_stream_init(&P.stream, P.p.out, P.buf, sizeof P.buf), AIO_OK);
    CHECK_EQ(aio_spawn(&P.t[1], reads_out), AIO_OK);
    AIO_YIELD(t);
    memset(&P.io, 0, sizeof P.io);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_SEC(1));
    CHECK_EQ(P.rc, AIO_EBUSY);
    CHECK_DEBUG("has another task waiting on it");
    aio_cancel(&P.t[1]);
    AIO_AWAIT(t, P.rc, &P.t[1]);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* 1 MB of output into no buffer: counted, dropped, the loop not held */
    memset(&P.io, 0, sizeof P.io);
    CHECK_EQ(aio_process_spawn(&P.p, zeros, &out_pipe), AIO_OK);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 1 << 20);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* an environment without PATH: the system's default */
    CHECK_EQ(aio_process_spawn(&P.p, sh, &no_path), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 5);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static aio_status bad_io_input(aio_task *t) {
    AIO_BEGIN(t);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_SEC(1));
    AIO_END(t);
}

static aio_status communicate_never(aio_task *t) {
    AIO_BEGIN(t);
    AIO_COMMUNICATE(t, P.rc, &P.p, &P.io, AIO_NEVER);
    AIO_END(t);
}

static aio_status sigchld_main(aio_task *t) {
    static const char *const sh[] = {"sh", "-c", "exit 6", NULL};
    static aio_event ev;
    AIO_BEGIN(t);
    memset(&ev, 0, sizeof ev);
    CHECK_EQ(aio_signal_event(SIGCHLD, &ev), AIO_OK); /* the program's own SIGCHLD, beside the children's */
    CHECK_EQ(aio_process_spawn(&P.p, sh, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 6);
    AIO_EVENT_WAIT(t, P.rc, &ev, AIO_NEVER); /* its delivery came too */
    CHECK_EQ(P.rc, AIO_OK);
    CHECK_EQ(aio_signal_event(SIGCHLD, NULL), AIO_OK);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, sh, NULL), AIO_OK); /* (still told of its exit) */
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 6);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_corners(void) {
    static const char *const no_program[] = {NULL};
    static const char *const sh[] = {"sh", NULL};
    static const char *const six[] = {"sh", "-c", "exit 6", NULL};
    static const char *const cat[] = {"cat", NULL};
    aio_process_options bad_in = {NULL, NULL, -1, 0, 0};
    aio_process_options bad_out = {NULL, NULL, 0, 9, 0};
    aio_process_options bad_err = {NULL, NULL, 0, 0, -1};
    aio_loop loop;
    aio_loop other;
    int fds = open_fds();
    int saved_stdin;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_process_spawn(&P.p, no_program, NULL), AIO_EINVAL);
    CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_in), AIO_EINVAL);
    CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_out), AIO_EINVAL);
    CHECK_EQ(aio_process_spawn(&P.p, sh, &bad_err), AIO_EINVAL);
    CHECK_EQ(aio_process_signal(NULL, SIGTERM), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &P.main, corners_main), AIO_OK);
    /* AIO_COMMUNICATE's bad buffers */
    CHECK_EQ(aio_process_spawn(&P.p, cat, &pipes), AIO_OK);
    CHECK_EQ(aio_process_signal(&P.p, 100000), AIO_EINVAL);
    memset(&P.io, 0, sizeof P.io);
    P.io.input_len = 3; /* no input */
    CHECK_EQ(test_run(&loop, &P.main, bad_io_input), AIO_EINVAL);
    memset(&P.io, 0, sizeof P.io);
    P.io.err_size = 3; /* no buffer */
    CHECK_EQ(test_run(&loop, &P.main, bad_io_input), AIO_EINVAL);
    memset(&P.io, 0, sizeof P.io);
    P.io.input = "abc";
    P.io.input_len = 3;
    P.io.input_done = 4; /* past the end */
    CHECK_EQ(test_run(&loop, &P.main, bad_io_input), AIO_EINVAL);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* this process's standard input closed: the child's pipes must not land on 0-2 */
    saved_stdin = dup(0);
    CHECK(saved_stdin > 2);
    CHECK_EQ(close(0), 0);
    CHECK_EQ(aio_process_spawn(&P.p, cat, &pipes), AIO_OK); /* (one of ours may be 0 now) */
    memset(&P.io, 0, sizeof P.io);
    P.io.input = "abc";
    P.io.input_len = 3;
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    CHECK_EQ(test_run(&loop, &P.main, communicate_never), AIO_OK);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 3);
    CHECK(memcmp(P.out, "abc", 3) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(dup2(saved_stdin, 0), 0);
    CHECK_EQ(close(saved_stdin), 0);
    /* SIGCHLD routed by the program as well */
    CHECK_EQ(test_run(&loop, &P.main, sigchld_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    /* signals routed to another loop: a child here is told of its exit all
     * the same (by SIGCHLD where there is no pidfd: valgrind, which does not
     * know the system call, AIO_NO_PIDFD and AIO_NO_LINUX builds) */
    test_loop(&other);
    CHECK_EQ(aio_signal_event(SIGUSR1, &P.ev), AIO_OK);
    test_loop(&loop);
    CHECK_EQ(aio_process_spawn(&P.p, six, NULL), AIO_OK);
#if defined(AIO_NO_PIDFD) || !TEST_LINUX
    CHECK(P.p.pidfd < 0);
#endif
    CHECK_EQ(test_run(&loop, &P.main, wait_main), AIO_OK);
    CHECK_EQ(P.rc, 6);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&other), AIO_OK);
    check_clean(fds);
}

/* ------------------------------------------------ a child's own children */

/* A child whose p.group was set before its spawn leads a process group of
 * its own, and every signal goes to the whole group, as Windows' job ends
 * the child's own children with it: a stop ends the shell and the sleep it
 * started; a shell that ended by itself, leaving a sleep behind, has the
 * sleep ended by aio_process_close (the shell is kept unreaped until then,
 * its exit status read). Without p.group the sleep outlives both (and is
 * killed here). Each shell says its sleep's pid first; real clock. */
static long long grandchild;

/* Whether process `pid` has ended (gone, or a zombie its new parent has
 * not reaped yet), within 5 s. */
static int ended(long long pid) {
    int tries;
    for (tries = 0; tries < 500; tries++) {
        struct timespec pause = {0, 10000000};
        char path[64], stat[256];
        FILE *f;
        size_t n = 0;
        if (kill((pid_t)pid, 0) != 0) return 1;
        (void)snprintf(path, sizeof path, "/proc/%lld/stat", pid);
        f = fopen(path, "r");
        if (f) {
            n = fread(stat, 1, sizeof stat - 1, f);
            (void)fclose(f);
            stat[n] = '\0';
            if (strstr(stat, ") Z ")) return 1;
        }
        (void)nanosleep(&pause, NULL);
    }
    return 0;
}

/* Read the sleep's pid, the first line of the shell's output. */
static aio_status reads_grandchild(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&P.stream, P.p.out, P.buf, sizeof P.buf), AIO_OK);
    AIO_READ_LINE(t, P.rc2, &P.stream, AIO_SEC(5));
    CHECK(P.rc2 > 1);
    grandchild = atoll(aio_stream_data(&P.stream)); /* (up to its newline) */
    CHECK(grandchild > 0);
    AIO_END(t);
}

static aio_status group_main(aio_task *t) {
    static const char *const waits[] = {"sh", "-c", "sleep 30 & echo $!; wait", NULL};
    static const char *const leaves[] = {"sh", "-c", "sleep 30 & echo $!", NULL};
    static const aio_process_options out_only = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_PIPE, AIO_STDIO_INHERIT};
    AIO_BEGIN(t);
    /* a stop ends the group */
    P.p.group = 1;
    CHECK_EQ(aio_process_spawn(&P.p, waits, &out_only), AIO_OK);
    CHECK_EQ(P.p.group, 1);
    CHECK_EQ(aio_process_signal(&P.p, 100000), AIO_EINVAL); /* (not a signal: the group's kill refuses it too) */
    CHECK_EQ(aio_spawn(&P.t[0], reads_grandchild), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    AIO_PROCESS_STOP(t, P.rc, &P.p, AIO_SEC(10));
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&P.p), -SIGTERM);
    CHECK(ended(grandchild));
    CHECK(real_ms(t->loop) < 5000); /* (SIGTERM did it: no SIGKILL after the grace) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    /* a child that ended by itself: its group ends at the close */
    CHECK_EQ(aio_process_spawn(&P.p, leaves, &out_only), AIO_OK); /* (p.group stays) */
    CHECK_EQ(aio_spawn(&P.t[0], reads_grandchild), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_SEC(10));
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(kill((pid_t)grandchild, 0), 0); /* (the sleep runs on) */
    CHECK_EQ(kill((pid_t)P.p.pid, 0), 0);    /* (the shell, kept unreaped) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK(ended(grandchild));
    CHECK_EQ(aio_process_returncode(&P.p), 0);
    /* without a group of its own, the sleep outlives its shell's stop */
    P.p.group = 0;
    CHECK_EQ(aio_process_spawn(&P.p, waits, &out_only), AIO_OK);
    CHECK_EQ(aio_spawn(&P.t[0], reads_grandchild), AIO_OK);
    AIO_AWAIT(t, P.rc, &P.t[0]);
    AIO_PROCESS_STOP(t, P.rc, &P.p, AIO_SEC(10));
    CHECK_EQ(P.rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(kill((pid_t)grandchild, 0), 0);
    CHECK_EQ(kill((pid_t)grandchild, SIGKILL), 0);
    AIO_END(t);
}

static void test_processes_group(void) {
    aio_loop loop;
    int fds = open_fds();
    reset();
    real_loop(&loop);
    CHECK_EQ(aio_run(&loop, &P.main, group_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* ------------------------------------------------- what a child is given */

/* A child gets its three standard streams and nothing else of the
 * program's, as asyncio's do: a pipe the program made itself (not
 * close-on-exec, one copy of its writer far up the numbers) is not held
 * by the child, so once the program closes the writer the reader sees the
 * end at once, while the child still runs. */
static int own_pipe[3];

static aio_status only_stdio_main(aio_task *t) {
    static const char *const sleeper[] = {"sleep", "30", NULL};
    static const aio_process_options quiet = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_DEVNULL,
                                              AIO_STDIO_DEVNULL};
    AIO_BEGIN(t);
    CHECK_EQ(pipe(own_pipe), 0);
    own_pipe[2] = fcntl(own_pipe[1], F_DUPFD, 200);
    CHECK(own_pipe[2] >= 200);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, &quiet), AIO_OK);
    CHECK_EQ(close(own_pipe[1]), 0);
    CHECK_EQ(close(own_pipe[2]), 0);
    AIO_RECV(t, P.rc, own_pipe[0], P.buf, sizeof P.buf, AIO_SEC(5));
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(kill(P.p.pid, 0), 0); /* (still running) */
    CHECK_EQ(aio_close(own_pipe[0]), AIO_OK);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}

static void test_processes_only_standard_streams(void) { on_virtual_clock(only_stdio_main); }

/* With the program's standard streams closed (a daemon), the descriptors
 * a spawn makes take those numbers; none of them may be where the child's
 * streams go: a program that does not exist is still AIO_ENOTFOUND, and
 * one that runs writes its output and error to its pipe. With no number
 * above them left (the limit at 3), a pipe's end cannot be moved there:
 * AIO_EIO, the pipe closed. */
static void test_processes_closed_standard_streams(void) {
    static const char *const yes[] = {"true", NULL};
    static const char *const nope[] = {"/no/such/program", NULL};
    static const char *const both[] = {"sh", "-c", "echo out; echo err >&2", NULL};
    static const aio_process_options merged = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_PIPE, AIO_STDIO_STDOUT};
    static const aio_process_options in_pipe = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_DEVNULL, AIO_STDIO_DEVNULL};
    const char *preload = getenv("LD_PRELOAD");
    int valgrind = preload && strstr(preload, "vgpreload"); /* (its descriptor limit is its own) */
    struct rlimit old, low;
    aio_status missing;
    aio_status ran;
    aio_status no_room = AIO_EIO;
    int left = 0;
    aio_loop loop;
    int saved[3];
    int fds = open_fds();
    int i;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_OK); /* (the loop's own descriptors made) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    (void)fflush(stdout);
    for (i = 0; i < 3; i++) saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
    for (i = 0; i < 3; i++) (void)close(i);
    if (!valgrind && getrlimit(RLIMIT_NOFILE, &old) == 0) {
        low = old;
        low.rlim_cur = 3;
        if (setrlimit(RLIMIT_NOFILE, &low) == 0) {
            no_room = aio_process_spawn(&P.ps[0], yes, &in_pipe);
            (void)setrlimit(RLIMIT_NOFILE, &old);
            for (i = 0; i < 3; i++) left += fcntl(i, F_GETFD) >= 0; /* (the pipe's ends closed) */
        }
    }
    missing = aio_process_spawn(&P.p, nope, &merged);
    if (missing == AIO_OK) (void)aio_process_close(&P.p);
    ran = aio_process_spawn(&P.p, both, &merged);
    P.io.out = P.out;
    P.io.out_size = sizeof P.out;
    if (ran == AIO_OK) ran = test_run(&loop, &P.main, communicate_never);
    for (i = 0; i < 3; i++) {
        (void)dup2(saved[i], i);
        (void)close(saved[i]);
    }
    CHECK_EQ(no_room, AIO_EIO);
    CHECK_EQ(left, 0);
    CHECK_EQ(missing, AIO_ENOTFOUND);
    CHECK_EQ(ran, AIO_OK);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(P.io.out_len, 8);
    CHECK(memcmp(P.out, "out\nerr\n", 8) == 0);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* A child the program reaps itself (a waitpid of its own): its exit status
 * is gone, so the wait gives 255 (in a process group of its own too); and
 * one killed and reaped behind the loop's back is closed all the same (the
 * kill and the reap find nothing). */
static void test_processes_reaped_by_the_program(void) {
    static const char *const yes[] = {"true", NULL};
    static const char *const sleeper[] = {"sleep", "30", NULL};
    aio_loop loop;
    int status;
    int fds = open_fds();
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_OK);
    CHECK_EQ(waitpid(P.p.pid, &status, 0), P.p.pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(test_run(&loop, &P.main, wait_main), AIO_OK);
    CHECK_EQ(P.rc, 255);
    CHECK_EQ(aio_process_returncode(&P.p), 255);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, sleeper, NULL), AIO_OK);
    CHECK_EQ(kill(P.p.pid, SIGKILL), 0);
    CHECK_EQ(waitpid(P.p.pid, &status, 0), P.p.pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_EQ(aio_process_returncode(&P.p), AIO_EINPROGRESS); /* (the loop has not looked) */
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_process_returncode(&P.p), 255); /* (what the close found: no status) */
    P.p.group = 1; /* the same for a child leading a group of its own */
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_OK);
    CHECK_EQ(waitpid(P.p.pid, &status, 0), P.p.pid);
    CHECK_EQ(test_run(&loop, &P.main, wait_main), AIO_OK);
    CHECK_EQ(P.rc, 255);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    check_clean(fds);
}

/* SIGCHLD's action is the program's. Ignored (the system then reaps the
 * program's children itself), a child's exit status is still seen; after
 * the loop it is ignored again, and a child of the program's own that
 * ended while the loop lived is not left a zombie. A handler of its own,
 * with SA_NOCLDWAIT or without, is back after the loop too. The same with
 * a pidfd and without one (AIO_NO_PIDFD). */
static volatile sig_atomic_t own_sigchld_calls;
static void own_sigchld(int signo) {
    (void)signo;
    own_sigchld_calls++;
}

static int route_sigchld; /* the program routes SIGCHLD to an event first */

static aio_status sigchld_kept_main(aio_task *t) {
    static const char *const three[] = {"sh", "-c", "exit 3", NULL};
    siginfo_t info;
    AIO_BEGIN(t);
    if (route_sigchld) CHECK_EQ(aio_signal_event(SIGCHLD, &P.ev), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, three, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(P.rc, 3);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    P.at = (long long)fork(); /* a child of the program's own, ended at once */
    if (P.at == 0) _exit(0);
    CHECK(P.at > 0);
    memset(&info, 0, sizeof info); /* (its end, without reaping it: a zombie now, or gone) */
    (void)waitid(P_PID, (id_t)P.at, &info, WEXITED | WNOWAIT);
    AIO_END(t);
}

static void sigchld_kept_run(void (*handler)(int), int flags) {
    struct sigaction sa;
    struct sigaction now;
    aio_loop loop;
    int status;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (!route_sigchld) CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, sigchld_kept_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(sigaction(SIGCHLD, NULL, &now), 0);
    CHECK(now.sa_handler == handler);
    CHECK_EQ(now.sa_flags & SA_NOCLDWAIT, flags & SA_NOCLDWAIT);
    if (handler == SIG_IGN || (flags & SA_NOCLDWAIT)) { /* reaped, as the system would have */
        errno = 0;
        CHECK_EQ(waitpid((pid_t)P.at, &status, WNOHANG), -1);
        CHECK_EQ(errno, ECHILD);
    } else {
        CHECK_EQ(waitpid((pid_t)P.at, &status, WNOHANG), (pid_t)P.at);
    }
}

static void test_processes_sigchld_kept(void) {
    struct sigaction saved;
    int fds = open_fds();
    CHECK_EQ(sigaction(SIGCHLD, NULL, &saved), 0);
    sigchld_kept_run(SIG_IGN, 0);
    sigchld_kept_run(own_sigchld, 0);
    sigchld_kept_run(own_sigchld, SA_NOCLDWAIT);
    sigchld_kept_run(SIG_DFL, 0);
    /* routed to an event by the program, SIGCHLD ends in its default (as any
     * signal routed does), whatever it was before the routing */
    (void)signal(SIGCHLD, SIG_IGN);
    route_sigchld = 1;
    sigchld_kept_run(SIG_DFL, 0);
    route_sigchld = 0;
    CHECK_EQ(sigaction(SIGCHLD, &saved, NULL), 0);
    check_clean(fds);
}

/* Several loops, each with children of its own at once: every one may
 * spawn, wherever SIGCHLD tells of exits (no pidfd, or SIGCHLD ignored by
 * the program), and each is told of its own children's ends whichever loop
 * read the signal. Loop A's main task waits for its child; meanwhile a
 * task of A runs loop B, whose child outlives A's: B's wait reads the
 * SIGCHLD of A's child and passes it on, and A, back in its own wait, finds
 * its child ended (its await's deadline is 5 s of virtual time: missed,
 * the wait would give AIO_ETIMEDOUT at once). SIGCHLD's action is the
 * library's until the last of the loops is destroyed. */
static aio_loop loop_b;

static aio_status loop_b_main(aio_task *t) {
    static const char *const later[] = {"sh", "-c", "sleep 1; exit 4", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.ps[1], later, NULL), AIO_OK); /* (A has a child too) */
    AIO_PROCESS_WAIT(t, P.rcs[1], &P.ps[1], AIO_NEVER);
    CHECK_EQ(aio_process_close(&P.ps[1]), AIO_OK);
    AIO_END(t);
}
static aio_status runs_loop_b(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(test_run(&loop_b, &P.other, loop_b_main), AIO_OK);
    AIO_END(t);
}
static aio_status loop_a_main(aio_task *t) {
    static const char *const sooner[] = {"sh", "-c", "sleep 0.3; exit 3", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.ps[0], sooner, NULL), AIO_OK);
    CHECK_EQ(aio_spawn(&P.t[0], runs_loop_b), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rcs[0], &P.ps[0], AIO_SEC(5));
    CHECK_EQ(P.t[0].state, AIO__DONE); /* (B ran to its end first) */
    CHECK_EQ(aio_process_close(&P.ps[0]), AIO_OK);
    AIO_END(t);
}

static void two_loops_run(void (*action)(int)) {
    struct sigaction now;
    aio_loop loop;
    reset();
    (void)signal(SIGCHLD, action);
    test_loop(&loop_b);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, loop_a_main), AIO_OK);
    CHECK_EQ(P.rcs[0], 3);
    CHECK_EQ(P.rcs[1], 4);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(sigaction(SIGCHLD, NULL, &now), 0);
#if !defined(AIO_NO_PIDFD) && TEST_LINUX
    if (action == SIG_IGN) /* (else: no SIGCHLD needed, unless valgrind refuses pidfd) */
#endif
        CHECK(now.sa_handler != action); /* (B is still there) */
    CHECK_EQ(aio_loop_destroy(&loop_b), AIO_OK);
    CHECK_EQ(sigaction(SIGCHLD, NULL, &now), 0);
    CHECK(now.sa_handler == action);
}

static void test_processes_loops_side_by_side(void) {
    struct sigaction saved;
    int fds = open_fds();
    CHECK_EQ(sigaction(SIGCHLD, NULL, &saved), 0);
    two_loops_run(SIG_DFL);
    two_loops_run(SIG_IGN);
    CHECK_EQ(sigaction(SIGCHLD, &saved, NULL), 0);
    check_clean(fds);
}

/* The first loop SIGCHLD must tell opens the pipe its handler writes to,
 * and every such loop waits on that pipe: with no descriptor left for it,
 * the spawn is AIO_EIO (errno EMFILE) and nothing has changed; the same
 * where the pipe's number is beyond the loop's table of descriptors and
 * the table cannot grow (out of memory: builds with the allocator
 * counted). SIGCHLD ignored by the program, so that every build routes it.
 * The loop's wait is made first, by a wait on a pipe of the test's. */
static int room_pipe[2];
static aio_status waits_writable(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, P.rc, room_pipe[1], AIO_SEC(1));
    AIO_END(t);
}

static aio_status spawns_with_room(aio_task *t) {
    static const char *const yes[] = {"true", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, P.rc, &P.p, AIO_NEVER);
    CHECK_EQ(aio_process_close(&P.p), AIO_OK);
    AIO_END(t);
}
#ifdef TEST_COUNTED_ALLOC
static aio_status spawns_out_of_memory(aio_task *t) {
    static const char *const yes[] = {"true", NULL};
    AIO_BEGIN(t);
    test_alloc_fail_after(0);
    P.rc = aio_process_spawn(&P.p, yes, NULL);
    test_alloc_fail_after(-1);
    AIO_END(t);
}
#endif

static void test_processes_sigchld_no_room(void) {
    static const char *const yes[] = {"true", NULL};
    static int fill[128];
    struct sigaction saved, now;
    struct rlimit old, low;
    aio_loop loop;
    int nfill = 0;
    int fds = open_fds();
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) return; /* (valgrind's descriptor limit is its own) */
    reset();
    CHECK_EQ(sigaction(SIGCHLD, NULL, &saved), 0);
    (void)signal(SIGCHLD, SIG_IGN);
    CHECK_EQ(pipe(room_pipe), 0);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &P.main, waits_writable), AIO_OK);
    CHECK_EQ(P.rc, AIO_OK);
    /* no descriptor left */
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)first_free_fd() + 8;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    while (nfill < 128 && (fill[nfill] = open("/dev/null", O_RDONLY)) >= 0) nfill++;
    errno = 0;
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_EIO);
    CHECK_EQ(errno, EMFILE);
    while (nfill) (void)close(fill[--nfill]);
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
    CHECK_EQ(sigaction(SIGCHLD, NULL, &now), 0);
    CHECK(now.sa_handler == SIG_IGN);
#ifdef TEST_COUNTED_ALLOC
    /* the pipe beyond the table (64 numbers), which cannot grow: first the
     * only loop SIGCHLD would tell, then with another loop told already */
    while (nfill < 128 && first_free_fd() < 70) fill[nfill++] = open("/dev/null", O_RDONLY);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_EIO);
    test_alloc_fail_after(-1);
    CHECK_EQ(sigaction(SIGCHLD, NULL, &now), 0);
    CHECK(now.sa_handler == SIG_IGN);
    test_loop(&loop_b);
    CHECK_EQ(aio_process_spawn(&P.ps[1], yes, NULL), AIO_OK); /* (on loop B: the last made) */
    CHECK_EQ(test_run(&loop, &P.main, spawns_out_of_memory), AIO_OK);
    CHECK_EQ(P.rc, AIO_EIO);
    CHECK_EQ(aio_loop_destroy(&loop_b), AIO_OK); /* (its child killed and reaped) */
    while (nfill) (void)close(fill[--nfill]);
    CHECK_EQ(sigaction(SIGCHLD, NULL, &now), 0);
    CHECK(now.sa_handler == SIG_IGN);
#endif
    /* with room, the same spawn */
    CHECK_EQ(test_run(&loop, &P.main, spawns_with_room), AIO_OK);
    CHECK_EQ(P.rc, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(close(room_pipe[0]), 0);
    CHECK_EQ(close(room_pipe[1]), 0);
    CHECK_EQ(sigaction(SIGCHLD, &saved, NULL), 0);
    check_clean(fds);
}

/* A loop waiting through a port of its own has no children. */
static aio_status port_watch(aio_io *io, int fd, int old, int events) {
    (void)io; (void)fd; (void)old; (void)events;
    return AIO_OK;
}
static void port_wait(aio_io *io, aio_loop *loop, aio_time deadline) {
    (void)io; (void)loop; (void)deadline;
}

static void test_processes_need_system_wait(void) {
    static const char *const yes[] = {"true", NULL};
    static aio_io port;
    aio_loop loop;
    memset(&port, 0, sizeof port);
    port.watch = port_watch;
    port.wait = port_wait;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_io(&loop, &port), AIO_OK);
    CHECK_EQ(aio_process_spawn(&P.p, yes, NULL), AIO_EINVAL);
    CHECK_DEBUG("child processes need the system's wait");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* (The boards count a file's TEST_ENTRY lines: tests/embedded/test_qemu.sh.
 * They have no processes: only the test above runs there.) */
#define PROCESS_ENTRY(name) TEST_ENTRY (name)
static const test_case cases[] = {
    PROCESS_ENTRY(test_processes_exit_status),
    PROCESS_ENTRY(test_processes_out_of_descriptors),
    PROCESS_ENTRY(test_processes_no_timer_slot),
    PROCESS_ENTRY(test_processes_cannot_start),
    PROCESS_ENTRY(test_processes_timeout_then_stop),
    PROCESS_ENTRY(test_processes_block_deadline_stops),
    PROCESS_ENTRY(test_processes_cancel_during_grace),
    PROCESS_ENTRY(test_processes_cancel_stops),
    PROCESS_ENTRY(test_processes_stop_in_cleanup),
    PROCESS_ENTRY(test_processes_group),
    PROCESS_ENTRY(test_processes_communicate),
    PROCESS_ENTRY(test_processes_communicate_timeout),
    PROCESS_ENTRY(test_processes_pipes_as_streams),
    PROCESS_ENTRY(test_processes_broken_pipe),
    PROCESS_ENTRY(test_processes_hundred_at_once),
    PROCESS_ENTRY(test_processes_loop_destroyed),
    PROCESS_ENTRY(test_processes_bad_input),
    PROCESS_ENTRY(test_processes_corners),
    PROCESS_ENTRY(test_processes_only_standard_streams),
    PROCESS_ENTRY(test_processes_closed_standard_streams),
    PROCESS_ENTRY(test_processes_sigchld_kept),
    PROCESS_ENTRY(test_processes_loops_side_by_side),
    PROCESS_ENTRY(test_processes_sigchld_no_room),
    PROCESS_ENTRY(test_processes_reaped_by_the_program),
    PROCESS_ENTRY(test_processes_need_system_wait),
};
#endif

void register_processes_tests(void) { test_register(cases, TEST_COUNT(cases)); }
