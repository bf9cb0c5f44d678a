/* SPDX-License-Identifier: MIT */
/* tls_schannel.c - TLS on Windows' own engine (AIO_TLS_SCHANNEL): a client
 * built with MinGW-w64 and run under wine, against the Linux side's Python
 * ssl servers of tests/windows/tls_peer.py on 127.0.0.1, over the
 * certificates tests/tls/certs.sh makes at run time. tests/windows/run.sh
 * runs it:
 *
 *     python3 tests/windows/tls_peer.py CERTDIR      # prints GOOD EXPIRED TLS12 SILENT BIG PLAIN
 *     wine tls_schannel.exe GOOD EXPIRED TLS12 SILENT BIG PLAIN CERTDIR
 *
 * The cases: a handshake through AIO_TLS_CONNECT ("localhost": verified
 * against ca.pem), lines echoed, the name sent (SNI), AIO_TLS_SHUTDOWN (our close_notify and the
 * peer's), then reads give 0; the same on TLS 1.2, and with a certificate
 * of 33 KB (its handshake message spans three records); an address verified
 * against the certificate's (and another refused); a wrong name, an unknown
 * CA (another CA's file, and the system's store) and an expired certificate
 * refused with AIO_ECERT and their reasons; AIO_TLS_NO_VERIFY against the
 * expired one; a handshake's deadline (1 s, a peer that never answers); a
 * peer that answers the hello in plain HTTP (AIO_ETLS at once, not at the
 * deadline); 4 MiB echoed while it is written (a writer task and a
 * reader on one stream: records split across socket reads, writes held on
 * a full socket while the peer pauses); a read whose deadline fires (1 s: the session goes on
 * after it); a peer that closes without close_notify (AIO_ETRUNCATED); and
 * what this engine refuses (a server, ca_dir). Real clock: the margins are
 * wide (a deadline of 1 s must end between 0.9 s and 10 s).
 * Ends with "N passed, M failed". */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#define AIO_TLS_SCHANNEL
#include "../../aio_timeout.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static void check(const char *name, int ok, const char *detail) {
    if (ok) {
        passed++;
        printf("ok %s\n", name);
    } else {
        failed++;
        printf("FAIL %s: %s\n", name, detail);
    }
    (void)fflush(stdout);
}

enum { HANDSHAKE_ONLY, ECHO_LINES, BIG_ECHO, READ_DEADLINE, CUT, SNI };
#define BIG (4u << 20)
#define CHUNK 65536u
static unsigned char pattern(size_t i) { return (unsigned char)(i % 251u + i / 65521u); }

