/* SPDX-License-Identifier: MIT */
/* A local declared inside the loop body, with an initialiser the resume
 * jumps over. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; int i; } job_t;

int next(void);

aio_status job(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 3; s->i++) {
        int item = next(); /* expect: init item skipped by 16 */
        AIO_SLEEP(t, AIO_MS(1));
        printf("%d\n", item); /* expect: item after 16 */
    }
    for (s->i = 0; s->i < 3; s->i++) {
        AIO_SLEEP(t, AIO_MS(1));
        {
            int item = next(); /* after the await: fine */
            printf("%d\n", item);
        }
    }
    AIO_END(t);
}
