/* SPDX-License-Identifier: MIT */
/* bench/floor.c - the floor: the least a scheduler of stackless tasks with
 * timers can do, measured the same way as aio_bench.
 *
 * Switch-case tasks (a resume point and a function pointer), an intrusive
 * FIFO ready queue, an array binary heap of (deadline, task) with each task's
 * heap index for removal, and a loop that reads the clock once per iteration,
 * fires due timers and runs the tasks that were ready. No checks, no
 * cancellation, no timeout scopes, no tie-breaking of equal deadlines,
 * nothing else: the physical limit aio_timeout.h approaches.
 *
 *     floor resume|spawn|deadline|fires|queue|bytes [key=value ...]   (as aio_bench)
 *
 * The queue is as bare: a ring of ints and one waiting getter and one waiting
 * putter, each woken by the other's step, no promises, no deadlines. */
#define _POSIX_C_SOURCE 200809L
#include "common.h"
#include <stddef.h>

typedef struct ft ft;
typedef int (*ft_fn)(ft *); /* 0: suspended, 1: finished */
struct ft {
    ft_fn fn;
    ft *next;     /* ready queue */
    ft *waiter;   /* the task joining this one */
    uint32_t lc;  /* resume point */
    uint32_t hidx; /* heap index + 1, 0 = no timer */
    int done;
    long n, i;    /* loop counters of the benchmark bodies */
    uint64_t d;   /* a sleep duration or deadline */
    ft *child;
};
typedef struct {
    uint64_t when;
    ft *t;
} fent;

static fent *heap;
static uint32_t hlen;
static uint64_t now;
static int real_clock;
static ft *head, *tail;
static long live;

static void enqueue(ft *t) {
    t->next = NULL;
    if (tail) tail->next = t; else head = t;
    tail = t;
}

static void place(uint32_t i, fent e) {
    heap[i] = e;
    e.t->hidx = i + 1;
}
static void sift_up(uint32_t i, fent e) {
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (heap[p].when <= e.when) break;
        place(i, heap[p]);
        i = p;
    }
    place(i, e);
}
static void sift_down(uint32_t i, fent e) {
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= hlen) break;
        if (c + 1 < hlen && heap[c + 1].when < heap[c].when) c++;
        if (e.when <= heap[c].when) break;
        place(i, heap[c]);
        i = c;
    }
    place(i, e);
}
static void arm(ft *t, uint64_t when) {
    fent e;
    e.when = when;
    e.t = t;
    sift_up(hlen++, e);
}
static void disarm(ft *t) {
    uint32_t i = t->hidx - 1;
    fent last = heap[--hlen];
    t->hidx = 0;
    if (i == hlen) return;
    if (i > 0 && last.when < heap[(i - 1) / 2].when) sift_up(i, last); else sift_down(i, last);
}

static void spawn(ft *t, ft_fn fn) {
    t->fn = fn;
    t->lc = 0;
    t->done = 0;
    t->waiter = NULL;
    t->hidx = 0;
    live++;
    enqueue(t);
}

static void finish(ft *t) {
    ft *w = t->waiter;
    t->done = 1;
    live--;
    if (w) {
        if (w->hidx) disarm(w);
        enqueue(w);
    }
}

/* One iteration: read the clock, fire due timers, run the tasks ready now. */
static void step(void) {
    ft *last, *t;
    if (real_clock) now = bench_ns();
    while (hlen && heap[0].when <= now) {
        t = heap[0].t;
        disarm(t);
        enqueue(t);
    }
    last = tail;
    while (last && (t = head) != NULL) {
        head = t->next;
        if (!head) tail = NULL;
        if (t->fn(t)) finish(t);
        if (t == last) break;
    }
}

static void run(ft *main, ft_fn fn) {
    spawn(main, fn);
    while (!main->done) step();
}

