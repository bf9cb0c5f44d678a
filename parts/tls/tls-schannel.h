// >>tls-schannel
/* ----------------------------------------------------- TLS: SChannel's engine */

/* Windows' own TLS: SChannel through secur32, the certificates through
 * crypt32 (link -lsecur32 -lcrypt32 -lws2_32; MSVC is told so in >>impl). A
 * client only: a configuration is a credentials handle (TLS 1.2 at least)
 * and, with ca_file, a memory store of those CAs; a session a security
 * context and its two buffers: `in`, the records read from the socket and
 * not yet decrypted (DecryptMessage decrypts one in place: its plain text
 * is taken from there, the next records' bytes after it kept), and `out`,
 * a handshake token, a record or the close_notify not yet sent (a write
 * that meets a full socket keeps its record there: the next call, with the
 * same bytes, sends the rest). SChannel never sees the socket: its tokens
 * and records go through aio__tls_io_recv and aio__tls_io_send.
 *
 * The server's certificate is verified here, once the handshake is done
 * (SCH_CRED_MANUAL_CRED_VALIDATION, as SChannel's own check may block on
 * the network): its chain built by CertGetCertificateChain from the
 * certificates the server sent and what Windows has cached, never fetched
 * (CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL: the server sends its chain, as
 * OpenSSL requires too); without ca_file its root must be in the
 * system's store; with ca_file it must be one of those CAs and nothing else
 * (the system's roots are not trusted then, as OpenSSL's
 * load_verify_locations); then the SSL policy checks the name (an address:
 * the certificate's iPAddress names, checked here, as wine's policy reads
 * host names only). A server
 * (AcceptSecurityContext, a certificate and its key) and a client's
 * certificate are not done: aio_tls_config_load refuses them (AIO_EINVAL);
 * wine's SChannel, where this engine is tested, has no server side
 * (tests/windows/README.md). */
#define AIO__SCH_IN (16384u + 2048u + 512u) /* a record at most: 5 + 2^14 + 2048 (TLS 1.2's expansion) */
#define AIO__SCH_IN_MAX ((size_t)8 * AIO__SCH_IN) /* a handshake's flight that SChannel wants whole (a long chain) */
#define AIO__SCH_REQ                                                                                     \
    (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY | \
     ISC_REQ_STREAM | ISC_REQ_MANUAL_CRED_VALIDATION)
#define AIO__SCH_IGNORE_UNKNOWN_CA 0x00000100u /* (wininet.h's SECURITY_FLAG_IGNORE_UNKNOWN_CA) */
#define AIO__SCH_IGNORE_NAME 0x00001000u       /* (and SECURITY_FLAG_IGNORE_CERT_CN_INVALID) */
typedef struct aio__sch {
    CredHandle cred;
    HCERTSTORE roots; /* ca_file's CAs, the only roots trusted (NULL: the system's store) */
} aio__sch;
typedef struct aio__sch_session {
    CtxtHandle ctx;
    SecPkgContext_StreamSizes sizes;
    unsigned char *in, *out;
    size_t in_len, in_size;     /* the bytes in `in`, its size */
    size_t plain_at, plain_end; /* the plain text decrypted in `in` and not yet taken */
    size_t extra;               /* the next records' bytes: the last `extra` of `in` */
    size_t out_len, out_at, out_size;
    size_t out_plain;           /* the plain bytes of a write that the record in `out` carries */
    char name[256];             /* the server's name (sent, and verified) */
    uint8_t has_ctx, more, negotiated, reneg, peer_closed, closing;
    uint8_t now; /* SEC_I_RENEGOTIATE: SChannel is called at once, with what `in` holds (maybe nothing) */
} aio__sch_session;

