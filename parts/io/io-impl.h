// >>io-impl
/* ------------------------------------------------------------------ I/O */

/* A task waits on a descriptor through the slot of the descriptor in its
 * loop's aio_io: slot.waiter[dir] is the task from the moment it parks
 * there until it resumes, and only two things take it out earlier: a
 * close of the number (aio__io_drop), or another task that would wait
 * there once it was woken and cancelled (aio__io_displace). Below, why.
 *
 * A task stays its slot's waiter until it resumes, however it was woken
 * (readiness, a deadline, a cancellation): until then it is counted in
 * io->waiting (the port cannot be changed under it), and another task that
 * would wait that way on the number is refused (AIO_EBUSY), as asyncio
 * refuses a second reader. So a close always finds it: the close (aio_close,
 * aio_io_forget) takes every waiter out of the slot and wakes those still
 * parked (AIO__T_CLOSED), and a task that resumes to find itself no longer
 * its slot's waiter knows the number was closed since it parked: it says
 * AIO_ECLOSED and touches the slot no more, whatever socket has the number
 * now and however many closes came between. No count is compared, so
 * none can come round. A readiness report marks the slot's way reported
 * (AIO__IO_REPORTED), which a task parked on several descriptors at once
 * (AIO_TCP_CONNECT) reads to know which of them woke it.
 *
 * Every close of a number that the library forgets (aio_close,
 * aio_io_forget) takes the next value of one count of the thread's loops,
 * 64 bits wide (2^64 closes: it never comes round while a program runs),
 * and the number's slot keeps it. What noted the slot's value when it took
 * its socket (a stream, a server's connection) finds another once the
 * socket was closed, however many closes the number had since, and never
 * one it noted: a number's socket is known by the close that came before
 * it, which no later close repeats.
 *
 * What the port watches lags behind who waits: a descriptor stays watched
 * after its waiter was woken by readiness (it will most likely wait again,
 * and a server would otherwise pay a system call per wait), until a report
 * finds nobody waiting that way. `dry` remembers that a try found nothing
 * (EAGAIN, a short read): the next try of that way waits first, which spares
 * the system call that would fail, until a report says it is ready again.
 *
 * Whether a way still watched is still watched by the system: a number
 * closed behind the loop's back leaves epoll without a word, and the number
 * opened next under it is watched by nobody. So a wait asks the port again,
 * except where the library's own try found that way dry since the last
 * report: that try used this descriptor, a receive or send parks trusting
 * the watch there, and so does a readiness wait (a server that waits for a
 * request before taking a buffer pays no system call for the wait, as it
 * pays none when it receives at once). So a number the library used is
 * closed with aio_close, or forgotten with aio_io_forget. */

/* The count above: the last close's, and the next one's value. Only
 * compared for equality, so where counts are two words (aio__count) their
 * 8 bytes make the value: no 64-bit add on a CPU that would call a helper. */
#ifdef AIO__COUNT_WORDS
static AIO_THREAD_LOCAL aio__count aio__io_closes;
static uint64_t aio__close_next(void) {
    uint64_t v;
    aio__count_up(&aio__io_closes);
    memcpy(&v, &aio__io_closes, sizeof v);
    return v;
}
#else
static AIO_THREAD_LOCAL uint64_t aio__io_closes;
#define aio__close_next() (++aio__io_closes)
#endif
#ifdef AIO__SOCKETS
/* The library's receives and sends that moved bytes, and its accepts and
 * connects that made a connection, counted round (the virtual clock's
 * settle asks only whether it moved: aio__sysio_settle). */
static AIO_THREAD_LOCAL uint32_t aio__io_moved;
#endif

/* The way each operation waits: 0 until readable, 1 until writable. */
static const uint8_t aio__io_dirs[] = {0, 1, 0, 0, 1, 1};

/* In a slot's `dry`: a listener whose accept ran out of descriptors, not
 * watched until io->paused_until (AIO_ACCEPT_RETRY_DELAY). */
#define AIO__IO_PAUSED 4
/* In io->turn_end, the work a turn's end has beyond its look (one byte
 * tested, so that a turn with none costs one test): listeners paused out of
 * descriptors (AIO__IO_PAUSED above), streams' write buffers written in the
 * turn (aio__io_written: their sends). */
