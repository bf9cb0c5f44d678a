// >>as-completed
/* ------------------------------------------------------------ as_completed */

/* Finished task a finished before finished task b. */
static int aio__finished_before(const aio_task *a, const aio_task *b) {
    aio__count at = aio__finished_at(a);
    aio__count bt = aio__finished_at(b);
    return aio__count_before(&at, &bt);
}

AIO_API size_t aio_wait_sort_done(aio_wait_item *items, size_t n) {
    size_t done = 0;
    size_t i;
    if (!items) return 0;
    for (i = 0; i < n; i++) { /* insertion: done ones by finishing order, before the rest */
        aio_wait_item it = items[i];
        size_t j;
        if (!it.task || it.task->state != AIO__DONE) continue;
        for (j = i; j > done; j--) items[j] = items[j - 1];
        while (j > 0 && aio__finished_before(it.task, items[j - 1].task)) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = it;
        done++;
    }
    return done;
}

/* An item already handed out: its node is unlinked and points at itself. */
static int aio__handed_out(const aio_wait_item *it) { return it->node.link.prev == &it->node.link; }

AIO_API aio_status aio_as_completed_init(aio_as_completed *ac, aio_wait_item *items, size_t n,
                                         aio_time timeout) {
    size_t i;
    if (!ac || !items || n == 0 || n > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "as_completed: the array is NULL, empty or too long");
    for (i = 0; i < n; i++)
        if (!items[i].task || items[i].task->state == AIO__NEW)
            return aio__misuse(AIO_EINVAL, "as_completed: an item's task was never spawned");
    ac->deadline = aio__deadline(items[0].task->loop, timeout, 1);
    if (ac->deadline == AIO_TIME_INVALID)
        return AIO__TIMEOUT_REFUSED("as_completed: the timeout");
    ac->left = 0;
    for (i = 0; i < n; i++) {
        size_t j = 0;
        items[i].node.link.next = items[i].node.link.prev = NULL;
        items[i].node.task = NULL;
        while (j < i && items[j].task != items[i].task) j++;
        if (j < i) /* a task given again: handed out once, at its first place */
            items[i].node.link.prev = &items[i].node.link;
        else
            ac->left++;
    }
    ac->items = items;
    ac->n = n;
    ac->expired = 0;
    ac->cutoff = aio__count_zero();
    return AIO_OK;
}

AIO_API size_t aio_as_completed_left(const aio_as_completed *ac) { return ac ? ac->left : 0; }

/* The next to hand out: the first to finish of those not handed out yet. */
static aio_status aio__next_finished(aio_as_completed *ac) {
    size_t i;
    size_t best = ac->n;
    aio__count best_at = aio__count_zero();
    for (i = 0; i < ac->n; i++) {
        const aio_task *c = ac->items[i].task;
        aio__count at;
        if (aio__handed_out(&ac->items[i]) || c->state != AIO__DONE) continue;
        at = aio__finished_at(c);
        if (ac->expired && aio__count_before(&ac->cutoff, &at)) continue; /* too late */
        if (best == ac->n || aio__count_before(&at, &best_at)) {
            best = i;
            best_at = at;
        }
    }
    if (best == ac->n) return AIO_EINPROGRESS;
    ac->items[best].node.link.prev = &ac->items[best].node.link;
    ac->left--;
    return (aio_status)best;
}

static void aio__as_completed_unlink(aio_as_completed *ac) {
    size_t i;
    for (i = 0; i < ac->n; i++)
        if (!aio__handed_out(&ac->items[i])) aio__list_unlink(&ac->items[i].node.link);
}

AIO_API aio_status aio__next_completed(aio_task *t, aio_frame *f, aio_as_completed *ac,
                                       int arriving) {
    aio_status rc;
    size_t i;
    if (arriving && (!ac || !ac->items || ac->left == 0))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "as_completed: nothing left to wait for "
                                                        "(or the iterator was not initialised)"));
    if (!arriving) aio__as_completed_unlink(ac);
    if (aio__checkpoint(t) < 0)
        return arriving ? aio__yield_then_raise(t, f) : aio__raise(t, f, AIO_ECANCELED);
    if (!ac->expired && aio__due(ac->deadline, aio__now(t->loop))) {
        /* The tasks finished by the deadline are still handed out. Woken by
         * its own timer, it takes effect when the timer fired (asyncio's
         * timeout callback): nothing had finished since it parked, or that
         * would have woken it first; a task ending in this turn, after the
         * timer, is too late. Else the deadline is found passed now. */
        ac->expired = 1;
        if (arriving || (t->flags & AIO__T_SIGNALLED)) ac->cutoff = t->loop->finished;
    }
    rc = aio__next_finished(ac);
    if (rc != AIO_EINPROGRESS) return rc;
    if (ac->expired) { /* TimeoutError for each one left */
        ac->left--;
        return AIO_ETIMEDOUT;
    }
    t->until = ac->deadline;
    if (ac->deadline != AIO_NEVER) aio__arming(t->loop, &t->until_seq);
    ac->cutoff = t->loop->finished; /* (if its own timer wakes it) */
    AIO__WAITS_ON(t->loop, AIO_ON_WAIT, ac, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    for (i = 0; i < ac->n; i++) { /* woken by the first of them to finish */
        aio_wait_item *it = &ac->items[i];
        if (aio__handed_out(it)) continue;
        it->node.mark = AIO__FOREIGN;
        it->node.task = t;
        aio__join(it->task, &it->node.link);
    }
    return rc;
}