/* SChannel's and crypt32's statuses in words; *cert: a certificate's. */
static const char *aio__sch_words(long ss, int *cert) {
    static const struct { long ss; int cert; const char *words; } words[] = {
        {(long)SEC_E_UNTRUSTED_ROOT, 1, "certificate verify failed: unknown authority (the chain's root is not trusted)"},
        {(long)CERT_E_UNTRUSTEDROOT, 1, "certificate verify failed: unknown authority (the chain's root is not trusted)"},
        {(long)CERT_E_CHAINING, 1, "certificate verify failed: unknown authority (unable to get the issuer's certificate)"},
        {(long)SEC_E_CERT_EXPIRED, 1, "certificate verify failed: certificate has expired"},
        {(long)CERT_E_EXPIRED, 1, "certificate verify failed: certificate has expired (or is not yet valid)"},
        {(long)SEC_E_WRONG_PRINCIPAL, 1, "certificate verify failed: name mismatch"},
        {(long)CERT_E_CN_NO_MATCH, 1, "certificate verify failed: name mismatch (the certificate is for another name)"},
        {(long)CERT_E_REVOKED, 1, "certificate verify failed: certificate revoked"},
        {(long)CERT_E_WRONG_USAGE, 1, "certificate verify failed: the certificate is not for a TLS server"},
        {(long)TRUST_E_CERT_SIGNATURE, 1, "certificate verify failed: a signature of the chain is wrong"},
        {(long)SEC_E_CERT_UNKNOWN, 1, "certificate verify failed: the certificate was not understood"},
        {(long)SEC_E_ALGORITHM_MISMATCH, 0, "no protocol version or cipher suite in common (SEC_E_ALGORITHM_MISMATCH)"},
        {(long)SEC_E_ILLEGAL_MESSAGE, 0, "the peer's alert, or a message that is not TLS (SEC_E_ILLEGAL_MESSAGE)"},
        {(long)SEC_E_INVALID_TOKEN, 0, "the bytes are not TLS (SEC_E_INVALID_TOKEN)"},
        {(long)SEC_E_DECRYPT_FAILURE, 0, "a record did not decrypt (SEC_E_DECRYPT_FAILURE)"},
        {(long)SEC_E_MESSAGE_ALTERED, 0, "a record was altered (SEC_E_MESSAGE_ALTERED)"},
        {(long)SEC_E_INTERNAL_ERROR, 0, "SChannel's internal error (SEC_E_INTERNAL_ERROR)"},
        {(long)SEC_E_INSUFFICIENT_MEMORY, 0, "out of memory (SEC_E_INSUFFICIENT_MEMORY)"}};
    size_t i;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (words[i].ss == ss) {
            *cert = words[i].cert;
            return words[i].words;
        }
    *cert = 0;
    return NULL;
}
/* A call that failed with ss: why in tls->error (`what` for a status with
 * no words here), AIO_ECERT or AIO_ETLS. */
static aio_status aio__sch_failed(aio_tls *tls, long ss, const char *what) {
    int cert;
    const char *words = aio__sch_words(ss, &cert);
    if (words)
        (void)snprintf(tls->error, sizeof tls->error, "%s", words);
    else
        (void)snprintf(tls->error, sizeof tls->error, "%s (SChannel: 0x%08lx)", what, (unsigned long)ss);
    return cert ? AIO_ECERT : AIO_ETLS;
}

/* What `out` holds, sent: AIO_OK, AIO_WANT_WRITE, or the socket's error. */
static aio_status aio__sch_flush(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    while (m->out_at < m->out_len) {
        aio_status rc = aio__tls_io_send(tls, m->out + m->out_at, m->out_len - m->out_at);
        if (rc == AIO__AGAIN) return AIO_WANT_WRITE;
        if (rc < 0) {
            (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(rc));
            return rc;
        }
        m->out_at += (size_t)rc;
    }
    m->out_at = m->out_len = 0;
    return AIO_OK;
}
/* Room for n more bytes in `out`: a pointer to them, or NULL. */
static unsigned char *aio__sch_room(aio__sch_session *m, size_t n) {
    if (m->out_len + n > m->out_size) {
        unsigned char *grown = (unsigned char *)AIO_REALLOC(m->out, m->out_len + n);
        if (!grown) return NULL; /* LCOV_EXCL_LINE: out of memory */
        m->out = grown;
        m->out_size = m->out_len + n;
    }
    return m->out + m->out_len;
}
/* A token SChannel made (a handshake's, the close_notify), queued in `out`
 * and given back to SChannel. */
static aio_status aio__sch_queue(aio_tls *tls, SecBuffer *token) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    unsigned char *to;
    aio_status rc = AIO_OK;
    if (!token->pvBuffer) return AIO_OK;
    to = token->cbBuffer ? aio__sch_room(m, token->cbBuffer) : m->out;
    if (to) {
        memcpy(to, token->pvBuffer, token->cbBuffer);
        m->out_len += token->cbBuffer;
    } else { /* LCOV_EXCL_START: out of memory */
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        rc = AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    (void)FreeContextBuffer(token->pvBuffer);
    token->pvBuffer = NULL;
    return rc;
}

/* More of the peer's bytes into `in`: AIO_OK, AIO_WANT_READ, or why not (the
 * peer's end: in a handshake, AIO_ETLS; after it, AIO_ETRUNCATED). */
