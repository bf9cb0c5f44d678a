/* SPDX-License-Identifier: MIT */
/* tickless.h: SysTick as the loop's millisecond clock, with tickless idle, for
 * a Cortex-M. Used by firmware.c and by tests/embedded/tickless_sweep.c.
 *
 * Include it after aio_timeout.h (built with AIO_TIME_32: one tick = 1 ms),
 * with CPU_HZ (SysTick runs on the processor clock) and irq_save() /
 * irq_restore() (PRIMASK saved, masked, restored) defined. Then:
 *
 *     tickless_start();                                  time 0 is now
 *     aio_loop_set_clock(&loop, tickless_clock, NULL);
 *     aio_loop_set_idle(&loop, tickless_idle, NULL);
 *
 * How it keeps time. SysTick counts down and never stops. When it reaches 0
 * it reloads from RVR, and its interrupt adds the period that just ended to
 * `ticks`. Periods are 1 ms unless the idle hook stretches one: it writes a
 * longer reload, which the counter takes when the current millisecond ends,
 * so that the next period ends at the loop's next deadline. (A sleep thus
 * wakes twice: at the end of that millisecond, then at the deadline or at
 * an interrupt that comes first.) The clock adds to `ticks` the whole
 * milliseconds the running period has gone through, so it is right whenever
 * it is read, also while a long period goes on after an early wake-up.
 *
 * Drift. Writing RVR leaves the count alone: sleeps, of any length, and
 * early wake-ups lose no cycle, and the clock keeps SysTick's phase exactly.
 * One case clears the counter: a task woken early asks for a deadline before
 * the long period ends, and the hook cuts that period short at the next
 * millisecond boundary. The cycles from its first look at the counter to the
 * clear are read off the counter itself and taken off the following tick;
 * what is left is the gap between the last read and the clear (two adjacent
 * instructions), made up by CUT_LAG_CYCLES: the clock can drift by a cycle or
 * so per cut, by nothing otherwise. */
#ifndef TICKLESS_H
#define TICKLESS_H
#include <stdint.h>

#define TICK_CYCLES (CPU_HZ / 1000u)               /* SysTick cycles per millisecond */
#define TICKLESS_MAX_MS (0x1000000u / TICK_CYCLES) /* 24-bit reload: 671 ms at 25 MHz */
#define CUT_MIN_CYCLES 100u /* a cut leaves the counter at least this many cycles */
#define CUT_LAG_CYCLES 1u   /* from reading the counter to clearing it */

#define TICKLESS_REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR TICKLESS_REG(0xE000E010u)
#define SYST_RVR TICKLESS_REG(0xE000E014u)
#define SYST_CVR TICKLESS_REG(0xE000E018u)
#define SCB_ICSR TICKLESS_REG(0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26) /* SysTick's interrupt is pending */

static volatile uint32_t ticks;       /* ms at which the running period began */
static volatile uint32_t period_ms;   /* its length in ms */
static volatile uint32_t next_reload; /* RVR for the period after it, when awake */
static volatile uint32_t stretch_ms;  /* the long period the idle hook last asked for */

/* What the idle hook did (firmware.c prints it). */
static struct {
    uint32_t wakeups, early, slept_ms, cuts;
} tickless_stats;

static void tickless_start(void) {
    SYST_CSR = 0;
    ticks = 0;
    period_ms = 1;
    stretch_ms = 1;
    next_reload = TICK_CYCLES - 1u;
    SYST_RVR = next_reload;
    SYST_CVR = 0; /* count from RVR, 1 ms to the first interrupt */
    SYST_CSR = 7; /* processor clock, interrupt, enable */
}

/* Which reload the counter took at its last reload, from what is left of
 * it (read before it ran a millisecond): a long period starts with more
 * than a millisecond's worth of cycles, a 1 ms one with less. */
static uint32_t tickless_taken(uint32_t left) { return left >= TICK_CYCLES ? stretch_ms : 1u; }

