/* SPDX-License-Identifier: MIT */
/* Task groups: AIO_GROUP, aio_group_spawn, aio_group_status, aio_group_cancel.
 *
 * Every test runs on the virtual clock and asserts exact times (ms since the
 * test started) and statuses worked out by hand. R numbers name CPython's
 * behaviours, listed in tests/conformance/RULES.md (R74-R84
 * TaskGroup); L2 (level-triggered scopes) and L8 (children inherit scopes)
 * are the library's rules of docs/behaviour.md, "Differences from asyncio". Absolute deadlines are
 * shown as ms since the test started, -1 for AIO_NEVER. */
#include "workers.h"

/* State of the inline coroutine that swallows its cancellation. */
typedef struct {
    aio_frame frame;
} sw_t;

/* The state of the tasks these tests write themselves (the owner, the
 * actors, children with bodies of their own); the workers and quick tasks
 * come from workers.h. Fields a test does not use stay zero. Configuration
 * is set before the spawn. */
typedef struct gk {
    aio_task task;
    /* configuration */
    aio_time d, d2;          /* body sleeps */
    aio_status ret;          /* returned (>= 0) or raised (< 0) at the end of the body */
    aio_group *grp;          /* group used by reenter / grp_cancel */
    wk *sib;                 /* sub_group: spawned into its own group */
    int grp_cancel;          /* actor: aio_group_cancel(grp) */
    aio_timeout *resched;    /* actor: reschedule to now + d2 */
    aio_task *probe;         /* actor: records aio_effective_deadline(probe) */
    /* records */
    int body, after, fin, n, n2, i;
    long long after_at, fin_at, t1, t2, at;
    aio_status fin_status, lv, rc1, rc2, rc3, rc4;
    aio_time eff, eff2, left, left2;
    aio_timeout to, to2, sh;
    aio_group g, g2;
    sw_t sw;
} gk;

/* P1, P2, P3: children that run a body of this file (probe,
 * group_canceller, sub_group, reenterer, shielded_worker) rather than a
 * worker. */
static gk Main, X, P1, P2, P3;
static wk A, B, C, D, E;
static cx K, K2;

static void reset(void) {
    memset(&Main, 0, sizeof Main);
    memset(&A, 0, sizeof A);
    memset(&B, 0, sizeof B);
    memset(&C, 0, sizeof C);
    memset(&D, 0, sizeof D);
    memset(&E, 0, sizeof E);
    memset(&X, 0, sizeof X);
    memset(&K, 0, sizeof K);
    memset(&K2, 0, sizeof K2);
    memset(&P1, 0, sizeof P1);
    memset(&P2, 0, sizeof P2);
    memset(&P3, 0, sizeof P3);
}

/* ------------------------------------------------------------ task bodies */

/* A third party: sleeps d, then cancels group `grp` (grp_cancel) or
 * reschedules `resched` to now + d2; returns ret. (K and K2, the
 * cancellers of workers.h, cancel tasks.) */
static aio_status actor(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    s->at = T_MS();
    if (s->grp_cancel) s->rc1 = aio_group_cancel(s->grp);
    if (s->resched) s->rc1 = aio_timeout_reschedule(s->resched, (aio_time)(aio_now() + s->d2));
    if (s->probe) s->eff = aio_effective_deadline(s->probe);
    AIO_RETURN(t, s->ret);
    AIO_END(t);
}

/* Records its effective deadline, then again inside its own timeout d
 * (no await); returns 1. */
static aio_status probe(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    s->body++;
    s->eff = aio_effective_deadline(NULL);
    s->left = aio_time_left(NULL);
    AIO_TIMEOUT(t, &s->to, s->d) {
        s->eff2 = aio_effective_deadline(NULL);
        s->left2 = aio_time_left(NULL);
    }
    AIO_RETURN(t, 1);
    AIO_END(t);
}

/* Sleeps d inside a shielded block, then d2 outside it; returns ret. */
static aio_status shielded_worker(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    s->body++;
    AIO_SHIELDED(t, &s->sh, AIO_NEVER) {
        AIO_SLEEP(t, s->d);
        s->after++;
        s->after_at = T_MS();
    }
    AIO_SLEEP(t, s->d2);
    s->n++;
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* Sleeps d, then tries to open the group `grp` (still open: AIO_EINVAL). */
static aio_status reenterer(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    AIO_GROUP(t, s->grp) {
        s->n++;
    }
    s->after++;
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* A child that owns a group of its own: spawns `sib` into it and sleeps d. */
static aio_status sub_group(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        s->rc1 = aio_group_spawn(&s->g, &s->sib->task, worker);
        AIO_SLEEP(t, s->d);
        s->n++;
    }
    s->after++;
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* Inline coroutine: sleeps 10 s; its cleanup swallows a cancellation by
 * returning 9. */
static aio_status swallow(aio_task *t, sw_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) AIO_RETURN(t, 9);
    AIO_END(t);
}

/* --------------------------------------------- the block's end waits (R78) */

static aio_status m_waits_all(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        s->rc1 = start_in_group(&s->g, &A, 100, 1);
        s->rc2 = start_in_group(&s->g, &B, 300, 2);
        AIO_SLEEP(t, AIO_MS(200));
        s->t1 = T_MS();
    }
    s->after++;
    s->after_at = T_MS();
    AIO_RETURN(t, 5);
    AIO_END(t);
}

/* R78: the body ends at 200 ms, the block's end waits for the last child
 * (300 ms); every child keeps its own result. */
static void test_group_end_waits_for_all_children(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_waits_all), 5);
    CHECK_EQ(Main.rc1, AIO_OK);
    CHECK_EQ(Main.rc2, AIO_OK);
    CHECK_EQ(Main.t1, 200);
    CHECK_EQ(Main.after, 1);
    CHECK_EQ(Main.after_at, 300);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(A.after_at, 100);
    CHECK_EQ(B.after_at, 300);
    CHECK_EQ(A.fin_status, 1);
    CHECK_EQ(B.fin_status, 2);
    END_TEST();
}

static aio_status m_empty(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        s->n++;
    }
    s->t1 = T_MS();
    AIO_GROUP(t, &s->g2) {
        AIO_SLEEP(t, AIO_MS(100));
        s->n2++;
    }
    s->t2 = T_MS();
    AIO_END(t);
}

/* R78: a group without children ends when its body ends (at once without an
 * await), with status AIO_OK. */
static void test_group_empty_block(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_empty), AIO_OK);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(Main.t1, 0);
    CHECK_EQ(Main.n2, 1);
    CHECK_EQ(Main.t2, 100);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_group_status(&Main.g2), AIO_OK);
    END_TEST();
}

/* ------------------------------------------------- a child fails (R74) */

static aio_status m_child_fails(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 1000, 1);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after++;
    s->after_at = T_MS();
    AIO_RETURN(t, 3);
    AIO_END(t);
}

/* R74: A fails at 100 ms: the body's sleep and B are cancelled at once; B's
 * cleanup (50 ms) is waited for; execution continues after the block at
 * 150 ms with the group status = A's error. */
static void test_group_child_failure_cancels_body_and_siblings(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_child_fails), 3);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after, 1);
    CHECK_EQ(Main.after_at, 150);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.after, 0);
    CHECK_EQ(B.fin_at, 100);
    CHECK_EQ(B.fin_status, AIO_ECANCELED);
    CHECK_EQ(B.cleanup_done, 1);
    CHECK_EQ(B.cleanup_at, 150);
    END_TEST();
}

static aio_status m_first_error(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(50);
    B.override = 1;
    B.fin_value = AIO_EUSER - 1;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 1000, 0);
        start_in_group(&s->g, &C, 300, AIO_EUSER - 2);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R74: the status is the first failure (A at 100 ms); B failing later in its
 * cleanup (150 ms) and C (which would have failed at 300 ms but is cancelled
 * at 100 ms) do not replace it. Each child keeps its own status. */
static void test_group_first_error_wins(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_first_error), AIO_OK);
    CHECK_EQ(Main.after_at, 150);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER);
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER - 1);
    CHECK_EQ(B.cleanup_at, 150);
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(C.after, 0);
    CHECK_EQ(C.fin_at, 100);
    END_TEST();
}

static aio_status m_fail_at_end(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER - 3);
        start_in_group(&s->g, &B, 1000, 0);
        s->n++;
    }
    s->after++;
    s->after_at = T_MS();
    AIO_SLEEP(t, AIO_MS(10));
    s->t2 = T_MS();
    AIO_END(t);
}

/* R74: the owner already waits at the block's end when A fails at 100 ms: B
 * is cancelled and its cleanup awaited (150 ms), then execution continues
 * after the block; the group's cancellation does not leak (next sleep 10 ms). */
static void test_group_child_failure_while_owner_waits_at_end(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_fail_at_end), AIO_OK);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(Main.after, 1);
    CHECK_EQ(Main.after_at, 150);
    CHECK_EQ(Main.t2, 160);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER - 3);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 100);
    CHECK_EQ(B.cleanup_at, 150);
    END_TEST();
}

