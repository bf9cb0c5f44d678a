/* SPDX-License-Identifier: MIT */
/* Events, locks, semaphores and conditions of aio_timeout.h.
 *
 * Every test runs on the virtual clock and asserts exact times (ms since the
 * test started) and statuses worked out by hand from the rules R85-R91, L3 and
 * L10 (R: CPython's behaviours, L: the library's rules; both listed in
 * tests/conformance/RULES.md) (each test names its rule). Traces: "wN=rc@ms" =
 * the wait of worker N returned rc at ms, "wN!rc@ms" = worker N unwinds with rc,
 * "LN" = aio_lock_locked() there.
 *
 * The loop model used for the times: an iteration reads the clock once, wakes
 * the waiters of events set since the previous iteration, fires due timers
 * (equal deadlines in arming order), then runs the tasks that were ready at its
 * start; whatever they wake runs in the next iteration. */
#include "workers.h"
#include <limits.h>

/* ------------------------------------------------------------------ state */

/* A worker; configuration is set before it is spawned (spawn only resets the
 * embedded task). */
typedef struct {
    aio_task task;
    int id;
    aio_time pre;       /* sleep before it starts (0 = none) */
    aio_time d;         /* timeout of its wait / acquire */
    aio_time hold;      /* how long it keeps what it got (0 = no await) */
    aio_event *ev;      /* event it waits on (NULL = S.ev) */
    aio_status rc, rc2;
    int owns;           /* it holds S.lock (or a permit of S.sem) */
    int n;              /* body-specific counter */
} wk_t;

typedef struct {
    aio_task task;      /* the main task */
    wk_t w[6];
    aio_event ev, ev2;
    aio_lock lock;
    aio_semaphore sem;
    aio_condition cond, cond2;
    aio_timeout to, to2;
    aio_status rc, rc2, rc3, rc4;
    int n1, n2, n3, v1, v2, v3;
    int pending, handled, target, steps, step_at;
    int evals, count, active, max_active;
    int buf[2], head, len;
    long long at;
} sync_state;

static sync_state S;

static void reset(void) { memset(&S, 0, sizeof S); }

#define WEV(w) ((w)->ev ? (w)->ev : &S.ev)

static void spawn_w(int i, aio_task_fn fn, aio_time pre, aio_time d, aio_time hold) {
    S.w[i].id = i;
    S.w[i].pre = pre;
    S.w[i].d = d;
    S.w[i].hold = hold;
    CHECK_EQ(aio_spawn(&S.w[i].task, fn), AIO_OK);
}

/* One iteration driven by hand (a super-loop): when nothing is ready, the
 * virtual clock first jumps to the next deadline, as aio_run does. */
static size_t step(aio_loop *loop) {
    aio_time now = aio_loop_now(loop), next = aio_next_deadline(loop);
    if (next != AIO_NEVER && (aio_stime)(next - now) > 0) aio_virtual_advance(loop, (aio_time)(next - now));
    return aio_step(loop);
}

/* Run by hand until nothing is ready and no timer is armed. */
static void drain(aio_loop *loop) {
    int guard = 0;
    while (aio_next_deadline(loop) != AIO_NEVER && guard++ < 1000) step(loop);
}

/* An "interrupt handler": a plain C function, no task is running. */
static void isr(void) {
    CHECK(aio_current() == NULL);
    S.pending++;
    aio_event_set(&S.ev);
}

/* ------------------------------------------------------------ task bodies */

/* Traces "h " and ends. */
static aio_status helper(aio_task *t) {
    AIO_BEGIN(t);
    trace("h ");
    AIO_END(t);
}

/* Yields n times, sleeps pre, waits on its event with timeout d. */
static aio_status ev_waiter(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    for (; w->n > 0; w->n--) AIO_YIELD(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    AIO_EVENT_WAIT(t, w->rc, WEV(w), w->d);
    trace("w%d=%d@%lld ", w->id, w->rc, T_MS());
    AIO_FINALLY(t);
    if (AIO_STATUS(t) < 0) trace("w%d!%d@%lld ", w->id, AIO_STATUS(t), T_MS());
    AIO_END(t);
}

/* Waits (no timeout of its own) inside a timeout block of d. */
static aio_status ev_in_scope(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, w->d) {
        AIO_EVENT_WAIT(t, w->rc, &S.ev, AIO_NEVER);
        trace("w%d=%d@%lld ", w->id, w->rc, T_MS());
    }
    trace("sc%d/%d@%lld ", aio_timeout_status(&S.to), aio_timeout_expired(&S.to), T_MS());
    AIO_END(t);
}

/* Sleeps pre, sets S.ev, then (hold) keeps the CPU busy for `hold`. */
static aio_status ev_setter(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    aio_event_set(&S.ev);
    if (w->n) aio_event_clear(&S.ev);
    trace("s@%lld ", T_MS());
    if (w->hold) aio_virtual_advance(aio_running_loop(), w->hold);
    AIO_END(t);
}

/* Sleeps pre, cancels worker n. */
static aio_status cancel_nth(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, w->pre);
    w->rc = aio_cancel(&S.w[w->n].task);
    trace("x@%lld ", T_MS());
    AIO_END(t);
}

/* Sleeps pre, takes S.lock (timeout d), keeps it `hold`, gives it back. */
static aio_status lk_worker(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, w->d);
    if (w->rc != AIO_OK) {
        trace("w%d=%d@%lld ", w->id, w->rc, T_MS());
    } else {
        w->owns = 1;
        trace("w%d@%lld ", w->id, T_MS());
        if (w->hold) AIO_SLEEP(t, w->hold);
        w->owns = 0;
        w->rc2 = aio_lock_release(&S.lock);
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) < 0) trace("w%d!%d@%lld ", w->id, AIO_STATUS(t), T_MS());
    if (w->owns) {
        w->owns = 0;
        w->rc2 = aio_lock_release(&S.lock);
    }
    AIO_END(t);
}

/* Sleeps pre, takes a permit of S.sem (timeout d), keeps it `hold`. */
static aio_status sem_worker(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    AIO_SEMAPHORE_ACQUIRE(t, w->rc, &S.sem, w->d);
    if (w->rc != AIO_OK) {
        trace("w%d=%d@%lld ", w->id, w->rc, T_MS());
    } else {
        w->owns = 1;
        if (++S.active > S.max_active) S.max_active = S.active;
        trace("s%d@%lld ", w->id, T_MS());
        if (w->hold) AIO_SLEEP(t, w->hold);
        S.active--;
        w->owns = 0;
        trace("e%d@%lld ", w->id, T_MS());
        w->rc2 = aio_semaphore_release(&S.sem);
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) < 0) trace("w%d!%d@%lld ", w->id, AIO_STATUS(t), T_MS());
    if (w->owns) {
        w->owns = 0;
        S.active--;
        w->rc2 = aio_semaphore_release(&S.sem);
    }
    AIO_END(t);
}

/* Sleeps pre, takes S.lock, waits on S.cond (timeout d), keeps the lock
 * `hold`, gives it back (also when unwinding). */
static aio_status cd_waiter(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    w->owns = 1;
    AIO_COND_WAIT(t, w->rc, &S.cond, w->d);
    trace("w%d=%d@%lld L%d ", w->id, w->rc, T_MS(), aio_lock_locked(&S.lock));
    if (w->hold) AIO_SLEEP(t, w->hold);
    w->owns = 0;
    w->rc2 = aio_lock_release(&S.lock);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) < 0)
        trace("w%d!%d@%lld L%d ", w->id, AIO_STATUS(t), T_MS(), aio_lock_locked(&S.lock));
    if (w->owns) {
        w->owns = 0;
        w->rc2 = aio_lock_release(&S.lock);
    }
    AIO_END(t);
}

/* ------------------------------------------------------------------ events */

static aio_status main_event_wait_until_set(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(0, ev_waiter, 0, AIO_NEVER, 0);
    spawn_w(1, ev_waiter, 0, AIO_MS(300), 0);
    spawn_w(2, ev_in_scope, 0, AIO_MS(300), 0);
    AIO_SLEEP(t, AIO_MS(100));
    S.v1 = aio_event_is_set(&S.ev);
    aio_event_set(&S.ev);
    S.v2 = aio_event_is_set(&S.ev);
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_AWAIT(t, S.rc3, &S.w[2].task);
    S.at = T_MS();
    AIO_END(t);
}

/* R87: an event set before the deadline: every wait returns AIO_OK at that
 * time (also with a timeout, or in a timeout block: not expired). */
static void test_sync_event_wait_until_set(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_wait_until_set), AIO_OK);
    CHECK_STR(test_trace, "w0=0@100 w1=0@100 w2=0@100 sc0/0@100 ");
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.v2, 1);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.at, 100);
    CHECK(aio_event_is_set(&S.ev));
    END_TEST();
}

/* Times out, then sleeps 500 ms (a stale waiter entry would be woken by the
 * later set), then waits again on the now set event. */
static aio_status ev_timeout_then_sleep(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, w->rc, &S.ev, AIO_MS(100));
    trace("a%d@%lld ", w->rc, T_MS());
    AIO_SLEEP(t, AIO_MS(500));
    trace("b@%lld ", T_MS());
    AIO_EVENT_WAIT(t, w->rc2, &S.ev, AIO_MS(100));
    trace("c%d@%lld ", w->rc2, T_MS());
    AIO_END(t);
}

static aio_status main_event_timeout(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(0, ev_timeout_then_sleep, 0, 0, 0);
    AIO_SLEEP(t, AIO_MS(200));
    aio_event_set(&S.ev);
    trace("set@%lld ", T_MS());
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_END(t);
}

/* R85: a wait that timed out leaves the event's wait list: the set at 200 ms
 * does not disturb the waiter's later sleep (ends at 100 + 500). */
static void test_sync_event_wait_timeout_leaves_no_waiter(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_timeout), AIO_OK);
    CHECK_STR(test_trace, "a-2@100 set@200 b@600 c0@600 ");
    CHECK_EQ(S.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.w[0].rc2, AIO_OK);
    CHECK_EQ(T_MS(), 600);
    END_TEST();
}

static aio_status main_event_already_set(aio_task *t) {
    AIO_BEGIN(t);
    aio_event_set(&S.ev);
    CHECK_EQ(aio_spawn(&S.w[0].task, helper), AIO_OK);
    AIO_EVENT_WAIT(t, S.rc, &S.ev, AIO_NEVER);
    trace("m%d@%lld ", S.rc, T_MS());
    AIO_EVENT_WAIT(t, S.rc2, &S.ev, 0);
    trace("m%d@%lld ", S.rc2, T_MS());
    AIO_YIELD(t);
    trace("y ");
    aio_event_clear(&S.ev);
    AIO_EVENT_WAIT(t, S.rc3, &S.ev, 0);
    trace("z%d@%lld ", S.rc3, T_MS());
    AIO_END(t);
}

/* R87: waiting on a set event returns AIO_OK at once without suspending (the
 * helper only runs at the yield), also with d = 0; d = 0 on a clear event
 * times out at once. */
static void test_sync_event_already_set_no_suspend(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_already_set), AIO_OK);
    CHECK_STR(test_trace, "m0@0 m0@0 h y z-2@0 ");
    CHECK_EQ(S.rc3, AIO_ETIMEDOUT);
    END_TEST();
}

