// >>posix
/* ------------------------------------------------------------------ POSIX */

/* The POSIX backend: every name of "the system's interface", on POSIX
 * sockets and pipes, sigaction, POSIX threads, fork and exec; its readiness
 * wait is a part of its own (>>wait-epoll, >>wait-poll). */
#ifdef AIO__POSIX_IO
/* ---- the vocabulary: errno, descriptors made private */
typedef socklen_t aio__socklen;
typedef struct pollfd aio__pollfd;
#define AIO__SOCK(fd) (fd)
#define aio__poll(fds, n, ms) poll((fds), (nfds_t)(n), (ms))
static int aio__net_last(void) { return errno; }
static int aio__net_would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK; /* LCOV_EXCL_BR_LINE: (one value on Linux) */
}
static int aio__net_interrupted(int err) { return err == EINTR; }
static int aio__net_in_progress(int err) { return err == EINPROGRESS; }
static void aio__net_set_last(int err) { errno = err; }
/* The last call failed for want of descriptors or buffers (it may work later). */
static int aio__net_exhausted(void) {
    /* (the tests run a process out of descriptors, EMFILE; the system's own
     * limits, ENFILE, ENOBUFS and ENOMEM, no test can reach) */
    return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM; /* LCOV_EXCL_BR_LINE */
}
static void aio__nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) (void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
#define aio__net_own(fd) (fd)
static int aio__net_closesocket(int fd) { return close(fd); }
static int aio__cloexec(int fd) {
    if (fd >= 0) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}
static int aio__socket_private(int family, int type) {
#ifdef AIO__SOCK_FLAGS
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
#else
    int fd = aio__cloexec(socket(family, type, 0));
#endif
#ifdef SO_NOSIGPIPE /* (every socket, a Unix socket's too: MSG_NOSIGNAL's stand-in on macOS) */
    if (fd >= 0) {
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    }
#endif
    return fd;
}
/* A pipe, both ends close-on-exec, and non-blocking if flags is O_NONBLOCK:
 * 0, or -1 (out of descriptors). */
static int aio__pipe_private(int p[2], int flags) {
    int i;
#if defined(AIO__SYSCALL) && defined(SYS_pipe2) && defined(O_CLOEXEC)
    if (syscall(SYS_pipe2, p, O_CLOEXEC | flags) == 0) return 0;
    if (errno != ENOSYS) return -1; /* LCOV_EXCL_LINE: out of descriptors */
#endif
    /* LCOV_EXCL_START: (Linux: see above) */
    if (pipe(p) != 0) return -1;
    for (i = 0; i < 2; i++) {
        (void)aio__cloexec(p[i]);
        if (flags) (void)fcntl(p[i], F_SETFL, flags);
    }
    return 0;
    /* LCOV_EXCL_STOP */
}
/* The status of system error `err` on socket fd. */
static aio_status aio__net_error(int err, const char *what, int fd) {
    switch (err) {
    case ECONNRESET:
    case EPIPE: return AIO_ECONNRESET;
    case ECONNREFUSED: return AIO_ECONNREFUSED;
    case EBADF: return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is not open"));
    case ENOTSOCK: return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is not a socket"));
    case EINVAL: return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is not a socket of that kind (listening? connected?)"));
    default: errno = err; return AIO_EIO;
    }
}
/* A socket made private: non-blocking, not inherited by child processes. */
static void aio__sock_private(int fd) {
    aio__nonblocking(fd);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}
/* The library's stream sockets: private, TCP_NODELAY, with no SIGPIPE. */
static void aio__sock_setup(int fd) {
    int one = 1;
    aio__sock_private(fd);
    (void)setsockopt(AIO__SOCK(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
#ifdef SO_NOSIGPIPE
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

/* The wake-up of the system's wait: a pipe, p[0] waited on, p[1] written. */
static int aio__wake_pair_open(int p[2]) { return aio__pipe_private(p, O_NONBLOCK); }
static void aio__wake_pair_write(int fd) { /* (a full pair has a wake-up pending) */
    ssize_t n = write(fd, "", 1);
    (void)n;
}
static void aio__wake_pair_drain(int fd) {
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}
static void aio__net_need(void) {} /* (POSIX's sockets need no start) */

/* ---- the system's wait: the readiness wait picked (>>wait-epoll on
 * Linux, else >>wait-poll, whose call is poll()) */
#ifdef AIO__WAIT_POLL
static int aio__sys_poll(struct pollfd *fds, uint32_t n, int ms) { return poll(fds, (nfds_t)n, ms); }
/* Whether fd can be waited on: AIO_OK or AIO_EBADF (poll() would report a
 * regular file ready at once). */
static aio_status aio__net_can_watch(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not open");
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "cannot be waited on (a regular file or a directory)");
    return AIO_OK;
}
#endif
static aio__sysio *aio__sys_wait_open(aio_loop *L) {
    (void)L;
    return aio__readiness_open(); /* (POSIX needs nothing first) */
}
static void aio__sys_wait_close(aio__sysio *s) { aio__readiness_close(s); }

/* ---- signals: sigaction; the handler notes the signal and writes the
 * wake pair of the loop the signals go to (async-signal-safe) */
#ifdef AIO__SIGNALS
typedef volatile sig_atomic_t aio__sig_flag;
#define AIO__SIG_SET(flag) ((void)((flag) = 1))
#define AIO__SIG_TAKE(flag) ((flag) ? ((flag) = 0, 1) : 0)
#define AIO__SIG_CLEAR(flag) ((void)((flag) = 0))
static volatile sig_atomic_t aio__sig_fd = -1; /* that loop's waker: a descriptor its wait reads */

#ifdef AIO__POSIX_PROCESSES
static void aio__children_told(void);
static void aio__children_check(aio_loop *L);
static int aio__sigchld_needed(void);
#endif

static const char *aio__sys_signal_check(int signo, int cancel) {
    if (signo <= 0 || signo >= AIO__NSIG || signo == SIGKILL || signo == SIGSTOP)
        return cancel ? "aio_signal_cancel: not a signal that can be caught"
                      : "aio_signal_event: not a signal that can be caught";
    return NULL;
}
static int aio__sys_signal_catch(int signo) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = aio__sig_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(signo, &sa, NULL) == 0; /* (0: one the C library keeps for itself: Linux's 32 and 33) */
}
static void aio__sys_signal_default(int signo) {
    struct sigaction sa;
#ifdef AIO__POSIX_PROCESSES
    if (signo == SIGCHLD && aio__sigchld_needed()) return; /* (loops' children still need it) */
#endif
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(signo, &sa, NULL);
}
static void aio__sys_signal_target(aio__waker k) { aio__sig_fd = (int)k; }
static void aio__sys_signal_wake(void) {
    if (aio__sig_fd >= 0) aio__readiness_wake(aio__sig_fd); /* LCOV_EXCL_BR_LINE: (unset only with the default action back) */
}
static void aio__sys_signal_caught(int signo) {
#ifdef AIO__POSIX_PROCESSES
    if (signo == SIGCHLD) aio__children_told(); /* (the loops with children, beside the event) */
#else
    (void)signo;
#endif
}
#endif /* AIO__SIGNALS */
/* At each wait, before the signals are delivered: the children SIGCHLD
 * told of. */
#ifdef AIO__POSIX_PROCESSES
#define aio__sys_signals_look(L) aio__children_check(L)
#else
#define aio__sys_signals_look(L) ((void)(L))
#endif

/* ---- threads and locks: POSIX threads */
#ifdef AIO__THREADS
typedef pthread_t aio__thread;
typedef pthread_mutex_t aio__mutex;
typedef pthread_cond_t aio__cond;
#define aio__lock(m) (void)pthread_mutex_lock(m)
#define aio__unlock(m) (void)pthread_mutex_unlock(m)
#define aio__wait_for_work(c, m) (void)pthread_cond_wait((c), (m))
#define aio__signal_work(c) (void)pthread_cond_signal(c)
#define aio__broadcast_work(c) (void)pthread_cond_broadcast(c)
#define aio__mutex_init(m) (void)pthread_mutex_init((m), NULL)
#define aio__mutex_done(m) (void)pthread_mutex_destroy(m)
#define aio__cond_init(c) (void)pthread_cond_init((c), NULL)
#define aio__cond_done(c) (void)pthread_cond_destroy(c)
#define aio__thread_detach(th) (void)pthread_detach(th)
#define aio__thread_join(th) (void)pthread_join((th), NULL)
#define AIO__THREAD_MAIN(name, arg) void *name(void *arg) /* NOLINT(bugprone-macro-parentheses): a function's head */
typedef struct timespec aio__wall; /* a time to wait until: the wall clock's */
/* The time d (ticks) from now (3 years at most: never beyond a time_t). */
static void aio__wall_after(aio__wall *w, aio_time d) {
    uint64_t secs = (uint64_t)d / AIO_TICKS_PER_SEC;
    (void)clock_gettime(CLOCK_REALTIME, w);
    w->tv_nsec += (long)((uint64_t)d % AIO_TICKS_PER_SEC * 1000000000u / AIO_TICKS_PER_SEC);
    w->tv_sec += (time_t)(secs < 100000000u ? secs : 100000000u) + w->tv_nsec / 1000000000L; /* LCOV_EXCL_BR_LINE */
    w->tv_nsec %= 1000000000L;
}
/* Wait on c (under m) until it is signalled or *w: 0 once *w has passed. */
static int aio__wait_until(aio__cond *c, aio__mutex *m, const aio__wall *w) {
    return pthread_cond_timedwait(c, m, w) != ETIMEDOUT;
}
static AIO__THREAD_MAIN(aio__worker, arg);
/* A thread that runs aio__worker(arg), taking no signals (they go to the
 * loop's thread): 0, or not if the system refused. */
static int aio__thread_new(aio__thread *th, void *arg) {
    sigset_t all;
    sigset_t old;
    int rc;
    (void)sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(th, NULL, aio__worker, arg);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
#endif /* AIO__THREADS */

/* ---- Unix domain sockets */
/* A Unix domain socket's address from `path` ('@': Linux's abstract
 * namespace): its length, or 0 if the path is NULL, empty or too long, or
 * an abstract name where there are none (macOS, the BSDs, AIO_NO_LINUX: a
 * file named '@...' instead would surprise). A file's path needs its NUL
 * in sun_path; an abstract name has none after it, so it may fill sun_path
 * ('@' standing for its leading NUL). */
#ifdef AIO__LINUX
#define AIO__UNIX_TOO_LONG                                                                          \
    "the path is NULL, empty or longer than a Unix socket's address takes (a file's path: "        \
    "sizeof sun_path - 1 bytes, 107 on Linux; an abstract name: '@' and 107 bytes)"
#else
#define AIO__UNIX_TOO_LONG                                                                          \
    "the path is NULL, empty or longer than a Unix socket's address takes (a file's path: "        \
    "sizeof sun_path - 1 bytes), or an abstract name ('@': Linux's alone)"
#endif
static aio__socklen aio__unix_address(const char *path, struct sockaddr_un *sa) {
    size_t n = path ? strlen(path) : 0;
    size_t room = sizeof sa->sun_path - 1; /* (and its NUL) */
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
#ifdef AIO__LINUX
    if (n && path[0] == '@') room++;
#else
    if (n && path[0] == '@') n = 0; /* (refused: see above) */
#endif
    if (!n || n > room) return 0;
    memcpy(sa->sun_path, path, n);
#ifdef AIO__LINUX
    if (path[0] == '@') {
        sa->sun_path[0] = '\0'; /* (the name is its bytes, no NUL after) */
        return (aio__socklen)(offsetof(struct sockaddr_un, sun_path) + n);
    }
#endif
    return (aio__socklen)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* Whether the socket file of address sa may be live: only a connect
 * refused proves it stale (an earlier listener's, gone); one made, or one
 * that would wait (the listener's queue is full), or that fails another
 * way (no permission), leaves it as it is. */
static int aio__unix_answers(const struct sockaddr_un *sa, aio__socklen len) {
    int fd = aio__socket_private(AF_UNIX, SOCK_STREAM);
    int answers;
    if (fd < 0) return 1; /* LCOV_EXCL_LINE: out of descriptors (then the file stays: the bind says why) */
    aio__nonblocking(fd);
    answers = connect(fd, (const struct sockaddr *)sa, len) == 0 || errno != ECONNREFUSED;
    (void)close(fd);
    return answers;
}
/* A mode that is a socket's file (S_ISSOCK is X/Open's: a strict POSIX
 * build may lack it; then a stale socket file stays, and the bind says
 * EADDRINUSE). */
#if defined(S_ISSOCK)
#define AIO__IS_SOCKET_FILE(mode) S_ISSOCK(mode)
#elif defined(S_IFSOCK)
#define AIO__IS_SOCKET_FILE(mode) (((mode) & S_IFMT) == S_IFSOCK)
#else
#define AIO__IS_SOCKET_FILE(mode) 0
#endif

static aio_status aio__sys_unix_listen(const char *path, int backlog, int simulated) {
    struct sockaddr_un sa;
    struct stat st;
    aio__socklen sl = aio__unix_address(path, &sa);
    int fd;
    if (simulated)
        return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets are not simulated (a simulated "
                                       "network has TCP and UDP)");
    if (!sl) return aio__misuse(AIO_EINVAL, "aio_unix_listen: " AIO__UNIX_TOO_LONG);
    if (backlog < 0) return aio__misuse(AIO_EINVAL, "aio_unix_listen: the backlog is negative");
    /* (asyncio's rule: a socket file an earlier listener left is removed;
     * one a listener answers at is not taken over, as libuv refuses) */
    if (sa.sun_path[0] && stat(sa.sun_path, &st) == 0 && AIO__IS_SOCKET_FILE(st.st_mode)) {
        if (aio__unix_answers(&sa, sl)) {
            (void)aio__misuse(AIO_EIO, "aio_unix_listen: a listener answers at the path (a connect to its "
                                       "socket file was not refused): not taken over (errno EADDRINUSE)");
            errno = EADDRINUSE;
            return AIO_EIO;
        }
        (void)unlink(sa.sun_path);
    }
    fd = aio__socket_private(AF_UNIX, SOCK_STREAM);
    if (fd < 0) return AIO_EIO; /* (out of descriptors or memory) */
    /* (a listen that fails once bound: not seen) */
    if (bind(fd, (struct sockaddr *)&sa, sl) != 0 || listen(fd, backlog ? backlog : SOMAXCONN) != 0) { /* LCOV_EXCL_BR_LINE */
        int err = errno;
        (void)close(fd);
        errno = err;
        return AIO_EIO;
    }
    aio_io_forget(fd);
    aio__nonblocking(fd);
    return fd;
}

/* A Unix listener's socket file (the server's rule: >>server): `listener`
 * >= 0, a listener bound to a path: its file noted in *note (the path, the
 * device and the inode, as they are now); < 0: the file noted removed if the
 * path still names that one, and the note freed. Abstract names (Linux) and
 * other sockets have no file: nothing noted. */
typedef struct aio__unix_file {
    dev_t dev;
    ino_t ino;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
} aio__unix_file;
static void aio__sys_unix_file(void **note, int listener) {
    aio__unix_file *f = (aio__unix_file *)*note;
    struct sockaddr_un sa;
    struct stat st;
    socklen_t len = (socklen_t)sizeof sa;
    if (listener < 0) { /* (the same file: its device and its inode both) */
        if (f && stat(f->path, &st) == 0 && (st.st_dev == f->dev) + (st.st_ino == f->ino) == 2) (void)unlink(f->path);
        AIO_FREE(f);
        *note = NULL;
        return;
    }
    if (f) return; /* LCOV_EXCL_BR_LINE: (none at a start: the last close freed it) */
    memset(&sa, 0, sizeof sa);
    (void)getsockname(listener, (struct sockaddr *)&sa, &len); /* (failing, it leaves no path) */
    if (sa.sun_family != AF_UNIX || sa.sun_path[0] == '\0') return; /* (no path: TCP, unnamed, abstract) */
    f = (aio__unix_file *)AIO_MALLOC(sizeof *f);
    if (!f) return; /* LCOV_EXCL_LINE: out of memory: the file stays, as before */
    memset(f, 0, sizeof *f);
    memcpy(f->path, sa.sun_path, sizeof sa.sun_path);
    if (stat(f->path, &st) != 0 || !AIO__IS_SOCKET_FILE(st.st_mode)) { /* LCOV_EXCL_BR_LINE: (gone at once) */
        AIO_FREE(f); /* LCOV_EXCL_LINE */
        return;      /* LCOV_EXCL_LINE */
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    *note = f;
}

/* AIO_UNIX_CONNECT: a connect on a non-blocking Unix socket is made at once
 * or refused at once, except when the listener's queue is full (EAGAIN):
 * then the socket is not connecting, a wait for it to be writable ends at
 * once, and the only way is to ask again later. The state (the heap's while
 * the task waits: await.unix_connecting) keeps the address and the backoff. */
typedef struct aio__unix_connecting {
    aio_time until; /* the connect's own deadline */
    aio_time retry; /* the wait before the next try */
    int fd;
    aio__socklen len;
    struct sockaddr_un sa;
} aio__unix_connecting;

static aio_status aio__unix_connect_end(aio_task *t, aio_status rc) {
    aio__unix_connecting *c = t->await.unix_connecting;
    if (rc < 0) (void)aio_close(c->fd);
    else rc = c->fd;
    AIO_FREE(c);
    t->await.unix_connecting = NULL;
    return rc;
}

/* Try to connect: the descriptor, a status, or parked until the next try. */
static aio_status aio__unix_connect_try(aio_task *t, aio_frame *f) {
    aio__unix_connecting *c = t->await.unix_connecting;
    aio_time now;
    aio_status rc;
    for (;;) {
        /* (EISCONN: a system that reports a connect completed later so) */
        if (connect(c->fd, (struct sockaddr *)&c->sa, c->len) == 0 || errno == EISCONN) /* LCOV_EXCL_BR_LINE */
            return aio__unix_connect_end(t, AIO_OK);
        if (errno != EINTR) break; /* LCOV_EXCL_BR_LINE: (a signal in the call) */
    }
    if (errno == ENOENT) return aio__unix_connect_end(t, AIO_ENOTFOUND);
    if (errno != EAGAIN && errno != EINPROGRESS && errno != EALREADY) /* LCOV_EXCL_BR_LINE */
        return aio__unix_connect_end(t, aio__net_error(errno, "AIO_UNIX_CONNECT", c->fd));
    now = aio__now(t->loop);
    if (c->until != AIO_NEVER && !aio__before(now, c->until)) return aio__unix_connect_end(t, AIO_ETIMEDOUT);
    aio__set_until(t, c->until != AIO_NEVER && aio__before(c->until, now + c->retry) ? c->until : now + c->retry);
    if (c->retry < AIO_MS(64)) c->retry *= 2;
    AIO__WAITS_ON(t->loop, AIO_ON_SLEEP, NULL, 0);
    rc = aio__park(t, 1, 1);
    /* (a park fails only with no timer slot left: see the sleeps' tests) */
    return rc == AIO__SUSPENDED ? rc : aio__unix_connect_end(t, aio__raise(t, f, rc));
}

static aio_status aio__sys_unix_connect(aio_task *t, aio_frame *f, const char *path, aio_time until,
                                        int simulated) {
    aio__unix_connecting *c;
    if (simulated)
        return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets are not simulated (a simulated "
                                       "network has TCP and UDP)");
    c = (aio__unix_connecting *)AIO_MALLOC(sizeof *c);
    if (!c) return AIO_EIO; /* (out of memory) */
    memset(c, 0, sizeof *c);
    c->len = aio__unix_address(path, &c->sa);
    if (!c->len) {
        AIO_FREE(c);
        return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: " AIO__UNIX_TOO_LONG);
    }
    c->fd = aio__socket_private(AF_UNIX, SOCK_STREAM);
    if (c->fd < 0) { /* out of descriptors */
        AIO_FREE(c);
        return AIO_EIO;
    }
    aio_io_forget(c->fd);
    aio__nonblocking(c->fd);
    c->until = until;
    c->retry = AIO_MS(1);
    t->await.unix_connecting = c;
    return aio__unix_connect_try(t, f);
}
static aio_status aio__sys_unix_connect_poll(aio_task *t, aio_frame *f) {
    if (aio__checkpoint(t) < 0) return aio__unix_connect_end(t, aio__raise(t, f, AIO_ECANCELED));
    return aio__unix_connect_try(t, f);
}

/* ---- the simulation's pairs: a simulated socket's number is one end of
 * a socketpair, whose far end the simulation writes and reads; the far ends
 * go up, out of the way of the program's descriptors (what each function
 * gives: see "the system's interface"). */
#ifdef AIO__SIM
/* Where the far ends go: half the descriptors the process may have, at
 * most 1,024. */
static int aio__sys_pair_floor(void) {
    struct rlimit r;
    int known = getrlimit(RLIMIT_NOFILE, &r) == 0;
    if (!known || r.rlim_cur == RLIM_INFINITY || r.rlim_cur > 2048) return 1024; /* LCOV_EXCL_BR_LINE: (finite, read) */
    return (int)(r.rlim_cur / 2);
}
/* NOLINTNEXTLINE(readability-non-const-parameter): the listener is Windows' pairs' (made at the first) */
static int aio__sys_pair_new(int *listener, int far_floor, int n[2], uint64_t id[2]) {
    struct stat st;
    int up;
    (void)listener; /* (the Windows backend's: the pairs' listener) */
#ifdef AIO__SOCK_FLAGS
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, n) != 0) return -1;
#else
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, n) != 0) return -1;
    aio__sock_private(n[0]);
    aio__sock_private(n[1]);
#endif
#ifdef F_DUPFD_CLOEXEC
    up = fcntl(n[1], F_DUPFD_CLOEXEC, far_floor);
#else
    up = fcntl(n[1], F_DUPFD, far_floor);
    if (up >= 0) (void)fcntl(up, F_SETFD, FD_CLOEXEC);
#endif
    if (up >= 0) { /* (one short of descriptors there: the first number kept) */
        (void)close(n[1]);
        n[1] = up;
    }
    (void)fstat(n[0], &st);
    id[0] = (uint64_t)st.st_dev;
    id[1] = (uint64_t)st.st_ino;
    return 0;
}
static int aio__sys_pair_same(const uint64_t id[2], int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && (uint64_t)st.st_dev == id[0] && (uint64_t)st.st_ino == id[1];
}
static void aio__sys_pairs_start(void) {}
static void aio__sys_pairs_end(int listener) { (void)listener; }
#ifdef AIO__PROCESSES
/* What signal signo does to a simulated child: any number up to 64 is
 * delivered (SIGKILL ends it at once). */
static int aio__sys_signal_effect(int signo) {
    if (signo <= 0 || signo > 64) return AIO__SIGNAL_NONE;
    return signo == AIO__SIGKILL ? AIO__SIGNAL_ENDS : AIO__SIGNAL_DELIVERED;
}
#endif
#endif /* AIO__SIM */

/* ---- the table's sockets (the rest: "what POSIX and Windows share") */
#ifdef ECONNABORTED
#define AIO__ECONNABORTED ECONNABORTED
#else
#define AIO__ECONNABORTED (-1)
#endif
#ifdef MSG_DONTWAIT
#define AIO__DONTWAIT(fd) MSG_DONTWAIT
#else /* (a system without it has the descriptor made non-blocking instead) */
#define AIO__DONTWAIT(fd) (aio__nonblocking(fd), 0)
#endif
/* A send that raises no SIGPIPE: by its flag, by the socket's option, or
 * (neither, as with AIO_NO_LINUX) with SIGPIPE held back, as a pipe's write. */
static long aio__quietly(int fd, const void *buf, size_t len, int flags);
#if defined(AIO__MSG_NOSIGNAL)
#define AIO__NOSIGNAL AIO__MSG_NOSIGNAL
#define AIO__SEND(fd, buf, len, flags) (long)send(fd, buf, len, (flags) | AIO__NOSIGNAL)
#elif defined(SO_NOSIGPIPE)
#define AIO__NOSIGNAL 0 /* (SO_NOSIGPIPE instead) */
#define AIO__SEND(fd, buf, len, flags) (long)send(fd, buf, len, flags)
#else
#define AIO__NOSIGNAL 0
#define AIO__SEND(fd, buf, len, flags) aio__quietly(fd, buf, len, flags)
#endif
static int aio__accept_private(int fd) {
#if defined(AIO__SYSCALL) && defined(SYS_accept4) && defined(SOCK_CLOEXEC)
    int c = (int)syscall(SYS_accept4, fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0 || errno != ENOSYS) return c; /* LCOV_EXCL_BR_LINE: (ENOSYS: a kernel before 2.6.28) */
#endif
    return aio__cloexec(accept(fd, NULL, NULL)); /* (without syscall(), or Linux: see above) */
}
/* A receive or a send; a descriptor that is not a socket (a pipe, a
 * FIFO, a terminal, a child's standard streams) is read or written instead,
 * with SIGPIPE held back (a write to a pipe whose reader is gone is then
 * AIO_ECONNRESET, as a send is, rather than the end of the process, as in
 * Python). Such a descriptor has no per-call flag like MSG_DONTWAIT,
 * and its mode belongs to every process that shares it (the next program
 * of a pipeline, a child, the shell that gave it as standard input): made
 * non-blocking, even only for the length of one call, it makes another
 * process's plain read() fail with EAGAIN. So one that is blocking is left
 * so: it is read only when poll() says it is readable (a read of a readable
 * pipe does not block), and written only while poll() says it takes more,
 * PIPE_BUF bytes at a time (a pipe said writable has room for that many:
 * Linux, the BSDs and macOS). The one way left to block is another reader
 * taking the bytes between the poll and the read: then the read waits for
 * more, and two readers of one byte stream each get an arbitrary part of
 * it anyway. One that is non-blocking (the library's ends of a child's
 * pipes) is read and written at once. */
/* The call (a write, or a send with `flags` when `flags` >= 0) with SIGPIPE
 * blocked in this thread; a SIGPIPE it raised (its result EPIPE) is taken
 * back before the thread's mask is restored. No action of the program's
 * for SIGPIPE is read or changed (another thread may set one at any time:
 * nothing here races with it), and the program's own writes get what it
 * set. One already pending when the call began stays pending. */
static long aio__quietly(int fd, const void *buf, size_t len, int flags) {
#ifdef SA_RESTART /* (the signal calls are declared: POSIX.1's declarations) */
    sigset_t pipe_only;
    sigset_t old;
    sigset_t pending;
    int was_pending;
    long n;
    (void)sigemptyset(&pipe_only);
    (void)sigaddset(&pipe_only, SIGPIPE);
    (void)AIO__THREAD_SIGMASK(SIG_BLOCK, &pipe_only, &old);
    (void)sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE) == 1;
    /* (a send here only where no flag or option keeps SIGPIPE away: AIO_NO_LINUX) */
    n = flags >= 0 ? (long)send(fd, buf, len, flags) : (long)write(fd, buf, len); /* LCOV_EXCL_BR_LINE */
    /* (one pending before the call: another's, left so) */
    if (n < 0 && errno == EPIPE && !was_pending) { /* LCOV_EXCL_BR_LINE */
        int err = errno;
        int sig;
        (void)sigpending(&pending);
        /* (raised by the write that failed with EPIPE: pending, so that
         * sigwait returns at once) */
        if (sigismember(&pending, SIGPIPE) == 1) (void)sigwait(&pipe_only, &sig); /* LCOV_EXCL_BR_LINE */
        errno = err;
    }
    (void)AIO__THREAD_SIGMASK(SIG_SETMASK, &old, NULL);
    return n;
#else
    return flags >= 0 ? (long)send(fd, buf, len, flags) : (long)write(fd, buf, len);
#endif
}
#ifdef PIPE_BUF
#define AIO__PIPE_BUF PIPE_BUF
#else
#define AIO__PIPE_BUF 512 /* (POSIX's least) */
#endif
/* Whether fd is in blocking mode (not when fcntl fails: the call says why). */
static int aio__fd_blocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && !(flags & O_NONBLOCK);
}
/* Whether fd is ready for `events` now: 1, or 0 with errno EAGAIN. */
static int aio__fd_ready(int fd, short events) {
    aio__pollfd one;
    int n;
    one.fd = fd;
    one.events = events;
    one.revents = 0;
    do n = aio__poll(&one, 1, 0); while (n < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR: a signal) */
    if (n != 0) return 1; /* (ready, or an error that the call then reports) */
    errno = EAGAIN;
    return 0;
}
static long aio__net_read(long n, int fd, void *buf, size_t len) {
    if (n >= 0 || errno != ENOTSOCK) return n;
    if (aio__fd_blocking(fd) && !aio__fd_ready(fd, POLLIN)) return -1;
    return (long)read(fd, buf, aio__net_chunk(len));
}
static long aio__net_write(long n, int fd, const void *buf, size_t len) {
    size_t want = aio__net_chunk(len);
    size_t done = 0;
    if (n >= 0 || errno != ENOTSOCK) return n;
    if (!aio__fd_blocking(fd)) return aio__quietly(fd, buf, want, -1);
    while (done < want && aio__fd_ready(fd, POLLOUT)) {
        size_t part = want - done < AIO__PIPE_BUF ? want - done : AIO__PIPE_BUF;
        long k = aio__quietly(fd, (const char *)buf + done, part, -1);
        if (k < 0) break; /* (what was written is said first, the error next time) */
        done += (size_t)k;
    }
    return done ? (long)done : -1;
}
/* A datagram's receive and its result are a stream's (see "what POSIX and
 * Windows share"); the rest of what the shared slots ask of this backend. */
#define aio__net_dgram_cut(n, len) (n)
#define aio__net_dgram_result(n, what, fd) aio__net_result((n), (what), (fd))
#define AIO__ENOBUFS ENOBUFS
#define AIO__SHUT_BOTH SHUT_RDWR
/* The option a socket the library binds takes: a listener's SO_REUSEADDR
 * (its port taken again at once while the connections of the last one
 * linger, as every server on POSIX does); a datagram socket none. */
static void aio__net_claim(int fd, int listening) {
    int one = 1;
    if (listening) (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#ifdef AIO__REUSE_PORT
    if (listening == AIO__CLAIM_SHARED) (void)setsockopt(fd, SOL_SOCKET, AIO__REUSE_PORT, &one, sizeof one);
#endif
}

#ifdef AIO__PROCESSES
#ifdef AIO__POSIX_PROCESSES
extern char **environ; /* NOLINT(readability-redundant-declaration): <unistd.h> has it with _GNU_SOURCE only */
static int aio__pidfd_open(int pid) {
#ifdef AIO__PIDFD
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0); /* (close-on-exec) */
#else
    return (int)syscall(434, pid, 0); /* (the same number on every architecture) */
#endif
#else
    (void)pid;
    return -1;
#endif
}

/* What the child does between fork and exec (async-signal-safe calls only). */
typedef struct aio__spawn {
    const char *const *argv;
    char *const *args; /* argv, as execve takes it */
    char *const *env;
    const char *path;  /* the PATH searched, or NULL: argv[0] as it is */
    char *scratch;     /* room for the longest candidate */
    const char *cwd;
    int stdio[3];      /* what becomes its 0, 1, 2: -1 this process's, -2 (2 only) what 1 is */
    int report;        /* the failure's pipe (above 2: the dup2s leave it) */
    int fd_limit;      /* descriptors are below this number (aio__fd_limit) */
    int group;         /* a process group of its own */
} aio__spawn;

/* LCOV_EXCL_START: runs in the child (its failures are reported and tested) */
static void aio__spawn_fail(int report, int stage, int err) {
    int msg[2];
    ssize_t n;
    msg[0] = stage;
    msg[1] = err;
    n = write(report, msg, sizeof msg);
    (void)n;
    _exit(127);
}

/* Close every descriptor above 2 but `keep`, as asyncio's children have
 * them (close_fds): the program's own sockets, pipes and files, which
 * exec would keep where they are not close-on-exec, so that one the
 * program closes is not held open by the child. Decided here, in the
 * child, after the fork: a descriptor another thread made just before it,
 * at whatever number, is closed too. close_range where Linux has it (5.9);
 * else every number below `limit` (aio__fd_limit), found open or not by
 * poll(), 256 numbers a call (async-signal-safe; a number not open gives
 * POLLNVAL), and each open one closed: a few hundred calls where the limit
 * is a million, not a million closes. macOS reports some open devices as
 * POLLNVAL too, so there each number is closed (its limit is small unless
 * raised). */
static void aio__close_others(int keep, int limit) {
    int fd;
#if defined(AIO__SYSCALL) && defined(SYS_close_range) && !defined(AIO_NO_CLOSE_RANGE)
    if ((keep == 3 || syscall(SYS_close_range, 3u, (unsigned)keep - 1u, 0u) == 0) &&
        syscall(SYS_close_range, (unsigned)keep + 1u, ~0u, 0u) == 0)
        return;
#endif
#ifdef __APPLE__
    for (fd = 3; fd < limit; fd++)
        if (fd != keep) (void)close(fd);
#else
    {
        struct pollfd p[256];
        unsigned n;
        unsigned i;
        for (fd = 3; fd < limit; fd += (int)n) {
            n = (unsigned)(limit - fd) < 256u ? (unsigned)(limit - fd) : 256u; /* (1 to 256) */
            for (i = 0; i < n; i++) {
                p[i].fd = fd + (int)i;
                p[i].events = 0;
                p[i].revents = 0;
            }
            if (poll(p, (nfds_t)n, 0) < 0) /* (no memory in the kernel: each one) */
                for (i = 0; i < n; i++) p[i].revents = 0;
            for (i = 0; i < n; i++)
                if (!(p[i].revents & POLLNVAL) && fd + (int)i != keep) (void)close(fd + (int)i);
        }
    }
#endif
}

static void aio__spawn_child(const aio__spawn *sp) {
    struct sigaction dfl;
    sigset_t none;
    int err = ENOENT;
    int i;
    memset(&dfl, 0, sizeof dfl); /* (SIGPIPE at its default, as asyncio's restore_signals) */
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    (void)sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    if (sp->group && setpgid(0, 0) != 0) aio__spawn_fail(sp->report, 0, errno);
    for (i = 0; i < 3; i++) { /* (the parent put each above 2: no overlap) */
        int fd = sp->stdio[i] == -2 ? 1 : sp->stdio[i];
        if (fd >= 0 && dup2(fd, i) < 0) aio__spawn_fail(sp->report, 0, errno);
    }
    aio__close_others(sp->report, sp->fd_limit);
    if (sp->cwd && chdir(sp->cwd) != 0) aio__spawn_fail(sp->report, 1, errno);
    if (!sp->path) {
        (void)execve(sp->argv[0], sp->args, sp->env);
        err = errno;
    } else { /* each directory of PATH in turn, as execvp does (empty: the current one) */
        const char *dir = sp->path;
        size_t name = strlen(sp->argv[0]) + 1;
        for (;;) {
            const char *end = dir;
            char *c = sp->scratch;
            while (*end && *end != ':') end++;
            if (end > dir) {
                memcpy(c, dir, (size_t)(end - dir));
                c += end - dir;
                *c++ = '/';
            }
            memcpy(c, sp->argv[0], name);
            (void)execve(sp->scratch, sp->args, sp->env);
            if (errno == EACCES) {
                err = EACCES; /* (reported if no other directory has it) */
            } else if (errno != ENOENT && errno != ENOTDIR) {
                err = errno;
                break;
            }
            if (!*end) break;
            dir = end + 1;
        }
    }
    aio__spawn_fail(sp->report, 2, err);
}
/* LCOV_EXCL_STOP */

/* The number every descriptor is below, for the child's closing where it
 * has no close_range: the descriptor limit (RLIMIT_NOFILE's soft limit,
 * which no new descriptor reaches), read here, before the fork (the child
 * may only make async-signal-safe calls). Not the highest descriptor open
 * now: another thread may put one at a number of its own (dup2, F_DUPFD)
 * between this look and the fork, and the child must close that one too.
 * So the child looks at every number below the limit (aio__close_others).
 * Only a descriptor opened before the limit was lowered can be above it. */
static int aio__fd_limit(void) {
    long n = sysconf(_SC_OPEN_MAX);
    return n < 0 ? 1024 : n > INT_MAX ? INT_MAX : (int)n; /* LCOV_EXCL_BR_LINE: (no limit) */
}

/* fd moved above the standard three (the child's dup2s must not overlap). */
static int aio__above_stdio(int fd) {
    int moved;
    if (fd < 0 || fd > 2) return fd; /* (fd < 0: out of descriptors) */
    moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    (void)close(fd);
    return moved;
}

static void aio__close_fd(int *fd) {
    if (*fd >= 0) (void)close(*fd);
    *fd = -1;
}

/* The PATH a program name is searched in: the child's environment's, if it
 * gives one, else this process's, else the system's default. */
static const char *aio__exec_path(const char *const *env) {
    const char *path = NULL;
    if (env) {
        for (; *env; env++)
            if (strncmp(*env, "PATH=", 5) == 0) path = *env + 5;
    } else {
        path = getenv("PATH");
    }
    return path ? path : "/usr/local/bin:/usr/bin:/bin";
}

/* The child's wait status kept: it has been reaped. */
static void aio__proc_reaped(aio_process *p, int status) {
    p->returncode = WIFEXITED(status) ? WEXITSTATUS(status)
                                      : WIFSIGNALED(status) ? -WTERMSIG(status) : 255; /* LCOV_EXCL_BR_LINE */
    p->state = AIO__PROC_REAPED;
    if (p->pidfd >= 0) (void)aio_close(p->pidfd);
    p->pidfd = -1;
}

/* In p->group: it leads its process group; it ended and is not reaped. */
#define AIO__GROUP_LEADS 1
#define AIO__GROUP_KEPT 2

/* A group's leader that ended: its status read, the process itself left
 * unreaped (aio__sys_proc_kill_now reaps it), so that its pid, the group's
 * id, is no other process's or group's while the group may have members. */
static int aio__group_ended(aio_process *p) {
    siginfo_t info;
    int r;
    memset(&info, 0, sizeof info);
    do r = waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT); while (r < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR: a signal) */
    if (r == 0 && info.si_pid == 0) return 0;
    if (r < 0) { /* (reaped by someone else: its group's id is not its own any more) */
        aio__proc_reaped(p, 255 << 8);
        p->group = AIO__GROUP_LEADS;
        return 1;
    }
    aio__proc_reaped(p, info.si_code == CLD_EXITED ? (info.si_status & 255) << 8 : info.si_status & 127);
    p->group |= AIO__GROUP_KEPT;
    return 1;
}

