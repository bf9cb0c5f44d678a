/* firmware: a sensor node on a Cortex-M, on the real timers of an ARM MPS2
 * board (AN385: Cortex-M3, AN386: Cortex-M4; QEMU models both).
 *
 *   - SysTick is the clock: one interrupt per millisecond while the core
 *     works. aio_timeout.h reads it through aio_loop_set_clock.
 *   - Timer0 (a CMSDK APB timer) interrupts every 280 ms: "new sample
 *     ready". Its handler only calls aio_event_set.
 *   - A reader task waits for each sample with a 250 ms timeout, a heartbeat
 *     task blinks every 500 ms, and the session ends by a 1.9 s deadline
 *     that cancels the reader (which reports in its cleanup).
 *   - Tickless idle: when no task is ready, the idle hook stretches SysTick
 *     to the next deadline (aio_next_deadline) and sleeps with WFI; Timer0
 *     wakes it early. The core sleeps through whole stretches instead of
 *     waking every millisecond, and the example says how long it slept.
 *
 * Output goes through semihosting (printf); `make test-qemu` runs it. */
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ board */

#define CPU_HZ 25000000u               /* MPS2 system clock */
#define TICK_CYCLES (CPU_HZ / 1000u)   /* SysTick cycles per millisecond */
#define MAX_SLEEP_MS 600u              /* SysTick's 24-bit reload: 671 ms at 25 MHz */

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_ICSR REG(0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)
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
#include "../../aio_timeout.h"

/* --------------------------------------------------- clock and interrupts */

static volatile uint32_t ticks;      /* milliseconds since boot */
static aio_event sample_ready;
static volatile uint32_t samples_signalled;
static uint32_t sleeps, slept_ms, early_wakeups;

static volatile uint32_t short_tick; /* the current tick finishes a millisecond */

void SysTick_Handler(void);
void SysTick_Handler(void) {
    ticks++;
    if (short_tick) { /* back to whole milliseconds from here */
        short_tick = 0;
        SYST_RVR = TICK_CYCLES - 1;
        SYST_CVR = 0;
    }
}

void IRQ8_Handler(void); /* Timer0 */
void IRQ8_Handler(void) {
    TIMER0_INTCLEAR = 1;
    samples_signalled++;
    aio_event_set(&sample_ready);
}

/* Tick every millisecond; the first tick comes after `first` cycles. */
static void systick_start(uint32_t first) {
    SYST_CSR = 0;
    SYST_RVR = first - 1u;
    SYST_CVR = 0;
    short_tick = first != TICK_CYCLES;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
}

static aio_time systick_clock(void *ctx) {
    (void)ctx;
    return ticks;
}

/* Tickless idle. With interrupts masked (WFI still wakes on a pending one):
 * look again for work, stretch the current tick to the next deadline, sleep,
 * then count the time slept and go back to 1 ms ticks in the same phase. */
static void tickless_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m = irq_save(), ms, left;
    aio_time next = aio_next_deadline(loop); /* an event set since aio_run looked? */
    (void)ctx;
    (void)deadline;
    if (next == aio_loop_now(loop) || (SCB_ICSR & ICSR_PENDSTSET)) {
        irq_restore(m); /* work to do, or a tick to count first */
        return;
    }
    ms = next == AIO_NEVER ? MAX_SLEEP_MS : (uint32_t)(next - ticks);
    if ((int32_t)ms <= 0) {
        irq_restore(m);
        return;
    }
    if (ms > MAX_SLEEP_MS) ms = MAX_SLEEP_MS;
    left = SYST_CVR; /* cycles until the current tick ends */
    if (left == 0 || left > TICK_CYCLES) left = TICK_CYCLES;
    SYST_CSR = 0;
    SYST_RVR = left + (ms - 1u) * TICK_CYCLES - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7;
    sleeps++;
    __asm__ volatile("dsb\n\twfi" ::: "memory");
    {
        /* cycles since the last tick before the sleep; the counter reloaded
         * from the stretched value if it reached the deadline */
        uint32_t since = SYST_RVR + 1u - SYST_CVR, whole;
        if (SCB_ICSR & ICSR_PENDSTSET) { /* slept to the deadline */
            SCB_ICSR = ICSR_PENDSTCLR;
            since += ms * TICK_CYCLES;
        } else { /* Timer0 came first */
            since += TICK_CYCLES - left;
            early_wakeups++;
        }
        whole = since / TICK_CYCLES;
        ticks += whole;
        slept_ms += whole;
        systick_start(TICK_CYCLES - since % TICK_CYCLES); /* keep the phase */
    }
    irq_restore(m); /* Timer0's handler, if it woke us, runs here */
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
    int on;
} heartbeat_t;

static aio_status heartbeat(aio_task *t) {
    heartbeat_t *s = AIO_SELF(t, heartbeat_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_MS(500));
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
    aio_loop_set_clock(&loop, systick_clock, NULL);
    aio_loop_set_idle(&loop, tickless_idle, NULL);

    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 280u * TICK_CYCLES - 1u;
    TIMER0_VALUE = 280u * TICK_CYCLES - 1u;
    TIMER0_INTCLEAR = 1;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    TIMER0_CTRL = 1u | 8u;
    systick_start(TICK_CYCLES); /* time 0 is now */
    samples = aio_run(&loop, &a.task, app);

    TIMER0_CTRL = 0;
    NVIC_ICER0 = 1u << TIMER0_IRQ;
    elapsed = ticks;
    printf("firmware: %d samples from %lu interrupts in %lu ms\n", samples,
           (unsigned long)samples_signalled, (unsigned long)elapsed);
    printf("firmware: the core slept %lu of %lu ms in %lu sleeps (%lu ended early by Timer0);\n"
           "          a 1 kHz tick would have woken it %lu times\n",
           (unsigned long)slept_ms, (unsigned long)elapsed, (unsigned long)sleeps,
           (unsigned long)early_wakeups, (unsigned long)elapsed);
    /* 6 samples, and asleep at least 95% of the time */
    return aio_loop_destroy(&loop) == AIO_OK && samples == 6 && slept_ms * 20u >= elapsed * 19u
               ? 0 : 1;
}
