/* SPDX-License-Identifier: MIT */
/* aio_port.c: compiles aio_timeout_core.h for the pico-sdk and runs the loop.
 * Project-wide defines: -DAIO_TICKS_PER_SEC=1000000u */
#include "pico/stdlib.h"
#include "pico/critical_section.h"

#if !defined(AIO_TICKS_PER_SEC) || AIO_TICKS_PER_SEC != 1000000u || defined(AIO_TIME_32)
#error "define AIO_TICKS_PER_SEC=1000000u for the whole project (64-bit microseconds)"
#endif

static critical_section_t aio_cs;           /* both cores, code and interrupt handlers */
#define AIO_CRITICAL_ENTER() critical_section_enter_blocking(&aio_cs)
#define AIO_CRITICAL_EXIT() critical_section_exit(&aio_cs)
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout_core.h"

static aio_time uptime_us(void *ctx) {
    (void)ctx;
    return time_us_64();
}

/* Wait for an event until the deadline: interrupt handlers call __sev() after aio_event_set(). */
static void sleep_until(void *ctx, aio_loop *loop, aio_time deadline) {
    (void)ctx;
    (void)loop;
    if (deadline == AIO_NEVER)
        __wfe();
    else
        (void)best_effort_wfe_or_timeout(from_us_since_boot(deadline));
}

/* asyncio.run(): main() calls aio_port_run(&app.task, app_main). */
aio_status aio_port_run(aio_task *main_task, aio_task_fn fn) {
    static aio_timer timers[16];             /* one per task that waits with a deadline */
    static aio_loop loop;
    critical_section_init(&aio_cs);
    aio_loop_init(&loop, timers, 16);
    aio_loop_set_clock(&loop, uptime_us, NULL);
    aio_loop_set_idle(&loop, sleep_until, NULL);
    return aio_run(&loop, main_task, fn);
}
