// >>server
/* ----------------------------------------------------------------- servers */

/* A server is one task of the library (srv->task, the accept loop) and a
 * task per connection, spawned from it over a state the program gave or
 * one allocated for it. Each connection's task runs aio__server_conn,
 * which steps the program's handler and, in the step the handler ends,
 * closes the socket and counts it gone, however it ends: the handler's
 * cleanup always comes first. The loop is told the task has started, so
 * that even one cancelled before its first step comes there (its handler
 * then never runs, as the loop would have had it). The accept loop ends when
 * the listener is closed, then waits for the handlers (cancelling them at
 * a shutdown's grace, or when the server itself is cancelled: it owns
 * them), gives back the allocated states and ends: its end is
 * wait_closed's. Nothing here is linked by a program that uses no server;
 * a build without sockets has none of it (each call refuses). */

#ifdef AIO__SOCKETS /* (a build without sockets refuses a server: see >>left-out) */
enum { AIO__SERVER_BACKOFF_MAX = 100 }; /* ms: the longest back-off of a failing accept */
/* a connection's flags: its handler stepped; aio_conn_abort; its socket's number has no
 * slot to keep its closes in (so a close behind the server cannot be told); a TLS
 * server's handshake begun (aio_server_set_tls) */
enum { AIO__C_RAN = 1, AIO__C_ABORTED = 2, AIO__C_UNKEPT = 4, AIO__C_SECURING = 8 };

/* What a server that serves a share (aio_server_start_shared: see "a
 * server on every core") asks of it, through one hook that the share's
 * start sets (a program with no share links none of it): a connection let
 * in (its id across the share; 0: the share's limit is reached), one gone,
 * one handed to another loop (1) or kept (0), the server leaving. */
enum { AIO__SHARE_ADMIT, AIO__SHARE_GONE, AIO__SHARE_HAND, AIO__SHARE_LEAVE };
static AIO_THREAD_LOCAL uint32_t (*aio__share_hook)(aio_server *s, int op, int fd);

/* Connection state i (a fixed one, or one allocated: NULL if not yet). */
static aio_conn *aio__server_state(aio_server *s, uint32_t i) {
    if (s->states) return (aio_conn *)(void *)(s->states + (size_t)i * s->size);
    return s->made[i];
}

/* The slot of c's socket on its handler's loop, made if need be (and the
 * loop's wait for descriptors: an accept that did not wait may not have
 * started it); NULL if there is none for it. Its last close (`closed`: a
 * value no later close repeats, the readiness waits' part) other than the
 * one the server noted says that the number was closed behind the server,
 * by the handler: it may be another socket's by now. */
static aio_io_slot *aio__server_slot(const aio_conn *c) {
    aio_io *io = aio__io_of(c->task.loop);
    uint32_t i = (uint32_t)aio__fd(c->fd);
    if (!io || (i >= io->nslots && (!io->grow || aio__io_grow(io, (int)i) < 0))) return NULL;
    return &io->slots[i];
}
/* Note the last close of c's number (the socket c has now is the one after it). */
static void aio__server_note(aio_conn *c) {
    aio_io_slot *slot = aio__server_slot(c);
    c->flags = (uint8_t)((c->flags & ~AIO__C_UNKEPT) | (slot ? 0 : AIO__C_UNKEPT));
    c->closed = slot ? slot->closed : 0;
}
/* 1 while c's socket is still the one the server took (not closed behind it).
 * (c's handler has not ended: its number is c->fd still.) */
static int aio__server_owns(const aio_conn *c) {
    const aio_io_slot *slot;
    if (c->flags & AIO__C_UNKEPT) return 1; /* (nothing to tell: as before) */
    slot = aio__server_slot(c);
    return slot && slot->closed == c->closed;
}

/* A wait under way on c's socket ends (AIO_ECLOSED), the socket still
 * open: no close is counted, so a stream over it is not taken for one whose
 * socket is gone (a later read finds the end the shutdown gives). */
static void aio__server_forget(aio_conn *c) {
    aio__io_drop(c->fd, 0);
}

