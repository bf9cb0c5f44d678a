/* SPDX-License-Identifier: MIT */
/* The RTC clock and tickless idle hook of examples/firmware/rtc_tickless.h,
 * included as it is, against a model of the nRF5x RTC on the host: the
 * counter follows the model's CPU cycles (64 MHz, 1953.125 cycles a count),
 * and every register access, by the hook, the clock or the RTC's interrupt
 * handler, costs `step` cycles, so the reads land at every phase of a count
 * as `step` changes from round to round. The model is strict where the part
 * is loose: a compare written while the counter reads N fires for N + 2 on,
 * never for N or N + 1; an event sets its interrupt pending, which runs once
 * PRIMASK is lifted (between any two accesses, as on the core); WFI with
 * interrupts masked advances to the next pending one (the compare, the
 * overflow, or the "sensor", an outside interrupt the test schedules).
 *
 * A task runs ROUNDS rounds, each one of:
 *   - a sleep of 0 to 5 counts, or up to 40 ms (the near deadlines: the
 *     awake path, the compare two counts ahead);
 *   - a wait for the sensor's event with a timeout, the sensor firing before
 *     the deadline, at it, or after it;
 *   - a sleep of 300 s (beyond the compare's reach: it wakes at 256 s and
 *     sleeps again);
 *   - a sleep to a few counts before the counter's overflow, then 48 reads
 *     of the clock across it (an overflow between the reads of one clock
 *     read, its interrupt held by the mask).
 * An interrupt may also land as a mask is taken (just before it).
 * The counter starts 2,000 counts before its 24-bit overflow, and the 300 s
 * sleeps (one round in 61) take the clock through its 32-bit wrap (36.4 hours).
 * Failures (any: exit 1), each counted:
 *   early    a sleep or a timeout ended before its deadline, in true counts
 *   late     ... or later than one count and the register accesses from
 *            the interrupt to the task (16 at most, `step` cycles each)
 *   missed   a wait for the sensor ended later than that after it fired,
 *            or timed out although it fired before the deadline
 *   clock    the clock read a value the true count did not have while it
 *            was read, or went backwards
 *   stuck    WFI with no interrupt that could ever come (a sleep forever)
 * Built and run by tests/checks/embedded.sh (make test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef ROUNDS
#define ROUNDS 30000u
#endif
#define CPU_HZ 64000000u

/* ------------------------------------------------------------ the model */

static uint64_t cycles;    /* the model's CPU time */
static uint64_t rtc_base;      /* the true count when the counter was cleared */
static uint32_t step = 7;  /* cycles a register access takes */
static int masked;
static struct {
    uint32_t cc, inten, evt_ovf, evt_cmp;
    uint64_t cmp_at;        /* the true count the compare fires at next; 0: none */
    uint64_t seen;          /* true count up to which events were raised */
    int started;
} rtc;
static uint64_t sensor_at = UINT64_MAX; /* the true count the sensor fires at */
static int sensor_pending;
static unsigned model_stuck;

static uint64_t true_count(void) { return cycles * 32768u / CPU_HZ; }
static uint64_t counter_of(uint64_t t) { return (t - rtc_base) & 0xFFFFFFu; }

/* Raise what happened up to now. */
static void raise_events(void) {
    uint64_t now = true_count();
    if (now <= rtc.seen) return;
    if (rtc.started && ((now - rtc_base) >> 24) != ((rtc.seen - rtc_base) >> 24)) rtc.evt_ovf = 1;
    if (rtc.cmp_at && now >= rtc.cmp_at) {
        rtc.evt_cmp = 1;
        while (rtc.cmp_at <= now) rtc.cmp_at += 1u << 24; /* it fires again each round of the counter */
    }
    if (now >= sensor_at) {
        sensor_pending = 1;
        sensor_at = UINT64_MAX;
    }
    rtc.seen = now;
}

static uint32_t irq_save(void);
static void irq_restore(uint32_t m);
void RTC1_IRQHandler(void);
static void sensor_handler(void);

static void deliver(void) {
    while (!masked) {
        if ((rtc.evt_ovf && (rtc.inten & 2u)) || (rtc.evt_cmp && (rtc.inten & (1u << 16)))) {
            masked = 1; /* (a handler runs with lower-priority interrupts held) */
            RTC1_IRQHandler();
            masked = 0;
        } else if (sensor_pending) {
            sensor_pending = 0;
            masked = 1;
            sensor_handler();
            masked = 0;
        } else {
            break;
        }
    }
}

static void tick(void) {
    cycles += step;
    raise_events();
    deliver();
}

static uint32_t rtc_read(uint32_t offset) {
    tick();
    switch (offset) {
    case 0x104u: return rtc.evt_ovf;
    case 0x140u: return rtc.evt_cmp;
    case 0x504u: return (uint32_t)counter_of(true_count());
    case 0x540u: return rtc.cc;
    default: fprintf(stderr, "model: read of %#x\n", (unsigned)offset); exit(2);
    }
}

