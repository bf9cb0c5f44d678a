/* SPDX-License-Identifier: MIT */
/* Awaits on both branches, the read after they join: both lines named. */
#include <stdio.h>
#include "aio_timeout.h"

int fast(void);
int compute(void);

aio_status join(aio_task *t) {
    int v;
    AIO_BEGIN(t);
    v = compute();
    if (fast())
        AIO_YIELD(t);
    else
        AIO_SLEEP(t, AIO_MS(10));
    printf("%d\n", v); /* expect: v after 14,16 */
    AIO_END(t);
}
