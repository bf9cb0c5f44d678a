// >>lookup
/* ------------------------------------------------------------ host names */

/* A lookup is a call on the pool (getaddrinfo blocks), its data the name
 * and room for the answer; a numeric host is answered at once, and so is
 * "localhost" (127.0.0.1) in a build without threads. A hook
 * (aio_set_lookup) can stand in for getaddrinfo. The hook is set from the
 * loop's thread and copied into each call, so that a thread never reads it.
 * Every lookup asks for the whole answer (up to AIO__LOOKUP_ROOM
 * addresses), interleaves its families, and only then keeps the first
 * `max` (a connect's: AIO__ATTEMPTS): so an answer of many IPv6 addresses
 * then an IPv4 one keeps the IPv4 one second (RFC 8305, section 4). */
#ifdef AIO__SOCKETS
#define AIO__ATTEMPTS 8     /* the addresses a connect keeps, interleaved */
#define AIO__LOOKUP_ROOM 32 /* the addresses a lookup asks for, before it keeps `max` */
static aio_lookup_fn aio__lookup_hook;
static void *aio__lookup_ctx;

/* (host, port) as a numeric address, without a lookup: 1, or 0. */
static int aio__numeric(const char *host, int port, aio_address *a) {
#ifdef AIO__THREADS
    if (host && strcmp(host, "localhost") == 0) return 0; /* (NULL: a connect's, to this host) */
#endif
    return aio__sockaddr(host, port, a);
}

AIO_API void aio_set_lookup(aio_lookup_fn lookup, void *ctx) {
    aio__lookup_hook = lookup;
    aio__lookup_ctx = ctx;
}

/* The index of the next address from i on whose family is (or, with
 * same = 0, is not) `family`; n if none. */
static int aio__next_of_family(const aio_address *a, int n, int i, int family, int same) {
    while (i < n && (aio__address_family(&a[i]) == family) != same) i++;
    return i;
}

/* An answer as a connect wants it, in place: duplicates left out, the
 * families interleaved from that of the first choice (RFC 8305, section 4:
 * an attempt to each family early, whichever is the one that works). How
 * many are left. */
static int aio__interleave(aio_address *a, int n) {
    aio_address sorted[AIO__LOOKUP_ROOM];
    int kept = 0;
    int first;
    int other;
    int i;
    int k;
    for (i = 0; i < n && kept < AIO__LOOKUP_ROOM; i++) { /* LCOV_EXCL_BR_LINE: (never more asked) */
        int dup = 0;
        for (k = 0; k < kept; k++) dup |= sorted[k].len == a[i].len && memcmp(sorted[k].sa, a[i].sa, a[i].len) == 0;
        if (!dup) sorted[kept++] = a[i];
    }
    first = aio__next_of_family(sorted, kept, 0, aio__address_family(&sorted[0]), 1);
    other = aio__next_of_family(sorted, kept, 0, aio__address_family(&sorted[0]), 0);
    for (n = 0; first < kept || other < kept; n++) {
        if (other >= kept || (first < kept && n % 2 == 0)) {
            a[n] = sorted[first];
            first = aio__next_of_family(sorted, kept, first + 1, aio__address_family(&sorted[0]), 1);
        } else {
            a[n] = sorted[other];
            other = aio__next_of_family(sorted, kept, other + 1, aio__address_family(&sorted[0]), 0);
        }
    }
    return n;
}

/* A hook's answer n checked: n (1 to AIO__LOOKUP_ROOM addresses, or its
 * status), AIO_ENOTFOUND for no address, or AIO_EINVAL with *mistake
 * naming the hook's (told on the loop's thread). */
