/* SPDX-License-Identifier: MIT */
/* bench/aio_bench.c - what aio_timeout.h costs per operation, through its
 * public API only, built at -O2 without AIO_DEBUG.
 *
 *     aio_bench resume   [n=] [reps=] [tasks=] a task yields and is resumed
 *     aio_bench spawn    [n=] [reps=]          spawn a task that returns at once, join it
 *     aio_bench deadline [pending=] [n=] [reps=]  wait_for / timeout around an await
 *                                              that completes first, K timers pending
 *     aio_bench fires    [due=] [reps=]        N sleeping tasks woken by their deadlines
 *     aio_bench cancel   [n=] [reps=]          cancel a sleeping task, run its cleanup, reap it
 *     aio_bench queue    [n=] [reps=]          an item put by one task and got by another
 *     aio_bench bytes    [tasks=]              sizes, and RSS per idle task
 *
 * This file is also the implementing file (AIO_TIMEOUT_IMPLEMENTATION, one .c
 * file, as the README shows). Built with -DBENCH_SPLIT it is not: the library
 * then lives in bench/aio_impl.c, another translation unit, and every call
 * into it is a real call (what a multi-file program without LTO sees).
 * bench/README.md says exactly what each figure does. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep (common.h) under -std=c11 */
#ifndef BENCH_SPLIT
#define AIO_TIMEOUT_IMPLEMENTATION
#define IMPL "ours"
#else
#define IMPL "ours-split"
#endif
#include "aio_timeout.h" /* -I. (the Makefile), or BENCH_INC=-I<dir> for another copy */
#include "common.h"

static aio_loop L;
static aio_timer *timers;

/* A fresh loop with `slots` timer slots, on the real monotonic clock (the
 * default on POSIX) or the virtual clock. */
static void loop_setup(uint32_t slots, int virtual_clock) {
    free(timers);
    timers = (aio_timer *)malloc((size_t)(slots ? slots : 1) * sizeof *timers);
    if (!timers) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    aio_loop_init(&L, timers, slots);
    if (virtual_clock) aio_loop_use_virtual_clock(&L, 0);
}

/* clock=virtual|real selects the cases of resume and spawn (default: both) */
static int clock_wanted(int virtual_clock) {
    long c = bench_arg_is("clock", "virtual") ? 1 : bench_arg_is("clock", "real") ? 0 : -1;
    return c < 0 || c == virtual_clock;
}

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "aio_bench: check failed: %s\n", what);
        exit(1);
    }
}

/* ------------------------------------------------------------------ resume */

typedef struct {
    aio_task task;
    long n, i;
} yielder_t;

static aio_status yielder(aio_task *t) {
    yielder_t *s = AIO_SELF(t, yielder_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) AIO_YIELD(t);
    AIO_RETURN(t, 1);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    yielder_t *ys;
    long m, i;
    aio_status rc;
} group_t;

/* spawn m yielders and await them all */
static aio_status group(aio_task *t) {
    group_t *s = AIO_SELF(t, group_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->m; s->i++) AIO_CHECK(t, aio_spawn(&s->ys[s->i].task, yielder));
    for (s->i = 0; s->i < s->m; s->i++) {
        AIO_AWAIT(t, s->rc, &s->ys[s->i].task);
        if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
    }
    AIO_RETURN(t, 1);
    AIO_END(t);
}

static unsigned long clock_reads;
static aio_time counting_clock(void *ctx) {
    (void)ctx;
    clock_reads++;
    return (aio_time)bench_ns();
}

