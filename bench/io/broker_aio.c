/* SPDX-License-Identifier: MIT */
/* bench/io/broker_aio.c - the broker of examples/26_pubsub_broker.c, alone
 * and silent, for the fan-out rows of `make bench-io` (bench/io/fanout_run.py):
 * a client's first line is its name; then "SUB topic" subscribes it to a
 * topic, and "PUB topic text" sends "topic text" to each subscriber of it
 * (aio_stream_write: never waiting; a subscriber over its high-water mark
 * and not back at its low one within 1 s is dropped, as is one whose
 * message its bound (32 MiB) cannot keep). As in the example, the handler
 * yields once the lines it received are handled. The asyncio original is bench/io/broker_asyncio.py.
 *
 *     broker_aio PORT [HOST]    listens on HOST (127.0.0.1)
 *
 * Single-threaded; prints nothing but errors. */
#define _POSIX_C_SOURCE 200809L
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HIGH = 64 * 1024, LIMIT = 64 * 1024, CLIENTS = 4096, TOPICS = 4, NAME = 16 };
#define BEHIND ((size_t)32 << 20)

typedef struct {
    aio_conn conn;
    aio_task watch;
    aio_stream in;
    aio_status n, rc;
    char name[NAME], topics[TOPICS][NAME];
} client_t;
static aio_server server;

static int about(const char *line, const char *topic) {
    size_t n = strlen(topic);
    return n && !strncmp(line, topic, n) && (line[n] == ' ' || line[n] == '\n');
}

static aio_status drop_if_slow(aio_task *t) {
    client_t *c = AIO_CONTAINER(t, client_t, watch);
    AIO_BEGIN(t);
    AIO_DRAIN(t, c->rc, &c->in, AIO_SEC(1));
    if (c->rc == AIO_ETIMEDOUT) aio_conn_abort(&c->conn);
    AIO_END(t);
}

static void publish(const char *message, size_t len) {
    aio_conn *s;
    for (s = aio_server_next(&server, NULL); s; s = aio_server_next(&server, s)) {
        client_t *to = AIO_CONTAINER(s, client_t, conn);
        size_t before = aio_stream_write_buffered(&to->in);
        int k;
        for (k = 0; k < TOPICS && !about(message, to->topics[k]); k++) continue;
        if (k == TOPICS) continue;
        if (aio_stream_write(&to->in, message, len) != AIO_OK) {
            aio_conn_abort(s);
            continue;
        }
        if (before <= HIGH && aio_stream_write_buffered(&to->in) > HIGH && !aio_task_alive(&to->watch))
            aio_spawn(&to->watch, drop_if_slow);
    }
}

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    const char *line;
    int k;
    AIO_BEGIN(t);
    memset(c->topics, 0, sizeof c->topics);
    AIO_CHECK(t, aio_stream_init_growing(&c->in, c->conn.fd, 256, LIMIT));
    AIO_CHECK(t, aio_stream_set_write_limits(&c->in, HIGH, HIGH / 4, BEHIND));
    AIO_READ_LINE(t, c->n, &c->in, AIO_NEVER);
    snprintf(c->name, sizeof c->name, "%.*s", c->n > 0 ? (int)c->n - 1 : 0, aio_stream_data(&c->in));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_NEVER);
        if (c->n <= 4) break;
        line = aio_stream_data(&c->in);
        for (k = 0; k < TOPICS && !strncmp(line, "SUB ", 4); k++) {
            if (c->topics[k][0]) continue;
            snprintf(c->topics[k], NAME, "%.*s", (int)c->n - 5, line + 4);
            break;
        }
        if (!strncmp(line, "PUB ", 4)) publish(line + 4, (size_t)c->n - 4);
        if (!aio_stream_buffered(&c->in) || !memchr(aio_stream_peek(&c->in), '\n', aio_stream_buffered(&c->in)))
            AIO_YIELD(t); /* (the readers' turn once the lines received are handled: asyncio's between receives) */
    }
    AIO_FINALLY(t);
    if (aio_task_alive(&c->watch)) aio_cancel(&c->watch);
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
    if (m->rc < 0) fprintf(stderr, "broker_aio: listen on %s:%d: %s\n", m->host, m->port, aio_strerror(m->rc));
    AIO_CHECK(t, m->rc);
    AIO_SERVER_WAIT_CLOSED(t, m->rc, &server, AIO_NEVER); /* (it serves until killed) */
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    aio_loop loop;
    aio_status rc;
    if (argc < 2) {
        fprintf(stderr, "usage: broker_aio PORT [HOST]\n");
        return 1;
    }
    m.port = atoi(argv[1]);
    m.host = argc > 2 ? argv[2] : "127.0.0.1";
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    rc = aio_run(&loop, &m.task, serve);
    if (rc < 0) fprintf(stderr, "broker_aio: %s\n", aio_strerror(rc));
    return 1; /* the server never ends by itself */
}
