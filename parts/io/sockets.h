// >>sockets
/* ------------------------------------------------- the platform's sockets */

/* What the awaits need of the system's sockets: calls through the
 * platform's table (below), whose backends are in "POSIX", "Windows" and
 * "simulation", and the system's vocabulary that every part uses (the
 * errors, a socket made private, closed, what wakes the system's wait:
 * each backend's, listed in "the system's interface"), so that the
 * platform #ifs live in the backends alone:
 *
 *   aio__net_recv, aio__net_send, aio__net_accept: a count or a new socket
 *       (>= 0), AIO__AGAIN when the call would have had to wait, or a status;
 *   aio__net_socket, aio__net_connect, aio__net_connected: a new non-blocking
 *       socket; its connect begun (AIO_OK, AIO__AGAIN: in progress, or a
 *       status); how it went once writable;
 *   aio__net_recvfrom, aio__net_sendto: the same for a datagram;
 *   aio_tcp_listen_at, aio_udp_open, aio_socket_port, aio_close: the table's
 *       listen, udp, port_of and close; aio__net_shutdown: its shutdown;
 *   aio__socket_private, aio__net_closesocket: a socket made, closed;
 *   aio__wake_pair_*: what wakes the system's wait from elsewhere (a pipe on
 *       POSIX, a connected pair of sockets on Windows, where WSAPoll waits
 *       for sockets only).
 *
 * No call blocks, whatever mode a descriptor the program gave was opened in
 * (a socketpair, an inherited or activated listener, a socket from another
 * library are blocking by default): on POSIX a receive and a send say so in
 * each call (MSG_DONTWAIT), which leaves the descriptor's mode alone (it may
 * be shared with another process), and a pipe is read and written only as
 * far as poll() says it is ready (see aio__net_read); an accept has no such
 * flag, so the listener is made non-blocking at its first accept, as libuv
 * and Trio do with every descriptor they are given. Windows has no per-call
 * flag and no way to read a socket's mode: each try makes its socket
 * non-blocking.
 * Descriptors the library makes are non-blocking from the start.
 *
 * A socket is an int in the library, its slot's index: a POSIX descriptor,
 * or the value of a Windows SOCKET, which Windows keeps well within an int
 * (its handles are 32-bit values, multiples of 4: CPython's socket.fileno()
 * makes the same use of it). */
#ifdef AIO__SOCKETS
#define AIO__AGAIN (INT_MIN + 2) /* would block (never leaves this section) */
#define AIO__INTR (INT_MIN + 3)  /* interrupted: try again at once */

/* The simulated network is the other backend of these calls (its table is
 * installed while a simulation runs on the thread: see "the platform's
 * table" below and "simulation"); a build without AIO_SIMULATION has none
 * of it. */
#ifdef AIO__SIM
typedef struct aio__sim aio__sim;
static AIO_THREAD_LOCAL aio__sim *aio__sim_here; /* the simulation of this thread */
#endif
#ifdef AIO__THREADS
struct aio__job;
#endif


/* ---- the platform's table
 *
 * Every call the awaits make of the system's sockets goes through a table
 * of functions, one per backend: the system's (aio__system_platform: the
 * aio__sys_ functions below, POSIX or Windows) and the simulation's
 * (aio__sim_platform, in "simulation"). One predicate, aio__os(), gives the
 * table the thread has installed: the system's, or the simulation's while
 * aio_sim_start's simulation runs (aio__os_install). A build without
 * AIO_SIMULATION has one table, constant: the compiler calls its functions
 * directly. Each slot has the returns of the aio__net_ function that calls
 * it (the list at the top of this section):
 *
 *   listen, udp: a listening TCP socket, a bound UDP socket at `at` (the
 *       address checked), or a status;
 *   port_of: a socket's port, or -1; close: 0, or -1 (not open);
 *   shutdown: a connection shut down both ways (its peer reads the end
 *       after its bytes, its own later reads find the end, its writes
 *       fail): 0, or -1 (not open, or not connected where the system says so). */
