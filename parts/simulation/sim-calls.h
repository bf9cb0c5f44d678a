// >>sim-calls
/* ----------------------------------------- simulation: the platform's calls */

/* The platform's socket calls and the pool's, simulated: the same returns
 * as the system's, on the simulated network and the loop's thread. */
#ifdef AIO__SIM
/* ---- the platform's socket calls, simulated (the same returns) */
static aio_status aio__sim_recv(int fd, void *buf, size_t len, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    size_t n;
    if (!k) return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of the simulation");
    if (k->kind != AIO__SIM_STREAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a connected stream socket");
    if (k->error) return aio__sim_error(k->error);
    if (!k->rx) return AIO__AGAIN;
    if (k->rx->reset) return AIO_ECONNRESET;
    if (!k->rx->len) return k->rx->fin || k->shut_read ? 0 : AIO__AGAIN;
    n = aio__net_chunk(len < k->rx->len ? len : k->rx->len);
    if (n > 1 && aio__sim_chance(s, s->cfg.short_recv)) n = 1 + (size_t)aio__sim_upto(s, (aio_time)(n - 2));
    memcpy(buf, k->rx->buf, n);
    memmove(k->rx->buf, k->rx->buf + n, k->rx->len - n);
    k->rx->len -= n;
    aio__sim_mix(s, 0x4Eull << 32 | n);
    return (aio_status)n;
}
static aio_status aio__sim_send(int fd, const void *buf, size_t len, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    size_t room;
    size_t n;
    if (k && !k->shut && aio__sim_notice(s, fd)) k = NULL; /* (closed or shut down in this turn) */
    if (!k) return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of the simulation");
    if (k->kind != AIO__SIM_STREAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a connected stream socket");
    if (k->error) return aio__sim_error(k->error);
    if (k->shut) return AIO_ECONNRESET; /* (EPIPE: shut down for writing, as the system's calls give it) */
    if (!k->rx || !k->rx->open) return AIO__AGAIN;
    if (k->tx->reset) return AIO_ECONNRESET;
    room = aio__sim_buffer(s) - (k->tx->flying + k->tx->len < aio__sim_buffer(s) ? k->tx->flying + k->tx->len
                                                                                  : aio__sim_buffer(s));
    if (!room) return AIO__AGAIN;
    n = aio__net_chunk(len < room ? len : room);
    if (n > 1 && aio__sim_chance(s, s->cfg.short_send)) n = 1 + (size_t)aio__sim_upto(s, (aio_time)(n - 2));
    aio__sim_put(s, k->tx, AIO__SIM_DATA, buf, n);
    if (!k->tx->local && aio__sim_chance(s, s->cfg.reset)) aio__sim_reset_later(s, k->tx);
    return (aio_status)n;
}
static aio_status aio__sim_accept(int fd, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *l = aio__sim_sock_of(s, fd, 0);
    aio__sim_pending c;
    int host;
    int port;
    int nfd;
    if (l && !l->shut && aio__sim_notice(s, fd)) l = NULL; /* (closed in this turn) */
    if (!l || l->kind != AIO__SIM_LISTEN) return aio__bad_fd(AIO_EBADF, what, fd, "is not a listening socket of the simulation");
    if (!l->queued) return AIO__AGAIN;
    host = l->host;
    port = l->port;
    nfd = aio__sim_socket_new(s, AIO__SIM_STREAM, host); /* (may move the table: l is stale after) */
    if (nfd < 0) return AIO_EIO; /* (no descriptor left: the connection waits, as the system's does) */
    l = &s->socks[fd];
    AIO_ASSERT(l->kind == AIO__SIM_LISTEN && l->queued); /* (its number is still its own: asked above) */
    c = l->queue[0];
    memmove(l->queue, l->queue + 1, (size_t)(l->queued - 1) * sizeof *l->queue);
    l->queued--;
    s->socks[nfd].port = port;
    s->socks[nfd].accepted = 1;
    s->socks[nfd].rx = c.rx; /* (the references the queue held) */
    s->socks[nfd].tx = c.tx;
    return nfd;
}
static int aio__sim_socket(int family) {
    aio__sim *s = aio__sim_here;
    (void)family;
    return aio__sim_socket_new(s, AIO__SIM_STREAM, aio__sim_here_host(s));
}
static aio_status aio__sim_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *c = aio__sim_sock_of(s, fd, AIO__SIM_STREAM);
    uint32_t ip = aio__sim_ip(sa, &c->to_port);
    (void)sl;
    (void)what;
    c->to_ip = ip == 0 ? AIO__SIM_LOOPBACK : ip == AIO__SIM_ANY6 ? AIO__SIM_LOOPBACK6 : ip; /* (0.0.0.0, ::: this
                                                                                          host, as Linux takes them) */
    c->to_host = aio__sim_host_at(s, c->to_ip, c->host);
    c->connecting = 1;
    c->port = aio__sim_ephemeral(s, AIO__SIM_STREAM, c->host);
    if (aio__sim_chance(s, s->cfg.refuse))
        aio__sim_at(s, s->loop->now + 2 * aio__sim_trip(s), AIO__SIM_EV_REFUSE, fd, c->gen, NULL);
    else
        aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_SYN, fd, c->gen, NULL);
    return AIO__AGAIN;
}
static aio_status aio__sim_connected(int fd, const char *what) {
    aio__sim_sock *c = aio__sim_sock_of(aio__sim_here, fd, AIO__SIM_STREAM);
    (void)what;
    if (!c) return AIO_EBADF; /* LCOV_EXCL_LINE: (the connect's own) */
    if (c->error) return aio__sim_error(c->error);
    AIO_ASSERT(c->rx && c->rx->open); /* (reported writable: answered) */
    return AIO_OK;
}
static aio_status aio__sim_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    aio__sim_dgram *d;
    struct sockaddr_in in;
    size_t n;
    memset(from, 0, sizeof *from);
    if (!k || k->kind != AIO__SIM_DGRAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a datagram socket of the simulation");
    if (!(d = k->dq)) return AIO__AGAIN;
    k->dq = d->next;
    if (!k->dq) k->dq_tail = NULL;
    k->dq_bytes -= d->len;
    n = aio__net_chunk(len < d->len ? len : d->len);
    memcpy(buf, d + 1, n);
    if (k->v6) { /* (an IPv6 socket's sender: ::1, or an IPv4 one mapped, ::ffff:a.b.c.d) */
        struct sockaddr_in6 in6;
        unsigned char *a = in6.sin6_addr.s6_addr;
        memset(&in6, 0, sizeof in6);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)d->from_port);
        if (d->from_ip == AIO__SIM_LOOPBACK6) {
            a[15] = 1;
        } else {
            a[10] = a[11] = 0xFF;
            a[12] = (unsigned char)(d->from_ip >> 24);
            a[13] = (unsigned char)(d->from_ip >> 16);
            a[14] = (unsigned char)(d->from_ip >> 8);
            a[15] = (unsigned char)d->from_ip;
        }
        memcpy(from, &in6, sizeof in6);
    } else {
        memset(&in, 0, sizeof in);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(d->from_ip);
        in.sin_port = htons((uint16_t)d->from_port);
        memcpy(from, &in, sizeof in);
    }
    AIO_FREE(d);
    return (aio_status)n;
}
static aio_status aio__sim_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    aio__sim_dgram *d;
    aio_time due;
    int port;
    uint32_t ip;
    if (!k || k->kind != AIO__SIM_DGRAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a datagram socket of the simulation");
    /* (an IPv6 socket sends to IPv4 addresses where it takes them: dual-stack) */
    if (family == AF_INET6 ? !k->v6 : k->v6 && aio__sim_dual(s) <= 0) /* LCOV_EXCL_BR_LINE: (dual: per machine) */
        return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is IPv6 and the socket IPv4, or the other way round");
    (void)sl;
    ip = aio__sim_ip(sa, &port);
    if (ip == AIO__SIM_ANY6) ip = AIO__SIM_LOOPBACK6; /* (::: this host, as Linux takes it) */
    if (len > (ip == AIO__SIM_LOOPBACK6 || (ip == AIO__SIM_NONE && family == AF_INET6) ? 65527u : 65507u)) {
        errno = EMSGSIZE; /* (beyond what a UDP datagram holds over IPv4, over IPv6: the system's calls fail so) */
        return AIO_EIO;
    }
    d = (aio__sim_dgram *)AIO_MALLOC(sizeof *d + len);
    if (!d) abort(); /* LCOV_EXCL_LINE */
    d->to_host = aio__sim_host_at(s, ip, k->host);
    d->to_ip = ip == 0 ? AIO__SIM_LOOPBACK : ip;
    d->to_port = port;
    d->from_ip = d->to_ip == AIO__SIM_LOOPBACK || d->to_ip == AIO__SIM_LOOPBACK6 ? d->to_ip : AIO__SIM_IP(k->host);
    d->from_port = k->port;
    d->len = (uint32_t)len;
    if (len) memcpy(d + 1, buf, len);
    due = aio__sim_wire(s, &k->busy, len) + aio__sim_trip(s);
    if (aio__sim_chance(s, s->cfg.reorder)) due += aio__sim_upto(s, 2 * s->cfg.latency + 1);
    if (d->to_host < 0 || s->cut[k->host][d->to_host] || aio__sim_chance(s, s->cfg.loss)) {
        aio__sim_mix(s, 0x1055ull);
        AIO_FREE(d);
    } else {
        aio__sim_at(s, due, AIO__SIM_EV_DGRAM, -1, 0, d);
    }
    return (aio_status)aio__net_chunk(len);
}
static int aio__sim_listen(const aio_address *at, int backlog) {
    return aio__sim_bind(aio__sim_here, AIO__SIM_LISTEN, at, backlog);
}
static int aio__sim_udp(const aio_address *at) { return aio__sim_bind(aio__sim_here, AIO__SIM_DGRAM, at, 0); }
static int aio__sim_close(int fd) { return aio__sim_sock_close(aio__sim_here, fd) == 0 ? 0 : -1; }
static int aio__sim_port_of(int fd) {
    aio__sim_sock *k = aio__sim_sock_of(aio__sim_here, fd, 0);
    return k ? k->port : -1;
}
/* Socket fd shut down both ways, as the system's shutdown(SHUT_RDWR) does:
 * its end sent after its bytes (aio__sim_shut), its sends fail, its reads
 * find the end once what came is read. A listener or a datagram socket is
 * only marked (as the program's own shutdown() of one is). */
