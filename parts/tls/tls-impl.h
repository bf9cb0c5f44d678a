// >>tls-impl
/* ------------------------------------------------------- TLS on a stream */

/* A session is its stream's transport from its handshake on: the stream's
 * reads and writes call aio__tls_recv and aio__tls_send, which ask the
 * engine, whose records go through aio__tls_io_recv and aio__tls_io_send on
 * the stream's socket (the platform's calls, each non-blocking; the
 * simulation's in a simulation). The handshake and the shutdown are awaits
 * written as the stream's are: a checkpoint, a deadline, the socket waited
 * on the way the engine wants. A session's life:
 *
 *   NONE --aio_tls_init--> NEW --AIO_TLS_HANDSHAKE--> HANDSHAKE --> OPEN
 *   NEW --AIO_TLS_CONNECT--> CONNECTING (no stream yet) --> HANDSHAKE --> OPEN
 *   OPEN --AIO_TLS_SHUTDOWN--> CLOSING (close_notify going out) --> DRAINING
 *        (the peer's awaited) --> CLOSED (reads 0; a write is refused)
 *   any await cut or failed, a write cut with bytes in the engine --> BROKEN
 *        (every later call gives tls->broken: AIO_ETLS, or AIO_ETRUNCATED;
 *        a handshake cut at its first checkpoint is the stream's transport
 *        all the same: a stream is never plain again once one was begun)
 *
 * The engine is reached through its table (aio_tls_engine: the contract
 * of each slot is written beside it), the one the configuration loaded
 * (c->loaded, AIO__TLS_E(tls) for a session's): the program's (engine_ops)
 * or the built-in one. A built-in engine (OpenSSL's or Mbed TLS's, each a
 * section of its own below) writes these nine, and its section ends with
 * its table of them, named by AIO__TLS_BUILTIN (aio__tls_builtin):
 *
 *   aio__tls_e_load, aio__tls_e_unload: a configuration's shared state;
 *   aio__tls_e_new, aio__tls_e_delete: a session's;
 *   aio__tls_e_name: a client's server name (sent, and verified);
 *   aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write,
 *   aio__tls_e_shutdown: one step each, never blocking: AIO_OK (the
 *       handshake done; the close_notify sent, or 1: and the peer's had), a
 *       count (a read's 0: the peer's close_notify), AIO_WANT_READ or
 *       AIO_WANT_WRITE, or a status with tls->error saying why.
 *
 * Their reads and writes of the socket are aio__tls_io_recv and
 * aio__tls_io_send (AIO__AGAIN: nothing now); a program's engine calls
 * aio_tls_io_recv and aio_tls_io_send, which say AIO_WANT_READ and
 * AIO_WANT_WRITE instead. */
#ifdef AIO__TLS
enum { AIO__TLS_NONE, AIO__TLS_NEW, AIO__TLS_HANDSHAKE, AIO__TLS_OPEN, AIO__TLS_CLOSING, AIO__TLS_DRAINING,
       AIO__TLS_CLOSED, AIO__TLS_BROKEN, AIO__TLS_CONNECTING, AIO__TLS_UNIX_CONNECTING };
#define AIO__TLS_FLAGS 15u /* (every flag of the configuration) */
#define AIO__TLS_DRAIN 64  /* records a shutdown drops in one turn before it lets others run */
#define AIO__TLS_E(tls) ((tls)->config->loaded) /* a session's engine */

#ifdef AIO__TLS_USER /* (no engine of the header's: the configuration names the program's) */
static const aio_tls_engine *aio__tls_builtin(void) { return NULL; }
#else
static aio_status aio__tls_e_load(aio_tls_config *c);
static void aio__tls_e_unload(aio_tls_config *c);
static aio_status aio__tls_e_new(aio_tls *tls);
static void aio__tls_e_delete(aio_tls *tls);
static aio_status aio__tls_e_name(aio_tls *tls, const char *name);
static aio_status aio__tls_e_handshake(aio_tls *tls);
static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len);
static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len);
static aio_status aio__tls_e_shutdown(aio_tls *tls);
/* The built-in engine's table, which its section ends with (after the
 * table: AIO__TLS_BUILTIN(its name)). */
static const aio_tls_engine *aio__tls_builtin(void);
#define AIO__TLS_BUILTIN(table)                                                \
    static const aio_tls_engine *aio__tls_builtin(void) { return &(table); }
#endif
/* The slots of an engine's table, for the check where it is loaded. */
#define AIO__TLS_ENGINE_SLOTS(X)                                               \
    X(name) X(load) X(unload) X(session_new) X(session_free) X(server_name) X(handshake) X(read) X(write) X(shutdown)

/* A mistake in a configuration or a session: its text kept for
 * aio_tls_config_error or aio_tls_error (a release build has no debug
 * message), the status returned. */
