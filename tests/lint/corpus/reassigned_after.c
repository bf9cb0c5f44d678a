/* SPDX-License-Identifier: MIT */
/* Assigned again after the await before it is read: fine. Read only
 * before the await: fine too. */
#include <stdio.h>
#include "aio_timeout.h"

int compute(void);

aio_status reassigned(aio_task *t) {
    int v;
    AIO_BEGIN(t);
    v = compute();
    printf("%d\n", v);
    AIO_SLEEP(t, AIO_MS(5));
    v = compute();
    printf("%d\n", v);
    v += 1;
    printf("%d\n", v);
    AIO_END(t);
}

aio_status used_before(aio_task *t) {
    AIO_BEGIN(t);
    {
        int before = compute();
        printf("%d\n", before * 2);
    }
    AIO_SLEEP(t, AIO_MS(5));
    printf("done\n");
    AIO_END(t);
}