static aio_status main_event_api(aio_task *t) {
    AIO_BEGIN(t);
    trace("%d ", aio_event_is_set(&S.ev));
    aio_event_set(&S.ev);
    trace("%d ", aio_event_is_set(&S.ev));
    aio_event_set(&S.ev);
    trace("%d ", aio_event_is_set(&S.ev));
    aio_event_clear(&S.ev);
    trace("%d ", aio_event_is_set(&S.ev));
    aio_event_clear(&S.ev);
    trace("%d ", aio_event_is_set(&S.ev));
    aio_event_set(&S.ev);
    AIO_YIELD(t); /* an iteration passes with nobody waiting: it stays set */
    trace("%d ", aio_event_is_set(&S.ev));
    spawn_w(0, ev_waiter, 0, AIO_NEVER, 0);
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    aio_event_clear(&S.ev);
    spawn_w(1, ev_waiter, 0, AIO_MS(100), 0);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    trace("%d ", aio_event_is_set(&S.ev));
    AIO_END(t);
}

/* R87: a zeroed event is clear; set is idempotent and stays set; clear. */
static void test_sync_event_set_clear_is_set(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_api), AIO_OK);
    CHECK_STR(test_trace, "0 1 1 0 0 1 w0=0@0 w1=-2@100 0 ");
    END_TEST();
}

/* L10: several waiters are woken by one set, in the order they started
 * waiting (w2, w3, then w1 that yielded first), one iteration after the set. */
static void test_sync_event_waiters_fifo_next_iteration(void) {
    BEGIN_TEST();
    S.w[1].n = 1; /* w1 yields once before waiting */
    spawn_w(1, ev_waiter, 0, AIO_NEVER, 0);
    spawn_w(2, ev_waiter, 0, AIO_NEVER, 0);
    spawn_w(3, ev_waiter, 0, AIO_NEVER, 0);
    CHECK_EQ(aio_step(&loop), 3); /* w2, w3 wait; w1 yields */
    CHECK_EQ(aio_step(&loop), 1); /* w1 waits */
    spawn_w(0, ev_setter, 0, 0, 0);
    CHECK_EQ(aio_step(&loop), 1); /* the setter; no waiter runs yet */
    CHECK_STR(test_trace, "s@0 ");
    CHECK(!aio_task_done(&S.w[1].task) && !aio_task_done(&S.w[2].task) && !aio_task_done(&S.w[3].task));
    CHECK_EQ(aio_step(&loop), 3); /* the next iteration: all three, FIFO */
    CHECK_STR(test_trace, "s@0 w2=0@0 w3=0@0 w1=0@0 ");
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_EQ(aio_next_deadline(&loop), AIO_NEVER);
    CHECK_EQ(T_MS(), 0);
    END_TEST();
}

/* Spawns w0 and w1 in the order given by S.n1 (0: setter first). */
static aio_status main_event_same_instant(aio_task *t) {
    AIO_BEGIN(t);
    if (S.n1 == 0) {
        spawn_w(0, ev_setter, AIO_MS(100), 0, 0);
        spawn_w(1, ev_waiter, 0, AIO_MS(100), 0);
    } else {
        spawn_w(1, ev_waiter, 0, AIO_MS(100), 0);
        spawn_w(0, ev_setter, AIO_MS(100), 0, 0);
    }
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_END(t);
}

/* One instant: the setter's timer was armed before the waiter's deadline,
 * both due at 100 ms. The timers fire before either task runs, so the
 * deadline detaches the waiter before the setter sets: AIO_ETIMEDOUT, and
 * the event stays set (nothing is lost). The setter still runs first. */
static void test_sync_event_set_same_instant_setter_first(void) {
    BEGIN_TEST();
    S.n1 = 0;
    CHECK_EQ(test_run(&loop, &S.task, main_event_same_instant), AIO_OK);
    CHECK_STR(test_trace, "s@100 w1=-2@100 ");
    CHECK_EQ(S.w[1].rc, AIO_ETIMEDOUT);
    CHECK(aio_event_is_set(&S.ev));
    CHECK_EQ(T_MS(), 100);
    END_TEST();
}

/* L3/R86, the other arming order: the waiter's deadline is processed (and the
 * waiter runs) before the setter sets, in the same iteration: it timed out
 * before any set existed, so AIO_ETIMEDOUT; the event is set afterwards. */
static void test_sync_event_timeout_armed_first_times_out(void) {
    BEGIN_TEST();
    S.n1 = 1;
    CHECK_EQ(test_run(&loop, &S.task, main_event_same_instant), AIO_OK);
    CHECK_STR(test_trace, "w1=-2@100 s@100 ");
    CHECK_EQ(S.w[1].rc, AIO_ETIMEDOUT);
    CHECK(aio_event_is_set(&S.ev));
    CHECK_EQ(T_MS(), 100);
    END_TEST();
}

static aio_status main_event_late_iteration(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(1, ev_waiter, 0, AIO_MS(100), 0);
    S.w[0].n = S.n1; /* 1: the setter clears right after setting */
    spawn_w(0, ev_setter, AIO_MS(50), 0, AIO_MS(100));
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc2, &S.w[0].task);
    AIO_END(t);
}

/* L3: set at 50 ms, then the CPU is busy until 150 ms, past the waiter's
 * 100 ms deadline: the set happened first, the waiter reports AIO_OK at 150,
 * also when the setter cleared the event again at once (the wake-up belongs to
 * the set, not to the event's state when the waiter runs). */
static void test_sync_event_set_before_late_iteration(void) {
    int clear;
    for (clear = 0; clear < 2; clear++) {
        BEGIN_TEST();
        S.n1 = clear;
        CHECK_EQ(test_run(&loop, &S.task, main_event_late_iteration), AIO_OK);
        CHECK_STR(test_trace, "s@50 w1=0@150 ");
        CHECK_EQ(S.w[1].rc, AIO_OK);
        CHECK_EQ(aio_event_is_set(&S.ev), !clear);
        CHECK_EQ(T_MS(), 150);
        END_TEST();
        test_trace[0] = 0;
    }
}

/* L3/R86: an interrupt sets the event exactly when the waiter's deadline is
 * reached, before the loop's iteration: reported as set. Without the set the
 * same arrangement times out, and a later set wakes nobody. */
static void test_sync_event_isr_set_at_deadline(void) {
    BEGIN_TEST();
    spawn_w(0, ev_waiter, 0, AIO_MS(100), 0);
    CHECK_EQ(step(&loop), 1);
    CHECK_EQ(aio_next_deadline(&loop), (aio_time)(test_start + AIO_MS(100)));
    aio_virtual_advance(&loop, AIO_MS(100));
    isr();
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_task_done(&S.w[0].task));
    CHECK_EQ(S.w[0].rc, AIO_OK);
    aio_event_clear(&S.ev);

    spawn_w(1, ev_waiter, 0, AIO_MS(100), 0);
    CHECK_EQ(step(&loop), 1);
    aio_virtual_advance(&loop, AIO_MS(100));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(S.w[1].rc, AIO_ETIMEDOUT);
    isr();
    CHECK_EQ(aio_step(&loop), 0);
    CHECK(aio_event_is_set(&S.ev));
    CHECK_STR(test_trace, "w0=0@100 w1=-2@200 ");
    END_TEST();
}

static aio_status main_event_cancel_waiter(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(1, ev_waiter, 0, AIO_NEVER, 0);
    spawn_w(2, ev_waiter, 0, AIO_NEVER, 0);
    spawn_w(3, ev_waiter, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(50));
    S.n1 = aio_cancel(&S.w[2].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    /* the same task waits on another event now: a stale entry in S.ev's
     * list would be woken by the set below */
    S.w[2].ev = &S.ev2;
    spawn_w(2, ev_waiter, 0, AIO_MS(300), 0);
    AIO_SLEEP(t, AIO_MS(50));
    aio_event_set(&S.ev);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_AWAIT(t, S.rc3, &S.w[3].task);
    AIO_AWAIT(t, S.rc4, &S.w[2].task);
    AIO_END(t);
}

/* R85: a cancelled waiter leaves the event's wait list: the later set wakes
 * only the two others; the cancelled task, reused to wait on another event,
 * times out there at 50 + 300 ms. */
static void test_sync_event_cancelled_waiter_removed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_cancel_waiter), AIO_OK);
    CHECK_STR(test_trace, "w2!-1@50 w1=0@100 w3=0@100 w2=-2@350 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.rc4, AIO_OK); /* the wait's ETIMEDOUT is a value, not raised */
    CHECK_EQ(S.w[2].rc, AIO_ETIMEDOUT);
    END_TEST();
}

/* A wait cut short by a timeout block, the same task waiting again on the
 * event, then an event wait whose own timeout beats the block's. */
static aio_status ev_scope_waiter(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_MS(100)) {
        AIO_EVENT_WAIT(t, w->rc, &S.ev, AIO_NEVER);
        trace("notreached ");
    }
    trace("a%d/%d@%lld ", aio_timeout_status(&S.to), aio_timeout_expired(&S.to), T_MS());
    AIO_EVENT_WAIT(t, w->rc, &S.ev, AIO_MS(500));
    trace("b%d@%lld ", w->rc, T_MS());
    AIO_TIMEOUT(t, &S.to2, AIO_SEC(1)) {
        AIO_EVENT_WAIT(t, w->rc2, &S.ev2, AIO_MS(100));
        trace("c%d@%lld ", w->rc2, T_MS());
    }
    trace("d%d/%d@%lld ", aio_timeout_status(&S.to2), aio_timeout_expired(&S.to2), T_MS());
    AIO_END(t);
}

static aio_status main_event_scope(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(0, ev_scope_waiter, 0, 0, 0);
    AIO_SLEEP(t, AIO_MS(200));
    aio_event_set(&S.ev);
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_END(t);
}

/* R85: an event wait cancelled by an expiring timeout block leaves the wait
 * list (the same task can wait on it again and is woken once at 200 ms); a
 * wait's own timeout is a value and does not expire the block around it. */
static void test_sync_event_wait_in_expiring_scope(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_scope), AIO_OK);
    CHECK_STR(test_trace, "a-2/1@100 b0@200 c-2@300 d0/0@300 ");
    CHECK_EQ(S.rc, AIO_OK);
    END_TEST();
}

static aio_status main_event_set_clear(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(1, ev_waiter, 0, AIO_NEVER, 0);
    S.w[0].n = 1; /* the setter clears right after setting */
    spawn_w(0, ev_setter, AIO_MS(100), 0, 0);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc2, &S.w[0].task);
    AIO_END(t);
}

/* L10 (asyncio: set() wakes every current waiter): a set immediately followed
 * by a clear still wakes the waiter that was waiting; no wake-up is lost. */
static void test_sync_event_set_then_clear_still_wakes(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_set_clear), AIO_OK);
    CHECK_STR(test_trace, "s@100 w1=0@100 ");
    CHECK_EQ(S.w[1].rc, AIO_OK);
    CHECK(!aio_event_is_set(&S.ev));
    END_TEST();
}

/* Sets and clears the event, then waits on it itself (100 ms). */
static aio_status ev_set_clear_wait(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    aio_event_set(&S.ev);
    aio_event_clear(&S.ev);
    AIO_EVENT_WAIT(t, w->rc, &S.ev, AIO_MS(100));
    trace("s=%d@%lld ", w->rc, T_MS());
    AIO_END(t);
}

