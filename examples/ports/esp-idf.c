/* SPDX-License-Identifier: MIT */
/* main/aio_port.c: compiles aio_timeout_core.h for ESP-IDF and runs the loop.
 * Project-wide defines: -DAIO_TICKS_PER_SEC=1000000u */
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "esp_timer.h"

#if !defined(AIO_TICKS_PER_SEC) || AIO_TICKS_PER_SEC != 1000000u || defined(AIO_TIME_32)
#error "define AIO_TICKS_PER_SEC=1000000u for the whole project (64-bit microseconds)"
#endif

static portMUX_TYPE aio_mux = portMUX_INITIALIZER_UNLOCKED;   /* both cores, tasks and ISRs */
#define AIO_CRITICAL_ENTER() portENTER_CRITICAL_SAFE(&aio_mux)
#define AIO_CRITICAL_EXIT() portEXIT_CRITICAL_SAFE(&aio_mux)
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout_core.h"

/* The FreeRTOS task that runs the loop: interrupt handlers notify it after aio_event_set(). */
TaskHandle_t aio_loop_task;

static aio_time uptime_us(void *ctx) {
    (void)ctx;
    return (aio_time)esp_timer_get_time();
}

static void sleep_until(void *ctx, aio_loop *loop, aio_time deadline) {
    aio_stime left = (aio_stime)(deadline - (aio_time)esp_timer_get_time());
    (void)ctx;
    (void)loop;
    if (deadline == AIO_NEVER)
        ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    else if (left > 0) /* whole RTOS ticks, rounded up: timers fire on the tick */
        ulTaskNotifyTake(pdTRUE, (TickType_t)((left + 999) / 1000 / portTICK_PERIOD_MS + 1));
}

/* asyncio.run(): app_main() calls aio_port_run(&app.task, main_task). */
aio_status aio_port_run(aio_task *main_task, aio_task_fn fn) {
    static aio_timer timers[16];             /* one per task that waits with a deadline */
    static aio_loop loop;
    aio_loop_task = xTaskGetCurrentTaskHandle();
    aio_loop_init(&loop, timers, 16);
    aio_loop_set_clock(&loop, uptime_us, NULL);
    aio_loop_set_idle(&loop, sleep_until, NULL);
    return aio_run(&loop, main_task, fn);
}
