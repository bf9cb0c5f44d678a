/* SPDX-License-Identifier: MIT */
/* An await inside the user's own switch: its resume case would belong to
 * that switch. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; int mode; } job_t; /* modes 100, 200 */

aio_status job(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    switch (s->mode) { /* expect: switch around 14 */
    case 100:
        AIO_SLEEP(t, AIO_MS(10));
        break;
    default:
        printf("no wait\n");
        break;
    }
    AIO_END(t);
}
