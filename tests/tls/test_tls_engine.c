/* SPDX-License-Identifier: MIT */
/* A TLS engine of the program's (tests/tls/toy_engine.h, written through the
 * public interface only) under the rules the built-in engines are tested
 * for: a handshake and a shutdown cut by their deadlines at their exact
 * times, a read cut inside a record (its deadline, a cancel) that takes
 * nothing, STARTTLS's buffered hello read first, a write cut with a
 * record half sent that leaves the session unusable, a shutdown both ways,
 * a peer that closes without close_notify (AIO_ETRUNCATED; the end with
 * AIO_TLS_LENIENT_EOF), the engine's reasons (aio_tls_error,
 * aio_tls_config_error), and a table with a slot left empty refused. Built
 * with AIO_TLS alone (no engine of the header's, no engine library: it runs
 * wherever there are sockets), or beside a built-in engine
 * (-DAIO_TLS_OPENSSL), whose configurations the toy's do not disturb. A
 * client and a server, each a task of one loop on the virtual clock, over
 * real sockets on 127.0.0.1; some peers speak the toy's records by hand,
 * to split them. The cases every engine keeps are those of tls_cases.h,
 * which test_tls.c runs on the built-in engines. Built with the runner of
 * tests/main.c (at the end). */
#define AIO_TIMEOUT_IMPLEMENTATION
#if !defined(AIO_TLS_OPENSSL) && !defined(AIO_TLS_MBEDTLS)
#define AIO_TLS
#endif
#ifndef TEST_COUNTED_ALLOC
#define TEST_COUNTED_ALLOC /* every block of the header's allocator counted (it may fail one: test_alloc_fail_after) */
#endif
#include "../test.h"
#define TEST_COUNTED_ALLOC_DEFINE
#include "../counted_alloc.h"
#include "toy_engine.h"

/* What the shared cases of tls_cases.h leave to each file (it says each):
 * the raw record of a peer that speaks the toy's by hand. */
#define TLS_PEER_MORE unsigned char raw[TOY_HEAD + TOY_MAX];
#define TLS_WORLD_MORE
#define TLS_SERVER_NAME (W.name ? W.name : "toy.example")
#define TLS_TRUNCATED_WHY "toy: the peer closed the connection without close_notify"
#define TLS_HANDSHAKE_CUT_MS 2000
/* (a record half sent: the toy's session says how far it went) */
#define TLS_WRITE_CUT_CHECK(p)                                                  \
    do {                                                                       \
        CHECK(((toy_session *)(p)->tls.engine)->out_at > 0);                   \
        CHECK(((toy_session *)(p)->tls.engine)->out_at < ((toy_session *)(p)->tls.engine)->out_len); \
    } while (0)
#define BIG (1u << 20)
static unsigned char big_out[BIG];
#include "tls_cases.h"

/* A test of the case W states (tls_cases.h): the configurations on the toy
 * engine, then pair_loop; then the engine must have freed what it made. */
static void pair_run(aio_task_fn server_fn, aio_task_fn client_fn) {
    W.scfg.flags = AIO_TLS_SERVER | W.sflags;
    W.scfg.cert_file = "toy.pem"; /* (the toy reads no file: the library wants a server to name them) */
    W.scfg.key_file = "toy.key";
    W.scfg.engine_ops = &toy_engine;
    CHECK_EQ(aio_tls_config_load(&W.scfg), AIO_OK);
    W.ccfg.flags = W.cflags;
    W.ccfg.engine_ops = &toy_engine;
    CHECK_EQ(aio_tls_config_load(&W.ccfg), AIO_OK);
    pair_loop(server_fn, client_fn);
    CHECK_EQ(toy_sessions, 0);
    CHECK_EQ(toy_loads, toy_unloads);
    memset(&W, 0, sizeof W);
}

/* A server that speaks the toy's records by hand: the accept, the client's
 * hello read whole (its header, then its body), the server's sent. */
