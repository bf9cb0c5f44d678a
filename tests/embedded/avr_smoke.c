/* SPDX-License-Identifier: MIT */
/* The header where int is 16 bits: an ATmega328P (an Arduino Uno's chip) under
 * simavr (the same program also builds for the host, where int is wider). Statuses, the suspension markers and the counters must fit a 16-bit
 * int; each check below runs a small program on the virtual clock with 32-bit
 * millisecond ticks and compares what happened, at what time, with what the
 * library promises. The result goes out on the UART: one line per failure and
 * "avr: N passed, N failed". Built and run by tests/embedded/avr.sh. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#define AIO_TIME_32
#ifdef __AVR__
#define AIO_NO_STDLIB
#endif
#include "../../aio_timeout_core.h"
#include <limits.h>
#include <stdio.h>
#ifdef __AVR__
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

static int uart_putchar(char c, FILE *stream) {
    (void)stream;
    UDR0 = (uint8_t)c;
    return 0;
}
static FILE uart = FDEV_SETUP_STREAM(uart_putchar, NULL, _FDEV_SETUP_WRITE);
#endif

static int passed, failed;
static void check_eq(const char *what, long got, long want) {
    if (got == want) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %s: got %ld, want %ld\n", what, got, want);
}
#define CHECK_EQ(what, got, want) check_eq(what, (long)(got), (long)(want))

static aio_timer timers[6];
static aio_loop loop;
static long now_ms(void) { return (long)aio_loop_now(&loop); }

/* A sleeper: sleeps `d` ms and returns `ret`; its cleanup notes why it ran. */
typedef struct { aio_task task; aio_time d; aio_status ret, fin; } sl_t;
static aio_status sleeper(aio_task *t) {
    sl_t *s = AIO_SELF(t, sl_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->fin = AIO_STATUS(t);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout to;
    aio_group g;
    aio_wait_item items[2];
    aio_lock lock;
    aio_condition cond;
    sl_t a, b;
    aio_status rc, rc2, rc3;
    long at, at2;
    int n;
} main_t;
static main_t M;

/* A 100 ms sleep inside a 50 ms block: the block times out at 50 ms. */
static aio_status timeout_block(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(50)) {
        AIO_SLEEP(t, AIO_MS(100));
        s->n++;
    }
    s->at = now_ms();
    AIO_RETURN(t, aio_timeout_status(&s->to) == AIO_ETIMEDOUT ? 7 : 3);
    AIO_END(t);
}

/* wait_for of an owned child that overruns: the child is cancelled and waited
 * for; then a gather of two children, one of which fails. */
static aio_status waits(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    s->a.d = AIO_MS(300);
    aio_spawn(&s->a.task, sleeper);
    AIO_WAIT_FOR(t, s->rc, &s->a.task, AIO_MS(20));
    s->at = now_ms();
    s->rc3 = s->a.fin;
    s->a.d = AIO_MS(10);
    s->a.ret = 5;
    s->b.d = AIO_MS(30);
    s->b.ret = AIO_EUSER - 2;
    aio_spawn(&s->a.task, sleeper);
    aio_spawn(&s->b.task, sleeper);
    s->items[0].task = &s->a.task;
    s->items[1].task = &s->b.task;
    AIO_GATHER(t, s->rc2, s->items, 2);
    s->at2 = now_ms();
    AIO_END(t);
}

/* A group whose child fails cancels its sibling; a condition wait times out
 * with the lock held again. */
static aio_status group_and_condition(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    s->a.d = AIO_MS(40);
    s->a.ret = AIO_EUSER;
    s->b.d = AIO_SEC(10);
    AIO_GROUP(t, &s->g) {
        aio_group_spawn(&s->g, &s->a.task, sleeper);
        aio_group_spawn(&s->g, &s->b.task, sleeper);
    }
    s->rc = aio_group_status(&s->g);
    s->at = now_ms();
    aio_condition_init(&s->cond, &s->lock);
    AIO_LOCK_ACQUIRE(t, s->rc2, &s->lock, AIO_NEVER);
    AIO_COND_WAIT_FOR(t, s->rc3, &s->cond, s->n > 0, AIO_MS(25));
    s->n = aio_lock_locked(&s->lock);
    aio_lock_release(&s->lock);
    s->at2 = now_ms();
    AIO_END(t);
}

static aio_status run(aio_task_fn fn) {
    aio_status rc;
    aio_loop_init(&loop, timers, 6);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &M.task, fn);
    CHECK_EQ("no task left", aio_loop_destroy(&loop), AIO_OK);
    return rc;
}

int main(void) {
    aio_semaphore sem;
#ifdef __AVR__
    stdout = &uart;
    CHECK_EQ("sizeof(int)", sizeof(int), 2);
#endif
    CHECK_EQ("timeout block status", run(timeout_block), 7);
    CHECK_EQ("timeout block ended at", M.at, 50);
    CHECK_EQ("code after the sleep", M.n, 0);

    CHECK_EQ("wait_for and gather task", run(waits), AIO_OK);
    CHECK_EQ("wait_for of an overrunning child", M.rc, AIO_ETIMEDOUT);
    CHECK_EQ("wait_for ended at", M.at, 20);
    CHECK_EQ("the child's cleanup saw", M.rc3, AIO_ECANCELED);
    CHECK_EQ("gather: the first failure", M.rc2, AIO_EUSER - 2);
    CHECK_EQ("gather ended at", M.at2, 50);
    CHECK_EQ("the other child's result", aio_task_result(&M.a.task), 5);

    M.n = 0;
    CHECK_EQ("group and condition task", run(group_and_condition), AIO_OK);
    CHECK_EQ("group status", M.rc, AIO_EUSER);
    CHECK_EQ("group ended at", M.at, 40);
    CHECK_EQ("sibling cancelled", aio_task_result(&M.b.task), AIO_ECANCELED);
    CHECK_EQ("condition wait_for", M.rc3, AIO_ETIMEDOUT);
    CHECK_EQ("lock held after the wait", M.n, 1);
    CHECK_EQ("condition wait ended at", M.at2, 65);

    CHECK_EQ("AIO_MS of 25 days", AIO_MS(25LL * 24 * 3600 * 1000), AIO_TIME_INVALID);
    CHECK_EQ("AIO_SEC(-1)", AIO_SEC(-1), AIO_TIME_INVALID);
    aio_semaphore_init(&sem, INT_MAX, 0);
    CHECK_EQ("release at INT_MAX", aio_semaphore_release(&sem), AIO_EINVAL);
    CHECK_EQ("strerror", aio_strerror(AIO_ETIMEDOUT)[0], 't');

    printf("avr: %d passed, %d failed\n", passed, failed);
#ifdef __AVR__
    cli();
    sleep_cpu(); /* simavr stops here */
#endif
    return failed != 0;
}
