// >>process-wait
/* ------------------------------------------- awaiting a child, stopping it */

/* The descriptors an await on p waits on, and which way: its pipes while
 * AIO_COMMUNICATE has work on them, else its exit (the pidfd, or SIGCHLD). */
typedef struct aio__proc_waits {
    int fd[3];
    int dir[3];
    int n;
} aio__proc_waits;

/* Leave every slot t parked in (whatever woke it); it stops being counted. */
static void aio__proc_leave(aio_task *t, aio_process *p) {
    int fds[4];
    fds[0] = aio__fd(p->in);
    fds[1] = aio__fd(p->out);
    fds[2] = aio__fd(p->err);
    fds[3] = p->pidfd;
    aio__io_leave_all(t, fds, 4);
    p->stopping = (uint8_t)(p->stopping & ~AIO__PROC_PARKED);
    t->loop->io->waiting--;
}

/* Park t on what w lists (its exit if nothing), until `until`. */
static aio_status aio__proc_park(aio_task *t, aio_process *p, aio__proc_waits *w, aio_time until, const char *what) {
    aio_status rc;
    if (!w->n && p->pidfd >= 0) {
        w->fd[0] = p->pidfd;
        w->dir[0] = 0;
        w->n = 1;
    }
    if (!w->n) p->stopping = (uint8_t)(p->stopping | AIO__PROC_PARKED); /* the exit, told by SIGCHLD */
    rc = aio__io_park_all(t, w->fd, w->dir, w->n, until, what, "(a pipe of the process) has another task waiting on it");
    if (rc != AIO__SUSPENDED) p->stopping = (uint8_t)(p->stopping & ~AIO__PROC_PARKED);
    return rc;
}

/* One pass of AIO_COMMUNICATE over p's pipes without blocking: what is left
 * to wait for into w, or an error. A pipe at its end is closed. */
static aio_status aio__communicate_pass(aio_process *p, aio_communicate *io, aio__proc_waits *w) {
    char sink[512]; /* (what is dropped: never read; on the stack: loops in other threads have their own) */
    int fd = aio__fd(p->in);
    int k;
    w->n = 0;
    if (fd >= 0) {
        while (io->input_done < io->input_len) {
            aio_status n = aio__pipe_write(fd, (const char *)io->input + io->input_done,
                                           io->input_len - io->input_done);
            if (n >= 0) {
                io->input_done += (size_t)n;
            } else if (n == AIO_ECONNRESET) { /* it stopped reading: the rest is dropped, as asyncio does */
                io->input_done = io->input_len;
            } else if (n == AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (else a pipe failed) */
                break;
            } else if (n != AIO__INTR) { /* LCOV_EXCL_LINE: (AIO__INTR; or a pipe failed) */
                return n; /* LCOV_EXCL_LINE */
            }
        }
        if (io->input_done < io->input_len) {
            w->fd[w->n] = fd;
            w->dir[w->n++] = 1;
        } else {
            (void)aio_process_end_input(p);
        }
    }
    for (k = 0; k < 2; k++) {
        aio_socket *pipe_end = k ? &p->err : &p->out;
        char *buf = k ? io->err : io->out;
        size_t size = k ? io->err_size : io->out_size;
        size_t *len = k ? &io->err_len : &io->out_len;
        int reads = 0;
        fd = aio__fd(*pipe_end);
        while (fd >= 0) {
            aio_status n;
            if (++reads > 64) { /* a child that writes without end does not hold the loop: later */
                w->fd[w->n] = fd;
                w->dir[w->n++] = 0;
                break;
            }
            if (*len < size)
                n = aio__pipe_read(fd, buf + *len, size - *len);
            else
                n = aio__pipe_read(fd, sink, sizeof sink);
            if (n > 0) {
                *len += (size_t)n;
            } else if (n == 0) {
                (void)aio_close(*pipe_end);
                *pipe_end = (aio_socket)-1;
                fd = -1;
            } else if (n == AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (else a pipe failed) */
                w->fd[w->n] = fd;
                w->dir[w->n++] = 0;
                break;
            } else if (n != AIO__INTR) { /* LCOV_EXCL_LINE: (AIO__INTR; or a pipe failed) */
                return n; /* LCOV_EXCL_LINE */
            }
        }
    }
    return AIO_OK;
}

