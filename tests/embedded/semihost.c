/* SPDX-License-Identifier: MIT */
/* Glue between newlib's semihosting build (librdimon) and the programs run
 * under QEMU: console and exit status come back to the host, and a few
 * things the hosted C library lacks on bare metal are supplied here. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void initialise_monitor_handles(void);

/* A program may name its environment at build time, entries separated by
 * spaces: -DEMBEDDED_ENV='"A=1 B=2"' (at most 4). Under semihosting a
 * program starts with no environment at all. */
#ifndef EMBEDDED_ENV
#define EMBEDDED_ENV ""
#endif

extern char **environ;
static char env_text[] = EMBEDDED_ENV;
static char *env[5];

#ifdef EMBEDDED_STACK
/* A board with little RAM (the micro:bit): the stack has the top
 * EMBEDDED_STACK bytes of RAM and the heap may not enter them (newlib's own
 * sbrk stops at wherever the stack pointer is when malloc asks, and a deeper
 * call later would overwrite the heap unseen). The stack's share is painted
 * at start; at exit a program whose stack reached its lowest 64 bytes fails
 * (-DEMBEDDED_STACK_REPORT: and every program says how much it used). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
extern char end, __stack_top;
#define STACK_FLOOR ((char *)((uintptr_t)&__stack_top - (EMBEDDED_STACK)))
#define PAINT 0x5Au
static char *heap_break = &end;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr) {
    char *old = heap_break;
    if (incr > STACK_FLOOR - heap_break || incr < &end - heap_break) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_break += incr;
    return old;
}

static void check_stack(void) {
    const char *c = STACK_FLOOR;
    while (c < &__stack_top && *c == (char)PAINT) c++;
    if (c - STACK_FLOOR < 64) {
        fprintf(stderr, "stopped: the stack grew past its %u bytes\n", (unsigned)(EMBEDDED_STACK));
        _Exit(3);
    }
#ifdef EMBEDDED_STACK_REPORT
    fprintf(stderr, "stack: %u of %u bytes used\n", (unsigned)(&__stack_top - c), (unsigned)(EMBEDDED_STACK));
#endif
}

/* stdout gets a small buffer of its own, flushed at each line, instead of
 * the 1 KiB one newlib would take from the heap. newlib's malloc grows its
 * arena by whole 4 KiB pages after the first time, and would fail with up
 * to 4 KiB still free: it is given all of the heap at once. */
static char out_buffer[128];
static void *volatile arena;

static void small_ram(void) {
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    if (heap_break + 64 > STACK_FLOOR) {
        fprintf(stderr, "stopped: static data reaches into the stack's %u bytes\n", (unsigned)(EMBEDDED_STACK));
        _Exit(3);
    }
    memset(STACK_FLOOR, PAINT, sp - 64 - (uintptr_t)STACK_FLOOR);
    atexit(check_stack);
    setvbuf(stdout, out_buffer, _IOLBF, sizeof out_buffer);
    arena = malloc((size_t)(STACK_FLOOR - heap_break) - 64);
    free(arena);
}
#else
static void small_ram(void) {}
#endif

void embedded_init(void) {
    char *c = env_text;
    int n = 0;
    initialise_monitor_handles();
    small_ram();
    while (*c && n < 4) {
        env[n++] = c;
        while (*c && *c != ' ') c++;
        while (*c == ' ') *c++ = 0;
    }
    if (n) environ = env;
}

/* Report a fault or an unexpected interrupt and stop with exit status 3. */
void fault_hook(const char *what, uint32_t number) {
    fprintf(stderr, "stopped: %s (exception %lu)\n", what, (unsigned long)number);
    _Exit(3);
}

/* printf with C99's `z` length modifier (linked in with -Wl,--wrap=printf):
 * newlib as Debian builds it prints "%zu" literally. size_t is unsigned int
 * on these targets, so the modifier is simply dropped. */
int __wrap_printf(const char *fmt, ...);
int __wrap_printf(const char *fmt, ...) {
    char plain[256];
    const char *use = fmt;
    size_t i = 0, j = 0;
    int in_spec = 0, n;
    va_list ap;
    for (; fmt[i] && j + 1 < sizeof plain; i++) {
        char c = fmt[i];
        if (in_spec) {
            if (c == 'z') continue;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%')
                in_spec = c == 'h' || c == 'l' || c == 'L' || c == 'j' || c == 't';
        } else if (c == '%') {
            in_spec = 1;
        }
        plain[j++] = c;
    }
    if (!fmt[i]) {
        plain[j] = 0;
        use = plain;
    }
    va_start(ap, fmt);
    n = vprintf(use, ap);
    va_end(ap);
    return n;
}
