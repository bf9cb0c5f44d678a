// >>tls-openssl
/* ----------------------------------------------------- TLS: OpenSSL's engine */

/* A configuration is an SSL_CTX and a BIO method; a session an SSL whose one
 * BIO reads and writes the socket through aio__tls_io_recv and
 * aio__tls_io_send (so OpenSSL never touches the descriptor itself: the
 * calls are non-blocking whatever its mode, and a simulation's sockets work
 * too). OpenSSL's error queue is emptied before each call, so that
 * SSL_get_error reads that call's. */
typedef struct aio__ossl {
    SSL_CTX *ctx;
    BIO_METHOD *bio;
} aio__ossl;
static CRYPTO_ONCE aio__ossl_once = CRYPTO_ONCE_STATIC_INIT;
static int aio__ossl_type; /* the BIO's type: one for the process (OpenSSL has few to give) */
static void aio__ossl_new_type(void) { aio__ossl_type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK; }

/* In a simulation, OpenSSL's random bytes (its keys, nonces, randoms,
 * tickets) are drawn from the simulation's seeded generator, so that a run
 * replays by its seed: a RAND_METHOD (deprecated in OpenSSL 3, kept in its
 * builds with the deprecated API; without it, OpenSSL's own bytes are used
 * and only what they encrypt differs between runs: docs/simulation.md),
 * set for the process at the first configuration or session made in a
 * simulation, and giving OpenSSL's own bytes whenever no simulation runs
 * on the thread. */
#if defined(AIO__SIM) && !defined(OPENSSL_NO_DEPRECATED_3_0)
#define AIO__OSSL_SIM_RAND 1
#include <openssl/rand.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
static const RAND_METHOD *aio__ossl_own_rand;
static int aio__ossl_sim_bytes(unsigned char *out, int n) {
    int i;
    if (!aio_sim_active()) return aio__ossl_own_rand->bytes(out, n);
    for (i = 0; i < n; i++) out[i] = (unsigned char)aio_sim_random(256);
    return 1;
}
static int aio__ossl_sim_status(void) { return 1; }
static RAND_METHOD aio__ossl_sim_rand = {NULL, aio__ossl_sim_bytes, NULL, NULL, aio__ossl_sim_bytes,
                                         aio__ossl_sim_status};
static void aio__ossl_sim_rand_set(void) {
    if (aio__ossl_own_rand || !aio_sim_active()) return;
    aio__ossl_own_rand = RAND_OpenSSL();
    (void)RAND_set_rand_method(&aio__ossl_sim_rand);
}
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

static int aio__ossl_bio_read(BIO *b, char *buf, int len) {
    aio_status rc;
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0; /* LCOV_EXCL_LINE: (OpenSSL asks for bytes) */
    rc = aio__tls_io_recv((aio_tls *)BIO_get_data(b), buf, (size_t)len);
    if (rc >= 0) return rc;
    if (rc == AIO__AGAIN) BIO_set_retry_read(b);
    return -1;
}
static int aio__ossl_bio_write(BIO *b, const char *buf, int len) {
    aio_status rc;
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0; /* LCOV_EXCL_LINE: (OpenSSL gives bytes) */
    rc = aio__tls_io_send((aio_tls *)BIO_get_data(b), buf, (size_t)len);
    if (rc >= 0) return rc;
    if (rc == AIO__AGAIN) BIO_set_retry_write(b);
    return -1;
}
static long aio__ossl_bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH; /* (nothing is kept: a flush is done) */
}

/* The first error OpenSSL queued, in words, into buf. */
static void aio__ossl_reason(char *buf, size_t size) {
    unsigned long code = ERR_peek_error();
    const char *reason = code ? ERR_reason_error_string(code) : NULL; /* LCOV_EXCL_BR_LINE: (below) */
#ifdef ERR_SYSTEM_ERROR
    if (code && ERR_SYSTEM_ERROR(code)) /* LCOV_EXCL_BR_LINE: (every failure queues a code) */
        reason = strerror(ERR_GET_REASON(code)); /* (a file: why it failed) */
#endif
    if (reason) /* LCOV_EXCL_BR_LINE: (every code has its words) */
        (void)snprintf(buf, size, "%s", reason);
    else if (code) /* LCOV_EXCL_START: (every failure queues a code, and every code has its words) */
        ERR_error_string_n(code, buf, size);
    else
        (void)snprintf(buf, size, "no reason given");
    /* LCOV_EXCL_STOP */
    ERR_clear_error();
}
/* A configuration that could not load: why, in c->error. */
static aio_status aio__ossl_load_failed(aio_tls_config *c, aio__ossl *e, const char *what, const char *file) {
    char reason[96];
    aio__ossl_reason(reason, sizeof reason);
    (void)snprintf(c->error, sizeof c->error, "%s%s%s: %s", what, file ? " " : "", file ? file : "", /* LCOV_EXCL_BR_LINE: (below) */
                   reason); /* (no file: only the failures that cannot happen) */
    SSL_CTX_free(e->ctx);
    if (e->bio) BIO_meth_free(e->bio); /* LCOV_EXCL_BR_LINE: (none: out of memory) */
    AIO_FREE(e);
    return AIO_ETLS;
}

