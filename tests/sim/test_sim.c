/* SPDX-License-Identifier: MIT */
/* The simulation (AIO_SIMULATION): the in-memory network behind the socket
 * calls, its faults, the seeded times of timers, turns and pool calls, the
 * runner over seeds with its replay and trace, and determinism.
 *
 *   cc -std=c11 -DAIO_SIMULATION -DAIO_DEBUG tests/sim/test_sim.c -lm -lpthread
 *   ./a.out [DIR]    (the runner's traces go to DIR, else the current one:
 *                     sim-race-trace.txt, the race's failing seed, and
 *                     sim-trace.txt; tests/checks/sim.sh, `make test`'s
 *                     stage, has tools/aio_trace.py read the first)
 *
 * Where time decides the outcome a test runs with a latency of 1 ms and no
 * jitter, step or timer lateness, so every time is exact: a connect takes a
 * trip there (the listener queues it) and one back (the connect returns), a
 * segment arrives one trip after its send. Tests over seeds run through
 * aio_sim_run (aio_sim_check fails a run) and also count here. One line per
 * failed check, then "N passed, N failed"; the exit status is 1 on failure. */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv, dup, fileno under -std=c11 */
#endif
#ifndef AIO_SIMULATION
#define AIO_SIMULATION
#endif
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../counted_alloc.h" /* every block of the header counted: each test gives back what it took */
#include "../../aio_timeout.h"
#define TEST_COUNTED_ALLOC_DEFINE
#include "../counted_alloc.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#endif
#ifdef _WIN32 /* (MinGW-w64: the CRT's names for them) */
static int setenv(const char *name, const char *value, int overwrite) {
    (void)overwrite;
    return _putenv_s(name, value);
}
static int unsetenv(const char *name) { return _putenv_s(name, ""); }
#endif

/* ---------------------------------------------------------------- harness */

static int passed, failed;
static const char *test_name = "";

static void check_(int ok, int line, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s (test_sim.c:%d): %s\n", test_name, line, what);
    }
}
static void check_eq_(long long a, long long b, int line, const char *what) {
    if (a == b) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s (test_sim.c:%d): CHECK_EQ(%s): %lld != %lld\n", test_name, line, what, a, b);
    }
}
static void check_str_(const char *a, const char *b, int line, const char *what) {
    if (a && b && strcmp(a, b) == 0) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s (test_sim.c:%d): CHECK_STR(%s): \"%s\" != \"%s\"\n", test_name, line, what,
               a ? a : "(null)", b ? b : "(null)");
    }
}
#define CHECK(c) check_((c) != 0, __LINE__, #c)
#define CHECK_EQ(a, b) check_eq_((long long)(a), (long long)(b), __LINE__, #a ", " #b)
#define CHECK_STR(a, b) check_str_((a), (b), __LINE__, #a ", " #b)

/* The debug messages (misuse, bad descriptors): the last one kept, none printed. */
static char last_debug[512];
static void capture_debug(aio_status code, const char *message) {
    (void)code;
    (void)snprintf(last_debug, sizeof last_debug, "%s", message);
}
#define CHECK_DEBUG(text) CHECK(strstr(last_debug, (text)) != NULL)

/* The exact world: 1 ms each way, nothing drawn. */
static aio_sim_config exact(void) {
    aio_sim_config c;
    memset(&c, 0, sizeof c);
    c.latency = AIO_MS(1);
    return c;
}

/* One simulated run of `fn` as the main task on a fresh loop: its status. */
static aio_timer timers[64];
static aio_status sim_main(const aio_sim_config *cfg, aio_task *main, aio_task_fn fn) {
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 64);
    CHECK_EQ(aio_sim_start(&loop, cfg), AIO_OK);
    CHECK(aio_sim_active());
    rc = aio_run(&loop, main, fn);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK(!aio_sim_active());
    return rc;
}

/* The same for a state struct with its aio_task as member `task`, zeroed
 * first (RUN(config, state, fn)). */
static aio_status run_zeroed(aio_sim_config cfg, void *state, size_t size, aio_task *task, aio_task_fn fn) {
    memset(state, 0, size);
    return sim_main(&cfg, task, fn);
}
#define RUN(cfg, state, fn) run_zeroed((cfg), &(state), sizeof(state), &(state).task, (fn))

/* Options for aio_sim_run, quiet. */
static aio_sim_options options(aio_sim_config cfg, uint64_t seeds) {
    aio_sim_options o;
    memset(&o, 0, sizeof o);
    o.config = cfg;
    o.seeds = seeds;
    o.quiet = 1;
    return o;
}

/* Where the runner writes traces (the directory: the program's argument):
 * the race's failing run, the others'. */
static char race_trace[1024] = "sim-race-trace.txt", trace_path[1024] = "sim-trace.txt";

/* A byte of a test pattern. */
static unsigned char pattern(size_t i) { return (unsigned char)(i * 7u + i / 251u); }

/* ---------------------------------------------------- streams: the basics */

/* A server on host "server" (10.0.0.2): one connection, "hello" answered
 * "world", then the client's end. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n, rc;
    char buf[64];
    aio_time accepted, got, eof;
    int port;
} hello_server_t;
static aio_status hello_server(aio_task *t) {
    hello_server_t *s = AIO_SELF(t, hello_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    CHECK_EQ(aio_socket_port(s->l), 7000);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    s->accepted = aio_now();
    s->port = aio_socket_port(s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
    s->got = aio_now();
    CHECK_EQ(s->n, 5);
    CHECK(memcmp(s->buf, "hello", 5) == 0);
    AIO_SEND_ALL(t, s->rc, s->fd, "world", 5, AIO_SEC(5));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
    s->eof = aio_now();
    CHECK_EQ(s->n, 0); /* the client closed: the end of the stream */
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    CHECK_EQ(aio_close(s->l), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    hello_server_t srv;
    int fd;
    aio_status n, rc;
    char buf[64];
} hello_t;
static aio_status hello_main(aio_task *t) {
    hello_t *s = AIO_SELF(t, hello_t);
    AIO_BEGIN(t);
    CHECK_EQ(aio_sim_spawn("server", &s->srv.task, hello_server), AIO_OK);
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_now(), AIO_MS(2)); /* a trip there and one back */
    CHECK_EQ(aio_socket_port(s->fd), 49152); /* the host's first ephemeral port */
    AIO_SEND_ALL(t, s->rc, s->fd, "hello", 5, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(aio_now(), AIO_MS(2)); /* (the buffer took it) */
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 5);
    CHECK(memcmp(s->buf, "world", 5) == 0);
    CHECK_EQ(aio_now(), AIO_MS(4));
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(s->srv.accepted, AIO_MS(1)); /* the connect reached its listener */
    CHECK_EQ(s->srv.got, AIO_MS(3));
    CHECK_EQ(s->srv.eof, AIO_MS(5)); /* the end a trip after the close */
    CHECK_EQ(s->srv.port, 7000);
    AIO_END(t);
}
static void test_stream_basics(void) {
    static hello_t m;
    CHECK_EQ(RUN(exact(), m, hello_main), AIO_OK);
}

/* The other way: the server sends and closes; the client reads the bytes,
 * then the end (0), and again 0. A connection to the host's own listener
 * through 127.0.0.1. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status rc;
} closer_t;
static aio_status closer(aio_task *t) {
    closer_t *s = AIO_SELF(t, closer_t);
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "bye", 3, AIO_SEC(5));
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    closer_t srv;
    int fd;
    aio_status n, rc;
    char buf[16];
} eof_t;
static aio_status eof_main(aio_task *t) {
    eof_t *s = AIO_SELF(t, eof_t);
    AIO_BEGIN(t);
    s->srv.l = aio_tcp_listen("localhost", 8000, 0);
    AIO_CHECK(t, s->srv.l);
    AIO_CHECK(t, aio_spawn(&s->srv.task, closer));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 8000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_now(), AIO_MS(2));
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 3);
    CHECK(memcmp(s->buf, "bye", 3) == 0);
    CHECK_EQ(aio_now(), AIO_MS(2)); /* (sent at the accept: it came with the answer) */
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 0);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 0); /* (and again) */
    CHECK_EQ(aio_now(), AIO_MS(2)); /* (the end came with the bytes) */
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    CHECK_EQ(aio_close(s->srv.l), AIO_OK);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_end_of_stream(void) {
    static eof_t m;
    CHECK_EQ(RUN(exact(), m, eof_main), AIO_OK);
}

/* ------------------------------------------- streams: order under jitter */

/* 200 chunks of 1 to 50 bytes, each sent as it comes, every segment's trip
 * drawn from 1 to 4 ms, receives and sends cut short at random: the reader
 * gets every byte, in order, then the end. */
#define ORDER_CHUNKS 200
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n;
    size_t total;
    int bad;
    unsigned char buf[97];
} order_server_t;
static aio_status order_server(aio_task *t) {
    order_server_t *s = AIO_SELF(t, order_server_t);
    size_t i;
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    for (;;) {
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
        if (s->n <= 0) break;
        for (i = 0; i < (size_t)s->n; i++) s->bad += s->buf[i] != pattern(s->total + i);
        s->total += (size_t)s->n;
    }
    aio_sim_check(s->n == 0, "the stream ends with 0");
    aio_close(s->fd);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    order_server_t srv;
    int fd, i;
    size_t sent, len;
    aio_status rc;
    unsigned char chunk[50];
} order_t;
static size_t order_expected(void) {
    size_t n = 0;
    int i;
    for (i = 0; i < ORDER_CHUNKS; i++) n += (size_t)(i * 7 % 50 + 1);
    return n;
}
static int order_runs;
static aio_status order_main(aio_task *t) {
    order_t *s = AIO_SELF(t, order_t);
    size_t k;
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, order_server));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    for (s->i = 0; s->i < ORDER_CHUNKS; s->i++) {
        s->len = (size_t)(s->i * 7 % 50 + 1);
        for (k = 0; k < s->len; k++) s->chunk[k] = pattern(s->sent + k);
        AIO_SEND_ALL(t, s->rc, s->fd, s->chunk, s->len, AIO_SEC(1));
        AIO_CHECK(t, s->rc);
        s->sent += s->len;
        if (aio_sim_random(4) == 0) AIO_SLEEP(t, (aio_time)aio_sim_random(AIO_MS(3)));
    }
    aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    aio_sim_check(s->srv.total == order_expected(), "every byte came");
    aio_sim_check(s->srv.bad == 0, "the bytes came in order");
    order_runs++;
    AIO_END(t);
}
static void test_order_under_jitter(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    c.jitter = AIO_MS(3);
    c.short_recv = 0.3;
    c.short_send = 0.3;
    o = options(c, 200);
    order_runs = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, order_t, order_main), 0);
    CHECK_STR(o.message, "");
    CHECK_EQ(o.runs, 200);
    CHECK_EQ(order_runs, 200);
    CHECK_EQ(o.failed_seed, 0);
}

/* ------------------------------------------------- streams: backpressure */

/* A connection holds 1,000 bytes one way (config.buffer): what is on its way
 * and what the reader has not read. A sender of 5,000 bytes waits for the
 * reader, who starts at 51 ms and reads each 1,000 as it comes: one at 2 ms
 * (arrived at 3), then one each ms from 51, the last sent at 54 ms. */
typedef struct {
    aio_task task;
    int l, fd, never;
    aio_status n;
    size_t total;
    int bad;
    aio_time first;
    unsigned char buf[5000];
} slow_reader_t;
static aio_status slow_reader(aio_task *t) {
    slow_reader_t *s = AIO_SELF(t, slow_reader_t);
    size_t i;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    if (s->never) {
        AIO_SLEEP(t, AIO_SEC(1)); /* reads nothing: its close resets the connection */
    } else {
        AIO_SLEEP(t, AIO_MS(50));
        while (s->total < 5000) {
            AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
            if (s->n <= 0) break;
            if (!s->first) s->first = aio_now();
            CHECK_EQ(s->n, 1000);
            for (i = 0; i < (size_t)s->n; i++) s->bad += s->buf[i] != pattern(s->total + i);
            s->total += (size_t)s->n;
        }
    }
    aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    slow_reader_t srv;
    int fd;
    aio_status rc;
    unsigned char data[5000];
} pressure_t;
static aio_status pressure_main(aio_task *t) {
    pressure_t *s = AIO_SELF(t, pressure_t);
    size_t i;
    AIO_BEGIN(t);
    for (i = 0; i < sizeof s->data; i++) s->data[i] = pattern(i);
    s->srv.l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->srv.l);
    AIO_CHECK(t, aio_spawn(&s->srv.task, slow_reader));
    AIO_TCP_CONNECT(t, s->fd, "localhost", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_now(), AIO_MS(2));
    AIO_SEND_ALL(t, s->rc, s->fd, s->data, sizeof s->data, s->srv.never ? AIO_MS(100) : AIO_SEC(1));
    if (s->srv.never) {
        CHECK_EQ(s->rc, AIO_ETIMEDOUT); /* the reader never read: the deadline fires */
        CHECK_EQ(aio_now(), AIO_MS(102));
    } else {
        CHECK_EQ(s->rc, AIO_OK);
        CHECK_EQ(aio_now(), AIO_MS(54)); /* the last 1,000 once the reader read the fourth */
    }
    aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    if (!s->srv.never) {
        CHECK_EQ(s->srv.total, 5000);
        CHECK_EQ(s->srv.bad, 0);
        CHECK_EQ(s->srv.first, AIO_MS(51));
    }
    aio_close(s->srv.l);
    AIO_END(t);
}
static void test_backpressure(void) {
    static pressure_t m;
    aio_sim_config c = exact();
    c.buffer = 1000;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, pressure_main), AIO_OK);
    memset(&m, 0, sizeof m);
    m.srv.never = 1;
    CHECK_EQ(sim_main(&c, &m.task, pressure_main), AIO_OK);
}

/* ---------------------------------------------------------------- bandwidth */

/* config.bandwidth 100,000 bytes/s: 1,000 bytes take 10 ms on the wire, and
 * a burst waits its turn: five sends of 1,000 at 2 ms arrive at 13, 23, 33,
 * 43 and 53 ms; three datagrams of 1,000 sent at once, at 11, 21, 31 ms. */
typedef struct {
    aio_task task;
    int l, fd, u, i;
    aio_status n;
    size_t total;
    aio_time at[5];
    unsigned char buf[1000];
} wire_reader_t;
static aio_status wire_reader(aio_task *t) {
    wire_reader_t *s = AIO_SELF(t, wire_reader_t);
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    while (s->total < 5000) {
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
        if (s->n <= 0) break;
        s->total += (size_t)s->n;
        s->at[(s->total - 1) / 1000] = aio_now();
    }
    for (s->i = 0; s->i < 3; s->i++) {
        AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, NULL, AIO_SEC(5));
        CHECK_EQ(s->n, 1000);
        s->at[s->i] = aio_now();
    }
    aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    wire_reader_t srv;
    int fd, u, i;
    aio_status rc;
    aio_time start;
    unsigned char data[1000];
    aio_address to;
} wire_t;
static aio_status wire_main(aio_task *t) {
    wire_t *s = AIO_SELF(t, wire_t);
    AIO_BEGIN(t);
    s->srv.l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->srv.l);
    s->srv.u = aio_udp_open(NULL, 7000);
    AIO_CHECK(t, s->srv.u);
    AIO_CHECK(t, aio_spawn(&s->srv.task, wire_reader));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_now(), AIO_MS(2)); /* (no bytes: no time on the wire) */
    for (s->i = 0; s->i < 5; s->i++) {
        AIO_SEND_ALL(t, s->rc, s->fd, s->data, sizeof s->data, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
    }
    CHECK_EQ(aio_now(), AIO_MS(2)); /* (all in the buffer at once) */
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(s->srv.total, 5000);
    for (s->i = 0; s->i < 5; s->i++) CHECK_EQ(s->srv.at[s->i], AIO_MS(13 + 10 * s->i));
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 7000), AIO_OK);
    s->start = aio_now();
    for (s->i = 0; s->i < 3; s->i++) AIO_SEND_TO(t, s->rc, s->u, s->data, sizeof s->data, &s->to, AIO_SEC(1));
    AIO_AWAIT(t, s->rc, &s->srv.task);
    for (s->i = 0; s->i < 3; s->i++) CHECK_EQ(s->srv.at[s->i] - s->start, AIO_MS(11 + 10 * s->i));
    aio_close(s->fd);
    aio_close(s->u);
    aio_close(s->srv.u);
    aio_close(s->srv.l);
    AIO_END(t);
}
static void test_bandwidth(void) {
    static wire_t m;
    aio_sim_config c = exact();
    c.bandwidth = 100000;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, wire_main), AIO_OK);
}

/* ------------------------------------------------------- streams: resets */

/* A close with bytes unread resets the connection (as TCP does): the peer's
 * receive and send give AIO_ECONNRESET a trip later. Bytes sent to a socket
 * closed after reading everything reset it too (the sender's next call),
 * and so do bytes on their way to a socket when it closes. */
typedef struct {
    aio_task task;
    int l, fd, read_first;
    aio_status n;
    char buf[8];
} rude_t;
static aio_status rude_server(aio_task *t) {
    rude_t *s = AIO_SELF(t, rude_t);
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    if (s->read_first == 2) {
        AIO_SLEEP(t, AIO_US(1500)); /* closed at 2.5 ms, "abc" on its way */
    } else if (s->read_first) {
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
        CHECK_EQ(s->n, 3);
        CHECK_EQ(aio_now(), AIO_MS(3));
    } else {
        AIO_SLEEP(t, AIO_MS(10)); /* "abc" came at 3 ms and is never read */
    }
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    rude_t srv;
    int fd;
    aio_status n, rc;
    char buf[8];
} reset_t;
static aio_status reset_main(aio_task *t) {
    reset_t *s = AIO_SELF(t, reset_t);
    AIO_BEGIN(t);
    s->srv.l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->srv.l);
    AIO_CHECK(t, aio_spawn(&s->srv.task, rude_server));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "abc", 3, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    if (s->srv.read_first == 2) {
        CHECK_EQ(s->n, 0); /* the end, at 3.5 ms */
        CHECK_EQ(aio_now(), AIO_US(3500));
        AIO_SLEEP(t, AIO_MS(1)); /* "abc" came to no reader at 3 ms: its reset came back at 4 */
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, AIO_ECONNRESET);
    } else if (s->srv.read_first) {
        CHECK_EQ(s->n, 0); /* the end, at 4 ms */
        CHECK_EQ(aio_now(), AIO_MS(4));
        AIO_SEND_ALL(t, s->rc, s->fd, "x", 1, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK); /* (taken: it goes, and finds no reader) */
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, 0); /* (the end is still what there is) */
        AIO_SLEEP(t, AIO_MS(2)); /* "x" arrived at 5 ms, its reset came back at 6 */
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, AIO_ECONNRESET);
    } else {
        CHECK_EQ(s->n, AIO_ECONNRESET);
        CHECK_EQ(aio_now(), AIO_MS(12)); /* closed at 11 ms, the reset a trip later */
    }
    AIO_SEND_ALL(t, s->rc, s->fd, "d", 1, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_ECONNRESET);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ECONNRESET); /* (and stays so) */
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    CHECK_EQ(aio_close(s->srv.l), AIO_OK);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_close_with_unread_resets(void) {
    static reset_t m;
    aio_sim_config c = exact();
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, reset_main), AIO_OK);
    memset(&m, 0, sizeof m);
    m.srv.read_first = 1;
    CHECK_EQ(sim_main(&c, &m.task, reset_main), AIO_OK);
    memset(&m, 0, sizeof m);
    m.srv.read_first = 2;
    CHECK_EQ(sim_main(&c, &m.task, reset_main), AIO_OK);
}

/* ------------------------------------------------------ streams: lines */

/* aio_stream over a simulated socket: lines split across segments, a last
 * one without its '\n', then the end. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status rc;
} liner_t;
static aio_status liner(aio_task *t) {
    liner_t *s = AIO_SELF(t, liner_t);
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "line o", 6, AIO_SEC(1));
    AIO_SLEEP(t, AIO_MS(5));
    AIO_SEND_ALL(t, s->rc, s->fd, "ne\nline two\npa", 14, AIO_SEC(1));
    AIO_SLEEP(t, AIO_MS(5));
    AIO_SEND_ALL(t, s->rc, s->fd, "rt", 2, AIO_SEC(1));
    aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    liner_t srv;
    int fd;
    aio_status n, rc;
    aio_stream st;
    char buf[64];
} lines_t;
static aio_status lines_main(aio_task *t) {
    lines_t *s = AIO_SELF(t, lines_t);
    AIO_BEGIN(t);
    s->srv.l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->srv.l);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, liner));
    AIO_TCP_CONNECT(t, s->fd, "10.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf), AIO_OK);
    AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(1));
    CHECK_EQ(s->n, 9);
    CHECK(s->n == 9 && memcmp(aio_stream_data(&s->st), "line one\n", 9) == 0);
    CHECK_EQ(aio_now(), AIO_MS(7)); /* (sent at 6 ms) */
    AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(1));
    CHECK(s->n == 9 && memcmp(aio_stream_data(&s->st), "line two\n", 9) == 0);
    AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(1));
    CHECK(s->n == 4 && memcmp(aio_stream_data(&s->st), "part", 4) == 0);
    CHECK_EQ(aio_now(), AIO_MS(12));
    AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(1));
    CHECK_EQ(s->n, 0);
    CHECK(aio_stream_at_eof(&s->st));
    aio_close(s->fd);
    aio_close(s->srv.l);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    AIO_END(t);
}
static void test_stream_lines(void) {
    static lines_t m;
    CHECK_EQ(RUN(exact(), m, lines_main), AIO_OK);
}

/* --------------------------------------------------------------- connects */

/* A port nobody listens on: refused after a round trip. An address that is
 * no host: never answered, the connect's deadline fires. With refuse = 1 a
 * listener never sees the connect. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status rc;
} idle_listener_t;
static aio_status idle_listener(aio_task *t) {
    idle_listener_t *s = AIO_SELF(t, idle_listener_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->fd, s->l, AIO_MS(50));
    s->rc = s->fd;
    if (s->fd >= 0) aio_close(s->fd);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    idle_listener_t srv;
    int fd, refuse;
    aio_time start;
    aio_status rc;
} refused_t;
static aio_status refused_main(aio_task *t) {
    refused_t *s = AIO_SELF(t, refused_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, idle_listener));
    if (s->refuse) {
        AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
        CHECK_EQ(s->fd, AIO_ECONNREFUSED); /* refused, a round trip after */
        CHECK_EQ(aio_now(), AIO_MS(2));
        AIO_AWAIT(t, s->rc, &s->srv.task);
        CHECK_EQ(s->srv.rc, AIO_ETIMEDOUT); /* its accept saw nothing */
    } else {
        AIO_TCP_CONNECT(t, s->fd, "10.0.0.2", 9, AIO_SEC(1));
        CHECK_EQ(s->fd, AIO_ECONNREFUSED); /* a host, no listener on port 9 */
        CHECK_EQ(aio_now(), AIO_MS(2));
        s->start = aio_now();
        AIO_TCP_CONNECT(t, s->fd, "localhost", 7000, AIO_SEC(1));
        CHECK_EQ(s->fd, AIO_ECONNREFUSED); /* the listener is the other host's */
        CHECK_EQ(aio_now() - s->start, AIO_MS(2));
        s->start = aio_now();
        AIO_TCP_CONNECT(t, s->fd, "10.0.0.9", 80, AIO_MS(100));
        CHECK_EQ(s->fd, AIO_ETIMEDOUT); /* no such host: nothing answers */
        CHECK_EQ(aio_now() - s->start, AIO_MS(100));
        s->start = aio_now();
        AIO_TCP_CONNECT(t, s->fd, "::1", 80, AIO_MS(100));
        CHECK_EQ(s->fd, AIO_ECONNREFUSED); /* (::1 is this host too: nobody listens there) */
        CHECK_EQ(aio_now() - s->start, AIO_MS(2));
        s->start = aio_now();
        AIO_TCP_CONNECT(t, s->fd, "2001:db8::1", 80, AIO_MS(100));
        CHECK_EQ(s->fd, AIO_ETIMEDOUT); /* (no host has another IPv6 address) */
        CHECK_EQ(aio_now() - s->start, AIO_MS(100));
        AIO_TCP_CONNECT(t, s->fd, "::2", 80, AIO_MS(100));
        CHECK_EQ(s->fd, AIO_ETIMEDOUT);
        AIO_TCP_CONNECT(t, s->fd, "255.255.255.254", 80, AIO_MS(100));
        CHECK_EQ(s->fd, AIO_ETIMEDOUT); /* (nor this one) */
        AIO_AWAIT(t, s->rc, &s->srv.task);
    }
    AIO_END(t);
}
static void test_connect_failures(void) {
    static refused_t m;
    aio_sim_config c = exact();
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, refused_main), AIO_OK);
    c.refuse = 1;
    memset(&m, 0, sizeof m);
    m.refuse = 1;
    CHECK_EQ(sim_main(&c, &m.task, refused_main), AIO_OK);
}

/* ------------------------------------------------------------------ faults */

/* short_recv = 1: every receive of more than a byte gets fewer than it
 * could; short_send = 1: every send takes fewer, AIO_SEND_ALL sends on
 * until all went. The bytes all come, in order. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n, rc;
    int reads, bad;
    size_t total;
    unsigned char buf[100];
} short_server_t;
static aio_status short_server(aio_task *t) {
    short_server_t *s = AIO_SELF(t, short_server_t);
    size_t i;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    for (i = 0; i < sizeof s->buf; i++) s->buf[i] = pattern(i);
    AIO_SEND_ALL(t, s->rc, s->fd, s->buf, sizeof s->buf, AIO_SEC(1)); /* 100 bytes */
    CHECK_EQ(s->rc, AIO_OK);
    while (s->total < 100) { /* and 100 back */
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        if (s->n <= 0) break;
        for (i = 0; i < (size_t)s->n; i++) s->bad += s->buf[i] != pattern(s->total + i);
        s->total += (size_t)s->n;
        s->reads++;
    }
    aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    short_server_t srv;
    int fd, reads, bad, shorter;
    aio_status n, rc;
    size_t total;
    unsigned char buf[100];
} short_t;
static aio_status short_main(aio_task *t) {
    short_t *s = AIO_SELF(t, short_t);
    size_t i;
    AIO_BEGIN(t);
    s->srv.l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->srv.l);
    AIO_CHECK(t, aio_spawn(&s->srv.task, short_server));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_SLEEP(t, AIO_MS(5)); /* the 100 bytes are all there */
    while (s->total < 100) {
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        if (s->n <= 0) break;
        s->shorter += (size_t)s->n < 100 - s->total || s->n == 1;
        for (i = 0; i < (size_t)s->n; i++) s->bad += s->buf[i] != pattern(s->total + i);
        s->total += (size_t)s->n;
        s->reads++;
    }
    for (i = 0; i < sizeof s->buf; i++) s->buf[i] = pattern(i);
    AIO_SEND_ALL(t, s->rc, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    aio_close(s->fd);
    aio_close(s->srv.l);
    AIO_END(t);
}
static void test_short_reads_and_sends(void) {
    static short_t m;
    aio_sim_config c = exact();
    c.short_recv = 1;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, short_main), AIO_OK);
    CHECK_EQ(m.total, 100);
    CHECK_EQ(m.bad, 0);
    CHECK(m.reads >= 2);
    CHECK_EQ(m.shorter, m.reads); /* each took less than was there, or 1 byte */
    CHECK_EQ(m.srv.total, 100);
    CHECK(m.srv.reads >= 2);
    c.short_recv = 0;
    c.short_send = 1;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, short_main), AIO_OK);
    CHECK_EQ(m.total, 100);
    CHECK_EQ(m.bad, 0);
    CHECK_EQ(m.reads, 1); /* (sent in parts at one instant: they came together) */
    CHECK_EQ(m.srv.total, 100);
    CHECK_EQ(m.srv.bad, 0);
}

