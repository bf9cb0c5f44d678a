// >>server-share
/* ------------------------------------------------ a server on every core */

/* A share (aio_server_share_init) is an address, a lock and a record per
 * loop. Each loop that joins (aio_server_start_shared, on its own thread)
 * gets a wake pair of its own and a task of the library, the watcher, that
 * waits until the pair is readable. What crosses threads goes through the
 * share's lock: the connections handed to a loop (a short queue in its
 * record), the share's count of live connections and its ids, and the
 * close; a byte on the loop's pair then wakes its watcher, which takes
 * what is queued in its own loop's thread.
 *
 * Where the system balances (AIO__REUSE_PORT) every loop listens on the
 * port with that option and accepts for itself; the pair carries only the
 * close. Elsewhere the first loop to join takes the listener and hands each
 * connection it accepts to the loops in turn, itself among them: a loop
 * whose queue is full, or which has left, is passed over (its own turn is
 * the accepting loop's). A loop leaves when its server closes: under the
 * lock, what was queued for it is closed and its pair's writing end with
 * it, so that nothing is handed to it again; its watcher, woken by the
 * close of the reading end, ends. Nothing here is linked by a program that
 * does not call aio_server_share_init. */
#if defined(AIO__SOCKETS) && defined(AIO__THREADS)
enum { AIO__SHARE_QUEUE = 64 }; /* connections handed to a loop and not taken yet, at most */
/* What the first listener is made as: one that shares its port where the
 * system balances (a hand-off asked later still works with it: it is the
 * only one then), else a plain listener. */
#ifdef AIO__REUSE_PORT
#define AIO__SHARE_CLAIM AIO__CLAIM_SHARED
#else
#define AIO__SHARE_CLAIM 1
#endif

typedef struct aio__share_member {
    aio_task watcher;      /* waits on wake[0] (its loop's) */
    aio_server_share *share;
    aio_loop *loop;        /* the loop it serves on */
    aio_server *srv;       /* (its loop's thread) */
    aio_event *stop;       /* set when the share closes (its loop's thread) */
    aio_status rc;         /* the watcher's wait (its loop's thread) */
    int wake[2];           /* [0] read by the watcher, [1] written under the lock; -1: none */
    int queue[AIO__SHARE_QUEUE]; /* connections handed to it (under the lock) */
    uint32_t head, count;  /* (under the lock) */
    uint8_t open;          /* joined and not left (under the lock) */
} aio__share_member;

#define AIO__SHARE_LOCK(sh) aio__lock((aio__mutex *)(sh)->lock)
#define AIO__SHARE_UNLOCK(sh) aio__unlock((aio__mutex *)(sh)->lock)

/* aio__share_hook: what a server of the share asks (see "servers"). */
static uint32_t aio__share_ask(aio_server *s, int op, int fd) {
    aio_server_share *sh = s->share;
    aio__share_member *me = &sh->members[s->member];
    uint32_t r = 0;
    AIO__SHARE_LOCK(sh);
    if (op == AIO__SHARE_ADMIT) {
        if (!sh->limit || sh->live < sh->limit) {
            sh->live++;
            r = ++sh->served;
            if (!r) r = ++sh->served; /* (after 2^32 connections: 0 says "refused") */
        }
    } else if (op == AIO__SHARE_GONE) {
        sh->live--;
    } else if (op == AIO__SHARE_HAND) { /* (where each loop listens, each keeps what it accepts) */
        int k = sh->reuse_port ? s->member : sh->next;
        aio__share_member *to = &sh->members[k];
        if (!sh->reuse_port) sh->next = k + 1 < sh->joined ? k + 1 : 0;
        /* (a queue full: 64 handed and not taken, a loop far behind; not met by the tests) */
        if (k != s->member && to->open && to->count < AIO__SHARE_QUEUE) { /* LCOV_EXCL_BR_LINE */
            to->queue[(to->head + to->count++) % AIO__SHARE_QUEUE] = fd;
            aio__wake_pair_write(to->wake[1]);
            r = 1;
        }
    } else { /* AIO__SHARE_LEAVE */
        me->open = 0;
        while (me->count) { /* (handed and never taken: closed here, not leaked) */
            (void)aio__net_closesocket(me->queue[me->head]);
            me->head = (me->head + 1) % AIO__SHARE_QUEUE;
            me->count--;
        }
        (void)aio__net_closesocket(me->wake[1]); /* (a server leaves once: its pair is open) */
        me->wake[1] = -1;
    }
    AIO__SHARE_UNLOCK(sh);
    if (op == AIO__SHARE_LEAVE) { /* (its watcher wakes: AIO_ECLOSED) */
        int w = me->wake[0];
        me->wake[0] = -1;
        (void)aio_close(w);
    }
    return r;
}

/* The watcher's turn: the connections queued for its loop served there
 * (the server takes each as it takes one it accepted), then, if the share
 * was closed, the server closed and the program told. 1 once it closed. */
