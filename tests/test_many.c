/* SPDX-License-Identifier: MIT */
/* Unit tests: waiting on many tasks (AIO_WAIT, AIO_GATHER, AIO_GATHER_ALL),
 * shields (AIO_SHIELD, AIO_WAIT_FOR_SHIELD, AIO_SHIELDED blocks) and several
 * waiters of one shared task.
 *
 * Every test runs on the virtual clock and asserts exact times (ms since the
 * test started) and statuses worked out by hand from the rules R54-R73 and
 * L3, L4, L8, L9 (R: CPython's behaviours, tests/conformance/RULES.md;
 * L: the library's rules, docs/behaviour.md "Differences from asyncio"). */
#include "workers.h"
#include <limits.h>

/* ------------------------------------------------------------------ state */

/* A controlling task (the main task, a waiter, a gatherer, a shielder). */
typedef struct {
    aio_task task;
    aio_wait_item it[5];
    aio_wait_item *items; /* for the argument-error checkers */
    size_t n;
    int mode;
    aio_time d;
    aio_task *other;      /* a shared task this waiter awaits */
    aio_timeout to, sc;
    aio_group g;
    aio_status lv, lv2, lv3, lv4, lv5;
    int r1, r2, r3, r4, r5, reached, fin, x4;
    long long t1, t2, t3, t4, t5, fin_at;
    aio_status fin_status;
    aio_time e1, e2, e3, e4, e5;
} mn;

static wk A, B, C, D, Q, Y;
static cx K;
static mn M, W, W2, W3, X, X2, E[8];

static void reset(void) {
    memset(&A, 0, sizeof A);
    memset(&B, 0, sizeof B);
    memset(&C, 0, sizeof C);
    memset(&D, 0, sizeof D);
    memset(&Q, 0, sizeof Q);
    memset(&Y, 0, sizeof Y);
    memset(&K, 0, sizeof K);
    memset(&M, 0, sizeof M);
    memset(&W, 0, sizeof W);
    memset(&W2, 0, sizeof W2);
    memset(&W3, 0, sizeof W3);
    memset(&X, 0, sizeof X);
    memset(&X2, 0, sizeof X2);
    memset(E, 0, sizeof E);
}

/* =================================================================== wait */

/* R57: FIRST_COMPLETED returns as soon as one task is done (lv = 1 at 100 ms);
 * the others keep running and a second wait collects them all. */
static aio_status m_wait_first_completed(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 300, 1);
    start_worker(&B, "B", 100, 2);
    start_worker(&C, "C", 200, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_WAIT(t, s->lv, s->it, 3, AIO_FIRST_COMPLETED, AIO_NEVER);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task);
    s->r2 = aio_task_done(&B.task);
    s->r3 = aio_task_done(&C.task);
    AIO_WAIT(t, s->lv2, s->it, 3, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_wait_first_completed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_first_completed), AIO_OK);
    CHECK_EQ(M.lv, 1);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(M.r3, 0);
    CHECK_EQ(M.lv2, 3);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(aio_task_result(&C.task), 3);
    CHECK_STR(test_trace, "B@100 C@200 A@300 ");
    END_TEST();
}

/* R57: a cancellation counts as done for FIRST_COMPLETED: B cancelled by a
 * third party at 150 ms ends the wait at 150 ms; A is left running. */
static aio_status m_wait_first_completed_cancel(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 1000, 1);
    start_worker(&B, "B", 1000, 2);
    start_canceller(&K, &B.task, 150);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_FIRST_COMPLETED, AIO_NEVER);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task);
    s->r2 = aio_task_cancelled(&B.task);
    AIO_WAIT(t, s->lv2, s->it, 2, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t2 = T_MS();
    AIO_AWAIT(t, s->lv3, &K.task);
    AIO_END(t);
}

static void test_many_wait_first_completed_counts_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_first_completed_cancel), AIO_OK);
    CHECK_EQ(K.cancelled, 1);
    CHECK_EQ(K.at, 150);
    CHECK_EQ(M.lv, 1);
    CHECK_EQ(M.t1, 150);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(B.fin_status, AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 150);
    CHECK_EQ(M.lv2, 2);
    CHECK_EQ(M.t2, 1000);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(A.fin_status, 1);
    CHECK_STR(test_trace, "A@1000 ");
    END_TEST();
}

/* R58: FIRST_EXCEPTION returns when a task fails (B at 200 ms, lv = 2 done);
 * C is not done and not cancelled. */
static aio_status m_wait_first_exception(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    start_worker(&B, "B", 200, AIO_EUSER);
    start_worker(&C, "C", 300, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_WAIT(t, s->lv, s->it, 3, AIO_FIRST_EXCEPTION, AIO_NEVER);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&C.task);
    AIO_AWAIT(t, s->lv2, &C.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_wait_first_exception(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_first_exception), AIO_OK);
    CHECK_EQ(M.lv, 2);
    CHECK_EQ(M.t1, 200);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER);
    CHECK_EQ(M.lv2, 3);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(C.fin_status, 3);
    END_TEST();
}

/* R58: a cancelled task is not an exception: A cancelled at 100 ms does not end
 * FIRST_EXCEPTION; it ends when everything is done (B at 200 ms). */
static aio_status m_wait_first_exception_cancel(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 1000, 1);
    start_worker(&B, "B", 200, 2);
    start_canceller(&K, &A.task, 100);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_FIRST_EXCEPTION, AIO_NEVER);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &K.task);
    AIO_END(t);
}

static void test_many_wait_first_exception_cancel_is_not_error(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_first_exception_cancel), AIO_OK);
    CHECK_EQ(M.lv, 2);
    CHECK_EQ(M.t1, 200);
    CHECK_EQ(A.fin_at, 100);
    CHECK(aio_task_cancelled(&A.task));
    CHECK_EQ(aio_task_result(&B.task), 2);
    END_TEST();
}

/* R58: cancelled A (100 ms) does not count, failing B (250 ms) does: lv = 2 at
 * 250 ms, C (400 ms) still running. */
static aio_status m_wait_first_exception_after_cancel(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 1000, 1);
    start_worker(&B, "B", 250, AIO_EUSER - 1);
    start_worker(&C, "C", 400, 3);
    start_canceller(&K, &A.task, 100);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_WAIT(t, s->lv, s->it, 3, AIO_FIRST_EXCEPTION, AIO_NEVER);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&C.task);
    AIO_AWAIT(t, s->lv2, &C.task);
    s->t2 = T_MS();
    AIO_AWAIT(t, s->lv3, &K.task);
    AIO_END(t);
}

static void test_many_wait_first_exception_after_cancel(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_first_exception_after_cancel), AIO_OK);
    CHECK_EQ(M.lv, 2);
    CHECK_EQ(M.t1, 250);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER - 1);
    CHECK_EQ(M.lv2, 3);
    CHECK_EQ(M.t2, 400);
    END_TEST();
}

/* R58: with no failure FIRST_EXCEPTION waits for all (lv = 2 at 300 ms). */
static aio_status m_wait_first_exception_all_ok(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    start_worker(&B, "B", 300, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_FIRST_EXCEPTION, AIO_NEVER);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_wait_first_exception_all_succeed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_first_exception_all_ok), AIO_OK);
    CHECK_EQ(M.lv, 2);
    CHECK_EQ(M.t1, 300);
    CHECK_STR(test_trace, "A@100 B@300 ");
    END_TEST();
}

/* R58: a task that already failed satisfies FIRST_EXCEPTION on arrival; the
 * wait still suspends once, as asyncio's does (the ready task Y runs first),
 * and returns in the same instant. */
static aio_status m_wait_already_failed(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    Q.ret = AIO_EUSER;
    start_worker(&A, "A", 1000, 1);
    aio_spawn(&Q.task, quick);
    AIO_SLEEP(t, AIO_MS(100));
    aio_spawn(&Y.task, quick);
    WAIT_ITEMS(s->it, &A.task, &Q.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_FIRST_EXCEPTION, AIO_NEVER);
    s->t1 = T_MS();
    s->r1 = Y.body;
    AIO_AWAIT(t, s->lv2, &A.task);
    AIO_AWAIT(t, s->lv3, &Y.task);
    AIO_END(t);
}

static void test_many_wait_already_failed_suspends_once(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_already_failed), AIO_OK);
    CHECK_EQ(M.lv, 1);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(Q.start_at, 0);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(A.fin_status, 1);
    CHECK_EQ(Y.body, 1);
    END_TEST();
}

/* Already satisfied on arrival: FIRST_COMPLETED and ALL_COMPLETED suspend
 * once (asyncio's wait always awaits its waiter), so the ready task Y runs
 * before the first returns; they return the count in the same instant. */
static aio_status m_wait_satisfied(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    Q.ret = 4;
    aio_spawn(&Q.task, quick);
    start_worker(&A, "A", 500, 1);
    AIO_YIELD(t); /* Q finishes */
    aio_spawn(&Y.task, quick);
    WAIT_ITEMS(s->it, &A.task, &Q.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_FIRST_COMPLETED, AIO_NEVER);
    s->r1 = Y.body;
    s->t1 = T_MS();
    AIO_WAIT(t, s->lv2, s->it + 1, 1, AIO_ALL_COMPLETED, AIO_SEC(1));
    s->r2 = Y.body;
    AIO_WAIT(t, s->lv3, s->it, 2, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t3 = T_MS();
    s->r3 = Y.body;
    AIO_END(t);
}

static void test_many_wait_satisfied_on_arrival(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_satisfied), AIO_OK);
    CHECK_EQ(M.lv, 1);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(M.lv3, 2);
    CHECK_EQ(M.t3, 500);
    CHECK_EQ(M.r3, 1);
    END_TEST();
}

/* R59: ALL_COMPLETED with failing and cancelled tasks does not raise: lv = 3
 * at 300 ms and every status stays in its task. */
static aio_status m_wait_all_errors(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, AIO_EUSER);
    start_worker(&B, "B", 1000, 2);
    start_worker(&C, "C", 300, 3);
    start_canceller(&K, &B.task, 200);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_WAIT(t, s->lv, s->it, 3, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t1 = T_MS();
    s->reached = 1;
    AIO_AWAIT(t, s->lv2, &K.task);
    AIO_RETURN(t, 9);
    AIO_END(t);
}

