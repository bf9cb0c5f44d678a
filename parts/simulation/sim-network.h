// >>sim-network
/* ----------------------------------- simulation: the network and its faults */

/* The network model: pipes, the sockets by number, what arrives (late,
 * lost, reset, refused: the configuration's faults, drawn from the seed),
 * and the port the loop waits through. */
#ifdef AIO__SIM
/* ---- pipes */
static aio__sim_pipe *aio__sim_pipe_new(int from, int to) {
    aio__sim_pipe *p = (aio__sim_pipe *)aio__zalloc(sizeof *p);
    if (!p) abort(); /* LCOV_EXCL_LINE */
    p->from = from;
    p->to = to;
    return p;
}
static void aio__sim_pipe_lose(aio__sim_pipe *p) { /* what is on its way */
    while (p->head) {
        aio__sim_seg *next = p->head->next;
        AIO_FREE(p->head);
        p->head = next;
    }
    p->tail = NULL;
    p->flying = 0;
}
static void aio__sim_pipe_drop(aio__sim_pipe *p) { /* ... and what was not read */
    aio__sim_pipe_lose(p);
    AIO_FREE(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}
static void aio__sim_unref(aio__sim_pipe *p) {
    if (--p->refs == 0) {
        aio__sim_pipe_drop(p);
        if (p->back) p->back->back = NULL;
        AIO_FREE(p);
    }
}
/* A segment on its way along p (len bytes of data, or its end, or the
 * answer to a connect), after those ahead of it. */
static void aio__sim_put(aio__sim *s, aio__sim_pipe *p, int kind, const void *data, size_t len) {
    aio__sim_seg *g = (aio__sim_seg *)AIO_MALLOC(sizeof *g + len);
    aio_time due = aio__sim_wire(s, &p->busy, len) + aio__sim_trip(s);
    if (!g) abort(); /* LCOV_EXCL_LINE */
    if (aio__before(due, p->last_due)) due = p->last_due;
    p->last_due = due;
    g->next = NULL;
    g->due = due;
    g->len = (uint32_t)len;
    g->kind = (uint8_t)kind;
    g->lost = 0;
    if (len) memcpy(g + 1, data, len);
    if (p->tail) p->tail->next = g; else p->head = g;
    p->tail = g;
    p->flying += len;
    p->refs++;
    aio__sim_at(s, due, AIO__SIM_EV_FLOW, -1, 0, p);
}
/* The connection of p is reset, both ways, a trip from now. */
static void aio__sim_reset_later(aio__sim *s, aio__sim_pipe *p) {
    p->refs++;
    aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_RESET, -1, 0, p);
}

/* ---- the sockets' numbers
 *
 * A socket's number is a descriptor of the process (a SOCKET on Windows):
 * one end of a connected pair of sockets made for it (socketpair; on
 * Windows a loopback connection to a listener of the simulation's, closed
 * abortively: nothing lingers), not inherited by a child, non-blocking;
 * the simulation holds the other end, its "far" end, from far_floor up
 * where the system allows, so that the program's numbers follow one
 * another as a real run's do. So a number is never one of the
 * program's own files: a close() of it (after aio_io_forget, the documented
 * other way to end a socket) or a shutdown() reaches that pair only. And
 * the simulation sees it, as its far end reads the end of the stream (a dup
 * of /dev/null, the other choice, would give no sign of a close and take no
 * shutdown). Whether the number still names the pair's socket (its device
 * and inode; on Windows its two ports) tells a shutdown for writing, which
 * the simulated socket then makes too (its end is sent after its bytes),
 * from a close, which closes the simulated socket as aio_close does but
 * leaves the number alone: it may be another file's by then. The simulation
 * looks before the loop's clock moves (one poll of the far ends: what the
 * tasks did then happens at the time they did it), before each send (one
 * after a shutdown fails, as on a real socket), and when the system gives a
 * new pair a number its table still holds. Each socket takes two of the
 * process's descriptors. */
/* The pairs are the backend's (aio__sys_pair_new, aio__sys_pair_same: see
 * "the simulation's pairs" in "POSIX" and "Windows"). */
