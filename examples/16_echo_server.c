/* SPDX-License-Identifier: MIT */
/* 16_echo_server.c - a TCP echo server: one task per client in a task group,
 * idle clients dropped after 2 s, SIGTERM closes every connection.
 *
 *   - the server's body accepts connections (AIO_ACCEPT) and spawns a child
 *     of its AIO_GROUP for each, from a fixed pool of connection states (a
 *     state whose task is not alive is free);
 *   - each child echoes what it receives; a receive that waits more than 2 s
 *     (AIO_RECV's deadline) drops the idle client; its AIO_FINALLY closes the
 *     socket and says so, however the connection ended;
 *   - SIGTERM or Ctrl-C (SIGINT) sets an event (aio_signal_event,
 *     loop.add_signal_handler; on Windows the console's Ctrl-C and close); a
 *     child waiting on it cancels the group: every connection runs its
 *     cleanup, then the listening socket is closed and the program exits 0.
 *
 * The Python original is 16_echo_server.py; for the same clients both print
 * the same lines. It runs on the real clock only (real sockets);
 * examples/16_echo_client.py starts it, drives it and sends it SIGTERM:
 *     python3 examples/16_echo_client.py build/examples/16_echo_server 0
 * Run: 16_echo_server [PORT]     (default 8888; 0: any free port) */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include "example.h"
#include <signal.h>

enum { MAX_CLIENTS = 64 };
typedef struct { aio_task task; int fd, id, n; char buf[1024]; } conn_t;
static conn_t conns[MAX_CLIENTS]; /* a free one: its task is not alive */
static int clients;               /* connections so far: client 1, 2, ... */

static aio_status handle(aio_task *t) {
    conn_t *c = AIO_SELF(t, conn_t);
    AIO_BEGIN(t);
    c->id = ++clients;
    say("client %d connected", c->id);
    for (;;) {
        AIO_RECV(t, c->n, c->fd, c->buf, sizeof c->buf, AIO_SEC(2)); /* wait_for(read(), 2) */
        if (c->n <= 0) { /* the end of the stream (or an error), or 2 s of silence */
            say(c->n == AIO_ETIMEDOUT ? "client %d idle for 2 s: dropped" : "client %d left", c->id);
            break;
        }
        say("client %d: %.*s", c->id, c->n, c->buf);
        AIO_SEND_ALL(t, c->n, c->fd, c->buf, (size_t)c->n, AIO_NEVER); /* write(), drain() */
        if (c->n < 0) break;
    }
    AIO_FINALLY(t); /* however it ended, SIGTERM's cancellation included */
    aio_close(c->fd);
    say("client %d closed", c->id);
    AIO_END(t);
}

typedef struct { aio_task task; aio_event sigterm; aio_group *group; aio_status rc; } stop_t;
static aio_status stop_on_sigterm(aio_task *t) {
    stop_t *s = AIO_SELF(t, stop_t);
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, s->rc, &s->sigterm, AIO_NEVER);
    say("SIGTERM or Ctrl-C: closing the server");
    aio_group_cancel(s->group);
    AIO_END(t);
}

typedef struct { aio_task task; int port, listener, fd, i; aio_group group; stop_t stop; } server_t;
static aio_status serve(aio_task *t) {
    server_t *s = AIO_SELF(t, server_t);
    AIO_BEGIN(t);
    s->listener = aio_tcp_listen("127.0.0.1", s->port, 100);
    if (s->listener < 0) perror("16_echo_server: cannot listen on 127.0.0.1"); /* port in use */
    AIO_CHECK(t, s->listener);
    say("serving on 127.0.0.1 port %d", aio_socket_port(s->listener));
    AIO_CHECK(t, aio_signal_event(SIGTERM, &s->stop.sigterm)); /* add_signal_handler */
    AIO_CHECK(t, aio_signal_event(SIGINT, &s->stop.sigterm));  /* Ctrl-C: on Windows too */
    AIO_GROUP(t, &s->group) {
        s->stop.group = &s->group;
        AIO_CHECK(t, aio_group_spawn(&s->group, &s->stop.task, stop_on_sigterm));
        for (;;) {
            AIO_ACCEPT(t, s->fd, s->listener, AIO_NEVER);
            for (s->i = 0; s->i < MAX_CLIENTS && aio_task_alive(&conns[s->i].task); s->i++) {}
            if (s->fd < 0 || s->i == MAX_CLIENTS) { /* out of descriptors, or of states: */
                if (s->fd >= 0) aio_close(s->fd);     /* hang up, accept again in 1 s */
                AIO_SLEEP(t, AIO_SEC(1));
                continue;
            }
            conns[s->i].fd = s->fd;
            AIO_CHECK(t, aio_group_spawn(&s->group, &conns[s->i].task, handle));
        }
    }
    aio_close(s->listener);
    say("server closed");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[MAX_CLIENTS + 2]; /* one per task waiting with a deadline */
    static server_t server;
    aio_loop loop;
    aio_status rc;
    server.port = argc > 1 ? atoi(argv[1]) : 8888;
    example_loop(&loop, timers, MAX_CLIENTS + 2, 0, NULL); /* the real clock: real sockets */
    rc = aio_run(&loop, &server.task, serve);
    return aio_loop_destroy(&loop) != AIO_OK || rc < 0;
}
