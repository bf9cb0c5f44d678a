// >>sysio
/* -------------------------------------------------- the system's I/O wait */

/* The port the library starts for a loop: the backend opens and closes it
 * (aio__sys_wait_open, aio__sys_wait_close), the readiness wait picked
 * (>>wait-NAME) watches and waits; what is here is the same on every
 * system and every wait. */
#ifndef AIO__WAIT_PICKED
#error "aio_timeout.h: no readiness wait is picked for this system (>>impl picks one, AIO__WAIT_NAME)"
#endif
static void aio__sysio_wakeup(void *ctx, aio_loop *L) {
    (void)L;
    aio__readiness_wake(aio__readiness_waker((aio__sysio *)ctx));
}

/* The wait's timeout in milliseconds, rounded up (never early): -1 for none. */
static int aio__io_timeout(aio_loop *L, aio_time deadline) {
    aio_time now;
    uint64_t ticks;
    uint64_t ms;
    if (deadline == AIO_NEVER) return -1;
    if (deadline == L->now) return 0;
    if (L->is_virtual) return ((aio__sysio *)(void *)L->io)->settle; /* (time jumps instead: aio__io_idle) */
    now = L->clock(L->clock_ctx);
    if (!aio__before(now, deadline)) return 0;
    ticks = (uint64_t)(aio_time)(deadline - now);
    if (AIO_TICKS_PER_SEC % 1000u == 0) /* (ticks > 0) one division, by a constant: the same count */
        ms = (ticks - 1u) / (AIO_TICKS_PER_SEC >= 1000u ? AIO_TICKS_PER_SEC / 1000u : 1u) + 1u;
    else
        ms = ticks / AIO_TICKS_PER_SEC * 1000u + (ticks % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) /
                                                     AIO_TICKS_PER_SEC;
    return ms > 0x7fffffffu ? 0x7fffffff : (int)ms;
}

/* One system call to wait per turn of aio_run (aio__io_events asks). Each
 * turn's drain looks at the descriptors without blocking, and a turn that
 * leaves nothing to run then waits in aio__io_idle: two calls where one
 * does. aio_run's idle wait marks the port (0 until then: aio_step looks as
 * it always did). The empty turn right after a wait that woke nothing does
 * not look again: the wait just did (asyncio's one select per iteration).
 * A later drain leaves its look to the idle wait when the turn will go
 * idle: nothing to run or drain (the pool's ended calls included), no timer
 * due at the turn's time, no listener paused; what a look would find then
 * is what the wait finds, in the same order. It unmarks the port: the wait
 * marks it again, and a return from aio_run leaves aio_step its looks. */
static void aio__sysio_idles(aio_loop *L) {
    ((aio__sysio *)L->io)->run = (uint8_t)(aio__ready_empty(L) ? 2 : 1);
}
/* Before virtual time jumps to the deadline of a task waiting on a
 * descriptor, the system's wait may look once more, for up to a moment of
 * real time (see aio__io_idle), where the system may still owe this
 * program's sockets something that real time would bring before that
 * deadline; anywhere else the jump is made at once:
 * - a TCP socket that a task waits to write, after bytes moved (a receive
 *   or send that moved some, an accept, a connect) since the last such
 *   look: room in it comes back with its peer's acknowledgement, which the
 *   system may send that much later (TCP's delayed acknowledgement: 40 ms
 *   on Linux). A socket of another family (AF_UNIX) has its room back at
 *   the receive; and with nothing moved since, no acknowledgement is owed
 *   (a peer that stopped reading costs one look, not one a jump);
 * - a wait that tells readiness some time after it comes
 *   (AIO__WAIT_TELLS_LATE: AFD poll's completions, which the system posts
 *   on its own time), where a socket waited on is ready now (a poll of
 *   them that does not wait says so): its completion is on its way.
 * 1 if that look made a task ready (no jump then). */
