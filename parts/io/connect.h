// >>connect
/* ------------------------------------------------------------ connecting */

/* AIO_TCP_CONNECT: the host's addresses (a lookup for a name), then Happy
 * Eyeballs (RFC 8305, as Trio's open_tcp_stream): an attempt to the first
 * address, and each AIO_HAPPY_EYEBALLS_DELAY without a connection (or at
 * once when every attempt under way failed) one to the next, all under way
 * together; the first connected wins and the others are closed. So a host
 * whose first address is dead (IPv6 that goes nowhere) connects a delay
 * later by the next. The state lives on the heap while the task waits (the
 * task's await.connecting); the task waits on every attempt's socket at once. */
typedef struct aio__connecting {
    aio_time until;        /* the connect's own deadline */
    aio_time next_at;      /* when the next attempt starts */
#ifdef AIO__THREADS
    aio__job *lookup;      /* the name's lookup, until it ends */
#endif
    aio_status error;      /* the last attempt's failure */
    int naddrs;
    int tried;             /* attempts started */
    int fd[AIO__ATTEMPTS]; /* attempts under way (-1: none) */
    aio_address addr[AIO__ATTEMPTS];
} aio__connecting;

/* The connect ends with rc: every attempt under way closed but `keep`. */
static aio_status aio__connect_end(aio_task *t, aio__connecting *c, int keep, aio_status rc) {
    int i;
    for (i = 0; i < c->tried; i++)
        if (c->fd[i] >= 0 && c->fd[i] != keep) (void)aio_close(c->fd[i]);
    AIO_FREE(c);
    t->await.connecting = NULL;
    return rc;
}

/* Start the next attempt (its socket's connect begun). */
static void aio__connect_attempt(aio_loop *L, aio__connecting *c) {
    const aio_address *a = &c->addr[c->tried];
    int fd = aio__net_socket(aio__address_family(a));
    aio_status rc;
    c->next_at = aio__now(L) + AIO_HAPPY_EYEBALLS_DELAY;
    if (fd < 0) { /* (out of descriptors or memory) */
        c->error = AIO_EIO;
        c->fd[c->tried++] = -1;
        return;
    }
    rc = aio__net_connect(fd, AIO__CONST_SA(a), a->len, "AIO_TCP_CONNECT");
    c->fd[c->tried++] = fd; /* (connected at once: it is writable at once) */
    if (rc != AIO_OK && rc != AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (TCP on loopback says "in progress") */
        (void)aio_close(fd);
        c->fd[c->tried - 1] = -1;
        c->error = rc;
    }
}

/* Start what attempts are due and wait on those under way, until the next
 * is due; or end the connect if none is left. */
static aio_status aio__connect_go(aio_task *t, aio_frame *f, aio__connecting *c) {
    aio_loop *L = t->loop;
    aio_time until;
    aio_status rc;
    int live;
    int i;
    for (;;) {
        for (live = 0, i = 0; i < c->tried; i++) live += c->fd[i] >= 0;
        if (c->tried == c->naddrs || (live && aio__before(aio__now(L), c->next_at))) break;
        aio__connect_attempt(L, c);
    }
    if (!live) return aio__connect_end(t, c, -1, c->error);
    until = c->until;
    if (c->tried < c->naddrs && (until == AIO_NEVER || aio__before(c->next_at, until))) until = c->next_at;
    rc = aio__io_park_all(t, c->fd, NULL, c->tried, until, "AIO_TCP_CONNECT", NULL);
    if (rc == AIO__SUSPENDED) return rc;
    return aio__connect_end(t, c, -1, aio__raise(t, f, rc)); /* (out of memory, or no timer slot) */
}

