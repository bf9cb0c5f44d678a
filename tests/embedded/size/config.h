/* SPDX-License-Identifier: MIT */
/* The configuration the size table measures: 32-bit millisecond ticks, no C
 * library inside the library, interrupts masked around the ready queue (on a
 * Cortex-M PRIMASK saved and restored, on an AVR SREG), no debug messages. */
#ifndef SIZE_CONFIG_H
#define SIZE_CONFIG_H
#include <stdint.h>
#if defined(__AVR__)
#include <avr/io.h>
#define AIO_CRITICAL_ENTER() do { uint8_t size_irq_sreg = SREG; __asm__ volatile("cli" ::: "memory")
#define AIO_CRITICAL_EXIT() SREG = size_irq_sreg; __asm__ volatile("" ::: "memory"); } while (0)
#else
static inline uint32_t size_irq_save(void) {
    uint32_t m;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(m)::"memory");
    return m;
}
static inline void size_irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0" ::"r"(m) : "memory"); }
#define AIO_CRITICAL_ENTER() do { uint32_t size_irq_mask = size_irq_save()
#define AIO_CRITICAL_EXIT() size_irq_restore(size_irq_mask); } while (0)
#endif
#ifndef SIZE_TIME_64
#define AIO_TIME_32
#endif
#define AIO_NO_STDLIB
#endif