#define AIO__IO_END_PAUSED 1
#define AIO__IO_END_WRITTEN 2
/* In a slot's `dry`, shifted by the way (0 readable, 1 writable): a report
 * of readiness woke that way's waiter, which has not resumed yet. Only
 * AIO_TCP_CONNECT reads it: without sockets it is none (0: every use folds
 * away). */
#ifdef AIO__SOCKETS
#define AIO__IO_REPORTED 8
#else
#define AIO__IO_REPORTED 0
#endif

#ifdef AIO__SOCKETS
static aio_io *aio__sysio_start(aio_loop *L);
static aio_status aio__sysio_grow(aio_io *io, int fd);
static const char *aio__sysio_holds(aio_io *io);
static int aio__sysio_looked(aio_loop *L);
static void aio__sysio_idles(aio_loop *L);
static int aio__sysio_settle(aio_loop *L, aio_time deadline);
#endif

#ifdef AIO__SOCKETS
/* The streams' write buffers written in the turn send what they hold (set
 * by the first one written: a program that writes none links none of it). */
static AIO_THREAD_LOCAL void (*aio__io_written)(aio_loop *L);

/* The turn's end beyond its look: the write buffers written in the turn
 * send; the listeners paused out of descriptors are tried again (reported
 * readable, so that their accepts try) once io->paused_until has come.
 * (Only the library's accept pauses and only streams write: a build without
 * sockets has neither.) */
static AIO__APART void aio__io_turn_end_work(aio_loop *L) {
    aio_io *io = L->io;
    uint32_t fd;
    if (io->turn_end & AIO__IO_END_WRITTEN) {
        io->turn_end &= (uint8_t)~AIO__IO_END_WRITTEN;
        aio__io_written(L);
    }
    if (!(io->turn_end & AIO__IO_END_PAUSED) || aio__before(aio__now(L), io->paused_until)) return;
    io->turn_end &= (uint8_t)~AIO__IO_END_PAUSED;
    for (fd = 0; fd < io->nslots; fd++) {
        if (!(io->slots[fd].dry & AIO__IO_PAUSED)) continue;
        io->slots[fd].dry = (uint8_t)(io->slots[fd].dry & ~AIO__IO_PAUSED);
        aio_io_ready(L, (int)fd, AIO_READABLE);
    }
}
static AIO__ALWAYS_INLINE void aio__io_turn_end(aio_loop *L) { /* (a turn with nothing for its end pays one test) */
    if (L->io->turn_end) aio__io_turn_end_work(L);
}
#else
#define aio__io_turn_end(L) ((void)0)
#endif

/* Whether the turn's look at the descriptors is an idle wait's own: on the
 * system's port, in aio_run, the wait just before (aio__sysio_looked). */
static int aio__io_looked(aio_loop *L) {
#ifdef AIO__SOCKETS
    return L->io->grow == aio__sysio_grow && aio__sysio_looked(L);
#else
    (void)L; /* (a port of its own, with no sockets: tests/coverage/no_stdlib.c) */
    return 0;
#endif
}

/* The loop's work in each turn once it waits for I/O: look at the
 * descriptors without blocking (the loop's own time as the deadline), then
 * the events' work (asyncio's order: I/O callbacks, then what they set).
 * A look that an idle wait makes, just before or just after, is not made
 * twice (aio__io_looked). And whether anything can still wake a loop with
 * nothing armed: a task waiting on a descriptor, or an event set from
 * elsewhere (a signal, a thread) through the loop's wake-up. */
#if AIO__SPEED
static AIO__APART void aio__io_drain(aio_loop *L) { /* (apart: aio__io_events stays small) */
    if (L->io) {
        if (!aio__io_looked(L)) L->io->wait(L->io, L, L->now);
        aio__io_turn_end(L);
    }
    /* (most turns set none; the drain's one caller stays aio__events, which
     * a loop with no I/O has inline) */
    if (aio__events_any(L)) (void)aio__events(L, AIO__EV_DRAIN);
}
#endif
static int aio__io_events(aio_loop *L, int op) {
#if AIO__SPEED
    /* aio_run's looks, four calls a turn, answered here: aio__events would
     * save the registers of its drain first */
    if (op == AIO__EV_PEEK || op == AIO__EV_IDLE || op == AIO__EV_AWAKE) return aio__events_look(L, op);
    if (op == AIO__EV_DRAIN) {
        aio__io_drain(L);
        return 0;
    }
#else
    if (L->io && op == AIO__EV_DRAIN) {
        if (!aio__io_looked(L)) L->io->wait(L->io, L, L->now);
        aio__io_turn_end(L);
    }
#endif
    if (L->io && op == AIO__EV_STUCK) {
        int bound;
        AIO_CRITICAL_ENTER();
        bound = L->bound_events != 0 && L->wakeup != NULL;
        AIO_CRITICAL_EXIT();
        return !L->io->waiting && !bound;
    }
    return aio__events(L, op);
}

