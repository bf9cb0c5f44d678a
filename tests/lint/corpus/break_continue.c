/* SPDX-License-Identifier: MIT */
/* break and continue that skip the assignment; and inside a block in a
 * loop, where `break` ends the block, not the loop, and `continue` would act
 * on the block's own hidden loop, not on the loop around it. */
#include <stdio.h>
#include "aio_timeout.h"

int get(void);

aio_status with_break(aio_task *t) {
    int last;
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get() < 0) break;
        last = get();
    }
    printf("%d\n", last); /* expect: last after 14 */
    AIO_END(t);
}

aio_status with_continue(aio_task *t) {
    int v;
    AIO_BEGIN(t);
    while (get()) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get() == 2) continue;
        v = get();
        printf("%d\n", v);
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout to;
} poll_t;

aio_status in_a_block(aio_task *t) {
    poll_t *s = AIO_SELF(t, poll_t);
    AIO_BEGIN(t);
    while (get()) {
        AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
            AIO_SLEEP(t, AIO_MS(1));
            if (get() == 1) break; /* expect: break in AIO_TIMEOUT at 43 */
            if (get() == 2) continue; /* expect: continue in AIO_TIMEOUT at 43 */
            do {
                if (get() == 3) continue; /* the do-while's: fine */
                if (get() == 4) break; /* the do-while's: fine */
            } while (get());
        }
        if (get() == 5) continue; /* after the block: fine */
    }
    AIO_END(t);
}
