/* SPDX-License-Identifier: MIT */
/* Core tests: the loop (virtual clock, ready queue, timer heap, super-loop
 * stepping, custom clock and idle hooks) and the basic task machinery
 * (spawn, await, results, statuses, respawn). Every expected time and status
 * below is computed by hand from the loop rules:
 *   - an iteration reads the clock once, fires the due timers (earliest first,
 *     equal deadlines in arming order), then runs the tasks that were ready
 *     when it started, FIFO; tasks made ready meanwhile run next iteration;
 *   - the virtual clock only moves when nothing is ready (it jumps to the next
 *     deadline) or through aio_virtual_advance();
 *   - AIO_SLEEP(t, 0) / AIO_YIELD is one trip through the ready queue. */
#include "workers.h"
#include <limits.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif

/* ------------------------------------------------------------------ helpers */

#define ABS_MS(ms) ((aio_time)(test_start + AIO_MS(ms))) /* absolute time, test-relative */

static int debug_has(const char *text) {
#ifdef AIO_DEBUG
    return strstr(test_last_debug, text) != NULL;
#else
    (void)text;
    return 1;
#endif
}

/* A task that traces its name (the bodies w_*). Which fields matter depends
 * on the body it runs. */
typedef struct tracer {
    aio_task task;
    const char *name;
    aio_time d1, d2;     /* relative sleeps (0 = skipped) */
    aio_time until;      /* absolute sleep when use_until */
    int use_until;
    int yields;          /* yields before sleeping */
    int i;
    aio_status ret;      /* returned (>= 0) or raised (< 0) at the end */
    aio_status rc;       /* what awaiting `other` gave */
    aio_task *other;
    long long at;        /* T_MS() when it woke / finished */
    aio_status fin;      /* AIO_STATUS(t) in its cleanup */
    int finals;          /* times the cleanup ran */
    int ran;             /* the body started */
    aio_task *cur;       /* aio_current() seen inside */
} tracer;

/* Trace "<name><i> " then yield, `yields` times; then return `ret`. */
static aio_status w_yielder(aio_task *t) {
    tracer *s = AIO_SELF(t, tracer);
    AIO_BEGIN(t);
    s->ran = 1;
    for (s->i = 0; s->i < s->yields; s->i++) {
        trace("%s%d ", s->name, s->i);
        AIO_YIELD(t);
    }
    AIO_RETURN(t, s->ret);
    AIO_END(t);
}

/* Yield `yields` times (silently), sleep (d1 then d2, or until `until`),
 * trace "<name>@<ms> ", return/raise `ret`. The cleanup traces
 * "<name>!@<ms> " if it was cancelled. */
static aio_status w_sleeper(aio_task *t) {
    tracer *s = AIO_SELF(t, tracer);
    AIO_BEGIN(t);
    s->ran = 1;
    s->cur = aio_current();
    for (s->i = 0; s->i < s->yields; s->i++) AIO_YIELD(t);
    if (s->use_until) {
        AIO_SLEEP_UNTIL(t, s->until);
    } else {
        AIO_SLEEP(t, s->d1);
        if (s->d2) AIO_SLEEP(t, s->d2);
    }
    s->at = T_MS();
    trace("%s@%lld ", s->name, s->at);
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->finals++;
    s->fin = AIO_STATUS(t);
    if (s->fin == AIO_ECANCELED) trace("%s!@%lld ", s->name, T_MS());
    AIO_END(t);
}

/* Await `other`, trace "<name>=<rc>@<ms> ", return `ret`; the cleanup traces
 * "<name>:<status> ". */
static aio_status w_awaiter(aio_task *t) {
    tracer *s = AIO_SELF(t, tracer);
    AIO_BEGIN(t);
    s->ran = 1;
    AIO_AWAIT(t, s->rc, s->other);
    s->at = T_MS();
    trace("%s=%d@%lld ", s->name, s->rc, s->at);
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    trace("%s:%d ", s->name, s->fin);
    AIO_END(t);
}

/* Trace "<name> " and return `ret` without ever suspending. */
static aio_status w_now(aio_task *t) {
    tracer *s = AIO_SELF(t, tracer);
    AIO_BEGIN(t);
    s->ran = 1;
    s->cur = aio_current();
    s->at = T_MS();
    trace("%s ", s->name);
    AIO_RETURN(t, s->ret);
    AIO_END(t);
}

static void w_init(tracer *w, const char *name) {
    memset(w, 0, sizeof *w);
    w->name = name;
    w->at = -1;
    w->fin = 12345;
}

/* A clock the test controls, with an idle hook that records its deadlines. */
typedef struct fake_clock {
    aio_time now;
    aio_time step;         /* idle: advance by this much (0: jump to the deadline) */
    aio_time seen[16];
    int calls;
} fake_clock;

static aio_time fake_clock_read(void *ctx) { return ((fake_clock *)ctx)->now; }

static void fake_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    fake_clock *c = (fake_clock *)ctx;
    (void)loop;
    if (c->calls < 16) c->seen[c->calls] = deadline;
    c->calls++;
    if (c->step)
        c->now = (aio_time)(c->now + c->step);
    else if (deadline != AIO_NEVER)
        c->now = deadline;
}

/* ============================================================ virtual clock */

typedef struct {
    aio_task task;
    long long t1, t2, t3;
} sleep_main_t;

static aio_status sleep_exact_main(aio_task *t) {
    sleep_main_t *s = AIO_SELF(t, sleep_main_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1500));
    s->t1 = T_MS();
    AIO_SLEEP(t, AIO_MS(250));
    s->t2 = T_MS();
    AIO_SLEEP(t, AIO_SEC(2));
    s->t3 = T_MS();
    AIO_RETURN(t, 3);
    AIO_END(t);
}

/* Sleeps move the virtual clock by exactly their duration. */
static void test_core_sleep_exact(void) {
    static sleep_main_t s;
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, sleep_exact_main), 3);
    CHECK_EQ(s.t1, 1500);
    CHECK_EQ(s.t2, 1750);
    CHECK_EQ(s.t3, 3750);
    CHECK_EQ(T_MS(), 3750);
    CHECK(aio_loop_now(&loop) == ABS_MS(3750));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status sleep_until_main(aio_task *t) {
    sleep_main_t *s = AIO_SELF(t, sleep_main_t);
    AIO_BEGIN(t);
    AIO_SLEEP_UNTIL(t, ABS_MS(700));
    s->t1 = T_MS();
    AIO_SLEEP_UNTIL(t, ABS_MS(2000));
    s->t2 = T_MS();
    AIO_SLEEP_UNTIL(t, (aio_time)(aio_now() + AIO_MS(300)));
    s->t3 = T_MS();
    AIO_END(t);
}

/* AIO_SLEEP_UNTIL wakes exactly at the absolute time given. */
static void test_core_sleep_until(void) {
    static sleep_main_t s;
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, sleep_until_main), AIO_OK);
    CHECK_EQ(s.t1, 700);
    CHECK_EQ(s.t2, 2000);
    CHECK_EQ(s.t3, 2300);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer b;
    aio_status rc;
    long long end;
} past_main_t;

static aio_status sleep_until_past_main(aio_task *t) {
    past_main_t *s = AIO_SELF(t, past_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->b.task, w_yielder);
    trace("M0 ");
    AIO_SLEEP_UNTIL(t, test_start);                        /* == now: a yield */
    trace("M1 ");
    AIO_SLEEP_UNTIL(t, (aio_time)(test_start - AIO_MS(1))); /* in the past: a yield */
    trace("M2 ");
    AIO_AWAIT(t, s->rc, &s->b.task);
    s->end = T_MS();
    AIO_END(t);
}

/* A deadline now or in the past behaves like a yield: one trip through the
 * ready queue, interleaved FIFO with another yielding task; time stays. */
static void test_core_sleep_until_past_is_yield(void) {
    static past_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.b, "B");
    s.b.yields = 3;
    CHECK_EQ(test_run(&loop, &s.task, sleep_until_past_main), AIO_OK);
    CHECK_STR(test_trace, "M0 B0 M1 B1 M2 B2 ");
    CHECK_EQ(s.end, 0);
    CHECK_EQ(s.rc, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer a, b, c;
    aio_status ra, rb, rc;
    long long end;
} trio_main_t;

static aio_status round_robin_main(aio_task *t) {
    trio_main_t *s = AIO_SELF(t, trio_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_yielder);
    aio_spawn(&s->b.task, w_yielder);
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_AWAIT(t, s->rb, &s->b.task);
    s->end = T_MS();
    AIO_END(t);
}

/* Two yielding tasks alternate strictly (round robin), time never moves. */
static void test_core_yield_round_robin(void) {
    static trio_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "A");
    w_init(&s.b, "B");
    s.a.yields = 3;
    s.b.yields = 3;
    s.a.ret = 1;
    s.b.ret = 2;
    CHECK_EQ(test_run(&loop, &s.task, round_robin_main), AIO_OK);
    CHECK_STR(test_trace, "A0 B0 A1 B1 A2 B2 ");
    CHECK_EQ(s.ra, 1);
    CHECK_EQ(s.rb, 2);
    CHECK_EQ(s.end, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status round_robin_main3(aio_task *t) {
    trio_main_t *s = AIO_SELF(t, trio_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_yielder);
    aio_spawn(&s->b.task, w_yielder);
    aio_spawn(&s->c.task, w_yielder);
    trace("M0 ");
    AIO_YIELD(t);
    trace("M1 ");
    AIO_YIELD(t);
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_AWAIT(t, s->rb, &s->b.task);
    AIO_AWAIT(t, s->rc, &s->c.task);
    trace("M2 ");
    s->end = T_MS();
    AIO_END(t);
}

/* Three yielders with different lengths plus a yielding main: FIFO order,
 * finished tasks drop out of the rotation; awaiting a finished task does not
 * cost a turn.
 *   it1: M0                 (queue A B C M)
 *   it2: A0 B0 C0 M1        (queue A B C M)
 *   it3: A ends, B1, C1, M awaits A (done) and parks on B
 *   it4: B2, C ends; it5: B ends, wakes M; it6: M2 */
static void test_core_yield_round_robin_with_main(void) {
    static trio_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "A");
    w_init(&s.b, "B");
    w_init(&s.c, "C");
    s.a.yields = 1;
    s.b.yields = 3;
    s.c.yields = 2;
    CHECK_EQ(test_run(&loop, &s.task, round_robin_main3), AIO_OK);
    CHECK_STR(test_trace, "M0 A0 B0 C0 M1 B1 C1 B2 M2 ");
    CHECK_EQ(s.end, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status idle_jump_main(aio_task *t) {
    trio_main_t *s = AIO_SELF(t, trio_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_sleeper);
    aio_spawn(&s->b.task, w_yielder);
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_AWAIT(t, s->rb, &s->b.task);
    s->end = T_MS();
    AIO_END(t);
}

/* The virtual clock jumps only when nothing is ready: a 1 ms sleeper wakes
 * after a busy yielder is done, at exactly 1 ms. */
static void test_core_clock_jumps_only_when_idle(void) {
    static trio_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "S");
    w_init(&s.b, "Y");
    s.a.d1 = AIO_MS(1);
    s.b.yields = 5;
    CHECK_EQ(test_run(&loop, &s.task, idle_jump_main), AIO_OK);
    CHECK_STR(test_trace, "Y0 Y1 Y2 Y3 Y4 S@1 ");
    CHECK_EQ(s.a.at, 1);
    CHECK_EQ(s.end, 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer b;
    int b_done_after_spawn;
} spawner_t;

static aio_status spawner_fn(aio_task *t) {
    spawner_t *s = AIO_SELF(t, spawner_t);
    AIO_BEGIN(t);
    aio_spawn(&s->b.task, w_now);
    trace("A ");
    s->b_done_after_spawn = aio_task_done(&s->b.task);
    AIO_END(t);
}

/* A task spawned during an iteration runs in the next iteration, not in the
 * one that spawned it (counted with aio_step). */
static void test_core_spawned_runs_next_iteration(void) {
    static spawner_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.b, "B");
    CHECK_EQ(aio_spawn(&s.task, spawner_fn), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_STR(test_trace, "A ");
    CHECK_EQ(aio_task_done(&s.task), 1);
    CHECK_EQ(aio_task_done(&s.b.task), 0);
    CHECK_EQ(s.b.ran, 0);
    CHECK(aio_next_deadline(&loop) == aio_loop_now(&loop)); /* B is ready */
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_STR(test_trace, "A B ");
    CHECK_EQ(aio_task_done(&s.b.task), 1);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(s.b_done_after_spawn, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A task woken during an iteration (its child finished) runs next
 * iteration, after every task that was ready when the iteration began. */
static void test_core_woken_runs_next_iteration(void) {
    static struct { tracer m, c, d; } s;
    aio_loop loop;
    w_init(&s.m, "M");
    w_init(&s.c, "C");
    w_init(&s.d, "D");
    s.m.other = &s.c.task;
    s.c.ret = 5;
    s.m.ret = 6;
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&s.m.task, w_awaiter), AIO_OK);
    CHECK_EQ(aio_spawn(&s.c.task, w_now), AIO_OK);
    CHECK_EQ(aio_spawn(&s.d.task, w_now), AIO_OK);
    CHECK_EQ(aio_step(&loop), 3); /* M parks on C, C ends (wakes M), D */
    CHECK_STR(test_trace, "C D ");
    CHECK_EQ(aio_task_done(&s.m.task), 0);
    CHECK_EQ(aio_step(&loop), 1); /* M */
    CHECK_STR(test_trace, "C D M=5@0 M:6 ");
    CHECK_EQ(aio_task_result(&s.m.task), 6);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer b;
    long long t1, t2;
    int b_ran_before_yield;
    aio_status rb;
} advance_main_t;

static aio_status advance_main(aio_task *t) {
    advance_main_t *s = AIO_SELF(t, advance_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->b.task, w_sleeper); /* b: yields = 0, d1 = 0: a yield */
    aio_virtual_advance(aio_running_loop(), AIO_MS(300));
    s->t1 = T_MS();
    s->b_ran_before_yield = s->b.ran;
    trace("M@%lld ", s->t1);
    AIO_YIELD(t);
    AIO_SLEEP(t, AIO_MS(200));
    s->t2 = T_MS();
    AIO_AWAIT(t, s->rb, &s->b.task);
    AIO_END(t);
}

/* aio_virtual_advance simulates CPU work: time moves, nobody else runs
 * until the task reaches an await. */
static void test_core_virtual_advance_no_yield(void) {
    static advance_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.b, "B");
    CHECK_EQ(test_run(&loop, &s.task, advance_main), AIO_OK);
    CHECK_EQ(s.t1, 300);
    CHECK_EQ(s.b_ran_before_yield, 0);
    /* B's sleep(0) started at 300 and it traced after its one yield */
    CHECK_STR(test_trace, "M@300 B@300 ");
    CHECK_EQ(s.t2, 500);
    CHECK_EQ(T_MS(), 500);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer a, b, c;
    aio_status r;
} late_main_t;

static aio_status late_timer_main(aio_task *t) {
    late_main_t *s = AIO_SELF(t, late_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_sleeper); /* sleeps 100 ms */
    AIO_YIELD(t);                     /* a arms its timer */
    aio_virtual_advance(aio_running_loop(), AIO_MS(250));
    AIO_YIELD(t);
    trace("M@%lld ", T_MS());
    AIO_AWAIT(t, s->r, &s->a.task);
    AIO_END(t);
}

/* A timer overtaken by simulated CPU work fires late, at the current time,
 * and runs after the task that was already ready (FIFO, like asyncio). */
static void test_core_virtual_advance_late_timer(void) {
    static late_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "A");
    s.a.d1 = AIO_MS(100);
    CHECK_EQ(test_run(&loop, &s.task, late_timer_main), AIO_OK);
    CHECK_STR(test_trace, "M@250 A@250 ");
    CHECK_EQ(s.a.at, 250);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status due_together_main(aio_task *t) {
    late_main_t *s = AIO_SELF(t, late_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_sleeper); /* 300 */
    aio_spawn(&s->b.task, w_sleeper); /* 100 */
    aio_spawn(&s->c.task, w_sleeper); /* 200 */
    AIO_YIELD(t);                     /* all three armed */
    aio_virtual_advance(aio_running_loop(), AIO_MS(500));
    AIO_YIELD(t);
    trace("M ");
    AIO_AWAIT(t, s->r, &s->a.task);
    AIO_AWAIT(t, s->r, &s->b.task);
    AIO_AWAIT(t, s->r, &s->c.task);
    AIO_END(t);
}

/* Timers that are all due in one iteration fire earliest deadline first (not
 * in arming order), after the already-ready main. */
static void test_core_due_timers_fire_by_deadline(void) {
    static late_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "A");
    w_init(&s.b, "B");
    w_init(&s.c, "C");
    s.a.d1 = AIO_MS(300);
    s.b.d1 = AIO_MS(100);
    s.c.d1 = AIO_MS(200);
    CHECK_EQ(test_run(&loop, &s.task, due_together_main), AIO_OK);
    CHECK_STR(test_trace, "M B@500 C@500 A@500 ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ============================================================ spawn / await */

typedef struct {
    aio_task task;
    tracer c1, c2, c3;
    aio_status r1, r2, r3, r4;
    long long at, at2;
    aio_status fin, mid_result;
    int mid_done, after, e1, e2, e3, dbg1, dbg2;
} await_main_t;

static aio_status await_result_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper);
    AIO_AWAIT(t, s->r1, &s->c1.task);
    s->at = T_MS();
    AIO_RETURN(t, s->r1 + 1);
    AIO_END(t);
}

