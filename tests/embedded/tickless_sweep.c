/* SPDX-License-Identifier: MIT */
/* The firmware example's SysTick clock and tickless idle hook
 * (examples/firmware/tickless.h, included as it is) on the MPS2 board under
 * QEMU, checked against a reference clock while the loop goes idle at every
 * phase of the millisecond tick and at the instants just before an interrupt.
 *
 * Timer0 interrupts every 2 ms and sets an event. A task waits for it with a
 * 50 ms timeout, ROUNDS times. After each wake-up it spins until `lead`
 * cycles before the next interrupt and waits again, so the loop goes idle
 * at a chosen distance before the interrupt and, as the two timers keep a
 * fixed phase, at a chosen point of the tick:
 *   even rounds  lead = 37 x k cycles modulo a tick: over the whole tick
 *   odd rounds   lead = 0, 1, 2 ... 511 cycles: the interrupt lands in the
 *                loop's last steps before the hook, in the hook, or at WFI
 * One round in three first sleeps 1-3 ms. The idle hook had stretched
 * SysTick's period for the 50 ms timeout, so this nearer deadline makes it
 * cut the stretch short, which is the one place it clears the counter (the
 * run fails if that never happened).
 * Timer1 runs free at the processor clock: the reference.
 *
 * Failures, counted over all rounds (any of them: exit status 1):
 *   timeout   a wait timed out, although an interrupt comes every 2 ms (the
 *             loop's clock ran ahead of time)
 *   lost      a wait returned more than 1 ms after the interrupt that set
 *             the event (a wake-up slept through)
 *   sleep     a 1-3 ms sleep lasted less than its whole milliseconds minus
 *             one, or more than them plus half a tick
 *   leap      the loop's clock gained or lost 2 ms or more on the reference
 *             from one check to the next (after every wait and sleep)
 *   off       the two, in whole milliseconds since the start, differ by
 *             more than 1 (leaps, or drift)
 * It also measures the drift exactly: the reference cycles between a SysTick
 * interrupt at the start and one at the end, against the milliseconds the
 * clock counted between them.
 *
 * QEMU: run with -icount shift=5,sleep=off (emulated time only, so runs
 * repeat exactly). In that mode QEMU 7.2 lets a core halted in WFI sleep
 * past the first timer deadline to the one after it (a WFI shortly before a
 * SysTick interrupt woke at the next one, both interrupts folded into one)
 * unless some deadline is near; the dual timer, running with a 100 us period
 * and its interrupt off, keeps one near. */
#include <stdint.h>
#include <stdio.h>

#ifndef ROUNDS
#define ROUNDS 20000u
#endif
#define CPU_HZ 25000000u /* MPS2 */

#define REG(addr) (*(volatile uint32_t *)(addr))
#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ICER0 REG(0xE000E180u)
#define TIMER0_CTRL REG(0x40000000u) /* CMSDK APB timer: bit 0 enable, bit 3 interrupt */
#define TIMER0_VALUE REG(0x40000004u)
#define TIMER0_RELOAD REG(0x40000008u)
#define TIMER0_INTCLEAR REG(0x4000000Cu)
#define TIMER0_IRQ 8u
#define TIMER1_CTRL REG(0x40001000u)
#define TIMER1_VALUE REG(0x40001004u)
#define TIMER1_RELOAD REG(0x40001008u)
#define DUAL1_LOAD REG(0x40002000u) /* CMSDK dual timer, first counter */
#define DUAL1_CTRL REG(0x40002008u) /* bit 7 enable, 6 periodic, 1 32-bit */

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
#include "../../examples/firmware/tickless.h"

#define PERIOD (2u * TICK_CYCLES) /* Timer0 */

static uint32_t ref_now(void) { return ~TIMER1_VALUE; } /* counts up */

static aio_event irq_event;
static volatile uint32_t irq_at;     /* reference time of Timer0's latest interrupt */
static volatile uint32_t unseen_at;  /* of the first one the task has not consumed */
static volatile int unseen;