static void test_many_wait_all_completed_keeps_errors(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_all_errors), 9);
    CHECK_EQ(M.lv, 3);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(M.reached, 1);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&C.task), 3);
    CHECK_EQ(B.fin_at, 200);
    END_TEST();
}

/* R56: the timeout ends the wait with the count done (1 at 300 ms) and cancels
 * nothing: B and C finish later with their results; a second wait gets 3. */
static aio_status m_wait_timeout(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    start_worker(&B, "B", 500, 2);
    start_worker(&C, "C", 1000, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_WAIT(t, s->lv, s->it, 3, AIO_ALL_COMPLETED, AIO_MS(300));
    s->t1 = T_MS();
    s->r1 = aio_task_done(&B.task) + aio_task_done(&C.task);
    s->r2 = aio_task_cancel_pending(&B.task) + aio_task_cancel_pending(&C.task);
    AIO_WAIT(t, s->lv2, s->it, 3, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_wait_timeout_returns_count(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_timeout), AIO_OK);
    CHECK_EQ(M.lv, 1);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 3);
    CHECK_EQ(M.t2, 1000);
    CHECK_EQ(B.fin_status, 2);
    CHECK_EQ(C.fin_status, 3);
    CHECK_STR(test_trace, "A@100 B@500 C@1000 ");
    END_TEST();
}

/* R62: timeout 0 with nothing done yet returns after one loop iteration: Q,
 * ready before the wait, has finished by then (lv = 1 at 0 ms); A is left. */
static aio_status m_wait_zero(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    Q.ret = 5;
    start_worker(&A, "A", 1000, 1);
    aio_spawn(&Q.task, quick);
    WAIT_ITEMS(s->it, &A.task, &Q.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_FIRST_COMPLETED, 0);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&Q.task);
    s->r2 = A.body;
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_wait_timeout_zero_one_iteration(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_zero), AIO_OK);
    CHECK_EQ(M.lv, 1);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.t2, 1000);
    CHECK_EQ(A.fin_status, 1);
    END_TEST();
}

/* R56/R62: timeout 0 on a long task: lv = 0 at 0 ms, the task is not
 * cancelled and finishes at 1000 ms. */
static aio_status m_wait_zero_pending(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 1000, 1);
    s->it[0].task = &A.task;
    AIO_WAIT(t, s->lv, s->it, 1, AIO_ALL_COMPLETED, 0);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_wait_timeout_zero_nothing_done(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_zero_pending), AIO_OK);
    CHECK_EQ(M.lv, 0);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.t2, 1000);
    CHECK_EQ(A.fin_status, 1);
    END_TEST();
}

/* Repeated FIRST_COMPLETED on the same item array (as_completed style):
 * counts 1, 2, 3 at 100, 200, 300 ms. */
static aio_status m_wait_repeat(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 300, 1);
    start_worker(&B, "B", 100, 2);
    start_worker(&C, "C", 200, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    s->n = 3;
    while (s->n > 0) {
        AIO_WAIT(t, s->lv, s->it, s->n, AIO_FIRST_COMPLETED, AIO_NEVER);
        /* keep the pending ones (the item array is free again after a wait) */
        for (s->r1 = 0, s->r2 = 0; s->r1 < (int)s->n; s->r1++)
            if (!aio_task_done(s->it[s->r1].task)) s->it[s->r2++] = s->it[s->r1];
        s->n = (size_t)s->r2;
        trace("%d/%d@%lld ", s->lv, (int)s->n, T_MS());
    }
    AIO_END(t);
}

static void test_many_wait_repeated_first_completed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_repeat), AIO_OK);
    CHECK_STR(test_trace, "B@100 1/2@100 C@200 1/1@200 A@300 1/0@300 ");
    END_TEST();
}

/* R60: cancelling the waiting task unwinds it at once (200 ms) and does not
 * touch the tasks it waited for, even though it spawned them. */
static aio_status w_wait_own(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 1);
    start_worker(&B, "B", 600, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_WAIT(t, s->lv, s->it, 2, AIO_ALL_COMPLETED, AIO_NEVER);
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_wait_cancelled(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_wait_own);
    AIO_SLEEP(t, AIO_MS(200));
    s->r1 = aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    s->r2 = aio_task_done(&A.task) + aio_task_done(&B.task);
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t2 = T_MS();
    AIO_AWAIT(t, s->lv3, &B.task);
    s->t3 = T_MS();
    AIO_END(t);
}

static void test_many_wait_caller_cancelled_tasks_untouched(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_cancelled), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 200);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin, 1);
    CHECK_EQ(W.fin_at, 200);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.t2, 500);
    CHECK_EQ(M.lv3, 2);
    CHECK_EQ(M.t3, 600);
    CHECK_EQ(A.fin_status, 1);
    CHECK_EQ(B.fin_status, 2);
    END_TEST();
}

/* R60: a wait inside an expiring AIO_TIMEOUT: the block ends at 200 ms with
 * AIO_ETIMEDOUT, the tasks keep running. */
static aio_status m_wait_in_timeout(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 1);
    start_worker(&B, "B", 600, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_TIMEOUT(t, &s->to, AIO_MS(200)) {
        AIO_WAIT(t, s->lv, s->it, 2, AIO_ALL_COMPLETED, AIO_NEVER);
        s->reached = 1;
    }
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task) + aio_task_done(&B.task);
    s->r2 = aio_task_cancel_pending(&A.task) + aio_task_cancel_pending(&B.task);
    AIO_WAIT(t, s->lv2, s->it, 2, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_wait_in_expiring_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_in_timeout), AIO_OK);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t1, 200);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_timeout_expired(&M.to), 1);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 2);
    CHECK_EQ(M.t2, 600);
    CHECK_EQ(A.fin_status, 1);
    CHECK_EQ(B.fin_status, 2);
    END_TEST();
}

/* L3: the tasks are already done when the wait begins; a cancellation that
 * arrives while it suspends once (K cancels W then) finds it met: the wait
 * reports them (lv = 1), a gather of done tasks returns at once, and the next
 * checkpoint raises. A cancellation already pending when a wait begins is
 * delivered at that suspension instead, as asyncio's (W2). */
static aio_status w_wait_done_cancelled(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    s->it[0].task = &Q.task;
    start_canceller(&K, t, 0);
    AIO_YIELD(t); /* K sleeps 0 and cancels W while W's wait suspends */
    AIO_WAIT(t, s->lv, s->it, 1, AIO_FIRST_COMPLETED, AIO_NEVER);
    s->r1 = 1;
    AIO_GATHER(t, s->lv2, s->it, 1);
    s->r2 = 1;
    AIO_YIELD(t);
    s->reached = 1;
    AIO_END(t);
}

static aio_status w_wait_cancel_pending(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    s->it[0].task = &Q.task;
    aio_cancel(t);
    s->lv = 99;
    AIO_WAIT(t, s->lv, s->it, 1, AIO_FIRST_COMPLETED, AIO_NEVER);
    s->reached = 1;
    AIO_END(t);
}

static aio_status m_wait_done_cancelled(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    Q.ret = 6;
    aio_spawn(&Q.task, quick);
    AIO_YIELD(t);
    aio_spawn(&W.task, w_wait_done_cancelled);
    aio_spawn(&W2.task, w_wait_cancel_pending);
    AIO_AWAIT(t, s->lv, &W.task);
    AIO_AWAIT(t, s->lv2, &W2.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_wait_done_beats_cancel(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_done_cancelled), AIO_OK);
    CHECK_EQ(K.cancelled, 1);
    CHECK_EQ(W.lv, 1);
    CHECK_EQ(W.r1, 1);
    CHECK_EQ(W.lv2, AIO_OK);
    CHECK_EQ(W.r2, 1);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(W2.lv, 99); /* nothing stored: it raised */
    CHECK_EQ(W2.reached, 0);
    CHECK_EQ(M.lv2, AIO_ECANCELED);
    CHECK_EQ(M.t1, 0);
    END_TEST();
}

/* R61: argument errors raise AIO_EINVAL in the waiting task (no code after
 * the wait runs): empty collection, bad modes, NULL array. */
static aio_status w_bad_wait(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_WAIT(t, s->lv, s->items, s->n, s->mode, s->d);
    s->reached = 1;
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    AIO_END(t);
}

static aio_status m_wait_bad_args(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 100, 1);
    for (s->r1 = 0; s->r1 < 5; s->r1++) {
        E[s->r1].items = E[s->r1].it;
        E[s->r1].it[0].task = &A.task;
        E[s->r1].n = 1;
        E[s->r1].mode = AIO_FIRST_COMPLETED;
        E[s->r1].d = AIO_NEVER;
        E[s->r1].lv = 77;
    }
    E[0].n = 0;                      /* empty */
    E[1].mode = 0;                   /* not a mode */
    E[2].mode = AIO_ALL_COMPLETED + 1;
    E[3].items = NULL;               /* no array */
    E[4].d = AIO_TIME_INVALID;       /* invalid timeout */
    for (s->r1 = 0; s->r1 < 5; s->r1++) aio_spawn(&E[s->r1].task, w_bad_wait);
    for (s->r1 = 0; s->r1 < 5; s->r1++) {
        AIO_AWAIT(t, s->lv, &E[s->r1].task);
        trace("%d ", s->lv);
    }
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &A.task);
    AIO_END(t);
}

static void test_many_wait_argument_errors(void) {
    int i;
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_bad_args), AIO_OK);
    CHECK_STR(test_trace, "-3 -3 -3 -3 -3 ");
    for (i = 0; i < 5; i++) {
        CHECK_EQ(E[i].reached, 0);
        CHECK_EQ(E[i].lv, 77);
        CHECK_EQ(E[i].fin_status, AIO_EINVAL);
    }
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(A.fin_status, 1); /* the valid task was never touched */
    CHECK_DEBUG("no tasks to wait for");
    CHECK_DEBUG("mode");
    CHECK_DEBUG("NULL");
    CHECK_DEBUG("timeout");
    END_TEST();
}

/* R61: a task that was never spawned, a NULL task and the waiting task itself
 * are rejected with AIO_EINVAL, for AIO_WAIT and AIO_GATHER alike. */
static aio_status w_bad_task(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    if (s->mode)
        AIO_WAIT(t, s->lv, s->it, 2, s->mode, AIO_NEVER);
    else
        AIO_GATHER(t, s->lv, s->it, 2);
    s->reached = 1;
    AIO_END(t);
}

