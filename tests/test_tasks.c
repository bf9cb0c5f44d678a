/* SPDX-License-Identifier: MIT */
/* Task cancellation and waiting for tasks (aio_cancel, AIO_AWAIT, AIO_WAIT_FOR).
 * R numbers name CPython's behaviours (tests/conformance/RULES.md); L numbers the
 * library's rules (docs/behaviour.md, "Differences from asyncio"). */
#include "workers.h"

/* The state of the tasks these tests write themselves (the main task, waiters,
 * a task that cancels itself); the workers, the quick tasks and the canceller
 * come from workers.h. Fields a test does not use stay zero. */
typedef struct {
    aio_task task;
    aio_time d;          /* body sleep / wait_for timeout */
    aio_time cleanup;    /* sleep in AIO_FINALLY (0 = none) */
    aio_task *target;    /* a task it cancels */
    aio_status lv, lv2, lv3, lv4;
    int r1, r2, r3, r4, r5;
    long long t1, t2, t3, fin_at;
    int body, after, fin, i;
    aio_status fin_status;
} tk;

static tk Main, V, W, W2, W3;
static wk A, B, C, D, S;
static cx X;

static void reset(void) {
    memset(&Main, 0, sizeof Main);
    memset(&V, 0, sizeof V);
    memset(&A, 0, sizeof A);
    memset(&B, 0, sizeof B);
    memset(&C, 0, sizeof C);
    memset(&D, 0, sizeof D);
    memset(&S, 0, sizeof S);
    memset(&W, 0, sizeof W);
    memset(&W2, 0, sizeof W2);
    memset(&W3, 0, sizeof W3);
    memset(&X, 0, sizeof X);
    X.name = "X";
}

/* ------------------------------------------------------------ task bodies */

