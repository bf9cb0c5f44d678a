/* SPDX-License-Identifier: MIT */
/* Locals of inner blocks, an await one block deeper. */
#include <stdio.h>
#include "aio_timeout.h"

int compute(void);
int ready(void);

aio_status nested(aio_task *t) {
    AIO_BEGIN(t);
    {
        int x;
        x = compute();
        if (ready()) {
            {
                AIO_SLEEP(t, AIO_MS(1));
            }
        }
        printf("%d\n", x); /* expect: x after 16 */
    }
    {
        int y;
        y = compute();
        printf("%d\n", y); /* read before any await in this block: fine */
    }
    AIO_END(t);
}