/* On the virtual clock, after the idle wait: time jumps to `deadline` when
 * nothing is ready. But the system may still be moving bytes between this
 * program's own sockets (an acknowledgement that gives a sender room comes a
 * moment after the receive that made it): its wait may look again first,
 * waiting a little real time (the idle wait's mark stays: it looked). Kept
 * apart: the real clock's idle wait pays nothing for it. */
static AIO__APART void aio__io_jump(aio_loop *L, aio_time deadline) {
    if (deadline == AIO_NEVER || !aio__ready_empty(L) || aio__any_signalled(L) || !aio__before(L->now, deadline))
        return;
#ifdef AIO__SOCKETS
    if (L->io->grow == aio__sysio_grow && aio__sysio_settle(L, deadline)) return;
#endif
    L->now = deadline;
}

/* aio_run's idle wait once the loop waits for I/O: the port's wait, for the
 * descriptors and the next deadline together. On the virtual clock it does
 * not block while a timer is armed; time jumps to it if nothing came. */
static void aio__io_idle(void *ctx, aio_loop *L, aio_time deadline) {
#ifdef AIO__SOCKETS
    int system = L->io->grow == aio__sysio_grow; /* (its wait runs no code that could detach it) */
    if ((L->io->turn_end & AIO__IO_END_PAUSED) &&
        (deadline == AIO_NEVER || aio__before(L->io->paused_until, deadline)))
        deadline = L->io->paused_until; /* (the accepts paused try again then) */
#endif
    (void)ctx;
    L->io->wait(L->io, L, deadline); /* (detaching the port gives the idle hook back) */
#ifdef AIO__SOCKETS
    if (system) aio__sysio_idles(L); /* (aio_run's: the next turns' looks may be the waits') */
#endif
    if (L->is_virtual) aio__io_jump(L, deadline);
}

/* (aio__io_carry: with aio_loop_destroy) */
/* And counts a close of a number the loop's port has no slot for (or while
 * it has no port), and fills the slots a port just grew with the counts the
 * loop kept for their numbers. */
static AIO_THREAD_LOCAL void (*aio__io_carry_close)(aio_loop *L, int fd);
static AIO_THREAD_LOCAL void (*aio__io_grown)(aio_io *io, uint32_t old_nslots);

/* io's grow (which it has), its new slots given their counts of closes. */
static aio_status aio__io_grow(aio_io *io, int fd) {
    uint32_t old_nslots = io->nslots;
    aio_status rc = io->grow(io, fd);
    if (rc >= 0 && aio__io_grown) aio__io_grown(io, old_nslots);
    return rc;
}

/* The loop's I/O, started on first use where the system has it; from then
 * on the loop waits through it. */
static aio_io *aio__io_of(aio_loop *L) {
#ifdef AIO__SOCKETS
    if (!L->io && aio__sysio_start(L) && aio__io_carry) aio__io_carry(L, NULL, L->io);
#endif
    if (!L->io) return NULL; /* (out of descriptors or memory; no port given) */
    if (!L->events || L->events == aio__events) aio__use_events(L, aio__io_events); /* (the pool wraps it) */
    L->idle = aio__io_idle;
    return L->io;
}

/* A misused descriptor, named in the message (POSIX builds; elsewhere one
 * message says it all: string literals take RAM on an AVR). */
#ifdef AIO__SOCKETS
#define AIO__DETAIL(text) text
static aio_status aio__bad_fd(aio_status code, const char *what, int fd, const char *why) {
#ifdef AIO_DEBUG
    static char message[160];
    (void)snprintf(message, sizeof message, "%s: descriptor %d %s", what, fd, why);
    return aio__misuse(code, message);
#else
    (void)what; (void)fd; (void)why;
    return code;
#endif
}
#else
#define AIO__DETAIL(text) ""
static aio_status aio__bad_fd(aio_status code, const char *what, int fd, const char *why) {
    (void)what; (void)fd; (void)why;
    return aio__misuse(code, "I/O wait: the descriptor cannot be waited on that way");
}
#endif

