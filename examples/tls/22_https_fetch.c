/* SPDX-License-Identifier: MIT */
/* 22_https_fetch.c - fetch over HTTPS by host name, with a deadline for each
 * step and one for the whole fetch.
 *
 * Three servers of its own run in the same loop, on 127.0.0.1, showing the
 * certificate given on the command line: one answers at once, one accepts
 * and never says a word, one sends its head and then the body a byte every
 * 0.4 s. The client trusts the CA given and fetches from each in turn:
 *   - connect to "localhost" within 1 s (a name: looked up off the loop),
 *   - the TLS handshake within 1 s (AIO_TLS_HANDSHAKE: the certificate
 *     verified, and its name),
 *   - the request, then the status line and the headers (AIO_READ_LINE) and
 *     the body (AIO_READ_SOME) through the session, each read within 1 s,
 *   - TLS's close_notify both ways (AIO_TLS_SHUTDOWN),
 * all in a timeout block of 1.5 s per fetch: a server that sends a byte now
 * and then never lets a read time out, and the fetch's own deadline stops
 * it. One line per fetch: the status and the body, or which step failed and
 * why (aio_tls_error's words for TLS).
 *
 *     cc -std=c11 -I. examples/tls/22_https_fetch.c -o https_fetch -lssl -lcrypto
 *     ./https_fetch [--virtual] server.pem server.key ca.pem
 *
 * (the certificate for localhost, its key, the CA that signed it:
 * tests/checks/tls.sh makes them). With -DAIO_TLS_MBEDTLS, linked with
 * -lmbedtls -lmbedx509 -lmbedcrypto, the same on Mbed TLS. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#if !defined(AIO_TLS_MBEDTLS)
#define AIO_TLS_OPENSSL
#endif
#include "../../aio_timeout.h" /* first: it asks for POSIX (sockets) */
#include "../example.h"

enum { ANSWERS, SILENT, DRIBBLES, SERVERS };
static const char *const server_name[SERVERS] = {"the server that answers", "the silent server",
                                                 "the server that dribbles"};
static int listener[SERVERS], port[SERVERS];
static aio_tls_config server_config, client_config;
static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\n";
static const char body[] = "hello over TLS\n";

/* A server: one connection, served as its kind says. */
typedef struct {
    aio_task task;
    int kind, fd, i;
    aio_stream st;
    char buf[1024];
    aio_tls tls;
    aio_status rc;
} server_t;

static aio_status server(aio_task *t) {
    server_t *s = AIO_SELF(t, server_t);
    AIO_BEGIN(t);
    s->fd = -1;
    AIO_ACCEPT(t, s->fd, listener[s->kind], AIO_SEC(10));
    if (s->fd < 0 || s->kind == SILENT) {
        AIO_SLEEP(t, AIO_SEC(10)); /* (says nothing) */
        AIO_RETURN(t, 0);
    }
    aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf);
    aio_tls_init(&s->tls, &server_config);
    AIO_TLS_HANDSHAKE(t, s->rc, &s->tls, &s->st, NULL, AIO_SEC(5));
    if (s->rc < 0) AIO_RETURN(t, s->rc);
    do AIO_READ_LINE(t, s->rc, &s->st, AIO_SEC(5)); /* the request's head, to its empty line */
    while (s->rc > 2);
    AIO_STREAM_WRITE(t, s->rc, &s->st, head, strlen(head), AIO_SEC(5));
    if (s->kind == ANSWERS) {
        AIO_STREAM_WRITE(t, s->rc, &s->st, body, strlen(body), AIO_SEC(5));
        AIO_TLS_SHUTDOWN(t, s->rc, &s->tls, AIO_SEC(5));
    } else {
        for (s->i = 0; s->i < (int)strlen(body) && s->rc == AIO_OK; s->i++) {
            AIO_SLEEP(t, AIO_MS(400));
            AIO_STREAM_WRITE(t, s->rc, &s->st, body + s->i, 1, AIO_SEC(5));
        }
    }
    AIO_FINALLY(t);
    aio_tls_free(&s->tls);
    if (s->fd >= 0) aio_close(s->fd);
    AIO_END(t);
}

/* The client: a fetch from each server in turn. */
typedef struct {
    aio_task task;
    server_t servers[SERVERS];
    aio_timeout fetch;
    int i, fd, status;
    long length, got;
    const char *step;
    aio_stream st;
    char buf[2048];
    char body[64];
    aio_tls tls;
    aio_status rc;
} main_t;

