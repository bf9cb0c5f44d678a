/* SPDX-License-Identifier: MIT */
/* The cases of TLS on a stream that hold on every engine, written once:
 * tests/tls/test_tls.c runs them on the built-in engines (OpenSSL, Mbed
 * TLS), tests/tls/test_tls_engine.c on an engine of the program's (the toy
 * of tests/tls/toy_engine.h). Here: the peer, the test's world W, the
 * connection's set-up, the run of a server task and a client task on one
 * loop of the virtual clock, and the tasks of the shared cases (lines both
 * ways and each side's shutdown, a handshake cut by its deadline, a
 * handshake, a shutdown and a connect cut at their first step, a socket
 * closed under a session, a shutdown against a silent peer, a write cut
 * with a record half sent, a peer that closes without close_notify, a
 * growing stream at the edge of its shrink). Each file states what differs:
 *
 *   TLS_PEER_MORE          its own fields of peer_t (may be empty)
 *   TLS_WORLD_MORE         its own fields of W (may be empty)
 *   TLS_SERVER_NAME        the name the shared clients give their handshake
 *   TLS_TRUNCATED_WHY      the engine's reason for a close without close_notify
 *   TLS_HANDSHAKE_CUT_MS   the deadline that cuts cut_handshake_client's first handshake
 *   TLS_WRITE_CUT_CHECK(p) what it checks more of a write cut (empty: nothing)
 *   BIG, big_out           what a write that fills the socket sends
 *
 * then includes this after tests/test.h, and loads the two configurations
 * (W.scfg, W.ccfg) before each pair_loop. */
#ifndef TLS_CASES_H
#define TLS_CASES_H
#include <sys/socket.h>

/* Small socket buffers: a write fills them with a record half sent, a
 * megabyte fills them many times over. */
static void small_buffers(int fd) {
    int size = 4096;
    CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
    CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
}

/* One end of a connection: its task, socket, stream and session. */
typedef struct tls_peer {
    aio_task task;
    int fd;
    aio_stream st;
    char buf[4096];
    aio_tls tls;
    aio_status rc, hs, end;
    long long at, hs_at;
    size_t n;
    int i;
    TLS_PEER_MORE
} peer_t;

/* A task that writes or reads a large amount beside its peer's other task. */
typedef struct {
    aio_task task;
    peer_t *p;
    aio_status rc;
    size_t n;
} bulk_t;

/* A test's world. A test states its case in the fields of the first group
 * (zero: the defaults), then the file's pair_run(server, client) does the
 * rest: the configurations, then pair_loop (a loop, a listener, the two
 * tasks run to their end and what each ended with checked, every session
 * freed, every socket closed), W zeroed for the next test. */
static struct {
    /* the case */
    unsigned sflags, cflags;  /* each side's flags (AIO_TLS_SERVER added) */
    aio_status client_end, server_end; /* what each task must end with (AIO_OK) */
    aio_time cancel_at;       /* > 0: a task cancels the client then */
    int sv[2];                /* a socket pair instead of a listener (sv[0] the server's) */
    const char *name;         /* the name the file's clients give (NULL: its default) */
    const char *unix_path;    /* a Unix listener there instead of 127.0.0.1's (POSIX) */
    int backlog;              /* the listener's (0: 8) */
    size_t bulk;              /* what the bulk tests send each way (BIG) */
    int step, cut;            /* a first step cut (first_cut_client): which, and how */
    /* the run */
    aio_task main, canceller;
    aio_tls_config scfg, ccfg;
    int lfd, port;
    peer_t server, client;
    bulk_t swriter, cwriter;
    aio_task_fn server_fn, client_fn;
    TLS_WORLD_MORE
} W;

/* The file's: the configurations of the case W states, then pair_loop. */
static void pair_run(aio_task_fn server_fn, aio_task_fn client_fn);

/* After a connect or an accept: the stream over it and a session. */
static void peer_setup(peer_t *p, aio_tls_config *c) {
    CHECK(p->fd >= 0);
    CHECK_EQ(aio_stream_init(&p->st, p->fd, p->buf, sizeof p->buf), AIO_OK);
    CHECK_EQ(aio_tls_init(&p->tls, c), AIO_OK);
}

/* A task that cancels the client at W.cancel_at. */
static aio_status canceller(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, W.cancel_at);
    aio_cancel(&W.client.task);
    AIO_END(t);
}

/* The main task: the server and the client (and the canceller), each
 * awaited and what it ended with checked. */
