// >>unix
/* ------------------------------------------------------ Unix domain sockets */

/* A Unix domain socket's address from `path` ('@': Linux's abstract
 * namespace): its length, or 0 if the path is NULL, empty or too long, or
 * an abstract name where there are none (macOS, the BSDs, AIO_NO_LINUX: a
 * file named '@...' instead would surprise). A file's path needs its NUL
 * in sun_path; an abstract name has none after it, so it may fill sun_path
 * ('@' standing for its leading NUL). */
#ifdef AIO__POSIX_IO
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
#endif

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

/* 1 if the thread's table has no Unix domain sockets (a simulation's
 * network has TCP and UDP only). */
#define AIO__UNIX_SIMULATED() (!aio__os()->unix_sockets)

AIO_API int aio_unix_listen(const char *path, int backlog) {
#ifdef AIO__POSIX_IO
    struct sockaddr_un sa;
    struct stat st;
    aio__socklen sl = aio__unix_address(path, &sa);
    int fd;
    if (AIO__UNIX_SIMULATED())
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
#else
    (void)path; (void)backlog;
    return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets need POSIX");
#endif
}

/* AIO_UNIX_CONNECT: a connect on a non-blocking Unix socket is made at once
 * or refused at once, except when the listener's queue is full (EAGAIN):
 * then the socket is not connecting, a wait for it to be writable ends at
 * once, and the only way is to ask again later. The state (the heap's while
 * the task waits: await.unix_connecting) keeps the address and the backoff. */
#ifdef AIO__POSIX_IO
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
#endif

AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
#ifdef AIO__POSIX_IO
    aio__unix_connecting *c;
#endif
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_UNIX_CONNECT: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
#ifdef AIO__POSIX_IO
    if (AIO__UNIX_SIMULATED())
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
#else
    (void)path;
    return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets need POSIX");
#endif
}

AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f) {
#ifdef AIO__POSIX_IO
    if (aio__checkpoint(t) < 0) return aio__unix_connect_end(t, aio__raise(t, f, AIO_ECANCELED));
    return aio__unix_connect_try(t, f);
#else
    (void)t; (void)f; /* LCOV_EXCL_LINE: never called (the start refused) */
    return AIO_EINVAL; /* LCOV_EXCL_LINE */
#endif
}

