/* SPDX-License-Identifier: MIT */
/* A server in one call (aio_server): a handler task per connection, the
 * limit and the one too many, a failed accept, close, wait_closed,
 * close_clients, abort_clients, one connection aborted (aio_conn_abort) and
 * a graceful shutdown with their deadlines, handlers cancelled however and
 * whenever (before their first step, twice, with the server, by aio_run's
 * end), a handler that closes its own socket (a goodbye sent first, in its
 * cleanup after a shutdown's cancel), a Unix-socket server, bad input.
 *
 * Real sockets on 127.0.0.1, on the virtual clock: each client connects
 * with a blocking connect() to the listener (the kernel completes it before
 * any accept), so the server's accept finds it in the loop's next look at
 * the descriptors, before any time passes; times that decide an outcome
 * come from the handlers' own sleeps and deadlines and are exact (one test,
 * whose outcome no time decides, runs on the real clock: it says why). */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && (defined(__unix__) || defined(__APPLE__))
#define _POSIX_C_SOURCE 200809L /* sockets, unlink under -std=c11 */
#endif
#include "test.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#if !(defined(__unix__) || defined(__APPLE__) || defined(_WIN32)) || defined(AIO_NO_STDLIB) || \
    defined(AIO_NO_IO)
#define SERVER_TESTS 0
#define UNIX_SERVER_TESTS 0
#elif defined(_WIN32)
#define SERVER_TESTS 1
#define UNIX_SERVER_TESTS 0
#else
#define SERVER_TESTS 1
#define UNIX_SERVER_TESTS 1
#include <fcntl.h>
#include <sys/stat.h>
#endif

/* The state of one connection: the aio_conn first, then the handler's. */
typedef struct {
    aio_conn conn;
    aio_status rc;
    int n;
    char mode; /* the first byte it received */
    char buf[64];
    aio_timeout shield;
    aio_stream out; /* (mode g) */
    int k;
} conn_t;

/* What each handler does, by the first byte it receives:
 *   'e' echo what came, then wait for more (10 s idle at most);
 *   's' sleep the number of seconds in the second byte, then end;
 *   'w' wait for the end of the stream (60 s at most), then end;
 *   'z' wait as 'w', then receive and send once more (after close_clients:
 *       the wait closed, the end of the stream, a send that fails);
 *   'c' wait as 'w'; its cleanup takes 100 ms (an await), then notes
 *       "cleaned";
 *   'h' wait as 'w' inside a shielded block (60 s);
 *   'f' send 64 KiB again and again (to a client that never reads);
 *   'x' close its own socket, open a listener, which takes the number on
 *       POSIX (G.spare), and end;
 *   'y' close its own socket, live on 200 ms more, then end;
 *   'g' wait as 'w'; its cleanup writes a goodbye of 4 MiB (64 KiB at a
 *       time, aio_stream_write: more than the socket takes at once), then
 *       closes the socket itself with AIO_STREAM_CLOSE (10 s), notes
 *       "flushed" (or the close's status) and frees its stream.
 * Each handler's outcome is written to G.log: "id:what " (done, eof,
 * closed, cancelled); has() finds one whatever the order in which the
 * system reported the sockets (WSAPoll's differs). */
static struct {
    aio_task main;
    aio_server srv;
    conn_t conns[4];
    aio_status rc;
    int port, c[8], refusals, i, spare;
    char got[64];
    char log[256];
    long long at;
    aio_conn *first;
    char big[SERVER_TESTS ? 65536 : 1]; /* (what a handler sends again and again: mode f) */
} G;

static void note(unsigned id, const char *what) {
    size_t len = strlen(G.log);
    (void)snprintf(G.log + len, sizeof G.log - len, "%u:%s ", id, what);
}

static aio_status handler(aio_task *t) {
    conn_t *c = AIO_CONN_SELF(t, conn_t);
    AIO_BEGIN(t);
    CHECK(c->conn.server == &G.srv);
    c->mode = '\0';
    AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(10));
    if (c->n <= 0) AIO_RETURN(t, c->n);
    c->mode = c->buf[0];
    if (c->mode == 'f') {
        for (;;) AIO_SEND_ALL(t, c->rc, c->conn.fd, G.big, sizeof G.big, AIO_NEVER);
    }
    if (c->mode == 'x') {
        CHECK_EQ(aio_close(c->conn.fd), AIO_OK);
        G.spare = aio_tcp_listen("127.0.0.1", 0, 1);
        AIO_RETURN(t, 0);
    }
    if (c->mode == 'y') { /* (closes its own socket and lives on 200 ms) */
        CHECK_EQ(aio_close(c->conn.fd), AIO_OK);
        AIO_SLEEP(t, AIO_MS(200));
        note(c->conn.id, "lived");
        AIO_RETURN(t, 0);
    }
    if (c->mode == 'h') {
        AIO_SHIELDED(t, &c->shield, AIO_SEC(60)) {
            AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(60));
        }
        note(c->conn.id, c->n == AIO_ECLOSED ? "closed" : "other");
        AIO_RETURN(t, 0);
    }
    if (c->buf[0] == 's') {
        AIO_SLEEP(t, AIO_SEC(c->buf[1] - '0'));
        note(c->conn.id, "done");
        AIO_RETURN(t, 0);
    }
    if (c->buf[0] == 'z') {
        AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(60));
        CHECK_EQ(c->n, AIO_ECLOSED);
        AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(60));
        CHECK_EQ(c->n, 0);
        AIO_SEND_ALL(t, c->rc, c->conn.fd, "late", 4, AIO_SEC(1));
        CHECK_EQ(c->rc, AIO_ECONNRESET);
        note(c->conn.id, c->n == 0 && c->rc == AIO_ECONNRESET ? "shut" : "other");
        AIO_RETURN(t, 0);
    }
    if (c->mode == 'g') CHECK_EQ(aio_stream_init(&c->out, c->conn.fd, c->buf, sizeof c->buf), AIO_OK);
    if (c->mode == 'w' || c->mode == 'c' || c->mode == 'g') {
        AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(60));
        note(c->conn.id, c->n == 0 ? "eof" : c->n == AIO_ECLOSED ? "closed" : "other");
        AIO_RETURN(t, 0);
    }
    while (c->n > 0) {
        AIO_SEND_ALL(t, c->rc, c->conn.fd, c->buf, (size_t)c->n, AIO_SEC(1));
        AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(10));
    }
    note(c->conn.id, "done");
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) note(c->conn.id, "cancelled");
    if (c->mode == 'c') {
        AIO_SLEEP(t, AIO_MS(100));
        note(c->conn.id, "cleaned");
    }
    if (c->mode == 'g') {
        CHECK_EQ(aio_stream_set_write_limits(&c->out, 0, 0, sizeof G.big * 128), AIO_OK); /* (8 MiB) */
        for (c->k = 0; c->k < 64; c->k++) CHECK_EQ(aio_stream_write(&c->out, G.big, sizeof G.big), AIO_OK);
        CHECK(aio_stream_write_buffered(&c->out) > 0); /* (the socket did not take it all) */
        AIO_STREAM_CLOSE(t, c->rc, &c->out, AIO_SEC(10));
        note(c->conn.id, c->rc == AIO_OK ? "flushed" : aio_strerror(c->rc));
        aio_stream_free(&c->out);
    }
    AIO_END(t);
}

#if SERVER_TESTS
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#define SOCK(fd) ((SOCKET)(uintptr_t)(unsigned)(fd))
static int close_sock(int fd) { return closesocket(SOCK(fd)); }
static long send_sock(int fd, const char *text) { return send(SOCK(fd), text, (int)strlen(text), 0); }
static long recv_sock(int fd, char *buf, size_t n) { return recv(SOCK(fd), buf, (int)n, 0); }
static void recv_timeout(int fd) {
    DWORD ms = 5000;
    (void)setsockopt(SOCK(fd), SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof ms);
}
#else
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#define SOCK(fd) (fd)
static int close_sock(int fd) { return close(fd); }
static long send_sock(int fd, const char *text) { return (long)send(fd, text, strlen(text), 0); }
static long recv_sock(int fd, char *buf, size_t n) { return (long)recv(fd, buf, n, 0); }
static void recv_timeout(int fd) {
    struct timeval tv;
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}
#endif

static int has(const char *what) { return strstr(G.log, what) != NULL; }

/* A client connected to the server's port (blocking, 5 s to receive). */
static int client(void) {
    aio_address a;
    int fd = (int)socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK_EQ(aio_address_set(&a, "127.0.0.1", G.port), AIO_OK);
    CHECK_EQ(connect(SOCK(fd), (const struct sockaddr *)(const void *)a.sa, a.len), 0);
    recv_timeout(fd);
    return fd;
}

/* What client fd receives (its whole reply, up to its end or 5 s). */
static const char *reply(int fd) {
    long n = recv_sock(fd, G.got, sizeof G.got - 1);
    G.got[n > 0 ? n : 0] = '\0';
    return G.got;
}

static void refused(aio_server *srv) {
    CHECK(srv == &G.srv);
    CHECK_EQ(srv->live, srv->limit);
    G.refusals++;
}

/* A test of main task fn with a server of `limit` connections (states: the
 * fixed array, or NULL to allocate them) listening on a free port, on the
 * virtual clock (server_test) or the real one. */
