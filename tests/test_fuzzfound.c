/* SPDX-License-Identifier: MIT */
/* Regressions for bugs the schedule fuzzer found (tests/fuzz/). Each test
 * replays the smallest schedule that showed the bug, on the virtual clock;
 * the input that found it is in tests/fuzz/regressions/. */
#include "workers.h"

typedef struct {
    aio_task task;
    aio_status wait_rc; /* what the condition wait returned */
    int reached;        /* got past the wait */
    int locked_in_cleanup;
} waiter_t;

static struct {
    aio_task task;
    waiter_t w;
    aio_task holder;
    aio_lock lock;
    aio_condition cond;
    aio_status w_rc;
} F;

/* Takes the lock, waits on the condition, sleeps (a checkpoint), returns. */
static aio_status cond_waiter(aio_task *t) {
    waiter_t *w = AIO_SELF(t, waiter_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->wait_rc, &F.lock, AIO_NEVER);
    AIO_COND_WAIT(t, w->wait_rc, &F.cond, AIO_SEC(1));
    w->reached = 1;
    AIO_SLEEP(t, AIO_MS(10));
    AIO_FINALLY(t);
    w->locked_in_cleanup = aio_lock_locked(&F.lock);
    if (w->locked_in_cleanup) aio_lock_release(&F.lock);
    AIO_END(t);
}

/* Takes the lock while the waiter waits, notifies it and yields with the lock
 * held, so the waiter has to queue for the lock to take it back. Then it
 * cancels the waiter and gives the lock up in the same step. */
static aio_status holder(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, rc, &F.lock, AIO_NEVER);
    (void)rc;
    CHECK_EQ(aio_condition_notify(&F.cond, 1), 1);
    AIO_YIELD(t); /* the waiter is notified and queues for the lock */
    CHECK_EQ(aio_cancel(&F.w.task), 1);
    CHECK_EQ(aio_lock_release(&F.lock), AIO_OK);
    AIO_END(t);
}

static aio_status main_relock_cancel(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&F.cond, &F.lock);
    AIO_CHECK(t, aio_spawn(&F.w.task, cond_waiter));
    AIO_SLEEP(t, AIO_MS(5)); /* the waiter holds nothing and waits on the condition */
    AIO_CHECK(t, aio_spawn(&F.holder, holder));
    AIO_AWAIT(t, F.w_rc, &F.w.task);
    AIO_END(t);
}

/* Found by the fuzzer: a task taking a condition's lock back was woken by a
 * cancel, lost its place in the lock's queue, and the holder's release found
 * the queue empty and left the lock free: the task then queued for a free
 * lock and waited forever. The cancel sends it to the back of the queue (as
 * asyncio's Condition.wait does); the release leaves the lock free, and the
 * task takes it before it queues again, then unwinds holding it. */
static void test_fuzzfound_cancel_while_retaking_condition_lock(void) {
    BEGIN_TEST_WITH(F);
    CHECK_EQ(test_run(&loop, &F.task, main_relock_cancel), AIO_OK);
    CHECK_EQ(T_MS(), 5);
    CHECK_EQ(F.w.wait_rc, AIO_OK); /* from the acquire: the wait stored nothing */
    CHECK_EQ(F.w.reached, 0);
    CHECK_EQ(F.w_rc, AIO_ECANCELED);
    CHECK_EQ(F.w.locked_in_cleanup, 1);
    CHECK_EQ(aio_lock_locked(&F.lock), 0);
    CHECK(aio_task_done(&F.holder));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static struct {
    aio_task task, holder, waiter;
    aio_semaphore sem;
    aio_timeout shield;
    aio_status acquire_rc, waiter_rc;
    aio_time acquired_at;
    int holds;
} G;

static aio_status permit_holder(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    AIO_SEMAPHORE_ACQUIRE(t, rc, &G.sem, AIO_NEVER);
    (void)rc;
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_cancel(&G.waiter), 1); /* held back by the waiter's shielded block */
    CHECK_EQ(aio_semaphore_release(&G.sem), AIO_OK);
    AIO_END(t);
}

/* Queues for the permit inside a shielded block, then sleeps (a checkpoint). */
static aio_status shielded_permit_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SHIELDED(t, &G.shield, AIO_SEC(5)) {
        AIO_SEMAPHORE_ACQUIRE(t, G.acquire_rc, &G.sem, AIO_NEVER);
        G.acquired_at = T();
        G.holds = 1;
    }
    AIO_SLEEP(t, AIO_MS(1));
    AIO_FINALLY(t);
    if (G.holds) aio_semaphore_release(&G.sem);
    AIO_END(t);
}

