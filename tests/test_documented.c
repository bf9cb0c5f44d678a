/* SPDX-License-Identifier: MIT */
/* Unit tests: facts the README states about the API that no other test file
 * pins down on its own: an inline coroutine's state reused by a later
 * AIO_CALL, a plain AIO_SLEEP taking a timer slot, and what a task gets when
 * the slots run out in a build with and without AIO_DEBUG. Virtual clock,
 * exact times in ms since the test started. */
#include "test.h"

/* An inline coroutine: sleeps `d`, then returns `ret`; counts its starts. */
typedef struct {
    aio_frame frame;
    aio_time d;
    aio_status ret;
    int starts;
    aio_status fin; /* AIO_STATUS in its cleanup */
} doc_callee_t;

static aio_status doc_callee(aio_task *t, doc_callee_t *s) {
    AIO_BEGIN(t, s);
    s->starts++;
    AIO_SLEEP(t, s->d);
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_task other;
    aio_timeout to;
    doc_callee_t c;
    aio_status rc1, rc2, st1;
    long long at1, at2;
} doc_main_t;

static doc_main_t D;

/* The callee is cut short by a timeout in the middle of its sleep; the same
 * state struct then goes to a second AIO_CALL, which starts it from the top
 * (AIO_CALL initialises the frame) and lets it finish. */
static aio_status doc_reuse_main(aio_task *t) {
    AIO_BEGIN(t);
    D.c.d = AIO_SEC(2);
    D.c.ret = 5;
    D.rc1 = 77;
    AIO_TIMEOUT(t, &D.to, AIO_SEC(1)) {
        AIO_CALL(t, D.rc1, doc_callee, &D.c);
    }
    D.st1 = aio_timeout_status(&D.to);
    D.at1 = T_MS();
    D.c.d = AIO_MS(500);
    D.c.ret = 6;
    AIO_CALL(t, D.rc2, doc_callee, &D.c);
    D.at2 = T_MS();
    AIO_END(t);
}

static void test_doc_inline_state_reused_by_later_call(void) {
    aio_loop loop;
    memset(&D, 0, sizeof D);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &D.task, doc_reuse_main), AIO_OK);
    CHECK_EQ(D.rc1, 77); /* cut short: the call stored nothing */
    CHECK_EQ(D.st1, AIO_ETIMEDOUT);
    CHECK_EQ(D.at1, 1000);
    CHECK_EQ(D.rc2, 6);
    CHECK_EQ(D.at2, 1500);
    CHECK_EQ(D.c.starts, 2);
    CHECK_EQ(D.c.fin, 6); /* the second run's cleanup saw its own result */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status doc_sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

/* Yields while the other task holds the only slot, waits for it (no timer
 * needed), then sleeps in the slot it freed. */
static aio_status doc_yield_await_sleep(aio_task *t) {
    AIO_BEGIN(t);
    AIO_YIELD(t);
    AIO_YIELD(t);
    D.at1 = T_MS();
    AIO_AWAIT(t, D.rc2, &D.other);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_RETURN(t, 3);
    AIO_END(t);
}

/* One timer slot and no growth hook: a task asleep in a plain AIO_SLEEP holds
 * the slot, so a second task's AIO_SLEEP gets AIO_ENOSPC raised at once (the
 * task unwinds, its cleanup runs with it, it ends with it), with or without
 * AIO_DEBUG; only a debug build reports it to the debug hook. A yield and an
 * await of a task need no slot. */
static aio_status doc_nospace_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&D.other, doc_sleeper));
    AIO_YIELD(t);                   /* the other task takes the only slot */
    D.at1 = T_MS();
    AIO_SLEEP(t, AIO_MS(10));
    D.at2 = T_MS();                 /* not reached: the sleep raised */
    AIO_FINALLY(t);
    D.st1 = AIO_STATUS(t);
    AIO_END(t);
}

static void test_doc_plain_sleep_needs_a_timer_slot(void) {
    static aio_timer one[1];
    static doc_main_t Y;
    aio_loop loop;
    memset(&D, 0, sizeof D);
    D.at2 = -1;
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    CHECK_EQ(test_run(&loop, &D.task, doc_nospace_main), AIO_ENOSPC);
    CHECK_EQ(D.st1, AIO_ENOSPC);    /* its cleanup ran with the error */
    CHECK_EQ(D.at1, 0);
    CHECK_EQ(D.at2, -1);
    CHECK_EQ(T_MS(), 0);            /* raised at once, not after the sleep */
#ifdef AIO_DEBUG
    CHECK_DEBUG("timer storage is full");
#else
    CHECK_STR(test_last_debug, ""); /* no message, the same status */
#endif
    CHECK(aio_task_cancelled(&D.other)); /* left running by main: aio_run cancelled it */
    memset(&Y, 0, sizeof Y);
    D.at1 = -1;
    D.rc2 = 77;
    CHECK_EQ(test_run(&loop, &Y.task, doc_yield_await_sleep), 3);
    CHECK_EQ(D.at1, 0);             /* the yields needed no slot */
    CHECK_EQ(D.rc2, AIO_ECANCELED); /* the other task's end */
    CHECK_EQ(T_MS(), 1000);         /* then this one slept, in the freed slot */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static const test_case cases[] = {
    TEST_ENTRY(test_doc_inline_state_reused_by_later_call),
    TEST_ENTRY(test_doc_plain_sleep_needs_a_timer_slot),
};

void register_documented_tests(void) { test_register(cases, TEST_COUNT(cases)); }