/* Reap p if it ended: 1 once reaped, 0 while it runs. */
static int aio__sys_proc_reap(aio_process *p) {
    int status = 0;
    int r;
    if (p->state != AIO__PROC_RUNNING) return 1;
    if (p->group) return aio__group_ended(p);
    do r = (int)waitpid((pid_t)p->pid, &status, WNOHANG); while (r < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR: a signal) */
    if (r == 0) return 0;
    if (r < 0) status = 255 << 8; /* (reaped by someone else: a waitpid of the program's) */
    aio__proc_reaped(p, status);
    return 1;
}

/* Send signo to p (not reaped): by its pidfd where it has one, which a
 * process started since with the same pid cannot be; else by its pid,
 * which no other process can have until the loop reaps it. 0, or -1 (not
 * a signal number). */
static int aio__proc_signal(const aio_process *p, int signo) {
    if (p->group) return kill(-(pid_t)p->pid, signo) == 0 ? 0 : -1; /* (its group: see aio__group_ended) */
#ifdef AIO__PIDFD
#ifdef SYS_pidfd_send_signal
    long r = p->pidfd >= 0 ? syscall(SYS_pidfd_send_signal, p->pidfd, signo, NULL, 0u) : -1;
#else
    long r = p->pidfd >= 0 ? syscall(424, p->pidfd, signo, NULL, 0u) : -1; /* (the same number everywhere) */
#endif
    if (r == 0) return 0;
    if (p->pidfd >= 0 && errno != ENOSYS) return -1; /* LCOV_EXCL_BR_LINE: (ENOSYS: Linux 5.1-5.2, refused) */
#endif
    return kill((pid_t)p->pid, signo) == 0 ? 0 : -1;
}