void IRQ8_Handler(void);
void IRQ8_Handler(void) {
    TIMER0_INTCLEAR = 1;
    irq_at = ref_now();
    if (!unseen) {
        unseen = 1;
        unseen_at = irq_at;
    }
    aio_event_set(&irq_event);
}

/* ------------------------------------------------------------- checking */

static uint32_t ref_start; /* reference time when the clock read 0 */
static struct {
    uint32_t timeouts, lost, sleep, leaps, off;
    uint32_t first_round;            /* of the first failure */
    const char *first_what;
    int32_t first_value;
    uint32_t worst_latency, sleeps;  /* cycles; sleeps done */
    int32_t skew, skew_min, skew_max, leap_max; /* ms */
} r;

static void fail(uint32_t *counter, uint32_t round, const char *what, int32_t value) {
    if (!r.first_what) {
        r.first_what = what;
        r.first_round = round;
        r.first_value = value;
    }
    ++*counter;
}

/* The loop's clock against the reference, both in whole ms since the start. */
static void check_skew(uint32_t round) {
    uint32_t m = irq_save();
    uint32_t ms = tickless_clock(NULL), ref_ms = (ref_now() - ref_start) / TICK_CYCLES;
    int32_t skew = (int32_t)(ms - ref_ms), leap;
    irq_restore(m);
    leap = skew > r.skew ? skew - r.skew : r.skew - skew;
    if (leap > r.leap_max) r.leap_max = leap;
    if (leap >= 2) fail(&r.leaps, round, "the clock leapt by (ms)", skew - r.skew);
    if (skew < -1 || skew > 1) fail(&r.off, round, "clock minus reference (ms)", skew);
    if (skew < r.skew_min) r.skew_min = skew;
    if (skew > r.skew_max) r.skew_max = skew;
    r.skew = skew;
}

/* Spin, masked, until SysTick's counter wraps; the reference time then and
 * the milliseconds the clock counted up to it. */
static void at_wrap(uint32_t *ref, uint32_t *ms) {
    uint32_t m = irq_save();
    while (!(SCB_ICSR & ICSR_PENDSTSET)) {
    }
    *ref = ref_now();
    *ms = tickless_clock(NULL);
    irq_restore(m);
}

/* ----------------------------------------------------------------- task */

static void consume(void) {
    uint32_t m = irq_save();
    aio_event_clear(&irq_event);
    unseen = 0;
    irq_restore(m);
}

typedef struct {
    aio_task task;
    uint32_t round, slept_from, sleep_ms;
    aio_status rc;
} sweep_t;

