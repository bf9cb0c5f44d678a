// >>datagrams
/* -------------------------------------------------------------- datagrams */

/* A datagram's receive or send is one system call that takes or gives a
 * whole datagram: tried at once, and when it would block, tried again each
 * time the socket is ready, all within its one deadline, through the
 * readiness waits' path (t->await.io, the slot's waiter, `dry`). Its buffer,
 * length and address come from the macro to the start and to each
 * resumption: the task holds nothing more. (Their own functions: the other
 * awaits' paths do not test for them, and a program without datagrams
 * links none of this.) */
static const char *const aio__dgram_names[] = {"AIO_RECV_FROM", "AIO_SEND_TO"};

/* One try: the datagram's length (received; its sender in *addr if not
 * NULL), AIO_OK (sent), AIO__AGAIN, AIO__INTR, or a status. */
static aio_status aio__dgram_once(int fd, int op, const void *buf, size_t len, const aio_address *addr) {
    const char *what = aio__dgram_names[op];
    struct sockaddr_storage ss;
    aio_address *from;
    void *into;
    aio_status rc;
    int family;
    if (op == AIO__DGRAM_SEND) {
        rc = aio__net_sendto(fd, buf, len, (const struct sockaddr *)(const void *)addr->sa, addr->len,
                             aio__address_family(addr), what);
        if (rc < 0) return rc;
        /* (a stream socket may take part of it, when its buffer is full) */
        if ((size_t)rc != len)
            return aio__bad_fd(AIO_EBADF, what, fd, "is not a UDP socket (it took part of the datagram)");
        return AIO_OK;
    }
    memcpy(&into, &buf, sizeof into); /* (the receive's buffer and address, passed as const) */
    rc = aio__net_recvfrom(fd, into, len, &ss, what);
    if (rc < 0) return rc;
    family = ss.ss_family;
    if (family != AF_INET && family != AF_INET6)
        return aio__bad_fd(AIO_EBADF, what, fd, "is not a UDP socket (what it received came from no IPv4 or IPv6 sender)");
    if (addr) {
        memcpy(&into, &addr, sizeof into);
        from = (aio_address *)into;
        memset(from, 0, sizeof *from);
        from->len = (uint16_t)(family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
        memcpy(from->sa, &ss, from->len);
    }
    return rc;
}

/* Try until done, or park until the socket is ready that way (op is the way:
 * 0 readable, 1 writable). */
static aio_status aio__dgram_try(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                 const aio_address *addr) {
    aio_loop *L = t->loop;
    int fd = t->await.io.fd;
    for (;;) { /* LCOV_EXCL_LINE: (entered again only after EINTR) */
        aio_status rc;
        if (aio__io_is_dry(L->io, fd, op)) return aio__io_park(t, f, op, 1, aio__dgram_names[op]);
        rc = aio__dgram_once(fd, op, buf, len, addr);
        /* LCOV_EXCL_START: a signal in the call */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc != AIO__AGAIN) return rc;
        aio__io_dry(L, fd, op);
        return aio__io_park(t, f, op, 0, aio__dgram_names[op]); /* (trusts nothing the first time) */
    }
}

AIO_API aio_status aio__dgram_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                    size_t len, const aio_address *addr, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    int fd = aio__fd(sock);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, op == AIO__DGRAM_SEND ? AIO__TIMEOUT_REFUSED("AIO_SEND_TO: the timeout")
                                                      : AIO__TIMEOUT_REFUSED("AIO_RECV_FROM: the timeout"));
    if (!buf && len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, op == AIO__DGRAM_SEND ? "AIO_SEND_TO: the buffer is NULL"
                                                                              : "AIO_RECV_FROM: the buffer is NULL"));
    if (op == AIO__DGRAM_RECV && !len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_RECV_FROM: len is 0 (a receive of 0 bytes would "
                                                        "drop the datagram)"));
    t->await.io.fd = fd;
    t->await.io.dir = (uint8_t)op;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (op == AIO__DGRAM_SEND && !aio__address_ok(addr))
        return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is NULL or holds no IPv4 or IPv6 address "
                                       "(aio_address_set)");
    if (fd < 0) return aio__bad_fd(AIO_EBADF, aio__dgram_names[op], fd, "is negative");
    aio__set_until(t, until);
    return aio__dgram_try(t, f, op, buf, len, addr);
}

AIO_API aio_status aio__dgram_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                   const aio_address *addr) {
    /* readable (writable), or why not: a cancellation first, the deadline */
    aio_status rc = aio__io_poll(t, f, op == AIO__DGRAM_SEND ? AIO__IO_WRITABLE : AIO__IO_READABLE, NULL, 0);
    return rc == AIO_OK ? aio__dgram_try(t, f, op, buf, len, addr) : rc;
}

AIO_API int aio_udp_open(const char *host, int port) {
    aio_address at;
    if (!aio__sockaddr(host, port, &at))
        return aio__misuse(AIO_EINVAL, "aio_udp_open: the host is not a numeric IPv4 or IPv6 address or "
                                       "\"localhost\", or the port is not 0-65535");
    return aio__os()->udp(&at);
}

