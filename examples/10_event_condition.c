/* SPDX-License-Identifier: MIT */
/* 10_event_condition.c - wait for an event with a timeout; wait on a
 * condition until a predicate holds.
 *
 *   1. AIO_EVENT_WAIT with a timeout while another task sets the event after
 *      3 s: within 5 s it is set; within 2 s the wait times out;
 *   2. two tasks wait on a condition until a shared count reaches 2 and 4
 *      (AIO_COND_WAIT_FOR: Condition.wait_for(predicate)) inside
 *      AIO_WITH_CONDITION blocks (async with condition:); a third task updates
 *      the count every second and notifies them;
 *   3. the same wait with a timeout: the count never reaches 10 within 2.5 s;
 *      the lock is held again when the timeout is reported.
 *
 * The Python original is 10_event_condition.py; both print the same lines.
 * Run: 10_event_condition [--virtual] */
#include "example.h"

/* 1. -------------------------------------------------------------------- */
typedef struct { aio_task task; aio_event event; int delay; } setter_t; /* the event it sets */
static aio_status set_event_after_delay(aio_task *t) {
    setter_t *s = AIO_SELF(t, setter_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(s->delay));
    say("Setting event after %ds", s->delay);
    aio_event_set(&s->event);
    AIO_END(t);
}

typedef struct { aio_frame frame; int timeout; setter_t setter; aio_status rc; } event_t;
static aio_status wait_for_event(aio_task *t, event_t *s) {
    AIO_BEGIN(t, s);
    aio_event_clear(&s->setter.event); /* a task that sets the event after 3 s */
    s->setter.delay = 3;
    AIO_CHECK(t, aio_spawn(&s->setter.task, set_event_after_delay));
    say("Waiting for event...");
    AIO_EVENT_WAIT(t, s->rc, &s->setter.event, AIO_SEC(s->timeout));
    say("%s", s->rc == AIO_OK ? "Event was set!" : "Timed out waiting for event");
    AIO_AWAIT(t, s->rc, &s->setter.task);
    AIO_END(t);
}

/* 2. and 3. ------------------------------------------------------------- */
static aio_lock lock;
static aio_condition condition;
static int count; /* the shared state */

typedef struct { aio_task task; int target; aio_time timeout; aio_timeout held; aio_status rc; } waiter_t;
static aio_status wait_for_condition(aio_task *t) {
    waiter_t *s = AIO_SELF(t, waiter_t);
    AIO_BEGIN(t);
    AIO_WITH_CONDITION(t, &s->held, &condition, AIO_NEVER) {      /* async with condition: */
        AIO_COND_WAIT_FOR(t, s->rc, &condition, count >= s->target, s->timeout ? s->timeout : AIO_NEVER); /* 0: none */
        if (s->rc == AIO_OK)
            say("Condition is now true (count >= %d)", s->target);
        else
            say("Gave up waiting for count >= %d after %gs (count is %d, lock held: %s)", s->target,
                aio_to_seconds(s->timeout), count, aio_lock_locked(&lock) ? "True" : "False");
    }
    AIO_END(t);
}

typedef struct { aio_task task; int i; aio_timeout held; } updater_t;
static aio_status update_state_periodically(aio_task *t) {
    updater_t *s = AIO_SELF(t, updater_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 5; s->i++) {
        AIO_SLEEP(t, AIO_SEC(1));                                  /* simulate work */
        AIO_WITH_CONDITION(t, &s->held, &condition, AIO_NEVER) {
            count++;
            say("Updated count to %d", count);
            aio_condition_notify_all(&condition);                  /* notify waiters */
        }
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    event_t event;
    waiter_t waiters[2];
    updater_t updater;
    aio_wait_item items[3];
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    aio_condition_init(&condition, &lock);

    say("== 1. wait_for(event.wait(), 5); the event is set after 3 s");
    s->event.timeout = 5;
    AIO_CALL(t, s->rc, wait_for_event, &s->event);
    say("\n== 1b. the same within 2 s");
    s->event.timeout = 2;
    AIO_CALL(t, s->rc, wait_for_event, &s->event);

    say("\n== 2. a condition and a predicate");
    s->waiters[0].target = 2; /* (count is 0, as it starts) */
    s->waiters[1].target = 4;
    AIO_CHECK(t, create_task(&s->items[0], &s->waiters[0].task, wait_for_condition));
    AIO_CHECK(t, create_task(&s->items[1], &s->waiters[1].task, wait_for_condition));
    AIO_CHECK(t, create_task(&s->items[2], &s->updater.task, update_state_periodically));
    AIO_GATHER(t, s->rc, s->items, 3);

    say("\n== 3. a condition wait with a timeout of 2.5 s");
    count = 0;
    s->waiters[0].target = 10;
    s->waiters[0].timeout = AIO_MS(2500);
    AIO_CHECK(t, create_task(&s->items[0], &s->waiters[0].task, wait_for_condition));
    AIO_CHECK(t, create_task(&s->items[1], &s->updater.task, update_state_periodically));
    AIO_GATHER(t, s->rc, s->items, 2);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
