/* SPDX-License-Identifier: MIT */
/* AIO_MS and AIO_US at tick rates that are not a multiple of 1000 or of
 * 1,000,000 (a 32.768 kHz clock, 1024 Hz, 100 Hz; AIO_US at 1 kHz): a negative
 * count is refused with AIO_EINVAL raised at the await, never taken as a long
 * timeout, positive counts round up to whole ticks (a positive one never
 * comes to 0), exactly, for counts known only at run time too, and a count
 * whose ticks reach half the clock's range is refused. And a wait for a descriptor on the system's clock, whose
 * timeout the system's wait takes in milliseconds: it never ends before its
 * deadline (the ticks rounded up). Built by tests/checks/faults.sh with
 * -DAIO_TICKS_PER_SEC=... and with or without -DAIO_TIME_32; exit 0 if right. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <stdio.h>

/* n units of 1/per seconds come to half the clock's range or more */
#define BEYOND_HALF(n, per) ((double)(n) / (per) * AIO_TICKS_PER_SEC >= (double)(AIO_NEVER / 2))

typedef struct { aio_task task; aio_status ms, us; int after; } sleeper_t;
static aio_status sleeper(aio_task *t) {
    sleeper_t *s = AIO_SELF(t, sleeper_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(-5));
    s->after = 1;
    AIO_FINALLY(t);
    s->ms = AIO_STATUS(t);
    AIO_END(t);
}

#if defined(__unix__) || defined(__APPLE__)
#define REAL_WAIT 1
/* A UDP socket nobody sends to: its readable wait times out after 30 ms. */
typedef struct { aio_task task; int fd; aio_status rc; aio_time began, ended; } waiter_t;
static aio_status waiter(aio_task *t) {
    waiter_t *w = AIO_SELF(t, waiter_t);
    AIO_BEGIN(t);
    w->began = aio_now();
    AIO_WAIT_READABLE(t, w->rc, w->fd, AIO_MS(30));
    w->ended = aio_now();
    AIO_END(t);
}
#endif

int main(void) {
    static sleeper_t s;
    static aio_timer timers[2];
    aio_loop loop;
    aio_status rc;
    int bad = 0;
    aio_loop_init(&loop, timers, 2);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &s.task, sleeper);
    bad += rc != AIO_EINVAL || s.after || aio_loop_now(&loop) != 0;
    bad += AIO_MS(-5) != AIO_TIME_INVALID || AIO_US(-1) != AIO_TIME_INVALID;
    bad += AIO_MS(-1000000000000LL) != AIO_TIME_INVALID;
    bad += AIO_MS(1000) != AIO_SEC(1);
    bad += AIO_MS(1) != (aio_time)((AIO_TICKS_PER_SEC + 999u) / 1000u);
    bad += AIO_US(1500) != (aio_time)(((uint64_t)AIO_TICKS_PER_SEC * 1500u + 999999u) / 1000000u);
    bad += AIO_US(1) != 1 || AIO_MS(0) != 0 || AIO_US(0) != 0;
    {   /* counts the compiler cannot see, against ceil(n * rate / per) worked out in 64 bits */
        static const uint32_t some[] = {1, 2, 3, 7, 124, 125, 126, 999, 1000, 1001, 4095, 4096,
                                        15624, 15625, 15626, 65535, 65536, 999999, 1000000,
                                        1000001, 123456789, 2147483647u, 2147483648u, 4294967295u};
        size_t i;
        for (i = 0; i < sizeof some / sizeof some[0] * 2; i++) {
            volatile uint32_t vn = i < sizeof some / sizeof some[0] ? some[i] : (uint32_t)(i * 7919u);
            uint32_t n = vn;
            uint64_t ms = ((uint64_t)n * AIO_TICKS_PER_SEC + 999u) / 1000u;
            uint64_t us = ((uint64_t)n * AIO_TICKS_PER_SEC + 999999u) / 1000000u;
            bad += AIO_MS(vn) != (ms >= (uint64_t)(AIO_NEVER / 2) ? AIO_TIME_INVALID : (aio_time)ms);
            bad += AIO_US(vn) != (us >= (uint64_t)(AIO_NEVER / 2) ? AIO_TIME_INVALID : (aio_time)us);
#ifdef AIO__TICKS_OF /* the constant expression a constant count takes, given the same count */
            bad += AIO__TICKS_EXPR(n, 1000u / AIO__GCD_MS, AIO_TICKS_PER_SEC / AIO__GCD_MS) !=
                   (ms >= (uint64_t)(AIO_NEVER / 2) ? AIO_TIME_INVALID : (aio_time)ms);
            bad += AIO__TICKS_EXPR(n, 1000000u / AIO__GCD_US, AIO_TICKS_PER_SEC / AIO__GCD_US) !=
                   (us >= (uint64_t)(AIO_NEVER / 2) ? AIO_TIME_INVALID : (aio_time)us);
#endif
        }
    }
    {   /* constant counts, in a static initialiser: the same rounding */
        static const aio_time fixed[6] = {AIO_MS(1), AIO_MS(999), AIO_MS(123456789), AIO_US(1), AIO_US(4294967295u),
                                          AIO_MS(-1)};
        static const uint64_t count[5] = {1, 999, 123456789, 1, 4294967295u};
        static const uint64_t per[5] = {1000, 1000, 1000, 1000000, 1000000};
        size_t i;
        for (i = 0; i < 5; i++) {
            uint64_t want = (count[i] * AIO_TICKS_PER_SEC + per[i] - 1u) / per[i];
            bad += fixed[i] != (want >= (uint64_t)(AIO_NEVER / 2) ? AIO_TIME_INVALID : (aio_time)want);
        }
        bad += fixed[5] != AIO_TIME_INVALID;
    }
    /* a count is refused exactly when its ticks reach half the clock's range
     * (int64_t's range of seconds overflows first at the higher rates) */
    bad += (AIO_MS(INT64_MAX) == AIO_TIME_INVALID) != BEYOND_HALF(INT64_MAX, 1000);
    bad += (AIO_MS(100000000) == AIO_TIME_INVALID) != BEYOND_HALF(100000000, 1000);
#ifdef REAL_WAIT
    {
        static waiter_t w;
        aio_loop real;
        aio_loop_init(&real, timers, 2);
        w.fd = aio_udp_open("127.0.0.1", 0);
        bad += w.fd < 0;
        if (w.fd >= 0) {
            bad += aio_run(&real, &w.task, waiter) != AIO_OK || w.rc != AIO_ETIMEDOUT;
            bad += (aio_time)(w.ended - w.began) < AIO_MS(30); /* never early */
            bad += aio_close(w.fd) != AIO_OK;
        }
        bad += aio_loop_destroy(&real) != AIO_OK;
    }
#endif
    printf("%u ticks/s, %d-bit time: AIO_SLEEP(t, AIO_MS(-5)) -> %d, AIO_MS(1) = %lu, AIO_US(1500) = %lu%s\n",
           (unsigned)AIO_TICKS_PER_SEC, (int)(8 * sizeof(aio_time)), rc, (unsigned long)AIO_MS(1),
           (unsigned long)AIO_US(1500), bad ? ": WRONG" : "");
    return bad != 0;
}
