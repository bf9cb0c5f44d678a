/* SPDX-License-Identifier: MIT */
/* Misuse and error reporting: every mistake gets a status and, in debug
 * builds, a message that names it. */
#if (defined(__unix__) || defined(__APPLE__)) && !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L /* fileno, dup: the debug hook test reads stderr */
#endif
#include "workers.h"
#include <float.h>
#include <math.h>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

typedef struct {
    aio_task task, other, third;
    aio_timeout to, to2;
    aio_group g;
    aio_wait_item items[2];
    aio_status rc, fin;
    aio_time when;
    long long at;
    long reached, mode;
    int other_untouched; /* s.other alive, no cancel pending, as the cleanup ran */
} err_t;
static err_t s;

/* In debug builds, the status given with the last debug message (for the
 * calls that return nothing). */
#ifdef AIO_DEBUG
#define CHECK_DEBUG_CODE(code) CHECK_EQ(test_last_debug_code, (code))
#else
#define CHECK_DEBUG_CODE(code) ((void)0)
#endif

static aio_status sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

static void test_error_spawn_null(void) {
    aio_loop loop;
    test_loop(&loop);
    CHECK_EQ(aio_spawn(NULL, sleeper), AIO_EINVAL);
    CHECK_DEBUG("task or function is NULL");
    memset(&s, 0, sizeof s);
    CHECK_EQ(aio_spawn(&s.task, NULL), AIO_EINVAL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_spawn_live_task(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(aio_spawn(&s.task, sleeper), AIO_OK);
    CHECK_EQ(aio_spawn(&s.task, sleeper), AIO_EINVAL);
    CHECK_DEBUG("still alive");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY); /* destroying with a task pending */
    CHECK_DEBUG("tasks are still alive");
    while (!aio_task_done(&s.task)) {
        aio_virtual_advance(&loop, (aio_time)(aio_next_deadline(&loop) - aio_loop_now(&loop)));
        aio_step(&loop);
    }
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_spawn(&s.task, sleeper), AIO_OK); /* finished: may be spawned again */
    CHECK_EQ(aio_cancel(&s.task), 1);
    aio_step(&loop);
    CHECK(aio_task_cancelled(&s.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_unspawned(aio_task *t) {
    AIO_BEGIN(t);
    AIO_AWAIT(t, s.rc, &s.other);
    s.reached = 1;
    AIO_END(t);
}

static void test_error_await_never_spawned(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, await_unspawned), AIO_EINVAL);
    CHECK_DEBUG("await: the task was never spawned");
    CHECK_EQ(s.reached, 0);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_cancel(&s.other), AIO_EINVAL);
    CHECK_DEBUG("aio_cancel: the task was never spawned");
    test_last_debug[0] = 0;
    CHECK_EQ(aio_task_result(&s.other), AIO_EINVAL);
    CHECK_DEBUG("aio_task_result: the task was never spawned");
    CHECK_EQ(aio_task_done(&s.other), 0);
    CHECK_EQ(test_run(&loop, &s.other, sleeper), 0); /* nothing was left half-spawned */
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status reenter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, AIO_SEC(5)) {
        AIO_TIMEOUT(t, &s.to, AIO_SEC(1)) { s.reached = 1; }
        s.reached = 2;
    }
    s.reached = 3;
    AIO_FINALLY(t);
    s.rc = AIO_STATUS(t);
    AIO_END(t);
}

static void test_error_reenter_open_scope(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, reenter), AIO_EINVAL);
    CHECK_DEBUG("re-entering a scope that is still open");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(s.rc, AIO_EINVAL);
    CHECK_EQ(s.task.scope == NULL, 1); /* the outer block was closed on the way out */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status nan_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, aio_seconds(NAN)) { s.reached = 1; }
    AIO_END(t);
}

static void test_error_nan_timeout(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, nan_timeout), AIO_EINVAL);
    CHECK_DEBUG("NaN");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status negative_sleep(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, (aio_time)-5); /* a negative relative duration cast to ticks */
    s.reached = 1;
    AIO_END(t);
}

static aio_status negative_ms_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, AIO_MS(-5)) { s.reached = 1; } /* e.g. a deadline already past */
    s.reached = 2;
    AIO_END(t);
}

/* AIO_MS and AIO_US of a negative count are refused like AIO_SEC(-5), not
 * turned into a timeout months long. */
static void test_error_negative_ms_and_us(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, negative_ms_timeout), AIO_EINVAL);
    CHECK_DEBUG("timeout: the delay is NaN, negative");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(T_MS(), 0);
    CHECK((aio_stime)AIO_MS(-5) < 0);
    CHECK((aio_stime)AIO_SEC(-5) < 0);
#ifndef AIO_TIME_32
    CHECK((aio_stime)AIO_US(-5) < 0);
    CHECK_EQ(AIO_US(7), 7000);
    CHECK_EQ(AIO_MS(20000000000), 20000000000000000ull); /* 231 days: no wrap */
#endif
    CHECK_EQ(AIO_MS(250), AIO_SEC(1) / 4);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_negative_relative_sleep(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, negative_sleep), AIO_EINVAL);
    CHECK_DEBUG("negative");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status far_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, (aio_time)(AIO_NEVER / 2 + 1)) { s.reached = 1; }
    AIO_END(t);
}

static void test_error_deadline_beyond_half_range(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, far_timeout), AIO_EINVAL);
    CHECK_DEBUG("beyond half the clock range");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status bad_wait_for(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_FOR(t, s.rc, &s.other, AIO_TIME_INVALID);
    s.reached = 1;
    AIO_END(t);
}

static void test_error_wait_for_invalid_timeout(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK);
    CHECK_EQ(test_run(&loop, &s.task, bad_wait_for), AIO_EINVAL);
    CHECK_DEBUG("wait_for: the timeout is NaN");
    CHECK_EQ(s.reached, 0);
    CHECK(aio_task_cancelled(&s.other)); /* left running by main: aio_run cancelled it */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status leaves_scope_with_return(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, AIO_SEC(1)) {
        if (s.reached == 0) return 3; /* wrong: bypasses the block's end (lint-coroutines: ok) */
    }
    AIO_END(t);
}

static void test_error_plain_return_inside_scope(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, leaves_scope_with_return), 3);
    CHECK_DEBUG("leave coroutines with AIO_RETURN");
    CHECK(s.task.scope == NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_in_user_switch(aio_task *t) {
    AIO_BEGIN(t);
    switch (s.reached) { /* lint-coroutines: ok (the misuse this test makes) */
    case 0:
        AIO_SLEEP(t, AIO_MS(10)); /* documented as forbidden */
        break;
    default:
        break;
    }
    s.reached = 5;
    AIO_END(t);
}

static void test_error_await_inside_user_switch_detected(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, await_in_user_switch), AIO_EINVAL);
    CHECK_DEBUG("your own switch statement");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

typedef struct {
    aio_frame frame;
    int entered;
} wrong_callee_state;
static wrong_callee_state wrong_callee;