/* reset = 1: the first send resets its connection a trip later, both ends. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n;
    aio_time at;
    char buf[8];
} reset_peer_t;
static aio_status reset_peer(aio_task *t) {
    reset_peer_t *s = AIO_SELF(t, reset_peer_t);
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    s->at = aio_now();
    aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    reset_peer_t srv;
    int fd;
    aio_status n, rc;
    char buf[8];
} fault_reset_t;
static aio_status fault_reset_main(aio_task *t) {
    fault_reset_t *s = AIO_SELF(t, fault_reset_t);
    AIO_BEGIN(t);
    s->srv.l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->srv.l);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, reset_peer));
    AIO_TCP_CONNECT(t, s->fd, "10.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "x", 1, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ECONNRESET);
    CHECK_EQ(aio_now(), AIO_MS(3));
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->srv.n, AIO_ECONNRESET); /* (the byte that came with it is dropped) */
    CHECK_EQ(s->srv.at, AIO_MS(3));
    aio_close(s->fd);
    aio_close(s->srv.l);
    AIO_END(t);
}
static void test_fault_reset(void) {
    static fault_reset_t m;
    aio_sim_config c = exact();
    c.reset = 1;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, fault_reset_main), AIO_OK);
}

/* lookup_fail = 1: a name does not resolve, for a connect and a lookup; a
 * numeric address needs no lookup. */
typedef struct {
    aio_task task;
    idle_listener_t srv;
    int fd;
    aio_status n, rc;
    aio_address addr[4];
} lookup_fail_t;
static aio_status lookup_fail_main(aio_task *t) {
    lookup_fail_t *s = AIO_SELF(t, lookup_fail_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, idle_listener));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    CHECK_EQ(s->fd, AIO_ENOTFOUND);
    AIO_LOOKUP(t, s->n, "server", 80, s->addr, 4, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ENOTFOUND);
    AIO_LOOKUP(t, s->n, "10.0.0.2", 80, s->addr, 4, AIO_SEC(1));
    CHECK_EQ(s->n, 1);
    AIO_TCP_CONNECT(t, s->fd, "10.0.0.2", 7000, AIO_SEC(1));
    CHECK(s->fd >= 0);
    if (s->fd >= 0) aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    AIO_END(t);
}
static void test_fault_lookup(void) {
    static lookup_fail_t m;
    aio_sim_config c = exact();
    c.lookup_fail = 1;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, lookup_fail_main), AIO_OK);
}

/* timer_full = 1 under aio_sim_run, whose loop starts with 2 timer slots:
 * two sleepers take them, and the await that needs a third raises
 * AIO_ENOSPC (an inline coroutine gives it back as its result). With
 * timer_full = 0 the storage grows. */
typedef struct {
    aio_task task;
} sleeper_t;
static aio_status sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}
typedef struct {
    aio_frame frame;
} third_t;
static aio_status third_timer(aio_task *t, third_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}
typedef struct {
    aio_task task;
    sleeper_t a, b;
    third_t third;
    aio_status rc;
} full_t;
static aio_status full_results[2];
static aio_status full_main(aio_task *t) {
    full_t *s = AIO_SELF(t, full_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->a.task, sleeper));
    AIO_CHECK(t, aio_spawn(&s->b.task, sleeper));
    AIO_YIELD(t); /* (the sleepers take the two slots) */
    AIO_CALL(t, s->rc, third_timer, &s->third);
    full_results[aio_sim_arg() != NULL] = s->rc;
    AIO_AWAIT(t, s->rc, &s->a.task);
    AIO_AWAIT(t, s->rc, &s->b.task);
    AIO_END(t);
}
static void test_fault_timer_full(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    int arg = 1;
    c.timer_full = 1;
    o = options(c, 20);
    o.arg = &arg;
    full_results[1] = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, full_t, full_main), 0);
    CHECK_EQ(full_results[1], AIO_ENOSPC);
    c.timer_full = 0;
    o = options(c, 20);
    o.arg = &arg;
    CHECK_EQ(AIO_SIM_RUN(&o, full_t, full_main), 0);
    CHECK_EQ(full_results[1], AIO_OK);
}

/* A loop set up by hand: timer_full stands in front of the growth hook it
 * had before aio_sim_start (the hook still allocates, and gets its storage
 * back at the end), and the debug message says the simulation refused;
 * with timer_full = 0 it grows through that hook. */
static int hook_grows, hook_frees;
static aio_timer *counting_grow(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    if (new_count) hook_grows++; else hook_frees++;
    return aio_grow_realloc(ctx, old, old_count, new_count);
}
static void test_fault_timer_full_by_hand(void) {
    static aio_timer two[2];
    aio_sim_config c = exact();
    int i;
    for (i = 0; i < 2; i++) {
        aio_loop loop;
        full_t s;
        memset(&s, 0, sizeof s);
        c.timer_full = i == 0 ? 1 : 0;
        hook_grows = hook_frees = 0;
        full_results[0] = 1;
        aio_loop_init(&loop, two, 2);
        aio_loop_set_grow(&loop, counting_grow, NULL);
        CHECK_EQ(aio_sim_start(&loop, &c), AIO_OK);
        CHECK_EQ(aio_run(&loop, &s.task, full_main), AIO_OK);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
        CHECK_EQ(full_results[0], i == 0 ? AIO_ENOSPC : AIO_OK);
        if (i == 0) CHECK_DEBUG("the simulation's fault timer_full refused to grow it");
        CHECK_EQ(hook_grows, i == 0 ? 0 : 1);
        CHECK_EQ(hook_frees, i == 0 ? 0 : 1);
    }
}

/* --------------------------------------------------------------- partitions */

/* Hosts "a" (10.0.0.2) and "b" (10.0.0.3) cut apart: a stream's bytes wait
 * and are sent again (after 200 ms, the least retransmission time, then
 * after twice as long each time) until healed, then come in order; a
 * datagram across the cut is lost; a connect across it waits, and connects
 * once healed. */
typedef struct {
    aio_task task;
    int l, fd, u;
    aio_status n, rc;
    aio_time timed_out, got;
    char buf[16];
    aio_address from;
} part_server_t;
static aio_status part_server(aio_task *t) {
    part_server_t *s = AIO_SELF(t, part_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    s->u = aio_udp_open(NULL, 5000);
    AIO_CHECK(t, s->u);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_MS(500));
    CHECK_EQ(s->n, AIO_ETIMEDOUT); /* nothing crosses the cut */
    s->timed_out = aio_now();
    AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, &s->from, AIO_MS(50));
    CHECK_EQ(s->n, AIO_ETIMEDOUT); /* the datagram was lost */
    while (s->got == 0) {
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        if (s->n != 6) break;
        CHECK(memcmp(s->buf, "abcdef", 6) == 0);
        s->got = aio_now();
    }
    CHECK_EQ(s->n, 6);
    AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, &s->from, AIO_SEC(1));
    CHECK_EQ(s->n, 2); /* sent after the heal */
    aio_close(s->fd);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5)); /* the connect made after the heal */
    CHECK(s->fd >= 0);
    if (s->fd >= 0) aio_close(s->fd);
    aio_close(s->u);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    int fd, u;
    aio_status n, rc;
    aio_time healed;
    aio_address to;
} part_client_t;
static aio_status part_client(aio_task *t) {
    part_client_t *s = AIO_SELF(t, part_client_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, s->fd, "b", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_now(), AIO_MS(2));
    CHECK_EQ(aio_sim_partition("a", "b", 1), AIO_OK);
    AIO_SEND_ALL(t, s->rc, s->fd, "abc", 3, AIO_SEC(1));
    AIO_SEND_ALL(t, s->rc, s->fd, "def", 3, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.3", 5000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "lost", 4, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK); /* (sent: lost on the way) */
    AIO_SLEEP(t, AIO_MS(600));
    CHECK_EQ(aio_sim_partition("b", "a", 0), AIO_OK); /* healed at 602 ms */
    s->healed = aio_now();
    AIO_SEND_TO(t, s->rc, s->u, "ok", 2, &s->to, AIO_SEC(1));
    aio_close(s->fd);
    aio_close(s->u);
    AIO_END(t);
}
typedef struct {
    aio_task task;
} healer_t;
static aio_status healer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(aio_sim_partition("main", "b", 0), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    healer_t healer;
    part_server_t srv;
    part_client_t cli;
    int fd;
    aio_status rc;
} part_t;
static aio_status part_main(aio_task *t) {
    part_t *s = AIO_SELF(t, part_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("a", &s->cli.task, part_client));
    AIO_CHECK(t, aio_sim_spawn("b", &s->srv.task, part_server));
    AIO_AWAIT(t, s->rc, &s->cli.task);
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(s->cli.healed, AIO_MS(602));
    CHECK_EQ(s->srv.timed_out, AIO_MS(501));
    /* a connect across a cut: sent again until healed */
    CHECK_EQ(aio_sim_partition("main", "b", 1), AIO_OK);
    AIO_CHECK(t, aio_spawn(&s->healer.task, healer)); /* heals at 702 ms */
    AIO_TCP_CONNECT(t, s->fd, "b", 7000, AIO_SEC(1)); /* at 602 ms */
    CHECK(s->fd >= 0);
    CHECK_EQ(aio_now(), AIO_MS(602 + 202)); /* its second try went through */
    if (s->fd >= 0) aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(s->srv.got, AIO_MS(603)); /* lost at 3 and 203 ms, sent again at 603: through */
    AIO_AWAIT(t, s->rc, &s->healer.task);
    AIO_END(t);
}
static void test_partition(void) {
    static part_t m;
    CHECK_EQ(RUN(exact(), m, part_main), AIO_OK);
}

/* A cut that never heals: a segment is sent again after 200 ms, then each
 * time after twice as long up to 120 s, and after 15 times and the wait
 * after the last (Linux's tcp_retries2) its sender gives up: its receive
 * and send give AIO_EIO with errno ETIMEDOUT (the system's ETIMEDOUT), at
 * 924.603 s for bytes sent at 2 ms; the receiver hears nothing. A connect
 * across it, or to a listener whose backlog stays full, is sent again 6
 * times (tcp_syn_retries) and fails at 25.401 s. Nothing waits forever: the
 * run ends. */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n;
    char buf[8];
} deaf_t;
static aio_status deaf(aio_task *t) {
    deaf_t *s = AIO_SELF(t, deaf_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 1);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(2000));
    CHECK_EQ(s->n, AIO_ETIMEDOUT); /* (nothing came) */
    aio_close(s->fd);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    deaf_t srv;
    int fd, fd2, l;
    aio_status n, rc;
    aio_time start;
    char buf[8];
} give_up_t;
static aio_status give_up_main(aio_task *t) {
    give_up_t *s = AIO_SELF(t, give_up_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, deaf));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    CHECK_EQ(aio_sim_partition("main", "server", 1), AIO_OK);
    AIO_SEND_ALL(t, s->rc, s->fd, "lost", 4, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    errno = 0;
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_NEVER);
    CHECK_EQ(s->n, AIO_EIO);
    CHECK_EQ(errno, ETIMEDOUT);
    CHECK_EQ(aio_now(), AIO_MS(924603));
    errno = 0;
    AIO_SEND_ALL(t, s->rc, s->fd, "more", 4, AIO_NEVER);
    CHECK_EQ(s->rc, AIO_EIO);
    CHECK_EQ(errno, ETIMEDOUT);
    aio_close(s->fd);
    /* a connect across it */
    s->start = aio_now();
    errno = 0;
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_NEVER);
    CHECK_EQ(s->fd, AIO_EIO);
    CHECK_EQ(errno, ETIMEDOUT);
    CHECK_EQ(aio_now() - s->start, AIO_MS(25401));
    AIO_AWAIT(t, s->rc, &s->srv.task);
    /* a backlog full (1: taken by the first, never accepted) */
    s->l = aio_tcp_listen(NULL, 7001, 1);
    AIO_CHECK(t, s->l);
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7001, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    s->start = aio_now();
    AIO_TCP_CONNECT(t, s->fd2, "127.0.0.1", 7001, AIO_NEVER);
    CHECK_EQ(s->fd2, AIO_EIO);
    CHECK_EQ(aio_now() - s->start, AIO_MS(25401));
    aio_close(s->fd);
    aio_close(s->l);
    AIO_END(t);
}
/* With 150 ms each way the retransmission time is a round trip, 300 ms:
 * a connect across a cut fails 150 ms + 300 ms * (1 + 2 + ... + 64) later. */
typedef struct {
    aio_task task;
    int fd;
} far_t;
static aio_status far_main(aio_task *t) {
    far_t *s = AIO_SELF(t, far_t);
    AIO_BEGIN(t);
    CHECK_EQ(aio_sim_partition("main", "far", 1), AIO_OK);
    AIO_TCP_CONNECT(t, s->fd, "far", 7000, AIO_NEVER);
    CHECK_EQ(s->fd, AIO_EIO);
    CHECK_EQ(aio_now(), AIO_MS(150 + 300 * 127));
    AIO_END(t);
}
static void test_cut_for_good(void) {
    static give_up_t m;
    static far_t f;
    aio_sim_config c = exact();
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, give_up_main), AIO_OK);
    c.latency = AIO_MS(150);
    memset(&f, 0, sizeof f);
    CHECK_EQ(sim_main(&c, &f.task, far_main), AIO_OK);
}

/* -------------------------------------------------------------- datagrams */

/* Between hosts "a" (10.0.0.2, port 5000) and "b" (10.0.0.3, an ephemeral
 * port): each datagram a trip after its send, its sender's address as the
 * receiver sees it, a reply to that address; on one host through
 * 127.0.0.1, seen from 127.0.0.1. */
typedef struct {
    aio_task task;
    int u;
    aio_status n, rc;
    aio_time at;
    char buf[16], from[64];
    aio_address addr;
} dgram_a_t;
static aio_status dgram_a(aio_task *t) {
    dgram_a_t *s = AIO_SELF(t, dgram_a_t);
    AIO_BEGIN(t);
    s->u = aio_udp_open(NULL, 5000);
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_socket_port(s->u), 5000);
    AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, &s->addr, AIO_SEC(1));
    s->at = aio_now();
    CHECK_EQ(s->n, 4);
    CHECK(memcmp(s->buf, "ping", 4) == 0);
    CHECK(aio_address_format(&s->addr, s->from, sizeof s->from) > 0);
    AIO_SEND_TO(t, s->rc, s->u, "pong!", 5, &s->addr, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    aio_close(s->u);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    dgram_a_t a;
    int u, v;
    aio_status n, rc;
    char buf[16], from[64];
    aio_address to, addr;
} dgram_t;
static aio_status dgram_main(aio_task *t) {
    dgram_t *s = AIO_SELF(t, dgram_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("a", &s->a.task, dgram_a));
    s->u = aio_udp_open(NULL, 0); /* on "main", 10.0.0.1 */
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_socket_port(s->u), 49152);
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.2", 5000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "ping", 4, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV_FROM(t, s->n, s->u, s->buf, 3, &s->addr, AIO_SEC(1)); /* (cut to 3 bytes) */
    CHECK_EQ(s->n, 3);
    CHECK(memcmp(s->buf, "pon", 3) == 0);
    CHECK_EQ(aio_now(), AIO_MS(2));
    CHECK(aio_address_format(&s->addr, s->from, sizeof s->from) > 0);
    CHECK_STR(s->from, "10.0.0.2:5000");
    AIO_AWAIT(t, s->rc, &s->a.task);
    CHECK_EQ(s->a.at, AIO_MS(1));
    CHECK_STR(s->a.from, "10.0.0.1:49152");
    /* on the host itself, through 127.0.0.1 */
    s->v = aio_udp_open("127.0.0.1", 6000);
    AIO_CHECK(t, s->v);
    CHECK_EQ(aio_address_set(&s->to, "localhost", 6000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "", 0, &s->to, AIO_SEC(1)); /* an empty datagram */
    AIO_RECV_FROM(t, s->n, s->v, s->buf, sizeof s->buf, &s->addr, AIO_SEC(1));
    CHECK_EQ(s->n, 0);
    CHECK(aio_address_format(&s->addr, s->from, sizeof s->from) > 0);
    CHECK_STR(s->from, "127.0.0.1:49152");
    /* to no host, to a port nobody has: lost */
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.99", 6000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "x", 1, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.1", 6001), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "y", 1, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV_FROM(t, s->n, s->v, s->buf, sizeof s->buf, &s->addr, AIO_MS(10));
    CHECK_EQ(s->n, AIO_ETIMEDOUT);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 6000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "z", 1, &s->to, AIO_SEC(1)); /* (on its way when the world ends) */
    aio_close(s->u);
    aio_close(s->v);
    AIO_END(t);
}
static void test_datagrams(void) {
    static dgram_t m;
    CHECK_EQ(RUN(exact(), m, dgram_main), AIO_OK);
}

/* loss = 1 loses every datagram; a socket keeps config.buffer bytes of
 * datagrams, those beyond are dropped. */
typedef struct {
    aio_task task;
    int u, v, i, got;
    aio_status n, rc;
    char buf[64];
    aio_address to;
} dgram_loss_t;
static aio_status dgram_loss_main(aio_task *t) {
    dgram_loss_t *s = AIO_SELF(t, dgram_loss_t);
    AIO_BEGIN(t);
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    s->v = aio_udp_open(NULL, 6000);
    AIO_CHECK(t, s->v);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 6000), AIO_OK);
    for (s->i = 0; s->i < 10; s->i++) {
        AIO_SEND_TO(t, s->rc, s->u, "0123456789012345678901234567890", 30, &s->to, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
    }
    for (;;) {
        AIO_RECV_FROM(t, s->n, s->v, s->buf, sizeof s->buf, NULL, AIO_MS(10));
        if (s->n < 0) break;
        CHECK_EQ(s->n, 30);
        s->got++;
    }
    CHECK_EQ(s->n, AIO_ETIMEDOUT);
    aio_close(s->u);
    aio_close(s->v);
    AIO_RETURN(t, s->got);
    AIO_END(t);
}
static void test_datagram_loss(void) {
    static dgram_loss_t m;
    aio_sim_config c = exact();
    c.loss = 1;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, dgram_loss_main), 0); /* all lost */
    c.loss = 0;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, dgram_loss_main), 10); /* none lost */
    c.buffer = 100;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, dgram_loss_main), 3); /* 90 bytes kept of 300 */
}

/* Jitter and reorder: 50 numbered datagrams sent at one instant come in
 * another order in some runs; none is lost. */
typedef struct {
    aio_task task;
    int u, v, i, got, inversions, last;
    aio_status n, rc;
    unsigned char buf[4];
    aio_address to;
} reorder_t;
static int reorder_inversions, reorder_runs;
static aio_status reorder_main(aio_task *t) {
    reorder_t *s = AIO_SELF(t, reorder_t);
    AIO_BEGIN(t);
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    s->v = aio_udp_open(NULL, 6000);
    AIO_CHECK(t, s->v);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 6000), AIO_OK);
    for (s->i = 0; s->i < 50; s->i++) {
        s->buf[0] = (unsigned char)s->i;
        AIO_SEND_TO(t, s->rc, s->u, s->buf, 1, &s->to, AIO_SEC(1));
        AIO_CHECK(t, s->rc);
    }
    s->last = -1;
    for (s->got = 0; s->got < 50; s->got++) {
        AIO_RECV_FROM(t, s->n, s->v, s->buf, sizeof s->buf, NULL, AIO_SEC(1));
        if (s->n != 1) break;
        s->inversions += s->buf[0] < s->last;
        s->last = s->buf[0];
    }
    aio_sim_check(s->got == 50, "no datagram lost");
    reorder_inversions += s->inversions;
    reorder_runs++;
    aio_close(s->u);
    aio_close(s->v);
    AIO_END(t);
}
static void test_datagram_reorder(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    c.jitter = AIO_MS(1);
    c.reorder = 0.3;
    o = options(c, 100);
    reorder_inversions = reorder_runs = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, reorder_t, reorder_main), 0);
    CHECK_STR(o.message, "");
    CHECK_EQ(reorder_runs, 100);
    CHECK(reorder_inversions > 100);
    c.jitter = 0;
    c.reorder = 0;
    o = options(c, 10);
    reorder_inversions = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, reorder_t, reorder_main), 0);
    CHECK_EQ(reorder_inversions, 0); /* (no jitter, no reorder: in order) */
}

/* ------------------------------------------------------------------ timers */

/* A timer fires late, never early: a sleep of 10 ms ends from 10 ms to
 * 10 ms + timer_late (+ the turn's step) after it began; over 500 seeds the
 * lateness spreads over that range. */
typedef struct {
    aio_task task;
    aio_time start;
} late_t;
static aio_time late_min, late_max;
static aio_status late_main(aio_task *t) {
    late_t *s = AIO_SELF(t, late_t);
    aio_time took;
    AIO_BEGIN(t);
    AIO_SLEEP(t, aio_sim_random(AIO_MS(5))); /* (start anywhere) */
    s->start = aio_now();
    AIO_SLEEP(t, AIO_MS(10));
    took = aio_now() - s->start;
    aio_sim_check(took >= AIO_MS(10), "a sleep never ends early");
    aio_sim_check(took <= AIO_MS(10) + AIO_MS(3) + AIO_US(100), "a sleep ends within timer_late + step");
    if (took < late_min) late_min = took;
    if (took > late_max) late_max = took;
    AIO_END(t);
}
static void test_timer_late(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    c.timer_late = AIO_MS(3);
    c.step = AIO_US(100);
    o = options(c, 500);
    late_min = AIO_NEVER;
    late_max = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, late_t, late_main), 0);
    CHECK_STR(o.message, "");
    CHECK(late_min >= AIO_MS(10));
    CHECK(late_min < AIO_MS(10) + AIO_MS(1)); /* some nearly on time */
    CHECK(late_max > AIO_MS(12));             /* some late by most of the bound */
    CHECK(late_max <= AIO_MS(13) + AIO_US(100));
}

/* step: each turn of the loop takes up to `step`: 100 yields move time on,
 * by at most 100 steps and the first turn's. */
typedef struct {
    aio_task task;
    int i;
} steps_t;
static aio_time steps_min, steps_max;
static aio_status steps_main(aio_task *t) {
    steps_t *s = AIO_SELF(t, steps_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 100; s->i++) AIO_YIELD(t);
    if (aio_now() < steps_min) steps_min = aio_now();
    if (aio_now() > steps_max) steps_max = aio_now();
    AIO_END(t);
}
static void test_step(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    c.step = AIO_US(10);
    o = options(c, 100);
    steps_min = AIO_NEVER;
    steps_max = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, steps_t, steps_main), 0);
    CHECK(steps_min > AIO_US(100)); /* time passed: about 500 us on average */
    CHECK(steps_max <= AIO_US(10) * 101);
    CHECK(steps_max > steps_min);
    c.step = 0;
    o = options(c, 10);
    steps_max = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, steps_t, steps_main), 0);
    CHECK_EQ(steps_max, 0); /* (no step: no time) */
}

/* -------------------------------------------------------------------- pool */

/* AIO_TO_THREAD runs its function (on the loop's thread, at once) and lands
 * within config.call; its copy comes back. A deadline before the landing
 * gives AIO_ETIMEDOUT at the deadline, the call dropped when it lands (or at
 * the end of the world): nothing leaks. A cancelled wait_for gives it up too. */
static int twice(void *data) {
    int *v = (int *)data;
    *v *= 2;
    return *v + 1;
}
typedef struct {
    aio_task task;
    int v;
    aio_status rc;
} caller_t;
static aio_status caller(aio_task *t) {
    caller_t *s = AIO_SELF(t, caller_t);
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, s->rc, twice, &s->v, sizeof s->v, AIO_NEVER);
    AIO_RETURN(t, s->rc);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    caller_t child;
    int v;
    aio_status rc;
} pool_t;
static int pool_landed, pool_timed_out, pool_times[10];
static aio_status pool_main(aio_task *t) {
    pool_t *s = AIO_SELF(t, pool_t);
    AIO_BEGIN(t);
    s->v = 20;
    AIO_TO_THREAD(t, s->rc, twice, &s->v, sizeof s->v, AIO_SEC(1));
    aio_sim_check(s->rc == 41 && s->v == 40, "the call's result and its copy");
    aio_sim_check(aio_now() <= AIO_MS(10), "the call lands within config.call");
    if (aio_now() <= AIO_MS(10)) pool_times[aio_now() * 10 / (AIO_MS(10) + 1)]++; /* (tenths of the range) */
    /* a deadline shorter than the landing, often */
    s->v = 1;
    AIO_TO_THREAD(t, s->rc, twice, &s->v, sizeof s->v, AIO_MS(2));
    if (s->rc == AIO_ETIMEDOUT) {
        pool_timed_out++;
        aio_sim_check(s->v == 1, "a call given up leaves the data alone");
    } else {
        pool_landed++;
        aio_sim_check(s->rc == 3 && s->v == 2, "a call that landed in time");
    }
    /* a wait_for that cancels a child awaiting a call */
    s->child.v = 5;
    AIO_CHECK(t, aio_spawn(&s->child.task, caller));
    AIO_WAIT_FOR(t, s->rc, &s->child.task, AIO_MS(1));
    aio_sim_check(s->rc == AIO_ETIMEDOUT || s->rc == 11, "wait_for a call");
    if (aio_sim_seed() % 2) AIO_SLEEP(t, AIO_MS(20)); /* (the calls land, or are dropped at the end) */
    AIO_END(t);
}
static void test_pool(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    int i, spread = 0;
    c.call = AIO_MS(10);
    o = options(c, 300);
    pool_landed = pool_timed_out = 0;
    memset(pool_times, 0, sizeof pool_times);
    CHECK_EQ(AIO_SIM_RUN(&o, pool_t, pool_main), 0);
    CHECK_STR(o.message, "");
    CHECK(pool_landed > 10);
    CHECK(pool_timed_out > 100);
    for (i = 0; i < 10; i++) spread += pool_times[i] > 0;
    CHECK_EQ(spread, 10); /* landings over the whole range, 0 to 10 ms */
}

/* An event that a call on the pool sets (as a worker thread would) is set
 * at a seeded time from the call's start to its landing, never after it: a
 * task waiting on it wakes then. Over seeds, the set is held back past the
 * call's start (a task looking at once sees it clear), comes before the
 * call's result, and falls in the first half of the call as often as in
 * the second. */
