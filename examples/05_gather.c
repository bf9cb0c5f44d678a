/* SPDX-License-Identifier: MIT */
/* 05_gather.c - AIO_GATHER (asyncio.gather): run several fetches at once and
 * collect their results in order; a timeout for each, or one over them all.
 *
 *   1. one timeout over a gather: enough time (5 s), then not enough (2.5 s):
 *      the fetches still running are cancelled and waited for, then the
 *      timeout is reported;
 *   2. a timeout for each fetch: results and timeouts are gathered alike;
 *   3. AIO_TIMEOUT(5 s) around a gather;
 *   4. partial results: count the fetches that made it within 2 s.
 *
 * The Python original is 05_gather.py; both print the same lines.
 * Run: 05_gather [--virtual] */
#include "example.h"

/* async def fetch_data(source, delay), an inline coroutine */
typedef struct { aio_frame frame; const char *source; double delay; int quiet; } fetch_data_t;
static aio_status fetch_data(aio_task *t, fetch_data_t *s) {
    AIO_BEGIN(t, s);
    if (!s->quiet) say("Fetching from %s...", s->source);
    AIO_SLEEP(t, aio_seconds(s->delay));
    AIO_END(t);
}

/* A task around one fetch, with its own timeout if `timeout` > 0:
 * the safe_fetch / fetch_with_individual_timeout of the Python original. */
typedef struct {
    aio_task task;
    fetch_data_t fetch;
    double timeout;
    aio_timeout scope;
    aio_status rc;
    char result[64];
} fetcher_t;
static aio_status fetcher(aio_task *t) {
    fetcher_t *s = AIO_SELF(t, fetcher_t);
    AIO_BEGIN(t);
    AIO_WAIT_FOR_CALL(t, s->rc, fetch_data, &s->fetch, &s->scope,
                      s->timeout > 0 ? aio_seconds(s->timeout) : AIO_NEVER); /* (0: no timeout of its own) */
    snprintf(s->result, sizeof s->result, s->rc == AIO_ETIMEDOUT ? "Timeout: %s took too long" : "Data from %s",
             s->fetch.source);
    AIO_RETURN(t, s->rc != AIO_ETIMEDOUT); /* 1: its data, 0: timed out */
    AIO_END(t);
}

/* 1. async def fetch_multiple() and fetch_all_with_global_timeout(timeout):
 * inline coroutines, in the main task. Their code follows main_t. */
typedef struct { aio_frame frame; struct main_s *m; } multiple_t;
typedef struct { aio_frame frame; double timeout; multiple_t multiple; aio_timeout scope; aio_status rc; } global_t;

typedef struct main_s {
    aio_task task;
    global_t global;
    fetcher_t fetchers[3];
    aio_wait_item items[3];
    aio_timeout scope;
    int i, ok;
    aio_status rc;
    char list[256];
} main_t;

/* Set up fetchers[i] and its wait item, and spawn it (quiet: no "Fetching" line). */
static aio_status start(main_t *s, int i, const char *source, double delay, double timeout, int quiet) {
    memset(&s->fetchers[i], 0, sizeof s->fetchers[i]);
    s->fetchers[i].fetch.source = source;
    s->fetchers[i].fetch.quiet = quiet;
    s->fetchers[i].fetch.delay = delay;
    s->fetchers[i].timeout = timeout;
    return create_task(&s->items[i], &s->fetchers[i].task, fetcher);
}

/* The results as Python prints a list of strings. */
static const char *results_list(main_t *s) {
    int i;
    s->list[0] = '\0';
    for (i = 0; i < 3; i++) join(s->list, sizeof s->list, "'%s'", s->fetchers[i].result);
    return s->list;
}

/* 1. Gather three fetches; if we are cancelled (our caller's timeout), so are they. */
static aio_status fetch_multiple(aio_task *t, multiple_t *s) {
    AIO_BEGIN(t, s);
    AIO_CHECK(t, start(s->m, 0, "Database", 2, 0, 0));
    AIO_CHECK(t, start(s->m, 1, "API", 3, 0, 0));
    AIO_CHECK(t, start(s->m, 2, "Cache", 1, 0, 0));
    AIO_GATHER(t, s->m->rc, s->m->items, 3);
    AIO_END(t);
}

/* Give all of them `timeout` seconds together. */
static aio_status fetch_all_with_global_timeout(aio_task *t, global_t *s) {
    AIO_BEGIN(t, s);
    AIO_WAIT_FOR_CALL(t, s->rc, fetch_multiple, &s->multiple, &s->scope, aio_seconds(s->timeout));
    if (s->rc == AIO_ETIMEDOUT)
        say("Not all operations completed within %g seconds", s->timeout);
    else
        say("All results: [%s]", results_list(s->multiple.m));
    AIO_END(t);
}

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("== 1. one timeout over a gather: wait_for(gather(...), 5.0)");
    s->global.multiple.m = s;
    s->global.timeout = 5.0;
    AIO_CALL(t, s->rc, fetch_all_with_global_timeout, &s->global);
    say("\n== 1b. the same with 2.5 s");
    s->global.timeout = 2.5;
    AIO_CALL(t, s->rc, fetch_all_with_global_timeout, &s->global);

    say("\n== 2. a timeout for each fetch, gathered");
    AIO_CHECK(t, start(s, 0, "Database", 2, 3.0, 0)); /* 3 second timeout */
    AIO_CHECK(t, start(s, 1, "API", 4, 2.0, 0));      /* 2 second timeout (will time out) */
    AIO_CHECK(t, start(s, 2, "Cache", 1, 5.0, 0));    /* 5 second timeout */
    AIO_GATHER(t, s->rc, s->items, 3);
    for (s->i = 0; s->i < 3; s->i++) say("%s", s->fetchers[s->i].result);

    say("\n== 3. async with timeout(5): await gather(...)");
    AIO_TIMEOUT(t, &s->scope, AIO_SEC(5)) {
        AIO_CHECK(t, start(s, 0, "api1", 2, 0, 1));
        AIO_CHECK(t, start(s, 1, "api2", 2, 0, 1));
        AIO_CHECK(t, start(s, 2, "api3", 2, 0, 1));
        AIO_GATHER(t, s->rc, s->items, 3);
        say("All results: [%s]", results_list(s));
    }
    if (aio_timeout_status(&s->scope) == AIO_ETIMEDOUT)
        say("Failed to fetch all data within 5 seconds");

    say("\n== 4. partial results: each fetch within 2 s");
    AIO_CHECK(t, start(s, 0, "fast-api", 0.5, 2, 1));
    AIO_CHECK(t, start(s, 1, "slow-api", 3, 2, 1));
    AIO_CHECK(t, start(s, 2, "normal-api", 1.5, 2, 1));
    AIO_GATHER(t, s->rc, s->items, 3);
    for (s->ok = s->i = 0; s->i < 3; s->i++) s->ok += aio_task_result(&s->fetchers[s->i].task);
    say("Successful: %d", s->ok);
    say("Failed: %d", 3 - s->ok);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
