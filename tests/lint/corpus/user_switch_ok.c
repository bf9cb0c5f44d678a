/* SPDX-License-Identifier: MIT */
/* A switch with no await inside: fine, and its local is used before the
 * await only. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; int mode; } job_t;

aio_status job(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    int delay;
    AIO_BEGIN(t);
    switch (s->mode) {
    case 1:
        delay = 10;
        break;
    case 2:
        delay = 20;
        break;
    default:
        delay = 0;
        break;
    }
    AIO_SLEEP(t, AIO_MS(delay));
    printf("slept\n");
    AIO_END(t);
}

aio_status falls_through(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    int delay;
    AIO_BEGIN(t);
    AIO_YIELD(t);
    switch (s->mode) {
    case 1:
        delay = 10;
        break;
    case 2:
        printf("two\n");
        /* fall through */
    default:
        break;
    }
    AIO_SLEEP(t, AIO_MS(delay)); /* expect: delay after 33 */
    AIO_END(t);
}