void SysTick_Handler(void);
void SysTick_Handler(void) {
    ticks += period_ms;
    period_ms = tickless_taken(SYST_CVR);
    next_reload = TICK_CYCLES - 1u; /* whole milliseconds after it */
    SYST_RVR = next_reload;
}

/* `ticks` plus the whole milliseconds the running period has gone through. */
static aio_time tickless_clock(void *ctx) {
    uint32_t m = irq_save(), left = SYST_CVR, now = ticks, len = period_ms;
    (void)ctx;
    if (SCB_ICSR & ICSR_PENDSTSET) { /* it ended; its interrupt waits for PRIMASK */
        now += len;
        left = SYST_CVR; /* read again: the first read may be from before the reload */
        len = tickless_taken(left);
    }
    now += (len * TICK_CYCLES - 1u - left) / TICK_CYCLES;
    irq_restore(m);
    return now;
}

/* Cut: end the running long period at the next millisecond boundary (one at
 * least CUT_MIN_CYCLES away), then 1 ms ticks in the same phase as before.
 * Writing CVR clears the counter, which reloads from RVR one cycle later. */
static void tickless_cut(void) {
    uint32_t left = SYST_CVR, read;
    uint32_t passed = period_ms - 1u - (left - 1u) / TICK_CYCLES; /* ms gone through */
    uint32_t edge = (left - 1u) % TICK_CYCLES + 1u;             /* cycles to the next */
    if (edge < CUT_MIN_CYCLES) edge += TICK_CYCLES;
    SYST_RVR = edge - 1u;
    read = SYST_CVR;
    SYST_CVR = read; /* any write clears it */
    ticks += passed;
    period_ms = edge > TICK_CYCLES ? 2u : 1u;
    /* The counter restarted (left - read) + CUT_LAG_CYCLES cycles after the
     * first read, so the period ends that much after the boundary: the tick
     * after it is shorter by as much. (The counter has reloaded by now.) */
    next_reload = TICK_CYCLES - 1u - (left - read + CUT_LAG_CYCLES);
    SYST_RVR = next_reload;
    tickless_stats.cuts++;
}

/* The idle hook. It looks again at the loop's next deadline with interrupts
 * masked (an interrupt may have set an event since aio_run looked: `deadline`
 * is not trusted), and sleeps with WFI still masked: a pending interrupt
 * wakes it, and its handler runs once PRIMASK is restored. */
static void tickless_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m = irq_save();
    aio_time next = aio_next_deadline(loop), now = tickless_clock(NULL);
    uint32_t end = ticks + period_ms; /* when the running period ends */
    (void)ctx;
    (void)deadline;
    if (SCB_ICSR & ICSR_PENDSTSET) { /* a period ended: its interrupt counts it first */
        irq_restore(m);
        return;
    }
    if (next != AIO_NEVER && (int32_t)(next - now) <= 0) { /* work to do */
        irq_restore(m);
        return;
    }
    if (next != AIO_NEVER && (int32_t)(next - end) < 0) {
        tickless_cut(); /* sleep to the next boundary; the loop comes back */
        if ((int32_t)(next - ticks) <= 0) { /* one passed since `now` was read */
            irq_restore(m);
            return;
        }
    } else {
        /* The period after the running one lasts until `next`. If the running
         * one ends meanwhile, the interrupt reads which reload the counter took. */
        uint32_t ms = next == AIO_NEVER ? TICKLESS_MAX_MS : next - end;
        if (ms > TICKLESS_MAX_MS) ms = TICKLESS_MAX_MS;
        if (ms > 1u) {
            stretch_ms = ms;
            SYST_RVR = next_reload + (ms - 1u) * TICK_CYCLES;
        }
    }
    __asm__ volatile("dsb\n\twfi" ::: "memory");
    /* Woken early, before the long reload was taken: none after all. */
    SYST_RVR = next_reload;
    tickless_stats.wakeups++;
    if (!(SCB_ICSR & ICSR_PENDSTSET)) tickless_stats.early++;
    tickless_stats.slept_ms += tickless_clock(NULL) - now;
    irq_restore(m); /* the handler of what woke us runs here */
}

#endif
