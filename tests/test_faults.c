/* SPDX-License-Identifier: MIT */
/* Fault paths: full timer storage, wrapping ticks, several loops, loop
 * restarts, growth hooks that change, plain returns and shielded blocks.
 * Each test is a rule the loop keeps when things go wrong. */
#include "workers.h"

typedef struct {
    aio_task task, holder, hog, kids[2];
    aio_timeout outer, inner, shield;
    aio_wait_item items[2];
    aio_status rc, rc2, fin, kid_fin[2];
    aio_time next, period, woke;
    long long at, fin_at;
    int inside, overlap, after, n, owns, mode;
} ft_t;
static ft_t F;
static aio_lock lock;
static aio_condition cond;
static aio_event ev;

/* ------------------------------------------------- full timer storage */

/* A loop on the virtual clock from 0 with one timer slot and no growth, and
 * F zeroed: the set-up of the tests of full timer storage. */
static void one_slot_loop(aio_loop *loop) {
    static aio_timer one[1];
    memset(&F, 0, sizeof F);
    aio_loop_init(loop, one, 1);
    aio_loop_use_virtual_clock(loop, 0);
    test_start = 0;
}


static aio_status hog_sleeps(aio_task *t) { /* holds a timer slot for 1 s */
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

static aio_status cond_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        AIO_LOCK_ACQUIRE(t, F.rc, &lock, AIO_NEVER);
        F.owns = 1;
        AIO_COND_WAIT(t, F.rc, &cond, AIO_NEVER);
    }
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    F.fin_at = T_MS();
    F.after = aio_lock_locked(&lock) && !F.inside; /* held, and by nobody else */
    if (F.owns) aio_lock_release(&lock);
    AIO_END(t);
}

static aio_status lock_holder(aio_task *t) { /* holds the lock over three yields */
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, F.rc, &lock, AIO_NEVER);
    F.overlap += F.inside;
    F.inside++;
    AIO_YIELD(t);
    AIO_YIELD(t);
    AIO_YIELD(t);
    F.inside--;
    aio_lock_release(&lock);
    AIO_END(t);
}

/* A condition waiter whose open block is moved from no deadline to a real
 * one while the only timer slot is taken cannot re-park: it takes the lock
 * back (behind the task holding it now) before AIO_ENOSPC unwinds it, so its
 * cleanup releases its own lock and nobody is ever inside with another. */
static void test_fault_condition_wait_without_timer_slot_keeps_the_lock(void) {
    static aio_timer one[1];
    aio_loop loop;
    memset(&F, 0, sizeof F);
    memset(&lock, 0, sizeof lock);
    aio_condition_init(&cond, &lock);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&F.task, cond_waiter), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1); /* waits on the condition, lock free */
    CHECK_EQ(aio_lock_locked(&lock), 0);
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    CHECK_EQ(aio_spawn(&F.holder, lock_holder), AIO_OK);
    CHECK_EQ(aio_step(&loop), 2); /* the hog has the slot, the holder the lock */
    CHECK_EQ(F.inside, 1);
    CHECK_EQ(aio_timeout_reschedule(&F.outer, AIO_MS(100)), AIO_OK);
    CHECK_DEBUG("timer storage is full");
    while (!aio_task_done(&F.task) && aio_step(&loop) > 0) {
    }
    CHECK_EQ(aio_task_result(&F.task), AIO_ENOSPC);
    CHECK_EQ(F.fin, AIO_ENOSPC);
    CHECK_EQ(F.fin_at, 0);
    CHECK_EQ(F.after, 1);
    CHECK_EQ(F.overlap, 0);
    CHECK(aio_task_done(&F.holder));
    CHECK_EQ(aio_lock_locked(&lock), 0);
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status parks_forever(aio_task *t) {
    ft_t *s = &F;
    int i = (int)(t - s->kids);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_NEVER); /* no timer: only a cancel ends it */
    AIO_FINALLY(t);
    s->kid_fin[i] = AIO_STATUS(t);
    AIO_END(t);
}

/* Moves the virtual clock 1 ms per step past the gatherer's 10 ms deadline,
 * then takes the only timer slot. */
static aio_status clock_mover(aio_task *t) {
    AIO_BEGIN(t);
    for (F.n = 0; F.n < 11; F.n++) {
        aio_virtual_advance(aio_running_loop(), AIO_MS(1));
        AIO_YIELD(t);
    }
    AIO_SLEEP(t, AIO_SEC(1000));
    AIO_END(t);
}

static aio_status gatherer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_SEC(100)) {
        AIO_TIMEOUT(t, &F.inner, AIO_MS(10)) {
            aio_spawn(&F.kids[0], parks_forever);
            aio_spawn(&F.kids[1], parks_forever);
            F.items[0].task = &F.kids[0];
            F.items[1].task = &F.kids[1];
            F.rc = 77;
            AIO_GATHER(t, F.rc, F.items, 2);
            F.after = 1;
        }
    }
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    AIO_END(t);
}

/* A gather cut short by its block's deadline while timer storage is full
 * never hands AIO_ENOSPC over as its value: either the block reports its
 * timeout after the children's cleanup or the task unwinds with the error;
 * the code after the gather never runs, no child is left alive, and none
 * keeps the gather's wait items in its list of waiters. */
static void test_fault_gather_cut_short_with_storage_full(void) {
    static aio_timer one[1];
    aio_loop loop;
    aio_status rc;
    int i;
    memset(&F, 0, sizeof F);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&F.hog, clock_mover), AIO_OK);
    rc = test_run(&loop, &F.task, gatherer);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.rc, 77);
    CHECK(rc == AIO_OK || rc == AIO_ENOSPC);
    if (rc == AIO_OK) CHECK_EQ(aio_timeout_status(&F.inner), AIO_ETIMEDOUT);
    for (i = 0; i < 2; i++) {
        CHECK(aio_task_done(&F.kids[i]));
        CHECK_EQ(F.kid_fin[i], AIO_ECANCELED);
        CHECK(aio__no_joiners(&F.kids[i]));
    }
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------------ wrapping ticks */