static void bench_resume(void) {
    long n = bench_arg("n", 10000000), reps = bench_arg("reps", 7), r;
    static const struct { const char *name; long tasks; int virt; } cases[] = {
        {"1-task/virtual", 1, 1}, {"1-task/real-clock", 1, 0}, {"1000-tasks/real-clock", 1000, 0}};
    size_t c;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bench_reps res = {{0}, 0};
        long m = cases[c].tasks, i;
        yielder_t *ys;
        static group_t g;
        if (!clock_wanted(cases[c].virt)) continue;
        if (bench_arg("tasks", m) != m) continue; /* tasks=1|1000: that case alone */
        ys = (yielder_t *)calloc((size_t)m, sizeof *ys);
        must(ys != NULL, "calloc");
        loop_setup(16, cases[c].virt);
        for (r = 0; r < reps; r++) {
            uint64_t t0, t1;
            aio_status rc;
            for (i = 0; i < m; i++) ys[i].n = n / m;
            t0 = bench_ns();
            if (m == 1) {
                rc = aio_run(&L, &ys[0].task, yielder);
            } else {
                g.ys = ys;
                g.m = m;
                rc = aio_run(&L, &g.task, group);
            }
            t1 = bench_ns();
            must(rc == 1, "resume: the tasks finished");
            bench_add(&res, (double)(t1 - t0) / (double)(n / m * m));
        }
        bench_report("resume", cases[c].name, IMPL, &res, n, cases[c].virt ? "virtual clock" : "real clock");
        if (m == 1 && !cases[c].virt) { /* how often a resume that arms nothing reads the clock */
            aio_loop_set_clock(&L, counting_clock, NULL);
            ys[0].n = 10000;
            clock_reads = 0;
            must(aio_run(&L, &ys[0].task, yielder) == 1, "resume: counted run");
            bench_value("resume", "clock-reads/1-task", IMPL, (double)clock_reads / 10000.0, "reads/op",
                        "real clock: clock reads per resume of a task that arms no deadline");
        }
        must(aio_loop_destroy(&L) == AIO_OK, "destroy");
        free(ys);
    }
}

/* -------------------------------------------------------------- spawn+join */

static aio_status ret_now(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RETURN(t, 1);
    AIO_END(t);
}

typedef struct {
    aio_task task, child;
    long n, i;
    aio_status rc;
} spawner_t;

static aio_status spawner(aio_task *t) {
    spawner_t *s = AIO_SELF(t, spawner_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) {
        AIO_CHECK(t, aio_spawn(&s->child, ret_now));
        AIO_AWAIT(t, s->rc, &s->child);
        if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
    }
    AIO_RETURN(t, 1);
    AIO_END(t);
}

static void bench_spawn(void) {
    long n = bench_arg("n", 5000000), reps = bench_arg("reps", 7), r;
    int virt;
    for (virt = 1; virt >= 0; virt--) {
        bench_reps res = {{0}, 0};
        static spawner_t s;
        if (!clock_wanted(virt)) continue;
        loop_setup(16, virt);
        for (r = 0; r < reps; r++) {
            uint64_t t0, t1;
            s.n = n;
            t0 = bench_ns();
            must(aio_run(&L, &s.task, spawner) == 1, "spawn: finished");
            t1 = bench_ns();
            bench_add(&res, (double)(t1 - t0) / (double)n);
        }
        bench_report("spawn", virt ? "spawn+join/virtual" : "spawn+join/real-clock", IMPL, &res, n,
                     virt ? "virtual clock" : "real clock");
        must(aio_loop_destroy(&L) == AIO_OK, "destroy");
    }
}

/* ------------------------------------------------------------- deadline */

/* K other tasks parked in long sleeps: K pending timers. */
typedef struct {
    aio_task task;
    aio_time until;
} parked_t;

static aio_status park_until(aio_task *t) {
    parked_t *s = AIO_SELF(t, parked_t);
    AIO_BEGIN(t);
    AIO_SLEEP_UNTIL(t, s->until);
    AIO_END(t);
}

/* The awaited work: a child that yields once and returns, so the parent
 * really parks and is woken by the child's completion, not by its deadline. */
static aio_status yield_once(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    AIO_RETURN(t, 1);
    AIO_END(t);
}

enum { V_AWAIT, V_WAIT_FOR, V_TIMEOUT, V_COUNT };
static const char *const variant_names[V_COUNT] = {"await", "wait_for", "timeout"};

typedef struct {
    aio_task task, child;
    aio_timeout sc;
    long n, i;
    int variant;
    aio_status rc;
    uint64_t t0, t1;
} deadline_t;

