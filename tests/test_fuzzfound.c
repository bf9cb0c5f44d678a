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

static const test_case cases[] = {
    TEST_ENTRY(test_fuzzfound_cancel_while_retaking_condition_lock),
    TEST_ENTRY(test_fuzzfound_cancel_held_back_keeps_place_in_queue),
};

void register_fuzzfound_tests(void) { test_register(cases, TEST_COUNT(cases)); }
