/* SPDX-License-Identifier: MIT */
/* A plain loop counter around an await: the classic mistake. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; } ticker_t;

aio_status ticker(aio_task *t) {
    int i;
    AIO_BEGIN(t);
    for (i = 0; i < 3; i++) { /* expect: i after 13 */
        printf("tick %d\n", i);
        AIO_SLEEP(t, AIO_MS(100));
    }
    AIO_END(t);
}