static aio_status aio__tls_e_load(aio_tls_config *c) {
    int server = (c->flags & AIO_TLS_SERVER) != 0;
    int verify = server ? (c->flags & AIO_TLS_VERIFY_CLIENT) != 0 : !(c->flags & AIO_TLS_NO_VERIFY);
    aio__ossl *e = (aio__ossl *)AIO_MALLOC(sizeof *e);
    if (!e) {
        (void)snprintf(c->error, sizeof c->error, "out of memory");
        return AIO_ETLS;
    }
    memset(e, 0, sizeof *e);
    ERR_clear_error();
#ifdef AIO__OSSL_SIM_RAND
    aio__ossl_sim_rand_set(); /* (SSL_CTX_new draws the keys of its tickets) */
#endif
    (void)CRYPTO_THREAD_run_once(&aio__ossl_once, aio__ossl_new_type);
    e->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    e->bio = BIO_meth_new(aio__ossl_type, "aio_timeout socket");
    if (!e->ctx || !e->bio || !BIO_meth_set_read(e->bio, aio__ossl_bio_read) || /* LCOV_EXCL_BR_LINE: out of memory */
        !BIO_meth_set_write(e->bio, aio__ossl_bio_write) || /* LCOV_EXCL_BR_LINE: out of memory */
        !BIO_meth_set_ctrl(e->bio, aio__ossl_bio_ctrl) || /* LCOV_EXCL_BR_LINE: out of memory */
        !SSL_CTX_set_min_proto_version(e->ctx, TLS1_2_VERSION))
        return aio__ossl_load_failed(c, e, "the TLS engine could not start", NULL); /* LCOV_EXCL_LINE */
    (void)SSL_CTX_set_mode(e->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (verify) {
        SSL_CTX_set_verify(e->ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
        if (c->ca_file || c->ca_dir) {
            if (!SSL_CTX_load_verify_locations(e->ctx, c->ca_file, c->ca_dir))
                return aio__ossl_load_failed(c, e, "cannot load the trusted CAs from",
                                             c->ca_file ? c->ca_file : c->ca_dir); /* LCOV_EXCL_BR_LINE: (a directory: read later) */
        } else if (!SSL_CTX_set_default_verify_paths(e->ctx)) { /* LCOV_EXCL_BR_LINE: (below) */
            return aio__ossl_load_failed(c, e, "cannot load the system's trust store", NULL); /* LCOV_EXCL_LINE */
        }
    }
    if (c->cert_file) {
        if (!SSL_CTX_use_certificate_chain_file(e->ctx, c->cert_file))
            return aio__ossl_load_failed(c, e, "cannot use the certificate", c->cert_file);
        if (!SSL_CTX_use_PrivateKey_file(e->ctx, c->key_file, SSL_FILETYPE_PEM)) /* (and it matches) */
            return aio__ossl_load_failed(c, e, "cannot use the private key", c->key_file);
    }
    c->engine = e;
    return AIO_OK;
}

static void aio__tls_e_unload(aio_tls_config *c) {
    aio__ossl *e = (aio__ossl *)c->engine;
    SSL_CTX_free(e->ctx);
    BIO_meth_free(e->bio);
    AIO_FREE(e);
}

static aio_status aio__tls_e_new(aio_tls *tls) {
    aio__ossl *e = (aio__ossl *)tls->config->engine;
    SSL *ssl;
    BIO *bio;
    ERR_clear_error();
#ifdef AIO__OSSL_SIM_RAND
    aio__ossl_sim_rand_set();
#endif
    ssl = SSL_new(e->ctx);
    bio = ssl ? BIO_new(e->bio) : NULL; /* LCOV_EXCL_BR_LINE: out of memory */
    if (!bio) { /* LCOV_EXCL_START: out of memory */
        SSL_free(ssl);
        aio__ossl_reason(tls->error, sizeof tls->error);
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    BIO_set_data(bio, tls);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl, bio, bio); /* (the session owns it) */
    if (tls->config->flags & AIO_TLS_SERVER)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    tls->engine = ssl;
    return AIO_OK;
}

static void aio__tls_e_delete(aio_tls *tls) { SSL_free((SSL *)tls->engine); }

/* A client's server name: sent (SNI) unless it is an address, and the
 * certificate's name (or address) checked against it unless verification
 * is off. */
static aio_status aio__tls_e_name(aio_tls *tls, const char *name) {
    SSL *ssl = (SSL *)tls->engine;
    int verify = !(tls->config->flags & AIO_TLS_NO_VERIFY);
    ASN1_OCTET_STRING *ip;
    if (!name) return AIO_OK;
    ERR_clear_error();
    ip = a2i_IPADDRESS(name);
    if (ip) {
        ASN1_OCTET_STRING_free(ip);
        if (!verify || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)) /* LCOV_EXCL_BR_LINE */
            return AIO_OK; /* (an address it has just parsed: always taken) */
    } else if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                        AIO__UNCONST(char, name))) { /* (SSL_set_tlsext_host_name, whose cast
                                                         -Wcast-qual reports in the user's build) */
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!verify || SSL_set1_host(ssl, name)) return AIO_OK; /* LCOV_EXCL_BR_LINE: (out of memory) */
    }
    aio__ossl_reason(tls->error, sizeof tls->error); /* (a name too long to send) */
    return AIO_EINVAL;
}

