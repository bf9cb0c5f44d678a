/* SPDX-License-Identifier: MIT */
/* Durations in a user's own file, under a firmware team's strict warnings
 * (tests/checks/strict.sh builds it with -Wconversion -Wsign-conversion
 * -Wtype-limits -Werror at every tick width and rate): AIO_SEC, AIO_MS and
 * AIO_US of a variable count of every integer type, added to and taken
 * from a time, assigned, and of constants in a static initialiser. A
 * macro that warns here would fail such a team's build in their file. */
#include "aio_timeout.h"

aio_time t;
#define DURATIONS(type)                                                        \
    void add_##type(type n);                                                   \
    void add_##type(type n) {                                                  \
        aio_time d = AIO_MS(n);                                                \
        t += AIO_MS(n);                                                        \
        t += AIO_SEC(n);                                                       \
        t += AIO_US(n);                                                        \
        t -= AIO_MS(n);                                                        \
        t = (aio_time)(t + d);                                                 \
    }
typedef signed char schar;
typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned long ulong;
typedef long long llong;
typedef unsigned long long ullong;
DURATIONS(int)
DURATIONS(unsigned)
DURATIONS(short)
DURATIONS(ushort)
DURATIONS(schar)
DURATIONS(uchar)
DURATIONS(long)
DURATIONS(ulong)
DURATIONS(llong)
DURATIONS(ullong)
DURATIONS(int8_t)
DURATIONS(uint16_t)
DURATIONS(int32_t)
DURATIONS(uint64_t)

static const aio_time table[] = {AIO_MS(5), AIO_SEC(2), AIO_US(10), AIO_MS(0)};
aio_time first(void);
aio_time first(void) { return table[0]; }