static void server_test_on(int real_clock, aio_task_fn fn, void *states, uint32_t limit) {
    aio_loop loop;
    if (real_clock) {
        aio_loop_init(&loop, NULL, 0);
        aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    } else {
        test_loop(&loop);
    }
    memset(&G, 0, sizeof G);
    CHECK_EQ(aio_server_init(&G.srv, handler, states ? G.conns : NULL, sizeof G.conns[0], limit), AIO_OK);
    CHECK_EQ(test_run(&loop, &G.main, fn), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
static void server_test(aio_task_fn fn, void *states, uint32_t limit) { server_test_on(0, fn, states, limit); }

static aio_status listen_here(void) {
    aio_status rc = aio_server_listen(&G.srv, "127.0.0.1", 0, 16);
    G.port = aio_server_port(&G.srv);
    CHECK(G.port > 0);
    return rc;
}

/* Client i connected (G.c[i]), then sending `text` ("": nothing). */
static void connect_client(int i, const char *text) {
    G.c[i] = client();
    if (text[0] != '\0') CHECK_EQ(send_sock(G.c[i], text), (long)strlen(text));
}

/* The opening of most tests: the server listening on a free port, then n
 * clients connected in turn, G.c[0] first, each sending its text as it
 * connects ("": nothing). */
static void serve(int n, ...) {
    va_list ap;
    int i;
    CHECK_EQ(listen_here(), AIO_OK);
    va_start(ap, n);
    for (i = 0; i < n; i++) connect_client(i, va_arg(ap, const char *));
    va_end(ap);
}

/* Clients 0 to n - 1 closed, in that order. */
static void close_socks(int n) {
    int i;
    for (i = 0; i < n; i++) CHECK_EQ(close_sock(G.c[i]), 0);
}

/* The steps a test takes again and again: serve(n, ...), then 1 ms (each
 * client accepted, its handler's first step taken); client i connected,
 * sending `text` (an echo's), which comes back once its handler has run
 * (1 ms); the server's wait_closed and shutdown, each within d, with the
 * status each must give. */
#define SERVE(t, ...)                                                          \
    do {                                                                       \
        serve(__VA_ARGS__);                                                    \
        AIO_SLEEP(t, AIO_MS(1));                                               \
    } while (0)
#define ECHOED(t, i, text)                                                     \
    do {                                                                       \
        connect_client((i), (text));                                           \
        AIO_SLEEP(t, AIO_MS(1));                                               \
        CHECK_STR(reply(G.c[i]), text);                                        \
    } while (0)
#define WAIT_CLOSED_GIVES(t, d, want)                                          \
    do {                                                                       \
        AIO_SERVER_WAIT_CLOSED(t, G.rc, &G.srv, (d));                          \
        CHECK_EQ(G.rc, (want));                                                \
    } while (0)
#define SHUTDOWN_GIVES(t, d, want)                                             \
    do {                                                                       \
        AIO_SERVER_SHUTDOWN(t, G.rc, &G.srv, (d));                             \
        CHECK_EQ(G.rc, (want));                                                \
    } while (0)

/* A handler per connection, each over its own state, numbered in the order
 * accepted; each socket closed when its handler ends; wait_closed after
 * close() ends at once once no handler is left. */
static aio_status per_connection_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 3, "e-one", "e-two", "e-three");
    CHECK_EQ(G.srv.live, 3);
    CHECK_EQ(G.srv.served, 3);
    CHECK_STR(reply(G.c[0]), "e-one");
    CHECK_STR(reply(G.c[1]), "e-two");
    CHECK_STR(reply(G.c[2]), "e-three");
    G.first = aio_server_next(&G.srv, NULL); /* the live connections in order */
    CHECK(G.first != NULL && G.first->id == 1);
    CHECK(G.first != NULL && aio_server_next(&G.srv, G.first)->id == 2);
    CHECK(G.first != NULL && aio_server_next(&G.srv, aio_server_next(&G.srv, G.first))->id == 3);
    if (G.srv.states) CHECK(G.first == &G.conns[0].conn); /* (the array's first) */
    if (!G.srv.states) CHECK(G.first != &G.conns[0].conn); /* (allocated) */
    close_socks(3);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 0);
    CHECK(has("1:done ") && has("2:done ") && has("3:done "));
    CHECK(aio_server_next(&G.srv, NULL) == NULL);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    CHECK_EQ(aio_server_close(&G.srv), AIO_ECLOSED);
    CHECK_EQ(aio_server_port(&G.srv), AIO_EBADF);
    G.at = T_MS();
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 0);
    CHECK_EQ(T_MS(), G.at);
    AIO_END(t);
}
static void test_server_per_connection(void) { server_test(per_connection_main, G.conns, 4); }
/* The same with the states allocated (AIO_MALLOC), given back at the end. */
static void test_server_allocated_states(void) { server_test(per_connection_main, NULL, 4); }

/* The limit: the one too many is sent the refusal, told to the callback,
 * and closed; once a connection has ended, the next is served. */
static aio_status limit_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_server_refuse(&G.srv, "busy\n", refused);
    SERVE(t, 3, "s2", "w", ""); /* the first ends at 2 s; the third is one too many */
    CHECK_EQ(G.refusals, 1);
    CHECK_EQ(G.srv.live, 2);
    CHECK_STR(reply(G.c[2]), "busy\n");
    CHECK_STR(reply(G.c[2]), ""); /* then closed */
    AIO_SLEEP(t, AIO_SEC(2));
    CHECK_EQ(G.srv.live, 1);
    CHECK_STR(G.log, "1:done ");
    ECHOED(t, 3, "e-four");
    CHECK_EQ(G.conns[0].conn.id, 3); /* (the first state, free again) */
    CHECK_EQ(G.refusals, 1);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    close_socks(4);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 0);
    CHECK(has("1:done ") && has("2:eof ") && has("3:done "));
    AIO_END(t);
}
static void test_server_limit(void) { server_test(limit_main, G.conns, 2); }

/* wait_closed with deadlines: the server is closed (no new connection is
 * taken), the handlers go on; a wait of 1 s times out at exactly 1 s, the
 * next ends with the last handler, at 3 s. */
static aio_status wait_closed_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "s3", "s2");
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 1001);
    CHECK_EQ(G.srv.live, 2);
    WAIT_CLOSED_GIVES(t, AIO_SEC(10), 0);
    CHECK_EQ(T_MS(), 3000); /* (the handler's 3 s from its first step, at 0) */
    CHECK_STR(G.log, "2:done 1:done ");
    WAIT_CLOSED_GIVES(t, AIO_SEC(10), 0); /* (closed: at once) */
    CHECK_EQ(T_MS(), 3000);
    close_socks(2);
    AIO_END(t);
}
static void test_server_wait_closed(void) { server_test(wait_closed_main, G.conns, 4); }

/* close_clients: each handler's read finds the end of the stream at once;
 * abort_clients: each handler is cancelled, in connection order. */
static aio_status close_clients_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "w", "w");
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    CHECK_EQ(aio_server_close_clients(&G.srv), 2);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 0);
    CHECK_EQ(T_MS(), 1);
    CHECK(has("1:closed ") && has("2:closed "));
    CHECK_STR(reply(G.c[0]), ""); /* the client sees the end too */
    CHECK_STR(reply(G.c[1]), "");
    close_socks(2);
    AIO_END(t);
}
static void test_server_close_clients(void) { server_test(close_clients_main, G.conns, 4); }

/* After close_clients a handler's socket is shut down both ways: its wait
 * under way ends with AIO_ECLOSED, its next receive finds the end at once,
 * its send fails; the client reads the end; the listener still serves. */
static aio_status close_clients_after_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 1, "z");
    CHECK_EQ(aio_server_close_clients(&G.srv), 1);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(G.log, "1:shut ");
    CHECK_EQ(G.srv.live, 0);
    CHECK_STR(reply(G.c[0]), ""); /* the end */
    ECHOED(t, 1, "e-on"); /* (the listener was left open) */
    CHECK_EQ(close_sock(G.c[1]), 0);
    CHECK_EQ(close_sock(G.c[0]), 0);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    AIO_END(t);
}
static void test_server_close_clients_after(void) { server_test(close_clients_after_main, G.conns, 4); }

static aio_status abort_clients_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 3, "e", "w", "s9");
    CHECK_EQ(aio_server_abort_clients(&G.srv), 3); /* (the server still serves) */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 0);
    CHECK_STR(G.log, "1:cancelled 2:cancelled 3:cancelled ");
    CHECK_STR(reply(G.c[0]), "e");
    CHECK_STR(reply(G.c[0]), ""); /* closed */
    ECHOED(t, 3, "e4"); /* still accepting */
    CHECK_EQ(aio_server_abort_clients(&G.srv), 1);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 0);
    CHECK_EQ(T_MS(), 3);
    close_socks(4);
    AIO_END(t);
}
static void test_server_abort_clients(void) { server_test(abort_clients_main, G.conns, 4); }

/* A graceful stop: no more accepts at once, 2 s for the handlers, the one
 * left then cancelled (lv: 1, at exactly 2 s). A handler spawned but not yet
 * run when the grace ends (0 s) is closed all the same. */