/* Each slot's type, by its name: a backend's function for slot S is
 * declared as aio__slot_S, so one defined with another shape is a
 * conflicting declaration of it. */
typedef aio_status aio__slot_recv(int fd, void *buf, size_t len, const char *what);
typedef aio_status aio__slot_send(int fd, const void *buf, size_t len, const char *what);
typedef aio_status aio__slot_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from, const char *what);
typedef aio_status aio__slot_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                    int family, const char *what);
typedef aio_status aio__slot_accept(int fd, const char *what);
typedef int aio__slot_socket(int family);
typedef aio_status aio__slot_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what);
typedef aio_status aio__slot_connected(int fd, const char *what);
typedef int aio__slot_listen(const aio_address *at, int backlog);
typedef int aio__slot_udp(const aio_address *at);
typedef int aio__slot_port_of(int fd);
typedef int aio__slot_close(int fd);
typedef int aio__slot_shutdown(int fd);
#ifdef AIO__PROCESSES
/* child processes (see "child processes": the list at its top) */
typedef aio_status aio__slot_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                        aio_loop *L);
typedef int aio__slot_proc_reap(aio_process *p);
typedef void aio__slot_proc_kill_now(aio_process *p);
typedef int aio__slot_proc_send(aio_process *p, int signo);
typedef void aio__slot_proc_release(aio_process *p);
typedef aio_status aio__slot_pipe_read(int fd, void *buf, size_t len);
typedef aio_status aio__slot_pipe_write(int fd, const void *buf, size_t len);
typedef aio_process **aio__slot_children_of(aio_loop *L);
#define AIO__PLATFORM_PROC_SLOTS(X)                                            \
    X(proc_start) X(proc_reap) X(proc_kill_now) X(proc_send) X(proc_release)  \
    X(pipe_read) X(pipe_write) X(children_of)
#else
#define AIO__PLATFORM_PROC_SLOTS(X)
#endif
#ifdef AIO__THREADS
/* calls on the pool (see "worker threads"): the pool a call runs on
 * (NULL: *rc says why, or AIO_OK: the backend runs its calls itself);
 * a call queued, awaited by t; given up before it was handed over;
 * the names a lookup asks (hook and ctx left: the program's) */
struct aio__pool;
typedef struct aio__pool *aio__slot_job_pool(aio_loop *L, const char *what, aio_status *rc);
typedef void aio__slot_job_submit(aio_task *t, struct aio__job *j);
typedef void aio__slot_job_give_up(aio_loop *L, struct aio__job *j);
typedef void aio__slot_names(aio_lookup_fn *hook, void **ctx);
#define AIO__PLATFORM_JOB_SLOTS(X) X(job_pool) X(job_submit) X(job_give_up) X(names)
#else
#define AIO__PLATFORM_JOB_SLOTS(X)
#endif
/* The slots, by name: the table's fields, each backend's declarations and
 * its table are made from this one list, so a table cannot be filled out
 * of order, and a backend that lacks a slot's function does not compile
 * (its name is undeclared, or used and never defined). */
#define AIO__PLATFORM_SLOTS(X)                                                 \
    X(recv) X(send) X(recvfrom) X(sendto) X(accept) X(socket) X(connect)      \
    X(connected) X(listen) X(udp) X(port_of) X(close) X(shutdown) AIO__PLATFORM_PROC_SLOTS(X)             \
    AIO__PLATFORM_JOB_SLOTS(X)
#define AIO__PLATFORM_FIELD(slot) aio__slot_##slot *slot; /* NOLINT(bugprone-macro-parentheses): a field */
typedef struct aio__platform {
    const char *name;
    int unix_sockets; /* 1: it has Unix domain sockets (the simulation's network has not) */
    AIO__PLATFORM_SLOTS(AIO__PLATFORM_FIELD)
} aio__platform;
/* A backend's table: each slot S filled with the function PREFIX_S,
 * declared as the slot's type first (AIO__PLATFORM_DECLARE). */
