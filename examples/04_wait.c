/* SPDX-License-Identifier: MIT */
/* 04_wait.c - AIO_WAIT (asyncio.wait): wait for several tasks until the first
 * finishes, the first fails, or all are done, with a timeout; then cancel the
 * rest and wait for their cleanup.
 *
 *   1. FIRST_COMPLETED with a timeout;
 *   2. FIRST_EXCEPTION with a timeout; the pending tasks are cancelled (they
 *      catch the cancellation and return a value instead) and gathered;
 *   3. the fastest of three sources: the others are cancelled and waited for
 *      (their cleanup runs before the function returns); when none makes it in
 *      time, all three are;
 *   4. ALL_COMPLETED with a timeout, and FIRST_EXCEPTION when a task fails;
 *   5. a hand-made timeout: the work races a timer task.
 *
 * AIO_WAIT never cancels anything and never fails on timeout: lv = how many
 * tasks are done, and aio_task_done() tells which.
 * The Python original is 04_wait.py; both print the same lines. Its "random"
 * delays come from a fixed list, the same numbers as here.
 * Run: 04_wait [--virtual] */
#include "example.h"

enum { JOB_FAILED = AIO_EUSER };  /* an error of our own: raise ValueError */

/* A task that sleeps, then returns its id or fails. Parts 2-5 use it. */
typedef struct {
    aio_task task;
    int id;
    double seconds;
    int fails;        /* part 4: raise after the sleep */
    int swallow;      /* part 2: catch the cancellation and return instead */
    const char *url;  /* part 3: print a line when cancelled */
} job_t;
static aio_status job(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    if (s->url) say("Fetching %s (will take %.1fs)", s->url, s->seconds);
    AIO_SLEEP(t, aio_seconds(s->seconds));
    if (s->fails) AIO_RAISE(t, JOB_FAILED);
    AIO_RETURN(t, s->id);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        if (s->url) say("Cancelled %s", s->url);   /* ...and re-raise */
        if (s->swallow) AIO_RETURN(t, 1000 + s->id); /* "Task N was cancelled" */
    }
    AIO_END(t);
}

/* The fixed "random" numbers: uniform(1, 5) = 1 + 4 * u. */
static const double random_u[] = {0.275, 0.1, 0.55, 0.5, 0.25, 0.75}; /* (scripted: example.h) */

/* 3. The fastest of three sources within `timeout`. */
static const char *const urls[3] = {"https://api1.example.com/data",
                                    "https://api2.example.com/data",
                                    "https://api3.example.com/data"};
typedef struct {
    aio_frame frame;
    double timeout;
    job_t source[3];
    aio_wait_item items[3];
    int i, winner;
    aio_status rc;
} fastest_t;
static aio_status fetch_from_fastest_source(aio_task *t, fastest_t *s) {
    AIO_BEGIN(t, s);
    for (s->i = 0; s->i < 3; s->i++) {
        s->source[s->i].id = s->i;
        s->source[s->i].url = urls[s->i];
        s->source[s->i].seconds = uniform(1, 5);
        AIO_CHECK(t, create_task(&s->items[s->i], &s->source[s->i].task, job));
    }
    AIO_WAIT(t, s->rc, s->items, 3, AIO_FIRST_COMPLETED, aio_seconds(s->timeout));
    s->winner = -1;
    for (s->i = 0; s->i < 3; s->i++) {
        if (!aio_task_done(&s->source[s->i].task))
            aio_cancel(&s->source[s->i].task);            /* cancel pending tasks */
        else if (s->winner < 0)
            s->winner = s->i;
    }
    if (s->winner >= 0) {
        say("Got result from fastest source: Result from %s", urls[s->winner]);
        AIO_RETURN(t, s->winner);
    }
    say("All sources timed out after %.1fs", s->timeout);
    AIO_RETURN(t, -1);
    AIO_FINALLY(t);
    for (s->i = 0; s->i < 3; s->i++)                       /* however we got here */
        if (!aio_task_done(&s->source[s->i].task)) aio_cancel(&s->source[s->i].task);
    AIO_GATHER_ALL(t, s->rc, s->items, 3);                 /* wait for their cleanup */
    AIO_END(t);
}

typedef struct {
    aio_task task;
    job_t jobs[4];
    aio_wait_item items[4];
    fastest_t fastest;
    int i, n;
    char list[128];
    aio_status rc;
} main_t;

/* Start n jobs with the given durations (seconds). */
static void start_jobs(main_t *s, int n, const double *seconds) {
    int i;
    for (i = 0; i < n; i++) {
        memset(&s->jobs[i], 0, sizeof s->jobs[i]);
        s->jobs[i].id = i + 1;
        s->jobs[i].seconds = seconds[i];
        create_task(&s->items[i], &s->jobs[i].task, job);
    }
    s->n = n;
}
/* Cancel the jobs that are not done. */
static void cancel_pending(main_t *s) {
    int i;
    for (i = 0; i < s->n; i++)
        if (!aio_task_done(&s->jobs[i].task)) aio_cancel(&s->jobs[i].task);
}

