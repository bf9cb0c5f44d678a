/* SPDX-License-Identifier: MIT */
/* Unit tests: every count the library keeps, started just before its wrap
 * (or, for the 64-bit ones, before the wrap a 32-bit count would have) by
 * setting the field, as the tick's tests start the clock 30 s before its wrap;
 * then the behaviour that reads it runs through the wrap, on the virtual
 * clock with exact times. docs/behaviour.md, "Counters that never break",
 * says why each is safe; the tick's own tests are in test_core.c. */
#include "workers.h"
#include <limits.h>

typedef struct {
    aio_task task;
    aio_task *other;
    aio_status lv, lv2;
    long long t1, t2, t3;
    uint64_t bump;        /* added to the loop's arming count before its sleep */
    const char *name;
    int n;
} tk;

static struct {
    tk m, a, b, c;
    wk A, B, C;
    aio_event ev;
    aio_wait_item it[3];
    aio_as_completed ac;
    aio_queue q;
    int items[4];
} S;

static void reset(void) { memset(&S, 0, sizeof S); }

/* ------------------------------------------- a task's own cancellation */

/* Sleeps; its cleanup sleeps 100 ms (the cancel that brought it there must
 * not cut that short), notes when, then sleeps 1 s (a second cancel must). */
static aio_status cancelled_twice(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(100));
    s->t1 = T_MS();
    AIO_SLEEP(t, AIO_SEC(1));
    s->t2 = T_MS(); /* (never: the second cancel cuts the sleep) */
    AIO_END(t);
}

/* Cancels `other` at 100 ms and at 250 ms, then awaits it. */
static uint8_t cancels_from;
static aio_status cancels_it_twice(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(s->other, cancelled_twice);
    s->other->cancels = s->other->view.v.cancels_seen = cancels_from; /* (as if delivered and seen before) */
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(s->other);
    AIO_SLEEP(t, AIO_MS(150));
    aio_cancel(s->other);
    AIO_AWAIT(t, s->lv, s->other);
    s->t3 = T_MS();
    AIO_END(t);
}

/* The count of a task's cancellation's deliveries goes round 255 -> 1 (0
 * means "never delivered"): wherever it starts, the cleanup does not see the
 * cancel that brought it there and does see the next one. */
static void test_wrap_task_cancel_count(void) {
    static const uint8_t from[] = {0, 253, 254, 255};
    static const uint8_t after[] = {2, 255, 1, 2};
    size_t i;
    for (i = 0; i < sizeof from; i++) {
        BEGIN_TEST();
        cancels_from = from[i];
        S.m.other = &S.a.task;
        CHECK_EQ(test_run(&loop, &S.m.task, cancels_it_twice), AIO_OK);
        CHECK_EQ(S.m.lv, AIO_ECANCELED);
        CHECK_EQ(S.a.t1, 200);
        CHECK_EQ(S.a.t2, 0);
        CHECK_EQ(S.m.t3, 250);
        CHECK_EQ(S.a.task.cancels, after[i]);
        CHECK_EQ(S.a.task.view.v.cleanups, 0);
        END_TEST();
    }
}

/* A cleanup section nested past what the count tells apart is reported. */
static aio_status nests_too_deep(aio_task *t) {
    AIO_BEGIN(t);
    t->view.v.cleanups = 254; /* (as if 254 cleanups ran around this one) */
    AIO_RAISE(t, AIO_EUSER);
    AIO_FINALLY(t);
    AIO_END(t);
}

static void test_wrap_cleanup_depth_reported(void) {
    BEGIN_TEST();
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &S.m.task, nests_too_deep), AIO_EUSER);
    CHECK_DEBUG("cleanup sections nested more than 254 deep");
    END_TEST();
}

/* ------------------------------------ the loop's byte of deliveries */

/* Gathers A and B, which it spawned; main cancels it at 100 ms: the
 * cancellation reaches the children (the loop's byte tells that the
 * gatherer's checkpoint delivered something new) and it waits for them. */
