/* SPDX-License-Identifier: MIT */
/* examples/firmware/rtc_tickless.h on the hardware it is written for (nRF5x's
 * RTC1 through its registers): built by tests/checks/embedded.sh for a
 * Cortex-M0 (nRF51) and a Cortex-M4F (nRF52) under the strict warnings, with
 * a loop that uses it. tests/embedded/rtc_sweep.c runs the same file against
 * a model of the RTC on the host. */
#include <stdint.h>

static uint32_t irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static void irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0\n\tisb" ::"r"(m) : "memory"); }
static void rtc_sleep(void) { __asm__ volatile("dsb\n\twfi" ::: "memory"); }

#define AIO_CRITICAL_ENTER() do { uint32_t aio_irq_mask = irq_save()
#define AIO_CRITICAL_EXIT() irq_restore(aio_irq_mask); } while (0)
#define AIO_TIME_32
#define AIO_TICKS_PER_SEC 32768u
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout_core.h"
#include "../../examples/firmware/rtc_tickless.h"

typedef struct { aio_task task; uint32_t n; } blink_t;
static aio_status blink(aio_task *t) {
    blink_t *s = AIO_SELF(t, blink_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_MS(250)); /* 8,192 counts */
        s->n++;
    }
    AIO_END(t);
}

int rtc_main(void);
int rtc_main(void) {
    static aio_timer timers[2];
    static blink_t b;
    static aio_loop loop;
    rtc_start();
    *(volatile uint32_t *)0xE000E100u = 1u << 17; /* NVIC: RTC1's interrupt (IRQ 17) */
    aio_loop_init(&loop, timers, 2);
    aio_loop_set_clock(&loop, rtc_clock, NULL);
    aio_loop_set_idle(&loop, rtc_idle, NULL);
    return aio_run(&loop, &b.task, blink);
}