/* A handler ended (or will never run): its socket closed, one fewer live. A
 * socket the handler closed itself (AIO_STREAM_CLOSE, which sends what its
 * stream's buffer holds first, aio_stream_abort, aio_close) is not closed
 * again: the number may be another connection's by now. */
static void aio__server_gone(aio_conn *c) {
    aio_server *s = c->server;
    if (aio__server_owns(c)) (void)aio_close(c->fd);
    c->fd = (aio_socket)-1;
    s->live--;
    if (s->share) (void)aio__share_hook(s, AIO__SHARE_GONE, -1);
    aio_event_set(&s->changed);
}

static aio_status aio__server_conn(aio_task *t) {
    aio_conn *c = AIO_CONTAINER(t, aio_conn, task);
    aio_status rc;
    if (!(c->flags & AIO__C_RAN) && (t->flags & AIO__T_CANCEL_REQ)) { /* cancelled before its first step */
        t->flags &= (uint16_t)~AIO__T_CANCEL_REQ;
        rc = AIO_ECANCELED;
    } else {
        c->flags |= AIO__C_RAN;
        rc = c->server->handler(t);
    }
    if (rc != AIO__SUSPENDED) aio__server_gone(c);
    return rc;
}

/* A free state, allocated if need be, or NULL (none: the one too many). */
static aio_conn *aio__server_free(aio_server *s) {
    uint32_t k;
    uint32_t first = s->hint; /* (s->hint moves below: the search goes from where it began) */
    if (s->live >= s->limit) return NULL;
    for (k = 0; k < s->limit; k++) { /* (from after the last one taken: the next is free, often) */
        uint32_t i = first + k < s->limit ? first + k : first + k - s->limit;
        aio_conn *c = aio__server_state(s, i);
        s->hint = i + 1 < s->limit ? i + 1 : 0;
        if (!c) {
            c = (aio_conn *)aio__zalloc(s->size);
            s->made[i] = c;
            return c; /* (NULL: out of memory, the connection refused) */
        }
        if (!aio_task_alive(&c->task)) return c;
    }
    return NULL; /* LCOV_EXCL_LINE: (fewer live than the limit: a state is free) */
}

/* A connection accepted: its handler spawned, or it is refused. */
static void aio__server_take(aio_server *s, int fd) {
    aio_conn *c = aio__server_free(s);
    uint32_t id = 0;
    if (c && s->share && !(id = aio__share_hook(s, AIO__SHARE_ADMIT, fd))) c = NULL; /* (the share's limit) */
    if (c) {
        c->fd = (aio_socket)fd;
        c->server = s;
        c->order = ++s->served;
        c->id = s->share ? id : (uint32_t)c->order;
        c->flags = 0;
        s->live++;
        if (aio_spawn(&c->task, s->step) == AIO_OK) {
            c->task.flags |= AIO__T_STARTED; /* (aio__server_conn takes its first step, cancelled or not) */
            /* The server owns it: out of the loop's list of tasks, which aio_run's
             * end cancels, into the server's (its end leaves either). At aio_run's
             * end the server is cancelled, and cancels each handler once: one
             * cancelled before (aio_conn_abort, aio_cancel, a shutdown's grace)
             * keeps its cleanup whole. */
            aio__list_unlink(&c->task.member);
            aio__list_append(&s->handlers, &c->task.member);
            aio__server_note(c);
            return;
        }
        /* LCOV_EXCL_START: (a free state's task is not alive) */
        s->live--;
        if (s->share) (void)aio__share_hook(s, AIO__SHARE_GONE, -1);
        /* LCOV_EXCL_STOP */
    }
    if (s->busy) (void)aio__net_send(fd, s->busy, strlen(s->busy), "aio_server: the refusal");
    if (s->refused) s->refused(s);
    (void)aio_close(fd);
}

/* Whether handler c was cancelled already (by the server, aio_conn_abort,
 * aio_cancel or aio_run's end): cancelling it again would cut its cleanup. */
static int aio__server_cancelled(const aio_conn *c) {
    return (c->task.flags & AIO__T_CANCEL_REQ) || c->task.cancels != 0;
}

