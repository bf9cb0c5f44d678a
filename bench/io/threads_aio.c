/* SPDX-License-Identifier: MIT */
/* bench/io/threads_aio.c - what a call on a worker thread and a name lookup
 * cost with aio_timeout.h, on the real clock, beside asyncio's
 * `await asyncio.to_thread(f)` and `await loop.getaddrinfo(host, port)`
 * (bench/io/threads_asyncio.py measures those the same way).
 *
 *  - to_thread: one task awaits AIO_TO_THREAD(t, lv, fn, &v, sizeof v,
 *    AIO_NEVER) of a function that adds one to its int and returns it, n
 *    times in sequence, each round trip timed alone (CLOCK_MONOTONIC before
 *    the await and after it): from the task's call to its resumption with the
 *    result, through the pool's queue, a worker thread, the loop's wake-up and
 *    its reaping of the ended call. `warmup` calls first, untimed, so that the
 *    pool's thread exists and the code and data are warm. No deadline:
 *    asyncio.to_thread has none either.
 *  - in flight: k tasks, each doing m such calls one after another, all at
 *    once; calls/s = k * m / the time until the last one ends. A first batch
 *    (m / 10 calls each) is not timed, so that the pool's threads (as many as
 *    calls wait, up to AIO_THREADS_MAX) exist before the timed one.
 *  - lookup: AIO_LOOKUP of ("localhost", 80), `lookups` times in sequence,
 *    each timed alone, after 10 untimed: getaddrinfo (AF_UNSPEC,
 *    SOCK_STREAM) on a worker thread; and of ("127.0.0.1", 80), which a
 *    numeric host answers without a thread.
 *
 *     threads_aio [n=N] [k=K] [m=M] [lookups=L] [warmup=W]
 *     threads_aio --version
 *
 * Prints one JSON object on stdout; any status that is not the one expected
 * ends the program with a message on stderr and exit status 1. */
#define _POSIX_C_SOURCE 200809L
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TASKS 1024
#define MAX_ADDRS 8

static long n_calls = 20000;   /* round trips timed one by one */
static long k_tasks = 8;       /* tasks with a call in flight at once */
static long m_calls = 5000;    /* calls of each of them */
static long n_lookups = 2000;  /* lookups of each host */
static long n_warmup = 1000;   /* untimed round trips first */

