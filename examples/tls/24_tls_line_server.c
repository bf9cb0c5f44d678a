/* SPDX-License-Identifier: MIT */
/* 24_tls_line_server.c - the line server of example 17 over TLS: each line
 * a client sends is answered upper-cased, through a TLS session.
 *
 *   - aio_server_listen (asyncio's start_server) runs handle() as a task of
 *     its own for each client, as in example 17, once the server has done
 *     the TLS handshake within 5 s (aio_server_set_tls: start_server's ssl=
 *     and ssl_handshake_timeout=; a failed handshake is counted, and no
 *     handler called): lines read from the connection's stream
 *     (AIO_READ_LINE, asyncio's readline()) and answered (AIO_STREAM_WRITE);
 *   - a client silent for 2 s (the read's deadline) is told so and dropped;
 *     one that reads nothing while answered, once its reply has waited 2 s
 *     to go out (the write's deadline), is dropped at once;
 *   - a line longer than 1024 bytes (AIO_ELIMIT: the streams' limit, as
 *     start_server's limit=) is answered with an error, and the rest of it
 *     skipped;
 *   - at most MAX clients at once (100; a second argument sets it): the next
 *     is told so, after its handshake, and refused, by the handler (the
 *     server has a few states more than MAX for those: aio_server_refuse
 *     would answer before the handshake, in clear);
 *   - a client that leaves, or reads nothing, is let go; one dropped as
 *     idle, or refused, gets TLS's close_notify (AIO_TLS_SHUTDOWN, within 1 s: the end a client
 *     reads as "closed"), then the server closes the socket;
 *   - SIGTERM or Ctrl-C: the server stops accepting, says goodbye to each
 *     client, gives them 1 s to leave, cancels who is left
 *     (AIO_SERVER_SHUTDOWN), and exits 0.
 *
 * The Python original is 24_tls_line_server.py (asyncio.start_server with
 * ssl=); for the same clients both print the same lines, and the lines of
 * example 17's servers. It runs on the real clock only (real sockets);
 * examples/17_line_client.py starts it, drives it over TLS and stops it:
 *     cc -std=c11 -I. examples/tls/24_tls_line_server.c -o tls_line_server -lssl -lcrypto
 *     python3 examples/17_line_client.py --ssl ca.pem ./tls_line_server 0 3 server.pem server.key
 * Run: tls_line_server PORT MAX CERT KEY    (PORT 0: any free port; the
 * certificate for localhost and its key: tests/checks/tls.sh makes them).
 * With -DAIO_TLS_MBEDTLS, linked with -lmbedtls -lmbedx509 -lmbedcrypto,
 * the same on Mbed TLS. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#if !defined(AIO_TLS_MBEDTLS)
#define AIO_TLS_OPENSSL
#endif
#include "../../aio_timeout.h" /* first: it asks for POSIX (sockets) */
#include "../example.h"
#include <ctype.h>
#include <signal.h>

enum { LIMIT = 1024, MAX_CLIENTS = 100, STATES = MAX_CLIENTS + 8 }; /* (a few more: for those being refused) */
typedef struct {
    aio_tls_conn tc;     /* the connection, its stream and its TLS session */
    int id, skipping, i; /* id: 1, 2, ... among the clients connected (tc.conn.id counts all) */
    aio_status n;
    char out[LIMIT + 1]; /* a line and its newline */
} client_t;
static client_t states[STATES];
static int clients, connected, max_clients = MAX_CLIENTS; /* clients so far: 1, 2, ... */
static aio_tls_config config;         /* the server's certificate and key, loaded once */

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    c->id = 0;
    if (connected == max_clients) { /* decided after the handshake, as asyncio's handler */
        say("a client refused: %d connected", max_clients);
        AIO_STREAM_WRITE(t, c->n, &c->tc.stream, "busy: try again later\n", 22, AIO_SEC(1));
        AIO_TLS_SHUTDOWN(t, c->n, &c->tc.tls, AIO_SEC(1));
        AIO_RETURN(t, 0);
    }
    c->id = ++clients;
    connected++;
    c->skipping = 0;
    say("client %d connected", c->id);
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->tc.stream, AIO_SEC(2)); /* wait_for(readuntil(b"\n"), 2) */
        if (c->n == AIO_ETIMEDOUT) {
            say("client %d idle for 2 s: dropped", c->id);
            AIO_STREAM_WRITE(t, c->n, &c->tc.stream, "idle for 2 s: goodbye\n", 22, AIO_SEC(1));
            AIO_TLS_SHUTDOWN(t, c->n, &c->tc.tls, AIO_SEC(1)); /* close_notify; the client's, or its close */
            break;
        }
        if (c->n == AIO_ELIMIT) { /* answered once, the rest skipped */
            if (!c->skipping) say("client %d: a line over %d bytes", c->id, LIMIT);
            if (!c->skipping) AIO_STREAM_WRITE(t, c->n, &c->tc.stream, "error: line too long\n", 21, AIO_SEC(1));
            c->skipping = 1;
            aio_stream_discard(&c->tc.stream, aio_stream_buffered(&c->tc.stream));
            continue;
        }
        if (c->n <= 0 || aio_stream_data(&c->tc.stream)[c->n - 1] != '\n') { /* the end (TLS's or not), an error */
            say("client %d left", c->id); /* (let go: no close_notify) */
            break;
        }
        if (c->skipping) { /* the end of the long line */
            c->skipping = 0;
            continue;
        }
        say("client %d: %.*s", c->id, c->n - 1, aio_stream_data(&c->tc.stream));
        for (c->i = 0; c->i < c->n; c->i++) c->out[c->i] = (char)toupper((unsigned char)aio_stream_data(&c->tc.stream)[c->i]);
        AIO_STREAM_WRITE(t, c->n, &c->tc.stream, c->out, (size_t)c->n, AIO_SEC(2)); /* write(), wait_for(drain(), 2) */
        if (c->n == AIO_ETIMEDOUT) { /* (a client that reads nothing would hold its place for good) */
            say("client %d not reading for 2 s: dropped", c->id);
            break;
        }
    }
    AIO_FINALLY(t);
    if (c->id && AIO_STATUS(t) == AIO_ECANCELED) say("client %d did not leave within 1 s", c->id);
    connected -= c->id != 0;
    AIO_END(t);
}