static void aio__tls_say(char *error, size_t size, const char *text) {
    size_t n = strlen(text);
    if (n >= size) n = size - 1; /* (cut: the debug message has it whole) LCOV_EXCL_BR_LINE: no text is so long */
    memcpy(error, text, n);
    error[n] = '\0';
}
static aio_status aio__tls_misuse(char *error, size_t size, aio_status code, const char *message) {
    aio__tls_say(error, size, message);
    return aio__misuse(code, message);
}

/* The engine's reads of the socket: what the stream had buffered at the
 * handshake first, then the socket's. n > 0, 0 at its end, AIO__AGAIN, or
 * a status (kept in tls->io_status for the engine's caller). */
static aio_status aio__tls_io_recv(aio_tls *tls, void *buf, size_t len) {
    aio_status rc;
    if (tls->early) {
        size_t n = tls->early_len - tls->early_at;
        if (n > len) n = len;
        memcpy(buf, tls->early + tls->early_at, n);
        tls->early_at += n;
        if (tls->early_at == tls->early_len) {
            AIO_FREE(tls->early);
            tls->early = NULL;
        }
        return (aio_status)n; /* (n <= len, which the engine gives as an int) */
    }
    do rc = aio__net_recv(aio__fd(tls->stream->fd), buf, len, "a TLS session's read of its socket");
    while (rc == AIO__INTR); /* LCOV_EXCL_BR_LINE: a signal in the call */
    if (rc == 0) tls->eof = 1;
    if (rc < 0 && rc != AIO__AGAIN) tls->io_status = rc;
    return rc;
}
/* Its writes: n > 0 bytes taken, AIO__AGAIN, or a status (kept). */
static aio_status aio__tls_io_send(aio_tls *tls, const void *buf, size_t len) {
    aio_status rc;
    do rc = aio__net_send(aio__fd(tls->stream->fd), buf, len, "a TLS session's write to its socket");
    while (rc == AIO__INTR); /* LCOV_EXCL_BR_LINE: a signal in the call */
    if (rc < 0 && rc != AIO__AGAIN) tls->io_status = rc;
    return rc;
}

/* The same for a program's engine: AIO__AGAIN said as the way to wait. */
AIO_API aio_status aio_tls_io_recv(aio_tls *tls, void *buf, size_t len) {
    aio_status rc;
    if (!tls || !tls->stream || !buf || !len)
        return aio__misuse(AIO_EINVAL, "aio_tls_io_recv: no session, a session without its stream (outside the "
                                       "engine's steps), or no room");
    rc = aio__tls_io_recv(tls, buf, len);
    return rc == AIO__AGAIN ? AIO_WANT_READ : rc;
}
AIO_API aio_status aio_tls_io_send(aio_tls *tls, const void *buf, size_t len) {
    aio_status rc;
    if (!tls || !tls->stream || !buf || !len)
        return aio__misuse(AIO_EINVAL, "aio_tls_io_send: no session, a session without its stream (outside the "
                                       "engine's steps), or no bytes");
    rc = aio__tls_io_send(tls, buf, len);
    return rc == AIO__AGAIN ? AIO_WANT_WRITE : rc;
}
AIO_API void aio_tls_set_error(aio_tls *tls, const char *text) {
    if (tls) aio__tls_say(tls->error, sizeof tls->error, text ? text : "");
}
AIO_API void aio_tls_config_set_error(aio_tls_config *c, const char *text) {
    if (c) aio__tls_say(c->error, sizeof c->error, text ? text : "");
}

/* The session unusable from now on (its error text, if none was given,
 * `why`): later calls give AIO_ETLS, or AIO_ETRUNCATED for a peer that
 * closed without close_notify. A truncation that the configuration reads
 * leniently is a clean end instead: 0. Returns rc. */
static aio_status aio__tls_fail(aio_tls *tls, aio_status rc, const char *why) {
    if (rc == AIO_ETRUNCATED && (tls->config->flags & AIO_TLS_LENIENT_EOF)) {
        tls->state = AIO__TLS_CLOSED;
        tls->error[0] = '\0';
        return 0;
    }
    if (!tls->error[0]) aio__tls_say(tls->error, sizeof tls->error, why);
    tls->state = AIO__TLS_BROKEN;
    tls->broken = rc == AIO_ETRUNCATED ? rc : AIO_ETLS;
    return rc;
}

/* A handshake or a shutdown that ended with rc: anything but success or a
 * suspension leaves the session unusable, with the reason in words. */
