/* SPDX-License-Identifier: MIT */
/* Core/Src/aio_port.c: compiles aio_timeout_core.h for an STM32Cube project and runs the loop.
 * Project-wide defines: -DAIO_TIME_32 */
#include "main.h"                            /* the HAL and CMSIS of your STM32 */

#ifndef AIO_TIME_32
#error "define AIO_TIME_32 for the whole project"
#endif

static uint32_t aio_primask;                 /* the library never nests these */
#define AIO_CRITICAL_ENTER()                            \
    do {                                                \
        uint32_t aio_primask_now = __get_PRIMASK();     \
        __disable_irq();                                \
        aio_primask = aio_primask_now;                  \
    } while (0)
#define AIO_CRITICAL_EXIT() __set_PRIMASK(aio_primask)
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout_core.h"

static aio_time tick_ms(void *ctx) {
    (void)ctx;
    return HAL_GetTick();
}

/* SysTick (1 kHz) or any other interrupt ends the WFI. */
static void sleep_until(void *ctx, aio_loop *loop, aio_time deadline) {
    (void)ctx;
    (void)loop;
    if (deadline == AIO_NEVER || (aio_stime)(deadline - HAL_GetTick()) > 0) __WFI();
}

/* asyncio.run(): main() calls aio_port_run(&app.task, app_main) after the HAL init. */
aio_status aio_port_run(aio_task *main_task, aio_task_fn fn) {
    static aio_timer timers[16];             /* one per task that waits with a deadline */
    static aio_loop loop;
    aio_loop_init(&loop, timers, 16);
    aio_loop_set_clock(&loop, tick_ms, NULL);
    aio_loop_set_idle(&loop, sleep_until, NULL);
    return aio_run(&loop, main_task, fn);
}
