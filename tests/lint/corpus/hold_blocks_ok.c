/* SPDX-License-Identifier: MIT */
/* Blocks that hold and try blocks, nested in each other and around a
 * timeout block, left by their end, AIO_LEAVE or a landing: the header's
 * own state (aio__r) is assigned on every way round the hold's hidden loop,
 * and nothing here is a finding. */
#include "aio_timeout.h"

int get(void);

typedef struct {
    aio_task task;
    aio_timeout a, b, c, d;
    aio_lock lock;
    aio_semaphore sem;
    aio_condition cond;
    aio_status rc;
    int n;
} nest_t;

aio_status nested(aio_task *t) {
    nest_t *s = AIO_SELF(t, nest_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) {
        AIO_WITH_LOCK(t, &s->a, &s->lock, AIO_MS(5)) {
            AIO_WITH_SEMAPHORE(t, &s->b, &s->sem, AIO_NEVER) {
                AIO_TRY(t, &s->c) {
                    AIO_SLEEP(t, AIO_MS(1));
                    if (get()) AIO_LEAVE(t, &s->c);
                    AIO_TIMEOUT(t, &s->d, AIO_MS(2)) {
                        AIO_SLEEP(t, AIO_MS(1));
                    }
                }
                AIO_CLEANUP(t, &s->c) {
                    s->rc = 0;
                }
                if (get()) AIO_LEAVE(t, &s->b);
            }
        }
        if (aio_timeout_status(&s->a) == AIO_ETIMEDOUT) break;
        AIO_WITH_CONDITION(t, &s->a, &s->cond, AIO_NEVER) {
            AIO_COND_WAIT(t, s->rc, &s->cond, AIO_MS(1));
        }
    }
    AIO_END(t);
}