/* Kill p and wait for its end (blocking: a killed process ends at once);
 * a group's leader kept unreaped: what is left of its group killed, then
 * the leader reaped. */
static void aio__sys_proc_kill_now(aio_process *p) {
    int status = 0;
    int r;
    if (p->group & AIO__GROUP_KEPT) {
        (void)kill(-(pid_t)p->pid, SIGKILL);
        while (waitpid((pid_t)p->pid, &status, 0) < 0 && errno == EINTR) { /* LCOV_EXCL_BR_LINE: (EINTR) */
        }
        p->group = AIO__GROUP_LEADS; /* (what was asked, for its next spawn) */
        return;
    }
    if (p->state != AIO__PROC_RUNNING) return;
    (void)aio__proc_signal(p, SIGKILL);
    do r = (int)waitpid((pid_t)p->pid, &status, 0); while (r < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR) */
    if (r < 0) status = 255 << 8; /* (reaped by someone else) */
    aio__proc_reaped(p, status);
}

static void aio__children_exited(aio_loop *L) {
    aio_process *p;
    if (!L->io || !AIO__SYSTEM_PORT(L)) return; /* LCOV_EXCL_LINE: (routed by this loop's I/O) */
    for (p = aio__sysio_of(L)->children; p; p = p->next) {
        aio_task *w = p->waiter;
        /* (which of these holds depends on when SIGCHLD comes) */
        if (p->pidfd >= 0 || !aio__sys_proc_reap(p) || !w || !(p->stopping & AIO__PROC_PARKED)) continue; /* LCOV_EXCL_BR_LINE */
        if (w->state == AIO__PARKED) { /* LCOV_EXCL_BR_LINE */
            w->flags |= AIO__T_SIGNALLED;
            AIO__CAUSE(L, NULL, AIO_BY_IO);
            aio__wake(w);
            AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        }
    }
}