static int aio__sim_pair_new(aio__sim *s, int n[2], uint64_t id[2]) {
    return aio__sys_pair_new(&s->listener, s->far_floor, n, id);
}
/* Whether number fd still names the socket of k's pair. */
static int aio__sim_same(const aio__sim_sock *k, int fd) { return aio__sys_pair_same(k->id, fd); }
/* ---- sockets
 *
 * A turn's scans of the sockets (the readiness told the loop, which wakes
 * their tasks in that order; the look at what the program did to their
 * numbers) go in the order the sockets were made, never by number: the
 * numbers are the system's (Windows' are not the lowest free, and other
 * descriptors of the process move them), and a seed replays alike on every
 * system. (Other searches find one socket, or all: their order is moot.) */
static aio__sim_sock *aio__sim_sock_of(aio__sim *s, int fd, int kind) {
    if (fd < 0 || fd >= s->nsocks || s->socks[fd].kind == AIO__SIM_FREE) return NULL;
    if (kind && s->socks[fd].kind != kind) return NULL;
    return &s->socks[fd];
}
static int aio__sim_sock_close(aio__sim *s, int fd);
/* The system gave number fd to a new pair: a socket the table holds there
 * was closed by the program (its number is free again). */
static void aio__sim_taken(aio__sim *s, int fd) {
    if (fd >= s->nsocks || s->socks[fd].kind == AIO__SIM_FREE) return;
    aio_io_forget(fd);
    (void)aio__sim_sock_close(s, fd);
}
/* A new socket: the number the system gives its pair (the lowest free, as
 * POSIX gives), or -1 with errno (EMFILE: the process has no descriptor left). */
static int aio__sim_socket_new(aio__sim *s, int kind, int host) {
    int n[2];
    uint64_t id[2];
    aio__sim_sock *k;
    uint64_t gen;
    if (aio__sim_pair_new(s, n, id) != 0) return -1;
    aio__sim_taken(s, n[0]);
    aio__sim_taken(s, n[1]);
    if (n[0] >= s->nsocks) {
        int cap = s->nsocks ? s->nsocks * 2 : 16;
        aio__sim_sock *grown;
        while (cap <= n[0]) cap *= 2;
        grown = (aio__sim_sock *)AIO_REALLOC(s->socks, (size_t)cap * sizeof *grown);
        if (!grown) { /* LCOV_EXCL_START */
            aio__wake_pair_close(n);
            return -1;
        } /* LCOV_EXCL_STOP */
        memset(grown + s->nsocks, 0, (size_t)(cap - s->nsocks) * sizeof *grown);
        s->socks = grown;
        s->nsocks = cap;
    }
    aio_io_forget(n[0]); /* a number used before: nothing of it is watched now */
    k = &s->socks[n[0]];
    gen = k->gen + 1;
    memset(k, 0, sizeof *k);
    k->gen = gen;
    k->kind = (uint8_t)kind;
    k->host = host;
    k->hold = n[1];
    k->id[0] = id[0];
    k->id[1] = id[1];
    k->serial = ++s->serials;
    k->older = s->newest;
    k->newer = -1;
    if (s->newest >= 0) s->socks[s->newest].newer = n[0]; else s->oldest = n[0];
    s->newest = n[0];
    s->placed++;
    aio__sim_mix(s, ((uint64_t)kind << 32) | k->serial);
    return n[0];
}
/* Socket k's pair closed: the number too if it still names the pair's
 * socket (1 then, else 0: the program closed it). */
static int aio__sim_unplace(aio__sim *s, aio__sim_sock *k, int fd) {
    int own = aio__sim_same(k, fd);
    if (own) (void)aio__net_closesocket(fd);
    (void)aio__net_closesocket(k->hold);
    k->hold = -1;
    s->placed--;
    return own;
}
/* Whether an IPv4 address `ip` (0: every one) and a socket's flags v6
 * overlap with what socket k is bound to: an IPv4 address of both, or ::1. */