/* AIO_AWAIT stores the child's result; main's own status comes back from aio_run. */
static void test_core_await_result(void) {
    static await_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.c1, "c");
    s.c1.d1 = AIO_MS(100);
    s.c1.ret = 42;
    CHECK_EQ(test_run(&loop, &s.task, await_result_main), 43);
    CHECK_EQ(s.r1, 42);
    CHECK_EQ(s.at, 100);
    CHECK_EQ(aio_task_result(&s.c1.task), 42);
    CHECK_EQ(aio_task_result(&s.task), 43);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_error_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper);
    aio_spawn(&s->c2.task, w_sleeper);
    AIO_AWAIT(t, s->r1, &s->c1.task);
    AIO_AWAIT(t, s->r2, &s->c2.task);
    s->at = T_MS();
    s->after = 1;
    AIO_RETURN(t, 7);
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}

/* A child's error comes back as a value: the awaiting task does not unwind. */
static void test_core_await_error_is_value(void) {
    static await_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.c1, "c1");
    w_init(&s.c2, "c2");
    s.c1.d1 = AIO_MS(50);
    s.c1.ret = AIO_ETIMEDOUT;
    s.c2.d1 = AIO_MS(30);
    s.c2.ret = AIO_EINVAL;
    CHECK_EQ(test_run(&loop, &s.task, await_error_main), 7);
    CHECK_EQ(s.r1, AIO_ETIMEDOUT);
    CHECK_EQ(s.r2, AIO_EINVAL);
    CHECK_EQ(s.after, 1);
    CHECK_EQ(s.at, 50);
    CHECK_EQ(s.fin, 7);
    CHECK_EQ(s.c1.fin, AIO_ETIMEDOUT); /* the child's own cleanup saw its error */
    CHECK_EQ(aio_task_failed(&s.c1.task), 1);
    CHECK_EQ(aio_task_cancelled(&s.c1.task), 0);
    CHECK_EQ(aio_task_failed(&s.c2.task), 1);
    CHECK_EQ(aio_task_failed(&s.task), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_user_error_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper);
    AIO_AWAIT(t, s->r1, &s->c1.task);
    s->at = T_MS();
    AIO_CHECK(t, s->r1); /* re-raise it here */
    s->after = 1;
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}

/* A user error code (AIO_EUSER-1) travels unchanged through await and
 * AIO_CHECK up to aio_run's result. */
static void test_core_await_user_error(void) {
    static await_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.c1, "c");
    s.c1.d1 = AIO_MS(20);
    s.c1.ret = AIO_EUSER - 1;
    CHECK_EQ(test_run(&loop, &s.task, await_user_error_main), AIO_EUSER - 1);
    CHECK_EQ(s.r1, AIO_EUSER - 1);
    CHECK_EQ(s.at, 20);
    CHECK_EQ(s.after, 0);
    CHECK_EQ(s.fin, AIO_EUSER - 1);
    CHECK_STR(aio_strerror(AIO_EUSER - 1), "user error");
    CHECK_EQ(aio_task_failed(&s.task), 1);
    CHECK_EQ(aio_task_cancelled(&s.task), 0);
    CHECK_EQ(aio_task_result(&s.c1.task), AIO_EUSER - 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_done_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper); /* 50 ms, returns 7 */
    AIO_SLEEP(t, AIO_MS(100));
    aio_spawn(&s->c2.task, w_now);     /* ready now: would run if main suspended */
    trace("m1 ");
    AIO_AWAIT(t, s->r1, &s->c1.task);
    trace("m2 ");
    s->at = T_MS();
    AIO_AWAIT(t, s->r2, &s->c1.task); /* again: done is sticky */
    trace("m3 ");
    AIO_AWAIT(t, s->r3, &s->c2.task);
    AIO_END(t);
}

/* Awaiting an already-finished task returns its result at once without
 * suspending: a task that became ready just before does not get to run. */
static void test_core_await_finished_no_suspend(void) {
    static await_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.c1, "c");
    w_init(&s.c2, "B");
    s.c1.d1 = AIO_MS(50);
    s.c1.ret = 7;
    s.c2.ret = 8;
    CHECK_EQ(test_run(&loop, &s.task, await_done_main), AIO_OK);
    CHECK_STR(test_trace, "c@50 m1 m2 m3 B ");
    CHECK_EQ(s.r1, 7);
    CHECK_EQ(s.r2, 7);
    CHECK_EQ(s.r3, 8);
    CHECK_EQ(s.at, 100);
    CHECK_EQ(s.c2.at, 100);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer child, w1, w2, w3;
    aio_status r;
} waiters_main_t;

static aio_status many_waiters_main(aio_task *t) {
    waiters_main_t *s = AIO_SELF(t, waiters_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->child.task, w_sleeper);
    aio_spawn(&s->w2.task, w_awaiter); /* arrives first */
    aio_spawn(&s->w3.task, w_awaiter);
    aio_spawn(&s->w1.task, w_awaiter); /* arrives last */
    AIO_AWAIT(t, s->r, &s->w1.task);
    AIO_AWAIT(t, s->r, &s->w2.task);
    AIO_AWAIT(t, s->r, &s->w3.task);
    AIO_END(t);
}

/* Several tasks awaiting one task all get its result, woken in the order
 * they started waiting. */
static void test_core_await_many_waiters_fifo(void) {
    static waiters_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.child, "c");
    w_init(&s.w1, "W1");
    w_init(&s.w2, "W2");
    w_init(&s.w3, "W3");
    s.child.d1 = AIO_MS(100);
    s.child.ret = 9;
    s.w1.other = s.w2.other = s.w3.other = &s.child.task;
    CHECK_EQ(test_run(&loop, &s.task, many_waiters_main), AIO_OK);
    CHECK_STR(test_trace, "c@100 W2=9@100 W2:0 W3=9@100 W3:0 W1=9@100 W1:0 ");
    CHECK_EQ(s.w1.rc, 9);
    CHECK_EQ(s.w2.rc, 9);
    CHECK_EQ(s.w3.rc, 9);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status respawn_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_now); /* returns 1 */
    AIO_AWAIT(t, s->r1, &s->c1.task);
    s->c1.ret = 2;
    s->c1.d1 = AIO_MS(30);
    s->e1 = aio_spawn(&s->c1.task, w_sleeper); /* same storage, new body */
    s->mid_result = aio_task_result(&s->c1.task);
    s->mid_done = aio_task_done(&s->c1.task);
    AIO_AWAIT(t, s->r2, &s->c1.task);
    s->at = T_MS();
    s->c1.ret = AIO_EUSER; /* third life: fails */
    s->e2 = aio_spawn(&s->c1.task, w_now);
    AIO_AWAIT(t, s->r3, &s->c1.task);
    AIO_END(t);
}

/* A finished task can be spawned again; its result is reset until it ends. */
static void test_core_respawn_finished(void) {
    static await_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.c1, "c");
    s.c1.ret = 1;
    CHECK_EQ(test_run(&loop, &s.task, respawn_main), AIO_OK);
    CHECK_EQ(s.r1, 1);
    CHECK_EQ(s.e1, AIO_OK);
    CHECK_EQ(s.mid_result, AIO_EINPROGRESS);
    CHECK_EQ(s.mid_done, 0);
    CHECK_EQ(s.r2, 2);
    CHECK_EQ(s.at, 30);
    CHECK_EQ(s.e2, AIO_OK);
    CHECK_EQ(s.r3, AIO_EUSER);
    CHECK_EQ(aio_task_failed(&s.c1.task), 1);
    CHECK_STR(test_trace, "c c@30 c ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status spawn_alive_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper);
    s->e1 = aio_spawn(&s->c1.task, w_now); /* still alive (ready) */
    s->dbg1 = debug_has("still alive");
    AIO_YIELD(t);
    s->e2 = aio_spawn(&s->c1.task, w_now); /* still alive (parked) */
    s->dbg2 = debug_has("still alive");
    AIO_AWAIT(t, s->r1, &s->c1.task);
    s->at = T_MS();
    AIO_END(t);
}

/* Spawning a task that is still alive is refused with AIO_EINVAL and leaves
 * the running task undisturbed; NULL arguments are refused too. */
static void test_core_spawn_invalid(void) {
    static await_main_t s;
    static aio_task fresh;
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&fresh, 0, sizeof fresh);
    w_init(&s.c1, "c");
    s.c1.d1 = AIO_MS(100);
    s.c1.ret = 4;
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, spawn_alive_main), AIO_OK);
    CHECK_EQ(s.e1, AIO_EINVAL);
    CHECK_EQ(s.e2, AIO_EINVAL);
    CHECK(s.dbg1);
    CHECK(s.dbg2);
    CHECK_EQ(s.r1, 4);
    CHECK_EQ(s.at, 100);
    CHECK_STR(test_trace, "c@100 ");
    CHECK_EQ(aio_spawn(NULL, w_now), AIO_EINVAL);
    CHECK_EQ(aio_spawn(&fresh, NULL), AIO_EINVAL);
    CHECK_DEBUG("NULL");
    CHECK_EQ(aio_task_result(&fresh), AIO_EINVAL); /* still never spawned */
    CHECK_EQ(aio_run(&loop, NULL, w_now), AIO_EINVAL); /* (aio_run's main the same) */
    CHECK_DEBUG("aio_spawn: task or function is NULL");
    CHECK_EQ(aio_run(&loop, &fresh, NULL), AIO_EINVAL);
    CHECK_DEBUG("aio_spawn: task or function is NULL");
    CHECK_EQ(aio_task_result(&fresh), AIO_EINVAL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status queries_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper); /* ok: 20 ms -> 3 */
    aio_spawn(&s->c2.task, w_sleeper); /* cancelled at 10 ms */
    aio_spawn(&s->c3.task, w_sleeper); /* fails at 5 ms */
    AIO_SLEEP(t, AIO_MS(10));
    s->e1 = aio_cancel(&s->c2.task);
    AIO_AWAIT(t, s->r1, &s->c1.task);
    AIO_AWAIT(t, s->r2, &s->c2.task);
    AIO_AWAIT(t, s->r3, &s->c3.task);
    s->at = T_MS();
    AIO_END(t);
}

/* done / cancelled / failed / result for a task that returned, one that was
 * cancelled, one that failed, and one never spawned. */