static aio_status aio__tls_ended(aio_tls *tls, aio_status rc, const char *what) {
    char why[96];
    if (rc == AIO_OK || rc == AIO__SUSPENDED || tls->state == AIO__TLS_BROKEN) return rc;
    if (rc == AIO_ETIMEDOUT)
        (void)snprintf(why, sizeof why, "the %s timed out: the session cannot be used", what);
    else if (rc == AIO__RAISE)
        (void)snprintf(why, sizeof why, "the %s was cancelled: the session cannot be used", what);
    else if (rc == AIO_ECLOSED) /* LCOV_EXCL_BR_LINE: (the other side: below) */
        (void)snprintf(why, sizeof why, "the socket was closed during the %s", what);
    else /* LCOV_EXCL_START: (every other failure went through aio__tls_fail, which marked the session broken) */
        (void)snprintf(why, sizeof why, "the %s failed: %s", what, aio_strerror(rc));
    /* LCOV_EXCL_STOP */
    (void)aio__tls_fail(tls, rc == AIO_ETRUNCATED ? rc : AIO_ETLS, why); /* LCOV_EXCL_BR_LINE: (broken before) */
    return rc;
}

/* A write that was cut (a deadline, a cancellation) while the engine held
 * part of it: the engine must send the rest of that record before anything
 * else, and the caller was told those bytes did not go. Noticed at the
 * session's next call (a write resumed is one whose stream still names its
 * writer): the session is then unusable, as Trio's SSLStream makes it. */
static int aio__tls_cut_write(aio_tls *tls) {
    const aio_stream *s = tls->stream;
    if (!tls->held || s->writer || (s->out && s->out->head != s->out->tail)) return 0; /* (a write's, or the
                                                              stream's buffer's: it goes on) */
    tls->held = 0;
    (void)aio__tls_fail(tls, AIO_ETLS, "a write was cut (a deadline, a cancellation) after part of it went into "
                                       "the TLS engine: the session cannot be used");
    return 1;
}

/* The stream's transport (aio_transport): a read or a write of an open
 * session goes to the engine; otherwise why not. */
static aio_status aio__tls_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    aio_tls *tls = (aio_tls *)ctx;
    aio_status rc;
    (void)fd;
    if (tls->state == AIO__TLS_OPEN && !aio__tls_cut_write(tls)) {
        rc = AIO__TLS_E(tls)->read(tls, buf, len);
        if (rc >= 0 || rc == AIO_WANT_READ || rc == AIO_WANT_WRITE) return rc;
        return aio__tls_fail(tls, rc, "a read failed");
    }
    if (tls->state == AIO__TLS_CLOSED) return 0;
    if (tls->state == AIO__TLS_BROKEN) return tls->broken;
    return aio__misuse(AIO_EBUSY, "a read of a TLS stream while its handshake or its shutdown is under way");
}
static aio_status aio__tls_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    aio_tls *tls = (aio_tls *)ctx;
    aio_status rc;
    (void)fd;
    if (tls->state == AIO__TLS_OPEN && !aio__tls_cut_write(tls)) {
        rc = AIO__TLS_E(tls)->write(tls, buf, len);
        tls->held = (uint8_t)(rc == AIO_WANT_READ || rc == AIO_WANT_WRITE);
        if (rc > 0 || tls->held) return rc;
        return aio__tls_fail(tls, rc, "a write failed");
    }
    if (tls->state == AIO__TLS_CLOSED)
        return aio__misuse(AIO_ETLS, "AIO_STREAM_WRITE: the stream's TLS session was shut down (AIO_TLS_SHUTDOWN), "
                                     "or its peer closed it");
    if (tls->state == AIO__TLS_BROKEN) return tls->broken;
    return aio__misuse(AIO_EBUSY, "a write of a TLS stream while its handshake or its shutdown is under way");
}
static const aio_transport aio__tls_transport = {aio__tls_recv, aio__tls_send};

/* The engine c names (or the built-in one), every slot given; or NULL, with
 * *rc = AIO_EINVAL and c->error (and a debug message) naming what is
 * missing. */
static const aio_tls_engine *aio__tls_engine_check(aio_tls_config *c, aio_status *rc) {
    const aio_tls_engine *e = c->engine_ops ? c->engine_ops : aio__tls_builtin();
    if (!e) {
        *rc = aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                              "aio_tls_config_load: no TLS engine (a build with AIO_TLS alone has none of its own: "
                              "engine_ops names yours)");
        return NULL;
    }
#define AIO__TLS_SLOT_CHECK(slot)                                              \
    if (!e->slot) {                                                            \
        *rc = aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,            \
                              "aio_tls_config_load: the engine's slot `" #slot "` is empty"); \
        return NULL;                                                           \
    }
    /* (the header's tables fill every slot; tests/tls/test_tls_engine.c
     * empties each, and every slot's check is this one line) */
    AIO__TLS_ENGINE_SLOTS(AIO__TLS_SLOT_CHECK)
#undef AIO__TLS_SLOT_CHECK
    return e;
}