#define AIO__PLATFORM_SYS_DECL(slot) static aio__slot_##slot aio__sys_##slot;
#define AIO__PLATFORM_SYS_FILL(slot) aio__sys_##slot,
#define AIO__PLATFORM_SIM_DECL(slot) static aio__slot_##slot aio__sim_##slot;
#define AIO__PLATFORM_SIM_FILL(slot) aio__sim_##slot,
AIO__PLATFORM_SLOTS(AIO__PLATFORM_SYS_DECL)
static const aio__platform aio__system_platform = {"the system's", 1, AIO__PLATFORM_SLOTS(AIO__PLATFORM_SYS_FILL)};
#ifdef AIO__SIM
static AIO_THREAD_LOCAL const aio__platform *aio__os_now = &aio__system_platform;
#define aio__os() aio__os_now
/* Make p the thread's table (NULL: the system's): AIO_OK, or AIO_EINVAL
 * (a debug build names the slot left empty) and the table stays. */
static aio_status aio__os_install(const aio__platform *p) {
    if (!p) p = &aio__system_platform;
#define AIO__PLATFORM_SLOT_CHECK(slot)                                         \
    if (!p->slot) return aio__misuse(AIO_EINVAL, AIO__DETAIL("a platform table's slot `" #slot "` is empty"));
    /* (the header's tables fill every slot; test_platform_table empties one,
     * and every slot's check is this one line) */
    AIO__PLATFORM_SLOTS(AIO__PLATFORM_SLOT_CHECK) /* LCOV_EXCL_BR_LINE */
#undef AIO__PLATFORM_SLOT_CHECK
    aio__os_now = p;
    return AIO_OK;
}
#else
#define aio__os() (&aio__system_platform)
#endif

/* New descriptors are close-on-exec (on Windows, not inheritable) from the
 * call that makes them wherever the system can say so (SOCK_CLOEXEC,
 * accept4, pipe2; WSA_FLAG_NO_HANDLE_INHERIT), so that a fork and exec in
 * another thread between two calls cannot hand them to its child; elsewhere
 * they are made so at once after. (A child the library starts gets its
 * three standard streams and nothing else, whatever it could inherit: see
 * "child processes".) Windows has no flag for accept: the socket accepted
 * is made non-inheritable after, as CPython does. */


/* A call's result n (-1: failed), as the functions above return it. */
static aio_status aio__net_result(long n, const char *what, int fd) {
    int err;
    if (n >= 0) return (aio_status)n;
    err = aio__net_last();
    if (aio__net_would_block(err)) return AIO__AGAIN;
    if (aio__net_interrupted(err)) return AIO__INTR; /* LCOV_EXCL_LINE: a signal in the call */
    return aio__net_error(err, what, fd);
}

/* The largest count one call moves: what a status can say. */
static size_t aio__net_chunk(size_t len) { return len > (size_t)INT_MAX ? (size_t)INT_MAX : len; }

/* The calls the awaits make: through the thread's table. */
/* (each counts what moved: aio__io_moved) */
static aio_status aio__net_moved(aio_status rc) {
    if (rc > 0) aio__io_moved++;
    return rc;
}
static aio_status aio__net_recv(int fd, void *buf, size_t len, const char *what) {
    return aio__net_moved(aio__os()->recv(fd, buf, len, what));
}
static aio_status aio__net_send(int fd, const void *buf, size_t len, const char *what) {
    return aio__net_moved(aio__os()->send(fd, buf, len, what));
}
static aio_status aio__net_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from,
                                    const char *what) {
    return aio__net_moved(aio__os()->recvfrom(fd, buf, len, from, what));
}
static aio_status aio__net_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    return aio__net_moved(aio__os()->sendto(fd, buf, len, sa, sl, family, what));
}
static aio_status aio__net_accept(int fd, const char *what) {
    aio_status rc = aio__os()->accept(fd, what);
    if (rc >= 0) aio__io_moved++;
    return rc;
}
static int aio__net_socket(int family) { return aio__os()->socket(family); }
static aio_status aio__net_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    aio__io_moved++; /* (a connection asked for: its answer may come a moment later) */
    return aio__os()->connect(fd, sa, sl, what);
}
static aio_status aio__net_connected(int fd, const char *what) { return aio__os()->connected(fd, what); }
static int aio__net_shutdown(int fd) { return aio__os()->shutdown(fd); }
#endif /* AIO__SOCKETS */