static aio_status shutdown_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "s1", "s5");
    SHUTDOWN_GIVES(t, AIO_SEC(2), 1);
    CHECK_EQ(T_MS(), 2001);
    CHECK_STR(G.log, "1:done 2:cancelled ");
    CHECK_EQ(aio_server_port(&G.srv), AIO_EBADF);
    SHUTDOWN_GIVES(t, AIO_SEC(2), 1); /* (over: at once) */
    CHECK_EQ(T_MS(), 2001);
    close_socks(2);
    /* again, a connection waiting in the backlog when the grace (0) ends */
    G.log[0] = '\0';
    SERVE(t, 1, "s5");
    G.c[1] = client();
    AIO_YIELD(t); /* (accepted, its handler spawned, not yet run) */
    AIO_SERVER_SHUTDOWN(t, G.rc, &G.srv, 0);
    CHECK(G.rc >= 1);
    CHECK_EQ(G.srv.live, 0);
    CHECK_EQ(T_MS(), 2002);
    CHECK_STR(reply(G.c[1]), ""); /* closed */
    close_socks(2);
    AIO_END(t);
}
static void test_server_shutdown(void) { server_test(shutdown_main, G.conns, 4); }
static void test_server_shutdown_allocated(void) { server_test(shutdown_main, NULL, 4); }

/* A failed accept: a connection reset before its accept is skipped (or
 * served and ended at once: the system decides), the next one is served;
 * a listener that is not one ends the server with the accept's status. */
static aio_status failed_accept_main(aio_task *t) {
    AIO_BEGIN(t);
    serve(1, "");
    {
        struct linger lg;
        lg.l_onoff = 1;
        lg.l_linger = 0; /* a reset on close */
        (void)setsockopt(SOCK(G.c[0]), SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
    }
    CHECK_EQ(close_sock(G.c[0]), 0);
    ECHOED(t, 1, "e-next");
    CHECK_EQ(close_sock(G.c[1]), 0);
    AIO_SLEEP(t, AIO_MS(1));
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    /* a socket that does not listen */
    G.c[2] = (int)socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(aio_server_start(&G.srv, G.c[2]), AIO_OK);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), AIO_EBADF);
    CHECK_DEBUG("AIO_ACCEPT: descriptor");
    CHECK_EQ(aio_server_close(&G.srv), AIO_ECLOSED); /* (closed by the server) */
    AIO_END(t);
}
static void test_server_failed_accept(void) { server_test(failed_accept_main, G.conns, 4); }

/* The one too many with no refusal set: closed, nothing sent, nothing
 * told. The search for a free state starts after the last one taken and
 * goes round: with the second state busy, the next connection takes the
 * first; aio_server_next gives the live ones by id, not by state, after a
 * live one or one that has ended. */
static aio_status silent_limit_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "w", "w");
    CHECK_EQ(G.srv.live, 2);
    G.c[2] = client(); /* the one too many */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[2]), ""); /* closed, no message */
    CHECK_EQ(G.srv.served, 2);
    CHECK_EQ(G.refusals, 0);
    CHECK_EQ(close_sock(G.c[0]), 0); /* handler 1 (state 0) ends */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 1);
    CHECK(aio_server_next(&G.srv, &G.conns[0].conn) == &G.conns[1].conn); /* (after one ended since: by order) */
    connect_client(3, "w");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.conns[0].conn.id, 3); /* (state 0 again: the search began there) */
    CHECK_EQ(close_sock(G.c[3]), 0); /* handler 3 ends: state 0 free, state 1 busy */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 1);
    connect_client(4, "w");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 2);
    CHECK_EQ(G.conns[0].conn.id, 4); /* (from state 1, busy, round to state 0) */
    CHECK_EQ(G.conns[1].conn.id, 2);
    G.first = aio_server_next(&G.srv, NULL);
    CHECK(G.first == &G.conns[1].conn); /* id 2 first, though its state is the second */
    CHECK(G.first != NULL && aio_server_next(&G.srv, G.first) == &G.conns[0].conn);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    CHECK_EQ(close_sock(G.c[1]), 0);
    /* (one end at a time: no wait promises an order for two descriptors
     * ready at once) */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(close_sock(G.c[4]), 0);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 0);
    CHECK_STR(G.log, "1:eof 3:eof 2:eof 4:eof ");
    CHECK_EQ(close_sock(G.c[2]), 0);
    AIO_END(t);
}
static void test_server_silent_limit(void) { server_test(silent_limit_main, G.conns, 2); }

/* A handler cancelled before its first step, by abort_clients or by
 * aio_cancel on its task: its body never runs (no cleanup to note), and in
 * the step it would have taken its socket is closed and its state freed;
 * abort_clients cancels each handler once. The main task yields until the
 * server has spawned it, so it runs between the spawn and the handler's
 * first step. */
static int by_cancel;
static aio_status unstarted_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 1, "w");
    CHECK_EQ(G.srv.served, 1);
    G.c[1] = client();
    for (G.i = 0; G.i < 1000 && G.srv.served < 2; G.i++) AIO_YIELD(t);
    CHECK_EQ(G.srv.served, 2);
    CHECK_EQ(G.srv.live, 2);
    if (by_cancel) CHECK_EQ(aio_cancel(&G.conns[1].conn.task), 1);
    CHECK_EQ(aio_server_abort_clients(&G.srv), by_cancel ? 1 : 2);
    CHECK_EQ(aio_server_abort_clients(&G.srv), 0); /* (each cancelled once) */
    AIO_YIELD(t);
    CHECK_EQ(G.srv.live, 0);
    CHECK_EQ((int)G.conns[1].conn.fd, -1);
    CHECK(aio_task_cancelled(&G.conns[1].conn.task));
    CHECK(aio_server_next(&G.srv, NULL) == NULL);
    CHECK_STR(G.log, "1:cancelled "); /* (the second's body never ran) */
    CHECK_STR(reply(G.c[1]), ""); /* closed */
    G.at = T_MS();
    SHUTDOWN_GIVES(t, 0, 0);
    CHECK_EQ(T_MS(), G.at);
    close_socks(2);
    AIO_END(t);
}
static void test_server_abort_unstarted(void) {
    by_cancel = 0;
    server_test(unstarted_main, G.conns, 4);
}
static void test_server_cancel_unstarted(void) {
    by_cancel = 1;
    server_test(unstarted_main, G.conns, 4);
}

/* A second shutdown (a second Ctrl-C) does not cancel again the handlers
 * the first one cancelled: a cleanup that awaits runs whole, and
 * wait_closed counts each handler once. */
static aio_status shutdown_twice_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "c", "w");
    CHECK_EQ(aio_server_shutdown(&G.srv, 0), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_STR(G.log, "1:cancelled 2:cancelled "); /* (1's cleanup under way) */
    CHECK_EQ(G.srv.live, 1);
    CHECK_EQ(aio_server_shutdown(&G.srv, 0), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_server_abort_clients(&G.srv), 0);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 2);
    CHECK_EQ(T_MS(), 101);
    CHECK_STR(G.log, "1:cancelled 2:cancelled 1:cleaned ");
    close_socks(2);
    AIO_END(t);
}
static void test_server_shutdown_twice(void) { server_test(shutdown_twice_main, G.conns, 4); }

/* The server's task cancelled while serving: it owns its handlers, so they
 * are cancelled too and waited for, a cleanup that awaits run whole even
 * when the server is cancelled again meanwhile; their sockets are closed,
 * the allocated states given back, and the server can start again. */
static aio_status cancelled_server_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "c", "w");
    CHECK_EQ(G.srv.live, 2);
    CHECK_EQ(aio_cancel(&G.srv.task), 1);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_STR(G.log, "1:cancelled 2:cancelled ");
    CHECK_EQ(aio_server_port(&G.srv), AIO_EBADF); /* (closed) */
    CHECK_EQ(G.srv.live, 1); /* (1's cleanup under way) */
    CHECK_EQ(aio_cancel(&G.srv.task), 1); /* again: its wait goes on */
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 101);
    CHECK_STR(G.log, "1:cancelled 2:cancelled 1:cleaned ");
    CHECK(G.srv.made == NULL); /* (given back) */
    CHECK_STR(reply(G.c[0]), ""); /* closed */
    CHECK_STR(reply(G.c[1]), "");
    CHECK_EQ(listen_here(), AIO_OK); /* again */
    ECHOED(t, 2, "e-again");
    close_socks(3);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    CHECK(G.srv.made == NULL);
    AIO_END(t);
}
static void test_server_cancelled(void) { server_test(cancelled_server_main, NULL, 4); }

/* The main task returns while the server serves: aio_run cancels the server
 * and its handlers (once each: a cleanup that awaits runs whole), each
 * socket is closed, and the server gives its allocated states back. */
