/* SPDX-License-Identifier: MIT */
/* TLS on a stream (AIO_TLS_OPENSSL; with -DAIO_TLS_MBEDTLS, the same tests
 * on Mbed TLS's engine): a client and a server, each a task of
 * one loop on the virtual clock, over real sockets on 127.0.0.1, with the
 * certificates tests/checks/tls.sh makes at run time in the directory
 * TLS_CERTS names: a CA (ca.pem) and another (other-ca.pem), a server's
 * certificate for localhost and 127.0.0.1 (server.pem, server.key), one for
 * another name (wrong.pem) and one that expired (expired.pem). The cases
 * every engine keeps are written once in tls_cases.h, which
 * test_tls_engine.c runs on an engine of the program's. Built with the
 * runner of tests/main.c (at the end). */
#define AIO_TIMEOUT_IMPLEMENTATION
/* The engine (engine_pick.h): the build's, else OpenSSL's; without
 * OpenSSL's headers the file is a runner of no test, which the checkers
 * that read every test file can still read (tls.sh runs none). */
#include "engine_pick.h"
#if !defined(TEST_TLS_NONE) && !defined(TEST_COUNTED_ALLOC)
#define TEST_COUNTED_ALLOC /* every block of the header's allocator counted (it may fail one: test_alloc_fail_after) */
#endif
#include "../test.h"
#ifdef TEST_COUNTED_ALLOC
#define TEST_COUNTED_ALLOC_DEFINE
#include "../counted_alloc.h"
#endif
#ifndef TEST_TLS_NONE
#include <stdlib.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/un.h>
#include <unistd.h>

/* What the shared cases of tls_cases.h leave to each file (it says each). */
#define TLS_PEER_MORE                                                           \
    long long end_at;                                                          \
    size_t sent;                                                               \
    char line[96];                                                             \
    aio_timeout scope;
/* (the case: the server's certificate and the client's CAs, the engines'
 * settings, which way a test's task goes; the run: the certificates'
 * paths) */
#define TLS_WORLD_MORE                                                          \
    const char *server_cert;                                                   \
    const char *ca;                                                            \
    void (*engines)(void);                                                     \
    int variant;                                                               \
    char paths[8][512];
#define TLS_SERVER_NAME "localhost"
#define TLS_TRUNCATED_WHY                                                       \
    "the peer closed the connection without close_notify (AIO_TLS_LENIENT_EOF reads that as the end)"
#define TLS_HANDSHAKE_CUT_MS 3000
#define TLS_WRITE_CUT_CHECK(p) ((void)0)
#define BIG (10u << 20)
static unsigned char big_out[BIG];

#include "tls_cases.h"

/* The file `name` of the certificates' directory (one of 8 kept at once). */
static const char *cert(const char *name) {
    static int next;
    const char *dir = getenv("TLS_CERTS");
    char *p = W.paths[next++ % 8];
    (void)snprintf(p, sizeof W.paths[0], "%s/%s", dir ? dir : "build/tests/tls/certs", name);
    return p;
}

/* A server's configuration showing the certificate `name`.pem, `name`.key. */
static void server_config(const char *name, unsigned flags) {
    char pem[64], key[64];
    (void)snprintf(pem, sizeof pem, "%s.pem", name);
    (void)snprintf(key, sizeof key, "%s.key", name);
    W.scfg.flags = AIO_TLS_SERVER | flags;
    W.scfg.cert_file = cert(pem);
    W.scfg.key_file = cert(key);
    CHECK_EQ(aio_tls_config_load(&W.scfg), AIO_OK);
    CHECK_STR(aio_tls_config_error(&W.scfg), "");
}
/* A client's, trusting the CA in `ca` (NULL: none given). */
static void client_config(const char *ca, unsigned flags) {
    W.ccfg.flags = flags;
    W.ccfg.ca_file = ca ? cert(ca) : NULL;
    CHECK_EQ(aio_tls_config_load(&W.ccfg), AIO_OK);
}

/* A test of the case W states (tls_cases.h): the configurations (the
 * server's certificate, the CAs the client trusts: W.server_cert, W.ca),
 * the engines' settings (W.engines), then pair_loop; W zeroed after. */
static void pair_run(aio_task_fn server_fn, aio_task_fn client_fn) {
    server_config(W.server_cert ? W.server_cert : "server", W.sflags);
    client_config(!W.ca ? "ca.pem" : W.ca[0] ? W.ca : NULL, W.cflags);
    if (W.engines) W.engines();
    pair_loop(server_fn, client_fn);
    memset(&W, 0, sizeof W);
}
/* The same with the client cancelled at `at`: it ends AIO_ECANCELED. */
static void cancelled_run(aio_time at, aio_task_fn server_fn, aio_task_fn client_fn) {
    W.cancel_at = at;
    W.client_end = AIO_ECANCELED;
    pair_run(server_fn, client_fn);
}

/* ------------------------------------------------------------ handshake */

/* A handshake, then lines both ways through AIO_READ_LINE and
 * AIO_STREAM_WRITE, then each side's shutdown: the client's first (the
 * server reads its close_notify as the end: 0), the server's answers it.
 * After it, a read gives 0 and a write AIO_ETLS. All at once on the
 * virtual clock. */
static void test_tls_lines(void) {
    pair_run(lines_server, lines_client);
}

/* The same to 127.0.0.1: the certificate's address is checked. */
static aio_status ip_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "127.0.0.1");
    AIO_STREAM_WRITE(t, p->rc, &p->st, "hello\n", 6, AIO_SEC(5));
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_END(t);
}
static void test_tls_ip_address(void) {
    pair_run(lines_server, ip_client);
}

/* A server that accepts and never says a word: the client's handshake ends
 * at its deadline, exactly (on the virtual clock, the peer never writes);
 * the session is then unusable, its reads and writes say so, and
 * aio_tls_error says why. AIO_TLS_DEFAULT_TIMEOUT is 60 s. */
static aio_status silent_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    AIO_SLEEP(t, AIO_SEC(1000));
    AIO_END(t);
}
static void test_tls_handshake_deadline(void) {
    pair_run(two_silent_server, cut_handshake_client);
}

/* A cancel during the handshake: the handshake's await delivers it, the
 * session is unusable and aio_tls_free (in the cleanup) frees it. */
static aio_status cancel_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(30));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 100);
    CHECK_STR(aio_tls_error(&p->tls), "the handshake was cancelled: the session cannot be used");
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK); /* (twice: nothing) */
    AIO_END(t);
}
static void test_tls_handshake_cancelled(void) {
    cancelled_run(AIO_MS(100), silent_server, cancel_client);
}

/* --------------------------------------------------------- verification */

/* A client whose handshake fails with AIO_ECERT, the reason containing
 * W.client.line; the server's handshake fails too (the client's alert):
 * AIO_ETLS, the alert in its reason. (Mbed TLS checks an address once its
 * handshake is done: the server hears of it at its first read.) */
static aio_status refused_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_HANDSHAKE(t, p);
#ifdef AIO_TLS_MBEDTLS
    if (W.name && p->hs == AIO_OK) AIO_READ_LINE(t, p->hs, &p->st, AIO_SEC(5));
#endif
    CHECK_EQ(p->hs, AIO_ETLS);
    CONTAINS(aio_tls_error(&p->tls), "alert");
    CONTAINS(aio_tls_error(&p->tls), p->line);
    AIO_END(t);
}
static aio_status refusing_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, W.name ? W.name : "localhost", AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_ECERT);
    CONTAINS(aio_tls_error(&p->tls), "certificate verify failed: ");
    CONTAINS(aio_tls_error(&p->tls), p->line);
    READ_LINE_GIVES(t, p, AIO_ETLS);
    AIO_END(t);
}
static void refused(const char *server_cert, const char *ca, const char *reason, const char *alert) {
    W.server_cert = server_cert;
    W.ca = ca;
    (void)snprintf(W.client.line, sizeof W.client.line, "%s", reason);
    (void)snprintf(W.server.line, sizeof W.server.line, "%s", alert);
    pair_run(refused_server, refusing_client);
}
/* (each engine's words for the reason; the alerts have their names) */
#ifdef AIO_TLS_MBEDTLS
#define UNKNOWN_CA "The certificate is not correctly signed by the trusted CA"
#define WRONG_NAME "The certificate Common Name (CN) does not match with the expected CN"
#define EXPIRED "The certificate validity has expired"
#else
#define UNKNOWN_CA "unable to get local issuer certificate"
#define WRONG_NAME "hostname mismatch"
#define EXPIRED "certificate has expired"
#endif
static void test_tls_unknown_ca(void) { refused("server", "other-ca.pem", UNKNOWN_CA, "unknown ca"); }
static void test_tls_wrong_name(void) {
    refused("wrong", "ca.pem", WRONG_NAME, "bad certificate");
    W.name = "127.0.0.1"; /* (an address the certificate does not name) */
    refused("wrong", "ca.pem", "IP address mismatch", "bad certificate");
    W.name = "::1"; /* (and an IPv6 address) */
    refused("server", "ca.pem", "IP address mismatch", "bad certificate");
    W.name = "127.0.0.2"; /* (an address of the certificate's length, not its own) */
    refused("server", "ca.pem", "IP address mismatch", "bad certificate");
}
static void test_tls_expired(void) { refused("expired", "ca.pem", EXPIRED, "certificate expired"); }

/* AIO_TLS_NO_VERIFY connects to each of them (and needs no server name). */
static aio_status no_verify_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, W.client.line[0] ? W.client.line : NULL);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "hello\n", 6, AIO_SEC(5));
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_END(t);
}
static void test_tls_no_verify(void) {
    static const char *const certs[] = {"server", "wrong", "expired"};
    int i;
    for (i = 0; i < 3; i++) {
        W.server_cert = certs[i];
        W.ca = "";
        W.cflags = AIO_TLS_NO_VERIFY;
        if (i == 1) (void)snprintf(W.client.line, sizeof W.client.line, "localhost");
        if (i == 2) (void)snprintf(W.client.line, sizeof W.client.line, "127.0.0.1"); /* (an address: not sent) */
        pair_run(lines_server, no_verify_client);
    }
}


/* ------------------------------------------------------------- shutdown */

/* A peer that never answers the close_notify: the shutdown ends at its
 * deadline, exactly, and leaves the session unusable; the default is 30 s. */
static void test_tls_shutdown_deadline(void) {
    pair_run(mute_server, cut_shutdown_client);
}
static void test_tls_shutdown_default_deadline(void) {
    pair_run(mute_server, default_shutdown_client);
}

/* A peer that closes its socket without close_notify: the read that meets
 * the end gives AIO_ETRUNCATED (what came before it was read), and so does
 * every read after; with AIO_TLS_LENIENT_EOF it is the end: what is left,
 * then 0. */
static void test_tls_truncated(void) {
    pair_run(abrupt_server, truncated_client);
    W.cflags = AIO_TLS_LENIENT_EOF;
    pair_run(abrupt_server, truncated_client);
}

/* ---------------------------------------------------------- data and time */

/* 10 MB each way at once (tls_cases.h): each side a reader (its task) and
 * a writer (a task beside it) on one session, the socket's buffers full
 * many times over; every byte arrives, in order, and all of it on the
 * virtual clock's time 0 (nothing waits for a timer). */
