/* SPDX-License-Identifier: MIT */
/* One feature over a task that sleeps: built once per feature with
 * -DFEATURE_<NAME>, so that `make size` can say what each feature adds to a
 * program (the library bytes kept beside minimal.c's). With no FEATURE_
 * macro it is minimal.c's program again, written the same way. */
#include "config.h"
#include "../../../aio_timeout_core.h"
#include "board.h"

typedef struct {
    aio_task task;
    aio_task child;
    aio_timeout scope;
    aio_group group;
    aio_wait_item items[1];
    aio_event event;
    aio_lock lock;
    aio_condition cond;
    aio_semaphore sem;
    aio_frame inner; /* the inline coroutine's state: its frame alone */
#if defined(FEATURE_QUEUE)
    aio_queue queue;
    int places[4], item;
#endif
    aio_status rc;
} app_t;

/* (unused by some of the programs) */
#if defined(__GNUC__)
#define SIZE_MAYBE_UNUSED __attribute__((unused))
#else
#define SIZE_MAYBE_UNUSED
#endif

SIZE_MAYBE_UNUSED static aio_status nap(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

typedef struct { aio_frame frame; } inner_t;
SIZE_MAYBE_UNUSED static aio_status inner(aio_task *t, inner_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

static aio_status app(aio_task *t) {
    app_t *s = AIO_SELF(t, app_t);
    (void)s;
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
#if defined(FEATURE_TIMEOUT)
    AIO_TIMEOUT(t, &s->scope, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_SEC(1));
    }
#elif defined(FEATURE_CLEANUP)
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(1));
#elif defined(FEATURE_AWAIT)
    aio_spawn(&s->child, nap);
    AIO_AWAIT(t, s->rc, &s->child);
#elif defined(FEATURE_CANCEL)
    aio_spawn(&s->child, nap);
    aio_cancel(&s->child);
    AIO_AWAIT(t, s->rc, &s->child);
#elif defined(FEATURE_WAIT_FOR)
    aio_spawn(&s->child, nap);
    AIO_WAIT_FOR(t, s->rc, &s->child, AIO_MS(5));
#elif defined(FEATURE_CALL)
    AIO_CALL(t, s->rc, inner, (inner_t *)(void *)&s->inner);
#elif defined(FEATURE_EVENT)
    AIO_EVENT_WAIT(t, s->rc, &s->event, AIO_MS(500));
#elif defined(FEATURE_WAIT)
    aio_spawn(&s->child, nap);
    s->items[0].task = &s->child;
    AIO_WAIT(t, s->rc, s->items, 1, AIO_FIRST_COMPLETED, AIO_MS(500));
#elif defined(FEATURE_GATHER)
    aio_spawn(&s->child, nap);
    s->items[0].task = &s->child;
    AIO_GATHER(t, s->rc, s->items, 1);
#elif defined(FEATURE_GROUP)
    AIO_GROUP(t, &s->group) {
        aio_group_spawn(&s->group, &s->child, nap);
    }
#elif defined(FEATURE_SHIELDED)
    AIO_SHIELDED(t, &s->scope, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_SEC(1));
    }
#elif defined(FEATURE_LOCK)
    AIO_LOCK_ACQUIRE(t, s->rc, &s->lock, AIO_MS(500));
    aio_lock_release(&s->lock);
#elif defined(FEATURE_SEMAPHORE)
    aio_semaphore_init(&s->sem, 1, 0);
    AIO_SEMAPHORE_ACQUIRE(t, s->rc, &s->sem, AIO_MS(500));
    aio_semaphore_release(&s->sem);
#elif defined(FEATURE_CONDITION)
    aio_condition_init(&s->cond, &s->lock);
    AIO_LOCK_ACQUIRE(t, s->rc, &s->lock, AIO_NEVER);
    AIO_COND_WAIT(t, s->rc, &s->cond, AIO_MS(500));
    aio_lock_release(&s->lock);
#elif defined(FEATURE_QUEUE)
    aio_queue_init(&s->queue, s->places, sizeof s->places[0], 4, 4);
    s->item = 1;
    aio_queue_put_nowait(&s->queue, &s->item);
    AIO_QUEUE_GET(t, s->rc, &s->queue, &s->item, AIO_MS(500));
#endif
    AIO_END(t);
}

static app_t a;

#if defined(FEATURE_EVENT)
/* The event is set by an interrupt handler. */
void TIMER0_Handler(void);
void TIMER0_Handler(void) { aio_event_set(&a.event); }
#endif

int main(void) {
    static aio_timer timers[2];
    aio_loop loop;
    aio_loop_init(&loop, timers, 2);
    aio_loop_set_clock(&loop, size_clock, NULL);
    aio_loop_set_idle(&loop, size_idle, NULL);
    return aio_run(&loop, &a.task, app);
}
