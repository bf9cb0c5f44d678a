// >>sim-processes
/* ---------------------------------------------- simulation: child processes */

#ifdef AIO__PROCESSES
/* The simulated platform (aio_sim_program): a child is a task of the
 * simulation, its pipes and its exit a local pair of simulated sockets each
 * (the exit's: the child's end closed when it ends, as a pidfd turns
 * readable). A kill ends the child at once for everyone else: its ends of
 * the pipes are cut, its task cancelled, and what that task does after is
 * not seen; its sockets are closed when the task has ended. */
#ifdef AIO__SIM
typedef struct aio__sim_proc {
    struct aio__sim_proc *next;
    aio_process *p;  /* the parent's handle (NULL: closed) */
    aio_task *task;  /* the program's task, in `state` */
    char *state;     /* the program's state, then its argv */
    int ends[4];     /* the child's ends: in, out, err (-1: none), its exit's */
    uint64_t gens[4];
    int signo;       /* the signal its task was cancelled for, or that killed it */
    aio_time dies_at; /* the fault child_dies: when (if `dies`) */
    uint8_t dies;
    int code;        /* its returncode, once exited */
    uint8_t exited;  /* the parent was told (its exit end closed) */
    uint8_t cleaned; /* its task ended and its sockets were closed */
} aio__sim_proc;

static aio__sim_proc *aio__sim_proc_of(const aio_process *p) {
    aio__sim_proc *q = aio__sim_here->procs;
    while (q->p != p) q = q->next; /* (every child the simulation's loop holds has one) */
    return q;
}
/* Each of the child's sockets that is still the one it was given: closed
 * (`close`), or cut: its streams ended, whatever it tries next fails. */
static void aio__sim_proc_ends(aio__sim *s, aio__sim_proc *q, int close) {
    int i;
    for (i = 0; i < 4; i++) {
        aio__sim_sock *k = aio__sim_sock_of(s, q->ends[i], 0);
        if (!k || k->gen != q->gens[i] || (i == 2 && q->ends[2] == q->ends[1])) continue;
        if (close) {
            aio_io_forget(q->ends[i]);
            (void)aio__sim_sock_close(s, q->ends[i]);
        } else {
            aio__sim_end_stream(s, k->rx, k->tx);
            k->rx = k->tx = NULL;
            k->error = AIO_EBADF;
        }
    }
}
/* The child has exited with `code`: the parent's end of its exit reads the
 * end, its pipes end (or, while its task still runs, are cut). */
static void aio__sim_proc_exit(aio__sim *s, aio__sim_proc *q, int code) {
    q->exited = 1;
    q->code = code;
    aio__sim_mix(s, 0xE817ull << 32 | (uint32_t)code);
    q->cleaned = (uint8_t)aio_task_done(q->task);
    aio__sim_proc_ends(s, q, q->cleaned);
    if (!q->cleaned) { /* (the exit's end is the simulation's: closed now) */
        aio_io_forget(q->ends[3]);
        (void)aio__sim_sock_close(s, q->ends[3]);
    }
}
static void aio__sim_proc_check(aio__sim *s, aio__sim_proc *q);
static void aio__sim_proc_kill(aio__sim *s, aio__sim_proc *q, int signo) {
    aio__sim_proc_check(s, q); /* (a child that has ended stays as it ended) */
    if (q->exited) return;
    q->signo = signo;
    aio__sim_proc_exit(s, q, -signo);
    (void)aio_cancel(q->task);
}
/* Once its task ended: the child exits as the task did (a cancellation for
 * a signal reads -signal), or, killed before, its sockets are closed. */
static void aio__sim_proc_check(aio__sim *s, aio__sim_proc *q) {
    aio_status rc;
    if (q->cleaned || !aio_task_done(q->task)) return;
    if (q->exited) {
        q->cleaned = 1;
        aio__sim_proc_ends(s, q, 1);
        return;
    }
    rc = aio_task_result(q->task);
    if (rc == AIO_ECANCELED && !q->signo) q->signo = AIO__SIGKILL; /* (by no signal: the loop's end kills it) */
    aio__sim_proc_exit(s, q, rc >= 0 ? rc & 255 : rc == AIO_ECANCELED ? -q->signo : 1);
}
/* A turn, or a death due: a child dies (the fault), a child whose task
 * ended exits, and one that has ended and was closed is forgotten. */