/* ------------------------------------- cancelled children (R75, R6) */

static aio_status m_cancel_child(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(20);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 300, 3);
        start_in_group(&s->g, &B, 1000, 4);
        AIO_SLEEP(t, AIO_MS(100));
        s->rc1 = aio_cancel(&B.task);
        AIO_SLEEP(t, AIO_MS(50));
        s->t1 = T_MS();
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R75: the body cancels child B at 100 ms: B ends cancelled (cleanup until
 * 120 ms) but that is no failure: the body goes on (150 ms), A completes
 * (300 ms), the group status stays AIO_OK. */
static void test_group_cancelled_child_not_failure(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_child), AIO_OK);
    CHECK_EQ(Main.rc1, 1);
    CHECK_EQ(Main.t1, 150);
    CHECK_EQ(Main.after_at, 300);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 100);
    CHECK_EQ(B.cleanup_at, 120);
    CHECK_EQ(aio_task_result(&A.task), 3);
    CHECK_EQ(A.after_at, 300);
    END_TEST();
}

static aio_status m_cancel_unstarted(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, 1);
        start_in_group(&s->g, &B, 100, 2);
        s->rc1 = aio_cancel(&B.task);
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R6 + R75: a child cancelled before it ever ran never runs its body (nor
 * its cleanup); the group is not aborted, A completes at 100 ms. */
static void test_group_child_cancelled_before_run_not_failure(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_unstarted), AIO_OK);
    CHECK_EQ(Main.rc1, 1);
    CHECK_EQ(B.body, 0);
    CHECK_EQ(B.fin, 0);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_outsider_cancels_child(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    start_canceller(&K, &A.task, 100);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        start_in_group(&s->g, &B, 200, 2);
        AIO_SLEEP(t, AIO_MS(150));
        s->t1 = T_MS();
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R75: a task outside the group cancels child A at 100 ms: A ends cancelled,
 * the body (150 ms) and B (200 ms) are not disturbed, status AIO_OK. */
static void test_group_child_cancelled_by_outsider_not_failure(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_outsider_cancels_child), AIO_OK);
    CHECK_EQ(K.cancelled, 1);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(Main.t1, 150);
    CHECK_EQ(B.after, 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(Main.after_at, 200);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

/* ------------------------------------------- the body raises or returns */

static aio_status m_body_raises(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        start_in_group(&s->g, &B, 2000, 0);
        AIO_SLEEP(t, AIO_MS(100));
        AIO_RAISE(t, AIO_EUSER - 1);
        s->n++;
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* R74 (body's own error): the body raises at 100 ms: children are cancelled,
 * their cleanup awaited (150 ms), then the error keeps unwinding to the
 * owner's cleanup; the group status is that error. */
static void test_group_body_raises_error(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_body_raises), AIO_EUSER - 1);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin, 1);
    CHECK_EQ(Main.fin_at, 150);
    CHECK_EQ(Main.fin_status, AIO_EUSER - 1);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER - 1);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 150);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 100);
    END_TEST();
}

static aio_status m_body_returns(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 300, 3);
        start_in_group(&s->g, &B, 50, 4);
        AIO_SLEEP(t, AIO_MS(100));
        AIO_RETURN(t, 42);
        s->n++;
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* AIO_RETURN inside the body (100 ms) does not cancel the children: the
 * block's end waits for A to complete normally (300 ms), then the return
 * goes on to the owner's cleanup with 42. */
static void test_group_body_return_waits_children(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_body_returns), 42);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 300);
    CHECK_EQ(Main.fin_status, 42);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), 3);
    CHECK_EQ(A.after, 1);
    CHECK_EQ(A.after_at, 300);
    CHECK_EQ(A.fin_status, 3);
    CHECK_EQ(aio_task_result(&B.task), 4);
    END_TEST();
}

/* ----------------------------------- the owner cancelled from outside (R76) */

static aio_status m_owner_cancelled_body(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    start_canceller(&K, &Main.task, 100);
    A.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        start_in_group(&s->g, &B, 2000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* R76: the owner is cancelled at 100 ms while in the body: the children are
 * cancelled and waited for (A's cleanup until 150 ms), then the owner
 * unwinds with AIO_ECANCELED; a cancellation is not a group error. */
static void test_group_owner_cancelled_in_body(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_owner_cancelled_body), AIO_ECANCELED);
    CHECK_EQ(K.cancelled, 1);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 150);
    CHECK_EQ(Main.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 150);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 100);
    END_TEST();
}

static aio_status m_owner_cancelled_end(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    start_canceller(&K, &Main.task, 100);
    A.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        s->n++;
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* R76: the owner is cancelled at 100 ms while it already waits at the block's
 * end: A is cancelled, its cleanup awaited (150 ms), then the owner unwinds. */
static void test_group_owner_cancelled_at_block_end(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_owner_cancelled_end), AIO_ECANCELED);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 150);
    CHECK_EQ(Main.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 150);
    END_TEST();
}

static aio_status m_owner_cancelled_twice(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    start_canceller(&K, &Main.task, 100);
    start_canceller(&K2, &Main.task, 200);
    A.cleanup = AIO_MS(300);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* R78: a second cancel of the owner (200 ms) while it waits at the block's
 * end neither cuts the wait short nor reaches the child again: A's cleanup
 * (100..400 ms) completes and the owner unwinds at 400 ms. */
static void test_group_owner_cancelled_twice_still_waits(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_owner_cancelled_twice), AIO_ECANCELED);
    CHECK_EQ(K.cancelled, 1);
    CHECK_EQ(K2.cancelled, 1);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 400);
    CHECK_EQ(Main.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.fin, 1);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_done, 1);
    CHECK_EQ(A.cleanup_at, 400);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    END_TEST();
}

static aio_status m_cancel_races_error(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    start_canceller(&K, &Main.task, 100);
    B.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 1000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* R83/R77: the owner is cancelled from outside in the same iteration (100 ms)
 * in which child A fails: the group status keeps A's error, the owner still
 * ends cancelled after B's cleanup (150 ms): the external cancel is not lost. */
static void test_group_cancel_races_child_error(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_races_error), AIO_ECANCELED);
    CHECK_EQ(K.cancelled, 1);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 150);
    CHECK_EQ(Main.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.cleanup_at, 150);
    END_TEST();
}

static aio_status m_cancel_cleanup_error(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    start_canceller(&K, &Main.task, 100);
    A.cleanup = AIO_MS(50);
    A.override = 1;
    A.fin_value = AIO_EUSER - 2;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        start_in_group(&s->g, &B, 2000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* R77: the owner is cancelled at 100 ms and child A raises an error while
 * cleaning up (150 ms): the group status is A's error, and the owner still
 * ends cancelled (the external cancel stays armed). */
static void test_group_owner_cancelled_child_cleanup_error(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_cleanup_error), AIO_ECANCELED);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 150);
    CHECK_EQ(Main.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER - 2);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER - 2);
    CHECK_EQ(A.fin_status, AIO_ECANCELED);
    CHECK_EQ(A.cleanup_at, 150);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 100);
    END_TEST();
}

/* ------------------------------------ groups inside timeouts (R81, L8) */

static aio_status m_in_timeout(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(50);
    AIO_TIMEOUT(t, &s->to, AIO_MS(300)) {
        AIO_GROUP(t, &s->g) {
            start_in_group(&s->g, &A, 1000, 0);
            start_in_group(&s->g, &B, 2000, 0);
            AIO_SLEEP(t, AIO_SEC(10));
            s->n++;
        }
        s->n2++;
    }
    s->after++;
    s->after_at = T_MS();
    AIO_RETURN(t, 8);
    AIO_END(t);
}

/* R81: the enclosing timeout expires at 300 ms: body and children are
 * cancelled, A's cleanup awaited (350 ms); the timeout block reports
 * AIO_ETIMEDOUT and execution continues after it; no group error. */
static void test_group_in_expiring_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_in_timeout), 8);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.n2, 0);
    CHECK_EQ(Main.after, 1);
    CHECK_EQ(Main.after_at, 350);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_timeout_expired(&Main.to), 1);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 300);
    CHECK_EQ(A.cleanup_at, 350);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 300);
    END_TEST();
}