/* An inline coroutine opened with the task form of AIO_BEGIN. */
static aio_status callee_with_task_begin(aio_task *t, wrong_callee_state *st) {
    AIO_BEGIN(t); /* wrong: AIO_BEGIN(t, st) */
    st->entered = 1;
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

static aio_status calls_wrong_callee(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CALL(t, s.rc, callee_with_task_begin, &wrong_callee);
    s.reached = 5;
    AIO_END(t);
}

static void test_error_inline_coroutine_with_task_begin_named(void) {
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&wrong_callee, 0, sizeof wrong_callee);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, calls_wrong_callee), AIO_EINVAL);
    CHECK_DEBUG("inline coroutine opened with AIO_BEGIN(t)");
    CHECK_DEBUG("AIO_BEGIN(t, s)");
    CHECK_EQ(wrong_callee.entered, 0); /* refused before its first line */
    CHECK_EQ(s.rc, AIO_EINVAL);         /* the call's result, as for any failed callee */
    CHECK_EQ(s.reached, 5);
    CHECK_EQ(aio_loop_now(&loop), test_start); /* it never slept */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_strerror(void) {
    CHECK_STR(aio_strerror(AIO_OK), "success");
    CHECK_STR(aio_strerror(42), "success");
    CHECK_STR(aio_strerror(AIO_ECANCELED), "cancelled");
    CHECK_STR(aio_strerror(AIO_ETIMEDOUT), "timed out");
    CHECK_STR(aio_strerror(AIO_EINVAL), "invalid argument");
    CHECK_STR(aio_strerror(AIO_ENOSPC), "no timer slot left");
    CHECK_STR(aio_strerror(AIO_EBUSY), "busy");
    CHECK_STR(aio_strerror(AIO_EINPROGRESS), "still running");
    CHECK_STR(aio_strerror(AIO_EDEADLK), "waits forever");
    CHECK_STR(aio_strerror(AIO_ECHILDCANCELED), "a child was cancelled");
    CHECK_STR(aio_strerror(AIO_EFULL), "queue full");
    CHECK_STR(aio_strerror(AIO_EEMPTY), "queue empty");
    CHECK_STR(aio_strerror(AIO_ESHUTDOWN), "queue shut down");
    CHECK_STR(aio_strerror(AIO_ECLOSED), "descriptor closed");
    CHECK_STR(aio_strerror(AIO_EBADF), "bad descriptor");
    CHECK_STR(aio_strerror(AIO_ECONNRESET), "connection reset");
    CHECK_STR(aio_strerror(AIO_ECONNREFUSED), "connection refused");
    CHECK_STR(aio_strerror(AIO_EIO), "system error (see errno)");
    CHECK_STR(aio_strerror(-25), "unknown error");
    CHECK_STR(aio_strerror(AIO_EUSER), "user error");
    CHECK_STR(aio_strerror(AIO_EUSER - 7), "user error");
    CHECK_STR(aio_strerror(-24), "unknown error"); /* (TLS's, where it is built) */
}

static void test_error_seconds_conversion(void) {
    CHECK_EQ(aio_seconds(NAN), AIO_TIME_INVALID);
    CHECK_EQ(aio_seconds(-1.5), 0);
    CHECK_EQ(aio_seconds(0.25), AIO_MS(250));
    CHECK_EQ(aio_seconds(2), AIO_SEC(2));
    CHECK_EQ(aio_seconds(INFINITY), AIO_NEVER);
#if DBL_MAX_10_EXP >= 300
    CHECK_EQ(aio_seconds(1e300), AIO_NEVER);
#else /* double is float (avr-gcc): its largest finite value */
    CHECK_EQ(aio_seconds(DBL_MAX), AIO_NEVER);
#endif
#if !defined(AIO_TIME_32) && DBL_MANT_DIG >= 53 /* not where double is float */
    /* exact rounding: an odd tick count above 2^52 is not rounded up twice */
    CHECK_EQ(aio_seconds(4503599.627370497), 4503599627370497ull);
    CHECK_EQ(aio_seconds(0.49999999999999994e-9), 0);
#endif
}

static void test_error_reschedule_misuse(void) {
    aio_timeout never_entered;
    memset(&never_entered, 0, sizeof never_entered);
    CHECK_EQ(aio_timeout_reschedule(NULL, 5), AIO_EINVAL);
    CHECK_EQ(aio_timeout_reschedule(&never_entered, 5), AIO_EINVAL);
    CHECK_DEBUG("not open");
    CHECK_EQ(aio_timeout_when(&never_entered), AIO_NEVER);
}

static void test_error_virtual_advance_on_real_clock(void) {
    aio_loop loop;
    aio_time before;
    aio_loop_init(&loop, NULL, 0);
    before = aio_loop_now(&loop);
    aio_virtual_advance(&loop, AIO_SEC(100));
    CHECK_DEBUG("does not use the virtual clock");
    CHECK(aio_loop_now(&loop) - before < AIO_SEC(100));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status raises_user_error(aio_task *t) {
    AIO_BEGIN(t);
    s.rc = AIO_EUSER - 3;
    AIO_CHECK(t, 7);     /* not an error: goes on */
    s.reached = 1;
    AIO_CHECK(t, s.rc);  /* raises */
    s.reached = 2;
    AIO_FINALLY(t);
    s.rc = AIO_STATUS(t);
    AIO_END(t);
}

static void test_error_check_raises_negative_only(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, raises_user_error), AIO_EUSER - 3);
    CHECK_EQ(s.reached, 1);
    CHECK_EQ(s.rc, AIO_EUSER - 3);
    CHECK(aio_task_failed(&s.task));
    CHECK(!aio_task_cancelled(&s.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_run_live_main(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(aio_spawn(&s.task, sleeper), AIO_OK);
    CHECK_EQ(test_run(&loop, &s.task, sleeper), AIO_EINVAL);
    CHECK_DEBUG("still alive");
    CHECK_EQ(test_run(&loop, &s.other, sleeper), 0);
    CHECK(aio_task_done(&s.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_then_sleep(aio_task *t) {
    AIO_BEGIN(t);
    AIO_AWAIT(t, s.rc, &s.other); /* no timer needed to wait for a task */
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

/* Fails, and its cleanup sleeps: with the one slot held by s.other, that
 * await fails with AIO_ENOSPC and the rest of the cleanup is skipped. */
static aio_status cleanup_needs_a_slot(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RAISE(t, AIO_EUSER);
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(100));
    s.reached = 1;
    AIO_END(t);
}

/* The trap that loses a power-down: a debug build names the cleanup. */
static void test_error_timer_storage_full_in_cleanup_is_told(void) {
    static aio_timer one[1];
    aio_loop loop;
    memset(&s, 0, sizeof s);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    test_last_debug[0] = 0;
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK);
    CHECK_EQ(test_run(&loop, &s.task, cleanup_needs_a_slot), AIO_ENOSPC);
    CHECK_EQ(s.reached, 0);
    CHECK_DEBUG("a cleanup's await with a deadline fails, the rest of the cleanup is skipped");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_timer_storage_exhausted_without_growth(void) {
    static aio_timer one[1];
    aio_loop loop;
    memset(&s, 0, sizeof s);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK);
    CHECK_EQ(test_run(&loop, &s.task, sleeper), AIO_ENOSPC); /* the second timer does not fit */
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(T_MS(), 0);
    CHECK(aio_task_cancelled(&s.other)); /* left running by main: aio_run cancelled it */
    CHECK_EQ(test_run(&loop, &s.task, await_then_sleep), 0); /* the slot is free again */
    CHECK_EQ(s.rc, AIO_ECANCELED);
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* With no running loop (none initialised yet, or the last one destroyed),
 * aio_spawn refuses and leaves the task as it was; a new loop then runs it. */
static void test_error_spawn_without_loop(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK); /* destroying the running loop unsets it */
    CHECK(aio_running_loop() == NULL);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_spawn(&s.task, sleeper), AIO_EINVAL);
    CHECK_DEBUG("aio_spawn: no loop; call aio_loop_init first");
    CHECK_DEBUG_CODE(AIO_EINVAL);
    CHECK(aio_running_loop() == NULL);
    CHECK(aio_current() == NULL);
    CHECK_EQ(aio_now(), 0);
    CHECK_EQ(aio_task_done(&s.task), 0);
    CHECK_EQ(aio_task_result(&s.task), AIO_EINVAL); /* still never spawned */
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, sleeper), 0);
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A NULL clock function is refused: the loop keeps the clock it had (here
 * the virtual one) and runs as before. */
static void test_error_set_clock_null(void) {
    aio_loop loop;
    aio_time before;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
    before = aio_loop_now(&loop);
    test_last_debug[0] = 0;
    aio_loop_set_clock(&loop, NULL, NULL);
    CHECK_DEBUG("aio_loop_set_clock: clock function is NULL");
    CHECK_DEBUG_CODE(AIO_EINVAL);
    CHECK(aio_loop_now(&loop) == before);
    CHECK_EQ(test_run(&loop, &s.task, sleeper), 0);
    CHECK_EQ(T_MS(), 1000); /* still virtual: the second passed at once */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_timeout *no_scope; /* stays NULL */

static aio_status timeout_null_scope(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, AIO_SEC(5)) {
        s.reached = 1;
        AIO_TIMEOUT(t, no_scope, AIO_SEC(1)) {
            s.reached = 2;
            AIO_SLEEP(t, AIO_SEC(1));
        }
        s.reached = 3;
    }
    s.reached = 4;
    AIO_FINALLY(t);
    s.fin = AIO_STATUS(t);
    s.at = T_MS();
    AIO_END(t);
}

/* AIO_TIMEOUT with a NULL scope pointer raises AIO_EINVAL at the block: the
 * body never runs, the enclosing block is closed on the way out (and does not
 * count it as its own timeout), no timer stays armed. */
static void test_error_timeout_null_scope(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, timeout_null_scope), AIO_EINVAL);
    CHECK_DEBUG("timeout: the scope pointer is NULL");
    CHECK_EQ(s.reached, 1);
    CHECK_EQ(s.fin, AIO_EINVAL);
    CHECK_EQ(s.at, 0);
    CHECK(s.task.scope == NULL);
    CHECK_EQ(aio_timeout_status(&s.to), AIO_OK);
    CHECK_EQ(aio_timeout_expired(&s.to), 0);
    CHECK_EQ(loop.heap_len, 0);
    memset(&s, 0, sizeof s);
    CHECK_EQ(test_run(&loop, &s.task, sleeper), 0);
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status reenters_group(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(100)); /* by now the owner waits at the block's end */
    AIO_GROUP(t, &s.g) { s.reached = 9; }
    s.reached = 8;
    AIO_END(t);
}