static aio_status m_wait_bad_tasks(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 100, 1);
    for (s->r1 = 0; s->r1 < 6; s->r1++) {
        E[s->r1].lv = 77;
        E[s->r1].it[1].task = &A.task;
        E[s->r1].mode = s->r1 < 3 ? AIO_ALL_COMPLETED : 0;
    }
    E[0].it[0].task = &B.task; /* never spawned */
    E[1].it[0].task = NULL;
    E[2].it[0].task = &E[2].task; /* the waiting task itself */
    E[3].it[0].task = &B.task;
    E[4].it[0].task = NULL;
    E[5].it[0].task = &E[5].task;
    for (s->r1 = 0; s->r1 < 6; s->r1++) aio_spawn(&E[s->r1].task, w_bad_task);
    for (s->r1 = 0; s->r1 < 6; s->r1++) {
        AIO_AWAIT(t, s->lv, &E[s->r1].task);
        trace("%d ", s->lv);
    }
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &A.task);
    AIO_END(t);
}

static void test_many_wait_gather_bad_tasks(void) {
    int i;
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_bad_tasks), AIO_OK);
    CHECK_STR(test_trace, "-3 -3 -3 -3 -3 -3 ");
    for (i = 0; i < 6; i++) {
        CHECK_EQ(E[i].reached, 0);
        CHECK_EQ(E[i].lv, 77);
    }
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(A.fin_status, 1);
    CHECK_DEBUG("never spawned");
    CHECK_DEBUG("cannot wait for itself");
    END_TEST();
}

/* ================================================================= gather */

/* Gather of three successes: AIO_OK when the last is done (300 ms); the
 * results in each task. */
static aio_status m_gather_ok(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    start_worker(&B, "B", 300, 2);
    start_worker(&C, "C", 200, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    s->lv = 77;
    AIO_GATHER(t, s->lv, s->it, 3);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_all_succeed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_ok), AIO_OK);
    CHECK_EQ(M.lv, AIO_OK);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(aio_task_result(&C.task), 3);
    CHECK_STR(test_trace, "A@100 C@200 B@300 ");
    END_TEST();
}

/* R63: gather of nothing is AIO_OK at once, without suspending (even with a
 * NULL array), for AIO_GATHER and AIO_GATHER_ALL. */
static aio_status m_gather_empty(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&Y.task, quick);
    s->lv = 77;
    s->lv2 = 77;
    AIO_GATHER(t, s->lv, s->it, 0);
    s->r1 = Y.body;
    AIO_GATHER_ALL(t, s->lv2, (aio_wait_item *)NULL, 0);
    s->r2 = Y.body;
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv3, &Y.task);
    AIO_END(t);
}

static void test_many_gather_empty(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_empty), AIO_OK);
    CHECK_EQ(M.lv, AIO_OK);
    CHECK_EQ(M.lv2, AIO_OK);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(Y.body, 1);
    END_TEST();
}

/* R64: the first failure ends the gather at once (A's error at 100 ms); the
 * other tasks are not cancelled and finish with their own statuses. */
static aio_status m_gather_fail(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, AIO_EUSER);
    start_worker(&B, "B", 200, AIO_EUSER - 1);
    start_worker(&C, "C", 300, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_GATHER(t, s->lv, s->it, 3);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&B.task) + aio_task_done(&C.task);
    s->r2 = aio_task_cancel_pending(&B.task) + aio_task_cancel_pending(&C.task);
    AIO_AWAIT(t, s->lv2, &B.task);
    s->t2 = T_MS();
    AIO_AWAIT(t, s->lv3, &C.task);
    s->t3 = T_MS();
    AIO_END(t);
}

static void test_many_gather_first_failure_others_run(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_fail), AIO_OK);
    CHECK_EQ(M.lv, AIO_EUSER);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, AIO_EUSER - 1);
    CHECK_EQ(M.t2, 200);
    CHECK_EQ(M.lv3, 3);
    CHECK_EQ(M.t3, 300);
    CHECK_EQ(B.fin_status, AIO_EUSER - 1);
    CHECK_EQ(C.fin_status, 3);
    END_TEST();
}

/* R64: tasks that had already failed when the gather began are seen in
 * argument order, as asyncio's done-callbacks see them: item 0 failed at
 * 200 ms, item 1 at 100 ms; a gather at 300 ms reports item 0's error at once.
 * (Failures during the gather count in finishing order: the tests below.) */
static aio_status m_gather_finish_order(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 200, AIO_EUSER - 1);
    start_worker(&B, "B", 100, AIO_EUSER);
    AIO_SLEEP(t, AIO_MS(300));
    aio_spawn(&Y.task, quick);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    s->r1 = Y.body;
    AIO_AWAIT(t, s->lv2, &Y.task);
    AIO_END(t);
}

static void test_many_gather_already_failed_in_argument_order(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_finish_order), AIO_OK);
    CHECK_EQ(M.lv, AIO_EUSER - 1);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(M.r1, 0);
    CHECK_STR(test_trace, "B@100 A@200 ");
    END_TEST();
}

/* Two failures in the same loop iteration (both at 100 ms): A, armed first,
 * finishes first, so its error is reported although it is item 1. */
static aio_status m_gather_same_instant(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, AIO_EUSER - 1);
    start_worker(&B, "B", 100, AIO_EUSER);
    WAIT_ITEMS(s->it, &B.task, &A.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_same_instant_failures(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_same_instant), AIO_OK);
    CHECK_EQ(M.lv, AIO_EUSER - 1);
    CHECK_EQ(M.t1, 100);
    CHECK_STR(test_trace, "A@100 B@100 ");
    END_TEST();
}

/* L9 (fixes R67): a task cancelled by a third party makes the gather report
 * AIO_ECHILDCANCELED at 100 ms; the caller is not cancelled (its next sleep
 * completes) and the sibling keeps running. */
static aio_status m_gather_third_party(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 300, 1);
    start_worker(&B, "B", 1000, 2);
    start_canceller(&K, &B.task, 100);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    s->r1 = aio_task_cancel_pending(t);
    s->r2 = aio_task_done(&A.task);
    AIO_SLEEP(t, AIO_MS(100));
    s->t2 = T_MS();
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t3 = T_MS();
    AIO_AWAIT(t, s->lv3, &K.task);
    AIO_RETURN(t, 5);
    AIO_END(t);
}

static void test_many_gather_third_party_cancel(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_third_party), 5);
    CHECK_EQ(M.lv, AIO_ECHILDCANCELED);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.t2, 200);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.t3, 300);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 100);
    END_TEST();
}

/* L9: a task cancelled before it ever ran (its body never runs) is also
 * AIO_ECHILDCANCELED for a gather that was not cancelled itself. */
static aio_status m_gather_cancel_unstarted(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 300, 1);
    start_worker(&B, "B", 100, 2);
    s->r1 = aio_cancel(&B.task);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    AIO_YIELD(t);
    s->reached = 1;
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_gather_child_cancelled_before_start(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_cancel_unstarted), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.lv, AIO_ECHILDCANCELED);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(M.reached, 1);
    CHECK_EQ(B.body, 0);
    CHECK_EQ(B.fin, 0);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.t2, 300);
    END_TEST();
}

/* R65: AIO_GATHER_ALL waits for every task (300 ms), lv = AIO_OK, and each
 * status (value, error, cancellation) stays in its task. */
static aio_status m_gather_all(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    start_worker(&B, "B", 200, AIO_EUSER);
    start_worker(&C, "C", 1000, 3);
    start_worker(&D, "D", 300, 4);
    start_canceller(&K, &C.task, 150);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task, &D.task);
    s->lv = 77;
    AIO_GATHER_ALL(t, s->lv, s->it, 4);
    s->t1 = T_MS();
    s->r1 = aio_task_cancel_pending(t);
    AIO_YIELD(t);
    s->reached = 1;
    AIO_AWAIT(t, s->lv2, &K.task);
    AIO_END(t);
}

static void test_many_gather_all_collects_statuses(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_all), AIO_OK);
    CHECK_EQ(M.lv, AIO_OK);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.reached, 1);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER);
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&D.task), 4);
    CHECK_STR(test_trace, "A@100 B@200 D@300 ");
    END_TEST();
}

/* R66: cancelling the gathering task cancels the tasks it spawned and waits
 * for their cleanup (A: 200 ms, B: 300 ms after the cancel at 100 ms); the
 * gatherer unwinds at 400 ms with AIO_ECANCELED. */
static aio_status w_gather_own(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(200);
    B.cleanup = AIO_MS(300);
    start_worker(&A, "A", 1000, 1);
    start_worker(&B, "B", 1000, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    if (s->mode)
        AIO_GATHER_ALL(t, s->lv, s->it, 2);
    else
        AIO_GATHER(t, s->lv, s->it, 2);
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_gather_cancelled(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_gather_own);
    AIO_SLEEP(t, AIO_MS(100));
    s->r1 = aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_cancelled_waits_for_children_cleanup(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_cancelled), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 400);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 400);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.cleanup_at, 300);
    CHECK_EQ(B.fin_at, 100);
    CHECK_EQ(B.cleanup_at, 400);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    END_TEST();
}

/* R66 (bpo-32684): with AIO_GATHER_ALL, and although both tasks swallow their
 * cancellation and return values, the cancelled gatherer unwinds with
 * AIO_ECANCELED once they are done (400 ms). */
static aio_status m_gather_all_cancelled(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    W.mode = 1;
    A.override = 1;
    A.fin_value = 7;
    B.override = 1;
    B.fin_value = 8;
    aio_spawn(&W.task, w_gather_own);
    AIO_SLEEP(t, AIO_MS(100));
    s->r1 = aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_all_cancelled_raises_even_if_swallowed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_all_cancelled), AIO_OK);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 400);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&A.task), 7);
    CHECK_EQ(aio_task_result(&B.task), 8);
    CHECK_EQ(A.cleanup_at, 300);
    CHECK_EQ(B.cleanup_at, 400);
    CHECK_DEBUG("swallowed its cancellation");
    END_TEST();
}

/* L4: a cancelled gatherer cancels only the tasks it spawned (B: cleanup
 * 100 ms, so it unwinds at 200 ms); A, spawned by the main task, keeps
 * running and returns 1 at 500 ms. */