static void test_core_task_queries(void) {
    static await_main_t s;
    static aio_task never;
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&never, 0, sizeof never);
    w_init(&s.c1, "ok");
    w_init(&s.c2, "cx");
    w_init(&s.c3, "bad");
    s.c1.d1 = AIO_MS(20);
    s.c1.ret = 3;
    s.c2.d1 = AIO_SEC(1);
    s.c2.ret = 1;
    s.c3.d1 = AIO_MS(5);
    s.c3.ret = AIO_EUSER - 2;
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, queries_main), AIO_OK);
    CHECK_STR(test_trace, "bad@5 cx!@10 ok@20 ");
    CHECK_EQ(s.e1, 1);
    CHECK_EQ(s.r1, 3);
    CHECK_EQ(s.r2, AIO_ECANCELED);
    CHECK_EQ(s.r3, AIO_EUSER - 2);
    CHECK_EQ(s.at, 20);

    CHECK_EQ(aio_task_done(&s.c1.task), 1);
    CHECK_EQ(aio_task_cancelled(&s.c1.task), 0);
    CHECK_EQ(aio_task_failed(&s.c1.task), 0);
    CHECK_EQ(aio_task_result(&s.c1.task), 3);

    CHECK_EQ(aio_task_done(&s.c2.task), 1);
    CHECK_EQ(aio_task_cancelled(&s.c2.task), 1);
    CHECK_EQ(aio_task_failed(&s.c2.task), 0);
    CHECK_EQ(aio_task_result(&s.c2.task), AIO_ECANCELED);

    CHECK_EQ(aio_task_done(&s.c3.task), 1);
    CHECK_EQ(aio_task_cancelled(&s.c3.task), 0);
    CHECK_EQ(aio_task_failed(&s.c3.task), 1);
    CHECK_EQ(aio_task_result(&s.c3.task), AIO_EUSER - 2);

    CHECK_EQ(aio_task_done(&never), 0);
    CHECK_EQ(aio_task_cancelled(&never), 0);
    CHECK_EQ(aio_task_failed(&never), 0);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_task_result(&never), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status in_progress_main(aio_task *t) {
    await_main_t *s = AIO_SELF(t, await_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->c1.task, w_sleeper);
    s->r1 = aio_task_result(&s->c1.task); /* spawned, not started */
    s->mid_done = aio_task_done(&s->c1.task);
    AIO_YIELD(t);
    s->r2 = aio_task_result(&s->c1.task); /* parked in its sleep */
    s->e1 = aio_task_done(&s->c1.task);
    s->e2 = aio_task_cancelled(&s->c1.task);
    s->e3 = aio_task_failed(&s->c1.task);
    AIO_AWAIT(t, s->r3, &s->c1.task);
    s->r4 = aio_task_result(&s->c1.task);
    s->at = T_MS();
    AIO_END(t);
}

/* aio_task_result is AIO_EINPROGRESS until the task is done, and the other
 * queries are all 0 meanwhile. */
static void test_core_result_in_progress(void) {
    static await_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.c1, "c");
    s.c1.d1 = AIO_MS(100);
    s.c1.ret = 4;
    CHECK_EQ(test_run(&loop, &s.task, in_progress_main), AIO_OK);
    CHECK_EQ(s.r1, AIO_EINPROGRESS);
    CHECK_EQ(s.mid_done, 0);
    CHECK_EQ(s.r2, AIO_EINPROGRESS);
    CHECK_EQ(s.e1, 0);
    CHECK_EQ(s.e2, 0);
    CHECK_EQ(s.e3, 0);
    CHECK_EQ(s.r3, 4);
    CHECK_EQ(s.r4, 4);
    CHECK_EQ(s.at, 100);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_frame frame;
    aio_task *cur;
    long long at;
} inl_t;

static aio_status inline_fn(aio_task *t, inl_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_MS(10));
    s->cur = aio_current();
    s->at = T_MS();
    AIO_RETURN(t, 12);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    tracer child;
    inl_t g;
    aio_task *cur1, *cur2;
    aio_loop *loop_inside;
    aio_status rc, rg;
} current_main_t;

static aio_status current_main(aio_task *t) {
    current_main_t *s = AIO_SELF(t, current_main_t);
    AIO_BEGIN(t);
    s->cur1 = aio_current();
    s->loop_inside = aio_running_loop();
    aio_spawn(&s->child.task, w_sleeper);
    AIO_CALL(t, s->rg, inline_fn, &s->g);
    AIO_AWAIT(t, s->rc, &s->child.task);
    s->cur2 = aio_current();
    AIO_END(t);
}

/* aio_current(): NULL outside tasks, the running task inside (an inline
 * coroutine runs in its caller's task). */
static void test_core_current(void) {
    static current_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.child, "c");
    s.child.d1 = AIO_MS(5);
    CHECK(aio_current() == NULL);
    CHECK_EQ(test_run(&loop, &s.task, current_main), AIO_OK);
    CHECK(aio_current() == NULL);
    CHECK(s.cur1 == &s.task);
    CHECK(s.cur2 == &s.task);
    CHECK(s.child.cur == &s.child.task);
    CHECK(s.g.cur == &s.task);
    CHECK(s.loop_inside == &loop);
    CHECK_EQ(s.rg, 12);
    CHECK_EQ(s.g.at, 10);
    CHECK_EQ(s.child.at, 5);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct chain_t {
    aio_task task;
    struct chain_t *next;
    int depth;
    aio_status rc;
    long long at;
} chain_t;

static aio_status chain_fn(aio_task *t) {
    chain_t *s = AIO_SELF(t, chain_t);
    AIO_BEGIN(t);
    if (s->next) {
        aio_spawn(&s->next->task, chain_fn);
        AIO_AWAIT(t, s->rc, &s->next->task);
    }
    AIO_SLEEP(t, AIO_MS(10));
    s->at = T_MS();
    AIO_RETURN(t, s->rc * 10 + s->depth);
    AIO_END(t);
}

/* Results travel up a chain of nested spawns; each level finishes 10 ms
 * after its child. */
static void test_core_nested_spawn_chain(void) {
    static chain_t c[4];
    aio_loop loop;
    int i;
    memset(c, 0, sizeof c);
    for (i = 0; i < 4; i++) {
        c[i].depth = i;
        c[i].next = i < 3 ? &c[i + 1] : NULL;
    }
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &c[0].task, chain_fn), 3210); /* ((3*10+2)*10+1)*10+0 */
    CHECK_EQ(aio_task_result(&c[3].task), 3);
    CHECK_EQ(aio_task_result(&c[2].task), 32);
    CHECK_EQ(aio_task_result(&c[1].task), 321);
    CHECK_EQ(c[3].at, 10);
    CHECK_EQ(c[2].at, 20);
    CHECK_EQ(c[1].at, 30);
    CHECK_EQ(c[0].at, 40);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ================================================================ timer heap */

typedef struct {
    aio_task task;
    tracer w[10];
    int n;
    int i;
    aio_status r;
    long long at;
} group_main_t;

static aio_status group_main(aio_task *t) {
    group_main_t *s = AIO_SELF(t, group_main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) aio_spawn(&s->w[s->i].task, w_sleeper);
    for (s->i = 0; s->i < s->n; s->i++) AIO_AWAIT(t, s->r, &s->w[s->i].task);
    s->at = T_MS();
    AIO_END(t);
}

/* Equal absolute deadlines fire in arming order: arming order here differs
 * from spawn order because some tasks yield before they sleep. */
static void test_core_equal_deadlines_arming_order(void) {
    static group_main_t s;
    static const char *names[4] = {"A", "B", "C", "D"};
    static const int yields[4] = {2, 0, 1, 0};
    aio_loop loop;
    int i;
    memset(&s, 0, sizeof s);
    test_loop(&loop); /* sets test_start, which ABS_MS counts from */
    s.n = 4;
    for (i = 0; i < 4; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].use_until = 1;
        s.w[i].until = ABS_MS(100);
        s.w[i].yields = yields[i];
    }
    CHECK_EQ(test_run(&loop, &s.task, group_main), AIO_OK);
    /* armed: B, D (iteration 2), C (3), A (4) */
    CHECK_STR(test_trace, "B@100 D@100 C@100 A@100 ");
    CHECK_EQ(s.at, 100);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Relative sleeps armed at different times that end at the same instant wake
 * in arming order. */
static void test_core_equal_deadlines_relative(void) {
    static group_main_t s;
    aio_loop loop;
    memset(&s, 0, sizeof s);
    s.n = 4;
    w_init(&s.w[0], "Z"); /* 250 then 50: armed for 300 at t=250 */
    s.w[0].d1 = AIO_MS(250);
    s.w[0].d2 = AIO_MS(50);
    w_init(&s.w[1], "Y"); /* 100 then 200: armed for 300 at t=100 */
    s.w[1].d1 = AIO_MS(100);
    s.w[1].d2 = AIO_MS(200);
    w_init(&s.w[2], "X"); /* 300: armed at t=0 */
    s.w[2].d1 = AIO_MS(300);
    w_init(&s.w[3], "W"); /* 300: armed at t=0 after X */
    s.w[3].d1 = AIO_MS(300);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, group_main), AIO_OK);
    CHECK_STR(test_trace, "X@300 W@300 Y@300 Z@300 ");
    CHECK_EQ(s.at, 300);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* 1000 sleepers over 200 durations: 5 to a duration on average. With
 * TEST_SMALL_RAM 50 over 10, as many ties to a duration, and 7919 is still
 * prime to the count. */
#ifdef TEST_SMALL_RAM
#define HEAP_N 50
#else
#define HEAP_N 1000
#endif
#define HEAP_D (HEAP_N / 5)
typedef struct {
    aio_task task;
    int idx;
    aio_time d;
    long long at;
} heap_item_t;
static heap_item_t heap_items[HEAP_N];
static int heap_order[HEAP_N];
static int heap_count;
static int heap_perm(int p) { return (int)((long)p * 7919 % HEAP_N); } /* a permutation: 7919 is prime */

static aio_status heap_sleeper(aio_task *t) {
    heap_item_t *s = AIO_SELF(t, heap_item_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    s->at = T_MS();
    if (heap_count < HEAP_N) heap_order[heap_count] = s->idx;
    heap_count++;
    AIO_END(t);
}

typedef struct {
    aio_task task;
    int i;
    aio_status r;
    aio_time nd;
    int bad_rc;
} heap_main_t;

static aio_status heap_main(aio_task *t) {
    heap_main_t *s = AIO_SELF(t, heap_main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < HEAP_N; s->i++) aio_spawn(&heap_items[heap_perm(s->i)].task, heap_sleeper);
    AIO_YIELD(t); /* every sleeper ran once and armed its timer */
    s->nd = aio_next_deadline(aio_running_loop());
    for (s->i = 0; s->i < HEAP_N; s->i++) {
        AIO_AWAIT(t, s->r, &heap_items[s->i].task);
        if (s->r != 0) s->bad_rc++;
    }
    AIO_END(t);
}

/* 1000 sleepers (HEAP_N) with pseudo-random durations (many ties) wake
 * sorted by deadline, ties in arming (= spawn) order, each at exactly its
 * duration. */
static void test_core_heap_1000_sorted(void) {
    static heap_main_t s;
    static int expected[HEAP_N];
    aio_loop loop;
    uint32_t x = 12345u;
    int i, p, k, d, min_d = HEAP_D + 1, max_d = 0, ok_times = 1, ok_order = 1;
    memset(&s, 0, sizeof s);
    memset(heap_items, 0, sizeof heap_items);
    heap_count = 0;
    for (i = 0; i < HEAP_N; i++) {
        x = x * 1103515245u + 12345u;
        d = 1 + (int)((x >> 16) % (unsigned)HEAP_D);
        heap_items[i].idx = i;
        heap_items[i].d = AIO_MS(d);
        heap_items[i].at = -1;
        if (d < min_d) min_d = d;
        if (d > max_d) max_d = d;
    }
    /* expected order, computed without a heap: by duration, then spawn position */
    k = 0;
    for (d = 1; d <= HEAP_D; d++)
        for (p = 0; p < HEAP_N; p++)
            if (heap_items[heap_perm(p)].d == AIO_MS(d)) expected[k++] = heap_perm(p);
    CHECK_EQ(k, HEAP_N);

    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, heap_main), AIO_OK);
    CHECK_EQ(heap_count, HEAP_N);
    CHECK_EQ(s.bad_rc, 0);
    CHECK(s.nd == ABS_MS(min_d));
    for (i = 0; i < HEAP_N; i++) {
        if (heap_items[i].at != TEST_MS_OF(heap_items[i].d)) {
            if (ok_times) printf("    item %d woke at %lld\n", i, heap_items[i].at);
            ok_times = 0;
        }
        if (heap_order[i] != expected[i]) {
            if (ok_order) printf("    wake #%d: item %d, expected %d\n", i, heap_order[i], expected[i]);
            ok_order = 0;
        }
    }
    CHECK(ok_times);
    CHECK(ok_order);
    CHECK_EQ(T_MS(), max_d);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer child;
    aio_status rc;
    long long at, at2;
    aio_time nd;
} wf_main_t;

static aio_status wait_for_first_main(aio_task *t) {
    wf_main_t *s = AIO_SELF(t, wf_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->child.task, w_sleeper);
    AIO_WAIT_FOR(t, s->rc, &s->child.task, AIO_SEC(1));
    s->at = T_MS();
    s->nd = aio_next_deadline(aio_running_loop());
    AIO_SLEEP(t, AIO_MS(10));
    s->at2 = T_MS();
    AIO_END(t);
}

/* wait_for whose child finishes first: the wait's timer is disarmed (the heap
 * is empty again) and the clock never visits the unused deadline. Driven by
 * hand to watch aio_next_deadline at each step. */
static void test_core_wait_for_child_first_disarms(void) {
    static wf_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.child, "c");
    s.child.d1 = AIO_MS(100);
    s.child.ret = 5;
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_spawn(&s.task, wait_for_first_main), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1);                   /* main parks with a 1 s timer */
    CHECK(aio_next_deadline(&loop) == test_start); /* the child is ready */
    CHECK_EQ(aio_step(&loop), 1);                   /* the child arms 100 ms */
    CHECK(aio_next_deadline(&loop) == ABS_MS(100));
    aio_virtual_advance(&loop, AIO_MS(100));
    CHECK_EQ(aio_step(&loop), 1);                   /* the child ends, wakes main */
    CHECK(aio_next_deadline(&loop) == ABS_MS(100)); /* main ready: "now" */
    CHECK_EQ(aio_step(&loop), 1);                   /* main: rc, then sleeps 10 ms */
    CHECK_EQ(s.rc, 5);
    CHECK_EQ(s.at, 100);
    CHECK(s.nd == AIO_NEVER);                       /* the 1 s timer is gone */
    CHECK(aio_next_deadline(&loop) == ABS_MS(110));
    aio_virtual_advance(&loop, AIO_MS(10));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(aio_task_result(&s.task), AIO_OK);
    CHECK_EQ(s.at2, 110);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status wait_for_first_run_main(aio_task *t) {
    wf_main_t *s = AIO_SELF(t, wf_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->child.task, w_sleeper);
    AIO_WAIT_FOR(t, s->rc, &s->child.task, AIO_SEC(1));
    s->at = T_MS();
    s->nd = aio_next_deadline(aio_running_loop());
    AIO_END(t);
}

