/* SPDX-License-Identifier: MIT */
/* The state pointer derived before AIO_BEGIN runs on every entry: fine.
 * Derived once inside the body, it is lost at the first await. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_frame frame; int n; } sub_t;
typedef struct { aio_task task; sub_t sub; int n; } job_t;

aio_status good(aio_task *t) {
    job_t *s = AIO_CONTAINER(t, job_t, task);
    sub_t *sub = &s->sub;
    AIO_BEGIN(t);
    s->n = 0;
    AIO_SLEEP(t, AIO_MS(1));
    s->n++;
    sub->n = s->n;
    AIO_YIELD(t);
    printf("%d %d\n", s->n, sub->n);
    AIO_END(t);
}

aio_status bad(aio_task *t) {
    job_t *s;
    AIO_BEGIN(t);
    s = AIO_SELF(t, job_t);
    s->n = 0;
    AIO_SLEEP(t, AIO_MS(1));
    s->n++; /* expect: s after 28 */
    AIO_END(t);
}