/* The slot of fd in L's I/O (NULL, with the status in *rc, if there is none). */
static aio_io_slot *aio__io_slot_of(aio_loop *L, int fd, const char *what, aio_status *rc) {
    aio_io *io = aio__io_of(L);
    if (!io) {
#ifdef AIO__SOCKETS
        *rc = AIO_EIO; /* the system's wait could not start: errno says why (EMFILE, ENOMEM) */
#else
        *rc = aio__misuse(AIO_EINVAL, "I/O wait: no I/O port (aio_loop_set_io)");
#endif
        return NULL;
    }
    if ((uint32_t)fd >= io->nslots) { /* (never negative: the awaits refuse that first) */
        *rc = io->grow ? aio__io_grow(io, fd) : aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is beyond the port's slots"));
        if (*rc < 0) return NULL;
    }
    return &io->slots[fd];
}
/* The same, at once where aio__io_of has nothing to do (its hooks are the
 * loop's) and the slot exists: each wait of a server. */
static AIO__ALWAYS_INLINE aio_io_slot *aio__io_slot(aio_loop *L, int fd, const char *what, aio_status *rc) {
#if AIO__SPEED
    aio_io *io = L->io;
    if (io && L->idle == aio__io_idle && L->events && L->events != aio__events && (uint32_t)fd < io->nslots)
        return &io->slots[fd];
#endif
    return aio__io_slot_of(L, fd, what, rc);
}

/* Whether the slot's waiter that way may give its place to another task:
 * one woken and cancelled before it ran, which will only raise (so a task
 * that cancels a reader may read in its place at once). It is taken out,
 * and finds the slot not its own when it resumes. */
static int aio__io_displace(aio_io_slot *s, int dir) {
    aio_task *w = s->waiter[dir];
    if (w->state == AIO__PARKED || !(w->flags & AIO__T_CANCEL_REQ)) return 0;
    s->waiter[dir] = NULL;
    s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
    return 1;
}

/* Park t on its descriptor's way `dir`; with `trust`, a way still watched
 * is taken as watched (the library's own sockets), else the port is asked
 * again (a descriptor closed and opened anew under the same number). */
static aio_status aio__io_park(aio_task *t, aio_frame *f, int dir, int trust, const char *what) {
    aio_loop *L = t->loop;
    int fd = t->await.io.fd;
    int way = 1 << dir;
    aio_status rc = AIO_OK;
    aio_io_slot *s = aio__io_slot(L, fd, what, &rc);
    if (!s) return rc;
    if (s->waiter[dir] && !aio__io_displace(s, dir))
        return aio__bad_fd(AIO_EBUSY, what, fd, AIO__DETAIL(dir ? "already has a task waiting until it is writable"
                                                                : "already has a task waiting until it is readable"));
    if ((!trust || !(s->watched & way)) && !(s->dry & AIO__IO_PAUSED)) {
        rc = L->io->watch(L->io, fd, s->watched, s->watched | way);
        if (rc < 0) return rc;
        s->watched = (uint8_t)(s->watched | way);
    }
    AIO__WAITS_ON(L, AIO_ON_IO, NULL, fd);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    t->await.io.dir = (uint8_t)dir;
    s->waiter[dir] = t;
    L->io->waiting++;
    return rc;
}

/* The resumption of a task parked by aio__io_park, whatever woke it: it
 * leaves its slot and stops being counted. 1 if the slot is not its any
 * more: a close took it out (or, cancelled, it gave its place to another,
 * aio__io_displace: it raises before it looks at this). */
static int aio__io_leave(aio_task *t) {
    aio_io *io = t->loop->io;
    aio_io_slot *s = &io->slots[t->await.io.fd];
    int dir = t->await.io.dir;
    io->waiting--;
    if (s->waiter[dir] != t) return 1;
    s->waiter[dir] = NULL;
    s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
    return 0;
}

/* Stop watching way `way` of fd, unless a task waits that way (one that
 * took the slot after its last waiter was woken). */
static void aio__io_unwatch(aio_io *io, int fd, int way) {
    aio_io_slot *s = &io->slots[fd];
    if ((s->watched & way) && !s->waiter[way >> 1]) {
        s->watched = (uint8_t)(s->watched & ~way);
        (void)io->watch(io, fd, s->watched | way, s->watched);
    }
}

