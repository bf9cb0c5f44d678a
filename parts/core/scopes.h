// >>scopes
/* ------------------------------------------------------------------------ */
/* Timeout scopes and deadlines                                               */
/* ------------------------------------------------------------------------ */

/* Deadline of an open scope (AIO_NEVER = none). */
AIO_API aio_time aio_timeout_when(const aio_timeout *sc);
/* Move the deadline of an open, not yet expired scope (AIO_NEVER disables it).
 * May be called from another task. AIO_EINVAL otherwise. */
AIO_API aio_status aio_timeout_reschedule(aio_timeout *sc, aio_time when);
/* The same, `delay` ticks from now (AIO_NEVER disables it): with wrapping
 * ticks the way to move a deadline to a computed instant that may land on
 * AIO_NEVER, which aio_timeout_reschedule takes as "no deadline". */
AIO_API aio_status aio_timeout_reschedule_in(aio_timeout *sc, aio_time delay);
/* 1 once the scope's deadline has fired: when its time came, even inside a
 * shielded block that holds the cancellation back, or at a checkpoint. */
AIO_API int aio_timeout_expired(const aio_timeout *sc);
/* After the block: AIO_ETIMEDOUT if this scope cut it short, else AIO_OK. */
AIO_API aio_status aio_timeout_status(const aio_timeout *sc);
/* The earliest deadline of the open scopes that apply to task `t` (its
 * current task if NULL): AIO_NEVER if none, the current time if a cancellation
 * is already due. */
AIO_API aio_time aio_effective_deadline(aio_task *t);
/* Ticks left before that deadline: 0 if due, AIO_NEVER if none. */
AIO_API aio_time aio_time_left(aio_task *t);