static aio_status w_gather_mixed(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(100);
    start_worker(&B, "B", 1000, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_gather_mixed(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 1);
    aio_spawn(&W.task, w_gather_mixed);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&W.task);
    /* a bounded wait, so a gatherer that never finishes shows as a failure */
    AIO_WAIT_FOR_SHIELD(t, s->lv, &W.task, AIO_SEC(2));
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t2 = T_MS();
    if (!aio_task_done(&W.task)) {
        aio_cancel(&W.task);
        AIO_WAIT_FOR_SHIELD(t, s->lv3, &W.task, AIO_SEC(1));
    }
    AIO_END(t);
}

static void test_many_gather_cancelled_leaves_not_owned_running(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_mixed), AIO_OK);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 200);
    CHECK_EQ(W.fin_at, 200);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.cleanup_at, 200);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 1);
    CHECK_EQ(M.t2, 500);
    CHECK_EQ(A.fin_status, 1);
    END_TEST();
}

/* R66 + cleanup runs (docs/behaviour.md, "Cancellation unwinds"): a second cancel of the gatherer (150 ms) while
 * its children clean up (cancelled at 100 ms, cleanup 200 / 300 ms) reaches
 * the children as a new request, which cuts their cleanup short; the gatherer
 * still waits for them and unwinds at 150 ms, after both. */
static aio_status m_gather_cancel_twice(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_gather_own);
    AIO_SLEEP(t, AIO_MS(100));
    s->r1 = aio_cancel(&W.task);
    AIO_SLEEP(t, AIO_MS(50));
    s->r2 = aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    s->r3 = aio_task_done(&A.task) + aio_task_done(&B.task);
    AIO_END(t);
}

static void test_many_gather_cancelled_twice_still_waits(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_cancel_twice), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 150);
    CHECK_EQ(M.r3, 2);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 150);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_done, 0);
    CHECK_EQ(B.fin_at, 100);
    CHECK_EQ(B.cleanup_done, 0);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    END_TEST();
}

/* R68: once the gather has returned (first failure at 100 ms), cancelling
 * its caller (150 ms) cancels nothing: B, still running, returns 2 at 500 ms. */
static aio_status w_gather_then_sleep(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, AIO_EUSER);
    start_worker(&B, "B", 500, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    AIO_SLEEP(t, AIO_SEC(1));
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_gather_done_then_cancel(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_gather_then_sleep);
    AIO_SLEEP(t, AIO_MS(150));
    aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&B.task);
    s->r2 = aio_task_cancel_pending(&B.task);
    AIO_AWAIT(t, s->lv2, &B.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_gather_finished_then_caller_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_done_then_cancel), AIO_OK);
    CHECK_EQ(W.lv, AIO_EUSER);
    CHECK_EQ(W.t1, 100);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 150);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 150);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 2);
    CHECK_EQ(M.t2, 500);
    CHECK_EQ(B.fin_status, 2);
    CHECK_STR(test_trace, "A@100 B@500 ");
    END_TEST();
}

/* R66/R6: a gatherer already cancelled when it arrives cancels the tasks it
 * spawned before they ever ran (their bodies never run) and unwinds at 0 ms. */
static aio_status w_gather_cancelled_early(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    start_worker(&B, "B", 200, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    aio_cancel(t);
    AIO_GATHER_ALL(t, s->lv, s->it, 2);
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_gather_cancelled_early(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_gather_cancelled_early);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_cancelled_on_arrival(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_cancelled_early), AIO_OK);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(W.fin_at, 0);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(A.body, 0);
    CHECK_EQ(B.body, 0);
    CHECK_EQ(A.fin, 0);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    END_TEST();
}

/* A gather inside an expiring AIO_TIMEOUT (300 ms): the gatherer's children
 * are cancelled, their cleanup (50 / 100 ms) awaited, then the block ends with
 * AIO_ETIMEDOUT at 400 ms and execution continues after it. */
static aio_status m_gather_in_timeout(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(300)) {
        A.cleanup = AIO_MS(50);
        B.cleanup = AIO_MS(100);
        start_worker(&A, "A", 1000, 1);
        start_worker(&B, "B", 1000, 2);
        WAIT_ITEMS(s->it, &A.task, &B.task);
        AIO_GATHER(t, s->lv, s->it, 2);
        s->reached = 1;
    }
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task) + aio_task_done(&B.task);
    AIO_SLEEP(t, AIO_MS(10));
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_gather_in_expiring_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_in_timeout), AIO_OK);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t1, 400);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_timeout_expired(&M.to), 1);
    CHECK_EQ(M.r1, 2);
    CHECK_EQ(A.fin_at, 300);
    CHECK_EQ(A.cleanup_at, 350);
    CHECK_EQ(B.cleanup_at, 400);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(M.t2, 410);
    END_TEST();
}

/* L6/R19 + R66: a gather inside an AIO_TIMEOUT of 0 fails its first
 * checkpoint: the gatherer's not-yet-started children are cancelled (their
 * bodies never run), awaited, and the block reports AIO_ETIMEDOUT at 0 ms. */
static aio_status m_gather_zero_timeout(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, 0) {
        start_worker(&A, "A", 100, 1);
        start_worker(&B, "B", 200, 2);
        WAIT_ITEMS(s->it, &A.task, &B.task);
        AIO_GATHER(t, s->lv, s->it, 2);
        s->reached = 1;
    }
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_in_zero_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_zero_timeout), AIO_OK);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    CHECK_EQ(A.body, 0);
    CHECK_EQ(B.body, 0);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    END_TEST();
}

/* One global timeout (1 s) over a gather that finishes in time (800 ms):
 * lv = AIO_OK and the timeout never fires. */
static aio_status m_gather_global_ok(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_SEC(1)) {
        start_worker(&A, "A", 200, 1);
        start_worker(&B, "B", 500, 2);
        start_worker(&C, "C", 800, 3);
        WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
        s->lv = 77;
        AIO_GATHER(t, s->lv, s->it, 3);
        s->t1 = T_MS();
    }
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_gather_global_timeout_in_time(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_global_ok), AIO_OK);
    CHECK_EQ(M.lv, AIO_OK);
    CHECK_EQ(M.t1, 800);
    CHECK_EQ(M.t2, 800);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&M.to), 0);
    CHECK_STR(test_trace, "A@200 B@500 C@800 ");
    END_TEST();
}

/* One global timeout (1 s) over a gather whose last task needs 1.5 s: the
 * finished results stay, the late task is cancelled, ETIMEDOUT at 1000 ms. */
static aio_status m_gather_global_late(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_SEC(1)) {
        start_worker(&A, "A", 200, 1);
        start_worker(&B, "B", 500, 2);
        start_worker(&C, "C", 1500, 3);
        WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
        s->lv = 77;
        AIO_GATHER_ALL(t, s->lv, s->it, 3);
        s->reached = 1;
    }
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_gather_global_timeout_expires(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_global_late), AIO_OK);
    CHECK_EQ(M.lv, 77);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t1, 1000);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(C.fin_at, 1000);
    CHECK_STR(test_trace, "A@200 B@500 ");
    END_TEST();
}

/* ================================================================= shield */

/* R69/L8: the shielded caller is cancelled at 100 ms and unwinds at once; the
 * child it spawned keeps running and its result (7 at 500 ms) can be awaited. */
static aio_status w_shield_own(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 7);
    AIO_SHIELD(t, s->lv, &A.task);
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_shield_cancel(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_shield_own);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    AIO_AWAIT(t, s->lv2, &A.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_shield_caller_cancelled_child_runs(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shield_cancel), AIO_OK);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 100);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, 7);
    CHECK_EQ(M.t2, 500);
    CHECK_EQ(A.fin_status, 7);
    END_TEST();
}

/* R69: the same task shields its own child twice: first inside an expiring
 * AIO_TIMEOUT (ETIMEDOUT at 100 ms, child untouched), then again to the end
 * (7 at 500 ms). */
static aio_status m_shield_again(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 7);
    s->lv = 77;
    AIO_TIMEOUT(t, &s->to, AIO_MS(100)) {
        AIO_SHIELD(t, s->lv, &A.task);
        s->reached = 1;
    }
    s->t1 = T_MS();
    s->r1 = aio_task_done(&A.task);
    AIO_SHIELD(t, s->lv2, &A.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_shield_awaited_again(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shield_again), AIO_OK);
    CHECK_EQ(M.lv, 77);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.lv2, 7);
    CHECK_EQ(M.t2, 500);
    CHECK_EQ(A.fin_status, 7);
    CHECK_EQ(A.fin_at, 500);
    END_TEST();
}

/* R54: wait_for(shield(child), 200 ms) on an owned child: ETIMEDOUT at 200 ms,
 * the child is not cancelled and returns 7 at 500 ms; with d = 0 the timeout
 * is reported at once. */
static aio_status m_wait_for_shield(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 7);
    AIO_WAIT_FOR_SHIELD(t, s->lv, &A.task, 0);
    s->t1 = T_MS();
    AIO_WAIT_FOR_SHIELD(t, s->lv2, &A.task, AIO_MS(200));
    s->t2 = T_MS();
    s->r1 = aio_task_done(&A.task);
    s->r2 = aio_task_cancel_pending(&A.task);
    AIO_WAIT_FOR_SHIELD(t, s->lv3, &A.task, AIO_SEC(1));
    s->t3 = T_MS();
    AIO_END(t);
}

static void test_many_wait_for_shield_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_for_shield), AIO_OK);
    CHECK_EQ(M.lv, AIO_ETIMEDOUT);
    CHECK_EQ(M.t1, 0);
    CHECK_EQ(M.lv2, AIO_ETIMEDOUT);
    CHECK_EQ(M.t2, 200);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv3, 7);
    CHECK_EQ(M.t3, 500);
    CHECK_EQ(A.body, 1);
    CHECK_EQ(A.fin_status, 7);
    END_TEST();
}

/* R71: shielding a finished task gives its result or error at once (no
 * suspension); a failure is stored in lv, not raised. */
static aio_status m_shield_done(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    Q.ret = AIO_EUSER - 2;
    aio_spawn(&Q.task, quick);
    start_worker(&A, "A", 50, 3);
    AIO_SLEEP(t, AIO_MS(100));
    aio_spawn(&Y.task, quick);
    AIO_SHIELD(t, s->lv, &Q.task);
    s->r1 = Y.body;
    AIO_WAIT_FOR_SHIELD(t, s->lv2, &A.task, 0);
    s->r2 = Y.body;
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv3, &Y.task);
    AIO_END(t);
}

