// >>platform
/* ------------------------------------------------ what the backends share */

/* The three backends of the platform's table (see "the platform's table",
 * in "sockets"), each in a section of its own: POSIX and Windows (above,
 * with the rest of "the system's interface") and the simulation (below).
 * Each gives every slot; this section has what the system's two share of
 * child processes: a child's pipes closed, and the system's list of a
 * loop's children (a child's states are in "the system's interface"). */
#ifdef AIO__PROCESSES
/* The table's process slots, which each backend gives (the rest of "child
 * processes" is the same on all), as the wrappers there name them:
 *
 *   aio__proc_start: start the program, fill p from zero (pid, the parent's
 *       ends of its pipes, pidfd: a descriptor readable once it exited, or
 *       -1 where SIGCHLD tells), AIO_OK or a status with nothing left behind;
 *   aio__proc_reap: 1 once it ended (returncode kept, pidfd closed), 0 while
 *       it runs; aio__proc_kill_now: kill it and reap it (blocking: a killed
 *       process ends at once);
 *   aio__proc_send: a signal (on Windows SIGTERM and SIGKILL only: both end it);
 *   aio__proc_release: once its pipes are closed, what else it holds;
 *   aio__pipe_read, aio__pipe_write: as aio__net_recv and aio__net_send, on
 *       the parent's end of a pipe;
 *   aio__children_of: the list of a loop's children (NULL: it cannot have
 *       any);
 * and, outside the table (the system's alone), aio__children_done: the
 * loop's last child is gone (its SIGCHLD route). */

/* Close the parent's ends of p's pipes and mark them closed: with `system`
 * by the system's close alone (a loop destroyed, a start undone: real
 * descriptors, whatever table is installed), else each as aio_close does
 * (forgotten by the loop, closed by the thread's table). */
static void aio__proc_close_pipes(aio_process *p, int system) {
    aio_socket *end[3];
    int i;
    end[0] = &p->in;
    end[1] = &p->out;
    end[2] = &p->err;
    for (i = 0; i < 3; i++) {
        int fd = aio__fd(*end[i]);
        if (fd >= 0 && system) (void)aio__net_closesocket(fd);
        if (fd >= 0 && !system) (void)aio_close(*end[i]);
        *end[i] = (aio_socket)-1;
    }
}

/* The system's wait keeps its loop's children (NULL: the loop waits through
 * a port of its own, which cannot tell a child's exit). */
static aio_process **aio__sys_children_of(aio_loop *L) {
    return AIO__SYSTEM_PORT(L) ? &aio__sysio_of(L)->children : NULL;
}
#endif /* AIO__PROCESSES */