AIO_API aio_status aio__connect_start(aio_task *t, aio_frame *f, const char *host, int port,
                                      aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio__connecting *c;
    aio_status rc;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_TCP_CONNECT: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (host && *host) {
        rc = aio__lookup_check(host, port, "AIO_TCP_CONNECT: the host is longer than 255 characters, or the "
                                           "port is not 0-65535");
        if (rc < 0) return rc;
    } else if (port < 0 || port > 65535) {
        return aio__misuse(AIO_EINVAL, "AIO_TCP_CONNECT: the port is not 0-65535");
    }
    aio__net_need();
    c = (aio__connecting *)aio__alloc_state(sizeof *c);
    if (!c) return AIO_EIO; /* (out of memory) */
    c->until = until;
    c->error = AIO_ECONNREFUSED;
    t->await.connecting = c;
    if (aio__numeric(host, port, &c->addr[0])) {
        c->naddrs = 1;
        return aio__connect_go(t, f, c);
    }
#ifdef AIO__THREADS
    {
        aio__job *j = aio__job_new(t->loop, aio__lookup_run, NULL, 0, AIO__LOOKUP_SIZE,
                                   "AIO_TCP_CONNECT: the loop waits through a port of its own "
                                   "(aio_loop_set_io): a host name needs the system's wait", &rc);
        if (!j) return aio__connect_end(t, c, -1, rc); /* (out of memory, or a port of the loop's own) */
        aio__lookup_fill((aio__lookup_call *)j->data, host, port, AIO__ATTEMPTS);
        c->lookup = j;
        aio__set_until(t, until);
        AIO__WAITS_ON(t->loop, AIO_ON_IO, NULL, -1);
        rc = aio__park(t, 1, 1);
        if (rc != AIO__SUSPENDED) {
            aio__job_free(j);
            return aio__connect_end(t, c, -1, aio__raise(t, f, rc));
        }
        aio__job_submit(t, j);
        return rc;
    }
#else
    rc = aio__lookup_here(host, port, c->addr, AIO__ATTEMPTS);
    if (rc < 0) return aio__connect_end(t, c, -1, rc);
    c->naddrs = rc;
    return aio__connect_go(t, f, c);
#endif
}

AIO_API aio_status aio__connect_poll(aio_task *t, aio_frame *f) {
    aio__connecting *c = t->await.connecting;
    aio_loop *L = t->loop;
    aio_io *io = L->io;
    int reported[AIO__ATTEMPTS];
    int winner = -1;
    int i;
#ifdef AIO__THREADS
    if (c->lookup) {
        aio__job *j = c->lookup;
        aio_status rc = aio__job_outcome(t, f, j); /* (gives the lookup up if it must) */
        if (rc != AIO_OK) {
            if (rc == AIO__SUSPENDED) return rc; /* LCOV_EXCL_LINE: (see aio__job_outcome) */
            return aio__connect_end(t, c, -1, rc);
        }
        rc = aio__lookup_take(j, c->addr);
        c->lookup = NULL;
        if (rc < 0) return aio__connect_end(t, c, -1, rc);
        c->naddrs = rc;
        return aio__connect_go(t, f, c);
    }
#endif
    t->flags &= (uint16_t)~(AIO__T_SIGNALLED | AIO__T_CLOSED);
    io->waiting--;
    for (i = 0; i < c->tried; i++) { /* leave every slot, noting the attempts reported ready */
        aio_io_slot *s;
        reported[i] = 0;
        if (c->fd[i] < 0) continue;
        s = &io->slots[c->fd[i]];
        reported[i] = (s->dry & (AIO__IO_REPORTED << 1)) != 0;
        if (s->waiter[1] == t) s->waiter[1] = NULL;
        s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << 1));
    }
    /* A cancellation comes first: every attempt is closed. */
    if (aio__checkpoint(t) < 0) return aio__connect_end(t, c, -1, aio__raise(t, f, AIO_ECANCELED));
    for (i = 0; i < c->tried && winner < 0; i++) { /* LCOV_EXCL_BR_LINE: (two connected at once: timing) */
        aio_status rc;
        if (!reported[i]) continue;
        rc = aio__net_connected(c->fd[i], "AIO_TCP_CONNECT");
        if (rc == AIO_OK) {
            winner = c->fd[i];
        } else if (rc != AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (AIO__AGAIN: reported before it was made) */
            (void)aio_close(c->fd[i]);
            c->fd[i] = -1;
            c->error = rc;
            c->next_at = aio__now(L); /* the next attempt starts at once */
        }
    }
    if (winner >= 0) {
        aio__io_unwatch(io, winner, AIO_WRITABLE);
        return aio__connect_end(t, c, winner, winner);
    }
    if (aio__due(c->until, aio__now(L))) return aio__connect_end(t, c, -1, AIO_ETIMEDOUT);
    return aio__connect_go(t, f, c);
}
#endif /* AIO__SOCKETS */

