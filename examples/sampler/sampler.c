/* SPDX-License-Identifier: MIT */
/* sampler: an interrupt handler feeds a bounded queue, a task drains it, on a
 * Cortex-M (ARM MPS2 board: AN385 Cortex-M3, AN386 Cortex-M4; QEMU models
 * both). asyncio's producer/consumer over an asyncio.Queue, with the producer
 * an interrupt handler:
 *
 *   - Timer0 (a CMSDK APB timer) interrupts every 250 us: a new sample (a
 *     sequence number and a value). Its handler puts it into a 16-item
 *     queue with aio_queue_put_from_isr, which never waits: when the queue
 *     is full the sample is dropped, and the handler counts the drop
 *     (AIO_EFULL) and marks its sequence number.
 *   - The sensor sends BURSTS bursts of BURST samples with a pause after
 *     each (30, 50 and 70 ms; the interrupts stop), then stops.
 *   - A consumer task gets each sample with AIO_QUEUE_GET and a 20 ms
 *     timeout, checks its sequence number and value, and now and then is
 *     busy for a while (writing to flash, say) without yielding: the queue
 *     fills and the handler drops what does not fit. A pause makes its gets
 *     time out; the first timeout of a pause reports the burst.
 *   - It accounts for every sample: each one it did not receive must be one
 *     the handler dropped, none may come twice or out of order, and sent =
 *     received + dropped exactly.
 *   - SysTick is the loop's clock with tickless idle (../firmware/tickless.h):
 *     between samples the core sleeps in WFI and Timer0 wakes it.
 *
 * Exact output: the busy spells are timed on Timer1 (running free at the
 * processor clock) to end half a sample period after the N-th sample that
 * arrives during them, and the samples come half a millisecond tick away
 * from SysTick's interrupts, so what the run prints does not depend on how
 * many instructions a core takes. Output goes through semihosting (printf);
 * `make test-qemu` runs it on the M3, M4 and M0 builds. */
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ board */

#define CPU_HZ 25000000u /* MPS2 system clock; SysTick and the timers count it */

#define REG(addr) (*(volatile uint32_t *)(addr))
#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ICER0 REG(0xE000E180u)
#define TIMER0_CTRL REG(0x40000000u) /* bit 0 enable, bit 3 interrupt enable */
#define TIMER0_VALUE REG(0x40000004u)
#define TIMER0_RELOAD REG(0x40000008u) /* writing it also restarts the count */
#define TIMER0_INTCLEAR REG(0x4000000Cu)
#define TIMER0_IRQ 8u
#define TIMER1_CTRL REG(0x40001000u)
#define TIMER1_VALUE REG(0x40001004u)
#define TIMER1_RELOAD REG(0x40001008u)

static uint32_t irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static void irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0\n\tisb" ::"r"(m) : "memory"); }

/* ------------------------------------------------------- library settings */

/* The queue, the ready queue and the signalled-event list are shared with
 * the interrupt handler: guard them by masking interrupts (PRIMASK saved
 * and restored, so the sections nest and work inside the handler too). */
#define AIO_CRITICAL_ENTER() do { uint32_t aio_irq_mask = irq_save()
#define AIO_CRITICAL_EXIT() irq_restore(aio_irq_mask); } while (0)
#define AIO_TIME_32   /* 32-bit millisecond ticks */
#define AIO_NO_STDLIB /* the library uses no stdio, stdlib or time.h */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout_core.h"

/* SysTick clock and tickless idle, as in the firmware example. */
#include "../firmware/tickless.h"

/* --------------------------------------------------------------- settings */

#define PERIOD_CYCLES (CPU_HZ / 4000u) /* a sample every 250 us */
#define QUEUE_LEN 16u
#define BURST 2000u                    /* samples in a burst */
#define BURSTS 4u
#define TOTAL (BURST * BURSTS)
#define GET_TIMEOUT_MS 20u
static const uint32_t pause_ms[BURSTS - 1u] = {30u, 50u, 70u}; /* after bursts 1-3 */

/* Busy spells: on receiving a sample whose number is 50 modulo 100, the
 * consumer works for the time of busy_samples[(n / 100) % 8] samples. The
 * queue is empty then, so more than QUEUE_LEN of them drop the rest. */
