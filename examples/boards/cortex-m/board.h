/* SPDX-License-Identifier: MIT */
/* board.h: a minimal Cortex-M board start for aio_timeout_core.h, to copy
 * into a firmware and adapt. Include it in place of the header, in the one
 * file that has your main() (the header comes with it):
 *
 *     #define AIO_TIME_32                  // your options first
 *     #define AIO_NO_STDLIB
 *     #define AIO_TIMEOUT_IMPLEMENTATION
 *     #define AIO_STATIC
 *     #include "board.h"                   // also includes aio_timeout_core.h
 *
 *     int main(void) {
 *         board_start();                   // 1 kHz SysTick, interrupts on
 *         aio_loop_init(&loop, timers, 4);
 *         aio_loop_set_clock(&loop, board_clock, NULL);
 *         aio_loop_set_idle(&loop, board_idle, NULL);
 *         board_exit(aio_run(&loop, &m.task, main_task));
 *     }
 *
 * and link with board.ld (its MEMORY lines are your part's flash and RAM):
 *
 *     arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -Os -ffunction-sections \
 *         -fdata-sections -nostartfiles --specs=nano.specs --specs=nosys.specs \
 *         -Wl,--gc-sections -T board.ld main.c -o main.elf
 *
 * What it gives, each part a few lines to read and change:
 *   - the vector table and a reset handler (.data copied, .bss zeroed, the
 *     FPU on where the build uses it, then main); every handler is weak: to
 *     take one, define it (TIMER0_IRQHandler is IRQ 8's name here: rename the
 *     IRQ entries to your part's);
 *   - the critical section the library's interrupt-safe calls need
 *     (AIO_CRITICAL_ENTER/EXIT: PRIMASK saved, masked, restored, so they nest
 *     and work inside handlers);
 *   - the clock: SysTick interrupts every millisecond and counts (1 kHz, the
 *     library's default with AIO_TIME_32); BOARD_CPU_HZ is the clock SysTick
 *     counts, 25 MHz unless you say otherwise;
 *   - the idle hook: with interrupts masked it asks the loop again for its
 *     next deadline (an interrupt may have set an event since the loop
 *     looked), then sleeps in WFI, which a masked interrupt still ends; its
 *     handler runs when the mask is lifted. (For a core that sleeps through
 *     whole stretches instead of waking each millisecond, see
 *     examples/firmware/tickless.h.)
 *   - a console and an exit: semihosting (a debugger or QEMU prints it; on a
 *     board with no debugger attached a semihosting call stops the core), or
 *     a UART of yours: define BOARD_PUTC(c) to send one character. */
#ifndef BOARD_H
#define BOARD_H
#include <stdint.h>

#ifndef BOARD_CPU_HZ
#define BOARD_CPU_HZ 25000000u /* the clock SysTick counts (the core's) */
#endif

/* ------------------------------------------------------- critical section */

static inline uint32_t board_irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static inline void board_irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0\n\tisb" ::"r"(m) : "memory"); }
#define AIO_CRITICAL_ENTER() do { uint32_t aio_irq_mask = board_irq_save()
#define AIO_CRITICAL_EXIT() board_irq_restore(aio_irq_mask); } while (0)

#include "aio_timeout_core.h"
#if AIO_TICKS_PER_SEC != 1000u || !defined(AIO_TIME_32)
#error "board.h: its clock counts milliseconds in 32 bits: define AIO_TIME_32 (and no other tick rate)"
#endif

/* ----------------------------------------------------- vectors and reset */

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__, __stack_top;
int main(void);
void Reset_Handler(void);
void board_unexpected(void);
void SysTick_Handler(void);

#define BOARD_WEAK(name) void name(void) __attribute__((weak, alias("board_unexpected")));
BOARD_WEAK(NMI_Handler)
BOARD_WEAK(HardFault_Handler)
BOARD_WEAK(SVC_Handler)
BOARD_WEAK(PendSV_Handler)
/* IRQ 0 to 15: your part's names in place of these (MPS2's Timer0 is IRQ 8) */
BOARD_WEAK(IRQ0_Handler) BOARD_WEAK(IRQ1_Handler) BOARD_WEAK(IRQ2_Handler) BOARD_WEAK(IRQ3_Handler)
BOARD_WEAK(IRQ4_Handler) BOARD_WEAK(IRQ5_Handler) BOARD_WEAK(IRQ6_Handler) BOARD_WEAK(IRQ7_Handler)
BOARD_WEAK(TIMER0_IRQHandler) BOARD_WEAK(IRQ9_Handler) BOARD_WEAK(IRQ10_Handler) BOARD_WEAK(IRQ11_Handler)
BOARD_WEAK(IRQ12_Handler) BOARD_WEAK(IRQ13_Handler) BOARD_WEAK(IRQ14_Handler) BOARD_WEAK(IRQ15_Handler)