#define F_BEGIN(t) switch ((t)->lc) { case 0:
#define F_SUSPEND(t) do { (t)->lc = __LINE__; return 0; case __LINE__:; } while (0)
#define F_YIELD(t) do { enqueue(t); F_SUSPEND(t); } while (0)
#define F_SLEEP(t, dur) do { arm((t), now + (dur)); F_SUSPEND(t); } while (0)
#define F_JOIN(t, c) do { if (!(c)->done) { (c)->waiter = (t); F_SUSPEND(t); } } while (0)
#define F_JOIN_DEADLINE(t, c, dur)                                             \
    do {                                                                       \
        if (!(c)->done) {                                                      \
            (c)->waiter = (t);                                                 \
            arm((t), now + (dur));                                             \
            F_SUSPEND(t);                                                      \
        }                                                                      \
    } while (0)
#define F_END(t) } return 1

static void setup(uint32_t slots, int real) {
    free(heap);
    heap = (fent *)malloc((size_t)(slots ? slots : 1) * sizeof *heap);
    if (!heap) exit(2);
    hlen = 0;
    head = tail = NULL;
    live = 0;
    real_clock = real;
    now = real ? bench_ns() : 0;
}

static int clock_wanted(int real) {
    if (bench_arg_is("clock", "virtual")) return !real;
    if (bench_arg_is("clock", "real")) return real;
    return 1;
}

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "floor: check failed: %s\n", what);
        exit(1);
    }
}

/* ------------------------------------------------------------------ bodies */

static int yielder(ft *t) {
    F_BEGIN(t);
    for (t->i = 0; t->i < t->n; t->i++) F_YIELD(t);
    F_END(t);
}

static ft *group_tasks;
static int group(ft *t) {
    F_BEGIN(t);
    for (t->i = 0; t->i < t->n; t->i++) spawn(&group_tasks[t->i], yielder);
    for (t->i = 0; t->i < t->n; t->i++) F_JOIN(t, &group_tasks[t->i]);
    F_END(t);
}

static int ret_now(ft *t) {
    (void)t;
    return 1;
}

static int spawner(ft *t) {
    F_BEGIN(t);
    for (t->i = 0; t->i < t->n; t->i++) {
        spawn(t->child, ret_now);
        F_JOIN(t, t->child);
    }
    F_END(t);
}

static int yield_once(ft *t) {
    F_BEGIN(t);
    F_YIELD(t);
    F_END(t);
}

static int park_until(ft *t) {
    F_BEGIN(t);
    arm(t, t->d);
    F_SUSPEND(t);
    F_END(t);
}

static uint64_t b0, b1;
static int deadline_batch(ft *t) {
    F_BEGIN(t);
    b0 = bench_ns();
    for (t->i = 0; t->i < t->n; t->i++) {
        spawn(t->child, yield_once);
        if (t->d)
            F_JOIN_DEADLINE(t, t->child, t->d);
        else
            F_JOIN(t, t->child);
    }
    b1 = bench_ns();
    F_END(t);
}

static long woken;
static int sleeper(ft *t) {
    F_BEGIN(t);
    F_SLEEP(t, t->d);
    woken++;
    F_END(t);
}

/* A ring of ints between two tasks: a full ring parks the putter, an empty
 * one the getter; the other's next step wakes it. */
static struct {
    int *buf;
    uint32_t cap, head, count;
    ft *getter, *putter;
} fq;

static int q_producer(ft *t) {
    F_BEGIN(t);
    for (t->i = 0; t->i < t->n; t->i++) {
        while (fq.count == fq.cap) {
            fq.putter = t;
            F_SUSPEND(t);
        }
        fq.buf[(fq.head + fq.count++) % fq.cap] = (int)t->i;
        if (fq.getter) {
            enqueue(fq.getter);
            fq.getter = NULL;
        }
    }
    F_END(t);
}