static aio_status group_owner(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &s.g) {
        AIO_CHECK(t, aio_group_spawn(&s.g, &s.other, reenters_group));
    }
    s.rc = aio_group_status(&s.g);
    s.at = T_MS();
    AIO_GROUP(t, &s.g) { /* closed now: the same group may open again */
        AIO_CHECK(t, aio_group_spawn(&s.g, &s.third, sleeper));
    }
    s.fin = aio_group_status(&s.g);
    AIO_END(t);
}

/* A child that opens its own group while the owner waits for the children
 * at the block's end gets AIO_EINVAL; like any child failure it ends the
 * group with that error. The group, once closed, opens again normally. */
static void test_error_reenter_open_group(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, group_owner), AIO_OK);
    CHECK_DEBUG("group: re-entering a group that is still open");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_task_result(&s.other), AIO_EINVAL);
    CHECK_EQ(s.rc, AIO_EINVAL);
    CHECK_EQ(s.at, 100);
    CHECK_EQ(aio_task_result(&s.third), 0);
    CHECK_EQ(s.fin, AIO_OK);
    CHECK_EQ(T_MS(), 1100);
    CHECK(s.task.scope == NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_wait_item *no_items; /* stays NULL */

static aio_status gather_misused(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s.other, sleeper));
    s.items[0].task = &s.third; /* never spawned */
    s.items[1].task = &s.other;
    s.rc = 77;
    if (s.mode == 0)
        AIO_GATHER(t, s.rc, no_items, 2);
    else
        AIO_GATHER(t, s.rc, s.items, 2);
    s.reached = 1;
    AIO_FINALLY(t);
    s.fin = AIO_STATUS(t);
    s.at = T_MS();
    s.other_untouched = aio_task_alive(&s.other) && !aio_task_cancel_pending(&s.other);
    AIO_END(t);
}

/* AIO_GATHER over a NULL array, or over an item whose task was never
 * spawned, raises AIO_EINVAL in the caller before it waits: nothing is
 * stored, and the spawned task is neither cancelled nor left holding a wait
 * node (aio_run cancels it once main has ended, as asyncio.run does). */
static void test_error_gather_null_items_and_unspawned_item(void) {
    aio_loop loop;
    int mode;
    for (mode = 0; mode < 2; mode++) {
        memset(&s, 0, sizeof s);
        s.mode = mode;
        test_loop(&loop);
        test_last_debug[0] = 0;
        CHECK_EQ(test_run(&loop, &s.task, gather_misused), AIO_EINVAL);
        CHECK_DEBUG(mode == 0 ? "wait/gather: the item array is NULL"
                              : "wait/gather: an item's task was never spawned");
        CHECK_EQ(s.rc, 77);
        CHECK_EQ(s.reached, 0);
        CHECK_EQ(s.fin, AIO_EINVAL);
        CHECK_EQ(s.at, 0);
        CHECK(s.items[1].node.link.next == NULL);
        CHECK_EQ(s.other_untouched, 1);
        CHECK(aio_task_cancelled(&s.other)); /* by the end of aio_run */
        CHECK_EQ(aio_task_done(&s.third), 0);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

enum { BW_EVENT, BW_LOCK, BW_SEMAPHORE, BW_COND, BW_COND_FOR, BW_KINDS };

typedef struct {
    aio_task task;
    int what, ready, reached, locked_in_cleanup;
    aio_time d;
    aio_status lv, got, fin;
} bad_wait_t;

static bad_wait_t bw[2 * BW_KINDS];
static aio_event ev;
static aio_lock lk;
static aio_semaphore sem;
static aio_condition cond;

static aio_status bad_waiter(aio_task *t) {
    bad_wait_t *w = AIO_SELF(t, bad_wait_t);
    AIO_BEGIN(t);
    w->lv = 77;
    if (w->what == BW_EVENT) {
        AIO_EVENT_WAIT(t, w->lv, &ev, w->d);
    } else if (w->what == BW_LOCK) {
        AIO_LOCK_ACQUIRE(t, w->lv, &lk, w->d);
    } else if (w->what == BW_SEMAPHORE) {
        AIO_SEMAPHORE_ACQUIRE(t, w->lv, &sem, w->d);
    } else {
        AIO_LOCK_ACQUIRE(t, w->got, &lk, AIO_NEVER); /* free: taken at once */
        if (w->what == BW_COND)
            AIO_COND_WAIT(t, w->lv, &cond, w->d);
        else
            AIO_COND_WAIT_FOR(t, w->lv, &cond, w->ready, w->d);
    }
    w->reached = 1;
    AIO_FINALLY(t);
    w->fin = AIO_STATUS(t);
    w->locked_in_cleanup = aio_lock_locked(&lk);
    if (w->what >= BW_COND && aio_lock_locked(&lk)) aio_lock_release(&lk);
    AIO_END(t);
}

static aio_status valid_waits(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, s.rc, &ev, aio_seconds(-1.0)); /* negative seconds: already due */
    trace("%d@%lld ", s.rc, T_MS());
    AIO_EVENT_WAIT(t, s.rc, &ev, AIO_MS(50));
    trace("%d@%lld ", s.rc, T_MS());
    AIO_LOCK_ACQUIRE(t, s.rc, &lk, AIO_MS(50));
    trace("%d@%lld ", s.rc, T_MS());
    AIO_COND_WAIT(t, s.rc, &cond, AIO_MS(50));
    trace("%d@%lld L%d ", s.rc, T_MS(), aio_lock_locked(&lk));
    aio_lock_release(&lk);
    AIO_SEMAPHORE_ACQUIRE(t, s.rc, &sem, AIO_MS(50));
    trace("%d@%lld ", s.rc, T_MS());
    aio_semaphore_release(&sem);
    AIO_END(t);
}

/* Event wait, lock and semaphore acquire, condition wait and wait_for with a
 * NaN timeout (aio_seconds(NAN)) or a negative one given as ticks: each
 * raises AIO_EINVAL at once, stores nothing, takes no permit, queues no
 * waiter; a condition wait still holds its lock when it unwinds. The same
 * objects then work with valid timeouts, and negative seconds through
 * aio_seconds() are not misuse but an immediate timeout, as in asyncio. */
static void test_error_sync_waits_bad_timeouts(void) {
    aio_loop loop;
    int i;
    memset(&s, 0, sizeof s);
    memset(bw, 0, sizeof bw);
    memset(&ev, 0, sizeof ev);
    memset(&lk, 0, sizeof lk);
    aio_semaphore_init(&sem, 1, 1);
    aio_condition_init(&cond, &lk);
    test_loop(&loop);
    for (i = 0; i < 2 * BW_KINDS; i++) {
        bw[i].what = i / 2;
        bw[i].d = i % 2 ? (aio_time)-5 : aio_seconds(NAN);
        CHECK_EQ(aio_spawn(&bw[i].task, bad_waiter), AIO_OK);
    }
    CHECK_EQ(aio_step(&loop), 2 * BW_KINDS); /* every one fails in its first step */
    for (i = 0; i < 2 * BW_KINDS; i++) {
        CHECK_EQ(aio_task_result(&bw[i].task), AIO_EINVAL);
        CHECK_EQ(bw[i].lv, bw[i].what == BW_COND_FOR ? AIO_OK : 77); /* wait_for sets it first */
        CHECK_EQ(bw[i].reached, 0);
        CHECK_EQ(bw[i].fin, AIO_EINVAL);
        CHECK_EQ(bw[i].locked_in_cleanup, bw[i].what >= BW_COND);
    }
    CHECK_DEBUG("event wait: the timeout is NaN, negative or beyond half the clock range");
    CHECK_DEBUG("acquire: the timeout is NaN, negative or beyond half the clock range");
    CHECK_DEBUG("condition wait: the timeout is NaN, negative or beyond half the clock range");
    CHECK_EQ(loop.live, 0);
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_lock_locked(&lk), 0);
    CHECK_EQ(aio_semaphore_value(&sem), 1);
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(test_run(&loop, &s.task, valid_waits), AIO_OK);
    CHECK_STR(test_trace, "-2@0 -2@50 0@50 -2@100 L1 0@100 ");
    CHECK_EQ(aio_semaphore_value(&sem), 1);
    CHECK_EQ(aio_lock_locked(&lk), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status waits_in_open_scope(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, AIO_NEVER) {
        AIO_EVENT_WAIT(t, s.rc, &ev, AIO_NEVER); /* parked with no timer */
        s.reached = 1;
    }
    s.reached = 2;
    AIO_FINALLY(t);
    s.fin = AIO_STATUS(t);
    s.at = T_MS();
    AIO_END(t);
}

/* Fixed storage of one timer, held by a sleeper. Moving the deadline of a
 * scope around a task parked without a timer needs a second one: the
 * reschedule itself succeeds, and the task that cannot arm its timer is
 * woken and gets AIO_ENOSPC raised, leaving its block and the event's wait
 * list. The loop goes on: the sleeper ends on time and frees the slot. */
static void test_error_reschedule_without_timer_slot(void) {
    static aio_timer one[1];
    aio_loop loop;
    memset(&s, 0, sizeof s);
    memset(&ev, 0, sizeof ev);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK);
    CHECK_EQ(aio_spawn(&s.task, waits_in_open_scope), AIO_OK);
    CHECK_EQ(aio_step(&loop), 2);
    CHECK_EQ(loop.heap_len, 1);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_timeout_reschedule(&s.to, AIO_MS(500)), AIO_OK);
    CHECK_DEBUG("timer storage is full");
    CHECK(aio_timeout_when(&s.to) == AIO_MS(500));
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(aio_task_result(&s.task), AIO_ENOSPC);
    CHECK_EQ(s.fin, AIO_ENOSPC);
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(s.at, 0);
    CHECK(s.task.scope == NULL);
    CHECK(ev.waiters.next == NULL || ev.waiters.next == &ev.waiters);
    CHECK_EQ(loop.heap_len, 1);
    CHECK_EQ(test_run(&loop, &s.task, await_then_sleep), 0);
    CHECK_EQ(aio_task_result(&s.other), 0);
    CHECK_EQ(T_MS(), 2000);
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static int grow_calls;
static uint32_t grow_asked;