static int aio__sim_overlap(const aio__sim_sock *k, uint32_t ip, int v6) {
    if ((k->v6 & v6 & AIO__SIM_ON6) != 0) return 1;
    return k->ip != AIO__SIM_NONE && ip != AIO__SIM_NONE && (!k->ip || !ip || k->ip == ip);
}
/* Whether port `port` of `host` is free for a socket of `kind` bound to
 * (ip, v6): no socket of the same protocol holds it on an address that
 * overlaps, but the connections a listener accepted (Linux lets a listener
 * bind beside them, with the SO_REUSEADDR the library sets). */
static int aio__sim_port_free(aio__sim *s, int kind, int host, int port, uint32_t ip, int v6) {
    int fd;
    for (fd = 0; fd < s->nsocks; fd++) {
        const aio__sim_sock *k = &s->socks[fd];
        if (k->kind == AIO__SIM_FREE || k->host != host || k->port != port || k->accepted) continue;
        if ((k->kind == AIO__SIM_DGRAM) != (kind == AIO__SIM_DGRAM)) continue; /* (another protocol) */
        if (aio__sim_overlap(k, ip, v6)) return 0;
    }
    return 1;
}
/* A port no socket of `kind` holds on `host`, from 49152 on. */
static int aio__sim_ephemeral(aio__sim *s, int kind, int host) {
    int port;
    do {
        port = s->next_port[host]++;
        if (s->next_port[host] > 65535) s->next_port[host] = 49152;
    } while (!aio__sim_port_free(s, kind, host, port, 0, AIO__SIM_ON6));
    return port;
}
/* The IPv4 address a socket bound to `at` takes (AIO__SIM_NONE: none), and
 * in *v6 its flags: an IPv6 socket bound to :: takes every IPv4 address
 * too where the system's do (aio__sim_dual), and ::1; one bound to ::1
 * takes ::1; one bound to an IPv4-mapped address takes that IPv4 address
 * where the system's take IPv4. Another IPv6 address is no host's. */
static uint32_t aio__sim_bound(const aio_address *at, int *port, int *v6, int dual) {
    uint32_t ip = aio__sim_ip(at->sa, port);
    *v6 = 0;
    if (aio__address_family(at) != AF_INET6) return ip;
    *v6 = AIO__SIM_V6;
    if (ip == AIO__SIM_ANY6 || ip == AIO__SIM_LOOPBACK6) {
        *v6 |= AIO__SIM_ON6;
        return ip == AIO__SIM_ANY6 && dual ? 0 : AIO__SIM_NONE; /* LCOV_EXCL_BR_LINE: (dual: one way on a machine) */
    }
    return dual ? ip : AIO__SIM_NONE; /* LCOV_EXCL_BR_LINE: (the same) */
}
/* A listener or a datagram socket bound to `at` on the calling task's host:
 * one of its own addresses (every one, 127.0.0.1, the host's, or IPv6's ::
 * and ::1), as a system binds only its own. */
static int aio__sim_bind(aio__sim *s, int kind, const aio_address *at, int backlog) {
    int port;
    int v6;
    int dual = aio__address_family(at) == AF_INET6 ? aio__sim_dual(s) : 0;
    uint32_t ip = aio__sim_bound(at, &port, &v6, dual > 0);
    int host = aio__sim_here_host(s);
    int fd;
    if (dual < 0) return AIO_EIO; /* LCOV_EXCL_LINE: (no IPv6: the system's socket fails so) */
    if (ip == AIO__SIM_NONE ? !(v6 & AIO__SIM_ON6) : ip != 0 && ip != AIO__SIM_LOOPBACK && ip != AIO__SIM_IP(host)) {
        errno = EADDRNOTAVAIL;
        return AIO_EIO;
    }
    if (port && !aio__sim_port_free(s, kind, host, port, ip, v6)) {
        errno = EADDRINUSE;
        return AIO_EIO;
    }
    fd = aio__sim_socket_new(s, kind, host);
    if (fd < 0) return AIO_EIO;
    s->socks[fd].ip = ip;
    s->socks[fd].v6 = (uint8_t)v6;
    s->socks[fd].port = port ? port : aio__sim_ephemeral(s, kind, host);
    s->socks[fd].backlog = backlog ? backlog : 128;
    return fd;
}
/* Whether socket k, bound to an address, is the one reached through `ip`
 * (127.0.0.1, its host's address or ::1). */
