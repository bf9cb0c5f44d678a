/* SPDX-License-Identifier: MIT */
/* A task group and AIO_WAIT_FOR_CALL, state in the struct: fine; a local
 * set before the group and read after it: not. */
#include <stdio.h>
#include "aio_timeout.h"

typedef struct { aio_frame frame; } op_t;
static aio_status op(aio_task *t, op_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_RETURN(t, 3);
    AIO_END(t);
}

static aio_status worker(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(2));
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_group group;
    aio_task workers[2];
    op_t op;
    aio_timeout scope;
    aio_status rc;
} main_t;

aio_status main_body(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    int spawned;
    AIO_BEGIN(t);
    spawned = 0;
    AIO_GROUP(t, &s->group) {
        aio_group_spawn(&s->group, &s->workers[0], worker);
        aio_group_spawn(&s->group, &s->workers[1], worker);
        spawned = 2;
    }
    printf("%d\n", spawned); /* expect: spawned after 35 */
    AIO_WAIT_FOR_CALL(t, s->rc, op, &s->op, &s->scope, AIO_MS(5));
    printf("%d\n", s->rc);
    AIO_END(t);
}