static void test_tls_ten_megabytes_each_way(void) {
    size_t i;
    for (i = 0; i < BIG; i++) big_out[i] = (unsigned char)(i * 7 + i / 4099);
    pair_run(bulk_server, bulk_client);
    /* and a megabyte over a pair of local sockets with small buffers: each
     * write and read waits for the socket many times (TCP's would wait for
     * its timers in real time, which the virtual clock does not give) */
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, W.sv), 0);
    W.bulk = 1u << 20;
    pair_run(bulk_server, bulk_client);
}


/* aio_stream_write on a TLS stream: a megabyte in 100 writes while the
 * server reads nothing yet (what the socket does not take is buffered, and
 * sent through the session as the socket takes more), a drain until it is
 * all sent (the marks at 0), then the close_notify: every byte arrives, in
 * order, then the end. */
static aio_status buffered_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    AIO_SLEEP(t, AIO_MS(50));
    for (p->n = 0;;) {
        AIO_READ_SOME(t, p->rc, &p->st, AIO_SEC(10));
        if (p->rc <= 0) break;
        if (memcmp(aio_stream_data(&p->st), big_out + p->n, (size_t)p->rc) != 0) p->i++;
        p->n += (size_t)p->rc;
    }
    CHECK_EQ(p->rc, 0); /* (the close_notify) */
    CHECK_EQ(p->n, 100u * 10000u);
    CHECK_EQ(p->i, 0);
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_END(t);
}
static aio_status buffered_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    for (p->i = 0; p->i < 100; p->i++)
        CHECK_EQ(aio_stream_write(&p->st, big_out + (size_t)p->i * 10000u, 10000), AIO_OK);
    CHECK(aio_stream_write_buffered(&p->st) > 0);
    CHECK_EQ(aio_stream_set_write_limits(&p->st, 0, 0, 1u << 20), AIO_OK);
    AIO_DRAIN(t, p->rc, &p->st, AIO_SEC(10));
    CHECK_EQ(p->rc, AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(&p->st), 0);
    CHECK(T_MS() >= 50);
    SHUTDOWN_GIVES(t, p, AIO_OK);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK); /* (its write buffer given back) */
    AIO_END(t);
}
static void test_tls_buffered_writes(void) {
    size_t i;
    for (i = 0; i < BIG; i++) big_out[i] = (unsigned char)(i * 7 + i / 4099);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, W.sv), 0); /* (buffers smaller than TCP's on loopback) */
    pair_run(buffered_server, buffered_client);
}

/* A read whose deadline passes takes nothing, and the session goes on: the
 * line that comes later is read whole. */
static aio_status late_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_HANDSHAKE(t, p);
    AIO_SLEEP(t, AIO_MS(100));
    WRITE_GIVES(t, p, "late\n", AIO_OK);
    READ_LINE_IS(t, p, "ok\n");
    AIO_END(t);
}
static aio_status late_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    AIO_READ_LINE(t, p->rc, &p->st, AIO_MS(50));
    CHECK_EQ(p->rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 50);
    READ_LINE_IS(t, p, "late\n");
    CHECK_EQ(T_MS(), 100);
    WRITE_GIVES(t, p, "ok\n", AIO_OK);
    AIO_END(t);
}
static void test_tls_read_deadline(void) {
    pair_run(late_server, late_client);
}

/* TLS 1.3's session tickets come after the handshake, and a key update may
 * come at any time: records that carry no data. A read that consumed such a
 * record and found nothing more waits for the socket; it never reads as the
 * end (0). The line that follows 100 ms later is read then, exactly. */
static aio_status tickets_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
#ifdef AIO_TLS_OPENSSL
    CHECK_EQ(SSL_version((SSL *)p->tls.engine), TLS1_3_VERSION);
#endif
    AIO_SLEEP(t, AIO_MS(100));
    AIO_STREAM_WRITE(t, p->rc, &p->st, "late\n", 5, AIO_SEC(5));
#ifdef AIO_TLS_OPENSSL
    CHECK_EQ(SSL_key_update((SSL *)p->tls.engine, SSL_KEY_UPDATE_REQUESTED), 1);
#endif
    AIO_SLEEP(t, AIO_MS(100));
    AIO_STREAM_WRITE(t, p->rc, &p->st, "updated\n", 8, AIO_SEC(5));
    READ_LINE_IS(t, p, "answer\n");
    CLOSE_NOTIFY_ANSWERED(t, p);
    AIO_END(t);
}
static aio_status tickets_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    READ_LINE_IS(t, p, "late\n");
    CHECK_EQ(T_MS(), 100);
    READ_LINE_IS(t, p, "updated\n");
    CHECK_EQ(T_MS(), 200);
    WRITE_GIVES(t, p, "answer\n", AIO_OK);
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_END(t);
}
static void test_tls_tickets_and_key_update(void) {
    pair_run(tickets_server, tickets_client);
}

/* STARTTLS: a plain line, then the handshake on the same stream, then plain
 * text again (tls_cases.h). */
static void test_tls_starttls(void) {
    pair_run(starttls_server, starttls_client);
}

/* A write cut by its deadline after part of it went into the engine (a
 * peer that reads nothing): the session is unusable from then on, for
 * writes and reads, as Trio's rule has it; aio_bytes_sent says what went. */
static void test_tls_write_cut(void) {
    pair_run(mute_server, cut_write_client);
}


/* ------------------------------------------------ more cases, and ported */

/* A server that accepts, then fails its handshake: the client gave up. */
static aio_status failing_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_HANDSHAKE(t, p);
    CHECK(p->hs < 0);
    AIO_END(t);
}

/* The two ends agree on no version: the server takes TLS 1.3 only, the
 * client offers TLS 1.2 at most (on Mbed TLS 2.28, which speaks no 1.3,
 * the server offers 1.1 at most, which the client refuses). Both
 * handshakes fail, each saying it was the version. */
static void versions_apart(void) {
#ifdef AIO_TLS_MBEDTLS
    mbedtls_ssl_conf_min_version(&((aio__mbed *)W.scfg.engine)->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_1);
    mbedtls_ssl_conf_max_version(&((aio__mbed *)W.scfg.engine)->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_2);
#else
    CHECK_EQ(SSL_CTX_set_min_proto_version(((aio__ossl *)W.scfg.engine)->ctx, TLS1_3_VERSION), 1);
    CHECK_EQ(SSL_CTX_set_max_proto_version(((aio__ossl *)W.ccfg.engine)->ctx, TLS1_2_VERSION), 1);
#endif
}
#ifdef AIO_TLS_MBEDTLS
#define VERSION_SERVER "the peer's alert: protocol version"
#define VERSION_CLIENT "Handshake protocol not within min/max boundaries"
#define NOT_A_RECORD "An invalid SSL record was received"
#else
#define VERSION_SERVER "unsupported protocol"
#define VERSION_CLIENT "alert protocol version"
#define NOT_A_RECORD "wrong version number"
#endif
static aio_status version_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_HANDSHAKE(t, p);
    CHECK_EQ(p->hs, AIO_ETLS);
    CONTAINS(aio_tls_error(&p->tls), VERSION_SERVER);
    AIO_END(t);
}
static aio_status version_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_ETLS);
    CONTAINS(aio_tls_error(&p->tls), VERSION_CLIENT);
    CHECK_EQ(p->hs_at, 0);
    READ_LINE_GIVES(t, p, AIO_ETLS);
    AIO_END(t);
}
static void test_tls_protocol_version(void) {
    W.engines = versions_apart;
    pair_run(version_server, version_client);
}

/* A cancel in a read: the read takes nothing and the session goes on (the
 * cleanup reads the line that comes later, whole, at its time). */
static aio_status cancel_read_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 50);
    CHECK_STR(aio_tls_error(&p->tls), "");
    READ_LINE_IS(t, p, "late\n");
    CHECK_EQ(T_MS(), 100);
    WRITE_GIVES(t, p, "ok\n", AIO_OK);
    AIO_END(t);
}
static void test_tls_cancel_in_read(void) {
    cancelled_run(AIO_MS(50), late_server, cancel_read_client);
}

/* A cancel in a write that part of went into the engine (a peer that reads
 * nothing): the session is broken, and every later call says so. */
static aio_status cancel_write_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    small_buffers(p->fd);
    AIO_STREAM_WRITE(t, p->rc, &p->st, big_out, BIG, AIO_SEC(30));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 100);
    WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    CHECK_STR(aio_tls_error(&p->tls), "a write was cut (a deadline, a cancellation) after part of it went into "
                                      "the TLS engine: the session cannot be used");
    AIO_READ_SOME(t, p->rc, &p->st, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_ETLS);
    AIO_TLS_SHUTDOWN(t, p->rc, &p->tls, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_ETLS);
    CHECK_EQ(T_MS(), 100);
    AIO_END(t);
}
static void test_tls_cancel_in_write(void) {
    cancelled_run(AIO_MS(100), mute_server, cancel_write_client);
}

/* A cancel in a shutdown (a peer that never answers its close_notify): the
 * session is unusable, and says so. */
static aio_status cancel_shutdown_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_SEC(30));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 100);
    CHECK_STR(aio_tls_error(&p->tls), "the shutdown was cancelled: the session cannot be used");
    WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    READ_LINE_GIVES(t, p, AIO_ETLS);
    AIO_TLS_SHUTDOWN(t, p->rc, &p->tls, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_ETLS);
    AIO_END(t);
}
static void test_tls_cancel_in_shutdown(void) {
    cancelled_run(AIO_MS(100), mute_server, cancel_shutdown_client);
}

/* A read whose deadline falls inside a record, held back by a relay
 * (tls_cases.h). */
static void test_tls_read_deadline_inside_a_record(void) { relay_split_run(); }

/* Cases of CPython's asyncio tests (test_ssl.py, test_sslproto.py), each
 * as what it checks, in this library's terms:
 *   - a handshake against a server that reads and never answers ends at
 *     its own deadline: test_tls_handshake_deadline;
 *   - ... and at an outer one, shorter than its own, with the server seeing
 *     the connection end: test_tls_handshake_outer_deadline (below);
 *   - a zero handshake timeout: test_tls_handshake_zero_deadline (below);
 *   - closing or cancelling during the handshake leaks nothing and raises
 *     nothing more: test_tls_handshake_cancelled;
 *   - the peer's end during the handshake fails it at once:
 *     test_tls_peer_closes_in_handshake;
 *   - a certificate that does not verify: test_tls_unknown_ca and the rest
 *     of the verification section;
 *   - a shutdown against a peer that never answers ends at its deadline:
 *     test_tls_shutdown_deadline, test_tls_shutdown_default_deadline;
 *   - a write after the session was closed is refused, not lost silently:
 *     test_tls_lines;
 *   - start_tls on a connection whose first TLS bytes came with the plain
 *     ones: test_tls_starttls;
 *   - plain bytes under a session after its handshake:
 *     test_tls_corrupted_record (below). */

/* A handshake under an outer deadline shorter than its own (asyncio:
 * wait_for around a connection whose ssl_handshake_timeout is 10 s, against
 * a server that reads and never answers): the outer deadline ends it, at
 * its time, the session is unusable and says it was cut, nothing leaks,
 * and the server sees the connection end once the client closes it. */