static aio_status periodic(aio_task *t) {
    AIO_BEGIN(t);
    F.next = aio_now();
    for (F.n = 0; F.n < 12; F.n++) {
        F.next += F.period;
        AIO_SLEEP_UNTIL(t, F.next);
        CHECK((aio_stime)(aio_now() - F.next) >= 0);
        CHECK(aio_now() - F.next <= 2); /* the reserved values: a tick or two late */
    }
    AIO_END(t);
}

static aio_status timeout_at_until(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT_AT(t, &F.outer, F.next) {
        AIO_SLEEP(t, AIO_SEC(60));
    }
    F.woke = aio_now();
    AIO_END(t);
}

/* A drift-free periodic loop (next += period) crosses the two values kept
 * for AIO_NEVER and AIO_TIME_INVALID. With wrapping ticks they are instants
 * like any other: every sleep ends on its deadline or at most two ticks
 * after it, and so does a block whose absolute deadline is one of them.
 * With 64-bit time they stay "no deadline" and "invalid". */
static void test_fault_absolute_deadlines_on_the_reserved_ticks(void) {
    const int wraps = sizeof(aio_time) < 8;
    static const aio_status wide_run[4] = {0, AIO_EINVAL, AIO_EDEADLK, AIO_OK};
    aio_time period, off;
    for (period = 1; period <= 3; period++) {
        aio_loop loop;
        memset(&F, 0, sizeof F);
        test_loop(&loop);
        aio_loop_use_virtual_clock(&loop, (aio_time)(AIO_NEVER - 8));
        F.period = period;
        if (wraps) {
            CHECK_EQ(test_run(&loop, &F.task, periodic), AIO_OK);
            CHECK_EQ(F.n, 12);
        } else { /* 1: lands on AIO_TIME_INVALID; 2: on AIO_NEVER; 3: steps over both */
            CHECK_EQ(test_run(&loop, &F.task, periodic), wide_run[period]);
            if (!aio_task_done(&F.task)) { /* asleep for good: cancel it */
                CHECK_EQ(aio_cancel(&F.task), 1);
                aio_step(&loop);
                CHECK_EQ(aio_task_result(&F.task), AIO_ECANCELED);
            }
        }
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
    for (off = 0; off < 3; off++) {
        aio_loop loop;
        memset(&F, 0, sizeof F);
        test_loop(&loop);
        aio_loop_use_virtual_clock(&loop, (aio_time)(AIO_NEVER - 100));
        F.next = (aio_time)(AIO_NEVER - off);
        if (wraps || off == 2) {
            CHECK_EQ(test_run(&loop, &F.task, timeout_at_until), AIO_OK);
            CHECK_EQ(aio_timeout_status(&F.outer), AIO_ETIMEDOUT);
            CHECK((aio_stime)(F.woke - F.next) >= 0 && F.woke - F.next <= 2);
        } else if (off == 0) { /* 64-bit: no deadline */
            CHECK_EQ(test_run(&loop, &F.task, timeout_at_until), AIO_OK);
            CHECK_EQ(aio_timeout_status(&F.outer), AIO_OK);
            CHECK(F.woke == (aio_time)(AIO_NEVER - 100 + AIO_SEC(60)));
        } else { /* 64-bit: AIO_TIME_INVALID is refused */
            CHECK_EQ(test_run(&loop, &F.task, timeout_at_until), AIO_EINVAL);
        }
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

/* -------------------------------------------------------- several loops */

static aio_status sleeps_10s(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    F.n++;
    AIO_END(t);
}

static aio_status waits_event(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, F.rc, &ev, AIO_SEC(10));
    F.at = T_MS();
    AIO_END(t);
}

/* Two loops stepped in turn in one thread. A cancel or an event set made
 * between steps, whichever loop ran last, acts on the loop of the task or
 * of the event's waiter: the other loop's heap, ready queue and count of
 * live tasks are untouched, and each loop ends clean. */
static void test_fault_two_loops_in_one_thread(void) {
    int k;
    for (k = 0; k < 2; k++) {
        static aio_timer ta[4], tb[4];
        aio_loop A, B;
        memset(&F, 0, sizeof F);
        memset(&ev, 0, sizeof ev);
        aio_loop_init(&A, ta, 4);
        aio_loop_use_virtual_clock(&A, 0);
        CHECK_EQ(aio_spawn(&F.task, sleeps_10s), AIO_OK); /* a task of A */
        aio_loop_init(&B, tb, 4);
        aio_loop_use_virtual_clock(&B, 0);
        test_start = 0;
        CHECK_EQ(aio_spawn(&F.holder, k ? waits_event : sleeps_10s), AIO_OK); /* of B */
        aio_step(&A);
        aio_step(&B);
        aio_step(&A); /* A ran last */
        if (k) aio_event_set(&ev); else CHECK_EQ(aio_cancel(&F.holder), 1);
        CHECK_EQ(A.heap_len, 1);
        CHECK_EQ(A.live, 1);
        aio_step(&A);
        CHECK(!aio_task_done(&F.holder)); /* A does not run B's task */
        aio_step(&B);
        CHECK(aio_task_done(&F.holder));
        CHECK_EQ(aio_task_result(&F.holder), k ? AIO_OK : AIO_ECANCELED);
        CHECK_EQ(B.heap_len, 0);
        CHECK_EQ(B.live, 0);
        CHECK_EQ(A.heap_len, 1);
        CHECK_EQ(aio_loop_destroy(&A), AIO_EBUSY);
        CHECK_EQ(aio_loop_destroy(&B), AIO_OK);
        CHECK_EQ(aio_cancel(&F.task), 1);
        aio_step(&A);
        CHECK(aio_task_done(&F.task));
        CHECK_EQ(A.heap_len, 0);
        CHECK_EQ(aio_loop_destroy(&A), AIO_OK);
    }
}

static aio_status waits_event_never(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, F.rc, &ev, AIO_NEVER);
    AIO_END(t);
}

/* An event belongs to the loop of its waiters: a task of another loop that
 * waits on it at the same time is refused with AIO_EINVAL raised. */
static void test_fault_event_waited_on_from_two_loops(void) {
    static aio_timer ta[4], tb[4];
    aio_loop A, B;
    memset(&F, 0, sizeof F);
    memset(&ev, 0, sizeof ev);
    aio_loop_init(&A, ta, 4);
    aio_loop_use_virtual_clock(&A, 0);
    CHECK_EQ(aio_spawn(&F.task, waits_event_never), AIO_OK);
    aio_step(&A);
    aio_loop_init(&B, tb, 4);
    aio_loop_use_virtual_clock(&B, 0);
    CHECK_EQ(aio_spawn(&F.holder, waits_event_never), AIO_OK);
    aio_step(&B);
    CHECK_EQ(aio_task_result(&F.holder), AIO_EINVAL);
    CHECK_DEBUG("an event belongs to one loop");
    aio_event_set(&ev);
    aio_step(&A);
    CHECK_EQ(aio_task_result(&F.task), AIO_OK);
    CHECK(ev.loop == NULL);
    CHECK_EQ(aio_loop_destroy(&B), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&A), AIO_OK);
}