static aio_status pair_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&W.server.task, W.server_fn), AIO_OK);
    CHECK_EQ(aio_spawn(&W.client.task, W.client_fn), AIO_OK);
    if (W.cancel_at > 0) CHECK_EQ(aio_spawn(&W.canceller, canceller), AIO_OK);
    AIO_AWAIT(t, W.client.rc, &W.client.task);
    CHECK_EQ(W.client.rc, W.client_end);
    if (W.cancel_at > 0) {
        aio_cancel(&W.canceller);
        AIO_AWAIT(t, W.server.rc, &W.canceller);
    }
    AIO_AWAIT(t, W.server.rc, &W.server.task);
    CHECK_EQ(W.server.rc, W.server_end);
    AIO_END(t);
}

/* The run of the case W states, its configurations loaded: the server's
 * task and the client's, on a loop of the virtual clock, over a connection
 * on 127.0.0.1 (or W.sv); then every session freed (on every path), every
 * socket closed, the configurations freed. */
static void pair_loop(aio_task_fn server_fn, aio_task_fn client_fn) {
    aio_loop loop;
    if (!W.bulk) W.bulk = BIG;
    test_loop(&loop);
    W.server.fd = W.client.fd = -1;
    if (!W.sv[0] && !W.sv[1]) W.sv[0] = W.sv[1] = -1;
    W.lfd = W.unix_path ? aio_unix_listen(W.unix_path, W.backlog ? W.backlog : 8)
                        : aio_tcp_listen("127.0.0.1", 0, W.backlog ? W.backlog : 8);
    CHECK(W.lfd >= 0);
    W.port = W.unix_path ? 0 : aio_socket_port(W.lfd);
    W.server_fn = server_fn;
    W.client_fn = client_fn;
    CHECK_EQ(test_run(&loop, &W.main, pair_main), AIO_OK);
    CHECK_EQ(aio_tls_free(&W.server.tls), AIO_OK);
    CHECK_EQ(aio_tls_free(&W.client.tls), AIO_OK);
    if (W.server.fd >= 0) CHECK_EQ(aio_close(W.server.fd), AIO_OK);
    if (W.client.fd >= 0) CHECK_EQ(aio_close(W.client.fd), AIO_OK);
    CHECK_EQ(aio_close(W.lfd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_tls_config_free(&W.scfg);
    aio_tls_config_free(&W.ccfg);
}

#define SERVER_PEER AIO_CONTAINER(t, peer_t, task)
#define CLIENT_PEER AIO_CONTAINER(t, peer_t, task)
/* The server's accept and handshake, and the client's connect and handshake
 * (to `name`, within d), each within 5 s; p->hs the handshake's result,
 * p->hs_at its time. */
#define ACCEPT_HANDSHAKE(t, p)                                                  \
    do {                                                                       \
        if (W.sv[0] >= 0)                                                      \
            (p)->fd = W.sv[0];                                                 \
        else                                                                   \
            AIO_ACCEPT(t, (p)->fd, W.lfd, AIO_SEC(5));                         \
        peer_setup((p), &W.scfg);                                              \
        AIO_TLS_HANDSHAKE(t, (p)->hs, &(p)->tls, &(p)->st, NULL, AIO_SEC(5));  \
        (p)->hs_at = T_MS();                                                   \
    } while (0)
#define CONNECT_HANDSHAKE(t, p, name, d)                                        \
    do {                                                                       \
        if (W.sv[1] >= 0)                                                      \
            (p)->fd = W.sv[1];                                                 \
        else                                                                   \
            AIO_TCP_CONNECT(t, (p)->fd, "127.0.0.1", W.port, AIO_SEC(5));      \
        peer_setup((p), &W.ccfg);                                              \
        AIO_TLS_HANDSHAKE(t, (p)->hs, &(p)->tls, &(p)->st, (name), (d));       \
        (p)->hs_at = T_MS();                                                   \
    } while (0)
#define CHECK_LINE(rc, p, text)                                                \
    do {                                                                       \
        CHECK_EQ((rc), (aio_status)strlen(text));                              \
        if ((rc) == (aio_status)strlen(text))                                  \
            CHECK(memcmp(aio_stream_data(&(p)->st), (text), strlen(text)) == 0); \
    } while (0)
#define CONTAINS(text, part) CHECK(strstr((text), (part)) != NULL)
/* A case's steps, each an await within 5 s and the check of what it gave:
 * a string written (p->rc then `want`), a line read (the line `text`, or
 * p->rc `want`), a shutdown (p->end `want`), a handshake that succeeds
 * (the client's to `name`). */
#define WRITE_GIVES(t, p, text, want)                                           \
    do {                                                                       \
        AIO_STREAM_WRITE(t, (p)->rc, &(p)->st, (text), strlen(text), AIO_SEC(5)); \
        CHECK_EQ((p)->rc, (want));                                             \
    } while (0)
#define READ_LINE_IS(t, p, text)                                                \
    do {                                                                       \
        AIO_READ_LINE(t, (p)->rc, &(p)->st, AIO_SEC(5));                       \
        CHECK_LINE((p)->rc, (p), (text));                                      \
    } while (0)
#define READ_LINE_GIVES(t, p, want)                                             \
    do {                                                                       \
        AIO_READ_LINE(t, (p)->rc, &(p)->st, AIO_SEC(5));                       \
        CHECK_EQ((p)->rc, (want));                                             \
    } while (0)
#define SHUTDOWN_GIVES(t, p, want)                                              \
    do {                                                                       \
        AIO_TLS_SHUTDOWN(t, (p)->end, &(p)->tls, AIO_SEC(5));                  \
        CHECK_EQ((p)->end, (want));                                            \
    } while (0)
#define ACCEPT_OK(t, p)                                                         \
    do {                                                                       \
        ACCEPT_HANDSHAKE(t, p);                                                \
        CHECK_EQ((p)->hs, AIO_OK);                                             \
    } while (0)
#define CONNECT_OK(t, p, name)                                                  \
    do {                                                                       \
        CONNECT_HANDSHAKE(t, p, name, AIO_SEC(5));                             \
        CHECK_EQ((p)->hs, AIO_OK);                                             \
    } while (0)
/* A peer's socket closed (-1 then: pair_loop closes no more), its session
 * freed first with PEER_DROP (no close_notify sent: a peer gone abruptly). */
#define PEER_CLOSE(p)                                                           \
    do {                                                                       \
        CHECK_EQ(aio_close((p)->fd), AIO_OK);                                  \
        (p)->fd = -1;                                                          \
    } while (0)
#define PEER_DROP(p)                                                            \
    do {                                                                       \
        CHECK_EQ(aio_tls_free(&(p)->tls), AIO_OK);                             \
        PEER_CLOSE(p);                                                         \
    } while (0)
/* The peer's close_notify (a line read gives 0), then this side's shutdown
 * answering it. */
#define CLOSE_NOTIFY_ANSWERED(t, p)                                             \
    do {                                                                       \
        READ_LINE_GIVES(t, p, 0);                                              \
        SHUTDOWN_GIVES(t, p, AIO_OK);                                          \
    } while (0)

/* ------------------------------------------------------- lines, shutdown */

/* A handshake, then lines both ways through AIO_READ_LINE and
 * AIO_STREAM_WRITE, then each side's shutdown: the client's first (the
 * server reads its close_notify as the end: 0), the server's answers it.
 * After it, a read gives 0 and a write AIO_ETLS; a second shutdown has
 * nothing to do. All at once on the virtual clock. */
static aio_status lines_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    READ_LINE_IS(t, p, "hello\n");
    WRITE_GIVES(t, p, "world\n", AIO_OK);
    CLOSE_NOTIFY_ANSWERED(t, p); /* (the client's) */
    AIO_END(t);
}
static aio_status lines_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    CHECK_STR(aio_tls_error(&p->tls), "");
    WRITE_GIVES(t, p, "hello\n", AIO_OK);
    CHECK_EQ(aio_bytes_sent(t), 6);
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    READ_LINE_GIVES(t, p, 0);
    WRITE_GIVES(t, p, "more\n", AIO_ETLS);
    CHECK_DEBUG("AIO_STREAM_WRITE: the stream's TLS session was shut down");
    SHUTDOWN_GIVES(t, p, AIO_OK); /* (again: done already) */
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}