static void test_many_shield_done_task(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shield_done), AIO_OK);
    CHECK_EQ(M.lv, AIO_EUSER - 2);
    CHECK_EQ(M.r1, 0);
    CHECK_EQ(M.lv2, 3);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.t1, 100);
    END_TEST();
}

/* R70: the shielded child cancelled by someone else: the awaiter gets
 * lv = AIO_ECANCELED (at 100 ms) and is not cancelled itself. */
static aio_status m_shield_inner_cancelled(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 7);
    start_canceller(&K, &A.task, 100);
    AIO_SHIELD(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_SLEEP(t, AIO_MS(50));
    s->t2 = T_MS();
    AIO_AWAIT(t, s->lv2, &K.task);
    AIO_END(t);
}

static void test_many_shield_inner_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shield_inner_cancelled), AIO_OK);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(M.t2, 150);
    CHECK(aio_task_cancelled(&A.task));
    END_TEST();
}

/* R73: shield(gather(a, b)): a task G gathers its own A and B; W shields G and
 * is cancelled at 100 ms: W unwinds at once, G's gather completes (AIO_OK at
 * 300 ms) with both results. */
static aio_status g_gatherer(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 200, 1);
    start_worker(&B, "B", 300, 2);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    s->lv = 77;
    AIO_GATHER(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    AIO_RETURN(t, 12);
    AIO_END(t);
}

static aio_status w_shield_gatherer(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W2.task, g_gatherer);
    AIO_SHIELD(t, s->lv, &W2.task);
    s->reached = 1;
    AIO_FINALLY(t);
    s->fin_at = T_MS();
    AIO_END(t);
}

static aio_status m_shield_gather(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_shield_gatherer);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &W2.task);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_shield_of_gathering_task(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shield_gather), AIO_OK);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 100);
    CHECK_EQ(M.lv2, 12);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(W2.lv, AIO_OK);
    CHECK_EQ(W2.t1, 300);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    END_TEST();
}

/* R73: gather(shield(a), shield(b)): cancelling the gatherer at 100 ms cancels
 * only its two shielding tasks; A and B run on to 200 / 300 ms. */
static aio_status s_shielder(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_SHIELD(t, s->lv, s->other);
    AIO_RETURN(t, s->lv);
    AIO_END(t);
}

static aio_status w_gather_shields(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    X.other = &A.task;
    X2.other = &B.task;
    aio_spawn(&X.task, s_shielder);
    aio_spawn(&X2.task, s_shielder);
    WAIT_ITEMS(s->it, &X.task, &X2.task);
    AIO_GATHER(t, s->lv, s->it, 2);
    s->reached = 1;
    AIO_FINALLY(t);
    s->fin_at = T_MS();
    AIO_END(t);
}

static aio_status m_gather_shields(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 200, 1);
    start_worker(&B, "B", 300, 2);
    aio_spawn(&W.task, w_gather_shields);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_GATHER(t, s->lv2, s->it, 2);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_gather_of_shields_cancelled(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_gather_shields), AIO_OK);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 100);
    CHECK(aio_task_cancelled(&X.task));
    CHECK(aio_task_cancelled(&X2.task));
    CHECK_EQ(M.lv2, AIO_OK);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_STR(test_trace, "A@200 B@300 ");
    END_TEST();
}

/* ======================================================= shielded blocks */

/* A task whose cleanup runs in a shielded block (sleep 300 ms, own deadline
 * `s->d`, AIO_NEVER = none) and then tries one more checkpoint. */
static aio_status shielded_cleanup(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(10));
    s->reached = 1;
    AIO_FINALLY(t);
    s->t1 = T_MS();
    s->fin_status = AIO_STATUS(t);
    if (s->mode) {
        AIO_SHIELDED(t, &s->sc, s->d) {
            AIO_SLEEP(t, AIO_MS(300));
            s->t2 = T_MS();
        }
    } else {
        AIO_SLEEP(t, AIO_MS(300));
        s->t2 = T_MS();
    }
    s->t3 = T_MS();
    s->r1 = aio_task_cancel_pending(t);
    AIO_SLEEP(t, AIO_MS(50));
    s->t4 = T_MS();
    AIO_END(t);
}

static aio_status m_shielded_cleanup(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, shielded_cleanup);
    AIO_SLEEP(t, AIO_MS(100));
    s->r1 = aio_cancel(&W.task);
    AIO_SLEEP(t, AIO_MS(100));
    s->r2 = aio_cancel(&W.task); /* a new cancel during the cleanup */
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

/* Cleanup in AIO_FINALLY inside AIO_SHIELDED is not interrupted by a second
 * cancel (200 ms): it completes at 400 ms; the held-back request is then
 * delivered at the next checkpoint and the task ends AIO_ECANCELED at 400 ms. */
static void test_many_shielded_cleanup_not_interrupted(void) {
    BEGIN_TEST();
    W.mode = 1;
    W.d = AIO_NEVER;
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_cleanup), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.t1, 100);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(W.t2, 400);
    CHECK_EQ(W.t3, 400);
    CHECK_EQ(W.r1, 1);
    CHECK_EQ(W.t4, 0);
    CHECK_EQ(aio_timeout_status(&W.sc), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&W.sc), 0);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 400);
    END_TEST();
}

/* Control: the same cleanup without the shielded block is cut short by the
 * second cancel at 200 ms. */
static void test_many_unshielded_cleanup_interrupted(void) {
    BEGIN_TEST();
    W.mode = 0;
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_cleanup), AIO_OK);
    CHECK_EQ(W.t1, 100);
    CHECK_EQ(W.t2, 0);
    CHECK_EQ(W.t3, 0);
    CHECK_EQ(W.t4, 0);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 200);
    END_TEST();
}

/* A shielded cleanup block with its own deadline (150 ms) ends with
 * AIO_ETIMEDOUT at 250 ms even though the second cancel came at 200 ms; the
 * task then ends AIO_ECANCELED at 250 ms. */
static void test_many_shielded_cleanup_own_timeout(void) {
    BEGIN_TEST();
    W.mode = 1;
    W.d = AIO_MS(150);
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_cleanup), AIO_OK);
    CHECK_EQ(W.t1, 100);
    CHECK_EQ(W.t2, 0);
    CHECK_EQ(W.t3, 250);
    CHECK_EQ(aio_timeout_status(&W.sc), AIO_ETIMEDOUT);
    CHECK_EQ(aio_timeout_expired(&W.sc), 1);
    CHECK_EQ(W.r1, 1);
    CHECK_EQ(W.t4, 0);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 250);
    END_TEST();
}

/* A task cancel that arrives during a shielded block in the body (100 ms) is
 * held back: the block's sleep ends at 500 ms, the request is still pending,
 * and the next checkpoint after the block raises (task ends at 500 ms). */
static aio_status w_shielded_body(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
        AIO_SLEEP(t, AIO_MS(500));
        s->t1 = T_MS();
        s->r1 = aio_task_cancel_pending(t);
        AIO_YIELD(t);
        s->t2 = T_MS();
    }
    s->t3 = T_MS();
    AIO_SLEEP(t, AIO_MS(100));
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_shielded_body(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_shielded_body);
    AIO_SLEEP(t, AIO_MS(100));
    s->r1 = aio_cancel(&W.task);
    AIO_SLEEP(t, AIO_MS(100));
    s->r2 = aio_task_cancel_pending(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_shielded_block_holds_task_cancel(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_body), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(W.t1, 500);
    CHECK_EQ(W.r1, 1);
    CHECK_EQ(W.t2, 500);
    CHECK_EQ(W.t3, 500);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 500);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 500);
    END_TEST();
}

/* An outer deadline (100 ms) is not seen inside a shielded block: its sleep
 * ends at 300 ms; the first checkpoint after it raises and the outer block
 * reports AIO_ETIMEDOUT at 300 ms. */
static aio_status m_shielded_outer_deadline(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(100)) {
        AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
            AIO_SLEEP(t, AIO_MS(300));
            s->t1 = T_MS();
        }
        s->t2 = T_MS();
        AIO_SLEEP(t, AIO_MS(100));
        s->reached = 1;
    }
    s->t3 = T_MS();
    AIO_END(t);
}

static void test_many_shielded_block_ignores_outer_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_outer_deadline), AIO_OK);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t3, 300);
    CHECK_EQ(aio_timeout_status(&M.sc), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&M.sc), 0);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_timeout_expired(&M.to), 1);
    END_TEST();
}

/* The effective deadline inside a shielded block is its own: inside a 100 ms
 * timeout, a shielded block entered at 20 ms with 500 ms reports 520 ms (and
 * 500 ms left; 300 ms left at 220 ms although the outer passed); one with no
 * deadline reports none. The outer block expired at 100 ms behind the shield:
 * after the block its cancellation is due, so the effective deadline is now
 * (220) with nothing left, and the outer block is expired already then. */
static aio_status m_shielded_deadline(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(100)) {
        s->e1 = aio_effective_deadline(NULL);
        AIO_SLEEP(t, AIO_MS(20));
        AIO_SHIELDED(t, &s->sc, AIO_MS(500)) {
            s->e2 = aio_effective_deadline(NULL);
            s->t1 = ms_of(aio_time_left(NULL));
            AIO_SLEEP(t, AIO_MS(200));
            s->e3 = aio_effective_deadline(t);
            s->t2 = ms_of(aio_time_left(t));
        }
        s->e4 = aio_effective_deadline(NULL);
        s->x4 = aio_timeout_expired(&s->to);
        s->t3 = ms_of(aio_time_left(NULL));
        AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
            s->e5 = aio_effective_deadline(NULL);
            s->t4 = ms_of(aio_time_left(NULL));
        }
        AIO_YIELD(t);
        s->reached = 1;
    }
    s->t5 = T_MS();
    AIO_END(t);
}

static void test_many_shielded_effective_deadline_is_own(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_deadline), AIO_OK);
    CHECK_EQ(rel_ms(M.e1), 100);
    CHECK_EQ(rel_ms(M.e2), 520);
    CHECK_EQ(M.t1, 500);
    CHECK_EQ(rel_ms(M.e3), 520);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(rel_ms(M.e4), 220);
    CHECK_EQ(M.t3, 0);
    CHECK_EQ(M.x4, 1);
    CHECK_EQ(rel_ms(M.e5), -1);
    CHECK_EQ(M.t4, -1);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t5, 220);
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
    END_TEST();
}