static aio_status gathers_two(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&S.A, "A", 1000, 1);
    start_worker(&S.B, "B", 1000, 2);
    S.A.cleanup = S.B.cleanup = AIO_MS(50);
    WAIT_ITEMS(S.it, &S.A.task, &S.B.task);
    AIO_GATHER(t, s->lv, S.it, 2);
    AIO_END(t);
}

static aio_status cancels_gatherer(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    aio_spawn(&S.b.task, gathers_two);
    AIO_SLEEP(t, AIO_MS(100));
    aio_cancel(&S.b.task);
    AIO_AWAIT(t, s->lv, &S.b.task);
    s->t1 = T_MS();
    AIO_END(t);
}

static void test_wrap_delivery_byte(void) {
    static const uint8_t from[] = {0, 254, 255};
    size_t i;
    for (i = 0; i < sizeof from; i++) {
        BEGIN_TEST();
        loop.deliveries = from[i];
        CHECK_EQ(test_run(&loop, &S.m.task, cancels_gatherer), AIO_OK);
        CHECK_EQ(S.m.lv, AIO_ECANCELED);
        CHECK_EQ(S.m.t1, 150); /* the children's 50 ms cleanup waited for */
        CHECK_EQ(aio_task_result(&S.A.task), AIO_ECANCELED);
        CHECK_EQ(aio_task_result(&S.B.task), AIO_ECANCELED);
        CHECK_EQ(S.A.fin_at, 100);
        CHECK_EQ(S.A.cleanup_at, 150);
        CHECK(loop.deliveries != from[i]);
        END_TEST();
    }
}

/* ---------------------------------------------- the arming order */

/* The library's never-wrapping counts (aio__count) as numbers: where the
 * CPU is narrower than 64 bits (or AIO__COUNT_WORDS asks), two words. */
static uint64_t count_of(aio__count c) {
#ifdef AIO__COUNT_WORDS
    return (uint64_t)c.hi << 32 | c.lo;
#else
    return c;
#endif
}
static void count_set(aio__count *c, uint64_t v) {
#ifdef AIO__COUNT_WORDS
    c->lo = (uint32_t)v;
    c->hi = (uint32_t)(v >> 32);
#else
    *c = v;
#endif
}

/* Sleeps 1 s after moving the loop's arming count on by `bump`. */
static aio_status sleeps_a_second(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    count_set(&t->loop->seq, count_of(t->loop->seq) + s->bump);
    AIO_SLEEP(t, AIO_SEC(1));
    trace("%s@%lld ", s->name, T_MS());
    AIO_END(t);
}

static aio_status two_equal_deadlines(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&S.a.task, sleeps_a_second);
    aio_spawn(&S.b.task, sleeps_a_second);
    AIO_AWAIT(t, S.m.lv, &S.b.task);
    AIO_AWAIT(t, S.m.lv, &S.a.task);
    AIO_END(t);
}

/* Equal deadlines fire in the order they were armed however many armings
 * came between them: none, 2^31 and 2^32 more (where a 32-bit count would
 * have turned the order round, or made them equal), from just before 2^32
 * (the next arming carries into the high word, where a count is two words)
 * and from far up the 64-bit range (at one arming a nanosecond, 584 years
 * from 0). */
static void test_wrap_arming_order(void) {
    static const uint64_t from[] = {0, 0xfffffff0u, 0xffffffffu, (uint64_t)1 << 62};
    static const uint64_t bump[] = {0, 0x80000000u, 0x80000001u, (uint64_t)1 << 32};
    size_t i, j;
    for (i = 0; i < sizeof from / sizeof from[0]; i++) {
        for (j = 0; j < sizeof bump / sizeof bump[0]; j++) {
            BEGIN_TEST();
            test_trace[0] = 0;
            count_set(&loop.seq, from[i]);
            S.a.name = "A";
            S.b.name = "B";
            S.b.bump = bump[j];
            CHECK_EQ(test_run(&loop, &S.m.task, two_equal_deadlines), AIO_OK);
            CHECK_STR(test_trace, "A@1000 B@1000 ");
            END_TEST();
        }
    }
}

/* ---------------------------------------------- the finishing order */

/* A fails at 100 ms and B at 100 ms, A armed first; the gather names A's
 * error although A is the second item. */
