/* SPDX-License-Identifier: MIT */
/* Stand-in for the CMSIS core intrinsics the ports use: real instructions on
 * Arm, nothing on the host compiler. */
#ifndef CMSIS_STUB_H
#define CMSIS_STUB_H
#include <stdint.h>
#if defined(__arm__)
static inline uint32_t __get_PRIMASK(void) {
    uint32_t m;
    __asm volatile("mrs %0, primask" : "=r"(m));
    return m;
}
static inline void __set_PRIMASK(uint32_t m) { __asm volatile("msr primask, %0" : : "r"(m) : "memory"); }
static inline void __disable_irq(void) { __asm volatile("cpsid i" : : : "memory"); }
static inline void __enable_irq(void) { __asm volatile("cpsie i" : : : "memory"); }
static inline void __WFI(void) { __asm volatile("wfi"); }
static inline void __WFE(void) { __asm volatile("wfe"); }
static inline void __SEV(void) { __asm volatile("sev"); }
#else
static inline uint32_t __get_PRIMASK(void) { return 0; }
static inline void __set_PRIMASK(uint32_t m) { (void)m; }
static inline void __disable_irq(void) {}
static inline void __enable_irq(void) {}
static inline void __WFI(void) {}
static inline void __WFE(void) {}
static inline void __SEV(void) {}
#endif
#endif