static aio_status aio__sch_fill(aio_tls *tls, int handshake) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio_status rc;
    if (m->in_len == m->in_size && handshake && m->in_size < AIO__SCH_IN_MAX) { /* (SChannel wants more at once) */
        unsigned char *grown = (unsigned char *)AIO_REALLOC(m->in, 2 * m->in_size);
        if (grown) {
            m->in = grown;
            m->in_size *= 2;
        }
    }
    if (m->in_len == m->in_size) {
        (void)snprintf(tls->error, sizeof tls->error, "%s", handshake ? "a handshake message longer than this engine takes"
                                                                       : "a record longer than TLS allows");
        return AIO_ETLS;
    }
    rc = aio__tls_io_recv(tls, m->in + m->in_len, m->in_size - m->in_len);
    if (rc > 0) {
        m->in_len += (size_t)rc;
        m->more = 0;
        return AIO_OK;
    }
    if (rc == AIO__AGAIN) return AIO_WANT_READ;
    if (rc < 0) {
        (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(rc));
        return rc;
    }
    if (handshake) {
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection during the handshake");
        return AIO_ETLS;
    }
    (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection without close_notify "
                                                  "(AIO_TLS_LENIENT_EOF reads that as the end)");
    return AIO_ETRUNCATED;
}

/* The bytes after the plain text taken (the next records') moved to the
 * start of `in`. */
static void aio__sch_taken(aio__sch_session *m) {
    memmove(m->in, m->in + m->in_len - m->extra, m->extra);
    m->in_len = m->extra;
    m->extra = 0;
    m->plain_at = m->plain_end = 0;
}

/* The header of the record `in` begins with, checked before SChannel sees
 * it: SChannel takes bytes that are not TLS for the start of a long record
 * and waits for the rest (a server that answers the hello in plain text,
 * "HTTP/1.1 400 Bad Request", until the deadline), where OpenSSL and Mbed
 * TLS refuse them at once. A type (20-24: change_cipher_spec, alert,
 * handshake, application_data, heartbeat), version 3.x, a length TLS
 * allows: AIO_OK, else AIO_ETLS with the bytes' start in the reason. */
static aio_status aio__sch_header(aio_tls *tls) {
    const aio__sch_session *m = (const aio__sch_session *)tls->engine;
    const unsigned char *h = m->in;
    size_t n = m->in_len;
    char seen[32];
    size_t i;
    if ((h[0] >= 20 && h[0] <= 24) && (n < 2 || h[1] == 3) &&
        (n < 5 || (((size_t)h[3] << 8) | h[4]) <= (size_t)16384 + 2048))
        return AIO_OK;
    for (i = 0; i < n && i + 1 < sizeof seen && h[i] >= 0x20 && h[i] < 0x7f; i++) seen[i] = (char)h[i];
    seen[i] = '\0';
    (void)snprintf(tls->error, sizeof tls->error, "the peer's bytes are not TLS (they begin \"%s\"): a plain-text "
                                                  "server?", seen);
    return AIO_ETLS;
}

/* The handshake's steps (the first, or one the peer asked for after it:
 * SEC_I_RENEGOTIATE), until SChannel has what it needs and its last token
 * is sent: AIO_OK, AIO_WANT_READ, AIO_WANT_WRITE, or why not. */
