// >>tls
/* ------------------------------------------------------------------------ */
/* TLS on a stream (AIO_TLS_OPENSSL, _MBEDTLS, _SCHANNEL, or AIO_TLS)        */
/* ------------------------------------------------------------------------ */

/* asyncio's ssl= and start_tls on a stream, every step under a deadline.
 * Compiled in where AIO_TLS_OPENSSL is defined (in every file that uses it,
 * before the include; the program links -lssl -lcrypto: OpenSSL 1.1.1 or
 * later), or AIO_TLS_MBEDTLS (the same API on Mbed TLS 2.28: link -lmbedtls
 * -lmbedx509 -lmbedcrypto), or on Windows AIO_TLS_SCHANNEL (the system's
 * own TLS, a client only: link -lsecur32 -lcrypt32 -lws2_32), on a hosted
 * build with sockets; a program built without any carries none of it. A
 * configuration is loaded once (the engine's shared state: the trust store,
 * a server's certificate); each connection has a session that becomes its
 * stream's transport at the handshake, so that AIO_READ_LINE,
 * AIO_READ_EXACTLY, ... and AIO_STREAM_WRITE carry plain text through it.
 *
 *     s->cfg.ca_file = "ca.pem";                 // NULL: the system's trust store
 *     aio_tls_config_load(&s->cfg);              // ssl.create_default_context()
 *     aio_tls_init(&s->tls, &s->cfg);
 *     AIO_TLS_HANDSHAKE(t, s->rc, &s->tls, &s->st, "example.org", AIO_SEC(10));
 *     if (s->rc < 0) printf("%s\n", aio_tls_error(&s->tls));
 *     AIO_STREAM_WRITE(t, s->rc, &s->st, "hello\n", 6, AIO_SEC(5));
 *     AIO_READ_LINE(t, s->rc, &s->st, AIO_SEC(5));
 *     AIO_TLS_SHUTDOWN(t, s->rc, &s->tls, AIO_TLS_DEFAULT_TIMEOUT);
 *     ...  AIO_FINALLY(t); aio_tls_free(&s->tls); aio_close(s->fd);
 *
 * AIO_TLS_CONNECT is asyncio's open_connection(host, port, ssl=ctx): the
 * name looked up, connected, the stream set up and the handshake done with
 * host for the server's name, under one deadline.
 *
 * The rules (docs/api.md, "TLS on a stream"): a handshake, a shutdown, a
 * write or a read that times out or is cancelled: a handshake or a shutdown
 * leaves the session unusable, and so does a write cut after part of it went
 * into the engine (Trio's rule); a read takes nothing and the session goes
 * on. A peer that closes without TLS's close_notify ends the reads with
 * AIO_ETRUNCATED, not 0 (AIO_TLS_LENIENT_EOF reads it as the end).
 *
 * The engine is a table of functions (aio_tls_engine, below): the built-in
 * one the macro chose, or one of yours (wolfSSL, BearSSL, a test's)
 * named by the configuration's engine_ops; AIO_TLS compiles this section
 * with no engine of the header's, for yours alone. Each slot's contract is
 * written beside it; docs/api.md, "Adding a TLS engine", has the whole of it
 * with an example, and tests/tls/toy_engine.h is one written outside the
 * header. */
#if defined(AIO_TLS) || defined(AIO_TLS_OPENSSL) || defined(AIO_TLS_MBEDTLS) || defined(AIO_TLS_SCHANNEL)
enum {
    AIO_TLS_CLIENT = 0,         /* a client: verifies the server's certificate and name */
    AIO_TLS_SERVER = 1,         /* a server: shows cert_file, proves it with key_file */
    AIO_TLS_NO_VERIFY = 2,      /* a client that skips the server's verification
                                   (ssl.CERT_NONE, check_hostname = False) */
    AIO_TLS_VERIFY_CLIENT = 4,  /* a server that requires a client certificate and
                                   verifies it against the trusted CAs */
    AIO_TLS_LENIENT_EOF = 8     /* a peer that closes without close_notify reads as the
                                   end (0), as a clean close does */
};
/* What the sessions of a program share: yours to set before
 * aio_tls_config_load (zero: a client that verifies servers against the
 * system's trust store, TLS 1.2 at least), the library's after. */