static aio_status left_serving_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 2, "w", "c");
    CHECK_EQ(G.srv.live, 2);
    AIO_END(t);
}
static void test_server_left_serving(void) {
    aio_loop loop;
    test_loop(&loop);
    memset(&G, 0, sizeof G);
    CHECK_EQ(aio_server_init(&G.srv, handler, NULL, sizeof G.conns[0], 4), AIO_OK);
    CHECK_EQ(test_run(&loop, &G.main, left_serving_main), AIO_OK);
    CHECK(aio_task_cancelled(&G.srv.task));
    CHECK_EQ(G.srv.live, 0);
    CHECK(G.srv.made == NULL);
    CHECK_STR(G.log, "1:cancelled 2:cancelled 2:cleaned ");
    CHECK_STR(reply(G.c[0]), ""); /* closed */
    CHECK_STR(reply(G.c[1]), "");
    close_socks(2);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Handlers cancelled once already (aio_conn_abort, aio_cancel, the server's
 * abort_clients), whose cleanups await, when the main task returns while the
 * server serves: aio_run's end cancels the server, which cancels none of them
 * again, so each cleanup runs whole (100 ms), then its socket is closed. */
static aio_status left_after_cancels_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 4, "c", "c", "c", "c");
    CHECK_EQ(aio_conn_abort(&G.conns[0].conn), 1);
    CHECK_EQ(aio_cancel(&G.conns[1].conn.task), 1);
    CHECK_EQ(aio_server_abort_clients(&G.srv), 2); /* (3 and 4) */
    AIO_YIELD(t); /* (their cleanups begin) */
    G.at = T_MS();
    AIO_END(t);
}
static void test_server_left_serving_after_cancels(void) {
    aio_loop loop;
    test_loop(&loop);
    memset(&G, 0, sizeof G);
    CHECK_EQ(aio_server_init(&G.srv, handler, G.conns, sizeof G.conns[0], 4), AIO_OK);
    CHECK_EQ(test_run(&loop, &G.main, left_after_cancels_main), AIO_OK);
    CHECK(has("1:cleaned ") && has("2:cleaned ") && has("3:cleaned ") && has("4:cleaned "));
    CHECK(has("1:cancelled ") && has("2:cancelled ") && has("3:cancelled ") && has("4:cancelled "));
    CHECK_EQ(T_MS() - G.at, 100); /* (the cleanups, side by side, whole) */
    CHECK_EQ(G.srv.live, 0);
    CHECK(aio_task_cancelled(&G.srv.task));
    CHECK_STR(reply(G.c[0]), ""); /* closed */
    CHECK_STR(reply(G.c[3]), "");
    close_socks(4);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* One connection aborted (asyncio's transport.abort()): a handler waiting
 * in a receive, one whose send is blocked by a client that never reads, one
 * waiting in a shielded block, one cancelled already: each wait ends at
 * once (cancelled; closed inside the shield), the cleanup runs, the socket
 * is shut down and closed (the client reads the end); the server serves
 * on. Aborting again, or a connection that has ended, does nothing. */
static aio_status conn_abort_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 4, "w", "f", "h", "e");
    AIO_SLEEP(t, AIO_MS(10)); /* (2's socket full) */
    CHECK_EQ(G.srv.live, 4);
    CHECK_STR(reply(G.c[3]), "e");
    CHECK_EQ(aio_conn_abort(&G.conns[0].conn), 1);
    CHECK_EQ(aio_conn_abort(&G.conns[0].conn), 0); /* (aborted already) */
    CHECK_EQ(aio_conn_abort(&G.conns[1].conn), 1);
    CHECK_EQ(aio_conn_abort(&G.conns[2].conn), 1);
    CHECK_EQ(aio_cancel(&G.conns[3].conn.task), 1);
    CHECK_EQ(aio_conn_abort(&G.conns[3].conn), 1); /* (cancelled already: not again) */
    CHECK_EQ(aio_server_abort_clients(&G.srv), 0); /* (every one cancelled already) */
    AIO_YIELD(t);
    CHECK_EQ(G.srv.live, 0);
    CHECK(has("1:cancelled ") && has("2:cancelled ") && has("3:closed ") && has("4:cancelled "));
    CHECK_EQ(T_MS(), 11);
    CHECK_STR(reply(G.c[0]), ""); /* the end */
    CHECK_STR(reply(G.c[2]), "");
    CHECK_EQ(aio_conn_abort(&G.conns[0].conn), 0); /* (ended) */
    ECHOED(t, 4, "e-on"); /* (the server serves on) */
    CHECK_EQ(aio_conn_abort(aio_server_next(&G.srv, NULL)), 1);
    close_socks(5);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    AIO_END(t);
}
static void test_server_conn_abort(void) { server_test(conn_abort_main, G.conns, 4); }

/* A handler that closes its own socket: the server does not close that
 * number again, which may be another socket's by then (here the listener
 * the handler opened next takes it, on POSIX). aio_cancel on a handler after
 * its first step: its cleanup runs, then its socket is closed. */
static aio_status own_close_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 1, "x");
    CHECK_EQ(G.srv.live, 0);
    CHECK(aio_socket_port(G.spare) > 0); /* (still open) */
    CHECK_EQ(aio_close(G.spare), AIO_OK);
    CHECK_STR(reply(G.c[0]), "");
    connect_client(1, "w");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_cancel(&aio_server_next(&G.srv, NULL)->task), 1);
    AIO_YIELD(t);
    CHECK_EQ(G.srv.live, 0);
    CHECK_STR(G.log, "2:cancelled ");
    CHECK_STR(reply(G.c[1]), ""); /* closed */
    close_socks(2);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    AIO_END(t);
}
static void test_server_own_close(void) { server_test(own_close_main, G.conns, 4); }

/* A socket's number is not its identity. A handler closes its own socket
 * and lives on; the next connection's socket takes the number (POSIX gives
 * the lowest free one). aio_conn_abort on the first cancels its handler and
 * touches no socket: the second's read is not cut and the second is not
 * closed when the first handler ends. Then the same for a number closed
 * 65,535 times between the handler's own close and its end (a whole round
 * of a count of one number's closes in 8 or 16 bits): the program's own
 * socket on that number is left open. */
static int reused_number;
static void connect_made(int fd) { /* (a client socket made before, connected now) */
    aio_address a;
    CHECK_EQ(aio_address_set(&a, "127.0.0.1", G.port), AIO_OK);
    CHECK_EQ(connect(SOCK(fd), (const struct sockaddr *)(const void *)a.sa, a.len), 0);
    recv_timeout(fd);
}
static aio_status number_reused_main(aio_task *t) {
    AIO_BEGIN(t);
    G.c[1] = (int)socket(AF_INET, SOCK_STREAM, 0); /* (made before the number is freed) */
    SERVE(t, 1, "y");
    connect_made(G.c[1]);
    AIO_SLEEP(t, AIO_MS(1));
    G.first = &G.conns[0].conn;
#ifndef _WIN32
    CHECK_EQ(aio__fd(G.conns[1].conn.fd), aio__fd(G.first->fd)); /* (the lowest free number) */
#endif
    CHECK_EQ(aio_conn_abort(G.first), 1); /* (its handler cancelled; no socket touched) */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 1);
    CHECK_EQ(send_sock(G.c[1], "e-second"), 8);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[1]), "e-second"); /* (its read was not cut: it echoes) */
    CHECK(has("1:cancelled "));
    CHECK_EQ(send_sock(G.c[1], "again"), 5);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[1]), "again"); /* (the first's end closed nothing of the second's) */
    close_socks(2);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 0);
    /* the number closed over and over while a handler that closed it lives */
    connect_client(2, "y");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 1);
    reused_number = aio__fd(aio_server_next(&G.srv, NULL)->fd);
    for (G.i = 0; G.i < 65534; G.i++) {
        G.spare = (int)socket(AF_INET, SOCK_STREAM, 0);
        CHECK(G.spare >= 0);
        CHECK_EQ(aio_close(G.spare), AIO_OK);
    }
    G.spare = aio_tcp_listen("127.0.0.1", 0, 1); /* (the program's own, on the number again) */
#ifndef _WIN32
    CHECK_EQ(G.spare, reused_number);
#endif
    AIO_SLEEP(t, AIO_MS(300)); /* (the handler ends) */
    CHECK(has("3:lived "));
    CHECK_EQ(G.srv.live, 0);
    CHECK(aio_socket_port(G.spare) > 0); /* (still open) */
    CHECK_EQ(aio_close(G.spare), AIO_OK);
    CHECK_EQ(close_sock(G.c[2]), 0);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    AIO_END(t);
}
static void test_server_number_reused(void) { server_test(number_reused_main, G.conns, 4); }

/* A goodbye that outlives a shutdown: the handler, cancelled by the
 * shutdown at once (grace 0), writes 4 MiB in its cleanup and closes its
 * socket with AIO_STREAM_CLOSE; the client (a task of the loop, reading
 * 64 KiB at a time) receives every byte, then the end; the shutdown waits
 * for that cleanup, and the server closes nothing itself. On the real
 * clock, 10 s to each side: no time decides it, and on the virtual clock
 * the room a loaded machine gives back late (a TCP acknowledgement) would
 * let time jump to those deadlines. */
static aio_task reader;
static long long read_total;
static aio_status read_to_end(aio_task *t) {
    AIO_BEGIN(t);
    read_total = 0;
    for (;;) {
        AIO_RECV(t, G.rc, G.c[0], G.big, sizeof G.big, AIO_SEC(10));
        if (G.rc <= 0) break;
        read_total += G.rc;
    }
    AIO_END(t);
}
static aio_status goodbye_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 1, "g");
    CHECK_EQ(aio_spawn(&reader, read_to_end), AIO_OK);
    SHUTDOWN_GIVES(t, 0, 1);
    CHECK_STR(G.log, "1:cancelled 1:flushed ");
    AIO_AWAIT(t, G.rc, &reader);
    CHECK_EQ(G.rc, 0); /* (the end, not an error) */
    CHECK_EQ(read_total, 64LL * (long long)sizeof G.big);
    CHECK_EQ(G.srv.live, 0);
    close_socks(1);
    AIO_END(t);
}
static void test_server_goodbye_on_shutdown(void) { server_test_on(1, goodbye_main, G.conns, 4); }

#ifdef TEST_COUNTED_ALLOC
/* Refused for want of memory: fewer live than the limit. */
static void refused_no_memory(aio_server *srv) {
    CHECK(srv == &G.srv);
    CHECK(srv->live < srv->limit);
    G.refusals++;
}

