// >>wait-poll
/* ------------------------------------------- the wait: poll() and WSAPoll */

/* The whole set handed to the system at each wait: an array of pollfd,
 * the wake pair's read end first, each watched descriptor's place in it
 * kept per slot (so the array grows with the slots,
 * AIO__WAIT_TABLE_GROWS: the backend's
 * aio__sys_poll is POSIX's poll() or Windows' WSAPoll, and its
 * aio__net_can_watch refuses what the call cannot wait on). A descriptor
 * closed stays in the array until its waiter is told (poll() reports it
 * POLLNVAL). "The readiness wait's seam" (>>system) lists what each wait
 * gives. */
#ifdef AIO__WAIT_POLL
#ifdef AIO__WAIT_PICKED
#error "aio_timeout.h: two readiness waits are picked, poll and another: define at most one AIO_IO_ option of a wait (>>impl picks one)"
#endif
#define AIO__WAIT_PICKED "poll"
#define AIO__WAIT_TABLE_GROWS 1

typedef struct aio__poll_set {
    aio__sysio s;       /* (first: what the shared sections see) */
    struct pollfd *fds; /* [0] is the wake pair's read end */
    uint32_t *at;       /* per slot: its descriptor's index in fds, 0 = none */
    uint32_t nfds;
    uint32_t cap;
    int wake[2];        /* the wake pair: [0] in fds, [1] written */
} aio__poll_set;
#define AIO__POLL_OF(p) ((aio__poll_set *)(void *)(p))

static aio__sysio *aio__readiness_open(void) {
    aio__poll_set *w = (aio__poll_set *)aio__zalloc(sizeof *w);
    if (!w) return NULL; /* (out of memory) */
    w->cap = 64;
    w->fds = (struct pollfd *)AIO_MALLOC(w->cap * sizeof *w->fds);
    if (!w->fds || aio__wake_pair_open(w->wake) != 0) { /* (out of memory or descriptors) */
        AIO_FREE(w->fds);
        AIO_FREE(w);
        return NULL;
    }
    w->fds[0].fd = AIO__SOCK(w->wake[0]);
    w->fds[0].events = POLLIN;
    w->fds[0].revents = 0;
    w->nfds = 1;
    return &w->s;
}
static void aio__readiness_close(aio__sysio *s) {
    aio__poll_set *w = AIO__POLL_OF(s);
    aio__wake_pair_close(w->wake);
    AIO_FREE(w->fds);
    AIO_FREE(w->at);
    AIO_FREE(w);
}
/* The slots grew from s->io.nslots to n: each new one's place, none. */
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n) {
    aio__poll_set *w = AIO__POLL_OF(s);
    uint32_t *at = (uint32_t *)AIO_REALLOC(w->at, (size_t)n * sizeof *at);
    if (!at) return AIO_EIO; /* (out of memory) */
    memset(at + s->io.nslots, 0, (size_t)(n - s->io.nslots) * sizeof *at);
    w->at = at;
    return AIO_OK;
}
static aio__waker aio__readiness_waker(const aio__sysio *s) { return ((const aio__poll_set *)(const void *)s)->wake[1]; }
static void aio__readiness_wake(aio__waker k) { aio__wake_pair_write((int)k); }

static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events) {
    aio__poll_set *w = AIO__POLL_OF(io);
    uint32_t i = w->at[fd];
    aio_status rc;
    (void)old;
    if (!events) {
        if (i) { /* LCOV_EXCL_BR_LINE: (called for a watched descriptor only) the last entry takes its place */
            w->fds[i] = w->fds[--w->nfds];
            w->at[(int)w->fds[i].fd] = i;
            w->at[fd] = 0;
        }
        return AIO_OK;
    }
    rc = aio__net_can_watch(fd);
    if (rc < 0) return rc;
    if (!i) {
        if (w->nfds == w->cap) {
            uint32_t cap = w->cap * 2u;
            struct pollfd *fds = (struct pollfd *)AIO_REALLOC(w->fds, (size_t)cap * sizeof *fds);
            if (!fds) return AIO_EIO; /* (out of memory) */
            w->fds = fds;
            w->cap = cap;
        }
        i = w->nfds++;
        w->at[fd] = i;
        w->fds[i].fd = AIO__SOCK(fd);
    }
    w->fds[i].events = (short)((events & AIO_READABLE ? POLLIN : 0) | (events & AIO_WRITABLE ? POLLOUT : 0));
    w->fds[i].revents = 0;
    return AIO_OK;
}

static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__poll_set *w = AIO__POLL_OF(io);
    int ms = aio__io_timeout(L, deadline);
    uint32_t i;
    int n;
    if (ms == 0 && !io->waiting && !aio__sig_waiting()) return;
    n = aio__sys_poll(w->fds, w->nfds, ms);
    if (n > 0) {
        /* from the end: a report may move the last entry into its place */
        for (i = w->nfds; i-- > 1;) {
            short r = w->fds[i].revents;
            if (!r) continue;
            w->fds[i].revents = 0;
            aio_io_ready(L, (int)w->fds[i].fd,
                         (r & (POLLIN | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_READABLE : 0) |
                             (r & (POLLOUT | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_WRITABLE : 0));
        }
        if (w->fds[0].revents) aio__wake_pair_drain(w->wake[0]);
        w->fds[0].revents = 0;
    }
    aio__deliver_signals(L);
}
#endif