typedef struct aio_tls_engine aio_tls_engine;
typedef struct aio_tls_config {
    unsigned flags;             /* AIO_TLS_SERVER, AIO_TLS_NO_VERIFY, ... */
    const char *ca_file;        /* PEM file of the CAs to trust; with ca_dir */
    const char *ca_dir;         /* (hashed, c_rehash) both NULL: the system's */
    const char *cert_file;      /* PEM: the certificate (chain) this side shows */
    const char *key_file;       /* PEM: its private key */
    const aio_tls_engine *engine_ops; /* the engine (NULL: the built-in one) */
    void *engine;               /* the engine's: its shared state */
    const aio_tls_engine *loaded; /* the library's: the engine loaded (NULL: none) */
    char error[192];            /* why the load failed (aio_tls_config_error) */
} aio_tls_config;
/* One connection's TLS: its engine state, and the stream it is the
 * transport of from its handshake on. Zeroed, or set up by aio_tls_init;
 * it must not move while set up. The fields are the library's. */
typedef struct aio_tls {
    void *engine;               /* the engine's session (NULL: none) */
    aio_tls_config *config;
    aio_stream *stream;         /* the stream it carries (from the handshake) */
    unsigned char *early;       /* what the stream had buffered at the handshake */
    size_t early_len, early_at; /* (the engine's first bytes) */
    aio_status broken;          /* what later calls give once unusable */
    aio_status io_status;       /* the socket's last error, as the engine met it */
    uint8_t state, eof, held;   /* held: the engine keeps bytes of a write */
    aio_time until;             /* AIO_TLS_UNIX_CONNECT's deadline, for its handshake */
    char error[128];            /* why it failed (aio_tls_error) */
} aio_tls;

/* A TLS engine: what the library asks of it, one slot a step. Every slot is
 * given (aio_tls_config_load refuses a table with one left empty:
 * AIO_EINVAL, the slot named); none blocks, and none touches the socket but
 * through aio_tls_io_recv and aio_tls_io_send. Its state lives in c->engine
 * (a configuration's, shared by its sessions) and tls->engine (a session's);
 * it may read the configuration's public fields (flags, the files) and
 * tls->config. It says why a step failed with aio_tls_config_set_error or
 * aio_tls_set_error (the text aio_tls_config_error, aio_tls_error give),
 * and returns a status: AIO_ETLS (the protocol failed, the peer refused),
 * AIO_ECERT (the peer's certificate did not verify), or the status an io
 * call gave (the socket's error). The steps that may wait (handshake, read,
 * write, shutdown) return AIO_WANT_READ or AIO_WANT_WRITE when they can do
 * nothing more until the socket is readable or writable; the library waits
 * that way and calls the step again. */
struct aio_tls_engine {
    const char *name; /* its name, for people ("OpenSSL") */
    /* c's shared state made (the trust store, a server's certificate and key,
     * as c's fields say; c->engine): AIO_OK, or AIO_ETLS (a file that cannot
     * be read, a key that does not match) with the reason set. c's fields
     * were checked before (flags, a server's files). */
    aio_status (*load)(aio_tls_config *c);
    /* c->engine freed (after every session made from it). */
    void (*unload)(aio_tls_config *c);
    /* A session's state made (tls->engine; tls->config is set): AIO_OK, or
     * AIO_ETLS with the reason set. No I/O yet. */
    aio_status (*session_new)(aio_tls *tls);
    /* tls->engine freed, whatever became of the session (never handshaken,
     * broken, closed). */
    void (*session_free)(aio_tls *tls);
    /* A client's server name (name NULL: none; a server's is NULL), before
     * its handshake: sent, and the peer's certificate checked against it
     * unless AIO_TLS_NO_VERIFY. AIO_OK, or a status with the reason set. */
    aio_status (*server_name)(aio_tls *tls, const char *name);
    /* One step of the handshake: AIO_OK (done: the session is open),
     * AIO_WANT_READ / AIO_WANT_WRITE, or a status with the reason set
     * (AIO_ECERT, AIO_ETLS, the socket's). */
    aio_status (*handshake)(aio_tls *tls);
    /* Plain text into buf[0..len) (len > 0): n > 0 bytes; 0: the peer's
     * close_notify came (and every later read gives 0); AIO_WANT_READ /
     * AIO_WANT_WRITE; AIO_ETRUNCATED: the socket ended without close_notify
     * (the library reads it as the end under AIO_TLS_LENIENT_EOF); another
     * status with the reason set. A record that came in part is kept for
     * the next call: what a read gave the caller is never given again. */
    aio_status (*read)(aio_tls *tls, void *buf, size_t len);
    /* Plain text from buf[0..len) (len > 0): n > 0 bytes taken (a record's
     * worth at most is fine); AIO_WANT_READ / AIO_WANT_WRITE: the engine may
     * keep what it took so far (a record half sent), and the next call gives
     * the same bytes again, the count taken then covering them; or a status
     * with the reason set. A write given up while the engine keeps part of
     * it leaves the session unusable (the library does that). */
    aio_status (*write)(aio_tls *tls, const void *buf, size_t len);
    /* One step of the end: AIO_OK (0: this side's close_notify sent), 1 (sent,
     * and the peer's came), AIO_WANT_READ / AIO_WANT_WRITE, or a status. After
     * 0 the library reads until the peer's close_notify (read gives 0),
     * dropping what comes before it. */
    aio_status (*shutdown)(aio_tls *tls);
};
/* An engine's reads of the socket under session tls: what the stream had
 * buffered at the handshake first, then the socket's. n > 0 bytes put in
 * buf[0..len); 0: the socket's end (the peer closed); AIO_WANT_READ: none
 * now (the socket is dry: return AIO_WANT_READ, or go on with what you
 * have); or the socket's error (AIO_ECONNRESET, ...). Never blocks.
 * AIO_EINVAL: a session without its stream (outside the steps above). */
