// >>conditions
/* -------------------------------------------------------------- conditions */

AIO_API aio_status aio_condition_init(aio_condition *cond, aio_lock *lock) {
    if (!cond) return aio__misuse(AIO_EINVAL, "aio_condition_init: the condition is NULL");
    aio__list_init(&cond->waiters);
    cond->lock = lock; /* (NULL: every wait and notify is refused) */
    if (!lock) return aio__misuse(AIO_EINVAL, "aio_condition_init: the lock is NULL");
    return AIO_OK;
}

AIO_API int aio_condition_notify(aio_condition *cond, int n) {
    int woken = 0;
    if (!cond->lock || cond->lock->locked != AIO__LOCK_HELD)
        return aio__misuse(AIO_EINVAL, "aio_condition_notify: the condition's lock is not held");
    while (woken < n && aio__wake_first(&cond->waiters, AIO__T_GRANTED)) woken++;
    return woken;
}

AIO_API int aio_condition_notify_all(aio_condition *cond) {
    return aio_condition_notify(cond, INT_MAX);
}

/* A condition wait is a wait for the notification and then a wait to take
 * the lock back (asyncio's Condition.wait). In the second, a cancellation
 * or a deadline that arrives sends the task to the back of the lock's queue
 * (one handed the lock it could not use passes it on), and is reported once
 * the task holds the lock again: the lock is held whenever the wait ends. */
static aio_status aio__cond_relock(aio_task *t, aio_frame *f, aio_condition *c, int woken) {
    aio_lock *lock = c->lock;
    uint16_t outcome;
    const uint16_t relock_flags = AIO__T_RELOCK | AIO__T_RELOCK_RAISE | AIO__T_RELOCK_TIMEOUT |
                                  AIO__T_RELOCK_NOSPC | AIO__T_NOTIFIED | AIO__T_FIRED;
    if (t->flags & AIO__T_GRANTED) {
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        lock->locked = AIO__LOCK_HELD;
        if (!aio__new_cancellation(t)) goto relocked;
        aio__pass_lock(&lock->waiters, &lock->locked);
        t->flags |= AIO__T_RELOCK_RAISE;
    } else if (woken) {
        if (aio__checkpoint(t) < 0)
            t->flags |= AIO__T_RELOCK_RAISE;
        else if (aio__until_due(t) &&
                 !(t->flags & (AIO__T_RELOCK_RAISE | AIO__T_FIRED)))
            t->flags |= AIO__T_RELOCK_TIMEOUT;
    }
    /* A deadline that has fired is not armed again; t->until keeps it, as
     * AIO_COND_WAIT_FOR's one deadline for the waits that follow. */
    if (aio__until_due(t)) t->flags |= AIO__T_FIRED;
    if (!aio__try_take(&lock->waiters, &lock->locked, NULL)) {
        AIO__WAITS_ON(t->loop, AIO_ON_LOCK, lock, 0); /* taking the lock back */
        if (aio__park(t, !(t->flags & AIO__T_FIRED), 1) != AIO__SUSPENDED)
            aio__park(t, 0, 0); /* no timer slot: still take the lock back */
        t->flags |= AIO__T_RELOCK;
        aio__wait_in(t, &lock->waiters);
        return AIO__SUSPENDED;
    }
relocked:
    outcome = t->flags & relock_flags;
    t->flags &= (uint16_t)~relock_flags;
    /* A notification it took and cannot use goes to the next waiter (no
     * wake-up is lost; CPython 3.13 does the same, gh-112202). */
    if ((outcome & AIO__T_NOTIFIED) && (outcome & (AIO__T_RELOCK_RAISE | AIO__T_RELOCK_TIMEOUT)))
        (void)aio__wake_first(&c->waiters, AIO__T_GRANTED);
    if (outcome & AIO__T_RELOCK_RAISE) return aio__raise(t, f, AIO_ECANCELED);
    if (outcome & AIO__T_RELOCK_NOSPC) return aio__raise(t, f, AIO_ENOSPC);
    return (outcome & AIO__T_RELOCK_TIMEOUT) ? AIO_ETIMEDOUT : AIO_OK;
}

static aio_status aio__cond_park(aio_task *t, aio_condition *c) {
    aio_status rc;
    AIO__WAITS_ON(t->loop, AIO_ON_CONDITION, c, 0);
    rc = aio__park(t, 1, 1);
    if (rc == AIO__SUSPENDED) aio__wait_in(t, &c->waiters);
    return rc;
}

AIO_API aio_status aio__cond_start(aio_task *t, aio_frame *f, aio_condition *c, aio_time d,
                                   int relative) {
    aio_time until;
    aio_status rc;
    if (!c->lock || c->lock->locked != AIO__LOCK_HELD)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "condition wait: the condition's lock is "
                                                        "not held"));
    until = relative ? aio__deadline(t->loop, d, 1) : d; /* else AIO_COND_WAIT_FOR's own */
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("condition wait: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* lock still held */
    if (relative) aio__set_until(t, until); /* AIO_COND_WAIT_FOR armed its deadline once */
    t->flags &= (uint16_t)~(AIO__T_RELOCK | AIO__T_RELOCK_RAISE | AIO__T_RELOCK_TIMEOUT |
                            AIO__T_RELOCK_NOSPC | AIO__T_NOTIFIED | AIO__T_FIRED);
    rc = aio__cond_park(t, c);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc); /* the lock is still held */
    aio_lock_release(c->lock);
    return rc;
}

AIO_API aio_status aio__cond_poll(aio_task *t, aio_frame *f, aio_condition *c) {
    if (t->flags & AIO__T_RELOCK) return aio__cond_relock(t, f, c, 1);
    if (t->flags & AIO__T_GRANTED) { /* notified */
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        if (aio__checkpoint(t) < 0) { /* cancelled before it ran: the next waiter gets it */
            aio__wake_first(&c->waiters, AIO__T_GRANTED);
            t->flags |= AIO__T_RELOCK_RAISE;
        } else {
            t->flags |= AIO__T_NOTIFIED; /* passed on if the relock then fails */
        }
    } else if (aio__checkpoint(t) < 0) {
        t->flags |= AIO__T_RELOCK_RAISE;
    } else if (aio__until_due(t)) {
        t->flags |= AIO__T_RELOCK_TIMEOUT;
    } else if (aio__cond_park(t, c) == AIO__SUSPENDED) {
        return AIO__SUSPENDED;
    } else { /* woken by a re-arm that found no timer slot: report it with the lock held */
        t->flags |= AIO__T_RELOCK_NOSPC;
    }
    return aio__cond_relock(t, f, c, 0);
}