static int aio__share_take(aio__share_member *m) {
    aio_server_share *sh = m->share;
    int fds[AIO__SHARE_QUEUE];
    uint32_t n = 0;
    uint32_t i;
    int closed;
    AIO__SHARE_LOCK(sh);
    while (m->count) {
        fds[n++] = m->queue[m->head];
        m->head = (m->head + 1) % AIO__SHARE_QUEUE;
        m->count--;
    }
    closed = sh->closed;
    AIO__SHARE_UNLOCK(sh);
    for (i = 0; i < n; i++) {
        aio_io_forget(fds[i]); /* (its number on this loop: nothing of an earlier socket watched) */
        aio__server_take(m->srv, fds[i]);
    }
    if (!closed) return 0;
    (void)aio_server_close(m->srv);
    if (m->stop) aio_event_set(m->stop);
    return 1;
}

/* The watcher: its awaits number their resume points themselves (as the
 * server's task does). */
static aio_status aio__share_watch(aio_task *t) {
    aio__share_member *m = AIO_CONTAINER(t, aio__share_member, watcher);
    AIO_BEGIN(t);
    for (;;) { /* (a pair closed while it took its turn: the wait fails, AIO_EBADF) */
        AIO__AWAIT(t, m->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_READABLE, m->wake[0], NULL, 0, AIO_NEVER),
                   aio__io_poll(t, aio__f, AIO__IO_READABLE, NULL, 0), 1u); /* AIO_WAIT_READABLE */
        if (m->rc < 0) break; /* (its server left: the pair was closed) */
        aio__wake_pair_drain(m->wake[0]);
        if (aio__share_take(m)) break;
    }
    AIO_END(t);
}

AIO_API aio_status aio_server_share_init(aio_server_share *sh, int loops, const char *host, int port, int backlog) {
    aio_status rc;
    int i;
    if (!sh || loops < 1 || loops > AIO_SERVER_SHARE_MAX)
        return aio__misuse(AIO_EINVAL, "aio_server_share_init: the share is NULL, or loops is not 1 to "
                                       "AIO_SERVER_SHARE_MAX");
    memset(sh, 0, sizeof *sh);
    sh->first = -1;
#ifdef AIO__SIM
    if (aio__os() != &aio__system_platform)
        return aio__misuse(AIO_EINVAL, "aio_server_share_init: a share's loops run on threads: not in a simulation");
#endif
    rc = aio_address_set(&sh->at, host, port);
    if (rc < 0 || backlog < 0)
        return aio__misuse(AIO_EINVAL, "aio_server_share_init: a bad host or port, or a negative backlog");
    sh->backlog = backlog;
    sh->loops = loops;
    sh->members = (aio__share_member *)aio__zalloc((size_t)loops * sizeof *sh->members);
    sh->lock = aio__zalloc(sizeof(aio__mutex));
    if (!sh->members || !sh->lock) { /* (out of memory) */
        AIO_FREE(sh->members);
        AIO_FREE(sh->lock);
        sh->members = NULL;
        sh->lock = NULL;
        errno = ENOMEM;
        return AIO_EIO;
    }
    for (i = 0; i < loops; i++) sh->members[i].wake[0] = sh->members[i].wake[1] = -1;
#ifdef AIO__REUSE_PORT
    sh->reuse_port = 1;
#endif
    sh->first = aio__net_listen_as(&sh->at, backlog, AIO__SHARE_CLAIM);
    if (sh->first < 0) {
        rc = (aio_status)sh->first;
        AIO_FREE(sh->members);
        AIO_FREE(sh->lock);
        sh->members = NULL;
        sh->lock = NULL;
        return rc;
    }
    (void)aio_address_set(&sh->at, host, aio_socket_port(sh->first)); /* (port 0: the one it got) */
    aio__mutex_init((aio__mutex *)sh->lock);
    return AIO_OK;
}

AIO_API aio_status aio_server_share_limit(aio_server_share *sh, uint32_t limit) {
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_limit: the share is NULL or not made");
    AIO__SHARE_LOCK(sh);
    sh->limit = limit;
    AIO__SHARE_UNLOCK(sh);
    return AIO_OK;
}
AIO_API aio_status aio_server_share_hand_off(aio_server_share *sh) {
    if (!sh || !sh->lock || sh->joined)
        return aio__misuse(AIO_EINVAL, "aio_server_share_hand_off: the share is NULL, not made, or a loop joined "
                                       "it already (choose before the loops start)");
    sh->reuse_port = 0;
    return AIO_OK;
}
AIO_API int aio_server_share_port(const aio_server_share *sh) {
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_port: the share is NULL or not made");
    return aio_address_port(&sh->at);
}
AIO_API uint32_t aio_server_share_live(aio_server_share *sh) {
    uint32_t n;
    if (!sh || !sh->lock) return (void)aio__misuse(AIO_EINVAL, "aio_server_share_live: the share is NULL or not made"), 0u;
    AIO__SHARE_LOCK(sh);
    n = sh->live;
    AIO__SHARE_UNLOCK(sh);
    return n;
}

