/* SPDX-License-Identifier: MIT */
/* Interrupt safety of aio_event_set and aio_queue_put_from_isr, the calls
 * the header documents as safe from an interrupt handler.
 *
 * 1. Interleaving (host and Cortex-M). The header's critical sections are
 *    the places where an interrupt can meet the loop's shared state, so
 *    AIO_CRITICAL_ENTER/EXIT are instrumented here: every entry and exit, the
 *    idle hook's entry and its sleep are numbered "opportunities". For each
 *    opportunity k in turn a fresh run raises the interrupt at k, and the
 *    outcome is checked against what must happen: a waiter wakes at the very
 *    instant the handler ran (no lost wake-up, no wait for the next
 *    deadline), or times out if the handler ran after its deadline. The
 *    same again with a queue: the handler puts an item, and one getter with
 *    a timeout takes it at that instant (none lost, none taken twice). On a
 *    Cortex-M the interrupt is a real exception (PendSV), held off by PRIMASK
 *    inside critical sections exactly as hardware does; on the host a small
 *    model of PRIMASK and a pending flag does the same.
 * 2. Real interrupts (Cortex-M only). SysTick runs the clock at 1 kHz and
 *    sets an event every 7 ms from its handler while a task waits on it with
 *    a 20 ms timeout; then a storm of interrupts (every 40 us, three events)
 *    hits the loop while tasks wait, time out and yield; afterwards each
 *    event must still wake its waiter at once. (QEMU takes interrupts between
 *    translated blocks; make test-qemu also runs this with -singlestep, so
 *    they can land between any two instructions.)
 *
 * Prints one line per check and ends with "N passed, N failed". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------- platform */

static void run_isr(void);

#if defined(__arm__)
#define ON_TARGET 1
#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_ICSR REG(0xE000ED04u)
#define ICSR_PENDSVSET (1u << 28)
#ifndef CPU_HZ
#define CPU_HZ 25000000u /* MPS2: 25 MHz */
#endif

static uint32_t irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static void irq_restore(uint32_t m) {
    __asm__ volatile("msr primask, %0\n\tisb" ::"r"(m) : "memory");
}
/* A software-triggered exception: taken at once when interrupts are on,
 * held pending while PRIMASK is set. */
static void irq_raise(void) {
    SCB_ICSR = ICSR_PENDSVSET;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}
static int irq_is_pending(void) { return (SCB_ICSR & ICSR_PENDSVSET) != 0; }
void PendSV_Handler(void);
void PendSV_Handler(void) { run_isr(); }
#else
/* The host's model of the same: PRIMASK and a pending bit. */
static uint32_t primask, pending;
static uint32_t irq_save(void) {
    uint32_t m = primask;
    primask = 1;
    return m;
}
static void irq_restore(uint32_t m) {
    primask = m;
    if (!primask && pending) {
        pending = 0;
        run_isr();
    }
}
static void irq_raise(void) {
    if (primask)
        pending = 1;
    else
        run_isr();
}
static int irq_is_pending(void) { return pending != 0; }
#endif

/* --------------------------------------------- instrumented critical section */

static unsigned opportunities, fire_at; /* fire_at 0: never */
static volatile int in_isr;

static void opportunity(void) {
    if (!in_isr && ++opportunities == fire_at) irq_raise();
}
static uint32_t critical_enter(void) {
    uint32_t m;
    opportunity(); /* just before interrupts go off */
    m = irq_save();
    opportunity(); /* inside: the handler must wait for the exit */
    return m;
}
static void critical_exit(uint32_t m) {
    irq_restore(m);
    opportunity(); /* just after they come back */
}
#define AIO_CRITICAL_ENTER() do { uint32_t isr_test_mask = critical_enter()
#define AIO_CRITICAL_EXIT() critical_exit(isr_test_mask); } while (0)

#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout_core.h"

static unsigned passed, failed;
static void report(int ok, const char *name, const char *detail) {
    if (ok)
        passed++;
    else
        failed++;
    printf("[isr] %s %s%s%s\n", ok ? "ok:" : "FAILED:", name, detail[0] ? ": " : "", detail);
}

/* ------------------------------------------------------------ 1. interleaving */

static aio_event ev;
/* The same with a queue fed from the handler (aio_queue_put_from_isr) and
 * one getter: the item reaches it as the set reaches an event's waiter. */
