/* SPDX-License-Identifier: MIT */
/* A local initialised before AIO_BEGIN runs that initialiser on every
 * call: if the body assigns it again, after an await it holds the
 * initialiser's value, not the body's. */
#include <stdio.h>
#include "aio_timeout.h"

int compute(void);

aio_status counts(aio_task *t) {
    int n = 0;
    int limit = 10; /* never assigned in the body: fine */
    AIO_BEGIN(t);
    n = compute();
    AIO_SLEEP(t, AIO_MS(1));
    printf("%d of %d\n", n, limit); /* expect: n after 15 */
    AIO_END(t);
}

typedef struct { aio_frame frame; int n; } sub_t;
static sub_t spare;

/* A parameter is passed again on every call: the same holds. */
aio_status steps(aio_task *t, sub_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_MS(1));
    s = &spare;
    AIO_SLEEP(t, AIO_MS(1));
    printf("%d\n", s->n); /* expect: s after 28 */
    AIO_END(t);
}
