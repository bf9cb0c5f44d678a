/* SPDX-License-Identifier: MIT */
/* bench/io/lines_cores_aio.c - lines_server_aio.c's line server on every
 * core: LOOPS loops, each on a thread of its own (the first on the main
 * thread), serve one port through an aio_server_share (each loop listening
 * with SO_REUSEPORT on Linux; elsewhere, or with --hand-off, the first loop
 * accepting and handing connections out). The same client task: AIO_READ_LINE
 * on a 4096-byte stream buffer, the line upper-cased where it lies, sent back;
 * 60 s idle deadline. `make bench-io`'s rows "a server on every core"
 * (bench/io/cores_run.py) run it with 1 and 2 loops.
 *
 *     lines_cores_aio PORT LOOPS [--hand-off]    listens on 127.0.0.1, backlog 1024
 *
 * Prints nothing but errors; serves until killed. */
#define _POSIX_C_SOURCE 200809L
#define AIO_THREAD_LOCAL _Thread_local
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_BUFFER_SIZE 4096
#define LINE_BACKLOG 1024
#define LINE_IDLE AIO_SEC(60)
#define SERVER_LIMIT 65536u
#define MAX_LOOPS 64

typedef struct {
    aio_conn conn;
    aio_stream in;
    aio_status n;
    char buf[LINE_BUFFER_SIZE];
} client;

static int quiet(aio_status status) {
    return status == AIO_ETIMEDOUT || status == AIO_ECONNRESET || status == AIO_ECLOSED ||
           status == AIO_ECANCELED;
}

static aio_status client_main(aio_task *t) {
    client *c = AIO_CONN_SELF(t, client);
    aio_status i;
    AIO_BEGIN(t);
    c->n = 0;
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, LINE_IDLE);
        if (c->n == AIO_ELIMIT) {
            fprintf(stderr, "lines_cores_aio: a line longer than %d bytes: the client is closed\n", LINE_BUFFER_SIZE);
            break;
        }
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') break;
        for (i = 0; i < c->n; i++) { /* upper-cased where it lies */
            char *line = c->buf + (aio_stream_data(&c->in) - c->buf);
            line[i] = (char)toupper((unsigned char)line[i]);
        }
        AIO_SEND_ALL(t, c->n, c->conn.fd, aio_stream_data(&c->in), (size_t)c->n, LINE_IDLE);
        if (c->n < 0) break;
    }
    AIO_FINALLY(t);
    if (c->n < 0 && !quiet(c->n)) fprintf(stderr, "lines_cores_aio: client: %s\n", aio_strerror(c->n));
    AIO_END(t);
}

static aio_server_share share;
typedef struct {
    aio_task task;
    aio_server server;
    aio_status rc;
    pthread_t thread;
} loop_t;
static loop_t loops[MAX_LOOPS];

static aio_status serve(aio_task *t) {
    loop_t *l = AIO_SELF(t, loop_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&l->server, client_main, NULL, sizeof(client), SERVER_LIMIT));
    l->rc = aio_server_start_shared(&l->server, &share, NULL);
    if (l->rc < 0) fprintf(stderr, "lines_cores_aio: joining the share: %s\n", aio_strerror(l->rc));
    AIO_CHECK(t, l->rc);
    AIO_SERVER_WAIT_CLOSED(t, l->rc, &l->server, AIO_NEVER); /* (it serves until killed) */
    AIO_END(t);
}

static void *run_loop(void *arg) {
    loop_t *l = (loop_t *)arg;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    rc = aio_run(&loop, &l->task, serve);
    fprintf(stderr, "lines_cores_aio: a loop ended: %s\n", aio_strerror(rc));
    exit(1); /* (the server never ends by itself) */
}

int main(int argc, char **argv) {
    int n, i;
    aio_status rc;
    if (argc < 3 || (n = atoi(argv[2])) < 1 || n > MAX_LOOPS) {
        fprintf(stderr, "usage: lines_cores_aio PORT LOOPS (1 to %d) [--hand-off]\n", MAX_LOOPS);
        return 1;
    }
    rc = aio_server_share_init(&share, n, "127.0.0.1", atoi(argv[1]), LINE_BACKLOG);
    if (rc == AIO_OK && argc > 3 && strcmp(argv[3], "--hand-off") == 0) rc = aio_server_share_hand_off(&share);
    if (rc < 0) {
        fprintf(stderr, "lines_cores_aio: listen on 127.0.0.1:%s: %s\n", argv[1], aio_strerror(rc));
        return 1;
    }
    for (i = 1; i < n; i++)
        if (pthread_create(&loops[i].thread, NULL, run_loop, &loops[i]) != 0) {
            fprintf(stderr, "lines_cores_aio: no thread for loop %d\n", i);
            return 1;
        }
    run_loop(&loops[0]);
    return 1;
}
