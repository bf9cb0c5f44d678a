/* SPDX-License-Identifier: MIT */
/* What every size program needs from the board: a tick and a sleep. */
static volatile uint32_t size_ticks;
#if defined(__AVR__)
#include <avr/interrupt.h>
ISR(TIMER0_COMPA_vect) { size_ticks++; }
static aio_time size_clock(void *ctx) {
    uint32_t t;
    (void)ctx;
    AIO_CRITICAL_ENTER(); /* four bytes: not read in one instruction */
    t = size_ticks;
    AIO_CRITICAL_EXIT();
    return t;
}
static void size_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    (void)ctx;
    (void)loop;
    (void)deadline;
    __asm__ volatile("sleep");
}
#else
void SysTick_Handler(void);
void SysTick_Handler(void) { size_ticks++; }
static aio_time size_clock(void *ctx) {
    (void)ctx;
    return size_ticks;
}
static void size_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    (void)ctx;
    (void)loop;
    (void)deadline;
    __asm__ volatile("wfi");
}
#endif