/* The await's result once p was reaped. */
static aio_status aio__proc_result(aio_task *t, aio_frame *f, aio_process *p) {
    int cancelled = (p->stopping & AIO__PROC_CANCELLED) != 0;
    if (cancelled) /* what was delivered is seen again: it unwinds */
        aio__unseen_end(t, &p->view);
    p->stopping = AIO__STOP_NONE;
    p->waiter = NULL;
    if (cancelled) return aio__raise(t, f, AIO_ECANCELED);
    return p->returncode >= 0 ? p->returncode : AIO_ESIGNALED;
}

/* Send the stop's next signal: SIGTERM, or SIGKILL once the grace is over
 * (or with no grace, or `now`). */
static void aio__proc_stop_step(aio_loop *L, aio_process *p, int now) {
    int stage = p->stopping & AIO__PROC_STOP_MASK;
    if (stage == AIO__STOP_KILL || p->state != AIO__PROC_RUNNING) return;
    if (stage == AIO__STOP_NONE && p->grace) { /* (`now` comes during a stop only) */
        (void)aio__proc_send(p, SIGTERM);
        p->kill_at = aio__now(L) + p->grace;
        p->stopping = (uint8_t)((p->stopping & ~AIO__PROC_STOP_MASK) | AIO__STOP_TERM);
        return;
    }
    if (stage == AIO__STOP_TERM && !now && aio__before(aio__now(L), p->kill_at)) return;
    (void)aio__proc_send(p, AIO__SIGKILL);
    p->stopping = (uint8_t)((p->stopping & ~AIO__PROC_STOP_MASK) | AIO__STOP_KILL);
}

/* Go on with the await: the pipes' work, then the exit; parked, or done. */
static aio_status aio__proc_go(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, aio_time until,
                               const char *what) {
    aio__proc_waits w;
    aio_status rc;
    w.n = 0;
    if (p->stopping & AIO__PROC_STOP_MASK) {
        aio__proc_stop_step(t->loop, p, 0);
        if ((p->stopping & AIO__PROC_STOP_MASK) == AIO__STOP_TERM) until = p->kill_at;
        else until = AIO_NEVER;
    } else if (io) {
        rc = aio__communicate_pass(p, io, &w);
        if (rc < 0) { /* LCOV_EXCL_START: a pipe's read or write failed */
            p->waiter = NULL;
            return rc;
        } /* LCOV_EXCL_STOP */
    }
    if (!w.n && aio__proc_reap(p)) return aio__proc_result(t, f, p);
    rc = aio__proc_park(t, p, &w, until, what);
    if (rc == AIO__SUSPENDED) return rc;
    if (p->stopping & AIO__PROC_STOP_MASK) { /* no timer slot for the grace: no grace */
        aio__proc_kill_now(p);
        return aio__proc_result(t, f, p);
    }
    p->waiter = NULL;
    /* as every await: no timer slot raises; a refusal (another waiter) or a
     * table that could not grow (AIO_EIO: out of memory) is the await's value */
    return rc == AIO_ENOSPC ? aio__raise(t, f, rc) : rc;
}

static const char *aio__proc_what(const aio_communicate *io, int stop) {
    return stop ? "AIO_PROCESS_STOP" : io ? "AIO_COMMUNICATE" : "AIO_PROCESS_WAIT";
}

