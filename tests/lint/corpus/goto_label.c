/* SPDX-License-Identifier: MIT */
/* A loop made of goto and a label: fine, also inside a block when the label
 * is in the same block. A goto out of a block leaves it open. */
#include <stdio.h>
#include "aio_timeout.h"

int attempt(void);

aio_status retry(aio_task *t) {
    int n;
    AIO_BEGIN(t);
    n = 0;
again:
    AIO_SLEEP(t, AIO_MS(5));
    if (attempt() < 0 && n++ < 3) /* expect: n after 14 */
        goto again;
    AIO_END(t);
}

aio_status retry_ok(aio_task *t) {
    int rc;
    AIO_BEGIN(t);
again:
    AIO_SLEEP(t, AIO_MS(5));
    rc = attempt();
    if (rc < 0)
        goto again;
    printf("%d\n", rc);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout to;
} retry_t;

aio_status retry_in_block(aio_task *t) {
    retry_t *s = AIO_SELF(t, retry_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(50)) {
    again:
        AIO_SLEEP(t, AIO_MS(5));
        if (attempt() < 0)
            goto again; /* the label is in the same block: fine */
        if (attempt() > 0)
            goto failed; /* expect: goto out of AIO_TIMEOUT at 40 */
    }
    AIO_RETURN(t, 0);
failed:
    AIO_RAISE(t, AIO_EUSER);
    AIO_END(t);
}
