// >>waking
/* ----------------------------------------------------- queues and waking */

/* The task whose own place in a list is `l`, and the byte after a link,
 * which says whose the place is: AIO__FOREIGN in an aio_waiter (the
 * task it wakes is then its `task`), else the state of the task around it. */
#define AIO__TASK_OF(l) AIO_CONTAINER(l, aio_task, wait)
#define AIO__MARK(l) (((const unsigned char *)(const void *)(l))[sizeof(aio_link)])
typedef char aio__mark_at_state[offsetof(aio_task, state) - offsetof(aio_task, wait) == sizeof(aio_link) &&
                                        offsetof(aio_waiter, mark) == sizeof(aio_link)
                                    ? 1
                                    : -1];

/* The ready queue is initialised with its loop: no lazy set-up to test. */
static int aio__ready_empty(const aio_loop *L) { return L->ready.next == &L->ready; }

/* The oldest entry of the ready queue, which is not empty: a turn takes
 * entries up to the last one queued before it began, which nothing takes
 * out of the queue before it (a ready task stays queued until it runs). */
static aio_link *aio__dequeue(aio_loop *L) {
    aio_link *first;
    AIO_CRITICAL_ENTER();
    first = L->ready.next; /* a linked node: no test, and `next` alone says unlinked */
    L->ready.next = first->next;
    first->next->prev = &L->ready;
    first->next = NULL;
    AIO_CRITICAL_EXIT();
    return first;
}

/* Parked task t leaves whatever it waits on and becomes ready (its timer
 * disarmed): aio__wake's, inline where one wake-up counts. The timer goes
 * last, so that the rest calls nothing before it (its place in the heap is
 * all it changes, which nothing here reads). */
static AIO__ALWAYS_INLINE void aio__wake_parked(aio_task *t) {
    AIO_CRITICAL_ENTER();
    aio__list_unlink(&t->wait.link);
    AIO_CRITICAL_EXIT();
    aio__enqueue(t);
    AIO__TRACE(t->loop, AIO_TRACE_WAKE, t, NULL, AIO_TRACE_NONE, 0); /* (why: aio__trace) */
    if (t->timer) aio__remove_timer_here(t);
}

/* t leaves whatever it waits on and becomes ready (its timer disarmed: the
 * removal inline where time counts). */
static void aio__wake(aio_task *t) {
#if AIO__SPEED
    if (t->timer) aio__remove_timer_here(t);
#else
    aio__disarm(t);
#endif
    if (t->state != AIO__PARKED) return;
    AIO_CRITICAL_ENTER();
    aio__list_unlink(&t->wait.link);
    AIO_CRITICAL_EXIT();
    aio__enqueue(t);
    AIO__TRACE(t->loop, AIO_TRACE_WAKE, t, NULL, AIO_TRACE_NONE, 0); /* (why: aio__trace) */
}

/* The task that the place `n` in a list wakes: its own (the task around it)
 * or an aio_waiter's (AIO_WAIT's and as_completed's items in a task's
 * joiners). */
#define AIO__WAITER_OF(n) \
    (AIO__MARK(n) == AIO__FOREIGN ? ((aio_waiter *)(void *)(n))->task : AIO__TASK_OF(n))

/* w, taken out of a wait list, woken if it still waits there (a waiter
 * already woken by something else keeps that), marked with `flag`: what
 * woke it. */
static void aio__wake_by(aio_task *w, uint16_t flag) {
    if (w->state == AIO__PARKED) {
        w->flags |= flag;
        aio__wake(w);
    }
}

/* Hand what `l` waits for to its oldest waiter, marking it with `flag`; 0
 * if nobody waits. A list of tasks' own places (a lock's, a queue's, a
 * condition's: the places that are not, AIO_WAIT's and as_completed's
 * items, are only ever in a task's joiners, which aio__wake_joiners wakes). */
static int aio__wake_first(aio_link *l, uint16_t flag) {
    aio_link *n;
    if (aio__list_empty(l)) return 0;
    n = l->next;
    aio__list_unlink(n);
    aio__wake_by(AIO__TASK_OF(n), flag);
    return 1;
}

/* Wake every waiter of task t's end, oldest first: tasks' own places or
 * aio_waiters, in a list that has the newest first (aio__join): from its
 * end backwards, each marked unlinked as it is woken, the list left empty.
 * (A wake-up reads no other place in it: the woken task's own place is
 * this one, or in no list while one of its items is in this one.) */
/* (through loop->joiners, set by the first join: aio__joined; each marked
 * woken by the end) */
static void aio__wake_joiners(aio_task *t) {
    aio_link *head = &t->run.joiners;
    aio_link *end = &t->loop->joined_end;
    aio_link *n = head;
    while (n->next != end) n = n->next;
    head->next = end;
    while (n != head) {
        aio_link *newer = n->prev;
        n->next = n->prev = NULL;
        aio__wake_by(AIO__WAITER_OF(n), AIO__T_SIGNALLED);
        n = newer;
    }
}

/* Wake every waiter of a list, oldest first: tasks' own places. */
static void aio__wake_all(aio_link *l, uint16_t flag) {
    while (aio__wake_first(l, flag)) {
    }
}