static long q_bad;
static int q_consumer(ft *t) {
    F_BEGIN(t);
    for (t->i = 0; t->i < t->n; t->i++) {
        while (fq.count == 0) {
            fq.getter = t;
            F_SUSPEND(t);
        }
        q_bad += fq.buf[fq.head] != (int)t->i;
        fq.head = (fq.head + 1) % fq.cap;
        fq.count--;
        if (fq.putter) {
            enqueue(fq.putter);
            fq.putter = NULL;
        }
    }
    F_END(t);
}

/* ------------------------------------------------------------------ figures */

static void bench_resume(void) {
    long n = bench_arg("n", 10000000), reps = bench_arg("reps", 7), r;
    static const struct { const char *name; long tasks; int real; } cases[] = {
        {"1-task/virtual", 1, 0}, {"1-task/real-clock", 1, 1}, {"1000-tasks/real-clock", 1000, 1}};
    size_t c;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bench_reps res = {{0}, 0};
        long m = cases[c].tasks, i;
        static ft main_task;
        if (!clock_wanted(cases[c].real)) continue;
        if (bench_arg("tasks", m) != m) continue; /* tasks=1|1000: that case alone */
        group_tasks = (ft *)calloc((size_t)m, sizeof(ft));
        must(group_tasks != NULL, "calloc");
        setup(16, cases[c].real);
        for (r = 0; r < reps; r++) {
            uint64_t t0, t1;
            for (i = 0; i < m; i++) group_tasks[i].n = n / m;
            t0 = bench_ns();
            if (m == 1) {
                run(&group_tasks[0], yielder);
            } else {
                main_task.n = m;
                run(&main_task, group);
            }
            t1 = bench_ns();
            bench_add(&res, (double)(t1 - t0) / (double)(n / m * m));
        }
        bench_report("resume", cases[c].name, "floor", &res, n, cases[c].real ? "real clock" : "virtual clock");
        free(group_tasks);
    }
}

static void bench_spawn(void) {
    long n = bench_arg("n", 5000000), reps = bench_arg("reps", 7), r;
    int real;
    for (real = 0; real <= 1; real++) {
        bench_reps res = {{0}, 0};
        static ft main_task, child;
        if (!clock_wanted(real)) continue;
        setup(16, real);
        for (r = 0; r < reps; r++) {
            uint64_t t0, t1;
            main_task.n = n;
            main_task.child = &child;
            t0 = bench_ns();
            run(&main_task, spawner);
            t1 = bench_ns();
            bench_add(&res, (double)(t1 - t0) / (double)n);
        }
        bench_report("spawn", real ? "spawn+join/real-clock" : "spawn+join/virtual", "floor", &res, n,
                     real ? "real clock" : "virtual clock");
    }
}

static void bench_deadline(void) {
    long k = bench_arg("pending", 1000), n = bench_arg("n", 100000), reps = bench_arg("reps", 21), r, i;
    ft *parked = (ft *)calloc((size_t)(k ? k : 1), sizeof(ft));
    static ft main_task, child;
    bench_reps plain = {{0}, 0}, with = {{0}, 0}, armed = {{0}, 0};
    char kase[64];
    must(parked != NULL, "calloc");
    setup((uint32_t)k + 16, 1);
    for (i = 0; i < k; i++) {
        parked[i].d = now + (uint64_t)(60000 + bench_rand() % 3540000) * 1000000u;
        spawn(&parked[i], park_until);
    }
    step();
    must(hlen == (uint32_t)k, "K timers pending");
    int only = bench_arg_is("variant", "await") ? 0 : bench_arg_is("variant", "wait_for") ? 1 : -1;
    for (r = 0; r < reps; r++) {
        int v;
        for (v = 0; v < 2; v++) {
            if (only >= 0 && v != only) continue;
            main_task.n = n;
            main_task.child = &child;
            main_task.d = v ? 10000000000ull : 0; /* 10 s */
            run(&main_task, deadline_batch);
            bench_add(v ? &with : &plain, (double)(b1 - b0) / (double)n);
        }
        if (only < 0) bench_add(&armed, with.v[with.n - 1] - plain.v[plain.n - 1]);
    }
    must(hlen == (uint32_t)k, "every deadline disarmed");
    if (only >= 0) {
        snprintf(kase, sizeof kase, "%s/pending=%ld", only ? "wait_for" : "await", k);
        bench_report("deadline", kase, "floor", only ? &with : &plain, n, "real clock; whole operation");
        return;
    }
    snprintf(kase, sizeof kase, "await/pending=%ld", k);
    bench_report("deadline", kase, "floor", &plain, n, "real clock; spawn, join a child that yields once");
    snprintf(kase, sizeof kase, "wait_for/pending=%ld", k);
    bench_report("deadline", kase, "floor", &with, n, "real clock; the same with a 10 s timer armed and removed");
    snprintf(kase, sizeof kase, "wait_for-armed/pending=%ld", k);
    bench_value("deadline", kase, "floor", bench_median(&armed), "ns/op",
                "wait_for minus await (median of paired differences)");
}