/* ------------------------------------------------------- loop restarts */

static aio_status sets_then_ends(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, F.rc, &ev, AIO_MS(5)); /* nobody sets it: times out */
    aio_event_set(&ev);                      /* the loop's last act */
    aio_event_clear(&ev);
    AIO_END(t);
}

/* Events set at the end of a loop's life (by its last task, by an interrupt
 * for a waiter cancelled in the same step, or after the last step) leave
 * nothing behind: an event nobody waits on belongs to no loop, and
 * aio_loop_destroy forgets any still queued. After aio_loop_init of the same
 * struct, a set wakes the waiters of the new life, three lives in a row. */
static void test_fault_event_set_at_the_end_of_a_loop_wakes_after_restart(void) {
    int life;
    memset(&ev, 0, sizeof ev);
    for (life = 0; life < 3; life++) {
        aio_loop loop;
        memset(&F, 0, sizeof F);
        test_loop(&loop);
        CHECK_EQ(test_run(&loop, &F.task, sets_then_ends), AIO_OK);
        CHECK_EQ(F.rc, AIO_ETIMEDOUT);
        CHECK_EQ(aio_spawn(&F.holder, waits_event), AIO_OK);
        aio_step(&loop);        /* it waits */
        aio_event_set(&ev);     /* an interrupt: queued for the next step */
        aio_cancel(&F.holder);  /* which the waiter never sees: it is cancelled */
        aio_step(&loop);
        CHECK_EQ(aio_task_result(&F.holder), AIO_ECANCELED);
        aio_event_set(&ev);     /* after the last step */
        aio_event_clear(&ev);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
        test_loop(&loop);
        CHECK_EQ(aio_spawn(&F.holder, waits_event), AIO_OK);
        aio_step(&loop);
        aio_virtual_advance(&loop, AIO_MS(10));
        aio_event_set(&ev);
        aio_step(&loop);
        CHECK_EQ(aio_task_result(&F.holder), AIO_OK);
        CHECK_EQ(F.at, 10);
        aio_event_clear(&ev);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

/* ---------------------------------------------------- growth hooks */

static int grow_a_calls, grow_b_calls, frees_a, frees_b;

static aio_timer *grow_a(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    grow_a_calls++;
    if (!new_count) frees_a++;
    return aio_grow_realloc(ctx, old, old_count, new_count);
}
static aio_timer *grow_b(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    grow_b_calls++;
    if (!new_count) frees_b++;
    CHECK(new_count == 0 || old == NULL); /* never handed storage it did not allocate */
    return aio_grow_realloc(ctx, old, old_count, new_count);
}

/* 70 sleepers and the main task: 71 timers, past the 64 slots of the first
 * growth. With TEST_SMALL_RAM 64 and the main task: 65, past them all the same. */
#ifdef TEST_SMALL_RAM
#define GROWN_SLEEPERS 64
#else
#define GROWN_SLEEPERS 70
#endif
static aio_task sleepers[GROWN_SLEEPERS];

static aio_status sleepers_main(aio_task *t) { /* F.n sleepers and itself: F.n + 1 timers */
    AIO_BEGIN(t);
    for (F.rc = 0; F.rc < F.n; F.rc++) aio_spawn(&sleepers[F.rc], hog_sleeps);
    AIO_SLEEP(t, AIO_SEC(2));
    AIO_END(t);
}

/* Storage is given back to the hook that allocated it: removing the hook
 * after growth, or installing another one, neither crashes aio_loop_destroy
 * nor hands one allocator's block to another; growing again through a new
 * hook copies the timers and frees the old block through the old hook. */
static void test_fault_growth_hook_changed_after_growth(void) {
    int k;
    for (k = 0; k < 2; k++) {
        aio_loop loop;
        memset(&F, 0, sizeof F);
        grow_a_calls = grow_b_calls = frees_a = frees_b = 0;
        aio_loop_init(&loop, NULL, 0);
        aio_loop_set_grow(&loop, grow_a, NULL);
        aio_loop_use_virtual_clock(&loop, 0);
        test_start = 0;
        F.n = 10;
        CHECK_EQ(test_run(&loop, &F.task, sleepers_main), AIO_OK); /* 11 timers: 64 slots */
        CHECK_EQ(grow_a_calls, 1);
        aio_loop_set_grow(&loop, k ? grow_b : NULL, NULL);
        if (k) { /* 71 timers: grown again, through the new hook */
            F.n = GROWN_SLEEPERS;
            CHECK_EQ(test_run(&loop, &F.task, sleepers_main), AIO_OK);
            CHECK_EQ(grow_b_calls, 1);
            CHECK_EQ(frees_a, 1);
            CHECK_EQ(T_MS(), 4000);
        }
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
        CHECK_EQ(frees_a, 1);
        CHECK_EQ(frees_b, k);
    }
}

/* ------------------------------------------------------ plain returns */

typedef struct {
    aio_frame frame;
    aio_timeout to;
} callee_t;
static callee_t callee_state;

static aio_status returns_plainly(aio_task *t, callee_t *c) {
    AIO_BEGIN(t, c);
    AIO_TIMEOUT(t, &c->to, AIO_MS(100)) {
        return 7; /* the mistake: not AIO_RETURN (lint-coroutines: ok) */
    }
    AIO_END(t);
}

static aio_status calls_then_sleeps(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CALL(t, F.rc, returns_plainly, &callee_state);
    AIO_SLEEP(t, AIO_SEC(1)); /* past the callee's 100 ms */
    F.after = 1;
    AIO_RETURN(t, F.rc);
    AIO_END(t);
}

static aio_status task_returns_plainly(aio_task *t) {
    AIO_BEGIN(t);
    F.n++;
    AIO_TIMEOUT(t, &F.outer, AIO_MS(100)) {
        return 7; /* lint-coroutines: ok */
    }
    AIO_END(t);
}

/* The misuse table's row, true in both places: a plain `return` inside a
 * timeout block closes the block. In a task body the task ends with the
 * value, the block can no longer be moved, and the task can run again; in
 * an inline callee the caller gets the value and goes on under no
 * deadline of the callee's. */
static void test_fault_plain_return_closes_the_block(void) {
    BEGIN_TEST_WITH(F);
    CHECK_EQ(test_run(&loop, &F.task, task_returns_plainly), 7);
    CHECK_DEBUG("a task ended inside an open timeout block, which is now closed");
    CHECK_EQ(aio_timeout_reschedule(&F.outer, AIO_SEC(1)), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &F.task, task_returns_plainly), 7);
    CHECK_EQ(F.n, 2);
    CHECK_EQ(test_run(&loop, &F.task, calls_then_sleeps), 7);
    CHECK_DEBUG("an inline coroutine returned inside an open timeout block");
    CHECK_EQ(F.after, 1);
    CHECK_EQ(T_MS(), 1000);
    CHECK(F.task.scope == NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------------ shielded blocks */

typedef struct {
    aio_frame frame;
    aio_timeout sh;
} cleanup_t;
static cleanup_t cleanup_state;

static aio_status sleeps_then_shielded_cleanup(aio_task *t, cleanup_t *c) {
    AIO_BEGIN(t, c);
    AIO_SLEEP(t, AIO_MS(100));
    AIO_FINALLY(t);
    AIO_SHIELDED(t, &c->sh, AIO_NEVER) {
        AIO_SLEEP(t, AIO_MS(15));
    }
    AIO_END(t);
}

static aio_status nested_blocks(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_MS(20)) {
        AIO_TIMEOUT(t, &F.inner, AIO_MS(10)) {
            AIO_CALL(t, F.rc, sleeps_then_shielded_cleanup, &cleanup_state);
        }
        F.after = 1;
    }
    F.at = T_MS();
    AIO_END(t);
}

/* An outer deadline that passes while a shielded cleanup runs inside an
 * inner block that is already unwinding: the outer block expires at its
 * time (20 ms), and when the cleanup ends (25 ms) the unwinding goes past
 * the inner block to the outer one, as an aio_cancel at 20 ms would. */
static void test_fault_outer_deadline_passing_behind_a_shield(void) {
    BEGIN_TEST_WITH(F);
    CHECK_EQ(test_run(&loop, &F.task, nested_blocks), AIO_OK);
    CHECK_EQ(aio_timeout_status(&F.inner), AIO_OK);
    CHECK_EQ(aio_timeout_status(&F.outer), AIO_ETIMEDOUT);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.at, 25);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status shielded_inside_outer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_MS(10)) {
        AIO_SHIELDED(t, &F.shield, AIO_NEVER) {
            AIO_SLEEP(t, AIO_MS(30));
        }
        AIO_SLEEP(t, AIO_MS(30));
    }
    F.at = T_MS();
    AIO_END(t);
}

