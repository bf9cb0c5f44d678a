/* Scale: a million concurrent tasks, each sleeping under its own timeout, on
 * the virtual clock; every outcome is checked. AIO_STRESS_TASKS overrides the
 * count (valgrind runs use fewer). */
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
    const char *env = getenv("AIO_STRESS_TASKS");
    long n = env ? atol(env) : 1000000L;
    return n > 0 ? (size_t)n : 1000000u;
}

static void test_stress_million_tasks_each_under_its_own_timeout(void) {
    static spawner_t main_state;
    size_t n = stress_count(), i, timed_out = 0, completed = 0, wrong = 0;
    sleeper_t *all = (sleeper_t *)calloc(n, sizeof *all);
    aio_loop loop;
    CHECK(all != NULL);
    if (!all) return;
    memset(&main_state, 0, sizeof main_state);
    for (i = 0; i < n; i++) {
        all[i].timeout_ms = (uint32_t)(i % 1000 + 1);          /* 1 .. 1000 ms */
        all[i].sleep_ms = (uint32_t)((i * 7919u) % 1500 + 1);  /* 1 .. 1500 ms */
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
    }
    CHECK_EQ(wrong, 0);
    CHECK_EQ(timed_out + completed, n);
    CHECK(timed_out > 0 && completed > 0);
    CHECK_EQ(T_MS(), 1000); /* the longest sleeper that finished, or the latest deadline */
    CHECK_EQ(loop.heap_len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(all);
}

static const test_case cases[] = {
    TEST_ENTRY(test_stress_million_tasks_each_under_its_own_timeout),
};

void register_stress_tests(void) { test_register(cases, TEST_COUNT(cases)); }
