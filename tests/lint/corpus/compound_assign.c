/* SPDX-License-Identifier: MIT */
/* A running total kept in a local. */
#include <stdio.h>
#include "aio_timeout.h"

int sample(void);

aio_status totals(aio_task *t) {
    long total = 0;
    int k;
    AIO_BEGIN(t);
    total = 0;
    for (k = 0; k < 4; k++) { /* expect: k after 15 */
        total += sample(); /* expect: total after 15 */
        AIO_SLEEP(t, AIO_MS(10));
    }
    printf("%ld\n", total); /* expect: total after 15 */
    AIO_END(t);
}
