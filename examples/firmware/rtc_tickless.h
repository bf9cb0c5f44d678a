/* SPDX-License-Identifier: MIT */
/* rtc_tickless.h: a 32,768 Hz real-time counter as the loop's clock, with
 * tickless idle, for a low-power Cortex-M whose RTC keeps counting in its
 * deepest sleep (written for the nRF51/nRF52 RTC; another part's RTC or
 * low-power timer with a counter, a compare register and an overflow event
 * fits the same shape). The SysTick version is tickless.h beside it.
 *
 * Build with AIO_TIME_32 and AIO_TICKS_PER_SEC=32768u: one tick is one count
 * of the RTC (30.5 us), so a deadline is met to the count, and the idle hook
 * sleeps in one stretch up to the next deadline. Include it after the header
 * with irq_save() / irq_restore() (PRIMASK saved, masked, restored) and
 * rtc_sleep() (WFI, or the part's deeper sleep) defined. Then:
 *
 *     rtc_start();                       time 0 is now; RTC1's interrupt on
 *     aio_loop_set_clock(&loop, rtc_clock, NULL);
 *     aio_loop_set_idle(&loop, rtc_idle, NULL);
 *
 * and enable the RTC's interrupt in the NVIC (RTC1_IRQn on nRF5x).
 *
 * How it keeps time. The counter is 24 bits and never stops; its overflow
 * (every 512 s) interrupts and adds 2^24 to `rtc_wraps`. The clock is the
 * two together, in 32 bits, so it wraps with aio_time every 36.4 hours, as
 * the library expects of 32-bit ticks. Read with interrupts masked, an
 * overflow may have happened without its interrupt having run yet: its
 * event is set, so the read counts it and takes the counter again (it may
 * have been read before the overflow).
 *
 * How it sleeps. The idle hook, masked, asks the loop for its next deadline
 * (not the one it was given: an interrupt may have set an event since), puts
 * it in the compare register and sleeps; the compare's interrupt, the
 * overflow's or any other wakes it. Two rules of the RTC shape it: a compare
 * is only sure to fire two counts ahead or more (nRF5x: writing N or N + 1
 * while the counter reads N may not fire), so a deadline one count away is
 * waited for awake; and a compare reaches 2^24 - 1 counts ahead at most, so
 * a deadline further than half of that (256 s) wakes early, at that, and
 * sleeps again. The hook never wakes the loop before a deadline it then
 * finds not due. tests/embedded/rtc_sweep.c checks it against a model of the
 * RTC, going idle at every phase of the count, across the counter's
 * overflow and the clock's wrap. */
#ifndef RTC_TICKLESS_H
#define RTC_TICKLESS_H
#include <stdint.h>

#if AIO_TICKS_PER_SEC != 32768u || !defined(AIO_TIME_32)
#error "rtc_tickless.h: build with AIO_TIME_32 and AIO_TICKS_PER_SEC=32768u (one tick a count)"
#endif

/* The RTC's registers: nRF5x's RTC1 unless the includer says otherwise (a
 * test's model of it, another instance). */
#ifndef RTC_READ
#define RTC_BASE 0x40011000u
#define RTC_REG(offset) (*(volatile uint32_t *)(RTC_BASE + (offset)))
#define RTC_READ(offset) RTC_REG(offset)
#define RTC_WRITE(offset, value) (RTC_REG(offset) = (value))
#endif
#define RTC_TASKS_START 0x000u
#define RTC_TASKS_CLEAR 0x008u
#define RTC_EVENTS_OVRFLW 0x104u
#define RTC_EVENTS_COMPARE0 0x140u
#define RTC_INTENSET 0x304u /* bit 1: overflow, bit 16: compare 0 */
#define RTC_COUNTER 0x504u
#define RTC_PRESCALER 0x508u
#define RTC_CC0 0x540u
#define RTC_MASK 0xFFFFFFu /* 24 bits */
#define RTC_SURE 2u        /* a compare this many counts ahead or more fires */

static volatile uint32_t rtc_wraps; /* the counter's overflows, times 2^24 */

/* What the idle hook did (a firmware may print it). */
static struct {
    uint32_t sleeps, early, awake;
} rtc_stats;

static void rtc_start(void) {
    RTC_WRITE(RTC_PRESCALER, 0u); /* 32,768 Hz */
    RTC_WRITE(RTC_TASKS_CLEAR, 1u);
    RTC_WRITE(RTC_EVENTS_OVRFLW, 0u);
    RTC_WRITE(RTC_EVENTS_COMPARE0, 0u);
    rtc_wraps = 0;
    RTC_WRITE(RTC_INTENSET, (1u << 1) | (1u << 16));
    RTC_WRITE(RTC_TASKS_START, 1u);
}

void RTC1_IRQHandler(void);
void RTC1_IRQHandler(void) {
    if (RTC_READ(RTC_EVENTS_OVRFLW)) {
        RTC_WRITE(RTC_EVENTS_OVRFLW, 0u);
        rtc_wraps += RTC_MASK + 1u;
    }
    if (RTC_READ(RTC_EVENTS_COMPARE0)) RTC_WRITE(RTC_EVENTS_COMPARE0, 0u); /* (it only wakes) */
}

/* Masked: the overflows so far, the one whose interrupt waits included. */
static aio_time rtc_now_masked(void) {
    uint32_t count = RTC_READ(RTC_COUNTER), wraps = rtc_wraps;
    if (RTC_READ(RTC_EVENTS_OVRFLW)) { /* it overflowed: maybe after `count` was read */
        wraps += RTC_MASK + 1u;
        count = RTC_READ(RTC_COUNTER);
    }
    return (aio_time)(wraps + count);
}

static aio_time rtc_clock(void *ctx) {
    uint32_t m = irq_save();
    aio_time now = rtc_now_masked();
    (void)ctx;
    irq_restore(m);
    return now;
}

static void rtc_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m = irq_save();
    aio_time next = aio_next_deadline(loop), now = rtc_now_masked();
    uint32_t ahead = (uint32_t)(next - now);
    (void)ctx;
    (void)deadline;
    if (next != AIO_NEVER && (aio_stime)ahead <= 0) { /* due: back to the loop */
        irq_restore(m);
        return;
    }
    if (next != AIO_NEVER && ahead < RTC_SURE) { /* too near for the compare: awake */
        rtc_stats.awake++;
        irq_restore(m);
        return;
    }
    if (next == AIO_NEVER || ahead > RTC_MASK / 2u) {
        ahead = RTC_MASK / 2u; /* beyond the compare's reach: wake halfway, sleep again */
        rtc_stats.early++;
    }
    RTC_WRITE(RTC_EVENTS_COMPARE0, 0u);
    RTC_WRITE(RTC_CC0, (uint32_t)(now + ahead) & RTC_MASK);
    /* The counter moved on while the compare was set: if it is now less
     * than RTC_SURE counts from the deadline (or past it), the compare may
     * not fire. Then stay awake; the loop comes back. */
    {
        uint32_t left = (uint32_t)(now + ahead) - (uint32_t)rtc_now_masked();
        if (left < RTC_SURE || left > RTC_MASK) { /* (past it: left wrapped round) */
            rtc_stats.awake++;
            irq_restore(m);
            return;
        }
    }
    rtc_stats.sleeps++;
    rtc_sleep(); /* masked: an interrupt still wakes it, and runs when unmasked */
    irq_restore(m);
}

#endif
