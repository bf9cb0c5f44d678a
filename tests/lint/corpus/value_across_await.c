/* SPDX-License-Identifier: MIT */
/* A value computed before an await and used after it. */
#include <stdio.h>
#include "aio_timeout.h"

int compute(void);

aio_status worker(aio_task *t) {
    AIO_BEGIN(t);
    int v;
    v = compute();
    AIO_SLEEP(t, AIO_MS(5));
    printf("%d\n", v); /* expect: v after 12 */
    AIO_END(t);
}

aio_status initialised(aio_task *t) {
    AIO_BEGIN(t);
    {
        int w = compute(); /* expect: init w skipped by 21 */
        AIO_YIELD(t);
        printf("%d\n", w + 1); /* expect: w after 21 */
    }
    AIO_END(t);
}