static int aio__sim_reached(const aio__sim_sock *k, uint32_t ip) {
    if (ip == AIO__SIM_LOOPBACK6) return (k->v6 & AIO__SIM_ON6) != 0;
    return k->ip != AIO__SIM_NONE && (!k->ip || k->ip == ip);
}
static void aio__sim_attach(aio__sim_sock *k, aio__sim_pipe *rx, aio__sim_pipe *tx) {
    k->rx = rx;
    k->tx = tx;
    rx->refs++;
    tx->refs++;
}
/* A connected pair of stream sockets on `host`, a local pipe each way (a
 * child's standard stream, its exit): 0, or -1 with nothing made. */
static int aio__sim_pair(aio__sim *s, int host, int *a, int *b) {
    aio__sim_pipe *ab;
    aio__sim_pipe *ba;
    *a = aio__sim_socket_new(s, AIO__SIM_STREAM, host);
    *b = *a < 0 ? -1 : aio__sim_socket_new(s, AIO__SIM_STREAM, host);
    if (*b < 0) { /* (out of descriptors) */
        if (*a >= 0) (void)aio__sim_sock_close(s, *a);
        *a = -1;
        return -1;
    }
    ab = aio__sim_pipe_new(host, host);
    ba = aio__sim_pipe_new(host, host);
    ab->back = ba;
    ba->back = ab;
    ab->open = ba->open = 1;
    ab->local = ba->local = 1;
    aio__sim_attach(&s->socks[*a], ba, ab);
    aio__sim_attach(&s->socks[*b], ab, ba);
    return 0;
}
/* A stream socket's end: its end sent after its last bytes (unless a
 * shutdown sent it), or a reset if it leaves bytes unread (as TCP does);
 * bytes still on their way to it reset the connection when they come. The
 * pipes live on while needed. */
static void aio__sim_end_stream(aio__sim *s, aio__sim_pipe *rx, aio__sim_pipe *tx) {
    if (!rx) return;
    rx->reader_gone = 1;
    if (!rx->reset && rx->len) {
        aio__sim_reset_later(s, tx);
    } else if (!tx->reset && !tx->ended) {
        aio__sim_put(s, tx, AIO__SIM_FIN, NULL, 0);
    }
    AIO_FREE(rx->buf); /* (what was not read; what is on its way comes) */
    rx->buf = NULL;
    rx->len = rx->cap = 0;
    aio__sim_unref(rx);
    aio__sim_unref(tx);
}
/* Socket fd closed, and its pair: -1 if there is none, 0 if its number was
 * closed with it, 1 if the program had closed that already. */
static int aio__sim_sock_close(aio__sim *s, int fd) {
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    int i;
    if (!k) return -1;
    aio__sim_mix(s, 0xC105Eull << 32 | k->serial);
    aio__sim_end_stream(s, k->rx, k->tx);
    for (i = 0; i < k->queued; i++) aio__sim_end_stream(s, k->queue[i].rx, k->queue[i].tx);
    AIO_FREE(k->queue);
    while (k->dq) {
        aio__sim_dgram *next = k->dq->next;
        AIO_FREE(k->dq);
        k->dq = next;
    }
    k->kind = AIO__SIM_FREE;
    if (k->older >= 0) s->socks[k->older].newer = k->newer; else s->oldest = k->newer;
    if (k->newer >= 0) s->socks[k->newer].older = k->older; else s->newest = k->older;
    k->rx = k->tx = NULL;
    k->queue = NULL;
    k->host = -1;
    k->port = 0;
    return !aio__sim_unplace(s, k, fd);
}
/* Socket k shut down for writing by the program: its end is sent after
 * its bytes, as a real socket's is (a socket not connected: nothing). */
