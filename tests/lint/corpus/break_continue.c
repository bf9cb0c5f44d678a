/* break and continue that skip the assignment. */
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
    printf("%d\n", last); /* expect: last after 11 */
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