#ifdef AIO__SOCKETS
/* Task t leaves the slots of fd[0..n) (a negative one: none) where it
 * waits, either way. */
static void aio__io_leave_all(aio_task *t, const int *fd, int n) {
    aio_io *io = t->loop->io;
    int i;
    int dir;
    for (i = 0; i < n; i++) {
        if (fd[i] < 0 || (uint32_t)fd[i] >= io->nslots) continue;
        for (dir = 0; dir < 2; dir++) {
            aio_io_slot *s = &io->slots[fd[i]];
            if (s->waiter[dir] != t) continue;
            s->waiter[dir] = NULL;
            s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
        }
    }
}

/* Park task t until `until` on several descriptors at once, fd[0..n) (a
 * negative one: none), each the way dir[i] (dir NULL: writable): a slot
 * each, watched that way, t its waiter. AIO__SUSPENDED (the I/O's count of
 * waiters counts it once, until it resumes), or a status with every slot
 * left: out of memory, or (with `busy`, saying what the descriptor is)
 * another task waits there, AIO_EBUSY. AIO_TCP_CONNECT waits so on its
 * attempts, a process await on its pipes and its exit; one descriptor is
 * aio__io_park's. */
static aio_status aio__io_park_all(aio_task *t, const int *fd, const int *dir, int n, aio_time until,
                                   const char *what, const char *busy) {
    aio_loop *L = t->loop;
    aio_status rc = AIO_OK;
    int i;
    for (i = 0; i < n && rc >= 0; i++) { /* LCOV_EXCL_BR_LINE: (rc < 0: a refusal breaks first) */
        int way = dir ? 1 << dir[i] : AIO_WRITABLE;
        aio_io_slot *s;
        if (fd[i] < 0) continue;
        s = aio__io_slot(L, fd[i], what, &rc);
        if (!s) break; /* (out of memory: the table could not grow) */
        if (busy && s->waiter[way >> 1]) {
            rc = aio__bad_fd(AIO_EBUSY, what, fd[i], busy);
            break;
        }
        if (!(s->watched & way)) {
            rc = L->io->watch(L->io, fd[i], s->watched, s->watched | way);
            if (rc < 0) break; /* LCOV_EXCL_LINE: out of memory */
            s->watched = (uint8_t)(s->watched | way);
        }
        s->waiter[way >> 1] = t;
    }
    if (rc >= 0) {
        aio__set_until(t, until);
        AIO__WAITS_ON(L, AIO_ON_IO, NULL, n ? fd[0] : -1);
        rc = aio__park(t, 1, 1);
        if (rc == AIO__SUSPENDED) {
            L->io->waiting++;
            return rc;
        }
    }
    aio__io_leave_all(t, fd, n);
    return rc;
}
/* A try on fd found nothing to do that way: the next one waits first. */
static void aio__io_dry(aio_loop *L, int fd, int dir) {
    if (L->io && (uint32_t)fd < L->io->nslots) L->io->slots[fd].dry = (uint8_t)(L->io->slots[fd].dry | (1 << dir));
}
#endif

AIO_API aio_status aio_loop_set_io(aio_loop *L, aio_io *io) {
    if (L->io && L->io->waiting)
        return aio__misuse(AIO_EBUSY, "aio_loop_set_io: tasks wait on descriptors (or were woken from such "
                                      "a wait and have not run yet)");
#ifdef AIO__SOCKETS
    if (L->io && L->io->grow == aio__sysio_grow && aio__sysio_holds(L->io))
        return aio__misuse(AIO_EBUSY, aio__sysio_holds(L->io));
#endif
    if (io && (!io->watch || !io->wait || (!io->slots && io->nslots)))
        return aio__misuse(AIO_EINVAL, "aio_loop_set_io: a port needs watch, wait and slots");
    if (aio__io_carry && (L->io || io)) aio__io_carry(L, L->io, io); /* (none to none: nothing) */
    if (L->io && L->io->release) L->io->release(L->io);
    L->io = io;
    if (io) {
        io->waiting = 0;
        io->turn_end = 0;
#ifdef AIO__SOCKET_API
        if (L->written.next && L->written.next != &L->written)
            io->turn_end = AIO__IO_END_WRITTEN; /* (write buffers written in this turn: sent at its end) */
#endif
    } else if (L->idle == aio__io_idle) { /* the loop sleeps as it did before */
        L->idle = NULL;
#ifdef AIO__SYSTEM_CLOCK
        if (!L->is_virtual) {
            L->idle = aio__system_idle;
            aio__idle_wakeup_restore(L); /* (the port's wake-up was the loop's) */
        }
#endif
    }
#ifdef AIO__SOCKET_API
    /* write buffers that wait for a turn's end wait through a port: the
     * system's starts now, not at a wait that may never come */
    if (!io && L->written.next && L->written.next != &L->written) (void)aio__io_of(L);
#endif
    return AIO_OK;
}

