// >>tasks
/* ------------------------------------------------------------------------ */
/* Tasks                                                                      */
/* ------------------------------------------------------------------------ */

/* create_task(): schedule `fn` on the running loop. The spawning task owns the
 * new one: its cancellation reaches the child when it awaits it.
 * AIO_EINVAL if the task is still alive or an argument is NULL. */
AIO_API aio_status aio_spawn(aio_task *t, aio_task_fn fn);
/* task.cancel(): 1 if a request was made (delivered at the task's next
 * checkpoint), 0 if the task had already finished, AIO_EINVAL if it was never
 * spawned. */
AIO_API int aio_cancel(aio_task *t);
AIO_API aio_task *aio_current(void);
AIO_API int aio_task_done(const aio_task *t);
/* 1 while the task is alive (spawned, not finished); 0 for a zeroed task or
 * a finished one, which may be spawned (again). */
AIO_API int aio_task_alive(const aio_task *t);
AIO_API int aio_task_cancelled(const aio_task *t); /* ended with AIO_ECANCELED */
AIO_API int aio_task_failed(const aio_task *t);    /* ended with another error */
/* The task's result or error once done; AIO_EINPROGRESS before. */
AIO_API aio_status aio_task_result(const aio_task *t);
/* 1 while a cancel request waits to be delivered. */
AIO_API int aio_task_cancel_pending(const aio_task *t);

