/* SPDX-License-Identifier: MIT */
/* bench/io/lines_server_aio.c - lines_aio.c's line server on aio_server (the
 * header's server in one call, asyncio's start_server) instead of its own
 * accept loop: the same client task (AIO_READ_LINE on a 4096-byte stream
 * buffer in the client's state, the line upper-cased where it lies, sent
 * back; 60 s idle deadline). The server allocates each connection's state
 * at its first use and keeps it for the next connection (states NULL), at
 * most SERVER_LIMIT connections at once; it closes each socket when its
 * handler ends. Beside lines_aio.c in `make bench-io`, it measures what the
 * helper costs.
 *
 *     lines_server_aio PORT [HOST]    listens on HOST (127.0.0.1) with a backlog of 1024
 *
 * Single-threaded; prints nothing but errors. */
#define _POSIX_C_SOURCE 200809L
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_BUFFER_SIZE 4096
#define LINE_BACKLOG 1024
#define LINE_IDLE AIO_SEC(60) /* a client silent this long is closed */
#define SERVER_LIMIT 65536u

typedef struct {
    aio_conn conn;
    aio_stream in;
    aio_status n; /* what the last await gave */
    char buf[LINE_BUFFER_SIZE];
} client;

static int quiet(aio_status status) {
    return status == AIO_ETIMEDOUT || status == AIO_ECONNRESET || status == AIO_ECLOSED ||
           status == AIO_ECANCELED;
}

/* The line the last read gave, upper-cased where it lies. */
static void upper_case_line(client *c) {
    char *line = c->buf + (aio_stream_data(&c->in) - c->buf);
    aio_status i;
    for (i = 0; i < c->n; i++) line[i] = (char)toupper((unsigned char)line[i]);
}

static aio_status client_main(aio_task *t) {
    client *c = AIO_CONN_SELF(t, client);
    AIO_BEGIN(t);
    c->n = 0;
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, LINE_IDLE);
        if (c->n == AIO_ELIMIT) {
            fprintf(stderr, "lines_server_aio: a line longer than %d bytes: the client is closed\n", LINE_BUFFER_SIZE);
            break;
        }
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') break;
        upper_case_line(c);
        AIO_SEND_ALL(t, c->n, c->conn.fd, aio_stream_data(&c->in), (size_t)c->n, LINE_IDLE);
        if (c->n < 0) break;
    }
    AIO_FINALLY(t);
    if (c->n < 0 && !quiet(c->n)) fprintf(stderr, "lines_server_aio: client: %s\n", aio_strerror(c->n));
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_server server;
    const char *host;
    int port;
    aio_status rc;
} main_t;

static aio_status serve(aio_task *t) {
    main_t *m = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&m->server, client_main, NULL, sizeof(client), SERVER_LIMIT));
    m->rc = aio_server_listen(&m->server, m->host, m->port, LINE_BACKLOG);
    if (m->rc < 0) fprintf(stderr, "lines_server_aio: listen on %s:%d: %s\n", m->host, m->port, aio_strerror(m->rc));
    AIO_CHECK(t, m->rc);
    AIO_SERVER_WAIT_CLOSED(t, m->rc, &m->server, AIO_NEVER); /* (it serves until killed) */
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    aio_loop loop;
    aio_status rc;
    if (argc < 2) {
        fprintf(stderr, "usage: lines_server_aio PORT [HOST]\n");
        return 1;
    }
    m.port = atoi(argv[1]);
    m.host = argc > 2 ? argv[2] : "127.0.0.1";
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    rc = aio_run(&loop, &m.task, serve);
    if (rc < 0) fprintf(stderr, "lines_server_aio: %s\n", aio_strerror(rc));
    return 1; /* the server never ends by itself */
}