/* SIGCHLD, for the children of every loop in every thread. A signal goes
 * to the process, not to the loop that spawned the child, and a handler
 * cannot tell whose a pid is: so the handler writes a byte into a pipe of
 * the process's, which every loop with such children waits on beside its
 * own descriptors (its slot unmarked: a report of it wakes no task). After
 * each wait such a loop reads the pipe; one that found a byte counts one
 * SIGCHLD more and wakes the others through their own wake-ups (the pipe
 * is empty for them now), and each loop that sees the count move asks its
 * own children whether they ended (waitpid of each pid). The list of those
 * loops, the count and the pipe are guarded by AIO_CRITICAL_ENTER/EXIT, a
 * mutex where loops run in several threads; the pipe and the handler last
 * while a loop is on the list. */
static aio__sysio *aio__sigchld_loops;      /* the loops SIGCHLD tells */
static unsigned aio__sigchld_count;         /* the SIGCHLDs read from the pipe */
static int aio__sigchld_pipe[2] = {-1, -1};
static volatile sig_atomic_t aio__sigchld_fd = -1; /* its write end, for the handler */
static volatile sig_atomic_t aio__sigchld_busy;    /* handlers writing to it now */
/* (the handler runs in any thread: what it reads and counts is atomic) */
#if defined(__GNUC__) || defined(__clang__)
#define AIO__ATOMIC_GET(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define AIO__ATOMIC_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define AIO__ATOMIC_ADD(x, v) ((void)__atomic_add_fetch(&(x), (v), __ATOMIC_SEQ_CST))
#else
#define AIO__ATOMIC_GET(x) (x)
#define AIO__ATOMIC_SET(x, v) ((void)((x) = (v)))
#define AIO__ATOMIC_ADD(x, v) ((void)((x) += (v)))
#endif