static void fail(const char *what, aio_status rc) {
    fprintf(stderr, "threads_aio: %s: %s (%d)\n", what, aio_strerror(rc), (int)rc);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The function the worker threads run: it returns at once. It works on the
 * pool's copy of the caller's int, which comes back into the caller's. */
static int bump(void *data) {
    int *v = (int *)data;
    *v += 1;
    return *v;
}

/* ------------------------------------------------------------ statistics */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The figures of n times (ns), the times sorted on the way. */
typedef struct {
    long n;
    double mean_us, median_us, p99_us, min_us, max_us;
} summary;

static summary summarise(uint64_t *ns, long n) {
    summary s;
    double sum = 0;
    long i;
    qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
    for (i = 0; i < n; i++) sum += (double)ns[i];
    s.n = n;
    s.mean_us = sum / (double)n / 1e3;
    s.median_us = (double)ns[n / 2] / 1e3;
    s.p99_us = (double)ns[n * 99 / 100] / 1e3;
    s.min_us = (double)ns[0] / 1e3;
    s.max_us = (double)ns[n - 1] / 1e3;
    return s;
}

static void print_summary(const char *name, summary s, const char *extra) {
    printf("  \"%s\": {\"n\": %ld, \"mean_us\": %.3f, \"median_us\": %.3f, \"p99_us\": %.3f, \"min_us\": %.3f, "
           "\"max_us\": %.3f%s},\n",
           name, s.n, s.mean_us, s.median_us, s.p99_us, s.min_us, s.max_us, extra);
}

/* ----------------------------------------------------------------- tasks */

/* One of the k tasks with a call in flight: `calls` round trips in a row. */
typedef struct {
    aio_task task;
    int value; /* the function's int: it must come back one higher each time */
    long calls;
    long i;
    aio_status rc;
} flier;

static aio_status flier_main(aio_task *t) {
    flier *f = AIO_SELF(t, flier);
    AIO_BEGIN(t);
    for (f->i = 0; f->i < f->calls; f->i++) {
        AIO_TO_THREAD(t, f->rc, bump, &f->value, sizeof f->value, AIO_NEVER);
        if (f->rc < 0) fail("AIO_TO_THREAD (in flight)", f->rc);
        if (f->rc != f->value) fail("AIO_TO_THREAD (in flight): the result is not the data copied back", AIO_EINVAL);
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    int value;
    long i;
    long j;
    aio_status rc;
    uint64_t t0;
    uint64_t *times; /* one per timed round trip or lookup */
    uint64_t parallel_ns;
    summary to_thread, localhost, numeric;
    flier fliers[MAX_TASKS];
    aio_address addrs[MAX_ADDRS];
    int localhost_addrs; /* how many addresses "localhost" gave */
} bench;

/* Start k fliers of `calls` calls each, and await them all (in main_task). */
static void start_fliers(bench *b, long calls) {
    long i;
    for (i = 0; i < k_tasks; i++) {
        b->fliers[i].calls = calls;
        if (aio_spawn(&b->fliers[i].task, flier_main) < 0) fail("aio_spawn", AIO_EINVAL);
    }
}

static aio_status main_task(aio_task *t) {
    bench *b = AIO_SELF(t, bench);
    AIO_BEGIN(t);
    /* to_thread, one call at a time */
    for (b->i = 0; b->i < n_warmup + n_calls; b->i++) {
        b->t0 = now_ns();
        AIO_TO_THREAD(t, b->rc, bump, &b->value, sizeof b->value, AIO_NEVER);
        if (b->i >= n_warmup) b->times[b->i - n_warmup] = now_ns() - b->t0;
        if (b->rc < 0) fail("AIO_TO_THREAD", b->rc);
        if (b->rc != b->value || b->value != (int)(b->i + 1))
            fail("AIO_TO_THREAD: the result is not the data copied back", AIO_EINVAL);
    }
    b->to_thread = summarise(b->times, n_calls);

    /* k calls in flight: a first batch untimed, then the timed one */
    for (b->j = 0; b->j < 2; b->j++) {
        start_fliers(b, b->j == 0 ? (m_calls + 9) / 10 : m_calls);
        b->t0 = now_ns();
        for (b->i = 0; b->i < k_tasks; b->i++) {
            AIO_AWAIT(t, b->rc, &b->fliers[b->i].task);
            if (b->rc < 0) fail("a task with calls in flight", b->rc);
        }
        b->parallel_ns = now_ns() - b->t0;
    }

    /* lookups of a name, through getaddrinfo on a worker thread */
    for (b->i = 0; b->i < 10 + n_lookups; b->i++) {
        b->t0 = now_ns();
        AIO_LOOKUP(t, b->rc, "localhost", 80, b->addrs, MAX_ADDRS, AIO_NEVER);
        if (b->i >= 10) b->times[b->i - 10] = now_ns() - b->t0;
        if (b->rc < 1) fail("AIO_LOOKUP(\"localhost\")", b->rc < 0 ? b->rc : AIO_ENOTFOUND);
        if (aio_address_port(&b->addrs[0]) != 80) fail("AIO_LOOKUP(\"localhost\"): not port 80", AIO_EINVAL);
        b->localhost_addrs = b->rc;
    }
    b->localhost = summarise(b->times, n_lookups);
    /* and of a numeric host, which needs no thread */
    for (b->i = 0; b->i < n_lookups; b->i++) {
        b->t0 = now_ns();
        AIO_LOOKUP(t, b->rc, "127.0.0.1", 80, b->addrs, MAX_ADDRS, AIO_NEVER);
        b->times[b->i] = now_ns() - b->t0;
        if (b->rc != 1) fail("AIO_LOOKUP(\"127.0.0.1\")", b->rc < 0 ? b->rc : AIO_EINVAL);
        if (aio_address_port(&b->addrs[0]) != 80) fail("AIO_LOOKUP(\"127.0.0.1\"): not port 80", AIO_EINVAL);
    }
    b->numeric = summarise(b->times, n_lookups);
    AIO_END(t);
}

/* ------------------------------------------------------------------ main */

/* key=value into *value: 1 if arg is about key, else 0; exits on a bad value. */
static int arg_value(const char *arg, const char *key, long *value) {
    size_t len = strlen(key);
    char *end;
    long v;
    if (strncmp(arg, key, len) != 0 || arg[len] != '=') return 0;
    v = strtol(arg + len + 1, &end, 10);
    if (end == arg + len + 1 || *end || v < 1) {
        fprintf(stderr, "threads_aio: bad %s\n", arg);
        exit(2);
    }
    *value = v;
    return 1;
}

int main(int argc, char **argv) {
    static bench b;
    aio_loop loop;
    aio_status rc;
    char extra[64];
    int i;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("aio_timeout.h, a pool of at most %d worker threads (AIO_THREADS_MAX)\n", AIO_THREADS_MAX);
        return 0;
    }
    for (i = 1; i < argc; i++) {
        if (!arg_value(argv[i], "n", &n_calls) && !arg_value(argv[i], "k", &k_tasks) &&
            !arg_value(argv[i], "m", &m_calls) && !arg_value(argv[i], "lookups", &n_lookups) &&
            !arg_value(argv[i], "warmup", &n_warmup)) {
            fprintf(stderr, "usage: threads_aio [n=N] [k=K] [m=M] [lookups=L] [warmup=W]\n");
            return 2;
        }
    }
    if (k_tasks > MAX_TASKS) {
        fprintf(stderr, "threads_aio: k is at most %d\n", MAX_TASKS);
        return 2;
    }
    b.times = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)(n_calls > n_lookups ? n_calls : n_lookups));
    if (!b.times) fail("out of memory", AIO_EIO);

    aio_loop_init(&loop, NULL, 0); /* the system's clock; no deadline is armed */
    rc = aio_run(&loop, &b.task, main_task);
    if (rc < 0) fail("aio_run", rc);
    rc = aio_loop_destroy(&loop); /* (joins the pool's threads) */
    if (rc < 0) fail("aio_loop_destroy", rc);
    printf("{\n  \"impl\": \"ours\",\n  \"threads_max\": %d,\n", AIO_THREADS_MAX);
    print_summary("to_thread", b.to_thread, "");
    printf("  \"to_thread_in_flight\": {\"k\": %ld, \"calls_each\": %ld, \"seconds\": %.6f, \"calls_per_s\": %.1f},\n",
           k_tasks, m_calls, (double)b.parallel_ns / 1e9, (double)(k_tasks * m_calls) / ((double)b.parallel_ns / 1e9));
    snprintf(extra, sizeof extra, ", \"addresses\": %d", b.localhost_addrs);
    print_summary("lookup_localhost", b.localhost, extra);
    print_summary("lookup_numeric", b.numeric, ", \"addresses\": 1");
    printf("  \"ok\": true\n}\n");
    free(b.times);
    return 0;
}
