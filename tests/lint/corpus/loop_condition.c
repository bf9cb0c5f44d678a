/* SPDX-License-Identifier: MIT */
/* The local is the loop's condition. */
#include <stdio.h>
#include "aio_timeout.h"

int poll_device(void);

aio_status until_done(aio_task *t) {
    int done = 0;
    AIO_BEGIN(t);
    while (!done) { /* expect: done after 12 */
        AIO_SLEEP(t, AIO_MS(10));
        if (poll_device()) done = 1;
    }
    AIO_END(t);
}

aio_status countdown(aio_task *t) {
    int n = 3;
    AIO_BEGIN(t);
    n = 3;
    do {
        AIO_YIELD(t);
    } while (--n > 0); /* expect: n after 23 */
    AIO_END(t);
}