AIO_API aio_status aio_tls_config_load(aio_tls_config *c) {
    const aio_tls_engine *e;
    unsigned flags;
    aio_status rc = AIO_EINVAL;
    if (!c) return aio__misuse(AIO_EINVAL, "aio_tls_config_load: the configuration is NULL");
    flags = c->flags;
    c->error[0] = '\0';
    if (c->loaded)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the configuration is loaded already (aio_tls_config_free first)");
    if (flags & ~AIO__TLS_FLAGS)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL, "aio_tls_config_load: unknown flags");
    if ((flags & AIO_TLS_SERVER) && (!c->cert_file || !c->key_file))
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: a server needs its certificate and its private key "
                               "(cert_file and key_file)");
    if (!c->cert_file != !c->key_file)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: a certificate needs its private key, and a key its "
                               "certificate (cert_file and key_file)");
    if ((flags & AIO_TLS_SERVER) ? (flags & AIO_TLS_NO_VERIFY) != 0 : (flags & AIO_TLS_VERIFY_CLIENT) != 0)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: AIO_TLS_NO_VERIFY is a client's flag, AIO_TLS_VERIFY_CLIENT "
                               "a server's");
    e = aio__tls_engine_check(c, &rc);
    if (!e) return rc;
    rc = e->load(c);
    if (rc == AIO_OK) c->loaded = e;
    return rc;
}

AIO_API void aio_tls_config_free(aio_tls_config *c) {
    if (!c || !c->loaded) return;
    c->loaded->unload(c);
    c->engine = NULL;
    c->loaded = NULL;
}

AIO_API const char *aio_tls_config_error(const aio_tls_config *c) { return c ? c->error : ""; }
AIO_API const char *aio_tls_error(const aio_tls *tls) { return tls ? tls->error : ""; }

AIO_API aio_status aio_tls_init(aio_tls *tls, aio_tls_config *c) {
    aio_status rc;
    if (!tls || !c || !c->loaded)
        return aio__misuse(AIO_EINVAL, "aio_tls_init: the session is NULL, or the configuration was not loaded "
                                       "(aio_tls_config_load)");
    if (tls->state != AIO__TLS_NONE)
        return aio__misuse(AIO_EINVAL, "aio_tls_init: the session is set up already (aio_tls_free it first)");
    memset(tls, 0, sizeof *tls);
    tls->config = c;
    rc = AIO__TLS_E(tls)->session_new(tls);
    if (rc < 0) return rc; /* (out of memory) */
    tls->state = AIO__TLS_NEW;
    return AIO_OK;
}

AIO_API aio_status aio_tls_free(aio_tls *tls) {
    aio_stream *s;
    if (!tls || tls->state == AIO__TLS_NONE) return AIO_OK;
    s = tls->stream;
    if (tls->state == AIO__TLS_HANDSHAKE || tls->state == AIO__TLS_CLOSING || tls->state == AIO__TLS_DRAINING ||
        tls->state == AIO__TLS_CONNECTING || tls->state == AIO__TLS_UNIX_CONNECTING ||
        (s && s->transport_ctx == tls && (s->reader || s->writer))) /* LCOV_EXCL_BR_LINE: (s is tls's, below) */
        return aio__misuse(AIO_EBUSY, "aio_tls_free: a task is waiting in the session's handshake or shutdown, or in "
                                      "a read or a write of its stream (cancel it, and let it end, first)");
    /* (tls->stream, once set, has tls for its transport until this call) */
    if (s && s->transport == &aio__tls_transport && s->transport_ctx == tls) { /* LCOV_EXCL_BR_LINE: (above) */
        s->transport = NULL;
        s->transport_ctx = NULL;
        s->eof &= AIO__STREAM_GONE; /* (TLS's end, not the socket's: its next read asks the socket) */
    }
    AIO__TLS_E(tls)->session_free(tls);
    AIO_FREE(tls->early);
    tls->engine = NULL;
    tls->early = NULL;
    tls->stream = NULL;
    tls->config = NULL;
    tls->state = AIO__TLS_NONE;
    return AIO_OK;
}

/* Wait until the socket is ready the way the engine wants (t->until stays
 * the await's deadline). */
static aio_status aio__tls_park(aio_task *t, aio_frame *f, aio_status want, const char *what) {
    int way = want == AIO_WANT_WRITE;
    aio__io_dry(t->loop, t->await.io.fd, way);
    return aio__io_park(t, f, way, 0, what);
}

/* What the stream had buffered and not read: the peer's first TLS bytes
 * (the plain protocol read what was its own), given to the engine first. */
