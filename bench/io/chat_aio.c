/* SPDX-License-Identifier: MIT */
/* bench/io/chat_aio.c - the chat server of examples/25_chat_server.c, alone
 * and silent, for the fan-out rows of `make bench-io` (bench/io/fanout_run.py):
 * a client's first line is its name; each later line goes to every other
 * client with a name as "name: line", written whole with
 * aio_stream_writelines (the name, ": " and the line) to each member's
 * stream, which the library sends at the turn's end; a member that cannot
 * take more (more than 16 MiB unsent) is dropped. Streams grow from 256
 * bytes to 64 KiB, asyncio's readline() limit. The asyncio original is
 * bench/io/chat_asyncio.py.
 *
 *     chat_aio PORT [HOST]    listens on HOST (127.0.0.1)
 *
 * Single-threaded; prints nothing but errors. */
#define _POSIX_C_SOURCE 200809L
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIMIT = 64 * 1024, NAME = 16, CLIENTS = 4096 };
#define BEHIND ((size_t)16 << 20) /* a member's unsent bytes at most */

typedef struct {
    aio_conn conn;
    aio_stream in;
    char name[NAME];
    aio_status n;
} client_t;
static aio_server server;

static void broadcast(const client_t *from, const char *a, const char *b, const char *data, size_t len) {
    aio_piece message[3] = {{a, strlen(a)}, {b, strlen(b)}, {data, len}};
    aio_conn *c;
    for (c = aio_server_next(&server, NULL); c; c = aio_server_next(&server, c)) {
        client_t *to = AIO_CONTAINER(c, client_t, conn);
        if (to == from || !to->name[0] || aio_stream_writelines(&to->in, message, 3) == AIO_OK) continue;
        aio_conn_abort(c);
    }
}

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    c->name[0] = '\0';
    AIO_CHECK(t, aio_stream_init_growing(&c->in, c->conn.fd, 256, LIMIT));
    AIO_CHECK(t, aio_stream_set_write_limits(&c->in, LIMIT, LIMIT / 4, BEHIND));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_NEVER);
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') break;
        if (!c->name[0]) {
            snprintf(c->name, sizeof c->name, "%.*s", (int)c->n - 1, aio_stream_data(&c->in));
            broadcast(c, "* ", c->name, " joined\n", 8);
        } else {
            broadcast(c, c->name, ": ", aio_stream_data(&c->in), (size_t)c->n);
        }
    }
    AIO_FINALLY(t);
    if (c->name[0]) broadcast(c, "* ", c->name, " left\n", 6);
    aio_stream_free(&c->in);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    const char *host;
    int port;
    aio_status rc;
} main_t;

static aio_status serve(aio_task *t) {
    main_t *m = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&server, handle, NULL, sizeof(client_t), CLIENTS));
    m->rc = aio_server_listen(&server, m->host, m->port, 1024);
    if (m->rc < 0) fprintf(stderr, "chat_aio: listen on %s:%d: %s\n", m->host, m->port, aio_strerror(m->rc));
    AIO_CHECK(t, m->rc);
    AIO_SERVER_WAIT_CLOSED(t, m->rc, &server, AIO_NEVER); /* (it serves until killed) */
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    aio_loop loop;
    aio_status rc;
    if (argc < 2) {
        fprintf(stderr, "usage: chat_aio PORT [HOST]\n");
        return 1;
    }
    m.port = atoi(argv[1]);
    m.host = argc > 2 ? argv[2] : "127.0.0.1";
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    rc = aio_run(&loop, &m.task, serve);
    if (rc < 0) fprintf(stderr, "chat_aio: %s\n", aio_strerror(rc));
    return 1; /* the server never ends by itself */
}
