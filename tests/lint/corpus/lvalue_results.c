/* SPDX-License-Identifier: MIT */
/* The await's result stored in a local, read right after: fine; read
 * after a later await: not. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; aio_event ev; aio_lock lock; } job_t;

aio_status job(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    aio_status rc;
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, rc, &s->ev, AIO_MS(100));
    printf("event: %d\n", rc);
    AIO_LOCK_ACQUIRE(t, rc, &s->lock, AIO_NEVER);
    printf("lock: %d\n", rc);
    AIO_SLEEP(t, AIO_MS(1));
    if (rc == AIO_OK) aio_lock_release(&s->lock); /* expect: rc after 17 */
    AIO_END(t);
}