static aio_timer *refuse_growth(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    (void)ctx;
    grow_calls++;
    grow_asked = new_count;
    CHECK(old == NULL);
    CHECK_EQ(old_count, 0);
    return NULL;
}

/* A growth hook that refuses is the same as full storage: AIO_ENOSPC in the
 * task that needed the timer. A hook that agrees lets the next run work, and
 * aio_loop_destroy gives the grown storage back to it. */
static void test_error_growth_hook_refuses(void) {
    aio_loop loop;
    memset(&s, 0, sizeof s);
    grow_calls = 0;
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, refuse_growth, NULL);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(test_run(&loop, &s.task, sleeper), AIO_ENOSPC);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(grow_calls, 1);
    CHECK_EQ(grow_asked, 64);
    CHECK_EQ(T_MS(), 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    CHECK_EQ(test_run(&loop, &s.task, sleeper), 0);
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#define DAYS(n) AIO_SEC((n) * 24L * 3600L)
#ifdef AIO_TIME_32 /* a second under and over half the range: 24.86 days at 1 kHz, 18.2 h at 32,768 Hz */
#define LONG_UNDER AIO_SEC(2147483648u / AIO_TICKS_PER_SEC - 1u)
#define LONG_OVER AIO_SEC(2147483648u / AIO_TICKS_PER_SEC + 1u)
#else
#define LONG_UNDER DAYS(24)
#define LONG_OVER DAYS(25)
#endif

static aio_status long_timeouts(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, LONG_UNDER) { /* under 2^31 ticks */
        s.when = (aio_time)(aio_timeout_when(&s.to) - aio_now());
        s.reached = 1;
    }
    AIO_TIMEOUT(t, &s.to2, LONG_OVER) { /* over 2^31 ticks */
        s.reached = 2;
    }
    s.reached = 3;
    AIO_FINALLY(t);
    s.fin = AIO_STATUS(t);
    AIO_END(t);
}

/* Relative timeouts must stay under half the clock's range: with 32-bit
 * ticks a timeout a second under it works (24 days at 1 kHz) and one a
 * second over it is AIO_EINVAL; with 64-bit nanoseconds 24 and 25 days both
 * work. */
