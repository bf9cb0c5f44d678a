/* SPDX-License-Identifier: MIT */
/* The ways out of a block that close it: falling off its end, AIO_LEAVE
 * directly inside it, AIO_RETURN, AIO_RAISE, AIO_CHECK. A goto to a label
 * inside the same block, and `break` and `continue` of a loop of the
 * user's inside the block, stay inside it. A bare `break` directly in a
 * block says on its line that it means to end only the block. No
 * finding. */
#include "aio_timeout.h"

int get(void);

typedef struct {
    aio_frame frame;
    aio_timeout to;
} op_t;

typedef struct {
    aio_task task;
    aio_timeout to, inner;
    aio_group g;
    aio_task child;
    op_t op;
    aio_status rc;
    int n;
} st_t;

static aio_status child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}

static aio_status op(aio_task *t, op_t *o) {
    AIO_BEGIN(t, o);
    AIO_TIMEOUT(t, &o->to, AIO_MS(3)) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) AIO_RETURN(t, 4); /* the block closes, then the callee returns */
    }
    AIO_END(t);
}

aio_status leaves_well(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) {
        AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
            AIO_SLEEP(t, AIO_MS(1));
            if (get()) break; /* lint-coroutines: ok (ends the block; the loop goes on) */
            while (get()) { /* a loop of the user's */
                if (get() == 1) continue;
                if (get() == 2) break;
                AIO_SLEEP(t, AIO_MS(1));
            }
            switch (get()) {
            case 0:
                break; /* ends the switch */
            default:
                s->n++;
            }
        }
        if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) continue; /* after the block */
    }
    AIO_TIMEOUT_AT(t, &s->to, aio_loop_now(aio_running_loop()) + AIO_MS(5)) {
    again:
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) goto again; /* a label inside the same block */
        if (get() < 0) AIO_RAISE(t, AIO_EUSER);
    }
    AIO_SHIELDED(t, &s->to, AIO_MS(5)) {
        AIO_TIMEOUT(t, &s->inner, AIO_MS(2)) {
            if (get()) goto inner_end; /* a label inside the inner block */
            AIO_SLEEP(t, AIO_MS(1));
        inner_end:
            s->n++;
        }
        if (get()) AIO_LEAVE(t, &s->to);
        AIO_CHECK(t, get());
    }
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &s->child, child);
        if (get()) AIO_LEAVE(t, &s->g.scope); /* the group still waits for its child */
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) AIO_RETURN(t, 1);
    }
    AIO_WAIT_FOR_CALL(t, s->rc, op, &s->op, &s->to, AIO_MS(5));
    if (get()) goto out; /* between blocks: fine */
    AIO_SLEEP(t, AIO_MS(1));
out:
    s->n = 0;
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}