typedef struct {
    aio_event *ev;
    int times;
} set_arg;
static int set_in_call(void *data) {
    int i;
    for (i = 0; i < ((set_arg *)data)->times; i++) aio_event_set(((set_arg *)data)->ev); /* (each at its own time) */
    return 7;
}
typedef struct {
    aio_task task, waiter;
    aio_event ev;
    set_arg arg;
    aio_status rc, waited;
    int clear_at_start;
    aio_time set_at, landed_at;
} setter_t;
static int sets_held, sets_before_landing, sets_early;
static aio_status setter_waiter(aio_task *t) {
    setter_t *s = AIO_CONTAINER(t, setter_t, waiter);
    AIO_BEGIN(t);
    s->clear_at_start = !aio_event_is_set(&s->ev);
    AIO_EVENT_WAIT(t, s->waited, &s->ev, AIO_NEVER);
    s->set_at = aio_now();
    AIO_END(t);
}
static aio_status setter_main(aio_task *t) {
    setter_t *s = AIO_SELF(t, setter_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->waiter, setter_waiter));
    s->arg.ev = &s->ev;
    s->arg.times = aio_sim_seed() % 10 ? 1 : 5; /* (a tenth set it five times: the first wakes it) */
    AIO_TO_THREAD(t, s->rc, set_in_call, &s->arg, sizeof s->arg, AIO_NEVER);
    s->landed_at = aio_now();
    AIO_AWAIT(t, s->waited, &s->waiter);
    aio_sim_check(s->rc == 7, "the call's result");
    aio_sim_check(s->set_at <= s->landed_at, "an event a call sets is set before the call lands");
    aio_sim_check(!s->clear_at_start || s->set_at > 0 || s->landed_at == 0, "a held set is not seen");
    sets_held += s->clear_at_start;
    sets_before_landing += s->set_at < s->landed_at;
    if (s->arg.times == 1) sets_early += s->set_at * 2 < s->landed_at;
    AIO_END(t);
}
static void test_pool_event_set(void) {
    aio_sim_config c = exact();
    aio_sim_options o, again;
    c.call = AIO_MS(10);
    o = options(c, 300);
    sets_held = sets_before_landing = sets_early = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, setter_t, setter_main), 0);
    CHECK_STR(o.message, "");
    CHECK(sets_held > 290);           /* (only a draw of 0 sets it at once) */
    CHECK(sets_before_landing > 290); /* (only a draw of the landing itself sets it with it) */
    CHECK(sets_early > 90 && sets_early < 180); /* (270 set once, uniform up to the landing: half in its first half) */
    again = options(c, 300);
    CHECK_EQ(AIO_SIM_RUN(&again, setter_t, setter_main), 0);
    CHECK_EQ(again.digest, o.digest);
}

/* AIO_LOOKUP in a simulation: host i is 10.0.0.(i + 1), "main" the first;
 * "localhost" is 127.0.0.1; a name of no host is AIO_ENOTFOUND. */
typedef struct {
    aio_task task;
    aio_status n;
    char text[64];
    aio_address addr[4];
} names_t;
static aio_status names_main(aio_task *t) {
    names_t *s = AIO_SELF(t, names_t);
    AIO_BEGIN(t);
    CHECK_EQ(aio_sim_partition("alpha", "beta", 0), AIO_OK); /* (makes the hosts) */
    AIO_LOOKUP(t, s->n, "beta", 80, s->addr, 4, AIO_SEC(1));
    CHECK_EQ(s->n, 1);
    CHECK(aio_address_format(&s->addr[0], s->text, sizeof s->text) > 0);
    CHECK_STR(s->text, "10.0.0.3:80");
    AIO_LOOKUP(t, s->n, "main", 443, s->addr, 4, AIO_SEC(1));
    CHECK_EQ(s->n, 1);
    CHECK(aio_address_format(&s->addr[0], s->text, sizeof s->text) > 0);
    CHECK_STR(s->text, "10.0.0.1:443");
    AIO_LOOKUP(t, s->n, "localhost", 80, s->addr, 4, AIO_SEC(1));
    CHECK_EQ(s->n, 1);
    CHECK(aio_address_format(&s->addr[0], s->text, sizeof s->text) > 0);
    CHECK_STR(s->text, "127.0.0.1:80");
    AIO_LOOKUP(t, s->n, "nowhere.example", 80, s->addr, 4, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ENOTFOUND);
    AIO_TCP_CONNECT(t, s->n, "nowhere.example", 80, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ENOTFOUND);
    CHECK_EQ(aio_now(), 0); /* (config.call 0: every call lands at once) */
    AIO_END(t);
}
static void test_lookup(void) {
    static names_t m;
    CHECK_EQ(RUN(exact(), m, names_main), AIO_OK);
}

/* -------------------------------------------------------------- the runner */

/* A deliberate race: the client waits 3 ms for an answer whose round trip
 * takes 2 to 6 ms. Some seed fails; the runner stops there, names it, and
 * AIO_SIM_SEED=<it> replays exactly that run (the same message) and writes
 * its trace (tests/checks/sim.sh has tools/aio_trace.py read it). */
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n, rc;
    char buf[8];
} pong_t;
static aio_status pong(aio_task *t) {
    pong_t *s = AIO_SELF(t, pong_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    if (s->n > 0) AIO_SEND_ALL(t, s->rc, s->fd, "pong", 4, AIO_SEC(1));
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1)); /* (the end) */
    aio_close(s->fd);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    pong_t srv;
    int fd;
    aio_status n, rc;
    char buf[8];
} race_t;
static aio_status race_main(aio_task *t) {
    race_t *s = AIO_SELF(t, race_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, pong));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "ping", 4, AIO_SEC(1));
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_MS(3));
    aio_sim_check(s->n == 4, "the answer came in time");
    aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    AIO_END(t);
}
/* Whether `path` begins with `head` and holds `text`. */
static int file_has(const char *path, const char *head, const char *text) {
    static char buf[1 << 20];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strncmp(buf, head, strlen(head)) == 0 && strstr(buf, text) != NULL;
}
/* stderr into a file while `fn` runs; what it wrote, in `out`. */
static void capture_stderr(void (*fn)(void *), void *arg, char *out, size_t size) {
    FILE *f = tmpfile();
    int saved;
    size_t n = 0;
    fflush(stderr);
    saved = dup(fileno(stderr));
    if (f && saved >= 0 && dup2(fileno(f), fileno(stderr)) >= 0) {
        fn(arg);
        fflush(stderr);
        dup2(saved, fileno(stderr));
        rewind(f);
        n = fread(out, 1, size - 1, f);
    }
    if (saved >= 0) close(saved);
    if (f) fclose(f);
    out[n] = '\0';
}
static int run_status;
static void run_race(void *o) { run_status = AIO_SIM_RUN((aio_sim_options *)o, race_t, race_main); }
static void test_runner_race_and_replay(void) {
    aio_sim_config c = exact();
    aio_sim_options o, again;
    char seed[32], expect[2400], err[2048];
    uint64_t replayed;
    c.jitter = AIO_MS(1);
    o = options(c, 1000);
    o.trace = race_trace;
    CHECK_EQ(AIO_SIM_RUN(&o, race_t, race_main), 1);
    CHECK(o.failed_seed >= 1);
    CHECK_EQ(o.runs, o.failed_seed); /* (seeds from 1, stopped at the first failure) */
    CHECK(strncmp(o.message, "the answer came in time (at 0.00", 32) == 0);
    (void)snprintf(expect, sizeof expect, "# seed %llu failed: %s", (unsigned long long)o.failed_seed, o.message);
    CHECK(file_has(race_trace, "aio-trace 1 ticks_per_sec=", expect));
    /* the replay: that seed alone, the same way */
    (void)snprintf(seed, sizeof seed, "%llu", (unsigned long long)o.failed_seed);
    CHECK_EQ(setenv("AIO_SIM_SEED", seed, 1), 0);
    (void)remove(race_trace);
    again = options(c, 1000);
    again.trace = race_trace;
    CHECK_EQ(AIO_SIM_RUN(&again, race_t, race_main), 1);
    CHECK_EQ(again.failed_seed, o.failed_seed);
    CHECK_EQ(again.runs, 1);
    CHECK_STR(again.message, o.message);
    CHECK(file_has(race_trace, "aio-trace 1 ticks_per_sec=", expect));
    replayed = again.digest;
    /* a passing seed replayed: 0, and its trace without a failure */
    (void)snprintf(seed, sizeof seed, "%llu", (unsigned long long)(o.failed_seed > 1 ? 1 : 2));
    CHECK_EQ(setenv("AIO_SIM_SEED", seed, 1), 0);
    again = options(c, 1000);
    again.trace = trace_path;
    CHECK_EQ(AIO_SIM_RUN(&again, race_t, race_main), 0);
    CHECK_EQ(again.failed_seed, 0);
    CHECK_EQ(again.runs, 1);
    CHECK(file_has(trace_path, "aio-trace 1 ticks_per_sec=", " end "));
    CHECK(!file_has(trace_path, "aio-trace 1", "failed"));
    CHECK_EQ(unsetenv("AIO_SIM_SEED"), 0);
    /* that seed as the only one of a run: the replay's digest */
    again = options(c, 1);
    again.first = o.failed_seed;
    again.trace = race_trace;
    CHECK_EQ(AIO_SIM_RUN(&again, race_t, race_main), 1);
    CHECK_EQ(again.digest, replayed);
    /* not quiet: it says which seed failed and how to replay it */
    again = options(c, 1000);
    again.trace = race_trace;
    again.quiet = 0;
    capture_stderr(run_race, &again, err, sizeof err);
    CHECK_EQ(run_status, 1);
    (void)snprintf(expect, sizeof expect, "aio_sim: seed %llu failed after %llu run(s): %s",
                   (unsigned long long)o.failed_seed, (unsigned long long)o.runs, o.message);
    CHECK(strstr(err, expect) != NULL);
    (void)snprintf(expect, sizeof expect, "replay it: AIO_SIM_SEED=%llu", (unsigned long long)o.failed_seed);
    CHECK(strstr(err, expect) != NULL);
    CHECK(strstr(err, "did not run the same way twice") == NULL);
    (void)snprintf(expect, sizeof expect, "; its trace is %s (python3 tools/aio_trace.py %s --svg run.svg)\n",
                   race_trace, race_trace);
    CHECK(strstr(err, expect) != NULL);
    CHECK(file_has(race_trace, "aio-trace 1", "failed: the answer came in time"));
    CHECK_EQ(again.digest, o.digest); /* (the same seeds, the same runs) */
    /* told to keep no trace (""): it names none */
    again = options(c, 1000);
    again.trace = "";
    again.quiet = 0;
    capture_stderr(run_race, &again, err, sizeof err);
    CHECK_EQ(run_status, 1);
    (void)snprintf(expect, sizeof expect, "replay it: AIO_SIM_SEED=%llu <this program>\n",
                   (unsigned long long)o.failed_seed);
    CHECK(strstr(err, expect) != NULL);
    CHECK(strstr(err, "trace") == NULL);
    /* a later first seed: other runs */
    again = options(c, o.runs - 1 ? o.runs - 1 : 1);
    again.first = o.failed_seed + 1;
    again.trace = trace_path;
    CHECK(AIO_SIM_RUN(&again, race_t, race_main) >= 0);
    CHECK(again.digest != o.digest);
}

/* A scenario that does not run the same way twice (it keeps a count across
 * runs): the runner says so when it records the failing run again. */
static int unsteady_calls;
typedef struct {
    aio_task task;
} unsteady_t;
static aio_status unsteady_main(aio_task *t) {
    AIO_BEGIN(t);
    unsteady_calls++;
    AIO_SLEEP(t, AIO_MS(unsteady_calls));
    aio_sim_check(0, NULL);
    AIO_END(t);
}
static void run_unsteady(void *o) { run_status = AIO_SIM_RUN((aio_sim_options *)o, unsteady_t, unsteady_main); }
static void test_runner_not_deterministic(void) {
    aio_sim_options o = options(exact(), 10);
    char err[2048];
    o.trace = trace_path;
    o.quiet = 0;
    capture_stderr(run_unsteady, &o, err, sizeof err);
    CHECK_EQ(run_status, 1);
    CHECK_EQ(o.failed_seed, 1);
    CHECK(strncmp(o.message, "a check failed (at 0.001", 24) == 0);
    CHECK(strstr(err, "aio_sim: seed 1 did not run the same way twice") != NULL);
}

/* A run that fails by its main task's error; a limit in seconds; the main
 * task's status and opts->arg; bad input. */
typedef struct {
    aio_task task;
} plain_t;
static int plain_runs;
static aio_status plain_main(aio_task *t) {
    AIO_BEGIN(t);
    plain_runs++;
    AIO_SLEEP(t, AIO_MS(1));
    if (aio_sim_arg() && aio_sim_seed() == *(uint64_t *)aio_sim_arg()) AIO_RAISE(t, AIO_EUSER);
    AIO_RETURN(t, 7); /* (a result, not a failure) */
    AIO_END(t);
}
static void test_runner_options(void) {
    aio_sim_options o = options(exact(), 10);
    uint64_t bad_seed = 13;
    /* the main task's error fails the run */
    o.first = 5;
    o.arg = &bad_seed;
    o.trace = trace_path;
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), 1);
    CHECK_EQ(o.failed_seed, 13);
    CHECK_EQ(o.runs, 9);
    CHECK(strncmp(o.message, "the main task ended with user error (at 0.001", 45) == 0);
    CHECK(aio_sim_arg() == NULL); /* (outside the runner) */
    /* until `seconds` have passed */
    o = options(exact(), 0);
    o.seconds = 0.05;
    plain_runs = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), 0);
    CHECK(o.runs > 10);
    CHECK_EQ(plain_runs, o.runs);
    CHECK_EQ(o.failed_seed, 0);
    /* bad input: AIO_EINVAL, nothing run */
    plain_runs = 0;
    CHECK_EQ(aio_sim_run(NULL, sizeof(plain_t), offsetof(plain_t, task), plain_main), AIO_EINVAL);
    CHECK_DEBUG("aio_sim_run");
    o = options(exact(), 0);
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), AIO_EINVAL); /* no seeds, no seconds */
    o.seconds = NAN;
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), AIO_EINVAL);
    o = options(exact(), 1);
    CHECK_EQ(aio_sim_run(&o, sizeof(aio_task) - 1, 0, plain_main), AIO_EINVAL); /* state too small */
    CHECK_EQ(aio_sim_run(&o, sizeof(plain_t), sizeof(plain_t), plain_main), AIO_EINVAL); /* task beyond it */
    CHECK_EQ(aio_sim_run(&o, sizeof(plain_t), 0, NULL), AIO_EINVAL);
    o.config.refuse = 1.5;
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), AIO_EINVAL); /* a bad config */
    CHECK_DEBUG("a probability not from 0 to 1");
    o.config.refuse = 0;
    o.config.latency = AIO_NEVER;
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), AIO_EINVAL);
    CHECK_EQ(plain_runs, 0);
}

/* Out of memory for a run (its state, then the simulation's own): the
 * runner stops and says AIO_EIO, no run made or counted, nothing held, the
 * system's platform in place; with memory the same options run each seed.
 * aio_sim_start out of memory: AIO_EIO, and the loop can start one later. */
static void test_runner_out_of_memory(void) {
    static aio_timer timers[4];
    aio_sim_options o = options(exact(), 3);
    aio_sim_config c = exact();
    aio_loop L;
    long k;
    for (k = 0; k < 2; k++) {
        plain_runs = 0;
        o.runs = 5;
        test_alloc_fail_after(k);
        CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), AIO_EIO);
        test_alloc_fail_after(-1);
        CHECK_EQ(o.runs, 0);
        CHECK_EQ(plain_runs, 0);
        CHECK(aio__os() == &aio__system_platform);
        CHECK(aio_sim_arg() == NULL); /* (the runner gone) */
    }
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), 0);
    CHECK_EQ(o.runs, 3);
    CHECK_EQ(plain_runs, 3);
    aio_loop_init(&L, timers, 4);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_sim_start(&L, &c), AIO_EIO);
    test_alloc_fail_after(-1);
    CHECK(aio__os() == &aio__system_platform);
    CHECK_EQ(aio_sim_start(&L, &c), AIO_OK);
    CHECK(aio__os() == &aio__sim_platform);
    CHECK_EQ(aio_loop_destroy(&L), AIO_OK);
}

/* aio_sim_start: its config checked, one simulation per thread, a loop that
 * waits for I/O already refused. */
static void fake_watch_wait(aio_io *io, aio_loop *loop, aio_time deadline) {
    (void)io;
    (void)loop;
    (void)deadline;
}
static aio_status fake_watch(aio_io *io, int fd, int old, int events) {
    (void)io;
    (void)fd;
    (void)old;
    (void)events;
    return AIO_OK;
}
/* The platform's table: one with a slot left empty is refused where it is
 * installed, the slot named, and the thread's table stays; aio_sim_start
 * installs the simulation's, its end puts the system's back. */
static void test_platform_table(void) {
    static aio_timer timers[4];
    aio__platform t = aio__sim_platform;
    aio_sim_config c = exact();
    aio_loop L;
    CHECK(aio__os() == &aio__system_platform);
    t.connect = NULL;
    last_debug[0] = '\0';
    CHECK_EQ(aio__os_install(&t), AIO_EINVAL);
    CHECK_DEBUG("slot `connect` is empty");
    CHECK(aio__os() == &aio__system_platform);
    t = aio__sim_platform;
    t.close = NULL;
    CHECK_EQ(aio__os_install(&t), AIO_EINVAL);
    CHECK_DEBUG("slot `close` is empty");
    CHECK(aio__os() == &aio__system_platform);
    aio_loop_init(&L, timers, 4);
    CHECK_EQ(aio_sim_start(&L, &c), AIO_OK);
    CHECK(aio__os() == &aio__sim_platform);
    CHECK_EQ(aio_loop_destroy(&L), AIO_OK);
    CHECK(aio__os() == &aio__system_platform);
}

static void test_start_checks(void) {
    static aio_timer t1[4], t2[4];
    aio_loop a, b;
    aio_sim_config c = exact();
    aio_io port;
    double bad[] = {1.5, -0.1, NAN};
    size_t i, j;
    aio_loop_init(&a, t1, 4);
    CHECK_EQ(aio_sim_start(&a, NULL), AIO_EINVAL);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (j = 0; j < 10; j++) {
            double *p[10];
            c = exact();
            p[0] = &c.short_recv, p[1] = &c.short_send, p[2] = &c.reset, p[3] = &c.refuse;
            p[4] = &c.lookup_fail, p[5] = &c.timer_full, p[6] = &c.loss, p[7] = &c.reorder;
            p[8] = &c.child_dies, p[9] = &c.alloc_fails;
            *p[j] = bad[i];
            last_debug[0] = '\0';
            CHECK_EQ(aio_sim_start(&a, &c), AIO_EINVAL);
            CHECK_DEBUG("a probability not from 0 to 1");
        }
    }
    for (j = 0; j < 5; j++) {
        aio_time *p[5];
        c = exact();
        p[0] = &c.timer_late, p[1] = &c.step, p[2] = &c.latency, p[3] = &c.jitter, p[4] = &c.call;
        *p[j] = AIO_NEVER / 4;
        CHECK_EQ(aio_sim_start(&a, &c), AIO_EINVAL);
    }
    CHECK(!aio_sim_active());
    c = exact();
    CHECK_EQ(aio_sim_start(&a, &c), AIO_OK);
    aio_loop_init(&b, t2, 4);
    CHECK_EQ(aio_sim_start(&b, &c), AIO_EBUSY); /* one simulation per thread */
    CHECK_DEBUG("a simulation runs on this thread");
    CHECK_EQ(aio_loop_destroy(&b), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK);
    CHECK(!aio_sim_active());
    /* a loop with a port of its own */
    memset(&port, 0, sizeof port);
    port.watch = fake_watch;
    port.wait = fake_watch_wait;
    aio_loop_init(&a, t1, 4);
    CHECK_EQ(aio_loop_set_io(&a, &port), AIO_OK);
    CHECK_EQ(aio_sim_start(&a, &c), AIO_EBUSY);
    CHECK(!aio_sim_active());
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK);
    /* detached by aio_loop_set_io(NULL): the simulation ends there */
    aio_loop_init(&a, t1, 4);
    CHECK_EQ(aio_sim_start(&a, &c), AIO_OK);
    CHECK_EQ(aio_loop_set_io(&a, NULL), AIO_OK);
    CHECK(!aio_sim_active());
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK);
}

/* ---------------------------------------------------------- misuse inside */

/* What is no socket of the simulation is AIO_EBADF (nothing reaches the
 * system's sockets); a socket of the wrong kind too. A program the
 * simulation has not been given is not found; binding a port taken, or an address of no host or of another
 * host, is AIO_EIO with errno set, an IPv6 address no host has too; an
 * IPv4 socket sends to no IPv6 address. */