AIO_API aio_status aio_tls_io_recv(aio_tls *tls, void *buf, size_t len);
/* Its writes: n > 0 bytes of buf[0..len) taken by the socket;
 * AIO_WANT_WRITE: none now (the socket is full); or the socket's error.
 * Never blocks. AIO_EINVAL as above. */
AIO_API aio_status aio_tls_io_send(aio_tls *tls, const void *buf, size_t len);
/* The reason an engine gives for its failure, kept for aio_tls_error
 * (cut to its room): a session's, and a configuration's (for
 * aio_tls_config_error). */
AIO_API void aio_tls_set_error(aio_tls *tls, const char *text);
AIO_API void aio_tls_config_set_error(aio_tls_config *c, const char *text);
/* ssl.create_default_context(), then load_verify_locations and
 * load_cert_chain as c says, on c's engine: AIO_OK; AIO_EINVAL (a server
 * without its certificate or key, a key without a certificate, unknown
 * flags, an engine with a slot left empty, no engine (AIO_TLS and no
 * engine_ops): a debug message and aio_tls_config_error name it); AIO_ETLS
 * (a file that cannot be read, a key that does not match:
 * aio_tls_config_error says which and why). Keep c, at the same
 * address, until every session made from it is freed. */
AIO_API aio_status aio_tls_config_load(aio_tls_config *c);
/* What c holds of the engine's, freed (a zeroed or freed c: nothing). */
AIO_API void aio_tls_config_free(aio_tls_config *c);
/* Why aio_tls_config_load failed ("" if it did not). */
AIO_API const char *aio_tls_config_error(const aio_tls_config *c);
/* A session for one connection, from a loaded configuration: AIO_OK,
 * AIO_EINVAL (c not loaded, tls already set up), AIO_ETLS (the engine's
 * memory). aio_tls_free ends it, whatever became of it. */
AIO_API aio_status aio_tls_init(aio_tls *tls, aio_tls_config *c);
/* The engine's state freed, and the stream it carried given back its own
 * transport (after a shutdown, what follows on the socket is plain text,
 * as after ssl's unwrap(); the end that TLS read is forgotten). AIO_OK (a
 * zeroed or freed tls too), or AIO_EBUSY (a task waits in the handshake or
 * the shutdown, or in a read or a write of that stream: nothing freed). */
AIO_API aio_status aio_tls_free(aio_tls *tls);
/* Why the session failed, in words a person can act on: the certificate
 * check ("certificate verify failed: certificate has expired"), the peer's
 * alert ("tlsv1 alert unknown ca"), a deadline ("the handshake timed out:
 * ..."); "" while nothing failed. Kept after aio_tls_free. */
AIO_API const char *aio_tls_error(const aio_tls *tls);

/* AIO_TLS_HANDSHAKE and AIO_TLS_SHUTDOWN take this for d: their defaults,
 * asyncio's ssl_handshake_timeout (60 s) and ssl_shutdown_timeout (30 s). */
