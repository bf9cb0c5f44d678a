// >>processes-impl
/* ------------------------------------------------------- child processes */

/* A child is started with fork and exec (between them only calls that are
 * safe after a fork in a process with threads: its three streams put in
 * place, every other descriptor closed), its failure to start told
 * through a pipe that the exec closes. Its exit: a pidfd (Linux 5.3 and
 * later), which a task waits on as on any descriptor; where there is none,
 * SIGCHLD wakes the loop, which asks each child of its own whether it ended
 * (waitpid of that pid: a child the program made some other way is not
 * touched). The loop keeps its children in a list until they are closed, so
 * that its destruction can kill, reap and close whatever is left. An await
 * on a child waits on every pipe it uses and on the exit at once, as the
 * connect waits on its attempts. */
#ifdef AIO__PROCESSES

/* The calls the section makes of the platform: through the thread's table
 * (see "the platform's table"). */
static aio_process **aio__children_of(aio_loop *L) { return aio__os()->children_of(L); }
static aio_status aio__proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                  aio_loop *L) {
    return aio__os()->proc_start(p, argv, opts, L);
}
static int aio__proc_reap(aio_process *p) { return aio__os()->proc_reap(p); }
static void aio__proc_kill_now(aio_process *p) { aio__os()->proc_kill_now(p); }
static int aio__proc_send(aio_process *p, int signo) { return aio__os()->proc_send(p, signo); }
static void aio__proc_release(aio_process *p) { aio__os()->proc_release(p); }
static aio_status aio__pipe_read(int fd, void *buf, size_t len) { return aio__os()->pipe_read(fd, buf, len); }
static aio_status aio__pipe_write(int fd, const void *buf, size_t len) { return aio__os()->pipe_write(fd, buf, len); }

/* Kill, reap and close whatever children the loop has left. */
static void aio__children_release(aio__sysio *s) {
    while (s->children) {
        aio_process *p = s->children;
        s->children = p->next;
        aio__proc_kill_now(p);
        aio__proc_close_pipes(p, 1);
        aio__proc_release(p);
        p->state = AIO__PROC_CLOSED;
        p->loop = NULL;
        p->next = NULL;
    }
    aio__children_done(s);
}

AIO_API aio_status aio_process_spawn(aio_process *p, const char *const argv[], const aio_process_options *opts) {
    static const aio_process_options inherit = {NULL, NULL, AIO_STDIO_INHERIT, AIO_STDIO_INHERIT, AIO_STDIO_INHERIT};
    aio_loop *L = aio__loop;
    aio_process **kids;
    aio_status rc;
    if (!opts) opts = &inherit;
    if (!p || !argv || !argv[0] || !*argv[0])
        return aio__misuse(AIO_EINVAL, "aio_process_spawn: the process, argv or argv[0] is NULL or empty");
    if (opts->in < AIO_STDIO_INHERIT || opts->in > AIO_STDIO_DEVNULL || opts->out < AIO_STDIO_INHERIT ||
        opts->out > AIO_STDIO_DEVNULL || opts->err < AIO_STDIO_INHERIT || opts->err > AIO_STDIO_STDOUT)
        return aio__misuse(AIO_EINVAL, "aio_process_spawn: a standard stream's mode is not AIO_STDIO_INHERIT, "
                                       "_PIPE, _DEVNULL (or _STDOUT, for standard error only)");
    if (p->state == AIO__PROC_RUNNING || p->state == AIO__PROC_REAPED)
        return aio__misuse(AIO_EBUSY, "aio_process_spawn: the process is open (aio_process_close it first)");
    if (!L) return aio__misuse(AIO_EINVAL, "aio_process_spawn: no loop is running or initialised");
    if (!aio__io_of(L)) return AIO_EIO; /* (out of memory or descriptors) */
    kids = aio__children_of(L);
    if (!kids)
        return aio__misuse(AIO_EINVAL, "aio_process_spawn: the loop waits through a port of its own "
                                       "(aio_loop_set_io): child processes need the system's wait");
    rc = aio__proc_start(p, argv, opts, L);
    if (rc < 0) return rc;
    p->loop = L;
    p->grace = AIO_PROCESS_GRACE;
    p->next = *kids;
    *kids = p;
    return AIO_OK;
}

/* p, if it is a child spawned and not closed; else NULL, with a message. */
static aio_process *aio__proc_open(aio_process *p, const char *what) {
    if (p && (p->state == AIO__PROC_RUNNING || p->state == AIO__PROC_REAPED)) return p;
    (void)aio__misuse(AIO_EINVAL, what);
    return NULL;
}

AIO_API aio_status aio_process_signal(aio_process *p, int signo) {
    if (!aio__proc_open(p, "aio_process_signal: not a process spawned and not closed")) return AIO_EINVAL;
    if (p->state != AIO__PROC_RUNNING) return aio__misuse(AIO_EINVAL, "aio_process_signal: the process has ended");
    if (aio__proc_send(p, signo) != 0)
        return aio__misuse(AIO_EINVAL, AIO__BAD_SIGNAL);
    return AIO_OK;
}
AIO_API aio_status aio_process_terminate(aio_process *p) { return aio_process_signal(p, SIGTERM); }
AIO_API aio_status aio_process_kill(aio_process *p) { return aio_process_signal(p, AIO__SIGKILL); }

AIO_API aio_status aio_process_set_grace(aio_process *p, aio_time grace) {
    if (!aio__proc_open(p, "aio_process_set_grace: not a process spawned and not closed")) return AIO_EINVAL;
    if (grace >= (aio_time)(AIO_NEVER / 2))
        return aio__misuse(AIO_EINVAL, "aio_process_set_grace: the grace period is AIO_NEVER or beyond half "
                                       "the clock range");
    p->grace = grace;
    return AIO_OK;
}

AIO_API int aio_process_returncode(const aio_process *p) {
    if (!p || p->state == AIO__PROC_NONE || p->state == AIO__PROC_RUNNING) return AIO_EINPROGRESS;
    return p->returncode;
}

AIO_API aio_status aio_process_end_input(aio_process *p) {
    if (!aio__proc_open(p, "aio_process_end_input: not a process spawned and not closed")) return AIO_EINVAL;
    if (aio__fd(p->in) >= 0) (void)aio_close(p->in);
    p->in = (aio_socket)-1;
    return AIO_OK;
}

AIO_API aio_status aio_process_close(aio_process *p) {
    aio_process **at;
    if (!p || (p->state != AIO__PROC_RUNNING && p->state != AIO__PROC_REAPED)) return AIO_OK;
    if (p->waiter) return aio__misuse(AIO_EBUSY, "aio_process_close: a task awaits the process");
    aio__proc_kill_now(p);
    aio__proc_close_pipes(p, 0);
    aio__proc_release(p);
    for (at = aio__children_of(p->loop); *at != p; at = &(*at)->next) {
    }
    *at = p->next;
    p->next = NULL;
    p->loop = NULL;
    p->state = AIO__PROC_CLOSED;
    return AIO_OK;
}

