// >>pool
/* ------------------------------------------ blocking calls on worker threads */

/* The pool of a loop (made at its first call, with the loop's I/O): its
 * threads take calls from a queue, oldest first, at most `max` at once. A
 * call that ends goes on the done list, and the first to get there writes
 * the system wait's wake-up. In its turn the loop takes the done list
 * (loop->events, wrapped by the pool at its start) and wakes the tasks that
 * await the calls, or frees the calls given up. The lock guards the queue,
 * the done list, the counts and each call's state; what only the loop's
 * thread touches (a call's waiter, the list of every call) is outside it.
 * At the loop's end the pool waits `timeout` (real time) for the calls
 * under way; if one is still running then, the pool is abandoned to its
 * threads: they are detached, each frees the call it ran when it returns,
 * and the last to leave frees the pool (so what a thread uses outlives it). */
#ifdef AIO__THREADS

enum { AIO__JOB_QUEUED, AIO__JOB_RUNNING, AIO__JOB_DONE };

typedef struct aio__job {
    struct aio__job *next; /* in the queue or the done list (under the lock) */
    aio_link all;          /* among the pool's calls (the loop's thread) */
    aio_thread_fn fn;
    void *data;            /* the pool's copy of the caller's data, after the call */
    aio_task *waiter;      /* the task that awaits it; NULL once given up (the loop's thread) */
    int result;            /* what fn returned (under the lock) */
    uint8_t state;         /* (under the lock) */
} aio__job;

typedef struct aio__pool {
    aio__mutex lock;
    aio__cond work;        /* threads wait on it for a call */
    aio__cond gone;        /* the loop's end waits on it for the threads to leave */
    aio__job *queue;       /* calls not started, oldest first */
    aio__job *queue_tail;
    aio__job *done;        /* calls ended, newest first */
    int threads;           /* started */
    int idle;              /* of them, waiting for a call */
    int busy;              /* of them, running one */
    int queued;
    int max;
    int stopping;
    int left;              /* threads that have left (the loop ends) */
    int abandoned;         /* a call outlived the loop's end: the last thread to leave frees the pool */
    aio_time timeout;      /* how long the loop's end waits for the calls under way */
    aio__waker waker;      /* what wakes the system's wait */
    aio__thread *workers;  /* `threads` of them (the loop's thread) */
    aio_link jobs;         /* every call not freed (the loop's thread) */
    uint32_t awaited;      /* calls a task awaits, not handed over yet (the loop's thread) */
    void (*io_release)(aio_io *io); /* the system wait's own, called after the pool's */
    void (*io_wait)(aio_io *io, aio_loop *L, aio_time deadline); /* the system wait's own */
} aio__pool;

static void aio__pool_release(aio_io *io);
static int aio__pool_events(aio_loop *L, int op);
static void aio__pool_wait(aio_io *io, aio_loop *L, aio_time deadline);

/* The pool's memory freed: its threads have left. */
static void aio__pool_free(aio__pool *p) {
    aio__mutex_done(&p->lock);
    aio__cond_done(&p->work);
    aio__cond_done(&p->gone);
    AIO_FREE(p->workers);
    AIO_FREE(p);
}

/* The loop's pool, or NULL. */
static aio__pool *aio__pool_of(const aio_loop *L) {
    /* (no pool: the loop's I/O was replaced after it, aio_loop_set_io) */
    return L->io && L->io->release == aio__pool_release ? (aio__pool *)((aio__sysio *)L->io)->pool
                                                       : NULL;
}