#define AIO_TLS_DEFAULT_TIMEOUT AIO__TIME(-3)
#ifndef AIO_TLS_HANDSHAKE_TIMEOUT
#define AIO_TLS_HANDSHAKE_TIMEOUT AIO_SEC(60)
#endif
#ifndef AIO_TLS_SHUTDOWN_TIMEOUT
#define AIO_TLS_SHUTDOWN_TIMEOUT AIO_SEC(30)
#endif
/* await start_tls(sslcontext, server_hostname=name, ssl_handshake_timeout=d):
 * the handshake on stream s (its socket connected), within d; from then on
 * the session is s's transport. A client verifies the server's certificate
 * against its trusted CAs and server_name (a host name, or a numeric IPv4 or
 * IPv6 address), which it also sends (SNI); a server takes NULL. lv = AIO_OK,
 * AIO_ECERT (the certificate did not verify), AIO_ETLS (the protocol failed,
 * or the peer refused: an alert), AIO_ETIMEDOUT, an I/O error, ...;
 * aio_tls_error says why. Anything but AIO_OK leaves the session unusable:
 * its stream's reads and writes then give AIO_ETLS. Bytes the stream had
 * buffered and not read (a STARTTLS peer that sent its first TLS bytes
 * right after its plain request) are the engine's first: the plain protocol
 * has read what was its own. AIO_EINVAL: a session not set up or used
 * before, a client that verifies without server_name (a debug message names
 * it); AIO_EBUSY: a task waits in a read or a write of s. */
#define AIO_TLS_HANDSHAKE(t, lv, tls, s, server_name, d)                        \
    AIO__AWAIT(t, (lv) = aio__r, aio__tls_handshake_start((t), aio__f, (tls), (s), (server_name), (d)), \
               aio__tls_handshake_poll((t), aio__f, (tls)), AIO__LABEL)
/* The end of TLS on the stream, within d: TLS's close_notify sent, the
 * peer's awaited (what comes before it is dropped). lv = AIO_OK, then the
 * stream reads 0 and writes AIO_ETLS, and the socket is yours to close (or
 * to go on with in plain text, after aio_tls_free); AIO_ETRUNCATED (the peer
 * closed without its close_notify; AIO_OK with AIO_TLS_LENIENT_EOF),
 * AIO_ETIMEDOUT, an error: the session is unusable. On a session that
 * already failed it gives what its reads give, at once. */
#define AIO_TLS_SHUTDOWN(t, lv, tls, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__tls_shutdown_start((t), aio__f, (tls), (d)), \
               aio__tls_shutdown_poll((t), aio__f, (tls)), AIO__LABEL)
/* await open_connection(host, port, ssl=ctx, server_hostname=host,
 * ssl_handshake_timeout=...), the whole of it within the one deadline d:
 * host looked up and connected as AIO_TCP_CONNECT does (Happy Eyeballs),
 * stream s set up over the new socket with a buffer of its own
 * (aio_stream_init_growing: 4 KiB, growing to asyncio's limit, 64 KiB), and
 * the handshake of session tls (aio_tls_init, a client's configuration)
 * with host for the server's name: sent (SNI), and the certificate verified
 * against it. s is the program's, not set up (zeroed, or aio_stream_free'd).
 * lv = the socket (>= 0), or the first failure: AIO_ETIMEDOUT (d passed, in
 * whichever step), the connect's (AIO_ECONNREFUSED, AIO_ENOTFOUND, ...),
 * AIO_ECERT, AIO_ETLS, ...; aio_tls_error says why. On a failure or a
 * cancellation nothing is left: the socket is closed and s's buffer freed
 * here, and the session is unusable (aio_tls_free it, as always). On
 * success the socket and s are the program's: AIO_TLS_SHUTDOWN, then
 * aio_tls_free, aio_stream_free and aio_close. host is read again once the
 * connection is made: keep it where it lives until the await ends (a
 * literal, the task's state). d = AIO_TLS_DEFAULT_TIMEOUT: 60 s
 * (AIO_TLS_HANDSHAKE_TIMEOUT) for the whole. AIO_EINVAL: a session not set
 * up or used before, a server's, no host, s set up already. */
#define AIO_TLS_CONNECT(t, lv, tls, s, host, port, d)                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__tls_connect_start((t), aio__f, (tls), (s), (host), (port), (d)), \
               aio__tls_connect_poll((t), aio__f, (tls), (s), (host)), AIO__LABEL)