static aio_status main_shielded_permit(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&G.holder, permit_holder));
    AIO_YIELD(t); /* the holder takes the only permit */
    AIO_CHECK(t, aio_spawn(&G.waiter, shielded_permit_waiter));
    AIO_AWAIT(t, G.waiter_rc, &G.waiter);
    AIO_END(t);
}

/* Found by the fuzzer: a cancel of a task queued for a permit inside a shielded
 * block woke it and took it out of the queue, though the shield held the
 * cancel back; the holder's release in the same step found nobody queued and
 * put the permit back in the pool; the task then queued again behind a free
 * permit and waited until its shield's deadline. It must stay queued, get the
 * permit at 10 ms, and take the cancellation when the block ends. */
static void test_fuzzfound_cancel_held_back_keeps_place_in_queue(void) {
    aio_loop loop;
    memset(&G, 0, sizeof G);
    aio_semaphore_init(&G.sem, 1, 1);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &G.task, main_shielded_permit), AIO_OK);
    CHECK_EQ(G.acquire_rc, AIO_OK);
    CHECK_EQ(G.acquired_at, AIO_MS(10));
    CHECK_EQ(aio_timeout_status(&G.shield), AIO_OK);
    CHECK_EQ(G.waiter_rc, AIO_ECANCELED);
    CHECK_EQ(T_MS(), 10);
    CHECK_EQ(aio_semaphore_value(&G.sem), 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static struct {
    aio_task owner, child;
    aio_group g;
    int second_run;       /* the owner's second run, on the other loop */
    aio_time child_failed; /* loop A's time, ms since the start */
} P;

/* Sleeps until cancelled; its cleanup sleeps 5 ms, then fails. */
static aio_status fails_in_cleanup(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(5));
    P.child_failed = T_MS();
    AIO_RETURN(t, AIO_EUSER);
    AIO_END(t);
}

/* First run: leaves its group with a plain `return` while its child sleeps.
 * Second run: sleeps 20 ms and returns 7. */
static aio_status owner_leaves_group(aio_task *t) {
    AIO_BEGIN(t);
    if (P.second_run) {
        AIO_SLEEP(t, AIO_MS(20));
        AIO_RETURN(t, 7);
    }
    AIO_GROUP(t, &P.g) {
        (void)aio_group_spawn(&P.g, &P.child, fails_in_cleanup);
        AIO_YIELD(t); /* the child starts its sleep */
        return 3;     /* the mistake: not AIO_RETURN (lint-coroutines: ok) */
    }
    AIO_END(t);
}

/* Steps loop L until it has nothing left to do, moving its virtual time to
 * each deadline. */
static void run_down(aio_loop *L) {
    int steps = 0;
    aio_time next;
    while ((next = aio_next_deadline(L)) != AIO_NEVER && steps++ < 100) {
        if ((aio_stime)(next - aio_loop_now(L)) > 0) aio_virtual_advance(L, next - aio_loop_now(L));
        (void)aio_step(L);
    }
}

/* Found by the fuzzer (its checker expected a group's notice in its owner's
 * loop): a group left by a plain `return` on loop A stays its children's,
 * there, while its owner ends and runs again on loop B. The child's failure
 * in its cleanup (at 5 ms) is heard on loop A: the group holds the error,
 * counts no child, and can be entered again; the owner's run on B is not
 * disturbed by it (it sleeps its 20 ms and returns 7). */
static void test_fuzzfound_group_left_plainly_hears_its_child_while_owner_runs_elsewhere(void) {
    aio_loop a, b;
    int owner_done = 0;
    memset(&P, 0, sizeof P);
    test_loop(&a);
    CHECK_EQ(aio_spawn(&P.owner, owner_leaves_group), AIO_OK);
    while (!owner_done && aio_step(&a)) owner_done = aio_task_done(&P.owner);
    CHECK_EQ(aio_task_result(&P.owner), 3);
    CHECK_DEBUG("a task ended inside an open timeout block, which is now closed");
    CHECK(!aio_task_done(&P.child)); /* cancelled, in its cleanup */
    CHECK_EQ(P.g.live, 1);
    test_loop(&b); /* the running loop now */
    P.second_run = 1;
    CHECK_EQ(aio_spawn(&P.owner, owner_leaves_group), AIO_OK);
    CHECK(P.owner.loop == &b && P.child.loop == &a);
    (void)aio_step(&b); /* the owner parks on its 20 ms */
    run_down(&a);
    CHECK_EQ(aio_task_result(&P.child), AIO_EUSER);
    CHECK_EQ(P.child_failed, 5);
    CHECK(P.g.notice.link.next == NULL); /* heard, in loop A */
    CHECK_EQ(aio_group_status(&P.g), AIO_EUSER);
    CHECK_EQ(P.g.live, 0);
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK);
    CHECK(!aio_task_done(&P.owner)); /* untouched on loop B */
    CHECK(aio_next_deadline(&b) == (aio_time)(aio_loop_now(&b) + AIO_MS(20)));
    run_down(&b);
    CHECK_EQ(aio_task_result(&P.owner), 7);
    CHECK_EQ(T_MS(), 20);
    /* the group entered again, by a run on loop B: its new child fails too */
    P.second_run = 0;
    CHECK_EQ(test_run(&b, &P.owner, owner_leaves_group), 3);
    CHECK_EQ(aio_task_result(&P.child), AIO_EUSER);
    CHECK_EQ(P.child_failed, 25);
    CHECK_EQ(aio_group_status(&P.g), AIO_EUSER);
    CHECK_EQ(P.g.live, 0);
    CHECK_EQ(aio_loop_destroy(&b), AIO_OK);
}