/* Why the last call of the session failed (ret: what it returned): a way
 * to wait, the end (0), or a status, with tls->error saying why. */
static aio_status aio__ossl_failed(aio_tls *tls, int ret, int handshake) {
    SSL *ssl = (SSL *)tls->engine;
    int e = SSL_get_error(ssl, ret);
    unsigned long code = ERR_peek_error();
    long verified = SSL_get_verify_result(ssl);
    aio_status rc = AIO_ETLS;
    if (e == SSL_ERROR_WANT_READ) return AIO_WANT_READ;
    if (e == SSL_ERROR_WANT_WRITE) return AIO_WANT_WRITE;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_SSL && verified != X509_V_OK && ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: %s",
                       X509_verify_cert_error_string(verified));
        rc = AIO_ECERT;
    } else if (tls->io_status) {
        (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(tls->io_status));
        rc = tls->io_status;
    } else if (tls->eof && handshake) {
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection during the handshake");
    } else if (tls->eof) {
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection without close_notify "
                                                      "(AIO_TLS_LENIENT_EOF reads that as the end)");
        rc = AIO_ETRUNCATED;
    } else {
        aio__ossl_reason(tls->error, sizeof tls->error);
    }
    ERR_clear_error();
    return rc;
}

static aio_status aio__tls_e_handshake(aio_tls *tls) {
    int ret;
    ERR_clear_error();
    tls->io_status = 0;
    ret = SSL_do_handshake((SSL *)tls->engine);
    return ret == 1 ? AIO_OK : aio__ossl_failed(tls, ret, 1);
}

static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len) {
    size_t n = 0;
    ERR_clear_error();
    tls->io_status = 0;
    if (SSL_read_ex((SSL *)tls->engine, buf, len, &n)) return (aio_status)n; /* (n <= len: a stream's room) */
    return aio__ossl_failed(tls, 0, 0);
}

static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len) {
    size_t n = 0;
    ERR_clear_error();
    tls->io_status = 0;
    if (SSL_write_ex((SSL *)tls->engine, buf, len, &n)) return (aio_status)n; /* (a record at most) */
    return aio__ossl_failed(tls, 0, 0);
}

static aio_status aio__tls_e_shutdown(aio_tls *tls) {
    int ret;
    ERR_clear_error();
    tls->io_status = 0;
    ret = SSL_shutdown((SSL *)tls->engine);
    if (ret >= 0) return ret; /* 0: ours sent; 1: and the peer's had */
    if (tls->io_status && (SSL_get_shutdown((SSL *)tls->engine) & SSL_RECEIVED_SHUTDOWN)) {
        ERR_clear_error();
        return 1; /* (the peer ended first, and closed: ours has nowhere to go) */
    }
    return aio__ossl_failed(tls, ret, 0);
}

static const aio_tls_engine aio__tls_openssl = {
    "OpenSSL", aio__tls_e_load, aio__tls_e_unload, aio__tls_e_new, aio__tls_e_delete, aio__tls_e_name,
    aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write, aio__tls_e_shutdown};
AIO__TLS_BUILTIN(aio__tls_openssl)
#endif /* AIO__TLS_OPENSSL */

#ifdef AIO__TLS_MBEDTLS
