// >>locks
/* ------------------------------------------------------ locks, semaphores */

/* A lock and a semaphore share the code below: `count` is the lock's
 * `locked` or the semaphore's free permits, and `handed` is NULL for a lock,
 * else the semaphore's count of permits handed to waiters that have not run
 * yet. A lock handed on is nobody's until its new holder runs: asyncio's
 * lock reads unlocked then, and refuses a release or a condition wait. */
enum { AIO__LOCK_FREE = 0, AIO__LOCK_HELD = 1, AIO__LOCK_HANDED = 2 };

static void aio__pass_lock(aio_link *waiters, int *locked) {
    *locked = aio__wake_first(waiters, AIO__T_GRANTED) ? AIO__LOCK_HANDED : AIO__LOCK_FREE;
}

/* Hand free permits to the waiters at the head of the queue (CPython 3.13
 * does this whenever an acquire ends). */
static void aio__hand_out(aio_link *waiters, int *count, int *handed) {
    while (handed && *count > 0 && aio__wake_first(waiters, AIO__T_GRANTED)) {
        --*count;
        ++*handed;
    }
}

/* Give a permit back: straight to the oldest waiter, else to the pool. */
static aio_status aio__release(aio_link *waiters, int *count, int *handed, int bound) {
    if (!handed) {
        if (*count == AIO__LOCK_HANDED)
            return aio__misuse(AIO_EINVAL, "aio_lock_release: the lock was already released and "
                                           "handed to a waiter that has not run yet");
        if (*count != AIO__LOCK_HELD)
            return aio__misuse(AIO_EINVAL, "aio_lock_release: the lock is not locked");
        aio__pass_lock(waiters, count);
        return AIO_OK;
    }
    if (bound > 0 && *count >= bound)
        return aio__misuse(AIO_EINVAL, "aio_semaphore_release: released more often than acquired");
    if (*count == INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_semaphore_release: the count is at INT_MAX; "
                                       "one more permit would overflow it");
    ++*count;
    aio__hand_out(waiters, count, handed);
    return AIO_OK;
}

/* Take the lock or a permit if it is free and nobody is ahead: nobody queues
 * and nothing handed out waits to be used. */
static int aio__try_take(const aio_link *waiters, int *count, const int *handed) {
    if (!aio__list_empty(waiters)) return 0;
    if (!handed) {
        if (*count != AIO__LOCK_FREE) return 0;
        *count = AIO__LOCK_HELD;
        return 1;
    }
    if (*count <= 0 || *handed > 0) return 0;
    --*count;
    return 1;
}

static aio_status aio__acquire_park(aio_task *t, aio_frame *f, aio_link *waiters,
                                    const int *handed) {
    aio_status rc;
    /* (a lock's or semaphore's waiters are its first member: the object) */
    AIO__WAITS_ON(t->loop, handed ? AIO_ON_SEMAPHORE : AIO_ON_LOCK, waiters, 0);
    (void)handed;
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    aio__wait_in(t, waiters);
    return rc;
}

AIO_API aio_status aio__acquire_start(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                      int *handed, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("acquire: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    if (aio__try_take(waiters, count, handed)) return AIO_OK;
    aio__set_until(t, until);
    return aio__acquire_park(t, f, waiters, handed);
}

AIO_API aio_status aio__acquire_poll(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                     int *handed) {
    aio_status rc;
    if (t->flags & AIO__T_GRANTED) {
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        if (handed)
            --*handed; /* the permit is its own now */
        else /* (count and handed are fields of one lock or semaphore, which a holding block
                reads from its scope on resuming: the analyzer cannot know it is there) */
            *count = AIO__LOCK_HELD; /* NOLINT(clang-analyzer-core.NullDereference) */
        if (aio__checkpoint(t) < 0) { /* cancelled before it could use it: pass it on */
            aio__release(waiters, count, handed, 0);
            return aio__raise(t, f, AIO_ECANCELED);
        }
        aio__hand_out(waiters, count, handed);
        return AIO_OK;
    }
    /* woken by a cancellation or a deadline (it has left the queue) */
    if (aio__checkpoint(t) < 0) {
        rc = aio__raise(t, f, AIO_ECANCELED);
    } else if (aio__until_due(t)) {
        rc = AIO_ETIMEDOUT;
    } else {
        if (aio__try_take(waiters, count, handed)) return AIO_OK; /* freed while it was not queued */
        return aio__acquire_park(t, f, waiters, handed);
    }
    aio__hand_out(waiters, count, handed); /* what it would have taken goes to the next */
    return rc;
}

AIO_API aio_status aio_semaphore_init(aio_semaphore *sem, int value, int bound) {
    if (!sem) return aio__misuse(AIO_EINVAL, "aio_semaphore_init: the semaphore is NULL");
    aio__list_init(&sem->waiters);
    sem->handed = 0;
    sem->value = 0; /* (refused: a semaphore with no permit and no bound) */
    sem->bound = 0;
    if (value < 0 || bound < 0 || (bound > 0 && value > bound))
        return aio__misuse(AIO_EINVAL, "aio_semaphore_init: the value or the bound is negative, "
                                       "or the value is above the bound");
    sem->value = value;
    sem->bound = bound;
    return AIO_OK;
}
AIO_API aio_status aio_semaphore_release(aio_semaphore *sem) {
    return aio__release(&sem->waiters, &sem->value, &sem->handed, sem->bound);
}
AIO_API int aio_semaphore_value(const aio_semaphore *sem) { return sem->value; }
AIO_API aio_status aio_lock_release(aio_lock *lock) {
    return aio__release(&lock->waiters, &lock->locked, NULL, 0);
}
AIO_API int aio_lock_locked(const aio_lock *lock) { return lock->locked == AIO__LOCK_HELD; }