static aio_status deadline_batch(aio_task *t) {
    deadline_t *s = AIO_SELF(t, deadline_t);
    AIO_BEGIN(t);
    s->t0 = bench_ns();
    if (s->variant == V_AWAIT) { /* the same operation with no deadline */
        for (s->i = 0; s->i < s->n; s->i++) {
            AIO_CHECK(t, aio_spawn(&s->child, yield_once));
            AIO_AWAIT(t, s->rc, &s->child);
            if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
        }
    } else if (s->variant == V_WAIT_FOR) { /* await wait_for(child, 10) */
        for (s->i = 0; s->i < s->n; s->i++) {
            AIO_CHECK(t, aio_spawn(&s->child, yield_once));
            AIO_WAIT_FOR(t, s->rc, &s->child, AIO_SEC(10));
            if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
        }
    } else { /* async with timeout(10): await child */
        for (s->i = 0; s->i < s->n; s->i++) {
            AIO_CHECK(t, aio_spawn(&s->child, yield_once));
            AIO_TIMEOUT(t, &s->sc, AIO_SEC(10)) {
                AIO_AWAIT(t, s->rc, &s->child);
            }
            if (s->rc != 1 || aio_timeout_status(&s->sc) != AIO_OK) AIO_RAISE(t, AIO_EUSER);
        }
    }
    s->t1 = bench_ns();
    AIO_RETURN(t, 1);
    AIO_END(t);
}

/* The timed batches run in one aio_run, under a task that awaits each in
 * turn: when its main task ends, aio_run cancels the tasks still running, as
 * asyncio.run does, so a run per batch would cancel the parked tasks. */
static deadline_t d;
static bench_reps total[V_COUNT], armed[V_COUNT];

typedef struct {
    aio_task task;
    long reps, r, n, k;
    int only, v;
    double base;
    aio_status rc;
} batches_t;

static aio_status batches(aio_task *t) {
    batches_t *s = AIO_SELF(t, batches_t);
    AIO_BEGIN(t);
    for (s->r = 0; s->r < s->reps; s->r++) {
        for (s->v = 0; s->v < V_COUNT; s->v++) {
            if (s->only >= 0 && s->v != s->only) continue;
            d.variant = s->v;
            d.n = s->n;
            AIO_CHECK(t, aio_spawn(&d.task, deadline_batch));
            AIO_AWAIT(t, s->rc, &d.task);
            if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
            total[s->v].v[total[s->v].n++] = (double)(d.t1 - d.t0) / (double)s->n;
            if (s->v == V_AWAIT)
                s->base = total[s->v].v[total[s->v].n - 1];
            else
                bench_add(&armed[s->v], total[s->v].v[total[s->v].n - 1] - s->base);
        }
    }
    if (L.heap_len != (uint32_t)s->k) AIO_RAISE(t, AIO_EUSER - 1); /* every deadline disarmed */
    AIO_RETURN(t, 1);
    AIO_END(t);
}

/* K other tasks parked in long sleeps, their timers armed. */
static void park_tasks(parked_t *parked, long k) {
    long i;
    bench_rng_state = 0x9e3779b97f4a7c15ull; /* the same deadlines each time */
    for (i = 0; i < k; i++) {
        parked[i].until = aio_loop_now(&L) + AIO_MS(60000 + bench_rand() % 3540000);
        must(aio_spawn(&parked[i].task, park_until) == AIO_OK, "spawn parked");
    }
    aio_step(&L);
    must(L.heap_len == (uint32_t)k, "K timers pending");
}

