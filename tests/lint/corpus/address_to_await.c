/* SPDX-License-Identifier: MIT */
/* Objects the library keeps a pointer to while the task waits (a child
 * task, a wait item array, a timeout scope) declared as locals. */
#include <stdio.h>
#include "aio_timeout.h"

static aio_status child_body(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    AIO_END(t);
}

typedef struct { aio_task task; aio_status rc; } main_t;

aio_status local_child(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    aio_task child;
    AIO_BEGIN(t);
    if (aio_spawn(&child, child_body) < 0) AIO_RAISE(t, AIO_EINVAL);
    AIO_AWAIT(t, s->rc, &child); /* expect: &child after 20 */
    AIO_END(t);
}

aio_status local_items(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    aio_wait_item items[2];
    AIO_BEGIN(t);
    AIO_GATHER(t, s->rc, items, 2); /* expect: &items after 28 */
    AIO_END(t);
}

aio_status local_scope(aio_task *t) {
    aio_timeout scope;
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &scope, AIO_MS(1)) { /* expect: &scope after 35,36 */
        AIO_SLEEP(t, AIO_MS(5));
    }
    printf("%d\n", aio_timeout_status(&scope));
    AIO_END(t);
}