static void aio__sim_shut(aio__sim *s, aio__sim_sock *k) {
    k->shut = 1;
    aio__sim_mix(s, 0x5807ull);
    if (!k->tx || k->tx->reset) return;
    k->tx->ended = 1;
    aio__sim_put(s, k->tx, AIO__SIM_FIN, NULL, 0);
}
/* What the program did to number fd since it was last asked, outside the
 * library: if it shut the socket down for writing, that is done; if it
 * closed it, the socket is closed (as aio_close does) and 1 returned. */
static int aio__sim_notice(aio__sim *s, int fd) {
    aio__sim_sock *k = &s->socks[fd];
    if (!k->shut) {
        char buf[64];
        long n;
        while ((n = (long)recv(AIO__SOCK(k->hold), buf, sizeof buf, 0)) > 0) {
        } /* (bytes the program wrote to it itself: dropped) */
        /* (it did nothing; an error: Windows' abortive close) */
        if (n < 0 && aio__net_would_block(aio__net_last())) return 0; /* LCOV_EXCL_BR_LINE */
    }
    if (aio__sim_same(k, fd)) {
        if (!k->shut) aio__sim_shut(s, k);
        return 0;
    }
    aio_io_forget(fd);
    (void)aio__sim_sock_close(s, fd);
    return 1;
}
/* What the program did to the numbers since, before the loop's clock moves
 * (one poll of the far ends; one shut down, whose far end reads the end
 * all the time, is asked by itself whether it was closed since). */
static void aio__sim_look(aio__sim *s) {
    int fd;
    int next;
    int n = 0;
    int i;
    if (!s->placed) return;
    if (s->npolls < s->placed) {
        int cap = s->placed * 2;
        aio__pollfd *polls = (aio__pollfd *)AIO_REALLOC(s->polls, (size_t)cap * sizeof *polls);
        int *polled = polls ? (int *)AIO_REALLOC(s->polled, (size_t)cap * sizeof *polled) : NULL; /* LCOV_EXCL_BR_LINE */
        if (!polled) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        s->polls = polls;
        s->polled = polled;
        s->npolls = cap;
    }
    for (fd = s->oldest; fd >= 0; fd = next) {
        next = s->socks[fd].newer; /* (a notice may close fd) */
        if (s->socks[fd].shut) {
            (void)aio__sim_notice(s, fd);
            continue;
        }
        s->polls[n].fd = AIO__SOCK(s->socks[fd].hold);
        s->polls[n].events = POLLIN;
        s->polls[n].revents = 0;
        s->polled[n++] = fd;
    }
    if (!n || aio__poll(s->polls, n, 0) <= 0) return;
    for (i = 0; i < n; i++)
        if (s->polls[i].revents) (void)aio__sim_notice(s, s->polled[i]);
}

/* What socket fd is ready for now (AIO_READABLE | AIO_WRITABLE). */
static int aio__sim_readiness(const aio__sim *s, const aio__sim_sock *k) {
    int r = 0;
    if (k->kind == AIO__SIM_LISTEN) return k->queued ? AIO_READABLE : 0;
    if (k->kind == AIO__SIM_DGRAM) return (k->dq ? AIO_READABLE : 0) | AIO_WRITABLE;
    if (k->error) return AIO_READABLE | AIO_WRITABLE;
    if (!k->rx) return 0;
    if (k->rx->len || k->rx->fin || k->rx->reset || k->shut_read) r |= AIO_READABLE;
    if (k->rx->open && (k->tx->reset || k->shut || k->tx->flying + k->tx->len < aio__sim_buffer(s)))
        r |= AIO_WRITABLE; /* (a send after a shutdown fails at once) */
    return r;
}