/* The same under aio_run: the run ends at 100 ms, not at the 1 s deadline. */
static void test_core_wait_for_child_first_run(void) {
    static wf_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.child, "c");
    s.child.d1 = AIO_MS(100);
    s.child.ret = 5;
    CHECK_EQ(test_run(&loop, &s.task, wait_for_first_run_main), AIO_OK);
    CHECK_EQ(s.rc, 5);
    CHECK_EQ(s.at, 100);
    CHECK(s.nd == AIO_NEVER);
    CHECK_EQ(T_MS(), 100);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status cancel_middle_main(aio_task *t) {
    group_main_t *s = AIO_SELF(t, group_main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) aio_spawn(&s->w[s->i].task, w_sleeper);
    AIO_SLEEP(t, AIO_MS(50));
    aio_cancel(&s->w[5].task); /* C (300) */
    aio_cancel(&s->w[0].task); /* E (500) */
    for (s->i = 0; s->i < s->n; s->i++) AIO_AWAIT(t, s->r, &s->w[s->i].task);
    s->at = T_MS();
    AIO_END(t);
}

/* Cancelling sleepers removes their timers from the middle of the heap; the
 * others still fire at their exact times, in order. */
static void test_core_cancel_disarms_middle(void) {
    static group_main_t s;
    static const char *names[6] = {"E", "B", "F", "A", "D", "C"};
    static const int ms[6] = {500, 200, 600, 100, 400, 300};
    aio_loop loop;
    int i;
    memset(&s, 0, sizeof s);
    s.n = 6;
    for (i = 0; i < 6; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].d1 = AIO_MS(ms[i]);
    }
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, cancel_middle_main), AIO_OK);
    CHECK_STR(test_trace, "C!@50 E!@50 A@100 B@200 D@400 F@600 ");
    CHECK_EQ(aio_task_cancelled(&s.w[5].task), 1);
    CHECK_EQ(aio_task_cancelled(&s.w[0].task), 1);
    CHECK_EQ(aio_task_result(&s.w[4].task), 0);
    CHECK_EQ(s.at, 600);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer a, b, c;
    aio_status ra, rb, rc, rc2;
    long long at;
    int dbg;
    aio_status dbg_code, c_fin;
} cap_main_t;

static aio_status cap_main(aio_task *t) {
    cap_main_t *s = AIO_SELF(t, cap_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_sleeper);
    aio_spawn(&s->b.task, w_sleeper);
    aio_spawn(&s->c.task, w_sleeper); /* its park is the third: no slot */
    AIO_AWAIT(t, s->rc, &s->c.task);  /* a plain await needs no timer slot */
    s->dbg = debug_has("timer storage is full");
    s->dbg_code = test_last_debug_code;
    s->c_fin = s->c.fin; /* before C is spawned again */
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_AWAIT(t, s->rb, &s->b.task);
    s->c.d1 = AIO_MS(50); /* slots are free again */
    aio_spawn(&s->c.task, w_sleeper);
    AIO_AWAIT(t, s->rc2, &s->c.task);
    s->at = T_MS();
    AIO_END(t);
}

/* Timer storage is counted in the target's unsigned int: a capacity beyond
 * it (possible only where int is 16 bits, as on an AVR) counts as many slots
 * as it can; no storage counts none, whatever the capacity. */
static void test_core_timer_capacity_counts_in_int(void) {
    static aio_timer slots[1];
    const uint32_t asked = 70000u;
    aio_loop loop;
    aio_loop_init(&loop, slots, asked);
    CHECK(loop.heap == slots);
    CHECK(loop.heap_cap == (asked > UINT_MAX ? UINT_MAX : asked));
    CHECK(sizeof loop.heap_cap == sizeof(unsigned int));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_loop_init(&loop, NULL, asked);
    CHECK_EQ(loop.heap_cap, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Fixed timer storage without a growth hook: the park that needs a third
 * slot raises AIO_ENOSPC in that task (its cleanup runs); the others sleep
 * normally, and freed slots are reused. */
static void test_core_fixed_capacity_enospc(void) {
    static cap_main_t s;
    static aio_timer timers[2];
    aio_loop loop;
    memset(&s, 0, sizeof s);
    w_init(&s.a, "A");
    w_init(&s.b, "B");
    w_init(&s.c, "C");
    s.a.d1 = s.b.d1 = s.c.d1 = AIO_MS(100);
    s.a.ret = 1;
    s.b.ret = 2;
    s.c.ret = 3;
    test_loop(&loop); /* sets test_start */
    aio_loop_init(&loop, timers, 2);
    aio_loop_use_virtual_clock(&loop, test_start);
    CHECK_EQ(test_run(&loop, &s.task, cap_main), AIO_OK);
    CHECK_EQ(s.rc, AIO_ENOSPC);
    CHECK(s.dbg);
#ifdef AIO_DEBUG
    CHECK_EQ(s.dbg_code, AIO_ENOSPC);
#endif
    CHECK_EQ(s.c_fin, AIO_ENOSPC); /* C's cleanup ran with the error */
    CHECK_EQ(s.c.fin, 3);          /* its second life ended normally */
    CHECK_EQ(s.ra, 1);
    CHECK_EQ(s.rb, 2);
    CHECK_EQ(s.a.at, 100);
    CHECK_EQ(s.b.at, 100);
    CHECK_EQ(s.rc2, 3);
    CHECK_EQ(s.at, 150);
    CHECK_STR(test_trace, "A@100 B@100 C@150 ");
    CHECK_EQ(aio_loop_timers_full(&loop), 1u); /* the one refusal, counted */
    CHECK_EQ(aio_loop_timers_full(NULL), 0u);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer child;
    aio_status rc, rc2, fin;
    int after;
} nospace_main_t;

static aio_status nospace_main(aio_task *t) {
    nospace_main_t *s = AIO_SELF(t, nospace_main_t);
    AIO_BEGIN(t);
    s->rc = 77;
    aio_spawn(&s->child.task, w_yielder);
    AIO_WAIT_FOR(t, s->rc, &s->child.task, AIO_SEC(1)); /* needs a timer: none */
    s->after = 1;
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_AWAIT(t, s->rc2, &s->child.task); /* no timer needed */
    AIO_END(t);
}

/* With no timer storage at all, a wait_for that must arm a timer raises
 * AIO_ENOSPC in the caller (the await does not store a value); yields and
 * plain awaits still work. */
static void test_core_wait_for_enospc_no_slots(void) {
    static nospace_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.child, "y");
    s.child.yields = 2;
    s.child.ret = 6;
    aio_loop_init(&loop, NULL, 0); /* no storage, no growth hook */
    aio_loop_use_virtual_clock(&loop, test_start);
    CHECK_EQ(aio_loop_timers_full(&loop), 0u);
    loop.timers_full = 0xFFFFu; /* (as after 65,535 refusals: the count goes round) */
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &s.task, nospace_main), AIO_ENOSPC);
    CHECK_EQ(aio_loop_timers_full(&loop), 0u);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(s.rc, 77);
    CHECK_EQ(s.after, 0);
    CHECK_EQ(s.fin, AIO_ENOSPC);
    CHECK_EQ(s.rc2, 6);
    CHECK_STR(test_trace, "y0 y1 ");
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ==================================================== super-loop by hand */

/* aio_step runs the tasks ready at its start and reports how many; with the
 * virtual clock it never moves time by itself. */
static void test_core_step_counts(void) {
    static struct { tracer a, b, c; } s;
    aio_loop loop;
    w_init(&s.a, "A");
    w_init(&s.b, "B");
    w_init(&s.c, "C");
    s.a.d1 = AIO_MS(100);
    s.b.yields = 1;
    test_loop(&loop);
    CHECK_EQ(aio_step(&loop), 0); /* nothing to do */
    CHECK_EQ(aio_spawn(&s.a.task, w_sleeper), AIO_OK);
    CHECK_EQ(aio_spawn(&s.b.task, w_yielder), AIO_OK);
    CHECK_EQ(aio_spawn(&s.c.task, w_now), AIO_OK);
    CHECK(aio_current() == NULL);
    CHECK(aio_next_deadline(&loop) == test_start);
    CHECK_EQ(aio_step(&loop), 3); /* A arms, B yields, C ends */
    CHECK_STR(test_trace, "B0 C ");
    CHECK(aio_next_deadline(&loop) == test_start); /* B is ready */
    CHECK_EQ(aio_step(&loop), 1);                   /* B ends */
    CHECK(aio_next_deadline(&loop) == ABS_MS(100));
    CHECK_EQ(aio_step(&loop), 0);
    CHECK(aio_loop_now(&loop) == test_start);
    aio_virtual_advance(&loop, AIO_MS(99));
    CHECK_EQ(aio_step(&loop), 0);
    aio_virtual_advance(&loop, AIO_MS(1));
    CHECK_EQ(aio_step(&loop), 1); /* A wakes and ends */
    CHECK_STR(test_trace, "B0 C A@100 ");
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_EQ(aio_task_done(&s.a.task) + aio_task_done(&s.b.task) + aio_task_done(&s.c.task), 3);
    CHECK(aio_current() == NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A custom clock (a counter the test moves) drives aio_step: timers fire when
 * the counter reaches them, late ones at the counter's time; the virtual
 * advance is refused on a non-virtual clock. */
static void test_core_step_custom_clock(void) {
    static struct { tracer a, b; } s;
    static fake_clock clk;
    aio_loop loop;
    w_init(&s.a, "A");
    w_init(&s.b, "B");
    s.a.d1 = AIO_MS(100);
    s.b.d1 = AIO_MS(250);
    memset(&clk, 0, sizeof clk);
    test_loop(&loop);
    clk.now = test_start;
    aio_loop_set_clock(&loop, fake_clock_read, &clk);
    CHECK(aio_loop_now(&loop) == test_start);
    test_last_debug[0] = 0;
    aio_virtual_advance(&loop, AIO_MS(5));
    CHECK_DEBUG("virtual clock");
    CHECK(aio_loop_now(&loop) == test_start);
    CHECK_EQ(aio_spawn(&s.a.task, w_sleeper), AIO_OK);
    CHECK_EQ(aio_spawn(&s.b.task, w_sleeper), AIO_OK);
    CHECK_EQ(aio_step(&loop), 2);
    CHECK(aio_next_deadline(&loop) == ABS_MS(100));
    clk.now = ABS_MS(99);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK(aio_loop_now(&loop) == ABS_MS(99));
    CHECK(aio_next_deadline(&loop) == ABS_MS(100));
    clk.now = ABS_MS(100);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(s.a.at, 100);
    CHECK(aio_next_deadline(&loop) == ABS_MS(250));
    clk.now = ABS_MS(300); /* the loop was not stepped in time: B is late */
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(s.b.at, 300);
    CHECK_STR(test_trace, "A@100 B@300 ");
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A clock that counts its reads and moves on 1 ms at each. */
typedef struct counting_clock {
    aio_time now;
    int reads;
} counting_clock;

static aio_time counting_clock_read(void *ctx) {
    counting_clock *c = (counting_clock *)ctx;
    c->reads++;
    c->now = (aio_time)(c->now + AIO_MS(1));
    return c->now;
}

typedef struct {
    aio_task task;
    aio_time t1, t2;
} lazy_reader;

static aio_status lazy_reader_body(aio_task *t) {
    lazy_reader *s = AIO_SELF(t, lazy_reader);
    AIO_BEGIN(t);
    AIO_YIELD(t);
    s->t1 = aio_now();
    s->t2 = aio_now();
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

/* An iteration that starts with no timer armed reads the clock only when
 * something needs the time, once: a yield needs none; aio_now() reads it and
 * the iteration keeps that time (t1 == t2), from which the sleep's deadline
 * is computed without another read. With a timer armed, every iteration
 * reads it at its start. */
static void test_core_clock_read_when_needed(void) {
    static lazy_reader s;
    static counting_clock clk;
    BEGIN_TEST_WITH(s);
    clk.now = test_start;
    clk.reads = 0;
    aio_loop_set_instrument(&loop, NULL, NULL); /* (a traced loop reads it for each record) */
    aio_loop_set_clock(&loop, counting_clock_read, &clk);
    CHECK_EQ(clk.reads, 1);
    CHECK_EQ(aio_spawn(&s.task, lazy_reader_body), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1); /* runs to the yield */
    CHECK_EQ(clk.reads, 1);
    CHECK_EQ(aio_step(&loop), 1); /* aio_now() twice, then the sleep */
    CHECK_EQ(clk.reads, 2);
    CHECK(s.t1 == ABS_MS(2));
    CHECK(s.t2 == ABS_MS(2));
    CHECK(aio_next_deadline(&loop) == ABS_MS(12));
    CHECK_EQ(aio_step(&loop), 0); /* a timer is armed: read at the start */
    CHECK_EQ(clk.reads, 3);
    CHECK(aio_loop_now(&loop) == ABS_MS(3));
    clk.now = ABS_MS(11);
    CHECK_EQ(aio_step(&loop), 1); /* reads 12: an empty turn, the timer wakes the sleeper */
    CHECK_EQ(clk.reads, 4);
    CHECK(aio_task_done(&s.task));
    CHECK_EQ(aio_step(&loop), 0); /* nothing armed, nothing needs the time: no read */
    CHECK_EQ(clk.reads, 4);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A clock of the program's own that moves inside a step (busy work) is seen
 * where the time is first needed, whatever the build: r0 and r1 sleep to
 * 20 ms; main awaits them with no deadline (which needs no time: no read);
 * r1 yields, the clock moves 5 ms in its next step, and its sleep of 5 ms
 * then counts from 25 (as the virtual clock's busy work and asyncio's
 * loop.time() would): it ends at 30 at -O0, -O2 and -Os alike. */
static aio_time moving_now;
static aio_time moving_clock_read(void *ctx) {
    (void)ctx;
    return moving_now;
}
static void moving_idle(void *ctx, aio_loop *L, aio_time until) {
    (void)ctx;
    (void)L;
    if (until != AIO_NEVER && (aio_stime)(until - moving_now) > 0) moving_now = until;
}
static struct { aio_task main, r0, r1; aio_status lv; long long r1_end; } MC;
static aio_status mc_r1(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(20));
    AIO_YIELD(t);
    moving_now = (aio_time)(moving_now + AIO_MS(5)); /* (busy work) */
    AIO_SLEEP(t, AIO_MS(5));
    MC.r1_end = TEST_MS_OF((aio_time)(moving_now - test_start));
    AIO_END(t);
}
static aio_status mc_r0(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&MC.r1, mc_r1), AIO_OK);
    AIO_SLEEP(t, AIO_MS(20));
    AIO_END(t);
}
static aio_status mc_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&MC.r0, mc_r0), AIO_OK);
    AIO_AWAIT(t, MC.lv, &MC.r0);
    AIO_AWAIT(t, MC.lv, &MC.r1);
    AIO_END(t);
}
static void test_core_clock_moving_in_a_step(void) {
    aio_loop loop;
    memset(&MC, 0, sizeof MC);
    test_loop(&loop);
    aio_loop_set_instrument(&loop, NULL, NULL); /* (a traced loop reads it for each record) */
    moving_now = test_start;
    aio_loop_set_clock(&loop, moving_clock_read, NULL);
    aio_loop_set_idle(&loop, moving_idle, NULL);
    CHECK_EQ(aio_run(&loop, &MC.main, mc_main), AIO_OK);
    CHECK_EQ(MC.r1_end, 30);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* aio_next_deadline: "now" while something is ready, else the earliest armed
 * timer (also after removing an inner heap node and the root), else AIO_NEVER.
 * Heap after arming 300, 100, 200, 400, 250: [100, 250, 200, 400, 300];
 * 250 is an inner node with two children. */
static void test_core_next_deadline_values(void) {
    static group_main_t s;
    static const char *names[5] = {"S300", "S100", "S200", "S400", "S250"};
    static const int ms[5] = {300, 100, 200, 400, 250};
    aio_loop loop;
    int i;
    memset(&s, 0, sizeof s);
    for (i = 0; i < 5; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].d1 = AIO_MS(ms[i]);
    }
    test_loop(&loop);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    for (i = 0; i < 5; i++) CHECK_EQ(aio_spawn(&s.w[i].task, w_sleeper), AIO_OK);
    CHECK(aio_next_deadline(&loop) == test_start);
    CHECK_EQ(aio_step(&loop), 5);
    CHECK(aio_next_deadline(&loop) == ABS_MS(100));
    CHECK_EQ(aio_cancel(&s.w[4].task), 1); /* 250: an inner node */
    CHECK(aio_next_deadline(&loop) == test_start);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(aio_task_cancelled(&s.w[4].task), 1);
    CHECK(aio_next_deadline(&loop) == ABS_MS(100));
    CHECK_EQ(aio_cancel(&s.w[1].task), 1); /* 100: the root */
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_next_deadline(&loop) == ABS_MS(200));
    aio_virtual_advance(&loop, AIO_MS(200));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_next_deadline(&loop) == ABS_MS(300));
    aio_virtual_advance(&loop, AIO_MS(100));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_next_deadline(&loop) == ABS_MS(400));
    aio_virtual_advance(&loop, AIO_MS(100));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_STR(test_trace, "S250!@0 S100!@0 S200@200 S300@300 S400@400 ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer child;
    aio_status rc;
    long long t1, t2, t3;
} idle_main_t;

