/* SPDX-License-Identifier: MIT */
/* `break` directly inside a block that sits in a loop: in Python, `break`
 * in `async with timeout():` leaves the loop; here the block is a hidden
 * loop, so the break ends the block and the loop goes on. Each is a finding
 * naming the block. A break of a loop or switch of the user's inside the
 * block, one in a block no loop is around, and one after the block are not. */
#include "aio_timeout.h"

int get(void);

typedef struct {
    aio_task task;
    aio_timeout to, inner;
    aio_group g;
    aio_task child;
    int n, stop;
} st_t;

static aio_status child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}

/* for a in ...: async with timeout(1): ... if x: break */
aio_status breaks_meant_for_the_loop(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) {
        AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
            AIO_SLEEP(t, AIO_MS(1));
            if (get()) break; /* expect: break in AIO_TIMEOUT at 30 */
            if (get() == 2) {
                s->n++;
                break; /* expect: break in AIO_TIMEOUT at 30 */
            } else {
                AIO_SLEEP(t, AIO_MS(1));
            }
        }
    }
    while (get()) {
        AIO_TIMEOUT_AT(t, &s->to, aio_loop_now(aio_running_loop()) + AIO_MS(5)) {
            AIO_SLEEP(t, AIO_MS(1));
            break; /* expect: break in AIO_TIMEOUT_AT at 42 */
        }
    }
    do {
        AIO_SHIELDED(t, &s->to, AIO_MS(5)) {
            AIO_TIMEOUT(t, &s->inner, AIO_MS(2)) {
                if (get()) break; /* expect: break in AIO_TIMEOUT at 49 */
                AIO_SLEEP(t, AIO_MS(1));
            }
            if (get()) break; /* expect: break in AIO_SHIELDED at 48 */
        }
    } while (get());
    for (;;) {
        AIO_GROUP(t, &s->g) {
            aio_group_spawn(&s->g, &s->child, child);
            if (get()) break; /* expect: break in AIO_GROUP at 57 */
            AIO_SLEEP(t, AIO_MS(1));
        }
        if (get()) break;
    }
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) { /* a loop inside a block, a block inside it */
        while (get()) {
            AIO_TIMEOUT(t, &s->inner, AIO_MS(2)) {
                if (get()) break; /* expect: break in AIO_TIMEOUT at 66 */
                AIO_SLEEP(t, AIO_MS(1));
            }
        }
    }
    AIO_END(t);
}

/* What to write instead, and the breaks that do what they say. */
aio_status breaks_that_are_fine(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) {
        s->stop = 0;
        AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
            AIO_SLEEP(t, AIO_MS(1));
            while (get()) { /* the user's own loop in the block */
                if (get() == 1) break;
                AIO_SLEEP(t, AIO_MS(1));
            }
            for (; get() == 2;) {
                if (get()) break;
            }
            do {
                if (get() == 3) break;
            } while (get());
            switch (get()) { /* the user's own switch in the block */
            case 4:
                s->stop = 1;
                break;
            default:
                break;
            }
            if (get() == 5) {
                s->stop = 1; /* leave the loop: a flag, then a break after the block */
            } else {
                AIO_SLEEP(t, AIO_MS(1));
            }
            if (get() == 6) break; /* lint-coroutines: ok (ends only the block) */
        }
        if (s->stop) break; /* after the block: the loop's */
    }
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) { /* no loop around it */
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) break;
        AIO_SLEEP(t, AIO_MS(1));
    }
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &s->child, child);
        if (get()) break;
    }
    AIO_END(t);
}

/* A loop in one coroutine, the block in an inline one it calls: the break
 * ends the callee's block, and no loop of the callee is around it. */
typedef struct {
    aio_frame frame;
    aio_timeout to;
} op_t;
typedef struct {
    aio_task task;
    op_t op;
    aio_status rc;
    int n;
} caller_t;

static aio_status op(aio_task *t, op_t *o) {
    AIO_BEGIN(t, o);
    AIO_TIMEOUT(t, &o->to, AIO_MS(3)) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) break;
    }
    AIO_END(t);
}

aio_status loops_over_a_call(aio_task *t) {
    caller_t *s = AIO_SELF(t, caller_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) AIO_CALL(t, s->rc, op, &s->op);
    AIO_END(t);
}