typedef struct {
    aio_task task;
    int l, u, fd, l2;
    aio_status n, rc;
    aio_process proc;
    char buf[8];
    aio_address to;
    aio_server_share share;
} misuse_t;
static aio_status misuse_main(aio_task *t) {
    misuse_t *s = AIO_SELF(t, misuse_t);
    static const char *const argv[] = {"true", NULL};
    AIO_BEGIN(t);
    CHECK_EQ(aio_process_spawn(&s->proc, argv, NULL), AIO_ENOTFOUND); /* (no program of that name) */
    CHECK_DEBUG("the simulation has no program of that name");
    AIO_RECV(t, s->n, 100, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_DEBUG("is not a socket of the simulation");
    AIO_RECV(t, s->n, 0, s->buf, sizeof s->buf, AIO_SEC(1)); /* (standard input is none either) */
    CHECK_EQ(s->n, AIO_EBADF);
    AIO_SEND_ALL(t, s->n, 100, "x", 1, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    AIO_ACCEPT(t, s->n, 100, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    AIO_WAIT_READABLE(t, s->n, 100, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_EQ(aio_close(100), AIO_EBADF);
    CHECK_EQ(aio_close(-1), AIO_EBADF);
    CHECK_EQ(aio_socket_port(100), AIO_EBADF);
    CHECK_EQ(aio_socket_port(-1), AIO_EBADF);
    AIO_RECV_FROM(t, s->n, 100, s->buf, sizeof s->buf, NULL, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 7000), AIO_OK);
    AIO_SEND_TO(t, s->n, 100, "x", 1, &s->to, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    s->u = aio_udp_open(NULL, 7000); /* (another protocol: the port is free) */
    AIO_CHECK(t, s->u);
    AIO_RECV(t, s->n, s->l, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_DEBUG("is not a connected stream socket");
    AIO_SEND_ALL(t, s->n, s->u, "x", 1, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    AIO_ACCEPT(t, s->n, s->u, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_DEBUG("is not a listening socket");
    AIO_RECV_FROM(t, s->n, s->l, s->buf, sizeof s->buf, NULL, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_DEBUG("is not a datagram socket");
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 7000), AIO_OK);
    AIO_SEND_TO(t, s->n, s->l, "x", 1, &s->to, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EBADF);
    CHECK_EQ(aio_address_set(&s->to, "::1", 7000), AIO_OK);
    AIO_SEND_TO(t, s->n, s->u, "x", 1, &s->to, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_EINVAL);
    CHECK_DEBUG("the address is IPv6 and the socket IPv4");
    /* ports and addresses taken or not ours */
    errno = 0;
    CHECK_EQ(aio_tcp_listen(NULL, 7000, 0), AIO_EIO);
    CHECK_EQ(errno, EADDRINUSE);
    errno = 0;
    CHECK_EQ(aio_udp_open("127.0.0.1", 7000), AIO_EIO);
    CHECK_EQ(errno, EADDRINUSE);
    errno = 0;
    CHECK_EQ(aio_tcp_listen("10.0.0.77", 7001, 0), AIO_EIO); /* no such host */
    CHECK_EQ(errno, EADDRNOTAVAIL);
    errno = 0;
    CHECK_EQ(aio_udp_open("2001:db8::1", 0), AIO_EIO);
    CHECK_EQ(errno, EADDRNOTAVAIL);
    CHECK_EQ(aio_sim_partition("other", "main", 0), AIO_OK); /* (host "other" is 10.0.0.2) */
    errno = 0;
    CHECK_EQ(aio_tcp_listen("10.0.0.2", 7001, 0), AIO_EIO); /* another host's address */
    CHECK_EQ(errno, EADDRNOTAVAIL);
    s->l2 = aio_tcp_listen("10.0.0.1", 7001, 5); /* its own */
    CHECK(s->l2 >= 0);
    errno = 0;
    CHECK_EQ(aio_tcp_listen("10.0.0.1", 7001, 0), AIO_EIO); /* (the same address) */
    CHECK_EQ(errno, EADDRINUSE);
    CHECK_EQ(aio_close(s->l2), AIO_OK);
    CHECK_EQ(aio_close(s->l2), AIO_EBADF); /* (closed) */
    CHECK_EQ(aio_close(s->l), AIO_OK);
    CHECK_EQ(aio_close(s->u), AIO_OK);
    /* a share's loops run on threads: none in a simulation */
    CHECK_EQ(aio_server_share_init(&s->share, 2, "10.0.0.1", 7002, 0), AIO_EINVAL);
    CHECK_DEBUG("not in a simulation");
    AIO_END(t);
}
static void test_misuse_inside(void) {
    static misuse_t m;
    CHECK_EQ(RUN(exact(), m, misuse_main), AIO_OK);
}

/* Outside a simulation the functions say so, or do what they would anyway. */
typedef struct {
    aio_task task;
} nothing_t;
static aio_status nothing(aio_task *t) {
    AIO_BEGIN(t);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    nothing_t child;
    aio_status rc;
} outside_t;
static aio_status outside_main(aio_task *t) {
    outside_t *s = AIO_SELF(t, outside_t);
    AIO_BEGIN(t);
    CHECK_EQ(aio_sim_spawn("anywhere", &s->child.task, nothing), AIO_OK); /* aio_spawn */
    AIO_AWAIT(t, s->rc, &s->child.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_outside(void) {
    static outside_t m;
    static aio_server_share share; /* (outside a simulation: made as anywhere) */
    aio_loop loop;
    aio_recorder rec;
    CHECK_EQ(aio_server_share_init(&share, 1, "127.0.0.1", 0, 0), AIO_OK);
    CHECK_EQ(aio_server_share_free(&share), AIO_OK);
    CHECK(!aio_sim_active());
    CHECK_EQ(aio_sim_random(10), 0);
    CHECK_EQ(aio_sim_seed(), 0);
    CHECK_EQ(aio_sim_digest(), 0);
    CHECK(aio_sim_arg() == NULL);
    CHECK_EQ(aio_sim_check(1, "fine"), 1);
    CHECK_EQ(aio_sim_check(0, "not counted"), 0);
    CHECK_EQ(aio_sim_partition("a", "b", 1), AIO_EINVAL);
    CHECK_DEBUG("no simulation runs on this thread");
    aio_sim_record(&rec); /* (nothing to record) */
    memset(&m, 0, sizeof m);
    aio_loop_init(&loop, timers, 64);
    aio_loop_use_virtual_clock(&loop, 0);
    CHECK_EQ(aio_run(&loop, &m.task, outside_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Inside: hosts named up to 31 characters, at most 16; the seeded numbers;
 * the first failed check is the one kept. */
typedef struct {
    aio_task task;
    nothing_t child, kids[20];
    aio_status rc;
    int i;
    char name[40];
} hosts_t;
static aio_status hosts_main(aio_task *t) {
    hosts_t *s = AIO_SELF(t, hosts_t);
    uint32_t r;
    AIO_BEGIN(t);
    CHECK(aio_sim_active());
    CHECK_EQ(aio_sim_seed(), 0); /* (sim_main's config) */
    CHECK_EQ(aio_sim_random(0), 0);
    CHECK_EQ(aio_sim_random(1), 0);
    r = aio_sim_random(10);
    CHECK(r < 10);
    CHECK_EQ(aio_sim_spawn(NULL, &s->child.task, nothing), AIO_EINVAL);
    CHECK_DEBUG("aio_sim_spawn: no host name");
    memset(s->name, 'h', 32);
    s->name[32] = '\0';
    CHECK_EQ(aio_sim_spawn(s->name, &s->child.task, nothing), AIO_EINVAL); /* 32 characters */
    CHECK_EQ(aio_sim_partition(s->name, "main", 1), AIO_EINVAL);
    CHECK_EQ(aio_sim_partition("main", NULL, 1), AIO_EINVAL);
    CHECK_EQ(aio_sim_partition(NULL, "main", 1), AIO_EINVAL);
    CHECK_DEBUG("aio_sim_partition: a host name is missing");
    s->name[31] = '\0';
    CHECK_EQ(aio_sim_partition(s->name, "main", 1), AIO_OK); /* 31: host 1 */
    for (s->i = 2; s->i < 16; s->i++) {
        (void)snprintf(s->name, sizeof s->name, "host%d", s->i);
        CHECK_EQ(aio_sim_partition(s->name, "main", 0), AIO_OK);
    }
    CHECK_EQ(aio_sim_spawn("seventeenth", &s->child.task, nothing), AIO_EINVAL); /* 16 hosts at most */
    CHECK_EQ(aio_sim_spawn("host15", &s->child.task, nothing), AIO_OK);
    CHECK_EQ(aio_sim_spawn("host14", &s->child.task, nothing), AIO_EINVAL); /* (alive) */
    AIO_AWAIT(t, s->rc, &s->child.task);
    for (s->i = 0; s->i < 20; s->i++) { /* (more tasks placed than the first table holds) */
        (void)snprintf(s->name, sizeof s->name, "host%d", 2 + s->i % 14);
        CHECK_EQ(aio_sim_spawn(s->name, &s->kids[s->i].task, nothing), AIO_OK);
    }
    for (s->i = 0; s->i < 20; s->i++) AIO_AWAIT(t, s->rc, &s->kids[s->i].task);
    CHECK_EQ(aio_sim_check(1, "fine"), 1);
    CHECK_EQ(aio_sim_check(0, NULL), 0);
    CHECK_EQ(aio_sim_check(0, "a second one"), 0);
    AIO_END(t);
}
static void test_hosts_and_checks(void) {
    static hosts_t m;
    aio_sim_config c = exact();
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, hosts_main), AIO_OK); /* (a check failing fails aio_sim_run's runs only) */
}

/* ----------------------------------------------------- bound addresses */

/* A socket bound to 127.0.0.1 is reached from its own host only, through
 * 127.0.0.1; one bound to the host's address from anywhere through that
 * address; both may share a port, and one bound to every address overlaps
 * either. A listener closed and opened again on its port while a connection
 * it accepted lives (SO_REUSEADDR's way) is allowed. */
typedef struct {
    aio_task task;
    int lo, ext, only_lo, ulo, fd, a, b;
    aio_status n;
    char buf[8];
} bound_server_t;
static aio_status bound_server(aio_task *t) {
    bound_server_t *s = AIO_SELF(t, bound_server_t);
    AIO_BEGIN(t);
    s->lo = aio_tcp_listen("127.0.0.1", 7000, 0);
    AIO_CHECK(t, s->lo);
    errno = 0;
    CHECK_EQ(aio_tcp_listen(NULL, 7000, 0), AIO_EIO); /* (every address: overlaps) */
    CHECK_EQ(errno, EADDRINUSE);
    s->ext = aio_tcp_listen("10.0.0.2", 7000, 0);
    AIO_CHECK(t, s->ext);
    s->only_lo = aio_tcp_listen("localhost", 7002, 0);
    AIO_CHECK(t, s->only_lo);
    s->ulo = aio_udp_open("localhost", 5000);
    AIO_CHECK(t, s->ulo);
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1)); /* its own, through 127.0.0.1 */
    AIO_CHECK(t, s->fd);
    AIO_ACCEPT(t, s->a, s->lo, 0);
    CHECK(s->a >= 0); /* (queued on the loopback one) */
    AIO_ACCEPT(t, s->b, s->ext, 0);
    CHECK_EQ(s->b, AIO_ETIMEDOUT); /* (not on the other) */
    aio_close(s->fd);
    if (s->a >= 0) aio_close(s->a);
    AIO_ACCEPT(t, s->b, s->ext, AIO_SEC(1)); /* main's, through 10.0.0.2 */
    CHECK(s->b >= 0);
    if (s->b >= 0) aio_close(s->b);
    AIO_RECV_FROM(t, s->n, s->ulo, s->buf, sizeof s->buf, NULL, AIO_MS(50));
    CHECK_EQ(s->n, AIO_ETIMEDOUT); /* main's datagram to 10.0.0.2:5000 found nobody */
    aio_close(s->lo);
    aio_close(s->ext);
    aio_close(s->only_lo);
    aio_close(s->ulo);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    bound_server_t srv;
    int u, fd, l, a, c;
    aio_status rc;
    aio_address to;
} bound_t;
static aio_status bound_main(aio_task *t) {
    bound_t *s = AIO_SELF(t, bound_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, bound_server));
    AIO_SLEEP(t, AIO_MS(10));
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.2", 5000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "x", 1, &s->to, AIO_SEC(1));
    aio_close(s->u);
    AIO_TCP_CONNECT(t, s->fd, "10.0.0.2", 7002, AIO_SEC(1));
    CHECK_EQ(s->fd, AIO_ECONNREFUSED); /* a listener on 127.0.0.1 only */
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    CHECK(s->fd >= 0);
    if (s->fd >= 0) aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    /* a listener again on its port, beside a connection it accepted */
    s->l = aio_tcp_listen(NULL, 7001, 0);
    AIO_CHECK(t, s->l);
    AIO_TCP_CONNECT(t, s->c, "localhost", 7001, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    AIO_ACCEPT(t, s->a, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    CHECK_EQ(aio_close(s->l), AIO_OK);
    s->l = aio_tcp_listen(NULL, 7001, 0);
    CHECK(s->l >= 0);
    if (s->l >= 0) aio_close(s->l);
    aio_close(s->a);
    aio_close(s->c);
    AIO_END(t);
}
static void test_bound_addresses(void) {
    static bound_t m;
    CHECK_EQ(RUN(exact(), m, bound_main), AIO_OK);
}

/* ------------------------------------------------ the sockets' numbers */

/* What a program does to a socket's number itself, with the system's calls:
 * close() (after aio_io_forget: the documented other way to aio_close),
 * shutdown(), a write. On Windows: closesocket, shutdown(SD_SEND), send. */
#ifdef _WIN32
#define NUMBER(fd) ((SOCKET)(uintptr_t)(unsigned)(fd))
static int close_number(int fd) { return closesocket(NUMBER(fd)); }
static int shut_number(int fd) { return shutdown(NUMBER(fd), SD_SEND); }
static long write_number(int fd, const char *data, int len) { return (long)send(NUMBER(fd), data, len, 0); }
static long read_number(int fd, char *buf, int len) { return (long)recv(NUMBER(fd), buf, len, 0); }
#else
static int close_number(int fd) { return close(fd); }
static int shut_number(int fd) { return shutdown(fd, SHUT_WR); }
static long write_number(int fd, const char *data, int len) { return (long)write(fd, data, (size_t)len); }
static long read_number(int fd, char *buf, int len) { return (long)read(fd, buf, (size_t)len); }
#endif

/* A socket the program closes itself: its peer reads the end a trip after
 * the close, as after aio_close; the close reaches the socket's own
 * descriptor only, never a file of the program's (on POSIX every number
 * from 3 to 31 free before the run is one of the program's during it, and
 * each is still open after). A number closed so is no socket any more:
 * aio_close of it, a send on it, an accept on it (a listener's), each in
 * the turn of the close, is AIO_EBADF. */
typedef struct {
    aio_task task;
    int l, c, i, file;
    aio_status rc;
} forget_server_t;
static aio_status forget_server(aio_task *t) {
    forget_server_t *s = AIO_SELF(t, forget_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    for (s->i = 0; s->i < 3; s->i++) {
        AIO_ACCEPT(t, s->c, s->l, AIO_SEC(1));
        AIO_CHECK(t, s->c);
        AIO_SEND_ALL(t, s->rc, s->c, "hello\n", 6, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
        AIO_SLEEP(t, AIO_MS(10));
        aio_io_forget(s->c);
        CHECK_EQ(close_number(s->c), 0);
#ifndef _WIN32
        if (s->i == 0) { /* a file of the program's takes the number at once: it is left alone */
            s->file = open("/dev/null", O_RDONLY);
            CHECK_EQ(s->file, s->c);
        }
#endif
        if (s->i == 1) CHECK_EQ(aio_close(s->c), AIO_EBADF);
        if (s->i == 2) {
            AIO_SEND_ALL(t, s->rc, s->c, "more", 4, AIO_SEC(1));
            CHECK_EQ(s->rc, AIO_EBADF);
        }
    }
    aio_io_forget(s->l);
    CHECK_EQ(close_number(s->l), 0);
    AIO_ACCEPT(t, s->c, s->l, AIO_SEC(1));
    CHECK_EQ(s->c, AIO_EBADF);
#ifndef _WIN32
    CHECK_EQ(close(s->file), 0); /* (still open: the program's) */
#endif
    AIO_END(t);
}
typedef struct {
    aio_task task;
    forget_server_t srv;
    int fd, i;
    aio_time start, ends[3];
    aio_status n, rc;
    char buf[16];
} forget_t;
static aio_status forget_main(aio_task *t) {
    forget_t *s = AIO_SELF(t, forget_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, forget_server));
    for (s->i = 0; s->i < 3; s->i++) {
        s->start = aio_now();
        AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
        AIO_CHECK(t, s->fd);
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, 6);
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, 0); /* the end */
        s->ends[s->i] = aio_now() - s->start;
        CHECK_EQ(aio_close(s->fd), AIO_OK);
    }
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_close_outside(void) {
    static forget_t m;
    int i;
#ifndef _WIN32
    int mine[32], devnull = open("/dev/null", O_RDONLY);
    struct stat null_st, st;
    CHECK(devnull >= 0 && fstat(devnull, &null_st) == 0);
    for (i = 3; i < 32; i++) mine[i] = fcntl(i, F_GETFD) < 0 && dup2(devnull, i) == i;
#endif
    CHECK_EQ(RUN(exact(), m, forget_main), AIO_OK);
    for (i = 0; i < 3; i++) /* connected at 2 ms, the line with the answer, the end 10 ms after */
        CHECK_EQ(m.ends[i], AIO_MS(12));
#ifndef _WIN32
    for (i = 3; i < 32; i++) {
        if (!mine[i]) continue;
        CHECK(fstat(i, &st) == 0 && st.st_ino == null_st.st_ino && st.st_dev == null_st.st_dev);
        if (i != devnull) close(i);
    }
    close(devnull);
#endif
}

/* A socket the program shuts down for writing itself: its end reaches the
 * peer a trip later, after its bytes, while it still reads; a send after
 * it is AIO_ECONNRESET (EPIPE), and it is writable (the send fails at
 * once) though its buffer is full. Closed then (aio_io_forget, close), it
 * is closed: what the peer sends later resets the connection. */
typedef struct {
    aio_task task;
    int l, c;
    aio_status n, rc;
    aio_time end, reset;
    char buf[16];
} shut_server_t;
static aio_status shut_server(aio_task *t) {
    shut_server_t *s = AIO_SELF(t, shut_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->c, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    AIO_RECV(t, s->n, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 4); /* "ping" */
    AIO_RECV(t, s->n, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 0); /* the client's end */
    s->end = aio_now();
    AIO_SEND_ALL(t, s->rc, s->c, "pong", 4, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_SEND_ALL(t, s->rc, s->c, "more", 4, AIO_SEC(1)); /* to a socket closed since */
    AIO_SLEEP(t, AIO_MS(1));
    AIO_RECV(t, s->n, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 0); /* (the end, still) */
    AIO_SLEEP(t, AIO_MS(1));
    AIO_RECV(t, s->n, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ECONNRESET);
    s->reset = aio_now();
    aio_close(s->c);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    shut_server_t srv;
    int fd;
    aio_status n, rc;
    aio_time shut, pong;
    char buf[16];
} shut_t;
static aio_status shut_main(aio_task *t) {
    shut_t *s = AIO_SELF(t, shut_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, shut_server));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "ping", 4, AIO_SEC(1)); /* (config.buffer 4: full) */
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(shut_number(s->fd), 0);
    s->shut = aio_now();
    AIO_WAIT_WRITABLE(t, s->rc, s->fd, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    CHECK_EQ(aio_now(), s->shut);
    AIO_SEND_ALL(t, s->rc, s->fd, "x", 1, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_ECONNRESET);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 4); /* "pong": it still reads */
    s->pong = aio_now();
    aio_io_forget(s->fd);
    CHECK_EQ(close_number(s->fd), 0);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_shutdown_outside(void) {
    static shut_t m;
    aio_sim_config c = exact();
    c.buffer = 4;
    CHECK_EQ(RUN(c, m, shut_main), AIO_OK);
    CHECK_EQ(m.shut, AIO_MS(2));
    CHECK_EQ(m.srv.end, AIO_MS(3)); /* a trip after the shutdown, after "ping" */
    CHECK_EQ(m.pong, AIO_MS(4));
    CHECK_EQ(m.srv.reset, AIO_MS(15)); /* "more", sent at 13 ms, reached a closed socket: reset */
}

/* A shutdown of a listener or a datagram socket succeeds and does nothing
 * (the system's may fail with ENOTCONN): the socket works on. */
typedef struct {
    aio_task task;
    int l, u, fd, a;
    aio_status n, rc;
    char buf[8];
    aio_address to;
} unshut_t;
static aio_status unshut_main(aio_task *t) {
    unshut_t *s = AIO_SELF(t, unshut_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen("127.0.0.1", 7000, 0);
    AIO_CHECK(t, s->l);
    s->u = aio_udp_open("127.0.0.1", 5000);
    AIO_CHECK(t, s->u);
    CHECK_EQ(shut_number(s->l), 0);
    CHECK_EQ(shut_number(s->u), 0);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 5000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "self", 4, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, NULL, AIO_SEC(1));
    CHECK_EQ(s->n, 4);
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_ACCEPT(t, s->a, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    CHECK_EQ(aio_now(), AIO_MS(4));
    aio_close(s->a);
    aio_close(s->fd);
    aio_close(s->u);
    aio_close(s->l);
    AIO_END(t);
}
static void test_shutdown_not_connected(void) {
    static unshut_t m;
    CHECK_EQ(RUN(exact(), m, unshut_main), AIO_OK);
}

/* aio_server_close_clients in a simulation: each connection shut down both
 * ways by the simulation's table. A handler's wait under way ends with
 * AIO_ECLOSED at once, its next receive finds the end, its send fails; its
 * client reads what it sent before, then the end a trip after the shutdown. */
typedef struct {
    aio_conn conn;
    aio_status n;
    char buf[8];
} cc_conn_t;
typedef struct {
    aio_task task;
    aio_server srv;
    cc_conn_t conns[2];
    aio_status rc, first[2], then[2], sent[2];
    int n;
    aio_time shut;
} cc_server_t;
static aio_status cc_handler(aio_task *t) {
    cc_conn_t *c = AIO_CONN_SELF(t, cc_conn_t);
    cc_server_t *s = AIO_CONTAINER(c->conn.server, cc_server_t, srv);
    AIO_BEGIN(t);
    AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(30));
    CHECK_EQ(c->n, 1); /* "w" */
    AIO_SEND_ALL(t, c->n, c->conn.fd, "ok", 2, AIO_SEC(1));
    CHECK_EQ(c->n, AIO_OK);
    AIO_RECV(t, s->first[c->conn.id - 1], c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(30));
    AIO_RECV(t, s->then[c->conn.id - 1], c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(30));
    AIO_SEND_ALL(t, s->sent[c->conn.id - 1], c->conn.fd, "late", 4, AIO_SEC(1));
    AIO_END(t);
}
static aio_status cc_server(aio_task *t) {
    cc_server_t *s = AIO_SELF(t, cc_server_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&s->srv, cc_handler, s->conns, sizeof s->conns[0], 2));
    AIO_CHECK(t, aio_server_listen(&s->srv, NULL, 7000, 8));
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(s->srv.live, 2);
    s->shut = aio_now();
    s->n = aio_server_close_clients(&s->srv);
    CHECK_EQ(aio_server_close_clients(&s->srv), 2); /* (again: done already, nothing sent twice) */
    AIO_SERVER_SHUTDOWN(t, s->rc, &s->srv, AIO_SEC(1));
    AIO_END(t);
}
typedef struct {
    aio_task task;
    cc_server_t srv;
    int fd[2], i;
    aio_status n, rc;
    aio_time end[2];
    char buf[8];
} cc_t;
static aio_status cc_main(aio_task *t) {
    cc_t *s = AIO_SELF(t, cc_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, cc_server));
    for (s->i = 0; s->i < 2; s->i++) {
        AIO_TCP_CONNECT(t, s->fd[s->i], "server", 7000, AIO_SEC(1));
        AIO_CHECK(t, s->fd[s->i]);
        AIO_SEND_ALL(t, s->rc, s->fd[s->i], "w", 1, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
    }
    for (s->i = 0; s->i < 2; s->i++) {
        AIO_RECV(t, s->n, s->fd[s->i], s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, 2); /* "ok" */
        AIO_RECV(t, s->n, s->fd[s->i], s->buf, sizeof s->buf, AIO_SEC(1));
        CHECK_EQ(s->n, 0); /* the end */
        s->end[s->i] = aio_now();
    }
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    aio_close(s->fd[0]);
    aio_close(s->fd[1]);
    AIO_END(t);
}
static void test_server_close_clients(void) {
    static cc_t m;
    int i;
    CHECK_EQ(RUN(exact(), m, cc_main), AIO_OK);
    CHECK_EQ(m.srv.n, 2);
    CHECK_EQ(m.srv.shut, AIO_MS(10));
    CHECK_EQ(m.srv.rc, 0); /* (no handler left to cancel) */
    for (i = 0; i < 2; i++) {
        CHECK_EQ(m.srv.first[i], AIO_ECLOSED);
        CHECK_EQ(m.srv.then[i], 0);
        CHECK_EQ(m.srv.sent[i], AIO_ECONNRESET);
        CHECK_EQ(m.end[i], AIO_MS(11)); /* a trip after the shutdown */
    }
}

/* The number of a socket the program closed itself, given to its next
 * socket by the system in the same turn (on POSIX the lowest free: the
 * same): the closed socket is closed first (its peer reads the end), the
 * new one is the new socket's. Bytes the program writes to a number
 * itself go nowhere (the simulated network is the library's calls), and it
 * reads nothing from one. */
typedef struct {
    aio_task task;
    int l, c, u;
    aio_status n, rc;
    char buf[16];
} reuse_server_t;
static aio_status reuse_server(aio_task *t) {
    reuse_server_t *s = AIO_SELF(t, reuse_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->c, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    CHECK_EQ(write_number(s->c, "zz", 2), 2);
    CHECK(read_number(s->c, s->buf, sizeof s->buf) < 0); /* (nothing: it would block) */
    AIO_SEND_ALL(t, s->rc, s->c, "x", 1, AIO_SEC(1));
    AIO_RECV(t, s->n, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 1);
    aio_io_forget(s->c);
    CHECK_EQ(close_number(s->c), 0);
    s->u = aio_udp_open(NULL, 5000);
    AIO_CHECK(t, s->u);
#ifndef _WIN32
    CHECK_EQ(s->u, s->c);
#endif
    CHECK_EQ(aio_socket_port(s->u), 5000);
    CHECK_EQ(aio_close(s->u), AIO_OK);
    CHECK_EQ(aio_close(s->l), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    reuse_server_t srv;
    int fd;
    aio_status n, rc;
    aio_time end;
    char buf[16];
} reuse_t;
static aio_status reuse_main(aio_task *t) {
    reuse_t *s = AIO_SELF(t, reuse_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, reuse_server));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 1); /* "x" only: not the bytes the server wrote to its number */
    AIO_SEND_ALL(t, s->rc, s->fd, "y", 1, AIO_SEC(1));
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 0);
    s->end = aio_now();
    aio_close(s->fd);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_number_reused(void) {
    static reuse_t m;
    CHECK_EQ(RUN(exact(), m, reuse_main), AIO_OK);
    CHECK_EQ(m.end, AIO_MS(4)); /* "y" read at 3 ms, the server's end a trip after */
}

#ifndef _WIN32
/* Out of descriptors (the process's limit lowered for the run): a new
 * socket is AIO_EIO with errno EMFILE, as from the system's calls, a
 * connect's too; an accept waits and tries again, as on the system, its
 * connection left waiting for the first retry once a descriptor is free. */
typedef struct {
    aio_task task;
    int l, fd, a, c, nfill, fill[64];
    aio_status rc;
} emfile_t;
static aio_status emfile_main(aio_task *t) {
    emfile_t *s = AIO_SELF(t, emfile_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    while (s->nfill < 64 && (s->fill[s->nfill] = open("/dev/null", O_RDONLY)) >= 0) s->nfill++;
    CHECK(s->nfill < 64); /* (the descriptors ran out) */
    AIO_ACCEPT(t, s->a, s->l, AIO_MS(500)); /* (out of descriptors an accept waits, retrying) */
    CHECK_EQ(s->a, AIO_ETIMEDOUT);
    CHECK_EQ(aio_now(), AIO_MS(502));
    errno = 0;
    CHECK_EQ(aio_udp_open(NULL, 0), AIO_EIO);
    CHECK_EQ(errno, EMFILE);
    AIO_TCP_CONNECT(t, s->c, "127.0.0.1", 7000, AIO_SEC(1));
    CHECK_EQ(s->c, AIO_EIO);
    while (s->nfill) close(s->fill[--s->nfill]);
    AIO_ACCEPT(t, s->a, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->a); /* the connection waited */
    CHECK_EQ(aio_now(), AIO_MS(1002)); /* (at the retry: AIO_ACCEPT_RETRY_DELAY after the first try) */
    aio_close(s->a);
    aio_close(s->fd);
    aio_close(s->l);
    AIO_END(t);
}
static void test_out_of_descriptors(void) {
    static emfile_t m;
    struct rlimit old, low;
    int probe = open("/dev/null", O_RDONLY); /* (the lowest free number) */
    memset(&old, 0, sizeof old);
    CHECK(probe >= 0);
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)probe + 40;
    close(probe);
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    CHECK_EQ(RUN(exact(), m, emfile_main), AIO_OK);
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
}
#endif

#ifdef _WIN32
/* Another program that connects to the loopback listener through which the
 * simulation makes its sockets' pairs on Windows (it has no socketpair) is
 * refused: its connections are closed when the next socket is made, whose
 * far end is the connection from that socket's own port, as the loop's
 * wake-up pair takes only its own (CPython's socketpair() since
 * CVE-2024-3219). Were a stranger's connection taken for a far end, its
 * close would read as the program's own close or shutdown of the socket:
 * here the server would get the client's end at once, and the client's
 * aio_close be AIO_EBADF. */
#define STRANGERS 3
typedef struct {
    aio_task task;
    int l, c;
    aio_status n1, n2;
    char buf[8];
} stranger_server_t;
static aio_status stranger_server(aio_task *t) {
    stranger_server_t *s = AIO_SELF(t, stranger_server_t);
    AIO_BEGIN(t);
    s->c = -1;
    s->l = aio_tcp_listen(NULL, 7000, 4);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->c, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    AIO_RECV(t, s->n1, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    AIO_RECV(t, s->n2, s->c, s->buf, sizeof s->buf, AIO_SEC(1)); /* the client neither sends nor closes */
    AIO_FINALLY(t);
    if (s->c >= 0) (void)aio_close(s->c);
    (void)aio_close(s->l);
    AIO_END(t);
}
/* What a stranger's connection reads within 5 s of real time: 0 (its end)
 * or -1 (a reset) once refused, 1 if it is still open then. */
static int stranger_refused_read(SOCKET k) {
    fd_set r;
    struct timeval wait = {5, 0};
    char b;
    int n;
    FD_ZERO(&r);
    FD_SET(k, &r);
    if (select(0, &r, NULL, NULL, &wait) != 1) return 1;
    n = recv(k, &b, 1, 0);
    return n > 0 ? 1 : n == 0 ? 0 : -1;
}
typedef struct {
    aio_task task;
    stranger_server_t srv;
    SOCKET k[STRANGERS];
    int fd, i;
    aio_status n, rc;
} stranger_t;
static aio_status stranger_main(aio_task *t) {
    stranger_t *s = AIO_SELF(t, stranger_t);
    struct sockaddr_in a;
    int sl = sizeof a;
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, stranger_server));
    AIO_SLEEP(t, AIO_MS(10)); /* (the server listens: the pairs' listener is made) */
    CHECK(aio__sim_here->listener >= 0);
    CHECK_EQ(getsockname(NUMBER(aio__sim_here->listener), (struct sockaddr *)&a, &sl), 0);
    for (s->i = 0; s->i < STRANGERS; s->i++) { /* another program, on the real network */
        s->k[s->i] = socket(AF_INET, SOCK_STREAM, 0);
        CHECK_EQ(connect(s->k[s->i], (struct sockaddr *)&a, sizeof a), 0);
    }
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    for (s->i = 0; s->i < STRANGERS; s->i++) { /* each refused, and gone */
        CHECK(stranger_refused_read(s->k[s->i]) <= 0);
        (void)closesocket(s->k[s->i]);
    }
    AIO_SEND_ALL(t, s->n, s->fd, "hello", 5, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_OK);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->srv.n1, 5);
    CHECK_EQ(s->srv.n2, AIO_ETIMEDOUT); /* not the end: the strangers' closes are not the client's */
    CHECK_EQ(aio_now(), AIO_MS(1013)); /* (connected at 12 ms, "hello" read at 13, then 1 s) */
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    AIO_END(t);
}
static void test_stranger_refused(void) {
    static stranger_t m;
    CHECK_EQ(RUN(exact(), m, stranger_main), AIO_OK);
}
#endif

/* Whether a listener on :: made by the system's calls takes an IPv4
 * connection here (1; Linux's and macOS's default), or not (0: IPv6 only,
 * Windows' default), or the system has no IPv6 (-1): asked once, of real
 * sockets on 127.0.0.1; a simulation follows the same rule. */
#ifdef _WIN32
typedef SOCKET sys_socket;
typedef int sys_len;
#define SYS_NONE INVALID_SOCKET
#define sys_close closesocket
#else
typedef int sys_socket;
typedef socklen_t sys_len;
#define SYS_NONE (-1)
#define sys_close close
#endif
static int system_ipv6 = -2; /* (asked: inside a simulation, where Winsock is started) */
static int system_dual_stack(void) {
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    sys_len len = sizeof a6;
    sys_socket l, c;
    int ok;
    if (system_ipv6 != -2) return system_ipv6;
    l = socket(AF_INET6, SOCK_STREAM, 0);
    if (l == SYS_NONE) return system_ipv6 = -1;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    ok = bind(l, (struct sockaddr *)&a6, sizeof a6) == 0 && listen(l, 1) == 0 &&
         getsockname(l, (struct sockaddr *)&a6, &len) == 0;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a4.sin_port = a6.sin6_port;
    c = socket(AF_INET, SOCK_STREAM, 0);
    ok = ok && c != SYS_NONE && connect(c, (struct sockaddr *)&a4, sizeof a4) == 0;
    if (c != SYS_NONE) sys_close(c);
    sys_close(l);
    return system_ipv6 = ok;
}

/* A datagram larger than UDP carries (65,507 bytes over IPv4, 65,527 over
 * IPv6) is AIO_EIO with errno EMSGSIZE, at once, as from the system's
 * calls; the largest goes whole. */
static unsigned char big_datagram[65536];
typedef struct {
    aio_task task;
    int u, v;
    aio_status n, rc;
    aio_address to;
} big_t;
static aio_status big_main(aio_task *t) {
    big_t *s = AIO_SELF(t, big_t);
    AIO_BEGIN(t);
    s->u = aio_udp_open(NULL, 0);
    s->v = aio_udp_open("127.0.0.1", 5000);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 5000), AIO_OK);
    errno = 0;
    AIO_SEND_TO(t, s->rc, s->u, big_datagram, 65508, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_EIO);
    CHECK_EQ(errno, EMSGSIZE);
    CHECK_EQ(aio_now(), 0);
    AIO_SEND_TO(t, s->rc, s->u, big_datagram, 65507, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV_FROM(t, s->n, s->v, big_datagram, sizeof big_datagram, NULL, AIO_SEC(1));
    CHECK_EQ(s->n, 65507);
    CHECK_EQ(aio_now(), AIO_MS(1));
    CHECK_EQ(aio_address_set(&s->to, "255.255.255.255", 5000), AIO_OK); /* (no host's: lost) */
    AIO_SEND_TO(t, s->rc, s->u, big_datagram, 65507, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    aio_close(s->u);
    aio_close(s->v);
    if (system_dual_stack() >= 0) {
        s->u = aio_udp_open("::1", 0);
        s->v = aio_udp_open("::1", 5000);
        CHECK_EQ(aio_address_set(&s->to, "::1", 5000), AIO_OK);
        errno = 0;
        AIO_SEND_TO(t, s->rc, s->u, big_datagram, 65528, &s->to, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_EIO);
        CHECK_EQ(errno, EMSGSIZE);
        AIO_SEND_TO(t, s->rc, s->u, big_datagram, 65527, &s->to, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
        AIO_RECV_FROM(t, s->n, s->v, big_datagram, sizeof big_datagram, NULL, AIO_SEC(1));
        CHECK_EQ(s->n, 65527);
        CHECK_EQ(aio_now(), AIO_MS(2));
        CHECK_EQ(aio_address_set(&s->to, "::", 5000), AIO_OK); /* (::: this host, ::1) */
        AIO_SEND_TO(t, s->rc, s->u, "x", 1, &s->to, AIO_SEC(1));
        AIO_RECV_FROM(t, s->n, s->v, big_datagram, sizeof big_datagram, NULL, AIO_SEC(1));
        CHECK_EQ(s->n, 1);
        CHECK_EQ(aio_address_set(&s->to, "2001:db8::1", 5000), AIO_OK); /* (no host's: lost) */
        AIO_SEND_TO(t, s->rc, s->u, big_datagram, 65527, &s->to, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
        aio_close(s->u);
        aio_close(s->v);
    }
    AIO_END(t);
}
static void test_datagram_too_large(void) {
    static big_t m;
    CHECK_EQ(RUN(exact(), m, big_main), AIO_OK);
}

/* A listener on :: (IPv6's every address) works as the system's calls make
 * it work: it takes connections through ::1, and, where the system's IPv6
 * sockets take IPv4 too (dual-stack), through every IPv4 address of its
 * host, holding the port there as well; elsewhere it leaves those to an
 * IPv4 listener on the same port. A datagram socket on :: the same: where
 * it takes IPv4, a sender's address reads as IPv4-mapped (::ffff:a.b.c.d),
 * an answer to it reaches the sender, and it sends to IPv4 addresses; an
 * IPv4-mapped address is bound as the IPv4 one. */
typedef struct {
    aio_task task;
    int l6, l, c, a, u6, m, lo6, lo, lo2;
    aio_status n, rc;
    char buf[8], text[64];
    aio_address from, to;
} v6_server_t;
static aio_status v6_server(aio_task *t) {
    v6_server_t *s = AIO_SELF(t, v6_server_t);
    int dual = system_dual_stack();
    AIO_BEGIN(t);
    s->l6 = aio_tcp_listen("::", 7000, 0);
    AIO_CHECK(t, s->l6);
    errno = 0;
    s->l = aio_tcp_listen(NULL, 7000, 0);
    if (dual) {
        CHECK_EQ(s->l, AIO_EIO);
        CHECK_EQ(errno, EADDRINUSE);
    } else {
        CHECK(s->l >= 0);
        aio_close(s->l);
    }
    errno = 0;
    CHECK_EQ(aio_tcp_listen("::1", 7000, 0), AIO_EIO); /* (:: holds ::1 too) */
    CHECK_EQ(errno, EADDRINUSE);
    errno = 0;
    s->m = aio_udp_open("::ffff:10.0.0.2", 0);
    if (dual) {
        CHECK(s->m >= 0);
        aio_close(s->m);
    } else {
        CHECK_EQ(s->m, AIO_EIO);
        CHECK_EQ(errno, EADDRNOTAVAIL);
    }
    s->u6 = aio_udp_open("::", 5000);
    AIO_CHECK(t, s->u6);
    AIO_TCP_CONNECT(t, s->c, "::1", 7000, AIO_SEC(1)); /* its own host, through ::1 */
    AIO_CHECK(t, s->c);
    AIO_ACCEPT(t, s->a, s->l6, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    aio_close(s->a);
    aio_close(s->c);
    AIO_TCP_CONNECT(t, s->c, "::", 7000, AIO_SEC(1)); /* (::: this host, as ::1) */
    AIO_CHECK(t, s->c);
    AIO_ACCEPT(t, s->a, s->l6, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    aio_close(s->a);
    aio_close(s->c);
    /* ::1 and 127.0.0.1 on one port: two sockets, each reached through its own */
    s->lo6 = aio_udp_open("::1", 5001);
    AIO_CHECK(t, s->lo6);
    errno = 0;
    CHECK_EQ(aio_udp_open("::1", 5001), AIO_EIO);
    CHECK_EQ(errno, EADDRINUSE);
    s->lo = aio_udp_open("127.0.0.1", 5001);
    AIO_CHECK(t, s->lo);
    s->lo2 = aio_udp_open("127.0.0.1", 5002);
    AIO_CHECK(t, s->lo2);
    s->m = aio_udp_open("::1", 5002);
    AIO_CHECK(t, s->m);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 5001), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->lo2, "four", 4, &s->to, AIO_SEC(1));
    AIO_RECV_FROM(t, s->n, s->lo, s->buf, sizeof s->buf, NULL, AIO_SEC(1));
    CHECK_EQ(s->n, 4);
    aio_close(s->lo6);
    aio_close(s->lo);
    aio_close(s->lo2);
    aio_close(s->m);
    if (dual) {
        AIO_ACCEPT(t, s->a, s->l6, AIO_SEC(1)); /* main's, through 10.0.0.2 */
        AIO_CHECK(t, s->a);
        aio_close(s->a);
    }
    AIO_RECV_FROM(t, s->n, s->u6, s->buf, sizeof s->buf, &s->from, AIO_MS(50));
    if (dual) {
        CHECK_EQ(s->n, 4);
        CHECK(aio_address_format(&s->from, s->text, sizeof s->text) > 0 &&
              strcmp(s->text, "[::ffff:10.0.0.1]:49153") == 0);
        AIO_SEND_TO(t, s->rc, s->u6, "pong", 4, &s->from, AIO_SEC(1));
        CHECK_EQ(s->rc, AIO_OK);
    } else {
        CHECK_EQ(s->n, AIO_ETIMEDOUT); /* (main's datagram to 10.0.0.2 found nobody) */
    }
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.1", 9), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u6, "x", 1, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, dual ? AIO_OK : AIO_EINVAL);
    aio_close(s->u6);
    aio_close(s->l6);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    v6_server_t srv;
    int fd, u;
    aio_status n, rc;
    char buf[8];
    aio_address to, from;
} v6_t;
static aio_status v6_main(aio_task *t) {
    v6_t *s = AIO_SELF(t, v6_t);
    AIO_BEGIN(t);
    if (system_dual_stack() < 0) { /* (no IPv6 here: as the system's calls fail) */
        CHECK_EQ(aio_tcp_listen("::", 7000, 0), AIO_EIO);
        AIO_RETURN(t, AIO_OK);
    }
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, v6_server));
    AIO_SLEEP(t, AIO_MS(10));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    CHECK_EQ(aio_now(), AIO_MS(12));
    if (system_dual_stack()) {
        AIO_CHECK(t, s->fd);
        aio_close(s->fd);
    } else {
        CHECK_EQ(s->fd, AIO_ECONNREFUSED);
    }
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_address_set(&s->to, "10.0.0.2", 5000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "ping", 4, &s->to, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_OK);
    if (system_dual_stack()) {
        AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, &s->from, AIO_SEC(1));
        CHECK_EQ(s->n, 4); /* "pong" */
        CHECK_EQ(aio_address_port(&s->from), 5000);
    }
    aio_close(s->u);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(s->rc, AIO_OK);
    AIO_END(t);
}
static void test_ipv6_any(void) {
    static v6_t m;
    CHECK_EQ(RUN(exact(), m, v6_main), AIO_OK);
}

/* ------------------------------------------------------------ determinism */

/* A server on host "server" echoes lines in capitals to three clients on
 * hosts c1, c2, c3 (one handler task each, reading with aio_stream) and
 * answers datagram pings; the clients connect by name, send five lines each
 * in pieces, read the answers, then ping with retries across a lossy
 * network. Jitter, late timers, steps, short reads and sends, lost and
 * reordered datagrams, seeded pool calls (the lookups). */
#ifdef _WIN32
/* (each simulated socket is a loopback connection there, and under wine each
 * of its calls a trip to wine's one server process: 200 seeds take as long as
 * the rest of the suite) */
#define DET_SEEDS 200
#else
#define DET_SEEDS 1000
#endif
#define DET_CLIENTS 3
typedef struct {
    aio_task task;
    int fd;
    aio_status n, rc;
    aio_stream st;
    char buf[64], out[64];
} det_handler_t;
static aio_status det_handler(aio_task *t) {
    det_handler_t *s = AIO_SELF(t, det_handler_t);
    size_t i, n;
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf));
    for (;;) {
        AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(5));
        if (s->n <= 0) break;
        n = (size_t)s->n;
        for (i = 0; i < n; i++) {
            char ch = aio_stream_data(&s->st)[i];
            s->out[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
        }
        AIO_SEND_ALL(t, s->rc, s->fd, s->out, (size_t)s->n, AIO_SEC(5));
        if (s->rc < 0) break;
    }
    aio_sim_check(s->n == 0, "the handler read to the end");
    AIO_FINALLY(t);
    aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    int u;
    aio_status n, rc;
    char buf[16];
    aio_address from;
} det_pinger_t;
static aio_status det_ponger(aio_task *t) {
    det_pinger_t *s = AIO_SELF(t, det_pinger_t);
    AIO_BEGIN(t);
    s->u = aio_udp_open(NULL, 5000);
    AIO_CHECK(t, s->u);
    for (;;) {
        AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, &s->from, AIO_NEVER);
        if (s->n < 0) break;
        AIO_SEND_TO(t, s->rc, s->u, s->buf, (size_t)s->n, &s->from, AIO_SEC(1));
    }
    AIO_FINALLY(t);
    aio_close(s->u);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    det_handler_t handlers[DET_CLIENTS];
    det_pinger_t ponger;
    int l, i;
    aio_status rc;
} det_server_t;
static aio_status det_server(aio_task *t) {
    det_server_t *s = AIO_SELF(t, det_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_CHECK(t, aio_spawn(&s->ponger.task, det_ponger));
    for (s->i = 0; s->i < DET_CLIENTS; s->i++) {
        AIO_ACCEPT(t, s->handlers[s->i].fd, s->l, AIO_SEC(5));
        AIO_CHECK(t, s->handlers[s->i].fd);
        AIO_CHECK(t, aio_spawn(&s->handlers[s->i].task, det_handler));
    }
    for (s->i = 0; s->i < DET_CLIENTS; s->i++) AIO_AWAIT(t, s->rc, &s->handlers[s->i].task);
    AIO_AWAIT(t, s->rc, &s->ponger.task); /* (until main cancels the server, and so it) */
    AIO_FINALLY(t);
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    int fd, u, i, tries;
    size_t len, half;
    aio_status n, rc;
    aio_stream st;
    char buf[64], line[32];
    aio_address to;
} det_client_t;
static aio_status det_client(aio_task *t) {
    det_client_t *s = AIO_SELF(t, det_client_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, aio_sim_random(AIO_MS(3)));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_CHECK(t, aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf));
    for (s->i = 0; s->i < 5; s->i++) {
        (void)snprintf(s->line, sizeof s->line, "line %d of %llu\n", s->i, (unsigned long long)aio_sim_seed());
        s->len = strlen(s->line);
        s->half = s->len / 2;
        AIO_SEND_ALL(t, s->rc, s->fd, s->line, s->half, AIO_SEC(5));
        AIO_SLEEP(t, aio_sim_random(AIO_US(500)));
        AIO_SEND_ALL(t, s->rc, s->fd, s->line + s->half, s->len - s->half, AIO_SEC(5));
        AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(5));
        for (s->half = 0; s->half < s->len; s->half++)
            if (s->line[s->half] >= 'a' && s->line[s->half] <= 'z') s->line[s->half] = (char)(s->line[s->half] - 'a' + 'A');
        aio_sim_check(s->n == (aio_status)s->len && memcmp(aio_stream_data(&s->st), s->line, s->len) == 0,
                      "the line came back in capitals");
    }
    aio_close(s->fd);
    s->u = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->u);
    AIO_LOOKUP(t, s->n, "server", 5000, &s->to, 1, AIO_SEC(5));
    AIO_CHECK(t, s->n);
    for (s->tries = 1; s->tries <= 30; s->tries++) {
        AIO_SEND_TO(t, s->rc, s->u, "ping", 4, &s->to, AIO_SEC(1));
        AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, NULL, AIO_MS(20));
        if (s->n == 4) break;
    }
    aio_sim_check(s->n == 4, "a ping answered");
    AIO_FINALLY(t);
    if (s->u > 0) aio_close(s->u);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    det_server_t srv;
    det_client_t cli[DET_CLIENTS];
    int i;
    aio_status rc;
} det_t;
static uint64_t det_digest[DET_SEEDS + 1];
static aio_status det_main(aio_task *t) {
    det_t *s = AIO_SELF(t, det_t);
    static const char *const hosts[DET_CLIENTS] = {"c1", "c2", "c3"};
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, det_server));
    for (s->i = 0; s->i < DET_CLIENTS; s->i++) AIO_CHECK(t, aio_sim_spawn(hosts[s->i], &s->cli[s->i].task, det_client));
    for (s->i = 0; s->i < DET_CLIENTS; s->i++) {
        AIO_AWAIT(t, s->rc, &s->cli[s->i].task);
        aio_sim_check(s->rc == AIO_OK, "a client ended well");
    }
    aio_cancel(&s->srv.task);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    aio_sim_check(s->rc == AIO_ECANCELED, "the server was cancelled");
    if (aio_sim_seed() <= DET_SEEDS) det_digest[aio_sim_seed()] = aio_sim_digest();
    AIO_END(t);
}
static aio_sim_config det_config(void) {
    aio_sim_config c;
    memset(&c, 0, sizeof c);
    c.latency = AIO_MS(1);
    c.jitter = AIO_MS(2);
    c.timer_late = AIO_MS(1);
    c.step = AIO_US(20);
    c.call = AIO_MS(1);
    c.short_recv = 0.3;
    c.short_send = 0.2;
    c.loss = 0.2;
    c.reorder = 0.1;
    return c;
}
static int u64_less(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
/* Seeds 1 to DET_SEEDS in one run: each run's digest into first[1..], and
 * the combined digest. */
static uint64_t det_run_all(uint64_t first[DET_SEEDS + 1]) {
    aio_sim_options o = options(det_config(), DET_SEEDS);
    memset(det_digest, 0, sizeof det_digest);
    CHECK_EQ(AIO_SIM_RUN(&o, det_t, det_main), 0);
    CHECK_STR(o.message, "");
    CHECK_EQ(o.runs, DET_SEEDS);
    memcpy(first, det_digest, sizeof det_digest);
    return o.digest;
}
/* (Two tests, so that a suite shared among processes, as make test-windows
 * does, runs them side by side: each makes its own first run.) */
static void test_determinism(void) {
    static uint64_t first[DET_SEEDS + 1], again[DET_SEEDS + 1], sorted[DET_SEEDS];
    aio_sim_options o;
    uint64_t digest = det_run_all(first);
    int k, same = 0, distinct = 1;
    /* the same seeds again: the same combined digest, and each run's */
    CHECK_EQ(det_run_all(again), digest);
    for (k = 1; k <= DET_SEEDS; k++) same += again[k] == first[k] && first[k] != 0;
    CHECK_EQ(same, DET_SEEDS);
    /* and the seeds do make the runs differ */
    memcpy(sorted, first + 1, sizeof sorted);
    qsort(sorted, DET_SEEDS, sizeof sorted[0], u64_less);
    for (k = 1; k < DET_SEEDS; k++) distinct += sorted[k] != sorted[k - 1];
    CHECK_EQ(distinct, DET_SEEDS);
    /* 10 seeds from the second: those runs again, and a combined digest of their own */
    memset(det_digest, 0, sizeof det_digest);
    o = options(det_config(), 10);
    o.first = 2;
    CHECK_EQ(AIO_SIM_RUN(&o, det_t, det_main), 0);
    CHECK_EQ(o.runs, 10);
    for (same = 0, k = 1; k <= DET_SEEDS; k++) same += det_digest[k] == first[k];
    CHECK_EQ(same, 10);
    CHECK(det_digest[1] == 0 && det_digest[2] == first[2] && det_digest[11] == first[11] && det_digest[12] == 0);
    CHECK(o.digest != digest);
}
/* Each seed alone, from the last to the first: each the same run as in a run
 * of them all. */
static void test_determinism_seed_alone(void) {
    static uint64_t first[DET_SEEDS + 1];
    aio_sim_options o;
    int k, same;
    (void)det_run_all(first);
    memset(det_digest, 0, sizeof det_digest);
    for (k = DET_SEEDS; k >= 1; k--) {
        o = options(det_config(), 1);
        o.first = (uint64_t)k;
        if (AIO_SIM_RUN(&o, det_t, det_main) != 0) break;
    }
    CHECK_EQ(k, 0);
    for (same = 0, k = 1; k <= DET_SEEDS; k++) same += det_digest[k] == first[k] && first[k] != 0;
    CHECK_EQ(same, DET_SEEDS);
}

/* Two runs of one seed in one process, with tasks and what they wait on
 * taken from the heap and given back in between: the digest counts no
 * address, so the allocator's choices change nothing. */
typedef struct {
    aio_task task;
} heap_child_t;
static aio_status heap_child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, (aio_time)aio_sim_random(AIO_MS(2)));
    AIO_END(t);
}
typedef struct {
    aio_task task;
    heap_child_t *kids[8];
    aio_event *ev;
    int i, round;
    aio_status rc;
} heap_t;
static uint64_t heap_digests[2];
static aio_status heap_main(aio_task *t) {
    heap_t *s = AIO_SELF(t, heap_t);
    AIO_BEGIN(t);
    for (s->round = 0; s->round < 20; s->round++) {
        for (s->i = 0; s->i < 8; s->i++) {
            s->kids[s->i] = (heap_child_t *)calloc(1, sizeof *s->kids[s->i] + (size_t)aio_sim_random(64) * 16);
            AIO_CHECK(t, s->kids[s->i] ? aio_spawn(&s->kids[s->i]->task, heap_child) : AIO_EIO);
        }
        s->ev = (aio_event *)calloc(1, sizeof *s->ev); /* (a zeroed event is clear) */
        AIO_EVENT_WAIT(t, s->rc, s->ev, (aio_time)aio_sim_random(AIO_US(100)));
        free(s->ev);
        for (s->i = 0; s->i < 8; s->i++) {
            AIO_AWAIT(t, s->rc, &s->kids[s->i]->task);
            free(s->kids[s->i]);
        }
    }
    heap_digests[aio_sim_arg() != NULL] = aio_sim_digest();
    AIO_END(t);
}
static void test_digest_counts_no_address(void) {
    aio_sim_options o = options(det_config(), 1);
    void *hold[64];
    int i;
    o.first = 77;
    CHECK_EQ(AIO_SIM_RUN(&o, heap_t, heap_main), 0);
    for (i = 0; i < 64; i++) hold[i] = malloc((size_t)(i * 24 + 16)); /* (the heap differs now) */
    o = options(det_config(), 1);
    o.first = 77;
    o.arg = &o;
    CHECK_EQ(AIO_SIM_RUN(&o, heap_t, heap_main), 0);
    CHECK_EQ(heap_digests[0], heap_digests[1]);
    CHECK(heap_digests[0] != 0);
    for (i = 0; i < 64; i++) free(hold[i]);
}