/* ------------------------------------------------------------- deadlines */

/* A server that accepts two connections, one after the other, and never
 * says a word. */
static aio_status two_silent_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    AIO_ACCEPT(t, p->rc, W.lfd, AIO_SEC(5)); /* the second connection */
    p->n = p->rc > 0 ? (size_t)p->rc : 0;
    AIO_SLEEP(t, AIO_SEC(1000));
    AIO_FINALLY(t);
    if (p->n > 0) aio_close((int)p->n);
    AIO_END(t);
}
/* Against a silent server (two_silent_server), the client's handshake ends
 * at its deadline, exactly (on the virtual clock, the peer never writes);
 * the session is then unusable, its reads and writes say so, and
 * aio_tls_error says why. Then the default, AIO_TLS_DEFAULT_TIMEOUT: 60 s. */
static aio_status cut_handshake_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, TLS_SERVER_NAME, AIO_MS(TLS_HANDSHAKE_CUT_MS));
    CHECK_EQ(p->hs, AIO_ETIMEDOUT);
    CHECK_EQ(p->hs_at, TLS_HANDSHAKE_CUT_MS);
    CHECK_STR(aio_tls_error(&p->tls), "the handshake timed out: the session cannot be used");
    READ_LINE_GIVES(t, p, AIO_ETLS);
    WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    AIO_TLS_SHUTDOWN(t, p->rc, &p->tls, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_ETLS);
    CHECK_EQ(T_MS(), TLS_HANDSHAKE_CUT_MS);
    /* the default: asyncio's 60 s */
    PEER_DROP(p);
    p->at = T_MS();
    CONNECT_HANDSHAKE(t, p, TLS_SERVER_NAME, AIO_TLS_DEFAULT_TIMEOUT);
    CHECK_EQ(p->hs, AIO_ETIMEDOUT);
    CHECK_EQ(p->hs_at - p->at, 60000);
    AIO_END(t);
}