#if AIO__SPEED
/* fd (a slot of L's port) is ready the way `dir`. */
static void aio__io_ready_way(aio_loop *L, int fd, int dir) {
    aio_io *io = L->io;
    aio_io_slot *s = &io->slots[fd];
    aio_task *w = s->waiter[dir];
    s->dry = (uint8_t)(s->dry & ~(1 << dir));
    if (!w) {
        aio__io_unwatch(io, fd, 1 << dir); /* its waiter went: stop the reports */
    } else if (w->state == AIO__PARKED) { /* (its waiter until it resumes) */
        s->dry = (uint8_t)(s->dry | (AIO__IO_REPORTED << dir));
        w->flags |= AIO__T_SIGNALLED;
        AIO__CAUSE(L, NULL, AIO_BY_IO);
        aio__wake(w);
        AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
    } /* (else woken already: its resumption leaves the slot) */
}

AIO_API void aio_io_ready(aio_loop *L, int fd, int events) {
    aio_io *io = L->io;
    if (!io || fd < 0 || (uint32_t)fd >= io->nslots) return;
    /* (each way a call of its own: the one way most reports give pays for
     * no loop's registers) */
    if (events & AIO_READABLE) aio__io_ready_way(L, fd, 0);
    if (events & AIO_WRITABLE) aio__io_ready_way(L, fd, 1);
}
#else
AIO_API void aio_io_ready(aio_loop *L, int fd, int events) {
    aio_io *io = L->io;
    int dir;
    if (!io || fd < 0 || (uint32_t)fd >= io->nslots) return;
    for (dir = 0; dir < 2; dir++) {
        aio_io_slot *s = &io->slots[fd];
        aio_task *w = s->waiter[dir];
        if (!(events & (1 << dir))) continue;
        s->dry = (uint8_t)(s->dry & ~(1 << dir));
        if (!w) {
            aio__io_unwatch(io, fd, 1 << dir); /* its waiter went: stop the reports */
        } else if (w->state == AIO__PARKED) { /* (its waiter until it resumes) */
            s->dry = (uint8_t)(s->dry | (AIO__IO_REPORTED << dir));
            w->flags |= AIO__T_SIGNALLED;
            AIO__CAUSE(L, NULL, AIO_BY_IO);
            aio__wake(w);
            AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        } /* (else woken already: its resumption leaves the slot) */
    }
}
#endif

/* aio_io_forget's work: the slot's waiters are taken out (those parked
 * woken, AIO__T_CLOSED; those woken already find the slot not theirs when
 * they resume). `reused`: the number may now be another descriptor's (it
 * was closed), so the slot's count of closes moves on: a stream or a
 * server's connection set up over the number before finds it changed.
 * aio_server_close_clients drops the slots of sockets it shuts down and
 * keeps: their numbers are still theirs. */
static void aio__io_drop(aio_socket sock, int reused) {
    int fd = aio__fd(sock);
    aio_loop *L = aio__loop;
    aio_io *io = L ? L->io : NULL;
    aio_io_slot *s;
    int dir;
    if (!io || fd < 0 || (uint32_t)fd >= io->nslots) {
        if (L && reused && aio__io_carry_close) aio__io_carry_close(L, fd); /* (no slot: counted apart) */
        return;
    }
    s = &io->slots[fd];
    if (reused) s->closed = aio__close_next();
    for (dir = 0; dir < 2; dir++) {
        aio_task *w = s->waiter[dir];
        if (!w) continue;
        s->waiter[dir] = NULL;
        if (w->state == AIO__PARKED) {
            w->flags |= AIO__T_CLOSED;
            AIO__CAUSE(L, NULL, AIO_BY_CLOSED);
            aio__wake(w);
            AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        }
    }
    if (s->watched) (void)io->watch(io, fd, s->watched, 0);
    s->watched = 0;
    s->dry = 0;
}
AIO_API void aio_io_forget(aio_socket sock) { aio__io_drop(sock, 1); }

