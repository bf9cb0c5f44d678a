// >>sysio
/* -------------------------------------------------- the system's I/O wait */

typedef struct aio__sysio {
    aio_io io;
    aio_loop *loop;
    int pipe[2];     /* wakes the wait: events set from elsewhere, signals
                        (a pipe; on Windows a pair of sockets) */
    void *pool;      /* the worker threads, once a blocking call needed them */
    uint8_t run;     /* aio_run's turns: 0 unknown, 1 in aio_run, 2 its idle wait woke nothing */
#ifdef AIO__PROCESSES
    aio_process *children; /* spawned and not closed */
    int sigchld;     /* SIGCHLD tells this loop of its children's exits */
#endif
#ifdef AIO__POSIX_PROCESSES
    struct aio__sysio *sigchld_next; /* the next loop SIGCHLD tells */
    unsigned sigchld_seen;           /* the count of SIGCHLDs it has looked after */
#endif
#ifdef AIO__EPOLL
    int epfd;
#else
    aio__pollfd *fds;   /* [0] is the pipe */
    uint32_t *at;       /* per descriptor: its index in fds, 0 = none */
    uint32_t nfds;
    uint32_t cap;
#endif
} aio__sysio;

static void aio__sysio_wakeup(void *ctx, aio_loop *L) {
    (void)L;
    aio__wake_pair_write(((aio__sysio *)ctx)->pipe[1]);
}

/* The wait's timeout in milliseconds, rounded up (never early): -1 for none. */
static int aio__io_timeout(aio_loop *L, aio_time deadline) {
    aio_time now;
    uint64_t ticks;
    uint64_t ms;
    if (deadline == AIO_NEVER) return -1;
    if (deadline == L->now || L->is_virtual) return 0; /* (virtual time jumps instead) */
    now = L->clock(L->clock_ctx);
    if (!aio__before(now, deadline)) return 0;
    ticks = (uint64_t)(aio_time)(deadline - now);
    ms = ticks / AIO_TICKS_PER_SEC * 1000u + (ticks % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) / AIO_TICKS_PER_SEC;
    return ms > 0x7fffffffu ? 0x7fffffff : (int)ms;
}

static void aio__sysio_drain(aio__sysio *s) { aio__wake_pair_drain(s->pipe[0]); }

/* One system call to wait per turn of aio_run (aio__io_events asks). Each
 * turn's drain looks at the descriptors without blocking, and a turn that
 * leaves nothing to run then waits in aio__io_idle: two calls where one
 * does. aio_run's idle wait marks the port (0 until then: aio_step looks as
 * it always did). The empty turn right after a wait that woke nothing does
 * not look again: the wait just did (asyncio's one select per iteration).
 * A later drain leaves its look to the idle wait when the turn will go
 * idle: nothing to run or drain (the pool's ended calls included), no timer
 * due at the turn's time, no listener paused; what a look would find then
 * is what the wait finds, in the same order. It unmarks the port: the wait
 * marks it again, and a return from aio_run leaves aio_step its looks. */
static void aio__sysio_idles(aio_loop *L) {
    ((aio__sysio *)L->io)->run = (uint8_t)(aio__ready_empty(L) ? 2 : 1);
}
static int aio__sysio_looked(aio_loop *L) {
    aio__sysio *s = (aio__sysio *)L->io;
    if (s->run == 2) {
        s->run = 1;
        return 1;
    }
    if (!s->run || s->io.paused || !aio__ready_empty(L) || aio__any_signalled(L)) return 0;
    if (L->heap_len && !aio__before(aio__now(L), L->heap[0].when)) return 0;
    s->run = 0;
    return 1;
}

/* Whether loop L waits through the system's wait (below): its grow is the
 * one thing of it that the pool, once started, does not wrap. */