/* ---- what arrives */
static void aio__sim_append(aio__sim_pipe *p, const void *data, size_t len) {
    if (p->len + len > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        unsigned char *grown;
        while (cap < p->len + len) cap *= 2;
        grown = (unsigned char *)AIO_REALLOC(p->buf, cap);
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        p->buf = grown;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
}
/* The segments of p due by now arrive, in order; while the hosts are cut
 * apart the first waits and is sent again, and those behind it wait too. */
static void aio__sim_flow(aio__sim *s, aio__sim_pipe *p) {
    aio_time now = s->loop->now;
    while (p->head && !aio__before(now, p->head->due)) {
        aio__sim_seg *g = p->head;
        if (s->cut[p->from][p->to]) {
            if (++g->lost > AIO__SIM_LOSSES) { /* its sender gives up: its end fails, the rest is lost */
                int fd;
                aio__sim_mix(s, 0x71EDull);
                for (fd = 0; fd < s->nsocks; fd++)
                    if (s->socks[fd].tx == p) s->socks[fd].error = AIO_EIO;
                aio__sim_pipe_lose(p);
                return;
            }
            g->due = now + aio__sim_backoff(s, g->lost);
            p->refs++;
            aio__sim_at(s, g->due, AIO__SIM_EV_FLOW, -1, 0, p);
            return;
        }
        p->head = g->next;
        if (!p->head) p->tail = NULL;
        p->flying -= g->len;
        aio__sim_mix(s, ((uint64_t)now << 8) ^ ((uint64_t)g->len << 2) ^ g->kind);
        /* (none comes on a reset pipe: the reset dropped what was on its way, and nothing is sent after) */
        if (p->reader_gone) {
            if (g->kind == AIO__SIM_DATA && p->back) aio__sim_reset_later(s, p->back); /* bytes to a closed socket */
        } else if (g->kind == AIO__SIM_DATA) {
            aio__sim_append(p, g + 1, g->len);
        } else if (g->kind == AIO__SIM_FIN) {
            p->fin = 1;
        } else {
            p->open = 1;
        }
        AIO_FREE(g);
    }
}
static void aio__sim_reset_now(aio__sim *s, aio__sim_pipe *p) {
    aio__sim_mix(s, 0x5E7ull);
    p->reset = 1;
    aio__sim_pipe_drop(p);
    if (p->back) {
        p->back->reset = 1;
        aio__sim_pipe_drop(p->back);
    }
}
/* A connect lost (a cut, a full backlog) is sent again later, or fails. */
static void aio__sim_syn_lost(aio__sim *s, aio__sim_sock *c, int fd) {
    if (++c->lost > AIO__SIM_SYN_LOSSES) {
        aio__sim_mix(s, 0x5717ull);
        c->error = AIO_EIO; /* (ETIMEDOUT) */
        return;
    }
    aio__sim_at(s, s->loop->now + aio__sim_backoff(s, c->lost), AIO__SIM_EV_SYN, fd, c->gen, NULL);
}
/* A connect reaches its host: a listener there with room takes it (the
 * answer goes back on the new connection's pipe), else it is refused; a
 * full backlog drops it (it is sent again), as does a cut. */
static void aio__sim_syn(aio__sim *s, int fd, uint64_t gen) {
    aio__sim_sock *c = aio__sim_sock_of(s, fd, AIO__SIM_STREAM);
    aio__sim_sock *l = NULL;
    int i;
    if (!c || c->gen != gen) return; /* closed since */
    AIO_ASSERT(c->connecting && !c->rx); /* (one try is on its way at a time) */
    if (c->to_host < 0) return;                                  /* no such host: never answered */
    if (s->cut[c->host][c->to_host]) {
        aio__sim_syn_lost(s, c, fd);
        return;
    }
    for (i = 0; i < s->nsocks && !l; i++)
        if (s->socks[i].kind == AIO__SIM_LISTEN && s->socks[i].host == c->to_host && s->socks[i].port == c->to_port &&
            aio__sim_reached(&s->socks[i], c->to_ip))
            l = &s->socks[i];
    if (!l) {
        aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_REFUSE, fd, gen, NULL);
        return;
    }
    if (l->queued >= l->backlog) {
        aio__sim_syn_lost(s, c, fd);
        return;
    }
    if (l->queued == l->queue_cap) {
        int cap = l->queue_cap ? l->queue_cap * 2 : 8;
        aio__sim_pending *grown = (aio__sim_pending *)AIO_REALLOC(l->queue, (size_t)cap * sizeof *grown);
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        l->queue = grown;
        l->queue_cap = cap;
    }
    {
        aio__sim_pipe *up = aio__sim_pipe_new(c->host, c->to_host);   /* client to server */
        aio__sim_pipe *down = aio__sim_pipe_new(c->to_host, c->host); /* server to client */
        up->back = down;
        down->back = up;
        up->open = 1;
        aio__sim_attach(c, down, up);
        l->queue[l->queued].rx = up;
        l->queue[l->queued].tx = down;
        up->refs++;
        down->refs++;
        l->queued++;
        aio__sim_put(s, down, AIO__SIM_SYNACK, NULL, 0);
    }
}
static void aio__sim_dgram_arrives(aio__sim *s, aio__sim_dgram *d) {
    int fd;
    for (fd = 0; fd < s->nsocks; fd++) {
        aio__sim_sock *k = &s->socks[fd];
        if (k->kind != AIO__SIM_DGRAM || k->host != d->to_host || k->port != d->to_port || !aio__sim_reached(k, d->to_ip))
            continue;
        if (k->dq_bytes + d->len > aio__sim_buffer(s)) break; /* (its buffer is full: dropped) */
        d->next = NULL;
        if (k->dq_tail) k->dq_tail->next = d; else k->dq = d;
        k->dq_tail = d;
        k->dq_bytes += d->len;
        aio__sim_mix(s, 0xD6ull << 32 | d->len);
        return;
    }
    AIO_FREE(d);
}

