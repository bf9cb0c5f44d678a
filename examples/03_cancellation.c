/* SPDX-License-Identifier: MIT */
/* 03_cancellation.c - cancelling a task: cleanup that re-raises, and what
 * happens when code swallows the cancellation.
 *
 *   1. aio_cancel() after 2.5 s: the task notices at its next await, cleans up
 *      in AIO_FINALLY and ends cancelled (leaving AIO_FINALLY with the status
 *      unchanged is the `raise` of `except CancelledError: ...; raise`);
 *   2. cleanup that awaits (releasing a resource takes 0.1 s), then the part
 *      that runs on every exit (`finally:`);
 *   3. cancellation is only noticed at an await: a loop without one runs to
 *      its end; one with AIO_YIELD every 1000 iterations stops at the next;
 *   4. swallowing: good_coroutine re-raises; bad_coroutine returns a value from
 *      its cleanup instead. DIFFERENCE FROM ASYNCIO (deliberate, README
 *      "Differences from asyncio"): in asyncio the swallow ends the
 *      cancellation and the worker carries on as a zombie; here the
 *      cancellation stays in force for the task, so the worker's next await
 *      unwinds it and the task ends cancelled. Debug builds also report the
 *      swallow (this file defines AIO_DEBUG and prints the report).
 *
 * The Python original is 03_cancellation.py; it prints the same lines except
 * in part 4 (expected/03_cancellation.python-diff lists the difference).
 * Run: 03_cancellation [--virtual] */
#ifndef AIO_DEBUG
#define AIO_DEBUG /* report misuse, such as a swallowed cancellation */
#endif
#include "example.h"

/* 1. -------------------------------------------------------------------- */
typedef struct { aio_task task; const char *name; int i; } cancellable_t;
static aio_status cancellable_task(aio_task *t) {
    cancellable_t *s = AIO_SELF(t, cancellable_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 10; s->i++) {
        say("%s: step %d", s->name, s->i);
        AIO_SLEEP(t, AIO_SEC(1));
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED)
        say("%s: cancellation received, cleaning up", s->name); /* ...and re-raise */
    AIO_END(t);
}

/* 2. -------------------------------------------------------------------- */
typedef struct { aio_task task; int resource_acquired, i; } robust_t;
static aio_status robust_operation_with_cleanup(aio_task *t) {
    robust_t *s = AIO_SELF(t, robust_t);
    AIO_BEGIN(t);
    s->resource_acquired = 0;
    say("Acquiring resource...");
    AIO_SLEEP(t, AIO_MS(500));
    s->resource_acquired = 1;
    say("Resource acquired successfully");
    for (s->i = 0; s->i < 10; s->i++) {
        say("Processing step %d/10", s->i + 1);
        AIO_SLEEP(t, AIO_SEC(1)); /* cancellation point */
    }
    say("Operation completed successfully");
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {   /* except CancelledError: */
        say("Operation cancelled - performing cleanup");
        if (s->resource_acquired) {
            say("Releasing resource...");
            AIO_SLEEP(t, AIO_MS(100));       /* cleanup may await */
            say("Resource released");
        }
    }                                        /* (the status stays: re-raised) */
    say("Finally block executed");           /* finally: */
    AIO_END(t);
}

/* 3. -------------------------------------------------------------------- */
static int progress;
static int heavy_computation(void) { /* sum(range(100)) */
    int i, sum = 0;
    for (i = 0; i < 100; i++) sum += i;
    return sum;
}
/* bad_loop (good 0): no await, nothing can stop it; good_loop (good 1): a
 * checkpoint every 1000 iterations. */
typedef struct { aio_task task; int good, i, result; } loop_t;
static aio_status computation_loop(aio_task *t) {
    loop_t *s = AIO_SELF(t, loop_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 10000; s->i++) {
        progress = s->i;
        s->result = heavy_computation();
        if (s->good && s->i % 1000 == 0) AIO_YIELD(t);
    }
    AIO_RETURN(t, s->result);
    AIO_END(t);
}