static void bench_deadline(void) {
    long k = bench_arg("pending", 1000), n = bench_arg("n", 100000), reps = bench_arg("reps", 21);
    parked_t *parked = (parked_t *)calloc((size_t)(k ? k : 1), sizeof *parked);
    static batches_t b;
    double reads[V_COUNT], iters[V_COUNT];
    char kase[64], note[200];
    int v, only = -1; /* variant=wait_for|timeout|await: that one alone (hyperfine) */
    for (v = 0; v < V_COUNT; v++)
        if (bench_arg_is("variant", variant_names[v])) only = v;
    must(parked != NULL, "calloc");
    loop_setup((uint32_t)k + 16, 0);
    /* K pending deadlines between 1 min and 1 h (ms resolution, the same
     * sequence as uv_peer and floor); ours (10 s) is earlier than all. */
    park_tasks(parked, k);
    b.reps = reps;
    b.n = n;
    b.k = k;
    b.only = only;
    must(aio_run(&L, &b.task, batches) == 1, "deadline batches finished, every deadline disarmed");
    if (only >= 0) {
        snprintf(kase, sizeof kase, "%s/pending=%ld", variant_names[only], k);
        bench_report("deadline", kase, IMPL, &total[only], n, "real clock; whole operation");
        return;
    }
    /* Clock reads and loop iterations per operation: a counting clock and a
     * hand-driven loop (aio_step, what aio_run does when a task is always
     * ready) for a short untimed run, the parked tasks parked again (aio_run
     * cancelled them as it ended). */
    park_tasks(parked, k);
    aio_loop_set_clock(&L, counting_clock, NULL);
    for (v = 0; v < V_COUNT; v++) {
        unsigned long steps = 0;
        d.variant = v;
        d.n = 10000;
        clock_reads = 0;
        must(aio_spawn(&d.task, deadline_batch) == AIO_OK, "spawn counting batch");
        while (!aio_task_done(&d.task)) {
            aio_step(&L);
            steps++;
        }
        must(aio_task_result(&d.task) == 1, "counting batch finished");
        reads[v] = (double)clock_reads / (double)d.n;
        iters[v] = (double)steps / (double)d.n;
    }
    for (v = 0; v < V_COUNT; v++) {
        snprintf(kase, sizeof kase, "%s/pending=%ld", variant_names[v], k);
        snprintf(note, sizeof note, "real clock; whole operation: spawn, %s, child yields once and returns; "
                 "%.2f loop iterations/op", variant_names[v], iters[v]);
        bench_report("deadline", kase, IMPL, &total[v], n, note);
        snprintf(kase, sizeof kase, "clock-reads-%s/pending=%ld", variant_names[v], k);
        snprintf(note, sizeof note, "clock reads per operation, %.2f loop iterations per operation", iters[v]);
        bench_value("deadline", kase, IMPL, reads[v], "reads/op", note);
    }
    for (v = V_WAIT_FOR; v < V_COUNT; v++) {
        snprintf(kase, sizeof kase, "%s-armed/pending=%ld", variant_names[v], k);
        snprintf(note, sizeof note, "%s minus await (median of %d paired differences)", variant_names[v],
                 armed[v].n);
        bench_value("deadline", kase, IMPL, bench_median(&armed[v]), "ns/op", note);
    }
    /* the parked tasks stay parked: the process ends here */
}

/* ---------------------------------------------------------- timer fires */

typedef struct {
    aio_task task;
    aio_time d;
} sleeper_t;

static long woken;
static aio_status sleeper(aio_task *t) {
    sleeper_t *s = AIO_SELF(t, sleeper_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    woken++;
    AIO_END(t);
}

static void bench_fires(void) {
    long n = bench_arg("due", 100000), reps = bench_arg("reps", 5), r, i;
    sleeper_t *s = (sleeper_t *)calloc((size_t)n, sizeof *s);
    bench_reps res = {{0}, 0}, arm = {{0}, 0};
    char kase[64], note[200];
    must(s != NULL, "calloc");
    loop_setup((uint32_t)n, 0);
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        bench_rng_state = 0x9e3779b97f4a7c15ull; /* the same deadlines in every repetition */
        for (i = 0; i < n; i++) {
            s[i].d = AIO_MS(1 + bench_rand() % 100); /* 1..100 ms, ms resolution as libuv */
            must(aio_spawn(&s[i].task, sleeper) == AIO_OK, "spawn sleeper");
        }
        t0 = bench_ns();
        aio_step(&L); /* every sleeper runs and arms its timer */
        t1 = bench_ns();
        must(L.heap_len == (uint32_t)n, "N timers armed");
        bench_add(&arm, (double)(t1 - t0) / (double)n);
        bench_sleep_until((uint64_t)aio_loop_now(&L) + 101000000u); /* all of them are due */
        woken = 0;
        t0 = bench_ns();
        while (L.live) aio_step(&L);
        t1 = bench_ns();
        must(woken == n && L.heap_len == 0, "every sleeper woke");
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    snprintf(kase, sizeof kase, "due=%ld", n);
    snprintf(note, sizeof note, "real clock; ns per wake: fire the timer, resume the task, it ends; "
             "arming them took %.2f ns per task (first run of each task)", bench_median(&arm));
    bench_report("fires", kase, IMPL, &res, n, note);
    must(aio_loop_destroy(&L) == AIO_OK, "destroy");
    free(s);
}

/* --------------------------------------------------------------- cancel */

static long cleanups;
static aio_status victim(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(3600));
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    cleanups++; /* the cleanup runs on cancellation */
    AIO_END(t);
}