static aio_status reading_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    do AIO_RECV(t, p->rc, p->fd, p->buf, sizeof p->buf, AIO_SEC(5)); /* the client's hello, then the end */
    while (p->rc > 0);
    CHECK_EQ(p->rc, 0);
    CHECK_EQ(T_MS(), 500);
    AIO_END(t);
}
static aio_status outer_deadline_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &p->scope, AIO_MS(500)) {
        CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(10));
        CHECK(0); /* (never reached) */
    }
    CHECK_EQ(aio_timeout_status(&p->scope), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 500);
    CHECK_STR(aio_tls_error(&p->tls), "the handshake was cancelled: the session cannot be used");
    PEER_DROP(p);
    AIO_END(t);
}
static void test_tls_handshake_outer_deadline(void) { pair_run(reading_server, outer_deadline_client); }

/* A handshake timeout of zero (asyncio refuses one: ValueError): here a
 * deadline that has come already, so the handshake, which must wait for
 * the peer, ends at once with AIO_ETIMEDOUT; the server's fails when the
 * client closes. */
static aio_status zero_deadline_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", 0);
    CHECK_EQ(p->hs, AIO_ETIMEDOUT);
    CHECK_EQ(p->hs_at, 0);
    CHECK_STR(aio_tls_error(&p->tls), "the handshake timed out: the session cannot be used");
    PEER_DROP(p);
    AIO_END(t);
}
static void test_tls_handshake_zero_deadline(void) { pair_run(failing_server, zero_deadline_client); }

/* Bytes that are not TLS after the handshake (asyncio: a server that
 * writes plain text on the socket under its session): the read that meets
 * them fails at once with AIO_ETLS and the engine's reason, never a hang
 * nor an end (0), and so does every read after. */
static aio_status corrupting_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "A\n", 2, AIO_SEC(5));
    READ_LINE_IS(t, p, "B\n");
    AIO_SEND_ALL(t, p->rc, p->fd, "please corrupt the session\n", 27, AIO_SEC(5)); /* (under the session) */
    CHECK_EQ(p->rc, AIO_OK);
    AIO_SLEEP(t, AIO_MS(100));
    AIO_END(t);
}
static aio_status corrupted_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    READ_LINE_IS(t, p, "A\n");
    AIO_STREAM_WRITE(t, p->rc, &p->st, "B\n", 2, AIO_SEC(5));
    READ_LINE_GIVES(t, p, AIO_ETLS);
    CHECK_EQ(T_MS(), 0);
    CONTAINS(aio_tls_error(&p->tls), NOT_A_RECORD);
    READ_LINE_GIVES(t, p, AIO_ETLS);
    WRITE_GIVES(t, p, "C\n", AIO_ETLS);
    AIO_END(t);
}
static void test_tls_corrupted_record(void) { pair_run(corrupting_server, corrupted_client); }

/* A peer that answers the hello in plain text (a plain HTTP server on the
 * port: "HTTP/1.1 400 Bad Request") and keeps the connection open: the
 * handshake fails at once with AIO_ETLS and the engine's reason, never
 * waiting out its deadline. */
#define HTTP_400 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
static aio_status http_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    AIO_RECV(t, p->rc, p->fd, p->buf, sizeof p->buf, AIO_SEC(5)); /* (the hello) */
    CHECK(p->rc > 0);
    AIO_SEND_ALL(t, p->rc, p->fd, HTTP_400, sizeof HTTP_400 - 1, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_END(t);
}
static aio_status http_answered_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_ETLS);
    CHECK_EQ(p->hs_at, 0);
    CONTAINS(aio_tls_error(&p->tls), NOT_A_RECORD);
    WRITE_GIVES(t, p, "x\n", AIO_ETLS);
    AIO_END(t);
}
static void test_tls_plain_answer(void) { pair_run(http_server, http_answered_client); }


/* --------------------------------------------------------------- misuse */

/* Configurations that cannot load say why, in a debug message where it is
 * a mistake in the program, and in aio_tls_config_error always. */
static void test_tls_config_errors(void) {
    aio_tls_config c;
    aio_tls tls;
    memset(&c, 0, sizeof c);
    c.flags = AIO_TLS_SERVER;
    c.cert_file = cert("server.pem");
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CHECK_DEBUG("aio_tls_config_load: a server needs its certificate and its private key");
    CONTAINS(aio_tls_config_error(&c), "a server needs its certificate and its private key");
    c.flags = 0;
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CONTAINS(aio_tls_config_error(&c), "a certificate needs its private key");
    c.cert_file = NULL;
    c.flags = 64;
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CHECK_STR(aio_tls_config_error(&c), "aio_tls_config_load: unknown flags");
    c.flags = AIO_TLS_VERIFY_CLIENT;
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CONTAINS(aio_tls_config_error(&c), "AIO_TLS_VERIFY_CLIENT");
    c.flags = 0;
    c.ca_file = cert("no-such-ca.pem");
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
    CONTAINS(aio_tls_config_error(&c), "cannot load the trusted CAs from ");
    CONTAINS(aio_tls_config_error(&c), "no-such-ca.pem");
    CHECK(c.engine == NULL);
    c.ca_file = NULL;
#ifdef AIO_TLS_MBEDTLS
    c.ca_dir = cert("no-such-dir"); /* (OpenSSL looks in a directory only when it verifies) */
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
    CONTAINS(aio_tls_config_error(&c), "cannot load the trusted CAs from ");
    CONTAINS(aio_tls_config_error(&c), "no-such-dir");
    c.ca_dir = NULL;
#endif
    c.flags = AIO_TLS_SERVER;
    c.cert_file = cert("server.pem");
    c.key_file = cert("wrong.key");
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
    CONTAINS(aio_tls_config_error(&c), "cannot use the private key ");
    CONTAINS(aio_tls_config_error(&c), "wrong.key: key values mismatch");
    c.key_file = cert("no-such.key");
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
#ifdef AIO_TLS_MBEDTLS
    CONTAINS(aio_tls_config_error(&c), "no-such.key: PK - Read/write of file failed");
#else
    CONTAINS(aio_tls_config_error(&c), "no-such.key: No such file or directory");
#endif
    c.cert_file = cert("ca.key");
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
    CONTAINS(aio_tls_config_error(&c), "cannot use the certificate ");
    c.cert_file = cert("server.pem");
    c.key_file = cert("server.key");
    CHECK_EQ(aio_tls_config_load(&c), AIO_OK);
    CHECK_STR(aio_tls_config_error(&c), "");
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CONTAINS(aio_tls_config_error(&c), "loaded already");
    memset(&tls, 0, sizeof tls);
    CHECK_EQ(aio_tls_free(&tls), AIO_OK); /* (zeroed: nothing) */
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_OK);
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_EINVAL);
    CHECK_DEBUG("aio_tls_init: the session is set up already");
    CHECK_EQ(aio_tls_free(&tls), AIO_OK); /* (never used: freed all the same) */
    aio_tls_config_free(&c);
    aio_tls_config_free(&c); /* (twice: nothing) */
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_EINVAL);
    CHECK_DEBUG("the configuration was not loaded");
    CHECK_EQ(aio_tls_free(NULL), AIO_OK);
    aio_tls_config_free(NULL);
    CHECK_EQ(aio_tls_config_load(NULL), AIO_EINVAL);
    CHECK_DEBUG("aio_tls_config_load: the configuration is NULL");
    CHECK_STR(aio_tls_config_error(NULL), "");
    CHECK_STR(aio_tls_error(NULL), "");
    CHECK_EQ(aio_tls_init(NULL, &c), AIO_EINVAL);
    CHECK_EQ(aio_tls_init(&tls, NULL), AIO_EINVAL);
    memset(&c, 0, sizeof c);
    c.flags = AIO_TLS_SERVER;
    c.key_file = cert("server.key"); /* (a key, no certificate) */
    CHECK_EQ(aio_tls_config_load(&c), AIO_EINVAL);
    CONTAINS(aio_tls_config_error(&c), "a server needs its certificate and its private key");
    memset(&c, 0, sizeof c);
    c.ca_dir = cert("."); /* (the certificates' directory: CAs to trust) */
    CHECK_EQ(aio_tls_config_load(&c), AIO_OK);
    aio_tls_config_free(&c);
    CHECK_STR(aio_strerror(AIO_ETLS), "TLS failed");
    CHECK_STR(aio_strerror(AIO_ECERT), "certificate verify failed");
    CHECK_STR(aio_strerror(AIO_ETRUNCATED), "closed without close_notify");
    CHECK_STR(aio_strerror(AIO_ETRUNCATED - 1), "unknown error"); /* (none of TLS's) */
}

/* Out of memory for the engine's state: the configuration does not load
 * (AIO_ETLS, and why), nothing held, and loads after; on Mbed TLS a
 * session's state too (aio_tls_init: AIO_ETLS, and why). */
static void test_tls_out_of_memory(void) {
    aio_tls_config c;
    aio_tls tls;
    memset(&c, 0, sizeof c);
    memset(&tls, 0, sizeof tls);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_tls_config_load(&c), AIO_ETLS);
    test_alloc_fail_after(-1);
    CHECK_STR(aio_tls_config_error(&c), "out of memory");
    CHECK(c.engine == NULL);
    CHECK_EQ(aio_tls_config_load(&c), AIO_OK);
#ifdef AIO_TLS_MBEDTLS
    test_alloc_fail_after(0);
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_ETLS);
    test_alloc_fail_after(-1);
    CHECK_STR(aio_tls_error(&tls), "out of memory");
#endif
    CHECK_EQ(aio_tls_init(&tls, &c), AIO_OK);
    CHECK_EQ(aio_tls_free(&tls), AIO_OK);
    aio_tls_config_free(&c);
}

/* A client that verifies needs the server's name: its handshake raises
 * AIO_EINVAL (a debug message and aio_tls_error name the mistake); a
 * server takes none. */
static aio_status nameless_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, NULL, AIO_SEC(5));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_HANDSHAKE: a client that verifies the server needs its name (server_name)");
    CONTAINS(aio_tls_error(&p->tls), "needs its name (server_name), or AIO_TLS_NO_VERIFY");
    AIO_END(t);
}
static aio_status named_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    peer_setup(p, &W.scfg);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, "localhost", AIO_SEC(5));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_HANDSHAKE: a server takes no server name (NULL)");
    AIO_END(t);
}
static void test_tls_handshake_misuse(void) {
    W.client_end = W.server_end = AIO_EINVAL;
    pair_run(named_server, nameless_client);
}

/* While a handshake is under way: a read of its stream by another task is
 * refused (AIO_EBUSY), and so are aio_tls_free, a second handshake and a
 * shutdown; after it, a second handshake is refused (one session, one
 * connection). */