/* A server that finishes its handshake and then says nothing: a peer that
 * never answers a close_notify, and reads nothing. */
static aio_status mute_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    AIO_SLEEP(t, AIO_SEC(1000));
    AIO_END(t);
}
/* Against it, the shutdown ends at its deadline, exactly, and leaves the
 * session unusable; the default is 30 s. */
static aio_status cut_shutdown_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_SEC(2));
    CHECK_EQ(p->end, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 2000);
    CHECK_STR(aio_tls_error(&p->tls), "the shutdown timed out: the session cannot be used");
    WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    AIO_END(t);
}
static aio_status default_shutdown_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_TLS_DEFAULT_TIMEOUT);
    CHECK_EQ(p->end, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 30000);
    CHECK_STR(aio_tls_error(&p->tls), "the shutdown timed out: the session cannot be used");
    AIO_END(t);
}

/* A write cut by its deadline after part of it went into the engine (a
 * peer that reads nothing): the session is unusable from then on, for
 * writes, reads and a shutdown, as Trio's rule has it; aio_bytes_sent says
 * what went. */
static aio_status cut_write_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    small_buffers(p->fd);
    AIO_STREAM_WRITE(t, p->rc, &p->st, big_out, BIG, AIO_SEC(1));
    CHECK_EQ(p->rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 1000);
    p->n = aio_bytes_sent(t);
    CHECK(p->n < BIG);
    TLS_WRITE_CUT_CHECK(p);
    CHECK_STR(aio_tls_error(&p->tls), "");
    WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    CHECK_STR(aio_tls_error(&p->tls), "a write was cut (a deadline, a cancellation) after part of it went into "
                                      "the TLS engine: the session cannot be used");
    READ_LINE_GIVES(t, p, AIO_ETLS);
    AIO_TLS_SHUTDOWN(t, p->rc, &p->tls, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_ETLS);
    AIO_END(t);
}

/* ---------------------------------------------------- a first step cut */

/* A server whose client's session ends without close_notify, nor any data
 * (a reset where the client closed with the server's tickets unread). */
static aio_status abandoned_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
    CHECK(p->rc == AIO_ETRUNCATED || p->rc == AIO_ECONNRESET);
    AIO_END(t);
}

/* A step cut at once, before it touched the socket: by a deadline that has
 * passed (an outer block of 0: W.cut 1) or by a cancel pending (asked by
 * the task itself: W.cut 2). The step (W.step) is the handshake (0), the
 * shutdown after a handshake (1) or AIO_TLS_CONNECT (2), run in a task of
 * the client's, which then finds the session unusable and the stream never
 * plain: every read and write AIO_ETLS, a shutdown the same at once,
 * aio_tls_error saying which step was cut. The server reads its socket as
 * it comes: after the handshake's cut, nothing at all (not the line the
 * client then tries to write, in clear or not; and the plain bytes its
 * stream held are not read as the session's); after the shutdown's, no
 * close_notify; and after the connect's, no connection. */