static aio_status main_event_clear_then_wait(aio_task *t) {
    AIO_BEGIN(t);
    spawn_w(1, ev_waiter, 0, AIO_NEVER, 0);
    AIO_YIELD(t); /* w1 waits */
    spawn_w(0, ev_set_clear_wait, 0, 0, 0);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc2, &S.w[0].task);
    AIO_END(t);
}

/* R87 / asyncio Event.clear(): "subsequent tasks awaiting wait() will now
 * block until set() is called again". w1, waiting during the set, is woken;
 * the setter, which starts waiting after its own clear(), must not be woken by
 * the earlier set: it times out at 100 ms. */
static void test_sync_event_clear_then_wait_blocks(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_event_clear_then_wait), AIO_OK);
    CHECK_STR(test_trace, "w1=0@0 s=-2@100 ");
    CHECK_EQ(S.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.w[1].rc, AIO_OK);
    END_TEST();
}

/* L10: an event set from a plain C function outside any task (an interrupt
 * handler) wakes the parked waiter at the very next aio_step, at the time the
 * interrupt came; before that the loop has nothing to do. */
static void test_sync_event_isr_wakes_at_next_step(void) {
    BEGIN_TEST();
    spawn_w(0, ev_waiter, 0, AIO_NEVER, 0);
    CHECK_EQ(aio_step(&loop), 1); /* waits */
    CHECK_EQ(aio_next_deadline(&loop), AIO_NEVER);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK(!aio_task_done(&S.w[0].task));
    aio_virtual_advance(&loop, AIO_MS(250)); /* idle: the interrupt comes at 250 ms */
    isr();
    CHECK_EQ(aio_next_deadline(&loop), aio_loop_now(&loop));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_task_done(&S.w[0].task));
    CHECK_EQ(aio_task_result(&S.w[0].task), AIO_OK);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_STR(test_trace, "w0=0@250 ");
    END_TEST();
}

/* Consumer of "interrupts": sleeps pre, then: wait; clear; take all pending;
 * stop once `target` were handled; every second round sleeps `hold`. */
static aio_status isr_consumer(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    for (;;) {
        AIO_EVENT_WAIT(t, w->rc, &S.ev, AIO_NEVER);
        aio_event_clear(&S.ev);
        w->rc2 = S.pending;
        S.pending = 0;
        S.handled += w->rc2;
        S.at = T_MS();
        S.step_at = S.steps;
        trace("%d@%lld ", w->rc2, T_MS());
        if (S.handled >= S.target) break;
        if (w->n++ % 2 == 1) AIO_SLEEP(t, w->hold);
    }
    AIO_END(t);
}

/* Sleeps 10 ms n times. */
static aio_status ticker(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    for (; w->n > 0; w->n--) AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

/* L10: one interrupt injected between every possible pair of aio_step calls
 * of a scenario (a consumer that starts waiting at 15 ms, a ticker at 10, 20,
 * 30, 40 ms): it is never lost; it is handled at max(15 ms, when it came),
 * and, once the consumer waits, at the very next step. Before anyone waits,
 * a set only raises the flag: it costs the loop no iteration of its own. */
static void test_sync_event_isr_every_position(void) {
    static const long long inj_at[7] = {0, 0, 10, 15, 20, 30, 40};
    static const long long handled_at[7] = {15, 15, 15, 15, 20, 30, 40};
    static const int handled_step[7] = {2, 2, 2, 3, 4, 5, 6};
    int p, i;
    for (p = 0; p < 7; p++) {
        long long inj = -1;
        BEGIN_TEST();
        S.target = 1;
        spawn_w(0, isr_consumer, AIO_MS(15), 0, 0);
        S.w[1].n = 4;
        spawn_w(1, ticker, 0, 0, 0);
        for (i = 0; i < 50 && !aio_task_done(&S.w[0].task); i++) {
            if (i == p) {
                inj = T_MS();
                isr();
            }
            if (aio_next_deadline(&loop) == AIO_NEVER) break; /* would wait forever */
            S.steps = i;
            step(&loop);
        }
        drain(&loop);
        CHECK_EQ(inj, inj_at[p]);
        CHECK_EQ(S.handled, 1);
        CHECK_EQ(S.pending, 0);
        CHECK_EQ(S.at, handled_at[p]);
        CHECK_EQ(S.step_at, handled_step[p]);
        CHECK(aio_task_done(&S.w[0].task) && aio_task_done(&S.w[1].task));
        CHECK(!aio_event_is_set(&S.ev));
        END_TEST();
        if (test_failures) {
            printf("    (interrupt before step %d)\n", p);
            break;
        }
    }
}

/* L10: an interrupt between every pair of steps (1 ms apart) while the
 * consumer alternates between waiting at once and sleeping 2 ms: every one is
 * handled, at the times worked out by hand, and at no step is work pending
 * while the event is clear. */
static void test_sync_event_isr_between_every_step(void) {
    int i;
    BEGIN_TEST();
    S.target = 8;
    spawn_w(0, isr_consumer, 0, 0, AIO_MS(2));
    for (i = 0; i < 20 && !aio_task_done(&S.w[0].task); i++) {
        if (i < 8) isr();
        CHECK(S.pending == 0 || aio_event_is_set(&S.ev));
        aio_virtual_advance(&loop, AIO_MS(1));
        S.steps = i;
        aio_step(&loop);
        CHECK(S.pending == 0 || aio_event_is_set(&S.ev));
    }
    CHECK_STR(test_trace, "1@1 1@2 2@4 1@5 2@7 1@8 ");
    CHECK_EQ(S.handled, 8);
    CHECK_EQ(S.pending, 0);
    CHECK_EQ(S.step_at, 7);
    CHECK(aio_task_done(&S.w[0].task));
    END_TEST();
}

/* Cancels itself, waits on its event, then yields. */
static aio_status ev_self_cancel(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    w->rc2 = aio_cancel(t);
    AIO_EVENT_WAIT(t, w->rc, WEV(w), AIO_NEVER);
    trace("w%d=%d@%lld ", w->id, w->rc, T_MS());
    AIO_YIELD(t);
    trace("notreached ");
    AIO_FINALLY(t);
    trace("w%d!%d@%lld ", w->id, AIO_STATUS(t), T_MS());
    AIO_END(t);
}

/* L3: with a cancellation pending, waiting on an already set event completes
 * (AIO_OK, nothing to suspend on, as asyncio's Event.wait) and the next
 * checkpoint raises; on a clear event the wait is a checkpoint and raises. */
static void test_sync_event_pending_cancel(void) {
    BEGIN_TEST();
    aio_event_set(&S.ev);
    S.w[1].ev = &S.ev2;
    spawn_w(0, ev_self_cancel, 0, 0, 0);
    spawn_w(1, ev_self_cancel, 0, 0, 0);
    drain(&loop);
    CHECK_STR(test_trace, "w0=0@0 w0!-1@0 w1!-1@0 ");
    CHECK_EQ(S.w[0].rc2, 1);
    CHECK_EQ(aio_task_result(&S.w[0].task), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&S.w[1].task), AIO_ECANCELED);
    CHECK_EQ(T_MS(), 0);
    END_TEST();
}

/* ------------------------------------------------------------------- locks */

static aio_status main_lock_uncontended(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&S.w[0].task, helper), AIO_OK);
    trace("L%d ", aio_lock_locked(&S.lock));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    trace("m%d L%d ", S.rc, aio_lock_locked(&S.lock));
    trace("r%d ", aio_lock_release(&S.lock));
    trace("L%d ", aio_lock_locked(&S.lock));
    AIO_LOCK_ACQUIRE(t, S.rc2, &S.lock, 0);
    trace("m%d L%d ", S.rc2, aio_lock_locked(&S.lock));
    trace("r%d ", aio_lock_release(&S.lock));
    AIO_YIELD(t);
    trace("y@%lld ", T_MS());
    AIO_END(t);
}

/* A free (zeroed) lock is taken at once without suspending (the helper runs
 * only at the yield), also with d = 0; release frees it. */
static void test_sync_lock_uncontended(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_uncontended), AIO_OK);
    CHECK_STR(test_trace, "L0 m0 L1 r0 L0 m0 L1 r0 h y@0 ");
    END_TEST();
}

static aio_status main_lock_fifo(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    trace("h@%lld ", T_MS());
    spawn_w(1, lk_worker, AIO_MS(30), AIO_NEVER, AIO_MS(10));
    spawn_w(2, lk_worker, AIO_MS(10), AIO_NEVER, AIO_MS(10));
    spawn_w(3, lk_worker, AIO_MS(20), AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(100));
    S.rc2 = aio_lock_release(&S.lock);
    S.v1 = aio_lock_locked(&S.lock); /* handed to w2: nobody's until w2 runs */
    AIO_LOCK_ACQUIRE(t, S.rc3, &S.lock, AIO_NEVER); /* no barging: queues last */
    trace("h@%lld ", T_MS());
    S.rc4 = aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    AIO_AWAIT(t, S.rc, &S.w[3].task);
    AIO_END(t);
}

/* Lock FIFO: waiters arriving at 10 (w2), 20 (w3), 30 ms (w1) get the lock in
 * that order, each 10 ms after the previous; the holder, releasing at 100 and
 * asking again at once, gets it after them. Between the release and w2's
 * next step the lock reads unlocked (asyncio's locked() is False there) and
 * still cannot be taken. */
static void test_sync_lock_fifo_three_waiters(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_fifo), AIO_OK);
    CHECK_STR(test_trace, "h@0 w2@100 w3@110 w1@120 h@130 ");
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.rc4, AIO_OK);
    CHECK_EQ(S.w[1].rc2, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 130);
    END_TEST();
}

/* Times out (100 ms), then waits without a timeout. */
static aio_status lk_twice(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_MS(100));
    trace("w%d=%d@%lld ", w->id, w->rc, T_MS());
    AIO_LOCK_ACQUIRE(t, w->rc2, &S.lock, AIO_NEVER);
    trace("w%d@%lld ", w->id, T_MS());
    aio_lock_release(&S.lock);
    AIO_END(t);
}

static aio_status main_lock_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(1, lk_worker, 0, AIO_MS(50), 0);
    spawn_w(2, lk_twice, 0, 0, 0);
    AIO_SLEEP(t, AIO_MS(200));
    S.v1 = aio_lock_locked(&S.lock);
    S.rc2 = aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    AIO_END(t);
}

/* R91: acquires timing out at 50 (w1) and 100 ms (w2) leave the lock held by
 * its owner and no waiter behind: at 200 ms the release goes to w2's second
 * acquire (queued at 100), and the lock is free after it. */
static void test_sync_lock_acquire_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_timeout), AIO_OK);
    CHECK_STR(test_trace, "w1=-2@50 w2=-2@100 w2@200 ");
    CHECK_EQ(S.w[1].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.w[2].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.w[2].rc2, AIO_OK);
    CHECK_EQ(S.v1, 1);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 200);
    END_TEST();
}

static aio_status main_lock_timeout_zero(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(0, lk_worker, 0, 0, 0);
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    S.rc2 = aio_lock_release(&S.lock);
    spawn_w(1, lk_worker, 0, 0, 0);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_END(t);
}

/* R91: d = 0 on a held lock times out at once (one loop iteration, no time);
 * on a free lock it acquires. */
static void test_sync_lock_acquire_timeout_zero(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_timeout_zero), AIO_OK);
    CHECK_STR(test_trace, "w0=-2@0 w1@0 ");
    CHECK_EQ(S.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.w[1].rc, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    END_TEST();
}