/* Out of memory: a server whose states cannot be allocated does not start
 * (AIO_EIO, its listener closed); a connection whose state cannot be
 * allocated is refused as the one too many is, and the next is served. */
static aio_status no_memory_main(aio_task *t) {
    int fd;
    AIO_BEGIN(t);
    aio_server_refuse(&G.srv, "busy\n", refused_no_memory);
    fd = aio_tcp_listen("127.0.0.1", 0, 16);
    CHECK(fd >= 0);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_server_start(&G.srv, fd), AIO_EIO);
    test_alloc_fail_after(-1);
    CHECK(!aio_task_alive(&G.srv.task));
    CHECK_EQ(aio_server_port(&G.srv), AIO_EBADF);
    CHECK_EQ(listen_here(), AIO_OK);
    ECHOED(t, 0, "e-warm"); /* (served and ended: the loop's tables grown) */
    CHECK_EQ(close_sock(G.c[0]), 0);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 0);
    G.c[1] = client();
    G.at = (long long)test_alloc_failed();
    test_alloc_fail_after(0); /* (the next allocation: the connection's state) */
    AIO_SLEEP(t, AIO_MS(1));
    test_alloc_fail_after(-1);
    CHECK_EQ((long long)test_alloc_failed(), G.at + 1);
    CHECK_EQ(G.refusals, 1);
    CHECK_EQ(G.srv.live, 0);
    CHECK_EQ(G.srv.served, 1);
    CHECK_STR(reply(G.c[1]), "busy\n");
    CHECK_STR(reply(G.c[1]), ""); /* then closed */
    ECHOED(t, 2, "e-next");
    CHECK_EQ(close_sock(G.c[1]), 0);
    CHECK_EQ(close_sock(G.c[2]), 0);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    CHECK_STR(G.log, "1:done 2:done ");
    AIO_END(t);
}
static void test_server_no_memory(void) { server_test(no_memory_main, NULL, 4); }
#endif

/* With no loop a server cannot start: aio_server_start gives aio_spawn's
 * refusal, closes the listener it was given and gives back the table of
 * states it allocated (states NULL). */
static void test_server_no_loop(void) {
    static aio_server srv;
    aio_loop loop;
    int fd;
    memset(&G, 0, sizeof G);
    test_loop(&loop); /* (and destroyed: no loop left) */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_server_init(&srv, handler, G.conns, sizeof G.conns[0], 4), AIO_OK);
    fd = aio_tcp_listen("127.0.0.1", 0, 1);
    CHECK(fd >= 0);
    CHECK_EQ(aio_server_start(&srv, fd), AIO_EINVAL);
    CHECK_DEBUG("aio_spawn: no loop");
    CHECK(!aio_task_alive(&srv.task));
    CHECK_EQ(aio_server_port(&srv), AIO_EBADF);
    CHECK_EQ(aio_close(fd), AIO_EBADF); /* (closed by the refusal) */
    CHECK_EQ(aio_server_init(&srv, handler, NULL, sizeof G.conns[0], 4), AIO_OK);
    CHECK_EQ(aio_server_start(&srv, aio_tcp_listen("127.0.0.1", 0, 1)), AIO_EINVAL);
    CHECK(srv.made == NULL); /* (given back) */
}

/* Bad input: clear statuses, and messages naming the mistake. */
static aio_status bad_input_main(aio_task *t) {
    static aio_server srv;
    static aio_server zero;
    int fd;
    AIO_BEGIN(t);
    CHECK_EQ(aio_server_init(NULL, handler, G.conns, sizeof G.conns[0], 4), AIO_EINVAL);
    CHECK_DEBUG("aio_server_init: the server or the handler is NULL");
    CHECK_EQ(aio_server_init(&srv, NULL, G.conns, sizeof G.conns[0], 4), AIO_EINVAL);
    CHECK_EQ(aio_server_init(&srv, handler, G.conns, sizeof G.conns[0], 0), AIO_EINVAL);
    CHECK_DEBUG("or the limit is 0");
    CHECK_EQ(aio_server_init(&srv, handler, G.conns, sizeof(aio_conn) - 1, 4), AIO_EINVAL);
    CHECK_DEBUG("smaller than an aio_conn");
    CHECK_EQ(aio_server_start(&srv, AIO_EIO), AIO_EIO); /* a failed listen's status, as it is */
    fd = aio_tcp_listen("127.0.0.1", 0, 0);
    CHECK_EQ(aio_server_start(&zero, fd), AIO_EINVAL); /* (not initialised: the listener closed) */
    CHECK_DEBUG("aio_server_start: the server is NULL or not initialised");
    CHECK_EQ(aio_server_start(NULL, aio_tcp_listen("127.0.0.1", 0, 0)), AIO_EINVAL);
    test_last_debug[0] = '\0';
    CHECK_EQ(aio_server_listen(&G.srv, "no such host", 0, 0), AIO_EINVAL);
    CHECK_DEBUG("aio_tcp_listen: the host is not a numeric");
    CHECK_EQ(listen_here(), AIO_OK);
    CHECK_EQ(aio_server_listen(&G.srv, "127.0.0.1", 0, 0), AIO_EBUSY);
    CHECK_DEBUG("aio_server_start: the server is serving already");
    CHECK_EQ(aio_server_shutdown(&G.srv, AIO_NEVER - 1), AIO_EINVAL);
    CHECK_DEBUG("aio_server_shutdown: the grace is NaN");
    test_last_debug[0] = '\0';
    CHECK_EQ(aio_server_shutdown(&zero, AIO_SEC(1)), AIO_EINVAL);
    CHECK_DEBUG("aio_server_shutdown: the server was never started");
    CHECK_EQ(aio_server_shutdown(NULL, AIO_SEC(1)), AIO_EINVAL);
    CHECK_EQ(aio_server_close(NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_close_clients(NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_abort_clients(NULL), AIO_EINVAL);
    CHECK_EQ(aio_conn_abort(NULL), AIO_EINVAL);
    CHECK_DEBUG("aio_conn_abort: the connection is NULL, or no server took it");
    CHECK_EQ(aio_conn_abort(&G.conns[3].conn), AIO_EINVAL); /* (never served) */
    CHECK_EQ(aio_server_port(NULL), AIO_EBADF);
    CHECK(aio_server_next(NULL, NULL) == NULL);
    aio_server_refuse(NULL, "x", NULL);
    CHECK_DEBUG("aio_server_refuse: the server is NULL");
    SHUTDOWN_GIVES(t, AIO_NEVER, 0); /* (no grace limit: none live) */
    AIO_END(t);
}
static void test_server_bad_input(void) { server_test(bad_input_main, G.conns, 4); }

#if UNIX_SERVER_TESTS
/* A Unix-socket server through the same call: aio_server_start on
 * aio_unix_listen's listener. Its socket file is there while it serves and
 * gone once it has closed (asyncio 3.13); a server whose file was replaced
 * meanwhile (removed, another listener made there) leaves the new one. */
static char unix_path[64];
static int unix_file_is_there(void) {
    struct stat st;
    return stat(unix_path, &st) == 0;
}
static aio_status unix_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_server_start(&G.srv, aio_unix_listen(unix_path, 0)), AIO_OK);
    CHECK(unix_file_is_there());
    AIO_UNIX_CONNECT(t, G.c[0], unix_path, AIO_SEC(1));
    CHECK(G.c[0] >= 0);
    AIO_SEND_ALL(t, G.rc, G.c[0], "e-unix", 6, AIO_SEC(1));
    AIO_RECV(t, G.rc, G.c[0], G.got, sizeof G.got, AIO_SEC(1));
    CHECK_EQ(G.rc, 6);
    CHECK(memcmp(G.got, "e-unix", 6) == 0);
    CHECK_EQ(aio_close(G.c[0]), AIO_OK);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    CHECK_STR(G.log, "1:done ");
    CHECK(!unix_file_is_there()); /* (removed as the server closed) */
    /* the file replaced while it serves: another's, left alone */
    CHECK_EQ(aio_server_start(&G.srv, aio_unix_listen(unix_path, 0)), AIO_OK);
    CHECK_EQ(unlink(unix_path), 0);
    G.spare = aio_unix_listen(unix_path, 0);
    CHECK(G.spare >= 0);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    CHECK(unix_file_is_there());
    CHECK_EQ(aio_close(G.spare), AIO_OK);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    CHECK(unix_file_is_there()); /* (a listener closed by the program: its file stays, as asyncio's) */
    /* the file removed while it serves, none there at its close: nothing to remove */
    CHECK_EQ(aio_server_start(&G.srv, aio_unix_listen(unix_path, 0)), AIO_OK);
    CHECK_EQ(unlink(unix_path), 0);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    CHECK(!unix_file_is_there());
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
#if defined(__linux__) && !defined(AIO_NO_LINUX)
    /* an abstract name (Linux): no file to note or remove */
    CHECK_EQ(aio_server_start(&G.srv, aio_unix_listen("@aio-server-abstract", 0)), AIO_OK);
    CHECK(G.srv.unix_file == NULL);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
#endif
    CHECK_EQ(aio_server_start(&G.srv, aio_unix_listen("", 0)), AIO_EINVAL); /* (the listen's refusal) */
    AIO_END(t);
}
static void test_server_unix(void) {
    (void)snprintf(unix_path, sizeof unix_path, "/tmp/aio-server-%d.sock", (int)getpid());
    (void)unlink(unix_path);
    server_test(unix_main, G.conns, 4);
    (void)unlink(unix_path);
}