static void test_error_timeout_beyond_half_of_32bit_ticks(void) {
    BEGIN_TEST_WITH(s);
#ifdef AIO_TIME_32
    CHECK_EQ(test_run(&loop, &s.task, long_timeouts), AIO_EINVAL);
    CHECK_DEBUG("timeout: the delay is NaN, negative or beyond half the clock range");
    CHECK_EQ(s.reached, 1);
    CHECK_EQ(s.fin, AIO_EINVAL);
    CHECK_EQ(aio_timeout_when(&s.to2), AIO_NEVER); /* never entered */
#else
    CHECK_EQ(test_run(&loop, &s.task, long_timeouts), AIO_OK);
    CHECK_EQ(s.reached, 3);
    CHECK_EQ(s.fin, AIO_OK);
#endif
    CHECK(s.when == LONG_UNDER);
    CHECK(LONG_UNDER != AIO_TIME_INVALID);
    CHECK_EQ(T_MS(), 0);
    CHECK(s.task.scope == NULL);
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The duration builders never wrap: a count that is negative, or that
 * reaches half the clock's range, gives AIO_TIME_INVALID, which every await
 * refuses; one that is not a whole number of ticks rounds up. With 32-bit ms ticks, 50 days (past 2^32 ms, where a product in
 * 32 bits would wrap to 6.95 h) and 5,000,000,000 ms are refused, 24 days
 * is accepted; aio_seconds() of a value that rounds up to half the range is
 * too large: AIO_NEVER. With 64-bit ns ticks the bound is 292 years. */
static void test_error_duration_builders_never_wrap(void) {
    const aio_time half = (aio_time)(AIO_NEVER / 2);
    CHECK_EQ(AIO_MS(-1), AIO_TIME_INVALID);
    CHECK_EQ(AIO_US(-1), AIO_TIME_INVALID);
    CHECK_EQ(AIO_SEC(-1), AIO_TIME_INVALID);
#if defined(AIO_TIME_32) && AIO_TICKS_PER_SEC == 32768u /* (an RTC's clock: half the range is 65,536 s) */
    CHECK_EQ(AIO_SEC(65536L), AIO_TIME_INVALID);                 /* 2^31 ticks: exactly half */
    CHECK_EQ(AIO_SEC(65535L), (aio_time)2147450880u);
    CHECK_EQ(AIO_MS(65536000LL), AIO_TIME_INVALID);
    CHECK_EQ(AIO_MS(65535999LL), (aio_time)2147483616u);         /* 2147483615.232 rounded up */
    CHECK_EQ(AIO_MS(5000000000LL), AIO_TIME_INVALID);
    CHECK_EQ(AIO_MS(1), (aio_time)33u);                          /* 32.768 ticks: 33 */
    CHECK_EQ(AIO_MS(1000), (aio_time)32768u);
    CHECK_EQ(AIO_US(1), (aio_time)1u);                           /* never 0 ticks */
    CHECK_EQ(AIO_US(30), (aio_time)1u);                          /* 0.98304 */
    CHECK_EQ(AIO_US(31), (aio_time)2u);                          /* 1.015808 */
    CHECK_EQ(AIO_US(999), (aio_time)33u);
    CHECK_EQ(AIO_US(4294967295LL), (aio_time)140737489u);        /* 140737488.35 rounded up */
    CHECK_EQ(AIO_US(4294967296LL), AIO_TIME_INVALID);            /* counted in 32 bits: 2^32 is refused */
    CHECK_EQ(aio_seconds(65536.0), AIO_NEVER);
    CHECK_EQ(aio_seconds(0.5), (aio_time)16384u);
#elif defined(AIO_TIME_32)
    CHECK_EQ(AIO_SEC(50L * 24 * 3600), AIO_TIME_INVALID);
    CHECK_EQ(AIO_MS(5000000000LL), AIO_TIME_INVALID);
    CHECK_EQ(AIO_MS(2147483647LL), AIO_TIME_INVALID); /* exactly half the range */
    CHECK_EQ(AIO_MS(2147483646LL), (aio_time)2147483646u);
    CHECK_EQ(AIO_SEC(24L * 24 * 3600), (aio_time)2073600000u);
    CHECK_EQ(AIO_US(4294967295LL), (aio_time)4294968u); /* rounded up */
    CHECK_EQ(AIO_US(999), (aio_time)1u);  /* a positive duration is never 0 ticks */
    CHECK_EQ(AIO_US(1001), (aio_time)2u);
    CHECK_EQ(AIO_US(4294967296LL), AIO_TIME_INVALID); /* counted in 32 bits: 2^32 is refused */
#if DBL_MANT_DIG >= 53
    CHECK_EQ(aio_seconds(2147483.6466), AIO_NEVER);  /* rounds up to half the range */
    CHECK_EQ(aio_seconds(2147483.6464), (aio_time)2147483646u);
#else /* double is float (avr-gcc): near 2^31 ticks it holds multiples of 128 only */
    CHECK_EQ(aio_seconds(2147483.75), AIO_NEVER);  /* 2147483750 ticks: 2^31 as a float */
    CHECK_EQ(aio_seconds(2147483.5), (aio_time)2147483520u); /* 2147483500: the float below */
#endif
#else
    CHECK_EQ(AIO_SEC(9223372036LL), (aio_time)9223372036000000000u);
    CHECK_EQ(AIO_SEC(9223372037LL), AIO_TIME_INVALID);
    CHECK_EQ(AIO_MS(9223372036854LL), (aio_time)9223372036854000000u);
    CHECK_EQ(AIO_MS(9223372036855LL), AIO_TIME_INVALID);
#endif
    CHECK(AIO_SEC(1) < half);
    CHECK_EQ(AIO_SEC(2), (aio_time)(2u * AIO_TICKS_PER_SEC));
    { /* the same counts known only at run time (a function where the rate is not a multiple of the
         unit; the constant expression otherwise): the same ticks, the same refusals */
        volatile long long v;
#define SAME_AT_RUN_TIME(macro, n) do { v = (n); CHECK_EQ(macro(v), macro(n)); } while (0)
        SAME_AT_RUN_TIME(AIO_US, -1LL);
        SAME_AT_RUN_TIME(AIO_US, 0LL);
        SAME_AT_RUN_TIME(AIO_US, 999LL);
        SAME_AT_RUN_TIME(AIO_US, 1001LL);
        SAME_AT_RUN_TIME(AIO_US, 4294967295LL);
        SAME_AT_RUN_TIME(AIO_US, 4294967296LL);
        SAME_AT_RUN_TIME(AIO_US, 9223372036854775807LL);
        SAME_AT_RUN_TIME(AIO_MS, -5LL);
        SAME_AT_RUN_TIME(AIO_MS, 1LL);
        SAME_AT_RUN_TIME(AIO_MS, 4294967296LL);
        SAME_AT_RUN_TIME(AIO_MS, 9223372036854775807LL);
#undef SAME_AT_RUN_TIME
    }
}

/* At every tick rate the builders are constant expressions for a constant
 * count: a static initialiser may use them, the bound and the rounding up
 * included (200 ms is 6,553.6 ticks at 32,768 Hz: 6,554). */
static const aio_time static_durations[5] = {AIO_MS(200), AIO_SEC(-1), AIO_SEC(3), AIO_US(1), AIO_MS(-5)};
static void test_error_duration_builders_are_constants(void) {
    CHECK_EQ(static_durations[0], (aio_time)((200ull * AIO_TICKS_PER_SEC + 999u) / 1000u));
    CHECK_EQ(static_durations[3], (aio_time)((1ull * AIO_TICKS_PER_SEC + 999999u) / 1000000u));
    CHECK_EQ(static_durations[4], AIO_TIME_INVALID);
    CHECK_EQ(static_durations[1], AIO_TIME_INVALID);
    CHECK_EQ(static_durations[2], (aio_time)(3u * AIO_TICKS_PER_SEC));
}

/* After aio_step(&a) returns nothing is stepping: aio_running_loop() and
 * aio_spawn() use the last loop initialised (b), as documented; inside a
 * step, the loop stepping. After b is destroyed: NULL. */
static aio_loop *seen_inside;
static aio_status note_running_loop(aio_task *t) {
    AIO_BEGIN(t);
    seen_inside = aio_running_loop();
    AIO_END(t);
}

static void test_error_running_loop_between_steps(void) {
    static aio_timer ta[4], tb[4];
    aio_loop a, b;
    memset(&s, 0, sizeof s);
    aio_loop_init(&a, ta, 4);
    aio_loop_use_virtual_clock(&a, 0);
    CHECK_EQ(aio_spawn(&s.task, note_running_loop), AIO_OK); /* on a */
    aio_loop_init(&b, tb, 4);
    aio_loop_use_virtual_clock(&b, 0);
    CHECK(aio_running_loop() == &b);
    CHECK_EQ(aio_step(&a), 1);
    CHECK(seen_inside == &a);
    CHECK(aio_running_loop() == &b);
    CHECK_EQ(aio_spawn(&s.other, note_running_loop), AIO_OK);
    CHECK(s.other.loop == &b);
    CHECK_EQ(aio_step(&b), 1);
    CHECK(seen_inside == &b);
    CHECK_EQ(aio_run(&a, &s.third, note_running_loop), AIO_OK);
    CHECK(seen_inside == &a);
    CHECK(aio_running_loop() == &b);
    CHECK_EQ(aio_loop_destroy(&b), AIO_OK);
    CHECK(aio_running_loop() == NULL);
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK);
}

/* Debug builds name a task that passes 1,000,000 awaits in a row without
 * suspending (here an inline call that fails at once, in a loop that only
 * looks for a timeout): the loop goes on, the message comes once. A task
 * that suspends between its awaits, or many short tasks, get none. */
typedef struct {
    aio_frame frame;
} fails_t;
static fails_t FAILS;
static aio_status fails_at_once(aio_task *t, fails_t *f) {
    AIO_BEGIN(t, f);
    AIO_RAISE(t, AIO_EUSER);
    AIO_END(t);
}

static aio_status spins(aio_task *t) {
    AIO_BEGIN(t);
    for (s.reached = 0; s.reached < 1100000; s.reached++) {
        AIO_CALL(t, s.rc, fails_at_once, &FAILS);
        if (s.rc == AIO_ETIMEDOUT) break;
    }
    AIO_END(t);
}

static aio_status polite(aio_task *t) {
    AIO_BEGIN(t);
    for (s.mode = 0; s.mode < 1100000; s.mode++) {
        AIO_CALL(t, s.rc, fails_at_once, &FAILS);
        if (s.mode % 100000 == 99999) AIO_YIELD(t);
    }
    AIO_END(t);
}