static void bench_fires(void) {
    long n = bench_arg("due", 100000), reps = bench_arg("reps", 5), r, i;
    ft *s = (ft *)calloc((size_t)n, sizeof(ft));
    bench_reps res = {{0}, 0};
    char kase[64];
    must(s != NULL, "calloc");
    setup((uint32_t)n, 1);
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        bench_rng_state = 0x9e3779b97f4a7c15ull;
        for (i = 0; i < n; i++) {
            s[i].d = (uint64_t)(1 + bench_rand() % 100) * 1000000u;
            spawn(&s[i], sleeper);
        }
        step();
        must(hlen == (uint32_t)n, "N timers armed");
        bench_sleep_until(now + 101000000u);
        woken = 0;
        t0 = bench_ns();
        while (live) step();
        t1 = bench_ns();
        must(woken == n && hlen == 0, "every sleeper woke");
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    snprintf(kase, sizeof kase, "due=%ld", n);
    bench_report("fires", kase, "floor", &res, n, "real clock; ns per wake");
    free(s);
}

static void bench_queue(void) {
    long n = bench_arg("n", 5000000), reps = bench_arg("reps", 7), r;
    bench_reps res = {{0}, 0};
    static ft producer, consumer;
    static int place[1];
    setup(16, 0);
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        fq.buf = place;
        fq.cap = 1;
        fq.head = fq.count = 0;
        producer.n = consumer.n = n;
        q_bad = 0;
        t0 = bench_ns();
        spawn(&producer, q_producer);
        spawn(&consumer, q_consumer);
        while (live) step();
        t1 = bench_ns();
        must(q_bad == 0 && fq.count == 0, "every item handed over in order");
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    bench_report("queue", "put+get/virtual", "floor", &res, n,
                 "virtual clock; a ring of one place: each item put by one task and got by the other");
}

static void bench_bytes(void) {
    bench_value("bytes", "task+timer", "floor", (double)(offsetof(ft, n) + sizeof(fent)), "bytes",
                "task (fn, next, waiter, lc, heap index, done) + heap entry (deadline, task)");
    bench_value("bytes", "queue", "floor", (double)sizeof fq, "bytes",
                "the ring's pointer, capacity, head, count, waiting getter and putter; its storage apart");
}

int main(int argc, char **argv) {
    const char *fig = argc > 1 ? argv[1] : "";
    bench_argc = argc;
    bench_argv = argv;
    if (!strcmp(fig, "resume")) bench_resume();
    else if (!strcmp(fig, "spawn")) bench_spawn();
    else if (!strcmp(fig, "deadline")) bench_deadline();
    else if (!strcmp(fig, "fires")) bench_fires();
    else if (!strcmp(fig, "queue")) bench_queue();
    else if (!strcmp(fig, "bytes")) bench_bytes();
    else {
        fprintf(stderr, "usage: %s resume|spawn|deadline|fires|queue|bytes [key=value ...]\n", argv[0]);
        return 2;
    }
    return 0;
}