static aio_status busy_reader(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_READ_LINE(t, b->rc, &b->p->st, AIO_SEC(5));
    CHECK_EQ(b->rc, AIO_EBUSY);
    CHECK_DEBUG("a read of a TLS stream while its handshake or its shutdown is under way");
    AIO_STREAM_WRITE(t, b->rc, &b->p->st, "x\n", 2, AIO_SEC(5));
    CHECK_EQ(b->rc, AIO_EBUSY);
    CHECK_DEBUG("a write of a TLS stream while its handshake or its shutdown is under way");
    CHECK_EQ(aio_tls_free(&b->p->tls), AIO_EBUSY);
    CHECK_DEBUG("aio_tls_free: a task is waiting in the session's handshake");
    AIO_TLS_SHUTDOWN(t, b->rc, &b->p->tls, AIO_SEC(1));
    CHECK_EQ(b->rc, AIO_EBUSY);
    AIO_END(t);
}
static aio_status slow_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    AIO_SLEEP(t, AIO_MS(100));
    peer_setup(p, &W.scfg);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, NULL, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_OK);
    AIO_END(t);
}
static aio_status busy_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    W.cwriter.p = p;
    CHECK_EQ(aio_spawn(&W.cwriter.task, busy_reader), AIO_OK);
    CONNECT_OK(t, p, "localhost");
    CHECK_EQ(p->hs_at, 100);
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    AIO_TLS_HANDSHAKE(t, p->rc, &p->tls, &p->st, "localhost", AIO_SEC(5));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_EINVAL);
    CHECK_DEBUG("or had its handshake already");
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    AIO_END(t);
}
static void test_tls_busy(void) {
    W.client_end = AIO_EINVAL;
    pair_run(slow_server, busy_client);
}

/* A server that requires a client certificate: a client that shows one
 * the server's CA signed gets through; one that shows none is refused by
 * the server (its handshake: AIO_ETLS), and learns it by the server's alert
 * at its first read (TLS 1.3 ends the client's handshake first), or in its
 * handshake (TLS 1.2). */
static aio_status client_cert_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_HANDSHAKE(t, p);
    if (W.ccfg.cert_file) {
        CHECK_EQ(p->hs, AIO_OK);
        READ_LINE_IS(t, p, "hello\n");
        AIO_STREAM_WRITE(t, p->rc, &p->st, "world\n", 6, AIO_SEC(5));
    } else {
        CHECK_EQ(p->hs, AIO_ETLS);
        CONTAINS(aio_tls_error(&p->tls), "certificate");
        AIO_SLEEP(t, AIO_MS(10));
        PEER_CLOSE(p); /* (as a server does, alert or not) */
    }
    AIO_END(t);
}
static aio_status client_cert_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(5));
    if (!W.ccfg.cert_file && (p->hs == AIO_ETLS || p->hs == AIO_ECONNRESET)) {
        CHECK(p->hs_at <= 10); /* (TLS 1.2: refused in the handshake; the close resets what the server did not read) */
        AIO_RETURN(t, 0);
    }
    CHECK_EQ(p->hs, AIO_OK);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "hello\n", 6, AIO_SEC(5));
    AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
    if (W.ccfg.cert_file) {
        CHECK_LINE(p->rc, p, "world\n");
    } else {
        CHECK_EQ(p->rc, AIO_ETLS);
        CONTAINS(aio_tls_error(&p->tls), "alert");
    }
    AIO_END(t);
}
static void test_tls_client_certificate(void) {
    int i;
    for (i = 0; i < 2; i++) {
        W.scfg.ca_file = cert("ca.pem");
        W.sflags = AIO_TLS_VERIFY_CLIENT;
        if (i == 0) {
            W.ccfg.cert_file = cert("server.pem"); /* (a certificate the CA signed) */
            W.ccfg.key_file = cert("server.key");
        }
        pair_run(client_cert_server, client_cert_client);
    }
}

/* A peer that closes during the handshake: the handshake fails at once,
 * not at its deadline: AIO_ETLS when the peer read the client's hello and
 * closed (the end of the stream), the reset itself when it closed with the
 * hello unread (W.variant 1: a reset, always, by SO_LINGER 0). */
static void reset_on_close(int fd) {
    struct linger l;
    l.l_onoff = 1;
    l.l_linger = 0;
    CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
}
static aio_status closing_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, p->fd, W.lfd, AIO_SEC(5));
    AIO_SLEEP(t, AIO_MS(10));
    if (W.variant == 1) {
        reset_on_close(p->fd);
    } else {
        AIO_RECV(t, p->rc, p->fd, p->buf, sizeof p->buf, AIO_SEC(5)); /* the client's hello */
        CHECK(p->rc > 0);
    }
    PEER_CLOSE(p);
    AIO_END(t);
}
static aio_status closed_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(5));
    if (W.variant == 1) {
        CHECK_EQ(p->hs, AIO_ECONNRESET);
        CHECK_STR(aio_tls_error(&p->tls), "the socket: connection reset");
    } else {
        CHECK_EQ(p->hs, AIO_ETLS);
        CHECK_STR(aio_tls_error(&p->tls), "the peer closed the connection during the handshake");
    }
    CHECK_EQ(p->hs_at, 10);
    AIO_END(t);
}
static void test_tls_peer_closes_in_handshake(void) {
    pair_run(closing_server, closed_client);
    W.variant = 1;
    pair_run(closing_server, closed_client);
}


/* A peer that ends first (its close_notify) and closes its socket at once:
 * the reads give 0, and a shutdown after that is AIO_OK even though its own
 * close_notify has nowhere to go (the socket answers with a reset). */
static aio_status closing_first_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_HANDSHAKE(t, p);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "bye\n", 4, AIO_SEC(5));
    AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_MS(10)); /* (it does not wait for the answer) */
    CHECK_EQ(p->end, AIO_ETIMEDOUT);
    PEER_DROP(p);
    AIO_END(t);
}
static aio_status after_close_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(5));
    READ_LINE_IS(t, p, "bye\n");
    READ_LINE_GIVES(t, p, 0);
    AIO_SLEEP(t, AIO_MS(20)); /* the server closed its socket meanwhile */
    if (send(p->fd, "x", 1, MSG_NOSIGNAL) == 1) { /* (a byte the closed end answers with a reset) */
        AIO_SLEEP(t, AIO_MS(10));
    }
    SHUTDOWN_GIVES(t, p, AIO_OK);
    CHECK_STR(aio_tls_error(&p->tls), "");
    AIO_END(t);
}
static void test_tls_shutdown_after_peer_closed(void) {
    pair_run(closing_first_server, after_close_client);
}

/* ------------------------------------------------------ more edges */

/* Mistakes that raise AIO_EINVAL (each in a coroutine of its own, as a
 * raise ends the coroutine): a handshake on a stream not set up, or with a
 * negative timeout; a shutdown of a session that had no handshake, or with
 * a negative timeout. None of them touches the session they name: the
 * client's own goes on, lines both ways and its shutdown. */
typedef struct {
    aio_frame frame;
    int which;
    aio_stream zeroed;
    aio_tls *tls;
    aio_stream *st;
    aio_status rc;
} misuse_t;
static char tls_unix_path[64]; /* (AIO_TLS_UNIX_CONNECT's tests) */
static aio_status misuse_call(aio_task *t, misuse_t *s) {
    AIO_BEGIN(t, s);
    if (s->which == 0) AIO_TLS_HANDSHAKE(t, s->rc, s->tls, &s->zeroed, "localhost", AIO_SEC(5));
    if (s->which == 1) AIO_TLS_HANDSHAKE(t, s->rc, s->tls, s->st, "localhost", -5);
    if (s->which == 2) AIO_TLS_SHUTDOWN(t, s->rc, s->tls, AIO_SEC(5));
    if (s->which == 3) AIO_TLS_SHUTDOWN(t, s->rc, s->tls, -5);
    if (s->which == 4) AIO_TLS_SHUTDOWN(t, s->rc, NULL, AIO_SEC(5));
    if (s->which == 5) AIO_TLS_HANDSHAKE(t, s->rc, NULL, s->st, "localhost", AIO_SEC(5));
    if (s->which == 6) AIO_TLS_HANDSHAKE(t, s->rc, s->tls, NULL, "localhost", AIO_SEC(5));
    if (s->which == 7) AIO_TLS_HANDSHAKE(t, s->rc, s->tls, s->st, "", AIO_SEC(5));
    if (s->which == 8) AIO_TLS_CONNECT(t, s->rc, s->tls, s->st, "", 443, AIO_SEC(5));
    if (s->which == 9) AIO_TLS_CONNECT(t, s->rc, s->tls, s->st, "localhost", 443, AIO_SEC(5));
    if (s->which == 10) AIO_TLS_CONNECT(t, s->rc, s->tls, s->st, "localhost", 443, -5);
    if (s->which == 11) AIO_TLS_CONNECT(t, s->rc, NULL, s->st, "localhost", 443, AIO_SEC(5));
    if (s->which == 12) AIO_TLS_CONNECT(t, s->rc, s->tls, s->st, NULL, 443, AIO_SEC(5));
    if (s->which == 13) AIO_TLS_CONNECT(t, s->rc, s->tls, NULL, "localhost", 443, AIO_SEC(5));
    if (s->which == 14) AIO_TLS_UNIX_CONNECT(t, s->rc, s->tls, s->st, NULL, "localhost", AIO_SEC(5));
    if (s->which == 15) AIO_TLS_UNIX_CONNECT(t, s->rc, s->tls, s->st, tls_unix_path, NULL, AIO_SEC(5));
    if (s->which == 16)
        AIO_TLS_UNIX_CONNECT(t, s->rc, s->tls, s->st, "/nonexistent-dir/x.sock", "localhost", AIO_SEC(5));
    if (s->which == 17) AIO_TLS_UNIX_CONNECT(t, s->rc, s->tls, s->st, tls_unix_path, "localhost", -5);
    if (s->which == 18) AIO_TLS_UNIX_CONNECT(t, s->rc, NULL, s->st, tls_unix_path, "localhost", AIO_SEC(5));
    if (s->which >= 19) AIO_TLS_UNIX_CONNECT(t, s->rc, s->tls, s->st, tls_unix_path, "localhost", AIO_SEC(5));
    AIO_END(t);
}
static struct {
    misuse_t call;
    aio_tls fresh;
} M;
static misuse_t unix_misuse;
static aio_status misuses_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    memset(&M, 0, sizeof M);
    CHECK_EQ(aio_tls_init(&M.fresh, &W.ccfg), AIO_OK);
    M.call.tls = &M.fresh;
    M.call.st = &p->st;
    AIO_CALL(t, p->rc, misuse_call, &M.call);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_HANDSHAKE: the stream was not set up (aio_stream_init)");
    M.call.which = 1;
    AIO_CALL(t, p->rc, misuse_call, &M.call);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_HANDSHAKE: the timeout is NaN, negative or beyond half the clock range");
    M.call.which = 2;
    AIO_CALL(t, p->rc, misuse_call, &M.call);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_SHUTDOWN: the session had no handshake (AIO_TLS_HANDSHAKE)");
    for (M.call.which = 4; M.call.which <= 7; M.call.which++) { /* (NULLs, and an empty name) */
        AIO_CALL(t, p->rc, misuse_call, &M.call);
        CHECK_EQ(p->rc, AIO_EINVAL);
    }
    CHECK_DEBUG("needs its name (server_name), or AIO_TLS_NO_VERIFY");
    CHECK_EQ(aio_tls_free(&M.fresh), AIO_OK);
    memset(&M.fresh, 0, sizeof M.fresh); /* (zeroed: no session at all) */
    M.call.which = 2;
    AIO_CALL(t, p->rc, misuse_call, &M.call);
    CHECK_EQ(p->rc, AIO_EINVAL);
    M.call.which = 3;
    M.call.tls = &p->tls;
    AIO_CALL(t, p->rc, misuse_call, &M.call);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_SHUTDOWN: the timeout is NaN, negative or beyond half the clock range");
    AIO_STREAM_WRITE(t, p->rc, &p->st, "hello\n", 6, AIO_SEC(5));
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_END(t);
}
static void test_tls_misuse_raises(void) { pair_run(lines_server, misuses_client); }