static int with_queue;
static aio_queue isr_q;
static uint8_t isr_q_places[4];
static aio_time fake_now;   /* the clock of part 1: moves only in the idle hook */
static aio_time isr_time;   /* when the handler ran */
static unsigned isr_runs;
static unsigned idle_calls;
static int slept_forever;
static void (*isr_body)(void);

static void run_isr(void) {
    in_isr = 1;
    if (isr_body) isr_body();
    in_isr = 0;
}

static void interleave_isr(void) {
    isr_runs++;
    isr_time = fake_now;
    if (with_queue) {
        uint8_t item = 42;
        (void)aio_queue_put_from_isr(&isr_q, &item);
    } else {
        aio_event_set(&ev);
    }
}

static aio_time fake_clock(void *ctx) {
    (void)ctx;
    return fake_now;
}

/* Tickless idle as firmware writes it: interrupts off, look again (an event
 * may have been set since aio_run looked), sleep until the next deadline or
 * an interrupt, interrupts on (the pending handler runs there). */
static void fake_wfi_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m;
    aio_time next;
    (void)ctx;
    (void)deadline;
    opportunity(); /* between aio_run's look and this hook */
    m = irq_save();
    next = aio_next_deadline(loop);
    if (++idle_calls > 1000) {
        slept_forever = 1; /* the run is looping: stop it */
        fake_now = (aio_time)(fake_now + AIO_SEC(3600));
    } else if (!irq_is_pending() && (next == AIO_NEVER || (aio_stime)(next - fake_now) > 0)) {
        /* WFI: wakes at the deadline, or earlier when an interrupt comes */
        if (!in_isr && ++opportunities == fire_at) {
            fake_now = (aio_time)(fake_now + (next == AIO_NEVER ? AIO_MS(1000) : (next - fake_now) / 2));
            irq_raise(); /* pending until interrupts are on again */
        } else if (next == AIO_NEVER) {
            slept_forever = 1; /* nothing would ever wake the core */
            fake_now = (aio_time)(fake_now + AIO_SEC(3600));
        } else {
            fake_now = next;
        }
    }
    irq_restore(m);
}

typedef struct {
    aio_task task;
    aio_time start, wait;
    aio_time woke; /* elapsed since the run started */
    aio_status rc;
    uint8_t item;
} waiter_t;

typedef struct {
    aio_task task, ticker;
    waiter_t w1, w2;
    int i;
    aio_status rc;
} scenario_t;

static scenario_t sc;
static aio_time run_start;

static aio_status waiter(aio_task *t) {
    waiter_t *s = AIO_SELF(t, waiter_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->start);
    if (with_queue)
        AIO_QUEUE_GET(t, s->rc, &isr_q, &s->item, s->wait);
    else
        AIO_EVENT_WAIT(t, s->rc, &ev, s->wait);
    s->woke = (aio_time)(aio_now() - run_start);
    AIO_END(t);
}

static aio_status ticker(aio_task *t) {
    AIO_BEGIN(t);
    for (sc.i = 0; sc.i < 7; sc.i++) AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

static aio_status scenario(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&sc.w1.task, waiter));
    if (!with_queue) AIO_CHECK(t, aio_spawn(&sc.w2.task, waiter));
    AIO_CHECK(t, aio_spawn(&sc.ticker, ticker));
    AIO_AWAIT(t, sc.rc, &sc.w1.task);
    if (!with_queue) AIO_AWAIT(t, sc.rc, &sc.w2.task);
    AIO_AWAIT(t, sc.rc, &sc.ticker);
    AIO_END(t);
}

/* What waiter w must report when the handler ran at `fired` (elapsed time;
 * AIO_NEVER: it never ran). 0 if it did, else a description of the fault. */
static const char *judge(const waiter_t *w, aio_time fired) {
    aio_time deadline = (aio_time)(w->start + w->wait);
    int before = fired != AIO_NEVER && (aio_stime)(fired - deadline) < 0;
    int at = fired != AIO_NEVER && fired == deadline;
    aio_time expect_woke = fired != AIO_NEVER && (aio_stime)(fired - w->start) > 0 ? fired : w->start;
    if (before || (at && w->rc == AIO_OK)) {
        if (w->rc != AIO_OK) return "the interrupt (a set, a put) came before the deadline but the wait timed out";
        if (w->woke != expect_woke) return "the waiter woke later than the interrupt";
    } else {
        if (w->rc != AIO_ETIMEDOUT) return "the wait ended without the interrupt's set or put";
        if (w->woke != deadline) return "the timeout fired at the wrong time";
    }
    return 0;
}