/* Awaits A and records when. */
static aio_status main_await_a(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* ------------------------------------------------- aio_cancel return values */

static aio_status m_cancel_live(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10000, 1);
    AIO_SLEEP(t, AIO_SEC(1));
    s->r1 = aio_cancel(&A.task);
    s->r2 = aio_cancel(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    s->r3 = aio_cancel(&A.task);
    AIO_END(t);
}

/* R1: cancel() on a live task returns 1, on every call; R2: 0 once it is done. */
static void test_task_cancel_live_returns_one(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_live), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(Main.r3, 0);
    CHECK_EQ(A.body, 1);
    CHECK_EQ(A.after, 0);
    CHECK_EQ(A.fin, 1);
    CHECK_EQ(A.fin_status, AIO_ECANCELED);
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_cancel_done(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 500, 3);
    AIO_SLEEP(t, AIO_SEC(1));
    s->r1 = aio_cancel(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    s->lv = aio_task_result(&A.task);
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R2: cancel() on a finished task returns 0 and changes nothing. */
static void test_task_cancel_done_returns_zero(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_done), AIO_OK);
    CHECK_EQ(Main.r1, 0);
    CHECK_EQ(Main.r2, 0);
    CHECK_EQ(Main.lv, 3);
    CHECK_EQ(Main.lv2, 3);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(A.fin_at, 500);
    CHECK_EQ(A.fin_status, 3);
    /* from outside the loop too, also for the finished main task */
    CHECK_EQ(aio_cancel(&A.task), 0);
    CHECK_EQ(aio_cancel(&Main.task), 0);
    CHECK_EQ(aio_task_result(&A.task), 3);
    CHECK(!aio_task_cancelled(&A.task));
    CHECK(!aio_task_cancelled(&Main.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_cancel_never(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    test_last_debug[0] = 0;
    s->r1 = aio_cancel(&B.task);
    s->r2 = strstr(test_last_debug, "never spawned") != NULL;
    s->r3 = aio_task_cancel_pending(&B.task);
    AIO_YIELD(t); /* not cancelled itself: goes on */
    s->after++;
    B.ret = 4; /* no cancel request was left behind on B */
    s->r4 = aio_spawn(&B.task, quick);
    AIO_AWAIT(t, s->lv, &B.task);
    AIO_END(t);
}

/* R1/R2 + docs/behaviour.md "Misuse": cancel() of a never-spawned task is AIO_EINVAL ("never spawned"). */
static void test_task_cancel_never_spawned_einval(void) {
    BEGIN_TEST();
    test_last_debug[0] = 0;
    CHECK_EQ(aio_cancel(&A.task), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    test_last_debug[0] = 0;
    CHECK_EQ(aio_cancel(NULL), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(aio_task_cancel_pending(&A.task), 0);
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_never), AIO_OK);
    CHECK_EQ(Main.r1, AIO_EINVAL);
#ifdef AIO_DEBUG
    CHECK_EQ(Main.r2, 1);
#endif
    CHECK_EQ(Main.r3, 0);
    CHECK_EQ(Main.after, 1);
    /* the failed cancel left no trace: B then spawns and runs normally */
    CHECK_EQ(Main.r4, AIO_OK);
    CHECK_EQ(Main.lv, 4);
    CHECK_EQ(B.body, 1);
    CHECK(!aio_task_cancelled(&B.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_cancel_at_700(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10000, 0);
    AIO_SLEEP(t, AIO_MS(700));
    s->r1 = aio_cancel(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R3-R5, docs/behaviour.md "Cancellation unwinds": a cancel of a sleeping task is delivered at its sleep, at the time of the request. */
static void test_task_cancel_sleeping_delivered_at_exact_time(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_at_700), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(A.fin_at, 700);
    CHECK_EQ(A.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.after, 0);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 700);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_cancel_first(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 1000, 0);
    s->r1 = aio_cancel(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R6: cancelled before its first step: the body never runs, nor does its FINALLY. */
static void test_task_cancel_before_first_run(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_first), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 0);
    CHECK_EQ(A.body, 0);
    CHECK_EQ(A.fin, 0);
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(aio_task_cancel_pending(&A.task), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R6: same for a task spawned and cancelled from outside before the loop runs. */
static void test_task_cancel_before_first_run_outside(void) {
    BEGIN_TEST();
    CHECK_EQ(start_worker(&A, NULL, 1000, 0), AIO_OK);
    CHECK_EQ(aio_cancel(&A.task), 1);
    CHECK_EQ(aio_task_cancel_pending(&A.task), 1);
    CHECK_EQ(test_run(&loop, &Main.task, main_await_a), AIO_OK);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 0);
    CHECK_EQ(A.body, 0);
    CHECK_EQ(A.fin, 0);
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_cancel_thrice(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(500);
    start_worker(&A, NULL, 10000, 0);
    AIO_SLEEP(t, AIO_SEC(1));
    s->r1 = aio_cancel(&A.task);
    s->r2 = aio_cancel(&A.task);
    s->r3 = aio_cancel(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R9: several cancels before delivery -> one delivery: FINALLY once, its sleep not cut. */
static void test_task_repeated_cancel_single_delivery(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_thrice), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(Main.r3, 1);
    CHECK_EQ(A.fin, 1);
    CHECK_EQ(A.fin_at, 1000);
    CHECK_EQ(A.cleanup_done, 1);
    CHECK_EQ(A.cleanup_at, 1500);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1500);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_cancel_in_cleanup(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    A.cleanup = AIO_SEC(1);
    start_worker(&A, NULL, 10000, 0);
    AIO_SLEEP(t, AIO_SEC(1));
    s->r1 = aio_cancel(&A.task);
    AIO_SLEEP(t, AIO_MS(200));
    s->r4 = aio_task_cancel_pending(&A.task); /* the first one was delivered */
    s->r2 = aio_cancel(&A.task);
    s->r3 = aio_task_cancel_pending(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R9 + docs/behaviour.md "Cancellation unwinds": a new cancel during cleanup is delivered there: the cleanup sleep ends at 1.2 s. */
static void test_task_cancel_during_cleanup_cuts_sleep(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_in_cleanup), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.r4, 0);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(Main.r3, 1);
    CHECK_EQ(A.fin, 1);
    CHECK_EQ(A.fin_at, 1000);
    CHECK_EQ(A.cleanup_done, 0);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1200);
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------------------ self-cancel */

static aio_status self_cancel_return(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    s->body++;
    s->r1 = aio_cancel(t);
    s->r2 = aio_task_cancel_pending(t);
    AIO_RETURN(t, 5);
    AIO_FINALLY(t);
    s->fin++;
    s->fin_status = AIO_STATUS(t);
    AIO_END(t);
}

static aio_status m_self_cancel_return(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&V.task, self_cancel_return);
    AIO_AWAIT(t, s->lv, &V.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R7: cancel() then return without a checkpoint: the task still ends cancelled. */
static void test_task_self_cancel_then_return(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_self_cancel_return), AIO_OK);
    CHECK_EQ(V.body, 1);
    CHECK_EQ(V.r1, 1);
    CHECK_EQ(V.r2, 1);
    CHECK_EQ(V.fin, 1);
    CHECK_EQ(V.fin_status, 5); /* the coroutine itself returned normally */
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 0);
    CHECK(aio_task_cancelled(&V.task));
    CHECK_EQ(aio_task_cancel_pending(&V.task), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status self_cancel_fall_off(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    s->r1 = aio_cancel(t);
    s->after++;
    AIO_END(t);
}

/* R7: a main task that cancels itself and falls off its end ends AIO_ECANCELED. */
static void test_task_self_cancel_fall_off_end(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, self_cancel_fall_off), AIO_ECANCELED);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.after, 1);
    CHECK(aio_task_cancelled(&Main.task));
    CHECK(!aio_task_failed(&Main.task));
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status self_cancel_yield(aio_task *t) {
    AIO_BEGIN(t);
    trace("A1 ");
    aio_cancel(t);
    AIO_YIELD(t);
    trace("A2 ");
    AIO_FINALLY(t);
    trace("Af:%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_END(t);
}

static aio_status trace_b(aio_task *t) {
    AIO_BEGIN(t);
    trace("B ");
    AIO_END(t);
}

static aio_status m_self_cancel_yield(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&A.task, self_cancel_yield);
    aio_spawn(&B.task, trace_b);
    AIO_AWAIT(t, s->lv, &A.task);
    trace("M:%d@%lld", s->lv, T_MS());
    AIO_AWAIT(t, s->lv2, &B.task);
    AIO_END(t);
}

/* R5/R9: self-cancel then AIO_YIELD: it yields once (B runs), then unwinds; "A2" never runs. */
static void test_task_self_cancel_then_yield_unwinds(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_self_cancel_yield), AIO_OK);
    CHECK_STR(test_trace, "A1 B Af:-1@0 M:-1@0");
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(Main.lv2, AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A cleanup that sleeps 100 ms, recording when it began and ended. */
static aio_status yield_cleanup_body(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    s->r1 = aio_cancel(t);
    AIO_YIELD(t); /* finds its own cancel: suspends once, then unwinds */
    s->after++;
    AIO_FINALLY(t);
    s->fin++;
    s->fin_status = AIO_STATUS(t);
    s->fin_at = T_MS();
    AIO_SLEEP(t, AIO_MS(100));
    s->t2 = T_MS(); /* the cleanup ran to its end */
    AIO_END(t);
}

static aio_status cancel_target(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    s->r1 = aio_cancel(s->target);
    AIO_END(t);
}

/* Main: spawns V on `raising_body`, then W, which cancels V while V is
 * suspended to unwind a cancellation it found, and awaits V. */
static aio_task_fn raising_body;
static aio_status m_cancel_during_raising_yield(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&V.task, raising_body);
    W.target = &V.task;
    aio_spawn(&W.task, cancel_target); /* runs while V is suspended to unwind */
    AIO_AWAIT(t, s->lv, &V.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* V's cleanup ran once, brought there by the cancellation at 0 ms, and slept
 * its 100 ms uncut; V ended cancelled, and Main's await saw it at 100 ms. */
static void check_cleanup_ran_uncut(void) {
    CHECK_EQ(W.r1, 1);
    CHECK_EQ(V.after, 0);
    CHECK_EQ(V.fin, 1);
    CHECK_EQ(V.fin_status, AIO_ECANCELED);
    CHECK_EQ(V.fin_at, 0);
    CHECK_EQ(V.t2, 100);
    CHECK(aio_task_cancelled(&V.task));
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 100);
}

/* R9: a checkpoint that finds a cancellation suspends once before it unwinds
 * (as asyncio's does); a cancel that reaches the task in that suspension
 * comes before the task sees the first, so both are delivered as one: the
 * cleanup's sleep is not cut short (CPython's Task.cancel() only sets
 * _must_cancel again; one CancelledError). Scenario
 * same_instant_cancel_while_raising_joins_it. */
static void test_task_cancel_while_raising_joins_delivery(void) {
    BEGIN_TEST();
    raising_body = yield_cleanup_body;
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_during_raising_yield), AIO_OK);
    CHECK_EQ(V.r1, 1);
    check_cleanup_ran_uncut();
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The same with the cancellation found in an inline coroutine that has no
 * cleanup of its own: it ends where it lands and hands the mark to its
 * caller, whose cleanup then takes the second cancel as part of the first. */
typedef struct {
    aio_frame frame;
    int after;
} bare_callee_t;
static bare_callee_t BC;

static aio_status bare_callee(aio_task *t, bare_callee_t *s) {
    AIO_BEGIN(t, s);
    aio_cancel(t);
    AIO_YIELD(t); /* finds its own cancel: suspends once, then unwinds */
    s->after++;
    AIO_END(t);
}

static aio_status caller_cleanup_body(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_CALL(t, s->lv, bare_callee, &BC);
    s->after++;
    AIO_FINALLY(t);
    s->fin++;
    s->fin_status = AIO_STATUS(t);
    s->fin_at = T_MS();
    AIO_SLEEP(t, AIO_MS(100));
    s->t2 = T_MS();
    AIO_END(t);
}

/* R9 through an AIO_CALL: the callee unwinds to its end, the caller's
 * cleanup sleeps its 100 ms uncut. */
static void test_task_cancel_while_callee_raising_joins_delivery(void) {
    BEGIN_TEST();
    memset(&BC, 0, sizeof BC);
    raising_body = caller_cleanup_body;
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_during_raising_yield), AIO_OK);
    CHECK_EQ(BC.after, 0);
    check_cleanup_ran_uncut();
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The scenario's t1: a zero timeout around a long sleep, whose inline body
 * sleeps 100 ms in its cleanup (inside the block), then the block's status. */
typedef struct {
    aio_frame frame;
    long long fin_at, done_at;
    aio_status fin_status;
} zero_body_t;
static zero_body_t ZB;
static aio_timeout Zto;

static aio_status zero_block_body(aio_task *t, zero_body_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(5)); /* its block's deadline is due: suspends once, unwinds */
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    s->fin_at = T_MS();
    AIO_SLEEP(t, AIO_MS(100));
    s->done_at = T_MS();
    AIO_END(t);
}

static aio_status zero_timeout_cleanup(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &Zto, 0) {
        AIO_CALL(t, s->lv, zero_block_body, &ZB);
    }
    s->after++; /* not reached: the owner's cancel goes on through the block */
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    s->t1 = T_MS();
    AIO_END(t);
}

static aio_status m_cancel_meets_due_deadline(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&V.task, zero_timeout_cleanup);
    W.target = t;
    aio_spawn(&W.task, cancel_target); /* cancels main, which passes it on to V */
    AIO_AWAIT(t, s->lv, &V.task);
    s->after++;
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R9 with L6: a zero deadline found at the sleep's checkpoint suspends the
 * task once; the owner's cancel, passed on to it in that suspension, is
 * delivered with the deadline: the cleanup inside the block sleeps its
 * 100 ms, and the block lets the owner's cancellation through (an explicit
 * cancel beats a timeout, R24). CPython: the timeout's callback and the
 * cancel both land before the task resumes; one CancelledError. Scenario
 * same_instant_cancel_while_raising_joins_it. */
static void test_task_cancel_meets_due_deadline_one_delivery(void) {
    BEGIN_TEST();
    memset(&ZB, 0, sizeof ZB);
    memset(&Zto, 0, sizeof Zto);
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_meets_due_deadline), AIO_ECANCELED);
    CHECK_EQ(W.r1, 1);
    CHECK_EQ(ZB.fin_status, AIO_ECANCELED);
    CHECK_EQ(ZB.fin_at, 0);
    CHECK_EQ(ZB.done_at, 100);
    CHECK_EQ(aio_timeout_expired(&Zto), 1);
    CHECK_EQ(aio_timeout_status(&Zto), AIO_OK); /* it did not stop the unwinding */
    CHECK_EQ(V.after, 0);
    CHECK_EQ(V.fin_status, AIO_ECANCELED);
    CHECK_EQ(V.t1, 100);
    CHECK(aio_task_cancelled(&V.task));
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 100);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_pending(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(500);
    start_worker(&A, NULL, 10000, 0);
    s->r1 = aio_task_cancel_pending(&A.task);
    AIO_SLEEP(t, AIO_SEC(1));
    aio_cancel(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    AIO_SLEEP(t, AIO_MS(100)); /* A got it at 1.0 s and is cleaning up */
    s->r3 = aio_task_cancel_pending(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    s->r4 = aio_cancel(&A.task);
    s->r5 = aio_task_cancel_pending(&A.task);
    AIO_END(t);
}

/* R9: aio_task_cancel_pending is 1 only between the request and its delivery. */
static void test_task_cancel_pending_flag(void) {
    BEGIN_TEST();
    CHECK_EQ(aio_task_cancel_pending(&B.task), 0); /* never spawned */
    CHECK_EQ(test_run(&loop, &Main.task, m_pending), AIO_OK);
    CHECK_EQ(Main.r1, 0);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(Main.r3, 0);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1500);
    CHECK_EQ(Main.r4, 0);
    CHECK_EQ(Main.r5, 0);
    CHECK_EQ(A.cleanup_at, 1500);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------------ cleanup and zombies */

static aio_status seed_worker(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 1000; s->i++) {
        trace("working@%lld ", T_MS());
        AIO_SLEEP(t, AIO_MS(200));
    }
    AIO_FINALLY(t);
    trace("cancelled@%lld ", T_MS());
    AIO_SLEEP(t, AIO_MS(300)); /* close the connection */
    trace("closed@%lld ", T_MS());
    AIO_END(t);
}

static aio_status m_seed(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&V.task, seed_worker);
    AIO_SLEEP(t, AIO_MS(700));
    aio_cancel(&V.task);
    AIO_AWAIT(t, s->lv, &V.task);
    trace("main:%d@%lld", s->lv, T_MS());
    if (s->lv == AIO_ECANCELED) trace(" confirmed");
    AIO_END(t);
}