#define AIO__SYSTEM_PORT(L) ((L)->io->grow == aio__sysio_grow)
static aio_status aio__sysio_grow(aio_io *io, int fd) {
    aio__sysio *s = (aio__sysio *)io;
    uint32_t n = io->nslots ? io->nslots : 64u;
    aio_io_slot *slots;
    while (n <= (uint32_t)fd) n *= 2u;
    slots = (aio_io_slot *)AIO_REALLOC(io->slots, (size_t)n * sizeof *slots);
    if (!slots) return AIO_EIO; /* (out of memory) */
    memset(slots + io->nslots, 0, (size_t)(n - io->nslots) * sizeof *slots);
    io->slots = slots;
#ifndef AIO__EPOLL
    {
        uint32_t *at = (uint32_t *)AIO_REALLOC(s->at, (size_t)n * sizeof *at);
        if (!at) return AIO_EIO; /* (out of memory) */
        memset(at + io->nslots, 0, (size_t)(n - io->nslots) * sizeof *at);
        s->at = at;
    }
#else
    (void)s;
#endif
    io->nslots = n;
    return AIO_OK;
}

#ifdef AIO__PROCESSES
static void aio__children_release(aio__sysio *s);
#endif

/* What the system's wait carries besides descriptors, that would go with
 * it if it were let go while the loop lives (aio_loop_set_io): NULL if
 * nothing, else why it cannot be. */
static const char *aio__sysio_holds(aio_io *io) {
    aio__sysio *s = (aio__sysio *)io;
#ifdef AIO__SIGNALS
    int signo;
    if (aio__sig_loop == s->loop)
        for (signo = 1; signo < AIO__NSIG; signo++)
            if (aio__sig_event[signo])
                return "aio_loop_set_io: signals are routed to the loop through its wait (aio_signal_event; "
                       "route them elsewhere first, with ev NULL)";
#endif
#ifdef AIO__PROCESSES
    if (s->children) return "aio_loop_set_io: child processes of the loop are not closed (aio_process_close)";
#endif
    if (s->pool) return "aio_loop_set_io: the loop's worker threads have started; they end with aio_loop_destroy";
    return NULL;
}

static void aio__sysio_release(aio_io *io) {
    aio__sysio *s = (aio__sysio *)io;
#ifdef AIO__SIGNALS
    int signo;
#endif
#ifdef AIO__PROCESSES
    aio__children_release(s); /* (killed, reaped, closed; SIGCHLD back to the program's action) */
#endif
#ifdef AIO__SIGNALS
    if (aio__sig_loop == s->loop) {
        for (signo = 1; signo < AIO__NSIG; signo++)
            if (aio__sig_event[signo]) aio__sig_default(signo);
#ifdef AIO__WIN32_IO
        AcquireSRWLockExclusive(&aio__sig_lock);
        aio__sig_fd = -1;
        ReleaseSRWLockExclusive(&aio__sig_lock);
        (void)SetEvent(aio__sig_done); /* a console close may end the process now */
#else
        aio__sig_fd = -1;
#endif
        aio__sig_loop = NULL;
    }
#endif
    aio_loop_set_wakeup(s->loop, NULL, NULL); /* (it wrote to the pipe closed below) */
    aio__wake_pair_close(s->pipe);
#ifdef AIO__EPOLL
    (void)close(s->epfd);
#else
    AIO_FREE(s->fds);
    AIO_FREE(s->at);
#endif
    AIO_FREE(io->slots);
    AIO_FREE(s);
#ifdef AIO__WIN32_IO
    (void)WSACleanup(); /* (the loop's start of Winsock) */
#endif
}

#ifdef AIO__EPOLL
static aio_status aio__epoll_watch(aio_io *io, int fd, int old, int events) {
    aio__sysio *s = (aio__sysio *)io;
    struct epoll_event e;
    int op = old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    memset(&e, 0, sizeof e);
    e.events = (events & AIO_READABLE ? (uint32_t)EPOLLIN : 0u) | (events & AIO_WRITABLE ? (uint32_t)EPOLLOUT : 0u);
    e.data.fd = fd;
    if (!events) {
        (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, &e); /* (gone already if it was closed) */
        return AIO_OK;
    }
    if (epoll_ctl(s->epfd, op, fd, &e) == 0) return AIO_OK;
    /* what the slot says was watched may be stale: the number was closed
     * (which takes it out of epoll) and opened again */
    if (errno == ENOENT && epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) == 0) return AIO_OK;
    if (errno == EPERM) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "cannot be waited on (a regular file or a directory)");
    return aio__net_error(errno, "I/O wait", fd);
}

