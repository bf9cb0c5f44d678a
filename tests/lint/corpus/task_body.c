/* SPDX-License-Identifier: MIT */
/* An ordinary task body: everything in the state struct, locals only
 * between awaits. Nothing to report. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct {
    aio_task task;
    aio_task child;
    aio_timeout scope;
    aio_status rc;
    int round;
} main_t;

static aio_status child_body(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(50));
    AIO_RETURN(t, 7);
    AIO_END(t);
}

aio_status main_body(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    for (s->round = 0; s->round < 2; s->round++) {
        {
            aio_status rc = aio_spawn(&s->child, child_body); /* no await in its block */
            if (rc < 0) AIO_RAISE(t, rc);
        }
        AIO_WAIT_FOR(t, s->rc, &s->child, AIO_MS(20 + 40 * s->round));
        {
            int shown = s->rc * 2; /* a local used between two awaits */
            printf("round %d: %d\n", s->round, shown);
        }
        AIO_TIMEOUT(t, &s->scope, AIO_MS(10)) {
            AIO_SLEEP(t, AIO_MS(20));
        }
        printf("%s\n", aio_timeout_status(&s->scope) == AIO_ETIMEDOUT ? "timed out" : "in time");
    }
    AIO_FINALLY(t);
    printf("cleanup: %d\n", AIO_STATUS(t));
    AIO_END(t);
}