static aio_status m_children_see_deadline(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(300)) {
        AIO_GROUP(t, &s->g) {
            start_in_group(&s->g, &A, 1000, 0);
            start_in_group(&s->g, &B, 100, 1);
            s->n++;
        }
        s->n2++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8: the owner has no await left (it waits at the block's end, where no
 * deadline wakes it); child A notices the enclosing deadline itself at
 * 300 ms. B completes before it. The timeout reports AIO_ETIMEDOUT (R81). */
static void test_group_children_see_deadline_themselves(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_children_see_deadline), AIO_OK);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(Main.n2, 0);
    CHECK_EQ(rel_ms(A.eff), 300);
    CHECK_EQ(ms_of(A.left), 300);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 300);
    CHECK_EQ(aio_task_result(&B.task), 1);
    CHECK_EQ(B.after_at, 100);
    CHECK_EQ(Main.after_at, 300);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_effective_deadline(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    P1.d = AIO_MS(200);
    P2.d = AIO_SEC(1);
    P3.d = AIO_MS(300);
    AIO_TIMEOUT(t, &s->to, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_MS(100));
        AIO_GROUP(t, &s->g) {
            aio_group_spawn(&s->g, &P1.task, probe);
            aio_group_spawn(&s->g, &P2.task, probe);
            s->eff = aio_effective_deadline(&P1.task);
        }
    }
    AIO_GROUP(t, &s->g2) {
        aio_group_spawn(&s->g2, &P3.task, probe);
        s->eff2 = aio_effective_deadline(&P3.task);
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8/L11: a child's effective deadline includes the enclosing timeout (500 ms)
 * from the moment it is spawned; its own nested timeout counts only if
 * earlier (P1: 100 + 200 = 300 ms; P2: 1 s is later, stays 500 ms). A group
 * outside any timeout gives AIO_NEVER (P3). */
static void test_group_child_effective_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_effective_deadline), AIO_OK);
    CHECK_EQ(rel_ms(Main.eff), 500);
    CHECK_EQ(rel_ms(P1.eff), 500);
    CHECK_EQ(ms_of(P1.left), 400);
    CHECK_EQ(rel_ms(P1.eff2), 300);
    CHECK_EQ(ms_of(P1.left2), 200);
    CHECK_EQ(rel_ms(P2.eff), 500);
    CHECK_EQ(rel_ms(P2.eff2), 500);
    CHECK_EQ(ms_of(P2.left2), 400);
    CHECK_EQ(rel_ms(Main.eff2), -1);
    CHECK_EQ(rel_ms(P3.eff), -1);
    CHECK_EQ(ms_of(P3.left), -1);
    CHECK_EQ(rel_ms(P3.eff2), 400);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&Main.to), 0);
    CHECK_EQ(aio_task_result(&P3.task), 1);
    END_TEST();
}

static aio_status m_resched_earlier(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_SEC(2)) {
        AIO_GROUP(t, &s->g) {
            start_in_group(&s->g, &A, 1000, 0);
            AIO_SLEEP(t, AIO_MS(100));
            s->rc1 = aio_timeout_reschedule(&s->to, (aio_time)(aio_now() + AIO_MS(200)));
            s->eff = aio_effective_deadline(&A.task);
            s->n++;
        }
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8: moving the enclosing timeout earlier (2 s -> 300 ms, at 100 ms) moves the
 * parked child's wake-up too: the owner then waits at the block's end (where
 * no deadline wakes it), so A (sleeping until 1 s) must notice the new
 * deadline itself: it is cancelled at 300 ms. */
static void test_group_reschedule_earlier_moves_children(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_resched_earlier), AIO_OK);
    CHECK_EQ(Main.rc1, AIO_OK);
    CHECK_EQ(rel_ms(A.eff), 2000);
    CHECK_EQ(rel_ms(Main.eff), 300);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.after, 0);
    CHECK_EQ(A.fin_at, 300);
    CHECK_EQ(Main.after_at, 300);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_resched_later(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    X.d = AIO_MS(100);
    X.resched = &s->to;
    X.d2 = AIO_MS(1900);
    X.probe = &A.task;
    AIO_TIMEOUT(t, &s->to, AIO_SEC(1)) {
        AIO_GROUP(t, &s->g) {
            start_in_group(&s->g, &A, 1500, 15);
            aio_group_spawn(&s->g, &X.task, actor);
        }
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8: a sibling moves the enclosing timeout later (1 s -> 2 s, at 100 ms)
 * while the owner waits at the block's end: A is not woken at 1 s and
 * completes its 1.5 s sleep; the timeout never fires. */
static void test_group_reschedule_later_moves_children(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_resched_later), AIO_OK);
    CHECK_EQ(X.rc1, AIO_OK);
    CHECK_EQ(X.at, 100);
    CHECK_EQ(rel_ms(X.eff), 2000);
    CHECK_EQ(rel_ms(A.eff), 1000);
    CHECK_EQ(aio_task_result(&A.task), 15);
    CHECK_EQ(A.after_at, 1500);
    CHECK_EQ(Main.after_at, 1500);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&Main.to), 0);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_fail_in_timeout(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(50);
    AIO_TIMEOUT(t, &s->to, AIO_MS(300)) {
        AIO_GROUP(t, &s->g) {
            start_in_group(&s->g, &A, 100, AIO_EUSER);
            start_in_group(&s->g, &B, 1000, 0);
            AIO_SLEEP(t, AIO_SEC(10));
        }
        s->n2++;
        s->t1 = T_MS();
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R74/R81: a child fails (100 ms) inside a group inside a 300 ms timeout: the
 * group reports the error, execution continues inside the timeout block
 * (150 ms, after B's cleanup), and the timeout never fires. */
static void test_group_child_failure_in_timeout_is_not_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_fail_in_timeout), AIO_OK);
    CHECK_EQ(Main.n2, 1);
    CHECK_EQ(Main.t1, 150);
    CHECK_EQ(Main.after_at, 150);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&Main.to), 0);
    CHECK_EQ(B.cleanup_at, 150);
    END_TEST();
}

/* --------------------------------------------------- spawn refused (R80) */

static aio_status m_spawn_shutting_down(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.grp = &s->g;
    B.fin_spawn = &C;
    C.d = AIO_MS(10);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 1000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after_at = T_MS();
    AIO_SLEEP(t, AIO_MS(50));
    AIO_END(t);
}

/* R80: after A's failure (100 ms) the group is shutting down: B's cleanup
 * tries to spawn C into it and gets AIO_EINVAL ("shutting down"); C never
 * runs. */
static void test_group_spawn_refused_while_shutting_down(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_spawn_shutting_down), AIO_OK);
    CHECK_EQ(B.fin, 1);
    CHECK_EQ(B.fin_spawn_rc, AIO_EINVAL);
    CHECK_DEBUG("shutting down");
    CHECK_EQ(C.body, 0);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

static aio_status m_spawn_not_open(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    s->rc1 = aio_group_spawn(&s->g, &A.task, worker); /* never entered */
    AIO_GROUP(t, &s->g) {
        s->rc2 = start_in_group(&s->g, &B, 100, 2);
        CHECK_EQ(aio_group_spawn(&s->g, NULL, worker), AIO_EINVAL); /* (no task, no function) */
        CHECK_DEBUG("aio_spawn: task or function is NULL");
        CHECK_EQ(aio_group_spawn(&s->g, &C.task, NULL), AIO_EINVAL);
        CHECK_DEBUG("aio_spawn: task or function is NULL");
    }
    s->rc3 = aio_group_spawn(&s->g, &C.task, worker); /* after the block */
    s->rc4 = aio_group_spawn(NULL, &D.task, worker);
    AIO_SLEEP(t, AIO_MS(100));
    s->after_at = T_MS();
    AIO_END(t);
}

/* R80: spawning into a group before it was entered, after its block ended,
 * or into NULL is AIO_EINVAL ("not open"); those tasks never run. */
static void test_group_spawn_refused_when_not_open(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_spawn_not_open), AIO_OK);
    CHECK_EQ(Main.rc1, AIO_EINVAL);
    CHECK_EQ(Main.rc2, AIO_OK);
    CHECK_EQ(Main.rc3, AIO_EINVAL);
    CHECK_EQ(Main.rc4, AIO_EINVAL);
    CHECK_DEBUG("not open");
    CHECK_EQ(A.body, 0);
    CHECK_EQ(C.body, 0);
    CHECK_EQ(D.body, 0);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(Main.after_at, 200);
    END_TEST();
}

/* ---------------------------------------- aio_group_cancel (L8, Trio) */

static aio_status m_cancel_from_body(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        AIO_SLEEP(t, AIO_MS(100));
        s->rc1 = aio_group_cancel(&s->g);
        s->rc2 = aio_group_cancel(&s->g);
        s->eff = aio_effective_deadline(&A.task);
        s->left = aio_time_left(&A.task);
        s->eff2 = aio_effective_deadline(NULL);
        s->rc3 = aio_group_spawn(&s->g, &B.task, worker);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after_at = T_MS();
    s->rc4 = aio_group_cancel(&s->g);
    AIO_SLEEP(t, AIO_MS(50));
    s->t2 = T_MS();
    AIO_RETURN(t, 1);
    AIO_END(t);
}

/* L8 (Trio's cancel_scope.cancel()): the body cancels its own group at 100 ms
 * (1, then 0 for the repeat); A's deadline is due at once; a spawn is refused
 * ("shutting down"); the body's next sleep unwinds to the block, which ends
 * after A's cleanup (150 ms) with status AIO_OK; nothing leaks afterwards. */