static aio_status gathers_two_failures(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&S.A, "A", 100, AIO_EUSER - 1);
    start_worker(&S.B, "B", 100, AIO_EUSER);
    WAIT_ITEMS(S.it, &S.B.task, &S.A.task);
    AIO_GATHER(t, s->lv, S.it, 2);
    s->t1 = T_MS();
    AIO_AWAIT(t, s->lv2, &S.B.task);
    AIO_END(t);
}

/* When a finished task finished, as the library keeps it. */
static uint64_t finished_at(const aio_task *t) {
#ifdef AIO__COUNT_WORDS
    return (uint64_t)t->await.finished[1] << 32 | t->await.finished[0];
#else
    uint64_t n;
    memcpy(&n, t->await.finished, sizeof n);
    return n;
#endif
}

/* The loop's count of finished tasks crossing 2^32 between the two: */
static void test_wrap_finish_order_gather(void) {
    BEGIN_TEST();
    count_set(&loop.finished, 0xfffffffeu); /* (the main task's spawns finish none) */
    CHECK_EQ(test_run(&loop, &S.m.task, gathers_two_failures), AIO_OK);
    CHECK_EQ(S.m.lv, AIO_EUSER - 1);
    CHECK_EQ(S.m.t1, 100);
    CHECK_STR(test_trace, "A@100 B@100 ");
    CHECK(finished_at(&S.A.task) == 0xffffffffu);
    CHECK(finished_at(&S.B.task) == (uint64_t)1 << 32);
    END_TEST();
}

/* A finishes at 10 ms, B at 20 ms and C at 30 ms, with 2^31 (then 2^32)
 * tasks counted as finished between A and B: aio_wait_sort_done and an
 * as_completed begun after all three hand them out A, B, C. */
static uint64_t finish_gap;
static aio_status finish_far_apart(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    start_worker(&S.A, NULL, 10, 1);
    start_worker(&S.B, NULL, 20, 2);
    start_worker(&S.C, NULL, 30, 3);
    AIO_SLEEP(t, AIO_MS(15));
    count_set(&t->loop->finished, count_of(t->loop->finished) + finish_gap);
    AIO_SLEEP(t, AIO_MS(20));
    WAIT_ITEMS(S.it, &S.C.task, &S.B.task, &S.A.task);
    CHECK_EQ(aio_wait_sort_done(S.it, 3), 3);
    CHECK(S.it[0].task == &S.A.task && S.it[1].task == &S.B.task && S.it[2].task == &S.C.task);
    WAIT_ITEMS(S.it, &S.C.task, &S.B.task, &S.A.task);
    AIO_CHECK(t, aio_as_completed_init(&S.ac, S.it, 3, AIO_NEVER));
    while (aio_as_completed_left(&S.ac) > 0) {
        AIO_NEXT_COMPLETED(t, s->lv, &S.ac);
        trace("%d ", aio_task_result(S.it[s->lv].task));
    }
    AIO_END(t);
}

static void test_wrap_finish_order_sorted(void) {
    static const uint64_t gap[] = {0x80000000u, (uint64_t)1 << 32, 0xfffffffdu};
    size_t i;
    for (i = 0; i < sizeof gap / sizeof gap[0]; i++) {
        BEGIN_TEST();
        test_trace[0] = 0;
        count_set(&loop.finished, 0x7ffffff0u);
        finish_gap = gap[i];
        CHECK_EQ(test_run(&loop, &S.m.task, finish_far_apart), AIO_OK);
        CHECK_STR(test_trace, "1 2 3 ");
        END_TEST();
    }
}

/* ------------------------------------------ an event's count of sets */

/* Waits for the event (until 1 s) twice, clearing it between. */
static aio_status waits_twice(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, s->lv, &S.ev, AIO_SEC(1));
    s->t1 = T_MS();
    aio_event_clear(&S.ev);
    AIO_EVENT_WAIT(t, s->lv2, &S.ev, AIO_SEC(1));
    s->t2 = T_MS();
    AIO_END(t);
}