static aio_status moves_the_deadline(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(20));
    F.n = aio_timeout_expired(&F.outer);
    F.rc = aio_timeout_reschedule(&F.outer, aio_now() + AIO_MS(100));
    AIO_END(t);
}

/* A deadline that passed while its task sat in a shielded block has fired:
 * the block is expired at once, another task can no longer move it, and the
 * block is cut short with AIO_ETIMEDOUT as soon as the shield ends. */
static void test_fault_deadline_behind_a_shield_cannot_be_moved(void) {
    BEGIN_TEST_WITH(F);
    CHECK_EQ(aio_spawn(&F.holder, moves_the_deadline), AIO_OK);
    CHECK_EQ(test_run(&loop, &F.task, shielded_inside_outer), AIO_OK);
    CHECK_EQ(F.n, 1);
    CHECK_EQ(F.rc, AIO_EINVAL);
    CHECK_EQ(aio_timeout_status(&F.outer), AIO_ETIMEDOUT);
    CHECK_EQ(F.at, 30);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A child parked where no timer is needed; its cleanup works 10 ms of CPU
 * time over two yields (no timer either). */
static aio_status slow_cleanup_kid(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_NEVER);
    AIO_FINALLY(t);
    AIO_YIELD(t);
    aio_virtual_advance(aio_running_loop(), AIO_MS(10));
    AIO_YIELD(t);
    F.kid_fin[0] = AIO_STATUS(t);
    F.fin_at = T_MS();
    AIO_END(t);
}

