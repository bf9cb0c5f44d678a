/* SPDX-License-Identifier: MIT */
/* Forced into every unit of the AVR unit-test images (-include): avr-libc has
 * neither struct timespec nor C11's timespec_get, which the header's system
 * clock reads; avr_glue.c defines the function from Timer1. */
#ifndef EMBEDDED_AVR_C11_H
#define EMBEDDED_AVR_C11_H
#include <time.h>
#ifndef TIME_UTC
#define TIME_UTC 1
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
int timespec_get(struct timespec *ts, int base);
#endif
#endif
