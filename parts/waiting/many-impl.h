// >>many-impl
/* ------------------------------------------------------- waiting on many */

static void aio__items_unlink(aio_wait_item *items, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) aio__list_unlink(&items[i].node.link);
}

/* Is the wait over? *done = how many finished, *first = the earliest failure
 * (a child's own cancellation as AIO_ECHILDCANCELED), AIO_OK if none. */
static int aio__many_met(const aio_wait_item *items, size_t n, int mode, int parked,
                         size_t *done, aio_status *first) {
    size_t i;
    aio__count first_at = aio__count_zero();
    int failed = 0; /* a real exception: cancellation does not count */
    *done = 0;
    *first = AIO_OK;
    for (i = 0; i < n; i++) {
        const aio_task *c = items[i].task;
        aio__count at;
        if (c->state != AIO__DONE) continue;
        ++*done;
        if (c->frame.rc >= 0) continue;
        if (c->frame.rc != AIO_ECANCELED) failed = 1;
        /* failures from before the wait parked rank in argument order (as
         * asyncio sees them; a gather returns at the first of them, so those
         * found since it parked all happened while it waited), later ones in
         * the order they happened */
        at = parked ? aio__finished_at(c) : aio__count_zero();
        if (!*first || aio__count_before(&at, &first_at)) {
            first_at = at;
            *first = c->frame.rc == AIO_ECANCELED ? AIO_ECHILDCANCELED : c->frame.rc;
        }
    }
    switch (mode & 7) {
    case AIO_FIRST_COMPLETED: return *done > 0;
    case AIO_FIRST_EXCEPTION: return failed || *done == n;
    case AIO_ALL_COMPLETED: return *done == n;
    default: return *done == n || *first != AIO_OK; /* gather: all, or the first failure */
    }
}

/* The wait is over: what AIO_WAIT or AIO_GATHER stores. */
static aio_status aio__many_result(aio_wait_item *items, size_t n, int mode, size_t done,
                                   aio_status first) {
    aio__items_unlink(items, n);
    if (mode & AIO__GATHER) return (mode & 7) == AIO_ALL_COMPLETED ? AIO_OK : first;
    return (aio_status)done;
}

/* Park a wait or gather on the end of every task not finished yet. */
static aio_status aio__many_park(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                 int mode) {
    size_t i;
    int owns = 0;
    aio_status rc;
    AIO__WAITS_ON(t->loop, (mode & AIO__GATHER) ? AIO_ON_GATHER : AIO_ON_WAIT, items, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) {
        aio__items_unlink(items, n);
        return aio__raise(t, f, rc);
    }
    for (i = 0; i < n; i++) {
        aio_task *c = items[i].task;
        if (c->state == AIO__DONE) continue;
        if (!aio__linked(&items[i].node.link)) aio__join(c, &items[i].node.link);
        if (c->parent == t) owns = 1;
    }
    t->flags |= AIO__T_PARKED_ONCE;
    if ((mode & AIO__GATHER) && owns) { /* a cancellation of t is passed on to them */
        t->flags |= AIO__T_GATHERING;
        t->await.many.items = items;
        t->await.many.n = (uint32_t)n;
        t->flags = (uint16_t)((t->flags & (uint16_t)~AIO__T_GATHER_ALL) |
                              ((mode & 7) == AIO_ALL_COMPLETED ? AIO__T_GATHER_ALL : 0));
    }
    return AIO__SUSPENDED;
}

/* A cancelled gather waits for the tasks it owns to finish their cleanup. */
static aio_status aio__gather_wait_cleanup(aio_task *t) {
    AIO__WAITS_ON(t->loop, AIO_ON_GATHER, t->await.many.items, 0);
    if (aio__park(t, 0, 1) != AIO__SUSPENDED)
        aio__park(t, 0, 0); /* no timer slot: wait for them all the same */
    t->flags |= AIO__T_GATHERING;
    return AIO__SUSPENDED;
}

