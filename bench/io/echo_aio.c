/* SPDX-License-Identifier: MIT */
/* bench/io/echo_aio.c - the echo server on aio_timeout.h's I/O API: one task
 * per client, as a real server would be written with it.
 *
 *  - The accept task takes each new connection (AIO_ACCEPT) and spawns a
 *    client task for it. Client state structs come from a free list: a task
 *    that has finished may be spawned again (aio_task_alive() == 0), so a
 *    finished client pushes its struct back in AIO_FINALLY, after aio_close,
 *    and the accept task pops one (or mallocs one when the list is empty).
 *  - A client waits for its socket to become readable with an idle timeout of
 *    60 s (AIO_WAIT_READABLE: the deadline machinery runs on every request,
 *    as in a real server), then takes a 4096-byte buffer from a pool, receives
 *    into it (AIO_RECV), echoes it (AIO_SEND_ALL) and gives the buffer back.
 *    4096 is the read size of every server of the benchmark, and like libuv's
 *    alloc_cb buffer, libevent's evbuffers and asyncio's bytes, the buffer is
 *    held only while a request is echoed: an idle client holds its struct
 *    (task, descriptor, buffer pointer) and its deadline's timer slot.
 *  - Timer slots grow with the number of parked clients:
 *    aio_loop_set_grow(&loop, aio_grow_realloc, NULL).
 *
 *     echo_aio PORT [HOST]    listens on HOST (127.0.0.1) with a backlog of 1024
 *     echo_aio --version      prints sizeof the client struct
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

/* ------------------------------------------------------------ buffer pool */

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

/* ---------------------------------------------------------------- clients */

typedef struct client {
    aio_task task;
    struct client *next_free;
    buffer *buf; /* only while a request is echoed */
    int fd;
    int n;       /* what the last await gave */
} client;

static client *free_clients;

static client *client_get(void) {
    client *c = free_clients;
    if (c && !aio_task_alive(&c->task)) {
        free_clients = c->next_free;
        return c;
    }
    /* (a struct is pushed in its task's AIO_FINALLY, which ends without
     * awaiting: by the time the accept task runs again its task is done) */
    return (client *)calloc(1, sizeof(client));
}

static int quiet(int status) {
    /* the client went away, was idle too long, or the server is stopping */
    return status == AIO_ETIMEDOUT || status == AIO_ECONNRESET || status == AIO_ECLOSED ||
           status == AIO_ECANCELED;
}

static aio_status client_main(aio_task *t) {
    client *c = AIO_SELF(t, client);
    AIO_BEGIN(t);
    for (;;) {
        AIO_WAIT_READABLE(t, c->n, c->fd, ECHO_IDLE);
        if (c->n < 0) break;
        c->buf = buffer_get();
        if (!c->buf) {
            fprintf(stderr, "echo_aio: out of memory\n");
            break;
        }
        AIO_RECV(t, c->n, c->fd, c->buf->data, sizeof c->buf->data, ECHO_IDLE);
        if (c->n <= 0) break; /* 0: the client closed the connection */
        AIO_SEND_ALL(t, c->n, c->fd, c->buf->data, (size_t)c->n, ECHO_IDLE);
        buffer_put(c->buf);
        c->buf = NULL;
        if (c->n < 0) break;
    }
    AIO_FINALLY(t);
    if (c->n < 0 && !quiet(c->n)) fprintf(stderr, "echo_aio: client: %s\n", aio_strerror(c->n));
    if (c->buf) {
        buffer_put(c->buf);
        c->buf = NULL;
    }
    aio_close(c->fd);
    c->next_free = free_clients;
    free_clients = c;
    AIO_END(t);
}

/* ----------------------------------------------------------------- server */

typedef struct {
    aio_task task;
    int listen_fd;
    int fd;
} server;

static aio_status server_main(aio_task *t) {
    server *s = AIO_SELF(t, server);
    client *c; /* only between two awaits */
    AIO_BEGIN(t);
    for (;;) {
        AIO_ACCEPT(t, s->fd, s->listen_fd, AIO_NEVER);
        if (s->fd < 0) { /* out of descriptors, say: wait a little, as libuv does not */
            fprintf(stderr, "echo_aio: accept: %s\n", aio_strerror(s->fd));
            AIO_SLEEP(t, AIO_MS(10));
            continue;
        }
        c = client_get();
        if (!c) {
            fprintf(stderr, "echo_aio: out of memory\n");
            aio_close(s->fd);
            continue;
        }
        c->fd = s->fd;
        c->buf = NULL;
        c->n = 0;
        if (aio_spawn(&c->task, client_main) < 0) {
            fprintf(stderr, "echo_aio: aio_spawn failed\n");
            aio_close(s->fd);
            free(c);
        }
    }
    AIO_FINALLY(t);
    aio_close(s->listen_fd);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static server srv;
    aio_loop loop;
    const char *host;
    aio_status rc;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("aio_timeout.h, %u bytes per client struct (aio_task %u)\n", (unsigned)sizeof(client),
               (unsigned)sizeof(aio_task));
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: echo_aio PORT [HOST]\n");
        return 1;
    }
    host = argc > 2 ? argv[2] : "127.0.0.1";
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    srv.listen_fd = aio_tcp_listen(host, atoi(argv[1]), ECHO_BACKLOG);
    if (srv.listen_fd < 0) {
        fprintf(stderr, "echo_aio: listen on %s:%s: %s\n", host, argv[1], aio_strerror(srv.listen_fd));
        return 1;
    }
    rc = aio_run(&loop, &srv.task, server_main);
    if (rc < 0) fprintf(stderr, "echo_aio: %s\n", aio_strerror(rc));
    return 1; /* the accept loop never ends by itself */
}