/* The same over a Unix socket (asyncio's open_unix_connection(path, ssl=ctx,
 * server_hostname=name), POSIX): connected to path (as AIO_UNIX_CONNECT),
 * the stream set up and the handshake done with server_name for the
 * certificate's name (NULL only with AIO_TLS_NO_VERIFY), under one deadline;
 * the rest as AIO_TLS_CONNECT. Keep path and server_name where they live
 * until the await ends. AIO_EINVAL besides: no path, no server name to
 * verify, Windows and a simulation (no Unix sockets there). */
#define AIO_TLS_UNIX_CONNECT(t, lv, tls, s, path, server_name, d)               \
    AIO__AWAIT(t, (lv) = aio__r,                                               \
               aio__tls_unix_connect_start((t), aio__f, (tls), (s), (path), (server_name), (d)), \
               aio__tls_connect_poll((t), aio__f, (tls), (s), (server_name)), AIO__LABEL)
AIO_API aio_status aio__tls_handshake_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                            const char *server_name, aio_time d);

/* A TLS server (asyncio's start_server(..., ssl=ctx, ssl_handshake_timeout=d)):
 * an aio_server whose handlers are given a stream with TLS already under it.
 * The connection's state begins with an aio_tls_conn instead of an aio_conn:
 *
 *     typedef struct { aio_tls_conn tc; aio_status n; } client_t;
 *     aio_server_init(&srv, handle, clients, sizeof clients[0], 64);
 *     aio_server_set_tls(&srv, &config, AIO_TLS_DEFAULT_TIMEOUT, 0);
 *     aio_server_listen(&srv, "127.0.0.1", 8443, 0);  // or aio_server_start
 *                                                      // (aio_unix_listen's too)
 *     // in handle(): AIO_READ_LINE(t, c->n, &c->tc.stream, d), ...
 *
 * For each connection the server sets up `stream` over the socket (a buffer
 * of its own: 4 KiB, growing to the limit, asyncio's 64 KiB unless set) and `tls` from the
 * configuration, and runs the handshake within `handshake_timeout`, before
 * the handler. A handshake that fails (a deadline, a plain-text client, a
 * protocol error) is counted (aio_server_handshakes_failed), its connection
 * closed, and the handler never called, as asyncio logs it and calls none; a
 * cancelled one (a shutdown) is not counted. When the handler ends, the
 * server frees the stream (what it had not sent is dropped: end with
 * AIO_TLS_SHUTDOWN to send it and close_notify, as asyncio's writer.close()
 * does) and the session, then closes the socket. */
typedef struct aio_tls_conn {
    aio_conn conn;     /* the server's part (AIO_CONN_SELF finds the state from it) */
    aio_stream stream; /* the connection's stream: TLS is its transport */
    aio_tls tls;       /* the session (AIO_TLS_SHUTDOWN it; the server frees it) */
    aio_frame frame;   /* (the library's: the handshake's await) */
} aio_tls_conn;
/* srv (initialised, not started) serves over TLS with configuration c (a
 * server's: AIO_TLS_SERVER, loaded; keep it until the server has ended);
 * each handshake within handshake_timeout (AIO_TLS_DEFAULT_TIMEOUT: 60 s,
 * AIO_TLS_HANDSHAKE_TIMEOUT); each stream's limit `limit` (start_server's
 * limit=: the longest line or count a read takes; 0: asyncio's 64 KiB).
 * AIO_OK; AIO_EINVAL (srv not initialised, c NULL, not loaded or a
 * client's, a state smaller than an aio_tls_conn, a negative timeout, a
 * limit beyond INT_MAX); AIO_EBUSY (serving already). */
AIO_API aio_status aio_server_set_tls(aio_server *srv, aio_tls_config *c, aio_time handshake_timeout,
                                      size_t limit);
/* How many handshakes failed since the server was initialised (counted
 * round at 2^32). */
AIO_API uint32_t aio_server_handshakes_failed(const aio_server *srv);
AIO_API aio_status aio__tls_handshake_poll(aio_task *t, aio_frame *f, aio_tls *tls);
AIO_API aio_status aio__tls_shutdown_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_time d);
AIO_API aio_status aio__tls_shutdown_poll(aio_task *t, aio_frame *f, aio_tls *tls);
AIO_API aio_status aio__tls_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host,
                                          int port, aio_time d);
AIO_API aio_status aio__tls_unix_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                               const char *path, const char *server_name, aio_time d);
AIO_API aio_status aio__tls_connect_poll(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host);
#endif

