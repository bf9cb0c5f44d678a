/* SPDX-License-Identifier: MIT */
/* Forced into every unit built against newlib or picolibc (-include): they
 * declare neither C11's timespec_get nor TIME_UTC; timespec_get.c defines
 * the function. */
#ifndef EMBEDDED_NEWLIB_C11_H
#define EMBEDDED_NEWLIB_C11_H
#include <time.h>
#ifndef TIME_UTC
#define TIME_UTC 1
struct timespec;
int timespec_get(struct timespec *ts, int base);
#endif
#endif
