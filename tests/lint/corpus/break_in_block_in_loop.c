/* SPDX-License-Identifier: MIT */
/* `break` directly inside a block: in Python, `break` in `async with
 * timeout():` leaves the loop around it; here the block is a hidden loop, so
 * the break would end the block and the loop go on. Each is a finding naming
 * the block (in a block no loop is around too: AIO_LEAVE says it). A break of
 * a loop or switch of the user's inside the block, and one after the block,
 * are not; nor is AIO_LEAVE directly in a block; AIO_LEAVE inside a loop or
 * switch of the user's is. */
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
            if (get()) break; /* expect: break in AIO_TIMEOUT at 32 */
            if (get() == 2) {
                s->n++;
                break; /* expect: break in AIO_TIMEOUT at 32 */
            } else {
                AIO_SLEEP(t, AIO_MS(1));
            }
        }
    }
    while (get()) {
        AIO_TIMEOUT_AT(t, &s->to, aio_loop_now(aio_running_loop()) + AIO_MS(5)) {
            AIO_SLEEP(t, AIO_MS(1));
            break; /* expect: break in AIO_TIMEOUT_AT at 44 */
        }
    }
    do {
        AIO_SHIELDED(t, &s->to, AIO_MS(5)) {
            AIO_TIMEOUT(t, &s->inner, AIO_MS(2)) {
                if (get()) break; /* expect: break in AIO_TIMEOUT at 51 */
                AIO_SLEEP(t, AIO_MS(1));
            }
            if (get()) break; /* expect: break in AIO_SHIELDED at 50 */
        }
    } while (get());
    for (;;) {
        AIO_GROUP(t, &s->g) {
            aio_group_spawn(&s->g, &s->child, child);
            if (get()) break; /* expect: break in AIO_GROUP at 59 */
            AIO_SLEEP(t, AIO_MS(1));
        }
        if (get()) break;
    }
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) { /* a loop inside a block, a block inside it */
        while (get()) {
            AIO_TIMEOUT(t, &s->inner, AIO_MS(2)) {
                if (get()) break; /* expect: break in AIO_TIMEOUT at 68 */
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
            if (get() == 7) AIO_LEAVE(t, &s->to);
        }
        if (s->stop) break; /* after the block: the loop's */
    }
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) { /* no loop around it */
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) AIO_LEAVE(t, &s->to);
        AIO_SLEEP(t, AIO_MS(1));
    }
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &s->child, child);
        if (get()) AIO_LEAVE(t, &s->g.scope);
    }
    AIO_END(t);
}

/* A bare break in a block no loop is around still gets the finding: it
 * says AIO_LEAVE; and AIO_LEAVE inside a loop or switch of one's own would
 * end that, not the block. The holding and try blocks are blocks too. */
typedef struct {
    aio_task task;
    aio_timeout to, held, tried;
    aio_lock lock;
    aio_semaphore sem;
    aio_condition cond;
    int n;
} hold_t;

aio_status breaks_in_holding_blocks(aio_task *t) {
    hold_t *s = AIO_SELF(t, hold_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) break; /* expect: break in AIO_TIMEOUT at 139 */
        while (get()) {
            if (get() == 2) AIO_LEAVE(t, &s->to); /* expect: leave in AIO_TIMEOUT at 139 */
        }
        switch (get()) {
        case 1:
            AIO_LEAVE(t, &s->to); /* expect: leave in AIO_TIMEOUT at 139 */
        default:
            break;
        }
    }
    AIO_WITH_LOCK(t, &s->held, &s->lock, AIO_MS(5)) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) break; /* expect: break in AIO_WITH_LOCK at 152 */
        if (get() == 2) continue; /* expect: continue in AIO_WITH_LOCK at 152 */
        if (get() == 3) AIO_LEAVE(t, &s->held);
    }
    AIO_WITH_SEMAPHORE(t, &s->held, &s->sem, AIO_MS(5)) {
        if (get()) break; /* expect: break in AIO_WITH_SEMAPHORE at 158 */
        AIO_SLEEP(t, AIO_MS(1));
    }
    AIO_WITH_CONDITION(t, &s->held, &s->cond, AIO_MS(5)) {
        if (get()) break; /* expect: break in AIO_WITH_CONDITION at 162 */
        AIO_SLEEP(t, AIO_MS(1));
        if (get() == 3) AIO_LEAVE(t, &s->held);
    }
    AIO_TRY(t, &s->tried) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) break; /* expect: break in AIO_TRY at 167 */
        if (get() == 3) AIO_LEAVE(t, &s->tried);
    }
    AIO_CLEANUP(t, &s->tried) {
        s->n = 0;
    }
    for (s->n = 0; s->n < 3; s->n++) {
        AIO_LEAVE(t, &s->to); /* expect: leave */
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
        if (get()) AIO_LEAVE(t, &o->to);
    }
    AIO_END(t);
}

aio_status loops_over_a_call(aio_task *t) {
    caller_t *s = AIO_SELF(t, caller_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) AIO_CALL(t, s->rc, op, &s->op);
    AIO_END(t);
}