/* R3/R45 spirit, cancellation with cleanup: 4 "working", cancelled at 0.7, cleanup to 1.0. */
static void test_task_cleanup_awaits_seed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_seed), AIO_OK);
    CHECK_STR(test_trace, "working@0 working@200 working@400 working@600 cancelled@700 "
                          "closed@1000 main:-1@1000 confirmed");
    CHECK_EQ(V.i, 3);
    CHECK(aio_task_cancelled(&V.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_swallow(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    A.override = 1;
    A.fin_value = 1;
    start_worker(&A, NULL, 10000, 0);
    AIO_SLEEP(t, AIO_SEC(1));
    aio_cancel(&A.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_YIELD(t); /* the caller is not cancelled */
    s->after++;
    AIO_END(t);
}

/* R8 + docs/behaviour.md "Cancellation unwinds": AIO_RETURN(t, 1) in the root FINALLY swallows: done with 1, not cancelled. */
static void test_task_swallow_in_finally(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_swallow), AIO_OK);
    CHECK_DEBUG("swallowed");
    CHECK_EQ(A.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 1000);
    CHECK_EQ(Main.lv, 1);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(Main.after, 1);
    CHECK(aio_task_done(&A.task));
    CHECK(!aio_task_cancelled(&A.task));
    CHECK(!aio_task_failed(&A.task));
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status ticker(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 10; s->i++) {
        trace("tick%d@%lld ", s->i, T_MS());
        AIO_SLEEP(t, AIO_MS(500));
        trace("woke%d ", s->i);
    }
    trace("body-end ");
    AIO_FINALLY(t);
    trace("fin:%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_SLEEP(t, AIO_MS(300));
    trace("cleaned@%lld ", T_MS());
    AIO_END(t);
}

static aio_status m_ticker(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&V.task, ticker);
    AIO_SLEEP(t, AIO_MS(700));
    aio_cancel(&V.task);
    AIO_AWAIT(t, s->lv, &V.task);
    trace("M:%d@%lld ", s->lv, T_MS());
    AIO_SLEEP(t, AIO_SEC(2)); /* nothing of A's body runs any more */
    s->r1 = aio_cancel(&V.task);
    trace("end@%lld", T_MS());
    AIO_END(t);
}

/* Level-triggered cancellation (no zombies): after cancellation and an awaiting cleanup the body never resumes. */
static void test_task_cancelled_body_never_resumes(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_ticker), AIO_OK);
    CHECK_STR(test_trace, "tick0@0 woke0 tick1@500 fin:-1@700 cleaned@1000 M:-1@1000 end@3000");
    CHECK_EQ(Main.r1, 0);
    CHECK_EQ(V.i, 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------ L3: completion vs cancel */

static aio_status m_wf_child_first(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&C, NULL, 1000, 42);
    AIO_YIELD(t); /* C arms its 1 s timer before our deadline is armed */
    AIO_WAIT_FOR(t, s->lv, &C.task, AIO_SEC(1));
    s->t1 = T_MS();
    AIO_END(t);
}

/* One instant: C's sleep and the caller's deadline both end at 1 s, C's
 * timer first. A sleep produces no value: the deadline's cancel reaches C
 * before C runs again, so C ends cancelled and the caller gets ETIMEDOUT. */
static void test_task_wait_for_child_sleep_ends_at_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_wf_child_first), AIO_OK);
    CHECK_EQ(Main.lv, AIO_ETIMEDOUT);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(C.after, 0);
    CHECK_EQ(C.fin_status, AIO_ECANCELED);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_wf_deadline_first(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&C, NULL, 1000, 42);
    AIO_WAIT_FOR(t, s->lv, &C.task, AIO_SEC(1)); /* our deadline is armed first */
    s->t1 = T_MS();
    AIO_END(t);
}

/* R45/L3 contrast: deadline noticed before the child ran at 1.0 s: child cancelled -> ETIMEDOUT. */
static void test_task_wait_for_deadline_first_cancels_child(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_wf_deadline_first), AIO_OK);
    CHECK_EQ(Main.lv, AIO_ETIMEDOUT);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(C.after, 0);
    CHECK_EQ(C.fin_at, 1000);
    CHECK_EQ(C.fin_status, AIO_ECANCELED);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* W: spawns C (configured by the test) and awaits it, then one more checkpoint. */
static aio_status w_await_child_then_yield(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&C.task, worker);
    AIO_AWAIT(t, s->lv, &C.task);
    trace("W:%d@%lld ", s->lv, T_MS());
    AIO_YIELD(t);
    trace("W:after-yield ");
    AIO_FINALLY(t);
    trace("Wf:%d@%lld", AIO_STATUS(t), T_MS());
    AIO_END(t);
}

static aio_status m_race_cancel_first(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    C.d = AIO_SEC(1);
    C.ret = 42;
    X.probe = &C.task;
    aio_spawn(&W.task, w_await_child_then_yield);
    start_canceller(&X, &W.task, 1000); /* X arms its timer before C does */
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &X.task);
    AIO_END(t);
}

/* R14 (3.12+): the cancel is processed first, while C's last step is still
 * pending in the same iteration: like asyncio, the cancel goes straight on to
 * the child W owns, so C never completes (it is cancelled at its sleep) and W
 * unwinds once C has. Completion beats cancellation only when it came first
 * (the next test). */
static void test_task_external_cancel_reaches_owned_child_first(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_race_cancel_first), AIO_OK);
    CHECK_EQ(X.cancelled, 1);
    CHECK_EQ(X.probe_done, 0); /* C had not finished yet when W was cancelled */
    CHECK_STR(test_trace, "X@1000 Wf:-1@1000");
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1000);
    CHECK(aio_task_cancelled(&W.task));
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_race_child_first(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    C.d = AIO_SEC(1);
    C.ret = 42;
    X.probe = &C.task;
    aio_spawn(&W.task, w_await_child_then_yield);
    AIO_YIELD(t); /* W spawns C first: C runs (and arms) before X */
    start_canceller(&X, &W.task, 1000);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &X.task);
    AIO_END(t);
}

/* L3 + bpo-42130 (R50): C completes first, then W is cancelled before it runs: W gets 42, next checkpoint raises. */
static void test_task_await_result_beats_external_cancel_child_first(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_race_child_first), AIO_OK);
    CHECK_EQ(X.cancelled, 1);
    CHECK_EQ(X.probe_done, 1); /* C was already done when W was cancelled */
    CHECK_STR(test_trace, "X@1000 W:42@1000 Wf:-1@1000");
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1000);
    CHECK(aio_task_cancelled(&W.task));
    CHECK_EQ(aio_task_result(&C.task), 42);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------ wait_for on owned children */

/* Spawns C (configured by the test) and wait_for's it with timeout Main.d. */
static aio_status m_wait_for_c(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&C.task, worker);
    AIO_WAIT_FOR(t, s->lv, &C.task, s->d);
    s->t1 = T_MS();
    AIO_SLEEP(t, AIO_MS(100)); /* the caller itself is not cancelled */
    s->t2 = T_MS();
    AIO_RETURN(t, s->lv < 0 ? 0 : s->lv);
    AIO_END(t);
}