static aio_status aio__tls_take_early(aio_tls *tls, aio_stream *s) {
    size_t n = s->tail - s->head;
    if (!n) return AIO_OK;
    tls->early = (unsigned char *)AIO_MALLOC(n);
    if (!tls->early)
        return aio__tls_fail(tls, AIO_ETLS, "out of memory for the bytes buffered before the handshake");
    memcpy(tls->early, s->buf + s->head, n);
    tls->early_len = n;
    tls->early_at = 0;
    s->tail = s->head;
    s->scanned = 0;
    return AIO_OK;
}

static aio_status aio__tls_handshake_try(aio_task *t, aio_frame *f, aio_tls *tls) {
    aio_status rc = AIO__TLS_E(tls)->handshake(tls);
    if (rc == AIO_OK) {
        tls->state = AIO__TLS_OPEN;
        return AIO_OK;
    }
    if (rc == AIO_WANT_READ || rc == AIO_WANT_WRITE) return aio__tls_park(t, f, rc, "AIO_TLS_HANDSHAKE");
    return aio__tls_fail(tls, rc, "the handshake failed");
}

/* The session made stream s's transport: from a handshake's first step on,
 * the stream is never plain again, whatever becomes of the handshake. (An
 * end the plain stream had met is the socket's: TLS's reads meet it.) */
static void aio__tls_attach(aio_tls *tls, aio_stream *s) {
    tls->stream = s;
    tls->state = AIO__TLS_HANDSHAKE;
    s->transport = &aio__tls_transport;
    s->transport_ctx = tls;
    s->eof &= AIO__STREAM_GONE;
}

/* The handshake begun on stream s (t->await.io set for its socket), within
 * until: the session is its transport from now on. */
static aio_status aio__tls_begin(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *server_name,
                                 aio_time until) {
    aio_status rc;
    aio__tls_attach(tls, s);
    rc = AIO__TLS_E(tls)->server_name(tls, server_name);
    if (rc == AIO_OK) rc = aio__tls_take_early(tls, s);
    if (rc < 0) return aio__tls_fail(tls, rc, "the handshake could not start");
    aio__set_until(t, until);
    return aio__tls_ended(tls, aio__tls_handshake_try(t, f, tls), "handshake");
}

AIO_API aio_status aio__tls_handshake_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                            const char *server_name, aio_time d) {
    aio_time until = aio__deadline(t->loop, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_HANDSHAKE_TIMEOUT : d, 1);
    unsigned flags;
    aio_status rc;
    if (!tls || tls->state != AIO__TLS_NEW)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TLS_HANDSHAKE: the session was not set up (aio_tls_init), "
                                                        "or had its handshake already (one session, one connection)"));
    flags = tls->config->flags;
    if (!s || !s->buf)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: the stream was not set up (aio_stream_init)"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: the timeout is NaN, negative or beyond half the "
                                                "clock range"));
    if ((flags & AIO_TLS_SERVER) && server_name)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: a server takes no server name (NULL)"));
    if (!(flags & (AIO_TLS_SERVER | AIO_TLS_NO_VERIFY)) && (!server_name || !*server_name))
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: a client that verifies the server needs its "
                                                "name (server_name), or AIO_TLS_NO_VERIFY"));
    t->await.io.fd = aio__fd(s->fd);
    t->await.io.dir = 0;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) { /* (before any refusal: a checkpoint) */
        /* Cut at once (a cancel pending, an outer deadline passed): begun
         * all the same, so the stream goes on unusable, never plain. What
         * it had buffered was the engine's: dropped with the session. */
        aio__tls_attach(tls, s);
        s->tail = s->head;
        s->scanned = 0;
        (void)aio__tls_fail(tls, AIO_ETLS, "the handshake was cancelled: the session cannot be used");
        return aio__yield_then_raise(t, f);
    }
    rc = aio__stream_gone(t, s, "AIO_TLS_HANDSHAKE");
    if (rc < 0) { /* (its socket was closed: begun and failed at once) */
        aio__tls_attach(tls, s);
        return aio__tls_fail(tls, rc, "the socket was closed before the handshake");
    }
    if (s->reader || s->writer)
        return aio__misuse(AIO_EBUSY, "AIO_TLS_HANDSHAKE: a task is waiting in a read or a write of the stream");
    return aio__tls_begin(t, f, tls, s, server_name, until);
}

AIO_API aio_status aio__tls_handshake_poll(aio_task *t, aio_frame *f, aio_tls *tls) {
    aio_status rc = aio__io_poll(t, f, AIO__IO_READABLE, NULL, 0); /* ready, or why not */
    if (rc == AIO_OK) rc = aio__tls_handshake_try(t, f, tls);
    return aio__tls_ended(tls, rc, "handshake");
}

/* The close_notify sent, then the peer's awaited, what comes before it
 * dropped (a few records a turn, so that a peer that sends on and on does
 * not hold the loop). */