static aio_status sets_twice(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&S.a.task, waits_twice);
    AIO_SLEEP(t, AIO_MS(100));
    aio_event_set(&S.ev);
    AIO_SLEEP(t, AIO_MS(100));
    aio_event_set(&S.ev);
    AIO_AWAIT(t, S.m.lv, &S.a.task);
    AIO_END(t);
}

/* The count of sets a waiter's ticket is compared with (for equality) goes
 * from 2^32 - 1 to 0 and on: each set wakes the waiter at once. */
static void test_wrap_event_sets(void) {
    BEGIN_TEST();
    S.ev.sets = 0xffffffffu;
    CHECK_EQ(test_run(&loop, &S.m.task, sets_twice), AIO_OK);
    CHECK_EQ(S.a.lv, AIO_OK);
    CHECK_EQ(S.a.t1, 100);
    CHECK_EQ(S.a.lv2, AIO_OK);
    CHECK_EQ(S.a.t2, 200);
    CHECK_EQ(S.ev.sets, 1);
    END_TEST();
}

/* ------------------------------------ the ready queue's count of entries */

static aio_status waits_then_notes(aio_task *t) {
    tk *s = AIO_SELF(t, tk);
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, s->lv, &S.ev, AIO_NEVER);
    trace("waiter ");
    AIO_END(t);
}

static aio_status yields_then_sets(aio_task *t) {
    AIO_BEGIN(t);
    trace("before ");
    AIO_YIELD(t);
    trace("after ");
    AIO_END(t);
}

/* Main queues `b` (which yields), sets the event, and yields: the waiter
 * wakes where asyncio queues it, after b's step queued before the set and
 * before main's own next step, while the count of entries the set is marked
 * with goes round past its largest value. */
static aio_status sets_between_steps(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&S.a.task, waits_then_notes);
    AIO_YIELD(t); /* the waiter parks */
    aio_spawn(&S.b.task, yields_then_sets);
    AIO_YIELD(t); /* b traces "before" and queues its next step */
    aio_event_set(&S.ev);
    AIO_YIELD(t);
    trace("main ");
    AIO_AWAIT(t, S.m.lv, &S.a.task);
    AIO_AWAIT(t, S.m.lv, &S.b.task);
    AIO_END(t);
}

static void test_wrap_ready_queue_count(void) {
    static const unsigned from[] = {0, UINT_MAX - 1, UINT_MAX};
    size_t i;
    for (i = 0; i < sizeof from / sizeof from[0]; i++) {
        BEGIN_TEST();
        test_trace[0] = 0;
        loop.enqueued = from[i];
        CHECK_EQ(test_run(&loop, &S.m.task, sets_between_steps), AIO_OK);
        CHECK_STR(test_trace, "before after waiter main ");
        END_TEST();
    }
}

/* --------------------------------------- a queue's count of unfinished */

/* The count of items put and not marked done stops at its largest value
 * instead of going round to 0: a join does not return early. */
static void test_wrap_queue_unfinished_saturates(void) {
    int one = 1;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.items, sizeof S.items[0], 4, 0), AIO_OK);
    S.q.unfinished = 0xfffffffeu; /* (as if that many were put and never done) */
    CHECK_EQ(aio_queue_put_nowait(&S.q, &one), AIO_OK);
    CHECK_EQ(aio_queue_put_nowait(&S.q, &one), AIO_OK);
    CHECK(S.q.unfinished == 0xffffffffu);
    CHECK_EQ(aio_queue_task_done(&S.q), AIO_OK);
    CHECK(S.q.unfinished == 0xfffffffeu);
    END_TEST();
}

static const test_case cases[] = {
    TEST_ENTRY(test_wrap_task_cancel_count),
    TEST_ENTRY(test_wrap_cleanup_depth_reported),
    TEST_ENTRY(test_wrap_delivery_byte),
    TEST_ENTRY(test_wrap_arming_order),
    TEST_ENTRY(test_wrap_finish_order_gather),
    TEST_ENTRY(test_wrap_finish_order_sorted),
    TEST_ENTRY(test_wrap_event_sets),
    TEST_ENTRY(test_wrap_ready_queue_count),
    TEST_ENTRY(test_wrap_queue_unfinished_saturates),
};

void register_wraps_tests(void) { test_register(cases, TEST_COUNT(cases)); }
