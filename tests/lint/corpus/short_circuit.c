/* SPDX-License-Identifier: MIT */
/* Assignments inside &&, || and ?: */
#include <stdio.h>
#include "aio_timeout.h"

int get(void);
int ready(void);

aio_status and_ok(aio_task *t) {
    int v;
    AIO_BEGIN(t);
    AIO_YIELD(t);
    if ((v = get()) > 0 && v < 10)
        printf("%d\n", v);
    if (ready() && (v = get()) > 0)
        printf("%d\n", v); /* v assigned on the only path here */
    AIO_END(t);
}

aio_status or_wrong(aio_task *t) {
    int v;
    AIO_BEGIN(t);
    AIO_YIELD(t);
    if (ready() || (v = get()) > 0)
        printf("%d\n", v); /* expect: v after 23 */
    AIO_END(t);
}

aio_status conditional(aio_task *t) {
    int v, w;
    AIO_BEGIN(t);
    AIO_YIELD(t);
    w = ready() ? (v = 1) : 2;
    printf("%d %d\n", v, w); /* expect: v after 32 */
    w = ready() ? (v = 1) : (v = 2);
    printf("%d %d\n", v, w);
    AIO_END(t);
}
