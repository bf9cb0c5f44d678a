/* SPDX-License-Identifier: MIT */
/* What aio_queue_put_from_isr costs on a Cortex-M, in instructions, under
 * QEMU (make test-qemu runs it on the M3, M4 and M0 builds).
 *
 * Built as the firmware examples build the header (AIO_TIME_32,
 * AIO_NO_STDLIB, -Os, critical sections that save, mask and restore
 * PRIMASK), with the queue of examples/sampler: 8-byte items, 16 places.
 *
 * How it counts: run with `-icount shift=10,sleep=off`, QEMU's emulated
 * time advances exactly 1024 ns per instruction executed, and the board's
 * Timer1 counts that time at 25 MHz (40 ns a count). The program reads
 * Timer1 before and after a call through a function pointer, and again
 * around a call of an empty function of the same type (2 instructions:
 * `movs r0, #0; bx lr`): the difference, plus those 2, is what the put
 * executes from its first instruction to its return, the functions it calls
 * included (memcpy, aio_event_set). It checks the method first on a function
 * of 10 `nop`s. Not counted: the exception entry and return of a real
 * handler (done by the hardware), the caller's call instruction. QEMU does
 * not model cycles: on a Cortex-M3 or M4 most of these instructions take one
 * cycle, loads and stores two, taken branches two or three.
 *
 * Each case is measured ROUNDS times; under -icount every round must give
 * the same count (the run fails otherwise). Exit 0 when all went as
 * expected. */
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define TIMER1_CTRL REG(0x40001000u)
#define TIMER1_VALUE REG(0x40001004u)
#define TIMER1_RELOAD REG(0x40001008u)
#define NS_PER_COUNT 40u   /* Timer1 at 25 MHz */
#define NS_PER_INSN 1024u  /* -icount shift=10 */
#define ROUNDS 8

static uint32_t irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static void irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0\n\tisb" ::"r"(m) : "memory"); }

#define AIO_CRITICAL_ENTER() do { uint32_t aio_irq_mask = irq_save()
#define AIO_CRITICAL_EXIT() irq_restore(aio_irq_mask); } while (0)
#define AIO_TIME_32
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout_core.h"

typedef struct {
    uint32_t seq;
    int32_t value;
} sample_t;

typedef aio_status (*put_fn)(aio_queue *q, const void *item);

static aio_status empty_put(aio_queue *q, const void *item) {
    (void)q;
    (void)item;
    return AIO_OK;
}
static aio_status nops_put(aio_queue *q, const void *item) {
    (void)q;
    (void)item;
    __asm__ volatile("nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop");
    return AIO_OK;
}

/* Timer1 counts between the two reads around f(q, item). */
__attribute__((noinline)) static uint32_t counts(put_fn f, aio_queue *q, const sample_t *item,
                                                 aio_status *rc) {
    uint32_t before, after;
    before = TIMER1_VALUE;
    *rc = f(q, item);
    after = TIMER1_VALUE;
    return before - after; /* it counts down */
}

static put_fn volatile put = aio_queue_put_from_isr; /* (not inlined into counts' caller) */
static int failed;
static sample_t item = {1u, -7};

/* Instructions that f executes, from its first to its return: the counts
 * beyond an empty function's, plus its 2 instructions. */
static uint32_t insns(put_fn f, aio_queue *q, aio_status *rc) {
    aio_status ignored;
    uint32_t base = counts(empty_put, q, &item, &ignored);
    uint32_t c = counts(f, q, &item, rc);
    return ((c - base) * NS_PER_COUNT + NS_PER_INSN / 2u) / NS_PER_INSN + 2u;
}

static void report(const char *what, uint32_t n[ROUNDS], aio_status rc, aio_status want) {
    int i, same = 1;
    for (i = 1; i < ROUNDS; i++) same &= n[i] == n[0];
    printf("[isr-put] %-58s %3lu instructions%s\n", what, (unsigned long)n[0],
           same ? "" : " (FAILED: not the same in every round)");
    if (!same || rc != want) failed = 1;
    if (rc != want) printf("[isr-put] FAILED: status %d, not %d\n", rc, want);
}

