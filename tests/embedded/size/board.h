/* SPDX-License-Identifier: MIT */
/* What every size program needs from the board: a tick and a sleep. */
static volatile uint32_t size_ticks;
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