static void aio__epoll_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__sysio *s = (aio__sysio *)io;
    struct epoll_event ev[128];
    int ms = aio__io_timeout(L, deadline);
    int n;
    int i;
    if (ms == 0 && !io->waiting && !aio__sig_any) return; /* nothing to look at */
    n = epoll_wait(s->epfd, ev, 128, ms);
    for (i = 0; i < n; i++) {
        int fd = ev[i].data.fd;
        uint32_t e = ev[i].events;
        if (fd == s->pipe[0]) {
            aio__sysio_drain(s);
            continue;
        }
        aio_io_ready(L, fd, (e & (uint32_t)(EPOLLIN | EPOLLHUP | EPOLLERR) ? (int)AIO_READABLE : 0) |
                                (e & (uint32_t)(EPOLLOUT | EPOLLHUP | EPOLLERR) ? (int)AIO_WRITABLE : 0));
    }
    aio__deliver_signals(L);
}
#else
static aio_status aio__poll_watch(aio_io *io, int fd, int old, int events) {
    aio__sysio *s = (aio__sysio *)io;
    uint32_t i = s->at[fd];
    aio_status rc;
    (void)old;
    if (!events) {
        if (i) { /* LCOV_EXCL_BR_LINE: (called for a watched descriptor only) the last entry takes its place */
            s->fds[i] = s->fds[--s->nfds];
            s->at[(int)s->fds[i].fd] = i;
            s->at[fd] = 0;
        }
        return AIO_OK;
    }
    rc = aio__net_can_watch(fd);
    if (rc < 0) return rc;
    if (!i) {
        if (s->nfds == s->cap) {
            uint32_t cap = s->cap * 2u;
            aio__pollfd *fds = (aio__pollfd *)AIO_REALLOC(s->fds, (size_t)cap * sizeof *fds);
            if (!fds) return AIO_EIO; /* (out of memory) */
            s->fds = fds;
            s->cap = cap;
        }
        i = s->nfds++;
        s->at[fd] = i;
        s->fds[i].fd = AIO__SOCK(fd);
    }
    s->fds[i].events = (short)((events & AIO_READABLE ? POLLIN : 0) | (events & AIO_WRITABLE ? POLLOUT : 0));
    s->fds[i].revents = 0;
    return AIO_OK;
}

static void aio__poll_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__sysio *s = (aio__sysio *)io;
    int ms = aio__io_timeout(L, deadline);
    uint32_t i;
    int n;
    if (ms == 0 && !io->waiting && !aio__sig_any) return;
    n = aio__poll(s->fds, s->nfds, ms);
#ifdef AIO__WIN32_IO
    /* WSAPoll fails as a whole for a socket closed behind the loop's back:
     * each such socket is reported ready, so that its waiter finds out */
    if (n < 0 && WSAGetLastError() == WSAENOTSOCK) {
        for (i = 0; i < s->nfds; i++)
            s->fds[i].revents = (short)(i && aio__net_can_watch((int)s->fds[i].fd) < 0 ? POLLNVAL : 0);
        n = 1;
    }
#endif
    if (n > 0) {
        /* from the end: a report may move the last entry into its place */
        for (i = s->nfds; i-- > 1;) {
            short r = s->fds[i].revents;
            if (!r) continue;
            s->fds[i].revents = 0;
            aio_io_ready(L, (int)s->fds[i].fd,
                         (r & (POLLIN | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_READABLE : 0) |
                             (r & (POLLOUT | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_WRITABLE : 0));
        }
        if (s->fds[0].revents) aio__sysio_drain(s);
        s->fds[0].revents = 0;
    }
    aio__deliver_signals(L);
}
#endif

static aio_io *aio__sysio_start(aio_loop *L) {
    aio__sysio *s = (aio__sysio *)aio__zalloc(sizeof *s);
    if (!s) return NULL; /* (out of memory) */
#ifdef AIO__WIN32_IO
    if (aio__wsa_start() != 0) {
        AIO_FREE(s);
        return NULL;
    }
#endif
    if (aio__wake_pair_open(s->pipe) != 0) { /* (out of descriptors) */
#ifdef AIO__WIN32_IO
        (void)WSACleanup();
#endif
        AIO_FREE(s);
        return NULL;
    }
#ifdef AIO__EPOLL
    s->epfd = epoll_create1(EPOLL_CLOEXEC); /* (-1: out of memory or descriptors) */
    if (s->epfd >= 0) {
        struct epoll_event e;
        memset(&e, 0, sizeof e);
        e.events = EPOLLIN;
        e.data.fd = s->pipe[0];
        /* LCOV_EXCL_START: out of memory */
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->pipe[0], &e) != 0) {
            (void)close(s->epfd);
            s->epfd = -1;
        }
        /* LCOV_EXCL_STOP */
    }
    if (s->epfd < 0) {
        (void)close(s->pipe[0]);
        (void)close(s->pipe[1]);
        AIO_FREE(s);
        return NULL;
    }
    s->io.watch = aio__epoll_watch;
    s->io.wait = aio__epoll_wait;