#define RAW_HANDSHAKE(t, p)                                                    \
    do {                                                                       \
        AIO_ACCEPT(t, (p)->fd, W.lfd, AIO_SEC(5));                             \
        AIO_RECV(t, (p)->rc, (p)->fd, (p)->raw, TOY_HEAD, AIO_SEC(5));          \
        CHECK_EQ((p)->rc, TOY_HEAD);                                           \
        AIO_RECV(t, (p)->rc, (p)->fd, (p)->raw + TOY_HEAD, (p)->raw[2], AIO_SEC(5)); \
        CHECK_EQ((p)->rc, (p)->raw[2]);                                        \
        (p)->n = toy_seal((p)->raw, TOY_HELLO, "toy-hello-server", 16);        \
        AIO_SEND_ALL(t, (p)->rc, (p)->fd, (p)->raw, (p)->n, AIO_SEC(5));       \
        CHECK_EQ((p)->rc, AIO_OK);                                             \
    } while (0)

/* ------------------------------------------------------- lines, shutdown */

/* A line each way, then the client's shutdown, which the server reads as
 * the end (0) and answers with its own; after it the client reads 0 and
 * cannot write (tls_cases.h). */
static void test_engine_lines(void) {
    pair_run(lines_server, lines_client);
    CHECK(toy_loads >= 2);
}

/* A megabyte each way at once (tls_cases.h), over TCP, then over a pair of
 * local sockets with small buffers: records cut by the socket, sent and
 * read in pieces, every byte in its place. */
static void test_engine_megabyte(void) {
    size_t i;
    for (i = 0; i < BIG; i++) big_out[i] = (unsigned char)(i * 7 + i / 251);
    pair_run(bulk_server, bulk_client);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, W.sv), 0);
    pair_run(bulk_server, bulk_client);
}

/* A growing stream at the edge of its shrink (tls_cases.h): the toy's
 * read of 0 bytes would give 0, the end. Over TCP and a socket pair. */
static void test_engine_growing_stream_held(void) {
    pair_run(start_held_server, start_held_client);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, W.sv), 0);
    pair_run(start_held_server, start_held_client);
}

/* ------------------------------------------------------------- deadlines */

/* A server that accepts and says nothing: the handshake ends at its
 * deadline, to the instant, and leaves the session unusable; the default
 * deadline, 60 s (tls_cases.h). */
static void test_engine_handshake_deadline(void) { pair_run(two_silent_server, cut_handshake_client); }

/* A server that sends the first 5 bytes of a record "hello\n", then the
 * rest 2 s later: a read cut at 1 s takes nothing (the engine keeps what
 * came of the record), and the next one reads the whole line. */
static aio_status raw_split_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    RAW_HANDSHAKE(t, p);
    p->n = toy_seal(p->raw, TOY_DATA, "hello\n", 6);
    AIO_SEND_ALL(t, p->rc, p->fd, p->raw, 5, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    AIO_SLEEP(t, AIO_SEC(2));
    AIO_SEND_ALL(t, p->rc, p->fd, p->raw + 5, p->n - 5, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    p->n = toy_seal(p->raw, TOY_CLOSE, "", 0);
    AIO_SEND_ALL(t, p->rc, p->fd, p->raw, p->n, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    AIO_END(t);
}
/* The client: its first read cut at 1 s inside the record, by its deadline
 * or (reader.by_cancel) by a cancel of the task it runs in; it takes
 * nothing, the session goes on, and the next read has the whole line. */
static struct {
    aio_task task;
    aio_status rc;
    int by_cancel;
} reader;
static aio_status read_line_task(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, reader.rc, &W.client.st, AIO_SEC(5));
    AIO_RETURN(t, reader.rc);
    AIO_END(t);
}
static aio_status raw_split_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, TLS_SERVER_NAME);
    if (reader.by_cancel) {
        CHECK_EQ(aio_spawn(&reader.task, read_line_task), AIO_OK);
        AIO_SLEEP(t, AIO_SEC(1));
        aio_cancel(&reader.task);
        AIO_AWAIT(t, p->rc, &reader.task);
        CHECK_EQ(p->rc, AIO_ECANCELED);
    } else {
        AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(1));
        CHECK_EQ(p->rc, AIO_ETIMEDOUT);
    }
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_stream_buffered(&p->st), 0);
    CHECK_STR(aio_tls_error(&p->tls), "");
    READ_LINE_IS(t, p, "hello\n");
    CHECK_EQ(T_MS(), 2000);
    READ_LINE_GIVES(t, p, 0);
    AIO_END(t);
}
static void test_engine_read_cut_inside_a_record(void) {
    pair_run(raw_split_server, raw_split_client);
    relay_split_run(); /* (and a record held back by a relay: tls_cases.h) */
}