/* Sockets numbered otherwise: a seed replays alike whatever numbers the
 * system gives the sockets (Windows' are not the lowest free; other
 * descriptors of the process move them). Four clients connect and wait for
 * a byte that the server sends each in one turn, and each closes its
 * number itself (aio_io_forget, then the system's close) once woken: the
 * tasks woken in one turn run in the order their sockets were made, and
 * the closes are seen in that order too. The renumbered run holds four
 * descriptors of its own before the clients connect and frees one before
 * each connect, the highest first, so that the clients' numbers fall (on
 * POSIX) where the plain run's rise: the same wake-ups, the same digest. */
#define RENUMBERED 4
#ifdef _WIN32
static int dummy_open(void) { return (int)socket(AF_INET, SOCK_STREAM, 0); }
#else
static int dummy_open(void) { return open("/dev/null", O_RDONLY); }
#endif
typedef struct renumber_t renumber_t;
typedef struct {
    aio_task task;
    int l, c[RENUMBERED], i;
    aio_status n;
    char buf[4];
} renumber_server_t;
typedef struct {
    aio_task task;
    renumber_t *m;
    int id, fd;
    aio_status n;
    char buf[4];
} renumber_client_t;
struct renumber_t {
    aio_task task;
    renumber_server_t srv;
    renumber_client_t c[RENUMBERED];
    int dummy[RENUMBERED], number[RENUMBERED], woken[RENUMBERED], nwoken, i;
    aio_status rc;
};
static aio_status renumber_server(aio_task *t) {
    renumber_server_t *s = AIO_SELF(t, renumber_server_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, RENUMBERED);
    AIO_CHECK(t, s->l);
    for (s->i = 0; s->i < RENUMBERED; s->i++) {
        AIO_ACCEPT(t, s->c[s->i], s->l, AIO_SEC(5));
        AIO_CHECK(t, s->c[s->i]);
    }
    for (s->i = 0; s->i < RENUMBERED; s->i++) {
        AIO_SEND_ALL(t, s->n, s->c[s->i], "x", 1, AIO_SEC(5));
        AIO_CHECK(t, s->n);
    }
    for (s->i = 0; s->i < RENUMBERED; s->i++) { /* each client's end */
        do {
            AIO_RECV(t, s->n, s->c[s->i], s->buf, sizeof s->buf, AIO_SEC(5));
        } while (s->n > 0);
        aio_sim_check(s->n == 0, "the server reads each client's end");
        (void)aio_close(s->c[s->i]);
    }
    (void)aio_close(s->l);
    AIO_END(t);
}
static aio_status renumber_client(aio_task *t) {
    renumber_client_t *s = AIO_SELF(t, renumber_client_t);
    renumber_t *m = s->m;
    AIO_BEGIN(t);
    if (m->dummy[RENUMBERED - 1 - s->id] >= 0) (void)close_number(m->dummy[RENUMBERED - 1 - s->id]);
    m->dummy[RENUMBERED - 1 - s->id] = -1;
    AIO_TCP_CONNECT(t, s->fd, "10.0.0.2", 7000, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    m->number[s->id] = s->fd;
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
    aio_sim_check(s->n == 1, "each client reads its byte");
    m->woken[m->nwoken++] = s->id;
    aio_io_forget(s->fd);
    (void)close_number(s->fd);
    AIO_END(t);
}
static int renumber_woken[2][RENUMBERED], renumber_number[2][RENUMBERED]; /* (the last run's: plain, renumbered) */
static aio_status renumber_main(aio_task *t) {
    renumber_t *s = AIO_SELF(t, renumber_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < RENUMBERED; s->i++) s->dummy[s->i] = aio_sim_arg() ? dummy_open() : -1;
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, renumber_server));
    for (s->i = 0; s->i < RENUMBERED; s->i++) {
        s->c[s->i].m = s;
        s->c[s->i].id = s->i;
        AIO_CHECK(t, aio_spawn(&s->c[s->i].task, renumber_client));
    }
    for (s->i = 0; s->i < RENUMBERED; s->i++) AIO_AWAIT(t, s->rc, &s->c[s->i].task);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    aio_sim_check(s->nwoken == RENUMBERED, "every client woken");
    memcpy(renumber_woken[aio_sim_arg() != NULL], s->woken, sizeof s->woken);
    memcpy(renumber_number[aio_sim_arg() != NULL], s->number, sizeof s->number);
    AIO_END(t);
}
static void test_digest_counts_no_number(void) {
    int held = 1;
    aio_sim_options o[2];
    int run, i;
    for (run = 0; run < 2; run++) { /* the exact world: the byte reaches every client in one instant */
        o[run] = options(exact(), 1);
        o[run].arg = run ? &held : NULL;
        CHECK_EQ(AIO_SIM_RUN(&o[run], renumber_t, renumber_main), 0);
        CHECK_STR(o[run].message, "");
    }
    CHECK_EQ(o[0].digest, o[1].digest);
    for (i = 0; i < RENUMBERED; i++) CHECK_EQ(renumber_woken[1][i], renumber_woken[0][i]);
#ifndef _WIN32 /* (the lowest free number: the plain run's rise, the other's fall) */
    for (i = 1; i < RENUMBERED; i++) CHECK(renumber_number[0][i] > renumber_number[0][i - 1]);
    for (i = 1; i < RENUMBERED; i++) CHECK(renumber_number[1][i] < renumber_number[1][i - 1]);
#endif
    for (run = 0; run < 2; run++) { /* and over seeds, turns taking their time (no jitter: wake-ups together) */
        aio_sim_config c = det_config();
        c.jitter = 0;
        o[run] = options(c, 200);
        o[run].arg = run ? &held : NULL;
        CHECK_EQ(AIO_SIM_RUN(&o[run], renumber_t, renumber_main), 0);
        CHECK_STR(o[run].message, "");
        CHECK_EQ(o[run].runs, 200);
    }
    CHECK_EQ(o[0].digest, o[1].digest);
}