/* R45: timeout 1 s, child cleanup 0.5 s -> ETIMEDOUT at 1.5 s, after the cleanup. */
static void test_task_wait_for_owned_timeout_waits_cleanup(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(10);
    C.cleanup = AIO_MS(500);
    Main.d = AIO_SEC(1);
    CHECK_EQ(test_run(&loop, &Main.task, m_wait_for_c), AIO_OK);
    CHECK_EQ(Main.lv, AIO_ETIMEDOUT);
    CHECK_EQ(Main.t1, 1500);
    CHECK_EQ(Main.t2, 1600);
    CHECK_EQ(C.fin_at, 1000);
    CHECK_EQ(C.fin_status, AIO_ECANCELED);
    CHECK_EQ(C.cleanup_at, 1500);
    CHECK(aio_task_cancelled(&C.task));
    CHECK(!aio_task_cancelled(&Main.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R44: zero timeout on a child that has not started: its body never runs -> ETIMEDOUT at 0. */
static void test_task_wait_for_zero_not_started(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(1);
    C.ret = 42;
    Main.d = 0;
    CHECK_EQ(test_run(&loop, &Main.task, m_wait_for_c), AIO_OK);
    CHECK_EQ(Main.lv, AIO_ETIMEDOUT);
    CHECK_EQ(Main.t1, 0);
    CHECK_EQ(Main.t2, 100);
    CHECK_EQ(C.body, 0);
    CHECK_EQ(C.fin, 0);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_wf_zero_done(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    C.ret = 42;
    D.ret = AIO_EUSER - 2;
    aio_spawn(&C.task, quick);
    aio_spawn(&D.task, quick);
    AIO_YIELD(t); /* both finish before we resume */
    s->r1 = aio_task_done(&C.task) && aio_task_done(&D.task);
    AIO_WAIT_FOR(t, s->lv, &C.task, 0);
    AIO_WAIT_FOR(t, s->lv2, &D.task, 0);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R44: zero timeout on an already finished child returns its result (or error), no ETIMEDOUT. */
static void test_task_wait_for_zero_done_child(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_wf_zero_done), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.lv, 42);
    CHECK_EQ(Main.lv2, AIO_EUSER - 2);
    CHECK_EQ(Main.t1, 0);
    CHECK(!aio_task_cancelled(&C.task));
    CHECK(aio_task_failed(&D.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R46: the child swallows the cancel in cleanup (0.5 s, then returns 7): lv = 7 at 1.5 s. */
static void test_task_wait_for_child_ignores_cancel(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(10);
    C.cleanup = AIO_MS(500);
    C.override = 1;
    C.fin_value = 7;
    Main.d = AIO_SEC(1);
    CHECK_EQ(test_run(&loop, &Main.task, m_wait_for_c), 7);
    CHECK_DEBUG("swallowed");
    CHECK_EQ(Main.lv, 7);
    CHECK_EQ(Main.t1, 1500);
    CHECK_EQ(Main.t2, 1600);
    CHECK_EQ(C.fin_status, AIO_ECANCELED);
    CHECK(!aio_task_cancelled(&C.task));
    CHECK_EQ(aio_task_result(&C.task), 7);
    CHECK(!aio_task_cancelled(&Main.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R47 (bpo-40607): the child raises a user error in its cleanup: lv = that error, not ETIMEDOUT. */
static void test_task_wait_for_child_raises_in_cleanup(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(10);
    C.override = 1;
    C.fin_value = AIO_EUSER - 1;
    Main.d = AIO_SEC(1);
    CHECK_EQ(test_run(&loop, &Main.task, m_wait_for_c), AIO_OK);
    CHECK_EQ(Main.lv, AIO_EUSER - 1);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(Main.t2, 1100);
    CHECK(aio_task_failed(&C.task));
    CHECK(!aio_task_cancelled(&C.task));
    CHECK_EQ(aio_task_result(&C.task), AIO_EUSER - 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Waits for C (spawned here) with timeout s->d; records the unwinding. */
static aio_status w_wait_for_child(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&C.task, worker);
    AIO_WAIT_FOR(t, s->lv, &C.task, s->d);
    s->after++;
    trace("W:after ");
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* Main: spawn W, cancel it at Main.d, optionally again Main.cleanup later, await it. */
static aio_status m_cancel_w(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&W.task, s->target ? w_await_child_then_yield : w_wait_for_child);
    AIO_SLEEP(t, s->d);
    s->r1 = aio_cancel(&W.task);
    if (s->cleanup) {
        AIO_SLEEP(t, s->cleanup);
        s->r2 = aio_cancel(&W.task);
    }
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R49 (bpo-23219): the caller is cancelled while waiting: child cancelled, its cleanup waited for, caller ECANCELED at 1.5 s. */
static void test_task_wait_for_caller_cancelled(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(100);
    C.cleanup = AIO_MS(500);
    W.d = AIO_SEC(10);
    W.lv = 99;
    Main.d = AIO_SEC(1);
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_w), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(C.fin_at, 1000);
    CHECK_EQ(C.fin_status, AIO_ECANCELED);
    CHECK_EQ(C.cleanup_at, 1500);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(W.lv, 99);
    CHECK_EQ(W.after, 0);
    CHECK_EQ(W.fin_at, 1500);
    CHECK_EQ(W.fin_status, AIO_ECANCELED); /* not ETIMEDOUT */
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1500);
    CHECK_STR(test_trace, "");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R49 + docs/behaviour.md "Cancellation unwinds": a second cancel of the caller during the child's cleanup cuts that cleanup at 1.2 s. */
static void test_task_wait_for_second_cancel_reaches_child_cleanup(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(100);
    C.cleanup = AIO_SEC(1);
    W.d = AIO_SEC(10);
    Main.d = AIO_SEC(1);
    Main.cleanup = AIO_MS(200);
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_w), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(C.fin_at, 1000);
    CHECK_EQ(C.cleanup_done, 0);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(W.after, 0);
    CHECK_EQ(W.fin_at, 1200);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1200);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R14: cancelling a task in a plain AIO_AWAIT on its own child cancels the child and waits for it. */
static void test_task_await_owned_caller_cancelled(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(100);
    C.cleanup = AIO_MS(300);
    Main.d = AIO_MS(500);
    Main.target = &C.task; /* selects w_await_child_then_yield */
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_w), AIO_OK);
    CHECK_EQ(C.fin_at, 500);
    CHECK_EQ(C.cleanup_at, 800);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_STR(test_trace, "Wf:-1@800");
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 800);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R49 + L2 (FIX of R15/R52): the child swallows the forwarded cancel (returns 7); the caller still unwinds ECANCELED. */
static void test_task_wait_for_caller_cancelled_child_swallows(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(100);
    C.override = 1;
    C.fin_value = 7;
    W.d = AIO_SEC(10);
    W.lv = 99;
    Main.d = AIO_SEC(1);
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_w), AIO_OK);
    CHECK_DEBUG("swallowed");
    CHECK_EQ(aio_task_result(&C.task), 7);
    CHECK_EQ(W.lv, 99);
    CHECK_EQ(W.after, 0);
    CHECK_EQ(W.fin_at, 1000);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1000);
    CHECK(aio_task_cancelled(&W.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Main: spawn W (timeout 1 s on C, cleanup 1 s), X cancels W at 1.5 s during C's cleanup. */
static aio_status m_timeout_then_cancel(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    C.d = AIO_SEC(100);
    C.cleanup = AIO_SEC(1);
    W.d = AIO_SEC(1);
    W.lv = 99;
    aio_spawn(&W.task, w_wait_for_child);
    start_canceller(&X, &W.task, 1500);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &X.task);
    AIO_END(t);
}

/* R52 FIX->L1: after wait_for's timeout fired, an external cancel reaches the child's cleanup and the caller ends ECANCELED, not ETIMEDOUT. */
static void test_task_wait_for_timeout_then_external_cancel(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_timeout_then_cancel), AIO_OK);
    CHECK_EQ(X.cancelled, 1);
    CHECK_EQ(C.fin_at, 1000);
    CHECK_EQ(C.cleanup_done, 0);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(W.lv, 99);
    CHECK_EQ(W.fin_at, 1500);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1500);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* R42/R87: the child finishes at 0.5 s before the 1 s timeout: its result, and the stale deadline fires nothing later. */
static void test_task_wait_for_child_finishes_first(void) {
    BEGIN_TEST();
    C.d = AIO_MS(500);
    C.ret = 42;
    Main.d = AIO_SEC(1);
    CHECK_EQ(test_run(&loop, &Main.task, m_wait_for_c), 42);
    CHECK_EQ(Main.lv, 42);
    CHECK_EQ(Main.t1, 500);
    CHECK_EQ(Main.t2, 600);
    CHECK(!aio_task_cancelled(&C.task));
    CHECK_EQ(C.fin_status, 42);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status w_arrive_cancelled_owned(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&C.task, worker);
    AIO_YIELD(t); /* C starts its 10 s sleep */
    aio_cancel(t);
    AIO_AWAIT(t, s->lv, &C.task);
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* Awaits W (spawned by the test, from outside). */
static aio_status main_await_w(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R49 at arrival: a cancelled task that awaits its own child cancels it and waits for its cleanup (0.3 s). */
static void test_task_await_owned_arriving_cancelled(void) {
    BEGIN_TEST();
    C.d = AIO_SEC(10);
    C.cleanup = AIO_MS(300);
    W.lv = 99;
    CHECK_EQ(aio_spawn(&W.task, w_arrive_cancelled_owned), AIO_OK); /* from outside */
    CHECK_EQ(test_run(&loop, &Main.task, main_await_w), AIO_OK);
    CHECK_EQ(C.body, 1);
    CHECK_EQ(C.fin_at, 0);
    CHECK_EQ(C.cleanup_at, 300);
    CHECK(aio_task_cancelled(&C.task));
    CHECK_EQ(W.lv, 99);
    CHECK_EQ(W.after, 0);
    CHECK_EQ(W.fin_at, 300);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 300);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------- waiting on tasks we do not own */

/* Waits for S with timeout s->d (AIO_NEVER: plain await), then awaits S again. */
static aio_status w_wait_shared(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_WAIT_FOR(t, s->lv, &S.task, s->d);
    s->after++;
    s->t1 = T_MS();
    s->r1 = aio_task_cancel_pending(&S.task);
    s->r2 = aio_task_done(&S.task);
    AIO_AWAIT(t, s->lv2, &S.task);
    s->t2 = T_MS();
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_not_owned_timeout(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    W.d = AIO_SEC(1);
    start_worker(&S, NULL, 2000, 42);
    aio_spawn(&W.task, w_wait_shared);
    AIO_AWAIT(t, s->lv, &W.task);
    AIO_AWAIT(t, s->lv2, &S.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* L4 (FIX of R53): wait_for on a task W did not spawn: ETIMEDOUT at once at 1 s, S keeps running to 42 at 2 s. */
static void test_task_wait_for_not_owned_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_not_owned_timeout), AIO_OK);
    CHECK_EQ(W.lv, AIO_ETIMEDOUT);
    CHECK_EQ(W.t1, 1000);
    CHECK_EQ(W.r1, 0); /* no cancel requested for S */
    CHECK_EQ(W.r2, 0); /* S still running */
    CHECK_EQ(W.lv2, 42);
    CHECK_EQ(W.t2, 2000);
    CHECK_EQ(S.fin, 1);
    CHECK_EQ(S.fin_status, 42);
    CHECK_EQ(S.fin_at, 2000);
    CHECK(!aio_task_cancelled(&S.task));
    CHECK_EQ(Main.lv2, 42);
    CHECK_EQ(Main.t1, 2000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_not_owned_cancel(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    W.d = AIO_NEVER;
    W2.d = AIO_NEVER;
    start_worker(&S, NULL, 2000, 42);
    aio_spawn(&W.task, w_wait_shared);
    aio_spawn(&W2.task, w_wait_shared);
    AIO_SLEEP(t, AIO_SEC(1));
    s->r1 = aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    s->r2 = aio_task_cancel_pending(&S.task);
    AIO_AWAIT(t, s->lv2, &W2.task);
    AIO_AWAIT(t, s->lv3, &S.task);
    s->t2 = T_MS();
    AIO_END(t);
}

/* L4 (FIX of R3): a waiter cancelled in AIO_AWAIT on a shared task detaches at 1 s; S and the other waiter are unaffected. */
static void test_task_await_not_owned_caller_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_not_owned_cancel), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(W.after, 0);
    CHECK_EQ(W.fin_at, 1000);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(Main.r2, 0);
    CHECK_EQ(W2.lv, 42);
    CHECK_EQ(W2.t1, 2000);
    CHECK_EQ(W2.lv2, 42);
    CHECK_EQ(Main.lv2, AIO_OK);
    CHECK_EQ(Main.lv3, 42);
    CHECK_EQ(Main.t2, 2000);
    CHECK_EQ(S.after, 1);
    CHECK(!aio_task_cancelled(&S.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_three_waiters(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    W.d = AIO_NEVER;
    W2.d = AIO_SEC(5); /* a wait_for that never times out here */
    W3.d = AIO_NEVER;
    start_worker(&S, NULL, 1000, 42);
    aio_spawn(&W.task, w_wait_shared);
    aio_spawn(&W2.task, w_wait_shared);
    aio_spawn(&W3.task, w_wait_shared);
    start_canceller(&X, &W2.task, 500);
    AIO_AWAIT(t, s->lv, &W.task);
    AIO_AWAIT(t, s->lv2, &W2.task);
    AIO_AWAIT(t, s->lv3, &W3.task);
    AIO_AWAIT(t, s->lv4, &X.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* L4: three waiters on one shared task, a third party cancels one at 0.5 s: the others get 42 at 1 s. */
static void test_task_shared_waiters_one_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_three_waiters), AIO_OK);
    CHECK_EQ(X.cancelled, 1);
    CHECK_EQ(W2.after, 0);
    CHECK_EQ(W2.fin_at, 500);
    CHECK_EQ(W2.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv2, AIO_ECANCELED);
    CHECK_EQ(W.lv, 42);
    CHECK_EQ(W.t1, 1000);
    CHECK_EQ(W3.lv, 42);
    CHECK_EQ(W3.t1, 1000);
    CHECK_EQ(Main.lv, AIO_OK);
    CHECK_EQ(Main.lv3, AIO_OK);
    CHECK_EQ(Main.t1, 1000);
    CHECK(!aio_task_cancelled(&S.task));
    CHECK_EQ(aio_task_result(&S.task), 42);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status w_arrive_cancelled_shared(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    trace("W1 ");
    aio_cancel(t);
    AIO_AWAIT(t, s->lv, &S.task);
    trace("W2 ");
    AIO_FINALLY(t);
    trace("Wf:%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_END(t);
}

static aio_status m_arrive_shared(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&S, NULL, 1000, 42);
    aio_spawn(&W.task, w_arrive_cancelled_shared);
    aio_spawn(&B.task, trace_b);
    AIO_AWAIT(t, s->lv, &W.task);
    AIO_AWAIT(t, s->lv2, &B.task);
    AIO_AWAIT(t, s->lv3, &S.task);
    s->t1 = T_MS();
    trace("M:%d@%lld", s->lv3, s->t1);
    AIO_END(t);
}

/* L4 + R5: already cancelled when it awaits a shared task: yields once (B runs), unwinds; S untouched. */
static void test_task_await_not_owned_arriving_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_arrive_shared), AIO_OK);
    CHECK_STR(test_trace, "W1 B Wf:-1@0 M:42@1000");
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK(!aio_task_cancelled(&S.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_third_party(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&C, NULL, 10000, 0);
    start_canceller(&X, &C.task, 1000);
    AIO_AWAIT(t, s->lv, &C.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &X.task);
    AIO_SLEEP(t, AIO_MS(500)); /* not cancelled: this sleep runs in full */
    s->t2 = T_MS();
    AIO_RETURN(t, 5);
    AIO_END(t);
}

/* L9 (FIX of R67): a child cancelled by a third party gives lv = AIO_ECANCELED; the caller is NOT cancelled. */
static void test_task_await_child_cancelled_by_third_party(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_third_party), 5);
    CHECK_EQ(X.cancelled, 1);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(Main.lv2, AIO_OK);
    CHECK_EQ(Main.t2, 1500);
    CHECK(aio_task_cancelled(&C.task));
    CHECK(!aio_task_cancelled(&Main.task));
    CHECK_EQ(aio_task_result(&Main.task), 5);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ---------------------------------------------------------------- misuse */

static aio_status await_self(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    s->lv = 99;
    AIO_AWAIT(t, s->lv, t);
    s->after++;
    AIO_FINALLY(t);
    s->fin++;
    s->fin_status = AIO_STATUS(t);
    AIO_END(t);
}

/* docs/behaviour.md "Misuse" (-> EINVAL): a task awaiting itself raises AIO_EINVAL with a debug message. */
static void test_task_await_self_einval(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, await_self), AIO_EINVAL);
    CHECK_DEBUG("cannot await itself");
    CHECK_EQ(Main.lv, 99);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin, 1);
    CHECK_EQ(Main.fin_status, AIO_EINVAL);
    CHECK(aio_task_failed(&Main.task));
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_never(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    s->lv = 99;
    AIO_AWAIT(t, s->lv, &B.task);
    s->after++;
    AIO_FINALLY(t);
    s->fin++;
    s->fin_status = AIO_STATUS(t);
    AIO_END(t);
}

/* docs/behaviour.md "Misuse": awaiting a never-spawned task raises AIO_EINVAL ("never spawned"). */
static void test_task_await_never_spawned_einval(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, await_never), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(Main.lv, 99);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin, 1);
    CHECK_EQ(Main.fin_status, AIO_EINVAL);
    CHECK(aio_task_failed(&Main.task));
    CHECK(!aio_task_done(&B.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ----------------------------------------------------------- task status */

static aio_status m_flags(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    A.ret = 3;
    B.ret = AIO_EUSER;
    D.ret = AIO_ETIMEDOUT;
    aio_spawn(&A.task, quick);
    aio_spawn(&B.task, quick);
    start_worker(&C, NULL, 10000, 0);
    aio_spawn(&D.task, quick);
    /* not finished yet */
    s->r1 = aio_task_done(&A.task) + aio_task_failed(&B.task) + aio_task_cancelled(&C.task);
    s->lv = aio_task_result(&A.task);
    AIO_YIELD(t);
    aio_cancel(&C.task);
    s->r2 = aio_task_cancelled(&C.task); /* requested, not yet delivered */
    AIO_AWAIT(t, s->lv2, &C.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* R8: done / failed / cancelled / result for a value, a user error, a cancel and another error. */
static void test_task_status_flags(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_flags), AIO_OK);
    CHECK_EQ(Main.r1, 0);
    CHECK_EQ(Main.lv, AIO_EINPROGRESS);
    CHECK_EQ(Main.r2, 0);
    CHECK_EQ(Main.lv2, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 0);
    CHECK(aio_task_done(&A.task) && !aio_task_failed(&A.task) && !aio_task_cancelled(&A.task));
    CHECK_EQ(aio_task_result(&A.task), 3);
    CHECK(aio_task_done(&B.task) && aio_task_failed(&B.task) && !aio_task_cancelled(&B.task));
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER);
    CHECK(aio_task_done(&C.task) && !aio_task_failed(&C.task) && aio_task_cancelled(&C.task));
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK(aio_task_done(&D.task) && aio_task_failed(&D.task) && !aio_task_cancelled(&D.task));
    CHECK_EQ(aio_task_result(&D.task), AIO_ETIMEDOUT);
    CHECK(!aio_task_failed(&Main.task) && !aio_task_cancelled(&Main.task));
    /* never spawned: not done, no flags, result EINVAL */
    CHECK(!aio_task_done(&X.task) && !aio_task_failed(&X.task) && !aio_task_cancelled(&X.task));
    test_last_debug[0] = 0;
    CHECK_EQ(aio_task_result(&X.task), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* -------------------------------------------- tasks spawned from outside */

static aio_status m_outside_timeout(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_WAIT_FOR(t, s->lv, &S.task, AIO_SEC(1));
    s->t1 = T_MS();
    s->r1 = aio_task_cancel_pending(&S.task);
    s->r2 = aio_task_done(&S.task);
    AIO_AWAIT(t, s->lv2, &S.task);
    s->t2 = T_MS();
    AIO_END(t);
}

/* L4: a task spawned outside any task (parent NULL) is not owned by its awaiter: wait_for times out, S runs on. */
static void test_task_outside_spawn_not_owned_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(start_worker(&S, NULL, 2000, 42), AIO_OK);
    CHECK_EQ(test_run(&loop, &Main.task, m_outside_timeout), AIO_OK);
    CHECK_EQ(Main.lv, AIO_ETIMEDOUT);
    CHECK_EQ(Main.t1, 1000);
    CHECK_EQ(Main.r1, 0);
    CHECK_EQ(Main.r2, 0);
    CHECK_EQ(Main.lv2, 42);
    CHECK_EQ(Main.t2, 2000);
    CHECK_EQ(S.after, 1);
    CHECK(!aio_task_cancelled(&S.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status m_outside_cancel_waiter(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    W.d = AIO_SEC(10);
    aio_spawn(&W.task, w_wait_shared);
    AIO_SLEEP(t, AIO_MS(500));
    s->r1 = aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &S.task);
    s->t2 = T_MS();
    AIO_END(t);
}

/* L4: the task awaiting an outside-spawned task is cancelled: it detaches at 0.5 s, S is not cancelled. */
static void test_task_outside_spawn_not_cancelled_with_waiter(void) {
    BEGIN_TEST();
    CHECK_EQ(start_worker(&S, NULL, 2000, 42), AIO_OK);
    CHECK_EQ(test_run(&loop, &Main.task, m_outside_cancel_waiter), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(W.after, 0);
    CHECK_EQ(W.fin_at, 500);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(Main.lv, AIO_ECANCELED);
    CHECK_EQ(Main.t1, 500);
    CHECK_EQ(Main.lv2, 42);
    CHECK_EQ(Main.t2, 2000);
    CHECK_EQ(S.fin_status, 42);
    CHECK(!aio_task_cancelled(&S.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


/* ------------------------------------------ respawned before its waiter ran */

static aio_status awaits_then_records(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static aio_status respawns_a(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100)); /* armed after A's: runs after A ended */
    s->r1 = aio_task_done(&A.task);
    setw(&A, "A2", 50, 8);
    s->lv2 = aio_spawn(&A.task, worker); /* its waiter has not resumed yet */
    AIO_END(t);
}

/* A finished task spawned again before a task that waited for its first run
 * resumed: the waiter waits for the new run instead (the rule on respawning
 * in aio_task's documentation), and gets 8 at 150 ms, not 4 at 100 ms. */
static void test_task_respawned_before_its_waiter_resumed(void) {
    BEGIN_TEST();
    setw(&A, "A", 100, 4);
    CHECK_EQ(aio_spawn(&A.task, worker), AIO_OK);
    CHECK_EQ(aio_spawn(&Main.task, respawns_a), AIO_OK);
    CHECK_EQ(test_run(&loop, &V.task, awaits_then_records), AIO_OK);
    CHECK_EQ(Main.r1, 1);
    CHECK_EQ(Main.lv2, AIO_OK);
    CHECK_EQ(V.lv, 8);
    CHECK_EQ(V.t1, 150);
    CHECK_STR(test_trace, "A@100 A2@150 ");
    END_TEST();
}

/* ------------------------------------------------- asyncio.run's ending */

static aio_status tasks_main_awaits_a(aio_task *t) {
    AIO_BEGIN(t);
    AIO_AWAIT(t, Main.lv, &A.task);
    AIO_RETURN(t, Main.lv);
    AIO_END(t);
}


/* Main spawns A (sleeps 100, cleanup sleeps 10) and B (sleeps 50, cleanup
 * raises -70 after 5 ms), then returns 7 at 20. */
static aio_status leaves_two_running(aio_task *t) {
    AIO_BEGIN(t);
    Main.r1 = aio_task_alive(&A.task); /* zeroed: 0 */
    start_worker(&A, "A", 100, 1);
    A.cleanup = AIO_MS(10);
    start_worker(&B, "B", 50, 2);
    B.cleanup = AIO_MS(5);
    B.override = 1;
    B.fin_value = -70;
    Main.r2 = aio_task_alive(&A.task); /* spawned: 1 */
    AIO_SLEEP(t, AIO_MS(20));
    AIO_RETURN(t, 7);
    AIO_END(t);
}

/* When main ends, aio_run cancels what it left running and runs the loop
 * until their cleanup has finished; it returns main's value; a cleanup that
 * fails is named to the debug hook; a finished task may be spawned again. */
static void test_tasks_run_cancels_leftovers_and_waits_for_cleanup(void) {
    BEGIN_TEST();
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &Main.task, leaves_two_running), 7);
    CHECK_EQ(Main.r1, 0);
    CHECK_EQ(Main.r2, 1);
    CHECK_EQ(T_MS(), 30); /* A's cleanup: 20 + 10 */
    CHECK_EQ(A.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 20);
    CHECK_EQ(A.cleanup_at, 30);
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(B.cleanup_at, 25);
    CHECK_EQ(aio_task_result(&B.task), -70);
    CHECK_DEBUG("left running failed as aio_run cancelled it");
    CHECK(!aio_task_alive(&A.task) && !aio_task_alive(&B.task) && !aio_task_alive(&Main.task));
    CHECK_EQ(start_worker(&A, NULL, 5, 3), AIO_OK); /* spawnable again */
    CHECK(aio_task_alive(&A.task));
    CHECK_EQ(aio_task_alive(NULL), 0);
    CHECK_EQ(test_run(&loop, &Main.task, tasks_main_awaits_a), 3);
    END_TEST();
}

/* A task spawned by a cleanup that aio_run's cancellation started is waited
 * for too (the loop runs until no task is alive). */
static aio_status spawns_in_cleanup(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    start_worker(&C, "C", 40, 4);
    AIO_END(t);
}

static aio_status leaves_one(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&V.task, spawns_in_cleanup);
    AIO_YIELD(t);
    AIO_END(t);
}

static void test_tasks_run_waits_for_tasks_spawned_by_cleanup(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, leaves_one), AIO_OK);
    CHECK(aio_task_cancelled(&V.task));
    CHECK_EQ(aio_task_result(&C.task), 4);
    CHECK_EQ(T_MS(), 40);
    CHECK_STR(test_trace, "C@40 ");
    END_TEST();
}

/* A left-running task that swallows its cancellation and then waits for
 * what nothing can wake: aio_run returns main's value, names it to the debug
 * hook, and leaves the task as it is. */
static aio_status ignores_cancel(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_NEVER); /* (asyncio would hang here too) */
    AIO_END(t);
}

static aio_status leaves_stubborn(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&V.task, ignores_cancel);
    AIO_YIELD(t);
    AIO_RETURN(t, 5);
    AIO_END(t);
}

static void test_tasks_run_leftover_that_cannot_finish(void) {
    BEGIN_TEST();
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &Main.task, leaves_stubborn), 5);
    CHECK_DEBUG("left running wait for something nothing can wake");
    CHECK(aio_task_alive(&V.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY);
    aio_cancel(&V.task);
    while (aio_step(&loop) > 0) {
    }
    CHECK(aio_task_cancelled(&V.task));
    END_TEST();
}

/* ===================================== turns back to back, on each clock */

/* While only tasks are ready (no timer armed, no hook, main running) the
 * loop runs its turns back to back; everything a turn can meet behaves
 * there as in any turn: tasks that end in a group or alone, a group's
 * notice of a child's failure, a task that suspends on nothing until
 * cancelled, main's end. The same program on the virtual clock and on a
 * clock of the program's (which the loop reads, 1 ms later each time), and
 * again with steps that change the loop's clock from one kind to the other
 * and back, each then sleeping 1 ms. */
static struct {
    aio_task task, idle, yielder, kids[2];
    aio_group g;
    int yields, idle_runs, switch_clock;
    aio_time fake_now;
    aio_status idle_rc, yielder_rc, group_rc;
} BB;
static aio_time bb_clock(void *ctx) { /* (1 ms more at each read) */
    aio_time now = *(aio_time *)ctx;
    *(aio_time *)ctx = now + AIO_MS(1);
    return now;
}
static aio_status bb_idle(aio_task *t) { /* (a body by hand: suspends on nothing until cancelled) */
    BB.idle_runs++;
    return aio_task_cancel_pending(t) ? AIO_ECANCELED : AIO__SUSPENDED;
}
static aio_status bb_yielder(aio_task *t) {
    AIO_BEGIN(t);
    while (BB.yields < 6) {
        BB.yields++;
        if (BB.switch_clock && (BB.yields == 2 || BB.yields == 4)) {
            /* (a turn back to back ends with a timer armed, on the other kind of clock) */
            if (BB.yields == 2)
                aio_loop_set_clock(t->loop, bb_clock, &BB.fake_now);
            else
                aio_loop_use_virtual_clock(t->loop, AIO_SEC(7));
            AIO_SLEEP(t, AIO_MS(1));
        } else {
            AIO_YIELD(t);
        }
    }
    AIO_END(t);
}
static aio_status bb_kid(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    if (t == &BB.kids[1]) {
        AIO_YIELD(t);
        AIO_RETURN(t, AIO_EUSER);
    }
    AIO_END(t);
}
static aio_status bb_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&BB.idle, bb_idle), AIO_OK);
    CHECK_EQ(aio_spawn(&BB.yielder, bb_yielder), AIO_OK);
    AIO_YIELD(t);
    AIO_GROUP(t, &BB.g) {
        CHECK_EQ(aio_group_spawn(&BB.g, &BB.kids[0], bb_kid), AIO_OK);
        CHECK_EQ(aio_group_spawn(&BB.g, &BB.kids[1], bb_kid), AIO_OK);
    }
    BB.group_rc = aio_group_status(&BB.g);
    CHECK_EQ(aio_cancel(&BB.idle), 1);
    AIO_AWAIT(t, rc, &BB.idle);
    BB.idle_rc = rc;
    AIO_AWAIT(t, rc, &BB.yielder);
    BB.yielder_rc = rc;
    AIO_END(t);
}
static void back_to_back_run(int virtual_clock, int switch_clock) {
    static aio_timer timers[4];
    aio_loop loop;
    memset(&BB, 0, sizeof BB);
    BB.switch_clock = switch_clock;
    BB.fake_now = AIO_SEC(3);
    aio_loop_init(&loop, timers, 4);
    if (virtual_clock)
        aio_loop_use_virtual_clock(&loop, AIO_SEC(5));
    else
        aio_loop_set_clock(&loop, bb_clock, &BB.fake_now);
    CHECK_EQ(aio_run(&loop, &BB.task, bb_main), AIO_OK);
    CHECK_EQ(BB.group_rc, AIO_EUSER);
    CHECK_EQ(aio_task_result(&BB.kids[0]), AIO_OK);
    CHECK_EQ(aio_task_result(&BB.kids[1]), AIO_EUSER);
    CHECK_EQ(BB.idle_rc, AIO_ECANCELED);
    CHECK_EQ(BB.idle_runs, 2);
    CHECK_EQ(BB.yielder_rc, AIO_OK);
    CHECK_EQ(BB.yields, 6);
    /* the clock the loop ends with: the virtual one at 5 s, or at 7 s and
     * the sleep once switched; the program's from 3 s */
    if (switch_clock)
        CHECK_EQ(aio_loop_now(&loop), AIO_SEC(7) + AIO_MS(1));
    else if (virtual_clock)
        CHECK_EQ(aio_loop_now(&loop), AIO_SEC(5));
    else
        CHECK(aio_loop_now(&loop) >= AIO_SEC(3));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
static void test_task_turns_back_to_back_on_each_clock(void) {
    back_to_back_run(1, 0);
    back_to_back_run(0, 0);
    back_to_back_run(1, 1);
    back_to_back_run(0, 1);
}

/* A turn back to back on a clock of the program's in which one task arms a
 * timer and another then sets the clock anew (a read 1 ms later: the timer
 * is due by the turn's end): the turn's end fires it, and the sleeper runs
 * in the next turn, at its deadline or after. */
static struct {
    aio_task task, sleeper, setter;
    aio_time fake_now, deadline, woke_at;
} DT;
static aio_status dt_sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    DT.deadline = aio_now() + AIO_MS(1);
    AIO_SLEEP(t, AIO_MS(1));
    DT.woke_at = aio_now();
    AIO_END(t);
}
static aio_status dt_setter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    aio_loop_set_clock(t->loop, bb_clock, &DT.fake_now); /* (after the sleeper armed its timer) */
    AIO_END(t);
}
static aio_status dt_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&DT.sleeper, dt_sleeper), AIO_OK);
    CHECK_EQ(aio_spawn(&DT.setter, dt_setter), AIO_OK);
    AIO_AWAIT(t, rc, &DT.sleeper);
    CHECK_EQ(rc, AIO_OK);
    AIO_AWAIT(t, rc, &DT.setter);
    CHECK_EQ(rc, AIO_OK);
    AIO_END(t);
}
static void test_task_turn_back_to_back_ends_with_a_timer_due(void) {
    static aio_timer timers[4];
    aio_loop loop;
    memset(&DT, 0, sizeof DT);
    DT.fake_now = AIO_SEC(3);
    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, bb_clock, &DT.fake_now);
    CHECK_EQ(aio_run(&loop, &DT.task, dt_main), AIO_OK);
    CHECK(DT.deadline != 0);
    CHECK(DT.woke_at >= DT.deadline);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ===================================== the instruments set or cleared in a step */