static void rtc_write(uint32_t offset, uint32_t value) {
    tick();
    switch (offset) {
    case 0x000u: rtc.started = 1; rtc.seen = true_count(); break;
    case 0x008u: rtc_base = true_count(); rtc.seen = rtc_base; break;
    case 0x104u: rtc.evt_ovf = value; break;
    case 0x140u: rtc.evt_cmp = value; break;
    case 0x304u: rtc.inten |= value; break;
    case 0x508u: break; /* prescaler 0 */
    case 0x540u: {
        uint64_t now = true_count();
        uint64_t ahead = (value - counter_of(now)) & 0xFFFFFFu;
        if (ahead < 2u) ahead += 1u << 24; /* N and N + 1: not this round */
        rtc.cc = value;
        rtc.cmp_at = now + ahead;
        break;
    }
    default: fprintf(stderr, "model: write of %#x\n", (unsigned)offset); exit(2);
    }
}

static uint32_t irq_save(void) {
    uint32_t m = (uint32_t)masked;
    if (!m) tick(); /* (an interrupt may land just before the mask) */
    masked = 1;
    return m;
}
static void irq_restore(uint32_t m) {
    masked = (int)m;
    deliver();
}

/* WFI, masked: on to the first interrupt that can come. */
static void rtc_sleep(void) {
    uint64_t until = UINT64_MAX, now = true_count();
    uint64_t next_ovf = rtc_base + (((now - rtc_base) >> 24) + 1u) * (1u << 24);
    if (rtc.inten & 2u) until = next_ovf;
    if ((rtc.inten & (1u << 16)) && rtc.cmp_at && rtc.cmp_at < until) until = rtc.cmp_at;
    if (sensor_at < until) until = sensor_at;
    if ((rtc.evt_ovf && (rtc.inten & 2u)) || (rtc.evt_cmp && (rtc.inten & (1u << 16))) || sensor_pending)
        return; /* one is pending already: WFI returns at once */
    if (until == UINT64_MAX) {
        if (++model_stuck > 1000u) {
            printf("[rtc] FAILED: WFI with no interrupt that can come, 1000 times: stopped\n");
            exit(1);
        }
        return;
    }
    /* the first cycle at which the true count reaches `until` */
    cycles = (until * CPU_HZ + 32767u) / 32768u;
    raise_events();
}

#define RTC_READ(offset) rtc_read(offset)
#define RTC_WRITE(offset, value) rtc_write((offset), (value))

#define AIO_CRITICAL_ENTER() do { uint32_t aio_irq_mask = irq_save()
#define AIO_CRITICAL_EXIT() irq_restore(aio_irq_mask); } while (0)
#define AIO_TIME_32
#define AIO_TICKS_PER_SEC 32768u
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout_core.h"
#include "../../examples/firmware/rtc_tickless.h"

/* ------------------------------------------------------------- checking */

static struct {
    unsigned early, late, missed, clock, rounds[5];
    const char *first;
    uint32_t first_round;
    long long first_value;
} r;
static uint64_t start_true; /* the true count when the clock read 0 */

static void fail(unsigned *counter, const char *what, uint32_t round, long long value) {
    if (!r.first) {
        r.first = what;
        r.first_round = round;
        r.first_value = value;
    }
    ++*counter;
}

/* The true count since the clock's 0, in the clock's 32 bits. */
static aio_time true_now(void) { return (aio_time)(true_count() - start_true); }

static aio_time last_clock;
static void check_clock(uint32_t round) {
    aio_time before = true_now(), c = rtc_clock(NULL), after = true_now();
    /* (a value the true count had while the clock was read) */
    if ((aio_stime)(c - before) < 0) fail(&r.clock, "the clock behind the true count by", round, (aio_stime)(before - c));
    if ((aio_stime)(after - c) < 0) fail(&r.clock, "the clock ahead of the true count by", round, (aio_stime)(c - after));
    if ((aio_stime)(c - last_clock) < 0) fail(&r.clock, "the clock went back by", round, (aio_stime)(last_clock - c));
    last_clock = c;
}

static aio_event sensor_event;
static uint64_t sensor_fired; /* the true count it fired at */
static void sensor_handler(void) {
    sensor_fired = true_count();
    aio_event_set(&sensor_event);
}

/* Counts a wake-up may take past its interrupt: one, and the register
 * accesses from the interrupt to the task's resumption (the handler's, the
 * hook's, the turn's clock read: 16 at most), each `step` cycles long. */
static aio_stime slack(void) { return (aio_stime)(1u + (16u * step * 32768u + CPU_HZ - 1u) / CPU_HZ); }

/* A wait of d counts that began at the clock's `from` (the loop's turn) ended
 * now: never before its deadline, and at most slack() counts after it. */
static void check_deadline(uint32_t round, aio_time from, aio_time d) {
    aio_stime past = (aio_stime)(true_now() - (aio_time)(from + d));
    if (past < 0) fail(&r.early, "a deadline ended early by (counts)", round, -past);
    if (past > slack()) fail(&r.late, "a deadline ended late by (counts)", round, past);
}

typedef struct {
    aio_task task;
    uint32_t round, kind;
    aio_time from, d;
    uint64_t from_true; /* the true count when the clock read `from` */
    aio_status rc;
} sweep_t;

