/* SPDX-License-Identifier: MIT */
/* Every primitive: tasks, sleeps, inline calls, timeout scopes, wait_for,
 * cancellation with cleanup, wait, gather, shield, shielded blocks, task
 * groups, events (set from an interrupt), locks, semaphores, conditions and
 * the deadline queries, run by aio_run and by aio_step. Not meant to do
 * anything useful: it makes sure every part of the library is linked in. */
#include "config.h"
#include "../../../aio_timeout_core.h"
#include "board.h"

static aio_event ev;
static aio_lock lock;
static aio_semaphore sem;
static aio_condition cond;
static int queue_len;

void IRQ0_Handler(void);
void IRQ0_Handler(void) { aio_event_set(&ev); }

typedef struct { aio_frame frame; int n; } step_t;
static aio_status step(aio_task *t, step_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_MS(s->n));
    AIO_RETURN(t, s->n);
    AIO_END(t);
}

typedef struct { aio_task task; aio_timeout scope; step_t step; aio_status rc; } child_t;
static aio_status child(aio_task *t) {
    child_t *s = AIO_SELF(t, child_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT_AT(t, &s->scope, aio_now() + AIO_MS(50)) {
        AIO_CALL(t, s->rc, step, &s->step);
        AIO_EVENT_WAIT(t, s->rc, &ev, AIO_MS(10));
        AIO_LOCK_ACQUIRE(t, s->rc, &lock, AIO_MS(10));
        if (s->rc == AIO_OK) {
            AIO_COND_WAIT_FOR(t, s->rc, &cond, queue_len > 0, AIO_MS(5));
            queue_len++;
            aio_condition_notify_all(&cond);
            aio_lock_release(&lock);
        }
        AIO_SEMAPHORE_ACQUIRE(t, s->rc, &sem, AIO_MS(10));
        if (s->rc == AIO_OK) aio_semaphore_release(&sem);
    }
    AIO_YIELD(t);
    AIO_RETURN(t, aio_timeout_expired(&s->scope));
    AIO_FINALLY(t);
    AIO_SHIELDED(t, &s->scope, AIO_MS(5)) {
        AIO_SLEEP_UNTIL(t, aio_now() + 1);
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    child_t c[3];
    aio_wait_item items[3];
    aio_group group;
    aio_timeout scope;
    step_t step;
    int i;
    aio_status rc;
} app_t;

static aio_status app(aio_task *t) {
    app_t *s = AIO_SELF(t, app_t);
    AIO_BEGIN(t);
    aio_semaphore_init(&sem, 1, 1);
    aio_condition_init(&cond, &lock);
    for (s->i = 0; s->i < 3; s->i++) {
        s->c[s->i].step.n = s->i + 1;
        s->items[s->i].task = &s->c[s->i].task;
        AIO_CHECK(t, aio_spawn(&s->c[s->i].task, child));
    }
    AIO_WAIT(t, s->rc, s->items, 3, AIO_FIRST_COMPLETED, AIO_MS(20));
    AIO_GATHER(t, s->rc, s->items, 3);
    for (s->i = 0; s->i < 3; s->i++) AIO_CHECK(t, aio_spawn(&s->c[s->i].task, child));
    AIO_GATHER_ALL(t, s->rc, s->items, 3);
    AIO_CHECK(t, aio_spawn(&s->c[0].task, child));
    AIO_SHIELD(t, s->rc, &s->c[0].task);
    AIO_WAIT_FOR_SHIELD(t, s->rc, &s->c[0].task, AIO_MS(5));
    AIO_WAIT_FOR(t, s->rc, &s->c[0].task, AIO_MS(5));
    AIO_GROUP(t, &s->group) {
        AIO_CHECK(t, aio_group_spawn(&s->group, &s->c[1].task, child));
        AIO_CHECK(t, aio_group_spawn(&s->group, &s->c[2].task, child));
        if (aio_time_left(NULL) < AIO_MS(1)) aio_group_cancel(&s->group);
    }
    s->rc = aio_group_status(&s->group);
    AIO_TIMEOUT(t, &s->scope, AIO_MS(30)) {
        aio_timeout_reschedule(&s->scope, aio_effective_deadline(NULL) + AIO_MS(5));
        AIO_WAIT_FOR_CALL(t, s->rc, step, &s->step, &s->scope, AIO_MS(1));
    }
    AIO_CHECK(t, aio_spawn(&s->c[0].task, child));
    aio_cancel(&s->c[0].task);
    AIO_AWAIT(t, s->rc, &s->c[0].task);
    AIO_RETURN(t, aio_task_cancelled(&s->c[0].task) + aio_task_failed(&s->c[0].task) +
                      aio_task_result(&s->c[0].task) + aio_task_done(&s->c[0].task) +
                      aio_task_cancel_pending(&s->c[0].task) + (aio_current() == t) +
                      aio_event_is_set(&ev) + aio_lock_locked(&lock) + aio_semaphore_value(&sem) +
                      (int)aio_timeout_when(&s->scope) + aio_timeout_status(&s->scope));
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[8];
    static app_t a, b;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 8);
    aio_loop_set_clock(&loop, size_clock, NULL);
    aio_loop_set_idle(&loop, size_idle, NULL);
    rc = aio_run(&loop, &a.task, app);
    aio_spawn(&b.task, app); /* the super-loop way */
    while (!aio_task_done(&b.task))
        if (!aio_step(&loop)) size_idle(NULL, &loop, aio_next_deadline(&loop));
    aio_event_clear(&ev);
    return rc + (int)aio_loop_now(&loop) + (int)aio_now() + (aio_running_loop() == &loop) +
           aio_loop_destroy(&loop);
}