static aio_status aio__sch_negotiate(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio__sch *e = (aio__sch *)tls->config->engine;
    int asked = 0; /* (SEC_I_INCOMPLETE_CREDENTIALS: the server asked for a client's certificate) */
    for (;;) {
        SecBuffer in[2];
        SecBuffer out[1];
        SecBufferDesc in_desc;
        SecBufferDesc out_desc;
        unsigned long attributes = 0;
        SECURITY_STATUS ss;
        aio_status rc = aio__sch_flush(tls);
        if (rc != AIO_OK) return rc;
        if (m->negotiated) return AIO_OK;
        if (m->has_ctx && !m->now && (m->in_len == 0 || m->more)) {
            rc = aio__sch_fill(tls, 1);
            if (rc == AIO_OK) rc = aio__sch_header(tls);
            if (rc != AIO_OK) return rc;
        }
        in[0].BufferType = SECBUFFER_TOKEN;
        in[0].pvBuffer = m->in;
        in[0].cbBuffer = (unsigned long)m->in_len;
        in[1].BufferType = SECBUFFER_EMPTY;
        in[1].pvBuffer = NULL;
        in[1].cbBuffer = 0;
        out[0].BufferType = SECBUFFER_TOKEN;
        out[0].pvBuffer = NULL;
        out[0].cbBuffer = 0;
        in_desc.ulVersion = out_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 2;
        in_desc.pBuffers = in;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = out;
        ss = InitializeSecurityContextA(&e->cred, m->has_ctx ? &m->ctx : NULL, m->name[0] ? m->name : NULL,
                                        AIO__SCH_REQ, 0, 0, m->has_ctx ? &in_desc : NULL, 0, &m->ctx, &out_desc,
                                        &attributes, NULL);
        if (ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED) m->has_ctx = 1;
        m->now = 0;
        rc = aio__sch_queue(tls, &out[0]); /* (a failure may have made an alert) */
        if (ss == SEC_E_INCOMPLETE_MESSAGE) {
            m->more = 1;
            continue;
        }
        if (ss == SEC_I_INCOMPLETE_CREDENTIALS && !asked++) continue; /* (go on without: the server decides) */
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            (void)aio__sch_flush(tls); /* (the alert, if any: the peer hears why) */
            return aio__sch_failed(tls, (long)ss, "the handshake failed");
        }
        if (rc != AIO_OK) return rc; /* LCOV_EXCL_LINE: out of memory */
        m->extra = in[1].BufferType == SECBUFFER_EXTRA ? in[1].cbBuffer : 0;
        if (!m->has_ctx || m->extra > m->in_len) m->extra = 0; /* (the first call has no input) */
        aio__sch_taken(m);
        if (ss == SEC_E_OK) m->negotiated = 1;
    }
}

/* Whether the certificate names the address ip[0..len) among its
 * iPAddress names (the SSL policy checks host names only, under wine). */
static int aio__sch_has_ip(PCCERT_CONTEXT cert, const unsigned char *ip, DWORD len) {
    PCERT_EXTENSION ext = CertFindExtension(szOID_SUBJECT_ALT_NAME2, cert->pCertInfo->cExtension,
                                            cert->pCertInfo->rgExtension);
    CERT_ALT_NAME_INFO *info = NULL;
    DWORD size = 0;
    DWORD i;
    int found = 0;
    if (!ext || !CryptDecodeObjectEx(X509_ASN_ENCODING, X509_ALTERNATE_NAME, ext->Value.pbData, ext->Value.cbData,
                                     CRYPT_DECODE_ALLOC_FLAG, NULL, &info, &size))
        return 0;
    for (i = 0; i < info->cAltEntry; i++)
        if (info->rgAltEntry[i].dwAltNameChoice == CERT_ALT_NAME_IP_ADDRESS &&
            info->rgAltEntry[i].IPAddress.cbData == len && memcmp(info->rgAltEntry[i].IPAddress.pbData, ip, len) == 0)
            found = 1;
    (void)LocalFree(info);
    return found;
}

/* The verification's failure: ss, in words, and AIO_ECERT. */
static aio_status aio__sch_refuse(aio_tls *tls, long ss) {
    aio_status rc = aio__sch_failed(tls, ss, "certificate verify failed");
    return rc == AIO_ETLS ? AIO_ECERT : rc;
}
/* What the chain's trust status says, as a status (0: nothing wrong); with
 * ca_file's CAs, its root must be one of them. */
static long aio__sch_trust(const aio__sch *e, PCCERT_CHAIN_CONTEXT chain) {
    DWORD trust = chain->TrustStatus.dwErrorStatus &
                  ~(DWORD)(CERT_TRUST_REVOCATION_STATUS_UNKNOWN | CERT_TRUST_IS_OFFLINE_REVOCATION);
    if (e->roots && chain->cChain > 0 && chain->rgpChain[0]->cElement > 0) { /* its root: one of ca_file's? */
        const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
        PCCERT_CONTEXT root = simple->rgpElement[simple->cElement - 1]->pCertContext;
        PCCERT_CONTEXT found = CertFindCertificateInStore(e->roots, X509_ASN_ENCODING, 0, CERT_FIND_EXISTING, root, NULL);
        if (found) {
            CertFreeCertificateContext(found);
            trust &= ~(DWORD)CERT_TRUST_IS_UNTRUSTED_ROOT;
        } else {
            trust |= CERT_TRUST_IS_UNTRUSTED_ROOT; /* (even a root of the system's) */
        }
    }
    if (trust & CERT_TRUST_IS_PARTIAL_CHAIN) return (long)CERT_E_CHAINING;
    if (trust & CERT_TRUST_IS_UNTRUSTED_ROOT) return (long)CERT_E_UNTRUSTEDROOT;
    if (trust & CERT_TRUST_IS_NOT_TIME_VALID) return (long)CERT_E_EXPIRED;
    if (trust & CERT_TRUST_IS_NOT_SIGNATURE_VALID) return (long)TRUST_E_CERT_SIGNATURE;
    if (trust & CERT_TRUST_IS_REVOKED) return (long)CERT_E_REVOKED;
    if (trust & CERT_TRUST_IS_NOT_VALID_FOR_USAGE) return (long)CERT_E_WRONG_USAGE;
    return trust ? (long)CERT_E_CHAINING : 0;
}

