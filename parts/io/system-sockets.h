// >>system-sockets
/* ------------------------------------------- what POSIX and Windows share */

/* The system's socket slots, written once: the Berkeley calls are the same
 * on POSIX and Windows, and the few places they differ are each backend's,
 * in its section above:
 *
 *   AIO__DONTWAIT(fd), AIO__NOSIGNAL: a receive's and a send's flags;
 *   AIO__SEND(fd, buf, len, flags): a send that raises no SIGPIPE;
 *   AIO__ECONNABORTED, AIO__ENOBUFS: the errors of those names;
 *   AIO__SHUT_BOTH: shutdown()'s both ways;
 *   aio__accept_private: an accept whose socket is not inherited;
 *   aio__net_read, aio__net_write: a receive's or a send's result n, or
 *       (POSIX) a descriptor that is not a socket read or written instead;
 *   aio__net_dgram_cut, aio__net_dgram_result: a datagram's receive cut to
 *       its buffer, a datagram call's status;
 *   aio__net_claim: the option a socket the library binds takes. */
#ifdef AIO__SOCKETS
static aio_status aio__sys_recv(int fd, void *buf, size_t len, const char *what) {
    long n = (long)recv(AIO__SOCK(fd), (char *)buf, aio__net_chunk(len), AIO__DONTWAIT(fd));
    return aio__net_result(aio__net_read(n, fd, buf, len), what, fd);
}
static aio_status aio__sys_send(int fd, const void *buf, size_t len, const char *what) {
    long n = AIO__SEND(AIO__SOCK(fd), (const char *)buf, aio__net_chunk(len), AIO__DONTWAIT(fd));
    return aio__net_result(aio__net_write(n, fd, buf, len), what, fd);
}

/* A datagram (UDP). A receive takes one into buf[0..len) and its sender's
 * address into *from (zeroed first: a socket that is not a datagram one
 * leaves it so): its length, cut to len. A send gives one whole to (sa, sl),
 * or none: with no buffer for it now (ENOBUFS) it waits, as for a full send
 * buffer. */
static aio_status aio__sys_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from,
                                    const char *what) {
    aio__socklen sl = sizeof *from;
    long n;
    memset(from, 0, sizeof *from);
    n = (long)recvfrom(AIO__SOCK(fd), (char *)buf, aio__net_chunk(len), AIO__DONTWAIT(fd), (struct sockaddr *)from, &sl);
    return aio__net_dgram_result(aio__net_dgram_cut(n, len), what, fd);
}
/* The address family of socket fd (AF_INET, AF_INET6, ...), or -1. */
static int aio__net_family(int fd) {
    struct sockaddr_storage ss;
    aio__socklen sl = sizeof ss;
    if (getsockname(AIO__SOCK(fd), (struct sockaddr *)&ss, &sl) != 0) return -1;
    return ss.ss_family;
}
static aio_status aio__sys_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    long n;
    n = (long)sendto(AIO__SOCK(fd), (const char *)(buf ? buf : ""), aio__net_chunk(len),
                          AIO__NOSIGNAL | AIO__DONTWAIT(fd), sa, sl);
    if (n < 0) { /* (the systems name an address of the other family differently) */
        int err = aio__net_last();
        int mine = aio__net_family(fd);
        if (mine >= 0 && mine != family)
            return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is IPv6 and the socket IPv4, or the other "
                                           "way round");
        if (err == AIO__ENOBUFS) return AIO__AGAIN; /* LCOV_EXCL_BR_LINE: (not seen on loopback) */
        aio__net_set_last(err);
    }
    return aio__net_dgram_result(n, what, fd);
}

static aio_status aio__sys_accept(int fd, const char *what) {
    int c;
    aio__nonblocking(fd); /* (accept has no per-call flag) */
    c = aio__accept_private(fd);
    if (c < 0) {
        int err = aio__net_last();
        /* LCOV_EXCL_START: a connection gone before its accept: the next one */
        if (err == AIO__ECONNABORTED) return AIO__INTR;
        /* LCOV_EXCL_STOP */
        return aio__net_result(-1, what, fd);
    }
    aio_io_forget(c); /* a number used before: nothing of it is watched now */
    aio__sock_setup(c);
    return c;
}

/* Close fd, the error of the call that failed kept for errno or
 * WSAGetLastError: -1. */