static aio_status main_lock_cancel_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(1, lk_worker, 0, AIO_NEVER, AIO_MS(10));
    spawn_w(2, lk_worker, 0, AIO_NEVER, AIO_MS(10));
    spawn_w(3, lk_worker, 0, AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(50));
    S.n1 = aio_cancel(&S.w[2].task);
    AIO_AWAIT(t, S.rc2, &S.w[2].task);
    AIO_SLEEP(t, AIO_MS(50));
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc, &S.w[3].task);
    S.v1 = aio_lock_locked(&S.lock);
    /* every waiter cancelled: the release leaves the lock free */
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(4, lk_worker, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(10));
    S.n2 = aio_cancel(&S.w[4].task);
    AIO_AWAIT(t, S.rc3, &S.w[4].task);
    S.rc4 = aio_lock_release(&S.lock);
    S.v2 = aio_lock_locked(&S.lock);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, 0);
    S.v3 = aio_lock_locked(&S.lock);
    aio_lock_release(&S.lock);
    AIO_END(t);
}

/* R91: a waiter cancelled at 50 ms leaves no trace: the lock goes to w1 at
 * 100, then w3 at 110, and is free at 120; with its only waiter cancelled,
 * a release leaves the lock free and it can be taken at once. */
static void test_sync_lock_cancelled_waiter_no_trace(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_cancel_waiter), AIO_OK);
    CHECK_STR(test_trace, "w2!-1@50 w1@100 w3@110 w4!-1@130 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.rc2, AIO_ECANCELED);
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.n2, 1);
    CHECK_EQ(S.rc3, AIO_ECANCELED);
    CHECK_EQ(S.rc4, AIO_OK);
    CHECK_EQ(S.v2, 0);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.v3, 1);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 130);
    END_TEST();
}

static aio_status main_lock_granted_cancel(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(1, lk_worker, 0, AIO_NEVER, AIO_MS(10));
    spawn_w(2, lk_worker, 0, AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(100));
    aio_lock_release(&S.lock); /* handed to w1 ... */
    S.n1 = aio_cancel(&S.w[1].task); /* ... cancelled before it runs */
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc2, &S.w[2].task);
    S.v1 = aio_lock_locked(&S.lock);
    /* the same with nobody to pass it to: the lock ends up free */
    AIO_LOCK_ACQUIRE(t, S.rc3, &S.lock, AIO_NEVER);
    spawn_w(3, lk_worker, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(10));
    aio_lock_release(&S.lock);
    S.n2 = aio_cancel(&S.w[3].task);
    AIO_AWAIT(t, S.rc4, &S.w[3].task);
    S.v2 = aio_lock_locked(&S.lock);
    AIO_END(t);
}

/* L10/R91: a waiter handed the lock but cancelled before it ran passes it on
 * to the next waiter (w2 gets it at 100 ms); with no next waiter the lock
 * ends up free. */
static void test_sync_lock_granted_then_cancelled_passes_on(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_granted_cancel), AIO_OK);
    CHECK_STR(test_trace, "w1!-1@100 w2@100 w3!-1@120 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.n2, 1);
    CHECK_EQ(S.rc4, AIO_ECANCELED);
    CHECK_EQ(S.v2, 0);
    CHECK_EQ(T_MS(), 120);
    END_TEST();
}

static aio_status main_lock_release_twice(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.rc2 = aio_lock_release(&S.lock);
    S.rc3 = aio_lock_release(&S.lock);
    S.v1 = aio_lock_locked(&S.lock);
    AIO_END(t);
}

/* Releasing an unlocked lock is AIO_EINVAL (outside a task, and a second
 * release inside one), with a debug message; the lock stays unlocked. */
static void test_sync_lock_release_unlocked_einval(void) {
    BEGIN_TEST();
    CHECK_EQ(aio_lock_release(&S.lock), AIO_EINVAL);
    CHECK_DEBUG("not locked");
    CHECK(!aio_lock_locked(&S.lock));
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &S.task, main_lock_release_twice), AIO_OK);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.rc3, AIO_EINVAL);
    CHECK_DEBUG("not locked");
    CHECK_EQ(S.v1, 0);
    END_TEST();
}

static aio_status main_lock_handed_misuse(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(1, lk_worker, 0, AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(5));
    S.rc2 = aio_lock_release(&S.lock); /* handed to w1, which has not run */
    S.v1 = aio_lock_locked(&S.lock);
    S.rc3 = aio_lock_release(&S.lock);
    CHECK_DEBUG("handed to a waiter");
    S.n1 = aio_condition_notify(&S.cond, 1);
    CHECK_DEBUG("notify: the condition's lock is not held");
    test_last_debug[0] = 0;
    AIO_COND_WAIT(t, S.rc4, &S.cond, AIO_NEVER);
    trace("notreached ");
    AIO_FINALLY(t);
    CHECK_DEBUG("condition wait: the condition's lock is not held");
    trace("m!%d@%lld L%d ", AIO_STATUS(t), T_MS(), aio_lock_locked(&S.lock));
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_END(t);
}

/* A lock handed to a waiter that has not run yet is nobody's (asyncio's
 * lock reads unlocked then): a second release, a notify and a condition wait
 * by the task that gave it away are AIO_EINVAL, with a debug message (the
 * wait raises it), and change nothing: w1 gets the lock at 5 ms, in the step
 * after the release, and frees it at 15. */
static void test_sync_lock_handed_refuses_release_notify_wait(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_handed_misuse), AIO_EINVAL);
    CHECK_STR(test_trace, "m!-3@5 L0 w1@5 ");
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.rc3, AIO_EINVAL);
    CHECK_EQ(S.n1, AIO_EINVAL);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.w[1].rc, AIO_OK);
    CHECK_EQ(S.w[1].rc2, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 15);
    END_TEST();
}

/* Cancels itself, then asks for the free lock. */
static aio_status lk_self_cancel(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    w->rc2 = aio_cancel(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    w->owns = 1;
    trace("notreached ");
    AIO_FINALLY(t);
    trace("w%d!%d@%lld L%d ", w->id, AIO_STATUS(t), T_MS(), aio_lock_locked(&S.lock));
    if (w->owns) aio_lock_release(&S.lock);
    AIO_END(t);
}

/* Asks for the free lock in a timeout block with no time left. */
static aio_status lk_zero_scope(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, 0) {
        AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
        w->owns = 1;
        trace("notreached ");
    }
    trace("z%d/%d@%lld L%d ", aio_timeout_status(&S.to), aio_timeout_expired(&S.to), T_MS(),
          aio_lock_locked(&S.lock));
    AIO_FINALLY(t);
    if (w->owns) aio_lock_release(&S.lock);
    AIO_END(t);
}

/* An acquire is a checkpoint: with a cancellation pending (or a deadline
 * already due, L6) it raises even though the lock is free, and never takes it
 * (w1, asking in the same iteration, gets it at once). */
static void test_sync_lock_pending_cancel_raises_when_free(void) {
    BEGIN_TEST();
    spawn_w(0, lk_self_cancel, 0, 0, 0);
    spawn_w(1, lk_worker, 0, AIO_NEVER, 0);
    drain(&loop);
    CHECK_STR(test_trace, "w1@0 w0!-1@0 L0 ");
    CHECK_EQ(S.w[0].rc2, 1);
    CHECK_EQ(aio_task_result(&S.w[0].task), AIO_ECANCELED);
    CHECK(!aio_lock_locked(&S.lock));
    test_trace[0] = 0;
    spawn_w(2, lk_zero_scope, 0, 0, 0);
    drain(&loop);
    CHECK_STR(test_trace, "z-2/1@0 L0 ");
    CHECK_EQ(aio_task_result(&S.w[2].task), AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 0);
    END_TEST();
}

/* Asks for the lock (no timeout) inside a timeout block of d. */
static aio_status lk_in_scope(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, w->d) {
        AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
        w->owns = 1;
        trace("w%d@%lld ", w->id, T_MS());
    }
    trace("sc%d/%d@%lld ", aio_timeout_status(&S.to), aio_timeout_expired(&S.to), T_MS());
    AIO_FINALLY(t);
    if (w->owns) aio_lock_release(&S.lock);
    AIO_END(t);
}

static aio_status main_lock_scope(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    spawn_w(0, lk_in_scope, 0, AIO_MS(100), 0);
    spawn_w(1, lk_worker, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(200));
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_END(t);
}

/* R91: an acquire cancelled by an expiring timeout block (100 ms) leaves no
 * waiter: at 200 ms the lock goes to w1, queued behind it, and is then free. */
static void test_sync_lock_in_expiring_scope(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_lock_scope), AIO_OK);
    CHECK_STR(test_trace, "sc-2/1@100 w1@200 ");
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 200);
    END_TEST();
}

/* -------------------------------------------------------------- semaphores */

static aio_status main_sem_fifo(aio_task *t) {
    AIO_BEGIN(t);
    aio_semaphore_init(&S.sem, 2, 0);
    S.v1 = aio_semaphore_value(&S.sem);
    spawn_w(1, sem_worker, 0, AIO_NEVER, AIO_MS(100));
    spawn_w(2, sem_worker, 0, AIO_NEVER, AIO_MS(50));
    spawn_w(3, sem_worker, 0, AIO_NEVER, AIO_MS(100));
    spawn_w(4, sem_worker, 0, AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(60));
    S.v2 = aio_semaphore_value(&S.sem);
    AIO_SLEEP(t, AIO_MS(60));
    S.v3 = aio_semaphore_value(&S.sem);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    AIO_AWAIT(t, S.rc, &S.w[3].task);
    AIO_AWAIT(t, S.rc, &S.w[4].task);
    AIO_END(t);
}

/* Semaphore(2): two permits at once; releases hand permits straight to the
 * oldest waiter (the value stays 0 meanwhile); the value comes back to 2. */
static void test_sync_semaphore_value_fifo(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_sem_fifo), AIO_OK);
    CHECK_STR(test_trace, "s1@0 s2@0 e2@50 s3@50 e1@100 s4@100 e4@110 e3@150 ");
    CHECK_EQ(S.v1, 2);
    CHECK_EQ(S.v2, 0);
    CHECK_EQ(S.v3, 1);
    CHECK_EQ(aio_semaphore_value(&S.sem), 2);
    CHECK_EQ(S.max_active, 2);
    CHECK_EQ(T_MS(), 150);
    END_TEST();
}