/* A handshake while another task waits in a read of the stream (plain
 * text still): AIO_EBUSY, and the session is as it was: once the read has
 * ended, the handshake goes through. */
static aio_status plain_reader(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_READ_LINE(t, b->rc, &b->p->st, AIO_MS(50));
    CHECK_EQ(b->rc, AIO_ETIMEDOUT);
    AIO_END(t);
}
static aio_status reader_first_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
    peer_setup(p, &W.ccfg);
    W.cwriter.p = p;
    CHECK_EQ(aio_spawn(&W.cwriter.task, plain_reader), AIO_OK);
    AIO_YIELD(t);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, "localhost", AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_EBUSY);
    CHECK_DEBUG("AIO_TLS_HANDSHAKE: a task is waiting in a read or a write of the stream");
    CHECK_STR(aio_tls_error(&p->tls), "");
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, "localhost", AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_OK);
    CHECK_EQ(T_MS(), 50);
    AIO_STREAM_WRITE(t, p->rc, &p->st, "hello\n", 6, AIO_SEC(5));
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_END(t);
}
static void test_tls_handshake_while_reading(void) { pair_run(lines_server, reader_first_client); }

/* The socket closed (aio_close, by another task) while a handshake waits
 * on it: the handshake ends then with AIO_ECLOSED, and says so; the
 * stream's reads and the shutdown give AIO_ECLOSED after. */
static aio_status closer(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(aio_close(b->p->fd), AIO_OK);
    b->p->fd = -1;
    AIO_END(t);
}
static aio_status closed_under_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    W.cwriter.p = p;
    CHECK_EQ(aio_spawn(&W.cwriter.task, closer), AIO_OK);
    CONNECT_HANDSHAKE(t, p, "localhost", AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_ECLOSED);
    CHECK_EQ(p->hs_at, 100);
    CHECK_STR(aio_tls_error(&p->tls), "the socket was closed during the handshake");
    READ_LINE_GIVES(t, p, AIO_ECLOSED); /* (and its stream is gone with it) */
    SHUTDOWN_GIVES(t, p, AIO_ECLOSED);
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    AIO_END(t);
}
static void test_tls_socket_closed_in_handshake(void) { pair_run(silent_server, closed_under_client); }

/* A peer that resets the connection after the handshake: the next write
 * fails with the system's error, and so does a shutdown, whose close_notify
 * has nowhere to go (W.variant 1); the session says why, and is unusable. */
static aio_status resetting_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    reset_on_close(p->fd);
    PEER_CLOSE(p);
    AIO_END(t);
}
static aio_status reset_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    AIO_SLEEP(t, AIO_MS(10));
    if (W.variant == 1) {
        AIO_TLS_SHUTDOWN(t, p->rc, &p->tls, AIO_SEC(5));
        CHECK_EQ(p->rc, AIO_ECONNRESET);
    } else {
        WRITE_GIVES(t, p, "x\n", AIO_ECONNRESET);
    }
    CHECK_STR(aio_tls_error(&p->tls), "the socket: connection reset");
    WRITE_GIVES(t, p, "y\n", AIO_ETLS);
    CHECK_EQ(T_MS(), 10);
    AIO_END(t);
}
static void test_tls_peer_resets(void) {
    pair_run(resetting_server, reset_client);
    W.variant = 1;
    pair_run(resetting_server, reset_client);
}

/* A server name the engine cannot send (longer than SNI's 255 bytes): the
 * handshake does not start (AIO_EINVAL, the engine's reason). */
static aio_status long_name_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    memset(p->line, 'a', sizeof p->line - 1);
    p->line[sizeof p->line - 1] = '\0';
    memset(p->buf, 'b', 300);
    p->buf[300] = '\0';
    CONNECT_HANDSHAKE(t, p, p->buf, AIO_SEC(5));
    CHECK_EQ(p->hs, AIO_EINVAL);
    CHECK(aio_tls_error(&p->tls)[0] != '\0');
    PEER_DROP(p);
    AIO_END(t);
}
static void test_tls_server_name_too_long(void) { pair_run(failing_server, long_name_client); }

/* A client given no CAs verifies against the system's trust store, which
 * does not know the test's CA: AIO_ECERT, the unknown authority. */
static void test_tls_system_trust_store(void) { refused("server", "", UNKNOWN_CA, "unknown ca"); }

/* A cancellation already due when a handshake or a shutdown starts (the
 * task cancelled itself): the await raises it before it touches the
 * socket, and the session is unusable, saying so (W.variant 0: the
 * handshake; 1: the shutdown, after a handshake). The same cut in each of
 * them, and by a deadline passed, with what the stream does after:
 * test_tls_first_step_cut. */
static aio_status precancelled_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
    peer_setup(p, &W.ccfg);
    if (W.variant == 1) {
        AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, "localhost", AIO_SEC(5));
        CHECK_EQ(p->hs, AIO_OK);
        aio_cancel(t);
        AIO_TLS_SHUTDOWN(t, p->end, &p->tls, AIO_SEC(5));
    } else {
        aio_cancel(t);
        AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, "localhost", AIO_SEC(5));
    }
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_STR(aio_tls_error(&p->tls), W.variant == 1 ? "the shutdown was cancelled: the session cannot be used"
                                                     : "the handshake was cancelled: the session cannot be used");
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
static void test_tls_cancelled_before(void) {
    W.client_end = AIO_ECANCELED;
    pair_run(failing_server, precancelled_client);
    W.client_end = AIO_ECANCELED;
    W.variant = 1;
    pair_run(mute_server, precancelled_client);
}

/* A shutdown drops what the peer sent before its close_notify, a turn at a
 * time when there is much of it (here 100 records), and ends AIO_OK. */
static aio_status chatty_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    for (p->i = 0; p->i < 100; p->i++) {
        WRITE_GIVES(t, p, "line\n", AIO_OK);
    }
    CLOSE_NOTIFY_ANSWERED(t, p); /* (the client's) */
    AIO_END(t);
}
static aio_status draining_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    AIO_SLEEP(t, AIO_MS(10)); /* (the lines arrive meanwhile) */
    SHUTDOWN_GIVES(t, p, AIO_OK);
    CHECK_EQ(T_MS(), 10);
    READ_LINE_GIVES(t, p, 0);
    AIO_END(t);
}
/* A handshake, a shutdown and AIO_TLS_CONNECT cut at their first step, by
 * a deadline passed and by a cancel pending (tls_cases.h): the stream is
 * never plain after a handshake was begun on it, every later call gives
 * AIO_ETLS, and a connect cut so made nothing. */
static void test_tls_first_step_cut(void) { first_step_cut_runs(); }

/* A socket closed under a session (aio_close), while a read waits in it
 * and while it is idle, its number then taken by a new socket: every later
 * read, write and shutdown AIO_ECLOSED, nothing of the new socket's read
 * (tls_cases.h). */
static void test_tls_socket_closed_under(void) { socket_closed_runs(); }

static void test_tls_shutdown_drops_what_comes_first(void) { pair_run(chatty_server, draining_client); }

/* A shutdown that meets the peer's close without close_notify:
 * AIO_ETRUNCATED; AIO_OK with AIO_TLS_LENIENT_EOF. */
static void test_tls_shutdown_meets_truncation(void) {
    pair_run(abrupt_server, truncated_shutdown_client);
    W.cflags = AIO_TLS_LENIENT_EOF;
    pair_run(abrupt_server, truncated_shutdown_client);
}

/* While another task reads the session's stream, or shuts the session
 * down: a shutdown and aio_tls_free are refused (AIO_EBUSY), and the
 * session goes on as it was. */
static aio_status tls_reader(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_READ_LINE(t, b->rc, &b->p->st, AIO_MS(50));
    CHECK_EQ(b->rc, AIO_ETIMEDOUT);
    AIO_END(t);
}
static aio_status tls_shutter(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_TLS_SHUTDOWN(t, b->rc, &b->p->tls, AIO_MS(100));
    CHECK_EQ(b->rc, AIO_ETIMEDOUT);
    AIO_END(t);
}
static aio_status busy_session_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CONNECT_OK(t, p, "localhost");
    W.cwriter.p = p;
    CHECK_EQ(aio_spawn(&W.cwriter.task, tls_reader), AIO_OK);
    AIO_YIELD(t);
    SHUTDOWN_GIVES(t, p, AIO_EBUSY);
    CHECK_DEBUG("AIO_TLS_SHUTDOWN");
    CHECK_EQ(aio_tls_free(&p->tls), AIO_EBUSY);
    CHECK_DEBUG("aio_tls_free: a task is waiting");
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    CHECK_EQ(T_MS(), 50);
    CHECK_EQ(aio_spawn(&W.cwriter.task, tls_shutter), AIO_OK);
    AIO_YIELD(t);
    SHUTDOWN_GIVES(t, p, AIO_EBUSY);
    CHECK_EQ(aio_tls_free(&p->tls), AIO_EBUSY);
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    CHECK_EQ(T_MS(), 150);
    AIO_END(t);
}
static void test_tls_busy_session(void) { pair_run(mute_server, busy_session_client); }

/* While another task waits in a write of the stream (a peer that reads
 * nothing): a handshake on the plain stream, and on the TLS one a shutdown
 * and aio_tls_free, are refused (AIO_EBUSY). W.variant 0: plain. */
static aio_status stuck_writer(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    small_buffers(b->p->fd);
    AIO_STREAM_WRITE(t, b->rc, &b->p->st, big_out, BIG, AIO_MS(50));
    CHECK_EQ(b->rc, AIO_ETIMEDOUT);
    AIO_END(t);
}
static aio_status writer_first_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    if (W.variant == 1) {
        CONNECT_OK(t, p, "localhost");
    } else {
        AIO_TCP_CONNECT(t, p->fd, "127.0.0.1", W.port, AIO_SEC(5));
        peer_setup(p, &W.ccfg);
    }
    W.cwriter.p = p;
    CHECK_EQ(aio_spawn(&W.cwriter.task, stuck_writer), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    if (W.variant == 1) {
        SHUTDOWN_GIVES(t, p, AIO_EBUSY);
        CHECK_EQ(aio_tls_free(&p->tls), AIO_EBUSY);
    } else {
        AIO_TLS_HANDSHAKE(t, p->hs, &p->tls, &p->st, "localhost", AIO_SEC(5));
        CHECK_EQ(p->hs, AIO_EBUSY);
        CHECK_DEBUG("AIO_TLS_HANDSHAKE: a task is waiting in a read or a write of the stream");
    }
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    CHECK_EQ(T_MS(), 50);
    AIO_END(t);
}
static void test_tls_while_writing(void) {
    pair_run(silent_server, writer_first_client);
    W.variant = 1;
    pair_run(mute_server, writer_first_client);
}