/* The handler's part (async-signal-safe): a byte into the pipe, if it is open. */
static void aio__children_told(void) {
    int fd;
    AIO__ATOMIC_ADD(aio__sigchld_busy, 1);
    fd = AIO__ATOMIC_GET(aio__sigchld_fd);
    if (fd >= 0) aio__wake_pair_write(fd); /* LCOV_EXCL_BR_LINE: (closed: a SIGCHLD as it closes) */
    AIO__ATOMIC_ADD(aio__sigchld_busy, -1);
}
static void aio__sigchld_handler(int signo) {
    int saved = errno;
    (void)signo;
    aio__children_told();
    errno = saved;
}

/* Whether loops' children need SIGCHLD now. */
static int aio__sigchld_needed(void) {
    int needed;
    AIO_CRITICAL_ENTER();
    needed = aio__sigchld_loops != NULL;
    AIO_CRITICAL_EXIT();
    return needed;
}

/* The program's SIGCHLD action, kept while the library's handler has its
 * place (SIG_DFL if the program had routed SIGCHLD itself: its routing
 * ends in the default, as any signal's). */
static struct sigaction aio__sigchld_kept;

/* Whether SIGCHLD action `sa` has the system reap children by itself
 * (SIG_IGN, SA_NOCLDWAIT): their exit statuses are then lost. */
