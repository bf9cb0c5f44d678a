/* SPDX-License-Identifier: MIT */
/* A local assigned inside a timeout block, before the block's await, and
 * read after the block: lost by the await and by the block's landing. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; aio_timeout scope; } job_t;

int get(void);

aio_status job(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    int got;
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->scope, AIO_MS(10)) {
        got = get();
        AIO_SLEEP(t, AIO_MS(20));
    }
    printf("%d\n", got); /* expect: got after 15,17 */
    AIO_END(t);
}
