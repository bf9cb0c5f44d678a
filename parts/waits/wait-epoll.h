// >>wait-epoll
/* ------------------------------------------------------ the wait: epoll */

/* Linux's epoll: the kernel keeps the set, each change one epoll_ctl, a
 * wait reports the ready descriptors only. A descriptor closed leaves the
 * set by itself (the wait forgets it: AIO__WAIT_FORGETS_CLOSED). The set
 * is a descriptor of its own (AIO__WAIT_OWN_DESCRIPTOR); its wake-up is the
 * backend's wake pair, a pipe, its read end in the set.
 * "The readiness wait's seam" (>>system) lists what each wait gives. */
#ifdef AIO__WAIT_EPOLL
#ifdef AIO__WAIT_PICKED
#error "aio_timeout.h: two readiness waits are picked, epoll and another: define at most one AIO_IO_ option of a wait (>>impl picks one)"
#endif
#define AIO__WAIT_PICKED "epoll"
#ifndef AIO__LINUX
#error "aio_timeout.h: the epoll wait is picked where the system is not Linux"
#endif
#define AIO__WAIT_FORGETS_CLOSED 1
#define AIO__WAIT_OWN_DESCRIPTOR 1
#include <sys/epoll.h>

typedef struct aio__epoll_set {
    aio__sysio s;  /* (first: what the shared sections see) */
    int epfd;      /* the kernel's set */
    int wake[2];   /* the wake pair: [0] in the set, [1] written */
} aio__epoll_set;
#define AIO__EPOLL_OF(p) ((aio__epoll_set *)(void *)(p))

static aio__sysio *aio__readiness_open(void) {
    aio__epoll_set *w = (aio__epoll_set *)aio__zalloc(sizeof *w);
    struct epoll_event e;
    if (!w) return NULL; /* (out of memory) */
    if (aio__wake_pair_open(w->wake) != 0) { /* (out of descriptors) */
        AIO_FREE(w);
        return NULL;
    }
    w->epfd = epoll_create1(EPOLL_CLOEXEC); /* (-1: out of memory or descriptors) */
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN;
    e.data.fd = w->wake[0];
    /* LCOV_EXCL_START: out of memory or descriptors */
    if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake[0], &e) != 0) {
        if (w->epfd >= 0) (void)close(w->epfd);
        aio__wake_pair_close(w->wake);
        AIO_FREE(w);
        return NULL;
    }
    /* LCOV_EXCL_STOP */
    return &w->s;
}
static void aio__readiness_close(aio__sysio *s) {
    aio__epoll_set *w = AIO__EPOLL_OF(s);
    aio__wake_pair_close(w->wake);
    (void)close(w->epfd);
    AIO_FREE(w);
}
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n) {
    (void)s; /* (the kernel keeps the set: nothing of it per slot) */
    (void)n;
    return AIO_OK;
}
static aio__waker aio__readiness_waker(const aio__sysio *s) { return ((const aio__epoll_set *)(const void *)s)->wake[1]; }
static void aio__readiness_wake(aio__waker k) { aio__wake_pair_write((int)k); }

static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events) {
    aio__epoll_set *w = AIO__EPOLL_OF(io);
    struct epoll_event e;
    int op = old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    memset(&e, 0, sizeof e);
    e.events = (events & AIO_READABLE ? (uint32_t)EPOLLIN : 0u) | (events & AIO_WRITABLE ? (uint32_t)EPOLLOUT : 0u);
    e.data.fd = fd;
    if (!events) {
        (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, &e); /* (gone already if it was closed) */
        return AIO_OK;
    }
    if (epoll_ctl(w->epfd, op, fd, &e) == 0) return AIO_OK;
    /* what the slot says was watched may be stale: the number was closed
     * (which takes it out of epoll) and opened again */
    if (errno == ENOENT && epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) == 0) return AIO_OK;
    if (errno == EPERM) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "cannot be waited on (a regular file or a directory)");
    return aio__net_error(errno, "I/O wait", fd);
}

static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__epoll_set *w = AIO__EPOLL_OF(io);
    struct epoll_event ev[128];
    int ms = aio__io_timeout(L, deadline);
    int n;
    int i;
    if (ms == 0 && !io->waiting && !aio__sig_waiting()) return; /* nothing to look at */
    n = epoll_wait(w->epfd, ev, 128, ms);
    for (i = 0; i < n; i++) {
        int fd = ev[i].data.fd;
        uint32_t e = ev[i].events;
        if (fd == w->wake[0]) {
            aio__wake_pair_drain(w->wake[0]);
            continue;
        }
        aio_io_ready(L, fd, (e & (uint32_t)(EPOLLIN | EPOLLHUP | EPOLLERR) ? (int)AIO_READABLE : 0) |
                                (e & (uint32_t)(EPOLLOUT | EPOLLHUP | EPOLLERR) ? (int)AIO_WRITABLE : 0));
    }
    aio__deliver_signals(L);
}
#endif