/* A hook set in a step hears the rest of it (the task's end, its joiner
 * woken); a hook cleared in a step hears nothing more of it. */
static struct {
    aio_task task, child, yielder, sleeper;
    aio_recorder rec;
    aio_trace_record ring[32];
    int phase;
} TS;
static aio_status ts_child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    aio_loop_set_instrument(t->loop, aio_recorder_hook, &TS.rec); /* (ends told) */
    AIO_END(t);
}
static aio_status ts_yield_quiet(aio_task *t) {
    AIO_BEGIN(t);
    aio_loop_set_instrument(t->loop, NULL, NULL); /* (its yield untold) */
    AIO_YIELD(t);
    AIO_END(t);
}
static aio_status ts_idle_quiet(aio_task *t) {
    aio_loop_set_instrument(t->loop, NULL, NULL);
    return aio_task_cancel_pending(t) ? AIO_ECANCELED : AIO__SUSPENDED;
}
static aio_status ts_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&TS.child, ts_child), AIO_OK);
    AIO_AWAIT(t, rc, &TS.child);
    CHECK_EQ(rc, AIO_OK);
    CHECK_EQ(aio_spawn(&TS.yielder, ts_yield_quiet), AIO_OK);
    AIO_AWAIT(t, rc, &TS.yielder);
    CHECK_EQ(rc, AIO_OK);
    aio_loop_set_instrument(t->loop, aio_recorder_hook, &TS.rec);
    CHECK_EQ(aio_spawn(&TS.sleeper, ts_idle_quiet), AIO_OK);
    AIO_YIELD(t);
    AIO_YIELD(t);
    CHECK_EQ(aio_cancel(&TS.sleeper), 1);
    AIO_AWAIT(t, rc, &TS.sleeper);
    CHECK_EQ(rc, AIO_ECANCELED);
    AIO_END(t);
}
#if AIO_INSTRUMENTS
static int ts_has(aio_task *task, int kind) {
    uint32_t i;
    for (i = 0; i < aio_recorder_count(&TS.rec); i++) {
        const aio_trace_record *r = aio_recorder_at(&TS.rec, i);
        if (r->task == task && r->kind == kind) return 1;
    }
    return 0;
}
#endif
static void test_task_instruments_set_or_cleared_in_a_step(void) {
    static aio_timer timers[4];
    aio_loop loop;
    memset(&TS, 0, sizeof TS);
    aio_recorder_init(&TS.rec, TS.ring, 32);
    aio_loop_init(&loop, timers, 4);
    aio_loop_use_virtual_clock(&loop, 0);
    CHECK_EQ(aio_run(&loop, &TS.task, ts_main), AIO_OK);
#if AIO_INSTRUMENTS
    CHECK(ts_has(&TS.child, AIO_TRACE_END));   /* told in the step that set the hook */
    CHECK(ts_has(&TS.task, AIO_TRACE_WAKE));   /* its joiner woken */
    CHECK(ts_has(&TS.yielder, AIO_TRACE_STEP));
    CHECK(!ts_has(&TS.yielder, AIO_TRACE_SUSPEND)); /* cleared before it yielded */
    CHECK(ts_has(&TS.sleeper, AIO_TRACE_STEP));
    CHECK(!ts_has(&TS.sleeper, AIO_TRACE_SUSPEND)); /* cleared before it suspended */
    CHECK(!ts_has(&TS.sleeper, AIO_TRACE_STEPPED));
#else
    CHECK_EQ(aio_recorder_count(&TS.rec), 0);
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ============================= a yield's slow way goes on in the same step */

/* A task with a block open (or a cancel delivered) takes a yield's slow way
 * when it resumes: the body's call ends there (where time counts, so that a
 * body saves no register for it) and the loop calls the body again at once.
 * It stays one step: what follows the yield runs before the next task's
 * step, the instruments tell one step, the task may end or suspend there. */
static struct {
    aio_task main, yielder, other, hand;
    aio_timeout to;
    int order[8], n, hand_runs;
    aio_recorder rec;
    aio_trace_record ring[64];
} YA;
static aio_status ya_other(aio_task *t) {
    AIO_BEGIN(t);
    YA.order[YA.n++] = 1;
    AIO_YIELD(t);
    YA.order[YA.n++] = 3;
    AIO_END(t);
}
static aio_status ya_yield_in_block(aio_task *t) { /* (ends in the step that goes on) */
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &YA.to, AIO_SEC(1)) {
        AIO_YIELD(t);
        YA.order[YA.n++] = 2;
    }
    AIO_RETURN(t, 7);
    AIO_END(t);
}
static aio_status ya_main(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&YA.yielder, ya_yield_in_block), AIO_OK);
    CHECK_EQ(aio_spawn(&YA.other, ya_other), AIO_OK);
    AIO_AWAIT(t, rc, &YA.yielder);
    CHECK_EQ(rc, 7);
    AIO_AWAIT(t, rc, &YA.other);
    CHECK_EQ(rc, AIO_OK);
    AIO_END(t);
}
/* (by hand: the slow way's call, then, called again, it suspends on nothing) */
static aio_status ya_hand(aio_task *t) {
    YA.hand_runs++;
    if (aio_task_cancel_pending(t)) { /* (the other second half, called: it raises the cancel) */
        CHECK_EQ(aio__yield_poll(t, &t->frame), AIO__RAISE);
        CHECK_EQ(t->frame.rc, AIO_ECANCELED);
        return AIO_ECANCELED;
    }
    if (t->frame.lc == 0) {
        CHECK_EQ(aio__yield_poll(t, &t->frame), AIO_OK); /* (nothing to raise: it goes on) */
        return aio__yield_again(t, &t->frame, 5u);
    }
    CHECK_EQ(t->frame.lc, 5);
    return AIO__SUSPENDED;
}
#if AIO_INSTRUMENTS
static int ya_count(const aio_task *task, int kind) {
    uint32_t i;
    int n = 0;
    for (i = 0; i < aio_recorder_count(&YA.rec); i++) {
        const aio_trace_record *r = aio_recorder_at(&YA.rec, i);
        if (r->task == task && r->kind == kind) n++;
    }
    return n;
}
#endif
static void ya_case(int told) {
    static aio_timer timers[4];
    aio_loop loop;
    memset(&YA, 0, sizeof YA);
    aio_recorder_init(&YA.rec, YA.ring, 64);
    aio_loop_init(&loop, timers, 4);
    aio_loop_use_virtual_clock(&loop, 0);
    if (told) aio_loop_set_instrument(&loop, aio_recorder_hook, &YA.rec);
    /* another task's step comes between the yield and what follows it */
    CHECK_EQ(aio_run(&loop, &YA.main, ya_main), AIO_OK);
    CHECK_EQ(YA.n, 3);
    CHECK_EQ(YA.order[0], 1);
    CHECK_EQ(YA.order[1], 2);
    CHECK_EQ(YA.order[2], 3);
#if AIO_INSTRUMENTS
    if (told) {
        CHECK_EQ(ya_count(&YA.yielder, AIO_TRACE_STEP), 2); /* its first, and the one that goes on */
        CHECK_EQ(ya_count(&YA.yielder, AIO_TRACE_STEPPED), 2);
        CHECK_EQ(ya_count(&YA.yielder, AIO_TRACE_END), 1);
    }
#endif
    /* main itself ends in the step that goes on: aio_run gives its result */
    YA.n = 0;
    CHECK_EQ(aio_run(&loop, &YA.main, ya_yield_in_block), 7);
    CHECK_EQ(YA.n, 1);
    /* called again at once, a body suspends on nothing: parked until cancelled */
    CHECK_EQ(aio_spawn(&YA.hand, ya_hand), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(YA.hand_runs, 2);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK(!aio_task_done(&YA.hand));
    CHECK_EQ(aio_cancel(&YA.hand), 1);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(YA.hand_runs, 3);
    CHECK_EQ(aio_task_result(&YA.hand), AIO_ECANCELED);
#if AIO_INSTRUMENTS
    if (told) CHECK_EQ(ya_count(&YA.hand, AIO_TRACE_STEP), 2); /* (the first step, then the cancelled one) */
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
static void test_task_yield_slow_way_goes_on_in_the_same_step(void) { ya_case(0); }
static void test_task_yield_slow_way_goes_on_in_the_same_step_told(void) { ya_case(1); }

/* A clock set in a step: the turns after it read the new clock, and once a
 * turn has answered the change, the turns run back to back again (where
 * time counts: no busy bit is left behind, though the step that set it ran
 * in aio_run's long way, whose first turn it is). */
static struct {
    aio_task main;
    int steps;
    aio_time seen[4];
    unsigned busy[4];
} CK;
static aio_time ck_clock(void *ctx) {
    (void)ctx;
    return 5000;
}
static aio_status ck_main(aio_task *t) {
    AIO_BEGIN(t);
    while (CK.steps < 4) {
        /* (in aio_run's first turn, which takes the long way) */
        if (CK.steps == 0) aio_loop_set_clock(t->loop, ck_clock, NULL);
        CK.seen[CK.steps] = aio_now();
        CK.busy[CK.steps] = t->loop->busy;
        CK.steps++;
        AIO_YIELD(t);
    }
    AIO_END(t);
}
static void test_task_clock_set_in_a_step_then_turns_back_to_back(void) {
    aio_loop loop;
    aio_loop_init(&loop, NULL, 0);
    aio_loop_use_virtual_clock(&loop, 100);
    memset(&CK, 0, sizeof CK);
    CK.seen[0] = 100;
    CHECK_EQ(aio_run(&loop, &CK.main, ck_main), AIO_OK);
    CHECK_EQ(CK.steps, 4);
    CHECK_EQ(CK.seen[0], 5000); /* (its own read, once set) */
    CHECK_EQ(CK.seen[1], 5000);
    CHECK_EQ(CK.seen[2], 5000);
    CHECK_EQ(CK.seen[3], 5000);
#if AIO__SPEED && !defined(TEST_IMPL_FOR_SIZE) /* (the library's busy bits: its short way's) */
    CHECK(CK.busy[0] != 0); /* (the clock bit, set in the long way's turn, which answers it) */
    CHECK_EQ(CK.busy[2], 0); /* a turn later, nothing is left behind: back to back */
    CHECK_EQ(CK.busy[3], 0);
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A main task cancelled before its first step (by a task spawned before
 * aio_run, which runs first) never runs its body: aio_run gives
 * AIO_ECANCELED, as asyncio.run raises CancelledError. */
static struct {
    aio_task task, killer;
    int body_runs;
} MC;
static aio_status mc_main(aio_task *t) {
    AIO_BEGIN(t);
    MC.body_runs++;
    AIO_END(t);
}
static aio_status mc_killer(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_cancel(&MC.task), 1);
    AIO_END(t);
}
static void test_task_main_cancelled_before_it_ran(void) {
    aio_loop loop;
    memset(&MC, 0, sizeof MC);
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&MC.killer, mc_killer), AIO_OK);
    CHECK_EQ(test_run(&loop, &MC.task, mc_main), AIO_ECANCELED);
    CHECK_EQ(MC.body_runs, 0);
    CHECK_EQ(aio_task_result(&MC.killer), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A sleeper driven by aio_step on the virtual clock and on a clock of the
 * program's: a turn with nothing ready wakes what is due (and runs it in
 * the same turn), nothing before its time; and aio_run on a program's clock
 * that moves 1 ms at each read, with no idle hook: it reads the clock until
 * the sleep is due, then runs the sleeper in that turn. */
static struct {
    aio_task task;
    aio_time fake_now, tick;
    int woke;
} SC;
static aio_time sc_clock(void *ctx) {
    aio_time now = SC.fake_now;
    SC.fake_now += SC.tick;
    (void)ctx;
    return now;
}
static aio_status sc_sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    SC.woke = 1;
    AIO_END(t);
}
static void stepped_sleeper(int virtual_clock) {
    static aio_timer timers[4];
    aio_loop loop;
    memset(&SC, 0, sizeof SC);
    SC.fake_now = AIO_SEC(2);
    aio_loop_init(&loop, timers, 4);
    if (virtual_clock)
        aio_loop_use_virtual_clock(&loop, AIO_SEC(2));
    else
        aio_loop_set_clock(&loop, sc_clock, NULL);
    CHECK_EQ(aio_spawn(&SC.task, sc_sleeper), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1); /* (it sleeps) */
    CHECK_EQ(aio_step(&loop), 0); /* (an empty turn: nothing due) */
    CHECK_EQ(SC.woke, 0);
    if (virtual_clock)
        aio_virtual_advance(&loop, AIO_MS(10));
    else
        SC.fake_now += AIO_MS(10);
    CHECK_EQ(aio_step(&loop), 1); /* (an empty turn: due, woken and run) */
    CHECK_EQ(SC.woke, 1);
    CHECK_EQ(aio_task_result(&SC.task), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
static void test_task_stepped_sleeper_on_each_clock(void) {
    static aio_timer timers[4];
    aio_loop loop;
    stepped_sleeper(1);
    stepped_sleeper(0);
    memset(&SC, 0, sizeof SC);
    SC.fake_now = AIO_SEC(2);
    SC.tick = AIO_MS(1);
    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, sc_clock, NULL);
    CHECK_EQ(aio_run(&loop, &SC.task, sc_sleeper), AIO_OK);
    CHECK_EQ(SC.woke, 1);
    CHECK(aio_loop_now(&loop) >= AIO_SEC(2) + AIO_MS(10)); /* (never early) */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_task_stepped_sleeper_on_each_clock),
    TEST_ENTRY(test_task_turns_back_to_back_on_each_clock),
    TEST_ENTRY(test_task_turn_back_to_back_ends_with_a_timer_due),
    TEST_ENTRY(test_task_instruments_set_or_cleared_in_a_step),
    TEST_ENTRY(test_task_yield_slow_way_goes_on_in_the_same_step),
    TEST_ENTRY(test_task_yield_slow_way_goes_on_in_the_same_step_told),
    TEST_ENTRY(test_task_clock_set_in_a_step_then_turns_back_to_back),
    TEST_ENTRY(test_task_main_cancelled_before_it_ran),
    TEST_ENTRY(test_tasks_run_cancels_leftovers_and_waits_for_cleanup),
    TEST_ENTRY(test_tasks_run_waits_for_tasks_spawned_by_cleanup),
    TEST_ENTRY(test_tasks_run_leftover_that_cannot_finish),
    TEST_ENTRY(test_task_cancel_live_returns_one),
    TEST_ENTRY(test_task_cancel_done_returns_zero),
    TEST_ENTRY(test_task_cancel_never_spawned_einval),
    TEST_ENTRY(test_task_cancel_sleeping_delivered_at_exact_time),
    TEST_ENTRY(test_task_cancel_before_first_run),
    TEST_ENTRY(test_task_cancel_before_first_run_outside),
    TEST_ENTRY(test_task_repeated_cancel_single_delivery),
    TEST_ENTRY(test_task_cancel_during_cleanup_cuts_sleep),
    TEST_ENTRY(test_task_self_cancel_then_return),
    TEST_ENTRY(test_task_self_cancel_fall_off_end),
    TEST_ENTRY(test_task_self_cancel_then_yield_unwinds),
    TEST_ENTRY(test_task_cancel_while_raising_joins_delivery),
    TEST_ENTRY(test_task_cancel_while_callee_raising_joins_delivery),
    TEST_ENTRY(test_task_cancel_meets_due_deadline_one_delivery),
    TEST_ENTRY(test_task_cancel_pending_flag),
    TEST_ENTRY(test_task_cleanup_awaits_seed),
    TEST_ENTRY(test_task_swallow_in_finally),
    TEST_ENTRY(test_task_cancelled_body_never_resumes),
    TEST_ENTRY(test_task_wait_for_child_sleep_ends_at_deadline),
    TEST_ENTRY(test_task_wait_for_deadline_first_cancels_child),
    TEST_ENTRY(test_task_external_cancel_reaches_owned_child_first),
    TEST_ENTRY(test_task_await_result_beats_external_cancel_child_first),
    TEST_ENTRY(test_task_wait_for_owned_timeout_waits_cleanup),
    TEST_ENTRY(test_task_wait_for_zero_not_started),
    TEST_ENTRY(test_task_wait_for_zero_done_child),
    TEST_ENTRY(test_task_wait_for_child_ignores_cancel),
    TEST_ENTRY(test_task_wait_for_child_raises_in_cleanup),
    TEST_ENTRY(test_task_wait_for_caller_cancelled),
    TEST_ENTRY(test_task_wait_for_second_cancel_reaches_child_cleanup),
    TEST_ENTRY(test_task_await_owned_caller_cancelled),
    TEST_ENTRY(test_task_wait_for_caller_cancelled_child_swallows),
    TEST_ENTRY(test_task_wait_for_timeout_then_external_cancel),
    TEST_ENTRY(test_task_wait_for_child_finishes_first),
    TEST_ENTRY(test_task_await_owned_arriving_cancelled),
    TEST_ENTRY(test_task_wait_for_not_owned_timeout),
    TEST_ENTRY(test_task_await_not_owned_caller_cancelled),
    TEST_ENTRY(test_task_shared_waiters_one_cancelled),
    TEST_ENTRY(test_task_await_not_owned_arriving_cancelled),
    TEST_ENTRY(test_task_await_child_cancelled_by_third_party),
    TEST_ENTRY(test_task_await_self_einval),
    TEST_ENTRY(test_task_await_never_spawned_einval),
    TEST_ENTRY(test_task_status_flags),
    TEST_ENTRY(test_task_outside_spawn_not_owned_timeout),
    TEST_ENTRY(test_task_outside_spawn_not_cancelled_with_waiter),
    TEST_ENTRY(test_task_respawned_before_its_waiter_resumed),
};

void register_tasks_tests(void) { test_register(cases, TEST_COUNT(cases)); }