#ifdef AIO__PROCESSES
static void aio__sim_procs_turn(aio__sim *s);
static void aio__sim_procs_release(aio__sim *s);
#endif
/* Everything due by the loop's time happens, in order. */
static void aio__sim_deliver(aio__sim *s) {
    while (s->nev && !aio__before(s->loop->now, s->ev[0].when)) {
        aio__sim_event e = aio__sim_pop(s);
        switch (e.kind) {
        case AIO__SIM_EV_FLOW:
            aio__sim_flow(s, (aio__sim_pipe *)e.p);
            aio__sim_unref((aio__sim_pipe *)e.p);
            break;
        case AIO__SIM_EV_RESET:
            aio__sim_reset_now(s, (aio__sim_pipe *)e.p);
            aio__sim_unref((aio__sim_pipe *)e.p);
            break;
        case AIO__SIM_EV_SYN: aio__sim_syn(s, e.fd, e.gen); break;
        case AIO__SIM_EV_REFUSE: {
            aio__sim_sock *c = aio__sim_sock_of(s, e.fd, AIO__SIM_STREAM);
            if (!c || c->gen != e.gen) break; /* closed since */
            AIO_ASSERT(c->connecting && !c->rx); /* (refused: never answered) */
            c->error = AIO_ECONNREFUSED;
            break;
        }
        case AIO__SIM_EV_DGRAM: aio__sim_dgram_arrives(s, (aio__sim_dgram *)e.p); break;
#ifdef AIO__PROCESSES
        case AIO__SIM_EV_DIE: aio__sim_procs_turn(s); break; /* (a child's death is due) */
#endif
        case AIO__SIM_EV_SET: aio_event_set((aio_event *)e.p); break; /* (a call on the pool set it) */
        default: { /* AIO__SIM_EV_CALL: a call on the pool lands */
#ifdef AIO__THREADS
            aio__job *j = (aio__job *)e.p;
            aio_task *w = j->waiter;
            if (!w) {
                aio__job_free(j);
            } else {
                w->flags |= AIO__T_SIGNALLED;
                if (w->state == AIO__PARKED) {
                    AIO__CAUSE(s->loop, NULL, AIO_BY_IO);
                    aio__wake(w);
                    AIO__CAUSE(s->loop, NULL, AIO_TRACE_NONE);
                }
            }
#endif
            break;
        }
        }
    }
}
/* Tell the loop what the watched sockets are ready for (a level: again
 * each time, while it lasts). */
static void aio__sim_report(aio__sim *s) {
    int fd;
    for (fd = s->oldest; fd >= 0; fd = s->socks[fd].newer) {
        aio__sim_sock *k = &s->socks[fd];
        int ready;
        if (!k->watch) continue;
        ready = aio__sim_readiness(s, k) & k->watch;
        if (ready) aio_io_ready(s->loop, fd, ready);
    }
}