static void test_group_cancel_from_body(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_from_body), 1);
    CHECK_EQ(Main.rc1, 1);
    CHECK_EQ(Main.rc2, 0);
    CHECK_EQ(rel_ms(Main.eff), 100);
    CHECK_EQ(ms_of(Main.left), 0);
    CHECK_EQ(rel_ms(Main.eff2), 100);
    CHECK_EQ(Main.rc3, AIO_EINVAL);
    CHECK_DEBUG("shutting down");
    CHECK_EQ(B.body, 0);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after_at, 150);
    CHECK_EQ(Main.rc4, 0);
    CHECK_EQ(Main.t2, 200);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 150);
    END_TEST();
}

static aio_status group_canceller(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    s->at = T_MS();
    s->rc1 = aio_group_cancel(s->grp);
    AIO_RETURN(t, 5);
    AIO_END(t);
}

static aio_status m_cancel_from_child(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    P1.d = AIO_MS(200);
    P1.grp = &s->g;
    B.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &P1.task, group_canceller);
        start_in_group(&s->g, &B, 1000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8: child P1 cancels its own group at 200 ms and returns 5; the body and B
 * are cancelled, the block ends after B's cleanup (250 ms) with status
 * AIO_OK. The group's cancellation reaches P1 too: with no await after it,
 * it was never delivered, and P1 ends cancelled whatever it returns, as a
 * task that cancels itself does (R7; asyncio's task with a cancel pending
 * when its coroutine returns ends cancelled). */
static void test_group_cancel_from_child(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_from_child), AIO_OK);
    CHECK_EQ(P1.rc1, 1);
    CHECK_EQ(P1.at, 200);
    CHECK_EQ(aio_task_result(&P1.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(B.fin_at, 200);
    CHECK_EQ(B.cleanup_at, 250);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after_at, 250);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_cancel_from_other(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    X.d = AIO_MS(100);
    X.grp = &s->g;
    X.grp_cancel = 1;
    aio_spawn(&X.task, actor);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after_at = T_MS();
    AIO_SLEEP(t, AIO_MS(100));
    s->t2 = T_MS();
    AIO_RETURN(t, 2);
    AIO_END(t);
}

/* L8: a task outside the group cancels it at 100 ms: the body and A are
 * cancelled, the block ends at 100 ms without error and the owner itself is
 * not cancelled (its next sleep completes at 200 ms). */
static void test_group_cancel_from_other_task(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_from_other), 2);
    CHECK_EQ(X.rc1, 1);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(Main.t2, 200);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_cancel_before_run(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, 0);
        start_in_group(&s->g, &B, 100, 0);
        s->rc1 = aio_group_cancel(&s->g);
        s->n++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R6/L8: the group is cancelled before its children ever ran: their bodies
 * (and cleanups) never run; the block ends at 0 ms with status AIO_OK. */
static void test_group_cancel_before_children_ran(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_cancel_before_run), AIO_OK);
    CHECK_EQ(Main.rc1, 1);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(A.body, 0);
    CHECK_EQ(A.fin, 0);
    CHECK_EQ(B.body, 0);
    CHECK_EQ(B.fin, 0);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(Main.after_at, 0);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_fail_before_sibling_ran(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.ret = AIO_EUSER - 4;
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &A.task, quick);
        start_in_group(&s->g, &B, 100, 0);
        AIO_SLEEP(t, AIO_SEC(1));
        s->n++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R74, one instant: A fails on its first run, before its sibling B ran. B's
 * first step was already queued; the group hears of the failure a turn
 * later (asyncio: a done callback), so B's body starts, then B is cancelled
 * and cleans up; all at 0 ms. */
static void test_group_failure_before_sibling_ran(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_fail_before_sibling_ran), AIO_OK);
    CHECK_EQ(A.body, 1);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER - 4);
    CHECK_EQ(B.body, 1);
    CHECK_EQ(B.fin, 1);
    CHECK_EQ(B.fin_at, 0);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after_at, 0);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER - 4);
    END_TEST();
}

/* ------------------------------------------------- nested groups (R82) */

static aio_status m_nested_inner_fails(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    C.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 1);
        AIO_GROUP(t, &s->g2) {
            start_in_group(&s->g2, &B, 100, AIO_EUSER);
            start_in_group(&s->g2, &C, 1000, 0);
            AIO_SLEEP(t, AIO_SEC(10));
            s->n++;
        }
        s->t1 = T_MS();
        AIO_SLEEP(t, AIO_MS(200));
        s->t2 = T_MS();
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L1/R82-like: a failure inside the inner group is handled by the inner group
 * (status EUSER at 150 ms after C's cleanup); the outer body goes on
 * uncancelled (sleep until 350 ms) and the outer child A completes (1 s). */
static void test_group_nested_inner_failure_outer_continues(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_nested_inner_fails), AIO_OK);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.t1, 150);
    CHECK_EQ(Main.t2, 350);
    CHECK_EQ(Main.after_at, 1000);
    CHECK_EQ(aio_group_status(&Main.g2), AIO_EUSER);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(A.after_at, 1000);
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(C.cleanup_at, 150);
    END_TEST();
}

static aio_status m_nested_both_fail(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(30);
    D.cleanup = AIO_MS(100);
    D.shield_cleanup = 1;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 1000, 0);
        AIO_GROUP(t, &s->g2) {
            start_in_group(&s->g2, &C, 50, AIO_EUSER - 1);
            start_in_group(&s->g2, &D, 1000, 0);
            AIO_SLEEP(t, AIO_SEC(10));
            s->n++;
        }
        s->n2++;
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after_at = T_MS();
    AIO_SLEEP(t, AIO_MS(10));
    s->t2 = T_MS();
    AIO_END(t);
}

/* R82 (3.13 behaviour): the inner child C fails at 50 ms, the outer child A at
 * 100 ms while the inner group still waits for D's shielded cleanup (until
 * 150 ms). When the inner block ends, the outer group's cancellation is still
 * pending: nothing after the inner block runs; the outer block ends at 150 ms
 * (B's cleanup ended at 130 ms). Each group keeps its own error; the owner
 * is not cancelled afterwards. */
static void test_group_nested_both_fail(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_nested_both_fail), AIO_OK);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.n2, 0);
    CHECK_EQ(Main.after_at, 150);
    CHECK_EQ(Main.t2, 160);
    CHECK_EQ(aio_group_status(&Main.g2), AIO_EUSER - 1);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(B.fin_at, 100);
    CHECK_EQ(B.cleanup_at, 130);
    CHECK_EQ(D.fin_at, 50);
    CHECK_EQ(D.cleanup_done, 1);
    CHECK_EQ(D.cleanup_at, 150);
    CHECK_EQ(aio_task_result(&D.task), AIO_ECANCELED);
    END_TEST();
}

static aio_status m_child_owned_group(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    P1.d = AIO_SEC(10);
    P1.sib = &D;
    D.d = AIO_SEC(1);
    D.cleanup = AIO_MS(30);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &B, 100, AIO_EUSER);
        aio_group_spawn(&s->g, &P1.task, sub_group);
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8: a child P1 owns a group of its own; when the outer group aborts (B fails
 * at 100 ms) P1's body is cancelled, P1's group cancels its child D (cleanup
 * until 130 ms) and P1 ends cancelled at 130 ms; P1's group has no error. */
static void test_group_abort_reaches_child_owned_group(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_child_owned_group), AIO_OK);
    CHECK_EQ(P1.rc1, AIO_OK);
    CHECK_EQ(P1.n, 0);
    CHECK_EQ(P1.after, 0);
    CHECK_EQ(P1.fin_at, 130);
    CHECK_EQ(P1.fin_status, AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&P1.task), AIO_ECANCELED);
    CHECK_EQ(aio_group_status(&P1.g), AIO_OK);
    CHECK_EQ(D.fin_at, 100);
    CHECK_EQ(D.cleanup_at, 130);
    CHECK_EQ(aio_task_result(&D.task), AIO_ECANCELED);
    CHECK_EQ(Main.after_at, 130);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

/* -------------------------------- children spawning siblings, re-use */

static aio_status m_spawn_siblings(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.grp = &s->g;
    A.sib = &B;
    B.d = AIO_MS(200);
    B.ret = 2;
    B.grp = &s->g;
    B.sib = &C;
    C.d = AIO_MS(50);
    C.ret = 3;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, 1);
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* Children spawn siblings into the group while the owner already waits at
 * the block's end: A spawns B at 100 ms, B spawns C at 300 ms; the end waits
 * for all of them (350 ms). */
static void test_group_children_spawn_siblings(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_spawn_siblings), AIO_OK);
    CHECK_EQ(A.sib_rc, AIO_OK);
    CHECK_EQ(B.sib_rc, AIO_OK);
    CHECK_EQ(B.start_at, 100);
    CHECK_EQ(C.start_at, 300);
    CHECK_EQ(aio_task_result(&A.task), 1);
    CHECK_EQ(aio_task_result(&B.task), 2);
    CHECK_EQ(aio_task_result(&C.task), 3);
    CHECK_EQ(C.after_at, 350);
    CHECK_EQ(Main.after_at, 350);
    CHECK_EQ(aio_group_status(&Main.g), AIO_OK);
    END_TEST();
}

