/* SPDX-License-Identifier: MIT */
/* One task, one sleep. */
#include "config.h"
#include "../../../aio_timeout_core.h"
#include "board.h"

typedef struct { aio_task task; } app_t;

static aio_status app(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[1];
    static app_t a;
    aio_loop loop;
    aio_loop_init(&loop, timers, 1);
    aio_loop_set_clock(&loop, size_clock, NULL);
    aio_loop_set_idle(&loop, size_idle, NULL);
    return aio_run(&loop, &a.task, app);
}