/* 4. -------------------------------------------------------------------- */
typedef struct { aio_frame frame; } inner_t;
static aio_status good_coroutine(aio_task *t, inner_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("Cancelled! Cleaning up."); /* then re-raise */
    AIO_END(t);
}
static aio_status bad_coroutine(aio_task *t, inner_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) AIO_RETURN(t, 0); /* "pass": don't do this! */
    AIO_END(t);
}

typedef aio_status (*inner_fn)(aio_task *, inner_t *);
typedef struct { aio_task task; inner_fn fn; const char *name; inner_t inner; aio_status rc; } worker_t;
static aio_status worker(aio_task *t) {
    worker_t *s = AIO_SELF(t, worker_t);
    AIO_BEGIN(t);
    AIO_CALL(t, s->rc, s->fn, &s->inner);
    say("worker: %s() returned; carrying on", s->name);
    AIO_SLEEP(t, AIO_SEC(1)); /* here: the cancellation is still in force */
    say("worker: still running after the cancel (a zombie)");
    AIO_RETURN(t, 1); /* "done" */
    AIO_END(t);
}

static void print_debug_report(aio_status code, const char *message) {
    say("debug report: %s (%s)", message, aio_strerror(code));
}

/* ----------------------------------------------------------------------- */
typedef struct {
    aio_task task;
    cancellable_t cancellable;
    robust_t robust;
    loop_t loop;
    worker_t worker;
    int round, turn;
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("== 1. task.cancel() after 2.5 s; the task cleans up and re-raises");
    s->cancellable.name = "worker";
    AIO_CHECK(t, aio_spawn(&s->cancellable.task, cancellable_task));
    AIO_SLEEP(t, AIO_MS(2500));
    say("Cancelling task...");
    aio_cancel(&s->cancellable.task);
    AIO_AWAIT(t, s->rc, &s->cancellable.task); /* waits for its cleanup */
    if (s->rc == AIO_ECANCELED) say("Task was cancelled");

    say("\n== 2. cleanup that awaits, then re-raises; finally runs last");
    AIO_CHECK(t, aio_spawn(&s->robust.task, robust_operation_with_cleanup));
    AIO_SLEEP(t, AIO_SEC(3));
    say("Requesting cancellation...");
    aio_cancel(&s->robust.task);
    AIO_AWAIT(t, s->rc, &s->robust.task);
    if (s->rc == AIO_ECANCELED)
        say("Task was properly cancelled");
    else
        say("Result: Operation successful");

    say("\n== 3. cancellation happens only at an await");
    for (s->round = 0; s->round < 2; s->round++) {
        s->loop.good = s->round;
        AIO_CHECK(t, aio_spawn(&s->loop.task, computation_loop));
        for (s->turn = 0; s->turn < 3; s->turn++)
            AIO_YIELD(t); /* the loop gets a few turns, then it is cancelled */
        aio_cancel(&s->loop.task);
        AIO_AWAIT(t, s->rc, &s->loop.task);
        if (s->rc == AIO_ECANCELED)
            say("%s: cancelled at iteration %d", s->round == 0 ? "bad_loop" : "good_loop", progress);
        else
            say("%s: ran all %d iterations and returned %d; the cancel came too late",
                s->round == 0 ? "bad_loop" : "good_loop", progress + 1, s->rc);
    }

    say("\n== 4. swallowing CancelledError");
    aio_set_debug_hook(print_debug_report);
    for (s->round = 0; s->round < 2; s->round++) {
        s->worker.fn = s->round == 0 ? good_coroutine : bad_coroutine;
        s->worker.name = s->round == 0 ? "good_coroutine" : "bad_coroutine";
        AIO_CHECK(t, aio_spawn(&s->worker.task, worker));
        AIO_SLEEP(t, AIO_SEC(1));
        aio_cancel(&s->worker.task);
        AIO_AWAIT(t, s->rc, &s->worker.task);
        if (s->rc == AIO_ECANCELED)
            say("%s: the task was cancelled", s->worker.name);
        else
            say("%s: the task finished normally: done", s->worker.name);
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