static AIO__THREAD_MAIN(aio__worker, arg) {
    aio__pool *p = (aio__pool *)arg;
    int last;
    aio__lock(&p->lock);
    for (;;) {
        aio__job *j;
        int result;
        /* (which of these holds when a thread wakes depends on the threads' timing) */
        while (!p->stopping && (!p->queue || p->busy >= p->max)) /* LCOV_EXCL_BR_LINE */
            aio__wait_for_work(&p->work, &p->lock);
        if (p->stopping) break; /* (a call not started is dropped: its loop is going) */
        j = p->queue;
        p->queue = j->next;
        if (!p->queue) p->queue_tail = NULL;
        p->queued--;
        p->idle--;
        p->busy++;
        j->state = AIO__JOB_RUNNING;
        aio__unlock(&p->lock);
        result = j->fn(j->data);
        aio__lock(&p->lock);
        p->busy--;
        if (p->abandoned) { /* the loop is gone: nobody takes the result */
            AIO_FREE(j);
            break;
        }
        j->result = result;
        j->state = AIO__JOB_DONE;
        j->next = p->done;
        if (!p->done) aio__readiness_wake(p->waker); /* (open until the pool is let go) */
        p->done = j;
        p->idle++;
        if (p->queue) aio__signal_work(&p->work); /* (one that waited on `max` may go now) */
    }
    p->left++;
    last = p->abandoned && p->left == p->threads;
    aio__signal_work(&p->gone);
    aio__unlock(&p->lock);
    if (last) aio__pool_free(p);
    return 0;
}

/* Start one more thread (under the lock): 0, or -1 if the system refused. */
static int aio__pool_grow(aio__pool *p) {
    aio__thread *workers = (aio__thread *)AIO_REALLOC(p->workers, (size_t)(p->threads + 1) * sizeof *workers);
    if (!workers) return -1; /* (out of memory) */
    p->workers = workers;
    if (aio__thread_new(&workers[p->threads], p) != 0) return -1; /* LCOV_EXCL_LINE: out of threads */
    p->threads++;
    p->idle++;
    return 0;
}

/* The loop's pool, made with the loop's I/O at the first call. */
static aio__pool *aio__pool_start(aio_loop *L, const char *what, aio_status *rc) {
    aio__pool *p = aio__pool_of(L);
    aio__sysio *sio;
    if (p) return p;
    if (!aio__io_of(L)) {
        *rc = AIO_EIO; /* (the system's wait could not start: out of memory or descriptors, errno says) */
        return NULL;
    }
    if (!AIO__SYSTEM_PORT(L)) {
        *rc = aio__misuse(AIO_EINVAL, what); /* (the message says: a port of its own) */
        return NULL;
    }
    sio = (aio__sysio *)L->io;
    p = (aio__pool *)aio__zalloc(sizeof *p);
    if (!p) { /* (out of memory) */
        *rc = AIO_EIO;
        return NULL;
    }
    aio__mutex_init(&p->lock);
    aio__cond_init(&p->work);
    aio__cond_init(&p->gone);
    p->max = AIO_THREADS_MAX;
    p->timeout = AIO_THREADS_TIMEOUT;
    p->waker = aio__readiness_waker(sio);
    aio__list_init(&p->jobs);
    p->io_release = sio->io.release;
    p->io_wait = sio->io.wait;
    sio->pool = p;
    sio->io.release = aio__pool_release;
    sio->io.wait = aio__pool_wait;
    aio__use_events(L, aio__pool_events);
    return p;
}

static void aio__job_free(aio__job *j) {
    aio__list_unlink(&j->all);
    AIO_FREE(j);
}

/* Wait (under the lock) until every thread has left, the calls under way
 * given the pool's timeout (threads not in a call leave at once): 1, or 0
 * if a call is still under way when it has passed. */
static int aio__pool_wait_threads(aio__pool *p) {
    aio__wall end;
    aio__wall_after(&end, p->timeout == AIO_NEVER ? 0 : p->timeout);
    while (p->left < p->threads) {
        if (!p->busy || p->timeout == AIO_NEVER)
            aio__wait_for_work(&p->gone, &p->lock);
        else if (!aio__wait_until(&p->gone, &p->lock, &end) && p->busy) /* LCOV_EXCL_BR_LINE: (timing) */
            return 0;
    }
    return 1;
}

/* Free every call no thread runs (under the lock): the tasks that awaited
 * them are gone, and one still running is its thread's to free. */
static void aio__pool_drop_calls(aio__pool *p) {
    aio_link *n = p->jobs.next;
    while (n != &p->jobs) {
        aio__job *j = (aio__job *)(void *)((char *)n - offsetof(aio__job, all));
        n = n->next;
        if (j->state != AIO__JOB_RUNNING) aio__job_free(j);
    }
}

/* Join the threads (they have left), then free the pool. */
static void aio__pool_join(aio__pool *p) {
    int i;
    for (i = 0; i < p->threads; i++) aio__thread_join(p->workers[i]);
    aio__pool_free(p);
}

