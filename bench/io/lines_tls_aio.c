/* SPDX-License-Identifier: MIT */
/* bench/io/lines_tls_aio.c - the line-protocol server of lines_aio.c over
 * TLS: aio_timeout.h's TLS on its streams (AIO_TLS_OPENSSL, or built with
 * -DAIO_TLS_MBEDTLS on Mbed TLS's engine), one task per client. As
 * lines_aio.c, with these differences:
 *
 *  - The configuration (aio_tls_config: the certificate and its key) is
 *    loaded once; each client has a session (aio_tls) beside its stream.
 *  - A client's task runs its handshake (AIO_TLS_HANDSHAKE, 10 s), then
 *    the same loop of AIO_READ_LINE and, for the reply, AIO_STREAM_WRITE
 *    (the session is the stream's transport: a send on the socket would
 *    bypass TLS). The client's close_notify (a read of 0) is answered by
 *    AIO_TLS_SHUTDOWN (1 s); aio_tls_free in AIO_FINALLY.
 *
 *     lines_tls_aio PORT CERT KEY [HOST]   listens on HOST (127.0.0.1), backlog 1024
 *     lines_tls_aio --version              the engine, and sizeof the client struct
 *
 * Single-threaded; prints nothing but errors.
 *
 * The rest, as in lines_aio.c:
 *
 *  - The accept task takes each new connection (AIO_ACCEPT) and spawns a
 *    client task for it, its state struct from a free list as in echo_aio.c
 *    (a finished client pushes its struct back in AIO_FINALLY, after
 *    aio_close; the accept task pops one, or callocs one).
 *  - A client reads lines from an aio_stream over its socket (AIO_READ_LINE,
 *    asyncio's reader.readline()) with an idle timeout of 60 s, upper-cases
 *    the line where it lies in the stream's buffer and sends it back
 *    (AIO_SEND_ALL: write() and drain()).
 *  - The stream's buffer is the caller's: LINE_BUFFER_SIZE (4096) bytes in
 *    the client struct, the longest line the server takes. Unlike the echo
 *    server's pooled buffer it stays with its connection while the
 *    connection is idle, since it may hold the start of a line that has not
 *    ended yet: an idle client holds its struct (task, stream, buffer) and
 *    its deadline's timer slot.
 *  - Timer slots grow with the number of parked clients:
 *    aio_loop_set_grow(&loop, aio_grow_realloc, NULL).
 *
 */
#define _POSIX_C_SOURCE 200809L
#define AIO_TIMEOUT_IMPLEMENTATION
#ifndef AIO_TLS_MBEDTLS
#define AIO_TLS_OPENSSL
#endif
#include "aio_timeout.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_BUFFER_SIZE 4096
#define LINE_BACKLOG 1024
#define LINE_IDLE AIO_SEC(60) /* a client silent this long is closed */
#define LINE_HANDSHAKE AIO_SEC(10)
#define LINE_SHUTDOWN AIO_SEC(1)

static aio_tls_config config; /* the server's certificate and key */

/* ---------------------------------------------------------------- clients */