static struct {
    aio_task task;
    peer_t *p;
    aio_timeout scope;
} first;
static aio_status first_step_task(aio_task *t) {
    peer_t *p = first.p;
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &first.scope, W.cut == 1 ? 0 : AIO_SEC(5)) {
        if (W.cut == 2) CHECK_EQ(aio_cancel(t), 1);
        if (W.step == 0)
            AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, TLS_SERVER_NAME, AIO_SEC(5));
        else if (W.step == 1)
            AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_SEC(5));
        else
            AIO_TLS_CONNECT(t, p->fd, &p->tls, &p->st, "127.0.0.1", W.port, AIO_SEC(5));
        CHECK(0); /* (never reached) */
    }
    AIO_RETURN(t, aio_timeout_status(&first.scope));
    AIO_END(t);
}
static aio_status first_cut_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    if (W.step == 0) {
        AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
        AIO_SEND_ALL(t, p->rc, p->fd, "ready\nmore\n", 11, AIO_SEC(5));
        CHECK_EQ(p->rc, AIO_OK);
        for (p->n = 0;; p->n += (size_t)p->rc) {
            AIO_RECV(t, p->rc, p->fd, p->buf, sizeof p->buf, AIO_SEC(5));
            if (p->rc <= 0) break;
        }
        CHECK_EQ(p->rc, 0);
        CHECK_EQ(p->n, 0);
    } else { /* the connect's: no connection comes (the shutdown's server: abandoned_server) */
        AIO_ACCEPT(t, p->rc, W.lfd, AIO_SEC(1));
        CHECK_EQ(p->rc, AIO_ETIMEDOUT);
    }
    AIO_END(t);
}
static aio_status first_cut_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    if (W.step == 0) { /* a plain line first; the next one stays buffered */
        AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
        peer_setup(p, &W.ccfg);
        READ_LINE_IS(t, p, "ready\n");
        CHECK_EQ(aio_stream_buffered(&p->st), 5);
    } else if (W.step == 1) {
        CONNECT_OK(t, p, TLS_SERVER_NAME);
    } else {
        CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    }
    first.p = p;
    CHECK_EQ(aio_spawn(&first.task, first_step_task), AIO_OK);
    AIO_AWAIT(t, p->rc, &first.task);
    CHECK_EQ(p->rc, W.cut == 1 ? AIO_ETIMEDOUT : AIO_ECANCELED);
    CHECK_EQ(T_MS(), 0);
    CHECK_STR(aio_tls_error(&p->tls), W.step == 0   ? "the handshake was cancelled: the session cannot be used"
                                      : W.step == 1 ? "the shutdown was cancelled: the session cannot be used"
                                                    : "the connect was cancelled: the session cannot be used");
    if (W.step == 2) { /* nothing made: no socket, no stream */
        CHECK_EQ(p->fd, -1);
        CHECK(p->st.buf == NULL);
    } else {
        READ_LINE_GIVES(t, p, AIO_ETLS);
        WRITE_GIVES(t, p, "secret\n", AIO_ETLS);
        CHECK_EQ(aio_stream_buffered(&p->st), 0);
    }
    SHUTDOWN_GIVES(t, p, AIO_ETLS);
    if (p->fd >= 0) PEER_DROP(p);
    AIO_END(t);
}
/* Each step, cut each way. */
static void first_step_cut_runs(void) {
    int step, cut;
    for (step = 0; step < 3; step++)
        for (cut = 1; cut <= 2; cut++) {
            W.step = step;
            W.cut = cut;
            pair_run(step == 1 ? abandoned_server : first_cut_server, first_cut_client);
        }
}

/* ------------------------------------------ a socket closed under it */

/* A TLS stream whose socket is closed under it (aio_close) while a read
 * waits in it (W.step 0) or while it is idle (1): the read ends with
 * AIO_ECLOSED, and so does every later read, write and shutdown, also once
 * a new socket has the number (a socket pair made at once takes it: the
 * lowest numbers free): nothing of the new socket's is read, nothing sent
 * on it, and the session says its socket was closed; a new session's
 * handshake on the stream is refused the same way. */
static struct {
    aio_task task;
    peer_t *p;
    aio_status rc;
} waiting;
static aio_status waiting_reader(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, waiting.rc, &waiting.p->st, AIO_SEC(5));
    AIO_END(t);
}
static aio_status socket_gone_client(aio_task *t) {
    static int pair[2];
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    waiting.p = p;
    if (W.step == 0) CHECK_EQ(aio_spawn(&waiting.task, waiting_reader), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    p->i = p->fd;
    CHECK_EQ(aio_close(p->fd), AIO_OK);
    p->fd = -1;
    if (W.step == 0) {
        AIO_AWAIT(t, p->rc, &waiting.task);
        CHECK_EQ(waiting.rc, AIO_ECLOSED);
    }
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    CHECK(pair[0] == p->i || pair[1] == p->i);
    if (pair[1] == p->i) {
        pair[1] = pair[0];
        pair[0] = p->i;
    }
    p->fd = pair[0]; /* (pair_loop closes it) */
    CHECK_EQ(send(pair[1], "plain\n", 6, 0), 6);
    test_last_debug[0] = '\0'; /* (the refusals' messages to come: each says so) */
    READ_LINE_GIVES(t, p, AIO_ECLOSED);
    WRITE_GIVES(t, p, "secret\n", AIO_ECLOSED);
    SHUTDOWN_GIVES(t, p, AIO_ECLOSED);
    CHECK_STR(aio_tls_error(&p->tls), "the socket was closed under the session");
    READ_LINE_GIVES(t, p, AIO_ECLOSED);
    CHECK_EQ(recv(pair[0], p->buf, sizeof p->buf, MSG_DONTWAIT), 6); /* (the new socket's bytes, still there) */
    CHECK_EQ(recv(pair[1], p->buf, sizeof p->buf, MSG_DONTWAIT), -1); /* (and nothing sent to its peer) */
    CHECK_EQ(close(pair[1]), 0);
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK); /* a new session on the stream: refused at once */
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, TLS_SERVER_NAME, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_ECLOSED);
    CHECK_STR(aio_tls_error(&p->tls), "the socket was closed before the handshake");
    READ_LINE_GIVES(t, p, AIO_ECLOSED);
    CHECK_EQ(T_MS(), 10);
    AIO_END(t);
}
static void socket_closed_runs(void) {
    W.step = 0;
    pair_run(abandoned_server, socket_gone_client);
    W.step = 1;
    pair_run(abandoned_server, socket_gone_client);
}