static aio_status zero_wait_for_owner(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_MS(5)) {
        aio_spawn(&F.kids[0], slow_cleanup_kid);
        AIO_YIELD(t); /* the kid parks */
        F.rc = 77;
        AIO_WAIT_FOR(t, F.rc, &F.kids[0], 0);
        F.after = 1;
    }
    F.at = T_MS();
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    AIO_END(t);
}

/* wait_for(child, 0) inside a 5 ms block while the only timer slot is taken:
 * the owner cancels its child and, with no slot for the block's deadline,
 * waits for the child's cleanup without one (it always ends the wait). The
 * child's cleanup ends at 10 ms; the owner then sees the block's deadline
 * passed: the block reports its timeout at 10 ms, never AIO_ENOSPC while the
 * child still cleans up. */
static void test_fault_zero_wait_for_waits_for_cleanup_with_storage_full(void) {
    aio_loop loop;
    one_slot_loop(&loop);
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    CHECK_EQ(aio_spawn(&F.task, zero_wait_for_owner), AIO_OK);
    while (!aio_task_done(&F.task) && aio_step(&loop) > 0) {
    }
    CHECK_EQ(aio_task_result(&F.task), AIO_OK);
    CHECK_EQ(F.kid_fin[0], AIO_ECANCELED);
    CHECK_EQ(F.fin_at, 10);
    CHECK_EQ(F.rc, 77); /* the wait was cut short by the block: nothing stored */
    CHECK_EQ(F.after, 0);
    CHECK_EQ(aio_timeout_status(&F.outer), AIO_ETIMEDOUT);
    CHECK_EQ(F.at, 10);
    CHECK_EQ(F.fin, AIO_OK);
    CHECK(aio_task_cancelled(&F.kids[0]));
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------ waiters woken by a deadline moved */

/* Moves F.outer (no deadline yet) to 100 ms from now while the hog holds
 * the only timer slot: its task cannot arm the timer and is woken to re-park
 * and report. With F.n the hog is cancelled at once, which frees the slot
 * before the woken task runs; with F.n == 2 it sets the event `ev` instead
 * (the slot stays taken). Holding the lock (F.owns), it lets go of it
 * at once (F.n) or one step later. */
static aio_status moves_the_block(aio_task *t) {
    AIO_BEGIN(t);
    if (F.owns) AIO_LOCK_ACQUIRE(t, F.rc2, &lock, AIO_NEVER);
    AIO_YIELD(t); /* the other task waits by now */
    F.rc2 = aio_timeout_reschedule(&F.outer, (aio_time)(aio_now() + AIO_MS(100)));
    if (F.n == 1 && !F.owns) aio_cancel(&F.hog);
    if (F.n == 2) aio_event_set(&ev);
    if (F.owns && !F.n) AIO_YIELD(t); /* the woken task runs while the lock is held */
    if (F.owns) aio_lock_release(&lock);
    AIO_END(t);
}

static aio_status sleeps_forever_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        AIO_SLEEP(t, AIO_NEVER); /* no timer */
        F.after = 1;
    }
    F.at = T_MS();
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    F.fin_at = T_MS();
    AIO_END(t);
}

/* Starts the hog and the mover on a loop whose storage is one fixed slot,
 * then runs `fn` as the main task until it ends; the hog is cancelled after.
 * Returns the main task's status. */
static aio_status run_with_one_slot(aio_task_fn fn) {
    static aio_timer one[1];
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    CHECK_EQ(aio_spawn(&F.holder, moves_the_block), AIO_OK);
    rc = test_run(&loop, &F.task, fn);
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK(aio_task_done(&F.holder));
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    return rc;
}

/* A task asleep with no timer inside a block with no deadline, whose block
 * is given one while the only slot is taken, is woken to re-park: with the
 * slot still taken it cannot, and AIO_ENOSPC unwinds it there and then (its
 * cleanup sees the error at 0 ms); with the slot freed before it runs it
 * re-parks, and the block's new deadline cuts it short at 100 ms. */
static void test_fault_sleep_woken_by_a_moved_deadline_reparks(void) {
    int k;
    for (k = 0; k < 2; k++) {
        memset(&F, 0, sizeof F);
        F.n = k;
        if (k == 0) {
            CHECK_EQ(run_with_one_slot(sleeps_forever_in_block), AIO_ENOSPC);
            CHECK_EQ(F.fin, AIO_ENOSPC);
            CHECK_EQ(F.fin_at, 0);
            CHECK_EQ(F.at, 0); /* never set: the error unwinds past the block */
            CHECK_EQ(aio_timeout_status(&F.outer), AIO_OK);
        } else {
            CHECK_EQ(run_with_one_slot(sleeps_forever_in_block), AIO_OK);
            CHECK_EQ(aio_timeout_status(&F.outer), AIO_ETIMEDOUT);
            CHECK_EQ(F.at, 100);
            CHECK_EQ(F.fin, AIO_OK);
        }
        CHECK_EQ(F.rc2, AIO_OK); /* the reschedule itself succeeds */
        CHECK_DEBUG("timer storage is full");
        CHECK_EQ(F.after, 0);
        CHECK_EQ(aio_task_result(&F.hog), AIO_ECANCELED);
    }
}

static aio_status acquires_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        AIO_LOCK_ACQUIRE(t, F.rc, &lock, AIO_NEVER);
        F.after = aio_lock_locked(&lock);
        aio_lock_release(&lock);
    }
    F.at = T_MS();
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    AIO_END(t);
}