/* One run with the interrupt at opportunity k (0: none). Returns the number
 * of opportunities the run went through; *fault names what went wrong. */
static unsigned interleave_run(unsigned k, const char **fault) {
    aio_loop loop;
    static aio_timer timers[8];
    aio_status rc;
    aio_time fired;
    memset(&sc, 0, sizeof sc);
    memset(&ev, 0, sizeof ev);
    if (aio_queue_init(&isr_q, isr_q_places, 1, sizeof isr_q_places, 0) != AIO_OK) {
        *fault = "the queue could not be made";
        return 0;
    }
    opportunities = 0;
    fire_at = k;
    isr_runs = 0;
    idle_calls = 0;
    slept_forever = 0;
    /* the clock wraps 33 ms into the run; no deadline lands on its two
     * reserved values, which would make it fire a tick late */
    fake_now = (aio_time)((aio_time)0 - AIO_MS(33));
    run_start = fake_now;
    isr_body = interleave_isr;
    aio_loop_init(&loop, timers, 8);
    aio_loop_set_clock(&loop, fake_clock, NULL);
    aio_loop_set_idle(&loop, fake_wfi_idle, NULL);
    sc.w1.start = 0;
    sc.w1.wait = AIO_MS(45);
    sc.w2.start = AIO_MS(20);
    sc.w2.wait = AIO_MS(30);
    rc = aio_run(&loop, &sc.task, scenario);
    isr_body = 0;
    fired = isr_runs ? (aio_time)(isr_time - run_start) : AIO_NEVER;
    *fault = 0;
    if (slept_forever) *fault = "the core went to sleep with nothing to wake it";
    else if (rc != AIO_OK) *fault = "the run failed";
    else if (isr_runs != (k && k <= opportunities ? 1u : 0u)) *fault = "the handler ran the wrong number of times";
    else if ((*fault = judge(&sc.w1, fired)) != 0) {
    } else if (!with_queue && (*fault = judge(&sc.w2, fired)) != 0) {
    } else if ((aio_time)(fake_now - run_start) != AIO_MS(70)) *fault = "the run ended at the wrong time";
    else if (!with_queue && aio_event_is_set(&ev) != (isr_runs != 0)) *fault = "the event lost its state";
    else if (with_queue && sc.w1.rc == AIO_OK && sc.w1.item != 42) *fault = "the getter took a wrong item";
    else if (with_queue && aio_queue_qsize(&isr_q) != (isr_runs && sc.w1.rc != AIO_OK ? 1u : 0u))
        *fault = "the item was lost or taken twice";
    else if (aio_loop_destroy(&loop) != AIO_OK) *fault = "tasks were left alive";
    return opportunities;
}

static void test_interleaving(const char *name) {
    const char *fault = 0;
    char detail[160];
    unsigned k, total = interleave_run(0, &fault), bad = 0, first_bad = 0;
    const char *first_fault = fault;
    if (fault) {
        report(0, with_queue ? "a run without interrupts (queue)" : "a run without interrupts", fault);
        return;
    }
    for (k = 1; k <= total + 1; k++) {
        unsigned seen = interleave_run(k, &fault);
        if (seen > total) total = seen;
        if (fault) {
            if (!bad) {
                first_bad = k;
                first_fault = fault;
            }
            bad++;
        }
    }
    if (bad)
        snprintf(detail, sizeof detail, "%u of %u positions wrong, first at %u: %s", bad, total,
                 first_bad, first_fault);
    else
        snprintf(detail, sizeof detail, "an interrupt at each of %u positions, every outcome as expected",
                 total);
    report(bad == 0, name, detail);
}

/* -------------------------------------------------------- 2. real interrupts */
#ifdef ON_TARGET

static volatile uint32_t ticks;       /* milliseconds, from SysTick */
static volatile uint32_t irq_sets;    /* events set by the handler */
static volatile uint32_t storm_left;  /* storm interrupts still to come */
static aio_event storm_ev[3];
static aio_event *volatile storm_probe;
static uint32_t storm_next;