/* The same read cancelled at 1 s (a task of its own, cancelled by the
 * client): it takes nothing either, and the session goes on. */
static void test_engine_read_cancelled_inside_a_record(void) {
    reader.by_cancel = 1;
    pair_run(raw_split_server, raw_split_client);
    reader.by_cancel = 0;
}

/* A write cut by its deadline with a record half sent (a peer that reads
 * nothing, through small buffers): every later call of the session says it
 * cannot be used (tls_cases.h). */
static aio_status idle_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    small_buffers(p->fd);
    AIO_SLEEP(t, AIO_SEC(3));
    AIO_END(t);
}
static void test_engine_write_cut(void) { pair_run(idle_server, cut_write_client); }

/* A handshake, a shutdown and AIO_TLS_CONNECT cut at their first step, by
 * a deadline passed and by a cancel pending: the stream never plain again,
 * every later call AIO_ETLS (tls_cases.h). */
static void test_engine_first_step_cut(void) { first_step_cut_runs(); }

/* A socket closed under a session, its number taken by a new socket: every
 * later call AIO_ECLOSED, nothing of the new socket's read (tls_cases.h). */
static void test_engine_socket_closed_under(void) { socket_closed_runs(); }

/* A shutdown against a peer that never answers: cut at its deadline, and
 * at its default deadline, 30 s (tls_cases.h). */
static void test_engine_shutdown_deadline(void) {
    pair_run(mute_server, cut_shutdown_client);
    pair_run(mute_server, default_shutdown_client);
}

/* STARTTLS (tls_cases.h): a plain line, the handshake on the same stream,
 * plain text again after the session's end. Then with a client that speaks
 * the records by hand, its hello sent in one piece with its plain request:
 * the server's stream has the hello buffered at the handshake, for
 * certain, and the engine reads it first through aio_tls_io_recv. */
/* A record of type `type` carrying `text`, read whole through the client's
 * plain stream. */
#define RAW_READ(t, p, type, text)                                             \
    do {                                                                       \
        AIO_READ_EXACTLY(t, (p)->rc, &(p)->st, TOY_HEAD + strlen(text), AIO_SEC(5)); \
        CHECK_EQ((p)->rc, (aio_status)(TOY_HEAD + strlen(text)));              \
        if ((p)->rc == (aio_status)(TOY_HEAD + strlen(text))) { /* (else its header is not to be trusted) */ \
            memcpy((p)->raw, aio_stream_data(&(p)->st), (size_t)(p)->rc);      \
            CHECK_EQ((p)->raw[0], (type));                                     \
            CHECK_EQ(toy_open((p)->raw), strlen(text));                        \
            CHECK(memcmp((p)->raw + TOY_HEAD, (text), strlen(text)) == 0);     \
        }                                                                      \
    } while (0)