/* A condition waiter, cancelled while another task holds the lock and, in a
 * block shielded from cancellation, awaits it. Taking the lock back ignores
 * cancellation (the waiter keeps its place in the lock's queue) and the
 * shield holds the holder's cancel back: neither can end, whatever is
 * cancelled. The fuzzer's checker once required every task to end after
 * enough cancels; here the program itself waits forever, and aio_run says so
 * (AIO_EDEADLK, nothing ready, no timer armed) instead of sleeping. Releasing
 * the lock by hand breaks the cycle. */
static struct {
    aio_task task, waiter, holder;
    aio_lock lock;
    aio_condition cond;
    aio_timeout shield;
    aio_status wait_rc, await_rc, holder_rc;
    int waiter_relocked, holder_past_shield;
} D;

static aio_status relocking_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, D.wait_rc, &D.lock, AIO_NEVER);
    AIO_COND_WAIT(t, D.wait_rc, &D.cond, AIO_NEVER);
    AIO_FINALLY(t);
    D.waiter_relocked = aio_lock_locked(&D.lock);
    aio_lock_release(&D.lock);
    AIO_END(t);
}

static aio_status shielded_lock_holder(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, rc, &D.lock, AIO_NEVER);
    (void)rc;
    AIO_SHIELDED(t, &D.shield, AIO_NEVER) {
        AIO_AWAIT(t, D.await_rc, &D.waiter);
    }
    D.holder_past_shield = 1;
    AIO_END(t);
}

static aio_status main_cancels_both(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&D.cond, &D.lock);
    AIO_CHECK(t, aio_spawn(&D.waiter, relocking_waiter));
    AIO_SLEEP(t, AIO_MS(1)); /* the waiter waits on the condition, the lock free */
    AIO_CHECK(t, aio_spawn(&D.holder, shielded_lock_holder));
    AIO_SLEEP(t, AIO_MS(1)); /* the holder holds the lock and awaits the waiter */
    CHECK_EQ(aio_cancel(&D.waiter), 1);
    CHECK_EQ(aio_cancel(&D.holder), 1);
    AIO_AWAIT(t, D.holder_rc, &D.holder);
    AIO_END(t);
}