AIO_API aio_status aio_server_start_shared(aio_server *srv, aio_server_share *sh, aio_event *stop) {
    aio__share_member *m;
    aio_status rc;
    int listener = -1;
    int k;
    if (!srv || !srv->handler || !sh || !sh->lock || !aio__loop)
        return aio__misuse(AIO_EINVAL, "aio_server_start_shared: the server or the share is NULL or not made "
                                       "(aio_server_init, aio_server_share_init), or no loop runs");
    if (aio_task_alive(&srv->task)) return aio__misuse(AIO_EBUSY, "aio_server_start_shared: the server is serving already");
#ifdef AIO__ONE_LOOP_THREAD
    if (sh->joined && sh->members[0].loop != aio__loop) /* (read on the thread that wrote it: no other can run) */
        return aio__misuse(AIO_EINVAL, "aio_server_start_shared: loops on several threads need the running loop "
                                       "kept per thread: #define AIO_THREAD_LOCAL _Thread_local before the header");
#endif
    AIO__SHARE_LOCK(sh);
    k = sh->joined;
    rc = sh->closed ? AIO_ECLOSED : k >= sh->loops ? AIO_ELIMIT : AIO_OK;
    if (rc == AIO_OK) {
        m = &sh->members[k];
        if (aio__wake_pair_open(m->wake) != 0) { /* LCOV_EXCL_START: out of descriptors */
            m->wake[0] = m->wake[1] = -1;
            rc = AIO_EIO;
            /* LCOV_EXCL_STOP */
        } else if (k == 0 || sh->reuse_port) {
            listener = k == 0 ? sh->first : aio__net_listen_as(&sh->at, sh->backlog, AIO__CLAIM_SHARED);
            if (k == 0) sh->first = -1;
            /* LCOV_EXCL_START: a listener beside the first refused (out of descriptors: the port is
             * the first's, which every later one shares) */
            if (listener < 0) {
                rc = (aio_status)listener; /* (AIO_EIO: errno says why) */
                (void)aio__net_closesocket(m->wake[0]);
                (void)aio__net_closesocket(m->wake[1]);
                m->wake[0] = m->wake[1] = -1;
            }
            /* LCOV_EXCL_STOP */
        }
        if (rc == AIO_OK) { /* LCOV_EXCL_BR_LINE: (not: out of descriptors, above) */
            m->share = sh;
            m->loop = aio__loop;
            m->srv = srv;
            m->stop = stop;
            m->open = 1;
            sh->joined = k + 1;
        }
    }
    AIO__SHARE_UNLOCK(sh);
    if (rc == AIO_ECLOSED) return aio__misuse(rc, "aio_server_start_shared: the share was closed");
    if (rc == AIO_ELIMIT) return aio__misuse(rc, "aio_server_start_shared: as many loops as the share was made "
                                                 "for have joined it");
    if (rc < 0) return rc; /* LCOV_EXCL_BR_LINE: (AIO_EIO: out of descriptors, above) */
    m = &sh->members[k];
    aio_io_forget(m->wake[0]); /* (a number used before on this loop) */
    if (listener >= 0) aio_io_forget(listener);
    aio__share_hook = aio__share_ask; /* (this thread's: see aio__io_carry) */
    srv->share = sh;
    srv->member = k;
    srv->held = listener < 0;
    rc = aio__server_begin(srv, listener); /* (AIO_EIO: out of memory for its states; its listener closed) */
    if (rc == AIO_OK) rc = aio_spawn(&m->watcher, aio__share_watch); /* (a loop runs: not refused) */
    if (rc < 0) { /* the server does not serve: it leaves the share at once */
        srv->held = 0;
        (void)aio__share_ask(srv, AIO__SHARE_LEAVE, -1);
        srv->share = NULL;
        return rc;
    }
    return AIO_OK;
}

AIO_API aio_status aio_server_share_close(aio_server_share *sh) {
    int i;
    aio_status rc = AIO_OK;
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_close: the share is NULL or not made");
    AIO__SHARE_LOCK(sh);
    if (sh->closed) {
        rc = AIO_ECLOSED;
    } else {
        sh->closed = 1;
        for (i = 0; i < sh->joined; i++)
            if (sh->members[i].open) aio__wake_pair_write(sh->members[i].wake[1]);
    }
    AIO__SHARE_UNLOCK(sh);
    return rc;
}

AIO_API aio_status aio_server_share_free(aio_server_share *sh) {
    int i;
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_free: the share is NULL or not made");
    AIO__SHARE_LOCK(sh);
    for (i = 0; i < sh->joined && !sh->members[i].open; i++) continue;
    AIO__SHARE_UNLOCK(sh);
    if (i < sh->joined)
        return aio__misuse(AIO_EBUSY, "aio_server_share_free: a server still serves the share (close or shut "
                                      "each down, and let its loop end, first)");
    if (sh->first >= 0) (void)aio__net_closesocket(sh->first); /* (no loop joined) */
    aio__mutex_done((aio__mutex *)sh->lock);
    AIO_FREE(sh->lock);
    AIO_FREE(sh->members);
    sh->lock = NULL;
    sh->members = NULL;
    sh->first = -1;
    return AIO_OK;
}
#endif /* AIO__SOCKETS && AIO__THREADS */
