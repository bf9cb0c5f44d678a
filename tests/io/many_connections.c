/* SPDX-License-Identifier: MIT */
/* many_connections.c: one loop holds N TCP connections on 127.0.0.1 (2,000
 * unless told: many_connections [N]), each end a task of the loop, every
 * wait with a deadline, on the virtual clock (exact times, however slow
 * the machine or wine is):
 *   1. N clients connect at once (each within 20 s) to a listener whose
 *      acceptor spawns a handler for each connection; each client sends
 *      its number, its handler answers twice it, the client checks it;
 *   2. once every exchange is done (time T0), the even clients wait 500 ms
 *      and say "bye"; the odd ones say nothing. Each handler waits for a
 *      word with a timeout of 1 s: an even one's comes at exactly T0 +
 *      500 ms, an odd one times out at exactly T0 + 1 s; each handler then
 *      closes, and its client reads the end at that time.
 * None may be lost: every connection accepted once, every answer right,
 * every time exact. It runs on whichever readiness wait the build picks
 * (make test: epoll, poll(), the macOS/BSD path; make test-windows: AFD
 * poll and WSAPoll under wine). Exit 0 and "N passed, 0 failed" if all
 * held. POSIX: the descriptor limit is raised to fit (two a connection). */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif

#define MAX_CONNECTIONS 4000
typedef struct {
    aio_task task;
    int fd, id, answer;
    aio_status rc, n;
    aio_time heard, ended; /* (handler) the word's time; (both) the end's */
    aio_timeout word;
    char buf[32];
} end_t;
static end_t clients[MAX_CONNECTIONS], handlers[MAX_CONNECTIONS];
static int n_connections, listener, port, accepted, exchanged, failures;
static aio_event all_exchanged, go;
static aio_time t0;
static aio_task acceptor_task, main_task_;

static void fail(const char *what, int i, long got, long want) {
    if (++failures <= 20) printf("FAIL connection %d: %s: %ld, not %ld\n", i, what, got, want);
}

/* One line of text: its number, or -1 (none whole). */
static int number_of(const char *buf, aio_status n) {
    int v = 0;
    aio_status i;
    if (n <= 1 || buf[n - 1] != '\n') return -1;
    for (i = 0; i < n - 1; i++) {
        if (buf[i] < '0' || buf[i] > '9') return -1;
        v = v * 10 + (buf[i] - '0');
    }
    return v;
}

static aio_status handler(aio_task *t) {
    end_t *h = AIO_CONTAINER(t, end_t, task);
    AIO_BEGIN(t);
    AIO_RECV(t, h->n, h->fd, h->buf, sizeof h->buf, AIO_SEC(20)); /* the client's number */
    h->id = number_of(h->buf, h->n);
    if (h->id < 0 || h->id >= n_connections) {
        fail("a handler read no number", (int)(h - handlers), (long)h->n, 0);
        AIO_RETURN(t, AIO_EIO);
    }
    h->n = snprintf(h->buf, sizeof h->buf, "%d\n", 2 * h->id);
    AIO_SEND_ALL(t, h->rc, h->fd, h->buf, (size_t)h->n, AIO_SEC(20));
    if (h->rc < 0) fail("a handler's answer", h->id, (long)h->rc, 0);
    AIO_EVENT_WAIT(t, h->rc, &go, AIO_SEC(60));
    AIO_TIMEOUT(t, &h->word, AIO_SEC(1)) {
        AIO_RECV(t, h->n, h->fd, h->buf, sizeof h->buf, AIO_NEVER);
        h->heard = aio_now();
    }
    h->ended = aio_now();
    if (h->id % 2 == 0) {
        if (aio_timeout_status(&h->word) != AIO_OK || h->n != 4 || memcmp(h->buf, "bye\n", 4) != 0)
            fail("an even handler did not hear bye", h->id, (long)h->n, 4);
        else if (h->heard - t0 != AIO_MS(500))
            fail("an even handler heard bye at (ms after T0)", h->id, (long)((h->heard - t0) / AIO_MS(1)), 500);
    } else {
        if (aio_timeout_status(&h->word) != AIO_ETIMEDOUT)
            fail("an odd handler's word did not time out", h->id, (long)aio_timeout_status(&h->word), AIO_ETIMEDOUT);
        else if (h->ended - t0 != AIO_SEC(1))
            fail("an odd handler timed out at (ms after T0)", h->id, (long)((h->ended - t0) / AIO_MS(1)), 1000);
    }
    AIO_FINALLY(t);
    if (h->fd > 0) (void)aio_close(h->fd);
    AIO_END(t);
}

static aio_status acceptor(aio_task *t) {
    static aio_status fd;
    AIO_BEGIN(t);
    while (accepted < n_connections) {
        AIO_ACCEPT(t, fd, listener, AIO_SEC(30));
        if (fd < 0) {
            fail("an accept", accepted, (long)fd, 0);
            AIO_RETURN(t, fd);
        }
        handlers[accepted].fd = fd;
        AIO_CHECK(t, aio_spawn(&handlers[accepted].task, handler));
        accepted++;
    }
    AIO_END(t);
}

