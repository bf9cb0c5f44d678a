/* SPDX-License-Identifier: MIT */
/* 17_line_server.c - a line-protocol server on the library's streams: each
 * line a client sends is answered upper-cased.
 *
 *   - aio_server_listen (asyncio's start_server) runs handle() as a task of
 *     its own for each client, which reads lines from an aio_stream
 *     (AIO_READ_LINE, asyncio's readline());
 *   - a client silent for 2 s (the read's deadline) is told so and dropped;
 *     one that reads nothing while answered, once its reply has waited 2 s
 *     to go out (the write's deadline), is dropped at once;
 *   - a line longer than 1024 bytes (AIO_ELIMIT: the buffer holds 1024 and a
 *     newline) is answered with an error, and the rest of it skipped;
 *   - at most MAX clients at once (100; a second argument sets it): the
 *     server tells the next one so and closes it (aio_server_refuse);
 *   - SIGTERM or Ctrl-C: the server stops accepting, says goodbye to each
 *     client, gives them 1 s to leave, cancels who is left
 *     (AIO_SERVER_SHUTDOWN), and exits 0.
 *
 * The Python original is 17_line_server.py; for the same clients both print
 * the same lines. It runs on the real clock only (real sockets);
 * examples/17_line_client.py starts it, drives it and stops it:
 *     python3 examples/17_line_client.py build/examples/17_line_server 0 3
 * Run: 17_line_server [PORT [MAX]]     (PORT 0: any free port) */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include "example.h"
#include <ctype.h>
#include <signal.h>

enum { LIMIT = 1024, MAX_CLIENTS = 100 }; /* the longest line, without its newline */
typedef struct {
    aio_conn conn;
    int skipping, i;
    aio_status n;
    aio_stream in;
    char buf[LIMIT + 1], out[LIMIT + 1]; /* a line and its newline */
} client_t;
static client_t clients[MAX_CLIENTS];

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    say("client %u connected", c->conn.id);
    c->skipping = 0;
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(2)); /* wait_for(readuntil(b"\n"), 2) */
        if (c->n == AIO_ETIMEDOUT) {
            say("client %u idle for 2 s: dropped", c->conn.id);
            AIO_STREAM_WRITE(t, c->n, &c->in, "idle for 2 s: goodbye\n", 22, AIO_SEC(1));
            break;
        }
        if (c->n == AIO_ELIMIT) { /* answered once, the rest skipped */
            if (!c->skipping) say("client %u: a line over %d bytes", c->conn.id, LIMIT);
            if (!c->skipping) AIO_STREAM_WRITE(t, c->n, &c->in, "error: line too long\n", 21, AIO_SEC(1));
            c->skipping = 1;
            aio_stream_discard(&c->in, sizeof c->buf);
            continue;
        }
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') { /* the end, or an error */
            say("client %u left", c->conn.id);
            break;
        }
        if (c->skipping) { /* the end of the long line */
            c->skipping = 0;
            continue;
        }
        say("client %u: %.*s", c->conn.id, c->n - 1, aio_stream_data(&c->in));
        for (c->i = 0; c->i < c->n; c->i++) c->out[c->i] = (char)toupper((unsigned char)aio_stream_data(&c->in)[c->i]);
        AIO_STREAM_WRITE(t, c->n, &c->in, c->out, (size_t)c->n, AIO_SEC(2)); /* write(), wait_for(drain(), 2) */
        if (c->n == AIO_ETIMEDOUT) { /* (a client that reads nothing would hold its place for good) */
            say("client %u not reading for 2 s: dropped", c->conn.id);
            break;
        }
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("client %u did not leave within 1 s", c->conn.id);
    AIO_END(t);
}

static void refused(aio_server *server) { say("a client refused: %u connected", server->live); }

typedef struct { aio_task task; int port, max; aio_status rc; aio_event stop; aio_server server; aio_conn *c; } main_t;
static aio_status serve(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&s->server, handle, clients, sizeof clients[0], (uint32_t)s->max));
    aio_server_refuse(&s->server, "busy: try again later\n", refused);
    s->rc = aio_server_listen(&s->server, "127.0.0.1", s->port, 100);
    if (s->rc < 0) perror("17_line_server: cannot listen on 127.0.0.1"); /* port in use */
    AIO_CHECK(t, s->rc);
    say("serving on 127.0.0.1 port %d", aio_server_port(&s->server));
    AIO_CHECK(t, aio_signal_event(SIGTERM, &s->stop)); /* add_signal_handler */
    AIO_CHECK(t, aio_signal_event(SIGINT, &s->stop));
    AIO_EVENT_WAIT(t, s->rc, &s->stop, AIO_NEVER);
    say("SIGTERM or Ctrl-C: goodbye to each client");
    aio_server_close(&s->server);
    for (s->c = aio_server_next(&s->server, NULL); s->c; s->c = aio_server_next(&s->server, s->c))
        AIO_STREAM_WRITE(t, s->rc, &AIO_CONTAINER(s->c, client_t, conn)->in, "server closing: goodbye\n", 24, AIO_SEC(1));
    AIO_SERVER_SHUTDOWN(t, s->rc, &s->server, AIO_SEC(1)); /* 1 s to leave, then cancelled */
    say("server closed");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[MAX_CLIENTS + 4]; /* one per task waiting with a deadline */
    static main_t server;
    aio_loop loop;
    aio_status rc;
    server.port = argc > 1 ? atoi(argv[1]) : 8888;
    server.max = argc > 2 && atoi(argv[2]) > 0 && atoi(argv[2]) <= MAX_CLIENTS ? atoi(argv[2]) : MAX_CLIENTS;
    example_loop(&loop, timers, MAX_CLIENTS + 4, 0, NULL); /* the real clock: real sockets */
    rc = aio_run(&loop, &server.task, serve);
    return aio_loop_destroy(&loop) != AIO_OK || rc < 0;
}