static aio_status idle_main(aio_task *t) {
    idle_main_t *s = AIO_SELF(t, idle_main_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100));
    s->t1 = T_MS();
    aio_spawn(&s->child.task, w_sleeper); /* 50 ms */
    AIO_AWAIT(t, s->rc, &s->child.task);
    s->t2 = T_MS();
    AIO_YIELD(t); /* something is ready: no idle call */
    AIO_RETURN(t, s->rc + 1);
    AIO_END(t);
}

/* aio_run with a custom clock and idle hook: the hook is asked to sleep until
 * exactly the next deadlines, and only when nothing is ready. */
static void test_core_run_custom_idle(void) {
    static idle_main_t s;
    static fake_clock clk;
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&clk, 0, sizeof clk);
    w_init(&s.child, "c");
    s.child.d1 = AIO_MS(50);
    s.child.ret = 6;
    test_loop(&loop);
    clk.now = test_start;
    aio_loop_set_clock(&loop, fake_clock_read, &clk);
    aio_loop_set_idle(&loop, fake_idle, &clk);
    CHECK_EQ(test_run(&loop, &s.task, idle_main), 7);
    CHECK_EQ(clk.calls, 2);
    CHECK(clk.seen[0] == ABS_MS(100));
    CHECK(clk.seen[1] == ABS_MS(150));
    CHECK_EQ(s.t1, 100);
    CHECK_EQ(s.t2, 150);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status early_idle_main(aio_task *t) {
    idle_main_t *s = AIO_SELF(t, idle_main_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100));
    s->t1 = T_MS();
    AIO_SLEEP(t, AIO_MS(10));
    s->t2 = T_MS();
    AIO_END(t);
}

/* An idle hook that returns early (an external wake-up) is simply called
 * again with the same deadline; the sleeper wakes at the first clock reading
 * at or after its deadline. */
static void test_core_idle_returns_early(void) {
    static idle_main_t s;
    static fake_clock clk;
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&clk, 0, sizeof clk);
    test_loop(&loop);
    clk.now = test_start;
    clk.step = AIO_MS(30);
    aio_loop_set_clock(&loop, fake_clock_read, &clk);
    aio_loop_set_idle(&loop, fake_idle, &clk);
    CHECK_EQ(test_run(&loop, &s.task, early_idle_main), AIO_OK);
    /* 30, 60, 90, 120 (>= 100: wakes); then 120 + 10 = 130 -> 150 */
    CHECK_EQ(clk.calls, 5);
    CHECK(clk.seen[0] == ABS_MS(100));
    CHECK(clk.seen[1] == ABS_MS(100));
    CHECK(clk.seen[2] == ABS_MS(100));
    CHECK(clk.seen[3] == ABS_MS(100));
    CHECK(clk.seen[4] == (aio_time)(test_start + 4u * AIO_MS(30) + AIO_MS(10))); /* (130 ms in ticks) */
    CHECK_EQ(s.t1, 120);
    CHECK_EQ(s.t2, 150);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ==================================================================== aio_run */

static aio_status ret17_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    AIO_RETURN(t, 17);
    AIO_END(t);
}
static aio_status raise_user_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    AIO_RAISE(t, AIO_EUSER - 3);
    AIO_END(t);
}
static aio_status plain_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    AIO_END(t);
}
static aio_status raise_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RAISE(t, AIO_ECANCELED);
    AIO_END(t);
}

/* aio_run returns the main task's final status, whatever it is; the same
 * task storage serves several runs. */
static void test_core_run_returns_status(void) {
    static aio_task m;
    aio_loop loop;
    memset(&m, 0, sizeof m);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &m, ret17_main), 17);
    CHECK_EQ(aio_task_result(&m), 17);
    CHECK_EQ(test_run(&loop, &m, raise_user_main), AIO_EUSER - 3);
    CHECK_EQ(aio_task_failed(&m), 1);
    CHECK_EQ(T_MS(), 5);
    CHECK_EQ(test_run(&loop, &m, plain_main), AIO_OK);
    CHECK_EQ(aio_task_failed(&m), 0);
    CHECK_EQ(test_run(&loop, &m, raise_cancel_main), AIO_ECANCELED);
    CHECK_EQ(aio_task_cancelled(&m), 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Consecutive runs on one loop share its clock: time keeps going. */
static void test_core_run_twice_same_loop(void) {
    static sleep_main_t s;
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, sleep_until_main), AIO_OK); /* ends at 2300 */
    CHECK_EQ(T_MS(), 2300);
    CHECK_EQ(test_run(&loop, &s.task, sleep_exact_main), 3); /* +3750 */
    CHECK_EQ(s.t1, 3800);
    CHECK_EQ(s.t3, 6050);
    CHECK_EQ(T_MS(), 6050);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer a, b;
    aio_status ra, rb;
} dead_main_t;

static aio_status deadlock_main(aio_task *t) {
    dead_main_t *s = AIO_SELF(t, dead_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_awaiter); /* a awaits b */
    aio_spawn(&s->b.task, w_awaiter); /* b awaits a */
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_AWAIT(t, s->rb, &s->b.task);
    AIO_RETURN(t, 1);
    AIO_END(t);
}

/* Two tasks awaiting each other wait forever: aio_run reports AIO_EDEADLK
 * (no task ready, no timer armed) and leaves everything in place; the loop
 * cannot be destroyed until the cycle is broken by a cancel. */
static void test_core_run_deadlock(void) {
    static dead_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "a");
    w_init(&s.b, "b");
    s.a.other = &s.b.task;
    s.b.other = &s.a.task;
    s.a.ret = 5;
    s.b.ret = 8;
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &s.task, deadlock_main), AIO_EDEADLK);
    CHECK_DEBUG("nothing can wake");
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_task_done(&s.task), 0);
    CHECK_EQ(aio_task_result(&s.task), AIO_EINPROGRESS);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY);
    CHECK_DEBUG("still alive");
    /* break the cycle by hand: a is detached from b (it does not own it) */
    CHECK_EQ(aio_cancel(&s.a.task), 1);
    CHECK_EQ(aio_step(&loop), 1); /* a unwinds; wakes main, then b (arrival order) */
    CHECK_STR(test_trace, "a:-1 ");
    CHECK_EQ(aio_step(&loop), 2); /* main parks on b; b gets -1 and returns 8 */
    CHECK_STR(test_trace, "a:-1 b=-1@0 b:8 ");
    CHECK_EQ(aio_step(&loop), 1); /* main */
    CHECK_EQ(aio_task_result(&s.task), 1);
    CHECK_EQ(s.ra, AIO_ECANCELED);
    CHECK_EQ(s.rb, 8);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A task awaiting the main task while main awaits it: same deadlock, two
 * tasks. */
static aio_status mutual_main(aio_task *t) {
    dead_main_t *s = AIO_SELF(t, dead_main_t);
    AIO_BEGIN(t);
    s->a.other = t;
    aio_spawn(&s->a.task, w_awaiter);
    AIO_AWAIT(t, s->ra, &s->a.task);
    AIO_END(t);
}

static void test_core_run_deadlock_mutual(void) {
    static dead_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "a");
    CHECK_EQ(test_run(&loop, &s.task, mutual_main), AIO_EDEADLK);
    CHECK_EQ(s.a.ran, 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY);
    /* cancel main: it owns a, so the cancel goes straight on to a (R14), and
     * main waits for it */
    CHECK_EQ(aio_cancel(&s.task), 1);
    CHECK_EQ(aio_step(&loop), 1); /* a unwinds */
    CHECK_EQ(aio_step(&loop), 1); /* main unwinds */
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_EQ(aio_task_cancelled(&s.a.task), 1);
    CHECK_EQ(aio_task_cancelled(&s.task), 1);
    CHECK_STR(test_trace, "a:-1 ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* aio_loop_destroy refuses (AIO_EBUSY) while a spawned task is alive, even one
 * that never ran; a task cancelled before its first run never runs its body. */
static void test_core_destroy_busy(void) {
    static tracer x;
    aio_loop loop;
    w_init(&x, "x");
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&x.task, w_now), AIO_OK);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY);
    CHECK_DEBUG("still alive");
    CHECK(aio_running_loop() == &loop); /* still usable */
    CHECK_EQ(aio_cancel(&x.task), 1);
    aio_step(&loop);
    CHECK_EQ(aio_task_done(&x.task), 1);
    CHECK_EQ(aio_task_cancelled(&x.task), 1);
    CHECK_EQ(x.ran, 0);
    CHECK_STR(test_trace, "");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK(aio_running_loop() == NULL);
}

typedef struct {
    aio_task task;
    tracer child;
    tracer main2;
} leftover_t;

static aio_status leftover_main(aio_task *t) {
    leftover_t *s = AIO_SELF(t, leftover_t);
    AIO_BEGIN(t);
    aio_spawn(&s->child.task, w_sleeper);
    AIO_YIELD(t);
    AIO_RETURN(t, 2);
    AIO_END(t);
}

/* When main ends, aio_run cancels the tasks it left running and runs the
 * loop until they have finished, as asyncio.run does; it returns main's
 * status, and the loop can be destroyed. */
static void test_core_run_cancels_what_main_left(void) {
    static leftover_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.child, "c");
    s.child.d1 = AIO_SEC(1);
    s.child.ret = 4;
    CHECK_EQ(test_run(&loop, &s.task, leftover_main), 2);
    CHECK_EQ(T_MS(), 0);
    CHECK(aio_task_cancelled(&s.child.task));
    CHECK(!aio_task_alive(&s.child.task));
    CHECK_STR(test_trace, "c!@0 ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    tracer child;
    aio_status rc;
    aio_time nd;
    int c1, c2, c3, pending, pending_after;
    long long at;
} forever_main_t;

static aio_status forever_main(aio_task *t) {
    forever_main_t *s = AIO_SELF(t, forever_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->child.task, w_sleeper); /* sleeps AIO_NEVER */
    AIO_YIELD(t);
    s->nd = aio_next_deadline(aio_running_loop()); /* no timer for "forever" */
    AIO_SLEEP(t, AIO_MS(500));
    s->c1 = aio_cancel(&s->child.task);
    s->c2 = aio_cancel(&s->child.task); /* again before delivery */
    s->pending = aio_task_cancel_pending(&s->child.task);
    AIO_AWAIT(t, s->rc, &s->child.task);
    s->at = T_MS();
    s->pending_after = aio_task_cancel_pending(&s->child.task);
    s->c3 = aio_cancel(&s->child.task); /* finished: 0 */
    AIO_END(t);
}

/* AIO_SLEEP(t, AIO_NEVER) arms no timer and only a cancel ends it; aio_cancel
 * returns 1 per request, delivered once, and 0 once the task is done. */
static void test_core_sleep_forever_until_cancel(void) {
    static forever_main_t s;
    static aio_task never;
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&never, 0, sizeof never);
    w_init(&s.child, "f");
    s.child.d1 = AIO_NEVER;
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, forever_main), AIO_OK);
    CHECK(s.nd == AIO_NEVER);
    CHECK_EQ(s.c1, 1);
    CHECK_EQ(s.c2, 1);
    CHECK_EQ(s.pending, 1);
    CHECK_EQ(s.rc, AIO_ECANCELED);
    CHECK_EQ(s.at, 500);
    CHECK_EQ(s.pending_after, 0);
    CHECK_EQ(s.c3, 0);
    CHECK_EQ(s.child.finals, 1);
    CHECK_STR(test_trace, "f!@500 ");
    test_last_debug[0] = 0;
    CHECK_EQ(aio_cancel(&never), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    aio_time d;
    aio_status fin;
    long long after;
} bad_sleep_t;