/* The server's name, by the SSL policy (its root was checked before; an
 * address: here, against the certificate's iPAddress names). */
static long aio__sch_name(aio_tls *tls, PCCERT_CONTEXT peer, PCCERT_CHAIN_CONTEXT chain) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    CERT_CHAIN_POLICY_PARA policy;
    CERT_CHAIN_POLICY_STATUS status;
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl;
    wchar_t name[256];
    unsigned char ip[16];
    DWORD ip_len = 0;
    if (inet_pton(AF_INET, m->name, ip) == 1)
        ip_len = 4;
    else if (inet_pton(AF_INET6, m->name, ip) == 1)
        ip_len = 16;
    if (ip_len && !aio__sch_has_ip(peer, ip, ip_len)) {
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: IP address mismatch");
        return (long)CERT_E_CN_NO_MATCH;
    }
    if (!MultiByteToWideChar(CP_UTF8, 0, m->name, -1, name, (int)(sizeof name / sizeof name[0]))) name[0] = 0;
    memset(&ssl, 0, sizeof ssl);
    ssl.cbSize = sizeof ssl;
    ssl.dwAuthType = AUTHTYPE_SERVER;
    ssl.fdwChecks = (((aio__sch *)tls->config->engine)->roots ? AIO__SCH_IGNORE_UNKNOWN_CA : 0) |
                    (ip_len ? AIO__SCH_IGNORE_NAME : 0);
    ssl.pwszServerName = name;
    memset(&policy, 0, sizeof policy);
    policy.cbSize = sizeof policy;
    policy.pvExtraPolicyPara = &ssl;
    memset(&status, 0, sizeof status);
    status.cbSize = sizeof status;
    if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy, &status))
        return (long)GetLastError(); /* LCOV_EXCL_LINE: (the SSL policy is always there) */
    return (long)status.dwError;
}

/* The server's certificate verified: its chain, its root, its name. */
static aio_status aio__sch_verify(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio__sch *e = (aio__sch *)tls->config->engine;
    PCCERT_CONTEXT peer = NULL;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    HCERTSTORE more = NULL;
    CERT_CHAIN_PARA para;
    long ss = 0;
    if (QueryContextAttributesA(&m->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&peer) != SEC_E_OK || !peer) {
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: the server sent no certificate");
        return AIO_ECERT;
    }
    memset(&para, 0, sizeof para);
    para.cbSize = sizeof para;
    if (e->roots) { /* the server's certificates and ca_file's, to build the chain from */
        more = CertOpenStore(CERT_STORE_PROV_COLLECTION, 0, 0, 0, NULL);
        if (more) {
            (void)CertAddStoreToCollection(more, peer->hCertStore, 0, 0);
            (void)CertAddStoreToCollection(more, e->roots, 0, 0);
        }
    }
    if ((e->roots && !more) || /* LCOV_EXCL_BR_LINE: out of memory */
        !CertGetCertificateChain(NULL, peer, NULL, more ? more : peer->hCertStore, &para,
                                 CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL, NULL, &chain)) /* (never the network) */
        ss = (long)GetLastError();
    else
        ss = aio__sch_trust(e, chain);
    if (!ss) ss = aio__sch_name(tls, peer, chain);
    if (chain) CertFreeCertificateChain(chain);
    if (more) (void)CertCloseStore(more, 0);
    CertFreeCertificateContext(peer);
    if (ss && tls->error[0]) return AIO_ECERT; /* (its words said: an address) */
    return ss ? aio__sch_refuse(tls, ss) : AIO_OK;
}