AIO_API aio_status aio__process_start(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop,
                                      aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    const char *what = aio__proc_what(io, stop);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, stop ? AIO__TIMEOUT_REFUSED("AIO_PROCESS_STOP: the grace period")
                                     : AIO__TIMEOUT_REFUSED("a process's await: the timeout"));
    if (stop && until == AIO_NEVER) /* (a stop that would never kill) */
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_PROCESS_STOP: the grace period is AIO_NEVER: a "
                                                        "stop needs one it can reach"));
    if (!p || (p->state != AIO__PROC_RUNNING && p->state != AIO__PROC_REAPED) || p->loop != t->loop)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "a process's await: not a process spawned on this "
                                                        "loop and not closed"));
    if (io && ((!io->input && io->input_len) || (!io->out && io->out_size) || (!io->err && io->err_size) ||
               io->input_done > io->input_len))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_COMMUNICATE: a buffer is NULL with a size, or "
                                                        "input_done is past input_len"));
    /* A stop is no checkpoint: a cancellation must not keep it from its
     * work (one that comes meanwhile hastens the SIGKILL, and stays). */
    if (!stop && aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    if (p->waiter) return aio__misuse(AIO_EBUSY, "a process's await: another task awaits the process");
    p->waiter = t;
    p->stopping = AIO__STOP_NONE;
    if (stop) {
        p->grace = d;
        aio__proc_stop_step(t->loop, p, 0);
        until = AIO_NEVER;
    }
    return aio__proc_go(t, f, p, io, until, what);
}

AIO_API aio_status aio__process_poll(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop) {
    aio_loop *L = t->loop;
    t->flags &= (uint16_t)~(AIO__T_SIGNALLED | AIO__T_CLOSED);
    aio__proc_leave(t, p);
    if (p->stopping & AIO__PROC_STOP_MASK) {
        /* a new cancellation (the one stopping it is unseen: aio__unseen_begin) kills at once */
        if (!aio__plain(t) && L->cancellation(t, AIO__OBSERVE)) aio__proc_stop_step(L, p, 1);
    } else if (aio__checkpoint(t) < 0) { /* a cancellation stops it, then is raised */
        aio__unseen_begin(t, &p->view);
        p->stopping = AIO__PROC_CANCELLED;
        aio__proc_stop_step(L, p, 0);
    } else if (aio__due(t->until, aio__now(L))) { /* unless it ended meanwhile, it runs on */
        aio__proc_waits w;
        w.n = 0;
        if (io && aio__communicate_pass(p, io, &w) < 0) w.n = 1; /* LCOV_EXCL_BR_LINE: (a pipe failed) */
        if (!w.n && aio__proc_reap(p)) return aio__proc_result(t, f, p); /* LCOV_EXCL_BR_LINE: (in one turn) */
        p->waiter = NULL;
        return AIO_ETIMEDOUT;
    }
    (void)stop;
    return aio__proc_go(t, f, p, io, t->until, aio__proc_what(io, stop));
}
#endif /* AIO__PROCESSES */
#ifndef AIO__PROCESSES
/* A build without child processes (no I/O, AIO_NO_PROCESSES, Windows with
 * AIO_NO_THREADS): each call says so (briefly: on an AVR the text is in RAM). */
static aio_status aio__no_processes(void) {
    return aio__misuse(AIO_EINVAL, "child processes are not in this build");
}
AIO_API aio_status aio_process_spawn(aio_process *p, const char *const argv[], const aio_process_options *opts) {
    (void)p; (void)argv; (void)opts;
    return aio__no_processes();
}
AIO_API aio_status aio_process_signal(aio_process *p, int signo) {
    (void)p; (void)signo;
    return aio__no_processes();
}
AIO_API aio_status aio_process_terminate(aio_process *p) { return aio_process_signal(p, 15); }
AIO_API aio_status aio_process_kill(aio_process *p) { return aio_process_signal(p, 9); }
AIO_API aio_status aio_process_set_grace(aio_process *p, aio_time grace) {
    (void)p; (void)grace;
    return aio__no_processes();
}
AIO_API int aio_process_returncode(const aio_process *p) {
    (void)p;
    return AIO_EINPROGRESS;
}
AIO_API aio_status aio_process_end_input(aio_process *p) {
    (void)p;
    return aio__no_processes();
}
AIO_API aio_status aio_process_close(aio_process *p) {
    (void)p;
    return AIO_OK;
}
AIO_API aio_status aio__process_start(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop,
                                      aio_time d) {
    (void)t; (void)f; (void)p; (void)io; (void)stop; (void)d;
    return aio__no_processes();
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__process_poll(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop) {
    (void)t; (void)f; (void)p; (void)io; (void)stop;
    return AIO_EINVAL;
}
#endif