static aio_status max_sleep_main(aio_task *t) {
    bad_sleep_t *s = AIO_SELF(t, bad_sleep_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    s->after = 1;
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}
static aio_status bad_until_main(aio_task *t) {
    bad_sleep_t *s = AIO_SELF(t, bad_sleep_t);
    AIO_BEGIN(t);
    AIO_SLEEP_UNTIL(t, AIO_TIME_INVALID);
    s->after = 1;
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}

/* The longest legal sleep (just under half the clock range) ends exactly on
 * time; half the range is refused with AIO_EINVAL raised in the sleeping
 * task, and so is an absolute AIO_TIME_INVALID with 64-bit time. With
 * wrapping ticks that value is a real instant: the sleep ends there, two
 * ticks late (the tests start 30 s before the wrap). */
static void test_core_sleep_limits(void) {
    static bad_sleep_t s;
    BEGIN_TEST_WITH(s);
    s.d = (aio_time)(AIO_NEVER / 2 - 1);
    CHECK_EQ(test_run(&loop, &s.task, max_sleep_main), AIO_OK);
    CHECK_EQ(s.after, 1);
    CHECK(T() == (aio_time)(AIO_NEVER / 2 - 1));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);

    memset(&s, 0, sizeof s);
    test_loop(&loop);
    s.d = (aio_time)(AIO_NEVER / 2);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &s.task, max_sleep_main), AIO_EINVAL);
    CHECK_DEBUG("sleep");
    CHECK_EQ(s.after, 0);
    CHECK_EQ(s.fin, AIO_EINVAL);
    CHECK_EQ(T_MS(), 0);
    memset(&s, 0, sizeof s);
    if (sizeof(aio_time) < 8) {
        CHECK_EQ(test_run(&loop, &s.task, bad_until_main), AIO_OK);
        CHECK_EQ(s.after, 1);
        CHECK_EQ(s.fin, AIO_OK);
        CHECK(aio_now() == 0); /* (AIO_SEC(30) + 1 ticks from the start) */
    } else {
        CHECK_EQ(test_run(&loop, &s.task, bad_until_main), AIO_EINVAL);
        CHECK_EQ(s.after, 0);
        CHECK_EQ(s.fin, AIO_EINVAL);
        CHECK_EQ(T_MS(), 0);
    }
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_task task;
    aio_task never;
    aio_status rc, fin;
    int after;
} bad_await_t;

static aio_status await_never_main(aio_task *t) {
    bad_await_t *s = AIO_SELF(t, bad_await_t);
    AIO_BEGIN(t);
    s->rc = 12345;
    AIO_AWAIT(t, s->rc, &s->never);
    s->after = 1;
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}
static aio_status await_self_main(aio_task *t) {
    bad_await_t *s = AIO_SELF(t, bad_await_t);
    AIO_BEGIN(t);
    s->rc = 12345;
    AIO_AWAIT(t, s->rc, t);
    s->after = 1;
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}

/* Awaiting a never-spawned task, or itself, raises AIO_EINVAL in the caller
 * (nothing is stored) instead of waiting forever. */
static void test_core_await_invalid(void) {
    static bad_await_t s;
    BEGIN_TEST_WITH(s);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &s.task, await_never_main), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(s.rc, 12345);
    CHECK_EQ(s.after, 0);
    CHECK_EQ(s.fin, AIO_EINVAL);
    memset(&s, 0, sizeof s);
    CHECK_EQ(test_run(&loop, &s.task, await_self_main), AIO_EINVAL);
    CHECK_DEBUG("itself");
    CHECK_EQ(s.rc, 12345);
    CHECK_EQ(s.after, 0);
    CHECK_EQ(s.fin, AIO_EINVAL);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ======================================================== 32-bit wrap-around */

typedef struct {
    aio_task task;
    tracer w[10];
    int n, i;
    aio_status r;
    long long at, end;
} wrap_main_t;

static aio_status wrap_main(aio_task *t) {
    wrap_main_t *s = AIO_SELF(t, wrap_main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) aio_spawn(&s->w[s->i].task, w_sleeper);
    AIO_SLEEP(t, AIO_SEC(40)); /* across the wrap point */
    s->at = T_MS();
    for (s->i = 0; s->i < s->n; s->i++) AIO_AWAIT(t, s->r, &s->w[s->i].task);
    s->end = T_MS();
    AIO_END(t);
}

/* With -DAIO_TIME_32 the test starts 30 s before the tick counter wraps
 * (the raw counter wraps at 30.001 s). Timers armed before and after the wrap,
 * one sleep that crosses it, and an absolute deadline beyond it, all fire in
 * deadline order at their exact elapsed times. */
static void test_core_wrap_across(void) {
    static wrap_main_t s;
    static const char *names[10] = {"P", "Q", "R", "S", "U", "V", "W", "X", "Y", "Z"};
    static const long d1[10] = {31000, 29990, 30001, 29000, 45000, 30002, 29997, 30500, 29990, 0};
    static const int d2[10] = {0, 0, 0, 0, 0, 0, 0, 0, 20, 0};
    aio_loop loop;
    int i;
    memset(&s, 0, sizeof s);
    s.n = 10;
    for (i = 0; i < 10; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].d1 = AIO_MS(d1[i]);
        s.w[i].d2 = AIO_MS(d2[i]);
    }
    test_loop(&loop);
    s.w[9].use_until = 1; /* Z: absolute, ties with X and was armed after it */
    s.w[9].until = ABS_MS(30500);
    CHECK_EQ(test_run(&loop, &s.task, wrap_main), AIO_OK);
    CHECK_STR(test_trace, "S@29000 Q@29990 W@29997 R@30001 V@30002 Y@30010 X@30500 Z@30500 "
                          "P@31000 U@45000 ");
    CHECK_EQ(s.at, 40000);
    CHECK_EQ(s.end, 45000);
#ifdef AIO_TIME_32
    CHECK(aio_now() < test_start); /* the raw counter did wrap */
    CHECK(aio_now() == (aio_time)(AIO_MS(45000) - AIO_SEC(30) - 1u)); /* (45 s from 30 s before) */
#endif
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Sleeps ending on every tick around the end of the counter's range,
 * including the two raw values the library uses as sentinels
 * (AIO_TIME_INVALID and AIO_NEVER at 29.999 s and 30.000 s in the 32-bit
 * build): each must end exactly on time, never early. */
static void test_core_wrap_sentinel_ticks(void) {
    static group_main_t s;
    static const char *names[5] = {"a", "b", "c", "d", "e"};
    static const int ms[5] = {30001, 30000, 29999, 29998, 30002};
    aio_loop loop;
    int i;
    memset(&s, 0, sizeof s);
    s.n = 5;
    for (i = 0; i < 5; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].d1 = AIO_MS(ms[i]);
    }
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, group_main), AIO_OK);
#if defined(AIO_TIME_32) && AIO_TICKS_PER_SEC == 1000u
    /* 29999 and 30000 ms land on the raw values of AIO_TIME_INVALID and
     * AIO_NEVER: those deadlines step forward to the next real tick (30001),
     * a tick or two late and never early; ties keep arming order. */
    CHECK_STR(test_trace, "d@29998 a@30001 b@30001 c@30001 e@30002 ");
#else
    /* (at 32,768 Hz 30000 ms lands on AIO_NEVER's raw value and steps forward
     * a tick, 0.03 ms: the order stands) */
    CHECK_STR(test_trace, "d@29998 c@29999 b@30000 a@30001 e@30002 ");
#endif
    CHECK_EQ(s.at, 30002);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ============================================================ heap shapes */

typedef struct {
    aio_task task;
    tracer w[7];
    aio_task x;        /* a sleeper inside a block: x_to */
    aio_timeout x_to;
    long long x_at;
    aio_status r, x_status;
    int i, n;
    aio_time move_to; /* heap_sink_main: x_to's new deadline, from now */
} heap_shape_t;

static aio_status heap_remove_main(aio_task *t) {
    heap_shape_t *s = AIO_SELF(t, heap_shape_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 7; s->i++) aio_spawn(&s->w[s->i].task, w_sleeper);
    AIO_YIELD(t); /* all seven armed, in that order */
    aio_cancel(&s->w[3].task);
    for (s->i = 0; s->i < 7; s->i++) AIO_AWAIT(t, s->r, &s->w[s->i].task);
    AIO_END(t);
}

/* Timers armed at 100, 1000, 200, 1100, 1200, 300, 400 ms make the heap
 * [100 | 1000 200 | 1100 1200 300 400]; cancelling the 1100 ms sleeper takes
 * out a leaf whose replacement (400, the last) is earlier than its parent
 * (1000) and must move up. Every other sleeper still wakes on time, in
 * deadline order. */
static void test_core_timer_removed_from_the_middle_of_the_heap(void) {
    static heap_shape_t s;
    static const int ms[7] = {100, 1000, 200, 1100, 1200, 300, 400};
    static const char *const names[7] = {"A", "B", "C", "D", "E", "F", "G"};
    int i;
    BEGIN_TEST_WITH(s);
    for (i = 0; i < 7; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].d1 = AIO_MS(ms[i]);
    }
    CHECK_EQ(test_run(&loop, &s.task, heap_remove_main), AIO_OK);
    CHECK_STR(test_trace, "D!@0 A@100 C@200 F@300 G@400 B@1000 E@1200 ");
    CHECK_EQ(aio_task_result(&s.w[3].task), AIO_ECANCELED);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status sleeps_in_block(aio_task *t) {
    heap_shape_t *s = AIO_CONTAINER(t, heap_shape_t, x);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->x_to, AIO_SEC(10)) {
        AIO_SLEEP(t, AIO_SEC(20));
    }
    s->x_at = T_MS();
    s->x_status = aio_timeout_status(&s->x_to);
    AIO_END(t);
}

static aio_status heap_move_main(aio_task *t) {
    heap_shape_t *s = AIO_SELF(t, heap_shape_t);
    AIO_BEGIN(t);
    aio_spawn(&s->w[0].task, w_sleeper); /* 5 s: the heap's root */
    aio_spawn(&s->x, sleeps_in_block);   /* 10 s, below it */
    AIO_YIELD(t);
    s->r = aio_timeout_reschedule(&s->x_to, (aio_time)(aio_now() + AIO_SEC(15))); /* later: stays below */
    s->r += aio_timeout_reschedule(&s->x_to, (aio_time)(aio_now() + AIO_SEC(1)));
    AIO_AWAIT(t, s->i, &s->x);
    AIO_AWAIT(t, s->i, &s->w[0].task);
    AIO_END(t);
}

/* A block's deadline moved below the heap's root, later (10 s -> 15 s, the
 * root a 5 s sleep: the timer stays where it is), then earlier than the root
 * (-> 1 s): the armed timer moves up to the root, and the block is cut short
 * at 1 s, before the sleeper wakes at 5 s. */
static void test_core_timer_moved_above_the_heap_root(void) {
    static heap_shape_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.w[0], "Y");
    s.w[0].d1 = AIO_SEC(5);
    CHECK_EQ(test_run(&loop, &s.task, heap_move_main), AIO_OK);
    CHECK_EQ(s.r, AIO_OK);
    CHECK_EQ(s.x_at, 1000);
    CHECK_EQ(s.x_status, AIO_ETIMEDOUT);
    CHECK_STR(test_trace, "Y@5000 ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status heap_sink_main(aio_task *t) {
    heap_shape_t *s = AIO_SELF(t, heap_shape_t);
    AIO_BEGIN(t);
    aio_spawn(&s->x, sleeps_in_block); /* 10 s: the heap's root */
    for (s->i = 0; s->i < s->n; s->i++) aio_spawn(&s->w[s->i].task, w_sleeper);
    AIO_YIELD(t); /* all armed, in that order */
    s->r = aio_timeout_reschedule(&s->x_to, (aio_time)(aio_now() + s->move_to));
    AIO_AWAIT(t, s->r, &s->x);
    for (s->i = 0; s->i < s->n; s->i++) AIO_AWAIT(t, s->r, &s->w[s->i].task);
    AIO_END(t);
}

/* A block's deadline at the heap's root moved later than timers below it:
 * the armed timer sinks past the earlier ones. Sleeps of 12, 11, 14, 13 and
 * 15 s make the heap [10 | 12 11 | 14 13 15]; the block moved to 16 s sinks
 * through the right child (11, earlier than its sibling) to the leaf under
 * it, the left child of a node with one. Sleeps of 11, 12, 14, 13, 16 and
 * 15 s make [10 | 11 12 | 14 13 16 15]; moved to 12.5 s it sinks through
 * the left child (11) and ends above 13, which is later. Every timer fires
 * on time, in deadline order. */
static void heap_sink_run(const int *sec, int n, aio_time move_to, long long at) {
    static heap_shape_t s;
    static const char *const names[6] = {"A", "B", "C", "D", "E", "F"};
    int i;
    BEGIN_TEST_WITH(s);
    test_trace[0] = 0;
    s.n = n;
    s.move_to = move_to;
    for (i = 0; i < n; i++) {
        w_init(&s.w[i], names[i]);
        s.w[i].d1 = AIO_SEC(sec[i]);
    }
    CHECK_EQ(test_run(&loop, &s.task, heap_sink_main), AIO_OK);
    CHECK_EQ(s.x_at, at);
    CHECK_EQ(s.x_status, AIO_ETIMEDOUT);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_core_timer_moved_down_the_heap(void) {
    static const int right[5] = {12, 11, 14, 13, 15};
    static const int left[6] = {11, 12, 14, 13, 16, 15};
    heap_sink_run(right, 5, AIO_SEC(16), 16000);
    CHECK_STR(test_trace, "B@11000 A@12000 D@13000 C@14000 E@15000 ");
    heap_sink_run(left, 6, AIO_MS(12500), 12500);
    CHECK_STR(test_trace, "A@11000 B@12000 D@13000 C@14000 F@15000 E@16000 ");
}

/* ============================================== aio_run's idle hooks */

typedef struct {
    aio_task task;
    aio_event ev;
    aio_lock lock;
    aio_status r1, r2;
    aio_time seen;
    int calls, wakeups;
    void *wake_ctx;
    aio_loop *wake_loop;
} idle_never_t;
static idle_never_t in;

/* A custom idle hook that records its deadline and sets the event, as an
 * interrupt would while the hook sleeps. */
static void idle_sets_event(void *ctx, aio_loop *loop, aio_time deadline) {
    (void)ctx;
    (void)loop;
    in.seen = deadline;
    in.calls++;
    aio_event_set(&in.ev);
}

/* Its wake-up: what an event set while the loop sleeps in the hook calls. */
static void records_wakeup(void *ctx, aio_loop *loop) {
    in.wakeups++;
    in.wake_ctx = ctx;
    in.wake_loop = loop;
}

static aio_status waits_event_forever(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, in.r1, &in.ev, AIO_NEVER);
    AIO_END(t);
}

/* With a custom idle hook aio_run cannot tell that nothing will wake the
 * loop: with nothing armed it calls the hook with AIO_NEVER, and an event
 * set while the loop is in the hook calls the loop's wake-up (with its
 * context) and wakes the main task. */