static void test_error_task_holding_the_loop_named(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, polite), AIO_OK);
    CHECK_STR(test_last_debug, "");
    CHECK_EQ(test_run(&loop, &s.task, spins), AIO_OK);
    CHECK_EQ(s.reached, 1100000);
    CHECK_EQ(s.rc, AIO_EUSER);
    CHECK_DEBUG("holds the loop: 1000000 awaits without suspending");
#ifdef AIO_DEBUG
    {
        const char *first = strstr(test_last_debug, "without suspending");
        CHECK(first != NULL && strstr(first + 1, "without suspending") == NULL); /* once */
    }
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A newcomer's loop: an inline coroutine whose sleep finds no timer slot,
 * called again and again without looking at its status. The mistake is told
 * once and the task named once, not a message per turn of the loop. */
typedef struct {
    aio_frame frame;
} naps_t;
static naps_t NAPS;
static aio_status naps(aio_task *t, naps_t *n) {
    AIO_BEGIN(t, n);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

static aio_status calls_without_looking(aio_task *t) {
    AIO_BEGIN(t);
    for (s.reached = 0; s.reached < 5000; s.reached++) AIO_CALL(t, s.rc, naps, &NAPS);
    AIO_END(t);
}

static unsigned long nospc_told, busy_told;
static char busy_message[300];
static void count_debug(aio_status code, const char *message) {
    if (code == AIO_ENOSPC) nospc_told++;
    if (code == AIO_EBUSY) {
        busy_told++;
        (void)snprintf(busy_message, sizeof busy_message, "%s", message);
    }
}

static void run_calls_without_looking(void) {
    static aio_timer one[1];
    aio_loop loop;
    memset(&s, 0, sizeof s);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK); /* takes the one timer slot */
    CHECK_EQ(test_run(&loop, &s.task, calls_without_looking), AIO_OK);
    CHECK_EQ(s.reached, 5000);
    CHECK_EQ(s.rc, AIO_ENOSPC);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_same_mistake_in_a_loop_told_once(void) {
    /* a hook of one's own is told every mistake, and the task named once */
    nospc_told = busy_told = 0;
    aio_set_debug_hook(count_debug);
    run_calls_without_looking();
    aio_set_debug_hook(test_capture_debug);
#ifdef AIO_DEBUG
    CHECK_EQ(nospc_told, 5000);
    CHECK_EQ(busy_told, 1);
    CHECK(strstr(busy_message, "holds the loop: 1000 times the same mistake (above) without "
                               "suspending") != NULL);
    {
        char name[40];
        (void)snprintf(name, sizeof name, "task %p ", (void *)&s.task);
        CHECK(strstr(busy_message, name) == busy_message);
    }
#if !defined(TEST_SMALL_RAM) && !defined(__cplusplus) && defined(__unix__)
    /* the default hook prints two lines: the mistake, then who keeps making it */
    {
        FILE *err = tmpfile();
        int saved = dup(2);
        char line[400];
        int lines = 0;
        CHECK(err != NULL && saved >= 0);
        (void)fflush(stderr);
        (void)dup2(fileno(err), 2);
        aio_set_debug_hook(NULL);
        run_calls_without_looking();
        aio_set_debug_hook(test_capture_debug);
        (void)fflush(stderr);
        (void)dup2(saved, 2);
        (void)close(saved);
        rewind(err);
        while (fgets(line, sizeof line, err)) {
            lines++;
            if (lines == 1) CHECK(strstr(line, "timer storage is full") != NULL);
            if (lines == 2) CHECK(strstr(line, "holds the loop: 1000 times the same mistake") != NULL);
        }
        CHECK_EQ(lines, 2);
        (void)fclose(err);
    }
#endif
#endif
}

/* ------------------------------------------- plain returns, hand-written bodies */

typedef struct {
    aio_task task;
    aio_group g;
    wk child;
    int n, empty;
} plain_group_t;
static plain_group_t pg;

static aio_status returns_inside_group(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &pg.g) {
        if (!pg.empty) start_in_group(&pg.g, &pg.child, 1000, 5);
        AIO_YIELD(t); /* the child starts its sleep */
        return 3;     /* the mistake: not AIO_RETURN (lint-coroutines: ok) */
    }
    AIO_END(t);
}

/* A task body that leaves a task group with a plain `return`: the task ends
 * with the value, the debug message names the mistake, and the group is
 * closed as its end would have closed it: a child still running is
 * cancelled (its cleanup sees AIO_ECANCELED at 0 ms, it never returns its
 * 5), and aio_run lets it finish before it returns; an empty group is
 * simply closed. A child that fails in its cleanup after the return (10 ms
 * later) is heard of by the group before aio_run returns, although no task
 * is left alive by then: the group holds the error and can be entered again.
 * Stepped by hand and destroyed before that notice came up, the loop lets
 * the group hear of it as it is destroyed. */
static void test_error_plain_return_inside_group_cancels_its_children(void) {
    int k;
    for (k = 0; k < 4; k++) {
        aio_loop loop;
        memset(&pg, 0, sizeof pg);
        pg.empty = k == 1;
        if (k >= 2) { /* the child's cleanup sleeps, then raises */
            pg.child.cleanup = AIO_MS(10);
            pg.child.override = 1;
            pg.child.fin_value = AIO_EUSER;
        }
        test_loop(&loop);
        test_last_debug[0] = 0;
        if (k == 3) { /* stepped by hand, until the child has failed: its group's
                       * notice is still queued when the loop is destroyed */
            int steps = 0;
            CHECK_EQ(aio_spawn(&pg.task, returns_inside_group), AIO_OK);
            while (!aio_task_done(&pg.child.task) && steps++ < 100) {
                aio_time next = aio_next_deadline(&loop);
                if (next != AIO_NEVER && (aio_stime)(next - aio_loop_now(&loop)) > 0)
                    aio_virtual_advance(&loop, next - aio_loop_now(&loop));
                (void)aio_step(&loop);
            }
            CHECK_DEBUG("a task ended inside an open timeout block, which is now closed");
            CHECK_EQ(aio_task_result(&pg.task), 3);
            CHECK_EQ(aio_task_result(&pg.child.task), AIO_EUSER);
            CHECK_EQ(pg.child.cleanup_at, 10);
            CHECK(pg.g.notice.link.next != NULL);
            CHECK(aio_next_deadline(&loop) == aio_loop_now(&loop)); /* (it says there is work) */
            CHECK_EQ(pg.g.live, 1); /* (alive until heard of) */
            CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
            CHECK_EQ(aio_group_status(&pg.g), AIO_EUSER);
            CHECK_EQ(pg.g.live, 0);
            CHECK(pg.g.notice.link.next == NULL);
            test_loop(&loop);
            pg.empty = 1; /* entered again, on another loop */
            CHECK_EQ(test_run(&loop, &pg.task, returns_inside_group), 3);
            CHECK_EQ(aio_group_status(&pg.g), AIO_OK);
            CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
            continue;
        }
        CHECK_EQ(test_run(&loop, &pg.task, returns_inside_group), 3);
        CHECK_DEBUG("a task ended inside an open timeout block, which is now closed");
        CHECK(pg.task.scope == NULL);
        CHECK_EQ(aio_group_spawn(&pg.g, &pg.child.task, worker), AIO_EINVAL);
        if (k == 2) { /* its cancelled child fails in its cleanup, after the return */
            CHECK_EQ(aio_task_result(&pg.child.task), AIO_EUSER);
            CHECK_EQ(pg.child.fin_at, 0);
            CHECK_EQ(pg.child.cleanup_at, 10);
            CHECK_EQ(T_MS(), 10);
            /* the group heard of it (a notice in the ready queue once the loop ran) */
            CHECK_EQ(aio_group_status(&pg.g), AIO_EUSER);
            CHECK_EQ(pg.g.live, 0);
            CHECK(pg.g.notice.link.next == NULL);
            pg.empty = 1; /* entered again, with no child this time */
            CHECK_EQ(test_run(&loop, &pg.task, returns_inside_group), 3);
            CHECK_EQ(aio_group_status(&pg.g), AIO_OK);
            CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
            continue;
        }
        if (!k) { /* aio_run ran the cancelled child to its end before returning */
            CHECK_EQ(aio_task_result(&pg.child.task), AIO_ECANCELED);
            CHECK_EQ(pg.child.fin, 1);
            CHECK_EQ(pg.child.fin_status, AIO_ECANCELED);
            CHECK_EQ(pg.child.fin_at, 0);
            CHECK_EQ(pg.child.after, 0);
            CHECK_EQ(pg.g.live, 0);
        }
        CHECK_EQ(T_MS(), 0);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

/* A group left plainly inside blocks of its owner's owner, which end and
 * are entered again while the group's child still runs its cleanup. */
static struct {
    aio_task main, owner, child;
    aio_timeout to;
    aio_group outer, inner;
    long long child_cleanup_done; /* -1 until its cleanup's sleep ends */
    aio_status second_block;
} pr;

/* Cancelled at once by its group's plain exit; its cleanup sleeps 20 ms. */
static aio_status sleeps_in_cleanup(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(20));
    pr.child_cleanup_done = T_MS();
    AIO_END(t);
}

static aio_status leaves_its_group_plainly(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &pr.inner) {
        (void)aio_group_spawn(&pr.inner, &pr.child, sleeps_in_cleanup);
        AIO_YIELD(t); /* the child starts its sleep */
        return 3;     /* the mistake: not AIO_RETURN (lint-coroutines: ok) */
    }
    AIO_END(t);
}