static aio_status raw_starttls_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
    CHECK_EQ(aio_stream_init(&p->st, p->fd, p->buf, sizeof p->buf), AIO_OK);
    memcpy(p->raw, "STARTTLS\n", 9);
    p->n = 9 + toy_seal(p->raw + 9, TOY_HELLO, "toy-hello:x", 11);
    AIO_STREAM_WRITE(t, p->rc, &p->st, p->raw, p->n, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    RAW_READ(t, p, TOY_HELLO, "toy-hello-server");
    p->n = toy_seal(p->raw, TOY_DATA, "secret\n", 7);
    AIO_STREAM_WRITE(t, p->rc, &p->st, p->raw, p->n, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    RAW_READ(t, p, TOY_DATA, "noted\n");
    RAW_READ(t, p, TOY_CLOSE, ""); /* the server's close_notify, answered */
    p->n = toy_seal(p->raw, TOY_CLOSE, "", 0);
    AIO_STREAM_WRITE(t, p->rc, &p->st, p->raw, p->n, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    WRITE_GIVES(t, p, "QUIT\n", AIO_OK);
    READ_LINE_IS(t, p, "221 bye\n");
    AIO_END(t);
}
static void test_engine_starttls(void) {
    pair_run(starttls_server, starttls_client);
    pair_run(starttls_server, raw_starttls_client);
}

/* STARTTLS out of memory for the hello the stream holds: the handshake
 * fails (AIO_ETLS, and why), the session unusable; the server closes, and
 * the client's handshake meets the end. */
static aio_status starttls_no_memory_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    peer_setup(p, &W.scfg);
    AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
    CHECK_LINE(p->rc, p, "STARTTLS\n");
    CHECK(aio_stream_buffered(&p->st) > 0); /* the client's hello */
    test_alloc_fail_after(0);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, NULL, AIO_SEC(5));
    test_alloc_fail_after(-1);
    CHECK_EQ(p->hs, AIO_ETLS);
    CHECK_STR(aio_tls_error(&p->tls), "out of memory for the bytes buffered before the handshake");
    CHECK_EQ(aio_close(p->fd), AIO_OK);
    p->fd = -1;
    AIO_END(t);
}
static aio_status starttls_no_memory_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
    peer_setup(p, &W.ccfg);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "STARTTLS\n", 9, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, TLS_SERVER_NAME, AIO_SEC(5));
    CHECK(p->hs < 0);
    CHECK(p->hs != AIO_ETIMEDOUT);
    AIO_END(t);
}
static void test_engine_starttls_no_memory(void) { pair_run(starttls_no_memory_server, starttls_no_memory_client); }

/* AIO_TLS_CONNECT out of memory for its stream, once connected: AIO_EIO,
 * the session unusable (the connect's reason), the socket closed (the
 * listener's end of it reads the end). */
