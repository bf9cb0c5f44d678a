/* SPDX-License-Identifier: MIT */
/* C11's timespec_get for C libraries that leave it out (newlib, picolibc):
 * time since the program started, from clock(), which the semihosting
 * builds of both libraries answer from the host. */
#include <time.h>
#include "newlib_c11.h"

int timespec_get(struct timespec *ts, int base) {
    clock_t c = clock();
    if (base != TIME_UTC || c == (clock_t)-1) return 0;
    ts->tv_sec = (time_t)(c / CLOCKS_PER_SEC);
    ts->tv_nsec = (long)((c % CLOCKS_PER_SEC) * (1000000000L / CLOCKS_PER_SEC));
    return base;
}

