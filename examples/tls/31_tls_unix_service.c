/* SPDX-License-Identifier: MIT */
/* 31_tls_unix_service.c - a line service over TLS on a Unix socket, both ends.
 *
 *   - the service: an aio_server on a Unix socket (aio_unix_listen) that does
 *     TLS for its handlers (aio_server_set_tls: start_unix_server's ssl= and
 *     ssl_handshake_timeout=, 1 s); each line answered upper-cased, "bye"
 *     answered "goodbye" and the session ended (close_notify);
 *   - ann, a TLS client (AIO_TLS_UNIX_CONNECT: open_unix_connection's ssl= and
 *     server_hostname=, the server's certificate and its name verified
 *     against the CA), says three lines;
 *   - a client that speaks plain text, and one that says nothing: the
 *     handshake fails at once for the first, after its 1 s for the second,
 *     and the service closes each without calling its handler (it counts
 *     them: aio_server_handshakes_failed).
 *
 * The service and its clients in one program, on the socket file
 * 31_tls_unix_service.sock in the current directory (removed before and
 * after). The Python original is 31_tls_unix_service.py; both print the same.
 * It needs OpenSSL (or -DAIO_TLS_MBEDTLS and Mbed TLS) and a certificate for
 * localhost, its key and the CA that signed it (tests/checks/tls.sh makes
 * them at run time):
 *     cc -std=c11 -I. examples/tls/31_tls_unix_service.c -o tls_unix -lssl -lcrypto
 *     ./tls_unix server.pem server.key ca.pem [--virtual]
 * POSIX only (Unix sockets). */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#if !defined(AIO_TLS_MBEDTLS)
#define AIO_TLS_OPENSSL
#endif
#include "../../aio_timeout.h" /* first: it asks for POSIX (sockets) */
#include "../example.h"

#define PATH "31_tls_unix_service.sock"
static aio_tls_config server_side = {.flags = AIO_TLS_SERVER}, client_side; /* ssl.create_default_context(...) */

typedef struct { aio_tls_conn tc; aio_status n; char out[64]; } client_t;
static client_t clients[4];
static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->tc.stream, AIO_NEVER);
        if (c->n <= 0 || c->n > (aio_status)sizeof c->out) break;
        for (int i = 0; i < c->n; i++) c->out[i] = (char)toupper((unsigned char)aio_stream_data(&c->tc.stream)[i]);
        if (c->n == 4 && !memcmp(c->out, "BYE\n", 4)) break;
        AIO_STREAM_WRITE(t, c->n, &c->tc.stream, c->out, (size_t)c->n, AIO_SEC(1));
    }
    if (c->n == 4) AIO_STREAM_WRITE(t, c->n, &c->tc.stream, "goodbye\n", 8, AIO_SEC(1));
    AIO_TLS_SHUTDOWN(t, c->n, &c->tc.tls, AIO_SEC(1));
    AIO_END(t);
}

typedef struct { aio_task task; aio_server server; aio_tls tls; aio_stream in; int fd, i; aio_status n; } main_t;
static const char *const lines[] = {"hello\n", "tls on a unix socket\n", "bye\n"};
static const struct { const char *name, *says; } strangers[] = {{"a plain-text client", "hello\n"}, {"a silent client", ""}};
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    s->fd = -1;
    (void)remove(PATH);
    AIO_CHECK(t, aio_server_init(&s->server, handle, clients, sizeof clients[0], 4));
    AIO_CHECK(t, aio_server_set_tls(&s->server, &server_side, AIO_SEC(1), 0));
    AIO_CHECK(t, aio_server_start(&s->server, aio_unix_listen(PATH, 0)));
    AIO_CHECK(t, aio_tls_init(&s->tls, &client_side));
    AIO_TLS_UNIX_CONNECT(t, s->fd, &s->tls, &s->in, PATH, "localhost", AIO_SEC(5)); /* ann */
    AIO_CHECK(t, s->fd);
    for (s->i = 0; s->i < 3; s->i++) {
        AIO_STREAM_WRITE(t, s->n, &s->in, lines[s->i], strlen(lines[s->i]), AIO_SEC(1));
        AIO_READ_LINE(t, s->n, &s->in, AIO_SEC(1));
        AIO_CHECK(t, s->n);
        say("ann: sent '%.*s', read '%.*s'", (int)strlen(lines[s->i]) - 1, lines[s->i], s->n - 1, aio_stream_data(&s->in));
    }
    AIO_READ_SOME(t, s->n, &s->in, AIO_SEC(1));
    if (s->n == 0) say("ann: the service ended the session"); /* (its close_notify) */
    aio_tls_free(&s->tls);
    aio_stream_free(&s->in);
    aio_close(s->fd);
    for (s->i = 0; s->i < 2; s->i++) {
        AIO_SLEEP(t, AIO_MS(100));
        AIO_UNIX_CONNECT(t, s->fd, PATH, AIO_SEC(1));
        AIO_CHECK(t, s->fd);
        AIO_SEND_ALL(t, s->n, s->fd, strangers[s->i].says, strlen(strangers[s->i].says), AIO_SEC(1));
        AIO_CHECK(t, aio_stream_init_growing(&s->in, s->fd, 256, 4096));
        AIO_READ_SOME(t, s->n, &s->in, AIO_SEC(5)); /* (its end: 0, or a reset) */
        say("%s: the service closed the connection", strangers[s->i].name);
        aio_stream_free(&s->in);
        aio_close(s->fd);
    }
    s->fd = -1;
    AIO_SERVER_SHUTDOWN(t, s->n, &s->server, AIO_SEC(1));
    (void)remove(PATH);
    say("service: closed"); /* (aio_server_handshakes_failed(&s->server): 2) */
    AIO_FINALLY(t);
    if (s->fd >= 0) aio_close(s->fd);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    int rc;
    if (argc < 4) {
        (void)fprintf(stderr, "usage: %s CERT KEY CAFILE [--virtual]\n", argv[0]);
        return 2;
    }
    server_side.cert_file = argv[1];
    server_side.key_file = argv[2];
    client_side.ca_file = argv[3]; /* a client that verifies the server against this CA */
    if (aio_tls_config_load(&server_side) < 0 || aio_tls_config_load(&client_side) < 0) {
        (void)fprintf(stderr, "31_tls_unix_service: %s%s\n", aio_tls_config_error(&server_side),
                      aio_tls_config_error(&client_side));
        return 1;
    }
    rc = example_run(&m.task, main_task, argc, argv);
    aio_tls_config_free(&server_side);
    aio_tls_config_free(&client_side);
    return rc;
}