static void test_fuzzfound_condition_waiter_and_shielded_lock_holder_wait_forever(void) {
    BEGIN_TEST_WITH(D);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &D.task, main_cancels_both), AIO_EDEADLK);
    CHECK_DEBUG("nothing can wake");
    CHECK_EQ(T_MS(), 2);
    CHECK(aio_task_alive(&D.waiter));
    CHECK(aio_task_alive(&D.holder));
    CHECK_EQ(D.holder_past_shield, 0);
    CHECK_EQ(aio_lock_locked(&D.lock), 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY);
    /* the holder's release by hand: the waiter takes the lock back, its
     * cancellation unwinds it, the holder's await ends and so does main */
    CHECK_EQ(aio_lock_release(&D.lock), AIO_OK);
    while (aio_step(&loop)) {
    }
    CHECK_EQ(D.waiter_relocked, 1);
    CHECK_EQ(aio_task_result(&D.waiter), AIO_ECANCELED);
    CHECK_EQ(D.await_rc, AIO_ECANCELED);
    CHECK_EQ(D.holder_past_shield, 1);
    CHECK_EQ(aio_task_result(&D.holder), AIO_ECANCELED); /* the shield held its cancel back */
    CHECK_EQ(D.holder_rc, AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&D.task), AIO_OK);
    CHECK_EQ(aio_lock_locked(&D.lock), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A group opened in a cleanup section: its first child fails at its first
 * step, and in the same turn, before the group hears of it, the owner spawns
 * a second child into it (accepted: the group is not aborting yet). The
 * abort then cancels that child before it starts, as asyncio's TaskGroup
 * does with a task created before its _on_task_done callback runs. The
 * fuzzer's checker once took this for a cancellation of the cleanup that
 * nothing made: the failed child's slot was spawned again, and the checker
 * forgot the failure with it. */
static struct {
    aio_task task, first, second;
    aio_group g;
    aio_status spawn_second;
    int second_ran, after_group;
} K;

static aio_status fails_at_once(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RAISE(t, AIO_EUSER);
    AIO_END(t);
}

static aio_status notes_it_ran(aio_task *t) {
    AIO_BEGIN(t);
    K.second_ran = 1;
    AIO_END(t);
}

static aio_status group_in_cleanup(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RETURN(t, 5);
    AIO_FINALLY(t);
    AIO_GROUP(t, &K.g) {
        AIO_CHECK(t, aio_group_spawn(&K.g, &K.first, fails_at_once));
        AIO_YIELD(t); /* the first child fails; this task runs next, then the group hears */
        K.spawn_second = aio_group_spawn(&K.g, &K.second, notes_it_ran);
    }
    K.after_group = 1; /* (execution goes on after the block: the error is raised by hand) */
    if (aio_group_status(&K.g) < 0) AIO_RAISE(t, aio_group_status(&K.g));
    AIO_END(t);
}

static void test_fuzzfound_group_in_cleanup_aborts_a_child_spawned_before_it_heard(void) {
    BEGIN_TEST_WITH(K);
    CHECK_EQ(test_run(&loop, &K.task, group_in_cleanup), AIO_EUSER);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(K.spawn_second, AIO_OK);
    CHECK_EQ(aio_task_result(&K.first), AIO_EUSER);
    CHECK_EQ(aio_task_result(&K.second), AIO_ECANCELED);
    CHECK_EQ(K.second_ran, 0);
    CHECK_EQ(aio_group_status(&K.g), AIO_EUSER);
    CHECK_EQ(K.after_group, 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A group opened in a cleanup section that nothing cancelled: the owner
 * spawns a child into it, then waits for that child with AIO_WAIT_FOR inside
 * a timeout block of 0 ms. The block's deadline is due at entry: it unwinds
 * the wait at once, and the wait passes the cancellation on to the child it
 * owns, which ends cancelled before it starts. The group ends without error,
 * the block reports its timeout, and the cleanup goes on. The fuzzer's
 * checker once took the child's cancellation for the cleanup's cause leaking
 * into the group. */
static struct {
    aio_task task, child;
    aio_group g;
    aio_timeout to;
    aio_status wait_rc;
    int child_ran, waited, after_block, after_group;
} W0;

static aio_status notes_it_ran_w0(aio_task *t) {
    AIO_BEGIN(t);
    W0.child_ran = 1;
    AIO_END(t);
}

static aio_status waits_in_a_block_due_at_entry(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RETURN(t, 5);
    AIO_FINALLY(t);
    AIO_GROUP(t, &W0.g) {
        AIO_CHECK(t, aio_group_spawn(&W0.g, &W0.child, notes_it_ran_w0));
        AIO_TIMEOUT(t, &W0.to, 0) {
            AIO_WAIT_FOR(t, W0.wait_rc, &W0.child, AIO_MS(0));
            W0.waited = 1;
        }
        W0.after_block = 1;
    }
    W0.after_group = 1;
    AIO_END(t);
}

static void test_fuzzfound_group_in_cleanup_child_cancelled_by_a_wait_in_a_block_due_at_entry(void) {
    BEGIN_TEST_WITH(W0);
    CHECK_EQ(test_run(&loop, &W0.task, waits_in_a_block_due_at_entry), 5);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(W0.waited, 0);
    CHECK_EQ(aio_timeout_status(&W0.to), AIO_ETIMEDOUT);
    CHECK_EQ(W0.after_block, 1);
    CHECK_EQ(aio_task_result(&W0.child), AIO_ECANCELED);
    CHECK_EQ(W0.child_ran, 0);
    CHECK_EQ(aio_group_status(&W0.g), AIO_OK);
    CHECK_EQ(W0.after_group, 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_fuzzfound_cancel_while_retaking_condition_lock),
    TEST_ENTRY(test_fuzzfound_cancel_held_back_keeps_place_in_queue),
    TEST_ENTRY(test_fuzzfound_group_left_plainly_hears_its_child_while_owner_runs_elsewhere),
    TEST_ENTRY(test_fuzzfound_condition_waiter_and_shielded_lock_holder_wait_forever),
    TEST_ENTRY(test_fuzzfound_group_in_cleanup_aborts_a_child_spawned_before_it_heard),
    TEST_ENTRY(test_fuzzfound_group_in_cleanup_child_cancelled_by_a_wait_in_a_block_due_at_entry),
};

void register_fuzzfound_tests(void) { test_register(cases, TEST_COUNT(cases)); }
