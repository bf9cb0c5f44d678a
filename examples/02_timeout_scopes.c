/* SPDX-License-Identifier: MIT */
/* 02_timeout_scopes.c - timeout blocks: `async with asyncio.timeout(...)`.
 *
 *   1. the basic block: work that takes 5 s inside a 2 s block;
 *   2. per-stage deadlines nested inside an overall envelope: with 10 s every
 *      stage makes it; with 5 s the envelope cuts stage 3 short;
 *   3. nested blocks: aio_timeout_expired() tells which one fired, and only
 *      the block that fired stops the unwinding (an inner block lets an outer
 *      block's timeout pass through);
 *   4. aio_timeout_reschedule(): move a live deadline;
 *   5. AIO_TIMEOUT_AT and aio_time_left(): a fixed deadline the work can read;
 *   6. layered timeouts: wait_for per phase inside an overall block.
 *
 * Unlike asyncio, AIO_TIMEOUT does not raise: execution continues after the
 * block and aio_timeout_status(&scope) == AIO_ETIMEDOUT says it was cut short
 * (the `except TimeoutError:` of the Python original).
 * The Python original is 02_timeout_scopes.py; both print the same lines.
 * Run: 02_timeout_scopes [--virtual] */
#include "example.h"

/* 1. async def slow_operation(name, seconds) */
typedef struct { aio_frame frame; const char *name; int seconds; } slow_t;
static aio_status slow_operation(aio_task *t, slow_t *s) {
    AIO_BEGIN(t, s);
    say("%s starting, will take %ds", s->name, s->seconds);
    AIO_SLEEP(t, AIO_SEC(s->seconds));
    say("%s complete", s->name);
    AIO_END(t);
}

/* 2. Three stages, each with its own deadline, inside an overall envelope. */
typedef struct { aio_frame frame; int overall_s; aio_timeout overall, stage; } stages_t;
static aio_status multi_stage_operation(aio_task *t, stages_t *s) {
    AIO_BEGIN(t, s);
    AIO_TIMEOUT(t, &s->overall, AIO_SEC(s->overall_s)) {
        say("Stage 1: fetching");
        AIO_TIMEOUT(t, &s->stage, AIO_SEC(3)) { AIO_SLEEP(t, AIO_SEC(2)); }
        say("Stage 1 done");

        say("Stage 2: processing");
        AIO_TIMEOUT(t, &s->stage, AIO_SEC(2)) { AIO_SLEEP(t, AIO_SEC(1)); }
        say("Stage 2 done");

        say("Stage 3: saving");
        AIO_TIMEOUT(t, &s->stage, AIO_SEC(5)) { AIO_SLEEP(t, AIO_SEC(3)); }
        say("Stage 3 done");
    }
    /* The envelope fired while stage 3 was open: stage 3's block let the
     * unwinding pass (its own deadline had not fired), the envelope caught it. */
    if (aio_timeout_status(&s->overall) == AIO_ETIMEDOUT)
        say("Multi-stage operation timed out: ");
    AIO_END(t);
}

/* 6. Layered timeouts: fetch within 10 s, process within 15 s, all within 30 s.
 * Returns what the Python original returns: processed, partial or None. */