static struct {
    aio_task main, client, arm;
    aio_tls_config cfg;
    aio_tls tls;
    aio_stream st;
    int lfd, fd;
    aio_status rc, ended;
    char c;
} TC;
static aio_status connect_arm(aio_task *t) { /* (after the connect's start: its state made) */
    AIO_BEGIN(t);
    test_alloc_fail_after(0);
    AIO_END(t);
}
static aio_status connect_no_memory_client(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&TC.arm, connect_arm), AIO_OK);
    AIO_TLS_CONNECT(t, TC.rc, &TC.tls, &TC.st, "127.0.0.1", aio_socket_port(TC.lfd), AIO_SEC(5));
    test_alloc_fail_after(-1);
    AIO_END(t);
}
static aio_status connect_no_memory_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&TC.client, connect_no_memory_client), AIO_OK);
    AIO_AWAIT(t, TC.ended, &TC.client);
    CHECK_EQ(TC.ended, AIO_OK);
    CHECK_EQ(TC.rc, AIO_EIO);
    AIO_ACCEPT(t, TC.fd, TC.lfd, AIO_SEC(5));
    CHECK(TC.fd >= 0);
    AIO_RECV(t, TC.ended, TC.fd, &TC.c, 1, AIO_SEC(5));
    CHECK_EQ(TC.ended, 0); /* (closed) */
    CHECK_EQ(aio_close(TC.fd), AIO_OK);
    AIO_END(t);
}
static void test_engine_connect_no_memory(void) {
    aio_loop loop;
    memset(&TC, 0, sizeof TC);
    TC.cfg.engine_ops = &toy_engine;
    CHECK_EQ(aio_tls_config_load(&TC.cfg), AIO_OK);
    CHECK_EQ(aio_tls_init(&TC.tls, &TC.cfg), AIO_OK);
    TC.lfd = aio_tcp_listen("127.0.0.1", 0, 8);
    CHECK(TC.lfd >= 0);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TC.main, connect_no_memory_main), AIO_OK);
    CHECK(strstr(aio_tls_error(&TC.tls), "the connect failed: ") != NULL);
    CHECK(TC.st.buf == NULL);
    CHECK_EQ(aio_tls_free(&TC.tls), AIO_OK);
    CHECK_EQ(aio_close(TC.lfd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_tls_config_free(&TC.cfg);
    CHECK_EQ(toy_sessions, 0);
}

/* AIO_TLS_CONNECT cut while it connects, its name's lookup held up (a
 * lookup of the test's own, on a worker thread, that waits until the test
 * lets it go), on the real clock: by a cancel (raised), and by its deadline
 * (AIO_ETIMEDOUT); each time the session says which, and cannot be used. */
static int held_gate[2];
static int held_lookup(void *ctx, const char *host, int port, aio_address *out, int max) {
    char c;
    (void)ctx;
    (void)host;
    (void)max;
    if (read(held_gate[0], &c, 1) != 1) return 0;
    return aio_address_set(&out[0], "127.0.0.1", port) == AIO_OK ? 1 : 0;
}
static struct {
    aio_task main, client;
    aio_tls_config cfg;
    aio_tls tls;
    aio_stream st;
    aio_time d;
    aio_status rc, ended;
} TH;
static aio_status held_client(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TLS_CONNECT(t, TH.rc, &TH.tls, &TH.st, "held.example", 443, TH.d);
    AIO_END(t);
}
static aio_status held_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&TH.client, held_client), AIO_OK);
    AIO_YIELD(t); /* (it waits for its lookup now) */
    if (TH.d == AIO_NEVER) CHECK_EQ(aio_cancel(&TH.client), 1);
    AIO_AWAIT(t, TH.ended, &TH.client);
    CHECK_EQ(write(held_gate[1], "!", 1), 1); /* (the worker's lookup ends) */
    AIO_END(t);
}
static void held_run(aio_time d, aio_status rc, aio_status ended, const char *why) {
    aio_loop loop;
    CHECK_EQ(pipe(held_gate), 0); /* (each run its own: a lookup not started is dropped, its byte unread) */
    memset(&TH, 0, sizeof TH);
    TH.d = d;
    TH.cfg.engine_ops = &toy_engine;
    CHECK_EQ(aio_tls_config_load(&TH.cfg), AIO_OK);
    CHECK_EQ(aio_tls_init(&TH.tls, &TH.cfg), AIO_OK);
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    CHECK_EQ(test_run(&loop, &TH.main, held_main), AIO_OK);
    CHECK_EQ(TH.ended, ended);
    CHECK_EQ(TH.rc, rc);
    CHECK_STR(aio_tls_error(&TH.tls), why);
    CHECK(TH.st.buf == NULL);
    CHECK_EQ(aio_tls_free(&TH.tls), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_tls_config_free(&TH.cfg);
    CHECK_EQ(close(held_gate[0]), 0);
    CHECK_EQ(close(held_gate[1]), 0);
}
static void test_engine_connect_cut(void) {
    aio_set_lookup(held_lookup, NULL);
    held_run(AIO_NEVER, 0, AIO_ECANCELED, "the connect was cancelled: the session cannot be used");
    held_run(AIO_MS(50), AIO_ETIMEDOUT, AIO_OK, "the connect timed out: the session cannot be used");
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(toy_sessions, 0);
}

/* ------------------------------------------------------------ the end */

/* A peer that closes its socket without close_notify: AIO_ETRUNCATED with
 * the engine's reason, in a read and in a shutdown; the end (0) with
 * AIO_TLS_LENIENT_EOF. */
static void test_engine_truncated(void) {
    pair_run(abrupt_server, truncated_client);
    W.cflags = AIO_TLS_LENIENT_EOF;
    pair_run(abrupt_server, truncated_client);
    pair_run(abrupt_server, truncated_shutdown_client);
    W.cflags = AIO_TLS_LENIENT_EOF;
    pair_run(abrupt_server, truncated_shutdown_client);
}

/* -------------------------------------------------- the engine's reasons */

/* A certificate that does not verify (the toy's: a name that begins with
 * "expired."): AIO_ECERT with the engine's words; AIO_TLS_NO_VERIFY lets it
 * through. */
static aio_status hello_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    AIO_END(t);
}
static aio_status refused_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, TLS_SERVER_NAME, AIO_SEC(5));
    if (W.cflags & AIO_TLS_NO_VERIFY) {
        CHECK_EQ(p->hs, AIO_OK);
    } else {
        CHECK_EQ(p->hs, AIO_ECERT);
        CHECK_STR(aio_tls_error(&p->tls), "certificate verify failed: toy: the name's certificate expired");
        WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    }
    AIO_END(t);
}
static void test_engine_certificate(void) {
    W.name = "expired.example";
    pair_run(hello_server, refused_client);
    W.name = "expired.example";
    W.cflags = AIO_TLS_NO_VERIFY;
    pair_run(hello_server, refused_client);
}

