/* SPDX-License-Identifier: MIT */
/* After the await the local is assigned on one branch only. */
#include <stdio.h>
#include "aio_timeout.h"

int compute(void);
int ready(void);

aio_status one_branch(aio_task *t) {
    int v = 0;
    AIO_BEGIN(t);
    v = compute();
    AIO_SLEEP(t, AIO_MS(5));
    if (ready())
        v = compute();
    printf("%d\n", v); /* expect: v after 13 */
    AIO_END(t);
}

aio_status both_branches(aio_task *t) {
    int v = 0;
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    if (ready())
        v = compute();
    else
        v = -1;
    printf("%d\n", v);
    AIO_END(t);
}