static int aio__lookup_checked(int n, const char **mistake) {
    if (n == 0) return AIO_ENOTFOUND; /* (no address: none found) */
    if (n > AIO__LOOKUP_ROOM) {
        *mistake = "a lookup of your own (aio_set_lookup) returned more addresses than the max it was given";
        return AIO_EINVAL;
    }
    if (n <= AIO__RAISE) { /* (the library's markers: no status) */
        *mistake = "a lookup of your own (aio_set_lookup) returned INT_MIN or INT_MIN + 1, which are not statuses";
        return AIO_EINVAL;
    }
    return n;
}

/* The answer out[0..n) interleaved, then cut to max: how many it keeps (a
 * status n as it is). */
static int aio__lookup_kept(aio_address *out, int n, int max) {
    if (n <= 0) return n;
    n = aio__interleave(out, n);
    return n < max ? n : max;
}

#ifdef AIO__THREADS
typedef struct aio__lookup_call {
    aio_lookup_fn hook;
    void *ctx;
    const char *mistake; /* the hook's wrong answer, or NULL */
    int port;
    int max;        /* the addresses kept */
    char host[256]; /* (a DNS name has at most 253 characters) */
    /* then aio_address out[AIO__LOOKUP_ROOM] */
} aio__lookup_call;

static aio_address *aio__lookup_out(aio__lookup_call *c) {
    return (aio_address *)(void *)((char *)c + (sizeof *c + 15u) / 16u * 16u);
}
#define AIO__LOOKUP_SIZE ((sizeof(aio__lookup_call) + 15u) / 16u * 16u + AIO__LOOKUP_ROOM * sizeof(aio_address))

/* getaddrinfo's answer for a stream socket: its IPv4 and IPv6 addresses. */
static int aio__getaddrinfo(const char *host, int port, aio_address *out, int max) {
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    const struct addrinfo *ai;
    char service[8];
    int n = 0;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    (void)snprintf(service, sizeof service, "%d", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) { /* LCOV_EXCL_BR_LINE: (a name not found is the hook's test: see tests/test_threads.c) */
#if defined(EAI_MEMORY) && defined(EAI_SYSTEM)
        /* LCOV_EXCL_START: out of memory, or a system error */
        if (rc == EAI_MEMORY || rc == EAI_SYSTEM) return AIO_EIO;
        /* LCOV_EXCL_STOP */
#endif
        return AIO_ENOTFOUND; /* LCOV_EXCL_LINE: (no such name, no address, a failure to ask) */
    }
    /* (another family, or an address larger than a sockaddr_in6: not asked for, never given) */
    for (ai = res; ai && n < max; ai = ai->ai_next) { /* LCOV_EXCL_BR_LINE */
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || /* LCOV_EXCL_BR_LINE */
            (size_t)ai->ai_addrlen > sizeof out[n].sa) /* LCOV_EXCL_BR_LINE */
            continue; /* LCOV_EXCL_LINE */
        memset(&out[n], 0, sizeof out[n]);
        memcpy(out[n].sa, ai->ai_addr, (size_t)ai->ai_addrlen);
        out[n++].len = (uint16_t)ai->ai_addrlen;
    }
    freeaddrinfo(res);
    return n ? n : AIO_ENOTFOUND; /* LCOV_EXCL_BR_LINE: (getaddrinfo says so first) */
}

/* A lookup call's work, on a worker thread: the addresses it keeps in its
 * output, how many, or a status. */
static int aio__lookup_run(void *data) {
    aio__lookup_call *c = (aio__lookup_call *)data;
    aio_address *out = aio__lookup_out(c);
    int n;
    if (c->hook)
        n = aio__lookup_checked(c->hook(c->ctx, c->host, c->port, out, AIO__LOOKUP_ROOM), &c->mistake);
    else
        n = aio__getaddrinfo(c->host, c->port, out, AIO__LOOKUP_ROOM);
    return aio__lookup_kept(out, n, c->max);
}

/* An ended lookup call's result: its addresses copied to addrs, its hook's
 * mistake told; the call freed. */
