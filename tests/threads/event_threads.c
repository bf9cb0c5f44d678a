/* SPDX-License-Identifier: MIT */
/* Events set from other threads: a worker thread with no loop, and a task of
 * a second loop running in its own thread, each set an event that a task of
 * the main thread's loop waits on with no timeout. The main loop sleeps in
 * the system idle hook with nothing armed; every set must wake it, and each
 * waiter must run in its own loop's thread. Then the same again with the
 * main loop waiting for I/O (it sleeps in epoll or poll(), woken through its
 * own pipe; on Windows in a Win32 event, then in WSAPoll woken through a
 * socket pair), and once more with the I/O wait let go
 * (aio_loop_set_io(&loop, NULL)) after the idle hook had opened its pipe:
 * the sets wake the idle hook again. Built and run by `make test`, under ThreadSanitizer by
 * `make sanitize`, and on Windows by `make test-windows`. Exit 0 when all is
 * well. */
#ifdef _WIN32
/* Windows (make test-windows): the same test on Win32 threads, an SRWLOCK
 * for the mutex (not recursive, as a default pthread mutex is not), and a
 * loopback socket pair where POSIX has socketpair. */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <string.h>
typedef SRWLOCK pthread_mutex_t;
#define PTHREAD_MUTEX_INITIALIZER SRWLOCK_INIT
#define pthread_mutex_lock(m) AcquireSRWLockExclusive(m)
#define pthread_mutex_unlock(m) ReleaseSRWLockExclusive(m)
#define pthread_mutex_trylock(m) (TryAcquireSRWLockExclusive(m) ? 0 : 1)
typedef DWORD pthread_t;
#define pthread_self() GetCurrentThreadId()
#define pthread_equal(a, b) ((a) == (b))
#define pause_briefly() Sleep(1) /* (1 ms at least: await_ack waits 100 s at most) */
typedef HANDLE thread_t;
#define THREAD_FN(name) DWORD WINAPI name(LPVOID arg)
#define THREAD_END 0
#define thread_start(th, fn) (*(th) = CreateThread(NULL, 0, fn, NULL, 0, NULL))
#define thread_join(th) (WaitForSingleObject(th, INFINITE), CloseHandle(th))
/* Windows has no socketpair: a loopback connection to a listener of its own. */
static int socketpair_stream(int sv[2]) {
    struct sockaddr_in a;
    int sl = sizeof a;
    WSADATA data;
    SOCKET l, c = INVALID_SOCKET, d = INVALID_SOCKET;
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0) return -1;
    l = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l != INVALID_SOCKET && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 &&
        getsockname(l, (struct sockaddr *)&a, &sl) == 0 && (c = socket(AF_INET, SOCK_STREAM, 0)) != INVALID_SOCKET &&
        connect(c, (struct sockaddr *)&a, sizeof a) == 0)
        d = accept(l, NULL, NULL);
    if (l != INVALID_SOCKET) closesocket(l);
    sv[0] = (int)d;
    sv[1] = (int)c;
    return d != INVALID_SOCKET ? 0 : -1;
}
#else
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
typedef pthread_t thread_t;
#define THREAD_FN(name) void *name(void *arg)
#define THREAD_END NULL
#define thread_start(th, fn) pthread_create(th, NULL, fn, NULL)
#define thread_join(th) pthread_join(th, NULL)
#define socketpair_stream(sv) socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
static void pause_briefly(void) {
    struct timespec pause = {0, 50000};
    nanosleep(&pause, NULL);
}
#endif

static pthread_mutex_t aio_mutex = PTHREAD_MUTEX_INITIALIZER;
#define AIO_CRITICAL_ENTER() pthread_mutex_lock(&aio_mutex)
#define AIO_CRITICAL_EXIT() pthread_mutex_unlock(&aio_mutex)
#define AIO_THREAD_LOCAL _Thread_local
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"

#define ROUNDS 200

static aio_event from_worker, from_loop_b;
static pthread_t main_thread;
static int acked_worker, acked_b, wrong_thread; /* under aio_mutex */

static void ack(int *counter, int value) {
    pthread_mutex_lock(&aio_mutex);
    *counter = value;
    if (!pthread_equal(pthread_self(), main_thread)) wrong_thread++;
    pthread_mutex_unlock(&aio_mutex);
}
static int read_acked(const int *counter) {
    int v;
    pthread_mutex_lock(&aio_mutex);
    v = *counter;
    pthread_mutex_unlock(&aio_mutex);
    return v;
}
/* Wait (up to 5 s) until the main loop has handled set number `n`. */
static int await_ack(const int *counter, int n) {
    int i;
    for (i = 0; i < 100000; i++) {
        if (read_acked(counter) >= n) return 1;
        pause_briefly();
    }
    return 0;
}