static void aio__sim_procs_turn(aio__sim *s) {
    aio__sim_proc **at = &s->procs;
    while (*at) {
        aio__sim_proc *q = *at;
        if (q->dies && !aio__before(s->loop->now, q->dies_at)) {
            q->dies = 0;
            aio__sim_proc_kill(s, q, AIO__SIGKILL);
        }
        aio__sim_proc_check(s, q);
        if (q->cleaned && !q->p) {
            *at = q->next;
            AIO_FREE(q->state);
            AIO_FREE(q);
        } else {
            at = &q->next;
        }
    }
}
/* The simulation ends (no task is alive): its children are closed, those
 * not reaped killed (-9) unless they had ended, as the system's are. */
static void aio__sim_procs_release(aio__sim *s) {
    while (s->children) {
        aio_process *p = s->children;
        aio__sim_proc *q = aio__sim_proc_of(p);
        s->children = p->next;
        aio__sim_proc_check(s, q);
        /* (not exited: only a world ended with tasks alive, by the runner) */
        if (p->state == AIO__PROC_RUNNING) p->returncode = q->exited ? q->code : -AIO__SIGKILL; /* LCOV_EXCL_BR_LINE */
        p->in = p->out = p->err = (aio_socket)-1; /* (the sockets: all closed next) */
        p->pidfd = -1;
        p->state = AIO__PROC_CLOSED;
        p->loop = NULL;
        p->next = NULL;
    }
    while (s->procs) {
        aio__sim_proc *q = s->procs;
        s->procs = q->next;
        AIO_FREE(q->state);
        AIO_FREE(q);
    }
}

/* A child of another loop (started before the simulation, beside it) is
 * the system's: the calls on it are passed on. */