typedef struct {
    aio_task task, child;
    long n, i;
    aio_status rc;
} canceller_t;

static aio_status canceller(aio_task *t) {
    canceller_t *s = AIO_SELF(t, canceller_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) {
        AIO_CHECK(t, aio_spawn(&s->child, victim));
        AIO_YIELD(t); /* the child runs and parks in its sleep (timer armed) */
        aio_cancel(&s->child);
        AIO_AWAIT(t, s->rc, &s->child);
        if (s->rc != AIO_ECANCELED) AIO_RAISE(t, AIO_EUSER);
    }
    AIO_RETURN(t, 1);
    AIO_END(t);
}

static void bench_cancel(void) {
    long n = bench_arg("n", 2000000), reps = bench_arg("reps", 7), r;
    bench_reps res = {{0}, 0};
    static canceller_t s;
    loop_setup(16, 0);
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        s.n = n;
        cleanups = 0;
        t0 = bench_ns();
        must(aio_run(&L, &s.task, canceller) == 1, "cancel: finished");
        t1 = bench_ns();
        must(cleanups == n, "every cleanup ran");
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    bench_report("cancel", "cancel+finally+reap", IMPL, &res, n,
                 "real clock; spawn, child parks in sleep(3600 s), cancel, its AIO_FINALLY runs, await it");
    must(aio_loop_destroy(&L) == AIO_OK, "destroy");
}

/* ---------------------------------------------------------------- queue */

/* Two tasks hand n items over a queue of one place (asyncio.Queue(maxsize=1)):
 * every put waits for the get of the item before, so each item is one resume
 * of the producer and one of the consumer. */
typedef struct {
    aio_task task;
    aio_queue *q;
    long n, i;
    int item;
    aio_status rc;
} qtask_t;

static aio_status q_producer(aio_task *t) {
    qtask_t *s = AIO_SELF(t, qtask_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) {
        s->item = (int)s->i;
        AIO_QUEUE_PUT(t, s->rc, s->q, &s->item, AIO_NEVER);
        if (s->rc != AIO_OK) AIO_RAISE(t, AIO_EUSER);
    }
    AIO_RETURN(t, 1);
    AIO_END(t);
}

static aio_status q_consumer(aio_task *t) {
    qtask_t *s = AIO_SELF(t, qtask_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) {
        AIO_QUEUE_GET(t, s->rc, s->q, &s->item, AIO_NEVER);
        if (s->rc != AIO_OK || s->item != (int)s->i) AIO_RAISE(t, AIO_EUSER);
    }
    AIO_RETURN(t, 1);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    qtask_t producer, consumer;
    aio_status rc;
} qmain_t;

static aio_status q_main(aio_task *t) {
    qmain_t *s = AIO_SELF(t, qmain_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->producer.task, q_producer));
    AIO_CHECK(t, aio_spawn(&s->consumer.task, q_consumer));
    AIO_AWAIT(t, s->rc, &s->producer.task);
    if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
    AIO_AWAIT(t, s->rc, &s->consumer.task);
    if (s->rc != 1) AIO_RAISE(t, AIO_EUSER);
    AIO_RETURN(t, 1);
    AIO_END(t);
}

static void bench_queue(void) {
    long n = bench_arg("n", 5000000), reps = bench_arg("reps", 7), r;
    bench_reps res = {{0}, 0};
    static qmain_t m;
    static aio_queue q;
    static int place[1];
    loop_setup(16, 1);
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        must(aio_queue_init(&q, place, sizeof place[0], 1, 1) == AIO_OK, "queue init");
        m.producer.q = m.consumer.q = &q;
        m.producer.n = m.consumer.n = n;
        t0 = bench_ns();
        must(aio_run(&L, &m.task, q_main) == 1, "queue: every item handed over in order");
        t1 = bench_ns();
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    bench_report("queue", "put+get/virtual", IMPL, &res, n,
                 "virtual clock; Queue(maxsize=1): each item put by one task and got by the other");
    must(aio_loop_destroy(&L) == AIO_OK, "destroy");
}