typedef struct { aio_task task; aio_event *ev; int *acked, n; aio_status rc; } waiter_t;
static aio_status waiter(aio_task *t) {
    waiter_t *s = AIO_SELF(t, waiter_t);
    AIO_BEGIN(t);
    for (s->n = 1; s->n <= ROUNDS; s->n++) {
        AIO_EVENT_WAIT(t, s->rc, s->ev, AIO_NEVER);
        if (s->rc != AIO_OK) AIO_RAISE(t, s->rc);
        aio_event_clear(s->ev);
        ack(s->acked, s->n);
    }
    AIO_END(t);
}
typedef struct { aio_task task; waiter_t a, b; aio_status ra, rb; int io_fd, detach; } main_t;
static aio_status main_fn(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    if (s->detach) AIO_SLEEP(t, AIO_MS(20)); /* (the idle hook opens its pipe) */
    if (s->io_fd >= 0) { /* the loop's I/O starts: from now on it sleeps in its I/O wait */
        AIO_WAIT_WRITABLE(t, s->ra, s->io_fd, AIO_SEC(5));
        if (s->ra != AIO_OK) AIO_RAISE(t, s->ra);
    }
    if (s->detach && aio_loop_set_io(t->loop, NULL) != AIO_OK) AIO_RAISE(t, AIO_EUSER); /* back to the idle hook */
    s->a.ev = &from_worker;
    s->a.acked = &acked_worker;
    s->b.ev = &from_loop_b;
    s->b.acked = &acked_b;
    aio_spawn(&s->a.task, waiter);
    aio_spawn(&s->b.task, waiter);
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_AWAIT(t, s->rb, &s->b.task);
    AIO_RETURN(t, s->ra == AIO_OK && s->rb == AIO_OK ? 0 : AIO_EUSER);
    AIO_END(t);
}

static int worker_ok, loop_b_ok;

static THREAD_FN(worker) { /* a thread with no loop */
    int n;
    (void)arg;
    worker_ok = 1;
    for (n = 1; n <= ROUNDS && worker_ok; n++) {
        aio_event_set(&from_worker);
        worker_ok = await_ack(&acked_worker, n);
    }
    return THREAD_END;
}

typedef struct { aio_task task; int n; } setter_t;
static aio_status setter(aio_task *t) { /* a task of loop B, in its own thread */
    setter_t *s = AIO_SELF(t, setter_t);
    AIO_BEGIN(t);
    for (s->n = 1; s->n <= ROUNDS; s->n++) {
        aio_event_set(&from_loop_b);
        while (read_acked(&acked_b) < s->n) AIO_SLEEP(t, AIO_US(100));
    }
    AIO_END(t);
}
static THREAD_FN(run_loop_b) {
    static setter_t s;
    static aio_timer timers[4];
    aio_loop loop;
    (void)arg;
    aio_loop_init(&loop, timers, 4);
    loop_b_ok = aio_run(&loop, &s.task, setter) == AIO_OK;
    loop_b_ok &= aio_loop_destroy(&loop) == AIO_OK;
    return THREAD_END;
}

/* The wake-up hook runs inside the critical section, so that the loop's own
 * thread cannot destroy the loop under it: an idle hook that is itself
 * interrupted by a set (as an interrupt handler would) sees its wake-up
 * called with the mutex held. */
static aio_event from_idle;
static int woken_in_section = -1;
static void idle_then_set(void *ctx, aio_loop *loop, aio_time deadline) {
    (void)ctx;
    (void)loop;
    (void)deadline;
    aio_event_set(&from_idle);
}
static void wakeup_probe(void *ctx, aio_loop *loop) {
    int busy = pthread_mutex_trylock(&aio_mutex) != 0; /* held: by this thread */
    (void)ctx;
    (void)loop;
    if (!busy) pthread_mutex_unlock(&aio_mutex);
    woken_in_section = busy;
}
typedef struct { aio_task task; aio_status rc; } idle_waiter_t;
static aio_status idle_waiter(aio_task *t) {
    idle_waiter_t *s = AIO_SELF(t, idle_waiter_t);
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, s->rc, &from_idle, AIO_NEVER);
    AIO_RETURN(t, s->rc);
    AIO_END(t);
}
static int wakeup_inside_section(void) {
    static idle_waiter_t w;
    static aio_timer timers[2];
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 2);
    aio_loop_set_idle(&loop, idle_then_set, NULL);
    aio_loop_set_wakeup(&loop, wakeup_probe, NULL);
    rc = aio_run(&loop, &w.task, idle_waiter);
    printf("a set made while the loop idles calls its wake-up inside the critical section: %s\n",
           woken_in_section == 1 ? "yes" : "NO");
    return rc == AIO_OK && woken_in_section == 1 && aio_loop_destroy(&loop) == AIO_OK;
}

static int run_all(int io_fd, int detach) {
    static main_t m;
    static aio_timer timers[8];
    aio_loop loop;
    thread_t w, b;
    aio_status rc;
    memset(&m, 0, sizeof m);
    acked_worker = acked_b = 0;
    m.io_fd = io_fd;
    m.detach = detach;
    main_thread = pthread_self();
    aio_loop_init(&loop, timers, 8);
    thread_start(&w, worker);
    thread_start(&b, run_loop_b);
    rc = aio_run(&loop, &m.task, main_fn);
    thread_join(w);
    thread_join(b);
    printf("events set from another thread%s: main loop %d, %d of %d sets from a thread with no "
           "loop, %d of %d from a task of another loop, woken in the wrong thread %d times, "
           "loop B %s\n", detach ? " (the main loop's I/O wait let go)" : io_fd >= 0 ? " (the main loop waiting for I/O)" : "", rc,
           read_acked(&acked_worker), ROUNDS, read_acked(&acked_b), ROUNDS,
           wrong_thread, loop_b_ok ? "ok" : "FAILED");
    return rc == AIO_OK && worker_ok && loop_b_ok && wrong_thread == 0 && aio_loop_destroy(&loop) == AIO_OK;
}

int main(void) {
    int sv[2];
    int ok = run_all(-1, 0);
    ok = socketpair_stream(sv) == 0 && run_all(sv[0], 0) && ok;
    ok = run_all(sv[0], 1) && ok;
    ok = wakeup_inside_section() && ok;
    return ok ? 0 : 1;
}