/* A shielded block's own deadline shorter than the outer one: 50 ms inside a
 * 100 ms timeout fires at 50 ms (AIO_ETIMEDOUT for the shielded block only);
 * a pending task cancel does not change the effective deadline inside it. */
static aio_status w_shielded_short(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(100)) {
        AIO_SHIELDED(t, &s->sc, AIO_MS(50)) {
            aio_cancel(t);
            s->e1 = aio_effective_deadline(NULL);
            AIO_SLEEP(t, AIO_MS(300));
            s->reached = 1;
        }
        s->t1 = T_MS();
        s->e2 = aio_effective_deadline(NULL);
        AIO_YIELD(t);
        s->r1 = 1;
    }
    s->r2 = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_shielded_short(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_shielded_short);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_shielded_own_shorter_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_short), AIO_OK);
    CHECK_EQ(rel_ms(W.e1), 50);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.t1, 50);
    CHECK_EQ(aio_timeout_status(&W.sc), AIO_ETIMEDOUT);
    CHECK_EQ(rel_ms(W.e2), 50); /* the task's cancel is due: "now" */
    CHECK_EQ(W.r1, 0);
    CHECK_EQ(W.r2, 0);
    CHECK_EQ(aio_timeout_status(&W.to), AIO_OK); /* task cancel, not the outer deadline */
    CHECK_EQ(aio_timeout_expired(&W.to), 0);
    CHECK_EQ(W.fin_at, 50);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 50);
    END_TEST();
}

/* An AIO_TIMEOUT nested inside a shielded block works while the task's own
 * cancellation (50 ms) is held back: the inner block times out at 200 ms, the
 * cancel is delivered right after the shielded block. */
static aio_status w_timeout_in_shielded(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
        AIO_TIMEOUT(t, &s->to, AIO_MS(200)) {
            AIO_SLEEP(t, AIO_SEC(1));
            s->reached = 1;
        }
        s->t1 = T_MS();
    }
    s->t2 = T_MS();
    AIO_SLEEP(t, AIO_MS(10));
    s->r1 = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_timeout_in_shielded(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W.task, w_timeout_in_shielded);
    AIO_SLEEP(t, AIO_MS(50));
    aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &W.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_timeout_inside_shielded_block(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_timeout_in_shielded), AIO_OK);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.t1, 200);
    CHECK_EQ(aio_timeout_status(&W.to), AIO_ETIMEDOUT);
    CHECK_EQ(W.t2, 200);
    CHECK_EQ(W.r1, 0);
    CHECK_EQ(W.fin_at, 200);
    CHECK_EQ(W.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 200);
    END_TEST();
}

/* A group abort (child fails at 100 ms) is held back from a shielded block
 * in the group's body: its sleep ends at 300 ms; the next checkpoint after
 * it raises, the block ends at 300 ms with the child's error as status. */
static aio_status m_shielded_in_group(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    setw(&A, "A", 100, AIO_EUSER);
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &A.task, worker);
        AIO_SHIELDED(t, &s->sc, AIO_NEVER) {
            AIO_SLEEP(t, AIO_MS(300));
            s->t1 = T_MS();
        }
        s->t2 = T_MS();
        AIO_SLEEP(t, AIO_MS(100));
        s->reached = 1;
    }
    s->t3 = T_MS();
    AIO_END(t);
}

static void test_many_shielded_block_holds_group_abort(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shielded_in_group), AIO_OK);
    CHECK_EQ(M.t1, 300);
    CHECK_EQ(M.t2, 300);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.t3, 300);
    CHECK_EQ(aio_group_status(&M.g), AIO_EUSER);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER);
    END_TEST();
}

/* ====================================================== shared waiters (L4) */

/* A waiter of a shared task: AIO_WAIT_FOR(other, d) (AIO_NEVER = AIO_AWAIT). */
static aio_status waiter(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    s->lv = 77;
    AIO_WAIT_FOR(t, s->lv, s->other, s->d);
    s->t1 = T_MS();
    trace("%s=%d@%lld ", s == &W ? "W" : s == &W2 ? "W2" : "W3", s->lv, s->t1);
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* L4: three tasks await A (spawned by the main task); cancelling one of them
 * (100 ms) detaches it only: A is not cancelled and the other two get 5 at
 * 500 ms, woken in the order they started waiting. */
static aio_status m_shared(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 5);
    W.other = W2.other = W3.other = &A.task;
    W.d = W2.d = W3.d = AIO_NEVER;
    aio_spawn(&W.task, waiter);
    aio_spawn(&W2.task, waiter);
    aio_spawn(&W3.task, waiter);
    AIO_SLEEP(t, AIO_MS(100));
    s->r1 = aio_cancel(&W2.task);
    AIO_AWAIT(t, s->lv, &W2.task);
    s->t1 = T_MS();
    s->r2 = aio_task_cancel_pending(&A.task);
    WAIT_ITEMS(s->it, &W.task, &W3.task, &A.task);
    AIO_GATHER(t, s->lv2, s->it, 3);
    s->t2 = T_MS();
    AIO_END(t);
}

static void test_many_shared_task_cancel_one_waiter(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shared), AIO_OK);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.lv, AIO_ECANCELED);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(W2.lv, 77);
    CHECK_EQ(W2.fin_at, 100);
    CHECK_EQ(M.r2, 0);
    CHECK_EQ(M.lv2, AIO_OK);
    CHECK_EQ(M.t2, 500);
    CHECK_EQ(W.lv, 5);
    CHECK_EQ(W3.lv, 5);
    CHECK_EQ(A.fin_status, 5);
    CHECK_STR(test_trace, "A@500 W=5@500 W3=5@500 ");
    END_TEST();
}

/* L4: a waiter's timeout on a shared task it did not spawn detaches at once
 * (ETIMEDOUT at 200 ms); the others still get 5 at 500 ms. */
static aio_status m_shared_timeout(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 500, 5);
    W.other = W2.other = &A.task;
    W.d = AIO_MS(200);
    W2.d = AIO_NEVER;
    aio_spawn(&W.task, waiter);
    aio_spawn(&W2.task, waiter);
    WAIT_ITEMS(s->it, &W.task, &W2.task);
    AIO_GATHER_ALL(t, s->lv, s->it, 2);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_shared_task_waiter_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shared_timeout), AIO_OK);
    CHECK_EQ(W.lv, AIO_ETIMEDOUT);
    CHECK_EQ(W.t1, 200);
    CHECK_EQ(W2.lv, 5);
    CHECK_EQ(W2.t1, 500);
    CHECK_EQ(A.fin_status, 5);
    CHECK_EQ(M.lv, AIO_OK);
    CHECK_EQ(M.t1, 500);
    CHECK_STR(test_trace, "W=-2@200 A@500 W2=5@500 ");
    END_TEST();
}

/* L4 exception: the waiter that spawned the shared task owns it: cancelling
 * it (100 ms) cancels A, waits for its 100 ms cleanup, and every other waiter
 * sees AIO_ECANCELED at 200 ms. */
static aio_status w_owner(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(100);
    start_worker(&A, "A", 500, 5);
    AIO_AWAIT(t, s->lv, &A.task);
    s->reached = 1;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

static aio_status m_shared_owner(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    aio_spawn(&W3.task, w_owner);
    AIO_YIELD(t); /* A exists now */
    W.other = W2.other = &A.task;
    W.d = W2.d = AIO_NEVER;
    aio_spawn(&W.task, waiter);
    aio_spawn(&W2.task, waiter);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&W3.task);
    WAIT_ITEMS(s->it, &W.task, &W2.task, &W3.task);
    AIO_GATHER_ALL(t, s->lv, s->it, 3);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_many_shared_task_owner_cancel_reaches_all(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shared_owner), AIO_OK);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 200);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(W3.reached, 0);
    CHECK_EQ(W3.fin_at, 200);
    CHECK_EQ(W3.fin_status, AIO_ECANCELED);
    CHECK_EQ(W.lv, AIO_ECANCELED);
    CHECK_EQ(W.t1, 200);
    CHECK_EQ(W2.lv, AIO_ECANCELED);
    CHECK_EQ(W2.t1, 200);
    CHECK_EQ(M.t1, 200);
    END_TEST();
}

/* L4: one shared task watched by an AIO_AWAIT, an AIO_WAIT and an AIO_GATHER
 * at the same time; cancelling the gatherer (not the owner) at 100 ms leaves
 * A running; the other two get it at 400 ms. */
static aio_status w_gather_shared(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    s->it[0].task = &A.task;
    AIO_GATHER(t, s->lv, s->it, 1);
    s->reached = 1;
    AIO_FINALLY(t);
    s->fin_at = T_MS();
    AIO_END(t);
}

static aio_status w_wait_shared(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    s->it[0].task = &A.task;
    AIO_WAIT(t, s->lv, s->it, 1, AIO_ALL_COMPLETED, AIO_NEVER);
    s->t1 = T_MS();
    AIO_END(t);
}

static aio_status m_shared_mixed(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 400, 5);
    aio_spawn(&W.task, w_gather_shared);
    aio_spawn(&W2.task, w_wait_shared);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&W.task);
    AIO_AWAIT(t, s->lv, &A.task);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &W.task);
    AIO_AWAIT(t, s->lv3, &W2.task);
    s->t3 = T_MS();
    AIO_END(t);
}

static void test_many_shared_task_mixed_waiters(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_shared_mixed), AIO_OK);
    CHECK_EQ(W.reached, 0);
    CHECK_EQ(W.fin_at, 100);
    CHECK_EQ(M.lv2, AIO_ECANCELED);
    CHECK_EQ(M.lv, 5);
    CHECK_EQ(M.t1, 400);
    CHECK_EQ(W2.lv, 1);
    CHECK_EQ(W2.t1, 400);
    CHECK_EQ(M.lv3, AIO_OK);
    CHECK_EQ(M.t3, 400);
    CHECK_EQ(A.fin_status, 5);
    END_TEST();
}

/* ------------------------------------------------------------ registration */


/* ------------------------------------------ a cancellation already pending */