/* The loop destroyed: drop the calls not started, wait for those under way
 * (at most the pool's timeout), free the calls, give the loop's I/O its own
 * release back and call it. The threads are joined, or, with a call still
 * under way, detached with the pool left to them (aio__worker frees it). */
static void aio__pool_release(aio_io *io) {
    aio__sysio *sio = (aio__sysio *)io;
    aio__pool *p = (aio__pool *)sio->pool;
    int all_left;
    int i;
    aio__lock(&p->lock);
    p->stopping = 1;
    aio__broadcast_work(&p->work);
    all_left = aio__pool_wait_threads(p);
    p->abandoned = !all_left;
    aio__pool_drop_calls(p);
    for (i = 0; i < p->threads && !all_left; i++) aio__thread_detach(p->workers[i]);
    sio->pool = NULL;
    io->release = p->io_release;
    io->wait = p->io_wait;
    aio__unlock(&p->lock); /* (abandoned: p is its threads' from here) */
    if (all_left)
        aio__pool_join(p);
    else
        (void)aio__misuse(AIO_ETIMEDOUT, "aio_loop_destroy: a call on a worker thread did not end within the "
                                         "pool's timeout (aio_loop_set_threads_timeout): its thread is left "
                                         "running, detached, and frees the call and the pool when it returns");
    io->release(io);
}

/* The calls that ended, handed to the tasks that await them (in the order
 * they ended); those given up are freed. */
static void aio__pool_reap(aio_loop *L, aio__pool *p) {
    aio__job *j;
    aio__job *oldest = NULL;
    (void)L;
    aio__lock(&p->lock);
    j = p->done;
    p->done = NULL;
    aio__unlock(&p->lock);
    while (j) {
        aio__job *next = j->next;
        j->next = oldest;
        oldest = j;
        j = next;
    }
    while (oldest) {
        aio__job *next = oldest->next;
        aio_task *w = oldest->waiter;
        if (!w) {
            aio__job_free(oldest);
        } else {
            p->awaited--;
            w->flags |= AIO__T_SIGNALLED; /* (woken already: its resumption takes it) */
            if (w->state == AIO__PARKED) {
                AIO__CAUSE(L, NULL, AIO_BY_IO);
                aio__wake(w);
                AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
            }
        }
        oldest = next;
    }
}

/* The loop's work with a pool: the I/O's, then the calls that ended; a loop
 * with a call awaited is not stuck (the call's end will wake it). */
static int aio__pool_events(aio_loop *L, int op) {
    aio__pool *p = aio__pool_of(L);
    /* (p is NULL only once the loop's I/O was replaced after the pool) */
    if (p && op == AIO__EV_DRAIN) { /* LCOV_EXCL_BR_LINE */
        (void)aio__io_events(L, op);
        aio__pool_reap(L, p);
        return 0;
    }
    if (p && op == AIO__EV_STUCK && p->awaited) return 0;  /* LCOV_EXCL_BR_LINE */
    if (p && (op == AIO__EV_PEEK || op == AIO__EV_IDLE)) { /* LCOV_EXCL_BR_LINE */
        int ended;
        aio__lock(&p->lock);
        ended = p->done != NULL;
        aio__unlock(&p->lock);
        if (ended) return 1;
    }
    return aio__io_events(L, op);
}

/* The system's wait, with a pool. On the virtual clock a call takes no
 * virtual time: while a task awaits one that has not ended, the loop waits
 * for it (or for I/O) instead of moving time to its next timer. (So a call
 * that waits for something the loop will do later never ends there.) */
static void aio__pool_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__pool *p = (aio__pool *)((aio__sysio *)io)->pool;
    if (!L->is_virtual || deadline == L->now) {
        p->io_wait(io, L, deadline);
        return;
    }
    /* (a wake-up left from a call reaped earlier ends a wait early: wait
     * again until something is there to run) */
    do {
        p->io_wait(io, L, p->awaited ? AIO_NEVER : deadline);
    } while (p->awaited && aio__ready_empty(L) && !aio__any_signalled(L)); /* LCOV_EXCL_BR_LINE: (timing) */
}