/* The status of a status line, or the length a header gives (-1: other). */
static int status_of(const char *line, int len) {
    return len > 12 && memcmp(line, "HTTP/1.1 ", 9) == 0 ? (int)strtol(line + 9, NULL, 10) : 0;
}
static long length_of(const char *line, int len) {
    return len > 16 && memcmp(line, "Content-Length: ", 16) == 0 ? strtol(line + 16, NULL, 10) : -1;
}

static void report(main_t *s) {
    const char *who = server_name[s->i];
    if (aio_timeout_status(&s->fetch) == AIO_ETIMEDOUT)
        say("%s: the fetch timed out (1.5 s) in the %s, after %ld of %ld bytes", who, s->step, s->got, s->length);
    else if (s->rc < 0 && aio_tls_error(&s->tls)[0])
        say("%s: the %s failed: %s (%s)", who, s->step, aio_strerror(s->rc), aio_tls_error(&s->tls));
    else if (s->rc < 0)
        say("%s: the %s failed: %s", who, s->step, aio_strerror(s->rc));
    else
        say("%s: %d, %ld bytes: %.*s", who, s->status, s->got, (int)s->got - 1, s->body);
}

static aio_status client(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < SERVERS; s->i++) {
        s->servers[s->i].kind = s->i;
        aio_spawn(&s->servers[s->i].task, server);
    }
    for (s->i = 0; s->i < SERVERS; s->i++) {
        s->fd = -1;
        s->status = 0;
        s->length = s->got = 0;
        s->step = "connect";
        AIO_TIMEOUT(t, &s->fetch, AIO_MS(1500)) {
            AIO_TCP_CONNECT(t, s->rc, "localhost", port[s->i], AIO_SEC(1));
            if (s->rc >= 0) {
                s->fd = s->rc;
                aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf);
                aio_tls_init(&s->tls, &client_config);
                s->step = "handshake";
                AIO_TLS_HANDSHAKE(t, s->rc, &s->tls, &s->st, "localhost", AIO_SEC(1));
            }
            if (s->rc == AIO_OK) {
                s->step = "request";
                AIO_STREAM_WRITE(t, s->rc, &s->st, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 35, AIO_SEC(1));
            }
            if (s->rc >= 0) s->step = "head";
            while (s->rc >= 0) { /* the status line and the headers, to the empty line */
                AIO_READ_LINE(t, s->rc, &s->st, AIO_SEC(1));
                if (s->rc <= 2) break;
                if (!s->status) s->status = status_of(aio_stream_data(&s->st), s->rc);
                if (length_of(aio_stream_data(&s->st), s->rc) >= 0)
                    s->length = length_of(aio_stream_data(&s->st), s->rc);
            }
            if (s->rc >= 0) s->step = "body";
            while (s->rc >= 0 && s->got < s->length && s->length < (long)sizeof s->body) {
                AIO_READ_SOME(t, s->rc, &s->st, AIO_SEC(1));
                if (s->rc <= 0) break;
                memcpy(s->body + s->got, aio_stream_data(&s->st), (size_t)s->rc);
                s->got += s->rc;
            }
            if (s->rc >= 0) {
                s->step = "shutdown";
                AIO_TLS_SHUTDOWN(t, s->rc, &s->tls, AIO_SEC(1));
            }
        }
        report(s);
        aio_tls_free(&s->tls);
        if (s->fd >= 0) aio_close(s->fd);
    }
    AIO_FINALLY(t);
    aio_tls_free(&s->tls);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[16];
    static main_t m;
    aio_loop loop;
    aio_status rc;
    int i;
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "--virtual") == 0) arg++;
    if (argc - arg != 3) {
        (void)fprintf(stderr, "usage: %s [--virtual] CERT KEY CA (the certificate for localhost, its key, its CA)\n",
                argv[0]);
        return 2;
    }
    server_config.flags = AIO_TLS_SERVER;
    server_config.cert_file = argv[arg];
    server_config.key_file = argv[arg + 1];
    client_config.ca_file = argv[arg + 2];
    if (aio_tls_config_load(&server_config) < 0 || aio_tls_config_load(&client_config) < 0) {
        (void)fprintf(stderr, "%s%s\n", aio_tls_config_error(&server_config), aio_tls_config_error(&client_config));
        return 1;
    }
    for (i = 0; i < SERVERS; i++) {
        listener[i] = aio_tcp_listen("127.0.0.1", 0, 4);
        port[i] = aio_socket_port(listener[i]);
    }
    example_loop(&loop, timers, 16, argc, argv);
    rc = aio_run(&loop, &m.task, client);
    for (i = 0; i < SERVERS; i++) aio_close(listener[i]);
    aio_loop_destroy(&loop);
    aio_tls_config_free(&server_config);
    aio_tls_config_free(&client_config);
    return rc < 0;
}