static aio_status waits_cancelled_already(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, "A", 100, 1);
    s->r1 = aio_cancel(t); /* pending when the wait begins */
    s->it[0].task = &A.task;
    s->lv = 77;
    AIO_WAIT(t, s->lv, s->it, 1, AIO_ALL_COMPLETED, AIO_NEVER);
    s->reached = 1;
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    s->fin_at = T_MS();
    s->r2 = A.body; /* A ran in the turn the wait gave up */
    s->r3 = aio_task_alive(&A.task) && !aio_task_cancel_pending(&A.task);
    AIO_END(t);
}

/* AIO_WAIT entered with a cancellation pending suspends once (the tasks
 * ready meanwhile run: A starts), then raises AIO_ECANCELED: the value is not
 * stored, and the task it waited for is not cancelled (wait never cancels;
 * aio_run cancels it when main has ended, as asyncio.run does). */
static void test_many_wait_entered_with_cancel_pending(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, waits_cancelled_already), AIO_ECANCELED);
    CHECK_EQ(M.r1, 1);
    CHECK_EQ(M.lv, 77);
    CHECK_EQ(M.reached, 0);
    CHECK_EQ(M.fin_status, AIO_ECANCELED);
    CHECK_EQ(M.fin_at, 0);
    CHECK_EQ(M.r2, 1);
    CHECK_EQ(M.r3, 1); /* alive, no cancel requested, as the wait ended */
    CHECK(aio__no_joiners(&A.task));
    CHECK(aio_task_cancelled(&A.task)); /* by the end of aio_run */
    END_TEST();
}

/* ------------------------------------------ a completion in the same instant */

static aio_status waits_for_shielded_in_instant(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    AIO_WAIT_FOR_SHIELD(t, s->lv, &A.task, AIO_MS(100)); /* armed before A's sleep */
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &A.task);
    AIO_END(t);
}

/* wait_for(shield(A), 100 ms) where A ends at 100 ms too, its timer armed
 * later: the wait's timeout fires first and ends the wait with AIO_ETIMEDOUT;
 * A's completion, later in the same instant, finds the waiter gone (it is
 * not delivered in its place), and A's result is still there to await. */
static void test_many_wait_for_shield_times_out_in_the_instant_the_task_ends(void) {
    BEGIN_TEST();
    setw(&A, "A", 100, 5);
    CHECK_EQ(aio_spawn(&A.task, worker), AIO_OK); /* not the waiter's: spawned here */
    CHECK_EQ(test_run(&loop, &M.task, waits_for_shielded_in_instant), AIO_OK);
    CHECK_EQ(M.lv, AIO_ETIMEDOUT);
    CHECK_EQ(M.t1, 100);
    CHECK_EQ(M.lv2, 5);
    CHECK_EQ(A.after_at, 100);
    END_TEST();
}

/* ============================================================ as_completed */

typedef struct {
    aio_task task;
    aio_wait_item it[5];
    aio_as_completed ac;
    aio_time d;
    int spawn_late, cancel_pending_after;
    aio_status lv;
} acm_t;
static acm_t AC;

/* Traces "i=index@ms" (or "i=-2@ms" for a timeout) for each task handed out. */
static aio_status m_as_completed(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 30, 1);
    start_worker(&B, NULL, 10, -70);
    start_worker(&C, NULL, 20, 3);
    if (s->spawn_late) AIO_SLEEP(t, AIO_MS(25)); /* B and C finish first */
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->it, 3, s->d));
    while (aio_as_completed_left(&s->ac) > 0) {
        AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
        if (s->lv >= 0)
            trace("%d=%d@%lld ", s->lv, aio_task_result(s->it[s->lv].task), T_MS());
        else
            trace("x=%d@%lld ", s->lv, T_MS());
    }
    s->cancel_pending_after = aio_task_alive(&A.task) && !aio_task_cancel_pending(&A.task);
    AIO_END(t);
}

/* as_completed hands out the tasks in the order they finish: the index of
 * each, whose result (or error) is the task's own. */
static void test_many_as_completed_order(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    AC.d = AIO_NEVER;
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed), AIO_OK);
    CHECK_STR(test_trace, "1=-70@10 2=3@20 0=1@30 ");
    CHECK(AC.it[0].node.link.next == NULL && AC.it[1].node.link.next == NULL);
    END_TEST();
}

/* With a timeout: the tasks finished by the deadline come out, then
 * AIO_ETIMEDOUT for each one left, which keeps running (asyncio's
 * TimeoutError; nothing is cancelled). */
static void test_many_as_completed_timeout(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    AC.d = AIO_MS(25);
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed), AIO_OK);
    CHECK_STR(test_trace, "1=-70@10 2=3@20 x=-2@25 ");
    CHECK_EQ(AC.cancel_pending_after, 1); /* A still runs, uncancelled */
    END_TEST();
}

/* Tasks finished before the iteration began come out at once, without
 * suspending, in the order they finished. */
static void test_many_as_completed_finished_before(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    AC.d = AIO_NEVER;
    AC.spawn_late = 1;
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed), AIO_OK);
    CHECK_STR(test_trace, "1=-70@25 2=3@25 0=1@30 ");
    END_TEST();
}

/* A timeout already passed when it begins: the finished ones, then the
 * timeouts. */
static void test_many_as_completed_timeout_passed_before(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    AC.d = 0;
    AC.spawn_late = 1;
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed), AIO_OK);
    CHECK_STR(test_trace, "1=-70@25 2=3@25 x=-2@25 ");
    END_TEST();
}

static aio_status m_as_completed_cancelled(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 30, 1);
    start_worker(&B, NULL, 10, 2);
    start_canceller(&K, t, 5);
    WAIT_ITEMS(s->it, &A.task, &B.task);
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->it, 2, AIO_NEVER));
    AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
    trace("not reached ");
    AIO_FINALLY(t);
    trace("fin=%d@%lld ", AIO_STATUS(t), T_MS());
    s->cancel_pending_after = aio_task_alive(&A.task) && !aio_task_cancel_pending(&A.task) &&
                              s->it[0].node.link.next == NULL && s->it[1].node.link.next == NULL;
    AIO_END(t);
}

/* Cancelled while it waits: it unwinds, its wait nodes are gone, the tasks
 * are not cancelled (waiting is not owning). */
static void test_many_as_completed_cancelled_while_waiting(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_cancelled), AIO_ECANCELED);
    CHECK_STR(test_trace, "fin=-1@5 ");
    CHECK_EQ(AC.cancel_pending_after, 1);
    END_TEST();
}

static aio_status m_as_completed_misused(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10, 1);
    WAIT_ITEMS(s->it, &A.task, &B.task); /* B never spawned */
    s->lv = aio_as_completed_init(&s->ac, s->it, 2, AIO_NEVER);
    trace("init=%d ", s->lv);
    CHECK_EQ(aio_as_completed_init(&s->ac, NULL, 2, AIO_NEVER), AIO_EINVAL);
    CHECK_EQ(aio_as_completed_init(&s->ac, s->it, 0, AIO_NEVER), AIO_EINVAL);
    CHECK_EQ(aio_as_completed_init(&s->ac, s->it, 1, AIO_TIME_INVALID), AIO_EINVAL);
    CHECK_EQ(aio_as_completed_init(&s->ac, s->it, 1, AIO_NEVER), AIO_OK);
    AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
    trace("next=%d@%lld ", s->lv, T_MS());
    AIO_NEXT_COMPLETED(t, s->lv, &s->ac); /* nothing left: raises */
    trace("not reached ");
    AIO_END(t);
}

static void test_many_as_completed_bad_input(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_misused), AIO_EINVAL);
    CHECK_STR(test_trace, "init=-3 next=0@10 ");
    CHECK_DEBUG("as_completed: nothing left to wait for");
    END_TEST();
}

/* aio_wait_sort_done after a wait: the done ones first, in the order they
 * finished, the pending ones after, in their order. */
static aio_status m_wait_then_sort(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 30, 1);
    start_worker(&B, NULL, 20, 2);
    start_worker(&C, NULL, 40, 3);
    start_worker(&D, NULL, 10, 4);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task, &D.task);
    AIO_WAIT(t, s->lv, s->it, 4, AIO_ALL_COMPLETED, AIO_MS(35));
    s->r1 = (int)aio_wait_sort_done(s->it, 4);
    AIO_END(t);
}

static void test_many_wait_sort_done(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_wait_then_sort), AIO_OK);
    CHECK_EQ(M.lv, 3);
    CHECK_EQ(M.r1, 3);
    CHECK(M.it[0].task == &D.task && M.it[1].task == &B.task && M.it[2].task == &A.task);
    CHECK(M.it[3].task == &C.task);
    CHECK_EQ(aio_wait_sort_done(NULL, 3), 0);
    END_TEST();
}

/* Four tasks end at 10, 30, 40; the deadline is 20 and the caller is busy
 * (sleeps) until 45 after the first timeout: the tasks that ended after the
 * deadline was found passed still count as timed out. */
static aio_status m_as_completed_late(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10, 1);
    start_worker(&B, NULL, 30, 2);
    start_worker(&C, NULL, 40, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->it, 3, AIO_MS(20)));
    while (aio_as_completed_left(&s->ac) > 0) {
        AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
        trace("%d@%lld ", s->lv, T_MS());
        if (s->lv == AIO_ETIMEDOUT) AIO_SLEEP(t, AIO_MS(25));
    }
    AIO_END(t);
}

static void test_many_as_completed_late_ones_time_out(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_late), AIO_OK);
    CHECK_STR(test_trace, "0@10 -2@20 -2@45 ");
    END_TEST();
}

/* A cancellation pending when the next is asked for: raised there. */
static aio_status m_as_completed_cancel_pending(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10, 1);
    WAIT_ITEMS(s->it, &A.task);
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->it, 1, AIO_NEVER));
    aio_cancel(t);
    AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
    trace("not reached ");
    AIO_END(t);
}

/* With no timer slot for its deadline it raises AIO_ENOSPC. */
static aio_status m_as_completed_no_slot(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10, 1); /* takes the only slot */
    AIO_YIELD(t);
    WAIT_ITEMS(s->it, &A.task);
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->it, 1, AIO_MS(50)));
    AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
    trace("not reached ");
    AIO_END(t);
}