/* The trusted CAs of a PEM file, into a memory store: AIO_OK, or why not. */
static aio_status aio__sch_load_cas(aio_tls_config *c, aio__sch *e) {
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    FILE *f = fopen(c->ca_file, "rb");
    char *text = NULL;
    char *at;
    long size = -1;
    int count = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) text = (char *)AIO_MALLOC((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        (void)snprintf(c->error, sizeof c->error, "cannot load the trusted CAs from %s: %s", c->ca_file,
                       f ? "cannot read it" : strerror(errno));
        if (f) (void)fclose(f);
        AIO_FREE(text);
        return AIO_ETLS;
    }
    (void)fclose(f);
    text[size] = '\0';
    e->roots = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, NULL);
    for (at = strstr(text, begin); e->roots && at; at = strstr(at, begin)) {
        char *stop = strstr(at, end);
        BYTE *der = NULL;
        DWORD n = 0;
        if (!stop) break;
        stop += sizeof end - 1;
        if (CryptStringToBinaryA(at, (DWORD)(stop - at), CRYPT_STRING_BASE64HEADER, NULL, &n, NULL, NULL) &&
            (der = (BYTE *)AIO_MALLOC(n)) != NULL &&
            CryptStringToBinaryA(at, (DWORD)(stop - at), CRYPT_STRING_BASE64HEADER, der, &n, NULL, NULL) &&
            CertAddEncodedCertificateToStore(e->roots, X509_ASN_ENCODING, der, n, CERT_STORE_ADD_ALWAYS, NULL))
            count++;
        AIO_FREE(der);
        at = stop;
    }
    AIO_FREE(text);
    if (!count) {
        (void)snprintf(c->error, sizeof c->error, "cannot load the trusted CAs from %s: no PEM certificate in it",
                       c->ca_file);
        return AIO_ETLS;
    }
    return AIO_OK;
}

static void aio__sch_unload(aio__sch *e, int cred) {
    if (cred) (void)FreeCredentialsHandle(&e->cred);
    if (e->roots) (void)CertCloseStore(e->roots, 0);
    AIO_FREE(e);
}

static aio_status aio__tls_e_load(aio_tls_config *c) {
    static const unsigned long protocols[] = {SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT, SP_PROT_TLS1_2_CLIENT};
    aio__sch *e;
    SCHANNEL_CRED sc;
    SECURITY_STATUS ss = SEC_E_INTERNAL_ERROR;
    size_t i;
    if (c->flags & AIO_TLS_SERVER)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the SChannel engine (AIO_TLS_SCHANNEL) is a client's only: "
                               "no AIO_TLS_SERVER");
    if (c->cert_file)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the SChannel engine (AIO_TLS_SCHANNEL) shows no client "
                               "certificate: no cert_file");
    if (c->ca_dir)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the SChannel engine (AIO_TLS_SCHANNEL) takes its CAs from "
                               "ca_file (PEM), not ca_dir");
    e = (aio__sch *)AIO_MALLOC(sizeof *e);
    if (!e) { /* LCOV_EXCL_START: out of memory */
        (void)snprintf(c->error, sizeof c->error, "out of memory");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    memset(e, 0, sizeof *e);
    if (c->ca_file && !(c->flags & AIO_TLS_NO_VERIFY) && aio__sch_load_cas(c, e) != AIO_OK) {
        aio__sch_unload(e, 0);
        return AIO_ETLS;
    }
    /* TLS 1.2 and 1.3; a Windows that does not know 1.3 here refuses the
     * pair: then 1.2 alone */
    for (i = 0; i < sizeof protocols / sizeof protocols[0] && ss != SEC_E_OK; i++) {
        memset(&sc, 0, sizeof sc);
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.grbitEnabledProtocols = protocols[i];
        sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS | SCH_USE_STRONG_CRYPTO;
        ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                       &e->cred, NULL);
    }
    if (ss != SEC_E_OK) {
        (void)snprintf(c->error, sizeof c->error, "the TLS engine could not start: AcquireCredentialsHandle: 0x%08lx",
                       (unsigned long)ss);
        aio__sch_unload(e, 0);
        return AIO_ETLS;
    }
    c->engine = e;
    return AIO_OK;
}

static void aio__tls_e_unload(aio_tls_config *c) { aio__sch_unload((aio__sch *)c->engine, 1); }

static aio_status aio__tls_e_new(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)AIO_MALLOC(sizeof *m);
    unsigned char *in = (unsigned char *)AIO_MALLOC(AIO__SCH_IN);
    if (!m || !in) { /* LCOV_EXCL_START: out of memory */
        AIO_FREE(m);
        AIO_FREE(in);
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    memset(m, 0, sizeof *m);
    m->in = in;
    m->in_size = AIO__SCH_IN;
    tls->engine = m;
    return AIO_OK;
}

static void aio__tls_e_delete(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    if (m->has_ctx) (void)DeleteSecurityContext(&m->ctx);
    AIO_FREE(m->in);
    AIO_FREE(m->out);
    AIO_FREE(m);
}