static aio_status main_sem_bounded(aio_task *t) {
    AIO_BEGIN(t);
    aio_semaphore_init(&S.sem, 1, 1);
    trace("%d ", aio_semaphore_release(&S.sem));
    CHECK_DEBUG("released more often");
    trace("v%d ", aio_semaphore_value(&S.sem));
    AIO_SEMAPHORE_ACQUIRE(t, S.rc, &S.sem, AIO_NEVER);
    trace("a%d v%d ", S.rc, aio_semaphore_value(&S.sem));
    trace("%d ", aio_semaphore_release(&S.sem));
    trace("v%d ", aio_semaphore_value(&S.sem));
    trace("%d ", aio_semaphore_release(&S.sem));
    trace("v%d | ", aio_semaphore_value(&S.sem));
    /* bound 1, no permit, a waiter: a release goes to the waiter */
    aio_semaphore_init(&S.sem, 0, 1);
    spawn_w(0, sem_worker, 0, AIO_NEVER, 0);
    AIO_YIELD(t);
    trace("%d ", aio_semaphore_release(&S.sem));
    trace("v%d ", aio_semaphore_value(&S.sem));
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    trace("v%d ", aio_semaphore_value(&S.sem));
    trace("%d ", aio_semaphore_release(&S.sem));
    trace("v%d | ", aio_semaphore_value(&S.sem));
    aio_semaphore_init(&S.sem, 0, 0); /* unbounded */
    trace("%d ", aio_semaphore_release(&S.sem));
    trace("%d ", aio_semaphore_release(&S.sem));
    trace("v%d ", aio_semaphore_value(&S.sem));
    trace("%d ", aio_semaphore_init(&S.sem, -5, 0)); /* refused: no permit */
    trace("v%d ", aio_semaphore_value(&S.sem));
    trace("%d ", aio_semaphore_init(&S.sem, 3, 2)); /* above its bound */
    trace("v%d ", aio_semaphore_value(&S.sem));
    trace("%d ", aio_semaphore_init(&S.sem, 1, -1));
    trace("%d ", aio_semaphore_init(NULL, 1, 0));
    trace("%d", aio_semaphore_init(&S.sem, 2, 2));
    AIO_END(t);
}

/* BoundedSemaphore: a release beyond the bound is AIO_EINVAL (debug message)
 * and changes nothing; a release handed to a waiter is fine; an unbounded
 * semaphore grows; a negative value or bound, or a value above the bound, is
 * refused at init (AIO_EINVAL, asyncio's ValueError) and leaves no permit. */
static void test_sync_semaphore_bounded_over_release(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_sem_bounded), AIO_OK);
    CHECK_STR(test_trace, "-3 v1 a0 v0 0 v1 -3 v1 | 0 v0 s0@0 e0@0 v1 -3 v1 | 0 0 v2 -3 v0 -3 v0 -3 -3 0");
    CHECK_DEBUG("aio_semaphore_init: the semaphore is NULL");
    CHECK_DEBUG("aio_semaphore_init: the value or the bound is negative, or the value is above the bound");
    CHECK_EQ(S.w[0].rc2, AIO_OK);
    END_TEST();
}

static aio_status main_sem_timeout(aio_task *t) {
    AIO_BEGIN(t);
    aio_semaphore_init(&S.sem, 0, 0);
    spawn_w(0, sem_worker, 0, AIO_MS(100), 0);
    spawn_w(1, sem_worker, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(150));
    S.rc2 = aio_semaphore_release(&S.sem);
    S.v1 = aio_semaphore_value(&S.sem); /* handed to w1 */
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    S.v2 = aio_semaphore_value(&S.sem);
    AIO_SEMAPHORE_ACQUIRE(t, S.rc3, &S.sem, 0);
    S.v3 = aio_semaphore_value(&S.sem);
    AIO_END(t);
}

/* R91 for semaphores: an acquire timing out at 100 ms leaves no waiter: the
 * release at 150 goes to w1; d = 0 with a permit available succeeds at once. */
static void test_sync_semaphore_acquire_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_sem_timeout), AIO_OK);
    CHECK_STR(test_trace, "w0=-2@100 s1@150 e1@150 ");
    CHECK_EQ(S.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.v2, 1);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.v3, 0);
    CHECK_EQ(T_MS(), 150);
    END_TEST();
}

static aio_status main_sem_pool(aio_task *t) {
    AIO_BEGIN(t);
    aio_semaphore_init(&S.sem, 2, 2);
    spawn_w(0, sem_worker, 0, AIO_NEVER, AIO_MS(300));
    spawn_w(1, sem_worker, 0, AIO_NEVER, AIO_MS(100));
    spawn_w(2, sem_worker, 0, AIO_NEVER, AIO_MS(100));
    spawn_w(3, sem_worker, 0, AIO_NEVER, AIO_MS(200));
    spawn_w(4, sem_worker, 0, AIO_NEVER, AIO_MS(50));
    for (S.n1 = 0; S.n1 < 5; S.n1++) AIO_AWAIT(t, S.rc, &S.w[S.n1].task);
    AIO_END(t);
}

/* A pool of at most 2 concurrent jobs (300, 100, 100, 200, 50 ms): each
 * starts the moment a permit frees up, never more than 2 at once. */
static void test_sync_semaphore_pool_max_two(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_sem_pool), AIO_OK);
    CHECK_STR(test_trace,
              "s0@0 s1@0 e1@100 s2@100 e2@200 s3@200 e0@300 s4@300 e4@350 e3@400 ");
    CHECK_EQ(S.max_active, 2);
    CHECK_EQ(S.active, 0);
    CHECK_EQ(aio_semaphore_value(&S.sem), 2);
    CHECK_EQ(T_MS(), 400);
    END_TEST();
}

static aio_status main_sem_cancel(aio_task *t) {
    AIO_BEGIN(t);
    aio_semaphore_init(&S.sem, 0, 0);
    spawn_w(1, sem_worker, 0, AIO_NEVER, 0);
    spawn_w(2, sem_worker, 0, AIO_NEVER, 0);
    spawn_w(3, sem_worker, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(10));
    S.n1 = aio_cancel(&S.w[2].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    AIO_SLEEP(t, AIO_MS(10));
    S.rc2 = aio_semaphore_release(&S.sem); /* to w1 ... */
    S.n2 = aio_cancel(&S.w[1].task);       /* ... cancelled before it runs */
    AIO_AWAIT(t, S.rc3, &S.w[1].task);
    AIO_AWAIT(t, S.rc4, &S.w[3].task);
    S.v1 = aio_semaphore_value(&S.sem);
    AIO_END(t);
}

/* R91/L10 for semaphores: a cancelled waiter leaves no trace, and a permit
 * handed to a waiter cancelled before it ran goes to the next one (w3 at
 * 20 ms); in the end the one permit is back. */
static void test_sync_semaphore_cancelled_waiters(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_sem_cancel), AIO_OK);
    CHECK_STR(test_trace, "w2!-1@10 w1!-1@20 s3@20 e3@20 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.n2, 1);
    CHECK_EQ(S.rc3, AIO_ECANCELED);
    CHECK_EQ(S.rc4, AIO_OK);
    CHECK_EQ(S.v1, 1);
    CHECK_EQ(T_MS(), 20);
    END_TEST();
}

/* -------------------------------------------------------------- conditions */

static aio_status main_cond_notify(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_waiter, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(100));
    S.v1 = aio_lock_locked(&S.lock); /* released while waiting */
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n1 = aio_condition_notify(&S.cond, 1);
    AIO_SLEEP(t, AIO_MS(50)); /* the notified waiter needs the lock */
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc2, &S.w[0].task);
    AIO_END(t);
}

/* R88: wait releases the lock; notify(1) wakes the waiter, which returns
 * AIO_OK only once it holds the lock again (the notifier keeps it until
 * 150 ms). */
static void test_sync_cond_wait_notify(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_notify), AIO_OK);
    CHECK_STR(test_trace, "w0=0@150 L1 ");
    CHECK_EQ(S.v1, 0);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.w[0].rc2, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    END_TEST();
}

static aio_status main_cond_fifo(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(1, cd_waiter, AIO_MS(5), AIO_NEVER, AIO_MS(10));
    spawn_w(2, cd_waiter, 0, AIO_NEVER, AIO_MS(10));
    spawn_w(3, cd_waiter, 0, AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(100));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n1 = aio_condition_notify(&S.cond, 2);
    aio_lock_release(&S.lock);
    AIO_SLEEP(t, AIO_MS(50));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n2 = aio_condition_notify_all(&S.cond);
    S.n3 = aio_condition_notify(&S.cond, 5);
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    AIO_AWAIT(t, S.rc, &S.w[3].task);
    AIO_END(t);
}

/* Condition FIFO: notify(2) wakes the two oldest waiters (w2, w3; w1 came at
 * 5 ms) and returns 2; they take the lock in turn (100, 110); notify_all later
 * wakes the last one (returns 1); a notify with nobody waiting returns 0. */
static void test_sync_cond_notify_fifo_count(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_fifo), AIO_OK);
    CHECK_STR(test_trace, "w2=0@100 L1 w3=0@110 L1 w1=0@150 L1 ");
    CHECK_EQ(S.n1, 2);
    CHECK_EQ(S.n2, 1);
    CHECK_EQ(S.n3, 0);
    CHECK_EQ(T_MS(), 160);
    END_TEST();
}

static aio_status main_cond_notify_all(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(1, cd_waiter, 0, AIO_NEVER, AIO_MS(10));
    spawn_w(2, cd_waiter, 0, AIO_NEVER, AIO_MS(10));
    spawn_w(3, cd_waiter, 0, AIO_NEVER, AIO_MS(10));
    AIO_SLEEP(t, AIO_MS(100));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n1 = aio_condition_notify(&S.cond, 0);
    S.n2 = aio_condition_notify_all(&S.cond);
    AIO_SLEEP(t, AIO_MS(20));
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc, &S.w[2].task);
    AIO_AWAIT(t, S.rc, &S.w[3].task);
    AIO_END(t);
}

/* notify_all wakes all three (returns 3; notify(0) wakes none); they take
 * the lock back one after the other, in wait order, once the notifier
 * releases it at 120 ms. */
static void test_sync_cond_notify_all_reacquire_fifo(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_notify_all), AIO_OK);
    CHECK_STR(test_trace, "w1=0@120 L1 w2=0@130 L1 w3=0@140 L1 ");
    CHECK_EQ(S.n1, 0);
    CHECK_EQ(S.n2, 3);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 150);
    END_TEST();
}

/* Two waits of 100 ms, nobody notifies. */
static aio_status cd_timeout_twice(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    AIO_COND_WAIT(t, w->rc, &S.cond, AIO_MS(100));
    trace("a%d@%lld L%d ", w->rc, T_MS(), aio_lock_locked(&S.lock));
    AIO_COND_WAIT(t, w->rc2, &S.cond, AIO_MS(100));
    trace("b%d@%lld L%d ", w->rc2, T_MS(), aio_lock_locked(&S.lock));
    aio_lock_release(&S.lock);
    AIO_END(t);
}

static aio_status main_cond_timeout(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_timeout_twice, 0, 0, 0);
    spawn_w(1, lk_worker, AIO_MS(150), AIO_NEVER, AIO_MS(150));
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_END(t);
}

/* R88: a wait that times out returns AIO_ETIMEDOUT holding the lock: at once
 * (100 ms) when it is free; when another task holds it (150-300 ms), only
 * once it is free again (300 ms, not the 200 ms deadline). */
static void test_sync_cond_wait_timeout_lock_held(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_timeout), AIO_OK);
    CHECK_STR(test_trace, "a-2@100 L1 w1@150 b-2@300 L1 ");
    CHECK_EQ(S.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.w[0].rc2, AIO_ETIMEDOUT);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 300);
    END_TEST();
}

static aio_status main_cond_cancel_contended(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_waiter, 0, AIO_NEVER, 0);
    spawn_w(1, lk_worker, AIO_MS(50), AIO_NEVER, AIO_MS(250)); /* holds 50-300 */
    spawn_w(2, lk_worker, AIO_MS(60), AIO_NEVER, AIO_MS(50));  /* queued at 60 */
    AIO_SLEEP(t, AIO_MS(100));
    S.n1 = aio_cancel(&S.w[0].task);
    AIO_SLEEP(t, AIO_MS(100));
    S.n2 = aio_cancel(&S.w[0].task); /* during the re-acquisition */
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    S.at = T_MS();
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_AWAIT(t, S.rc3, &S.w[2].task);
    AIO_END(t);
}