/* The allocated states given back. */
static void aio__server_release(aio_server *s) {
    uint32_t i;
    for (i = 0; i < s->limit; i++) AIO_FREE(s->made[i]);
    AIO_FREE(s->made);
    s->made = NULL;
}

/* The accept loop, then the wait for the handlers. Its awaits number their
 * resume points themselves (1u...): AIO__LABEL's __COUNTER__ taken here
 * would move every later coroutine's labels, and the code of a program that
 * has no server with them. */
static aio_status aio__server_run(aio_task *t) {
    aio_server *s = AIO_CONTAINER(t, aio_server, task);
    AIO_BEGIN(t);
    while (s->listener >= 0) {
        AIO__AWAIT(t, s->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_ACCEPT, s->listener, NULL, 0, AIO_NEVER),
                   aio__io_poll(t, aio__f, AIO__IO_ACCEPT, NULL, 0), 1u); /* AIO_ACCEPT */
        if (s->rc >= 0) {
            if (!s->share || !aio__share_hook(s, AIO__SHARE_HAND, s->rc)) aio__server_take(s, s->rc);
            s->backoff = 0;
            AIO__AWAIT(t, (void)0, AIO__FAST(aio__yield_begin, aio__yield_start)(t, aio__f), /* AIO_YIELD: */
                       AIO__FAST(aio__yield_resume, aio__yield_poll)(t, aio__f), 2u); /* a handler's first step
                                                                            comes before the next accept */
            continue;
        }
        if (s->listener < 0 || s->rc == AIO_ECLOSED) break;
        if (s->rc == AIO_ECONNRESET) continue; /* (a connection gone before its accept: the next) */
        if (s->rc == AIO_EBADF || s->rc == AIO_EINVAL) { /* not a listener: serving cannot go on */
            (void)aio_server_close(s);
            s->failed = s->rc;
            break;
        }
        /* LCOV_EXCL_START: a failure that may pass (ENOBUFS, EPERM, EPROTO...) */
        s->backoff = s->backoff ? s->backoff * 2 : AIO_MS(1);
        if (s->backoff > AIO_MS(AIO__SERVER_BACKOFF_MAX)) s->backoff = AIO_MS(AIO__SERVER_BACKOFF_MAX);
        AIO__AWAIT(t, (void)0, aio__sleep_start(t, aio__f, s->backoff, 1), aio__sleep_poll(t, aio__f), 3u);
        /* LCOV_EXCL_STOP */
    }
    while (s->live || s->held) { /* (held: a share's loop that hands connections here) */
        aio_event_clear(&s->changed);
        if (s->graced && !aio__before(aio_now(), s->until)) {
            s->graced = 0;
            s->aborted += (uint32_t)aio_server_abort_clients(s);
            continue;
        }
        AIO__AWAIT(t, (void)0, aio__event_start(t, aio__f, &s->changed, s->graced ? s->until - aio_now() : AIO_NEVER),
                   aio__event_poll(t, aio__f, &s->changed), 4u); /* AIO_EVENT_WAIT */
    }
    AIO_RETURN(t, s->failed ? s->failed : (aio_status)s->aborted);
    AIO_FINALLY(t);
    (void)aio_server_close(s);
    if (s->live) { /* cancelled while serving: its handlers are cancelled too, and waited for */
        (void)aio_server_abort_clients(s);
        AIO__SCOPE(t, &s->shield, AIO_NEVER, AIO__ENTER_RELATIVE | AIO__ENTER_SHIELD, 5u) { /* (AIO_SHIELDED:
                                                         a second cancel does not cut the wait short) */
            while (s->live) {
                aio_event_clear(&s->changed);
                AIO__AWAIT(t, (void)0, aio__event_start(t, aio__f, &s->changed, AIO_NEVER),
                           aio__event_poll(t, aio__f, &s->changed), 6u); /* AIO_EVENT_WAIT */
            }
        }
    }
    if (s->made) aio__server_release(s); /* (none live by now: the states are free) */
    AIO_END(t);
}