/* A new call of fn over a copy of data[0..size), `extra` bytes more zeroed
 * after it, with a thread to take it: NULL, with the status in *rc, if
 * there is no memory or no thread. Not queued yet (aio__job_submit). A
 * simulation runs its calls itself: no pool, no thread. */
static aio__job *aio__job_new(aio_loop *L, aio_thread_fn fn, const void *data, size_t size, size_t extra,
                              const char *what, aio_status *rc) {
    aio__pool *p = NULL;
    size_t head = (sizeof(aio__job) + 15u) / 16u * 16u; /* (the copy aligned for any type) */
    aio__job *j;
    int short_of_threads;
    *rc = AIO_OK;
    p = aio__os()->job_pool(L, what, rc);
    if (!p && *rc < 0) return NULL;
    j = (aio__job *)aio__alloc_state(head + size + extra);
    if (!j) { /* (out of memory) */
        *rc = AIO_EIO;
        return NULL;
    }
    j->fn = fn;
    j->data = (char *)j + head;
    if (size) memcpy(j->data, data, size);
    if (!p) return j; /* (the backend runs its calls itself) */
    aio__lock(&p->lock);
    short_of_threads = p->idle <= p->queued && p->threads < p->max;
    /* no thread could start (out of memory or threads) and none runs: nothing would run the call
     * (where some run, they take it) */
    if (short_of_threads && aio__pool_grow(p) != 0 && p->threads == 0) { /* LCOV_EXCL_BR_LINE */
        aio__unlock(&p->lock);
        AIO_FREE(j);
        *rc = AIO_EIO;
        return NULL;
    }
    aio__unlock(&p->lock);
    aio__list_append(&p->jobs, &j->all);
    return j;
}

/* The system's pool for a call (the table's job_pool). */
static aio__pool *aio__sys_job_pool(aio_loop *L, const char *what, aio_status *rc) {
    return aio__pool_start(L, what, rc);
}
/* The program's names (the table's names: the hook and ctx it set). */
static void aio__sys_names(aio_lookup_fn *hook, void **ctx) {
    (void)hook;
    (void)ctx;
}
/* Queue call j for the pool's threads, awaited by t (the table's). */
static void aio__job_submit(aio_task *t, aio__job *j) { aio__os()->job_submit(t, j); }
static void aio__sys_job_submit(aio_task *t, aio__job *j) {
    aio__pool *p = aio__pool_of(t->loop);
    j->waiter = t;
    p->awaited++;
    aio__lock(&p->lock);
    j->state = AIO__JOB_QUEUED;
    if (p->queue_tail)
        p->queue_tail->next = j;
    else
        p->queue = j;
    p->queue_tail = j;
    p->queued++;
    aio__signal_work(&p->work);
    aio__unlock(&p->lock);
}

/* t gives call j up (it has not been handed over, or `handed`): one not
 * started is taken off the queue and freed, one under way runs to its end
 * and is freed then. */
static void aio__job_give_up(aio_loop *L, aio__job *j, int handed) {
    if (handed) {
        aio__job_free(j);
        return;
    }
    aio__os()->job_give_up(L, j);
}
static void aio__sys_job_give_up(aio_loop *L, aio__job *j) {
    aio__pool *p = aio__pool_of(L);
    aio__job **at;
    p->awaited--;
    j->waiter = NULL;
    aio__lock(&p->lock);
    if (j->state == AIO__JOB_QUEUED) {
        aio__job *prev = NULL;
        for (at = &p->queue; *at != j; at = &(*at)->next) prev = *at;
        *at = j->next;
        if (p->queue_tail == j) p->queue_tail = prev;
        p->queued--;
        aio__unlock(&p->lock);
        aio__job_free(j);
        return;
    }
    aio__unlock(&p->lock); /* (running, or ended and not reaped: the reaper frees it) */
}

/* Park t until call j ends (queued now) or its deadline `until`. */
static aio_status aio__job_await(aio_task *t, aio_frame *f, aio__job *j, aio_time until) {
    aio_status rc;
    t->await.job = j;
    aio__set_until(t, until);
    AIO__WAITS_ON(t->loop, AIO_ON_IO, NULL, -1);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) {
        aio__job_free(j);
        return aio__raise(t, f, rc);
    }
    aio__job_submit(t, j);
    return rc;
}