enum { AIO__VIRTUAL_SETTLE_MS = 100 };
static AIO_THREAD_LOCAL uint32_t aio__sysio_looks; /* (such looks, counted: the tests ask) */
static int aio__net_family(int fd);
/* Whether a task waits to write a TCP socket. */
static int aio__sysio_tcp_writer(const aio__sysio *s) {
    uint32_t fd;
    for (fd = 0; fd < s->io.nslots; fd++) {
        int family;
        if (!s->io.slots[fd].waiter[1]) continue;
        family = aio__net_family((int)fd);
        if (family == AF_INET || family == AF_INET6) return 1;
    }
    return 0;
}
static int aio__sysio_settle(aio_loop *L, aio_time deadline) {
    aio__sysio *s = (aio__sysio *)(void *)L->io;
    const aio_task *first = L->heap_len && L->heap[0].when == deadline ? L->heap[0].task : NULL;
    int owed;
    if (!first || !s->io.waiting || (uint32_t)first->await.io.fd >= s->io.nslots ||
        s->io.slots[first->await.io.fd].waiter[first->await.io.dir & 1] != first)
        return 0; /* (the jump wakes no wait on a descriptor: it changes no outcome of one) */
    owed = s->moved_seen != aio__io_moved && aio__sysio_tcp_writer(s);
#ifdef AIO__WAIT_TELLS_LATE
    if (!owed) owed = aio__readiness_ready_now(s);
#endif
    if (!owed) return 0;
    aio__sysio_looks++;
    s->moved_seen = aio__io_moved;
    s->settle = AIO__VIRTUAL_SETTLE_MS;
    L->io->wait(L->io, L, deadline);
    s->settle = 0;
    return !aio__ready_empty(L) || aio__any_signalled(L);
}
static int aio__sysio_looked(aio_loop *L) {
    aio__sysio *s = (aio__sysio *)L->io;
    if (s->run == 2) {
        s->run = 1;
        return 1;
    }
    if (!s->run || (s->io.turn_end & AIO__IO_END_PAUSED) || !aio__ready_empty(L) || aio__any_signalled(L)) return 0;
    if (L->heap_len && !aio__before(aio__now(L), L->heap[0].when)) return 0;
    s->run = 0;
    return 1;
}

static aio_status aio__sysio_grow(aio_io *io, int fd) {
    aio__sysio *s = (aio__sysio *)io;
    uint32_t n = io->nslots ? io->nslots : 64u;
    aio_io_slot *slots;
    while (n <= (uint32_t)fd) n *= 2u;
    slots = (aio_io_slot *)AIO_REALLOC(io->slots, (size_t)n * sizeof *slots);
    if (!slots) return AIO_EIO; /* (out of memory) */
    memset(slots + io->nslots, 0, (size_t)(n - io->nslots) * sizeof *slots);
    io->slots = slots;
    if (aio__readiness_grow(s, n) < 0) return AIO_EIO; /* (out of memory) */
    io->nslots = n;
    return AIO_OK;
}

#ifdef AIO__PROCESSES
static void aio__children_release(aio__sysio *s);
#endif

/* What the system's wait carries besides descriptors, that would go with
 * it if it were let go while the loop lives (aio_loop_set_io): NULL if
 * nothing, else why it cannot be. */
static const char *aio__sysio_holds(aio_io *io) {
    aio__sysio *s = (aio__sysio *)io;
#ifdef AIO__SIGNALS
    int signo;
    if (aio__sig_loop == s->loop)
        for (signo = 1; signo < AIO__NSIG; signo++)
            if (aio__sig_routed(signo))
                return "aio_loop_set_io: signals are routed to the loop through its wait (aio_signal_event, "
                       "aio_signal_cancel; route them elsewhere first, with NULL)";
#endif
#ifdef AIO__PROCESSES
    if (s->children) return "aio_loop_set_io: child processes of the loop are not closed (aio_process_close)";
#endif
    if (s->pool) return "aio_loop_set_io: the loop's worker threads have started; they end with aio_loop_destroy";
    return NULL;
}