static const uint32_t busy_samples[8] = {0u, 8u, 16u, 17u, 24u, 40u, 12u, 30u};

/* ------------------------------------------------- Timer0: the producer */

typedef struct {
    uint32_t seq;
    int32_t value;
} sample_t;

static aio_queue samples;
static sample_t storage[QUEUE_LEN];

static volatile uint32_t sent, dropped, refused; /* refused: a status but OK or EFULL */
static volatile uint32_t dropped_mark[(TOTAL + 31u) / 32u]; /* bit n: sample n was dropped */
static volatile uint8_t producer_done;

/* The sensor's reading for sample n: any value the consumer can check. */
static int32_t sensor(uint32_t n) { return (int32_t)((n * 2654435761u) >> 20) - 2048; }

/* Interrupts every `cycles` from the one being handled on. Writing RELOAD
 * restarts the count, and so does writing VALUE: set the period, then the
 * count, less the cycles it ran since the interrupt (the few between the
 * read and the write are lost: the samples move by them after each pause,
 * far less than the margins above). */
static void timer0_period(uint32_t cycles) {
    uint32_t gone = TIMER0_RELOAD - TIMER0_VALUE;
    TIMER0_RELOAD = cycles - 1u;
    TIMER0_VALUE = cycles - 1u - gone;
}

void IRQ8_Handler(void); /* Timer0 */
void IRQ8_Handler(void) {
    sample_t s;
    aio_status rc;
    uint32_t n = sent;
    TIMER0_INTCLEAR = 1;
    s.seq = n;
    s.value = sensor(n);
    rc = aio_queue_put_from_isr(&samples, &s);
    if (rc == AIO_EFULL) {
        dropped++;
        dropped_mark[n / 32u] |= 1u << (n % 32u);
    } else if (rc != AIO_OK) {
        refused++;
    }
    sent = ++n;
    if (n == TOTAL) {
        TIMER0_CTRL = 0; /* the sensor is done */
        producer_done = 1;
    } else if (n % BURST == 0u) {
        timer0_period(pause_ms[n / BURST - 1u] * TICK_CYCLES); /* a pause */
    } else if (n % BURST == 1u && n > 1u) {
        timer0_period(PERIOD_CYCLES); /* the first sample after a pause */
    }
}

static int was_dropped(uint32_t n) { return (dropped_mark[n / 32u] >> (n % 32u)) & 1u; }

/* Busy without yielding, for `cycles` of Timer1 (running free, counting down). */
static void busy_for(uint32_t cycles) {
    uint32_t start = TIMER1_VALUE;
    while (start - TIMER1_VALUE < cycles) {
    }
}

/* ---------------------------------------------------- the consumer task */

typedef struct {
    aio_task task;
    sample_t s;
    aio_status rc;
    uint32_t expect;              /* the next sequence number */
    uint32_t received, missed;    /* missed: numbers skipped, each a drop */
    uint32_t lost, wrong;         /* skipped but not dropped; twice, out of order, bad value */
    uint32_t timeouts, quiet;     /* quiet: timeouts since the last sample */
    uint32_t busy_spells, bursts;
} consumer_t;

static void report(const consumer_t *c, const char *what) {
    printf("[%4lu ms] consumer: %s: %lu sent, %lu received, %lu dropped (queue full), %lu lost\n",
           (unsigned long)aio_now(), what, (unsigned long)sent, (unsigned long)c->received,
           (unsigned long)dropped, (unsigned long)c->lost);
}

/* Check sample c->s against the numbers before it. */
static void check(consumer_t *c) {
    uint32_t n = c->s.seq;
    if (n < c->expect || n >= TOTAL || was_dropped(n) || c->s.value != sensor(n)) {
        c->wrong++;
        return;
    }
    for (; c->expect < n; c->expect++) { /* skipped: each must have been dropped */
        if (was_dropped(c->expect)) c->missed++;
        else c->lost++;
    }
    c->expect = n + 1u;
    c->received++;
}