static aio_status client(aio_task *t) {
    end_t *c = AIO_CONTAINER(t, end_t, task);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, c->fd, "127.0.0.1", port, AIO_SEC(20));
    if (c->fd < 0) {
        fail("a connect", c->id, (long)c->fd, 0);
        AIO_RETURN(t, c->fd);
    }
    c->n = snprintf(c->buf, sizeof c->buf, "%d\n", c->id);
    AIO_SEND_ALL(t, c->rc, c->fd, c->buf, (size_t)c->n, AIO_SEC(20));
    AIO_RECV(t, c->n, c->fd, c->buf, sizeof c->buf, AIO_SEC(20));
    c->answer = number_of(c->buf, c->n);
    if (c->answer != 2 * c->id) fail("a client's answer", c->id, (long)c->answer, 2L * c->id);
    if (++exchanged == n_connections) aio_event_set(&all_exchanged);
    AIO_EVENT_WAIT(t, c->rc, &go, AIO_SEC(60));
    if (c->id % 2 == 0) {
        AIO_SLEEP(t, AIO_MS(500));
        AIO_SEND_ALL(t, c->rc, c->fd, "bye\n", 4, AIO_SEC(20));
    }
    AIO_RECV(t, c->n, c->fd, c->buf, sizeof c->buf, AIO_SEC(20)); /* the end */
    c->ended = aio_now();
    if (c->n != 0) fail("a client did not read the end", c->id, (long)c->n, 0);
    else if (c->ended - t0 != (c->id % 2 == 0 ? AIO_MS(500) : AIO_SEC(1)))
        fail("a client read the end at (ms after T0)", c->id, (long)((c->ended - t0) / AIO_MS(1)),
             c->id % 2 == 0 ? 500 : 1000);
    AIO_FINALLY(t);
    if (c->fd > 0) (void)aio_close(c->fd);
    AIO_END(t);
}

static aio_status main_task(aio_task *t) {
    static int i;
    static aio_status rc;
    AIO_BEGIN(t);
    AIO_CHECK(t, listener = aio_tcp_listen("127.0.0.1", 0, 4096));
    port = aio_socket_port(listener);
    AIO_CHECK(t, aio_spawn(&acceptor_task, acceptor));
    for (i = 0; i < n_connections; i++) {
        clients[i].id = i;
        AIO_CHECK(t, aio_spawn(&clients[i].task, client));
    }
    AIO_EVENT_WAIT(t, rc, &all_exchanged, AIO_SEC(60));
    if (rc < 0) fail("the exchanges did not all end", exchanged, (long)rc, 0);
    t0 = aio_now();
    printf("%d connections, %d accepted, every exchange done at %.3f s (virtual)\n", n_connections, accepted,
           aio_to_seconds(t0));
    aio_event_set(&go);
    AIO_AWAIT(t, rc, &acceptor_task);
    for (i = 0; i < n_connections; i++) AIO_AWAIT(t, rc, &clients[i].task);
    for (i = 0; i < accepted; i++) AIO_AWAIT(t, rc, &handlers[i].task);
    printf("all ended at T0 + %.3f s\n", aio_to_seconds(aio_now() - t0));
    if (aio_now() - t0 != AIO_SEC(1)) fail("the last end (ms after T0)", -1, (long)((aio_now() - t0) / AIO_MS(1)), 1000);
    AIO_FINALLY(t);
    if (listener > 0) (void)aio_close(listener);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[3 * MAX_CONNECTIONS + 16];
    aio_loop loop;
    aio_status rc;
    n_connections = argc > 1 ? atoi(argv[1]) : 2000;
    if (n_connections < 2 || n_connections > MAX_CONNECTIONS) {
        printf("many_connections [N]: N from 2 to %d\n", MAX_CONNECTIONS);
        return 2;
    }
#ifndef _WIN32
    {
        struct rlimit lim;
        rlim_t need = (rlim_t)(2 * n_connections + 64);
        if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < need) {
            lim.rlim_cur = lim.rlim_max < need ? lim.rlim_max : need;
            (void)setrlimit(RLIMIT_NOFILE, &lim);
            if (lim.rlim_cur < need) {
                printf("the descriptor limit is %lu: not enough for %d connections\n", (unsigned long)lim.rlim_cur,
                       n_connections);
                return 2;
            }
        }
    }
#endif
    aio_loop_init(&loop, timers, sizeof timers / sizeof timers[0]);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &main_task_, main_task);
    if (rc != AIO_OK) fail("the main task", -1, (long)rc, 0);
    if (accepted != n_connections) fail("connections accepted", -1, accepted, n_connections);
    (void)aio_loop_destroy(&loop);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures != 0;
}
