/* SPDX-License-Identifier: MIT */
/* 06_retry_backoff.c - retry an unreliable operation with exponential backoff,
 * jitter, and a timeout per attempt.
 *
 * Each attempt runs under its own wait_for (AIO_WAIT_FOR_CALL, no hidden task):
 * 1 s, 2 s, 4 s, ... An attempt that hangs is cancelled when its timeout fires;
 * one that fails returns its error. Between attempts the retry loop sleeps half
 * the timeout plus a random jitter, so that many clients do not retry in step.
 * When every attempt failed, the last error is raised.
 *
 * The Python original is 06_retry_backoff.py; both print the same lines. The
 * "random" numbers come from a fixed list, the same as there (it explains
 * which number decides what).
 * Run: 06_retry_backoff [--virtual] */
#include "example.h"

enum { OPERATION_FAILED = AIO_EUSER }; /* RuntimeError("Operation failed") */

static const double random_values[] = {0.1, 0.5, 0.6, 0.2, 0.25, 0.7, 0.9,
                                       0.4, 0.3, 0.4, 0.05, 0.5, 0.8, 0.1, 0.0};

/* Fails at once, hangs, or succeeds after 0.5 s. */
typedef struct { aio_frame frame; } operation_t;
static aio_status unreliable_operation(aio_task *t, operation_t *s) {
    AIO_BEGIN(t, s);
    if (random_value() < 0.3) {
        say("Operation failed immediately");
        AIO_RAISE(t, OPERATION_FAILED);
    }
    if (random_value() < 0.5) {
        say("Operation hanging...");
        AIO_SLEEP(t, AIO_SEC(10));
        AIO_RETURN(t, 0); /* won't be reached due to the timeout */
    }
    AIO_SLEEP(t, AIO_MS(500));
    say("Operation succeeded");
    AIO_RETURN(t, 1); /* "Success" */
    AIO_END(t);
}

typedef struct {
    aio_frame frame;
    int max_retries, retries;
    double base_timeout, timeout, jitter, last_timeout;
    aio_status rc, last_error;
    operation_t operation;
    aio_timeout attempt;
} retry_t;
static aio_status retry_with_backoff(aio_task *t, retry_t *s) {
    AIO_BEGIN(t, s);
    for (s->retries = 0; s->retries <= s->max_retries;) {
        s->timeout = s->base_timeout * (double)(1 << s->retries); /* exponential backoff */
        say("Attempt %d with timeout %.1fs", s->retries + 1, s->timeout);
        AIO_WAIT_FOR_CALL(t, s->rc, unreliable_operation, &s->operation, &s->attempt,
                          aio_seconds(s->timeout));
        if (s->rc >= 0) AIO_RETURN(t, s->rc);
        if (s->rc == AIO_ETIMEDOUT)
            say("Timeout on attempt %d", s->retries + 1);
        else
            say("Error on attempt %d: Operation failed", s->retries + 1);
        s->last_error = s->rc;
        s->last_timeout = s->timeout;
        s->retries++;
        s->jitter = uniform(0, 0.5 * s->timeout); /* avoid a thundering herd */
        AIO_SLEEP(t, aio_seconds(s->timeout / 2 + s->jitter));
    }
    AIO_RAISE(t, s->last_error); /* all retries failed */
    AIO_END(t);
}

static void report(retry_t *r, aio_status rc) {
    if (rc >= 0)
        say("Final result: Success");
    else if (rc == AIO_ETIMEDOUT)
        say("All retries failed: Operation timed out after %.1fs", r->last_timeout);
    else
        say("All retries failed: Operation failed");
}

typedef struct { aio_task task; retry_t retry; aio_status rc; } main_t;
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    scripted = random_values; /* (example.h) */
    say("== 1. up to 5 retries, first timeout 1 s");
    s->retry.max_retries = 5;
    s->retry.base_timeout = 1;
    AIO_CALL(t, s->rc, retry_with_backoff, &s->retry);
    report(&s->retry, s->rc);

    say("\n== 2. up to 2 retries, first timeout 0.5 s");
    s->retry.max_retries = 2;
    s->retry.base_timeout = 0.5;
    AIO_CALL(t, s->rc, retry_with_backoff, &s->retry);
    report(&s->retry, s->rc);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