static aio_status aio__tls_shutdown_try(aio_task *t, aio_frame *f, aio_tls *tls) {
    unsigned char drop[512];
    int records = 0;
    for (;;) {
        aio_status rc;
        if (tls->state == AIO__TLS_CLOSING) {
            rc = AIO__TLS_E(tls)->shutdown(tls);
            if (rc == AIO_OK) {
                tls->state = AIO__TLS_DRAINING;
                continue;
            }
        } else {
            rc = AIO__TLS_E(tls)->read(tls, drop, sizeof drop);
            if (rc > 0 && ++records < AIO__TLS_DRAIN) continue;
            if (rc > 0) return aio__io_park(t, f, 0, 0, "AIO_TLS_SHUTDOWN"); /* (readable at once: a turn) */
            if (rc == AIO_ETRUNCATED) rc = aio__tls_fail(tls, rc, "");
        }
        if (rc == 1 || rc == 0) {
            tls->state = AIO__TLS_CLOSED;
            return AIO_OK;
        }
        if (rc == AIO_WANT_READ || rc == AIO_WANT_WRITE) return aio__tls_park(t, f, rc, "AIO_TLS_SHUTDOWN");
        return aio__tls_fail(tls, rc, "the shutdown failed");
    }
}

AIO_API aio_status aio__tls_shutdown_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_time d) {
    aio_time until = aio__deadline(t->loop, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_SHUTDOWN_TIMEOUT : d, 1);
    aio_stream *s;
    if (!tls || tls->state == AIO__TLS_NONE || tls->state == AIO__TLS_NEW || tls->state == AIO__TLS_CONNECTING)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TLS_SHUTDOWN: the session had no handshake "
                                                        "(AIO_TLS_HANDSHAKE)"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_TLS_SHUTDOWN: the timeout"));
    s = tls->stream; /* (NULL: an AIO_TLS_CONNECT that failed before its handshake) */
    t->await.io.fd = s ? aio__fd(s->fd) : -1;
    t->await.io.dir = 0;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) { /* (before any refusal: a checkpoint) */
        /* Cut at once: an open session is left unusable, as by a cut
         * later on (one closed or broken stays so; one whose handshake or
         * shutdown another task waits in is that task's). */
        if (tls->state == AIO__TLS_OPEN)
            (void)aio__tls_fail(tls, AIO_ETLS, "the shutdown was cancelled: the session cannot be used");
        return aio__yield_then_raise(t, f);
    }
    if (tls->state == AIO__TLS_HANDSHAKE || tls->state == AIO__TLS_CLOSING || tls->state == AIO__TLS_DRAINING ||
        (tls->state == AIO__TLS_OPEN && s && (s->reader || s->writer)))
        return aio__misuse(AIO_EBUSY, "AIO_TLS_SHUTDOWN: a task is waiting in the session's handshake or shutdown, "
                                      "or in a read or a write of its stream");
    if (s && s->buf && aio__stream_gone(t, s, "AIO_TLS_SHUTDOWN") < 0) { /* (what its reads give) */
        if (tls->state == AIO__TLS_OPEN)
            (void)aio__tls_fail(tls, AIO_ETLS, "the socket was closed under the session");
        return AIO_ECLOSED;
    }
    if (tls->state == AIO__TLS_OPEN && s) (void)aio__tls_cut_write(tls); /* (open: it has its stream) */
    if (tls->state == AIO__TLS_CLOSED) return AIO_OK;
    if (tls->state == AIO__TLS_BROKEN) return tls->broken;
    tls->state = AIO__TLS_CLOSING;
    aio__set_until(t, until);
    return aio__tls_ended(tls, aio__tls_shutdown_try(t, f, tls), "shutdown");
}

AIO_API aio_status aio__tls_shutdown_poll(aio_task *t, aio_frame *f, aio_tls *tls) {
    aio_status rc = aio__io_poll(t, f, AIO__IO_READABLE, NULL, 0); /* ready, or why not */
    if (rc == AIO_OK) rc = aio__tls_shutdown_try(t, f, tls);
    return aio__tls_ended(tls, rc, "shutdown");
}

/* AIO_TLS_CONNECT: AIO_TCP_CONNECT's await (its state, t->await.connecting,
 * holds the one deadline), then the handshake's on that deadline. The
 * session is CONNECTING meanwhile, with no stream yet. */
#define AIO__TLS_CONNECT_START 4096u  /* the stream's first buffer */
#define AIO__TLS_CONNECT_LIMIT 65536u /* and its limit (asyncio's) */

/* The connect ended with rc (not a connection): the session unusable, and
 * why. */