static aio_status aio__many_step_on(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                    int mode, int arriving) {
    size_t done;
    aio_status first;
    int met;
    if (t->flags & AIO__T_JOIN_CANCEL) { /* gather cancelled: its children clean up */
        size_t i;
        for (i = 0; i < n; i++) {
            if (items[i].task->state != AIO__DONE && aio__linked(&items[i].node.link)) {
                /* one ended and woke it; a cancel that came meanwhile found it
                 * ready, so it passes that on now */
                if (aio__new_cancellation(t)) {
                    aio_link gatherers;
                    aio__list_init(&gatherers);
                    aio__gather_pass_on(t, &gatherers);
                    aio__cancel_spread(&gatherers, NULL);
                }
                return aio__gather_wait_cleanup(t);
            }
        }
        t->flags &= (uint16_t)~AIO__T_JOIN_CANCEL;
        aio__items_unlink(items, n);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    met = aio__many_met(items, n, mode, !arriving && (t->flags & AIO__T_PARKED_ONCE), &done, &first);
    /* what it waits for was met before anything else reached this task */
    if (met && (arriving || (t->flags & AIO__T_SIGNALLED))) {
        /* asyncio's wait() suspends once even then, and counts what is done
         * when it resumes (gather, eager since 3.12, returns at once) */
        if (arriving && !(mode & AIO__GATHER)) {
            /* a cancellation already pending is delivered at that suspension;
             * one that comes during it finds the wait met (L3) */
            if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
            t->flags |= AIO__T_SIGNALLED;
            aio__enqueue(t);
            return AIO__SUSPENDED;
        }
        return aio__many_result(items, n, mode, done, first);
    }
    if (aio__checkpoint(t) < 0) {
        if (mode & AIO__GATHER) { /* cancel what it owns and wait for it; let the rest go */
            aio_link gatherers;
            aio__list_init(&gatherers);
            t->await.many.items = items;
            t->await.many.n = (uint32_t)n;
            t->flags |= AIO__T_JOIN_CANCEL;
            if (aio__gather_pass_on(t, &gatherers)) {
                aio__cancel_spread(&gatherers, NULL);
                return aio__gather_wait_cleanup(t);
            }
            t->flags &= (uint16_t)~AIO__T_JOIN_CANCEL;
        }
        aio__items_unlink(items, n);
        return arriving ? aio__yield_then_raise(t, f) : aio__raise(t, f, AIO_ECANCELED);
    }
    if (aio__until_due(t)) {
        if (arriving) { /* a zero timeout still lets the loop go round once */
            t->flags |= AIO__T_PARKED_ONCE;
            aio__enqueue(t);
            return AIO__SUSPENDED;
        }
        aio__items_unlink(items, n);
        return (aio_status)done;
    }
    if (met) return aio__many_result(items, n, mode, done, first);
    return aio__many_park(t, f, items, n, mode);
}

/* One step of the wait; once it is over, the task gathers no longer. */
static aio_status aio__many_step(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                 int mode, int arriving) {
    aio_status rc = aio__many_step_on(t, f, items, n, mode, arriving);
    if (rc != AIO__SUSPENDED) t->flags &= (uint16_t)~AIO__T_GATHERING;
    return rc;
}

AIO_API aio_status aio__many_start(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                   int mode, aio_time d) {
    size_t i;
    aio_time until;
    if (n == 0) {
        if (mode & AIO__GATHER) return AIO_OK; /* gather() of nothing */
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait: there are no tasks to wait for"));
    }
    if (!items)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait/gather: the item array is NULL"));
    if (!(mode & AIO__GATHER) && (mode < AIO_FIRST_COMPLETED || mode > AIO_ALL_COMPLETED))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait: the mode is not AIO_FIRST_COMPLETED, "
                                                        "AIO_FIRST_EXCEPTION or AIO_ALL_COMPLETED"));
    for (i = 0; i < n; i++) {
        if (!items[i].task || items[i].task->state == AIO__NEW)
            return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait/gather: an item's task was never "
                                                            "spawned"));
        if (items[i].task == t)
            return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait/gather: a task cannot wait for itself"));
        items[i].node.link.next = items[i].node.link.prev = NULL;
        items[i].node.mark = AIO__FOREIGN;
        items[i].node.task = t;
    }
    until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("wait: the timeout"));
    aio__set_until(t, until);
    if (mode & AIO__GATHER) t->loop->spread = aio__cancel_spread;
    t->flags &= (uint16_t)~(AIO__T_PARKED_ONCE | AIO__T_JOIN_CANCEL);
    return aio__many_step(t, f, items, n, mode, 1);
}

AIO_API aio_status aio__many_poll(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                  int mode) {
    return aio__many_step(t, f, items, n, mode, 0);
}