/* ---- the port */
static aio_status aio__sim_watch(aio_io *io, int fd, int old, int events) {
    aio__sim *s = (aio__sim *)io;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    (void)old;
    /* (never one to unwatch: aio_close forgets a socket before it closes it) */
    if (!k) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket of the simulation");
    k->watch = (uint8_t)events;
    return AIO_OK;
}
/* A look in the turn (deadline: now) takes the turn's time and delivers
 * what is due; an idle wait moves time to the next arrival, or to the
 * deadline and a little later (the timer fires late), whichever is first. */
static void aio__sim_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__sim *s = (aio__sim *)io;
    aio_time target;
    if (deadline != AIO_NEVER && !aio__before(L->now, deadline)) {
        aio_time step = aio__sim_upto(s, s->cfg.step);
        if (step) aio__sim_look(s); /* (what the turn's tasks did to the numbers, at the time they did it) */
        L->now += step;
        aio__sim_deliver(s);
#ifdef AIO__PROCESSES
        if (s->procs) aio__sim_procs_turn(s);
#endif
        aio__sim_report(s);
        return;
    }
    aio__sim_look(s);
    target = deadline == AIO_NEVER ? AIO_NEVER : deadline + aio__sim_upto(s, s->cfg.timer_late);
    for (;;) {
        aio__sim_report(s);
        if (!aio__ready_empty(L) || L->signalled) return; /* (signalled: an event a call set) */
        if (!s->nev || (target != AIO_NEVER && aio__before(target, s->ev[0].when))) {
            if (target != AIO_NEVER) L->now = target;
            return;
        }
        L->now = s->ev[0].when; /* (later than now: what was due was delivered in the turn's drain) */
        aio__sim_deliver(s);
    }
}
static aio_status aio__sim_grow_slots(aio_io *io, int fd) {
    uint32_t n = io->nslots ? io->nslots : 16;
    aio_io_slot *grown;
    while (n <= (uint32_t)fd) n *= 2;
    grown = (aio_io_slot *)AIO_REALLOC(io->slots, n * sizeof *grown);
    if (!grown) return AIO_EIO; /* (out of memory) */
    memset(grown + io->nslots, 0, (n - io->nslots) * sizeof *grown);
    io->slots = grown;
    io->nslots = n;
    return AIO_OK;
}
/* With a simulation the loop is stuck only when nothing is on its way. */
static int aio__sim_events(aio_loop *L, int op) {
    aio__sim *s = (aio__sim *)L->io;
    if (op == AIO__EV_STUCK) return s->nev == 0; /* (what was ready was reported in the turn's drain) */
    return aio__io_events(L, op);
}
static void aio__sim_release(aio_io *io) {
    aio__sim *s = (aio__sim *)io;
    int fd;
#ifdef AIO__PROCESSES
    aio__sim_procs_release(s);
#endif
    for (fd = 0; fd < s->nsocks; fd++) (void)aio__sim_sock_close(s, fd);
    while (s->nev) {
        aio__sim_event e = aio__sim_pop(s);
        if (e.kind == AIO__SIM_EV_FLOW || e.kind == AIO__SIM_EV_RESET) aio__sim_unref((aio__sim_pipe *)e.p);
        if (e.kind == AIO__SIM_EV_DGRAM) AIO_FREE(e.p);
#ifdef AIO__THREADS
        if (e.kind == AIO__SIM_EV_CALL) aio__job_free((aio__job *)e.p);
#endif
    }
    s->loop->events = aio__io_events;
    aio__sim_here = NULL; /* (the thread's one simulation: this one) */
    (void)aio__os_install(NULL);
    aio__sys_pairs_end(s->listener);
    AIO_FREE(s->polls);
    AIO_FREE(s->polled);
    AIO_FREE(s->ev);
    AIO_FREE(s->held);
    AIO_FREE(s->socks);
    AIO_FREE(s->port.slots);
    AIO_FREE(s->hosts);
    AIO_FREE(s->ids);
    AIO_FREE(s->slots_of_id);
    AIO_FREE(s);
}
#endif /* AIO__SIM */