typedef struct { aio_task task; int port; aio_status rc; aio_event stop; aio_server server; aio_conn *c; } main_t;
static aio_status serve(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&s->server, handle, states, sizeof states[0], STATES));
    AIO_CHECK(t, aio_server_set_tls(&s->server, &config, AIO_SEC(5), LIMIT)); /* ssl=, ssl_handshake_timeout=, limit= */
    s->rc = aio_server_listen(&s->server, "127.0.0.1", s->port, 100);
    if (s->rc < 0) perror("24_tls_line_server: cannot listen on 127.0.0.1"); /* port in use */
    AIO_CHECK(t, s->rc);
    say("serving on 127.0.0.1 port %d", aio_server_port(&s->server));
    AIO_CHECK(t, aio_signal_event(SIGTERM, &s->stop)); /* add_signal_handler */
    AIO_CHECK(t, aio_signal_event(SIGINT, &s->stop));
    AIO_EVENT_WAIT(t, s->rc, &s->stop, AIO_NEVER);
    say("SIGTERM or Ctrl-C: goodbye to each client");
    aio_server_close(&s->server);
    for (s->c = aio_server_next(&s->server, NULL); s->c; s->c = aio_server_next(&s->server, s->c))
        if (AIO_CONTAINER(s->c, client_t, tc.conn)->id) /* (connected, not refused) */
            AIO_STREAM_WRITE(t, s->rc, &AIO_CONTAINER(s->c, client_t, tc.conn)->tc.stream, "server closing: goodbye\n",
                             24, AIO_SEC(1));
    AIO_SERVER_SHUTDOWN(t, s->rc, &s->server, AIO_SEC(1)); /* 1 s to leave, then cancelled */
    say("server closed");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[STATES + 4]; /* one per task waiting with a deadline */
    static main_t server;
    aio_loop loop;
    aio_status rc;
    if (argc != 5) {
        (void)fprintf(stderr, "usage: %s PORT MAX CERT KEY (the certificate for localhost, its key)\n", argv[0]);
        return 2;
    }
    server.port = (int)strtol(argv[1], NULL, 10);
    max_clients = (int)strtol(argv[2], NULL, 10);
    if (max_clients <= 0 || max_clients > MAX_CLIENTS) max_clients = MAX_CLIENTS;
    config.flags = AIO_TLS_SERVER; /* ssl.create_default_context(Purpose.CLIENT_AUTH) */
    config.cert_file = argv[3];    /* load_cert_chain(CERT, KEY) */
    config.key_file = argv[4];
    if (aio_tls_config_load(&config) < 0) {
        (void)fprintf(stderr, "24_tls_line_server: %s\n", aio_tls_config_error(&config));
        return 1;
    }
    example_loop(&loop, timers, STATES + 4, 0, NULL); /* the real clock: real sockets */
    rc = aio_run(&loop, &server.task, serve);
    rc = aio_loop_destroy(&loop) != AIO_OK || rc < 0;
    aio_tls_config_free(&config);
    return (int)rc;
}
