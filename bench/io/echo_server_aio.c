/* SPDX-License-Identifier: MIT */
/* bench/io/echo_server_aio.c - echo_aio.c's server on aio_server (the header's
 * server in one call, asyncio's start_server) instead of its own accept loop:
 * the same client task, the same pooled 4096-byte buffer held only while a
 * request is echoed, the same 60 s idle deadline. The server allocates each
 * connection's state at its first use and keeps it for the next connection
 * (states NULL), at most SERVER_LIMIT connections at once; it closes each
 * socket when its handler ends. Beside echo_aio.c in `make bench-io`, it
 * measures what the helper costs.
 *
 *     echo_server_aio PORT [HOST]    listens on HOST (127.0.0.1) with a backlog of 1024
 *
 * Single-threaded; prints nothing but errors. */
#define _POSIX_C_SOURCE 200809L
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_READ_SIZE 4096
#define ECHO_BACKLOG 1024
#define ECHO_IDLE AIO_SEC(60) /* a client silent this long is closed */
#define SERVER_LIMIT 65536u

typedef union buffer {
    union buffer *next; /* on the free list */
    char data[ECHO_READ_SIZE];
} buffer;

static buffer *free_buffers;

static buffer *buffer_get(void) {
    buffer *b = free_buffers;
    if (b) {
        free_buffers = b->next;
        return b;
    }
    return (buffer *)malloc(sizeof(buffer));
}

static void buffer_put(buffer *b) {
    b->next = free_buffers;
    free_buffers = b;
}

typedef struct {
    aio_conn conn;
    buffer *buf; /* only while a request is echoed */
    int n;       /* what the last await gave */
} client;

static int quiet(int status) {
    return status == AIO_ETIMEDOUT || status == AIO_ECONNRESET || status == AIO_ECLOSED ||
           status == AIO_ECANCELED;
}

static aio_status client_main(aio_task *t) {
    client *c = AIO_CONN_SELF(t, client);
    AIO_BEGIN(t);
    c->buf = NULL;
    for (;;) {
        AIO_WAIT_READABLE(t, c->n, c->conn.fd, ECHO_IDLE);
        if (c->n < 0) break;
        c->buf = buffer_get();
        if (!c->buf) {
            fprintf(stderr, "echo_server_aio: out of memory\n");
            break;
        }
        AIO_RECV(t, c->n, c->conn.fd, c->buf->data, sizeof c->buf->data, ECHO_IDLE);
        if (c->n <= 0) break; /* 0: the client closed the connection */
        AIO_SEND_ALL(t, c->n, c->conn.fd, c->buf->data, (size_t)c->n, ECHO_IDLE);
        buffer_put(c->buf);
        c->buf = NULL;
        if (c->n < 0) break;
    }
    AIO_FINALLY(t);
    if (c->n < 0 && !quiet(c->n)) fprintf(stderr, "echo_server_aio: client: %s\n", aio_strerror(c->n));
    if (c->buf) buffer_put(c->buf);
    c->buf = NULL;
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
    m->rc = aio_server_listen(&m->server, m->host, m->port, ECHO_BACKLOG);
    if (m->rc < 0) fprintf(stderr, "echo_server_aio: listen on %s:%d: %s\n", m->host, m->port, aio_strerror(m->rc));
    AIO_CHECK(t, m->rc);
    AIO_SERVER_WAIT_CLOSED(t, m->rc, &m->server, AIO_NEVER); /* (it serves until killed) */
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    aio_loop loop;
    aio_status rc;
    if (argc < 2) {
        fprintf(stderr, "usage: echo_server_aio PORT [HOST]\n");
        return 1;
    }
    m.port = atoi(argv[1]);
    m.host = argc > 2 ? argv[2] : "127.0.0.1";
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    rc = aio_run(&loop, &m.task, serve);
    if (rc < 0) fprintf(stderr, "echo_server_aio: %s\n", aio_strerror(rc));
    return 1; /* the server never ends by itself */
}