static aio_status m_spawned_sibling_fails(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.grp = &s->g;
    A.sib = &B;
    A.d2 = AIO_SEC(1);
    A.cleanup = AIO_MS(20);
    B.d = AIO_MS(50);
    B.ret = AIO_EUSER - 5;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 50, 0);
        AIO_SLEEP(t, AIO_SEC(10));
        s->n++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R74: a sibling spawned by child A (at 50 ms) fails at 100 ms: it aborts the
 * whole group, including A that spawned it (cleanup until 120 ms). */
static void test_group_sibling_spawned_by_child_fails(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_spawned_sibling_fails), AIO_OK);
    CHECK_EQ(A.sib_rc, AIO_OK);
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER - 5);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.after, 0);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 120);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after_at, 120);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER - 5);
    END_TEST();
}

static aio_status m_reuse(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->rc1 = aio_group_status(&s->g);
    s->t1 = T_MS();
    AIO_GROUP(t, &s->g) {
        s->rc2 = start_in_group(&s->g, &A, 200, 2);
        s->rc3 = start_in_group(&s->g, &B, 100, 3);
        AIO_SLEEP(t, AIO_MS(50));
        s->n++;
    }
    s->rc4 = aio_group_status(&s->g);
    s->t2 = T_MS();
    AIO_END(t);
}

/* One aio_group used for two blocks in a row: the first ends with A's error
 * (100 ms); the second starts clean (status AIO_OK, spawns accepted, the
 * finished A spawned again) and ends at 300 ms. */
static void test_group_reused_sequentially(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_reuse), AIO_OK);
    CHECK_EQ(Main.rc1, AIO_EUSER);
    CHECK_EQ(Main.t1, 100);
    CHECK_EQ(Main.rc2, AIO_OK);
    CHECK_EQ(Main.rc3, AIO_OK);
    CHECK_EQ(Main.n, 1);
    CHECK_EQ(Main.rc4, AIO_OK);
    CHECK_EQ(Main.t2, 300);
    CHECK_EQ(A.body, 2);
    CHECK_EQ(aio_task_result(&A.task), 2);
    CHECK_EQ(aio_task_result(&B.task), 3);
    END_TEST();
}

static aio_status m_reenter_body(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(50);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        AIO_YIELD(t);
        AIO_GROUP(t, &s->g) {
            s->n++;
        }
        s->n2++;
    }
    s->after++;
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    AIO_END(t);
}

/* Re-entering a group from inside its own body raises AIO_EINVAL
 * ("re-entering"): like any body error, the children are cancelled and
 * awaited (A's cleanup until 50 ms), then the error unwinds. */
static void test_group_reenter_open_group_in_body(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_reenter_body), AIO_EINVAL);
    CHECK_DEBUG("re-entering");
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.n2, 0);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.fin_at, 50);
    CHECK_EQ(Main.fin_status, AIO_EINVAL);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EINVAL);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(A.fin_at, 0);
    CHECK_EQ(A.cleanup_at, 50);
    END_TEST();
}

static aio_status m_reenter_child(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(50);
    P1.d = AIO_MS(100);
    P1.grp = &s->g;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        aio_group_spawn(&s->g, &P1.task, reenterer);
    }
    s->after++;
    s->after_at = T_MS();
    AIO_END(t);
}

/* A child (P1) that tries to open its group (still open: the owner waits at the
 * block's end) fails with AIO_EINVAL at 100 ms, which aborts the group like
 * any child failure; the block ends after A's cleanup (150 ms). */
static void test_group_reenter_open_group_from_child(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_reenter_child), AIO_OK);
    CHECK_DEBUG("re-entering");
    CHECK_EQ(P1.n, 0);
    CHECK_EQ(P1.after, 0);
    CHECK_EQ(P1.fin_at, 100);
    CHECK_EQ(aio_task_result(&P1.task), AIO_EINVAL);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EINVAL);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 150);
    CHECK_EQ(Main.after, 1);
    CHECK_EQ(Main.after_at, 150);
    END_TEST();
}

/* ---------------------------------------- level-triggered body (L2, R84) */

static aio_status m_level_triggered(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        for (s->i = 0; s->i < 3; s->i++) {
            AIO_CALL(t, s->lv, swallow, &s->sw);
            s->n++;
            trace("%d@%lld ", s->lv, T_MS());
        }
        AIO_YIELD(t);
        s->n2++;
    }
    s->after_at = T_MS();
    AIO_SLEEP(t, AIO_MS(50));
    s->t2 = T_MS();
    AIO_END(t);
}

/* L2/R84: after A's failure (100 ms) every checkpoint of the body raises until
 * the block ends: an inline callee that swallows the cancellation returns 9,
 * each of three times, but the next plain await still unwinds; the block
 * ends at 100 ms and the owner is not cancelled afterwards (150 ms). */
static void test_group_level_triggered_body(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_level_triggered), AIO_OK);
    CHECK_DEBUG("swallowed");
    CHECK_EQ(Main.n, 3);
    CHECK_STR(test_trace, "9@100 9@100 9@100 ");
    CHECK_EQ(Main.n2, 0);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(Main.t2, 150);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

/* ------------------------------------------- shields inside children */

static aio_status m_shielded_work(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    P1.d = AIO_MS(300);
    P1.d2 = AIO_SEC(10);
    P1.ret = 1;
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &P1.task, shielded_worker);
        start_in_group(&s->g, &B, 100, AIO_EUSER);
        start_in_group(&s->g, &C, 1000, 0);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8 (shield as a scope): B fails at 100 ms; C is cancelled at once, but P1's
 * shielded sleep runs to its end (300 ms); P1's next unshielded await raises,
 * and the block ends at 300 ms. */
static void test_group_shielded_work_in_child(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_shielded_work), AIO_OK);
    CHECK_EQ(P1.after, 1);
    CHECK_EQ(P1.after_at, 300);
    CHECK_EQ(P1.n, 0);
    CHECK_EQ(P1.fin_at, 300);
    CHECK_EQ(aio_task_result(&P1.task), AIO_ECANCELED);
    CHECK_EQ(aio_timeout_status(&P1.sh), AIO_OK);
    CHECK_EQ(C.fin_at, 100);
    CHECK_EQ(Main.after_at, 300);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

static aio_status m_shielded_cleanup(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(400);
    A.shield_cleanup = 1;
    C.cleanup = AIO_MS(400);
    E.cleanup = AIO_MS(400);
    E.shield_cleanup = 1;
    E.shield_d = AIO_MS(150);
    AIO_TIMEOUT(t, &s->to, AIO_MS(300)) {
        AIO_GROUP(t, &s->g) {
            start_in_group(&s->g, &A, 1000, 0);
            start_in_group(&s->g, &B, 100, AIO_EUSER);
            start_in_group(&s->g, &C, 1000, 0);
            start_in_group(&s->g, &E, 1000, 0);
            AIO_SLEEP(t, AIO_SEC(10));
        }
        s->n++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L8: B fails at 100 ms; the others' cleanups start then. The enclosing
 * timeout (300 ms) interrupts C's unshielded cleanup; A's shielded cleanup
 * runs to its end (500 ms); E's shielded cleanup obeys only its own 150 ms
 * deadline (250 ms). The block ends at 500 ms: the group keeps B's error and
 * the timeout, which expired meanwhile, reports AIO_ETIMEDOUT. */
static void test_group_shielded_cleanup_in_child(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_shielded_cleanup), AIO_OK);
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_done, 1);
    CHECK_EQ(A.cleanup_at, 500);
    CHECK_EQ(aio_task_result(&A.task), AIO_ECANCELED);
    CHECK_EQ(C.fin_at, 100);
    CHECK_EQ(C.cleanup_done, 0);
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(E.cleanup_done, 1);
    CHECK_EQ(E.cleanup_at, 250);
    CHECK_EQ(aio_timeout_status(&E.sh), AIO_ETIMEDOUT);
    CHECK_EQ(Main.n, 0);
    CHECK_EQ(Main.after_at, 500);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_ETIMEDOUT);
    END_TEST();
}

static aio_status m_child_swallows(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    A.cleanup = AIO_MS(200);
    A.override = 1;
    A.fin_value = 7;
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 1000, 0);
        start_in_group(&s->g, &B, 100, AIO_EUSER);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* R78: a child whose cleanup ignores the cancellation (sleeps 200 ms, then
 * returns 7) delays the block's end until 300 ms; its value is kept and is
 * not a failure; the status stays B's error. */
static void test_group_child_swallowing_cancel_delays_end(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_child_swallows), AIO_OK);
    CHECK_DEBUG("swallowed");
    CHECK_EQ(A.fin_at, 100);
    CHECK_EQ(A.cleanup_at, 300);
    CHECK_EQ(aio_task_result(&A.task), 7);
    CHECK_EQ(Main.after_at, 300);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

/* ------------- a new abort reaches cleanups that are already running (L2) */