static int aio__reaps_itself(const struct sigaction *sa) {
#ifdef SA_NOCLDWAIT
    if (sa->sa_flags & SA_NOCLDWAIT) return 1;
#endif
    return sa->sa_handler == SIG_IGN;
}

/* Whether a child needs SIGCHLD routed before it starts: with no pidfd, or
 * where the program's action has the system reap children (it would take
 * a child's exit status, even one told by a pidfd, before the loop asks;
 * the library's handler in its place keeps each child until the loop
 * reaps it). */
static int aio__sigchld_first(void) {
#ifdef AIO__PIDFD
    struct sigaction now;
    int first;
    AIO_CRITICAL_ENTER();
    if (aio__sigchld_loops)
        first = aio__reaps_itself(&aio__sigchld_kept);
    else
        first = sigaction(SIGCHLD, NULL, &now) == 0 && aio__reaps_itself(&now); /* LCOV_EXCL_BR_LINE: (it fails for no SIGCHLD) */
    AIO_CRITICAL_EXIT();
    return first;
#else
    return 1;
#endif
}

/* The pipe and the handler, for the first loop on the list (locked):
 * AIO_OK, or AIO_EIO (out of descriptors). */
static aio_status aio__sigchld_start(void) {
    struct sigaction sa;
    if (aio__wake_pair_open(aio__sigchld_pipe) != 0) return AIO_EIO;
    AIO__ATOMIC_SET(aio__sigchld_fd, aio__sigchld_pipe[1]);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (aio__sig_routed(SIGCHLD)) { /* (routed already: that handler tells the loops too) */
        sa.sa_handler = SIG_DFL;
        aio__sigchld_kept = sa;
        return AIO_OK;
    }
    sa.sa_handler = aio__sigchld_handler;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    (void)sigaction(SIGCHLD, &sa, &aio__sigchld_kept);
    return AIO_OK;
}