AIO_API aio_status aio_server_init(aio_server *srv, aio_task_fn handler, void *states, size_t size,
                                   uint32_t limit) {
    if (!srv || !handler)
        return aio__misuse(AIO_EINVAL, "aio_server_init: the server or the handler is NULL");
    if (size < sizeof(aio_conn) || !limit)
        return aio__misuse(AIO_EINVAL, "aio_server_init: the state's size is smaller than an aio_conn "
                                       "(its first member), or the limit is 0");
    memset(srv, 0, sizeof *srv);
    srv->handler = handler;
    srv->step = aio__server_conn; /* (a TLS server's: aio_server_set_tls) */
    srv->states = (unsigned char *)states;
    srv->size = size;
    srv->limit = limit;
    srv->listener = -1;
    return AIO_OK;
}

AIO_API void aio_server_refuse(aio_server *srv, const char *message, void (*refused)(aio_server *srv)) {
    if (!srv) {
        (void)aio__misuse(AIO_EINVAL, "aio_server_refuse: the server is NULL");
        return;
    }
    srv->busy = message;
    srv->refused = refused;
}

/* A Unix server's socket file (asyncio 3.13's rule): noted when the server
 * starts on a listener bound to a path (aio_unix_listen made it just
 * before), removed when it closes, and only if the path still names that
 * file: one another listener made there since is left alone
 * (aio__sys_unix_file: the system's, where there are Unix sockets). */
#define aio__server_unix_file(s, listener) aio__sys_unix_file(&(s)->unix_file, (listener))

/* srv serves `listener` (or, -1, a share's connections handed to it). */
static aio_status aio__server_begin(aio_server *srv, int listener) {
    aio_status rc;
    if (!srv || !srv->handler) {
        (void)aio_close(listener);
        return aio__misuse(AIO_EINVAL, "aio_server_start: the server is NULL or not initialised "
                                       "(aio_server_init)");
    }
    if (aio_task_alive(&srv->task)) {
        (void)aio_close(listener);
        return aio__misuse(AIO_EBUSY, "aio_server_start: the server is serving already");
    }
    if (!srv->states) { /* (none made: a server gives them back as it ends, or fails to start) */
        srv->made = (aio_conn **)aio__zalloc(srv->limit * sizeof(aio_conn *));
        if (!srv->made) { /* out of memory */
            if (listener >= 0) (void)aio_close(listener); /* (-1: a share's, handed its connections) */
            return AIO_EIO;
        }
    }
    srv->listener = listener;
    if (listener >= 0) aio__server_unix_file(srv, listener);
    aio__list_init(&srv->handlers);
    srv->graced = 0;
    srv->aborted = 0;
    srv->failed = 0;
    rc = aio_spawn(&srv->task, aio__server_run);
    /* (its first step is taken cancelled or not: one cancelled before it, by
     * aio_run's end say, closes the listener in its cleanup all the same) */
    if (rc == AIO_OK) srv->task.flags |= AIO__T_STARTED;
    if (rc < 0) { /* (the task is not alive: only no loop refuses it) */
        srv->listener = -1;
        if (listener >= 0) (void)aio_close(listener); /* LCOV_EXCL_BR_LINE: (a share's start has a loop) */
        aio__server_unix_file(srv, -1);
        if (srv->made) aio__server_release(srv);
    }
    return rc;
}
AIO_API aio_status aio_server_start(aio_server *srv, int listener) {
    if (listener < 0) return listener; /* (the listen's own status, its message given) */
    if (srv) srv->share = NULL;
    return aio__server_begin(srv, listener);
}

AIO_API aio_status aio_server_listen(aio_server *srv, const char *host, int port, int backlog) {
    return aio_server_start(srv, aio_tcp_listen(host, port, backlog));
}

AIO_API int aio_server_port(const aio_server *srv) {
    if (!srv || (srv->listener < 0 && !srv->held))
        return aio__misuse(AIO_EBADF, "aio_server_port: no server, or it is closed");
    if (srv->listener < 0) return aio_address_port(&srv->share->at); /* (a share's, handed connections) */
    return aio_socket_port(srv->listener);
}