/* What a task that awaits call j finds when it resumes: AIO_OK (the call
 * ended: its result and copy are in j, which the caller frees), or what the
 * await returns (the call given up: AIO_ETIMEDOUT, a raise), or parked again. */
static aio_status aio__job_outcome(aio_task *t, aio_frame *f, aio__job *j) {
    int ended = (t->flags & AIO__T_SIGNALLED) != 0;
    aio_status rc;
    t->flags &= (uint16_t)~AIO__T_SIGNALLED;
    if (aio__checkpoint(t) < 0) { /* a cancellation comes first: the result is dropped */
        aio__job_give_up(t->loop, j, ended);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    if (ended) return AIO_OK;
    if (aio__until_due(t)) { /* LCOV_EXCL_BR_LINE: (see below) */
        aio__job_give_up(t->loop, j, 0);
        return AIO_ETIMEDOUT;
    }
    /* LCOV_EXCL_START: woken with no deadline due, by a timer that found no
     * slot to move to (aio__rearm): it parks again and reports that */
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) {
        aio__job_give_up(t->loop, j, 0);
        return aio__raise(t, f, rc);
    }
    return rc;
    /* LCOV_EXCL_STOP */
}

AIO_API aio_status aio_loop_set_threads(aio_loop *L, int max) {
    aio_status rc = AIO_OK;
    aio__pool *p;
    if (max < 1 || max > 1024) return aio__misuse(AIO_EINVAL, "aio_loop_set_threads: the count is not 1 to 1024");
    p = aio__pool_start(L, "aio_loop_set_threads: the loop waits through a port of its own (aio_loop_set_io): "
                           "worker threads need the system's wait", &rc);
    if (!p) return rc;
    aio__lock(&p->lock);
    p->max = max;
    /* a higher count lets more go now: threads for the calls waiting their turn */
    while (p->idle < p->queued && p->threads < p->max) /* (a lower count: none) */
        if (aio__pool_grow(p) != 0) break; /* (out of memory or threads: those there take them) */
    aio__broadcast_work(&p->work);
    aio__unlock(&p->lock);
    return AIO_OK;
}

AIO_API aio_status aio_loop_set_threads_timeout(aio_loop *L, aio_time d) {
    aio_status rc = AIO_OK;
    aio__pool *p;
    if (d != AIO_NEVER && d >= (aio_time)(AIO_NEVER / 2))
        return aio__misuse(AIO_EINVAL, "aio_loop_set_threads_timeout: the time is beyond half the clock range");
    p = aio__pool_start(L, "aio_loop_set_threads_timeout: the loop waits through a port of its own "
                           "(aio_loop_set_io): worker threads need the system's wait", &rc);
    if (!p) return rc;
    aio__lock(&p->lock);
    p->timeout = d;
    aio__unlock(&p->lock);
    return AIO_OK;
}

AIO_API aio_status aio__thread_start(aio_task *t, aio_frame *f, aio_thread_fn fn, void *data, size_t size,
                                     aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc = AIO_OK;
    aio__job *j;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_TO_THREAD: the timeout"));
    if (!fn) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TO_THREAD: the function is NULL"));
    if (!data && size) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TO_THREAD: the data is NULL"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    j = aio__job_new(t->loop, fn, data, size, 0,
                     "AIO_TO_THREAD: the loop waits through a port of its own (aio_loop_set_io): worker "
                     "threads need the system's wait", &rc);
    if (!j) return rc; /* (out of memory, or a port of the loop's own) */
    return aio__job_await(t, f, j, until);
}

AIO_API aio_status aio__thread_poll(aio_task *t, aio_frame *f, void *data, size_t size) {
    aio__job *j = t->await.job;
    aio_status rc = aio__job_outcome(t, f, j);
    if (rc != AIO_OK) return rc;
    if (size) memcpy(data, j->data, size);
    rc = j->result;
    aio__job_free(j);
    if (rc <= AIO__RAISE) /* (the library's markers: no status) */
        return aio__misuse(AIO_EINVAL, "AIO_TO_THREAD: the function returned INT_MIN or INT_MIN + 1, which "
                                       "are not statuses");
    return rc;
}
#endif /* AIO__THREADS */

