/* SPDX-License-Identifier: MIT */
/* wait_contract.c: what any readiness wait must do, whichever the build picks
 * (make test runs it on each: tests/checks/waits.sh). On the real clock, with
 * wide margins, each property a check of its own that names it when it fails:
 *   1. it does not return before its timeout with nothing ready: a loop that
 *      sleeps 300 ms and has nothing else to do waits at most 3 times (the
 *      instruments count the loop's idle turns, AIO_TRACE_IDLE), once a
 *      connection has made the loop's port (its waits are the system's);
 *   2. its wake-up is drained: after a worker thread woke it once (an
 *      AIO_TO_THREAD call), a sleep of 500 ms takes at most 3 idle turns and
 *      under 150 ms of the process's CPU time (a wake-up left set makes every
 *      wait return at once: a busy loop);
 *   3. it tells only the events asked for: a read wait on a connected socket
 *      that is writable but has nothing to read times out after its 300 ms,
 *      in at most 3 idle turns;
 *   4. watches change between its waits: a read wait on one socket goes on
 *      while a second task, woken by a worker, adds a watch on another socket
 *      that has a byte to read; the second wait sees it at once (well within
 *      its 2 s), and the first still times out after its 1 s.
 * Exit 0 and "N passed, 0 failed" if all held. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>
#endif

static int passed, failed;
static unsigned idle_turns;

static void check(int ok, const char *property, const char *detail) {
    if (ok) {
        passed++;
        printf("ok %s\n", property);
    } else {
        failed++;
        printf("FAILED %s: %s\n", property, detail);
    }
}

/* The process's CPU time so far, in ms (every thread's). */
static double cpu_ms(void) {
#ifdef _WIN32
    FILETIME created, ended, kernel, user;
    ULARGE_INTEGER k, u;
    if (!GetProcessTimes(GetCurrentProcess(), &created, &ended, &kernel, &user)) return 0;
    k.LowPart = kernel.dwLowDateTime, k.HighPart = kernel.dwHighDateTime;
    u.LowPart = user.dwLowDateTime, u.HighPart = user.dwHighDateTime;
    return (double)(k.QuadPart + u.QuadPart) / 10000.0;
#else
    return (double)clock() * 1000.0 / CLOCKS_PER_SEC;
#endif
}

static void count_idle(void *ctx, const aio_trace_record *r) {
    (void)ctx;
    if (r->kind == AIO_TRACE_IDLE) idle_turns++;
}

static int nothing(void *data) {
    (void)data;
    return 0;
}

static int nap(void *data) { /* 100 ms, on a worker thread */
    (void)data;
#ifdef _WIN32
    Sleep(100);
#else
    {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
#endif
    return 0;
}

typedef struct {
    aio_frame frame;
    int end[2]; /* [0] connected, [1] accepted */
} pair_t;
typedef struct {
    aio_task task, second;
    pair_t a, b;
    int listener, i, dummy;
    unsigned idle_before;
    double cpu_before;
    aio_time started, first_done, second_done;
    aio_status rc, first_rc, second_rc;
    char detail[160];
} main_t;
static main_t m;

/* The two ends of a TCP connection on 127.0.0.1. */
static aio_status pair(aio_task *t, pair_t *p) {
    AIO_BEGIN(t, p);
    AIO_TCP_CONNECT(t, p->end[0], "127.0.0.1", aio_socket_port(m.listener), AIO_SEC(5));
    AIO_CHECK(t, p->end[0]);
    AIO_ACCEPT(t, p->end[1], m.listener, AIO_SEC(5));
    AIO_CHECK(t, p->end[1]);
    AIO_END(t);
}

static aio_status second_task(aio_task *t) { /* (4) a watch added while the first wait goes on */
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, m.rc, nap, &m.dummy, sizeof m.dummy, AIO_SEC(5));
    AIO_SEND_ALL(t, m.rc, m.b.end[1], "x", 1, AIO_SEC(1));
    AIO_WAIT_READABLE(t, m.second_rc, m.b.end[0], AIO_SEC(2));
    m.second_done = aio_now();
    AIO_END(t);
}

