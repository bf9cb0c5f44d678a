// >>many
/* ------------------------------------------------------------------------ */
/* Waiting on many, groups, events, locks                                     */
/* ------------------------------------------------------------------------ */

/* AIO_WAIT modes (asyncio.FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED). */
enum { AIO_FIRST_COMPLETED = 1, AIO_FIRST_EXCEPTION = 2, AIO_ALL_COMPLETED = 3 };

/* After AIO_WAIT (asyncio.wait's done and pending sets): reorders items so
 * that those whose task is done come first, in the order they finished, and
 * the others follow in their order; returns how many are done. */
AIO_API size_t aio_wait_sort_done(aio_wait_item *items, size_t n);
/* asyncio.as_completed(tasks, timeout): prepares `ac` to hand out the tasks
 * of items[0..n) (set each .task, spawned) in the order they finish, with one
 * deadline `timeout` from now for all (AIO_NEVER: none). A task given more
 * than once counts once, at its first index (asyncio takes a set). AIO_EINVAL
 * for a NULL array, a task never spawned, n of 0 or above INT_MAX, or an
 * invalid timeout. Then, while aio_as_completed_left(&ac) > 0,
 * AIO_NEXT_COMPLETED. */
AIO_API aio_status aio_as_completed_init(aio_as_completed *ac, aio_wait_item *items, size_t n,
                                         aio_time timeout);
AIO_API size_t aio_as_completed_left(const aio_as_completed *ac);

/* tg.create_task(): spawn `t` into an open group. The group owns it: the
 * first child that fails cancels the group's body and every other child.
 * AIO_EINVAL if the group is not open or is shutting down. */
AIO_API aio_status aio_group_spawn(aio_group *g, aio_task *t, aio_task_fn fn);
/* After the block: AIO_OK, or the first error (a child's failure, else the
 * body's own error). Each child's own status stays in its task. */
AIO_API aio_status aio_group_status(const aio_group *g);
/* Cancel the group's body and children from anywhere (Trio's
 * cancel_scope.cancel()); the block then ends without error. 1 if this
 * cancelled it, 0 if it was already cancelled or not open. */
AIO_API int aio_group_cancel(aio_group *g);

/* Set the event: every waiter wakes, on the waiters' loop. Safe from an
 * interrupt handler or another thread (with AIO_CRITICAL_ENTER/EXIT). */
AIO_API void aio_event_set(aio_event *ev);
AIO_API void aio_event_clear(aio_event *ev);
AIO_API int aio_event_is_set(const aio_event *ev);

/* `value` permits; `bound` > 0 makes a BoundedSemaphore (release beyond it is
 * AIO_EINVAL). A release that would take the count past INT_MAX is AIO_EINVAL
 * too. AIO_OK, or AIO_EINVAL for a NULL semaphore, a negative value or bound,
 * a value above the bound (asyncio's ValueError): then it has no permit. */
AIO_API aio_status aio_semaphore_init(aio_semaphore *sem, int value, int bound);
AIO_API aio_status aio_semaphore_release(aio_semaphore *sem);
AIO_API int aio_semaphore_value(const aio_semaphore *sem);
/* AIO_EINVAL if the lock is not locked. A release hands the lock to the
 * oldest waiter; until that waiter runs the lock is nobody's, as in asyncio:
 * aio_lock_locked() reads 0, later acquirers still queue behind the waiter,
 * and a second release, a notify or a condition wait is AIO_EINVAL. */
AIO_API aio_status aio_lock_release(aio_lock *lock);
AIO_API int aio_lock_locked(const aio_lock *lock);
/* AIO_OK, or AIO_EINVAL for a NULL condition or lock (asyncio makes a lock of
 * its own: here the program gives one, which it shares with the condition). */
AIO_API aio_status aio_condition_init(aio_condition *cond, aio_lock *lock);
/* Wake up to n waiters (the lock must be held); returns how many. */
AIO_API int aio_condition_notify(aio_condition *cond, int n);
AIO_API int aio_condition_notify_all(aio_condition *cond);