static aio_status main_task(aio_task *t) {
    static const double part1[] = {1, 2, 3}, part2[] = {1, 3, 5, 2}, part5[] = {3, 2};
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    scripted = random_u;

    say("== 1. FIRST_COMPLETED with a timeout of 1.5 s (tasks of 1, 2, 3 s)");
    start_jobs(s, 3, part1);
    AIO_WAIT(t, s->rc, s->items, 3, AIO_FIRST_COMPLETED, AIO_MS(1500));
    say("Completed tasks: %d", s->rc);
    say("Pending tasks: %d", 3 - s->rc);
    cancel_pending(s);
    AIO_GATHER_ALL(t, s->rc, s->items, 3); /* wait until the cancelled ones are done */

    say("\n== 2. FIRST_EXCEPTION with a timeout of 2.5 s (tasks of 1, 3, 5, 2 s)");
    start_jobs(s, 4, part2);
    for (s->i = 0; s->i < 4; s->i++) s->jobs[s->i].swallow = 1;
    AIO_WAIT(t, s->rc, s->items, 4, AIO_FIRST_EXCEPTION, AIO_MS(2500));
    say("Completed tasks: %d", s->rc);
    say("Pending tasks: %d", 4 - s->rc);
    for (s->i = 0; s->i < 4; s->i++)
        if (aio_task_done(&s->jobs[s->i].task))
            say("Result: Task %d completed", aio_task_result(&s->jobs[s->i].task));
    for (s->i = 0; s->i < 4; s->i++)
        if (!aio_task_done(&s->jobs[s->i].task)) {
            aio_cancel(&s->jobs[s->i].task);
            say("Cancelled task: Task %d", s->i + 1);
        }
    AIO_GATHER_ALL(t, s->rc, s->items, 4);
    /* the cancelled ones returned 1000 + id from their cleanup: "Task N was cancelled" */
    s->list[0] = '\0';
    for (s->i = 0; s->i < 4; s->i++)
        if (aio_task_result(&s->jobs[s->i].task) > 1000)
            snprintf(s->list + strlen(s->list), sizeof s->list - strlen(s->list),
                     "%s'Task %d was cancelled'", s->list[0] ? ", " : "",
                     aio_task_result(&s->jobs[s->i].task) - 1000);
    say("After cancelling: [%s]", s->list);

    say("\n== 3. the fastest of three sources within 2.5 s");
    s->fastest.timeout = 2.5;
    AIO_CALL(t, s->rc, fetch_from_fastest_source, &s->fastest);
    if (s->rc >= 0) say("Final result: Result from %s", urls[s->rc]);
    else say("No result received in time");
    say("\n== 3b. the same within 1.0 s");
    s->fastest.timeout = 1.0;
    AIO_CALL(t, s->rc, fetch_from_fastest_source, &s->fastest);
    if (s->rc >= 0) say("Final result: Result from %s", urls[s->rc]);
    else say("No result received in time");

    say("\n== 4. ALL_COMPLETED and FIRST_EXCEPTION");
    start_jobs(s, 3, part1);
    AIO_WAIT(t, s->rc, s->items, 3, AIO_ALL_COMPLETED, AIO_MS(2500));
    say("ALL_COMPLETED, timeout 2.5: %d done, %d pending", s->rc, 3 - s->rc);
    cancel_pending(s);
    AIO_GATHER_ALL(t, s->rc, s->items, 3);
    {
        static const double seconds[] = {1, 1.5, 3};
        start_jobs(s, 3, seconds);
    }
    s->jobs[1].fails = 1; /* job B fails (it has not run yet: spawned tasks start later) */
    AIO_WAIT(t, s->rc, s->items, 3, AIO_FIRST_EXCEPTION, AIO_SEC(5));
    say("FIRST_EXCEPTION, timeout 5: %d done, %d pending", s->rc, 3 - s->rc);
    for (s->i = 0; s->i < 3; s->i++) {
        if (!aio_task_done(&s->jobs[s->i].task)) continue;
        if (aio_task_failed(&s->jobs[s->i].task))
            say("  failed: job %c failed", 'A' + s->i);
        else
            say("  result: job %c done", 'A' + s->i);
    }
    cancel_pending(s);
    AIO_GATHER_ALL(t, s->rc, s->items, 3);

    say("\n== 5. a hand-made timeout: the work races a timer task");
    start_jobs(s, 2, part5); /* jobs[0]: the operation (3 s), jobs[1]: the timer (2 s) */
    say("Starting operation...");
    AIO_WAIT(t, s->rc, s->items, 2, AIO_FIRST_COMPLETED, AIO_NEVER);
    if (aio_task_done(&s->jobs[1].task)) {               /* the timer won */
        aio_cancel(&s->jobs[0].task);
        AIO_AWAIT(t, s->rc, &s->jobs[0].task);           /* wait for its cleanup */
        say("Operation was cancelled due to timeout");
        say("Final result: None");
    } else {
        say("Operation completed!");
        aio_cancel(&s->jobs[1].task);                    /* stop the timer */
        AIO_AWAIT(t, s->rc, &s->jobs[1].task);
        say("Final result: Success");
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