static void test_many_as_completed_cancel_pending_and_no_slot(void) {
    static aio_timer one[1];
    {
        BEGIN_TEST();
        memset(&AC, 0, sizeof AC);
        CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_cancel_pending), AIO_ECANCELED);
        CHECK_STR(test_trace, "");
        END_TEST();
    }
    {
        aio_loop loop;
        reset();
        memset(&AC, 0, sizeof AC);
        aio_loop_init(&loop, one, 1);
        aio_loop_use_virtual_clock(&loop, 0);
        CHECK_EQ(aio_run(&loop, &AC.task, m_as_completed_no_slot), AIO_ENOSPC);
        END_TEST();
    }
}

/* A task given more than once is handed out once, at its first index, and
 * counts once among those left (asyncio.as_completed takes a set): over
 * [A, B, A, C, B] with B ending at 10, C at 20 and A at 30, and a deadline
 * at 25, B comes out as 1, C as 3, then one timeout for A. */
static aio_status m_as_completed_twice(aio_task *t) {
    acm_t *s = AIO_SELF(t, acm_t);
    aio_wait_item *it = s->it;
    AIO_BEGIN(t);
    start_worker(&A, NULL, 30, 1);
    start_worker(&B, NULL, 10, -70);
    start_worker(&C, NULL, 20, 3);
    WAIT_ITEMS(it, &A.task, &B.task, &A.task, &C.task, &B.task);
    AIO_CHECK(t, aio_as_completed_init(&s->ac, it, 5, s->d));
    trace("left=%d ", (int)aio_as_completed_left(&s->ac));
    while (aio_as_completed_left(&s->ac) > 0) {
        AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
        if (s->lv >= 0)
            trace("%d=%d@%lld ", s->lv, aio_task_result(it[s->lv].task), T_MS());
        else
            trace("x=%d@%lld ", s->lv, T_MS());
    }
    s->cancel_pending_after = it[0].node.link.next == NULL && it[1].node.link.next == NULL &&
                              it[2].node.link.next == NULL && it[3].node.link.next == NULL &&
                              it[4].node.link.next == NULL;
    AIO_END(t);
}

static void test_many_as_completed_task_given_twice(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    AC.d = AIO_NEVER;
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_twice), AIO_OK);
    CHECK_STR(test_trace, "left=3 1=-70@10 3=3@20 0=1@30 ");
    CHECK_EQ(AC.cancel_pending_after, 1); /* no node left among a task's waiters */
    END_TEST();
}

/* The same with the deadline: one AIO_ETIMEDOUT for A, not one per copy. */
static void test_many_as_completed_task_given_twice_times_out_once(void) {
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    AC.d = AIO_MS(25);
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_twice), AIO_OK);
    CHECK_STR(test_trace, "left=3 1=-70@10 3=3@20 x=-2@25 ");
    CHECK_EQ(AC.cancel_pending_after, 1);
    END_TEST();
}

/* Bad input: NULL iterator or items, nothing to wait for, an item without
 * a task; a NULL iterator has nothing left; sort_done skips empty items. */
static aio_status m_as_completed_null(aio_task *t) {
    AIO_BEGIN(t);
    AIO_NEXT_COMPLETED(t, AC.lv, (aio_as_completed *)NULL);
    AIO_END(t);
}

static void test_many_as_completed_null_arguments(void) {
    aio_wait_item it[2];
    BEGIN_TEST();
    memset(&AC, 0, sizeof AC);
    memset(it, 0, sizeof it);
    CHECK_EQ(aio_as_completed_init(NULL, it, 1, AIO_NEVER), AIO_EINVAL);
    CHECK_EQ(aio_as_completed_init(&AC.ac, it, 1, AIO_NEVER), AIO_EINVAL); /* no task */
    CHECK_EQ(aio_as_completed_init(&AC.ac, it, (size_t)INT_MAX + 1u, AIO_NEVER), AIO_EINVAL);
    CHECK_EQ(aio_as_completed_left(NULL), 0);
    CHECK_EQ(aio_wait_sort_done(it, 2), 0);
    CHECK_EQ(test_run(&loop, &AC.task, m_as_completed_null), AIO_EINVAL);
    END_TEST();
}

/* aio_wait_sort_done on items whose done ones are in the order they
 * finished already (A at 10, C at 20), a pending one between them (B, 40):
 * the done ones keep their order, first, the pending one after. */
static aio_status m_sort_in_order(aio_task *t) {
    mn *s = AIO_SELF(t, mn);
    AIO_BEGIN(t);
    start_worker(&A, NULL, 10, 1);
    start_worker(&B, NULL, 40, 2);
    start_worker(&C, NULL, 20, 3);
    WAIT_ITEMS(s->it, &A.task, &B.task, &C.task);
    AIO_SLEEP(t, AIO_MS(30));
    s->r1 = (int)aio_wait_sort_done(s->it, 3);
    AIO_AWAIT(t, s->lv, &B.task);
    AIO_END(t);
}

static void test_many_wait_sort_done_in_order(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &M.task, m_sort_in_order), AIO_OK);
    CHECK_EQ(M.r1, 2);
    CHECK(M.it[0].task == &A.task && M.it[1].task == &C.task && M.it[2].task == &B.task);
    CHECK_EQ(M.lv, 2);
    END_TEST();
}

static const test_case cases[] = {
    TEST_ENTRY(test_many_as_completed_order),
    TEST_ENTRY(test_many_as_completed_timeout),
    TEST_ENTRY(test_many_as_completed_finished_before),
    TEST_ENTRY(test_many_as_completed_timeout_passed_before),
    TEST_ENTRY(test_many_as_completed_cancelled_while_waiting),
    TEST_ENTRY(test_many_as_completed_bad_input),
    TEST_ENTRY(test_many_wait_sort_done),
    TEST_ENTRY(test_many_as_completed_late_ones_time_out),
    TEST_ENTRY(test_many_as_completed_cancel_pending_and_no_slot),
    TEST_ENTRY(test_many_as_completed_null_arguments),
    TEST_ENTRY(test_many_as_completed_task_given_twice),
    TEST_ENTRY(test_many_as_completed_task_given_twice_times_out_once),
    TEST_ENTRY(test_many_wait_first_completed),
    TEST_ENTRY(test_many_wait_first_completed_counts_cancelled),
    TEST_ENTRY(test_many_wait_first_exception),
    TEST_ENTRY(test_many_wait_first_exception_cancel_is_not_error),
    TEST_ENTRY(test_many_wait_first_exception_after_cancel),
    TEST_ENTRY(test_many_wait_first_exception_all_succeed),
    TEST_ENTRY(test_many_wait_already_failed_suspends_once),
    TEST_ENTRY(test_many_wait_satisfied_on_arrival),
    TEST_ENTRY(test_many_wait_all_completed_keeps_errors),
    TEST_ENTRY(test_many_wait_timeout_returns_count),
    TEST_ENTRY(test_many_wait_timeout_zero_one_iteration),
    TEST_ENTRY(test_many_wait_timeout_zero_nothing_done),
    TEST_ENTRY(test_many_wait_repeated_first_completed),
    TEST_ENTRY(test_many_wait_caller_cancelled_tasks_untouched),
    TEST_ENTRY(test_many_wait_in_expiring_timeout),
    TEST_ENTRY(test_many_wait_done_beats_cancel),
    TEST_ENTRY(test_many_wait_argument_errors),
    TEST_ENTRY(test_many_wait_gather_bad_tasks),
    TEST_ENTRY(test_many_gather_all_succeed),
    TEST_ENTRY(test_many_gather_empty),
    TEST_ENTRY(test_many_gather_first_failure_others_run),
    TEST_ENTRY(test_many_gather_already_failed_in_argument_order),
    TEST_ENTRY(test_many_gather_same_instant_failures),
    TEST_ENTRY(test_many_gather_third_party_cancel),
    TEST_ENTRY(test_many_gather_child_cancelled_before_start),
    TEST_ENTRY(test_many_gather_all_collects_statuses),
    TEST_ENTRY(test_many_gather_cancelled_waits_for_children_cleanup),
    TEST_ENTRY(test_many_gather_all_cancelled_raises_even_if_swallowed),
    TEST_ENTRY(test_many_gather_cancelled_leaves_not_owned_running),
    TEST_ENTRY(test_many_gather_cancelled_twice_still_waits),
    TEST_ENTRY(test_many_gather_finished_then_caller_cancelled),
    TEST_ENTRY(test_many_gather_cancelled_on_arrival),
    TEST_ENTRY(test_many_gather_in_expiring_timeout),
    TEST_ENTRY(test_many_gather_in_zero_timeout),
    TEST_ENTRY(test_many_gather_global_timeout_in_time),
    TEST_ENTRY(test_many_gather_global_timeout_expires),
    TEST_ENTRY(test_many_shield_caller_cancelled_child_runs),
    TEST_ENTRY(test_many_shield_awaited_again),
    TEST_ENTRY(test_many_wait_for_shield_timeout),
    TEST_ENTRY(test_many_shield_done_task),
    TEST_ENTRY(test_many_shield_inner_cancelled),
    TEST_ENTRY(test_many_shield_of_gathering_task),
    TEST_ENTRY(test_many_gather_of_shields_cancelled),
    TEST_ENTRY(test_many_shielded_cleanup_not_interrupted),
    TEST_ENTRY(test_many_unshielded_cleanup_interrupted),
    TEST_ENTRY(test_many_shielded_cleanup_own_timeout),
    TEST_ENTRY(test_many_shielded_block_holds_task_cancel),
    TEST_ENTRY(test_many_shielded_block_ignores_outer_deadline),
    TEST_ENTRY(test_many_shielded_effective_deadline_is_own),
    TEST_ENTRY(test_many_shielded_own_shorter_deadline),
    TEST_ENTRY(test_many_timeout_inside_shielded_block),
    TEST_ENTRY(test_many_shielded_block_holds_group_abort),
    TEST_ENTRY(test_many_shared_task_cancel_one_waiter),
    TEST_ENTRY(test_many_shared_task_waiter_timeout),
    TEST_ENTRY(test_many_shared_task_owner_cancel_reaches_all),
    TEST_ENTRY(test_many_shared_task_mixed_waiters),
    TEST_ENTRY(test_many_wait_entered_with_cancel_pending),
    TEST_ENTRY(test_many_wait_for_shield_times_out_in_the_instant_the_task_ends),
    TEST_ENTRY(test_many_wait_sort_done_in_order),
};

void register_many_tests(void) { test_register(cases, TEST_COUNT(cases)); }
