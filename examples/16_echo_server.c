/* SPDX-License-Identifier: MIT */
/* 16_echo_server.c - a TCP echo server: one task per client (aio_server,
 * asyncio's start_server), idle clients dropped after 2 s, SIGTERM closes
 * every connection.
 *
 *   - aio_server_listen accepts the connections and runs handle() as a task
 *     of its own for each, over a state from a fixed array (at most 64 at
 *     once); the server closes each socket when its handler ends;
 *   - each handler echoes what it receives; a receive that waits more than
 *     2 s (AIO_RECV's deadline) drops the idle client, and so does an echo
 *     that waits 2 s to go out (a client that reads nothing); its
 *     AIO_FINALLY says so, however the connection ended;
 *   - SIGTERM or Ctrl-C (SIGINT) sets an event (aio_signal_event,
 *     loop.add_signal_handler; on Windows the console's Ctrl-C and close):
 *     the server stops accepting and cancels every connection
 *     (AIO_SERVER_SHUTDOWN with no grace), each runs its cleanup, and the
 *     program exits 0.
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
typedef struct { aio_conn conn; int n; char buf[1024]; } client_t;
static client_t clients[MAX_CLIENTS];

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    say("client %u connected", c->conn.id);
    for (;;) {
        AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(2)); /* wait_for(read(), 2) */
        if (c->n <= 0) { /* the end of the stream (or an error), or 2 s of silence */
            say(c->n == AIO_ETIMEDOUT ? "client %u idle for 2 s: dropped" : "client %u left", c->conn.id);
            break;
        }
        say("client %u: %.*s", c->conn.id, c->n, c->buf);
        AIO_SEND_ALL(t, c->n, c->conn.fd, c->buf, (size_t)c->n, AIO_SEC(2)); /* write(), wait_for(drain(), 2) */
        if (c->n == AIO_ETIMEDOUT) say("client %u not reading for 2 s: dropped", c->conn.id);
        if (c->n < 0) break;
    }
    AIO_FINALLY(t); /* however it ended, SIGTERM's cancellation included */
    say("client %u closed", c->conn.id);
    AIO_END(t);
}

typedef struct { aio_task task; int port; aio_status rc; aio_event sigterm; aio_server server; } main_t;
static aio_status serve(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&s->server, handle, clients, sizeof clients[0], MAX_CLIENTS));
    s->rc = aio_server_listen(&s->server, "127.0.0.1", s->port, 100);
    if (s->rc < 0) perror("16_echo_server: cannot listen on 127.0.0.1"); /* port in use */
    AIO_CHECK(t, s->rc);
    say("serving on 127.0.0.1 port %d", aio_server_port(&s->server));
    AIO_CHECK(t, aio_signal_event(SIGTERM, &s->sigterm)); /* add_signal_handler */
    AIO_CHECK(t, aio_signal_event(SIGINT, &s->sigterm));  /* Ctrl-C: on Windows too */
    AIO_EVENT_WAIT(t, s->rc, &s->sigterm, AIO_NEVER);
    say("SIGTERM or Ctrl-C: closing the server");
    AIO_SERVER_SHUTDOWN(t, s->rc, &s->server, 0); /* close, cancel every handler, wait */
    say("server closed");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[MAX_CLIENTS + 2]; /* one per task waiting with a deadline */
    static main_t server;
    aio_loop loop;
    aio_status rc;
    server.port = argc > 1 ? atoi(argv[1]) : 8888;
    example_loop(&loop, timers, MAX_CLIENTS + 2, 0, NULL); /* the real clock: real sockets */
    rc = aio_run(&loop, &server.task, serve);
    return aio_loop_destroy(&loop) != AIO_OK || rc < 0;
}
