/* SPDX-License-Identifier: MIT */
/* bench/io/tls_floor.c - the floor of the TLS rows of `make bench-io`: the
 * least a non-blocking OpenSSL server can do to answer lines over TLS (each
 * line upper-cased, as lines_tls_aio.c and lines_asyncio.py --tls do).
 *
 *  - One thread, epoll (level-triggered), non-blocking sockets, one SSL per
 *    connection on its socket (SSL_set_fd: OpenSSL reads and writes it).
 *  - SSL_accept until it is done, then SSL_read into a 4096-byte buffer of
 *    the connection's; each line found is upper-cased where it lies and
 *    written with SSL_write; WANT_READ and WANT_WRITE set what epoll waits
 *    for (EPOLLOUT only while a write waits), and a write that must wait is
 *    tried again with the same bytes.
 *  - The peer's close_notify (SSL_ERROR_ZERO_RETURN) is answered with one
 *    SSL_shutdown, then the connection is closed; any error closes it.
 *  - No deadline, no cancellation, no stream abstraction: what a TLS line
 *    server cannot do without.
 *
 *     tls_floor PORT CERT KEY [HOST]   listens on HOST (127.0.0.1), backlog 1024
 *     tls_floor --version              prints OpenSSL's version
 *
 * Prints nothing but errors. */
#define _GNU_SOURCE /* accept4 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_BUFFER_SIZE 4096

typedef struct conn {
    int fd;
    SSL *ssl;
    int open;       /* the handshake is done */
    int want_out;   /* EPOLLOUT is asked for */
    size_t len;     /* bytes in buf */
    size_t pending; /* a line's length whose SSL_write must be tried again (0: none) */
    char buf[LINE_BUFFER_SIZE];
} conn;

static int ep;

static void conn_close(conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    SSL_free(c->ssl);
    close(c->fd);
    free(c);
}

static void want(conn *c, int out) {
    struct epoll_event ev;
    if (out == c->want_out) return;
    c->want_out = out;
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* 1: the connection goes on; 0: it was closed. */
static int conn_step(conn *c) {
    int r, err;
    if (!c->open) {
        r = SSL_accept(c->ssl);
        if (r != 1) {
            err = SSL_get_error(c->ssl, r);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
                want(c, err == SSL_ERROR_WANT_WRITE);
                return 1;
            }
            ERR_clear_error();
            conn_close(c);
            return 0;
        }
        c->open = 1;
    }
    for (;;) {
        char *nl;
        if (!c->pending && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
            size_t i;
            c->pending = (size_t)(nl - c->buf) + 1;
            for (i = 0; i < c->pending; i++) c->buf[i] = (char)toupper((unsigned char)c->buf[i]);
        }
        if (c->pending) {
            r = SSL_write(c->ssl, c->buf, (int)c->pending);
            if (r <= 0) {
                err = SSL_get_error(c->ssl, r);
                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
                    want(c, err == SSL_ERROR_WANT_WRITE);
                    return 1;
                }
                ERR_clear_error();
                conn_close(c);
                return 0;
            }
            memmove(c->buf, c->buf + c->pending, c->len - c->pending);
            c->len -= c->pending;
            c->pending = 0;
            want(c, 0);
            continue;
        }
        if (c->len == sizeof c->buf) { /* a line longer than the buffer */
            fprintf(stderr, "tls_floor: a line longer than %d bytes: the client is closed\n", LINE_BUFFER_SIZE);
            conn_close(c);
            return 0;
        }
        r = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - c->len));
        if (r > 0) {
            c->len += (size_t)r;
            continue;
        }
        err = SSL_get_error(c->ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            want(c, err == SSL_ERROR_WANT_WRITE);
            return 1;
        }
        if (err == SSL_ERROR_ZERO_RETURN) (void)SSL_shutdown(c->ssl); /* (our close_notify, once) */
        ERR_clear_error();
        conn_close(c);
        return 0;
    }
}

int main(int argc, char **argv) {
    struct sockaddr_in sa;
    struct epoll_event ev, evs[256];
    SSL_CTX *ctx;
    int lfd, one = 1, i, n;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: tls_floor PORT CERT KEY [HOST]\n");
        return 1;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "tls_floor: cannot use %s and %s\n", argv[2], argv[3]);
        ERR_print_errors_fp(stderr);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(argv[1]));
    if (inet_pton(AF_INET, argc > 4 ? argv[4] : "127.0.0.1", &sa.sin_addr) != 1) return 1;
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0) {
        perror("tls_floor: listen");
        return 1;
    }
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        n = epoll_wait(ep, evs, 256, -1);
        for (i = 0; i < n; i++) {
            conn *c = (conn *)evs[i].data.ptr;
            if (c) {
                (void)conn_step(c);
                continue;
            }
            for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                if (fd < 0) break;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c = (conn *)calloc(1, sizeof *c);
                c->fd = fd;
                c->ssl = SSL_new(ctx);
                if (!c->ssl || !SSL_set_fd(c->ssl, fd)) {
                    close(fd);
                    free(c);
                    continue;
                }
                SSL_set_accept_state(c->ssl);
                ev.events = EPOLLIN;
                ev.data.ptr = c;
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                (void)conn_step(c); /* (the ClientHello may be there already) */
            }
        }
    }
}
