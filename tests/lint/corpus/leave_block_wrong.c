/* SPDX-License-Identifier: MIT */
/* Leaving a block any other way than by its end, `break`, AIO_RETURN,
 * AIO_RAISE or AIO_CHECK: each is a finding naming the block. */
#include "aio_timeout.h"

int get(void);

typedef struct {
    aio_task task;
    aio_timeout to, inner;
    aio_group g;
    aio_task child;
    int n;
} st_t;

static aio_status child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}

/* goto out of a timeout block: the scope stays open, and its deadline
 * lands after the block again, replaying the code there */
aio_status goto_out(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
        AIO_SLEEP(t, AIO_MS(1));
        if (get()) goto done; /* expect: goto out of AIO_TIMEOUT at 27 */
        AIO_SLEEP(t, AIO_MS(1));
    }
done:
    s->n++;
    AIO_END(t);
}

/* continue directly in a block acts on the block's hidden `for`: it ends
 * the block instead of continuing the user's loop */
aio_status continue_in_block(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    for (s->n = 0; s->n < 3; s->n++) {
        AIO_TIMEOUT_AT(t, &s->to, aio_loop_now(aio_running_loop()) + AIO_MS(5)) {
            if (get()) continue; /* expect: continue in AIO_TIMEOUT_AT at 43 */
            AIO_SLEEP(t, AIO_MS(1));
        }
    }
    while (s->n) {
        AIO_SHIELDED(t, &s->to, AIO_MS(5)) {
            AIO_SLEEP(t, AIO_MS(1));
            switch (get()) { /* a switch of the user's: continue passes through it */
            case 1:
                continue; /* expect: continue in AIO_SHIELDED at 49 */
            default:
                break; /* ends the switch: fine */
            }
        }
        s->n--;
    }
    AIO_END(t);
}

/* a plain return: AIO_FINALLY and AIO_END are skipped, and a block it is
 * inside stays open */
aio_status plain_returns(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    if (get() < 0)
        return AIO_EINVAL; /* expect: return */
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &s->child, child);
        if (get())
            return 1; /* expect: return in AIO_GROUP at 70 */
        AIO_SLEEP(t, AIO_MS(1));
    }
    AIO_FINALLY(t);
    if (get())
        return 2; /* expect: return */
    AIO_END(t);
}

/* goto out of a group, out of two nested blocks (the inner one is named),
 * and into a block from outside it */
aio_status goto_out_of_group(aio_task *t) {
    st_t *s = AIO_SELF(t, st_t);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &s->child, child);
        if (get()) goto out; /* expect: goto out of AIO_GROUP at 87 */
    }
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
        AIO_SHIELDED(t, &s->inner, AIO_MS(5)) {
            while (get()) {
                if (get() == 3) goto out; /* expect: goto out of AIO_SHIELDED at 92 */
                AIO_SLEEP(t, AIO_MS(1));
            }
        }
    }
    if (get()) goto inside; /* expect: goto into AIO_TIMEOUT at 100 */
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
inside:
        AIO_SLEEP(t, AIO_MS(1));
    }
out:
    AIO_END(t);
}

/* AIO_WAIT_FOR_CALL is a block too (an AIO_TIMEOUT around the call): a
 * jump out of one of its arguments (a GNU statement expression) leaves it */
typedef struct {
    aio_frame frame;
} call_t;
typedef struct {
    aio_task task;
    aio_timeout to;
    call_t op;
    aio_status rc;
} wfc_t;

static aio_status op(aio_task *t, call_t *c) {
    AIO_BEGIN(t, c);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}

aio_status out_of_wait_for_call(aio_task *t) {
    wfc_t *s = AIO_SELF(t, wfc_t);
    AIO_BEGIN(t);
    AIO_WAIT_FOR_CALL(t, s->rc, op, ({
                          if (get()) goto out; /* expect: goto out of AIO_WAIT_FOR_CALL at 129 */
                          &s->op;
                      }), &s->to, AIO_MS(5));
out:
    AIO_END(t);
}