static uint32_t rnd_state = 12345u;
static uint32_t rnd(void) {
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static aio_status sweep(aio_task *t) {
    sweep_t *s = AIO_SELF(t, sweep_t);
    AIO_BEGIN(t);
    for (s->round = 0; s->round < ROUNDS; s->round++) {
        step = 1u + rnd() % 2000u;           /* where the reads land in a count */
        cycles += rnd() % 4000u;             /* and where the loop goes idle */
        raise_events();
        deliver();
        AIO_YIELD(t);                        /* a turn that reads the clock now */
        check_clock(s->round);
        s->kind = s->round % 61u == 60u ? 3u : s->round % 61u == 30u ? 4u : rnd() % 3u;
        r.rounds[s->kind]++;
        s->from = aio_now();
        s->from_true = true_count() - (aio_time)(true_now() - s->from);
        if (s->kind == 0) { /* a near deadline */
            s->d = rnd() % 2u ? rnd() % 6u : (aio_time)(rnd() % 1311u);
            AIO_SLEEP(t, s->d);
            check_deadline(s->round, s->from, s->d ? s->d : 0);
        } else if (s->kind == 1 || s->kind == 2) { /* the sensor: before, at or after the timeout */
            s->d = (aio_time)(2u + rnd() % 3000u);
            sensor_fired = 0;
            aio_event_clear(&sensor_event); /* (first: its mask may let the sensor in) */
            sensor_at = s->from_true + rnd() % (2u * s->d + 4u);
            if (sensor_at <= true_count()) sensor_at = true_count() + 1u;
            AIO_EVENT_WAIT(t, s->rc, &sensor_event, s->d);
            if (s->rc == AIO_OK) {
                uint64_t now = true_count();
                if (!sensor_fired) fail(&r.missed, "woke with no sensor interrupt", s->round, 0);
                else if ((aio_stime)(now - sensor_fired) > slack())
                    fail(&r.missed, "woke late after the sensor by (counts)", s->round, (long long)(now - sensor_fired));
            } else {
                if (s->rc != AIO_ETIMEDOUT) fail(&r.missed, "a wait ended with", s->round, s->rc);
                if (sensor_fired && sensor_fired + 1u < s->from_true + s->d)
                    fail(&r.missed, "timed out although the sensor fired before its deadline (counts before)",
                         s->round, (long long)(s->from_true + s->d - sensor_fired));
                check_deadline(s->round, s->from, s->d);
            }
            sensor_at = UINT64_MAX; /* (one that did not fire: not later) */
            sensor_pending = 0;
        } else if (s->kind == 4) { /* to just before the counter's overflow, then reads across it */
            s->d = (aio_time)((1u << 24) - counter_of(true_count()) - rnd() % 24u);
            AIO_SLEEP(t, s->d);
            check_deadline(s->round, s->from, s->d);
            for (s->d = 0; s->d < 48u; s->d++) {
                step = 1u + rnd() % 700u;
                check_clock(s->round);
            }
        } else { /* beyond the compare's reach */
            s->d = AIO_SEC(300);
            AIO_SLEEP(t, s->d);
            check_deadline(s->round, s->from, s->d);
        }
        check_clock(s->round);
    }
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[4];
    static sweep_t s;
    aio_loop loop;
    aio_status rc;
    unsigned bad;
    cycles = (uint64_t)CPU_HZ * 1000u; /* any phase */
    raise_events();
    rtc_start();
    start_true = rtc_base;
    cycles += ((1u << 24) - 2000u) * (uint64_t)CPU_HZ / 32768u; /* 2,000 counts before the overflow */
    raise_events();
    deliver();
    start_true = rtc_base; /* (the clock counts from the clear) */
    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, rtc_clock, NULL);
    aio_loop_set_idle(&loop, rtc_idle, NULL);
    rc = aio_run(&loop, &s.task, sweep);
    bad = r.early + r.late + r.missed + r.clock + model_stuck + (rc != AIO_OK);
    printf("[rtc] %s: %u rounds (%u near sleeps, %u sensor waits, %u of 300 s, %u across an overflow), %.1f hours, the clock %s its 32-bit wrap; "
           "the hook slept %u times, woke early %u times, stayed awake %u times; early %u, late %u, missed %u, clock %u, stuck %u\n",
           bad ? "FAILED" : "ok", (unsigned)ROUNDS, r.rounds[0], r.rounds[1] + r.rounds[2], r.rounds[3], r.rounds[4],
           (double)(true_count() - start_true) / 32768.0 / 3600.0,
           true_count() - start_true > 0xFFFFFFFFu ? "went through" : "did not reach", rtc_stats.sleeps, rtc_stats.early,
           rtc_stats.awake, r.early, r.late, r.missed, r.clock, model_stuck);
    if (r.first)
        printf("[rtc] first failure, round %u: %s %lld\n", (unsigned)r.first_round, r.first, r.first_value);
    if (rc != AIO_OK) printf("[rtc] the run ended with %d\n", rc);
    return bad != 0 || true_count() - start_true <= 0xFFFFFFFFu || !rtc_stats.early || !rtc_stats.awake;
}