/* Its owner ends at once; then the same timeout block is entered again,
 * with a deadline of 1 ms that cuts its 50 ms sleep short. */
static aio_status owns_the_owner(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &pr.to, AIO_SEC(10)) {
        AIO_GROUP(t, &pr.outer) {
            (void)aio_group_spawn(&pr.outer, &pr.owner, leaves_its_group_plainly);
        }
    }
    AIO_TIMEOUT(t, &pr.to, AIO_MS(1)) {
        AIO_SLEEP(t, AIO_MS(50));
    }
    pr.second_block = aio_timeout_status(&pr.to);
    AIO_END(t);
}

/* The children of a group left by a plain `return` are cancelled and finish
 * on their own: they no longer reach the blocks around the group, which end
 * and may be entered again meanwhile. The child's cleanup here sleeps its
 * whole 20 ms, though the block its owner's owner enters again expires at
 * 1 ms (before, the child still saw that block, and its cleanup was
 * cancelled there). */
static void test_error_group_left_plainly_children_leave_the_blocks_around_it(void) {
    aio_loop loop;
    memset(&pr, 0, sizeof pr);
    pr.child_cleanup_done = -1;
    test_loop(&loop);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &pr.main, owns_the_owner), AIO_OK);
    CHECK_DEBUG("a task ended inside an open timeout block, which is now closed");
    CHECK_EQ(aio_task_result(&pr.owner), 3);
    CHECK_EQ(pr.second_block, AIO_ETIMEDOUT);
    CHECK_EQ(pr.child_cleanup_done, 20);
    CHECK_EQ(aio_task_result(&pr.child), AIO_ECANCELED);
    CHECK_EQ(aio_group_status(&pr.outer), AIO_OK);
    CHECK_EQ(T_MS(), 20);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static int by_hand_runs;

/* Not a coroutine: a body written by hand that suspends on nothing (it
 * returns AIO__SUSPENDED without waiting on anything) until cancelled. */
static aio_status suspends_on_nothing(aio_task *t) {
    by_hand_runs++;
    return aio_task_cancel_pending(t) ? AIO_ECANCELED : AIO__SUSPENDED;
}

/* A task whose body suspends without waiting on anything stays parked: no
 * step runs it again, nothing is armed, aio_run calls that a deadlock, and
 * only a cancel wakes it (its body then sees the request). */
static void test_error_body_suspended_on_nothing_waits_for_a_cancel(void) {
    aio_loop loop;
    static aio_task t;
    memset(&t, 0, sizeof t);
    by_hand_runs = 0;
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&t, suspends_on_nothing), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(aio_step(&loop), 0);
    CHECK_EQ(by_hand_runs, 1);
    CHECK(!aio_task_done(&t));
    CHECK(aio_next_deadline(&loop) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY);
    CHECK_EQ(aio_cancel(&t), 1);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(by_hand_runs, 2);
    CHECK_EQ(aio_task_result(&t), AIO_ECANCELED);
    /* the same as aio_run's main task: AIO_EDEADLK */
    memset(&t, 0, sizeof t);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &t, suspends_on_nothing), AIO_EDEADLK);
    CHECK_DEBUG("nothing can wake");
    CHECK_EQ(by_hand_runs, 3);
    CHECK_EQ(aio_cancel(&t), 1);
    CHECK_EQ(aio_step(&loop), 1);
    CHECK_EQ(aio_task_result(&t), AIO_ECANCELED);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


/* ------------------------------------------------- more misuse, each named */

typedef struct {
    aio_frame frame;
    int reached;
} switch_callee_state;
static switch_callee_state switch_callee;

/* An inline coroutine with an await inside its own switch statement. */
static aio_status callee_awaits_in_switch(aio_task *t, switch_callee_state *st) {
    AIO_BEGIN(t, st);
    switch (st->reached) { /* lint-coroutines: ok (the misuse this test makes) */
    case 0:
        AIO_SLEEP(t, AIO_MS(10)); /* documented as forbidden */
        break;
    default:
        break;
    }
    st->reached = 5;
    AIO_END(t);
}

static aio_status calls_switch_callee(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CALL(t, s.rc, callee_awaits_in_switch, &switch_callee);
    s.reached = 1;
    AIO_END(t);
}

/* The same mistake in an inline coroutine (its own frame): the callee ends
 * with AIO_EINVAL at its resumption (10 ms), the message names the switch,
 * and the caller gets the error as the call's value and goes on. */
static void test_error_await_inside_user_switch_in_inline_coroutine(void) {
    BEGIN_TEST_WITH(s);
    memset(&switch_callee, 0, sizeof switch_callee);
    CHECK_EQ(test_run(&loop, &s.task, calls_switch_callee), AIO_OK);
    CHECK_DEBUG("coroutine resumed at an unknown point: an await inside your own switch");
    CHECK_EQ(s.rc, AIO_EINVAL);
    CHECK_EQ(s.reached, 1);
    CHECK_EQ(switch_callee.reached, 0);
    CHECK_EQ(T_MS(), 10);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status awaits_null_and_unspawned(aio_task *t) {
    AIO_BEGIN(t);
    AIO_AWAIT(t, s.rc, &s.other); /* never spawned, from a task with no block open */
    AIO_FINALLY(t);
    s.fin = AIO_STATUS(t);
    s.reached++;
    AIO_END(t);
}

static aio_status awaits_null(aio_task *t) {
    AIO_BEGIN(t);
    if (s.mode) {
        AIO_TIMEOUT(t, &s.to, AIO_SEC(1)) {
            AIO_AWAIT(t, s.rc, (aio_task *)NULL);
        }
    }
    AIO_AWAIT(t, s.rc, (aio_task *)NULL);
    AIO_END(t);
}

/* Awaiting a task that was never spawned, or NULL, raises AIO_EINVAL at
 * once (the value is not stored), with or without a block open. */
static void test_error_await_never_spawned_or_null(void) {
    BEGIN_TEST_WITH(s);
    s.rc = 77;
    CHECK_EQ(test_run(&loop, &s.task, awaits_null_and_unspawned), AIO_EINVAL);
    CHECK_DEBUG("await: the task was never spawned");
    CHECK_EQ(s.rc, 77);
    CHECK_EQ(s.fin, AIO_EINVAL);
    CHECK_EQ(s.reached, 1);
    for (s.mode = 0; s.mode < 2; s.mode++) {
        test_last_debug[0] = 0;
        CHECK_EQ(test_run(&loop, &s.task, awaits_null), AIO_EINVAL);
        CHECK_DEBUG("await: the task was never spawned");
        CHECK_EQ(s.rc, 77);
    }
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_group *no_group; /* NULL */

static aio_status opens_null_group(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, no_group) {
        s.reached = 1;
    }
    AIO_END(t);
}

/* A group block given a NULL group raises AIO_EINVAL at its entry, its body
 * never runs; aio_group_cancel(NULL) cancels nothing. */
static void test_error_null_group(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, opens_null_group), AIO_EINVAL);
    CHECK_DEBUG("group: the group pointer is NULL");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_group_cancel(NULL), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status spawns_live_task_into_group(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK);
    AIO_GROUP(t, &s.g) {
        s.rc = aio_group_spawn(&s.g, &s.other, sleeper); /* alive: refused */
        s.reached = (int)s.g.live;
    }
    AIO_AWAIT(t, s.fin, &s.other);
    AIO_END(t);
}