static aio_status aio__tls_connect_failed(aio_frame *f, aio_tls *tls, aio_status rc) {
    char why[96];
    aio_status cause = rc == AIO__RAISE || rc == AIO__SUSPENDED ? f->rc : rc;
    if (cause == AIO_ETIMEDOUT)
        (void)snprintf(why, sizeof why, "the connect timed out: the session cannot be used");
    else if (cause == AIO_ECANCELED)
        (void)snprintf(why, sizeof why, "the connect was cancelled: the session cannot be used");
    else
        (void)snprintf(why, sizeof why, "the connect failed: %s", aio_strerror(cause));
    tls->error[0] = '\0'; /* (the connect's reason, not a refusal's before it) */
    (void)aio__tls_fail(tls, AIO_ETLS, why);
    return rc;
}

/* The checks both connects make of the session and the stream: AIO_OK, or
 * the refusal, raised (`what` names the call). */
static aio_status aio__tls_connect_refused(aio_task *t, aio_frame *f, aio_tls *tls, const aio_stream *s,
                                           const char *what) {
    char why[160];
    if (!tls || tls->state != AIO__TLS_NEW) {
        (void)snprintf(why, sizeof why, "%s: the session was not set up (aio_tls_init), or had its handshake already "
                                        "(one session, one connection)", what);
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, why));
    }
    if (tls->config->flags & AIO_TLS_SERVER) {
        (void)snprintf(why, sizeof why, "%s: the session is a server's", what);
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL, why));
    }
    if (!s || s->buf) {
        (void)snprintf(why, sizeof why, "%s: the stream is NULL, or set up already (it sets it up: aio_stream_free it "
                                        "first)", what);
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL, why));
    }
    return AIO_OK;
}

/* Where a connect's handshake went (rc): still under way, done (the
 * socket), or failed: then nothing is left but the session, which the
 * program frees (the socket closed, the stream's buffer freed). */
static aio_status aio__tls_handshake_went(aio_stream *s, aio_status rc) {
    if (rc == AIO__SUSPENDED) return rc;
    if (rc == AIO_OK) return aio__fd(s->fd);
    (void)aio_close(s->fd);
    (void)aio_stream_free(s);
    s->fd = (aio_socket)-1;
    return rc;
}

/* Connected (fd): the stream set up over it and the handshake begun, with
 * server_name, by `until`; where it went. */
static aio_status aio__tls_connected(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, int fd,
                                     const char *server_name, aio_time until) {
    aio_status rc = aio_stream_init_growing(s, (aio_socket)fd, AIO__TLS_CONNECT_START, AIO__TLS_CONNECT_LIMIT);
    if (rc < 0) { /* (out of memory) */
        (void)aio_close((aio_socket)fd);
        return aio__tls_connect_failed(f, tls, rc);
    }
    t->await.io.fd = fd;
    t->await.io.dir = 0;
    t->await.io.done = 0;
    return aio__tls_handshake_went(s, aio__tls_begin(t, f, tls, s, server_name, until));
}

AIO_API aio_status aio__tls_unix_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                               const char *path, const char *server_name, aio_time d) {
    aio_time until;
    aio_status rc = aio__tls_connect_refused(t, f, tls, s, "AIO_TLS_UNIX_CONNECT");
    if (rc != AIO_OK) return rc;
    if (!path || !*path)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_UNIX_CONNECT: no path to connect to"));
    if (!(tls->config->flags & AIO_TLS_NO_VERIFY) && (!server_name || !*server_name))
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_UNIX_CONNECT: no server name to verify the certificate "
                                                "against (or AIO_TLS_NO_VERIFY)"));
    until = aio__deadline(t->loop, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_HANDSHAKE_TIMEOUT : d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_UNIX_CONNECT: the timeout is NaN, negative or beyond half "
                                                "the clock range"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (a checkpoint first, as every await) */
    rc = aio__sys_unix_connect(t, f, path, until, AIO__UNIX_SIMULATED());
    if (rc >= 0) /* (connected at once, as a Unix socket mostly is: on to the handshake) */
        return aio__tls_connected(t, f, tls, s, rc, server_name, until);
    if (rc != AIO__SUSPENDED || (f->flags & AIO__F_RAISING)) return aio__tls_connect_failed(f, tls, rc);
    tls->state = AIO__TLS_UNIX_CONNECTING;
    tls->until = until;
    return rc;
}

AIO_API aio_status aio__tls_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host,
                                          int port, aio_time d) {
    aio_status rc = aio__tls_connect_refused(t, f, tls, s, "AIO_TLS_CONNECT");
    if (rc != AIO_OK) return rc;
    if (!host || !*host)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_CONNECT: no host to connect to (a name or an address)"));
    rc = aio__connect_start(t, f, host, port, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_HANDSHAKE_TIMEOUT : d);
    if (rc != AIO__SUSPENDED || (f->flags & AIO__F_RAISING)) return aio__tls_connect_failed(f, tls, rc);
    tls->state = AIO__TLS_CONNECTING;
    return rc;
}