static void test_core_custom_idle_called_with_no_deadline(void) {
    int k;
    for (k = 0; k < 2; k++) { /* without a wake-up, then with one */
        aio_loop loop;
        static int wake_ctx;
        memset(&in, 0, sizeof in);
        test_loop(&loop);
        aio_loop_set_idle(&loop, idle_sets_event, NULL);
        if (k) aio_loop_set_wakeup(&loop, records_wakeup, &wake_ctx);
        CHECK_EQ(test_run(&loop, &in.task, waits_event_forever), AIO_OK);
        CHECK_EQ(in.r1, AIO_OK);
        CHECK_EQ(in.calls, 1);
        CHECK(in.seen == AIO_NEVER);
        CHECK_EQ(in.wakeups, k);
        CHECK(in.wake_ctx == (k ? (void *)&wake_ctx : NULL));
        CHECK(in.wake_loop == (k ? &loop : NULL));
        CHECK_EQ(T_MS(), 0);
        aio_event_clear(&in.ev);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

static aio_status locks_itself_out(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, in.r1, &in.lock, AIO_NEVER);
    AIO_LOCK_ACQUIRE(t, in.r2, &in.lock, AIO_NEVER); /* held by itself: forever */
    AIO_END(t);
}

#if defined(__unix__) || defined(__APPLE__)
static aio_status waits_event_20ms(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, in.r1, &in.ev, AIO_MS(20)); /* a real 20 ms */
    AIO_END(t);
}

static aio_status waits_event_then_forever(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, in.r1, &in.ev, AIO_MS(20)); /* a real 20 ms */
    AIO_EVENT_WAIT(t, in.r2, &in.ev, AIO_NEVER);
    AIO_END(t);
}
#endif

/* On the system clock (no virtual clock, no custom idle hook) a main task
 * that waits for something nothing can wake is reported at once with
 * AIO_EDEADLK instead of sleeping forever: a lock it holds itself. On POSIX,
 * with no file descriptor left for the wake-up pipe (that an event set from
 * another thread would need), a wait on an event is reported the same way,
 * and a timed wait sleeps without the pipe and times out. */
static void test_core_run_deadlock_on_the_system_clock(void) {
    static aio_timer timers[4];
    aio_loop loop;
    memset(&in, 0, sizeof in);
    aio_loop_init(&loop, timers, 4);
    test_start = aio_loop_now(&loop);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &in.task, locks_itself_out), AIO_EDEADLK);
    CHECK_DEBUG("nothing can wake");
    CHECK_EQ(in.r1, AIO_OK);
    CHECK_EQ(aio_cancel(&in.task), 1);
    aio_step(&loop);
    CHECK_EQ(aio_task_result(&in.task), AIO_ECANCELED);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
#if defined(__unix__) || defined(__APPLE__)
    memset(&in, 0, sizeof in); /* a timed wait on an event: sleeps and times out */
    aio_loop_init(&loop, timers, 4);
    test_start = aio_loop_now(&loop);
    CHECK_EQ(test_run(&loop, &in.task, waits_event_20ms), AIO_OK);
    CHECK_EQ(in.r1, AIO_ETIMEDOUT);
    CHECK(T_MS() >= 20);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    {
        struct rlimit saved, none;
        if (getrlimit(RLIMIT_NOFILE, &saved) == 0) {
            memset(&in, 0, sizeof in);
            aio_loop_init(&loop, timers, 4);
            test_start = aio_loop_now(&loop);
            none = saved;
            none.rlim_cur = 0; /* pipe() now fails */
            CHECK_EQ(setrlimit(RLIMIT_NOFILE, &none), 0);
            test_last_debug[0] = 0;
            in.r2 = 99;
            CHECK_EQ(test_run(&loop, &in.task, waits_event_then_forever), AIO_EDEADLK);
            CHECK_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
            CHECK_DEBUG("nothing can wake");
            CHECK_EQ(in.r1, AIO_ETIMEDOUT);
            CHECK(T_MS() >= 20);
            CHECK_EQ(in.r2, 99);
            aio_event_set(&in.ev);
            aio_step(&loop);
            CHECK_EQ(aio_task_result(&in.task), AIO_OK);
            CHECK_EQ(in.r2, AIO_OK);
            aio_event_clear(&in.ev);
            CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
        }
    }
#endif
}


static aio_status late_then_waits(aio_task *t) {
    late_main_t *s = AIO_SELF(t, late_main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->a.task, w_sleeper); /* sleeps 100 ms */
    AIO_YIELD(t);                     /* a arms its timer */
    aio_virtual_advance(aio_running_loop(), AIO_MS(250));
    AIO_AWAIT(t, s->r, &s->a.task);   /* nothing ready now: the loop goes idle */
    trace("M@%lld ", T_MS());
    AIO_END(t);
}

/* A deadline overtaken by simulated CPU work, with nothing ready: the
 * virtual clock does not go back to it, the timer fires at once, late, at
 * the current time. */
static void test_core_virtual_idle_with_a_deadline_passed(void) {
    static late_main_t s;
    BEGIN_TEST_WITH(s);
    w_init(&s.a, "A");
    s.a.d1 = AIO_MS(100);
    CHECK_EQ(test_run(&loop, &s.task, late_then_waits), AIO_OK);
    CHECK_STR(test_trace, "A@250 M@250 ");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* With no idle hook (aio_loop_set_idle(loop, NULL, NULL)) aio_run polls: it
 * goes round reading the clock until the deadline comes. */
static void test_core_run_without_idle_hook_polls_the_clock(void) {
    static tracer a;
    static counting_clock clk;
    aio_loop loop;
    w_init(&a, "A");
    a.d1 = AIO_MS(10);
    test_loop(&loop);
    clk.now = test_start;
    clk.reads = 0;
    aio_loop_set_instrument(&loop, NULL, NULL); /* (a traced loop reads it for each record) */
    aio_loop_set_clock(&loop, counting_clock_read, &clk);
    aio_loop_set_idle(&loop, NULL, NULL);
    CHECK_EQ(test_run(&loop, &a.task, w_sleeper), AIO_OK);
    /* read 1 by set_clock (1 ms), 2 for the deadline (2 + 10 = 12 ms), then
     * once per round until the clock reads 12 ms: 12 reads */
    CHECK_EQ(clk.reads, 12);
    CHECK_EQ(a.at, 12);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The system idle hook on a clock that has passed the deadline by the time
 * the hook reads it returns at once: with a clock that moves 1 ms at each
 * read, a 5 ms sleep wakes at the first read at or after its deadline. */
static void test_core_system_idle_with_the_deadline_passed(void) {
    static tracer a;
    static counting_clock clk;
    static aio_timer timers[2];
    aio_loop loop;
    w_init(&a, "A");
    a.d1 = AIO_MS(5);
    aio_loop_init(&loop, timers, 2); /* the system idle hook */
    test_start = 0;
    clk.now = 0;
    clk.reads = 0;
    aio_loop_set_clock(&loop, counting_clock_read, &clk);
    CHECK_EQ(test_run(&loop, &a.task, w_sleeper), AIO_OK);
    CHECK(a.at >= 7);
    CHECK(a.at <= 9);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ============================================== growth hook contexts */

static int ctx_a = 1, ctx_b = 2;
static void *freed_ctx;
static int ctx_frees;

static aio_timer *grow_with_ctx(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    if (!new_count) {
        ctx_frees++;
        freed_ctx = ctx;
    }
    return aio_grow_realloc(ctx, old, old_count, new_count);
}

/* Growth doubles the storage, so a loop given two slots of its own grows to
 * four through the first hook and to eight through the second: a handful of
 * sleepers, which fits a 16 KiB board as well as a desktop. */
#define GROWN_SLEEPERS 6
typedef struct {
    aio_task task;
    aio_task sleepers[GROWN_SLEEPERS];
    int i;
} many_sleepers_t;

static aio_status sleeps_1s(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

static aio_status spawns_sleepers(aio_task *t) {
    many_sleepers_t *s = AIO_SELF(t, many_sleepers_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 3; s->i++) aio_spawn(&s->sleepers[s->i], sleeps_1s);
    AIO_YIELD(t); /* 3 timers: past the 2 slots of the loop's own, grown to 4 with ctx_a */
    aio_loop_set_grow(aio_running_loop(), grow_with_ctx, &ctx_b);
    for (; s->i < GROWN_SLEEPERS; s->i++) aio_spawn(&s->sleepers[s->i], sleeps_1s);
    AIO_SLEEP(t, AIO_SEC(2)); /* 7 timers: grown to 8, by the hook with ctx_b */
    AIO_END(t);
}

/* The same growth hook given another context counts as another hook: the
 * storage it grew with the first context is copied out and given back with
 * that context, and what it grows with the new one is given back with it.
 * The loop's own two slots are never given to the hook. */
static void test_core_growth_hook_with_another_context(void) {
    static many_sleepers_t s;
    static aio_timer own[2];
    aio_loop loop;
    memset(&s, 0, sizeof s);
    ctx_frees = 0;
    freed_ctx = NULL;
    aio_loop_init(&loop, own, 2);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    aio_loop_set_grow(&loop, grow_with_ctx, &ctx_a);
    CHECK_EQ(test_run(&loop, &s.task, spawns_sleepers), AIO_OK);
    CHECK_EQ(T_MS(), 2000);
    CHECK_EQ(ctx_frees, 1);
    CHECK(freed_ctx == &ctx_a);
    CHECK_EQ(loop.heap_cap, 8);
    CHECK(loop.heap != own);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(ctx_frees, 2);
    CHECK(freed_ctx == &ctx_b);
}

typedef struct {
    aio_task task;
    aio_status fin;
    uint32_t len, cap;
} huge_t;
static huge_t huge;

static aio_status sleeps_on_huge_storage(aio_task *t) {
    aio_loop *L = aio_running_loop();
    AIO_BEGIN(t);
    huge.len = L->heap_len;
    huge.cap = L->heap_cap;
    L->heap_len = L->heap_cap = UINT_MAX / 2 + 1; /* as if half the slots it counts were armed */
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    L->heap_len = huge.len;
    L->heap_cap = huge.cap;
    huge.fin = AIO_STATUS(t);
    AIO_END(t);
}

/* Storage of half the slots an unsigned int counts (2^31, or 2^15 where int
 * is 16 bits) cannot double: the loop does not call the growth hook with a
 * wrapped size, the await gets AIO_ENOSPC. */
static void test_core_storage_that_cannot_double(void) {
    aio_loop loop;
    memset(&huge, 0, sizeof huge);
    test_loop(&loop);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &huge.task, sleeps_on_huge_storage), AIO_ENOSPC);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(huge.fin, AIO_ENOSPC);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


#if defined(AIO__SHARED) && (defined(__unix__) || defined(__APPLE__))
/* A clock that moves 1 ms at each read and, once `trigger` is set, sets
 * the event while the loop sleeps in its idle hook (as an interrupt could). */
typedef struct {
    counting_clock c;
    aio_loop *loop;
    int trigger, set_in_idle;
} idle_trigger_clock;
static idle_trigger_clock itc;

static aio_time trigger_clock_read(void *ctx) {
    idle_trigger_clock *k = (idle_trigger_clock *)ctx;
    if (k->trigger && k->loop->idling && !k->set_in_idle) {
        k->set_in_idle = 1;
        aio_event_set(&in.ev);
    }
    return counting_clock_read(&k->c);
}

static aio_status sleeps_then_waits_30_days(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(2)); /* the first idle wait opens the wake-up pipe */
    itc.trigger = 1;
    AIO_EVENT_WAIT(t, in.r1, &in.ev, AIO_SEC(30 * 86400));
    AIO_END(t);
}

#endif

/* With a critical section defined, the system idle hook sleeps in poll() on
 * a wake-up pipe. An event set while the loop sleeps there (here from the
 * clock, read by the hook) writes to the pipe: the hook returns at once, even
 * for a deadline 30 days away, beyond the 24.8 days poll() can be given, and
 * the waiter wakes with AIO_OK. */
static void test_core_event_set_while_idle_wakes_the_system_idle_hook(void) {
#if defined(AIO__SHARED) && (defined(__unix__) || defined(__APPLE__))
    static aio_timer timers[4];
    aio_loop loop;
    memset(&in, 0, sizeof in);
    memset(&itc, 0, sizeof itc);
    aio_loop_init(&loop, timers, 4); /* the system idle hook */
    itc.loop = &loop;
    aio_loop_set_clock(&loop, trigger_clock_read, &itc);
    test_start = aio_loop_now(&loop);
    in.r1 = 77;
    CHECK_EQ(test_run(&loop, &in.task, sleeps_then_waits_30_days), AIO_OK);
    CHECK_EQ(itc.set_in_idle, 1);
    CHECK_EQ(in.r1, AIO_OK);
    CHECK(T_MS() < 1000);
    aio_event_clear(&in.ev);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
#endif /* without the pipe the hook would sleep the 30 days: nothing to run */
}


/* ============================================== a loop stepped from a task */

typedef struct {
    aio_task task, inner, spawned;
    aio_loop *seen_inner, *seen_spawned, *after;
    aio_loop *other;
    size_t ran;
    aio_status rc, spawn_rc;
} nested_step_t;
static nested_step_t NS;

static aio_status notes_its_loop(aio_task *t) {
    AIO_BEGIN(t);
    if (t == &NS.inner) NS.seen_inner = aio_running_loop();
    else NS.seen_spawned = aio_running_loop();
    AIO_END(t);
}

static aio_status steps_the_other_loop(aio_task *t) {
    AIO_BEGIN(t);
    NS.ran = aio_step(NS.other);
    NS.after = aio_running_loop();
    NS.spawn_rc = aio_spawn(&NS.spawned, notes_its_loop); /* on the running loop */
    AIO_AWAIT(t, NS.rc, &NS.spawned);
    AIO_END(t);
}

/* A task of loop A that steps loop B (the last one initialised): B's task
 * runs on B and sees B as the running loop; once the step returns, the
 * running loop is A again, not the last one initialised, so a task the A
 * task spawns then belongs to A and runs there. */
static void test_core_task_steps_another_loop(void) {
    static aio_timer tb[4];
    aio_loop la, lb;
    memset(&NS, 0, sizeof NS);
    test_loop(&la);
    aio_loop_init(&lb, tb, 4);
    aio_loop_use_virtual_clock(&lb, 0);
    NS.other = &lb;
    CHECK_EQ(aio_spawn(&NS.inner, notes_its_loop), AIO_OK); /* on B, the last initialised */
    CHECK(NS.inner.loop == &lb);
    CHECK_EQ(test_run(&la, &NS.task, steps_the_other_loop), AIO_OK);
    CHECK_EQ(NS.ran, 1);
    CHECK(NS.seen_inner == &lb);
    CHECK(NS.after == &la);
    CHECK_EQ(NS.spawn_rc, AIO_OK);
    CHECK(NS.spawned.loop == &la);
    CHECK(NS.seen_spawned == &la);
    CHECK_EQ(NS.rc, AIO_OK);
    CHECK_EQ(aio_loop_destroy(&lb), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&la), AIO_OK);
}

/* A task that initialises another loop while its own runs turns back to
 * back (nothing armed, no hook): that turn makes the new loop the running
 * one for the rest of the turn, and the next turn makes its own the running
 * loop again, so a task spawned then belongs there. */
static struct {
    aio_task task, other, spawned;
    aio_loop inner;
    aio_timer timers[2];
    int steps;
} INIT_IN;
static aio_status init_in_other(aio_task *t) {
    AIO_BEGIN(t);
    while (INIT_IN.steps < 6) {
        INIT_IN.steps++;
        AIO_YIELD(t);
    }
    AIO_END(t);
}
static aio_status init_in_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&INIT_IN.other, init_in_other), AIO_OK);
    AIO_YIELD(t);
    AIO_YIELD(t); /* (turns back to back by now) */
    aio_loop_init(&INIT_IN.inner, INIT_IN.timers, 2);
    CHECK(aio_running_loop() == &INIT_IN.inner);
    AIO_YIELD(t);
    CHECK(aio_running_loop() == t->loop);
    CHECK_EQ(aio_spawn(&INIT_IN.spawned, init_in_other), AIO_OK);
    CHECK(INIT_IN.spawned.loop == t->loop);
    AIO_AWAIT(t, rc, &INIT_IN.spawned);
    CHECK_EQ(rc, AIO_OK);
    AIO_AWAIT(t, rc, &INIT_IN.other);
    CHECK_EQ(rc, AIO_OK);
    AIO_END(t);
}
static void test_core_loop_initialised_in_a_turn(void) {
    aio_loop loop;
    memset(&INIT_IN, 0, sizeof INIT_IN);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &INIT_IN.task, init_in_main), AIO_OK);
    CHECK_EQ(INIT_IN.steps, 6);
    CHECK_EQ(aio_loop_destroy(&INIT_IN.inner), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------ the sleep's other ways */

static struct {
    aio_task main, sleeper, spinner, resetter;
    aio_time woke, reset_at, reset_woke;
    int spins, done;
} SL;

/* A sleeper whose deadline passes while another task keeps the loop busy
 * (yielding turn after turn) on a clock of its own: its timer fires at the
 * end of a busy turn, and it resumes in the next one, before that turn has
 * read the clock (no timer is left armed); its resumption reads it then,
 * and it ends at its deadline's turn, the spinner still spinning. */
static aio_status spin_sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    SL.woke = T();
    SL.done = 1;
    AIO_END(t);
}
static aio_status spinner(aio_task *t) {
    AIO_BEGIN(t);
    while (!SL.done) {
        SL.spins++;
        AIO_YIELD(t);
    }
    AIO_END(t);
}
static aio_status spin_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&SL.sleeper, spin_sleeper), AIO_OK);
    CHECK_EQ(aio_spawn(&SL.spinner, spinner), AIO_OK);
    AIO_AWAIT(t, rc, &SL.sleeper);
    CHECK_EQ(rc, AIO_OK);
    AIO_AWAIT(t, rc, &SL.spinner);
    CHECK_EQ(rc, AIO_OK);
    AIO_END(t);
}
static void test_core_sleep_ends_after_a_busy_turn(void) {
    static counting_clock clk;
    aio_loop loop;
    memset(&SL, 0, sizeof SL);
    test_loop(&loop);
    clk.now = test_start;
    clk.reads = 0;
    aio_loop_set_instrument(&loop, NULL, NULL); /* (a traced loop reads it for each record) */
    aio_loop_set_clock(&loop, counting_clock_read, &clk);
    aio_loop_set_idle(&loop, NULL, NULL);
    CHECK_EQ(test_run(&loop, &SL.main, spin_main), AIO_OK);
    CHECK(SL.woke >= AIO_MS(5));
    CHECK(SL.woke <= AIO_MS(10)); /* (a read or two a turn: the turn after its deadline's) */
    CHECK(SL.spins >= 2);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A sleeper woken by its timer, whose deadline the loop's clock no longer
 * has reached when it resumes (a task before it in that turn set the
 * virtual clock back 50 ms): it sleeps on until the clock reaches its
 * deadline again, after the first task's own 10 ms sleep from there. */
static aio_status reset_sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100));
    SL.woke = T();
    AIO_END(t);
}
static aio_status clock_resetter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100));
    aio_loop_use_virtual_clock(t->loop, (aio_time)(test_start + AIO_MS(50)));
    SL.reset_at = T();
    AIO_SLEEP(t, AIO_MS(10));
    SL.reset_woke = T();
    AIO_END(t);
}
static aio_status reset_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&SL.resetter, clock_resetter), AIO_OK);
    CHECK_EQ(aio_spawn(&SL.sleeper, reset_sleeper), AIO_OK);
    AIO_AWAIT(t, rc, &SL.sleeper);
    CHECK_EQ(rc, AIO_OK);
    AIO_AWAIT(t, rc, &SL.resetter);
    CHECK_EQ(rc, AIO_OK);
    AIO_END(t);
}
static void test_core_sleep_woken_before_its_deadline_sleeps_on(void) {
    aio_loop loop;
    memset(&SL, 0, sizeof SL);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &SL.main, reset_main), AIO_OK);
    CHECK_EQ(SL.reset_at, AIO_MS(50));
    CHECK_EQ(SL.reset_woke, AIO_MS(60));
    CHECK_EQ(SL.woke, AIO_MS(100));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* An answer from outside and a deadline due in the same turn (an
 * interrupt's event set, a queue item put from one, at the tick the
 * deadline falls due, before the turn): the loop hands out the answer
 * first. An event wait, in a timeout block or not, and a queue get with its
 * own timeout take it; a queue get inside a block whose deadline is due
 * checkpoints as it takes the item: the block times out and the item stays
 * queued (docs/embedded.md, "An answer and a deadline due in the same turn"). */
