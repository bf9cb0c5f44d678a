/* SPDX-License-Identifier: MIT */
/* A toy TLS engine, written outside the header through its public interface
 * only (aio_tls_engine, aio_tls_io_recv, aio_tls_io_send, aio_tls_set_error,
 * aio_tls_config_set_error), as a program adds wolfSSL or BearSSL: the shape
 * of an engine with none of the security. Include it after aio_timeout.h
 * (built with AIO_TLS, or beside a built-in engine); a configuration uses it
 * with `c.engine_ops = &toy_engine`.
 *
 * The protocol: records of a type byte, a length (2 bytes, big-endian, at
 * most TOY_MAX) and that many bytes of text, each byte "enciphered" by an
 * xor with 0x5A plus its place in the record (toy_seal, toy_open). The
 * client sends a hello record "toy-hello:NAME" (NAME: its server name), the
 * server answers "toy-hello-server"; then data records, and a close record
 * for close_notify. A client that verifies refuses the names that begin
 * with "expired." (AIO_ECERT), to show how a certificate's failure is said.
 * A configuration with AIO_TLS_VERIFY_CLIENT cannot load (the toy has no
 * certificates): AIO_ETLS, with the reason. toy_loads, toy_unloads and
 * toy_sessions count what is made and freed. */
#ifndef TOY_ENGINE_H
#define TOY_ENGINE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOY_MAX 16384 /* a record's most text (as TLS's) */
#define TOY_HEAD 3  /* its header: the type, the length */
enum { TOY_HELLO = 'H', TOY_DATA = 'D', TOY_CLOSE = 'C' };
#define TOY_EOF 1 /* (toy_pull: the socket ended) */

static int toy_loads, toy_unloads, toy_sessions;

/* A session: the handshake's step, the record coming in (as far as it
 * came), the record going out (as far as it went, and the text it
 * carries), the text of the last record not read yet. */
typedef struct toy_session {
    int server, step, peer_closed, close_queued, close_sent;
    char name[64];
    unsigned char in[TOY_HEAD + TOY_MAX];
    size_t in_len;
    unsigned char out[TOY_HEAD + TOY_MAX];
    size_t out_len, out_at, out_plain;
    unsigned char plain[TOY_MAX];
    size_t plain_len, plain_at;
} toy_session;

/* A record of type `type` carrying text[0..n) (n <= TOY_MAX) into out:
 * its length. */
static size_t toy_seal(unsigned char *out, int type, const void *text, size_t n) {
    const unsigned char *p = (const unsigned char *)text;
    size_t i;
    out[0] = (unsigned char)type;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)(n & 255u);
    for (i = 0; i < n; i++) out[TOY_HEAD + i] = (unsigned char)(p[i] ^ (0x5A + i));
    return TOY_HEAD + n;
}
/* A record's text, deciphered in place of its body (its length). */
static size_t toy_open(unsigned char *record) {
    size_t n = ((size_t)record[1] << 8) | record[2];
    size_t i;
    for (i = 0; i < n; i++) record[TOY_HEAD + i] = (unsigned char)(record[TOY_HEAD + i] ^ (0x5A + i));
    return n;
}

static aio_status toy_fail(aio_tls *tls, aio_status rc, const char *why) {
    aio_tls_set_error(tls, why);
    return rc;
}
static aio_status toy_socket_failed(aio_tls *tls, aio_status rc) {
    char why[96];
    (void)snprintf(why, sizeof why, "toy: the socket: %s", aio_strerror(rc));
    return toy_fail(tls, rc, why);
}

/* The record coming in, whole: 0 (m->in has it), TOY_EOF (the socket
 * ended), AIO_WANT_READ, or a status. What came of it stays for the next
 * call. */
static aio_status toy_pull(aio_tls *tls, toy_session *m) {
    for (;;) {
        size_t need = TOY_HEAD;
        aio_status rc;
        if (m->in_len >= TOY_HEAD) {
            need += ((size_t)m->in[1] << 8) | m->in[2];
            if (need > sizeof m->in) return toy_fail(tls, AIO_ETLS, "toy: a record too long (not a toy's)");
        }
        if (m->in_len == need) return 0;
        rc = aio_tls_io_recv(tls, m->in + m->in_len, need - m->in_len);
        if (rc == 0) return TOY_EOF;
        if (rc == AIO_WANT_READ) return rc;
        if (rc < 0) return toy_socket_failed(tls, rc);
        m->in_len += (size_t)rc;
    }
}
/* The record going out, sent: AIO_OK, AIO_WANT_WRITE (what went, went), or
 * a status. A piece of TOY_PIECE bytes at a time, so that a socket that
 * fills up cuts a record (the engine then holds its rest). */
#define TOY_PIECE 1000
static aio_status toy_flush(aio_tls *tls, toy_session *m) {
    while (m->out_at < m->out_len) {
        size_t n = m->out_len - m->out_at;
        aio_status rc = aio_tls_io_send(tls, m->out + m->out_at, n < TOY_PIECE ? n : TOY_PIECE);
        if (rc == AIO_WANT_WRITE) return rc;
        if (rc < 0) return toy_socket_failed(tls, rc);
        m->out_at += (size_t)rc;
    }
    return AIO_OK;
}
static void toy_queue(toy_session *m, int type, const void *text, size_t n) {
    m->out_len = toy_seal(m->out, type, text, n);
    m->out_at = 0;
    m->out_plain = n;
}