static aio_status main_task(aio_task *t) {
    AIO_BEGIN(t);
    m.a.end[0] = m.a.end[1] = m.b.end[0] = m.b.end[1] = -1;
    AIO_CHECK(t, m.listener = aio_tcp_listen("127.0.0.1", 0, 4));
    AIO_CALL(t, m.rc, pair, &m.a); /* (the loop's port made: its waits are the system's from here) */
    AIO_CHECK(t, m.rc);

    /* 1. nothing ready: no early return */
    m.idle_before = idle_turns;
    AIO_SLEEP(t, AIO_MS(300));
    (void)snprintf(m.detail, sizeof m.detail, "%u idle turns in a sleep of 300 ms with nothing else to do",
                   idle_turns - m.idle_before);
    check(idle_turns - m.idle_before <= 3, "the wait does not return before its timeout with nothing ready",
          m.detail);

    /* 2. one wake-up, then a sleep */
    AIO_TO_THREAD(t, m.rc, nothing, &m.dummy, sizeof m.dummy, AIO_SEC(5));
    AIO_CHECK(t, m.rc);
    m.idle_before = idle_turns;
    m.cpu_before = cpu_ms();
    AIO_SLEEP(t, AIO_MS(500));
    (void)snprintf(m.detail, sizeof m.detail, "%u idle turns and %.0f ms of CPU in a sleep of 500 ms after one",
                   idle_turns - m.idle_before, cpu_ms() - m.cpu_before);
    check(idle_turns - m.idle_before <= 3 && cpu_ms() - m.cpu_before < 150, "the wake-up is drained", m.detail);

    /* 3. writable, nothing to read: a read wait times out */
    m.idle_before = idle_turns;
    m.started = aio_now();
    AIO_WAIT_READABLE(t, m.rc, m.a.end[0], AIO_MS(300));
    (void)snprintf(m.detail, sizeof m.detail, "the read wait gave %d after %.3f s, in %u idle turns", m.rc,
                   aio_to_seconds(aio_now() - m.started), idle_turns - m.idle_before);
    check(m.rc == AIO_ETIMEDOUT && aio_now() - m.started >= AIO_MS(300) && idle_turns - m.idle_before <= 3,
          "only the events asked for are told (a writable socket does not wake a read wait)", m.detail);

    /* 4. a watch added between the first wait's turns */
    AIO_CALL(t, m.rc, pair, &m.b);
    AIO_CHECK(t, m.rc);
    AIO_CHECK(t, aio_spawn(&m.second, second_task));
    m.started = aio_now();
    AIO_WAIT_READABLE(t, m.first_rc, m.a.end[0], AIO_SEC(1));
    m.first_done = aio_now();
    AIO_AWAIT(t, m.rc, &m.second);
    (void)snprintf(m.detail, sizeof m.detail,
                   "the new watch's wait gave %d after %.3f s, the first wait %d after %.3f s", m.second_rc,
                   aio_to_seconds(m.second_done - m.started), m.first_rc,
                   aio_to_seconds(m.first_done - m.started));
    check(m.second_rc == AIO_OK && m.second_done - m.started < AIO_MS(1000) && m.first_rc == AIO_ETIMEDOUT &&
              m.first_done - m.started >= AIO_SEC(1),
          "watches change between waits (a watch added while another is pending is seen)", m.detail);
    AIO_FINALLY(t);
    for (m.i = 0; m.i < 2; m.i++) {
        if (m.a.end[m.i] >= 0) aio_close(m.a.end[m.i]);
        if (m.b.end[m.i] >= 0) aio_close(m.b.end[m.i]);
    }
    if (m.listener >= 0) aio_close(m.listener);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[16];
    aio_loop loop;
    aio_status rc;
    setvbuf(stdout, NULL, _IONBF, 0);
    aio_loop_init(&loop, timers, 16);
    aio_loop_set_instrument(&loop, count_idle, NULL);
    rc = aio_run(&loop, &m.task, main_task);
    if (rc < 0) {
        failed++;
        printf("FAILED the program: %s\n", aio_strerror(rc));
    }
    if (aio_loop_destroy(&loop) != AIO_OK) failed++;
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