/* ------------------------------------------------------ AIO_TLS_CONNECT */

/* AIO_TLS_CONNECT: "localhost" looked up, connected, its stream set up and
 * the handshake verified against the name, all under one deadline; lv the
 * socket, the program's to close after the shutdown (pair_run does). */
static aio_status tls_connect_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_CONNECT(t, p->fd, &p->tls, &p->st, W.name ? W.name : "localhost", W.port, AIO_SEC(5));
    CHECK(p->fd >= 0);
    CHECK_EQ(aio__fd(p->st.fd), p->fd);
    CHECK_STR(aio_tls_error(&p->tls), "");
    WRITE_GIVES(t, p, "hello\n", AIO_OK);
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    AIO_END(t);
}
static void test_tls_connect(void) {
    pair_run(lines_server, tls_connect_client);
    W.name = "127.0.0.1"; /* (an address: no lookup; the certificate names it) */
    pair_run(lines_server, tls_connect_client);
}

/* AIO_TLS_UNIX_CONNECT: connected to a Unix socket, its stream set up and
 * the handshake verified against the name given, under one deadline; then
 * the same without a path, without a name to verify, and to a path nobody
 * listens at (each refused, the session unusable, nothing left behind). */
static aio_status tls_unix_connect_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_UNIX_CONNECT(t, p->fd, &p->tls, &p->st, W.unix_path, "localhost", AIO_SEC(5));
    CHECK(p->fd >= 0);
    CHECK_EQ(aio__fd(p->st.fd), p->fd);
    CHECK_STR(aio_tls_error(&p->tls), "");
    WRITE_GIVES(t, p, "hello\n", AIO_OK);
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    AIO_END(t);
}
static aio_status tls_unix_refused_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    memset(&unix_misuse, 0, sizeof unix_misuse);
    unix_misuse.tls = &p->tls;
    unix_misuse.st = &p->st;
    for (unix_misuse.which = 14; unix_misuse.which <= 20; unix_misuse.which++) {
        CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
        CHECK_EQ(aio_tls_init(&p->tls, unix_misuse.which == 19 ? &W.scfg : &W.ccfg), AIO_OK);
        if (unix_misuse.which == 20) CHECK_EQ(aio_stream_init(&p->st, 0, p->buf, sizeof p->buf), AIO_OK);
        test_last_debug[0] = '\0';
        AIO_CALL(t, p->rc, misuse_call, &unix_misuse);
        if (unix_misuse.which == 18) CHECK_DEBUG("AIO_TLS_UNIX_CONNECT: the session was not set up (aio_tls_init)");
        if (unix_misuse.which == 19) CHECK_DEBUG("AIO_TLS_UNIX_CONNECT: the session is a server's");
        if (unix_misuse.which == 20) {
            CHECK_DEBUG("AIO_TLS_UNIX_CONNECT: the stream is NULL, or set up already");
            CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
            memset(&p->st, 0, sizeof p->st);
        }
        if (unix_misuse.which == 16) /* (a connect that fails is a result; a refusal is raised) */
            CHECK_EQ(unix_misuse.rc, AIO_ENOTFOUND);
        else
            CHECK_EQ(p->rc, AIO_EINVAL);
        if (unix_misuse.which == 14) CHECK_DEBUG("AIO_TLS_UNIX_CONNECT: no path to connect to");
        if (unix_misuse.which == 15) CHECK_DEBUG("AIO_TLS_UNIX_CONNECT: no server name to verify");
        if (unix_misuse.which == 16) CHECK_STR(aio_tls_error(&p->tls), "the connect failed: not found");
        if (unix_misuse.which == 17) CHECK_DEBUG("AIO_TLS_UNIX_CONNECT: the timeout is NaN");
        CHECK(p->st.buf == NULL);
        CHECK_EQ(aio__fd(p->st.fd), 0); /* (never set up: untouched) */
        CHECK_EQ(T_MS(), 0);
    }
    AIO_END(t);
}
/* The listener's queue full when the client connects (a backlog of 1, raw
 * connections waiting in it): the connect asks again (1, 3, 7 ... 191 ms),
 * the server accepts the waiting ones at 150 ms, and the client gets in and
 * has its handshake, all within the one deadline. */
static int tls_unix_queued[8], tls_unix_nqueued;
static aio_status tls_unix_busy_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(150));
    for (p->i = 0; p->i < tls_unix_nqueued; p->i++) {
        AIO_ACCEPT(t, p->rc, W.lfd, AIO_SEC(1));
        CHECK(p->rc >= 0);
        if (p->rc >= 0) CHECK_EQ(aio_close(p->rc), AIO_OK);
        (void)close(tls_unix_queued[p->i]);
    }
    ACCEPT_OK(t, p);
    READ_LINE_IS(t, p, "hello\n");
    WRITE_GIVES(t, p, "world\n", AIO_OK);
    CLOSE_NOTIFY_ANSWERED(t, p);
    AIO_END(t);
}
static aio_status tls_unix_busy_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    { /* (connections that wait in the queue until it is full) */
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        memcpy(sa.sun_path, tls_unix_path, strlen(tls_unix_path));
        for (tls_unix_nqueued = 0; tls_unix_nqueued < 8; tls_unix_nqueued++) {
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            (void)fcntl(fd, F_SETFL, O_NONBLOCK);
            if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
                CHECK_EQ(errno, EAGAIN);
                (void)close(fd);
                break;
            }
            tls_unix_queued[tls_unix_nqueued] = fd;
        }
        CHECK(tls_unix_nqueued >= 1 && tls_unix_nqueued < 8);
    }
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_UNIX_CONNECT(t, p->fd, &p->tls, &p->st, tls_unix_path, "localhost", AIO_SEC(5));
    CHECK(p->fd >= 0);
    CHECK_EQ(T_MS(), 191); /* (the try after the accepts at 150 ms) */
    WRITE_GIVES(t, p, "hello\n", AIO_OK);
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    AIO_END(t);
}
static aio_status idle_unix_server(aio_task *t) {
    AIO_BEGIN(t);
    AIO_END(t);
}
static void test_tls_unix_connect(void) {
    (void)snprintf(tls_unix_path, sizeof tls_unix_path, "/tmp/aio-tls-%d.sock", (int)getpid());
    W.unix_path = tls_unix_path;
    pair_run(lines_server, tls_unix_connect_client);
    W.unix_path = tls_unix_path;
    pair_run(idle_unix_server, tls_unix_refused_client);
    W.unix_path = tls_unix_path;
    W.backlog = 1;
    pair_run(tls_unix_busy_server, tls_unix_busy_client);
    (void)unlink(tls_unix_path);
}

/* ------------------------------------------------------ a server over TLS */

/* aio_server_set_tls (start_server(..., ssl=ctx)): the handler gets its
 * stream with TLS under it, the handshake done by the server within its
 * deadline; one that fails (a plain-text client, a silent one at the
 * deadline, exactly) is counted and its handler never called; one cut by a
 * shutdown is not counted. Over TCP (the streams' limit 3 bytes: the
 * line is refused, AIO_ELIMIT) and over a Unix socket (asyncio's 64 KiB).
 * Each step on the virtual clock; the sockets real. */
typedef struct {
    aio_tls_conn tc;
    aio_status n;
} tls_conn_t;
static struct {
    aio_task main, clients[6];
    aio_server srv;
    tls_conn_t states[4];
    aio_stream st[6];
    aio_tls tls[6];
    char buf[6][64];
    int fd[6], port;
    aio_status rc[6];
    aio_time end_at[6], began;
    size_t limit;
    uint32_t failed;
    int handled;
    const char *path;
} SV;

static aio_status sv_handler(aio_task *t) {
    tls_conn_t *c = AIO_CONN_SELF(t, tls_conn_t);
    AIO_BEGIN(t);
    SV.handled++;
    AIO_READ_LINE(t, c->n, &c->tc.stream, AIO_SEC(5));
    if (SV.limit) { /* (a line longer than the streams' limit) */
        CHECK_EQ(c->n, AIO_ELIMIT);
    } else {
        CHECK_EQ(c->n, 6);
        if (c->n == 6) CHECK(memcmp(aio_stream_data(&c->tc.stream), "hello\n", 6) == 0);
    }
    AIO_STREAM_WRITE(t, c->n, &c->tc.stream, "HELLO\n", 6, AIO_SEC(5));
    CHECK_EQ(c->n, AIO_OK);
    AIO_TLS_SHUTDOWN(t, c->n, &c->tc.tls, AIO_SEC(5)); /* (close_notify; the client's answers it) */
    CHECK_EQ(c->n, AIO_OK);
    AIO_END(t);
}

/* A client over TLS: a line, its answer, close_notify both ways. */
static aio_status sv_tls_client(aio_task *t) {
    int i = (int)(t - SV.clients);
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&SV.tls[i], &W.ccfg), AIO_OK);
    if (SV.path)
        AIO_TLS_UNIX_CONNECT(t, SV.fd[i], &SV.tls[i], &SV.st[i], SV.path, "localhost", AIO_SEC(5));
    else
        AIO_TLS_CONNECT(t, SV.fd[i], &SV.tls[i], &SV.st[i], "localhost", SV.port, AIO_SEC(5));
    CHECK(SV.fd[i] >= 0);
    AIO_STREAM_WRITE(t, SV.rc[i], &SV.st[i], "hello\n", 6, AIO_SEC(5));
    CHECK_EQ(SV.rc[i], AIO_OK);
    AIO_READ_LINE(t, SV.rc[i], &SV.st[i], AIO_SEC(5));
    CHECK_EQ(SV.rc[i], 6);
    if (SV.rc[i] == 6) CHECK(memcmp(aio_stream_data(&SV.st[i]), "HELLO\n", 6) == 0);
    AIO_TLS_SHUTDOWN(t, SV.rc[i], &SV.tls[i], AIO_SEC(5));
    CHECK_EQ(SV.rc[i], AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_tls_free(&SV.tls[i]), AIO_OK);
    CHECK_EQ(aio_stream_free(&SV.st[i]), AIO_OK);
    if (SV.fd[i] >= 0) CHECK_EQ(aio_close(SV.fd[i]), AIO_OK);
    AIO_END(t);
}

/* A client in plain text (i 1), or silent (i 2, 3): it reads until the
 * server closes; when, in end_at. */
static aio_status sv_plain_client(aio_task *t) {
    int i = (int)(t - SV.clients);
    AIO_BEGIN(t);
    SV.fd[i] = -1;
    if (SV.path)
        AIO_UNIX_CONNECT(t, SV.fd[i], SV.path, AIO_SEC(5));
    else
        AIO_TCP_CONNECT(t, SV.fd[i], "127.0.0.1", SV.port, AIO_SEC(5));
    CHECK(SV.fd[i] >= 0);
    if (i == 1) {
        AIO_SEND_ALL(t, SV.rc[i], SV.fd[i], "hello\r\n\r\n", 9, AIO_SEC(5));
        CHECK_EQ(SV.rc[i], AIO_OK);
    }
    for (;;) {
        AIO_RECV(t, SV.rc[i], SV.fd[i], SV.buf[i], sizeof SV.buf[i], AIO_SEC(10));
        if (SV.rc[i] <= 0) break; /* (the alert the engine sends first, then the end) */
    }
    CHECK(SV.rc[i] == 0 || SV.rc[i] == AIO_ECONNRESET);
    SV.end_at[i] = T_MS();
    AIO_FINALLY(t);
    if (SV.fd[i] >= 0) CHECK_EQ(aio_close(SV.fd[i]), AIO_OK);
    AIO_END(t);
}

