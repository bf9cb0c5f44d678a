/* SPDX-License-Identifier: MIT */
/* Scale: a million concurrent tasks, each sleeping under its own timeout, on
 * the virtual clock; every outcome is checked. AIO_STRESS_TASKS overrides the
 * count (valgrind runs use fewer); boards with 16 KiB of RAM run 48 tasks
 * (TEST_SMALL_RAM). */
#include "test.h"
#include <stdlib.h>

typedef struct {
    aio_task task;
    aio_timeout to;
    aio_time ended; /* elapsed time when the block ended */
    uint32_t timeout_ms, sleep_ms;
} sleeper_t;

static aio_status sleep_under_timeout(aio_task *t) {
    sleeper_t *s = AIO_SELF(t, sleeper_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(s->timeout_ms)) {
        AIO_SLEEP(t, AIO_MS(s->sleep_ms));
    }
    s->ended = T();
    AIO_RETURN(t, aio_timeout_status(&s->to) == AIO_ETIMEDOUT ? 0 : 1);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    sleeper_t *all;
    size_t n, i;
    aio_status rc;
} spawner_t;

static aio_status spawn_and_await_all(aio_task *t) {
    spawner_t *s = AIO_SELF(t, spawner_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) AIO_CHECK(t, aio_spawn(&s->all[s->i].task, sleep_under_timeout));
    for (s->i = 0; s->i < s->n; s->i++) {
        AIO_AWAIT(t, s->rc, &s->all[s->i].task);
        if (s->rc < 0) AIO_RAISE(t, s->rc);
    }
    AIO_END(t);
}

static size_t stress_count(void) {
#ifdef TEST_SMALL_RAM /* 16 KiB of RAM, and no environment on an AVR */
    return 48;
#else
    const char *env = getenv("AIO_STRESS_TASKS");
    long n = env ? atol(env) : 1000000L;
    return n > 0 ? (size_t)n : 1000000u;
#endif
}

static void test_stress_million_tasks_each_under_its_own_timeout(void) {
    static spawner_t main_state;
    size_t n = stress_count(), i, timed_out = 0, completed = 0, wrong = 0;
    aio_time latest = 0; /* when the last block ends */
    sleeper_t *all = (sleeper_t *)calloc(n, sizeof *all);
    aio_loop loop;
    CHECK(all != NULL);
    if (!all) return;
    memset(&main_state, 0, sizeof main_state);
    for (i = 0; i < n; i++) {
        all[i].timeout_ms = (uint32_t)(i % 1000 + 1);          /* 1 .. 1000 ms */
        all[i].sleep_ms = (uint32_t)(((uint32_t)i * 7919u) % 1500 + 1);  /* 1 .. 1500 ms */
    }
    main_state.all = all;
    main_state.n = n;
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &main_state.task, spawn_and_await_all), 0);
    for (i = 0; i < n; i++) {
        /* a sleep that ends exactly at the deadline is cut by it */
        int expect_timeout = all[i].sleep_ms >= all[i].timeout_ms;
        aio_time expect_end = AIO_MS(expect_timeout ? all[i].timeout_ms : all[i].sleep_ms);
        if (aio_task_result(&all[i].task) != (expect_timeout ? 0 : 1) || all[i].ended != expect_end ||
            aio_timeout_expired(&all[i].to) != expect_timeout)
            wrong++;
        if (expect_timeout) timed_out++; else completed++;
        if (expect_end > latest) latest = expect_end;
    }
    CHECK_EQ(wrong, 0);
    CHECK_EQ(timed_out + completed, n);
    CHECK(timed_out > 0 && completed > 0);
    CHECK_EQ(T(), latest); /* the longest sleeper that finished, or the latest deadline */
    /* task 2,999 is the first whose block lasts 1000 ms (its deadline): from
     * 3,000 tasks on the run ends at 1000 ms, before that earlier (at 60 ms
     * for the 48 of TEST_SMALL_RAM) */
    CHECK_EQ(latest == AIO_MS(1000), n >= 3000);
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(all);
}

/* A chain: link i spawns link i+1 and awaits it; the last one waits forever. */
typedef struct {
    aio_task task;
    aio_status rc;
    aio_time cleaned; /* when its cleanup ran */
} link_t;
static link_t *chain;
static size_t chain_len;

static aio_status chain_link(aio_task *t) {
    link_t *s = AIO_SELF(t, link_t);
    AIO_BEGIN(t);
    if ((size_t)(s - chain) + 1 < chain_len) {
        AIO_CHECK(t, aio_spawn(&s[1].task, chain_link));
        AIO_AWAIT(t, s->rc, &s[1].task);
    } else {
        AIO_SLEEP(t, AIO_NEVER);
    }
    AIO_FINALLY(t);
    s->cleaned = T();
    AIO_END(t);
}

