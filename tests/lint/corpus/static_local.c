/* SPDX-License-Identifier: MIT */
/* static locals keep their values across awaits: fine. */
#include <stdio.h>
#include "aio_timeout.h"

aio_status counter(aio_task *t) {
    static int calls;
    static int i;
    AIO_BEGIN(t);
    calls++;
    for (i = 0; i < 3; i++)
        AIO_SLEEP(t, AIO_MS(1));
    printf("%d %d\n", calls, i);
    AIO_END(t);
}