static aio_status sv_main(aio_task *t) {
    int lfd;
    AIO_BEGIN(t);
    test_last_debug[0] = 0; /* (each run's messages) */
    CHECK_EQ(aio_server_init(&SV.srv, sv_handler, SV.states, sizeof SV.states[0], 4), AIO_OK);
    /* bad input */
    CHECK_EQ(aio_server_set_tls(&SV.srv, &W.ccfg, AIO_SEC(1), 0), AIO_EINVAL); /* a client's */
    CHECK_DEBUG("not a server's (AIO_TLS_SERVER)");
    CHECK_EQ(aio_server_set_tls(&SV.srv, NULL, AIO_SEC(1), 0), AIO_EINVAL);
    CHECK_EQ(aio_server_set_tls(&SV.srv, &W.scfg, AIO_MS(-5), 0), AIO_EINVAL);
    CHECK_DEBUG("the handshake's timeout is negative");
    CHECK_EQ(aio_server_set_tls(NULL, &W.scfg, AIO_SEC(1), 0), AIO_EINVAL);
    {
        aio_server other;
        aio_tls_config unloaded;
        CHECK_EQ(aio_server_init(&other, sv_handler, NULL, sizeof(aio_conn), 4), AIO_OK);
        CHECK_EQ(aio_server_set_tls(&other, &W.scfg, AIO_SEC(1), 0), AIO_EINVAL);
        CHECK_DEBUG("the state's first member must be an aio_tls_conn");
        memset(&other, 0, sizeof other); /* (never initialised) */
        CHECK_EQ(aio_server_set_tls(&other, &W.scfg, AIO_SEC(1), 0), AIO_EINVAL);
        CHECK_DEBUG("the server is NULL or not initialised");
        CHECK_EQ(aio_server_init(&other, sv_handler, NULL, sizeof(tls_conn_t), 4), AIO_OK);
        memset(&unloaded, 0, sizeof unloaded);
        unloaded.flags = AIO_TLS_SERVER;
        CHECK_EQ(aio_server_set_tls(&other, &unloaded, AIO_SEC(1), 0), AIO_EINVAL);
        CHECK_EQ(aio_server_set_tls(&other, &W.scfg, AIO_TLS_DEFAULT_TIMEOUT, 0), AIO_OK);
        CHECK_EQ(aio_server_set_tls(&other, &W.scfg, AIO_NEVER, 0), AIO_OK);
    }
    CHECK_EQ(aio_server_set_tls(&SV.srv, &W.scfg, AIO_SEC(1), (size_t)INT_MAX + 1), AIO_EINVAL);
    CHECK_DEBUG("the streams' limit is beyond INT_MAX");
    CHECK_EQ(aio_server_set_tls(&SV.srv, &W.scfg, AIO_SEC(1), SV.limit), AIO_OK);
    lfd = SV.path ? aio_unix_listen(SV.path, 8) : aio_tcp_listen("127.0.0.1", 0, 8);
    CHECK_EQ(aio_server_start(&SV.srv, lfd), AIO_OK);
    CHECK_EQ(aio_server_set_tls(&SV.srv, &W.scfg, AIO_SEC(1), 0), AIO_EBUSY);
    SV.port = SV.path ? 0 : aio_server_port(&SV.srv);
    /* a client over TLS: served */
    CHECK_EQ(aio_spawn(&SV.clients[0], sv_tls_client), AIO_OK);
    AIO_AWAIT(t, SV.rc[0], &SV.clients[0]);
    CHECK_EQ(SV.rc[0], AIO_OK);
    CHECK_EQ(SV.handled, 1);
    CHECK_EQ(aio_server_handshakes_failed(&SV.srv), 0);
    /* one in plain text: counted, no handler */
    CHECK_EQ(aio_spawn(&SV.clients[1], sv_plain_client), AIO_OK);
    AIO_AWAIT(t, SV.rc[1], &SV.clients[1]);
    CHECK_EQ(SV.rc[1], AIO_OK);
    CHECK_EQ(aio_server_handshakes_failed(&SV.srv), 1);
    /* a silent one: counted at the deadline, exactly */
    SV.began = T_MS();
    CHECK_EQ(aio_spawn(&SV.clients[2], sv_plain_client), AIO_OK);
    AIO_AWAIT(t, SV.rc[2], &SV.clients[2]);
    CHECK_EQ(SV.rc[2], AIO_OK);
    CHECK_EQ(SV.end_at[2] - SV.began, 1000);
    /* no memory for the connection's stream (the block after the client's
     * connect's), or (Mbed TLS's engine allocates through the header's hook)
     * for its session: counted as failed, at once */
    SV.began = T_MS();
    test_alloc_fail_after(1);
    CHECK_EQ(aio_spawn(&SV.clients[4], sv_plain_client), AIO_OK);
    AIO_AWAIT(t, SV.rc[4], &SV.clients[4]);
    test_alloc_fail_after(-1);
    CHECK_EQ(SV.end_at[4] - SV.began, 0);
    CHECK_EQ(aio_server_handshakes_failed(&SV.srv), 3);
#ifdef AIO_TLS_MBEDTLS
    test_alloc_fail_after(2);
    CHECK_EQ(aio_spawn(&SV.clients[5], sv_plain_client), AIO_OK);
    AIO_AWAIT(t, SV.rc[5], &SV.clients[5]);
    test_alloc_fail_after(-1);
    CHECK_EQ(SV.end_at[5] - SV.began, 0);
    CHECK_EQ(aio_server_handshakes_failed(&SV.srv), 4);
#endif
    SV.failed = aio_server_handshakes_failed(&SV.srv);
    CHECK_EQ(SV.handled, 1);
    /* a silent one when the server shuts down: its handshake cancelled, not counted */
    SV.began = T_MS();
    CHECK_EQ(aio_spawn(&SV.clients[3], sv_plain_client), AIO_OK);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(SV.srv.live, 1);
    AIO_SERVER_SHUTDOWN(t, SV.rc[0], &SV.srv, 0);
    CHECK_EQ(SV.rc[0], 1); /* (the one cancelled) */
    AIO_AWAIT(t, SV.rc[3], &SV.clients[3]);
    CHECK_EQ(SV.end_at[3] - SV.began, 100);
    CHECK_EQ(aio_server_handshakes_failed(&SV.srv), SV.failed);
    CHECK_EQ(SV.handled, 1);
    AIO_END(t);
}

static void sv_run(const char *path, size_t limit) {
    aio_loop loop;
    memset(&SV, 0, sizeof SV);
    SV.path = path;
    SV.limit = limit;
    server_config("server", 0);
    client_config("ca.pem", 0);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &SV.main, sv_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_tls_config_free(&W.scfg);
    aio_tls_config_free(&W.ccfg);
    memset(&W, 0, sizeof W);
}

static void test_tls_server(void) {
    sv_run(NULL, 3);
    (void)snprintf(tls_unix_path, sizeof tls_unix_path, "/tmp/aio-tls-sv-%d.sock", (int)getpid());
    sv_run(tls_unix_path, 0);
    (void)unlink(tls_unix_path);
}

/* A failed AIO_TLS_CONNECT leaves nothing behind: its socket closed, the
 * stream's buffer freed, the session unusable; it ends with W.client_end at
 * W.client.at ms (-1: any time), aio_tls_error containing W.client.line.
 * W.name: the host (NULL: localhost); W.variant 1: a port nobody listens on,
 * 2: AIO_TLS_DEFAULT_TIMEOUT. */
static aio_status failing_connect_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    if (W.variant == 1) { /* (a listener's port, closed: refused) */
        p->i = aio_tcp_listen("127.0.0.1", 0, 1);
        CHECK(p->i >= 0);
        W.port = aio_socket_port(p->i);
        CHECK_EQ(aio_close(p->i), AIO_OK);
    }
    AIO_TLS_CONNECT(t, p->rc, &p->tls, &p->st, W.name ? W.name : "localhost", W.port,
                    W.variant == 2 ? AIO_TLS_DEFAULT_TIMEOUT : AIO_SEC(3));
    p->hs_at = T_MS();
    if (p->at >= 0) CHECK_EQ(p->hs_at, p->at);
    CHECK_EQ(p->rc, W.client_end);
    CHECK(p->st.buf == NULL); /* (freed, or never set up) */
    if (W.variant != 1) CHECK_EQ(aio__fd(p->st.fd), -1);
    CONTAINS(aio_tls_error(&p->tls), p->line);
    AIO_TLS_SHUTDOWN(t, p->rc, &p->tls, AIO_SEC(5)); /* (the session is unusable) */
    CHECK_EQ(p->rc, AIO_ETLS);
    AIO_RETURN(t, W.client_end);
    AIO_END(t);
}
static void failing_connect(aio_task_fn server, aio_status end, long long at, const char *why) {
    W.client_end = end;
    W.client.at = at;
    (void)snprintf(W.client.line, sizeof W.client.line, "%s", why);
    pair_run(server, failing_connect_client);
}
/* The certificate does not carry the name: AIO_ECERT (the server hears the
 * client's alert). */
static void test_tls_connect_wrong_name(void) {
    W.server_cert = "wrong";
    (void)snprintf(W.server.line, sizeof W.server.line, "%s", "bad certificate");
    failing_connect(refused_server, AIO_ECERT, -1, WRONG_NAME);
}
/* A server that accepts and never speaks: the one deadline ends the
 * handshake at 3 s exactly; AIO_TLS_DEFAULT_TIMEOUT is 60 s in all. */
static void test_tls_connect_deadline(void) {
    W.name = "127.0.0.1";
    failing_connect(silent_server, AIO_ETIMEDOUT, 3000, "the handshake timed out");
    W.name = "127.0.0.1";
    W.variant = 2;
    failing_connect(silent_server, AIO_ETIMEDOUT, 60000, "the handshake timed out");
}
/* Nobody listens: AIO_ECONNREFUSED (both of localhost's addresses), no
 * handshake tried. */
static aio_status idle_server(aio_task *t) {
    AIO_BEGIN(t);
    AIO_END(t);
}
static void test_tls_connect_refused(void) {
    W.variant = 1;
    failing_connect(idle_server, AIO_ECONNREFUSED, -1, "the connect failed");
}
/* A cancel in the handshake's step: delivered, the socket closed and the
 * stream freed by the await, the session unusable. */
static aio_status cancelled_connect_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_CONNECT(t, p->fd, &p->tls, &p->st, "127.0.0.1", W.port, AIO_SEC(30));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(p->fd, -1);
    CHECK(p->st.buf == NULL);
    CHECK_EQ(aio__fd(p->st.fd), -1);
    CHECK_STR(aio_tls_error(&p->tls), "the handshake was cancelled: the session cannot be used");
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    AIO_END(t);
}
static void test_tls_connect_cancelled(void) {
    cancelled_run(AIO_MS(100), silent_server, cancelled_connect_client);
}
/* Misuse: no host, a stream set up already, a server's session (each
 * raised), a negative timeout (the session then unusable). */