static aio_status m_abort_child_cleanup(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    B.cleanup = AIO_MS(200);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 1000, 0);
        AIO_SLEEP(t, AIO_MS(50));
        s->rc1 = aio_cancel(&B.task);
        AIO_SLEEP(t, AIO_SEC(10));
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L2: B is cancelled on its own at 50 ms and cleans up (would sleep until
 * 250 ms); the group's abort at 100 ms is a new cancellation, delivered in
 * that cleanup at once: B ends at 100 ms and so does the block. */
static void test_group_abort_interrupts_child_cleanup(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_abort_child_cleanup), AIO_OK);
    CHECK_EQ(Main.rc1, 1);
    CHECK_EQ(B.fin_at, 50);
    CHECK_EQ(B.cleanup_done, 0);
    CHECK_EQ(aio_task_result(&B.task), AIO_ECANCELED);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

static aio_status m_abort_grandchild_cleanup(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    D.cleanup = AIO_MS(200);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        AIO_GROUP(t, &s->g2) {
            start_in_group(&s->g2, &C, 50, AIO_EUSER - 1);
            start_in_group(&s->g2, &D, 1000, 0);
            AIO_SLEEP(t, AIO_SEC(10));
        }
        s->n2++;
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* L2/L8: as above one level down: the inner group aborts at 50 ms (C fails)
 * and D cleans up (would sleep until 250 ms); the outer group's abort at
 * 100 ms is a new cancellation for D too (D is inside the outer group's
 * scope, unshielded): D's cleanup sleep raises at 100 ms and both blocks end
 * at 100 ms, exactly as for a direct child. */
static void test_group_outer_abort_interrupts_grandchild_cleanup(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, m_abort_grandchild_cleanup), AIO_OK);
    CHECK_EQ(D.fin_at, 50);
    CHECK_EQ(D.cleanup_done, 0);
    CHECK_EQ(aio_task_result(&D.task), AIO_ECANCELED);
    CHECK_EQ(Main.n2, 0);
    CHECK_EQ(Main.after_at, 100);
    CHECK_EQ(aio_group_status(&Main.g2), AIO_EUSER - 1);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    END_TEST();
}

/* ------------------------------------------------- groups opened in cleanup */

/* An inline coroutine that sleeps 1 s; its cleanup sleeps 1 ms, then flushes
 * through a group: child A (5 ms, returns 7). */
typedef struct {
    aio_frame frame;
    aio_group g;
    aio_status grp_status;
    long long grp_end;
} flusher_t;
static flusher_t FL;

static aio_status flusher(aio_task *t, flusher_t *f) {
    AIO_BEGIN(t, f);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_GROUP(t, &f->g) {
        start_in_group(&f->g, &A, 5, 7);
    }
    f->grp_status = aio_group_status(&f->g);
    f->grp_end = T_MS();
    AIO_END(t);
}

static aio_status main_timeout_around_flusher(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
        AIO_CALL(t, s->lv, flusher, &FL);
    }
    s->after_at = T_MS();
    AIO_END(t);
}

/* Whatever a cleanup starts sees what the cleanup sees: the 10 ms deadline
 * that brought the inline coroutine's cleanup there is not delivered again,
 * to the cleanup or to the children of a group it opens. A runs its 5 ms to
 * the end (11 -> 16 ms), the group reports AIO_OK, and the block then ends
 * by its timeout at 16 ms. (asyncio: a TaskGroup in a `finally` runs its
 * children to the end.) */
static void test_group_opened_in_cleanup_runs_children(void) {
    BEGIN_TEST();
    memset(&FL, 0, sizeof FL);
    CHECK_EQ(test_run(&loop, &Main.task, main_timeout_around_flusher), AIO_OK);
    CHECK_EQ(A.body, 1);
    CHECK_EQ(A.start_at, 11);
    CHECK_EQ(A.after_at, 16);
    CHECK_EQ(aio_task_result(&A.task), 7);
    CHECK_EQ(FL.grp_status, AIO_OK);
    CHECK_EQ(FL.grp_end, 16);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_ETIMEDOUT);
    CHECK_EQ(Main.after_at, 16);
    END_TEST();
}

/* A group child that the block's deadline cancels opens a group of its own
 * in its cleanup: that group's child B runs to its end too. */
static aio_status child_flushing_in_cleanup(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    AIO_GROUP(t, &s->g2) {
        start_in_group(&s->g2, &B, 5, 3);
    }
    s->rc2 = aio_group_status(&s->g2);
    s->fin_at = T_MS();
    AIO_END(t);
}

static aio_status main_group_child_flushes(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
        AIO_GROUP(t, &s->g) {
            aio_group_spawn(&s->g, &P1.task, child_flushing_in_cleanup);
            AIO_SLEEP(t, AIO_SEC(1));
        }
    }
    s->after_at = T_MS();
    AIO_END(t);
}

static void test_group_child_cleanup_group_runs_children(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, main_group_child_flushes), AIO_OK);
    CHECK_EQ(P1.fin_status, AIO_ECANCELED);
    CHECK_EQ(B.start_at, 10);
    CHECK_EQ(B.after_at, 15);
    CHECK_EQ(aio_task_result(&B.task), 3);
    CHECK_EQ(P1.rc2, AIO_OK);
    CHECK_EQ(P1.fin_at, 15);
    CHECK_EQ(aio_task_result(&P1.task), AIO_ECANCELED);
    CHECK_EQ(aio_timeout_status(&Main.to), AIO_ETIMEDOUT);
    CHECK_EQ(Main.after_at, 15);
    END_TEST();
}

/* ---------------------------------------- a group left by a plain return */

typedef struct {
    aio_frame frame;
    aio_group g;
    int round;
} leaver_t;
static leaver_t LV;

/* Round 0 spawns A (100 ms) and leaves the group with a plain `return` (the
 * misuse); later rounds spawn B (20 ms) and end the block normally. */
static aio_status group_leaver(aio_task *t, leaver_t *l) {
    AIO_BEGIN(t, l);
    AIO_GROUP(t, &l->g) {
        if (l->round++ == 0) {
            start_in_group(&l->g, &A, 100, 1);
            return 5; /* lint-coroutines: ok (the misuse this test makes) */
        }
        start_in_group(&l->g, &B, 20, 2);
    }
    AIO_RETURN(t, aio_group_status(&l->g));
    AIO_END(t);
}

static aio_status main_reuses_left_group(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_CALL(t, s->rc1, group_leaver, &LV);
    AIO_CALL(t, s->rc2, group_leaver, &LV); /* A still runs: refused */
    s->t1 = T_MS();
    AIO_AWAIT(t, s->rc3, &A.task);
    AIO_CALL(t, s->rc4, group_leaver, &LV); /* A has ended: a clean group */
    s->t2 = T_MS();
    AIO_END(t);
}

/* The plain return closes the block and cancels A, which cannot be waited
 * for there; the group stays A's until it ends: entering it again meanwhile
 * is AIO_EINVAL with a message. Once A has ended (cancelled, at once), the
 * group is entered clean and its end waits for its new child B (20 ms). */
static void test_group_reentered_after_plain_return(void) {
    BEGIN_TEST();
    memset(&LV, 0, sizeof LV);
    CHECK_EQ(test_run(&loop, &Main.task, main_reuses_left_group), AIO_OK);
    CHECK_EQ(Main.rc1, 5);
    CHECK_EQ(Main.rc2, AIO_EINVAL);
    CHECK_DEBUG("entered again while children of its last block");
    CHECK_EQ(Main.t1, 0);
    CHECK_EQ(Main.rc3, AIO_ECANCELED);
    CHECK_EQ(A.after, 0);
    CHECK_EQ(Main.rc4, AIO_OK);
    CHECK_EQ(B.after_at, 20);
    CHECK_EQ(Main.t2, 20);
    CHECK_EQ(LV.g.live, 0);
    END_TEST();
}

/* ------------------------------------------------------------ registry */

/* ------------------------------------------------ failures in one instant */

static aio_status two_fail_together(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        start_in_group(&s->g, &B, 100, AIO_EUSER - 1);
        start_in_group(&s->g, &C, 500, 3);
        AIO_SLEEP(t, AIO_SEC(1));
        s->after++;
    }
    s->at = T_MS();
    AIO_END(t);
}

/* Two children that fail in the same instant: the group hears of both at
 * once, one turn later; the first failure is the group's error, the second
 * stays in its task, and the body and the third child are cancelled at
 * 100 ms. */
static void test_group_two_children_fail_in_one_instant(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, two_fail_together), AIO_OK);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(aio_task_result(&A.task), AIO_EUSER);
    CHECK_EQ(aio_task_result(&B.task), AIO_EUSER - 1);
    CHECK_EQ(aio_task_result(&C.task), AIO_ECANCELED);
    CHECK_EQ(C.fin_at, 100);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(Main.at, 100);
    END_TEST();
}

static aio_status body_fails_after_child(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        start_in_group(&s->g, &A, 100, AIO_EUSER);
        AIO_YIELD(t);              /* A arms its timer first ... */
        AIO_SLEEP(t, AIO_MS(100)); /* ... and is woken first */
        AIO_RAISE(t, AIO_EUSER - 5);  /* the group has not heard of A yet */
    }
    s->after++;
    AIO_FINALLY(t);
    s->fin_status = AIO_STATUS(t);
    AIO_END(t);
}

