/* SPDX-License-Identifier: MIT */
/* firmware: a sensor node on a Cortex-M, on the real timers of an ARM MPS2
 * board (AN385: Cortex-M3, AN386: Cortex-M4; QEMU models both).
 *
 *   - SysTick is the clock: one interrupt per millisecond while the core
 *     works (tickless.h). aio_timeout.h reads it through aio_loop_set_clock.
 *   - Timer0 (a CMSDK APB timer) interrupts every 280 ms: "new sample
 *     ready". Its handler only calls aio_event_set.
 *   - A reader task waits for each sample with a 250 ms timeout, a heartbeat
 *     task blinks every 500 ms, and the session ends by a 1.9 s deadline
 *     that cancels the reader (which reports in its cleanup).
 *   - Tickless idle (tickless.h): when no task is ready, the idle hook
 *     stretches SysTick's period to the next deadline (aio_next_deadline)
 *     and sleeps with WFI; Timer0 wakes it early. SysTick never stops, so
 *     the clock loses no time. The core sleeps through whole stretches
 *     instead of waking every millisecond; the example says how long.
 *
 * Output goes through semihosting (printf); `make test-qemu` runs it. */
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ board */

#define CPU_HZ 25000000u               /* MPS2 system clock; SysTick counts it */

#define REG(addr) (*(volatile uint32_t *)(addr))
#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ICER0 REG(0xE000E180u)
#define TIMER0_CTRL REG(0x40000000u)   /* bit 0 enable, bit 3 interrupt enable */
#define TIMER0_RELOAD REG(0x40000008u)
#define TIMER0_VALUE REG(0x40000004u)
#define TIMER0_INTCLEAR REG(0x4000000Cu)
#define TIMER0_IRQ 8u

static uint32_t irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static void irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0\n\tisb" ::"r"(m) : "memory"); }

/* ------------------------------------------------------- library settings */

/* The ready queue and the signalled-event list are shared with interrupt
 * handlers: guard them by masking interrupts (PRIMASK saved and restored,
 * so the hooks nest and work inside handlers too). */
#define AIO_CRITICAL_ENTER() do { uint32_t aio_irq_mask = irq_save()
#define AIO_CRITICAL_EXIT() irq_restore(aio_irq_mask); } while (0)
#define AIO_TIME_32        /* 32-bit millisecond ticks */
#define AIO_NO_STDLIB      /* the library uses no stdio, stdlib or time.h */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout_core.h"

/* SysTick clock and tickless idle: SysTick_Handler, tickless_clock,
 * tickless_idle (read it: how the clock stays exact through sleeps). */
#include "tickless.h"

/* ---------------------------------------------------------------- Timer0 */

static aio_event sample_ready;
static volatile uint32_t samples_signalled;

void IRQ8_Handler(void); /* Timer0 */
void IRQ8_Handler(void) {
    TIMER0_INTCLEAR = 1;
    samples_signalled++;
    aio_event_set(&sample_ready);
}

/* ------------------------------------------------------------------ tasks */

typedef struct {
    aio_task task;
    int samples, late;
    aio_status rc;
} reader_t;

/* while True: try: async with timeout(0.25): await sample_ready.wait() ... */
static aio_status reader(aio_task *t) {
    reader_t *s = AIO_SELF(t, reader_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_EVENT_WAIT(t, s->rc, &sample_ready, AIO_MS(250));
        if (s->rc == AIO_OK) {
            aio_event_clear(&sample_ready);
            s->samples++;
            printf("[%4lu ms] reader: sample %d\n", (unsigned long)aio_now(), s->samples);
        } else {
            s->late++;
            printf("[%4lu ms] reader: no sample for 250 ms\n", (unsigned long)aio_now());
        }
    }
    AIO_FINALLY(t);
    printf("[%4lu ms] reader: %s after %d samples and %d timeouts\n", (unsigned long)aio_now(),
           AIO_STATUS(t) == AIO_ECANCELED ? "cancelled" : "stopped", s->samples, s->late);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_time next; /* the next blink's instant */
    int on;
} heartbeat_t;

/* Every 500 ms without drift: sleeping until the next instant of the period
 * (not for 500 ms after the work) keeps the blinks on the grid whatever the
 * work or a late wake-up costs; with wrapping ticks next += period stays an
 * instant across the wrap. */
static aio_status heartbeat(aio_task *t) {
    heartbeat_t *s = AIO_SELF(t, heartbeat_t);
    AIO_BEGIN(t);
    s->next = aio_now();
    for (;;) {
        s->next += AIO_MS(500);
        AIO_SLEEP_UNTIL(t, s->next);
        s->on = !s->on;
        printf("[%4lu ms] heartbeat: led %s\n", (unsigned long)aio_now(), s->on ? "on" : "off");
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    reader_t reader;
    heartbeat_t heartbeat;
    aio_status rc;
} app_t;

static aio_status app(aio_task *t) {
    app_t *s = AIO_SELF(t, app_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&s->heartbeat.task, heartbeat));
    AIO_CHECK(t, aio_spawn(&s->reader.task, reader));
    /* the session: at most 1.9 s, then the reader is cancelled and cleans up */
    AIO_WAIT_FOR(t, s->rc, &s->reader.task, AIO_MS(1900));
    printf("[%4lu ms] app: session %s\n", (unsigned long)aio_now(),
           s->rc == AIO_ETIMEDOUT ? "over (1.9 s)" : "ended early");
    aio_cancel(&s->heartbeat.task);
    AIO_AWAIT(t, s->rc, &s->heartbeat.task);
    AIO_RETURN(t, s->reader.samples);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[4]; /* at most one per task waiting with a deadline */
    static app_t a;
    aio_loop loop;
    aio_status samples;
    uint32_t elapsed;

    printf("firmware: SysTick clock, tickless idle, Timer0 interrupt every 280 ms\n");
    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, tickless_clock, NULL);
    aio_loop_set_idle(&loop, tickless_idle, NULL);

    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 280u * TICK_CYCLES - 1u;
    TIMER0_VALUE = 280u * TICK_CYCLES - 1u;
    TIMER0_INTCLEAR = 1;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    TIMER0_CTRL = 1u | 8u;
    tickless_start(); /* time 0 is now */
    samples = aio_run(&loop, &a.task, app);

    TIMER0_CTRL = 0;
    NVIC_ICER0 = 1u << TIMER0_IRQ;
    elapsed = tickless_clock(NULL);
    printf("firmware: %d samples from %lu interrupts in %lu ms\n", samples,
           (unsigned long)samples_signalled, (unsigned long)elapsed);
    printf("firmware: the core slept %lu of %lu ms and woke %lu times (%lu by Timer0);\n"
           "          a 1 kHz tick would have woken it %lu times\n",
           (unsigned long)tickless_stats.slept_ms, (unsigned long)elapsed,
           (unsigned long)tickless_stats.wakeups, (unsigned long)tickless_stats.early,
           (unsigned long)elapsed);
    /* 6 samples, and asleep at least 95% of the time */
    return aio_loop_destroy(&loop) == AIO_OK && samples == 6 &&
                   tickless_stats.slept_ms * 20u >= elapsed * 19u
               ? 0 : 1;
}
