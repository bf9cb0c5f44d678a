/* Misuse and error reporting: every mistake gets a status and, in debug
 * builds, a message that names it. */
#include "test.h"
#include <math.h>

typedef struct {
    aio_task task, other;
    aio_timeout to, to2;
    aio_status rc;
    int reached;
} err_t;
static err_t s;

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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, await_unspawned), AIO_EINVAL);
    CHECK_DEBUG("never spawned");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_cancel(&s.other), AIO_EINVAL);
    CHECK_EQ(aio_task_result(&s.other), AIO_EINVAL);
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
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

static void test_error_negative_relative_sleep(void) {
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
    CHECK_EQ(aio_spawn(&s.other, sleeper), AIO_OK);
    CHECK_EQ(test_run(&loop, &s.task, bad_wait_for), AIO_EINVAL);
    CHECK_DEBUG("wait_for: the timeout is NaN");
    CHECK_EQ(s.reached, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_EBUSY); /* the sleeper is still alive */
    CHECK_EQ(test_run(&loop, &s.task, sleeper), 0);
    CHECK(aio_task_done(&s.other));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status leaves_scope_with_return(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s.to, AIO_SEC(1)) {
        if (s.reached == 0) return 3; /* wrong: bypasses the block's end */
    }
    AIO_END(t);
}

static void test_error_plain_return_inside_scope(void) {
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, leaves_scope_with_return), 3);
    CHECK_DEBUG("leave coroutines with AIO_RETURN");
    CHECK(s.task.scope == NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status await_in_user_switch(aio_task *t) {
    AIO_BEGIN(t);
    switch (s.reached) {
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, await_in_user_switch), AIO_EINVAL);
    CHECK_DEBUG("your own switch statement");
    CHECK_EQ(s.reached, 0);
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
    CHECK_STR(aio_strerror(AIO_EUSER), "user error");
    CHECK_STR(aio_strerror(AIO_EUSER - 7), "user error");
    CHECK_STR(aio_strerror(-20), "unknown error");
}

static void test_error_seconds_conversion(void) {
    CHECK_EQ(aio_seconds(NAN), AIO_TIME_INVALID);
    CHECK_EQ(aio_seconds(-1.5), 0);
    CHECK_EQ(aio_seconds(0.25), AIO_MS(250));
    CHECK_EQ(aio_seconds(2), AIO_SEC(2));
    CHECK_EQ(aio_seconds(INFINITY), AIO_NEVER);
    CHECK_EQ(aio_seconds(1e300), AIO_NEVER);
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
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &s.task, raises_user_error), AIO_EUSER - 3);
    CHECK_EQ(s.reached, 1);
    CHECK_EQ(s.rc, AIO_EUSER - 3);
    CHECK(aio_task_failed(&s.task));
    CHECK(!aio_task_cancelled(&s.task));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_error_run_live_main(void) {
    aio_loop loop;
    memset(&s, 0, sizeof s);
    test_loop(&loop);
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
    CHECK_EQ(test_run(&loop, &s.task, await_then_sleep), 0); /* the slot is free again later */
    CHECK_EQ(T_MS(), 2000);
    CHECK(aio_task_done(&s.other));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_error_spawn_null),
    TEST_ENTRY(test_error_spawn_live_task),
    TEST_ENTRY(test_error_await_never_spawned),
    TEST_ENTRY(test_error_reenter_open_scope),
    TEST_ENTRY(test_error_nan_timeout),
    TEST_ENTRY(test_error_negative_relative_sleep),
    TEST_ENTRY(test_error_deadline_beyond_half_range),
    TEST_ENTRY(test_error_wait_for_invalid_timeout),
    TEST_ENTRY(test_error_plain_return_inside_scope),
    TEST_ENTRY(test_error_await_inside_user_switch_detected),
    TEST_ENTRY(test_error_strerror),
    TEST_ENTRY(test_error_seconds_conversion),
    TEST_ENTRY(test_error_reschedule_misuse),
    TEST_ENTRY(test_error_virtual_advance_on_real_clock),
    TEST_ENTRY(test_error_check_raises_negative_only),
    TEST_ENTRY(test_error_run_live_main),
    TEST_ENTRY(test_error_timer_storage_exhausted_without_growth),
};

void register_errors_tests(void) { test_register(cases, TEST_COUNT(cases)); }