enum { LAYERED_NONE, LAYERED_PROCESSED, LAYERED_PARTIAL };
typedef struct { aio_frame frame; int seconds; } work_t;
static aio_status work(aio_task *t, work_t *s) { /* fetch_data / process_data */
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(s->seconds));
    AIO_END(t);
}
typedef struct {
    aio_frame frame;
    aio_timeout overall, phase;
    work_t work;
    const char *data;
    aio_status rc;
} layered_t;
static aio_status process_with_layered_timeouts(aio_task *t, layered_t *s) {
    AIO_BEGIN(t, s);
    AIO_TIMEOUT(t, &s->overall, AIO_SEC(30)) {
        s->work.seconds = 5; /* fetch_data */
        AIO_WAIT_FOR_CALL(t, s->rc, work, &s->work, &s->phase, AIO_SEC(10));
        s->data = "sample";
        if (s->rc == AIO_ETIMEDOUT) {
            say("Fetch operation timed out, using cached data");
            s->data = "cached";
        }
        s->work.seconds = 7; /* process_data */
        AIO_WAIT_FOR_CALL(t, s->rc, work, &s->work, &s->phase, AIO_SEC(15));
        if (s->rc == AIO_ETIMEDOUT) {
            say("Processing timed out, returning partial result");
            AIO_RETURN(t, LAYERED_PARTIAL);
        }
        AIO_RETURN(t, LAYERED_PROCESSED); /* leaves the block and the coroutine */
    }
    say("Overall operation timed out after 30s");
    AIO_RETURN(t, LAYERED_NONE);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout outer, inner, to;
    slow_t slow;
    stages_t stages;
    layered_t layered;
    int i;
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("== 1. async with asyncio.timeout(2): await slow_operation('task', 5)");
    AIO_TIMEOUT(t, &s->to, AIO_SEC(2)) {
        s->slow.name = "task";
        s->slow.seconds = 5;
        AIO_CALL(t, s->rc, slow_operation, &s->slow);
        say("Result: task result");
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) say("Operation timed out!");

    say("\n== 2. per-stage deadlines inside an overall envelope of 10 s");
    s->stages.overall_s = 10;
    AIO_CALL(t, s->rc, multi_stage_operation, &s->stages);
    say("\n== 2b. the same with an envelope of 5 s");
    s->stages.overall_s = 5;
    AIO_CALL(t, s->rc, multi_stage_operation, &s->stages);

    say("\n== 3. nested timeouts: which one fired?");
    AIO_TIMEOUT(t, &s->outer, AIO_SEC(5)) {      /* outer: 5 s */
        AIO_TIMEOUT(t, &s->inner, AIO_SEC(10)) { /* inner: 10 s, longer */
            AIO_SLEEP(t, AIO_SEC(7));
        }
    }
    if (aio_timeout_status(&s->outer) == AIO_ETIMEDOUT) {
        say("Which timeout was triggered?");
        say("outer expired: %s, inner expired: %s",
            aio_timeout_expired(&s->outer) ? "True" : "False",
            aio_timeout_expired(&s->inner) ? "True" : "False");
    }
    AIO_TIMEOUT(t, &s->outer, AIO_SEC(5)) {      /* outer: 5 s */
        AIO_TIMEOUT(t, &s->inner, AIO_SEC(2)) {  /* inner: 2 s, shorter */
            AIO_SLEEP(t, AIO_SEC(3));
        }
        if (aio_timeout_status(&s->inner) == AIO_ETIMEDOUT) say("Inner timeout triggered after 2s");
    }
    if (aio_timeout_status(&s->outer) == AIO_ETIMEDOUT) say("Outer timeout triggered after 5s");

    say("\n== 4. reschedule");
    AIO_TIMEOUT(t, &s->to, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_SEC(2));
        say("This won't be reached");
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) say("The operation timed out");
    AIO_TIMEOUT(t, &s->to, AIO_SEC(10)) {
        AIO_SLEEP(t, AIO_SEC(1));
        say("First part completed");
        aio_timeout_reschedule(&s->to, aio_now() + AIO_SEC(2)); /* 2 s from now */
        AIO_SLEEP(t, AIO_SEC(3));
        say("This won't be reached");
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) say("The operation timed out after reset");

    say("\n== 5. timeout_at: a deadline the work can read");
    AIO_TIMEOUT_AT(t, &s->to, aio_now() + AIO_SEC(10)) {
        for (s->i = 0; s->i < 5; s->i++) {
            say("Step %d: doing work (%.1fs left)", s->i, aio_to_seconds(aio_time_left(NULL)));
            AIO_SLEEP(t, AIO_SEC(2));
        }
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) say("Out of time; aborting remaining steps");

    say("\n== 6. layered timeouts: fetch (10 s), process (15 s), overall (30 s)");
    AIO_CALL(t, s->rc, process_with_layered_timeouts, &s->layered);
    switch (s->rc) { /* no await in here: a switch of our own is fine */
    case LAYERED_PROCESSED: say("Result: {'processed': '%s'}", s->layered.data); break;
    case LAYERED_PARTIAL: say("Result: {'partial': '%s'}", s->layered.data); break;
    default: say("Result: None"); break;
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