/* A server that is not the toy's (it answers in plain text): the
 * handshake fails with the engine's reason. */
static aio_status plain_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    AIO_SEND_ALL(t, p->rc, p->fd, "HTTP/1.1 400 Bad Request\r\n\r\n", 28, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    AIO_END(t);
}
static aio_status not_toy_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, TLS_SERVER_NAME, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_ETLS);
    CHECK_STR(aio_tls_error(&p->tls), "toy: a record too long (not a toy's)");
    AIO_END(t);
}
static void test_engine_not_a_toy(void) { pair_run(plain_server, not_toy_client); }

/* A configuration the engine refuses: AIO_ETLS with its reason, nothing
 * loaded (a session refused). */
static void test_engine_load_refused(void) {
    aio_tls_config c;
    aio_tls tls;
    int loads = toy_loads;
    memset(&c, 0, sizeof c);
    memset(&tls, 0, sizeof tls);
    c.flags = AIO_TLS_SERVER | AIO_TLS_VERIFY_CLIENT;
    c.cert_file = "toy.pem";
    c.key_file = "toy.key";
    c.engine_ops = &toy_engine;
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
    CHECK_STR(aio_tls_config_error(&c), "toy: no client certificates here (the toy has no certificates)");
    CHECK_EQ(toy_loads, loads);
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_EINVAL);
    aio_tls_config_free(&c); /* (nothing to free) */
    CHECK_EQ(toy_unloads, toy_loads);
}

/* A table with a slot left empty: refused at the load, the slot named, the
 * engine's load not called; and, in a build with no engine of its own, a
 * configuration that names none. */
static void test_engine_empty_slot(void) {
    static const char *const slots[] = {"name", "load", "unload", "session_new", "session_free", "server_name",
                                        "handshake", "read", "write", "shutdown"};
    char why[96];
    aio_tls_config c;
    aio_tls_engine e;
    int loads = toy_loads;
    size_t i;
    for (i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        e = toy_engine;
        switch (i) {
        case 0: e.name = NULL; break;
        case 1: e.load = NULL; break;
        case 2: e.unload = NULL; break;
        case 3: e.session_new = NULL; break;
        case 4: e.session_free = NULL; break;
        case 5: e.server_name = NULL; break;
        case 6: e.handshake = NULL; break;
        case 7: e.read = NULL; break;
        case 8: e.write = NULL; break;
        default: e.shutdown = NULL; break;
        }
        memset(&c, 0, sizeof c);
        c.engine_ops = &e;
        CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
        (void)snprintf(why, sizeof why, "aio_tls_config_load: the engine's slot `%s` is empty", slots[i]);
        CHECK_STR(aio_tls_config_error(&c), why);
        CHECK_DEBUG(why);
        CHECK(c.loaded == NULL);
    }
    CHECK_EQ(toy_loads, loads);
    memset(&c, 0, sizeof c);
#ifdef AIO_TLS_OPENSSL
    CHECK_EQ(aio_tls_config_load(&c), AIO_OK); /* (the built-in engine) */
    CHECK_STR(c.loaded->name, "OpenSSL");
    aio_tls_config_free(&c);
#else
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CHECK_STR(aio_tls_config_error(&c), "aio_tls_config_load: no TLS engine (a build with AIO_TLS alone has none of "
                                        "its own: engine_ops names yours)");
#endif
}

