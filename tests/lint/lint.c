/* SPDX-License-Identifier: MIT */
/* The translation unit the static analysers read (tests/lint/run.sh): the
 * implementation of aio_timeout.h, plus one program that expands every
 * coroutine macro, because the macros are only ever analysed where they are
 * expanded, in the user's own source. It compiles and links (main() runs a
 * small scenario on the virtual clock), so whatever is checked here is code
 * that a program really contains. */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

typedef struct {
    aio_frame frame; /* an inline coroutine's continuation */
    int tries;
} step_t;

typedef struct {
    aio_task task;
    int rc;
} worker_t;

typedef struct {
    aio_task task;
    aio_timeout deadline, call_scope, shield_scope, held, tried;
    aio_group group;
    aio_event ready;
    aio_lock lock;
    aio_semaphore slots;
    aio_condition cond;
    aio_wait_item items[2];
    worker_t kids[3];
    step_t step;
    int lv, flag, n;
} main_t;

/* An inline coroutine (await step()). */
static aio_status step(aio_task *t, step_t *s) {
    AIO_BEGIN(t, s);
    for (s->tries = 0; s->tries < 3; s->tries++) AIO_YIELD(t);
    AIO_RETURN(t, s->tries);
    AIO_FINALLY(t);
    AIO_END(t);
}

static aio_status worker(aio_task *t) {
    worker_t *s = AIO_SELF(t, worker_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_RETURN(t, s->rc);
    AIO_FINALLY(t);
    AIO_END(t);
}

static aio_status body(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    aio_semaphore_init(&s->slots, 1, 1);
    aio_condition_init(&s->cond, &s->lock);
    AIO_TIMEOUT(t, &s->deadline, AIO_SEC(5)) {
        AIO_SLEEP(t, AIO_MS(1));
        AIO_SLEEP_UNTIL(t, (aio_time)(aio_now() + AIO_MS(1)));
        AIO_CALL(t, s->lv, step, &s->step);
        AIO_CHECK(t, s->lv);
    }
    AIO_WAIT_FOR_CALL(t, s->lv, step, &s->step, &s->call_scope, AIO_MS(50));

    s->kids[0].rc = 1;
    AIO_CHECK(t, aio_spawn(&s->kids[0].task, worker));
    AIO_AWAIT(t, s->lv, &s->kids[0].task);
    AIO_CHECK(t, aio_spawn(&s->kids[0].task, worker));
    AIO_WAIT_FOR(t, s->lv, &s->kids[0].task, AIO_MS(100));
    AIO_CHECK(t, aio_spawn(&s->kids[0].task, worker));
    AIO_SHIELD(t, s->lv, &s->kids[0].task);
    AIO_CHECK(t, aio_spawn(&s->kids[0].task, worker));
    AIO_WAIT_FOR_SHIELD(t, s->lv, &s->kids[0].task, AIO_MS(100));

    AIO_CHECK(t, aio_spawn(&s->kids[1].task, worker));
    AIO_CHECK(t, aio_spawn(&s->kids[2].task, worker));
    s->items[0].task = &s->kids[1].task;
    s->items[1].task = &s->kids[2].task;
    AIO_WAIT(t, s->lv, s->items, 2, AIO_FIRST_COMPLETED, AIO_MS(100));
    AIO_GATHER(t, s->lv, s->items, 2);
    AIO_CHECK(t, aio_spawn(&s->kids[1].task, worker));
    AIO_CHECK(t, aio_spawn(&s->kids[2].task, worker));
    AIO_GATHER_ALL(t, s->lv, s->items, 2);

    AIO_GROUP(t, &s->group) {
        AIO_CHECK(t, aio_group_spawn(&s->group, &s->kids[1].task, worker));
        AIO_SLEEP(t, AIO_MS(1));
    }
    AIO_CHECK(t, aio_group_status(&s->group));

    aio_event_set(&s->ready);
    AIO_EVENT_WAIT(t, s->lv, &s->ready, AIO_MS(10));
    AIO_SEMAPHORE_ACQUIRE(t, s->lv, &s->slots, AIO_MS(10));
    AIO_CHECK(t, aio_semaphore_release(&s->slots));
    AIO_LOCK_ACQUIRE(t, s->lv, &s->lock, AIO_NEVER);
    AIO_COND_WAIT(t, s->lv, &s->cond, AIO_MS(10));
    s->flag = 1;
    AIO_COND_WAIT_FOR(t, s->lv, &s->cond, s->flag, AIO_MS(10));
    AIO_CHECK(t, aio_lock_release(&s->lock));
    AIO_SHIELDED(t, &s->shield_scope, AIO_NEVER) {
        AIO_YIELD(t);
    }
    AIO_WITH_LOCK(t, &s->held, &s->lock, AIO_MS(10)) {
        AIO_YIELD(t);
        if (s->flag) AIO_LEAVE(t, &s->held);
        AIO_YIELD(t);
    }
    AIO_WITH_SEMAPHORE(t, &s->held, &s->slots, AIO_NEVER) {
        AIO_YIELD(t);
    }
    AIO_WITH_CONDITION(t, &s->held, &s->cond, AIO_MS(10)) {
        AIO_COND_WAIT_FOR(t, s->lv, &s->cond, s->flag, AIO_MS(1));
    }
    AIO_CHECK(t, aio_timeout_status(&s->held));
    AIO_TRY(t, &s->tried) {
        AIO_SLEEP(t, AIO_MS(1));
        if (s->flag) AIO_LEAVE(t, &s->tried);
    }
    AIO_CLEANUP(t, &s->tried) {
        s->n += aio_to_seconds(aio_now()) > 0.0 ? 1 : 0;
    }
    AIO_RETURN(t, s->lv);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) s->n++;
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[8];
    static main_t m;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 8);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &m.task, body);
    if (aio_loop_destroy(&loop) != AIO_OK) return 1;
    return rc == AIO_OK ? 0 : 1;
}
