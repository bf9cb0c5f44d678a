/* SPDX-License-Identifier: MIT */
/* The same loop with its counter in the state struct: nothing to report. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_task task; int i; } ticker_t;

aio_status ticker(aio_task *t) {
    ticker_t *s = AIO_SELF(t, ticker_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 3; s->i++) {
        printf("tick %d\n", s->i);
        AIO_SLEEP(t, AIO_MS(100));
    }
    AIO_END(t);
}
