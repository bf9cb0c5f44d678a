// >>waking
/* ----------------------------------------------------- queues and waking */

#define AIO__TASK_OF(l) (((aio_waiter *)(void *)(l))->task)

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

/* t leaves whatever it waits on and becomes ready (its timer disarmed). */
static void aio__wake(aio_task *t) {
    aio__disarm(t);
    if (t->state != AIO__PARKED) return;
    AIO_CRITICAL_ENTER();
    aio__list_unlink(&t->wait.link);
    AIO_CRITICAL_EXIT();
    aio__enqueue(t);
    AIO__TRACE(t->loop, AIO_TRACE_WAKE, t, NULL, AIO_TRACE_NONE, 0); /* (why: aio__trace) */
}

/* Hand what `l` waits for to its oldest waiter, marking it with `flag` (what
 * woke it); 0 if nobody waits. A waiter already woken by something else (a
 * gather's other items) keeps that. */
static int aio__wake_first(aio_link *l, uint16_t flag) {
    aio_link *n;
    aio_task *w;
    if (aio__list_empty(l)) return 0;
    n = l->next;
    w = AIO__TASK_OF(n);
    aio__list_unlink(n);
    if (w->state == AIO__PARKED) {
        w->flags |= flag;
        aio__wake(w);
    }
    return 1;
}

/* Wake every waiter of a list, oldest first. */
static void aio__wake_all(aio_link *l, uint16_t flag) {
    while (aio__wake_first(l, flag)) {
    }
}