/* The io calls outside the engine's steps (a session with no stream yet),
 * without a session, room or bytes: refused, and said; the error helpers
 * without a session or a text. */
static void test_engine_io_misuse(void) {
    aio_tls_config c;
    aio_tls tls;
    aio_stream st;
    char byte = 0;
    memset(&st, 0, sizeof st);
    memset(&c, 0, sizeof c);
    memset(&tls, 0, sizeof tls);
    c.engine_ops = &toy_engine;
    CHECK_EQ(aio_tls_config_load(&c), AIO_OK);
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_OK);
    CHECK_EQ(aio_tls_io_recv(&tls, &byte, 1), AIO_EINVAL);
    CHECK_DEBUG("aio_tls_io_recv: no session, a session without its stream");
    CHECK_EQ(aio_tls_io_send(&tls, &byte, 1), AIO_EINVAL);
    CHECK_DEBUG("aio_tls_io_send: no session, a session without its stream");
    CHECK_EQ(aio_tls_io_recv(NULL, &byte, 1), AIO_EINVAL);
    CHECK_EQ(aio_tls_io_send(NULL, &byte, 1), AIO_EINVAL);
    tls.stream = &st; /* (as in a step: then no room, no bytes) */
    CHECK_EQ(aio_tls_io_recv(&tls, NULL, 1), AIO_EINVAL);
    CHECK_EQ(aio_tls_io_recv(&tls, &byte, 0), AIO_EINVAL);
    CHECK_DEBUG("or no room");
    CHECK_EQ(aio_tls_io_send(&tls, NULL, 1), AIO_EINVAL);
    CHECK_EQ(aio_tls_io_send(&tls, &byte, 0), AIO_EINVAL);
    CHECK_DEBUG("or no bytes");
    tls.stream = NULL;
    aio_tls_set_error(NULL, "nowhere");
    aio_tls_config_set_error(NULL, "nowhere");
    aio_tls_config_set_error(&c, NULL);
    CHECK_STR(aio_tls_config_error(&c), "");
    aio_tls_set_error(&tls, NULL);
    CHECK_STR(aio_tls_error(&tls), "");
    aio_tls_set_error(&tls, "set by hand");
    CHECK_STR(aio_tls_error(&tls), "set by hand");
    CHECK_EQ(aio_tls_free(&tls), AIO_OK);
    CHECK_EQ(toy_sessions, 0);
    aio_tls_config_free(&c);
    CHECK_EQ(toy_unloads, toy_loads);
}

static const test_case tls_engine_tests[] = {
    TEST_ENTRY(test_engine_lines),
    TEST_ENTRY(test_engine_megabyte),
    TEST_ENTRY(test_engine_growing_stream_held),
    TEST_ENTRY(test_engine_handshake_deadline),
    TEST_ENTRY(test_engine_read_cut_inside_a_record),
    TEST_ENTRY(test_engine_read_cancelled_inside_a_record),
    TEST_ENTRY(test_engine_write_cut),
    TEST_ENTRY(test_engine_shutdown_deadline),
    TEST_ENTRY(test_engine_first_step_cut),
    TEST_ENTRY(test_engine_socket_closed_under),
    TEST_ENTRY(test_engine_truncated),
    TEST_ENTRY(test_engine_starttls),
    TEST_ENTRY(test_engine_starttls_no_memory),
    TEST_ENTRY(test_engine_connect_no_memory),
    TEST_ENTRY(test_engine_connect_cut),
    TEST_ENTRY(test_engine_certificate),
    TEST_ENTRY(test_engine_not_a_toy),
    TEST_ENTRY(test_engine_load_refused),
    TEST_ENTRY(test_engine_empty_slot),
    TEST_ENTRY(test_engine_io_misuse),
};
void register_tls_engine_tests(void);
void register_tls_engine_tests(void) { test_register(tls_engine_tests, TEST_COUNT(tls_engine_tests)); }

/* The runner of the unit tests, for this file alone (it prints "ok NAME"
 * for each test that passed). */
#define TEST_FILE tls_engine
#include "../main.c"