/* ---------------------------------------------------------------- bulk */

/* W.bulk bytes of big_out each way at once: each side a reader (its task)
 * and a writer (a task beside it) on one session, over a socket pair
 * (W.sv) with small buffers or TCP; every byte arrives, in order, all of it
 * on the virtual clock's time 0 (nothing waits for a timer). */
static aio_status bulk_writer(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, b->rc, &b->p->st, big_out, W.bulk, AIO_SEC(60));
    CHECK_EQ(b->rc, AIO_OK);
    b->n = aio_bytes_sent(t);
    AIO_END(t);
}
#define BULK_READ(t, p)                                                         \
    do {                                                                       \
        for ((p)->n = 0; (p)->n < W.bulk; (p)->n += (size_t)(p)->rc) {          \
            AIO_READ_SOME(t, (p)->rc, &(p)->st, AIO_SEC(60));                  \
            if ((p)->rc <= 0) break;                                           \
            if (memcmp(aio_stream_data(&(p)->st), big_out + (p)->n, (size_t)(p)->rc) != 0) (p)->i++; \
        }                                                                      \
    } while (0)
/* One side's part, after its handshake: small buffers on a socket pair
 * (sv: its end, or -1), its writer w spawned beside it, every byte read in
 * order, then the writer's end, all of it sent. */
#define BULK_BOTH_WAYS(t, p, w, sv)                                             \
    do {                                                                       \
        if ((sv) >= 0) small_buffers((p)->fd);                                 \
        (w).p = (p);                                                           \
        CHECK_EQ(aio_spawn(&(w).task, bulk_writer), AIO_OK);                   \
        BULK_READ(t, p);                                                       \
        CHECK_EQ((p)->n, W.bulk);                                              \
        CHECK_EQ((p)->i, 0);                                                   \
        AIO_AWAIT(t, (p)->rc, &(w).task);                                      \
        CHECK_EQ((w).n, W.bulk);                                               \
    } while (0)
static aio_status bulk_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    BULK_BOTH_WAYS(t, p, W.swriter, W.sv[0]);
    CLOSE_NOTIFY_ANSWERED(t, p);
    AIO_END(t);
}
static aio_status bulk_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    BULK_BOTH_WAYS(t, p, W.cwriter, W.sv[1]);
    SHUTDOWN_GIVES(t, p, AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
/* ------------------------------------------------------ a record split */

/* A read whose deadline falls inside a record: a relay between the two
 * ends (each end's socket paired with one of the relay's) passes every
 * byte at once, except that the record carrying "late\n" reaches the
 * client without its last 5 bytes until 100 ms later. The client's read
 * with a 50 ms deadline ends then, taking nothing, with the engine holding
 * part of a record; the session goes on, and the next read has the line
 * whole at 100 ms. */
typedef struct {
    aio_task task;
    int from, to, split;
    aio_status rc, n;
    char buf[32768];
} relay_t;
static relay_t relay[2]; /* the server's bytes to the client, and back */
static int relay_fd[2];  /* the relay's sockets (the client's side, the server's) */
static aio_status relay_task(aio_task *t) {
    relay_t *r = AIO_CONTAINER(t, relay_t, task);
    AIO_BEGIN(t);
    for (;;) {
        AIO_RECV(t, r->n, r->from, r->buf, sizeof r->buf, AIO_NEVER);
        if (r->n <= 0) break;
        if (r->split && r->n > 5) { /* the record the server just wrote: all but its end */
            r->split = 0;
            AIO_SEND_ALL(t, r->rc, r->to, r->buf, (size_t)r->n - 5, AIO_SEC(5));
            CHECK_EQ(r->rc, AIO_OK);
            AIO_SLEEP(t, AIO_MS(100));
            AIO_SEND_ALL(t, r->rc, r->to, r->buf + r->n - 5, 5, AIO_SEC(5));
        } else {
            AIO_SEND_ALL(t, r->rc, r->to, r->buf, (size_t)r->n, AIO_SEC(5));
        }
        CHECK_EQ(r->rc, AIO_OK);
    }
    AIO_END(t);
}
static aio_status relay_split_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    AIO_SLEEP(t, AIO_MS(10)); /* (the handshake's last bytes, and any ticket, gone through) */
    relay[0].split = 1;
    WRITE_GIVES(t, p, "late\n", AIO_OK);
    READ_LINE_IS(t, p, "ok\n");
    AIO_FINALLY(t);
    aio_cancel(&relay[0].task);
    aio_cancel(&relay[1].task);
    AIO_AWAIT(t, p->rc, &relay[0].task);
    AIO_AWAIT(t, p->rc, &relay[1].task);
    AIO_END(t);
}
static aio_status relay_split_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&relay[0].task, relay_task), AIO_OK);
    CHECK_EQ(aio_spawn(&relay[1].task, relay_task), AIO_OK);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    AIO_SLEEP(t, AIO_MS(20));
    AIO_READ_LINE(t, p->rc, &p->st, AIO_MS(50));
    CHECK_EQ(p->rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 70);
    CHECK_STR(aio_tls_error(&p->tls), "");
    CHECK_EQ(aio_stream_buffered(&p->st), 0);
    READ_LINE_IS(t, p, "late\n");
    CHECK_EQ(T_MS(), 110);
    WRITE_GIVES(t, p, "ok\n", AIO_OK);
    AIO_END(t);
}
/* The case's run: the relay's two socket pairs, the relay's tasks given
 * their ends, the two ends' tasks. */