/* Spawning a task that is still alive into a group is refused with
 * AIO_EINVAL and the message of aio_spawn; the group does not count it (its
 * block ends at once) and the task runs on as it was. */
static void test_error_group_spawn_of_live_task(void) {
    BEGIN_TEST_WITH(s);
    CHECK_EQ(test_run(&loop, &s.task, spawns_live_task_into_group), AIO_OK);
    CHECK_EQ(s.rc, AIO_EINVAL);
    CHECK_DEBUG("aio_spawn: the task is still alive");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(s.fin, AIO_OK);
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_condition zero_cond; /* never initialised: no lock */

static aio_status waits_on_uninitialised_condition(aio_task *t) {
    AIO_BEGIN(t);
    AIO_COND_WAIT(t, s.rc, &zero_cond, AIO_SEC(1));
    s.reached = 1;
    AIO_END(t);
}

/* A condition that was never given a lock (zeroed, aio_condition_init not
 * called): notify returns AIO_EINVAL and a wait raises it at once, each with
 * the message that the lock is not held. */
static void test_error_condition_without_lock(void) {
    BEGIN_TEST_WITH(s);
    memset(&zero_cond, 0, sizeof zero_cond);
    CHECK_EQ(aio_condition_notify(&zero_cond, 1), AIO_EINVAL);
    CHECK_DEBUG("aio_condition_notify: the condition's lock is not held");
    s.rc = 77;
    CHECK_EQ(test_run(&loop, &s.task, waits_on_uninitialised_condition), AIO_EINVAL);
    CHECK_DEBUG("condition wait: the condition's lock is not held");
    CHECK_EQ(s.rc, 77);
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    /* initialised without a lock: refused, and it stays so */
    CHECK_EQ(aio_condition_init(NULL, NULL), AIO_EINVAL);
    CHECK_DEBUG("aio_condition_init: the condition is NULL");
    CHECK_EQ(aio_condition_init(&zero_cond, NULL), AIO_EINVAL);
    CHECK_DEBUG("aio_condition_init: the lock is NULL");
    CHECK_EQ(aio_condition_notify(&zero_cond, 1), AIO_EINVAL);
}

/* The deadline queries of a task that was never spawned: no deadline. */
static void test_error_deadline_of_never_spawned_task(void) {
    BEGIN_TEST_WITH(s);
    CHECK(aio_effective_deadline(&s.other) == AIO_NEVER);
    CHECK(aio_time_left(&s.other) == AIO_NEVER);
    CHECK(aio_effective_deadline(NULL) == AIO_NEVER); /* no task running */
    CHECK(aio_time_left(NULL) == AIO_NEVER);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}


/* aio_set_debug_hook(NULL) restores the default hook, which writes each
 * message to stderr as "aio_timeout: MESSAGE (STATUS TEXT)"; the hook set
 * before no longer hears of it. */
static void test_error_debug_hook_null_restores_the_default(void) {
    BEGIN_TEST_WITH(s);
#if defined(AIO_DEBUG) && (defined(__unix__) || defined(__APPLE__))
    {
        FILE *tmp = tmpfile();
        char buf[256];
        size_t got = 0;
        int saved = -1;
        CHECK(tmp != NULL);
        if (tmp) {
            fflush(stderr);
            saved = dup(2);
            dup2(fileno(tmp), 2);
            aio_set_debug_hook(NULL);
            CHECK_EQ(aio_cancel(&s.other), AIO_EINVAL); /* never spawned */
            fflush(stderr);
            dup2(saved, 2);
            close(saved);
            aio_set_debug_hook(test_capture_debug);
            rewind(tmp);
            got = fread(buf, 1, sizeof buf - 1, tmp);
            fclose(tmp);
        }
        buf[got] = 0;
        CHECK_STR(buf, "aio_timeout: aio_cancel: the task was never spawned (invalid argument)\n");
        CHECK_STR(test_last_debug, "");
    }
#else
    aio_set_debug_hook(NULL);
    CHECK_EQ(aio_cancel(&s.other), AIO_EINVAL);
    aio_set_debug_hook(test_capture_debug);
#endif
    CHECK_EQ(aio_cancel(&s.other), AIO_EINVAL);
    CHECK_DEBUG("aio_cancel: the task was never spawned"); /* heard again */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_error_spawn_null),
    TEST_ENTRY(test_error_spawn_live_task),
    TEST_ENTRY(test_error_await_never_spawned),
    TEST_ENTRY(test_error_reenter_open_scope),
    TEST_ENTRY(test_error_nan_timeout),
    TEST_ENTRY(test_error_negative_relative_sleep),
    TEST_ENTRY(test_error_negative_ms_and_us),
    TEST_ENTRY(test_error_deadline_beyond_half_range),
    TEST_ENTRY(test_error_wait_for_invalid_timeout),
    TEST_ENTRY(test_error_plain_return_inside_scope),
    TEST_ENTRY(test_error_await_inside_user_switch_detected),
    TEST_ENTRY(test_error_inline_coroutine_with_task_begin_named),
    TEST_ENTRY(test_error_strerror),
    TEST_ENTRY(test_error_seconds_conversion),
    TEST_ENTRY(test_error_reschedule_misuse),
    TEST_ENTRY(test_error_virtual_advance_on_real_clock),
    TEST_ENTRY(test_error_check_raises_negative_only),
    TEST_ENTRY(test_error_run_live_main),
    TEST_ENTRY(test_error_timer_storage_exhausted_without_growth),
    TEST_ENTRY(test_error_timer_storage_full_in_cleanup_is_told),
    TEST_ENTRY(test_error_spawn_without_loop),
    TEST_ENTRY(test_error_set_clock_null),
    TEST_ENTRY(test_error_timeout_null_scope),
    TEST_ENTRY(test_error_reenter_open_group),
    TEST_ENTRY(test_error_gather_null_items_and_unspawned_item),
    TEST_ENTRY(test_error_sync_waits_bad_timeouts),
    TEST_ENTRY(test_error_reschedule_without_timer_slot),
    TEST_ENTRY(test_error_growth_hook_refuses),
    TEST_ENTRY(test_error_timeout_beyond_half_of_32bit_ticks),
    TEST_ENTRY(test_error_duration_builders_never_wrap),
    TEST_ENTRY(test_error_duration_builders_are_constants),
    TEST_ENTRY(test_error_running_loop_between_steps),
    TEST_ENTRY(test_error_task_holding_the_loop_named),
    TEST_ENTRY(test_error_same_mistake_in_a_loop_told_once),
    TEST_ENTRY(test_error_plain_return_inside_group_cancels_its_children),
    TEST_ENTRY(test_error_group_left_plainly_children_leave_the_blocks_around_it),
    TEST_ENTRY(test_error_body_suspended_on_nothing_waits_for_a_cancel),
    TEST_ENTRY(test_error_await_inside_user_switch_in_inline_coroutine),
    TEST_ENTRY(test_error_await_never_spawned_or_null),
    TEST_ENTRY(test_error_null_group),
    TEST_ENTRY(test_error_group_spawn_of_live_task),
    TEST_ENTRY(test_error_condition_without_lock),
    TEST_ENTRY(test_error_deadline_of_never_spawned_task),
    TEST_ENTRY(test_error_debug_hook_null_restores_the_default),
};

void register_errors_tests(void) { test_register(cases, TEST_COUNT(cases)); }