static aio_queue q_idle, q_waited;
static sample_t st_idle[16], st_waited[16];
static aio_time fake_now;
static aio_time fake_clock(void *ctx) {
    (void)ctx;
    return fake_now;
}

typedef struct {
    aio_task task;
    sample_t got;
    aio_status rc;
} getter_t;

static aio_status getter(aio_task *t) { /* gets until the queue is shut down */
    getter_t *g = AIO_SELF(t, getter_t);
    AIO_BEGIN(t);
    do {
        AIO_QUEUE_GET(t, g->rc, &q_waited, &g->got, AIO_MS(1000));
    } while (g->rc == AIO_OK);
    AIO_RETURN(t, g->rc == AIO_ESHUTDOWN ? AIO_OK : g->rc);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    getter_t getter;
    int round;
    uint32_t ring[ROUNDS], rung[ROUNDS];
    aio_status rc1, rc2;
} bench_t;

/* The getter waits (parked in AIO_QUEUE_GET, with a deadline): the first put
 * rings the loop, the second finds it rung already. Then the loop hands both
 * to the getter, which waits again. */
static aio_status bench(aio_task *t) {
    bench_t *s = AIO_SELF(t, bench_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->getter.task, getter));
    for (s->round = 0; s->round < ROUNDS; s->round++) {
        AIO_YIELD(t); /* the getter runs and waits */
        AIO_YIELD(t);
        s->ring[s->round] = insns(put, &q_waited, &s->rc1);
        s->rung[s->round] = insns(put, &q_waited, &s->rc2);
        if (s->rc1 != AIO_OK || s->rc2 != AIO_OK) break;
    }
    report("a getter waits (the put rings its loop)", s->ring, s->rc1, AIO_OK);
    report("a getter waits, its loop rung already (a second put)", s->rung, s->rc2, AIO_OK);
    aio_queue_shutdown(&q_waited, 0);
    AIO_AWAIT(t, s->rc1, &s->getter.task);
    AIO_RETURN(t, s->rc1);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[4];
    static bench_t b;
    aio_loop loop;
    aio_status rc;
    uint32_t n[ROUNDS];
    int i;

    TIMER1_CTRL = 0;
    TIMER1_RELOAD = 0xFFFFFFFFu; /* free-running */
    TIMER1_CTRL = 1u;

    /* the method: 10 nops */
    for (i = 0; i < ROUNDS; i++) n[i] = insns(nops_put, &q_idle, &rc) - 2u;
    report("calibration: 10 nops", n, rc, AIO_OK);
    if (n[0] != 10u) {
        printf("[isr-put] FAILED: the counts are not instructions (run with -icount shift=10)\n");
        return 1;
    }

    printf("[isr-put] aio_queue_put_from_isr, an 8-byte item, a 16-item queue:\n");
    aio_queue_init(&q_idle, st_idle, sizeof st_idle[0], 16, 16);
    aio_queue_init(&q_waited, st_waited, sizeof st_waited[0], 16, 16);
    /* no task has waited on the queue: it stores the item and sets the
     * queue's event, which belongs to no loop */
    for (i = 0; i < ROUNDS; i++) n[i] = insns(put, &q_idle, &rc);
    report("no task waits on the queue", n, rc, AIO_OK);
    while (aio_queue_qsize(&q_idle) < 16u) (void)aio_queue_put_nowait(&q_idle, &item);
    for (i = 0; i < ROUNDS; i++) n[i] = insns(put, &q_idle, &rc);
    report("the queue is full (AIO_EFULL)", n, rc, AIO_EFULL);

    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, fake_clock, NULL);
    rc = aio_run(&loop, &b.task, bench);
    if (rc != AIO_OK || aio_loop_destroy(&loop) != AIO_OK) {
        printf("[isr-put] FAILED: the loop returned %d\n", rc);
        failed = 1;
    }
    return failed;
}