#ifdef AIO__SOCKETS
static const char *const aio__io_names[] = {"AIO_WAIT_READABLE", "AIO_WAIT_WRITABLE", "AIO_ACCEPT",
                                            "AIO_RECV", "AIO_SEND_ALL", "AIO_TCP_CONNECT"};
#define AIO__IO_NAME(op) aio__io_names[op]
#else
#define AIO__IO_NAME(op) "" /* (string literals take RAM on an AVR) */
#endif

/* 1 if a try on fd found way `dir` dry since its last report (its watch is
 * then trusted: see "Whether a way still watched" above). */
static int aio__io_is_dry(const aio_io *io, int fd, int dir) {
    return io && (uint32_t)fd < io->nslots && (io->slots[fd].dry & (1 << dir));
}

#ifdef AIO__SOCKETS
/* An accept out of descriptors: its listener is not watched, and the task
 * waits on it for the loop to try again at the next retry time (asyncio's
 * server pauses its accepts the same way), or for its own deadline. */
static aio_status aio__io_pause(aio_task *t, aio_frame *f, int fd) {
    aio_io *io = t->loop->io;
    aio_time retry = aio__now(t->loop) + AIO_ACCEPT_RETRY_DELAY;
    aio__io_unwatch(io, fd, AIO_READABLE);
    io->slots[fd].dry = (uint8_t)(io->slots[fd].dry | AIO__IO_PAUSED | 1);
    if (!(io->turn_end & AIO__IO_END_PAUSED) || aio__before(retry, io->paused_until)) io->paused_until = retry;
    io->turn_end |= AIO__IO_END_PAUSED;
    return aio__io_park(t, f, 0, 1, "AIO_ACCEPT");
}
#endif

/* Try the operation once more: its result, or parked until the descriptor
 * is ready (AIO__SUSPENDED). */
static aio_status aio__io_try(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
    int fd = t->await.io.fd;
    int dir = aio__io_dirs[op];
    aio_io *io = t->loop->io;
    const char *what = AIO__IO_NAME(op);
    if (op <= AIO__IO_WRITABLE) return aio__io_park(t, f, dir, aio__io_is_dry(io, fd, dir), what);
#ifdef AIO__SOCKETS
    for (;;) { /* LCOV_EXCL_LINE: (entered again only after EINTR or ECONNABORTED) */
        aio_status rc;
        if (aio__io_is_dry(io, fd, dir)) return aio__io_park(t, f, dir, 1, what);
        if (op == AIO__IO_RECV) {
            void *into; /* (the receive's buffer, passed as const with the others') */
            memcpy(&into, &buf, sizeof into);
            rc = aio__net_recv(fd, into, len, what);
            if (rc >= 0 && (size_t)rc < len) aio__io_dry(t->loop, fd, 0);
        } else if (op == AIO__IO_SEND) {
            rc = aio__net_send(fd, (const char *)buf + t->await.io.done, len - t->await.io.done, what);
            if (rc >= 0) {
                t->await.io.done += (size_t)rc;
                if (t->await.io.done == len) return AIO_OK;
                rc = AIO__AGAIN; /* the send buffer is full: wait for room */
            }
        } else { /* AIO__IO_ACCEPT */
            rc = aio__net_accept(fd, what);
            if (rc == AIO_EIO && aio__net_exhausted()) return aio__io_pause(t, f, fd);
        }
        /* LCOV_EXCL_START: a signal in the call; a connection gone before its accept */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc != AIO__AGAIN) return rc;
        aio__io_dry(t->loop, fd, dir);
        return aio__io_park(t, f, dir, 0, what); /* (trusts nothing the first time) */
    }