static aio_status aio__tls_e_name(aio_tls *tls, const char *name) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    size_t n;
    if (!name) return AIO_OK;
    n = strlen(name);
    if (n >= sizeof m->name) {
        (void)snprintf(tls->error, sizeof tls->error, "the server name is longer than 255 bytes");
        return AIO_EINVAL;
    }
    memcpy(m->name, name, n + 1);
    return AIO_OK;
}

static aio_status aio__tls_e_handshake(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio_status rc;
    SECURITY_STATUS ss;
    tls->io_status = 0;
    rc = aio__sch_negotiate(tls);
    if (rc != AIO_OK) return rc;
    if (!(tls->config->flags & AIO_TLS_NO_VERIFY) && (rc = aio__sch_verify(tls)) != AIO_OK) return rc;
    ss = QueryContextAttributesA(&m->ctx, SECPKG_ATTR_STREAM_SIZES, &m->sizes);
    if (ss != SEC_E_OK) return aio__sch_failed(tls, (long)ss, "the record sizes are not known");
    return AIO_OK;
}

/* One record of `in` decrypted in place: its plain text, the next records'
 * bytes after it, the peer's close_notify, or its request to go back to the
 * handshake (TLS 1.3's tickets and key updates on some Windows). AIO_OK,
 * or why not. */
static aio_status aio__sch_decrypt(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    SecBuffer b[4];
    SecBufferDesc desc;
    SECURITY_STATUS ss;
    unsigned char type = m->in[0]; /* (the record's content type: 21, an alert) */
    int i;
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = m->in;
    b[0].cbBuffer = (unsigned long)m->in_len;
    for (i = 1; i < 4; i++) {
        b[i].BufferType = SECBUFFER_EMPTY;
        b[i].pvBuffer = NULL;
        b[i].cbBuffer = 0;
    }
    desc.ulVersion = SECBUFFER_VERSION;
    desc.cBuffers = 4;
    desc.pBuffers = b;
    ss = DecryptMessage(&m->ctx, &desc, 0, NULL);
    if (ss == SEC_E_INCOMPLETE_MESSAGE) {
        m->more = 1;
        return AIO_OK;
    }
    if (ss == SEC_I_CONTEXT_EXPIRED) { /* the peer's close_notify */
        m->peer_closed = 1;
        m->in_len = 0;
        return AIO_OK;
    }
    if (ss != SEC_E_OK && ss != SEC_I_RENEGOTIATE) return aio__sch_failed(tls, (long)ss, "a record did not decrypt");
    m->plain_at = m->plain_end = m->extra = 0;
    for (i = 0; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA && b[i].pvBuffer) {
            m->plain_at = (size_t)((unsigned char *)b[i].pvBuffer - m->in);
            m->plain_end = m->plain_at + b[i].cbBuffer;
        } else if (b[i].BufferType == SECBUFFER_EXTRA) {
            m->extra = b[i].cbBuffer;
        }
    }
    if (m->plain_end > m->in_len || m->extra > m->in_len) { /* LCOV_EXCL_START: (SChannel's buffers are in `in`) */
        (void)snprintf(tls->error, sizeof tls->error, "SChannel gave buffers outside the record");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    if (m->plain_at == m->plain_end) aio__sch_taken(m);
    if (ss == SEC_E_OK && m->plain_at == m->plain_end && type == 21) /* (wine's SChannel on GnuTLS gives the */
        m->peer_closed = 1; /* close_notify so: an alert that decrypts to nothing; a fatal alert is an error) */
    if (ss == SEC_I_RENEGOTIATE) {
        m->reneg = m->now = 1;
        m->negotiated = 0;
    }
    return AIO_OK;
}

static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    tls->io_status = 0;
    for (;;) {
        aio_status rc;
        if (m->plain_end > m->plain_at) {
            size_t n = m->plain_end - m->plain_at;
            if (n > len) n = len;
            memcpy(buf, m->in + m->plain_at, n);
            m->plain_at += n;
            if (m->plain_at == m->plain_end) aio__sch_taken(m);
            return (aio_status)n; /* (n <= len, a stream's room) */
        }
        if (m->peer_closed) return 0;
        if (m->reneg) { /* the handshake's messages the peer sent after it */
            rc = aio__sch_negotiate(tls);
            if (rc != AIO_OK) return rc;
            m->reneg = 0;
            continue;
        }
        if (m->in_len == 0 || m->more) {
            rc = aio__sch_fill(tls, 0);
            if (rc != AIO_OK) return rc;
        }
        rc = aio__sch_decrypt(tls);
        if (rc != AIO_OK) return rc;
    }
}