/* The last loop left the list (locked): SIGCHLD back to the program's
 * action (unless the program routes it now), the pipe closed. Where that
 * action has the system reap children, the program's own that ended
 * meanwhile (kept by the library's handler) are reaped now, as the system
 * would have. */
static void aio__sigchld_stop(void) {
    int status;
    if (!aio__sig_routed(SIGCHLD)) {
        (void)sigaction(SIGCHLD, &aio__sigchld_kept, NULL);
        if (aio__reaps_itself(&aio__sigchld_kept))
            while (waitpid(-1, &status, WNOHANG) > 0) {
            }
    }
    AIO__ATOMIC_SET(aio__sigchld_fd, -1);
    while (AIO__ATOMIC_GET(aio__sigchld_busy)) { /* LCOV_EXCL_BR_LINE: (a handler in another thread writes) */
    }
    aio__wake_pair_close(aio__sigchld_pipe);
    aio__sigchld_pipe[0] = aio__sigchld_pipe[1] = -1;
}

/* Loop s's wait watches the pipe (on), or no longer (locked). */
static aio_status aio__sigchld_watch(aio__sysio *s, int on) {
    int fd = aio__sigchld_pipe[0];
    aio_status rc;
    if ((uint32_t)fd >= s->io.nslots && (rc = aio__io_grow(&s->io, fd)) < 0) return rc; /* (out of memory) */
    return s->io.watch(&s->io, fd, on ? 0 : AIO_READABLE, on ? AIO_READABLE : 0);
}

/* SIGCHLD to loop L too (the program's action kept), for children without
 * a pidfd or whose exit the system would take: AIO_OK, or AIO_EIO (out of
 * descriptors or memory). */
static aio_status aio__sigchld_route(aio_loop *L) {
    aio__sysio *s = aio__sysio_of(L);
    aio_status rc = AIO_OK;
    if (s->sigchld) return AIO_OK;
    AIO_CRITICAL_ENTER();
    if (aio__sigchld_loops || (rc = aio__sigchld_start()) == AIO_OK) {
        rc = aio__sigchld_watch(s, 1);
        if (rc == AIO_OK) {
            s->sigchld = 1;
            s->sigchld_seen = aio__sigchld_count;
            s->sigchld_next = aio__sigchld_loops;
            aio__sigchld_loops = s;
        } else if (!aio__sigchld_loops) {
            aio__sigchld_stop();
        }
    }
    AIO_CRITICAL_EXIT();
    return rc;
}

/* After loop L's wait: a SIGCHLD's byte read here wakes the other loops
 * on the list; if one came since L last looked, L asks its children. */
static void aio__children_check(aio_loop *L) {
    aio__sysio *s = aio__sysio_of(L);
    aio__sysio *o;
    char byte;
    int news;
    if (!s->sigchld) return;
    AIO_CRITICAL_ENTER();
    if (read(aio__sigchld_pipe[0], &byte, 1) > 0) {
        aio__wake_pair_drain(aio__sigchld_pipe[0]);
        aio__sigchld_count++;
        for (o = aio__sigchld_loops; o; o = o->sigchld_next)
            if (o != s) aio__readiness_wake(aio__readiness_waker(o));
    }
    news = s->sigchld_seen != aio__sigchld_count;
    s->sigchld_seen = aio__sigchld_count;
    AIO_CRITICAL_EXIT();
    if (news) aio__children_exited(L);
}

/* POSIX: the loop leaves SIGCHLD's list once it has no children; the last
 * to leave puts the program's action back. */
static void aio__children_done(aio__sysio *s) {
    aio__sysio **at;
    if (!s->sigchld) return;
    AIO_CRITICAL_ENTER();
    (void)aio__sigchld_watch(s, 0);
    for (at = &aio__sigchld_loops; *at != s; at = &(*at)->sigchld_next) {
    }
    *at = s->sigchld_next;
    s->sigchld = 0;
    if (!aio__sigchld_loops) aio__sigchld_stop();
    AIO_CRITICAL_EXIT();
}