#else
    (void)buf; (void)len; (void)io; (void)fd;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
#endif
}

static aio_status aio__io_begin(aio_task *t, aio_frame *f, int op, int fd, const void *buf, size_t len,
                                aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    const char *what = AIO__IO_NAME(op);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("I/O wait: the timeout"));
#ifdef AIO__SOCKETS
    if ((op == AIO__IO_RECV || op == AIO__IO_SEND) && !buf && len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, op == AIO__IO_RECV ? "AIO_RECV: the buffer is NULL"
                                                                           : "AIO_SEND_ALL: the buffer is NULL"));
    if (op == AIO__IO_RECV && !len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_RECV: len is 0 (a receive of 0 bytes would "
                                                        "read as the end of the stream)"));
#endif
    t->await.io.fd = fd;
    t->await.io.dir = aio__io_dirs[op];
#ifdef AIO__SOCKETS
    t->await.io.done = 0;
#endif
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (fd < 0) return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is negative"));
    if (op == AIO__IO_SEND && !len) return AIO_OK;
    aio__set_until(t, until);
    return aio__io_try(t, f, op, buf, len);
}

#if AIO__SPEED && defined(AIO__SOCKETS)
/* A receive or a send that the descriptor takes at once (a server's, most
 * of the time), by a task with nothing to check (no cancellation, no
 * instruments), on a valid request: what aio__io_begin then does, without
 * the deadline it would not arm. The deadline is computed only if the call
 * did not complete: the same value (the iteration's time), armed after the
 * ones armed before it. Apart from aio__io_start: the readiness waits do
 * not pay for the registers this one keeps across the call. */
static AIO__APART aio_status aio__io_at_once(aio_task *t, aio_frame *f, int op, int fd, const void *buf,
                                             size_t len, aio_time d) {
    aio_loop *L = t->loop;
    aio_io *io = L->io;
    int dir = op == AIO__IO_SEND;
    aio_status rc;
    if (!aio__plain(t) || fd < 0 || !buf || !len || (d != AIO_NEVER && d >= (aio_time)(AIO_NEVER / 2)) || !io ||
        (uint32_t)fd >= io->nslots || (io->slots[fd].dry & (1 << dir)))
        return aio__io_begin(t, f, op, fd, buf, len, d);
    t->await.io.fd = fd;
    t->await.io.dir = (uint8_t)dir;
    t->await.io.done = 0;
    if (!dir) {
        void *into; /* (the receive's buffer, passed as const with the others') */
        memcpy(&into, &buf, sizeof into);
        rc = aio__net_recv(fd, into, len, AIO__IO_NAME(AIO__IO_RECV));
        if (rc >= 0) {
            if ((size_t)rc < len) io->slots[fd].dry = (uint8_t)(io->slots[fd].dry | 1);
            return rc;
        }
    } else {
        rc = aio__net_send(fd, buf, len, AIO__IO_NAME(AIO__IO_SEND));
        if (rc >= 0) {
            t->await.io.done = (size_t)rc;
            if ((size_t)rc == len) return AIO_OK;
            rc = AIO__AGAIN; /* the send buffer is full: wait for room */
        }
    }
    if (rc != AIO__AGAIN && rc != AIO__INTR) return rc;
    aio__set_until(t, aio__deadline(L, d, 1));
    if (rc == AIO__INTR) return aio__io_try(t, f, op, buf, len); /* LCOV_EXCL_LINE: a signal in the call */
    aio__io_dry(L, fd, dir);
    return aio__io_park(t, f, dir, 0, AIO__IO_NAME(op)); /* (trusts nothing the first time) */
}
#endif

#if AIO__SPEED
/* A readiness wait (AIO_WAIT_READABLE, AIO_WAIT_WRITABLE) by a task with
 * nothing to check, on a valid request: aio__io_begin's steps, then the
 * park. */