/* A lock waiter woken because its block was given a deadline it cannot arm
 * (no slot) has left the queue. If the lock was released meanwhile (nobody
 * queued, so it is free) it takes it at once: AIO_OK, no timer needed. If the
 * lock is still held it must queue again, cannot arm, and AIO_ENOSPC unwinds
 * it without the lock. */
static void test_fault_lock_waiter_woken_by_a_moved_deadline(void) {
    int k;
    for (k = 0; k < 2; k++) {
        memset(&F, 0, sizeof F);
        memset(&lock, 0, sizeof lock);
        F.owns = 1;
        F.n = k;
        if (k == 1) {
            CHECK_EQ(run_with_one_slot(acquires_in_block), AIO_OK);
            CHECK_EQ(F.rc, AIO_OK);
            CHECK_EQ(F.after, 1);
            CHECK_EQ(F.fin, AIO_OK);
        } else {
            CHECK_EQ(run_with_one_slot(acquires_in_block), AIO_ENOSPC);
            CHECK_EQ(F.after, 0);
            CHECK_EQ(F.fin, AIO_ENOSPC);
        }
        CHECK_EQ(F.rc2, AIO_OK);
        CHECK_DEBUG("timer storage is full");
        CHECK_EQ(aio_lock_locked(&lock), 0);
        CHECK(lock.waiters.next == NULL || lock.waiters.next == &lock.waiters);
    }
}

static aio_status cond_waits_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        AIO_LOCK_ACQUIRE(t, F.rc, &lock, AIO_NEVER);
        AIO_COND_WAIT(t, F.rc, &cond, AIO_NEVER);
        F.after = 1;
    }
    F.at = T_MS();
    F.inside = aio_lock_locked(&lock);
    aio_lock_release(&lock);
    AIO_END(t);
}

/* A condition waiter woken because its block was given a deadline while no
 * slot was free, the slot freed before it runs: it re-parks on the
 * condition (still waiting for a notify, the lock free), and the block's
 * deadline cuts it short at 100 ms with the lock held again. */
static void test_fault_condition_waiter_woken_by_a_moved_deadline_reparks(void) {
    memset(&F, 0, sizeof F);
    memset(&lock, 0, sizeof lock);
    aio_condition_init(&cond, &lock);
    F.n = 1;
    CHECK_EQ(run_with_one_slot(cond_waits_in_block), AIO_OK);
    CHECK_EQ(F.rc2, AIO_OK);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(aio_timeout_status(&F.outer), AIO_ETIMEDOUT);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.at, 100);
    CHECK_EQ(F.inside, 1);
    CHECK_EQ(aio_lock_locked(&lock), 0);
}

static aio_status waits_with_timeout_no_slot(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&F.kids[0], parks_forever);
    F.items[0].task = &F.kids[0];
    F.rc = 77;
    AIO_WAIT(t, F.rc, F.items, 1, AIO_ALL_COMPLETED, AIO_SEC(1));
    F.after = 1;
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    aio_cancel(&F.kids[0]);
    AIO_END(t);
}

/* AIO_WAIT with a timeout while the only timer slot is taken raises
 * AIO_ENOSPC at once (the value is not stored), and leaves nothing of the
 * wait in the unfinished task's list of waiters. */
static void test_fault_wait_with_timeout_and_storage_full(void) {
    aio_loop loop;
    one_slot_loop(&loop);
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    CHECK_EQ(test_run(&loop, &F.task, waits_with_timeout_no_slot), AIO_ENOSPC);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(F.rc, 77);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.fin, AIO_ENOSPC);
    CHECK(aio__no_joiners(&F.kids[0]));
    CHECK_EQ(T_MS(), 0);
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(aio_task_result(&F.kids[0]), AIO_ECANCELED);
    CHECK_EQ(F.kid_fin[0], 0); /* cancelled before it ran */
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status gathers_cancelled_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_SEC(5)) {
        aio_spawn(&F.kids[0], parks_forever);
        aio_spawn(&F.kids[1], parks_forever);
        F.items[0].task = &F.kids[0];
        F.items[1].task = &F.kids[1];
        F.n = aio_cancel(t); /* a request of its own, delivered by the gather */
        F.rc = 77;
        AIO_GATHER(t, F.rc, F.items, 2);
        F.after = 1;
    }
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    F.fin_at = T_MS();
    AIO_END(t);
}

/* A gather that starts with a cancellation pending cancels the tasks it
 * spawned and waits for them; with the only timer slot taken it cannot arm
 * its block's deadline for that wait, and waits for them all the same:
 * they end cancelled before their bodies ran, and the gatherer unwinds with
 * AIO_ECANCELED at 0 ms, its value never stored. */
static void test_fault_cancelled_gather_waits_without_timer_slot(void) {
    aio_loop loop;
    int i;
    one_slot_loop(&loop);
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    CHECK_EQ(test_run(&loop, &F.task, gathers_cancelled_in_block), AIO_ECANCELED);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(F.n, 1);
    CHECK_EQ(F.rc, 77);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.fin, AIO_ECANCELED);
    CHECK_EQ(F.fin_at, 0);
    CHECK_EQ(aio_timeout_status(&F.outer), AIO_OK);
    for (i = 0; i < 2; i++) {
        CHECK(aio_task_cancelled(&F.kids[i]));
        CHECK_EQ(F.kid_fin[i], 0); /* cancelled before they ran: no body, no cleanup */
    }
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


static aio_status event_waits_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        AIO_EVENT_WAIT(t, F.rc, &ev, AIO_NEVER);
        F.after = 1;
    }
    F.at = T_MS();
    AIO_END(t);
}