/* --------------------------------------------------------------- deadlock */

/* A main task that waits forever on a socket with nothing on its way ends
 * the run (AIO_EDEADLK, its failure) instead of hanging it; the tasks left
 * are cancelled and clean up (what a connect held is freed: ASan's leak
 * check). One whose cleanup waits forever too is left, the world ended. */
typedef struct {
    aio_task task;
    int l, fd, stubborn;
    aio_status n;
    char buf[8];
} mute_t;
static int mute_cleaned;
static aio_status mute(aio_task *t) {
    mute_t *s = AIO_SELF(t, mute_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_NEVER); /* nothing ever comes */
    AIO_FINALLY(t);
    if (s->stubborn) AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_NEVER); /* nor here */
    mute_cleaned++;
    aio_close(s->l);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    mute_t srv;
    int fd;
    aio_status n;
    char buf[8];
} stuck_t;
static aio_status stuck_main(aio_task *t) {
    stuck_t *s = AIO_SELF(t, stuck_t);
    AIO_BEGIN(t);
    s->srv.stubborn = aio_sim_arg() != NULL;
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, mute));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_NEVER); /* nor here */
    AIO_END(t);
}
typedef struct {
    aio_task task;
    int fd;
} nowhere_t;
static aio_status nowhere_main(aio_task *t) {
    nowhere_t *s = AIO_SELF(t, nowhere_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, s->fd, "10.0.0.9", 80, AIO_NEVER); /* no such host, no deadline */
    AIO_END(t);
}
static void test_deadlock(void) {
    aio_sim_options o = options(exact(), 5);
    int stubborn = 1;
    o.trace = trace_path;
    mute_cleaned = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, stuck_t, stuck_main), 1);
    CHECK_EQ(o.failed_seed, 1);
    CHECK_STR(o.message, "the main task ended with waits forever (at 0.002000 s)");
    CHECK_DEBUG("aio_run: the main task waits for something that nothing can wake");
    CHECK_EQ(mute_cleaned, 2); /* (the run and its recorded replay) */
    o = options(exact(), 5);
    o.trace = trace_path;
    CHECK_EQ(AIO_SIM_RUN(&o, nowhere_t, nowhere_main), 1);
    CHECK_STR(o.message, "the main task ended with waits forever (at 0.001000 s)"); /* (the connect's try went) */
    o = options(exact(), 5);
    o.trace = trace_path;
    o.arg = &stubborn;
    mute_cleaned = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, stuck_t, stuck_main), 1);
    CHECK_STR(o.message, "the main task ended with waits forever (at 0.002000 s)");
    CHECK_EQ(mute_cleaned, 0);
    CHECK(!aio_sim_active());
    CHECK(aio_running_loop() == NULL);
}

/* ------------------------------------------------------- more of streams */

/* A listener's backlog: a connect beyond it is dropped and sent again (after
 * the least retransmission time, 200 ms). A listener closed with connections
 * not accepted ends them: the end of the stream, or a reset for one whose
 * bytes came. A sender waiting on a full buffer when its reader closes
 * without reading gets the reset. A connect whose deadline passes before
 * its answer comes, or its refusal, leaves nothing behind. A socket closed
 * while a task waits on it wakes the task with AIO_ECLOSED. */
typedef struct {
    aio_task task;
    int fd;
    aio_status n, rc;
    aio_time at;
    char buf[8];
} peer_t;
static aio_status connect_and_read(aio_task *t) {
    peer_t *s = AIO_SELF(t, peer_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    s->at = aio_now();
    if (s->rc) AIO_SEND_ALL(t, s->rc, s->fd, "data", 4, AIO_SEC(1));
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    aio_close(s->fd);
    AIO_END(t);
}
static aio_status wait_then_close(aio_task *t) {
    peer_t *s = AIO_SELF(t, peer_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    peer_t a, b, closer;
    int l, fd, c, i;
    aio_status n, rc;
    char buf[8];
    unsigned char big[3000];
} more_t;
static aio_status more_main(aio_task *t) {
    more_t *s = AIO_SELF(t, more_t);
    AIO_BEGIN(t);
    /* the backlog */
    s->l = aio_tcp_listen(NULL, 7000, 1);
    AIO_CHECK(t, s->l);
    AIO_CHECK(t, aio_spawn(&s->a.task, connect_and_read));
    AIO_CHECK(t, aio_spawn(&s->b.task, connect_and_read));
    AIO_SLEEP(t, AIO_MS(50));
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_ACCEPT(t, s->c, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    CHECK_EQ(aio_now(), AIO_MS(201)); /* the second connect, sent again, reached it */
    aio_close(s->fd);
    aio_close(s->c);
    aio_close(s->l);
    AIO_AWAIT(t, s->rc, &s->a.task);
    AIO_AWAIT(t, s->rc, &s->b.task);
    CHECK_EQ(s->a.at, AIO_MS(2));
    CHECK_EQ(s->b.at, AIO_MS(202));
    CHECK_EQ(s->a.n, 0);
    CHECK_EQ(s->b.n, 0);
    /* a listener closed on connections it did not accept */
    memset(&s->a, 0, sizeof s->a);
    memset(&s->b, 0, sizeof s->b);
    s->b.rc = 1; /* (sends 4 bytes first) */
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_CHECK(t, aio_spawn(&s->a.task, connect_and_read));
    AIO_CHECK(t, aio_spawn(&s->b.task, connect_and_read));
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_close(s->l), AIO_OK);
    AIO_AWAIT(t, s->rc, &s->a.task);
    AIO_AWAIT(t, s->rc, &s->b.task);
    CHECK_EQ(s->a.n, 0);              /* the end */
    CHECK_EQ(s->b.n, AIO_ECONNRESET); /* its bytes were never read */
    /* a sender waiting on a full buffer; its reader closes without reading */
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    AIO_TCP_CONNECT(t, s->c, "localhost", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    AIO_ACCEPT(t, s->closer.fd, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->closer.fd);
    AIO_CHECK(t, aio_spawn(&s->closer.task, wait_then_close));
    AIO_SEND_ALL(t, s->rc, s->c, s->big, sizeof s->big, AIO_SEC(1)); /* (config.buffer 1,000) */
    CHECK_EQ(s->rc, AIO_ECONNRESET);
    AIO_AWAIT(t, s->rc, &s->closer.task);
    aio_close(s->c);
    /* a connect given up before its answer, one refused after it was closed */
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_US(500));
    CHECK_EQ(s->fd, AIO_ETIMEDOUT);
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7999, AIO_MS(1) + AIO_US(500));
    CHECK_EQ(s->fd, AIO_ETIMEDOUT); /* (the refusal was on its way back) */
    AIO_ACCEPT(t, s->fd, s->l, AIO_MS(5));
    CHECK_EQ(s->fd, AIO_ETIMEDOUT); /* the first's try came to a socket closed: dropped */
    /* a socket closed while a task waits on it */
    AIO_TCP_CONNECT(t, s->c, "127.0.0.1", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->c);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    s->closer.fd = s->fd;
    AIO_CHECK(t, aio_spawn(&s->closer.task, wait_then_close));
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, AIO_ECLOSED);
    AIO_AWAIT(t, s->rc, &s->closer.task);
    AIO_RECV(t, s->n, s->c, s->buf, sizeof s->buf, AIO_SEC(1));
    CHECK_EQ(s->n, 0); /* (its peer's end) */
    aio_close(s->c);
    aio_close(s->l);
    AIO_END(t);
}
static void test_more_streams(void) {
    static more_t m;
    aio_sim_config c = exact();
    c.buffer = 1000;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, more_main), AIO_OK);
}

/* Many sockets: the table and the loop's slots grow; numbers are the
 * system's, on POSIX the lowest free; a host's ephemeral ports run from
 * 49152 to 65535 and wrap, skipping those taken. */
typedef struct {
    aio_task task;
    int fds[40];
    int i, fd, taken, closed;
    aio_status rc;
} many_t;
static aio_status many_main(aio_task *t) {
    many_t *s = AIO_SELF(t, many_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 40; s->i++) {
        s->fds[s->i] = aio_udp_open(NULL, 0);
        AIO_CHECK(t, s->fds[s->i]);
#ifndef _WIN32
        CHECK(s->i == 0 || s->fds[s->i] > s->fds[s->i - 1]); /* (nothing below was closed) */
#endif
        AIO_WAIT_WRITABLE(t, s->rc, s->fds[s->i], AIO_SEC(1)); /* (a slot for each) */
        CHECK_EQ(s->rc, AIO_OK);
    }
    s->closed = s->fds[7];
    CHECK_EQ(aio_close(s->fds[7]), AIO_OK);
    s->fd = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->fd);
#ifndef _WIN32
    CHECK_EQ(s->fd, s->closed); /* the lowest free */
#endif
    s->fds[7] = s->fd;
    for (s->i = 0; s->i < 40; s->i++) aio_close(s->fds[s->i]);
    s->taken = aio_udp_open(NULL, 49152 + 41); /* the next ephemeral port, taken */
    AIO_CHECK(t, s->taken);
    s->fd = aio_udp_open(NULL, 0);
    CHECK_EQ(aio_socket_port(s->fd), 49152 + 42);
    aio_close(s->fd);
    for (s->i = 49152 + 43; s->i <= 65535; s->i++) {
        s->fd = aio_udp_open(NULL, 0);
        if (aio_socket_port(s->fd) != s->i) break;
        aio_close(s->fd);
    }
    CHECK_EQ(s->i, 65536);
    s->fd = aio_udp_open(NULL, 0);
    CHECK_EQ(aio_socket_port(s->fd), 49152); /* wrapped */
    aio_close(s->fd);
    aio_close(s->taken);
    AIO_END(t);
}
/* Out of memory as the loop's slots grow for a socket's number (16 of
 * them first): its wait gives AIO_EIO and holds nothing; with memory the
 * same wait is made. (POSIX: sockets take the lowest numbers free, so the
 * first waits fit the first slots; Windows' socket handles are not small
 * consecutive numbers.) */
#ifndef _WIN32
typedef struct {
    aio_task task;
    int fds[40];
    int n, i;
    aio_status rc;
} slots_t;
static aio_status slots_main(aio_task *t) {
    slots_t *s = AIO_SELF(t, slots_t);
    AIO_BEGIN(t);
    do {
        s->fds[s->n] = aio_udp_open(NULL, 0);
        AIO_CHECK(t, s->fds[s->n]);
    } while (s->fds[s->n++] < 16 && s->n < 40);
    CHECK(s->fds[s->n - 1] >= 16);
    AIO_WAIT_WRITABLE(t, s->rc, s->fds[0], AIO_NEVER); /* (the first 16 slots) */
    CHECK_EQ(s->rc, AIO_OK);
    test_alloc_fail_after(0);
    AIO_WAIT_WRITABLE(t, s->rc, s->fds[s->n - 1], AIO_NEVER);
    test_alloc_fail_after(-1);
    CHECK_EQ(s->rc, AIO_EIO);
    AIO_WAIT_WRITABLE(t, s->rc, s->fds[s->n - 1], AIO_NEVER);
    CHECK_EQ(s->rc, AIO_OK);
    for (s->i = 0; s->i < s->n; s->i++) CHECK_EQ(aio_close(s->fds[s->i]), AIO_OK);
    AIO_END(t);
}
static void test_slots_no_memory(void) {
    static slots_t m;
    CHECK_EQ(RUN(exact(), m, slots_main), AIO_OK);
}
#endif

static void test_many_sockets(void) {
    static many_t m;
    CHECK_EQ(RUN(exact(), m, many_main), AIO_OK);
}

/* aio_sim_record: the run's records kept for aio_recorder_dump as well. */
static unsigned long counted;
static void count_records(void *ctx, const aio_trace_record *r) {
    (void)r;
    ++*(unsigned long *)ctx;
}
static void test_record(void) {
    static hello_t m;
    uint64_t digest;
    static aio_trace_record ring[4096];
    aio_recorder rec;
    aio_sim_config c = exact();
    aio_loop loop;
    memset(&m, 0, sizeof m);
    aio_recorder_init(&rec, ring, 4096);
    aio_loop_init(&loop, timers, 64);
    CHECK_EQ(aio_sim_start(&loop, &c), AIO_OK);
    aio_sim_record(&rec);
    CHECK_EQ(aio_run(&loop, &m.task, hello_main), AIO_OK);
    CHECK(rec.count > 20);
    CHECK(aio_sim_digest() != 0);
    digest = aio_sim_digest();
    aio_sim_record(NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    /* the program's own instrument runs after the simulation's, which stays */
    memset(&m, 0, sizeof m);
    counted = 0;
    aio_loop_init(&loop, timers, 64);
    CHECK_EQ(aio_sim_start(&loop, &c), AIO_OK);
    aio_loop_set_instrument(&loop, count_records, &counted);
    CHECK_EQ(aio_run(&loop, &m.task, hello_main), AIO_OK);
    CHECK_EQ(counted, rec.count);
    CHECK(aio_sim_digest() == digest);
    aio_loop_set_instrument(&loop, NULL, NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(counted, rec.count);
}

/* ------------------------------------------------------------ corners */

/* What is left when sockets close: datagrams not read are dropped; a reset
 * that comes after both ends closed; bytes held by a cut that come after
 * both ends closed (no one to reset); a listener's queue longer than 8;
 * connects whose answer comes to a socket closed, or reused (as a datagram
 * socket, or as another connect); 0.0.0.0 (this host) and an address below
 * the hosts' (none). */
typedef struct {
    aio_task task;
    int fd;
    aio_status rc;
} closing_t;
static aio_status heal_later(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_US(1500)); /* (after the bytes' first try) */
    CHECK_EQ(aio_sim_partition("main", "main", 0), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    closing_t healer;
    int l, a, b, u, v, i, fds[10];
    aio_status n, rc;
    aio_address to;
    char buf[8];
} corners_t;
static aio_status corners_main(aio_task *t) {
    corners_t *s = AIO_SELF(t, corners_t);
    AIO_BEGIN(t);
    /* datagrams not read, one still on its way, when the socket closes */
    s->u = aio_udp_open(NULL, 5000);
    AIO_CHECK(t, s->u);
    CHECK_EQ(aio_address_set(&s->to, "0.0.0.0", 5000), AIO_OK); /* (this host) */
    AIO_SEND_TO(t, s->rc, s->u, "one", 3, &s->to, AIO_SEC(1));
    AIO_SEND_TO(t, s->rc, s->u, "two", 3, &s->to, AIO_SEC(1));
    AIO_RECV_FROM(t, s->n, s->u, s->buf, sizeof s->buf, &s->to, AIO_SEC(1));
    CHECK_EQ(s->n, 3);
    CHECK_EQ(aio_now(), AIO_MS(1));
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", 5000), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "three", 5, &s->to, AIO_SEC(1));
    CHECK_EQ(aio_close(s->u), AIO_OK); /* "two" unread, "three" on its way */
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    /* a reset after both ends closed: b closes first, a with a byte unread */
    AIO_TCP_CONNECT(t, s->a, "0.0.0.0", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    AIO_ACCEPT(t, s->b, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->b);
    AIO_SEND_ALL(t, s->rc, s->b, "x", 1, AIO_SEC(1));
    AIO_SLEEP(t, AIO_MS(2));
    CHECK_EQ(aio_close(s->b), AIO_OK);
    AIO_SLEEP(t, AIO_US(500));
    CHECK_EQ(aio_close(s->a), AIO_OK); /* its reset is on its way, to no one */
    AIO_SLEEP(t, AIO_MS(5));
    /* bytes held by a cut, both ends closed before they come */
    AIO_TCP_CONNECT(t, s->a, "localhost", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    AIO_ACCEPT(t, s->b, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->b);
    CHECK_EQ(aio_sim_partition("main", "main", 1), AIO_OK); /* (the host from itself) */
    AIO_SEND_ALL(t, s->rc, s->a, "late", 4, AIO_SEC(1));
    CHECK_EQ(aio_close(s->a), AIO_OK);
    AIO_CHECK(t, aio_spawn(&s->healer.task, heal_later));
    AIO_AWAIT(t, s->rc, &s->healer.task);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_close(s->b), AIO_OK);
    AIO_SLEEP(t, AIO_MS(300)); /* (the bytes come to no one at their next try) */
    /* a queue of ten connections */
    for (s->i = 0; s->i < 10; s->i++) {
        AIO_TCP_CONNECT(t, s->fds[s->i], "127.0.0.1", 7000, AIO_SEC(1));
        AIO_CHECK(t, s->fds[s->i]);
    }
    for (s->i = 0; s->i < 10; s->i++) {
        AIO_ACCEPT(t, s->a, s->l, 0);
        CHECK(s->a >= 0);
        if (s->a >= 0) aio_close(s->a);
    }
    for (s->i = 0; s->i < 10; s->i++) aio_close(s->fds[s->i]);
    /* an answer to a socket closed: not reused; reused as a datagram socket; reused by a connect */
    AIO_TCP_CONNECT(t, s->a, "127.0.0.1", 7000, AIO_US(500));
    CHECK_EQ(s->a, AIO_ETIMEDOUT);
    AIO_SLEEP(t, AIO_MS(2));
    AIO_TCP_CONNECT(t, s->a, "127.0.0.1", 7000, AIO_US(500));
    CHECK_EQ(s->a, AIO_ETIMEDOUT);
    s->v = aio_udp_open(NULL, 0); /* (its number: the connect's) */
    AIO_SLEEP(t, AIO_MS(2));
    aio_close(s->v);
    AIO_TCP_CONNECT(t, s->a, "127.0.0.1", 7999, AIO_MS(1) + AIO_US(500));
    CHECK_EQ(s->a, AIO_ETIMEDOUT);
    AIO_TCP_CONNECT(t, s->a, "127.0.0.1", 7000, AIO_SEC(1)); /* (the refusal comes to it) */
    CHECK(s->a >= 0);
    AIO_ACCEPT(t, s->b, s->l, AIO_SEC(1));
    CHECK(s->b >= 0);
    aio_close(s->a);
    aio_close(s->b);
    /* no host below 10.0.0.1 either */
    AIO_TCP_CONNECT(t, s->a, "10.0.0.0", 7000, AIO_MS(10));
    CHECK_EQ(s->a, AIO_ETIMEDOUT);
    CHECK_EQ(aio_close(s->l), AIO_OK);
    AIO_END(t);
}
static void test_corners(void) {
    static corners_t m;
    CHECK_EQ(RUN(exact(), m, corners_main), AIO_OK);
}

/* A socket still connecting, used by another task: its receive waits
 * (before the answer, and once the answer is on its way), its send would
 * wait where the connect waits (AIO_EBUSY); refused, its error. A send on a
 * full buffer waits from the first try. */
typedef struct {
    aio_task task;
    aio_task *connecting;
    int fd;
    aio_time at;
    aio_status n, rc;
    char buf[8];
} meddler_t;
/* The socket task `who` waits on to be writable (its connect's), as the
 * loop's slots tell, or -1. */
static int connecting_socket(const aio_task *who) {
    const aio_io *io = aio_running_loop()->io;
    uint32_t fd;
    for (fd = 0; fd < io->nslots; fd++)
        if (io->slots[fd].waiter[1] == who) return (int)fd;
    return -1;
}
static aio_status meddler(aio_task *t) {
    meddler_t *s = AIO_SELF(t, meddler_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->at); /* at 0: no answer yet; at 1.1 ms: answered, the answer on its way */
    s->fd = connecting_socket(s->connecting);
    CHECK(s->fd >= 0);
    AIO_SEND_ALL(t, s->rc, s->fd, "x", 1, AIO_US(100));
    CHECK_EQ(s->rc, AIO_EBUSY); /* (it would wait writable: the connect waits so) */
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_US(100));
    CHECK_EQ(s->n, AIO_ETIMEDOUT);
    AIO_END(t);
}
static aio_status meddler_refused(aio_task *t) {
    meddler_t *s = AIO_SELF(t, meddler_t);
    AIO_BEGIN(t);
    s->fd = connecting_socket(s->connecting);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(1)); /* wakes with the refusal */
    AIO_SEND_ALL(t, s->rc, s->fd, "x", 1, AIO_SEC(1));
    AIO_END(t);
}
typedef struct {
    aio_task task;
    meddler_t m;
    int l, fd, a;
    aio_status rc;
    char big[1500];
} meddle_t;
static aio_status meddle_main(aio_task *t) {
    meddle_t *s = AIO_SELF(t, meddle_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    AIO_CHECK(t, s->l);
    s->m.connecting = t;
    AIO_CHECK(t, aio_spawn(&s->m.task, meddler));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    CHECK_EQ(s->fd, s->m.fd);
    AIO_AWAIT(t, s->rc, &s->m.task);
    AIO_ACCEPT(t, s->a, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    aio_close(s->a);
    aio_close(s->fd);
    memset(&s->m, 0, sizeof s->m);
    s->m.connecting = t;
    s->m.at = AIO_US(1100);
    AIO_CHECK(t, aio_spawn(&s->m.task, meddler));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7000, AIO_SEC(1));
    CHECK_EQ(s->fd, s->m.fd);
    AIO_AWAIT(t, s->rc, &s->m.task);
    AIO_ACCEPT(t, s->a, s->l, AIO_SEC(1));
    AIO_CHECK(t, s->a);
    AIO_SEND_ALL(t, s->rc, s->fd, s->big, 1000, AIO_SEC(1)); /* (config.buffer 1,000: full) */
    CHECK_EQ(s->rc, AIO_OK);
    AIO_SEND_ALL(t, s->rc, s->fd, s->big, 1, AIO_MS(5));
    CHECK_EQ(s->rc, AIO_ETIMEDOUT); /* no room from the first try */
    aio_close(s->fd);
    aio_close(s->a);
    memset(&s->m, 0, sizeof s->m);
    s->m.connecting = t;
    AIO_CHECK(t, aio_spawn(&s->m.task, meddler_refused));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", 7001, AIO_SEC(1));
    CHECK_EQ(s->fd, AIO_ECONNREFUSED);
    AIO_AWAIT(t, s->rc, &s->m.task);
    aio_close(s->l);
    AIO_END(t);
}
static void test_connecting_socket_used(void) {
    static meddle_t m;
    aio_sim_config c = exact();
    c.buffer = 1000;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, meddle_main), AIO_OK);
    CHECK_EQ(m.m.n, AIO_ECONNREFUSED); /* (woken by the refusal, it ran before the connect closed it) */
    CHECK_EQ(m.m.rc, AIO_ECONNREFUSED);
}

/* A call landing for a task cancelled in that instant: dropped when the task
 * takes its cancellation. */
typedef struct {
    aio_task task;
    caller_t child;
    aio_status rc;
} cancel_call_t;
static aio_status cancel_call_main(aio_task *t) {
    cancel_call_t *s = AIO_SELF(t, cancel_call_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->child.task, caller));
    AIO_YIELD(t); /* (the child submits its call, landing at once) */
    CHECK_EQ(aio_cancel(&s->child.task), 1);
    AIO_AWAIT(t, s->rc, &s->child.task);
    CHECK_EQ(s->rc, AIO_ECANCELED);
    AIO_END(t);
}
static void test_call_landing_for_cancelled(void) {
    static cancel_call_t m;
    CHECK_EQ(RUN(exact(), m, cancel_call_main), AIO_OK);
}

/* The digest: a task's label counts by its text; 400 tasks alive at once
 * (the table of numbers grows with them); a task spawned before the
 * simulation started has no number, and its end counts as such. */
typedef struct {
    aio_task task;
    char label[16];
} named_t;
static aio_status named(aio_task *t) {
    named_t *s = AIO_SELF(t, named_t);
    AIO_BEGIN(t);
    aio_trace_name(t, s->label);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}
typedef struct {
    aio_task task;
    named_t *kids[400];
    int i;
    aio_status rc;
    uint64_t digest;
} crowd_t;
static aio_status crowd_main(aio_task *t) {
    crowd_t *s = AIO_SELF(t, crowd_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 400; s->i++) {
        s->kids[s->i] = (named_t *)calloc(1, sizeof(named_t) + (size_t)(s->i % 7) * 24);
        AIO_CHECK(t, s->kids[s->i] ? AIO_OK : AIO_EIO);
        (void)snprintf(s->kids[s->i]->label, sizeof s->kids[s->i]->label, "kid %d", s->i % (aio_sim_arg() ? 3 : 2));
        AIO_CHECK(t, aio_spawn(&s->kids[s->i]->task, named));
    }
    for (s->i = 0; s->i < 400; s->i++) {
        AIO_AWAIT(t, s->rc, &s->kids[s->i]->task);
        free(s->kids[s->i]);
    }
    s->digest = aio_sim_digest();
    AIO_END(t);
}
static void test_digest_names(void) {
    static crowd_t m;
    static named_t early;
    aio_sim_config c = exact();
    aio_sim_options o;
    aio_loop loop;
    uint64_t first;
    int other = 1;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, crowd_main), AIO_OK);
    first = m.digest;
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, crowd_main), AIO_OK);
    CHECK_EQ(m.digest, first); /* (other addresses, the same labels) */
    o = options(c, 1);
    o.first = 0; /* (seed 1: not sim_main's 0) */
    CHECK_EQ(AIO_SIM_RUN(&o, crowd_t, crowd_main), 0);
    CHECK(o.digest != 0);
    o.arg = &other;
    first = o.digest;
    CHECK_EQ(AIO_SIM_RUN(&o, crowd_t, crowd_main), 0);
    CHECK(o.digest != first); /* (other labels) */
    /* a task spawned before the simulation */
    memset(&m, 0, sizeof m);
    memset(&early, 0, sizeof early);
    (void)snprintf(early.label, sizeof early.label, "early");
    aio_loop_init(&loop, timers, 64);
    CHECK_EQ(aio_spawn(&early.task, named), AIO_OK);
    CHECK_EQ(aio_sim_start(&loop, &c), AIO_OK);
    CHECK_EQ(aio_run(&loop, &m.task, crowd_main), AIO_OK);
    CHECK(aio_task_done(&early.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The runner's corners: AIO_SIM_SEED empty is no replay; a run inside a
 * simulation is refused; a trace that cannot be written (said, unless
 * quiet); a run that differs, quiet; a cleanup that waits forever after
 * the deadlock (the world ended all the same), with timer storage grown or
 * not; one after a main task that ended well (a failure: a real program
 * would be left with them). */
typedef struct {
    aio_task task;
    aio_status rc;
} nested_t;
static aio_status nested_main(aio_task *t) {
    nested_t *s = AIO_SELF(t, nested_t);
    aio_sim_options o = options(exact(), 1);
    AIO_BEGIN(t);
    s->rc = AIO_SIM_RUN(&o, plain_t, plain_main);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    mute_t srv;
    sleeper_t a, b, c;
    int fd;
    aio_status n;
    aio_timeout sc;
    char buf[8];
} forever_t;
static aio_status forever_main(aio_task *t) {
    forever_t *s = AIO_SELF(t, forever_t);
    AIO_BEGIN(t);
    if (aio_sim_arg()) { /* (timer storage grows beyond the runner's 2) */
        AIO_CHECK(t, aio_spawn(&s->a.task, sleeper));
        AIO_CHECK(t, aio_spawn(&s->b.task, sleeper));
        AIO_CHECK(t, aio_spawn(&s->c.task, sleeper));
    }
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, mute));
    AIO_TCP_CONNECT(t, s->fd, "server", 7000, AIO_SEC(1));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_NEVER);
    AIO_FINALLY(t);
    AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
        AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_NEVER); /* no cancellation reaches it */
    }
    AIO_END(t);
}
/* A main task that ends well, leaving a task whose cleanup waits forever:
 * in a real program aio_run returns and the loop cannot be destroyed. */