typedef struct {
    aio_task task;
    aio_stream *st;
    size_t sent;
    aio_status rc;
    unsigned char chunk[CHUNK];
} writer_t;
static aio_status writer(aio_task *t) {
    writer_t *s = AIO_SELF(t, writer_t);
    size_t i;
    AIO_BEGIN(t);
    for (s->sent = 0; s->sent < BIG; s->sent += CHUNK) {
        for (i = 0; i < CHUNK; i++) s->chunk[i] = pattern(s->sent + i);
        AIO_STREAM_WRITE(t, s->rc, s->st, s->chunk, CHUNK, AIO_SEC(60));
        AIO_CHECK(t, s->rc);
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_tls_config *cfg;
    const char *name; /* the server's name (NULL: AIO_TLS_CONNECT to "localhost") */
    int port, what;
    aio_time deadline; /* the handshake's */
    aio_socket fd;
    aio_stream st;
    aio_tls tls;
    aio_status hs, rc, echoed, read, shut, after, written;
    aio_time started, waited;
    size_t got;
    int wrong;
    char error[128], line[64], sni[64];
    writer_t w;
} client_t;

static const char hello[] = "hello over SChannel\n";
static aio_status client(aio_task *t) {
    client_t *s = AIO_SELF(t, client_t);
    size_t i;
    AIO_BEGIN(t);
    s->fd = (aio_socket)-1;
    s->echoed = s->read = s->shut = s->after = s->written = 1; /* (not reached) */
    AIO_CHECK(t, aio_tls_init(&s->tls, s->cfg));
    if (!s->name) {
        AIO_TLS_CONNECT(t, s->hs, &s->tls, &s->st, "localhost", s->port, AIO_SEC(30));
        if (s->hs >= 0) {
            s->fd = (aio_socket)s->hs;
            s->hs = AIO_OK;
        }
    } else {
        AIO_TCP_CONNECT(t, s->rc, "127.0.0.1", s->port, AIO_SEC(30));
        AIO_CHECK(t, s->rc);
        s->fd = (aio_socket)s->rc;
        AIO_CHECK(t, aio_stream_init_growing(&s->st, s->fd, 4096, 65536));
        s->started = aio_now();
        AIO_TLS_HANDSHAKE(t, s->hs, &s->tls, &s->st, s->name, s->deadline);
        s->waited = aio_now() - s->started;
    }
    (void)snprintf(s->error, sizeof s->error, "%s", aio_tls_error(&s->tls));
    if (s->hs != AIO_OK || s->what == HANDSHAKE_ONLY) AIO_RETURN(t, s->hs);
    if (s->what == CUT) {
        AIO_STREAM_WRITE(t, s->written, &s->st, "CUT\n", 4, AIO_SEC(30));
        AIO_READ_SOME(t, s->read, &s->st, AIO_SEC(30));
        (void)snprintf(s->error, sizeof s->error, "%s", aio_tls_error(&s->tls));
        AIO_RETURN(t, AIO_OK);
    }
    if (s->what == SNI) { /* the name the peer heard */
        AIO_STREAM_WRITE(t, s->rc, &s->st, "SNI?\n", 5, AIO_SEC(30));
        AIO_CHECK(t, s->rc);
        AIO_READ_LINE(t, s->rc, &s->st, AIO_SEC(30));
        if (s->rc > 0 && s->rc < (aio_status)sizeof s->sni) {
            memcpy(s->sni, aio_stream_data(&s->st), (size_t)s->rc);
            s->sni[s->rc] = '\0';
        }
    }
    if (s->what == READ_DEADLINE) { /* nothing comes: the read's deadline fires, the session goes on */
        s->started = aio_now();
        AIO_READ_SOME(t, s->read, &s->st, AIO_SEC(1));
        s->waited = aio_now() - s->started;
    }
    if (s->what == BIG_ECHO) { /* written by another task while this one reads it back */
        {
            int small = 65536; /* (a small send buffer: the writes meet a full socket) */
            (void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, (const char *)&small, (int)sizeof small);
        }
        AIO_STREAM_WRITE(t, s->rc, &s->st, "PAUSE\n", 6, AIO_SEC(30)); /* (the peer reads nothing for 1 s) */
        AIO_CHECK(t, s->rc);
        s->w.st = &s->st;
        AIO_CHECK(t, aio_spawn(&s->w.task, writer));
        for (s->got = 0; s->got < BIG;) {
            AIO_READ_SOME(t, s->read, &s->st, AIO_SEC(60));
            if (s->read <= 0) break;
            for (i = 0; i < (size_t)s->read; i++)
                if ((unsigned char)aio_stream_data(&s->st)[i] != pattern(s->got + i)) s->wrong++;
            s->got += (size_t)s->read;
        }
        AIO_AWAIT(t, s->written, &s->w.task);
    }
    AIO_STREAM_WRITE(t, s->rc, &s->st, hello, sizeof hello - 1, AIO_SEC(30));
    AIO_CHECK(t, s->rc);
    AIO_READ_LINE(t, s->echoed, &s->st, AIO_SEC(30));
    if (s->echoed > 0 && s->echoed < (aio_status)sizeof s->line) {
        memcpy(s->line, aio_stream_data(&s->st), (size_t)s->echoed);
        s->line[s->echoed] = '\0';
    }
    AIO_TLS_SHUTDOWN(t, s->shut, &s->tls, AIO_SEC(30));
    AIO_READ_SOME(t, s->after, &s->st, AIO_SEC(30));
    (void)snprintf(s->error, sizeof s->error, "%s", aio_tls_error(&s->tls));
    AIO_FINALLY(t);
    (void)aio_tls_free(&s->tls);
    (void)aio_stream_free(&s->st);
    if (s->fd != (aio_socket)-1) (void)aio_close(s->fd);
    AIO_END(t);
}

/* One client run to its end on a loop of its own: its status (run_with:
 * with the fields c has already). */
static aio_status run_with(client_t *c, aio_tls_config *cfg, const char *name, int port, int what) {
    static aio_timer timers[16];
    aio_loop loop;
    aio_status rc;
    c->cfg = cfg;
    c->name = name;
    c->port = port;
    c->what = what;
    if (!c->deadline) c->deadline = AIO_SEC(30);
    aio_loop_init(&loop, timers, 16);
    rc = aio_run(&loop, &c->task, client);
    (void)aio_loop_destroy(&loop);
    return rc;
}
static aio_status run(client_t *c, aio_tls_config *cfg, const char *name, int port, int what) {
    memset(c, 0, sizeof *c);
    return run_with(c, cfg, name, port, what);
}

static char detail[700];
static const char *say(const client_t *c, aio_status rc) {
    (void)snprintf(detail, 512, "run %d (%s), handshake %d (%s), error \"%s\", echoed %d \"%s\", read %d, "
                   "shutdown %d, after %d", rc, aio_strerror(rc), c->hs, aio_strerror(c->hs), c->error, c->echoed,
                   c->line, c->read, c->shut, c->after);
    return detail;
}

int main(int argc, char **argv) {
    static client_t c;
    static aio_tls_config trusted, other, system_store, no_verify, refused;
    char path[600], other_path[600];
    int good, expired, tls12, silent, big, plain;
    aio_status rc;
    if (argc < 8) {
        (void)fprintf(stderr, "usage: %s GOOD EXPIRED TLS12 SILENT BIG PLAIN CERTDIR (tests/windows/tls_peer.py's "
                      "ports)\n", argv[0]);
        return 2;
    }
    good = (int)strtol(argv[1], NULL, 10);
    expired = (int)strtol(argv[2], NULL, 10);
    tls12 = (int)strtol(argv[3], NULL, 10);
    silent = (int)strtol(argv[4], NULL, 10);
    big = (int)strtol(argv[5], NULL, 10);
    plain = (int)strtol(argv[6], NULL, 10);
    (void)snprintf(path, sizeof path, "%s/ca.pem", argv[7]);
    (void)snprintf(other_path, sizeof other_path, "%s/other-ca.pem", argv[7]);
    trusted.ca_file = path;
    other.ca_file = other_path;
    no_verify.flags = AIO_TLS_NO_VERIFY;
    if (aio_tls_config_load(&trusted) != AIO_OK || aio_tls_config_load(&other) != AIO_OK ||
        aio_tls_config_load(&system_store) != AIO_OK || aio_tls_config_load(&no_verify) != AIO_OK) {
        printf("FAIL the configurations do not load: %s %s %s %s\n", aio_tls_config_error(&trusted),
               aio_tls_config_error(&other), aio_tls_config_error(&system_store), aio_tls_config_error(&no_verify));
        printf("0 passed, 1 failed\n");
        return 1;
    }

    rc = run(&c, &trusted, NULL, good, ECHO_LINES);
    check("AIO_TLS_CONNECT to localhost, verified against ca.pem; a line echoed; AIO_TLS_SHUTDOWN; then reads give 0",
          rc == AIO_OK && c.hs == AIO_OK && c.echoed == (aio_status)sizeof hello - 1 && strcmp(c.line, hello) == 0 &&
              c.shut == AIO_OK && c.after == 0,
          say(&c, rc));
    rc = run(&c, &trusted, "localhost", good, SNI);
    (void)snprintf(detail + strlen(say(&c, rc)), 96, ", the peer heard \"%s\"", c.sni);
    check("the server's name sent (SNI): the peer heard \"localhost\"",
          rc == AIO_OK && strcmp(c.sni, "sni localhost\n") == 0 && c.shut == AIO_OK, detail);
    rc = run(&c, &trusted, "localhost", tls12, ECHO_LINES);
    check("AIO_TLS_HANDSHAKE on TLS 1.2 (a server that speaks no later one): a line echoed, the shutdown",
          rc == AIO_OK && c.hs == AIO_OK && strcmp(c.line, hello) == 0 && c.shut == AIO_OK && c.after == 0,
          say(&c, rc));
    rc = run(&c, &trusted, NULL, big, ECHO_LINES);
    check("a certificate of 33 KB (its handshake message in three records): verified; a line echoed, the shutdown",
          rc == AIO_OK && c.hs == AIO_OK && strcmp(c.line, hello) == 0 && c.shut == AIO_OK && c.after == 0,
          say(&c, rc));
    rc = run(&c, &trusted, "127.0.0.1", good, HANDSHAKE_ONLY);
    check("an address for the server's name: verified against the certificate's IP address",
          rc == AIO_OK && c.hs == AIO_OK, say(&c, rc));
    rc = run(&c, &trusted, "127.0.0.2", good, HANDSHAKE_ONLY);
    check("another address: AIO_ECERT, IP address mismatch",
          c.hs == AIO_ECERT && strstr(c.error, "IP address mismatch") != NULL, say(&c, rc));
    rc = run(&c, &trusted, "wrong.example", good, HANDSHAKE_ONLY);
    check("a name the certificate is not for: AIO_ECERT, name mismatch",
          c.hs == AIO_ECERT && strstr(c.error, "name mismatch") != NULL, say(&c, rc));
    rc = run(&c, &other, "localhost", good, HANDSHAKE_ONLY);
    check("another CA's file: AIO_ECERT, unknown authority",
          c.hs == AIO_ECERT && strstr(c.error, "unknown authority") != NULL, say(&c, rc));
    rc = run(&c, &system_store, "localhost", good, HANDSHAKE_ONLY);
    check("the system's store, which has not the test's CA: AIO_ECERT, unknown authority",
          c.hs == AIO_ECERT && strstr(c.error, "unknown authority") != NULL, say(&c, rc));
    rc = run(&c, &trusted, "localhost", expired, HANDSHAKE_ONLY);
    check("a certificate that expired in 2020: AIO_ECERT, expired",
          c.hs == AIO_ECERT && strstr(c.error, "expired") != NULL, say(&c, rc));
    rc = run(&c, &no_verify, "localhost", expired, ECHO_LINES);
    check("AIO_TLS_NO_VERIFY takes the expired one: a line echoed, the shutdown",
          rc == AIO_OK && c.hs == AIO_OK && strcmp(c.line, hello) == 0 && c.shut == AIO_OK, say(&c, rc));
    memset(&c, 0, sizeof c);
    c.deadline = AIO_SEC(1);
    rc = run_with(&c, &trusted, "localhost", silent, HANDSHAKE_ONLY);
    (void)snprintf(detail + strlen(say(&c, rc)), 64, ", the handshake waited %.3f s", aio_to_seconds(c.waited));
    check("a peer that never answers: the handshake gives AIO_ETIMEDOUT after its 1 s, and says so",
          c.hs == AIO_ETIMEDOUT && c.waited >= AIO_MS(900) && c.waited < AIO_SEC(10) &&
              strstr(c.error, "timed out") != NULL,
          detail);
    memset(&c, 0, sizeof c);
    c.deadline = AIO_SEC(20);
    rc = run_with(&c, &trusted, "localhost", plain, HANDSHAKE_ONLY);
    (void)snprintf(detail + strlen(say(&c, rc)), 64, ", the handshake waited %.3f s", aio_to_seconds(c.waited));
    check("a peer that answers the hello in plain text (HTTP/1.1 400): AIO_ETLS at once, not at the deadline (20 s), "
          "and says why",
          c.hs == AIO_ETLS && c.waited < AIO_SEC(5) && strstr(c.error, "not TLS (they begin \"HTTP/1.1 400") != NULL,
          detail);
    rc = run(&c, &trusted, NULL, good, BIG_ECHO);
    (void)snprintf(detail + strlen(say(&c, rc)), 64, ", got %u bytes, %d wrong, writer %d", (unsigned)c.got, c.wrong,
                   c.written);
    check("4 MiB written by one task and read back by another at once, every byte as sent; then a line, the shutdown",
          rc == AIO_OK && c.got == BIG && c.wrong == 0 && c.written == AIO_OK && strcmp(c.line, hello) == 0 &&
              c.shut == AIO_OK,
          detail);
    rc = run(&c, &trusted, NULL, good, READ_DEADLINE);
    (void)snprintf(detail + strlen(say(&c, rc)), 64, ", the read waited %.3f s", aio_to_seconds(c.waited));
    check("a read with nothing to read: AIO_ETIMEDOUT after 1 s; the session goes on (a line echoed, the shutdown)",
          c.read == AIO_ETIMEDOUT && c.waited >= AIO_MS(900) && c.waited < AIO_SEC(10) && strcmp(c.line, hello) == 0 &&
              c.shut == AIO_OK,
          detail);
    rc = run(&c, &trusted, NULL, good, CUT);
    check("a peer that closes without close_notify: the read gives AIO_ETRUNCATED",
          c.hs == AIO_OK && c.read == AIO_ETRUNCATED && strstr(c.error, "without close_notify") != NULL, say(&c, rc));

    refused.flags = AIO_TLS_SERVER;
    refused.cert_file = path;
    refused.key_file = path;
    rc = aio_tls_config_load(&refused);
    check("a server's configuration: AIO_EINVAL, and why", rc == AIO_EINVAL &&
          strstr(aio_tls_config_error(&refused), "AIO_TLS_SERVER") != NULL, aio_tls_config_error(&refused));
    memset(&refused, 0, sizeof refused);
    refused.ca_dir = argv[7];
    rc = aio_tls_config_load(&refused);
    check("ca_dir: AIO_EINVAL, and why", rc == AIO_EINVAL && strstr(aio_tls_config_error(&refused), "ca_dir") != NULL,
          aio_tls_config_error(&refused));
    memset(&refused, 0, sizeof refused);
    refused.ca_file = argv[7]; /* (a directory: not a PEM file) */
    rc = aio_tls_config_load(&refused);
    check("a ca_file that is not a PEM file: AIO_ETLS, and why", rc == AIO_ETLS &&
          strstr(aio_tls_config_error(&refused), "cannot load the trusted CAs") != NULL,
          aio_tls_config_error(&refused));

    aio_tls_config_free(&trusted);
    aio_tls_config_free(&other);
    aio_tls_config_free(&system_store);
    aio_tls_config_free(&no_verify);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