/* ---------------------------------------------------------------- bytes */

typedef struct {
    aio_task task;
} idle_t;

static aio_status idle_sleep(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(3600));
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout sc;
} idle_scoped_t;

static aio_status idle_scoped(aio_task *t) {
    idle_scoped_t *s = AIO_SELF(t, idle_scoped_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->sc, AIO_SEC(1800)) {
        AIO_SLEEP(t, AIO_SEC(3600));
    }
    AIO_END(t);
}

static void bench_bytes(void) {
    long n = bench_arg("tasks", 1000000), i;
    char note[160];
    int scoped;
    bench_value("bytes", "task-block", IMPL, (double)sizeof(aio_task), "bytes", "sizeof(aio_task)");
    bench_value("bytes", "timer-slot", IMPL, (double)sizeof(aio_timer), "bytes",
                "sizeof(aio_timer): one per task waiting with a deadline");
    bench_value("bytes", "timeout-scope", IMPL, (double)sizeof(aio_timeout), "bytes", "sizeof(aio_timeout)");
    bench_value("bytes", "task+timer", IMPL, (double)(sizeof(aio_task) + sizeof(aio_timer)), "bytes",
                "a task that sleeps or waits with a deadline");
    bench_value("bytes", "task+timer+scope", IMPL,
                (double)(sizeof(aio_task) + sizeof(aio_timer) + sizeof(aio_timeout)), "bytes",
                "a task inside one AIO_TIMEOUT block");
    bench_value("bytes", "queue", IMPL, (double)sizeof(aio_queue), "bytes",
                "sizeof(aio_queue), its storage apart (item_size bytes per place, nothing per item beyond)");
    for (scoped = 0; scoped <= 1; scoped++) {
        long before, after;
        void *tasks;
        size_t size = scoped ? sizeof(idle_scoped_t) : sizeof(idle_t);
        loop_setup((uint32_t)n, 0); /* the timer storage is part of the cost */
        tasks = calloc((size_t)n, size);
        must(tasks != NULL, "calloc");
        before = bench_rss(); /* both arrays are allocated, not yet touched */
        for (i = 0; i < n; i++)
            must(aio_spawn((aio_task *)(void *)((char *)tasks + (size_t)i * size),
                           scoped ? idle_scoped : idle_sleep) == AIO_OK, "spawn idle");
        aio_step(&L);
        must(L.heap_len == (uint32_t)n, "every idle task parked with its timer");
        after = bench_rss();
        snprintf(note, sizeof note, "RSS growth with %ld tasks parked in %s (task struct %zu + timer slot %zu)",
                 n, scoped ? "AIO_SLEEP inside AIO_TIMEOUT" : "AIO_SLEEP", size, sizeof(aio_timer));
        bench_value("bytes", scoped ? "rss-per-idle-task-in-timeout" : "rss-per-idle-task", IMPL,
                    (double)(after - before) / (double)n, "bytes", note);
        /* leave them parked: a new loop starts from scratch; the memory stays
         * resident, so the next "before" includes it */
    }
}

int main(int argc, char **argv) {
    const char *fig = argc > 1 ? argv[1] : "";
    bench_argc = argc;
    bench_argv = argv;
    if (!strcmp(fig, "resume")) bench_resume();
    else if (!strcmp(fig, "spawn")) bench_spawn();
    else if (!strcmp(fig, "deadline")) bench_deadline();
    else if (!strcmp(fig, "fires")) bench_fires();
    else if (!strcmp(fig, "cancel")) bench_cancel();
    else if (!strcmp(fig, "queue")) bench_queue();
    else if (!strcmp(fig, "bytes")) bench_bytes();
    else {
        fprintf(stderr, "usage: %s resume|spawn|deadline|fires|cancel|queue|bytes [key=value ...]\n", argv[0]);
        return 2;
    }
    return 0;
}