static misuse_t connect_misuse;
static aio_status connect_misuse_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    misuse_t *m = &connect_misuse;
    AIO_BEGIN(t);
    memset(m, 0, sizeof *m);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    m->tls = &p->tls;
    m->st = &p->st;
    m->which = 8;
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: no host to connect to");
    CHECK_EQ(aio_stream_init(&p->st, 0, p->buf, sizeof p->buf), AIO_OK);
    m->which = 9;
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: the stream is NULL, or set up already");
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    m->which = 10;
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_STR(aio_tls_error(&p->tls), "the connect failed: invalid argument");
    m->which = 9; /* (the session is unusable now) */
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: the session was not set up (aio_tls_init), or had its handshake already");
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    CHECK_EQ(aio_tls_init(&p->tls, &W.scfg), AIO_OK);
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: the session is a server's");
    CHECK_EQ(aio_tls_free(&p->tls), AIO_OK);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    m->which = 11; /* (no session) */
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: the session was not set up (aio_tls_init)");
    m->which = 12; /* (no host) */
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: no host to connect to");
    m->which = 13; /* (no stream) */
    AIO_CALL(t, p->rc, misuse_call, m);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_CONNECT: the stream is NULL, or set up already");
    AIO_END(t);
}
static void test_tls_connect_misuse(void) { pair_run(idle_server, connect_misuse_client); }
/* While AIO_TLS_CONNECT looks its host up and connects, the session is
 * busy: aio_tls_free refuses (AIO_EBUSY), AIO_TLS_SHUTDOWN raises
 * AIO_EINVAL (no handshake yet); the connect goes on, and the lines. */
static aio_status connecting_helper(aio_task *t) {
    bulk_t *b = AIO_CONTAINER(t, bulk_t, task);
    AIO_BEGIN(t);
    AIO_TLS_CONNECT(t, b->rc, &b->p->tls, &b->p->st, "localhost", W.port, AIO_SEC(5));
    AIO_END(t);
}
static aio_status busy_connecting_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    W.cwriter.p = p;
    CHECK_EQ(aio_spawn(&W.cwriter.task, connecting_helper), AIO_OK);
    AIO_YIELD(t); /* (the helper's connect under way: its lookup on a thread) */
    CHECK_EQ(aio_tls_free(&p->tls), AIO_EBUSY);
    CHECK_DEBUG("aio_tls_free: a task is waiting in the session's handshake or shutdown");
    memset(&M, 0, sizeof M);
    M.call.tls = &p->tls;
    M.call.which = 2;
    AIO_CALL(t, p->rc, misuse_call, &M.call);
    CHECK_EQ(p->rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TLS_SHUTDOWN: the session had no handshake (AIO_TLS_HANDSHAKE)");
    AIO_AWAIT(t, p->rc, &W.cwriter.task);
    CHECK_EQ(p->rc, AIO_OK);
    p->fd = W.cwriter.rc;
    CHECK(p->fd >= 0);
    WRITE_GIVES(t, p, "hello\n", AIO_OK);
    READ_LINE_IS(t, p, "world\n");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    AIO_END(t);
}
static void test_tls_busy_connecting(void) { pair_run(lines_server, busy_connecting_client); }
/* A connect whose task was cancelled before it: a checkpoint first, so it
 * connects nothing, and the session is unusable with the cancel as why. */
static aio_status cancelled_before_connect_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    CHECK_EQ(aio_cancel(t), 1);
    AIO_TLS_CONNECT(t, p->fd, &p->tls, &p->st, "127.0.0.1", W.port, AIO_SEC(30));
    CHECK(0); /* (never reached) */
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 0);
    CHECK(p->st.buf == NULL);
    CHECK_STR(aio_tls_error(&p->tls), "the connect was cancelled: the session cannot be used");
    AIO_END(t);
}
static void test_tls_connect_cancelled_before(void) {
    W.client_end = AIO_ECANCELED;
    pair_run(idle_server, cancelled_before_connect_client);
}

/* A growing stream at the edge of its shrink (tls_cases.h), over TCP and
 * over a socket pair. */
static void test_tls_growing_stream_held(void) {
    pair_run(start_held_server, start_held_client);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, W.sv), 0);
    pair_run(start_held_server, start_held_client);
}

/* The stream AIO_TLS_CONNECT sets up (4 KiB, growing to 64 KiB) holding
 * exactly its 4 KiB when a line needs more: 8193 and 4095 bytes read of
 * the first record's 16 KiB, which grew it to 16 KiB; the line's rest is in
 * the next record, and the line comes whole (as asyncio reads it), then the
 * next one. */
static unsigned char held_out[8193 + 4095 + 4096 + 7];
static const unsigned char held_tail[7] = {'Z', 'Z', '\n', 'e', 'n', 'd', '\n'}; /* (no NUL) */
static aio_status connect_held_server(aio_task *t) {
    peer_t *p = SERVER_PEER;
    AIO_BEGIN(t);
    ACCEPT_OK(t, p);
    memset(held_out, 'X', 8193);
    memset(held_out + 8193, 'Y', 4095);
    memset(held_out + 8193 + 4095, 'Z', 4096);
    memcpy(held_out + 8193 + 4095 + 4096, held_tail, sizeof held_tail);
    AIO_STREAM_WRITE(t, p->rc, &p->st, held_out, sizeof held_out, AIO_SEC(5));
    CHECK_EQ(p->rc, AIO_OK);
    CLOSE_NOTIFY_ANSWERED(t, p);
    AIO_END(t);
}
static aio_status connect_held_client(aio_task *t) {
    peer_t *p = CLIENT_PEER;
    AIO_BEGIN(t);
    CHECK_EQ(aio_tls_init(&p->tls, &W.ccfg), AIO_OK);
    AIO_TLS_CONNECT(t, p->fd, &p->tls, &p->st, "localhost", W.port, AIO_SEC(5));
    CHECK(p->fd >= 0);
    AIO_READ_EXACTLY(t, p->rc, &p->st, 8193, AIO_SEC(5));
    CHECK_EQ(p->rc, 8193);
    AIO_READ_EXACTLY(t, p->rc, &p->st, 4095, AIO_SEC(5));
    CHECK_EQ(p->rc, 4095);
    CHECK_EQ(aio_stream_buffered(&p->st), 4096);
    AIO_READ_LINE(t, p->rc, &p->st, AIO_SEC(5));
    CHECK_EQ(p->rc, 4099);
    if (p->rc == 4099) CHECK(memcmp(aio_stream_data(&p->st), held_out + 8193 + 4095, 4099) == 0);
    READ_LINE_IS(t, p, "end\n");
    CHECK_STR(aio_tls_error(&p->tls), "");
    SHUTDOWN_GIVES(t, p, AIO_OK);
    AIO_FINALLY(t);
    CHECK_EQ(aio_stream_free(&p->st), AIO_OK);
    AIO_END(t);
}
static void test_tls_connect_stream_held(void) { pair_run(connect_held_server, connect_held_client); }

static const test_case tls_tests[] = {
    TEST_ENTRY(test_tls_lines),
    TEST_ENTRY(test_tls_ip_address),
    TEST_ENTRY(test_tls_handshake_deadline),
    TEST_ENTRY(test_tls_handshake_cancelled),
    TEST_ENTRY(test_tls_unknown_ca),
    TEST_ENTRY(test_tls_wrong_name),
    TEST_ENTRY(test_tls_expired),
    TEST_ENTRY(test_tls_no_verify),
    TEST_ENTRY(test_tls_shutdown_deadline),
    TEST_ENTRY(test_tls_shutdown_default_deadline),
    TEST_ENTRY(test_tls_shutdown_after_peer_closed),
    TEST_ENTRY(test_tls_truncated),
    TEST_ENTRY(test_tls_ten_megabytes_each_way),
    TEST_ENTRY(test_tls_buffered_writes),
    TEST_ENTRY(test_tls_read_deadline),
    TEST_ENTRY(test_tls_tickets_and_key_update),
    TEST_ENTRY(test_tls_starttls),
    TEST_ENTRY(test_tls_write_cut),
    TEST_ENTRY(test_tls_config_errors),
    TEST_ENTRY(test_tls_out_of_memory),
    TEST_ENTRY(test_tls_handshake_misuse),
    TEST_ENTRY(test_tls_busy),
    TEST_ENTRY(test_tls_client_certificate),
    TEST_ENTRY(test_tls_peer_closes_in_handshake),
    TEST_ENTRY(test_tls_protocol_version),
    TEST_ENTRY(test_tls_cancel_in_read),
    TEST_ENTRY(test_tls_cancel_in_write),
    TEST_ENTRY(test_tls_cancel_in_shutdown),
    TEST_ENTRY(test_tls_read_deadline_inside_a_record),
    TEST_ENTRY(test_tls_handshake_outer_deadline),
    TEST_ENTRY(test_tls_handshake_zero_deadline),
    TEST_ENTRY(test_tls_corrupted_record),
    TEST_ENTRY(test_tls_plain_answer),
    TEST_ENTRY(test_tls_misuse_raises),
    TEST_ENTRY(test_tls_handshake_while_reading),
    TEST_ENTRY(test_tls_socket_closed_in_handshake),
    TEST_ENTRY(test_tls_peer_resets),
    TEST_ENTRY(test_tls_server_name_too_long),
    TEST_ENTRY(test_tls_system_trust_store),
    TEST_ENTRY(test_tls_cancelled_before),
    TEST_ENTRY(test_tls_first_step_cut),
    TEST_ENTRY(test_tls_socket_closed_under),
    TEST_ENTRY(test_tls_shutdown_drops_what_comes_first),
    TEST_ENTRY(test_tls_shutdown_meets_truncation),
    TEST_ENTRY(test_tls_busy_session),
    TEST_ENTRY(test_tls_while_writing),
    TEST_ENTRY(test_tls_connect),
    TEST_ENTRY(test_tls_unix_connect),
    TEST_ENTRY(test_tls_server),
    TEST_ENTRY(test_tls_connect_wrong_name),
    TEST_ENTRY(test_tls_connect_deadline),
    TEST_ENTRY(test_tls_connect_refused),
    TEST_ENTRY(test_tls_connect_cancelled),
    TEST_ENTRY(test_tls_connect_misuse),
    TEST_ENTRY(test_tls_connect_cancelled_before),
    TEST_ENTRY(test_tls_busy_connecting),
    TEST_ENTRY(test_tls_growing_stream_held),
    TEST_ENTRY(test_tls_connect_stream_held),
};
#endif /* TEST_TLS_NONE */
void register_tls_tests(void);
#ifndef TEST_TLS_NONE
void register_tls_tests(void) { test_register(tls_tests, TEST_COUNT(tls_tests)); }
#else
void register_tls_tests(void) {}
#endif

/* The runner of the unit tests, for this file alone (it prints "ok NAME"
 * for each test that passed). */
#define TEST_FILE tls
#include "../main.c"