AIO_API aio_status aio__tls_connect_poll(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host) {
    if (tls->state == AIO__TLS_CONNECTING || tls->state == AIO__TLS_UNIX_CONNECTING) {
        int unix_socket = tls->state == AIO__TLS_UNIX_CONNECTING;
        aio_time until = unix_socket ? tls->until : t->await.connecting->until;
        int fd = unix_socket ? aio__sys_unix_connect_poll(t, f) : aio__connect_poll(t, f);
        if (fd == AIO__SUSPENDED) return fd;
        tls->state = AIO__TLS_NEW;
        if (fd < 0) return aio__tls_connect_failed(f, tls, fd);
        return aio__tls_connected(t, f, tls, s, fd, host, until);
    }
    return aio__tls_handshake_went(s, aio__tls_handshake_poll(t, f, tls));
}

/* A TLS server's connection (aio_server_set_tls): its task runs
 * aio__tls_server_conn, which first sets up the stream and the session and
 * awaits the handshake, as AIO_TLS_HANDSHAKE does, over the connection's own
 * frame (the task's frame stays the handler's, whose AIO_BEGIN(t) it is);
 * then the handler, if the handshake succeeded. In the step either ends in,
 * the stream and the session are freed and the server is told the
 * connection is gone (which closes the socket). A cancel before or during
 * the handshake ends it there (AIO__RAISE: the frame holds why), the handler
 * never run. */
static aio_status aio__tls_server_handshake(aio_task *t, aio_tls_conn *c) {
    aio_server *srv = c->conn.server;
    aio_status rc;
    if (!(c->conn.flags & AIO__C_SECURING)) { /* (its first step) */
        c->conn.flags |= AIO__C_SECURING;
        aio__frame_init(&c->frame);
        rc = aio_stream_init_growing(&c->stream, c->conn.fd,
                                     srv->stream_limit < AIO__TLS_CONNECT_START ? srv->stream_limit
                                                                                : AIO__TLS_CONNECT_START,
                                     srv->stream_limit);
        if (rc == AIO_OK) rc = aio_tls_init(&c->tls, srv->tls);
        if (rc == AIO_OK) rc = aio__tls_handshake_start(t, &c->frame, &c->tls, &c->stream, NULL, srv->handshake);
    } else {
        rc = aio__tls_handshake_poll(t, &c->frame, &c->tls);
    }
    return rc == AIO__RAISE ? c->frame.rc : rc;
}

static aio_status aio__tls_server_conn(aio_task *t) {
    aio_tls_conn *c = AIO_CONTAINER(t, aio_tls_conn, conn.task);
    aio_server *srv = c->conn.server;
    aio_status rc;
    if (c->conn.flags & AIO__C_RAN) {
        rc = srv->handler(t);
    } else {
        rc = aio__tls_server_handshake(t, c);
        if (rc == AIO__SUSPENDED) return rc;
        if (rc == AIO_OK) { /* the handler's first step, in this one */
            c->conn.flags |= AIO__C_RAN;
            rc = srv->handler(t);
        } else if (rc != AIO_ECANCELED) {
            srv->handshakes_failed++;
        }
    }
    if (rc == AIO__SUSPENDED) return rc;
    (void)aio_stream_free(&c->stream); /* (first: what it had not sent is dropped) */
    (void)aio_tls_free(&c->tls);
    aio__server_gone(&c->conn);
    return rc;
}

AIO_API aio_status aio_server_set_tls(aio_server *srv, aio_tls_config *c, aio_time handshake_timeout,
                                      size_t limit) {
    if (!srv || !srv->handler)
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the server is NULL or not initialised (aio_server_init)");
    if (!c || !c->loaded || !(c->flags & AIO_TLS_SERVER))
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the configuration is NULL, not loaded "
                                       "(aio_tls_config_load), or not a server's (AIO_TLS_SERVER)");
    if (srv->size < sizeof(aio_tls_conn))
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the state's first member must be an aio_tls_conn "
                                       "(the state is smaller)");
    if (handshake_timeout != AIO_TLS_DEFAULT_TIMEOUT && handshake_timeout != AIO_NEVER &&
        (aio_stime)handshake_timeout < 0)
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the handshake's timeout is negative");
    if (limit > INT_MAX) return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the streams' limit is beyond INT_MAX");
    if (aio_task_alive(&srv->task))
        return aio__misuse(AIO_EBUSY, "aio_server_set_tls: the server is serving already");
    srv->step = aio__tls_server_conn;
    srv->tls = c;
    srv->handshake = handshake_timeout;
    srv->stream_limit = limit ? limit : AIO__TLS_CONNECT_LIMIT;
    return AIO_OK;
}

AIO_API uint32_t aio_server_handshakes_failed(const aio_server *srv) { return srv->handshakes_failed; }
#endif /* AIO__TLS */

#ifdef AIO__TLS_OPENSSL
