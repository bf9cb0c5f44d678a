// >>tls-mbedtls
/* ----------------------------------------------------- TLS: Mbed TLS's engine */

/* Mbed TLS 2.28 (Debian's libmbedtls-dev). A configuration is an
 * mbedtls_ssl_config with what it points to: the trusted CAs, this side's
 * certificate and key, a random generator seeded from the system's entropy
 * (in a simulation, the simulation's: aio__mbed_random; the sessions of one
 * configuration belong to one thread); a session an
 * mbedtls_ssl_context whose transport callbacks read and write the socket
 * through aio__tls_io_recv and aio__tls_io_send. Mbed TLS 2.28 checks a
 * certificate's names but not its addresses: a client that verifies an
 * address checks it against the certificate's iPAddress names itself, once
 * the handshake is done. With no CAs given, the system's trust store is the
 * first of the usual bundle files that exists. */
typedef struct aio__mbed {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca, own;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} aio__mbed;
typedef struct aio__mbed_session {
    mbedtls_ssl_context ssl;
    unsigned char ip[16]; /* the address a client verifies (ip_len: 4 or 16), or none */
    uint8_t ip_len;
    uint8_t peer_closed;  /* the peer's close_notify came */
} aio__mbed_session;
static const char *const aio__mbed_trust[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                              "/etc/ssl/cert.pem", NULL};

