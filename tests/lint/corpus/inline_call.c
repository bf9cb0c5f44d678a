/* SPDX-License-Identifier: MIT */
/* Inline coroutines (AIO_BEGIN(t, s)) called with AIO_CALL. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_frame frame; int tries; } fetch_t;

/* callee: its counter is a local (wrong) */
static aio_status fetch(aio_task *t, fetch_t *s) {
    int tries;
    AIO_BEGIN(t, s);
    for (tries = 0; tries < s->tries; tries++) /* expect: tries after 13 */
        AIO_SLEEP(t, AIO_MS(1));
    AIO_RETURN(t, tries); /* garbage already: the finding is at tries++ */
    AIO_END(t);
}

/* callee: its counter is in its state (fine) */
typedef struct { aio_frame frame; int i, n; } fetch2_t;
static aio_status fetch2(aio_task *t, fetch2_t *s) {
    AIO_BEGIN(t, s);
    for (s->i = 0; s->i < s->n; s->i++)
        AIO_SLEEP(t, AIO_MS(1));
    AIO_RETURN(t, s->i);
    AIO_END(t);
}

typedef struct { aio_task task; fetch_t f; fetch2_t f2; aio_status rc; } main_t;

aio_status caller(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    int started;
    aio_status rc;
    AIO_BEGIN(t);
    started = 1;
    s->f.tries = 2;
    AIO_CALL(t, s->rc, fetch, &s->f);
    AIO_CALL(t, rc, fetch2, &s->f2); /* the result lands in the local: fine */
    printf("%d %d\n", rc, s->rc);
    printf("%d\n", started); /* expect: started after 37,38 */
    AIO_END(t);
}