static aio_status cancel_chain_at_1s(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&chain[0].task, chain_link));
    AIO_SLEEP(t, AIO_SEC(1));
    CHECK_EQ(aio_cancel(&chain[0].task), 1);
    AIO_AWAIT(t, chain[0].rc, &chain[0].task);
    AIO_END(t);
}

/* Cancelling the head of a long chain of tasks, each awaiting the one it
 * spawned, reaches the tail at once (as asyncio forwards a cancel down awaits)
 * without using stack in proportion to the chain; every link is cleaned up,
 * innermost first, at the same instant. */
static void test_stress_cancel_down_a_chain_of_awaits(void) {
    static spawner_t main_state;
    size_t i, wrong = 0;
    aio_loop loop;
    chain_len = stress_count() / 4;
    chain = (link_t *)calloc(chain_len, sizeof *chain);
    CHECK(chain != NULL);
    if (!chain) return;
    memset(&main_state, 0, sizeof main_state);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &main_state.task, cancel_chain_at_1s), 0);
    CHECK_EQ(T_MS(), 1000);
    for (i = 0; i < chain_len; i++)
        if (!aio_task_cancelled(&chain[i].task) || chain[i].cleaned != AIO_SEC(1)) wrong++;
    CHECK_EQ(wrong, 0);
    CHECK_EQ(chain[0].rc, AIO_ECANCELED); /* what the main task's await got */
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(chain);
}

/* Nested groups: level i opens a group and spawns level i+1 into it; the
 * deepest sleeps. Everything runs inside the main task's timeout block. */
typedef struct {
    aio_task task;
    aio_group g;
    aio_time cleaned;
} nest_t;
static nest_t *nest;
static size_t nest_len;
static aio_timeout nest_block;

static aio_status nest_level(aio_task *t) {
    nest_t *s = AIO_SELF(t, nest_t);
    AIO_BEGIN(t);
    if ((size_t)(s - nest) + 1 < nest_len) {
        AIO_GROUP(t, &s->g) {
            AIO_CHECK(t, aio_group_spawn(&s->g, &s[1].task, nest_level));
        }
    } else {
        AIO_SLEEP(t, AIO_SEC(1000));
    }
    AIO_FINALLY(t);
    s->cleaned = T();
    AIO_END(t);
}

static aio_status nest_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &nest_block, AIO_SEC(10)) {
        AIO_GROUP(t, &nest[0].g) {
            AIO_CHECK(t, aio_group_spawn(&nest[0].g, &nest[1].task, nest_level));
        }
    }
    AIO_END(t);
}

static aio_status nest_rescheduler(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    /* moves the timer of every task in the nest */
    CHECK_EQ(aio_timeout_reschedule(&nest_block, aio_now() + AIO_SEC(1)), AIO_OK);
    AIO_END(t);
}

static aio_status nest_top(aio_task *t) {
    static aio_task mover;
    AIO_BEGIN(t);
    memset(&mover, 0, sizeof mover);
    AIO_CHECK(t, aio_spawn(&mover, nest_rescheduler));
    AIO_CHECK(t, aio_spawn(&nest[0].task, nest_main));
    AIO_AWAIT(t, nest[0].cleaned, &nest[0].task);
    AIO_END(t);
}

/* Task groups nested two thousand deep inside one timeout block: moving the
 * block's deadline reaches every task in the nest and, when it expires, every
 * level is cancelled and cleaned up at that instant. (Each checkpoint walks
 * its task's chain of scopes, so the cost grows with the depth squared: the
 * nest is a five-hundredth of the stress count, 16 levels at the least.) */
static void test_stress_deadline_through_deeply_nested_groups(void) {
    static spawner_t main_state;
    size_t i, wrong = 0;
    aio_loop loop;
    nest_len = stress_count() / 500;
    if (nest_len < 16) nest_len = 16; /* fewer tasks than 8,000 */
    nest = (nest_t *)calloc(nest_len, sizeof *nest);
    CHECK(nest != NULL);
    if (!nest) return;
    memset(&main_state, 0, sizeof main_state);
    memset(&nest_block, 0, sizeof nest_block);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &main_state.task, nest_top), 0);
    CHECK_EQ(T_MS(), 2000);
    CHECK_EQ(aio_timeout_status(&nest_block), AIO_ETIMEDOUT);
    CHECK_EQ(aio_task_result(&nest[0].task), 0);
    for (i = 1; i < nest_len; i++)
        if (!aio_task_cancelled(&nest[i].task) || nest[i].cleaned != AIO_SEC(2)) wrong++;
    CHECK_EQ(wrong, 0);
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(nest);
}

static const test_case cases[] = {
    TEST_ENTRY(test_stress_million_tasks_each_under_its_own_timeout),
    TEST_ENTRY(test_stress_cancel_down_a_chain_of_awaits),
    TEST_ENTRY(test_stress_deadline_through_deeply_nested_groups),
};

void register_stress_tests(void) { test_register(cases, TEST_COUNT(cases)); }