static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    SecBuffer b[4];
    SecBufferDesc desc;
    SECURITY_STATUS ss;
    unsigned char *at;
    size_t n = len;
    aio_status rc;
    tls->io_status = 0;
    if (m->out_plain) { /* a record made at an earlier call, with these bytes: the rest of it */
        rc = aio__sch_flush(tls);
        if (rc != AIO_OK) return rc;
        n = m->out_plain;
        m->out_plain = 0;
        return (aio_status)n;
    }
    rc = aio__sch_flush(tls); /* (a handshake's token the reads made) */
    if (rc != AIO_OK) return rc;
    if (n > m->sizes.cbMaximumMessage) n = m->sizes.cbMaximumMessage;
    at = aio__sch_room(m, m->sizes.cbHeader + n + m->sizes.cbTrailer);
    if (!at) { /* LCOV_EXCL_START: out of memory */
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    memcpy(at + m->sizes.cbHeader, buf, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].pvBuffer = at;
    b[0].cbBuffer = m->sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = at + m->sizes.cbHeader;
    b[1].cbBuffer = (unsigned long)n;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].pvBuffer = at + m->sizes.cbHeader + n;
    b[2].cbBuffer = m->sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].pvBuffer = NULL;
    b[3].cbBuffer = 0;
    desc.ulVersion = SECBUFFER_VERSION;
    desc.cBuffers = 4;
    desc.pBuffers = b;
    ss = EncryptMessage(&m->ctx, 0, &desc, 0);
    if (ss != SEC_E_OK) return aio__sch_failed(tls, (long)ss, "a record could not be encrypted");
    m->out_len = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer; /* (the header's and the trailer's real sizes) */
    if (b[1].pvBuffer != at + b[0].cbBuffer) memmove(at + b[0].cbBuffer, b[1].pvBuffer, b[1].cbBuffer);
    if (b[2].pvBuffer != at + b[0].cbBuffer + b[1].cbBuffer)
        memmove(at + b[0].cbBuffer + b[1].cbBuffer, b[2].pvBuffer, b[2].cbBuffer);
    rc = aio__sch_flush(tls);
    if (rc == AIO_WANT_WRITE) m->out_plain = n; /* (held: the caller comes back with the same bytes) */
    return rc == AIO_OK ? (aio_status)n : rc;
}

static aio_status aio__tls_e_shutdown(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio__sch *e = (aio__sch *)tls->config->engine;
    aio_status rc;
    tls->io_status = 0;
    if (!m->closing) { /* the close_notify made: SCHANNEL_SHUTDOWN, then the handshake's call gives it */
        DWORD type = SCHANNEL_SHUTDOWN;
        SecBuffer b;
        SecBuffer out;
        SecBufferDesc desc;
        SecBufferDesc out_desc;
        unsigned long attributes = 0;
        SECURITY_STATUS ss;
        b.BufferType = SECBUFFER_TOKEN;
        b.pvBuffer = &type;
        b.cbBuffer = sizeof type;
        desc.ulVersion = out_desc.ulVersion = SECBUFFER_VERSION;
        desc.cBuffers = out_desc.cBuffers = 1;
        desc.pBuffers = &b;
        out.BufferType = SECBUFFER_TOKEN;
        out.pvBuffer = NULL;
        out.cbBuffer = 0;
        out_desc.pBuffers = &out;
        ss = ApplyControlToken(&m->ctx, &desc);
        if (ss == SEC_E_OK)
            ss = InitializeSecurityContextA(&e->cred, &m->ctx, m->name[0] ? m->name : NULL, AIO__SCH_REQ, 0, 0, NULL, 0,
                                            &m->ctx, &out_desc, &attributes, NULL);
        rc = aio__sch_queue(tls, &out);
        if (ss != SEC_E_OK && ss != SEC_I_CONTEXT_EXPIRED) return aio__sch_failed(tls, (long)ss, "the close_notify");
        if (rc != AIO_OK) return rc; /* LCOV_EXCL_LINE: out of memory */
        m->closing = 1;
    }
    rc = aio__sch_flush(tls);
    if (rc == AIO_OK) return m->peer_closed; /* 0: ours sent; 1: and the peer's had */
    if (tls->io_status && m->peer_closed) return 1; /* (the peer ended first, and closed) */
    return rc;
}

static const aio_tls_engine aio__tls_schannel = {
    "SChannel", aio__tls_e_load, aio__tls_e_unload, aio__tls_e_new, aio__tls_e_delete, aio__tls_e_name,
    aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write, aio__tls_e_shutdown};
AIO__TLS_BUILTIN(aio__tls_schannel)
#endif /* AIO__TLS_SCHANNEL */