/* An event waiter woken because its block was given a deadline while no
 * slot was free, the event set before it runs: it sees the event set and
 * the wait ends with AIO_OK, before the block's new deadline. */
static void test_fault_event_set_while_waiter_woken_by_a_moved_deadline(void) {
    memset(&F, 0, sizeof F);
    memset(&ev, 0, sizeof ev);
    F.n = 2; /* the mover sets the event right after moving the block */
    CHECK_EQ(run_with_one_slot(event_waits_in_block), AIO_OK);
    CHECK_EQ(F.rc2, AIO_OK);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(F.rc, AIO_OK);
    CHECK_EQ(F.after, 1);
    CHECK_EQ(F.at, 0);
    CHECK_EQ(aio_timeout_status(&F.outer), AIO_OK);
    CHECK(ev.loop == NULL);
    aio_event_clear(&ev);
}

static aio_status cond_waits_without_slot(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, F.rc, &lock, AIO_NEVER);
    F.owns = 1;
    F.rc = 77;
    AIO_COND_WAIT(t, F.rc, &cond, AIO_SEC(1));
    F.after = 1;
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    F.inside = aio_lock_locked(&lock); /* still held */
    if (F.owns) aio_lock_release(&lock);
    AIO_END(t);
}

/* A condition wait with a timeout while the only timer slot is taken
 * raises AIO_ENOSPC at once, the lock still held (never released for the
 * wait), so the cleanup can release it. */
static void test_fault_condition_wait_with_timeout_and_storage_full(void) {
    static aio_timer one[1];
    aio_loop loop;
    memset(&F, 0, sizeof F);
    memset(&lock, 0, sizeof lock);
    aio_condition_init(&cond, &lock);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    CHECK_EQ(test_run(&loop, &F.task, cond_waits_without_slot), AIO_ENOSPC);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(F.rc, 77);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.fin, AIO_ENOSPC);
    CHECK_EQ(F.inside, 1);
    CHECK_EQ(aio_lock_locked(&lock), 0);
    CHECK(cond.waiters.next == &cond.waiters);
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


/* Moves F.outer to 100 ms from now (no slot: its task is woken to re-park)
 * and ends with 6 in the same step, before the woken task runs. */
static aio_status moves_the_block_and_ends(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t); /* the waiter waits for it by now */
    F.rc2 = aio_timeout_reschedule(&F.outer, (aio_time)(aio_now() + AIO_MS(100)));
    AIO_RETURN(t, 6);
    AIO_END(t);
}

static aio_status awaits_kid_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        if (F.mode) {
            F.items[0].task = &F.kids[0];
            AIO_WAIT(t, F.rc, F.items, 1, AIO_FIRST_COMPLETED, AIO_NEVER);
        } else {
            AIO_AWAIT(t, F.rc, &F.kids[0]);
        }
        F.after = 1;
    }
    F.at = T_MS();
    AIO_END(t);
}

/* A task awaiting another (AIO_AWAIT), or waiting for it (AIO_WAIT), inside
 * a block given a deadline while no slot is free, is woken to re-park; the
 * awaited task ends before the woken one runs. It takes the result that is
 * there (6; for the wait, 1 task done) instead of parking again: nothing to
 * arm, no AIO_ENOSPC, and the block ends without its deadline at 0 ms. */
static void test_fault_awaited_task_ends_while_waiter_woken_by_a_moved_deadline(void) {
    static aio_timer one[1];
    int mode;
    for (mode = 0; mode < 2; mode++) {
        aio_loop loop;
        memset(&F, 0, sizeof F);
        F.mode = mode;
        aio_loop_init(&loop, one, 1);
        aio_loop_use_virtual_clock(&loop, 0);
        test_start = 0;
        CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
        CHECK_EQ(aio_spawn(&F.kids[0], moves_the_block_and_ends), AIO_OK);
        test_last_debug[0] = 0;
        CHECK_EQ(test_run(&loop, &F.task, awaits_kid_in_block), AIO_OK);
        CHECK_EQ(F.rc2, AIO_OK);
        CHECK_DEBUG("timer storage is full");
        CHECK_EQ(F.rc, mode ? 1 : 6);
        CHECK_EQ(F.after, 1);
        CHECK_EQ(F.at, 0);
        CHECK_EQ(aio_timeout_status(&F.outer), AIO_OK);
        CHECK(aio__no_joiners(&F.kids[0]));
        aio_cancel(&F.hog);
        while (aio_step(&loop) > 0) {
        }
        CHECK_EQ(loop.live, 0);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

/* ------------------------------------------ events set while parking */

static aio_timer *sets_event_and_grows(void *ctx, aio_timer *old, uint32_t old_count,
                                       uint32_t new_count) {
    if (new_count) aio_event_set(&ev); /* as an interrupt might, mid-wait */
    return aio_grow_realloc(ctx, old, old_count, new_count);
}

static aio_status waits_event_with_timeout(aio_task *t) {
    ft_t *s = &F;
    int i = (int)(t - s->kids);
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, s->kid_fin[i], &ev, AIO_SEC(1)); /* arms a timer */
    s->woke = aio_now();
    AIO_END(t);
}

static aio_status waits_event_no_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, F.rc, &ev, AIO_NEVER);
    AIO_END(t);
}

/* An event set while a waiter is parking on it (here from the timer
 * storage's growth hook, called as the waiter arms its timeout: what an
 * interrupt could do at that moment) is not lost: the waiter wakes at the
 * next iteration, with AIO_OK at 0 ms. With another waiter already bound to
 * the event, the set is queued once and both wake. */
