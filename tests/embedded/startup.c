/* SPDX-License-Identifier: MIT */
/* Startup for a Cortex-M image (M0, M3, M4): the vector table and a reset
 * handler that copies .data, zeroes .bss, turns the FPU on when the build
 * uses it, runs the constructors, then main() and exit(). Interrupt handlers
 * are weak: a program defines IRQ<n>_Handler, SysTick_Handler, ... to take
 * one over; an unexpected one reports itself through fault_hook() and stops. */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__;
extern uint32_t __stack_top;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(int argc, char **argv);

/* Hooks the program or its glue may define. */
__attribute__((weak)) void embedded_init(void) {}
__attribute__((weak)) void fault_hook(const char *what, uint32_t number) {
    (void)what;
    (void)number;
    for (;;) {
    }
}

/* newlib's exit() runs the destructors through _fini, which crti.o would
 * give a program built with the compiler's own startup files. */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

void Reset_Handler(void);
static void unexpected(void) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    fault_hook(ipsr == 3 ? "hard fault" : ipsr < 16 ? "fault" : "unexpected interrupt", ipsr);
}

#define WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("unexpected")));
WEAK_HANDLER(NMI_Handler)
WEAK_HANDLER(HardFault_Handler)
WEAK_HANDLER(MemManage_Handler)
WEAK_HANDLER(BusFault_Handler)
WEAK_HANDLER(UsageFault_Handler)
WEAK_HANDLER(SVC_Handler)
WEAK_HANDLER(PendSV_Handler)
WEAK_HANDLER(SysTick_Handler)
#define IRQS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
    X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) \
    X(27) X(28) X(29) X(30) X(31)
#define WEAK_IRQ(n) WEAK_HANDLER(IRQ##n##_Handler)
IRQS(WEAK_IRQ)

typedef void (*vector)(void);
#define IRQ_ENTRY(n) IRQ##n##_Handler,
__attribute__((section(".vectors"), used)) static const vector vectors[16 + 32] = {
    (vector)(uintptr_t)&__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    0, 0,
    PendSV_Handler,
    SysTick_Handler,
    IRQS(IRQ_ENTRY)
};

void Reset_Handler(void) {
    static char name[] = "firmware";
    static char *argv[] = {name, 0};
    uint32_t *src = &__data_load__, *dst = &__data_start__;
    void (**ctor)(void);
    if (src != dst)
        while (dst < &__data_end__) *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11 before any floating-point code */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    embedded_init();
    for (ctor = __init_array_start; ctor < __init_array_end; ctor++) (*ctor)();
    exit(main(1, argv));
}