static int aio__net_drop(int fd) {
    int err = aio__net_last();
    (void)aio__net_closesocket(fd);
    aio__net_set_last(err);
    return -1;
}
/* Bind fd to (sa, sl) with the option its kind takes (aio__net_claim): 0,
 * or -1 (the socket closed, the error kept). */
static int aio__net_bind(int fd, const struct sockaddr *sa, aio__socklen sl, int listening) {
    aio__net_claim(fd, listening);
    if (bind(AIO__SOCK(fd), sa, sl) == 0) return 0;
    return aio__net_drop(fd);
}

/* A connect's outcome once its socket is writable. */
static aio_status aio__sys_connected(int fd, const char *what) {
    int err = 0;
    aio__socklen sl = sizeof err;
    if (getsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_ERROR, (char *)&err, &sl) != 0) err = aio__net_last(); /* LCOV_EXCL_LINE */
    if (err == 0) return AIO_OK;
    /* LCOV_EXCL_START: reported writable before the connection was made */
    if (aio__net_in_progress(err) || aio__net_would_block(err)) return AIO__AGAIN;
    /* LCOV_EXCL_STOP */
    return aio__net_error(err, what, fd);
}

/* A new non-blocking stream socket of `family`, or a negative number. */
static int aio__sys_socket(int family) {
    int fd;
    fd = aio__socket_private(family, SOCK_STREAM);
    if (fd < 0) return -1; /* (out of descriptors or memory) */
    aio_io_forget(fd);
    aio__sock_setup(fd);
    return fd;
}

static aio_status aio__sys_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    for (;;) { /* LCOV_EXCL_LINE: (entered again only after EINTR) */
        int err;
        if (connect(AIO__SOCK(fd), sa, sl) == 0) return AIO_OK; /* LCOV_EXCL_LINE: (see the caller) */
        err = aio__net_last();
        if (aio__net_in_progress(err)) return AIO__AGAIN;
        if (!aio__net_interrupted(err)) return aio__net_error(err, what, fd); /* LCOV_EXCL_BR_LINE */
    }
}

/* A listening TCP socket at `at`, a bound UDP socket (each with the option
 * aio__net_claim gives), a socket's port, a socket closed, a connection
 * shut down both ways: the system's slots of the same names. */
static int aio__net_listen_as(const aio_address *at, int backlog, int claim) {
    int fd;
    aio__net_need();
    fd = aio__socket_private(aio__address_family(at), SOCK_STREAM);
    if (fd < 0) return AIO_EIO; /* (out of descriptors or memory) */
    if (aio__net_bind(fd, (const struct sockaddr *)(const void *)at->sa, at->len, claim) != 0) return AIO_EIO;
    if (listen(AIO__SOCK(fd), backlog ? backlog : SOMAXCONN) != 0) { /* LCOV_EXCL_START: once bound: not seen */
        (void)aio__net_drop(fd);
        return AIO_EIO;
    } /* LCOV_EXCL_STOP */
    aio_io_forget(fd);
    aio__sock_setup(fd);
    return fd;
}
static int aio__sys_listen(const aio_address *at, int backlog) { return aio__net_listen_as(at, backlog, 1); }
static int aio__sys_udp(const aio_address *at) {
    int fd;
    aio__net_need();
    fd = aio__socket_private(aio__address_family(at), SOCK_DGRAM);
    if (fd < 0) return AIO_EIO; /* (out of descriptors or memory, or no IPv6) */
    if (aio__net_bind(fd, (const struct sockaddr *)(const void *)at->sa, at->len, 0) != 0) return AIO_EIO;
    aio_io_forget(fd); /* a number used before: nothing of it is watched now */
    aio__sock_private(fd);
    return fd;
}
static int aio__sys_port_of(int fd) {
    struct sockaddr_storage ss;
    aio__socklen sl = sizeof ss;
    if (getsockname(AIO__SOCK(fd), (struct sockaddr *)&ss, &sl) != 0) return -1;
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
}
static int aio__sys_close(int fd) { return aio__net_closesocket(fd); }
static int aio__sys_shutdown(int fd) { return shutdown(AIO__SOCK(fd), AIO__SHUT_BOTH) == 0 ? 0 : -1; }
#endif /* AIO__SOCKETS */