static int aio__sys_proc_send(aio_process *p, int signo) {
    return signo > 0 ? aio__proc_signal(p, signo) : -1;
}
#define AIO__BAD_SIGNAL "aio_process_signal: not a signal number"
static void aio__sys_proc_release(aio_process *p) {
    (void)p;
}

static aio_status aio__sys_pipe_read(int fd, void *buf, size_t len) {
    return aio__net_result((long)read(fd, buf, aio__net_chunk(len)), "AIO_COMMUNICATE", fd);
}
static aio_status aio__sys_pipe_write(int fd, const void *buf, size_t len) {
    return aio__net_result(aio__quietly(fd, buf, aio__net_chunk(len), -1), "AIO_COMMUNICATE", fd);
}

/* A stdio mode's descriptors: the child's end into *child, the parent's into
 * *mine (PIPE). `out`: the child writes it. AIO_OK or AIO_EIO. */
static aio_status aio__stdio_open(int mode, int out, int *child, int *mine) {
    int p[2];
    *child = *mine = -1;
    if (mode == AIO_STDIO_DEVNULL) {
        *child = aio__above_stdio(open("/dev/null", (out ? O_WRONLY : O_RDONLY) | O_CLOEXEC));
        return *child >= 0 ? AIO_OK : AIO_EIO; /* (AIO_EIO: out of descriptors) */
    }
    if (mode != AIO_STDIO_PIPE) return AIO_OK;
    if (aio__pipe_private(p, 0) != 0) return AIO_EIO; /* (out of descriptors) */
    *child = aio__above_stdio(out ? p[1] : p[0]);
    *mine = out ? p[0] : p[1];
    if (*child < 0) { /* (out of descriptors above the standard streams') */
        aio__close_fd(mine);
        return AIO_EIO;
    }
    aio__nonblocking(*mine);
    aio_io_forget(*mine); /* (a number used before: nothing of it is watched now) */
    return AIO_OK;
}

/* Whether child `pid` started its program: the exec closed the report pipe
 * (0 bytes: AIO_OK), or the child says why it failed (then it is reaped). */
static aio_status aio__spawn_report(long pid, int report) {
    int msg[2];
    int status;
    ssize_t n;
    do n = read(report, msg, sizeof msg); while (n < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR) */
    if (n != (ssize_t)sizeof msg) return AIO_OK;
    while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR) { /* LCOV_EXCL_BR_LINE: (EINTR) */
    }
    if (msg[0] == 1) {
        (void)aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the working directory cannot be entered");
        errno = msg[1];
        return AIO_ENOTFOUND;
    }
    errno = msg[1]; /* (EACCES, ENOEXEC, ...: the program cannot be run, errno says why) */
    return msg[1] == ENOENT || msg[1] == ENOTDIR ? AIO_ENOTFOUND : AIO_ENOEXEC;
}

/* POSIX: fork and exec. */
static aio_status aio__sys_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                  aio_loop *L) {
    aio__spawn sp;
    int mine[3] = {-1, -1, -1};
    int report[2] = {-1, -1};
    int i;
    long pid = -1;
    aio_status rc = AIO_OK;
    if (aio__sigchld_first() && (rc = aio__sigchld_route(L)) < 0) return rc;
    memset(&sp, 0, sizeof sp);
    sp.group = p->group != 0;
    sp.argv = argv;
    memcpy(&sp.args, &argv, sizeof sp.args); /* (execve's types: it writes to neither) */
    if (opts->env)
        memcpy(&sp.env, &opts->env, sizeof sp.env);
    else
        sp.env = environ;
    sp.cwd = opts->cwd;
    if (!strchr(argv[0], '/')) {
        sp.path = aio__exec_path(opts->env);
        sp.scratch = (char *)AIO_MALLOC(strlen(sp.path) + strlen(argv[0]) + 2);
        if (!sp.scratch) return AIO_EIO; /* (out of memory) */
    }
    sp.stdio[0] = sp.stdio[1] = sp.stdio[2] = -1;
    /* (a failure here: out of descriptors) */
    if (aio__stdio_open(opts->in, 0, &sp.stdio[0], &mine[0]) < 0 ||
        aio__stdio_open(opts->out, 1, &sp.stdio[1], &mine[1]) < 0 ||
        (opts->err == AIO_STDIO_STDOUT ? (sp.stdio[2] = -2, 0)
                                       : aio__stdio_open(opts->err, 1, &sp.stdio[2], &mine[2])) < 0 ||
        aio__pipe_private(report, 0) != 0 || (report[1] = aio__above_stdio(report[1])) < 0) {
        rc = AIO_EIO; /* (out of descriptors) */
    }
#if defined(AIO_DEBUG) && defined(AIO__LINUX) && !defined(AIO__SYSCALL)
    { /* (Linux, but syscall() not declared: the fallbacks, which work, but say why once) */
        static int told;
        if (!told) {
            told = 1;
            (void)aio__misuse(AIO_OK, "aio_process_spawn: Linux's own calls are out of this build (no pidfd, "
                                      "close_range, pipe2, accept4): a system header came before aio_timeout.h "
                                      "with _POSIX_C_SOURCE alone; define _DEFAULT_SOURCE (or _GNU_SOURCE) "
                                      "first, or include aio_timeout.h first");
        }
    }
#endif
    if (rc == AIO_OK) {
        sp.report = report[1];
        sp.fd_limit = aio__fd_limit();
        pid = (long)fork();
        if (pid == 0) aio__spawn_child(&sp); /* LCOV_EXCL_BR_LINE: (never returns: the child's branch) */
        if (pid < 0) rc = AIO_EIO; /* LCOV_EXCL_LINE: out of processes */
    }
    for (i = 0; i < 3; i++) if (sp.stdio[i] >= 0) (void)close(sp.stdio[i]);
    aio__close_fd(&report[1]);
    AIO_FREE(sp.scratch);
    if (rc == AIO_OK) rc = aio__spawn_report(pid, report[0]);
    aio__close_fd(&report[0]);
    if (rc < 0) {
        int err = errno;
        for (i = 0; i < 3; i++) aio__close_fd(&mine[i]);
        errno = err;
        return rc;
    }
    memset(p, 0, sizeof *p);
    p->pid = (int)pid;
    p->group = (uint8_t)(sp.group ? AIO__GROUP_LEADS : 0);
    p->in = (aio_socket)mine[0];
    p->out = (aio_socket)mine[1];
    p->err = (aio_socket)mine[2];
    p->state = AIO__PROC_RUNNING;
    p->pidfd = aio__pidfd_open(p->pid); /* (close-on-exec) */
    if (p->pidfd >= 0) {
        aio_io_forget(p->pidfd);
    } else if ((rc = aio__sigchld_route(L)) < 0) { /* LCOV_EXCL_START: pidfd refused, and out of descriptors */
        aio__sys_proc_kill_now(p); /* (nothing could reap it) */
        for (i = 0; i < 3; i++) aio__close_fd(&mine[i]);
        p->in = p->out = p->err = (aio_socket)-1;
        p->state = AIO__PROC_CLOSED;
        return rc;
    } /* LCOV_EXCL_STOP */
    return AIO_OK;
}
#endif /* AIO__POSIX_PROCESSES */

#endif /* AIO__PROCESSES */
#endif /* AIO__POSIX_IO */