static AIO__APART aio_status aio__io_wait(aio_task *t, aio_frame *f, int op, int fd, aio_time d) {
    int dir = op;
    if (!aio__plain(t) || fd < 0 || (d != AIO_NEVER && d >= (aio_time)(AIO_NEVER / 2)))
        return aio__io_begin(t, f, op, fd, NULL, 0, d);
    aio__set_until(t, aio__deadline(t->loop, d, 1));
    t->await.io.fd = fd;
    t->await.io.dir = (uint8_t)dir;
#ifdef AIO__SOCKETS
    t->await.io.done = 0;
#endif
    return aio__io_park(t, f, dir, aio__io_is_dry(t->loop->io, fd, dir), AIO__IO_NAME(op));
}
#endif

AIO_API aio_status aio__io_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                size_t len, aio_time d) {
#if AIO__SPEED && defined(AIO__SOCKETS)
    if (op == AIO__IO_RECV || op == AIO__IO_SEND) return aio__io_at_once(t, f, op, aio__fd(sock), buf, len, d);
#endif
#if AIO__SPEED
    if (op <= AIO__IO_WRITABLE) return aio__io_wait(t, f, op, aio__fd(sock), d);
#endif
    return aio__io_begin(t, f, op, aio__fd(sock), buf, len, d);
}

/* The resumption of an I/O wait, whatever woke it (aio__io_poll). */
static AIO__APART aio_status aio__io_resume(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
    uint16_t woke = (uint16_t)(t->flags & (AIO__T_SIGNALLED | AIO__T_CLOSED));
    int fd = t->await.io.fd;
    int way = 1 << t->await.io.dir;
    int closed;
    t->flags &= (uint16_t)~(AIO__T_SIGNALLED | AIO__T_CLOSED);
    closed = aio__io_leave(t); /* (a closed number's slot is not its to unwatch) */
    /* A cancellation comes first: a cancelled wait has consumed nothing. */
    if (aio__checkpoint(t) < 0) {
        if (!closed) aio__io_unwatch(t->loop->io, fd, way);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    /* Then what came first: a deadline that woke it, or a close */
    if (!woke && aio__until_due(t)) {
        if (!closed) aio__io_unwatch(t->loop->io, fd, way);
        return AIO_ETIMEDOUT;
    }
    if (closed || (woke & AIO__T_CLOSED)) return AIO_ECLOSED;
    /* LCOV_EXCL_START: woken with no deadline due, by a timer that found no
     * slot to move to (aio__rearm): it parks again and reports that */
    if (!woke) return aio__io_park(t, f, t->await.io.dir, 1, AIO__IO_NAME(op));
    /* LCOV_EXCL_STOP */
    if (op <= AIO__IO_WRITABLE) return AIO_OK;
    return aio__io_try(t, f, op, buf, len);
}

AIO_API aio_status aio__io_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
#if AIO__SPEED
    /* Woken by readiness, with nothing to check (no cancellation, no block,
     * its number not closed since): aio__io_resume's own steps, without its
     * frame. */
    if ((t->flags & (AIO__T_SIGNALLED | AIO__T_CLOSED | AIO__T_WATCHED | AIO__T_CANCEL_REQ)) == AIO__T_SIGNALLED) {
        aio_io *io = t->loop->io;
        aio_io_slot *s = &io->slots[t->await.io.fd];
        int dir = t->await.io.dir;
        if (s->waiter[dir] == t) {
            t->flags &= (uint16_t)~AIO__T_SIGNALLED;
            io->waiting--;
            s->waiter[dir] = NULL;
            s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
            if (op <= AIO__IO_WRITABLE) return AIO_OK;
            return aio__io_try(t, f, op, buf, len);
        }
    }
#endif
    return aio__io_resume(t, f, op, buf, len);
}

AIO_API size_t aio_bytes_sent(const aio_task *t) {
#ifdef AIO__SOCKETS
    return t->await.io.done;
#else
    (void)t;
    return 0; /* (nothing is sent without sockets) */
#endif
}

#ifdef AIO__SOCKETS