static aio_status sweep(aio_task *t) {
    sweep_t *s = AIO_SELF(t, sweep_t);
    AIO_BEGIN(t);
    for (s->round = 0; s->round < ROUNDS; s->round++) {
        AIO_EVENT_WAIT(t, s->rc, &irq_event, AIO_MS(50));
        {
            uint32_t latency = ref_now() - unseen_at;
            if (s->rc != AIO_OK) {
                fail(&r.timeouts, s->round, "a 50 ms wait timed out, return code", s->rc);
            } else {
                if (latency > r.worst_latency) r.worst_latency = latency;
                if (latency > TICK_CYCLES) fail(&r.lost, s->round, "woke late by (cycles)", (int32_t)latency);
            }
        }
        check_skew(s->round);
        if (s->round % 3u == 2u) { /* a deadline nearer than the stretch */
            /* The loop reads its clock once per turn, and this turn may have
             * begun before the spin of the last round: a new one first. */
            AIO_YIELD(t);
            s->sleep_ms = 1u + s->round / 3u % 3u;
            s->slept_from = ref_now();
            AIO_SLEEP(t, AIO_MS(s->sleep_ms));
            {
                uint32_t took = ref_now() - s->slept_from;
                if (took < (s->sleep_ms - 1u) * TICK_CYCLES ||
                    took > s->sleep_ms * TICK_CYCLES + TICK_CYCLES / 2u)
                    fail(&r.sleep, s->round, "a sleep of whole ms took (cycles)", (int32_t)took);
                r.sleeps++;
            }
            check_skew(s->round);
        }
        {
            /* Spin until `lead` cycles before an interrupt; one that comes
             * before that (or came during the sleep) is not the one to wait
             * for: consume it. */
            uint32_t lead = s->round % 2u ? s->round / 2u % 512u : s->round / 2u * 37u % TICK_CYCLES;
            uint32_t target = irq_at + PERIOD - lead;
            consume();
            while ((int32_t)(target - ref_now()) < 0) target += PERIOD;
            while ((int32_t)(target - ref_now()) > 0)
                if (unseen) consume();
        }
    }
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[2];
    static sweep_t task;
    aio_loop loop;
    aio_status rc;
    uint32_t ref0, ms0, ref1, ms1, wall;
    int32_t drift;
    int ok;

    TIMER1_CTRL = 0;
    TIMER1_RELOAD = 0xFFFFFFFFu;
    TIMER1_VALUE = 0xFFFFFFFFu;
    TIMER1_CTRL = 1;
    DUAL1_CTRL = 0;
    DUAL1_LOAD = 2500u - 1u; /* 100 us; see the top of the file */
    DUAL1_CTRL = 0x80u | 0x40u | 0x02u;

    tickless_start();
    ref_start = ref_now();
    aio_loop_init(&loop, timers, 2);
    aio_loop_set_clock(&loop, tickless_clock, NULL);
    aio_loop_set_idle(&loop, tickless_idle, NULL);
    at_wrap(&ref0, &ms0);

    TIMER0_CTRL = 0;
    TIMER0_RELOAD = PERIOD - 1u;
    TIMER0_VALUE = PERIOD - 1u;
    TIMER0_INTCLEAR = 1;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    TIMER0_CTRL = 1u | 8u;
    rc = aio_run(&loop, &task.task, sweep);
    TIMER0_CTRL = 0;
    NVIC_ICER0 = 1u << TIMER0_IRQ;

    at_wrap(&ref1, &ms1);
    wall = (ref1 - ref0) / TICK_CYCLES;
    drift = (int32_t)((ms1 - ms0) * TICK_CYCLES - (ref1 - ref0));
    ok = rc == AIO_OK && aio_loop_destroy(&loop) == AIO_OK && task.round == ROUNDS &&
         !r.timeouts && !r.lost && !r.sleep && !r.leaps && !r.off && tickless_stats.cuts > 0;
    printf("[tickless] %s: %lu waits (idle over the whole tick and in the last 512 cycles before "
           "the interrupt), %lu sleeps of 1-3 ms (%lu stretches cut short): %lu timeouts, %lu lost "
           "wake-ups, %lu sleeps too short or long, %lu clock leaps (largest %ld ms), clock off the "
           "reference by 2 ms or more at %lu checks (from %ld to %ld ms)\n",
           ok ? "ok" : "FAILED", (unsigned long)task.round, (unsigned long)r.sleeps,
           (unsigned long)tickless_stats.cuts, (unsigned long)r.timeouts, (unsigned long)r.lost,
           (unsigned long)r.sleep, (unsigned long)r.leaps, (long)r.leap_max, (unsigned long)r.off,
           (long)r.skew_min, (long)r.skew_max);
    printf("[tickless] over %lu ms the clock drifted %ld cycles from the reference; wake-ups at "
           "most %lu us after the interrupt; %lu wake-ups from WFI, %lu by Timer0\n",
           (unsigned long)wall, (long)drift, (unsigned long)(r.worst_latency / (CPU_HZ / 1000000u)),
           (unsigned long)tickless_stats.wakeups, (unsigned long)tickless_stats.early);
    if (!tickless_stats.cuts)
        printf("[tickless] FAILED: no sleep made the hook cut a stretch short: that path went "
               "untested\n");
    if (r.first_what)
        printf("[tickless] first failure, round %lu: %s %ld\n", (unsigned long)r.first_round,
               r.first_what, (long)r.first_value);
    return ok ? 0 : 1;
}