/* R88/L10: a waiter cancelled at 100 ms while the lock is held (w1 until 300,
 * then w2, queued at 60, until 350) takes the lock back before unwinding: it
 * unwinds at 350 holding it; a second cancel at 200 does not cut the
 * re-acquisition short and the task ends AIO_ECANCELED once. */
static void test_sync_cond_cancel_relock_contended(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_cancel_contended), AIO_OK);
    CHECK_STR(test_trace, "w1@50 w2@300 w0!-1@350 L1 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.n2, 1);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(S.at, 350);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.w[0].rc2, AIO_OK); /* its cleanup released the lock it held */
    CHECK(!aio_lock_locked(&S.lock));
    END_TEST();
}

/* Waits (no timeout) inside a timeout block of 100 ms. */
static aio_status cd_in_scope(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    w->owns = 1;
    AIO_TIMEOUT(t, &S.to, AIO_MS(100)) {
        AIO_COND_WAIT(t, w->rc, &S.cond, AIO_NEVER);
        trace("notreached ");
    }
    trace("sc%d/%d@%lld L%d ", aio_timeout_status(&S.to), aio_timeout_expired(&S.to), T_MS(),
          aio_lock_locked(&S.lock));
    w->owns = 0;
    w->rc2 = aio_lock_release(&S.lock);
    AIO_FINALLY(t);
    if (w->owns) aio_lock_release(&S.lock);
    AIO_END(t);
}

static aio_status main_cond_scope(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_in_scope, 0, 0, 0);
    spawn_w(1, lk_worker, AIO_MS(50), AIO_NEVER, AIO_MS(150)); /* holds 50-200 */
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_END(t);
}

/* R88: inside `async with timeout(0.1)`, the condition wait cancelled by the
 * deadline takes the lock back first: the block ends with AIO_ETIMEDOUT at
 * 200 ms (when the other holder releases), the lock held. */
static void test_sync_cond_wait_in_expiring_scope(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_scope), AIO_OK);
    CHECK_STR(test_trace, "w1@50 sc-2/1@200 L1 ");
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.w[0].rc2, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 200);
    END_TEST();
}

static aio_status main_cond_cancelled_wakeup(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(1, cd_waiter, 0, AIO_NEVER, 0);
    spawn_w(2, cd_waiter, 0, AIO_NEVER, 0);
    spawn_w(3, cd_waiter, 0, AIO_MS(200), 0);
    AIO_SLEEP(t, AIO_MS(100));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n1 = aio_condition_notify(&S.cond, 1); /* w1 ... */
    S.n2 = aio_cancel(&S.w[1].task);         /* ... cancelled before it runs */
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc, &S.w[1].task);
    AIO_AWAIT(t, S.rc2, &S.w[2].task);
    AIO_AWAIT(t, S.rc3, &S.w[3].task);
    AIO_END(t);
}

/* L10/R89 (gh-112202): a notification whose waiter (w1) is cancelled before it
 * runs goes to the next waiter (w2, at 100 ms); only one: w3 times out at
 * 200 ms. The cancelled waiter unwinds holding the lock (R88). */
static void test_sync_cond_notified_waiter_cancelled_passes_on(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_cancelled_wakeup), AIO_OK);
    CHECK_STR(test_trace, "w1!-1@100 L1 w2=0@100 L1 w3=-2@200 L1 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.n2, 1);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    END_TEST();
}

static aio_status main_cond_cancel_while_relocking(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(1, cd_waiter, 0, AIO_NEVER, 0);
    S.w[2].n = 1;
    spawn_w(2, cancel_nth, AIO_MS(150), 0, 0);
    AIO_SLEEP(t, AIO_MS(100));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n1 = aio_condition_notify(&S.cond, 1);
    AIO_SLEEP(t, AIO_MS(100)); /* w1 runs at 100 and waits for the lock */
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_AWAIT(t, S.rc3, &S.w[2].task);
    AIO_END(t);
}

/* R88, asyncio's Condition.wait: w1 was notified (100 ms) and waits to take
 * the lock back when it is cancelled (150 ms). The wait is not over until it
 * holds the lock: it takes the lock back at 200 ms and then unwinds with the
 * cancellation, holding the lock in its cleanup. */
static void test_sync_cond_notified_then_cancelled_while_relocking(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_cancel_while_relocking), AIO_OK);
    CHECK_STR(test_trace, "x@150 w1!-1@200 L1 ");
    CHECK_EQ(S.n1, 1);
    CHECK_EQ(S.w[2].rc, 1);
    CHECK_EQ(S.w[1].rc, AIO_OK); /* from the acquire: the wait stored nothing */
    CHECK_EQ(S.rc2, AIO_ECANCELED);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 200);
    END_TEST();
}

/* Waits on S.cond without holding its lock (n: with AIO_COND_WAIT_FOR). */
static aio_status cd_nolock(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    if (w->n)
        AIO_COND_WAIT_FOR(t, w->rc, &S.cond, S.count > 0, AIO_MS(100));
    else
        AIO_COND_WAIT(t, w->rc, &S.cond, AIO_MS(100));
    trace("notreached ");
    AIO_FINALLY(t);
    trace("w%d!%d@%lld L%d ", w->id, AIO_STATUS(t), T_MS(), aio_lock_locked(&S.lock));
    AIO_END(t);
}

/* A condition wait without holding the lock raises AIO_EINVAL at once (plain
 * wait and wait_for), with a debug message; nothing is left locked. */
static void test_sync_cond_wait_without_lock_einval(void) {
    BEGIN_TEST();
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_nolock, 0, 0, 0);
    S.w[1].n = 1;
    spawn_w(1, cd_nolock, 0, 0, 0);
    CHECK_EQ(aio_step(&loop), 2);
    CHECK_STR(test_trace, "w0!-3@0 L0 w1!-3@0 L0 ");
    CHECK_EQ(aio_task_result(&S.w[0].task), AIO_EINVAL);
    CHECK_EQ(aio_task_result(&S.w[1].task), AIO_EINVAL);
    CHECK_DEBUG("not held");
    CHECK_EQ(aio_next_deadline(&loop), AIO_NEVER);
    END_TEST();
}

static aio_status main_cond_notify_nolock(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_waiter, 0, AIO_NEVER, 0);
    AIO_YIELD(t); /* w0 waits, the lock is free */
    S.n1 = aio_condition_notify(&S.cond, 1);
    S.n2 = aio_condition_notify_all(&S.cond);
    AIO_SLEEP(t, AIO_MS(100));
    trace("m@%lld ", T_MS());
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n3 = aio_condition_notify(&S.cond, 1);
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc2, &S.w[0].task);
    AIO_END(t);
}

/* notify / notify_all without holding the lock return AIO_EINVAL (debug
 * message) and wake nobody: the waiter is woken only by the proper notify at
 * 100 ms. */
static void test_sync_cond_notify_without_lock_einval(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_notify_nolock), AIO_OK);
    CHECK_EQ(S.n1, AIO_EINVAL);
    CHECK_EQ(S.n2, AIO_EINVAL);
    CHECK_DEBUG("not held");
    CHECK_EQ(S.n3, 1);
    CHECK_STR(test_trace, "m@100 w0=0@100 L1 ");
    CHECK_EQ(S.rc2, AIO_OK);
    END_TEST();
}

/* Predicate with a side effect: counts its evaluations. */
static int count_at_least(int n) {
    S.evals++;
    return S.count >= n;
}

/* Waits until S.count >= w->n (timeout d); if that worked, waits again. */
static aio_status cd_wait_for(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    AIO_COND_WAIT_FOR(t, w->rc, &S.cond, count_at_least(w->n), w->d);
    trace("w%d=%d@%lld L%d e%d ", w->id, w->rc, T_MS(), aio_lock_locked(&S.lock), S.evals);
    if (w->rc == AIO_OK) {
        AIO_COND_WAIT_FOR(t, w->rc2, &S.cond, count_at_least(w->n), w->d);
        trace("again=%d@%lld e%d ", w->rc2, T_MS(), S.evals);
    }
    aio_lock_release(&S.lock);
    AIO_END(t);
}

/* Every 100 ms, n times: count++ and notify_all under the lock. */
static aio_status cd_producer(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    for (; w->n > 0; w->n--) {
        AIO_SLEEP(t, AIO_MS(100));
        AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
        S.count++;
        aio_condition_notify_all(&S.cond);
        aio_lock_release(&S.lock);
    }
    AIO_END(t);
}

/* R90: wait_for(count >= 3, 1 s) with a notify every 100 ms: the predicate is
 * checked at 0, 100, 200, 300 ms and holds at 300: AIO_OK, lock held; when
 * it already holds, wait_for returns at once after one evaluation. */
static void test_sync_cond_wait_for_pred_true(void) {
    BEGIN_TEST();
    aio_condition_init(&S.cond, &S.lock);
    S.w[0].n = 3;
    spawn_w(0, cd_wait_for, 0, AIO_SEC(1), 0);
    S.w[1].n = 4;
    spawn_w(1, cd_producer, 0, 0, 0);
    drain(&loop);
    CHECK_STR(test_trace, "w0=0@300 L1 e4 again=0@300 e5 ");
    CHECK_EQ(S.count, 4);
    CHECK(aio_task_done(&S.w[0].task) && aio_task_done(&S.w[1].task));
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 400);
    END_TEST();
}

/* R90: wait_for(count >= 5) with one overall deadline of 250 ms, notified at
 * 100 and 200: AIO_ETIMEDOUT at 250 (not 200 + 250), lock held, and the
 * predicate is not evaluated again after the timeout (3 evaluations). */
static void test_sync_cond_wait_for_timeout(void) {
    BEGIN_TEST();
    aio_condition_init(&S.cond, &S.lock);
    S.w[0].n = 5;
    spawn_w(0, cd_wait_for, 0, AIO_MS(250), 0);
    S.w[1].n = 3;
    spawn_w(1, cd_producer, 0, 0, 0);
    drain(&loop);
    CHECK_STR(test_trace, "w0=-2@250 L1 e3 ");
    CHECK_EQ(S.evals, 3);
    CHECK_EQ(S.count, 3);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 300);
    END_TEST();
}

/* Bounded buffer of 2 over one lock and two conditions: S.cond = not empty,
 * S.cond2 = not full. */
static aio_status pc_producer(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    while (w->n < 5) {
        AIO_SLEEP(t, AIO_MS(10));
        AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
        AIO_COND_WAIT_FOR(t, w->rc, &S.cond2, S.len < 2, AIO_NEVER);
        w->n++;
        S.buf[(S.head + S.len) % 2] = w->n;
        S.len++;
        trace("p%d@%lld ", w->n, T_MS());
        aio_condition_notify(&S.cond, 1);
        aio_lock_release(&S.lock);
    }
    AIO_END(t);
}

static aio_status pc_consumer(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
        AIO_COND_WAIT_FOR(t, w->rc, &S.cond, S.len > 0, AIO_NEVER);
        w->rc2 = S.buf[S.head];
        S.head = (S.head + 1) % 2;
        S.len--;
        trace("c%d@%lld ", w->rc2, T_MS());
        aio_condition_notify(&S.cond2, 1);
        aio_lock_release(&S.lock);
        if (++w->n == 5) break;
        AIO_SLEEP(t, AIO_MS(30));
    }
    AIO_END(t);
}