static int aio__mbed_send(void *ctx, const unsigned char *buf, size_t len) {
    aio_status rc = aio__tls_io_send((aio_tls *)ctx, buf, len);
    if (rc >= 0) return rc;
    return rc == AIO__AGAIN ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_NET_SEND_FAILED;
}
static int aio__mbed_recv(void *ctx, unsigned char *buf, size_t len) {
    aio_status rc = aio__tls_io_recv((aio_tls *)ctx, buf, len);
    if (rc >= 0) return rc;
    return rc == AIO__AGAIN ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The engine's random bytes: the configuration's generator; in a
 * simulation, the simulation's seeded one (aio_sim_random), so that a run
 * replays by its seed: its keys, nonces and randoms (not the wall clock's
 * seconds Mbed TLS puts in each hello: docs/simulation.md). */
static int aio__mbed_random(void *drbg, unsigned char *out, size_t len) {
#ifdef AIO__SIM
    if (aio_sim_active()) {
        size_t i;
        for (i = 0; i < len; i++) out[i] = (unsigned char)aio_sim_random(256);
        return 0;
    }
#endif
    return mbedtls_ctr_drbg_random(drbg, out, len);
}

static void aio__mbed_unload(aio__mbed *e) {
    mbedtls_ssl_config_free(&e->conf);
    mbedtls_x509_crt_free(&e->ca);
    mbedtls_x509_crt_free(&e->own);
    mbedtls_pk_free(&e->key);
    mbedtls_ctr_drbg_free(&e->drbg);
    mbedtls_entropy_free(&e->entropy);
    AIO_FREE(e);
}
/* A configuration that could not load: why, in c->error. */
static aio_status aio__mbed_load_failed(aio_tls_config *c, aio__mbed *e, const char *what, const char *file, int ret) {
    char reason[96];
    mbedtls_strerror(ret, reason, sizeof reason);
    (void)snprintf(c->error, sizeof c->error, "%s%s%s: %s", what, file ? " " : "", file ? file : "", /* LCOV_EXCL_BR_LINE: (below) */
                   reason); /* (no file: only the failures that cannot happen) */
    aio__mbed_unload(e);
    return AIO_ETLS;
}

static aio_status aio__tls_e_load(aio_tls_config *c) {
    int server = (c->flags & AIO_TLS_SERVER) != 0;
    int verify = server ? (c->flags & AIO_TLS_VERIFY_CLIENT) != 0 : !(c->flags & AIO_TLS_NO_VERIFY);
    aio__mbed *e = (aio__mbed *)AIO_MALLOC(sizeof *e);
    int ret;
    int i;
    if (!e) {
        (void)snprintf(c->error, sizeof c->error, "out of memory");
        return AIO_ETLS;
    }
    memset(e, 0, sizeof *e);
    mbedtls_ssl_config_init(&e->conf);
    mbedtls_x509_crt_init(&e->ca);
    mbedtls_x509_crt_init(&e->own);
    mbedtls_pk_init(&e->key);
    mbedtls_entropy_init(&e->entropy);
    mbedtls_ctr_drbg_init(&e->drbg);
    ret = mbedtls_ctr_drbg_seed(&e->drbg, mbedtls_entropy_func, &e->entropy, (const unsigned char *)"aio_timeout", 11);
    if (!ret) /* LCOV_EXCL_BR_LINE: (seeding fails only without entropy) */
        ret = mbedtls_ssl_config_defaults(&e->conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret) return aio__mbed_load_failed(c, e, "the TLS engine could not start", NULL, ret); /* LCOV_EXCL_LINE */
    mbedtls_ssl_conf_rng(&e->conf, aio__mbed_random, &e->drbg);
    mbedtls_ssl_conf_min_version(&e->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
    mbedtls_ssl_conf_authmode(&e->conf, verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    if (verify) {
        if (c->ca_file && (ret = mbedtls_x509_crt_parse_file(&e->ca, c->ca_file)) != 0)
            return aio__mbed_load_failed(c, e, "cannot load the trusted CAs from", c->ca_file, ret);
        if (c->ca_dir && (ret = mbedtls_x509_crt_parse_path(&e->ca, c->ca_dir)) < 0)
            return aio__mbed_load_failed(c, e, "cannot load the trusted CAs from", c->ca_dir, ret);
        for (i = 0, ret = -1; !c->ca_file && !c->ca_dir && ret < 0 && aio__mbed_trust[i]; i++) /* LCOV_EXCL_BR_LINE: (one found) */
            ret = mbedtls_x509_crt_parse_file(&e->ca, aio__mbed_trust[i]);
        if (!c->ca_file && !c->ca_dir && ret < 0) /* LCOV_EXCL_START: (a system without a trust store) */
            return aio__mbed_load_failed(c, e, "cannot load the system's trust store (give ca_file)", NULL, ret);
        /* LCOV_EXCL_STOP */
        mbedtls_ssl_conf_ca_chain(&e->conf, &e->ca, NULL);
    }
    if (c->cert_file) {
        if ((ret = mbedtls_x509_crt_parse_file(&e->own, c->cert_file)) != 0)
            return aio__mbed_load_failed(c, e, "cannot use the certificate", c->cert_file, ret);
        if ((ret = mbedtls_pk_parse_keyfile(&e->key, c->key_file, NULL)) != 0 ||
            (ret = mbedtls_ssl_conf_own_cert(&e->conf, &e->own, &e->key)) != 0)
            return aio__mbed_load_failed(c, e, "cannot use the private key", c->key_file, ret);
        if (mbedtls_pk_check_pair(&e->own.pk, &e->key) != 0) {
            (void)snprintf(c->error, sizeof c->error, "cannot use the private key %s: key values mismatch", c->key_file);
            aio__mbed_unload(e);
            return AIO_ETLS;
        }
    }
    c->engine = e;
    return AIO_OK;
}

static void aio__tls_e_unload(aio_tls_config *c) { aio__mbed_unload((aio__mbed *)c->engine); }

static aio_status aio__tls_e_new(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)AIO_MALLOC(sizeof *m);
    int ret;
    if (!m) {
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        return AIO_ETLS;
    }
    memset(m, 0, sizeof *m);
    mbedtls_ssl_init(&m->ssl);
    ret = mbedtls_ssl_setup(&m->ssl, &((aio__mbed *)tls->config->engine)->conf);
    if (ret) { /* LCOV_EXCL_START: out of memory */
        mbedtls_strerror(ret, tls->error, sizeof tls->error);
        mbedtls_ssl_free(&m->ssl);
        AIO_FREE(m);
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    mbedtls_ssl_set_bio(&m->ssl, tls, aio__mbed_send, aio__mbed_recv, NULL);
    tls->engine = m;
    return AIO_OK;
}

static void aio__tls_e_delete(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    mbedtls_ssl_free(&m->ssl);
    AIO_FREE(m);
}

static aio_status aio__tls_e_name(aio_tls *tls, const char *name) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    if (!name) return AIO_OK;
    if (inet_pton(AF_INET, name, m->ip) == 1) {
        m->ip_len = 4;
    } else if (inet_pton(AF_INET6, name, m->ip) == 1) {
        m->ip_len = 16;
    } else if ((ret = mbedtls_ssl_set_hostname(&m->ssl, name)) != 0) { /* (sent, and verified) */
        mbedtls_strerror(ret, tls->error, sizeof tls->error);
        return AIO_EINVAL;
    }
    if (tls->config->flags & AIO_TLS_NO_VERIFY) m->ip_len = 0;
    return AIO_OK;
}

/* The peer's alerts by name, as the other engines say them. */
static const char *aio__mbed_alert(unsigned char code) {
    static const struct { unsigned char code; const char *name; } names[] = {
        {10, "unexpected message"}, {20, "bad record mac"}, {40, "handshake failure"},
        {42, "bad certificate"}, {43, "unsupported certificate"}, {44, "certificate revoked"},
        {45, "certificate expired"}, {46, "certificate unknown"}, {47, "illegal parameter"},
        {48, "unknown ca"}, {49, "access denied"}, {50, "decode error"}, {51, "decrypt error"},
        {70, "protocol version"}, {71, "insufficient security"}, {80, "internal error"},
        {112, "unrecognized name"}, {116, "certificate required"}, {120, "no application protocol"}};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code) return names[i].name;
    return "of an unknown kind"; /* LCOV_EXCL_LINE */
}

/* Why the last call of the session failed (ret: what it returned): a way
 * to wait, the end (0), or a status, with tls->error saying why. */
static aio_status aio__mbed_failed(aio_tls *tls, int ret, int handshake) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) return AIO_WANT_READ;
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) return AIO_WANT_WRITE;
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        m->peer_closed = 1;
        return 0;
    }
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        char why[96];
        char *nl;
        (void)mbedtls_x509_crt_verify_info(why, sizeof why, "", mbedtls_ssl_get_verify_result(&m->ssl));
        nl = strchr(why, '\n');
        if (nl) *nl = '\0';
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: %s", why);
        return AIO_ECERT;
    }
    if (tls->io_status) {
        (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(tls->io_status));
        return tls->io_status;
    }
    if (tls->eof || ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        if (handshake) {
            (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection during the handshake");
            return AIO_ETLS;
        }
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection without close_notify "
                                                      "(AIO_TLS_LENIENT_EOF reads that as the end)");
        return AIO_ETRUNCATED;
    }
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        (void)snprintf(tls->error, sizeof tls->error, "the peer's alert: %s", aio__mbed_alert(m->ssl.in_msg[1]));
    else if (ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE)
        (void)snprintf(tls->error, sizeof tls->error, "the peer sent no certificate, and one is required");
    else
        mbedtls_strerror(ret, tls->error, sizeof tls->error);
    return AIO_ETLS;
}