static void systick_start(uint32_t period_cycles) {
    SYST_CSR = 0;
    SYST_RVR = period_cycles - 1;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
}
static void systick_stop(void) { SYST_CSR = 0; }

/* Phase A: SysTick is the 1 ms clock and sets `ev` every 7th tick. */
static void tick_isr(void) {
    ticks++;
    if (ticks % 7 == 0) {
        irq_sets++;
        aio_event_set(&ev);
    }
}
/* Phase B: a storm: every interrupt sets one of three events. */
static void storm_isr(void) {
    static uint32_t n;
    if (++n % 25 == 0) ticks++; /* the clock: 25 interrupts make 1 ms */
    if (storm_probe) { /* after the storm: one more, to a chosen event */
        irq_sets++;
        aio_event_set(storm_probe);
        storm_probe = 0;
    }
    if (!storm_left) return;
    storm_left--;
    irq_sets++;
    aio_event_set(&storm_ev[storm_next]);
    storm_next = (storm_next + 1) % 3;
}
void SysTick_Handler(void);
void SysTick_Handler(void) {
    in_isr = 1;
    if (isr_body) isr_body();
    in_isr = 0;
}

static aio_time tick_clock(void *ctx) {
    (void)ctx;
    return AIO_MS(ticks);
}
static volatile uint32_t wfi_count;
/* Idle until the next interrupt: interrupts off, look again, WFI, on. */
static void wfi_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m = irq_save();
    (void)ctx;
    (void)deadline;
    if (aio_next_deadline(loop) != aio_loop_now(loop)) {
        wfi_count++;
        __asm__ volatile("wfi" ::: "memory");
    }
    irq_restore(m);
}

typedef struct {
    aio_task task;
    int i, ok, timeouts;
    aio_time longest; /* longest wait */
    aio_time began;
    aio_status rc;
} periodic_t;
static periodic_t per;

static aio_status periodic_waiter(aio_task *t) {
    periodic_t *s = AIO_SELF(t, periodic_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 40; s->i++) {
        s->began = aio_now();
        AIO_EVENT_WAIT(t, s->rc, &ev, AIO_MS(20));
        if (s->rc == AIO_OK) {
            aio_time waited = (aio_time)(aio_now() - s->began);
            s->ok++;
            if (waited > s->longest) s->longest = waited;
            aio_event_clear(&ev);
        } else {
            s->timeouts++;
        }
    }
    AIO_END(t);
}

/* Each wait must end at the set it waited for (7 ms at most, 10 allowing
 * for a slow emulator); a lost wake-up would show as 14 ms (the next set). */
static void test_periodic_interrupt(void) {
    aio_loop loop;
    static aio_timer timers[4];
    aio_status rc;
    char detail[160];
    memset(&per, 0, sizeof per);
    memset(&ev, 0, sizeof ev);
    ticks = 0;
    irq_sets = 0;
    fire_at = 0;
    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, tick_clock, NULL);
    aio_loop_set_idle(&loop, wfi_idle, NULL);
    isr_body = tick_isr;
    systick_start(CPU_HZ / 1000u);
    rc = aio_run(&loop, &per.task, periodic_waiter);
    systick_stop();
    isr_body = 0;
    snprintf(detail, sizeof detail,
             "40 waits: %d woken by the interrupt, %d timed out, longest %lu ms, %lu sleeps",
             per.ok, per.timeouts, (unsigned long)(per.longest * 1000u / AIO_TICKS_PER_SEC),
             (unsigned long)wfi_count);
    report(rc == AIO_OK && per.ok == 40 && per.timeouts == 0 && per.longest <= AIO_MS(10) &&
               aio_loop_destroy(&loop) == AIO_OK,
           "SysTick handler wakes an event waiter every 7 ms", detail);
}

typedef struct {
    aio_task task;
    int which, i, ok, timeouts;
    aio_status rc;
} storm_waiter_t;
typedef struct {
    aio_task task, busy, probe;
    storm_waiter_t w[6];
    int i, yields, probes_ok;
    aio_time began, slowest_probe;
    aio_status rc;
} storm_t;
static storm_t st;