typedef struct {
    aio_task task;
    int fd;
    aio_status n;
    aio_timeout sc;
    char buf[8];
} hanger_t;
static aio_status hanger(aio_task *t) {
    hanger_t *s = AIO_SELF(t, hanger_t);
    AIO_BEGIN(t);
    s->fd = aio_udp_open(NULL, 0);
    AIO_CHECK(t, s->fd);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
        AIO_RECV_FROM(t, s->n, s->fd, s->buf, sizeof s->buf, NULL, AIO_NEVER);
    }
    AIO_END(t);
}
typedef struct {
    aio_task task;
    hanger_t h;
} leaver_t;
static aio_status leaver_main(aio_task *t) {
    leaver_t *s = AIO_SELF(t, leaver_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->h.task, hanger));
    AIO_SLEEP(t, AIO_MS(3));
    AIO_END(t);
}
static void run_bad_trace(void *o) { run_status = AIO_SIM_RUN((aio_sim_options *)o, race_t, race_main); }
static void test_runner_corners(void) {
    aio_sim_config c = exact();
    aio_sim_options o;
    static nested_t m;
    char err[2048];
    int grow = 1;
    /* AIO_SIM_SEED="" */
    CHECK_EQ(setenv("AIO_SIM_SEED", "", 1), 0);
    o = options(c, 3);
    CHECK_EQ(AIO_SIM_RUN(&o, plain_t, plain_main), 0);
    CHECK_EQ(o.runs, 3);
    CHECK_EQ(unsetenv("AIO_SIM_SEED"), 0);
    /* inside a simulation */
    memset(&m, 0, sizeof m);
    CHECK_EQ(sim_main(&c, &m.task, nested_main), AIO_OK);
    CHECK_EQ(m.rc, AIO_EINVAL);
    /* a trace that cannot be written */
    c.jitter = AIO_MS(1);
    o = options(c, 1000);
    o.trace = "/nonexistent-directory/trace.txt";
    CHECK_EQ(AIO_SIM_RUN(&o, race_t, race_main), 1);
    CHECK(o.failed_seed > 0);
    o.quiet = 0;
    capture_stderr(run_bad_trace, &o, err, sizeof err);
    CHECK_EQ(run_status, 1);
    CHECK(strstr(err, "aio_sim: the trace cannot be written to /nonexistent-directory/trace.txt") != NULL);
    /* no trace wanted: none written, nothing said of it */
    o.trace = "";
    capture_stderr(run_bad_trace, &o, err, sizeof err);
    CHECK_EQ(run_status, 1);
    CHECK(strstr(err, "cannot be written") == NULL);
    CHECK(strstr(err, "aio_sim: seed ") != NULL);
    /* a run that differs, quiet */
    o = options(exact(), 10);
    o.trace = trace_path;
    CHECK_EQ(AIO_SIM_RUN(&o, unsteady_t, unsteady_main), 1);
    /* the cleanup that waits forever */
    o = options(exact(), 3);
    o.trace = trace_path;
    CHECK_EQ(AIO_SIM_RUN(&o, forever_t, forever_main), 1);
    CHECK_STR(o.message, "the main task ended with waits forever (at 0.002000 s)");
    o.arg = &grow;
    CHECK_EQ(AIO_SIM_RUN(&o, forever_t, forever_main), 1);
    o = options(exact(), 3);
    o.trace = trace_path;
    CHECK_EQ(AIO_SIM_RUN(&o, leaver_t, leaver_main), 1);
    CHECK_STR(o.message, "tasks the main task left wait, cancelled, for what nothing can wake (at 0.003000 s)");
    CHECK(aio_running_loop() == NULL);
    CHECK(!aio_sim_active());
}

/* ------------------------------------------------------------------ hosts */

/* A task's host is fixed at its spawn: aio_sim_spawn's, else its spawner's.
 * A task spawned again after its end (its memory reused) starts afresh; a
 * task that outlives its spawner stays on its host (the spawner's memory
 * may be gone); what runs outside any task, or was spawned before the
 * simulation, is on "main". Each binds its own host's address to show. */
typedef struct {
    aio_task task;
    const char *addr;
    int fd;
} binder_t;
static aio_status binder(aio_task *t) {
    binder_t *s = AIO_SELF(t, binder_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1));
    s->fd = aio_udp_open(s->addr, 0); /* (only an address of its own host) */
    CHECK(s->fd >= 0);
    if (s->fd >= 0) aio_close(s->fd);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    binder_t *child;
} spawner_t;
static aio_status spawner(aio_task *t) {
    spawner_t *s = AIO_SELF(t, spawner_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->child->task, binder)); /* (on the spawner's host) */
    AIO_END(t); /* (gone before its child binds) */
}
typedef struct {
    aio_task task;
    binder_t b, orphan;
    spawner_t *p;
    aio_status rc;
} placed_t;
static aio_status placed_main(aio_task *t) {
    placed_t *s = AIO_SELF(t, placed_t);
    AIO_BEGIN(t);
    s->b.addr = "10.0.0.2";
    AIO_CHECK(t, aio_sim_spawn("server", &s->b.task, binder));
    AIO_AWAIT(t, s->rc, &s->b.task);
    s->b.addr = "10.0.0.1";
    AIO_CHECK(t, aio_spawn(&s->b.task, binder)); /* the same task, now on main */
    AIO_AWAIT(t, s->rc, &s->b.task);
    s->p = (spawner_t *)calloc(1, sizeof *s->p);
    AIO_CHECK(t, s->p ? AIO_OK : AIO_EIO);
    s->p->child = &s->orphan;
    s->orphan.addr = "10.0.0.2";
    AIO_CHECK(t, aio_sim_spawn("server", &s->p->task, spawner));
    AIO_AWAIT(t, s->rc, &s->p->task);
    free(s->p); /* its spawner's memory gone: the child binds on "server" all the same */
    s->p = (spawner_t *)calloc(1, sizeof *s->p);
    AIO_CHECK(t, s->p ? AIO_OK : AIO_EIO);
    AIO_AWAIT(t, s->rc, &s->orphan.task);
    s->p->child = &s->orphan;
    s->orphan.addr = "10.0.0.1";
    AIO_CHECK(t, aio_spawn(&s->p->task, spawner)); /* (on main, as its child) */
    AIO_AWAIT(t, s->rc, &s->p->task);
    free(s->p);
    s->p = NULL;
    AIO_AWAIT(t, s->rc, &s->orphan.task);
    AIO_END(t);
}
static void test_task_hosts(void) {
    static placed_t m;
    static binder_t early;
    aio_sim_config c = exact();
    aio_loop loop;
    int fd;
    memset(&m, 0, sizeof m);
    memset(&early, 0, sizeof early);
    early.addr = "10.0.0.1";
    aio_loop_init(&loop, timers, 64);
    CHECK_EQ(aio_spawn(&early.task, binder), AIO_OK); /* (before the simulation) */
    CHECK_EQ(aio_sim_start(&loop, &c), AIO_OK);
    fd = aio_udp_open("10.0.0.1", 0); /* (outside any task) */
    CHECK(fd >= 0);
    CHECK_EQ(aio_close(fd), AIO_OK);
    CHECK_EQ(aio_run(&loop, &m.task, placed_main), AIO_OK);
    CHECK(aio_task_done(&early.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* -------------------------------------------------- without a simulation */

/* A program built with AIO_SIMULATION runs on the system's sockets, worker
 * threads and names while no simulation runs on its thread: a connection
 * and datagrams on 127.0.0.1, a call on the pool (one landing, one given
 * up), a lookup of "localhost", child processes (refused here only for a
 * bad option). */
static int slow_twice(void *data) {
#ifdef _WIN32
    Sleep(20);
#else
    struct timespec ts = {0, 20000000}; /* 20 ms */
    (void)nanosleep(&ts, NULL);
#endif
    return twice(data);
}
typedef struct {
    aio_task task;
    int l, fd;
    aio_status n;
    char buf[8];
} real_server_t;
static aio_status real_server(aio_task *t) {
    real_server_t *s = AIO_SELF(t, real_server_t);
    AIO_BEGIN(t);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
    if (s->n > 0) AIO_SEND_ALL(t, s->n, s->fd, s->buf, (size_t)s->n, AIO_SEC(5));
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    AIO_END(t);
}
typedef struct {
    aio_task task;
    real_server_t srv;
    int fd, u, v, port, x;
    aio_status n, rc;
    char buf[8];
    aio_address to, addr[2];
    aio_process proc;
    aio_communicate io;
    char out[16];
} real_t;
#ifdef _WIN32
static const char *const real_exit3[] = {"cmd", "/c", "exit 3", NULL};
static const char *const real_hang[] = {"ping", "-n", "60", "127.0.0.1", NULL};
#else
static const char *const real_exit3[] = {"sh", "-c", "cat; exit 3", NULL};
static const char *const real_hang[] = {"sleep", "60", NULL};
#endif
static const aio_process_options real_pipes = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_DEVNULL};
static aio_status real_main(aio_task *t) {
    real_t *s = AIO_SELF(t, real_t);
    static const char *const argv[] = {"true", NULL};
    static const aio_process_options bad = {NULL, NULL, 99, 0, 0};
    AIO_BEGIN(t);
    CHECK(!aio_sim_active());
    s->srv.l = aio_tcp_listen("127.0.0.1", 0, 0);
    AIO_CHECK(t, s->srv.l);
    s->port = aio_socket_port(s->srv.l);
    CHECK(s->port > 0);
    AIO_CHECK(t, aio_spawn(&s->srv.task, real_server));
    AIO_TCP_CONNECT(t, s->fd, "127.0.0.1", s->port, AIO_SEC(5));
    AIO_CHECK(t, s->fd);
    AIO_SEND_ALL(t, s->rc, s->fd, "real", 4, AIO_SEC(5));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(5));
    CHECK(s->n == 4 && memcmp(s->buf, "real", 4) == 0);
    AIO_AWAIT(t, s->rc, &s->srv.task);
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    CHECK_EQ(aio_close(s->srv.l), AIO_OK);
    /* datagrams */
    s->u = aio_udp_open("127.0.0.1", 0);
    AIO_CHECK(t, s->u);
    s->v = aio_udp_open("127.0.0.1", 0);
    AIO_CHECK(t, s->v);
    CHECK_EQ(aio_address_set(&s->to, "127.0.0.1", aio_socket_port(s->v)), AIO_OK);
    AIO_SEND_TO(t, s->rc, s->u, "dg", 2, &s->to, AIO_SEC(5));
    CHECK_EQ(s->rc, AIO_OK);
    AIO_RECV_FROM(t, s->n, s->v, s->buf, sizeof s->buf, NULL, AIO_SEC(5));
    CHECK_EQ(s->n, 2);
    aio_close(s->u);
    aio_close(s->v);
    /* the pool and the names */
    s->x = 4;
    AIO_TO_THREAD(t, s->rc, twice, &s->x, sizeof s->x, AIO_SEC(5));
    CHECK_EQ(s->rc, 9);
    AIO_TO_THREAD(t, s->rc, slow_twice, &s->x, sizeof s->x, 0);
    CHECK_EQ(s->rc, AIO_ETIMEDOUT); /* (given up: it runs to its end, dropped) */
    AIO_LOOKUP(t, s->n, "localhost", 80, s->addr, 2, AIO_SEC(5));
    CHECK(s->n >= 1);
    CHECK_EQ(aio_process_spawn(&s->proc, argv, &bad), AIO_EINVAL);
    CHECK_DEBUG("a standard stream's mode");
    /* child processes: the system's (a program of a simulation is none) */
    CHECK_EQ(aio_process_spawn(&s->proc, real_exit3, &real_pipes), AIO_OK);
    s->io.input = "hi\n";
    s->io.input_len = 3;
    s->io.out = s->out;
    s->io.out_size = sizeof s->out;
    AIO_COMMUNICATE(t, s->rc, &s->proc, &s->io, AIO_SEC(30));
    CHECK_EQ(s->rc, 3);
#ifndef _WIN32
    CHECK(s->io.out_len == 3 && memcmp(s->out, "hi\n", 3) == 0);
#endif
    CHECK_EQ(aio_process_close(&s->proc), AIO_OK);
    CHECK_EQ(aio_process_spawn(&s->proc, real_hang, NULL), AIO_OK);
    CHECK_EQ(aio_process_terminate(&s->proc), AIO_OK);
    AIO_PROCESS_WAIT(t, s->rc, &s->proc, AIO_SEC(30));
    CHECK_EQ(s->rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&s->proc), -15);
    CHECK_EQ(aio_process_close(&s->proc), AIO_OK);
    CHECK_EQ(aio_process_spawn(&s->proc, real_hang, NULL), AIO_OK);
    CHECK_EQ(aio_process_close(&s->proc), AIO_OK); /* (running: killed, reaped) */
    CHECK_EQ(aio_process_returncode(&s->proc), -9);
    AIO_END(t);
}

/* Unix domain sockets are not simulated: both calls refuse, saying so,
 * and nothing of the system's is made. */
typedef struct {
    aio_task task;
    aio_status rc;
} unix_t;
static aio_status unix_main(aio_task *t) {
    unix_t *s = AIO_SELF(t, unix_t);
    AIO_BEGIN(t);
#ifdef _WIN32
#define UNIX_REFUSAL "Unix domain sockets need POSIX"
#else
#define UNIX_REFUSAL "Unix domain sockets are not simulated"
#endif
    CHECK_EQ(aio_unix_listen("/tmp/aio-sim.sock", 0), AIO_EINVAL);
    CHECK_DEBUG("aio_unix_listen: " UNIX_REFUSAL);
    AIO_UNIX_CONNECT(t, s->rc, "/tmp/aio-sim.sock", AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_UNIX_CONNECT: " UNIX_REFUSAL);
    CHECK_EQ(aio_now(), 0);
    AIO_END(t);
}
static void test_unix_sockets_refused(void) {
    unix_t s;
    CHECK_EQ(RUN(exact(), s, unix_main), AIO_OK);
#ifndef _WIN32
    { /* (and taken, with no simulation running) */
        char path[64];
        int fd;
        (void)snprintf(path, sizeof path, "/tmp/aio-sim-%d.sock", (int)getpid());
        fd = aio_unix_listen(path, 0);
        CHECK(fd >= 0);
        CHECK_EQ(aio_close(fd), AIO_OK);
        CHECK_EQ(unlink(path), 0);
    }
#endif
}

/* A loop of the system's, with a child left open, closed and destroyed
 * while a simulation runs on the same thread: its child is the system's,
 * killed and reaped as ever, and the simulation's loop is left alone. */
static void test_real_child_beside_simulation(void) {
    static aio_timer real_timers[8], sim_timers[8];
    aio_sim_config cfg = exact();
    aio_loop real, sim;
    aio_process p, q;
    memset(&p, 0, sizeof p);
    memset(&q, 0, sizeof q);
    aio_loop_init(&real, real_timers, 8);
    CHECK_EQ(aio_process_spawn(&p, real_hang, NULL), AIO_OK);
    CHECK_EQ(aio_process_spawn(&q, real_hang, NULL), AIO_OK);
    aio_loop_init(&sim, sim_timers, 8);
    CHECK_EQ(aio_sim_start(&sim, &cfg), AIO_OK);
    CHECK_EQ(aio_process_terminate(&p), AIO_OK);
    CHECK_EQ(aio_process_close(&p), AIO_OK);
    CHECK(aio_process_returncode(&p) == -15 || aio_process_returncode(&p) == -9); /* (which came first) */
    CHECK_EQ(aio_loop_destroy(&real), AIO_OK); /* (q: killed, reaped, closed) */
    CHECK_EQ(aio_process_returncode(&q), -9);
    CHECK(aio_sim_active());
    CHECK_EQ(aio_loop_destroy(&sim), AIO_OK);
}
static void test_without_simulation(void) {
    static real_t m;
    static aio_timer real_timers[64];
    aio_loop loop;
    memset(&m, 0, sizeof m);
    aio_loop_init(&loop, real_timers, 64);
    CHECK_EQ(aio_run(&loop, &m.task, real_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------------------------- main */

typedef struct { const char *name; void (*fn)(void); } test_case;
#define TEST(fn) { #fn, fn }
/* ------------------------------------------------------ child processes */

/* "cat": its input to its output until the input's end, then "bye\n" to its
 * standard error if it has one; exits with argv[1]'s number (0 without). */
typedef struct {
    aio_task task;
    aio_sim_child child;
    char buf[64];
    aio_status n;
} cat_prog;
static aio_status cat_main(aio_task *t) {
    cat_prog *s = AIO_SELF(t, cat_prog);
    AIO_BEGIN(t);
    for (;;) {
        AIO_RECV(t, s->n, s->child.in, s->buf, sizeof s->buf, AIO_NEVER);
        if (s->n <= 0) break;
        AIO_SEND_ALL(t, s->n, s->child.out, s->buf, (size_t)s->n, AIO_NEVER);
    }
    if (s->child.err != (aio_socket)-1) AIO_SEND_ALL(t, s->n, s->child.err, "bye\n", 4, AIO_NEVER);
    AIO_RETURN(t, s->child.argc > 1 ? atoi(s->child.argv[1]) : 0);
    AIO_END(t);
}

/* "sleeper": sleeps argv[1] seconds (100 without), then exits 0. A
 * cancellation (SIGTERM) runs its cleanup, which takes argv[2] seconds
 * (none without) and then exits 0 if argv[3] is "clean", else as the
 * cancellation ends it. It says "up\n" on its output first, if it has one. */
typedef struct {
    aio_task task;
    aio_sim_child child;
    aio_status n;
} sleeper_prog;
static aio_status sleeper_main(aio_task *t) {
    sleeper_prog *s = AIO_SELF(t, sleeper_prog);
    AIO_BEGIN(t);
    if (s->child.out != (aio_socket)-1) AIO_SEND_ALL(t, s->n, s->child.out, "up\n", 3, AIO_NEVER);
    AIO_SLEEP(t, AIO_SEC(s->child.argc > 1 ? atoi(s->child.argv[1]) : 100));
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        if (s->child.argc > 2) AIO_SLEEP(t, AIO_SEC(atoi(s->child.argv[2])));
        if (s->child.argc > 3 && strcmp(s->child.argv[3], "clean") == 0) AIO_RETURN(t, 0);
    }
    AIO_END(t);
}

/* "early": says "x", closes its output (its number in early_out), sleeps
 * a second, exits 0. */
static int early_out;
typedef struct {
    aio_task task;
    aio_sim_child child;
    aio_status n;
} early_prog;
static aio_status early_main(aio_task *t) {
    early_prog *s = AIO_SELF(t, early_prog);
    AIO_BEGIN(t);
    early_out = (int)s->child.out;
    AIO_SEND_ALL(t, s->n, s->child.out, "x", 1, AIO_NEVER);
    CHECK_EQ(aio_close(s->child.out), AIO_OK);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

/* "fail": ends with an error (exit code 1). */
typedef struct {
    aio_task task;
    aio_sim_child child;
} fail_prog;
typedef struct { /* (the child before the task: as good) */
    aio_sim_child child;
    aio_task task;
} fail_prog_turned;
static aio_status fail_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RAISE(t, AIO_EIO);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_process p, q;
    aio_communicate io;
    char out[64], err[64], arg[4];
    const char *argv[4];
    aio_stream st;
    char sbuf[64];
    aio_status rc;
    aio_time t0;
    int fd;
} parent_t;
static const aio_process_options all_pipes = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_PIPE};

static int register_programs(void) {
    return AIO_SIM_PROGRAM("early", early_prog, early_main) == AIO_OK &&
           AIO_SIM_PROGRAM("cat", cat_prog, cat_main) == AIO_OK &&
           AIO_SIM_PROGRAM("sleeper", sleeper_prog, sleeper_main) == AIO_OK &&
           AIO_SIM_PROGRAM("fail", fail_prog, fail_main) == AIO_OK;
}
static void communicate_into(parent_t *s, const char *input) {
    memset(&s->io, 0, sizeof s->io);
    s->io.input = input;
    s->io.input_len = input ? strlen(input) : 0;
    s->io.out = s->out;
    s->io.out_size = sizeof s->out;
    s->io.err = s->err;
    s->io.err_size = sizeof s->err;
}

/* AIO_COMMUNICATE with a program: input in, output and error out, its exit
 * code; the arguments are copied at the spawn. A pipe takes a trip, as a
 * loopback connection does: the input at 1 ms, the output, the pipes' ends
 * and the exit at 2 ms. Standard error into the output; modes other than
 * PIPE give the child nothing. */
static aio_status communicate_main(aio_task *t) {
    parent_t *s = AIO_SELF(t, parent_t);
    static const aio_process_options err_out = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_STDOUT};
    static const aio_process_options none = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_INHERIT, AIO_STDIO_DEVNULL};
    AIO_BEGIN(t);
    CHECK(register_programs());
    memcpy(s->arg, "7", 2);
    s->argv[0] = "cat";
    s->argv[1] = s->arg;
    s->argv[2] = NULL;
    CHECK_EQ(aio_process_spawn(&s->p, s->argv, &all_pipes), AIO_OK);
    s->arg[0] = '9'; /* (the child has its own copy) */
    CHECK_EQ(s->p.pid, 100);
    CHECK_EQ(aio_process_returncode(&s->p), AIO_EINPROGRESS);
    communicate_into(s, "hello\n");
    AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
    CHECK_EQ(s->rc, 7);
    CHECK_EQ(aio_now(), AIO_MS(2));
    CHECK_EQ(s->io.input_done, 6);
    CHECK_EQ(s->io.out_len, 6);
    CHECK(memcmp(s->out, "hello\n", 6) == 0);
    CHECK_EQ(s->io.err_len, 4);
    CHECK(memcmp(s->err, "bye\n", 4) == 0);
    CHECK_EQ(aio_process_returncode(&s->p), 7);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    CHECK_EQ(aio_process_spawn(&s->p, s->argv, &err_out), AIO_OK); /* (argv[1] is "9" now) */
    CHECK_EQ(s->p.pid, 101);
    CHECK_EQ((int)s->p.err, -1);
    communicate_into(s, "ab");
    AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
    CHECK_EQ(s->rc, 9);
    CHECK_EQ(s->io.out_len, 6);
    CHECK(memcmp(s->out, "abbye\n", 6) == 0);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    s->t0 = aio_now();
    s->argv[0] = "sleeper";
    s->argv[1] = "3";
    CHECK_EQ(aio_process_spawn(&s->p, s->argv, &none), AIO_OK);
    CHECK_EQ((int)s->p.in, -1);
    CHECK_EQ((int)s->p.out, -1);
    CHECK_EQ((int)s->p.err, -1);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 0);
    CHECK_EQ(aio_now() - s->t0, AIO_SEC(3) + AIO_MS(1)); /* (its exit: a trip) */
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    s->argv[0] = "fail";
    s->argv[1] = NULL;
    CHECK_EQ(aio_process_spawn(&s->p, s->argv, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 1);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    /* a child that closes its output before it ends: the parent reads the
     * end then, and a socket of the parent's that takes the number the
     * child's end had is not closed when the child ends */
    s->argv[0] = "early";
    s->t0 = aio_now();
    CHECK_EQ(aio_process_spawn(&s->p, s->argv, &all_pipes), AIO_OK);
    aio_stream_init(&s->st, s->p.out, s->sbuf, sizeof s->sbuf);
    AIO_READ_LINE(t, s->rc, &s->st, AIO_NEVER);
    CHECK_EQ(s->rc, 1); /* "x", then the end */
    CHECK_EQ(aio_now() - s->t0, AIO_MS(1));
    s->fd = aio_udp_open("127.0.0.1", 0);
    AIO_CHECK(t, s->fd);
#ifndef _WIN32
    CHECK_EQ(s->fd, early_out); /* (the child's end of that pipe, its number free again: the lowest) */
#endif
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 0);
    CHECK_EQ(aio_now() - s->t0, AIO_SEC(1) + AIO_MS(1));
    CHECK(aio_socket_port(s->fd) > 0); /* (still open) */
    CHECK_EQ(aio_close(s->fd), AIO_OK);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    AIO_END(t);
}
static void test_processes_communicate(void) {
    parent_t s;
    CHECK_EQ(RUN(exact(), s, communicate_main), AIO_OK);
    CHECK_EQ((int)s.p.state, 3); /* (closed) */
}

/* Signals and stops. SIGTERM cancels the program's task: ended by it, the
 * child reads -15 (the await: AIO_ESIGNALED), and the parent hears of its
 * exit a trip later; a cleanup that returns 0 exits 0. Another signal reads
 * as itself. A stop with a grace period sends SIGTERM, then SIGKILL when a
 * cleanup outlasts it (-9, reaped at once, exactly at the grace's end). A
 * kill's output ends for the parent a trip later, though the program's task
 * still unwinds; what the parent sends then resets its pipe. An await's own
 * deadline leaves the child running. On Windows, as on the real one, SIGTERM
 * ends the child at once as SIGKILL does (reaped at once, -15), and no other
 * signal is sent. */
#ifdef _WIN32
#define TERM_ENDS_AT_ONCE 1
#else
#define TERM_ENDS_AT_ONCE 0
#endif
static aio_status signals_main(aio_task *t) {
    parent_t *s = AIO_SELF(t, parent_t);
    static const char *const plain[] = {"sleeper", NULL};
    static const char *const clean[] = {"sleeper", "100", "1", "clean", NULL};
    static const char *const slow[] = {"sleeper", "100", "10", NULL};
    static const char *const cat[] = {"cat", NULL};
    static const char *const quick[] = {"sleeper", "1", NULL};
    AIO_BEGIN(t);
    CHECK(register_programs());
    CHECK_EQ(aio_process_spawn(&s->p, plain, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_SEC(2));
    CHECK_EQ(s->rc, AIO_ETIMEDOUT);
    CHECK_EQ(aio_now(), AIO_SEC(2));
    CHECK_EQ(aio_process_returncode(&s->p), AIO_EINPROGRESS);
    CHECK_EQ(aio_process_terminate(&s->p), AIO_OK);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&s->p), -15);
    CHECK_EQ(aio_now(), AIO_SEC(2) + (TERM_ENDS_AT_ONCE ? 0 : AIO_MS(1)));
    CHECK_EQ(aio_process_terminate(&s->p), AIO_EINVAL); /* (reaped) */
    CHECK_DEBUG("the process has ended");
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    CHECK_EQ(aio_process_spawn(&s->p, plain, NULL), AIO_OK);
    CHECK_EQ(aio_process_signal(&s->p, 0), AIO_EINVAL);
    CHECK_DEBUG(TERM_ENDS_AT_ONCE ? "Windows can only end a process" : "not a signal number");
    CHECK_EQ(aio_process_signal(&s->p, 65), AIO_EINVAL);
#ifdef _WIN32
    CHECK_EQ(aio_process_signal(&s->p, 2), AIO_EINVAL);
    CHECK_EQ(aio_process_kill(&s->p), AIO_OK);
#else
    CHECK_EQ(aio_process_signal(&s->p, 2), AIO_OK); /* SIGINT */