/* The body raises its own error in the instant a child failed, before the
 * group heard of the child: the child's failure came first and is the
 * group's error; the body's own error unwinds the task past the block. */
static void test_group_body_error_after_a_child_failure(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &Main.task, body_fails_after_child), AIO_EUSER - 5);
    CHECK_EQ(aio_group_status(&Main.g), AIO_EUSER);
    CHECK_EQ(Main.fin_status, AIO_EUSER - 5);
    CHECK_EQ(Main.after, 0);
    CHECK_EQ(T_MS(), 100);
    END_TEST();
}

/* ------------------------------------- cancellations that reach a child */

/* Round 8: what a group's child is sent is never taken for a value. */
typedef struct {
    aio_task task;
    aio_frame frame;      /* (the inline coroutine's state: frame only) */
} r8_call_t;
static struct {
    aio_task main, kid, canceller, leaf;
    aio_group g;
    aio_timeout block, wf;
    aio_event e;
    r8_call_t call, call2;
    aio_status lv, lv2, shield_rc;
    int after_call, after_await;
} R8;

static aio_status r8_sleeps_to_2s(aio_task *t, r8_call_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP_UNTIL(t, test_start + AIO_SEC(2));
    AIO_END(t);
}
static aio_status r8_kid_wait_for_call(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_FOR_CALL(t, R8.lv, r8_sleeps_to_2s, &R8.call2, &R8.wf, AIO_SEC(1));
    R8.after_call++; /* never: the group's cancellation unwinds the task */
    AIO_END(t);
}
/* waits for an event that never comes; its cleanup spawns the kid */
static aio_status r8_waits_event(aio_task *t, r8_call_t *s) {
    AIO_BEGIN(t, s);
    AIO_EVENT_WAIT(t, R8.lv2, &R8.e, AIO_NEVER);
    AIO_FINALLY(t);
    (void)aio_group_spawn(&R8.g, &R8.kid, r8_kid_wait_for_call);
    AIO_END(t);
}
static aio_status r8_cancels_main(aio_task *t) {
    AIO_BEGIN(t);
    (void)aio_cancel(&R8.main);
    AIO_END(t);
}
static aio_status r8_main_spawns_in_cleanup(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &R8.g) {
        AIO_TIMEOUT(t, &R8.block, AIO_SEC(1)) {
            AIO_CALL(t, R8.lv2, r8_waits_event, &R8.call);
        }
        (void)aio_group_spawn(&R8.g, &R8.canceller, r8_cancels_main);
    }
    AIO_END(t);
}

/* A child spawned into a group from its owner's cleanup, where the group was
 * opened before that cleanup began, sees the blocks around the group as the
 * owner does, not the owner's blocks inside it that the cleanup hides: the
 * group's cancellation, delivered at the child's AIO_WAIT_FOR_CALL, unwinds
 * the child, which ends cancelled (it was taken for a value and the child
 * ended with success: the round-8 report). */
static void test_group_child_from_cleanup_wait_for_call_cancelled(void) {
    BEGIN_TEST();
    memset(&R8, 0, sizeof R8);
    CHECK_EQ(test_run(&loop, &R8.main, r8_main_spawns_in_cleanup), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&R8.kid), AIO_ECANCELED);
    CHECK_EQ(R8.after_call, 0);
    CHECK_EQ(T_MS(), 1000);
    END_TEST();
}

/* The same child spawned from a cleanup that a block's expiry reached, the
 * block inside a shielded one inside the group: the child's view stops at
 * the shield as the owner's does, and nothing cancels it: it ends with its
 * value, after which the group ends and the owner goes on. */
static aio_status r8_kid_sleeps(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    AIO_RETURN(t, 7);
    AIO_END(t);
}
static aio_status r8_waits_event_spawns_sleeper(aio_task *t, r8_call_t *s) {
    AIO_BEGIN(t, s);
    AIO_EVENT_WAIT(t, R8.lv2, &R8.e, AIO_NEVER);
    AIO_FINALLY(t);
    (void)aio_group_spawn(&R8.g, &R8.kid, r8_kid_sleeps);
    AIO_END(t);
}
static aio_status r8_main_shielded_expiry(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &R8.g) {
        AIO_SHIELDED(t, &R8.wf, AIO_NEVER) {
            AIO_TIMEOUT(t, &R8.block, AIO_MS(10)) {
                AIO_CALL(t, R8.lv2, r8_waits_event_spawns_sleeper, &R8.call);
            }
        }
    }
    R8.after_await = (int)T_MS();
    AIO_END(t);
}
static void test_group_child_from_cleanup_behind_a_shield(void) {
    BEGIN_TEST();
    memset(&R8, 0, sizeof R8);
    CHECK_EQ(test_run(&loop, &R8.main, r8_main_shielded_expiry), AIO_OK);
    CHECK_EQ(aio_timeout_status(&R8.block), AIO_ETIMEDOUT);
    CHECK_EQ(aio_task_result(&R8.kid), 7);
    CHECK_EQ(R8.after_await, 15); /* (the group waited for the child) */
    END_TEST();
}

static aio_status r8_leaf(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}
static aio_status r8_kid_shield_then_await(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SHIELD(t, R8.shield_rc, &R8.leaf);
    AIO_AWAIT(t, R8.lv, &R8.leaf); /* finished: completes at once, no checkpoint */
    R8.after_await++;
    AIO_END(t);
}
static aio_status r8_main_cancels_group_when_leaf_ends(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &R8.g) {
        (void)aio_spawn(&R8.leaf, r8_leaf);
        (void)aio_group_spawn(&R8.g, &R8.kid, r8_kid_shield_then_await);
        AIO_SHIELD(t, R8.lv2, &R8.leaf); /* woken first when the leaf ends */
        (void)aio_group_cancel(&R8.g);   /* the kid, woken too, has not run yet */
    }
    AIO_END(t);
}

/* L3 gives the child the result it was woken for, and the group's
 * cancellation waits for its next checkpoint; an await of a finished task
 * completes at once, as asyncio's does, and the body returns: the
 * cancellation, never delivered, still ends the child cancelled (a group's
 * cancellation, like the task's own request, is never lost at the end). */
static void test_group_child_returning_with_cancel_pending_ends_cancelled(void) {
    BEGIN_TEST();
    memset(&R8, 0, sizeof R8);
    CHECK_EQ(test_run(&loop, &R8.main, r8_main_cancels_group_when_leaf_ends), AIO_OK);
    CHECK_EQ(R8.shield_rc, AIO_OK);
    CHECK_EQ(R8.lv, AIO_OK);
    CHECK_EQ(R8.after_await, 1);
    CHECK_EQ(aio_task_result(&R8.kid), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 10);
    END_TEST();
}

static aio_wait_item r8_items[2];
static aio_status r8_ends_at_once(aio_task *t) {
    AIO_BEGIN(t);
    AIO_END(t);
}
static aio_status r8_main_gathers(aio_task *t) {
    AIO_BEGIN(t);
    (void)aio_spawn(&R8.leaf, r8_ends_at_once);
    (void)aio_spawn(&R8.canceller, r8_cancels_main);
    r8_items[0].task = &R8.leaf;
    r8_items[1].task = &R8.canceller;
    AIO_GATHER_ALL(t, R8.lv, r8_items, 2);
    R8.after_await++;
    AIO_END(t);
}

/* A gather woken by the end of one of its tasks and cancelled before it ran
 * again (by the other, which then ends) passes the cancellation on to the
 * task still running, as asyncio's gather does, and raises: the other's end
 * came after the cancel, so it is not a result that beats it (L3). */
static void test_gather_woken_by_one_then_cancelled_passes_on(void) {
    BEGIN_TEST();
    memset(&R8, 0, sizeof R8);
    CHECK_EQ(test_run(&loop, &R8.main, r8_main_gathers), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&R8.leaf), AIO_OK);
    CHECK_EQ(aio_task_result(&R8.canceller), AIO_ECANCELED);
    CHECK_EQ(R8.after_await, 0);
    CHECK_EQ(T_MS(), 0);
    END_TEST();
}

/* A gather cancelled while it waits for the cleanup of the tasks it
 * cancelled: B's cleanup ends first and wakes it; a second cancel comes
 * before it runs (from a task queued between): when it runs it passes that
 * one on to A, whose cleanup's await it cuts; it raises once A has ended.
 * And a gather woken by its block's deadline, cancelled before it runs:
 * not woken by a task's end, it passes nothing on then (it does as it
 * resumes). */