typedef void (*board_vector)(void);
__attribute__((section(".vectors"), used)) static const board_vector board_vectors[16 + 16] = {
    (board_vector)(uintptr_t)&__stack_top, Reset_Handler, NMI_Handler, HardFault_Handler,
    /* (MemManage, BusFault, UsageFault: an M3/M4 raises them as a hard fault until enabled) */
    0, 0, 0, 0, 0, 0, 0, SVC_Handler, 0, 0, PendSV_Handler, SysTick_Handler,
    IRQ0_Handler, IRQ1_Handler, IRQ2_Handler, IRQ3_Handler, IRQ4_Handler, IRQ5_Handler, IRQ6_Handler,
    IRQ7_Handler, TIMER0_IRQHandler, IRQ9_Handler, IRQ10_Handler, IRQ11_Handler, IRQ12_Handler,
    IRQ13_Handler, IRQ14_Handler, IRQ15_Handler};

void Reset_Handler(void) {
    uint32_t *src = &__data_load__, *dst = &__data_start__;
    while (dst < &__data_end__) *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
#if defined(__ARM_FP) /* CPACR: the FPU on before any floating-point code */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    (void)main();
    for (;;) __asm__ volatile("wfi");
}

/* ----------------------------------------------------------- the console */

#ifndef BOARD_PUTC
/* Semihosting: r0 the operation, r1 its argument, then BKPT 0xAB. */
static inline uint32_t board_semihost(uint32_t op, const void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
#endif

static void board_puts(const char *s) {
#ifdef BOARD_PUTC
    while (*s) BOARD_PUTC(*s++);
#else
    (void)board_semihost(0x04u, s); /* SYS_WRITE0 */
#endif
}

/* A number in decimal (no printf needed). */
static void board_put_uint(uint32_t v) {
    char buf[11], *p = buf + sizeof buf - 1;
    *p = 0;
    do *--p = (char)('0' + v % 10u); while ((v /= 10u) != 0);
    board_puts(p);
}

/* The end of the program: its status to the debugger (semihosting's
 * SYS_EXIT_EXTENDED), or a stop where there is none. */
static void board_exit(int status) {
#ifndef BOARD_PUTC
    static uint32_t block[2];
    block[0] = 0x20026u; /* ADP_Stopped_ApplicationExit */
    block[1] = (uint32_t)status;
    (void)board_semihost(0x20u, block);
#else
    (void)status;
#endif
    for (;;) __asm__ volatile("wfi");
}

void board_unexpected(void) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    board_puts(ipsr == 3u ? "board: hard fault\n" : "board: an interrupt with no handler\n");
    board_exit(3);
}

/* ------------------------------------------------------ the clock, 1 kHz */

#define BOARD_REG(addr) (*(volatile uint32_t *)(addr))
#define BOARD_SYST_CSR BOARD_REG(0xE000E010u)
#define BOARD_SYST_RVR BOARD_REG(0xE000E014u)
#define BOARD_SYST_CVR BOARD_REG(0xE000E018u)

static volatile uint32_t board_ms; /* ms since board_start (a 32-bit read is one load: no mask) */

void SysTick_Handler(void) { board_ms++; }

static void board_start(void) {
    BOARD_SYST_CSR = 0;
    BOARD_SYST_RVR = BOARD_CPU_HZ / 1000u - 1u;
    BOARD_SYST_CVR = 0;
    BOARD_SYST_CSR = 7u; /* the core's clock, its interrupt, on */
    __asm__ volatile("cpsie i" ::: "memory");
}

static aio_time board_clock(void *ctx) {
    (void)ctx;
    return (aio_time)board_ms;
}

/* ------------------------------------------------------- the idle hook */

static void board_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m = board_irq_save();
    aio_time next = aio_next_deadline(loop); /* (again, masked: not `deadline`) */
    (void)ctx;
    (void)deadline;
    /* work due (a task made ready, a timer passed): back to the loop; else
     * sleep to the next interrupt, the millisecond's at the latest */
    if (next == AIO_NEVER || (aio_stime)(next - board_clock(NULL)) > 0) __asm__ volatile("dsb\n\twfi" ::: "memory");
    board_irq_restore(m);
}

#endif