/* async def consumer(): while True: try: s = await wait_for(q.get(), 0.02) ... */
static aio_status consumer(aio_task *t) {
    consumer_t *c = AIO_SELF(t, consumer_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_QUEUE_GET(t, c->rc, &samples, &c->s, AIO_MS(GET_TIMEOUT_MS));
        if (c->rc == AIO_ETIMEDOUT) {
            c->timeouts++;
            if (producer_done && aio_queue_empty(&samples)) break;
            if (c->quiet++ == 0u) {
                c->bursts++;
                report(c, "no sample for 20 ms, burst over");
            } else {
                printf("[%4lu ms] consumer: no sample for 20 ms\n", (unsigned long)aio_now());
            }
            continue;
        }
        if (c->rc != AIO_OK) break;
        c->quiet = 0;
        check(c);
        if (c->s.seq % 100u == 50u && busy_samples[(c->s.seq / 100u) % 8u] > 0u) {
            /* busy until half a period after the N-th sample from now */
            c->busy_spells++;
            busy_for(busy_samples[(c->s.seq / 100u) % 8u] * PERIOD_CYCLES + PERIOD_CYCLES / 2u);
        }
    }
    for (; c->expect < TOTAL; c->expect++) { /* the last ones, if dropped */
        if (was_dropped(c->expect)) c->missed++;
        else c->lost++;
    }
    report(c, "no sample for 20 ms, sensor done");
    AIO_RETURN(t, (aio_status)c->received);
    AIO_END(t);
}

/* The drops the busy spells must cause: each spell of N samples' time
 * fills the empty queue and drops N - QUEUE_LEN. */
static uint32_t drops_expected(void) {
    uint32_t n, sum = 0;
    for (n = 0; n < TOTAL; n++) {
        uint32_t busy = busy_samples[(n / 100u) % 8u];
        if (n % 100u == 50u && busy > QUEUE_LEN) sum += busy - QUEUE_LEN;
    }
    return sum;
}

int main(void) {
    static aio_timer timers[2];
    static consumer_t c;
    aio_loop loop;
    aio_status rc;
    uint32_t want_drops = drops_expected();
    int ok;

    printf("sampler: Timer0 interrupt every 250 us puts samples into a %u-item queue; "
           "%u bursts of %u\n", (unsigned)QUEUE_LEN, (unsigned)BURSTS, (unsigned)BURST);
    aio_queue_init(&samples, storage, sizeof storage[0], QUEUE_LEN, QUEUE_LEN);
    aio_loop_init(&loop, timers, 2);
    aio_loop_set_clock(&loop, tickless_clock, NULL);
    aio_loop_set_idle(&loop, tickless_idle, NULL);

    TIMER1_CTRL = 0;
    TIMER1_RELOAD = 0xFFFFFFFFu; /* free-running: busy_for's reference */
    TIMER1_CTRL = 1u;
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = PERIOD_CYCLES - 1u;
    TIMER0_VALUE = PERIOD_CYCLES / 2u - 1u; /* the first sample half a period from now */
    TIMER0_INTCLEAR = 1;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    TIMER0_CTRL = 1u | 8u;
    tickless_start(); /* time 0 is now: samples come at 0.125, 0.375, ... ms */
    rc = aio_run(&loop, &c.task, consumer);

    TIMER0_CTRL = 0;
    TIMER1_CTRL = 0;
    NVIC_ICER0 = 1u << TIMER0_IRQ;
    printf("sampler: %lu sent, %lu received, %lu dropped by the handler (%lu expected from "
           "%lu busy spells), %lu skipped numbers all dropped, %lu lost, %lu wrong, %lu refused\n",
           (unsigned long)sent, (unsigned long)c.received, (unsigned long)dropped,
           (unsigned long)want_drops, (unsigned long)c.busy_spells, (unsigned long)c.missed,
           (unsigned long)c.lost, (unsigned long)c.wrong, (unsigned long)refused);
    printf("sampler: %lu timeouts in %lu pauses and at the end\n", (unsigned long)c.timeouts,
           (unsigned long)c.bursts);
    ok = rc == (aio_status)c.received && sent == TOTAL && sent == c.received + dropped &&
         dropped == want_drops && c.missed == dropped && c.lost == 0u && c.wrong == 0u &&
         refused == 0u && c.timeouts == 7u && aio_loop_destroy(&loop) == AIO_OK;
    printf("sampler: %s\n", ok ? "every sample accounted for" : "FAILED");
    return ok ? 0 : 1;
}
