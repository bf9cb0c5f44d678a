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
 *         board_start();                   // SysTick at the tick rate, interrupts on
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
 *   - the vector table (32 IRQs) and a reset handler (.data copied, .bss
 *     zeroed, the FPU on where the build uses it, then main); an interrupt
 *     of yours: #define BOARD_IRQn as your handler's name before including
 *     this file, then define it (see "vectors and reset");
 *   - the critical section the library's interrupt-safe calls need
 *     (AIO_CRITICAL_ENTER/EXIT: PRIMASK saved, masked, restored, so they nest
 *     and work inside handlers);
 *   - the clock: SysTick interrupts once a tick and counts, at the library's
 *     tick rate (AIO_TICKS_PER_SEC: 1 kHz unless you define another, such
 *     as 31250u or 32768u); BOARD_CPU_HZ is the clock SysTick counts,
 *     25 MHz unless you say otherwise, and must be a whole number of ticks
 *     (an #error says so). Under QEMU, see "the clock" below for what it
 *     does not model;
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

/* What a program may leave uncalled (a firmware that prints nothing, say)
 * and still build with -Werror. */
#define BOARD_HELPER static __attribute__((unused))

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
#if !defined(AIO_TIME_32)
#error "board.h: its clock counts ticks in 32 bits: define AIO_TIME_32 (AIO_TICKS_PER_SEC sets the rate)"
#endif
#if BOARD_CPU_HZ % AIO_TICKS_PER_SEC != 0u || BOARD_CPU_HZ / AIO_TICKS_PER_SEC > 0x1000000u || \
    BOARD_CPU_HZ / AIO_TICKS_PER_SEC < 200u
#error "board.h: SysTick counts BOARD_CPU_HZ / AIO_TICKS_PER_SEC cycles a tick: a whole number, 200 to 2^24"
#endif

/* ----------------------------------------------------- vectors and reset */

/* Each exception's and interrupt's handler is a name: one your program
 * gives before this file, or board_unexpected (which says so and stops).
 * To take IRQ n, name your handler BOARD_IRQn and define it, in this file
 * or another:
 *
 *     #define BOARD_IRQ17 RTC1_IRQHandler     // the nRF51's RTC1 is IRQ 17
 *     #include "board.h"
 *     void RTC1_IRQHandler(void) { ... }
 *
 * (BOARD_NMI, BOARD_HARDFAULT, BOARD_SVC and BOARD_PENDSV the same; SysTick
 * is the clock's, below.) The table has 32 IRQs: every peripheral interrupt
 * of the nRF51 (26) and of QEMU's MPS2 boards (32). A part with more: add
 * its BOARD_IRQ32... lines here and to the table. */
#ifndef BOARD_NMI
#define BOARD_NMI board_unexpected
#endif
#ifndef BOARD_HARDFAULT
#define BOARD_HARDFAULT board_unexpected
#endif
#ifndef BOARD_SVC
#define BOARD_SVC board_unexpected
#endif
#ifndef BOARD_PENDSV
#define BOARD_PENDSV board_unexpected
#endif
#ifndef BOARD_IRQ0
#define BOARD_IRQ0 board_unexpected
#endif
#ifndef BOARD_IRQ1
#define BOARD_IRQ1 board_unexpected
#endif
#ifndef BOARD_IRQ2
#define BOARD_IRQ2 board_unexpected
#endif
#ifndef BOARD_IRQ3
#define BOARD_IRQ3 board_unexpected
#endif
#ifndef BOARD_IRQ4
#define BOARD_IRQ4 board_unexpected
#endif
#ifndef BOARD_IRQ5
#define BOARD_IRQ5 board_unexpected
#endif
#ifndef BOARD_IRQ6
#define BOARD_IRQ6 board_unexpected
#endif
#ifndef BOARD_IRQ7
#define BOARD_IRQ7 board_unexpected
#endif
#ifndef BOARD_IRQ8
#define BOARD_IRQ8 board_unexpected
#endif
#ifndef BOARD_IRQ9
#define BOARD_IRQ9 board_unexpected
#endif
#ifndef BOARD_IRQ10
#define BOARD_IRQ10 board_unexpected
#endif
#ifndef BOARD_IRQ11
#define BOARD_IRQ11 board_unexpected
#endif
#ifndef BOARD_IRQ12
#define BOARD_IRQ12 board_unexpected
#endif
#ifndef BOARD_IRQ13
#define BOARD_IRQ13 board_unexpected
#endif
#ifndef BOARD_IRQ14
#define BOARD_IRQ14 board_unexpected
#endif
#ifndef BOARD_IRQ15
#define BOARD_IRQ15 board_unexpected
#endif
#ifndef BOARD_IRQ16
#define BOARD_IRQ16 board_unexpected
#endif
#ifndef BOARD_IRQ17
#define BOARD_IRQ17 board_unexpected
#endif
#ifndef BOARD_IRQ18
#define BOARD_IRQ18 board_unexpected
#endif
#ifndef BOARD_IRQ19
#define BOARD_IRQ19 board_unexpected
#endif
#ifndef BOARD_IRQ20
#define BOARD_IRQ20 board_unexpected
#endif
#ifndef BOARD_IRQ21
#define BOARD_IRQ21 board_unexpected
#endif
#ifndef BOARD_IRQ22
#define BOARD_IRQ22 board_unexpected
#endif
#ifndef BOARD_IRQ23
#define BOARD_IRQ23 board_unexpected
#endif
#ifndef BOARD_IRQ24
#define BOARD_IRQ24 board_unexpected
#endif
#ifndef BOARD_IRQ25
#define BOARD_IRQ25 board_unexpected
#endif
#ifndef BOARD_IRQ26
#define BOARD_IRQ26 board_unexpected
#endif
#ifndef BOARD_IRQ27
#define BOARD_IRQ27 board_unexpected
#endif
#ifndef BOARD_IRQ28
#define BOARD_IRQ28 board_unexpected
#endif
#ifndef BOARD_IRQ29
#define BOARD_IRQ29 board_unexpected
#endif
#ifndef BOARD_IRQ30
#define BOARD_IRQ30 board_unexpected
#endif
#ifndef BOARD_IRQ31
#define BOARD_IRQ31 board_unexpected
#endif

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__, __stack_top;
int main(void);
void Reset_Handler(void);
void board_unexpected(void);
void SysTick_Handler(void);
/* (each a declaration of the name it stands for: board_unexpected's again, or yours) */
#define BOARD_HANDLERS(X)                                                                                        \
    X(BOARD_NMI) X(BOARD_HARDFAULT) X(BOARD_SVC) X(BOARD_PENDSV) X(BOARD_IRQ0) X(BOARD_IRQ1) X(BOARD_IRQ2)      \
    X(BOARD_IRQ3) X(BOARD_IRQ4) X(BOARD_IRQ5) X(BOARD_IRQ6) X(BOARD_IRQ7) X(BOARD_IRQ8) X(BOARD_IRQ9)           \
    X(BOARD_IRQ10) X(BOARD_IRQ11) X(BOARD_IRQ12) X(BOARD_IRQ13) X(BOARD_IRQ14) X(BOARD_IRQ15) X(BOARD_IRQ16)   \
    X(BOARD_IRQ17) X(BOARD_IRQ18) X(BOARD_IRQ19) X(BOARD_IRQ20) X(BOARD_IRQ21) X(BOARD_IRQ22) X(BOARD_IRQ23)   \
    X(BOARD_IRQ24) X(BOARD_IRQ25) X(BOARD_IRQ26) X(BOARD_IRQ27) X(BOARD_IRQ28) X(BOARD_IRQ29) X(BOARD_IRQ30)   \
    X(BOARD_IRQ31)
#define BOARD_DECLARE(name) void name(void);
BOARD_HANDLERS(BOARD_DECLARE)

typedef void (*board_vector)(void);
__attribute__((section(".vectors"), used)) static const board_vector board_vectors[16 + 32] = {
    (board_vector)(uintptr_t)&__stack_top, Reset_Handler, BOARD_NMI, BOARD_HARDFAULT,
    /* (MemManage, BusFault, UsageFault: an M3/M4 raises them as a hard fault until enabled) */
    0, 0, 0, 0, 0, 0, 0, BOARD_SVC, 0, 0, BOARD_PENDSV, SysTick_Handler,
    BOARD_IRQ0, BOARD_IRQ1, BOARD_IRQ2, BOARD_IRQ3, BOARD_IRQ4, BOARD_IRQ5, BOARD_IRQ6, BOARD_IRQ7,
    BOARD_IRQ8, BOARD_IRQ9, BOARD_IRQ10, BOARD_IRQ11, BOARD_IRQ12, BOARD_IRQ13, BOARD_IRQ14, BOARD_IRQ15,
    BOARD_IRQ16, BOARD_IRQ17, BOARD_IRQ18, BOARD_IRQ19, BOARD_IRQ20, BOARD_IRQ21, BOARD_IRQ22, BOARD_IRQ23,
    BOARD_IRQ24, BOARD_IRQ25, BOARD_IRQ26, BOARD_IRQ27, BOARD_IRQ28, BOARD_IRQ29, BOARD_IRQ30, BOARD_IRQ31};

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
BOARD_HELPER inline uint32_t board_semihost(uint32_t op, const void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
#endif

BOARD_HELPER void board_puts(const char *s) {
#ifdef BOARD_PUTC
    while (*s) BOARD_PUTC(*s++);
#else
    (void)board_semihost(0x04u, s); /* SYS_WRITE0 */
#endif
}

/* A number in decimal (no printf needed). */
BOARD_HELPER void board_put_uint(uint32_t v) {
    char buf[11], *p = buf + sizeof buf - 1;
    *p = 0;
    do *--p = (char)('0' + v % 10u); while ((v /= 10u) != 0);
    board_puts(p);
}

#ifdef AIO_DEBUG
/* AIO_DEBUG's messages (a misuse named, an invariant broken) on the
 * console: board_start routes them here (aio_set_debug_hook). Without the C
 * library nothing else prints them, and no printf is linked. */
BOARD_HELPER void board_debug(aio_status code, const char *message) {
    (void)code;
    board_puts("aio: ");
    board_puts(message);
    board_puts("\n");
}
#endif

/* The end of the program: its status to the debugger (semihosting's
 * SYS_EXIT_EXTENDED), or a stop where there is none. */
BOARD_HELPER void board_exit(int status) {
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
    if (ipsr == 3u) {
        board_puts("board: hard fault\n");
    } else if (ipsr >= 16u) {
        board_puts("board: IRQ ");
        board_put_uint(ipsr - 16u);
        board_puts(" has no handler (name yours BOARD_IRQn)\n");
    } else {
        board_puts("board: an exception with no handler\n");
    }
    board_exit(3);
}

/* ------------------------------------------------------------- the clock */

/* SysTick reloads every BOARD_CPU_HZ / AIO_TICKS_PER_SEC cycles of the
 * core's clock, and its handler counts the ticks. What QEMU does not model:
 * a crystal. Its SysTick follows QEMU's virtual time (with -icount, the
 * instructions run, not the host's speed), so there is no drift, no jitter
 * and no oscillator start-up; the core never enters a low-power state in
 * WFI (no sleep current, no wake-up latency); and none of its machines has
 * a 32,768 Hz low-frequency clock or the nRF51's RTC, whose tickless clock
 * (examples/firmware/rtc_tickless.h) is tested against a model of the RTC
 * on the host instead. A rate of 32,768 Hz needs a core clock that is a
 * multiple of it; QEMU's 25 MHz is not, so under QEMU this board start is
 * run at 1 kHz and at 31,250 Hz (the nRF51 TIMER's 16 MHz / 512). */

#define BOARD_REG(addr) (*(volatile uint32_t *)(addr))
#define BOARD_SYST_CSR BOARD_REG(0xE000E010u)
#define BOARD_SYST_RVR BOARD_REG(0xE000E014u)
#define BOARD_SYST_CVR BOARD_REG(0xE000E018u)

static volatile uint32_t board_ticks; /* ticks since board_start (a 32-bit read is one load: no mask) */

void SysTick_Handler(void) { board_ticks++; }

BOARD_HELPER void board_start(void) {
#ifdef AIO_DEBUG
    aio_set_debug_hook(board_debug);
#endif
    BOARD_SYST_CSR = 0;
    BOARD_SYST_RVR = BOARD_CPU_HZ / AIO_TICKS_PER_SEC - 1u;
    BOARD_SYST_CVR = 0;
    BOARD_SYST_CSR = 7u; /* the core's clock, its interrupt, on */
    __asm__ volatile("cpsie i" ::: "memory");
}

BOARD_HELPER aio_time board_clock(void *ctx) {
    (void)ctx;
    return (aio_time)board_ticks;
}

/* ------------------------------------------------------- the idle hook */

BOARD_HELPER void board_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    uint32_t m = board_irq_save();
    aio_time next = aio_next_deadline(loop); /* (again, masked: not `deadline`) */
    (void)ctx;
    (void)deadline;
    /* work due (a task made ready, a timer passed): back to the loop; else
     * sleep to the next interrupt, the tick's at the latest */
    if (next == AIO_NEVER || (aio_stime)(next - board_clock(NULL)) > 0) __asm__ volatile("dsb\n\twfi" ::: "memory");
    board_irq_restore(m);
}

#endif