static struct {
    aio_event ev;
    aio_queue q1, q2;
    int places1[2], places2[2];
    struct { aio_task task; aio_status rc; } ev_wait;
    struct { aio_task task; aio_timeout sc; aio_status rc; int after; } ev_block;
    struct { aio_task task; aio_status rc; int item; } q_wait;
    struct { aio_task task; aio_timeout sc; aio_status rc; int item; } q_block;
} ST;

static aio_status st_ev_wait(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, ST.ev_wait.rc, &ST.ev, AIO_MS(100));
    AIO_END(t);
}
static aio_status st_ev_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &ST.ev_block.sc, AIO_MS(100)) {
        AIO_EVENT_WAIT(t, ST.ev_block.rc, &ST.ev, AIO_NEVER);
        ST.ev_block.after = 1;
    }
    AIO_END(t);
}
static aio_status st_q_wait(aio_task *t) {
    AIO_BEGIN(t);
    AIO_QUEUE_GET(t, ST.q_wait.rc, &ST.q1, &ST.q_wait.item, AIO_MS(100));
    AIO_END(t);
}
static aio_status st_q_block(aio_task *t) {
    AIO_BEGIN(t);
    ST.q_block.rc = 99;
    AIO_TIMEOUT(t, &ST.q_block.sc, AIO_MS(100)) {
        AIO_QUEUE_GET(t, ST.q_block.rc, &ST.q2, &ST.q_block.item, AIO_NEVER);
    }
    AIO_END(t);
}

static void test_core_answer_and_deadline_in_one_turn(void) {
    aio_loop loop;
    int v = 7, i;
    memset(&ST, 0, sizeof ST);
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    aio_loop_use_virtual_clock(&loop, 0);
    CHECK_EQ(aio_queue_init(&ST.q1, ST.places1, sizeof(int), 2, 2), AIO_OK);
    CHECK_EQ(aio_queue_init(&ST.q2, ST.places2, sizeof(int), 2, 2), AIO_OK);
    CHECK_EQ(aio_spawn(&ST.ev_wait.task, st_ev_wait), AIO_OK);
    CHECK_EQ(aio_spawn(&ST.ev_block.task, st_ev_block), AIO_OK);
    CHECK_EQ(aio_spawn(&ST.q_wait.task, st_q_wait), AIO_OK);
    CHECK_EQ(aio_spawn(&ST.q_block.task, st_q_block), AIO_OK);
    for (i = 0; i < 3; i++) (void)aio_step(&loop); /* all four parked */
    CHECK_EQ(aio_next_deadline(&loop), AIO_MS(100));
    aio_virtual_advance(&loop, AIO_MS(100)); /* the tick the deadlines fall due... */
    aio_event_set(&ST.ev);                    /* ...and the answers, before its turn */
    CHECK_EQ(aio_queue_put_from_isr(&ST.q1, &v), AIO_OK);
    CHECK_EQ(aio_queue_put_from_isr(&ST.q2, &v), AIO_OK);
    for (i = 0; i < 10 && (aio_task_alive(&ST.ev_wait.task) || aio_task_alive(&ST.ev_block.task) ||
                           aio_task_alive(&ST.q_wait.task) || aio_task_alive(&ST.q_block.task)); i++)
        (void)aio_step(&loop);
    CHECK_EQ(aio_loop_now(&loop), AIO_MS(100));
    CHECK_EQ(ST.ev_wait.rc, AIO_OK);
    CHECK_EQ(ST.ev_block.rc, AIO_OK);
    CHECK_EQ(ST.ev_block.after, 1);
    CHECK_EQ(aio_timeout_status(&ST.ev_block.sc), AIO_OK);
    CHECK_EQ(ST.q_wait.rc, AIO_OK);
    CHECK_EQ(ST.q_wait.item, 7);
    CHECK_EQ(ST.q_block.rc, 99); /* (the get was cut short: nothing stored) */
    CHECK_EQ(aio_timeout_status(&ST.q_block.sc), AIO_ETIMEDOUT);
    CHECK_EQ(aio_queue_qsize(&ST.q2), 1u); /* the item stays for the next get */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_core_sleep_exact),
    TEST_ENTRY(test_core_sleep_until),
    TEST_ENTRY(test_core_sleep_until_past_is_yield),
    TEST_ENTRY(test_core_yield_round_robin),
    TEST_ENTRY(test_core_yield_round_robin_with_main),
    TEST_ENTRY(test_core_clock_jumps_only_when_idle),
    TEST_ENTRY(test_core_spawned_runs_next_iteration),
    TEST_ENTRY(test_core_woken_runs_next_iteration),
    TEST_ENTRY(test_core_virtual_advance_no_yield),
    TEST_ENTRY(test_core_virtual_advance_late_timer),
    TEST_ENTRY(test_core_due_timers_fire_by_deadline),
    TEST_ENTRY(test_core_await_result),
    TEST_ENTRY(test_core_await_error_is_value),
    TEST_ENTRY(test_core_await_user_error),
    TEST_ENTRY(test_core_await_finished_no_suspend),
    TEST_ENTRY(test_core_await_many_waiters_fifo),
    TEST_ENTRY(test_core_respawn_finished),
    TEST_ENTRY(test_core_spawn_invalid),
    TEST_ENTRY(test_core_task_queries),
    TEST_ENTRY(test_core_result_in_progress),
    TEST_ENTRY(test_core_current),
    TEST_ENTRY(test_core_nested_spawn_chain),
    TEST_ENTRY(test_core_loop_initialised_in_a_turn),
    TEST_ENTRY(test_core_equal_deadlines_arming_order),
    TEST_ENTRY(test_core_equal_deadlines_relative),
    TEST_ENTRY(test_core_heap_1000_sorted),
    TEST_ENTRY(test_core_wait_for_child_first_disarms),
    TEST_ENTRY(test_core_wait_for_child_first_run),
    TEST_ENTRY(test_core_cancel_disarms_middle),
    TEST_ENTRY(test_core_timer_capacity_counts_in_int),
    TEST_ENTRY(test_core_fixed_capacity_enospc),
    TEST_ENTRY(test_core_wait_for_enospc_no_slots),
    TEST_ENTRY(test_core_step_counts),
    TEST_ENTRY(test_core_step_custom_clock),
    TEST_ENTRY(test_core_clock_read_when_needed),
    TEST_ENTRY(test_core_clock_moving_in_a_step),
    TEST_ENTRY(test_core_next_deadline_values),
    TEST_ENTRY(test_core_run_custom_idle),
    TEST_ENTRY(test_core_idle_returns_early),
    TEST_ENTRY(test_core_run_returns_status),
    TEST_ENTRY(test_core_run_twice_same_loop),
    TEST_ENTRY(test_core_run_deadlock),
    TEST_ENTRY(test_core_run_deadlock_mutual),
    TEST_ENTRY(test_core_destroy_busy),
    TEST_ENTRY(test_core_run_cancels_what_main_left),
    TEST_ENTRY(test_core_sleep_forever_until_cancel),
    TEST_ENTRY(test_core_sleep_limits),
    TEST_ENTRY(test_core_await_invalid),
    TEST_ENTRY(test_core_wrap_across),
    TEST_ENTRY(test_core_wrap_sentinel_ticks),
    TEST_ENTRY(test_core_timer_removed_from_the_middle_of_the_heap),
    TEST_ENTRY(test_core_timer_moved_above_the_heap_root),
    TEST_ENTRY(test_core_timer_moved_down_the_heap),
    TEST_ENTRY(test_core_custom_idle_called_with_no_deadline),
    TEST_ENTRY(test_core_run_deadlock_on_the_system_clock),
    TEST_ENTRY(test_core_virtual_idle_with_a_deadline_passed),
    TEST_ENTRY(test_core_run_without_idle_hook_polls_the_clock),
    TEST_ENTRY(test_core_system_idle_with_the_deadline_passed),
    TEST_ENTRY(test_core_growth_hook_with_another_context),
    TEST_ENTRY(test_core_storage_that_cannot_double),
    TEST_ENTRY(test_core_task_steps_another_loop),
    TEST_ENTRY(test_core_event_set_while_idle_wakes_the_system_idle_hook),
    TEST_ENTRY(test_core_sleep_ends_after_a_busy_turn),
    TEST_ENTRY(test_core_sleep_woken_before_its_deadline_sleeps_on),
    TEST_ENTRY(test_core_answer_and_deadline_in_one_turn),
};

void register_core_tests(void) { test_register(cases, TEST_COUNT(cases)); }