#else
    s->cap = 64;
    s->fds = (aio__pollfd *)AIO_MALLOC(s->cap * sizeof *s->fds);
    if (!s->fds) { /* (out of memory) */
        aio__wake_pair_close(s->pipe);
#ifdef AIO__WIN32_IO
        (void)WSACleanup();
#endif
        AIO_FREE(s);
        return NULL;
    }
    s->fds[0].fd = AIO__SOCK(s->pipe[0]);
    s->fds[0].events = POLLIN;
    s->fds[0].revents = 0;
    s->nfds = 1;
    s->io.watch = aio__poll_watch;
    s->io.wait = aio__poll_wait;
#endif
    s->io.grow = aio__sysio_grow;
    s->io.release = aio__sysio_release;
    s->loop = L;
    L->io = &s->io;
#ifdef AIO__SHARED
    aio_loop_set_wakeup(L, aio__sysio_wakeup, s); /* events set from other threads */
#endif
    return &s->io;
}

#ifdef AIO__SIGNALS
AIO_API aio_status aio_signal_event(int signo, aio_event *ev) {
    aio_loop *L = aio__loop;
#ifdef AIO__WIN32_IO
    if (signo != SIGINT && signo != SIGBREAK && signo != SIGTERM)
        return aio__misuse(AIO_EINVAL, "aio_signal_event: Windows delivers SIGINT (Ctrl-C), SIGBREAK "
                                       "(Ctrl-Break) and SIGTERM (console closed, logoff, shutdown) only");
#else
    struct sigaction sa;
    if (signo <= 0 || signo >= AIO__NSIG || signo == SIGKILL || signo == SIGSTOP)
        return aio__misuse(AIO_EINVAL, "aio_signal_event: not a signal that can be caught");
#endif
    if (!ev) {
        if (aio__sig_event[signo]) aio__sig_default(signo);
        return AIO_OK;
    }
    if (!L) return aio__misuse(AIO_EINVAL, "aio_signal_event: no loop is running or initialised");
    if (aio__sig_loop && aio__sig_loop != L)
        return aio__misuse(AIO_EINVAL, "aio_signal_event: signals go to another loop; destroy it first");
    if (!aio__io_of(L)) return AIO_EIO; /* (out of memory or descriptors) */
    if (!AIO__SYSTEM_PORT(L))
        return aio__misuse(AIO_EINVAL, "aio_signal_event: the loop waits through a port of its own");
    aio__sig_loop = L;
    aio_loop_set_wakeup(L, aio__sysio_wakeup, L->io); /* (an event it sets can end a wait) */
#ifdef AIO__WIN32_IO
    AcquireSRWLockExclusive(&aio__sig_lock);
    aio__sig_fd = ((aio__sysio *)(void *)L->io)->pipe[1];
    ReleaseSRWLockExclusive(&aio__sig_lock);
    if (!aio__sig_done) aio__sig_done = CreateEventW(NULL, TRUE, FALSE, NULL); /* (kept for good) */
    (void)ResetEvent(aio__sig_done);
    aio__sig_event[signo] = ev;
    if (!SetConsoleCtrlHandler(aio__console_handler, TRUE)) { /* LCOV_EXCL_START */
        aio__sig_event[signo] = NULL;
        return AIO_EIO;
    } /* LCOV_EXCL_STOP */
#else
    aio__sig_fd = ((aio__sysio *)(void *)L->io)->pipe[1];
    aio__sig_event[signo] = ev;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = aio__sig_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(signo, &sa, NULL) != 0) { /* (one the C library keeps for itself: Linux's 32 and 33) */
        aio__sig_event[signo] = NULL;
        return AIO_EIO;
    }
#endif
    return AIO_OK;
}
#endif /* AIO__SIGNALS */
#endif /* AIO__SOCKETS */