static int aio__sim_shutdown(int fd) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    /* (a number the program closed in this turn: not a server's) */
    if (k && !k->shut && aio__sim_notice(s, fd)) k = NULL; /* LCOV_EXCL_BR_LINE */
    if (!k) return -1; /* LCOV_EXCL_LINE */
    if (!k->shut) aio__sim_shut(s, k);
    k->shut_read = 1;
    return 0;
}
/* The simulation's table, installed by aio_sim_start (see "the platform's
 * table"); its child processes are in "child processes". */
AIO__PLATFORM_SLOTS(AIO__PLATFORM_SIM_DECL)
static const aio__platform aio__sim_platform = {"the simulation's", 0, AIO__PLATFORM_SLOTS(AIO__PLATFORM_SIM_FILL)};

/* ---- calls on the pool: run at once on the loop's thread, landing later */
#ifdef AIO__THREADS
/* An event the call sets (from "another thread") is set at a seeded time
 * from the call's start to its landing, never after it: a thread sets it
 * before its function returns. */
/* No pool: the simulation runs its calls itself (the table's job_pool). */
static struct aio__pool *aio__sim_job_pool(aio_loop *L, const char *what, aio_status *rc) {
    (void)L;
    (void)what;
    *rc = AIO_OK;
    return NULL;
}
/* A call given up: it landed, or will (it is freed then). */
static void aio__sim_job_give_up(aio_loop *L, aio__job *j) {
    (void)L;
    j->waiter = NULL;
}
static void aio__sim_job_submit(aio_task *t, aio__job *j) {
    aio__sim *s = aio__sim_here;
    aio_time now = s->loop->now;
    aio_time lands;
    uint32_t i;
    j->waiter = t;
    s->in_call = 1;
    j->result = j->fn(j->data);
    s->in_call = 0;
    j->state = AIO__JOB_DONE;
    lands = now + aio__sim_upto(s, s->cfg.call);
    for (i = 0; i < s->nheld; i++) /* (first: at the same time, before the landing) */
        aio__sim_at(s, now + aio__sim_upto(s, lands - now), AIO__SIM_EV_SET, -1, 0, s->held[i]);
    s->nheld = 0;
    aio__sim_at(s, lands, AIO__SIM_EV_CALL, -1, 0, j);
}
#endif
static int aio__sim_set_later(aio_event *ev) {
    aio__sim *s = aio__sim_here;
    if (!s || !s->in_call) return 0;
    if (s->nheld == s->held_cap) {
        uint32_t cap = s->held_cap ? s->held_cap * 2 : 4;
        aio_event **grown = (aio_event **)AIO_REALLOC(s->held, cap * sizeof(aio_event *));
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        s->held = grown;
        s->held_cap = cap;
    }
    s->held[s->nheld++] = ev;
    return 1;
}
#ifdef AIO__THREADS
/* The simulation's names: a host's name, "localhost", a numeric address. */
static int aio__sim_resolve(void *ctx, const char *host, int port, aio_address *out, int max) {
    aio__sim *s = (aio__sim *)ctx;
    int h;
    (void)max;
    if (aio__sim_chance(s, s->cfg.lookup_fail)) return AIO_ENOTFOUND;
    if (aio__sockaddr(host, port, out)) return 1;
    h = aio__sim_host_named(s, host, 0);
    if (h < 0) return AIO_ENOTFOUND;
    aio__address_v4(out, AIO__SIM_IP(h), port);
    return 1;
}
/* A lookup asks the simulation's names (the table's names). */
static void aio__sim_names(aio_lookup_fn *hook, void **ctx) {
    *hook = aio__sim_resolve;
    *ctx = aio__sim_here;
}
#endif
#endif /* AIO__SIM */