typedef struct client {
    aio_task task;
    struct client *next_free;
    aio_stream in;
    aio_tls tls;
    int fd;
    aio_status n; /* what the last await gave */
    /* Last, so that the bytes a connection touches (its fields and the start
     * of the buffer, where short lines land) lie together. */
    char buf[LINE_BUFFER_SIZE];
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

static int quiet(aio_status status) {
    /* the client went away, was idle too long, or the server is stopping */
    return status == AIO_ETIMEDOUT || status == AIO_ECONNRESET || status == AIO_ECLOSED ||
           status == AIO_ECANCELED || status == AIO_ETRUNCATED || status == AIO_ETLS;
}

/* The line the last read gave, upper-cased where it lies: the bytes are in
 * the caller's buffer (c->buf), and the stream reads none of them again. */
static void upper_case_line(client *c) {
    char *line = c->buf + (aio_stream_data(&c->in) - c->buf);
    aio_status i;
    for (i = 0; i < c->n; i++) line[i] = (char)toupper((unsigned char)line[i]);
}

static aio_status client_main(aio_task *t) {
    client *c = AIO_SELF(t, client);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_stream_init(&c->in, c->fd, c->buf, sizeof c->buf));
    AIO_CHECK(t, aio_tls_init(&c->tls, &config));
    AIO_TLS_HANDSHAKE(t, c->n, &c->tls, &c->in, NULL, LINE_HANDSHAKE);
    if (c->n < 0) AIO_RETURN(t, c->n);
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, LINE_IDLE);
        if (c->n == AIO_ELIMIT) {
            fprintf(stderr, "lines_tls_aio: a line longer than %d bytes: the client is closed\n", LINE_BUFFER_SIZE);
            break;
        }
        /* 0: the client closed the connection; no newline: it closed it in
         * the middle of a line */
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') break;
        upper_case_line(c);
        AIO_STREAM_WRITE(t, c->n, &c->in, aio_stream_data(&c->in), (size_t)c->n, LINE_IDLE);
        if (c->n < 0) break;
    }
    if (c->n == 0) AIO_TLS_SHUTDOWN(t, c->n, &c->tls, LINE_SHUTDOWN); /* (the client's close_notify came) */
    AIO_FINALLY(t);
    if (c->n < 0 && !quiet(c->n))
        fprintf(stderr, "lines_tls_aio: client: %s: %s\n", aio_strerror(c->n), aio_tls_error(&c->tls));
    (void)aio_tls_free(&c->tls);
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
        if (s->fd < 0) { /* out of descriptors, say: wait a little */
            fprintf(stderr, "lines_tls_aio: accept: %s\n", aio_strerror(s->fd));
            AIO_SLEEP(t, AIO_MS(10));
            continue;
        }
        c = client_get();
        if (!c) {
            fprintf(stderr, "lines_tls_aio: out of memory\n");
            aio_close(s->fd);
            continue;
        }
        c->fd = s->fd;
        c->n = 0;
        memset(&c->tls, 0, sizeof c->tls);
        if (aio_spawn(&c->task, client_main) < 0) {
            fprintf(stderr, "lines_tls_aio: aio_spawn failed\n");
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
#ifdef AIO_TLS_MBEDTLS
        printf("aio_timeout.h on %s, ", MBEDTLS_VERSION_STRING_FULL);
#else
        printf("aio_timeout.h on %s, ", OpenSSL_version(OPENSSL_VERSION));
#endif
        printf("%u bytes per client struct (aio_task %u, aio_stream %u, aio_tls %u, buffer %u)\n",
               (unsigned)sizeof(client), (unsigned)sizeof(aio_task), (unsigned)sizeof(aio_stream),
               (unsigned)sizeof(aio_tls), (unsigned)LINE_BUFFER_SIZE);
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: lines_tls_aio PORT CERT KEY [HOST]\n");
        return 1;
    }
    host = argc > 4 ? argv[4] : "127.0.0.1";
    config.flags = AIO_TLS_SERVER;
    config.cert_file = argv[2];
    config.key_file = argv[3];
    if (aio_tls_config_load(&config) != AIO_OK) {
        fprintf(stderr, "lines_tls_aio: %s\n", aio_tls_config_error(&config));
        return 1;
    }
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    srv.listen_fd = aio_tcp_listen(host, atoi(argv[1]), LINE_BACKLOG);
    if (srv.listen_fd < 0) {
        fprintf(stderr, "lines_tls_aio: listen on %s:%s: %s\n", host, argv[1], aio_strerror(srv.listen_fd));
        return 1;
    }
    rc = aio_run(&loop, &srv.task, server_main);
    if (rc < 0) fprintf(stderr, "lines_tls_aio: %s\n", aio_strerror(rc));
    return 1; /* the accept loop never ends by itself */
}
