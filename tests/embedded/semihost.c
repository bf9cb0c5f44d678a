/* SPDX-License-Identifier: MIT */
/* Glue between newlib's semihosting build (librdimon) and the programs run
 * under QEMU: console and exit status come back to the host, and a few
 * things the hosted C library lacks on bare metal are supplied here. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void initialise_monitor_handles(void);

/* A program may name its environment at build time: -DEMBEDDED_ENV='"A=1"'.
 * Under semihosting a program starts with no environment at all. */
#ifndef EMBEDDED_ENV
#define EMBEDDED_ENV ""
#endif

extern char **environ;
static char env_entry[] = EMBEDDED_ENV;
static char *env[] = {env_entry, 0};

void embedded_init(void) {
    initialise_monitor_handles();
    if (env_entry[0]) environ = env;
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