static void relay_split_run(void) {
    int a[2], b[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    W.sv[1] = a[0];     /* the client's */
    relay_fd[0] = a[1]; /* the relay's, facing the client */
    W.sv[0] = b[0];     /* the server's */
    relay_fd[1] = b[1]; /* the relay's, facing the server */
    memset(relay, 0, sizeof relay);
    relay[0].from = relay_fd[1];
    relay[0].to = relay_fd[0];
    relay[1].from = relay_fd[0];
    relay[1].to = relay_fd[1];
    pair_run(relay_split_server, relay_split_client);
    CHECK_EQ(aio_close(relay_fd[0]), AIO_OK);
    CHECK_EQ(aio_close(relay_fd[1]), AIO_OK);
}

/* ------------------------------------------------------- a growing stream */

/* The client's stream grows (16 bytes, up to 64) and holds, when a read
 * needs more and moves what it holds to the front, exactly what its start
 * holds, one byte less, one more: the session is never asked to read into
 * 0 bytes of room (an engine fails such a read, or gives 0 for it, which
 * would read as the peer's end) and every line comes whole. First right
 * after it grew to 64 (33 and 15 bytes read of a record of 64, 16 left);
 * then at its fourth quiet receive in a row (a line of 41, three short
 * lines, then "c\n" with `held` bytes more: each a record, and a receive
 * takes one record at most), where it goes back to 16 bytes if it holds
 * fewer, by a line and by a count. The server writes the rest 10 ms after
 * each case's first part, once the read waits. */
#define HELD(i) (15 + (size_t)(i) % 3)
static aio_status start_held_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    WRITE_GIVES(t, p, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeefffffffffffffffgggggggggggggggg", AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    WRITE_GIVES(t, p, "\n", AIO_OK);
    for (p->i = 0; p->i < 6; p->i++) {
        WRITE_GIVES(t, p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", AIO_OK);
        for (p->n = 0; p->n < 3; p->n++) WRITE_GIVES(t, p, "b\n", AIO_OK);
        AIO_STREAM_WRITE(t, p->rc, &p->st, "c\nddddddddddddddddd", 2 + HELD(p->i), AIO_SEC(5));
        CHECK_EQ(p->rc, AIO_OK);
        AIO_SLEEP(t, AIO_MS(10));
        WRITE_GIVES(t, p, "d\n", AIO_OK);
    }
    CLOSE_NOTIFY_ANSWERED(t, p);
    AIO_END(t);
}
static aio_status start_held_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    if (W.sv[1] >= 0)
        p->fd = W.sv[1];
    else
        AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
    CHECK_EQ(aio_stream_init_growing(&p->st, p->fd, 16, 64), AIO_OK);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, TLS_SERVER_NAME, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_OK);
    AIO_READ_EXACTLY(t, p->rc, &p->st, 33, AIO_SEC(5));
    CHECK_EQ(p->rc, 33);
    AIO_READ_EXACTLY(t, p->rc, &p->st, 15, AIO_SEC(5));
    CHECK_EQ(p->rc, 15);
    READ_LINE_IS(t, p, "gggggggggggggggg\n");
    CHECK_EQ(p->st.size, 64);
    for (p->i = 0; p->i < 6; p->i++) {
        READ_LINE_IS(t, p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
        CHECK_EQ(p->st.size, 64);
        for (p->n = 0; p->n < 3; p->n++) READ_LINE_IS(t, p, "b\n");
        READ_LINE_IS(t, p, "c\n");
        CHECK_EQ(aio_stream_buffered(&p->st), HELD(p->i));
        if (p->i < 3) {
            AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
            CHECK_LINE(p->rc, p, &"dddddddddddddddddd\n"[17 - HELD(p->i)]);
            CHECK_EQ(p->st.size, HELD(p->i) < 16 ? 32 : 64); /* (16, full: grown again for the newline) */
        } else {
            AIO_READ_EXACTLY(t, p->rc, &p->st, HELD(p->i) + 1, AIO_SEC(5));
            CHECK_LINE(p->rc, p, &"dddddddddddddddddd"[17 - HELD(p->i)]);
            CHECK_EQ(p->st.size, HELD(p->i) < 16 ? 16 : 64);
            READ_LINE_IS(t, p, "\n");
        }
        CHECK_EQ(T_MS(), 10 * (p->i + 2));
    }
    CHECK_STR(aio_tls_error(&p->tls), "");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    AIO_END(t);
}

/* ------------------------------------------------------------- STARTTLS */

/* STARTTLS: a plain line, then the handshake on the same stream. The
 * client sends its TLS hello right after its plain request, so the
 * server's stream holds it, unread, when the plain line is read: the
 * handshake gives those bytes to the engine first. After each side's
 * shutdown and aio_tls_free, plain text again on the same stream. */
static aio_status starttls_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    peer_setup(p, &W.scfg);
    READ_LINE_IS(t, p, "STARTTLS\n");
    CHECK(aio_stream_buffered(&p->st) > 0); /* the client's hello */
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, NULL, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_OK);
    CHECK_EQ(aio_stream_buffered(&p->st), 0);
    READ_LINE_IS(t, p, "secret\n");
    AIO_STREAM_WRITE(t, p->rc, &p->st, "noted\n", 6, AIO_SEC(5));
    SHUTDOWN_GIVES(t, p, AIO_OK);
    /* plain text again after the session's end */
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    READ_LINE_IS(t, p, "QUIT\n");
    WRITE_GIVES(t, p, "221 bye\n", AIO_OK);
    AIO_END(t);
}
static aio_status starttls_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
    peer_setup(p, &W.ccfg);
    WRITE_GIVES(t, p, "STARTTLS\n", AIO_OK);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, TLS_SERVER_NAME, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_OK);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "secret\n", 7, AIO_SEC(5));
    READ_LINE_IS(t, p, "noted\n");
    CLOSE_NOTIFY_ANSWERED(t, p); /* (the server's) */
    CHECK_EQ(aio_stream_at_eof(&p->st), 1);
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    CHECK_EQ(aio_stream_at_eof(&p->st), 0); /* (TLS's end, not the socket's) */
    WRITE_GIVES(t, p, "QUIT\n", AIO_OK);
    READ_LINE_IS(t, p, "221 bye\n");
    AIO_END(t);
}