#define AIO__SIM_OWNS(L) (aio__sim_here->loop == (L))
static aio_status aio__sim_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                      aio_loop *L) {
    aio__sim *s = aio__sim_here;
    const aio__sim_program *prog = NULL;
    aio__sim_proc *q;
    aio_sim_child *child;
    char **args;
    char *text;
    size_t at;
    size_t bytes = 0;
    int host = aio__sim_here_host(s);
    int mine[4] = {-1, -1, -1, -1};
    int argc = 0;
    int i;
    if (!AIO__SIM_OWNS(L)) return aio__sys_proc_start(p, argv, opts, L);
    for (i = 0; i < s->nprograms && !prog; i++)
        if (strcmp(s->programs[i].name, argv[0]) == 0) prog = &s->programs[i];
    if (!prog) {
        errno = ENOENT;
        return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the simulation has no program of that name "
                                          "(aio_sim_program)");
    }
    while (argv[argc]) bytes += strlen(argv[argc++]) + 1;
    at = (prog->size + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    q = (aio__sim_proc *)aio__alloc_state(sizeof *q);
    if (q) q->state = (char *)aio__alloc_state(at + (size_t)(argc + 1) * sizeof(char *) + bytes);
    if (!q || !q->state) { /* (out of memory: errno ENOMEM) */
        AIO_FREE(q);
        return AIO_EIO;
    }
    child = (aio_sim_child *)(void *)(q->state + prog->child_offset);
    args = (char **)(void *)(q->state + at);
    text = (char *)(args + argc + 1);
    for (i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(text, argv[i], n);
        args[i] = text;
        text += n;
    }
    child->argc = argc;
    child->argv = args;
    for (i = 0; i < 4; i++) q->ends[i] = -1; /* (a failure below closes those made, no other) */
    for (i = 0; i < 4; i++) {
        int mode = i == 0 ? opts->in : i == 1 ? opts->out : i == 2 ? opts->err : AIO_STDIO_PIPE;
        if (mode == AIO_STDIO_STDOUT) q->ends[i] = q->ends[1];
        if (mode == AIO_STDIO_PIPE && aio__sim_pair(s, host, &mine[i], &q->ends[i]) != 0) break;
        if (q->ends[i] >= 0) q->gens[i] = s->socks[q->ends[i]].gen;
    }
    q->task = (aio_task *)(void *)(q->state + prog->task_offset);
    /* out of descriptors (errno EMFILE) for a pipe: those made closed again */
    if (i < 4 || aio_spawn(q->task, prog->fn) < 0) { /* LCOV_EXCL_BR_LINE: (a zeroed task on its loop: spawned) */
        for (i = 0; i < 4; i++) {
            if (mine[i] >= 0) (void)aio__sim_sock_close(s, mine[i]);
            if (q->ends[i] >= 0 && (i != 2 || q->ends[2] != q->ends[1])) (void)aio__sim_sock_close(s, q->ends[i]);
        }
        AIO_FREE(q->state);
        AIO_FREE(q);
        return AIO_EIO;
    }
    child->in = (aio_socket)q->ends[0];
    child->out = (aio_socket)q->ends[1];
    child->err = (aio_socket)q->ends[2];
    memset(p, 0, sizeof *p);
    p->pid = 100 + s->spawned++;
    p->in = (aio_socket)mine[0];
    p->out = (aio_socket)mine[1];
    p->err = (aio_socket)mine[2];
    p->pidfd = mine[3];
    p->state = AIO__PROC_RUNNING;
    q->p = p;
    q->next = s->procs;
    s->procs = q;
    if (aio__sim_chance(s, s->cfg.child_dies)) {
        q->dies = 1;
        q->dies_at = s->loop->now + aio__sim_upto(s, s->cfg.child_life);
        aio__sim_at(s, q->dies_at, AIO__SIM_EV_DIE, -1, 0, NULL);
    }
    return AIO_OK;
}
static int aio__sim_proc_reap(aio_process *p) {
    aio__sim_proc *q;
    if (!AIO__SIM_OWNS(p->loop)) return aio__sys_proc_reap(p);
    if (p->state != AIO__PROC_RUNNING) return 1;
    q = aio__sim_proc_of(p);
    aio__sim_proc_check(aio__sim_here, q);
    if (!q->exited) return 0;
    p->returncode = q->code;
    p->state = AIO__PROC_REAPED;
    (void)aio_close(p->pidfd);
    p->pidfd = -1;
    return 1;
}
static void aio__sim_proc_kill_now(aio_process *p) {
    if (!AIO__SIM_OWNS(p->loop)) {
        aio__sys_proc_kill_now(p);
        return;
    }
    if (p->state != AIO__PROC_RUNNING) return;
    aio__sim_proc_kill(aio__sim_here, aio__sim_proc_of(p), AIO__SIGKILL);
    (void)aio__sim_proc_reap(p);
}
static int aio__sim_proc_send(aio_process *p, int signo) {
    aio__sim_proc *q;
    if (!AIO__SIM_OWNS(p->loop)) return aio__sys_proc_send(p, signo);
    q = aio__sim_proc_of(p);
    switch (aio__sys_signal_effect(signo)) {
    case AIO__SIGNAL_NONE: return -1;
    case AIO__SIGNAL_ENDS: aio__sim_proc_kill(aio__sim_here, q, signo); break;
    default:
        aio__sim_proc_check(aio__sim_here, q);
        if (!q->exited) {
            q->signo = signo;
            (void)aio_cancel(q->task);
        }
    }
    return 0;
}
static void aio__sim_proc_release(aio_process *p) {
    if (!AIO__SIM_OWNS(p->loop)) {
        aio__sys_proc_release(p);
        return;
    }
    aio__sim_proc_of(p)->p = NULL;
}
static aio_status aio__sim_pipe_read(int fd, void *buf, size_t len) {
    return aio__sim_recv(fd, buf, len, "AIO_COMMUNICATE");
}
static aio_status aio__sim_pipe_write(int fd, const void *buf, size_t len) {
    return aio__sim_send(fd, buf, len, "AIO_COMMUNICATE");
}
/* The simulation's loop keeps its children; another loop's are the system's. */
static aio_process **aio__sim_children_of(aio_loop *L) {
    return AIO__SIM_OWNS(L) ? &aio__sim_here->children : aio__sys_children_of(L);
}
#endif /* AIO__SIM */
#endif /* AIO__PROCESSES */