static aio_status storm_waiter(aio_task *t) {
    storm_waiter_t *s = AIO_SELF(t, storm_waiter_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 300; s->i++) {
        AIO_EVENT_WAIT(t, s->rc, &storm_ev[s->which], AIO_MS(2 + s->which));
        if (s->rc == AIO_OK) {
            s->ok++;
            aio_event_clear(&storm_ev[s->which]);
        } else if (s->rc == AIO_ETIMEDOUT) {
            s->timeouts++;
        } else {
            AIO_RAISE(t, s->rc);
        }
    }
    AIO_END(t);
}
static aio_status busy(aio_task *t) {
    AIO_BEGIN(t);
    while (storm_left) {
        st.yields++;
        AIO_YIELD(t);
    }
    AIO_END(t);
}
/* Waits on storm_ev[st.i]; woken by a single interrupt after it parked. */
static aio_status probe(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, st.rc, &storm_ev[st.i], AIO_MS(20));
    AIO_END(t);
}
static aio_status storm(aio_task *t) {
    AIO_BEGIN(t);
    for (st.i = 0; st.i < 6; st.i++) {
        st.w[st.i].which = st.i % 3;
        AIO_CHECK(t, aio_spawn(&st.w[st.i].task, storm_waiter));
    }
    AIO_CHECK(t, aio_spawn(&st.busy, busy));
    for (st.i = 0; st.i < 6; st.i++) {
        AIO_AWAIT(t, st.rc, &st.w[st.i].task);
        AIO_CHECK(t, st.rc);
    }
    AIO_AWAIT(t, st.rc, &st.busy);
    /* Every event still works: an event lost from the signalled list by a
     * torn update would stay marked as queued and never wake anyone again. */
    for (st.i = 0; st.i < 3; st.i++) {
        aio_event_clear(&storm_ev[st.i]);
        AIO_CHECK(t, aio_spawn(&st.probe, probe));
        AIO_YIELD(t); /* the probe parks on the event */
        st.began = aio_now();
        storm_probe = &storm_ev[st.i];
        AIO_AWAIT(t, st.rc, &st.probe);
        if (st.rc == AIO_OK) st.probes_ok++;
        if ((aio_time)(aio_now() - st.began) > st.slowest_probe)
            st.slowest_probe = (aio_time)(aio_now() - st.began);
    }
    AIO_END(t);
}

static void test_interrupt_storm(void) {
    aio_loop loop;
    static aio_timer timers[8];
    aio_status rc;
    int i, ok = 0, timeouts = 0, each = 1;
    char detail[160];
    memset(&st, 0, sizeof st);
    memset(storm_ev, 0, sizeof storm_ev);
    /* the clock stays the 1 ms tick, counted from the storm's interrupts */
    ticks = 0;
    irq_sets = 0;
    storm_left = 10000;
    storm_probe = 0;
    aio_loop_init(&loop, timers, 8);
    aio_loop_set_clock(&loop, tick_clock, NULL);
    aio_loop_set_idle(&loop, wfi_idle, NULL);
    isr_body = storm_isr;
    systick_start(CPU_HZ / 25000u); /* every 40 us */
    rc = aio_run(&loop, &st.task, storm);
    systick_stop();
    isr_body = 0;
    for (i = 0; i < 6; i++) {
        ok += st.w[i].ok;
        timeouts += st.w[i].timeouts;
        if (st.w[i].ok + st.w[i].timeouts != 300) each = 0;
    }
    snprintf(detail, sizeof detail,
             "%lu interrupts; 1800 waits: %d woken, %d timed out; %d yields in between; "
             "then each event woke its waiter within %lu ms",
             (unsigned long)irq_sets, ok, timeouts, st.yields,
             (unsigned long)(st.slowest_probe * 1000u / AIO_TICKS_PER_SEC));
    report(rc == AIO_OK && each && ok > 0 && st.probes_ok == 3 && st.slowest_probe <= AIO_MS(5) &&
               aio_loop_destroy(&loop) == AIO_OK,
           "an interrupt every 40 us against six waiters and a busy task", detail);
}
#endif

int main(void) {
    test_interleaving("aio_event_set interleaved with every critical section and idle");
    with_queue = 1;
    test_interleaving("aio_queue_put_from_isr interleaved with every critical section and idle");
    with_queue = 0;
#ifdef ON_TARGET
    test_periodic_interrupt();
    test_interrupt_storm();
#else
    printf("[isr] real interrupts: only on a Cortex-M (make test-qemu)\n");
#endif
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