/* A server started by a main task that returns at once: aio_run's end
 * cancels it before its first step, and it closes its listener and removes
 * its socket file all the same (its task takes that step, cancelled). */
static aio_status left_at_once_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_server_start(&G.srv, aio_unix_listen(unix_path, 0)), AIO_OK);
    G.spare = G.srv.listener;
    CHECK(unix_file_is_there());
    AIO_END(t);
}
static void test_server_left_before_its_first_step(void) {
    aio_loop loop;
    (void)snprintf(unix_path, sizeof unix_path, "/tmp/aio-server-%d.sock", (int)getpid());
    (void)unlink(unix_path);
    test_loop(&loop);
    memset(&G, 0, sizeof G);
    CHECK_EQ(aio_server_init(&G.srv, handler, G.conns, sizeof G.conns[0], 4), AIO_OK);
    CHECK_EQ(test_run(&loop, &G.main, left_at_once_main), AIO_OK);
    CHECK(aio_task_cancelled(&G.srv.task));
    CHECK_EQ(G.srv.listener, -1);
    CHECK(G.srv.unix_file == NULL);
    CHECK(!unix_file_is_there());
    CHECK_EQ(fcntl(G.spare, F_GETFD), -1); /* (the listener's number: closed) */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#endif
#if UNIX_SERVER_TESTS
/* A connection whose number is beyond the slots of the loop's port (every
 * lower number taken, by copies of a socket of the test's): its slot is
 * made as it is taken (the port's table grows), and it is served as any
 * other. Out of memory then (the table cannot grow), it is served still,
 * its socket closed when its handler ends. */
static struct {
    int base, n;
    int fds[1024];
    uint32_t nslots;
} B;

/* Every number below the slots of loop L's port taken. */
static void take_low_numbers(aio_loop *L) {
    B.nslots = L->io->nslots;
    while (B.n < (int)(sizeof B.fds / sizeof B.fds[0])) {
        int fd = dup(B.base);
        CHECK(fd >= 0);
        if (fd < 0) return;
        B.fds[B.n++] = fd;
        if ((uint32_t)fd + 1 >= B.nslots) return;
    }
}

static aio_status beyond_slots_main(aio_task *t) {
    AIO_BEGIN(t);
    B.n = 0;
    B.base = (int)socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(B.base >= 0);
    CHECK_EQ(listen_here(), AIO_OK);
    AIO_SLEEP(t, AIO_MS(1)); /* (the server waits on its listener: the port is there) */
    take_low_numbers(t->loop);
    ECHOED(t, 0, "e-far");
    G.first = aio_server_next(&G.srv, NULL);
    CHECK(G.first != NULL);
    CHECK((uint32_t)G.first->fd >= B.nslots);
    CHECK(t->loop->io->nslots > (uint32_t)G.first->fd); /* (grown for it) */
#ifdef TEST_COUNTED_ALLOC
    take_low_numbers(t->loop);
    connect_client(1, "e-oom");
    G.at = (long long)test_alloc_failed();
    test_alloc_fail_after(0); /* (the next allocation: the table's, as the connection is taken) */
    AIO_SLEEP(t, AIO_MS(1));
    test_alloc_fail_after(-1);
    CHECK_EQ((long long)test_alloc_failed(), G.at + 1);
    CHECK_EQ(G.srv.live, 2);
    CHECK_STR(reply(G.c[1]), "e-oom");
    CHECK_EQ(close_sock(G.c[1]), 0);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(G.srv.live, 1);
    CHECK_STR(G.log, "2:done ");
#endif
    while (B.n) CHECK_EQ(close(B.fds[--B.n]), 0);
    CHECK_EQ(close(B.base), 0);
    CHECK_EQ(close_sock(G.c[0]), 0);
    SHUTDOWN_GIVES(t, AIO_SEC(1), 0);
    CHECK(has("1:done "));
    AIO_END(t);
}
static void test_server_beyond_port_slots(void) { server_test(beyond_slots_main, G.conns, 4); }

/* close_clients over a connection its client reset (its socket can no
 * longer be shut down: the system refuses): counted still, its handler,
 * asleep, goes on to its end, which the shutdown waits for. */
static aio_status reset_then_close_clients_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 1, "s2");
    {
        struct linger lg;
        lg.l_onoff = 1;
        lg.l_linger = 0; /* a reset on close */
        (void)setsockopt(G.c[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    CHECK_EQ(close_sock(G.c[0]), 0);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_server_close_clients(&G.srv), 1);
    CHECK_EQ(G.srv.live, 1);
    SHUTDOWN_GIVES(t, AIO_SEC(5), 0);
    CHECK_EQ(T_MS(), 2000);
    CHECK_STR(G.log, "1:done ");
    AIO_END(t);
}
static void test_server_close_clients_after_reset(void) { server_test(reset_then_close_clients_main, G.conns, 4); }

/* The server's listener forgotten under it (aio_io_forget: a close notified,
 * Trio's notify_closing): its accept ends with AIO_ECLOSED as after
 * aio_server_close; its handler goes on to its end (1 s), and the server
 * then ends, with status 0, its listener closed. */
static aio_status listener_forgotten_main(aio_task *t) {
    AIO_BEGIN(t);
    SERVE(t, 1, "s1");
    aio_io_forget(G.srv.listener);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK(aio_task_alive(&G.srv.task));
    CHECK_EQ(G.srv.live, 1);
    WAIT_CLOSED_GIVES(t, AIO_SEC(5), 0);
    CHECK_EQ(T_MS(), 1000);
    CHECK_STR(G.log, "1:done ");
    CHECK_EQ(aio_task_result(&G.srv.task), 0);
    CHECK_EQ(aio_server_port(&G.srv), AIO_EBADF); /* (closed by the server) */
    CHECK_STR(reply(G.c[0]), ""); /* (its connection closed at its handler's end) */
    close_socks(1);
    AIO_END(t);
}
static void test_server_listener_forgotten(void) { server_test(listener_forgotten_main, G.conns, 4); }

/* A listener whose accept fails with an error that may pass (a UDP socket:
 * the system does not support accept there, and it is no lack of
 * descriptors): the server tries again after 1, 2, 4 ... ms, up to 100 ms
 * (asyncio's server logs it and goes on), and serves on until it is closed;
 * it then ends at the end of the back-off under way (127 ms), with 0. */
static aio_status accept_fails_main(aio_task *t) {
    AIO_BEGIN(t);
    G.spare = aio_udp_open("127.0.0.1", 0);
    CHECK(G.spare >= 0);
    CHECK_EQ(aio_server_start(&G.srv, G.spare), AIO_OK);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK(aio_task_alive(&G.srv.task));
    CHECK_EQ(G.srv.live, 0);
    CHECK_EQ(aio_server_close(&G.srv), AIO_OK);
    WAIT_CLOSED_GIVES(t, AIO_SEC(1), 0);
    CHECK_EQ(T_MS(), 127);
    CHECK_EQ(aio_task_result(&G.srv.task), 0);
    CHECK_EQ(G.srv.served, 0);
    AIO_END(t);
}
static void test_server_accept_fails_backs_off(void) { server_test(accept_fails_main, G.conns, 4); }
#endif

#if !defined(AIO_NO_THREADS)
/* A server on every core (aio_server_share), its loops all on this one
 * loop: each start joins the share as a loop would (two servers of one
 * loop are two members), so its hand-off runs here, in the loop's order. */
static struct {
    aio_server_share sh;
    aio_server srv[3];
    aio_event stop[2];
    conn_t conns[2][4];
    aio_loop other;
    aio_timer timers[4];
    aio_task task;
    aio_status rc;
} SH;

/* Echo each receive until the end; "k": yield once, then close the second
 * server (a connection handed to it and not taken yet is closed with it). */
static aio_status share_handler(aio_task *t) {
    conn_t *c = AIO_CONN_SELF(t, conn_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_RECV(t, c->n, c->conn.fd, c->buf, sizeof c->buf, AIO_SEC(10));
        if (c->n <= 0) break;
        if (c->buf[0] == 'k') {
            AIO_YIELD(t);
            CHECK_EQ(aio_server_close(&SH.srv[1]), AIO_OK);
        }
        AIO_SEND_ALL(t, c->rc, c->conn.fd, c->buf, (size_t)c->n, AIO_SEC(1));
    }
    AIO_END(t);
}

static void share_setup(int hand_off, uint32_t limit) {
    int i;
    memset(&G, 0, sizeof G);
    memset(&SH, 0, sizeof SH);
    CHECK_EQ(aio_server_share_init(&SH.sh, 2, "127.0.0.1", 0, 16), AIO_OK);
    if (hand_off) CHECK_EQ(aio_server_share_hand_off(&SH.sh), AIO_OK);
    for (i = 0; i < 3; i++)
        CHECK_EQ(aio_server_init(&SH.srv[i], share_handler, i < 2 ? SH.conns[i] : NULL, sizeof SH.conns[0][0], limit),
                 AIO_OK);
    G.port = aio_server_share_port(&SH.sh);
    CHECK(G.port > 0);
}

/* One loop accepts and hands out, in turn: the first connection kept, the
 * second handed to the other server, the third kept; ids count across the
 * share; its limit refuses the one too many; the close stops both servers
 * and sets both events; a connection handed and not taken when its server
 * closes is closed; after the loop, the share is let go. */
static aio_status share_hand_off_main(aio_task *t) {
    aio_conn *c;
    AIO_BEGIN(t);
    CHECK_EQ(aio_server_start_shared(&SH.srv[0], &SH.sh, &SH.stop[0]), AIO_OK); /* (the accepting one) */
    CHECK_EQ(aio_server_share_hand_off(&SH.sh), AIO_EINVAL); /* (joined: too late) */
    CHECK_DEBUG("choose before the loops start");
    CHECK_EQ(aio_server_start_shared(&SH.srv[1], &SH.sh, &SH.stop[1]), AIO_OK);
    CHECK_EQ(aio_server_start_shared(&SH.srv[1], &SH.sh, &SH.stop[1]), AIO_EBUSY);
    CHECK_EQ(aio_server_start_shared(&SH.srv[2], &SH.sh, NULL), AIO_ELIMIT);
    CHECK_DEBUG("as many loops as the share was made for");
    CHECK_EQ(aio_server_port(&SH.srv[0]), G.port);
    CHECK_EQ(aio_server_port(&SH.srv[1]), G.port); /* (no listener of its own: the share's port) */
    connect_client(0, "e-one");
    connect_client(1, "e-two");
    connect_client(2, "e-three");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[0]), "e-one");
    CHECK_STR(reply(G.c[1]), "e-two");
    CHECK_STR(reply(G.c[2]), "e-three");
    CHECK_EQ(SH.srv[0].live, 2);
    CHECK_EQ(SH.srv[1].live, 1);
    CHECK_EQ(aio_server_share_live(&SH.sh), 3);
    c = aio_server_next(&SH.srv[1], NULL);
    CHECK(c != NULL && c->id == 3); /* (the share's count, given as each is taken: the handed one last) */
    c = aio_server_next(&SH.srv[0], NULL);
    CHECK(c != NULL && c->id == 1 && aio_server_next(&SH.srv[0], c)->id == 2);
    CHECK_EQ(aio_server_share_limit(&SH.sh, 3), AIO_OK); /* the fourth: refused by the one that took it */
    connect_client(3, "e-four");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[3]), ""); /* (closed) */
    CHECK_EQ(aio_server_share_live(&SH.sh), 3);
    CHECK_EQ(aio_server_share_limit(&SH.sh, 0), AIO_OK);
    close_socks(4);
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_server_share_live(&SH.sh), 0);
    /* a connection handed to the second server, which closes before it takes it */
    connect_client(4, "k");
    connect_client(5, "e-handed");
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[4]), "k");
    CHECK_STR(reply(G.c[5]), ""); /* (closed with the server it was handed to) */
    CHECK_EQ(aio_server_share_live(&SH.sh), 1);
    CHECK_EQ(aio_server_port(&SH.srv[1]), AIO_EBADF);
    CHECK_EQ(aio_server_close(&SH.srv[1]), AIO_ECLOSED);
    connect_client(6, "e-five"); /* (the closed one is passed over: kept) */
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_STR(reply(G.c[6]), "e-five");
    CHECK_EQ(aio_server_share_free(&SH.sh), AIO_EBUSY); /* (the first still serves) */
    CHECK_DEBUG("a server still serves the share");
    CHECK_EQ(aio_server_share_close(&SH.sh), AIO_OK);
    CHECK_EQ(aio_server_share_close(&SH.sh), AIO_ECLOSED);
    AIO_EVENT_WAIT(t, G.rc, &SH.stop[0], AIO_SEC(1));
    CHECK_EQ(G.rc, AIO_OK);
    CHECK(!aio_event_is_set(&SH.stop[1])); /* (closed before the share: not told) */
    CHECK_EQ(aio_server_port(&SH.srv[0]), AIO_EBADF);
    CHECK_EQ(aio_server_start_shared(&SH.srv[2], &SH.sh, NULL), AIO_ECLOSED);
    CHECK_DEBUG("the share was closed");
    CHECK_EQ(close_sock(G.c[4]), 0);
    CHECK_EQ(close_sock(G.c[5]), 0);
    CHECK_EQ(close_sock(G.c[6]), 0);
    AIO_SERVER_WAIT_CLOSED(t, G.rc, &SH.srv[0], AIO_SEC(1));
    CHECK_EQ(G.rc, 0);
    AIO_SERVER_WAIT_CLOSED(t, G.rc, &SH.srv[1], AIO_SEC(1));
    CHECK_EQ(G.rc, 0);
    AIO_END(t);
}
static void test_server_share_hand_off(void) {
    aio_loop loop;
    test_loop(&loop);
    share_setup(1, 4);
    CHECK_EQ(SH.sh.reuse_port, 0);
    SH.sh.served = 0xffffffffu; /* (the ids given so far: the next is 0, never given, so 1) */
    CHECK_EQ(test_run(&loop, &G.main, share_hand_off_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_server_share_free(&SH.sh), AIO_OK);
    CHECK_EQ(aio_server_share_free(&SH.sh), AIO_EINVAL);
}

/* As the system shares a port (on Linux each server listens, SO_REUSEPORT;
 * elsewhere a hand-off): every connection answered once, by one of the two,
 * ids 1 to 8; one server shut down on its own, the other closed with the
 * share (it gave no event); a share never served is let go with its
 * listener. */
static aio_status share_system_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_server_start_shared(&SH.srv[0], &SH.sh, NULL), AIO_OK);
    CHECK_EQ(aio_server_start_shared(&SH.srv[1], &SH.sh, NULL), AIO_OK);
    for (G.i = 0; G.i < 8; G.i++) {
        connect_client(G.i, "e-same");
        AIO_SLEEP(t, AIO_MS(1));
        CHECK_STR(reply(G.c[G.i]), "e-same");
    }
    CHECK_EQ(SH.srv[0].live + SH.srv[1].live, 8);
    CHECK_EQ(SH.sh.served, 8);
    close_socks(8);
    AIO_SERVER_SHUTDOWN(t, G.rc, &SH.srv[1], AIO_SEC(1)); /* (one on its own) */
    CHECK_EQ(G.rc, 0);
    CHECK_EQ(aio_server_share_close(&SH.sh), AIO_OK); /* (the other through the share: no event to set) */
    AIO_SERVER_WAIT_CLOSED(t, G.rc, &SH.srv[0], AIO_SEC(1));
    CHECK_EQ(G.rc, 0);
    CHECK_EQ(aio_server_port(&SH.srv[0]), AIO_EBADF);
    CHECK_EQ(aio_server_share_live(&SH.sh), 0);
    AIO_END(t);
}
static void test_server_share_system(void) {
    aio_loop loop;
    aio_server_share unused;
    test_loop(&loop);
    share_setup(0, 8);
#if defined(__linux__) && !defined(AIO_NO_LINUX)
    CHECK_EQ(SH.sh.reuse_port, 1);
#else
    CHECK_EQ(SH.sh.reuse_port, 0);
#endif
    CHECK_EQ(test_run(&loop, &G.main, share_system_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_server_share_free(&SH.sh), AIO_OK);
    CHECK_EQ(aio_server_share_init(&unused, 1, "127.0.0.1", 0, 0), AIO_OK);
    CHECK_EQ(aio_server_share_free(&unused), AIO_OK); /* (its listener closed: no loop took it) */
}

/* A second loop of the same thread joins a share: refused where the running
 * loop is not kept per thread (the unit tests' builds), as two threads'
 * loops would be. */
static aio_status share_second_loop(aio_task *t) {
    AIO_BEGIN(t);
    SH.rc = aio_server_start_shared(&SH.srv[1], &SH.sh, NULL);
    AIO_END(t);
}
static aio_status share_first_loop_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_server_start_shared(&SH.srv[0], &SH.sh, NULL), AIO_OK);
    aio_loop_init(&SH.other, SH.timers, 4);
    CHECK_EQ(aio_run(&SH.other, &SH.task, share_second_loop), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&SH.other), AIO_OK);
    CHECK_EQ(SH.rc, AIO_EINVAL);
    CHECK_DEBUG("#define AIO_THREAD_LOCAL _Thread_local");
    AIO_SERVER_SHUTDOWN(t, G.rc, &SH.srv[0], AIO_SEC(1));
    AIO_END(t);
}
static void test_server_share_needs_thread_local(void) {
    aio_loop loop;
    test_loop(&loop);
    share_setup(0, 4);
    CHECK_EQ(test_run(&loop, &G.main, share_first_loop_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_server_share_free(&SH.sh), AIO_OK);
}

#ifdef TEST_COUNTED_ALLOC
/* Out of memory for a server's states as it joins (the accepting one with
 * the listener, then one handed its connections): AIO_EIO, the server
 * left the share at once (its listener closed), the share let go after. */
static aio_status share_no_memory_main(aio_task *t) {
    AIO_BEGIN(t);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_server_start_shared(&SH.srv[0], &SH.sh, NULL), AIO_EIO);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_server_start_shared(&SH.srv[1], &SH.sh, NULL), AIO_EIO);
    test_alloc_fail_after(-1);
    CHECK(!aio_task_alive(&SH.srv[0].task) && !aio_task_alive(&SH.srv[1].task));
    CHECK_EQ(aio_server_share_close(&SH.sh), AIO_OK);
    AIO_END(t);
}
/* Out of memory at the share's making: AIO_EIO (ENOMEM), nothing kept. */
static void test_server_share_no_memory(void) {
    aio_server_share sh;
    aio_loop loop;
    long live = test_alloc_live();
    int k;
    for (k = 0; k < 2; k++) {
        test_alloc_fail_after(k); /* (its records, then its lock) */
        errno = 0;
        CHECK_EQ(aio_server_share_init(&sh, 2, "127.0.0.1", 0, 0), AIO_EIO);
        CHECK_EQ(errno, ENOMEM);
        test_alloc_fail_after(-1);
        CHECK_EQ(test_alloc_live(), live);
        CHECK_EQ(aio_server_share_port(&sh), AIO_EINVAL); /* (not made) */
    }
    test_loop(&loop);
    share_setup(1, 4);
    SH.srv[0].states = SH.srv[1].states = NULL; /* (allocated: the allocation fails) */
    CHECK_EQ(test_run(&loop, &G.main, share_no_memory_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_server_share_free(&SH.sh), AIO_OK);
    CHECK_EQ(test_alloc_live(), live);
}
#endif

/* What each call refuses, and the port in use told at the share's making. */
static void test_server_share_bad_input(void) {
    aio_server_share sh;
    int held;
    memset(&sh, 0, sizeof sh);
    CHECK_EQ(aio_server_share_init(NULL, 1, NULL, 0, 0), AIO_EINVAL);
    CHECK_EQ(aio_server_share_init(&sh, 0, NULL, 0, 0), AIO_EINVAL);
    CHECK_EQ(aio_server_share_init(&sh, AIO_SERVER_SHARE_MAX + 1, NULL, 0, 0), AIO_EINVAL);
    CHECK_DEBUG("loops is not 1 to AIO_SERVER_SHARE_MAX");
    CHECK_EQ(aio_server_share_init(&sh, 1, "not-an-address", 0, 0), AIO_EINVAL);
    CHECK_EQ(aio_server_share_init(&sh, 1, "127.0.0.1", 70000, 0), AIO_EINVAL);
    CHECK_EQ(aio_server_share_init(&sh, 1, "127.0.0.1", 0, -1), AIO_EINVAL);
    CHECK_DEBUG("a bad host or port, or a negative backlog");
    held = aio_tcp_listen("127.0.0.1", 0, 1); /* (no SO_REUSEPORT: nobody shares its port) */
    CHECK(held >= 0);
    CHECK_EQ(aio_server_share_init(&sh, 2, "127.0.0.1", aio_socket_port(held), 0), AIO_EIO);
    CHECK_EQ(aio_close(held), AIO_OK);
    test_last_debug[0] = '\0';
    CHECK_EQ(aio_server_share_limit(NULL, 1), AIO_EINVAL);
    CHECK_EQ(aio_server_share_limit(&sh, 1), AIO_EINVAL); /* (not made) */
    CHECK_EQ(aio_server_share_hand_off(&sh), AIO_EINVAL);
    CHECK_EQ(aio_server_share_port(&sh), AIO_EINVAL);
    CHECK_EQ(aio_server_share_live(&sh), 0u);
    CHECK_DEBUG("aio_server_share_live: the share is NULL or not made");
    CHECK_EQ(aio_server_share_close(NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_share_close(&sh), AIO_EINVAL);
    CHECK_EQ(aio_server_share_free(&sh), AIO_EINVAL);
    CHECK_EQ(aio_server_share_free(NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_share_hand_off(NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_share_port(NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_share_live(NULL), 0u);
    CHECK_EQ(aio_server_start_shared(&G.srv, &sh, NULL), AIO_EINVAL); /* (no loop runs, and not made) */
    CHECK_DEBUG("aio_server_start_shared: the server or the share is NULL");
    test_last_debug[0] = '\0';
    CHECK_EQ(aio_server_start_shared(NULL, &sh, NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_init(&G.srv, share_handler, NULL, sizeof(conn_t), 1), AIO_OK);
    CHECK_EQ(aio_server_start_shared(&G.srv, NULL, NULL), AIO_EINVAL);
    CHECK_EQ(aio_server_start_shared(&G.srv, &sh, NULL), AIO_EINVAL); /* (not made) */
    CHECK_EQ(aio_server_share_init(&sh, 1, "127.0.0.1", 0, 0), AIO_OK);
    CHECK_EQ(aio_server_start_shared(&G.srv, &sh, NULL), AIO_EINVAL); /* (no loop runs) */
    CHECK_EQ(aio_server_share_free(&sh), AIO_OK);
}
#endif
#else
/* Without sockets there is no server: every call refuses, with one message. */
static void test_server_no_sockets(void) {
    static aio_server srv;
    static conn_t conns[2];
    CHECK_EQ(aio_server_init(&srv, handler, NULL, sizeof conns[0], 2), AIO_EINVAL);
    CHECK_EQ(aio_server_init(&srv, handler, conns, sizeof conns[0], 2), AIO_EINVAL);
    CHECK_DEBUG("a server needs sockets");
    CHECK_EQ(aio_server_start(&srv, 3), AIO_EINVAL);
    CHECK_EQ(aio_server_listen(&srv, NULL, 0, 0), AIO_EINVAL);
    CHECK_EQ(aio_server_port(&srv), AIO_EINVAL);
    CHECK_EQ(aio_server_close(&srv), AIO_EINVAL);
    CHECK_EQ(aio_server_close_clients(&srv), AIO_EINVAL);
    CHECK_EQ(aio_server_abort_clients(&srv), AIO_EINVAL);
    CHECK_EQ(aio_conn_abort(&conns[0].conn), AIO_EINVAL);
    CHECK_EQ(aio_server_shutdown(&srv, AIO_SEC(1)), AIO_EINVAL);
    CHECK(aio_server_next(&srv, NULL) == NULL);
    aio_server_refuse(&srv, "busy\n", NULL);
    test_last_debug[0] = '\0'; /* (its messages so far checked) */
    { /* nor a share */
        static aio_server_share sh;
        CHECK_EQ(aio_server_share_init(&sh, 2, NULL, 0, 0), AIO_EINVAL);
        CHECK_DEBUG("a share needs sockets and threads");
        CHECK_EQ(aio_server_share_limit(&sh, 1), AIO_EINVAL);
        CHECK_EQ(aio_server_share_hand_off(&sh), AIO_EINVAL);
        CHECK_EQ(aio_server_share_port(&sh), AIO_EINVAL);
        CHECK_EQ(aio_server_share_live(&sh), 0u);
        CHECK_EQ(aio_server_start_shared(&srv, &sh, NULL), AIO_EINVAL);
        CHECK_EQ(aio_server_share_close(&sh), AIO_EINVAL);
        CHECK_EQ(aio_server_share_free(&sh), AIO_EINVAL);
    }
}
#endif

/* (The boards that split a file among images count its TEST_ENTRY lines:
 * tests/embedded/test_parts.sh. They have no sockets.) */
#define SERVER_ENTRY(name) TEST_ENTRY (name)
static const test_case cases[] = {
#if SERVER_TESTS
    SERVER_ENTRY(test_server_per_connection),
    SERVER_ENTRY(test_server_allocated_states),
    SERVER_ENTRY(test_server_limit),
    SERVER_ENTRY(test_server_wait_closed),
    SERVER_ENTRY(test_server_close_clients),
    SERVER_ENTRY(test_server_close_clients_after),
    SERVER_ENTRY(test_server_abort_clients),
    SERVER_ENTRY(test_server_shutdown),
    SERVER_ENTRY(test_server_shutdown_allocated),
    SERVER_ENTRY(test_server_failed_accept),
    SERVER_ENTRY(test_server_bad_input),
    SERVER_ENTRY(test_server_silent_limit),
    SERVER_ENTRY(test_server_no_loop),
    SERVER_ENTRY(test_server_abort_unstarted),
    SERVER_ENTRY(test_server_cancel_unstarted),
    SERVER_ENTRY(test_server_shutdown_twice),
    SERVER_ENTRY(test_server_cancelled),
    SERVER_ENTRY(test_server_left_serving),
    SERVER_ENTRY(test_server_left_serving_after_cancels),
    SERVER_ENTRY(test_server_conn_abort),
    SERVER_ENTRY(test_server_own_close),
    SERVER_ENTRY(test_server_number_reused),
    SERVER_ENTRY(test_server_goodbye_on_shutdown),
#if !defined(AIO_NO_THREADS)
    SERVER_ENTRY(test_server_share_hand_off),
    SERVER_ENTRY(test_server_share_system),
    SERVER_ENTRY(test_server_share_needs_thread_local),
    SERVER_ENTRY(test_server_share_bad_input),
#ifdef TEST_COUNTED_ALLOC
    SERVER_ENTRY(test_server_share_no_memory),
#endif
#endif
#ifdef TEST_COUNTED_ALLOC
    SERVER_ENTRY(test_server_no_memory),
#endif
#if UNIX_SERVER_TESTS
    SERVER_ENTRY(test_server_unix),
    SERVER_ENTRY(test_server_left_before_its_first_step),
#endif
#if UNIX_SERVER_TESTS
    SERVER_ENTRY(test_server_beyond_port_slots),
    SERVER_ENTRY(test_server_close_clients_after_reset),
    SERVER_ENTRY(test_server_listener_forgotten),
    SERVER_ENTRY(test_server_accept_fails_backs_off),
#endif
#else
    TEST_ENTRY(test_server_no_sockets),
#endif
};

void register_server_tests(void) { test_register(cases, TEST_COUNT(cases)); }