static aio_status toy_load(aio_tls_config *c) {
    if (c->flags & AIO_TLS_VERIFY_CLIENT) {
        aio_tls_config_set_error(c, "toy: no client certificates here (the toy has no certificates)");
        return AIO_ETLS;
    }
    c->engine = &toy_loads; /* (no shared state: a mark) */
    toy_loads++;
    return AIO_OK;
}
static void toy_unload(aio_tls_config *c) {
    (void)c;
    toy_unloads++;
}
static aio_status toy_session_new(aio_tls *tls) {
    toy_session *m = (toy_session *)calloc(1, sizeof *m);
    if (!m) return toy_fail(tls, AIO_ETLS, "toy: out of memory");
    m->server = (tls->config->flags & AIO_TLS_SERVER) != 0;
    tls->engine = m;
    toy_sessions++;
    return AIO_OK;
}
static void toy_session_free(aio_tls *tls) {
    free(tls->engine);
    toy_sessions--;
}
static aio_status toy_server_name(aio_tls *tls, const char *name) {
    toy_session *m = (toy_session *)tls->engine;
    if (!name) return AIO_OK;
    if (strlen(name) >= sizeof m->name) return toy_fail(tls, AIO_EINVAL, "toy: the server name is too long");
    strcpy(m->name, name);
    return AIO_OK;
}

/* The hello the peer sent, checked. */
static aio_status toy_hello(aio_tls *tls, toy_session *m) {
    aio_status rc = toy_pull(tls, m);
    size_t n;
    if (rc == TOY_EOF) return toy_fail(tls, AIO_ETLS, "toy: the peer closed the connection during the handshake");
    if (rc != 0) return rc;
    n = toy_open(m->in);
    m->in_len = 0;
    if (m->in[0] != TOY_HELLO ||
        (m->server ? n < 10 || memcmp(m->in + TOY_HEAD, "toy-hello:", 10) != 0
                   : n != 16 || memcmp(m->in + TOY_HEAD, "toy-hello-server", 16) != 0))
        return toy_fail(tls, AIO_ETLS, "toy: the peer's hello is not a toy's");
    return AIO_OK;
}

/* Client: 0 its hello queued, 1 sent, 2 the server's awaited, 3 open.
 * Server: 0 the client's awaited, 1 its own going out, 3 open. */
static aio_status toy_handshake(aio_tls *tls) {
    toy_session *m = (toy_session *)tls->engine;
    char hello[80];
    aio_status rc;
    for (;;) {
        switch (m->step) {
        case 0:
            if (m->server) {
                rc = toy_hello(tls, m);
                if (rc != AIO_OK) return rc;
                toy_queue(m, TOY_HELLO, "toy-hello-server", 16);
            } else {
                (void)snprintf(hello, sizeof hello, "toy-hello:%s", m->name);
                toy_queue(m, TOY_HELLO, hello, strlen(hello));
            }
            m->step = 1;
            break;
        case 1:
            rc = toy_flush(tls, m);
            if (rc != AIO_OK) return rc;
            m->step = m->server ? 3 : 2;
            break;
        case 2:
            rc = toy_hello(tls, m);
            if (rc != AIO_OK) return rc;
            if (!(tls->config->flags & AIO_TLS_NO_VERIFY) && strncmp(m->name, "expired.", 8) == 0)
                return toy_fail(tls, AIO_ECERT, "certificate verify failed: toy: the name's certificate expired");
            m->step = 3;
            break;
        default: return AIO_OK;
        }
    }
}

static aio_status toy_read(aio_tls *tls, void *buf, size_t len) {
    toy_session *m = (toy_session *)tls->engine;
    aio_status rc;
    size_t n;
    while (m->plain_at == m->plain_len) {
        if (m->peer_closed) return 0;
        rc = toy_pull(tls, m);
        if (rc == TOY_EOF)
            return toy_fail(tls, AIO_ETRUNCATED, "toy: the peer closed the connection without close_notify");
        if (rc != 0) return rc;
        n = toy_open(m->in);
        m->in_len = 0;
        if (m->in[0] == TOY_CLOSE) {
            m->peer_closed = 1;
        } else if (m->in[0] == TOY_DATA) {
            memcpy(m->plain, m->in + TOY_HEAD, n);
            m->plain_len = n;
            m->plain_at = 0;
        } else {
            return toy_fail(tls, AIO_ETLS, "toy: a record of an unknown kind");
        }
    }
    n = m->plain_len - m->plain_at;
    if (n > len) n = len;
    memcpy(buf, m->plain + m->plain_at, n);
    m->plain_at += n;
    return (aio_status)n;
}

/* A record at a time; one half sent is kept, and the next call (the same
 * bytes again) finishes it and counts its text. */
static aio_status toy_write(aio_tls *tls, const void *buf, size_t len) {
    toy_session *m = (toy_session *)tls->engine;
    aio_status rc;
    if (m->out_at == m->out_len) toy_queue(m, TOY_DATA, buf, len < TOY_MAX ? len : TOY_MAX);
    rc = toy_flush(tls, m);
    return rc == AIO_OK ? (aio_status)m->out_plain : rc;
}

static aio_status toy_shutdown(aio_tls *tls) {
    toy_session *m = (toy_session *)tls->engine;
    aio_status rc;
    if (!m->close_queued) {
        toy_queue(m, TOY_CLOSE, "", 0);
        m->close_queued = 1;
    }
    if (!m->close_sent) {
        rc = toy_flush(tls, m);
        if (rc != AIO_OK && rc != AIO_WANT_WRITE && m->peer_closed) return 1; /* (the peer ended first, and closed) */
        if (rc != AIO_OK) return rc;
        m->close_sent = 1;
    }
    return m->peer_closed;
}

static const aio_tls_engine toy_engine = {"toy", toy_load, toy_unload, toy_session_new, toy_session_free,
                                          toy_server_name, toy_handshake, toy_read, toy_write, toy_shutdown};
#endif
