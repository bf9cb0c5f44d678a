/* SPDX-License-Identifier: MIT */
/* 08_progress_shield.c - monitor a long operation's progress through a shield,
 * with an overall timeout.
 *
 * The operation runs as its own task and reports its progress. The monitor
 * waits on it one progress interval at a time with AIO_WAIT_FOR_SHIELD
 * (asyncio's wait_for(shield(task), interval)): when an interval passes, the
 * wait times out but the task keeps running, and the monitor prints how far it
 * got. Once the overall timeout has passed, the monitor cancels the task, waits
 * for it, and reports the timeout.
 *
 * The Python original is 08_progress_shield.py; both print the same lines.
 * Run: 08_progress_shield [--virtual] */
#include "example.h"

/* async def operation_with_progress_updates(steps=10, step_time=0.5) */
typedef struct { aio_task task; int steps, i; aio_time step_time; } operation_t;
static aio_status operation_with_progress_updates(aio_task *t) {
    operation_t *s = AIO_SELF(t, operation_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->steps; s->i++) {
        AIO_SLEEP(t, s->step_time);                           /* simulate work */
        say("Progress: %.1f%%", (double)(s->i + 1) / s->steps * 100);
        AIO_YIELD(t);                                         /* a cancellation check */
    }
    AIO_RETURN(t, 1); /* "Operation completed" */
    AIO_END(t);
}

/* Monitor `task` (already spawned) until it is done or `timeout` has passed. */
typedef struct {
    aio_frame frame;
    aio_task *task;
    double timeout, progress_interval, elapsed;
    aio_time start;
    aio_status rc;
} monitor_t;
static aio_status run_with_timeout_and_progress(aio_task *t, monitor_t *s) {
    AIO_BEGIN(t, s);
    s->start = aio_now();
    while (!aio_task_done(s->task)) {
        s->elapsed = aio_to_seconds(aio_now() - s->start);
        if (s->elapsed >= s->timeout) {
            aio_cancel(s->task);
            AIO_AWAIT(t, s->rc, s->task); /* wait until it has cleaned up */
            AIO_RAISE(t, AIO_ETIMEDOUT);
        }
        /* wait one interval; on timeout the shield leaves the task running */
        AIO_WAIT_FOR_SHIELD(t, s->rc, s->task, aio_seconds(s->progress_interval));
        if (s->rc != AIO_ETIMEDOUT) break; /* the task completed */
        say("Elapsed: %.1fs, Remaining: %.1fs", s->elapsed, s->timeout - s->elapsed);
    }
    AIO_AWAIT(t, s->rc, s->task); /* its result */
    AIO_RETURN(t, s->rc);
    AIO_END(t);
}

typedef struct { aio_task task; operation_t operation; monitor_t monitor; int run; aio_status rc; } main_t;
static aio_status main_task(aio_task *t) {
    /* the operation takes 5 s: within 7 s it completes, within 3 s it does not */
    static const double timeouts[2] = {7, 3};
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    for (s->run = 0; s->run < 2; s->run++) {
        if (s->run > 0) say("\n---\n");
        s->operation.steps = 10;
        s->operation.step_time = AIO_MS(500);
        AIO_CHECK(t, aio_spawn(&s->operation.task, operation_with_progress_updates));
        s->monitor.task = &s->operation.task;
        s->monitor.timeout = timeouts[s->run];
        s->monitor.progress_interval = 0.5;
        AIO_CALL(t, s->rc, run_with_timeout_and_progress, &s->monitor);
        if (s->rc == AIO_ETIMEDOUT)
            say("Timed out: Operation timed out after %.1fs", s->monitor.elapsed);
        else
            say("Success: Operation completed");
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