/* Producer (an item every 10 ms) and slower consumer (30 ms per item) over a
 * buffer of 2: items arrive in order, the producer blocks on "not full" at
 * 50 ms and resumes when the consumer takes item 3 at 70 ms. */
static void test_sync_cond_producer_consumer(void) {
    BEGIN_TEST();
    aio_condition_init(&S.cond, &S.lock);
    aio_condition_init(&S.cond2, &S.lock);
    spawn_w(0, pc_consumer, 0, 0, 0);
    spawn_w(1, pc_producer, 0, 0, 0);
    drain(&loop);
    CHECK_STR(test_trace, "p1@10 c1@10 p2@20 p3@30 c2@40 p4@40 c3@70 p5@70 c4@100 c5@130 ");
    CHECK(aio_task_done(&S.w[0].task) && aio_task_done(&S.w[1].task));
    CHECK_EQ(S.len, 0);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 130);
    END_TEST();
}

/* Takes the lock, cancels itself, waits on the condition. */
static aio_status cd_self_cancel(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    w->owns = 1;
    w->rc2 = aio_cancel(t);
    AIO_COND_WAIT(t, w->rc, &S.cond, AIO_NEVER);
    trace("notreached ");
    AIO_FINALLY(t);
    trace("w%d!%d@%lld L%d ", w->id, AIO_STATUS(t), T_MS(), aio_lock_locked(&S.lock));
    if (w->owns) aio_lock_release(&S.lock);
    AIO_END(t);
}

/* R88: a condition wait that finds a cancellation pending raises (after one
 * yield) without ever letting the lock go: w1, asking for the lock in that
 * iteration, gets it only when w0's cleanup releases it. */
static void test_sync_cond_wait_pending_cancel_keeps_lock(void) {
    BEGIN_TEST();
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_self_cancel, 0, 0, 0);
    spawn_w(1, lk_worker, 0, AIO_NEVER, 0);
    drain(&loop);
    CHECK_STR(test_trace, "w0!-1@0 L1 w1@0 ");
    CHECK_EQ(S.w[0].rc2, 1);
    CHECK_EQ(aio_task_result(&S.w[0].task), AIO_ECANCELED);
    CHECK(!aio_lock_locked(&S.lock));
    CHECK_EQ(T_MS(), 0);
    END_TEST();
}

/* ------------------------------------------------ one deadline, hand-on */

/* Holds S.lock and waits, with AIO_COND_WAIT_FOR, for S.count > 0 within d. */
static aio_status cd_wait_for_count(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    AIO_COND_WAIT_FOR(t, w->rc, &S.cond, S.count > 0, w->d);
    trace("w%d=%d@%lld L%d ", w->id, w->rc, T_MS(), aio_lock_locked(&S.lock));
    aio_lock_release(&S.lock);
    AIO_END(t);
}

/* After `pre`, takes the lock, works for `hold` of CPU time without yielding,
 * notifies one waiter without changing S.count, and releases. */
static aio_status cd_spurious_notifier(aio_task *t) {
    wk_t *w = AIO_SELF(t, wk_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, w->pre);
    AIO_LOCK_ACQUIRE(t, w->rc, &S.lock, AIO_NEVER);
    aio_virtual_advance(aio_running_loop(), w->hold);
    w->n = aio_condition_notify(&S.cond, 1);
    aio_lock_release(&S.lock);
    AIO_END(t);
}

/* R90: AIO_COND_WAIT_FOR has one deadline for all its waits. A notification
 * made at 99 ms that its waiter only sees at 100 ms, when the deadline has
 * passed, ends that wait (it came first), the predicate is still false, and
 * the next wait, past the same deadline, times out in that instant: AIO_ETIMEDOUT
 * at 100 ms with the lock held, never a wait without a deadline. */
static aio_status main_cond_late_notify(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_wait_for_count, 0, AIO_MS(100), 0);
    spawn_w(1, cd_spurious_notifier, AIO_MS(99), 0, AIO_MS(1));
    AIO_SLEEP(t, AIO_SEC(5));
    S.pending = !aio_task_done(&S.w[0].task);
    if (S.pending) aio_cancel(&S.w[0].task);
    AIO_AWAIT(t, S.rc, &S.w[0].task);
    AIO_AWAIT(t, S.rc2, &S.w[1].task);
    AIO_END(t);
}

static void test_sync_cond_wait_for_deadline_survives_late_notify(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, main_cond_late_notify), AIO_OK);
    CHECK_EQ(S.pending, 0);
    CHECK_STR(test_trace, "w0=-2@100 L1 ");
    CHECK_EQ(S.w[1].n, 1);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK(!aio_lock_locked(&S.lock));
    END_TEST();
}

/* A notified waiter that cannot use its notification hands it on (CPython
 * 3.13, gh-112202): w0 and w1 wait; at 10 ms main notifies one (w0) and keeps
 * the lock. (a) At 20 ms main cancels w0, which is waiting to take the lock
 * back; (b) w0's own 15 ms timeout passes while it waits to take the lock
 * back. Either way w0 ends its wait with the error once it holds the lock
 * (released at 20 ms, or 30 ms), and the notification goes to w1, which then
 * returns AIO_OK: no wake-up is lost. */
static aio_status main_cond_hand_on(aio_task *t) {
    AIO_BEGIN(t);
    aio_condition_init(&S.cond, &S.lock);
    spawn_w(0, cd_waiter, 0, S.target ? AIO_MS(15) : AIO_NEVER, 0);
    spawn_w(1, cd_waiter, 0, AIO_NEVER, 0);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_LOCK_ACQUIRE(t, S.rc, &S.lock, AIO_NEVER);
    S.n1 = aio_condition_notify(&S.cond, 1);
    AIO_SLEEP(t, AIO_MS(S.target ? 20 : 10));
    if (!S.target) S.n2 = aio_cancel(&S.w[0].task);
    aio_lock_release(&S.lock);
    AIO_AWAIT(t, S.rc2, &S.w[0].task);
    AIO_AWAIT(t, S.rc3, &S.w[1].task);
    AIO_END(t);
}

static void test_sync_cond_notified_waiter_failing_relock_hands_on(void) {
    int timeout_case;
    for (timeout_case = 0; timeout_case < 2; timeout_case++) {
        BEGIN_TEST();
        test_trace[0] = 0;
        S.target = timeout_case;
        CHECK_EQ(test_run(&loop, &S.task, main_cond_hand_on), AIO_OK);
        CHECK_EQ(S.n1, 1);
        if (timeout_case) {
            CHECK_STR(test_trace, "w0=-2@30 L1 w1=0@30 L1 ");
            CHECK_EQ(S.rc2, AIO_OK);
        } else {
            CHECK_EQ(S.n2, 1);
            CHECK_STR(test_trace, "w0!-1@20 L1 w1=0@20 L1 ");
            CHECK_EQ(S.rc2, AIO_ECANCELED);
        }
        CHECK_EQ(S.rc3, AIO_OK);
        CHECK(!aio_lock_locked(&S.lock));
        CHECK_EQ(T_MS(), timeout_case ? 30 : 20);
        END_TEST();
    }
}

/* A release that would take the count past INT_MAX is refused (no signed
 * overflow): AIO_EINVAL, the count unchanged, a debug message. */
static void test_sync_semaphore_release_at_int_max(void) {
    BEGIN_TEST();
    aio_semaphore_init(&S.sem, INT_MAX, 0);
    CHECK_EQ(aio_semaphore_release(&S.sem), AIO_EINVAL);
    CHECK_EQ(aio_semaphore_value(&S.sem), INT_MAX);
    CHECK_DEBUG("INT_MAX");
    aio_semaphore_init(&S.sem, INT_MAX - 1, 0);
    CHECK_EQ(aio_semaphore_release(&S.sem), AIO_OK);
    CHECK_EQ(aio_semaphore_value(&S.sem), INT_MAX);
    END_TEST();
}

/* ---------------------------------------------------------------- register */

/* ------------------------------------- a cancel held back while relocking */

typedef struct {
    aio_task w, h, x;
    aio_lock lock;
    aio_condition cond;
    aio_timeout sh;
    aio_status rc, sh_status;
    int locked_after, fin_locked, plain;
    long long sh_at, fin_at;
} relock_t;
static relock_t RL;

static aio_status relock_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, RL.rc, &RL.lock, AIO_NEVER);
    if (RL.plain) {
        AIO_TIMEOUT(t, &RL.sh, RL.plain == 2 ? AIO_NEVER : AIO_MS(10)) {
            AIO_COND_WAIT(t, RL.rc, &RL.cond, AIO_NEVER);
        }
    } else {
        AIO_SHIELDED(t, &RL.sh, AIO_MS(10)) {
            AIO_COND_WAIT(t, RL.rc, &RL.cond, AIO_NEVER);
        }
    }
    RL.sh_status = aio_timeout_status(&RL.sh);
    RL.sh_at = T_MS();
    RL.locked_after = aio_lock_locked(&RL.lock);
    aio_lock_release(&RL.lock);
    AIO_FINALLY(t);
    RL.fin_at = T_MS();
    RL.fin_locked = aio_lock_locked(&RL.lock);
    if (RL.fin_locked) aio_lock_release(&RL.lock);
    AIO_END(t);
}

static aio_status relock_holder(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    AIO_LOCK_ACQUIRE(t, RL.rc, &RL.lock, AIO_NEVER);
    aio_condition_notify(&RL.cond, 1);
    AIO_SLEEP(t, AIO_MS(20)); /* holds the lock until 25 ms */
    aio_lock_release(&RL.lock);
    AIO_END(t);
}

static aio_status relock_canceller(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(12));
    aio_cancel(&RL.w);
    AIO_END(t);
}

/* A condition waiter in a shielded block, notified at 5 ms, waits to take
 * the lock back (held until 25 ms). Its shield's deadline passes at 10 ms:
 * it goes to the back of the lock's queue. A cancel of the task at 12 ms is
 * held back by the shield: the waiter is not woken and keeps its place.
 * At 25 ms it takes the lock back, the shield's deadline cuts the block
 * short (AIO_ETIMEDOUT, the lock held), and the task, whose body then ends,
 * ends cancelled by the request the shield held back. */
static void test_sync_cancel_held_back_by_shield_while_relocking(void) {
    aio_loop loop;
    memset(&RL, 0, sizeof RL);
    aio_condition_init(&RL.cond, &RL.lock);
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&RL.h, relock_holder), AIO_OK);
    CHECK_EQ(aio_spawn(&RL.x, relock_canceller), AIO_OK);
    CHECK_EQ(test_run(&loop, &RL.w, relock_waiter), AIO_ECANCELED);
    CHECK_EQ(RL.sh_status, AIO_ETIMEDOUT);
    CHECK_EQ(RL.sh_at, 25);
    CHECK_EQ(RL.locked_after, 1);
    CHECK_EQ(RL.fin_locked, 0);
    CHECK_EQ(aio_lock_locked(&RL.lock), 0);
    CHECK(aio_task_done(&RL.h));
    CHECK(aio_task_done(&RL.x));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The same in a plain block: its deadline (10 ms) sends the relocking
 * waiter to the back of the lock's queue; the cancel at 12 ms, not held
 * back, wakes it to go there again (in a block with no deadline, the cancel
 * alone does). It takes the lock back at 25 ms and the
 * cancel, which beats the block's timeout, unwinds it past the block: its
 * cleanup runs at 25 ms with the lock held. */
