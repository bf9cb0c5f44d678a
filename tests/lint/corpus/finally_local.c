/* SPDX-License-Identifier: MIT */
/* A resource handle kept in a local and released in AIO_FINALLY. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; FILE *f; } job_t;

aio_status bad(aio_task *t) {
    FILE *f = NULL;
    AIO_BEGIN(t);
    f = fopen("/dev/null", "r");
    AIO_SLEEP(t, AIO_MS(10));
    AIO_FINALLY(t);
    if (f) fclose(f); /* expect: f after 12,13; f after 12,13 */
    AIO_END(t);
}

aio_status good(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    s->f = fopen("/dev/null", "r");
    AIO_SLEEP(t, AIO_MS(10));
    AIO_FINALLY(t);
    if (s->f) fclose(s->f);
    AIO_END(t);
}