static struct {
    aio_task main, a, b, c1, c2;
    aio_wait_item items[2];
    aio_timeout block;
    aio_status lv;
    long long a_cut_at, main_at;
} R8G;
static aio_status r8g_a(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_NEVER);
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(100));
    R8G.a_cut_at = -1; /* (never: the second cancel cuts it) */
    AIO_END(t);
}
static aio_status r8g_b(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_NEVER);
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(50));
    AIO_END(t);
}
static aio_status r8g_c2(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP_UNTIL(t, test_start + AIO_MS(60)); /* (armed after b's cleanup: runs after it, before main) */
    CHECK_EQ(aio_cancel(&R8G.main), 1);
    AIO_END(t);
}
static aio_status r8g_c1(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_cancel(&R8G.main), 1);
    CHECK_EQ(aio_spawn(&R8G.c2, r8g_c2), AIO_OK);
    AIO_END(t);
}
static aio_status r8g_main(aio_task *t) {
    AIO_BEGIN(t);
    (void)aio_spawn(&R8G.a, r8g_a);
    (void)aio_spawn(&R8G.b, r8g_b);
    R8G.items[0].task = &R8G.a;
    R8G.items[1].task = &R8G.b;
    AIO_GATHER_ALL(t, R8G.lv, R8G.items, 2);
    AIO_FINALLY(t);
    R8G.main_at = T_MS();
    AIO_END(t);
}
static void test_gather_cancelled_again_while_woken_passes_it_on(void) {
    BEGIN_TEST();
    memset(&R8G, 0, sizeof R8G);
    CHECK_EQ(aio_spawn(&R8G.c1, r8g_c1), AIO_OK);
    CHECK_EQ(test_run(&loop, &R8G.main, r8g_main), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&R8G.a), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&R8G.b), AIO_ECANCELED);
    CHECK_EQ(R8G.a_cut_at, 0); /* (a's cleanup cut at 60 ms, not run to its end) */
    CHECK_EQ(R8G.main_at, 60);
    END_TEST();
}

static aio_status r8g_cancels_main_at_50(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(50)); /* (armed before main's block: due first in that turn) */
    CHECK_EQ(aio_cancel(&R8G.main), 1);
    AIO_END(t);
}
static aio_status r8g_main_in_block(aio_task *t) {
    AIO_BEGIN(t);
    (void)aio_spawn(&R8G.a, r8g_a);
    R8G.items[0].task = &R8G.a;
    AIO_TIMEOUT(t, &R8G.block, AIO_MS(50)) {
        AIO_GATHER_ALL(t, R8G.lv, R8G.items, 1);
    }
    AIO_FINALLY(t);
    R8G.main_at = T_MS();
    AIO_END(t);
}
static void test_gather_woken_by_its_deadline_then_cancelled(void) {
    BEGIN_TEST();
    memset(&R8G, 0, sizeof R8G);
    CHECK_EQ(aio_spawn(&R8G.c1, r8g_cancels_main_at_50), AIO_OK);
    CHECK_EQ(test_run(&loop, &R8G.main, r8g_main_in_block), AIO_ECANCELED); /* (the cancel beats the deadline) */
    CHECK_EQ(aio_task_result(&R8G.a), AIO_ECANCELED);
    CHECK_EQ(R8G.main_at, 150); /* (a's cleanup, 100 ms, waited for) */
    END_TEST();
}

/* ------------------------------------------------ a group of another loop */

static aio_status group_waits(aio_task *t) {
    gk *s = AIO_SELF(t, gk);
    AIO_BEGIN(t);
    AIO_GROUP(t, &s->g) {
        AIO_SLEEP(t, AIO_MS(50));
    }
    s->at = T_MS();
    AIO_END(t);
}

/* A child spawned into a group from outside its loop (another loop is the
 * running one) belongs to the group's loop: it has no parent task, runs
 * when that loop is stepped, and the block waits for it. */
static void test_group_spawn_from_another_loop(void) {
    static aio_timer ta[4], tb[4];
    aio_loop la, lb;
    reset();
    aio_loop_init(&la, ta, 4);
    aio_loop_use_virtual_clock(&la, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&Main.task, group_waits), AIO_OK);
    CHECK_EQ(aio_step(&la), 1); /* the group is open, its body asleep */
    aio_loop_init(&lb, tb, 4);  /* now the running loop */
    aio_loop_use_virtual_clock(&lb, 0);
    setw(&A, "A", 100, 4);
    CHECK_EQ(aio_group_spawn(&Main.g, &A.task, worker), AIO_OK);
    CHECK(A.task.parent == NULL);
    CHECK(A.task.loop == &la);
    CHECK_EQ(aio_step(&lb), 0);
    CHECK_EQ(A.body, 0);
    CHECK_EQ(aio_step(&la), 1);
    CHECK_EQ(A.body, 1);
    aio_virtual_advance(&la, AIO_MS(50));
    CHECK_EQ(aio_step(&la), 1); /* the body ends and waits for A */
    CHECK(!aio_task_done(&Main.task));
    aio_virtual_advance(&la, AIO_MS(50));
    aio_step(&la);
    aio_step(&la);
    CHECK(aio_task_done(&Main.task));
    CHECK_EQ(Main.at, 100);
    CHECK_EQ(aio_task_result(&A.task), 4);
    CHECK_STR(test_trace, "A@100 ");
    CHECK_EQ(aio_loop_destroy(&lb), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&la), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_group_end_waits_for_all_children),
    TEST_ENTRY(test_group_empty_block),
    TEST_ENTRY(test_group_child_failure_cancels_body_and_siblings),
    TEST_ENTRY(test_group_first_error_wins),
    TEST_ENTRY(test_group_child_failure_while_owner_waits_at_end),
    TEST_ENTRY(test_group_cancelled_child_not_failure),
    TEST_ENTRY(test_group_child_cancelled_before_run_not_failure),
    TEST_ENTRY(test_group_child_cancelled_by_outsider_not_failure),
    TEST_ENTRY(test_group_body_raises_error),
    TEST_ENTRY(test_group_body_return_waits_children),
    TEST_ENTRY(test_group_owner_cancelled_in_body),
    TEST_ENTRY(test_group_owner_cancelled_at_block_end),
    TEST_ENTRY(test_group_owner_cancelled_twice_still_waits),
    TEST_ENTRY(test_group_cancel_races_child_error),
    TEST_ENTRY(test_group_owner_cancelled_child_cleanup_error),
    TEST_ENTRY(test_group_in_expiring_timeout),
    TEST_ENTRY(test_group_children_see_deadline_themselves),
    TEST_ENTRY(test_group_child_effective_deadline),
    TEST_ENTRY(test_group_reschedule_earlier_moves_children),
    TEST_ENTRY(test_group_reschedule_later_moves_children),
    TEST_ENTRY(test_group_child_failure_in_timeout_is_not_timeout),
    TEST_ENTRY(test_group_spawn_refused_while_shutting_down),
    TEST_ENTRY(test_group_spawn_refused_when_not_open),
    TEST_ENTRY(test_group_cancel_from_body),
    TEST_ENTRY(test_group_cancel_from_child),
    TEST_ENTRY(test_group_cancel_from_other_task),
    TEST_ENTRY(test_group_cancel_before_children_ran),
    TEST_ENTRY(test_group_failure_before_sibling_ran),
    TEST_ENTRY(test_group_nested_inner_failure_outer_continues),
    TEST_ENTRY(test_group_nested_both_fail),
    TEST_ENTRY(test_group_abort_reaches_child_owned_group),
    TEST_ENTRY(test_group_children_spawn_siblings),
    TEST_ENTRY(test_group_sibling_spawned_by_child_fails),
    TEST_ENTRY(test_group_reused_sequentially),
    TEST_ENTRY(test_group_reenter_open_group_in_body),
    TEST_ENTRY(test_group_reenter_open_group_from_child),
    TEST_ENTRY(test_group_level_triggered_body),
    TEST_ENTRY(test_group_shielded_work_in_child),
    TEST_ENTRY(test_group_shielded_cleanup_in_child),
    TEST_ENTRY(test_group_child_swallowing_cancel_delays_end),
    TEST_ENTRY(test_group_abort_interrupts_child_cleanup),
    TEST_ENTRY(test_group_outer_abort_interrupts_grandchild_cleanup),
    TEST_ENTRY(test_group_opened_in_cleanup_runs_children),
    TEST_ENTRY(test_group_child_cleanup_group_runs_children),
    TEST_ENTRY(test_group_reentered_after_plain_return),
    TEST_ENTRY(test_group_two_children_fail_in_one_instant),
    TEST_ENTRY(test_group_body_error_after_a_child_failure),
    TEST_ENTRY(test_group_spawn_from_another_loop),
    TEST_ENTRY(test_group_child_from_cleanup_wait_for_call_cancelled),
    TEST_ENTRY(test_group_child_from_cleanup_behind_a_shield),
    TEST_ENTRY(test_group_child_returning_with_cancel_pending_ends_cancelled),
    TEST_ENTRY(test_gather_woken_by_one_then_cancelled_passes_on),
    TEST_ENTRY(test_gather_cancelled_again_while_woken_passes_it_on),
    TEST_ENTRY(test_gather_woken_by_its_deadline_then_cancelled),
};

void register_groups_tests(void) { test_register(cases, TEST_COUNT(cases)); }