static void aio__sysio_release(aio_io *io) {
    aio__sysio *s = (aio__sysio *)io;
#ifdef AIO__SIGNALS
    int signo;
#endif
#ifdef AIO__PROCESSES
    aio__children_release(s); /* (killed, reaped, closed; SIGCHLD back to the program's action) */
#endif
#ifdef AIO__SIGNALS
    if (aio__sig_loop == s->loop) {
        for (signo = 1; signo < AIO__NSIG; signo++)
            if (aio__sig_routed(signo)) aio__sig_default(signo);
        aio__sys_signal_target(-1);
        aio__sig_loop = NULL;
    }
#endif
    aio_loop_set_wakeup(s->loop, NULL, NULL); /* (it woke the wait closed below) */
    AIO_FREE(io->slots);
    aio__sys_wait_close(s);
}

static aio_io *aio__sysio_start(aio_loop *L) {
    aio__sysio *s = aio__sys_wait_open(L); /* (NULL: out of memory or descriptors) */
    if (!s) return NULL;
    s->io.watch = aio__readiness_watch;
    s->io.wait = aio__readiness_wait;
    s->io.grow = aio__sysio_grow;
    s->io.release = aio__sysio_release;
    s->loop = L;
    L->io = &s->io;
#ifdef AIO__SHARED
    aio_loop_set_wakeup(L, aio__sysio_wakeup, s); /* events set from other threads */
#endif
    return &s->io;
}

#ifdef AIO__SIGNALS
/* Route signal signo to ev (to set) or to t (to cancel), or neither (both
 * NULL: the default action back); `cancel` says which call asks. */
#define AIO__SIGNAL_MISUSE(cancel, why)                                        \
    ((cancel) ? aio__misuse(AIO_EINVAL, "aio_signal_cancel: " why) : aio__misuse(AIO_EINVAL, "aio_signal_event: " why))
static aio_status aio__signal_route(int signo, aio_event *ev, aio_task *t, int cancel) {
    aio_loop *L = aio__loop;
    const char *bad = aio__sys_signal_check(signo, cancel);
    if (bad) return aio__misuse(AIO_EINVAL, bad);
    if (!ev && !t) {
        if (aio__sig_routed(signo)) aio__sig_default(signo);
        return AIO_OK;
    }
    if (!L) return AIO__SIGNAL_MISUSE(cancel, "no loop is running or initialised");
    if (t && aio_task_alive(t) && t->loop != L) /* (aio_signal_cancel's) */
        return aio__misuse(AIO_EINVAL, "aio_signal_cancel: the task belongs to another loop than the one "
                                       "signals would go to");
    if (aio__sig_loop && aio__sig_loop != L)
        return AIO__SIGNAL_MISUSE(cancel, "signals go to another loop; destroy it first");
    if (!aio__io_of(L)) return AIO_EIO; /* (out of memory or descriptors) */
    if (!AIO__SYSTEM_PORT(L))
        return AIO__SIGNAL_MISUSE(cancel, "the loop waits through a port of its own");
    aio__sig_loop = L;
    aio_loop_set_wakeup(L, aio__sysio_wakeup, L->io); /* (an event it sets can end a wait) */
    aio__sys_signal_target(aio__readiness_waker((aio__sysio *)(void *)L->io));
    aio__sig_event[signo] = ev;
    aio__sig_task[signo] = t;
    if (!aio__sys_signal_catch(signo)) { /* (one the C library keeps for itself: Linux's 32 and 33) */
        aio__sig_event[signo] = NULL;
        aio__sig_task[signo] = NULL;
        return AIO_EIO;
    }
    return AIO_OK;
}

AIO_API aio_status aio_signal_event(int signo, aio_event *ev) {
    return aio__signal_route(signo, ev, NULL, 0);
}

AIO_API aio_status aio_signal_cancel(int signo, aio_task *t) {
    return aio__signal_route(signo, NULL, t, 1);
}
#endif /* AIO__SIGNALS */
#endif /* AIO__SOCKETS */

