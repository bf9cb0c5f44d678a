/* SPDX-License-Identifier: MIT */
/* The core: one task that waits with a timeout (a sleep in a timeout
 * block), cancelled from the super-loop, with a cleanup section that awaits. */
#include "config.h"
#include "../../../aio_timeout_core.h"
#include "board.h"

typedef struct { aio_task task; aio_timeout scope; int cleaned; } app_t;

static aio_status app(aio_task *t) {
    app_t *s = AIO_SELF(t, app_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->scope, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_SEC(1));
    }
    AIO_RETURN(t, aio_timeout_status(&s->scope) == AIO_ETIMEDOUT);
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(10)); /* cleanup that awaits (a cancelled task's last words) */
    s->cleaned = 1;
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[1];
    static app_t a;
    aio_loop loop;
    aio_loop_init(&loop, timers, 1);
    aio_loop_set_clock(&loop, size_clock, NULL);
    aio_spawn(&a.task, app);
    while (!aio_task_done(&a.task)) {
        if (size_ticks >= 200) aio_cancel(&a.task);
        if (!aio_step(&loop)) size_idle(NULL, &loop, aio_next_deadline(&loop));
    }
    return aio_task_result(&a.task);
}
