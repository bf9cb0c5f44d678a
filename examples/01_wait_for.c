/* SPDX-License-Identifier: MIT */
/* 01_wait_for.c - wait_for with a slow operation: the timeout cancels it, and
 * its cleanup runs before wait_for reports the timeout.
 *
 *   1. wait_for(long_running_task(), 4): the task notices the cancellation at
 *      its next await, cleans up, and wait_for says "timed out".
 *   2. Cleanup at two levels: each step cleans up after itself, then the
 *      operation cleans up too, and that cleanup awaits (0.1 s). wait_for waits
 *      for all of it: the timeout fires at 3.0 s and is reported at 3.1 s.
 *   3. wait_for on a task (create_task): on timeout the task is cancelled and
 *      waited for; afterwards aio_task_cancelled() says so.
 *
 * The Python original is 01_wait_for.py; both print the same lines.
 * Run: 01_wait_for [--virtual] */
#include "example.h"

/* 1. async def long_running_task(): ten steps of one second, cleanup on cancel.
 * An inline coroutine: its state struct has an `aio_frame frame` member. */
typedef struct { aio_frame frame; int i; } long_running_t;
static aio_status long_running_task(aio_task *t, long_running_t *s) {
    AIO_BEGIN(t, s);
    say("Task started");
    for (s->i = 0; s->i < 10; s->i++) {
        say("Step %d: Still working...", s->i + 1);
        AIO_SLEEP(t, AIO_SEC(1));
    }
    AIO_RETURN(t, 1); /* "Task completed normally" */
    AIO_FINALLY(t);   /* except CancelledError: ... raise (the status stays) */
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        say("Task detected it was cancelled!");
        say("Cleanup completed");
    }
    AIO_END(t);
}

/* 2. One step of the operation with its own cleanup: the inner try/except. */
typedef struct { aio_frame frame; int i; } step_t;
static aio_status step(aio_task *t, step_t *s) {
    AIO_BEGIN(t, s);
    say("Step %d", s->i);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        say("Cancellation detected during step %d", s->i);
        say("Cleaning up step %d", s->i);
    } /* returning with the status unchanged re-raises it */
    AIO_END(t);
}

/* The operation: ten steps, then its own cleanup, which awaits. */
typedef struct { aio_frame frame; step_t step; aio_status rc; } operation_t;
static aio_status operation_with_graceful_cancellation(aio_task *t, operation_t *s) {
    AIO_BEGIN(t, s);
    say("Starting operation");
    for (s->step.i = 0; s->step.i < 10; s->step.i++)
        AIO_CALL(t, s->rc, step, &s->step);
    say("Operation completed");
    AIO_RETURN(t, 1); /* "Success" */
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        say("Operation was cancelled, cleaning up");
        AIO_SLEEP(t, AIO_MS(100)); /* cleanup may await; the timeout waits for it */
        say("Cleanup completed");
    } else if (AIO_STATUS(t) < 0) {
        say("Operation failed: %s", aio_strerror(AIO_STATUS(t)));
    }
    AIO_END(t);
}

/* 3. async def slow_operation(): await asyncio.sleep(5) -- run as a task. */
static aio_status slow_operation(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(5));
    AIO_RETURN(t, 1); /* "Operation completed" */
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout scope;     /* the timeout of AIO_WAIT_FOR_CALL */
    long_running_t long_running;
    operation_t operation;
    aio_task slow;         /* the task of part 3 */
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("== 1. wait_for(long_running_task(), timeout=4.0)");
    /* result = await asyncio.wait_for(long_running_task(), timeout=4.0) */
    AIO_WAIT_FOR_CALL(t, s->rc, long_running_task, &s->long_running, &s->scope, AIO_SEC(4));
    if (s->rc == AIO_ETIMEDOUT)
        say("Timeout occurred - the task was automatically cancelled");
    else
        say("Result: Task completed normally");

    say("\n== 2. cleanup at two levels, the outer one awaits (wait_for, timeout=3)");
    AIO_WAIT_FOR_CALL(t, s->rc, operation_with_graceful_cancellation, &s->operation,
                      &s->scope, AIO_SEC(3));
    if (s->rc == AIO_ETIMEDOUT)
        say("Operation timed out");
    else
        say("Result: Success");

    say("\n== 3. wait_for(task, timeout=2), then task.cancelled()");
    AIO_CHECK(t, aio_spawn(&s->slow, slow_operation));  /* task = create_task(...) */
    AIO_WAIT_FOR(t, s->rc, &s->slow, AIO_SEC(2));       /* await wait_for(task, 2) */
    if (s->rc == AIO_ETIMEDOUT)
        say("Operation timed out"); /* the task was cancelled and has finished */
    else
        say("Operation completed");
    say("Task cancelled: %s", aio_task_cancelled(&s->slow) ? "True" : "False");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