/* A client's check of the address it verifies against the certificate's
 * iPAddress names (Mbed TLS 2.28 checks names only). */
static aio_status aio__mbed_check_ip(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&m->ssl);
    const mbedtls_x509_sequence *san;
    for (san = peer ? &peer->subject_alt_names : NULL; san; san = san->next) /* LCOV_EXCL_BR_LINE: (verified: a peer) */
        if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == m->ip_len &&
            memcmp(san->buf.p, m->ip, m->ip_len) == 0)
            return AIO_OK;
    (void)mbedtls_ssl_send_alert_message(&m->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
    (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: IP address mismatch");
    return AIO_ECERT;
}

static aio_status aio__tls_e_handshake(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    tls->io_status = 0;
    ret = mbedtls_ssl_handshake(&m->ssl);
    if (ret == 0) return m->ip_len ? aio__mbed_check_ip(tls) : AIO_OK;
    return aio__mbed_failed(tls, ret, 1);
}

static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    if (m->peer_closed) return 0;
    tls->io_status = 0;
    ret = mbedtls_ssl_read(&m->ssl, (unsigned char *)buf, len);
    return ret > 0 ? ret : aio__mbed_failed(tls, ret, 0);
}

static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    tls->io_status = 0;
    ret = mbedtls_ssl_write(&m->ssl, (const unsigned char *)buf, len);
    return ret > 0 ? ret : aio__mbed_failed(tls, ret, 0);
}

static aio_status aio__tls_e_shutdown(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    tls->io_status = 0;
    ret = mbedtls_ssl_close_notify(&m->ssl);
    if (ret == 0) return m->peer_closed; /* 0: ours sent; 1: and the peer's had */
    if (tls->io_status && m->peer_closed) return 1; /* (the peer ended first, and closed) */
    return aio__mbed_failed(tls, ret, 0);
}

static const aio_tls_engine aio__tls_mbedtls = {
    "Mbed TLS", aio__tls_e_load, aio__tls_e_unload, aio__tls_e_new, aio__tls_e_delete, aio__tls_e_name,
    aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write, aio__tls_e_shutdown};
AIO__TLS_BUILTIN(aio__tls_mbedtls)
#endif /* AIO__TLS_MBEDTLS */

#ifdef AIO__TLS_SCHANNEL