/* ------------------------------------------------------------ the end */

/* A peer that closes its socket without close_notify: the read that meets
 * the end gives AIO_ETRUNCATED with the engine's reason (what came before
 * it was read), and so does every read after, and the shutdown; with
 * AIO_TLS_LENIENT_EOF it is the end: what is left, then 0. */
static aio_status abrupt_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    WRITE_GIVES(t, p, "whole\npartial", AIO_OK);
    PEER_DROP(p);
    AIO_END(t);
}
static aio_status truncated_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    READ_LINE_IS(t, p, "whole\n");
    AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
    if (W.ccfg.flags & AIO_TLS_LENIENT_EOF) {
        CHECK_LINE(p->rc, p, "partial");
        CLOSE_NOTIFY_ANSWERED(t, p);
        CHECK_STR(aio_tls_error(&p->tls), "");
    } else {
        CHECK_EQ(p->rc, AIO_ETRUNCATED);
        CHECK_STR(aio_tls_error(&p->tls), TLS_TRUNCATED_WHY);
        CHECK_EQ(aio_stream_buffered(&p->st), 7); /* "partial": not taken */
        AIO_READ_SOME(t, p->rc, &p->st, AIO_SEC(5));
        CHECK_EQ(p->rc, 7); /* (what was buffered) */
        AIO_READ_SOME(t, p->rc, &p->st, AIO_SEC(5));
        CHECK_EQ(p->rc, AIO_ETRUNCATED);
        SHUTDOWN_GIVES(t, p, AIO_ETRUNCATED);
    }
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
/* A shutdown that meets the peer's close without close_notify:
 * AIO_ETRUNCATED with the engine's reason; AIO_OK with AIO_TLS_LENIENT_EOF. */
static aio_status truncated_shutdown_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    AIO_SLEEP(t, AIO_MS(10)); /* (the server has written and closed) */
    AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_SEC(5));
    if (W.ccfg.flags & AIO_TLS_LENIENT_EOF) {
        CHECK_EQ(p->end, AIO_OK);
    } else {
        CHECK_EQ(p->end, AIO_ETRUNCATED);
        CHECK_STR(aio_tls_error(&p->tls), TLS_TRUNCATED_WHY);
    }
    CHECK_EQ(T_MS(), 10);
    AIO_END(t);
}
#endif