static void test_fault_event_set_while_its_waiter_parks(void) {
    int k;
    for (k = 0; k < 2; k++) {
        aio_loop loop;
        memset(&F, 0, sizeof F);
        memset(&ev, 0, sizeof ev);
        aio_loop_init(&loop, NULL, 0); /* no storage: the first timer grows it */
        aio_loop_use_virtual_clock(&loop, 0);
        aio_loop_set_grow(&loop, sets_event_and_grows, NULL);
        test_start = 0;
        if (k) CHECK_EQ(aio_spawn(&F.holder, waits_event_no_timeout), AIO_OK);
        F.kid_fin[0] = 77;
        CHECK_EQ(test_run(&loop, &F.kids[0], waits_event_with_timeout), AIO_OK);
        CHECK_EQ(F.kid_fin[0], AIO_OK);
        CHECK_EQ(F.woke, 0);
        CHECK(aio_event_is_set(&ev));
        if (k) {
            while (aio_step(&loop) > 0) {
            }
            CHECK_EQ(aio_task_result(&F.holder), AIO_OK);
            CHECK_EQ(F.rc, AIO_OK);
        }
        CHECK(ev.loop == NULL);
        aio_event_clear(&ev);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

/* An event set twice before the loop's next iteration is queued once: its
 * waiter wakes once, and both sets are counted. */
static void test_fault_event_set_twice_before_the_next_iteration(void) {
    aio_loop loop;
    memset(&F, 0, sizeof F);
    memset(&ev, 0, sizeof ev);
    test_loop(&loop);
    F.rc = 77;
    CHECK_EQ(aio_spawn(&F.holder, waits_event_no_timeout), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1);
    aio_event_set(&ev);
    CHECK_EQ(ev.queued, 1);
    aio_event_set(&ev);
    CHECK_EQ(ev.sets, 2);
    CHECK(loop.signalled == &ev && ev.next_signalled == NULL);
    CHECK_EQ(aio_step(&loop), 1); /* nothing was ready: it wakes and runs */
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_EQ(aio_task_result(&F.holder), AIO_OK);
    CHECK_EQ(F.rc, AIO_OK);
    aio_event_clear(&ev);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


static aio_status moves_block_cancels_owner_and_ends(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t); /* its owner awaits it by now */
    F.rc2 = aio_timeout_reschedule(&F.outer, (aio_time)(aio_now() + AIO_MS(100)));
    F.n = aio_cancel(&F.task);
    AIO_RETURN(t, 6);
    AIO_END(t);
}

static aio_status awaits_own_kid_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &F.outer, AIO_NEVER) {
        aio_spawn(&F.kids[0], moves_block_cancels_owner_and_ends);
        F.rc = 77;
        AIO_AWAIT(t, F.rc, &F.kids[0]);
        F.after = 1;
    }
    AIO_FINALLY(t);
    F.fin = AIO_STATUS(t);
    F.fin_at = T_MS();
    AIO_END(t);
}

/* A task awaiting the task it spawned, woken because its block was given a
 * deadline while no slot was free, is cancelled and its child ends, both
 * before it runs: the cancellation came first and wins (AIO_ECANCELED at
 * 0 ms, the value not stored); the child, already done, is not cancelled
 * and keeps its 6. */
static void test_fault_owner_cancelled_as_its_child_ends_while_woken(void) {
    aio_loop loop;
    one_slot_loop(&loop);
    CHECK_EQ(aio_spawn(&F.hog, hog_sleeps), AIO_OK);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &F.task, awaits_own_kid_in_block), AIO_ECANCELED);
    CHECK_EQ(F.rc2, AIO_OK);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(F.n, 1);
    CHECK_EQ(F.rc, 77);
    CHECK_EQ(F.after, 0);
    CHECK_EQ(F.fin, AIO_ECANCELED);
    CHECK_EQ(F.fin_at, 0);
    CHECK_EQ(aio_task_result(&F.kids[0]), 6);
    aio_cancel(&F.hog);
    while (aio_step(&loop) > 0) {
    }
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_fault_condition_wait_without_timer_slot_keeps_the_lock),
    TEST_ENTRY(test_fault_gather_cut_short_with_storage_full),
    TEST_ENTRY(test_fault_absolute_deadlines_on_the_reserved_ticks),
    TEST_ENTRY(test_fault_two_loops_in_one_thread),
    TEST_ENTRY(test_fault_event_waited_on_from_two_loops),
    TEST_ENTRY(test_fault_event_set_at_the_end_of_a_loop_wakes_after_restart),
    TEST_ENTRY(test_fault_growth_hook_changed_after_growth),
    TEST_ENTRY(test_fault_plain_return_closes_the_block),
    TEST_ENTRY(test_fault_outer_deadline_passing_behind_a_shield),
    TEST_ENTRY(test_fault_deadline_behind_a_shield_cannot_be_moved),
    TEST_ENTRY(test_fault_zero_wait_for_waits_for_cleanup_with_storage_full),
    TEST_ENTRY(test_fault_sleep_woken_by_a_moved_deadline_reparks),
    TEST_ENTRY(test_fault_lock_waiter_woken_by_a_moved_deadline),
    TEST_ENTRY(test_fault_condition_waiter_woken_by_a_moved_deadline_reparks),
    TEST_ENTRY(test_fault_wait_with_timeout_and_storage_full),
    TEST_ENTRY(test_fault_cancelled_gather_waits_without_timer_slot),
    TEST_ENTRY(test_fault_event_set_while_waiter_woken_by_a_moved_deadline),
    TEST_ENTRY(test_fault_condition_wait_with_timeout_and_storage_full),
    TEST_ENTRY(test_fault_awaited_task_ends_while_waiter_woken_by_a_moved_deadline),
    TEST_ENTRY(test_fault_event_set_while_its_waiter_parks),
    TEST_ENTRY(test_fault_event_set_twice_before_the_next_iteration),
    TEST_ENTRY(test_fault_owner_cancelled_as_its_child_ends_while_woken),
};

void register_faults_tests(void) { test_register(cases, TEST_COUNT(cases)); }