static int aio__lookup_take(aio__job *j, aio_address *addrs) {
    aio__lookup_call *c = (aio__lookup_call *)j->data;
    int n = j->result;
    if (c->mistake) (void)aio__misuse(n, c->mistake);
    if (n > 0) memcpy(addrs, aio__lookup_out(c), (size_t)n * sizeof *addrs);
    aio__job_free(j);
    return n;
}

/* Make call data for a lookup of (host, port) with room for max addresses. */
static void aio__lookup_fill(aio__lookup_call *c, const char *host, int port, int max) {
    c->hook = aio__lookup_hook;
    c->ctx = aio__lookup_ctx;
    aio__os()->names(&c->hook, &c->ctx); /* (the simulation's names) */
    c->port = port;
    c->max = max;
    memcpy(c->host, host, strlen(host) + 1u); /* (its length was checked) */
}
#else
/* The hook's answer, on the loop (no threads: it must not block), kept in
 * addrs[0..max) as a call's would be: how many, or a status. */
static int aio__lookup_here(const char *host, int port, aio_address *addrs, int max) {
    aio_address out[AIO__LOOKUP_ROOM];
    const char *mistake = NULL;
    int n = aio__lookup_checked(aio__lookup_hook(aio__lookup_ctx, host, port, out, AIO__LOOKUP_ROOM), &mistake);
    if (mistake) return aio__misuse(n, mistake);
    n = aio__lookup_kept(out, n, max);
    if (n > 0) memcpy(addrs, out, (size_t)n * sizeof *addrs);
    return n;
}
#endif /* AIO__THREADS */

/* What the lookup's caller gave, checked: AIO_OK, or the misuse. */
static aio_status aio__lookup_check(const char *host, int port, const char *what) {
    if (!host || !*host || strlen(host) > 255u || port < 0 || port > 65535) return aio__misuse(AIO_EINVAL, what);
#ifndef AIO__THREADS
    aio_address numeric;
    if (!aio__lookup_hook && !aio__numeric(host, port, &numeric))
        return aio__misuse(AIO_EINVAL, "a host name needs worker threads (this build has AIO_NO_THREADS) or a "
                                       "lookup of your own (aio_set_lookup): give a numeric address");
#endif
    return AIO_OK;
}

AIO_API aio_status aio__lookup_start(aio_task *t, aio_frame *f, const char *host, int port, aio_address *addrs,
                                     int max, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_LOOKUP: the timeout"));
    if (!addrs || max < 1)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_LOOKUP: no room for an address (addrs is NULL "
                                                        "or max < 1)"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    rc = aio__lookup_check(host, port, "AIO_LOOKUP: the host is NULL, empty or longer than 255 characters, "
                                       "or the port is not 0-65535");
    if (rc < 0) return rc;
    if (aio__numeric(host, port, &addrs[0])) return 1; /* (no lookup) */
#ifdef AIO__THREADS
    {
        aio__job *j = aio__job_new(t->loop, aio__lookup_run, NULL, 0, AIO__LOOKUP_SIZE,
                         "AIO_LOOKUP: the loop waits through a port of its own (aio_loop_set_io): worker "
                         "threads need the system's wait", &rc);
        if (!j) return rc; /* (out of memory, or a port of the loop's own) */
        aio__lookup_fill((aio__lookup_call *)j->data, host, port, max);
        return aio__job_await(t, f, j, until);
    }
#else
    return aio__lookup_here(host, port, addrs, max);
#endif
}

AIO_API aio_status aio__lookup_poll(aio_task *t, aio_frame *f, aio_address *addrs, int max) {
#ifdef AIO__THREADS
    aio__job *j = t->await.job;
    aio_status rc = aio__job_outcome(t, f, j);
    (void)max;
    return rc != AIO_OK ? rc : aio__lookup_take(j, addrs);
#else /* LCOV_EXCL_START: never called (no lookup parks) */
    (void)t; (void)f; (void)addrs; (void)max;
    return AIO_EINVAL;
#endif /* LCOV_EXCL_STOP */
}