static void test_sync_cancel_while_relocking_in_an_expired_block(void) {
    int k;
    for (k = 1; k <= 2; k++) { /* 2: the same in a block with no deadline */
        aio_loop loop;
        memset(&RL, 0, sizeof RL);
        RL.plain = k;
        aio_condition_init(&RL.cond, &RL.lock);
        test_loop(&loop);
        CHECK_EQ(aio_spawn(&RL.h, relock_holder), AIO_OK);
        CHECK_EQ(aio_spawn(&RL.x, relock_canceller), AIO_OK);
        CHECK_EQ(test_run(&loop, &RL.w, relock_waiter), AIO_ECANCELED);
        CHECK_EQ(RL.sh_at, 0); /* the code after the block never ran */
        CHECK_EQ(aio_timeout_status(&RL.sh), AIO_OK);
        CHECK_EQ(aio_timeout_expired(&RL.sh), k == 1);
        CHECK_EQ(RL.fin_at, 25);
        CHECK_EQ(RL.fin_locked, 1);
        CHECK_EQ(aio_lock_locked(&RL.lock), 0);
        CHECK(aio_task_done(&RL.h));
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}


/* ------------------------------ taking the lock back after a notification */

typedef struct {
    aio_task w, h, q;
    aio_lock lock;
    aio_condition cond;
    aio_time wait_d;      /* the condition wait's timeout */
    int with_q, cancel_w;
    aio_status rc, hrc, fin_status;
    int fin_locked, q_got;
    long long fin_at, q_at, done_at;
} back_t;
static back_t BK;

static aio_status back_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, BK.rc, &BK.lock, AIO_NEVER);
    BK.rc = 77;
    AIO_COND_WAIT(t, BK.rc, &BK.cond, BK.wait_d);
    BK.done_at = T_MS();
    BK.fin_locked = aio_lock_locked(&BK.lock);
    aio_lock_release(&BK.lock);
    AIO_FINALLY(t);
    BK.fin_status = AIO_STATUS(t);
    if (BK.fin_status < 0) {
        BK.fin_at = T_MS();
        BK.fin_locked = aio_lock_locked(&BK.lock);
        aio_lock_release(&BK.lock);
    }
    AIO_END(t);
}

static aio_status back_notifier(aio_task *t) { /* holds the lock from 5 to 15 (25) ms */
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    AIO_LOCK_ACQUIRE(t, BK.hrc, &BK.lock, AIO_NEVER);
    aio_condition_notify(&BK.cond, 1);
    AIO_SLEEP(t, BK.cancel_w ? AIO_MS(10) : AIO_MS(20));
    aio_lock_release(&BK.lock); /* hands it to the waiter ... */
    if (BK.cancel_w) aio_cancel(&BK.w); /* ... cancelled before it runs */
    AIO_END(t);
}

static aio_status back_queuer(aio_task *t) { /* queues for the lock at 12 ms */
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(12));
    AIO_LOCK_ACQUIRE(t, BK.hrc, &BK.lock, AIO_NEVER);
    BK.q_at = T_MS();
    BK.q_got = aio_lock_locked(&BK.lock);
    AIO_SLEEP(t, AIO_MS(5));
    aio_lock_release(&BK.lock);
    AIO_END(t);
}

/* A notified condition waiter is handed the lock (at 15 ms) and cancelled
 * before it runs: it cannot use the lock, so it passes it on, and takes it
 * back behind whoever queued meanwhile, then raises AIO_ECANCELED with the
 * lock held. Alone, it takes it back at once (15 ms); with a task queued at
 * 12 ms, that task holds it from 15 to 20 ms and the waiter's cleanup runs
 * at 20 ms. */
static void test_sync_relocking_waiter_cancelled_when_handed_the_lock(void) {
    int k;
    for (k = 0; k < 2; k++) {
        aio_loop loop;
        memset(&BK, 0, sizeof BK);
        BK.wait_d = AIO_NEVER;
        BK.cancel_w = 1;
        aio_condition_init(&BK.cond, &BK.lock);
        test_loop(&loop);
        CHECK_EQ(aio_spawn(&BK.h, back_notifier), AIO_OK);
        if (k) CHECK_EQ(aio_spawn(&BK.q, back_queuer), AIO_OK);
        CHECK_EQ(test_run(&loop, &BK.w, back_waiter), AIO_ECANCELED);
        CHECK_EQ(BK.rc, 77);
        CHECK_EQ(BK.done_at, 0);
        CHECK_EQ(BK.fin_status, AIO_ECANCELED);
        CHECK_EQ(BK.fin_at, k ? 20 : 15);
        CHECK_EQ(BK.fin_locked, 1);
        if (k) {
            CHECK_EQ(BK.q_at, 15);
            CHECK_EQ(BK.q_got, 1);
        }
        CHECK_EQ(aio_lock_locked(&BK.lock), 0);
        while (aio_step(&loop) > 0) {
        }
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

/* A condition wait with a 10 ms timeout, notified at 5 ms while the
 * notifier keeps the lock until 25 ms: the timeout passes while it waits
 * to take the lock back; it keeps waiting for the lock, and reports
 * AIO_ETIMEDOUT once it holds it again, at 25 ms. */
static void test_sync_condition_timeout_passes_while_taking_the_lock_back(void) {
    aio_loop loop;
    memset(&BK, 0, sizeof BK);
    BK.wait_d = AIO_MS(10);
    aio_condition_init(&BK.cond, &BK.lock);
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&BK.h, back_notifier), AIO_OK);
    CHECK_EQ(test_run(&loop, &BK.w, back_waiter), AIO_OK);
    CHECK_EQ(BK.rc, AIO_ETIMEDOUT);
    CHECK_EQ(BK.done_at, 25);
    CHECK_EQ(BK.fin_locked, 1);
    CHECK_EQ(aio_lock_locked(&BK.lock), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status cancels_w_at_7ms(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(7));
    aio_cancel(&BK.w);
    AIO_END(t);
}

/* The same wait cancelled at 7 ms, before its timeout passes at 10 ms: the
 * cancellation wins (the timeout that passes later changes nothing), and
 * it raises AIO_ECANCELED once it holds the lock again, at 25 ms. */
static void test_sync_condition_cancel_then_timeout_while_taking_the_lock_back(void) {
    aio_loop loop;
    memset(&BK, 0, sizeof BK);
    BK.wait_d = AIO_MS(10);
    aio_condition_init(&BK.cond, &BK.lock);
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&BK.h, back_notifier), AIO_OK);
    CHECK_EQ(aio_spawn(&BK.q, cancels_w_at_7ms), AIO_OK);
    CHECK_EQ(test_run(&loop, &BK.w, back_waiter), AIO_ECANCELED);
    CHECK_EQ(BK.rc, 77);
    CHECK_EQ(BK.fin_status, AIO_ECANCELED);
    CHECK_EQ(BK.fin_at, 25);
    CHECK_EQ(BK.fin_locked, 1);
    CHECK_EQ(aio_lock_locked(&BK.lock), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_sync_event_wait_until_set),
    TEST_ENTRY(test_sync_event_wait_timeout_leaves_no_waiter),
    TEST_ENTRY(test_sync_event_already_set_no_suspend),
    TEST_ENTRY(test_sync_event_set_clear_is_set),
    TEST_ENTRY(test_sync_event_waiters_fifo_next_iteration),
    TEST_ENTRY(test_sync_event_set_same_instant_setter_first),
    TEST_ENTRY(test_sync_event_timeout_armed_first_times_out),
    TEST_ENTRY(test_sync_event_set_before_late_iteration),
    TEST_ENTRY(test_sync_event_isr_set_at_deadline),
    TEST_ENTRY(test_sync_event_cancelled_waiter_removed),
    TEST_ENTRY(test_sync_event_wait_in_expiring_scope),
    TEST_ENTRY(test_sync_event_set_then_clear_still_wakes),
    TEST_ENTRY(test_sync_event_clear_then_wait_blocks),
    TEST_ENTRY(test_sync_event_isr_wakes_at_next_step),
    TEST_ENTRY(test_sync_event_isr_every_position),
    TEST_ENTRY(test_sync_event_isr_between_every_step),
    TEST_ENTRY(test_sync_event_pending_cancel),
    TEST_ENTRY(test_sync_lock_uncontended),
    TEST_ENTRY(test_sync_lock_fifo_three_waiters),
    TEST_ENTRY(test_sync_lock_acquire_timeout),
    TEST_ENTRY(test_sync_lock_acquire_timeout_zero),
    TEST_ENTRY(test_sync_lock_cancelled_waiter_no_trace),
    TEST_ENTRY(test_sync_lock_granted_then_cancelled_passes_on),
    TEST_ENTRY(test_sync_lock_release_unlocked_einval),
    TEST_ENTRY(test_sync_lock_handed_refuses_release_notify_wait),
    TEST_ENTRY(test_sync_lock_pending_cancel_raises_when_free),
    TEST_ENTRY(test_sync_lock_in_expiring_scope),
    TEST_ENTRY(test_sync_semaphore_value_fifo),
    TEST_ENTRY(test_sync_semaphore_bounded_over_release),
    TEST_ENTRY(test_sync_semaphore_acquire_timeout),
    TEST_ENTRY(test_sync_semaphore_pool_max_two),
    TEST_ENTRY(test_sync_semaphore_cancelled_waiters),
    TEST_ENTRY(test_sync_cond_wait_notify),
    TEST_ENTRY(test_sync_cond_notify_fifo_count),
    TEST_ENTRY(test_sync_cond_notify_all_reacquire_fifo),
    TEST_ENTRY(test_sync_cond_wait_timeout_lock_held),
    TEST_ENTRY(test_sync_cond_cancel_relock_contended),
    TEST_ENTRY(test_sync_cond_wait_in_expiring_scope),
    TEST_ENTRY(test_sync_cond_notified_waiter_cancelled_passes_on),
    TEST_ENTRY(test_sync_cond_notified_then_cancelled_while_relocking),
    TEST_ENTRY(test_sync_cond_wait_without_lock_einval),
    TEST_ENTRY(test_sync_cond_notify_without_lock_einval),
    TEST_ENTRY(test_sync_cond_wait_for_pred_true),
    TEST_ENTRY(test_sync_cond_wait_for_timeout),
    TEST_ENTRY(test_sync_cond_producer_consumer),
    TEST_ENTRY(test_sync_cond_wait_pending_cancel_keeps_lock),
    TEST_ENTRY(test_sync_cond_wait_for_deadline_survives_late_notify),
    TEST_ENTRY(test_sync_cond_notified_waiter_failing_relock_hands_on),
    TEST_ENTRY(test_sync_semaphore_release_at_int_max),
    TEST_ENTRY(test_sync_cancel_while_relocking_in_an_expired_block),
    TEST_ENTRY(test_sync_cancel_held_back_by_shield_while_relocking),
    TEST_ENTRY(test_sync_relocking_waiter_cancelled_when_handed_the_lock),
    TEST_ENTRY(test_sync_condition_timeout_passes_while_taking_the_lock_back),
    TEST_ENTRY(test_sync_condition_cancel_then_timeout_while_taking_the_lock_back),
};

void register_sync_tests(void) { test_register(cases, TEST_COUNT(cases)); }
