/* SPDX-License-Identifier: MIT */
/* src/aio_port.c: compiles aio_timeout_core.h for Zephyr and runs the loop.
 * Project-wide defines: -DAIO_TIME_32 */
#include <zephyr/kernel.h>

#ifndef AIO_TIME_32
#error "define AIO_TIME_32 for the whole project"
#endif

static struct k_spinlock aio_spinlock;       /* the library never nests these */
static k_spinlock_key_t aio_spinlock_key;
#define AIO_CRITICAL_ENTER() (aio_spinlock_key = k_spin_lock(&aio_spinlock))
#define AIO_CRITICAL_EXIT() k_spin_unlock(&aio_spinlock, aio_spinlock_key)
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout_core.h"

/* Interrupt handlers give it after aio_event_set() so that the loop wakes at once. */
K_SEM_DEFINE(aio_wake, 0, 1);

static aio_time uptime_ms(void *ctx) {
    (void)ctx;
    return k_uptime_get_32();                /* wraps after 49.7 days, which is fine */
}

static void sleep_until(void *ctx, aio_loop *loop, aio_time deadline) {
    aio_stime left = (aio_stime)(deadline - k_uptime_get_32());
    (void)ctx;
    (void)loop;
    if (deadline == AIO_NEVER)
        k_sem_take(&aio_wake, K_FOREVER);
    else if (left > 0)
        k_sem_take(&aio_wake, K_MSEC(left));
}

/* asyncio.run(): main() calls aio_port_run(&app.task, app_main). */
aio_status aio_port_run(aio_task *main_task, aio_task_fn fn) {
    static aio_timer timers[16];             /* one per task that waits with a deadline */
    static aio_loop loop;
    aio_loop_init(&loop, timers, 16);
    aio_loop_set_clock(&loop, uptime_ms, NULL);
    aio_loop_set_idle(&loop, sleep_until, NULL);
    return aio_run(&loop, main_task, fn);
}
