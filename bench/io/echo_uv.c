/* SPDX-License-Identifier: MIT */
/* bench/io/echo_uv.c - the echo server on libuv, the way libuv's own echo
 * server (test/echo-server.c, which its benchmarks drive) is written: one
 * uv_tcp_t per client, uv_read_start with an alloc_cb that mallocs the read
 * buffer, uv_write of what was read, the buffer freed in the write callback.
 * The one difference: the buffer is 4096 bytes (ECHO_READ_SIZE), not libuv's
 * suggested_size (64 KiB), so that every server of the benchmark reads at most
 * 4096 bytes at a time. Nothing is held between requests but the uv_tcp_t.
 *
 * --try-write: what a libuv server tuned for this does instead: every read
 * goes into one static buffer (a single-threaded loop reads one stream at a
 * time) and is written at once with uv_try_write; only what the socket does
 * not take is copied into a malloc'd buffer and queued with uv_write. No
 * allocation per request, and the buffer stays in the cache.
 *
 *     echo_uv [--try-write] PORT [HOST]  listens on HOST (127.0.0.1), backlog 1024
 *     echo_uv --version                  prints libuv's version
 *
 * Single-threaded; prints nothing but errors. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define ECHO_READ_SIZE 4096
#define ECHO_BACKLOG 1024

typedef struct {
    uv_write_t req;
    uv_buf_t buf;
} write_req;

static int try_write; /* --try-write */
static char shared_buf[ECHO_READ_SIZE];

static void on_close(uv_handle_t *handle) { free(handle); }

static void after_write(uv_write_t *req, int status) {
    write_req *wr = (write_req *)req;
    /* a peer that went away is seen (and the handle closed) by the read side */
    if (status < 0 && status != UV_ECANCELED && status != UV_EPIPE && status != UV_ECONNRESET)
        fprintf(stderr, "echo_uv: write: %s\n", uv_strerror(status));
    free(wr->buf.base);
    free(wr);
}

static void on_alloc(uv_handle_t *handle, size_t suggested_size, uv_buf_t *buf) {
    (void)handle;
    (void)suggested_size; /* 65536: see above */
    if (try_write) {
        buf->base = shared_buf;
        buf->len = sizeof shared_buf;
        return;
    }
    buf->base = (char *)malloc(ECHO_READ_SIZE);
    buf->len = buf->base ? ECHO_READ_SIZE : 0;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    if (nread > 0 && try_write) {
        uv_buf_t b = uv_buf_init(buf->base, (unsigned)nread);
        int n = uv_try_write(stream, &b, 1), rc;
        write_req *wr;
        if (n == nread) return;
        if (n < 0 && n != UV_EAGAIN) {
            if (n != UV_EPIPE && n != UV_ECONNRESET) fprintf(stderr, "echo_uv: uv_try_write: %s\n", uv_strerror(n));
            uv_close((uv_handle_t *)stream, on_close);
            return;
        }
        if (n < 0) n = 0;
        wr = (write_req *)malloc(sizeof *wr);
        if (wr) wr->buf = uv_buf_init((char *)malloc((size_t)(nread - n)), (unsigned)(nread - n));
        if (!wr || !wr->buf.base) {
            fprintf(stderr, "echo_uv: out of memory\n");
            free(wr);
            uv_close((uv_handle_t *)stream, on_close);
            return;
        }
        memcpy(wr->buf.base, buf->base + n, (size_t)(nread - n));
        if ((rc = uv_write(&wr->req, stream, &wr->buf, 1, after_write)) < 0) {
            fprintf(stderr, "echo_uv: uv_write: %s\n", uv_strerror(rc));
            free(wr->buf.base);
            free(wr);
            uv_close((uv_handle_t *)stream, on_close);
        }
        return;
    }
    if (nread > 0) {
        write_req *wr = (write_req *)malloc(sizeof *wr);
        int rc;
        if (!wr) {
            fprintf(stderr, "echo_uv: out of memory\n");
            free(buf->base);
            uv_close((uv_handle_t *)stream, on_close);
            return;
        }
        wr->buf = uv_buf_init(buf->base, (unsigned)nread);
        rc = uv_write(&wr->req, stream, &wr->buf, 1, after_write);
        if (rc < 0) {
            fprintf(stderr, "echo_uv: uv_write: %s\n", uv_strerror(rc));
            free(wr->buf.base);
            free(wr);
            uv_close((uv_handle_t *)stream, on_close);
        }
        return;
    }
    if (!try_write) free(buf->base);
    if (nread < 0) {
        if (nread != UV_EOF && nread != UV_ECONNRESET)
            fprintf(stderr, "echo_uv: read: %s\n", uv_strerror((int)nread));
        uv_close((uv_handle_t *)stream, on_close);
    }
}

static void on_connection(uv_stream_t *server, int status) {
    uv_tcp_t *client;
    int rc;
    if (status < 0) {
        fprintf(stderr, "echo_uv: accept: %s\n", uv_strerror(status));
        return;
    }
    client = (uv_tcp_t *)malloc(sizeof *client);
    if (!client) {
        fprintf(stderr, "echo_uv: out of memory\n");
        return;
    }
    uv_tcp_init(server->loop, client);
    if ((rc = uv_accept(server, (uv_stream_t *)client)) < 0 ||
        (rc = uv_read_start((uv_stream_t *)client, on_alloc, on_read)) < 0) {
        fprintf(stderr, "echo_uv: %s\n", uv_strerror(rc));
        uv_close((uv_handle_t *)client, on_close);
    }
}

int main(int argc, char **argv) {
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    struct sockaddr_in addr;
    const char *host;
    int port, rc, i;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("libuv %s\n", uv_version_string());
        return 0;
    }
    for (i = 1; i < argc; i++) { /* --try-write anywhere */
        if (strcmp(argv[i], "--try-write") == 0) {
            try_write = 1;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof argv[0]);
            argc--;
            break;
        }
    }
    if (argc < 2) {
        fprintf(stderr, "usage: echo_uv [--try-write] PORT [HOST]\n");
        return 1;
    }
    port = atoi(argv[1]);
    host = argc > 2 ? argv[2] : "127.0.0.1";
    if ((rc = uv_ip4_addr(host, port, &addr)) < 0 || (rc = uv_tcp_init(loop, &server)) < 0 ||
        (rc = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0)) < 0 ||
        (rc = uv_listen((uv_stream_t *)&server, ECHO_BACKLOG, on_connection)) < 0) {
        fprintf(stderr, "echo_uv: listen on %s:%d: %s\n", host, port, uv_strerror(rc));
        return 1;
    }
    return uv_run(loop, UV_RUN_DEFAULT);
}
