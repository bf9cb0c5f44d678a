// >>clock-posix
/* ------------------------------------------------- the clock on POSIX */

/* The core's clock backend on POSIX (see >>clock): the monotonic clock
 * (else C11's timespec_get), and an idle wait in poll() on a pipe. */
#ifdef AIO__CLOCK_POSIX
#define AIO__SYSTEM_CLOCK 1
static aio_time aio__from_timespec(const struct timespec *ts) {
    return (aio_time)((aio_time)ts->tv_sec * (aio_time)AIO_TICKS_PER_SEC +
                      (aio_time)((uint64_t)ts->tv_nsec * AIO_TICKS_PER_SEC / 1000000000u));
}
static aio_time aio__system_clock(void *ctx) {
    struct timespec ts;
    (void)ctx;
#if defined(CLOCK_MONOTONIC)
    clock_gettime(CLOCK_MONOTONIC, &ts);
#else /* compile with _POSIX_C_SOURCE for the monotonic clock */
    timespec_get(&ts, TIME_UTC);
#endif
    return aio__from_timespec(&ts);
}
#ifdef AIO__IDLE_WAKEUP
static void aio__pipe_wakeup(void *ctx, aio_loop *L) {
    ssize_t n = write(L->wake_pipe[1] - 1, "", 1); /* a full pipe has a wake-up pending */
    (void)ctx;
    (void)n;
}
/* The pipe that wakes the system idle hook when an event is set from another
 * thread or a signal handler: opened at the loop's first idle wait. */
static int aio__idle_wakeup_open(aio_loop *L) {
    int fds[2];
    if (L->wake_pipe[0] > 0) return 1;
    if (L->wake_pipe[0] < 0 || pipe(fds) != 0) {
        L->wake_pipe[0] = -1; /* no pipe: timed sleeps only */
        return 0;
    }
    (void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    L->wake_pipe[0] = fds[0] + 1;
    L->wake_pipe[1] = fds[1] + 1;
    AIO_CRITICAL_ENTER();
    L->wakeup = aio__pipe_wakeup;
    L->wakeup_ctx = NULL;
    AIO_CRITICAL_EXIT();
    return 1;
}
/* The loop sleeps in the system hook again (a port let go): its pipe, if
 * open, is what wakes it once more. */
static void aio__idle_wakeup_restore(aio_loop *L) {
    if (L->wake_pipe[0] > 0) aio_loop_set_wakeup(L, aio__pipe_wakeup, NULL);
}
static void aio__idle_wakeup_close(aio_loop *L) {
    if (L->wake_pipe[0] > 0) {
        (void)close(L->wake_pipe[0] - 1);
        (void)close(L->wake_pipe[1] - 1);
    }
    L->wake_pipe[0] = L->wake_pipe[1] = 0;
}
/* Sleep until `ns` have passed (-1: no limit) or the pipe is written. Below
 * a millisecond, poll()'s resolution, it sleeps without the pipe. */
static int aio__idle_wakeup_wait(aio_loop *L, int64_t ns) {
    struct pollfd p;
    char buf[64];
    int64_t ms = ns < 0 ? -1 : ns / 1000000;
    if (ms == 0 || !aio__idle_wakeup_open(L)) return 0;
    p.fd = L->wake_pipe[0] - 1;
    p.events = POLLIN;
    p.revents = 0;
    (void)poll(&p, 1, ms > 0x7fffffff ? 0x7fffffff : (int)ms);
    while (read(L->wake_pipe[0] - 1, buf, sizeof buf) > 0) {
    }
    return 1;
}
#endif
static void aio__system_idle(void *ctx, aio_loop *L, aio_time deadline) {
    aio_time now = L->clock(L->clock_ctx);
    (void)ctx;
#ifdef AIO__IDLE_WAKEUP
    if (deadline == AIO_NEVER) {
        (void)aio__idle_wakeup_wait(L, -1);
        return;
    }
#endif
    /* Never AIO_NEVER here: aio_run reports AIO_EDEADLK instead of idling
     * with nothing armed, unless the wake-up pipe is there (above). */
    if (deadline == AIO_NEVER || !aio__before(now, deadline)) return; /* LCOV_EXCL_BR_LINE */
    {
        uint64_t ticks = (uint64_t)(aio_time)(deadline - now);
        uint64_t ns = ticks / AIO_TICKS_PER_SEC * 1000000000u +
                      ticks % AIO_TICKS_PER_SEC * 1000000000u / AIO_TICKS_PER_SEC;
#ifdef AIO__IDLE_WAKEUP
        if (aio__idle_wakeup_wait(L, ns > INT64_MAX ? INT64_MAX : (int64_t)ns)) return;
#endif
#if defined(CLOCK_MONOTONIC)
        struct timespec req;
        req.tv_sec = (time_t)(ns / 1000000000u);
        req.tv_nsec = (long)(ns % 1000000000u);
        nanosleep(&req, NULL);
#else
        while (aio__before(L->clock(L->clock_ctx), deadline)) {
        }
        (void)ns;
#endif
    }
}
#endif /* AIO__CLOCK_POSIX */