#endif
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(aio_process_returncode(&s->p), TERM_ENDS_AT_ONCE ? -9 : -2);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    s->t0 = aio_now();
    CHECK_EQ(aio_process_spawn(&s->p, clean, NULL), AIO_OK);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_PROCESS_STOP(t, s->rc, &s->p, AIO_SEC(5));
    CHECK_EQ(s->rc, TERM_ENDS_AT_ONCE ? AIO_ESIGNALED : 0); /* (its cleanup took 1 s and exited 0) */
    CHECK_EQ(aio_now() - s->t0, TERM_ENDS_AT_ONCE ? AIO_SEC(1) : AIO_SEC(2) + AIO_MS(1));
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    s->t0 = aio_now();
    CHECK_EQ(aio_process_spawn(&s->p, slow, NULL), AIO_OK);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_PROCESS_STOP(t, s->rc, &s->p, AIO_SEC(5));
    CHECK_EQ(s->rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&s->p), TERM_ENDS_AT_ONCE ? -15 : -9);
    CHECK_EQ(aio_now() - s->t0, TERM_ENDS_AT_ONCE ? AIO_SEC(1) : AIO_SEC(6)); /* (a kill is reaped at once) */
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    /* a kill while the child waits to read: its output ends for the parent */
    CHECK_EQ(aio_process_spawn(&s->p, cat, &all_pipes), AIO_OK);
    aio_stream_init(&s->st, s->p.out, s->sbuf, sizeof s->sbuf);
    AIO_SEND_ALL(t, s->rc, s->p.in, "one\n", 4, AIO_NEVER);
    AIO_READ_LINE(t, s->rc, &s->st, AIO_NEVER);
    CHECK_EQ(s->rc, 4);
    CHECK_EQ(aio_process_kill(&s->p), AIO_OK);
    s->t0 = aio_now();
    AIO_READ_LINE(t, s->rc, &s->st, AIO_NEVER);
    CHECK_EQ(s->rc, 0); /* the end */
    CHECK_EQ(aio_now() - s->t0, AIO_MS(1));
    AIO_SEND_ALL(t, s->rc, s->p.in, "two\n", 4, AIO_NEVER); /* nobody reads: a trip, and its end */
    AIO_SLEEP(t, AIO_MS(5));
    AIO_SEND_ALL(t, s->rc, s->p.in, "three\n", 6, AIO_NEVER);
    CHECK_EQ(s->rc, AIO_ECONNRESET);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&s->p), -9);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);

    /* two at once; a signal to one that has ended but was not reaped changes
     * nothing; a second wait returns at once */
    CHECK_EQ(aio_process_spawn(&s->p, quick, NULL), AIO_OK);
    CHECK_EQ(aio_process_spawn(&s->q, plain, NULL), AIO_OK);
    AIO_SLEEP(t, AIO_SEC(2));
    CHECK_EQ(aio_process_terminate(&s->p), AIO_OK);
    s->t0 = aio_now();
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 0);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 0);
    CHECK_EQ(aio_now(), s->t0);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    CHECK_EQ(aio_process_close(&s->q), AIO_OK);
    CHECK_EQ(aio_process_returncode(&s->q), -9);
    AIO_END(t);
}
static void test_processes_signals(void) {
    parent_t s;
    CHECK_EQ(RUN(exact(), s, signals_main), AIO_OK);
}

/* The fault child_dies: at 1 with a child_life of 0, the child dies in the
 * turn of its spawn (-9) before it runs, its output's end comes a trip
 * later, and its task is cancelled unseen. */
static aio_status dies_main(aio_task *t) {
    parent_t *s = AIO_SELF(t, parent_t);
    static const char *const argv[] = {"sleeper", "1", NULL};
    AIO_BEGIN(t);
    CHECK(register_programs());
    CHECK_EQ(aio_process_spawn(&s->p, argv, &all_pipes), AIO_OK);
    communicate_into(s, NULL);
    AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
    CHECK_EQ(s->rc, AIO_ESIGNALED);
    CHECK_EQ(aio_process_returncode(&s->p), -9);
    CHECK_EQ(s->io.out_len, 0); /* (it never ran: "up" was never sent) */
    CHECK_EQ(aio_now(), AIO_MS(1));
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    AIO_END(t);
}
static void test_processes_child_dies(void) {
    aio_sim_config cfg = exact();
    parent_t s;
    cfg.child_dies = 1;
    CHECK_EQ(RUN(cfg, s, dies_main), AIO_OK);
}

/* Under the runner: a command run with a deadline and retries, its child
 * dying now and then. A run fails if the command never succeeds in three
 * tries; the same seeds give the same runs (digests), and seeds where a
 * child died are seen. */
typedef struct {
    aio_task task;
    aio_process p;
    aio_communicate io;
    char out[16];
    aio_status rc;
    int tries;
} retry_t;
static int retry_deaths;
static aio_status retry_main(aio_task *t) {
    retry_t *s = AIO_SELF(t, retry_t);
    static const char *const argv[] = {"cat", "0", NULL};
    AIO_BEGIN(t);
    CHECK(register_programs());
    for (s->tries = 0; s->tries < 3; s->tries++) {
        CHECK_EQ(aio_process_spawn(&s->p, argv, &all_pipes), AIO_OK);
        memset(&s->io, 0, sizeof s->io);
        s->io.input = "ping\n";
        s->io.input_len = 5;
        s->io.out = s->out;
        s->io.out_size = sizeof s->out;
        AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_SEC(1));
        if (aio_process_returncode(&s->p) == -9) retry_deaths++;
        (void)aio_process_close(&s->p);
        if (s->rc == 0) break;
    }
    aio_sim_check(s->rc == 0 && s->io.out_len == 5, "the command never succeeded");
    AIO_END(t);
}
static void test_processes_runner(void) {
    aio_sim_config cfg;
    aio_sim_options o, again;
    memset(&cfg, 0, sizeof cfg);
    cfg.latency = AIO_MS(1);
    cfg.jitter = AIO_MS(2);
    cfg.step = AIO_US(100);
    cfg.short_recv = 0.2;
    cfg.child_dies = 0.1; /* (a child in ten dies, within 3 ms: about as long as an attempt takes) */
    cfg.child_life = AIO_MS(3);
    o = options(cfg, 200);
    o.trace = "";
    retry_deaths = 0;
    CHECK_EQ(AIO_SIM_RUN(&o, retry_t, retry_main), 0);
    CHECK_EQ(o.runs, 200);
    CHECK(retry_deaths > 0);
    again = options(cfg, 200);
    again.trace = "";
    CHECK_EQ(AIO_SIM_RUN(&again, retry_t, retry_main), 0);
    CHECK_EQ(again.digest, o.digest);
    cfg.child_dies = 1; /* (every child dies at its start: the first seed fails) */
    cfg.child_life = 0;
    o = options(cfg, 200);
    o.trace = "";
    CHECK_EQ(AIO_SIM_RUN(&o, retry_t, retry_main), 1);
    CHECK_EQ(o.failed_seed, 1);
    CHECK(strstr(o.message, "the command never succeeded") != NULL);
}

/* Misuse: aio_sim_program outside a simulation, with a bad name, no
 * function, a state too small or overlapping, a 17th; a name given again
 * replaces its program. A spawn of a name with no program: not found. A
 * child left running when the main task ends is cancelled with the rest
 * and closed with the loop: killed (-9), as the system's children are. */
static aio_status misuse_programs_main(aio_task *t) {
    parent_t *s = AIO_SELF(t, parent_t);
    static const char *const cat[] = {"cat", "5", NULL};
    static const char *const sleeper[] = {"sleeper", NULL};
    static const char *const p5[] = {"p5", NULL};
    static const char *const turned[] = {"turned", NULL};
    char name[16];
    int i;
    AIO_BEGIN(t);
    CHECK_EQ(aio_sim_program("", cat_main, sizeof(cat_prog), 0, offsetof(cat_prog, child)), AIO_EINVAL);
    CHECK_DEBUG("no name, one of 32 bytes or more");
    CHECK_EQ(aio_sim_program(NULL, cat_main, sizeof(cat_prog), 0, offsetof(cat_prog, child)), AIO_EINVAL);
    CHECK_EQ(aio_sim_program("0123456789012345678901234567890123", cat_main, sizeof(cat_prog), 0,
                             offsetof(cat_prog, child)), AIO_EINVAL);
    CHECK_EQ(aio_sim_program("x", NULL, sizeof(cat_prog), 0, offsetof(cat_prog, child)), AIO_EINVAL);
    CHECK_EQ(aio_sim_program("x", cat_main, sizeof(aio_task), 0, 0), AIO_EINVAL);
    CHECK_DEBUG("too small for its task and child, or they overlap");
    CHECK_EQ(aio_sim_program("x", cat_main, sizeof(cat_prog), 0, 0), AIO_EINVAL); /* (overlap) */
    CHECK_EQ(aio_sim_program("x", cat_main, sizeof(cat_prog), sizeof(cat_prog), 0), AIO_EINVAL);
    CHECK_EQ(aio_sim_program("x", cat_main, sizeof(cat_prog), 0, sizeof(cat_prog)), AIO_EINVAL);
    CHECK_EQ(aio_sim_program("x", cat_main, sizeof(aio_task) + sizeof(aio_sim_child) - 1, 0, 0), AIO_EINVAL);
    CHECK_EQ(AIO_SIM_PROGRAM("turned", fail_prog_turned, fail_main), AIO_OK);
    CHECK_EQ(AIO_SIM_PROGRAM("cat", sleeper_prog, sleeper_main), AIO_OK);
    CHECK_EQ(AIO_SIM_PROGRAM("cat", cat_prog, cat_main), AIO_OK); /* (replaced) */
    for (i = 2; i < 16; i++) {
        (void)snprintf(name, sizeof name, "p%d", i);
        CHECK_EQ(AIO_SIM_PROGRAM(name, fail_prog, fail_main), AIO_OK);
    }
    CHECK_EQ(AIO_SIM_PROGRAM("one-more", fail_prog, fail_main), AIO_ENOSPC);
    CHECK_DEBUG("16 programs already");
    CHECK_EQ(AIO_SIM_PROGRAM("p3", fail_prog, fail_main), AIO_OK); /* (a name it has: replaced) */
    CHECK_EQ(aio_process_spawn(&s->p, turned, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 1);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    CHECK_EQ(aio_process_spawn(&s->p, sleeper, NULL), AIO_ENOTFOUND);
    CHECK_EQ(errno, ENOENT);
    CHECK_DEBUG("the simulation has no program of that name");
    CHECK_EQ(aio_process_spawn(&s->p, cat, &all_pipes), AIO_OK); /* (cat: the second one) */
    communicate_into(s, "x");
    AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
    CHECK_EQ(s->rc, 5);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    CHECK_EQ(AIO_SIM_PROGRAM("p5", sleeper_prog, sleeper_main), AIO_OK); /* (p5 sleeps now) */
    CHECK_EQ(aio_process_spawn(&s->p, p5, &all_pipes), AIO_OK);
    AIO_SLEEP(t, AIO_SEC(1));
    CHECK_EQ(aio_process_close(&s->p), AIO_OK); /* running: killed, reaped, closed */
    CHECK_EQ(aio_process_returncode(&s->p), -9);
    CHECK_EQ(aio_process_spawn(&s->q, cat, &all_pipes), AIO_OK); /* left running */
    CHECK_EQ(aio_process_spawn(&s->p, cat, NULL), AIO_OK);       /* left reaped, not closed */
    AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_NEVER);
    CHECK_EQ(s->rc, 5);
    AIO_END(t);
}
static void test_processes_misuse(void) {
    aio_sim_config cfg = exact();
    parent_t s;
    CHECK_EQ(aio_sim_program("cat", cat_main, sizeof(cat_prog), 0, offsetof(cat_prog, child)), AIO_EINVAL);
    CHECK_DEBUG("no simulation runs on this thread");
    cfg.child_dies = 1.5;
    memset(&s, 0, sizeof s);
    CHECK_EQ(aio_sim_start(NULL, &cfg), AIO_EINVAL);
    cfg.child_dies = -0.5;
    CHECK_EQ(aio_sim_start(NULL, &cfg), AIO_EINVAL);
    cfg.child_dies = 0;
    cfg.child_life = AIO_NEVER;
    CHECK_EQ(aio_sim_start(NULL, &cfg), AIO_EINVAL);
    cfg.child_life = 0;
    CHECK_EQ(sim_main(&cfg, &s.task, misuse_programs_main), AIO_OK);
    CHECK_EQ((int)s.q.state, 3); /* (closed with the loop) */
    CHECK_EQ((int)s.q.out, -1);
    CHECK_EQ(aio_process_returncode(&s.q), -9); /* (killed at the end, as the system's children are) */
    CHECK_EQ((int)s.p.state, 3);
    CHECK_EQ(aio_process_returncode(&s.p), 5);
}

/* A child that ends without reading what it was sent: the parent's input is
 * dropped, as a pipe whose reader is gone does (AIO_COMMUNICATE completes). */
static aio_status unread_main(aio_task *t) {
    parent_t *s = AIO_SELF(t, parent_t);
    static const char *const argv[] = {"sleeper", "0", NULL};
    static char big[200000];
    AIO_BEGIN(t);
    CHECK(register_programs());
    CHECK_EQ(aio_process_spawn(&s->p, argv, &all_pipes), AIO_OK);
    communicate_into(s, NULL);
    s->io.input = big;
    s->io.input_len = sizeof big;
    AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
    CHECK_EQ(s->rc, 0);
    CHECK_EQ(s->io.input_done, sizeof big);
    CHECK_EQ(s->io.out_len, 3);
    CHECK(memcmp(s->out, "up\n", 3) == 0);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    AIO_END(t);
}
static void test_processes_unread_input(void) {
    parent_t s;
    CHECK_EQ(RUN(exact(), s, unread_main), AIO_OK);
}

/* ------------------------------------------------------- alloc_fails */

/* alloc_fails = 1: the state a wait or a call of the program allocates
 * cannot be had, as where memory runs out, and each fails with AIO_EIO,
 * errno ENOMEM, and a debug message that says the simulation refused: a
 * connect to an address and to a name, a call on the pool (its function
 * never runs), a lookup, a child's spawn. What allocates nothing of the
 * program's goes on: a listener, a lookup of a numeric address, a sleep.
 * Each test gives back every block it took (tests/counted_alloc.h), and ASan
 * finds no leak. */
typedef struct {
    aio_task task;
    aio_process p;
    const char *argv[2];
    aio_address addr[2];
    int v, l, err;
    aio_status rc;
} nomem_t;
static aio_status nomem_main(aio_task *t) {
    nomem_t *s = AIO_SELF(t, nomem_t);
    AIO_BEGIN(t);
    s->l = aio_tcp_listen(NULL, 7000, 0);
    CHECK(s->l >= 0);
    errno = 0;
    AIO_TCP_CONNECT(t, s->rc, "127.0.0.1", 7000, AIO_SEC(1));
    s->err = errno;
    CHECK_EQ(s->rc, AIO_EIO);
    CHECK_EQ(s->err, ENOMEM);
    CHECK_DEBUG("out of memory: the simulation's fault alloc_fails refused an allocation");
    AIO_TCP_CONNECT(t, s->rc, "main", 7000, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_EIO);
    s->v = 20;
    AIO_TO_THREAD(t, s->rc, twice, &s->v, sizeof s->v, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_EIO);
    CHECK_EQ(s->v, 20); /* (never run) */
    AIO_LOOKUP(t, s->rc, "main", 80, s->addr, 2, AIO_SEC(1));
    CHECK_EQ(s->rc, AIO_EIO);
    AIO_LOOKUP(t, s->rc, "10.0.0.1", 80, s->addr, 2, AIO_SEC(1)); /* (numeric: no call) */
    CHECK_EQ(s->rc, 1);
    CHECK(register_programs());
    s->argv[0] = "cat";
    s->argv[1] = NULL;
    errno = 0;
    CHECK_EQ(aio_process_spawn(&s->p, s->argv, &all_pipes), AIO_EIO);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(aio_process_returncode(&s->p), AIO_EINPROGRESS); /* (no process) */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_now(), AIO_MS(1));
    CHECK_EQ(aio_close(s->l), AIO_OK);
    AIO_END(t);
}
static void test_fault_alloc_fails(void) {
    nomem_t s;
    aio_sim_config c = exact();
    c.alloc_fails = 1;
    last_debug[0] = '\0';
    CHECK_EQ(RUN(c, s, nomem_main), AIO_OK);
}

/* alloc_fails = 0.5 under the runner: each allocation fails or not, drawn
 * from the seed, so over the seeds a connect to a name fails at its state
 * or at its lookup's call, and a spawn at the child's record or at its
 * state; every wait or call either does what it does without the fault or
 * fails with AIO_EIO, the rest of the run unharmed, and the same seed
 * fails the same allocations (one digest for two sweeps). */
static int nomem_failed[3], nomem_went[3];
typedef struct {
    aio_task task;
    aio_process p;
    const char *argv[2];
    aio_communicate io;
    char out[16];
    int v;
    aio_status rc;
} nomem_sweep_t;
static aio_status nomem_sweep_main(aio_task *t) {
    nomem_sweep_t *s = AIO_SELF(t, nomem_sweep_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, s->rc, "main", 7000, AIO_SEC(1)); /* (nobody listens) */
    aio_sim_check(s->rc == AIO_ECONNREFUSED || s->rc == AIO_EIO, "a connect: refused, or out of memory");
    if (s->rc == AIO_EIO) nomem_failed[0]++; else nomem_went[0]++;
    s->v = 20;
    AIO_TO_THREAD(t, s->rc, twice, &s->v, sizeof s->v, AIO_SEC(1));
    aio_sim_check(s->rc == 41 ? s->v == 40 : s->rc == AIO_EIO && s->v == 20, "a call: run, or out of memory");
    if (s->rc == AIO_EIO) nomem_failed[1]++; else nomem_went[1]++;
    aio_sim_check(register_programs(), "the programs registered");
    s->argv[0] = "cat";
    s->argv[1] = NULL;
    s->rc = aio_process_spawn(&s->p, s->argv, &all_pipes);
    aio_sim_check(s->rc == AIO_OK || s->rc == AIO_EIO, "a spawn: a child, or out of memory");
    if (s->rc != AIO_OK) {
        nomem_failed[2]++;
    } else {
        nomem_went[2]++;
        memset(&s->io, 0, sizeof s->io);
        s->io.input = "hi";
        s->io.input_len = 2;
        s->io.out = s->out;
        s->io.out_size = sizeof s->out;
        AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
        aio_sim_check(s->rc == 0 && s->io.out_len == 2, "the child ran");
        aio_sim_check(aio_process_close(&s->p) == AIO_OK, "the child closed");
    }
    AIO_END(t);
}
static void test_fault_alloc_fails_over_seeds(void) {
    aio_sim_config c = exact();
    aio_sim_options o, again;
    int i;
    c.alloc_fails = 0.5;
    memset(nomem_failed, 0, sizeof nomem_failed);
    memset(nomem_went, 0, sizeof nomem_went);
    o = options(c, 200);
    CHECK_EQ(AIO_SIM_RUN(&o, nomem_sweep_t, nomem_sweep_main), 0);
    CHECK_STR(o.message, "");
    for (i = 0; i < 3; i++) {
        CHECK(nomem_failed[i] > 20); /* (a connect by name fails with 3 in 4, a call and a spawn with 1 in 2 or 3 in 4) */
        CHECK(nomem_went[i] > 20);
    }
    again = options(c, 200);
    CHECK_EQ(AIO_SIM_RUN(&again, nomem_sweep_t, nomem_sweep_main), 0);
    CHECK_EQ(again.digest, o.digest);
}

/* A spawn when the process is out of descriptors: each pipe to the child is
 * a pair of simulated sockets, and each of those holds a pair of the
 * system's descriptors (four a pipe; the child's exit takes one too). Room
 * for one pipe and not the next (four descriptors free), for one pipe and
 * one socket of the next (six), for three and not the exit's (twelve), or,
 * its error sent to its output, for two and not the exit's (eight): the
 * spawn fails with AIO_EIO, errno EMFILE, what it made closed again (the
 * descriptors free as before), and the state it took freed. With room
 * again, the same spawn runs. */
#ifndef _WIN32
typedef struct {
    aio_task task;
    aio_process p;
    const char *argv[2];
    aio_communicate io;
    char out[16];
    int nfill, fill[64], err, free_after, k;
    aio_status rc;
} spawn_emfile_t;
static int first_free_fd(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
    return fd;
}
static aio_status spawn_emfile_main(aio_task *t) {
    spawn_emfile_t *s = AIO_SELF(t, spawn_emfile_t);
    int i;
    AIO_BEGIN(t);
    CHECK(register_programs());
    s->argv[0] = "cat";
    s->argv[1] = NULL;
    while (s->nfill < 64 && (s->fill[s->nfill] = open("/dev/null", O_RDONLY)) >= 0) s->nfill++;
    CHECK(s->nfill >= 12 && s->nfill < 64); /* (the descriptors ran out) */
    for (s->k = 0; s->k < 4; s->k++) {
        static const int room[4] = {4, 6, 12, 8};
        static const aio_process_options err_out = {NULL, NULL, AIO_STDIO_PIPE, AIO_STDIO_PIPE, AIO_STDIO_STDOUT};
        for (i = 0; i < room[s->k]; i++) close(s->fill[--s->nfill]);
        errno = 0;
        s->rc = aio_process_spawn(&s->p, s->argv, s->k == 3 ? &err_out : &all_pipes);
        s->err = errno;
        CHECK_EQ(s->rc, AIO_EIO);
        CHECK_EQ(s->err, EMFILE);
        s->free_after = first_free_fd();
        CHECK_EQ(s->free_after, s->fill[s->nfill]); /* (what it made: free again) */
        for (i = 0; i < room[s->k]; i++) s->fill[s->nfill++] = open("/dev/null", O_RDONLY);
        CHECK(s->fill[s->nfill - 1] >= 0);
    }
    while (s->nfill) close(s->fill[--s->nfill]);
    CHECK_EQ(aio_process_spawn(&s->p, s->argv, &all_pipes), AIO_OK);
    memset(&s->io, 0, sizeof s->io);
    s->io.input = "hi";
    s->io.input_len = 2;
    s->io.out = s->out;
    s->io.out_size = sizeof s->out;
    AIO_COMMUNICATE(t, s->rc, &s->p, &s->io, AIO_NEVER);
    CHECK_EQ(s->rc, 0);
    CHECK_EQ(s->io.out_len, 2);
    CHECK_EQ(aio_process_close(&s->p), AIO_OK);
    AIO_END(t);
}
static void test_processes_out_of_descriptors(void) {
    static spawn_emfile_t m;
    struct rlimit old, low;
    int probe = first_free_fd();
    memset(&old, 0, sizeof old);
    CHECK(probe >= 0);
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)probe + 40;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    CHECK_EQ(RUN(exact(), m, spawn_emfile_main), AIO_OK);
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
}
#endif

static const test_case tests[] = {
    TEST(test_stream_basics),
    TEST(test_end_of_stream),
    TEST(test_order_under_jitter),
    TEST(test_backpressure),
    TEST(test_bandwidth),
    TEST(test_close_with_unread_resets),
    TEST(test_stream_lines),
    TEST(test_connect_failures),
    TEST(test_short_reads_and_sends),
    TEST(test_fault_reset),
    TEST(test_fault_lookup),
    TEST(test_fault_timer_full),
    TEST(test_fault_timer_full_by_hand),
    TEST(test_partition),
    TEST(test_cut_for_good),
    TEST(test_datagrams),
    TEST(test_datagram_loss),
    TEST(test_datagram_reorder),
    TEST(test_timer_late),
    TEST(test_step),
    TEST(test_pool),
    TEST(test_pool_event_set),
    TEST(test_lookup),
    TEST(test_runner_race_and_replay),
    TEST(test_runner_not_deterministic),
    TEST(test_runner_options),
    TEST(test_runner_out_of_memory),
    TEST(test_platform_table),
    TEST(test_start_checks),
    TEST(test_misuse_inside),
    TEST(test_outside),
    TEST(test_hosts_and_checks),
    TEST(test_bound_addresses),
    TEST(test_close_outside),
    TEST(test_shutdown_outside),
    TEST(test_shutdown_not_connected),
    TEST(test_server_close_clients),
    TEST(test_number_reused),
#ifndef _WIN32
    TEST(test_out_of_descriptors),
#else
    TEST(test_stranger_refused),
#endif
    TEST(test_datagram_too_large),
    TEST(test_ipv6_any),
    TEST(test_determinism),
    TEST(test_determinism_seed_alone),
    TEST(test_digest_counts_no_address),
    TEST(test_digest_counts_no_number),
    TEST(test_deadlock),
    TEST(test_more_streams),
    TEST(test_many_sockets),
#ifndef _WIN32
    TEST(test_slots_no_memory),
#endif
    TEST(test_record),
    TEST(test_corners),
    TEST(test_connecting_socket_used),
    TEST(test_call_landing_for_cancelled),
    TEST(test_digest_names),
    TEST(test_runner_corners),
    TEST(test_task_hosts),
    TEST(test_without_simulation),
    TEST(test_real_child_beside_simulation),
    TEST(test_unix_sockets_refused),
    TEST(test_processes_communicate),
    TEST(test_processes_signals),
    TEST(test_processes_child_dies),
    TEST(test_processes_runner),
    TEST(test_processes_misuse),
    TEST(test_processes_unread_input),
    TEST(test_fault_alloc_fails),
    TEST(test_fault_alloc_fails_over_seeds),
#ifndef _WIN32
    TEST(test_processes_out_of_descriptors),
#endif
};

/* TEST_SHARD=K/N in the environment: only every Nth test from the Kth (K from
 * 0), so that N processes run the suite between them side by side (make
 * test-windows); each test stands alone. */
int main(int argc, char **argv) {
    size_t i;
    unsigned long shard_k = 0, shard_n = 1;
    if (getenv("TEST_SHARD") &&
        (sscanf(getenv("TEST_SHARD"), "%lu/%lu", &shard_k, &shard_n) != 2 || shard_n == 0 || shard_k >= shard_n)) {
        printf("TEST_SHARD is K/N with K < N, not \"%s\"\n", getenv("TEST_SHARD"));
        return 2;
    }
    if (argc > 1) {
        (void)snprintf(race_trace, sizeof race_trace, "%s/sim-race-trace.txt", argv[1]);
        (void)snprintf(trace_path, sizeof trace_path, "%s/sim-trace.txt", argv[1]);
    }
    aio_set_debug_hook(capture_debug);
    for (i = shard_k; i < sizeof tests / sizeof tests[0]; i += shard_n) {
        int before = failed;
        long live = test_alloc_live();
        test_name = tests[i].name;
        last_debug[0] = '\0';
        tests[i].fn();
        check_eq_(test_alloc_live(), live, __LINE__, "the blocks of the header's allocator live after the test, before");
        if (failed == before) printf("ok %s\n", test_name);
        (void)fflush(stdout); /* (a run cut off by a time limit still shows where it was) */
    }
    printf("the header's allocator: %lu blocks given, %ld not freed\n", test_alloc_made(), test_alloc_live());
    CHECK((test_alloc_made() > 0 || shard_n > 1) && test_alloc_live() == 0); /* (a shard may allocate nothing) */
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