AIO_API aio_status aio_server_close(aio_server *srv) {
    int l;
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_close: the server is NULL");
    l = srv->listener;
    if (l < 0 && !srv->held) return AIO_ECLOSED;
    srv->listener = -1;
    if (srv->share) { /* (no more connections handed to it; its loop's wake-up let go) */
        (void)aio__share_hook(srv, AIO__SHARE_LEAVE, -1);
        srv->held = 0;
        aio_event_set(&srv->changed);
    }
    if (l < 0) return AIO_OK;
    (void)aio_close(l); /* (the accept wakes with AIO_ECLOSED) */
    aio__server_unix_file(srv, -1);
    return AIO_OK;
}

/* The live connections are the server's list of handlers, in the order
 * they came: the next after one whose handler is alive is found in the list
 * (a broadcast to n members costs n steps, not n times the limit); after one
 * that has ended since, by its order among the states. */
AIO_API aio_conn *aio_server_next(aio_server *srv, const aio_conn *c) {
    aio_conn *best = NULL;
    uint64_t after;
    uint32_t i;
    if (!srv || !srv->handlers.next) return NULL; /* (a server zeroed, never made) */
    if (!c || (c->server == srv && aio_task_alive(&c->task))) {
        aio_link *n;
        for (n = c ? c->task.member.next : srv->handlers.next; n != &srv->handlers; n = n->next) {
            aio_conn *k = AIO_CONTAINER(n, aio_conn, task.member);
            if (k->fd != (aio_socket)-1) return k;
        }
        return NULL;
    }
    after = c->order;
    for (i = 0; i < srv->limit; i++) {
        aio_conn *k = aio__server_state(srv, i);
        if (!k || !aio_task_alive(&k->task) || k->fd == (aio_socket)-1 || k->order <= after) continue;
        if (!best || k->order < best->order) best = k;
    }
    return best;
}

AIO_API int aio_server_close_clients(aio_server *srv) {
    aio_conn *c;
    int n = 0;
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_close_clients: the server is NULL");
    for (c = aio_server_next(srv, NULL); c; c = aio_server_next(srv, c)) {
        if (!aio__server_owns(c)) continue; /* (its handler closed it: the number is not its) */
        (void)aio__net_shutdown(aio__fd(c->fd));
        aio__server_forget(c); /* (a wait under way wakes: WSAPoll reports no shutdown of its own) */
        n++;
    }
    return n;
}

AIO_API int aio_server_abort_clients(aio_server *srv) {
    aio_conn *c;
    int n = 0;
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_abort_clients: the server is NULL");
    for (c = aio_server_next(srv, NULL); c; c = aio_server_next(srv, c)) {
        if (aio__server_cancelled(c)) continue; /* (told already: its cleanup runs) */
        (void)aio_cancel(&c->task);
        n++;
    }
    return n;
}

AIO_API int aio_conn_abort(aio_conn *c) {
    int owns;
    if (!c || !c->server)
        return aio__misuse(AIO_EINVAL, "aio_conn_abort: the connection is NULL, or no server took it");
    if (c->fd == (aio_socket)-1 || (c->flags & AIO__C_ABORTED)) return 0; /* (-1: its handler ended) */
    owns = aio__server_owns(c); /* (its handler closed it: the number may be another socket's) */
    c->flags |= AIO__C_ABORTED;
    if (owns) (void)aio__net_shutdown(aio__fd(c->fd));
    if (!aio__server_cancelled(c)) (void)aio_cancel(&c->task);
    if (owns) aio__server_forget(c); /* (inside a shielded block, where the cancel waits: AIO_ECLOSED) */
    return 1;
}

AIO_API aio_status aio_server_shutdown(aio_server *srv, aio_time grace) {
    aio_time now = aio_now();
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_shutdown: the server is NULL");
    if (grace > AIO__HALF_RANGE && grace != AIO_NEVER)
        return AIO__TIMEOUT_REFUSED("aio_server_shutdown: the grace");
    if (!aio_task_alive(&srv->task)) return aio_task_done(&srv->task) ? AIO_OK : aio__misuse(AIO_EINVAL,
        "aio_server_shutdown: the server was never started");
    (void)aio_server_close(srv);
    srv->until = now + grace;
    srv->graced = grace != AIO_NEVER;
    aio_event_set(&srv->changed);
    return AIO_OK;
}
#endif /* AIO__SOCKETS */

